/*
 * NAME
 *	ledger_lmdb - the LMDB ledger's handle, shared by ledger_lmdb.c
 *	(open, transactions, claims, lookups) and ledger_admin.c (stats,
 *	backup); not for the rest of the library (use ledger.h)
 */
#ifndef EDEFTER_LEDGER_LMDB_H
#define EDEFTER_LEDGER_LMDB_H

#include <lmdb.h>
#include <pthread.h>

#include "ledger.h"
#include "ledger_backend.h"

struct ledger_lmdb {
	struct ledger	 l;		/* first: the generic handle */
	MDB_env		*env;
	MDB_dbi		 recs;
	MDB_dbi		 meta;
	size_t		 max_map;
	unsigned	 grows;
	pthread_rwlock_t lock;
	/* group commit: writers queue here; one of them commits for all */
	struct ledger_group gc;
};

int	ledger_txn_begin(struct ledger_lmdb *, unsigned, MDB_txn **);
void	ledger_txn_abort(struct ledger_lmdb *, MDB_txn *);

int	lmdb_stats(struct ledger *, struct ledger_stats *);
int	lmdb_backup(struct ledger *, const char *, struct buf *);
int	ledger_lmdb_errno(int, unsigned long long);

#endif
