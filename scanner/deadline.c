/*
 * deadline - GİB e-Defter upload deadlines and the Deadlines file; see
 * deadline.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "companies.h"
#include "deadline.h"
#include "json.h"
#include "names.h"

#define DAY_LAST	0		/* `last' */
#define OFFSET_MAX	24
#define HOLIDAY_SPAN	31		/* days in one `holiday' range */
#define BAYRAM_GAP	350		/* days between two bayrams of a kind */
#define SEARCH_DAYS	366		/* for the next working day */
#define ALL_MONTHS	0x1ffeu		/* bits 1 to 12 */
#define MONTH_BIT(m)	(1u << (m))
#define MAX_FIELDS	8

struct rule {
	int		 tax;		/* COMPANY_KV, COMPANY_GV, DEADLINE_ANY */
	int		 schedule;	/* COMPANY_MONTHLY, COMPANY_QUARTERLY */
	unsigned	 months;	/* MONTH_BIT(m) for each month covered */
	int		 last;		/* quarterly: the group's last month */
	int		 day;		/* 1..31 or DAY_LAST */
	int		 offset;	/* months after the (last) month */
	unsigned long	 line;
};

struct due {
	int		 tax, schedule;	/* or DEADLINE_ANY */
	long		 from, to;	/* ledger months, year * 12 + month - 1 */
	long		 date;		/* civil_days() */
	unsigned long	 line;
};

struct holiday {
	long		 from, to;	/* civil_days(), inclusive */
	char		*name;		/* NULL: none given */
};

struct deadlines {
	struct rule	*rule;
	size_t		 nrule;
	struct due	*due;
	size_t		 ndue;
	struct holiday	*hol;
	size_t		 nhol;
	struct tr_bayram *bay;		/* the file's, in tr_day()'s form */
	unsigned long	*bay_line;
	size_t		 nbay;
	int		 builtin;	/* fall back on builtin_rules */
	unsigned long	 builtin_line;
};

static const struct rule builtin_rules[] = {
	{ COMPANY_GV, COMPANY_MONTHLY, ALL_MONTHS, 0, 10, 4, 0 },
	{ COMPANY_KV, COMPANY_MONTHLY, ALL_MONTHS, 0, 14, 4, 0 },
};
#define NBUILTIN	(sizeof(builtin_rules) / sizeof(builtin_rules[0]))

static const char builtin_text[] =
    "# Elektronik Defter Genel Tebliği (Sıra No: 4): the 10th (GV) or\n"
    "# 14th (KV) day of the fourth month after the ledger month.  Where\n"
    "# December's berats are due with the annual return instead (May for\n"
    "# KV), a Deadlines file says `monthly KV 12 14 +5'.\n"
    "monthly GV 1-12 10 +4\n"
    "monthly KV 1-12 14 +4\n";

struct tok {
	const char	*s;
	size_t		 n;
};

struct parse {
	const char	*name;
	unsigned long	 line;
	struct buf	*err;
	struct deadlines *dl;
};

static int bad(struct parse *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* deadlines_builtin - the built-in table in the file's syntax */
const char *
deadlines_builtin(void)
{
	return builtin_text;
}

/* bad - report a bad line; returns EINVAL */
static int
bad(struct parse *p, const char *fmt, ...)
{
	va_list	ap;

	buf_printf(p->err, "%s:%lu: ", p->name, p->line);
	va_start(ap, fmt);
	buf_vprintf(p->err, fmt, ap);
	va_end(ap);
	return EINVAL;
}

/* grow - an array of n elements with room for one more, or NULL */
static void *
grow(void *v, size_t n, size_t size)
{
	if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
		return v;		/* room left: grown at 4, 8, 16, ... */
	return realloc(v, (n ? n * 2 : 4) * size);
}

/* tok_is - is the field this word, in ASCII case folding */
static int
tok_is(const struct tok *t, const char *word)
{
	size_t	n = strlen(word);

	return t->n == n && ascii_strncasecmp(t->s, word, n) == 0;
}

/* number - a decimal of at most 4 digits in lo..hi */
static int
number(const char *s, size_t n, int lo, int hi, int *v)
{
	size_t	i;
	int	x = 0;

	if (n == 0 || n > 4)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	if (x < lo || x > hi)
		return -1;
	*v = x;
	return 0;
}

/* parse_month - YYYY-MM as a ledger month index */
static int
parse_month(const char *s, size_t n, long *ym)
{
	int	y, m;

	if (n != 7 || s[4] != '-' || number(s, 4, 1, 9999, &y) < 0 ||
	    number(s + 5, 2, 1, 12, &m) < 0)
		return -1;
	*ym = (long)y * 12 + m - 1;
	return 0;
}

/* parse_date - YYYY-MM-DD as civil_days() */
static int
parse_date(const char *s, size_t n, long *day)
{
	int	y, m, d;

	if (n != 10 || s[4] != '-' || s[7] != '-' ||
	    number(s, 4, 1, 9999, &y) < 0 || number(s + 5, 2, 1, 12, &m) < 0 ||
	    number(s + 8, 2, 1, 31, &d) < 0 || !civil_valid(y, m, d))
		return -1;
	*day = civil_days(y, m, d);
	return 0;
}

/* split_range - cut "A..B" into A and B; B empty when there is no ".." */
static int
split_range(const struct tok *t, struct tok *a, struct tok *b)
{
	size_t	i;

	for (i = 0; i + 1 < t->n; i++)
		if (t->s[i] == '.' && t->s[i + 1] == '.') {
			a->s = t->s, a->n = i;
			b->s = t->s + i + 2, b->n = t->n - i - 2;
			return b->n ? 0 : -1;
		}
	*a = *t;
	b->s = NULL, b->n = 0;
	return 0;
}

/* month_span - the months of N or N-M (wrapping when N > M) */
static int
month_span(const char *s, size_t n, unsigned *mask, int *last)
{
	const char *dash = memchr(s, '-', n);
	int	a, b, m;

	if (dash == NULL) {
		if (number(s, n, 1, 12, &a) < 0)
			return -1;
		b = a;
	} else if (number(s, (size_t)(dash - s), 1, 12, &a) < 0 ||
	    number(dash + 1, n - (size_t)(dash - s) - 1, 1, 12, &b) < 0)
		return -1;
	for (m = a;; m = m % 12 + 1) {
		*mask |= MONTH_BIT(m);
		if (m == b)
			break;
	}
	*last = b;
	return 0;
}

/* parse_months - `*' or a comma-separated list of months and ranges */
static int
parse_months(const struct tok *t, unsigned *mask)
{
	const char *s = t->s, *e = t->s + t->n, *c;
	int	last;

	*mask = 0;
	if (t->n == 1 && *s == '*') {
		*mask = ALL_MONTHS;
		return 0;
	}
	for (;;) {
		if ((c = memchr(s, ',', (size_t)(e - s))) == NULL)
			c = e;
		if (month_span(s, (size_t)(c - s), mask, &last) < 0)
			return -1;
		if (c == e)
			return 0;
		s = c + 1;
	}
}

/* parse_tax - GV, KV or `*' */
static int
parse_tax(struct parse *p, const struct tok *t, int *tax)
{
	if (tok_is(t, "GV"))
		*tax = COMPANY_GV;
	else if (tok_is(t, "KV"))
		*tax = COMPANY_KV;
	else if (tok_is(t, "*"))
		*tax = DEADLINE_ANY;
	else
		return bad(p, "bad tax '%.*s' (expected GV, KV or *)",
		    (int)t->n, t->s);
	return 0;
}

/* parse_schedule - monthly, quarterly or `*' */
static int
parse_schedule(struct parse *p, const struct tok *t, int *schedule)
{
	if (tok_is(t, "monthly"))
		*schedule = COMPANY_MONTHLY;
	else if (tok_is(t, "quarterly"))
		*schedule = COMPANY_QUARTERLY;
	else if (tok_is(t, "*"))
		*schedule = DEADLINE_ANY;
	else
		return bad(p, "bad schedule '%.*s' (expected monthly, "
		    "quarterly or *)", (int)t->n, t->s);
	return 0;
}

/* parse_day_offset - DAY and +N of a rule */
static int
parse_day_offset(struct parse *p, const struct tok *day, const struct tok *off,
    struct rule *r)
{
	if (tok_is(day, "last"))
		r->day = DAY_LAST;
	else if (number(day->s, day->n, 1, 31, &r->day) < 0)
		return bad(p, "bad day '%.*s' (expected 1 to 31 or last)",
		    (int)day->n, day->s);
	if (off->n < 2 || off->s[0] != '+' ||
	    number(off->s + 1, off->n - 1, 1, OFFSET_MAX, &r->offset) < 0)
		return bad(p, "bad month offset '%.*s' (expected +1 to +%d)",
		    (int)off->n, off->s, OFFSET_MAX);
	return 0;
}

/* add_rule - check a rule against the earlier ones and keep it */
static int
add_rule(struct parse *p, const struct rule *r)
{
	struct deadlines *dl = p->dl;
	void	*v;
	size_t	i;

	for (i = 0; i < dl->nrule; i++)
		if (dl->rule[i].tax == r->tax &&
		    dl->rule[i].schedule == r->schedule &&
		    (dl->rule[i].months & r->months))
			return bad(p, "months overlap with line %lu",
			    dl->rule[i].line);
	if ((v = grow(dl->rule, dl->nrule, sizeof(*dl->rule))) == NULL)
		return ENOMEM;
	dl->rule = v;
	dl->rule[dl->nrule++] = *r;
	return 0;
}

/* do_rule - monthly TAX MONTHS DAY +N, quarterly TAX FIRST-LAST DAY +N */
static int
do_rule(struct parse *p, const struct tok *f, size_t nf)
{
	struct rule r;
	int	quarterly = tok_is(&f[0], "quarterly"), e;

	memset(&r, 0, sizeof(r));
	r.line = p->line;
	if (nf != 5)
		return bad(p, "%s: expected TAX %s DAY +N", quarterly ?
		    "quarterly" : "monthly", quarterly ? "FIRST-LAST" : "MONTHS");
	if ((e = parse_tax(p, &f[1], &r.tax)) != 0)
		return e;
	if (quarterly) {
		r.schedule = COMPANY_QUARTERLY;
		if (month_span(f[2].s, f[2].n, &r.months, &r.last) < 0)
			return bad(p, "bad quarter '%.*s' (expected FIRST-LAST,"
			    " months 1 to 12)", (int)f[2].n, f[2].s);
	} else {
		r.schedule = COMPANY_MONTHLY;
		if (parse_months(&f[2], &r.months) < 0)
			return bad(p, "bad months '%.*s' (expected *, N, N-M or"
			    " a list of them, months 1 to 12)", (int)f[2].n,
			    f[2].s);
	}
	if ((e = parse_day_offset(p, &f[3], &f[4], &r)) != 0)
		return e;
	return add_rule(p, &r);
}

/* do_due - due PERIOD TAX SCHEDULE DATE */
static int
do_due(struct parse *p, const struct tok *f, size_t nf)
{
	struct deadlines *dl = p->dl;
	struct tok a, b;
	struct due d;
	void	*v;
	long	end;
	size_t	i;
	int	e;

	if (nf != 5)
		return bad(p, "due: expected PERIOD TAX SCHEDULE DATE");
	memset(&d, 0, sizeof(d));
	d.line = p->line;
	if (split_range(&f[1], &a, &b) < 0 ||
	    parse_month(a.s, a.n, &d.from) < 0 ||
	    parse_month(b.n ? b.s : a.s, b.n ? b.n : a.n, &d.to) < 0)
		return bad(p, "bad period '%.*s' (expected YYYY-MM or "
		    "YYYY-MM..YYYY-MM)", (int)f[1].n, f[1].s);
	if (d.to < d.from)
		return bad(p, "period '%.*s' ends before it starts",
		    (int)f[1].n, f[1].s);
	if ((e = parse_tax(p, &f[2], &d.tax)) != 0 ||
	    (e = parse_schedule(p, &f[3], &d.schedule)) != 0)
		return e;
	if (parse_date(f[4].s, f[4].n, &d.date) < 0)
		return bad(p, "bad date '%.*s' (expected YYYY-MM-DD)",
		    (int)f[4].n, f[4].s);
	end = civil_days((int)(d.to / 12), (int)(d.to % 12) + 1,
	    civil_mdays((int)(d.to / 12), (int)(d.to % 12) + 1));
	if (d.date <= end)
		return bad(p, "due date %.*s is not after the period",
		    (int)f[4].n, f[4].s);
	for (i = 0; i < dl->ndue; i++)
		if (dl->due[i].tax == d.tax &&
		    dl->due[i].schedule == d.schedule &&
		    dl->due[i].from <= d.to && d.from <= dl->due[i].to)
			return bad(p, "period overlaps the due line %lu",
			    dl->due[i].line);
	if ((v = grow(dl->due, dl->ndue, sizeof(*dl->due))) == NULL)
		return ENOMEM;
	dl->due = v;
	dl->due[dl->ndue++] = d;
	return 0;
}

/* do_holiday - holiday DATE[..DATE] [NAME]; name runs to the line's end */
static int
do_holiday(struct parse *p, const struct tok *f, size_t nf, const char *eol)
{
	struct deadlines *dl = p->dl;
	struct holiday h;
	struct tok a, b;
	void	*v;

	if (nf < 2)
		return bad(p, "holiday: expected DATE[..DATE] [NAME]");
	memset(&h, 0, sizeof(h));
	if (split_range(&f[1], &a, &b) < 0 ||
	    parse_date(a.s, a.n, &h.from) < 0 ||
	    parse_date(b.n ? b.s : a.s, b.n ? b.n : a.n, &h.to) < 0)
		return bad(p, "bad date '%.*s' (expected YYYY-MM-DD or "
		    "YYYY-MM-DD..YYYY-MM-DD)", (int)f[1].n, f[1].s);
	if (h.to < h.from)
		return bad(p, "holiday '%.*s' ends before it starts",
		    (int)f[1].n, f[1].s);
	if (h.to - h.from >= HOLIDAY_SPAN)
		return bad(p, "holiday '%.*s' is longer than %d days",
		    (int)f[1].n, f[1].s, HOLIDAY_SPAN);
	if (nf > 2 && (h.name = strndup(f[2].s, (size_t)(eol - f[2].s))) ==
	    NULL)
		return ENOMEM;
	if ((v = grow(dl->hol, dl->nhol, sizeof(*dl->hol))) == NULL) {
		free(h.name);
		return ENOMEM;
	}
	dl->hol = v;
	dl->hol[dl->nhol++] = h;
	return 0;
}

/* do_bayram - bayram ramazan|kurban DATE */
static int
do_bayram(struct parse *p, const struct tok *f, size_t nf)
{
	struct deadlines *dl = p->dl;
	const struct tr_bayram *o;
	struct tr_bayram b;
	void	*v;
	size_t	i;
	long	day;
	int	y, m, d;

	if (nf != 3)
		return bad(p, "bayram: expected ramazan|kurban DATE");
	memset(&b, 0, sizeof(b));
	if (tok_is(&f[1], "ramazan"))
		b.kind = TR_RAMAZAN;
	else if (tok_is(&f[1], "kurban"))
		b.kind = TR_KURBAN;
	else
		return bad(p, "bad bayram '%.*s' (expected ramazan or kurban)",
		    (int)f[1].n, f[1].s);
	if (parse_date(f[2].s, f[2].n, &day) < 0)
		return bad(p, "bad date '%.*s' (expected YYYY-MM-DD)",
		    (int)f[2].n, f[2].s);
	civil_from_days(day, &y, &m, &d);
	b.year = (short)y;
	b.month = (signed char)m;
	b.day = (signed char)d;
	for (i = 0; i < dl->nbay; i++) {
		o = &dl->bay[i];
		if (o->kind == b.kind &&
		    labs(civil_days(o->year, o->month, o->day) - day) <
		    BAYRAM_GAP)
			return bad(p, "%s is within %d days of the one at "
			    "line %lu", tr_bayram_name(b.kind), BAYRAM_GAP,
			    dl->bay_line[i]);
	}
	if ((v = grow(dl->bay, dl->nbay, sizeof(*dl->bay))) == NULL)
		return ENOMEM;
	dl->bay = v;
	if ((v = grow(dl->bay_line, dl->nbay, sizeof(*dl->bay_line))) == NULL)
		return ENOMEM;
	dl->bay_line = v;
	dl->bay_line[dl->nbay] = p->line;
	dl->bay[dl->nbay++] = b;
	return 0;
}

/* do_builtin - builtin yes|no */
static int
do_builtin(struct parse *p, const struct tok *f, size_t nf)
{
	struct deadlines *dl = p->dl;

	if (nf != 2)
		return bad(p, "builtin: expected yes or no");
	if (dl->builtin_line)
		return bad(p, "builtin given twice (first at line %lu)",
		    dl->builtin_line);
	if (tok_is(&f[1], "yes") || tok_is(&f[1], "true") ||
	    tok_is(&f[1], "1"))
		dl->builtin = 1;
	else if (tok_is(&f[1], "no") || tok_is(&f[1], "false") ||
	    tok_is(&f[1], "0"))
		dl->builtin = 0;
	else
		return bad(p, "bad value '%.*s' (expected yes or no)",
		    (int)f[1].n, f[1].s);
	dl->builtin_line = p->line;
	return 0;
}

/* parse_line - one line, without its line end */
static int
parse_line(struct parse *p, const char *s, size_t n)
{
	struct tok f[MAX_FIELDS];
	const char *e, *q;
	size_t	nf = 0, i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') ||
		    s[i] == 0x7f)
			return bad(p, "control character 0x%02x",
			    (unsigned char)s[i]);
	if (utf8_valid_prefix(s, n) != n)
		return bad(p, "not valid UTF-8");
	for (i = 0; i < n; i++)
		if (s[i] == '#' && (i == 0 || s[i - 1] == ' ' ||
		    s[i - 1] == '\t')) {
			n = i;
			break;
		}
	e = s + n;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	for (q = s;;) {
		while (q < e && (*q == ' ' || *q == '\t'))
			q++;
		if (q == e)
			break;
		if (nf == MAX_FIELDS)
			return bad(p, "too many fields");
		f[nf].s = q;
		while (q < e && *q != ' ' && *q != '\t')
			q++;
		f[nf].n = (size_t)(q - f[nf].s);
		/* a holiday's name keeps its inner blanks: stop splitting */
		if (nf++ == 2 && tok_is(&f[0], "holiday"))
			break;
	}
	if (nf == 0)
		return 0;
	if (tok_is(&f[0], "monthly") || tok_is(&f[0], "quarterly"))
		return do_rule(p, f, nf);
	if (tok_is(&f[0], "due"))
		return do_due(p, f, nf);
	if (tok_is(&f[0], "holiday"))
		return do_holiday(p, f, nf, e);
	if (tok_is(&f[0], "bayram"))
		return do_bayram(p, f, nf);
	if (tok_is(&f[0], "builtin"))
		return do_builtin(p, f, nf);
	return bad(p, "unknown directive '%.*s'", (int)f[0].n, f[0].s);
}

/* deadlines_parse - read a Deadlines file from memory */
int
deadlines_parse(const char *data, size_t len, const char *name,
    struct deadlines **dp, struct buf *err)
{
	struct parse p;
	const char *s = data, *end = data + len, *nl;
	size_t	n;
	int	e = 0;

	*dp = NULL;
	if (len > DEADLINES_MAX_SIZE) {
		buf_printf(err, "%s: larger than %d bytes", name,
		    DEADLINES_MAX_SIZE);
		return EFBIG;
	}
	memset(&p, 0, sizeof(p));
	p.name = name;
	p.err = err;
	if ((p.dl = calloc(1, sizeof(*p.dl))) == NULL)
		return ENOMEM;
	p.dl->builtin = 1;
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	while (s < end) {
		p.line++;
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			nl = end;
		n = (size_t)(nl - s);
		if (n && s[n - 1] == '\r')
			n--;
		if ((e = parse_line(&p, s, n)) != 0)
			break;
		s = nl < end ? nl + 1 : end;
	}
	if (e == ENOMEM)
		buf_printf(err, "%s: %s", name, strerror(ENOMEM));
	if (e) {
		deadlines_free(p.dl);
		return e;
	}
	*dp = p.dl;
	return 0;
}

/* deadlines_load - read and parse a Deadlines file */
int
deadlines_load(const char *path, struct deadlines **dp, struct buf *err)
{
	struct buf data = BUF_INIT;
	ssize_t	n;
	int	fd, e;

	*dp = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		e = errno;
		goto fail;
	}
	for (;;) {
		if (buf_reserve(&data, 8192) < 0) {
			e = ENOMEM;
			goto fail;
		}
		if ((n = read(fd, data.data + data.len, 8192)) < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			goto fail;
		}
		if (n == 0)
			break;
		data.len += (size_t)n;
		if (data.len > DEADLINES_MAX_SIZE)
			break;		/* deadlines_parse() says EFBIG */
	}
	close(fd);
	e = deadlines_parse(BUF_STR(&data), data.len, path, dp, err);
	buf_free(&data);
	return e;
fail:
	if (fd >= 0)
		close(fd);
	buf_free(&data);
	buf_printf(err, "%s: %s", path, strerror(e));
	return e;
}

/* deadlines_free - release a table; NULL is fine */
void
deadlines_free(struct deadlines *dl)
{
	size_t	i;

	if (dl == NULL)
		return;
	for (i = 0; i < dl->nhol; i++)
		free(dl->hol[i].name);
	free(dl->rule);
	free(dl->due);
	free(dl->hol);
	free(dl->bay);
	free(dl->bay_line);
	free(dl);
}

/* day_kind - TR_HOLIDAY, TR_HALF_DAY or TR_WORKDAY (weekends aside) */
static int
day_kind(const struct deadlines *dl, long day, const char **name)
{
	size_t	i;
	int	k;

	k = tr_day(day, dl ? dl->bay : NULL, dl ? dl->nbay : 0, name);
	for (i = 0; k != TR_HOLIDAY && dl && i < dl->nhol; i++)
		if (day >= dl->hol[i].from && day <= dl->hol[i].to) {
			*name = dl->hol[i].name ? dl->hol[i].name : "Ek tatil";
			k = TR_HOLIDAY;
		}
	return k;
}

/* working - is the day a working day */
static int
working(const struct deadlines *dl, long day)
{
	const char *name;
	long	w = (day + 3) % 7;		/* 0 Monday .. 6 Sunday */

	if (w < 0)
		w += 7;
	return w < 5 && day_kind(dl, day, &name) != TR_HOLIDAY;
}

/* deadlines_holiday - is the date a full holiday */
int
deadlines_holiday(const struct deadlines *dl, int y, int m, int d,
    const char **name)
{
	const char *n = NULL;

	if (!civil_valid(y, m, d) ||
	    day_kind(dl, civil_days(y, m, d), &n) != TR_HOLIDAY)
		return 0;
	if (name)
		*name = n;
	return 1;
}

/* deadlines_half_day - is the date a half day (and no full holiday) */
int
deadlines_half_day(const struct deadlines *dl, int y, int m, int d,
    const char **name)
{
	const char *n = NULL;

	if (!civil_valid(y, m, d) ||
	    day_kind(dl, civil_days(y, m, d), &n) != TR_HALF_DAY)
		return 0;
	if (name)
		*name = n;
	return 1;
}

/* deadlines_working_day - Monday to Friday and no full holiday */
int
deadlines_working_day(const struct deadlines *dl, int y, int m, int d)
{
	return civil_valid(y, m, d) && working(dl, civil_days(y, m, d));
}

/* deadlines_religious_known - are the year's bayrams known */
int
deadlines_religious_known(const struct deadlines *dl, int y)
{
	return tr_bayrams_known(y, dl ? dl->bay : NULL, dl ? dl->nbay : 0);
}

/* find_rule - the rule for a month: the tax's own, else one for `*' */
static const struct rule *
find_rule(const struct rule *v, size_t n, int tax, int schedule, int month)
{
	const struct rule *any = NULL;
	size_t	i;

	for (i = 0; i < n; i++) {
		if (v[i].schedule != schedule ||
		    (v[i].months & MONTH_BIT(month)) == 0)
			continue;
		if (v[i].tax == tax)
			return &v[i];
		if (v[i].tax == DEADLINE_ANY && any == NULL)
			any = &v[i];
	}
	return any;
}

/* find_due - the most specific `due' line for a ledger month */
static const struct due *
find_due(const struct deadlines *dl, int tax, int schedule, long ym)
{
	const struct due *best = NULL, *d;
	size_t	i;
	int	rank, best_rank = -1;

	for (i = 0; dl && i < dl->ndue; i++) {
		d = &dl->due[i];
		if (ym < d->from || ym > d->to ||
		    (d->tax != tax && d->tax != DEADLINE_ANY) ||
		    (d->schedule != schedule && d->schedule != DEADLINE_ANY))
			continue;
		rank = (d->tax == tax) * 2 + (d->schedule == schedule);
		if (rank > best_rank) {
			best = d;
			best_rank = rank;
		}
	}
	return best;
}

/* deadline_of - the upload deadline of a ledger month */
int
deadline_of(const struct deadlines *dl, int tax, int schedule, int year,
    int month, int *dy, int *dm, int *dd, int *flags)
{
	const struct rule *r = NULL;
	const struct due *du;
	long	ym, day;
	int	f = 0, i, y, m, d;

	if (flags)
		*flags = 0;
	if ((tax != COMPANY_KV && tax != COMPANY_GV) ||
	    (schedule != COMPANY_MONTHLY && schedule != COMPANY_QUARTERLY) ||
	    year < 1 || year > 9999 || month < 1 || month > 12)
		return EINVAL;
	ym = (long)year * 12 + month - 1;
	if ((du = find_due(dl, tax, schedule, ym)) != NULL) {
		day = du->date;
		f |= DEADLINE_OVERRIDE;
	} else {
		if (dl)
			r = find_rule(dl->rule, dl->nrule, tax, schedule,
			    month);
		if (r == NULL && (dl == NULL || dl->builtin))
			r = find_rule(builtin_rules, NBUILTIN, tax, schedule,
			    month);
		if (r == NULL)
			return ENOENT;
		if (r->schedule == COMPANY_QUARTERLY)
			ym += (r->last - month + 12) % 12;
		ym += r->offset;
		y = (int)(ym / 12);
		m = (int)(ym % 12) + 1;
		if (y > 9999)
			return ERANGE;
		d = civil_mdays(y, m);
		if (r->day != DAY_LAST && r->day < d)
			d = r->day;
		day = civil_days(y, m, d);
	}
	for (i = 0;; i++, day++) {
		civil_from_days(day, &y, &m, &d);
		if (y > 9999 || i == SEARCH_DAYS)
			return ERANGE;
		if (!deadlines_religious_known(dl, y))
			f |= DEADLINE_NO_RELIGIOUS;
		if (working(dl, day))
			break;
		f |= DEADLINE_MOVED;
	}
	*dy = y;
	*dm = m;
	*dd = d;
	if (flags)
		*flags = f;
	return 0;
}
