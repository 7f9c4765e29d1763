/*
 * test_ledger_pg - the PostgreSQL ledger: the decisions, merges,
 * deliveries and filters of test_ledger.c, and what only a shared
 * database has: group commit in one transaction, races between
 * processes and handles, reconnection, a server that is not there,
 * strings that are not UTF-8, copies to and from LMDB.
 *
 * EDEFTER_TEST_PGURL names a scratch database (its edefter tables are
 * dropped and made again); without it the test is skipped.
 * tests/t/t1200-ledger-pg.sh starts a server and runs it.
 */
#include <sys/wait.h>

#include <errno.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "ledger.h"
#include "ledger_pg.h"

static const char *url;
static char top[] = "/tmp/edefter-ledger-pg.XXXXXX";

static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* admin - run SQL on a connection of the test's own; the first value */
static char *
admin(const char *sql)
{
	static char out[256];
	PGconn	*c = PQconnectdb(url);
	PGresult *res;

	out[0] = '\0';
	if (PQstatus(c) != CONNECTION_OK) {
		printf("# admin connect: %s", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	res = PQexec(c, sql);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0)
		snprintf(out, sizeof(out), "%s", PQgetvalue(res, 0, 0));
	else if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)
		printf("# admin %s: %s", sql, PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(c);
	return out;
}

/* fresh - no edefter tables, then a ledger made by LEDGER_INIT */
static struct ledger *
fresh(void)
{
	struct ledger *l = NULL;
	struct buf err = BUF_INIT;

	admin("DROP TABLE IF EXISTS edefter_records, edefter_meta");
	if (ledger_open(&l, url, LEDGER_INIT, NULL, &err) != 0)
		printf("# init: %s\n", BUF_STR(&err));
	buf_free(&err);
	return l;
}

static struct ledger *
reopen(int flags)
{
	struct ledger *l = NULL;
	struct buf err = BUF_INIT;

	if (ledger_open(&l, url, flags, NULL, &err) != 0)
		printf("# open: %s\n", BUF_STR(&err));
	buf_free(&err);
	return l;
}

/* rec - a record for id/period/rcpt with a Message-ID */
static struct ledger_rec
rec(const char *id, int y, int m, const char *rcpt, const char *msgid,
    int64_t ms)
{
	struct ledger_rec r;

	memset(&r, 0, sizeof(r));
	r.id = id;
	r.year = y;
	r.month = m;
	r.rcpt = rcpt;
	r.message_id = msgid;
	r.sent_ms = ms;
	r.source = LEDGER_SRC_SMTP;
	r.company_name = "\xc3\x96rnek A.\xc5\x9e.";
	r.queue_id = "4F2A1B";
	r.files = "GIB-1234567890-202510-KB-000000.zip\n"
	    "GIB-1234567890-202510-YB-000000.zip";
	r.status = "complete";
	return r;
}

static int
count_cb(const char *k, size_t kl, const struct ledger_rec *r, void *arg)
{
	(void)k;
	(void)kl;
	if (r)
		(*(int *)arg)++;
	return 0;
}

static int
count(struct ledger *l, const char *id, int y, int m, const char *rcpt)
{
	struct ledger_filter f = { id, y, m, rcpt };
	int	n = 0;

	if (ledger_iter(l, &f, count_cb, &n) != 0)
		return -1;
	return n;
}

static void
test_schema(void)
{
	struct ledger *l = NULL;
	struct ledger_stats st;
	struct buf err = BUF_INIT;
	int	rc;

	admin("DROP TABLE IF EXISTS edefter_records, edefter_meta");
	rc = ledger_open(&l, url, LEDGER_CREATE, NULL, &err);
	CHECK(rc == ENOENT && strstr(BUF_STR(&err), "edefterctl init"),
	    "no schema: not created by LEDGER_CREATE, ENOENT: %s",
	    BUF_STR(&err));
	buf_reset(&err);
	CHECK(ledger_open(&l, url, LEDGER_INIT, NULL, &err) == 0 &&
	    strcmp(ledger_backend_name(l), "postgresql") == 0,
	    "LEDGER_INIT makes the schema %s", BUF_STR(&err));
	ledger_close(l);
	CHECK(ledger_open(&l, url, LEDGER_INIT, NULL, &err) == 0,
	    "again: nothing changes");
	rc = ledger_stats(l, &st);
	CHECK(rc == 0 && st.format == LEDGER_PG_SCHEMA &&
	    st.entries == 0 && st.server_version >= 150000 &&
	    st.page_size > 0 && st.readers >= 1, "stats: schema %u, server "
	    "%u, %u connections", st.format, st.server_version, st.readers);
	ledger_close(l);
	admin("UPDATE edefter_meta SET value = '99' WHERE name = 'schema'");
	buf_reset(&err);
	rc = ledger_open(&l, url, 0, NULL, &err);
	CHECK(rc == EINVAL && strstr(BUF_STR(&err), "schema 99"),
	    "a newer schema is refused: %s", BUF_STR(&err));
	buf_free(&err);
}

static void
test_open_errors(void)
{
	struct ledger *l = NULL;
	struct ledger_claim c;
	struct buf err = BUF_INIT, u = BUF_INIT;
	int	rc;

	ledger_close(fresh());
	buf_printf(&u, "postgresql:///nodb?host=%s/nothere", top);
	rc = ledger_open(&l, u.data, 0, NULL, &err);
	CHECK(rc == ECONNREFUSED && strstr(BUF_STR(&err), "nothere"),
	    "no server: ECONNREFUSED: %s", BUF_STR(&err));
	buf_reset(&err);
	rc = ledger_open(&l, u.data, LEDGER_DEFER, NULL, &err);
	CHECK(rc == 0 && l && err.len > 0, "LEDGER_DEFER: opens, with a "
	    "warning: %s", BUF_STR(&err));
	if (l) {
		c.rec = rec("1234567890", 2025, 10, "a@x.example", "<m>", 1);
		rc = ledger_claim(l, &c, 1);
		CHECK(rc == LEDGER_UNAVAILABLE && strstr(ledger_strerror(rc),
		    "PostgreSQL"), "then a claim is LEDGER_UNAVAILABLE: %s",
		    ledger_strerror(rc));
		ledger_close(l);
	}
	buf_reset(&err);
	rc = ledger_open(&l, "postgresql://u:s3cret@[::1", 0, NULL, &err);
	CHECK(rc == EINVAL && !strstr(BUF_STR(&err), "s3cret") &&
	    strstr(BUF_STR(&err), "***"), "a bad URL, password hidden: %s",
	    BUF_STR(&err));
	buf_reset(&u);
	buf_reset(&err);
	buf_printf(&u, "postgresql://postgres:s3cret@%s", strstr(url,
	    "://") + 3);
	if (strchr(url + 13, '@') == NULL && ledger_open(&l, u.data, 0, NULL,
	    &err) == 0) {
		CHECK(!strstr(ledger_path(l), "s3cret") && strstr(ledger_path(l),
		    "postgres:***@"), "ledger_path hides the password: %s",
		    ledger_path(l));
		ledger_close(l);
	} else
		printf("ok %d # skip password in the URL (%s)\n", ++check_n,
		    BUF_STR(&err));
	buf_free(&err);
	buf_free(&u);
}

static void
test_decisions(void)
{
	struct ledger *l = fresh();
	struct ledger_claim c[3];
	struct ledger_rec r;
	struct buf store = BUF_INIT;
	int	rc;

	CHECK(l != NULL, "a fresh ledger");
	if (l == NULL)
		return;
	c[0].rec = rec("1234567890", 2025, 10, "a@x.example", "<m1@x>", 1000);
	rc = ledger_claim(l, c, 1);
	CHECK(rc == 0 && c[0].outcome == LEDGER_NEW, "first send is new");
	c[0].rec = rec("1234567890", 2025, 10, "a@x.example", "<m2@x>", 2000);
	rc = ledger_claim(l, c, 1);
	CHECK(rc == 0 && c[0].outcome == LEDGER_DUP && c[0].first_ms == 1000,
	    "second send is a duplicate, first date given");
	c[0].rec = rec("1234567890", 2025, 10, "a@x.example", "<m1@x>", 3000);
	rc = ledger_claim(l, c, 1);
	CHECK(rc == 0 && c[0].outcome == LEDGER_RETRY && c[0].first_ms ==
	    1000, "same Message-ID is a retry");
	c[0].rec = rec("1234567890", 2025, 10, "a@x.example", "", 3000);
	rc = ledger_claim(l, c, 1);
	CHECK(rc == 0 && c[0].outcome == LEDGER_DUP, "empty Message-ID never "
	    "matches");
	c[0].rec = rec("1234567890", 2025, 10, "a@x.example", "<m3@x>", 4000);
	c[1].rec = rec("1234567890", 2025, 10, "b@x.example", "<m3@x>", 4000);
	c[2].rec = rec("1234567890", 2025, 11, "a@x.example", "<m3@x>", 4000);
	rc = ledger_claim(l, c, 3);
	CHECK(rc == 0 && c[0].outcome == LEDGER_DUP && c[1].outcome ==
	    LEDGER_NEW && c[2].outcome == LEDGER_NEW, "mixed batch");
	c[0].rec = rec("1234567890", 2025, 12, "Twice@X.example", "<t1>", 10);
	c[1].rec = rec("1234567890", 2025, 12, "twice@x.example", "<t2>", 20);
	rc = ledger_claim(l, c, 2);
	CHECK(rc == 0 && c[0].outcome == LEDGER_NEW && c[1].outcome ==
	    LEDGER_DUP && c[1].first_ms == 10, "one key twice in a batch: "
	    "the first is new, the second sees it");
	rc = ledger_lookup(l, "1234567890/2025-10/a@x.example", &r, &store);
	CHECK(rc == 0 && r.sent_ms == 1000 && !strcmp(r.message_id, "<m1@x>")
	    && !strcmp(r.queue_id, "4F2A1B") && r.year == 2025 &&
	    r.month == 10 && !strcmp(r.files, "GIB-1234567890-202510-KB-"
	    "000000.zip\nGIB-1234567890-202510-YB-000000.zip") &&
	    !strcmp(r.company_name, "\xc3\x96rnek A.\xc5\x9e.") &&
	    r.source == LEDGER_SRC_SMTP && r.delivery == LEDGER_DLV_QUEUED,
	    "lookup returns the first record, every field");
	CHECK(ledger_lookup(l, "1234567890/2025-12/a@x.example", &r, &store)
	    == LEDGER_NOTFOUND, "lookup of an absent key");
	CHECK(ledger_forget(l, "1234567890/2025-10/a@x.example") == 0,
	    "forget");
	CHECK(ledger_forget(l, "1234567890/2025-10/a@x.example") ==
	    LEDGER_NOTFOUND, "forget twice");
	c[0].rec = rec("1234567890", 2025, 10, "a@x.example", "<m9@x>", 9000);
	rc = ledger_claim(l, c, 1);
	CHECK(rc == 0 && c[0].outcome == LEDGER_NEW, "after forget: new again");
	buf_free(&store);
	ledger_close(l);
}

static void
test_iter_merge(void)
{
	struct ledger *l = fresh();
	struct ledger_claim c[6];
	struct ledger_rec r;
	struct buf store = BUF_INIT;

	if (l == NULL)
		return;
	c[0].rec = rec("1234567890", 2025, 1, "a@x.example", "<1>", 5000);
	c[1].rec = rec("1234567890", 2025, 2, "a@x.example", "<2>", 5000);
	c[2].rec = rec("1234567890", 2025, 2, "b@x.example", "<2>", 5000);
	c[3].rec = rec("4540536920", 2025, 2, "a@x.example", "<3>", 5000);
	c[4].rec = rec("10000000146", 2025, 2, "a@x.example", "<4>", 5000);
	c[5].rec = rec("1234567808", 2024, 12, "c@x.example", "<5>", 5000);
	CHECK(ledger_claim(l, c, 6) == 0, "six records");
	CHECK(count(l, NULL, 0, 0, NULL) == 6, "iterate all");
	CHECK(count(l, "1234567890", 0, 0, NULL) == 3, "by company");
	CHECK(count(l, "1234567890", 2025, 2, NULL) == 2, "by company+period");
	CHECK(count(l, NULL, 2025, 2, NULL) == 4, "by period");
	CHECK(count(l, NULL, 0, 0, "a@x.example") == 4, "by recipient");
	CHECK(count(l, "123456789", 0, 0, NULL) == 0, "a prefix of an id is "
	    "not the id");
	CHECK(count(l, "1234567890' OR '1'='1", 0, 0, NULL) == 0,
	    "a filter is a value, not SQL");

	c[0].rec = rec("1234567890", 2025, 1, "a@x.example", "<old>", 100);
	c[1].rec = rec("1234567890", 2025, 2, "a@x.example", "<late>", 9999);
	c[2].rec = rec("1234567890", 2025, 3, "a@x.example", "<new>", 7000);
	c[3].rec = rec("1234567890", 2025, 3, "a@x.example", "<dup>", 6000);
	CHECK(ledger_merge(l, c, 4) == 0, "merge");
	CHECK(c[0].outcome == LEDGER_EARLIER && c[1].outcome == LEDGER_PRESENT
	    && c[2].outcome == LEDGER_NEW && c[3].outcome == LEDGER_EARLIER,
	    "merge outcomes (%d %d %d %d)", c[0].outcome, c[1].outcome,
	    c[2].outcome, c[3].outcome);
	CHECK(c[0].first_ms == 5000 && c[1].first_ms == 5000 &&
	    c[3].first_ms == 7000, "merge: the stored dates given");
	CHECK(ledger_lookup(l, "1234567890/2025-01/a@x.example", &r, &store) ==
	    0 && r.sent_ms == 100 && !strcmp(r.message_id, "<1>"),
	    "earlier date kept, the rest of the record too");
	CHECK(ledger_lookup(l, "1234567890/2025-02/a@x.example", &r, &store) ==
	    0 && r.sent_ms == 5000, "later date ignored");
	CHECK(ledger_lookup(l, "1234567890/2025-03/a@x.example", &r, &store) ==
	    0 && r.sent_ms == 6000, "duplicate inside one batch: earliest");
	buf_free(&store);
	ledger_close(l);
}

static void
test_delivery(void)
{
	struct ledger *l = fresh();
	const char *key = "1234567890/2025-10/a@x.example";
	struct buf store = BUF_INIT;
	struct ledger_claim c;
	struct ledger_rec d;
	int	ch = 0;

	if (l == NULL)
		return;
	memset(&c, 0, sizeof(c));
	c.rec = rec("1234567890", 2025, 10, "a@x.example", "<m@x>", 1000);
	CHECK(ledger_claim(l, &c, 1) == 0 && c.outcome == LEDGER_NEW,
	    "claimed");
	CHECK(ledger_deliver(l, key, LEDGER_DLV_DELAYED, 1500, "4.4.1",
	    "timeout", &ch) == 0 && ch == 1, "ledger_deliver: delayed");
	CHECK(ledger_deliver(l, key, LEDGER_DLV_DELAYED, 1500, "4.4.1",
	    "timeout", &ch) == 0 && ch == 0, "the same report again: "
	    "unchanged");
	CHECK(ledger_deliver(l, key, LEDGER_DLV_BOUNCED, 2000, "5.1.1",
	    "smtp; 550 5.1.1 <a@x.example>: kullan\xc4\xb1" "c\xc4\xb1 yok",
	    &ch) == 0 && ch == 1, "ledger_deliver: bounced");
	CHECK(ledger_lookup(l, key, &d, &store) == 0 && d.delivery ==
	    LEDGER_DLV_BOUNCED && d.delivery_ms == 2000 &&
	    !strcmp(d.delivery_status, "5.1.1") && !strcmp(d.delivery_diag,
	    "smtp; 550 5.1.1 <a@x.example>: kullan\xc4\xb1" "c\xc4\xb1 yok") &&
	    !strcmp(d.message_id, "<m@x>") && d.sent_ms == 1000,
	    "stored, the rest kept");
	CHECK(ledger_deliver(l, key, LEDGER_DLV_DELAYED, 3000, "4.0.0", "",
	    &ch) == 0 && ch == 0, "a late delay: unchanged");
	CHECK(ledger_lookup(l, key, &d, &store) == 0 && d.delivery ==
	    LEDGER_DLV_BOUNCED, "still bounced");
	CHECK(ledger_deliver(l, key, LEDGER_DLV_DELIVERED, 4000, "2.0.0",
	    "250 ok", &ch) == 0 && ch == 1, "a final state replaces another");
	CHECK(ledger_deliver(l, "1234567890/2025-11/a@x.example",
	    LEDGER_DLV_DELIVERED, 1, "2.0.0", "", &ch) == LEDGER_NOTFOUND &&
	    ch == 0, "an unknown key: LEDGER_NOTFOUND");
	c.rec = rec("1234567890", 2025, 10, "a@x.example", "<m@x>", 1000);
	CHECK(ledger_claim(l, &c, 1) == 0 && c.outcome == LEDGER_RETRY,
	    "a retry of the same message after a report is still a retry");
	buf_free(&store);
	ledger_close(l);
}

/* test_strings - attacker-influenced bytes: stored as values; bytes that
 * are not UTF-8 as U+FFFD, the same way every time */
static void
test_strings(void)
{
	struct ledger *l = fresh();
	struct ledger_claim c;
	struct ledger_rec r;
	struct buf store = BUF_INIT;
	const char *evil = "x'); DROP TABLE edefter_records; --\\ $1 \"q\"";
	const char *badkey = "1234567890/2025-10/b\xff" "d@x.example";
	char	*n;

	if (l == NULL)
		return;
	c.rec = rec("1234567890", 2025, 10, "a@x.example", evil, 1000);
	c.rec.company_name = evil;
	c.rec.files = "a\tb\nc\x01" "d.zip";
	CHECK(ledger_claim(l, &c, 1) == 0 && c.outcome == LEDGER_NEW,
	    "SQL-looking values are claimed");
	CHECK(ledger_lookup(l, "1234567890/2025-10/a@x.example", &r, &store) ==
	    0 && !strcmp(r.company_name, evil) && !strcmp(r.message_id, evil) &&
	    !strcmp(r.files, "a\tb\nc\x01" "d.zip"), "and come back byte for "
	    "byte");
	c.rec = rec("1234567890", 2025, 10, "a@x.example", evil, 2000);
	CHECK(ledger_claim(l, &c, 1) == 0 && c.outcome == LEDGER_RETRY,
	    "the same Message-ID, quotes and all, is a retry");
	n = admin("SELECT count(*) FROM edefter_records");
	CHECK(n && !strcmp(n, "1"), "the table is still there, one row");

	c.rec = rec("1234567890", 2025, 10, "B\xff" "D@x.example",
	    "<\xfe" "m>", 1000);
	c.rec.company_name = "\xd6rnek A.\xde.";	/* Windows-1254 */
	CHECK(ledger_claim(l, &c, 1) == 0 && c.outcome == LEDGER_NEW,
	    "bytes that are not UTF-8: claimed");
	CHECK(ledger_lookup(l, badkey, &r, &store) == 0 &&
	    !strcmp(r.company_name, "\xef\xbf\xbdrnek A.\xef\xbf\xbd.") &&
	    !strcmp(r.rcpt, "B\xef\xbf\xbd" "D@x.example") &&
	    !strcmp(r.message_id, "<\xef\xbf\xbdm>"),
	    "found by the same bytes (the key lowercased); stored with "
	    "U+FFFD");
	c.rec = rec("1234567890", 2025, 10, "b\xff" "d@x.example",
	    "<\xfe" "m>", 5000);
	CHECK(ledger_claim(l, &c, 1) == 0 && c.outcome == LEDGER_RETRY &&
	    c.first_ms == 1000, "the same bytes again: a retry");
	c.rec = rec("1234567890", 2025, 10, "b\xfe" "d@x.example", "<o>",
	    5000);
	CHECK(ledger_claim(l, &c, 1) == 0 && c.outcome == LEDGER_DUP,
	    "other bad bytes in the same place: the same key (never a "
	    "second send)");
	CHECK(ledger_forget(l, badkey) == 0, "forget by the same bytes");
	buf_free(&store);
	ledger_close(l);
}

/* fill - n records for company id, batch at a time; first error */
static int
fill(struct ledger *l, const char *id, int n, int batch, const char *tag)
{
	struct ledger_claim *c = calloc((size_t)batch, sizeof(*c));
	char	(*rcpt)[64] = calloc((size_t)batch, 64);
	int	i, j, rc = 0;

	for (i = 0; i < n && rc == 0; i += batch) {
		for (j = 0; j < batch && i + j < n; j++) {
			snprintf(rcpt[j], 64, "%s%07d@x.example", tag, i + j);
			c[j].rec = rec(id, 2025, 1 + (i + j) % 12, rcpt[j],
			    "<fill@x>", 1000 + i + j);
		}
		rc = ledger_claim(l, c, (size_t)j);
	}
	free(c);
	free(rcpt);
	return rc;
}

static void
test_big_batch(void)
{
	struct ledger *l = fresh();
	struct ledger_claim *c;
	char	(*rcpt)[64];
	int	i, news = 0, dups = 0;
	uint64_t checked, bad;

	if (l == NULL)
		return;
	c = calloc(3000, sizeof(*c));
	rcpt = calloc(3000, 64);
	for (i = 0; i < 3000; i++) {
		snprintf(rcpt[i], 64, "big%05d@x.example", 2999 - i);
		c[i].rec = rec("4540536920", 2025, 5, rcpt[i], "<big>", 7);
	}
	CHECK(ledger_claim(l, c, 3000) == 0, "3000 recipients in one claim "
	    "(one pipeline, read back as it goes)");
	for (i = 0; i < 3000; i++)
		news += c[i].outcome == LEDGER_NEW;
	for (i = 0; i < 3000; i++)
		c[i].rec.message_id = "<other>";
	CHECK(ledger_claim(l, c, 3000) == 0, "again, another Message-ID");
	for (i = 0; i < 3000; i++)
		dups += c[i].outcome == LEDGER_DUP && c[i].first_ms == 7;
	CHECK(news == 3000 && dups == 3000, "%d new, then %d duplicates, each "
	    "outcome with its own record", news, dups);
	CHECK(fill(l, "1234567890", 5000, 500, "f") == 0 &&
	    count(l, NULL, 0, 0, NULL) == 8000, "and 5000 more in batches");
	CHECK(ledger_verify(l, NULL, NULL, &checked, &bad) == 0 &&
	    checked == 8000 && bad == 0, "all verify");
	admin("UPDATE edefter_records SET rcpt = 'other@x.example' WHERE "
	    "key = '1234567890/2025-01/f0000000@x.example'");
	CHECK(ledger_verify(l, NULL, NULL, &checked, &bad) == 0 &&
	    checked == 8000 && bad == 1, "a row changed behind its key is "
	    "found by verify");
	free(c);
	free(rcpt);
	ledger_close(l);
}

struct race {
	struct ledger	*l;
	int		 id;
	int		 news;
	int		 dups;
	int		 errs;
};

#define RACE_KEYS	200

static void *
race_thread(void *arg)
{
	struct race *r = arg;
	struct ledger_claim c;
	char	rcpt[64], msgid[64];
	int	i;

	snprintf(msgid, sizeof(msgid), "<thread%d@x>", r->id);
	for (i = 0; i < RACE_KEYS; i++) {
		/* odd threads go through the keys backwards */
		snprintf(rcpt, sizeof(rcpt), "r%d@x.example", r->id % 2 ?
		    RACE_KEYS - 1 - i : i);
		c.rec = rec("1234567890", 2025, 6, rcpt, msgid, 1000);
		if (ledger_claim(r->l, &c, 1) != 0) {
			r->errs++;
			printf("# thread %d: %s\n", r->id, ledger_strerror(
			    LEDGER_DBERR));
			continue;
		}
		if (c.outcome == LEDGER_NEW)
			r->news++;
		else if (c.outcome == LEDGER_DUP)
			r->dups++;
	}
	return NULL;
}

/* test_threads - 8 threads on two handles of one process (two milters
 * sharing the database, as far as the server can tell) */
static void
test_threads(void)
{
	struct ledger *l = fresh(), *l2 = reopen(0);
	struct race r[8];
	pthread_t th[8];
	int	i, news = 0, dups = 0, errs = 0;

	if (l == NULL || l2 == NULL)
		return;
	for (i = 0; i < 8; i++) {
		r[i] = (struct race){ i < 4 ? l : l2, i, 0, 0, 0 };
		pthread_create(&th[i], NULL, race_thread, &r[i]);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		news += r[i].news;
		dups += r[i].dups;
		errs += r[i].errs;
	}
	CHECK(news == RACE_KEYS && dups == 7 * RACE_KEYS && errs == 0,
	    "8 threads on 2 handles, %d keys in both orders: %d new, %d "
	    "duplicate, %d errors", RACE_KEYS, news, dups, errs);
	CHECK(count(l, NULL, 0, 0, NULL) == RACE_KEYS, "one record per key");
	ledger_close(l);
	ledger_close(l2);
}

static void
test_processes(void)
{
	struct ledger *l = fresh();
	int	fds[2], i, news = 0, total = 0, status, ok = 1;
	pid_t	pid[4];

	ledger_close(l);
	if (pipe(fds) < 0)
		return;
	fflush(stdout);
	for (i = 0; i < 4; i++) {
		if ((pid[i] = fork()) == 0) {
			struct race r = { NULL, 100 + i, 0, 0, 0 };
			struct buf err = BUF_INIT;

			close(fds[0]);
			if (ledger_open(&r.l, url, 0, NULL, &err) != 0)
				_exit(2);
			race_thread(&r);
			ledger_close(r.l);
			buf_free(&err);
			if (write(fds[1], &r.news, sizeof(int)) != sizeof(int))
				_exit(3);
			_exit(r.news + r.dups == RACE_KEYS ? 0 : 4);
		}
	}
	close(fds[1]);
	for (i = 0; i < 4; i++) {
		waitpid(pid[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			ok = 0;
	}
	while (read(fds[0], &i, sizeof(int)) == sizeof(int)) {
		news += i;
		total++;
	}
	close(fds[0]);
	CHECK(ok && total == 4, "four processes finished");
	CHECK(news == RACE_KEYS, "4 processes, %d keys: %d claimed new",
	    RACE_KEYS, news);
}

struct held {
	struct ledger	*l;
	struct ledger_claim c;
	int		 rc;
};

static void *
claim_thread(void *arg)
{
	struct held *h = arg;

	h->rc = ledger_claim(h->l, &h->c, 1);
	return NULL;
}

/* queued - how many writers wait in the handle's group queue */
static int
queued(struct ledger *l)
{
	struct ledger_pg *pg = (struct ledger_pg *)l;
	struct ledger_writer *w;
	int	n = 0;

	pthread_mutex_lock(&pg->gc.mu);
	for (w = pg->gc.head; w; w = w->next)
		n++;
	pthread_mutex_unlock(&pg->gc.mu);
	return n;
}

static void
pause_ms(int ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* test_group - claims that queue while a commit waits go into the next
 * transaction together: their rows have one xmin */
static void
test_group(void)
{
	struct ledger *l = fresh();
	struct held h[8];
	pthread_t th[8];
	struct ledger_rec r;
	struct buf store = BUF_INIT;
	PGconn	*blocker;
	PGresult *res;
	char	rcpt[8][32], *n;
	int	i, tries, ok = 1;

	if (l == NULL)
		return;
	/* another server's transaction holds key 0, not committed yet */
	blocker = PQconnectdb(url);
	res = PQexec(blocker, "BEGIN; INSERT INTO edefter_records (key, "
	    "company_id, year, month, rcpt, sent_ms, source) VALUES "
	    "('1234567890/2025-07/g0@x.example', '1234567890', 2025, 7, "
	    "'g0@x.example', 1, 'smtp')");
	CHECK(PQresultStatus(res) == PGRES_COMMAND_OK, "another transaction "
	    "holds a key");
	PQclear(res);
	for (i = 0; i < 8; i++) {
		snprintf(rcpt[i], sizeof(rcpt[i]), "g%d@x.example", i);
		h[i].l = l;
		h[i].c.rec = rec("1234567890", 2025, 7, rcpt[i], "<g>", 2);
	}
	pthread_create(&th[0], NULL, claim_thread, &h[0]);
	for (tries = 0; tries < 2000; tries++) {
		n = admin("SELECT count(*) FROM pg_stat_activity WHERE "
		    "application_name = 'edefter' AND wait_event_type = 'Lock'");
		if (n && !strcmp(n, "1"))
			break;
		pause_ms(5);
	}
	CHECK(tries < 2000, "the first claim waits for it");
	CHECK(ledger_lookup(l, "1234567890/2025-01/none@x.example", &r,
	    &store) == LEDGER_NOTFOUND, "a lookup meanwhile is not held up "
	    "(another connection of the pool)");
	for (i = 1; i < 8; i++)
		pthread_create(&th[i], NULL, claim_thread, &h[i]);
	for (tries = 0; tries < 2000 && queued(l) < 7; tries++)
		pause_ms(5);
	CHECK(queued(l) == 7, "seven more claims queue behind the commit");
	res = PQexec(blocker, "ROLLBACK");
	PQclear(res);
	PQfinish(blocker);
	for (i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		if (h[i].rc != 0 || h[i].c.outcome != LEDGER_NEW)
			ok = 0;
	}
	CHECK(ok, "the other transaction gave up: all eight are new");
	n = admin("SELECT count(DISTINCT xmin::text) FROM edefter_records "
	    "WHERE key > '1234567890/2025-07/g1' AND key < "
	    "'1234567890/2025-07/g9'");
	CHECK(n && !strcmp(n, "1"), "the seven queued claims were one "
	    "transaction (%s distinct xmin)", n ? n : "?");
	buf_free(&store);
	ledger_close(l);
}

/* test_reconnect - the server closes every connection of the pool; the
 * next calls reconnect by themselves */
static void
test_reconnect(void)
{
	struct ledger *l = fresh();
	struct ledger_claim c;
	struct ledger_rec r;
	struct buf store = BUF_INIT;
	char	*n;
	int	tries;

	if (l == NULL)
		return;
	c.rec = rec("1234567890", 2025, 8, "re@x.example", "<re>", 1);
	CHECK(ledger_claim(l, &c, 1) == 0, "claimed");
	n = admin("SELECT count(pg_terminate_backend(pid)) FROM "
	    "pg_stat_activity WHERE application_name = 'edefter'");
	CHECK(n && strcmp(n, "0") != 0, "the server ends %s connection(s)",
	    n ? n : "?");
	for (tries = 0; tries < 2000; tries++) {
		n = admin("SELECT count(*) FROM pg_stat_activity WHERE "
		    "application_name = 'edefter'");
		if (n && !strcmp(n, "0"))
			break;
		pause_ms(5);
	}
	c.rec = rec("1234567890", 2025, 8, "re@x.example", "<re>", 2);
	CHECK(ledger_claim(l, &c, 1) == 0 && c.outcome == LEDGER_RETRY,
	    "the next claim reconnects by itself");
	CHECK(ledger_lookup(l, "1234567890/2025-08/re@x.example", &r, &store)
	    == 0 && r.sent_ms == 1, "and lookups work");
	buf_free(&store);
	ledger_close(l);
}

struct ro {
	struct ledger	*l;
	int		 i;
	int		 ok;
};

static void *
ro_thread(void *arg)
{
	struct ro *t = arg;
	struct ledger_claim c;
	char	rcpt[32];
	int	rc;

	snprintf(rcpt, sizeof(rcpt), "ro%d@x.example", t->i);
	c.rec = rec("1234567890", 2025, 9, rcpt, "<ro>", 1);
	rc = ledger_claim(t->l, &c, 1);
	t->ok = rc == LEDGER_DBERR && strstr(ledger_strerror(rc), "read-only");
	return NULL;
}

static void
test_rdonly(void)
{
	struct ledger *l = fresh(), *ro;
	struct ledger_claim c;

	if (l == NULL)
		return;
	c.rec = rec("1234567890", 2025, 9, "ro@x.example", "<ro>", 1);
	ledger_claim(l, &c, 1);
	ro = reopen(LEDGER_RDONLY);
	c.rec = rec("1234567890", 2025, 9, "ro2@x.example", "<ro>", 1);
	CHECK(ro && ledger_claim(ro, &c, 1) == LEDGER_DBERR &&
	    strstr(ledger_strerror(LEDGER_DBERR), "read-only"),
	    "a read-only handle cannot write: %s",
	    ledger_strerror(LEDGER_DBERR));
	CHECK(ro && count(ro, NULL, 0, 0, NULL) == 1, "but reads");
	if (ro) {
		struct ro t[6];
		pthread_t th[6];
		int i, ok = 1;

		for (i = 0; i < 6; i++) {
			t[i] = (struct ro){ ro, i, 0 };
			pthread_create(&th[i], NULL, ro_thread, &t[i]);
		}
		for (i = 0; i < 6; i++) {
			pthread_join(th[i], NULL);
			ok &= t[i].ok;
		}
		CHECK(ok, "six threads at once: each gets the server's words, "
		    "also when another thread committed its batch");
	}
	ledger_close(ro);
	ledger_close(l);
}

static void
test_copy(void)
{
	struct ledger *l = fresh(), *m = NULL, *back = NULL;
	struct ledger_copy_stats st;
	struct ledger_claim c[3];
	struct ledger_stats s;
	struct ledger_rec r;
	struct buf err = BUF_INIT, store = BUF_INIT, dir = BUF_INIT;
	int	ch;

	if (l == NULL)
		return;
	buf_printf(&dir, "%s/lmdb", top);
	if (ledger_open(&m, dir.data, LEDGER_CREATE, NULL, &err) != 0) {
		printf("# %s\n", BUF_STR(&err));
		ledger_close(l);
		return;
	}
	c[0].rec = rec("1234567890", 2025, 1, "c1@x.example", "<c1>", 100);
	c[1].rec = rec("1234567890", 2025, 2, "c2@x.example", "<c2>", 200);
	c[1].rec.source = LEDGER_SRC_PICKUP;
	c[2].rec = rec("4540536920", 2025, 3, "c3@x.example", "<c3>", 300);
	ledger_claim(m, c, 3);
	ledger_deliver(m, "1234567890/2025-01/c1@x.example",
	    LEDGER_DLV_BOUNCED, 150, "5.1.1", "yok", &ch);
	c[0].rec = rec("1234567890", 2025, 2, "c2@x.example", "<pg>", 999);
	ledger_claim(l, c, 1);
	CHECK(ledger_copy(m, l, NULL, NULL, &st) == 0 && st.copied == 2 &&
	    st.present == 1 && st.refused == 0, "LMDB into PostgreSQL: 2 "
	    "copied, 1 there already");
	CHECK(ledger_lookup(l, "1234567890/2025-01/c1@x.example", &r, &store)
	    == 0 && r.delivery == LEDGER_DLV_BOUNCED && r.delivery_ms == 150 &&
	    !strcmp(r.delivery_diag, "yok") && r.sent_ms == 100,
	    "the record as it was, delivery state included");
	CHECK(ledger_lookup(l, "1234567890/2025-02/c2@x.example", &r, &store)
	    == 0 && r.sent_ms == 999 && !strcmp(r.message_id, "<pg>"),
	    "a key present keeps its record");
	CHECK(ledger_copy(m, l, NULL, NULL, &st) == 0 && st.copied == 0 &&
	    st.present == 3, "again: nothing new");
	ledger_close(m);
	buf_reset(&dir);
	buf_printf(&dir, "%s/back", top);
	CHECK(ledger_open(&back, dir.data, LEDGER_CREATE, NULL, &err) == 0 &&
	    ledger_copy(l, back, NULL, NULL, &st) == 0 && st.copied == 3,
	    "and back into a new LMDB ledger");
	CHECK(back && ledger_lookup(back, "1234567890/2025-02/c2@x.example",
	    &r, &store) == 0 && r.sent_ms == 999 && r.source ==
	    LEDGER_SRC_SMTP, "with PostgreSQL's records");
	ledger_close(back);
	buf_reset(&dir);
	buf_printf(&dir, "%s/bak", top);
	CHECK(ledger_backup(l, dir.data, &err) == 0, "backup: an LMDB copy "
	    "%s", BUF_STR(&err));
	back = NULL;
	CHECK(ledger_open(&back, dir.data, LEDGER_RDONLY, NULL, &err) == 0 &&
	    ledger_stats(back, &s) == 0 && s.entries == 3, "it holds every "
	    "record");
	ledger_close(back);
	buf_reset(&err);
	CHECK(ledger_backup(l, dir.data, &err) == EEXIST &&
	    strstr(BUF_STR(&err), "will not overwrite"), "no overwrite");
	buf_free(&err);
	buf_free(&store);
	buf_free(&dir);
	ledger_close(l);
}

int
main(void)
{
	char	cmd[600];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((url = getenv("EDEFTER_TEST_PGURL")) == NULL || *url == '\0') {
		printf("ok 1 # skip the PostgreSQL ledger (EDEFTER_TEST_PGURL "
		    "is not set; tests/t/t1200-ledger-pg.sh sets it)\n1..1\n");
		return 0;
	}
	if (mkdtemp(top) == NULL)
		return 2;
	test_schema();
	test_open_errors();
	test_decisions();
	test_iter_merge();
	test_delivery();
	test_strings();
	test_big_batch();
	test_threads();
	test_processes();
	test_group();
	test_reconnect();
	test_rdonly();
	test_copy();
	admin("DROP TABLE IF EXISTS edefter_records, edefter_meta");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", top);
	return check_done();
}
