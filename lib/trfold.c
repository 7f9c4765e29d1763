/*
 * trfold - Turkish-aware folding of names for matching; see trfold.h.
 */
#include <fnmatch.h>
#include <string.h>

#include "trfold.h"

/* fold2 - the ASCII letter a two-byte UTF-8 sequence folds to, or 0 */
static int
fold2(unsigned char a, unsigned char b)
{
	unsigned cp = ((unsigned)(a & 0x1f) << 6) | (b & 0x3f);

	switch (cp) {
	case 0x00c7: case 0x00e7: return 'c';		/* Ç ç */
	case 0x011e: case 0x011f: return 'g';		/* Ğ ğ */
	case 0x0130: case 0x0131: return 'i';		/* İ ı */
	case 0x00d6: case 0x00f6: return 'o';		/* Ö ö */
	case 0x015e: case 0x015f: return 's';		/* Ş ş */
	case 0x00dc: case 0x00fc: return 'u';		/* Ü ü */
	case 0x00c2: case 0x00e2: return 'a';		/* Â â */
	case 0x00ce: case 0x00ee: return 'i';		/* Î î */
	case 0x00db: case 0x00fb: return 'u';		/* Û û */
	case 0x0307: return -1;				/* combining dot */
	default: return 0;
	}
}

/* tr_fold - append the folded form of s[0..len) to out */
int
tr_fold(struct buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	i = 0;
	int	c;

	if (buf_reserve(out, len) < 0)
		return -1;
	while (i < len) {
		if (p[i] >= 'A' && p[i] <= 'Z') {
			c = p[i] - 'A' + 'a';
			i++;
		} else if (p[i] >= 0xc0 && p[i] < 0xe0 && i + 1 < len &&
		    (p[i + 1] & 0xc0) == 0x80 &&
		    (c = fold2(p[i], p[i + 1])) != 0) {
			i += 2;
			if (c < 0)
				continue;
		} else if (p[i] == 0xcc && i + 1 < len && p[i + 1] == 0x87) {
			i += 2;				/* U+0307 */
			continue;
		} else
			c = p[i++];
		if (buf_addc(out, c) < 0)
			return -1;
	}
	if (out->data == NULL && buf_add(out, "", 0) < 0)
		return -1;
	return 0;
}

static void
trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t'))
		(*s)++, (*n)--;
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

/* tr_fold_eq - equal after folding and trimming */
int
tr_fold_eq(const char *a, const char *b)
{
	struct buf x = BUF_INIT, y = BUF_INIT;
	size_t	na = strlen(a), nb = strlen(b);
	int	eq;

	trim(&a, &na);
	trim(&b, &nb);
	eq = tr_fold(&x, a, na) == 0 && tr_fold(&y, b, nb) == 0 &&
	    x.len == y.len && memcmp(x.data, y.data, x.len) == 0;
	buf_free(&x);
	buf_free(&y);
	return eq;
}

/* tr_glob - fnmatch(3) of the folded pattern against the folded name */
int
tr_glob(const char *pattern, const char *name)
{
	struct buf x = BUF_INIT, y = BUF_INIT;
	int	m;

	m = tr_fold(&x, pattern, strlen(pattern)) == 0 &&
	    tr_fold(&y, name, strlen(name)) == 0 &&
	    fnmatch(x.data, y.data, 0) == 0;
	buf_free(&x);
	buf_free(&y);
	return m;
}
