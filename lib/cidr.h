/*
 * NAME
 *	cidr - IPv4/IPv6 address ranges
 * SYNOPSIS
 *	#include "cidr.h"
 * DESCRIPTION
 *	cidr_parse() reads `ADDR', `ADDR/BITS' (IPv4 or IPv6, IPv4-mapped
 *	IPv6 addresses matched as IPv4).  cidr_match() tells whether a
 *	textual address (as Postfix's {client_addr} gives it, possibly with
 *	an `IPv6:' prefix) lies in a range.
 * DIAGNOSTICS
 *	cidr_parse() returns -1 on a malformed range; cidr_match() returns
 *	0 for an address it cannot parse.
 */
#ifndef EDEFTER_CIDR_H
#define EDEFTER_CIDR_H

struct cidr {
	int		family;		/* AF_INET or AF_INET6 */
	unsigned char	addr[16];
	int		bits;
};

int	cidr_parse(const char *, struct cidr *);
int	cidr_match(const struct cidr *, const char *);

#endif
