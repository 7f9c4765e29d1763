/*
 * dsnheur - recipients of non-standard bounces; see dsn_int.h.
 *
 * Text lines are read one by one, trimmed.  Until a line has the
 * wording of a bounce or a delay warning, nothing is taken: an
 * auto-reply or an ordinary answer that merely holds an address on a
 * line of its own names nobody.  The wording also sets the Action of
 * the recipients that follow (a delay wording wins over a failure one
 * on the same line: "could not be delivered for 4 hours").
 *
 * An address line makes its address the current recipient (the same
 * address again selects the existing one).  The paragraph after it,
 * up to an empty line, is its text; the first paragraph of it that
 * holds a status code, wherever it comes (Exchange and Gmail put it
 * further down), becomes the diagnostic, else its first paragraph.
 * text/html is read as text with the tags dropped, <br> ending a
 * line and block tags a paragraph.
 */
#include <string.h>

#include "buf.h"
#include "dsn_int.h"
#include "names.h"

enum { F_NONE, F_REST, F_LINE };	/* what of the line is its text */

static const char *const delayed_words[] = {
	"has been delayed", "have been delayed", "not yet been delivered",
	"delivery is delayed", "is delayed to these recipients",
	"hasn't been delivered yet", "has not been delivered yet",
	"transient non-fatal", "warning message only",
	"this is a warning only", "delivery incomplete",
	"temporary problem delivering", "will be retried", "will retry",
	"could not be delivered for", "delivery attempts will continue",
	"will keep trying", "teslimat gecik",
};

static const char *const delivered_words[] = {
	"successfully delivered", "recipient succeeded",
	"recipients succeeded",
};

static const char *const failed_words[] = {
	"could not be delivered", "couldn't be delivered", "could not deliver",
	"couldn't deliver", "wasn't delivered", "was not delivered",
	"failed permanently", "permanent fatal", "permanent error",
	"delivery has failed", "unable to deliver", "not able to deliver",
	"wasn't able to deliver", "address not found",
	"message not delivered", "undeliverable", "delivery failed",
	"address(es) failed", "given up", "teslim edilemedi", "iletilemedi",
};

static const char *const bounce_words[] = {
	"qmail-send program", "mail delivery software",
	"this is the mail system at host", "mail delivery subsystem",
	"delivery status notification", "session transcript",
	"diagnostic information for administrators",
};

static const char *const marker_words[] = {
	"copy of the message", "copy of your message", "original message",
	"unsent message", "returned message", "undelivered message",
	"message headers", "original headers", "message follows",
};

#define NWORDS(a)	(sizeof(a) / sizeof((a)[0]))

/* any_word - the line, folded to lower case, holds one of the words */
static int
any_word(const char *low, size_t n, const char *const *w, size_t nw)
{
	size_t	i;

	for (i = 0; i < nw; i++)
		if (memmem(low, n, w[i], strlen(w[i])) != NULL)
			return 1;
	return 0;
}

/* wording - arm the reader, and choose the Action, from the folded line */
static void
wording(struct heur *h, const char *t, size_t n)
{
	if (any_word(t, n, delayed_words, NWORDS(delayed_words))) {
		h->armed = 1;
		h->mode = DSN_DELAYED;
	} else if (any_word(t, n, delivered_words, NWORDS(delivered_words))) {
		h->armed = 0;			/* a success notice: not ours */
		h->mode = DSN_ACTION_NONE;
	} else if (any_word(t, n, failed_words, NWORDS(failed_words))) {
		h->armed = 1;
		h->mode = DSN_FAILED;
	} else if (any_word(t, n, bounce_words, NWORDS(bounce_words))) {
		h->armed = 1;
		if (h->mode == DSN_ACTION_NONE)
			h->mode = DSN_FAILED;
	}
}

/* is_marker - the folded line introduces the copy of the message */
static int
is_marker(const char *t, size_t n)
{
	if (n == 24 && memcmp(t, "original message headers", 24) == 0)
		return 1;			/* Microsoft 365 */
	if (t[0] != '-' && t[0] != '=' && t[0] != '*' && t[0] != '#' &&
	    t[n - 1] != ':')
		return 0;
	return any_word(t, n, marker_words, NWORDS(marker_words));
}

/* strip_mailto - drop a trailing "<mailto:...>" (Outlook's text) */
static void
strip_mailto(const char *t, size_t *n)
{
	const char *m = NULL, *q = t;

	if (*n == 0 || t[*n - 1] != '>')
		return;
	while ((q = ci_find(q, (size_t)(t + *n - q), "<mailto:")) != NULL)
		m = q++;
	if (m == NULL)
		return;
	for (*n = (size_t)(m - t); *n > 0 && (t[*n - 1] == ' ' ||
	    t[*n - 1] == '\t'); (*n)--)
		;
}

/* skip_blanks - index of the first non-blank at or after i */
static size_t
skip_blanks(const char *t, size_t n, size_t i)
{
	while (i < n && (t[i] == ' ' || t[i] == '\t'))
		i++;
	return i;
}

/*
 * find_rcpt - the address a line introduces: its length (0: none),
 * where it is, and what of the line is text about it.
 */
static size_t
find_rcpt(const char *t, size_t n, const char **a, const char **rest,
    size_t *rl, int *form)
{
	const char *q;
	size_t	i, k, al;

	*form = F_NONE;
	if ((q = ci_find(t, n, "rcpt to")) != NULL) {
		i = skip_blanks(t, n, (size_t)(q - t) + 7);
		if (i < n && t[i] == ':') {
			i = skip_blanks(t, n, i + 1);
			if (i < n && t[i] == '<')
				i++;
			if ((al = addr_span(t + i, n - i)) > 0) {
				*a = t + i;
				return al;
			}
		}
	}
	strip_mailto(t, &n);
	if (n == 0)
		return 0;
	k = t[0] == '<';
	if ((al = addr_span(t + k, n - k)) > 0 &&
	    (!k || (k + al < n && t[k + al] == '>'))) {
		*a = t + k;
		i = k + al + k;
		if (i + 1 < n && t[i] == ' ' && t[i + 1] == '(') {
			while (i < n && t[i] != ')')
				i++;		/* "(expanded from <x>)" */
			if (i < n)
				i++;
		}
		if (i == n)
			return al;
		if (k && i + 3 <= n && memcmp(t + i, "...", 3) == 0) {
			i = skip_blanks(t, n, i + 3);	/* Sendmail's */
			*rest = t + i;
			*rl = n - i;
			*form = *rl > 0 ? F_REST : F_NONE;
			return al;
		}
		if (t[i] == ':') {
			i = skip_blanks(t, n, i + 1);
			*rest = t + i;
			*rl = n - i;
			*form = *rl > 0 ? F_REST : F_NONE;
			return al;
		}
	}
	if (n > 2 && t[n - 1] == ')') {
		for (k = n - 1; k > 0 && t[k - 1] != '('; k--)
			;
		if (k > 0 && (al = addr_span(t + k, n - 1 - k)) == n - 1 - k &&
		    memchr(t, ':', k) == NULL) {
			*a = t + k;
			return al;
		}
	}
	if (ci_find(t, n, "deliver") != NULL) {
		for (q = t; (q = ci_find(q, (size_t)(t + n - q), "to ")) !=
		    NULL; q += 3) {
			if (q > t && q[-1] != ' ')
				continue;
			i = (size_t)(q - t) + 3;
			if (i < n && t[i] == '<')
				i++;
			if ((al = addr_span(t + i, n - i)) > 0) {
				*a = t + i;
				*form = F_LINE;
				return al;
			}
		}
	}
	return 0;
}

/* para_start - a new paragraph of the current recipient */
static void
para_start(struct heur *h)
{
	h->collecting = 1;
	h->para_code = 0;
	h->para_full = 0;
	buf_reset(&h->para);
}

/* para_end - the paragraph ends: it may become the diagnostic */
static int
para_end(struct dsn_parser *p)
{
	struct heur *h = &p->h;
	struct rcpt *r;

	if (h->cur > 0 && h->collecting && h->para.len > 0) {
		r = &p->heur.v[h->cur - 1];
		if ((h->para_code || r->diag.len == 0) &&
		    buf_set(&r->diag, h->para.data, h->para.len) < 0)
			return -1;
	}
	h->collecting = 0;
	h->para_code = 0;
	h->para_full = 0;
	buf_reset(&h->para);
	return 0;
}

/* rcpt_text - text about the current recipient */
static int
rcpt_text(struct dsn_parser *p, const char *s, size_t n)
{
	struct heur *h = &p->h;
	struct rcpt *r = &p->heur.v[h->cur - 1];
	char	st[DSN_STATUS_MAX + 1];
	int	c;

	c = find_status(s, n, 1, st);
	if (!h->collecting) {
		if (r->status[0] != '\0' || c == 0)
			return 0;
		para_start(h);
	}
	if (text_add(&h->para, s, n, p->lim.max_diag, &h->para_full) < 0)
		return -1;
	if (c != 0 && (r->status[0] == '\0' || (c == 1 && h->para_code == 2))) {
		strcpy(r->status, st);		/* "550\n 5.1.1": the better */
		h->para_code = c;
	}
	return 0;
}

/* select_rcpt - an address line: that recipient becomes the current one */
static int
select_rcpt(struct dsn_parser *p, const char *t, size_t tn, const char *a,
    size_t al, const char *rest, size_t rl, int form)
{
	struct heur *h = &p->h;
	struct rcpt *r;
	char	low[DSN_ADDR_MAX];
	size_t	i;

	if (al > DSN_ADDR_MAX) {
		p->flags |= DSN_TRUNCATED;
		return 0;
	}
	for (i = 0; i < al; i++)
		low[i] = (char)ascii_tolower((unsigned char)a[i]);
	for (i = 0; i < p->heur.n; i++)
		if (p->heur.v[i].lower.len == al &&
		    memcmp(p->heur.v[i].lower.data, low, al) == 0)
			break;
	if (i < p->heur.n && i + 1 == h->cur && h->collecting)
		return rcpt_text(p, t, tn);
	if (para_end(p) < 0)
		return -1;
	if (i == p->heur.n) {
		if ((r = rlist_add(p, &p->heur)) == NULL) {
			h->cur = 0;
			return p->failed ? -1 : 0;
		}
		if (buf_set(&r->addr, a, al) < 0 ||
		    buf_set(&r->lower, low, al) < 0)
			return -1;
		r->action = h->mode == DSN_ACTION_NONE ? DSN_FAILED : h->mode;
	}
	h->cur = i + 1;
	if (p->heur.v[i].status[0] != '\0')
		return 0;
	para_start(h);
	if (form == F_REST)
		return rcpt_text(p, rest, rl);
	if (form == F_LINE)
		return rcpt_text(p, t, tn);
	return 0;
}

/* heur_line - a decoded line of a text part */
int
heur_line(struct dsn_parser *p, const char *s, size_t n)
{
	struct heur *h = &p->h;
	const char *t = s, *a = NULL, *rest = NULL;
	size_t	tn = n, al, rl = 0;
	int	form;

	if (h->off)
		return headers_line(p, s, n);
	if (!p->notice)
		return 0;
	trim(&t, &tn);
	if (tn == 0)
		return para_end(p);
	if (lower_copy(&h->low, t, tn) < 0)
		return -1;
	if (is_marker(h->low.data, tn)) {
		if (para_end(p) < 0)
			return -1;
		h->off = 1;
		h->cur = 0;
		p->emb = 0;
		return 0;
	}
	if ((ci_prefix(t, tn, ">>>") || ci_find(t, tn, "--> ") != NULL) &&
	    para_end(p) < 0)
		return -1;			/* a command ends the reply */
	wording(h, h->low.data, tn);
	if (!h->armed)
		return 0;
	if ((al = find_rcpt(t, tn, &a, &rest, &rl, &form)) > 0)
		return select_rcpt(p, t, tn, a, al, rest, rl, form);
	return h->cur > 0 ? rcpt_text(p, t, tn) : 0;
}

/* hline_flush - the text line made from HTML is complete */
static int
hline_flush(struct dsn_parser *p)
{
	int	rc = 0;

	if (p->hline_over)
		p->flags |= DSN_TRUNCATED;
	if (p->hline.len > 0)
		rc = heur_line(p, p->hline.data, p->hline.len);
	buf_reset(&p->hline);
	p->hline_over = 0;
	return rc;
}

/* hline_add - a byte of text from HTML */
static int
hline_add(struct dsn_parser *p, char c)
{
	if (p->hline.len >= p->lim.max_line) {
		p->hline_over = 1;
		return 0;
	}
	return buf_addc(&p->hline, c);
}

/* tag_end - a tag ends: it may end a line or a paragraph, or hide text */
static int
tag_end(struct dsn_parser *p)
{
	static const char *const blocks[] = {
		"p", "/p", "div", "/div", "tr", "/tr", "li", "/li",
		"table", "/table", "h1", "h2", "h3", "h4", "/h1", "/h2",
		"/h3", "/h4", "hr", "pre", "/pre", "blockquote",
		"/blockquote",
	};
	const char *tag = p->tag;
	size_t	i, n = p->taglen;

	if (ci_eq(tag, n, "style") || ci_eq(tag, n, "script") ||
	    ci_eq(tag, n, "head"))
		p->html_skip = 1;
	else if (ci_eq(tag, n, "/style") || ci_eq(tag, n, "/script") ||
	    ci_eq(tag, n, "/head"))
		p->html_skip = 0;
	if (ci_eq(tag, n, "td") || ci_eq(tag, n, "th"))
		return hline_add(p, ' ');
	if (ci_eq(tag, n, "br"))
		return hline_flush(p);
	for (i = 0; i < NWORDS(blocks); i++)
		if (ci_eq(tag, n, blocks[i])) {
			if (hline_flush(p) < 0)
				return -1;
			return heur_line(p, "", 0);	/* a paragraph ends */
		}
	return 0;
}

/* entity - a character reference at s: its length, and the byte it is */
static size_t
entity(const char *s, size_t n, char *c)
{
	static const struct {
		const char	*name;
		char		 c;
	} ents[] = {
		{ "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' },
		{ "&quot;", '"' }, { "&apos;", '\'' }, { "&nbsp;", ' ' },
	};
	size_t	i, v;

	for (i = 0; i < NWORDS(ents); i++)
		if (ci_prefix(s, n, ents[i].name)) {
			*c = ents[i].c;
			return strlen(ents[i].name);
		}
	if (n > 3 && s[1] == '#') {
		for (i = 2, v = 0; i < n && i < 6 && s[i] >= '0' && s[i] <= '9';
		    i++)
			v = v * 10 + (size_t)(s[i] - '0');
		if (i > 2 && i < n && s[i] == ';' && v >= 32 && v < 127) {
			*c = (char)v;
			return i + 1;
		}
	}
	*c = '&';
	return 1;
}

/* html_line - a decoded line of a text/html part */
int
html_line(struct dsn_parser *p, const char *s, size_t n)
{
	size_t	i;
	char	c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (p->html_tag) {
			if (c == '>') {
				p->html_tag = 0;
				if (tag_end(p) < 0)
					return -1;
			} else if (!p->tag_done) {
				if (((c >= 'a' && c <= 'z') ||
				    (c >= 'A' && c <= 'Z') ||
				    (c >= '0' && c <= '9') ||
				    (c == '/' && p->taglen == 0)) &&
				    p->taglen < sizeof(p->tag))
					p->tag[p->taglen++] = c;
				else
					p->tag_done = 1;
			}
			continue;
		}
		if (c == '<') {
			p->html_tag = 1;
			p->taglen = 0;
			p->tag_done = 0;
			continue;
		}
		if (p->html_skip)
			continue;
		if (c == '&')
			i += entity(s + i, n - i, &c) - 1;
		if (hline_add(p, c) < 0)
			return -1;
	}
	return hline_flush(p);
}

/* heur_part_end - a text part ends */
int
heur_part_end(struct dsn_parser *p)
{
	struct heur *h = &p->h;

	if (hline_flush(p) < 0 || para_end(p) < 0)
		return -1;
	if (h->off && headers_end(p) < 0)
		return -1;
	h->off = 0;
	h->cur = 0;
	p->html_tag = p->html_skip = 0;
	p->taglen = 0;
	return 0;
}

/* heur_finish - the message ends: a status for every recipient */
int
heur_finish(struct dsn_parser *p)
{
	size_t	i;

	for (i = 0; i < p->heur.n; i++) {
		struct rcpt *r = &p->heur.v[i];

		if (r->status[0] == '\0')
			strcpy(r->status, r->action == DSN_DELAYED ?
			    "4.0.0" : "5.0.0");
	}
	return 0;
}
