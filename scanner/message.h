/*
 * NAME
 *	message - what one period's message says
 * DESCRIPTION
 *	message_subject() and message_text() write the Turkish subject
 *	(company, month name, year) and the plain-text body listing the
 *	files and their sizes, and, when the oversize rule left files out,
 *	those too.  message_id() makes a new Message-ID.
 */
#ifndef EDEFTER_MESSAGE_H
#define EDEFTER_MESSAGE_H

#include <sys/types.h>

#include "buf.h"

struct msgfile {
	const char	*name;
	off_t		 size;
};

const char *month_name(int);
void	message_subject(struct buf *, const char *company, const char *id,
	    int year, int month);
void	message_text(struct buf *, const char *company, const char *id,
	    int year, int month, const struct msgfile *, size_t,
	    const struct msgfile *left_out, size_t nleft, long long limit);
void	message_id(struct buf *, const char *id, int year, int month);
void	human_size(char *, size_t, long long);

#endif
