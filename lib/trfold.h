/*
 * NAME
 *	trfold - Turkish-aware folding of names for matching
 * SYNOPSIS
 *	#include "trfold.h"
 *
 *	int	tr_fold(struct buf *out, const char *s, size_t len);
 *	int	tr_fold_eq(const char *a, const char *b);
 *	int	tr_glob(const char *pattern, const char *name);
 * DESCRIPTION
 *	Office users write the same word as `İPTAL', `Iptal', `iptal' or
 *	`IPTAL', and Excel headers as `Vergi Numarası' or `VERGI NUMARASI'.
 *	tr_fold() appends to out a form in which those compare equal: A-Z
 *	to a-z; the Turkish letters İ ı I i to `i', Ç ç to `c', Ğ ğ to
 *	`g', Ö ö to `o', Ş ş to `s', Ü ü to `u'; the circumflexed  â î û
 *	(and capitals) to a i u; a combining dot above (U+0307, left by
 *	some lower-casing of İ) dropped.  Other bytes are kept as they are,
 *	so invalid UTF-8 still folds deterministically.  The locale is
 *	never consulted.
 *
 *	tr_fold_eq() compares two NUL-terminated strings after folding and
 *	trimming surrounding white space.  tr_glob() matches a shell glob
 *	(fnmatch(3), no flags) against a name, both folded.
 * DIAGNOSTICS
 *	tr_fold() returns 0, or -1 with ENOMEM.  tr_fold_eq() and tr_glob()
 *	return 1 for a match and 0 otherwise (also when memory runs out).
 */
#ifndef EDEFTER_TRFOLD_H
#define EDEFTER_TRFOLD_H

#include <stddef.h>

#include "buf.h"

int	tr_fold(struct buf *, const char *, size_t);
int	tr_fold_eq(const char *, const char *);
int	tr_glob(const char *, const char *);

#endif
