/*
 * NAME
 *	addr - mail address syntax
 * SYNOPSIS
 *	#include "addr.h"
 * DESCRIPTION
 *	addr_valid() accepts a plain `local@domain' address of printable
 *	ASCII or UTF-8 without white space, control characters, quotes,
 *	angle brackets, commas or semicolons: the subset that can be put
 *	into a header or an SMTP command without any quoting, so an address
 *	from a CSV file can never inject a header or a command.
 *
 *	addr_parse_mailbox() splits `Display Name <local@domain>' or a
 *	bare address into its parts.
 * DIAGNOSTICS
 *	Both return 0 when valid, -1 otherwise.
 */
#ifndef EDEFTER_ADDR_H
#define EDEFTER_ADDR_H

#include <stddef.h>

#include "buf.h"

int	addr_valid(const char *, size_t);
int	addr_parse_mailbox(const char *, struct buf *name, struct buf *addr);

#endif
