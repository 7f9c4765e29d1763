/*
 * mimew - write one e-Defter message as a MIME stream; see mimew.h.
 *
 * The message is laid out once, in mimew_new(): all of its text (the
 * headers, the text part, each attachment's headers and the boundaries)
 * goes into one buffer, cut into parts, each part followed by the
 * base64 of one file (the last part by none).  mimew_read() walks the
 * parts, copying text and encoding files 57 bytes to a 76-column line.
 * The boundary starts with "=_", which neither base64 nor
 * quoted-printable can produce, so no body needs to be scanned for it.
 *
 * The RFC 2047 and RFC 2231 encoders here are small and private; a
 * shared encoder in lib/ could replace them.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "json.h"
#include "mimeenc.h"
#include "mimew.h"
#include "names.h"

#define IN_SIZE		(B64_IN * 1024)	/* file bytes read at a time */
#define BOUNDARY_LEN	32
#define FILENAME_MAX_OCTETS 255
#define NAME_QUOTED_MAX	60		/* longer display names are encoded */

struct part {
	size_t		 text_off;	/* text before the file, in m->text */
	size_t		 text_len;
	int		 has_file;
	int		 fd;
	uint64_t	 size;
	struct timespec	 mtime;
	char		*name;		/* for diagnostics */
};

struct mimew {
	struct buf	 text;		/* every byte not from a file */
	struct part	*part;
	size_t		 npart;
	uint64_t	 total;

	size_t		 cur;		/* part being written */
	int		 in_file;	/* writing its file, not its text */
	size_t		 text_pos;
	uint64_t	 off;		/* bytes of the file read */
	unsigned char	*in;		/* IN_SIZE bytes of file data */
	size_t		 in_pos, in_len;
	char		 line[B64_OUT];	/* one line not yet handed out */
	size_t		 line_pos, line_len;
	uint64_t	 produced;

	enum mimew_fail	 fail;
	int		 fail_errno;
	struct buf	 error;
};

/* msgid_ok - "<left@right>" of dot-atom characters */
static int
msgid_ok(const char *s)
{
	size_t	n = strlen(s), i, ats = 0;

	if (n < 5 || n > 250 || s[0] != '<' || s[n - 1] != '>')
		return 0;
	for (i = 1; i < n - 1; i++) {
		if (s[i] == '@')
			ats++;
		else if (!enc_attr_char((unsigned char)s[i]) &&
		    !strchr("%'*/=?{}", s[i]))
			return 0;
	}
	return ats == 1 && s[1] != '@' && s[n - 2] != '@';
}

/* type_for - a content type from the name's extension */
static const char *
type_for(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot && ascii_strcasecmp(dot, ".zip") == 0)
		return "application/zip";
	if (dot && (ascii_strcasecmp(dot, ".xml") == 0 ||
	    ascii_strcasecmp(dot, ".xslt") == 0 ||
	    ascii_strcasecmp(dot, ".xsl") == 0))
		return "application/xml";
	if (dot && ascii_strcasecmp(dot, ".pdf") == 0)
		return "application/pdf";
	return "application/octet-stream";
}

/* type_ok - "type/subtype" of token characters */
static int
type_ok(const char *s)
{
	size_t	i, slash = 0, n = strlen(s);

	if (n == 0 || n > 100)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] == '/')
			slash = slash ? n : i;
		else if (!enc_attr_char((unsigned char)s[i]))
			return 0;
	return slash > 0 && slash < n - 1;
}

/* fail - note why mimew_new() refused; always NULL */
static struct mimew *
fail(struct mimew *m, struct buf *err, int e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static struct mimew *
fail(struct mimew *m, struct buf *err, int e, const char *fmt, ...)
{
	va_list	ap;

	if (err) {
		buf_reset(err);
		va_start(ap, fmt);
		buf_vprintf(err, fmt, ap);
		va_end(ap);
	}
	mimew_free(m);
	errno = e;
	return NULL;
}

/* put_from - the From header */
static int
put_from(struct buf *b, const char *from)
{
	struct buf name = BUF_INIT, addr = BUF_INIT;
	int	rc = -1;

	if (addr_parse_mailbox(from, &name, &addr) < 0 ||
	    !enc_text_ok(BUF_STR(&name), name.len))
		goto out;
	rc = buf_adds(b, "From: ");
	if (name.len == 0)
		rc |= buf_printf(b, "%s\r\n", addr.data);
	else {
		if (name.len <= NAME_QUOTED_MAX &&
		    enc_plain_ok(name.data, name.len))
			rc |= buf_printf(b, "\"%s\"", name.data);
		else
			rc |= enc_words(b, name.data, name.len, 0);
		if (rc == 0 && enc_column(b) + 3 + addr.len > LINE_MAX_OCTETS)
			rc |= buf_adds(b, "\r\n");
		rc |= buf_printf(b, " <%s>\r\n", addr.data);
	}
	rc = rc < 0 ? -2 : 0;
out:
	buf_free(&name);
	buf_free(&addr);
	return rc;
}

/* put_date - the Date header, local time, English names */
static int
put_date(struct buf *b, time_t t)
{
	static const char days[7][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char mons[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
		"Oct", "Nov", "Dec" };
	struct tm tm;
	long	off;

	if (localtime_r(&t, &tm) == NULL && gmtime_r(&t, &tm) == NULL)
		return -1;
	off = tm.tm_gmtoff / 60;
	return buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d "
	    "%c%02ld%02ld\r\n", days[tm.tm_wday % 7], tm.tm_mday,
	    mons[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

/* put_file_head - one attachment's boundary line and headers */
static int
put_file_head(struct buf *b, const char *bnd, const struct mimew_file *f)
{
	size_t	n = strlen(f->name);
	int	plain, rc;

	/* Plain only when " filename=\"...\"" fits on a line. */
	plain = enc_plain_ok(f->name, n) && 12 + n <= LINE_MAX_OCTETS;

	rc = buf_printf(b, "--%s\r\nContent-Type: %s;\r\n name=\"", bnd,
	    f->type ? f->type : type_for(f->name));
	if (plain)
		rc |= buf_add(b, f->name, n);
	else
		rc |= enc_words(b, f->name, n, 1);
	rc |= buf_adds(b, "\"\r\nContent-Disposition: attachment");
	if (plain)
		rc |= buf_printf(b, ";\r\n filename=\"%s\"", f->name);
	else
		rc |= enc_param_2231(b, "filename", f->name, n);
	rc |= buf_adds(b, "\r\nContent-Transfer-Encoding: base64\r\n\r\n");
	return rc;
}

/* boundary - the caller's or a random one */
static int
boundary(char *out, const char *given)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[(BOUNDARY_LEN - 2) / 2];
	size_t	i;

	if (given) {
		if (strlen(given) != BOUNDARY_LEN ||
		    strncmp(given, "=_", 2) != 0)
			return -1;
		for (i = 2; i < BOUNDARY_LEN; i++)
			if (!enc_attr_char((unsigned char)given[i]))
				return -1;
		memcpy(out, given, BOUNDARY_LEN + 1);
		return 0;
	}
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	memcpy(out, "=_", 2);
	for (i = 0; i < sizeof(r); i++) {
		out[2 + 2 * i] = hex[r[i] >> 4];
		out[3 + 2 * i] = hex[r[i] & 15];
	}
	out[BOUNDARY_LEN] = '\0';
	return 0;
}

/* mimew_new - check the values and lay the message out */
struct mimew *
mimew_new(const struct mimew_msg *msg, struct buf *err)
{
	struct mimew *m;
	struct buf *b;
	char	bnd[BOUNDARY_LEN + 1];
	size_t	i, n;
	int	rc, y, mo;

	enc_init();
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->part = calloc(msg->nfiles + 1, sizeof(*m->part))) == NULL)
		return fail(m, err, ENOMEM, "out of memory");
	m->npart = msg->nfiles + 1;
	b = &m->text;
	if (msg->nto == 0)
		return fail(m, err, EINVAL, "no recipient");
	for (i = 0; i < msg->nto; i++)
		if (addr_valid(msg->to[i], strlen(msg->to[i])) < 0)
			return fail(m, err, EINVAL, "bad recipient address");
	if (!enc_text_ok(msg->subject, strlen(msg->subject)))
		return fail(m, err, EINVAL, "subject with a control "
		    "character or bytes that are not UTF-8");
	if (!msgid_ok(msg->message_id))
		return fail(m, err, EINVAL, "bad Message-ID");
	if (!edf_valid_id(msg->company, strlen(msg->company)))
		return fail(m, err, EINVAL, "bad company id");
	if (edf_parse_period(msg->period, strlen(msg->period), &y, &mo) < 0)
		return fail(m, err, EINVAL, "bad period");
	if (msg->company_name && !enc_text_ok(msg->company_name,
	    strlen(msg->company_name)))
		return fail(m, err, EINVAL, "company name with a control "
		    "character or bytes that are not UTF-8");
	if (utf8_valid_prefix(msg->text, strlen(msg->text)) !=
	    strlen(msg->text))
		return fail(m, err, EINVAL, "text is not UTF-8");
	if (boundary(bnd, msg->boundary) < 0)
		return fail(m, err, EINVAL, "cannot make a boundary");
	for (i = 0; i < msg->nfiles; i++) {
		const struct mimew_file *f = &msg->files[i];

		n = strlen(f->name);
		if (n == 0 || n > FILENAME_MAX_OCTETS || !enc_text_ok(f->name, n) ||
		    strchr(f->name, '/'))
			return fail(m, err, EINVAL, "bad attachment name");
		if (f->type && !type_ok(f->type))
			return fail(m, err, EINVAL, "bad content type");
		if (f->size < 0)
			return fail(m, err, EINVAL, "bad size");
	}

	if ((rc = put_from(b, msg->from)) == -1)
		return fail(m, err, EINVAL, "bad From");
	if (rc < 0)
		return fail(m, err, ENOMEM, "out of memory");
	rc = buf_adds(b, "To: ");
	for (i = 0; i < msg->nto; i++) {
		n = strlen(msg->to[i]);
		if (i > 0)
			rc |= buf_adds(b, enc_column(b) + 2 + n + 1 >
			    LINE_MAX_OCTETS ? ",\r\n " : ", ");
		rc |= buf_add(b, msg->to[i], n);
	}
	rc |= buf_adds(b, "\r\nSubject:");
	n = strlen(msg->subject);
	if (n > 0 && enc_plain_ok(msg->subject, n) && 9 + n <= LINE_MAX_OCTETS)
		rc |= buf_printf(b, " %s", msg->subject);
	else if (n > 0) {
		rc |= buf_addc(b, ' ');
		rc |= enc_words(b, msg->subject, n, 0);
	}
	rc |= buf_adds(b, "\r\n");
	rc |= put_date(b, msg->date ? msg->date : time(NULL));
	rc |= buf_printf(b, "Message-ID: %s\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "X-EDefter-Company: %s\r\n"
	    "X-EDefter-Period: %s\r\n", msg->message_id, msg->company,
	    msg->period);
	n = msg->company_name ? strlen(msg->company_name) : 0;
	if (n > 0) {
		/* the name for the ledger's record, as the milter reads it */
		rc |= buf_adds(b, "X-EDefter-Company-Name:");
		if (enc_plain_ok(msg->company_name, n) && 24 + n <=
		    LINE_MAX_OCTETS)
			rc |= buf_printf(b, " %s", msg->company_name);
		else {
			rc |= buf_addc(b, ' ');
			rc |= enc_words(b, msg->company_name, n, 0);
		}
		rc |= buf_adds(b, "\r\n");
	}
	rc |= buf_printf(b,
	    "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n"
	    "\r\n"
	    "--%s\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "\r\n", bnd, bnd);
	rc |= enc_qp(b, msg->text);
	rc |= buf_adds(b, "\r\n");
	for (i = 0; i < msg->nfiles; i++) {
		const struct mimew_file *f = &msg->files[i];
		struct part *p = &m->part[i];

		if (i > 0)
			rc |= buf_adds(b, "\r\n");
		rc |= put_file_head(b, bnd, f);
		p->text_len = b->len - p->text_off;
		p->has_file = 1;
		p->fd = f->fd;
		p->size = (uint64_t)f->size;
		p->mtime = f->mtime;
		if ((p->name = strdup(f->name)) == NULL)
			rc = -1;
		m->part[i + 1].text_off = b->len;
		if (UINT64_MAX - m->total < enc_b64_len(p->size))
			return fail(m, err, EFBIG, "files too large");
		m->total += enc_b64_len(p->size);
	}
	rc |= buf_printf(b, "%s--%s--\r\n", msg->nfiles ? "\r\n" : "", bnd);
	if (rc < 0)
		return fail(m, err, ENOMEM, "out of memory");
	m->part[msg->nfiles].text_len = b->len - m->part[msg->nfiles].text_off;
	m->total += b->len;
	return m;
}

/* mimew_size - the exact length of the message */
uint64_t
mimew_size(const struct mimew *m)
{
	return m->total;
}

/* mimew_new_text - a message already written whole (the digest): the
 * same reader over bytes in memory, which the caller has checked */
struct mimew *
mimew_new_text(const char *data, size_t len)
{
	struct mimew *m;

	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->part = calloc(1, sizeof(*m->part))) == NULL ||
	    buf_set(&m->text, data, len) < 0) {
		if (m)
			free(m->part);
		free(m);
		errno = ENOMEM;
		return NULL;
	}
	m->npart = 1;
	m->part[0].text_len = len;
	m->part[0].fd = -1;
	m->total = len;
	return m;
}

/* mimew_measure - the length of a message, without writing it */
int
mimew_measure(const struct mimew_msg *msg, uint64_t *size, struct buf *err)
{
	struct mimew *m;

	if ((m = mimew_new(msg, err)) == NULL)
		return -1;
	*size = m->total;
	mimew_free(m);
	return 0;
}

/* failed - record a failure while reading; returns -1 */
static ssize_t
failed(struct mimew *m, enum mimew_fail why, int e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static ssize_t
failed(struct mimew *m, enum mimew_fail why, int e, const char *fmt, ...)
{
	va_list	ap;

	m->fail = why;
	m->fail_errno = e;
	buf_reset(&m->error);
	va_start(ap, fmt);
	buf_vprintf(&m->error, fmt, ap);
	va_end(ap);
	errno = e;
	return -1;
}

/* same_file - is the file still the size (and mtime) it was said to be? */
static ssize_t
same_file(struct mimew *m, const struct part *p, int at_end)
{
	struct stat st;
	char	c;
	ssize_t	r;

	if (at_end) {
		/* One byte past the end: there must be none. */
		while ((r = pread(p->fd, &c, 1, (off_t)p->size)) < 0 &&
		    errno == EINTR)
			;
		if (r < 0)
			return failed(m, MIMEW_FAIL_IO, errno, "read %s: %s",
			    p->name, strerror(errno));
		if (r > 0)
			return failed(m, MIMEW_FAIL_CHANGED, EBUSY, "%s grew "
			    "past %ju bytes while being read", p->name,
			    (uintmax_t)p->size);
	}
	if (fstat(p->fd, &st) < 0)
		return failed(m, MIMEW_FAIL_IO, errno, "stat %s: %s", p->name,
		    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return failed(m, MIMEW_FAIL_CHANGED, EBUSY, "%s is no longer a "
		    "regular file", p->name);
	if ((uint64_t)st.st_size != p->size)
		return failed(m, MIMEW_FAIL_CHANGED, EBUSY, "%s changed size: "
		    "%jd bytes, expected %ju", p->name, (intmax_t)st.st_size,
		    (uintmax_t)p->size);
	if ((p->mtime.tv_sec || p->mtime.tv_nsec) &&
	    (st.st_mtim.tv_sec != p->mtime.tv_sec ||
	    st.st_mtim.tv_nsec != p->mtime.tv_nsec))
		return failed(m, MIMEW_FAIL_CHANGED, EBUSY, "%s modified while "
		    "being read", p->name);
	return 0;
}

/* fill - read the next block of the file, a multiple of 57 bytes */
static ssize_t
fill(struct mimew *m, const struct part *p)
{
	size_t	want, got = 0;
	ssize_t	r;

	if (m->in == NULL && (m->in = malloc(IN_SIZE)) == NULL)
		return failed(m, MIMEW_FAIL_IO, ENOMEM, "out of memory");
	want = p->size - m->off < IN_SIZE ? (size_t)(p->size - m->off) :
	    IN_SIZE;
	while (got < want) {
		r = pread(p->fd, m->in + got, want - got,
		    (off_t)(m->off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return failed(m, MIMEW_FAIL_IO, errno, "read %s: %s",
			    p->name, strerror(errno));
		if (r == 0)
			return failed(m, MIMEW_FAIL_CHANGED, EBUSY, "%s shrank "
			    "to %ju bytes while being read", p->name,
			    (uintmax_t)(m->off + got));
		got += (size_t)r;
	}
	m->off += want;
	m->in_pos = 0;
	m->in_len = want;
	if (m->off == p->size)
		return same_file(m, p, 1);
	return 0;
}

/* mimew_read - the next bytes of the message; 0 at its end */
ssize_t
mimew_read(struct mimew *m, char *out, size_t len)
{
	struct part *p;
	size_t	done = 0, n, k;

	if (m->fail) {
		errno = m->fail_errno;
		return -1;
	}
	if (len > SSIZE_MAX)
		len = SSIZE_MAX;
	while (done < len) {
		if (m->line_pos < m->line_len) {
			n = m->line_len - m->line_pos;
			n = n < len - done ? n : len - done;
			memcpy(out + done, m->line + m->line_pos, n);
			m->line_pos += n;
			done += n;
			continue;
		}
		if (m->cur == m->npart)
			break;
		p = &m->part[m->cur];
		if (!m->in_file) {
			n = p->text_len - m->text_pos;
			n = n < len - done ? n : len - done;
			memcpy(out + done, m->text.data + p->text_off +
			    m->text_pos, n);
			m->text_pos += n;
			done += n;
			if (m->text_pos < p->text_len)
				continue;
			m->text_pos = 0;
			if (!p->has_file) {
				m->cur++;
				continue;
			}
			m->in_file = 1;
			m->off = 0;
			m->in_pos = m->in_len = 0;
			if (same_file(m, p, p->size == 0) < 0)
				return -1;
			continue;
		}
		if (m->in_pos == m->in_len) {
			if (m->off == p->size) {
				m->in_file = 0;
				m->cur++;
				continue;
			}
			if (fill(m, p) < 0)
				return -1;
		}
		k = (m->in_len - m->in_pos) / B64_IN;
		if ((len - done) / B64_OUT < k)
			k = (len - done) / B64_OUT;
		if (k > 0) {
			enc_b64_lines(m->in + m->in_pos, k, out + done);
			m->in_pos += k * B64_IN;
			done += k * B64_OUT;
			continue;
		}
		n = m->in_len - m->in_pos;
		n = n < B64_IN ? n : B64_IN;
		m->line_len = enc_b64_short(m->in + m->in_pos, n, m->line);
		m->line_pos = 0;
		m->in_pos += n;
	}
	m->produced += done;
	if (m->cur == m->npart && m->line_pos == m->line_len &&
	    m->produced != m->total)
		return failed(m, MIMEW_FAIL_IO, EPROTO, "wrote %ju bytes, "
		    "computed %ju", (uintmax_t)m->produced,
		    (uintmax_t)m->total);
	return (ssize_t)done;
}

/* mimew_rewind - start the message over */
void
mimew_rewind(struct mimew *m)
{
	m->cur = 0;
	m->in_file = 0;
	m->text_pos = 0;
	m->off = 0;
	m->in_pos = m->in_len = 0;
	m->line_pos = m->line_len = 0;
	m->produced = 0;
	m->fail = MIMEW_FAIL_NONE;
	m->fail_errno = 0;
	buf_reset(&m->error);
}

/* mimew_write_fd - the whole message to a descriptor */
int
mimew_write_fd(struct mimew *m, int fd)
{
	char	*buf;
	ssize_t	n, w;
	size_t	off;
	int	save;

	if ((buf = malloc(IN_SIZE)) == NULL)
		return -1;
	while ((n = mimew_read(m, buf, IN_SIZE)) > 0) {
		for (off = 0; off < (size_t)n; off += (size_t)w) {
			w = write(fd, buf + off, (size_t)n - off);
			if (w < 0 && errno == EINTR)
				w = 0;
			else if (w < 0)
				break;
		}
		if (off < (size_t)n) {
			n = -1;
			break;
		}
	}
	save = errno;
	free(buf);
	errno = save;
	return n < 0 ? -1 : 0;
}

/* mimew_write_file - the whole message to a stream */
int
mimew_write_file(struct mimew *m, FILE *fp)
{
	char	*buf;
	ssize_t	n;
	int	save;

	if ((buf = malloc(IN_SIZE)) == NULL)
		return -1;
	while ((n = mimew_read(m, buf, IN_SIZE)) > 0)
		if (fwrite(buf, 1, (size_t)n, fp) != (size_t)n) {
			n = -1;
			break;
		}
	save = errno;
	free(buf);
	errno = save;
	return n < 0 ? -1 : 0;
}

/* mimew_failure - why reading failed, if it did */
enum mimew_fail
mimew_failure(const struct mimew *m)
{
	return m->fail;
}

/* mimew_error - what went wrong while reading, or "" */
const char *
mimew_error(const struct mimew *m)
{
	return BUF_STR(&m->error);
}

/* mimew_free - release everything (the descriptors stay open) */
void
mimew_free(struct mimew *m)
{
	size_t	i;

	if (m == NULL)
		return;
	if (m->part)
		for (i = 0; i < m->npart; i++)
			free(m->part[i].name);
	free(m->part);
	free(m->in);
	buf_free(&m->text);
	buf_free(&m->error);
	free(m);
}
