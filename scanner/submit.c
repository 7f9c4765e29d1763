/*
 * submit - hand one message to the MTA; see submit.h.
 *
 * SMTP goes through libcurl.  Its result code alone cannot tell a 550
 * after the final "." from a broken connection (both can come back as
 * CURLE_WEIRD_SERVER_REPLY), so every reply line is followed through
 * the debug callback: the last complete reply, the reply to each RCPT,
 * and whether the whole message had been handed over when the transfer
 * ended.  The outcome rests on that reply, not on the libcurl code.
 *
 * The sendmail command is driven with poll(2) rather than a blocking
 * write: a command that stops reading must not hang the scanner, and
 * its output must be drained while it reads, or both sides could block.
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
#include "submit.h"

#define CONNECT_TIMEOUT	30		/* connection, greeting, EHLO, TLS */
#define STALL_TIMEOUT	120		/* no data moving during the upload */
#define REPLY_FACTOR	5		/* a reply may take 5 stalls: 600 s */
#define SENDMAIL_TIMEOUT 300
#define REPLY_KEEP	1024		/* reply text kept while reading */
#define CHUNK		65536		/* bytes written to sendmail at once */

#if LIBCURL_VERSION_NUM >= 0x080200
#define RCPT_ALLOWFAILS	CURLOPT_MAIL_RCPT_ALLOWFAILS
#elif LIBCURL_VERSION_NUM >= 0x074500
#define RCPT_ALLOWFAILS	CURLOPT_MAIL_RCPT_ALLLOWFAILS
#endif

enum kind { KIND_SMTP, KIND_SENDMAIL };

struct submit {
	enum kind	 kind;
	unsigned	 timeout;
	char		*describe;
	/* SMTP; all from libcurl */
	char		*url;		/* without credentials */
	char		*user;
	char		*password;
	char		*options;
	int		 starttls;
	/* sendmail */
	char		**argv;		/* the path and its arguments */
	size_t		 argc;
	int		 has_i, has_f, has_t;
};

struct smtp_ctx {
	struct mimew	*msg;
	const char *const *rcpts;
	size_t		 nrcpt;
	struct submit_result *res;
	int		 read_failed;	/* errno of mimew_read() */
	uint64_t	 handed;	/* bytes given to libcurl */
	int		 eof;		/* the whole message went to libcurl */
	int		 final;		/* a reply came after the message */
	int		 quit;		/* QUIT sent: the rest is not ours */
	int		 await_rcpt;	/* the next reply answers a RCPT */
	int		 last_rcpt;	/* the last reply answered a RCPT */
	size_t		 rcpt_idx;	/* which one */
	size_t		 nrcpt_sent;
	struct buf	 cur;		/* the reply being read */
	struct buf	 last;		/* the last complete reply */
	int		 last_code;
	struct buf	 rcpt4;		/* the first 4xx reply to a RCPT */
	int		 rcpt4_code;
	char		 xc[16];	/* the enhanced code of cur */
	size_t		 xlen;
};

static int curl_ready;

/* shown - append s[0..n) to dst as printable ASCII, "..." when cut */
static void
shown(char *dst, size_t size, const char *s, size_t n)
{
	size_t	i, k = strlen(dst);

	for (i = 0; i < n && k + 1 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		dst[k++] = c >= ' ' && c < 0x7f ? (char)c : '?';
	}
	dst[k] = 0;
	if (i < n && size > 4)
		memcpy(dst + size - 4, "...", 4);
}

/* outcome - fill in the outcome, its code and its text (a format) */
static int __attribute__((format(printf, 4, 5)))
outcome(struct submit_result *res, enum submit_outcome o, int code,
    const char *fmt, ...)
{
	char	tmp[1024];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	res->outcome = o;
	res->code = code;
	res->text[0] = 0;
	if (n > 0)
		shown(res->text, sizeof(res->text), tmp,
		    (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
	return (int)o;
}

/* submit_outcome_name - an outcome as a word */
const char *
submit_outcome_name(enum submit_outcome o)
{
	static const char *const names[] = {
		[SUBMIT_SENT] = "sent", [SUBMIT_DUPLICATE] = "duplicate",
		[SUBMIT_TEMPFAIL] = "tempfail", [SUBMIT_FAILED] = "failed",
		[SUBMIT_HANDED] = "handed",
		[SUBMIT_LOCAL_ERROR] = "local-error",
	};

	if ((unsigned)o < sizeof(names) / sizeof(names[0]))
		return names[o];
	return "unknown";
}

/* curl_has - libcurl speaks this protocol (and TLS when asked) */
static int
curl_has(const char *proto, int tls)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	const char *const *p;

	if (tls && !(v->features & CURL_VERSION_SSL))
		return 0;
	for (p = v->protocols; p && *p; p++)
		if (!strcmp(*p, proto))
			return 1;
	return 0;
}

/* open_smtp - parse an smtp, smtps or submission URL */
static int
open_smtp(struct submit *s, const char *spec, struct buf *err)
{
	enum { SCHEME, HOST, PORT, PATH, QUERY, FRAG, NPART };
	static const CURLUPart which[NPART] = { CURLUPART_SCHEME,
	    CURLUPART_HOST, CURLUPART_PORT, CURLUPART_PATH, CURLUPART_QUERY,
	    CURLUPART_FRAGMENT };
	struct buf d = BUF_INIT;
	CURLU	*u;
	CURLUcode uc;
	char	*v[NPART] = { NULL }, *port = NULL;
	int	 i, rc = -1;

	if (!(u = curl_url()))
		goto nomem;
	uc = curl_url_set(u, CURLUPART_URL, spec, CURLU_NON_SUPPORT_SCHEME);
	if (uc != CURLUE_OK) {
		buf_printf(err, "Submit: bad URL: %s", curl_url_strerror(uc));
		goto out;
	}
	for (i = 0; i < NPART; i++)
		curl_url_get(u, which[i], &v[i], 0);
	curl_url_get(u, CURLUPART_USER, &s->user, CURLU_URLDECODE);
	curl_url_get(u, CURLUPART_PASSWORD, &s->password, CURLU_URLDECODE);
	curl_url_get(u, CURLUPART_OPTIONS, &s->options, CURLU_URLDECODE);
	if (!v[SCHEME] || (strcmp(v[SCHEME], "smtp") && strcmp(v[SCHEME],
	    "smtps") && strcmp(v[SCHEME], "submission"))) {
		buf_printf(err, "Submit: unknown scheme \"%s\" (smtp, smtps, "
		    "submission or sendmail:)", v[SCHEME] ? v[SCHEME] : "");
		goto out;
	}
	if (!v[HOST] || !*v[HOST]) {
		buf_printf(err, "Submit: %s: no host", v[SCHEME]);
		goto out;
	}
	if (v[QUERY] || v[FRAG]) {
		buf_printf(err, "Submit: %s://%s: a query or fragment is not "
		    "allowed", v[SCHEME], v[HOST]);
		goto out;
	}
	s->starttls = !strcmp(v[SCHEME], "submission");
	if (!curl_has(s->starttls ? "smtp" : v[SCHEME], s->starttls ||
	    !strcmp(v[SCHEME], "smtps"))) {
		buf_printf(err, "Submit: %s: this libcurl cannot do it",
		    v[SCHEME]);
		goto out;
	}
	if (s->starttls) {
		if (curl_url_set(u, CURLUPART_SCHEME, "smtp", 0) ||
		    (!v[PORT] && curl_url_set(u, CURLUPART_PORT, "587", 0)))
			goto nomem;
	}
	if (curl_url_set(u, CURLUPART_USER, NULL, 0) ||
	    curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) ||
	    curl_url_set(u, CURLUPART_OPTIONS, NULL, 0) ||
	    curl_url_get(u, CURLUPART_URL, &s->url, 0) ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT))
		goto nomem;
	if (buf_printf(&d, "%s://%s%s%s:%s%s", v[SCHEME], s->user ? s->user :
	    "", s->user ? "@" : "", v[HOST], port, v[PATH] ? v[PATH] : "") < 0)
		goto nomem;
	s->describe = buf_steal(&d);
	rc = 0;
	goto out;
nomem:
	buf_printf(err, "Submit: %s", strerror(ENOMEM));
out:
	for (i = 0; i < NPART; i++)
		curl_free(v[i]);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

/* open_sendmail - split "/path args..." at blanks */
static int
open_sendmail(struct submit *s, const char *cmd, struct buf *err)
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

/* submit_open - parse the Submit value */
int
submit_open(struct submit **sp, const char *spec, struct buf *err)
{
	struct submit *s;
	int	rc;

	*sp = NULL;
	if (!(s = calloc(1, sizeof(*s)))) {
		buf_printf(err, "Submit: %s", strerror(ENOMEM));
		return -1;
	}
	if (!strncasecmp(spec, "sendmail:", 9)) {
		s->kind = KIND_SENDMAIL;
		s->timeout = SENDMAIL_TIMEOUT;
		rc = open_sendmail(s, spec + 9, err);
	} else if (!curl_ready && curl_global_init(CURL_GLOBAL_DEFAULT)) {
		buf_printf(err, "Submit: libcurl cannot start");
		rc = -1;
	} else {
		curl_ready = 1;
		s->kind = KIND_SMTP;
		s->timeout = STALL_TIMEOUT;
		rc = open_smtp(s, spec, err);
	}
	if (rc < 0) {
		submit_close(s);
		return -1;
	}
	*sp = s;
	return 0;
}

/* submit_set_timeout - the longest wait, see submit.h */
void
submit_set_timeout(struct submit *s, unsigned seconds)
{
	s->timeout = seconds ? seconds : 1;
}

/* submit_describe - the target, without a password */
const char *
submit_describe(const struct submit *s)
{
	return s->describe;
}

/* submit_close - free it all */
void
submit_close(struct submit *s)
{
	size_t	i;

	if (!s)
		return;
	curl_free(s->url);
	curl_free(s->user);
	if (s->password)
		explicit_bzero(s->password, strlen(s->password));
	curl_free(s->password);
	curl_free(s->options);
	for (i = 0; i < s->argc; i++)
		free(s->argv[i]);
	free(s->argv);
	free(s->describe);
	free(s);
}

/* is_duplicate - the edefter milter's "already sent" refusal */
static int
is_duplicate(int code, const char *text)
{
	const char *t = text + strspn(text, "0123456789");

	t += strspn(t, " ");
	if (code / 100 != 5 || strncmp(t, "5.7.1", 5) ||
	    (t[5] != ' ' && t[5] != 0))
		return 0;
	return strcasestr(t, "already sent") || strcasestr(t, "duplicate");
}

/* queue_id - the ID of "... queued as ID" */
static void
queue_id(char *dst, size_t size, const char *text)
{
	const char *p = strcasestr(text, "queued as ");
	size_t	n = 0;

	for (p = p ? p + 10 : ""; isalnum((unsigned char)p[n]) &&
	    n + 1 < size; n++)
		dst[n] = p[n];
	dst[n] = 0;
}

/* xcode - the length of an enhanced status code at s ("5.7.1"), or 0 */
static size_t
xcode(const char *s, size_t n)
{
	size_t	i, dots = 0;

	for (i = 0; i < n && (isdigit((unsigned char)s[i]) || s[i] == '.'); i++)
		dots += s[i] == '.';
	return dots == 2 && i >= 5 && i < 16 && (i == n || s[i] == ' ') ? i : 0;
}

/* rcpt_reply - note the reply to a RCPT */
static void
rcpt_reply(struct smtp_ctx *c, int code)
{
	struct submit_result *r = c->res;
	const char *a = c->rcpts[c->rcpt_idx];

	r->rcpt_code[c->rcpt_idx] = code;
	if (code / 100 == 4 && !c->rcpt4_code) {
		c->rcpt4_code = code;
		buf_set(&c->rcpt4, BUF_STR(&c->last), c->last.len);
	}
	if (code < 400 || r->nrefused++ > 0)
		return;
	shown(r->refused_text, sizeof(r->refused_text), a, strlen(a));
	shown(r->refused_text, sizeof(r->refused_text), ": ", 2);
	shown(r->refused_text, sizeof(r->refused_text), c->last.data,
	    c->last.len);
}

/*
 * reply_line - one line the server sent.  The lines of a reply are
 * joined as "550 5.7.1 first line second line", without repeating the
 * code and the enhanced code.
 */
static void
reply_line(struct smtp_ctx *c, const char *line, size_t len)
{
	int	code = 0, more = 0;
	size_t	x;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len >= 3 && isdigit((unsigned char)line[0]) && isdigit((unsigned
	    char)line[1]) && isdigit((unsigned char)line[2])) {
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
		more = len > 3 && line[3] == '-';
		x = len > 3 ? 4 : 3;
		line += x;
		len -= x;
	}
	if (len > REPLY_KEEP)
		len = REPLY_KEEP;
	if (c->cur.len == 0) {
		if (code)
			buf_printf(&c->cur, "%03d ", code);
		c->xlen = xcode(line, len);
		memcpy(c->xc, line, c->xlen);
		buf_add(&c->cur, line, len);
	} else if (c->cur.len < REPLY_KEEP) {
		x = xcode(line, len);
		if (x && x == c->xlen && !memcmp(line, c->xc, x)) {
			line += x;
			len -= x;
		}
		for (; len && *line == ' '; len--)
			line++;
		buf_addc(&c->cur, ' ');
		buf_add(&c->cur, line, len);
	}
	if (more)
		return;
	buf_set(&c->last, BUF_STR(&c->cur), c->cur.len);
	buf_reset(&c->cur);
	c->last_code = code;
	c->final |= c->eof;
	c->last_rcpt = c->await_rcpt && c->rcpt_idx < c->nrcpt;
	if (c->last_rcpt)
		rcpt_reply(c, code);
	c->await_rcpt = 0;
}

/* debug_cb - follow commands and replies (libcurl debug callback) */
static int
debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
	struct smtp_ctx *c = arg;
	char	*nl;
	size_t	n;

	(void)h;
	if (c->quit)
		return 0;
	if (type == CURLINFO_HEADER_OUT) {
		c->await_rcpt = size >= 5 && !strncasecmp(data, "RCPT ", 5);
		if (c->await_rcpt)
			c->rcpt_idx = c->nrcpt_sent++;
		c->quit = size >= 4 && !strncasecmp(data, "QUIT", 4);
	} else if (type == CURLINFO_HEADER_IN) {
		for (; size > 0; data += n, size -= n) {
			nl = memchr(data, '\n', size);
			n = nl ? (size_t)(nl - data) + 1 : size;
			reply_line(c, data, n);
		}
	}
	return 0;
}

/* read_cb - the next piece of the message (libcurl read callback) */
static size_t
read_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct smtp_ctx *c = arg;
	ssize_t	n;

	if ((n = mimew_read(c->msg, ptr, size * nmemb)) < 0) {
		c->read_failed = errno ? errno : EIO;
		return CURL_READFUNC_ABORT;
	}
	/* libcurl stops asking once it has the size it was told. */
	c->handed += (uint64_t)n;
	if (n == 0 || c->handed == mimew_size(c->msg))
		c->eof = 1;
	return (size_t)n;
}

/* seek_cb - back to the start (libcurl seek callback) */
static int
seek_cb(void *arg, curl_off_t off, int origin)
{
	struct smtp_ctx *c = arg;

	if (off != 0 || origin != SEEK_SET)
		return CURL_SEEKFUNC_CANTSEEK;
	mimew_rewind(c->msg);
	c->eof = 0;
	c->handed = 0;
	return CURL_SEEKFUNC_OK;
}

/* smtp_outcome - decide from the last reply and the libcurl result */
static void
smtp_outcome(struct submit *s, struct smtp_ctx *c, CURLcode rc,
    const char *errbuf)
{
	struct submit_result *res = c->res;
	const char *last = BUF_STR(&c->last);
	int	code = c->last_code;

	/*
	 * A refused RCPT ends the transaction only when no recipient is
	 * left (otherwise the failure came later, without a reply); then
	 * a 4xx among the refusals makes it worth trying again.
	 */
#ifdef RCPT_ALLOWFAILS
	if (rc != CURLE_OK && c->last_rcpt && res->nrefused < c->nrcpt)
		code = 0;
#endif
	if (rc != CURLE_OK && c->last_rcpt && code && c->rcpt4_code) {
		code = c->rcpt4_code;
		last = BUF_STR(&c->rcpt4);
	}
	if (c->read_failed)
		outcome(res, SUBMIT_LOCAL_ERROR, 0, "%s", mimew_error(c->msg));
	else if (rc == CURLE_OK) {
		outcome(res, SUBMIT_SENT, code, "%s", last);
		queue_id(res->queue_id, sizeof(res->queue_id), last);
	} else if (code / 100 == 4)
		outcome(res, SUBMIT_TEMPFAIL, code, "%s", last);
	else if (code / 100 == 5)
		outcome(res, is_duplicate(code, last) ? SUBMIT_DUPLICATE :
		    SUBMIT_FAILED, code, "%s", last);
	else
		outcome(res, SUBMIT_TEMPFAIL, 0, "%s: %s%s", s->describe,
		    c->eof && !c->final ? "no reply to the end of the data, "
		    "the outcome is unknown: " : "", *errbuf ? errbuf :
		    curl_easy_strerror(rc));
}

#define SETOPT(o, v) do { \
	if (ok == CURLE_OK) \
		ok = curl_easy_setopt(h, o, v); \
} while (0)

/* smtp_send - one SMTP transaction through libcurl */
static int
smtp_send(struct submit *s, const char *from, const char *const *rcpts,
    size_t nrcpt, struct mimew *msg, struct submit_result *res)
{
	struct smtp_ctx c = { .msg = msg, .rcpts = rcpts, .nrcpt = nrcpt,
	    .res = res };
	struct curl_slist *rl = NULL, *n;
	struct buf addr = BUF_INIT;
	char	errbuf[CURL_ERROR_SIZE] = "";
	CURL	*h = NULL;
	CURLcode ok = CURLE_OK;
	size_t	i;

	for (i = 0; i < nrcpt; i++, rl = n) {
		buf_reset(&addr);
		if (buf_printf(&addr, "<%s>", rcpts[i]) < 0 ||
		    !(n = curl_slist_append(rl, addr.data)))
			break;
	}
	buf_reset(&addr);
	if (i < nrcpt || buf_printf(&addr, "<%s>", from) < 0 ||
	    !(h = curl_easy_init()))
		ok = CURLE_OUT_OF_MEMORY;
	SETOPT(CURLOPT_URL, s->url);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#endif
	SETOPT(CURLOPT_NOPROXY, "*");
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_FORBID_REUSE, 1L);
	SETOPT(CURLOPT_CONNECTTIMEOUT, (long)(s->timeout < CONNECT_TIMEOUT ?
	    s->timeout : CONNECT_TIMEOUT));
	SETOPT(CURLOPT_LOW_SPEED_LIMIT, 1L);
	SETOPT(CURLOPT_LOW_SPEED_TIME, (long)s->timeout);
	SETOPT(CURLOPT_SERVER_RESPONSE_TIMEOUT,
	    (long)s->timeout * REPLY_FACTOR);
	if (s->starttls)
		SETOPT(CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (s->user)
		SETOPT(CURLOPT_USERNAME, s->user);
	if (s->password)
		SETOPT(CURLOPT_PASSWORD, s->password);
	if (s->options)
		SETOPT(CURLOPT_LOGIN_OPTIONS, s->options);
	SETOPT(CURLOPT_MAIL_FROM, addr.data);
	SETOPT(CURLOPT_MAIL_RCPT, rl);
#ifdef RCPT_ALLOWFAILS
	SETOPT(RCPT_ALLOWFAILS, 1L);
#endif
	SETOPT(CURLOPT_UPLOAD, 1L);
	SETOPT(CURLOPT_INFILESIZE_LARGE, (curl_off_t)mimew_size(msg));
	SETOPT(CURLOPT_READFUNCTION, read_cb);
	SETOPT(CURLOPT_READDATA, &c);
	SETOPT(CURLOPT_SEEKFUNCTION, seek_cb);
	SETOPT(CURLOPT_SEEKDATA, &c);
	SETOPT(CURLOPT_DEBUGFUNCTION, debug_cb);
	SETOPT(CURLOPT_DEBUGDATA, &c);
	SETOPT(CURLOPT_VERBOSE, 1L);
	SETOPT(CURLOPT_ERRORBUFFER, errbuf);
	if (ok != CURLE_OK)
		outcome(res, SUBMIT_LOCAL_ERROR, 0, "%s: libcurl: %s",
		    s->describe, curl_easy_strerror(ok));
	else
		smtp_outcome(s, &c, curl_easy_perform(h), errbuf);
	curl_easy_cleanup(h);
	curl_slist_free_all(rl);
	buf_free(&addr);
	buf_free(&c.cur);
	buf_free(&c.last);
	buf_free(&c.rcpt4);
	if (c.read_failed)
		errno = c.read_failed;
	return (int)res->outcome;
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
static int
sendmail_send(struct submit *s, const char *from, const char *const *rcpts,
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

	if (!(argv = calloc(s->argc + nrcpt + 6, sizeof(*argv))))
		return outcome(res, SUBMIT_LOCAL_ERROR, 0, "%s: %s", cmd,
		    strerror(ENOMEM));
	for (j = 0; j < s->argc; j++)
		argv[k++] = s->argv[j];
	if (!s->has_i)
		argv[k++] = (char *)"-i";
	if (!s->has_f) {
		argv[k++] = (char *)"-f";
		argv[k++] = (char *)from;
	}
	for (j = 0; !s->has_t && j <= nrcpt; j++)
		argv[k++] = (char *)(j ? rcpts[j - 1] : "--");

	if (high_pipe(in) < 0 || high_pipe(out) < 0 || (pid = fork()) < 0) {
		saved = errno;
		outcome(res, SUBMIT_LOCAL_ERROR, 0, "%s: cannot start: %s",
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
		outcome(res, SUBMIT_LOCAL_ERROR, 0, "%s", mimew_error(msg));
	else if (stop == STOP_PIPE)
		outcome(res, SUBMIT_LOCAL_ERROR, 0, "%s: write: %s", cmd,
		    strerror(saved));
	else if (stop == STOP_TIMEOUT)
		outcome(res, SUBMIT_TEMPFAIL, 0, "%s: no exit within %u s; "
		    "killed", cmd, s->timeout);
	else if (WIFSIGNALED(status))
		outcome(res, SUBMIT_FAILED, 128 + WTERMSIG(status), "%s killed "
		    "by signal %d%s%s", cmd, WTERMSIG(status), *o.first ? ": " :
		    "", o.first);
	else if (WEXITSTATUS(status) == 0 && !early)
		outcome(res, SUBMIT_HANDED, 0, "%s", "");
	else
		outcome(res, WEXITSTATUS(status) == EX_TEMPFAIL ?
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

/* bad_args - refuse what must not reach the MTA */
static int
bad_args(struct submit *s, const char *from, const char *const *rcpts,
    size_t nrcpt, struct submit_result *res)
{
	size_t	i;

	errno = EINVAL;
	if (nrcpt > SUBMIT_RCPT_MAX || (nrcpt == 0 &&
	    !(s->kind == KIND_SENDMAIL && s->has_t)))
		return outcome(res, SUBMIT_LOCAL_ERROR, 0, "%zu recipients "
		    "(1 to %d allowed)", nrcpt, SUBMIT_RCPT_MAX);
	if (*from && addr_valid(from, strlen(from)) < 0)
		return outcome(res, SUBMIT_LOCAL_ERROR, 0, "bad sender "
		    "address \"%s\"", from);
	for (i = 0; i < nrcpt; i++)
		if (addr_valid(rcpts[i], strlen(rcpts[i])) < 0)
			return outcome(res, SUBMIT_LOCAL_ERROR, 0, "bad "
			    "recipient address \"%s\"", rcpts[i]);
	return -1;
}

/* submit_send - submit msg; see submit.h */
int
submit_send(struct submit *s, const char *from, const char *const *rcpts,
    size_t nrcpt, struct mimew *msg, struct submit_result *res)
{
	struct sigaction ign, old;
	int	rc, e;

	memset(res, 0, sizeof(*res));
	if ((rc = bad_args(s, from, rcpts, nrcpt, res)) >= 0)
		return rc;
	mimew_rewind(msg);
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old);
	errno = 0;
	if (s->kind == KIND_SMTP)
		rc = smtp_send(s, from, rcpts, nrcpt, msg, res);
	else
		rc = sendmail_send(s, from, rcpts, nrcpt, msg, res);
	e = errno;
	sigaction(SIGPIPE, &old, NULL);
	errno = e;
	return rc;
}
