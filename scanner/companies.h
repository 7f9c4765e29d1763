/*
 * NAME
 *	companies - the companies CSV file
 * SYNOPSIS
 *	#include "companies.h"
 *
 *	int	companies_load(const char *path, struct companies *out,
 *		    companies_err_fn report, void *arg);
 *	int	companies_parse(const char *data, size_t len,
 *		    const char *name, struct companies *out,
 *		    companies_err_fn report, void *arg);
 *	const struct company *companies_find(const struct companies *,
 *		    const char *id);
 *	void	companies_free(struct companies *);
 * DESCRIPTION
 *	companies_load() reads the list of companies and their recipients
 *	as Turkish Excel writes it: UTF-8 with or without a byte order
 *	mark, or Windows-1254 when the bytes are not valid UTF-8 (converted
 *	with iconv); LF or CRLF line ends; RFC 4180 quoting; `;' or `,'
 *	as the separator, whichever makes a usable header row (`;' first).
 *	companies_parse() does the same on bytes in memory; name is used
 *	in the diagnostics only.
 *
 *	The header row names the columns, in any order, matched with ASCII
 *	case folding: `vkn' and/or `tckn' (the id; when a row fills both
 *	they must agree), `name', and `emails'.  Other columns are ignored.
 *	Empty rows (nothing but separators and white space) are skipped
 *	quietly.  Fields are trimmed of surrounding blanks.
 *
 *	A row is bad, reported and skipped when: its id fails the VKN or
 *	TCKN checksum; its address list is empty or holds an address that
 *	addr_valid() refuses (addresses are separated by `,', `;' or white
 *	space); a field holds CR, LF or another control character; it has
 *	a different number of fields than the header; a quote is not
 *	closed, or text follows a closing quote; or it holds bytes that are
 *	not valid in the file's encoding.  A quoted field may span lines
 *	(RFC 4180), but since that puts a line end in it the row is bad;
 *	parsing goes on after it.  An id seen before is reported and the
 *	later row skipped (the first row wins: merging would guess).
 *	Duplicate addresses within a row are dropped.
 *
 *	The result is sorted by id; companies_find() looks an id up.
 *	Each company keeps its addresses as written and, in lc[], with
 *	A-Z folded to a-z (the ledger's recipient key).
 *
 *	companies_free() releases the list; a zeroed struct companies is
 *	an empty list.
 * DIAGNOSTICS
 *	Every bad row is passed to report (when not NULL) as one line of
 *	text `NAME:LINE: reason', LINE being the row's first line; values
 *	from the file are shown with control characters escaped.
 *
 *	companies_load() and companies_parse() return 0 when the file was
 *	read (even if some rows were bad), otherwise an errno value: that
 *	of open(2) or read(2); EFBIG for a file larger than
 *	COMPANIES_MAX_SIZE; EINVAL when the file cannot be used at all (no
 *	header row, a required column missing or repeated, UTF-16), which
 *	is reported first; ENOMEM.  On error *out is empty.
 */
#ifndef EDEFTER_COMPANIES_H
#define EDEFTER_COMPANIES_H

#include <stddef.h>

#include "names.h"

#define COMPANIES_MAX_SIZE	(16 * 1024 * 1024)

enum company_tax { COMPANY_KV, COMPANY_GV };
enum company_schedule { COMPANY_MONTHLY, COMPANY_QUARTERLY };

struct company {
	char		 id[EDF_ID_MAX + 1];
	char		*name;		/* UTF-8, may be empty */
	char		**addr;		/* as written */
	char		**lc;		/* ASCII lower case */
	size_t		 naddr;
	unsigned long	 line;		/* where it was defined */
	int		 active;	/* 0: inactive (Durum pasif, ...) */
	int		 tax;		/* enum company_tax */
	int		 schedule;	/* enum company_schedule */
};

struct companies {
	struct company	*v;
	size_t		 n;
	const char	*encoding;	/* "UTF-8", "UTF-8 BOM", "CP1254" */
	char		 sep;
};

typedef void (*companies_err_fn)(void *arg, unsigned long line,
    const char *msg);

int	companies_load(const char *, struct companies *, companies_err_fn,
	    void *);
int	companies_parse(const char *, size_t, const char *,
	    struct companies *, companies_err_fn, void *);
const struct company *companies_find(const struct companies *, const char *);
void	companies_free(struct companies *);

#endif
