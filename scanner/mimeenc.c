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

#include "addr.h"
#include "json.h"
#include "mimeenc.h"
#include "names.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static char b64_pair[4096][2];		/* enc_b64_init() */
static pthread_once_t b64_once = PTHREAD_ONCE_INIT;

/* b64_len - encoded length of n bytes: lines of 76 plus CRLF each */
uint64_t
enc_b64_len(uint64_t n)
{
	return (n + 2) / 3 * 4 + (n + B64_IN - 1) / B64_IN * 2;
}

/* b64_init - the table of character pairs for every 12 bits */
static void
enc_b64_init(void)
{
	unsigned i;

	for (i = 0; i < 4096; i++) {
		b64_pair[i][0] = b64[i >> 6];
		b64_pair[i][1] = b64[i & 63];
	}
}

/*
 * b64_lines - encode k whole lines of 57 bytes into k * 78 characters:
 * nine steps of 6 bytes to 8 characters (four table pairs), then 3.
 */
void
enc_b64_lines(const unsigned char *in, size_t k, char *out)
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
