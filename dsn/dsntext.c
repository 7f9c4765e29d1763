/*
 * dsntext - text helpers of the delivery report parser; see dsn_int.h.
 *
 * Everything works on explicit lengths: a line may hold NUL bytes.
 * Case folding is ASCII only, never the locale.
 */
#include <string.h>

#include "buf.h"
#include "dsn_int.h"
#include "names.h"

#define IS_DIGIT(c)	((c) >= '0' && (c) <= '9')
#define IS_ALNUM(c)	(IS_DIGIT(c) || ((c) >= 'a' && (c) <= 'z') || \
			    ((c) >= 'A' && (c) <= 'Z'))

#define LOWER(c)	((c) >= 'A' && (c) <= 'Z' ? (c) - 'A' + 'a' : (c))

/* ci_find - first occurrence of the lower-case needle, or NULL */
const char *
ci_find(const char *h, size_t hl, const char *needle)
{
	size_t	nl = strlen(needle), i, j;
	int	c0;

	if (nl == 0 || nl > hl)
		return nl == 0 ? h : NULL;
	c0 = (unsigned char)needle[0];
	for (i = 0; i + nl <= hl; i++) {
		if (LOWER((unsigned char)h[i]) != c0)
			continue;
		for (j = 1; j < nl; j++)
			if (LOWER((unsigned char)h[i + j]) !=
			    (unsigned char)needle[j])
				break;
		if (j == nl)
			return h + i;
	}
	return NULL;
}

/* ci_eq - s of length n is the lower-case literal, folded */
int
ci_eq(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && ci_prefix(s, n, lit);
}

/* ci_prefix - s starts with the lower-case literal, folded */
int
ci_prefix(const char *s, size_t n, const char *lit)
{
	size_t	i, l = strlen(lit);

	if (l > n)
		return 0;
	for (i = 0; i < l; i++)
		if (ascii_tolower((unsigned char)s[i]) != lit[i])
			return 0;
	return 1;
}

/* trim - drop blanks and controls at both ends */
void
trim(const char **s, size_t *n)
{
	while (*n > 0 && ((unsigned char)**s <= ' ' || **s == 0x7f)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((unsigned char)(*s)[*n - 1] <= ' ' ||
	    (*s)[*n - 1] == 0x7f))
		(*n)--;
}

/* strip_type - split "type; value" (RFC 3464), both trimmed */
void
strip_type(const char **s, size_t *n, const char **type, size_t *tl)
{
	size_t	i;

	*type = NULL;
	*tl = 0;
	trim(s, n);
	for (i = 0; i < *n; i++) {
		char	c = (*s)[i];

		if (c == ';')
			break;
		if (!IS_ALNUM(c) && c != '-' && c != '.' && c != '_' &&
		    c != ' ' && c != '\t')
			return;
	}
	if (i == 0 || i == *n)
		return;
	*type = *s;
	*tl = i;
	trim(type, tl);
	*s += i + 1;
	*n -= i + 1;
	trim(s, n);
}

/* in_set - c is one of the bytes of set (NUL never is) */
static int
in_set(char c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

/* local_char - a byte that may be in an unquoted local part */
static int
local_char(unsigned char c)
{
	return IS_ALNUM(c) || c >= 0x80 ||
	    in_set((char)c, "!#$%&'*+-/=?^_`{|}~.");
}

/* addr_span - length of the address local@domain.tld at s, or 0 */
size_t
addr_span(const char *s, size_t n)
{
	size_t	i = 0, j, dot = 0;

	while (i < n && local_char((unsigned char)s[i]))
		i++;
	if (i == 0 || i >= n || s[i] != '@' || s[0] == '.' ||
	    s[i - 1] == '.')
		return 0;
	for (j = i + 1; j < n && (IS_ALNUM(s[j]) || s[j] == '-' ||
	    s[j] == '.' || s[j] == '_' || (unsigned char)s[j] >= 0x80); j++)
		;
	while (j > i + 1 && s[j - 1] == '.')
		j--;
	for (dot = i + 2; dot < j && s[dot] != '.'; dot++)
		;
	if (j <= i + 1 || s[i + 1] == '.' || s[i + 1] == '-' || dot >= j)
		return 0;
	return j;
}

/* enhanced - an X.Y.Z code at s[i]; its length, or 0 */
static size_t
enhanced(const char *s, size_t n, size_t i, int heur)
{
	size_t	j = i + 1, d;
	int	part;

	if (s[i] != '4' && s[i] != '5' && (heur || s[i] != '2'))
		return 0;
	if (i > 0 && (IS_DIGIT(s[i - 1]) || s[i - 1] == '.'))
		return 0;
	for (part = 0; part < 2; part++) {
		if (j >= n || s[j] != '.')
			return 0;
		for (d = 0, j++; j < n && IS_DIGIT(s[j]) && d < 4; j++, d++)
			;
		if (d == 0 || d > 3)
			return 0;
	}
	if (j < n && s[j] == '.' && j + 1 < n && IS_DIGIT(s[j + 1]))
		return 0;
	return j - i;
}

/*
 * find_status - the status code in a text: 1 and out = "X.Y.Z" for an
 * enhanced code (class 2 too unless heur), 2 and out = "5.0.0" or
 * "4.0.0" for a bare SMTP reply code 5xx or 4xx, 0 when none.
 */
int
find_status(const char *s, size_t n, int heur, char *out)
{
	size_t	i, l;

	for (i = 0; i < n; i++)
		if ((l = enhanced(s, n, i, heur)) > 0) {
			memcpy(out, s + i, l);
			out[l] = '\0';
			return 1;
		}
	for (i = 0; i + 3 <= n; i++) {
		if ((s[i] != '4' && s[i] != '5') || !IS_DIGIT(s[i + 1]) ||
		    !IS_DIGIT(s[i + 2]))
			continue;
		if (i > 0 && !in_set(s[i - 1], " \t#'\"(:<"))
			continue;
		if (i + 3 < n && !in_set(s[i + 3], " \t-'\""))
			continue;
		out[0] = s[i];
		memcpy(out + 1, ".0.0", 5);
		return 2;
	}
	return 0;
}

/*
 * text_add - append text with every run of blanks and controls made
 * one space (none at the start or end of the buffer), a space before
 * it when the buffer is not empty; past max bytes the text is cut at
 * a character boundary, "..." appended and *full set: nothing more is
 * added.
 */
int
text_add(struct buf *b, const char *s, size_t n, size_t max, int *full)
{
	size_t	i;
	int	space = b->len > 0;

	for (i = 0; i < n && !*full; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c == 0x7f) {
			space = b->len > 0;
			continue;
		}
		if (b->len + (size_t)space + 1 > max) {
			if ((c & 0xc0) == 0x80) {
				while (b->len > 0 &&
				    ((unsigned char)b->data[b->len - 1] &
				    0xc0) == 0x80)
					buf_truncate(b, b->len - 1);
				if (b->len > 0 &&
				    (unsigned char)b->data[b->len - 1] >= 0xc0)
					buf_truncate(b, b->len - 1);
			}
			while (b->len > 0 && b->data[b->len - 1] == ' ')
				buf_truncate(b, b->len - 1);
			*full = 1;
			return buf_add(b, "...", 3);
		}
		if (space && buf_addc(b, ' ') < 0)
			return -1;
		space = 0;
		if (buf_addc(b, c) < 0)
			return -1;
	}
	return 0;
}

/* lower_copy - set out to s with A-Z folded */
int
lower_copy(struct buf *out, const char *s, size_t n)
{
	size_t	i;

	if (buf_set(out, s, n) < 0)
		return -1;
	for (i = 0; i < out->len; i++)
		out->data[i] = (char)ascii_tolower((unsigned char)out->data[i]);
	return 0;
}

/*
 * field_split - "Name: value": 1 with the name (trailing blanks
 * dropped) and the value, 0 when the line is no header field.
 */
int
field_split(const char *s, size_t n, const char **name, size_t *nl,
    const char **val, size_t *vl)
{
	const char *colon;
	size_t	i, k;

	if ((colon = memchr(s, ':', n)) == NULL)
		return 0;
	for (k = (size_t)(colon - s); k > 0 &&
	    (s[k - 1] == ' ' || s[k - 1] == '\t'); k--)
		;
	if (k == 0)
		return 0;
	for (i = 0; i < k; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return 0;
	*name = s;
	*nl = k;
	*val = colon + 1;
	*vl = (size_t)(s + n - *val);
	return 1;
}
