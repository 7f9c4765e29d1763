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
 *	(trfold.h): `İPTAL', `Iptal' and `iptal' are one word.  Sizes and times are read later, and only for
 *	the periods that still need them.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fnmatch.h>

#include "log.h"
#include "scan.h"
#include "trfold.h"

/* the folded ExcludeDirs and ExcludeFiles patterns of one walk */
struct excl {
	char	**dirs;
	size_t	 ndirs;
	char	**files;
	size_t	 nfiles;
	struct buf name;		/* scratch: a folded name */
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

static int
add_file(struct scan *s, size_t dir, const char *name)
{
	struct sfile *v, *f;

	if ((s->nfiles & (s->nfiles - 1)) == 0) {
		v = realloc(s->files, (s->nfiles ? s->nfiles * 2 : 256) *
		    sizeof(*v));
		if (v == NULL)
			return -1;
		s->files = v;
	}
	f = &s->files[s->nfiles];
	memset(f, 0, sizeof(*f));
	if ((f->name = strdup(name)) == NULL)
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

/* read_dir - one directory's entries: subdirectories queued, files kept */
static int
read_dir(struct scan *s, struct excl *x, size_t di, int depth,
    struct buf *err)
{
	char	**subs = NULL, **regs = NULL;
	size_t	nsub = 0, nreg = 0, i;
	struct dirent *de;
	struct stat sb;
	struct buf path = BUF_INIT;
	DIR	*d;
	int	fd, type, rc = 0, e;

	if ((fd = share_open_dir(s->rootfd, s->dirs[di].path, err)) < 0) {
		e = errno;
		if (share_io_error(e) || di == 0)
			return -1;
		log_warn("skipping %s", BUF_STR(err));
		buf_reset(err);
		return 0;
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
			if (add_excluded(s, s->dirs[di].path, de->d_name) < 0) {
				rc = -1;
				errno = ENOMEM;
				break;
			}
			continue;
		}
		if (type == DT_REG && (de->d_name[0] == '.' ||
		    excluded(x, x->files, x->nfiles, de->d_name))) {
			s->nxfiles++;
			continue;
		}
		if (type == DT_DIR && depth < SCAN_MAX_DEPTH) {
			char **v = realloc(subs, (nsub + 1) * sizeof(*v));
			if (v == NULL || (v[nsub] = strdup(de->d_name)) == NULL) {
				free(v ? v : subs);
				subs = NULL;
				nsub = 0;
				rc = -1;
				errno = ENOMEM;
				break;
			}
			subs = v;
			nsub++;
		} else if (type == DT_REG) {
			char **v = realloc(regs, (nreg + 1) * sizeof(*v));
			if (v == NULL || (v[nreg] = strdup(de->d_name)) == NULL) {
				free(v ? v : regs);
				regs = NULL;
				nreg = 0;
				rc = -1;
				errno = ENOMEM;
				break;
			}
			regs = v;
			nreg++;
		}
		/* symlinks, devices, sockets: never followed, never sent */
	}
	e = errno;
	closedir(d);
	if (rc == 0) {
		if (nreg)
			qsort(regs, nreg, sizeof(*regs), cmp_str);
		if (nsub)
			qsort(subs, nsub, sizeof(*subs), cmp_str);
		s->dirs[di].first = s->nfiles;
		for (i = 0; i < nreg && rc == 0; i++)
			if (add_file(s, di, regs[i]) < 0)
				rc = -1;
		s->dirs[di].n = s->nfiles - s->dirs[di].first;
		for (i = 0; i < nsub && rc == 0; i++) {
			buf_reset(&path);
			if (*s->dirs[di].path)
				buf_printf(&path, "%s/", s->dirs[di].path);
			buf_adds(&path, subs[i]);
			if (path.data == NULL || add_dir(s, path.data) < 0)
				rc = -1;
		}
		e = errno;
	}
	for (i = 0; i < nsub; i++)
		free(subs[i]);
	for (i = 0; i < nreg; i++)
		free(regs[i]);
	free(subs);
	free(regs);
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

/* walk_share - breadth first from the root; with progress, a line on
 * standard error (a terminal) every 200 directories */
int
walk_share(struct scan *s, int progress, struct buf *err)
{
	struct excl x;
	size_t	i;

	memset(&x, 0, sizeof(x));
	if (fold_patterns(&s->cf->exclude_dirs, &x.dirs, &x.ndirs) < 0 ||
	    fold_patterns(&s->cf->exclude_files, &x.files, &x.nfiles) < 0 ||
	    add_dir(s, "") < 0) {
		excl_free(&x);
		return -1;
	}
	for (i = 0; i < s->ndirs; i++) {
		if (read_dir(s, &x, i, depth_of(s->dirs[i].path) + 1, err) < 0) {
			if (err->len == 0)
				buf_printf(err, "%s: %s", *s->dirs[i].path ?
				    s->dirs[i].path : ".", strerror(errno));
			if (progress)
				fputc('\n', stderr);
			excl_free(&x);
			return -1;
		}
		if (progress && (i % 200 == 199 || i + 1 == s->ndirs))
			fprintf(stderr, "\rscanning: %zu of %zu directories, "
			    "%zu files", i + 1, s->ndirs, s->nfiles);
	}
	if (progress)
		fputc('\n', stderr);
	excl_free(&x);
	return 0;
}

/* scan_free - release a pass */
void
scan_free(struct scan *s)
{
	size_t	i;

	for (i = 0; i < s->ndirs; i++)
		free(s->dirs[i].path);
	for (i = 0; i < s->nfiles; i++)
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
	if (s->rootfd >= 0)
		close(s->rootfd);
	memset(s, 0, sizeof(*s));
	s->rootfd = -1;
}
