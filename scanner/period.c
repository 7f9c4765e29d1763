/*
 * period - group the walk into periods; see period.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "period.h"

/* period_of - is the file an e-Defter file of the period */
int
period_of(const struct sfile *f, const struct speriod *p)
{
	return f->edf == EDF_OK && f->en.year == p->year &&
	    f->en.month == p->month && strcmp(f->en.id, p->id) == 0;
}

static int
cmp_file_period(const void *a, const void *b, void *arg)
{
	const struct scan *s = arg;
	const struct sfile *x = &s->files[*(const size_t *)a];
	const struct sfile *y = &s->files[*(const size_t *)b];
	int	c;

	if ((c = strcmp(x->en.id, y->en.id)) != 0)
		return c;
	if (x->en.year != y->en.year)
		return x->en.year - y->en.year;
	if (x->en.month != y->en.month)
		return x->en.month - y->en.month;
	if (x->dir != y->dir)		/* dirs are in path order */
		return x->dir < y->dir ? -1 : 1;
	return strcmp(x->name, y->name);
}

struct part {
	int	part;
	int	branch;
	int	yb, kb;			/* approved berats seen */
	int	own_yb, own_kb;		/* the office's own */
};

/* berats - how complete the period is in one directory, by names */
static int
berats(const struct scan *s, const size_t *idx, size_t n, int require_gib,
    struct buf *why, int *any_berat)
{
	struct part parts[64];
	size_t	np = 0, i, j;
	int	missing = 0;

	*any_berat = 0;
	for (i = 0; i < n; i++) {
		const struct edf_name *en = &s->files[idx[i]].en;

		if (en->type != EDF_Y && en->type != EDF_K &&
		    en->type != EDF_YB && en->type != EDF_KB)
			continue;
		for (j = 0; j < np; j++)
			if (parts[j].part == en->part && parts[j].branch ==
			    en->branch)
				break;
		if (j == np) {
			if (np == sizeof(parts) / sizeof(parts[0]))
				continue;
			memset(&parts[np++], 0, sizeof(parts[0]));
			parts[j].part = en->part;
			parts[j].branch = en->branch;
		}
		if (en->type == EDF_YB || en->type == EDF_KB)
			*any_berat = 1;
		if (en->type == EDF_YB)
			*(en->gib ? &parts[j].yb : &parts[j].own_yb) = 1;
		else if (en->type == EDF_KB)
			*(en->gib ? &parts[j].kb : &parts[j].own_kb) = 1;
	}
	for (j = 0; j < np; j++) {
		int yb = parts[j].yb || (!require_gib && parts[j].own_yb);
		int kb = parts[j].kb || (!require_gib && parts[j].own_kb);
		const char *gib = require_gib ? "GIB-" : "";
		char	suffix[16] = "";

		if (parts[j].branch >= 0)
			snprintf(suffix, sizeof(suffix), "-%04d", parts[j].branch);
		if (!yb)
			buf_printf(why, "%s%sYB-%06d%s", missing++ ? "," : "", gib,
			    parts[j].part, suffix);
		if (!kb)
			buf_printf(why, "%s%sKB-%06d%s", missing++ ? "," : "", gib,
			    parts[j].part, suffix);
	}
	if (np == 0) {
		buf_adds(why, "YB,KB");
		missing = 1;
	}
	return missing == 0;
}

/* periods_group - one speriod per (id, YYYY-MM) */
int
periods_group(struct scan *s, int require_gib, struct invalid **invp,
    size_t *ninvp)
{
	struct invalid *inv = NULL;
	size_t	*idx, n = 0, i, j, k, ninv = 0;

	*invp = NULL;
	*ninvp = 0;
	if ((idx = calloc(s->nfiles + 1, sizeof(*idx))) == NULL)
		return -1;
	for (i = 0; i < s->nfiles; i++) {
		if (s->files[i].edf == EDF_OK)
			idx[n++] = i;
		else if (s->files[i].edf != EDF_NOTEDEFTER) {
			struct invalid *v = realloc(inv, (ninv + 1) * sizeof(*v));
			if (v == NULL)
				goto fail;
			inv = v;
			snprintf(inv[ninv].id, sizeof(inv[ninv].id), "%s",
			    s->files[i].en.id);
			snprintf(inv[ninv].period, sizeof(inv[ninv].period),
			    "%04d-%02d", s->files[i].en.year % 10000,
			    (s->files[i].en.month % 100 + 100) % 100);
			inv[ninv].file = i;
			inv[ninv].reason = edf_strerror(s->files[i].edf);
			ninv++;
		}
	}
	qsort_r(idx, n, sizeof(*idx), cmp_file_period, s);
	for (i = 0; i < n; i = j) {
		struct speriod *p, *v;
		const struct sfile *f = &s->files[idx[i]];
		size_t	best = (size_t)-1;
		struct buf why = BUF_INIT, bestwhy = BUF_INIT;
		int	complete_seen = 0, any = 0, best_any = 0;

		for (j = i + 1; j < n; j++) {
			const struct sfile *g = &s->files[idx[j]];
			if (strcmp(g->en.id, f->en.id) || g->en.year != f->en.year
			    || g->en.month != f->en.month)
				break;
		}
		if ((v = realloc(s->periods, (s->nperiods + 1) * sizeof(*v))) ==
		    NULL)
			goto fail;
		s->periods = v;
		p = &s->periods[s->nperiods++];
		memset(p, 0, sizeof(*p));
		strcpy(p->id, f->en.id);
		p->year = f->en.year;
		p->month = f->en.month;
		/* the directories, in path order; the first complete wins */
		for (k = i; k < j;) {
			size_t d = s->files[idx[k]].dir, e = k;
			while (e < j && s->files[idx[e]].dir == d)
				e++;
			buf_reset(&why);
			if (berats(s, idx + k, e - k, require_gib, &why, &any) &&
			    !complete_seen) {
				complete_seen = 1;
				best = d;
				best_any = 1;
				buf_reset(&bestwhy);
				p->nfiles = e - k;
			} else if (best == (size_t)-1) {
				best = d;
				best_any = any;
				buf_set(&bestwhy, why.data, why.len);
				p->nfiles = e - k;
			}
			k = e;
		}
		p->folder = best;
		for (k = i; k < j; k++) {
			size_t d = s->files[idx[k]].dir;
			size_t m;
			if (d == p->folder)
				continue;
			for (m = 0; m < p->nothers && p->others[m] != d; m++)
				;
			if (m == p->nothers) {
				size_t *o = realloc(p->others, (m + 1) *
				    sizeof(*o));
				if (o == NULL)
					goto fail;
				p->others = o;
				p->others[p->nothers++] = d;
			}
		}
		if (complete_seen)
			p->state = P_COMPLETE;
		else {
			p->state = best_any ? P_INCOMPLETE : P_MISSING;
			buf_printf(&p->reason, "reason=%s missing=%s", best_any ?
			    "incomplete" : "no-berats", BUF_STR(&bestwhy));
		}
		buf_free(&why);
		buf_free(&bestwhy);
	}
	free(idx);
	*invp = inv;
	*ninvp = ninv;
	return 0;
fail:
	free(idx);
	free(inv);
	return -1;
}

/* attachable_name - may a file of this name be mailed */
int
attachable_name(const char *name)
{
	size_t	n = strlen(name), i;

	if (n == 0 || name[0] == '.' || strncmp(name, "~$", 2) == 0 ||
	    ascii_strcasecmp(name, "Thumbs.db") == 0 ||
	    ascii_strcasecmp(name, "desktop.ini") == 0)
		return 0;
	if ((n >= 4 && ascii_strcasecmp(name + n - 4, ".tmp") == 0) ||
	    (n >= 5 && ascii_strcasecmp(name + n - 5, ".part") == 0))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)name[i] < ' ' || name[i] == 0x7f)
			return 0;
	return utf8_valid_prefix(name, n) == n;
}

/* period_attachments - the files a period's message carries */
int
period_attachments(const struct scan *s, const struct speriod *p,
    int berats_only, size_t **outp, size_t *nout, size_t *skipped)
{
	const struct sdir *d = &s->dirs[p->folder];
	size_t	*out, n = 0, i;
	int	alone = 1;

	*skipped = 0;
	if ((out = calloc(d->n + 1, sizeof(*out))) == NULL)
		return -1;
	for (i = d->first; i < d->first + d->n; i++) {
		const struct sfile *f = &s->files[i];
		if (f->edf != EDF_NOTEDEFTER && !period_of(f, p))
			alone = 0;
	}
	for (i = d->first; i < d->first + d->n; i++) {
		const struct sfile *f = &s->files[i];
		int mine = period_of(f, p);

		if (berats_only) {
			if (!mine || !(edf_is_berat(f->en.type) ||
			    f->en.type == EDF_DR))
				continue;
		} else if (!mine && !alone)
			continue;
		if (!attachable_name(f->name)) {
			if (mine || alone)
				(*skipped)++;
			continue;
		}
		out[n++] = i;
	}
	*outp = out;
	*nout = n;
	return 0;
}
