/*
 * NAME
 *	check - a small TAP producer for the C unit tests
 * SYNOPSIS
 *	#include "check.h"
 *
 *	CHECK(cond, "what is being checked %d", arg);
 *	CHECK_STR(got, want, "what");
 *	return check_done();
 * DESCRIPTION
 *	Every CHECK prints `ok N - what' or `not ok N - what' with the
 *	file, line and failed expression.  check_done() prints the plan and
 *	returns the exit status (1 when anything failed).  tests/run.sh
 *	counts the lines of every test program.
 */
#ifndef EDEFTER_CHECK_H
#define EDEFTER_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int check_n, check_failed;

static void check_report(int, const char *, int, const char *,
    const char *, ...) __attribute__((format(printf, 5, 6), unused));
static int check_done(void) __attribute__((unused));

static void
check_report(int ok, const char *file, int line, const char *expr,
    const char *fmt, ...)
{
	va_list	ap;

	printf("%sok %d - ", ok ? "" : "not ", ++check_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok) {
		printf("\n#   %s:%d: %s", file, line, expr);
		check_failed++;
	}
	printf("\n");
	fflush(stdout);
}

static int
check_done(void)
{
	printf("1..%d\n", check_n);
	return check_failed ? 1 : 0;
}

#define CHECK(cond, ...) \
	check_report(!!(cond), __FILE__, __LINE__, #cond, __VA_ARGS__)

#define CHECK_STR(got, want, ...) do {					\
	const char *check_g_ = (got), *check_w_ = (want);		\
	int check_ok_ = check_g_ && check_w_ && !strcmp(check_g_, check_w_);\
	check_report(check_ok_, __FILE__, __LINE__, #got " == " #want,	\
	    __VA_ARGS__);						\
	if (!check_ok_)							\
		printf("#   got  '%s'\n#   want '%s'\n",			\
		    check_g_ ? check_g_ : "(null)",			\
		    check_w_ ? check_w_ : "(null)");			\
} while (0)

#endif
