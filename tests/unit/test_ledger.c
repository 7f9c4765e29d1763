/*
 * test_ledger - the LMDB ledger: decisions, growth, races, crashes.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "ledger.h"
#include "ledger_lmdb.h"

static char top[] = "/tmp/edefter-ledger.XXXXXX";

static char *
sub(const char *name)
{
	static char path[8][512];
	static int i;

	i = (i + 1) % 8;
	snprintf(path[i], sizeof(path[i]), "%s/%s", top, name);
	return path[i];
}

static struct ledger *
open_new(const char *name, size_t initial, size_t max)
{
	struct ledger_opts o = { initial, max };
	struct ledger *l = NULL;
	struct buf err = BUF_INIT;

	if (ledger_open(&l, sub(name), LEDGER_CREATE, &o, &err) != 0)
		printf("# open %s: %s\n", name, BUF_STR(&err));
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

static void
test_decisions(void)
{
	struct ledger *l = open_new("d", 0, 0);
	struct ledger_claim c[3];
	struct ledger_rec r;
	struct buf store = BUF_INIT;
	int	rc;

	CHECK(l != NULL, "create a ledger");
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
	CHECK(rc == 0 && c[0].outcome == LEDGER_RETRY, "same Message-ID is a "
	    "retry");
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
	rc = ledger_lookup(l, "1234567890/2025-10/a@x.example", &r, &store);
	CHECK(rc == 0 && r.sent_ms == 1000 && !strcmp(r.message_id, "<m1@x>")
	    && !strcmp(r.queue_id, "4F2A1B") && r.year == 2025 &&
	    r.month == 10, "lookup returns the first record");
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
test_iter_merge(void)
{
	struct ledger *l = open_new("i", 0, 0);
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

	c[0].rec = rec("1234567890", 2025, 1, "a@x.example", "<old>", 100);
	c[1].rec = rec("1234567890", 2025, 2, "a@x.example", "<late>", 9999);
	c[2].rec = rec("1234567890", 2025, 3, "a@x.example", "<new>", 7000);
	c[3].rec = rec("1234567890", 2025, 3, "a@x.example", "<dup>", 6000);
	CHECK(ledger_merge(l, c, 4) == 0, "merge");
	CHECK(c[0].outcome == LEDGER_EARLIER && c[1].outcome == LEDGER_PRESENT
	    && c[2].outcome == LEDGER_NEW && c[3].outcome == LEDGER_EARLIER,
	    "merge outcomes (%d %d %d %d)", c[0].outcome, c[1].outcome,
	    c[2].outcome, c[3].outcome);
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
test_records(void)
{
	struct ledger_rec r = rec("1234567890", 2025, 10, "a@x.example",
	    "<m@x>", 1761955200123LL), d;
	struct buf b = BUF_INIT, why = BUF_INIT;
	const char *key = "1234567890/2025-10/a@x.example";
	char	t[40];
	int64_t	ms;
	size_t	cut;
	int	bad = 0;

	CHECK(ledger_rec_encode(&b, &r) == 0 && ledger_rec_decode(b.data,
	    b.len, &d) == 0 && !strcmp(d.id, r.id) && d.sent_ms == r.sent_ms &&
	    !strcmp(d.files, r.files) && !strcmp(d.company_name,
	    r.company_name) && d.legacy_hash && *d.legacy_hash == '\0',
	    "encode/decode round trip");
	for (cut = 0; cut < b.len; cut++)
		if (ledger_rec_decode(b.data, cut, &d) == 0)
			bad++;
	CHECK(bad == 0, "every truncation is refused");
	CHECK(b.data[0] == 2 && d.delivery == LEDGER_DLV_QUEUED &&
	    d.delivery_ms == 0 && !strcmp(d.delivery_status, "") &&
	    !strcmp(d.delivery_diag, ""), "written as version 2, queued");
	b.data[0] = 3;
	CHECK(ledger_rec_decode(b.data, b.len, &d) != 0, "unknown version");
	b.data[0] = 2;
	b.data[5] = LEDGER_NDLV;
	CHECK(ledger_rec_decode(b.data, b.len, &d) != 0, "unknown delivery");
	b.data[5] = 0;
	CHECK(ledger_rec_decode(b.data, b.len, &d) == 0 &&
	    ledger_rec_check(key, strlen(key), &d, &why) == 0,
	    "a good record checks");
	CHECK(ledger_rec_check("1234567890/2025-11/a@x.example", 30, &d,
	    &why) < 0 && strstr(why.data, "wrong key"), "wrong key: %s",
	    why.data);
	r.id = "9876543210";
	ledger_rec_encode(&b, &r);
	ledger_rec_decode(b.data, b.len, &d);
	CHECK(ledger_rec_check(key, strlen(key), &d, &why) < 0 &&
	    strstr(why.data, "checksum"), "bad id: %s", why.data);

	CHECK(ledger_key(&b, "1234567890", 2025, 3, "Ali.Veli@X.Example") == 0
	    && !strcmp(b.data, "1234567890/2025-03/ali.veli@x.example"),
	    "key lowercases the recipient");
	CHECK(ledger_time_format(1761955200123LL, t, sizeof(t)) == 0 &&
	    !strcmp(t, "2025-11-01T00:00:00.123Z"), "time format %s", t);
	CHECK(ledger_time_parse("2025-11-01T00:00:00.123Z", &ms) == 0 &&
	    ms == 1761955200123LL, "time parse");
	CHECK(ledger_time_parse("2025-11-01T03:00:00+03:00", &ms) == 0 &&
	    ms == 1761955200000LL, "time parse with offset");
	CHECK(ledger_time_parse("2025-11-01 00:00:00", &ms) == 0, "space "
	    "instead of T");
	CHECK(ledger_time_parse("01.11.2025", &ms) < 0 &&
	    ledger_time_parse("2025-13-01T00:00:00Z", &ms) < 0 &&
	    ledger_time_parse("2025-11-01T00:00:00Zjunk", &ms) < 0,
	    "bad times refused");
	buf_free(&b);
	buf_free(&why);
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

/* v1_record - the version 1 bytes of a record, as older milters wrote */
static void
v1_record(struct buf *b, const struct ledger_rec *r)
{
	const char *s[10] = { r->id, r->rcpt, r->company_name, r->message_id,
	    r->queue_id, r->client, r->sasl_user, r->files, r->status,
	    r->legacy_hash };
	unsigned char fixed[16] = { 1, 0, 0, 0, 0 }, len[4];
	size_t	n;
	int	i, j;

	buf_reset(b);
	fixed[1] = (unsigned char)r->source;
	fixed[2] = (unsigned char)(r->year >> 8);
	fixed[3] = (unsigned char)r->year;
	fixed[4] = (unsigned char)r->month;
	for (j = 0; j < 8; j++)
		fixed[8 + j] = (unsigned char)((uint64_t)r->sent_ms >>
		    (56 - 8 * j));
	buf_add(b, fixed, sizeof(fixed));
	for (i = 0; i < 10; i++) {
		n = s[i] ? strlen(s[i]) : 0;
		for (j = 0; j < 4; j++)
			len[j] = (unsigned char)(n >> (24 - 8 * j));
		buf_add(b, len, 4);
		buf_add(b, s[i] ? s[i] : "", n);
		buf_addc(b, 0);
	}
}

static void
test_delivery(void)
{
	struct ledger_rec r = rec("1234567890", 2025, 10, "a@x.example",
	    "<m@x>", 1761955200123LL), d;
	struct buf b = BUF_INIT, why = BUF_INIT, store = BUF_INIT;
	const char *key = "1234567890/2025-10/a@x.example";
	struct ledger_claim c;
	struct ledger *l;
	size_t	cut;
	int	bad = 0, ch = 0;

	v1_record(&b, &r);
	CHECK(ledger_rec_decode(b.data, b.len, &d) == 0 && d.sent_ms ==
	    r.sent_ms && !strcmp(d.files, r.files) && d.delivery ==
	    LEDGER_DLV_QUEUED && !strcmp(d.delivery_status, ""),
	    "a version 1 record is read, as queued");
	CHECK(ledger_rec_check(key, strlen(key), &d, &why) == 0,
	    "a version 1 record checks");
	for (cut = 0; cut < b.len; cut++)
		if (ledger_rec_decode(b.data, cut, &d) == 0)
			bad++;
	CHECK(bad == 0, "every truncation of version 1 is refused");

	r.delivery = LEDGER_DLV_BOUNCED;
	r.delivery_ms = 1761955300000LL;
	r.delivery_status = "5.1.1";
	r.delivery_diag = "smtp; 550 5.1.1 <a@x.example>: kullanıcı yok";
	CHECK(ledger_rec_encode(&b, &r) == 0 && ledger_rec_decode(b.data,
	    b.len, &d) == 0 && d.delivery == LEDGER_DLV_BOUNCED &&
	    d.delivery_ms == r.delivery_ms && !strcmp(d.delivery_status,
	    "5.1.1") && !strcmp(d.delivery_diag, r.delivery_diag),
	    "delivery fields round trip");

	d = rec("1234567890", 2025, 10, "a@x.example", "<m@x>", 1);
	CHECK(ledger_delivery_apply(&d, LEDGER_DLV_DELAYED, 10, "4.4.1",
	    "timeout") == 1 && d.delivery == LEDGER_DLV_DELAYED,
	    "queued -> delayed");
	CHECK(ledger_delivery_apply(&d, LEDGER_DLV_DELAYED, 10, "4.4.1",
	    "timeout") == 0, "the same report again changes nothing");
	CHECK(ledger_delivery_apply(&d, LEDGER_DLV_DELIVERED, 20, "2.0.0",
	    "250 ok") == 1 && d.delivery == LEDGER_DLV_DELIVERED,
	    "delayed -> delivered");
	CHECK(ledger_delivery_apply(&d, LEDGER_DLV_DELAYED, 30, "4.4.1", "") ==
	    0 && d.delivery == LEDGER_DLV_DELIVERED,
	    "a late delay never undoes a result");
	CHECK(ledger_delivery_apply(&d, LEDGER_DLV_BOUNCED, 40, "5.2.2",
	    "mailbox full") == 1 && d.delivery == LEDGER_DLV_BOUNCED &&
	    !strcmp(d.delivery_status, "5.2.2"),
	    "delivered (relayed) -> bounced later");
	CHECK(ledger_delivery_apply(&d, LEDGER_DLV_QUEUED, 50, "", "") == 0,
	    "queued is not a report");
	CHECK(ledger_delivery_name(LEDGER_DLV_BOUNCED) &&
	    !strcmp(ledger_delivery_name(LEDGER_DLV_BOUNCED), "bounced") &&
	    ledger_delivery_parse("delayed") == LEDGER_DLV_DELAYED &&
	    ledger_delivery_parse("x") < 0, "names");

	l = open_new("dlv", 0, 0);
	memset(&c, 0, sizeof(c));
	c.rec = rec("1234567890", 2025, 10, "a@x.example", "<m@x>", 1000);
	CHECK(l && ledger_claim(l, &c, 1) == 0 && c.outcome == LEDGER_NEW,
	    "claimed");
	CHECK(ledger_deliver(l, key, LEDGER_DLV_BOUNCED, 2000, "5.1.1",
	    "no such user", &ch) == 0 && ch == 1, "ledger_deliver: bounced");
	CHECK(ledger_lookup(l, key, &d, &store) == 0 && d.delivery ==
	    LEDGER_DLV_BOUNCED && d.delivery_ms == 2000 &&
	    !strcmp(d.delivery_diag, "no such user") && !strcmp(d.message_id,
	    "<m@x>") && d.sent_ms == 1000, "stored, the rest kept");
	CHECK(ledger_deliver(l, key, LEDGER_DLV_DELAYED, 3000, "4.0.0", "",
	    &ch) == 0 && ch == 0, "a late delay: unchanged");
	CHECK(ledger_deliver(l, "1234567890/2025-11/a@x.example",
	    LEDGER_DLV_DELIVERED, 1, "2.0.0", "", &ch) == LEDGER_NOTFOUND,
	    "an unknown key: LEDGER_NOTFOUND");
	c.rec = rec("1234567890", 2025, 10, "a@x.example", "<m@x>", 1000);
	CHECK(ledger_claim(l, &c, 1) == 0 && c.outcome == LEDGER_RETRY,
	    "a retry of the same message after a report is still a retry");
	if (l)
		ledger_close(l);
	buf_free(&b);
	buf_free(&why);
	buf_free(&store);
}

static void
test_growth(void)
{
	struct ledger *l = open_new("g", 64 << 10, 0);
	struct ledger_stats st;
	uint64_t checked, bad;

	if (l == NULL)
		return;
	CHECK(ledger_stats(l, &st) == 0 && st.map_size == 64 << 10,
	    "starts with a 64 KiB map");
	CHECK(fill(l, "1234567890", 20000, 500, "g") == 0, "20000 records "
	    "into a 64 KiB map");
	CHECK(ledger_stats(l, &st) == 0 && st.entries == 20000 &&
	    st.map_size > (64 << 10) && st.grows > 0, "the map grew %u times "
	    "to %llu bytes", st.grows, (unsigned long long)st.map_size);
	CHECK(ledger_verify(l, NULL, NULL, &checked, &bad) == 0 &&
	    checked == 20000 && bad == 0, "all records verify");
	ledger_close(l);

	/* a bounded map: the error comes back, nothing is lost */
	l = open_new("full", 64 << 10, 256 << 10);
	if (l == NULL)
		return;
	CHECK(fill(l, "1234567890", 100000, 100, "f") == MDB_MAP_FULL,
	    "a full map at its bound reports MDB_MAP_FULL");
	CHECK(ledger_stats(l, &st) == 0 && st.entries > 0 &&
	    st.entries % 100 == 0 && st.map_size == 256 << 10,
	    "whole batches only (%llu records) and the bound held",
	    (unsigned long long)st.entries);
	CHECK(ledger_verify(l, NULL, NULL, &checked, &bad) == 0 && bad == 0,
	    "the full ledger still verifies");
	ledger_close(l);
}

struct race {
	struct ledger	*l;
	int		 id;
	int		 news;
	int		 dups;
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
		snprintf(rcpt, sizeof(rcpt), "r%d@x.example", i);
		c.rec = rec("1234567890", 2025, 6, rcpt, msgid, 1000);
		if (ledger_claim(r->l, &c, 1) != 0)
			return NULL;
		if (c.outcome == LEDGER_NEW)
			r->news++;
		else if (c.outcome == LEDGER_DUP)
			r->dups++;
	}
	return NULL;
}

static void
test_threads(void)
{
	struct ledger *l = open_new("t", 64 << 10, 0);
	struct race r[8];
	pthread_t th[8];
	int	i, news = 0, dups = 0;

	if (l == NULL)
		return;
	for (i = 0; i < 8; i++) {
		r[i] = (struct race){ l, i, 0, 0 };
		pthread_create(&th[i], NULL, race_thread, &r[i]);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		news += r[i].news;
		dups += r[i].dups;
	}
	CHECK(news == RACE_KEYS && dups == 7 * RACE_KEYS, "8 threads, %d keys: "
	    "%d new, %d duplicate (map growing meanwhile)", RACE_KEYS, news,
	    dups);
	CHECK(count(l, NULL, 0, 0, NULL) == RACE_KEYS, "one record per key");
	ledger_close(l);
}

static void
test_processes(void)
{
	struct ledger *l;
	struct buf err = BUF_INIT;
	int	fds[2], i, news = 0, total = 0, status, ok = 1;
	pid_t	pid[4];

	if (pipe(fds) < 0)
		return;
	/* create it first, small: the children will grow it concurrently */
	l = open_new("p", 64 << 10, 0);
	ledger_close(l);
	for (i = 0; i < 4; i++) {
		if ((pid[i] = fork()) == 0) {
			struct race r = { NULL, 100 + i, 0, 0 };
			close(fds[0]);
			if (ledger_open(&r.l, sub("p"), 0, NULL, &err) != 0)
				_exit(2);
			race_thread(&r);
			ledger_close(r.l);
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
	/* the parent's old handle still has the small map: MAP_RESIZED */
	if (ledger_open(&l, sub("p"), 0, &(struct ledger_opts){ 64 << 10, 0 },
	    &err) == 0) {
		struct ledger_claim c;
		c.rec = rec("1234567890", 2025, 6, "late@x.example", "<l>", 1);
		CHECK(ledger_claim(l, &c, 1) == 0 && c.outcome == LEDGER_NEW &&
		    count(l, NULL, 0, 0, NULL) == RACE_KEYS + 1,
		    "a handle opened small writes after others grew the map");
		ledger_close(l);
	}
	buf_free(&err);
}

static void
test_kill9(void)
{
	struct ledger *l;
	struct buf err = BUF_INIT;
	uint64_t checked, bad;
	struct ledger_stats st;
	int	round, status, fds[2], okay = 1;
	char	b;
	pid_t	pid;

	srand((unsigned)time(NULL));
	for (round = 0; round < 5; round++) {
		if (pipe(fds) < 0)
			return;
		if ((pid = fork()) == 0) {
			close(fds[0]);
			if (ledger_open(&l, sub("k"), LEDGER_CREATE,
			    &(struct ledger_opts){ 64 << 10, 0 }, &err) != 0)
				_exit(2);
			for (int i = 0;; i++) {
				char tag[16];
				snprintf(tag, sizeof(tag), "k%dx%d", round, i);
				if (fill(l, "4540536920", 250, 250, tag) != 0)
					_exit(3);
				if (i == 0 && write(fds[1], "x", 1) != 1)
					_exit(4);
			}
		}
		close(fds[1]);
		if (read(fds[0], &b, 1) != 1)	/* the first batch is in */
			okay = 0;
		usleep((useconds_t)(rand() % 200000));
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		close(fds[0]);
		if (!WIFSIGNALED(status))
			okay = 0;
		if (ledger_open(&l, sub("k"), 0, NULL, &err) != 0) {
			okay = 0;
			printf("# reopen: %s\n", BUF_STR(&err));
			continue;
		}
		if (ledger_verify(l, NULL, NULL, &checked, &bad) != 0 ||
		    bad != 0 || ledger_stats(l, &st) != 0 ||
		    st.entries % 250 != 0 || st.entries < 250ULL * (unsigned)(round + 1))
			okay = 0;
		ledger_close(l);
	}
	CHECK(okay, "writer killed with -9 mid-transaction, 5 times: the "
	    "ledger reopens, verifies, and holds whole transactions only");
	buf_free(&err);
}

static int
write_file(const char *path, const char *data)
{
	FILE	*fp = fopen(path, "w");

	if (fp == NULL)
		return -1;
	fputs(data, fp);
	return fclose(fp);
}

static void
test_bad_input(void)
{
	struct ledger *l = NULL;
	struct buf err = BUF_INIT;
	struct stat before, after;
	MDB_env	*env;
	MDB_txn	*txn;
	MDB_dbi	dbi;
	static char kd[] = "abc", vd[] = "xyz";
	MDB_val	k = { 3, kd }, v = { 3, vd };
	int	rc;

	rc = ledger_open(&l, sub("absent"), 0, NULL, &err);
	CHECK(rc == ENOENT && strstr(BUF_STR(&err), "no ledger here"),
	    "absent ledger: %s", BUF_STR(&err));
	buf_reset(&err);
	write_file(sub("afile"), "hello");
	rc = ledger_open(&l, sub("afile"), LEDGER_CREATE, NULL, &err);
	CHECK(rc == ENOTDIR && strstr(BUF_STR(&err), "afile"),
	    "a file, not a directory: %s", BUF_STR(&err));
	buf_reset(&err);
	mkdir(sub("junk"), 0700);
	write_file(sub("junk/data.mdb"), "this is not an LMDB file at all, "
	    "but it is long enough to look like a page header........");
	stat(sub("junk/data.mdb"), &before);
	rc = ledger_open(&l, sub("junk"), LEDGER_CREATE, NULL, &err);
	stat(sub("junk/data.mdb"), &after);
	CHECK(rc != 0 && strstr(BUF_STR(&err), "not an LMDB environment") &&
	    before.st_size == after.st_size, "not LMDB: %s", BUF_STR(&err));
	buf_reset(&err);

	/* an LMDB environment of some other program */
	mkdir(sub("foreign"), 0700);
	mdb_env_create(&env);
	mdb_env_open(env, sub("foreign"), 0, 0600);
	mdb_txn_begin(env, NULL, 0, &txn);
	mdb_dbi_open(txn, NULL, 0, &dbi);
	mdb_put(txn, dbi, &k, &v, 0);
	mdb_txn_commit(txn);
	mdb_env_close(env);
	stat(sub("foreign/data.mdb"), &before);
	rc = ledger_open(&l, sub("foreign"), LEDGER_CREATE, NULL, &err);
	stat(sub("foreign/data.mdb"), &after);
	CHECK(rc != 0 && strstr(BUF_STR(&err), "not an edefter ledger") &&
	    before.st_mtime == after.st_mtime && before.st_size ==
	    after.st_size, "foreign LMDB refused, untouched: %s", BUF_STR(&err));
	buf_free(&err);
}

static void
test_backup(void)
{
	struct ledger *l = open_new("b", 0, 0), *copy = NULL;
	struct ledger_stats st;
	struct buf err = BUF_INIT;

	if (l == NULL)
		return;
	fill(l, "1234567890", 1000, 100, "b");
	CHECK(ledger_backup(l, sub("b.bak"), &err) == 0, "backup: %s",
	    BUF_STR(&err));
	CHECK(ledger_open(&copy, sub("b.bak"), LEDGER_RDONLY, NULL, &err) == 0
	    && ledger_stats(copy, &st) == 0 && st.entries == 1000,
	    "the backup holds every record");
	ledger_close(copy);
	buf_reset(&err);
	CHECK(ledger_backup(l, sub("b.bak"), &err) == EEXIST &&
	    strstr(BUF_STR(&err), "will not overwrite"), "no overwrite: %s",
	    BUF_STR(&err));
	ledger_close(l);
	buf_free(&err);
}

/* a short write on a full file system is told as one */
static void
test_full_errno(void)
{
	CHECK(ledger_lmdb_errno(EIO, 0) == ENOSPC, "EIO, nothing left: ENOSPC");
	CHECK(ledger_lmdb_errno(EIO, 4096) == ENOSPC, "EIO, a page left: "
	    "ENOSPC");
	CHECK(ledger_lmdb_errno(EIO, 64ULL << 20) == EIO, "EIO, 64 MiB "
	    "left: still EIO (a failing disk)");
	CHECK(ledger_lmdb_errno(MDB_MAP_FULL, 0) == MDB_MAP_FULL, "a full "
	    "map stays MDB_MAP_FULL");
	CHECK(ledger_lmdb_errno(0, 0) == 0, "success stays success");
}

int
main(void)
{
	char	cmd[600];

	if (mkdtemp(top) == NULL)
		return 2;
	test_records();
	test_delivery();
	test_decisions();
	test_iter_merge();
	test_growth();
	test_threads();
	test_processes();
	test_kill9();
	test_bad_input();
	test_backup();
	test_full_errno();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", top);
	return check_done();
}
