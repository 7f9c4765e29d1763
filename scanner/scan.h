/*
 * NAME
 *	scan - edefter-scan's model of one pass over the share
 * DESCRIPTION
 *	A pass goes one way: mount check (mount.c), walk (walk.c: names
 *	only, no stat where the name decides), grouping into periods and
 *	their states (period.c: parts, berats, folder choice, ledger
 *	lookups, then stability and zip checks only for periods not yet
 *	sent), and for complete periods the message (message.c) and its
 *	submission under a send intent (journal.c, submit.c).  state.c
 *	keeps what the previous pass saw.
 *
 *	Paths are relative to ShareRoot and opened beneath it one component
 *	at a time with O_NOFOLLOW (share.c), so no symlink is ever followed
 *	and nothing outside the share is read.
 */
#ifndef EDEFTER_SCAN_H
#define EDEFTER_SCAN_H

#include <sys/types.h>

#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "conf.h"
#include "names.h"

#define SCAN_MAX_DEPTH	8

/* the states of SPEC 8, in the order status prints them */
enum pstate {
	P_MISSING, P_INCOMPLETE, P_PENDING, P_COMPLETE, P_SENT, P_PARTIAL,
	P_NO_RECIPIENT, P_TOO_LARGE, P_FAILED, P_INVALID, P_BEFORE_START,
	P_INACTIVE, P_CHANGED, P_IGNORED, P_BOUNCED, P_NSTATES
};

struct sfile {
	char		*name;		/* as on disk */
	size_t		 dir;		/* index into scan.dirs */
	int		 edf;		/* edf_parse_name() status */
	struct edf_name	 en;
	int		 near;		/* enum edf_near: a GIB-like name */
	int		 statted;	/* size and mtime known */
	int		 borrowed;	/* name points into scan.dcache */
	off_t		 size;
	struct timespec	 mtime;
};

struct dcache;

struct sdir {
	char		*path;		/* "" for ShareRoot itself */
	size_t		 first;		/* its files: files[first..first+n) */
	size_t		 n;
};

struct speriod {
	char		 id[EDF_ID_MAX + 1];
	int		 year;
	int		 month;
	size_t		 folder;	/* the chosen directory */
	size_t		*others;	/* other directories holding it */
	size_t		 nothers;
	enum pstate	 state;
	struct buf	 reason;	/* why not complete/sent */
	char		**todo;		/* recipients not yet in the ledger */
	size_t		 ntodo;
	size_t		 nsent;		/* recipients already in the ledger */
	size_t		 nbounced;	/* of them, bounced */
	struct buf	 bounced;	/* "reason=bounced rcpt=... status=..." */
	size_t		 nfiles;	/* e-Defter files of it in its folder */
	const char	*company;	/* name from the companies file */
	char		 deadline[11];	/* YYYY-MM-DD, or "" */
	int		 overdue;	/* GIB berats missing after it */
};

#define SPERIOD_NO_FOLDER	((size_t)-1)	/* a month with no files */

struct scan {
	const struct conf *cf;
	int		 rootfd;
	struct sdir	*dirs;
	size_t		 ndirs;
	struct sfile	*files;
	size_t		 nfiles;
	struct speriod	*periods;
	size_t		 nperiods;
	char		**excluded;	/* directories not walked (ExcludeDirs) */
	size_t		 nexcluded;
	size_t		 nxfiles;	/* files left out (ExcludeFiles) */
	time_t		 now;
	struct dcache	*dcache;	/* listings kept for the next pass */
	size_t		 dirs_cached;	/* directories not read: kept */
};

/* share.c */
int	share_check_mount(const struct conf *, struct buf *);
int	share_open_root(const struct conf *, int *, struct buf *);
int	share_open_dir(int rootfd, const char *rel, struct buf *);
int	share_io_error(int);
int	watchdog_guard(int *status);
void	watchdog_start(unsigned seconds);
void	watchdog_tick(void);
void	watchdog_stop(void);

/* walk.c */
int	walk_share(struct scan *, int progress, struct buf *);
int	walk_save(struct scan *, struct buf *);
void	scan_free(struct scan *);

const char *pstate_name(enum pstate);

#endif
