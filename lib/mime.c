/*
 * mime - streaming reader of attachment names; see mime.h.
 *
 * The body is read line by line without keeping the lines: of each line
 * only its first bytes (enough for "--" boundary "--") and the length
 * up to its last non-blank byte are kept, which is all it takes to
 * tell a boundary line.  Part headers are unfolded into one field
 * buffer as they come; a field is complete when a line starts with
 * anything but a blank.  Open multiparts are a stack of boundaries,
 * never recursion, so nesting costs one boundary per level and stops
 * at max_depth.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mime.h"
#include "names.h"
#include "rfc2047.h"

#define DEF_DEPTH	32
#define DEF_FIELD	(16 * 1024)
#define DEF_NAMES	1000
#define LPRE_MAX	(MIME_BOUNDARY_MAX + 4)	/* "--" boundary "--" */
#define SEEN_MAX	1024	/* names of one part kept to drop repeats */

enum { R_TOPHDR, R_HEADER, R_BODY, R_DONE };

struct mime_reader {
	struct mime_limits lim;
	mime_name_fn	 fn;
	void		*arg;
	unsigned	 flags;
	int		 state;
	size_t		 nnames;

	struct buf	 bounds;	/* open multiparts, end to end */
	size_t		*bend;		/* bend[i]: end of boundary i */
	size_t		 depth;

	char		 lpre[LPRE_MAX];	/* the line being read */
	size_t		 llen;
	size_t		 lnonws;	/* its length to the last non-blank */

	struct buf	 field;		/* the header field being read */
	int		 field_over;

	int		 ctype_seen;	/* the part whose header is read */
	int		 multipart;
	int		 message;
	struct buf	 bound;
	struct buf	 seen;		/* names it reported, NUL-separated */
	struct buf	 name;
};

/* fail - out of memory, or the callback failed: the reader is done */
static int
fail(struct mime_reader *r)
{
	r->flags |= MIME_ERROR | MIME_TRUNCATED;
	r->state = R_DONE;
	return -1;
}

/* start_part - forget the previous part's header */
static void
start_part(struct mime_reader *r)
{
	r->ctype_seen = r->multipart = r->message = 0;
	buf_reset(&r->bound);
	buf_reset(&r->seen);
	buf_reset(&r->field);
	r->field_over = 0;
}

/* field_add - append to the field, CR and LF dropped, up to max_field */
static int
field_add(struct mime_reader *r, const char *p, size_t n)
{
	const char *e = p + n, *q;
	size_t	room, k;

	while (p < e && !r->field_over) {
		for (q = p; q < e && *q != '\r' && *q != '\n'; q++)
			;
		room = r->lim.max_field - r->field.len;
		if ((k = (size_t)(q - p)) > room) {
			k = room;		/* keep the name of the field */
			r->field_over = 1;
		}
		if (buf_add(&r->field, p, k) < 0)
			return -1;
		p = q < e ? q + 1 : q;
	}
	return 0;
}

/* emit_name - report r->name unless empty, repeated or over the limit */
static int
emit_name(struct mime_reader *r)
{
	char	*s = r->name.data;
	const char *p, *end;
	size_t	i, n, l;
	int	rc;

	if (s == NULL)
		return 0;
	for (i = n = 0; i < r->name.len; i++) {
		if (s[i] == '\t')
			s[n++] = ' ';		/* from a fold */
		else if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			r->flags |= MIME_LOSSY;
		else
			s[n++] = s[i];
	}
	buf_truncate(&r->name, n);
	if (n == 0 || (r->nnames >= r->lim.max_names &&
	    (r->flags & MIME_TRUNCATED)))
		return 0;
	p = BUF_STR(&r->seen);
	for (end = p + r->seen.len; p < end; p += l + 1)
		if ((l = strlen(p)) == n && memcmp(p, s, n) == 0)
			return 0;
	if (r->nnames >= r->lim.max_names) {
		r->flags |= MIME_TRUNCATED;
		return 0;
	}
	r->nnames++;
	if (r->seen.len + n + 1 <= SEEN_MAX &&
	    buf_add(&r->seen, s, n + 1) < 0)
		return -1;
	if (r->fn != NULL && (rc = r->fn(s, n, r->arg)) != 0) {
		if (rc < 0)
			return -1;
		r->flags |= MIME_STOPPED;
		r->state = R_DONE;
	}
	return 0;
}

/* note_param - fold the result of rfc2231_get_param into the flags */
static int
note_param(struct mime_reader *r, int rc)
{
	if (rc < 0)
		return -1;
	if (rc & RFC2231_LIMIT)
		r->flags |= MIME_TRUNCATED;
	if (rc & RFC2047_LOSSY)
		r->flags |= MIME_LOSSY;
	return rc & RFC2231_FOUND;
}

/* report_param - report both forms of a name parameter */
static int
report_param(struct mime_reader *r, const char *v, size_t n,
    const char *attr)
{
	static const int form[] = { RFC2231_ONLY_EXT, RFC2231_ONLY_PLAIN };
	size_t	i;
	int	rc;

	for (i = 0; i < 2 && r->state != R_DONE; i++) {
		rc = note_param(r, rfc2231_get_param(&r->name, v, n, attr,
		    form[i]));
		if (rc < 0 || (rc > 0 && emit_name(r) < 0))
			return -1;
	}
	return 0;
}

/* content_type - the part's type and boundary, and its name */
static int
content_type(struct mime_reader *r, const char *v, size_t n)
{
	const char *p = v, *end = v + n, *t;
	size_t	tl;
	int	rc;

	if (!r->ctype_seen) {
		r->ctype_seen = 1;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		for (t = p; p < end && *p != ' ' && *p != '\t' && *p != ';' &&
		    *p != '('; p++)
			;
		tl = (size_t)(p - t);
		if (tl >= 10 && ascii_strncasecmp(t, "multipart/", 10) == 0) {
			r->multipart = 1;
			rc = note_param(r, rfc2231_get_param(&r->bound, v, n,
			    "boundary", RFC2231_RAW));
			if (rc < 0)
				return -1;
			while (r->bound.len > 0 &&
			    (r->bound.data[r->bound.len - 1] == ' ' ||
			    r->bound.data[r->bound.len - 1] == '\t'))
				buf_truncate(&r->bound, r->bound.len - 1);
		} else if (tl >= 8 && ascii_strncasecmp(t, "message/", 8) == 0)
			r->message = 1;
	}
	return report_param(r, v, n, "name");
}

/* finish_field - act on the complete header field, then forget it */
static int
finish_field(struct mime_reader *r)
{
	const char *f = r->field.data, *colon, *v;
	size_t	nl;
	int	rc = 0, kind = 0;

	if (r->field.len == 0 ||
	    (colon = memchr(f, ':', r->field.len)) == NULL)
		goto out;
	for (nl = (size_t)(colon - f); nl > 0 &&
	    (f[nl - 1] == ' ' || f[nl - 1] == '\t'); nl--)
		;
	if (nl == 12 && ascii_strncasecmp(f, "content-type", 12) == 0)
		kind = 1;
	else if (nl == 19 &&
	    ascii_strncasecmp(f, "content-disposition", 19) == 0)
		kind = 2;
	if (kind == 0)
		goto out;
	if (r->field_over) {
		r->flags |= MIME_TRUNCATED;
		goto out;
	}
	v = colon + 1;
	nl = (size_t)(f + r->field.len - v);
	if (kind == 1)
		rc = content_type(r, v, nl);
	else
		rc = report_param(r, v, nl, "filename");
out:
	buf_reset(&r->field);
	r->field_over = 0;
	return rc;
}

/* end_headers - the part's header is complete: open it if multipart */
static int
end_headers(struct mime_reader *r)
{
	if (r->state == R_DONE)
		return 0;
	r->state = R_BODY;
	if (r->message)
		r->flags |= MIME_EMBEDDED;
	if (!r->multipart)
		return 0;
	if (r->bound.len == 0 || r->bound.len > MIME_BOUNDARY_MAX ||
	    r->depth >= r->lim.max_depth) {
		r->flags |= MIME_TRUNCATED;
		return 0;
	}
	if (buf_add(&r->bounds, r->bound.data, r->bound.len) < 0)
		return -1;
	r->bend[r->depth++] = r->bounds.len;
	return 0;
}

/* match_boundary - is the line a boundary: which level, and closing? */
static int
match_boundary(const struct mime_reader *r, size_t *level, int *close)
{
	size_t	have = r->llen < LPRE_MAX ? r->llen : LPRE_MAX;
	size_t	i, n, start;
	int	pass, dash;

	/*
	 * Exact lines first, innermost out; then, as many readers do,
	 * lines that merely start with a boundary.
	 */
	for (pass = 0; pass < 2; pass++) {
		for (i = r->depth; i-- > 0; ) {
			start = i ? r->bend[i - 1] : 0;
			n = r->bend[i] - start;
			if (have < n + 2 ||
			    memcmp(r->lpre + 2, r->bounds.data + start, n) != 0)
				continue;
			dash = have >= n + 4 && r->lpre[n + 2] == '-' &&
			    r->lpre[n + 3] == '-';
			*level = i;
			if (pass == 1) {
				*close = dash;
				return 1;
			}
			if (r->lnonws == n + 2 ||
			    (dash && r->lnonws == n + 4)) {
				*close = r->lnonws == n + 4;
				return 1;
			}
		}
	}
	return 0;
}

/* line_bytes - take bytes of the current line (no LF among them) */
static int
line_bytes(struct mime_reader *r, const char *p, size_t n)
{
	size_t	c, i;

	if (n == 0)
		return 0;
	if (r->state == R_HEADER) {
		if (r->llen == 0 && p[0] != ' ' && p[0] != '\t') {
			if (finish_field(r) < 0)
				return -1;
			if (r->state == R_DONE)
				return 0;
		}
		if (field_add(r, p, n) < 0)
			return -1;
	}
	if (r->llen < LPRE_MAX) {
		c = LPRE_MAX - r->llen < n ? LPRE_MAX - r->llen : n;
		memcpy(r->lpre + r->llen, p, c);
	}
	if (r->llen + n < 2 || (r->lpre[0] == '-' && r->lpre[1] == '-')) {
		for (i = n; i > 0; i--)
			if (p[i - 1] != ' ' && p[i - 1] != '\t' &&
			    p[i - 1] != '\r') {
				r->lnonws = r->llen < LPRE_MAX ? r->llen + i :
				    SIZE_MAX;
				break;
			}
	}
	r->llen = r->llen > SIZE_MAX - n ? SIZE_MAX : r->llen + n;
	return 0;
}

/* line_end - the line is complete: boundary, end of header, or text */
static int
line_end(struct mime_reader *r)
{
	size_t	level;
	int	close;

	if (r->depth > 0 && r->llen >= 2 && r->lpre[0] == '-' &&
	    r->lpre[1] == '-' && match_boundary(r, &level, &close)) {
		if (r->state == R_HEADER) {
			if (finish_field(r) < 0 || end_headers(r) < 0)
				return -1;
			if (r->state == R_DONE)
				return 0;
		}
		if (r->depth > level + 1)
			r->flags |= MIME_MALFORMED;	/* inner ones open */
		r->depth = close ? level : level + 1;
		buf_truncate(&r->bounds, r->depth ? r->bend[r->depth - 1] : 0);
		if (close)
			r->state = R_BODY;
		else {
			r->state = R_HEADER;
			start_part(r);
		}
	} else if (r->state == R_HEADER && (r->llen == 0 ||
	    (r->llen == 1 && r->lpre[0] == '\r'))) {
		if (finish_field(r) < 0 || end_headers(r) < 0)
			return -1;
	}
	r->llen = r->lnonws = 0;
	return 0;
}

/* feed - split body bytes into lines */
static int
feed(struct mime_reader *r, const char *p, size_t n)
{
	const char *nl;
	size_t	seg;

	while (n > 0 && r->state != R_DONE) {
		if (r->state == R_BODY && r->depth == 0)
			return 0;		/* nothing more can open */
		nl = memchr(p, '\n', n);
		seg = nl ? (size_t)(nl - p) : n;
		if (line_bytes(r, p, seg) < 0)
			return -1;
		if (nl != NULL) {
			if (r->state != R_DONE && line_end(r) < 0)
				return -1;
			seg++;
		}
		p += seg;
		n -= seg;
	}
	return 0;
}

/* mime_new - a reader for one message */
struct mime_reader *
mime_new(const struct mime_limits *lim, mime_name_fn fn, void *arg)
{
	struct mime_reader *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->lim.max_depth = lim && lim->max_depth ? lim->max_depth : DEF_DEPTH;
	r->lim.max_field = lim && lim->max_field ? lim->max_field : DEF_FIELD;
	r->lim.max_names = lim && lim->max_names ? lim->max_names : DEF_NAMES;
	if ((r->bend = calloc(r->lim.max_depth, sizeof(*r->bend))) == NULL) {
		free(r);
		return NULL;
	}
	r->fn = fn;
	r->arg = arg;
	r->state = R_TOPHDR;
	start_part(r);
	return r;
}

/* mime_header - one top-level header field */
int
mime_header(struct mime_reader *r, const char *name, const char *value)
{
	if (r->flags & MIME_ERROR)
		return -1;
	if (r->state != R_TOPHDR)
		return 0;
	buf_reset(&r->field);
	r->field_over = 0;
	if (field_add(r, name, strlen(name)) < 0 ||
	    field_add(r, ":", 1) < 0 ||
	    field_add(r, value, strlen(value)) < 0 ||
	    finish_field(r) < 0)
		return fail(r);
	return 0;
}

/* mime_eoh - end of the top-level header */
int
mime_eoh(struct mime_reader *r)
{
	if (r->flags & MIME_ERROR)
		return -1;
	if (r->state == R_TOPHDR && end_headers(r) < 0)
		return fail(r);
	return 0;
}

/* mime_body - a chunk of the body */
int
mime_body(struct mime_reader *r, const unsigned char *chunk, size_t len)
{
	if (mime_eoh(r) < 0)
		return -1;
	if (feed(r, (const char *)chunk, len) < 0)
		return fail(r);
	return 0;
}

/* mime_end - end of the body: finish what is open */
int
mime_end(struct mime_reader *r)
{
	if (mime_eoh(r) < 0)
		return -1;
	if (r->state != R_DONE && r->llen > 0 && line_end(r) < 0)
		return fail(r);
	if (r->state == R_HEADER &&
	    (finish_field(r) < 0 || end_headers(r) < 0))
		return fail(r);
	if (r->state != R_DONE && r->depth > 0)
		r->flags |= MIME_MALFORMED;	/* a multipart never closed */
	r->state = R_DONE;
	return 0;
}

/* mime_flags - how well the message could be read */
unsigned
mime_flags(const struct mime_reader *r)
{
	return r->flags;
}

/* mime_count - names reported so far */
size_t
mime_count(const struct mime_reader *r)
{
	return r->nnames;
}

/* mime_free - release the reader */
void
mime_free(struct mime_reader *r)
{
	if (r == NULL)
		return;
	buf_free(&r->bounds);
	buf_free(&r->field);
	buf_free(&r->bound);
	buf_free(&r->seen);
	buf_free(&r->name);
	free(r->bend);
	free(r);
}
