/*
 * addr - mail address syntax; see addr.h.
 */
#include <string.h>

#include "addr.h"

#define ADDR_MAX	254		/* RFC 5321 path limit less <> */

/* addr_valid - local@domain, nothing that needs quoting */
int
addr_valid(const char *s, size_t n)
{
	size_t	i, at = 0, ats = 0;

	if (n < 3 || n > ADDR_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c == 0x7f || strchr("\"<>(),;:[]\\", c))
			return -1;
		if (c == '@') {
			at = i;
			ats++;
		}
	}
	if (ats != 1 || at == 0 || at == n - 1 || at > 64)
		return -1;
	if (s[0] == '.' || s[at - 1] == '.' || s[at + 1] == '.' ||
	    s[n - 1] == '.')
		return -1;
	for (i = 1; i < n; i++)
		if (s[i] == '.' && s[i - 1] == '.')
			return -1;
	return 0;
}

/* addr_parse_mailbox - "Name <addr>" or "addr" */
int
addr_parse_mailbox(const char *s, struct buf *name, struct buf *addr)
{
	const char *lt = strrchr(s, '<'), *gt, *e;

	buf_reset(name);
	buf_reset(addr);
	if (lt == NULL) {
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (addr_valid(s, (size_t)(e - s)) < 0)
			return -1;
		return buf_set(addr, s, (size_t)(e - s));
	}
	gt = strchr(lt, '>');
	if (gt == NULL || gt[1] != '\0' || addr_valid(lt + 1,
	    (size_t)(gt - lt - 1)) < 0)
		return -1;
	for (e = s; e < lt; e++)
		if ((unsigned char)*e < ' ' || *e == '<' || *e == '>')
			return -1;
	while (*s == ' ' || *s == '\t')
		s++;
	e = lt;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e > s + 1 && *s == '"' && e[-1] == '"') {
		s++;
		e--;
	}
	if (buf_set(name, s, (size_t)(e - s)) < 0 ||
	    buf_set(addr, lt + 1, (size_t)(gt - lt - 1)) < 0)
		return -1;
	return 0;
}
