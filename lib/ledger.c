/*
 * NAME
 *	ledger - the ledger's front: choose a store, dispatch to it
 * DESCRIPTION
 *	See ledger.h.  ledger_open() picks the backend from its argument
 *	(ledger_is_url()); every other call goes through the handle's
 *	table (ledger_backend.h).  The group commit both stores use, the
 *	verification (over ledger_iter) and the error texts live here too.
 * DIAGNOSTICS
 *	A function the backend lacks returns ENOTSUP.
 */
#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "ledger_backend.h"

static __thread char last_error[512];

/* ledger_is_url - does where name a PostgreSQL database */
int
ledger_is_url(const char *where)
{
	return strncmp(where, "postgresql://", 13) == 0 ||
	    strncmp(where, "postgres://", 11) == 0;
}

/* ledger_open - open the ledger where says, with the backend it names */
int
ledger_open(struct ledger **lp, const char *where, int flags,
    const struct ledger_opts *opts, struct buf *err)
{
	const struct ledger_backend *be = ledger_is_url(where) ?
	    &ledger_backend_pg : &ledger_backend_lmdb;

	*lp = NULL;
	if (flags & LEDGER_INIT)
		flags |= LEDGER_CREATE;
	return be->open(lp, where, flags, opts, err);
}

void
ledger_close(struct ledger *l)
{
	if (l != NULL)
		l->be->close(l);
}

const char *
ledger_path(const struct ledger *l)
{
	return l->path;
}

const char *
ledger_backend_name(const struct ledger *l)
{
	return l->be->name;
}

int
ledger_claim(struct ledger *l, struct ledger_claim *c, size_t n)
{
	return l->be->write(l, c, n, LEDGER_W_CLAIM);
}

int
ledger_merge(struct ledger *l, struct ledger_claim *c, size_t n)
{
	return l->be->write(l, c, n, LEDGER_W_MERGE);
}

int
ledger_insert(struct ledger *l, struct ledger_claim *c, size_t n)
{
	return l->be->write(l, c, n, LEDGER_W_INSERT);
}

int
ledger_lookup(struct ledger *l, const char *key, struct ledger_rec *r,
    struct buf *store)
{
	return l->be->lookup(l, key, r, store);
}

int
ledger_forget(struct ledger *l, const char *key)
{
	return l->be->forget(l, key);
}

int
ledger_deliver(struct ledger *l, const char *key, int state, int64_t ms,
    const char *status, const char *diag, int *changed)
{
	*changed = 0;
	return l->be->deliver(l, key, state, ms, status, diag, changed);
}

int
ledger_iter(struct ledger *l, const struct ledger_filter *f,
    ledger_iter_fn fn, void *arg)
{
	return l->be->iter(l, f, fn, arg);
}

int
ledger_stats(struct ledger *l, struct ledger_stats *st)
{
	memset(st, 0, sizeof(*st));
	return l->be->stats ? l->be->stats(l, st) : ENOTSUP;
}

int
ledger_backup(struct ledger *l, const char *dest, struct buf *err)
{
	if (l->be->backup == NULL) {
		buf_printf(err, "%s: backup is not supported", l->path);
		return ENOTSUP;
	}
	return l->be->backup(l, dest, err);
}

/* ledger_set_error - the words of the last database error, this thread */
void
ledger_set_error(const char *s, size_t n)
{
	size_t	i, k = 0;

	while (n > 0 && strchr(" \t\r\n", s[n - 1]))
		n--;
	for (i = 0; i < n && k < sizeof(last_error) - 1; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		else if (c == '"')
			c = '\'';
		else if (c < ' ' || c == 0x7f)
			c = '?';
		if (c == ' ' && (k == 0 || last_error[k - 1] == ' '))
			continue;
		last_error[k++] = (char)c;
	}
	last_error[k] = '\0';
}

/* keep_error - this thread's words, for a writer it committed for */
static void
keep_error(char *out, size_t len)
{
	size_t	n = strnlen(last_error, len - 1);

	memcpy(out, last_error, n);
	out[n] = '\0';
}

/* ledger_strerror - the words for a ledger code */
const char *
ledger_strerror(int rc)
{
	switch (rc) {
	case LEDGER_NOTFOUND:
		return "no such record";
	case LEDGER_CORRUPT:
		return "record cannot be decoded";
	case LEDGER_UNAVAILABLE:
		return last_error[0] ? last_error :
		    "the ledger's database server cannot be reached";
	case LEDGER_DBERR:
		return last_error[0] ? last_error :
		    "the ledger's database refused the statement";
	}
	return rc > 0 ? strerror(rc) : mdb_strerror(rc);
}

struct verify_ctx {
	ledger_problem_fn fn;
	void		*arg;
	uint64_t	checked;
	uint64_t	bad;
	struct buf	why;
};

/* verify_one - decode and check one record */
static int
verify_one(const char *key, size_t keylen, const struct ledger_rec *r,
    void *arg)
{
	struct verify_ctx *v = arg;

	v->checked++;
	if (r == NULL) {
		v->bad++;
		if (v->fn)
			v->fn(key, keylen, "record cannot be decoded", v->arg);
	} else if (ledger_rec_check(key, keylen, r, &v->why) < 0) {
		v->bad++;
		if (v->fn)
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

/* ledger_group_init - an empty queue, no commit under way */
void
ledger_group_init(struct ledger_group *g)
{
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	g->head = NULL;
	g->tail = &g->head;
	g->busy = 0;
}

void
ledger_group_destroy(struct ledger_group *g)
{
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->cv);
}

/* ledger_group_write - queue the batch; the first writer to find no
 * commit under way commits every queued batch at once (group commit: one
 * flush for the messages that end together, each answered after its
 * batch is durable), the others wait for it */
int
ledger_group_write(struct ledger_group *g, struct ledger *l,
    struct ledger_claim *c, size_t n, int how, ledger_commit_fn commit,
    int (*alone)(int))
{
	struct ledger_writer w = { c, n, how, 0, 0, NULL, "" }, *list, *v;
	int	rc;

	pthread_mutex_lock(&g->mu);
	*g->tail = &w;
	g->tail = &w.next;
	while (!w.done && g->busy)
		pthread_cond_wait(&g->cv, &g->mu);
	if (w.done) {
		pthread_mutex_unlock(&g->mu);
		if (w.rc != 0)
			ledger_set_error(w.err, strlen(w.err));
		return w.rc;
	}
	g->busy = 1;
	list = g->head;
	g->head = NULL;
	g->tail = &g->head;
	pthread_mutex_unlock(&g->mu);

	rc = commit(l, list);
	if (rc != 0 && list->next != NULL && alone(rc)) {
		/* one batch may be at fault: give each its own answer */
		for (v = list; v; v = v->next) {
			struct ledger_writer *next = v->next;
			v->next = NULL;
			v->rc = commit(l, v);
			v->next = next;
			if (v->rc != 0)
				keep_error(v->err, sizeof(v->err));
		}
	} else
		for (v = list; v; v = v->next) {
			v->rc = rc;
			if (rc != 0)
				keep_error(v->err, sizeof(v->err));
		}

	pthread_mutex_lock(&g->mu);
	for (v = list; v; v = v->next)
		v->done = 1;
	g->busy = 0;
	pthread_cond_broadcast(&g->cv);
	pthread_mutex_unlock(&g->mu);
	if (w.rc != 0)
		ledger_set_error(w.err, strlen(w.err));
	return w.rc;
}
