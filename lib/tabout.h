/*
 * NAME
 *	tabout - tables as CSV or as an Excel workbook
 * SYNOPSIS
 *	#include "tabout.h"
 *
 *	int	tabout_parse_format(const char *name, enum tabout_fmt *fmt);
 *
 *	struct tabout *tabout_open(enum tabout_fmt fmt, const char *path,
 *		    const char *sheet, struct buf *err);
 *	int	tabout_columns(struct tabout *t, const char *const *names,
 *		    size_t n);
 *	int	tabout_text(struct tabout *t, const char *utf8);
 *	int	tabout_textn(struct tabout *t, const char *utf8, size_t len);
 *	int	tabout_int(struct tabout *t, long long v);
 *	int	tabout_time(struct tabout *t, const char *iso_utc);
 *	int	tabout_end_row(struct tabout *t);
 *	int	tabout_close(struct tabout *t, struct buf *err);
 *	void	tabout_discard(struct tabout *t);
 *
 *	struct tabout_file *tabout_file_open(const char *path,
 *		    struct buf *err);
 *	FILE	*tabout_file_fp(struct tabout_file *f);
 *	int	tabout_file_close(struct tabout_file *f, struct buf *err);
 *	void	tabout_file_discard(struct tabout_file *f);
 * DESCRIPTION
 *	A table is written one row at a time with one interface and two
 *	back ends.  tabout_parse_format() maps "csv" and "xlsx" to the
 *	format.  tabout_open() starts a table, written to path, or to
 *	standard output when path is NULL (CSV only); sheet names the
 *	worksheet (xlsx only; NULL is "Sheet1").  tabout_columns() writes
 *	the header row and fixes the number of columns; it comes first and
 *	once.  Each row is its cells in column order, then tabout_end_row();
 *	cells not given are empty.  A NULL or empty text is an empty cell.
 *
 *	TABOUT_CSV is what Turkish Excel opens as it is: UTF-8 with a byte
 *	order mark, fields separated by ';', lines ended by CRLF, and RFC
 *	4180 quoting: a field holding ';', '"', CR or LF, or with a space or
 *	tab at either end, is put in double quotes, its quotes doubled.
 *	Integers are decimal, times the ISO 8601 text as given.  Excel turns
 *	a CSV field that looks like a number or a date into one (an id with
 *	a leading zero loses it); the workbook does not.
 *
 *	TABOUT_XLSX is an Excel workbook (libxlsxwriter) with one worksheet:
 *	a bold header row, frozen, an autofilter over the table, and each
 *	column as wide as its widest cell (within limits).  Text cells are
 *	text, integers numbers (beyond +-2^53, which a double cannot hold,
 *	text so that no digit is lost), and tabout_time() takes UTC as
 *	YYYY-MM-DDTHH:MM:SS[.fff]Z and writes an Excel date-time, so that
 *	it sorts and filters as a date, shown as "yyyy-mm-dd hh:mm:ss UTC":
 *	Excel's dates have no time zone, and the suffix says which one it
 *	is.  A time that does not parse, or is before 1900, is written as
 *	text.  The sheet is written in libxlsxwriter's constant-memory mode
 *	(a row at a time, to a temporary file in the output's directory),
 *	so a table of a million rows costs no more memory than one of ten;
 *	a worksheet holds at most 1048575 rows under its header.
 *
 *	Text is made safe for both: a byte sequence that is not valid UTF-8
 *	becomes U+FFFD, one per bad byte, and so does a control character
 *	other than TAB, LF and CR (and DEL).  In a workbook CR is dropped
 *	(Excel separates the lines of a cell with LF), a literal "_xHHHH_",
 *	which Excel would read as an escaped character, is escaped itself,
 *	and a cell longer than Excel's 32767 characters is cut there and
 *	ends with U+2026.  Text is never reinterpreted as a formula by the
 *	workbook; a CSV field starting with '=' is written as it is.
 *
 *	A path is never half-written: the table goes to a temporary file
 *	beside it (".NAME.XXXXXX", so on the same file system), which
 *	tabout_close() flushes, fsyncs, gives the mode a new file would get
 *	under the umask, and renames over path, then fsyncs the directory.
 *	tabout_discard() removes the temporary file and leaves path as it
 *	was; use it when the table cannot be finished.
 *
 *	tabout_file_open() and the rest are that file handling on their own,
 *	for output that is not a table: a stdio stream on the temporary
 *	file (or standard output for a NULL path), committed by
 *	tabout_file_close() or dropped by tabout_file_discard().
 * DIAGNOSTICS
 *	tabout_open() and tabout_file_open() return NULL with the reason in
 *	err: an unknown or invalid sheet name, xlsx to standard output, a
 *	directory that cannot be written, out of memory.  Cell and row calls
 *	return 0, or -1 once anything has failed (a write error, more cells
 *	than columns, too many rows); the first error is kept, later calls
 *	do nothing, and tabout_close() reports it.  tabout_close() and
 *	tabout_file_close() return 0, or -1 with err set and the temporary
 *	file removed.  Every message names the path (or "standard output")
 *	and the system or libxlsxwriter error.  Both free the handle either
 *	way.
 */
#ifndef EDEFTER_TABOUT_H
#define EDEFTER_TABOUT_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"

enum tabout_fmt { TABOUT_CSV, TABOUT_XLSX };

struct tabout;
struct tabout_file;

int	tabout_parse_format(const char *, enum tabout_fmt *);

struct tabout *tabout_open(enum tabout_fmt, const char *path,
	    const char *sheet, struct buf *err);
int	tabout_columns(struct tabout *, const char *const *, size_t);
int	tabout_text(struct tabout *, const char *);
int	tabout_textn(struct tabout *, const char *, size_t);
int	tabout_int(struct tabout *, long long);
int	tabout_time(struct tabout *, const char *);
int	tabout_end_row(struct tabout *);
int	tabout_close(struct tabout *, struct buf *err);
void	tabout_discard(struct tabout *);

struct tabout_file *tabout_file_open(const char *path, struct buf *err);
FILE	*tabout_file_fp(struct tabout_file *);
int	tabout_file_close(struct tabout_file *, struct buf *err);
void	tabout_file_discard(struct tabout_file *);

#endif
