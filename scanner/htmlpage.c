/*
 * htmlpage - the status page as one self-contained HTML file; see
 * htmlpage.h.
 *
 * The page is streamed to the FILE; stdio errors are sticky, so they are
 * looked at once, after the final flush.  Nothing on the page runs or
 * loads anything: the style sheet is inline, the reason of a cell is in
 * its title attribute and, for phones and paper where nothing hovers, in
 * the details table that the cell links to.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "htmlpage.h"
#include "json.h"

#define DEFAULT_TITLE	"e-Defter gönderim durumu"
#define REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD */
#define YEAR_MAX	9999
#define YEAR_STARTS(cols, c) \
	((c) > 0 && (cols)[c] / 12 != (cols)[(c) - 1] / 12)

struct state_def {
	const char	*name;		/* as status prints it */
	const char	*label;		/* Turkish, for the legend */
	const char	*brief;		/* Turkish, in a grid cell */
	const char	*bg, *fg;
};

static const struct state_def states[] = {
	{ "missing", "dosya yok", "dosya yok", "#eceff1", "#37474f" },
	{ "incomplete", "eksik, GİB onayı bekleniyor", "eksik", "#ffcc80",
	    "#3e2700" },
	{ "pending", "beklemede, dosyalar yerleşiyor", "beklemede", "#fff59d",
	    "#3d3a00" },
	{ "complete", "hazır, gönderilecek", "hazır", "#90caf9", "#0d2a4a" },
	{ "sent", "gönderildi", "gönderildi", "#a5d6a7", "#123d15" },
	{ "partial", "kısmen gönderildi", "kısmen", "#e6ee9c", "#343a00" },
	{ "no-recipient", "alıcı yok", "alıcı yok", "#ce93d8", "#3b0f45" },
	{ "too-large", "posta için çok büyük", "çok büyük", "#f8bbd0",
	    "#4a1029" },
	{ "failed", "gönderilemedi", "hata", "#ef9a9a", "#4a0d0d" },
	{ "invalid", "geçersiz kimlik ya da ad", "geçersiz", "#bcaaa4",
	    "#2e1f1a" },
	{ "before-start", "başlangıç öncesi", "başlangıç öncesi", "#ffffff",
	    "#607d8b" },
	{ "inactive", "pasif şirket", "pasif", "#b0bec5", "#1c2a31" },
	{ "changed", "gönderimden sonra değişti", "değişti", "#80cbc4",
	    "#0b3430" },
	{ "bounced", "geri döndü", "geri döndü", "#c62828", "#ffffff" },
};
#define NSTATES		(sizeof(states) / sizeof(states[0]))
#define OTHER		NSTATES		/* an unknown state */

static const char *const month_name[12] = {
	"Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz",
	"Ağustos", "Eylül", "Ekim", "Kasım", "Aralık",
};
static const char *const month_abbr[12] = {
	"Oca", "Şub", "Mar", "Nis", "May", "Haz", "Tem", "Ağu", "Eyl", "Eki",
	"Kas", "Ara",
};

/* the Turkish alphabet, with q, w and x where Turkish dictionaries put them */
static const unsigned tr_alpha[] = {
	'a', 'b', 'c', 0xe7, 'd', 'e', 'f', 'g', 0x11f, 'h', 0x131, 'i', 'j',
	'k', 'l', 'm', 'n', 'o', 0xf6, 'p', 'q', 'r', 's', 0x15f, 't', 'u',
	0xfc, 'v', 'w', 'x', 'y', 'z',
};
#define NALPHA		(sizeof(tr_alpha) / sizeof(tr_alpha[0]))

struct entry {
	const struct html_cell *c;
	size_t		 idx;		/* in the caller's array */
	long		 ord;		/* year * 12 + month - 1 */
	size_t		 st;		/* index into states[], or OTHER */
	size_t		 no;		/* its line in the details, or 0 */
};

struct row {
	const char	*id;
	const char	*name;		/* or NULL */
	struct entry	*e;		/* its cells, by month */
	size_t		 n;
};

static const char page_style[] =
    ":root{color-scheme:light}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;padding:.75rem;font:14px/1.35 system-ui,-apple-system,"
    "\"Segoe UI\",Roboto,\"Noto Sans\",\"DejaVu Sans\",sans-serif;"
    "color:#1b1b1b;background:#fff}\n"
    "h1{font-size:1.25rem;margin:0 0 .25rem}\n"
    "h2{font-size:1rem;margin:1rem 0 .4rem}\n"
    "p{margin:.25rem 0}\n"
    ".gen{color:#555;font-size:.85rem}\n"
    ".sum .k{display:inline-block;padding:0 .35em;margin:.1em 0;"
    "border:1px solid rgba(0,0,0,.12);"
    "border-radius:.25em}\n"
    ".legend{display:flex;flex-wrap:wrap;gap:.3rem .9rem;list-style:none;"
    "padding:0;margin:.5rem 0;font-size:.85rem}\n"
    ".legend li{display:flex;align-items:center;gap:.35em}\n"
    ".legend code{color:#666;font-size:.8em}\n"
    ".sw{display:inline-block;width:1.1em;height:1.1em;border:1px solid "
    "#9e9e9e;border-radius:.2em;flex:none}\n"
    ".sw.odm{background:#fff;box-shadow:inset 0 0 0 3px #b71c1c;border:0}\n"
    ".grid{overflow-x:auto;-webkit-overflow-scrolling:touch;"
    "border:1px solid #cfd8dc;max-width:100%}\n"
    "table{border-collapse:separate;border-spacing:0}\n"
    ".st{font-size:.8rem}\n"
    ".st th,.st td{border-right:1px solid #e0e0e0;border-bottom:1px solid "
    "#e0e0e0;padding:.25rem .3rem}\n"
    ".st thead th{background:#f5f5f5;font-weight:600;text-align:center;"
    "white-space:nowrap}\n"
    ".st th.mo .y{display:block;font-weight:normal;font-size:.8em;"
    "color:#616161}\n"
    ".st .y1{border-left:2px solid #90a4ae}\n"
    ".st th.co{position:sticky;left:0;z-index:2;background:#fafafa;"
    "text-align:left;min-width:9rem;max-width:15rem;font-weight:normal;"
    "border-right:2px solid #b0bec5}\n"
    ".st thead th.co{z-index:3;background:#f5f5f5;font-weight:600}\n"
    ".co .nm{display:block;font-weight:600;overflow-wrap:anywhere}\n"
    ".co .id{display:block;color:#555;font-size:.85em;"
    "font-variant-numeric:tabular-nums}\n"
    ".st td{min-width:4.6rem;max-width:7rem;text-align:center;"
    "vertical-align:middle;line-height:1.2;height:2.6rem}\n"
    ".st td a{color:inherit;text-decoration:none}\n"
    ".st td.od{box-shadow:inset 0 0 0 3px #b71c1c}\n"
    ".st td .odb{display:block;margin-top:.15rem;font-size:.72rem;"
    "font-weight:700;color:#b71c1c;background:#fff;border-radius:.2em;"
    "padding:0 .15em;white-space:nowrap}\n"
    ".st td .more{margin-top:.2rem;border-top:1px dashed currentColor;"
    "padding-top:.1rem}\n"
    ".st td.none{background:repeating-linear-gradient(135deg,#fff 0 4px,"
    "#f3f3f3 4px 8px)}\n"
    ".det{font-size:.8rem;border:1px solid #cfd8dc}\n"
    ".det th,.det td{border-bottom:1px solid #e0e0e0;padding:.2rem .4rem;"
    "text-align:left;vertical-align:top}\n"
    ".det thead th{background:#f5f5f5}\n"
    ".det td.r{overflow-wrap:anywhere;min-width:12rem}\n"
    ".det td.p{white-space:nowrap}\n"
    ".det .id{color:#555;white-space:nowrap}.det .nm+.id{margin-left:.4em}\n"
    ".det tr:target{outline:2px solid #1565c0}\n"
    ".odt{color:#b71c1c;font-weight:700;white-space:nowrap}\n"
    "summary{cursor:pointer;font-weight:600;margin:1rem 0 .4rem}\n"
    ".empty{padding:1rem;border:1px dashed #b0bec5;color:#455a64}\n"
    "@media (max-width:600px){body{padding:.4rem;font-size:13px}"
    ".st th.co{min-width:7rem;max-width:9.5rem}"
    ".st td{min-width:4rem}"
    ".legend{font-size:.8rem;gap:.2rem .7rem}.legend code{display:none}}\n"
    "@media print{*{-webkit-print-color-adjust:exact;"
    "print-color-adjust:exact}"
    "@page{size:A4 landscape;margin:8mm}"
    "html{font-size:8pt}body{padding:0;font-size:8pt}"
    ".grid{overflow:visible;border:0}"
    ".st{font-size:6.5pt}"
    ".st th.co,.st thead th.co{position:static}"
    ".st td{min-width:0;height:auto}"
    ".det{font-size:6.5pt}"
    "summary{list-style:none}"
    "details,tr{break-inside:avoid}}\n";

/* state_index - the states[] entry of a state name, or OTHER */
static size_t
state_index(const char *s)
{
	size_t	i;

	for (i = 0; i < NSTATES; i++)
		if (strcmp(states[i].name, s) == 0)
			return i;
	return OTHER;
}

/* html_state_label - the Turkish name of a state, or NULL */
const char *
html_state_label(const char *s)
{
	size_t	i = s ? state_index(s) : OTHER;

	return i == OTHER ? NULL : states[i].label;
}

/* u8dec - the code point of the UTF-8 sequence at p, its length or 0 */
static size_t
u8dec(const unsigned char *p, size_t n, unsigned *cp)
{
	size_t	want, i;

	want = p[0] < 0x80 ? 1 : p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if (want > n || utf8_valid_prefix((const char *)p, want) != want)
		return 0;
	if (want == 1) {
		*cp = p[0];
		return 1;
	}
	*cp = p[0] & (0x7f >> want);
	for (i = 1; i < want; i++)
		*cp = (*cp << 6) | (p[i] & 0x3f);
	return want;
}

/* esc - text as HTML, safe in element content and quoted attributes */
static void
esc(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	n, l, run;
	unsigned cp;

	if (s == NULL)
		return;
	n = strlen(s);
	while (n > 0) {
		for (run = 0; run < n && p[run] >= 0x20 && p[run] < 0x7f &&
		    strchr("&<>\"'", p[run]) == NULL; run++)
			;
		if (run > 0) {
			fwrite(p, 1, run, fp);
			p += run, n -= run;
			continue;
		}
		if ((l = u8dec(p, n, &cp)) == 0) {
			fputs(REPLACEMENT, fp);
			p++, n--;
			continue;
		}
		switch (cp) {
		case '&':	fputs("&amp;", fp); break;
		case '<':	fputs("&lt;", fp); break;
		case '>':	fputs("&gt;", fp); break;
		case '"':	fputs("&quot;", fp); break;
		case '\'':	fputs("&#39;", fp); break;
		case '\t':	putc(' ', fp); break;
		case '\n':	fputs("&#10;", fp); break;
		default:
			if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
				fputs(REPLACEMENT, fp);
			else
				fwrite(p, 1, l, fp);
		}
		p += l, n -= l;
	}
}

/* tr_weight - the next collation weight of s, advancing it; 0 at the end */
static unsigned long
tr_weight(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	unsigned cp;
	size_t	l, i;

	if (*p == '\0')
		return 0;
	if ((l = u8dec(p, strnlen(*s, 4), &cp)) == 0) {
		*s += 1;
		return 0x200000UL + *p;
	}
	*s += l;
	if (cp == 'I')
		cp = 0x131;			/* dotless ı */
	else if (cp == 0x130)
		cp = 'i';			/* İ */
	else if (cp >= 'A' && cp <= 'Z')
		cp += 'a' - 'A';
	else if (cp == 0xc7 || cp == 0xd6 || cp == 0xdc)
		cp += 0x20;			/* Ç Ö Ü */
	else if (cp == 0x11e || cp == 0x15e)
		cp += 1;			/* Ğ Ş */
	else if (cp == 0xe2 || cp == 0xc2)
		cp = 'a';			/* â */
	else if (cp == 0xee || cp == 0xce)
		cp = 'i';			/* î */
	else if (cp == 0xfb || cp == 0xdb)
		cp = 'u';			/* û */
	if (cp == ' ' || cp == '\t')
		return 1;
	if (cp >= '0' && cp <= '9')
		return 200 + (cp - '0');
	for (i = 0; i < NALPHA; i++)
		if (tr_alpha[i] == cp)
			return 300 + i;
	if (cp < 0x80)
		return 2 + cp;			/* punctuation: before digits */
	return 1000UL + cp;
}

/* tr_cmp - two names in Turkish alphabetical order, case ignored */
static int
tr_cmp(const char *a, const char *b)
{
	unsigned long wa, wb;

	do {
		wa = tr_weight(&a);
		wb = tr_weight(&b);
		if (wa != wb)
			return wa < wb ? -1 : 1;
	} while (wa != 0);
	return 0;
}

/* entry_cmp - by id, then month, then the caller's order */
static int
entry_cmp(const void *va, const void *vb)
{
	const struct entry *a = va, *b = vb;
	int	r;

	if ((r = strcmp(a->c->id, b->c->id)) != 0)
		return r;
	if (a->ord != b->ord)
		return a->ord < b->ord ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* row_cmp - named companies by name, then the unnamed, each then by id */
static int
row_cmp(const void *va, const void *vb)
{
	const struct row *a = va, *b = vb;
	int	r;

	if ((a->name == NULL) != (b->name == NULL))
		return a->name == NULL ? 1 : -1;
	if (a->name && ((r = tr_cmp(a->name, b->name)) != 0 ||
	    (r = strcmp(a->name, b->name)) != 0))
		return r;
	return strcmp(a->id, b->id);
}

/* long_cmp - for qsort */
static int
long_cmp(const void *va, const void *vb)
{
	long	a = *(const long *)va, b = *(const long *)vb;

	return a < b ? -1 : a > b;
}

/* put_period - YYYY-MM of a month ordinal */
static void
put_period(FILE *fp, long ord)
{
	fprintf(fp, "%04ld-%02ld", ord / 12, ord % 12 + 1);
}

/* put_date - YYYY-MM-DD as DD.MM.YYYY, anything else as it is */
static void
put_date(FILE *fp, const char *d)
{
	if (strlen(d) == 10 && strspn(d, "0123456789") == 4 && d[4] == '-' &&
	    strspn(d + 5, "0123456789") == 2 && d[7] == '-' &&
	    strspn(d + 8, "0123456789") == 2)
		fprintf(fp, "%.2s.%.2s.%.4s", d + 8, d + 5, d);
	else
		esc(fp, d);
}

/* reason_of - a cell's reason without the `reason=' of the log lines */
static const char *
reason_of(const struct html_cell *c)
{
	const char *r = c->reason;

	if (r && strncmp(r, "reason=", 7) == 0)
		r += 7;
	return r && *r ? r : NULL;
}

/* put_state_word - the Turkish label and the state itself */
static void
put_state_word(FILE *fp, const struct entry *e, int brief)
{
	if (e->st == OTHER)
		esc(fp, e->c->state);
	else
		fputs(brief ? states[e->st].brief : states[e->st].label, fp);
}

/* put_title - the hover text of one cell, escaped for an attribute */
static void
put_title(FILE *fp, const struct entry *e)
{
	const struct html_cell *c = e->c;
	const char *r = reason_of(c);

	fprintf(fp, "%s %d: ", month_name[c->month - 1], c->year);
	put_state_word(fp, e, 0);
	fputs(" (", fp);
	esc(fp, c->state);
	putc(')', fp);
	if (c->deadline) {
		fputs("&#10;Son gün: ", fp);
		put_date(fp, c->deadline);
	}
	if (c->overdue)
		fputs("&#10;⚠ Gecikti: son gün geçti, GİB beratları tam değil",
		    fp);
	if (r) {
		fputs("&#10;Neden: ", fp);
		esc(fp, r);
	}
	if (c->folder && *c->folder) {
		fputs("&#10;Klasör: ", fp);
		esc(fp, c->folder);
	}
}

/* put_attrs - the data attributes of a cell */
static void
put_attrs(FILE *fp, const struct entry *e)
{
	const struct html_cell *c = e->c;

	fputs(" data-id=\"", fp);
	esc(fp, c->id);
	fputs("\" data-period=\"", fp);
	put_period(fp, e->ord);
	fputs("\" data-state=\"", fp);
	esc(fp, c->state);
	fprintf(fp, "\" data-overdue=\"%d\"", c->overdue ? 1 : 0);
	if (c->deadline) {
		fputs(" data-deadline=\"", fp);
		esc(fp, c->deadline);
		putc('"', fp);
	}
}

/* put_label - a cell's visible text, a link to its details if it has any */
static void
put_label(FILE *fp, const struct entry *e)
{
	if (e->no)
		fprintf(fp, "<a href=\"#r%zu\">", e->no);
	put_state_word(fp, e, 1);
	if (e->no)
		fputs("</a>", fp);
	if (e->c->overdue)
		fputs("<span class=\"odb\">⚠ gecikti</span>", fp);
}

/* state_class - the class that colours a state */
static const char *
state_class(const struct entry *e)
{
	return e->st == OTHER ? "other" : states[e->st].name;
}

/* put_cell - one grid cell: the entries e[0..n) of one company and month,
 * with more classes */
static void
put_cell(FILE *fp, const struct entry *e, size_t n, const char *more)
{
	size_t	i;

	fprintf(fp, "<td class=\"st-%s%s%s\"", state_class(e),
	    e->c->overdue ? " od" : "", more);
	put_attrs(fp, e);
	if (n > 1)
		fprintf(fp, " data-n=\"%zu\"", n);
	fputs(" title=\"", fp);
	for (i = 0; i < n; i++) {
		if (i > 0)
			fputs("&#10;&#10;", fp);
		put_title(fp, &e[i]);
	}
	fputs("\">", fp);
	put_label(fp, e);
	for (i = 1; i < n; i++) {
		fprintf(fp, "<div class=\"more st-%s\"", state_class(&e[i]));
		put_attrs(fp, &e[i]);
		putc('>', fp);
		put_label(fp, &e[i]);
		fputs("</div>", fp);
	}
	fputs("</td>", fp);
}

/* put_company - the sticky first cell of a row, or a cell of the details */
static void
put_company(FILE *fp, const struct row *r, int grid)
{
	const char *tag = grid ? "th" : "td";

	if (grid) {
		fputs("<th class=\"co\" scope=\"row\" data-id=\"", fp);
		esc(fp, r->id);
		fputs("\">", fp);
	} else
		fputs("<td>", fp);
	if (r->name) {
		fputs("<span class=\"nm\">", fp);
		esc(fp, r->name);
		fputs("</span>", fp);
	}
	fputs("<span class=\"id\">", fp);
	esc(fp, r->id);
	fprintf(fp, "</span></%s>", tag);
}

/* put_head - the page up to the grid: style, title, summary, legend */
static void
put_head(FILE *fp, const char *title, const char *generated,
    const struct entry *e, size_t n, size_t nrows)
{
	size_t	count[NSTATES + 1] = { 0 }, i, overdue = 0;

	for (i = 0; i < n; i++) {
		count[e[i].st]++;
		overdue += e[i].c->overdue != 0;
	}
	fputs("<!DOCTYPE html>\n<html lang=\"tr\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n"
	    "<meta name=\"generator\" content=\"edefter-scan\">\n<title>", fp);
	esc(fp, title);
	fputs("</title>\n<style>\n", fp);
	fputs(page_style, fp);
	for (i = 0; i < NSTATES; i++)
		fprintf(fp, ".st-%s{background:%s;color:%s}\n", states[i].name,
		    states[i].bg, states[i].fg);
	fputs(".st-other{background:#fff;color:#000}\n</style>\n</head>\n"
	    "<body>\n<h1>", fp);
	esc(fp, title);
	fputs("</h1>\n", fp);
	if (generated) {
		fputs("<p class=\"gen\">Oluşturulma: <time datetime=\"", fp);
		esc(fp, generated);
		fputs("\">", fp);
		esc(fp, generated);
		fputs("</time></p>\n", fp);
	}
	fprintf(fp, "<p class=\"sum\" data-total=\"%zu\" data-overdue=\"%zu\">"
	    "%zu şirket, %zu dönem:", n, overdue, nrows, n);
	for (i = 0; i <= NSTATES; i++) {
		if (count[i] == 0)
			continue;
		fprintf(fp, " <span class=\"k st-%s\" data-state=\"%s\" "
		    "data-count=\"%zu\">%zu %s</span>",
		    i == OTHER ? "other" : states[i].name,
		    i == OTHER ? "other" : states[i].name, count[i], count[i],
		    i == OTHER ? "başka" : states[i].brief);
	}
	if (overdue)
		fprintf(fp, " <span class=\"k odt\" data-marker=\"overdue\" "
		    "data-count=\"%zu\">⚠ %zu gecikmiş</span>", overdue, overdue);
	fputs("</p>\n<ul class=\"legend\" aria-label=\"Renkler\">\n", fp);
	for (i = 0; i < NSTATES; i++)
		fprintf(fp, "<li data-state=\"%s\"><span class=\"sw st-%s\">"
		    "</span>%s <code>%s</code></li>\n", states[i].name,
		    states[i].name, states[i].label, states[i].name);
	fputs("<li data-marker=\"overdue\"><span class=\"sw odm\"></span>"
	    "⚠ gecikti: son gün geçti, GİB beratları tam değil "
	    "<code>overdue</code></li>\n</ul>\n", fp);
}

/* put_grid - the company x month table; a new year gets a dividing line */
static void
put_grid(FILE *fp, const struct row *rows, size_t nrows, const long *cols,
    size_t ncols)
{
	size_t	r, c, i, j, no = 0;
	const char *y1;

	fputs("<div class=\"grid\">\n<table class=\"st\">\n<thead>\n<tr>"
	    "<th class=\"co\" scope=\"col\">Şirket</th>", fp);
	for (c = 0; c < ncols; c++) {
		y1 = YEAR_STARTS(cols, c) ? " y1" : "";
		fprintf(fp, "<th class=\"mo%s\" scope=\"col\" id=\"m", y1);
		put_period(fp, cols[c]);
		fputs("\" data-period=\"", fp);
		put_period(fp, cols[c]);
		fprintf(fp, "\" title=\"%s %ld\">%s<span class=\"y\">%ld</span>"
		    "</th>", month_name[cols[c] % 12], cols[c] / 12,
		    month_abbr[cols[c] % 12], cols[c] / 12);
	}
	fputs("</tr>\n</thead>\n<tbody>\n", fp);
	for (r = 0; r < nrows; r++) {
		const struct row *rw = &rows[r];

		for (i = 0; i < rw->n; i++)
			if (reason_of(rw->e[i].c) || rw->e[i].c->overdue)
				rw->e[i].no = ++no;
		fputs("<tr>", fp);
		put_company(fp, rw, 1);
		for (c = 0, i = 0; c < ncols; c++) {
			y1 = YEAR_STARTS(cols, c) ? " y1" : "";
			for (j = i; j < rw->n && rw->e[j].ord == cols[c]; j++)
				;
			if (j == i)
				fprintf(fp, "<td class=\"none%s\"></td>", y1);
			else
				put_cell(fp, &rw->e[i], j - i, y1);
			i = j;
		}
		fputs("</tr>\n", fp);
	}
	fputs("</tbody>\n</table>\n</div>\n", fp);
}

/* put_details - the cells with a reason or overdue, as a table */
static void
put_details(FILE *fp, const struct row *rows, size_t nrows)
{
	size_t	r, i, n = 0;

	for (r = 0; r < nrows; r++)
		for (i = 0; i < rows[r].n; i++)
			n += rows[r].e[i].no != 0;
	if (n == 0)
		return;
	fprintf(fp, "<details open>\n<summary>Ayrıntılar (%zu dönem)"
	    "</summary>\n<table class=\"det\">\n<thead><tr><th>#</th>"
	    "<th>Şirket</th><th>Dönem</th><th>Durum</th><th>Son gün</th>"
	    "<th>Neden</th><th>Klasör</th></tr></thead>\n<tbody>\n", n);
	for (r = 0; r < nrows; r++) {
		for (i = 0; i < rows[r].n; i++) {
			const struct entry *e = &rows[r].e[i];

			if (e->no == 0)
				continue;
			fprintf(fp, "<tr id=\"r%zu\"", e->no);
			put_attrs(fp, e);
			fprintf(fp, "><td>%zu</td>", e->no);
			put_company(fp, &rows[r], 0);
			fputs("<td class=\"p\">", fp);
			put_period(fp, e->ord);
			fprintf(fp, "</td><td class=\"st-%s\">", state_class(e));
			put_state_word(fp, e, 0);
			fputs("</td><td>", fp);
			if (e->c->deadline)
				put_date(fp, e->c->deadline);
			if (e->c->overdue)
				fputs(" <span class=\"odt\">⚠ gecikti</span>",
				    fp);
			fputs("</td><td class=\"r\">", fp);
			esc(fp, reason_of(e->c));
			fputs("</td><td>", fp);
			esc(fp, e->c->folder);
			fputs("</td></tr>\n", fp);
		}
	}
	fputs("</tbody>\n</table>\n</details>\n", fp);
}

/* columns - the months of the grid: every month from first to last, or
 * only those that occur when that is more than HTML_MAX_SPAN */
static long *
columns(const struct entry *e, size_t n, size_t *ncols)
{
	long	*v, lo, hi;
	size_t	i, k;

	if ((v = calloc(n ? n : 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		v[i] = e[i].ord;
	qsort(v, n, sizeof(*v), long_cmp);
	for (i = k = 0; i < n; i++)
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	*ncols = k;
	if (k == 0)
		return v;
	lo = v[0], hi = v[k - 1];
	if (hi - lo + 1 > (long)k && hi - lo + 1 <= HTML_MAX_SPAN) {
		free(v);
		if ((v = calloc((size_t)(hi - lo + 1), sizeof(*v))) == NULL)
			return NULL;
		for (k = 0; lo + (long)k <= hi; k++)
			v[k] = lo + (long)k;
		*ncols = k;
	}
	return v;
}

/* html_status_write - the whole status page to fp */
int
html_status_write(FILE *fp, const char *title, const char *generated,
    const struct html_cell *cells, size_t n, struct buf *err)
{
	struct entry *e = NULL;
	struct row *rows = NULL;
	long	*cols = NULL;
	size_t	i, nrows = 0, ncols = 0;
	int	rc = -1;

	if (title == NULL)
		title = DEFAULT_TITLE;
	for (i = 0; i < n; i++) {
		const struct html_cell *c = &cells[i];

		if (c->id == NULL || c->state == NULL || c->month < 1 ||
		    c->month > 12 || c->year < 1 || c->year > YEAR_MAX) {
			buf_printf(err, "status page: cell %zu: no id or state, "
			    "or a bad period", i);
			errno = EINVAL;
			return -1;
		}
	}
	if ((e = calloc(n ? n : 1, sizeof(*e))) == NULL ||
	    (rows = calloc(n ? n : 1, sizeof(*rows))) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		e[i].c = &cells[i];
		e[i].idx = i;
		e[i].ord = (long)cells[i].year * 12 + cells[i].month - 1;
		e[i].st = state_index(cells[i].state);
	}
	qsort(e, n, sizeof(*e), entry_cmp);
	for (i = 0; i < n; i++) {
		if (nrows == 0 || strcmp(rows[nrows - 1].id, e[i].c->id)) {
			rows[nrows].id = e[i].c->id;
			rows[nrows].e = &e[i];
			nrows++;
		}
		rows[nrows - 1].n++;
		if (rows[nrows - 1].name == NULL && e[i].c->company &&
		    *e[i].c->company)
			rows[nrows - 1].name = e[i].c->company;
	}
	qsort(rows, nrows, sizeof(*rows), row_cmp);
	if ((cols = columns(e, n, &ncols)) == NULL)
		goto nomem;

	put_head(fp, title, generated, e, n, nrows);
	if (n == 0)
		fputs("<p class=\"empty\">Gösterilecek dönem yok: "
		    "paylaşımda ve şirket listesinde hiçbir dönem "
		    "bulunamadı.</p>\n", fp);
	else {
		put_grid(fp, rows, nrows, cols, ncols);
		put_details(fp, rows, nrows);
	}
	fputs("</body>\n</html>\n", fp);
	errno = 0;
	if (fflush(fp) == EOF || ferror(fp)) {
		if (errno == 0)
			errno = EIO;	/* an earlier write's error */
		buf_printf(err, "status page: write: %s", strerror(errno));
		goto out;
	}
	rc = 0;
	goto out;
nomem:
	buf_printf(err, "status page: %s", strerror(ENOMEM));
	errno = ENOMEM;
out:
	free(cols);
	free(rows);
	free(e);
	return rc;
}
