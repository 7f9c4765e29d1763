/*
 * NAME
 *	csv - rows of CSV as Excel writes it (RFC 4180), Windows-1254 text
 * DESCRIPTION
 *	csv_row() reads the next record of UTF-8 text: fields separated by
 *	cs->sep, quoted fields with doubled quotes, LF or CRLF line ends.
 *	A quoted field may span lines; that is kept and marked
 *	(ROW_NEWLINE), and an unclosed quote (ROW_OPEN_QUOTE) or text
 *	after a closing quote (ROW_AFTER_QUOTE) is marked too; reading goes
 *	on at the next line.  Blanks around a quoted field are skipped; at
 *	most MAX_FIELDS fields are kept (nf counts them all).
 *
 *	from_cp1254() converts Windows-1254 (plain "CSV" from Turkish
 *	Excel) to UTF-8 with iconv(3); a byte the code page does not use
 *	becomes U+FFFD.
 * DIAGNOSTICS
 *	csv_row() returns 1 with a row, 0 at the end of the text, -1 when
 *	memory runs out.  from_cp1254() returns 0 or an errno value.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>

#include "csv.h"

/* csv_eol - at a line end? Skip it and count the line */
static int
csv_eol(struct csv *cs)
{
	if (cs->p < cs->end && *cs->p == '\r') {
		cs->p++;
		if (cs->p < cs->end && *cs->p == '\n')
			cs->p++;
	} else if (cs->p < cs->end && *cs->p == '\n')
		cs->p++;
	else
		return 0;
	cs->line++;
	return 1;
}

/* csv_resync - after an unclosed quote, go on at the line after start */
static void
csv_resync(struct csv *cs, const char *start, unsigned long line)
{
	cs->p = start;
	cs->line = line;
	while (cs->p < cs->end && *cs->p != '\r' && *cs->p != '\n')
		cs->p++;
	csv_eol(cs);
}

/* csv_quoted - a quoted field from after its opening quote */
static int
csv_quoted(struct csv *cs, struct row *r, struct buf *f)
{
	const char *start;

	for (;;) {
		if (cs->p >= cs->end)
			return -1;
		if (*cs->p == '"') {
			if (cs->p + 1 < cs->end && cs->p[1] == '"') {
				if (f && buf_addc(f, '"') < 0)
					return -2;
				cs->p += 2;
				continue;
			}
			cs->p++;
			return 0;
		}
		if (*cs->p == '\r' || *cs->p == '\n') {
			if (r->err == ROW_OK) {
				r->err = ROW_NEWLINE;
				r->errfield = r->nf;
			}
			if (f && buf_addc(f, *cs->p) < 0)
				return -2;
			start = cs->p;
			csv_eol(cs);
			if (cs->p - start == 2 && f && buf_addc(f, '\n') < 0)
				return -2;
			continue;
		}
		start = cs->p;
		while (cs->p < cs->end && *cs->p != '"' && *cs->p != '\r' &&
		    *cs->p != '\n')
			cs->p++;
		if (f && buf_add(f, start, (size_t)(cs->p - start)) < 0)
			return -2;
	}
}

/* csv_row - the next record: 1 got one, 0 end of text, -1 no memory */
int
csv_row(struct csv *cs, struct row *r)
{
	const char *rstart = cs->p, *s;
	struct buf *f;
	int	rc;

	if (cs->p >= cs->end)
		return 0;
	r->nf = 0;
	r->line = cs->line;
	r->err = ROW_OK;
	for (;;) {
		f = r->nf < MAX_FIELDS ? &r->f[r->nf] : NULL;
		if (f)
			buf_reset(f);
		s = cs->p;
		while (s < cs->end && (*s == ' ' || *s == '\t'))
			s++;
		if (s < cs->end && *s == '"') {
			cs->p = s + 1;
			if ((rc = csv_quoted(cs, r, f)) == -2)
				return -1;
			if (rc == -1) {
				r->err = ROW_OPEN_QUOTE;
				r->errfield = r->nf++;
				csv_resync(cs, rstart, r->line);
				return 1;
			}
			while (cs->p < cs->end && (*cs->p == ' ' ||
			    *cs->p == '\t'))
				cs->p++;
			if (cs->p < cs->end && *cs->p != cs->sep &&
			    *cs->p != '\r' && *cs->p != '\n' &&
			    r->err == ROW_OK) {
				r->err = ROW_AFTER_QUOTE;
				r->errfield = r->nf;
			}
		}
		s = cs->p;
		while (cs->p < cs->end && *cs->p != cs->sep &&
		    *cs->p != '\r' && *cs->p != '\n')
			cs->p++;
		if (f && buf_add(f, s, (size_t)(cs->p - s)) < 0)
			return -1;
		r->nf++;
		if (cs->p < cs->end && *cs->p == cs->sep) {
			cs->p++;
			continue;
		}
		csv_eol(cs);
		return 1;
	}
}

/* from_cp1254 - convert Windows-1254 to UTF-8; U+FFFD for unused bytes */
int
from_cp1254(const char *in, size_t len, struct buf *out)
{
	iconv_t	cd;
	char	*ip = (char *)in, *op;
	size_t	il = len, ol;

	if ((cd = iconv_open("UTF-8", "CP1254")) == (iconv_t)-1)
		return errno;
	if (len > (SIZE_MAX - 1) / 3 || buf_reserve(out, 3 * len) < 0) {
		iconv_close(cd);
		return ENOMEM;
	}
	op = out->data;
	ol = 3 * len;
	while (il > 0) {
		if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1)
			break;
		if (errno != EILSEQ && errno != EINVAL)
			break;
		if (ol < 3)
			break;
		memcpy(op, "\xef\xbf\xbd", 3);
		op += 3;
		ol -= 3;
		ip++;
		il--;
	}
	iconv_close(cd);
	if (il > 0)
		return errno ? errno : EILSEQ;
	out->len = (size_t)(op - out->data);
	out->data[out->len] = '\0';
	return 0;
}

