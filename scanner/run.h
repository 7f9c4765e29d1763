/*
 * NAME
 *	run - one pass of edefter-scan
 * DESCRIPTION
 *	pass_run() does the whole pass of scan.h for `run', `run
 *	--dry-run', `status' and `baseline [--dry-run]'.  Only `run' (and
 *	`baseline', for berat fingerprints) takes StateDir's lock and keeps
 *	what it saw; only `run' submits; the others change nothing.
 * DIAGNOSTICS
 *	Returns the exit status: 0; 75 when the share failed (nothing was
 *	concluded or sent) or the MTA deferred or could not be reached for
 *	some period; 69 when the ledger cannot be read; 78 for a companies
 *	file that cannot be read or StateDir problems.
 */
#ifndef EDEFTER_RUN_H
#define EDEFTER_RUN_H

#include "conf.h"

enum pass_mode { PASS_RUN, PASS_DRY_RUN, PASS_STATUS, PASS_BASELINE,
	PASS_BASELINE_DRY };

enum pass_format { FMT_TABLE, FMT_JSON, FMT_CSV, FMT_XLSX, FMT_HTML };

struct tabout;
struct speriod;

/* a status row handed to the caller instead of printed (html, digest) */
typedef void (*pass_row_fn)(void *arg, const struct speriod *,
    const char *folder);

struct pass_opts {
	enum pass_mode	 mode;
	int		 json;		/* status --format json */
	int		 progress;	/* a progress line on stderr */
	int		 format;	/* status: enum pass_format */
	const char	*out;		/* status -o FILE, or NULL */
	struct tabout	*tab;		/* csv and xlsx: the open table */
	pass_row_fn	 row;		/* status: rows to this, quietly */
	void		*row_arg;
};

int	pass_run(const struct conf *, const struct pass_opts *);

#endif
