/*
 * cidr - IPv4/IPv6 address ranges; see cidr.h.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "names.h"

/* parse_addr - numeric address, IPv4-mapped IPv6 folded to IPv4 */
static int
parse_addr(const char *s, size_t n, int *family, unsigned char *addr)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0xff, 0xff };
	char	tmp[64];

	if (n >= 5 && ascii_strncasecmp(s, "ipv6:", 5) == 0) {
		s += 5;
		n -= 5;
	}
	if (n > 1 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, addr) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, tmp, addr) == 1) {
		*family = AF_INET6;
		if (memcmp(addr, mapped, 12) == 0) {
			memmove(addr, addr + 12, 4);
			*family = AF_INET;
		}
		return 0;
	}
	return -1;
}

/* cidr_parse - "ADDR" or "ADDR/BITS" */
int
cidr_parse(const char *s, struct cidr *c)
{
	const char *slash = strchr(s, '/');
	size_t	n = slash ? (size_t)(slash - s) : strlen(s);
	char	*end;
	long	bits;
	int	max, i;

	memset(c, 0, sizeof(*c));
	if (parse_addr(s, n, &c->family, c->addr) < 0)
		return -1;
	max = c->family == AF_INET ? 32 : 128;
	if (slash == NULL)
		bits = max;
	else {
		if (slash[1] < '0' || slash[1] > '9')
			return -1;
		bits = strtol(slash + 1, &end, 10);
		if (*end != '\0' || bits < 0 || bits > max)
			return -1;
	}
	c->bits = (int)bits;
	for (i = c->bits; i < max; i++)		/* host bits must be zero */
		if (c->addr[i / 8] & (0x80 >> (i % 8)))
			return -1;
	return 0;
}

/* cidr_match - is the textual address inside the range */
int
cidr_match(const struct cidr *c, const char *s)
{
	unsigned char addr[16];
	int	family, full, rest;

	if (s == NULL || parse_addr(s, strlen(s), &family, addr) < 0 ||
	    family != c->family)
		return 0;
	full = c->bits / 8;
	rest = c->bits % 8;
	if (memcmp(addr, c->addr, (size_t)full) != 0)
		return 0;
	if (rest && ((addr[full] ^ c->addr[full]) & (0xff << (8 - rest)) & 0xff))
		return 0;
	return 1;
}
