/*
 * dsnparse - streaming reader of delivery reports; see dsnparse.h.
 *
 * Bytes are cut into raw lines of at most max_line bytes (the rest of
 * a longer line is dropped, and marked when it was a line that is
 * read rather than skipped).  A raw line is a boundary of
 * one of the open multiparts, a line of a part header, or a line of a
 * part body.  Open multiparts are a stack of boundaries, never
 * recursion.  Body lines go through the part's transfer decoding into
 * decoded lines, which go to the reader the part's type asks for:
 * report fields (dsnfields.c), a returned header (dsnfields.c), or
 * text for the heuristics (dsnheur.c).  Everything is decided line by
 * line, so where the input was cut into chunks never matters.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dsn_int.h"
#include "names.h"

#define DEF_RCPTS	1000
#define DEF_LINE	(8 * 1024)
#define DEF_FIELD	(16 * 1024)
#define DEF_DIAG	1000
#define DEF_DEPTH	16
#define MIN_LINE	80	/* smaller limits are raised to these */
#define MIN_DIAG	16

#define B64_BAD		64

/* b64 - the value of a base64 character, B64_BAD for any other byte */
static int
b64(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	return c == '/' ? 63 : B64_BAD;
}

/* hexval - the value of a hex digit, or -1 */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = ascii_tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* start_part - forget the previous part's header */
static void
start_part(struct dsn_parser *p)
{
	buf_reset(&p->hfield);
	p->hfield_over = 0;
	p->ptype = K_TEXT;
	p->ptype_seen = 0;
	p->pcte = CTE_IDENTITY;
	p->report = 0;
	buf_reset(&p->pbound);
}

/* skip_ws - index of the first byte at or after i that is no blank */
static size_t
skip_ws(const char *v, size_t n, size_t i)
{
	while (i < n && (v[i] == ' ' || v[i] == '\t'))
		i++;
	return i;
}

/* ct_value - the parameter value at v[i], quoted or not, into out */
static int
ct_value(const char *v, size_t n, size_t i, struct buf *out)
{
	size_t	s;

	buf_reset(out);
	if (i < n && v[i] == '"') {
		for (i++; i < n && v[i] != '"'; i++) {
			if (v[i] == '\\' && i + 1 < n)
				i++;
			if (buf_addc(out, v[i]) < 0)
				return -1;
		}
	} else {
		for (s = i; i < n && v[i] != ';' && v[i] != ' ' &&
		    v[i] != '\t' && v[i] != '('; i++)
			;
		if (buf_set(out, v + s, i - s) < 0)
			return -1;
	}
	while (out->len > 0 && (out->data[out->len - 1] == ' ' ||
	    out->data[out->len - 1] == '\t'))
		buf_truncate(out, out->len - 1);
	return 0;
}

/* ct_boundary - the boundary parameter of a Content-Type into pbound */
static int
ct_boundary(struct dsn_parser *p, const char *v, size_t n)
{
	size_t	i, ns, ne;
	int	quoted;

	for (i = 0; i < n && v[i] != ';'; i++)
		;
	while (i < n) {
		i = skip_ws(v, n, i + 1);
		for (ns = i; i < n && v[i] != '=' && v[i] != ';' &&
		    v[i] != ' ' && v[i] != '\t'; i++)
			;
		ne = i;
		i = skip_ws(v, n, i);
		if (i < n && v[i] == '=' && ci_eq(v + ns, ne - ns, "boundary"))
			return ct_value(v, n, skip_ws(v, n, i + 1), &p->pbound);
		for (quoted = 0; i < n && (quoted || v[i] != ';'); i++) {
			if (v[i] == '"')
				quoted = !quoted;
			else if (v[i] == '\\' && quoted && i + 1 < n)
				i++;
		}
	}
	return 0;
}

/* content_type - what the part's body is read as */
static int
content_type(struct dsn_parser *p, const char *v, size_t n)
{
	static const struct {
		const char	*type;
		int		 kind;
	} types[] = {
		{ "message/delivery-status", K_STATUS },
		{ "message/global-delivery-status", K_STATUS },
		{ "text/rfc822-headers", K_HEADERS },
		{ "message/rfc822-headers", K_HEADERS },
		{ "message/global-headers", K_HEADERS },
		{ "message/rfc822", K_HEADERS },
		{ "message/global", K_HEADERS },
		{ "text/plain", K_TEXT },
		{ "text/html", K_HTML },
	};
	const char *t = v;
	size_t	tl, i;

	if (p->ptype_seen)
		return 0;
	p->ptype_seen = 1;
	trim(&t, &n);
	for (tl = 0; tl < n && t[tl] != ';' && t[tl] != ' ' &&
	    t[tl] != '\t' && t[tl] != '('; tl++)
		;
	if (ci_prefix(t, tl, "multipart/")) {
		p->ptype = K_MULTI;
		p->report = ci_eq(t, tl, "multipart/report");
		return ct_boundary(p, t, n);
	}
	p->ptype = K_SKIP;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (ci_eq(t, tl, types[i].type))
			p->ptype = types[i].kind;
	return 0;
}

/*
 * top_field - a field of the message's own header: does it say the
 * message is a delivery notification?  Only then are its texts read
 * for bounces.
 */
static void
top_field(struct dsn_parser *p, const char *name, size_t nl, const char *v,
    size_t vl)
{
	static const char *const senders[] = {
		"mailer-daemon", "postmaster", "mail delivery", "mdaemon",
		"mail system", "microsoftexchange", "courier mail server",
	};
	static const char *const subjects[] = {
		"undeliver", "deliver", "failure", "failed", "returned mail",
		"delayed", "warning", "notice", "bounce", "rejected",
		"blocked", "teslim", "iletilemedi",
	};
	const char *const *w = NULL;
	size_t	i, nw = 0;

	trim(&v, &vl);
	if (ci_eq(name, nl, "x-failed-recipients") ||
	    (ci_eq(name, nl, "return-path") && ci_eq(v, vl, "<>")))
		p->notice = 1;
	else if (ci_eq(name, nl, "from") || ci_eq(name, nl, "sender")) {
		w = senders;
		nw = sizeof(senders) / sizeof(senders[0]);
	} else if (ci_eq(name, nl, "subject")) {
		w = subjects;
		nw = sizeof(subjects) / sizeof(subjects[0]);
	}
	for (i = 0; i < nw; i++)
		if (ci_find(v, vl, w[i]) != NULL)
			p->notice = 1;
}

/* finish_hfield - act on the complete part header field */
static int
finish_hfield(struct dsn_parser *p)
{
	const char *name, *v;
	size_t	nl, vl;
	int	rc = 0;

	if (p->hfield.len == 0 || !field_split(p->hfield.data, p->hfield.len,
	    &name, &nl, &v, &vl))
		goto out;
	if (p->hfield_over)
		p->flags |= DSN_TRUNCATED;
	if (p->top)
		top_field(p, name, nl, v, vl);
	if (ci_eq(name, nl, "content-type"))
		rc = content_type(p, v, vl);
	else if (ci_eq(name, nl, "content-transfer-encoding")) {
		trim(&v, &vl);
		if (ci_eq(v, vl, "base64"))
			p->pcte = CTE_BASE64;
		else if (ci_eq(v, vl, "quoted-printable"))
			p->pcte = CTE_QP;
		else
			p->pcte = CTE_IDENTITY;
	}
out:
	buf_reset(&p->hfield);
	p->hfield_over = 0;
	return rc;
}

/* hfield_add - append a header line to the field, up to max_field */
static int
hfield_add(struct dsn_parser *p, const char *s, size_t n)
{
	size_t	room = p->lim.max_field - p->hfield.len;

	if (n > room) {
		n = room;
		p->hfield_over = 1;
	}
	return buf_add(&p->hfield, s, n);
}

/* end_header - the part header is complete: read its body */
static int
end_header(struct dsn_parser *p)
{
	if (finish_hfield(p) < 0)
		return -1;
	if (p->top && p->ptype == K_MULTI && p->report)
		p->notice = 1;
	p->top = 0;
	p->state = S_BODY;
	p->kind = p->ptype;
	p->cte = p->kind == K_MULTI ? CTE_IDENTITY : p->pcte;
	p->b64acc = 0;
	p->b64bits = 0;
	buf_reset(&p->cline);
	p->cline_over = 0;
	buf_reset(&p->cfield);
	p->cfield_over = 0;
	p->emb = 0;
	if (p->kind != K_MULTI)
		return 0;
	if (p->pbound.len == 0 || p->pbound.len > DSN_BOUNDARY_MAX ||
	    p->depth >= p->lim.max_depth) {
		p->flags |= DSN_TRUNCATED;
		p->kind = K_SKIP;
		return 0;
	}
	if (buf_add(&p->bounds, p->pbound.data, p->pbound.len) < 0)
		return -1;
	p->bend[p->depth++] = p->bounds.len;
	return 0;
}

/* header_line - a line of a part header, or its end */
static int
header_line(struct dsn_parser *p, const char *s, size_t n)
{
	if (n == 0)
		return end_header(p);
	if ((s[0] == ' ' || s[0] == '\t') && p->hfield.len > 0)
		return hfield_add(p, s, n);
	if (finish_hfield(p) < 0)
		return -1;
	return hfield_add(p, s, n);
}

/*
 * reading - the body's lines are read, not skipped: a line cut short
 * here may lose something
 */
static int
reading(const struct dsn_parser *p)
{
	switch (p->kind) {
	case K_STATUS:
		return 1;
	case K_HEADERS:
		return p->emb != 2;
	case K_TEXT:
	case K_HTML:
		return !p->h.off || p->emb != 2;
	default:
		return 0;
	}
}

/* content_line - a decoded line to the part's reader */
static int
content_line(struct dsn_parser *p, const char *s, size_t n)
{
	if (n > 0 && s[n - 1] == '\r')
		n--;
	switch (p->kind) {
	case K_STATUS:
		p->status_seen = 1;
		return status_line(p, s, n);
	case K_HEADERS:
		return headers_line(p, s, n);
	case K_TEXT:
		return heur_line(p, s, n);
	case K_HTML:
		return html_line(p, s, n);
	default:
		return 0;
	}
}

/* cline_end - a decoded line is complete */
static int
cline_end(struct dsn_parser *p)
{
	int	rc;

	if (p->cline_over && reading(p))
		p->flags |= DSN_TRUNCATED;
	rc = content_line(p, BUF_STR(&p->cline), p->cline.len);
	buf_reset(&p->cline);
	p->cline_over = 0;
	return rc;
}

/* emit - decoded bytes, cut into decoded lines */
static int
emit(struct dsn_parser *p, const char *s, size_t n)
{
	const char *nl;
	size_t	seg, k, room;

	while (n > 0) {
		nl = memchr(s, '\n', n);
		seg = nl ? (size_t)(nl - s) : n;
		room = p->lim.max_line - p->cline.len;
		k = seg;
		if (k > room) {
			k = room;
			p->cline_over = 1;
		}
		if (buf_add(&p->cline, s, k) < 0)
			return -1;
		if (nl != NULL) {
			if (cline_end(p) < 0)
				return -1;
			seg++;
		}
		s += seg;
		n -= seg;
	}
	return 0;
}

/* base64_line - decode a base64 body line */
static int
base64_line(struct dsn_parser *p, const char *s, size_t n)
{
	char	out[256];
	size_t	i, k = 0;
	int	v;

	for (i = 0; i < n; i++) {
		if (s[i] == '=') {
			p->b64bits = 0;		/* padding: a group ends */
			continue;
		}
		if ((v = b64((unsigned char)s[i])) == B64_BAD)
			continue;
		p->b64acc = ((p->b64acc << 6) | (uint32_t)v) & 0xffffff;
		p->b64bits += 6;
		if (p->b64bits >= 8) {
			p->b64bits -= 8;
			out[k++] = (char)((p->b64acc >> p->b64bits) & 0xff);
			if (k == sizeof(out)) {
				if (emit(p, out, k) < 0)
					return -1;
				k = 0;
			}
		}
	}
	return k > 0 ? emit(p, out, k) : 0;
}

/* qp_line - decode a quoted-printable body line */
static int
qp_line(struct dsn_parser *p, const char *s, size_t n)
{
	char	out[256];
	size_t	i, k = 0;
	int	soft = 0, hi, lo;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n > 0 && s[n - 1] == '=') {
		soft = 1;
		n--;
	}
	for (i = 0; i < n; i++) {
		if (s[i] == '=' && i + 2 < n &&
		    (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)s[i + 2])) >= 0) {
			out[k++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			out[k++] = s[i];
		if (k == sizeof(out)) {
			if (emit(p, out, k) < 0)
				return -1;
			k = 0;
		}
	}
	if (k > 0 && emit(p, out, k) < 0)
		return -1;
	return soft ? 0 : emit(p, "\n", 1);
}

/* body_line - a raw line of a part body */
static int
body_line(struct dsn_parser *p, const char *s, size_t n)
{
	if (!reading(p))
		return 0;
	if (p->line_over)
		p->flags |= DSN_TRUNCATED;
	switch (p->cte) {
	case CTE_BASE64:
		return base64_line(p, s, n);
	case CTE_QP:
		return qp_line(p, s, n);
	default:
		return content_line(p, s, n);
	}
}

/* part_end - the part ends: finish what its readers hold */
static int
part_end(struct dsn_parser *p)
{
	int	rc = 0;

	if (p->state == S_HEADER && end_header(p) < 0)
		return -1;
	if (p->state != S_BODY)
		return 0;
	if ((p->cline.len > 0 || p->cline_over) && cline_end(p) < 0)
		return -1;
	switch (p->kind) {
	case K_STATUS:
		rc = status_end(p);
		break;
	case K_HEADERS:
		rc = headers_end(p);
		break;
	case K_TEXT:
	case K_HTML:
		rc = heur_part_end(p);
		break;
	}
	p->kind = K_SKIP;
	return rc;
}

/* match_boundary - is the line a boundary: which level, and closing? */
static int
match_boundary(const struct dsn_parser *p, const char *s, size_t n,
    size_t *level, int *close)
{
	size_t	i, bl, start, k;
	int	pass, dash;

	/*
	 * Exact lines first, innermost out; then, as many readers do,
	 * lines that merely start with a boundary.
	 */
	for (pass = 0; pass < 2; pass++) {
		for (i = p->depth; i-- > 0; ) {
			start = i ? p->bend[i - 1] : 0;
			bl = p->bend[i] - start;
			if (n < bl + 2 ||
			    memcmp(s + 2, p->bounds.data + start, bl) != 0)
				continue;
			dash = n >= bl + 4 && s[bl + 2] == '-' &&
			    s[bl + 3] == '-';
			*level = i;
			*close = dash;
			if (pass == 1)
				return 1;
			for (k = bl + 2 + (dash ? 2 : 0); k < n &&
			    (s[k] == ' ' || s[k] == '\t'); k++)
				;
			if (k == n)
				return 1;
		}
	}
	return 0;
}

/* boundary - a boundary line: the part ends, the next one or none starts */
static int
boundary(struct dsn_parser *p, size_t level, int close)
{
	if (part_end(p) < 0)
		return -1;
	if (p->depth > level + 1)
		p->flags |= DSN_MALFORMED;	/* inner ones left open */
	p->depth = close ? level : level + 1;
	buf_truncate(&p->bounds, p->depth ? p->bend[p->depth - 1] : 0);
	if (close) {
		p->state = S_BODY;
		p->kind = K_SKIP;		/* an epilogue */
	} else {
		p->state = S_HEADER;
		start_part(p);
	}
	return 0;
}

/* raw_line - the raw line is complete */
static int
raw_line(struct dsn_parser *p)
{
	const char *s = BUF_STR(&p->line);
	size_t	n = p->line.len, level;
	int	close, rc;

	if (p->line_over && p->state == S_HEADER)
		p->flags |= DSN_TRUNCATED;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (p->depth > 0 && n >= 2 && s[0] == '-' && s[1] == '-' &&
	    match_boundary(p, s, n, &level, &close))
		rc = boundary(p, level, close);
	else if (p->state == S_HEADER)
		rc = header_line(p, s, n);
	else
		rc = body_line(p, s, n);
	buf_reset(&p->line);
	p->line_over = 0;
	return rc;
}

/* fail - memory ran out: the parser is done */
static int
fail(struct dsn_parser *p)
{
	p->failed = 1;
	p->state = S_DONE;
	errno = ENOMEM;
	return -1;
}

/* dsn_new - a parser for one message */
struct dsn_parser *
dsn_new(const struct dsn_limits *lim)
{
	struct dsn_parser *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->lim.max_rcpts = lim && lim->max_rcpts ? lim->max_rcpts : DEF_RCPTS;
	p->lim.max_line = lim && lim->max_line ? lim->max_line : DEF_LINE;
	p->lim.max_field = lim && lim->max_field ? lim->max_field : DEF_FIELD;
	p->lim.max_diag = lim && lim->max_diag ? lim->max_diag : DEF_DIAG;
	p->lim.max_depth = lim && lim->max_depth ? lim->max_depth : DEF_DEPTH;
	if (p->lim.max_line < MIN_LINE)
		p->lim.max_line = MIN_LINE;
	if (p->lim.max_field < MIN_LINE)
		p->lim.max_field = MIN_LINE;
	if (p->lim.max_diag < MIN_DIAG)
		p->lim.max_diag = MIN_DIAG;
	if ((p->bend = calloc(p->lim.max_depth, sizeof(*p->bend))) == NULL) {
		free(p);
		return NULL;
	}
	p->state = S_HEADER;
	p->top = 1;
	start_part(p);
	return p;
}

/* dsn_feed - a chunk of the message */
int
dsn_feed(struct dsn_parser *p, const void *data, size_t len)
{
	const char *s = data, *nl;
	size_t	seg, k, room;

	if (p->failed)
		return -1;
	while (len > 0 && p->state != S_DONE) {
		nl = memchr(s, '\n', len);
		seg = nl ? (size_t)(nl - s) : len;
		room = p->lim.max_line - p->line.len;
		k = seg;
		if (k > room) {
			k = room;
			p->line_over = 1;
		}
		if (buf_add(&p->line, s, k) < 0)
			return fail(p);
		if (nl != NULL) {
			if (raw_line(p) < 0)
				return fail(p);
			seg++;
		}
		s += seg;
		len -= seg;
	}
	return 0;
}

/*
 * borrow_diag - a report recipient without Diagnostic-Code (Exchange
 * sends none) takes the text the heuristics found for its address.
 */
static int
borrow_diag(struct dsn_parser *p)
{
	size_t	i, j;

	for (i = 0; i < p->std.n; i++) {
		struct rcpt *r = &p->std.v[i];

		if (r->diag.len > 0)
			continue;
		for (j = 0; j < p->heur.n; j++) {
			struct rcpt *h = &p->heur.v[j];

			if (h->diag.len > 0 && h->lower.len == r->lower.len &&
			    memcmp(h->lower.data, r->lower.data,
			    r->lower.len) == 0) {
				if (buf_set(&r->diag, h->diag.data,
				    h->diag.len) < 0)
					return -1;
				break;
			}
		}
	}
	return 0;
}

/* build - the result from the recipients of the kind that won */
static int
build(struct dsn_parser *p)
{
	struct dsn_result *res = &p->res;
	struct rlist *l = NULL;
	size_t	i;

	res->flags = p->flags;
	if (p->std.n > 0) {
		l = &p->std;
		res->kind = DSN_KIND_RFC3464;
	} else if (p->heur.n > 0) {
		l = &p->heur;
		res->kind = DSN_KIND_HEURISTIC;
	} else
		res->kind = p->status_seen ? DSN_KIND_RFC3464 : DSN_KIND_NONE;
	if (l != NULL) {
		if ((p->out = calloc(l->n, sizeof(*p->out))) == NULL)
			return -1;
		for (i = 0; i < l->n; i++) {
			struct rcpt *r = &l->v[i];
			struct dsn_rcpt *o = &p->out[i];

			o->final_rcpt = r->addr.data;
			o->final_lower = r->lower.data;
			o->orig_rcpt = r->orig.len ? r->orig.data : NULL;
			o->action = r->action;
			o->status = r->status;
			o->diagnostic = BUF_STR(&r->diag);
			o->remote_mta = r->mta.len ? r->mta.data : NULL;
		}
		res->rcpt = p->out;
		res->nrcpt = l->n;
		res->ndropped = l->dropped;
		if (l->dropped > 0)
			res->flags |= DSN_TOOMANY;
	}
	res->envid = p->envid.len ? p->envid.data : NULL;
	res->reporting_mta = p->rmta.len ? p->rmta.data : NULL;
	res->msgid = p->msgid.len ? p->msgid.data : NULL;
	res->company = p->company.len ? p->company.data : NULL;
	res->period = p->period.len ? p->period.data : NULL;
	return 0;
}

/* dsn_finish - the end of the message: the result */
const struct dsn_result *
dsn_finish(struct dsn_parser *p)
{
	if (p->failed)
		return NULL;
	if (p->state == S_DONE)
		return &p->res;
	if ((p->line.len > 0 || p->line_over) && raw_line(p) < 0)
		goto fail;
	if (part_end(p) < 0)
		goto fail;
	if (p->depth > 0)
		p->flags |= DSN_MALFORMED;	/* a multipart never closed */
	p->state = S_DONE;
	if (heur_finish(p) < 0 || borrow_diag(p) < 0 || build(p) < 0)
		goto fail;
	return &p->res;
fail:
	fail(p);
	return NULL;
}

/* dsn_free - release the parser and its result */
void
dsn_free(struct dsn_parser *p)
{
	if (p == NULL)
		return;
	buf_free(&p->line);
	buf_free(&p->bounds);
	free(p->bend);
	buf_free(&p->hfield);
	buf_free(&p->pbound);
	buf_free(&p->cline);
	buf_free(&p->cfield);
	rcpt_free(&p->cur);
	buf_free(&p->hline);
	buf_free(&p->h.para);
	buf_free(&p->h.low);
	rlist_free(&p->std);
	rlist_free(&p->heur);
	buf_free(&p->envid);
	buf_free(&p->rmta);
	buf_free(&p->msgid);
	buf_free(&p->company);
	buf_free(&p->period);
	free(p->out);
	free(p);
}

/* dsn_action_name - the Action as RFC 3464 spells it */
const char *
dsn_action_name(enum dsn_action a)
{
	switch (a) {
	case DSN_FAILED:
		return "failed";
	case DSN_DELAYED:
		return "delayed";
	case DSN_DELIVERED:
		return "delivered";
	case DSN_RELAYED:
		return "relayed";
	case DSN_EXPANDED:
		return "expanded";
	default:
		return "none";
	}
}

/* dsn_kind_name - how the report was read */
const char *
dsn_kind_name(enum dsn_kind k)
{
	switch (k) {
	case DSN_KIND_RFC3464:
		return "rfc3464";
	case DSN_KIND_HEURISTIC:
		return "heuristic";
	default:
		return "none";
	}
}
