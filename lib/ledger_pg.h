/*
 * NAME
 *	ledger_pg - the PostgreSQL ledger's handle, shared by ledger_pg.c
 *	(the backend's operations), ledger_pgconn.c (connections, the
 *	pool, the schema) and ledger_pgadmin.c (statistics, backup); not
 *	for the rest of the library (use ledger.h)
 * DESCRIPTION
 *	PG_COLS is the select list every record is read with; PG_C_* are
 *	its column numbers.  PG_STMT_* name the statements prepared on
 *	every connection (ledger_pgconn.c has their text).
 */
#ifndef EDEFTER_LEDGER_PG_H
#define EDEFTER_LEDGER_PG_H

#include <libpq-fe.h>
#include <pthread.h>

#include "ledger.h"
#include "ledger_backend.h"

#define PG_POOL_MAX	16		/* connections of one handle */
#define PG_POOL_IDLE	4		/* kept open between calls */
#define PG_AGAIN	(-30502)	/* deadlock, serialization: retry */
#define PG_TRIES	5		/* runs of a job that meets PG_AGAIN */

#define PG_TABLE	"edefter_records"
#define PG_META		"edefter_meta"

#define PG_COLS		"key, company_id, year, month, rcpt, sent_ms, " \
	"source, company_name, message_id, queue_id, client, sasl_user, " \
	"files, status, legacy_hash, delivery, delivery_ms, " \
	"delivery_status, delivery_diag"
#define PG_NCOLS	19

enum { PG_C_KEY, PG_C_ID, PG_C_YEAR, PG_C_MONTH, PG_C_RCPT, PG_C_SENT,
	PG_C_SOURCE, PG_C_NAME, PG_C_MSGID, PG_C_QUEUE, PG_C_CLIENT,
	PG_C_SASL, PG_C_FILES, PG_C_STATUS, PG_C_HASH, PG_C_DLV,
	PG_C_DLV_MS, PG_C_DLV_STATUS, PG_C_DLV_DIAG };

#define PG_STMT_INSERT	"edefter_insert"	/* PG_COLS values */
#define PG_STMT_SEEN	"edefter_seen"		/* key: message_id, sent_ms */
#define PG_STMT_LOCK	"edefter_lock"		/* key: sent_ms, row locked */
#define PG_STMT_EARLIER	"edefter_earlier"	/* key, ms: moved back? */
#define PG_STMT_GET	"edefter_get"		/* key: PG_COLS */
#define PG_STMT_GETLOCK	"edefter_getlock"	/* key: PG_COLS, row locked */
#define PG_STMT_FORGET	"edefter_forget"	/* key */
#define PG_STMT_DELIVER	"edefter_deliver"	/* key, state, ms, code, text */

struct ledger_pg {
	struct ledger	 l;		/* first: the generic handle */
	char		*url;
	int		 flags;		/* LEDGER_RDONLY */
	pthread_mutex_t	 mu;		/* the pool */
	pthread_cond_t	 cv;
	PGconn		*idle[PG_POOL_IDLE];
	unsigned	 nidle;
	unsigned	 nopen;
	struct ledger_group gc;
};

/* a piece of work on one connection (pg_with_conn) */
struct job {
	int	(*run)(PGconn *, struct job *);
	void	*arg;
	int	 discard;		/* the connection must not go back */
	int	 started;		/* results were handed out: no rerun */
};

int	pg_with_conn(struct ledger_pg *, struct job *);
int	pg_connect(struct ledger_pg *, int init, PGconn **, struct buf *err);
int	pg_conn_get(struct ledger_pg *, PGconn **, int *pooled);
void	pg_conn_put(struct ledger_pg *, PGconn *, int keep);
void	pg_conn_drop_idle(struct ledger_pg *);
int	pg_failed(PGconn *, const PGresult *);
char	*pg_mask_url(const char *);
int	pg_stats(struct ledger *, struct ledger_stats *);
int	pg_backup(struct ledger *, const char *, struct buf *);

#endif
