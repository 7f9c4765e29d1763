/*
 * NAME
 *	buf - growable byte buffer
 * SYNOPSIS
 *	#include "buf.h"
 * DESCRIPTION
 *	One small string type for the whole project.  The data is always
 *	NUL-terminated (the terminator is not counted in len), so a buffer
 *	can be handed to C string functions when it holds text, and it can
 *	hold binary data when len is used.
 *
 *	buf_* functions that may allocate return 0 on success and -1 with
 *	errno = ENOMEM on failure; the buffer is then left as it was.  A
 *	zero-initialised struct buf is a valid empty buffer.
 */
#ifndef EDEFTER_BUF_H
#define EDEFTER_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

#define BUF_INIT	{ NULL, 0, 0 }
#define BUF_STR(b)	((b)->data ? (b)->data : "")

int	buf_reserve(struct buf *, size_t);
int	buf_add(struct buf *, const void *, size_t);
int	buf_addc(struct buf *, int);
int	buf_adds(struct buf *, const char *);
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	buf_vprintf(struct buf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
int	buf_set(struct buf *, const void *, size_t);
void	buf_truncate(struct buf *, size_t);
void	buf_reset(struct buf *);
void	buf_free(struct buf *);
char	*buf_steal(struct buf *);

#endif
