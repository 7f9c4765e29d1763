/*
 * fuzz_mime - libFuzzer target for the MIME name reader and RFC 2047.
 *
 * The input is a message.  Its header is handed over field by field,
 * its body in chunks whose sizes come from the input's own bytes, and
 * again in one piece: both readings must report the same names and
 * flags, and every name must be UTF-8 without CR, LF or NUL.  The
 * limits are lowered for some inputs so that they are reached.  A
 * prefix of the input goes through the encoders, which must round-trip.
 *
 *	clang -fsanitize=fuzzer,address,undefined -Ilib tests/fuzz/fuzz_mime.c
 *	    lib/mime.c lib/rfc2047.c lib/buf.c lib/names.c lib/json.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "mime.h"
#include "rfc2047.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* collect - names joined with LF (no name holds one) */
static int
collect(const char *name, size_t len, void *arg)
{
	struct buf *b = arg;
	size_t	i;

	if (len == 0 || strlen(name) != len ||
	    utf8_valid_prefix(name, len) != len)
		abort();
	for (i = 0; i < len; i++)
		if (name[i] == '\r' || name[i] == '\n')
			abort();
	buf_add(b, name, len);
	buf_addc(b, '\n');
	return 0;
}

/* body_start - offset of the body: after the first empty line */
static size_t
body_start(const char *m, size_t len)
{
	size_t	i;

	for (i = 0; i + 1 < len; i++)
		if (m[i] == '\n' && (m[i + 1] == '\n' || (m[i + 1] == '\r' &&
		    i + 2 < len && m[i + 2] == '\n')))
			return m[i + 1] == '\r' ? i + 3 : i + 2;
	return len;
}

/* headers - hand the top-level fields over one by one */
static void
headers(struct mime_reader *r, const char *m, size_t hlen)
{
	struct buf name = BUF_INIT, value = BUF_INIT;
	size_t	i = 0, j, c;

	while (i < hlen) {
		for (j = i; j < hlen && (j == i || m[j - 1] != '\n' ||
		    m[j] == ' ' || m[j] == '\t'); j++)
			;
		for (c = i; c < j && m[c] != ':'; c++)
			;
		if (c < j) {
			buf_set(&name, m + i, c - i);
			buf_set(&value, m + c + 1, j - c - 1);
			mime_header(r, name.data, BUF_STR(&value));
		}
		i = j;
	}
	buf_free(&name);
	buf_free(&value);
}

/* next - a small generator seeded from the input */
static uint32_t
next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* reading - read the message, in one piece or in chunks */
static unsigned
reading(const char *m, size_t len, const struct mime_limits *lim,
    uint32_t seed, int chunked, struct buf *names)
{
	struct mime_reader *r;
	size_t	b = body_start(m, len), n;
	unsigned flags;

	if ((r = mime_new(lim, collect, names)) == NULL)
		abort();
	headers(r, m, b);
	if (chunked && seed & 1)
		mime_eoh(r);
	while (b < len) {
		n = len - b;
		if (chunked) {
			uint32_t x = next(&seed);

			n = x & 0x100 ? 1 + x % 8 : 1 + x % 512;
			if (n > len - b)
				n = len - b;
		}
		if (mime_body(r, (const unsigned char *)m + b, n) < 0)
			abort();
		b += n;
	}
	if (mime_end(r) < 0)
		abort();
	flags = mime_flags(r);
	mime_free(r);
	return flags;
}

/* encoders - round trips of a prefix of the input */
static void
encoders(const char *s, size_t len, size_t used)
{
	struct buf enc = BUF_INIT, dec = BUF_INIT, z = BUF_INIT;
	size_t	k;

	if (len > 300)
		len = 300;
	len = utf8_valid_prefix(s, len);
	rfc2047_encode_words(&enc, s, len, used);
	k = enc.len >= 3 && memcmp(enc.data, "\r\n ", 3) == 0 ? 3 : 0;
	rfc2047_decode(&dec, enc.data + k, enc.len - k);
	if (dec.len != len || memcmp(BUF_STR(&dec), s, len) != 0)
		abort();
	buf_set(&z, s, len);
	buf_set(&enc, "a;\r\n ", 5);
	rfc2231_encode(&enc, "filename", BUF_STR(&z));
	if (rfc2231_get_param(&dec, enc.data, enc.len, "filename", 0) !=
	    RFC2231_FOUND || strcmp(BUF_STR(&dec), BUF_STR(&z)) != 0)
		abort();
	buf_reset(&dec);
	rfc2047_decode(&dec, s, len);
	if (utf8_valid_prefix(BUF_STR(&dec), dec.len) != dec.len)
		abort();
	buf_free(&enc);
	buf_free(&dec);
	buf_free(&z);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf one = BUF_INIT, many = BUF_INIT;
	struct mime_limits lim = { 0, 0, 0 };
	const char *m = (const char *)data;
	uint32_t seed = 2166136261u;
	unsigned f1, f2;
	size_t	i;

	for (i = 0; i < size; i++)
		seed = (seed ^ data[i]) * 16777619u;
	if (seed == 0)
		seed = 1;
	if ((seed >> 24) % 4 == 0) {
		lim.max_depth = 1 + (seed >> 4) % 8;
		lim.max_field = 16 + (seed >> 8) % 256;
		lim.max_names = 1 + (seed >> 16) % 8;
	}
	f1 = reading(m, size, &lim, seed, 0, &one);
	f2 = reading(m, size, &lim, seed, 1, &many);
	if (f1 != f2 || one.len != many.len ||
	    memcmp(BUF_STR(&one), BUF_STR(&many), one.len) != 0)
		abort();
	encoders(m, size, size ? data[0] % 80 : 0);
	buf_free(&one);
	buf_free(&many);
	return 0;
}
