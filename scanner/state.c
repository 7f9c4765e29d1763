/*
 * state - what earlier passes saw (the verdicts), and the helpers of
 * StateDir's small files; see state.h.  The directory listings are in
 * dcache.c.
 *
 * StateDir/verdicts, after "edefter-scan verdicts 1 UNKEYED MINDAY" (how
 * many entries are not keyed, the oldest DAY: what a pass that looks at
 * no file needs to know, without reading the rest), for each directory
 * (sorted) "D PATH" and one line per file in it (sorted by name):
 *	T DAY DEV INO SIZE MSEC.MNSEC CSEC.CNSEC FIRST ZIP NAME
 * T is `t' for an entry keyed by dev, inode and ctime (a local file
 * system), `u' for one that is not; DAY is the day (since the epoch) the
 * file was last looked at; ZIP is `1' whole, `0' not, `-' unknown.
 *
 * Like StateDir/dirs, it starts with a line naming the format and ends
 * with
 *	end COUNT SUM
 * COUNT the entries, SUM a check of every byte before that line
 * (state_sum()).
 */
#include <sys/stat.h>
#include <sys/vfs.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"
#include "state_int.h"

#define VERDICTS_MAGIC	"edefter-scan verdicts 1 "

struct entry {
	char		*path;		/* cur: the path; old: the name */
	size_t		 dirlen;	/* cur: the directory part's length */
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtime;
	struct timespec	 ctime;
	time_t		 first;
	long		 day;		/* last looked at */
	signed char	 zip;		/* -1 unknown, 0, 1 */
	unsigned char	 keyed;		/* dev, ino, ctime are meaningful */
	unsigned char	 noted;		/* old: looked at by this pass */
};

/* the old entries of one directory, sorted by name */
struct vdir {
	char		*path;
	struct entry	*e;
	size_t		 n;
};

struct seen {
	struct vdir	*dirs;		/* sorted by path */
	size_t		 ndirs;
	struct entry	*old;		/* by directory, then name */
	size_t		 nold;
	char		*data;		/* the file read; old names point in */
	int		 owned;		/* else: names are strdup()ed */
	struct vdir	*lastdir;	/* the directory looked up last */
	struct entry	*cur;		/* this pass, unsorted */
	size_t		 ncur;
	size_t		 capcur;
	dev_t		 trusted;	/* the device whose files are keyed */
	int		 have_trusted;
	struct entry	*last;		/* the entry noted last, or NULL */
	time_t		 now;
	int		 changed;
	char		*lazy;		/* StateDir, until the table is read */
	unsigned long	 unkeyed;	/* from the first line, while lazy */
	long		 minday;
};

/* ---- seen: stability and verdicts of files -------------------------- */

/* dir_len - the length of path's directory part (0: beneath the root) */
static size_t
dir_len(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? (size_t)(slash - path) : 0;
}

static const char *
name_of(const char *path, size_t dirlen)
{
	return dirlen || path[0] == '/' ? path + dirlen + 1 : path;
}

/* cmp_dirpart - two directories, as (pointer, length) */
static int
cmp_dirpart(const char *a, size_t na, const char *b, size_t nb)
{
	int	c = memcmp(a, b, na < nb ? na : nb);

	return c ? c : na < nb ? -1 : na > nb;
}

/* cmp_cur - by directory, then name */
static int
cmp_cur(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;
	int	c = cmp_dirpart(a->path, a->dirlen, b->path, b->dirlen);

	return c ? c : strcmp(name_of(a->path, a->dirlen),
	    name_of(b->path, b->dirlen));
}

static int
cmp_name_entry(const void *k, const void *e)
{
	return strcmp(k, ((const struct entry *)e)->path);
}

/* find_dir - the old entries of the directory path[0..n) */
static struct vdir *
find_dir(struct seen *s, const char *path, size_t n)
{
	size_t	lo = 0, hi = s->ndirs, mid;
	int	c;

	if (s->lastdir && strlen(s->lastdir->path) == n &&
	    memcmp(s->lastdir->path, path, n) == 0)
		return s->lastdir;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = cmp_dirpart(path, n, s->dirs[mid].path,
		    strlen(s->dirs[mid].path));
		if (c == 0)
			return s->lastdir = &s->dirs[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* find_old - the old entry of a path */
static struct entry *
find_old(struct seen *s, const char *path)
{
	size_t	n = dir_len(path);
	struct vdir *d = find_dir(s, path, n);

	if (d == NULL)
		return NULL;
	return bsearch(name_of(path, n), d->e, d->n, sizeof(*d->e),
	    cmp_name_entry);
}

/* add_dir_group - the old entries from start on are directory path */
static int
add_dir_group(struct seen *s, char *path, size_t start, size_t *cap)
{
	if (s->ndirs == *cap) {
		struct vdir *v;
		*cap = *cap ? *cap * 2 : 256;
		if ((v = realloc(s->dirs, *cap * sizeof(*v))) == NULL)
			return -1;
		s->dirs = v;
	}
	s->dirs[s->ndirs].path = path;
	s->dirs[s->ndirs].e = s->old + start;
	s->dirs[s->ndirs].n = s->nold - start;
	s->ndirs++;
	return 0;
}

/* load_old_seen - StateDir/seen of earlier versions: unkeyed entries */
static void
load_old_seen(struct seen *s, const char *statedir)
{
	struct buf dec = BUF_INIT;
	char	*line = NULL, pbuf[4096];
	size_t	cap = 0, capold = 0, capdirs = 0, i, start;
	long long size, first, sec, nsec;
	FILE	*fp;

	snprintf(pbuf, sizeof(pbuf), "%s/seen", statedir);
	if ((fp = fopen(pbuf, "r")) == NULL)
		return;
	while (getline(&line, &cap, fp) > 0) {
		char p[4096];
		struct entry *e;

		if (sscanf(line, "%lld %lld.%lld %lld %4095s", &size, &sec,
		    &nsec, &first, p) != 5 || pct_decode(&dec, p) < 0)
			continue;	/* a damaged line only costs a settle */
		if (s->nold == capold) {
			struct entry *v;
			capold = capold ? capold * 2 : 256;
			if ((v = realloc(s->old, capold * sizeof(*v))) == NULL)
				break;
			s->old = v;
		}
		e = &s->old[s->nold];
		memset(e, 0, sizeof(*e));
		if ((e->path = strdup(dec.data)) == NULL)
			break;
		e->dirlen = dir_len(e->path);
		e->size = (off_t)size;
		e->mtime.tv_sec = (time_t)sec;
		e->mtime.tv_nsec = (long)nsec;
		e->first = (time_t)first;
		e->zip = -1;
		s->nold++;
	}
	free(line);
	fclose(fp);
	buf_free(&dec);
	/* into directories: each entry's path becomes its name */
	if (s->nold)
		qsort(s->old, s->nold, sizeof(*s->old), cmp_cur);
	for (i = 0, start = 0; i <= s->nold; i++) {
		char	*dir;
		struct entry *a = &s->old[start];

		if (i < s->nold && cmp_dirpart(s->old[i].path, s->old[i].dirlen,
		    a->path, a->dirlen) == 0)
			continue;
		if (i == start)
			continue;
		if ((dir = strndup(a->path, a->dirlen)) == NULL)
			break;
		{
			size_t k, keep = s->nold;
			s->nold = i;
			if (add_dir_group(s, dir, start, &capdirs) < 0) {
				free(dir);
				s->nold = keep;
				break;
			}
			s->nold = keep;
			for (k = start; k < i; k++) {
				char *name = strdup(name_of(s->old[k].path,
				    s->old[k].dirlen));
				if (name == NULL)
					break;
				free(s->old[k].path);
				s->old[k].path = name;
			}
		}
		start = i;
	}
	s->owned = 0;
	s->changed = s->nold > 0;	/* written again in the new form */
}

/* read_verdicts - the whole of StateDir/verdicts into old */
static int
read_verdicts(struct seen *s, const char *statedir, struct buf *err)
{
	char	*data, *p, *nl, *dir = NULL;
	size_t	len, count, start = 0, capdirs = 0;
	int	rc;

	if ((rc = state_slurp(statedir, "verdicts", &data, &len, err)) <= 0)
		return rc;
	s->data = data;
	s->owned = 1;
	if (strncmp(data, VERDICTS_MAGIC, sizeof(VERDICTS_MAGIC) - 1) != 0 ||
	    (p = strchr(data, '\n')) == NULL || !state_body_ok(data, len, &count) ||
	    (s->old = malloc((count + 1) * sizeof(*s->old))) == NULL) {
		s->changed = 1;
		return 0;
	}
	for (p++; *p; p = nl + 1) {
		struct entry *e = &s->old[s->nold];
		unsigned long long day, dev, ino, size, first;

		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		if (p[0] == 'D' && p[1] == ' ') {
			if (dir && s->nold > start &&
			    add_dir_group(s, dir, start, &capdirs) < 0)
				break;
			if (state_pct_decode_here(p + 2) < 0)
				break;
			dir = p + 2;
			start = s->nold;
			continue;
		}
		if (dir == NULL || s->nold == count ||
		    (p[0] != 't' && p[0] != 'u') || p[1] != ' ')
			break;
		memset(e, 0, sizeof(*e));
		e->keyed = p[0] == 't';
		p += 2;
		if (state_num(&p, &day) < 0 || state_num(&p, &dev) < 0 || state_num(&p, &ino) < 0 ||
		    state_num(&p, &size) < 0 || state_ts(&p, &e->mtime) < 0 ||
		    state_ts(&p, &e->ctime) < 0 || state_num(&p, &first) < 0 ||
		    (p[0] != '-' && p[0] != '0' && p[0] != '1') || p[1] != ' ' ||
		    state_pct_decode_here(p + 2) < 0)
			break;
		e->zip = p[0] == '-' ? -1 : p[0] - '0';
		e->day = (long)day;
		e->dev = (dev_t)dev;
		e->ino = (ino_t)ino;
		e->size = (off_t)size;
		e->first = (time_t)first;
		e->path = p + 2;
		s->nold++;
	}
	if (dir && s->nold > start && *p == '\0')
		(void)add_dir_group(s, dir, start, &capdirs);
	if (*p != '\0' || s->nold != count) {
		s->nold = s->ndirs = 0;	/* damaged after all: nothing */
		s->changed = 1;
	}
	return 0;
}

/* loaded - the table read, when seen_load put that off */
static void
loaded(struct seen *s)
{
	struct buf err = BUF_INIT;
	char	*dir = s->lazy;

	if (dir == NULL)
		return;
	s->lazy = NULL;
	if (read_verdicts(s, dir, &err) < 0)
		s->changed = 1;		/* unreadable now: an empty table */
	buf_free(&err);
	free(dir);
}

/* seen_load - StateDir/verdicts (or seen); absent or damaged: empty.
 * Only its first line is read here; the rest when a file is noted, so
 * that a pass that looks at no file (everything sent) reads nothing */
int
seen_load(const char *statedir, struct seen **sp, struct buf *err)
{
	struct seen *s = calloc(1, sizeof(*s));
	char	path[4096], head[128];
	unsigned long long unkeyed, minday;
	ssize_t	n;
	int	fd;

	if (s == NULL)
		return -1;
	*sp = s;
	s->now = time(NULL);
	snprintf(path, sizeof(path), "%s/verdicts", statedir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno != ENOENT) {
			buf_printf(err, "%s: %s", path, strerror(errno));
			return -1;
		}
		load_old_seen(s, statedir);
		return 0;
	}
	n = read(fd, head, sizeof(head) - 1);
	close(fd);
	head[n > 0 ? n : 0] = '\0';
	if (strncmp(head, VERDICTS_MAGIC, sizeof(VERDICTS_MAGIC) - 1) != 0 ||
	    sscanf(head + sizeof(VERDICTS_MAGIC) - 1, "%llu %llu", &unkeyed,
	    &minday) != 2) {
		s->changed = 1;		/* foreign or damaged: empty */
		return 0;
	}
	if ((s->lazy = strdup(statedir)) == NULL)
		return -1;
	s->unkeyed = (unsigned long)unkeyed;
	s->minday = (long)minday;
	return 0;
}

/* seen_trust - the files on dev (a local file system) are keyed */
void
seen_trust(struct seen *s, dev_t dev)
{
	s->trusted = dev;
	s->have_trusted = 1;
}

/* note - the body of seen_note and seen_note_stat: an entry seen
 * before is brought up to date in place, a new one added */
static int
note(struct seen *s, const char *path, const struct stat *st, int keyed,
    time_t now, long long settle, time_t *since)
{
	struct entry *old, *e, n;
	time_t	first = now;

	s->last = NULL;
	loaded(s);
	old = s->ndirs ? find_old(s, path) : NULL;
	memset(&n, 0, sizeof(n));
	n.keyed = keyed;
	n.dev = st->st_dev;
	n.ino = st->st_ino;
	n.size = st->st_size;
	n.mtime = st->st_mtim;
	n.ctime = st->st_ctim;
	n.day = (long)(now / 86400);
	n.zip = -1;
	if (old) {
		int same = old->size == n.size && state_ts_eq(&old->mtime, &n.mtime);
		int key_same = old->keyed && keyed && old->dev == n.dev &&
		    old->ino == n.ino && state_ts_eq(&old->ctime, &n.ctime);

		/* keyed: unchanged since it was first seen, whenever that
		 * was; else the previous pass saw the same size and mtime */
		if (same && (keyed ? key_same : !old->keyed))
			first = old->first;
		if (same && key_same)
			n.zip = old->zip;
		if (!same || !key_same || old->day != n.day ||
		    first != old->first || old->zip != n.zip)
			s->changed = 1;
		n.path = old->path;
		n.first = first;
		n.noted = 1;
		*old = n;
		e = old;
	} else {
		if (s->ncur == s->capcur) {
			struct entry *v;
			s->capcur = s->capcur ? s->capcur * 2 : 256;
			if ((v = realloc(s->cur, s->capcur * sizeof(*v))) ==
			    NULL)
				return -1;
			s->cur = v;
		}
		if ((n.path = strdup(path)) == NULL)
			return -1;
		n.dirlen = dir_len(path);
		n.first = now;
		e = &s->cur[s->ncur++];
		*e = n;
		s->changed = 1;
	}
	s->last = e;
	s->now = now;
	*since = first;
	if (settle <= 0)
		return 1;
	/* whole seconds: "more than" so that a file is never sent after
	 * less than SettleSeconds of stillness */
	return old != NULL && first < now && now - first > settle;
}

/* seen_note - is the file stable; remember it for the next pass */
int
seen_note(struct seen *s, const char *path, off_t size,
    const struct timespec *mtime, time_t now, long long settle, time_t *since)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_size = size;
	st.st_mtim = *mtime;
	return note(s, path, &st, 0, now, settle, since);
}

/* seen_note_stat - seen_note with all the file's stat: keyed when it is
 * on the trusted device */
int
seen_note_stat(struct seen *s, const char *path, const struct stat *st,
    time_t now, long long settle, time_t *since)
{
	return note(s, path, st, s->have_trusted && st->st_dev == s->trusted,
	    now, settle, since);
}

/* seen_zip - the zip verdict kept for the file noted last, or -1 */
int
seen_zip(const struct seen *s)
{
	return s->last ? s->last->zip : -1;
}

/* seen_set_zip - keep the verdict for the file noted last, when its
 * ctime was old enough as it was looked at */
void
seen_set_zip(struct seen *s, int whole)
{
	struct entry *e;

	if ((e = s->last) == NULL)
		return;
	if (!e->keyed || s->now - e->ctime.tv_sec <= STATE_SETTLED ||
	    e->zip == whole)
		return;
	e->zip = (signed char)whole;
	s->changed = 1;
}

/* kept - an old entry that stays: looked at this pass, or keyed and
 * not too old */
static int
kept(const struct seen *s, const struct entry *e)
{
	return e->noted || (e->keyed && e->day + STATE_KEEP_DAYS >=
	    (long)(s->now / 86400));
}

/* seen_changed - would seen_save write anything */
int
seen_changed(const struct seen *s)
{
	size_t	i;

	if (s->changed)
		return 1;
	if (s->lazy)		/* nothing noted: does anything drop out? */
		return s->unkeyed > 0 || s->minday + STATE_KEEP_DAYS <
		    (long)(s->now / 86400);
	for (i = 0; i < s->nold; i++)
		if (!kept(s, &s->old[i]))
			return 1;
	return 0;
}

/* put_entry - an entry of directory dir (dir, n) */
static void
put_entry(struct buf *b, const char **lastdir, size_t *lastn,
    const char *dir, size_t n, const char *name, const struct entry *e)
{
	if (*lastdir == NULL || cmp_dirpart(*lastdir, *lastn, dir, n) != 0) {
		char	*d = strndup(dir, n);

		buf_adds(b, "D ");
		state_esc(b, d ? d : "");
		buf_addc(b, '\n');
		free(d);
		*lastdir = dir;
		*lastn = n;
	}
	buf_printf(b, "%c %ld %llu %llu %lld %lld.%09ld %lld.%09ld %lld %c ",
	    e->keyed ? 't' : 'u', e->day, (unsigned long long)e->dev,
	    (unsigned long long)e->ino, (long long)e->size,
	    (long long)e->mtime.tv_sec, e->mtime.tv_nsec,
	    (long long)e->ctime.tv_sec, e->ctime.tv_nsec, (long long)e->first,
	    e->zip < 0 ? '-' : '0' + e->zip);
	state_esc(b, name);
	buf_addc(b, '\n');
}

/* seen_save - this pass's table for the next one, when it changed */
int
seen_save(struct seen *s, const char *statedir, struct buf *err)
{
	struct buf out = BUF_INIT;
	const char *lastdir = NULL, *od = NULL, *cd;
	size_t	i, j, d = 0, n = 0, lastn = 0, odn = 0, cdn;
	unsigned long unkeyed = 0;
	long	minday = LONG_MAX;
	char	old[4096];
	int	rc, c;

	if (!seen_changed(s))
		return 0;
	loaded(s);
	if (s->ncur)
		qsort(s->cur, s->ncur, sizeof(*s->cur), cmp_cur);
	buf_printf(&out, VERDICTS_MAGIC "%020lu %020ld\n", 0UL, 0L);
	/* old in directory order (dirs are sorted, entries by name), merged
	 * with cur in the same order; cur wins */
	for (i = 0, j = 0; ; ) {
		const struct entry *e;
		const char *name;

		while (d < s->ndirs && s->dirs[d].e + s->dirs[d].n ==
		    s->old + j)
			d++;
		if (j < s->nold && d < s->ndirs) {
			od = s->dirs[d].path;
			odn = strlen(od);
		}
		if (j < s->nold && (d >= s->ndirs || !kept(s, &s->old[j]))) {
			j++;
			continue;
		}
		if (i + 1 < s->ncur && cmp_cur(&s->cur[i], &s->cur[i + 1]) ==
		    0) {
			i++;		/* noted twice: the later one */
			continue;
		}
		if (i == s->ncur && j == s->nold)
			break;
		cd = i < s->ncur ? s->cur[i].path : NULL;
		cdn = i < s->ncur ? s->cur[i].dirlen : 0;
		if (i == s->ncur)
			c = 1;
		else if (j == s->nold)
			c = -1;
		else if ((c = cmp_dirpart(cd, cdn, od, odn)) == 0)
			c = strcmp(name_of(cd, cdn), s->old[j].path);
		if (c <= 0) {
			e = &s->cur[i++];
			name = name_of(e->path, e->dirlen);
			put_entry(&out, &lastdir, &lastn, e->path, e->dirlen,
			    name, e);
			if (c == 0)
				j++;
		} else {
			e = &s->old[j++];
			put_entry(&out, &lastdir, &lastn, od, odn, e->path, e);
		}
		unkeyed += !e->keyed;
		if (e->day < minday)
			minday = e->day;
		n++;
	}
	/* the first line, now that its numbers are known (same width) */
	if (out.data) {
		char	head[96];

		snprintf(head, sizeof(head), VERDICTS_MAGIC "%020lu %020ld\n",
		    unkeyed, n ? minday : 0L);
		memcpy(out.data, head, strlen(head));
	}
	rc = state_cache_write(statedir, "verdicts", &out, n, err);
	buf_free(&out);
	if (rc == 0) {
		snprintf(old, sizeof(old), "%s/seen", statedir);
		(void)unlink(old);
		s->changed = 0;
	}
	return rc;
}

void
seen_free(struct seen *s)
{
	size_t	i;

	if (s == NULL)
		return;
	if (!s->owned) {
		for (i = 0; i < s->nold; i++)
			free(s->old[i].path);
		for (i = 0; i < s->ndirs; i++)
			free(s->dirs[i].path);
	}
	for (i = 0; i < s->ncur; i++)
		free(s->cur[i].path);
	free(s->dirs);
	free(s->old);
	free(s->cur);
	free(s->data);
	free(s->lazy);
	free(s);
}
