/*
 * NAME
 *	ledger_lmdb - the ledger over an LMDB environment
 * DESCRIPTION
 *	Two tables: `records' (key -> record, ledger.h) and `meta'
 *	(`format' -> the ledger format number).  Every transaction is
 *	durable (no MDB_NOSYNC).  MDB_NOTLS lets any thread run a read
 *	transaction, as libmilter's thread pool needs.
 *
 *	Writers of one process are grouped: ledger_claim(), ledger_merge()
 *	and ledger_insert() queue their batch, and whoever finds no commit
 *	under way commits every queued batch in one transaction, so
 *	concurrent end-of-message decisions share one flush
 *	(ledger_group_write() in ledger.c, commit_group() here).
 *
 *	LMDB allows mdb_env_set_mapsize() only while the process has no
 *	transaction open, so every transaction holds a reader lock on
 *	l->lock and a resize takes it exclusively.  MDB_MAP_FULL aborts the
 *	transaction, doubles the map (bounded by max_map, and by a number of
 *	tries) and runs it again; MDB_MAP_RESIZED (another process grew the
 *	map) adopts the new size and begins again.
 * SECURITY
 *	The directory is refused when it sits on a network file system:
 *	LMDB's locks live in a shared memory map that only works between
 *	processes of one host.
 */
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "ledger.h"
#include "ledger_backend.h"
#include "ledger_lmdb.h"

#define DEFAULT_MAP	(16UL << 20)
#define DEFAULT_MAXMAP	(64ULL << 30)
#define MAX_TRIES	32
#define MAX_READERS	512

#if LEDGER_NOTFOUND != MDB_NOTFOUND || LEDGER_CORRUPT != MDB_CORRUPTED
#error "ledger.h error codes out of step with lmdb.h"
#endif
#if MDB_VERSION_FULL < MDB_VERINT(0, 9, 17)
#error "LMDB 0.9.17 or later is needed (mdb_env_copyfd2)"
#endif


static const struct {
	long		magic;
	const char	*name;
} netfs[] = {
	{ 0x6969, "nfs" }, { 0x517B, "smb" }, { (long)0xFF534D42, "cifs" },
	{ (long)0xFE534D42, "smb2" }, { 0x73757245, "coda" },
	{ 0x5346414F, "afs" }, { 0x6B414653, "afs" }, { 0x01021997, "9p" },
	{ 0x00c36400, "ceph" }, { 0x65735546, "fuse" },
	{ 0x01161970, "gfs2" }, { 0x7461636f, "ocfs2" },
	{ 0x0BD00BD0, "lustre" }, { 0x564c, "ncp" },
	{ 0x13661366, "orangefs" }, { 0x47504653, "gpfs" },
};

/* netfs_name - the network file system holding dir, or NULL */
static const char *
netfs_name(const char *dir)
{
	struct statfs sfs;
	size_t	i;

	if (statfs(dir, &sfs) < 0)
		return NULL;
	for (i = 0; i < sizeof(netfs) / sizeof(netfs[0]); i++)
		if ((long)(unsigned)sfs.f_type == (long)(unsigned)netfs[i].magic)
			return netfs[i].name;
	return NULL;
}

/* netfs_parent - the network file system holding dir's parent, or NULL */
static const char *
netfs_parent(const char *dir)
{
	char	parent[4096], *slash;

	if (strlen(dir) >= sizeof(parent))
		return NULL;
	strcpy(parent, dir);
	while ((slash = strrchr(parent, '/')) != NULL && slash[1] == '\0' &&
	    slash != parent)
		*slash = '\0';
	if ((slash = strrchr(parent, '/')) == NULL)
		strcpy(parent, ".");
	else if (slash == parent)
		parent[1] = '\0';
	else
		*slash = '\0';
	return netfs_name(parent);
}

/* txn_begin - begin with l->lock held shared; retries what can be retried */
int
ledger_txn_begin(struct ledger_lmdb *l, unsigned flags, MDB_txn **txn)
{
	int	rc, tries, dead;

	for (tries = 0;; tries++) {
		pthread_rwlock_rdlock(&l->lock);
		if ((rc = mdb_txn_begin(l->env, NULL, flags, txn)) == 0)
			return 0;
		pthread_rwlock_unlock(&l->lock);
		if (tries >= MAX_TRIES)
			return rc;
		if (rc == MDB_MAP_RESIZED) {
			pthread_rwlock_wrlock(&l->lock);
			rc = mdb_env_set_mapsize(l->env, 0);
			pthread_rwlock_unlock(&l->lock);
			if (rc)
				return rc;
		} else if (rc == MDB_READERS_FULL) {
			if (mdb_reader_check(l->env, &dead) || dead == 0)
				return rc;
		} else
			return rc;
	}
}

void
ledger_txn_abort(struct ledger_lmdb *l, MDB_txn *txn)
{
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&l->lock);
}

/*
 * ledger_lmdb_errno - LMDB turns a short write into EIO, and a write cut
 * short is what a full file system gives: EIO with less than a megabyte
 * left on the ledger's file system is ENOSPC, so that the log says what
 * to fix.  avail: the bytes left.
 */
int
ledger_lmdb_errno(int rc, unsigned long long avail)
{
	return rc == EIO && avail < 1024 * 1024 ? ENOSPC : rc;
}

/* full_fs - the commit's rc, with the ledger's file system asked */
static int
full_fs(MDB_env *env, int rc)
{
	struct statvfs vfs;
	mdb_filehandle_t fd;

	if (rc != EIO || mdb_env_get_fd(env, &fd) != 0 ||
	    fstatvfs(fd, &vfs) < 0)
		return rc;
	return ledger_lmdb_errno(rc,
	    (unsigned long long)vfs.f_bavail * vfs.f_frsize);
}

static int
txn_commit(struct ledger_lmdb *l, MDB_txn *txn)
{
	int	rc = full_fs(l->env, mdb_txn_commit(txn));

	pthread_rwlock_unlock(&l->lock);
	return rc;
}

/* grow - double the map, unless another thread already did */
static int
grow(struct ledger_lmdb *l, size_t seen)
{
	MDB_envinfo info;
	size_t	next;
	int	rc = 0;

	pthread_rwlock_wrlock(&l->lock);
	mdb_env_info(l->env, &info);
	if (info.me_mapsize == seen) {
		if (seen >= l->max_map)
			rc = MDB_MAP_FULL;
		else {
			next = seen > l->max_map / 2 ? l->max_map : seen * 2;
			if ((rc = mdb_env_set_mapsize(l->env, next)) == 0)
				l->grows++;
		}
	}
	pthread_rwlock_unlock(&l->lock);
	return rc;
}

static size_t
map_size(struct ledger_lmdb *l)
{
	MDB_envinfo info;

	mdb_env_info(l->env, &info);
	return info.me_mapsize;
}

/* put_rec - encode and store */
static int
put_rec(struct ledger_lmdb *l, MDB_txn *txn, MDB_val *k,
    const struct ledger_rec *r, struct buf *tmp)
{
	MDB_val	v;

	if (ledger_rec_encode(tmp, r) < 0)
		return errno ? errno : ENOMEM;
	v.mv_data = tmp->data;
	v.mv_size = tmp->len;
	return mdb_put(txn, l->recs, k, &v, 0);
}

/* apply - one pass over the batch inside a write transaction: claim,
 * merge or insert (enum ledger_how) */
static int
apply(struct ledger_lmdb *l, MDB_txn *txn, struct ledger_claim *c, size_t n,
    int how, struct buf *key, struct buf *tmp)
{
	struct ledger_rec old;
	MDB_val	k, v;
	size_t	i;
	int	rc;

	for (i = 0; i < n; i++) {
		const struct ledger_rec *r = &c[i].rec;

		if (ledger_key(key, r->id, r->year, r->month, r->rcpt) < 0)
			return ENOMEM;
		k.mv_data = key->data;
		k.mv_size = key->len;
		c[i].first_ms = 0;
		rc = mdb_get(txn, l->recs, &k, &v);
		if (rc == MDB_NOTFOUND) {
			c[i].outcome = LEDGER_NEW;
			if ((rc = put_rec(l, txn, &k, r, tmp)) != 0)
				return rc;
			continue;
		}
		if (rc)
			return rc;
		if (ledger_rec_decode(v.mv_data, v.mv_size, &old) != 0) {
			/* present but unreadable: never treat it as absent */
			c[i].outcome = how != LEDGER_W_CLAIM ? LEDGER_PRESENT :
			    LEDGER_DUP;
			continue;
		}
		c[i].first_ms = old.sent_ms;
		if (how == LEDGER_W_CLAIM) {
			c[i].outcome = r->message_id && *r->message_id &&
			    strcmp(r->message_id, old.message_id) == 0 ?
			    LEDGER_RETRY : LEDGER_DUP;
		} else if (how == LEDGER_W_MERGE && r->sent_ms > 0 &&
		    r->sent_ms < old.sent_ms) {
			c[i].outcome = LEDGER_EARLIER;
			old.sent_ms = r->sent_ms;
			if ((rc = put_rec(l, txn, &k, &old, tmp)) != 0)
				return rc;
		} else
			c[i].outcome = LEDGER_PRESENT;
	}
	return 0;
}

/* commit_group - the batches of several writers in one durable
 * transaction, in arrival order (a later batch sees an earlier one's
 * records), growing the map when it is full */
static int
commit_group(struct ledger *gl, struct ledger_writer *list)
{
	struct ledger_lmdb *l = (struct ledger_lmdb *)gl;
	struct buf key = BUF_INIT, tmp = BUF_INIT;
	struct ledger_writer *w;
	MDB_txn	*txn;
	size_t	seen;
	int	rc, tries;

	for (tries = 0;; tries++) {
		if ((rc = ledger_txn_begin(l, 0, &txn)) != 0)
			break;
		seen = map_size(l);
		for (w = list, rc = 0; w && rc == 0; w = w->next)
			rc = apply(l, txn, w->c, w->n, w->how, &key, &tmp);
		if (rc == 0)
			rc = txn_commit(l, txn);
		else
			ledger_txn_abort(l, txn);
		if (rc != MDB_MAP_FULL || tries >= MAX_TRIES)
			break;
		if ((rc = grow(l, seen)) != 0)
			break;
	}
	buf_free(&key);
	buf_free(&tmp);
	return rc;
}

/* always_alone - after a failed group, every batch is tried by itself */
static int
always_alone(int rc)
{
	(void)rc;
	return 1;
}

/* lmdb_write - claim, merge or insert a batch, group-committed */
static int
lmdb_write(struct ledger *gl, struct ledger_claim *c, size_t n, int how)
{
	struct ledger_lmdb *l = (struct ledger_lmdb *)gl;

	return ledger_group_write(&l->gc, gl, c, n, how, commit_group,
	    always_alone);
}

/* lmdb_lookup - copy one record out */
static int
lmdb_lookup(struct ledger *gl, const char *key, struct ledger_rec *r,
    struct buf *store)
{
	struct ledger_lmdb *l = (struct ledger_lmdb *)gl;
	MDB_txn	*txn;
	MDB_val	k, v;
	int	rc;

	if ((rc = ledger_txn_begin(l, MDB_RDONLY, &txn)) != 0)
		return rc;
	k.mv_data = (void *)key;
	k.mv_size = strlen(key);
	if ((rc = mdb_get(txn, l->recs, &k, &v)) == 0 &&
	    buf_set(store, v.mv_data, v.mv_size) < 0)
		rc = ENOMEM;
	ledger_txn_abort(l, txn);
	if (rc == 0 && ledger_rec_decode(store->data, store->len, r) != 0)
		rc = LEDGER_CORRUPT;
	return rc;
}

/* lmdb_forget - remove one key */
static int
lmdb_forget(struct ledger *gl, const char *key)
{
	struct ledger_lmdb *l = (struct ledger_lmdb *)gl;
	MDB_txn	*txn;
	MDB_val	k;
	int	rc;

	if ((rc = ledger_txn_begin(l, 0, &txn)) != 0)
		return rc;
	k.mv_data = (void *)key;
	k.mv_size = strlen(key);
	if ((rc = mdb_del(txn, l->recs, &k, NULL)) == 0)
		return txn_commit(l, txn);
	ledger_txn_abort(l, txn);
	return rc;
}

/* lmdb_deliver - a delivery report onto one key's record; *changed
 * says whether the record moved (a late delay after a result does not) */
static int
lmdb_deliver(struct ledger *gl, const char *key, int state, int64_t ms,
    const char *status, const char *diag, int *changed)
{
	struct ledger_lmdb *l = (struct ledger_lmdb *)gl;
	struct buf tmp = BUF_INIT, copy = BUF_INIT;
	struct ledger_rec r;
	MDB_txn	*txn;
	MDB_val	k, v;
	size_t	seen;
	int	rc, tries;

	*changed = 0;
	k.mv_data = (void *)key;
	k.mv_size = strlen(key);
	for (tries = 0;; tries++) {
		if ((rc = ledger_txn_begin(l, 0, &txn)) != 0)
			break;
		seen = map_size(l);
		if ((rc = mdb_get(txn, l->recs, &k, &v)) != 0) {
			ledger_txn_abort(l, txn);
			break;
		}
		if (buf_set(&copy, v.mv_data, v.mv_size) < 0)
			rc = ENOMEM;
		else if (ledger_rec_decode(copy.data, copy.len, &r) != 0)
			rc = LEDGER_CORRUPT;
		else if ((*changed = ledger_delivery_apply(&r, state, ms, status,
		    diag)) == 0)
			rc = -1;		/* nothing to write */
		else
			rc = put_rec(l, txn, &k, &r, &tmp);
		if (rc == 0)
			rc = txn_commit(l, txn);
		else {
			ledger_txn_abort(l, txn);
			if (rc == -1)
				rc = 0;
			break;
		}
		if (rc != MDB_MAP_FULL || tries >= MAX_TRIES)
			break;
		if ((rc = grow(l, seen)) != 0)
			break;
	}
	buf_free(&tmp);
	buf_free(&copy);
	return rc;
}

/* match - does a key pass the filter */
static int
match(const struct ledger_filter *f, const MDB_val *k)
{
	char	id[16];
	const char *rcpt;
	int	year, month;
	size_t	rlen;

	if (f == NULL)
		return 1;
	if (ledger_key_split(k->mv_data, k->mv_size, id, &year, &month,
	    &rcpt) < 0)
		return f->id == NULL && f->year == 0 && f->rcpt == NULL;
	if (f->id && strcmp(f->id, id) != 0)
		return 0;
	if (f->year && (f->year != year || f->month != month))
		return 0;
	rlen = (size_t)((const char *)k->mv_data + k->mv_size - rcpt);
	if (f->rcpt && (strlen(f->rcpt) != rlen || memcmp(f->rcpt, rcpt,
	    rlen) != 0))
		return 0;
	return 1;
}

/* lmdb_iter - every record matching f, in key order, one snapshot */
static int
lmdb_iter(struct ledger *gl, const struct ledger_filter *f,
    ledger_iter_fn fn, void *arg)
{
	struct ledger_lmdb *l = (struct ledger_lmdb *)gl;
	struct buf prefix = BUF_INIT;
	struct ledger_rec r;
	MDB_cursor *cur;
	MDB_txn	*txn;
	MDB_val	k, v;
	MDB_cursor_op op = MDB_FIRST;
	int	rc;

	if (f && f->id) {
		if (f->year)
			rc = buf_printf(&prefix, "%s/%04d-%02d/", f->id,
			    f->year, f->month);
		else
			rc = buf_printf(&prefix, "%s/", f->id);
		if (rc < 0)
			return ENOMEM;
		k.mv_data = prefix.data;
		k.mv_size = prefix.len;
		op = MDB_SET_RANGE;
	}
	if ((rc = ledger_txn_begin(l, MDB_RDONLY, &txn)) != 0) {
		buf_free(&prefix);
		return rc;
	}
	if ((rc = mdb_cursor_open(txn, l->recs, &cur)) == 0) {
		for (; (rc = mdb_cursor_get(cur, &k, &v, op)) == 0;
		    op = MDB_NEXT) {
			if (prefix.len && (k.mv_size < prefix.len ||
			    memcmp(k.mv_data, prefix.data, prefix.len) != 0))
				break;
			if (!match(f, &k))
				continue;
			if (ledger_rec_decode(v.mv_data, v.mv_size, &r) != 0)
				rc = fn(k.mv_data, k.mv_size, NULL, arg);
			else
				rc = fn(k.mv_data, k.mv_size, &r, arg);
			if (rc)
				break;
		}
		if (rc == MDB_NOTFOUND || (rc == 0 && prefix.len))
			rc = 0;
		mdb_cursor_close(cur);
	}
	ledger_txn_abort(l, txn);
	buf_free(&prefix);
	return rc;
}

/* open_tables - find the two tables; create them in a new environment */
static int
open_tables(struct ledger_lmdb *l, int flags, struct buf *err)
{
	MDB_txn	*txn;
	MDB_dbi	 main_db;
	MDB_stat ms;
	static char fmtkey[] = "format";
	MDB_val	 k = { sizeof(fmtkey) - 1, fmtkey }, v;
	unsigned fmt = 0;
	int	 rc, create = 0;
	char	 num[16];

	if ((rc = mdb_txn_begin(l->env, NULL, MDB_RDONLY, &txn)) != 0)
		goto fail;
	rc = mdb_dbi_open(txn, "meta", 0, &l->meta);
	if (rc == MDB_NOTFOUND) {
		if ((rc = mdb_dbi_open(txn, NULL, 0, &main_db)) == 0 &&
		    (rc = mdb_stat(txn, main_db, &ms)) == 0 &&
		    ms.ms_entries == 0 && (flags & LEDGER_CREATE) &&
		    !(flags & LEDGER_RDONLY))
			create = 1;
		mdb_txn_abort(txn);
		if (!create) {
			buf_printf(err, "%s: not an edefter ledger (an LMDB "
			    "environment without the ledger's tables)",
			    l->l.path);
			return EINVAL;
		}
		if ((rc = mdb_txn_begin(l->env, NULL, 0, &txn)) != 0 ||
		    (rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &l->meta)) ||
		    (rc = mdb_dbi_open(txn, "records", MDB_CREATE, &l->recs)))
			goto fail_txn;
		snprintf(num, sizeof(num), "%u", LEDGER_FORMAT);
		v.mv_data = num;
		v.mv_size = strlen(num);
		if ((rc = mdb_put(txn, l->meta, &k, &v, 0)) != 0 ||
		    (rc = full_fs(l->env, mdb_txn_commit(txn))) != 0)
			goto fail;
		return 0;
	}
	if (rc)
		goto fail_txn;
	if ((rc = mdb_dbi_open(txn, "records", 0, &l->recs)) != 0)
		goto fail_txn;
	if ((rc = mdb_get(txn, l->meta, &k, &v)) == 0 && v.mv_size < 10) {
		memcpy(num, v.mv_data, v.mv_size);
		num[v.mv_size] = '\0';
		fmt = (unsigned)strtoul(num, NULL, 10);
	}
	mdb_txn_commit(txn);		/* keeps the dbi handles */
	if (fmt == 0 || fmt > LEDGER_FORMAT) {
		buf_printf(err, "%s: ledger format %u is not supported "
		    "(this program reads format %d)", l->l.path, fmt,
		    LEDGER_FORMAT);
		return EINVAL;
	}
	return 0;
fail_txn:
	mdb_txn_abort(txn);
fail:
	buf_printf(err, "%s: cannot open the ledger's tables: %s", l->l.path,
	    mdb_strerror(rc));
	return rc;
}

/* env_size - the caller's size, else the environment's, else the default */
static size_t
env_size(const char *name, size_t given, size_t def)
{
	const char *s = getenv(name);
	long long v;

	if (given)
		return given;
	if (s && conf_parse_size(s, &v) == 0 && v >= 32768)
		return (size_t)v;
	return def;
}

static void lmdb_close(struct ledger *);

/* lmdb_open - open (or create) the ledger in dir */
static int
lmdb_open(struct ledger **lp, const char *dir, int flags,
    const struct ledger_opts *opts, struct buf *err)
{
	pthread_rwlockattr_t attr;
	struct ledger_lmdb *l;
	struct stat sb;
	char	path[4096];
	const char *fs;
	size_t	max_map = env_size("EDEFTER_LEDGER_MAXMAP", opts ? opts->max_map :
	    0, DEFAULT_MAXMAP);
	size_t	map = env_size("EDEFTER_LEDGER_MAPSIZE", opts ? opts->initial_map :
	    0, DEFAULT_MAP);
	int	rc, dead;

	if (map > max_map)
		map = max_map;

	*lp = NULL;
	if ((fs = netfs_name(dir)) != NULL || (fs = netfs_parent(dir)) != NULL) {
		buf_printf(err, "%s: the ledger is on a network file system "
		    "(%s); LMDB needs a local disk", dir, fs);
		return EXDEV;
	}
	if ((flags & LEDGER_CREATE) && mkdir(dir, 0750) < 0 && errno != EEXIST) {
		rc = errno;
		buf_printf(err, "%s: cannot create the ledger directory: %s",
		    dir, strerror(rc));
		return rc;
	}
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		rc = stat(dir, &sb) < 0 ? errno : ENOTDIR;
		if (rc == ENOENT)
			buf_printf(err, "%s: no ledger here (no such directory)",
			    dir);
		else
			buf_printf(err, "%s: ledger directory: %s", dir,
			    strerror(rc));
		return rc;
	}
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (stat(path, &sb) == 0) {
		if (!S_ISREG(sb.st_mode)) {
			buf_printf(err, "%s: not a regular file", path);
			return EINVAL;
		}
		if ((size_t)sb.st_size > map)
			map = (size_t)sb.st_size;
	} else if (!(flags & LEDGER_CREATE)) {
		rc = errno;
		buf_printf(err, "%s: no ledger here (%s: %s)", dir, path,
		    strerror(rc));
		return rc;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL || (l->l.path = strdup(dir)) ==
	    NULL) {
		free(l);
		buf_printf(err, "%s: out of memory", dir);
		return ENOMEM;
	}
	/* the map starts at the initial size, bounded by the maximum, but
	 * never below what the file already holds */
	l->max_map = max_map;
	if (map > l->max_map)
		l->max_map = map;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
	    PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&l->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	ledger_group_init(&l->gc);
	l->l.be = &ledger_backend_lmdb;
	if ((rc = mdb_env_create(&l->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(l->env, 4)) != 0 ||
	    (rc = mdb_env_set_maxreaders(l->env, MAX_READERS)) != 0 ||
	    (rc = mdb_env_set_mapsize(l->env, map)) != 0) {
		buf_printf(err, "%s: %s", dir, mdb_strerror(rc));
		goto fail;
	}
	rc = mdb_env_open(l->env, dir, MDB_NOTLS | (flags & LEDGER_RDONLY ?
	    MDB_RDONLY : 0), 0660);
	if (rc) {
		if (rc == MDB_INVALID)
			buf_printf(err, "%s: not an LMDB environment (%s)", path,
			    mdb_strerror(rc));
		else
			buf_printf(err, "%s: cannot open the ledger: %s", dir,
			    mdb_strerror(rc));
		goto fail;
	}
	(void)mdb_reader_check(l->env, &dead);
	if ((rc = open_tables(l, flags, err)) != 0)
		goto fail;
	*lp = &l->l;
	return 0;
fail:
	lmdb_close(&l->l);
	return rc;
}

static void
lmdb_close(struct ledger *gl)
{
	struct ledger_lmdb *l = (struct ledger_lmdb *)gl;

	if (l == NULL)
		return;
	if (l->env)
		mdb_env_close(l->env);
	pthread_rwlock_destroy(&l->lock);
	ledger_group_destroy(&l->gc);
	free(l->l.path);
	free(l);
}

const struct ledger_backend ledger_backend_lmdb = {
	.name = "lmdb",
	.open = lmdb_open,
	.close = lmdb_close,
	.write = lmdb_write,
	.lookup = lmdb_lookup,
	.forget = lmdb_forget,
	.deliver = lmdb_deliver,
	.iter = lmdb_iter,
	.stats = lmdb_stats,
	.backup = lmdb_backup,
};
