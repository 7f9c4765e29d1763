#!/usr/bin/env bash
# t0500 - postfix/edefter-postconf on a private copy of a Postfix
# configuration directory (postconf -c): apply, idempotence, other
# milters, remove, backups, the submission service, show, the bypass of
# untrusted clients (smtpd_milter_maps from TrustedClients, a cleanup
# removing their X-EDefter-* headers).
. "$(dirname "$0")/../lib/test-lib.sh"

if ! command -v postconf >/dev/null 2>&1; then
	test_skip 'edefter-postconf' 'no postconf (Postfix) here'
	test_done
fi

# Postfix pauses up to two seconds before it reads a main.cf changed
# within the last second or two (in case an editor is still writing it).
# cool DIR ages the files after each change so that the test does not wait.
cool() { touch -d "1 minute ago" "$1/main.cf" "$1/master.cf"; }
pce() { postconf "$@" && cool "$2"; }	# pce -c DIR -e|-P ...

# the script runs under /bin/sh (dash on Debian), as an admin would run it
EP="$TOP/postfix/edefter-postconf"
ep() {
	ep_rc=0
	sh "$EP" "$@" || ep_rc=$?
	[ ! -f pc/main.cf ] || cool pc
	return $ep_rc
}
ENTRY='{ local:edefter/milter.sock, default_action=tempfail }'

# fresh DIR - a configuration directory: Debian's master.cf when there
# is one, and a small main.cf of our own
fresh() {
	rm -rf "$1" && mkdir "$1" &&
	if [ -f /etc/postfix/master.cf ]; then
		cp /etc/postfix/master.cf "$1/"
	else
		cat >"$1/master.cf" <<-\EOF
		smtp      inet  n       -       y       -       -       smtpd
		pickup    unix  n       -       y       60      1       pickup
		cleanup   unix  n       -       y       -       0       cleanup
		qmgr      unix  n       -       n       300     1       qmgr
		EOF
	fi &&
	cat >"$1/main.cf" <<-\EOF
	# scratch main.cf for t0500
	compatibility_level = 3.6
	myhostname = mail.ofis.example
	mydestination = $myhostname, localhost
	inet_interfaces = loopback-only
	EOF
	cool "$1"
}

# pv DIR NAME - a main.cf value as postconf -n shows it ("" when not set)
pv() { postconf -c "$1" -n "$2" 2>/dev/null | sed "s/^$2 = //"; }

test_expect_success 'apply on a fresh configuration' '
	fresh pc && cp -r pc orig &&
	ep -c pc apply >out &&
	cat out &&
	test "$(pv pc smtpd_milters)" = "$ENTRY" &&
	test "$(pv pc non_smtpd_milters)" = "$ENTRY" &&
	test "$(pv pc milter_protocol)" = 6 &&
	test "$(pv pc milter_default_action)" = tempfail &&
	test "$(pv pc milter_command_timeout)" = 30s &&
	test "$(pv pc milter_content_timeout)" = 300s &&
	postconf -c pc -h milter_connect_macros | grep -q "{client_addr}" &&
	postconf -c pc -h milter_connect_macros | grep -q "{daemon_name}" &&
	postconf -c pc -h milter_mail_macros | grep -q "{auth_authen}" &&
	postconf -c pc -h milter_end_of_data_macros | grep -qw i &&
	test "$(postconf -c pc -Ph cleanup/unix/milter_macro_daemon_name)" = pickup &&
	grep -q "^main.cf: smtpd_milters = " out &&
	test -f pc/edefter-postconf.state
'

test_expect_success 'the backups hold the files as they were' '
	ls pc/main.cf.edefter-bak.* pc/master.cf.edefter-bak.* >baks &&
	test $(wc -l <baks) = 2 &&
	cmp orig/main.cf pc/main.cf.edefter-bak.* &&
	cmp orig/master.cf pc/master.cf.edefter-bak.*
'

test_expect_success 'apply again changes nothing, not even a backup' '
	cp -r pc after1 &&
	ep -c pc apply >out &&
	grep -q "^nothing to change" out &&
	diff -r after1 pc
'

test_expect_success 'show: exit 0 and the settings' '
	ep -c pc show >out 2>err &&
	grep -q "^  smtpd_milters = $ENTRY$" out &&
	grep -q "^  cleanup/unix/milter_macro_daemon_name = pickup$" out &&
	grep -q "^ok: edefter is the last milter" out &&
	test ! -s err
'

test_expect_success 'remove puts main.cf and master.cf back byte for byte' '
	ep -c pc remove >out &&
	cat out &&
	cmp orig/main.cf pc/main.cf &&
	cmp orig/master.cf pc/master.cf &&
	test ! -e pc/edefter-postconf.state &&
	test_expect_code 1 ep -c pc show >out 2>err &&
	grep -q "smtpd_milters: edefter is not there" err
'

test_expect_success 'another milter keeps its place; edefter goes last' '
	fresh pc &&
	pce -c pc -e "smtpd_milters = inet:127.0.0.1:11332" \
	    "non_smtpd_milters = inet:127.0.0.1:11332, { unix:opendkim/opendkim.sock, default_action=accept }" &&
	cp pc/main.cf before.cf &&
	ep -c pc apply >out &&
	test "$(pv pc smtpd_milters)" = "inet:127.0.0.1:11332, $ENTRY" &&
	test "$(pv pc non_smtpd_milters)" = "inet:127.0.0.1:11332, { unix:opendkim/opendkim.sock, default_action=accept }, $ENTRY" &&
	cp -r pc again &&
	ep -c pc apply >out && grep -q "^nothing to change" out &&
	diff -r again pc &&
	ep -c pc remove >out &&
	cmp before.cf pc/main.cf &&
	test "$(pv pc smtpd_milters)" = "inet:127.0.0.1:11332"
'

test_expect_success 'an edefter entry elsewhere is moved to the end; remove takes it out' '
	fresh pc &&
	pce -c pc -e "smtpd_milters = local:edefter/milter.sock, inet:127.0.0.1:11332, inet:127.0.0.1:11333" &&
	ep -c pc apply >out &&
	test "$(pv pc smtpd_milters)" = "inet:127.0.0.1:11332, inet:127.0.0.1:11333, $ENTRY" &&
	test $(postconf -c pc -h smtpd_milters | grep -o edefter/milter.sock | wc -l) = 1 &&
	ep -c pc remove >out &&
	test "$(pv pc smtpd_milters)" = "inet:127.0.0.1:11332, inet:127.0.0.1:11333"
'

test_expect_success 'remove after later edits: edefter out, the edits stay' '
	fresh pc &&
	pce -c pc -e "smtpd_milters = inet:127.0.0.1:11332" \
	    "milter_connect_macros = j {daemon_name} v" \
	    "milter_default_action = accept" &&
	ep -c pc apply >out &&
	grep -q "^kept milter_default_action = accept" out &&
	test "$(pv pc milter_connect_macros)" = "j {daemon_name} v {client_addr}" &&
	pce -c pc -e "smtpd_milters = inet:127.0.0.1:11332, $ENTRY, inet:127.0.0.1:12000" \
	    "milter_connect_macros = j {daemon_name} v {client_addr} {my_macro}" \
	    "milter_command_timeout = 45s" &&
	test_expect_code 1 ep -c pc show >/dev/null 2>err &&
	grep -q "smtpd_milters: edefter is not the last milter" err &&
	ep -c pc remove >out &&
	cat out &&
	test "$(pv pc smtpd_milters)" = "inet:127.0.0.1:11332, inet:127.0.0.1:12000" &&
	test "$(pv pc non_smtpd_milters)" = "" &&
	test "$(pv pc milter_connect_macros)" = "j {daemon_name} v {my_macro}" &&
	test "$(pv pc milter_command_timeout)" = 45s &&
	test "$(pv pc milter_default_action)" = accept &&
	test "$(pv pc milter_protocol)" = "" &&
	test "$(pv pc milter_content_timeout)" = "" &&
	test -z "$(postconf -c pc -Ph cleanup/unix/milter_macro_daemon_name 2>/dev/null)"
'

test_expect_success 'remove without a state file takes out only what is edefter'"'"'s' '
	fresh pc &&
	pce -c pc -e "smtpd_milters = inet:127.0.0.1:11332, $ENTRY" \
	    "non_smtpd_milters = $ENTRY" "milter_protocol = 6" &&
	pce -c pc -P cleanup/unix/milter_macro_daemon_name=pickup &&
	ep -c pc remove >out &&
	test "$(pv pc smtpd_milters)" = "inet:127.0.0.1:11332" &&
	test "$(pv pc non_smtpd_milters)" = "" &&
	test "$(pv pc milter_protocol)" = 6 &&
	test -z "$(postconf -c pc -Ph cleanup/unix/milter_macro_daemon_name 2>/dev/null)" &&
	ep -c pc remove >out && grep -q "^nothing to remove" out
'

test_expect_success 'non_smtpd_milters = $smtpd_milters is left to inherit' '
	fresh pc &&
	pce -c pc -e "non_smtpd_milters = \$smtpd_milters" &&
	ep -c pc apply >out &&
	test "$(pv pc non_smtpd_milters)" = "\$smtpd_milters" &&
	test "$(postconf -c pc -xh non_smtpd_milters)" = "$ENTRY" &&
	ep -c pc show >/dev/null
'

test_expect_success '--submission: a loopback smtpd, idempotent, removed again' '
	fresh pc && cp -r pc orig2 &&
	ep -c pc --submission 10587 apply >out &&
	svc=127.0.0.1:10587/inet &&
	test "$(postconf -c pc -Fh $svc/command | cut -d" " -f1)" = smtpd &&
	test "$(postconf -c pc -Fh $svc/chroot)" = "$(postconf -c pc -Fh smtp/inet/chroot)" &&
	test "$(postconf -c pc -Ph $svc/syslog_name)" = postfix/edefter &&
	test "$(postconf -c pc -Ph $svc/smtpd_relay_restrictions)" = permit_mynetworks,reject &&
	cp -r pc again2 &&
	ep -c pc --submission 10587 apply >out && grep -q "^nothing to change" out &&
	diff -r again2 pc &&
	ep -c pc show >out && grep -q "edefter submission service" out &&
	ep -c pc remove >out &&
	test -z "$(postconf -c pc -M $svc 2>/dev/null)" &&
	cmp orig2/master.cf pc/master.cf
'

test_expect_success '-s: Postfix and milter forms; a bad one is 64' '
	fresh pc &&
	ep -c pc -s inet:8891@127.0.0.1 apply >out &&
	test "$(pv pc smtpd_milters)" = "{ inet:127.0.0.1:8891, default_action=tempfail }" &&
	ep -c pc apply >out && grep -q "^nothing to change" out &&
	ep -c pc -s local:/var/spool/postfix/edefter/milter.sock apply >out &&
	test "$(pv pc smtpd_milters)" = "$ENTRY" &&
	test_expect_code 64 ep -c pc -s bogus apply 2>err &&
	grep -q "expected local:PATH" err
'

test_expect_success 'dry run (-n) changes nothing' '
	fresh pc && cp -r pc dry &&
	ep -c pc -n apply >out &&
	grep -q "^(dry run) main.cf: smtpd_milters = " out &&
	diff -r dry pc
'

test_expect_success 'show warns about a service that overrides smtpd_milters' '
	fresh pc && ep -c pc apply >/dev/null &&
	pce -c pc -P "smtp/inet/smtpd_milters=inet:127.0.0.1:11332" &&
	test_expect_code 1 ep -c pc show >/dev/null 2>err &&
	grep -q "smtp/inet/smtpd_milters = inet:127.0.0.1:11332: mail through this service is not checked" err
'

test_expect_success 'usage and configuration errors' '
	test_expect_code 64 ep 2>err && grep -q "^usage:" err &&
	test_expect_code 64 ep -c pc frobnicate 2>/dev/null &&
	test_expect_code 64 ep -c pc --submission 70000 apply 2>/dev/null &&
	test_expect_code 64 ep -c pc --submission 10587 remove 2>/dev/null &&
	test_expect_code 78 ep -c "$T/nothere" show 2>err &&
	grep -q "no such directory" err &&
	mkdir empty && test_expect_code 78 ep -c empty show 2>err &&
	grep -q "empty/main.cf: no such file" err
'

test_expect_success 'apply --bounce: pipe service, transport_maps, delimiter; remove undoes it' '
	fresh bo && cp -r bo bo.orig &&
	postconf -c bo -e "transport_maps = hash:/etc/postfix/transport" "recipient_delimiter = -" && cool bo &&
	ep -c bo apply --bounce edefter-dsn@ofis.example --dsn-user postfix \
	    --dsn-command /usr/sbin/edefter-dsn --dsn-config /etc/edefter/edefter.conf >out &&
	cat out &&
	test "$(pv bo transport_maps)" = "inline:{ edefter-dsn@ofis.example=edefter-dsn: }, hash:/etc/postfix/transport" &&
	test "$(pv bo recipient_delimiter)" = "+-" &&
	test "$(pv bo edefter-dsn_destination_recipient_limit)" = 1 &&
	postconf -c bo -M edefter-dsn/unix >svc &&
	grep -q "pipe flags=Rq user=postfix argv=/usr/sbin/edefter-dsn -c /etc/edefter/edefter.conf \${recipient}" svc &&
	ep -c bo apply --bounce edefter-dsn@ofis.example --dsn-user postfix \
	    --dsn-command /usr/sbin/edefter-dsn >bo.again &&
	grep -q "nothing to change" bo.again &&
	ep -c bo remove >rm &&
	cat rm &&
	test "$(pv bo transport_maps)" = "hash:/etc/postfix/transport" &&
	test "$(pv bo recipient_delimiter)" = "-" &&
	test -z "$(pv bo edefter-dsn_destination_recipient_limit)" &&
	test -z "$(postconf -c bo -M edefter-dsn/unix 2>/dev/null)"
'

test_expect_success 'apply --bounce: bad addresses and users are usage errors' '
	test_expect_code 64 sh "$EP" -c bo apply --bounce "bounce+x@ofis.example" &&
	test_expect_code 64 sh "$EP" -c bo apply --bounce "not-an-address" &&
	test_expect_code 64 sh "$EP" -c bo apply --bounce a@ofis.example --dsn-user root &&
	test_expect_code 64 sh "$EP" -c bo remove --bounce a@ofis.example
'

test_expect_success 'untrusted clients: map from --conf TrustedClients, a cleanup of their own' '
	fresh un &&
	printf "TrustedClients 10.1.2.3/8, 2001:db8::1/32 192.0.2.7 # office\nSubmit smtp://127.0.0.1:10587\n" >un.conf &&
	pce -c un -e "smtpd_milters = inet:127.0.0.1:11332" "header_checks = regexp:/etc/postfix/hc" &&
	ep -c un --conf un.conf apply >out 2>err &&
	cat out err &&
	test ! -s err &&
	M="inet:127.0.0.1:11332, $ENTRY" &&
	printf "10.0.0.0/8\t%s\n2001:db8:0:0:0:0:0:0/32\t%s\n192.0.2.7\t%s\n0.0.0.0/0\tinet:127.0.0.1:11332\n::/0\tinet:127.0.0.1:11332\n" "$M" "$M" "$M" >want &&
	grep -v "^#" un/edefter-trusted.cidr >got && test_cmp want got &&
	test "$(postmap -c un -q 10.9.9.9 cidr:un/edefter-trusted.cidr)" = "$M" &&
	test "$(postmap -c un -q 198.51.100.1 cidr:un/edefter-trusted.cidr)" = inet:127.0.0.1:11332 &&
	grep -q "^/^X-EDefter-/	IGNORE$" un/edefter-untrusted.regexp &&
	test "$(postconf -c un -Ph smtp/inet/smtpd_milter_maps)" = "cidr:$T/un/edefter-trusted.cidr" &&
	test "$(postconf -c un -Ph smtp/inet/cleanup_service_name)" = edefter-cleanup &&
	test "$(postconf -c un -Ph edefter-cleanup/unix/header_checks)" = "regexp:$T/un/edefter-untrusted.regexp,regexp:/etc/postfix/hc" &&
	test "$(postconf -c un -Fh edefter-cleanup/unix/chroot)" = "$(postconf -c un -Fh cleanup/unix/chroot)" &&
	cp -r un un.again &&
	ep -c un --conf un.conf apply >out && grep -q "^nothing to change" out &&
	diff -r un.again un &&
	ep -c un --conf un.conf show >out 2>err &&
	grep -q "^untrusted clients of smtp/inet: never reach the milter" out &&
	test ! -s err
'

test_expect_success 'untrusted clients: show sees a stale map; apply brings it up to date' '
	pce -c un -e "smtpd_milters = inet:127.0.0.1:11333, $ENTRY" &&
	test_expect_code 1 ep -c un --conf un.conf show >/dev/null 2>err &&
	grep -q "edefter-trusted.cidr is out of date" err &&
	ep -c un --conf un.conf apply >out &&
	grep -q "edefter-trusted.cidr: written" out &&
	grep -q "^0.0.0.0/0	inet:127.0.0.1:11333$" un/edefter-trusted.cidr &&
	ep -c un --conf un.conf show >/dev/null
'

test_expect_success 'untrusted clients: remove after later edits takes out the bypass, the edits stay' '
	pce -c un -e "smtpd_banner = \$myhostname ESMTP" &&
	pce -c un -M "10025/inet=10025 inet n - n - - smtpd" &&
	ep -c un remove >out &&
	cat out &&
	test ! -e un/edefter-trusted.cidr && test ! -e un/edefter-untrusted.regexp &&
	test -z "$(postconf -c un -M edefter-cleanup/unix 2>/dev/null)" &&
	test -z "$(postconf -c un -Ph smtp/inet/smtpd_milter_maps 2>/dev/null)" &&
	test -z "$(postconf -c un -Ph smtp/inet/cleanup_service_name 2>/dev/null)" &&
	test -n "$(postconf -c un -M 10025/inet)" &&
	test "$(pv un smtpd_banner)" = "\$myhostname ESMTP"
'

test_expect_success 'untrusted clients: Submit to the public smtpd is warned about' '
	fresh un2 &&
	printf "InspectAttachments no\n" >un2.conf &&
	ep -c un2 --conf un2.conf apply >out 2>err &&
	grep -q "Submit smtp://127.0.0.1:25 reaches smtp/inet, whose cleanup removes X-EDefter-\* headers.*NOT AT ALL" err &&
	grep -q "^127.0.0.0/8	$ENTRY$" un2/edefter-trusted.cidr &&
	grep -q "^0:0:0:0:0:0:0:1	$ENTRY$" un2/edefter-trusted.cidr &&
	grep -q "^0.0.0.0/0	DISABLE$" un2/edefter-trusted.cidr
'

test_expect_success 'untrusted clients: SASL on the public smtpd, --contact-untrusted, bad ranges' '
	fresh un3 &&
	pce -c un3 -P "smtp/inet/smtpd_sasl_auth_enable=yes" &&
	ep -c un3 --conf "$T/none.conf" apply >out 2>err &&
	grep -q "smtp/inet offers SASL" err &&
	test ! -e un3/edefter-trusted.cidr &&
	test -z "$(postconf -c un3 -M edefter-cleanup/unix 2>/dev/null)" &&
	fresh un4 &&
	ep -c un4 --contact-untrusted apply >out &&
	test ! -e un4/edefter-trusted.cidr &&
	test -z "$(postconf -c un4 -Ph smtp/inet/smtpd_milter_maps 2>/dev/null)" &&
	fresh un5 && cp -r un5 un5.orig &&
	printf "TrustedClients 10.0.0.0/33\n" >bad.conf &&
	test_expect_code 78 ep -c un5 --conf bad.conf apply 2>err &&
	grep -q "TrustedClients: bad range .10.0.0.0/33." err &&
	printf "TrustedClients ofis.example\n" >bad.conf &&
	test_expect_code 78 ep -c un5 --conf bad.conf apply 2>/dev/null &&
	diff -r un5.orig un5 &&
	test_expect_code 64 ep -c un5 --public smtp apply 2>/dev/null &&
	test_expect_code 78 ep -c un5 --public 192.0.2.1:25/inet apply 2>err &&
	grep -q "no such service" err
'

test_done
