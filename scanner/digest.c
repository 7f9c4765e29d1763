/*
 * NAME
 *	digest - the office's daily e-Defter digest mail
 * SYNOPSIS
 *	#include "digest.h"
 *
 *	int	digest_run(const struct conf *cf, int dry_run);
 *	int	digest_due(const struct conf *cf, time_t now);
 * DESCRIPTION
 *	digest_run() makes one message to Notify, in Turkish, HTML with a
 *	plain-text alternative, and sends it through Submit like the
 *	periods' messages (but it is no e-Defter send: no X-EDefter
 *	headers, no VERP sender, no DSN parameters).  Its sections, each
 *	naming company, id and period: what the ledger recorded as sent
 *	since the last digest; what bounced or was delayed since then (the
 *	delivery reports); what is `changed' (a berat replaced after it
 *	was sent); what is overdue; what is due within 14 days and has no
 *	GIB berats yet.  The period rows come from a status pass (run.c)
 *	over the share.
 *
 *	StateDir/digest remembers the last digest: its day (local) and the
 *	time up to which it covered the ledger; a digest covers from there
 *	to now (the first one: the last 24 hours).  It is written only
 *	after the MTA accepted the message, atomically.  --dry-run prints
 *	the recipients, the subject and the text part, and changes nothing.
 *
 *	digest_due() tells the daemon whether the day's digest is still to
 *	be sent: Notify is set, the local hour is DigestHour or later, and
 *	StateDir/digest names another day.  So it goes once a day, also
 *	across restarts.  A crash between the MTA's 250 and the write of
 *	StateDir/digest sends it again.
 * DIAGNOSTICS
 *	digest_run() returns the exit status: 0; 64 when Notify is not set;
 *	69 when the ledger cannot be read; 75 when the share was not
 *	usable or the MTA deferred or could not be reached; 73/74 when
 *	StateDir cannot be written; 78 for a configuration problem.
 */
#include <sys/random.h>
#include <sys/time.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "digest.h"
#include "ledger.h"
#include "log.h"
#include "message.h"
#include "mimeenc.h"
#include "mimew.h"
#include "pass.h"
#include "state.h"
#include "submit.h"

#define DUE_DAYS	14

enum sect { S_SENT, S_BOUNCED, S_CHANGED, S_OVERDUE, S_DUE, S_N };

static const char *const sect_title[S_N] = {
	"Son özetten bu yana gönderilenler",
	"Geri dönen ve geciken gönderimler",
	"Gönderildikten sonra değişen beratlar",
	"Süresi geçmiş dönemler",
	"14 gün içinde son günü gelen dönemler",
};

struct item {
	char	*company;		/* name, or "" */
	char	 id[EDF_ID_MAX + 1];
	int	 year, month;
	char	*detail;		/* what to say of it */
};

struct digest {
	const struct conf *cf;
	struct item	*v[S_N];
	size_t		 n[S_N];
	int64_t		 since, until;	/* the ledger window, ms */
	int		 today;		/* YYYYMMDD, local */
	int		 soon;		/* today + 14 days, YYYYMMDD */
	struct buf	 subject;
};

static char *
xstrdup(const char *s)
{
	char	*p = strdup(s ? s : "");

	if (p == NULL)
		log_fatal(EX_OSERR, "out of memory");
	return p;
}

/* add - one item to a section */
static void
add(struct digest *d, enum sect s, const char *company, const char *id,
    int year, int month, const char *detail)
{
	struct item *v = realloc(d->v[s], (d->n[s] + 1) * sizeof(*v));

	if (v == NULL)
		log_fatal(EX_OSERR, "out of memory");
	d->v[s] = v;
	v = &v[d->n[s]++];
	v->company = xstrdup(company);
	snprintf(v->id, sizeof(v->id), "%s", id);
	v->year = year;
	v->month = month;
	v->detail = xstrdup(detail);
}

/* ymd - "YYYY-MM-DD" as YYYYMMDD, 0 when empty */
static int
ymd(const char *s)
{
	int	y, m, d;

	return s && sscanf(s, "%4d-%2d-%2d", &y, &m, &d) == 3 ?
	    y * 10000 + m * 100 + d : 0;
}

/* on_row - a status row: changed, overdue, due soon */
static void
on_row(void *arg, const struct speriod *sp, const char *folder)
{
	struct digest *d = arg;
	struct buf b = BUF_INIT;
	const char *r = sp->reason.len ? sp->reason.data : "";
	int	due = ymd(sp->deadline);

	(void)folder;
	if (strncmp(r, "reason=", 7) == 0)
		r += 7;
	if (sp->state == P_CHANGED)
		add(d, S_CHANGED, sp->company, sp->id, sp->year, sp->month, r);
	if (sp->overdue) {
		buf_printf(&b, "son gün %s geçti; %s", sp->deadline,
		    sp->state == P_MISSING ? "dosya yok" :
		    "GİB beratları eksik");
		add(d, S_OVERDUE, sp->company, sp->id, sp->year, sp->month,
		    b.data);
	} else if (due && due >= d->today && due <= d->soon &&
	    (sp->state == P_MISSING || sp->state == P_INCOMPLETE)) {
		buf_printf(&b, "son gün %s; %s", sp->deadline,
		    sp->state == P_MISSING ? "dosya yok" :
		    "GİB beratları eksik");
		add(d, S_DUE, sp->company, sp->id, sp->year, sp->month, b.data);
	}
	buf_free(&b);
}

/* on_record - a ledger record: sent, bounced or delayed in the window */
static int
on_record(const char *key, size_t keylen, const struct ledger_rec *r,
    void *arg)
{
	struct digest *d = arg;
	struct buf b = BUF_INIT;
	char	when[32];

	(void)key;
	(void)keylen;
	if (r == NULL)
		return 0;
	if (r->source != LEDGER_SRC_IMPORT && r->sent_ms > d->since &&
	    r->sent_ms <= d->until) {
		ledger_time_format(r->sent_ms, when, sizeof(when));
		buf_printf(&b, "%s, %.16s UTC", r->rcpt, when);
		add(d, S_SENT, r->company_name, r->id, r->year, r->month,
		    b.data);
	}
	if ((r->delivery == LEDGER_DLV_BOUNCED || r->delivery ==
	    LEDGER_DLV_DELAYED) && r->delivery_ms > d->since &&
	    r->delivery_ms <= d->until) {
		buf_reset(&b);
		buf_printf(&b, "%s: %s %s%s%s", r->rcpt, r->delivery ==
		    LEDGER_DLV_BOUNCED ? "geri döndü" : "gecikiyor",
		    r->delivery_status, *r->delivery_diag ? " — " : "",
		    r->delivery_diag);
		add(d, S_BOUNCED, r->company_name, r->id, r->year, r->month,
		    b.data);
	}
	buf_free(&b);
	return 0;
}

/* html - text with & < > " escaped */
static void
html(struct buf *b, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		default: buf_addc(b, *s);
		}
}

/* compose - the text and the HTML of the digest */
static void
compose(const struct digest *d, const char *day, struct buf *text,
    struct buf *page)
{
	size_t	s, i;

	buf_printf(text, "e-Defter günlük özeti, %s\n\n", day);
	buf_adds(page, "<!DOCTYPE html>\n<html lang=\"tr\"><head><meta "
	    "charset=\"utf-8\"><title>e-Defter günlük özeti</title></head>\n"
	    "<body style=\"font-family:sans-serif;font-size:14px\">\n");
	buf_adds(page, "<h1 style=\"font-size:18px\">e-Defter günlük özeti, ");
	html(page, day);
	buf_adds(page, "</h1>\n");
	for (s = 0; s < S_N; s++) {
		buf_printf(text, "%s (%zu)\n", sect_title[s], d->n[s]);
		buf_adds(page, "<h2 style=\"font-size:15px\">");
		html(page, sect_title[s]);
		buf_printf(page, " (%zu)</h2>\n", d->n[s]);
		if (d->n[s] == 0) {
			buf_adds(text, "  - yok\n\n");
			buf_adds(page, "<p>Yok.</p>\n");
			continue;
		}
		buf_adds(page, "<table style=\"border-collapse:collapse\">\n"
		    "<tr><th align=\"left\">Firma</th><th align=\"left\">"
		    "VKN/TCKN</th><th align=\"left\">Dönem</th>"
		    "<th align=\"left\">Ayrıntı</th></tr>\n");
		for (i = 0; i < d->n[s]; i++) {
			const struct item *it = &d->v[s][i];
			const char *name = *it->company ? it->company : it->id;

			buf_printf(text, "  - %s (%s), %s %d: %s\n", name,
			    it->id, month_name(it->month), it->year,
			    it->detail);
			buf_adds(page, "<tr><td style=\"padding:2px 8px\">");
			html(page, name);
			buf_printf(page, "</td><td style=\"padding:2px 8px\">%s"
			    "</td><td style=\"padding:2px 8px\">%s %d</td>"
			    "<td style=\"padding:2px 8px\">", it->id,
			    month_name(it->month), it->year);
			html(page, it->detail);
			buf_adds(page, "</td></tr>\n");
		}
		buf_adds(text, "\n");
		buf_adds(page, "</table>\n");
	}
	buf_adds(text, "Bu ileti edefter tarafından kendiliğinden "
	    "gönderilmiştir.\n");
	buf_adds(page, "<p style=\"color:#666\">Bu ileti edefter tarafından "
	    "kendiliğinden gönderilmiştir.</p>\n</body></html>\n");
}

/* header_mailbox - From: with an encoded display name when needed */
static int
header_mailbox(struct buf *m, const char *mailbox)
{
	struct buf name = BUF_INIT, addr = BUF_INIT;
	int	rc = -1;

	if (addr_parse_mailbox(mailbox, &name, &addr) < 0)
		goto out;
	buf_adds(m, "From: ");
	if (name.len && enc_plain_ok(name.data, name.len))
		buf_printf(m, "\"%s\" ", name.data);
	else if (name.len) {
		if (enc_words(m, name.data, name.len, addr.len + 3) < 0)
			goto out;
		buf_adds(m, " ");
	}
	buf_printf(m, "<%s>\r\n", addr.data);
	rc = 0;
out:
	buf_free(&name);
	buf_free(&addr);
	return rc;
}

/* message - the whole RFC 5322 message, CRLF line ends */
static int
message(const struct digest *d, time_t now, struct buf *msg,
    const char *text, const char *page)
{
	const struct conf *cf = d->cf;
	unsigned char rnd[12];
	char	bnd[40], date[64], host[256];
	struct tm tm;
	size_t	i;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		for (i = 0; i < sizeof(rnd); i++)
			rnd[i] = (unsigned char)(now >> (i % 8));
	snprintf(bnd, sizeof(bnd), "=_edefter-digest-%02x%02x%02x%02x%02x%02x",
	    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
	if (gethostname(host, sizeof(host)) < 0 || !*host ||
	    !strchr(host, '.'))
		snprintf(host, sizeof(host), "edefter.localdomain");
	host[sizeof(host) - 1] = '\0';
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	if (header_mailbox(msg, cf->from) < 0)
		return -1;
	buf_adds(msg, "To: ");
	for (i = 0; i < cf->notify.n; i++)
		buf_printf(msg, "%s<%s>", i ? ",\r\n " : "", cf->notify.v[i]);
	buf_adds(msg, "\r\nSubject: ");
	if (enc_words(msg, d->subject.data, d->subject.len, 0) < 0)
		return -1;
	buf_printf(msg, "\r\nDate: %s\r\n", date);
	buf_printf(msg, "Message-ID: <edefter-digest.%04d%02d%02d.%02x%02x%02x"
	    "%02x%02x%02x@%s>\r\n", tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday, rnd[6], rnd[7], rnd[8], rnd[9], rnd[10], rnd[11], host);
	buf_adds(msg, "MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n");
	buf_printf(msg, "Content-Type: multipart/alternative;\r\n boundary=\"%s\""
	    "\r\n\r\nThis is a MIME message.\r\n", bnd);
	buf_printf(msg, "\r\n--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", bnd);
	if (enc_qp(msg, text) < 0)
		return -1;
	buf_printf(msg, "\r\n--%s\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n", bnd);
	if (enc_qp(msg, page) < 0)
		return -1;
	buf_printf(msg, "\r\n--%s--\r\n", bnd);
	return msg->data ? 0 : -1;
}

/* last_digest - StateDir/digest: "YYYYMMDD COVERED-UNTIL-MS" */
static int
last_digest(const char *statedir, int *day, int64_t *until)
{
	char	path[4096];
	long long u = 0;
	FILE	*fp;
	int	d = 0, rc;

	*day = 0;
	*until = 0;
	snprintf(path, sizeof(path), "%s/digest", statedir);
	if ((fp = fopen(path, "re")) == NULL)
		return errno == ENOENT ? 0 : -1;
	rc = fscanf(fp, "%d %lld", &d, &u) == 2 ? 0 : -1;
	fclose(fp);
	if (rc == 0) {
		*day = d;
		*until = u;
	}
	return rc;
}

/* local_day - YYYYMMDD of t, local time */
static int
local_day(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 +
	    tm.tm_mday;
}

/* digest_due - the daemon's question: send today's digest now? */
int
digest_due(const struct conf *cf, time_t now)
{
	struct tm tm;
	int64_t	until;
	int	day;

	if (cf->notify.n == 0)
		return 0;
	localtime_r(&now, &tm);
	if (tm.tm_hour < cf->digest_hour)
		return 0;
	if (last_digest(cf->state_dir, &day, &until) < 0)
		return 1;		/* unreadable: rewritten after a send */
	return day != local_day(now);
}

/* send - submit the message; 0 sent, else the exit status */
static int
send(const struct digest *d, const char *msg, size_t len)
{
	const struct conf *cf = d->cf;
	struct buf name = BUF_INIT, addr = BUF_INIT, err = BUF_INIT;
	struct submit_result res;
	struct submit *sub = NULL;
	struct mimew *w = NULL;
	int	rc = EX_TEMPFAIL;

	if ((w = mimew_new_text(msg, len)) == NULL)
		log_fatal(EX_OSERR, "out of memory");
	if (submit_open_conf(&sub, cf, &err) < 0) {
		log_err("Submit: %s", BUF_STR(&err));
		rc = EX_CONFIG;
		goto out;
	}
	addr_parse_mailbox(cf->from, &name, &addr);
	submit_send(sub, addr.data, (const char *const *)cf->notify.v,
	    cf->notify.n, w, &res);
	switch (res.outcome) {
	case SUBMIT_SENT:
	case SUBMIT_HANDED:
		log_info("digest sent rcpt=%zu queue=%s", cf->notify.n,
		    *res.queue_id ? res.queue_id : "-");
		rc = 0;
		break;
	case SUBMIT_TEMPFAIL:
		log_warn("digest deferred reply=\"%s\" (tried again later)",
		    res.text);
		break;
	default:
		log_err("digest not sent: %s", res.text);
		rc = EX_UNAVAILABLE;
		break;
	}
out:
	submit_close(sub);
	mimew_free(w);
	buf_free(&name);
	buf_free(&addr);
	buf_free(&err);
	return rc;
}

/* digest_run - collect, compose, send (or print), remember */
int
digest_run(const struct conf *cf, int dry_run)
{
	struct pass_opts o = { .mode = PASS_STATUS };
	struct digest d;
	struct ledger *l = NULL;
	struct buf err = BUF_INIT, text = BUF_INIT, page = BUF_INIT,
	    msg = BUF_INIT, note = BUF_INIT;
	struct timeval tv;
	struct tm tm;
	char	day[32];
	int	rc, lastday;
	size_t	s, i;

	if (cf->notify.n == 0) {
		log_err("digest: Notify is not set in %s: nobody to send it to",
		    cf->path ? cf->path : "the configuration");
		return EX_USAGE;
	}
	memset(&d, 0, sizeof(d));
	d.cf = cf;
	gettimeofday(&tv, NULL);
	d.until = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	d.today = local_day(tv.tv_sec);
	d.soon = local_day(tv.tv_sec + DUE_DAYS * 86400);
	if (last_digest(cf->state_dir, &lastday, &d.since) < 0 ||
	    d.since <= 0 || d.since > d.until)
		d.since = d.until - 86400 * 1000LL;
	o.row = on_row;
	o.row_arg = &d;
	if ((rc = pass_run(cf, &o)) != 0)
		goto out;
	if ((rc = ledger_open(&l, conf_ledger(cf), LEDGER_RDONLY, NULL,
	    &err)) == 0) {
		struct ledger_filter all = { NULL, 0, 0, NULL };

		if ((rc = ledger_iter(l, &all, on_record, &d)) != 0) {
			log_err("%s: %s", ledger_path(l), ledger_strerror(rc));
			rc = EX_UNAVAILABLE;
			goto out;
		}
	} else if (rc != ENOENT) {
		log_err("%s", BUF_STR(&err));
		rc = EX_UNAVAILABLE;
		goto out;
	}
	rc = 0;
	localtime_r(&tv.tv_sec, &tm);
	snprintf(day, sizeof(day), "%d %s %d", tm.tm_mday,
	    month_name(tm.tm_mon + 1), tm.tm_year + 1900);
	compose(&d, day, &text, &page);
	buf_printf(&d.subject, "e-Defter günlük özeti: %s (%zu gecikmiş, %zu "
	    "geri dönen)", day, d.n[S_OVERDUE], d.n[S_BOUNCED]);
	if (message(&d, tv.tv_sec, &msg, text.data, page.data) < 0) {
		log_err("digest: cannot build the message (From %s)", cf->from);
		rc = EX_CONFIG;
		goto out;
	}
	if (dry_run) {
		printf("To:");
		for (i = 0; i < cf->notify.n; i++)
			printf(" %s", cf->notify.v[i]);
		printf("\nSubject: %s\n\n%s", d.subject.data, text.data);
		goto out;
	}
	if ((rc = send(&d, msg.data, msg.len)) != 0)
		goto out;
	buf_printf(&note, "%d %lld\n", d.today, (long long)d.until);
	if (state_mkdirs(cf->state_dir, &err) < 0 ||
	    state_write_file(cf->state_dir, "digest", note.data, note.len,
	    &err) < 0) {
		log_err("digest sent, but %s (it may be sent again today)",
		    BUF_STR(&err));
		rc = EX_CANTCREAT;
	}
out:
	if (l)
		ledger_close(l);
	for (s = 0; s < S_N; s++) {
		for (i = 0; i < d.n[s]; i++) {
			free(d.v[s][i].company);
			free(d.v[s][i].detail);
		}
		free(d.v[s]);
	}
	buf_free(&d.subject);
	buf_free(&err);
	buf_free(&text);
	buf_free(&page);
	buf_free(&msg);
	buf_free(&note);
	return rc;
}
