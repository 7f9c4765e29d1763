/*
 * NAME
 *	deadline - GİB e-Defter upload deadlines and the Turkish calendar
 * SYNOPSIS
 *	#include "deadline.h"
 *
 *	int	deadlines_load(const char *path, struct deadlines **dp,
 *		    struct buf *err);
 *	int	deadlines_parse(const char *data, size_t len,
 *		    const char *name, struct deadlines **dp, struct buf *err);
 *	void	deadlines_free(struct deadlines *dl);
 *	const char *deadlines_builtin(void);
 *
 *	int	deadline_of(const struct deadlines *dl, int tax, int schedule,
 *		    int year, int month, int *dy, int *dm, int *dd,
 *		    int *flags);
 *
 *	int	deadlines_holiday(const struct deadlines *dl, int y, int m,
 *		    int d, const char **name);
 *	int	deadlines_half_day(const struct deadlines *dl, int y, int m,
 *		    int d, const char **name);
 *	int	deadlines_working_day(const struct deadlines *dl, int y,
 *		    int m, int d);
 *	int	deadlines_religious_known(const struct deadlines *dl, int y);
 *	int	tr_holiday(int y, int m, int d, const char **name);
 *	int	tr_half_day(int y, int m, int d, const char **name);
 *	int	tr_working_day(int y, int m, int d);
 *	int	tr_religious_known(int y);
 *	int	tr_day(long day, const struct tr_bayram *extra, size_t nextra,
 *		    const char **name);
 *	int	tr_bayrams_known(int y, const struct tr_bayram *extra,
 *		    size_t nextra);
 *
 *	long	civil_days(int y, int m, int d);
 *	void	civil_from_days(long days, int *y, int *m, int *d);
 *	int	civil_weekday(int y, int m, int d);
 *	int	civil_mdays(int y, int m);
 *	int	civil_valid(int y, int m, int d);
 * DESCRIPTION
 *	deadline_of() gives the last day on which the berats of ledger
 *	month year-month must be uploaded, for a company of the tax
 *	(COMPANY_KV, COMPANY_GV) and schedule (COMPANY_MONTHLY,
 *	COMPANY_QUARTERLY) of companies.h.  dl is a table read by
 *	deadlines_load(), or NULL for the built-in one.  The date, a `due'
 *	date too, is moved off Saturdays, Sundays and holidays to the next
 *	working day (VUK md. 18); *flags tells DEADLINE_MOVED when it was, DEADLINE_OVERRIDE
 *	when it came from a `due' line, and DEADLINE_NO_RELIGIOUS when one
 *	of the days looked at lies in a year whose religious holidays are
 *	not known, so that the date may be early.
 *
 *	The built-in table (the Elektronik Defter Genel Tebliği in force)
 *	is, in the file's own syntax (deadlines_builtin() returns it):
 *
 *		monthly GV 1-12 10 +4
 *		monthly KV 1-12 14 +4
 *
 *	a ledger month is due on the 10th (gelir vergisi) or 14th
 *	(kurumlar vergisi) day of the fourth month after it, December
 *	included.  Summaries of the Tebliğ put December with the annual
 *	return (for KV, the month after April's return: May); an office
 *	that follows that says `monthly KV 12 14 +5' in its Deadlines file.
 *	It has no quarterly rules.
 *
 *	The Deadlines file holds one directive per line; `#' at the start
 *	of a line or after white space starts a comment; fields are
 *	separated by blanks; keywords, taxes and schedules are
 *	case-insensitive (ASCII); a UTF-8 byte order mark is skipped.
 *
 *	monthly TAX MONTHS DAY +N
 *		Ledger months MONTHS of monthly companies of TAX are due on
 *		day DAY of the Nth month after the ledger month.
 *	quarterly TAX FIRST-LAST DAY +N
 *		Months FIRST to LAST form one group (a quarter) for
 *		quarterly companies of TAX; each of them is due on day DAY
 *		of the Nth month after LAST.  FIRST > LAST wraps over the
 *		year end (11-1 is November, December, January).
 *	due PERIOD TAX SCHEDULE DATE
 *		Ledger month PERIOD (YYYY-MM, or YYYY-MM..YYYY-MM for a
 *		range) is due on DATE (YYYY-MM-DD) instead: an extension
 *		announced by GİB.  DATE must be after the period.
 *	holiday DATE[..DATE] [NAME]
 *		An extra day off, or a range of them (at most 31 days).
 *	bayram ramazan|kurban DATE
 *		The first day of a Ramazan (3 days) or Kurban (4 days)
 *		Bayramı, its arife the day before being a half day.  The
 *		lines for a kind and year replace the built-in ones, and
 *		a year with lines for both kinds counts as known.
 *	builtin yes|no
 *		no: never use the built-in rules (default yes).
 *
 *	TAX is GV, KV or `*' (either); SCHEDULE is monthly, quarterly or
 *	`*'; MONTHS is `*' or a comma-separated list of months (1 to 12)
 *	and ranges (N-M, wrapping when N > M); DAY is 1 to 31 or `last',
 *	and a day past the end of the month means its last day; N is 1 to
 *	24.  For a ledger month, a `due' line wins over the rules; among
 *	rules one naming the tax wins over one with `*', and among `due'
 *	lines one naming the tax, then one naming the schedule; the file's
 *	rules win over the built-in ones,
 *	which apply where none of the file's match (unless `builtin no').
 *	Two rules, or two `due' lines, with the same tax and schedule may
 *	not cover the same month.  A quarterly company with no quarterly
 *	rule has no deadline.  Rules and `due' lines apply to every company
 *	of a tax and schedule and follow the calendar year: the closing
 *	month of a special accounting period (özel hesap dönemi) gets the
 *	ordinary rule of its month.
 *
 *	Holidays: the fixed-date ones of 2429 sayılı Kanun (1 Ocak, 23
 *	Nisan, 1 Mayıs from 2009, 19 Mayıs, 15 Temmuz from 2017, 30
 *	Ağustos, 29 Ekim), the Ramazan and Kurban Bayramı of tr_bayrams[]
 *	(2020 to 2035) or the file, and the file's `holiday' lines.  The
 *	half days (28 Ekim and each arife, from 13.00) are working days:
 *	an office and GİB are open in the morning.  tr_holiday() and
 *	tr_half_day() return 1 with *name (Turkish, static) set when the
 *	day is a full holiday, or a half day that is no full holiday; the
 *	name of a national holiday is given when a bayram falls on it too.
 *	tr_working_day() is 1 on Monday to Friday outside full holidays.
 *	All three return 0 for an invalid date.  tr_religious_known()
 *	tells whether the table covers the year.  The deadlines_*() forms
 *	add a file's holidays and bayrams (dl may be NULL); names from the
 *	file live as long as dl.  Under them, tr_day() says TR_HOLIDAY,
 *	TR_HALF_DAY or TR_WORKDAY of a day number, weekends aside, with
 *	extra bayrams replacing the table's of their kind and year, and
 *	tr_bayrams_known() whether a year's bayrams are known.
 *
 *	civil_days() counts days from 1970-01-01 in the proleptic Gregorian
 *	calendar (no time zone, no locale); civil_from_days() is its
 *	inverse; civil_weekday() is 1 for Monday to 7 for Sunday;
 *	civil_mdays() is the length of a month (0 for a bad month);
 *	civil_valid() checks a date of years 1 to 9999.
 * DIAGNOSTICS
 *	deadlines_load() and deadlines_parse() return 0 and set *dp, or an
 *	errno value with a one-line message in err: EINVAL for a bad line
 *	(`FILE:LINE: what is wrong', the first one only), that of open(2)
 *	or read(2) (`FILE: reason'), EFBIG above DEADLINES_MAX_SIZE,
 *	ENOMEM.  The caller exits 78 (EX_CONFIG) on any of them.
 *
 *	deadline_of() returns 0 with the date set, ENOENT when no rule
 *	covers the month (*flags is then 0 and the date left alone),
 *	EINVAL for a bad argument, ERANGE when no working day follows
 *	within a year.
 */
#ifndef EDEFTER_DEADLINE_H
#define EDEFTER_DEADLINE_H

#include <stddef.h>

#include "buf.h"

#define DEADLINES_MAX_SIZE	(1024 * 1024)

#define DEADLINE_ANY		(-1)	/* `*' for a tax or schedule */

#define DEADLINE_MOVED		0x01	/* moved to the next working day */
#define DEADLINE_OVERRIDE	0x02	/* from a `due' line */
#define DEADLINE_NO_RELIGIOUS	0x04	/* religious holidays unknown */

struct deadlines;

int	deadlines_load(const char *, struct deadlines **, struct buf *);
int	deadlines_parse(const char *, size_t, const char *,
	    struct deadlines **, struct buf *);
void	deadlines_free(struct deadlines *);
const char *deadlines_builtin(void);

int	deadline_of(const struct deadlines *, int tax, int schedule,
	    int year, int month, int *dy, int *dm, int *dd, int *flags);

int	deadlines_holiday(const struct deadlines *, int, int, int,
	    const char **);
int	deadlines_half_day(const struct deadlines *, int, int, int,
	    const char **);
int	deadlines_working_day(const struct deadlines *, int, int, int);
int	deadlines_religious_known(const struct deadlines *, int);

int	tr_holiday(int, int, int, const char **);
int	tr_half_day(int, int, int, const char **);
int	tr_working_day(int, int, int);
int	tr_religious_known(int);

long	civil_days(int, int, int);
void	civil_from_days(long, int *, int *, int *);
int	civil_weekday(int, int, int);
int	civil_mdays(int, int);
int	civil_valid(int, int, int);

/* The tables, in holidays.c. */
enum tr_bayram_kind { TR_RAMAZAN, TR_KURBAN };

#define TR_BAYRAM_FIRST_YEAR	2020
#define TR_BAYRAM_LAST_YEAR	2035

struct tr_bayram {
	short		 kind;		/* enum tr_bayram_kind */
	short		 year;
	signed char	 month, day;	/* the first day, not the arife */
};

struct tr_fixed {
	signed char	 month, day;
	short		 since;		/* first year, 0: always */
	unsigned char	 half;		/* from 13.00 only */
	const char	*name;
};

extern const struct tr_bayram tr_bayrams[];
extern const size_t tr_nbayrams;
extern const struct tr_fixed tr_fixed_holidays[];
extern const size_t tr_nfixed;

enum { TR_WORKDAY, TR_HOLIDAY, TR_HALF_DAY };	/* tr_day() */

int	tr_day(long, const struct tr_bayram *, size_t, const char **);
int	tr_bayrams_known(int, const struct tr_bayram *, size_t);
int	tr_bayram_length(int);
const char *tr_bayram_name(int);
const char *tr_bayram_eve_name(int);

#endif
