/*
 * NAME
 *	decide - edefter-milter's end-of-message decision
 * DESCRIPTION
 *	decide_eom() classifies the message (ordinary, e-Defter send,
 *	invalid), and for an e-Defter send claims every recipient's key in
 *	one durable ledger transaction (ledger_claim), then acts:
 *	  new       recorded, delivered
 *	  retry     same Message-ID as the record: delivered, not recorded
 *	  duplicate smfi_delrcpt() of that recipient, exactly as given
 *	  all duplicate  550 5.7.1 naming company, period, recipient, date
 *	  ledger error   451 4.3.0 (OnLedgerError tempfail) or accept
 *	  invalid header values, or attachments of several periods: 550 5.6.0
 *	Delivered e-Defter sends get an X-EDefter-Ledger trace header.
 *	Untrusted clients' X-EDefter-* headers are removed and nothing is
 *	recorded.  One log line per decision, with the queue id.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "addr.h"
#include "log.h"
#include "milter.h"
#include "names.h"
#include "rfc2047.h"

enum kind { KIND_ORDINARY, KIND_EDEFTER, KIND_INVALID };

struct period_key {
	char	id[EDF_ID_MAX + 1];
	int	year;
	int	month;
};

/* trim - header value without surrounding white space (CRLF folds too) */
static void
trim(const struct buf *b, const char **s, size_t *n)
{
	const char *p = BUF_STR(b), *e = p + b->len;

	while (p < e && strchr(" \t\r\n", *p))
		p++;
	while (e > p && strchr(" \t\r\n", e[-1]))
		e--;
	*s = p;
	*n = (size_t)(e - p);
}

/* shown - a value made safe for a reply and a log line, cut at 64 bytes */
static void
shown(struct buf *out, const char *s, size_t n)
{
	size_t	i;

	buf_addc(out, '\'');
	for (i = 0; i < n && i < 64; i++)
		buf_addc(out, (unsigned char)s[i] >= ' ' && (unsigned char)s[i] <
		    0x7f && s[i] != '%' && s[i] != '\'' ? s[i] : '?');
	if (n > 64)
		buf_adds(out, "...");
	buf_addc(out, '\'');
}

/* from_headers - the key the X-EDefter-* headers name */
static enum kind
from_headers(const struct msg *m, struct period_key *k, struct buf *why)
{
	const char *s;
	size_t	n;

	if (!m->n_company || !m->n_period) {
		buf_printf(why, "X-EDefter-%s is missing (both X-EDefter-Company "
		    "and X-EDefter-Period are required)", m->n_company ?
		    "Period" : "Company");
		return KIND_INVALID;
	}
	if (m->conflict) {
		buf_adds(why, "X-EDefter-Company or X-EDefter-Period is given "
		    "twice with different values");
		return KIND_INVALID;
	}
	trim(&m->company, &s, &n);
	if (!edf_valid_id(s, n)) {
		buf_adds(why, "X-EDefter-Company ");
		shown(why, s, n);
		buf_adds(why, " is not a valid VKN or TCKN");
		return KIND_INVALID;
	}
	memcpy(k->id, s, n);
	k->id[n] = '\0';
	trim(&m->period, &s, &n);
	if (edf_parse_period(s, n, &k->year, &k->month) < 0) {
		buf_adds(why, "X-EDefter-Period ");
		shown(why, s, n);
		buf_adds(why, " is not a month YYYY-MM");
		return KIND_INVALID;
	}
	return KIND_EDEFTER;
}

/* from_names - the one period the e-Defter attachments name, if any */
static enum kind
from_names(const struct msg *m, struct period_key *k, struct buf *why)
{
	struct edf_name en;
	const char *p = BUF_STR(&m->names), *e;
	int	found = 0, others = 0;

	for (; *p; p = *e ? e + 1 : e) {
		e = p + strcspn(p, "\n");
		if (edf_parse_name(p, (size_t)(e - p), &en) != EDF_OK)
			continue;
		if (found == 0) {
			strcpy(k->id, en.id);
			k->year = en.year;
			k->month = en.month;
			found = 1;
		} else if (strcmp(k->id, en.id) || k->year != en.year ||
		    k->month != en.month)
			others++;
	}
	if (!found)
		return KIND_ORDINARY;
	if (others) {
		buf_printf(why, "the attachments are e-Defter files of more than "
		    "one company or period (%s %04d-%02d and others); send one "
		    "period per message", k->id, k->year, k->month);
		return KIND_INVALID;
	}
	return KIND_EDEFTER;
}

/* rcpt_key_part - the RCPT address without <>, for the key */
static char *
rcpt_addr(const char *rcpt)
{
	size_t	n = strlen(rcpt);
	char	*s;

	while (n && (*rcpt == ' ' || *rcpt == '<')) {
		rcpt++;
		n--;
	}
	while (n && (rcpt[n - 1] == ' ' || rcpt[n - 1] == '>'))
		n--;
	if ((s = strndup(rcpt, n)) != NULL)
		ascii_lower(s);
	return s;
}

/* strip_headers - remove an untrusted client's X-EDefter-* headers */
static int
strip_headers(SMFICTX *ctx, const struct msg *m)
{
	static const char *const names[] = { "X-EDefter-Company",
	    "X-EDefter-Period", "X-EDefter-Company-Name" };
	int	counts[3] = { m->n_company, m->n_period, m->n_name }, i, j, n = 0;

	for (i = 0; i < 3; i++)
		for (j = counts[i]; j >= 1; j--)
			if (smfi_chgheader(ctx, (char *)names[i], j, NULL) ==
			    MI_SUCCESS)
				n++;
	return n;
}

/* reply - set an SMTP reply; the text carries no CR, LF or % */
static void
reply(SMFICTX *ctx, const char *code, const char *xcode, const char *text)
{
	if (smfi_setreply(ctx, (char *)code, (char *)xcode, (char *)text) !=
	    MI_SUCCESS)
		log_warn("could not set the reply %s %s", code, xcode);
}

static int64_t
now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* decide_eom - the decision of SPEC 6 */
sfsistat
decide_eom(SMFICTX *ctx, struct conn *c, struct msg *m)
{
	const char *qid = smfi_getsymval(ctx, (char *)"i");
	struct buf why = BUF_INIT, line = BUF_INIT, name = BUF_INIT;
	struct ledger_claim *cl = NULL;
	struct period_key k;
	char	period[8], first[32], **addr = NULL;
	size_t	i, ndup = 0, nnew = 0, nretry = 0;
	const char *msgid, *source;
	enum kind kind;
	sfsistat rc = SMFIS_TEMPFAIL;
	int	err;

	if (qid == NULL)
		qid = "?";
	if (!conn_trusted(c, m)) {
		if (m->n_company || m->n_period || m->n_name) {
			int n = strip_headers(ctx, m);
			log_kv(&line, "queue", qid);
			log_kv(&line, "client", c->client);
			log_info("untrusted %s reason=untrusted-client "
			    "removed=%d", line.data, n);
		}
		rc = SMFIS_ACCEPT;
		goto out;
	}
	if (m->n_company || m->n_period)
		kind = from_headers(m, &k, &why);
	else if (mcfg.conf.inspect_attachments)
		kind = from_names(m, &k, &why);
	else
		kind = KIND_ORDINARY;
	if (kind == KIND_ORDINARY) {
		rc = SMFIS_ACCEPT;
		goto out;
	}
	log_kv(&line, "queue", qid);
	log_kv(&line, "client", c->client);
	if (kind == KIND_INVALID) {
		buf_adds(&line, " reason=invalid");
		log_kv(&line, "detail", why.data);
		log_info("reject %s", line.data);
		buf_reset(&line);
		buf_printf(&line, "e-Defter message refused: %s", why.data);
		reply(ctx, "550", "5.6.0", line.data);
		rc = SMFIS_REJECT;
		goto out;
	}
	snprintf(period, sizeof(period), "%04d-%02d", k.year, k.month);
	if (m->nrcpt == 0 || m->too_many) {
		log_info("tempfail %s id=%s period=%s reason=%s", line.data,
		    k.id, period, m->too_many ? "too-many-recipients" :
		    "no-recipients");
		reply(ctx, "452", "4.5.3", "too many recipients for one "
		    "e-Defter send");
		goto out;
	}
	if (m->n_name && rfc2047_decode(&name, BUF_STR(&m->name),
	    m->name.len) < 0)
		buf_reset(&name);
	msgid = m->msgid.len ? m->msgid.data : "";
	while (*msgid == ' ' || *msgid == '\t')
		msgid++;
	source = c->pickup ? "pickup" : "smtp";
	if ((cl = calloc(m->nrcpt, sizeof(*cl))) == NULL ||
	    (addr = calloc(m->nrcpt, sizeof(*addr))) == NULL)
		goto out;
	for (i = 0; i < m->nrcpt; i++) {
		if ((addr[i] = rcpt_addr(m->rcpt[i])) == NULL)
			goto out;
		cl[i].rec.id = k.id;
		cl[i].rec.year = k.year;
		cl[i].rec.month = k.month;
		cl[i].rec.rcpt = addr[i];
		cl[i].rec.sent_ms = now_ms();
		cl[i].rec.source = c->pickup ? LEDGER_SRC_PICKUP :
		    LEDGER_SRC_SMTP;
		cl[i].rec.company_name = name.len ? name.data : NULL;
		cl[i].rec.message_id = msgid;
		cl[i].rec.queue_id = qid;
		cl[i].rec.client = c->client;
		cl[i].rec.sasl_user = m->sasl_user;
		cl[i].rec.files = m->names.len ? m->names.data : NULL;
		cl[i].rec.status = "complete";
	}
	if ((err = ledger_claim(mcfg.ledger, cl, m->nrcpt)) != 0) {
		if (mcfg.conf.on_ledger_error == CONF_ACCEPT) {
			log_err("accept-unchecked %s id=%s period=%s "
			    "reason=ledger-error error=\"%s\"", line.data, k.id,
			    period, ledger_strerror(err));
			rc = SMFIS_ACCEPT;
		} else {
			log_err("tempfail %s id=%s period=%s reason=ledger-error "
			    "error=\"%s\"", line.data, k.id, period,
			    ledger_strerror(err));
			reply(ctx, "451", "4.3.0", "e-Defter ledger unavailable, "
			    "try again later");
		}
		goto out;
	}
	for (i = 0; i < m->nrcpt; i++)
		if (cl[i].outcome == LEDGER_DUP)
			ndup++;
		else if (cl[i].outcome == LEDGER_NEW)
			nnew++;
		else
			nretry++;
	for (i = 0; i < m->nrcpt; i++) {
		struct buf w = BUF_INIT;

		if (ledger_time_format(cl[i].first_ms, first, sizeof(first)) < 0)
			strcpy(first, "unknown");
		log_kv(&w, "id", k.id);
		log_kv(&w, "period", period);
		log_kv(&w, "rcpt", addr[i]);
		if (cl[i].outcome == LEDGER_DUP) {
			log_info("reject %s %s reason=duplicate first=%s",
			    w.data, line.data, first);
			if (ndup < m->nrcpt && smfi_delrcpt(ctx, m->rcpt[i]) !=
			    MI_SUCCESS) {
				log_err("tempfail %s %s reason=delrcpt-failed",
				    w.data, line.data);
				buf_free(&w);
				reply(ctx, "451", "4.3.0", "could not remove a "
				    "duplicate recipient, try again later");
				goto out;
			}
		} else {
			log_kv(&w, "msgid", msgid);
			log_info("%s %s %s source=%s files=%zu",
			    cl[i].outcome == LEDGER_NEW ? "record" : "retry",
			    w.data, line.data, source, m->nnames);
		}
		buf_free(&w);
	}
	if (ndup == m->nrcpt) {
		for (i = 0; cl[i].outcome != LEDGER_DUP; i++)
			;
		if (ledger_time_format(cl[i].first_ms, first, sizeof(first)) <
		    0)
			strcpy(first, "unknown");
		buf_reset(&why);
		buf_printf(&why, "e-Defter %s %s already sent to ", k.id,
		    period);
		shown(&why, addr[i], strlen(addr[i]));
		buf_printf(&why, " on %s", first);
		if (ndup > 1)
			buf_printf(&why, " (and %zu more recipients)", ndup - 1);
		reply(ctx, "550", "5.7.1", why.data);
		rc = SMFIS_REJECT;
		goto out;
	}
	buf_reset(&why);
	buf_printf(&why, "%s %s/%s queue=%s new=%zu retry=%zu removed=%zu",
	    nnew ? "recorded" : "retry", k.id, period, qid, nnew, nretry, ndup);
	if (smfi_addheader(ctx, (char *)"X-EDefter-Ledger", why.data) != MI_SUCCESS)
		log_warn("queue=%s could not add the X-EDefter-Ledger header",
		    qid);
	rc = SMFIS_ACCEPT;
out:
	if (addr)
		for (i = 0; i < m->nrcpt; i++)
			free(addr[i]);
	free(addr);
	free(cl);
	buf_free(&why);
	buf_free(&line);
	buf_free(&name);
	return rc;
}
