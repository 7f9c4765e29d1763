/*
 * NAME
 *	months - the office's calendar: every company's months, deadlines
 * DESCRIPTION
 *	pass_fill_months() adds, for every company of the companies file,
 *	a `missing' period for each month from SendFrom (else the
 *	company's earliest period on the share) to last month that the
 *	share has no file of, so that status shows a month nobody has
 *	started as well as one that is under way.  Such a period has no
 *	folder (SPERIOD_NO_FOLDER).  The periods are then sorted again by
 *	id and month.
 *
 *	pass_deadline() gives a period its GIB upload deadline
 *	(deadline.h: the built-in table or the Deadlines file, by the
 *	company's tax and schedule; a company not in the file is KV for a
 *	VKN and GV for a TCKN, monthly) and marks it overdue when its GIB
 *	berats are not all there (missing, incomplete) after that day.
 *	Today is the local date: deadlines are Turkish calendar days.
 * DIAGNOSTICS
 *	pass_fill_months() returns 0, or -1 when memory runs out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deadline.h"
#include "pass.h"

/* by_period - id, then year and month */
static int
by_period(const void *a, const void *b)
{
	const struct speriod *x = a, *y = b;
	int	c;

	if ((c = strcmp(x->id, y->id)) != 0)
		return c;
	return (x->year * 12 + x->month) - (y->year * 12 + y->month);
}

/* this_month - the local year * 12 + month - 1 of now */
static int
this_month(time_t now)
{
	struct tm tm;

	localtime_r(&now, &tm);
	return (tm.tm_year + 1900) * 12 + tm.tm_mon;
}

/* first_of - the index of the first of the n periods (sorted by id and
 * month) whose id is id, or n */
static size_t
first_of(const struct speriod *v, size_t n, const char *id)
{
	size_t	lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(v[mid].id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && strcmp(v[lo].id, id) == 0 ? lo : n;
}

/* pass_fill_months - a missing row for every month without files; the
 * periods of the walk are in id and month order (periods_group) */
int
pass_fill_months(struct pass *p)
{
	struct scan *s = &p->s;
	size_t	i, j, n0 = s->nperiods;
	int	last = this_month(s->now) - 1, first, m;

	for (i = 0; i < p->co.n; i++) {
		const struct company *c = &p->co.v[i];

		j = first_of(s->periods, n0, c->id);
		first = p->cf->send_from;
		if (first == 0 && j < n0)
			first = s->periods[j].year * 12 + s->periods[j].month - 1;
		if (first == 0)
			continue;	/* nothing on the share, no SendFrom */
		for (m = first; m <= last; m++) {
			struct speriod *v;

			while (j < n0 && strcmp(s->periods[j].id, c->id) == 0 &&
			    s->periods[j].year * 12 + s->periods[j].month - 1 < m)
				j++;
			if (j < n0 && strcmp(s->periods[j].id, c->id) == 0 &&
			    s->periods[j].year * 12 + s->periods[j].month - 1 == m)
				continue;
			if ((v = realloc(s->periods, (s->nperiods + 1) *
			    sizeof(*v))) == NULL)
				return -1;
			s->periods = v;
			v = &s->periods[s->nperiods++];
			memset(v, 0, sizeof(*v));
			snprintf(v->id, sizeof(v->id), "%s", c->id);
			v->year = m / 12;
			v->month = m % 12 + 1;
			v->folder = SPERIOD_NO_FOLDER;
			v->state = P_MISSING;
			buf_adds(&v->reason, "reason=no-files (nothing on the "
			    "share for this month)");
		}
	}
	if (s->nperiods > n0)
		qsort(s->periods, s->nperiods, sizeof(*s->periods), by_period);
	return 0;
}

/* the deadlines already worked out this pass (forgotten at its first
 * period): deadline_of() is a function of its arguments, and most
 * periods share a month */
struct dl_memo {
	const struct deadlines *dl;
	int	tax, schedule, ym, rc, y, m, d, flags, used;
};

static struct dl_memo memo[256];

/* deadline_memo - deadline_of(), remembered */
static int
deadline_memo(const struct deadlines *dl, int tax, int schedule, int year,
    int month, int *y, int *m, int *d, int *flags)
{
	int	ym = year * 12 + month - 1;
	struct dl_memo *e = &memo[((unsigned)ym * 4 + (unsigned)tax * 2 +
	    (unsigned)schedule) % 256];

	if (!e->used || e->dl != dl || e->tax != tax || e->schedule !=
	    schedule || e->ym != ym) {
		e->dl = dl;
		e->tax = tax;
		e->schedule = schedule;
		e->ym = ym;
		e->flags = 0;
		e->rc = deadline_of(dl, tax, schedule, year, month, &e->y, &e->m,
		    &e->d, &e->flags);
		e->used = 1;
	}
	if (e->rc == 0) {
		*y = e->y;
		*m = e->m;
		*d = e->d;
		*flags = e->flags;
	}
	return e->rc;
}

/* pass_deadline - the period's deadline and whether it is overdue */
void
pass_deadline(struct pass *p, struct speriod *sp, const struct company *c)
{
	static time_t at = (time_t)-1;
	static int today;
	struct tm tm;
	int	tax, schedule, y, m, d, flags = 0;

	if (sp == p->s.periods) {	/* a new pass: a new table perhaps */
		memset(memo, 0, sizeof(memo));
		at = (time_t)-1;
	}
	sp->deadline[0] = '\0';
	sp->overdue = 0;
	tax = c ? c->tax : strlen(sp->id) == 11 ? COMPANY_GV : COMPANY_KV;
	schedule = c ? c->schedule : COMPANY_MONTHLY;
	if (deadline_memo(p->deadlines, tax, schedule, sp->year, sp->month,
	    &y, &m, &d, &flags) != 0)
		return;
	snprintf(sp->deadline, sizeof(sp->deadline), "%04d-%02d-%02d", y, m,
	    d);
	if (at != p->s.now) {
		localtime_r(&p->s.now, &tm);
		today = (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 +
		    tm.tm_mday;
		at = p->s.now;
	}
	sp->overdue = (sp->state == P_MISSING || sp->state == P_INCOMPLETE) &&
	    today > y * 10000 + m * 100 + d;
}
