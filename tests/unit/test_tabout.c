/*
 * test_tabout - the table writer: CSV bytes exactly, quoting, unsafe
 * text, the temporary file and its rename, xlsx as a zip.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "tabout.h"

static char dir[64];

/* slurp - a whole file, or NULL */
static char *
slurp(const char *path, size_t *len)
{
	struct buf b = BUF_INIT;
	char	tmp[4096];
	size_t	n;
	FILE	*fp;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	while ((n = fread(tmp, 1, sizeof(tmp), fp)) > 0)
		buf_add(&b, tmp, n);
	fclose(fp);
	*len = b.len;
	if (b.data == NULL)
		buf_adds(&b, "");
	return buf_steal(&b);
}

/* at - a file in the scratch directory */
static const char *
at(const char *name)
{
	static char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

/* entries - how many names in the scratch directory */
static int
entries(void)
{
	struct dirent *de;
	DIR	*d;
	int	n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* csv_one - a one-column table of one cell; the data row's bytes */
static char *
csv_one(const char *cell, size_t n)
{
	static const char *const col[] = { "c" };
	static const char head[] = "\xef\xbb\xbf" "c\r\n";
	struct buf err = BUF_INIT;
	struct tabout *t;
	char	*all, *row;
	size_t	len;

	if ((t = tabout_open(TABOUT_CSV, at("one.csv"), NULL, &err)) == NULL)
		return NULL;
	tabout_columns(t, col, 1);
	tabout_textn(t, cell, n);
	tabout_end_row(t);
	if (tabout_close(t, &err) < 0 ||
	    (all = slurp(at("one.csv"), &len)) == NULL)
		return NULL;
	unlink(at("one.csv"));
	buf_free(&err);
	if (len < sizeof(head) - 1 || memcmp(all, head, sizeof(head) - 1)) {
		free(all);
		return NULL;
	}
	row = strdup(all + sizeof(head) - 1);
	free(all);
	return row;
}

#define CSV_CELL(in, want, what) do {					\
	char *got_ = csv_one(in, sizeof(in) - 1);			\
	CHECK_STR(got_, want, "csv: %s", what);				\
	free(got_);							\
} while (0)

static void
test_csv_quoting(void)
{
	CSV_CELL("plain", "plain\r\n", "plain text as it is");
	CSV_CELL("a,b", "a,b\r\n", "a comma needs no quotes");
	CSV_CELL("a;b", "\"a;b\"\r\n", "a semicolon is quoted");
	CSV_CELL("say \"hi\"", "\"say \"\"hi\"\"\"\r\n", "quotes doubled");
	CSV_CELL("x;\"y\"", "\"x;\"\"y\"\"\"\r\n", "; and \" together");
	CSV_CELL("a\nb", "\"a\nb\"\r\n", "LF is quoted");
	CSV_CELL("a\r\nb", "\"a\r\nb\"\r\n", "CRLF is quoted");
	CSV_CELL(" lead", "\" lead\"\r\n", "a leading space is quoted");
	CSV_CELL("trail ", "\"trail \"\r\n", "a trailing space is quoted");
	CSV_CELL("\ttab", "\"\ttab\"\r\n", "a leading tab is quoted");
	CSV_CELL("in side", "in side\r\n", "an inner space is not");
	CSV_CELL("", "\r\n", "an empty cell");
	CSV_CELL("\"", "\"\"\"\"\r\n", "a lone quote");
	CSV_CELL("Çağlar Gıda Ltd. Şti.", "Çağlar Gıda Ltd. Şti.\r\n",
	    "Turkish text intact");
	CSV_CELL("İıĞğÜüŞşÖöÇç", "İıĞğÜüŞşÖöÇç\r\n", "every Turkish letter");
	CSV_CELL("😀", "😀\r\n", "a 4-byte character");
}

static void
test_csv_unsafe(void)
{
	CSV_CELL("a\xff" "b", "a\xef\xbf\xbd" "b\r\n", "a bad byte is U+FFFD");
	CSV_CELL("a\xc3", "a\xef\xbf\xbd\r\n", "a cut sequence is U+FFFD");
	CSV_CELL("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd\r\n",
	    "an overlong form: one U+FFFD per byte");
	CSV_CELL("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\r\n",
	    "a surrogate is not UTF-8");
	CSV_CELL("\xf4\x90\x80\x80" "x",
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "x\r\n",
	    "beyond U+10FFFF");
	CSV_CELL("a\x01" "b", "a\xef\xbf\xbd" "b\r\n", "a control character");
	CSV_CELL("a\x7f" "b", "a\xef\xbf\xbd" "b\r\n", "DEL");
	CSV_CELL("a\0b", "a\xef\xbf\xbd" "b\r\n", "an embedded NUL");
	CSV_CELL("a\tb", "a\tb\r\n", "an inner TAB is kept");
	CSV_CELL("\x1b[31m;", "\"\xef\xbf\xbd[31m;\"\r\n",
	    "an escape sequence defused, then quoted");
}

static void
test_csv_table(void)
{
	static const char *const cols[] = { "id", "ünvan", "n", "when" };
	static const char want[] = "\xef\xbb\xbf" "id;ünvan;n;when\r\n"
	    "1234567890;Çağlar Gıda Ltd. Şti.;-5;2026-01-15T07:00:00.000Z\r\n"
	    "0123456789;\"a;\"\"b\"\"\";9223372036854775807;\r\n"
	    "x;;;\r\n";
	struct buf err = BUF_INIT;
	struct tabout *t;
	enum tabout_fmt fmt;
	char	*got;
	size_t	len = 0;
	int	rc;

	CHECK(tabout_parse_format("csv", &fmt) == 0 && fmt == TABOUT_CSV,
	    "format csv");
	CHECK(tabout_parse_format("xlsx", &fmt) == 0 && fmt == TABOUT_XLSX,
	    "format xlsx");
	CHECK(tabout_parse_format("CSV", &fmt) < 0 &&
	    tabout_parse_format("json", &fmt) < 0, "other formats are not");

	t = tabout_open(TABOUT_CSV, at("t.csv"), NULL, &err);
	CHECK(t != NULL, "open a csv file");
	if (t == NULL)
		return;
	rc = tabout_columns(t, cols, 4);
	rc |= tabout_text(t, "1234567890");
	rc |= tabout_text(t, "Çağlar Gıda Ltd. Şti.");
	rc |= tabout_int(t, -5);
	rc |= tabout_time(t, "2026-01-15T07:00:00.000Z");
	rc |= tabout_end_row(t);
	rc |= tabout_text(t, "0123456789");
	rc |= tabout_text(t, "a;\"b\"");
	rc |= tabout_int(t, LLONG_MAX);
	rc |= tabout_time(t, NULL);
	rc |= tabout_end_row(t);
	rc |= tabout_text(t, "x");
	rc |= tabout_end_row(t);
	CHECK(rc == 0, "every cell written");
	CHECK(access(at("t.csv"), F_OK) < 0 && entries() == 1,
	    "nothing at the path before close, one temporary file");
	rc = tabout_close(t, &err);
	CHECK(rc == 0, "close: %s", BUF_STR(&err));
	got = slurp(at("t.csv"), &len);
	CHECK(got && len == sizeof(want) - 1 && !memcmp(got, want, len),
	    "BOM, header, ';', CRLF, quoting, empty cells padded");
	CHECK(got && memcmp(got, "\xef\xbb\xbf", 3) == 0, "the BOM first");
	free(got);
	CHECK(entries() == 1, "the temporary file is gone");
	unlink(at("t.csv"));
	buf_free(&err);
}

static void
test_csv_stdout(void)
{
	static const char *const cols[] = { "a", "b" };
	struct buf err = BUF_INIT;
	struct tabout *t;
	char	*got;
	size_t	len = 0;
	int	fd, saved, rc = -1;

	fflush(stdout);
	saved = dup(1);
	fd = open(at("stdout"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 1);
	close(fd);
	if ((t = tabout_open(TABOUT_CSV, NULL, NULL, &err)) != NULL) {
		tabout_columns(t, cols, 2);
		tabout_text(t, "x y");
		tabout_text(t, "z");
		tabout_end_row(t);
		rc = tabout_close(t, &err);
	}
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	CHECK(rc == 0, "csv to standard output: %s", BUF_STR(&err));
	got = slurp(at("stdout"), &len);
	CHECK_STR(got, "\xef\xbb\xbf" "a;b\r\nx y;z\r\n",
	    "standard output gets the same bytes");
	free(got);
	unlink(at("stdout"));
	buf_free(&err);
}

static void
test_errors(void)
{
	static const char *const cols[] = { "a", "b" };
	struct buf err = BUF_INIT;
	struct tabout *t;
	struct tabout_file *f;
	char	*got;
	size_t	len = 0;
	FILE	*fp;
	int	rc;

	t = tabout_open(TABOUT_CSV, at("nosuch/x.csv"), NULL, &err);
	CHECK(t == NULL && strstr(BUF_STR(&err), "nosuch/x.csv") &&
	    strstr(BUF_STR(&err), strerror(ENOENT)),
	    "a missing directory names the path and the error: %s",
	    BUF_STR(&err));
	t = tabout_open(TABOUT_XLSX, NULL, "ledger", &err);
	CHECK(t == NULL && strstr(BUF_STR(&err), "standard output"),
	    "xlsx to standard output is refused: %s", BUF_STR(&err));
	t = tabout_open(TABOUT_CSV, dir, NULL, &err);
	CHECK(t == NULL && strstr(BUF_STR(&err), strerror(EISDIR)),
	    "a directory is not a file: %s", BUF_STR(&err));
	t = tabout_open(TABOUT_XLSX, at("s.xlsx"), "a/b", &err);
	CHECK(t == NULL && strstr(BUF_STR(&err), "sheet name 'a/b'") &&
	    entries() == 0, "a bad sheet name, nothing left: %s",
	    BUF_STR(&err));

	/* an existing file survives a table that fails or is dropped */
	fp = fopen(at("keep.csv"), "w");
	fputs("old\n", fp);
	fclose(fp);
	t = tabout_open(TABOUT_CSV, at("keep.csv"), NULL, &err);
	tabout_columns(t, cols, 2);
	tabout_text(t, "1");
	tabout_text(t, "2");
	CHECK(tabout_text(t, "3") < 0, "a third cell in two columns fails");
	CHECK(tabout_end_row(t) < 0, "and the failure sticks");
	rc = tabout_close(t, &err);
	CHECK(rc < 0 && strstr(BUF_STR(&err), "more than 2 cells"),
	    "close reports the first error: %s", BUF_STR(&err));
	got = slurp(at("keep.csv"), &len);
	CHECK_STR(got, "old\n", "the old file is untouched");
	free(got);
	CHECK(entries() == 1, "no temporary file left");
	t = tabout_open(TABOUT_CSV, at("keep.csv"), NULL, &err);
	tabout_columns(t, cols, 2);
	tabout_discard(t);
	got = slurp(at("keep.csv"), &len);
	CHECK(got && !strcmp(got, "old\n") && entries() == 1,
	    "discard leaves the old file and nothing else");
	free(got);

	t = tabout_open(TABOUT_CSV, at("keep.csv"), NULL, &err);
	CHECK(tabout_text(t, "x") < 0, "a cell before the columns fails");
	tabout_discard(t);

	/* the plain stream, as the JSON dump uses it */
	f = tabout_file_open(at("keep.csv"), &err);
	CHECK(f != NULL, "a plain output file");
	fputs("{\"new\":1}\n", tabout_file_fp(f));
	rc = tabout_file_close(f, &err);
	CHECK(rc == 0, "committed: %s", BUF_STR(&err));
	got = slurp(at("keep.csv"), &len);
	CHECK_STR(got, "{\"new\":1}\n", "the new content replaces the old");
	free(got);
	f = tabout_file_open(at("keep.csv"), &err);
	fputs("half", tabout_file_fp(f));
	tabout_file_discard(f);
	got = slurp(at("keep.csv"), &len);
	CHECK(got && !strcmp(got, "{\"new\":1}\n") && entries() == 1,
	    "a dropped stream leaves the file as it was");
	free(got);
	unlink(at("keep.csv"));
	buf_free(&err);
}

static void
test_xlsx(void)
{
	static const char *const cols[] = { "companyId", "companyName",
	    "year", "sentDate" };
	struct buf err = BUF_INIT, big = BUF_INIT;
	struct tabout *t;
	struct stat st;
	mode_t	mask;
	char	*got;
	size_t	len = 0, i;
	int	rc;

	t = tabout_open(TABOUT_XLSX, at("d.xlsx"), "ledger", &err);
	CHECK(t != NULL, "open a workbook: %s", BUF_STR(&err));
	if (t == NULL)
		return;
	for (i = 0; i < 40000; i++)
		buf_adds(&big, i % 2 ? "ş" : "x");
	rc = tabout_columns(t, cols, 4);
	rc |= tabout_text(t, "1234567890");
	rc |= tabout_text(t, "Çağlar Gıda Ltd. Şti.");
	rc |= tabout_int(t, 2025);
	rc |= tabout_time(t, "2026-01-15T07:00:00.000Z");
	rc |= tabout_end_row(t);
	rc |= tabout_text(t, "0123456789");
	rc |= tabout_text(t, "bad \xff\xc3 ctl \x01\x02 cr\r\n _x0041_");
	rc |= tabout_int(t, 1LL << 60);
	rc |= tabout_time(t, "not a date");
	rc |= tabout_end_row(t);
	rc |= tabout_textn(t, big.data, big.len);
	rc |= tabout_text(t, NULL);
	rc |= tabout_int(t, -1);
	rc |= tabout_time(t, "1899-12-31T00:00:00Z");
	rc |= tabout_end_row(t);
	CHECK(rc == 0, "cells of every kind, unsafe text, a 40000-char cell");
	rc = tabout_close(t, &err);
	CHECK(rc == 0, "close: %s", BUF_STR(&err));
	got = slurp(at("d.xlsx"), &len);
	CHECK(got && len > 4 && memcmp(got, "PK\x03\x04", 4) == 0,
	    "the workbook is a zip (%zu bytes)", len);
	free(got);
	mask = umask(0);
	umask(mask);
	rc = stat(at("d.xlsx"), &st);
	CHECK(rc == 0 && (st.st_mode & 0777) == (0666 & ~mask),
	    "the mode a new file gets (%o)", (unsigned)(st.st_mode & 0777));
	CHECK(entries() == 1, "no temporary file left");
	unlink(at("d.xlsx"));

	/* a workbook dropped half-way leaves nothing */
	t = tabout_open(TABOUT_XLSX, at("e.xlsx"), NULL, &err);
	tabout_columns(t, cols, 4);
	tabout_text(t, "x");
	tabout_discard(t);
	CHECK(entries() == 0, "a dropped workbook leaves nothing");

	/* the worksheet's row limit is an error, not a broken file */
	t = tabout_open(TABOUT_XLSX, at("f.xlsx"), "big", &err);
	tabout_columns(t, cols, 1);
	for (rc = 0, i = 1; i < 1048576 && rc == 0; i++)
		rc = tabout_int(t, (long long)i) | tabout_end_row(t);
	CHECK(rc == 0, "1048575 rows under the header fit");
	CHECK(tabout_int(t, 0) < 0, "one more does not");
	rc = tabout_close(t, &err);
	CHECK(rc < 0 && strstr(BUF_STR(&err), "f.xlsx: more than 1048575 rows"),
	    "close says so: %s", BUF_STR(&err));
	CHECK(entries() == 0 && access(at("f.xlsx"), F_OK) < 0,
	    "and leaves nothing");
	buf_free(&big);
	buf_free(&err);
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "%s/tabout.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		return 1;
	}
	test_csv_quoting();
	test_csv_unsafe();
	test_csv_table();
	test_csv_stdout();
	test_errors();
	test_xlsx();
	rmdir(dir);
	return check_done();
}
