/*
 * test_companies - the companies CSV reader: encodings, separators,
 * quoting, bad rows with their line numbers, header problems.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "companies.h"

static struct buf errs = BUF_INIT;
static int nerrs;

/* collect - the report callback: keep every line */
static void
collect(void *arg, unsigned long line, const char *msg)
{
	(void)arg;
	(void)line;
	buf_adds(&errs, msg);
	buf_addc(&errs, '\n');
	nerrs++;
}

/* load - parse a literal, forgetting earlier diagnostics */
static int
load(struct companies *l, const char *text, size_t len)
{
	buf_reset(&errs);
	nerrs = 0;
	return companies_parse(text, len, "companies.csv", l, collect, NULL);
}

#define LOAD(l, lit)	load((l), (lit), sizeof(lit) - 1)

/* has - did a diagnostic contain this text? */
static int
has(const char *s)
{
	int	found = errs.data && strstr(errs.data, s) != NULL;

	if (!found)
		printf("# diagnostics were:\n# %s\n", BUF_STR(&errs));
	return found;
}

/* addrs - a company's addresses joined with spaces, for comparing */
static const char *
addrs(const struct company *co, int lower)
{
	static struct buf b;
	size_t	i;

	buf_reset(&b);
	if (co == NULL)
		return "(no company)";
	for (i = 0; i < co->naddr; i++) {
		if (i)
			buf_addc(&b, ' ');
		buf_adds(&b, lower ? co->lc[i] : co->addr[i]);
	}
	return BUF_STR(&b);
}

/* name - a company's name or a marker */
static const char *
name(const struct company *co)
{
	return co ? co->name : "(no company)";
}

static void
test_utf8_bom(void)
{
	struct companies l;
	const struct company *co;
	int	rc;

	rc = LOAD(&l, "\xef\xbb\xbfVKN;Name;EMAILS\r\n"
	    "1234567890;\xc5\x9eirket \xc4\xb0 \xc4\xb1;"
	    "a@b.example, C@D.Example\r\n"
	    "10000000146;Ki\xc5\x9fi;x@y.example\r\n");
	CHECK(rc == 0 && l.n == 2 && nerrs == 0, "BOM, CRLF, ';': 2 rows");
	CHECK_STR(l.encoding, "UTF-8 BOM", "encoding seen");
	CHECK(l.sep == ';', "separator ';'");
	co = companies_find(&l, "1234567890");
	CHECK_STR(name(co), "\xc5\x9eirket \xc4\xb0 \xc4\xb1",
	    "Turkish name kept");
	CHECK_STR(addrs(co, 0), "a@b.example C@D.Example",
	    "addresses as written");
	CHECK_STR(addrs(co, 1), "a@b.example c@d.example",
	    "addresses lower-cased");
	CHECK(co && co->line == 2, "defined at line 2");
	CHECK(companies_find(&l, "10000000146") != NULL, "TCKN found");
	CHECK(companies_find(&l, "4540536920") == NULL, "unknown id: NULL");
	CHECK(companies_find(&l, "") == NULL, "empty id: NULL");
	companies_free(&l);

	rc = LOAD(&l, "\xef\xbb\xbfvkn;name;emails\n"
	    "1234567890;Bozuk \xff ad;a@b.example\n"
	    "4540536920;\xc4\xb0yi;a@b.example\n");
	CHECK(rc == 0 && l.n == 1 && companies_find(&l, "4540536920") &&
	    has("companies.csv:2: 'name' is not valid UTF-8: 'Bozuk \\xff "
	    "ad'"), "BOM then a byte that is not UTF-8: that row rejected");
	companies_free(&l);
}

static void
test_utf8_comma_quotes(void)
{
	struct companies l;
	const struct company *co;
	int	rc;

	rc = LOAD(&l, "emails,Notes,name,vkn\n"
	    "\"a@b.example, b@b.example;c@b.example\",x,"
	    "\"Ali \"\"Veli\"\" Ltd, \xc5\x9eti\",1234567890\n"
	    "d@e.example,\"notes, with; separators\",\"\",4540536920\n"
	    "  \"e@e.example A@B.example  a@b.EXAMPLE\" ,,Z,1234567808");
	CHECK(rc == 0 && l.n == 3 && nerrs == 0,
	    "no BOM, ',', quoted fields: 3 rows (%zu, %d)", l.n, nerrs);
	CHECK_STR(l.encoding, "UTF-8", "plain UTF-8");
	CHECK(l.sep == ',', "separator ','");
	co = companies_find(&l, "1234567890");
	CHECK_STR(name(co), "Ali \"Veli\" Ltd, \xc5\x9eti",
	    "doubled quotes and a separator inside quotes");
	CHECK_STR(addrs(co, 0), "a@b.example b@b.example c@b.example",
	    "addresses split on ',' ';' and space");
	co = companies_find(&l, "4540536920");
	CHECK_STR(name(co), "", "empty name allowed");
	co = companies_find(&l, "1234567808");
	CHECK_STR(addrs(co, 0), "e@e.example A@B.example",
	    "same address twice (case aside) kept once, no final newline");
	companies_free(&l);

	rc = LOAD(&l, "vkn,name,emails\n1234567890,A;B Ltd,a@b.example\n");
	CHECK(rc == 0 && l.sep == ',' && l.n == 1, "',' chosen over ';'");
	CHECK_STR(name(companies_find(&l, "1234567890")), "A;B Ltd",
	    "';' inside a ','-separated field");
	companies_free(&l);
}

static void
test_cp1254(void)
{
	struct companies l;
	const struct company *co;
	int	rc;

	rc = LOAD(&l, "vkn;name;emails\r\n"
	    "1234567890;\xdeirket \xdd\xfd \xd0\xf0\xfe;a@b.example\r\n"
	    "4540536920;Bozuk \x81 ad;c@d.example\r\n"
	    "1234567808;\"\xc7" "al\xfd\xfe\";e@f.example\r\n");
	CHECK(rc == 0 && l.n == 2, "Windows-1254: 2 good rows (%zu)", l.n);
	CHECK_STR(l.encoding, "CP1254", "Windows-1254 detected");
	co = companies_find(&l, "1234567890");
	CHECK_STR(name(co), "\xc5\x9eirket \xc4\xb0\xc4\xb1 \xc4\x9e\xc4\x9f"
	    "\xc5\x9f", "\\xDE\\xDD\\xFD\\xD0\\xF0\\xFE -> \xc5\x9e\xc4\xb0"
	    "\xc4\xb1\xc4\x9e\xc4\x9f\xc5\x9f");
	CHECK_STR(name(companies_find(&l, "1234567808")),
	    "\xc3\x87\x61l\xc4\xb1\xc5\x9f", "quoted Windows-1254 field");
	CHECK(companies_find(&l, "4540536920") == NULL &&
	    has("companies.csv:3: 'name' holds bytes that are not "
	    "Windows-1254"), "byte 0x81 (unused in Windows-1254) rejected");
	companies_free(&l);
}

static void
test_bad_rows(void)
{
	struct companies l;
	int	rc;

	rc = LOAD(&l, "vkn;name;emails\n"
	    "1234567890;\"X\";\"a@b.example\r\nBcc: x@y\"\n"
	    "9876543210;Bad sum;a@b.example\n"
	    "123;Short;a@b.example\n"
	    "123456789;Nine;a@b.example\n"
	    "4540536920;No mail;\n"
	    "4540536920;Bad mail;not-an-address\n"
	    "4540536920;Two;a@b.example;extra\n"
	    "4540536920;\"Ok\"x;a@b.example\n"
	    ";;\n"
	    "4540536920;Tab\there;a@b.example\n"
	    "4540536920;Good;a@b.example\n"
	    "4540536920;Again;c@d.example\n"
	    "1234567808;\"Open;a@b.example\n"
	    "10000000146;After;a@b.example\n");
	CHECK(rc == 0, "bad rows do not fail the file");
	CHECK(l.n == 2 && companies_find(&l, "4540536920") &&
	    companies_find(&l, "10000000146"), "two good rows survive (%zu)",
	    l.n);
	CHECK(companies_find(&l, "1234567890") == NULL &&
	    has("companies.csv:2: line break inside a quoted field "
	    "(field 3)"), "CR LF Bcc: inside a quoted address rejected");
	CHECK(has("companies.csv:4: bad id '9876543210' (VKN/TCKN "
	    "checksum)"), "bad checksum, line counted past the CR LF");
	CHECK(has("companies.csv:5: bad id '123' (not 10 or 11 digits)"),
	    "short id");
	CHECK(has("companies.csv:6: bad id '123456789' (not 10 or 11 "
	    "digits; a leading zero lost?)"), "nine digits hinted");
	CHECK(has("companies.csv:7: no address"), "empty emails");
	CHECK(has("companies.csv:8: bad address 'not-an-address'"),
	    "bad address");
	CHECK(has("companies.csv:9: 4 fields, the header has 3"),
	    "too many fields");
	CHECK(has("companies.csv:10: text after a closing quote (field 2)"),
	    "text after quote");
	CHECK(has("companies.csv:12: control character in 'name': "
	    "'Tab\\x09here'"), "tab in a name, shown escaped");
	CHECK(has("companies.csv:14: duplicate id 4540536920 (first at "
	    "line 13)"), "duplicate id: later row reported");
	CHECK_STR(name(companies_find(&l, "4540536920")), "Good",
	    "duplicate id: first row wins");
	CHECK(has("companies.csv:15: quote not closed (field 2)"),
	    "unclosed quote");
	CHECK(nerrs == 11, "one report per bad row, none for ';;' (%d)",
	    nerrs);
	companies_free(&l);

	rc = LOAD(&l, "vkn;name;emails\n1234567890;\"two\nlines\";a@b.example\n"
	    "9876543210;x;a@b.example\n");
	CHECK(rc == 0 && l.n == 0 && has("companies.csv:2: line break") &&
	    has("companies.csv:4: bad id"), "LF in a field; lines counted");
	companies_free(&l);
}

static void
test_header(void)
{
	struct companies l;
	const struct company *co;
	int	rc;

	rc = LOAD(&l, "tckn;name;emails\n10000000146;Ki\xc5\x9fi;a@b.example\n");
	CHECK(rc == 0 && l.n == 1 && companies_find(&l, "10000000146"),
	    "header 'tckn'");
	companies_free(&l);

	rc = LOAD(&l, "VKN;TCKN;name;emails\n;17291716060;P;a@b.example\n"
	    "1234567890;;C;a@b.example\n"
	    "1234567890;17291716060;X;a@b.example\n");
	co = companies_find(&l, "17291716060");
	CHECK(rc == 0 && l.n == 2 && co && co->line == 2,
	    "both id columns: either may be filled");
	CHECK(has("companies.csv:4: vkn '1234567890' and tckn differ"),
	    "both filled and different: bad row");
	companies_free(&l);

	rc = LOAD(&l, "vkn;name\n1234567890;A\n");
	CHECK(rc == EINVAL && l.n == 0 && has("companies.csv:1: no 'emails' "
	    "column in the header"), "missing emails column");
	rc = LOAD(&l, "id;name;emails\n1234567890;A;a@b.example\n");
	CHECK(rc == EINVAL && has("no 'vkn' or 'tckn' column"),
	    "missing id column");
	rc = LOAD(&l, "vkn;name;emails;Emails\n");
	CHECK(rc == EINVAL && has("column 'emails' appears twice"),
	    "repeated column");
	rc = LOAD(&l, "");
	CHECK(rc == EINVAL && has("no header row"), "empty file");
	rc = LOAD(&l, "\r\n;;\r\n");
	CHECK(rc == EINVAL && has("companies.csv:3: no header row"),
	    "blank lines only");
	rc = LOAD(&l, "\xff\xfev\0k\0n\0");
	CHECK(rc == EINVAL && has("UTF-16"), "UTF-16 refused");
	rc = LOAD(&l, "\n vkn ; name ;emails\n1234567890;A;a@b.example");
	CHECK(rc == 0 && l.n == 1, "blank line before header, padded names");
	companies_free(&l);
}

static void
test_file(void)
{
	char	dir[] = "/tmp/test_companies.XXXXXX", path[256];
	struct companies l;
	FILE	*f;
	int	rc;

	if (mkdtemp(dir) == NULL) {
		CHECK(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/companies.csv", dir);
	if ((f = fopen(path, "w")) != NULL) {
		fputs("vkn;name;emails\r\n1234567890;\xdeirket;a@b.example\r\n",
		    f);
		fclose(f);
	}
	buf_reset(&errs);
	rc = companies_load(path, &l, collect, NULL);
	CHECK(rc == 0 && l.n == 1, "companies_load reads a file");
	CHECK_STR(name(companies_find(&l, "1234567890")), "\xc5\x9eirket",
	    "from disk as Windows-1254");
	companies_free(&l);
	CHECK(companies_load(dir, &l, collect, NULL) == EISDIR,
	    "a directory: EISDIR");
	unlink(path);
	CHECK(companies_load(path, &l, collect, NULL) == ENOENT,
	    "a missing file: ENOENT");
	CHECK(l.n == 0 && l.v == NULL, "failed load leaves an empty list");
	companies_free(&l);
	rmdir(dir);
}

int
main(void)
{
	test_utf8_bom();
	test_utf8_comma_quotes();
	test_cp1254();
	test_bad_rows();
	test_header();
	test_file();
	buf_free(&errs);
	return check_done();
}
