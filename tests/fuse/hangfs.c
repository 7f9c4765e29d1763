/*
 * NAME
 *	hangfs - a FUSE file system that stops answering on one path
 * SYNOPSIS
 *	hangfs SOURCE MOUNTPOINT [-I] [-H OP:PATH]... [FUSE OPTIONS]
 * DESCRIPTION
 *	Serves the directory SOURCE, read-only, at MOUNTPOINT.  A request
 *	OP (getattr, readdir, open or read) for PATH (as seen inside the
 *	mount: "/", "/dir/file") is never answered: it waits until the
 *	file system is unmounted or the process is stopped (SIGTERM,
 *	SIGINT, SIGHUP), then fails with EIO.  Every other request is
 *	served as usual, by other threads.  This is a share that hangs
 *	where no client-side timeout (rclone's --timeout, cifs' echo
 *	interval) ends the wait, for the scanner's watchdog.
 *
 *	The kernel cannot take back a request the daemon has read: a
 *	caller of getattr, readdir or open waits for the answer even when
 *	it is killed (the kernel only sends FUSE_INTERRUPT).  With -I a
 *	hung request honours that and fails with EINTR, as a daemon that
 *	handles interrupts would; without it the caller stays in
 *	uninterruptible sleep.
 *
 *	Use -o subtype=hangfs for a mount type of fuse.hangfs, -f to stay
 *	in the foreground.
 * DIAGNOSTICS
 *	One line on stderr when a request starts hanging ("hangfs: hang
 *	read /dir/file") and when it is let go.  Exit 1 on bad arguments
 *	or when SOURCE cannot be opened; else what fuse_main() returns.
 */
#define FUSE_USE_VERSION 31

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_HANGS	16

static int srcfd = -1;
static struct {
	char	op[16];
	char	*path;
} hangs[MAX_HANGS];
static int nhangs;
static int honour_intr;

/* rel - a mount path as a path below SOURCE */
static const char *
rel(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

/* hang - never answer OP on PATH while the file system is up */
static int
hang(const char *op, const char *path)
{
	struct timespec step = { 0, 50 * 1000 * 1000 };
	struct fuse_session *se;
	int	i;

	for (i = 0; i < nhangs; i++)
		if (strcmp(hangs[i].op, op) == 0 &&
		    strcmp(hangs[i].path, path) == 0)
			break;
	if (i == nhangs)
		return 0;
	fprintf(stderr, "hangfs: hang %s %s\n", op, path);
	se = fuse_get_session(fuse_get_context()->fuse);
	while (!fuse_session_exited(se)) {
		if (honour_intr && fuse_interrupted()) {
			fprintf(stderr, "hangfs: interrupted %s %s\n", op, path);
			return -EINTR;
		}
		nanosleep(&step, NULL);
	}
	fprintf(stderr, "hangfs: let go %s %s\n", op, path);
	return -EIO;
}

static int
hfs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	int	rc;

	(void)fi;
	if ((rc = hang("getattr", path)) != 0)
		return rc;
	return fstatat(srcfd, rel(path), st, AT_SYMLINK_NOFOLLOW) < 0 ?
	    -errno : 0;
}

static int
hfs_readlink(const char *path, char *buf, size_t size)
{
	ssize_t	n;

	if (size == 0)
		return -EINVAL;
	if ((n = readlinkat(srcfd, rel(path), buf, size - 1)) < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int
hfs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
    struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct dirent *de;
	struct stat st;
	DIR	*d;
	int	fd, rc;

	(void)off;
	(void)fi;
	(void)flags;
	if ((rc = hang("readdir", path)) != 0)
		return rc;
	if ((fd = openat(srcfd, rel(path), O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0)
		return -errno;
	if ((d = fdopendir(fd)) == NULL) {
		rc = -errno;
		close(fd);
		return rc;
	}
	while ((de = readdir(d)) != NULL) {
		memset(&st, 0, sizeof(st));
		st.st_ino = de->d_ino;
		st.st_mode = (mode_t)DTTOIF(de->d_type);
		if (fill(buf, de->d_name, &st, 0, 0))
			break;
	}
	closedir(d);
	return 0;
}

static int
hfs_open(const char *path, struct fuse_file_info *fi)
{
	int	fd, rc;

	if ((rc = hang("open", path)) != 0)
		return rc;
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EROFS;
	if ((fd = openat(srcfd, rel(path), O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return -errno;
	fi->fh = (uint64_t)fd;
	return 0;
}

static int
hfs_read(const char *path, char *buf, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	ssize_t	n;
	int	rc;

	if ((rc = hang("read", path)) != 0)
		return rc;
	if ((n = pread((int)fi->fh, buf, size, off)) < 0)
		return -errno;
	return (int)n;
}

static int
hfs_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	close((int)fi->fh);
	return 0;
}

static int
hfs_statfs(const char *path, struct statvfs *sv)
{
	(void)path;
	return fstatvfs(srcfd, sv) < 0 ? -errno : 0;
}

static const struct fuse_operations hfs_ops = {
	.getattr = hfs_getattr,
	.readlink = hfs_readlink,
	.readdir = hfs_readdir,
	.open = hfs_open,
	.read = hfs_read,
	.release = hfs_release,
	.statfs = hfs_statfs,
};

static void
usage(void)
{
	fprintf(stderr, "usage: hangfs SOURCE MOUNTPOINT [-I] [-H OP:PATH]... "
	    "[FUSE OPTIONS]\n");
	exit(1);
}

/* add_hang - one -H OP:PATH */
static void
add_hang(const char *spec)
{
	const char *colon = strchr(spec, ':');
	size_t	n;

	if (colon == NULL || colon[1] != '/' || nhangs == MAX_HANGS)
		usage();
	n = (size_t)(colon - spec);
	if (n >= sizeof(hangs[0].op) || ((n != 7 || strncmp(spec, "getattr",
	    7)) && (n != 7 || strncmp(spec, "readdir", 7)) && (n != 4 ||
	    strncmp(spec, "open", 4)) && (n != 4 || strncmp(spec, "read", 4))))
		usage();
	memcpy(hangs[nhangs].op, spec, n);
	hangs[nhangs].op[n] = '\0';
	if ((hangs[nhangs].path = strdup(colon + 1)) == NULL) {
		perror("hangfs");
		exit(1);
	}
	nhangs++;
}

int
main(int argc, char **argv)
{
	char	**fargv;
	int	i, fargc = 0;

	if (argc < 3)
		usage();
	if ((srcfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "hangfs: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if ((fargv = calloc((size_t)argc + 1, sizeof(*fargv))) == NULL) {
		perror("hangfs");
		return 1;
	}
	fargv[fargc++] = argv[0];
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "-H") == 0) {
			if (++i == argc)
				usage();
			add_hang(argv[i]);
		} else if (strcmp(argv[i], "-I") == 0)
			honour_intr = 1;
		else
			fargv[fargc++] = argv[i];
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	return fuse_main(fargc, fargv, &hfs_ops, NULL);
}
