/*
 * test_rfc2047 - encoded words, RFC 2231 parameters, charsets, encoders.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "json.h"
#include "rfc2047.h"

#define S_SIRKET	"\xc5\x9eirket_Ocak.zip"	/* Şirket_Ocak.zip */
#define S_ISTANBUL	"\xc4\xb0stanbul_\xc4\xb1.zip"	/* İstanbul_ı.zip */
#define S_FFFD		"\xef\xbf\xbd"

static struct buf out = BUF_INIT;

/* dec - rfc2047_decode of a C string into out; returns the result */
static int
dec(const char *s)
{
	buf_reset(&out);
	return rfc2047_decode(&out, s, strlen(s));
}

/* param - rfc2231_get_param of a C string into out */
static int
param(const char *value, const char *attr, int flags)
{
	return rfc2231_get_param(&out, value, strlen(value), attr, flags);
}

static void
test_words(void)
{
	int	rc;

	rc = dec("=?UTF-8?B?xZ5pcmtldF9PY2FrLnppcA==?=");
	CHECK_STR(BUF_STR(&out), S_SIRKET, "B word, UTF-8");
	CHECK(rc == 0, "B word is not lossy");
	dec("=?utf-8?q?=C5=9Eirket=5FOcak.zip?=");
	CHECK_STR(BUF_STR(&out), S_SIRKET, "Q word, UTF-8, =5F");
	dec("=?utf-8?Q?=C5=9Eirket_Ocak.zip?=");
	CHECK_STR(BUF_STR(&out), "\xc5\x9eirket Ocak.zip", "Q _ is a space");
	dec("=?ISO-8859-9?Q?=DEirket=5FOcak.zip?=");
	CHECK_STR(BUF_STR(&out), S_SIRKET, "Q word, ISO-8859-9");
	dec("=?iso-8859-9?B?3XN0YW5idWxf/S56aXA=?=");
	CHECK_STR(BUF_STR(&out), S_ISTANBUL,
	    "B word, ISO-8859-9 (I dot, dotless i)");
	dec("=?windows-1254?Q?=DD=FD=80?=");
	CHECK_STR(BUF_STR(&out), "\xc4\xb0\xc4\xb1\xe2\x82\xac",
	    "Windows-1254 with euro");
	dec("=?CP1254?Q?=DEirket?=");
	CHECK_STR(BUF_STR(&out), "\xc5\x9eirket", "CP1254 alias");
	dec("=?utf-8*tr?q?=C4=B0?=");
	CHECK_STR(BUF_STR(&out), "\xc4\xb0", "charset with *language");
	dec("=?iso-8859-1?q?caf=E9?=");
	CHECK_STR(BUF_STR(&out), "caf\xc3\xa9", "ISO-8859-1");
	dec("=?us-ascii?q?plain?=");
	CHECK_STR(BUF_STR(&out), "plain", "US-ASCII");

	dec("a =?utf-8?q?b?= c");
	CHECK_STR(BUF_STR(&out), "a b c",
	    "text around a word keeps its spaces");
	dec("=?utf-8?q?a?= \r\n\t =?utf-8?q?b?=");
	CHECK_STR(BUF_STR(&out), "ab", "white space between words is dropped");
	dec("=?utf-8?B?xQ==?= =?utf-8?B?ng==?=irket");
	CHECK_STR(BUF_STR(&out), "\xc5\x9eirket",
	    "a character split across words");
	dec("=?utf-8?q?a?= =?iso-8859-9?q?=FD?=");
	CHECK_STR(BUF_STR(&out), "a\xc4\xb1", "adjacent words in two charsets");
	dec("x=?utf-8?q?y?=z");
	CHECK_STR(BUF_STR(&out), "xyz", "a word glued to text is decoded");
	dec("\"=?UTF-8?B?xLDEsQ==?=\"");
	CHECK_STR(BUF_STR(&out), "\"\xc4\xb0\xc4\xb1\"",
	    "a word inside quotes");
	dec("=?utf-8?b?xLDE sQ=?=");
	CHECK_STR(BUF_STR(&out), "\xc4\xb0\xc4\xb1",
	    "B with a stray space and short padding");

	dec("=?utf-8?x?abc?=");
	CHECK_STR(BUF_STR(&out), "=?utf-8?x?abc?=",
	    "unknown encoding stays text");
	dec("=?utf-8?q?abc");
	CHECK_STR(BUF_STR(&out), "=?utf-8?q?abc",
	    "unterminated word stays text");
	dec("=??q?a?=");
	CHECK_STR(BUF_STR(&out), "=??q?a?=", "empty charset stays text");
	dec("=?*tr?q?a?=");
	CHECK_STR(BUF_STR(&out), "=?*tr?q?a?=", "language only stays text");
	dec("=?utf-8?q?\?=");
	CHECK_STR(BUF_STR(&out), "", "empty word");
	dec("=?utf-8?q?=ZZ=4?=");
	CHECK_STR(BUF_STR(&out), "=ZZ=4", "bad Q escapes kept");
	rc = dec("=?x-unknown?q?abc=FF?=");
	CHECK_STR(BUF_STR(&out), "abc" S_FFFD,
	    "unknown charset: bytes kept, invalid replaced");
	CHECK(rc == RFC2047_LOSSY, "unknown charset is lossy");
	rc = dec("=?../../etc/passwd?q?a?=");
	CHECK_STR(BUF_STR(&out), "a", "a path as charset is unknown");
	CHECK(rc == RFC2047_LOSSY, "and lossy");
	rc = dec("=?utf-8?q?a=FFb?=");
	CHECK_STR(BUF_STR(&out), "a" S_FFFD "b",
	    "invalid UTF-8 in a word replaced");
	CHECK(rc == RFC2047_LOSSY, "invalid UTF-8 is lossy");
	rc = dec("=?windows-1254?q?=81?=");
	CHECK_STR(BUF_STR(&out), S_FFFD,
	    "byte undefined in Windows-1254 replaced");
	CHECK(rc == RFC2047_LOSSY, "undefined byte is lossy");
	dec("raw \xff text");
	CHECK_STR(BUF_STR(&out), "raw " S_FFFD " text",
	    "invalid UTF-8 text replaced");
	buf_reset(&out);
	rfc2047_decode(&out, "=?utf-8?q?a=00b?=", 17);
	CHECK(out.len == 3 && memcmp(out.data, "a\0b", 3) == 0,
	    "=00 decodes to NUL");
	buf_reset(&out);
	rfc2047_decode(&out, "a\0=?utf-8?q?c?=", 15);
	CHECK(out.len == 3 && memcmp(out.data, "a\0c", 3) == 0, "NUL in input");
}

static void
test_charsets(void)
{
	static const struct {
		const char *cs, *in, *want;
	} t[] = {
		{ "UTF-8", "\xc5\x9e", "\xc5\x9e" },
		{ "utf8", "a", "a" },
		{ "US-ASCII", "abc", "abc" },
		{ "ISO-8859-9", "\xdd\xfd\xde\xfe\xd0\xf0",
		    "\xc4\xb0\xc4\xb1\xc5\x9e\xc5\x9f\xc4\x9e\xc4\x9f" },
		{ "iso8859-9", "\xdd", "\xc4\xb0" },
		{ "latin5", "\xfd", "\xc4\xb1" },
		{ "Windows-1254", "\xdd\xfd\x80",
		    "\xc4\xb0\xc4\xb1\xe2\x82\xac" },
		{ "ISO-8859-1", "\xe9\xfd", "\xc3\xa9\xc3\xbd" },
		{ "latin1", "\xe9", "\xc3\xa9" },
		{ "ISO-8859-15", "\xa4", "\xe2\x82\xac" },
		{ "iso-8859-99", "a\xe9", "a" S_FFFD },
		{ "", "\xc4\xb0", "\xc4\xb0" },
	};
	size_t	i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&out);
		charset_to_utf8(&out, t[i].cs, strlen(t[i].cs), t[i].in,
		    strlen(t[i].in));
		CHECK_STR(BUF_STR(&out), t[i].want, "charset '%s'", t[i].cs);
	}
}

static void
test_params(void)
{
	char	*big;
	size_t	i;
	int	rc;

	rc = param("attachment; filename*=utf-8''%C5%9Eirket_Ocak.zip",
	    "filename", 0);
	CHECK_STR(BUF_STR(&out), S_SIRKET, "RFC 2231 utf-8");
	CHECK(rc == RFC2231_FOUND, "found, not lossy");
	param("attachment; filename*=iso-8859-9'tr'%DEirket_Ocak.zip",
	    "filename", 0);
	CHECK_STR(BUF_STR(&out), S_SIRKET, "RFC 2231 iso-8859-9 with language");
	param("attachment; filename*=windows-1254''%DDstanbul_%FD.zip",
	    "filename", 0);
	CHECK_STR(BUF_STR(&out), S_ISTANBUL, "RFC 2231 windows-1254");
	param("attachment; filename*0*=utf-8'tr'%C4%B0; filename*1=stanbul_;"
	    " filename*2*=%C4%B1.zip", "filename", 0);
	CHECK_STR(BUF_STR(&out), S_ISTANBUL, "continuations, mixed forms");
	param("attachment;\r\n filename*0*=utf-8''%C4;\r\n filename*1*=%B0x",
	    "filename", 0);
	CHECK_STR(BUF_STR(&out), "\xc4\xb0x",
	    "a character split across sections, folds");
	param("a; name*1=\"b\"; name*0=\"a\"", "name", 0);
	CHECK_STR(BUF_STR(&out), "ab", "sections out of order");
	rc = param("a; name*0=a; name*2=c", "name", 0);
	CHECK_STR(BUF_STR(&out), "a", "a missing section ends the value");
	CHECK(rc == (RFC2231_FOUND | RFC2047_LOSSY), "and is lossy");
	rc = param("a; name*1=b", "name", 0);
	CHECK(rc == 0, "no section 0: not found");
	param("a; name*0=\"=?utf-8?B?xLDEsQ==?=\"", "name", 0);
	CHECK_STR(BUF_STR(&out), "\xc4\xb0\xc4\xb1",
	    "RFC 2047 inside plain sections");
	param("a; name*=\"utf-8''%C4%B0\"", "name", 0);
	CHECK_STR(BUF_STR(&out), "\xc4\xb0", "quoted RFC 2231 value");
	param("a; name*=%C4%B0", "name", 0);
	CHECK_STR(BUF_STR(&out), "\xc4\xb0", "RFC 2231 value without charset");
	rc = param("a; name*=x-foo''%FFa", "name", 0);
	CHECK_STR(BUF_STR(&out), S_FFFD "a", "unknown charset in RFC 2231");
	CHECK(rc & RFC2047_LOSSY, "is lossy");
	param("a; name*=utf-8''100%", "name", 0);
	CHECK_STR(BUF_STR(&out), "100%", "stray percent kept");

	param("application/octet-stream;"
	    " name=\"=?UTF-8?B?xZ5pcmtldF9PY2FrLnppcA==?=\"",
	    "name", 0);
	CHECK_STR(BUF_STR(&out), S_SIRKET,
	    "Outlook: RFC 2047 in a quoted name");
	param("a; name==?utf-8?Q?=C4=B0?=", "name", 0);
	CHECK_STR(BUF_STR(&out), "\xc4\xb0", "RFC 2047 in an unquoted name");
	param("attachment; filename=\"a \\\"b\\\".zip\"", "filename", 0);
	CHECK_STR(BUF_STR(&out), "a \"b\".zip", "quoted-pair escapes");
	param("attachment; filename=my file.zip  ; size=3", "filename", 0);
	CHECK_STR(BUF_STR(&out), "my file.zip", "unquoted value with a space");
	param("attachment; FileName = \"X.ZIP\"", "filename", 0);
	CHECK_STR(BUF_STR(&out), "X.ZIP", "attribute case and spaces");
	param("attachment; xfilename=\"a\"; filenames=\"c\"; filename=\"b\"",
	    "filename", 0);
	CHECK_STR(BUF_STR(&out), "b", "attribute not matched by prefix");
	param("a; name=\"a;b.zip\"; x=y", "name", 0);
	CHECK_STR(BUF_STR(&out), "a;b.zip", "semicolon inside quotes");
	param("a; name=\"abc", "name", 0);
	CHECK_STR(BUF_STR(&out), "abc", "unterminated quote");
	param("a; name=\"first\"; name=\"second\"", "name", 0);
	CHECK_STR(BUF_STR(&out), "first", "the first of two wins");
	rc = param("attachment", "filename", 0);
	CHECK(rc == 0, "no parameters");
	rc = param("attachment; filename; size=3", "filename", 0);
	CHECK(rc == 0, "attribute without value");

	param("a; name=\"plain.zip\"; name*=utf-8''ext.zip", "name", 0);
	CHECK_STR(BUF_STR(&out), "ext.zip", "RFC 2231 wins by default");
	param("a; name=\"plain.zip\"; name*=utf-8''ext.zip", "name",
	    RFC2231_ONLY_PLAIN);
	CHECK_STR(BUF_STR(&out), "plain.zip", "RFC2231_ONLY_PLAIN");
	rc = param("a; name=\"plain.zip\"", "name", RFC2231_ONLY_EXT);
	CHECK(rc == 0, "RFC2231_ONLY_EXT without the form");
	param("multipart/mixed; boundary=\"=?x?q?y?=\\\"z\"", "boundary",
	    RFC2231_RAW);
	CHECK_STR(BUF_STR(&out), "=?x?q?y?=\"z", "RFC2231_RAW keeps words");

	big = malloc(20000);
	strcpy(big, "a");
	for (i = 0; i < 150; i++)
		strcat(big, "; p=1");
	strcat(big, "; name=x");
	rc = param(big, "name", 0);
	CHECK(rc == RFC2231_LIMIT, "too many parameters: limit, not found");
	rc = param("a; name*0=x; name*200=y", "name", 0);
	CHECK(rc == (RFC2231_FOUND | RFC2231_LIMIT),
	    "section number over the limit");
	CHECK_STR(BUF_STR(&out), "x", "and the rest is read");
	free(big);
}

/* check_words - lines of encoded words: sizes and whole characters */
static int
check_words(const char *s, size_t first)
{
	const char *line = s, *nl, *w, *we;
	size_t	ll, used = first;
	struct buf one = BUF_INIT;
	int	ok = 1;

	for (;;) {
		nl = strstr(line, "\r\n");
		ll = nl ? (size_t)(nl - line) : strlen(line);
		if (ll > 0 && used + ll > 76)
			ok = 0;
		for (w = line; (w = strstr(w, "=?")) != NULL && w < line + ll;
		    w = we) {
			we = strstr(w + 10, "?=");
			if (we == NULL || (size_t)(we + 2 - w) > 75)
				return 0;
			we += 2;
			buf_reset(&one);
			rfc2047_decode(&one, w, (size_t)(we - w));
			if (utf8_valid_prefix(one.data, one.len) != one.len)
				ok = 0;
		}
		if (nl == NULL)
			break;
		line = nl + 2;
		if (*line != ' ')
			ok = 0;
		used = 0;
	}
	buf_free(&one);
	return ok;
}

/* rand_text - a string of Turkish letters, ASCII and spaces */
static size_t
rand_text(char *s, size_t max, unsigned *seed)
{
	static const char *const piece[] = { "a", "Z", " ", "_", ".",
	    "\xc4\xb0", "\xc4\xb1", "\xc5\x9e", "\xc5\x9f", "\xc4\x9e",
	    "\xc3\xbc", "\xe2\x82\xac", "\xf0\x9f\x93\x8e", "=?", "%", "'" };
	size_t	n = 0, l, want;
	const char *p;

	*seed = *seed * 1103515245 + 12345;
	want = (*seed >> 8) % max;
	while (n < want) {
		*seed = *seed * 1103515245 + 12345;
		p = piece[(*seed >> 8) % (sizeof(piece) / sizeof(piece[0]))];
		l = strlen(p);
		if (n + l >= max)
			break;
		memcpy(s + n, p, l);
		n += l;
	}
	s[n] = '\0';
	return n;
}

static void
test_encoders(void)
{
	struct buf enc = BUF_INIT, val = BUF_INIT;
	char	s[400];
	unsigned seed = 42;
	size_t	i, n, k;
	int	ok_rt = 1, ok_w = 1, ok_p = 1, ok_l = 1;

	rfc2047_encode_words(&enc, "Plain subject, 100%", 19, 9);
	CHECK_STR(BUF_STR(&enc), "Plain subject, 100%",
	    "plain ASCII unchanged");
	buf_reset(&enc);
	rfc2047_encode_words(&enc, "a=?b", 4, 9);
	CHECK(strncmp(BUF_STR(&enc), "=?UTF-8?B?", 10) == 0, "=? is encoded");
	buf_reset(&enc);
	rfc2047_encode_words(&enc, S_SIRKET, strlen(S_SIRKET), 9);
	CHECK_STR(BUF_STR(&enc), "=?UTF-8?B?xZ5pcmtldF9PY2FrLnppcA==?=",
	    "Turkish name as one B word");
	buf_reset(&enc);
	rfc2047_encode_words(&enc, S_SIRKET, strlen(S_SIRKET), 70);
	CHECK(strncmp(BUF_STR(&enc), "\r\n =?UTF-8?B?", 13) == 0,
	    "no room on the first line: folded first");
	buf_reset(&enc);
	rfc2047_encode_words(&enc, "a\tb", 3, 0);
	CHECK(strncmp(BUF_STR(&enc), "=?UTF-8?B?", 10) == 0,
	    "a TAB is encoded");

	buf_reset(&enc);
	rfc2231_encode(&enc, "filename", S_SIRKET);
	CHECK_STR(BUF_STR(&enc), "filename*=utf-8''%C5%9Eirket_Ocak.zip",
	    "RFC 2231 encoding");
	buf_reset(&enc);
	rfc2231_encode(&enc, "filename", "a b'c%*.zip");
	CHECK_STR(BUF_STR(&enc), "filename*=utf-8''a%20b%27c%25%2A.zip",
	    "RFC 2231 specials encoded");
	buf_reset(&enc);
	for (i = 0, n = 0; i < 30; i++, n += 2)
		memcpy(s + n, "\xc5\x9f", 2);
	s[n] = '\0';
	rfc2231_encode(&enc, "filename", s);
	CHECK(strncmp(BUF_STR(&enc), "filename*0*=utf-8''%C5%9F", 25) == 0 &&
	    strstr(BUF_STR(&enc), ";\r\n filename*1*=%C5%9F") != NULL,
	    "long value in sections");

	for (i = 0; i < 3000; i++) {
		n = rand_text(s, i < 100 ? 40 : sizeof(s), &seed);
		buf_reset(&enc);
		rfc2047_encode_words(&enc, s, n, i % 80);
		if (strstr(BUF_STR(&enc), "=?UTF-8?B?") != NULL &&
		    !check_words(BUF_STR(&enc), i % 80)) {
			if (ok_w)
				printf("# words '%s' %zu\n", BUF_STR(&enc),
				    i % 80);
			ok_w = 0;
		}
		buf_reset(&val);
		k = strncmp(BUF_STR(&enc), "\r\n ", 3) == 0 ? 3 : 0;
		rfc2047_decode(&val, enc.data + k, enc.len - k);
		if (val.len != n || memcmp(BUF_STR(&val), s, n) != 0) {
			if (ok_rt)
				printf("# in  '%s'\n# enc '%s'\n# out '%s'\n",
				    s, BUF_STR(&enc), BUF_STR(&val));
			ok_rt = 0;
		}

		buf_reset(&enc);
		buf_adds(&enc, "attachment;\r\n ");
		rfc2231_encode(&enc, "filename", s);
		{
			const char *l = enc.data, *e;

			while ((e = strstr(l, "\r\n")) != NULL) {
				if (e - l > 76)
					ok_l = 0;
				l = e + 2;
			}
			if (strlen(l) > 76)
				ok_l = 0;
		}
		if (rfc2231_get_param(&val, enc.data, enc.len, "filename",
		    0) != RFC2231_FOUND || strcmp(BUF_STR(&val), s) != 0)
			ok_p = 0;
	}
	CHECK(ok_rt, "RFC 2047 round trip of 3000 strings");
	CHECK(ok_w, "words of at most 75, lines of 76, whole characters");
	CHECK(ok_p, "RFC 2231 round trip of 3000 strings");
	CHECK(ok_l, "RFC 2231 lines of at most 76");
	buf_free(&enc);
	buf_free(&val);
}

int
main(void)
{
	test_words();
	test_charsets();
	test_params();
	test_encoders();
	buf_free(&out);
	return check_done();
}
