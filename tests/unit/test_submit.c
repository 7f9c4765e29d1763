/*
 * test_submit - submission over SMTP against tests/lib/smtpsink.py in
 * each of its modes, and through a stand-in sendmail script: the
 * outcome, the reply kept, the queue id, what the server stored (the
 * message decodes to the files, tests/unit/mime_decode.py), nothing
 * stored when a file changes under the transfer, the sendmail argv,
 * exit statuses, a hanging command killed, no child left behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "mimew.h"
#include "submit.h"

#define PYTHON		"/usr/bin/python3"
#define BOUNDARY	"=_0123456789abcdef0123456789abcd"
#define FROM		"muhasebe@ofis.example"
#define BIG		(5 * 1024 * 1024)

static char dir[] = "/tmp/test_submit.XXXXXX";
static char top[PATH_MAX];
static const char *const rcpts[] = { "a@firma.example", "B@Firma.example" };

/* path - a file in the scratch directory, in one of a few buffers */
static const char *
path(const char *fmt, const char *arg)
{
	static char p[8][PATH_MAX];
	static int k;
	char	name[256];

	k = (k + 1) % 8;
	snprintf(name, sizeof(name), fmt, arg);
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

/* find_top - the source tree: from the cwd, else from the executable */
static int
find_top(void)
{
	char	exe[PATH_MAX], probe[PATH_MAX + 64];
	ssize_t	n;
	int	up;

	if (getcwd(top, sizeof(top))) {
		snprintf(probe, sizeof(probe), "%s/tests/lib/smtpsink.py", top);
		if (access(probe, R_OK) == 0)
			return 0;
	}
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) < 0)
		return -1;
	exe[n] = 0;
	for (up = 0; up < 5; up++) {
		snprintf(top, sizeof(top), "%s", dirname(exe));
		snprintf(exe, sizeof(exe), "%s", top);
		snprintf(probe, sizeof(probe), "%s/tests/lib/smtpsink.py", top);
		if (access(probe, R_OK) == 0)
			return 0;
	}
	return -1;
}

/* put - write a file (mode for scripts); returns an open read fd */
static int
put(const char *p, const void *data, size_t n, mode_t mode)
{
	int	fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, data, n) != (ssize_t)n || fchmod(fd, mode)) {
		perror(p);
		exit(1);
	}
	return fd;
}

/* slurp - a whole file into b; -1 when absent */
static int
slurp(const char *p, struct buf *b)
{
	char	tmp[65536];
	ssize_t	n;
	int	fd = open(p, O_RDONLY);

	buf_reset(b);
	if (fd < 0)
		return -1;
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		buf_add(b, tmp, (size_t)n);
	close(fd);
	return n < 0 ? -1 : 0;
}

/* has - b holds the string s */
static int
has(const struct buf *b, const char *s)
{
	return b->data && memmem(b->data, b->len, s, strlen(s)) != NULL;
}

/* exists - a path exists */
static int
exists(const char *p)
{
	return access(p, F_OK) == 0;
}

struct att {
	const char	*name;
	int		 fd;
	off_t		 size;
};

/* attach - a file of n pseudo-random bytes */
static void
attach(struct att *a, const char *name, size_t n)
{
	unsigned char *b = malloc(n ? n : 1);
	uint32_t x = (uint32_t)n * 2654435761u + 7;
	size_t	i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = (unsigned char)(x >> 24);
	}
	a->name = name;
	a->fd = put(path("%s", name), b, n, 0600);
	a->size = (off_t)n;
	free(b);
}

/* message - a mimew over the attachments */
static struct mimew *
message(const struct att *a, size_t na)
{
	struct mimew_file f[4];
	struct mimew_msg msg;
	struct buf err = BUF_INIT;
	struct mimew *m;
	size_t	i;

	memset(&msg, 0, sizeof(msg));
	memset(f, 0, sizeof(f));
	for (i = 0; i < na; i++) {
		f[i].name = a[i].name;
		f[i].fd = a[i].fd;
		f[i].size = a[i].size;
	}
	msg.from = "Muhasebe <" FROM ">";
	msg.to = rcpts;
	msg.nto = 2;
	msg.subject = "e-Defter Ocak 2025";
	msg.date = 1735689600;
	msg.message_id = "<edefter.1234567890.202501.x@ofis.example>";
	msg.company = "1234567890";
	msg.period = "2025-01";
	msg.text = "Ekteki dosyalar.\n";
	msg.files = f;
	msg.nfiles = na;
	msg.boundary = BOUNDARY;
	if (!(m = mimew_new(&msg, &err)))
		printf("# mimew_new: %s\n", BUF_STR(&err));
	buf_free(&err);
	return m;
}

/* free_port - a loopback port nothing listens on (just now) */
static int
free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int	fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* msleep - a short pause while polling for a condition */
static void
msleep(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };

	nanosleep(&ts, NULL);
}

struct sink {
	pid_t	 pid;
	int	 port;
	char	 dir[PATH_MAX];
};

/*
 * sink_start - run smtpsink.py in mode, or with final set the scripted
 * server below answering the data with those lines; 0 when ready
 */
static int
sink_start(struct sink *k, const char *mode, const char *const *final)
{
	static int n;
	const char *argv[16];
	char	script[PATH_MAX + 32], port[16], ready[PATH_MAX + 16];
	char	name[64];
	int	try, i, st, fd;

	snprintf(name, sizeof(name), "sink%d-%s", ++n, mode);
	snprintf(k->dir, sizeof(k->dir), "%s", path("%s", name));
	snprintf(ready, sizeof(ready), "%s/ready", k->dir);
	if (final)
		snprintf(script, sizeof(script), "%s", path("%s", "mini.py"));
	else
		snprintf(script, sizeof(script), "%s/tests/lib/smtpsink.py",
		    top);
	for (try = 0; try < 5; try++) {
		k->port = free_port();
		snprintf(port, sizeof(port), "%d", k->port);
		i = 0;
		argv[i++] = PYTHON;
		argv[i++] = script;
		argv[i++] = "--dir";
		argv[i++] = k->dir;
		argv[i++] = "--port";
		argv[i++] = port;
		argv[i++] = "--mode";
		argv[i++] = mode;
		for (; final && *final && i < 15; final++)
			argv[i++] = *final;
		argv[i] = NULL;
		if ((k->pid = fork()) < 0)
			return -1;
		if (k->pid == 0) {
			fd = open(path("%s.out", name), O_WRONLY | O_CREAT |
			    O_APPEND, 0600);
			dup2(fd, 1);
			dup2(fd, 2);
			execv(PYTHON, (char *const *)argv);
			_exit(127);
		}
		for (i = 0; i < 1000; i++) {
			if (exists(ready))
				return 0;
			if (waitpid(k->pid, &st, WNOHANG) == k->pid)
				break;
			msleep(10);
		}
		if (i == 1000) {
			kill(k->pid, SIGKILL);
			waitpid(k->pid, &st, 0);
		}
	}
	k->pid = -1;
	return -1;
}

/* sink_stop - stop it, by its PID */
static void
sink_stop(struct sink *k)
{
	int	st;

	if (k->pid <= 0)
		return;
	kill(k->pid, SIGTERM);
	waitpid(k->pid, &st, 0);
	k->pid = -1;
}

/* sink_file - a file the sink wrote */
static const char *
sink_file(const struct sink *k, const char *name)
{
	static char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%s", k->dir, name);
	return p;
}

/* decodes - mime_decode.py finds the attachments identical */
static int
decodes(const char *eml, const struct att *a, size_t na)
{
	char	cmd[8192], tmp[4096], want[64];
	struct buf out = BUF_INIT;
	FILE	*p;
	size_t	n, i;
	int	ok;

	n = (size_t)snprintf(cmd, sizeof(cmd), PYTHON
	    " %s/tests/unit/mime_decode.py %s", top, eml);
	for (i = 0; i < na; i++)
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " %s",
		    path("%s", a[i].name));
	if (!(p = popen(cmd, "r")))
		return 0;
	while ((n = fread(tmp, 1, sizeof(tmp), p)) > 0)
		buf_add(&out, tmp, n);
	ok = pclose(p) == 0 && has(&out, "\ndefects 0\n");
	snprintf(want, sizeof(want), "attachments %zu\n", na);
	ok = ok && has(&out, want);
	for (i = 0; i < na; i++) {
		snprintf(want, sizeof(want), " %lld match %s", (long long)
		    a[i].size, a[i].name);
		ok = ok && has(&out, want);
	}
	if (!ok)
		printf("# mime_decode said:\n%s", BUF_STR(&out));
	buf_free(&out);
	return ok;
}

/* smtp - open an SMTP target on a port */
static struct submit *
smtp(const char *scheme, int port)
{
	struct submit *s;
	struct buf err = BUF_INIT;
	char	spec[128];

	snprintf(spec, sizeof(spec), "%s://127.0.0.1:%d", scheme, port);
	if (submit_open(&s, spec, &err) < 0) {
		printf("# submit_open %s: %s\n", spec, BUF_STR(&err));
		s = NULL;
	}
	buf_free(&err);
	return s;
}

/* test_open - the Submit values accepted and refused */
static void
test_open(void)
{
	static const char *const bad[] = {
		"", "http://127.0.0.1", "smtp://", "smtp://h?x=1",
		"smtp://h:99999", "smtp://h#f", "sendmail:", "sendmail:bin/sh",
		"sendmail:/nonexistent/sendmail -i", "sendmail:/bin/sh -- x",
	};
	struct submit *s;
	struct buf err = BUF_INIT;
	size_t	i;
	int	rc;

	CHECK(submit_open(&s, "smtp://127.0.0.1:2525", &err) == 0,
	    "smtp URL accepted");
	CHECK_STR(s ? submit_describe(s) : NULL, "smtp://127.0.0.1:2525/",
	    "smtp described");
	submit_close(s);
	CHECK(submit_open(&s, "SMTPS://mail.example", &err) == 0,
	    "smtps URL accepted");
	CHECK_STR(s ? submit_describe(s) : NULL, "smtps://mail.example:465/",
	    "smtps gets port 465");
	submit_close(s);
	CHECK(submit_open(&s, "submission://ofis%40x:s3cr%3At@mail.example",
	    &err) == 0, "submission URL with credentials accepted");
	CHECK_STR(s ? submit_describe(s) : NULL,
	    "submission://ofis@x@mail.example:587/",
	    "submission gets port 587, the password is not shown");
	submit_close(s);
	CHECK(submit_open(&s, "sendmail:/bin/sh  -x", &err) == 0,
	    "sendmail command accepted");
	CHECK_STR(s ? submit_describe(s) : NULL, "/bin/sh  -x",
	    "sendmail described");
	submit_close(s);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&err);
		rc = submit_open(&s, bad[i], &err);
		CHECK(rc < 0 && s == NULL && err.len > 0,
		    "refused: \"%s\" (%s)", bad[i], BUF_STR(&err));
	}
	buf_free(&err);
}

/* sm_argv - the script saw this argv */
static int
sm_argv(const char *want)
{
	struct buf b = BUF_INIT;
	int	ok;

	ok = slurp(path("%s", "sm.argv"), &b) == 0 && b.data &&
	    !strcmp(b.data, want);
	if (!ok)
		printf("# argv was:\n%s# want:\n%s", BUF_STR(&b), want);
	buf_free(&b);
	return ok;
}

/* sm_exit - the status the script will exit with */
static void
sm_exit(const char *code)
{
	close(put(path("%s", "sm.exit"), code, strlen(code), 0600));
}

/* test_sendmail - the pickup path through a stand-in script */
static void
test_sendmail(struct att *a)
{
	static const char script[] =
	    "#!/bin/sh\n"
	    "d=$(dirname \"$0\")\n"
	    "for a in \"$@\"; do printf '%s\\n' \"$a\"; done >\"$d/sm.argv\"\n"
	    "cat >\"$d/sm.msg\" || exit 74\n"
	    "code=$(cat \"$d/sm.exit\")\n"
	    "[ \"$code\" = 0 ] || echo \"sm: fatal: refused ($code)\" >&2\n"
	    "touch \"$d/sm.done\"\n"
	    "exit $code\n";
	static const char hang[] =
	    "#!/bin/sh\n"
	    "cat >/dev/null\n"
	    "sleep 30 &\n"
	    "echo $! >\"$(dirname \"$0\")/hang.pid\"\n"
	    "wait\n";
	struct submit_result res;
	struct sigaction sa;
	struct submit *s, *st, *sh;
	struct mimew *m;
	struct buf err = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	struct buf pb = BUF_INIT;
	char	spec[PATH_MAX + 64];
	time_t	t0;
	int	fd, i, st_ok;
	pid_t	gone;

	close(put(path("%s", "sm"), script, sizeof(script) - 1, 0700));
	close(put(path("%s", "hang"), hang, sizeof(hang) - 1, 0700));
	snprintf(spec, sizeof(spec), "sendmail:%s -x", path("%s", "sm"));
	CHECK(submit_open(&s, spec, &err) == 0, "sendmail opened");
	snprintf(spec, sizeof(spec), "sendmail:%s -t -oi", path("%s", "sm"));
	CHECK(submit_open(&st, spec, &err) == 0, "sendmail -t opened");
	snprintf(spec, sizeof(spec), "sendmail:%s", path("%s", "hang"));
	CHECK(submit_open(&sh, spec, &err) == 0, "hanging sendmail opened");
	if (!s || !st || !sh)
		return;
	if (!(m = message(a, 2)))
		return;
	fd = open(path("%s", "want.eml"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(mimew_write_fd(m, fd) == 0, "message written for reference");
	close(fd);
	slurp(path("%s", "want.eml"), &want);

	sm_exit("0");
	CHECK(submit_send(s, FROM, rcpts, 2, m, &res) == SUBMIT_HANDED,
	    "sendmail exit 0: handed (%s)", res.text);
	CHECK(sm_argv("-x\n-i\n-f\n" FROM "\n--\na@firma.example\n"
	    "B@Firma.example\n"), "argv: args, -i, -f FROM, --, recipients");
	slurp(path("%s", "sm.msg"), &got);
	CHECK(got.len > 0 && got.len == want.len &&
	    !memcmp(got.data, want.data, got.len),
	    "the command read the whole message (%zu bytes)", got.len);
	CHECK(decodes(path("%s", "sm.msg"), a, 2), "and it decodes");
	CHECK(sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL,
	    "SIGPIPE restored");

	CHECK(submit_send(st, FROM, NULL, 0, m, &res) == SUBMIT_HANDED,
	    "sendmail -t without recipients: handed");
	CHECK(sm_argv("-t\n-oi\n-f\n" FROM "\n"),
	    "argv with -t -oi: no -i, no --, no recipients");

	sm_exit("75");
	CHECK(submit_send(s, FROM, rcpts, 1, m, &res) == SUBMIT_TEMPFAIL &&
	    res.code == 75, "sendmail exit 75: tempfail");
	CHECK(strstr(res.text, "exited with status 75") != NULL,
	    "text: %s", res.text);
	sm_exit("1");
	CHECK(submit_send(s, FROM, rcpts, 1, m, &res) == SUBMIT_FAILED &&
	    res.code == 1, "sendmail exit 1: failed");
	CHECK(strstr(res.text, "exited with status 1: sm: fatal: refused (1)")
	    != NULL, "its first output line kept: %s", res.text);

	/* A file shrinks after the message was laid out. */
	sm_exit("0");
	unlink(path("%s", "sm.done"));
	CHECK(ftruncate(a[1].fd, a[1].size / 2) == 0, "attachment truncated");
	CHECK(submit_send(s, FROM, rcpts, 1, m, &res) == SUBMIT_LOCAL_ERROR,
	    "changed file: local error (%s)", res.text);
	CHECK(!exists(path("%s", "sm.done")),
	    "the command was killed before it saw end of file");
	mimew_free(m);
	close(a[1].fd);
	attach(&a[1], a[1].name, (size_t)a[1].size);

	m = message(a, 1);
	submit_set_timeout(sh, 1);
	t0 = time(NULL);
	CHECK(submit_send(sh, FROM, rcpts, 1, m, &res) == SUBMIT_TEMPFAIL,
	    "hanging command: tempfail (%s)", res.text);
	CHECK(time(NULL) - t0 <= 4, "killed after the timeout");
	st_ok = 0;
	if (slurp(path("%s", "hang.pid"), &pb) == 0 && pb.data) {
		gone = (pid_t)atoi(pb.data);
		for (i = 0; i < 200 && !st_ok; i++) {
			char	sp[64], stb[256] = "";
			FILE	*f;

			snprintf(sp, sizeof(sp), "/proc/%d/stat", (int)gone);
			if (!(f = fopen(sp, "r"))) {
				st_ok = 1;
				break;
			}
			if (fgets(stb, sizeof(stb), f) && strstr(stb, ") Z "))
				st_ok = 1;
			fclose(f);
			if (!st_ok)
				msleep(10);
		}
	}
	CHECK(st_ok, "its process group was killed too");
	mimew_free(m);

	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD,
	    "no child left behind");
	submit_close(s);
	submit_close(st);
	submit_close(sh);
	buf_free(&err);
	buf_free(&want);
	buf_free(&got);
	buf_free(&pb);
}

/* test_modes - each answer of the sink */
static void
test_modes(struct att *a)
{
	struct submit_result res;
	struct submit *s;
	struct sink k;
	struct mimew *m = message(a, 2);
	struct buf b = BUF_INIT;

	if (!m)
		return;

	/* ok: two recipients, the message stored and decoded */
	CHECK(sink_start(&k, "ok", NULL) == 0, "sink ok started");
	if ((s = smtp("smtp", k.port))) {
		CHECK(submit_send(s, FROM, rcpts, 2, m, &res) == SUBMIT_SENT,
		    "ok: sent (%s)", res.text);
		CHECK(res.code == 250, "ok: code %d", res.code);
		CHECK_STR(res.queue_id, "SINK001", "ok: queue id parsed");
		CHECK_STR(res.text, "250 2.0.0 Ok: queued as SINK001",
		    "ok: reply text kept");
		CHECK(res.rcpt_code[0] == 250 && res.rcpt_code[1] == 250 &&
		    res.nrefused == 0, "ok: both recipients accepted");
		slurp(sink_file(&k, "001.env"), &b);
		CHECK(has(&b, "mail <" FROM ">\n") &&
		    has(&b, "rcpt <a@firma.example>\nrcpt <B@Firma.example>\n"),
		    "ok: envelope in <>, recipients as given");
		CHECK(decodes(sink_file(&k, "001.eml"), a, 2),
		    "ok: the stored message decodes to the files");
		slurp(sink_file(&k, "session.log"), &b);
		CHECK(has(&b, "C: MAIL FROM:<" FROM "> SIZE="),
		    "ok: the size is announced");
		submit_close(s);
	}
	sink_stop(&k);

	CHECK(sink_start(&k, "451-then-250", NULL) == 0,
	    "sink 451-then-250 started");
	if ((s = smtp("smtp", k.port))) {
		CHECK(submit_send(s, FROM, rcpts, 1, m, &res) ==
		    SUBMIT_TEMPFAIL && res.code == 451, "451: tempfail");
		CHECK_STR(res.text, "451 4.3.0 Error: try again later",
		    "451: reply text kept");
		CHECK(submit_send(s, FROM, rcpts, 1, m, &res) == SUBMIT_SENT &&
		    !strcmp(res.queue_id, "SINK002"),
		    "then 250: sent, queue %s", res.queue_id);
		CHECK(decodes(sink_file(&k, "002.eml"), a, 2),
		    "the retry stored the whole message");
		submit_close(s);
	}
	sink_stop(&k);

	CHECK(sink_start(&k, "drop-after-dot", NULL) == 0, "sink drop started");
	if ((s = smtp("smtp", k.port))) {
		CHECK(submit_send(s, FROM, rcpts, 1, m, &res) ==
		    SUBMIT_TEMPFAIL && res.code == 0, "dropped after the dot: "
		    "tempfail");
		CHECK(strstr(res.text, "outcome is unknown") != NULL,
		    "text: %s", res.text);
		CHECK(!strchr(res.text, '\r') && !strchr(res.text, '\n'),
		    "text is one line");
		submit_close(s);
	}
	sink_stop(&k);

	CHECK(sink_start(&k, "reject-dup", NULL) == 0,
	    "sink reject-dup started");
	if ((s = smtp("smtp", k.port))) {
		CHECK(submit_send(s, FROM, rcpts, 1, m, &res) ==
		    SUBMIT_DUPLICATE && res.code == 550, "duplicate (%s)",
		    res.text);
		submit_close(s);
	}
	sink_stop(&k);

	CHECK(sink_start(&k, "550", NULL) == 0, "sink 550 started");
	if ((s = smtp("smtp", k.port))) {
		CHECK(submit_send(s, FROM, rcpts, 1, m, &res) ==
		    SUBMIT_FAILED && res.code == 550, "550: failed");
		CHECK_STR(res.text, "550 5.7.1 message refused",
		    "550: reply text kept");
		submit_close(s);
	}
	sink_stop(&k);

	/* STARTTLS required but not offered: nothing goes in clear. */
	CHECK(sink_start(&k, "ok", NULL) == 0, "sink for STARTTLS started");
	if ((s = smtp("submission", k.port))) {
		CHECK(submit_send(s, FROM, rcpts, 1, m, &res) ==
		    SUBMIT_TEMPFAIL, "no STARTTLS: tempfail (%s)", res.text);
		submit_close(s);
	}
	sink_stop(&k);
	slurp(sink_file(&k, "session.log"), &b);
	CHECK(has(&b, "C: EHLO") && !has(&b, "C: MAIL"),
	    "no STARTTLS: no MAIL command sent");

	if ((s = smtp("smtp", free_port()))) {
		CHECK(submit_send(s, FROM, rcpts, 1, m, &res) ==
		    SUBMIT_TEMPFAIL && res.code == 0,
		    "connection refused: tempfail (%s)", res.text);
		submit_close(s);
	}
	mimew_free(m);
	buf_free(&b);
}

/*
 * A server for what smtpsink.py does not do: RCPT refused for
 * addresses starting with "no" (550) or "later" (450), and the reply
 * to the data given as lines on the command line.  One connection.
 */
static const char mini_py[] =
    "import os, socket, sys\n"
    "a = sys.argv\n"
    "d, port, final = a[2], int(a[4]), a[7:]\n"
    "os.makedirs(d, exist_ok=True)\n"
    "s = socket.socket()\n"
    "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind(('127.0.0.1', port))\n"
    "s.listen(1)\n"
    "s.settimeout(30)\n"
    "open(os.path.join(d, 'ready'), 'w').close()\n"
    "c, _ = s.accept()\n"
    "f = c.makefile('rb')\n"
    "def send(*l): c.sendall(b''.join(x.encode() + b'\\r\\n' for x in l))\n"
    "send('220 mini ESMTP')\n"
    "for raw in f:\n"
    "    v = raw.decode().strip()\n"
    "    u = v.upper()\n"
    "    if u.startswith('EHLO'): send('250-mini', '250 ENHANCEDSTATUSCODES')\n"
    "    elif u.startswith('MAIL'): send('250 2.1.0 Ok')\n"
    "    elif u.startswith('RCPT'):\n"
    "        r = v[8:].strip('<>')\n"
    "        if r.startswith('no'): send('550 5.1.1 <%s>: User unknown' % r)\n"
    "        elif r.startswith('later'): send('450 4.2.0 <%s>: later' % r)\n"
    "        else: send('250 2.1.5 Ok')\n"
    "    elif u == 'DATA':\n"
    "        send('354 go')\n"
    "        while f.readline() not in (b'.\\r\\n', b''): pass\n"
    "        send(*final)\n"
    "    elif u == 'QUIT':\n"
    "        send('221 2.0.0 Bye')\n"
    "        break\n"
    "    else: send('502 5.5.2 Error')\n";

/* mini - one transaction with the scripted server */
static int
mini(const char *const *to, size_t nto, const char *const *final,
    struct mimew *m, struct submit_result *res)
{
	struct submit *s;
	struct sink k;
	int	rc = -1;

	if (sink_start(&k, "mini", final) < 0) {
		printf("# the scripted server did not start\n");
		return -1;
	}
	if ((s = smtp("smtp", k.port))) {
		rc = submit_send(s, FROM, to, nto, m, res);
		submit_close(s);
	}
	sink_stop(&k);
	return rc;
}

/* test_replies - RCPT refusals and multi-line replies */
static void
test_replies(struct att *a)
{
	static const char *const ok[] = { "250 2.0.0 Ok: queued as 4F2A1B",
	    NULL };
	static const char *const dup[] = {
	    "550-5.7.1 e-Defter 1234567890 2025-10 already sent to",
	    "550 5.7.1 'a@b.example' on 2025-11-03T10:00:00.000Z", NULL };
	static const char *const relay[] = {
	    "554 5.7.1 <a@firma.example>: Relay access denied", NULL };
	static const char *const some[] = { "a@firma.example",
	    "no@firma.example", "later@firma.example" };
	static const char *const none[] = { "later@firma.example",
	    "no@firma.example" };
	struct submit_result res;
	struct mimew *m = message(a, 1);

	close(put(path("%s", "mini.py"), mini_py, sizeof(mini_py) - 1, 0600));
	if (!m)
		return;
	CHECK(mini(some, 3, ok, m, &res) == SUBMIT_SENT &&
	    !strcmp(res.queue_id, "4F2A1B"), "two of three refused at RCPT: "
	    "sent to the third (%s)", res.text);
	CHECK(res.nrefused == 2 && res.rcpt_code[0] == 250 &&
	    res.rcpt_code[1] == 550 && res.rcpt_code[2] == 450,
	    "the reply to each RCPT kept: %d %d %d", res.rcpt_code[0],
	    res.rcpt_code[1], res.rcpt_code[2]);
	CHECK_STR(res.refused_text, "no@firma.example: 550 5.1.1 "
	    "<no@firma.example>: User unknown", "the first refusal kept");
	CHECK(mini(none, 2, ok, m, &res) == SUBMIT_TEMPFAIL &&
	    res.code == 450 && !strncmp(res.text, "450 4.2.0", 9),
	    "all refused, one with 4xx: tempfail (%s)", res.text);
	CHECK(mini(none + 1, 1, ok, m, &res) == SUBMIT_FAILED &&
	    res.code == 550,
	    "the only recipient refused with 550: failed (%s)", res.text);
	CHECK(mini(rcpts, 1, dup, m, &res) == SUBMIT_DUPLICATE &&
	    res.code == 550, "the milter's duplicate reply, two lines: "
	    "duplicate");
	CHECK_STR(res.text, "550 5.7.1 e-Defter 1234567890 2025-10 already "
	    "sent to 'a@b.example' on 2025-11-03T10:00:00.000Z",
	    "the lines joined, the codes not repeated");
	CHECK(mini(rcpts, 1, relay, m, &res) == SUBMIT_FAILED &&
	    res.code == 554, "another 5.7.1: failed, not duplicate (%s)",
	    res.text);
	mimew_free(m);
}

/* test_changed - a file that shrinks: the transfer is aborted */
static void
test_changed(void)
{
	struct submit_result res;
	struct submit *s;
	struct sink k;
	struct att a[2];
	struct mimew *m;

	attach(&a[0], "1234567890-202501-YB-000001.xml", 1000);
	attach(&a[1], "1234567890-202501-KB-000001.zip", 300000);
	m = message(a, 2);
	CHECK(m && ftruncate(a[1].fd, 200000) == 0, "attachment truncated");
	CHECK(sink_start(&k, "ok", NULL) == 0, "sink started");
	if (m && (s = smtp("smtp", k.port))) {
		CHECK(submit_send(s, FROM, rcpts, 1, m, &res) ==
		    SUBMIT_LOCAL_ERROR && res.code == 0,
		    "changed file: local error (%s)", res.text);
		CHECK(strstr(res.text, a[1].name) != NULL,
		    "the text names the file");
		submit_close(s);
	}
	sink_stop(&k);
	CHECK(!exists(sink_file(&k, "001.env")) &&
	    !exists(sink_file(&k, "001.eml")), "the sink stored nothing");
	mimew_free(m);
	close(a[0].fd);
	close(a[1].fd);
}

/* test_big - a 5 MB attachment streams through */
static void
test_big(void)
{
	struct submit_result res;
	struct submit *s;
	struct sink k;
	struct att a[1];
	struct mimew *m;

	attach(&a[0], "1234567890-202501-Y-000001.zip", BIG);
	m = message(a, 1);
	CHECK(sink_start(&k, "ok", NULL) == 0, "sink started");
	if (m && (s = smtp("smtp", k.port))) {
		CHECK(submit_send(s, FROM, rcpts, 2, m, &res) == SUBMIT_SENT,
		    "5 MB: sent (%s)", res.text);
		submit_close(s);
	}
	sink_stop(&k);
	CHECK(decodes(sink_file(&k, "001.eml"), a, 1),
	    "5 MB: the attachment arrived intact");
	mimew_free(m);
	close(a[0].fd);
}

/* test_refused - bad arguments never reach the MTA */
static void
test_refused(struct att *a)
{
	static const char *const many[SUBMIT_RCPT_MAX + 1];
	static const char *const bad[] = { "a@b.example>\r\nDATA" };
	struct submit_result res;
	struct submit *s = smtp("smtp", 1);
	struct mimew *m = message(a, 1);

	if (!s || !m)
		return;
	CHECK(submit_send(s, FROM, many, SUBMIT_RCPT_MAX + 1, m, &res) ==
	    SUBMIT_LOCAL_ERROR, "too many recipients: %s", res.text);
	CHECK(submit_send(s, FROM, rcpts, 0, m, &res) == SUBMIT_LOCAL_ERROR,
	    "no recipients: %s", res.text);
	CHECK(submit_send(s, FROM, bad, 1, m, &res) == SUBMIT_LOCAL_ERROR &&
	    !strchr(res.text, '\r'), "bad recipient: %s", res.text);
	CHECK(submit_send(s, "x>\n", rcpts, 1, m, &res) == SUBMIT_LOCAL_ERROR,
	    "bad sender: %s", res.text);
	CHECK_STR(submit_outcome_name(SUBMIT_DUPLICATE), "duplicate",
	    "outcome names");
	submit_close(s);
	mimew_free(m);
}

/* rmtree - remove the scratch directory */
static void
rmtree(void)
{
	char	cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
}

int
main(void)
{
	struct att a[2];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (find_top() < 0 || access(PYTHON, X_OK) != 0) {
		printf("# need %s and tests/lib/smtpsink.py (run from the "
		    "source root)\n", PYTHON);
		return 1;
	}
	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	attach(&a[0], "1234567890-202501-YB-000001.xml", 3000);
	attach(&a[1], "GIB-1234567890-202501-KB-000001.zip", 100001);
	test_open();
	test_sendmail(a);
	test_modes(a);
	test_replies(a);
	test_changed();
	test_big();
	test_refused(a);
	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD,
	    "every server stopped");
	close(a[0].fd);
	close(a[1].fd);
	rmtree();
	return check_done();
}
