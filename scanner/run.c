/*
 * NAME
 *	run - one pass of edefter-scan: decide every period, send some
 * DESCRIPTION
 *	See run.h and scan.h.  Order of the checks for a period, each one
 *	ending the decision: berats by name (missing, incomplete), the
 *	company and its addresses (no-recipient), the ledger (sent, or the
 *	recipients still to do: partial), an open send intent (resubmit
 *	with its Message-ID, or wait for a handed-off one), a kept failure
 *	(failed), stability and zip checks of what would be attached
 *	(pending), the size (too-large).  What is left is complete, and
 *	`run' submits it.  A share error anywhere ends the pass: 75.
 */
#include <sys/file.h>
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
#include "companies.h"
#include "journal.h"
#include "json.h"
#include "ledger.h"
#include "log.h"
#include "message.h"
#include "mimew.h"
#include "period.h"
#include "run.h"
#include "scan.h"
#include "state.h"
#include "submit.h"
#include "zipcheck.h"

#define WATCHDOG_SECONDS	120
#define SHARE_FAILED		(-2)

static const char *const state_names[P_NSTATES] = {
	"missing", "incomplete", "pending", "complete", "sent", "partial",
	"no-recipient", "too-large", "failed", "invalid",
};

const char *
pstate_name(enum pstate s)
{
	return (unsigned)s < P_NSTATES ? state_names[s] : "?";
}

struct pass {
	const struct conf *cf;
	const struct pass_opts *o;
	struct scan	 s;
	struct companies co;
	struct ledger	*l;
	struct seen	*seen;
	struct invalid	*inv;
	size_t		 ninv;
	struct submit	*sub;
	int		 status;
	int		 lockfd;
	int		 unenforced;	/* stop submitting */
	struct buf	 err;
	unsigned long	 counts[P_NSTATES];
};

static void
companies_warn(void *arg, unsigned long line, const char *msg)
{
	log_warn("%s:%lu: %s", (const char *)arg, line, msg);
}

/* fnv - fingerprint of what a period would send */
static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--) {
		h ^= *c++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* lookup - the ledger's record of one key: 1 present, 0 absent, -1 error */
static int
lookup(struct pass *p, const struct speriod *sp, const char *lc,
    struct buf *msgid)
{
	struct buf key = BUF_INIT, store = BUF_INIT;
	struct ledger_rec r;
	int	rc;

	if (p->l == NULL)
		return 0;
	ledger_key(&key, sp->id, sp->year, sp->month, lc);
	rc = ledger_lookup(p->l, key.data, &r, &store);
	if (rc == 0 && msgid)
		buf_set(msgid, r.message_id, strlen(r.message_id));
	buf_free(&key);
	buf_free(&store);
	if (rc == LEDGER_NOTFOUND)
		return 0;
	if (rc == 0 || rc == LEDGER_CORRUPT)	/* present either way */
		return 1;
	buf_printf(&p->err, "ledger %s: %s", ledger_path(p->l),
	    ledger_strerror(rc));
	return -1;
}

static void
add_todo(struct speriod *sp, const char *addr)
{
	char	**v = realloc(sp->todo, (sp->ntodo + 1) * sizeof(*v));

	if (v == NULL || (v[sp->ntodo] = strdup(addr)) == NULL)
		log_fatal(EX_OSERR, "out of memory");
	sp->todo = v;
	sp->ntodo++;
}

/* settle - stat and check what would be attached; 1 ready, 0 pending */
static int
settle(struct pass *p, struct speriod *sp, int dfd, const size_t *att,
    size_t natt, uint64_t *fp)
{
	struct buf path = BUF_INIT;
	struct stat st;
	time_t	since;
	size_t	i;
	int	ready = 1, fd, whole;

	*fp = 0xcbf29ce484222325ULL;
	for (i = 0; i < natt; i++) {
		struct sfile *f = &p->s.files[att[i]];

		watchdog_tick();
		if (fstatat(dfd, f->name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (share_io_error(errno))
				goto share;
			buf_printf(&sp->reason, "reason=vanished file=%s", f->name);
			ready = 0;
			break;
		}
		if (!S_ISREG(st.st_mode)) {
			buf_printf(&sp->reason, "reason=not-a-file file=%s",
			    f->name);
			ready = 0;
			break;
		}
		f->statted = 1;
		f->size = st.st_size;
		f->mtime = st.st_mtim;
		*fp = fnv(*fp, f->name, strlen(f->name) + 1);
		*fp = fnv(*fp, &st.st_size, sizeof(st.st_size));
		*fp = fnv(*fp, &st.st_mtim, sizeof(st.st_mtim));
		buf_reset(&path);
		buf_printf(&path, "%s/%s", p->s.dirs[sp->folder].path, f->name);
		if (!seen_note(p->seen, path.data, st.st_size, &st.st_mtim,
		    p->s.now, p->cf->settle_seconds, &since) && ready) {
			buf_printf(&sp->reason, "reason=settling file=%s "
			    "unchanged-for=%llds settle=%llds", f->name,
			    (long long)(p->s.now - since),
			    p->cf->settle_seconds);
			ready = 0;
		}
		if (ready && f->edf == EDF_OK && f->en.ext == EDF_ZIP) {
			if ((fd = openat(dfd, f->name, O_RDONLY | O_NOFOLLOW |
			    O_CLOEXEC | O_NONBLOCK)) < 0) {
				if (share_io_error(errno))
					goto share;
				buf_printf(&sp->reason, "reason=unreadable "
				    "file=%s", f->name);
				ready = 0;
				continue;
			}
			whole = zip_complete(fd, st.st_size);
			close(fd);
			if (whole < 0)
				goto share;
			if (whole == 0) {
				buf_printf(&sp->reason, "reason=zip-incomplete "
				    "file=%s", f->name);
				ready = 0;
			}
		}
	}
	buf_free(&path);
	return ready;
share:
	buf_printf(&p->err, "%s/%s: %s", p->s.dirs[sp->folder].path,
	    p->s.files[att[i]].name, strerror(errno));
	buf_free(&path);
	return SHARE_FAILED;
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
		rc = lookup(p, sp, lc.data, &got);
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

/* unenforced - a previous send went unrecorded: refuse to send */
static int
unenforced(struct pass *p)
{
	char	path[4096];

	snprintf(path, sizeof(path), "%s/unenforced", p->cf->state_dir);
	if (access(path, F_OK) != 0)
		return 0;
	log_err("%s exists: a message went out without edefter-milter "
	    "recording it; fix the MTA's milter settings, then remove the "
	    "file. Nothing is sent until then.", path);
	return 1;
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

/* submit_period - intent, message, submission, outcome */
static int
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
	int	rc = 0;

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
	if (p->sub == NULL && submit_open(&p->sub, p->cf->submit, &p->err) <
	    0) {
		log_err("Submit: %s", BUF_STR(&p->err));
		buf_reset(&p->err);
		rc = -1;
		goto out;
	}
	{
		struct buf name = BUF_INIT, addr = BUF_INIT;
		addr_parse_mailbox(p->cf->from, &name, &addr);
		from_addr = buf_steal(&addr);
		buf_free(&name);
	}
	submit_send(p->sub, from_addr, (const char *const *)rcpts, nr, w, &res);
	switch (res.outcome) {
	case SUBMIT_SENT:
		intent_close(p->cf->state_dir, sp->id, sp->year, sp->month,
		    &p->err);
		failed_clear(p->cf->state_dir, sp->id, sp->year, sp->month);
		sp->state = P_SENT;
		check_enforced(p, sp, rcpts, nr, msgid.data);
		break;
	case SUBMIT_HANDED:
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
		if (share_io_error(errno) && mimew_failure(w) == MIMEW_FAIL_IO)
			rc = SHARE_FAILED;
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
				fp = fnv(fp, f->name, strlen(f->name) + 1);
				fp = fnv(fp, &f->size, sizeof(f->size));
				fp = fnv(fp, &f->mtime, sizeof(f->mtime));
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

/* recipients - the ledger decides who still needs the period */
static int
recipients(struct pass *p, struct speriod *sp, const struct company *c)
{
	size_t	i;
	int	rc;

	for (i = 0; i < c->naddr; i++) {
		if ((rc = lookup(p, sp, c->lc[i], NULL)) < 0)
			return -1;
		if (rc)
			sp->nsent++;
		else
			add_todo(sp, c->addr[i]);
	}
	return 0;
}

/* reopen_intent - an open intent: who gets the resubmission, or wait */
static int
reopen_intent(struct pass *p, struct speriod *sp, struct intent *in,
    char ***rcpts, size_t *nr)
{
	struct buf msgid = BUF_INIT, lc = BUF_INIT;
	size_t	i, present = 0;
	int	rc;

	*rcpts = NULL;
	*nr = 0;
	for (i = 0; i < in->nrcpt; i++) {
		buf_set(&lc, in->rcpt[i], strlen(in->rcpt[i]));
		ascii_lower(lc.data);
		buf_reset(&msgid);
		if ((rc = lookup(p, sp, lc.data, &msgid)) < 0) {
			buf_free(&msgid);
			buf_free(&lc);
			return -1;
		}
		if (rc)
			present++;
		/* absent, or recorded for this very message: send again */
		if (!in->handed && (!rc || strcmp(BUF_STR(&msgid),
		    in->msgid) == 0)) {
			char **v = realloc(*rcpts, (*nr + 1) * sizeof(*v));
			if (v == NULL)
				log_fatal(EX_OSERR, "out of memory");
			*rcpts = v;
			v[(*nr)++] = in->rcpt[i];
		}
	}
	buf_free(&msgid);
	buf_free(&lc);
	if (in->handed && present == in->nrcpt) {
		/* the pickup path delivered it: the ledger says so */
		intent_close(p->cf->state_dir, sp->id, sp->year, sp->month,
		    &p->err);
		return 0;
	}
	return 1;
}

/* handle_period - decide one period, and send it when it is time */
static int
handle_period(struct pass *p, struct speriod *sp)
{
	const struct company *c;
	struct intent in;
	size_t	*att = NULL, natt = 0, skipped, nr = 0;
	char	**rcpts = NULL, **reuse = NULL;
	uint64_t fp, kept_fp;
	struct buf text = BUF_INIT;
	int	dfd = -1, rc = 0, open_intent;

	c = companies_find(&p->co, sp->id);
	sp->company = c ? c->name : NULL;
	if (sp->state != P_COMPLETE)
		return 0;			/* missing or incomplete */
	if (c == NULL || c->naddr == 0) {
		sp->state = P_NO_RECIPIENT;
		buf_printf(&sp->reason, "reason=no-recipient (not in %s)",
		    p->cf->companies);
		return 0;
	}
	if (recipients(p, sp, c) < 0)
		return -1;
	open_intent = intent_load(p->cf->state_dir, sp->id, sp->year,
	    sp->month, &in, &p->err);
	if (open_intent < 0) {
		log_warn("%s; starting the period afresh", BUF_STR(&p->err));
		buf_reset(&p->err);
		intent_close(p->cf->state_dir, sp->id, sp->year, sp->month,
		    &p->err);
		open_intent = 0;
	}
	if (open_intent) {
		if ((rc = reopen_intent(p, sp, &in, &reuse, &nr)) < 0)
			goto out;
		if (rc == 1 && in.handed) {
			sp->state = P_PENDING;
			buf_printf(&sp->reason, "reason=handed-to-sendmail "
			    "msgid=%s (waiting for the ledger)", in.msgid);
			rc = 0;
			goto out;
		}
		if (rc == 0 || nr == 0) {
			intent_close(p->cf->state_dir, sp->id, sp->year,
			    sp->month, &p->err);
			open_intent = 0;
		}
		rc = 0;
	}
	if (!open_intent && sp->ntodo == 0) {
		sp->state = P_SENT;
		goto out;
	}
	if (!open_intent && sp->nsent > 0)
		sp->state = P_PARTIAL;
	if ((dfd = share_open_dir(p->s.rootfd, p->s.dirs[sp->folder].path,
	    &p->err)) < 0) {
		rc = share_io_error(errno) ? SHARE_FAILED : 0;
		if (rc == 0) {
			sp->state = P_PENDING;
			buf_printf(&sp->reason, "reason=unreadable %s",
			    p->err.data);
			buf_reset(&p->err);
		}
		goto out;
	}
	if (period_attachments(&p->s, sp, p->cf->attach == CONF_ATTACH_BERATS,
	    &att, &natt, &skipped) < 0)
		log_fatal(EX_OSERR, "out of memory");
	if ((rc = settle(p, sp, dfd, att, natt, &fp)) != 1) {
		if (rc == 0)
			sp->state = P_PENDING;
		goto out;
	}
	rc = 0;
	if (failed_load(p->cf->state_dir, sp->id, sp->year, sp->month,
	    &kept_fp, &text, &p->err) == 1) {
		if (kept_fp == fp) {
			sp->state = P_FAILED;
			buf_printf(&sp->reason, "reason=refused reply=\"%s\"",
			    text.data);
			goto out;
		}
		if (p->o->mode == PASS_RUN)
			failed_clear(p->cf->state_dir, sp->id, sp->year,
			    sp->month);
	}
	buf_reset(&p->err);
	if (p->o->mode == PASS_STATUS || p->unenforced) {
		if (sp->state != P_PARTIAL)
			sp->state = P_COMPLETE;
		if (p->unenforced)
			buf_adds(&sp->reason, "reason=not-sent (unenforced: "
			    "see the log)");
		goto out;
	}
	if (open_intent)
		rc = submit_period(p, sp, dfd, att, natt, reuse, nr, in.msgid);
	else
		rc = submit_period(p, sp, dfd, att, natt, sp->todo, sp->ntodo,
		    NULL);
	if (rc == -1) {
		rc = 0;
		p->status = EX_TEMPFAIL;
	}
out:
	if (dfd >= 0)
		close(dfd);
	if (open_intent > 0)
		intent_free(&in);
	free(reuse);
	free(att);
	free(rcpts);
	buf_free(&text);
	return rc;
}

/* report - one line (or JSON object) per period */
static void
report(struct pass *p, const struct speriod *sp)
{
	const struct sdir *d = &p->s.dirs[sp->folder];
	struct buf b = BUF_INIT;
	char	period[8];
	size_t	i;

	snprintf(period, sizeof(period), "%04d-%02d", sp->year, sp->month);
	p->counts[sp->state]++;
	if (p->o->mode == PASS_STATUS && p->o->json) {
		buf_adds(&b, "{\"id\":");
		json_str(&b, sp->id);
		buf_printf(&b, ",\"period\":\"%s\",\"state\":\"%s\",\"folder\":",
		    period, pstate_name(sp->state));
		json_str(&b, d->path);
		buf_adds(&b, ",\"files\":[");
		for (i = d->first; i < d->first + d->n; i++)
			if (period_of(&p->s.files[i], sp)) {
				if (b.data[b.len - 1] != '[')
					buf_addc(&b, ',');
				json_str(&b, p->s.files[i].name);
			}
		buf_adds(&b, "]");
		if (sp->company) {
			buf_adds(&b, ",\"company\":");
			json_str(&b, sp->company);
		}
		buf_printf(&b, ",\"sent\":%zu,\"todo\":%zu", sp->nsent,
		    sp->ntodo);
		if (sp->reason.len) {
			const char *r = sp->reason.data;
			buf_adds(&b, ",\"reason\":");
			json_str(&b, strncmp(r, "reason=", 7) ? r : r + 7);
		}
		buf_adds(&b, "}");
		printf("%s\n", b.data);
	} else if (p->o->mode == PASS_STATUS) {
		printf("%-12s %-11s  %s  %5zu  %-32s  %s\n",
		    pstate_name(sp->state), sp->id, period, sp->nfiles,
		    *d->path ? d->path : ".", sp->reason.len ? sp->reason.data :
		    "-");
	} else {
		log_kv(&b, "id", sp->id);
		log_kv(&b, "period", period);
		log_kv(&b, "folder", *d->path ? d->path : ".");
		if (sp->state == P_SENT || sp->state == P_PARTIAL)
			buf_printf(&b, " sent=%zu todo=%zu", sp->nsent, sp->ntodo);
		if (sp->reason.len)
			buf_printf(&b, " %s", sp->reason.data);
		printf("skip %s state=%s\n", b.data, pstate_name(sp->state));
		log_info("skip %s state=%s", b.data, pstate_name(sp->state));
	}
	for (i = 0; i < sp->nothers && p->o->mode != PASS_STATUS; i++)
		log_warn("id=%s period=%s also in %s (not used; %s is)", sp->id,
		    period, p->s.dirs[sp->others[i]].path, *d->path ? d->path :
		    ".");
	buf_free(&b);
}

static void
report_invalid(struct pass *p, const struct invalid *v)
{
	const struct sfile *f = &p->s.files[v->file];
	const char *dir = p->s.dirs[f->dir].path;
	struct buf b = BUF_INIT;

	p->counts[P_INVALID]++;
	if (p->o->mode == PASS_STATUS && p->o->json) {
		buf_adds(&b, "{\"id\":");
		json_str(&b, v->id);
		buf_printf(&b, ",\"period\":\"%s\",\"state\":\"invalid\","
		    "\"folder\":", v->period);
		json_str(&b, dir);
		buf_adds(&b, ",\"files\":[");
		json_str(&b, f->name);
		buf_adds(&b, "],\"reason\":");
		json_str(&b, v->reason);
		printf("%s}\n", b.data);
	} else {
		log_kv(&b, "id", v->id);
		log_kv(&b, "period", v->period);
		log_kv(&b, "folder", *dir ? dir : ".");
		log_kv(&b, "file", f->name);
		log_kv(&b, "reason", v->reason);
		if (p->o->mode == PASS_STATUS) {
			struct buf w = BUF_INIT;
			log_kv(&w, "reason", v->reason);
			log_kv(&w, "file", f->name);
			printf("%-12s %-11s  %s  %5d  %-32s  %s\n", "invalid",
			    v->id, v->period, 1, *dir ? dir : ".", w.data);
			buf_free(&w);
		}
		else {
			printf("skip %s state=invalid\n", b.data);
			log_warn("skip %s state=invalid", b.data);
		}
	}
	buf_free(&b);
}

/* lock_state - one running scanner per StateDir */
static int
lock_state(struct pass *p)
{
	char	path[4096];

	if (state_mkdirs(p->cf->state_dir, &p->err) < 0)
		return EX_CANTCREAT;
	snprintf(path, sizeof(path), "%s/lock", p->cf->state_dir);
	if ((p->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) < 0) {
		buf_printf(&p->err, "%s: %s", path, strerror(errno));
		return EX_CANTCREAT;
	}
	if (flock(p->lockfd, LOCK_EX | LOCK_NB) < 0) {
		buf_printf(&p->err, "another edefter-scan is running (%s is "
		    "locked)", path);
		return EX_TEMPFAIL;
	}
	return 0;
}

/* pass_run - one pass */
int
pass_run(const struct conf *cf, const struct pass_opts *o)
{
	struct pass p;
	struct buf err = BUF_INIT;
	size_t	i;
	int	rc;

	memset(&p, 0, sizeof(p));
	p.cf = cf;
	p.o = o;
	p.lockfd = -1;
	p.s.rootfd = -1;
	p.s.cf = cf;
	p.s.now = time(NULL);
	if (o->mode == PASS_RUN && (rc = lock_state(&p)) != 0) {
		log_err("%s", BUF_STR(&p.err));
		goto done;
	}
	if (o->mode == PASS_RUN && unenforced(&p)) {
		p.unenforced = 1;
		p.status = EX_UNAVAILABLE;
	}
	if (companies_load(cf->companies, &p.co, companies_warn,
	    (void *)cf->companies) != 0) {
		log_err("Companies %s: %s", cf->companies, strerror(errno));
		rc = EX_CONFIG;
		goto done;
	}
	if ((rc = ledger_open(&p.l, cf->ledger_path, LEDGER_RDONLY, NULL,
	    &err)) != 0) {
		if (rc != ENOENT) {
			log_err("%s", BUF_STR(&err));
			rc = EX_UNAVAILABLE;
			goto done;
		}
		log_err("%s: edefter-milter has not created its ledger; "
		    "until it does, sends are not recorded and every period "
		    "counts as not sent", BUF_STR(&err));
		p.l = NULL;
	}
	if (seen_load(cf->state_dir, &p.seen, &p.err) < 0) {
		log_err("%s", BUF_STR(&p.err));
		rc = EX_CANTCREAT;
		goto done;
	}
	watchdog_start(WATCHDOG_SECONDS);
	if (share_check_mount(cf, &p.err) < 0 ||
	    share_open_root(cf, &p.s.rootfd, &p.err) < 0 ||
	    walk_share(&p.s, o->progress, &p.err) < 0) {
		log_err("share not usable, nothing concluded: %s",
		    BUF_STR(&p.err));
		rc = EX_TEMPFAIL;
		goto done;
	}
	if (periods_group(&p.s, cf->require_gib_approval, &p.inv, &p.ninv) <
	    0)
		log_fatal(EX_OSERR, "out of memory");
	if (o->mode == PASS_STATUS && !o->json)
		printf("%-12s %-11s  %-7s  %5s  %-32s  %s\n", "STATE", "ID",
		    "PERIOD", "FILES", "FOLDER", "REASON");
	for (i = 0; i < p.s.nperiods; i++) {
		rc = handle_period(&p, &p.s.periods[i]);
		if (rc == SHARE_FAILED) {
			log_err("share failed during the pass, stopping: %s",
			    BUF_STR(&p.err));
			rc = EX_TEMPFAIL;
			goto done;
		}
		if (rc < 0) {
			log_err("%s", BUF_STR(&p.err));
			rc = EX_UNAVAILABLE;
			goto done;
		}
		if (rc == 0)
			report(&p, &p.s.periods[i]);
	}
	for (i = 0; i < p.ninv; i++)
		report_invalid(&p, &p.inv[i]);
	if (o->mode == PASS_RUN && seen_save(p.seen, cf->state_dir, &p.err) < 0)
		log_warn("%s (files will settle again)", BUF_STR(&p.err));
	rc = p.status;
	{
		struct buf sum = BUF_INIT;
		for (i = 0; i < P_NSTATES; i++)
			if (p.counts[i])
				buf_printf(&sum, " %s=%lu", pstate_name(i),
				    p.counts[i]);
		log_info("pass done periods=%zu%s", p.s.nperiods + p.ninv,
		    BUF_STR(&sum));
		buf_free(&sum);
	}
done:
	watchdog_stop();
	if (p.sub)
		submit_close(p.sub);
	if (p.l)
		ledger_close(p.l);
	seen_free(p.seen);
	companies_free(&p.co);
	free(p.inv);
	scan_free(&p.s);
	if (p.lockfd >= 0)
		close(p.lockfd);
	buf_free(&p.err);
	buf_free(&err);
	return rc;
}
