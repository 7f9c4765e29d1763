/*
 * test_mime - the streaming attachment name reader.
 *
 * Messages are written with LF; most are read both as written and with
 * CRLF.  The top-level header is handed over field by field, as a milter
 * gets it, and the body in chunks cut where a test says.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "json.h"
#include "mime.h"

#define S_SIRKET	"\xc5\x9eirket_Ocak.zip"	/* Şirket_Ocak.zip */
#define S_ISTANBUL	"\xc4\xb0stanbul_\xc4\xb1.zip"	/* İstanbul_ı.zip */
#define KB		"GIB-1234567890-202501-KB-000000.zip"

static int bad_name;		/* a name with CR, LF, NUL or bad UTF-8 */

/* collect - the callback: names joined with '|' */
static int
collect(const char *name, size_t len, void *arg)
{
	struct buf *b = arg;
	size_t	i;

	if (strlen(name) != len || utf8_valid_prefix(name, len) != len)
		bad_name = 1;
	for (i = 0; i < len; i++)
		if (name[i] == '\r' || name[i] == '\n')
			bad_name = 1;
	if (b->len > 0)
		buf_addc(b, '|');
	buf_add(b, name, len);
	return 0;
}

/* crlf - the message with every LF made CRLF */
static char *
crlf(const char *s, size_t *len)
{
	struct buf b = BUF_INIT;

	for (; *s; s++)
		buf_add(&b, *s == '\n' ? "\r\n" : s, *s == '\n' ? 2 : 1);
	*len = b.len;
	return buf_steal(&b);
}

/* body_start - offset of the body: after the first empty line */
static size_t
body_start(const char *m, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (m[i] == '\n' && (i + 1 == len || m[i + 1] == '\n' ||
		    (m[i + 1] == '\r' && i + 2 < len && m[i + 2] == '\n')))
			return i + 1 < len && m[i + 1] == '\r' ? i + 3 : i + 2;
	return len;
}

/* headers - hand the top-level fields over one by one */
static void
headers(struct mime_reader *r, const char *m, size_t hlen)
{
	struct buf name = BUF_INIT, value = BUF_INIT;
	size_t	i = 0, j, c;

	while (i < hlen) {
		for (j = i; j < hlen && (j == i || m[j - 1] != '\n' ||
		    m[j] == ' ' || m[j] == '\t'); j++)
			;
		for (c = i; c < j && m[c] != ':'; c++)
			;
		if (c < j) {
			buf_set(&name, m + i, c - i);
			c++;
			if (c < j && m[c] == ' ')
				c++;
			buf_set(&value, m + c, j - c);
			while (value.len > 0 &&
			    (value.data[value.len - 1] == '\n' ||
			    value.data[value.len - 1] == '\r'))
				buf_truncate(&value, value.len - 1);
			mime_header(r, name.data, BUF_STR(&value));
		}
		i = j;
	}
	buf_free(&name);
	buf_free(&value);
}

/* run_cuts - read a message, the body cut at the given offsets */
static unsigned
run_cuts(const char *m, size_t len, const size_t *cut, size_t ncut,
    const struct mime_limits *lim, struct buf *names)
{
	struct mime_reader *r;
	size_t	b = body_start(m, len), at = b, i, to;
	unsigned flags;

	buf_reset(names);
	r = mime_new(lim, collect, names);
	headers(r, m, b);
	mime_eoh(r);
	for (i = 0; i <= ncut; i++) {
		to = i < ncut ? b + cut[i] : len;
		if (to > len)
			to = len;
		if (to < at)
			continue;
		mime_body(r, (const unsigned char *)m + at, to - at);
		at = to;
	}
	mime_end(r);
	flags = mime_flags(r);
	mime_free(r);
	return flags;
}

/* run - read a message whole */
static unsigned
run(const char *m, struct buf *names)
{
	return run_cuts(m, strlen(m), NULL, 0, NULL, names);
}

/* run_chunks - read a message in chunks of n bytes */
static unsigned
run_chunks(const char *m, size_t len, size_t n, struct buf *names)
{
	struct mime_reader *r;
	size_t	b = body_start(m, len), i;
	unsigned flags;

	buf_reset(names);
	r = mime_new(NULL, collect, names);
	headers(r, m, b);
	for (i = b; i < len; i += n)
		mime_body(r, (const unsigned char *)m + i,
		    len - i < n ? len - i : n);
	mime_end(r);
	flags = mime_flags(r);
	mime_free(r);
	return flags;
}

/* expect - read m with LF and CRLF, check the names and flags */
static void
expect(const char *what, const char *m, const char *want, unsigned flags)
{
	struct buf names = BUF_INIT;
	unsigned got;
	char	*c;
	size_t	len;

	got = run(m, &names);
	CHECK_STR(BUF_STR(&names), want, "%s: names", what);
	CHECK(got == flags, "%s: flags 0x%x, want 0x%x", what, got, flags);
	c = crlf(m, &len);
	got = run_cuts(c, len, NULL, 0, NULL, &names);
	CHECK_STR(BUF_STR(&names), want, "%s, CRLF: names", what);
	CHECK(got == flags, "%s, CRLF: flags 0x%x", what, got);
	free(c);
	buf_free(&names);
}

static const char msg_simple[] =
    "From: a@example.com\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"==b1\"\n"
    "\n"
    "preamble\n"
    "--==b1\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "text\n"
    "--==b1\n"
    "Content-Type: application/zip; name=\"" KB "\"\n"
    "Content-Disposition: attachment; filename=\"" KB "\"\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==\n"
    "--==b1--\n"
    "epilogue\n";

static const char msg_nested[] =
    "Content-Type: multipart/mixed;\n"
    "\tboundary=outer\n"
    "\n"
    "--outer\n"
    "Content-Type: multipart/alternative; boundary=\"alt\"\n"
    "\n"
    "--alt\n"
    "Content-Type: text/plain\n"
    "\n"
    "--alt is not a boundary when it is inside text? it is\n"
    "--alt\n"
    "Content-Type: multipart/mixed; boundary=\"in\"\n"
    "\n"
    "--in\n"
    "Content-Type: application/octet-stream;\n"
    " name*0*=utf-8''%C5%9Eirket;\n"
    " name*1=\"_Ocak.zip\"\n"
    "\n"
    "AAAA\n"
    "--in  \t\n"
    "Content-Disposition: attachment;\n"
    "  filename=\"=?UTF-8?B?xLBzdGFuYnVsX8SxLnppcA==?=\"\n"
    "\n"
    "AAAA\n"
    "--in--\n"
    "--alt--\t \n"
    "--outer\n"
    "Content-Disposition: attachment; filename*=iso-8859-9'tr'%DEirket.xml\n"
    "\n"
    "--outer--\n";

static void
test_basic(void)
{
	expect("simple multipart", msg_simple, KB, 0);
	expect("nested multiparts", msg_nested,
	    S_SIRKET "|" S_ISTANBUL "|\xc5\x9eirket.xml", 0);
	expect("Outlook style, both names",
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n"
	    "Content-Type: application/zip;\n"
	    "\tname=\"=?utf-8?Q?=C5=9Eirket=5FOcak.zip?=\"\n"
	    "Content-Disposition: attachment;\n"
	    "\tfilename*=utf-8''%C5%9Eirket_Ocak.zip;\n"
	    "\tfilename=\"=?utf-8?B?xZ5pcmtldF9PY2FrLnppcA==?=\"\n"
	    "\n--b--\n", S_SIRKET, 0);
	expect("different names in one part are all reported",
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n"
	    "Content-Disposition: attachment; filename=\"harmless.txt\";\n"
	    " filename*=utf-8''" KB "\n"
	    "Content-Type: application/zip; name=other.zip\n"
	    "\n--b--\n", KB "|harmless.txt|other.zip", 0);
	expect("single part message with a filename",
	    "Content-Type: application/zip\n"
	    "Content-Disposition: attachment;\n"
	    " filename*0=\"GIB-1234567890-202501-\";\n"
	    " filename*1=\"KB-000000.zip\"\n\n"
	    "UEsFBg==\n", KB, 0);
	expect("no attachments",
	    "Subject: hello\nContent-Type: text/plain\n\nfilename=\"x\"\n",
	    "", 0);
	expect("no header at all", "\nbody\n", "", 0);
	expect("ISO-8859-9 and Q words",
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n"
	    "Content-Type: application/zip;\n"
	    " name==?iso-8859-9?q?=DDstanbul=5F=FD.zip?=\n"
	    "\n--b--\n", S_ISTANBUL, 0);
	expect("a name folded inside its quotes",
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n"
	    "Content-Disposition: attachment; filename=\"GIB-1234567890-\n"
	    "\t202501-KB-000000.zip\"; size=1\n"
	    "Content-Type: application/zip; name=\"long\n"
	    "  name.zip\"\n"
	    "\n--b--\n", "GIB-1234567890- 202501-KB-000000.zip|long  name.zip",
	    0);
	expect("case and white space in field names",
	    "CONTENT-TYPE : Multipart/Mixed; BOUNDARY=b\n\n"
	    "--b\n"
	    "content-disposition  :attachment; FILENAME=x.zip\n"
	    "\n--b--\n", "x.zip", 0);
	expect("message/rfc822 is not looked into",
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n"
	    "Content-Type: message/rfc822\n\n"
	    "Content-Type: multipart/mixed; boundary=c\n\n"
	    "--c\n"
	    "Content-Disposition: attachment; filename=inner.zip\n\n"
	    "--c--\n"
	    "--b\n"
	    "Content-Disposition: attachment; filename=after.zip\n\n"
	    "--b--\n", "after.zip", MIME_EMBEDDED);
	expect("fake headers in preamble, text and epilogue are text",
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "Content-Disposition: attachment; filename=pre.zip\n"
	    "--b\n\n"
	    "Content-Disposition: attachment; filename=text.zip\n"
	    "--b--\n"
	    "Content-Disposition: attachment; filename=epi.zip\n"
	    "--b\n"
	    "Content-Disposition: attachment; filename=late.zip\n\n", "", 0);
	expect("outer boundary a prefix of the inner one",
	    "Content-Type: multipart/mixed; boundary=abc\n\n"
	    "--abc\n"
	    "Content-Type: multipart/mixed; boundary=abcdef\n\n"
	    "--abcdef\n"
	    "Content-Disposition: attachment; filename=1.zip\n\n"
	    "--abcdef--\n"
	    "--abc\n"
	    "Content-Disposition: attachment; filename=2.zip\n\n"
	    "--abc--\n", "1.zip|2.zip", 0);
	expect("inner boundary a prefix of the outer one",
	    "Content-Type: multipart/mixed; boundary=abcdef\n\n"
	    "--abcdef\n"
	    "Content-Type: multipart/mixed; boundary=abc\n\n"
	    "--abc\n"
	    "Content-Disposition: attachment; filename=1.zip\n\n"
	    "--abcdef \n"
	    "Content-Disposition: attachment; filename=2.zip\n\n"
	    "--abcdef--\n"
	    "--abc\n"
	    "Content-Disposition: attachment; filename=3.zip\n\n",
	    "1.zip|2.zip", MIME_MALFORMED);
	expect("a boundary line with text after it",
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b junk\n"
	    "Content-Disposition: attachment; filename=1.zip\n\n"
	    "--b--junk\n"
	    "--b\n"
	    "Content-Disposition: attachment; filename=2.zip\n\n", "1.zip",
	    0);
	expect("part header cut short by a boundary",
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n"
	    "Content-Disposition: attachment; filename=1.zip\n"
	    "--b\n"
	    "Content-Disposition: attachment; filename=2.zip\n"
	    "--b--\n", "1.zip|2.zip", 0);
	expect("an outer boundary closes inner parts",
	    "Content-Type: multipart/mixed; boundary=o\n\n"
	    "--o\n"
	    "Content-Type: multipart/mixed; boundary=i\n\n"
	    "--i\n"
	    "Content-Disposition: attachment; filename=1.zip\n\n"
	    "--o\n"
	    "Content-Disposition: attachment; filename=2.zip\n\n"
	    "--o--\n", "1.zip|2.zip", MIME_MALFORMED);
	expect("multipart never closed",
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n"
	    "Content-Disposition: attachment; filename=1.zip\n\n"
	    "data", "1.zip", MIME_MALFORMED);
	expect("message ends inside a part header",
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n"
	    "Content-Disposition: attachment; filename=1.zip", "1.zip",
	    MIME_MALFORMED);
	expect("last boundary without a line end",
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n"
	    "Content-Disposition: attachment; filename=1.zip\n\n"
	    "--b--", "1.zip", 0);
}

static void
test_broken(void)
{
	struct buf names = BUF_INIT;
	struct mime_reader *r;
	char	b71[300], *m;
	unsigned flags;

	expect("multipart without boundary",
	    "Content-Type: multipart/mixed\n\n"
	    "--b\nContent-Disposition: attachment; filename=1.zip\n\n",
	    "", MIME_TRUNCATED);
	expect("multipart with empty boundary",
	    "Content-Type: multipart/mixed; boundary=\"\"\n\n"
	    "--\nContent-Disposition: attachment; filename=1.zip\n\n",
	    "", MIME_TRUNCATED);
	memset(b71, 'x', 100);
	b71[100] = '\0';
	m = malloc(1000);
	snprintf(m, 1000, "Content-Type: multipart/mixed; boundary=\"%s\"\n\n"
	    "--%s\nContent-Disposition: attachment; filename=1.zip\n\n--%s--\n",
	    b71, b71, b71);
	expect("a boundary of 100 characters", m, "1.zip", 0);
	memset(b71, 'x', 201);
	b71[201] = '\0';
	snprintf(m, 1000, "Content-Type: multipart/mixed; boundary=\"%s\"\n\n"
	    "--%sy\nContent-Disposition: attachment; filename=1.zip\n\n", b71,
	    b71);
	expect("a boundary over the limit", m, "", MIME_TRUNCATED);
	free(m);
	expect("broken words and charsets",
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n"
	    "Content-Type: a/b; name=\"=?no-such?q?x=FF?=\"\n"
	    "Content-Disposition: attachment; filename*=bogus''%41%zz\n\n"
	    "--b\n"
	    "Content-Disposition: attachment; filename=\"=?utf-8?b?!!!\"\n\n"
	    "--b--\n", "x\xef\xbf\xbd|A%zz|=?utf-8?b?!!!", MIME_LOSSY);
	expect("CR, LF and NUL from encoded words are removed",
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n"
	    "Content-Disposition: attachment;\n"
	    " filename=\"=?utf-8?q?a=0D=0Ab=00c?=\"\n\n"
	    "--b\n"
	    "Content-Disposition: attachment; filename=\"=?utf-8?q?=0A?=\"\n\n"
	    "--b--\n", "abc", MIME_LOSSY);
	expect("a repeated name is reported once",
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\n"
	    "Content-Type: a/b; name=x.zip\n"
	    "Content-Disposition: attachment; filename=x.zip\n"
	    "Content-Disposition: attachment; filename=\"x.zip\"\n\n"
	    "--b\n"
	    "Content-Disposition: attachment; filename=x.zip\n\n"
	    "--b--\n", "x.zip|x.zip", 0);

	/* NUL bytes in a header and body */
	{
		static const char nul[] = "Content-Type: multipart/mixed; "
		    "boundary=b\n\n--b\nX\0: y\nContent-Disposition: "
		    "attachment; filename=\"a\0b.zip\"\n\n\0\0--b\n--b--\n";

		flags = run_cuts(nul, sizeof(nul) - 1, NULL, 0, NULL, &names);
		CHECK_STR(BUF_STR(&names), "ab.zip",
		    "NUL in a name is removed");
		CHECK(flags == MIME_LOSSY, "NUL: lossy, flags 0x%x", flags);
	}

	/* no callback */
	{
		static const char *const two = "Content-Type: multipart/mixed;"
		    " boundary=b\n\n--b\nContent-Disposition: attachment; "
		    "filename=1.zip\n\n--b\nContent-Disposition: attachment;"
		    " filename=2.zip\n\n--b--\n";
		const char *body = strstr(two, "\n\n") + 2;

		r = mime_new(NULL, NULL, NULL);
		mime_header(r, "Content-Type", "multipart/mixed; boundary=b");
		mime_body(r, (const unsigned char *)body, strlen(body));
		mime_end(r);
		CHECK(mime_count(r) == 2, "no callback: names counted");
		mime_free(r);
	}
	buf_free(&names);
}

static int
stop_first(const char *name, size_t len, void *arg)
{
	(void)name;
	(void)len;
	(*(int *)arg)++;
	return 1;
}

static int
fail_first(const char *name, size_t len, void *arg)
{
	(void)name;
	(void)len;
	(*(int *)arg)++;
	return -1;
}

static void
test_stop(void)
{
	struct mime_reader *r;
	static const char body[] = "--b\nContent-Disposition: attachment; "
	    "filename=1.zip\n\n--b\nContent-Disposition: attachment; "
	    "filename=2.zip\n\n--b--\n";
	int	calls = 0;

	r = mime_new(NULL, stop_first, &calls);
	mime_header(r, "Content-Type", "multipart/mixed;\r\n boundary=b");
	mime_eoh(r);
	CHECK(mime_body(r, (const unsigned char *)body, sizeof(body) - 1) == 0,
	    "stop: mime_body returns 0");
	CHECK(mime_end(r) == 0, "stop: mime_end returns 0");
	CHECK(calls == 1 && mime_flags(r) == MIME_STOPPED,
	    "the callback stopped the reader after one name");
	mime_free(r);

	calls = 0;
	r = mime_new(NULL, fail_first, &calls);
	mime_header(r, "Content-Type", "multipart/mixed; boundary=b");
	CHECK(mime_body(r, (const unsigned char *)body, 20) == 0,
	    "failing callback: no name yet");
	CHECK(mime_body(r, (const unsigned char *)body + 20,
	    sizeof(body) - 21) == -1, "failing callback: mime_body fails");
	CHECK(mime_end(r) == -1 && mime_flags(r) & MIME_ERROR &&
	    mime_flags(r) & MIME_TRUNCATED, "failing callback: MIME_ERROR");
	CHECK(calls == 1, "failing callback called once");
	mime_free(r);
}

/* test_splits - the same names and flags wherever the body is cut */
static void
test_splits(void)
{
	struct buf want = BUF_INIT, got = BUF_INIT;
	const char *const msgs[] = { msg_simple, msg_nested };
	size_t	cut[2], len, b, i, j, m, bad = 0, runs = 0;
	unsigned wflags, flags;
	char	*c;

	for (m = 0; m < 4; m++) {
		if (m & 1)
			c = crlf(msgs[m / 2], &len);
		else {
			c = strdup(msgs[m / 2]);
			len = strlen(c);
		}
		b = body_start(c, len);
		wflags = run_cuts(c, len, NULL, 0, NULL, &want);
		for (i = 0; i <= len - b; i++) {
			cut[0] = i;
			flags = run_cuts(c, len, cut, 1, NULL, &got);
			runs++;
			if (flags != wflags || strcmp(BUF_STR(&got),
			    BUF_STR(&want)) != 0)
				bad++;
		}
		for (i = 1; i < 8; i++) {
			run_chunks(c, len, i, &got);
			runs++;
			if (strcmp(BUF_STR(&got), BUF_STR(&want)) != 0)
				bad++;
		}
		if (m < 2) {		/* every pair of cuts */
			for (i = 0; i <= len - b; i++)
				for (j = i; j <= len - b; j++) {
					cut[0] = i;
					cut[1] = j;
					flags = run_cuts(c, len, cut, 2, NULL,
					    &got);
					runs++;
					if (flags != wflags ||
					    strcmp(BUF_STR(&got),
					    BUF_STR(&want)) != 0)
						bad++;
				}
		}
		CHECK(want.len > 0, "message %zu has names", m);
		free(c);
	}
	CHECK(bad == 0, "%zu of %zu cut readings differ", bad, runs);
	buf_free(&want);
	buf_free(&got);
}

/* test_deep - 1000 nested multiparts stop at the depth limit */
static void
test_deep(void)
{
	struct buf m = BUF_INIT, names = BUF_INIT;
	unsigned flags;
	int	i;

	/* "b3." is no prefix of "b32.", as RFC 2046 wants */
	buf_adds(&m, "Content-Type: multipart/mixed; boundary=b0.\n\n");
	for (i = 0; i < 1000; i++)
		buf_printf(&m, "--b%d.\nContent-Disposition: attachment; "
		    "filename=f%d.zip\n\nx\n--b%d.\nContent-Type: "
		    "multipart/mixed; boundary=\"b%d.\"\n\n", i, i, i, i + 1);
	for (i = 1000; i >= 0; i--)
		buf_printf(&m, "--b%d.--\n", i);
	flags = run_cuts(m.data, m.len, NULL, 0, NULL, &names);
	CHECK(flags == MIME_TRUNCATED, "1000 deep: truncated, flags 0x%x",
	    flags);
	CHECK(strncmp(BUF_STR(&names), "f0.zip|f1.zip|", 14) == 0,
	    "1000 deep: outer names found");
	CHECK(strstr(BUF_STR(&names), "|f31.zip") != NULL &&
	    strstr(BUF_STR(&names), "|f32.zip") == NULL,
	    "1000 deep: names to depth 32, none deeper");
	flags = run_chunks(m.data, m.len, 7, &names);
	CHECK(flags == MIME_TRUNCATED, "1000 deep in chunks of 7");

	/* without the close lines: never closed, still truncated */
	buf_reset(&m);
	buf_adds(&m, "Content-Type: multipart/mixed; boundary=b0.\n\n");
	for (i = 0; i < 1000; i++)
		buf_printf(&m, "--b%d.\nContent-Type: multipart/mixed; "
		    "boundary=\"b%d.\"\n\n", i, i + 1);
	flags = run_cuts(m.data, m.len, NULL, 0, NULL, &names);
	CHECK(flags == (MIME_TRUNCATED | MIME_MALFORMED),
	    "1000 deep, unclosed: flags 0x%x", flags);
	buf_free(&m);
	buf_free(&names);
}

/* test_big - long lines, long fields, many names, many parameters */
static void
test_big(void)
{
	struct buf m = BUF_INIT, names = BUF_INIT, v = BUF_INIT;
	struct mime_reader *r;
	struct mime_limits lim = { 0, 0, 0 };
	unsigned flags;
	size_t	i;

	buf_adds(&m,
	    "Content-Type: multipart/mixed; boundary=b\n\n--b\nX-Long: ");
	for (i = 0; i < 1024 * 1024; i++)
		buf_addc(&m, 'a' + i % 26);
	buf_adds(&m, "\nContent-Disposition: attachment; filename=after.zip\n\n"
	    "--b\nContent-Disposition: attachment; filename=\"");
	for (i = 0; i < 1024 * 1024; i++)
		buf_addc(&m, 'a');
	buf_adds(&m, "\"\n\n--b\nContent-Disposition: attachment; "
	    "filename=last.zip\n\n");
	for (i = 0; i < 1024 * 1024; i++)	/* a 1 MB body line */
		buf_addc(&m, i % 1000 ? '-' : '\r');
	buf_adds(&m, "\n--b--\n");
	flags = run_cuts(m.data, m.len, NULL, 0, NULL, &names);
	CHECK_STR(BUF_STR(&names), "after.zip|last.zip",
	    "1 MB header lines: the names around them");
	CHECK(flags == MIME_TRUNCATED, "1 MB filename: truncated, 0x%x",
	    flags);
	flags = run_chunks(m.data, m.len, 4093, &names);
	CHECK_STR(BUF_STR(&names), "after.zip|last.zip", "the same in chunks");

	/* a 1 MB top-level field */
	for (i = 0; i < 1024 * 1024; i++)
		buf_addc(&v, 'x');
	r = mime_new(NULL, collect, &names);
	buf_reset(&names);
	mime_header(r, "Subject", v.data);
	mime_header(r, "Content-Disposition", "attachment; filename=a.zip");
	mime_end(r);
	CHECK_STR(BUF_STR(&names), "a.zip", "1 MB Subject: filename found");
	CHECK(mime_flags(r) == 0, "1 MB Subject is not a truncation");
	mime_free(r);
	buf_set(&v, "attachment; filename=", 21);
	for (i = 0; i < 1024 * 1024; i++)
		buf_addc(&v, i % 70 ? 'x' : '\n');
	r = mime_new(NULL, collect, &names);
	buf_reset(&names);
	mime_header(r, "Content-Disposition", v.data);
	mime_end(r);
	CHECK(names.len == 0 && mime_flags(r) == MIME_TRUNCATED,
	    "1 MB folded Content-Disposition: truncated");
	mime_free(r);

	/* 1001 names */
	buf_reset(&m);
	buf_adds(&m, "Content-Type: multipart/mixed; boundary=b\n\n");
	for (i = 0; i < 1001; i++)
		buf_printf(&m, "--b\nContent-Disposition: attachment; "
		    "filename=%zu.zip\n\n", i);
	buf_adds(&m, "--b--\n");
	flags = run_cuts(m.data, m.len, NULL, 0, NULL, &names);
	CHECK(flags == MIME_TRUNCATED && strstr(BUF_STR(&names),
	    "|999.zip") && !strstr(BUF_STR(&names), "1000.zip"),
	    "1001 names: 1000 reported, truncated");
	lim.max_names = 5;
	flags = run_cuts(m.data, m.len, NULL, 0, &lim, &names);
	CHECK_STR(BUF_STR(&names), "0.zip|1.zip|2.zip|3.zip|4.zip",
	    "max_names 5");

	/* many parameters */
	buf_reset(&m);
	buf_adds(&m, "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	    "Content-Disposition: attachment");
	for (i = 0; i < 500; i++)
		buf_printf(&m, ";\n p%zu=%zu", i, i);
	buf_adds(&m, "; filename=hidden.zip\n\n--b--\n");
	flags = run_cuts(m.data, m.len, NULL, 0, NULL, &names);
	CHECK(names.len == 0 && flags == MIME_TRUNCATED,
	    "500 parameters: truncated, flags 0x%x", flags);

	/* a lower field limit */
	lim.max_names = 0;
	lim.max_field = 40;
	flags = run_cuts(msg_simple, strlen(msg_simple), NULL, 0, &lim,
	    &names);
	CHECK(names.len == 0 && flags == MIME_TRUNCATED,
	    "max_field 40: the fields are too long");
	buf_free(&m);
	buf_free(&names);
	buf_free(&v);
}

int
main(void)
{
	test_basic();
	test_broken();
	test_stop();
	test_splits();
	test_deep();
	test_big();
	CHECK(!bad_name, "no name had CR, LF, NUL or invalid UTF-8");
	return check_done();
}
