/*
 * NAME
 *	send - build one period's message and submit it
 * DESCRIPTION
 *	submit_period() measures the message (the oversize rule: berats and
 *	DR with the rest listed, else too-large), opens the files, records
 *	the send intent durably, submits, and acts on the outcome: a 250
 *	closes the intent and is checked against the ledger
 *	(check_enforced), a duplicate refusal closes it, a 4xx or an
 *	unknown outcome keeps it for the next pass, a 5xx keeps the period
 *	as failed with a fingerprint of its files.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "journal.h"
#include "log.h"
#include "message.h"
#include "mimew.h"
#include "pass.h"
#include "verp.h"

/* fnv - fingerprint of what a period would send */
uint64_t
pass_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--) {
		h ^= *c++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* names_of - message file list entries */
static void
names_of(const struct pass *p, const size_t *att, size_t n,
    struct msgfile *out)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		out[i].name = p->s.files[att[i]].name;
		out[i].size = p->s.files[att[i]].size;
	}
}

/* check_enforced - after a 250 the milter has recorded every recipient
 * under this Message-ID (it commits before it answers).  If the ledger
 * exists but lacks them, edefter-milter is not in the MTA's path: stop
 * sending (StateDir/unenforced) rather than mail every pass again. */
static void
check_enforced(struct pass *p, struct speriod *sp, char *const *rcpts,
    size_t nr, const char *msgid)
{
	struct buf lc = BUF_INIT, got = BUF_INIT, note = BUF_INIT;
	size_t	i;
	int	rc, missing = 0;

	if (p->l == NULL)
		return;
	for (i = 0; i < nr && !missing; i++) {
		buf_set(&lc, rcpts[i], strlen(rcpts[i]));
		ascii_lower(lc.data);
		buf_reset(&got);
		rc = pass_lookup(p, sp, lc.data, &got, NULL);
		if (rc == 0 || (rc == 1 && strcmp(BUF_STR(&got), msgid) != 0))
			missing = 1;
	}
	buf_reset(&p->err);
	if (missing) {
		buf_printf(&note, "%s %04d-%02d %s %s\n", sp->id, sp->year,
		    sp->month, lc.data, msgid);
		(void)state_write_file(p->cf->state_dir, "unenforced",
		    note.data, note.len, &p->err);
		log_err("id=%s period=%04d-%02d rcpt=%s msgid=%s: the MTA "
		    "accepted the message but the ledger has no record of it: "
		    "edefter-milter is not checking this MTA's mail (see "
		    "smtpd_milters and TrustedClients); no more mail is sent "
		    "until %s/unenforced is removed", sp->id, sp->year,
		    sp->month, lc.data, msgid, p->cf->state_dir);
		p->unenforced = 1;
		p->status = EX_UNAVAILABLE;
	}
	buf_free(&lc);
	buf_free(&got);
	buf_free(&note);
}

/* measure - build the message description and measure it */
static int
measure(struct pass *p, struct speriod *sp, const size_t *att, size_t natt,
    const size_t *left, size_t nleft, struct mimew_file *mf,
    struct buf *subject, struct buf *text, const char *msgid,
    const char *period, char *const *rcpts, size_t nr, struct mimew_msg *mm,
    uint64_t *size)
{
	struct msgfile *lf = calloc(natt + nleft + 1, sizeof(*lf));
	size_t	i;
	int	rc;

	if (lf == NULL)
		return -1;
	names_of(p, att, natt, lf);
	names_of(p, left, nleft, lf + natt);
	message_subject(subject, sp->company, sp->id, sp->year, sp->month);
	message_text(text, sp->company, sp->id, sp->year, sp->month, lf, natt,
	    lf + natt, nleft, p->cf->max_message_size);
	free(lf);
	for (i = 0; i < natt; i++) {
		const struct sfile *f = &p->s.files[att[i]];
		mf[i].name = f->name;
		mf[i].type = NULL;
		mf[i].fd = -1;
		mf[i].size = f->size;
		mf[i].mtime = f->mtime;
	}
	memset(mm, 0, sizeof(*mm));
	mm->from = p->cf->from;
	mm->to = (const char *const *)rcpts;
	mm->nto = nr;
	mm->subject = subject->data;
	mm->message_id = msgid;
	mm->company = sp->id;
	mm->period = period;
	mm->company_name = sp->company;
	mm->text = text->data;
	mm->files = mf;
	mm->nfiles = natt;
	rc = mimew_measure(mm, size, &p->err);
	return rc;
}

/* envelope - the envelope sender: From, or with BounceAddress the VERP
 * address of the period, and then DSN parameters with an ENVID that
 * names the period and this submission (the Message-ID's local part) */
static int
envelope(struct pass *p, const struct speriod *sp, const char *msgid,
    char **from)
{
	struct buf name = BUF_INIT, addr = BUF_INIT, envid = BUF_INIT;
	char	unique[VERP_UNIQUE_MAX + 1];
	const char *u = msgid + (*msgid == '<');
	size_t	n = 0;
	int	rc = 0;

	if (p->cf->bounce_address == NULL) {
		addr_parse_mailbox(p->cf->from, &name, &addr);
		*from = buf_steal(&addr);
		buf_free(&name);
		return submit_set_dsn(p->sub, NULL);
	}
	if (strncmp(u, "edefter.", 8) == 0)
		u += 8;
	for (; *u && *u != '@' && *u != '>' && n < VERP_UNIQUE_MAX; u++)
		unique[n++] = (strchr("._-", *u) || (*u >= '0' && *u <= '9') ||
		    (*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z')) ?
		    *u : '-';
	unique[n] = '\0';
	if (verp_address(&addr, p->cf->bounce_address, sp->id, sp->year,
	    sp->month) < 0 || verp_envid(&envid, sp->id, sp->year,
	    sp->month, unique, n) < 0 || submit_set_dsn(p->sub,
	    envid.data) < 0) {
		log_err("id=%s period=%04d-%02d BounceAddress %s: cannot make "
		    "the VERP sender or the ENVID: %s", sp->id, sp->year,
		    sp->month, p->cf->bounce_address, strerror(errno));
		rc = -1;
	} else
		*from = buf_steal(&addr);
	buf_free(&addr);
	buf_free(&envid);
	return rc;
}

/* submit_period - intent, message, submission, outcome */
int
submit_period(struct pass *p, struct speriod *sp, int dfd, size_t *att,
    size_t natt, char **rcpts, size_t nr, const char *reuse_msgid)
{
	struct buf subject = BUF_INIT, text = BUF_INIT, msgid = BUF_INIT;
	struct buf line = BUF_INIT, rl = BUF_INIT;
	struct mimew_file *mf = calloc(natt + 1, sizeof(*mf));
	size_t	*fb = NULL, nfb = 0, skipped, *left = NULL, nleft = 0, i, j;
	struct submit_result res;
	struct mimew_msg mm;
	struct intent in;
	struct mimew *w = NULL;
	char	period[8], *from_addr = NULL;
	uint64_t size = 0;
	int	rc = 0, serr;

	snprintf(period, sizeof(period), "%04d-%02d", sp->year, sp->month);
	for (i = 0; mf && i <= natt; i++)
		mf[i].fd = -1;
	if (reuse_msgid)
		buf_adds(&msgid, reuse_msgid);
	else
		message_id(&msgid, sp->id, sp->year, sp->month);
	if (mf == NULL || measure(p, sp, att, natt, NULL, 0, mf, &subject,
	    &text, msgid.data, period, rcpts, nr, &mm, &size) < 0) {
		log_err("id=%s period=%s cannot build the message: %s", sp->id,
		    period, BUF_STR(&p->err));
		buf_reset(&p->err);
		rc = -1;
		goto out;
	}
	if ((long long)size > p->cf->max_message_size &&
	    p->cf->attach == CONF_ATTACH_FOLDER) {
		/* the oversize rule: berats and DR, the rest listed */
		if (period_attachments(&p->s, sp, 1, &fb, &nfb, &skipped) < 0 ||
		    (left = calloc(natt + 1, sizeof(*left))) == NULL)
			log_fatal(EX_OSERR, "out of memory");
		for (i = 0; i < natt; i++) {
			for (j = 0; j < nfb && fb[j] != att[i]; j++)
				;
			if (j == nfb)
				left[nleft++] = att[i];
		}
		if (measure(p, sp, fb, nfb, left, nleft, mf, &subject, &text,
		    msgid.data, period, rcpts, nr, &mm, &size) < 0) {
			rc = -1;
			goto out;
		}
		att = fb;
		natt = nfb;
	}
	if ((long long)size > p->cf->max_message_size) {
		sp->state = P_TOO_LARGE;
		buf_printf(&sp->reason, "reason=too-large size=%" PRIu64
		    " limit=%lld", size, p->cf->max_message_size);
		goto out;
	}
	for (i = 0; i < natt; i++) {
		const struct sfile *f = &p->s.files[att[i]];
		if ((mf[i].fd = openat(dfd, f->name, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC)) < 0) {
			if (share_io_error(errno)) {
				buf_printf(&p->err, "%s: %s", f->name,
				    strerror(errno));
				rc = SHARE_FAILED;
			} else {
				sp->state = P_PENDING;
				buf_printf(&sp->reason, "reason=unreadable "
				    "file=%s", f->name);
			}
			goto out;
		}
	}
	if ((w = mimew_new(&mm, &p->err)) == NULL) {
		log_err("id=%s period=%s cannot build the message: %s", sp->id,
		    period, BUF_STR(&p->err));
		buf_reset(&p->err);
		rc = -1;
		goto out;
	}
	if (p->o->mode == PASS_DRY_RUN)
		goto decided;
	memset(&in, 0, sizeof(in));
	snprintf(in.id, sizeof(in.id), "%s", sp->id);
	in.year = sp->year;
	in.month = sp->month;
	in.msgid = msgid.data;
	in.created = p->s.now;
	in.rcpt = rcpts;
	in.nrcpt = nr;
	if (intent_save(p->cf->state_dir, &in, &p->err) < 0) {
		log_err("id=%s period=%s not sent: the send intent cannot be "
		    "recorded: %s", sp->id, period, BUF_STR(&p->err));
		buf_reset(&p->err);
		rc = -1;
		goto out;
	}
	if (p->sub == NULL && submit_open_conf(&p->sub, p->cf, &p->err) <
	    0) {
		log_err("Submit: %s", BUF_STR(&p->err));
		buf_reset(&p->err);
		rc = -1;
		goto out;
	}
	if (envelope(p, sp, msgid.data, &from_addr) < 0) {
		rc = -1;
		goto out;
	}
	submit_send(p->sub, from_addr, (const char *const *)rcpts, nr, w, &res);
	serr = errno;
	switch (res.outcome) {
	case SUBMIT_SENT:
		intent_close(p->cf->state_dir, sp->id, sp->year, sp->month,
		    &p->err);
		failed_clear(p->cf->state_dir, sp->id, sp->year, sp->month);
		sp->state = P_SENT;
		check_enforced(p, sp, rcpts, nr, msgid.data);
		pass_fingerprint(p, sp, att, mf, natt);
		break;
	case SUBMIT_HANDED:
		pass_fingerprint(p, sp, att, mf, natt);
		in.handed = 1;
		(void)intent_save(p->cf->state_dir, &in, &p->err);
		sp->state = P_PENDING;
		buf_printf(&sp->reason, "reason=handed-to-sendmail");
		break;
	case SUBMIT_DUPLICATE:
		intent_close(p->cf->state_dir, sp->id, sp->year, sp->month,
		    &p->err);
		sp->state = P_SENT;
		buf_adds(&sp->reason, "reason=duplicate (the MTA refused it: "
		    "already sent)");
		break;
	case SUBMIT_TEMPFAIL:
		sp->state = P_PENDING;
		buf_printf(&sp->reason, "reason=deferred reply=\"%s\"", res.text);
		p->status = EX_TEMPFAIL;
		break;
	case SUBMIT_LOCAL_ERROR:
		intent_close(p->cf->state_dir, sp->id, sp->year, sp->month,
		    &p->err);
		sp->state = P_PENDING;
		buf_printf(&sp->reason, "reason=not-sent detail=\"%s\"",
		    res.text);
		if (share_io_error(serr) && mimew_failure(w) == MIMEW_FAIL_IO) {
			buf_printf(&p->err, "%s", mimew_error(w));
			rc = SHARE_FAILED;
		}
		break;
	default:
		intent_close(p->cf->state_dir, sp->id, sp->year, sp->month,
		    &p->err);
		sp->state = P_FAILED;
		buf_printf(&sp->reason, "reason=refused reply=\"%s\"", res.text);
		{
			uint64_t fp = 0xcbf29ce484222325ULL;

			for (i = 0; i < natt; i++) {
				const struct sfile *f = &p->s.files[att[i]];
				fp = pass_fnv(fp, f->name, strlen(f->name) + 1);
				fp = pass_fnv(fp, &f->size, sizeof(f->size));
				fp = pass_fnv(fp, &f->mtime, sizeof(f->mtime));
			}
			(void)failed_save(p->cf->state_dir, sp->id, sp->year,
			    sp->month, fp, res.text, &p->err);
		}
		break;
	}
	for (i = 0; i < nr; i++)
		buf_printf(&rl, "%s%s", i ? "," : "", rcpts[i]);
	log_kv(&line, "id", sp->id);
	log_kv(&line, "period", period);
	log_kv(&line, "rcpt", rl.data);
	buf_printf(&line, " files=%zu size=%" PRIu64, natt, size);
	if (nleft)
		buf_printf(&line, " left-out=%zu", nleft);
	log_kv(&line, "msgid", msgid.data);
	if (res.outcome == SUBMIT_SENT)
		log_kv(&line, "queue", res.queue_id);
	if (res.outcome == SUBMIT_SENT && res.nrefused)
		log_kv(&line, "refused", res.refused_text);
	if (sp->reason.len)
		buf_printf(&line, " %s", sp->reason.data);
	printf("%s %s\n", res.outcome == SUBMIT_SENT ? "sent" :
	    res.outcome == SUBMIT_HANDED ? "handed" : pstate_name(sp->state),
	    line.data);
	log_info("%s %s", res.outcome == SUBMIT_SENT ? "sent" :
	    res.outcome == SUBMIT_HANDED ? "handed" : pstate_name(sp->state),
	    line.data);
	sp->nsent = 0;		/* reported here, not again */
	rc = rc ? rc : 1;
	goto out;
decided:
	sp->state = P_COMPLETE;
	for (i = 0; i < nr; i++)
		buf_printf(&rl, "%s%s", i ? "," : "", rcpts[i]);
	buf_printf(&sp->reason, "would-send rcpt=%s files=%zu size=%" PRIu64
	    "%s", rl.data, natt, size, nleft ? " (berats and DR only)" : "");
out:
	if (w)
		mimew_free(w);
	if (mf)
		for (i = 0; i < natt; i++)
			if (mf[i].fd >= 0)
				close(mf[i].fd);
	free(mf);
	free(fb);
	free(left);
	free(from_addr);
	buf_free(&subject);
	buf_free(&text);
	buf_free(&msgid);
	buf_free(&line);
	buf_free(&rl);
	return rc;
}

