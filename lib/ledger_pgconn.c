/*
 * NAME
 *	ledger_pgconn - the PostgreSQL ledger's connections and schema
 * SYNOPSIS
 *	#include "ledger_pg.h"
 * DESCRIPTION
 *	pg_connect() opens one connection to the ledger's URL and makes it
 *	ready: client_encoding UTF8 (the server's must be UTF8 or
 *	SQL_ASCII), read committed, read-only for a LEDGER_RDONLY handle,
 *	the schema created when asked (edefterctl init) and its version
 *	checked, and every statement of ledger_pg.h prepared, all in one
 *	round trip (pipeline mode).  Defaults the URL may override:
 *	connect_timeout 10 s, TCP keepalives, tcp_user_timeout 30 s, so
 *	that a server that went away is an error in seconds, not minutes.
 *
 *	The pool keeps up to PG_POOL_IDLE connections open between calls
 *	and hands out at most PG_POOL_MAX at once.  A connection taken from
 *	it is checked first (a server that restarted has closed it); the
 *	caller puts it back with keep = 0 when it failed, and a connection
 *	found broken empties the pool, whose other connections are most
 *	likely broken too.
 *
 *	pg_with_conn() runs a job on a pooled connection: once more on a new
 *	connection when a pooled one turns out broken (unless the job has
 *	handed out results already), up to PG_TRIES times on a deadlock or
 *	serialization failure.
 *
 *	pg_failed() classifies a failed result: LEDGER_UNAVAILABLE when
 *	the connection is gone or the server is shutting down, PG_AGAIN
 *	for a deadlock or serialization failure (run it again), else
 *	LEDGER_DBERR; the server's words go to ledger_set_error().
 *
 *	The schema (version LEDGER_PG_SCHEMA): table edefter_records, one
 *	row per key with the record's fields as columns (text, integer,
 *	times as bigint milliseconds since 1970 UTC, the delivery date 0
 *	while queued), primary key the ledger key in the "C" collation (so
 *	that key order is LMDB's byte order), an index on company, year
 *	and month; table edefter_meta, name -> value, with `schema'.
 *	Unqualified: they live in the first schema of the search_path.
 * SECURITY
 *	Every value reaches the server as a parameter of a prepared or
 *	parameterised statement; no SQL text is ever built from data.
 * DIAGNOSTICS
 *	pg_connect() returns 0, or ECONNREFUSED (cannot connect), ENOENT
 *	(no schema), EACCES (permission denied), EINVAL (a database the
 *	ledger cannot use) or EIO, with a message in err.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger_pg.h"

static const char *const schema_sql =
	"BEGIN;"
	"SELECT pg_advisory_xact_lock(4242004242);"
	"CREATE TABLE IF NOT EXISTS " PG_META " ("
	"  name text PRIMARY KEY,"
	"  value text NOT NULL);"
	"CREATE TABLE IF NOT EXISTS " PG_TABLE " ("
	"  key text COLLATE \"C\" PRIMARY KEY,"
	"  company_id text NOT NULL,"
	"  year integer NOT NULL,"
	"  month integer NOT NULL,"
	"  rcpt text NOT NULL,"
	"  sent_ms bigint NOT NULL,"
	"  source text NOT NULL,"
	"  company_name text NOT NULL DEFAULT '',"
	"  message_id text NOT NULL DEFAULT '',"
	"  queue_id text NOT NULL DEFAULT '',"
	"  client text NOT NULL DEFAULT '',"
	"  sasl_user text NOT NULL DEFAULT '',"
	"  files text NOT NULL DEFAULT '',"
	"  status text NOT NULL DEFAULT '',"
	"  legacy_hash text NOT NULL DEFAULT '',"
	"  delivery text NOT NULL DEFAULT 'queued' CHECK (delivery IN "
	"    ('queued', 'delivered', 'delayed', 'bounced')),"
	"  delivery_ms bigint NOT NULL DEFAULT 0,"
	"  delivery_status text NOT NULL DEFAULT '',"
	"  delivery_diag text NOT NULL DEFAULT '');"
	"CREATE INDEX IF NOT EXISTS " PG_TABLE "_period ON " PG_TABLE
	"  (company_id, year, month);"
	"INSERT INTO " PG_META " (name, value) VALUES ('schema', '1')"
	"  ON CONFLICT (name) DO NOTHING;"
	"COMMIT";

static const struct {
	const char	*name;
	const char	*sql;
} stmts[] = {
	{ PG_STMT_INSERT, "INSERT INTO " PG_TABLE " (" PG_COLS ") VALUES "
	    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
	    "$15, $16, $17, $18, $19) ON CONFLICT (key) DO NOTHING "
	    "RETURNING 1" },
	{ PG_STMT_SEEN, "SELECT message_id, sent_ms FROM " PG_TABLE
	    " WHERE key = $1" },
	{ PG_STMT_LOCK, "SELECT sent_ms FROM " PG_TABLE " WHERE key = $1 "
	    "FOR UPDATE" },
	{ PG_STMT_EARLIER, "UPDATE " PG_TABLE " SET sent_ms = $2::bigint "
	    "WHERE key = $1 AND $2::bigint > 0 AND sent_ms > $2::bigint "
	    "RETURNING 1" },
	{ PG_STMT_GET, "SELECT " PG_COLS " FROM " PG_TABLE " WHERE key = $1" },
	{ PG_STMT_GETLOCK, "SELECT " PG_COLS " FROM " PG_TABLE
	    " WHERE key = $1 FOR UPDATE" },
	{ PG_STMT_FORGET, "DELETE FROM " PG_TABLE " WHERE key = $1" },
	{ PG_STMT_DELIVER, "UPDATE " PG_TABLE " SET delivery = $2, "
	    "delivery_ms = $3::bigint, delivery_status = $4, "
	    "delivery_diag = $5 WHERE key = $1" },
};
#define NSTMTS	(sizeof(stmts) / sizeof(stmts[0]))

/* pg_failed - the ledger code of a failure; its words kept */
int
pg_failed(PGconn *c, const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) :
	    NULL;
	const char *prim = res ? PQresultErrorField(res,
	    PG_DIAG_MESSAGE_PRIMARY) : NULL;
	struct buf b = BUF_INIT;

	if (prim && *prim)
		buf_printf(&b, "PostgreSQL: %s (%s)", prim, state ? state : "?");
	else
		buf_printf(&b, "PostgreSQL: %s", *PQerrorMessage(c) ?
		    PQerrorMessage(c) : "connection lost");
	ledger_set_error(BUF_STR(&b), b.len);
	buf_free(&b);
	if (PQstatus(c) != CONNECTION_OK || state == NULL ||
	    strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
	    strcmp(state, "53300") == 0)
		return LEDGER_UNAVAILABLE;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
		return PG_AGAIN;
	return LEDGER_DBERR;
}

/* open_errno - what a failed setup statement means to ledger_open() */
static int
open_errno(const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	if (state == NULL)
		return ECONNREFUSED;
	if (strcmp(state, "42P01") == 0)
		return ENOENT;
	if (strcmp(state, "42501") == 0)
		return EACCES;
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
		return ECONNREFUSED;
	return EIO;
}

/* one_line - a server message without its line breaks */
static void
one_line(struct buf *err, const char *s)
{
	size_t	n = strlen(s);

	while (n > 0 && strchr(" \t\r\n", s[n - 1]))
		n--;
	for (; n > 0; s++, n--) {
		if (*s == '\n' || *s == '\t' || *s == '\r') {
			if (err->len && err->data[err->len - 1] != ' ')
				buf_addc(err, ' ');
			continue;
		}
		buf_addc(err, *s);
	}
}

/* res_words - the server's primary message of a failed result */
static void
res_words(struct buf *err, const PGconn *c, const PGresult *res)
{
	const char *prim = res ? PQresultErrorField(res,
	    PG_DIAG_MESSAGE_PRIMARY) : NULL;

	one_line(err, prim && *prim ? prim : res ? PQresultErrorMessage(res) :
	    PQerrorMessage(c));
}

/* setup - the session, the schema check and the statements, in one
 * pipeline; the first failure is the answer */
static int
setup(PGconn *c, int rdonly, struct buf *err)
{
	const char *sql[3] = { "SET default_transaction_isolation = "
	    "'read committed'", rdonly ? "SET default_transaction_read_only "
	    "= on" : "SET default_transaction_read_only = off",
	    "SELECT value FROM " PG_META " WHERE name = 'schema'" };
	PGresult *res;
	size_t	i, nres = 3 + NSTMTS;
	int	rc = 0, broken = 0;
	long	version = -1;

	if (!PQenterPipelineMode(c))
		broken = 1;
	for (i = 0; !broken && i < 3; i++)
		if (!PQsendQueryParams(c, sql[i], 0, NULL, NULL, NULL, NULL, 0))
			broken = 1;
	for (i = 0; !broken && i < NSTMTS; i++)
		if (!PQsendPrepare(c, stmts[i].name, stmts[i].sql, 0, NULL))
			broken = 1;
	if (broken || !PQpipelineSync(c)) {
		one_line(err, PQerrorMessage(c));
		return ECONNREFUSED;
	}
	for (i = 0; i < nres; i++) {
		if ((res = PQgetResult(c)) == NULL) {
			one_line(err, PQerrorMessage(c));
			return ECONNREFUSED;
		}
		switch (PQresultStatus(res)) {
		case PGRES_COMMAND_OK:
			break;
		case PGRES_TUPLES_OK:
			if (i == 2 && PQntuples(res) == 1)
				version = strtol(PQgetvalue(res, 0, 0), NULL, 10);
			break;
		case PGRES_PIPELINE_ABORTED:
			break;
		default:
			if (rc == 0) {
				rc = open_errno(res);
				if (rc == ENOENT)
					buf_adds(err, "no edefter ledger in this "
					    "database (run edefterctl init): ");
				res_words(err, c, res);
			}
			break;
		}
		PQclear(res);
		if ((res = PQgetResult(c)) != NULL) {	/* end of that query */
			PQclear(res);
			one_line(err, "unexpected result");
			return EIO;
		}
	}
	if ((res = PQgetResult(c)) == NULL || PQresultStatus(res) !=
	    PGRES_PIPELINE_SYNC) {
		PQclear(res);
		one_line(err, PQerrorMessage(c));
		return ECONNREFUSED;
	}
	PQclear(res);
	if (!PQexitPipelineMode(c)) {
		one_line(err, PQerrorMessage(c));
		return EIO;
	}
	if (rc == 0 && version < 1) {
		buf_printf(err, "no edefter ledger in this database: %s has no "
		    "schema version (run edefterctl init)", PG_META);
		rc = ENOENT;
	} else if (rc == 0 && version > LEDGER_PG_SCHEMA) {
		buf_printf(err, "ledger schema %ld is not supported (this "
		    "program reads schema %d)", version, LEDGER_PG_SCHEMA);
		rc = EINVAL;
	}
	return rc;
}

/* create_schema - the tables, if absent (edefterctl init) */
static int
create_schema(PGconn *c, struct buf *err)
{
	PGresult *res = PQexec(c, schema_sql);
	int	rc = 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = res ? open_errno(res) : ECONNREFUSED;
		if (rc == ENOENT)
			rc = EIO;
		buf_adds(err, "cannot create the ledger's tables: ");
		res_words(err, c, res);
	}
	PQclear(res);
	return rc;
}

/* quiet - the server's notices (a table that already exists) */
static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* pg_connect - one connection, ready for the statements */
int
pg_connect(struct ledger_pg *pg, int init, PGconn **cp, struct buf *err)
{
	static const char *const kw[] = { "connect_timeout",
	    "application_name", "keepalives_idle", "keepalives_interval",
	    "keepalives_count", "tcp_user_timeout", "dbname",
	    "client_encoding", NULL };
	const char *val[] = { "10", "edefter", "30", "10", "3", "30000",
	    pg->url, "UTF8", NULL };
	const char *enc;
	PGconn	*c;
	int	rc;

	*cp = NULL;
	if ((c = PQconnectdbParams(kw, val, 1)) == NULL) {
		buf_adds(err, "out of memory");
		return ENOMEM;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		one_line(err, PQerrorMessage(c));
		PQfinish(c);
		return ECONNREFUSED;
	}
	(void)PQsetNoticeProcessor(c, quiet, NULL);
	enc = PQparameterStatus(c, "server_encoding");
	if (enc == NULL || (strcmp(enc, "UTF8") != 0 &&
	    strcmp(enc, "SQL_ASCII") != 0)) {
		buf_printf(err, "the database's encoding is %s; the ledger "
		    "needs UTF8", enc ? enc : "unknown");
		PQfinish(c);
		return EINVAL;
	}
	if ((init && (rc = create_schema(c, err)) != 0) ||
	    (rc = setup(c, pg->flags & LEDGER_RDONLY, err)) != 0) {
		PQfinish(c);
		return rc;
	}
	*cp = c;
	return 0;
}

/* alive - an idle connection that the server has not closed: on an
 * idle connection the server says nothing unless it is going away (a
 * restart, pg_terminate_backend), so anything to read ends it */
static int
alive(PGconn *c)
{
	struct pollfd pfd;

	if (PQstatus(c) != CONNECTION_OK || PQtransactionStatus(c) !=
	    PQTRANS_IDLE)
		return 0;
	pfd.fd = PQsocket(c);
	pfd.events = POLLIN;
	pfd.revents = 0;
	return pfd.fd >= 0 && poll(&pfd, 1, 0) == 0;
}

/* pg_conn_get - a ready connection: from the pool, or a new one */
int
pg_conn_get(struct ledger_pg *pg, PGconn **cp, int *pooled)
{
	struct buf err = BUF_INIT, msg = BUF_INIT;
	PGconn	*c;
	int	rc;

	pthread_mutex_lock(&pg->mu);
	for (;;) {
		while (pg->nidle > 0) {
			c = pg->idle[--pg->nidle];
			if (alive(c)) {
				pthread_mutex_unlock(&pg->mu);
				*cp = c;
				*pooled = 1;
				return 0;
			}
			pg->nopen--;
			pthread_mutex_unlock(&pg->mu);
			PQfinish(c);
			pthread_mutex_lock(&pg->mu);
		}
		if (pg->nopen < PG_POOL_MAX)
			break;
		pthread_cond_wait(&pg->cv, &pg->mu);
	}
	pg->nopen++;
	pthread_mutex_unlock(&pg->mu);
	*pooled = 0;
	if ((rc = pg_connect(pg, 0, cp, &err)) != 0) {
		pthread_mutex_lock(&pg->mu);
		pg->nopen--;
		pthread_cond_signal(&pg->cv);
		pthread_mutex_unlock(&pg->mu);
		buf_printf(&msg, "PostgreSQL: %s", BUF_STR(&err));
		ledger_set_error(BUF_STR(&msg), msg.len);
		buf_free(&msg);
		buf_free(&err);
		return rc == ECONNREFUSED ? LEDGER_UNAVAILABLE : LEDGER_DBERR;
	}
	buf_free(&err);
	return 0;
}

/* pg_with_conn - run a job on a pooled connection; again on a fresh one
 * when the pooled one was broken, again when the server says so */
int
pg_with_conn(struct ledger_pg *pg, struct job *j)
{
	PGconn	*c;
	int	rc, pooled, tries;

	for (tries = 0;; tries++) {
		if ((rc = pg_conn_get(pg, &c, &pooled)) != 0)
			return rc;
		j->discard = j->started = 0;
		rc = j->run(c, j);
		if (rc == LEDGER_UNAVAILABLE || (rc != 0 &&
		    PQstatus(c) != CONNECTION_OK)) {
			pg_conn_put(pg, c, 0);
			pg_conn_drop_idle(pg);
			if (pooled && !j->started && tries == 0)
				continue;
			return LEDGER_UNAVAILABLE;
		}
		pg_conn_put(pg, c, !j->discard);
		if (rc == PG_AGAIN && !j->started && tries < PG_TRIES)
			continue;
		return rc == PG_AGAIN ? LEDGER_DBERR : rc;
	}
}

/* pg_conn_put - back into the pool, or closed when it failed or the
 * pool is full */
void
pg_conn_put(struct ledger_pg *pg, PGconn *c, int keep)
{
	pthread_mutex_lock(&pg->mu);
	if (keep && pg->nidle < PG_POOL_IDLE && PQstatus(c) ==
	    CONNECTION_OK && PQtransactionStatus(c) == PQTRANS_IDLE) {
		pg->idle[pg->nidle++] = c;
		c = NULL;
	} else
		pg->nopen--;
	pthread_cond_signal(&pg->cv);
	pthread_mutex_unlock(&pg->mu);
	if (c)
		PQfinish(c);
}

/* pg_conn_drop_idle - close every pooled connection */
void
pg_conn_drop_idle(struct ledger_pg *pg)
{
	PGconn	*c[PG_POOL_IDLE];
	unsigned n;

	pthread_mutex_lock(&pg->mu);
	n = pg->nidle;
	memcpy(c, pg->idle, n * sizeof(*c));
	pg->nidle = 0;
	pg->nopen -= n;
	pthread_cond_broadcast(&pg->cv);
	pthread_mutex_unlock(&pg->mu);
	while (n > 0)
		PQfinish(c[--n]);
}

/* pg_mask_url - the URL as shown: any password replaced by *** */
char *
pg_mask_url(const char *url)
{
	struct buf b = BUF_INIT;
	const char *p = strstr(url, "://"), *auth, *end, *at, *colon, *q;

	if (p == NULL)
		return strdup(url);
	auth = p + 3;
	end = auth + strcspn(auth, "/?");
	for (at = NULL, q = auth; q < end; q++)
		if (*q == '@')
			at = q;
	colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (colon) {
		buf_add(&b, url, (size_t)(colon + 1 - url));
		buf_adds(&b, "***");
		buf_add(&b, at, (size_t)(end - at));
	} else
		buf_add(&b, url, (size_t)(end - url));
	if ((q = strchr(end, '?')) == NULL)
		buf_adds(&b, end);
	else {
		buf_add(&b, end, (size_t)(q + 1 - end));
		for (p = q + 1;;) {
			size_t n = strcspn(p, "&");

			if (n >= 9 && strncmp(p, "password=", 9) == 0) {
				buf_add(&b, p, 9);
				buf_adds(&b, "***");
			} else
				buf_add(&b, p, n);
			p += n;
			if (*p != '&')
				break;
			buf_addc(&b, *p++);
		}
	}
	return b.data ? buf_steal(&b) : strdup(url);
}
