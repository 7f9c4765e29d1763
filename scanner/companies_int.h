/*
 * NAME
 *	companies_int - what companies.c and companies_hdr.c share; not for
 *	the rest of the scanner (use companies.h)
 */
#ifndef EDEFTER_COMPANIES_INT_H
#define EDEFTER_COMPANIES_INT_H

#include <stddef.h>

#include "buf.h"
#include "companies.h"
#include "csv.h"

#define SHOW_MAX	64		/* bytes of a value shown */

enum {
	COL_VKN, COL_TCKN, COL_NAME, COL_EMAILS,	/* required */
	COL_ACTIVE, COL_TAX, COL_SCHEDULE,		/* optional */
	NCOLS
};

/* What can be wrong with a row before its values are looked at. */
struct ctx {
	const char	*name;		/* for diagnostics */
	companies_err_fn report;
	void		*arg;
	int		 cp1254;	/* U+FFFD marks unconvertible bytes */
	int		 col[NCOLS];	/* field index, -1 if absent */
	struct buf	 label[NCOLS];	/* the header as written, shown */
	size_t		 nf;		/* fields in the header */
	struct buf	 fv;		/* the folded value */
	struct companies *out;
	size_t		 cap;
};

extern const char *const inactive_words[], *const gv_words[],
    *const kv_words[], *const monthly_words[], *const quarterly_words[];

void	complain(struct ctx *, unsigned long, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
const char *show(const char *, size_t);
const char *trim(const struct buf *, size_t *);
int	fold(struct buf *, const char *, size_t);
int	in_list(const struct buf *, const char *const *);
int	header(struct ctx *, const struct row *, int quiet);

#endif
