/*
 * names - e-Defter file names, ids, periods, ASCII folding; see names.h.
 */
#include <string.h>

#include "names.h"

static const char *const type_names[EDF_NTYPES] = {
	"Y", "K", "YB", "KB", "DR", "E", "EB",
};

int
ascii_tolower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int
ascii_toupper(int c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

int
ascii_strncasecmp(const char *a, const char *b, size_t n)
{
	int	ca, cb;

	for (; n > 0; n--, a++, b++) {
		ca = ascii_tolower((unsigned char)*a);
		cb = ascii_tolower((unsigned char)*b);
		if (ca != cb)
			return ca - cb;
		if (ca == 0)
			break;
	}
	return 0;
}

int
ascii_strcasecmp(const char *a, const char *b)
{
	return ascii_strncasecmp(a, b, (size_t)-1);
}

/* ascii_lower - fold A-Z in place, leave every other byte alone */
void
ascii_lower(char *s)
{
	for (; *s; s++)
		*s = (char)ascii_tolower((unsigned char)*s);
}

static int
all_digits(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

/* edf_valid_vkn - the tax number's check digit (10 digits) */
int
edf_valid_vkn(const char *s, size_t n)
{
	int	p, i, c1, c2, sum = 0, pw;

	if (n != 10 || !all_digits(s, n))
		return 0;
	for (p = 1; p <= 9; p++) {
		i = 10 - p;
		c1 = (s[p - 1] - '0' + i) % 10;
		if (c1 == 0)
			c2 = 0;
		else {
			for (pw = 1; i > 0; i--)
				pw *= 2;
			c2 = (c1 * pw) % 9;
			if (c2 == 0)
				c2 = 9;
		}
		sum += c2;
	}
	return (10 - sum % 10) % 10 == s[9] - '0';
}

/* edf_valid_tckn - the personal id's two check digits (11 digits) */
int
edf_valid_tckn(const char *s, size_t n)
{
	int	d[11], i, odd, even, d10, total = 0;

	if (n != 11 || !all_digits(s, n) || s[0] == '0')
		return 0;
	for (i = 0; i < 11; i++)
		d[i] = s[i] - '0';
	odd = d[0] + d[2] + d[4] + d[6] + d[8];
	even = d[1] + d[3] + d[5] + d[7];
	d10 = ((7 * odd - even) % 10 + 10) % 10;
	if (d10 != d[9])
		return 0;
	for (i = 0; i < 10; i++)
		total += d[i];
	return total % 10 == d[10];
}

int
edf_valid_id(const char *s, size_t n)
{
	return n == 10 ? edf_valid_vkn(s, n) : edf_valid_tckn(s, n);
}

/* edf_parse_period - "YYYY-MM", 2000..2099, month 1..12 */
int
edf_parse_period(const char *s, size_t n, int *year, int *month)
{
	int	y, m;

	if (n != EDF_PERIOD_LEN || !all_digits(s, 4) || s[4] != '-' ||
	    !all_digits(s + 5, 2))
		return -1;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	if (y < 2000 || y > 2099 || m < 1 || m > 12)
		return -1;
	*year = y;
	*month = m;
	return 0;
}

const char *
edf_type_name(enum edf_type t)
{
	return (unsigned)t < EDF_NTYPES ? type_names[t] : "?";
}

int
edf_is_berat(enum edf_type t)
{
	return t == EDF_YB || t == EDF_KB || t == EDF_EB;
}

const char *
edf_strerror(int status)
{
	switch (status) {
	case EDF_OK:
		return "ok";
	case EDF_NOTEDEFTER:
		return "not an e-Defter file name";
	case EDF_BADID:
		return "id fails the VKN/TCKN checksum";
	case EDF_BADMONTH:
		return "bad year or month";
	default:
		return "unknown";
	}
}

/* digits - length of the run of ASCII digits at s, at most max+1 */
static size_t
digits(const char *s, const char *end, size_t max)
{
	size_t	n = 0;

	while (s + n < end && n <= max && s[n] >= '0' && s[n] <= '9')
		n++;
	return n;
}

static int
num(const char *s, size_t n)
{
	int	v = 0;

	while (n-- > 0)
		v = v * 10 + (*s++ - '0');
	return v;
}

/* parse_stem - [GIB-]ID-YYYYMM-TYPE-PART[-BRANCH]; the end of it or NULL */
static const char *
parse_stem(const char *p, const char *end, struct edf_name *out,
    size_t *idlenp)
{
	size_t	n, idlen;
	int	t;

	memset(out, 0, sizeof(*out));
	out->branch = -1;
	if (end - p >= 4 && ascii_strncasecmp(p, "gib-", 4) == 0) {
		out->gib = 1;
		p += 4;
	}
	idlen = digits(p, end, EDF_ID_MAX);
	if ((idlen != 10 && idlen != 11) || p + idlen >= end || p[idlen] != '-')
		return NULL;
	memcpy(out->id, p, idlen);
	out->id[idlen] = '\0';
	*idlenp = idlen;
	p += idlen + 1;
	if (digits(p, end, 6) != 6 || p + 6 >= end || p[6] != '-')
		return NULL;
	out->year = num(p, 4);
	out->month = num(p + 4, 2);
	p += 7;
	for (t = EDF_NTYPES - 1; t >= 0; t--) {
		n = strlen(type_names[t]);
		if ((size_t)(end - p) > n && ascii_strncasecmp(p, type_names[t],
		    n) == 0 && p[n] == '-')
			break;
	}
	if (t < 0)
		return NULL;
	out->type = (enum edf_type)t;
	p += strlen(type_names[t]) + 1;
	if (digits(p, end, 6) != 6)
		return NULL;
	out->part = num(p, 6);
	p += 6;
	if (p < end && *p == '-' && digits(p + 1, end, 4) == 4 &&
	    (p + 5 == end || p[5] < '0' || p[5] > '9')) {
		out->branch = num(p + 1, 4);
		p += 5;
	}
	return p;
}

/* edf_parse_name - [GIB-]ID-YYYYMM-TYPE-PART[-BRANCH].(xml|zip) */
int
edf_parse_name(const char *name, size_t len, struct edf_name *out)
{
	const char *p, *end = name + len;
	size_t	idlen = 0;

	if ((p = parse_stem(name, end, out, &idlen)) == NULL) {
		memset(out, 0, sizeof(*out));
		out->branch = -1;
		return EDF_NOTEDEFTER;
	}
	if (end - p != 4 || *p != '.')
		goto not;
	if (ascii_strncasecmp(p + 1, "xml", 3) == 0)
		out->ext = EDF_XML;
	else if (ascii_strncasecmp(p + 1, "zip", 3) == 0)
		out->ext = EDF_ZIP;
	else
		goto not;
	if (!edf_valid_id(out->id, idlen))
		return EDF_BADID;
	if (out->year < 2000 || out->year > 2099 || out->month < 1 ||
	    out->month > 12)
		return EDF_BADMONTH;
	return EDF_OK;
not:
	memset(out, 0, sizeof(*out));
	out->branch = -1;
	return EDF_NOTEDEFTER;
}

/* has_ext - does [p, end) end in .xml or .zip */
static int
has_ext(const char *p, const char *end)
{
	return end - p >= 4 && end[-4] == '.' &&
	    (ascii_strncasecmp(end - 3, "xml", 3) == 0 ||
	    ascii_strncasecmp(end - 3, "zip", 3) == 0);
}

/* edf_near_miss - a GIB-like stem in a name that is not a GIB name */
int
edf_near_miss(const char *name, size_t len, size_t *stem_off,
    size_t *stem_len)
{
	const char *end = name + len, *p, *e;
	struct edf_name en;
	size_t	i, idlen;

	if (!has_ext(name, end) || edf_parse_name(name, len, &en) !=
	    EDF_NOTEDEFTER)
		return 0;
	for (i = 0; i < len; i++) {
		p = name + i;
		if (i > 0 && ((p[-1] >= '0' && p[-1] <= '9') ||
		    (p[-1] >= 'A' && p[-1] <= 'Z') ||
		    (p[-1] >= 'a' && p[-1] <= 'z')))
			continue;
		if ((e = parse_stem(p, end, &en, &idlen)) == NULL)
			continue;
		*stem_off = i;
		*stem_len = (size_t)(e - p);
		if (i > 0)
			return EDF_NEAR_PREFIX;
		if (end - e >= 8 && e[0] == '.' && has_ext(e, e + 4) &&
		    has_ext(e, end))
			return EDF_NEAR_DOUBLE_EXT;
		for (p = e; p < end - 4; p++)
			if (*p == '(' || ascii_strncasecmp(p, "kopya", 5) == 0 ||
			    ascii_strncasecmp(p, "copy", 4) == 0)
				return EDF_NEAR_COPY;
		return EDF_NEAR_SUFFIX;
	}
	return 0;
}

const char *
edf_near_miss_reason(int why)
{
	switch (why) {
	case EDF_NEAR_COPY:
		return "a copy's name";
	case EDF_NEAR_DOUBLE_EXT:
		return "a double extension";
	case EDF_NEAR_PREFIX:
		return "text before the GIB name";
	case EDF_NEAR_SUFFIX:
		return "text after the GIB name";
	default:
		return "not a GIB name";
	}
}
