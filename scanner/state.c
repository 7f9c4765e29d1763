/*
 * state - what earlier passes saw; see state.h.
 *
 * StateDir/verdicts, one line per file, sorted by path:
 *	T DAY DEV INO SIZE MSEC.MNSEC CSEC.CNSEC FIRST ZIP PATH
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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"

#define VERDICTS_MAGIC	"edefter-scan verdicts 1\n"
#define DIRS_MAGIC	"edefter-scan dirs 1 "

struct entry {
	char		*path;
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

struct seen {
	struct entry	*old;		/* sorted by path */
	size_t		 nold;
	char		*data;		/* the file read; old paths point in */
	struct entry	*cur;		/* this pass, unsorted */
	size_t		 ncur;
	size_t		 capcur;
	dev_t		 trusted;	/* the device whose files are keyed */
	int		 have_trusted;
	int		 have_last;	/* cur[ncur - 1] is the last noted */
	time_t		 now;
	int		 changed;
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

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path,
	    ((const struct entry *)b)->path);
}

/* load_old_seen - StateDir/seen of earlier versions: unkeyed entries */
static void
load_old_seen(struct seen *s, const char *statedir)
{
	struct buf dec = BUF_INIT;
	char	*line = NULL, pbuf[4096];
	size_t	cap = 0, capold = 0;
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
	s->data = NULL;
	s->changed = s->nold > 0;	/* written again in the new form */
}

/* seen_load - StateDir/verdicts (or seen); absent or damaged: empty */
int
seen_load(const char *statedir, struct seen **sp, struct buf *err)
{
	struct seen *s = calloc(1, sizeof(*s));
	char	*data, *p, *nl;
	size_t	len, count, i;
	int	rc;

	if (s == NULL)
		return -1;
	*sp = s;
	s->now = time(NULL);
	if ((rc = slurp(statedir, "verdicts", &data, &len, err)) < 0)
		return -1;
	if (rc == 0) {
		load_old_seen(s, statedir);
		if (s->nold)
			qsort(s->old, s->nold, sizeof(*s->old), cmp_entry);
		return 0;
	}
	s->data = data;
	if (strncmp(data, VERDICTS_MAGIC, sizeof(VERDICTS_MAGIC) - 1) != 0 ||
	    !body_ok(data, len, &count) || (s->old = calloc(count + 1,
	    sizeof(*s->old))) == NULL) {
		s->changed = 1;
		return 0;
	}
	p = data + sizeof(VERDICTS_MAGIC) - 1;
	for (i = 0; i < count && *p; i++, p = nl + 1) {
		struct entry *e = &s->old[s->nold];
		unsigned long long day, dev, ino, size, first;

		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		memset(e, 0, sizeof(*e));
		if ((p[0] != 't' && p[0] != 'u') || p[1] != ' ')
			continue;
		e->keyed = p[0] == 't';
		p += 2;
		if (num(&p, &day) < 0 || num(&p, &dev) < 0 || num(&p, &ino) < 0 ||
		    num(&p, &size) < 0 || ts(&p, &e->mtime) < 0 ||
		    ts(&p, &e->ctime) < 0 || num(&p, &first) < 0 ||
		    (p[0] != '-' && p[0] != '0' && p[0] != '1') || p[1] != ' ' ||
		    pct_decode_here(p + 2) < 0)
			continue;
		e->zip = p[0] == '-' ? -1 : p[0] - '0';
		e->day = (long)day;
		e->dev = (dev_t)dev;
		e->ino = (ino_t)ino;
		e->size = (off_t)size;
		e->first = (time_t)first;
		e->path = p + 2;
		s->nold++;
	}
	if (s->nold != count)
		s->changed = 1;
	return 0;
}

/* seen_trust - the files on dev (a local file system) are keyed */
void
seen_trust(struct seen *s, dev_t dev)
{
	s->trusted = dev;
	s->have_trusted = 1;
}

/* note - the body of seen_note and seen_note_stat */
static int
note(struct seen *s, const char *path, const struct stat *st, int keyed,
    time_t now, long long settle, time_t *since)
{
	struct entry key, *old, *e;
	time_t	first = now;

	s->have_last = 0;
	key.path = (char *)path;
	old = s->nold ? bsearch(&key, s->old, s->nold, sizeof(*s->old),
	    cmp_entry) : NULL;
	if (s->ncur == s->capcur) {
		struct entry *v;
		s->capcur = s->capcur ? s->capcur * 2 : 256;
		if ((v = realloc(s->cur, s->capcur * sizeof(*v))) == NULL)
			return -1;
		s->cur = v;
	}
	e = &s->cur[s->ncur];
	memset(e, 0, sizeof(*e));
	if ((e->path = strdup(path)) == NULL)
		return -1;
	e->keyed = keyed;
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->size = st->st_size;
	e->mtime = st->st_mtim;
	e->ctime = st->st_ctim;
	e->day = (long)(now / 86400);
	e->zip = -1;
	if (old) {
		int same = old->size == e->size && ts_eq(&old->mtime, &e->mtime);
		int key_same = old->keyed && keyed && old->dev == e->dev &&
		    old->ino == e->ino && ts_eq(&old->ctime, &e->ctime);

		old->noted = 1;
		/* keyed: unchanged since it was first seen, whenever that
		 * was; else the previous pass saw the same size and mtime */
		if (same && (keyed ? key_same : !old->keyed))
			first = old->first;
		if (same && key_same)
			e->zip = old->zip;
		if (!same || !key_same || old->day != e->day ||
		    first != old->first)
			s->changed = 1;
	} else
		s->changed = 1;
	e->first = first;
	s->ncur++;
	s->have_last = 1;
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
	return s->have_last ? s->cur[s->ncur - 1].zip : -1;
}

/* seen_set_zip - keep the verdict for the file noted last, when its
 * ctime was old enough as it was looked at */
void
seen_set_zip(struct seen *s, int whole)
{
	struct entry *e;

	if (!s->have_last)
		return;
	e = &s->cur[s->ncur - 1];
	if (!e->keyed || s->now - e->ctime.tv_sec <= STATE_SETTLED ||
	    e->zip == whole)
		return;
	e->zip = (signed char)whole;
	s->changed = 1;
}

/* kept - an old entry not looked at this pass that stays */
static int
kept(const struct seen *s, const struct entry *e)
{
	return !e->noted && e->keyed && e->day + STATE_KEEP_DAYS >=
	    (long)(s->now / 86400);
}

/* seen_changed - would seen_save write anything */
int
seen_changed(const struct seen *s)
{
	size_t	i;

	if (s->changed)
		return 1;
	for (i = 0; i < s->nold; i++)
		if (!s->old[i].noted && !kept(s, &s->old[i]))
			return 1;
	return 0;
}

static void
put_entry(struct buf *b, const struct entry *e)
{
	buf_printf(b, "%c %ld %llu %llu %lld %lld.%09ld %lld.%09ld %lld %c ",
	    e->keyed ? 't' : 'u', e->day, (unsigned long long)e->dev,
	    (unsigned long long)e->ino, (long long)e->size,
	    (long long)e->mtime.tv_sec, e->mtime.tv_nsec,
	    (long long)e->ctime.tv_sec, e->ctime.tv_nsec, (long long)e->first,
	    e->zip < 0 ? '-' : '0' + e->zip);
	pct_encode(b, e->path);
	buf_addc(b, '\n');
}

/* seen_save - this pass's table for the next one, when it changed */
int
seen_save(struct seen *s, const char *statedir, struct buf *err)
{
	struct buf out = BUF_INIT;
	size_t	i, j, n = 0;
	char	old[4096];
	int	rc, c;

	if (!seen_changed(s))
		return 0;
	if (s->ncur)
		qsort(s->cur, s->ncur, sizeof(*s->cur), cmp_entry);
	buf_adds(&out, VERDICTS_MAGIC);
	for (i = 0, j = 0; i < s->ncur || j < s->nold; ) {
		if (j < s->nold && !kept(s, &s->old[j])) {
			j++;
			continue;
		}
		if (i < s->ncur && i + 1 < s->ncur &&
		    strcmp(s->cur[i].path, s->cur[i + 1].path) == 0) {
			i++;		/* noted twice: the later one */
			continue;
		}
		c = i == s->ncur ? 1 : j == s->nold ? -1 :
		    strcmp(s->cur[i].path, s->old[j].path);
		if (c <= 0) {
			put_entry(&out, &s->cur[i++]);
			if (c == 0)
				j++;
		} else
			put_entry(&out, &s->old[j++]);
		n++;
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
	if (s->data == NULL)
		for (i = 0; i < s->nold; i++)
			free(s->old[i].path);
	for (i = 0; i < s->ncur; i++)
		free(s->cur[i].path);
	free(s->old);
	free(s->cur);
	free(s->data);
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
	if ((d->old = calloc(count + 1, sizeof(*d->old))) == NULL ||
	    (d->names = calloc(total + 1, sizeof(*d->names))) == NULL)
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
	return 0;
}

/* dcache_find - the kept listing of path, if its key is the same */
const struct dlist *
dcache_find(struct dcache *d, const char *path, const struct dkey *key)
{
	struct drec k, *r;

	if (d == NULL || d->nold == 0)
		return NULL;
	k.path = (char *)path;
	if ((r = bsearch(&k, d->old, d->nold, sizeof(*d->old),
	    cmp_drec)) == NULL || !dkey_eq(&r->key, key))
		return NULL;
	return &r->l;
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
		pct_encode(b, v[i]);
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
	pct_encode(b, r->path);
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
