/*
 * rfc2047 - MIME encoded words, parameter values and charsets; see
 * rfc2047.h.
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "names.h"
#include "rfc2047.h"

#define REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD */
#define CHARSET_MAX	64		/* longest charset name looked up */
#define WORD_MAX	75		/* RFC 2047 encoded word */
#define LINE_MAX_CHARS	76		/* a line holding encoded words */
#define WORD_OVERHEAD	12		/* =?UTF-8?B? and ?= */
#define PARAM_LINE	72		/* one RFC 2231 section, written */

struct word {
	const char	*cs;		/* charset, without *lang */
	size_t		 cslen;
	int		 enc;		/* 'b' or 'q' */
	const char	*text;
	size_t		 tlen;
	size_t		 len;		/* the whole word */
};

struct sect {
	const char	*p;
	size_t		 n;
	unsigned char	 set, ext, quoted;
};

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * Charsets we convert, keyed by the name folded to lower case without
 * '-', '_', '.', ':' and spaces.  NULL means UTF-8 (ASCII is taken as
 * UTF-8: mislabelled 8-bit text is common).  iso8859N, windows125N and
 * cp125N are recognised by code.
 */
static const struct charset_alias {
	const char	*key;
	const char	*iconv;
} charsets[] = {
	{ "utf8", NULL }, { "usascii", NULL }, { "ascii", NULL },
	{ "us", NULL }, { "ansix341968", NULL }, { "iso646us", NULL },
	{ "latin1", "ISO-8859-1" }, { "l1", "ISO-8859-1" },
	{ "latin2", "ISO-8859-2" }, { "l2", "ISO-8859-2" },
	{ "latin5", "ISO-8859-9" }, { "l5", "ISO-8859-9" },
	{ "turkish", "ISO-8859-9" }, { "latin9", "ISO-8859-15" },
	{ "ibm857", "CP857" }, { "cp857", "CP857" },
	{ "ibm850", "CP850" }, { "cp850", "CP850" },
	{ "ibm866", "CP866" }, { "cp866", "CP866" },
	{ "koi8r", "KOI8-R" }, { "koi8u", "KOI8-U" },
	{ "gb2312", "GB2312" }, { "gbk", "GBK" }, { "gb18030", "GB18030" },
	{ "big5", "BIG5" }, { "shiftjis", "SHIFT_JIS" },
	{ "sjis", "SHIFT_JIS" }, { "eucjp", "EUC-JP" },
	{ "euckr", "EUC-KR" }, { "iso2022jp", "ISO-2022-JP" },
	{ "tis620", "TIS-620" }, { "windows874", "CP874" },
};

/* is_wsp - white space between header words, folds included */
static int
is_wsp(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* hexval - value of a hex digit, or -1 */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = ascii_tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* u8_clen - length of the character at s: its UTF-8 length, or 1 */
static size_t
u8_clen(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	size_t	want;

	want = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (want == 1 || want > n)
		return 1;
	return utf8_valid_prefix(s, want) == want ? want : 1;
}

/* utf8_append_valid - append, invalid UTF-8 bytes replaced */
int
utf8_append_valid(struct buf *out, const char *in, size_t len)
{
	size_t	v;
	int	lossy = 0;

	while (len > 0) {
		v = utf8_valid_prefix(in, len);
		if (buf_add(out, in, v) < 0)
			return -1;
		in += v;
		len -= v;
		if (len > 0) {
			if (buf_add(out, REPLACEMENT, 3) < 0)
				return -1;
			in++;
			len--;
			lossy = RFC2047_LOSSY;
		}
	}
	return lossy;
}

/* charset_lookup - iconv name of a charset; 1 known, 0 unknown */
static int
charset_lookup(const char *cs, size_t cslen, const char **name,
    char *tmp, size_t tmpsize)
{
	char	key[CHARSET_MAX + 1];
	size_t	i, k = 0;
	int	c, n;

	if (cslen > CHARSET_MAX)
		return 0;
	for (i = 0; i < cslen; i++) {
		c = (unsigned char)cs[i];
		if (c == '-' || c == '_' || c == '.' || c == ':' || c == ' ')
			continue;
		if (c < 0x21 || c > 0x7e)
			return 0;
		key[k++] = (char)ascii_tolower(c);
	}
	key[k] = '\0';
	for (i = 0; i < sizeof(charsets) / sizeof(charsets[0]); i++)
		if (strcmp(key, charsets[i].key) == 0) {
			*name = charsets[i].iconv;
			return 1;
		}
	if (strncmp(key, "iso8859", 7) == 0 && (k == 8 || k == 9) &&
	    strspn(key + 7, "0123456789") == k - 7 && key[7] != '0') {
		n = atoi(key + 7);
		if (n > 16 || n == 12)
			return 0;
		snprintf(tmp, tmpsize, "ISO-8859-%.2s", key + 7);
		*name = tmp;
		return 1;
	}
	for (i = 0; i < 3; i++) {
		static const char *const pre[] = { "windows125", "cp125",
		    "xcp125" };
		size_t	pl = strlen(pre[i]);

		if (k == pl + 1 && strncmp(key, pre[i], pl) == 0 &&
		    key[pl] >= '0' && key[pl] <= '8') {
			snprintf(tmp, tmpsize, "CP125%c", key[pl]);
			*name = tmp;
			return 1;
		}
	}
	return 0;
}

/* iconv_append - append in converted from charset name */
static int
iconv_append(struct buf *out, const char *name, const char *in, size_t len)
{
	iconv_t	cd;
	char	*ip = (char *)in, *op;
	size_t	il = len, ol, r;
	int	lossy = 0, flushing = 0, e;

	if ((cd = iconv_open("UTF-8", name)) == (iconv_t)-1) {
		if (errno == ENOMEM)
			return -1;
		return utf8_append_valid(out, in, len) < 0 ? -1 :
		    RFC2047_LOSSY;
	}
	for (;;) {
		if (buf_reserve(out, il * 3 + 64) < 0) {
			iconv_close(cd);
			return -1;
		}
		op = out->data + out->len;
		ol = out->cap - out->len - 1;
		if (flushing)
			r = iconv(cd, NULL, NULL, &op, &ol);
		else
			r = iconv(cd, &ip, &il, &op, &ol);
		e = errno;
		out->len = (size_t)(op - out->data);
		out->data[out->len] = '\0';
		if (r != (size_t)-1) {
			if (flushing)
				break;
			if (il == 0)
				flushing = 1;
			continue;
		}
		if (e == E2BIG)
			continue;
		if (flushing)
			break;
		if (buf_add(out, REPLACEMENT, 3) < 0) {
			iconv_close(cd);
			return -1;
		}
		lossy = RFC2047_LOSSY;
		if (e == EILSEQ && il > 0) {
			ip++;
			il--;
		} else
			il = 0;
	}
	iconv_close(cd);
	return lossy;
}

/* charset_to_utf8 - append in, converted from charset to UTF-8 */
int
charset_to_utf8(struct buf *out, const char *cs, size_t cslen,
    const char *in, size_t len)
{
	const char *name;
	char	tmp[16];
	int	rc;

	if (!charset_lookup(cs, cslen, &name, tmp, sizeof(tmp))) {
		rc = utf8_append_valid(out, in, len);
		return rc < 0 ? -1 : RFC2047_LOSSY;
	}
	if (name == NULL)
		return utf8_append_valid(out, in, len);
	return iconv_append(out, name, in, len);
}

/* parse_word - recognise an encoded word at s; 1 if it is one */
static int
parse_word(const char *s, size_t n, struct word *w)
{
	size_t	p = 2, star;

	while (p < n && s[p] != '?' && !is_wsp((unsigned char)s[p]) &&
	    p - 2 <= CHARSET_MAX)
		p++;
	if (p >= n || s[p] != '?' || p == 2)
		return 0;
	w->cs = s + 2;
	w->cslen = p - 2;
	for (star = 0; star < w->cslen; star++)
		if (w->cs[star] == '*')
			break;
	if ((w->cslen = star) == 0)
		return 0;
	if (p + 2 >= n || s[p + 2] != '?')
		return 0;
	w->enc = ascii_tolower((unsigned char)s[p + 1]);
	if (w->enc != 'b' && w->enc != 'q')
		return 0;
	p += 3;
	w->text = s + p;
	while (p < n && s[p] != '?')
		p++;
	if (p + 1 >= n || s[p + 1] != '=')
		return 0;
	w->tlen = (size_t)(s + p - w->text);
	w->len = p + 2;
	return 1;
}

/* word_bytes - append the decoded bytes of an encoded word */
static int
word_bytes(struct buf *raw, const struct word *w)
{
	const char *t = w->text;
	size_t	i;
	unsigned acc = 0, bits = 0;
	const char *q;
	int	hi, lo, c;

	for (i = 0; i < w->tlen; i++) {
		c = (unsigned char)t[i];
		if (w->enc == 'b') {
			if (c == '=')
				break;
			if (c == 0 || (q = strchr(b64chars, c)) == NULL)
				continue;
			acc = (acc << 6) | (unsigned)(q - b64chars);
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				if (buf_addc(raw, (int)(acc >> bits)) < 0)
					return -1;
				acc &= (1u << bits) - 1;
			}
			continue;
		}
		if (c == '_')
			c = ' ';
		else if (c == '=' && i + 2 < w->tlen &&
		    (hi = hexval((unsigned char)t[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)t[i + 2])) >= 0) {
			c = hi * 16 + lo;
			i += 2;
		}
		if (buf_addc(raw, c) < 0)
			return -1;
	}
	return 0;
}

/* all_wsp - is the text white space only */
static int
all_wsp(const char *s, size_t n)
{
	while (n > 0 && is_wsp((unsigned char)*s))
		s++, n--;
	return n == 0;
}

/* rfc2047_decode - append text with RFC 2047 encoded words decoded */
int
rfc2047_decode(struct buf *out, const char *in, size_t len)
{
	struct buf raw = BUF_INIT;
	struct word w;
	const char *cs = NULL;
	size_t	cslen = 0, i = 0, lit = 0;
	int	rc = 0, r, drop;

	while (i < len) {
		if (in[i] != '=' || i + 1 >= len || in[i + 1] != '?' ||
		    !parse_word(in + i, len - i, &w)) {
			i++;
			continue;
		}
		/* text since the last word; white space between words goes */
		drop = cs != NULL && all_wsp(in + lit, i - lit);
		if (cs != NULL && (!drop || cslen != w.cslen ||
		    ascii_strncasecmp(cs, w.cs, cslen) != 0)) {
			if ((r = charset_to_utf8(out, cs, cslen, raw.data,
			    raw.len)) < 0)
				goto nomem;
			rc |= r;
			buf_reset(&raw);
			cs = NULL;
		}
		if (!drop) {
			if ((r = utf8_append_valid(out, in + lit, i - lit)) < 0)
				goto nomem;
			rc |= r;
		}
		cs = w.cs;
		cslen = w.cslen;
		if (word_bytes(&raw, &w) < 0)
			goto nomem;
		i += w.len;
		lit = i;
	}
	if (cs != NULL) {
		r = charset_to_utf8(out, cs, cslen, raw.data, raw.len);
		if (r < 0)
			goto nomem;
		rc |= r;
	}
	if ((r = utf8_append_valid(out, in + lit, len - lit)) < 0)
		goto nomem;
	buf_free(&raw);
	return rc | r;

nomem:
	buf_free(&raw);
	return -1;
}

/* unquote - append a parameter value, quoted-string escapes undone */
static int
unquote(struct buf *b, const struct sect *s)
{
	size_t	i;

	if (!s->quoted)
		return buf_add(b, s->p, s->n);
	for (i = 0; i < s->n; i++) {
		if (s->p[i] == '\\' && i + 1 < s->n)
			i++;
		if (buf_addc(b, s->p[i]) < 0)
			return -1;
	}
	return 0;
}

/* pct_decode - append with %XX undone; a stray % is kept */
static int
pct_decode(struct buf *b, const char *p, size_t n)
{
	size_t	i;
	int	hi, lo, c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)p[i];
		if (c == '%' && i + 2 < n &&
		    (hi = hexval((unsigned char)p[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)p[i + 2])) >= 0) {
			c = hi * 16 + lo;
			i += 2;
		}
		if (buf_addc(b, c) < 0)
			return -1;
	}
	return 0;
}

/* assemble - put sections together and convert them */
static int
assemble(struct buf *out, const struct sect *s, size_t nsect, int flags)
{
	struct buf raw = BUF_INIT, tmp = BUF_INIT, cs = BUF_INIT;
	const char *t, *q1, *q2;
	size_t	i, tn;
	int	rc = 0, r, any_ext = 0, have_cs = 0;

	for (i = 0; i < nsect && s[i].set; i++) {
		buf_reset(&tmp);
		if (unquote(&tmp, &s[i]) < 0)
			goto nomem;
		t = BUF_STR(&tmp);
		tn = tmp.len;
		if (i == 0 && s[0].ext &&
		    (q1 = memchr(t, '\'', tn)) != NULL &&
		    (q2 = memchr(q1 + 1, '\'', tn - (size_t)(q1 + 1 - t)))) {
			if (buf_set(&cs, t, (size_t)(q1 - t)) < 0)
				goto nomem;
			have_cs = cs.len > 0;
			tn -= (size_t)(q2 + 1 - t);
			t = q2 + 1;
		}
		if (s[i].ext) {
			any_ext = 1;
			if (pct_decode(&raw, t, tn) < 0)
				goto nomem;
		} else if (buf_add(&raw, t, tn) < 0)
			goto nomem;
	}
	for (; i < nsect; i++)
		if (s[i].set)
			rc = RFC2047_LOSSY;	/* a section is missing */
	if (flags & RFC2231_RAW)
		r = buf_add(out, raw.data, raw.len);
	else if (have_cs)
		r = charset_to_utf8(out, cs.data, cs.len, raw.data, raw.len);
	else if (!any_ext)
		r = rfc2047_decode(out, raw.data, raw.len);
	else
		r = utf8_append_valid(out, raw.data, raw.len);
	buf_free(&raw);
	buf_free(&tmp);
	buf_free(&cs);
	return r < 0 ? -1 : rc | r;

nomem:
	buf_free(&raw);
	buf_free(&tmp);
	buf_free(&cs);
	return -1;
}

/* param_section - which section of attr a parameter name is, if any */
static int
param_section(const char *a, size_t k, const char *attr, size_t alen,
    size_t *num, int *ext)
{
	const char *d, *de;
	size_t	n = 0;

	if (k < alen || ascii_strncasecmp(a, attr, alen) != 0)
		return 0;
	if (k == alen)
		return 1;			/* attr= */
	if (a[alen] != '*')
		return 0;
	if (k == alen + 1)
		return 2;			/* attr*= */
	d = a + alen + 1;
	de = a + k;
	*ext = de[-1] == '*';
	if (*ext)
		de--;
	if (de == d || de - d > 3)
		return 0;
	for (; d < de; d++) {
		if (*d < '0' || *d > '9')
			return 0;
		n = n * 10 + (size_t)(*d - '0');
	}
	*num = n;
	return 3;				/* attr*N= or attr*N*= */
}

/* rfc2231_get_param - find and decode parameter attr of a field body */
int
rfc2231_get_param(struct buf *out, const char *value, size_t len,
    const char *attr, int flags)
{
	struct sect plain, ext1, sect[RFC2231_MAX_SECTIONS], *s;
	const char *p, *end = value + len, *a, *ae, *v, *ve;
	size_t	alen = strlen(attr), nparams = 0, nsect = 0, num = 0;
	int	rc = 0, r, quoted, ext = 0;

	memset(&plain, 0, sizeof(plain));
	memset(&ext1, 0, sizeof(ext1));
	buf_reset(out);
	if ((p = memchr(value, ';', len)) == NULL)
		return 0;
	while (p < end) {
		while (p < end && (*p == ';' || is_wsp((unsigned char)*p)))
			p++;
		if (p == end)
			break;
		if (++nparams > RFC2231_MAX_PARAMS) {
			rc |= RFC2231_LIMIT;
			break;
		}
		for (a = p; p < end && *p != '=' && *p != ';'; p++)
			;
		for (ae = p; ae > a && is_wsp((unsigned char)ae[-1]); ae--)
			;
		if (p == end || *p == ';')
			continue;		/* no value */
		for (p++; p < end && is_wsp((unsigned char)*p); p++)
			;
		if ((quoted = p < end && *p == '"')) {
			for (v = ++p; p < end && *p != '"'; p++)
				if (*p == '\\' && p + 1 < end)
					p++;
			ve = p;
		} else
			v = p;
		while (p < end && *p != ';')
			p++;
		if (!quoted)
			for (ve = p; ve > v && is_wsp((unsigned char)ve[-1]);
			    ve--)
				;
		switch (param_section(a, (size_t)(ae - a), attr, alen, &num,
		    &ext)) {
		case 1:
			s = &plain;
			break;
		case 2:
			s = &ext1;
			ext = 1;
			break;
		case 3:
			if (num >= RFC2231_MAX_SECTIONS) {
				rc |= RFC2231_LIMIT;
				continue;
			}
			if (num >= nsect) {	/* cleared as they come */
				memset(&sect[nsect], 0,
				    (num + 1 - nsect) * sizeof(sect[0]));
				nsect = num + 1;
			}
			s = &sect[num];
			break;
		default:
			continue;
		}
		if (s->set)
			continue;		/* the first one counts */
		s->p = v;
		s->n = (size_t)(ve - v);
		s->set = 1;
		s->quoted = (unsigned char)quoted;
		s->ext = s == &plain ? 0 : (unsigned char)ext;
	}
	if (!(flags & RFC2231_ONLY_PLAIN) && ext1.set)
		r = assemble(out, &ext1, 1, flags);
	else if (!(flags & RFC2231_ONLY_PLAIN) && nsect > 0 && sect[0].set)
		r = assemble(out, sect, nsect, flags);
	else if (!(flags & RFC2231_ONLY_EXT) && plain.set)
		r = assemble(out, &plain, 1, flags);
	else
		return rc;
	return r < 0 ? -1 : rc | r | RFC2231_FOUND;
}

/* b64_word - append one =?UTF-8?B?...?= word */
static int
b64_word(struct buf *out, const unsigned char *s, size_t n)
{
	char	q[4];
	unsigned v;
	size_t	i;

	if (buf_add(out, "=?UTF-8?B?", 10) < 0)
		return -1;
	for (i = 0; i < n; i += 3) {
		v = (unsigned)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		q[0] = b64chars[v >> 18 & 63];
		q[1] = b64chars[v >> 12 & 63];
		q[2] = i + 1 < n ? b64chars[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? b64chars[v & 63] : '=';
		if (buf_add(out, q, 4) < 0)
			return -1;
	}
	return buf_add(out, "?=", 2);
}

/* plain_ok - printable ASCII that no decoder takes for a word */
static int
plain_ok(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
		if (s[i] == '=' && i + 1 < n && s[i + 1] == '?')
			return 0;
	}
	return 1;
}

/* rfc2047_encode_words - append text as folded encoded words */
int
rfc2047_encode_words(struct buf *out, const char *utf8, size_t len,
    size_t used)
{
	size_t	i = 0, j, room, maxb, cl;

	if (plain_ok(utf8, len))
		return buf_add(out, utf8, len);
	while (i < len) {
		room = used < LINE_MAX_CHARS ? LINE_MAX_CHARS - used : 0;
		if (room > WORD_MAX)
			room = WORD_MAX;
		maxb = room > WORD_OVERHEAD ?
		    (room - WORD_OVERHEAD) / 4 * 3 : 0;
		if (u8_clen(utf8 + i, len - i) > maxb) {
			if (buf_add(out, "\r\n ", 3) < 0)
				return -1;
			used = 1;
			continue;
		}
		for (j = i; j < len; j += cl) {
			cl = u8_clen(utf8 + j, len - j);
			if (j + cl - i > maxb)
				break;
		}
		if (b64_word(out, (const unsigned char *)utf8 + i, j - i) < 0)
			return -1;
		i = j;
		if (i < len) {
			if (buf_add(out, "\r\n ", 3) < 0)
				return -1;
			used = 1;
		}
	}
	return 0;
}

/* attr_char - may the byte stand for itself in an RFC 2231 value */
static int
attr_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != 0 && strchr("!#$&+-.^_`|~", c));
}

/* pct_width - length of the percent encoding of s[0..n) */
static size_t
pct_width(const char *s, size_t n)
{
	size_t	i, w = 0;

	for (i = 0; i < n; i++)
		w += attr_char((unsigned char)s[i]) ? 1 : 3;
	return w;
}

/* pct_encode - append s[0..n) percent-encoded */
static int
pct_encode(struct buf *out, const char *s, size_t n)
{
	size_t	i;
	int	c, rc;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (attr_char(c))
			rc = buf_addc(out, c);
		else
			rc = buf_printf(out, "%%%02X", (unsigned)c);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* rfc2231_encode - append param*=utf-8''..., in sections if long */
int
rfc2231_encode(struct buf *out, const char *param, const char *utf8)
{
	size_t	len = strlen(utf8), plen = strlen(param), i = 0, n, start;
	size_t	pre, cl, w;

	if (plen + 9 + pct_width(utf8, len) <= PARAM_LINE) {
		if (buf_printf(out, "%s*=utf-8''", param) < 0 ||
		    pct_encode(out, utf8, len) < 0)
			return -1;
		return 0;
	}
	for (n = 0; i < len; n++) {
		start = out->len;
		if ((n > 0 && buf_add(out, ";\r\n ", 4) < 0) ||
		    buf_printf(out, "%s*%zu*=%s", param, n,
		    n == 0 ? "utf-8''" : "") < 0)
			return -1;
		if (n > 0)
			start += 4;
		pre = out->len - start;
		do {
			cl = u8_clen(utf8 + i, len - i);
			w = pct_width(utf8 + i, cl);
			if (out->len - start + w > PARAM_LINE &&
			    out->len - start > pre)
				break;
			if (pct_encode(out, utf8 + i, cl) < 0)
				return -1;
			i += cl;
		} while (i < len);
	}
	return 0;
}
