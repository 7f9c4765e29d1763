/*
 * NAME
 *	journal - send intents and failures, durable in StateDir
 * DESCRIPTION
 *	Before a period's message is submitted, intent_save() records the
 *	period, its recipients and its Message-ID in
 *	StateDir/intent/<id>_<YYYY-MM> (written to a temporary file,
 *	fsync'd, renamed, directory fsync'd).  While an intent is open the
 *	outcome is unknown, and the next pass submits again with the same
 *	Message-ID, which the milter lets through as a retry of the same
 *	message.  A 250, a duplicate reply, or (for the sendmail path) the
 *	ledger showing the key closes it (intent_close()).  `handed'
 *	marks an intent whose message the sendmail command accepted: that
 *	one is never submitted again; its outcome comes from the ledger.
 *
 *	failed_save() keeps a permanent refusal (a 5xx other than a
 *	duplicate) with a fingerprint of the files: the period is shown as
 *	`failed' and not tried again until its files change or the file
 *	StateDir/failed/<id>_<YYYY-MM> is removed.
 * DIAGNOSTICS
 *	intent_load() and failed_load() return 1 found, 0 absent, -1 error
 *	(with err); the others 0 or -1.
 */
#ifndef EDEFTER_JOURNAL_H
#define EDEFTER_JOURNAL_H

#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "names.h"

struct intent {
	char	 id[EDF_ID_MAX + 1];
	int	 year;
	int	 month;
	char	*msgid;
	int	 handed;
	time_t	 created;
	char	**rcpt;
	size_t	 nrcpt;
};

int	intent_load(const char *statedir, const char *id, int year, int month,
	    struct intent *, struct buf *err);
int	intent_save(const char *statedir, const struct intent *, struct buf *);
int	intent_close(const char *statedir, const char *id, int year, int month,
	    struct buf *err);
void	intent_free(struct intent *);
int	intent_has_rcpt(const struct intent *, const char *lc_addr);

int	failed_load(const char *statedir, const char *id, int year, int month,
	    uint64_t *fingerprint, struct buf *text, struct buf *err);
int	failed_save(const char *statedir, const char *id, int year, int month,
	    uint64_t fingerprint, const char *text, struct buf *err);
int	failed_clear(const char *statedir, const char *id, int year,
	    int month);

#endif
