/*
 * NAME
 *	ctl - edefterctl's commands
 * DESCRIPTION
 *	Each command gets the tool's context and its own argument vector,
 *	argv[0] being the command name.  It checks its arguments first and
 *	only then opens the ledger with ctl_open(), so a usage error or a
 *	bad input file leaves the ledger untouched.  It returns a sysexits
 *	status.
 */
#ifndef EDEFTER_CTL_H
#define EDEFTER_CTL_H

#include "buf.h"
#include "ledger.h"

struct ctl {
	const char	*where;		/* the ledger: directory or URL */
	struct ledger	*l;		/* open ledger, or NULL */
};

int	ctl_open(struct ctl *, int flags);
int	ctl_open_status(int);
int	ctl_status(int);

int	ctl_list(struct ctl *, int, char **);
int	ctl_show(struct ctl *, int, char **);
int	ctl_dump(struct ctl *, int, char **);
int	ctl_stats(struct ctl *, int, char **);
int	ctl_verify(struct ctl *, int, char **);
int	ctl_forget(struct ctl *, int, char **);
int	ctl_import(struct ctl *, int, char **);
int	ctl_backup(struct ctl *, int, char **);
int	ctl_init(struct ctl *, int, char **);
int	ctl_copy(struct ctl *, int, char **);

int	ctl_norm_key(struct buf *, const char *);
void	ctl_usage_of(const char *);
int	ctl_rec_json(struct buf *, const struct ledger_rec *);

#endif
