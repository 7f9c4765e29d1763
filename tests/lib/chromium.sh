# chromium.sh - headless Chromium for tests: screenshots and DOM dumps of
# local pages.
#
#   . "$TOP/tests/lib/chromium.sh"
#   chromium_available            true when Chromium runs headless here;
#                                 else $CHROMIUM_WHY says why
#   chromium_shot HTML PNG [WxH]  a screenshot of the page (1280x900)
#   chromium_dom HTML OUT         the DOM after parsing, serialised, in OUT
#   chromium_pdf HTML PDF         the page printed (its @media print rules)
#
# HTML is a local file, loaded as a file: URL; HTML#FRAGMENT scrolls to
# the element with that id (the grid's month headers have ids).  Every call starts its own
# browser with a new, empty profile under $CHROMIUM_DIR ($T/chromium),
# removed again when the call worked, and the flags this machine needs:
# --no-sandbox (tests run as root), no GPU, no QUIC, and no background
# networking, component updates or sync (the network is closed, and each
# refused connection is noise in the log).  A call is bounded by
# $CHROMIUM_TIMEOUT seconds (60).  --screenshot, --dump-dom and
# --print-to-pdf make Chromium exit when the file is written, so a call
# waits for the browser and then checks its output; nothing polls or
# sleeps.  Chromium's stderr is appended to $CHROMIUM_LOG
# ($CHROMIUM_DIR/chromium.log), with a header line per call.

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
CHROMIUM_DIR=${CHROMIUM_DIR:-$T/chromium}
CHROMIUM_LOG=${CHROMIUM_LOG:-$CHROMIUM_DIR/chromium.log}
CHROMIUM_TIMEOUT=${CHROMIUM_TIMEOUT:-60}
CHROMIUM_WHY=
_chromium_state=

# _chromium_url - the file: URL of a local path (made absolute), and of
# its #fragment if it has one
_chromium_url() {
	local file=${1%%#*} frag='' dir path
	case $1 in *'#'*) frag="#${1#*#}" ;; esac
	[ -f "$file" ] || { echo "chromium: $file: no such file" >&2; return 1; }
	dir=$(cd "$(dirname "$file")" && pwd) || return 1
	path=$dir/$(basename "$file")
	case $path in
	*[!A-Za-z0-9._/+-]*)
		path=$(/usr/bin/python3 -c 'import pathlib, sys
print(pathlib.Path(sys.argv[1]).as_uri()[7:])' "$path") || return 1 ;;
	esac
	echo "file://$path$frag"
}

# _chromium_run - one headless browser with a new profile; ARGS... URL
_chromium_run() {
	local profile rc=0
	mkdir -p "$CHROMIUM_DIR" || return 1
	profile=$(mktemp -d "$CHROMIUM_DIR/profile.XXXXXX") || return 1
	printf '# %s chromium %s\n' "$(date -u +%FT%TZ)" "$*" >>"$CHROMIUM_LOG"
	timeout -k 5 "$CHROMIUM_TIMEOUT" "$CHROMIUM" --headless --no-sandbox \
	    --disable-gpu --disable-quic --no-first-run \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --user-data-dir="$profile" "$@" \
	    2>>"$CHROMIUM_LOG" || rc=$?
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		echo "chromium: timed out after ${CHROMIUM_TIMEOUT}s: $*" >&2
	elif [ $rc -ne 0 ]; then
		echo "chromium: exit status $rc: $* (see $CHROMIUM_LOG)" >&2
	else
		rm -rf "$profile"
	fi
	return $rc
}

# _chromium_png - true when FILE is a PNG of more than a header
_chromium_png() {
	[ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = \
	    89504e470d0a1a0a ] && [ "$(wc -c <"$1")" -gt 100 ]
}

# chromium_shot - a screenshot of HTML into PNG, WIDTHxHEIGHT pixels
chromium_shot() {
	local url size=${3:-1280x900} png
	case $size in
	[0-9]*x[0-9]*) ;;
	*) echo "chromium_shot: bad size $size (WIDTHxHEIGHT)" >&2; return 1 ;;
	esac
	url=$(_chromium_url "$1") || return 1
	png=$(cd "$(dirname "$2")" && pwd)/$(basename "$2") || return 1
	rm -f "$png"
	_chromium_run --hide-scrollbars --force-color-profile=srgb \
	    --window-size="${size%x*},${size#*x}" \
	    --screenshot="$png" "$url" >>"$CHROMIUM_LOG" || return 1
	if ! _chromium_png "$png"; then
		echo "chromium_shot: no PNG written to $png" >&2
		return 1
	fi
}

# chromium_dom - the DOM of HTML, as Chromium serialises it, into OUT
chromium_dom() {
	local url
	url=$(_chromium_url "$1") || return 1
	_chromium_run --dump-dom "$url" >"$2" || return 1
	if ! grep -qi '</html>' "$2"; then
		echo "chromium_dom: no document in $2" >&2
		return 1
	fi
}

# chromium_pdf - HTML printed to PDF, without Chromium's header and footer
chromium_pdf() {
	local url pdf
	url=$(_chromium_url "$1") || return 1
	pdf=$(cd "$(dirname "$2")" && pwd)/$(basename "$2") || return 1
	rm -f "$pdf"
	_chromium_run --no-pdf-header-footer --print-to-pdf="$pdf" "$url" \
	    >>"$CHROMIUM_LOG" || return 1
	if [ "$(head -c 5 "$pdf" 2>/dev/null)" != "%PDF-" ]; then
		echo "chromium_pdf: no PDF written to $pdf" >&2
		return 1
	fi
}

# chromium_available - true when Chromium renders a local page here
chromium_available() {
	local probe
	case $_chromium_state in
	yes) return 0 ;;
	no) return 1 ;;
	esac
	_chromium_state=no
	if [ ! -x "$CHROMIUM" ]; then
		CHROMIUM_WHY="$CHROMIUM is not installed (Debian package chromium)"
		return 1
	fi
	if ! command -v timeout >/dev/null; then
		CHROMIUM_WHY="no timeout(1)"
		return 1
	fi
	mkdir -p "$CHROMIUM_DIR" || return 1
	probe=$CHROMIUM_DIR/probe.html
	printf '<!DOCTYPE html><meta charset="utf-8"><p id="probe">%s</p>\n' \
	    'çalışıyor' >"$probe"
	if ! chromium_dom "$probe" "$probe.dom" 2>>"$CHROMIUM_LOG" ||
	    ! grep -q '<p id="probe">çalışıyor</p>' "$probe.dom"; then
		CHROMIUM_WHY="$CHROMIUM does not run headless here (see $CHROMIUM_LOG)"
		return 1
	fi
	_chromium_state=yes
}
