/*
 * NAME
 *	ledger - the send-once ledger
 * SYNOPSIS
 *	#include "ledger.h"
 * DESCRIPTION
 *	The ledger maps a key `<id>/<YYYY-MM>/<recipient lowercased>' to
 *	the record of the first send of that period to that recipient.  The
 *	interface says nothing of the store behind it.  ledger_open() picks
 *	the store from its argument: a libpq URI (`postgresql://' or
 *	`postgres://') is a PostgreSQL database (ledger_pg.c), anything
 *	else an LMDB environment directory (ledger_lmdb.c).  Every other
 *	function dispatches through the backend's table (ledger_backend.h).
 *
 *	ledger_open() opens (and with LEDGER_CREATE creates) the ledger.
 *	An LMDB directory on a network file system is refused, and so is a
 *	directory that holds something other than an edefter ledger.  A
 *	PostgreSQL database must hold the schema: only LEDGER_INIT (which
 *	implies LEDGER_CREATE) creates it, so a milter pointed at the wrong
 *	database refuses to start instead of starting an empty ledger.
 *	With LEDGER_DEFER a PostgreSQL server that cannot be reached at
 *	open is not an error (err then holds a warning): every call tries
 *	again and fails with LEDGER_UNAVAILABLE until it can.  One handle
 *	is safe for all threads of a process; several processes (and, on
 *	PostgreSQL, several hosts) may open the same ledger at once.
 *
 *	ledger_claim() is the milter's decision: for each record in one
 *	write transaction, an absent key is recorded (LEDGER_NEW), a key
 *	present with the same Message-ID is a retry (LEDGER_RETRY) and any
 *	other present key is a duplicate (LEDGER_DUP).  The transaction is
 *	durable (LMDB: on disk; PostgreSQL: committed, as durable as the
 *	server's synchronous_commit makes it) when ledger_claim() returns 0.
 *	Concurrent claims of one process share one transaction and one
 *	commit (group commit).
 *
 *	ledger_merge() is the import: absent keys are recorded, present
 *	keys keep the earlier of the two send dates (LEDGER_PRESENT, or
 *	LEDGER_EARLIER when the date was moved back).  ledger_insert() is
 *	the copy: absent keys are recorded as given, present keys keep
 *	their record untouched (LEDGER_PRESENT).  ledger_copy() copies every
 *	record of one ledger that another lacks, from one read snapshot.
 *
 *	ledger_lookup() copies one record into caller storage;
 *	ledger_iter() calls back for every record matching a filter, inside
 *	one read snapshot (the record is valid during the call only; the
 *	callback may use the ledger itself);
 *	ledger_forget() removes one key.
 *
 *	ledger_stats(), ledger_verify() and ledger_backup() serve the admin
 *	tool.  The LMDB backup is a consistent compacted copy made while
 *	other processes read and write; the PostgreSQL backup writes an
 *	LMDB ledger holding one snapshot of the table (the database itself
 *	is backed up with pg_dump).
 *	ledger_deliver() records what a delivery report said of one key:
 *	a final state (delivered, bounced) replaces anything; delayed only
 *	replaces queued or delayed (a late warning never undoes a result).
 * RECORD FORMAT
 *	Version 2, all integers big-endian:
 *	  u8 version (2), u8 source, u16 year, u8 month, u8 delivery state,
 *	  2 bytes zero, i64 sent (milliseconds since 1970-01-01 UTC),
 *	  i64 delivery date (ms; 0 while queued),
 *	  then twelve strings, each u32 length, the bytes and a NUL byte:
 *	  id, recipient, company name, Message-ID, queue id, client,
 *	  SASL user, file list (names separated by LF), status, legacy hash,
 *	  delivery status code (e.g. 5.1.1), delivery diagnostic.
 *	Version 1 (written before delivery reports were read) is the same
 *	without the delivery byte, date and two strings; it is still read,
 *	as a record in state queued.  Records are written as version 2.
 *	Readers reject a version they do not know.  The ledger's own
 *	format number lives in the `meta' table under `format'.
 *	On PostgreSQL the record's fields are the columns of one table
 *	(ledger_pg.c).
 * DIAGNOSTICS
 *	Functions return 0 or an error code for ledger_strerror():
 *	LEDGER_NOTFOUND, an LMDB code, an errno value, or on PostgreSQL
 *	LEDGER_UNAVAILABLE (the server cannot be reached) and LEDGER_DBERR
 *	(it refused the statement); for these two ledger_strerror(), called
 *	in the same thread, gives the server's words.  ledger_open() also
 *	writes a one-line message naming the ledger into err; it returns
 *	ENOENT when there is no ledger there (no directory, or no schema in
 *	the database) and ECONNREFUSED when the server cannot be reached.
 */
#ifndef EDEFTER_LEDGER_H
#define EDEFTER_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define LEDGER_FORMAT		1	/* the store's layout (meta) */
#define LEDGER_REC_VERSION	2	/* the record's, written */
#define LEDGER_NOTFOUND		(-30798)	/* == MDB_NOTFOUND */
#define LEDGER_CORRUPT		(-30796)	/* == MDB_CORRUPTED */
#define LEDGER_UNAVAILABLE	(-30500)	/* database server unreachable */
#define LEDGER_DBERR		(-30501)	/* database refused a statement */
#define LEDGER_PG_SCHEMA	1	/* the PostgreSQL schema's version */

enum ledger_source { LEDGER_SRC_SMTP, LEDGER_SRC_PICKUP, LEDGER_SRC_IMPORT,
	LEDGER_NSRC };

/* what the recipient's server did with it, as delivery reports say */
enum ledger_delivery { LEDGER_DLV_QUEUED, LEDGER_DLV_DELIVERED,
	LEDGER_DLV_DELAYED, LEDGER_DLV_BOUNCED, LEDGER_NDLV };

struct ledger_rec {
	const char	*id;		/* company VKN/TCKN */
	int		 year;
	int		 month;
	const char	*rcpt;		/* lowercased */
	int64_t		 sent_ms;	/* UTC, ms since the epoch */
	int		 source;	/* enum ledger_source */
	const char	*company_name;
	const char	*message_id;
	const char	*queue_id;
	const char	*client;
	const char	*sasl_user;
	const char	*files;		/* LF-separated */
	const char	*status;	/* "complete" */
	const char	*legacy_hash;	/* uniqueHash as first written */
	int		 delivery;	/* enum ledger_delivery */
	int64_t		 delivery_ms;	/* when the report said so; 0: none */
	const char	*delivery_status;	/* "5.1.1", or "" */
	const char	*delivery_diag;	/* the server's words, or "" */
};

enum ledger_outcome { LEDGER_NEW, LEDGER_RETRY, LEDGER_DUP, LEDGER_PRESENT,
	LEDGER_EARLIER };

struct ledger_claim {
	struct ledger_rec rec;		/* in */
	int		 outcome;	/* out: enum ledger_outcome */
	int64_t		 first_ms;	/* out: date of the stored record */
};

struct ledger_filter {
	const char	*id;		/* NULL: any */
	int		 year;		/* 0: any */
	int		 month;
	const char	*rcpt;		/* NULL: any; lowercase */
};

struct ledger_stats {
	uint64_t	entries;
	uint64_t	map_size;
	uint64_t	map_used;
	uint64_t	file_size;
	unsigned	page_size;
	unsigned	depth;
	unsigned	max_readers;
	unsigned	readers;
	unsigned	format;
	unsigned	grows;		/* map growths by this handle */
	unsigned	server_version;	/* PostgreSQL: server_version_num */
};

struct ledger_copy_stats {
	uint64_t	copied;		/* absent in the target: recorded */
	uint64_t	present;	/* there already: left as it was */
	uint64_t	refused;	/* undecodable, or under the wrong key */
};

struct ledger_opts {
	size_t	initial_map;		/* 0: $EDEFTER_LEDGER_MAPSIZE or 16 MiB */
	size_t	max_map;		/* 0: $EDEFTER_LEDGER_MAXMAP or 64 GiB */
};

#define LEDGER_RDONLY	0x1
#define LEDGER_CREATE	0x2		/* LMDB: make the directory */
#define LEDGER_INIT	0x4		/* also PostgreSQL: make the schema */
#define LEDGER_DEFER	0x8		/* PostgreSQL: server may be down */

struct ledger;
typedef int (*ledger_iter_fn)(const char *key, size_t keylen,
    const struct ledger_rec *, void *);
typedef void (*ledger_problem_fn)(const char *key, size_t keylen,
    const char *problem, void *);

int	ledger_open(struct ledger **, const char *where, int flags,
	    const struct ledger_opts *, struct buf *err);
void	ledger_close(struct ledger *);
const char *ledger_path(const struct ledger *);
const char *ledger_backend_name(const struct ledger *);
int	ledger_is_url(const char *);

int	ledger_claim(struct ledger *, struct ledger_claim *, size_t);
int	ledger_merge(struct ledger *, struct ledger_claim *, size_t);
int	ledger_insert(struct ledger *, struct ledger_claim *, size_t);
int	ledger_copy(struct ledger *from, struct ledger *to,
	    ledger_problem_fn, void *, struct ledger_copy_stats *);
int	ledger_lookup(struct ledger *, const char *key, struct ledger_rec *,
	    struct buf *store);
int	ledger_forget(struct ledger *, const char *key);
int	ledger_deliver(struct ledger *, const char *key, int state,
	    int64_t ms, const char *status, const char *diag, int *changed);
int	ledger_iter(struct ledger *, const struct ledger_filter *,
	    ledger_iter_fn, void *);
int	ledger_stats(struct ledger *, struct ledger_stats *);
int	ledger_verify(struct ledger *, ledger_problem_fn, void *,
	    uint64_t *checked, uint64_t *bad);
int	ledger_backup(struct ledger *, const char *destdir, struct buf *err);
const char *ledger_strerror(int);

/* ledger_rec.c: keys and the record format, independent of the store */
int	ledger_key(struct buf *, const char *id, int year, int month,
	    const char *rcpt);
int	ledger_key_split(const char *key, size_t len, char *id, int *year,
	    int *month, const char **rcpt);
int	ledger_rec_encode(struct buf *, const struct ledger_rec *);
int	ledger_rec_decode(const void *, size_t, struct ledger_rec *);
int	ledger_rec_check(const char *key, size_t keylen,
	    const struct ledger_rec *, struct buf *why);
const char *ledger_source_name(int);
int	ledger_source_parse(const char *);
const char *ledger_delivery_name(int);
int	ledger_delivery_parse(const char *);
int	ledger_delivery_apply(struct ledger_rec *, int state, int64_t ms,
	    const char *status, const char *diag);
int	ledger_time_format(int64_t ms, char *out, size_t outlen);
int	ledger_time_parse(const char *, int64_t *ms);

#endif
