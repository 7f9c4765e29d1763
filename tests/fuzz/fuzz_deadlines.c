/*
 * fuzz_deadlines - libFuzzer target for the Deadlines file parser.
 *
 * The input is a Deadlines file.  deadlines_parse() must accept it with
 * a table and no message, or refuse it with EINVAL (EFBIG, ENOMEM) and
 * one line of UTF-8 naming the file and a line that exists; the same
 * file with CRLF line ends must read the same, message included.  An
 * accepted table answers deadline_of() for both taxes and schedules
 * and every month of a year chosen by the input's hash, and of 9999:
 * 0, ENOENT or ERANGE, a valid date after the ledger month that is a
 * working day; and the days of a month are a holiday, a half day or
 * neither, working days never holidays.
 *
 *	clang -fsanitize=fuzzer,address,undefined -Ilib -Iscanner
 *	    tests/fuzz/fuzz_deadlines.c scanner/deadline.c
 *	    scanner/holidays.c lib/buf.c lib/names.c lib/json.c
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "companies.h"
#include "deadline.h"
#include "json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define NAME	"fuzz.deadlines"

/* message_ok - one line of UTF-8, "NAME:" and, for EINVAL, a line */
static void
message_ok(const struct buf *err, int e, const uint8_t *data, size_t size)
{
	const char *s = BUF_STR(err);
	unsigned long line, lines = 1;
	size_t	i;

	if (err->len == 0 || strncmp(s, NAME ":", sizeof(NAME)) != 0 ||
	    utf8_valid_prefix(s, err->len) != err->len)
		abort();
	for (i = 0; i < err->len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			abort();
	if (e != EINVAL)
		return;
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (sscanf(s + sizeof(NAME), "%lu:", &line) != 1 || line == 0 ||
	    line > lines)
		abort();
}

/* crlf - the file with every bare LF made CRLF */
static void
crlf(struct buf *out, const uint8_t *data, size_t size)
{
	size_t	i;

	for (i = 0; i < size; i++) {
		if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
			buf_addc(out, '\r');
		buf_addc(out, data[i]);
	}
}

/* deadlines - every month of a year, both taxes and schedules */
static void
deadlines(const struct deadlines *dl, int year, int from_month)
{
	int	tax, sch, m, e, y, mo, d, flags;
	long	end;

	for (tax = COMPANY_KV; tax <= COMPANY_GV; tax++)
		for (sch = COMPANY_MONTHLY; sch <= COMPANY_QUARTERLY; sch++)
			for (m = from_month; m <= 12; m++) {
				flags = -1;
				e = deadline_of(dl, tax, sch, year, m, &y, &mo,
				    &d, &flags);
				if (e == ENOENT || e == ERANGE) {
					if (e == ENOENT && flags != 0)
						abort();
					continue;
				}
				if (e != 0 || (flags & ~7) || !civil_valid(y,
				    mo, d))
					abort();
				end = civil_days(year, m, civil_mdays(year, m));
				if (civil_days(y, mo, d) <= end ||
				    !deadlines_working_day(dl, y, mo, d))
					abort();
			}
}

/* days - each day of a month: holiday, half day or neither */
static void
days(const struct deadlines *dl, int y, int m)
{
	const char *name;
	int	d, h, half, w;

	for (d = 1; d <= 31; d++) {
		name = NULL;
		h = deadlines_holiday(dl, y, m, d, &name);
		if (h && (name == NULL || *name == '\0'))
			abort();
		name = NULL;
		half = deadlines_half_day(dl, y, m, d, &name);
		if (half && (name == NULL || *name == '\0'))
			abort();
		w = deadlines_working_day(dl, y, m, d);
		if ((h && half) || (w && h) || (!civil_valid(y, m, d) &&
		    (h || half || w)))
			abort();
		if (civil_valid(y, m, d) && !h && civil_weekday(y, m, d) < 6 &&
		    !w)
			abort();
	}
	(void)deadlines_religious_known(dl, y);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf err = BUF_INIT, err2 = BUF_INIT, alt = BUF_INIT;
	struct deadlines *dl, *dl2;
	uint32_t seed = 2166136261u;
	size_t	i;
	int	e, e2;

	for (i = 0; i < size; i++)
		seed = (seed ^ data[i]) * 16777619u;
	e = deadlines_parse((const char *)data, size, NAME, &dl, &err);
	if (e == 0) {
		if (dl == NULL || err.len != 0)
			abort();
	} else {
		if (dl != NULL || (e != EINVAL && e != EFBIG && e != ENOMEM))
			abort();
		message_ok(&err, e, data, size);
	}

	crlf(&alt, data, size);
	e2 = deadlines_parse(BUF_STR(&alt), alt.len, NAME, &dl2, &err2);
	if (e2 != e || (e == EINVAL && (err.len != err2.len ||
	    memcmp(BUF_STR(&err), BUF_STR(&err2), err.len) != 0))) {
		fprintf(stderr, "LF: %d %s\nCRLF: %d %s\n", e, BUF_STR(&err),
		    e2, BUF_STR(&err2));
		abort();
	}
	deadlines_free(dl2);

	if (dl != NULL) {
		deadlines(dl, 2000 + (int)(seed % 60), 1);
		deadlines(dl, 9999, 9);
		days(dl, 2000 + (int)(seed % 60), 1 + (int)(seed >> 8) % 12);
	}
	deadlines_free(dl);
	buf_free(&err);
	buf_free(&err2);
	buf_free(&alt);
	return 0;
}
