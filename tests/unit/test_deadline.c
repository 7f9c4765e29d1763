/*
 * test_deadline - civil dates, the Turkish holidays, the built-in e-Defter
 * deadlines and the Deadlines file with its errors.  Every expected date
 * was worked out by hand from the rule and a calendar.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "companies.h"
#include "deadline.h"

#define KV	COMPANY_KV
#define GV	COMPANY_GV
#define MON	COMPANY_MONTHLY
#define QUA	COMPANY_QUARTERLY

static struct buf err = BUF_INIT;

/* describe - a deadline_of() result as text: "2025-05-12 moved" */
static const char *
describe(const struct deadlines *dl, int tax, int schedule, int y, int m)
{
	static char out[64];
	int	dy = 0, dm = 0, dd = 0, flags = -1, e;

	e = deadline_of(dl, tax, schedule, y, m, &dy, &dm, &dd, &flags);
	if (e == ENOENT)
		snprintf(out, sizeof(out), "ENOENT flags %d", flags);
	else if (e == EINVAL)
		snprintf(out, sizeof(out), "EINVAL");
	else if (e)
		snprintf(out, sizeof(out), "error %d", e);
	else
		snprintf(out, sizeof(out), "%04d-%02d-%02d%s%s%s", dy, dm, dd,
		    flags & DEADLINE_MOVED ? " moved" : "",
		    flags & DEADLINE_OVERRIDE ? " override" : "",
		    flags & DEADLINE_NO_RELIGIOUS ? " unsure" : "");
	return out;
}

#define DUE(dl, tax, sch, y, m, want) \
	CHECK_STR(describe((dl), (tax), (sch), (y), (m)), (want), \
	    "%s %s %04d-%02d due %s", #tax, #sch, (y), (m), (want))

/* parse - a table that must parse */
static struct deadlines *
parse(const char *text)
{
	struct deadlines *dl = NULL;
	int	e;

	buf_reset(&err);
	e = deadlines_parse(text, strlen(text), "t.conf", &dl, &err);
	if (e)
		printf("# unexpected: %s\n", BUF_STR(&err));
	return dl;
}

/* refused - a table that must fail with this message */
static void
refused(const char *text, size_t len, const char *want)
{
	struct deadlines *dl = (struct deadlines *)&err;	/* not NULL */
	int	e;

	buf_reset(&err);
	e = deadlines_parse(text, len, "t.conf", &dl, &err);
	CHECK(e == EINVAL && dl == NULL, "refused (EINVAL, no table): %s",
	    want);
	CHECK_STR(BUF_STR(&err), want, "message: %s", want);
	deadlines_free(e ? NULL : dl);
}

#define REFUSED(lit, want)	refused((lit), sizeof(lit) - 1, (want))

/* holiday_name - the name of a full holiday, or "-" */
static const char *
holiday_name(const struct deadlines *dl, int y, int m, int d)
{
	const char *name = NULL;

	if (!deadlines_holiday(dl, y, m, d, &name))
		return "-";
	return name;
}

/* half_name - the name of a half day, or "-" */
static const char *
half_name(const struct deadlines *dl, int y, int m, int d)
{
	const char *name = NULL;

	if (!deadlines_half_day(dl, y, m, d, &name))
		return "-";
	return name;
}

static void
test_civil(void)
{
	long	z, first = civil_days(1, 1, 1), last = civil_days(9999, 12, 31);
	int	y, m, d, ok = 1, prev = 0;

	CHECK(civil_days(1970, 1, 1) == 0, "1970-01-01 is day 0");
	CHECK(civil_days(2000, 3, 1) == 11017, "2000-03-01 is day 11017");
	CHECK(civil_days(1900, 1, 1) == -25567, "1900-01-01 is day -25567");
	CHECK(civil_days(2400, 12, 31) == 157419, "2400-12-31 is day 157419");
	CHECK(civil_days(2024, 3, 1) - civil_days(2024, 2, 28) == 2,
	    "2024 has a 29 February");
	CHECK(civil_days(2025, 3, 1) - civil_days(2025, 2, 28) == 1,
	    "2025 has none");
	CHECK(civil_days(2100, 3, 1) - civil_days(2100, 2, 28) == 1,
	    "2100 has none");
	CHECK(civil_days(2000, 3, 1) - civil_days(2000, 2, 28) == 2,
	    "2000 has one");

	for (z = first; z <= last; z += 7) {
		civil_from_days(z, &y, &m, &d);
		if (civil_days(y, m, d) != z || !civil_valid(y, m, d) ||
		    (z > first && d != prev + 7 && d > 7)) {
			ok = 0;
			break;
		}
		prev = d;
	}
	CHECK(ok, "civil_from_days inverts civil_days, years 1 to 9999");
	civil_from_days(civil_days(2024, 2, 29), &y, &m, &d);
	CHECK(y == 2024 && m == 2 && d == 29, "2024-02-29 round trip");

	CHECK(civil_weekday(2025, 1, 1) == 3, "2025-01-01 is a Wednesday");
	CHECK(civil_weekday(2024, 2, 29) == 4, "2024-02-29 is a Thursday");
	CHECK(civil_weekday(2025, 5, 10) == 6, "2025-05-10 is a Saturday");
	CHECK(civil_weekday(2023, 4, 23) == 7, "2023-04-23 is a Sunday");
	CHECK(civil_weekday(1900, 1, 1) == 1, "1900-01-01 was a Monday");
	CHECK(civil_weekday(1, 1, 1) == 1, "0001-01-01 was a Monday");
	CHECK(civil_weekday(9999, 12, 31) == 5, "9999-12-31 is a Friday");

	CHECK(civil_mdays(2024, 2) == 29 && civil_mdays(2025, 2) == 28 &&
	    civil_mdays(1900, 2) == 28 && civil_mdays(2000, 2) == 29,
	    "February lengths");
	CHECK(civil_mdays(2025, 4) == 30 && civil_mdays(2025, 12) == 31 &&
	    civil_mdays(2025, 13) == 0, "other months");
	CHECK(civil_valid(2024, 2, 29) && !civil_valid(2025, 2, 29) &&
	    !civil_valid(2025, 13, 1) && !civil_valid(2025, 4, 31) &&
	    !civil_valid(0, 1, 1) && !civil_valid(2025, 1, 0),
	    "civil_valid");
}

static void
test_fixed_holidays(void)
{
	const char *n = NULL;

	CHECK_STR(holiday_name(NULL, 2025, 1, 1), "Yılbaşı", "1 Ocak");
	CHECK_STR(holiday_name(NULL, 2025, 4, 23),
	    "Ulusal Egemenlik ve Çocuk Bayramı", "23 Nisan");
	CHECK_STR(holiday_name(NULL, 2025, 5, 1), "Emek ve Dayanışma Günü",
	    "1 Mayıs");
	CHECK_STR(holiday_name(NULL, 2008, 5, 1), "-",
	    "1 Mayıs was no holiday before 2009");
	CHECK_STR(holiday_name(NULL, 2025, 5, 19),
	    "Atatürk'ü Anma, Gençlik ve Spor Bayramı", "19 Mayıs");
	CHECK_STR(holiday_name(NULL, 2017, 7, 15),
	    "Demokrasi ve Millî Birlik Günü", "15 Temmuz from 2017");
	CHECK_STR(holiday_name(NULL, 2016, 7, 15), "-",
	    "15 Temmuz was no holiday in 2016");
	CHECK_STR(holiday_name(NULL, 2025, 8, 30), "Zafer Bayramı",
	    "30 Ağustos");
	CHECK_STR(holiday_name(NULL, 2025, 10, 29), "Cumhuriyet Bayramı",
	    "29 Ekim");
	CHECK_STR(holiday_name(NULL, 2025, 10, 28), "-",
	    "28 Ekim is no full holiday");
	CHECK_STR(half_name(NULL, 2025, 10, 28), "Cumhuriyet Bayramı arifesi",
	    "28 Ekim is a half day");
	CHECK(tr_working_day(2025, 10, 28), "28 Ekim 2025 (Tuesday) counts "
	    "as a working day");
	CHECK(!tr_working_day(2025, 10, 29), "29 Ekim does not");
	CHECK(tr_holiday(2025, 5, 19, &n) == 1 && n &&
	    strcmp(n, "Atatürk'ü Anma, Gençlik ve Spor Bayramı") == 0,
	    "tr_holiday gives the name");
	CHECK(tr_holiday(2025, 5, 20, NULL) == 0, "20 Mayıs is not one");
	CHECK(tr_holiday(2025, 2, 30, NULL) == 0 && !tr_working_day(2025, 2,
	    30), "an invalid date is neither");
	CHECK(!tr_working_day(2025, 5, 10) && !tr_working_day(2025, 5, 11) &&
	    tr_working_day(2025, 5, 12), "Saturday and Sunday are not "
	    "working days, Monday is");
}

static void
test_religious(void)
{
	size_t	i, j;
	long	prev, day;
	int	ok, y;

	/* Ramazan Bayramı 2025: arife Sat 29 March, 30 March - 1 April */
	CHECK_STR(half_name(NULL, 2025, 3, 29), "Ramazan Bayramı arifesi",
	    "2025-03-29 arife");
	CHECK_STR(holiday_name(NULL, 2025, 3, 30), "Ramazan Bayramı",
	    "2025-03-30 first day");
	CHECK_STR(holiday_name(NULL, 2025, 4, 1), "Ramazan Bayramı",
	    "2025-04-01 third day");
	CHECK_STR(holiday_name(NULL, 2025, 4, 2), "-", "2025-04-02 after it");
	/* 2026: Ramazan 20-22 March (Fri-Sun), Kurban 27-30 May (Wed-Sat) */
	CHECK_STR(half_name(NULL, 2026, 3, 19), "Ramazan Bayramı arifesi",
	    "2026-03-19 arife");
	CHECK(tr_working_day(2026, 3, 19), "the arife (Thursday) is a "
	    "working day");
	CHECK_STR(holiday_name(NULL, 2026, 3, 22), "Ramazan Bayramı",
	    "2026-03-22");
	CHECK(tr_working_day(2026, 3, 23), "2026-03-23 (Monday) works");
	CHECK_STR(half_name(NULL, 2026, 5, 26), "Kurban Bayramı arifesi",
	    "2026-05-26 arife");
	CHECK_STR(holiday_name(NULL, 2026, 5, 27), "Kurban Bayramı",
	    "2026-05-27");
	CHECK_STR(holiday_name(NULL, 2026, 5, 30), "Kurban Bayramı",
	    "2026-05-30, the fourth day");
	CHECK_STR(holiday_name(NULL, 2026, 5, 31), "-", "2026-05-31");
	/* spot checks across the table */
	CHECK_STR(holiday_name(NULL, 2020, 5, 24), "Ramazan Bayramı",
	    "2020-05-24");
	CHECK_STR(half_name(NULL, 2020, 5, 23), "Ramazan Bayramı arifesi",
	    "2020-05-23");
	CHECK_STR(holiday_name(NULL, 2020, 8, 3), "Kurban Bayramı",
	    "2020-08-03, last day of 31 July - 3 August");
	CHECK_STR(holiday_name(NULL, 2022, 7, 9), "Kurban Bayramı",
	    "2022-07-09");
	CHECK_STR(holiday_name(NULL, 2022, 7, 13), "-", "2022-07-13");
	CHECK_STR(holiday_name(NULL, 2024, 4, 12), "Ramazan Bayramı",
	    "2024-04-12");
	CHECK_STR(holiday_name(NULL, 2024, 6, 19), "Kurban Bayramı",
	    "2024-06-19");
	CHECK_STR(holiday_name(NULL, 2028, 2, 26), "Ramazan Bayramı",
	    "2028-02-26");
	CHECK_STR(holiday_name(NULL, 2030, 4, 13), "Kurban Bayramı",
	    "2030-04-13");
	CHECK_STR(holiday_name(NULL, 2033, 1, 4), "Ramazan Bayramı",
	    "2033-01-04");
	CHECK_STR(holiday_name(NULL, 2033, 12, 23), "Ramazan Bayramı",
	    "2033-12-23, the second of 2033");
	CHECK_STR(holiday_name(NULL, 2035, 2, 21), "Kurban Bayramı",
	    "2035-02-21");
	CHECK_STR(holiday_name(NULL, 2035, 12, 3), "Ramazan Bayramı",
	    "2035-12-03");
	/* overlaps */
	CHECK_STR(holiday_name(NULL, 2033, 1, 1), "Yılbaşı",
	    "2033-01-01: Yılbaşı and the arife");
	CHECK_STR(half_name(NULL, 2033, 1, 1), "-",
	    "a full holiday is no half day");
	CHECK_STR(holiday_name(NULL, 2023, 4, 23),
	    "Ulusal Egemenlik ve Çocuk Bayramı",
	    "2023-04-23: the national holiday's name over the bayram's");
	CHECK_STR(holiday_name(NULL, 2023, 4, 21), "Ramazan Bayramı",
	    "2023-04-21");

	CHECK(!tr_religious_known(2019) && tr_religious_known(2020) &&
	    tr_religious_known(2035) && !tr_religious_known(2036),
	    "religious holidays known for 2020 to 2035 only");
	CHECK_STR(holiday_name(NULL, 2036, 1, 1), "Yılbaşı",
	    "fixed holidays still in 2036");

	/* the table: each kind 354 or 355 days apart, every year covered */
	ok = 1;
	for (j = TR_RAMAZAN; j <= TR_KURBAN; j++) {
		prev = 0;
		for (i = 0; i < tr_nbayrams; i++) {
			if (tr_bayrams[i].kind != (int)j)
				continue;
			day = civil_days(tr_bayrams[i].year,
			    tr_bayrams[i].month, tr_bayrams[i].day);
			if (!civil_valid(tr_bayrams[i].year,
			    tr_bayrams[i].month, tr_bayrams[i].day) ||
			    (prev && day - prev != 354 && day - prev != 355)) {
				printf("# entry %zu\n", i);
				ok = 0;
			}
			prev = day;
		}
	}
	CHECK(ok, "bayrams of a kind are 354 or 355 days apart");
	ok = 1;
	for (y = TR_BAYRAM_FIRST_YEAR; y <= TR_BAYRAM_LAST_YEAR; y++) {
		int	seen[2] = { 0, 0 };

		for (i = 0; i < tr_nbayrams; i++)
			if (tr_bayrams[i].year == y)
				seen[tr_bayrams[i].kind]++;
		if (!seen[TR_RAMAZAN] || !seen[TR_KURBAN])
			ok = 0;
	}
	CHECK(ok, "every year 2020 to 2035 has both bayrams");
}

static void
test_builtin(void)
{
	/* the brief's examples; 10 May 2025 is a Saturday */
	DUE(NULL, GV, MON, 2025, 1, "2025-05-12 moved");
	DUE(NULL, KV, MON, 2025, 1, "2025-05-14");
	DUE(NULL, GV, MON, 2025, 10, "2026-02-10");
	DUE(NULL, KV, MON, 2025, 10, "2026-02-16 moved");	/* 14: Sat */
	/* December: the fourth month too (SPEC 13); 14 April 2025 a Monday */
	DUE(NULL, GV, MON, 2025, 12, "2026-04-10");
	DUE(NULL, KV, MON, 2025, 12, "2026-04-14");
	DUE(NULL, KV, MON, 2024, 12, "2025-04-14");
	/* a Sunday: 10 August 2025 */
	DUE(NULL, GV, MON, 2025, 4, "2025-08-11 moved");
	DUE(NULL, KV, MON, 2025, 4, "2025-08-14");
	/* year rollover: September to December ledger months */
	DUE(NULL, GV, MON, 2025, 9, "2026-01-12 moved");	/* 10: Sat */
	DUE(NULL, KV, MON, 2025, 9, "2026-01-14");
	DUE(NULL, GV, MON, 2025, 11, "2026-03-10");
	DUE(NULL, KV, MON, 2025, 11, "2026-03-16 moved");	/* 14: Sat */
	/* bayrams: 14 May 2021 was the second day of Ramazan Bayramı,
	 * the 15th its third and a Saturday */
	DUE(NULL, KV, MON, 2021, 1, "2021-05-17 moved");
	/* 10 April 2024: Ramazan Bayramı 10-12 April, then a weekend */
	DUE(NULL, GV, MON, 2023, 12, "2024-04-15 moved");
	/* Ramazan Bayramı Wed 14 - Fri 16 February 2029 and a weekend */
	DUE(NULL, KV, MON, 2028, 10, "2029-02-19 moved");
	DUE(NULL, KV, MON, 2031, 9, "2032-01-19 moved");
	/* right after a bayram: Ramazan 12-14 December 2034, 9-11 March 2027 */
	DUE(NULL, KV, MON, 2034, 8, "2034-12-15 moved");
	DUE(NULL, GV, MON, 2026, 11, "2027-03-12 moved");
	/* Kurban Bayramı 11-14 March 2033: its arife, the 10th, is a half
	 * day and so a working day; the 14th is its fourth day */
	DUE(NULL, GV, MON, 2032, 11, "2033-03-10");
	DUE(NULL, KV, MON, 2032, 11, "2033-03-15 moved");
	/* religious holidays unknown outside 2020-2035 */
	DUE(NULL, GV, MON, 2036, 1, "2036-05-12 moved unsure");
	DUE(NULL, GV, MON, 2035, 12, "2036-04-10 unsure");
	DUE(NULL, KV, MON, 2035, 8, "2035-12-14");
	DUE(NULL, GV, MON, 2019, 1, "2019-05-10 unsure");
	/* no quarterly rule in the built-in table; bad arguments */
	DUE(NULL, KV, QUA, 2025, 3, "ENOENT flags 0");
	DUE(NULL, KV, MON, 2025, 0, "EINVAL");
	DUE(NULL, KV, MON, 2025, 13, "EINVAL");
	DUE(NULL, 7, MON, 2025, 1, "EINVAL");
	DUE(NULL, KV, 7, 2025, 1, "EINVAL");
	DUE(NULL, KV, MON, 0, 1, "EINVAL");
	CHECK(deadline_of(NULL, KV, MON, 2025, 1, &(int){ 0 }, &(int){ 0 },
	    &(int){ 0 }, NULL) == 0, "flags may be NULL");
}

static void
test_builtin_text(void)
{
	struct buf text = BUF_INIT;
	struct deadlines *dl;
	int	y, m, t, ok = 1;
	char	a[64];

	buf_adds(&text, "builtin no\n");
	buf_adds(&text, deadlines_builtin());
	dl = parse(BUF_STR(&text));
	CHECK(dl != NULL, "the built-in table parses as a file");
	for (y = 2019; y <= 2036 && dl; y++)
		for (m = 1; m <= 12; m++)
			for (t = KV; t <= GV; t++) {
				snprintf(a, sizeof(a), "%s",
				    describe(NULL, t, MON, y, m));
				if (strcmp(a, describe(dl, t, MON, y, m)) != 0)
					ok = 0;
			}
	CHECK(ok, "and gives the built-in dates, 2019 to 2036");
	deadlines_free(dl);
	buf_free(&text);

	dl = parse("");
	CHECK(dl != NULL, "an empty file parses");
	DUE(dl, KV, MON, 2025, 1, "2025-05-14");
	deadlines_free(dl);
}

static void
test_file_rules(void)
{
	struct deadlines *dl;

	/* an older rule for KV; GV falls back on the built-in one */
	dl = parse("monthly KV * 10 +4\n");
	DUE(dl, KV, MON, 2025, 1, "2025-05-12 moved");
	DUE(dl, KV, MON, 2025, 12, "2026-04-10");
	DUE(dl, GV, MON, 2025, 10, "2026-02-10");
	deadlines_free(dl);

	dl = parse("builtin no\nmonthly KV * 10 +4\n");
	DUE(dl, KV, MON, 2025, 3, "2025-07-10");
	DUE(dl, GV, MON, 2025, 3, "ENOENT flags 0");
	deadlines_free(dl);

	/* the tax's own rule wins over `*' */
	dl = parse("monthly * * last +3\nmonthly GV 1-6 10 +4\n");
	DUE(dl, GV, MON, 2025, 3, "2025-07-10");
	DUE(dl, GV, MON, 2025, 7, "2025-10-31");
	DUE(dl, KV, MON, 2025, 3, "2025-06-30");
	DUE(dl, KV, QUA, 2025, 3, "ENOENT flags 0");
	deadlines_free(dl);

	/* leap years: `last' and a day past the month's end */
	dl = parse("monthly * 10 last +4\nmonthly * 11 30 +3\n"
	    "monthly * 1,3-5 19 +4\n");
	DUE(dl, KV, MON, 2023, 10, "2024-02-29");
	DUE(dl, KV, MON, 2024, 10, "2025-02-28");
	DUE(dl, GV, MON, 2023, 11, "2024-02-29");
	DUE(dl, GV, MON, 2024, 11, "2025-02-28");
	/* a deadline on 19 Mayıs (a Monday in 2025) */
	DUE(dl, KV, MON, 2025, 1, "2025-05-20 moved");
	DUE(dl, KV, MON, 2025, 4, "2025-08-19");
	DUE(dl, KV, MON, 2025, 2, "2025-06-16 moved");	/* built-in: 14 Sat */
	deadlines_free(dl);

	/* quarterly rules */
	dl = parse("# geçici vergi dönemleri\n"
	    "quarterly KV 1-3 14 +3\n"
	    "quarterly KV 4-6 14 +3\n"
	    "quarterly KV 7-9 14 +3\n"
	    "quarterly KV 10-12 14 +5\n"
	    "quarterly GV 11-1 10 +2\n");
	DUE(dl, KV, QUA, 2025, 1, "2025-06-16 moved");	/* 14 June: Sat */
	DUE(dl, KV, QUA, 2025, 2, "2025-06-16 moved");
	DUE(dl, KV, QUA, 2025, 3, "2025-06-16 moved");
	DUE(dl, KV, QUA, 2025, 7, "2025-12-15 moved");	/* 14 Dec: Sun */
	DUE(dl, KV, QUA, 2025, 11, "2026-05-14");
	/* a group over the year end: Nov, Dec, Jan due two months after Jan */
	DUE(dl, GV, QUA, 2025, 11, "2026-03-10");
	DUE(dl, GV, QUA, 2025, 12, "2026-03-10");
	DUE(dl, GV, QUA, 2026, 1, "2026-03-10");
	DUE(dl, GV, QUA, 2026, 2, "ENOENT flags 0");
	/* monthly companies keep the built-in rule */
	DUE(dl, KV, MON, 2025, 1, "2025-05-14");
	deadlines_free(dl);
}

static void
test_file_due(void)
{
	struct deadlines *dl;

	dl = parse("due 2025-12 KV * 2026-05-31\n");
	DUE(dl, KV, MON, 2025, 12, "2026-06-01 moved override");
	DUE(dl, KV, QUA, 2025, 12, "2026-06-01 moved override");
	DUE(dl, GV, MON, 2025, 12, "2026-04-10");
	DUE(dl, KV, MON, 2025, 11, "2026-03-16 moved");
	deadlines_free(dl);

	dl = parse("due 2025-10..2025-12 * quarterly 2026-06-01\n"
	    "due 2025-12 * * 2026-05-20\n"
	    "due 2025-12 KV monthly 2026-05-25\n"
	    "due 2025-01 GV * 2025-05-19\n"
	    "due 2026-02 * * 2026-07-10\n"
	    "due 2026-01 * * 2026-05-27\n");
	DUE(dl, KV, QUA, 2025, 11, "2026-06-01 override");
	DUE(dl, GV, QUA, 2025, 10, "2026-06-01 override");
	DUE(dl, KV, QUA, 2025, 12, "2026-06-01 override");
	DUE(dl, KV, MON, 2025, 12, "2026-05-25 override");
	DUE(dl, GV, MON, 2025, 12, "2026-05-20 override");
	DUE(dl, KV, MON, 2025, 11, "2026-03-16 moved");
	DUE(dl, KV, QUA, 2025, 9, "ENOENT flags 0");
	/* an extension to 19 Mayıs moves on to the 20th */
	DUE(dl, GV, MON, 2025, 1, "2025-05-20 moved override");
	DUE(dl, KV, MON, 2025, 1, "2025-05-14");
	/* on the first day of Kurban Bayramı 2026 (Wed 27 - Sat 30 May) */
	DUE(dl, KV, MON, 2026, 1, "2026-06-01 moved override");
	DUE(dl, GV, MON, 2026, 2, "2026-07-10 override");
	deadlines_free(dl);

	/* a due date on Ramazan Bayramı 2026 (Fri 20 - Sun 22 March) */
	dl = parse("due 2025-11 * * 2026-03-20\n");
	DUE(dl, GV, MON, 2025, 11, "2026-03-23 moved override");
	deadlines_free(dl);
}

static void
test_file_holidays(void)
{
	struct deadlines *dl;

	dl = parse("holiday 2026-02-16 Yas günü   # announced\n"
	    "holiday 2025-05-12..2025-05-13\n"
	    "bayram kurban 2030-04-12\n"
	    "bayram ramazan 2036-11-19\n"
	    "bayram kurban 2036-02-07\n");
	/* 14 Feb 2026 Sat, 15 Sun, 16 the extra holiday */
	DUE(dl, KV, MON, 2025, 10, "2026-02-17 moved");
	/* 10 May 2025 Sat, 11 Sun, 12-13 extra holidays */
	DUE(dl, GV, MON, 2025, 1, "2025-05-14 moved");
	CHECK_STR(holiday_name(dl, 2026, 2, 16), "Yas günü",
	    "the name as written");
	CHECK_STR(holiday_name(dl, 2025, 5, 13), "Ek tatil",
	    "a holiday without a name");
	CHECK_STR(holiday_name(NULL, 2026, 2, 16), "-",
	    "not a holiday without the file");
	CHECK(!deadlines_working_day(dl, 2025, 5, 12) &&
	    deadlines_working_day(dl, 2025, 5, 14), "working days with the "
	    "file");
	/* Kurban Bayramı 2030 moved one day earlier by the file */
	CHECK_STR(holiday_name(dl, 2030, 4, 12), "Kurban Bayramı",
	    "2030-04-12 from the file");
	CHECK_STR(half_name(dl, 2030, 4, 11), "Kurban Bayramı arifesi",
	    "its arife");
	CHECK_STR(holiday_name(dl, 2030, 4, 15), "Kurban Bayramı",
	    "2030-04-15, its fourth day");
	CHECK_STR(holiday_name(dl, 2030, 4, 16), "-",
	    "2030-04-16 no longer a holiday");
	CHECK_STR(holiday_name(NULL, 2030, 4, 16), "Kurban Bayramı",
	    "2030-04-16 still is in the built-in table");
	CHECK_STR(holiday_name(dl, 2030, 2, 4), "Ramazan Bayramı",
	    "the built-in Ramazan Bayramı of 2030 stays");
	/* 2036 made known */
	CHECK(deadlines_religious_known(dl, 2036) &&
	    !deadlines_religious_known(dl, 2037), "2036 known by the file");
	CHECK_STR(holiday_name(dl, 2036, 11, 19), "Ramazan Bayramı",
	    "2036-11-19");
	CHECK_STR(half_name(dl, 2036, 11, 18), "Ramazan Bayramı arifesi",
	    "2036-11-18");
	DUE(dl, GV, MON, 2036, 1, "2036-05-12 moved");
	deadlines_free(dl);

	dl = parse("bayram ramazan 2037-11-08\n");
	CHECK(!deadlines_religious_known(dl, 2037), "one kind is not enough");
	deadlines_free(dl);
}

static void
test_file_many(void)
{
	struct buf t = BUF_INIT;
	struct deadlines *dl;
	int	i, ok;

	for (i = 1; i <= 12; i++)	/* month i due on the 20th, i later */
		buf_printf(&t, "monthly KV %d 20 +%d\n", i, i);
	for (i = 0; i < 48; i++)
		buf_printf(&t, "holiday %d-%02d-02 h%d\n", 2030 + i / 12,
		    i % 12 + 1, i + 1);
	for (i = 0; i < 24; i++)
		buf_printf(&t, "due %d-%02d * * %d-%02d-15\n", 2040 + i / 12,
		    i % 12 + 1, 2041 + i / 12, i % 12 + 1);
	for (i = 2036; i <= 2045; i++)
		buf_printf(&t, "bayram ramazan %d-01-10\nbayram kurban "
		    "%d-07-10\n", i, i);
	dl = parse(BUF_STR(&t));
	CHECK(dl != NULL, "104 lines of every kind");
	DUE(dl, KV, MON, 2025, 3, "2025-06-20");
	DUE(dl, KV, MON, 2025, 6, "2025-12-22 moved");
	DUE(dl, KV, MON, 2025, 12, "2026-12-21 moved");
	DUE(dl, GV, MON, 2025, 3, "2025-07-10");
	DUE(dl, KV, MON, 2040, 5, "2041-05-15 override");
	CHECK_STR(holiday_name(dl, 2032, 7, 2), "h31", "the 31st holiday");
	CHECK_STR(holiday_name(dl, 2040, 1, 10), "Ramazan Bayramı",
	    "a bayram from the file");
	CHECK_STR(half_name(dl, 2040, 1, 9), "Ramazan Bayramı arifesi",
	    "and its arife");
	for (ok = 1, i = 2036; i <= 2045; i++)
		ok &= deadlines_religious_known(dl, i);
	CHECK(ok && !deadlines_religious_known(dl, 2046),
	    "2036 to 2045 known");
	deadlines_free(dl);
	buf_free(&t);
}

static void
test_file_syntax(void)
{
	struct deadlines *dl;

	/* BOM, CRLF, comments, blank lines, case */
	dl = parse("\xef\xbb\xbf# office rules\r\n\r\n"
	    "   \t\r\n"
	    "MONTHLY kv 1-12 10 +4 # the old day\r\n"
	    "Due 2025-12 gv MONTHLY 2026-04-30\r\n");
	CHECK(dl != NULL, "BOM, CRLF, comments and case");
	DUE(dl, KV, MON, 2025, 12, "2026-04-10");
	DUE(dl, GV, MON, 2025, 12, "2026-04-30 override");
	deadlines_free(dl);
	REFUSED("monthly gv 1 10 +4#x\n",
	    "t.conf:1: bad month offset '+4#x' (expected +1 to +24)");
}

static void
test_file_errors(void)
{
	char	big[64];

	REFUSED("# ok\nmonthly KV * 14 +4\nweekly KV * 14 +1\n",
	    "t.conf:3: unknown directive 'weekly'");
	REFUSED("monthly KV * 14\n",
	    "t.conf:1: monthly: expected TAX MONTHS DAY +N");
	REFUSED("monthly KV * 14 +4 x\n",
	    "t.conf:1: monthly: expected TAX MONTHS DAY +N");
	REFUSED("\nquarterly KV 1-3\n",
	    "t.conf:2: quarterly: expected TAX FIRST-LAST DAY +N");
	REFUSED("monthly XV * 14 +4\n",
	    "t.conf:1: bad tax 'XV' (expected GV, KV or *)");
	REFUSED("monthly KV 13 14 +4\n", "t.conf:1: bad months '13' "
	    "(expected *, N, N-M or a list of them, months 1 to 12)");
	REFUSED("monthly KV 0 14 +4\n", "t.conf:1: bad months '0' "
	    "(expected *, N, N-M or a list of them, months 1 to 12)");
	REFUSED("monthly KV 1- 14 +4\n", "t.conf:1: bad months '1-' "
	    "(expected *, N, N-M or a list of them, months 1 to 12)");
	REFUSED("monthly KV 1,,2 14 +4\n", "t.conf:1: bad months '1,,2' "
	    "(expected *, N, N-M or a list of them, months 1 to 12)");
	REFUSED("monthly KV 1, 14 +4\n", "t.conf:1: bad months '1,' "
	    "(expected *, N, N-M or a list of them, months 1 to 12)");
	REFUSED("monthly KV ocak 14 +4\n", "t.conf:1: bad months 'ocak' "
	    "(expected *, N, N-M or a list of them, months 1 to 12)");
	REFUSED("quarterly KV 1,2,3 14 +3\n", "t.conf:1: bad quarter '1,2,3' "
	    "(expected FIRST-LAST, months 1 to 12)");
	REFUSED("quarterly KV 1-13 14 +3\n", "t.conf:1: bad quarter '1-13' "
	    "(expected FIRST-LAST, months 1 to 12)");
	REFUSED("monthly KV * 32 +4\n",
	    "t.conf:1: bad day '32' (expected 1 to 31 or last)");
	REFUSED("monthly KV * 0 +4\n",
	    "t.conf:1: bad day '0' (expected 1 to 31 or last)");
	REFUSED("monthly KV * first +4\n",
	    "t.conf:1: bad day 'first' (expected 1 to 31 or last)");
	REFUSED("monthly KV * 14 4\n",
	    "t.conf:1: bad month offset '4' (expected +1 to +24)");
	REFUSED("monthly KV * 14 +0\n",
	    "t.conf:1: bad month offset '+0' (expected +1 to +24)");
	REFUSED("monthly KV * 14 +25\n",
	    "t.conf:1: bad month offset '+25' (expected +1 to +24)");
	REFUSED("monthly KV * 14 +\n",
	    "t.conf:1: bad month offset '+' (expected +1 to +24)");
	REFUSED("monthly KV 1-11 14 +4\nmonthly GV 12 10 +4\n"
	    "monthly KV 11-12 14 +5\n",
	    "t.conf:3: months overlap with line 1");
	REFUSED("quarterly * 1-3 14 +3\nquarterly * 3-5 14 +3\n",
	    "t.conf:2: months overlap with line 1");
	REFUSED("quarterly KV 10-12 14 +5\nquarterly KV 12-2 14 +3\n",
	    "t.conf:2: months overlap with line 1");

	REFUSED("due 2025-12 KV * \n",
	    "t.conf:1: due: expected PERIOD TAX SCHEDULE DATE");
	REFUSED("due 2025-13 KV * 2026-05-31\n", "t.conf:1: bad period "
	    "'2025-13' (expected YYYY-MM or YYYY-MM..YYYY-MM)");
	REFUSED("due 2025-1 KV * 2026-05-31\n", "t.conf:1: bad period "
	    "'2025-1' (expected YYYY-MM or YYYY-MM..YYYY-MM)");
	REFUSED("due 2025-10.. KV * 2026-05-31\n", "t.conf:1: bad period "
	    "'2025-10..' (expected YYYY-MM or YYYY-MM..YYYY-MM)");
	REFUSED("due 2025-12..2025-10 KV * 2026-05-31\n",
	    "t.conf:1: period '2025-12..2025-10' ends before it starts");
	REFUSED("due 2025-12 KV yearly 2026-05-31\n", "t.conf:1: bad "
	    "schedule 'yearly' (expected monthly, quarterly or *)");
	REFUSED("due 2025-12 KV * 2026-02-29\n",
	    "t.conf:1: bad date '2026-02-29' (expected YYYY-MM-DD)");
	REFUSED("due 2025-12 KV * 31.05.2026\n",
	    "t.conf:1: bad date '31.05.2026' (expected YYYY-MM-DD)");
	REFUSED("due 2025-12 KV * 2025-12-31\n",
	    "t.conf:1: due date 2025-12-31 is not after the period");
	REFUSED("due 2025-10..2025-12 * * 2026-05-31\n"
	    "due 2025-12 GV * 2026-05-31\n"
	    "due 2025-12..2026-01 * * 2026-06-30\n",
	    "t.conf:3: period overlaps the due line 1");

	REFUSED("holiday\n", "t.conf:1: holiday: expected DATE[..DATE] [NAME]");
	REFUSED("holiday 2026-3-19\n", "t.conf:1: bad date '2026-3-19' "
	    "(expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD)");
	REFUSED("holiday 2026-03-19..x\n", "t.conf:1: bad date "
	    "'2026-03-19..x' (expected YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD)");
	REFUSED("holiday 2026-03-19..2026-03-18\n",
	    "t.conf:1: holiday '2026-03-19..2026-03-18' ends before it starts");
	REFUSED("holiday 2026-03-01..2026-04-01\n",
	    "t.conf:1: holiday '2026-03-01..2026-04-01' is longer than 31 "
	    "days");

	REFUSED("bayram ramazan\n",
	    "t.conf:1: bayram: expected ramazan|kurban DATE");
	REFUSED("bayram şeker 2036-11-19\n",
	    "t.conf:1: bad bayram 'şeker' (expected ramazan or kurban)");
	REFUSED("bayram kurban 2036-02-30\n",
	    "t.conf:1: bad date '2036-02-30' (expected YYYY-MM-DD)");
	REFUSED("bayram kurban 2036-02-07\nbayram ramazan 2036-11-19\n"
	    "bayram kurban 2036-03-07\n", "t.conf:3: Kurban Bayramı is within "
	    "350 days of the one at line 1");

	REFUSED("builtin\n", "t.conf:1: builtin: expected yes or no");
	REFUSED("builtin maybe\n",
	    "t.conf:1: bad value 'maybe' (expected yes or no)");
	REFUSED("builtin no\n\nbuiltin yes\n",
	    "t.conf:3: builtin given twice (first at line 1)");

	REFUSED("monthly KV * 14 +4\nmonthly\x01 GV\n",
	    "t.conf:2: control character 0x01");
	REFUSED("monthly KV * 14 +4\r\r\n", "t.conf:1: control character 0x0d");
	REFUSED("monthly KV\0 * 14 +4\n", "t.conf:1: control character 0x00");
	REFUSED("holiday 2026-03-19 \xff\n", "t.conf:1: not valid UTF-8");
	REFUSED("holiday 2026-03-19 \xc3\n", "t.conf:1: not valid UTF-8");
	REFUSED("holiday 2026-03-19 \xc0\xaf\n", "t.conf:1: not valid UTF-8");
	REFUSED("holiday 2026-03-19 \xed\xa0\x80\n",
	    "t.conf:1: not valid UTF-8");
	REFUSED("a b c d e f g h i\n", "t.conf:1: too many fields");
	REFUSED("\r\n# x\r\n\r\nmonthly KV * 14 +4\r\nmonthly KV 1 14 +4\r\n",
	    "t.conf:5: months overlap with line 4");

	/* too large, checked before any line */
	{
		size_t	len = DEADLINES_MAX_SIZE + 1;
		char	*s = malloc(len);
		struct deadlines *dl = NULL;

		memset(s, '\n', len);
		buf_reset(&err);
		CHECK(deadlines_parse(s, len, "t.conf", &dl, &err) == EFBIG &&
		    dl == NULL, "a file above DEADLINES_MAX_SIZE: EFBIG");
		snprintf(big, sizeof(big), "t.conf: larger than %d bytes",
		    DEADLINES_MAX_SIZE);
		CHECK_STR(BUF_STR(&err), big, "its message");
		free(s);
	}
}

static void
test_load(void)
{
	static const char text[] = "holiday 2026-02-16 Yas günü\n"
	    "due 2025-12 KV * 2026-05-31\n";
	struct deadlines *dl = NULL;
	char	path[] = "/tmp/test_deadline.XXXXXX";
	int	fd, e;

	if ((fd = mkstemp(path)) < 0 ||
	    write(fd, text, sizeof(text) - 1) != (ssize_t)(sizeof(text) - 1)) {
		CHECK(0, "temporary file");
		return;
	}
	close(fd);
	buf_reset(&err);
	e = deadlines_load(path, &dl, &err);
	CHECK(e == 0 && dl != NULL, "deadlines_load reads a file");
	DUE(dl, KV, MON, 2025, 12, "2026-06-01 moved override");
	DUE(dl, KV, MON, 2025, 10, "2026-02-17 moved");
	deadlines_free(dl);

	fd = open(path, O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && write(fd, "nonsense\n", 9) == 9, "append a bad line");
	if (fd >= 0)
		close(fd);
	buf_reset(&err);
	e = deadlines_load(path, &dl, &err);
	{
		char	want[128];

		snprintf(want, sizeof(want), "%s:3: unknown directive "
		    "'nonsense'", path);
		CHECK(e == EINVAL && dl == NULL, "a bad line: EINVAL");
		CHECK_STR(BUF_STR(&err), want, "with the path and line");
	}
	unlink(path);

	buf_reset(&err);
	e = deadlines_load(path, &dl, &err);
	{
		char	want[128];

		snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
		CHECK(e == ENOENT && dl == NULL, "a missing file: ENOENT");
		CHECK_STR(BUF_STR(&err), want, "its message");
	}
	deadlines_free(NULL);
}

int
main(void)
{
	test_civil();
	test_fixed_holidays();
	test_religious();
	test_builtin();
	test_builtin_text();
	test_file_rules();
	test_file_due();
	test_file_holidays();
	test_file_many();
	test_file_syntax();
	test_file_errors();
	test_load();
	buf_free(&err);
	return check_done();
}
