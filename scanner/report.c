/*
 * NAME
 *	report - edefter-scan's output: one line or JSON object per period
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "pass.h"
#include "tabout.h"

/* the columns of status --format csv|xlsx */
static const char *const tab_cols[] = {
	"state", "id", "company", "period", "files", "folder", "reason",
	"sent", "todo", "deadline", "overdue",
};

/* report_table_open - the table of status --format csv|xlsx */
int
report_table_open(struct pass_opts *o, struct buf *err)
{
	enum tabout_fmt f = o->format == FMT_XLSX ? TABOUT_XLSX : TABOUT_CSV;

	if ((o->tab = tabout_open(f, o->out, "durum", err)) == NULL)
		return -1;
	return tabout_columns(o->tab, tab_cols, sizeof(tab_cols) /
	    sizeof(tab_cols[0]));
}

/* tab_row - one row: state, id, company, period, files, folder, reason */
static void
tab_row(struct pass *p, const char *state, const char *id,
    const char *company, const char *period, const char *files,
    const char *folder, const char *reason, long long sent, long long todo,
    const char *deadline, int overdue)
{
	struct tabout *t = p->o->tab;

	if (reason && strncmp(reason, "reason=", 7) == 0)
		reason += 7;
	tabout_text(t, state);
	tabout_text(t, id);
	tabout_text(t, company);
	tabout_text(t, period);
	tabout_text(t, files);
	tabout_text(t, folder);
	tabout_text(t, reason);
	if (sent >= 0)
		tabout_int(t, sent);
	else
		tabout_text(t, NULL);
	if (todo >= 0)
		tabout_int(t, todo);
	else
		tabout_text(t, NULL);
	tabout_text(t, deadline);
	tabout_text(t, deadline && *deadline ? overdue ? "yes" : "no" : NULL);
	tabout_end_row(t);
}

static const char *const state_names[P_NSTATES] = {
	"missing", "incomplete", "pending", "complete", "sent", "partial",
	"no-recipient", "too-large", "failed", "invalid", "before-start",
	"inactive", "changed", "ignored", "bounced",
};

/* col - s padded to width characters (not bytes: Turkish folder names) */
static const char *
col(const char *s, int width)
{
	static struct buf b;
	const unsigned char *p;
	int	n = 0;

	buf_set(&b, s, strlen(s));
	for (p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xc0) != 0x80)
			n++;
	while (n++ < width)
		buf_addc(&b, ' ');
	return BUF_STR(&b);
}

const char *
pstate_name(enum pstate s)
{
	return (unsigned)s < P_NSTATES ? state_names[s] : "?";
}

/* report - one line (or JSON object) per period */
void
report(struct pass *p, const struct speriod *sp)
{
	static const struct sdir none = { (char *)"", 0, 0 };
	const int nofolder = sp->folder == SPERIOD_NO_FOLDER;
	const struct sdir *d = nofolder ? &none : &p->s.dirs[sp->folder];
	const char *folder = nofolder ? "-" : *d->path ? d->path : ".";
	struct buf b = BUF_INIT;
	char	period[8];
	size_t	i;

	snprintf(period, sizeof(period), "%04d-%02d", sp->year, sp->month);
	p->counts[sp->state]++;
	if (p->o->mode == PASS_BASELINE || p->o->mode == PASS_BASELINE_DRY) {
		/* standard output carries the records */
		if (sp->state == P_NO_RECIPIENT)
			log_warn("baseline id=%s period=%s: no record (%s)",
			    sp->id, period, sp->reason.data);
		else if (sp->state == P_COMPLETE)
			p->nbaseline += sp->nsent;
		return;
	}
	if (p->o->mode == PASS_STATUS && p->o->row) {
		p->o->row(p->o->row_arg, sp, nofolder ? NULL : folder);
	} else if (p->o->mode == PASS_STATUS && p->o->tab) {
		for (i = d->first; i < d->first + d->n; i++)
			if (period_of(&p->s.files[i], sp))
				buf_printf(&b, "%s%s", b.len ? "\n" : "",
				    p->s.files[i].name);
		tab_row(p, pstate_name(sp->state), sp->id, sp->company, period,
		    BUF_STR(&b), nofolder ? NULL : folder, sp->reason.len ?
		    sp->reason.data : NULL, (long long)sp->nsent,
		    (long long)sp->ntodo, sp->deadline, sp->overdue);
	} else if (p->o->mode == PASS_STATUS && p->o->json) {
		buf_adds(&b, "{\"id\":");
		json_str(&b, sp->id);
		buf_printf(&b, ",\"period\":\"%s\",\"state\":\"%s\",\"folder\":",
		    period, pstate_name(sp->state));
		if (nofolder)
			buf_adds(&b, "null");
		else
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
		if (*sp->deadline)
			buf_printf(&b, ",\"deadline\":\"%s\"", sp->deadline);
		else
			buf_adds(&b, ",\"deadline\":null");
		buf_printf(&b, ",\"overdue\":%s", sp->overdue ? "true" : "false");
		if (sp->reason.len) {
			const char *r = sp->reason.data;
			buf_adds(&b, ",\"reason\":");
			json_str(&b, strncmp(r, "reason=", 7) ? r : r + 7);
		}
		buf_adds(&b, "}");
		printf("%s\n", b.data);
	} else if (p->o->mode == PASS_STATUS) {
		/* the deadline as words before the reason: the columns stay */
		if (*sp->deadline)
			buf_printf(&b, "deadline=%s%s", sp->deadline,
			    sp->overdue ? " overdue" : "");
		if (sp->reason.len)
			buf_printf(&b, "%s%s", b.len ? " " : "", sp->reason.data);
		printf("%-12s %-11s  %s  %5zu  %s  %s\n",
		    pstate_name(sp->state), sp->id, period, sp->nfiles,
		    col(folder, 32), b.len ? b.data : "-");
	} else {
		log_kv(&b, "id", sp->id);
		log_kv(&b, "period", period);
		log_kv(&b, "folder", folder);
		if (sp->state == P_SENT || sp->state == P_PARTIAL)
			buf_printf(&b, " sent=%zu todo=%zu", sp->nsent, sp->ntodo);
		if (sp->reason.len)
			buf_printf(&b, " %s", sp->reason.data);
		printf("skip %s state=%s\n", b.data, pstate_name(sp->state));
		log_info("skip %s state=%s", b.data, pstate_name(sp->state));
	}
	for (i = 0; i < sp->nothers && p->o->mode != PASS_STATUS && !nofolder;
	    i++)
		log_warn("id=%s period=%s also in %s (not used; %s is)", sp->id,
		    period, p->s.dirs[sp->others[i]].path, *d->path ? d->path :
		    ".");
	buf_free(&b);
}

void
report_invalid(struct pass *p, const struct invalid *v)
{
	const struct sfile *f = &p->s.files[v->file];
	const char *dir = p->s.dirs[f->dir].path;
	struct buf b = BUF_INIT;

	p->counts[P_INVALID]++;
	if (p->o->mode == PASS_STATUS && p->o->row) {
		;			/* files, not periods */
	} else if (p->o->mode == PASS_STATUS && p->o->tab) {
		tab_row(p, "invalid", v->id, NULL, v->period, f->name,
		    *dir ? dir : ".", v->reason, -1, -1, NULL, 0);
	} else if (p->o->mode == PASS_STATUS && p->o->json) {
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
			printf("%-12s %-11s  %s  %5d  %s  %s\n", "invalid",
			    v->id, v->period, 1, col(*dir ? dir : ".", 32),
			    w.data);
			buf_free(&w);
		}
		else {
			printf("skip %s state=invalid\n", b.data);
			log_warn("skip %s state=invalid", b.data);
		}
	}
	buf_free(&b);
}


/* report_ignored - a file with a GIB-like name that is not a GIB name */
void
report_ignored(struct pass *p, const struct sfile *f)
{
	const char *dir = p->s.dirs[f->dir].path;
	struct buf b = BUF_INIT, why = BUF_INIT;
	size_t	off = 0, len = 0;

	p->counts[P_IGNORED]++;
	(void)edf_near_miss(f->name, strlen(f->name), &off, &len);
	buf_printf(&why, "%s: not a GIB file name, never counted as a berat; "
	    "rename it to %.*s.xml or .zip if it is one",
	    edf_near_miss_reason(f->near), (int)len, f->name + off);
	if (p->o->mode == PASS_BASELINE || p->o->mode == PASS_BASELINE_DRY ||
	    (p->o->mode == PASS_STATUS && p->o->row)) {
		buf_free(&why);
		return;
	}
	if (p->o->mode == PASS_STATUS && p->o->tab) {
		tab_row(p, "ignored", NULL, NULL, NULL, f->name, *dir ? dir :
		    ".", why.data, -1, -1, NULL, 0);
	} else if (p->o->mode == PASS_STATUS && p->o->json) {
		buf_adds(&b, "{\"state\":\"ignored\",\"file\":");
		json_str(&b, f->name);
		buf_adds(&b, ",\"folder\":");
		json_str(&b, dir);
		buf_adds(&b, ",\"reason\":");
		json_str(&b, why.data);
		printf("%s}\n", b.data);
	} else {
		log_kv(&b, "folder", *dir ? dir : ".");
		log_kv(&b, "file", f->name);
		log_kv(&b, "reason", why.data);
		if (p->o->mode == PASS_STATUS) {
			struct buf w = BUF_INIT;
			log_kv(&w, "file", f->name);
			log_kv(&w, "reason", why.data);
			printf("%-12s %-11s  %-7s  %5d  %s  %s\n", "ignored",
			    "-", "-", 1, col(*dir ? dir : ".", 32), w.data);
			buf_free(&w);
		} else
			printf("ignored %s\n", b.data);
		log_warn("ignored %s", b.data);
	}
	buf_free(&b);
	buf_free(&why);
}

/* report_excluded - how many directories ExcludeDirs kept out (and, for
 * baseline, how many records it printed) */
void
report_excluded(struct pass *p)
{
	struct buf b = BUF_INIT;
	size_t	i;

	for (i = 0; i < p->s.nexcluded && i < 10; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", p->s.excluded[i]);
	if (p->s.nexcluded > 10)
		buf_printf(&b, ", ... (%zu more)", p->s.nexcluded - 10);
	if (p->o->mode == PASS_STATUS && ((p->s.nexcluded == 0 &&
	    p->s.nxfiles == 0) || p->o->row))
		;			/* nothing to say */
	else if (p->o->mode == PASS_STATUS && !p->o->json && !p->o->tab)
		printf("excluded: %zu director%s (ExcludeDirs)%s%s, %zu file%s "
		    "(ExcludeFiles)\n", p->s.nexcluded, p->s.nexcluded == 1 ?
		    "y" : "ies", p->s.nexcluded ? ": " : "", BUF_STR(&b),
		    p->s.nxfiles, p->s.nxfiles == 1 ? "" : "s");
	else if (p->o->mode == PASS_STATUS)
		fprintf(stderr, "excluded: %zu director%s (ExcludeDirs)%s%s, "
		    "%zu file%s (ExcludeFiles)\n", p->s.nexcluded,
		    p->s.nexcluded == 1 ? "y" : "ies", p->s.nexcluded ? ": " : "",
		    BUF_STR(&b), p->s.nxfiles, p->s.nxfiles == 1 ? "" : "s");
	else if (p->o->mode == PASS_BASELINE || p->o->mode == PASS_BASELINE_DRY)
		fprintf(stderr, "baseline: %lu records for %lu periods%s\n",
		    p->nbaseline, p->counts[P_COMPLETE], p->o->mode ==
		    PASS_BASELINE_DRY ? " (dry run: StateDir untouched)" : "");
	for (i = 0; i < p->s.nexcluded && p->o->mode == PASS_RUN; i++)
		log_debug("excluded dir=%s (ExcludeDirs)", p->s.excluded[i]);
	buf_free(&b);
}
