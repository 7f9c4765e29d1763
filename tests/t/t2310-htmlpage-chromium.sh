#!/usr/bin/env bash
# t2310 - the status page (scanner/htmlpage.c) in a real browser: the
# sample page of test_htmlpage rendered by headless Chromium at desktop
# and phone width, every state's colour on screen, the DOM as Chromium
# parsed it (cells, titles, legend, order, the hostile name as text, no
# script), and the printed page.
. "$(dirname "$0")/../lib/test-lib.sh"
. "$TOP/tests/lib/chromium.sh"

SAMPLE=$BUILD/tests/test_htmlpage

# png_check.py PNG WxH [--states PAGE] [--has HEX,...] [--lacks HEX,...]:
# the size of a screenshot; every state colour of PAGE's style sheet (and
# the overdue frame) on it; colours that must be there, or must not
cat >png_check.py <<\PY
import argparse, re, struct, zlib

ap = argparse.ArgumentParser()
ap.add_argument("png")
ap.add_argument("size")
ap.add_argument("--states")
ap.add_argument("--has", default="")
ap.add_argument("--lacks", default="")
args = ap.parse_args()
width, height = map(int, args.size.split("x"))
data = open(args.png, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, hdr = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        hdr = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
w, h, depth, ctype, _, _, interlace = hdr
assert (w, h) == (width, height), "size %dx%d, wanted %dx%d" % (w, h, width, height)
assert depth == 8 and ctype in (2, 6) and interlace == 0, hdr
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, counts, i = bytearray(stride), {}, 0
for y in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1:
            line[x] = (line[x] + a) & 255
        elif f == 2:
            line[x] = (line[x] + b) & 255
        elif f == 3:
            line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        px = bytes(line[x:x + 3])
        counts[px] = counts.get(px, 0) + 1
    prev = line
assert len(counts) > 50, "a flat image: %d colours" % len(counts)
px = lambda hexc: counts.get(bytes.fromhex(hexc), 0)
want = {}
if args.states:
    css = open(args.states, encoding="utf-8").read()
    want = dict(re.findall(r"\.st-([a-z-]+)\{background:#([0-9a-f]{6})", css))
    want["overdue frame"] = "b71c1c"
    assert len(want) == 15, sorted(want)
for hexc in filter(None, args.has.split(",")):
    want[hexc] = hexc
for name, hexc in sorted(want.items()):
    print("%-14s #%s %6d pixels" % (name, hexc, px(hexc)))
    assert px(hexc) >= 100, "%s (#%s) hardly on screen: %d pixels" % (name, hexc, px(hexc))
for hexc in filter(None, args.lacks.split(",")):
    print("%-14s #%s %6d pixels (none wanted)" % (hexc, hexc, px(hexc)))
    assert px(hexc) == 0, "#%s on screen: %d pixels" % (hexc, px(hexc))
PY

# dom_check.py DOM - the parsed page: cells, titles, legend, order, escaping
cat >dom_check.py <<\PY
import html.parser, sys

class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.cells, self.legend, self.rows = [], {}, [], []
        self.months, self.tags, self.bad, self.title = [], {}, [], ""
        self.cur = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for k, v in attrs:
            if k.startswith("on") or k in ("src", "srcset", "action") or \
               (v and "http" in v.lower() and k != "title"):
                self.bad.append((tag, k, v))
            if k == "href" and not (v or "").startswith("#"):
                self.bad.append((tag, k, v))
        if tag == "td" and "data-period" in a:
            self.cur = a
            a["text"] = ""
            self.cells[(a["data-id"], a["data-period"])] = a
        elif tag == "th" and "co" in a.get("class", "").split() and "data-id" in a:
            self.cur = a
            a["text"] = ""
            self.rows.append(a)
        elif tag == "th" and "mo" in a.get("class", "").split():
            self.cur = a
            a["text"] = ""
            self.months.append(a)
        elif tag == "li" and "data-state" in a:
            self.legend.append(a["data-state"])
        if tag not in ("meta", "br", "hr", "img", "input", "link"):
            self.stack.append((tag, a))
    def handle_endtag(self, tag):
        while self.stack:
            t, a = self.stack.pop()
            if a is self.cur:
                self.cur = None
            if t == tag:
                break
    def handle_data(self, d):
        if self.cur is not None:
            self.cur["text"] += d
        if self.stack and self.stack[-1][0] == "title":
            self.title += d

p = Page()
p.feed(open(sys.argv[1], encoding="utf-8").read())
p.close()

def cell(i, per, state, overdue, *in_title, text=None):
    c = p.cells.get((i, per))
    assert c, ("no cell", i, per)
    assert c["data-state"] == state, (i, per, c)
    assert c["data-overdue"] == overdue, (i, per, c)
    for t in in_title:
        assert t in c["title"], (t, c["title"])
    if text is not None:
        assert text in c["text"], (text, c["text"])
    return c

assert p.title == "e-Defter gönderim durumu", p.title
assert "script" not in p.tags and "iframe" not in p.tags, p.tags
assert "img" not in p.tags and "b" not in p.tags, p.tags
assert not p.bad, p.bad
assert len(p.cells) == 21, len(p.cells)

c = cell("1234567890", "2025-08", "incomplete", "1",
         "Ağustos 2025: eksik", "Son gün: 15.12.2025", "Gecikti",
         "Neden: incomplete missing=GIB-YB-000000 GIB-KB-000000",
         "Klasör: ABC/2025/08", text="⚠ gecikti")
assert c["data-deadline"] == "2025-12-15" and "od" in c["class"].split(), c
assert "\n" in c["title"], "title lines"
cell("1234567890", "2025-07", "incomplete", "1", text="⚠ gecikti")
c = cell("1234567890", "2024-11", "sent", "0", "Kasım 2024: gönderildi (sent)",
         text="gönderildi")
assert "gecikti" not in c["text"] and "Neden" not in c["title"], c
cell("1234567890", "2024-12", "bounced", "0",
     "Neden: rcpt=muhasebe@abc.example status=5.1.1 (user unknown)", text="geri döndü")
cell("1234567890", "2025-05", "pending", "0", "Neden: settling", text="beklemede")
cell("1234567890", "2025-09", "missing", "0", "Neden: no files", text="dosya yok")
c = cell("1234567808", "2024-11", "before-start", "0", "send-from=2025-01")
assert "data-deadline" not in c, c
cell("10000000146", "2025-06", "inactive", "0", "Klasör: Çağrı/2025/06", text="pasif")
cell("9876543210", "2025-09", "invalid", "0", text="geçersiz")
cell("17291716060", "2025-09", "failed", "0",
     "Neden: <iframe onload=alert(1)> & \"quoted\" 'single'",
     "Klasör: <b>bold</b>", text="hata")
for s in ("sent", "bounced", "changed", "partial", "failed", "too-large",
          "pending", "complete", "incomplete", "missing"):
    assert any(v["data-state"] == s for v in p.cells.values()), s

want = ["missing", "incomplete", "pending", "complete", "sent", "partial",
        "no-recipient", "too-large", "failed", "invalid", "before-start",
        "inactive", "changed", "bounced"]
legend = [s for s in p.legend if s in want]
assert legend[:14] == want, legend

order = [r["data-id"] for r in p.rows]
assert order == ["17291716060", "1234567890", "10000000146", "1234567816",
                 "4540536920", "1234567808", "9876543210"], order
assert p.rows[0]["text"].startswith("<script>alert(\"x&y\")</script> 'Ltd'"), p.rows[0]
assert p.rows[1]["text"].startswith("ABC Gıda Ticaret A.Ş."), p.rows[1]
assert p.rows[3]["text"].startswith("Işık Yayıncılık"), p.rows[3]
assert p.rows[4]["text"].startswith("İzmir Çiçekçilik"), p.rows[4]

months = [(m["data-period"], m["text"]) for m in p.months]
assert months[0] == ("2024-11", "Kas2024") and months[3] == ("2025-02", "Şub2025"), months
assert months[9] == ("2025-08", "Ağu2025") and len(months) == 11, months
assert [m["data-period"] for m in p.months if "y1" in m["class"].split()] == ["2025-01"]
print("dom ok: %d cells, %d rows, %d months" % (len(p.cells), len(p.rows), len(months)))
PY

test_expect_success 'the sample page' '
	"$SAMPLE" --write page.html &&
	test -s page.html &&
	grep -q "^</html>$" page.html &&
	! grep -qi "<script" page.html
'

if ! chromium_available; then
	for t in 'screenshot, desktop' 'screenshot, phone' 'phone scrolling' \
	    'DOM' 'print'; do
		test_skip "$t" "${CHROMIUM_WHY:-chromium not available}"
	done
	test_done
fi

test_expect_success 'screenshot, desktop: every state colour on screen' '
	chromium_shot page.html desktop.png 1280x900 &&
	test "$(wc -c <desktop.png)" -gt 20000 &&
	/usr/bin/python3 png_check.py desktop.png 1280x900 --states page.html
'

test_expect_success 'screenshot, phone width' '
	chromium_shot page.html phone.png 390x844 &&
	test "$(wc -c <phone.png)" -gt 10000 &&
	/usr/bin/python3 png_check.py phone.png 390x844 --has fafafa,a5d6a7
'

# the grid alone, at phone width, as loaded and scrolled to its last month
# (a scroll snap does what a finger would): the company column (#fafafa)
# stays; the bounced cell (#c62828, second month) and the invalid one
# (#bcaaa4, last month) are on screen one at a time
test_expect_success 'phone: the grid scrolls, the company column stays' '
	only_grid="h1,.gen,.sum,.legend,details{display:none}" &&
	snap=".grid{scroll-snap-type:x mandatory}.st th.mo:last-child{scroll-snap-align:end}" &&
	sed "s|</head>|<style>$only_grid</style></head>|" page.html >grid.html &&
	sed "s|</head>|<style>$only_grid$snap</style></head>|" page.html >scrolled.html &&
	chromium_shot grid.html grid.png 390x844 &&
	chromium_shot scrolled.html scrolled.png 390x844 &&
	/usr/bin/python3 png_check.py grid.png 390x844 --has fafafa,c62828 \
	    --lacks bcaaa4 &&
	/usr/bin/python3 png_check.py scrolled.png 390x844 --has fafafa,bcaaa4 \
	    --lacks c62828
'

test_expect_success 'DOM: cells, titles, legend, order, hostile text' '
	chromium_dom page.html dom.html &&
	/usr/bin/python3 dom_check.py dom.html &&
	! grep -qi "<script" dom.html
'

test_expect_success 'print: a PDF' '
	chromium_pdf page.html page.pdf &&
	test "$(wc -c <page.pdf)" -gt 5000
'

if [ -n "${HTMLPAGE_SHOTS:-}" ]; then
	mkdir -p "$HTMLPAGE_SHOTS" &&
	cp page.html desktop.png phone.png grid.png scrolled.png page.pdf \
	    "$HTMLPAGE_SHOTS"/ 2>/dev/null
fi

test_done
