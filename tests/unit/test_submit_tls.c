/*
 * test_submit_tls - the Submit* keys (SubmitUser, SubmitPassword,
 * SubmitPasswordFile, SubmitCAFile, SubmitTLSVerify) as edefter.conf
 * reads them, the password file's checks, submit_open_conf(), and
 * submissions over STARTTLS and implicit TLS with AUTH against a small
 * Python server with certificates made here (a CA, a server certificate
 * it signed, and one of another CA): AUTH accepted, refused (535: once
 * a handle, then not tried), deferred (454: tried again), a certificate
 * that does not verify, verification off, no AUTH offered.  The password
 * is never in an error, a reply text, a description or a log line.
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
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "conf.h"
#include "mimew.h"
#include "submit.h"

#define PYTHON		"/usr/bin/python3"
#define USER		"scan@ofis.example"
#define PW		"Gizli p@rola:5#x;\"q"
#define FROM		"muhasebe@ofis.example"

static char dir[] = "/tmp/test_submit_tls.XXXXXX";
static const char *const rcpts[] = { "a@firma.example" };
static int have_tls;

/* path - a file in the scratch directory, in one of a few buffers */
static const char *
path(const char *name)
{
	static char p[8][PATH_MAX];
	static int k;

	k = (k + 1) % 8;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

/* put - write a file with a mode */
static void
put(const char *p, const char *text, mode_t mode)
{
	int	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t	n = strlen(text);

	if (fd < 0 || write(fd, text, n) != (ssize_t)n || fchmod(fd, mode) ||
	    close(fd)) {
		perror(p);
		exit(1);
	}
}

/* slurp - a whole file into b; -1 when absent */
static int
slurp(const char *p, struct buf *b)
{
	char	tmp[4096];
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

/* has - s holds w */
static int
has(const char *s, const char *w)
{
	return s && strstr(s, w) != NULL;
}

/* no_pw - nothing of the password in s */
static int
no_pw(const char *s)
{
	return s && !strstr(s, PW) && !strstr(s, "p@rola") &&
	    !strstr(s, "wrong-one");
}

/* load - conf_load of text for prog; the status, the error in err */
static int
load(struct conf *cf, const char *text, mode_t mode, unsigned prog,
    struct buf *err)
{
	const char *p = path("edefter.conf");

	put(p, text, mode);
	buf_reset(err);
	return conf_load(cf, p, 1, prog, err);
}

#define BASE	"ShareRoot /mnt\nFrom a@ofis.example\n"

static void
test_keys(void)
{
	struct buf err = BUF_INIT, t = BUF_INIT;
	struct conf cf;
	char	conf[2048];
	FILE	*fp;
	int	rc;

	put(path("pw600"), PW "\n", 0600);
	put(path("pw644"), PW "\n", 0644);
	put(path("pw640"), PW "\n", 0640);
	put(path("ca.pem"), "not read here\n", 0644);

	rc = load(&cf, BASE, 0644, CONF_SCAN, &err);
	CHECK(rc == 0 && cf.submit_tls_verify == 1 && !cf.submit_user &&
	    !cf.submit_password && !cf.submit_password_file &&
	    !cf.submit_ca_file, "defaults: verify, no login, system CAs");
	conf_free(&cf);

	snprintf(conf, sizeof(conf), BASE "Submit smtps://mail.example\n"
	    "SubmitUser " USER "\nSubmitPasswordFile %s\nSubmitCAFile %s\n"
	    "SubmitTLSVerify no\n", path("pw600"), path("ca.pem"));
	rc = load(&cf, conf, 0644, CONF_SCAN, &err);
	CHECK(rc == 0 && cf.submit_user && !strcmp(cf.submit_user, USER) &&
	    cf.submit_password_file && cf.submit_ca_file &&
	    cf.submit_tls_verify == 0, "all keys read: %s", BUF_STR(&err));
	conf_free(&cf);

	rc = load(&cf, BASE "SubmitUser " USER "\nSubmitPassword " PW "\n",
	    0600, CONF_SCAN, &err);
	CHECK(rc == 0 && cf.submit_password && !strcmp(cf.submit_password, PW),
	    "SubmitPassword keeps blanks, '#' after no blank, quotes");
	fp = tmpfile();
	conf_print(&cf, CONF_SCAN, fp);
	rewind(fp);
	{
		char line[512];

		buf_reset(&t);
		while (fgets(line, sizeof(line), fp))
			buf_adds(&t, line);
	}
	fclose(fp);
	CHECK(has(BUF_STR(&t), "SubmitPassword      (set, not shown)\n") &&
	    no_pw(BUF_STR(&t)) && has(BUF_STR(&t), "SubmitUser          "
	    USER "\n") && has(BUF_STR(&t), "SubmitTLSVerify     yes\n"),
	    "-n shows the user, not the password");
	conf_free(&cf);

	snprintf(conf, sizeof(conf), BASE "SubmitUser " USER
	    "\nSubmitPasswordFile %s\n", path("pw644"));
	rc = load(&cf, conf, 0644, CONF_SCAN, &err);
	CHECK(rc == EX_CONFIG && has(BUF_STR(&err), ":4: key "
	    "'SubmitPasswordFile': ") && has(BUF_STR(&err), path("pw644")) &&
	    has(BUF_STR(&err), "mode 0644 lets others read the password "
	    "(chmod 600 ") && no_pw(BUF_STR(&err)), "password file 0644: %s",
	    BUF_STR(&err));
	conf_free(&cf);

	snprintf(conf, sizeof(conf), BASE "SubmitUser " USER
	    "\nSubmitPasswordFile %s\n", path("pw640"));
	rc = load(&cf, conf, 0644, CONF_SCAN, &err);
	CHECK(rc == EX_CONFIG && has(BUF_STR(&err), "mode 0640 lets the group "
	    "read"), "password file 0640: %s", BUF_STR(&err));
	conf_free(&cf);

	rc = load(&cf, conf, 0644, CONF_MILTER, &err);
	CHECK(rc == 0, "the milter does not look at the scanner's password "
	    "file: %s", BUF_STR(&err));
	conf_free(&cf);

	snprintf(conf, sizeof(conf), BASE "SubmitUser " USER
	    "\nSubmitPasswordFile %s\n", dir);
	rc = load(&cf, conf, 0644, CONF_SCAN, &err);
	CHECK(rc == EX_CONFIG && has(BUF_STR(&err), "not a regular file"),
	    "password file a directory: %s", BUF_STR(&err));
	conf_free(&cf);

	snprintf(conf, sizeof(conf), BASE "SubmitUser " USER
	    "\nSubmitPasswordFile %s\n", path("absent"));
	rc = load(&cf, conf, 0644, CONF_SCAN, &err);
	CHECK(rc == EX_CONFIG && has(BUF_STR(&err), "No such file"),
	    "password file missing: %s", BUF_STR(&err));
	conf_free(&cf);

	rc = load(&cf, BASE "SubmitPasswordFile relative/pw\n", 0644,
	    CONF_SCAN, &err);
	CHECK(rc == EX_CONFIG && has(BUF_STR(&err), "absolute path"),
	    "password file relative: %s", BUF_STR(&err));
	conf_free(&cf);

	rc = load(&cf, BASE "SubmitUser " USER "\n", 0644, CONF_SCAN, &err);
	CHECK(rc == EX_CONFIG && has(BUF_STR(&err), ":3: key 'SubmitUser' "
	    "needs SubmitPassword or SubmitPasswordFile"), "user alone: %s",
	    BUF_STR(&err));
	conf_free(&cf);

	rc = load(&cf, BASE "SubmitPassword " PW "\n", 0600, CONF_SCAN, &err);
	CHECK(rc == EX_CONFIG && has(BUF_STR(&err), ":3: key 'SubmitPassword' "
	    "needs SubmitUser") && no_pw(BUF_STR(&err)),
	    "password alone: %s", BUF_STR(&err));
	conf_free(&cf);

	snprintf(conf, sizeof(conf), BASE "SubmitUser " USER "\nSubmitPassword "
	    PW "\nSubmitPasswordFile %s\n", path("pw600"));
	rc = load(&cf, conf, 0600, CONF_SCAN, &err);
	CHECK(rc == EX_CONFIG && has(BUF_STR(&err), ":5: key "
	    "'SubmitPasswordFile': SubmitPassword is given too (line 4)") &&
	    no_pw(BUF_STR(&err)), "both passwords: %s", BUF_STR(&err));
	conf_free(&cf);

	rc = load(&cf, BASE "SubmitUser " USER "\nSubmitPassword " PW "\n",
	    0644, CONF_SCAN, &err);
	CHECK(rc == EX_CONFIG && has(BUF_STR(&err), ":4: key 'SubmitPassword': "
	    "mode 0644 of ") && has(BUF_STR(&err), "lets others read the "
	    "password") && no_pw(BUF_STR(&err)),
	    "SubmitPassword in a file others can read: %s", BUF_STR(&err));
	conf_free(&cf);

	rc = load(&cf, BASE "SubmitUser " USER "\nSubmitPassword " PW "\n",
	    0640, CONF_SCAN, &err);
	CHECK(rc == 0, "SubmitPassword in a file its group can read: %s",
	    BUF_STR(&err));
	conf_free(&cf);

	rc = load(&cf, BASE "SubmitUser a b\nSubmitPassword x\n", 0600,
	    CONF_SCAN, &err);
	CHECK(rc == EX_CONFIG && has(BUF_STR(&err), "key 'SubmitUser': a user "
	    "name has no blanks"), "user with a blank: %s", BUF_STR(&err));
	conf_free(&cf);

	rc = load(&cf, BASE "SubmitCAFile /no/such/ca.pem\n", 0644, CONF_SCAN,
	    &err);
	CHECK(rc == EX_CONFIG && has(BUF_STR(&err), "key 'SubmitCAFile': "
	    "/no/such/ca.pem: No such file"), "CA file missing: %s",
	    BUF_STR(&err));
	conf_free(&cf);

	rc = load(&cf, BASE "SubmitTLSVerify maybe\n", 0644, CONF_SCAN, &err);
	CHECK(rc == EX_CONFIG && has(BUF_STR(&err), "key 'SubmitTLSVerify': "
	    "bad boolean 'maybe'"), "SubmitTLSVerify maybe: %s",
	    BUF_STR(&err));
	conf_free(&cf);

	rc = load(&cf, BASE "submittlsverify FALSE\n", 0644, CONF_SCAN, &err);
	CHECK(rc == 0 && cf.submit_tls_verify == 0, "keys are "
	    "case-insensitive: %s", BUF_STR(&err));
	conf_free(&cf);
	buf_free(&err);
	buf_free(&t);
}

/* read_pw - submit_read_password() of a file holding text, mode */
static int
read_pw(const char *text, mode_t mode, char **pw, struct buf *err)
{
	const char *p = path("pwfile");

	put(p, text, mode);
	buf_reset(err);
	return submit_read_password(p, pw, err);
}

static void
test_password_file(void)
{
	struct buf err = BUF_INIT;
	char	*pw, big[SUBMIT_PASSWORD_MAX + 8];
	int	rc;

	rc = read_pw(PW "\n", 0600, &pw, &err);
	CHECK(rc == 0 && pw && !strcmp(pw, PW), "the first line, LF cut");
	free(pw);
	rc = read_pw(PW "\r\nsecond line\n", 0400, &pw, &err);
	CHECK(rc == 0 && pw && !strcmp(pw, PW), "CRLF cut, the rest ignored");
	free(pw);
	rc = read_pw(" x ", 0600, &pw, &err);
	CHECK(rc == 0 && pw && !strcmp(pw, " x "), "no line end; blanks kept");
	free(pw);
	rc = read_pw(PW "\n", 0644, &pw, &err);
	CHECK(rc == -1 && !pw && has(BUF_STR(&err), "SubmitPasswordFile ") &&
	    has(BUF_STR(&err), path("pwfile")) && has(BUF_STR(&err),
	    "mode 0644 lets others read the password") && no_pw(BUF_STR(&err)),
	    "0644 refused: %s", BUF_STR(&err));
	rc = read_pw(PW "\n", 0604, &pw, &err);
	CHECK(rc == -1 && has(BUF_STR(&err), "mode 0604 lets others"),
	    "0604 refused: %s", BUF_STR(&err));
	rc = read_pw(PW "\n", 0640, &pw, &err);
	CHECK(rc == -1 && has(BUF_STR(&err), "mode 0640 lets the group"),
	    "0640 refused: %s", BUF_STR(&err));
	rc = read_pw(PW "\n", 0620, &pw, &err);
	CHECK(rc == 0, "0620: nobody else reads it");
	free(pw);
	rc = read_pw("", 0600, &pw, &err);
	CHECK(rc == -1 && has(BUF_STR(&err), "no password on the first line"),
	    "empty: %s", BUF_STR(&err));
	rc = read_pw("\nsecond\n", 0600, &pw, &err);
	CHECK(rc == -1 && has(BUF_STR(&err), "no password on the first line"),
	    "empty first line: %s", BUF_STR(&err));
	memset(big, 'x', sizeof(big));
	big[SUBMIT_PASSWORD_MAX] = '\n';
	big[SUBMIT_PASSWORD_MAX + 1] = 0;
	rc = read_pw(big, 0600, &pw, &err);
	CHECK(rc == 0 && pw && strlen(pw) == SUBMIT_PASSWORD_MAX,
	    "%d bytes: the longest", SUBMIT_PASSWORD_MAX);
	free(pw);
	big[SUBMIT_PASSWORD_MAX] = 'x';
	big[SUBMIT_PASSWORD_MAX + 1] = '\n';
	big[SUBMIT_PASSWORD_MAX + 2] = 0;
	rc = read_pw(big, 0600, &pw, &err);
	CHECK(rc == -1 && has(BUF_STR(&err), "longer than 1023 bytes") &&
	    !has(BUF_STR(&err), "xxxx"), "1024 bytes refused: %s",
	    BUF_STR(&err));
	{
		const char *p = path("pwnul");
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd < 0 || write(fd, "ab\0cd\n", 6) != 6 || close(fd))
			perror(p);
		buf_reset(&err);
		rc = submit_read_password(p, &pw, &err);
		CHECK(rc == -1 && has(BUF_STR(&err), "a NUL byte"),
		    "a NUL byte refused: %s", BUF_STR(&err));
	}
	buf_reset(&err);
	rc = submit_read_password(dir, &pw, &err);
	CHECK(rc == -1 && has(BUF_STR(&err), "not a regular file"),
	    "a directory refused: %s", BUF_STR(&err));
	buf_reset(&err);
	rc = submit_read_password(path("absent"), &pw, &err);
	CHECK(rc == -1 && has(BUF_STR(&err), "No such file"),
	    "missing: %s", BUF_STR(&err));
	buf_free(&err);
}

/* captured - run submit_open_conf with stderr (the log) in b */
static int
captured(struct submit **s, const struct conf *cf, struct buf *err,
    struct buf *b)
{
	const char *p = path("stderr");
	int	fd, saved, rc;

	fflush(stderr);
	saved = dup(2);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);
	buf_reset(err);
	rc = submit_open_conf(s, cf, err);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	slurp(p, b);
	while (b->len && b->data[b->len - 1] == '\n')
		b->data[--b->len] = 0;
	return rc;
}

static void
test_open_conf(void)
{
	struct buf err = BUF_INIT, log = BUF_INIT;
	struct submit *s;
	struct conf cf;
	int	rc;

	memset(&cf, 0, sizeof(cf));
	cf.submit_tls_verify = 1;
	cf.submit = (char *)"submission://url-user:url%20pw@mail.example";
	rc = captured(&s, &cf, &err, &log);
	CHECK(rc == 0 && s && !strcmp(submit_describe(s),
	    "submission://url-user@mail.example:587/") && log.len == 0,
	    "the URL's login without keys: %s", s ? submit_describe(s) : "-");
	submit_close(s);

	cf.submit_user = (char *)USER;
	cf.submit_password = (char *)PW;
	rc = captured(&s, &cf, &err, &log);
	CHECK(rc == 0 && s && !strcmp(submit_describe(s),
	    "submission://" USER "@mail.example:587/"),
	    "the keys replace the URL's login: %s", s ? submit_describe(s) :
	    "-");
	submit_close(s);

	put(path("pw"), "wrong-one\n", 0600);
	cf.submit_password = NULL;
	cf.submit_password_file = (char *)path("pw");
	rc = captured(&s, &cf, &err, &log);
	CHECK(rc == 0 && s, "SubmitPasswordFile read");
	submit_close(s);

	chmod(path("pw"), 0644);
	rc = captured(&s, &cf, &err, &log);
	CHECK(rc == -1 && !s && has(BUF_STR(&err), "mode 0644") &&
	    no_pw(BUF_STR(&err)), "a file made readable since: %s",
	    BUF_STR(&err));

	cf.submit_password_file = NULL;
	rc = captured(&s, &cf, &err, &log);
	CHECK(rc == -1 && has(BUF_STR(&err), "no SubmitPassword"),
	    "a user without a password: %s", BUF_STR(&err));

	cf.submit_password = (char *)PW;
	cf.submit_ca_file = (char *)path("absent-ca.pem");
	rc = captured(&s, &cf, &err, &log);
	CHECK(rc == -1 && has(BUF_STR(&err), "SubmitCAFile ") &&
	    has(BUF_STR(&err), "No such file"), "a CA file gone: %s",
	    BUF_STR(&err));

	cf.submit_ca_file = NULL;
	cf.submit_tls_verify = 0;
	cf.submit = (char *)"smtps://mail.example";
	rc = captured(&s, &cf, &err, &log);
	CHECK(rc == 0 && has(BUF_STR(&log), "warning: Submit smtps://" USER
	    "@mail.example:465/: SubmitTLSVerify no: the server's certificate "
	    "is not verified") && no_pw(BUF_STR(&log)),
	    "SubmitTLSVerify no is a warning: %s", BUF_STR(&log));
	submit_close(s);

	cf.submit = (char *)"smtp://127.0.0.1:25";
	rc = captured(&s, &cf, &err, &log);
	CHECK(rc == 0 && log.len == 0, "smtp:// to this machine: no TLS, no "
	    "warning: %s", BUF_STR(&log));
	submit_close(s);

	cf.submit = (char *)"smtp://mail.example:25";
	cf.submit_tls_verify = 1;
	rc = captured(&s, &cf, &err, &log);
	CHECK(rc == 0 && has(BUF_STR(&log), "no TLS: the password goes over "
	    "the network in clear") && no_pw(BUF_STR(&log)),
	    "smtp:// elsewhere with a password: a warning: %s", BUF_STR(&log));
	submit_close(s);

	cf.submit = (char *)"sendmail:/bin/true";
	cf.submit_ca_file = (char *)path("absent-ca.pem");
	rc = captured(&s, &cf, &err, &log);
	CHECK(rc == 0 && s && log.len == 0, "sendmail: the keys are not used");
	submit_close(s);
	buf_free(&err);
	buf_free(&log);
}

/* ---- submissions over TLS ------------------------------------------------- */

/*
 * A small ESMTP server over TLS: implicit, or STARTTLS; AUTH PLAIN
 * after TLS, checked against DIR/login ("user\npassword"); one line per
 * connection in DIR/conns, the user of each AUTH with ok/bad in DIR/auth,
 * each message in DIR/msg.N.  Flags in MODE: implicit, starttls, noauth,
 * auth454, echo (535 quoting the password), rcpt550.
 */
static const char tls_py[] =
    "import base64, os, socket, ssl, sys\n"
    "a = dict(zip(sys.argv[1::2], sys.argv[2::2]))\n"
    "d, port, mode = a['--dir'], int(a['--port']), a['--mode'].split(',')\n"
    "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
    "ctx.load_cert_chain(a['--cert'], a['--key'])\n"
    "want = open(os.path.join(d, 'login')).read().split('\\n')[:2]\n"
    "s = socket.socket()\n"
    "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind(('127.0.0.1', port))\n"
    "s.listen(5)\n"
    "s.settimeout(60)\n"
    "open(os.path.join(d, 'ready'), 'w').close()\n"
    "def note(name, line):\n"
    "    with open(os.path.join(d, name), 'a') as f: f.write(line + '\\n')\n"
    "nmsg = 0\n"
    "def serve(c):\n"
    "    global nmsg\n"
    "    tls = False\n"
    "    if 'implicit' in mode:\n"
    "        c = ctx.wrap_socket(c, server_side=True); tls = True\n"
    "    f = c.makefile('rb')\n"
    "    def send(*l): c.sendall(b''.join(x.encode() + b'\\r\\n' for x in l))\n"
    "    send('220 tls ESMTP')\n"
    "    while True:\n"
    "        raw = f.readline()\n"
    "        if not raw: return\n"
    "        v = raw.decode().strip(); u = v.upper()\n"
    "        if u.startswith('EHLO'):\n"
    "            l = ['250-tls']\n"
    "            if 'starttls' in mode and not tls: l.append('250-STARTTLS')\n"
    "            if tls and 'noauth' not in mode: l.append('250-AUTH PLAIN')\n"
    "            send(*(l + ['250 ENHANCEDSTATUSCODES']))\n"
    "        elif u == 'STARTTLS':\n"
    "            send('220 2.0.0 go ahead')\n"
    "            c = ctx.wrap_socket(c, server_side=True); tls = True\n"
    "            f = c.makefile('rb')\n"
    "        elif u.startswith('AUTH PLAIN'):\n"
    "            b = v[10:].strip()\n"
    "            if not b:\n"
    "                send('334 ')\n"
    "                b = f.readline().decode().strip()\n"
    "            p = base64.b64decode(b).decode().split('\\0')\n"
    "            ok = p[1:] == want\n"
    "            note('auth', p[1] + (' ok' if ok else ' bad'))\n"
    "            if 'auth454' in mode: send('454 4.7.0 Temporary authentication failure')\n"
    "            elif 'echo' in mode: send('535 5.7.8 no such password: ' + p[2])\n"
    "            elif ok: send('235 2.7.0 Authentication successful')\n"
    "            else: send('535 5.7.8 Error: authentication failed')\n"
    "        elif u.startswith('MAIL'): send('250 2.1.0 Ok')\n"
    "        elif u.startswith('RCPT'):\n"
    "            if 'rcpt550' in mode: send('554 5.7.1 Relay access denied')\n"
    "            else: send('250 2.1.5 Ok')\n"
    "        elif u == 'DATA':\n"
    "            send('354 go')\n"
    "            body = []\n"
    "            while True:\n"
    "                l = f.readline()\n"
    "                if not l or l in (b'.\\r\\n', b'.\\n'): break\n"
    "                body.append(l)\n"
    "            nmsg += 1\n"
    "            open(os.path.join(d, 'msg.%d' % nmsg), 'wb').write(b''.join(body))\n"
    "            send('250 2.0.0 Ok: queued as TLS%d' % nmsg)\n"
    "        elif u == 'QUIT':\n"
    "            send('221 2.0.0 Bye'); return\n"
    "        else: send('502 5.5.2 what')\n"
    "while True:\n"
    "    try: c, _ = s.accept()\n"
    "    except socket.timeout: break\n"
    "    note('conns', 'connect')\n"
    "    try: serve(c)\n"
    "    except (ssl.SSLError, OSError) as e: note('conns', 'error ' + str(e))\n"
    "    try: c.close()\n"
    "    except OSError: pass\n";

struct srv {
	pid_t	 pid;
	int	 port;
	char	 dir[PATH_MAX];
};

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

static void
msleep(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };

	nanosleep(&ts, NULL);
}

/* srv_start - the server in mode with certificate name; 0 when ready */
static int
srv_start(struct srv *k, const char *mode, const char *cert)
{
	static int n;
	char	port[16], ready[PATH_MAX + 16], name[64], crt[PATH_MAX],
		key[PATH_MAX], login[PATH_MAX + 16];
	int	try, i, st, fd;

	snprintf(name, sizeof(name), "srv%d", ++n);
	snprintf(k->dir, sizeof(k->dir), "%s", path(name));
	snprintf(ready, sizeof(ready), "%s/ready", k->dir);
	snprintf(login, sizeof(login), "%s/login", k->dir);
	snprintf(crt, sizeof(crt), "%s/%s.crt", dir, cert);
	snprintf(key, sizeof(key), "%s/%s.key", dir, cert);
	mkdir(k->dir, 0700);
	put(login, USER "\n" PW "\n", 0600);
	for (try = 0; try < 5; try++) {
		k->port = free_port();
		snprintf(port, sizeof(port), "%d", k->port);
		if ((k->pid = fork()) < 0)
			return -1;
		if (k->pid == 0) {
			char out[PATH_MAX + 16];

			snprintf(out, sizeof(out), "%s/out", k->dir);
			fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0600);
			dup2(fd, 1);
			dup2(fd, 2);
			execl(PYTHON, PYTHON, path("tls.py"), "--dir", k->dir,
			    "--port", port, "--mode", mode, "--cert", crt,
			    "--key", key, (char *)NULL);
			_exit(127);
		}
		for (i = 0; i < 1000; i++) {
			if (access(ready, F_OK) == 0)
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

static void
srv_stop(struct srv *k)
{
	int	st;

	if (k->pid <= 0)
		return;
	kill(k->pid, SIGTERM);
	waitpid(k->pid, &st, 0);
	k->pid = -1;
}

/* srv_lines - how many lines of a server file hold s */
static int
srv_lines(const struct srv *k, const char *file, const char *s)
{
	struct buf b = BUF_INIT;
	char	p[PATH_MAX + 64];
	const char *c, *e;
	int	n = 0;

	snprintf(p, sizeof(p), "%s/%s", k->dir, file);
	if (slurp(p, &b) == 0)
		for (c = BUF_STR(&b); *c; c = *e ? e + 1 : e) {
			e = c + strcspn(c, "\n");
			if (memmem(c, (size_t)(e - c), s, strlen(s)))
				n++;
		}
	buf_free(&b);
	return n;
}

/* certs - a CA, a server certificate it signed, one of another CA */
static int
certs(void)
{
	char	cmd[8192];

	snprintf(cmd, sizeof(cmd),
	    "cd %s && { for ca in ca other; do "
	    "openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 "
	    "-keyout $ca.key -out $ca.crt -subj /CN=$ca "
	    "-addext basicConstraints=critical,CA:TRUE "
	    "-addext keyUsage=critical,keyCertSign,cRLSign || exit 1; done; "
	    "printf 'basicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n"
	    "subjectAltName=DNS:localhost,IP:127.0.0.1\\n' >ext; "
	    "for c in server:ca stranger:other; do n=${c%%:*} ca=${c#*:}; "
	    "openssl req -new -newkey rsa:2048 -nodes -keyout $n.key "
	    "-out $n.csr -subj /CN=localhost && "
	    "openssl x509 -req -in $n.csr -sha256 -days 2 -CA $ca.crt "
	    "-CAkey $ca.key -CAcreateserial -extfile ext -out $n.crt "
	    "|| exit 1; done; } >openssl.out 2>&1", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* message - a small message in memory */
static struct mimew *
message(void)
{
	static const char text[] = "From: " FROM "\r\nTo: a@firma.example\r\n"
	    "Subject: t\r\nMessage-ID: <tls@test>\r\n\r\nhi\r\n";

	return mimew_new_text(text, sizeof(text) - 1);
}

/* sendv - one submission through s */
static int
sendv(struct submit *s, struct submit_result *res)
{
	struct mimew *m = message();
	int	rc = submit_send(s, FROM, rcpts, 1, m, res);

	mimew_free(m);
	return rc;
}

/* opened - a handle for url with the test's login, CA and verification */
static struct submit *
opened(const char *url, const char *ca, int verify)
{
	struct buf err = BUF_INIT;
	struct submit *s = NULL;
	char	cafile[PATH_MAX];

	snprintf(cafile, sizeof(cafile), "%s/%s.crt", dir, ca ? ca : "");
	if (submit_open(&s, url, &err) < 0 ||
	    submit_set_login(s, USER, PW, &err) < 0 ||
	    submit_set_tls(s, ca ? cafile : NULL, verify, &err) < 0) {
		printf("# %s: %s\n", url, BUF_STR(&err));
		submit_close(s);
		s = NULL;
	}
	buf_free(&err);
	if (s)
		submit_set_timeout(s, 10);
	return s;
}

/* quiet - stderr (the log) to a file while f runs */
static int saved_fd = -1;

static void
quiet(int on)
{
	int	fd;

	fflush(stderr);
	if (on) {
		saved_fd = dup(2);
		fd = open(path("log"), O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(fd, 2);
		close(fd);
	} else if (saved_fd >= 0) {
		dup2(saved_fd, 2);
		close(saved_fd);
		saved_fd = -1;
	}
}

static void
test_tls(void)
{
	struct submit_result res;
	struct submit *s;
	struct srv k;
	char	url[256];
	struct buf log = BUF_INIT;
	int	rc;

	/* STARTTLS, AUTH accepted */
	if (srv_start(&k, "starttls", "server") < 0) {
		CHECK(0, "TLS server started");
		return;
	}
	snprintf(url, sizeof(url), "submission://127.0.0.1:%d", k.port);
	s = opened(url, "ca", 1);
	rc = sendv(s, &res);
	CHECK(rc == SUBMIT_SENT && !strcmp(res.queue_id, "TLS1") &&
	    srv_lines(&k, "auth", USER " ok") == 1,
	    "STARTTLS, AUTH PLAIN with the password as given: %s", res.text);
	submit_close(s);

	/* the wrong password: 535, then not tried through that handle */
	s = opened(url, "ca", 1);
	submit_set_login(s, USER, "wrong-one", &log);
	quiet(1);
	rc = sendv(s, &res);
	CHECK(rc == SUBMIT_TEMPFAIL && res.code == 535 && has(res.text,
	    "submission://" USER "@127.0.0.1:") && has(res.text, ": AUTH as "
	    USER " refused: 535 5.7.8 Error: authentication failed") &&
	    no_pw(res.text), "AUTH refused: tempfail, the reply: %s",
	    res.text);
	rc = sendv(s, &res);
	quiet(0);
	CHECK(rc == SUBMIT_TEMPFAIL && has(res.text, "not tried, an earlier "
	    "send failed: submission://") && srv_lines(&k, "conns",
	    "connect") == 2 && srv_lines(&k, "auth", USER " bad") == 1,
	    "then not tried again through that handle: %s", res.text);
	submit_close(s);
	slurp(path("log"), &log);
	while (log.len && log.data[log.len - 1] == '\n')
		log.data[--log.len] = 0;
	CHECK(has(BUF_STR(&log), "error: submission://" USER "@127.0.0.1:") &&
	    has(BUF_STR(&log), "refused: 535 5.7.8 Error: authentication "
	    "failed; nothing more is submitted there until the next pass") &&
	    no_pw(BUF_STR(&log)), "one error logged: %s", BUF_STR(&log));
	srv_stop(&k);

	/* 454 at AUTH: tried again */
	if (srv_start(&k, "implicit,auth454", "server") == 0) {
		snprintf(url, sizeof(url), "smtps://127.0.0.1:%d", k.port);
		s = opened(url, "ca", 1);
		rc = sendv(s, &res);
		CHECK(rc == SUBMIT_TEMPFAIL && res.code == 454 && has(res.text,
		    "AUTH as " USER " refused: 454 4.7.0"), "AUTH 454: %s",
		    res.text);
		rc = sendv(s, &res);
		CHECK(rc == SUBMIT_TEMPFAIL && res.code == 454 &&
		    srv_lines(&k, "conns", "connect") == 2,
		    "a 4xx at AUTH is tried again: %s", res.text);
		submit_close(s);
		srv_stop(&k);
	}

	/* a server quoting the password in its refusal */
	if (srv_start(&k, "implicit,echo", "server") == 0) {
		snprintf(url, sizeof(url), "smtps://127.0.0.1:%d", k.port);
		s = opened(url, "ca", 1);
		quiet(1);
		rc = sendv(s, &res);
		quiet(0);
		CHECK(rc == SUBMIT_TEMPFAIL && res.code == 535 && has(res.text,
		    "no such password: *******************") && no_pw(res.text),
		    "a password quoted back is starred out: %s", res.text);
		submit_close(s);
		srv_stop(&k);
		slurp(path("log"), &log);
		CHECK(no_pw(BUF_STR(&log)), "and not logged");
	}

	/* implicit TLS: the other CA's certificate, the system's CAs, off */
	if (srv_start(&k, "implicit", "stranger") == 0) {
		snprintf(url, sizeof(url), "smtps://127.0.0.1:%d", k.port);
		s = opened(url, "ca", 1);
		quiet(1);
		rc = sendv(s, &res);
		CHECK(rc == SUBMIT_TEMPFAIL && res.code == 0 && has(res.text,
		    "smtps://" USER "@127.0.0.1:") && has(res.text, ": TLS: "
		    "the server's certificate is not accepted (verified "
		    "against SubmitCAFile ") && has(res.text, "/ca.crt): SSL "
		    "certificate problem") && srv_lines(&k, "auth", USER) == 0,
		    "another CA's certificate refused, before AUTH: %s",
		    res.text);
		rc = sendv(s, &res);
		quiet(0);
		CHECK(rc == SUBMIT_TEMPFAIL && has(res.text, "not tried") &&
		    srv_lines(&k, "conns", "connect") == 1,
		    "and not tried again: %s", res.text);
		submit_close(s);

		s = opened(url, "other", 1);
		rc = sendv(s, &res);
		CHECK(rc == SUBMIT_SENT, "verified against that CA: %s",
		    res.text);
		submit_close(s);

		s = opened(url, NULL, 1);
		quiet(1);
		rc = sendv(s, &res);
		quiet(0);
		CHECK(rc == SUBMIT_TEMPFAIL && has(res.text, "(verified against "
		    "the system's CAs)"), "not a system CA: %s", res.text);
		submit_close(s);

		s = opened(url, "ca", 0);
		rc = sendv(s, &res);
		CHECK(rc == SUBMIT_SENT && srv_lines(&k, "auth", USER " ok") ==
		    2, "verification off: sent: %s", res.text);
		submit_close(s);
		srv_stop(&k);
	}

	/* the name checked is the URL's: localhost, DNS:localhost */
	if (srv_start(&k, "implicit", "server") == 0) {
		snprintf(url, sizeof(url), "smtps://localhost:%d", k.port);
		s = opened(url, "ca", 1);
		rc = sendv(s, &res);
		CHECK(rc == SUBMIT_SENT, "smtps://localhost matches DNS:localhost:"
		    " %s", res.text);
		submit_close(s);
		srv_stop(&k);
	}

	/* a login set, no AUTH offered, the relay refused: tempfail */
	if (srv_start(&k, "implicit,noauth,rcpt550", "server") == 0) {
		snprintf(url, sizeof(url), "smtps://127.0.0.1:%d", k.port);
		s = opened(url, "ca", 1);
		rc = sendv(s, &res);
		CHECK(rc == SUBMIT_TEMPFAIL && res.code == 554 && has(res.text,
		    "the server offered no AUTH, so the login was not used: "
		    "554 5.7.1 Relay access denied"), "no AUTH offered: %s",
		    res.text);
		submit_close(s);
		srv_stop(&k);
	}

	/* submission:// to a server without STARTTLS: nothing in clear */
	if (srv_start(&k, "noauth", "server") == 0) {
		snprintf(url, sizeof(url), "submission://127.0.0.1:%d", k.port);
		s = opened(url, "ca", 1);
		quiet(1);
		rc = sendv(s, &res);
		quiet(0);
		CHECK(rc == SUBMIT_TEMPFAIL && has(res.text, "TLS: the server "
		    "does not offer STARTTLS") && srv_lines(&k, "auth", "") ==
		    0, "no STARTTLS: %s", res.text);
		submit_close(s);
		srv_stop(&k);
	}
	buf_free(&log);
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
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(dir)) {
		perror(dir);
		return 1;
	}
	test_keys();
	test_password_file();
	test_open_conf();
	have_tls = access(PYTHON, X_OK) == 0 && certs() == 0;
	if (have_tls) {
		put(path("tls.py"), tls_py, 0600);
		test_tls();
	} else
		printf("# skipped the TLS submissions: no %s or no openssl\n",
		    PYTHON);
	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD,
	    "every server stopped");
	rmtree();
	return check_done();
}
