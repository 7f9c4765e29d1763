/*
 * ledger_rec - ledger keys and the record format (version 2, and 1 read);
 * see ledger.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "ledger.h"
#include "names.h"

#define REC_FIXED1	16
#define REC_NSTR1	10
#define REC_FIXED	24
#define REC_NSTR	12

static const char *const source_names[LEDGER_NSRC] = {
	"smtp", "pickup", "import",
};

static const char *const delivery_names[LEDGER_NDLV] = {
	"queued", "delivered", "delayed", "bounced",
};

const char *
ledger_delivery_name(int d)
{
	return d >= 0 && d < LEDGER_NDLV ? delivery_names[d] : "unknown";
}

int
ledger_delivery_parse(const char *s)
{
	int	i;

	for (i = 0; i < LEDGER_NDLV; i++)
		if (strcmp(s, delivery_names[i]) == 0)
			return i;
	return -1;
}

/* ledger_delivery_apply - a report's state onto a record; 1 changed, 0
 * not (a delay after a final state, or the same report again) */
int
ledger_delivery_apply(struct ledger_rec *r, int state, int64_t ms,
    const char *status, const char *diag)
{
	if (state <= LEDGER_DLV_QUEUED || state >= LEDGER_NDLV)
		return 0;
	if (state == LEDGER_DLV_DELAYED && r->delivery != LEDGER_DLV_QUEUED &&
	    r->delivery != LEDGER_DLV_DELAYED)
		return 0;
	if (r->delivery == state && r->delivery_ms == ms &&
	    strcmp(r->delivery_status ? r->delivery_status : "",
	    status ? status : "") == 0)
		return 0;
	r->delivery = state;
	r->delivery_ms = ms;
	r->delivery_status = status ? status : "";
	r->delivery_diag = diag ? diag : "";
	return 1;
}

const char *
ledger_source_name(int s)
{
	return s >= 0 && s < LEDGER_NSRC ? source_names[s] : "unknown";
}

int
ledger_source_parse(const char *s)
{
	int	i;

	for (i = 0; i < LEDGER_NSRC; i++)
		if (strcmp(s, source_names[i]) == 0)
			return i;
	return -1;
}

/* ledger_key - "<id>/<YYYY-MM>/<rcpt>", rcpt lowercased (ASCII) */
int
ledger_key(struct buf *b, const char *id, int year, int month,
    const char *rcpt)
{
	size_t	start;

	buf_reset(b);
	if (buf_printf(b, "%s/%04d-%02d/", id, year, month) < 0)
		return -1;
	start = b->len;
	if (buf_adds(b, rcpt) < 0)
		return -1;
	ascii_lower(b->data + start);
	return 0;
}

/* ledger_key_split - the parts of a key; rcpt points into key */
int
ledger_key_split(const char *key, size_t len, char *id, int *year,
    int *month, const char **rcpt)
{
	const char *s1 = memchr(key, '/', len), *s2;
	size_t	idlen;

	if (s1 == NULL)
		return -1;
	idlen = (size_t)(s1 - key);
	if ((idlen != 10 && idlen != 11) || (size_t)(key + len - s1) <
	    EDF_PERIOD_LEN + 2)
		return -1;
	s2 = s1 + 1 + EDF_PERIOD_LEN;
	if (*s2 != '/' || edf_parse_period(s1 + 1, EDF_PERIOD_LEN, year,
	    month) < 0)
		return -1;
	memcpy(id, key, idlen);
	id[idlen] = '\0';
	*rcpt = s2 + 1;
	return 0;
}

static void
put_be(unsigned char *p, uint64_t v, int n)
{
	while (n-- > 0) {
		p[n] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

static uint64_t
get_be(const unsigned char *p, int n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = (v << 8) | *p++;
	return v;
}

/* ledger_rec_encode - version 2 */
int
ledger_rec_encode(struct buf *b, const struct ledger_rec *r)
{
	const char *s[REC_NSTR] = { r->id, r->rcpt, r->company_name,
	    r->message_id, r->queue_id, r->client, r->sasl_user, r->files,
	    r->status, r->legacy_hash, r->delivery_status, r->delivery_diag };
	unsigned char fixed[REC_FIXED] = { 0 }, len[4];
	size_t	n;
	int	i;

	buf_reset(b);
	fixed[0] = LEDGER_REC_VERSION;
	fixed[1] = (unsigned char)r->source;
	put_be(fixed + 2, (uint64_t)r->year, 2);
	fixed[4] = (unsigned char)r->month;
	fixed[5] = (unsigned char)r->delivery;
	put_be(fixed + 8, (uint64_t)r->sent_ms, 8);
	put_be(fixed + 16, (uint64_t)r->delivery_ms, 8);
	if (buf_add(b, fixed, sizeof(fixed)) < 0)
		return -1;
	for (i = 0; i < REC_NSTR; i++) {
		n = s[i] ? strlen(s[i]) : 0;
		if (n > 0xffffffffUL) {
			errno = EINVAL;
			return -1;
		}
		put_be(len, n, 4);
		if (buf_add(b, len, 4) < 0 || buf_add(b, s[i] ? s[i] : "", n) <
		    0 || buf_addc(b, 0) < 0)
			return -1;
	}
	return 0;
}

/* ledger_rec_decode - versions 2 and 1; strings point into data, which
 * must outlive r */
int
ledger_rec_decode(const void *data, size_t size, struct ledger_rec *r)
{
	const unsigned char *p = data, *end = p + size;
	const char **s[REC_NSTR] = { &r->id, &r->rcpt, &r->company_name,
	    &r->message_id, &r->queue_id, &r->client, &r->sasl_user,
	    &r->files, &r->status, &r->legacy_hash, &r->delivery_status,
	    &r->delivery_diag };
	uint64_t n;
	int	i, nstr;

	memset(r, 0, sizeof(*r));
	r->delivery_status = r->delivery_diag = "";
	if (size < REC_FIXED1 || (p[0] != 1 && p[0] != 2))
		return EINVAL;
	if (p[0] == 2 && size < REC_FIXED)
		return EINVAL;
	r->source = p[1];
	r->year = (int)get_be(p + 2, 2);
	r->month = p[4];
	r->sent_ms = (int64_t)get_be(p + 8, 8);
	if (p[0] == 2) {
		if (p[5] >= LEDGER_NDLV)
			return EINVAL;
		r->delivery = p[5];
		r->delivery_ms = (int64_t)get_be(p + 16, 8);
		p += REC_FIXED;
		nstr = REC_NSTR;
	} else {
		p += REC_FIXED1;
		nstr = REC_NSTR1;
	}
	for (i = 0; i < nstr; i++) {
		if (end - p < 4)
			return EINVAL;
		n = get_be(p, 4);
		p += 4;
		if ((uint64_t)(end - p) < n + 1 || p[n] != '\0' ||
		    memchr(p, '\0', n) != NULL)
			return EINVAL;
		*s[i] = (const char *)p;
		p += n + 1;
	}
	return p == end ? 0 : EINVAL;
}

/* ledger_rec_check - is the record well-formed and filed under its key */
int
ledger_rec_check(const char *key, size_t keylen, const struct ledger_rec *r,
    struct buf *why)
{
	struct buf want = BUF_INIT;
	const char *p;
	int	rc = -1;

	buf_reset(why);
	if (!edf_valid_id(r->id, strlen(r->id)))
		buf_printf(why, "company id '%s' fails the checksum", r->id);
	else if (r->year < 2000 || r->year > 2099 || r->month < 1 ||
	    r->month > 12)
		buf_printf(why, "bad period %d-%d", r->year, r->month);
	else if (addr_valid(r->rcpt, strlen(r->rcpt)) < 0)
		buf_printf(why, "bad recipient address");
	else if (r->source < 0 || r->source >= LEDGER_NSRC)
		buf_printf(why, "unknown source %d", r->source);
	else if (r->sent_ms <= 0)
		buf_printf(why, "no send date");
	else if (ledger_key(&want, r->id, r->year, r->month, r->rcpt) < 0)
		buf_printf(why, "out of memory");
	else if (want.len != keylen || memcmp(want.data, key, keylen) != 0)
		buf_printf(why, "filed under the wrong key (fields say %s)",
		    want.data);
	else {
		rc = 0;
		for (p = r->rcpt; *p; p++)
			if (*p >= 'A' && *p <= 'Z') {
				buf_printf(why, "recipient not lowercased");
				rc = -1;
				break;
			}
	}
	buf_free(&want);
	return rc;
}

/* digits - n decimal digits of v at p, zero-padded */
static char *
digits(char *p, int v, int n)
{
	char	*e = p + n;

	while (n-- > 0) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
	return e;
}

/* ledger_time_format - ISO 8601 UTC with milliseconds (a dump writes a
 * million of them: no printf) */
int
ledger_time_format(int64_t ms, char *out, size_t outlen)
{
	time_t	t = (time_t)(ms / 1000);
	struct tm tm;
	char	*p = out;

	if (ms < 0 || outlen < 25 || gmtime_r(&t, &tm) == NULL ||
	    tm.tm_year + 1900 > 9999)
		return -1;
	p = digits(p, tm.tm_year + 1900, 4);
	*p++ = '-';
	p = digits(p, tm.tm_mon + 1, 2);
	*p++ = '-';
	p = digits(p, tm.tm_mday, 2);
	*p++ = 'T';
	p = digits(p, tm.tm_hour, 2);
	*p++ = ':';
	p = digits(p, tm.tm_min, 2);
	*p++ = ':';
	p = digits(p, tm.tm_sec, 2);
	*p++ = '.';
	p = digits(p, (int)(ms % 1000), 3);
	*p++ = 'Z';
	*p = '\0';
	return 0;
}

static int
fixed_num(const char **pp, int n, int *v)
{
	const char *p = *pp;

	*v = 0;
	while (n-- > 0) {
		if (*p < '0' || *p > '9')
			return -1;
		*v = *v * 10 + (*p++ - '0');
	}
	*pp = p;
	return 0;
}

/* ledger_time_parse - YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z|+HH:MM|-HH:MM] */
int
ledger_time_parse(const char *s, int64_t *ms)
{
	struct tm tm = { 0 };
	const char *p = s;
	int	y, mo, d, h, mi, sec = 0, frac = 0, digits = 0, oh, om, sign;
	int64_t	off = 0;
	time_t	t;

	if (fixed_num(&p, 4, &y) || *p++ != '-' || fixed_num(&p, 2, &mo) ||
	    *p++ != '-' || fixed_num(&p, 2, &d) || (*p != 'T' && *p != ' '))
		return -1;
	p++;
	if (fixed_num(&p, 2, &h) || *p++ != ':' || fixed_num(&p, 2, &mi))
		return -1;
	if (*p == ':' && (p++, fixed_num(&p, 2, &sec)))
		return -1;
	if (*p == '.' || *p == ',') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				frac = frac * 10 + (*p - '0');
		if (digits == 0)
			return -1;
		for (; digits < 3; digits++)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (fixed_num(&p, 2, &oh) || (*p == ':' && !*++p) ||
		    fixed_num(&p, 2, &om) || oh > 23 || om > 59)
			return -1;
		off = sign * (oh * 3600 + om * 60);
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60 || y < 1970)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*ms = ((int64_t)t - off) * 1000 + frac;
	return 0;
}
