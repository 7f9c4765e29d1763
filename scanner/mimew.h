/*
 * NAME
 *	mimew - write one e-Defter message as a MIME stream
 * SYNOPSIS
 *	#include "mimew.h"
 *
 *	struct mimew *mimew_new(const struct mimew_msg *msg, struct buf *err);
 *	struct mimew *mimew_new_text(const char *data, size_t len);
 *	uint64_t mimew_size(const struct mimew *m);
 *	int	mimew_measure(const struct mimew_msg *msg, uint64_t *size,
 *		    struct buf *err);
 *	ssize_t	mimew_read(struct mimew *m, char *buf, size_t len);
 *	void	mimew_rewind(struct mimew *m);
 *	int	mimew_write_fd(struct mimew *m, int fd);
 *	int	mimew_write_file(struct mimew *m, FILE *fp);
 *	enum mimew_fail mimew_failure(const struct mimew *m);
 *	const char *mimew_error(const struct mimew *m);
 *	void	mimew_free(struct mimew *m);
 * DESCRIPTION
 *	mimew_new() checks every value that goes into a header and lays
 *	out the message: From, To, Subject, Date, Message-ID,
 *	MIME-Version, Auto-Submitted: auto-generated, X-EDefter-Company,
 *	X-EDefter-Period, then a multipart/mixed body with the text as a
 *	UTF-8 quoted-printable part and each file as a base64 attachment.
 *	A subject or display name that is not plain ASCII becomes RFC 2047
 *	encoded words (at most 75 characters each, folded, never splitting
 *	a UTF-8 character).  A file name that is not plain ASCII goes on
 *	Content-Type as RFC 2047 name="=?UTF-8?B?...?=" (for Outlook) and
 *	on Content-Disposition as RFC 2231 filename*=utf-8''%.. (split in
 *	sections when long); a short ASCII one as plain name= and
 *	filename=.  The content type is the file's type when given (a
 *	token/token), else it follows the extension: .zip
 *	application/zip, .xml .xsl .xslt application/xml, .pdf
 *	application/pdf, anything else application/octet-stream.  Every
 *	line ends in CRLF and is at most 78 octets; no line starts with
 *	`.', so the text survives any SMTP client.  The boundary is random
 *	unless msg->boundary gives one (tests).  Every string in msg is
 *	required; nothing is read from the files yet.
 *
 *	mimew_new_text() wraps a message its caller has written whole (the
 *	office digest: no files, no X-EDefter headers), so that it goes
 *	through the same submission path; it returns NULL with ENOMEM.
 *	mimew_size() is the exact length of the message, known before a
 *	byte of it is written: the header text is built, and the base64 of
 *	a file of n bytes is 4*ceil(n/3) characters plus CRLF after every
 *	76 and after the last line.  mimew_measure() is mimew_new(),
 *	mimew_size() and mimew_free() for deciding what fits; the files'
 *	descriptors are not used.
 *
 *	mimew_read() hands out the next len bytes or fewer (0 at the end),
 *	reading the files with pread(2) from the start as it goes: memory
 *	does not grow with the files.  It suits libcurl's read callback;
 *	mimew_rewind() starts over (its seek callback).  mimew_write_fd()
 *	and mimew_write_file() write the whole message (the sendmail pipe).
 *
 *	Each file must still be what the caller saw: the size it gave, and
 *	the mtime when not zero.  A file found shorter or longer, or with
 *	another mtime, when its data is read fails the message before its
 *	last byte is handed out, so it is never sent (the caller must then
 *	abort the transfer, not finish it).
 * DIAGNOSTICS
 *	mimew_new() returns NULL with a reason in err (when not NULL): a
 *	header value with CR, LF or another control character, bytes that
 *	are not UTF-8, an address addr_valid() refuses, a bad Message-ID,
 *	id or period; errno is EINVAL, or ENOMEM.  mimew_measure() returns
 *	0 or -1 the same way.
 *
 *	mimew_read() returns -1 when a file cannot be read (errno from
 *	pread(2) or fstat(2); mimew_failure() says MIMEW_FAIL_IO) or has
 *	changed (errno EBUSY; MIMEW_FAIL_CHANGED); mimew_error() names the
 *	file and what happened.  It keeps failing until mimew_rewind().
 *	mimew_write_fd() and mimew_write_file() return 0, or -1 with errno
 *	when reading failed as above or writing failed (then
 *	mimew_failure() is MIMEW_FAIL_NONE); the caller of a pipe ignores
 *	SIGPIPE.
 */
#ifndef EDEFTER_MIMEW_H
#define EDEFTER_MIMEW_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"

struct mimew_file {
	const char	*name;		/* UTF-8, shown to the recipient */
	const char	*type;		/* NULL: from the name's extension */
	int		 fd;		/* open for reading */
	off_t		 size;		/* as stat(2) said */
	struct timespec	 mtime;		/* as stat(2) said; 0: not checked */
};

struct mimew_msg {
	const char	*from;		/* "Name <addr>" or "addr" */
	const char *const *to;		/* plain addresses */
	size_t		 nto;
	const char	*subject;	/* UTF-8 */
	time_t		 date;		/* 0: now */
	const char	*message_id;	/* "<left@right>" */
	const char	*company;	/* VKN or TCKN */
	const char	*period;	/* YYYY-MM */
	const char	*company_name;	/* UTF-8; NULL: no header */
	const char	*text;		/* UTF-8, LF or CRLF line ends */
	const struct mimew_file *files;
	size_t		 nfiles;
	const char	*boundary;	/* NULL: random; else "=_" + 30 chars */
};

enum mimew_fail { MIMEW_FAIL_NONE, MIMEW_FAIL_IO, MIMEW_FAIL_CHANGED };

struct mimew;

struct mimew *mimew_new(const struct mimew_msg *, struct buf *);
struct mimew *mimew_new_text(const char *, size_t);
uint64_t mimew_size(const struct mimew *);
int	mimew_measure(const struct mimew_msg *, uint64_t *, struct buf *);
ssize_t	mimew_read(struct mimew *, char *, size_t);
void	mimew_rewind(struct mimew *);
int	mimew_write_fd(struct mimew *, int);
int	mimew_write_file(struct mimew *, FILE *);
enum mimew_fail mimew_failure(const struct mimew *);
const char *mimew_error(const struct mimew *);
void	mimew_free(struct mimew *);

#endif
