/*
 * NAME
 *	ctl_import - edefterctl import: the old desktop tool's history
 * DESCRIPTION
 *	Reads the old tool's `sentEmails' history, in any of its eras: a
 *	JSON array, an object holding a `sentEmails' array, or JSON lines
 *	(edefterctl dump --format json, so a dump imports back).  Records
 *	with and without uniqueHash, status and fileList are accepted;
 *	file-list-era hashes (`id_year_month_files_email') are kept as the
 *	record's legacy hash and identify the same period and recipient.
 *	Manual sends (`to', `subject', `sentAt', `messageId', no company)
 *	cannot be keyed and are reported as skipped.  A recipient field
 *	holding several addresses yields one record each.
 *
 *	The whole file is parsed and checked before the ledger is opened;
 *	valid records are merged (ledger_merge: an existing key keeps the
 *	earlier date), the rest reported with a reason each.
 * DIAGNOSTICS
 *	0 when every record was imported, present or skipped; 65 when the
 *	file is not JSON, has the wrong shape, or any record was rejected;
 *	66 when the file cannot be read.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sysexits.h>

#include "addr.h"
#include "ctl.h"
#include "log.h"
#include "names.h"

#define BATCH	5000

struct item {
	struct ledger_claim c;
	size_t	 index;			/* record number, 1-based */
	char	*own[4];		/* strings this item allocated */
};

struct imp {
	const char	*file;
	struct item	*v;
	size_t		 n, cap;
	unsigned long	 imported, present, earlier, skipped, rejected;
	int		 warned_nodate;
};

static char *
xstrdup(const char *s)
{
	char	*p = strdup(s);

	if (p == NULL)
		log_fatal(EX_OSERR, "out of memory");
	return p;
}

static void
reject(struct imp *im, size_t index, json_t *o, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* reject - one line per rejected record, with what identifies it */
static void
reject(struct imp *im, size_t index, json_t *o, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	const char *h = json_string_value(json_object_get(o, "uniqueHash"));
	va_list	ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (h)
		log_kv(&b, "uniqueHash", h);
	log_err("%s: record %zu rejected: %s", im->file, index, BUF_STR(&b));
	buf_free(&b);
	im->rejected++;
}

/* text - a string or integer member as text in tmp; NULL if absent */
static const char *
text(json_t *o, const char *name, char *tmp, size_t len)
{
	json_t	*v = json_object_get(o, name);

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(tmp, len, "%lld", (long long)json_integer_value(v));
		return tmp;
	}
	return NULL;
}

/* integer - an integer member, or a string of digits; -1 if neither */
static long
integer(json_t *o, const char *name)
{
	char	tmp[32], *end;
	const char *s = text(o, name, tmp, sizeof(tmp));
	long	v;

	if (s == NULL || *s == '\0')
		return -1;
	v = strtol(s, &end, 10);
	return *end == '\0' && v >= 0 ? v : -1;
}

/* hash_rcpt - the recipient embedded in an old uniqueHash */
static char *
hash_rcpt(const char *hash, const char *files_joined)
{
	const char *p = hash, *last;
	int	i;

	for (i = 0; i < 3; i++) {
		if ((p = strchr(p, '_')) == NULL)
			return NULL;
		p++;
	}
	if (files_joined && *files_joined &&
	    strncmp(p, files_joined, strlen(files_joined)) == 0 &&
	    p[strlen(files_joined)] == '_')
		p += strlen(files_joined) + 1;
	else if (strchr(p, '|') != NULL) {
		/* the address follows the last file name: "....zip_" */
		const char *q;

		for (last = NULL, q = p; (q = strchr(q, '_')) != NULL; q++)
			if (q - p >= 4 && (ascii_strncasecmp(q - 4, ".zip", 4) ==
			    0 || ascii_strncasecmp(q - 4, ".xml", 4) == 0))
				last = q + 1;
		if (last == NULL)
			return NULL;
		p = last;
	}
	return xstrdup(p);
}

/* hash_agrees - does an old hash name the same id/year/month */
static int
hash_agrees(const char *hash, const char *id, int year, int month)
{
	char	want[64], want2[64];

	snprintf(want, sizeof(want), "%s_%04d_%02d_", id, year, month);
	snprintf(want2, sizeof(want2), "%s_%04d_%d_", id, year, month);
	return strncmp(hash, want, strlen(want)) == 0 ||
	    strncmp(hash, want2, strlen(want2)) == 0;
}

/* delivery_of - a dump's delivery fields, when it has them (a dump
 * imported back keeps what the delivery reports said) */
static void
delivery_of(json_t *o, struct ledger_rec *r)
{
	const char *d = json_string_value(json_object_get(o, "delivery"));
	const char *when = json_string_value(json_object_get(o,
	    "deliveryDate"));
	int64_t	ms = 0;
	int	state;

	if (d == NULL || (state = ledger_delivery_parse(d)) <= 0)
		return;
	if (when && *when && ledger_time_parse(when, &ms) < 0)
		ms = 0;
	r->delivery = state;
	r->delivery_ms = ms;
	r->delivery_status = json_string_value(json_object_get(o,
	    "deliveryStatus"));
	r->delivery_diag = json_string_value(json_object_get(o,
	    "deliveryDiagnostic"));
}

/* sent_date - sentDate as ISO text or epoch number; 0 if absent */
static int
sent_date(json_t *o, int64_t *ms)
{
	json_t	*v = json_object_get(o, "sentDate");

	*ms = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_string(v))
		return ledger_time_parse(json_string_value(v), ms);
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*ms = json_integer_value(v);
		if (*ms < 100000000000LL)	/* seconds, not ms */
			*ms *= 1000;
		return 0;
	}
	return -1;
}

static void
push(struct imp *im, const struct item *it)
{
	struct item *v;

	if (im->n == im->cap) {
		im->cap = im->cap ? im->cap * 2 : 256;
		if ((v = realloc(im->v, im->cap * sizeof(*v))) == NULL)
			log_fatal(EX_OSERR, "out of memory");
		im->v = v;
	}
	im->v[im->n++] = *it;
}

/* record - check one history record; push one item per recipient */
static void
record(struct imp *im, size_t index, json_t *o)
{
	struct item it;
	struct buf files = BUF_INIT, joined = BUF_INIT;
	char	idtmp[32], *rcpts, *r, *save = NULL;
	const char *id, *hash, *rcpt, *name, *status, *s;
	json_t	*fl, *f;
	long	year, month;
	int64_t	ms;
	size_t	i, pushed = 0;

	if (!json_is_object(o)) {
		reject(im, index, o, "not a JSON object");
		return;
	}
	id = text(o, "companyId", idtmp, sizeof(idtmp));
	if (id == NULL && (json_object_get(o, "to") ||
	    json_object_get(o, "subject"))) {
		log_warn("%s: record %zu skipped: a manual send (to/subject/"
		    "sentAt) names no company and period", im->file, index);
		im->skipped++;
		return;
	}
	if (id == NULL) {
		reject(im, index, o, "no companyId");
		return;
	}
	if (!edf_valid_id(id, strlen(id))) {
		reject(im, index, o, "companyId '%s' is not a valid VKN or TCKN",
		    id);
		return;
	}
	year = integer(o, "year");
	month = integer(o, "month");
	if ((year < 0 || month < 0) && (s = json_string_value(
	    json_object_get(o, "period"))) != NULL) {
		int y, m;
		if (edf_parse_period(s, strlen(s), &y, &m) == 0)
			year = y, month = m;
	}
	if (year < 2000 || year > 2099 || month < 1 || month > 12) {
		reject(im, index, o, "bad or missing year/month");
		return;
	}
	if (sent_date(o, &ms) < 0) {
		reject(im, index, o, "sentDate is not an ISO 8601 date");
		return;
	}
	fl = json_object_get(o, "fileList");
	if (fl && !json_is_array(fl)) {
		reject(im, index, o, "fileList is not an array");
		return;
	}
	json_array_foreach(fl, i, f) {
		if (!json_is_string(f) || strchr(json_string_value(f), '\n') ||
		    strchr(json_string_value(f), '|')) {
			reject(im, index, o, "fileList entry %zu is not a file "
			    "name", i + 1);
			goto out;
		}
		if (i) {
			buf_addc(&files, '\n');
			buf_addc(&joined, '|');
		}
		buf_adds(&files, json_string_value(f));
		buf_adds(&joined, json_string_value(f));
	}
	hash = json_string_value(json_object_get(o, "uniqueHash"));
	if (hash && !hash_agrees(hash, id, (int)year, (int)month)) {
		reject(im, index, o, "uniqueHash does not name company %s, "
		    "period %04ld-%02ld", id, year, month);
		goto out;
	}
	rcpt = json_string_value(json_object_get(o, "recipientEmail"));
	for (s = rcpt; s && *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f) {
			reject(im, index, o, "recipientEmail holds control "
			    "characters");
			goto out;
		}
	rcpts = rcpt ? xstrdup(rcpt) : hash ? hash_rcpt(hash, joined.data) :
	    NULL;
	if (rcpts == NULL) {
		reject(im, index, o, "no recipientEmail");
		goto out;
	}
	name = json_string_value(json_object_get(o, "companyName"));
	status = json_string_value(json_object_get(o, "status"));
	for (r = strtok_r(rcpts, ",; \t", &save); r;
	    r = strtok_r(NULL, ",; \t", &save)) {
		if (addr_valid(r, strlen(r)) < 0) {
			struct buf e = BUF_INIT;
			log_escape(&e, r, strlen(r));
			reject(im, index, o, "recipient %s is not a mail "
			    "address", BUF_STR(&e));
			buf_free(&e);
			continue;
		}
		memset(&it, 0, sizeof(it));
		it.index = index;
		it.own[0] = xstrdup(r);
		ascii_lower(it.own[0]);
		it.own[1] = files.len ? xstrdup(files.data) : NULL;
		it.c.rec.id = it.own[2] = xstrdup(id);
		it.c.rec.year = (int)year;
		it.c.rec.month = (int)month;
		it.c.rec.rcpt = it.own[0];
		it.c.rec.sent_ms = ms;
		it.c.rec.source = LEDGER_SRC_IMPORT;
		it.c.rec.company_name = name;
		it.c.rec.files = it.own[1];
		it.c.rec.status = status;
		it.c.rec.message_id = json_string_value(json_object_get(o,
		    "messageId"));
		it.c.rec.queue_id = json_string_value(json_object_get(o,
		    "queueId"));
		it.c.rec.client = json_string_value(json_object_get(o,
		    "client"));
		it.c.rec.sasl_user = json_string_value(json_object_get(o,
		    "saslUser"));
		delivery_of(o, &it.c.rec);
		if (hash) {
			struct buf h = BUF_INIT;
			buf_printf(&h, "%s_%04ld_%02ld_%s", id, year, month,
			    it.own[0]);
			if (strcmp(h.data, hash) != 0)
				it.c.rec.legacy_hash = it.own[3] = xstrdup(hash);
			buf_free(&h);
		}
		push(im, &it);
		pushed++;
	}
	free(rcpts);
	if (pushed && ms == 0)
		log_warn("%s: record %zu has no sentDate; recorded with the "
		    "time of the import", im->file, index);
out:
	buf_free(&files);
	buf_free(&joined);
}

/* flush - merge the collected items into the ledger, in batches */
static int
flush(struct imp *im, struct ledger *l)
{
	struct ledger_claim *c;
	struct timeval tv;
	size_t	i, j, n;
	int	rc = 0;

	gettimeofday(&tv, NULL);
	if ((c = calloc(BATCH, sizeof(*c))) == NULL)
		log_fatal(EX_OSERR, "out of memory");
	for (i = 0; i < im->n && rc == 0; i += n) {
		n = im->n - i < BATCH ? im->n - i : BATCH;
		for (j = 0; j < n; j++) {
			c[j] = im->v[i + j].c;
			if (c[j].rec.sent_ms == 0)
				c[j].rec.sent_ms = (int64_t)tv.tv_sec * 1000 +
				    tv.tv_usec / 1000;
		}
		if ((rc = ledger_merge(l, c, n)) != 0)
			break;
		for (j = 0; j < n; j++) {
			if (c[j].outcome == LEDGER_NEW)
				im->imported++;
			else {
				im->present++;
				if (c[j].outcome == LEDGER_EARLIER)
					im->earlier++;
			}
		}
	}
	free(c);
	return rc;
}

/* load - the file as a list of records; NULL and a message on error */
static json_t *
load(const char *file, int *status)
{
	json_error_t e;
	json_t	*root, *recs, *one;
	FILE	*fp;
	char	*data = NULL;
	size_t	len = 0, off;

	if ((fp = fopen(file, "r")) == NULL) {
		log_err("%s: %s", file, strerror(errno));
		*status = errno == ENOENT ? EX_NOINPUT : EX_IOERR;
		return NULL;
	}
	{
		FILE *mem = open_memstream(&data, &len);
		char chunk[65536];
		size_t n;

		while (mem && (n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
			fwrite(chunk, 1, n, mem);
		if (mem == NULL || ferror(fp) || fclose(mem) != 0) {
			log_err("%s: read error: %s", file, strerror(errno));
			fclose(fp);
			free(data);
			*status = EX_IOERR;
			return NULL;
		}
	}
	fclose(fp);
	*status = EX_DATAERR;
	root = json_loadb(data, len, 0, &e);
	if (root == NULL && strstr(e.text, "end of file expected")) {
		/* JSON lines: one object after another */
		recs = json_array();
		for (off = 0; off < len;) {
			while (off < len && strchr(" \t\r\n", data[off]))
				off++;
			if (off == len)
				break;
			one = json_loadb(data + off, len - off,
			    JSON_DISABLE_EOF_CHECK, &e);
			if (one == NULL) {
				json_decref(recs);
				recs = NULL;
				break;
			}
			json_array_append_new(recs, one);
			off += (size_t)e.position;
		}
		root = recs;
	}
	free(data);
	if (root == NULL) {
		log_err("%s:%d:%d: not JSON: %s", file, e.line, e.column,
		    e.text);
		return NULL;
	}
	if (json_is_array(root))
		return root;
	if (json_is_object(root) && json_is_array(recs = json_object_get(root,
	    "sentEmails"))) {
		json_incref(recs);
		json_decref(root);
		return recs;
	}
	if (json_is_object(root) && json_object_get(root, "companyId")) {
		recs = json_array();
		json_array_append_new(recs, root);
		return recs;
	}
	log_err("%s: wrong shape: expected a JSON array of sent-mail records, "
	    "an object with a 'sentEmails' array, or JSON lines", file);
	json_decref(root);
	return NULL;
}

/* ctl_import - the old tool's history into the ledger */
int
ctl_import(struct ctl *ctl, int argc, char **argv)
{
	struct imp im;
	json_t	*recs, *o;
	size_t	i, k;
	int	rc, status;

	if (argc != 2) {
		ctl_usage_of("import");
		return EX_USAGE;
	}
	memset(&im, 0, sizeof(im));
	im.file = argv[1];
	if ((recs = load(argv[1], &status)) == NULL)
		return status;
	json_array_foreach(recs, i, o)
		record(&im, i + 1, o);
	status = EX_OK;
	if (im.n > 0 && (status = ctl_open(ctl, LEDGER_CREATE)) != EX_OK) {
		log_err("%s: nothing imported", im.file);
		goto out;
	}
	if (im.n > 0 && (rc = flush(&im, ctl->l)) != 0) {
		log_err("%s: import stopped, the failed batch of %d records "
		    "not recorded: %s", ledger_path(ctl->l), BATCH,
		    ledger_strerror(rc));
		status = ctl_status(rc);
	}
	printf("%lu imported, %lu already present (%lu moved to an earlier "
	    "date), %lu skipped, %lu rejected\n", im.imported, im.present,
	    im.earlier, im.skipped, im.rejected);
out:
	for (i = 0; i < im.n; i++)
		for (k = 0; k < 4; k++)
			free(im.v[i].own[k]);
	free(im.v);
	json_decref(recs);
	if (status == EX_OK && im.rejected)
		status = EX_DATAERR;
	return status;
}
