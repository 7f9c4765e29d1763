/*
 * mimeenc - the encoders of the MIME writer; see mimeenc.h.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "addr.h"
#include "json.h"
#include "mimeenc.h"
#include "names.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static char b64_pair[4096][2];		/* enc_b64_init() */
static pthread_once_t b64_once = PTHREAD_ONCE_INIT;

typedef void (*b64_lines_fn)(const unsigned char *, size_t, char *);

static void b64_lines_scalar(const unsigned char *, size_t, char *);
static b64_lines_fn b64_lines = b64_lines_scalar;
static int b64_impl = ENC_B64_SCALAR;

/* b64_len - encoded length of n bytes: lines of 76 plus CRLF each */
uint64_t
enc_b64_len(uint64_t n)
{
	return (n + 2) / 3 * 4 + (n + B64_IN - 1) / B64_IN * 2;
}

/*
 * b64_lines_scalar - k whole lines of 57 bytes into k * 78 characters:
 * nine steps of 6 bytes to 8 characters (four table pairs), then 3.
 */
static void
b64_lines_scalar(const unsigned char *in, size_t k, char *out)
{
	uint64_t v;
	uint32_t w;
	int	i;

	while (k-- > 0) {
		for (i = 0; i < 9; i++) {
			v = (uint64_t)in[0] << 40 | (uint64_t)in[1] << 32 |
			    (uint64_t)in[2] << 24 | (uint64_t)in[3] << 16 |
			    (uint64_t)in[4] << 8 | in[5];
			memcpy(out, b64_pair[v >> 36], 2);
			memcpy(out + 2, b64_pair[v >> 24 & 0xfff], 2);
			memcpy(out + 4, b64_pair[v >> 12 & 0xfff], 2);
			memcpy(out + 6, b64_pair[v & 0xfff], 2);
			in += 6;
			out += 8;
		}
		w = (uint32_t)in[0] << 16 | (uint32_t)in[1] << 8 | in[2];
		memcpy(out, b64_pair[w >> 12], 2);
		memcpy(out + 2, b64_pair[w & 0xfff], 2);
		out[4] = '\r';
		out[5] = '\n';
		in += 3;
		out += 6;
	}
}

#if defined(__x86_64__) || defined(__i386__)
/*
 * The vector encoders.  A 16-byte lane takes four groups of 3 bytes:
 * pshufb puts each group's bytes b0 b1 b2 into a 32-bit word as
 * b1 b0 b2 b1, two multiplies move the four 6-bit fields to the bottom
 * of the word's four bytes, and a 16-entry pshufb table turns each
 * field into its character by adding the distance from the field's
 * value to it ('A', 'a' - 26, '0' - 52, '+' - 62, '/' - 63), chosen by
 * a saturating subtract and one compare.  A line of 57 bytes is 24 + 24
 * + 12 bytes (AVX2) or 4 x 12 + 12 (SSSE3), the last 12 overlapping the
 * ones before by 3 bytes, so that no load reaches past the line.
 */
#define B64_TARGET_SSSE3	__attribute__((target("ssse3")))
#define B64_TARGET_AVX2		__attribute__((target("avx2")))

/* b64_fields128 - 6-bit fields of the 12 bytes pshufb v picked */
B64_TARGET_SSSE3 static inline __m128i
b64_fields128(__m128i v)
{
	__m128i hi, lo;

	hi = _mm_mulhi_epu16(_mm_and_si128(v, _mm_set1_epi32(0x0fc0fc00)),
	    _mm_set1_epi32(0x04000040));
	lo = _mm_mullo_epi16(_mm_and_si128(v, _mm_set1_epi32(0x003f03f0)),
	    _mm_set1_epi32(0x01000010));
	return _mm_or_si128(hi, lo);
}

/* b64_chars128 - 6-bit fields to characters */
B64_TARGET_SSSE3 static inline __m128i
b64_chars128(__m128i f)
{
	const __m128i shift = _mm_setr_epi8('a' - 26, '0' - 52, '0' - 52,
	    '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
	    '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0);
	__m128i r;

	r = _mm_subs_epu8(f, _mm_set1_epi8(51));
	r = _mm_or_si128(r, _mm_and_si128(_mm_cmpgt_epi8(_mm_set1_epi8(26),
	    f), _mm_set1_epi8(13)));
	return _mm_add_epi8(f, _mm_shuffle_epi8(shift, r));
}

/* b64_enc12 - 16 characters of in[at .. at + 12) from the load at in */
#define B64_MASK(at) _mm_setr_epi8((at) + 1, (at), (at) + 2, (at) + 1, \
	(at) + 4, (at) + 3, (at) + 5, (at) + 4, (at) + 7, (at) + 6, (at) + 8, \
	(at) + 7, (at) + 10, (at) + 9, (at) + 11, (at) + 10)

B64_TARGET_SSSE3 static inline void
b64_enc12(const unsigned char *in, __m128i mask, char *out)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)in);

	v = b64_chars128(b64_fields128(_mm_shuffle_epi8(v, mask)));
	_mm_storeu_si128((__m128i *)(void *)out, v);
}

/* b64_lines_ssse3 - enc_b64_lines with SSSE3 */
B64_TARGET_SSSE3 static void
b64_lines_ssse3(const unsigned char *in, size_t k, char *out)
{
	const __m128i m0 = B64_MASK(0), m4 = B64_MASK(4);

	while (k-- > 0) {
		b64_enc12(in, m0, out);
		b64_enc12(in + 12, m0, out + 16);
		b64_enc12(in + 24, m0, out + 32);
		b64_enc12(in + 36, m0, out + 48);
		b64_enc12(in + 41, m4, out + 60);	/* bytes 45..56 */
		out[76] = '\r';
		out[77] = '\n';
		in += B64_IN;
		out += B64_OUT;
	}
}

/* b64_enc24 - 32 characters of in[0 .. 24) (the load takes 32) */
B64_TARGET_AVX2 static inline void
b64_enc24(const unsigned char *in, char *out)
{
	const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 2, 3, 4, 5, 5);
	const __m256i mask = _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6,
	    8, 7, 10, 9, 11, 10, 1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11,
	    10);
	const __m256i shift = _mm256_setr_epi8('a' - 26, '0' - 52, '0' - 52,
	    '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
	    '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0, 'a' - 26,
	    '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
	    '0' - 52, '0' - 52, '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0,
	    0);
	__m256i v, f, r;

	v = _mm256_loadu_si256((const __m256i *)(const void *)in);
	v = _mm256_shuffle_epi8(_mm256_permutevar8x32_epi32(v, lanes), mask);
	f = _mm256_or_si256(_mm256_mulhi_epu16(_mm256_and_si256(v,
	    _mm256_set1_epi32(0x0fc0fc00)), _mm256_set1_epi32(0x04000040)),
	    _mm256_mullo_epi16(_mm256_and_si256(v,
	    _mm256_set1_epi32(0x003f03f0)), _mm256_set1_epi32(0x01000010)));
	r = _mm256_subs_epu8(f, _mm256_set1_epi8(51));
	r = _mm256_or_si256(r, _mm256_and_si256(_mm256_cmpgt_epi8(
	    _mm256_set1_epi8(26), f), _mm256_set1_epi8(13)));
	v = _mm256_add_epi8(f, _mm256_shuffle_epi8(shift, r));
	_mm256_storeu_si256((__m256i *)(void *)out, v);
}

/* b64_enc12_avx2 - b64_enc12 compiled for AVX2 (VEX, no transitions) */
B64_TARGET_AVX2 static inline void
b64_enc12_avx2(const unsigned char *in, __m128i mask, char *out)
{
	const __m128i shift = _mm_setr_epi8('a' - 26, '0' - 52, '0' - 52,
	    '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
	    '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0);
	__m128i v, f, r;

	v = _mm_loadu_si128((const __m128i *)(const void *)in);
	v = _mm_shuffle_epi8(v, mask);
	f = _mm_or_si128(_mm_mulhi_epu16(_mm_and_si128(v,
	    _mm_set1_epi32(0x0fc0fc00)), _mm_set1_epi32(0x04000040)),
	    _mm_mullo_epi16(_mm_and_si128(v, _mm_set1_epi32(0x003f03f0)),
	    _mm_set1_epi32(0x01000010)));
	r = _mm_subs_epu8(f, _mm_set1_epi8(51));
	r = _mm_or_si128(r, _mm_and_si128(_mm_cmpgt_epi8(_mm_set1_epi8(26),
	    f), _mm_set1_epi8(13)));
	v = _mm_add_epi8(f, _mm_shuffle_epi8(shift, r));
	_mm_storeu_si128((__m128i *)(void *)out, v);
}

/* b64_lines_avx2 - enc_b64_lines with AVX2 */
B64_TARGET_AVX2 static void
b64_lines_avx2(const unsigned char *in, size_t k, char *out)
{
	const __m128i m4 = B64_MASK(4);

	while (k-- > 0) {
		b64_enc24(in, out);
		b64_enc24(in + 24, out + 32);
		b64_enc12_avx2(in + 41, m4, out + 60);	/* bytes 45..56 */
		out[76] = '\r';
		out[77] = '\n';
		in += B64_IN;
		out += B64_OUT;
	}
}
#endif

/* enc_b64_lines - encode k whole lines of 57 bytes into k * 78 characters */
void
enc_b64_lines(const unsigned char *in, size_t k, char *out)
{
	b64_lines(in, k, out);
}

/* enc_b64_lines_with - the same with one implementation; -1 when this
 * CPU (or this build) has not got it */
int
enc_b64_lines_with(int impl, const unsigned char *in, size_t k, char *out)
{
	enc_init();
	switch (impl) {
	case ENC_B64_SCALAR:
		b64_lines_scalar(in, k, out);
		return 0;
#if defined(__x86_64__) || defined(__i386__)
	case ENC_B64_SSSE3:
		if (!__builtin_cpu_supports("ssse3"))
			return -1;
		b64_lines_ssse3(in, k, out);
		return 0;
	case ENC_B64_AVX2:
		if (!__builtin_cpu_supports("avx2"))
			return -1;
		b64_lines_avx2(in, k, out);
		return 0;
#endif
	default:
		return -1;
	}
}

/* enc_b64_impl - the implementation in use: "avx2", "ssse3" or "scalar" */
const char *
enc_b64_impl(void)
{
	enc_init();
	return b64_impl == ENC_B64_AVX2 ? "avx2" : b64_impl == ENC_B64_SSSE3 ?
	    "ssse3" : "scalar";
}

/* b64_init - the table of character pairs for every 12 bits; the
 * fastest encoder this CPU runs (EDEFTER_BASE64=scalar|ssse3 picks a
 * slower one, for comparisons) */
static void
enc_b64_init(void)
{
	const char *want = getenv("EDEFTER_BASE64");
	unsigned i;

	for (i = 0; i < 4096; i++) {
		b64_pair[i][0] = b64[i >> 6];
		b64_pair[i][1] = b64[i & 63];
	}
#if defined(__x86_64__) || defined(__i386__)
	__builtin_cpu_init();
	if (want && strcmp(want, "scalar") == 0)
		return;
	if (__builtin_cpu_supports("avx2") && !(want && strcmp(want,
	    "ssse3") == 0)) {
		b64_lines = b64_lines_avx2;
		b64_impl = ENC_B64_AVX2;
	} else if (__builtin_cpu_supports("ssse3")) {
		b64_lines = b64_lines_ssse3;
		b64_impl = ENC_B64_SSSE3;
	}
#else
	(void)want;
#endif
}

/* b64_short - encode one line of n <= 57 bytes, padded; its length */
size_t
enc_b64_short(const unsigned char *in, size_t n, char *out)
{
	char	*o = out;
	uint32_t v;

	for (; n >= 3; n -= 3, in += 3, o += 4) {
		v = (uint32_t)in[0] << 16 | (uint32_t)in[1] << 8 | in[2];
		o[0] = b64[v >> 18];
		o[1] = b64[v >> 12 & 63];
		o[2] = b64[v >> 6 & 63];
		o[3] = b64[v & 63];
	}
	if (n > 0) {
		v = (uint32_t)in[0] << 16 | (n > 1 ? (uint32_t)in[1] << 8 : 0);
		o[0] = b64[v >> 18];
		o[1] = b64[v >> 12 & 63];
		o[2] = n > 1 ? b64[v >> 6 & 63] : '=';
		o[3] = '=';
		o += 4;
	}
	o[0] = '\r';
	o[1] = '\n';
	return (size_t)(o + 2 - out);
}

/* b64_buf - base64 of a short string, no line breaks */
int
enc_b64_buf(struct buf *b, const char *s, size_t n)
{
	char	tmp[B64_OUT];
	size_t	k;

	while (n > 0) {
		k = n < B64_IN ? n : B64_IN;
		if (buf_add(b, tmp, enc_b64_short((const unsigned char *)s, k,
		    tmp) - 2) < 0)
			return -1;
		s += k;
		n -= k;
	}
	return 0;
}

/* column - octets on the last line of b */
size_t
enc_column(const struct buf *b)
{
	size_t	i = b->len;

	while (i > 0 && b->data[i - 1] != '\n')
		i--;
	return b->len - i;
}

/* u8len - length of the UTF-8 character led by c (input is valid) */
static size_t
enc_u8len(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

/* text_ok - valid UTF-8 without control characters */
int
enc_text_ok(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ' || s[i] == 0x7f)
			return 0;
	return utf8_valid_prefix(s, n) == n;
}

/* plain_ok - printable ASCII that needs no encoding in a quoted string */
int
enc_plain_ok(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i] < ' ' || s[i] > '~' || s[i] == '"' || s[i] == '\\' ||
		    (s[i] == '=' && i + 1 < n && s[i + 1] == '?'))
			return 0;
	return 1;
}

/*
 * words - UTF-8 text as RFC 2047 "B" encoded words on the current line
 * and continuation lines, reserve octets kept free on each line.
 */
int
enc_words(struct buf *b, const char *s, size_t n, size_t reserve)
{
	size_t	col = enc_column(b), room, max, take, k;

	while (n > 0) {
		room = col + reserve < LINE_MAX_OCTETS ?
		    LINE_MAX_OCTETS - reserve - col : 0;
		if (room > WORD_MAX)
			room = WORD_MAX;
		max = room > 12 ? (room - 12) / 4 * 3 : 0;
		for (take = 0; take < n; take += k) {
			k = enc_u8len((unsigned char)s[take]);
			if (take + k > max)
				break;
		}
		if (take == 0) {
			if (col <= 1)
				return -1;	/* cannot happen: room >= 63 */
			if (buf_add(b, "\r\n ", 3) < 0)
				return -1;
			col = 1;
			continue;
		}
		if (buf_adds(b, "=?UTF-8?B?") < 0 || enc_b64_buf(b, s, take) < 0 ||
		    buf_adds(b, "?=") < 0)
			return -1;
		s += take;
		n -= take;
		if (n > 0 && buf_add(b, "\r\n ", 3) < 0)
			return -1;
		col = 1;
	}
	return 0;
}

/* attr_char - may stand unencoded in an RFC 2231 value (RFC 5987) */
int
enc_attr_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c && strchr("!#$&+-.^_`|~", c));
}

/* pct_len - RFC 2231 length of one UTF-8 character */
static size_t
enc_pct_len(const char *s, size_t k)
{
	return k == 1 && enc_attr_char((unsigned char)*s) ? 1 : 3 * k;
}

/*
 * param_2231 - ";" and " param*=utf-8''..." on a new line, or sections
 * param*0*=, param*1*=, ... one a line when it does not fit one line.
 */
int
enc_param_2231(struct buf *b, const char *param, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t	i, j, k, len = 0, start, sect, col;
	int	one;

	for (i = 0; i < n; i += k) {
		k = enc_u8len((unsigned char)s[i]);
		len += enc_pct_len(s + i, k);
	}
	one = 1 + strlen(param) + 9 + len <= LINE_MAX_OCTETS;
	for (i = 0, sect = 0; i < n; sect++) {
		start = b->len;
		if (buf_printf(b, ";\r\n %s*", param) < 0 ||
		    (!one && buf_printf(b, "%zu*", sect) < 0) ||
		    buf_adds(b, sect == 0 ? "=utf-8''" : "=") < 0)
			return -1;
		col = b->len - start - 3;
		for (; i < n; i += k) {
			k = enc_u8len((unsigned char)s[i]);
			/* Room for this character and a ';' after it. */
			if (!one && col + enc_pct_len(s + i, k) + 1 >
			    LINE_MAX_OCTETS)
				break;
			col += enc_pct_len(s + i, k);
			if (enc_pct_len(s + i, k) == 1) {
				if (buf_addc(b, s[i]) < 0)
					return -1;
				continue;
			}
			for (j = i; j < i + k; j++) {
				unsigned char c = (unsigned char)s[j];

				if (buf_addc(b, '%') < 0 ||
				    buf_addc(b, hex[c >> 4]) < 0 ||
				    buf_addc(b, hex[c & 15]) < 0)
					return -1;
			}
		}
	}
	return 0;
}

/* qp - text as quoted-printable, lines ending in CRLF, <= 76 columns */
int
enc_qp(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t	col = 0, tok;
	int	last, enc, rc = 0;

	while (*p && rc == 0) {
		if (*p == '\r' || *p == '\n') {
			p += *p == '\r' && p[1] == '\n' ? 2 : 1;
			rc = buf_add(b, "\r\n", 2);
			col = 0;
			continue;
		}
		last = p[1] == '\0' || p[1] == '\r' || p[1] == '\n';
		/* '.' and "From " start no line: safe for SMTP and mbox. */
		enc = *p == '=' || *p > '~' || (*p < ' ' && *p != '\t') ||
		    ((*p == ' ' || *p == '\t') && last) ||
		    (col == 0 && *p == '.') ||
		    (col == 0 && strncmp((const char *)p, "From ", 5) == 0);
		tok = enc ? 3 : 1;
		if (col + tok > (last ? 76u : 75u)) {
			rc = buf_add(b, "=\r\n", 3);
			col = 0;
			continue;
		}
		if (enc) {
			rc |= buf_addc(b, '=');
			rc |= buf_addc(b, hex[*p >> 4]);
			rc |= buf_addc(b, hex[*p & 15]);
		} else
			rc = buf_addc(b, *p);
		col += tok;
		p++;
	}
	return rc;
}

/* enc_init - the base64 tables, once */
void
enc_init(void)
{
	pthread_once(&b64_once, enc_b64_init);
}
