/*
 * NAME
 *	walk - list the share, names only
 * DESCRIPTION
 *	walk_share() reads every directory beneath ShareRoot to depth 8,
 *	breadth first, sorted by path, with readdir's file types: a stat
 *	is made only for an entry whose type readdir does not give.  It
 *	never follows a symlink (directories are opened with O_NOFOLLOW),
 *	never lists a directory whose name matches ExcludeDirs (it is
 *	counted and named in scan.excluded), leaves out files whose names
 *	match ExcludeFiles or start with `.', and records regular files
 *	with their e-Defter name parse (and, for names that hold a GIB-like
 *	stem but are not GIB names, why not).  Names are matched folded
 *	(trfold.h): `İPTAL', `Iptal' and `iptal' are one word.  Sizes and
 *	times are read later, and only for the periods that still need them.
 *
 *	On a local file system (fs_keeps_times()) the walk keeps what it
 *	took from each directory in StateDir (state.h, dcache) and, in the
 *	next pass, uses that instead of reading a directory whose device,
 *	inode, mtime and ctime are unchanged: one fstatat() from its parent
 *	instead of open, getdents and close.  Only directories whose times
 *	were STATE_SETTLED seconds old when they were read are kept, and
 *	only those on the root's device.  Elsewhere (SMB, FUSE: coarse or
 *	made-up times, cached attributes, another clock) every directory is
 *	read every pass.  walk_save() writes what is to be kept.
 * DIAGNOSTICS
 *	-1 with errno when a directory cannot be read because the share is
 *	not answering (share_io_error()); the caller concludes nothing.
 *	Other errors (a directory that may not be read) are logged and the
 *	walk goes on.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fnmatch.h>

#include "log.h"
#include "scan.h"
#include "state.h"
#include "trfold.h"

/* the folded ExcludeDirs and ExcludeFiles patterns of one walk */
struct excl {
	char	**dirs;
	size_t	 ndirs;
	char	**files;
	size_t	 nfiles;
	struct buf name;		/* scratch: a folded name */
};

/* what the walk knows of a directory before it reads it */
struct dstat {
	struct dkey	 key;
	int		 have;
};

struct walk {
	struct excl	 x;
	struct dstat	*st;		/* by index into scan.dirs */
	size_t		 capst;
	struct dcache	*dc;		/* NULL: nothing is kept */
	dev_t		 rootdev;
	size_t		 cached;	/* directories taken from dc */
	size_t		 capfiles;	/* room in scan.files */
};

static int
fold_patterns(const struct conf_list *l, char ***out, size_t *n)
{
	struct buf b = BUF_INIT;
	size_t	i;

	*n = 0;
	if ((*out = calloc(l->n + 1, sizeof(**out))) == NULL)
		return -1;
	for (i = 0; i < l->n; i++) {
		buf_reset(&b);
		if (tr_fold(&b, l->v[i], strlen(l->v[i])) < 0 ||
		    ((*out)[i] = strdup(b.data)) == NULL) {
			buf_free(&b);
			return -1;
		}
		(*n)++;
	}
	buf_free(&b);
	return 0;
}

static void
excl_free(struct excl *x)
{
	size_t	i;

	for (i = 0; i < x->ndirs; i++)
		free(x->dirs[i]);
	for (i = 0; i < x->nfiles; i++)
		free(x->files[i]);
	free(x->dirs);
	free(x->files);
	buf_free(&x->name);
}

/* excluded - does a name match one of the folded patterns */
static int
excluded(struct excl *x, char **pat, size_t npat, const char *name)
{
	size_t	i;

	buf_reset(&x->name);
	if (tr_fold(&x->name, name, strlen(name)) < 0)
		return 0;
	for (i = 0; i < npat; i++)
		if (fnmatch(pat[i], x->name.data, 0) == 0)
			return 1;
	return 0;
}

static int
add_excluded(struct scan *s, const char *parent, const char *name)
{
	char	**v;
	struct buf b = BUF_INIT;

	if (*parent)
		buf_printf(&b, "%s/", parent);
	buf_adds(&b, name);
	if (b.data == NULL || (v = realloc(s->excluded, (s->nexcluded + 1) *
	    sizeof(*v))) == NULL) {
		buf_free(&b);
		return -1;
	}
	s->excluded = v;
	v[s->nexcluded++] = buf_steal(&b);
	return 0;
}

static int
add_dir(struct scan *s, const char *path)
{
	struct sdir *v;

	if ((s->ndirs & (s->ndirs - 1)) == 0) {
		v = realloc(s->dirs, (s->ndirs ? s->ndirs * 2 : 64) * sizeof(*v));
		if (v == NULL)
			return -1;
		s->dirs = v;
	}
	memset(&s->dirs[s->ndirs], 0, sizeof(struct sdir));
	if ((s->dirs[s->ndirs].path = strdup(path)) == NULL)
		return -1;
	s->ndirs++;
	return 0;
}

/* add_subdir - add_dir with what the walk knows of it (st or NULL) */
static int
add_subdir(struct scan *s, struct walk *w, const char *path,
    const struct stat *st)
{
	if (s->ndirs >= w->capst) {
		struct dstat *v;
		size_t	cap = w->capst ? w->capst * 2 : 64;

		if ((v = realloc(w->st, cap * sizeof(*v))) == NULL)
			return -1;
		w->st = v;
		w->capst = cap;
	}
	memset(&w->st[s->ndirs], 0, sizeof(*w->st));
	if (st) {
		dkey_of(&w->st[s->ndirs].key, st);
		w->st[s->ndirs].have = 1;
	}
	return add_dir(s, path);
}

/* add_file - one more file of directory dir; room made in w.  A name
 * from a kept listing is used where it is (the listing lives as long as
 * the scan), others are copied */
static int
add_file(struct scan *s, struct walk *w, size_t dir, const char *name,
    int borrow)
{
	struct sfile *v, *f;

	if (s->nfiles >= w->capfiles) {
		size_t	cap = w->capfiles ? w->capfiles * 2 : 256;

		if ((v = realloc(s->files, cap * sizeof(*v))) == NULL)
			return -1;
		s->files = v;
		w->capfiles = cap;
	}
	f = &s->files[s->nfiles];
	memset(f, 0, sizeof(*f));
	if (borrow) {
		f->name = (char *)(uintptr_t)name;
		f->borrowed = 1;
	} else if ((f->name = strdup(name)) == NULL)
		return -1;
	f->dir = dir;
	f->edf = edf_parse_name(name, strlen(name), &f->en);
	if (f->edf == EDF_NOTEDEFTER) {
		size_t off, len;
		f->near = edf_near_miss(name, strlen(name), &off, &len);
	}
	s->nfiles++;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* sub_path - "parent/name" (or "name" beneath the root) in b */
static const char *
sub_path(struct buf *b, const char *parent, const char *name)
{
	buf_reset(b);
	if (*parent)
		buf_printf(b, "%s/", parent);
	buf_adds(b, name);
	return b->data;
}

/*
 * from_cache - take directory di from its kept listing l: the files,
 * the excluded, and the subdirectories, each stat'ed through di (so
 * that the next level knows their keys).  1 when the listing does not
 * fit what is there (read the directory), -1 when the share failed.
 */
static int
from_cache(struct scan *s, struct walk *w, size_t di, const struct dlist *l,
    struct buf *err)
{
	struct stat *sub = NULL;
	struct buf path = BUF_INIT;
	size_t	i;
	int	fd = -1, rc = 0;

	if (l->nsubs) {
		if ((sub = calloc(l->nsubs, sizeof(*sub))) == NULL)
			return -1;
		if ((fd = share_open_dir(s->rootfd, s->dirs[di].path, err)) < 0) {
			rc = share_io_error(errno) ? -1 : 1;
			if (rc == 1)
				buf_reset(err);
			goto out;
		}
		for (i = 0; i < l->nsubs && rc == 0; i++) {
			if (fstatat(fd, l->subs[i], &sub[i],
			    AT_SYMLINK_NOFOLLOW) < 0) {
				if (share_io_error(errno)) {
					buf_printf(err, "%s: %s", sub_path(&path,
					    s->dirs[di].path, l->subs[i]),
					    strerror(errno));
					rc = -1;
				} else
					rc = 1;
			} else if (!S_ISDIR(sub[i].st_mode))
				rc = 1;
		}
		if (rc != 0)
			goto out;
	}
	s->dirs[di].first = s->nfiles;
	for (i = 0; i < l->nfiles && rc == 0; i++)
		if (add_file(s, w, di, l->files[i], 1) < 0)
			rc = -1;
	s->dirs[di].n = s->nfiles - s->dirs[di].first;
	for (i = 0; i < l->nexcl && rc == 0; i++)
		if (add_excluded(s, s->dirs[di].path, l->excl[i]) < 0)
			rc = -1;
	s->nxfiles += l->nxfiles;
	for (i = 0; i < l->nsubs && rc == 0; i++)
		if (sub_path(&path, s->dirs[di].path, l->subs[i]) == NULL ||
		    add_subdir(s, w, path.data, &sub[i]) < 0)
			rc = -1;
	if (rc < 0 && err->len == 0)
		errno = ENOMEM;
	w->cached++;
out:
	if (fd >= 0)
		close(fd);
	free(sub);
	buf_free(&path);
	return rc;
}

/* add_name - one more name in a growing list */
static int
add_name(char ***v, size_t *n, const char *name)
{
	char	**nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (nv == NULL)
		return -1;
	*v = nv;
	if ((nv[*n] = strdup(name)) == NULL)
		return -1;
	(*n)++;
	return 0;
}

static void
free_list(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* read_dir - one directory's entries: subdirectories queued, files kept */
static int
read_dir(struct scan *s, struct walk *w, size_t di, int depth,
    struct buf *err)
{
	struct excl *x = &w->x;
	struct dlist l;
	struct dkey key;
	struct stat *sub = NULL;
	const struct dlist *kept;
	struct dirent *de;
	struct stat sb;
	struct buf path = BUF_INIT;
	size_t	i, nx = 0;
	DIR	*d;
	int	fd, type, rc = 0, e, keep = 0;

	memset(&l, 0, sizeof(l));
	if (w->dc && w->st[di].have && w->st[di].key.dev == w->rootdev &&
	    (kept = dcache_find(w->dc, s->dirs[di].path, &w->st[di].key)) !=
	    NULL && (rc = from_cache(s, w, di, kept, err)) <= 0) {
		if (rc == 0)
			dcache_keep(w->dc, kept);
		return rc;
	}
	rc = 0;
	if ((fd = share_open_dir(s->rootfd, s->dirs[di].path, err)) < 0) {
		e = errno;
		if (share_io_error(e) || di == 0)
			return -1;
		log_warn("skipping %s", BUF_STR(err));
		buf_reset(err);
		return 0;
	}
	/* the key before the entries: a change while they are read moves
	 * the times past it, and the next pass reads the directory again */
	if (w->dc && fstat(fd, &sb) == 0 && sb.st_dev == w->rootdev) {
		dkey_of(&key, &sb);
		keep = dkey_settled(&key, s->now);
	}
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno) {
				e = errno;
				buf_printf(err, "%s: reading the directory: %s",
				    *s->dirs[di].path ? s->dirs[di].path : ".",
				    strerror(e));
				rc = -1;
				errno = e;
			}
			break;
		}
		watchdog_tick();
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		type = de->d_type;
		if (type == DT_UNKNOWN) {
			if (fstatat(dirfd(d), de->d_name, &sb,
			    AT_SYMLINK_NOFOLLOW) < 0) {
				if (share_io_error(errno)) {
					e = errno;
					buf_printf(err, "%s/%s: %s",
					    s->dirs[di].path, de->d_name,
					    strerror(e));
					rc = -1;
					errno = e;
					break;
				}
				continue;
			}
			type = S_ISDIR(sb.st_mode) ? DT_DIR : S_ISREG(sb.st_mode) ?
			    DT_REG : DT_LNK;
		}
		if (type == DT_DIR && excluded(x, x->dirs, x->ndirs,
		    de->d_name)) {
			if (add_excluded(s, s->dirs[di].path, de->d_name) < 0 ||
			    (keep && add_name(&l.excl, &l.nexcl, de->d_name) <
			    0)) {
				rc = -1;
				errno = ENOMEM;
				break;
			}
			continue;
		}
		if (type == DT_REG && (de->d_name[0] == '.' ||
		    excluded(x, x->files, x->nfiles, de->d_name))) {
			s->nxfiles++;
			nx++;
			continue;
		}
		if ((type == DT_DIR && depth < SCAN_MAX_DEPTH &&
		    add_name(&l.subs, &l.nsubs, de->d_name) < 0) ||
		    (type == DT_REG && add_name(&l.files, &l.nfiles,
		    de->d_name) < 0)) {
			rc = -1;
			errno = ENOMEM;
			break;
		}
		/* symlinks, devices, sockets: never followed, never sent */
	}
	if (rc == 0 && l.nfiles)
		qsort(l.files, l.nfiles, sizeof(*l.files), cmp_str);
	if (rc == 0 && l.nsubs)
		qsort(l.subs, l.nsubs, sizeof(*l.subs), cmp_str);
	/* the subdirectories' keys, for the next level */
	if (rc == 0 && w->dc && l.nsubs) {
		if ((sub = calloc(l.nsubs, sizeof(*sub))) == NULL) {
			rc = -1;
			errno = ENOMEM;
		}
		for (i = 0; rc == 0 && i < l.nsubs; i++)
			if (fstatat(dirfd(d), l.subs[i], &sub[i],
			    AT_SYMLINK_NOFOLLOW) < 0) {
				if (share_io_error(errno)) {
					e = errno;
					buf_printf(err, "%s: %s", sub_path(&path,
					    s->dirs[di].path, l.subs[i]),
					    strerror(e));
					rc = -1;
					errno = e;
				}
				sub[i].st_dev = (dev_t)-1;	/* no key */
				keep = 0;
			} else if (!S_ISDIR(sub[i].st_mode)) {
				sub[i].st_dev = (dev_t)-1;
				keep = 0;
			}
	}
	e = errno;
	closedir(d);
	if (rc == 0) {
		s->dirs[di].first = s->nfiles;
		for (i = 0; i < l.nfiles && rc == 0; i++)
			if (add_file(s, w, di, l.files[i], 0) < 0)
				rc = -1;
		s->dirs[di].n = s->nfiles - s->dirs[di].first;
		for (i = 0; i < l.nsubs && rc == 0; i++)
			if (sub_path(&path, s->dirs[di].path, l.subs[i]) ==
			    NULL || add_subdir(s, w, path.data, sub &&
			    sub[i].st_dev != (dev_t)-1 ? &sub[i] : NULL) < 0)
				rc = -1;
		l.nxfiles = nx;
		if (rc == 0 && keep && dcache_put(w->dc, s->dirs[di].path, &key,
		    &l) < 0)
			rc = -1;
		e = errno;
	}
	free_list(l.files, l.nfiles);
	free_list(l.subs, l.nsubs);
	free_list(l.excl, l.nexcl);
	free(sub);
	buf_free(&path);
	errno = e;
	return rc;
}

/* depth_of - the number of components of a relative path */
static int
depth_of(const char *p)
{
	int	n = *p ? 1 : 0;

	for (; *p; p++)
		if (*p == '/')
			n++;
	return n;
}

/* walk_config - what the kept listings depend on besides the share */
static uint64_t
walk_config(const struct excl *x)
{
	uint64_t h = state_fnv(0xcbf29ce484222325ULL, "walk 1", 7);
	size_t	i;
	int	depth = SCAN_MAX_DEPTH;

	h = state_fnv(h, &depth, sizeof(depth));
	for (i = 0; i < x->ndirs; i++)
		h = state_fnv(h, x->dirs[i], strlen(x->dirs[i]) + 1);
	h = state_fnv(h, "/", 1);
	for (i = 0; i < x->nfiles; i++)
		h = state_fnv(h, x->files[i], strlen(x->files[i]) + 1);
	return h;
}

/* walk_share - breadth first from the root; with progress, a line on
 * standard error (a terminal) every 200 directories */
int
walk_share(struct scan *s, int progress, struct buf *err)
{
	struct walk w;
	struct stat sb;
	size_t	i;
	int	rc = 0;

	memset(&w, 0, sizeof(w));
	if (fold_patterns(&s->cf->exclude_dirs, &w.x.dirs, &w.x.ndirs) < 0 ||
	    fold_patterns(&s->cf->exclude_files, &w.x.files, &w.x.nfiles) < 0) {
		excl_free(&w.x);
		return -1;
	}
	if (fs_keeps_times(s->rootfd) && fstat(s->rootfd, &sb) == 0) {
		w.rootdev = sb.st_dev;
		if (dcache_load(s->cf->state_dir, walk_config(&w.x), &w.dc,
		    err) < 0) {
			log_warn("%s (directories are read again)", BUF_STR(err));
			buf_reset(err);
		}
	}
	/* room for the files the kept listings name, at once */
	if (w.dc && dcache_files(w.dc) > 256) {
		w.capfiles = dcache_files(w.dc) + 1024;
		if ((s->files = malloc(w.capfiles * sizeof(*s->files))) == NULL)
			w.capfiles = 0;
	}
	if (add_subdir(s, &w, "", w.dc ? &sb : NULL) < 0) {
		rc = -1;
		goto out;
	}
	for (i = 0; i < s->ndirs; i++) {
		if (read_dir(s, &w, i, depth_of(s->dirs[i].path) + 1, err) < 0) {
			if (err->len == 0)
				buf_printf(err, "%s: %s", *s->dirs[i].path ?
				    s->dirs[i].path : ".", strerror(errno));
			if (progress)
				fputc('\n', stderr);
			rc = -1;
			goto out;
		}
		if (progress && (i % 200 == 199 || i + 1 == s->ndirs))
			fprintf(stderr, "\rscanning: %zu of %zu directories, "
			    "%zu files", i + 1, s->ndirs, s->nfiles);
	}
	if (progress)
		fputc('\n', stderr);
	s->dirs_cached = w.cached;
out:
	if (rc == 0)
		s->dcache = w.dc;
	else
		dcache_free(w.dc);
	free(w.st);
	excl_free(&w.x);
	return rc;
}

/* walk_save - what the walk keeps for the next pass, when it changed */
int
walk_save(struct scan *s, struct buf *err)
{
	return s->dcache ? dcache_save(s->dcache, s->cf->state_dir, err) : 0;
}

/* scan_free - release a pass */
void
scan_free(struct scan *s)
{
	size_t	i;

	for (i = 0; i < s->ndirs; i++)
		free(s->dirs[i].path);
	for (i = 0; i < s->nfiles; i++)
		if (!s->files[i].borrowed)
			free(s->files[i].name);
	for (i = 0; i < s->nperiods; i++) {
		size_t j;
		buf_free(&s->periods[i].reason);
		buf_free(&s->periods[i].bounced);
		free(s->periods[i].others);
		for (j = 0; j < s->periods[i].ntodo; j++)
			free(s->periods[i].todo[j]);
		free(s->periods[i].todo);
	}
	for (i = 0; i < s->nexcluded; i++)
		free(s->excluded[i]);
	free(s->excluded);
	free(s->dirs);
	free(s->files);
	free(s->periods);
	dcache_free(s->dcache);
	if (s->rootfd >= 0)
		close(s->rootfd);
	memset(s, 0, sizeof(*s));
	s->rootfd = -1;
}
