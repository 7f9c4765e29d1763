/*
 * NAME
 *	csv - rows of CSV as Excel writes it; see csv.c
 */
#ifndef EDEFTER_CSV_H
#define EDEFTER_CSV_H

#include <stddef.h>

#include "buf.h"

#define MAX_FIELDS	256		/* fields kept per row */

enum row_err { ROW_OK, ROW_NEWLINE, ROW_OPEN_QUOTE, ROW_AFTER_QUOTE };

struct csv {
	const char	*p, *end;	/* UTF-8 text still to read */
	unsigned long	 line;		/* line number at p */
	char		 sep;
};

struct row {
	struct buf	 f[MAX_FIELDS];
	size_t		 nf;		/* may exceed MAX_FIELDS */
	unsigned long	 line;
	enum row_err	 err;
	size_t		 errfield;
};

int	csv_row(struct csv *, struct row *);
int	from_cp1254(const char *, size_t, struct buf *);

#endif
