/*
 * verp - the period key in bounce addresses and envelope ids; see
 * verp.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "buf.h"
#include "names.h"
#include "verp.h"

#define LOCAL_MAX	64		/* RFC 5321 local part */

/* valid_key - the id's check digits and the period's range */
static int
valid_key(const char *id, int year, int month)
{
	return id != NULL && edf_valid_id(id, strlen(id)) && year >= 2000 &&
	    year <= 2099 && month >= 1 && month <= 12;
}

/* unique_char - a byte allowed in the unique part of an ENVID */
static int
unique_char(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '.' || c == '_' || c == '-';
}

/* verp_bounce_valid - 0 when bounce can carry a token */
int
verp_bounce_valid(const char *bounce, size_t len)
{
	const char *at;

	if (bounce == NULL || addr_valid(bounce, len) < 0 ||
	    (at = memchr(bounce, '@', len)) == NULL)
		return -1;
	if (memchr(bounce, VERP_DELIM, (size_t)(at - bounce)) != NULL ||
	    (size_t)(at - bounce) + 1 + VERP_TOKEN_MAX > LOCAL_MAX)
		return -1;
	return 0;
}

/* verp_token - ID-YYYYMM */
int
verp_token(struct buf *out, const char *id, int year, int month)
{
	struct buf t = BUF_INIT;

	if (!valid_key(id, year, month)) {
		errno = EINVAL;
		return -1;
	}
	if (buf_printf(&t, "%s-%04d%02d", id, year, month) < 0 ||
	    buf_set(out, t.data, t.len) < 0) {
		buf_free(&t);
		return -1;
	}
	buf_free(&t);
	return 0;
}

/* verp_address - local+ID-YYYYMM@domain from local@domain */
int
verp_address(struct buf *out, const char *bounce, const char *id, int year,
    int month)
{
	struct buf a = BUF_INIT;
	const char *at;

	if (bounce == NULL || verp_bounce_valid(bounce, strlen(bounce)) < 0 ||
	    !valid_key(id, year, month)) {
		errno = EINVAL;
		return -1;
	}
	at = strchr(bounce, '@');
	if (buf_add(&a, bounce, (size_t)(at - bounce)) < 0 ||
	    buf_printf(&a, "%c%s-%04d%02d%s", VERP_DELIM, id, year, month,
	    at) < 0 || buf_set(out, a.data, a.len) < 0) {
		buf_free(&a);
		return -1;
	}
	buf_free(&a);
	return 0;
}

/* digits - s[0..n) are all ASCII digits */
static int
digits(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* parse_key - ID-YYYYMM at s, its length taken from the id's */
static size_t
parse_key(const char *s, size_t len, struct verp_key *key)
{
	size_t	idl;

	for (idl = 0; idl < len && idl <= EDF_ID_MAX && s[idl] >= '0' &&
	    s[idl] <= '9'; idl++)
		;
	if ((idl != 10 && idl != 11) || len < idl + 7 || s[idl] != '-' ||
	    !digits(s + idl + 1, 6) || !edf_valid_id(s, idl))
		return 0;
	memcpy(key->id, s, idl);
	key->id[idl] = '\0';
	s += idl + 1;
	key->year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 +
	    (s[2] - '0') * 10 + (s[3] - '0');
	key->month = (s[4] - '0') * 10 + (s[5] - '0');
	if (key->year < 2000 || key->year > 2099 || key->month < 1 ||
	    key->month > 12)
		return 0;
	return idl + 7;
}

/* verp_parse_token - ID-YYYYMM and nothing else */
int
verp_parse_token(const char *s, size_t len, struct verp_key *key)
{
	size_t	n = parse_key(s, len, key);

	return n > 0 && n == len ? 0 : -1;
}

/* verp_parse_address - local+ID-YYYYMM@domain against local@domain */
int
verp_parse_address(const char *rcpt, size_t len, const char *bounce,
    struct verp_key *key)
{
	const char *bat, *at;
	size_t	bl, bll, dl;

	if (rcpt == NULL || bounce == NULL)
		return -1;
	bl = strlen(bounce);
	if (verp_bounce_valid(bounce, bl) < 0 ||
	    (at = memrchr(rcpt, '@', len)) == NULL)
		return -1;
	bat = strchr(bounce, '@');
	bll = (size_t)(bat - bounce);
	dl = bl - bll - 1;
	if ((size_t)(rcpt + len - at - 1) != dl ||
	    ascii_strncasecmp(at + 1, bat + 1, dl) != 0)
		return -1;
	if ((size_t)(at - rcpt) < bll + 1 ||
	    ascii_strncasecmp(rcpt, bounce, bll) != 0 ||
	    rcpt[bll] != VERP_DELIM)
		return -1;
	return verp_parse_token(rcpt + bll + 1, (size_t)(at - rcpt) - bll - 1,
	    key);
}

/* verp_envid - ID-YYYYMM-UNIQUE */
int
verp_envid(struct buf *out, const char *id, int year, int month,
    const char *unique, size_t ulen)
{
	struct buf e = BUF_INIT;
	size_t	i;

	if (!valid_key(id, year, month) || unique == NULL || ulen == 0 ||
	    ulen > VERP_UNIQUE_MAX) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < ulen; i++)
		if (!unique_char((unsigned char)unique[i])) {
			errno = EINVAL;
			return -1;
		}
	if (buf_printf(&e, "%s-%04d%02d-", id, year, month) < 0 ||
	    buf_add(&e, unique, ulen) < 0 || buf_set(out, e.data, e.len) < 0) {
		buf_free(&e);
		return -1;
	}
	buf_free(&e);
	return 0;
}

/* verp_parse_envid - ID-YYYYMM-UNIQUE */
int
verp_parse_envid(const char *s, size_t len, struct verp_key *key,
    const char **unique, size_t *ulen)
{
	size_t	n, i;

	if (s == NULL || (n = parse_key(s, len, key)) == 0 || n >= len ||
	    s[n] != '-' || len - n - 1 == 0 || len - n - 1 > VERP_UNIQUE_MAX)
		return -1;
	for (i = n + 1; i < len; i++)
		if (!unique_char((unsigned char)s[i]))
			return -1;
	if (unique != NULL)
		*unique = s + n + 1;
	if (ulen != NULL)
		*ulen = len - n - 1;
	return 0;
}
