/*
 * test_mimew - the MIME writer, checked against an independent parser
 * (Python's email package, tests/unit/mime_decode.py): names, subject
 * and text decode intact, attachments are byte-identical; the size
 * computed beforehand is the size written; the stream is the same
 * whatever the read size; a file that changes is never sent whole;
 * nothing unsafe enters a header.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "json.h"
#include "mimew.h"

#define PYTHON		"/usr/bin/python3"
#define BIG		(5 * 1024 * 1024 + 1)
#define BOUNDARY	"=_0123456789abcdef0123456789abcd"
#define DATE		1735689600		/* 2025-01-01 00:00:00 UTC */

#define HAS(b, lit)	((b)->data && \
			    memmem((b)->data, (b)->len, lit, sizeof(lit) - 1))

static char dir[] = "/tmp/test_mimew.XXXXXX";

/* path - a file in the scratch directory, in one of a few buffers */
static const char *
path(const char *name)
{
	static char p[8][512];
	static int k;

	k = (k + 1) % 8;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

/* make_file - n pseudo-random bytes; returns an open descriptor */
static int
make_file(const char *name, size_t n, uint32_t seed)
{
	unsigned char *b = malloc(n ? n : 1);
	uint32_t x = seed * 2654435761u + 1;
	size_t	i;
	int	fd;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = (unsigned char)(x >> 24);
	}
	fd = open(path(name), O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, b, n) != (ssize_t)n) {
		perror(path(name));
		exit(1);
	}
	free(b);
	return fd;
}

/* slurp - a whole file into b */
static int
slurp(const char *p, struct buf *b)
{
	char	tmp[65536];
	ssize_t	n;
	int	fd = open(p, O_RDONLY);

	buf_reset(b);
	if (fd < 0)
		return -1;
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		buf_add(b, tmp, (size_t)n);
	close(fd);
	return n < 0 ? -1 : 0;
}

/* read_all - the whole stream, read len bytes at a time */
static int
read_all(struct mimew *m, size_t len, struct buf *out)
{
	char	*tmp = malloc(len);
	ssize_t	n;

	buf_reset(out);
	while ((n = mimew_read(m, tmp, len)) > 0)
		buf_add(out, tmp, (size_t)n);
	free(tmp);
	return n < 0 ? -1 : 0;
}

/* write_to - the message into a file via mimew_write_fd; its size */
static long long
write_to(struct mimew *m, const char *name)
{
	struct stat st;
	int	fd = open(path(name), O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || mimew_write_fd(m, fd) < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return (long long)st.st_size;
}

/* decoder - run mime_decode.py; its output in out */
static int
decoder(const char *args, struct buf *out)
{
	char	dbuf[] = __FILE__, cmd[8192], tmp[4096];
	FILE	*p;
	size_t	n;

	snprintf(cmd, sizeof(cmd), "%s/mime_decode.py", dirname(dbuf));
	if (access(cmd, R_OK) != 0 || access(PYTHON, X_OK) != 0) {
		printf("# need %s and %s (run from the source root)\n", cmd,
		    PYTHON);
		return -1;
	}
	snprintf(cmd, sizeof(cmd), PYTHON " %s/mime_decode.py %s", dbuf,
	    args);
	buf_reset(out);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	while ((n = fread(tmp, 1, sizeof(tmp), p)) > 0)
		buf_add(out, tmp, n);
	return pclose(p) == 0 ? 0 : -1;
}

/* value - the rest of the decoder's line that starts with key */
static const char *
value(const struct buf *out, const char *key)
{
	static char v[4096];
	const char *s = BUF_STR(out), *e;
	size_t	k = strlen(key);

	for (; *s; s = e + (*e == '\n')) {
		e = strchr(s, '\n');
		if (e == NULL)
			e = s + strlen(s);
		if ((size_t)(e - s) >= k && strncmp(s, key, k) == 0) {
			snprintf(v, sizeof(v), "%.*s", (int)(e - s - k), s + k);
			return v;
		}
	}
	return "(missing)";
}

/* shape - CRLF only, lines of at most 78, none starting with '.' */
static int
shape(const struct buf *b, const char **why)
{
	size_t	i, start = 0;

	for (i = 0; i < b->len; i++) {
		if (b->data[i] == '\r' && (i + 1 == b->len ||
		    b->data[i + 1] != '\n')) {
			*why = "bare CR";
			return 0;
		}
		if (b->data[i] != '\n')
			continue;
		if (i == 0 || b->data[i - 1] != '\r') {
			*why = "bare LF";
			return 0;
		}
		if (i - 1 - start > 78) {
			*why = "line longer than 78";
			return 0;
		}
		if (i > start && b->data[start] == '.') {
			*why = "line starting with '.'";
			return 0;
		}
		start = i + 1;
	}
	*why = "";
	return start == b->len;
}

/* b64_shape - base64 bodies: 76-column lines, only the last shorter */
static int
b64_shape(const struct buf *b, size_t *bodies)
{
	static const char mark[] = "Content-Transfer-Encoding: base64\r\n\r\n";
	const char *s = BUF_STR(b), *e, *end = s + b->len;
	size_t	len, i;
	int	last;

	*bodies = 0;
	while ((s = memmem(s, (size_t)(end - s), mark, sizeof(mark) - 1))) {
		s += sizeof(mark) - 1;
		(*bodies)++;
		for (last = 0; s < end; s = e + 2) {
			for (e = s; e < end && *e != '\r'; e++)
				;
			if (e + 1 >= end || e[1] != '\n')
				return 0;
			len = (size_t)(e - s);
			if (len == 0)
				break;
			if (last || len > 76 || len % 4 != 0)
				return 0;
			for (i = 0; i < len; i++)
				if (!isalnum((unsigned char)s[i]) &&
				    s[i] != '+' && s[i] != '/' && s[i] != '=')
					return 0;
			last = len < 76;
		}
	}
	return 1;
}

/* unb64 - decode base64 (no line breaks) into out; -1 if not base64 */
static int
unb64(const char *s, size_t n, struct buf *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
	    "vwxyz0123456789+/";
	uint32_t v = 0;
	size_t	i, bits = 0;
	const char *p;

	buf_reset(out);
	for (i = 0; i < n && s[i] != '='; i++) {
		if ((p = strchr(a, s[i])) == NULL || s[i] == '\0')
			return -1;
		v = v << 6 | (uint32_t)(p - a);
		if ((bits += 6) >= 8) {
			bits -= 8;
			buf_addc(out, (int)(v >> bits & 0xff));
		}
	}
	return n % 4 == 0 ? 0 : -1;
}

/* unpct - decode %XX escapes into out */
static void
unpct(const char *s, size_t n, struct buf *out)
{
	size_t	i;
	unsigned v;

	buf_reset(out);
	for (i = 0; i < n; i++)
		if (s[i] == '%' && i + 2 < n && sscanf(s + i + 1, "%2x", &v) == 1) {
			buf_addc(out, (int)v);
			i += 2;
		} else
			buf_addc(out, s[i]);
}

/*
 * whole_words - every RFC 2047 word is at most 75 characters and every
 * word and RFC 2231 section holds whole UTF-8 characters; how many.
 */
static int
whole_words(const struct buf *b, size_t *nwords, size_t *nsect)
{
	const char *s = BUF_STR(b), *e, *end = s + b->len;
	struct buf d = BUF_INIT;
	int	ok = 1;

	*nwords = *nsect = 0;
	while (ok && (s = memmem(s, (size_t)(end - s), "=?UTF-8?B?", 10))) {
		e = memmem(s + 10, (size_t)(end - s - 10), "?=", 2);
		ok = e && e + 2 - s <= 75 && unb64(s + 10, (size_t)(e - s - 10),
		    &d) == 0 && utf8_valid_prefix(BUF_STR(&d), d.len) == d.len;
		(*nwords)++;
		s = e ? e + 2 : end;
	}
	s = BUF_STR(b);
	while (ok && (s = memmem(s, (size_t)(end - s), "\r\n filename*", 12))) {
		s += 12;
		e = memmem(s, (size_t)(end - s), "\r\n", 2);
		s = strchr(s, '=') + 1;
		if (strncmp(s, "utf-8''", 7) == 0)
			s += 7;
		unpct(s, (size_t)(e - s) - (e[-1] == ';'), &d);
		ok = utf8_valid_prefix(BUF_STR(&d), d.len) == d.len;
		(*nsect)++;
	}
	buf_free(&d);
	return ok;
}

static const char subject[] = "e-Defter \xc5\x9eirket \xc4\xb0 \xc4\xb1 "
    "A.\xc5\x9e. \xe2\x80\x94 Ocak 2025 \xe2\x80\x94 uzun bir konu "
    "sat\xc4\xb1r\xc4\xb1, katlanmas\xc4\xb1 gereken: \xc3\xa7\xc4\x9f"
    "\xc4\xb1\xc3\xb6\xc5\x9f\xc3\xbc \xc3\x87\xc4\x9e\xc4\xb0\xc3\x96"
    "\xc5\x9e\xc3\x9c \xf0\x9f\x93\x92";
static const char text[] = "Say\xc4\xb1n yetkili,\n\n"
    "Ekte 2025 Ocak d\xc3\xb6nemi e-Defter dosyalar\xc4\xb1 vard\xc4\xb1r."
    "\r\n.\n.nokta ile ba\xc5\x9flayan sat\xc4\xb1r\n"
    "From the office\n"
    "sonunda bo\xc5\x9fluk   \n"
    "tab\there = e\xc5\x9fittir; =?UTF-8?B?x?= ve "
    "\xc3\xa7ok uzun bir sat\xc4\xb1r: 0123456789 0123456789 0123456789 "
    "0123456789 0123456789 0123456789 0123456789 0123456789 son\n"
    "son sat\xc4\xb1r, yeni sat\xc4\xb1r yok";
static const char *const to[] = {
	"muhasebe.birimi.cok.uzun.adres@sirket-ornegi.example",
	"ikinci.alici@sirket-ornegi.example",
	"Third@Example.COM",
};

struct fx {
	char		 name[300];
	size_t		 size;
};

static struct fx fx[13];
static struct mimew_file files[13];
static size_t nfx;

/* add - one attachment fixture */
static void
add(const char *name, size_t size)
{
	char	disk[32];

	snprintf(fx[nfx].name, sizeof(fx[nfx].name), "%s", name);
	fx[nfx].size = size;
	snprintf(disk, sizeof(disk), "f%zu", nfx);
	files[nfx].name = fx[nfx].name;
	files[nfx].fd = make_file(disk, size, (uint32_t)nfx + 1);
	files[nfx].size = (off_t)size;
	nfx++;
}

/* base_msg - the message most tests use */
static struct mimew_msg
base_msg(const struct mimew_file *f, size_t n)
{
	struct mimew_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.from = "Muhasebe B\xc3\xbcrosu \xc5\x9e\xc3\xa7\xc4\x9f "
	    "<edefter@ofis.example>";
	msg.to = to;
	msg.nto = 3;
	msg.subject = subject;
	msg.date = DATE;
	msg.message_id = "<edefter.1234567890.202501.x@ofis.example>";
	msg.company = "1234567890";
	msg.period = "2025-01";
	msg.text = text;
	msg.files = f;
	msg.nfiles = n;
	msg.boundary = BOUNDARY;
	return msg;
}

static void
test_decode(void)
{
	struct mimew_msg msg;
	struct mimew *m;
	struct buf out = BUF_INIT, args = BUF_INIT, raw = BUF_INIT, err =
	    BUF_INIT;
	char	key[32], want[32];
	const char *why = "";
	uint64_t measured = 0;
	long long written;
	size_t	i, bodies = 0, words = 0, sects = 0;
	int	rc;
	FILE	*f;

	msg = base_msg(files, nfx);
	rc = mimew_measure(&msg, &measured, &err);
	CHECK(rc == 0, "measure: %s", BUF_STR(&err));
	m = mimew_new(&msg, &err);
	CHECK(m != NULL, "mimew_new: %s", BUF_STR(&err));
	if (m == NULL)
		return;
	written = write_to(m, "msg.eml");
	CHECK(written >= 0 && (uint64_t)written == mimew_size(m) &&
	    measured == mimew_size(m), "computed size %ju, measured %ju, "
	    "written %lld", (uintmax_t)mimew_size(m), (uintmax_t)measured,
	    written);
	mimew_free(m);

	slurp(path("msg.eml"), &raw);
	rc = shape(&raw, &why);
	CHECK(rc, "CRLF only, lines <= 78, none starts with '.' %s", why);
	rc = b64_shape(&raw, &bodies);
	CHECK(rc && bodies == nfx, "base64 in 76-column lines, %zu bodies",
	    bodies);
	rc = whole_words(&raw, &words, &sects);
	CHECK(rc && words > 20 && sects > 10, "%zu encoded words <= 75 "
	    "characters, they and %zu RFC 2231 sections whole UTF-8", words,
	    sects);
	CHECK(HAS(&raw, "\r\nX-EDefter-Company: 1234567890\r\n"
	    "X-EDefter-Period: 2025-01\r\n") &&
	    HAS(&raw, "\r\nAuto-Submitted: auto-generated\r\n"),
	    "X-EDefter-* and Auto-Submitted headers");

	if ((f = fopen(path("text.txt"), "w")) != NULL) {
		fputs(text, f);
		fclose(f);
	}
	buf_printf(&args, "%s --text %s", path("msg.eml"), path("text.txt"));
	for (i = 0; i < nfx; i++) {
		snprintf(key, sizeof(key), "f%zu", i);
		buf_printf(&args, " %s", path(key));
	}
	rc = decoder(args.data, &out);
	CHECK(rc == 0, "python decoded the message");
	for (i = 0; i < out.len; i++)
		printf("%s%c", i == 0 || out.data[i - 1] == '\n' ? "# " : "",
		    out.data[i]);
	CHECK_STR(value(&out, "subject "), subject, "subject decodes");
	CHECK_STR(value(&out, "from "), "Muhasebe B\xc3\xbcrosu \xc5\x9e\xc3\xa7"
	    "\xc4\x9f <edefter@ofis.example>", "From decodes");
	CHECK_STR(value(&out, "to "), "muhasebe.birimi.cok.uzun.adres@"
	    "sirket-ornegi.example, ikinci.alici@sirket-ornegi.example, "
	    "Third@Example.COM", "To folded and intact");
	CHECK_STR(value(&out, "header Date "), "Wed, 01 Jan 2025 00:00:00 "
	    "+0000", "Date");
	CHECK_STR(value(&out, "header Message-ID "),
	    "<edefter.1234567890.202501.x@ofis.example>", "Message-ID");
	CHECK_STR(value(&out, "header X-EDefter-Company "), "1234567890",
	    "company header");
	CHECK_STR(value(&out, "header X-EDefter-Period "), "2025-01",
	    "period header");
	CHECK_STR(value(&out, "header MIME-Version "), "1.0", "MIME-Version");
	CHECK_STR(value(&out, "text "), "match", "text part decodes");
	snprintf(want, sizeof(want), "%zu", nfx);
	CHECK_STR(value(&out, "attachments "), want, "attachment count");
	for (i = 0; i < nfx; i++) {
		const char *v;

		snprintf(key, sizeof(key), "att %zu ", i);
		v = value(&out, key);
		buf_reset(&err);
		buf_printf(&err, " %zu match %s", fx[i].size, fx[i].name);
		CHECK(strlen(v) > 65 && strcmp(v + 64, err.data) == 0,
		    "attachment %zu: %zu bytes, identical, name intact "
		    "(%zu bytes)", i, fx[i].size, strlen(fx[i].name));
		snprintf(key, sizeof(key), "ctname %zu ", i);
		CHECK_STR(value(&out, key), fx[i].name,
		    "attachment %zu: Content-Type name= decodes", i);
	}
	CHECK_STR(value(&out, "defects "), "0", "parser found no defects");
	buf_free(&out);
	buf_free(&args);
	buf_free(&raw);
	buf_free(&err);
}

static void
test_sizes(void)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 4, 56, 57, 58, 59, 113,
	    114, 115, 171, 58368, 58369, BIG };
	struct mimew_file f;
	struct mimew_msg msg;
	struct mimew *m;
	struct buf out = BUF_INIT;
	uint64_t measured;
	size_t	i, bad = 0;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(&f, 0, sizeof(f));
		f.name = "1234567890-202501-Y-000000.xml";
		f.fd = make_file("size", sizes[i], 7);
		f.size = (off_t)sizes[i];
		msg = base_msg(&f, 1);
		msg.boundary = NULL;
		if (mimew_measure(&msg, &measured, NULL) < 0 ||
		    (m = mimew_new(&msg, NULL)) == NULL) {
			bad++;
			close(f.fd);
			continue;
		}
		if (read_all(m, 65536, &out) < 0 || out.len != measured ||
		    out.len != mimew_size(m)) {
			printf("# size %zu: measured %ju, got %zu\n", sizes[i],
			    (uintmax_t)measured, out.len);
			bad++;
		}
		mimew_free(m);
		close(f.fd);
	}
	CHECK(bad == 0, "computed size == written size for %zu file sizes "
	    "(0 to 5 MB)", i);

	msg = base_msg(NULL, 0);
	m = mimew_new(&msg, NULL);
	CHECK(m && read_all(m, 100, &out) == 0 && out.len == mimew_size(m) &&
	    HAS(&out, "\r\n--" BOUNDARY "--\r\n"),
	    "no attachments: text part only, closed");
	mimew_free(m);
	buf_free(&out);
}

static void
test_chunks(void)
{
	static const size_t chunk[] = { 1, 2, 3, 77, 78, 79, 155, 1000, 65536 };
	struct mimew_msg msg;
	struct mimew *m;
	struct buf whole = BUF_INIT, out = BUF_INIT;
	struct mimew_file one;
	size_t	i, n, same = 0;
	char	tmp[100];
	FILE	*f;
	int	rc = -1;

	msg = base_msg(files, nfx - 1);		/* all but the big one */
	if ((m = mimew_new(&msg, NULL)) == NULL) {
		CHECK(0, "mimew_new");
		return;
	}
	read_all(m, 4096, &whole);
	for (i = 0; i < sizeof(chunk) / sizeof(chunk[0]); i++) {
		mimew_rewind(m);
		if (read_all(m, chunk[i], &out) == 0 && out.len == whole.len &&
		    memcmp(out.data, whole.data, out.len) == 0)
			same++;
		else
			printf("# read size %zu differs\n", chunk[i]);
	}
	CHECK(same == i, "same bytes for read sizes 1 to 65536");
	mimew_rewind(m);
	CHECK(mimew_read(m, tmp, sizeof(tmp)) == sizeof(tmp) &&
	    memcmp(tmp, whole.data, sizeof(tmp)) == 0, "rewind starts over");
	CHECK(mimew_read(m, tmp, 0) == 0, "zero-length read");
	mimew_rewind(m);
	if ((f = tmpfile()) != NULL) {
		rc = mimew_write_file(m, f);
		rewind(f);
		buf_reset(&out);
		while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
			buf_add(&out, tmp, n);
		fclose(f);
	}
	CHECK(f && rc == 0 && out.len == whole.len && memcmp(out.data,
	    whole.data, out.len) == 0, "mimew_write_file writes the same");
	mimew_free(m);

	memcpy(&one, &files[0], sizeof(one));
	one.type = "application/vnd.etsi.asic-e+zip";
	msg.files = &one;
	msg.nfiles = 1;
	m = mimew_new(&msg, NULL);
	CHECK(m && read_all(m, 4096, &out) == 0 && HAS(&out, "\r\n"
	    "Content-Type: application/vnd.etsi.asic-e+zip;\r\n name="),
	    "content type given by the caller");
	mimew_free(m);
	msg = base_msg(files, nfx - 1);

	msg.boundary = NULL;
	m = mimew_new(&msg, NULL);
	CHECK(m && read_all(m, 4096, &out) == 0 && out.len == whole.len &&
	    memcmp(out.data, whole.data, out.len) != 0 &&
	    HAS(&out, "boundary=\"=_") && !HAS(&out, BOUNDARY),
	    "random boundary: same length, other bytes");
	mimew_free(m);
	buf_free(&whole);
	buf_free(&out);
}

/* changed_msg - a message of one fresh file, for the caller to change */
static struct mimew *
changed_msg(struct mimew_file *f, size_t size)
{
	struct mimew_msg msg;
	struct stat st;

	memset(f, 0, sizeof(*f));
	f->name = "GIB-1234567890-202501-KB-000000.zip";
	f->fd = make_file("change", size, 3);
	f->size = (off_t)size;
	if (fstat(f->fd, &st) == 0)
		f->mtime = st.st_mtim;
	msg = base_msg(f, 1);
	return mimew_new(&msg, NULL);
}

/* stream_fails - read to the end; did it fail as a change, unfinished? */
static int
stream_fails(struct mimew *m, size_t already)
{
	char	tmp[4096];
	ssize_t	n;
	size_t	got = already;

	while ((n = mimew_read(m, tmp, sizeof(tmp))) > 0)
		got += (size_t)n;
	if (n == 0 || errno != EBUSY ||
	    mimew_failure(m) != MIMEW_FAIL_CHANGED)
		return 0;
	printf("# %s\n", mimew_error(m));
	return got < mimew_size(m) && strstr(mimew_error(m),
	    "GIB-1234567890-202501-KB-000000.zip") != NULL;
}

static void
test_changes(void)
{
	struct mimew_file f;
	struct mimew *m;
	struct timespec ts[2];
	char	tmp[4096];
	size_t	got;
	ssize_t	n;

	m = changed_msg(&f, 100000);
	CHECK(m && write(f.fd, "x", 1) == 1 && stream_fails(m, 0),
	    "file grew before reading: fails unfinished");
	mimew_free(m);
	close(f.fd);

	m = changed_msg(&f, 100000);
	CHECK(m && ftruncate(f.fd, 99999) == 0 && stream_fails(m, 0),
	    "file shrank before reading: fails unfinished");
	mimew_free(m);
	close(f.fd);

	m = changed_msg(&f, 200000);
	for (got = 0; m && got < 5000; got += (size_t)n)
		if ((n = mimew_read(m, tmp, sizeof(tmp))) <= 0)
			break;
	CHECK(m && lseek(f.fd, 0, SEEK_END) > 0 && write(f.fd, "y", 1) == 1 &&
	    stream_fails(m, got), "file grew while being read: fails");
	CHECK(m && mimew_read(m, tmp, sizeof(tmp)) == -1 && errno == EBUSY,
	    "and keeps failing");
	mimew_free(m);
	close(f.fd);

	m = changed_msg(&f, 200000);
	for (got = 0; m && got < 5000; got += (size_t)n)
		if ((n = mimew_read(m, tmp, sizeof(tmp))) <= 0)
			break;
	CHECK(m && ftruncate(f.fd, 100000) == 0 && stream_fails(m, got),
	    "file shrank while being read: fails");
	mimew_free(m);
	close(f.fd);

	m = changed_msg(&f, 0);
	CHECK(m && write(f.fd, "z", 1) == 1 && stream_fails(m, 0),
	    "empty file that grew: fails");
	mimew_free(m);
	close(f.fd);

	m = changed_msg(&f, 1000);
	ts[0].tv_sec = ts[1].tv_sec = 1000000000;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	CHECK(m && futimens(f.fd, ts) == 0 && stream_fails(m, 0),
	    "same size, other mtime: fails");
	mimew_free(m);
	close(f.fd);

	m = changed_msg(&f, 1000);
	close(f.fd);
	errno = 0;
	n = m ? mimew_write_fd(m, -1) : 0;
	CHECK(n == -1 && errno == EBADF && mimew_failure(m) == MIMEW_FAIL_IO,
	    "unreadable file: I/O failure, errno kept (%s)", mimew_error(m));
	mimew_free(m);
}

/* refused - does mimew_new() refuse this message, saying why? */
static int
refused(const struct mimew_msg *msg, const char *why)
{
	struct buf err = BUF_INIT;
	struct mimew *m = mimew_new(msg, &err);
	int	ok = m == NULL && errno == EINVAL && strstr(BUF_STR(&err), why);

	if (!ok)
		printf("# got '%s'\n", BUF_STR(&err));
	mimew_free(m);
	buf_free(&err);
	return ok;
}

static void
test_headers(void)
{
	static const char *const bad_to[] = { "a@b.example\r\nBcc: x@y" };
	static const char *const bad_to2[] = { "Name <a@b.example>" };
	struct mimew_file f = files[0];
	struct mimew_msg msg;

	msg = base_msg(NULL, 0);
	msg.subject = "Ocak\r\nBcc: x@y.example";
	CHECK(refused(&msg, "subject"), "CR LF in the subject refused");
	msg.subject = "Ocak\xff";
	CHECK(refused(&msg, "subject"), "non-UTF-8 subject refused");
	msg = base_msg(NULL, 0);
	msg.to = bad_to;
	msg.nto = 1;
	CHECK(refused(&msg, "recipient"), "CR LF in a recipient refused");
	msg.to = bad_to2;
	CHECK(refused(&msg, "recipient"), "a display name in To refused");
	msg.nto = 0;
	CHECK(refused(&msg, "recipient"), "no recipient refused");
	msg = base_msg(NULL, 0);
	msg.from = "Ofis\r\nBcc: x@y <a@b.example>";
	CHECK(refused(&msg, "From"), "CR LF in From refused");
	msg.from = "a@b.example\n";
	CHECK(refused(&msg, "From"), "LF after the From address refused");
	msg = base_msg(NULL, 0);
	msg.message_id = "<a@b>\r\nBcc: x@y";
	CHECK(refused(&msg, "Message-ID"), "CR LF in Message-ID refused");
	msg.message_id = "a@b.example";
	CHECK(refused(&msg, "Message-ID"), "Message-ID without <> refused");
	msg = base_msg(NULL, 0);
	msg.company = "9876543210";
	CHECK(refused(&msg, "company"), "bad company id refused");
	msg.company = "1234567890\r\n";
	CHECK(refused(&msg, "company"), "CR LF after the id refused");
	msg = base_msg(NULL, 0);
	msg.period = "2025-13";
	CHECK(refused(&msg, "period"), "bad period refused");
	msg = base_msg(NULL, 0);
	msg.text = "bad \xc3";
	CHECK(refused(&msg, "text"), "non-UTF-8 text refused");
	msg = base_msg(NULL, 0);
	msg.boundary = "short";
	CHECK(refused(&msg, "boundary"), "bad boundary refused");
	msg = base_msg(&f, 1);
	f.name = "a\r\nContent-Type: text/html.zip";
	CHECK(refused(&msg, "attachment name"), "CR LF in a file name "
	    "refused");
	f.name = "dir/a.zip";
	CHECK(refused(&msg, "attachment name"), "'/' in a file name refused");
	f.name = "";
	CHECK(refused(&msg, "attachment name"), "empty file name refused");
	f.name = "a.zip";
	f.type = "text/html\r\nX: y";
	CHECK(refused(&msg, "content type"), "CR LF in a content type "
	    "refused");
}

static void
test_memory_speed(void)
{
	struct mimew_msg msg;
	struct mimew *m;
	struct mallinfo2 before, during;
	struct timeval t0, t1;
	char	*tmp = malloc(65536);
	ssize_t	n;
	size_t	total = 0, grew = 0, k;
	double	s;

	msg = base_msg(&files[nfx - 1], 1);
	if ((m = mimew_new(&msg, NULL)) == NULL || tmp == NULL) {
		CHECK(0, "mimew_new");
		free(tmp);
		return;
	}
	before = mallinfo2();
	while ((n = mimew_read(m, tmp, 65536)) > 0) {
		total += (size_t)n;
		during = mallinfo2();
		if (during.uordblks > before.uordblks + 128 * 1024)
			grew++;
	}
	CHECK(grew == 0 && total == mimew_size(m),
	    "memory does not grow while streaming 5 MB");

	gettimeofday(&t0, NULL);
	for (k = 0; k < 8; k++) {
		mimew_rewind(m);
		while ((n = mimew_read(m, tmp, 65536)) > 0)
			;
	}
	gettimeofday(&t1, NULL);
	s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_usec - t0.tv_usec) / 1e6;
	printf("# streamed %.0f MB of file data in %.3f s: %.0f MB/s\n",
	    8.0 * BIG / 1e6, s, s > 0 ? 8.0 * BIG / 1e6 / s : 0.0);
	mimew_free(m);
	free(tmp);
}

int
main(void)
{
	char	name[300], cmd[600];
	size_t	i;

	setenv("TZ", "UTC", 1);
	tzset();
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	add("\xc5\x9eirket_\xc4\xb0_\xc4\xb1.zip", 1000);
	add("1234567890-202501-Y-000000.xml", 0);
	add("GIB-1234567890-202501-KB-000000.zip", 1);
	add("\xc3\x87ok_uzun_bir_dosya_ad\xc4\xb1_\xc3\x87ok_uzun_bir_dosya_"
	    "ad\xc4\xb1_\xc3\x87ok_uzun_bir_dosya_ad\xc4\xb1_\xc3\x87ok_uzun_"
	    "bir_dosya_ad\xc4\xb1.xml", 2);
	memset(name, 'a', 251);
	memcpy(name + 251, ".zip", 5);
	add(name, 3);
	for (i = 0; i < 125; i++)
		memcpy(name + 2 * i, "\xc5\x9f", 2);
	memcpy(name + 250, "_.xml", 6);
	add(name, 57);
	add("Rapor \"Ocak\" 2025 \\ yedek.pdf", 58);
	add("a=?b?=.xml", 59);
	memset(name, 'b', 62);
	memcpy(name + 62, ".xml", 5);
	add(name, 114);
	memset(name, 'c', 63);
	memcpy(name + 63, ".xml", 5);
	add(name, 4);
	add("berat.xslt", 171);
	add("big.zip", BIG);

	test_decode();
	test_sizes();
	test_chunks();
	test_changes();
	test_headers();
	test_memory_speed();

	for (i = 0; i < nfx; i++)
		close(files[i].fd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return check_done();
}
