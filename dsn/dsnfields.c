/*
 * dsnfields - RFC 3464 report fields and returned headers; see
 * dsn_int.h.
 *
 * Both read decoded body lines as header fields: a line that starts
 * with a blank continues the field before it, every field is unfolded
 * into one buffer of at most max_field bytes.  A report is a sequence
 * of blocks separated by empty lines; a block holding recipient fields
 * is one recipient.  Reports that forget the empty line between two
 * recipients are read too: a second Final-Recipient (or
 * Original-Recipient) in one block starts the next recipient.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dsn_int.h"
#include "names.h"

typedef int (*field_fn)(struct dsn_parser *, const char *, size_t,
	    const char *, size_t);

/* rcpt_free - release a recipient's strings */
void
rcpt_free(struct rcpt *r)
{
	buf_free(&r->addr);
	buf_free(&r->lower);
	buf_free(&r->orig);
	buf_free(&r->diag);
	buf_free(&r->mta);
	memset(r, 0, sizeof(*r));
}

/* rlist_free - release a list of recipients */
void
rlist_free(struct rlist *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		rcpt_free(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/*
 * rlist_add - room for one more recipient, zeroed; NULL when the list
 * is full (the recipient is counted as dropped) or memory ran out
 * (p->failed is set).
 */
struct rcpt *
rlist_add(struct dsn_parser *p, struct rlist *l)
{
	struct rcpt *v;
	size_t	cap;

	if (l->n >= p->lim.max_rcpts) {
		l->dropped++;
		return NULL;
	}
	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 8;
		if (cap > p->lim.max_rcpts)
			cap = p->lim.max_rcpts;
		if ((v = realloc(l->v, cap * sizeof(*v))) == NULL) {
			p->failed = 1;
			return NULL;
		}
		l->v = v;
		l->cap = cap;
	}
	v = &l->v[l->n++];
	memset(v, 0, sizeof(*v));
	return v;
}

/* cfield_add - append a line to the body field, up to max_field */
static int
cfield_add(struct dsn_parser *p, const char *s, size_t n)
{
	size_t	room = p->lim.max_field - p->cfield.len;

	if (n > room) {
		n = room;
		p->cfield_over = 1;
	}
	return buf_add(&p->cfield, s, n);
}

/* cfield_done - hand the complete body field to fn, then forget it */
static int
cfield_done(struct dsn_parser *p, field_fn fn)
{
	const char *name, *v;
	size_t	nl, vl;
	int	rc = 0;

	if (p->cfield.len > 0 && field_split(p->cfield.data, p->cfield.len,
	    &name, &nl, &v, &vl)) {
		if (p->cfield_over)
			p->flags |= DSN_TRUNCATED;
		rc = fn(p, name, nl, v, vl);
	}
	buf_reset(&p->cfield);
	p->cfield_over = 0;
	return rc;
}

/* put_utf8 - append code point c as UTF-8 */
static int
put_utf8(struct buf *b, unsigned long c)
{
	char	u[4];
	size_t	n;

	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | c >> 6);
		u[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | c >> 12);
		u[1] = (char)(0x80 | (c >> 6 & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | c >> 18);
		u[1] = (char)(0x80 | (c >> 12 & 0x3f));
		u[2] = (char)(0x80 | (c >> 6 & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	return buf_add(b, u, n);
}

/* unescape_utf8 - set out to s with RFC 6533 \x{HEX} escapes decoded */
static int
unescape_utf8(struct buf *out, const char *s, size_t n)
{
	size_t	i, j;
	unsigned long c;

	buf_reset(out);
	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' &&
		    s[i + 2] == '{') {
			for (c = 0, j = i + 3; j < n && j < i + 10 &&
			    ((s[j] >= '0' && s[j] <= '9') ||
			    (ascii_tolower((unsigned char)s[j]) >= 'a' &&
			    ascii_tolower((unsigned char)s[j]) <= 'f')); j++)
				c = c * 16 + (unsigned long)(s[j] <= '9' ?
				    s[j] - '0' :
				    ascii_tolower((unsigned char)s[j]) - 'a' +
				    10);
			if (j > i + 3 && j < n && s[j] == '}' && c >= 0x80 &&
			    c <= 0x10ffff && (c < 0xd800 || c > 0xdfff)) {
				if (put_utf8(out, c) < 0)
					return -1;
				i = j;
				continue;
			}
		}
		if (buf_addc(out, s[i]) < 0)
			return -1;
	}
	return 0;
}

/*
 * set_addr - an address field's value into out: the type and angle
 * brackets removed; left empty when there is no usable address.
 */
static int
set_addr(struct dsn_parser *p, struct buf *out, const char *v, size_t n)
{
	const char *type;
	size_t	tl, e;
	int	quoted = 0;

	strip_type(&v, &n, &type, &tl);
	if (n > 0 && v[0] == '<') {
		for (e = 1; e < n && v[e] != '>'; e++)
			;
		v++;
		n = e - 1;
		trim(&v, &n);
	} else {
		for (e = 0; e < n && (quoted || (v[e] != ' ' &&
		    v[e] != '\t')); e++)
			if (v[e] == '"')
				quoted = !quoted;
		n = e;
		if (n > 0 && v[n - 1] == '>')
			n--;		/* an ORCPT= written with the '>' */
	}
	buf_reset(out);
	if (n == 0)
		return 0;
	if (n > DSN_ADDR_MAX) {
		p->flags |= DSN_TRUNCATED;
		return 0;
	}
	for (e = 0; e < n; e++)
		if ((unsigned char)v[e] < ' ' || v[e] == 0x7f) {
			p->flags |= DSN_MALFORMED;
			return 0;
		}
	if (type != NULL && ci_eq(type, tl, "utf-8")) {
		if (unescape_utf8(out, v, n) < 0)
			return -1;
		if (out->len > DSN_ADDR_MAX) {
			p->flags |= DSN_TRUNCATED;
			buf_reset(out);
		}
		return 0;
	}
	return buf_set(out, v, n);
}

/* set_value - a per-message value, kept once, cut past DSN_VALUE_MAX */
static int
set_value(struct dsn_parser *p, struct buf *b, const char *v, size_t n)
{
	int	full = 0;

	if (b->len > 0)
		return 0;
	trim(&v, &n);
	if (text_add(b, v, n, DSN_VALUE_MAX, &full) < 0)
		return -1;
	if (full)
		p->flags |= DSN_TRUNCATED;
	return 0;
}

/* parse_action - the Action field's first word */
static enum dsn_action
parse_action(const char *v, size_t n)
{
	static const struct {
		const char	*name;
		enum dsn_action	 action;
	} actions[] = {
		{ "failed", DSN_FAILED },
		{ "delayed", DSN_DELAYED },
		{ "delivered", DSN_DELIVERED },
		{ "relayed", DSN_RELAYED },
		{ "expanded", DSN_EXPANDED },
	};
	size_t	i, l;

	trim(&v, &n);
	for (l = 0; l < n && v[l] != ' ' && v[l] != '\t' && v[l] != '(' &&
	    v[l] != ';'; l++)
		;
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (ci_eq(v, l, actions[i].name))
			return actions[i].action;
	return DSN_ACTION_NONE;
}

/* default_status - X.0.0 of an Action */
static const char *
default_status(enum dsn_action a)
{
	switch (a) {
	case DSN_FAILED:
		return "5.0.0";
	case DSN_DELAYED:
		return "4.0.0";
	default:
		return "2.0.0";
	}
}

/* clear_cur - start the next report block */
static void
clear_cur(struct dsn_parser *p)
{
	rcpt_free(&p->cur);
	p->cur_used = p->cur_final = p->cur_orig = 0;
}

/* flush_cur - the recipient block is complete: keep it if usable */
static int
flush_cur(struct dsn_parser *p)
{
	struct rcpt *c = &p->cur, *r;

	if (!p->cur_used)
		return 0;
	if (c->addr.len == 0 && c->orig.len > 0 &&
	    buf_set(&c->addr, c->orig.data, c->orig.len) < 0)
		return -1;
	if (c->status[0] == '\0' && c->diag.len > 0)
		find_status(c->diag.data, c->diag.len, 0, c->status);
	if (c->action == DSN_ACTION_NONE)
		c->action = c->status[0] == '2' ? DSN_DELIVERED :
		    c->status[0] == '4' ? DSN_DELAYED :
		    c->status[0] == '5' ? DSN_FAILED : DSN_ACTION_NONE;
	if (c->addr.len == 0 || c->action == DSN_ACTION_NONE) {
		p->flags |= DSN_MALFORMED;
		clear_cur(p);
		return 0;
	}
	if (c->status[0] == '\0')
		strcpy(c->status, default_status(c->action));
	if (lower_copy(&c->lower, c->addr.data, c->addr.len) < 0)
		return -1;
	if ((r = rlist_add(p, &p->std)) == NULL) {
		clear_cur(p);
		return p->failed ? -1 : 0;
	}
	*r = *c;
	memset(c, 0, sizeof(*c));
	p->cur_used = p->cur_final = p->cur_orig = 0;
	return 0;
}

/* status_field - one field of a report */
static int
status_field(struct dsn_parser *p, const char *name, size_t nl,
    const char *v, size_t vl)
{
	struct rcpt *c = &p->cur;
	const char *type;
	size_t	tl;
	char	st[DSN_STATUS_MAX + 1];

	if (ci_eq(name, nl, "final-recipient")) {
		if (p->cur_final && flush_cur(p) < 0)
			return -1;
		p->cur_used = p->cur_final = 1;
		return set_addr(p, &c->addr, v, vl);
	}
	if (ci_eq(name, nl, "original-recipient")) {
		if (p->cur_orig && flush_cur(p) < 0)
			return -1;
		p->cur_used = p->cur_orig = 1;
		return set_addr(p, &c->orig, v, vl);
	}
	if (ci_eq(name, nl, "action")) {
		p->cur_used = 1;
		if (c->action == DSN_ACTION_NONE)
			c->action = parse_action(v, vl);
	} else if (ci_eq(name, nl, "status")) {
		p->cur_used = 1;
		if (c->status[0] == '\0' && find_status(v, vl, 0, st) > 0)
			strcpy(c->status, st);
	} else if (ci_eq(name, nl, "diagnostic-code")) {
		p->cur_used = 1;
		if (c->diag.len == 0) {
			strip_type(&v, &vl, &type, &tl);
			if (text_add(&c->diag, v, vl, p->lim.max_diag,
			    &c->diag_full) < 0)
				return -1;
		}
	} else if (ci_eq(name, nl, "remote-mta")) {
		p->cur_used = 1;
		strip_type(&v, &vl, &type, &tl);
		return set_value(p, &c->mta, v, vl);
	} else if (ci_eq(name, nl, "reporting-mta")) {
		strip_type(&v, &vl, &type, &tl);
		return set_value(p, &p->rmta, v, vl);
	} else if (ci_eq(name, nl, "original-envelope-id"))
		return set_value(p, &p->envid, v, vl);
	return 0;
}

/* status_line - a decoded line of a delivery-status part */
int
status_line(struct dsn_parser *p, const char *s, size_t n)
{
	const char *t = s;
	size_t	tn = n;

	trim(&t, &tn);
	if (tn == 0) {
		if (cfield_done(p, status_field) < 0)
			return -1;
		return flush_cur(p);
	}
	if ((s[0] == ' ' || s[0] == '\t') && p->cfield.len > 0)
		return cfield_add(p, s, n);
	if (cfield_done(p, status_field) < 0)
		return -1;
	return cfield_add(p, s, n);
}

/* status_end - the delivery-status part ends */
int
status_end(struct dsn_parser *p)
{
	if (cfield_done(p, status_field) < 0)
		return -1;
	return flush_cur(p);
}

/* headers_field - one field of the returned header */
static int
headers_field(struct dsn_parser *p, const char *name, size_t nl,
    const char *v, size_t vl)
{
	const char *lt, *gt;
	int	y, m;

	trim(&v, &vl);
	if (ci_eq(name, nl, "message-id")) {
		if ((lt = memchr(v, '<', vl)) != NULL &&
		    (gt = memchr(lt, '>', (size_t)(v + vl - lt))) != NULL) {
			v = lt;
			vl = (size_t)(gt - lt) + 1;
		}
		return set_value(p, &p->msgid, v, vl);
	}
	if (ci_eq(name, nl, "x-edefter-company")) {
		if (p->company.len == 0 && edf_valid_id(v, vl))
			return buf_set(&p->company, v, vl);
	} else if (ci_eq(name, nl, "x-edefter-period")) {
		if (p->period.len == 0 && edf_parse_period(v, vl, &y, &m) == 0)
			return buf_printf(&p->period, "%04d-%02d", y, m);
	}
	return 0;
}

/*
 * headers_line - a decoded line of a returned header: blank lines
 * before it are skipped, an mbox "From " line too; an empty line or a
 * line that is no field ends it.
 */
int
headers_line(struct dsn_parser *p, const char *s, size_t n)
{
	const char *t = s, *name, *v;
	size_t	tn = n, nl, vl;

	if (p->emb == 2)
		return 0;
	trim(&t, &tn);
	if (p->emb == 0) {
		if (tn == 0 || ci_prefix(s, n, "from ") ||
		    ci_prefix(s, n, ">from "))
			return 0;
		p->emb = 1;
	}
	if (tn == 0) {
		p->emb = 2;
		return cfield_done(p, headers_field);
	}
	if ((s[0] == ' ' || s[0] == '\t') && p->cfield.len > 0)
		return cfield_add(p, s, n);
	if (cfield_done(p, headers_field) < 0)
		return -1;
	if (!field_split(s, n, &name, &nl, &v, &vl)) {
		p->emb = 2;
		return 0;
	}
	return cfield_add(p, s, n);
}

/* headers_end - the part holding a returned header ends */
int
headers_end(struct dsn_parser *p)
{
	if (p->emb == 1 && cfield_done(p, headers_field) < 0)
		return -1;
	p->emb = 2;
	return 0;
}
