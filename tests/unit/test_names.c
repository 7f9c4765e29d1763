/*
 * test_names - e-Defter file names, ids, periods, ASCII folding.
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "names.h"

static int
parse(const char *s, struct edf_name *n)
{
	return edf_parse_name(s, strlen(s), n);
}

static void
test_ids(void)
{
	static const char *const vkn_ok[] = { "1234567890", "1234567808",
	    "4540536920" };
	static const char *const tckn_ok[] = { "10000000146", "17291716060" };
	size_t	i;

	for (i = 0; i < 3; i++)
		CHECK(edf_valid_vkn(vkn_ok[i], 10), "VKN %s valid", vkn_ok[i]);
	for (i = 0; i < 2; i++)
		CHECK(edf_valid_tckn(tckn_ok[i], 11), "TCKN %s valid",
		    tckn_ok[i]);
	CHECK(!edf_valid_vkn("9876543210", 10), "VKN 9876543210 invalid");
	CHECK(!edf_valid_vkn("1234567891", 10), "VKN with wrong check digit");
	CHECK(!edf_valid_vkn("123456789", 9), "VKN of 9 digits");
	CHECK(!edf_valid_vkn("12345678a0", 10), "VKN with a letter");
	CHECK(!edf_valid_tckn("00000000146", 11), "TCKN starting with 0");
	CHECK(!edf_valid_tckn("10000000147", 11), "TCKN with wrong d11");
	CHECK(!edf_valid_tckn("10000000156", 11), "TCKN with wrong d10");
	CHECK(edf_valid_id("1234567890", 10) && edf_valid_id("10000000146",
	    11), "edf_valid_id takes both");
	CHECK(!edf_valid_id("123456789012", 12), "12 digits is no id");
}

static void
test_types(void)
{
	static const struct {
		const char	*name;
		enum edf_type	 type;
	} t[] = {
		{ "1234567890-202501-Y-000000.xml", EDF_Y },
		{ "1234567890-202501-K-000000.xml", EDF_K },
		{ "1234567890-202501-YB-000000.xml", EDF_YB },
		{ "1234567890-202501-KB-000000.zip", EDF_KB },
		{ "10000000146-202503-DR-000000.xml", EDF_DR },
		{ "1234567890-202501-E-000000.xml", EDF_E },
		{ "1234567890-202512-EB-000000.zip", EDF_EB },
	};
	struct edf_name n;
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK(parse(t[i].name, &n) == EDF_OK && n.type == t[i].type &&
		    !n.gib && n.branch == -1, "%s is type %s", t[i].name,
		    edf_type_name(t[i].type));
	}
	CHECK(parse("1234567890-202501-Y-000000.xml", &n) == EDF_OK &&
	    !strcmp(n.id, "1234567890") && n.year == 2025 && n.month == 1 &&
	    n.part == 0 && n.ext == EDF_XML, "fields of a plain journal");
	CHECK(parse("10000000146-202503-DR-000000.xml", &n) == EDF_OK &&
	    !strcmp(n.id, "10000000146"), "TCKN id");
	CHECK(edf_is_berat(EDF_YB) && edf_is_berat(EDF_KB) &&
	    edf_is_berat(EDF_EB) && !edf_is_berat(EDF_Y) &&
	    !edf_is_berat(EDF_DR), "berat types");
}

static void
test_parts(void)
{
	struct edf_name n;

	CHECK(parse("GIB-1234567890-202501-KB-000000.zip", &n) == EDF_OK &&
	    n.gib && n.type == EDF_KB && n.ext == EDF_ZIP, "GIB- prefix");
	CHECK(parse("1234567890-202501-Y-000002.xml", &n) == EDF_OK &&
	    n.part == 2, "part 000002");
	CHECK(parse("1234567808-201901-YB-000000-0001.zip", &n) == EDF_OK &&
	    n.branch == 1 && n.year == 2019, "branch -0001");
	CHECK(parse("GIB-1234567808-201901-YB-000003-0012.xml", &n) == EDF_OK &&
	    n.gib && n.part == 3 && n.branch == 12, "GIB, part and branch");
}

static void
test_rejects(void)
{
	struct edf_name n;

	CHECK(parse("9876543210-202501-KB-000000.zip", &n) == EDF_BADID,
	    "bad VKN checksum reported as such");
	CHECK(!strcmp(n.id, "9876543210"), "bad id still named");
	CHECK(parse("1234567890-202513-KB-000000.zip", &n) == EDF_BADMONTH,
	    "month 13");
	CHECK(parse("1234567890-202500-KB-000000.zip", &n) == EDF_BADMONTH,
	    "month 00");
	CHECK(parse("1234567890-202501-KB-00000.zip", &n) == EDF_NOTEDEFTER,
	    "5-digit part");
	CHECK(parse("1234567890-202501-KB-000000-001.zip", &n) ==
	    EDF_NOTEDEFTER, "3-digit branch");
	CHECK(parse("1234567890-202501-XB-000000.zip", &n) == EDF_NOTEDEFTER,
	    "unknown type");
	CHECK(parse("1234567890-202501-KB-000000.pdf", &n) == EDF_NOTEDEFTER,
	    "pdf extension");
	CHECK(parse("1234567890-202501-KB-000000.zip.tmp", &n) ==
	    EDF_NOTEDEFTER, "trailing .tmp");
	CHECK(parse("x1234567890-202501-KB-000000.zip", &n) == EDF_NOTEDEFTER,
	    "junk before id");
	CHECK(parse("BERATLAR.ZIP", &n) == EDF_NOTEDEFTER, "aggregate zip");
	CHECK(parse("berat.xslt", &n) == EDF_NOTEDEFTER, "stylesheet");
	CHECK(parse("", &n) == EDF_NOTEDEFTER, "empty name");
	CHECK(edf_parse_name("1234567890-202501-KB-000000.zip", 20, &n) ==
	    EDF_NOTEDEFTER, "explicit length cuts the name");
	CHECK(edf_parse_name("1234567890-202501-KB-000000.zip\0x", 33, &n) ==
	    EDF_NOTEDEFTER, "NUL inside the name");
	CHECK(parse("1234567890-202501-KB-000000\n.zip", &n) == EDF_NOTEDEFTER,
	    "LF inside the name");
}

static void
test_case(void)
{
	struct edf_name n;
	/* U+0130 (İ) and U+0131 (ı) as UTF-8 */
	const char *dotted = "G\xc4\xb0" "B-1234567890-202501-KB-000000.zip";
	const char *dotless = "g\xc4\xb1" "b-1234567890-202501-KB-000000.zip";

	CHECK(parse("gib-1234567890-202501-kb-000000.ZIP", &n) == EDF_OK &&
	    n.gib && n.type == EDF_KB, "lower-case gib- and kb");
	CHECK(parse("Gib-1234567890-202501-yB-000000.Xml", &n) == EDF_OK &&
	    n.type == EDF_YB, "mixed case");
	if (setlocale(LC_ALL, "tr_TR.UTF-8") || setlocale(LC_ALL, "tr_TR"))
		CHECK(parse("gib-1234567890-202501-yb-000000.xml", &n) ==
		    EDF_OK && n.gib, "folding under a Turkish locale");
	else
		CHECK(parse("gib-1234567890-202501-yb-000000.xml", &n) ==
		    EDF_OK && n.gib, "folding (no tr_TR locale installed)");
	setlocale(LC_ALL, "C");
	CHECK(parse(dotted, &n) == EDF_NOTEDEFTER, "G\xc4\xb0" "B- is not GIB-");
	CHECK(parse(dotless, &n) == EDF_NOTEDEFTER, "g\xc4\xb1" "b- is not gib-");
	CHECK(ascii_tolower('I') == 'i' && ascii_toupper('i') == 'I' &&
	    ascii_tolower(0xc4) == 0xc4, "ASCII folding only");
	CHECK(ascii_strcasecmp("XML", "xml") == 0 &&
	    ascii_strcasecmp("xmi", "xml") != 0, "ascii_strcasecmp");
}

static void
test_periods(void)
{
	int	y, m;

	CHECK(edf_parse_period("2025-10", 7, &y, &m) == 0 && y == 2025 &&
	    m == 10, "2025-10");
	CHECK(edf_parse_period("2025-13", 7, &y, &m) < 0, "2025-13");
	CHECK(edf_parse_period("2025-00", 7, &y, &m) < 0, "2025-00");
	CHECK(edf_parse_period("2025-1", 6, &y, &m) < 0, "2025-1");
	CHECK(edf_parse_period("202510", 6, &y, &m) < 0, "202510");
	CHECK(edf_parse_period("1999-12", 7, &y, &m) < 0, "1999 too early");
	CHECK(edf_parse_period("2025-10\r", 8, &y, &m) < 0, "trailing CR");
}

/* near - the reason edf_near_miss() gives, and the stem it found */
static int
near(const char *s, char *stem, size_t n)
{
	size_t	off = 0, len = 0;
	int	why = edf_near_miss(s, strlen(s), &off, &len);

	snprintf(stem, n, "%.*s", why ? (int)len : 0, s + off);
	return why;
}

static void
test_near_miss(void)
{
	char	stem[64];

	CHECK(near("GIB-1234567890-202501-KB-000000 (1).zip", stem,
	    sizeof(stem)) == EDF_NEAR_COPY, "browser copy (1)");
	CHECK_STR(stem, "GIB-1234567890-202501-KB-000000", "its stem");
	CHECK(near("1234567890-202501-DR-000000 - Kopya.zip", stem,
	    sizeof(stem)) == EDF_NEAR_COPY, "Windows ' - Kopya'");
	CHECK(near("GIB-1234567890-202501-YB-000000 - Copy.xml", stem,
	    sizeof(stem)) == EDF_NEAR_COPY, "English ' - Copy'");
	CHECK(near("1234567890-202501-KB-000000.xml.zip", stem,
	    sizeof(stem)) == EDF_NEAR_DOUBLE_EXT, ".xml.zip");
	CHECK_STR(stem, "1234567890-202501-KB-000000", "stem of .xml.zip");
	CHECK(near("Kopya GIB-1234567890-202501-KB-000000.zip", stem,
	    sizeof(stem)) == EDF_NEAR_PREFIX, "text before the name");
	CHECK_STR(stem, "GIB-1234567890-202501-KB-000000", "stem after text");
	CHECK(near("GIB-1234567890-202501-KB-000000_eski.zip", stem,
	    sizeof(stem)) == EDF_NEAR_SUFFIX, "text after the name");
	CHECK(near("GIB-1234567890-202501-KB-000000-0001 (2).zip", stem,
	    sizeof(stem)) == EDF_NEAR_COPY, "branch berat copy");
	CHECK_STR(stem, "GIB-1234567890-202501-KB-000000-0001",
	    "branch kept in the stem");
	CHECK(near("GIB-1234567890-202501-KB-000000.zip", stem,
	    sizeof(stem)) == 0, "a GIB name is no near miss");
	CHECK(near("GIB-9876543210-202501-KB-000000.zip", stem,
	    sizeof(stem)) == 0, "a bad id is invalid, not a near miss");
	CHECK(near("GIB-1234567890-202501-KB-000000.pdf", stem,
	    sizeof(stem)) == 0, "a printout (.pdf) is left alone");
	CHECK(near("BERATLAR.ZIP", stem, sizeof(stem)) == 0, "a bundle");
	CHECK(near("berat.xslt", stem, sizeof(stem)) == 0, "a stylesheet");
	CHECK(near("91234567890-202501-KB-000000.zip", stem,
	    sizeof(stem)) == 0, "no stem inside a longer number");
	CHECK(near(".zip", stem, sizeof(stem)) == 0, "just an extension");
}

int
main(void)
{
	test_ids();
	test_near_miss();
	test_types();
	test_parts();
	test_rejects();
	test_case();
	test_periods();
	return check_done();
}
