#!/usr/bin/env bash
# t9500 - the Debian package: make deb builds it into build/deb/ and
# leaves the tree clean; lintian finds no error; apt-get installs it: the
# programs, pages, units (systemd-analyze verify), the user edefter and
# its directories, the milter enabled and nothing started without
# /etc/edefter/edefter.conf; the installed programs work on a temporary
# configuration; remove keeps the ledger; purge asks nothing, says that
# it keeps the ledger, and leaves nothing else of the package (the user
# edefter stays, as debian/README.Debian says).
#
# Needs root and dpkg-buildpackage; skipped where edefter is installed
# already or /etc/edefter, /var/lib/edefter or /var/spool/postfix/edefter
# exist (a system this test must not disturb).  Whatever happens, the
# package is purged at the end, and the user and the ledger it created
# are removed.  EDEFTER_DEB_BUILT=1 (make check-deb) uses the package
# that make deb has just built instead of building it again.
. "$(dirname "$0")/../lib/test-lib.sh"

skip_all() {
	test_skip 'the Debian package' "$1"
	test_done
}

[ "$(id -u)" = 0 ] || skip_all 'needs root: apt-get install, adduser'
command -v dpkg-buildpackage >/dev/null 2>&1 ||
    skip_all 'dpkg-buildpackage is not installed (dpkg-dev)'
command -v apt-get >/dev/null 2>&1 || skip_all 'no apt-get'
st=$(dpkg-query -W -f='${db:Status-Status}' edefter 2>/dev/null)
case $st in
'' | not-installed) ;;
*) skip_all "the package edefter is here already ($st): not touching it" ;;
esac
for p in /etc/edefter /var/lib/edefter /var/spool/postfix/edefter; do
	if [ -e "$p" ]; then
		skip_all "$p exists (edefter installed by make install?): not touching it"
	fi
done

VERSION=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)
ARCH=$(dpkg --print-architecture)
DEB=$TOP/build/deb/edefter_${VERSION}_${ARCH}.deb
CHANGES=$TOP/build/deb/edefter_${VERSION}_${ARCH}.changes
CONF=/etc/edefter/edefter.conf
UNITS="edefter-milter.service edefter-scan.service edefter-scan-daemon.service edefter-scan.timer"

if getent passwd edefter >/dev/null; then
	user_before=1
else
	user_before=0
fi
if getent group edefter >/dev/null; then
	group_before=1
else
	group_before=0
fi

export DEBIAN_FRONTEND=noninteractive
APT="apt-get -y -q -o DPkg::Lock::Timeout=120"

# deb_cleanup - purge whatever is left and what this test added
deb_cleanup() {
	case $(dpkg-query -W -f='${db:Status-Status}' edefter 2>/dev/null) in
	'' | not-installed) ;;
	*) $APT purge edefter >/dev/null 2>&1 || dpkg --purge edefter ;;
	esac
	rm -rf /var/lib/edefter /etc/edefter /var/spool/postfix/edefter
	[ "$user_before" = 1 ] || userdel edefter 2>/dev/null
	[ "$group_before" = 1 ] || groupdel edefter 2>/dev/null
	return 0
}
test_at_exit deb_cleanup

# dpkg-buildpackage's own place for its results, above the source tree:
# make deb must not write there
deb_above() {
	(cd "$TOP/.." && ls -d edefter_* edefter-dbgsym_* 2>/dev/null) || true
}
deb_above >"$T/above.before"

if [ "${EDEFTER_DEB_BUILT:-}" = 1 ] && [ -f "$DEB" ]; then
	test_skip 'make deb builds the package' 'EDEFTER_DEB_BUILT=1: make deb has just built it'
else
test_expect_success 'make deb builds the package into build/deb/' '
	make -s -C "$TOP" deb >make.out 2>&1 || { tail -n 30 make.out; exit 1; } &&
	test -f "$DEB" && test -f "$CHANGES" &&
	test -f "$TOP/build/deb/edefter_${VERSION}_${ARCH}.buildinfo" &&
	grep -q "edefter_${VERSION}_${ARCH}.deb" "$CHANGES"
'

test_expect_success 'the build leaves the source tree clean and writes nothing above it' '
	for p in build-deb debian/edefter debian/.debhelper debian/files \
	    debian/debhelper-build-stamp debian/edefter.substvars \
	    debian/edefter.debhelper.log debian/tmp; do
		if [ -e "$TOP/$p" ]; then echo "left behind: $p"; exit 1; fi
	done &&
	deb_above >above.after &&
	test_cmp above.before above.after
'
fi

if command -v lintian >/dev/null 2>&1; then
test_expect_success 'lintian reports no errors' '
	lintian --fail-on error "$CHANGES" >lintian.out 2>&1 || { cat lintian.out; exit 1; } &&
	! grep "^E:" lintian.out
'
else
test_skip 'lintian reports no errors' 'lintian is not installed'
fi

test_expect_success 'the package: its control fields' '
	dpkg-deb -f "$DEB" Package Version Depends Recommends >fields &&
	grep -qx "Package: edefter" fields &&
	grep -qx "Version: $VERSION" fields &&
	grep -q "^Depends:.*adduser" fields &&
	grep -q "^Depends:.*libmilter" fields &&
	grep -q "^Recommends:.*postfix" fields &&
	dpkg-deb -I "$DEB" conffiles >conffiles &&
	! grep -qx "$CONF" conffiles
'

test_expect_success 'apt-get installs it and starts nothing' '
	$APT install --no-install-recommends "$DEB" >install.out 2>&1 ||
	    { tail -n 30 install.out; exit 1; } &&
	test "$(dpkg-query -W -f="\${db:Status-Status}" edefter)" = installed &&
	grep -q "nothing is started" install.out &&
	dpkg -L edefter | sort >files.list
'

test_expect_success 'programs, man pages, units, tmpfiles.d, examples' '
	for f in /usr/sbin/edefter-milter /usr/sbin/edefter-scan /usr/sbin/edefterctl \
	    /usr/sbin/edefter-postconf \
	    /usr/share/man/man8/edefter-milter.8.gz /usr/share/man/man8/edefter-scan.8.gz \
	    /usr/share/man/man8/edefterctl.8.gz /usr/share/man/man8/edefter-postconf.8.gz \
	    /usr/share/man/man5/edefter.conf.5.gz \
	    /lib/systemd/system/edefter-milter.service \
	    /lib/systemd/system/edefter-milter.service.d/debian-needs-conf.conf \
	    /lib/systemd/system/edefter-scan.service /lib/systemd/system/edefter-scan.timer \
	    /lib/systemd/system/edefter-scan-daemon.service \
	    /usr/lib/tmpfiles.d/edefter.conf \
	    /etc/edefter/edefter.conf.example /etc/edefter/companies.csv.example \
	    /usr/share/doc/edefter/examples/edefter.conf.example \
	    /usr/share/doc/edefter/README.Debian /usr/share/doc/edefter/copyright; do
		test -f "$f" || { echo "missing $f"; exit 1; }
		grep -qx "$f" files.list || { echo "not in dpkg -L: $f"; exit 1; }
	done &&
	test ! -e "$CONF" &&
	grep -qx "ExecStart=/usr/sbin/edefter-milter -c /etc/edefter/edefter.conf -f" \
	    /lib/systemd/system/edefter-milter.service &&
	! grep -rq "@SBINDIR@\|@SYSCONFDIR@" /lib/systemd/system/edefter-*
'

test_expect_success 'the user edefter, in the group postfix, and its directories' '
	getent passwd edefter >pw &&
	IFS=: read -r name _ uid gid _ home shell <pw &&
	test "$home" = /var/lib/edefter &&
	test "$uid" -lt 1000 &&
	case $shell in */nologin | */false) ;; *) echo "shell $shell"; exit 1 ;; esac &&
	test "$(getent group "$gid" | cut -d: -f1)" = edefter &&
	if getent group postfix >/dev/null; then
		id -nG edefter | tr " " "\n" | grep -qx postfix
	fi &&
	for d in /var/lib/edefter /var/lib/edefter/ledger /var/lib/edefter/scan; do
		test "$(stat -c "%U:%G %a" "$d")" = "edefter:edefter 750" ||
		    { echo "$d: $(stat -c "%U:%G %a" "$d")"; exit 1; }
	done &&
	if [ -d /var/spool/postfix ]; then
		test "$(stat -c "%U:%G %a" /var/spool/postfix/edefter)" = "edefter:postfix 750"
	fi
'

if command -v systemd-analyze >/dev/null 2>&1; then
test_expect_success 'systemd-analyze verify: the installed units are sound' '
	units= &&
	for u in $UNITS; do units="$units /lib/systemd/system/$u"; done &&
	systemd-analyze verify $units >verify.out 2>&1 || { cat verify.out; exit 1; } &&
	if [ -s verify.out ]; then cat verify.out; exit 1; fi
'

test_expect_success 'the units wait for edefter.conf (ConditionPathExists)' '
	for u in edefter-milter.service edefter-scan.service edefter-scan-daemon.service; do
		test_must_fail systemd-analyze condition --unit="$u" >cond.out 2>&1 &&
		grep -q "ConditionPathExists=$CONF failed" cond.out ||
		    { cat cond.out; exit 1; }
	done
'
else
test_skip 'systemd-analyze verify' 'systemd-analyze is not installed'
fi

test_expect_success 'only the milter is enabled; nothing runs' '
	test "$(readlink /etc/systemd/system/multi-user.target.wants/edefter-milter.service)" = \
	    /lib/systemd/system/edefter-milter.service &&
	test ! -e /etc/systemd/system/timers.target.wants/edefter-scan.timer &&
	test ! -e /etc/systemd/system/multi-user.target.wants/edefter-scan-daemon.service &&
	if command -v systemctl >/dev/null 2>&1; then
		test "$(systemctl is-enabled edefter-milter.service 2>/dev/null)" = enabled &&
		test "$(systemctl is-enabled edefter-scan.timer 2>/dev/null)" = disabled
	fi &&
	if [ -d /run/systemd/system ]; then
		for u in $UNITS; do
			test "$(systemctl is-active "$u")" != active ||
			    { echo "$u is running"; exit 1; }
		done
	fi &&
	! pgrep -f "^/usr/sbin/edefter-(milter|scan)" &&
	test ! -e /var/spool/postfix/edefter/milter.sock
'

test_expect_success 'the installed programs on a temporary configuration' '
	mkdir -p "$T/share" &&
	cat >tmp.conf <<-EOF &&
	LedgerPath	$T/ledger
	Socket		local:$T/milter.sock
	ShareRoot	$T/share
	ShareType	any
	StateDir	$T/state
	From		ofis@ofis.example
	EOF
	/usr/sbin/edefter-milter -c tmp.conf -n >milter.out &&
	grep -q "^LedgerPath  *$T/ledger" milter.out &&
	/usr/sbin/edefter-scan -c tmp.conf -n >scan.out &&
	grep -q "^ShareRoot  *$T/share" scan.out &&
	cat >history.json <<-\EOF &&
	{"sentEmails": [
	 {"companyId": "1234567890", "companyName": "ABC Gıda Ticaret A.Ş.",
	  "year": 2025, "month": 10, "sentDate": "2026-02-03T18:00:00.000Z",
	  "recipientEmail": "muhasebe@abc.example"}]}
	EOF
	/usr/sbin/edefterctl -l "$T/ledger" import history.json >import.out 2>&1 &&
	grep -q "1 imported" import.out &&
	/usr/sbin/edefterctl -l "$T/ledger" stats >stats.out &&
	grep -q "^records  *1$" stats.out &&
	/usr/sbin/edefter-postconf -h >/dev/null
'

test_expect_success 'the milter reads /etc/edefter/edefter.conf by default' '
	cp /etc/edefter/edefter.conf.example "$CONF" &&
	/usr/sbin/edefter-milter -n >default.out &&
	grep -q "^# $CONF" default.out &&
	grep -q "^LedgerPath  *\/var\/lib\/edefter\/ledger" default.out &&
	if command -v systemd-analyze >/dev/null 2>&1; then
		systemd-analyze condition --unit=edefter-milter.service >/dev/null 2>&1
	fi
'

test_expect_success 'a ledger in /var/lib/edefter/ledger, written as edefter' '
	runuser -u edefter -- /usr/sbin/edefterctl -l /var/lib/edefter/ledger \
	    import "$T/history.json" >/dev/null 2>&1 &&
	test "$(stat -c %U /var/lib/edefter/ledger/data.mdb)" = edefter &&
	sha256sum /var/lib/edefter/ledger/data.mdb >ledger.sum
'

test_expect_success 'a reinstall (the upgrade path) keeps the configuration and the ledger' '
	echo "# mine" >>"$CONF" &&
	$APT install --reinstall --no-install-recommends "$DEB" >reinstall.out 2>&1 ||
	    { tail -n 30 reinstall.out; exit 1; } &&
	test "$(tail -n 1 "$CONF")" = "# mine" &&
	sha256sum -c --quiet ledger.sum &&
	test "$(stat -c "%U:%G %a" /var/lib/edefter/ledger)" = "edefter:edefter 750" &&
	test "$(getent passwd edefter | cut -d: -f3)" = "$(cut -d: -f3 pw)"
'

test_expect_success 'apt-get remove keeps the ledger, the configuration and the user' '
	$APT remove edefter >remove.out 2>&1 || { tail -n 30 remove.out; exit 1; } &&
	test "$(dpkg-query -W -f="\${db:Status-Status}" edefter)" = config-files &&
	test ! -e /usr/sbin/edefter-milter &&
	sha256sum -c --quiet ledger.sum &&
	test -f "$CONF" && test -f /etc/edefter/edefter.conf.example &&
	getent passwd edefter >/dev/null
'

test_expect_success 'apt-get purge asks nothing and says it keeps the ledger' '
	$APT purge edefter </dev/null >purge.out 2>&1 || { tail -n 30 purge.out; exit 1; } &&
	case $(dpkg-query -W -f="\${db:Status-Status}" edefter 2>/dev/null) in
	"" | not-installed) ;;
	*) echo "still: $(dpkg-query -W -f="\${db:Status-Status}" edefter)"; exit 1 ;;
	esac &&
	grep -q "purge keeps the ledger /var/lib/edefter/ledger" purge.out
'

test_expect_success 'purge leaves nothing of the package but the ledger' '
	: >left &&
	while read -r p; do
		[ "$p" != /. ] || continue
		[ -e "$p" ] || [ -L "$p" ] || continue
		# a directory other packages own too (/usr/sbin, /lib/systemd/system, ...)
		if [ -d "$p" ] && dpkg -S "$p" >/dev/null 2>&1; then continue; fi
		echo "$p" >>left
	done <files.list &&
	for p in /etc/edefter /var/lib/edefter/scan /var/spool/postfix/edefter \
	    /etc/systemd/system/multi-user.target.wants/edefter-milter.service \
	    /var/lib/systemd/deb-systemd-helper-enabled/edefter-milter.service.dsh-also \
	    /var/lib/systemd/deb-systemd-helper-masked/edefter-milter.service; do
		if [ -e "$p" ] || [ -L "$p" ]; then echo "$p" >>left; fi
	done &&
	test_cmp /dev/null left &&
	test "$(ls -A /var/lib/edefter)" = ledger &&
	sha256sum -c --quiet ledger.sum
'

test_expect_success 'the user edefter stays after purge (it owns the ledger)' '
	getent passwd edefter >/dev/null &&
	test "$(stat -c %U /var/lib/edefter/ledger)" = edefter
'

test_done
