/*
 * NAME
 *	ctl_show - edefterctl list, show, dump, stats, verify
 * DESCRIPTION
 *	The read-only commands.  Each opens the ledger read-only and reads
 *	one consistent snapshot.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "addr.h"
#include "ctl.h"
#include "json.h"
#include "log.h"
#include "names.h"

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
	struct buf	 line;
	int		 csv;
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
		printf("%-11s  %-7s  %-30s  %-24s  %-6s  %-12s  %5s  %s\n",
		    "COMPANY", "PERIOD", "RECIPIENT", "SENT (UTC)", "SOURCE",
		    "QUEUE", "FILES", "NAME");
	if (ledger_time_format(r->sent_ms, when, sizeof(when)) < 0)
		strcpy(when, "?");
	printf("%-11s  %04d-%02d  %-30s  %-24s  %-6s  %-12s  %5zu  %s\n",
	    r->id, r->year, r->month, r->rcpt, when,
	    ledger_source_name(r->source), dash(r->queue_id),
	    count_files(r->files), dash(r->company_name));
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
	struct list_ctx c = { 0, 0, BUF_INIT, 0 };
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
		return EX_IOERR;
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
		rc = rc == LEDGER_NOTFOUND ? EX_DATAERR : EX_IOERR;
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
	return buf_adds(b, "}\n");
}

/* csv_field - RFC 4180 quoting when needed */
static void
csv_field(struct buf *b, const char *s, int last)
{
	const char *p;

	s = s ? s : "";
	if (strpbrk(s, "\",\r\n") == NULL)
		buf_adds(b, s);
	else {
		buf_addc(b, '"');
		for (p = s; *p; p++) {
			if (*p == '"')
				buf_addc(b, '"');
			buf_addc(b, *p);
		}
		buf_addc(b, '"');
	}
	buf_addc(b, last ? '\n' : ',');
}

static int
dump_one(const char *key, size_t keylen, const struct ledger_rec *r,
    void *arg)
{
	struct list_ctx *c = arg;
	char	when[32], num[16], *files, *p;
	struct buf h = BUF_INIT;

	if (r == NULL) {
		log_err("%.*s: record cannot be decoded", (int)keylen, key);
		c->bad++;
		return 0;
	}
	c->n++;
	buf_reset(&c->line);
	if (!c->csv)
		ctl_rec_json(&c->line, r);
	else {
		if (ledger_time_format(r->sent_ms, when, sizeof(when)) < 0)
			when[0] = '\0';
		unique_hash(&h, r);
		files = strdup(r->files ? r->files : "");
		for (p = files; p && *p; p++)
			if (*p == '\n')
				*p = '|';
		csv_field(&c->line, r->id, 0);
		csv_field(&c->line, r->company_name, 0);
		snprintf(num, sizeof(num), "%d", r->year);
		csv_field(&c->line, num, 0);
		snprintf(num, sizeof(num), "%d", r->month);
		csv_field(&c->line, num, 0);
		snprintf(num, sizeof(num), "%04d-%02d", r->year, r->month);
		csv_field(&c->line, num, 0);
		csv_field(&c->line, r->rcpt, 0);
		csv_field(&c->line, when, 0);
		csv_field(&c->line, h.data, 0);
		csv_field(&c->line, r->status && *r->status ? r->status :
		    "complete", 0);
		snprintf(num, sizeof(num), "%zu", count_files(r->files));
		csv_field(&c->line, num, 0);
		csv_field(&c->line, files, 0);
		csv_field(&c->line, r->message_id, 0);
		csv_field(&c->line, r->queue_id, 0);
		csv_field(&c->line, ledger_source_name(r->source), 0);
		csv_field(&c->line, r->client, 0);
		csv_field(&c->line, r->sasl_user, 1);
		free(files);
		buf_free(&h);
	}
	if (c->line.data == NULL) {
		log_err("out of memory");
		return -1;
	}
	return fwrite(c->line.data, 1, c->line.len, stdout) == c->line.len ?
	    0 : -1;
}

/* ctl_dump - every record, JSON lines or CSV */
int
ctl_dump(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct list_ctx c = { 0, 0, BUF_INIT, 0 };
	static char obuf[1 << 16];
	int	ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'f' && !strcmp(optarg, "json"))
			c.csv = 0;
		else if (ch == 'f' && !strcmp(optarg, "csv"))
			c.csv = 1;
		else {
			if (ch == 'f')
				log_err("--format '%s': expected json or csv",
				    optarg);
			ctl_usage_of("dump");
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		ctl_usage_of("dump");
		return EX_USAGE;
	}
	if ((rc = ctl_open(ctl, LEDGER_RDONLY)) != 0)
		return rc;
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	if (c.csv)
		fputs("companyId,companyName,year,month,period,recipientEmail,"
		    "sentDate,uniqueHash,status,fileCount,fileList,messageId,"
		    "queueId,source,client,saslUser\n", stdout);
	rc = ledger_iter(ctl->l, NULL, dump_one, &c);
	buf_free(&c.line);
	if (rc == -1) {
		log_err("standard output: write error");
		return EX_IOERR;
	}
	if (rc) {
		log_err("%s: %s", ledger_path(ctl->l), ledger_strerror(rc));
		return EX_IOERR;
	}
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
		return EX_IOERR;
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
		return EX_IOERR;
	}
	printf("%llu records checked, %llu bad\n", (unsigned long long)checked,
	    (unsigned long long)bad);
	return bad ? EX_DATAERR : EX_OK;
}
