/*
 * NAME
 *	ledger_admin - ledger statistics, verification and hot backup
 * DESCRIPTION
 *	See ledger.h.  The backup is mdb_env_copyfd2() with compaction into
 *	a temporary file, fsync'd and renamed: a consistent copy taken while
 *	the milter keeps writing.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledger.h"
#include "ledger_lmdb.h"

/* ledger_stats - sizes and counts */
int
ledger_stats(struct ledger *l, struct ledger_stats *st)
{
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
	snprintf(path, sizeof(path), "%s/data.mdb", l->path);
	if (stat(path, &sb) == 0)
		st->file_size = (uint64_t)sb.st_size;
	return 0;
}

struct verify_ctx {
	ledger_problem_fn fn;
	void		*arg;
	uint64_t	checked;
	uint64_t	bad;
	struct buf	why;
};

static int
verify_one(const char *key, size_t keylen, const struct ledger_rec *r,
    void *arg)
{
	struct verify_ctx *v = arg;

	v->checked++;
	if (r == NULL) {
		v->bad++;
		v->fn(key, keylen, "record cannot be decoded", v->arg);
	} else if (ledger_rec_check(key, keylen, r, &v->why) < 0) {
		v->bad++;
		v->fn(key, keylen, BUF_STR(&v->why), v->arg);
	}
	return 0;
}

/* ledger_verify - decode and check every record */
int
ledger_verify(struct ledger *l, ledger_problem_fn fn, void *arg,
    uint64_t *checked, uint64_t *bad)
{
	struct verify_ctx v = { fn, arg, 0, 0, BUF_INIT };
	int	rc = ledger_iter(l, NULL, verify_one, &v);

	buf_free(&v.why);
	*checked = v.checked;
	*bad = v.bad;
	return rc;
}

/* ledger_backup - compacted copy into destdir/data.mdb, written atomically */
int
ledger_backup(struct ledger *l, const char *dest, struct buf *err)
{
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

