#!/usr/bin/env bash
# t2150 - what the scanner keeps in StateDir between passes on a local
# file system: directory listings and zip verdicts used while nothing
# changed, and never once something did: a zip rewritten in place with
# its size and mtime kept (its ctime moves), a file changed within the
# same second as it was checked, files and directories added, removed
# and renamed, a damaged cache, another ExcludeDirs; nothing kept where
# times cannot be trusted (EDEFTER_SCAN_CACHE=off stands in for SMB and
# FUSE), and no cache written by a status run as another user.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/share.sh"

export EDEFTER_SCAN_STATS=1
scan() { "$BUILD/edefter-scan" "$@"; }

# st CONF - status table in st.out, the stats line in st.stats
st() {
	scan -c "$1" status >st.out 2>st.err || return 1
	grep "^edefter-scan: stats " st.err >st.stats
	cat st.stats
}
stat_of() {	# stat_of NAME - a number from st.stats
	sed -n "s/.* $1=\([0-9]*\).*/\1/p" st.stats
}
row() {		# row ID PERIOD - the status line of a period
	awk -v id="$1" -v p="$2" '$2 == id && $3 == p' st.out
}

# old FILE... - modification and change times well in the past: the
# ctime cannot be set, so wait until it is old enough to be trusted
settle_times() {
	sleep 3
}

# corrupt_same FILE - overwrite the end-of-central-directory signature
# in place: same size, then the old mtime put back (ctime moves)
corrupt_same() {
	local m
	m=$(stat -c %y "$1")
	printf 'XXXX' | dd of="$1" bs=1 seek=$(($(stat -c %s "$1") - 22)) \
	    conv=notrunc status=none &&
	touch -d "$m" "$1"
}

test_expect_success 'setup: a share of three periods, times settled' '
	scan_conf c "Submit smtp://127.0.0.1:9" &&
	printf "vkn;name;emails\n1234567890;ABC Gıda A.Ş.;a@abc.example\n4540536920;XYZ Ltd.;x@xyz.example\n" >c.csv &&
	mkperiod "c.share/ABC Gıda/2025/10" 1234567890 202510 &&
	mkperiod "c.share/ABC Gıda/2025/11" 1234567890 202511 &&
	mkperiod c.share/XYZ/2025/10 4540536920 202510 &&
	mkperiod c.share/Yedek/2025/09 4540536920 202509 &&
	settle_times
'

test_expect_success 'first status reads everything and keeps it' '
	st c.conf &&
	test "$(stat_of kept)" = 0 && test "$(stat_of zips-read)" = 12 &&
	test -s c.state/dirs && test -s c.state/verdicts &&
	cp st.out first.out &&
	grep -c "^complete " st.out >n && test "$(cat n)" = 3
'

test_expect_success 'second status: nothing read again, the same table' '
	st c.conf &&
	test "$(stat_of read)" = 0 && test "$(stat_of kept)" = "$(stat_of directories)" &&
	test "$(stat_of zips-read)" = 0 && test "$(stat_of zips-kept)" = 12 &&
	test_cmp first.out st.out
'

test_expect_success 'a zip rewritten in place, size and mtime kept: read again, not whole' '
	f="c.share/ABC Gıda/2025/10/GIB-1234567890-202510-KB-000000.zip" &&
	s0=$(stat -c "%s %Y" "$f") &&
	corrupt_same "$f" &&
	test "$(stat -c "%s %Y" "$f")" = "$s0" &&
	st c.conf &&
	test "$(stat_of zips-read)" = 1 &&
	row 1234567890 2025-10 | grep -q "^pending .*reason=zip-incomplete file=GIB-1234567890-202510-KB-000000.zip" &&
	row 1234567890 2025-11 | grep -q "^complete " &&
	st c.conf && test "$(stat_of zips-read)" = 1 &&
	row 1234567890 2025-10 | grep -q "reason=zip-incomplete" &&
	settle_times && st c.conf && st c.conf &&
	test "$(stat_of zips-read)" = 0 &&
	row 1234567890 2025-10 | grep -q "reason=zip-incomplete"
'

test_expect_success 'a zip changed within the same second as it was checked' '
	mkperiod c.share/XYZ/2025/12 4540536920 202512 &&
	st c.conf &&
	test "$(stat_of zips-read)" = 4 &&
	row 4540536920 2025-12 | grep -q "^complete " &&
	f=c.share/XYZ/2025/12/GIB-4540536920-202512-YB-000000.zip &&
	corrupt_same "$f" &&
	st c.conf &&
	test "$(stat_of zips-read)" = 4 &&
	row 4540536920 2025-12 | grep -q "^pending .*reason=zip-incomplete file=GIB-4540536920-202512-YB-000000.zip"
'

test_expect_success 'a file added to a kept directory, one removed, a directory renamed' '
	settle_times &&
	st c.conf && st c.conf && test "$(stat_of read)" = 0 &&
	mkfiles c.share/XYZ/2025/10 GIB-4540536920-202510-YB-000001.zip &&
	st c.conf &&
	test "$(stat_of read)" = 1 &&
	row 4540536920 2025-10 | grep -q "^incomplete .*missing=GIB-KB-000001" &&
	rm c.share/XYZ/2025/10/GIB-4540536920-202510-YB-000001.zip &&
	st c.conf &&
	row 4540536920 2025-10 | grep -q "^complete " &&
	mv "c.share/ABC Gıda/2025/11" "c.share/ABC Gıda/2025/11-eski" &&
	st c.conf &&
	row 1234567890 2025-11 | grep -q "ABC Gıda/2025/11-eski" &&
	rm -rf "c.share/ABC Gıda/2025/11-eski" &&
	st c.conf &&
	row 1234567890 2025-11 | grep -q "^missing " &&
	! grep -q "11-eski" st.out
'

test_expect_success 'another ExcludeDirs reads every directory again' '
	settle_times &&
	st c.conf && st c.conf && test "$(stat_of read)" = 0 &&
	! grep -q "Yedek/2025/09" st.out &&
	grep -q "^excluded: 1 directory (ExcludeDirs): Yedek," st.out &&
	echo "ExcludeDirs Silinenler" >>c.conf &&
	st c.conf &&
	test "$(stat_of kept)" = 0 &&
	grep -q "Yedek/2025/09" st.out
'

test_expect_success 'a damaged cache is no cache' '
	head -c 100 c.state/dirs >x && cat x >c.state/dirs &&
	printf "garbage\n" >c.state/verdicts &&
	st c.conf &&
	test "$(stat_of kept)" = 0 && test "$(stat_of zips-kept)" = 0 &&
	st c.conf &&
	test "$(stat_of read)" = 0
'

test_expect_success 'where times cannot be trusted nothing is kept' '
	scan_conf u "Submit smtp://127.0.0.1:9" &&
	cp c.csv u.csv && mkperiod u.share/XYZ/2025/10 4540536920 202510 &&
	settle_times &&
	EDEFTER_SCAN_CACHE=off st u.conf &&
	EDEFTER_SCAN_CACHE=off st u.conf &&
	test "$(stat_of kept)" = 0 && test "$(stat_of zips-read)" = 4 &&
	test ! -e u.state/dirs &&
	row 4540536920 2025-10 | grep -q "^complete "
'

test_expect_success 'status as another user writes no cache' '
	scan_conf o "Submit smtp://127.0.0.1:9" &&
	cp c.csv o.csv && mkperiod o.share/XYZ/2025/10 4540536920 202510 &&
	chmod -R a+rX o.share o.csv o.conf && chmod 0777 o.state &&
	if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
		runuser -u nobody -- env EDEFTER_SCAN_STATS=1 "$BUILD/edefter-scan" -c o.conf status >/dev/null 2>err &&
		test ! -e o.state/dirs && test ! -e o.state/verdicts
	else
		echo "# not root: skipped"
	fi
'

test_done
