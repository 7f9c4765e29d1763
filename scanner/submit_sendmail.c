/*
 * NAME
 *	submit_sendmail - submission through a sendmail command
 * DESCRIPTION
 *	See submit.h.  The message goes to the command's standard input;
 *	exit 0 hands the message over (the outcome comes later from the
 *	ledger), 75 defers it, anything else fails it; a command that
 *	hangs is killed with its process group.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "addr.h"
#include "submit_int.h"

/* open_sendmail - split "/path args..." at blanks */
int
submit_open_sendmail(struct submit *s, const char *cmd, struct buf *err)
{
	const char *p = cmd, *e, *a;
	char	**nv;
	size_t	i;

	for (; *(p += strspn(p, " \t")); p = e) {
		e = p + strcspn(p, " \t");
		if (!(nv = reallocarray(s->argv, s->argc + 1, sizeof(*nv))))
			goto nomem;
		s->argv = nv;
		if (!(s->argv[s->argc] = strndup(p, (size_t)(e - p))))
			goto nomem;
		s->argc++;
	}
	if (s->argc == 0 || s->argv[0][0] != '/') {
		buf_printf(err, "Submit: sendmail: needs an absolute path");
		return -1;
	}
	if (access(s->argv[0], X_OK) != 0) {
		buf_printf(err, "Submit: sendmail: %s: %s", s->argv[0],
		    strerror(errno));
		return -1;
	}
	for (i = 1; i < s->argc; i++) {
		a = s->argv[i];
		if (!strcmp(a, "--")) {
			buf_printf(err, "Submit: sendmail: \"--\" is not "
			    "allowed: the recipients are added after it");
			return -1;
		}
		s->has_i |= !strcmp(a, "-i") || !strcmp(a, "-oi");
		s->has_t |= !strcmp(a, "-t");
		s->has_f |= !strncmp(a, "-f", 2) || !strncmp(a, "-r", 2);
	}
	if ((s->describe = strdup(cmd + strspn(cmd, " \t"))))
		return 0;
nomem:
	buf_printf(err, "Submit: %s", strerror(ENOMEM));
	return -1;
}

/* now_ms - a monotonic clock in milliseconds */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* high_pipe - a close-on-exec pipe whose ends are not 0, 1 or 2 */
static int
high_pipe(int p[2])
{
	int	i, fd;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	for (i = 0; i < 2; i++) {
		if (p[i] > 2)
			continue;
		if ((fd = fcntl(p[i], F_DUPFD_CLOEXEC, 3)) < 0) {
			close(p[0]);
			close(p[1]);
			return p[0] = p[1] = -1;
		}
		close(p[i]);
		p[i] = fd;
	}
	return 0;
}

/* child - become the sendmail command; never returns */
static void __attribute__((noreturn))
child(char **argv, int in, int out, pid_t parent)
{
	static const char cant[] = ": cannot execute: ";
	const char *why;
	sigset_t none;
	int	sig, fd;

	setpgid(0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(EX_OSERR);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(EX_OSERR);
	if (close_range(3, ~0U, 0) < 0)
		for (fd = 3; fd < 1024; fd++)
			close(fd);
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execv(argv[0], argv);
	why = strerror(errno);
	if (write(2, argv[0], strlen(argv[0])) > 0 &&
	    write(2, cant, sizeof(cant) - 1) > 0 &&
	    write(2, why, strlen(why)) > 0)
		(void)!write(2, "\n", 1);
	_exit(127);
}

struct output {
	char	 first[256];	/* its first non-empty line */
	int	 done;		/* that line has ended */
};

/* keep_first - keep the first non-empty line of the command's output */
static void
keep_first(struct output *o, const char *p, size_t n)
{
	size_t	i, k = strlen(o->first);

	for (i = 0; i < n && !o->done; i++) {
		if (p[i] == '\n' || p[i] == '\r')
			o->done = k > 0;
		else if (k + 1 < sizeof(o->first))
			o->first[k++] = p[i];
	}
	o->first[k] = 0;
}

enum stop { STOP_NONE, STOP_READ, STOP_PIPE, STOP_TIMEOUT };

/* pump - feed the message to the child, drain its output, await exit */
static enum stop
pump(struct submit *s, struct mimew *msg, pid_t pid, int *in, int *out,
    struct output *o, int *status, int *early)
{
	char	*chunk, tmp[4096];
	size_t	 have = 0, off = 0, i;
	long long deadline = now_ms() + (long long)s->timeout * 1000, left;
	struct pollfd p[2];
	enum stop stop = STOP_READ;
	nfds_t	 np;
	ssize_t	 n;
	int	 saved;

	if (!(chunk = malloc(CHUNK))) {
		errno = ENOMEM;
		return STOP_PIPE;
	}
	for (;;) {
		if (*in >= 0 && off == have) {
			if ((n = mimew_read(msg, chunk, CHUNK)) < 0)
				break;
			if (n == 0) {
				close(*in);
				*in = -1;
			}
			have = (size_t)n;
			off = 0;
			continue;
		}
		if (*in < 0 && waitpid(pid, status, WNOHANG) == pid) {
			stop = STOP_NONE;
			break;
		}
		if ((left = deadline - now_ms()) <= 0) {
			stop = STOP_TIMEOUT;
			break;
		}
		np = 0;
		if (*in >= 0)
			p[np++] = (struct pollfd){ *in, POLLOUT, 0 };
		if (*out >= 0)
			p[np++] = (struct pollfd){ *out, POLLIN, 0 };
		/* After end of file only the exit is awaited: poll for it. */
		if (poll(p, np, (int)(*in < 0 && left > 20 ? 20 : left > 60000 ?
		    60000 : left)) <= 0)
			continue;
		for (i = 0; i < np; i++) {
			if (!p[i].revents)
				continue;
			if (p[i].fd == *out) {
				if ((n = read(*out, tmp, sizeof(tmp))) > 0)
					keep_first(o, tmp, (size_t)n);
				else if (n == 0 || errno != EAGAIN) {
					close(*out);
					*out = -1;
				}
			} else if ((n = write(*in, chunk + off,
			    have - off)) >= 0) {
				off += (size_t)n;
			} else if (errno == EPIPE) {
				*early = 1;
				close(*in);
				*in = -1;
			} else if (errno != EAGAIN && errno != EINTR) {
				stop = STOP_PIPE;
			}
		}
		if (stop == STOP_PIPE)
			break;
	}
	saved = errno;
	free(chunk);
	errno = saved;
	return stop;
}

/* sendmail_send - run the command with the message on its stdin */
int
submit_sendmail(struct submit *s, const char *from, const char *const *rcpts,
    size_t nrcpt, struct mimew *msg, struct submit_result *res)
{
	struct output o = { "", 0 };
	char	**argv, tmp[4096];
	const char *cmd = s->argv[0];
	int	 in[2] = { -1, -1 }, out[2] = { -1, -1 }, status = 0;
	int	 early = 0, saved = 0, i;
	enum stop stop;
	size_t	 k = 0, j;
	ssize_t	 n;
	pid_t	 pid, parent = getpid();

	if (!(argv = calloc(s->argc + nrcpt + 12, sizeof(*argv))))
		return submit_outcome(res, SUBMIT_LOCAL_ERROR, 0, "%s: %s", cmd,
		    strerror(ENOMEM));
	for (j = 0; j < s->argc; j++)
		argv[k++] = s->argv[j];
	if (!s->has_i)
		argv[k++] = (char *)"-i";
	if (!s->has_f) {
		argv[k++] = (char *)"-f";
		argv[k++] = (char *)from;
	}
	if (s->envid) {
		argv[k++] = (char *)"-N";
		argv[k++] = (char *)"success,failure,delay";
		argv[k++] = (char *)"-R";
		argv[k++] = (char *)"hdrs";
		argv[k++] = (char *)"-V";
		argv[k++] = s->envid;
	}
	for (j = 0; !s->has_t && j <= nrcpt; j++)
		argv[k++] = (char *)(j ? rcpts[j - 1] : "--");

	if (high_pipe(in) < 0 || high_pipe(out) < 0 || (pid = fork()) < 0) {
		saved = errno;
		submit_outcome(res, SUBMIT_LOCAL_ERROR, 0, "%s: cannot start: %s",
		    cmd, strerror(saved));
		goto out;
	}
	if (pid == 0)
		child(argv, in[0], out[1], parent);
	setpgid(pid, pid);
	close(in[0]);
	close(out[1]);
	in[0] = out[1] = -1;
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	stop = pump(s, msg, pid, &in[1], &out[0], &o, &status, &early);
	saved = stop == STOP_READ || stop == STOP_PIPE ? errno : 0;
	if (stop != STOP_NONE) {
		/* Killed before it reads end of file, so it queues nothing. */
		if (kill(-pid, SIGKILL) < 0)
			kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	while (out[0] >= 0 && (n = read(out[0], tmp, sizeof(tmp))) > 0)
		keep_first(&o, tmp, (size_t)n);

	if (stop == STOP_READ)
		submit_outcome(res, SUBMIT_LOCAL_ERROR, 0, "%s", mimew_error(msg));
	else if (stop == STOP_PIPE)
		submit_outcome(res, SUBMIT_LOCAL_ERROR, 0, "%s: write: %s", cmd,
		    strerror(saved));
	else if (stop == STOP_TIMEOUT)
		submit_outcome(res, SUBMIT_TEMPFAIL, 0, "%s: no exit within %u s; "
		    "killed", cmd, s->timeout);
	else if (WIFSIGNALED(status))
		submit_outcome(res, SUBMIT_FAILED, 128 + WTERMSIG(status), "%s killed "
		    "by signal %d%s%s", cmd, WTERMSIG(status), *o.first ? ": " :
		    "", o.first);
	else if (WEXITSTATUS(status) == 0 && !early)
		submit_outcome(res, SUBMIT_HANDED, 0, "%s", "");
	else
		submit_outcome(res, WEXITSTATUS(status) == EX_TEMPFAIL ?
		    SUBMIT_TEMPFAIL : SUBMIT_FAILED, WEXITSTATUS(status),
		    "%s exited with status %d%s%s%s", cmd, WEXITSTATUS(status),
		    early ? " before reading the whole message" : "",
		    *o.first ? ": " : "", o.first);
out:
	for (i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	free(argv);
	if (saved)
		errno = saved;
	return (int)res->outcome;
}

