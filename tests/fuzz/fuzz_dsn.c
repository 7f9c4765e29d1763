/*
 * fuzz_dsn - libFuzzer target for the delivery report parser.
 *
 * The input is a message.  It is read in one piece and again in chunks
 * whose sizes come from the input's own bytes: both readings must give
 * the same result, and every result must keep its promises: at most
 * max_rcpts recipients, statuses X.Y.Z, diagnostics within max_diag
 * plus "...", no control characters in any string, final_lower the
 * folded final_rcpt.  The limits are lowered for some inputs so that
 * they are reached.
 *
 *	clang -fsanitize=fuzzer,address,undefined -Ilib -Idsn
 *	    tests/fuzz/fuzz_dsn.c dsn/dsn*.c lib/buf.c lib/names.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dsnparse.h"
#include "names.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* clean - a string without control characters, of at most max bytes */
static void
clean(const char *s, size_t max)
{
	size_t	i, n;

	if (s == NULL)
		return;
	n = strlen(s);
	if (n > max)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ' || s[i] == 0x7f)
			abort();
}

/* status_ok - "X.Y.Z", X one of 2 4 5, Y and Z of 1 to 3 digits */
static void
status_ok(const char *s)
{
	size_t	i = 0, d, part;

	if (s == NULL || (s[0] != '2' && s[0] != '4' && s[0] != '5'))
		abort();
	for (i = 1, part = 0; part < 2; part++) {
		if (s[i++] != '.')
			abort();
		for (d = 0; s[i] >= '0' && s[i] <= '9'; i++)
			d++;
		if (d < 1 || d > 3)
			abort();
	}
	if (s[i] != '\0')
		abort();
}

/* check - the promises of one result; its description into out */
static void
check(const struct dsn_result *r, const struct dsn_limits *lim,
    struct buf *out)
{
	size_t	i, j, max_rcpts = lim->max_rcpts ? lim->max_rcpts : 1000,
		max_diag = lim->max_diag ? lim->max_diag : 1000;

	if (r == NULL)
		abort();
	if (r->nrcpt > max_rcpts || (r->ndropped > 0) !=
	    ((r->flags & DSN_TOOMANY) != 0))
		abort();
	clean(r->envid, DSN_VALUE_MAX + 3);
	clean(r->reporting_mta, DSN_VALUE_MAX + 3);
	clean(r->msgid, DSN_VALUE_MAX + 3);
	clean(r->company, EDF_ID_MAX);
	clean(r->period, 7);
	buf_printf(out, "%d %x %zu %zu|%s|%s|%s|%s|%s\n", r->kind, r->flags,
	    r->nrcpt, r->ndropped, r->envid ? r->envid : "-",
	    r->reporting_mta ? r->reporting_mta : "-",
	    r->msgid ? r->msgid : "-", r->company ? r->company : "-",
	    r->period ? r->period : "-");
	for (i = 0; i < r->nrcpt; i++) {
		const struct dsn_rcpt *x = &r->rcpt[i];

		clean(x->final_rcpt, DSN_ADDR_MAX);
		clean(x->orig_rcpt, DSN_ADDR_MAX);
		clean(x->remote_mta, DSN_VALUE_MAX + 3);
		clean(x->diagnostic, max_diag + 3);
		status_ok(x->status);
		if (x->final_rcpt == NULL || x->final_rcpt[0] == '\0' ||
		    x->final_lower == NULL || x->diagnostic == NULL ||
		    strlen(x->final_lower) != strlen(x->final_rcpt))
			abort();
		for (j = 0; x->final_rcpt[j]; j++)
			if (ascii_tolower((unsigned char)x->final_rcpt[j]) !=
			    (unsigned char)x->final_lower[j])
				abort();
		if (x->action < DSN_FAILED || x->action > DSN_EXPANDED)
			abort();
		buf_printf(out, "%s|%s|%d|%s|%s|%s\n", x->final_rcpt,
		    x->orig_rcpt ? x->orig_rcpt : "-", x->action, x->status,
		    x->remote_mta ? x->remote_mta : "-", x->diagnostic);
	}
}

/* next - a small generator seeded from the input */
static uint32_t
next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* reading - read the message in one piece or in chunks, describe it */
static void
reading(const uint8_t *m, size_t len, const struct dsn_limits *lim,
    uint32_t seed, int chunked, struct buf *out)
{
	struct dsn_parser *p;
	size_t	off = 0, n;

	if ((p = dsn_new(lim)) == NULL)
		abort();
	while (off < len) {
		n = len - off;
		if (chunked) {
			uint32_t x = next(&seed);

			n = x & 0x100 ? 1 + x % 8 : 1 + x % 512;
			if (n > len - off)
				n = len - off;
		}
		if (dsn_feed(p, m + off, n) < 0)
			abort();
		off += n;
	}
	check(dsn_finish(p), lim, out);
	dsn_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf one = BUF_INIT, many = BUF_INIT;
	struct dsn_limits lim = { 0, 0, 0, 0, 0 };
	uint32_t seed = 2166136261u;
	size_t	i;

	for (i = 0; i < size; i++)
		seed = (seed ^ data[i]) * 16777619u;
	if (seed == 0)
		seed = 1;
	if ((seed >> 24) % 4 == 0) {
		lim.max_rcpts = 1 + (seed >> 4) % 4;
		lim.max_line = 80 + (seed >> 8) % 200;
		lim.max_field = 80 + (seed >> 12) % 300;
		lim.max_diag = 16 + (seed >> 16) % 64;
		lim.max_depth = 1 + (seed >> 20) % 4;
	}
	reading(data, size, &lim, seed, 0, &one);
	reading(data, size, &lim, seed, 1, &many);
	if (one.len != many.len || memcmp(BUF_STR(&one), BUF_STR(&many),
	    one.len) != 0)
		abort();
	buf_free(&one);
	buf_free(&many);
	return 0;
}
