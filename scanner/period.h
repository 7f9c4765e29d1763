/*
 * NAME
 *	period - group the walk into periods and decide each one's state
 * DESCRIPTION
 *	periods_group() makes one struct speriod per (id, YYYY-MM) named
 *	by a valid e-Defter file, chooses its folder (the complete one,
 *	then the first path) and decides, from names only, whether its
 *	berats are all there: for every book part (and branch) named by a
 *	journal or ledger file or berat, a GIB-approved YB and KB
 *	(RequireGibApproval yes) or any YB and KB (no).  DR, E and EB do
 *	not name parts (DR is always 000000, also for split books).
 *	Files whose names have the e-Defter shape but a bad id or month
 *	become `invalid' entries.
 *
 *	period_attachments() lists what a period's message carries: the
 *	whole folder when it holds that period only, else its e-Defter
 *	files; berats and DR only for Attach berats (or as the oversize
 *	fallback).  Never: hidden files, `~$' files, Thumbs.db,
 *	desktop.ini, *.tmp, *.part, names with control characters or that
 *	are not UTF-8.
 */
#ifndef EDEFTER_PERIOD_H
#define EDEFTER_PERIOD_H

#include "scan.h"

struct invalid {
	char		 id[EDF_ID_MAX + 1];
	char		 period[12];
	size_t		 file;		/* index into scan.files */
	const char	*reason;
};

int	periods_group(struct scan *, int require_gib, struct invalid **,
	    size_t *);
int	period_attachments(const struct scan *, const struct speriod *,
	    int berats_only, size_t **, size_t *, size_t *skipped);
int	period_of(const struct sfile *, const struct speriod *);
int	attachable_name(const char *);

#endif
