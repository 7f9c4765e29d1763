/*
 * NAME
 *	adopt - the cut-over and after: baseline records, changed berats
 * DESCRIPTION
 *	pass_baseline() prints, for a period whose berats are all there,
 *	one record per recipient in edefterctl dump's JSON line format
 *	(source `baseline'), so that `edefterctl import' records what the
 *	office's earlier tool has already mailed and the first pass mails
 *	only what completes afterwards.  Without --dry-run it also keeps
 *	the period's berat fingerprints (fprint.h), so that a berat
 *	replaced between the baseline and a later pass shows `changed'.
 *
 *	pass_fingerprint() keeps the fingerprints of the berats a message
 *	carried, hashed through the descriptors the message was read
 *	from.  pass_check_changed() compares a sent period's berats on
 *	the share with them: same size and mtime, same file, no read;
 *	otherwise the SHA-256 decides.  A sent period without fingerprints
 *	(sent before they were kept, or by another way) is fingerprinted
 *	by `run' and not reported.
 * DIAGNOSTICS
 *	pass_check_changed() returns 1 (changed; the reason names the
 *	file), 0, or SHARE_FAILED (the share stopped answering; err says
 *	where).  Fingerprints that cannot be kept are logged; the pass goes
 *	on (only the detection of a later change is lost).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sysexits.h>
#include <unistd.h>

#include "fprint.h"
#include "json.h"
#include "log.h"
#include "pass.h"

/* is_berat - the files whose replacement after a send matters */
static int
is_berat(const struct sfile *f, const struct speriod *sp)
{
	return period_of(f, sp) && edf_is_berat(f->en.type);
}

/* hash_file - size, mtime and SHA-256 of one file of the folder */
static int
hash_file(int dfd, const char *name, struct stat *st, char *sha)
{
	int	fd, e;

	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK)) < 0)
		return -1;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) ||
	    sha256_fd(fd, sha) < 0) {
		e = S_ISREG(st->st_mode) ? errno : EINVAL;
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	return 0;
}

/* fingerprint_folder - every berat of the period as it is now */
static int
fingerprint_folder(struct pass *p, const struct speriod *sp, int dfd,
    struct fprint *fp)
{
	const struct sdir *d = &p->s.dirs[sp->folder];
	char	sha[SHA256_HEX];
	struct stat st;
	size_t	i;

	for (i = d->first; i < d->first + d->n; i++) {
		const struct sfile *f = &p->s.files[i];

		if (!is_berat(f, sp))
			continue;
		if (hash_file(dfd, f->name, &st, sha) < 0) {
			if (share_io_error(errno)) {
				buf_printf(&p->err, "%s/%s: %s", d->path,
				    f->name, strerror(errno));
				return SHARE_FAILED;
			}
			continue;
		}
		if (fprint_set(fp, f->name, st.st_size, &st.st_mtim, sha) < 0)
			log_fatal(EX_OSERR, "out of memory");
	}
	return 0;
}

/* keep - save a period's fingerprints; a failure is only logged */
static void
keep(struct pass *p, const struct speriod *sp, const struct fprint *fp)
{
	struct buf err = BUF_INIT;

	if (fprint_save(p->cf->state_dir, sp->id, sp->year, sp->month, fp,
	    &err) < 0)
		log_warn("id=%s period=%04d-%02d berat fingerprints not kept "
		    "(a later change cannot be detected): %s", sp->id,
		    sp->year, sp->month, BUF_STR(&err));
	buf_free(&err);
}

/* pass_fingerprint - the berats a message carried, from its descriptors */
void
pass_fingerprint(struct pass *p, const struct speriod *sp,
    const size_t *att, const struct mimew_file *mf, size_t natt)
{
	struct fprint fp = { NULL, 0 };
	char	sha[SHA256_HEX];
	struct stat st;
	size_t	i;

	for (i = 0; i < natt; i++) {
		const struct sfile *f = &p->s.files[att[i]];

		if (!is_berat(f, sp) || mf[i].fd < 0)
			continue;
		if (fstat(mf[i].fd, &st) < 0 || sha256_fd(mf[i].fd, sha) < 0) {
			log_warn("id=%s period=%04d-%02d file=%s cannot be "
			    "fingerprinted: %s", sp->id, sp->year, sp->month,
			    f->name, strerror(errno));
			continue;
		}
		if (fprint_set(&fp, f->name, st.st_size, &st.st_mtim, sha) < 0)
			log_fatal(EX_OSERR, "out of memory");
	}
	keep(p, sp, &fp);
	fprint_free(&fp);
}

/* pass_check_changed - was a berat of a sent period replaced */
int
pass_check_changed(struct pass *p, struct speriod *sp)
{
	const struct sdir *d = &p->s.dirs[sp->folder];
	struct fprint fp;
	struct fprint_ent *e;
	char	sha[SHA256_HEX];
	struct stat st;
	size_t	i;
	int	dfd, rc = 0, dirty = 0, have;

	if ((have = fprint_load(p->cf->state_dir, sp->id, sp->year,
	    sp->month, &fp, &p->err)) < 0) {
		log_warn("%s (fingerprinted afresh)", BUF_STR(&p->err));
		buf_reset(&p->err);
		have = 0;
	}
	if (!have && p->o->mode != PASS_RUN)
		return 0;		/* nothing to compare; status writes nothing */
	if ((dfd = share_open_dir(p->s.rootfd, d->path, &p->err)) < 0) {
		fprint_free(&fp);
		if (share_io_error(errno))
			return SHARE_FAILED;
		buf_reset(&p->err);
		return 0;
	}
	if (!have) {
		if ((rc = fingerprint_folder(p, sp, dfd, &fp)) == 0) {
			keep(p, sp, &fp);
			log_info("id=%s period=%04d-%02d berats fingerprinted "
			    "(sent before fingerprints were kept)", sp->id,
			    sp->year, sp->month);
		}
		goto out;
	}
	for (i = d->first; i < d->first + d->n && rc == 0; i++) {
		const struct sfile *f = &p->s.files[i];

		if (!is_berat(f, sp) || (e = fprint_find(&fp, f->name)) == NULL)
			continue;
		watchdog_tick();
		if (fstatat(dfd, f->name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (share_io_error(errno)) {
				buf_printf(&p->err, "%s/%s: %s", d->path,
				    f->name, strerror(errno));
				rc = SHARE_FAILED;
			}
			continue;
		}
		if (st.st_size == e->size && st.st_mtim.tv_sec ==
		    e->mtime.tv_sec && st.st_mtim.tv_nsec == e->mtime.tv_nsec)
			continue;
		if (hash_file(dfd, f->name, &st, sha) < 0) {
			if (share_io_error(errno)) {
				buf_printf(&p->err, "%s/%s: %s", d->path,
				    f->name, strerror(errno));
				rc = SHARE_FAILED;
			}
			continue;
		}
		if (strcmp(sha, e->sha) == 0) {
			e->size = st.st_size;	/* touched, not changed */
			e->mtime = st.st_mtim;
			dirty = 1;
			continue;
		}
		sp->state = P_CHANGED;
		buf_printf(&sp->reason, "reason=changed file=%s (replaced "
		    "after it was sent: size %lld, was %lld; sha256 %.12s, was "
		    "%.12s; edefterctl forget %s/%04d-%02d sends it again)",
		    f->name, (long long)st.st_size, (long long)e->size, sha,
		    e->sha, sp->id, sp->year, sp->month);
		rc = 1;
	}
	if (rc == 0 && dirty && p->o->mode == PASS_RUN)
		keep(p, sp, &fp);
out:
	close(dfd);
	fprint_free(&fp);
	return rc;
}

/* pass_baseline - one dump-format record per recipient of the period */
int
pass_baseline(struct pass *p, struct speriod *sp, const struct company *c)
{
	const struct sdir *d = &p->s.dirs[sp->folder];
	struct buf b = BUF_INIT, files = BUF_INIT, hash = BUF_INIT;
	struct fprint fp = { NULL, 0 };
	struct timeval tv;
	char	when[32];
	size_t	i, j, nf = 0;
	int	dfd, rc = 0;

	gettimeofday(&tv, NULL);
	if (ledger_time_format((int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000,
	    when, sizeof(when)) < 0)
		when[0] = '\0';
	for (i = d->first; i < d->first + d->n; i++)
		if (period_of(&p->s.files[i], sp)) {
			if (nf++)
				buf_addc(&files, ',');
			json_str(&files, p->s.files[i].name);
		}
	for (j = 0; j < c->naddr; j++) {
		buf_reset(&b);
		buf_adds(&b, "{\"companyId\":");
		json_str(&b, sp->id);
		buf_adds(&b, ",\"companyName\":");
		json_str(&b, c->name ? c->name : "");
		buf_printf(&b, ",\"year\":%d,\"month\":%d,\"recipientEmail\":",
		    sp->year, sp->month);
		json_str(&b, c->lc[j]);
		buf_adds(&b, ",\"sentDate\":");
		json_str(&b, when);
		buf_reset(&hash);
		buf_printf(&hash, "%s_%04d_%02d_%s", sp->id, sp->year,
		    sp->month, c->lc[j]);
		buf_adds(&b, ",\"uniqueHash\":");
		json_str(&b, BUF_STR(&hash));
		buf_printf(&b, ",\"status\":\"complete\",\"fileList\":[%s],"
		    "\"fileCount\":%zu,\"period\":\"%04d-%02d\","
		    "\"messageId\":\"\",\"queueId\":\"\",\"source\":"
		    "\"baseline\",\"client\":\"\",\"saslUser\":\"\"}",
		    BUF_STR(&files), nf, sp->year, sp->month);
		printf("%s\n", b.data);
	}
	sp->nsent = c->naddr;
	if (p->o->mode == PASS_BASELINE) {
		if ((dfd = share_open_dir(p->s.rootfd, d->path, &p->err)) < 0) {
			rc = share_io_error(errno) ? SHARE_FAILED : 0;
			if (rc == 0)
				buf_reset(&p->err);
		} else {
			if ((rc = fingerprint_folder(p, sp, dfd, &fp)) == 0)
				keep(p, sp, &fp);
			close(dfd);
		}
	}
	fprint_free(&fp);
	buf_free(&b);
	buf_free(&hash);
	buf_free(&files);
	return rc;
}
