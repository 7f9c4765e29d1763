/*
 * companies - the companies CSV file: rows checked and kept; see
 * companies.h.  The columns are found by companies_hdr.c.
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "companies.h"
#include "companies_int.h"
#include "csv.h"
#include "json.h"
#include "names.h"
#include "trfold.h"


/* complain - report one problem at a line */
void
complain(struct ctx *c, unsigned long line, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list	ap;

	if (c->report == NULL)
		return;
	va_start(ap, fmt);
	if (buf_printf(&b, "%s:%lu: ", c->name, line) == 0 &&
	    buf_vprintf(&b, fmt, ap) == 0)
		c->report(c->arg, line, b.data);
	else
		c->report(c->arg, line, "out of memory");
	va_end(ap);
	buf_free(&b);
}

/*
 * show - a value from the file, fit for a log line: control bytes and
 * bytes that are not UTF-8 escaped, long values cut with "...".  The
 * result lives in one of two static buffers, used in turn: at most two
 * values per message.
 */
const char *
show(const char *s, size_t n)
{
	static struct buf sb[2];
	static int turn;
	struct buf *b = &sb[turn ^= 1];
	const unsigned char *u = (const unsigned char *)s;
	size_t	i = 0, k;
	int	rc;

	buf_reset(b);
	while (i < n && b->len < SHOW_MAX) {
		k = 1;
		if (u[i] >= 0x80) {
			k = 2 + (u[i] >= 0xe0) + (u[i] >= 0xf0);
			if (k > n - i || utf8_valid_prefix(s + i, k) != k)
				k = 0;
		} else if (u[i] < ' ' || u[i] == 0x7f)
			k = 0;
		if (k)
			rc = buf_add(b, s + i, k);
		else
			rc = buf_printf(b, "\\x%02x", u[i]);
		if (rc < 0)
			break;
		i += k ? k : 1;
	}
	if (i < n)
		buf_adds(b, "...");
	return BUF_STR(b);
}

/* trim - the field without surrounding blanks */
const char *
trim(const struct buf *f, size_t *len)
{
	const char *s = BUF_STR(f), *e = s + f->len;

	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*len = (size_t)(e - s);
	return s;
}

/* row_blank - nothing but blanks in every field */
static int
row_blank(const struct row *r)
{
	size_t	i, n;

	if (r->nf > MAX_FIELDS)
		return 0;
	for (i = 0; i < r->nf; i++) {
		trim(&r->f[i], &n);
		if (n)
			return 0;
	}
	return 1;
}

/* fold - s[0..n) folded, trimmed, inner runs of blanks as one space */
int
fold(struct buf *out, const char *s, size_t n)
{
	size_t	i, k;

	buf_reset(out);
	if (tr_fold(out, s, n) < 0)
		return -1;
	for (i = k = 0; i < out->len; i++) {
		if (out->data[i] != ' ' && out->data[i] != '\t')
			out->data[k++] = out->data[i];
		else if (k > 0 && out->data[k - 1] != ' ')
			out->data[k++] = ' ';
	}
	if (k > 0 && out->data[k - 1] == ' ')
		k--;
	buf_truncate(out, k);
	return 0;
}

/*
 * The word lists are folded once, on first use, and kept for the life of
 * the process: a header row compares each field with every accepted name
 * of every column.  The lists are static arrays, known by their address.
 */
struct flist {
	const char *const *words;
	char		**f;		/* folded, NUL-terminated */
	size_t		*len;
	size_t		 n;
};

#define FLISTS_MAX	32

static struct flist flists[FLISTS_MAX];
static size_t	nflists;
static pthread_mutex_t flock = PTHREAD_MUTEX_INITIALIZER;

/* folded_list - the list folded; NULL out of memory or of slots */
static const struct flist *
folded_list(const char *const *words)
{
	struct flist *l = NULL, t;
	struct buf b = BUF_INIT;
	size_t	i;

	pthread_mutex_lock(&flock);
	for (i = 0; i < nflists; i++)
		if (flists[i].words == words) {
			l = &flists[i];
			goto out;
		}
	if (nflists == FLISTS_MAX)
		goto out;
	memset(&t, 0, sizeof(t));
	t.words = words;
	while (words[t.n])
		t.n++;
	if ((t.f = calloc(t.n + 1, sizeof(*t.f))) == NULL ||
	    (t.len = calloc(t.n + 1, sizeof(*t.len))) == NULL)
		goto fail;
	for (i = 0; i < t.n; i++) {
		if (fold(&b, words[i], strlen(words[i])) < 0 ||
		    (t.f[i] = malloc(b.len + 1)) == NULL)
			goto fail;
		memcpy(t.f[i], BUF_STR(&b), b.len + 1);
		t.len[i] = b.len;
	}
	flists[nflists] = t;
	l = &flists[nflists++];
	goto out;
fail:
	if (t.f != NULL)
		for (i = 0; i < t.n; i++)
			free(t.f[i]);
	free(t.f);
	free(t.len);
out:
	pthread_mutex_unlock(&flock);
	buf_free(&b);
	return l;
}

/* in_list - is the folded value one of the words? 1 yes, 0 no, -1 memory */
int
in_list(const struct buf *v, const char *const *words)
{
	const struct flist *l;
	size_t	i;

	if ((l = folded_list(words)) == NULL)
		return -1;
	for (i = 0; i < l->n; i++)
		if (l->len[i] == v->len && memcmp(l->f[i], v->data,
		    v->len) == 0)
			return 1;
	return 0;
}

/* field_text_ok - no control characters, valid in the file's encoding */
static int
field_text_ok(struct ctx *c, const struct row *r, int col)
{
	const struct buf *f = &r->f[c->col[col]];
	const char *s = BUF_STR(f), *label = BUF_STR(&c->label[col]);
	size_t	i;

	for (i = 0; i < f->len; i++)
		if ((unsigned char)s[i] < ' ' || s[i] == 0x7f) {
			complain(c, r->line, "control character in '%s': '%s'",
			    label, show(s, f->len));
			return 0;
		}
	if (utf8_valid_prefix(s, f->len) != f->len) {
		complain(c, r->line, "'%s' is not valid UTF-8: '%s'",
		    label, show(s, f->len));
		return 0;
	}
	if (c->cp1254 && memmem(s, f->len, "\xef\xbf\xbd", 3)) {
		complain(c, r->line, "'%s' holds bytes that are not "
		    "Windows-1254 text", label);
		return 0;
	}
	return 1;
}

/* id_problem - why s[0..n) is not an id, or NULL when it is one */
static const char *
id_problem(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			break;
	if (i < n || (n != 10 && n != 11))
		return i == n && n == 9 ? "not 10 or 11 digits; a leading "
		    "zero lost?" : "not 10 or 11 digits";
	if (!edf_valid_id(s, n))
		return "VKN/TCKN checksum";
	return NULL;
}

/*
 * row_id - the row's id from the vkn and/or tckn column: the one that is
 * filled, or, when both are, the valid one (the vkn when both are valid).
 */
static int
row_id(struct ctx *c, const struct row *r, char *id)
{
	const char *v = NULL, *t = NULL, *s, *why;
	const char *vwhy = NULL, *twhy = NULL;
	size_t	vn = 0, tn = 0, n;

	if (c->col[COL_VKN] >= 0)
		v = trim(&r->f[c->col[COL_VKN]], &vn);
	if (c->col[COL_TCKN] >= 0)
		t = trim(&r->f[c->col[COL_TCKN]], &tn);
	if (vn == 0 && tn == 0) {
		complain(c, r->line, "no id");
		return -1;
	}
	if (vn)
		vwhy = id_problem(v, vn);
	if (tn)
		twhy = id_problem(t, tn);
	if (vn && tn && vwhy && twhy) {
		complain(c, r->line, "no valid id: '%s' in '%s' (%s), '%s' in "
		    "'%s' (%s)", show(v, vn), BUF_STR(&c->label[COL_VKN]),
		    vwhy, show(t, tn), BUF_STR(&c->label[COL_TCKN]), twhy);
		return -1;
	}
	if (vn && (vwhy == NULL || tn == 0)) {
		s = v;
		n = vn;
		why = vwhy;
	} else {
		s = t;
		n = tn;
		why = twhy;
	}
	if (why) {
		complain(c, r->line, "bad id '%s' (%s)", show(s, n), why);
		return -1;
	}
	memcpy(id, s, n);
	id[n] = '\0';
	return 0;
}

/*
 * row_choice - an optional column's value: which of the word lists it
 * is in (prefixes also match when given), dflt when the cell is empty or
 * there is no such column, -1 and a report when it is in none, -2 when
 * out of memory.
 */
static int
row_choice(struct ctx *c, const struct row *r, int col, int dflt,
    const char *const *const *lists, const char *const *prefixes,
    const char *expect)
{
	const char *s;
	size_t	n, plen;
	int	k, rc;

	if (c->col[col] < 0)
		return dflt;
	s = trim(&r->f[c->col[col]], &n);
	if (n == 0)
		return dflt;
	if (fold(&c->fv, s, n) < 0)
		return -2;
	for (k = 0; lists[k]; k++) {
		if ((rc = in_list(&c->fv, lists[k])) < 0)
			return -2;
		if (rc)
			return k;
		if (prefixes == NULL || prefixes[k] == NULL)
			continue;
		plen = strlen(prefixes[k]);
		if (c->fv.len >= plen && memcmp(c->fv.data, prefixes[k],
		    plen) == 0)
			return k;
	}
	complain(c, r->line, "unknown value '%s' in '%s' (%s)", show(s, n),
	    BUF_STR(&c->label[col]), expect);
	return -1;
}

/* row_active - 0 when the active column says inactive, 1 else, -1 memory */
static int
row_active(struct ctx *c, const struct row *r)
{
	const char *s;
	size_t	n;
	int	rc;

	if (c->col[COL_ACTIVE] < 0)
		return 1;
	s = trim(&r->f[c->col[COL_ACTIVE]], &n);
	if (fold(&c->fv, s, n) < 0 ||
	    (rc = in_list(&c->fv, inactive_words)) < 0)
		return -1;
	return !rc;
}

/* row_options - the active, tax and schedule columns; 1 ok, 0 bad, -1 memory */
static int
row_options(struct ctx *c, const struct row *r, struct company *co)
{
	static const char *const *const tax_lists[] = {
		[COMPANY_KV] = kv_words, [COMPANY_GV] = gv_words, NULL
	};
	static const char *const tax_prefixes[] = {
		[COMPANY_KV] = "kurumlar", [COMPANY_GV] = "gelir"
	};
	static const char *const *const schedule_lists[] = {
		[COMPANY_MONTHLY] = monthly_words,
		[COMPANY_QUARTERLY] = quarterly_words, NULL
	};
	int	k;

	if ((co->active = row_active(c, r)) < 0)
		return -1;
	k = row_choice(c, r, COL_TAX, strlen(co->id) == 10 ? COMPANY_KV :
	    COMPANY_GV, tax_lists, tax_prefixes, "GV or KV");
	if (k < 0)
		return k == -2 ? -1 : 0;
	co->tax = k;
	k = row_choice(c, r, COL_SCHEDULE, COMPANY_MONTHLY, schedule_lists,
	    NULL, "monthly/aylık or quarterly/geçici");
	if (k < 0)
		return k == -2 ? -1 : 0;
	co->schedule = k;
	return 1;
}

/* add_addr - append one address unless the company has it already */
static int
add_addr(struct company *co, const char *s, size_t n)
{
	char	**na, **nl, *a, *l;
	size_t	i;

	for (i = 0; i < co->naddr; i++)
		if (strlen(co->lc[i]) == n &&
		    ascii_strncasecmp(co->lc[i], s, n) == 0)
			return 0;
	if ((na = realloc(co->addr, (co->naddr + 1) * sizeof(*na))) == NULL)
		return -1;
	co->addr = na;
	if ((nl = realloc(co->lc, (co->naddr + 1) * sizeof(*nl))) == NULL)
		return -1;
	co->lc = nl;
	if ((a = strndup(s, n)) == NULL)
		return -1;
	if ((l = strdup(a)) == NULL) {
		free(a);
		return -1;
	}
	ascii_lower(l);
	co->addr[co->naddr] = a;
	co->lc[co->naddr++] = l;
	return 0;
}

/* company_clear - release one company's memory */
static void
company_clear(struct company *co)
{
	size_t	i;

	for (i = 0; i < co->naddr; i++) {
		free(co->addr[i]);
		free(co->lc[i]);
	}
	free(co->addr);
	free(co->lc);
	free(co->name);
	memset(co, 0, sizeof(*co));
}

/* addr_sep - separates addresses in the emails column */
static int
addr_sep(char c)
{
	return c == ',' || c == ';' || c == ' ' || c == '\t';
}

/* row_addrs - split and check the address list; 1 ok, 0 bad, -1 memory */
static int
row_addrs(struct ctx *c, const struct row *r, struct company *co)
{
	const struct buf *f = &r->f[c->col[COL_EMAILS]];
	const char *s = BUF_STR(f), *e = s + f->len, *a;

	for (;;) {
		while (s < e && addr_sep(*s))
			s++;
		if (s == e)
			break;
		for (a = s; s < e && !addr_sep(*s); s++)
			;
		if (addr_valid(a, (size_t)(s - a)) < 0) {
			complain(c, r->line, "bad address '%s'",
			    show(a, (size_t)(s - a)));
			return 0;
		}
		if (add_addr(co, a, (size_t)(s - a)) < 0)
			return -1;
	}
	if (co->naddr == 0) {
		complain(c, r->line, "no address");
		return 0;
	}
	return 1;
}

/* row_use - check a data row and keep it; -1 only when out of memory */
static int
row_use(struct ctx *c, const struct row *r)
{
	static const char *const why[] = {
		[ROW_NEWLINE] = "line break inside a quoted field",
		[ROW_OPEN_QUOTE] = "quote not closed",
		[ROW_AFTER_QUOTE] = "text after a closing quote",
	};
	struct company co;
	const char *s;
	size_t	n;
	int	j, rc;

	if (r->err != ROW_OK) {
		complain(c, r->line, "%s (field %zu)", why[r->err],
		    r->errfield + 1);
		return 0;
	}
	if (row_blank(r))
		return 0;
	if (r->nf != c->nf) {
		complain(c, r->line, "%zu fields, the header has %zu", r->nf,
		    c->nf);
		return 0;
	}
	for (j = 0; j < NCOLS; j++)
		if (c->col[j] >= 0 && !field_text_ok(c, r, j))
			return 0;
	memset(&co, 0, sizeof(co));
	co.line = r->line;
	if (row_id(c, r, co.id) < 0)
		return 0;
	if ((rc = row_options(c, r, &co)) <= 0)
		return rc;
	if ((rc = row_addrs(c, r, &co)) <= 0) {
		company_clear(&co);
		return rc;
	}
	s = trim(&r->f[c->col[COL_NAME]], &n);
	if ((co.name = strndup(s, n)) == NULL)
		goto nomem;
	if (c->out->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct company *v = realloc(c->out->v, cap * sizeof(*v));

		if (v == NULL)
			goto nomem;
		c->out->v = v;
		c->cap = cap;
	}
	c->out->v[c->out->n++] = co;
	return 0;
nomem:
	company_clear(&co);
	return -1;
}

/* by_id_line - order by id, then by where it was defined */
static int
by_id_line(const void *a, const void *b)
{
	const struct company *x = a, *y = b;
	int	d = strcmp(x->id, y->id);

	if (d)
		return d;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* dedup - sort, and drop (reporting) every later row of an id */
static void
dedup(struct ctx *c)
{
	struct companies *l = c->out;
	size_t	i, k = 0;

	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), by_id_line);
	for (i = 0; i < l->n; i++) {
		if (k > 0 && strcmp(l->v[k - 1].id, l->v[i].id) == 0) {
			complain(c, l->v[i].line, "duplicate id %s (first at "
			    "line %lu); row skipped", l->v[i].id,
			    l->v[k - 1].line);
			company_clear(&l->v[i]);
			continue;
		}
		l->v[k++] = l->v[i];
	}
	l->n = k;
}

/* parse - the CSV text, already UTF-8 */
static int
parse(struct ctx *c, const char *text, size_t len)
{
	static const char seps[] = ";,";
	struct row *r;
	struct csv cs;
	size_t	i, nf[2] = { 0, 0 };
	int	rc = 0, got = 0, k;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return ENOMEM;
	/*
	 * The header row: the first separator that makes it usable; when
	 * none does, the problems are told for the one that splits it most.
	 */
	for (k = 0; k <= 2; k++) {
		cs.p = text;
		cs.end = text + len;
		cs.line = 1;
		cs.sep = k < 2 ? seps[k] : seps[nf[1] > nf[0]];
		while ((got = csv_row(&cs, r)) == 1 && row_blank(r))
			;
		if (got < 0) {
			rc = ENOMEM;
			goto out;
		}
		if (got == 0) {
			complain(c, cs.line, "no header row");
			rc = EINVAL;
			goto out;
		}
		if (k < 2)
			nf[k] = r->nf;
		if ((got = header(c, r, k < 2)) == 0)
			break;
		if (got == -2) {
			rc = ENOMEM;
			goto out;
		}
		if (k == 2) {
			rc = EINVAL;
			goto out;
		}
	}
	c->out->sep = cs.sep;
	while ((got = csv_row(&cs, r)) == 1)
		if (row_use(c, r) < 0)
			break;
	if (got != 0) {
		rc = ENOMEM;
		goto out;
	}
	dedup(c);
out:
	for (i = 0; i < MAX_FIELDS; i++)
		buf_free(&r->f[i]);
	free(r);
	for (k = 0; k < NCOLS; k++)
		buf_free(&c->label[k]);
	buf_free(&c->fv);
	return rc;
}

/* companies_parse - companies from bytes in memory */
int
companies_parse(const char *data, size_t len, const char *name,
    struct companies *out, companies_err_fn report, void *arg)
{
	struct ctx c;
	struct buf conv = BUF_INIT;
	const unsigned char *u = (const unsigned char *)data;
	int	rc;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.name = name;
	c.report = report;
	c.arg = arg;
	c.out = out;
	if (len >= 2 && ((u[0] == 0xff && u[1] == 0xfe) ||
	    (u[0] == 0xfe && u[1] == 0xff))) {
		complain(&c, 1, "UTF-16 text: save it as \"CSV UTF-8\" or "
		    "\"CSV\"");
		return EINVAL;
	}
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		out->encoding = "UTF-8 BOM";
		rc = parse(&c, data + 3, len - 3);
	} else if (utf8_valid_prefix(data, len) == len) {
		out->encoding = "UTF-8";
		rc = parse(&c, data, len);
	} else {
		out->encoding = "CP1254";
		c.cp1254 = 1;
		if ((rc = from_cp1254(data, len, &conv)) == 0)
			rc = parse(&c, conv.data, conv.len);
		else
			complain(&c, 1, "cannot convert from Windows-1254: %s",
			    strerror(rc));
		buf_free(&conv);
	}
	if (rc != 0)
		companies_free(out);
	return rc;
}

/* companies_load - companies from a file */
int
companies_load(const char *path, struct companies *out,
    companies_err_fn report, void *arg)
{
	struct buf b = BUF_INIT;
	ssize_t	r;
	int	fd, rc = 0;

	memset(out, 0, sizeof(*out));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return errno;
	for (;;) {
		if (buf_reserve(&b, 65536) < 0) {
			rc = ENOMEM;
			break;
		}
		r = read(fd, b.data + b.len, b.cap - b.len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = errno;
			break;
		}
		if (r == 0)
			break;
		b.len += (size_t)r;
		if (b.len > COMPANIES_MAX_SIZE) {
			rc = EFBIG;
			break;
		}
	}
	close(fd);
	if (rc == 0)
		rc = companies_parse(BUF_STR(&b), b.len, path, out, report,
		    arg);
	buf_free(&b);
	return rc;
}

/* by_id - bsearch comparison of an id string with a company */
static int
by_id(const void *key, const void *elem)
{
	return strcmp(key, ((const struct company *)elem)->id);
}

/* companies_find - the company with this id, or NULL */
const struct company *
companies_find(const struct companies *l, const char *id)
{
	if (l->n == 0)
		return NULL;
	return bsearch(id, l->v, l->n, sizeof(*l->v), by_id);
}

/* companies_free - release the list */
void
companies_free(struct companies *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		company_clear(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}
