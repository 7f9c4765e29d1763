/*
 * test_htmlpage - the status page: escaping of hostile and broken text,
 * Turkish text and order, every state in the legend, the cells' data
 * attributes, nothing loaded from elsewhere, the empty page, write
 * errors.
 *
 *	test_htmlpage			run the checks (TAP)
 *	test_htmlpage --write FILE	write the sample page to FILE
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "htmlpage.h"
#include "json.h"

#define HOSTILE	"<script>alert(\"x&y\")</script> 'Ltd'"

/* the sample: every state, Turkish names, an overdue cell, a hostile name */
static const struct html_cell sample[] = {
	{ "1234567890", "ABC Gıda Ticaret A.Ş.", 2024, 11, "sent", NULL,
	    "2025-03-14", 0, "ABC/2024/11" },
	{ "1234567890", "ABC Gıda Ticaret A.Ş.", 2024, 12, "bounced",
	    "rcpt=muhasebe@abc.example status=5.1.1 (user unknown)",
	    "2025-05-14", 0, "ABC/2024/12" },
	{ "1234567890", "ABC Gıda Ticaret A.Ş.", 2025, 1, "changed",
	    "reason=changed file=GIB-1234567890-202501-KB-000000.zip",
	    "2025-05-14", 0, "ABC/2025/01" },
	{ "1234567890", "ABC Gıda Ticaret A.Ş.", 2025, 2, "partial",
	    "sent to 1 of 2 recipients", "2025-06-16", 0, "ABC/2025/02" },
	{ "1234567890", "ABC Gıda Ticaret A.Ş.", 2025, 3, "failed",
	    "reason=refused reply=\"552 5.3.4 message too big\"", "2025-07-14",
	    0, "ABC/2025/03" },
	{ "1234567890", "ABC Gıda Ticaret A.Ş.", 2025, 4, "too-large",
	    "berats and DR alone exceed MaxMessageSize", "2025-08-14", 0,
	    "ABC/2025/04" },
	{ "1234567890", "ABC Gıda Ticaret A.Ş.", 2025, 5, "pending",
	    "reason=settling", "2025-09-15", 0, "ABC/2025/05" },
	{ "1234567890", "ABC Gıda Ticaret A.Ş.", 2025, 6, "complete", NULL,
	    "2025-10-14", 0, "ABC/2025/06" },
	{ "1234567890", "ABC Gıda Ticaret A.Ş.", 2025, 7, "incomplete",
	    "reason=incomplete missing=GIB-KB-000000", "2025-11-14", 1,
	    "ABC/2025/07" },
	{ "1234567890", "ABC Gıda Ticaret A.Ş.", 2025, 8, "incomplete",
	    "reason=incomplete missing=GIB-YB-000000 GIB-KB-000000",
	    "2025-12-15", 1, "ABC/2025/08" },
	{ "1234567890", "ABC Gıda Ticaret A.Ş.", 2025, 9, "missing",
	    "reason=no files", "2026-01-14", 0, NULL },
	{ "1234567808", "Şube Örnek Ltd.", 2024, 11, "before-start",
	    "reason=before-start send-from=2025-01", NULL, 0, "SUBE/2024/11" },
	{ "1234567808", "Şube Örnek Ltd.", 2025, 3, "sent", NULL,
	    "2025-07-14", 0, "SUBE/2025/03" },
	{ "1234567808", "Şube Örnek Ltd.", 2025, 4, "no-recipient",
	    "reason=no-recipient (not in the companies file)", "2025-08-14", 0,
	    "SUBE/2025/04" },
	{ "10000000146", "Çağrı Öztürk", 2025, 6, "inactive",
	    "reason=inactive (durum pasif)", "2025-10-10", 0, "Çağrı/2025/06" },
	{ "10000000146", "Çağrı Öztürk", 2025, 9, "sent", NULL, "2026-01-12",
	    0, "Çağrı/2025/09" },
	{ "4540536920", "İzmir Çiçekçilik Ltd. Şti.", 2025, 8, "sent", NULL,
	    "2025-12-15", 0, "İzmir/2025/08" },
	{ "4540536920", "İzmir Çiçekçilik Ltd. Şti.", 2025, 9, "incomplete",
	    "reason=incomplete missing=GIB-YB-000000", "2026-01-14", 0,
	    "İzmir/2025/09" },
	{ "1234567816", "Işık Yayıncılık", 2025, 9, "complete", NULL,
	    "2026-01-14", 0, "Işık/2025/09" },
	{ "17291716060", HOSTILE, 2025, 9, "failed",
	    "<iframe onload=alert(1)> & \"quoted\" 'single'", "2026-01-12",
	    0, "<b>bold</b>" },
	{ "9876543210", NULL, 2025, 9, "invalid",
	    "reason=invalid-id (VKN checksum)", NULL, 0, "BAD" },
};
#define NSAMPLE	(sizeof(sample) / sizeof(sample[0]))

static const char *const all_states[] = {
	"missing", "incomplete", "pending", "complete", "sent", "partial",
	"no-recipient", "too-large", "failed", "invalid", "before-start",
	"inactive", "changed", "bounced",
};
#define NSTATES	(sizeof(all_states) / sizeof(all_states[0]))

/* render - the page of cells as a string, or NULL; rc and err filled in */
static char *
render(const struct html_cell *cells, size_t n, int *rc, struct buf *err)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*fp;

	if ((fp = open_memstream(&out, &len)) == NULL)
		return NULL;
	*rc = html_status_write(fp, NULL, "2026-01-05T09:30:00Z", cells, n,
	    err);
	fclose(fp);
	return out;
}

/* count - occurrences of needle in s */
static int
count(const char *s, const char *needle)
{
	int	n = 0;

	while ((s = strstr(s, needle)) != NULL)
		n++, s += strlen(needle);
	return n;
}

/* pos - where needle is in s, or -1 */
static long
pos(const char *s, const char *needle)
{
	const char *p = strstr(s, needle);

	return p ? p - s : -1;
}

/* has_ci - s holds needle, ASCII case ignored */
static int
has_ci(const char *s, const char *needle)
{
	size_t	n = strlen(needle);

	for (; *s; s++)
		if (strncasecmp(s, needle, n) == 0)
			return 1;
	return 0;
}

/* cell_tag - the <td ...> opening tag of a grid cell, copied, or NULL */
static char *
cell_tag(const char *page, const char *id, const char *period)
{
	char	want[96];
	const char *p, *start, *end;

	snprintf(want, sizeof(want), "data-id=\"%s\" data-period=\"%s\"", id,
	    period);
	for (p = page; (p = strstr(p, want)) != NULL; p++) {
		for (start = p; start > page && *start != '<'; start--)
			;
		if (strncmp(start, "<td ", 4) != 0)
			continue;
		if ((end = strchr(p, '>')) == NULL)
			return NULL;
		return strndup(start, (size_t)(end - start + 1));
	}
	return NULL;
}

static void
test_sample(void)
{
	struct buf err = BUF_INIT;
	char	*page, *tag, want[128];
	size_t	i;
	int	rc = -2;

	page = render(sample, NSAMPLE, &rc, &err);
	CHECK(page && rc == 0, "sample page written (%s)", BUF_STR(&err));
	if (page == NULL)
		return;
	CHECK(strncmp(page, "<!DOCTYPE html>\n<html lang=\"tr\">", 31) == 0,
	    "HTML5, Turkish");
	CHECK(strstr(page, "<meta charset=\"utf-8\">") != NULL, "UTF-8");
	CHECK(strstr(page, "name=\"viewport\"") != NULL, "meta viewport");
	CHECK(strstr(page, "<title>e-Defter gönderim durumu</title>") != NULL,
	    "default title");
	CHECK(strstr(page, "<time datetime=\"2026-01-05T09:30:00Z\">") != NULL,
	    "generated time");
	CHECK(utf8_valid_prefix(page, strlen(page)) == strlen(page),
	    "the page is valid UTF-8");

	/* self-contained */
	CHECK(!has_ci(page, "<script"), "no <script");
	CHECK(!has_ci(page, "http"), "no http");
	CHECK(!has_ci(page, "src="), "no src=");
	CHECK(!has_ci(page, "<link") && !has_ci(page, "@import") &&
	    !has_ci(page, "url("), "no link, @import or url()");
	CHECK(!has_ci(page, "<iframe") && !has_ci(page, "<img"),
	    "no <iframe or <img");

	/* hostile text */
	CHECK(strstr(page, "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;"
	    "/script&gt; &#39;Ltd&#39;") != NULL, "hostile name escaped");
	CHECK(strstr(page, "&lt;iframe onload=alert(1)&gt; &amp; "
	    "&quot;quoted&quot; &#39;single&#39;") != NULL,
	    "hostile reason escaped");
	CHECK(strstr(page, "&lt;b&gt;bold&lt;/b&gt;") != NULL,
	    "hostile folder escaped");
	CHECK(count(page, "<b>") == 0, "no <b> from the data");

	/* Turkish */
	CHECK(strstr(page, "Çağrı Öztürk") && strstr(page, "Şube Örnek Ltd.") &&
	    strstr(page, "İzmir Çiçekçilik Ltd. Şti.") &&
	    strstr(page, "ABC Gıda Ticaret A.Ş."), "Turkish names intact");
	CHECK(strstr(page, "title=\"Ağustos 2025\">Ağu<span class=\"y\">2025"
	    "</span></th>") != NULL, "Turkish month header");
	CHECK(strstr(page, "<th class=\"mo\" scope=\"col\" id=\"m2024-11\" "
	    "data-period=\"2024-11\" title=\"Kasım 2024\">Kas<span "
	    "class=\"y\">2024</span></th>") != NULL, "first month");
	CHECK(count(page, "<th class=\"mo") == 11, "2024-11..2025-09: 11 "
	    "month columns (%d)", count(page, "<th class=\"mo"));
	CHECK(count(page, "<th class=\"mo y1\" scope=\"col\" "
	    "id=\"m2025-01\"") == 1 && count(page, " y1\"") == 8,
	    "a line where 2025 starts, header and 7 rows (%d)",
	    count(page, " y1\""));

	/* order: Turkish alphabet, unnamed last */
	{
		long	h = pos(page, "<tbody>"),
			p0 = pos(page + h, "&lt;script&gt;"),
			p1 = pos(page + h, ">ABC Gıda"),
			p2 = pos(page + h, ">Çağrı Öztürk"),
			p3 = pos(page + h, ">Işık Yayıncılık"),
			p4 = pos(page + h, ">İzmir Çiçekçilik"),
			p5 = pos(page + h, ">Şube Örnek"),
			p6 = pos(page + h, "data-id=\"9876543210\"");

		CHECK(h > 0 && p0 >= 0 && p0 < p1 && p1 < p2 && p2 < p3 &&
		    p3 < p4 && p4 < p5 && p5 < p6, "rows in Turkish order "
		    "(%ld %ld %ld %ld %ld %ld %ld)", p0, p1, p2, p3, p4, p5,
		    p6);
	}

	/* the legend and the colours */
	for (i = 0; i < NSTATES; i++) {
		snprintf(want, sizeof(want), "<li data-state=\"%s\"><span "
		    "class=\"sw st-%s\">", all_states[i], all_states[i]);
		CHECK(strstr(page, want) != NULL, "legend has %s",
		    all_states[i]);
		snprintf(want, sizeof(want), "<code>%s</code></li>",
		    all_states[i]);
		CHECK(strstr(page, want) != NULL, "legend names %s",
		    all_states[i]);
		snprintf(want, sizeof(want), ".st-%s{background:#",
		    all_states[i]);
		CHECK(strstr(page, want) != NULL, "%s has a colour",
		    all_states[i]);
		CHECK(html_state_label(all_states[i]) != NULL, "%s has a label",
		    all_states[i]);
	}
	CHECK(strstr(page, "<li data-marker=\"overdue\">") != NULL,
	    "legend explains overdue");
	CHECK_STR(html_state_label("sent"), "gönderildi", "label of sent");
	CHECK(html_state_label("nonsense") == NULL &&
	    html_state_label(NULL) == NULL, "no label for an unknown state");

	/* cells */
	tag = cell_tag(page, "1234567890", "2025-08");
	CHECK_STR(tag, "<td class=\"st-incomplete od\" data-id=\"1234567890\" "
	    "data-period=\"2025-08\" data-state=\"incomplete\" "
	    "data-overdue=\"1\" data-deadline=\"2025-12-15\" title=\"Ağustos "
	    "2025: eksik, GİB onayı bekleniyor (incomplete)&#10;Son gün: "
	    "15.12.2025&#10;⚠ Gecikti: son gün geçti, GİB beratları tam "
	    "değil&#10;Neden: incomplete missing=GIB-YB-000000 GIB-KB-000000"
	    "&#10;Klasör: ABC/2025/08\">", "overdue cell, reason= dropped");
	free(tag);
	tag = cell_tag(page, "1234567890", "2024-11");
	CHECK(tag && strstr(tag, "class=\"st-sent\"") &&
	    strstr(tag, "data-state=\"sent\" data-overdue=\"0\""),
	    "sent cell: %s", tag ? tag : "(none)");
	free(tag);
	tag = cell_tag(page, "17291716060", "2025-09");
	CHECK(tag && strstr(tag, "Klasör: &lt;b&gt;bold&lt;/b&gt;"),
	    "hostile cell title escaped");
	free(tag);
	CHECK(count(page, "<span class=\"odb\">⚠ gecikti</span>") == 2,
	    "two overdue markers in the grid");
	CHECK(count(page, "<td class=\"none") == 7 * 11 - 21,
	    "empty cells for months without a row");
	CHECK(strstr(page, "<a href=\"#r") != NULL &&
	    strstr(page, "<tr id=\"r1\"") != NULL, "cells link to details");
	CHECK(strstr(page, "data-total=\"21\" data-overdue=\"2\"") != NULL,
	    "summary totals");
	CHECK(strstr(page, "data-state=\"sent\" data-count=\"4\">4 gönderildi"
	    "</span>") != NULL, "summary counts sent");
	CHECK(strstr(page, "7 şirket, 21 dönem:") != NULL, "summary line");
	CHECK(strstr(page, "@media print") && strstr(page,
	    "print-color-adjust:exact"), "printable");
	CHECK(strstr(page, "position:sticky") != NULL, "sticky company column");
	free(page);
	buf_free(&err);
}

static void
test_broken_text(void)
{
	static const struct html_cell c[] = {
		{ "1234567890", "Bad\xff\xfeName\xc3", 2025, 1, "weird<x>",
		    "ctl\x01here\x7f and \xc2\x85 and \xed\xa0\x80 end", NULL, 0,
		    "<img src=x>" },
		{ "1234567890", NULL, 2025, 1, "sent", NULL, "soon", 0, "" },
	};
	struct buf err = BUF_INIT;
	char	*page;
	int	rc = -2;

	page = render(c, 2, &rc, &err);
	CHECK(page && rc == 0, "broken text written (%s)", BUF_STR(&err));
	if (page == NULL)
		return;
	CHECK(utf8_valid_prefix(page, strlen(page)) == strlen(page),
	    "invalid UTF-8 replaced");
	CHECK(strstr(page, "Bad\xef\xbf\xbd\xef\xbf\xbdName\xef\xbf\xbd") !=
	    NULL, "each bad byte is one U+FFFD");
	CHECK(strstr(page, "ctl\xef\xbf\xbdhere\xef\xbf\xbd and \xef\xbf\xbd "
	    "and \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd end") != NULL,
	    "controls and surrogates replaced");
	CHECK(strstr(page, "&lt;img src=x&gt;") && !has_ci(page, "<img"),
	    "an element in the data is text");
	CHECK(strstr(page, "class=\"st-other\" data-id=\"1234567890\" "
	    "data-period=\"2025-01\" data-state=\"weird&lt;x&gt;\"") != NULL,
	    "unknown state escaped, uncoloured");
	CHECK(strstr(page, "data-n=\"2\"") && strstr(page, "<div class=\"more "
	    "st-sent\""), "two cells of one month share a grid cell");
	CHECK(strstr(page, "Son gün: soon") != NULL,
	    "a deadline that is not a date is shown as it is");
	CHECK(strstr(page, "Klasör: &#10;") == NULL && strstr(page,
	    "Klasör: \"") == NULL, "an empty folder is left out");
	free(page);
	buf_free(&err);
}

static void
test_columns(void)
{
	static const struct html_cell far[] = {
		{ "1234567890", "A", 1, 1, "sent", NULL, NULL, 0, NULL },
		{ "1234567890", "A", 9999, 12, "sent", NULL, NULL, 0, NULL },
	};
	static const struct html_cell gap[] = {
		{ "1234567890", "A", 2020, 1, "sent", NULL, NULL, 0, NULL },
		{ "1234567890", "A", 2025, 12, "sent", NULL, NULL, 0, NULL },
	};
	struct buf err = BUF_INIT;
	char	*page;
	int	rc = -2;

	page = render(far, 2, &rc, &err);
	CHECK(page && rc == 0 && count(page, "<th class=\"mo") == 2,
	    "a span beyond HTML_MAX_SPAN: only the months that occur");
	CHECK(page && strstr(page, "data-period=\"0001-01\"") &&
	    strstr(page, "data-period=\"9999-12\""), "four-digit years");
	free(page);
	page = render(gap, 2, &rc, &err);
	CHECK(page && rc == 0 && count(page, "<th class=\"mo") == 72 &&
	    count(page, "<td class=\"none") == 70 &&
	    count(page, "<th class=\"mo y1\"") == 5,
	    "six years: every month, gaps empty");
	free(page);
	buf_free(&err);
}

static void
test_empty_and_errors(void)
{
	static const struct html_cell bad[] = {
		{ "1234567890", "A", 2025, 13, "sent", NULL, NULL, 0, NULL },
	};
	static const struct html_cell noid[] = {
		{ NULL, "A", 2025, 1, "sent", NULL, NULL, 0, NULL },
	};
	struct buf err = BUF_INIT;
	char	*page;
	FILE	*fp;
	int	rc = -2;

	page = render(NULL, 0, &rc, &err);
	CHECK(page && rc == 0, "empty page written");
	CHECK(page && strstr(page, "Gösterilecek dönem yok") &&
	    !strstr(page, "<table class=\"st\"") &&
	    strstr(page, "<li data-state=\"sent\">") &&
	    strstr(page, "</html>\n"), "empty page says so, keeps the legend");
	free(page);

	page = render(bad, 1, &rc, &err);
	CHECK(rc == -1 && errno == EINVAL && err.len > 0, "month 13 refused: "
	    "%s", BUF_STR(&err));
	free(page);
	buf_reset(&err);
	page = render(noid, 1, &rc, &err);
	CHECK(rc == -1 && err.len > 0, "a cell without id refused");
	free(page);
	buf_reset(&err);

	if ((fp = fopen("/dev/full", "w")) == NULL) {
		CHECK(1, "# skip /dev/full: %s", strerror(errno));
		return;
	}
	rc = html_status_write(fp, "t", NULL, sample, NSAMPLE, &err);
	CHECK(rc == -1 && strstr(BUF_STR(&err), "write"), "write error: %s",
	    BUF_STR(&err));
	fclose(fp);
	buf_reset(&err);
	if ((fp = fopen("/dev/full", "w")) != NULL) {
		setvbuf(fp, NULL, _IONBF, 0);
		rc = html_status_write(fp, "t", NULL, NULL, 0, &err);
		CHECK(rc == -1 && err.len > 0, "unbuffered write error: %s",
		    BUF_STR(&err));
		fclose(fp);
	}
	buf_free(&err);
}

/* write_sample - the sample page into a file, for the browser tests */
static int
write_sample(const char *path)
{
	struct buf err = BUF_INIT;
	FILE	*fp;
	int	rc;

	if ((fp = fopen(path, "w")) == NULL) {
		fprintf(stderr, "test_htmlpage: %s: %s\n", path,
		    strerror(errno));
		return 1;
	}
	rc = html_status_write(fp, NULL, "2026-01-05T09:30:00Z", sample,
	    NSAMPLE, &err);
	if (fclose(fp) == EOF && rc == 0) {
		buf_printf(&err, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc < 0)
		fprintf(stderr, "test_htmlpage: %s\n", BUF_STR(&err));
	buf_free(&err);
	return rc < 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--write") == 0)
		return write_sample(argv[2]);
	if (argc != 1) {
		fprintf(stderr, "usage: test_htmlpage [--write FILE]\n");
		return 64;
	}
	test_sample();
	test_broken_text();
	test_columns();
	test_empty_and_errors();
	return check_done();
}
