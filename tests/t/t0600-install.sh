#!/usr/bin/env bash
# t0600 - make install into a DESTDIR; man pages lint clean; the example
# configuration parses; an admin's configuration is never overwritten.
. "$(dirname "$0")/../lib/test-lib.sh"

test_expect_success 'make install lays down programs, pages, units, examples' '
	make -s -C "$TOP" install DESTDIR="$T/root" PREFIX=/opt/ed SYSCONFDIR=/etc/x >out 2>&1 &&
	for f in opt/ed/sbin/edefter-milter opt/ed/sbin/edefter-scan \
	    opt/ed/sbin/edefterctl opt/ed/sbin/edefter-postconf \
	    opt/ed/share/man/man8/edefter-milter.8 opt/ed/share/man/man8/edefter-scan.8 \
	    opt/ed/share/man/man8/edefterctl.8 opt/ed/share/man/man5/edefter.conf.5 \
	    etc/x/edefter/edefter.conf etc/x/edefter/companies.csv.example \
	    lib/systemd/system/edefter-milter.service lib/systemd/system/edefter-scan.timer; do
		test -f "root/$f" || { echo "missing $f"; exit 1; }
	done &&
	grep -q "^ExecStart=/opt/ed/sbin/edefter-milter -c /etc/x/edefter/edefter.conf -f$" \
	    root/lib/systemd/system/edefter-milter.service &&
	! grep -rq "@SBINDIR@\|@SYSCONFDIR@" root/lib/systemd/system
'

test_expect_success 'a second install keeps the admin'"'"'s configuration' '
	echo "# mine" >>root/etc/x/edefter/edefter.conf &&
	make -s -C "$TOP" install DESTDIR="$T/root" PREFIX=/opt/ed SYSCONFDIR=/etc/x >out 2>&1 &&
	grep -q "^# mine$" root/etc/x/edefter/edefter.conf &&
	test -f root/etc/x/edefter/edefter.conf.example &&
	grep -q "keeping" out
'

test_expect_success 'the example configuration parses for every program' '
	"$BUILD/edefter-milter" -n -c "$TOP/postfix/edefter.conf.example" >out &&
	grep -q "^UserID  *edefter:postfix" out &&
	"$BUILD/edefterctl" -n -c "$TOP/postfix/edefter.conf.example" >out &&
	{ cat "$TOP/postfix/edefter.conf.example"; echo "ShareRoot /srv/edefter";
	  echo "From ofis@ofis.example"; } >scan.conf &&
	"$BUILD/edefter-scan" -n -c scan.conf >out &&
	grep -q "^ShareRoot  *\/srv\/edefter" out
'

if command -v mandoc >/dev/null; then
test_expect_success 'man pages: mandoc -T lint finds nothing' '
	mandoc -T lint -W warning "$TOP"/lib/edefter.conf.5 "$TOP"/milter/edefter-milter.8 \
	    "$TOP"/scanner/edefter-scan.8 "$TOP"/ctl/edefterctl.8
'
else
test_skip 'man pages lint' 'mandoc is not installed'
fi

test_done
