/*
 * NAME
 *	statushtml - edefter-scan status --format html
 * DESCRIPTION
 *	status_html() runs the status pass with its rows collected (copies:
 *	the pass frees its own), then writes the page of htmlpage.h to
 *	-o FILE (whole or not at all: a temporary file renamed, see
 *	tabout.h) or to standard output.  A pass that could not conclude
 *	(the share, the ledger) writes no page.
 * DIAGNOSTICS
 *	The exit status: that of the pass, 73 when the file cannot be
 *	created, 74 when it cannot be written.
 */
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "htmlpage.h"
#include "ledger.h"
#include "log.h"
#include "pass.h"
#include "statushtml.h"
#include "tabout.h"

struct rows {
	struct html_cell *v;
	size_t		 n;
};

static char *
dup_or_null(const char *s)
{
	char	*p;

	if (s == NULL)
		return NULL;
	if ((p = strdup(s)) == NULL)
		log_fatal(EX_OSERR, "out of memory");
	return p;
}

/* on_row - keep a copy of one status row */
static void
on_row(void *arg, const struct speriod *sp, const char *folder)
{
	struct rows *r = arg;
	struct html_cell *c;
	const char *why = sp->reason.len ? sp->reason.data : NULL;

	if ((c = realloc(r->v, (r->n + 1) * sizeof(*c))) == NULL)
		log_fatal(EX_OSERR, "out of memory");
	r->v = c;
	c = &c[r->n++];
	if (why && strncmp(why, "reason=", 7) == 0)
		why += 7;
	c->id = dup_or_null(sp->id);
	c->company = dup_or_null(sp->company);
	c->year = sp->year;
	c->month = sp->month;
	c->state = pstate_name(sp->state);	/* static */
	c->reason = dup_or_null(why);
	c->deadline = dup_or_null(*sp->deadline ? sp->deadline : NULL);
	c->overdue = sp->overdue;
	c->folder = dup_or_null(folder);
}

/* status_html - the pass, then the page */
int
status_html(const struct conf *cf, struct pass_opts *o)
{
	struct rows r = { NULL, 0 };
	struct tabout_file *f = NULL;
	struct buf err = BUF_INIT;
	struct timeval tv;
	char	when[32];
	size_t	i;
	int	rc;

	o->row = on_row;
	o->row_arg = &r;
	if ((rc = pass_run(cf, o)) != 0)
		goto out;
	gettimeofday(&tv, NULL);
	if (ledger_time_format((int64_t)tv.tv_sec * 1000, when,
	    sizeof(when)) < 0)
		when[0] = '\0';
	if (o->out && (f = tabout_file_open(o->out, &err)) == NULL) {
		log_err("%s", BUF_STR(&err));
		rc = EX_CANTCREAT;
		goto out;
	}
	if (html_status_write(f ? tabout_file_fp(f) : stdout,
	    "e-Defter gönderim durumu", when, r.v, r.n, &err) < 0) {
		log_err("%s: %s", o->out ? o->out : "standard output",
		    BUF_STR(&err));
		if (f)
			tabout_file_discard(f);
		f = NULL;
		rc = EX_IOERR;
		goto out;
	}
	if (f && tabout_file_close(f, &err) < 0) {
		log_err("%s", BUF_STR(&err));
		rc = EX_IOERR;
	}
	f = NULL;
	if (rc == 0 && o->out)
		fprintf(stderr, "status page written to %s (%zu rows)\n",
		    o->out, r.n);
out:
	for (i = 0; i < r.n; i++) {
		free((char *)r.v[i].id);
		free((char *)r.v[i].company);
		free((char *)r.v[i].reason);
		free((char *)r.v[i].deadline);
		free((char *)r.v[i].folder);
	}
	free(r.v);
	buf_free(&err);
	return rc;
}
