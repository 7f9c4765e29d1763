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
 *	The header row names the columns, in any order.  A header is
 *	matched after trimming, folding with tr_fold() (so `VERGİ NO',
 *	`Vergi No' and `vergi no' are one name) and reducing inner runs of
 *	blanks to one space.  The columns and the names accepted for each:
 *
 *	vkn	`vkn', `vergi no', `vergi numarası', `vergi kimlik no',
 *		`vergi kimlik numarası'.
 *	tckn	`tckn', `tc kimlik no', `t.c. kimlik numarası', `kimlik no',
 *		`tc kimlik numarası', `t.c. kimlik no', `kimlik numarası'.
 *	name	`name', `ünvan', `unvan', `şirket adı', `firma adı',
 *		`firma', `müşteri'.
 *	emails	`emails', `email', `e-posta', `eposta', `e-mail', `mail',
 *		`e-posta adresi', `e-posta adresleri'.
 *	active	`active', `durum', `aktif' (optional).
 *	tax	`tax', `vergi türü' (optional).
 *	schedule `schedule', `dönem' (optional).
 *
 *	At least one of vkn and tckn is required, and name and emails; any
 *	other column is ignored.  Either id column may hold a VKN or a TCKN.
 *	With both, a row uses the one that is filled; when both are filled,
 *	the valid one, the vkn when both are valid.
 *
 *	Cell values in the optional columns are folded like headers.  In
 *	active, `pasif', `hayır', `no', `0', `false' and `inactive' make
 *	the company inactive (active 0); anything else, an empty cell or
 *	no such column leaves it active.  In tax, `GV' or a value starting
 *	`gelir' is COMPANY_GV, `KV' or a value starting `kurumlar' is
 *	COMPANY_KV; empty means KV for a 10-digit id and GV for an 11-digit
 *	one.  In schedule, `monthly' or `aylık' is COMPANY_MONTHLY (also
 *	when empty), `quarterly', `geçici', `üç aylık' or `3 aylık' is
 *	COMPANY_QUARTERLY.
 *
 *	Empty rows (nothing but separators and white space) are skipped
 *	quietly.  Fields are trimmed of surrounding blanks.
 *
 *	A row is bad, reported and skipped when: it has no id; its id is
 *	not 10 or 11 digits or fails the VKN or TCKN checksum (both ids,
 *	when both are filled); a tax or schedule value is none of the
 *	above; its address list is empty or holds an address that
 *	addr_valid() refuses (addresses are separated by `,', `;' or white
 *	space); it has a different number of fields than the header; a
 *	quote is not closed, or text follows a closing quote; a field
 *	holds CR or LF (a quoted field may span lines, RFC 4180, which
 *	makes the row bad; parsing goes on after it); or a column that is
 *	used holds another control character or bytes that are not valid
 *	in the file's encoding.  An id seen before is reported and the
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
 *	from the file are shown with control characters escaped, and a
 *	column is named by its header as written.
 *
 *	companies_load() and companies_parse() return 0 when the file was
 *	read (even if some rows were bad), otherwise an errno value: that
 *	of open(2) or read(2); EFBIG for a file larger than
 *	COMPANIES_MAX_SIZE; EINVAL when the file cannot be used at all (no
 *	header row, a required column missing, a column named twice, also
 *	under two of its names, UTF-16), which is reported first, a missing
 *	column with the names accepted for it; ENOMEM.  On error *out is
 *	empty.
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
