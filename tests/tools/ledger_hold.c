/*
 * ledger_hold - hold the ledger's write lock for a while (tests only)
 * SYNOPSIS
 *	ledger_hold LEDGERDIR SECONDS READYFILE
 * DESCRIPTION
 *	Begins an LMDB write transaction on the ledger, creates READYFILE,
 *	sleeps, then aborts.  Every writer (the milter's claim) waits
 *	meanwhile: a milter made slow on purpose, to test what Postfix does
 *	when milter_content_timeout expires.
 */
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	MDB_env	*env;
	MDB_txn	*txn;
	int	rc, fd;

	if (argc != 4) {
		fprintf(stderr, "usage: ledger_hold LEDGERDIR SECONDS READYFILE\n");
		return 64;
	}
	if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_maxdbs(env, 4)) ||
	    (rc = mdb_env_open(env, argv[1], MDB_NOTLS, 0660)) ||
	    (rc = mdb_txn_begin(env, NULL, 0, &txn))) {
		fprintf(stderr, "ledger_hold: %s: %s\n", argv[1],
		    mdb_strerror(rc));
		return 1;
	}
	if ((fd = open(argv[3], O_WRONLY | O_CREAT, 0644)) >= 0)
		close(fd);
	sleep((unsigned)atoi(argv[2]));
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return 0;
}
