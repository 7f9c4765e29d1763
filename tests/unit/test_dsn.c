/*
 * test_dsn - the delivery report parser and the VERP key helpers.
 *
 * Every sample in tests/dsn/samples is read in one piece and compared
 * with its lines in tests/dsn/expected.txt; then read again byte by
 * byte, in chunks of random sizes and with LF made CRLF, each of which
 * must give the very same result.  Run from the top of the tree.
 */
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "dsnparse.h"
#include "json.h"
#include "verp.h"

#define SAMPLES		"tests/dsn/samples"
#define EXPECTED	"tests/dsn/expected.txt"

/* read_file - the whole file, or NULL */
static char *
read_file(const char *path, size_t *len)
{
	struct buf b = BUF_INIT;
	char	chunk[8192];
	size_t	n;
	FILE	*fp;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	*len = b.len;
	return buf_steal(&b);
}

/* opt - a string or "-" */
static const char *
opt(const char *s)
{
	return s ? s : "-";
}

/* describe - everything in a result, one value per line */
static void
describe(const struct dsn_result *r, struct buf *out)
{
	size_t	i;

	buf_reset(out);
	if (r == NULL) {
		buf_adds(out, "(null)\n");
		return;
	}
	buf_printf(out, "kind=%s flags=%#x n=%zu dropped=%zu\nenvid=%s\n"
	    "mta=%s\nmsgid=%s\ncompany=%s\nperiod=%s\n",
	    dsn_kind_name(r->kind), r->flags, r->nrcpt, r->ndropped,
	    opt(r->envid), opt(r->reporting_mta), opt(r->msgid),
	    opt(r->company), opt(r->period));
	for (i = 0; i < r->nrcpt; i++) {
		const struct dsn_rcpt *x = &r->rcpt[i];

		buf_printf(out, "rcpt=%s lower=%s orig=%s action=%s "
		    "status=%s mta=%s\ndiag=%s\n", x->final_rcpt,
		    x->final_lower, opt(x->orig_rcpt),
		    dsn_action_name(x->action), x->status,
		    opt(x->remote_mta), x->diagnostic);
	}
}

/* summary - the result as expected.txt puts it */
static void
summary(const char *name, const struct dsn_result *r, struct buf *out)
{
	size_t	i;

	buf_reset(out);
	if (r == NULL || r->nrcpt == 0) {
		buf_printf(out, "%s none\n", name);
		return;
	}
	for (i = 0; i < r->nrcpt; i++)
		buf_printf(out, "%s rcpt=%s action=%s status=%s\n", name,
		    r->rcpt[i].final_rcpt, dsn_action_name(r->rcpt[i].action),
		    r->rcpt[i].status);
}

/* next - a small generator */
static uint32_t
next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * parse - read m with the parser: chunk 0 in one piece, 1 byte by
 * byte, else in random chunks from that seed; describe the result.
 */
static void
parse(const char *m, size_t len, const struct dsn_limits *lim,
    uint32_t chunk, struct buf *out, struct buf *sum, const char *name)
{
	struct dsn_parser *p = dsn_new(lim);
	const struct dsn_result *r;
	size_t	off = 0, n;
	int	rc = 0;

	if (p == NULL) {
		buf_set(out, "(no parser)", 11);
		return;
	}
	while (off < len && rc == 0) {
		n = len - off;
		if (chunk == 1)
			n = 1;
		else if (chunk > 1) {
			uint32_t x = next(&chunk);

			n = x & 0x100 ? 1 + x % 7 : 1 + x % 3000;
			if (n > len - off)
				n = len - off;
		}
		rc = dsn_feed(p, m + off, n);
		off += n;
	}
	r = rc == 0 ? dsn_finish(p) : NULL;
	describe(r, out);
	if (sum != NULL)
		summary(name, r, sum);
	dsn_free(p);
}

/* crlf - the text with every bare LF made CRLF */
static char *
crlf(const char *s, size_t len, size_t *olen)
{
	struct buf b = BUF_INIT;
	size_t	i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			buf_addc(&b, '\r');
		buf_addc(&b, s[i]);
	}
	*olen = b.len;
	return buf_steal(&b);
}

/* expected_for - the lines of expected.txt about one sample */
static void
expected_for(const char *exp, const char *name, struct buf *out)
{
	const char *p = exp, *e;
	size_t	nl = strlen(name);

	buf_reset(out);
	for (; *p; p = *e ? e + 1 : e) {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) > nl && memcmp(p, name, nl) == 0 &&
		    p[nl] == ' ') {
			buf_add(out, p, (size_t)(e - p));
			buf_addc(out, '\n');
		}
	}
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* test_samples - every sample, as expected and however it is cut */
static void
test_samples(void)
{
	struct buf want = BUF_INIT, got = BUF_INIT, one = BUF_INIT,
	    other = BUF_INIT, path = BUF_INIT;
	char	*exp, *m, *m2, **names = NULL;
	size_t	elen, len, len2, nnames = 0, i, good = 0;
	uint32_t seed;
	int	k, same;
	DIR	*d;
	struct dirent *de;

	exp = read_file(EXPECTED, &elen);
	CHECK(exp != NULL, "%s is readable", EXPECTED);
	d = opendir(SAMPLES);
	CHECK(d != NULL, "%s is readable", SAMPLES);
	if (exp == NULL || d == NULL) {
		if (d != NULL)
			closedir(d);
		free(exp);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len > 4 && strcmp(de->d_name + len - 4, ".eml") == 0) {
			names = realloc(names, (nnames + 1) * sizeof(*names));
			names[nnames++] = strdup(de->d_name);
		}
	}
	closedir(d);
	qsort(names, nnames, sizeof(*names), cmp_names);
	CHECK(nnames >= 25, "%zu samples (at least 25)", nnames);
	for (i = 0; i < nnames; i++) {
		buf_reset(&path);
		buf_printf(&path, "%s/%s", SAMPLES, names[i]);
		if ((m = read_file(path.data, &len)) == NULL) {
			CHECK(0, "%s is readable", names[i]);
			continue;
		}
		expected_for(exp, names[i], &want);
		CHECK(want.len > 0, "%s has a line in expected.txt", names[i]);
		parse(m, len, NULL, 0, &one, &got, names[i]);
		CHECK_STR(got.data, BUF_STR(&want), "%s read as expected",
		    names[i]);
		if (want.len > 0 && strcmp(got.data, want.data) == 0)
			good++;
		parse(m, len, NULL, 1, &other, NULL, NULL);
		CHECK_STR(other.data, one.data, "%s byte by byte: the same",
		    names[i]);
		for (seed = (uint32_t)(i + 1) * 2654435761u, same = 1, k = 0;
		    k < 4; k++, seed += 7919) {
			parse(m, len, NULL, seed | 2, &other, NULL, NULL);
			if (strcmp(other.data, one.data) != 0)
				same = 0;
		}
		CHECK(same, "%s in random chunks: the same", names[i]);
		m2 = crlf(m, len, &len2);
		parse(m2, len2, NULL, 0, &other, NULL, NULL);
		CHECK_STR(other.data, one.data, "%s with CRLF: the same",
		    names[i]);
		CHECK(utf8_valid_prefix(one.data, one.len) == one.len,
		    "%s: the result is UTF-8", names[i]);
		free(m2);
		free(m);
	}
	printf("# samples read correctly: %zu of %zu\n", good, nnames);
	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(exp);
	buf_free(&want);
	buf_free(&got);
	buf_free(&one);
	buf_free(&other);
	buf_free(&path);
}

/* sample - parse one sample file in one piece; the parser to free */
static struct dsn_parser *
sample(const char *name, const struct dsn_result **r)
{
	struct buf path = BUF_INIT;
	struct dsn_parser *p = dsn_new(NULL);
	size_t	len;
	char	*m;

	buf_printf(&path, "%s/%s", SAMPLES, name);
	m = read_file(path.data, &len);
	buf_free(&path);
	*r = NULL;
	if (m == NULL || p == NULL) {
		free(m);
		return p;
	}
	if (dsn_feed(p, m, len) == 0)
		*r = dsn_finish(p);
	free(m);
	return p;
}

/* test_fields - per-message and per-recipient values of some samples */
static void
test_fields(void)
{
	const struct dsn_result *r;
	struct dsn_parser *p;

	p = sample("postfix-5xx-rcpt.eml", &r);
	CHECK(r != NULL && r->kind == DSN_KIND_RFC3464 && r->nrcpt == 1,
	    "postfix: one RFC 3464 recipient");
	if (r != NULL && r->nrcpt == 1) {
		CHECK_STR(r->envid, "1234567890-202509-1759734001.5e3a91c2",
		    "postfix: ENVID");
		CHECK_STR(r->reporting_mta, "mail.example.org",
		    "postfix: Reporting-MTA, type removed");
		CHECK_STR(r->msgid, "<edefter.1234567890.202509.1759734001."
		    "5e3a91c2@scan.example.org>",
		    "postfix: returned Message-ID");
		CHECK_STR(r->company, "1234567890", "postfix: company");
		CHECK_STR(r->period, "2025-09", "postfix: period");
		CHECK_STR(r->rcpt[0].remote_mta, "mx1.example.net",
		    "postfix: Remote-MTA");
		CHECK_STR(r->rcpt[0].diagnostic, "550 5.1.1 "
		    "<muhasebe@example.net>: Recipient address rejected: User "
		    "unknown in virtual mailbox table",
		    "postfix: Diagnostic-Code unfolded, type removed");
		CHECK(r->flags == 0, "postfix: read without trouble");
	}
	dsn_free(p);

	p = sample("orig-rcpt-differs.eml", &r);
	CHECK(r != NULL && r->nrcpt == 1 && r->rcpt[0].orig_rcpt != NULL &&
	    strcmp(r->rcpt[0].orig_rcpt, "muhasebe@example.com") == 0 &&
	    strcmp(r->rcpt[0].final_rcpt, "ali.veli@example.net") == 0,
	    "Original-Recipient differs from Final-Recipient");
	dsn_free(p);

	p = sample("multi-outcome.eml", &r);
	CHECK(r != NULL && r->nrcpt == 4 &&
	    strcmp(r->rcpt[0].final_rcpt, "Vergi.Dairesi@Example.NET") == 0 &&
	    strcmp(r->rcpt[0].final_lower, "vergi.dairesi@example.net") == 0,
	    "lowercased copy, <> and RFC822; removed");
	dsn_free(p);

	p = sample("global-dsn-utf8.eml", &r);
	CHECK(r != NULL && r->nrcpt == 1 && r->rcpt[0].orig_rcpt != NULL &&
	    strcmp(r->rcpt[0].orig_rcpt, "m\xc3\xbc\xc5\x9fteri@example.com")
	    == 0, "utf-8 \\x{..} escapes decoded");
	dsn_free(p);

	p = sample("exchange2016-dsn.eml", &r);
	CHECK(r != NULL && r->nrcpt == 1 &&
	    strcmp(r->rcpt[0].diagnostic, "Remote Server returned '550 5.1.1 "
	    "RESOLVER.ADR.RecipNotFound; not found'") == 0,
	    "no Diagnostic-Code: the text's diagnostic for that address");
	dsn_free(p);

	p = sample("exim-failed.eml", &r);
	CHECK(r != NULL && r->kind == DSN_KIND_HEURISTIC && r->envid == NULL &&
	    r->msgid != NULL && r->period != NULL &&
	    strcmp(r->period, "2025-09") == 0,
	    "heuristic: the copy of the message gives the period");
	dsn_free(p);

	p = sample("gmail-text-failed.eml", &r);
	CHECK(r != NULL && r->nrcpt == 1,
	    "the returned message's own body is never read for addresses");
	dsn_free(p);

	p = sample("out-of-office.eml", &r);
	CHECK(r != NULL && r->kind == DSN_KIND_NONE && r->nrcpt == 0 &&
	    r->msgid == NULL, "an auto-reply names nobody");
	dsn_free(p);
}

/* set - the buffer holds the string */
static void
set(struct buf *b, const char *s)
{
	buf_set(b, s, strlen(s));
}

/* parse_str - parse a string in one piece */
static const struct dsn_result *
parse_str(struct dsn_parser **pp, const struct dsn_limits *lim,
    const char *m, size_t len)
{
	*pp = dsn_new(lim);
	if (*pp == NULL || dsn_feed(*pp, m, len) < 0)
		return NULL;
	return dsn_finish(*pp);
}

#define DSN_HEAD \
	"From: MAILER-DAEMON@example.org\n" \
	"Subject: Undelivered Mail Returned to Sender\n" \
	"Content-Type: multipart/report; report-type=delivery-status;\n" \
	"\tboundary=\"BB\"\n\n" \
	"--BB\nContent-Type: message/delivery-status\n\n" \
	"Reporting-MTA: dns; mail.example.org\n\n"

/* test_edges - broken and oversized input */
static void
test_edges(void)
{
	struct dsn_limits lim = { 0, 0, 0, 0, 0 };
	const struct dsn_result *r;
	struct dsn_parser *p;
	struct buf m = BUF_INIT;
	size_t	i;

	/* no final boundary, no final newline */
	set(&m, DSN_HEAD);
	buf_adds(&m, "Final-Recipient: rfc822; a@example.com\n"
	    "Action: failed\nStatus: 5.1.1");
	r = parse_str(&p, NULL, m.data, m.len);
	CHECK(r != NULL && r->nrcpt == 1 && strcmp(r->rcpt[0].status,
	    "5.1.1") == 0 && (r->flags & DSN_MALFORMED),
	    "no final boundary: read, and marked malformed");
	dsn_free(p);

	/* unquoted boundary, Action from Status and back */
	set(&m, "Content-Type: multipart/report; boundary=XY;"
	    " report-type=delivery-status\n\n--XY\n"
	    "Content-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; a@example.com\nStatus: 4.2.2\n\n"
	    "Final-Recipient: rfc822; b@example.com\nAction: failed\n\n"
	    "Final-Recipient: rfc822; c@example.com\n"
	    "Diagnostic-Code: smtp; 550 5.7.1 no\n\n"
	    "Final-Recipient: rfc822; d@example.com\n\n"
	    "Action: failed\nStatus: 5.1.1\n\n--XY--\n");
	r = parse_str(&p, NULL, m.data, m.len);
	CHECK(r != NULL && r->nrcpt == 3, "three usable blocks of five");
	if (r != NULL && r->nrcpt == 3) {
		CHECK(r->rcpt[0].action == DSN_DELAYED &&
		    strcmp(r->rcpt[0].status, "4.2.2") == 0,
		    "no Action: delayed from 4.2.2");
		CHECK(r->rcpt[1].action == DSN_FAILED &&
		    strcmp(r->rcpt[1].status, "5.0.0") == 0,
		    "no Status: 5.0.0 from failed");
		CHECK(r->rcpt[2].action == DSN_FAILED &&
		    strcmp(r->rcpt[2].status, "5.7.1") == 0,
		    "neither: both from the Diagnostic-Code");
		CHECK(r->flags & DSN_MALFORMED,
		    "a block without address, one without outcome: malformed");
	}
	dsn_free(p);

	/* no blank line between recipients; ORCPT with its '>' */
	set(&m, DSN_HEAD);
	buf_adds(&m, "Final-Recipient: rfc822; a@example.com\n"
	    "Original-Recipient: rfc822;A@example.com>\n"
	    "Action: failed\nStatus: 5.1.1\n"
	    "Final-Recipient: rfc822;<b@example.com>\n"
	    "Action: delayed\nStatus: 4.4.1 (no answer)\n--BB--\n");
	r = parse_str(&p, NULL, m.data, m.len);
	CHECK(r != NULL && r->nrcpt == 2 && r->rcpt[0].orig_rcpt != NULL &&
	    strcmp(r->rcpt[0].orig_rcpt, "A@example.com") == 0 &&
	    strcmp(r->rcpt[1].final_rcpt, "b@example.com") == 0 &&
	    r->rcpt[1].orig_rcpt == NULL &&
	    strcmp(r->rcpt[1].status, "4.4.1") == 0,
	    "two recipients in one block; a trailing '>' dropped");
	dsn_free(p);

	/* a huge header line and a huge Diagnostic-Code line */
	set(&m, "From: MAILER-DAEMON@example.org\nX-Long: ");
	for (i = 0; i < 1000000; i++)
		buf_addc(&m, 'x');
	buf_adds(&m, "\nContent-Type: multipart/report; boundary=\"BB\"\n\n"
	    "--BB\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; a@example.com\nAction: failed\n"
	    "Status: 5.1.1\nDiagnostic-Code: smtp; 550 ");
	for (i = 0; i < 1000000; i++)
		buf_addc(&m, i % 10 == 9 ? ' ' : 'y');
	buf_adds(&m, "\n\n--BB--\n");
	r = parse_str(&p, NULL, m.data, m.len);
	CHECK(r != NULL && r->nrcpt == 1 && (r->flags & DSN_TRUNCATED),
	    "1 MB lines: read, and marked truncated");
	if (r != NULL && r->nrcpt == 1) {
		size_t	dl = strlen(r->rcpt[0].diagnostic);

		CHECK(dl <= 1003 && dl > 900 && strcmp(r->rcpt[0].diagnostic +
		    dl - 3, "...") == 0, "diagnostic cut at 1000 bytes, "
		    "marked with ... (%zu)", dl);
	}
	dsn_free(p);

	/* 5000 recipients: the first 1000 kept, the rest counted */
	set(&m, DSN_HEAD);
	for (i = 0; i < 5000; i++)
		buf_printf(&m, "Final-Recipient: rfc822; r%zu@example.com\n"
		    "Action: failed\nStatus: 5.1.1\n\n", i);
	buf_adds(&m, "--BB--\n");
	r = parse_str(&p, NULL, m.data, m.len);
	CHECK(r != NULL && r->nrcpt == 1000 && r->ndropped == 4000 &&
	    (r->flags & DSN_TOOMANY), "5000 recipients: 1000 kept, 4000 "
	    "counted");
	CHECK(r != NULL && r->nrcpt == 1000 &&
	    strcmp(r->rcpt[999].final_rcpt, "r999@example.com") == 0,
	    "the first 1000 are the ones kept");
	dsn_free(p);
	lim.max_rcpts = 3;
	r = parse_str(&p, &lim, m.data, m.len);
	CHECK(r != NULL && r->nrcpt == 3 && r->ndropped == 4997,
	    "max_rcpts 3: 3 kept");
	dsn_free(p);

	/* nesting deeper than max_depth */
	set(&m, "Content-Type: multipart/mixed; boundary=n0n\n\n");
	for (i = 1; i <= 20; i++)
		buf_printf(&m, "--n%zun\nContent-Type: multipart/mixed; "
		    "boundary=n%zun\n\n", i - 1, i);
	buf_adds(&m, "--n20n\nContent-Type: message/delivery-status\n\n"
	    "Final-Recipient: rfc822; a@example.com\nAction: failed\n\n");
	r = parse_str(&p, NULL, m.data, m.len);
	CHECK(r != NULL && r->nrcpt == 0 && (r->flags & DSN_TRUNCATED),
	    "21 nested multiparts: not read past 16, marked truncated");
	dsn_free(p);
	lim.max_rcpts = 0;
	lim.max_depth = 32;
	r = parse_str(&p, &lim, m.data, m.len);
	CHECK(r != NULL && r->nrcpt == 1, "with max_depth 32: read");
	dsn_free(p);

	/* base64 without padding nor final newline; empty input */
	set(&m, "Content-Type: message/delivery-status\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    "RmluYWwtUmVjaXBpZW50OiByZmM4MjI7IGFAZXhhbXBsZS5jb20K"
	    "QWN0aW9uOiBmYWlsZWQKU3RhdHVzOiA1LjEuMQ");
	r = parse_str(&p, NULL, m.data, m.len);
	CHECK(r != NULL && r->nrcpt == 1 && strcmp(r->rcpt[0].status, "5.1.1")
	    == 0, "base64 without padding nor final newline");
	dsn_free(p);
	r = parse_str(&p, NULL, "", 0);
	CHECK(r != NULL && r->kind == DSN_KIND_NONE && r->nrcpt == 0,
	    "empty input: nothing");
	CHECK(r != NULL && dsn_finish(p) == r, "dsn_finish twice: the same");
	dsn_free(p);

	/* a notice needs bounce wording before an address counts */
	set(&m, "From: MAILER-DAEMON@example.org\nSubject: failure\n\n"
	    "a@example.com\n\nThis message could not be delivered.\n\n"
	    "<b@example.com>: 550 no such user\n");
	r = parse_str(&p, NULL, m.data, m.len);
	CHECK(r != NULL && r->kind == DSN_KIND_HEURISTIC && r->nrcpt == 1 &&
	    strcmp(r->rcpt[0].final_rcpt, "b@example.com") == 0 &&
	    strcmp(r->rcpt[0].status, "5.0.0") == 0,
	    "heuristic: only after the wording; 550 gives 5.0.0");
	dsn_free(p);
	set(&m, "From: Someone <s@example.com>\nSubject: Re: hello\n\n"
	    "This message could not be delivered.\n\n<b@example.com>: 550\n");
	r = parse_str(&p, NULL, m.data, m.len);
	CHECK(r != NULL && r->nrcpt == 0,
	    "heuristic: not for a message that is no notification");
	dsn_free(p);

	buf_free(&m);
}

/* test_verp - the token in the envelope sender and the ENVID */
static void
test_verp(void)
{
	static const char *const bad_rcpt[] = {
		"bounce+1234567890-202510@office.example.com",
		"bounces+1234567890-202510@office.example",
		"bounce-1234567890-202510@office.example",
		"bounce@office.example",
		"bounce+@office.example",
		"bounce+1234567891-202510@office.example",
		"bounce+1234567890-202513@office.example",
		"bounce+1234567890-202500@office.example",
		"bounce+1234567890-199912@office.example",
		"bounce+1234567890-20251@office.example",
		"bounce+1234567890-2025100@office.example",
		"bounce+1234567890202510@office.example",
		"bounce+1234567890-202510x@office.example",
		"bounce+123456789-202510@office.example",
		"bounce+10000000147-202510@office.example",
		"bounce++1234567890-202510@office.example",
		"<bounce+1234567890-202510@office.example>",
		"bounce+1234567890-202510@office.example ",
		"bounce+1234567890-202510",
		"",
	};
	static const char *const bad_envid[] = {
		"1234567890-202510", "1234567890-202510-",
		"1234567890-202510-a+b", "1234567890-202510-a=b",
		"1234567890-202510-a b", "1234567890-202510_x",
		"1234567891-202510-x", "1234567890-202513-x",
		"x-1234567890-202510-y", "",
	};
	struct buf b = BUF_INIT;
	struct verp_key k;
	const char *u;
	size_t	i, ul;
	char	up[128], longu[VERP_UNIQUE_MAX + 2];

	CHECK(verp_address(&b, "bounce@office.example", "1234567890", 2025,
	    10) == 0 && strcmp(b.data,
	    "bounce+1234567890-202510@office.example") == 0,
	    "VERP address: %s", BUF_STR(&b));
	memset(&k, 0, sizeof(k));
	CHECK(verp_parse_address(b.data, b.len, "bounce@office.example", &k)
	    == 0 && strcmp(k.id, "1234567890") == 0 && k.year == 2025 &&
	    k.month == 10, "VERP address parsed back");
	CHECK(verp_address(&b, "Bounce@Office.Example", "10000000146", 2026,
	    1) == 0 && strcmp(b.data,
	    "Bounce+10000000146-202601@Office.Example") == 0,
	    "VERP address with a TCKN");
	for (i = 0; i < b.len && i < sizeof(up) - 1; i++)
		up[i] = (char)ascii_toupper((unsigned char)b.data[i]);
	up[i] = '\0';
	CHECK(verp_parse_address(up, strlen(up), "bounce@office.example", &k)
	    == 0 && strcmp(k.id, "10000000146") == 0 && k.year == 2026 &&
	    k.month == 1, "upper-cased VERP address parsed: %s", up);
	for (i = 0; i < sizeof(bad_rcpt) / sizeof(bad_rcpt[0]); i++)
		CHECK(verp_parse_address(bad_rcpt[i], strlen(bad_rcpt[i]),
		    "bounce@office.example", &k) < 0, "rejected: '%s'",
		    bad_rcpt[i]);
	CHECK(verp_parse_address("bounce+1234567890-202510@office.example",
	    39, "bounce@office.example", &k) == 0,
	    "explicit length, no terminator needed");
	CHECK(verp_parse_address("bounce+1234567890-202510@office.exampleX",
	    39, "bounce@office.example", &k) == 0,
	    "bytes past the length ignored");

	buf_set(&b, "keep", 4);
	errno = 0;
	CHECK(verp_address(&b, "bounce+x@office.example", "1234567890", 2025,
	    10) < 0 && errno == EINVAL && strcmp(b.data, "keep") == 0,
	    "a BounceAddress with + is refused, out untouched");
	CHECK(verp_address(&b, "bounce", "1234567890", 2025, 10) < 0,
	    "a BounceAddress without @ is refused");
	CHECK(verp_address(&b, "bounce@office.example", "1234567891", 2025,
	    10) < 0, "a bad id is refused");
	CHECK(verp_address(&b, "bounce@office.example", "1234567890", 2025,
	    13) < 0, "month 13 is refused");
	CHECK(verp_address(&b, "a234567890123456789012345678901234567890123456"
	    "@office.example", "1234567890", 2025, 10) < 0,
	    "a local part with no room for the token is refused");
	CHECK(verp_bounce_valid("bounce@office.example", 21) == 0 &&
	    verp_bounce_valid("bounce@", 7) < 0 &&
	    verp_bounce_valid("<bounce@office.example>", 23) < 0,
	    "verp_bounce_valid");

	CHECK(verp_token(&b, "1234567890", 2025, 9) == 0 &&
	    strcmp(b.data, "1234567890-202509") == 0, "token %s", b.data);
	CHECK(verp_parse_token("10000000146-202512", 18, &k) == 0 &&
	    k.month == 12 && verp_parse_token("10000000146-202512", 17, &k) <
	    0, "token parsed, and not when cut");

	CHECK(verp_envid(&b, "1234567890", 2025, 9, "1759734001.5e3a91c2",
	    19) == 0 && strcmp(b.data, "1234567890-202509-1759734001.5e3a91c2")
	    == 0, "ENVID %s", BUF_STR(&b));
	CHECK(verp_parse_envid(b.data, b.len, &k, &u, &ul) == 0 &&
	    strcmp(k.id, "1234567890") == 0 && k.year == 2025 &&
	    k.month == 9 && ul == 19 && memcmp(u, "1759734001.5e3a91c2", 19)
	    == 0, "ENVID parsed back");
	for (i = 0; i < b.len; i++)
		if (b.data[i] < '!' || b.data[i] > '~' || b.data[i] == '+' ||
		    b.data[i] == '=')
			break;
	CHECK(i == b.len && b.len <= 100, "ENVID is xtext-safe, at most 100");
	memset(longu, 'u', sizeof(longu));
	CHECK(verp_envid(&b, "10000000146", 2025, 9, longu, VERP_UNIQUE_MAX)
	    == 0 && b.len == VERP_ENVID_MAX && b.len <= 100,
	    "ENVID with an 11-digit id and the longest unique part");
	CHECK(verp_envid(&b, "1234567890", 2025, 9, longu,
	    VERP_UNIQUE_MAX + 1) < 0, "unique part too long: refused");
	CHECK(verp_envid(&b, "1234567890", 2025, 9, "a+b", 3) < 0 &&
	    verp_envid(&b, "1234567890", 2025, 9, "", 0) < 0,
	    "unique part not xtext-safe or empty: refused");
	for (i = 0; i < sizeof(bad_envid) / sizeof(bad_envid[0]); i++)
		CHECK(verp_parse_envid(bad_envid[i], strlen(bad_envid[i]), &k,
		    &u, &ul) < 0, "ENVID rejected: '%s'", bad_envid[i]);
	buf_free(&b);
}

int
main(void)
{
	test_samples();
	test_fields();
	test_edges();
	test_verp();
	return check_done();
}
