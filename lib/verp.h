/*
 * NAME
 *	verp - the period key in bounce addresses and envelope ids
 * SYNOPSIS
 *	#include "verp.h"
 *
 *	int	verp_bounce_valid(const char *bounce, size_t len);
 *	int	verp_token(struct buf *out, const char *id, int year,
 *		    int month);
 *	int	verp_address(struct buf *out, const char *bounce,
 *		    const char *id, int year, int month);
 *	int	verp_parse_token(const char *s, size_t len,
 *		    struct verp_key *key);
 *	int	verp_parse_address(const char *rcpt, size_t len,
 *		    const char *bounce, struct verp_key *key);
 *
 *	int	verp_envid(struct buf *out, const char *id, int year,
 *		    int month, const char *unique, size_t ulen);
 *	int	verp_parse_envid(const char *s, size_t len,
 *		    struct verp_key *key, const char **unique, size_t *ulen);
 * DESCRIPTION
 *	An e-Defter message goes out with the envelope sender
 *	local+TOKEN@domain made from BounceAddress local@domain, so that
 *	whatever comes back names the period it is about.  TOKEN is
 *	ID-YYYYMM: the company's 10-digit VKN or 11-digit TCKN, a dash,
 *	the year and the month of the period (bounce+1234567890-202510@
 *	office.example).  Digits and a dash only: a mail server that
 *	changes the case of the address changes nothing, and Postfix with
 *	recipient_delimiter = + delivers it to local@domain.
 *
 *	The ENVID the scanner gives with MAIL FROM (RFC 3461) is
 *	ID-YYYYMM-UNIQUE, UNIQUE being 1 to VERP_UNIQUE_MAX characters of
 *	A-Z a-z 0-9 . _ - that tell one submission of the period from
 *	another (the send intent's Message-ID local part, say): at most
 *	83 characters, all of them xtext-safe, so it needs no encoding
 *	and stays under the 100 characters of RFC 3461.
 *
 *	verp_bounce_valid() accepts a BounceAddress: a plain address
 *	(addr_valid()) whose local part has no "+" and leaves room for
 *	the token in the 64 bytes of a local part.  verp_token() and
 *	verp_address() set out to the token and to the address.
 *	verp_parse_token() reads a token, verp_parse_address() an address
 *	as pipe(8) gives it in ${recipient}: the local part and the
 *	domain of bounce (matched without regard to case), "+", a token,
 *	nothing else.  verp_envid() and verp_parse_envid() do the same for
 *	an ENVID; *unique points into s.  Every parser checks the id's
 *	check digits (edf_valid_id()), the year (2000 to 2099) and the
 *	month (1 to 12).
 * DIAGNOSTICS
 *	The builders return 0, or -1 with errno EINVAL for a bad bounce
 *	address, id, period or unique part, ENOMEM when memory ran out;
 *	out is then left as it was.  The parsers return 0 and fill key,
 *	or -1 when the input is not one of ours or malformed (key is then
 *	undefined).
 */
#ifndef EDEFTER_VERP_H
#define EDEFTER_VERP_H

#include <stddef.h>

#include "buf.h"
#include "names.h"

#define VERP_DELIM	'+'
#define VERP_TOKEN_MAX	(EDF_ID_MAX + 7)	/* ID-YYYYMM */
#define VERP_UNIQUE_MAX	64
#define VERP_ENVID_MAX	(VERP_TOKEN_MAX + 1 + VERP_UNIQUE_MAX)

struct verp_key {
	char	id[EDF_ID_MAX + 1];
	int	year;
	int	month;
};

int	verp_bounce_valid(const char *, size_t);
int	verp_token(struct buf *, const char *, int, int);
int	verp_address(struct buf *, const char *, const char *, int, int);
int	verp_parse_token(const char *, size_t, struct verp_key *);
int	verp_parse_address(const char *, size_t, const char *,
	    struct verp_key *);
int	verp_envid(struct buf *, const char *, int, int, const char *,
	    size_t);
int	verp_parse_envid(const char *, size_t, struct verp_key *,
	    const char **, size_t *);

#endif
