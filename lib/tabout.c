/*
 * tabout - tables as CSV or as an Excel workbook; see tabout.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "json.h"
#include "tabout.h"

#define XLSX_ROWS	1048576u	/* rows in a worksheet, header too */
#define XLSX_CHARS	32767		/* UTF-16 units in a cell */
#define XLSX_INT_MAX	(1LL << 53)	/* integers a double holds exactly */
#define XLSX_TIME_FMT	"yyyy-mm-dd hh:mm:ss \"UTC\""
#define XLSX_TIME_WIDTH	23		/* 2026-01-15 07:00:00 UTC */
#define XLSX_WIDTH_MIN	6
#define XLSX_WIDTH_MAX	60
#define XLSX_FILTER_PAD	3		/* room for the autofilter button */

#define UTF8_BOM	"\xef\xbb\xbf"
#define UTF8_FFFD	"\xef\xbf\xbd"
#define UTF8_ELLIPSIS	"\xe2\x80\xa6"

#define STDOUT_NAME	"standard output"

struct tabout_file {
	char		*path;		/* NULL: standard output */
	char		*tmp;		/* the temporary file beside path */
	char		*dir;		/* path's directory */
	int		 fd;		/* on tmp, or -1 */
	FILE		*fp;		/* on fd, or stdout, or NULL (xlsx) */
};

struct tabout {
	enum tabout_fmt	 fmt;
	struct tabout_file *f;
	const char	*name;		/* for messages */
	size_t		 ncols;		/* 0 until tabout_columns() */
	size_t		 col;		/* the next cell's column */
	uint32_t	 row;		/* the current row; 0 is the header */
	int		 failed;
	struct buf	 err;		/* the first error */
	struct buf	 line;		/* CSV: the row so far */
	struct buf	 cell;		/* the current cell, made safe */
	lxw_workbook	*wb;
	lxw_worksheet	*ws;
	lxw_format	*bold;
	lxw_format	*when;
	size_t		*width;		/* xlsx: the widest cell per column */
};

/* ---- the output file ------------------------------------------------ */

/* set_err - the reason, replacing whatever err held */
static void __attribute__((format(printf, 2, 3)))
set_err(struct buf *err, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL)
		return;
	buf_reset(err);
	va_start(ap, fmt);
	buf_vprintf(err, fmt, ap);
	va_end(ap);
}

/* file_free - the handle, nothing on disk */
static void
file_free(struct tabout_file *f)
{
	free(f->path);
	free(f->tmp);
	free(f->dir);
	free(f);
}

/* file_new - a temporary file beside path, to be renamed over it */
static struct tabout_file *
file_new(const char *path, int want_fp, struct buf *err)
{
	struct tabout_file *f;
	struct buf tmp = BUF_INIT;
	const char *base, *slash;
	struct stat st;
	int	saved;

	if ((f = calloc(1, sizeof(*f))) == NULL) {
		set_err(err, "%s: out of memory", path ? path : STDOUT_NAME);
		return NULL;
	}
	f->fd = -1;
	if (path == NULL) {
		f->fp = want_fp ? stdout : NULL;
		return f;
	}
	slash = strrchr(path, '/');
	base = slash ? slash + 1 : path;
	if (*base == '\0' || (stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
		set_err(err, "%s: %s", path, strerror(EISDIR));
		file_free(f);
		return NULL;
	}
	if ((f->path = strdup(path)) == NULL ||
	    (f->dir = slash == NULL ? strdup(".") : slash == path ?
	    strdup("/") : strndup(path, (size_t)(slash - path))) == NULL ||
	    buf_printf(&tmp, "%.*s.%s.XXXXXX", (int)(base - path), path,
	    base) < 0) {
		set_err(err, "%s: out of memory", path);
		buf_free(&tmp);
		file_free(f);
		return NULL;
	}
	f->tmp = buf_steal(&tmp);
	if ((f->fd = mkostemp(f->tmp, O_CLOEXEC)) < 0) {
		set_err(err, "%s: cannot create a file in %s: %s", path, f->dir,
		    strerror(errno));
		file_free(f);
		return NULL;
	}
	if (want_fp && (f->fp = fdopen(f->fd, "w")) == NULL) {
		saved = errno;
		unlink(f->tmp);
		close(f->fd);
		set_err(err, "%s: %s", path, strerror(saved));
		file_free(f);
		return NULL;
	}
	return f;
}

/* file_discard - remove the temporary file, leave path as it was */
static void
file_discard(struct tabout_file *f)
{
	if (f == NULL)
		return;
	if (f->path) {
		unlink(f->tmp);
		if (f->fp)
			fclose(f->fp);
		else if (f->fd >= 0)
			close(f->fd);
	} else if (f->fp)
		fflush(f->fp);
	file_free(f);
}

/* file_commit - flush, fsync, give the umask's mode, rename into place */
static int
file_commit(struct tabout_file *f, struct buf *err)
{
	mode_t	mask;
	int	dfd, e;

	if (f->path == NULL) {
		if (f->fp && (fflush(f->fp) == EOF || ferror(f->fp))) {
			set_err(err, "%s: write error: %s", STDOUT_NAME,
			    strerror(errno));
			clearerr(f->fp);	/* reported once, here */
			file_free(f);
			return -1;
		}
		file_free(f);
		return 0;
	}
	if (f->fp && (fflush(f->fp) == EOF || ferror(f->fp))) {
		set_err(err, "%s: write error: %s", f->path, strerror(errno));
		goto bad;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(f->fd, 0666 & ~mask) < 0 || fsync(f->fd) < 0) {
		set_err(err, "%s: %s", f->path, strerror(errno));
		goto bad;
	}
	e = f->fp ? fclose(f->fp) : close(f->fd);
	f->fp = NULL;
	f->fd = -1;
	if (e != 0) {
		set_err(err, "%s: write error: %s", f->path, strerror(errno));
		goto bad;
	}
	if (rename(f->tmp, f->path) < 0) {
		set_err(err, "%s: cannot rename %s into place: %s", f->path,
		    f->tmp, strerror(errno));
		goto bad;
	}
	/* the rename itself: best effort where directories cannot sync */
	if ((dfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		if (fsync(dfd) < 0 && errno != EINVAL && errno != ENOTSUP) {
			set_err(err, "%s: %s", f->dir, strerror(errno));
			close(dfd);
			file_free(f);
			return -1;
		}
		close(dfd);
	}
	file_free(f);
	return 0;
bad:
	file_discard(f);
	return -1;
}

/* tabout_file_open - a stream whose file appears whole, or not at all */
struct tabout_file *
tabout_file_open(const char *path, struct buf *err)
{
	return file_new(path, 1, err);
}

/* tabout_file_fp - the stream to write to */
FILE *
tabout_file_fp(struct tabout_file *f)
{
	return f->fp;
}

/* tabout_file_close - put the file in place */
int
tabout_file_close(struct tabout_file *f, struct buf *err)
{
	return file_commit(f, err);
}

/* tabout_file_discard - drop what was written */
void
tabout_file_discard(struct tabout_file *f)
{
	file_discard(f);
}

/* ---- text ----------------------------------------------------------- */

/* char_len - the length of the valid UTF-8 character at p, or 0 */
static size_t
char_len(const unsigned char *p, size_t n)
{
	size_t	l;

	l = p[0] < 0x80 ? 1 : p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if (l > n || utf8_valid_prefix((const char *)p, l) != l)
		return 0;
	return l;
}

/* is_hex - an ASCII hex digit */
static int
is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* xlsx_escape_like - "_xHHHH_", which Excel reads as one character */
static int
xlsx_escape_like(const unsigned char *p, size_t n)
{
	return n >= 7 && p[0] == '_' && (p[1] == 'x' || p[1] == 'X') &&
	    is_hex(p[2]) && is_hex(p[3]) && is_hex(p[4]) && is_hex(p[5]) &&
	    p[6] == '_';
}

/*
 * safe_text - s[0..n) as text no back end can break (see tabout.h);
 * *width gets the longest line in characters
 */
static int
safe_text(struct buf *b, const char *s, size_t n, int xlsx, size_t *width)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	i = 0, l, units = 0, fits = 0, line = 0, w = 0, cu;
	int	rc = 0, esc;

	buf_reset(b);
	if (buf_reserve(b, n + 1) < 0)
		return -1;
	while (i < n && rc == 0) {
		l = char_len(p + i, n - i);
		if (l == 1 && p[i] == '\r' && xlsx) {
			i++;
			continue;
		}
		/* counted as Excel does, an escape as what it takes */
		esc = xlsx && xlsx_escape_like(p + i, n - i);
		cu = esc ? 7 : l == 4 ? 2 : 1;
		if (xlsx && units + cu > XLSX_CHARS) {
			buf_truncate(b, fits);
			rc = buf_adds(b, UTF8_ELLIPSIS);
			line++;
			break;
		}
		if (l == 0 || (l == 1 && (p[i] < 0x20 || p[i] == 0x7f) &&
		    p[i] != '\t' && p[i] != '\n' && p[i] != '\r')) {
			rc = buf_add(b, UTF8_FFFD, 3);
			l = 1;
		} else if (esc)
			rc = buf_add(b, "_x005F_", 7);
		else
			rc = buf_add(b, p + i, l);
		i += l;
		units += cu;
		if (units <= XLSX_CHARS - 1)
			fits = b->len;
		if (p[i - 1] == '\n' && l == 1)
			line = 0;
		else if (++line > w)
			w = line;
	}
	if (line > w)
		w = line;
	*width = w;
	return rc;
}

/* ---- the table ------------------------------------------------------ */

/* fail - keep the first error; -1 */
static int __attribute__((format(printf, 2, 3)))
fail(struct tabout *t, const char *fmt, ...)
{
	va_list	ap;

	if (!t->failed) {
		t->failed = 1;
		buf_reset(&t->err);
		va_start(ap, fmt);
		buf_vprintf(&t->err, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* tabout_parse_format - "csv" or "xlsx" */
int
tabout_parse_format(const char *name, enum tabout_fmt *fmt)
{
	if (strcmp(name, "csv") == 0)
		*fmt = TABOUT_CSV;
	else if (strcmp(name, "xlsx") == 0)
		*fmt = TABOUT_XLSX;
	else
		return -1;
	return 0;
}

/* table_free - the handle and whatever the back end holds in memory */
static void
table_free(struct tabout *t)
{
	if (t->wb)
		lxw_workbook_free(t->wb);
	buf_free(&t->err);
	buf_free(&t->line);
	buf_free(&t->cell);
	free(t->width);
	free(t);
}

/* xlsx_open - the workbook, its one sheet and formats */
static int
xlsx_open(struct tabout *t, const char *sheet, struct buf *err)
{
	lxw_workbook_options opt = { .constant_memory = LXW_TRUE };
	lxw_error e;

	opt.tmpdir = t->f->dir;
	if ((t->wb = workbook_new_opt(t->f->tmp, &opt)) == NULL) {
		set_err(err, "%s: out of memory", t->name);
		return -1;
	}
	if ((e = workbook_validate_sheet_name(t->wb, sheet)) != LXW_NO_ERROR) {
		set_err(err, "sheet name '%s': %s", sheet, lxw_strerror(e));
		return -1;
	}
	if ((t->ws = workbook_add_worksheet(t->wb, sheet)) == NULL ||
	    (t->bold = workbook_add_format(t->wb)) == NULL ||
	    (t->when = workbook_add_format(t->wb)) == NULL) {
		set_err(err, "%s: out of memory", t->name);
		return -1;
	}
	format_set_bold(t->bold);
	format_set_num_format(t->when, XLSX_TIME_FMT);
	worksheet_freeze_panes(t->ws, 1, 0);
	return 0;
}

/* tabout_open - start a table */
struct tabout *
tabout_open(enum tabout_fmt fmt, const char *path, const char *sheet,
    struct buf *err)
{
	struct tabout *t;

	if (fmt != TABOUT_CSV && fmt != TABOUT_XLSX) {
		set_err(err, "unknown table format %d", (int)fmt);
		return NULL;
	}
	if (fmt == TABOUT_XLSX && path == NULL) {
		set_err(err, "an xlsx workbook is not written to standard "
		    "output: it needs a file");
		return NULL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		set_err(err, "%s: out of memory", path ? path : STDOUT_NAME);
		return NULL;
	}
	t->fmt = fmt;
	if ((t->f = file_new(path, fmt == TABOUT_CSV, err)) == NULL) {
		table_free(t);
		return NULL;
	}
	t->name = path ? t->f->path : STDOUT_NAME;
	if (fmt == TABOUT_XLSX &&
	    xlsx_open(t, sheet ? sheet : "Sheet1", err) < 0) {
		tabout_discard(t);
		return NULL;
	}
	if (fmt == TABOUT_CSV && buf_adds(&t->line, UTF8_BOM) < 0) {
		set_err(err, "%s: out of memory", t->name);
		tabout_discard(t);
		return NULL;
	}
	return t;
}

/* cell_begin - the checks every cell passes first */
static int
cell_begin(struct tabout *t)
{
	if (t->failed)
		return -1;
	if (t->ncols == 0)
		return fail(t, "%s: a cell before the columns", t->name);
	if (t->col >= t->ncols)
		return fail(t, "%s: row %lu has more than %zu cells", t->name,
		    (unsigned long)t->row + 1, t->ncols);
	if (t->fmt == TABOUT_XLSX && t->row >= XLSX_ROWS)
		return fail(t, "%s: more than %u rows, the most a worksheet "
		    "holds", t->name, XLSX_ROWS - 1);
	return 0;
}

/* csv_cell - one field of safe text, quoted when it must be */
static int
csv_cell(struct tabout *t, const char *s, size_t n)
{
	struct buf *b = &t->line;
	int	rc = 0;
	size_t	i;

	if (t->col > 0 && buf_addc(b, ';') < 0)
		return fail(t, "%s: out of memory", t->name);
	if (n > 0 && (memchr(s, ';', n) || memchr(s, '"', n) ||
	    memchr(s, '\r', n) || memchr(s, '\n', n) || s[0] == ' ' ||
	    s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t')) {
		rc = buf_addc(b, '"');
		for (i = 0; i < n && rc == 0; i++)
			rc = s[i] == '"' ? buf_add(b, "\"\"", 2) :
			    buf_addc(b, s[i]);
		if (rc == 0)
			rc = buf_addc(b, '"');
	} else
		rc = buf_add(b, s, n);
	if (rc < 0)
		return fail(t, "%s: out of memory", t->name);
	return 0;
}

/* xlsx_done - check a libxlsxwriter call, note the width */
static int
xlsx_done(struct tabout *t, lxw_error e, size_t width)
{
	if (e != LXW_NO_ERROR)
		return fail(t, "%s: row %lu column %zu: %s", t->name,
		    (unsigned long)t->row + 1, t->col + 1, lxw_strerror(e));
	if (width > t->width[t->col])
		t->width[t->col] = width;
	t->col++;
	return 0;
}

/* tabout_textn - the next cell: text of n bytes */
int
tabout_textn(struct tabout *t, const char *s, size_t n)
{
	lxw_error e = LXW_NO_ERROR;
	size_t	width;

	if (cell_begin(t) < 0)
		return -1;
	if (safe_text(&t->cell, s ? s : "", s ? n : 0, t->fmt == TABOUT_XLSX,
	    &width) < 0)
		return fail(t, "%s: out of memory", t->name);
	if (t->fmt == TABOUT_CSV) {
		if (csv_cell(t, t->cell.data, t->cell.len) < 0)
			return -1;
		t->col++;
		return 0;
	}
	if (t->cell.len > 0)
		e = worksheet_write_string(t->ws, t->row, (lxw_col_t)t->col,
		    t->cell.data, t->row == 0 ? t->bold : NULL);
	return xlsx_done(t, e, width);
}

/* tabout_text - the next cell: text */
int
tabout_text(struct tabout *t, const char *s)
{
	return tabout_textn(t, s, s ? strlen(s) : 0);
}

/* tabout_int - the next cell: an integer */
int
tabout_int(struct tabout *t, long long v)
{
	char	num[24];
	int	n;

	n = snprintf(num, sizeof(num), "%lld", v);
	if (t->fmt == TABOUT_CSV || v > XLSX_INT_MAX || v < -XLSX_INT_MAX)
		return tabout_textn(t, num, (size_t)n);
	if (cell_begin(t) < 0)
		return -1;
	return xlsx_done(t, worksheet_write_number(t->ws, t->row,
	    (lxw_col_t)t->col, (double)v, NULL), (size_t)n);
}

/* digits - n decimal digits at *pp */
static int
digits(const char **pp, int n, int *v)
{
	const char *p = *pp;

	for (*v = 0; n > 0; n--, p++) {
		if (*p < '0' || *p > '9')
			return -1;
		*v = *v * 10 + (*p - '0');
	}
	*pp = p;
	return 0;
}

/* parse_time - YYYY-MM-DDTHH:MM:SS[.fff]Z, 1900 to 9999 */
static int
parse_time(const char *s, lxw_datetime *dt)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	const char *p = s;
	double	scale = 0.1;
	int	sec, leap;

	if (digits(&p, 4, &dt->year) < 0 || *p++ != '-' ||
	    digits(&p, 2, &dt->month) < 0 || *p++ != '-' ||
	    digits(&p, 2, &dt->day) < 0 || *p++ != 'T' ||
	    digits(&p, 2, &dt->hour) < 0 || *p++ != ':' ||
	    digits(&p, 2, &dt->min) < 0 || *p++ != ':' ||
	    digits(&p, 2, &sec) < 0)
		return -1;
	dt->sec = sec;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -1;
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			dt->sec += (*p - '0') * scale;
	}
	if (p[0] != 'Z' || p[1] != '\0')
		return -1;
	leap = (dt->year % 4 == 0 && dt->year % 100 != 0) ||
	    dt->year % 400 == 0;
	if (dt->year < 1900 || dt->month < 1 || dt->month > 12 ||
	    dt->day < 1 || dt->day > mdays[dt->month - 1] ||
	    (dt->month == 2 && dt->day == 29 && !leap) ||
	    dt->hour > 23 || dt->min > 59 || sec > 59)
		return -1;
	return 0;
}

/* tabout_time - the next cell: a UTC time */
int
tabout_time(struct tabout *t, const char *iso)
{
	lxw_datetime dt;

	if (t->fmt == TABOUT_CSV || iso == NULL || *iso == '\0' ||
	    parse_time(iso, &dt) < 0)
		return tabout_text(t, iso);
	if (cell_begin(t) < 0)
		return -1;
	return xlsx_done(t, worksheet_write_datetime(t->ws, t->row,
	    (lxw_col_t)t->col, &dt, t->when), XLSX_TIME_WIDTH);
}

/* tabout_end_row - finish the row; missing cells are empty */
int
tabout_end_row(struct tabout *t)
{
	FILE	*fp;

	if (t->failed)
		return -1;
	if (t->ncols == 0)
		return fail(t, "%s: a row before the columns", t->name);
	if (t->fmt == TABOUT_XLSX) {
		t->col = 0;
		t->row++;
		return 0;
	}
	while (t->col < t->ncols) {
		if (csv_cell(t, "", 0) < 0)
			return -1;
		t->col++;
	}
	if (buf_add(&t->line, "\r\n", 2) < 0)
		return fail(t, "%s: out of memory", t->name);
	fp = t->f->fp;
	if (fwrite(t->line.data, 1, t->line.len, fp) != t->line.len)
		return fail(t, "%s: write error: %s", t->name, strerror(errno));
	buf_reset(&t->line);
	t->col = 0;
	t->row++;
	return 0;
}

/* tabout_columns - the header row */
int
tabout_columns(struct tabout *t, const char *const *names, size_t n)
{
	size_t	i;

	if (t->failed)
		return -1;
	if (t->ncols != 0 || n == 0)
		return fail(t, "%s: the columns are given once, at least one",
		    t->name);
	if (t->fmt == TABOUT_XLSX && n > LXW_COL_MAX)
		return fail(t, "%s: %zu columns, more than a worksheet's %d",
		    t->name, n, LXW_COL_MAX);
	if (t->fmt == TABOUT_XLSX &&
	    (t->width = calloc(n, sizeof(*t->width))) == NULL)
		return fail(t, "%s: out of memory", t->name);
	t->ncols = n;
	for (i = 0; i < n; i++)
		if (tabout_text(t, names[i]) < 0)
			return -1;
	if (t->fmt == TABOUT_XLSX)
		for (i = 0; i < n; i++)
			t->width[i] += XLSX_FILTER_PAD;
	return tabout_end_row(t);
}

/* xlsx_close - widths and filter, then the workbook to its file */
static int
xlsx_close(struct tabout *t)
{
	lxw_workbook *wb = t->wb;
	lxw_error e;
	size_t	i, w;

	for (i = 0; i < t->ncols; i++) {
		w = t->width[i] + 1;
		w = w < XLSX_WIDTH_MIN ? XLSX_WIDTH_MIN : w > XLSX_WIDTH_MAX ?
		    XLSX_WIDTH_MAX : w;
		if ((e = worksheet_set_column(t->ws, (lxw_col_t)i,
		    (lxw_col_t)i, (double)w, NULL)) != LXW_NO_ERROR)
			return fail(t, "%s: column %zu: %s", t->name, i + 1,
			    lxw_strerror(e));
	}
	if (t->ncols > 0 && (e = worksheet_autofilter(t->ws, 0, 0,
	    t->row - 1, (lxw_col_t)(t->ncols - 1))) != LXW_NO_ERROR)
		return fail(t, "%s: autofilter: %s", t->name, lxw_strerror(e));
	t->wb = NULL;			/* workbook_close() frees it */
	errno = 0;
	if ((e = workbook_close(wb)) != LXW_NO_ERROR) {
		if (errno != 0 && (e == LXW_ERROR_CREATING_XLSX_FILE ||
		    e == LXW_ERROR_CREATING_TMPFILE ||
		    e == LXW_ERROR_READING_TMPFILE ||
		    e == LXW_ERROR_ZIP_FILE_OPERATION ||
		    e == LXW_ERROR_ZIP_CLOSE))
			return fail(t, "%s: %s: %s", t->name, lxw_strerror(e),
			    strerror(errno));
		return fail(t, "%s: %s", t->name, lxw_strerror(e));
	}
	return 0;
}

/* tabout_close - finish the table and put it in place */
int
tabout_close(struct tabout *t, struct buf *err)
{
	struct tabout_file *f;

	if (!t->failed && t->col > 0)
		tabout_end_row(t);
	if (!t->failed && t->fmt == TABOUT_CSV && t->line.len > 0 &&
	    fwrite(t->line.data, 1, t->line.len, t->f->fp) != t->line.len)
		fail(t, "%s: write error: %s", t->name, strerror(errno));
	if (!t->failed && t->fmt == TABOUT_XLSX)
		xlsx_close(t);
	if (t->failed) {
		set_err(err, "%s", BUF_STR(&t->err));
		tabout_discard(t);
		return -1;
	}
	f = t->f;
	t->f = NULL;
	table_free(t);
	return file_commit(f, err);
}

/* tabout_discard - drop the table; the path is left as it was */
void
tabout_discard(struct tabout *t)
{
	if (t == NULL)
		return;
	file_discard(t->f);
	table_free(t);
}
