/*
 * NAME
 *	ledger_lmdb - the LMDB ledger's handle, shared by ledger_lmdb.c
 *	(open, transactions, claims, lookups) and ledger_admin.c (stats,
 *	verify, backup); not for the rest of the library (use ledger.h)
 */
#ifndef EDEFTER_LEDGER_LMDB_H
#define EDEFTER_LEDGER_LMDB_H

#include <lmdb.h>
#include <pthread.h>

#include "ledger.h"

struct writer;

struct ledger {
	MDB_env		*env;
	MDB_dbi		 recs;
	MDB_dbi		 meta;
	char		*path;
	size_t		 max_map;
	unsigned	 grows;
	pthread_rwlock_t lock;
	/* group commit: writers queue here; one of them commits for all */
	pthread_mutex_t	 gc_mu;
	pthread_cond_t	 gc_cv;
	struct writer	*gc_head;
	struct writer	**gc_tail;
	int		 gc_busy;
};

int	ledger_txn_begin(struct ledger *, unsigned, MDB_txn **);
void	ledger_txn_abort(struct ledger *, MDB_txn *);

#endif
