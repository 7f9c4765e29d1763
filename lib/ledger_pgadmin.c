/*
 * NAME
 *	ledger_pgadmin - the PostgreSQL ledger's statistics and backup
 * DESCRIPTION
 *	pg_stats() counts the records and asks the server for the table's
 *	size (with its indexes and TOAST), the page size, the connections
 *	to the database and max_connections, its version and the schema
 *	version, in one statement.
 *
 *	pg_backup() writes an LMDB ledger into DEST/data.mdb from one
 *	snapshot of the table (ledger_copy() into a new LMDB ledger in a
 *	temporary directory under DEST, renamed into place when whole):
 *	edefterctl -l DEST reads it, edefterctl copy puts it back.  The
 *	database itself is backed up with pg_dump.
 * DIAGNOSTICS
 *	As ledger.h; pg_backup() writes a message into err.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledger_pg.h"

static const char stats_sql[] = "SELECT (SELECT count(*) FROM " PG_TABLE
	"), pg_total_relation_size('" PG_TABLE "'),"
	" current_setting('block_size'), current_setting('max_connections'),"
	" (SELECT count(*) FROM pg_stat_activity"
	"  WHERE datname = current_database()),"
	" current_setting('server_version_num'),"
	" (SELECT value FROM " PG_META " WHERE name = 'schema')";

/* run_stats - the counts and sizes of ledger_stats() */
static int
run_stats(PGconn *c, struct job *j)
{
	struct ledger_stats *st = j->arg;
	PGresult *res = PQexecParams(c, stats_sql, 0, NULL, NULL, NULL, NULL,
	    0);
	int	rc = 0;

	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		rc = pg_failed(c, res);
	else {
		st->entries = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
		st->file_size = strtoull(PQgetvalue(res, 0, 1), NULL, 10);
		st->page_size = (unsigned)strtoul(PQgetvalue(res, 0, 2), NULL,
		    10);
		st->max_readers = (unsigned)strtoul(PQgetvalue(res, 0, 3),
		    NULL, 10);
		st->readers = (unsigned)strtoul(PQgetvalue(res, 0, 4), NULL,
		    10);
		st->server_version = (unsigned)strtoul(PQgetvalue(res, 0, 5),
		    NULL, 10);
		st->format = (unsigned)strtoul(PQgetvalue(res, 0, 6), NULL, 10);
	}
	PQclear(res);
	return rc;
}

/* pg_stats - records, the table's size, connections, the server */
int
pg_stats(struct ledger *gl, struct ledger_stats *st)
{
	struct job j = { run_stats, st, 0, 0 };

	return pg_with_conn((struct ledger_pg *)gl, &j);
}

/* pg_backup - an LMDB ledger in dest/data.mdb from one snapshot */
int
pg_backup(struct ledger *gl, const char *dest, struct buf *err)
{
	struct buf tmp = BUF_INIT, fin = BUF_INIT, part = BUF_INIT;
	struct ledger_copy_stats st;
	struct ledger *copy = NULL;
	struct stat sb;
	int	rc = 0, made = 0, dfd;

	if (mkdir(dest, 0750) < 0 && errno != EEXIST) {
		rc = errno;
		buf_printf(err, "%s: cannot create: %s", dest, strerror(rc));
		return rc;
	}
	if (buf_printf(&fin, "%s/data.mdb", dest) < 0 ||
	    buf_printf(&tmp, "%s/.backup.XXXXXX", dest) < 0) {
		rc = ENOMEM;
		goto out;
	}
	if (lstat(fin.data, &sb) == 0) {
		rc = EEXIST;
		buf_printf(err, "%s: exists; will not overwrite a backup",
		    fin.data);
		goto out;
	}
	if (mkdtemp(tmp.data) == NULL) {
		rc = errno;
		buf_printf(err, "%s: %s", tmp.data, strerror(rc));
		goto out;
	}
	made = 1;
	if ((rc = ledger_open(&copy, tmp.data, LEDGER_CREATE, NULL, err)) != 0)
		goto out;
	rc = ledger_copy(gl, copy, NULL, NULL, &st);
	ledger_close(copy);
	if (rc != 0) {
		buf_printf(err, "%s: copy failed: %s", tmp.data,
		    ledger_strerror(rc));
		goto out;
	}
	if (buf_printf(&part, "%s/data.mdb", tmp.data) < 0) {
		rc = ENOMEM;
		goto out;
	}
	if (rename(part.data, fin.data) < 0) {
		rc = errno;
		buf_printf(err, "%s: rename: %s", fin.data, strerror(rc));
		goto out;
	}
	if ((dfd = open(dest, O_RDONLY | O_DIRECTORY)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
out:
	if (made) {
		buf_reset(&part);
		if (buf_printf(&part, "%s/data.mdb", tmp.data) == 0)
			(void)unlink(part.data);
		buf_reset(&part);
		if (buf_printf(&part, "%s/lock.mdb", tmp.data) == 0)
			(void)unlink(part.data);
		(void)rmdir(tmp.data);
	}
	buf_free(&tmp);
	buf_free(&fin);
	buf_free(&part);
	return rc;
}

