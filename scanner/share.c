/*
 * NAME
 *	share - the mounted share: mount check, safe opens, watchdog
 * DESCRIPTION
 *	share_check_mount() proves ShareRoot is a mount of an accepted
 *	type (from /proc/self/mountinfo; an unmounted mount point is just an
 *	empty local directory, and stat of it always succeeds).
 *	share_open_root() opens ShareRoot and checks the sentinel.
 *	share_open_dir() opens a directory beneath the root one path
 *	component at a time with O_NOFOLLOW|O_DIRECTORY: no symlink is
 *	followed, `..' is refused, nothing outside the share is reached.
 *
 *	share_io_error() tells the errors that mean "the share is not
 *	answering" (the pass concludes nothing) from those that concern
 *	one file.
 *
 *	The watchdog ends a pass with status 75 when it makes no progress
 *	(watchdog_tick()) for ShareTimeout seconds: a hung share ends the
 *	pass instead of hanging the scanner forever.  watchdog_guard() runs
 *	the pass in a child process watched by its parent, because a process
 *	waiting on a FUSE request its daemon has read cannot be killed.
 * DIAGNOSTICS
 *	Functions return 0 or -1 with errno set and a message naming the
 *	path in err.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/openat2.h>

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "log.h"
#include "names.h"
#include "scan.h"

/* share_io_error - errors that mean the share is not answering */
int
share_io_error(int e)
{
	switch (e) {
	case EIO: case ENOTCONN: case EHOSTDOWN: case ESTALE:
	case ETIMEDOUT: case EAGAIN: case ECONNABORTED: case ECONNRESET:
	case ECONNREFUSED: case ENETDOWN: case ENETUNREACH:
	case EHOSTUNREACH: case ENOMEDIUM: case EREMOTEIO: case ENOLINK:
	case EINTR: case ENODEV: case ENXIO: case EBADF:
		return 1;
	default:
		return 0;
	}
}

/* unescape - mountinfo's octal escapes (\040 for a space) in place */
static void
unescape(char *s)
{
	char	*d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			    (s[3] - '0'));
			s += 3;
		} else
			*d++ = *s;
	}
	*d = '\0';
}

/* mount_type - file system type of the mount at path, or NULL */
static char *
mount_type(const char *path)
{
	char	*line = NULL, *type = NULL, *f[10], *p, *save;
	size_t	cap = 0;
	FILE	*fp;
	int	n;

	if ((fp = fopen("/proc/self/mountinfo", "r")) == NULL)
		return NULL;
	while (getline(&line, &cap, fp) > 0) {
		/* id parent maj:min root mountpoint opts [optional...] - type src */
		for (n = 0, p = strtok_r(line, " \n", &save); p && n < 10;
		    p = strtok_r(NULL, " \n", &save)) {
			if (n == 5 && strcmp(p, "-") != 0)
				continue;	/* skip optional fields */
			f[n++] = p;
		}
		if (n < 7)
			continue;
		unescape(f[4]);
		if (strcmp(f[4], path) == 0) {	/* the last one is on top */
			free(type);
			type = strdup(f[6]);
		}
	}
	free(line);
	fclose(fp);
	return type;
}

/* share_check_mount - ShareRoot is a mount of an accepted type */
int
share_check_mount(const struct conf *cf, struct buf *err)
{
	char	real[PATH_MAX], *type;
	size_t	i;

	for (i = 0; i < cf->share_type.n; i++)
		if (ascii_strcasecmp(cf->share_type.v[i], "any") == 0)
			return 0;
	if (realpath(cf->share_root, real) == NULL) {
		buf_printf(err, "ShareRoot %s: %s", cf->share_root,
		    strerror(errno));
		return -1;
	}
	if ((type = mount_type(real)) == NULL) {
		buf_printf(err, "ShareRoot %s is not a mount point (the share "
		    "is not mounted?)", cf->share_root);
		errno = ENOTCONN;
		return -1;
	}
	for (i = 0; i < cf->share_type.n; i++)
		if (strcmp(cf->share_type.v[i], type) == 0) {
			free(type);
			return 0;
		}
	buf_printf(err, "ShareRoot %s is mounted as %s, not as", cf->share_root,
	    type);
	for (i = 0; i < cf->share_type.n; i++)
		buf_printf(err, "%s %s", i ? " or" : "", cf->share_type.v[i]);
	buf_adds(err, " (ShareType)");
	free(type);
	errno = ENODEV;
	return -1;
}

/* open_resolve - one openat2(2) beneath rootfd refusing every symlink;
 * -2 when the kernel (or a seccomp filter) does not offer it */
static int
open_resolve(int rootfd, const char *rel)
{
#ifdef SYS_openat2
	struct open_how how;
	int	fd;

	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
	    RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, rootfd, *rel ? rel : ".", &how,
	    sizeof(how));
	if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
		return fd;
#else
	(void)rootfd;
	(void)rel;
#endif
	return -2;
}

/* share_open_dir - a directory beneath rootfd, no symlink followed: one
 * openat2() where the kernel has it, else one component at a time */
int
share_open_dir(int rootfd, const char *rel, struct buf *err)
{
	char	*copy, *p, *save = NULL;
	int	fd, next;

	watchdog_tick();
	if ((fd = open_resolve(rootfd, rel)) >= 0)
		return fd;
	if (fd == -1) {
		int e = errno;
		buf_printf(err, "%s: %s", rel, strerror(e));
		errno = e;
		return -1;
	}

	if ((fd = dup(rootfd)) < 0 || (copy = strdup(rel)) == NULL) {
		if (fd >= 0)
			close(fd);
		buf_printf(err, "%s: %s", rel, strerror(errno));
		return -1;
	}
	for (p = strtok_r(copy, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (strcmp(p, "..") == 0 || strcmp(p, ".") == 0) {
			errno = EINVAL;
			next = -1;
		} else
			next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			    O_CLOEXEC);
		watchdog_tick();
		if (next < 0) {
			int e = errno;
			buf_printf(err, "%s: %s", rel, strerror(e));
			close(fd);
			free(copy);
			errno = e;
			return -1;
		}
		close(fd);
		fd = next;
	}
	free(copy);
	return fd;
}

/* share_open_root - open ShareRoot and check the sentinel */
int
share_open_root(const struct conf *cf, int *rootfd, struct buf *err)
{
	struct stat sb;
	int	fd;

	if ((fd = open(cf->share_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) <
	    0) {
		buf_printf(err, "ShareRoot %s: %s", cf->share_root,
		    strerror(errno));
		return -1;
	}
	if (cf->share_sentinel) {
		const char *s = cf->share_sentinel;

		if (*s == '/' || strstr(s, "..") != NULL) {
			buf_printf(err, "ShareSentinel %s: must be a path inside "
			    "the share", s);
			close(fd);
			errno = EINVAL;
			return -1;
		}
		if (fstatat(fd, s, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
			int e = errno;
			buf_printf(err, "ShareSentinel %s/%s: %s (is the right "
			    "share mounted?)", cf->share_root, s, strerror(e));
			close(fd);
			errno = e == ENOENT ? ENOTCONN : e;
			return -1;
		}
	}
	*rootfd = fd;
	return 0;
}

/* ---- watchdog ---------------------------------------------------------- */

/*
 * The pass ticks a counter; when it stops moving for the limit, the pass
 * is over.  A thread of the pass's own process cannot end it when the
 * pass waits on a FUSE request its daemon has read (the kernel waits for
 * the answer even through SIGKILL), so watchdog_guard() runs the work in
 * a child and watches the counter, in shared memory, from the parent,
 * which then gives up on the child and returns 75.  Without a guard
 * (fork failed, unit tests) a thread watches and _exit()s.
 */
struct wd_shared {
	unsigned long	ticks;
	unsigned	limit;
	int		running;
	int		guarded;
};

static struct wd_shared wd_local, *wd = &wd_local;
static pthread_t wd_thread;

void
watchdog_tick(void)
{
	__atomic_add_fetch(&wd->ticks, 1, __ATOMIC_RELAXED);
}

/* idle_for - seconds the counter has not moved, kept by the caller */
static int
stalled(unsigned long *last, unsigned *idle)
{
	unsigned long now;

	if (!__atomic_load_n(&wd->running, __ATOMIC_RELAXED)) {
		*idle = 0;
		return 0;
	}
	now = __atomic_load_n(&wd->ticks, __ATOMIC_RELAXED);
	*idle = now == *last ? *idle + 1 : 0;
	*last = now;
	return *idle >= wd->limit;
}

static void *
watchdog_main(void *arg)
{
	unsigned long last = (unsigned long)-1;
	unsigned idle = 0;

	(void)arg;
	for (;;) {
		sleep(1);
		if (stalled(&last, &idle)) {
			log_err("the share did not answer for %us; pass "
			    "abandoned, nothing concluded", wd->limit);
			_exit(EX_TEMPFAIL);
		}
	}
	return NULL;
}

/* watchdog_guard - go on in a child (0) watched by this process, which
 * returns 1 with the child's exit status, or 75 when the child stopped
 * moving and was given up on (killed; it may linger until the share
 * answers).  SIGTERM and SIGINT are passed on to the child. */
int
watchdog_guard(int *status)
{
	struct wd_shared *m;
	struct timespec ts = { 1, 0 };
	unsigned long last = (unsigned long)-1;
	unsigned idle = 0;
	sigset_t set, old;
	pid_t	child;
	int	st, sig;

	m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 0;
	memset(m, 0, sizeof(*m));
	m->guarded = 1;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, &old);
	fflush(stdout);
	fflush(stderr);
	if ((child = fork()) < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		munmap(m, sizeof(*m));
		return 0;
	}
	if (child == 0) {
		/* the pass ends with its guard (a killed scanner is gone) */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1)
			_exit(EX_TEMPFAIL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		wd = m;
		return 0;
	}
	wd = m;
	for (;;) {
		if (waitpid(child, &st, WNOHANG) == child) {
			*status = WIFEXITED(st) ? WEXITSTATUS(st) :
			    EX_SOFTWARE;
			if (WIFSIGNALED(st))
				log_err("the pass ended by signal %d",
				    WTERMSIG(st));
			break;
		}
		sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT) {
			kill(child, SIGTERM);
			continue;
		}
		if (sig == SIGCHLD)
			continue;
		if (stalled(&last, &idle)) {
			log_err("the share did not answer for %us; pass "
			    "abandoned, nothing concluded (the stuck process "
			    "%ld is left to the kernel)", wd->limit,
			    (long)child);
			kill(child, SIGKILL);
			*status = EX_TEMPFAIL;
			break;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	wd = &wd_local;
	munmap(m, sizeof(*m));
	return 1;
}

/* watchdog_start - arm: the guard watches, else a thread (made once) */
void
watchdog_start(unsigned seconds)
{
	static int made;

	wd->limit = seconds ? seconds : 1;
	watchdog_tick();
	__atomic_store_n(&wd->running, 1, __ATOMIC_RELAXED);
	if (!wd->guarded && !made && pthread_create(&wd_thread, NULL,
	    watchdog_main, NULL) == 0) {
		pthread_detach(wd_thread);
		made = 1;
	}
}

void
watchdog_stop(void)
{
	__atomic_store_n(&wd->running, 0, __ATOMIC_RELAXED);
}
