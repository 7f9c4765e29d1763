/*
 * statefile - the small files of StateDir: written atomically, the
 * caches' form (state_int.h) and the keys of what a pass looks at; see
 * state.h.
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

/* state_sum - a check of a table's bytes, 8 at a time (a torn or damaged
 * file is what it must catch, not an adversary) */
uint64_t
state_sum(const void *p, size_t n)
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

/* state_esc - a name for the caches: only '%', control characters and DEL
 * as %XX (the tables are read by the scanner alone; UTF-8 stays) */
void
state_esc(struct buf *b, const char *s)
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

/* state_pct_decode_here - pct_decode in place */
int
state_pct_decode_here(char *s)
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

/* state_slurp - dir/name whole, NUL-terminated: 1 read, 0 absent, -1 error */
int
state_slurp(const char *dir, const char *name, char **data, size_t *len,
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

/* state_body_ok - the data ends in "end COUNT FNV\n" over what is before it;
 * *count gets COUNT and data is cut at that line */
int
state_body_ok(char *data, size_t len, size_t *count)
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
	    state_sum(data, (size_t)(end - data)) != h)
		return 0;
	*end = '\0';
	*count = (size_t)n;
	return 1;
}

/* state_cache_write - dir/name from b and its end line; no fsync: a torn
 * file fails state_body_ok() and is an empty table */
int
state_cache_write(const char *dir, const char *name, struct buf *b,
    size_t count, struct buf *err)
{
	char	tmp[4096], fin[4096];
	uint64_t h = state_sum(b->data, b->len);
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

/* state_num - an unsigned decimal number and the space after it */
int
state_num(char **pp, unsigned long long *v)
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

/* state_ts - "SEC.NSEC " */
int
state_ts(char **pp, struct timespec *t)
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

/* state_ts_eq - the same time, to the nanosecond */
int
state_ts_eq(const struct timespec *a, const struct timespec *b)
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
