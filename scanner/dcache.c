/*
 * dcache - the directory listings of earlier passes; see state.h.
 *
 * StateDir/dirs, after "edefter-scan dirs 1 CONFIG" (a hash of the
 * settings that choose what a listing holds: another configuration is
 * an empty cache), one record per directory, sorted by path:
 *	d DEV INO MSEC.MNSEC CSEC.CNSEC NFILES NSUBS NEXCL NXFILES PATH
 * then NFILES + NSUBS + NEXCL lines of one name each, and
 *	end COUNT SUM
 * as in StateDir/verdicts (state.c).
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "state_int.h"

#define DIRS_MAGIC	"edefter-scan dirs 1 "

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
	    state_ts_eq(&a->mtime, &b->mtime) && state_ts_eq(&a->ctime, &b->ctime);
}

static size_t
path_hash(const char *p)
{
	return (size_t)state_sum(p, strlen(p));
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
	if ((rc = state_slurp(statedir, "dirs", &data, &len, err)) <= 0)
		return rc;
	d->data = data;
	snprintf(magic, sizeof(magic), DIRS_MAGIC "%016" PRIx64 "\n", config);
	if (strncmp(data, magic, strlen(magic)) != 0 ||
	    !state_body_ok(data, len, &count))
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
		if (state_num(&p, &dev) < 0 || state_num(&p, &ino) < 0 ||
		    state_ts(&p, &r->key.mtime) < 0 || state_ts(&p, &r->key.ctime) < 0 ||
		    state_num(&p, &nf) < 0 || state_num(&p, &ns) < 0 || state_num(&p, &nx) < 0 ||
		    state_num(&p, &nxf) < 0 || state_pct_decode_here(p) < 0 ||
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
			if (state_pct_decode_here(p) < 0 || *p == '\0')
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
		state_esc(b, v[i]);
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
	state_esc(b, r->path);
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
	rc = state_cache_write(statedir, "dirs", &out, n, err);
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

