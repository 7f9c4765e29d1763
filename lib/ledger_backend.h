/*
 * NAME
 *	ledger_backend - how a ledger store plugs in behind ledger.h
 * SYNOPSIS
 *	#include "ledger_backend.h"
 * DESCRIPTION
 *	Each store (ledger_lmdb.c, ledger_pg.c) fills one struct
 *	ledger_backend with designated initializers, and its handle begins
 *	with a struct ledger, which ledger.c reads to dispatch.  The
 *	backend's open() allocates the whole handle and sets `be' and
 *	`path'; close() frees it.  write() is claim, merge and insert, told
 *	apart by `how'.  A backend without a function leaves it NULL and
 *	ledger.c answers ENOTSUP.
 *
 *	ledger_group_write() is the group commit both stores share: writers
 *	queue their batches, and whoever finds no commit under way commits
 *	every queued batch at once through the backend's commit function,
 *	the others wait for it.  When that fails for a group and alone()
 *	says so, each batch is tried again by itself, so that one bad batch
 *	does not fail the others.
 *
 *	ledger_set_error() keeps the words of a database error for
 *	ledger_strerror() in the calling thread; a writer whose batch
 *	another thread committed gets that thread's words.
 *	Not for use outside lib/.
 */
#ifndef EDEFTER_LEDGER_BACKEND_H
#define EDEFTER_LEDGER_BACKEND_H

#include <pthread.h>

#include "ledger.h"

enum ledger_how { LEDGER_W_CLAIM, LEDGER_W_MERGE, LEDGER_W_INSERT };

struct ledger_backend {
	const char	*name;
	int	(*open)(struct ledger **, const char *, int,
		    const struct ledger_opts *, struct buf *);
	void	(*close)(struct ledger *);
	int	(*write)(struct ledger *, struct ledger_claim *, size_t, int how);
	int	(*lookup)(struct ledger *, const char *, struct ledger_rec *,
		    struct buf *);
	int	(*forget)(struct ledger *, const char *);
	int	(*deliver)(struct ledger *, const char *, int, int64_t,
		    const char *, const char *, int *);
	int	(*iter)(struct ledger *, const struct ledger_filter *,
		    ledger_iter_fn, void *);
	int	(*stats)(struct ledger *, struct ledger_stats *);
	int	(*backup)(struct ledger *, const char *, struct buf *);
};

struct ledger {
	const struct ledger_backend *be;
	char		*path;		/* as shown: a URL without password */
};

extern const struct ledger_backend ledger_backend_lmdb;
extern const struct ledger_backend ledger_backend_pg;

struct ledger_writer {
	struct ledger_claim *c;
	size_t		 n;
	int		 how;		/* enum ledger_how */
	int		 rc;
	int		 done;
	struct ledger_writer *next;
	char		 err[256];	/* the committer's words for rc */
};

struct ledger_group {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct ledger_writer *head;
	struct ledger_writer **tail;
	int		 busy;
};

typedef int (*ledger_commit_fn)(struct ledger *, struct ledger_writer *);

void	ledger_group_init(struct ledger_group *);
void	ledger_group_destroy(struct ledger_group *);
int	ledger_group_write(struct ledger_group *, struct ledger *,
	    struct ledger_claim *, size_t, int how, ledger_commit_fn,
	    int (*alone)(int));

void	ledger_set_error(const char *, size_t);

#endif
