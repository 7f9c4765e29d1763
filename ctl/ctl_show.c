/*
 * NAME
 *	ctl_show - edefterctl list, show, dump, stats, verify
 * DESCRIPTION
 *	The read-only commands, on either store.  Each opens the ledger
 *	read-only and reads one consistent snapshot.  stats shows what the
 *	store has: map and readers for LMDB, table size and connections for
 *	PostgreSQL.  dump writes JSON lines, or a table (CSV,
 *	xlsx) through tabout.h whose columns are the dump_cols table; with
 *	-o FILE the file appears only when complete.
 */
#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "addr.h"
#include "ctl.h"
#include "json.h"
#include "log.h"
#include "names.h"
#include "tabout.h"

/* ctl_norm_key - validate a key, lowercase its recipient */
int
ctl_norm_key(struct buf *b, const char *key)
{
	char	id[16];
	const char *rcpt;
	int	year, month;

	if (ledger_key_split(key, strlen(key), id, &year, &month, &rcpt) < 0 ||
	    addr_valid(rcpt, strlen(rcpt)) < 0)
		return -1;
	return ledger_key(b, id, year, month, rcpt);
}

static size_t
count_files(const char *files)
{
	size_t	n = 0;

	if (files == NULL || *files == '\0')
		return 0;
	for (n = 1; *files; files++)
		if (*files == '\n')
			n++;
	return n;
}

static const char *
dash(const char *s)
{
	return s && *s ? s : "-";
}

/* put_num - a non-negative number, without printf */
static void
put_num(struct buf *b, unsigned long long v)
{
	char	tmp[24], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* unique_hash - the old tool's identity string */
static void
unique_hash(struct buf *b, const struct ledger_rec *r)
{
	buf_reset(b);
	if (r->legacy_hash && *r->legacy_hash) {
		buf_adds(b, r->legacy_hash);
		return;
	}
	buf_adds(b, r->id);
	buf_addc(b, '_');
	put_num(b, (unsigned)r->year);
	buf_adds(b, r->month < 10 ? "_0" : "_");
	put_num(b, (unsigned)r->month);
	buf_addc(b, '_');
	buf_adds(b, r->rcpt);
}

struct list_ctx {
	unsigned long	 n;
	unsigned long	 bad;
};

static int
list_one(const char *key, size_t keylen, const struct ledger_rec *r,
    void *arg)
{
	struct list_ctx *c = arg;
	char	when[32];

	if (r == NULL) {
		log_err("%.*s: record cannot be decoded", (int)keylen, key);
		c->bad++;
		return 0;
	}
	if (c->n++ == 0)
		printf("%-11s  %-7s  %-30s  %-24s  %-6s  %-12s  %5s  %-9s  "
		    "%-7s  %s\n", "COMPANY", "PERIOD", "RECIPIENT", "SENT (UTC)",
		    "SOURCE", "QUEUE", "FILES", "DELIVERY", "STATUS", "NAME");
	if (ledger_time_format(r->sent_ms, when, sizeof(when)) < 0)
		strcpy(when, "?");
	printf("%-11s  %04d-%02d  %-30s  %-24s  %-6s  %-12s  %5zu  %-9s  %-7s  "
	    "%s\n", r->id, r->year, r->month, r->rcpt, when,
	    ledger_source_name(r->source), dash(r->queue_id),
	    count_files(r->files), ledger_delivery_name(r->delivery),
	    dash(r->delivery_status), dash(r->company_name));
	return 0;
}

/* ctl_list - a table of records, filtered */
int
ctl_list(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "company", required_argument, NULL, 'c' },
		{ "period", required_argument, NULL, 'p' },
		{ "recipient", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct ledger_filter f = { NULL, 0, 0, NULL };
	struct list_ctx c = { 0, 0 };
	char	*rcpt = NULL;
	int	ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (!edf_valid_id(optarg, strlen(optarg))) {
				log_err("--company '%s': not a valid VKN or "
				    "TCKN", optarg);
				return EX_USAGE;
			}
			f.id = optarg;
			break;
		case 'p':
			if (edf_parse_period(optarg, strlen(optarg), &f.year,
			    &f.month) < 0) {
				log_err("--period '%s': expected YYYY-MM",
				    optarg);
				return EX_USAGE;
			}
			break;
		case 'r':
			free(rcpt);
			if ((rcpt = strdup(optarg)) == NULL)
				log_fatal(EX_OSERR, "out of memory");
			ascii_lower(rcpt);
			f.rcpt = rcpt;
			break;
		default:
			ctl_usage_of("list");
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		ctl_usage_of("list");
		free(rcpt);
		return EX_USAGE;
	}
	if ((rc = ctl_open(ctl, LEDGER_RDONLY)) != 0) {
		free(rcpt);
		return rc;
	}
	rc = ledger_iter(ctl->l, &f, list_one, &c);
	free(rcpt);
	if (rc) {
		log_err("%s: %s", ledger_path(ctl->l), ledger_strerror(rc));
		return ctl_status(rc);
	}
	printf("%lu record%s\n", c.n, c.n == 1 ? "" : "s");
	return c.bad ? EX_DATAERR : EX_OK;
}

/* ctl_show - one record in full */
int
ctl_show(struct ctl *ctl, int argc, char **argv)
{
	struct buf key = BUF_INIT, store = BUF_INIT, h = BUF_INIT;
	struct ledger_rec r;
	char	when[32];
	const char *p;
	int	rc;

	if (argc != 2) {
		ctl_usage_of("show");
		return EX_USAGE;
	}
	if (ctl_norm_key(&key, argv[1]) < 0) {
		log_err("'%s': not a key (expected ID/YYYY-MM/RECIPIENT)",
		    argv[1]);
		return EX_USAGE;
	}
	if ((rc = ctl_open(ctl, LEDGER_RDONLY)) != 0)
		goto out;
	if ((rc = ledger_lookup(ctl->l, key.data, &r, &store)) != 0) {
		log_err("%s: %s", key.data, ledger_strerror(rc));
		rc = rc == LEDGER_NOTFOUND ? EX_DATAERR : ctl_status(rc);
		goto out;
	}
	if (ledger_time_format(r.sent_ms, when, sizeof(when)) < 0)
		strcpy(when, "?");
	unique_hash(&h, &r);
	printf("key           %s\n", key.data);
	printf("company       %s\n", r.id);
	printf("company name  %s\n", dash(r.company_name));
	printf("period        %04d-%02d\n", r.year, r.month);
	printf("recipient     %s\n", r.rcpt);
	printf("sent          %s\n", when);
	printf("source        %s\n", ledger_source_name(r.source));
	printf("message-id    %s\n", dash(r.message_id));
	printf("queue id      %s\n", dash(r.queue_id));
	printf("client        %s\n", dash(r.client));
	printf("sasl user     %s\n", dash(r.sasl_user));
	printf("status        %s\n", dash(r.status));
	printf("unique hash   %s\n", h.data);
	printf("delivery      %s\n", ledger_delivery_name(r.delivery));
	if (r.delivery_ms > 0 && ledger_time_format(r.delivery_ms, when,
	    sizeof(when)) == 0)
		printf("delivered on  %s\n", when);
	printf("dsn status    %s\n", dash(r.delivery_status));
	printf("diagnostic    %s\n", dash(r.delivery_diag));
	printf("files         %zu\n", count_files(r.files));
	for (p = r.files; p && *p;) {
		size_t n = strcspn(p, "\n");
		printf("  %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
	rc = EX_OK;
out:
	buf_free(&key);
	buf_free(&store);
	buf_free(&h);
	return rc;
}

/* ctl_rec_json - one record as the old tool's fields plus ours */
int
ctl_rec_json(struct buf *b, const struct ledger_rec *r)
{
	static struct buf h;		/* reused: a dump writes millions */
	char	when[32];
	const char *p;
	size_t	n;

	if (ledger_time_format(r->sent_ms, when, sizeof(when)) < 0)
		when[0] = '\0';
	unique_hash(&h, r);
	buf_adds(b, "{\"companyId\":");
	json_str(b, r->id);
	buf_adds(b, ",\"companyName\":");
	json_str(b, r->company_name);
	buf_adds(b, ",\"year\":");
	put_num(b, (unsigned)r->year);
	buf_adds(b, ",\"month\":");
	put_num(b, (unsigned)r->month);
	buf_adds(b, ",\"recipientEmail\":");
	json_str(b, r->rcpt);
	buf_adds(b, ",\"sentDate\":");
	json_str(b, when);
	buf_adds(b, ",\"uniqueHash\":");
	json_str(b, h.data);
	buf_adds(b, ",\"status\":");
	json_str(b, r->status && *r->status ? r->status : "complete");
	buf_adds(b, ",\"fileList\":[");
	for (p = r->files, n = 0; p && *p; n++) {
		size_t len = strcspn(p, "\n");
		if (n)
			buf_addc(b, ',');
		json_strn(b, p, len);
		p += len + (p[len] == '\n');
	}
	buf_adds(b, "],\"fileCount\":");
	put_num(b, n);
	buf_adds(b, ",\"period\":\"");
	put_num(b, (unsigned)r->year);
	buf_adds(b, r->month < 10 ? "-0" : "-");
	put_num(b, (unsigned)r->month);
	buf_adds(b, "\",\"messageId\":");
	json_str(b, r->message_id);
	buf_adds(b, ",\"queueId\":");
	json_str(b, r->queue_id);
	buf_adds(b, ",\"source\":");
	json_str(b, ledger_source_name(r->source));
	buf_adds(b, ",\"client\":");
	json_str(b, r->client);
	buf_adds(b, ",\"saslUser\":");
	json_str(b, r->sasl_user);
	buf_adds(b, ",\"delivery\":");
	json_str(b, ledger_delivery_name(r->delivery));
	buf_adds(b, ",\"deliveryDate\":");
	if (r->delivery_ms > 0 && ledger_time_format(r->delivery_ms, when,
	    sizeof(when)) == 0)
		json_str(b, when);
	else
		buf_adds(b, "\"\"");
	buf_adds(b, ",\"deliveryStatus\":");
	json_str(b, r->delivery_status);
	buf_adds(b, ",\"deliveryDiagnostic\":");
	json_str(b, r->delivery_diag);
	return buf_adds(b, "}\n");
}

/*
 * The dump's columns for csv and xlsx, in order: the name, how the value
 * is shown, the field of struct ledger_rec it comes from, and for an
 * enum the function that names its values.  Adding a column is adding
 * its line.
 */
enum col_kind {
	COL_TEXT,			/* const char *, as it is */
	COL_INT,			/* int */
	COL_TIME,			/* int64_t ms; 0 is no time */
	COL_ENUM,			/* int, shown by its name */
	COL_STATUS,			/* const char *, empty is "complete" */
	COL_FILES,			/* const char *, LF-separated: a|b */
	COL_NFILES,			/* const char *, LF-separated: count */
	COL_PERIOD,			/* the record's YYYY-MM */
	COL_HASH,			/* the record's uniqueHash */
};

#define REC(f)	offsetof(struct ledger_rec, f)

static const struct dump_col {
	const char	*name;
	enum col_kind	 kind;
	size_t		 off;
	const char	*(*enum_name)(int);
} dump_cols[] = {
	{ "companyId",        COL_TEXT,   REC(id), NULL },
	{ "companyName",      COL_TEXT,   REC(company_name), NULL },
	{ "year",             COL_INT,    REC(year), NULL },
	{ "month",            COL_INT,    REC(month), NULL },
	{ "period",           COL_PERIOD, 0, NULL },
	{ "recipientEmail",   COL_TEXT,   REC(rcpt), NULL },
	{ "sentDate",         COL_TIME,   REC(sent_ms), NULL },
	{ "uniqueHash",       COL_HASH,   0, NULL },
	{ "status",           COL_STATUS, REC(status), NULL },
	{ "fileCount",        COL_NFILES, REC(files), NULL },
	{ "fileList",         COL_FILES,  REC(files), NULL },
	{ "messageId",        COL_TEXT,   REC(message_id), NULL },
	{ "queueId",          COL_TEXT,   REC(queue_id), NULL },
	{ "source",           COL_ENUM,   REC(source), ledger_source_name },
	{ "client",           COL_TEXT,   REC(client), NULL },
	{ "saslUser",         COL_TEXT,   REC(sasl_user), NULL },
	{ "delivery",         COL_ENUM,   REC(delivery), ledger_delivery_name },
	{ "deliveryDate",     COL_TIME,   REC(delivery_ms), NULL },
	{ "deliveryStatus",   COL_TEXT,   REC(delivery_status), NULL },
	{ "deliveryDiagnostic", COL_TEXT, REC(delivery_diag), NULL },
};
#define NDUMP_COLS	(sizeof(dump_cols) / sizeof(dump_cols[0]))

struct dump_ctx {
	unsigned long	 n;
	unsigned long	 bad;
	int		 oom;
	FILE		*fp;		/* json */
	struct tabout	*t;		/* csv, xlsx */
	struct buf	 line;		/* json: one record */
	struct buf	 tmp;		/* csv, xlsx: a derived cell */
};

/* dump_cell - one column of a record */
static int
dump_cell(struct dump_ctx *c, const struct dump_col *col,
    const struct ledger_rec *r)
{
	const char *f = (const char *)r + col->off, *s;
	char	when[32], period[16];
	int64_t	ms;
	int	v;
	size_t	i;

	switch (col->kind) {
	case COL_TEXT:
		memcpy(&s, f, sizeof(s));
		return tabout_text(c->t, s);
	case COL_INT:
		memcpy(&v, f, sizeof(v));
		return tabout_int(c->t, v);
	case COL_TIME:
		memcpy(&ms, f, sizeof(ms));
		if (ms == 0 || ledger_time_format(ms, when, sizeof(when)) < 0)
			when[0] = '\0';
		return tabout_time(c->t, when);
	case COL_ENUM:
		memcpy(&v, f, sizeof(v));
		return tabout_text(c->t, col->enum_name(v));
	case COL_STATUS:
		memcpy(&s, f, sizeof(s));
		return tabout_text(c->t, s && *s ? s : "complete");
	case COL_NFILES:
		memcpy(&s, f, sizeof(s));
		return tabout_int(c->t, (long long)count_files(s));
	case COL_FILES:
		memcpy(&s, f, sizeof(s));
		if (buf_set(&c->tmp, s ? s : "", s ? strlen(s) : 0) < 0)
			break;
		for (i = 0; i < c->tmp.len; i++)
			if (c->tmp.data[i] == '\n')
				c->tmp.data[i] = '|';
		return tabout_textn(c->t, c->tmp.data, c->tmp.len);
	case COL_PERIOD:
		snprintf(period, sizeof(period), "%04d-%02d", r->year,
		    r->month);
		return tabout_text(c->t, period);
	case COL_HASH:
		unique_hash(&c->tmp, r);
		if (c->tmp.data == NULL)
			break;
		return tabout_textn(c->t, c->tmp.data, c->tmp.len);
	}
	c->oom = 1;
	return -1;
}

static int
dump_one(const char *key, size_t keylen, const struct ledger_rec *r,
    void *arg)
{
	struct dump_ctx *c = arg;
	size_t	i;

	if (r == NULL) {
		log_err("%.*s: record cannot be decoded", (int)keylen, key);
		c->bad++;
		return 0;
	}
	c->n++;
	if (c->t) {
		for (i = 0; i < NDUMP_COLS; i++)
			if (dump_cell(c, &dump_cols[i], r) < 0)
				return -1;
		return tabout_end_row(c->t);
	}
	buf_reset(&c->line);
	ctl_rec_json(&c->line, r);
	if (c->line.data == NULL) {
		c->oom = 1;
		return -1;
	}
	return fwrite(c->line.data, 1, c->line.len, c->fp) == c->line.len ?
	    0 : -1;
}

/* dump_open - the output: JSON lines to a stream, or a table */
static int
dump_open(struct dump_ctx *c, int json, enum tabout_fmt fmt,
    const char *out, struct tabout_file **fo)
{
	const char *names[NDUMP_COLS];
	struct buf err = BUF_INIT;
	size_t	i;

	if (json) {
		if ((*fo = tabout_file_open(out, &err)) != NULL)
			c->fp = tabout_file_fp(*fo);
	} else if ((c->t = tabout_open(fmt, out, "ledger", &err)) != NULL) {
		for (i = 0; i < NDUMP_COLS; i++)
			names[i] = dump_cols[i].name;
		tabout_columns(c->t, names, NDUMP_COLS);
	}
	if (c->fp == NULL && c->t == NULL) {
		log_err("%s", BUF_STR(&err));
		buf_free(&err);
		return -1;
	}
	return 0;
}

/* dump_close - put the output in place, or drop it; a sysexits status */
static int
dump_close(struct dump_ctx *c, struct tabout_file *fo, int ok)
{
	struct buf err = BUF_INIT;
	int	rc;

	if (!ok) {
		if (c->t)
			tabout_discard(c->t);
		else
			tabout_file_discard(fo);
		return EX_IOERR;
	}
	rc = c->t ? tabout_close(c->t, &err) : tabout_file_close(fo, &err);
	if (rc < 0)
		log_err("%s", BUF_STR(&err));
	buf_free(&err);
	return rc < 0 ? EX_IOERR : EX_OK;
}

/* ctl_dump - every record: JSON lines, CSV or a workbook */
int
ctl_dump(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct dump_ctx c = { 0, 0, 0, NULL, NULL, BUF_INIT, BUF_INIT };
	struct tabout_file *fo = NULL;
	enum tabout_fmt fmt = TABOUT_CSV;
	const char *out = NULL;
	static char obuf[1 << 16];
	int	ch, rc, json = 1;

	while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (strcmp(optarg, "json") == 0)
				json = 1;
			else if (tabout_parse_format(optarg, &fmt) == 0)
				json = 0;
			else {
				log_err("--format '%s': expected json, csv or "
				    "xlsx", optarg);
				return EX_USAGE;
			}
			break;
		case 'o':
			if (*optarg == '\0') {
				log_err("-o: an empty file name");
				return EX_USAGE;
			}
			out = strcmp(optarg, "-") == 0 ? NULL : optarg;
			break;
		default:
			ctl_usage_of("dump");
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		ctl_usage_of("dump");
		return EX_USAGE;
	}
	if (!json && fmt == TABOUT_XLSX && out == NULL) {
		log_err("--format xlsx needs -o FILE: a workbook is not "
		    "written to standard output");
		return EX_USAGE;
	}
	if ((rc = ctl_open(ctl, LEDGER_RDONLY)) != 0)
		return rc;
	if (out == NULL)
		setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	if (dump_open(&c, json, fmt, out, &fo) < 0)
		return EX_IOERR;
	rc = ledger_iter(ctl->l, NULL, dump_one, &c);
	if (rc != 0 && rc != -1)
		log_err("%s: %s", ledger_path(ctl->l), ledger_strerror(rc));
	else if (c.oom)
		log_err("out of memory");
	rc = dump_close(&c, fo, rc == 0 || (rc == -1 && !c.oom));
	buf_free(&c.line);
	buf_free(&c.tmp);
	if (rc != EX_OK)
		return c.oom ? EX_OSERR : rc;
	return c.bad ? EX_DATAERR : EX_OK;
}

static void
human(char *out, size_t len, unsigned long long n)
{
	if (n >= 1ULL << 30)
		snprintf(out, len, "%.1f GiB", (double)n / (1ULL << 30));
	else if (n >= 1ULL << 20)
		snprintf(out, len, "%.1f MiB", (double)n / (1ULL << 20));
	else
		snprintf(out, len, "%.1f KiB", (double)n / 1024);
}

/* stats_pg - what ledger_stats() says of a PostgreSQL ledger */
static void
stats_pg(struct ledger *l, const struct ledger_stats *st)
{
	char	a[32];

	human(a, sizeof(a), st->file_size);
	printf("ledger      %s\n", ledger_path(l));
	printf("backend     postgresql (server %u.%u)\n",
	    st->server_version / 10000, st->server_version % 100);
	printf("schema      %u\n", st->format);
	printf("records     %llu\n", (unsigned long long)st->entries);
	printf("table size  %llu (%s, with its indexes)\n",
	    (unsigned long long)st->file_size, a);
	printf("page size   %u\n", st->page_size);
	printf("connections %u of %u (to this database)\n", st->readers,
	    st->max_readers);
	if (st->entries)
		printf("bytes/rec   %.0f\n", (double)st->file_size /
		    (double)st->entries);
}

/* ctl_stats - records, sizes, map use, readers */
int
ctl_stats(struct ctl *ctl, int argc, char **argv)
{
	struct ledger_stats st;
	char	a[32], b[32], c[32];
	int	rc;

	(void)argv;
	if (argc != 1) {
		ctl_usage_of("stats");
		return EX_USAGE;
	}
	if ((rc = ctl_open(ctl, LEDGER_RDONLY)) != 0)
		return rc;
	if ((rc = ledger_stats(ctl->l, &st)) != 0) {
		log_err("%s: %s", ledger_path(ctl->l), ledger_strerror(rc));
		return ctl_status(rc);
	}
	if (strcmp(ledger_backend_name(ctl->l), "postgresql") == 0) {
		stats_pg(ctl->l, &st);
		return EX_OK;
	}
	human(a, sizeof(a), st.file_size);
	human(b, sizeof(b), st.map_size);
	human(c, sizeof(c), st.map_used);
	printf("ledger      %s\n", ledger_path(ctl->l));
	printf("format      %u\n", st.format);
	printf("records     %llu\n", (unsigned long long)st.entries);
	printf("file size   %llu (%s)\n", (unsigned long long)st.file_size, a);
	printf("map size    %llu (%s)\n", (unsigned long long)st.map_size, b);
	printf("map used    %llu (%s, %.1f%%)\n",
	    (unsigned long long)st.map_used, c, st.map_size ?
	    100.0 * (double)st.map_used / (double)st.map_size : 0.0);
	printf("page size   %u\n", st.page_size);
	printf("tree depth  %u\n", st.depth);
	printf("readers     %u of %u\n", st.readers, st.max_readers);
	if (st.entries)
		printf("bytes/rec   %.0f\n", (double)st.map_used /
		    (double)st.entries);
	return EX_OK;
}

static void
verify_problem(const char *key, size_t keylen, const char *problem, void *arg)
{
	(void)arg;
	log_err("%.*s: %s", (int)keylen, key, problem);
}

/* ctl_verify - check every record */
int
ctl_verify(struct ctl *ctl, int argc, char **argv)
{
	uint64_t checked, bad;
	int	rc;

	(void)argv;
	if (argc != 1) {
		ctl_usage_of("verify");
		return EX_USAGE;
	}
	if ((rc = ctl_open(ctl, LEDGER_RDONLY)) != 0)
		return rc;
	if ((rc = ledger_verify(ctl->l, verify_problem, NULL, &checked,
	    &bad)) != 0) {
		log_err("%s: %s", ledger_path(ctl->l), ledger_strerror(rc));
		return ctl_status(rc);
	}
	printf("%llu records checked, %llu bad\n", (unsigned long long)checked,
	    (unsigned long long)bad);
	return bad ? EX_DATAERR : EX_OK;
}
