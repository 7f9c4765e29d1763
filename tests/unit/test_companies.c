/*
 * test_companies - the companies CSV reader: encodings, separators,
 * quoting, bad rows with their line numbers, header problems, Turkish
 * header names, the vkn/tckn choice, and the active, tax and schedule
 * columns.
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
	    "4540536920;17291716060;X;a@b.example\n");
	co = companies_find(&l, "17291716060");
	CHECK(rc == 0 && l.n == 3 && co && co->line == 2,
	    "both id columns: either may be filled");
	CHECK_STR(name(companies_find(&l, "4540536920")), "X",
	    "both filled and valid: the vkn");
	companies_free(&l);

	rc = LOAD(&l, "vkn;name\n1234567890;A\n");
	CHECK(rc == EINVAL && l.n == 0 && has("companies.csv:1: no 'emails' "
	    "column in the header"), "missing emails column");
	CHECK(has("; accepted names: emails, email, e-posta, eposta, e-mail, "
	    "mail, e-posta adresi, e-posta adresleri\n"),
	    "missing emails column: the accepted names told");
	rc = LOAD(&l, "id;name;emails\n1234567890;A;a@b.example\n");
	CHECK(rc == EINVAL && has("no 'vkn' or 'tckn' column"),
	    "missing id column");
	CHECK(has("accepted names: vkn, vergi no, vergi numaras\xc4\xb1, "
	    "vergi kimlik no, vergi kimlik numaras\xc4\xb1, tckn, "
	    "tc kimlik no, t.c. kimlik numaras\xc4\xb1, kimlik no"),
	    "missing id column: the accepted names told");
	rc = LOAD(&l, "vkn;\xc3\x9cnvan\n1234567890;A\n");
	CHECK(rc == EINVAL && has("no 'emails' column"),
	    "Turkish header, no e-posta column");
	rc = LOAD(&l, "vkn;e-posta\n1234567890;a@b.example\n");
	CHECK(rc == EINVAL && has("no 'name' column in the header; accepted "
	    "names: name, \xc3\xbcnvan, unvan, \xc5\x9firket ad\xc4\xb1, "
	    "firma ad\xc4\xb1, firma, m\xc3\xbc\xc5\x9fteri\n"),
	    "missing name column");
	rc = LOAD(&l, "vkn;name;emails;Emails\n");
	CHECK(rc == EINVAL && has("column 'emails' appears twice"),
	    "repeated column");
	rc = LOAD(&l, "vkn;Firma;E-posta;Telefon;Mail\n");
	CHECK(rc == EINVAL && has("companies.csv:1: column 'emails' appears "
	    "twice: 'E-posta' (field 3) and 'Mail' (field 5)"),
	    "one column under two of its names");
	rc = LOAD(&l, "Vergi No;VKN;name;emails\n");
	CHECK(rc == EINVAL && has("column 'vkn' appears twice: 'Vergi No' "
	    "(field 1) and 'VKN' (field 2)"), "two vkn columns");
	rc = LOAD(&l, "vkn;name;emails;Durum;Aktif\n");
	CHECK(rc == EINVAL && has("column 'active' appears twice"),
	    "two active columns");
	rc = LOAD(&l, "vkn;name;emails;dnem;vergi tr\n1234567890;A;"
	    "a@b.example;x;y\n");
	CHECK(rc == 0 && l.n == 1 && nerrs == 0,
	    "near misses of optional names are other columns");
	companies_free(&l);
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

/* one - a file of the header and one row, with every name checked */
static const struct company *
one(struct companies *l, const char *hdr, const char *row)
{
	struct buf b = BUF_INIT;
	int	rc;

	buf_printf(&b, "%s\r\n%s\r\n", hdr, row);
	rc = load(l, BUF_STR(&b), b.len);
	buf_free(&b);
	if (rc != 0 || l->n != 1)
		return NULL;
	return &l->v[0];
}

static void
test_aliases(void)
{
	static const char *const vkn[] = {
		"vkn", "vergi no", "vergi numaras\xc4\xb1", "vergi kimlik no",
		"vergi kimlik numaras\xc4\xb1",
		"VERG\xc4\xb0 NUMARASI", "VERGI NUMARASI", "Vergi Numarasi",
		"  Vergi   Kimlik\tNo ", "VERG\xc4\xb0 K\xc4\xb0ML\xc4\xb0K "
		"NUMARASI", NULL
	};
	static const char *const tckn[] = {
		"tckn", "tc kimlik no", "t.c. kimlik numaras\xc4\xb1",
		"kimlik no", "TC K\xc4\xb0ML\xc4\xb0K NO",
		"T.C. K\xc4\xb0ML\xc4\xb0K NUMARASI",
		"T.C. Kimlik Numaras\xc4\xb1",
		"TCKN", NULL
	};
	static const char *const names[] = {
		"name", "\xc3\xbcnvan", "unvan", "\xc5\x9firket ad\xc4\xb1",
		"firma ad\xc4\xb1", "firma", "m\xc3\xbc\xc5\x9fteri",
		"\xc3\x9cNVAN", "UNVAN", "\xc5\x9e\xc4\xb0RKET ADI",
		"F\xc4\xb0RMA ADI", "Firma Ad\xc4\xb1",
		"M\xc3\x9c\xc5\x9eTER\xc4\xb0",
		"NAME", NULL
	};
	static const char *const emails[] = {
		"emails", "email", "e-posta", "eposta", "e-mail", "mail",
		"e-posta adresi", "e-posta adresleri", "E-POSTA", "E-Mail",
		"E-POSTA ADRES\xc4\xb0", "E-Posta Adresleri", "MAIL", NULL
	};
	struct companies l;
	const struct company *co;
	struct buf h = BUF_INIT;
	size_t	i;

	for (i = 0; vkn[i]; i++) {
		buf_reset(&h);
		buf_printf(&h, "%s;name;emails", vkn[i]);
		co = one(&l, BUF_STR(&h), "1234567890;A;a@b.example");
		CHECK(co && strcmp(co->id, "1234567890") == 0 && nerrs == 0,
		    "vkn header '%s'", vkn[i]);
		companies_free(&l);
	}
	for (i = 0; tckn[i]; i++) {
		buf_reset(&h);
		buf_printf(&h, "name;%s;emails", tckn[i]);
		co = one(&l, BUF_STR(&h), "A;10000000146;a@b.example");
		CHECK(co && strcmp(co->id, "10000000146") == 0 && nerrs == 0,
		    "tckn header '%s'", tckn[i]);
		companies_free(&l);
	}
	for (i = 0; names[i]; i++) {
		buf_reset(&h);
		buf_printf(&h, "emails;vkn;%s", names[i]);
		co = one(&l, BUF_STR(&h), "a@b.example;1234567890;\xc5\x9e"
		    "ahin");
		CHECK(co && strcmp(co->name, "\xc5\x9e" "ahin") == 0 &&
		    nerrs == 0, "name header '%s'", names[i]);
		companies_free(&l);
	}
	for (i = 0; emails[i]; i++) {
		buf_reset(&h);
		buf_printf(&h, "%s,name,vkn", emails[i]);
		co = one(&l, BUF_STR(&h), "a@b.example c@d.example,A,"
		    "1234567890");
		CHECK(co && strcmp(addrs(co, 0), "a@b.example c@d.example")
		    == 0 && nerrs == 0, "emails header '%s' (',')", emails[i]);
		companies_free(&l);
	}
	buf_free(&h);
}

static void
test_turkish_header(void)
{
	struct companies l;
	const struct company *co;
	int	rc;

	rc = LOAD(&l, "\xef\xbb\xbfVERG\xc4\xb0 NUMARASI;\xc3\x9cNVAN;"
	    "E-POSTA;DURUM;Telefon\r\n"
	    "1234567890;Y\xc4\xb1ld\xc4\xb1z A.\xc5\x9e.;a@b.example;Aktif;"
	    "0212\r\n"
	    "4540536920;Pasif Ltd;c@d.example;PAS\xc4\xb0" "F;\r\n"
	    "10000000146;Bad;x@y.example;Aktif;\"1\n2\"\r\n"
	    "1234567808;Bo\xc5\x9f;x@y.example; ;\r\n");
	CHECK(rc == 0 && l.n == 3, "VERG\xc4\xb0 NUMARASI;\xc3\x9cNVAN;"
	    "E-POSTA;DURUM with a BOM: 3 rows (%zu)", l.n);
	co = companies_find(&l, "1234567890");
	CHECK(co && co->active == 1, "DURUM Aktif: active");
	CHECK_STR(name(co), "Y\xc4\xb1ld\xc4\xb1z A.\xc5\x9e.", "\xc3\x9cNVAN "
	    "column read");
	co = companies_find(&l, "4540536920");
	CHECK(co && co->active == 0, "DURUM PAS\xc4\xb0" "F: inactive");
	CHECK(companies_find(&l, "10000000146") == NULL &&
	    has("companies.csv:4: line break inside a quoted field (field 5)"),
	    "a line break in an ignored column still spoils the row");
	co = companies_find(&l, "1234567808");
	CHECK(co && co->active == 1, "blank DURUM: active");
	companies_free(&l);

	rc = LOAD(&l, "Vergi No;\xc3\x9cnvan;E-posta\n"
	    "1234567890;Tab\there;a@b.example\n"
	    "4540536920;Ad;a@b\x01.example\n");
	CHECK(rc == 0 && l.n == 0 && has("companies.csv:2: control character "
	    "in '\xc3\x9cnvan': 'Tab\\x09here'") && has("companies.csv:3: "
	    "control character in 'E-posta'"),
	    "diagnostics name the column by its header");
	companies_free(&l);
}

static void
test_cp1254_header(void)
{
	struct companies l;
	const struct company *co;
	int	rc;

	/* VERGİ NUMARASI;ŞİRKET ADI;E-POSTA;VERGİ TÜRÜ;DÖNEM;DURUM */
	rc = LOAD(&l, "VERG\xdd NUMARASI;\xde\xddRKET ADI;E-POSTA;"
	    "VERG\xdd T\xdcR\xdc;D\xd6NEM;DURUM\r\n"
	    "1234567890;\xde" "ahin \xdd\xfe\xe7ilik \xd0\xfcl\xfc\xf0;"
	    "a@b.example;;Ayl\xfdk;\r\n"
	    "10000000146;Ay\xfe" "e \xc7" "elik;c@d.example;Gelir Vergisi;"
	    "Ge\xe7" "ici;Hay\xfdr\r\n"
	    "4540536920;\xdcnl\xfc;e@f.example;\xd6TV;;\r\n"
	    "1234567808;Y\xfdll\xfdk;g@h.example;KV;Y\xfdll\xfdk;\r\n");
	CHECK(rc == 0 && l.n == 2, "Windows-1254 Turkish header: 2 rows "
	    "(%zu)", l.n);
	CHECK_STR(l.encoding, "CP1254", "Windows-1254 detected");
	co = companies_find(&l, "1234567890");
	CHECK_STR(name(co), "\xc5\x9e" "ahin \xc4\xb0\xc5\x9f\xc3\xa7ilik "
	    "\xc4\x9e\xc3\xbcl\xc3\xbc\xc4\x9f", "name from Windows-1254 is "
	    "UTF-8");
	CHECK(co && co->tax == COMPANY_KV && co->schedule == COMPANY_MONTHLY &&
	    co->active == 1, "empty VERG\xc4\xb0 T\xc3\x9cR\xc3\x9c: KV; "
	    "Ayl\xc4\xb1k: monthly; empty DURUM: active");
	co = companies_find(&l, "10000000146");
	CHECK_STR(name(co), "Ay\xc5\x9f" "e \xc3\x87" "elik", "TCKN row name");
	CHECK(co && co->tax == COMPANY_GV &&
	    co->schedule == COMPANY_QUARTERLY && co->active == 0,
	    "Gelir Vergisi: GV; Ge\xc3\xa7ici: quarterly; Hay\xc4\xb1r: "
	    "inactive");
	CHECK(companies_find(&l, "4540536920") == NULL &&
	    has("companies.csv:4: unknown value '\xc3\x96TV' in "
	    "'VERG\xc4\xb0 T\xc3\x9cR\xc3\x9c' (GV or KV)"),
	    "unknown tax value: row skipped, header named in UTF-8");
	CHECK(companies_find(&l, "1234567808") == NULL &&
	    has("companies.csv:5: unknown value 'Y\xc4\xb1ll\xc4\xb1k' in "
	    "'D\xc3\x96NEM' (monthly/ayl\xc4\xb1k or quarterly/ge\xc3\xa7ici)"),
	    "unknown schedule value: row skipped");
	CHECK(nerrs == 2, "two reports (%d)", nerrs);
	companies_free(&l);

	/* Ünvan, Firma Adı, Müşteri in Windows-1254, ',' separated */
	rc = LOAD(&l, "M\xfc\xfeteri,Vergi Kimlik No,E-posta Adresleri\n"
	    "\"\xd6rnek G\xfd" "da, \xdd\xe7" "ecek\",4540536920,"
	    "a@b.example\n");
	CHECK(rc == 0 && l.n == 1 && l.sep == ',', "M\xc3\xbc\xc5\x9fteri "
	    "header in Windows-1254, ','");
	CHECK_STR(name(companies_find(&l, "4540536920")),
	    "\xc3\x96rnek G\xc4\xb1" "da, \xc4\xb0\xc3\xa7" "ecek",
	    "quoted Windows-1254 name");
	companies_free(&l);
}

static void
test_both_ids(void)
{
	struct companies l;
	const struct company *co;
	int	rc;

	rc = LOAD(&l, "Vergi No;TC Kimlik No;Firma;Mail\n"
	    "1234567890;10000000146;Both;a@b.example\n"
	    "9876543210;17291716060;Tckn;a@b.example\n"
	    "4540536920;12345678901;Vkn;a@b.example\n"
	    "9876543210;12345678901;Neither;a@b.example\n"
	    ";1234567808;Only tckn column;a@b.example\n"
	    "123;;Short;a@b.example\n"
	    ";;No id;a@b.example\n"
	    "1234567890x;17291716060;Again;a@b.example\n");
	CHECK(rc == 0 && l.n == 4, "vkn and tckn columns: 4 rows (%zu)", l.n);
	co = companies_find(&l, "1234567890");
	CHECK(co && strcmp(co->name, "Both") == 0 &&
	    companies_find(&l, "10000000146") == NULL,
	    "both valid: the vkn is used");
	CHECK(co && co->tax == COMPANY_KV, "10-digit id: KV by default");
	co = companies_find(&l, "17291716060");
	CHECK_STR(name(co), "Tckn", "vkn bad, tckn valid: the tckn");
	CHECK(co && co->tax == COMPANY_GV, "11-digit id: GV by default");
	CHECK_STR(name(companies_find(&l, "4540536920")), "Vkn",
	    "vkn valid, tckn bad: the vkn");
	CHECK(has("companies.csv:5: no valid id: '9876543210' in 'Vergi No' "
	    "(VKN/TCKN checksum), '12345678901' in 'TC Kimlik No' (VKN/TCKN "
	    "checksum)\n"), "neither valid: reported with its line");
	CHECK_STR(name(companies_find(&l, "1234567808")), "Only tckn column",
	    "only one filled: that one, whatever its length");
	CHECK(has("companies.csv:7: bad id '123' (not 10 or 11 digits)\n"),
	    "only the vkn filled and bad: the old message");
	CHECK(has("companies.csv:8: no id\n"), "neither filled: no id");
	CHECK(has("companies.csv:9: duplicate id 17291716060 (first at line "
	    "3)"), "vkn with a letter, tckn valid: the tckn (a duplicate)");
	CHECK(nerrs == 4, "four reports (%d)", nerrs);
	companies_free(&l);
}

static void
test_active(void)
{
	static const struct {
		const char *v;
		int	 active;
	} t[] = {
		{ "pasif", 0 }, { "Pasif", 0 }, { "PAS\xc4\xb0" "F", 0 },
		{ "PASIF", 0 }, { "hay\xc4\xb1r", 0 }, { "HAYIR", 0 },
		{ "Hay\xc4\xb1r", 0 }, { "hayir", 0 }, { "no", 0 },
		{ "NO", 0 }, { "0", 0 }, { " 0 ", 0 }, { "false", 0 },
		{ "FALSE", 0 }, { "inactive", 0 }, { "\"  Pasif \"", 0 },
		{ "aktif", 1 }, { "Aktif", 1 }, { "evet", 1 }, { "1", 1 },
		{ "yes", 1 }, { "true", 1 }, { "", 1 }, { "x", 1 },
		{ "pasif degil", 1 }, { "00", 1 },
	};
	static const char *const hdrs[] = {
		"active", "durum", "aktif", "Durum", "DURUM", "AKT\xc4\xb0\x46",
		"Active",
	};
	struct companies l;
	const struct company *co;
	struct buf h = BUF_INIT, row = BUF_INIT;
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&row);
		buf_printf(&row, "1234567890;A;a@b.example;%s", t[i].v);
		co = one(&l, "vkn;name;emails;durum", BUF_STR(&row));
		CHECK(co && co->active == t[i].active && nerrs == 0,
		    "durum '%s': %s", t[i].v, t[i].active ? "active" :
		    "inactive");
		companies_free(&l);
	}
	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		buf_reset(&h);
		buf_printf(&h, "%s;vkn;name;emails", hdrs[i]);
		co = one(&l, BUF_STR(&h), "Pasif;1234567890;A;a@b.example");
		CHECK(co && co->active == 0, "active header '%s'", hdrs[i]);
		companies_free(&l);
	}
	co = one(&l, "vkn;name;emails", "1234567890;A;a@b.example");
	CHECK(co && co->active == 1 && co->tax == COMPANY_KV &&
	    co->schedule == COMPANY_MONTHLY,
	    "no optional columns: active, KV, monthly");
	companies_free(&l);
	co = one(&l, "tckn;name;emails", "17291716060;A;a@b.example");
	CHECK(co && co->active == 1 && co->tax == COMPANY_GV &&
	    co->schedule == COMPANY_MONTHLY,
	    "no optional columns, a TCKN: active, GV, monthly");
	companies_free(&l);
	buf_free(&h);
	buf_free(&row);
}

static void
test_tax_schedule(void)
{
	static const struct {
		const char *id, *tax, *sched;
		int	 want_tax, want_sched;
	} t[] = {
		{ "1234567890", "", "", COMPANY_KV, COMPANY_MONTHLY },
		{ "10000000146", "", "", COMPANY_GV, COMPANY_MONTHLY },
		{ "1234567890", "GV", "", COMPANY_GV, COMPANY_MONTHLY },
		{ "1234567890", "gv", "", COMPANY_GV, COMPANY_MONTHLY },
		{ "10000000146", "KV", "", COMPANY_KV, COMPANY_MONTHLY },
		{ "10000000146", " kv ", "", COMPANY_KV, COMPANY_MONTHLY },
		{ "1234567890", "Gelir Vergisi", "", COMPANY_GV,
		    COMPANY_MONTHLY },
		{ "1234567890", "GEL\xc4\xb0R", "", COMPANY_GV,
		    COMPANY_MONTHLY },
		{ "10000000146", "Kurumlar Vergisi", "", COMPANY_KV,
		    COMPANY_MONTHLY },
		{ "10000000146", "KURUMLAR VERG\xc4\xb0S\xc4\xb0", "",
		    COMPANY_KV, COMPANY_MONTHLY },
		{ "1234567890", "", "monthly", COMPANY_KV, COMPANY_MONTHLY },
		{ "1234567890", "", "Ayl\xc4\xb1k", COMPANY_KV,
		    COMPANY_MONTHLY },
		{ "1234567890", "", "AYLIK", COMPANY_KV, COMPANY_MONTHLY },
		{ "1234567890", "", "aylik", COMPANY_KV, COMPANY_MONTHLY },
		{ "1234567890", "", "quarterly", COMPANY_KV,
		    COMPANY_QUARTERLY },
		{ "1234567890", "", "Quarterly", COMPANY_KV,
		    COMPANY_QUARTERLY },
		{ "1234567890", "", "ge\xc3\xa7ici", COMPANY_KV,
		    COMPANY_QUARTERLY },
		{ "1234567890", "", "GE\xc3\x87\xc4\xb0" "C\xc4\xb0",
		    COMPANY_KV, COMPANY_QUARTERLY },
		{ "1234567890", "", "\xc3\xbc\xc3\xa7 ayl\xc4\xb1k", COMPANY_KV,
		    COMPANY_QUARTERLY },
		{ "1234567890", "", "3  Ayl\xc4\xb1k", COMPANY_KV,
		    COMPANY_QUARTERLY },
		{ "10000000146", "KV", "Ge\xc3\xa7ici", COMPANY_KV,
		    COMPANY_QUARTERLY },
	};
	static const char *const hdrs[] = {
		"vkn;name;emails;tax;schedule",
		"vkn;name;emails;Vergi T\xc3\xbcr\xc3\xbc;D\xc3\xb6nem",
		"vkn;name;emails;VERG\xc4\xb0 T\xc3\x9cR\xc3\x9c;D\xc3\x96NEM",
		"vkn;name;emails;vergi turu;donem",
	};
	struct companies l;
	const struct company *co;
	struct buf row = BUF_INIT;
	size_t	i, k;
	int	rc;

	for (k = 0; k < sizeof(hdrs) / sizeof(hdrs[0]); k++)
		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			buf_reset(&row);
			buf_printf(&row, "%s;A;a@b.example;%s;%s", t[i].id,
			    t[i].tax, t[i].sched);
			co = one(&l, hdrs[k], BUF_STR(&row));
			CHECK(co && co->tax == t[i].want_tax &&
			    co->schedule == t[i].want_sched && nerrs == 0,
			    "%s: %s '%s' '%s' -> %s, %s", hdrs[k] + 16,
			    t[i].id, t[i].tax, t[i].sched,
			    t[i].want_tax == COMPANY_GV ? "GV" : "KV",
			    t[i].want_sched == COMPANY_MONTHLY ? "monthly" :
			    "quarterly");
			companies_free(&l);
		}
	buf_free(&row);

	rc = LOAD(&l, "vkn;name;emails;tax;schedule\n"
	    "1234567890;A;a@b.example;GV;monthly\n"
	    "4540536920;B;a@b.example;XV;monthly\n"
	    "\n"
	    "1234567808;C;a@b.example;KV;yearly\n"
	    "10000000146;D;a@b.example;G V;\n"
	    "17291716060;E;a@b.example;;weekly\n");
	CHECK(rc == 0 && l.n == 1 && companies_find(&l, "1234567890"),
	    "bad tax and schedule values: rows skipped (%zu)", l.n);
	CHECK(has("companies.csv:3: unknown value 'XV' in 'tax' (GV or KV)\n"),
	    "bad tax reported with its line");
	CHECK(has("companies.csv:5: unknown value 'yearly' in 'schedule' "
	    "(monthly/ayl\xc4\xb1k or quarterly/ge\xc3\xa7ici)\n"),
	    "bad schedule reported with its line");
	CHECK(has("companies.csv:6: unknown value 'G V' in 'tax'"),
	    "'G V' is not GV");
	CHECK(has("companies.csv:7: unknown value 'weekly' in 'schedule'"),
	    "weekly is not a schedule");
	CHECK(nerrs == 4, "four reports (%d)", nerrs);
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
	test_aliases();
	test_turkish_header();
	test_cp1254_header();
	test_both_ids();
	test_active();
	test_tax_schedule();
	test_file();
	buf_free(&errs);
	return check_done();
}
