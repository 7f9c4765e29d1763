#!/usr/bin/env bash
# scan_bench.sh - the scanner's walk against find on the same tree.
#
#  1. A synthetic share of SCAN_COMPANIES companies × SCAN_MONTHS months ×
#     5 files (bench/gen_share.py: real GİB names, tiny whole zips) on
#     local disk, page cache warm:
#       first   `edefter-scan status` with an empty ledger and an empty
#               StateDir (every period complete: each file stat'ed, each
#               zip checked, every directory read); reported
#       find    `find ROOT -type f -printf '%s %T@ %p\n'` (the baseline)
#       full    the same status again: what StateDir keeps (verdicts,
#               directory listings) is used
#       rescan  `edefter-scan status` when every period is in the ledger
#               (the same StateDir)
#     find, full and rescan run SCAN_ROUNDS times in a rotating order;
#     the table shows the medians of the per-round ratios full ÷ find
#     (≤ 1.1) and rescan ÷ find (≤ 0.3).
#  2. The same with the page cache dropped before each command, on a
#     smaller tree (COLD_COMPANIES companies), when /proc/sys/vm/drop_caches
#     is writable.
#  3. A still smaller tree (SMB_COMPANIES companies × SMB_MONTHS months)
#     served by a private smbd and mounted with rclone (FUSE): the same
#     three commands through the mount.
#
# Environment: SCAN_COMPANIES (1000, i.e. 300 000 files; 2000 gives the
# 600 000-file tree, whose building and removal alone can take minutes
# on a busy disk), SCAN_MONTHS (60), COLD_COMPANIES (200), SMB_COMPANIES
# (50), SMB_MONTHS (12), SCAN_COLD (1), SCAN_SMB (1), SCAN_ROUNDS (3).
. "$(dirname "$0")/lib.sh"

SCAN_COMPANIES=${SCAN_COMPANIES:-1000}
SCAN_MONTHS=${SCAN_MONTHS:-60}
COLD_COMPANIES=${COLD_COMPANIES:-200}
SMB_COMPANIES=${SMB_COMPANIES:-50}
SMB_MONTHS=${SMB_MONTHS:-12}
SCAN_COLD=${SCAN_COLD:-1}
SCAN_SMB=${SCAN_SMB:-1}
SCAN_ROUNDS=${SCAN_ROUNDS:-3}

bench_init scan

# mktree NAME COMPANIES MONTHS - $W/NAME: share, csv, ledgers (empty, full)
mktree() {
	local n=$1 out
	out=$("$PY" "$BENCH_DIR/gen_share.py" "$W/$n.share" "$2" "$3" \
	    --csv "$W/$n.csv" --ledger-json "$W/$n.sent.json") || return 1
	echo "$out" >"$W/$n.count"
	# "empty": a ledger with one record of a company not on the share
	printf '[{"companyId":"1234567890","year":2020,"month":1,"sentDate":"2020-01-15T10:00:00.000Z","recipientEmail":"x@y.example"}]\n' \
	    >"$W/one.json"
	"$BUILD/edefterctl" -l "$W/$n.empty" import "$W/one.json" >/dev/null &&
	    "$BUILD/edefterctl" -l "$W/$n.full" import "$W/$n.sent.json" \
	    >/dev/null || return 1
	mkdir -p "$W/$n.state"
}

# conf NAME ROOT LEDGER TYPE - $W/NAME.conf
conf() {
	cat >"$W/$1.conf" <<-EOF
	LedgerPath $3
	ShareRoot $2
	ShareType $4
	Companies $W/${1%%-*}.csv
	From Mali Müşavirlik <edefter@ofis.example>
	Submit smtp://127.0.0.1:9
	SettleSeconds 0
	StateDir $W/${1%%-*}.state
	EOF
}

drop_caches() {
	[ "$COLD" = 1 ] || return 0
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

# timed OUT CMD... - run with stdout to OUT, print seconds
timed() {
	local t0 out=$1
	shift
	drop_caches
	t0=$(now)
	"$@" >"$out" 2>>"$W/cmd.err" || echo "failed: $*" >>"$W/cmd.err"
	fsub "$(now)" "$t0" 3
}

t_find() {
	timed /dev/null find "$1" -type f -printf '%s %T@ %p\n'
}

# states FILE - how many periods in each state (a status table)
states() {
	awk 'NR > 1 { n[$1]++ } END { for (s in n) printf "%s=%d ", s, n[s] }' "$1"
}

# measure LABEL NAME ROOT TYPE - the rows for one tree
measure() {
	local label=$1 n=$2 root=$3 type=$4 f first full rescan r i k m
	local rf=() rr=() tf=() tu=() tr=()
	conf "$n-e" "$root" "$W/$n.empty" "$type"
	conf "$n-f" "$root" "$W/$n.full" "$type"
	rm -rf "$W/$n.state" && mkdir -p "$W/$n.state"
	f=$(t_find "$root")
	first=$(timed "$W/$n-e.out" "$BUILD/edefter-scan" -c "$W/$n-e.conf" status)
	for r in $(seq 1 "$SCAN_ROUNDS"); do
		for i in 0 1 2; do
			k=$(((i + r) % 3))
			case $k in
			0) f=$(t_find "$root") ;;
			1) full=$(timed "$W/$n-e.out" "$BUILD/edefter-scan" -c "$W/$n-e.conf" status) ;;
			2) rescan=$(timed "$W/$n-f.out" "$BUILD/edefter-scan" -c "$W/$n-f.conf" status) ;;
			esac
		done
		tf+=("$f") tu+=("$full") tr+=("$rescan")
		rf+=("$(fdiv "$full" "$f" 3)") rr+=("$(fdiv "$rescan" "$f" 3)")
	done
	m=$(median "${tf[@]}")
	bench_note "scan: $label: periods by state, full: $(states "$W/$n-e.out"); rescan: $(states "$W/$n-f.out"); per round (find full rescan, s): $(for i in $(seq 0 $((SCAN_ROUNDS - 1))); do printf '%s/%s/%s ' "${tf[$i]}" "${tu[$i]}" "${tr[$i]}"; done)"
	r=$(fdiv "$first" "$m" 2)
	bench_row "Scanner: first status (empty StateDir) ÷ find, $label" \
	    "$m s (find -printf)" "$first s" "$r" "(reported)" "-"
	r=$(median "${rf[@]}")
	bench_row "Scanner: second full status ÷ find, $label" \
	    "$m s (find -printf)" "$(median "${tu[@]}") s" "$(fmt "$r" 2)" "≤ 1.1" \
	    "$(le "$r" 1.1)"
	r=$(median "${rr[@]}")
	bench_row "Scanner: rescan (all sent) ÷ find, $label" \
	    "$m s (find -printf)" "$(median "${tr[@]}") s" "$(fmt "$r" 2)" "≤ 0.3" \
	    "$(le "$r" 0.3)"
}

COLD=0
say "scan: building $SCAN_COMPANIES × $SCAN_MONTHS × 5 files"
t0=$(now)
mktree big "$SCAN_COMPANIES" "$SCAN_MONTHS" || exit 1
say "scan: $(cat "$W/big.count") in $(fsub "$(now)" "$t0" 1) s"
t_find "$W/big.share" >/dev/null	# warm
say "scan: warm, local disk"
measure "$(sed 's/files=\([0-9]*\).*/\1/' "$W/big.count") files, local disk, warm" \
    big "$W/big.share" any
say "scan: removing the big tree"
rm -rf "$W/big.share"

if [ "$SCAN_COLD" = 1 ] && [ -w /proc/sys/vm/drop_caches ]; then
	mktree cold "$COLD_COMPANIES" "$SCAN_MONTHS" || exit 1
	say "scan: cold cache, $(cat "$W/cold.count")"
	COLD=1
	measure "$(sed 's/files=\([0-9]*\).*/\1/' "$W/cold.count") files, local disk, page cache dropped" \
	    cold "$W/cold.share" any
	COLD=0
	rm -rf "$W/cold.share"
else
	bench_note "scan: cold-cache runs skipped (SCAN_COLD=0 or drop_caches not writable)"
fi

if [ "$SCAN_SMB" = 1 ] && [ "$(id -u)" -eq 0 ] &&
    command -v smbd >/dev/null && command -v rclone >/dev/null &&
    [ -c /dev/fuse ]; then
	mktree smb "$SMB_COMPANIES" "$SMB_MONTHS" || exit 1
	SMB_PORT=$(free_ports 1)
	smb_start "$W/smbd" "$SMB_PORT" "$W/smb.share" || exit 1
	bench_at_exit "smb_stop '$W/smbd'"
	mkdir -p "$W/mnt"
	smb_mount "$W/smbd" "$SMB_PORT" "$W/mnt" || exit 1
	bench_at_exit "smb_umount '$W/mnt'"
	say "scan: Samba through rclone, $(cat "$W/smb.count")"
	t_find "$W/mnt" >/dev/null	# warm smbd's side
	measure "$(sed 's/files=\([0-9]*\).*/\1/' "$W/smb.count") files, Samba via rclone FUSE" \
	    smb "$W/mnt" fuse.rclone
	smb_umount "$W/mnt"
	smb_stop "$W/smbd"
else
	bench_note "scan: Samba runs skipped (needs root, smbd, rclone, /dev/fuse)"
fi
if [ -s "$W/cmd.err" ]; then
	grep -v '^edefter-scan: \(pass done\|warning\)' "$W/cmd.err" | sort | uniq -c |
	    sort -rn | head -n 3 | while read -r l; do bench_note "scan: stderr: $l"; done
fi
