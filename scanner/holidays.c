/*
 * holidays - the Turkish calendar: civil dates, the holiday tables and
 * the lookups in them; see deadline.h.
 *
 * The religious holidays are the dates announced by the Diyanet İşleri
 * Başkanlığı (its Hicri-Miladi calendar, vakithesaplama.diyanet.gov.tr)
 * for 2020 to 2032; 2033 to 2035 follow the same computed calendar and
 * are not yet announced as official holidays.  Between two bayrams of
 * one kind there are 354 or 355 days: the unit test checks that.
 */
#include <stddef.h>

#include "deadline.h"

/* the first day of each bayram, in date order per kind */
const struct tr_bayram tr_bayrams[] = {
	{ TR_RAMAZAN, 2020, 5, 24 },
	{ TR_KURBAN, 2020, 7, 31 },
	{ TR_RAMAZAN, 2021, 5, 13 },
	{ TR_KURBAN, 2021, 7, 20 },
	{ TR_RAMAZAN, 2022, 5, 2 },
	{ TR_KURBAN, 2022, 7, 9 },
	{ TR_RAMAZAN, 2023, 4, 21 },
	{ TR_KURBAN, 2023, 6, 28 },
	{ TR_RAMAZAN, 2024, 4, 10 },
	{ TR_KURBAN, 2024, 6, 16 },
	{ TR_RAMAZAN, 2025, 3, 30 },
	{ TR_KURBAN, 2025, 6, 6 },
	{ TR_RAMAZAN, 2026, 3, 20 },
	{ TR_KURBAN, 2026, 5, 27 },
	{ TR_RAMAZAN, 2027, 3, 9 },
	{ TR_KURBAN, 2027, 5, 16 },
	{ TR_RAMAZAN, 2028, 2, 26 },
	{ TR_KURBAN, 2028, 5, 5 },
	{ TR_RAMAZAN, 2029, 2, 14 },
	{ TR_KURBAN, 2029, 4, 24 },
	{ TR_RAMAZAN, 2030, 2, 4 },
	{ TR_KURBAN, 2030, 4, 13 },
	{ TR_RAMAZAN, 2031, 1, 24 },
	{ TR_KURBAN, 2031, 4, 2 },
	{ TR_RAMAZAN, 2032, 1, 14 },
	{ TR_KURBAN, 2032, 3, 22 },
	{ TR_RAMAZAN, 2033, 1, 2 },
	{ TR_KURBAN, 2033, 3, 11 },
	{ TR_RAMAZAN, 2033, 12, 23 },	/* two Ramazan Bayramı in 2033 */
	{ TR_KURBAN, 2034, 3, 1 },
	{ TR_RAMAZAN, 2034, 12, 12 },
	{ TR_KURBAN, 2035, 2, 18 },
	{ TR_RAMAZAN, 2035, 12, 1 },
};
const size_t tr_nbayrams = sizeof(tr_bayrams) / sizeof(tr_bayrams[0]);

/* the fixed-date holidays (2429 sayılı Kanun, as amended) */
const struct tr_fixed tr_fixed_holidays[] = {
	{ 1, 1, 0, 0, "Yılbaşı" },
	{ 4, 23, 0, 0, "Ulusal Egemenlik ve Çocuk Bayramı" },
	{ 5, 1, 2009, 0, "Emek ve Dayanışma Günü" },
	{ 5, 19, 0, 0, "Atatürk'ü Anma, Gençlik ve Spor Bayramı" },
	{ 7, 15, 2017, 0, "Demokrasi ve Millî Birlik Günü" },
	{ 8, 30, 0, 0, "Zafer Bayramı" },
	{ 10, 28, 0, 1, "Cumhuriyet Bayramı arifesi" },
	{ 10, 29, 0, 0, "Cumhuriyet Bayramı" },
};
const size_t tr_nfixed = sizeof(tr_fixed_holidays) /
    sizeof(tr_fixed_holidays[0]);

/* tr_bayram_length - days of a bayram, the arife not counted */
int
tr_bayram_length(int kind)
{
	return kind == TR_KURBAN ? 4 : 3;
}

/* tr_bayram_name - "Ramazan Bayramı" or "Kurban Bayramı" */
const char *
tr_bayram_name(int kind)
{
	return kind == TR_KURBAN ? "Kurban Bayramı" : "Ramazan Bayramı";
}

/* tr_bayram_eve_name - the arife's name */
const char *
tr_bayram_eve_name(int kind)
{
	return kind == TR_KURBAN ? "Kurban Bayramı arifesi" :
	    "Ramazan Bayramı arifesi";
}

/* fixed_at - the fixed-date holiday of a date: TR_HOLIDAY, TR_HALF_DAY */
static int
fixed_at(int y, int m, int d, const char **name)
{
	const struct tr_fixed *f;
	size_t	i;

	for (i = 0; i < tr_nfixed; i++) {
		f = &tr_fixed_holidays[i];
		if (f->month == m && f->day == d && y >= f->since) {
			*name = f->name;
			return f->half ? TR_HALF_DAY : TR_HOLIDAY;
		}
	}
	return TR_WORKDAY;
}

/* has_kind - does the list hold a bayram of the kind in the year */
static int
has_kind(const struct tr_bayram *v, size_t n, int kind, int year)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (v[i].kind == kind && v[i].year == year)
			return 1;
	return 0;
}

/* bayram_at - TR_HOLIDAY on a bayram, TR_HALF_DAY on its arife */
static int
bayram_at(const struct tr_bayram *b, long day, const char **name)
{
	long	first = civil_days(b->year, b->month, b->day);

	if (day >= first && day < first + tr_bayram_length(b->kind)) {
		*name = tr_bayram_name(b->kind);
		return TR_HOLIDAY;
	}
	if (day == first - 1) {
		*name = tr_bayram_eve_name(b->kind);
		return TR_HALF_DAY;
	}
	return TR_WORKDAY;
}

/*
 * tr_day - what the calendar makes of a day (civil_days()), weekends
 * aside.  The extra bayrams of a kind and year replace the table's.  A
 * full holiday wins over a half day, a national holiday's name over a
 * bayram's.
 */
int
tr_day(long day, const struct tr_bayram *extra, size_t nextra,
    const char **name)
{
	const struct tr_bayram *b;
	const char *half = NULL, *n = NULL;
	size_t	i;
	int	y, m, d, k;

	civil_from_days(day, &y, &m, &d);
	if ((k = fixed_at(y, m, d, &n)) == TR_HOLIDAY) {
		*name = n;
		return k;
	}
	if (k == TR_HALF_DAY)
		half = n;
	for (i = 0; i < tr_nbayrams + nextra; i++) {
		b = i < tr_nbayrams ? &tr_bayrams[i] : &extra[i - tr_nbayrams];
		if (i < tr_nbayrams && has_kind(extra, nextra, b->kind, b->year))
			continue;
		if ((k = bayram_at(b, day, &n)) == TR_HOLIDAY) {
			*name = n;
			return k;
		}
		if (k == TR_HALF_DAY && half == NULL)
			half = n;
	}
	if (half == NULL)
		return TR_WORKDAY;
	*name = half;
	return TR_HALF_DAY;
}

/* tr_bayrams_known - are the year's bayrams in the table or the extras */
int
tr_bayrams_known(int y, const struct tr_bayram *extra, size_t nextra)
{
	return (y >= TR_BAYRAM_FIRST_YEAR && y <= TR_BAYRAM_LAST_YEAR) ||
	    (has_kind(extra, nextra, TR_RAMAZAN, y) &&
	    has_kind(extra, nextra, TR_KURBAN, y));
}

/* tr_holiday - is the date a full holiday */
int
tr_holiday(int y, int m, int d, const char **name)
{
	const char *n = NULL;

	if (!civil_valid(y, m, d) ||
	    tr_day(civil_days(y, m, d), NULL, 0, &n) != TR_HOLIDAY)
		return 0;
	if (name)
		*name = n;
	return 1;
}

/* tr_half_day - is the date a half day and no full holiday */
int
tr_half_day(int y, int m, int d, const char **name)
{
	const char *n = NULL;

	if (!civil_valid(y, m, d) ||
	    tr_day(civil_days(y, m, d), NULL, 0, &n) != TR_HALF_DAY)
		return 0;
	if (name)
		*name = n;
	return 1;
}

/* tr_working_day - Monday to Friday and no full holiday */
int
tr_working_day(int y, int m, int d)
{
	return civil_valid(y, m, d) && civil_weekday(y, m, d) <= 5 &&
	    !tr_holiday(y, m, d, NULL);
}

/* tr_religious_known - does the table cover the year */
int
tr_religious_known(int y)
{
	return tr_bayrams_known(y, NULL, 0);
}

/* civil_leap - is the year a Gregorian leap year */
static int
civil_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* civil_mdays - days in the month */
int
civil_mdays(int y, int m)
{
	static const unsigned char n[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m < 1 || m > 12)
		return 0;
	return m == 2 && civil_leap(y) ? 29 : n[m - 1];
}

/* civil_valid - is y-m-d a date of years 1 to 9999 */
int
civil_valid(int y, int m, int d)
{
	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
	    d <= civil_mdays(y, m);
}

/*
 * civil_days - days since 1970-01-01 of a proleptic Gregorian date.
 * The year is counted from March so that the leap day comes last;
 * eras of 400 years repeat exactly.
 */
long
civil_days(int y, int m, int d)
{
	long	yy = (long)y - (m <= 2);
	long	era = (yy >= 0 ? yy : yy - 399) / 400;
	long	yoe = yy - era * 400;			/* 0..399 */
	long	doy = (153L * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	long	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;	/* 0..146096 */

	return era * 146097 + doe - 719468;
}

/* civil_from_days - the date of a day number; inverse of civil_days */
void
civil_from_days(long z, int *y, int *m, int *d)
{
	long	era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* civil_weekday - 1 Monday .. 7 Sunday (ISO 8601) */
int
civil_weekday(int y, int m, int d)
{
	long	z = civil_days(y, m, d);	/* day 0 was a Thursday */
	long	w = (z + 3) % 7;

	if (w < 0)
		w += 7;
	return (int)w + 1;
}
