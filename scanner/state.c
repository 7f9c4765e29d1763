/*
 * state - what earlier passes saw; see state.h.
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
 * StateDir/dirs, one record per directory, sorted by path:
 *	d DEV INO MSEC.MNSEC CSEC.CNSEC NFILES NSUBS NEXCL NXFILES PATH
 * then NFILES + NSUBS + NEXCL lines of one name each.
 *
 * Both start with a line naming the format and end with
 *	end COUNT SUM
 * COUNT the entries, SUM a check of every byte before that line (sum()).
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

#define VERDICTS_MAGIC	"edefter-scan verdicts 1 "
#define DIRS_MAGIC	"edefter-scan dirs 1 "	/* and the configuration */

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

/* state_fnv - FNV-1a, 64 bits */
uint64_t
state_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n-- > 0) {
		h ^= *c++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV_INIT	0xcbf29ce484222325ULL

/* sum - a check of a table's bytes, 8 at a time (a torn or damaged
 * file is what it must catch, not an adversary) */
static uint64_t
sum(const void *p, size_t n)
{
	const unsigned char *c = p;
	uint64_t h = FNV_INIT ^ n, w;

	for (; n >= 8; n -= 8, c += 8) {
		memcpy(&w, c, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return state_fnv(h, c, n);
}

/* pct_encode - bytes below '!', '%', DEL and above as %XX */
void
pct_encode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *run;

	for (run = s; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c > ' ' && c != '%' && c < 0x7f)
			continue;
		buf_add(b, run, (size_t)(s - run));
		buf_addc(b, '%');
		buf_addc(b, hex[c >> 4]);
		buf_addc(b, hex[c & 15]);
		run = s + 1;
	}
	buf_add(b, run, (size_t)(s - run));
}

/* esc - a name for the caches: only '%', control characters and DEL
 * as %XX (the tables are read by the scanner alone; UTF-8 stays) */
static void
esc(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *run;

	for (run = s; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= ' ' && c != '%' && c != 0x7f)
			continue;
		buf_add(b, run, (size_t)(s - run));
		buf_addc(b, '%');
		buf_addc(b, hex[c >> 4]);
		buf_addc(b, hex[c & 15]);
		run = s + 1;
	}
	buf_add(b, run, (size_t)(s - run));
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* pct_decode - the inverse; -1 on a malformed escape or a NUL */
int
pct_decode(struct buf *b, const char *s)
{
	int	h, l;

	buf_reset(b);
	for (; *s; s++) {
		if (*s != '%') {
			buf_addc(b, *s);
			continue;
		}
		if ((h = hexval(s[1])) < 0 || (l = hexval(s[2])) < 0 ||
		    h * 16 + l == 0)
			return -1;
		buf_addc(b, h * 16 + l);
		s += 2;
	}
	return b->data ? 0 : buf_adds(b, "");
}

/* pct_decode_here - pct_decode in place */
static int
pct_decode_here(char *s)
{
	char	*d;
	int	h, l;

	if ((s = strchr(s, '%')) == NULL)
		return 0;
	for (d = s; *s; s++) {
		if (*s != '%') {
			*d++ = *s;
			continue;
		}
		if ((h = hexval(s[1])) < 0 || (l = hexval(s[2])) < 0 ||
		    h * 16 + l == 0)
			return -1;
		*d++ = (char)(h * 16 + l);
		s += 2;
	}
	*d = '\0';
	return 0;
}

/* ---- reading and writing the tables -------------------------------- */

/* slurp - dir/name whole, NUL-terminated: 1 read, 0 absent, -1 error */
static int
slurp(const char *dir, const char *name, char **data, size_t *len,
    struct buf *err)
{
	char	path[4096];
	struct stat st;
	ssize_t	r;
	size_t	got = 0;
	int	fd;

	*data = NULL;
	*len = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		buf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || (*data = malloc((size_t)st.st_size + 1)) ==
	    NULL) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		if ((r = read(fd, *data + got, (size_t)st.st_size - got)) < 0 &&
		    errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	(*data)[got] = '\0';
	*len = got;
	return 1;
}

/* body_ok - the data ends in "end COUNT FNV\n" over what is before it;
 * *count gets COUNT and data is cut at that line */
static int
body_ok(char *data, size_t len, size_t *count)
{
	char	*end;
	unsigned long long n;
	uint64_t h;

	if (len < 2 || data[len - 1] != '\n')
		return 0;
	data[len - 1] = '\0';
	if ((end = strrchr(data, '\n')) == NULL)
		return 0;
	end++;
	if (sscanf(end, "end %llu %" SCNx64, &n, &h) != 2 ||
	    sum(data, (size_t)(end - data)) != h)
		return 0;
	*end = '\0';
	*count = (size_t)n;
	return 1;
}

/* cache_write - dir/name from b and its end line; no fsync: a torn file
 * fails body_ok() and is an empty table */
static int
cache_write(const char *dir, const char *name, struct buf *b, size_t count,
    struct buf *err)
{
	char	tmp[4096], fin[4096];
	uint64_t h = sum(b->data, b->len);
	int	fd, e;

	buf_printf(b, "end %zu %016" PRIx64 "\n", count, h);
	if (b->data == NULL) {
		buf_adds(err, "out of memory");
		return -1;
	}
	snprintf(fin, sizeof(fin), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name);
	if ((fd = mkstemp(tmp)) < 0) {
		buf_printf(err, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if (write(fd, b->data, b->len) != (ssize_t)b->len || close(fd) < 0) {
		e = errno ? errno : EIO;
		buf_printf(err, "%s: %s", tmp, strerror(e));
		unlink(tmp);
		errno = e;
		return -1;
	}
	if (rename(tmp, fin) < 0) {
		e = errno;
		buf_printf(err, "%s: %s", fin, strerror(e));
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}

/* num - an unsigned decimal number and the space after it */
static int
num(char **pp, unsigned long long *v)
{
	char	*p = *pp;
	unsigned long long n = 0;

	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9')
		n = n * 10 + (unsigned long long)(*p++ - '0');
	if (*p != ' ')
		return -1;
	*pp = p + 1;
	*v = n;
	return 0;
}

/* ts - "SEC.NSEC " */
static int
ts(char **pp, struct timespec *t)
{
	char	*p = *pp;
	unsigned long long s = 0, ns = 0;

	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9')
		s = s * 10 + (unsigned long long)(*p++ - '0');
	if (*p++ != '.')
		return -1;
	while (*p >= '0' && *p <= '9')
		ns = ns * 10 + (unsigned long long)(*p++ - '0');
	if (*p != ' ' || ns > 999999999)
		return -1;
	t->tv_sec = (time_t)s;
	t->tv_nsec = (long)ns;
	*pp = p + 1;
	return 0;
}

static int
ts_eq(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* fs_keeps_times - a local file system, whose ctimes can be trusted
 * (EDEFTER_SCAN_CACHE=off: none) */
int
fs_keeps_times(int fd)
{
	const char *off = getenv("EDEFTER_SCAN_CACHE");
	struct statfs sf;

	if (off && strcmp(off, "off") == 0)
		return 0;
	if (fstatfs(fd, &sf) < 0)
		return 0;
	switch ((unsigned long)sf.f_type) {
	case 0xEF53:		/* ext2, ext3, ext4 */
	case 0x58465342:	/* xfs */
	case 0x9123683E:	/* btrfs */
	case 0x01021994:	/* tmpfs */
	case 0xF2F52010:	/* f2fs */
	case 0x2FC12FC1:	/* zfs */
		return 1;
	default:
		return 0;
	}
}

/* dkey_of - the key of a stat */
void
dkey_of(struct dkey *k, const struct stat *st)
{
	k->dev = st->st_dev;
	k->ino = st->st_ino;
	k->mtime = st->st_mtim;
	k->ctime = st->st_ctim;
}

/* dkey_settled - mtime and ctime both STATE_SETTLED seconds old */
int
dkey_settled(const struct dkey *k, time_t now)
{
	return now - k->ctime.tv_sec > STATE_SETTLED &&
	    now - k->mtime.tv_sec > STATE_SETTLED;
}

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

	if ((rc = slurp(statedir, "verdicts", &data, &len, err)) <= 0)
		return rc;
	s->data = data;
	s->owned = 1;
	if (strncmp(data, VERDICTS_MAGIC, sizeof(VERDICTS_MAGIC) - 1) != 0 ||
	    (p = strchr(data, '\n')) == NULL || !body_ok(data, len, &count) ||
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
			if (pct_decode_here(p + 2) < 0)
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
		if (num(&p, &day) < 0 || num(&p, &dev) < 0 || num(&p, &ino) < 0 ||
		    num(&p, &size) < 0 || ts(&p, &e->mtime) < 0 ||
		    ts(&p, &e->ctime) < 0 || num(&p, &first) < 0 ||
		    (p[0] != '-' && p[0] != '0' && p[0] != '1') || p[1] != ' ' ||
		    pct_decode_here(p + 2) < 0)
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
		int same = old->size == n.size && ts_eq(&old->mtime, &n.mtime);
		int key_same = old->keyed && keyed && old->dev == n.dev &&
		    old->ino == n.ino && ts_eq(&old->ctime, &n.ctime);

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
		esc(b, d ? d : "");
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
	esc(b, name);
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
	rc = cache_write(statedir, "verdicts", &out, n, err);
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

/* ---- dcache: directory listings ----------------------------------- */

struct drec {
	char		*path;
	struct dkey	 key;
	struct dlist	 l;
	int		 used;		/* old: its listing served this pass */
};

struct dcache {
	uint64_t	 config;
	struct drec	*old;		/* sorted by path, pointing into data */
	size_t		 nold;
	uint32_t	*hash;		/* index + 1 of old by path, open */
	size_t		 nhash;		/* addressing; a power of two */
	char		*data;
	char		**names;	/* the old lists' names */
	struct drec	*cur;		/* put this pass, owning their names */
	size_t		 ncur;
	size_t		 capcur;
};

static int
cmp_drec(const void *a, const void *b)
{
	return strcmp(((const struct drec *)a)->path,
	    ((const struct drec *)b)->path);
}

static int
dkey_eq(const struct dkey *a, const struct dkey *b)
{
	return a->dev == b->dev && a->ino == b->ino &&
	    ts_eq(&a->mtime, &b->mtime) && ts_eq(&a->ctime, &b->ctime);
}

static size_t
path_hash(const char *p)
{
	return (size_t)sum(p, strlen(p));
}

/* dcache_index - the hash table over old */
static void
dcache_index(struct dcache *d)
{
	size_t	i, h, n = 64;

	while (n < d->nold * 2)
		n *= 2;
	if (d->nold >= UINT32_MAX || (d->hash = calloc(n, sizeof(*d->hash))) ==
	    NULL)
		return;
	d->nhash = n;
	for (i = 0; i < d->nold; i++) {
		for (h = path_hash(d->old[i].path) & (n - 1); d->hash[h];
		    h = (h + 1) & (n - 1))
			;
		d->hash[h] = (uint32_t)i + 1;
	}
}

/* dcache_load - StateDir/dirs made with the same configuration; absent,
 * damaged or made otherwise: empty */
int
dcache_load(const char *statedir, uint64_t config, struct dcache **dp,
    struct buf *err)
{
	struct dcache *d = calloc(1, sizeof(*d));
	char	*data, *p, *nl, magic[64];
	size_t	len, count, i, k, total = 0, nn = 0;
	int	rc;

	if (d == NULL)
		return -1;
	*dp = d;
	d->config = config;
	if ((rc = slurp(statedir, "dirs", &data, &len, err)) <= 0)
		return rc;
	d->data = data;
	snprintf(magic, sizeof(magic), DIRS_MAGIC "%016" PRIx64 "\n", config);
	if (strncmp(data, magic, strlen(magic)) != 0 ||
	    !body_ok(data, len, &count))
		return 0;
	for (p = data; *p; p++)		/* a bound on the names */
		total += *p == '\n';
	if ((d->old = malloc((count + 1) * sizeof(*d->old))) == NULL ||
	    (d->names = malloc((total + 1) * sizeof(*d->names))) == NULL)
		return 0;
	p = data + strlen(magic);
	for (i = 0; i < count && *p; i++) {
		struct drec *r = &d->old[d->nold];
		unsigned long long dev, ino, nf, ns, nx, nxf;

		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		if (p[0] != 'd' || p[1] != ' ')
			break;
		p += 2;
		if (num(&p, &dev) < 0 || num(&p, &ino) < 0 ||
		    ts(&p, &r->key.mtime) < 0 || ts(&p, &r->key.ctime) < 0 ||
		    num(&p, &nf) < 0 || num(&p, &ns) < 0 || num(&p, &nx) < 0 ||
		    num(&p, &nxf) < 0 || pct_decode_here(p) < 0 ||
		    nf + ns + nx > total - nn)
			break;
		r->path = p;
		r->used = 0;
		r->key.dev = (dev_t)dev;
		r->key.ino = (ino_t)ino;
		r->l.files = d->names + nn;
		r->l.nfiles = (size_t)nf;
		r->l.subs = r->l.files + nf;
		r->l.nsubs = (size_t)ns;
		r->l.excl = r->l.subs + ns;
		r->l.nexcl = (size_t)nx;
		r->l.nxfiles = (size_t)nxf;
		p = nl + 1;
		for (k = 0; k < nf + ns + nx; k++, p = nl + 1) {
			if ((nl = strchr(p, '\n')) == NULL)
				break;
			*nl = '\0';
			if (pct_decode_here(p) < 0 || *p == '\0')
				break;
			d->names[nn + k] = p;
		}
		if (k < nf + ns + nx)
			break;
		nn += k;
		d->nold++;
	}
	if (d->nold != count)
		d->nold = 0;		/* damaged after all: nothing */
	else
		dcache_index(d);
	return 0;
}

/* dcache_find - the kept listing of path, if its key is the same */
const struct dlist *
dcache_find(struct dcache *d, const char *path, const struct dkey *key)
{
	struct drec k, *r = NULL;
	size_t	h;

	if (d == NULL || d->nold == 0)
		return NULL;
	if (d->nhash) {
		for (h = path_hash(path) & (d->nhash - 1); d->hash[h];
		    h = (h + 1) & (d->nhash - 1))
			if (strcmp(d->old[d->hash[h] - 1].path, path) == 0) {
				r = &d->old[d->hash[h] - 1];
				break;
			}
	} else {
		k.path = (char *)path;
		r = bsearch(&k, d->old, d->nold, sizeof(*d->old), cmp_drec);
	}
	if (r == NULL || !dkey_eq(&r->key, key))
		return NULL;
	return &r->l;
}

/* dcache_files - how many files the kept listings name */
size_t
dcache_files(const struct dcache *d)
{
	size_t	i, n = 0;

	for (i = 0; d && i < d->nold; i++)
		n += d->old[i].l.nfiles;
	return n;
}

/* dcache_keep - the listing dcache_find gave served: keep it */
void
dcache_keep(struct dcache *d, const struct dlist *l)
{
	struct drec *r = (struct drec *)(void *)((char *)(uintptr_t)l -
	    offsetof(struct drec, l));

	(void)d;
	r->used = 1;
}

static char **
copy_names(char **v, size_t n)
{
	char	**c = calloc(n + 1, sizeof(*c));
	size_t	i;

	if (c == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if ((c[i] = strdup(v[i])) == NULL)
			return NULL;
	return c;
}

/* dcache_put - a listing read this pass, for the next one */
int
dcache_put(struct dcache *d, const char *path, const struct dkey *key,
    const struct dlist *l)
{
	struct drec *r;

	if (d->ncur == d->capcur) {
		struct drec *v;
		d->capcur = d->capcur ? d->capcur * 2 : 256;
		if ((v = realloc(d->cur, d->capcur * sizeof(*v))) == NULL)
			return -1;
		d->cur = v;
	}
	r = &d->cur[d->ncur];
	memset(r, 0, sizeof(*r));
	r->key = *key;
	r->l.nfiles = l->nfiles;
	r->l.nsubs = l->nsubs;
	r->l.nexcl = l->nexcl;
	r->l.nxfiles = l->nxfiles;
	d->ncur++;
	if ((r->path = strdup(path)) == NULL ||
	    (r->l.files = copy_names(l->files, l->nfiles)) == NULL ||
	    (r->l.subs = copy_names(l->subs, l->nsubs)) == NULL ||
	    (r->l.excl = copy_names(l->excl, l->nexcl)) == NULL)
		return -1;
	return 0;
}

/* dcache_changed - would dcache_save write anything */
int
dcache_changed(const struct dcache *d)
{
	size_t	i;

	if (d->ncur)
		return 1;
	for (i = 0; i < d->nold; i++)
		if (!d->old[i].used)
			return 1;
	return 0;
}

static void
put_names(struct buf *b, char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		esc(b, v[i]);
		buf_addc(b, '\n');
	}
}

static void
put_drec(struct buf *b, const struct drec *r)
{
	buf_printf(b, "d %llu %llu %lld.%09ld %lld.%09ld %zu %zu %zu %zu ",
	    (unsigned long long)r->key.dev, (unsigned long long)r->key.ino,
	    (long long)r->key.mtime.tv_sec, r->key.mtime.tv_nsec,
	    (long long)r->key.ctime.tv_sec, r->key.ctime.tv_nsec, r->l.nfiles,
	    r->l.nsubs, r->l.nexcl, r->l.nxfiles);
	esc(b, r->path);
	buf_addc(b, '\n');
	put_names(b, r->l.files, r->l.nfiles);
	put_names(b, r->l.subs, r->l.nsubs);
	put_names(b, r->l.excl, r->l.nexcl);
}

/* dcache_save - the listings used or read this pass, when they changed */
int
dcache_save(struct dcache *d, const char *statedir, struct buf *err)
{
	struct buf out = BUF_INIT;
	size_t	i, j, n = 0;
	int	rc, c;

	if (!dcache_changed(d))
		return 0;
	if (d->ncur)
		qsort(d->cur, d->ncur, sizeof(*d->cur), cmp_drec);
	buf_printf(&out, DIRS_MAGIC "%016" PRIx64 "\n", d->config);
	for (i = 0, j = 0; i < d->ncur || j < d->nold; ) {
		if (j < d->nold && !d->old[j].used) {
			j++;
			continue;
		}
		c = i == d->ncur ? 1 : j == d->nold ? -1 :
		    strcmp(d->cur[i].path, d->old[j].path);
		if (c <= 0) {
			put_drec(&out, &d->cur[i++]);
			if (c == 0)
				j++;
		} else
			put_drec(&out, &d->old[j++]);
		n++;
	}
	rc = cache_write(statedir, "dirs", &out, n, err);
	buf_free(&out);
	return rc;
}

static void
free_names(char **v, size_t n)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
dcache_free(struct dcache *d)
{
	size_t	i;

	if (d == NULL)
		return;
	for (i = 0; i < d->ncur; i++) {
		free(d->cur[i].path);
		free_names(d->cur[i].l.files, d->cur[i].l.nfiles);
		free_names(d->cur[i].l.subs, d->cur[i].l.nsubs);
		free_names(d->cur[i].l.excl, d->cur[i].l.nexcl);
	}
	free(d->cur);
	free(d->old);
	free(d->hash);
	free(d->names);
	free(d->data);
	free(d);
}

/* ---- small files ------------------------------------------------------ */

/* state_write_file - write dir/name atomically and durably */
int
state_write_file(const char *dir, const char *name, const char *data,
    size_t len, struct buf *err)
{
	char	tmp[4096], fin[4096];
	int	fd, dfd, e;

	snprintf(fin, sizeof(fin), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name);
	if ((fd = mkstemp(tmp)) < 0) {
		buf_printf(err, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) < 0) {
		e = errno ? errno : EIO;
		buf_printf(err, "%s: %s", tmp, strerror(e));
		close(fd);
		unlink(tmp);
		errno = e;
		return -1;
	}
	close(fd);
	if (rename(tmp, fin) < 0) {
		e = errno;
		buf_printf(err, "%s: %s", fin, strerror(e));
		unlink(tmp);
		errno = e;
		return -1;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
}

/* state_mkdirs - StateDir and its intent directory */
int
state_mkdirs(const char *statedir, struct buf *err)
{
	char	p[4096];

	if (mkdir(statedir, 0750) < 0 && errno != EEXIST) {
		buf_printf(err, "StateDir %s: %s", statedir, strerror(errno));
		return -1;
	}
	snprintf(p, sizeof(p), "%s/intent", statedir);
	if (mkdir(p, 0750) < 0 && errno != EEXIST) {
		buf_printf(err, "%s: %s", p, strerror(errno));
		return -1;
	}
	snprintf(p, sizeof(p), "%s/failed", statedir);
	if (mkdir(p, 0750) < 0 && errno != EEXIST) {
		buf_printf(err, "%s: %s", p, strerror(errno));
		return -1;
	}
	return 0;
}
