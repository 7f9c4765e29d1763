/*
 * NAME
 *	rfc2047 - MIME encoded words, parameter values and charsets
 * SYNOPSIS
 *	#include "rfc2047.h"
 *
 *	int	rfc2047_decode(struct buf *out, const char *in, size_t len);
 *
 *	int	rfc2231_get_param(struct buf *out, const char *value,
 *		    size_t len, const char *attr, int flags);
 *
 *	int	charset_to_utf8(struct buf *out, const char *charset,
 *		    size_t cslen, const char *in, size_t len);
 *
 *	int	utf8_append_valid(struct buf *out, const char *in, size_t len);
 *
 *	int	rfc2047_encode_words(struct buf *out, const char *utf8,
 *		    size_t len, size_t first_line_used);
 *
 *	int	rfc2231_encode(struct buf *out, const char *param,
 *		    const char *utf8);
 * DESCRIPTION
 *	Decoders turn what mail clients put in header fields into UTF-8;
 *	encoders write what they read.  Everything works on explicit
 *	lengths: input may hold NUL bytes, CR and LF.
 *
 *	rfc2047_decode() appends the text of a header field, or of a
 *	parameter value, with RFC 2047 encoded words (=?cs?B?..?= and
 *	=?cs?Q?..?=, cs optionally followed by *lang) decoded.  It is
 *	lenient like the mail clients are: words are found anywhere, also
 *	inside quoted strings and next to other text; white space between
 *	two words is dropped; adjacent words in one charset are joined
 *	before conversion, so a character split across words survives.
 *	A word that does not parse is kept as text.
 *
 *	rfc2231_get_param() finds parameter attr in a Content-Type or
 *	Content-Disposition field body ("type/sub; a=b; ...") and sets out
 *	to its value in UTF-8: the plain form attr=value (quoted or not,
 *	RFC 2047 words decoded), the RFC 2231 form attr*=charset'lang'%XX..
 *	and RFC 2231 continuations attr*0*=, attr*1=, ... put together.
 *	By default the RFC 2231 form wins when both are there;
 *	RFC2231_ONLY_PLAIN and RFC2231_ONLY_EXT ask for one form.
 *	RFC2231_RAW leaves the bytes as they are (quotes and %XX undone,
 *	no charset conversion, no RFC 2047): for boundary=.  At most
 *	RFC2231_MAX_PARAMS parameters and RFC2231_MAX_SECTIONS sections
 *	are looked at.
 *
 *	charset_to_utf8() appends in, converted from the named charset
 *	(known names only: UTF-8, US-ASCII, ISO-8859-x, Windows-125x and
 *	a few others, with the usual aliases; converted with iconv).
 *	An unknown charset, and bytes invalid in the charset, never fail:
 *	valid UTF-8 is kept and every other byte becomes U+FFFD.
 *	utf8_append_valid() is that last step alone.
 *
 *	rfc2047_encode_words() appends utf8 as it should appear in a header
 *	field: unchanged when it is printable ASCII that could not be
 *	taken for an encoded word, else as =?UTF-8?B?...?= words of at
 *	most 75 characters, each on its own line (folded with CRLF SP),
 *	none splitting a UTF-8 character.  first_line_used is how many
 *	characters the caller already put on the first line ("Subject: "
 *	is 9); the first word is fitted in 76 characters, or moved to a
 *	new line.
 *
 *	rfc2231_encode() appends param*=utf-8''%XX..., or when that would
 *	not fit in a line, the sections param*0*=utf-8''..., param*1*=...
 *	separated by ";" CRLF SP.  A section never splits a character.
 * DIAGNOSTICS
 *	All return -1 when memory runs out (errno ENOMEM).  Otherwise
 *	the decoders return a bit mask: RFC2047_LOSSY when something could
 *	not be decoded faithfully (unknown charset, invalid bytes replaced,
 *	a missing continuation), and for rfc2231_get_param() RFC2231_FOUND
 *	when the parameter is there and RFC2231_LIMIT when the parameter
 *	list was longer than the limits (the value may then be elsewhere).
 *	The encoders return 0.
 */
#ifndef EDEFTER_RFC2047_H
#define EDEFTER_RFC2047_H

#include <stddef.h>

#include "buf.h"

#define RFC2231_MAX_PARAMS	100	/* parameters read in one field */
#define RFC2231_MAX_SECTIONS	100	/* continuations of one parameter */

/* rfc2231_get_param() flags */
#define RFC2231_ONLY_PLAIN	0x01
#define RFC2231_ONLY_EXT	0x02
#define RFC2231_RAW		0x04

/* decoder results */
#define RFC2047_LOSSY		0x01
#define RFC2231_FOUND		0x02
#define RFC2231_LIMIT		0x04

int	rfc2047_decode(struct buf *, const char *, size_t);
int	rfc2231_get_param(struct buf *, const char *, size_t, const char *,
	    int);
int	charset_to_utf8(struct buf *, const char *, size_t, const char *,
	    size_t);
int	utf8_append_valid(struct buf *, const char *, size_t);

int	rfc2047_encode_words(struct buf *, const char *, size_t, size_t);
int	rfc2231_encode(struct buf *, const char *, const char *);

#endif
