/*
 * NAME
 *	ledger_admin - the LMDB ledger's statistics and hot backup
 * DESCRIPTION
 *	See ledger.h.  The backup is mdb_env_copyfd2() with compaction into
 *	a temporary file, fsync'd and renamed: a consistent copy taken while
 *	the milter keeps writing.  Verification is store-independent, in
 *	ledger.c.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledger.h"
#include "ledger_backend.h"
#include "ledger_lmdb.h"

/* lmdb_stats - sizes and counts */
int
lmdb_stats(struct ledger *gl, struct ledger_stats *st)
{
	struct ledger_lmdb *l = (struct ledger_lmdb *)gl;
	char	path[4096];
	MDB_envinfo info;
	MDB_stat ms;
	MDB_txn	*txn;
	struct stat sb;
	int	rc;

	memset(st, 0, sizeof(*st));
	if ((rc = ledger_txn_begin(l, MDB_RDONLY, &txn)) != 0)
		return rc;
	rc = mdb_stat(txn, l->recs, &ms);
	mdb_env_info(l->env, &info);
	ledger_txn_abort(l, txn);
	if (rc)
		return rc;
	st->entries = ms.ms_entries;
	st->depth = ms.ms_depth;
	st->page_size = ms.ms_psize;
	st->map_size = info.me_mapsize;
	st->map_used = (uint64_t)(info.me_last_pgno + 1) * ms.ms_psize;
	st->max_readers = info.me_maxreaders;
	st->readers = info.me_numreaders;
	st->format = LEDGER_FORMAT;
	st->grows = l->grows;
	snprintf(path, sizeof(path), "%s/data.mdb", l->l.path);
	if (stat(path, &sb) == 0)
		st->file_size = (uint64_t)sb.st_size;
	return 0;
}

/* lmdb_backup - compacted copy into destdir/data.mdb, written atomically */
int
lmdb_backup(struct ledger *gl, const char *dest, struct buf *err)
{
	struct ledger_lmdb *l = (struct ledger_lmdb *)gl;
	struct buf tmp = BUF_INIT, fin = BUF_INIT;
	struct stat sb;
	int	fd = -1, dfd, made = 0, rc = 0;

	if (mkdir(dest, 0750) < 0 && errno != EEXIST) {
		rc = errno;
		buf_printf(err, "%s: cannot create: %s", dest, strerror(rc));
		return rc;
	}
	if (buf_printf(&fin, "%s/data.mdb", dest) < 0 ||
	    buf_printf(&tmp, "%s/.data.mdb.XXXXXX", dest) < 0) {
		rc = ENOMEM;
		goto out;
	}
	if (lstat(fin.data, &sb) == 0) {
		rc = EEXIST;
		buf_printf(err, "%s: exists; will not overwrite a backup",
		    fin.data);
		goto out;
	}
	if ((fd = mkstemp(tmp.data)) < 0) {
		rc = errno;
		buf_printf(err, "%s: %s", tmp.data, strerror(rc));
		goto out;
	}
	made = 1;
	/* the copy opens its own read transaction: no resize meanwhile */
	pthread_rwlock_rdlock(&l->lock);
	rc = mdb_env_copyfd2(l->env, fd, MDB_CP_COMPACT);
	pthread_rwlock_unlock(&l->lock);
	if (rc) {
		buf_printf(err, "%s: copy failed: %s", tmp.data,
		    mdb_strerror(rc));
		goto out;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		rc = errno;
		fd = -1;
		buf_printf(err, "%s: %s", tmp.data, strerror(rc));
		goto out;
	}
	fd = -1;
	if (rename(tmp.data, fin.data) < 0) {
		rc = errno;
		buf_printf(err, "%s: rename: %s", fin.data, strerror(rc));
		goto out;
	}
	if ((dfd = open(dest, O_RDONLY | O_DIRECTORY)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
out:
	if (fd >= 0)
		close(fd);
	if (rc && made)
		(void)unlink(tmp.data);
	buf_free(&tmp);
	buf_free(&fin);
	return rc;
}

