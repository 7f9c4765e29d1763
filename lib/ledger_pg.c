/*
 * NAME
 *	ledger_pg - the ledger in a PostgreSQL database (libpq)
 * SYNOPSIS
 *	ledger_open(&l, "postgresql://...", flags, NULL, &err)
 * DESCRIPTION
 *	The backend behind ledger.h for LedgerURL, for an office whose mail
 *	goes through several MTAs: one table, one row per key (the schema
 *	is in ledger_pgconn.c), shared by every milter that opens it.
 *
 *	Writes are group-committed as in the LMDB backend: concurrent
 *	claims of one process queue, and one of them sends every queued
 *	batch in one transaction and one commit (ledger_group_write()).
 *	The transaction is one pipeline (libpq pipeline mode, implicit
 *	transaction ended by the Sync): per record, in key order (so that
 *	two processes never wait on each other's rows in opposite orders),
 *	`INSERT ... ON CONFLICT (key) DO NOTHING RETURNING 1' and then the
 *	check of what is stored: for a claim its Message-ID and date (same
 *	Message-ID: a retry; other: a duplicate), for a merge its date
 *	under a row lock and an update when the new date is earlier.  The
 *	records of one key keep their arrival order, so a later batch sees
 *	an earlier one's record as in LMDB.  A concurrent insert of the same
 *	key by another server makes the INSERT wait for that transaction
 *	and then do nothing; the check that follows sees the committed
 *	row.  ledger_claim() returns when the Sync's answer has come, that
 *	is after COMMIT: as durable as the server's synchronous_commit
 *	makes it (with synchronous_standby_names and synchronous_commit on
 *	or remote_apply, a claim that returned survives losing the primary).
 *
 *	A deadlock or serialization failure runs the transaction again; a
 *	pooled connection that turns out broken is replaced and the call
 *	run once more (a claim after an unknown outcome is then a retry of
 *	the same Message-ID).  A server that cannot be reached is
 *	LEDGER_UNAVAILABLE: the milter applies OnLedgerError.
 *
 *	Strings that are not valid UTF-8 (the table is text) are stored
 *	with each bad byte as U+FFFD, as the JSON dump shows them; the key
 *	the same way, so the same bytes always make the same key.
 *
 *	Statistics and the backup are in ledger_pgadmin.c, connections and
 *	the schema in ledger_pgconn.c.
 * SECURITY
 *	Keys and values are attacker-influenced: every statement is
 *	prepared or parameterised, never built from them.
 * DIAGNOSTICS
 *	As ledger.h: LEDGER_UNAVAILABLE, LEDGER_DBERR (the server's words
 *	from ledger_strerror() in the same thread), LEDGER_NOTFOUND,
 *	LEDGER_CORRUPT, ENOMEM.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ledger_pg.h"
#include "rfc2047.h"

#define PIPE_CHUNK	64		/* records sent before reading back */

static const char iter_sql[] = "SELECT " PG_COLS " FROM " PG_TABLE
	" WHERE ($1::text IS NULL OR company_id = $1)"
	" AND ($2::integer = 0 OR (year = $2 AND month = $3::integer))"
	" AND ($4::text IS NULL OR rcpt = $4) ORDER BY key";


/* valid_text - a string as the server will take it: itself when it is
 * UTF-8, else a copy in fix with U+FFFD for each bad byte */
static const char *
valid_text(const char *s, struct buf *fix, size_t *off)
{
	size_t	n;

	if (s == NULL)
		return "";
	n = strlen(s);
	if (utf8_valid_prefix(s, n) == n)
		return s;
	*off = fix->len;
	if (utf8_append_valid(fix, s, n) < 0 || buf_addc(fix, 0) < 0)
		return NULL;
	return fix->data;		/* a marker: resolved by the caller */
}

/* same_text - does a given string equal what the server stored */
static int
same_text(const char *given, const char *stored)
{
	struct buf fix = BUF_INIT;
	size_t	off = 0;
	const char *s;
	int	same;

	if ((s = valid_text(given, &fix, &off)) == NULL)
		same = 0;
	else
		same = strcmp(s == fix.data ? fix.data + off : s, stored) == 0;
	buf_free(&fix);
	return same;
}

/* the values of one record's row */
struct vals {
	const char	*v[PG_NCOLS];
	char		 year[16], month[16], sent[24], dms[24];
	struct buf	 fix;
};

/* build_vals - a record as PG_COLS parameters; -1 out of memory */
static int
build_vals(struct vals *v, const char *key, const struct ledger_rec *r)
{
	const char *s[PG_NCOLS] = { [PG_C_RCPT] = r->rcpt,
	    [PG_C_ID] = r->id, [PG_C_NAME] = r->company_name,
	    [PG_C_MSGID] = r->message_id, [PG_C_QUEUE] = r->queue_id,
	    [PG_C_CLIENT] = r->client, [PG_C_SASL] = r->sasl_user,
	    [PG_C_FILES] = r->files, [PG_C_STATUS] = r->status,
	    [PG_C_HASH] = r->legacy_hash,
	    [PG_C_DLV_STATUS] = r->delivery_status,
	    [PG_C_DLV_DIAG] = r->delivery_diag };
	size_t	off[PG_NCOLS], i;

	buf_reset(&v->fix);
	for (i = 0; i < PG_NCOLS; i++) {
		off[i] = SIZE_MAX;
		if (i == PG_C_KEY || i == PG_C_YEAR || i == PG_C_MONTH ||
		    i == PG_C_SENT || i == PG_C_SOURCE || i == PG_C_DLV ||
		    i == PG_C_DLV_MS)
			continue;
		if ((v->v[i] = valid_text(s[i], &v->fix, &off[i])) == NULL)
			return -1;
	}
	for (i = 0; i < PG_NCOLS; i++)
		if (off[i] != SIZE_MAX)
			v->v[i] = v->fix.data + off[i];
	snprintf(v->year, sizeof(v->year), "%d", r->year);
	snprintf(v->month, sizeof(v->month), "%d", r->month);
	snprintf(v->sent, sizeof(v->sent), "%lld", (long long)r->sent_ms);
	snprintf(v->dms, sizeof(v->dms), "%lld", (long long)r->delivery_ms);
	v->v[PG_C_KEY] = key;
	v->v[PG_C_YEAR] = v->year;
	v->v[PG_C_MONTH] = v->month;
	v->v[PG_C_SENT] = v->sent;
	v->v[PG_C_SOURCE] = ledger_source_name(r->source);
	v->v[PG_C_DLV] = ledger_delivery_name(r->delivery);
	v->v[PG_C_DLV_MS] = v->dms;
	return 0;
}

/* row_rec - one row of PG_COLS as a record; strings point into res */
static int
row_rec(const PGresult *res, int row, struct ledger_rec *r)
{
#define V(col)	PQgetvalue(res, row, (col))
	memset(r, 0, sizeof(*r));
	r->id = V(PG_C_ID);
	r->year = (int)strtol(V(PG_C_YEAR), NULL, 10);
	r->month = (int)strtol(V(PG_C_MONTH), NULL, 10);
	r->rcpt = V(PG_C_RCPT);
	r->sent_ms = strtoll(V(PG_C_SENT), NULL, 10);
	r->source = ledger_source_parse(V(PG_C_SOURCE));
	r->company_name = V(PG_C_NAME);
	r->message_id = V(PG_C_MSGID);
	r->queue_id = V(PG_C_QUEUE);
	r->client = V(PG_C_CLIENT);
	r->sasl_user = V(PG_C_SASL);
	r->files = V(PG_C_FILES);
	r->status = V(PG_C_STATUS);
	r->legacy_hash = V(PG_C_HASH);
	r->delivery = ledger_delivery_parse(V(PG_C_DLV));
	r->delivery_ms = strtoll(V(PG_C_DLV_MS), NULL, 10);
	r->delivery_status = V(PG_C_DLV_STATUS);
	r->delivery_diag = V(PG_C_DLV_DIAG);
#undef V
	return r->delivery < 0 || PQnfields(res) != PG_NCOLS ? -1 : 0;
}

/* one record of a group commit */
struct op {
	struct ledger_claim *c;
	int		 how;		/* enum ledger_how */
	size_t		 seq;		/* arrival order */
	size_t		 off;		/* of the key in the arena */
	const char	*key;		/* valid UTF-8 */
	int		 redo;		/* the key went away meanwhile */
};

struct pipe {
	struct op	*ops;
	size_t		 n;
};

/* op_cmp - key order, and arrival order within a key */
static int
op_cmp(const void *a, const void *b)
{
	const struct op *x = a, *y = b;
	int	d = strcmp(x->key, y->key);

	return d ? d : (x->seq > y->seq) - (x->seq < y->seq);
}

/* nstmts - statements per record: claim 2, merge 3, insert 1 */
static int
nstmts(int how)
{
	return how == LEDGER_W_CLAIM ? 2 : how == LEDGER_W_MERGE ? 3 : 1;
}

/* send_op - one record's statements into the pipeline; -1 broken */
static int
send_op(PGconn *c, const struct op *op, struct vals *v)
{
	const char *kv[2] = { op->key, v->sent };

	if (build_vals(v, op->key, &op->c->rec) < 0)
		return -1;
	if (!PQsendQueryPrepared(c, PG_STMT_INSERT, PG_NCOLS, v->v, NULL,
	    NULL, 0))
		return -1;
	switch (op->how) {
	case LEDGER_W_CLAIM:
		return PQsendQueryPrepared(c, PG_STMT_SEEN, 1, kv, NULL, NULL,
		    0) ? 0 : -1;
	case LEDGER_W_MERGE:
		return PQsendQueryPrepared(c, PG_STMT_LOCK, 1, kv, NULL, NULL,
		    0) && PQsendQueryPrepared(c, PG_STMT_EARLIER, 2, kv, NULL,
		    NULL, 0) ? 0 : -1;
	}
	return 0;
}

/* outcome - what the results of one record's statements say */
static int
outcome(struct op *op, PGresult **res)
{
	struct ledger_claim *c = op->c;
	int	inserted = PQntuples(res[0]) > 0;

	c->first_ms = 0;
	if (inserted) {
		c->outcome = LEDGER_NEW;
		return 0;
	}
	if (op->how == LEDGER_W_INSERT) {
		c->outcome = LEDGER_PRESENT;
		return 0;
	}
	if (PQntuples(res[1]) != 1) {
		/* removed between the two statements (edefterctl forget):
		 * this record again, after the others are committed */
		op->redo = 1;
		return 0;
	}
	if (op->how == LEDGER_W_CLAIM) {
		c->first_ms = strtoll(PQgetvalue(res[1], 0, 1), NULL, 10);
		c->outcome = c->rec.message_id && *c->rec.message_id &&
		    same_text(c->rec.message_id, PQgetvalue(res[1], 0, 0)) ?
		    LEDGER_RETRY : LEDGER_DUP;
	} else {
		c->first_ms = strtoll(PQgetvalue(res[1], 0, 0), NULL, 10);
		c->outcome = PQntuples(res[2]) > 0 ? LEDGER_EARLIER :
		    LEDGER_PRESENT;
	}
	return 0;
}

/* recv_op - one record's results; the first error into *err; -1 when
 * the connection broke */
static int
recv_op(PGconn *c, struct op *op, int *err)
{
	PGresult *res[3] = { NULL, NULL, NULL }, *end;
	int	i, n = nstmts(op->how), bad = 0, rc = 0;

	for (i = 0; i < n; i++) {
		if ((res[i] = PQgetResult(c)) == NULL) {
			rc = -1;
			break;
		}
		if (PQresultStatus(res[i]) == PGRES_TUPLES_OK) {
			if ((end = PQgetResult(c)) != NULL) {
				PQclear(end);
				rc = -1;
				break;
			}
			continue;
		}
		bad = 1;
		if (PQresultStatus(res[i]) != PGRES_PIPELINE_ABORTED &&
		    *err == 0)
			*err = pg_failed(c, res[i]);
		if (PQstatus(c) != CONNECTION_OK) {
			rc = -1;
			break;
		}
		if ((end = PQgetResult(c)) != NULL) {
			PQclear(end);
			rc = -1;
			break;
		}
	}
	if (rc == 0 && !bad && *err == 0)
		*err = outcome(op, res);
	for (i = 0; i < n; i++)
		PQclear(res[i]);
	return rc;
}

/* pipe_once - every record of a group in one pipeline, one transaction */
static int
pipe_once(PGconn *c, struct job *j)
{
	struct pipe *p = j->arg;
	struct vals v;
	PGresult *res;
	size_t	sent = 0, recvd = 0;
	int	err = 0, synced = 0;

	memset(&v, 0, sizeof(v));
	if (!PQenterPipelineMode(c))
		goto broken;
	while (!synced) {
		while (err == 0 && sent < p->n && sent - recvd < PIPE_CHUNK) {
			if (send_op(c, &p->ops[sent], &v) < 0)
				goto broken;	/* no Sync: rolled back */
			sent++;
		}
		if (err != 0 || sent == p->n) {
			if (!PQpipelineSync(c))
				goto broken;
			synced = 1;
		} else if (!PQsendFlushRequest(c))
			goto broken;
		if (PQflush(c) != 0)
			goto broken;
		for (; recvd < sent; recvd++)
			if (recv_op(c, &p->ops[recvd], &err) < 0)
				goto broken;
	}
	if ((res = PQgetResult(c)) == NULL || PQresultStatus(res) !=
	    PGRES_PIPELINE_SYNC) {
		PQclear(res);
		goto broken;
	}
	PQclear(res);
	if (!PQexitPipelineMode(c))
		goto broken;
	buf_free(&v.fix);
	return err;
broken:
	buf_free(&v.fix);
	j->discard = 1;
	if (err == 0 || err == PG_AGAIN || PQstatus(c) != CONNECTION_OK)
		err = pg_failed(c, NULL);
	return err == LEDGER_DBERR && PQstatus(c) == CONNECTION_OK ? err :
	    LEDGER_UNAVAILABLE;
}

/* run_pipe - the group's pipeline; then again for the records whose key
 * was removed under them, until none is */
static int
run_pipe(PGconn *c, struct job *j)
{
	static const char gone[] = "PostgreSQL: keys keep being removed "
	    "while they are claimed";
	struct pipe *p = j->arg;
	size_t	i, m;
	int	rc, tries;

	for (tries = 0;; tries++) {
		if ((rc = pipe_once(c, j)) != 0)
			return rc;
		for (i = m = 0; i < p->n; i++)
			if (p->ops[i].redo) {
				p->ops[m] = p->ops[i];
				p->ops[m++].redo = 0;
			}
		if ((p->n = m) == 0)
			return 0;
		if (tries >= PG_TRIES) {
			ledger_set_error(gone, sizeof(gone) - 1);
			return LEDGER_DBERR;
		}
	}
}

/* pg_commit - the batches of several writers in one transaction */
static int
pg_commit(struct ledger *gl, struct ledger_writer *list)
{
	struct ledger_pg *pg = (struct ledger_pg *)gl;
	struct buf arena = BUF_INIT, key = BUF_INIT;
	struct ledger_writer *w;
	struct pipe p = { NULL, 0 };
	struct job j = { run_pipe, &p, 0, 0 };
	size_t	i, k, n = 0;
	int	rc = 0;

	for (w = list; w; w = w->next)
		n += w->n;
	if (n == 0)
		return 0;
	if ((p.ops = calloc(n, sizeof(*p.ops))) == NULL)
		return ENOMEM;
	for (w = list; w && rc == 0; w = w->next)
		for (i = 0; i < w->n; i++) {
			const struct ledger_rec *r = &w->c[i].rec;

			k = p.n++;
			p.ops[k].c = &w->c[i];
			p.ops[k].how = w->how;
			p.ops[k].seq = k;
			p.ops[k].off = arena.len;
			if (ledger_key(&key, r->id, r->year, r->month,
			    r->rcpt) < 0 || utf8_append_valid(&arena, key.data,
			    key.len) < 0 || buf_addc(&arena, 0) < 0) {
				rc = ENOMEM;
				break;
			}
		}
	if (rc == 0) {
		for (k = 0; k < p.n; k++)
			p.ops[k].key = arena.data + p.ops[k].off;
		qsort(p.ops, p.n, sizeof(*p.ops), op_cmp);
		rc = pg_with_conn(pg, &j);
	}
	free(p.ops);
	buf_free(&arena);
	buf_free(&key);
	return rc;
}

/* sql_error - a group failed on a statement: try each batch alone */
static int
sql_error(int rc)
{
	return rc == LEDGER_DBERR;
}

/* pg_write - claim, merge or insert a batch, group-committed */
static int
pg_write(struct ledger *gl, struct ledger_claim *c, size_t n, int how)
{
	struct ledger_pg *pg = (struct ledger_pg *)gl;

	return ledger_group_write(&pg->gc, gl, c, n, how, pg_commit,
	    sql_error);
}

/* a key as the table holds it */
struct keyarg {
	const char	*key;
	struct buf	 fix;
};

/* key_of - the key as the table holds it; NULL out of memory */
static const char *
key_of(struct keyarg *k, const char *key)
{
	size_t	off = 0;
	const char *s = valid_text(key, &k->fix, &off);

	return s == NULL ? NULL : s == k->fix.data ? k->fix.data + off : s;
}

struct lookup {
	struct keyarg	 k;
	struct ledger_rec *r;
	struct buf	*store;
};

/* run_lookup - one row, copied out as an encoded record */
static int
run_lookup(PGconn *c, struct job *j)
{
	struct lookup *lk = j->arg;
	struct ledger_rec r;
	PGresult *res = PQexecPrepared(c, PG_STMT_GET, 1, &lk->k.key, NULL,
	    NULL, 0);
	int	rc = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_failed(c, res);
	else if (PQntuples(res) == 0)
		rc = LEDGER_NOTFOUND;
	else if (row_rec(res, 0, &r) < 0)
		rc = LEDGER_CORRUPT;
	else if (ledger_rec_encode(lk->store, &r) < 0)
		rc = ENOMEM;
	else if (ledger_rec_decode(lk->store->data, lk->store->len, lk->r) != 0)
		rc = LEDGER_CORRUPT;
	PQclear(res);
	return rc;
}

/* pg_lookup - copy one record out */
static int
pg_lookup(struct ledger *gl, const char *key, struct ledger_rec *r,
    struct buf *store)
{
	struct lookup lk = { { NULL, BUF_INIT }, r, store };
	struct job j = { run_lookup, &lk, 0, 0 };
	int	rc = ENOMEM;

	if ((lk.k.key = key_of(&lk.k, key)) != NULL)
		rc = pg_with_conn((struct ledger_pg *)gl, &j);
	buf_free(&lk.k.fix);
	return rc;
}

/* run_forget - delete one row */
static int
run_forget(PGconn *c, struct job *j)
{
	struct keyarg *k = j->arg;
	PGresult *res = PQexecPrepared(c, PG_STMT_FORGET, 1, &k->key, NULL,
	    NULL, 0);
	int	rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = pg_failed(c, res);
	else if (strcmp(PQcmdTuples(res), "0") == 0)
		rc = LEDGER_NOTFOUND;
	PQclear(res);
	return rc;
}

/* pg_forget - remove one key */
static int
pg_forget(struct ledger *gl, const char *key)
{
	struct keyarg k = { NULL, BUF_INIT };
	struct job j = { run_forget, &k, 0, 0 };
	int	rc = ENOMEM;

	if ((k.key = key_of(&k, key)) != NULL)
		rc = pg_with_conn((struct ledger_pg *)gl, &j);
	buf_free(&k.fix);
	return rc;
}

struct deliver {
	struct keyarg	 k;
	int		 state;
	int64_t		 ms;
	const char	*status;
	const char	*diag;
	int		 changed;
};

/* simple - a constant statement (BEGIN, COMMIT, ROLLBACK) */
static int
simple(PGconn *c, const char *sql)
{
	PGresult *res = PQexec(c, sql);
	int	rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 :
	    pg_failed(c, res);

	PQclear(res);
	return rc;
}

/* run_deliver - read the row locked, apply the report, write it back */
static int
run_deliver(PGconn *c, struct job *j)
{
	struct deliver *d = j->arg;
	struct ledger_rec r;
	struct buf fix = BUF_INIT;
	const char *v[5];
	char	ms[24];
	size_t	off3 = SIZE_MAX, off4 = SIZE_MAX;
	PGresult *res = NULL, *up;
	int	rc, changed = 0;

	if ((rc = simple(c, "BEGIN")) != 0)
		return rc;
	res = PQexecPrepared(c, PG_STMT_GETLOCK, 1, &d->k.key, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = pg_failed(c, res);
	else if (PQntuples(res) == 0)
		rc = LEDGER_NOTFOUND;
	else if (row_rec(res, 0, &r) < 0)
		rc = LEDGER_CORRUPT;
	else if ((changed = ledger_delivery_apply(&r, d->state, d->ms,
	    d->status, d->diag)) != 0) {
		snprintf(ms, sizeof(ms), "%lld", (long long)r.delivery_ms);
		v[0] = d->k.key;
		v[1] = ledger_delivery_name(r.delivery);
		v[2] = ms;
		if ((v[3] = valid_text(r.delivery_status, &fix, &off3)) == NULL ||
		    (v[4] = valid_text(r.delivery_diag, &fix, &off4)) == NULL)
			rc = ENOMEM;
		else {
			if (off3 != SIZE_MAX)
				v[3] = fix.data + off3;
			if (off4 != SIZE_MAX)
				v[4] = fix.data + off4;
			up = PQexecPrepared(c, PG_STMT_DELIVER, 5, v, NULL, NULL,
			    0);
			if (PQresultStatus(up) != PGRES_COMMAND_OK)
				rc = pg_failed(c, up);
			PQclear(up);
		}
	}
	PQclear(res);
	buf_free(&fix);
	if (rc == 0 && (rc = simple(c, "COMMIT")) == 0) {
		d->changed = changed;
		return 0;
	}
	if (PQstatus(c) == CONNECTION_OK)
		(void)simple(c, "ROLLBACK");
	return rc;
}

/* pg_deliver - a delivery report onto one key's record (the rules of
 * ledger_delivery_apply()); *changed says whether the record moved */
static int
pg_deliver(struct ledger *gl, const char *key, int state, int64_t ms,
    const char *status, const char *diag, int *changed)
{
	struct deliver d = { { NULL, BUF_INIT }, state, ms, status, diag, 0 };
	struct job j = { run_deliver, &d, 0, 0 };
	int	rc = ENOMEM;

	*changed = 0;
	if ((d.k.key = key_of(&d.k, key)) != NULL &&
	    (rc = pg_with_conn((struct ledger_pg *)gl, &j)) == 0)
		*changed = d.changed;
	buf_free(&d.k.fix);
	return rc;
}

struct iter {
	const struct ledger_filter *f;
	ledger_iter_fn	 fn;
	void		*arg;
};

/* run_iter - one statement (one snapshot), rows one at a time */
static int
run_iter(PGconn *c, struct job *j)
{
	struct iter *it = j->arg;
	const struct ledger_filter *f = it->f;
	struct ledger_rec r;
	struct buf fix = BUF_INIT;
	const char *v[4] = { NULL, "0", "0", NULL };
	char	year[16], month[16];
	size_t	off0 = SIZE_MAX, off3 = SIZE_MAX;
	PGresult *res;
	int	rc = 0, err = 0;

	if (f && f->id && (v[0] = valid_text(f->id, &fix, &off0)) == NULL)
		return ENOMEM;
	if (f && f->rcpt && (v[3] = valid_text(f->rcpt, &fix, &off3)) ==
	    NULL) {
		buf_free(&fix);
		return ENOMEM;
	}
	if (off0 != SIZE_MAX)
		v[0] = fix.data + off0;
	if (off3 != SIZE_MAX)
		v[3] = fix.data + off3;
	if (f && f->year) {
		snprintf(year, sizeof(year), "%d", f->year);
		snprintf(month, sizeof(month), "%d", f->month);
		v[1] = year;
		v[2] = month;
	}
	if (!PQsendQueryParams(c, iter_sql, 4, NULL, v, NULL, NULL, 0)) {
		buf_free(&fix);
		return pg_failed(c, NULL);
	}
	buf_free(&fix);
	(void)PQsetSingleRowMode(c);
	while ((res = PQgetResult(c)) != NULL) {
		switch (PQresultStatus(res)) {
		case PGRES_SINGLE_TUPLE:
			if (err != 0)
				break;
			j->started = 1;
			rc = it->fn(PQgetvalue(res, 0, PG_C_KEY),
			    (size_t)PQgetlength(res, 0, PG_C_KEY),
			    row_rec(res, 0, &r) == 0 ? &r : NULL, it->arg);
			if (rc != 0) {
				PQclear(res);
				j->discard = 1;	/* the rest is not read */
				return rc;
			}
			break;
		case PGRES_TUPLES_OK:
			break;
		default:
			if (err == 0)
				err = pg_failed(c, res);
			break;
		}
		PQclear(res);
		if (PQstatus(c) != CONNECTION_OK)
			return err ? err : pg_failed(c, NULL);
	}
	return err;
}

/* pg_iter - every record matching f, in key order, one snapshot */
static int
pg_iter(struct ledger *gl, const struct ledger_filter *f,
    ledger_iter_fn fn, void *arg)
{
	struct iter it = { f, fn, arg };
	struct job j = { run_iter, &it, 0, 0 };

	return pg_with_conn((struct ledger_pg *)gl, &j);
}

/* pg_close - the pool's connections closed, the handle freed */
static void
pg_close(struct ledger *gl)
{
	struct ledger_pg *pg = (struct ledger_pg *)gl;

	pg_conn_drop_idle(pg);
	pthread_mutex_destroy(&pg->mu);
	pthread_cond_destroy(&pg->cv);
	ledger_group_destroy(&pg->gc);
	free(pg->url);
	free(pg->l.path);
	free(pg);
}

/* pg_open - the ledger in the database the URL names */
static int
pg_open(struct ledger **lp, const char *url, int flags,
    const struct ledger_opts *opts, struct buf *err)
{
	struct buf e = BUF_INIT;
	struct ledger_pg *pg;
	PQconninfoOption *o;
	PGconn	*c;
	char	*msg = NULL, *cut;
	int	rc;

	(void)opts;
	if ((o = PQconninfoParse(url, &msg)) == NULL) {
		char *shown = pg_mask_url(url);

		buf_printf(err, "%s: not a PostgreSQL URL: ", shown ? shown :
		    "LedgerURL");
		if (msg && (cut = strstr(msg, " in URI: ")) != NULL)
			*cut = '\0';		/* it would show the password */
		buf_adds(err, msg ? msg : "out of memory");
		while (err->len && strchr(" \n", err->data[err->len - 1]))
			buf_truncate(err, err->len - 1);
		free(shown);
		PQfreemem(msg);
		return EINVAL;
	}
	PQconninfoFree(o);
	if ((pg = calloc(1, sizeof(*pg))) == NULL ||
	    (pg->url = strdup(url)) == NULL ||
	    (pg->l.path = pg_mask_url(url)) == NULL) {
		if (pg)
			free(pg->url);
		free(pg);
		buf_adds(err, "LedgerURL: out of memory");
		return ENOMEM;
	}
	pg->l.be = &ledger_backend_pg;
	pg->flags = flags;
	pthread_mutex_init(&pg->mu, NULL);
	pthread_cond_init(&pg->cv, NULL);
	ledger_group_init(&pg->gc);
	rc = pg_connect(pg, flags & LEDGER_INIT, &c, &e);
	if (rc == 0) {
		pg->nopen = 1;
		pg_conn_put(pg, c, 1);
	} else if (rc == ECONNREFUSED && (flags & LEDGER_DEFER)) {
		buf_printf(err, "%s: cannot connect for now (every claim "
		    "fails until it can): %s", pg->l.path, BUF_STR(&e));
		rc = 0;
	} else {
		buf_printf(err, "%s: %s", pg->l.path, BUF_STR(&e));
		pg_close(&pg->l);
		buf_free(&e);
		return rc;
	}
	buf_free(&e);
	*lp = &pg->l;
	return 0;
}

const struct ledger_backend ledger_backend_pg = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.write = pg_write,
	.lookup = pg_lookup,
	.forget = pg_forget,
	.deliver = pg_deliver,
	.iter = pg_iter,
	.stats = pg_stats,
	.backup = pg_backup,
};
