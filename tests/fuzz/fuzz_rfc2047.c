/*
 * fuzz_rfc2047 - libFuzzer target for the RFC 2047 and RFC 2231 codecs.
 *
 * The first byte of the input chooses a charset, a parameter name and
 * how much of the first line is used; the rest is the text.  Every
 * decoder gets the text:
 *
 *	rfc2047_decode()	appends valid UTF-8; text without "=?" is
 *				what utf8_append_valid() makes of it
 *	utf8_append_valid()	keeps valid UTF-8, turns each other byte
 *				into U+FFFD, says LOSSY exactly then
 *	charset_to_utf8()	appends valid UTF-8 for any charset name
 *				(from a list, or from the input); UTF-8 is
 *				utf8_append_valid()
 *	rfc2231_get_param()	with each flag: valid UTF-8 unless RAW,
 *				nothing unless FOUND, the default reading
 *				the RFC 2231 one when there is one and the
 *				plain one otherwise
 *
 * and the longest valid UTF-8 prefix of the text makes round trips:
 * rfc2047_encode_words() then rfc2047_decode() (every line within 76
 * characters, every word within 75 and whole characters), and
 * rfc2231_encode() then rfc2231_get_param() with each flag (every line
 * within 76 characters).
 *
 *	clang -fsanitize=fuzzer,address,undefined -Ilib
 *	    tests/fuzz/fuzz_rfc2047.c lib/rfc2047.c lib/buf.c lib/names.c
 *	    lib/json.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "rfc2047.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define PREFIX		"kept:"		/* decoders append: it must stay */
#define PREFIX_LEN	5

static const char *const charsets[] = {
	"UTF-8", "us-ascii", "ISO-8859-9", "iso-8859-1", "latin5",
	"windows-1254", "cp1252", "ISO_8859-16", "iso-8859-12", "koi8-r",
	"GB2312", "big5", "shift_jis", "ISO-2022-JP", "EUC-KR", "cp857",
	"x-unknown", "", "utf-8*tr", "UTF-16",
};
#define NCHARSETS	(sizeof(charsets) / sizeof(charsets[0]))

static const char *const attrs[] = {
	"filename", "name", "boundary", "charset", "", "file", "x*",
};
#define NATTRS		(sizeof(attrs) / sizeof(attrs[0]))

/* fail - report and stop */
static void
fail(const char *what, const char *s, size_t n)
{
	fprintf(stderr, "%s: '%.*s'\n", what, (int)n, s);
	abort();
}

/* valid - the buffer, after PREFIX, is valid UTF-8 */
static void
valid(const struct buf *b, const char *what)
{
	if (b->len < PREFIX_LEN || memcmp(b->data, PREFIX, PREFIX_LEN) != 0)
		fail("prefix lost", what, strlen(what));
	if (utf8_valid_prefix(b->data, b->len) != b->len)
		fail("not UTF-8", what, strlen(what));
}

/* same - two buffers hold the same bytes */
static int
same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && (a->len == 0 ||
	    memcmp(a->data, b->data, a->len) == 0);
}

/* decoders - every decoder on the text */
static void
decoders(const char *s, size_t n, unsigned sel)
{
	struct buf a = BUF_INIT, b = BUF_INIT, c = BUF_INIT;
	const char *cs;
	size_t	v = utf8_valid_prefix(s, n), i, bad, cslen;
	int	rc;

	/* utf8_append_valid: valid bytes kept, each other one replaced */
	buf_set(&a, PREFIX, PREFIX_LEN);
	rc = utf8_append_valid(&a, s, n);
	valid(&a, "utf8_append_valid");
	if (rc != (v == n ? 0 : RFC2047_LOSSY))
		abort();
	for (i = 0, bad = 0; i < n; ) {
		size_t	k = utf8_valid_prefix(s + i, n - i);

		i += k;
		if (i < n)
			i++, bad++;
	}
	if (a.len != PREFIX_LEN + n - bad + 3 * bad)
		abort();
	if (v == n && memcmp(a.data + PREFIX_LEN, s, n) != 0)
		abort();

	/* rfc2047_decode */
	buf_set(&b, PREFIX, PREFIX_LEN);
	rc = rfc2047_decode(&b, s, n);
	valid(&b, "rfc2047_decode");
	if (rc & ~RFC2047_LOSSY)
		abort();
	if (memmem(s, n, "=?", 2) == NULL && (!same(&a, &b) ||
	    rc != (v == n ? 0 : RFC2047_LOSSY)))
		fail("text without words changed", s, n);

	/* charset_to_utf8, the charset from the list or the input */
	if (sel % (NCHARSETS + 1) < NCHARSETS) {
		cs = charsets[sel % (NCHARSETS + 1)];
		cslen = strlen(cs);
	} else {
		cs = s;
		for (cslen = 0; cslen < n && cslen < 70 && s[cslen] != '?';
		    cslen++)
			;
	}
	buf_set(&c, PREFIX, PREFIX_LEN);
	rc = charset_to_utf8(&c, cs, cslen, s, n);
	valid(&c, "charset_to_utf8");
	if (rc & ~RFC2047_LOSSY)
		abort();
	if (cs == charsets[0] && (rc != (v == n ? 0 : RFC2047_LOSSY) ||
	    !same(&a, &c)))
		abort();
	buf_free(&a);
	buf_free(&b);
	buf_free(&c);
}

/* params - rfc2231_get_param() with each flag on the text */
static void
params(const char *s, size_t n, unsigned sel)
{
	static const int flags[] = { 0, RFC2231_ONLY_PLAIN, RFC2231_ONLY_EXT,
	    RFC2231_RAW, RFC2231_RAW | RFC2231_ONLY_EXT,
	    RFC2231_RAW | RFC2231_ONLY_PLAIN };
	struct buf out[6];
	char	attr[17];
	int	rc[6];
	size_t	i, k;

	if ((sel >> 4) % (NATTRS + 1) < NATTRS)
		snprintf(attr, sizeof(attr), "%s", attrs[(sel >> 4) %
		    (NATTRS + 1)]);
	else {
		for (k = 0; k < n && k < 16 && s[k] != '\0' && s[k] != '=';
		    k++)
			;
		memcpy(attr, s, k);
		attr[k] = '\0';
	}
	for (i = 0; i < 6; i++) {
		struct buf *o = &out[i];

		memset(o, 0, sizeof(*o));
		buf_set(o, "junk", 4);		/* the value replaces it */
		rc[i] = rfc2231_get_param(o, s, n, attr, flags[i]);
		if (rc[i] < 0 || (rc[i] & ~(RFC2047_LOSSY | RFC2231_FOUND |
		    RFC2231_LIMIT)))
			abort();
		if (!(rc[i] & RFC2231_FOUND) && (o->len != 0 ||
		    (rc[i] & RFC2047_LOSSY)))
			fail("a value without FOUND", s, n);
		if (!(flags[i] & RFC2231_RAW) &&
		    utf8_valid_prefix(BUF_STR(o), o->len) != o->len)
			fail("parameter not UTF-8", s, n);
		if ((rc[i] & RFC2231_LIMIT) != (rc[0] & RFC2231_LIMIT))
			abort();
	}
	/* the default: the RFC 2231 form if there is one, else the plain */
	if (rc[2] & RFC2231_FOUND) {
		if (rc[0] != rc[2] || !same(&out[0], &out[2]) ||
		    rc[3] != rc[4] || !same(&out[3], &out[4]))
			fail("default is not the RFC 2231 reading", s, n);
	} else if (rc[0] != rc[1] || !same(&out[0], &out[1]) ||
	    rc[3] != rc[5] || !same(&out[3], &out[5]))
		fail("default is not the plain reading", s, n);
	for (i = 0; i < 6; i++)
		buf_free(&out[i]);
}

/* lines_ok - every line (CRLF SP folded) within 76 characters */
static void
lines_ok(const char *s, size_t n, size_t used, const char *what)
{
	const char *p = s, *e = s + n, *f;
	size_t	len, first = 1;

	for (;;) {
		f = memmem(p, (size_t)(e - p), "\r\n ", 3);
		len = (size_t)((f ? f : e) - p);
		if (first ? len > 0 && used + len > 76 : len + 1 > 76)
			fail(what, p, len);
		if (memchr(p, '\r', len) || memchr(p, '\n', len))
			fail(what, p, len);
		if (f == NULL)
			break;
		p = f + 3;
		first = 0;
	}
}

/* words_ok - every word within 75 characters and whole characters */
static void
words_ok(const struct buf *enc)
{
	struct buf one = BUF_INIT;
	const char *p = enc->data, *e = enc->data + enc->len, *w, *q;

	while ((w = memmem(p, (size_t)(e - p), "=?UTF-8?B?", 10)) != NULL) {
		if ((q = memmem(w + 10, (size_t)(e - w - 10), "?=", 2)) ==
		    NULL)
			abort();
		if (q + 2 - w > 75)
			fail("word too long", w, (size_t)(q + 2 - w));
		buf_reset(&one);
		if (rfc2047_decode(&one, w, (size_t)(q + 2 - w)) != 0)
			fail("word splits a character", w,
			    (size_t)(q + 2 - w));
		p = q + 2;
	}
	buf_free(&one);
}

/* encoders - round trips of the valid UTF-8 prefix */
static void
encoders(const char *s, size_t n, unsigned sel)
{
	static const char *const names[] = { "filename", "name" };
	static const int flags[] = { 0, RFC2231_ONLY_EXT, RFC2231_RAW };
	struct buf enc = BUF_INIT, dec = BUF_INIT, z = BUF_INIT;
	size_t	len = utf8_valid_prefix(s, n), used = sel % 90, k, i, j;
	int	rc;

	if (rfc2047_encode_words(&enc, s, len, used) != 0)
		abort();
	if (memmem(enc.data ? enc.data : "", enc.len, "=?", 2) != NULL) {
		lines_ok(BUF_STR(&enc), enc.len, used, "encoded line");
		words_ok(&enc);
	} else if (enc.len != len || memcmp(BUF_STR(&enc), s, len) != 0)
		fail("plain text changed", s, len);
	k = enc.len >= 3 && memcmp(enc.data, "\r\n ", 3) == 0 ? 3 : 0;
	rc = rfc2047_decode(&dec, BUF_STR(&enc) + k, enc.len - k);
	if (rc != 0 || dec.len != len || memcmp(BUF_STR(&dec), s, len) != 0)
		fail("encoded words do not decode back", s, len);

	/*
	 * RFC 2231: the text up to a NUL, at most 1000 bytes (some 60
	 * sections: the reader looks at RFC2231_MAX_SECTIONS), under two
	 * names
	 */
	k = strnlen(s, len < 1000 ? len : 1000);
	buf_set(&z, s, utf8_valid_prefix(s, k));
	for (i = 0; i < 2; i++) {
		buf_set(&enc, "attachment;\r\n ", 14);
		if (rfc2231_encode(&enc, names[i], BUF_STR(&z)) != 0)
			abort();
		lines_ok(enc.data + 14, enc.len - 14, 1, "parameter line");
		for (j = 0; j < 3; j++) {
			rc = rfc2231_get_param(&dec, enc.data, enc.len,
			    names[i], flags[j]);
			if (rc != RFC2231_FOUND || !same(&dec, &z))
				fail("parameter does not decode back",
				    BUF_STR(&z), z.len);
		}
		if (rfc2231_get_param(&dec, enc.data, enc.len, names[i],
		    RFC2231_ONLY_PLAIN) != 0)
			abort();
	}
	buf_free(&enc);
	buf_free(&dec);
	buf_free(&z);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data + 1;
	unsigned sel;

	if (size == 0)
		return 0;
	sel = data[0];
	decoders(s, size - 1, sel);
	params(s, size - 1, sel);
	encoders(s, size - 1, sel);
	return 0;
}
