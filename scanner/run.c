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

#include <dirent.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "companies.h"
#include "deadline.h"
#include "journal.h"
#include "ledger.h"
#include "log.h"
#include "period.h"
#include "run.h"
#include "scan.h"
#include "state.h"
#include "submit.h"
#include "zipcheck.h"
#include "pass.h"


static void
companies_warn(void *arg, unsigned long line, const char *msg)
{
	(void)arg;
	(void)line;
	log_warn("%s", msg);	/* it names the file and the line */
}

/* lookup - the ledger's record of one key: 1 present, 0 absent, -1
 * error; with dlv, a bounced record's status code in it ("" otherwise) */
int
pass_lookup(struct pass *p, const struct speriod *sp, const char *lc,
    struct buf *msgid, struct buf *dlv)
{
	struct buf key = BUF_INIT, store = BUF_INIT;
	struct ledger_rec r;
	int	rc;

	if (dlv)
		buf_set(dlv, "", 0);
	if (p->l == NULL)
		return 0;
	ledger_key(&key, sp->id, sp->year, sp->month, lc);
	rc = ledger_lookup(p->l, key.data, &r, &store);
	if (rc == 0 && msgid)
		buf_set(msgid, r.message_id, strlen(r.message_id));
	if (rc == 0 && dlv && r.delivery == LEDGER_DLV_BOUNCED)
		buf_adds(dlv, *r.delivery_status ? r.delivery_status : "5.0.0");
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

static unsigned long zips_read, zips_kept;	/* this pass's zip checks */

/* settle - stat and check what would be attached; 1 ready, 0 pending */
static int
settle(struct pass *p, struct speriod *sp, int dfd, const size_t *att,
    size_t natt, uint64_t *fp)
{
	struct buf path = BUF_INIT;
	struct stat st;
	time_t	since;
	size_t	i;
	int	ready = 1, fd, whole = 1, rc;

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
		*fp = pass_fnv(*fp, f->name, strlen(f->name) + 1);
		*fp = pass_fnv(*fp, &st.st_size, sizeof(st.st_size));
		*fp = pass_fnv(*fp, &st.st_mtim, sizeof(st.st_mtim));
		buf_set(&path, p->s.dirs[sp->folder].path,
		    strlen(p->s.dirs[sp->folder].path));
		buf_addc(&path, '/');
		buf_adds(&path, f->name);
		if (path.data == NULL)
			log_fatal(EX_OSERR, "out of memory");
		if ((rc = seen_note_stat(p->seen, path.data, &st, p->s.now,
		    p->cf->settle_seconds, &since)) < 0)
			log_fatal(EX_OSERR, "out of memory");
		if (rc == 0 && ready) {
			buf_printf(&sp->reason, "reason=settling file=%s "
			    "unchanged-for=%llds settle=%llds", f->name,
			    (long long)(p->s.now - since),
			    p->cf->settle_seconds);
			ready = 0;
		}
		/* whole or not: kept while the file is unchanged (state.h) */
		if (ready && f->edf == EDF_OK && f->en.ext == EDF_ZIP &&
		    (whole = seen_zip(p->seen)) >= 0)
			zips_kept++;
		else if (ready && f->edf == EDF_OK && f->en.ext == EDF_ZIP) {
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
			seen_set_zip(p->seen, whole);
			zips_read++;
		}
		if (ready && f->edf == EDF_OK && f->en.ext == EDF_ZIP) {
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

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* list_state - the names in StateDir/SUB (intents, kept failures,
 * fingerprints of sent berats), read once a pass instead of a failing
 * open for every period */
static void
list_state(struct pass *p, const char *sub, char ***vp, size_t *np)
{
	char	path[4096];
	struct dirent *de;
	DIR	*d;

	snprintf(path, sizeof(path), "%s/%s", p->cf->state_dir, sub);
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char **v;
		if (de->d_name[0] == '.')
			continue;
		if ((v = realloc(*vp, (*np + 1) * sizeof(*v))) == NULL ||
		    (v[*np] = strdup(de->d_name)) == NULL)
			log_fatal(EX_OSERR, "out of memory");
		*vp = v;
		(*np)++;
	}
	closedir(d);
	if (*np)
		qsort(*vp, *np, sizeof(**vp), cmp_name);
}

/* has_state - is there a file of the period among the names */
static int
has_state(char **v, size_t n, const struct speriod *sp)
{
	char	name[32], *key = name;

	snprintf(name, sizeof(name), "%s_%04d-%02d", sp->id, sp->year,
	    sp->month);
	return n && bsearch(&key, v, n, sizeof(*v), cmp_name) != NULL;
}

static void
free_names(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* recipients - the ledger decides who still needs the period */
static int
recipients(struct pass *p, struct speriod *sp, const struct company *c)
{
	struct buf dlv = BUF_INIT;
	size_t	i;
	int	rc;

	for (i = 0; i < c->naddr; i++) {
		if ((rc = pass_lookup(p, sp, c->lc[i], NULL, &dlv)) < 0) {
			buf_free(&dlv);
			return -1;
		}
		if (rc)
			sp->nsent++;
		else
			add_todo(sp, c->addr[i]);
		if (rc && dlv.len) {
			if (sp->nbounced++ == 0)
				buf_adds(&sp->bounced, "reason=bounced");
			buf_printf(&sp->bounced, " rcpt=%s status=%s",
			    c->lc[i], dlv.data);
		}
	}
	buf_free(&dlv);
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
		if ((rc = pass_lookup(p, sp, lc.data, &msgid, NULL)) < 0) {
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
	if (p->o->mode == PASS_BASELINE || p->o->mode == PASS_BASELINE_DRY) {
		if (sp->state != P_COMPLETE)
			return 0;
		if (c == NULL || c->naddr == 0) {
			sp->state = P_NO_RECIPIENT;
			buf_printf(&sp->reason, "reason=no-recipient (not in "
			    "%s)", p->cf->companies);
			return 0;
		}
		return pass_baseline(p, sp, c);
	}
	if (p->cf->send_from && sp->year * 12 + sp->month - 1 <
	    p->cf->send_from) {
		buf_reset(&sp->reason);
		buf_printf(&sp->reason, "reason=before-start send-from=%04d-%02d",
		    p->cf->send_from / 12, p->cf->send_from % 12 + 1);
		sp->state = P_BEFORE_START;
		return 0;
	}
	if (c != NULL && !c->active) {
		buf_reset(&sp->reason);
		buf_printf(&sp->reason, "reason=inactive (%s line %lu)",
		    p->cf->companies, c->line);
		sp->state = P_INACTIVE;
		return 0;
	}
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
	/* without fingerprints only `run' looks at the berats (and keeps
	 * theirs) */
	if (sp->nsent > 0 && (p->o->mode == PASS_RUN || has_state(p->fprints,
	    p->nfprints, sp)) && (rc = pass_check_changed(p, sp)) != 0) {
		if (rc == 1) {
			rc = 0;
			if (p->o->mode == PASS_RUN)
				log_warn("changed id=%s period=%04d-%02d %s",
				    sp->id, sp->year, sp->month,
				    sp->reason.data);
		}
		return rc;
	}
	open_intent = !has_state(p->intents, p->nintents, sp) ? 0 :
	    intent_load(p->cf->state_dir,
	    sp->id, sp->year, sp->month, &in, &p->err);
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
		sp->state = sp->nbounced ? P_BOUNCED : P_SENT;
		if (sp->nbounced)
			buf_set(&sp->reason, sp->bounced.data, sp->bounced.len);
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
	if (has_state(p->failed, p->nfailed, sp) && failed_load(
	    p->cf->state_dir, sp->id, sp->year, sp->month, &kept_fp, &text,
	    &p->err) == 1) {
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
		/* not submitted (the error is logged): tried again next pass */
		rc = 0;
		p->status = EX_TEMPFAIL;
		sp->state = P_PENDING;
		if (sp->reason.len == 0)
			buf_adds(&sp->reason, "reason=not-sent (see the log; "
			    "tried again next pass)");
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

/* may_keep - may this pass write the caches in StateDir: `run' and
 * `baseline' hold the lock; the other commands write them only as the
 * owner of StateDir (whose files the daemon must read) and only when
 * no other pass holds the lock */
static int
may_keep(struct pass *p)
{
	char	path[4096];
	struct stat st;

	if (p->lockfd >= 0)
		return 1;
	if (stat(p->cf->state_dir, &st) < 0 || st.st_uid != geteuid())
		return 0;
	snprintf(path, sizeof(path), "%s/lock", p->cf->state_dir);
	if ((p->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) < 0)
		return 0;
	if (flock(p->lockfd, LOCK_EX | LOCK_NB) < 0) {
		close(p->lockfd);
		p->lockfd = -1;
		return 0;
	}
	return 1;
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
	if ((o->mode == PASS_RUN || o->mode == PASS_BASELINE) &&
	    (rc = lock_state(&p)) != 0) {
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
	if ((rc = ledger_open(&p.l, conf_ledger(cf), LEDGER_RDONLY, NULL,
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
	if (cf->deadlines && deadlines_load(cf->deadlines, &p.deadlines,
	    &err) != 0) {
		log_err("Deadlines: %s", BUF_STR(&err));
		rc = EX_CONFIG;
		goto done;
	}
	list_state(&p, "intent", &p.intents, &p.nintents);
	list_state(&p, "failed", &p.failed, &p.nfailed);
	list_state(&p, "sent", &p.fprints, &p.nfprints);
	if (seen_load(cf->state_dir, &p.seen, &p.err) < 0) {
		log_err("%s", BUF_STR(&p.err));
		rc = EX_CANTCREAT;
		goto done;
	}
	watchdog_start((unsigned)cf->share_timeout);
	zips_read = zips_kept = 0;
	if (share_check_mount(cf, &p.err) < 0 ||
	    share_open_root(cf, &p.s.rootfd, &p.err) < 0) {
		log_err("share not usable, nothing concluded: %s",
		    BUF_STR(&p.err));
		rc = EX_TEMPFAIL;
		goto done;
	}
	if (fs_keeps_times(p.s.rootfd)) {
		struct stat rst;

		if (fstat(p.s.rootfd, &rst) == 0)
			seen_trust(p.seen, rst.st_dev);
	}
	if (walk_share(&p.s, o->progress, &p.err) < 0) {
		log_err("share not usable, nothing concluded: %s",
		    BUF_STR(&p.err));
		rc = EX_TEMPFAIL;
		goto done;
	}
	if (periods_group(&p.s, cf->require_gib_approval, &p.inv, &p.ninv) <
	    0)
		log_fatal(EX_OSERR, "out of memory");
	if (o->mode == PASS_STATUS && pass_fill_months(&p) < 0)
		log_fatal(EX_OSERR, "out of memory");
	if (o->mode == PASS_STATUS && !o->json && !o->tab && !o->row)
		printf("%-12s %-11s  %-7s  %5s  %-32s  %s\n", "STATE", "ID",
		    "PERIOD", "FILES", "FOLDER", "REASON");
	for (i = 0; i < p.s.nperiods; i++) {
		rc = handle_period(&p, &p.s.periods[i]);
		if (rc == 0)
			pass_deadline(&p, &p.s.periods[i], companies_find(&p.co,
			    p.s.periods[i].id));
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
	for (i = 0; i < p.s.nfiles; i++)
		if (p.s.files[i].near)
			report_ignored(&p, &p.s.files[i]);
	report_excluded(&p);
	if ((o->mode == PASS_RUN || may_keep(&p)) &&
	    seen_save(p.seen, cf->state_dir, &p.err) < 0) {
		log_warn("%s (files will settle again)", BUF_STR(&p.err));
		buf_reset(&p.err);
	}
	if (may_keep(&p) && walk_save(&p.s, &p.err) < 0) {
		log_warn("%s (directories will be read again)",
		    BUF_STR(&p.err));
		buf_reset(&p.err);
	}
	if (getenv("EDEFTER_SCAN_STATS"))
		fprintf(stderr, "edefter-scan: stats directories=%zu "
		    "read=%zu kept=%zu zips-read=%lu zips-kept=%lu\n",
		    p.s.ndirs, p.s.ndirs - p.s.dirs_cached, p.s.dirs_cached,
		    zips_read, zips_kept);
	rc = p.status;
	{
		struct buf sum = BUF_INIT;
		for (i = 0; i < P_NSTATES; i++)
			if (p.counts[i])
				buf_printf(&sum, " %s=%lu", pstate_name(i),
				    p.counts[i]);
		log_info("pass done periods=%zu%s excluded-dirs=%zu "
		    "excluded-files=%zu", p.s.nperiods + p.ninv, BUF_STR(&sum),
		    p.s.nexcluded, p.s.nxfiles);
		buf_free(&sum);
	}
done:
	watchdog_stop();
	if (p.sub)
		submit_close(p.sub);
	if (p.l)
		ledger_close(p.l);
	seen_free(p.seen);
	free_names(p.intents, p.nintents);
	free_names(p.failed, p.nfailed);
	free_names(p.fprints, p.nfprints);
	companies_free(&p.co);
	deadlines_free(p.deadlines);
	free(p.inv);
	scan_free(&p.s);
	if (p.lockfd >= 0)
		close(p.lockfd);
	buf_free(&p.err);
	buf_free(&err);
	return rc;
}
