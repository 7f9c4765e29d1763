/*
 * NAME
 *	companies_hdr - the companies file's columns by their English or
 *	Turkish header names, and the words of its cell values
 * DESCRIPTION
 *	header() finds the columns of companies.h in the header row:
 *	every accepted name of a column, folded (tr_fold(): Turkish-aware,
 *	case-insensitive, blanks trimmed and squeezed), against each
 *	header field folded the same way.  A column named twice, or a
 *	required column missing, is reported with the accepted names.
 * DIAGNOSTICS
 *	header() returns 0 when the header is usable, -1 when not (told
 *	unless quiet), -2 when memory runs out.
 */
#include <string.h>

#include "companies.h"
#include "companies_int.h"
#include "csv.h"

/*
 * Header names and cell values are written here as an office would
 * write them; both sides are folded with tr_fold() before comparing.
 */
static const char *const vkn_names[] = {
	"vkn", "vergi no", "vergi numarası", "vergi kimlik no",
	"vergi kimlik numarası", NULL
};
static const char *const tckn_names[] = {
	"tckn", "tc kimlik no", "t.c. kimlik numarası", "kimlik no",
	"tc kimlik numarası", "t.c. kimlik no", "kimlik numarası", NULL
};
static const char *const name_names[] = {
	"name", "ünvan", "unvan", "şirket adı", "firma adı", "firma",
	"müşteri", NULL
};
static const char *const emails_names[] = {
	"emails", "email", "e-posta", "eposta", "e-mail", "mail",
	"e-posta adresi", "e-posta adresleri", NULL
};
static const char *const active_names[] = {
	"active", "durum", "aktif", NULL
};
static const char *const tax_names[] = {
	"tax", "vergi türü", NULL
};
static const char *const schedule_names[] = {
	"schedule", "dönem", NULL
};

static const struct column {
	const char	*name;		/* in diagnostics */
	const char *const *names;	/* accepted in the header */
} cols[NCOLS] = {
	[COL_VKN] = { "vkn", vkn_names },
	[COL_TCKN] = { "tckn", tckn_names },
	[COL_NAME] = { "name", name_names },
	[COL_EMAILS] = { "emails", emails_names },
	[COL_ACTIVE] = { "active", active_names },
	[COL_TAX] = { "tax", tax_names },
	[COL_SCHEDULE] = { "schedule", schedule_names },
};

const char *const inactive_words[] = {
	"pasif", "hayır", "no", "0", "false", "inactive", NULL
};
const char *const gv_words[] = { "gv", NULL };
const char *const kv_words[] = { "kv", NULL };
const char *const monthly_words[] = { "monthly", "aylık", NULL };
const char *const quarterly_words[] = {
	"quarterly", "geçici", "üç aylık", "3 aylık", NULL
};

/* names_list - the accepted header names of some columns, for a message */
static int
names_list(struct buf *b, int from, int to)
{
	const char *const *w;
	int	j;

	buf_reset(b);
	for (j = from; j <= to; j++)
		for (w = cols[j].names; *w; w++)
			if (buf_printf(b, "%s%s", b->len ? ", " : "", *w) < 0)
				return -1;
	return 0;
}

/* header_missing - report a required column the header lacks */
static void
header_missing(struct ctx *c, unsigned long line, int from, int to)
{
	struct buf b = BUF_INIT;

	if (names_list(&b, from, to) < 0)
		buf_free(&b);
	if (from == to)
		complain(c, line, "no '%s' column in the header; accepted "
		    "names: %s", cols[from].name, BUF_STR(&b));
	else
		complain(c, line, "no '%s' or '%s' column in the header; "
		    "accepted names: %s", cols[from].name, cols[to].name,
		    BUF_STR(&b));
	buf_free(&b);
}

/* header - find the columns; 0 usable, -1 not, -2 out of memory */
int
header(struct ctx *c, const struct row *r, int quiet)
{
	size_t	i, n;
	const char *s, *shown;
	int	j, rc = 0;

	for (j = 0; j < NCOLS; j++) {
		c->col[j] = -1;
		buf_reset(&c->label[j]);
	}
	if (r->err != ROW_OK || r->nf > MAX_FIELDS) {
		if (!quiet)
			complain(c, r->line, "unusable header row");
		return -1;
	}
	for (i = 0; i < r->nf; i++) {
		s = trim(&r->f[i], &n);
		if (fold(&c->fv, s, n) < 0)
			return -2;
		for (j = 0; j < NCOLS; j++)
			if ((rc = in_list(&c->fv, cols[j].names)) != 0)
				break;
		if (rc < 0)
			return -2;
		if (j == NCOLS)
			continue;
		shown = show(s, n);
		if (c->col[j] >= 0) {
			if (!quiet)
				complain(c, r->line, "column '%s' appears "
				    "twice: '%s' (field %d) and '%s' (field "
				    "%zu)", cols[j].name,
				    BUF_STR(&c->label[j]), c->col[j] + 1,
				    shown, i + 1);
			return -1;
		}
		if (buf_set(&c->label[j], shown, strlen(shown)) < 0)
			return -2;
		c->col[j] = (int)i;
	}
	c->nf = r->nf;
	if (c->col[COL_VKN] < 0 && c->col[COL_TCKN] < 0) {
		if (!quiet)
			header_missing(c, r->line, COL_VKN, COL_TCKN);
		return -1;
	}
	for (j = COL_NAME; j <= COL_EMAILS; j++)
		if (c->col[j] < 0) {
			if (!quiet)
				header_missing(c, r->line, j, j);
			return -1;
		}
	return 0;
}

