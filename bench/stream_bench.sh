#!/usr/bin/env bash
# stream_bench.sh - memory and speed of writing a message as a stream.
#
#  1. `edefter-scan run` on a share with one complete period whose folder
#     also holds a STREAM_MB MB file (random bytes, attached with the
#     rest of the folder), submitted over SMTP straight to smtp-sink
#     (which discards): peak RSS from /usr/bin/time -v, compared with
#     the same run on the period without the big file, and the
#     end-to-end rate.
#  2. mimew_bench: the message writer alone (mimew_read() in 64 KiB
#     pieces, the file in the page cache): attachment MB encoded per
#     CPU second, against `base64 -w 76 FILE >/dev/null` in the same run
#     (≥ 2×); the portable encoder (EDEFTER_BASE64=scalar) in the notes.
#
# Environment: STREAM_MB (500).
. "$(dirname "$0")/lib.sh"

STREAM_MB=${STREAM_MB:-500}

bench_init stream
build_tools || exit 1
SINK_PORT=$(free_ports 1)
sink_up "$SINK_PORT" || exit 1

ID=1000000000
mkshare() {
	local d=$1/$ID\ Örnek\ Tekstil/2024/01
	mkdir -p "$d" "$1.state" || return 1
	"$PY" - "$d" "$ID" <<-\PY
	import io, os, sys, zipfile
	d, i = sys.argv[1], sys.argv[2]
	for n in ("%s-202401-Y-000000.zip", "%s-202401-K-000000.zip",
	          "GIB-%s-202401-YB-000000.zip", "GIB-%s-202401-KB-000000.zip"):
	    with zipfile.ZipFile(os.path.join(d, n % i), "w") as z:
	        z.writestr("defter.xml", "<edefter/>\n")
	open(os.path.join(d, "%s-202401-DR-000000.xml" % i), "w").write("<dr/>\n")
	PY
	printf 'vkn;name;emails\n%s;Örnek Tekstil A.Ş.;muhasebe@firma.example\n' \
	    "$ID" >"$1.csv"
	cat >"$1.conf" <<-EOF
	LedgerPath $W/no-ledger
	ShareRoot $1
	ShareType any
	Companies $1.csv
	From Mali Müşavirlik <edefter@ofis.example>
	Submit smtp://127.0.0.1:$SINK_PORT
	SettleSeconds 0
	StateDir $1.state
	MaxMessageSize 2G
	EOF
}

mkshare "$W/small" || exit 1
mkshare "$W/big" || exit 1
say "stream: writing a $STREAM_MB MB file"
head -c "$((STREAM_MB * 1048576))" /dev/urandom \
    >"$W/big/$ID Örnek Tekstil/2024/01/ekler.bin" || exit 1

# scan_run NAME - edefter-scan run under /usr/bin/time -v; prints KB secs
scan_run() {
	/usr/bin/time -v "$BUILD/edefter-scan" -c "$W/$1.conf" run \
	    >"$W/$1.out" 2>"$W/$1.err"
	echo "rc=$?" >>"$W/$1.err"
	if ! grep -q "^sent .*files=" "$W/$1.out" "$W/$1.err"; then
		echo "stream: the $1 period was not sent:" >&2
		tail -n 5 "$W/$1.err" >&2
	fi
	awk -F': ' '/Maximum resident set size/ { kb = $2 }
	    /User time/ { cpu += $2 } /System time/ { cpu += $2 }
	    /Elapsed \(wall clock\)/ { n = split($2, t, ":");
		s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i] }
	    END { print kb, s, cpu }' "$W/$1.err"
}

say "stream: sending the small period, then the big one"
read -r rss_small t_small cpu_small <<<"$(scan_run small)"
read -r rss_big t_big cpu_big <<<"$(scan_run big)"
mb_big=$(awk -v k="$rss_big" 'BEGIN { printf "%.1f", k / 1024 }')
mb_small=$(awk -v k="$rss_small" 'BEGIN { printf "%.1f", k / 1024 }')
bench_row "Streaming: peak RSS, edefter-scan run, one period + ${STREAM_MB} MB file → smtp-sink" \
    "$mb_small MB (no big file)" "$mb_big MB" \
    "$(fdiv "$rss_big" "$rss_small" 2)" "≤ 32 MB" "$(le "$mb_big" 32)"
bench_note "stream: the ${STREAM_MB} MB period took $t_big s end to end ($(fdiv "$STREAM_MB" "$t_big" 0) MB/s of attachment, base64 + SMTP over loopback to smtp-sink), of which edefter-scan used $cpu_big s of CPU: the rest is the sink reading"

f="$W/big/$ID Örnek Tekstil/2024/01/ekler.bin"
say "stream: base64 writer alone"
out=$("$BENCH_BUILD/mimew_bench" "$f" 4 65536) || exit 1
w_in=$(echo "$out" | sed -n 's/.* in_mb_s=\([0-9]*\).*/\1/p')
w_out=$(echo "$out" | sed -n 's/.* out_mb_s=\([0-9]*\).*/\1/p')
w_wall=$(echo "$out" | sed -n 's/.* wall_in_mb_s=\([0-9]*\).*/\1/p')
w_impl=$(echo "$out" | sed -n 's/.* impl=\([a-z0-9]*\).*/\1/p')
# the portable encoder too, for the notes
out_s=$(EDEFTER_BASE64=scalar "$BENCH_BUILD/mimew_bench" "$f" 3 65536) || exit 1
w_scalar=$(echo "$out_s" | sed -n 's/.* in_mb_s=\([0-9]*\).*/\1/p')
# coreutils base64 on the same file, best of 3, CPU time as well
best=
for i in 1 2 3; do
	t=$( { /usr/bin/time -f '%U %S' base64 -w 76 "$f" >/dev/null; } 2>&1 |
	    awk '{ print $1 + $2 }')
	if [ -z "$best" ] || [ "$(le "$t" "$best")" = yes ]; then best=$t; fi
done
b_in=$(awk -v s="$best" -v m="$STREAM_MB" 'BEGIN { printf "%.0f", m * 1.048576 / s }')
w_ratio=$(fdiv "$w_in" "$b_in" 2)
bench_row "Streaming: base64 writer ($w_impl; mimew_read, 64 KiB reads, page cache warm), per CPU second" \
    "$b_in MB/s (coreutils base64)" "$w_in MB/s in, $w_out MB/s out" \
    "$w_ratio" "≥ 2" "$(ge "$w_ratio" 2)"
bench_note "stream: writer per wall-clock second: $w_wall MB/s in (CPU time counts the process's own user + system time; wall time also counts other load on the machine); the portable (scalar) encoder: $w_scalar MB/s in per CPU second, $(fdiv "$w_scalar" "$b_in" 2)× coreutils"
