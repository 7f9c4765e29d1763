/*
 * NAME
 *	htmlpage - the status page: a company x month grid as one HTML file
 * SYNOPSIS
 *	#include "htmlpage.h"
 *
 *	int	html_status_write(FILE *fp, const char *title,
 *		    const char *generated, const struct html_cell *cells,
 *		    size_t n, struct buf *err);
 *	const char *html_state_label(const char *state);
 * DESCRIPTION
 *	html_status_write() writes one self-contained HTML5 page (UTF-8,
 *	Turkish, an inline style sheet, no script and nothing loaded from
 *	elsewhere) to fp: a summary line with the counts per state and the
 *	generation time, a legend of every state with its colour, a grid
 *	with one row per company (sorted by name in Turkish alphabetical
 *	order, then by id) and one column per month from the first period
 *	to the last, and a table of the cells that carry a reason or are
 *	overdue.  A cell is coloured and labelled by its state; an overdue
 *	cell has a red frame and `gecikti'; the state, deadline, reason and
 *	folder are in its title attribute.  Every cell carries data-id,
 *	data-period (YYYY-MM), data-state and data-overdue (0 or 1), and
 *	data-deadline when there is one; a month's header has the id
 *	mYYYY-MM, so that page.html#m2025-10 scrolls the grid to it.  A
 *	month without a cell is an empty grid cell.  Cells of one company
 *	may come in any order; two cells for one company and month share
 *	a grid cell.
 *
 *	title NULL means "e-Defter gönderim durumu".  All text from the
 *	caller is HTML-escaped, control characters and bytes that are not
 *	valid UTF-8 are replaced by U+FFFD.  A reason may start with
 *	`reason=', which is dropped.  An unknown state is shown as it is,
 *	uncoloured.  When the months span more than HTML_MAX_SPAN, only the
 *	months that occur get a column.
 *
 *	html_state_label() is the Turkish name of a state, or NULL.
 * DIAGNOSTICS
 *	html_status_write() returns 0, or -1 with a message in err: a cell
 *	without id or state or with a month outside 1..12 (EINVAL), memory
 *	(ENOMEM), or a write or flush error on fp (errno as stdio left it).
 */
#ifndef EDEFTER_HTMLPAGE_H
#define EDEFTER_HTMLPAGE_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"

#define HTML_MAX_SPAN	240		/* months of a contiguous grid */

struct html_cell {
	const char	*id;		/* VKN or TCKN */
	const char	*company;	/* UTF-8 name, or NULL */
	int		 year, month;
	const char	*state;		/* missing, incomplete, ... bounced */
	const char	*reason;	/* or NULL */
	const char	*deadline;	/* YYYY-MM-DD, or NULL */
	int		 overdue;	/* GİB berats missing after the deadline */
	const char	*folder;	/* relative to ShareRoot, or NULL */
};

int	html_status_write(FILE *, const char *title, const char *generated,
	    const struct html_cell *, size_t, struct buf *err);
const char *html_state_label(const char *);

#endif
