/*
 * json - JSON text output; see json.h.
 */
#include <string.h>

#include "json.h"

/* utf8_len - length of the valid UTF-8 sequence at s, or 0 */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t	len, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* utf8_valid_prefix - how many leading bytes are valid UTF-8 */
size_t
utf8_valid_prefix(const char *s, size_t n)
{
	size_t	i = 0, l;

	while (i < n && (l = utf8_len((const unsigned char *)s + i, n - i)))
		i += l;
	return i;
}

int
json_strn(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	i = 0, run, l;

	if (buf_reserve(b, n + 2) < 0 || buf_addc(b, '"') < 0)
		return -1;
	while (i < n) {
		int rc;

		/* a run of bytes that go out as they are, in one copy */
		for (run = i; run < n && p[run] >= 0x20 && p[run] < 0x7f &&
		    p[run] != '"' && p[run] != '\\'; run++)
			;
		if (run > i) {
			if (buf_add(b, p + i, run - i) < 0)
				return -1;
			i = run;
			continue;
		}
		if (p[i] == '"' || p[i] == '\\')
			rc = buf_addc(b, '\\') < 0 ? -1 : buf_addc(b, p[i]);
		else if (p[i] == '\n')
			rc = buf_add(b, "\\n", 2);
		else if (p[i] == '\r')
			rc = buf_add(b, "\\r", 2);
		else if (p[i] == '\t')
			rc = buf_add(b, "\\t", 2);
		else if (p[i] < 0x20 || p[i] == 0x7f)
			rc = buf_printf(b, "\\u%04x", p[i]);
		else if ((l = utf8_len(p + i, n - i)) == 0)
			rc = buf_add(b, "\xef\xbf\xbd", 3);
		else {
			rc = buf_add(b, p + i, l);
			i += l - 1;
		}
		if (rc < 0)
			return -1;
		i++;
	}
	return buf_addc(b, '"');
}

int
json_str(struct buf *b, const char *s)
{
	return json_strn(b, s ? s : "", s ? strlen(s) : 0);
}
