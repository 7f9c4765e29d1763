/*
 * NAME
 *	pass - the state of one edefter-scan pass, shared by its parts
 * DESCRIPTION
 *	run.c decides each period (pass_run, handle_period), send.c builds
 *	and submits a period's message under its send intent, report.c
 *	prints the decisions.
 */
#ifndef EDEFTER_PASS_H
#define EDEFTER_PASS_H

#include <stdint.h>

#include "companies.h"
#include "ledger.h"
#include "period.h"
#include "run.h"
#include "scan.h"
#include "state.h"
#include "submit.h"

#define SHARE_FAILED		(-2)

struct deadlines;

struct pass {
	const struct conf *cf;
	struct deadlines *deadlines;	/* NULL: the built-in table */
	const struct pass_opts *o;
	struct scan	 s;
	struct companies co;
	struct ledger	*l;
	struct seen	*seen;
	struct invalid	*inv;
	size_t		 ninv;
	struct submit	*sub;
	int		 status;
	int		 lockfd;
	int		 unenforced;	/* stop submitting */
	char		**intents;	/* StateDir/intent names, sorted */
	size_t		 nintents;
	char		**failed;	/* StateDir/failed names, sorted */
	size_t		 nfailed;
	char		**fprints;	/* StateDir/sent names, sorted */
	size_t		 nfprints;
	struct buf	 err;
	unsigned long	 counts[P_NSTATES];
	unsigned long	 nbaseline;	/* records printed by baseline */
};

int	pass_lookup(struct pass *, const struct speriod *, const char *,
	    struct buf *, struct buf *);
uint64_t pass_fnv(uint64_t, const void *, size_t);
int	submit_period(struct pass *, struct speriod *, int, size_t *, size_t,
	    char **, size_t, const char *);
void	report(struct pass *, const struct speriod *);
void	report_ignored(struct pass *, const struct sfile *);
void	report_excluded(struct pass *);
int	report_table_open(struct pass_opts *, struct buf *);
int	pass_fill_months(struct pass *);
void	pass_deadline(struct pass *, struct speriod *, const struct company *);
int	pass_check_changed(struct pass *, struct speriod *);
int	pass_baseline(struct pass *, struct speriod *, const struct company *);
struct mimew_file;
void	pass_fingerprint(struct pass *, const struct speriod *,
	    const size_t *, const struct mimew_file *, size_t);
void	report_invalid(struct pass *, const struct invalid *);

#endif
