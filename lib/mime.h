/*
 * NAME
 *	mime - streaming reader of attachment names
 * SYNOPSIS
 *	#include "mime.h"
 *
 *	typedef int (*mime_name_fn)(const char *name, size_t len, void *arg);
 *
 *	struct mime_reader *mime_new(const struct mime_limits *lim,
 *		    mime_name_fn fn, void *arg);
 *	int	mime_header(struct mime_reader *r, const char *name,
 *		    const char *value);
 *	int	mime_eoh(struct mime_reader *r);
 *	int	mime_body(struct mime_reader *r, const unsigned char *chunk,
 *		    size_t len);
 *	int	mime_end(struct mime_reader *r);
 *	unsigned mime_flags(const struct mime_reader *r);
 *	size_t	mime_count(const struct mime_reader *r);
 *	void	mime_free(struct mime_reader *r);
 * DESCRIPTION
 *	A mime_reader follows one message as a milter sees it: the
 *	top-level header fields one by one (mime_header(), the value as
 *	libmilter gives it, folds included or not), the end of the header
 *	(mime_eoh()), the body in chunks of any size cut anywhere
 *	(mime_body()), and the end (mime_end()).  It calls fn once for
 *	each distinct attachment name of each part: the Content-Disposition
 *	filename and the Content-Type name, each in its RFC 2231 form and
 *	its plain form (RFC 2047 words decoded), so that a name shown by
 *	any mail client is seen.  Names are UTF-8 with control characters
 *	(CR, LF, NUL, ...) removed and TAB made a space; the name is
 *	NUL-terminated and only valid during the call.  fn returns 0 to
 *	go on, more than 0 to stop reading (MIME_STOPPED), less than 0
 *	when it failed: the reader then fails as if out of memory.
 *
 *	Multiparts nest to lim->max_depth, each with its own boundary; a
 *	boundary line closes the parts nested inside it.  A line is a
 *	boundary when it is "--" boundary ["--"] and blanks, or failing
 *	that, when it starts with "--" boundary (RFC 2046).  Boundaries of
 *	up to MIME_BOUNDARY_MAX characters are taken, more than the 70 of
 *	RFC 2046, as mail readers do.  Bodies of leaf
 *	parts and message/rfc822 parts are skipped, never stored.  Memory
 *	stays bounded whatever the input: one header field of at most
 *	lim->max_field bytes, one line prefix, the boundaries.
 *
 *	mime_new() takes NULL or limits where 0 means the default
 *	(max_depth 32, max_field 16 KiB, max_names 1000).
 * DIAGNOSTICS
 *	mime_new() returns NULL and the other calls -1 when memory runs
 *	out or fn failed; the reader is then useless and mime_flags() has
 *	MIME_ERROR.
 *	Broken input is never an error.  mime_flags() tells how well the
 *	message could be read:
 *
 *	MIME_TRUNCATED	something was not read: nesting deeper than
 *			max_depth, a Content-Type or Content-Disposition
 *			field longer than max_field or with too many
 *			parameters, more than max_names names, a multipart
 *			without a usable boundary.  Names may be missing.
 *	MIME_MALFORMED	the structure is broken but was read: a multipart
 *			never closed, a part cut short by a boundary.
 *	MIME_LOSSY	a name had bytes that could not be decoded
 *			(replaced by U+FFFD) or control characters.
 *	MIME_EMBEDDED	a message/... part was there and not looked into.
 *	MIME_STOPPED	fn asked to stop.
 *	MIME_ERROR	out of memory, or fn failed.
 *
 *	A caller that must not accept what it could not check treats
 *	MIME_TRUNCATED and MIME_ERROR (and as it sees fit MIME_MALFORMED
 *	and MIME_EMBEDDED) as "not fully read", never as "no attachments".
 */
#ifndef EDEFTER_MIME_H
#define EDEFTER_MIME_H

#include <stddef.h>

#define MIME_BOUNDARY_MAX	200	/* longer boundaries: MIME_TRUNCATED */

#define MIME_TRUNCATED	0x01
#define MIME_MALFORMED	0x02
#define MIME_LOSSY	0x04
#define MIME_EMBEDDED	0x08
#define MIME_STOPPED	0x10
#define MIME_ERROR	0x20

struct mime_limits {
	size_t	max_depth;		/* nested multiparts */
	size_t	max_field;		/* bytes of one header field */
	size_t	max_names;		/* names reported per message */
};

typedef int (*mime_name_fn)(const char *, size_t, void *);

struct mime_reader;

struct mime_reader *mime_new(const struct mime_limits *, mime_name_fn,
	    void *);
int	mime_header(struct mime_reader *, const char *, const char *);
int	mime_eoh(struct mime_reader *);
int	mime_body(struct mime_reader *, const unsigned char *, size_t);
int	mime_end(struct mime_reader *);
unsigned mime_flags(const struct mime_reader *);
size_t	mime_count(const struct mime_reader *);
void	mime_free(struct mime_reader *);

#endif
