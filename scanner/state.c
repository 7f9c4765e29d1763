/*
 * state - what the previous pass saw; see state.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"

struct entry {
	char		*path;
	off_t		 size;
	struct timespec	 mtime;
	time_t		 first;
};

struct seen {
	struct entry	*old;		/* sorted by path */
	size_t		 nold;
	struct entry	*cur;		/* this pass, unsorted */
	size_t		 ncur;
	size_t		 capcur;
};

/* pct_encode - bytes below '!', '%', DEL and above as %XX */
void
pct_encode(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= ' ' || c == '%' || c >= 0x7f)
			buf_printf(b, "%%%02X", c);
		else
			buf_addc(b, c);
	}
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

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path,
	    ((const struct entry *)b)->path);
}

/* seen_load - StateDir/seen; a missing file is an empty table */
int
seen_load(const char *statedir, struct seen **sp, struct buf *err)
{
	struct seen *s = calloc(1, sizeof(*s));
	struct buf path = BUF_INIT, dec = BUF_INIT;
	char	*line = NULL, pbuf[4096];
	size_t	cap = 0, capold = 0;
	long long size, first, sec, nsec;
	FILE	*fp;
	int	lineno = 0;

	if (s == NULL)
		return -1;
	*sp = s;
	snprintf(pbuf, sizeof(pbuf), "%s/seen", statedir);
	if ((fp = fopen(pbuf, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		buf_printf(err, "%s: %s", pbuf, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, fp) > 0) {
		char p[4096];
		lineno++;
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
		s->old[s->nold].path = strdup(dec.data);
		s->old[s->nold].size = (off_t)size;
		s->old[s->nold].mtime.tv_sec = (time_t)sec;
		s->old[s->nold].mtime.tv_nsec = (long)nsec;
		s->old[s->nold].first = (time_t)first;
		if (s->old[s->nold].path)
			s->nold++;
	}
	free(line);
	fclose(fp);
	if (s->nold)
		qsort(s->old, s->nold, sizeof(*s->old), cmp_entry);
	buf_free(&path);
	buf_free(&dec);
	return 0;
}

/* seen_note - is the file stable; remember it for the next pass */
int
seen_note(struct seen *s, const char *path, off_t size,
    const struct timespec *mtime, time_t now, long long settle, time_t *since)
{
	struct entry key, *old, *e;
	time_t	first = now;

	key.path = (char *)path;
	old = s->nold ? bsearch(&key, s->old, s->nold, sizeof(*s->old),
	    cmp_entry) : NULL;
	if (old && old->size == size && old->mtime.tv_sec == mtime->tv_sec &&
	    old->mtime.tv_nsec == mtime->tv_nsec)
		first = old->first;
	if (s->ncur == s->capcur) {
		struct entry *v;
		s->capcur = s->capcur ? s->capcur * 2 : 256;
		if ((v = realloc(s->cur, s->capcur * sizeof(*v))) == NULL)
			return -1;
		s->cur = v;
	}
	e = &s->cur[s->ncur];
	if ((e->path = strdup(path)) == NULL)
		return -1;
	e->size = size;
	e->mtime = *mtime;
	e->first = first;
	s->ncur++;
	*since = first;
	if (settle <= 0)
		return 1;
	/* whole seconds: "more than" so that a file is never sent after
	 * less than SettleSeconds of stillness */
	return old != NULL && first < now && now - first > settle;
}

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

/* seen_save - this pass's table, for the next one */
int
seen_save(struct seen *s, const char *statedir, struct buf *err)
{
	struct buf out = BUF_INIT;
	size_t	i;
	int	rc;

	if (s->ncur)
		qsort(s->cur, s->ncur, sizeof(*s->cur), cmp_entry);
	for (i = 0; i < s->ncur; i++) {
		buf_printf(&out, "%lld %lld.%09ld %lld ", (long long)s->cur[i].size,
		    (long long)s->cur[i].mtime.tv_sec, s->cur[i].mtime.tv_nsec,
		    (long long)s->cur[i].first);
		pct_encode(&out, s->cur[i].path);
		buf_addc(&out, '\n');
	}
	if (s->ncur && out.data == NULL) {
		buf_adds(err, "out of memory");
		return -1;
	}
	rc = state_write_file(statedir, "seen", out.data ? out.data : "",
	    out.len, err);
	buf_free(&out);
	return rc;
}

void
seen_free(struct seen *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nold; i++)
		free(s->old[i].path);
	for (i = 0; i < s->ncur; i++)
		free(s->cur[i].path);
	free(s->old);
	free(s->cur);
	free(s);
}
