/*
 * NAME
 *	submit_smtp - submission over SMTP with libcurl
 * DESCRIPTION
 *	See submit.h.  The outcome is read from the server's last complete
 *	reply (libcurl's debug callback), not from libcurl's return code:
 *	a milter's refusal after the final "." comes back from libcurl as
 *	CURLE_WEIRD_SERVER_REPLY.
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
#include "log.h"
#include "submit_int.h"

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
	int		 auth_offered;	/* EHLO said AUTH */
	int		 auth_sent;	/* AUTH was sent */
	int		 in_auth;	/* from AUTH until MAIL */
	int		 last_auth;	/* the last reply was to AUTH */
};


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

/* take - a malloc'd copy of a libcurl string, which is freed (wiped
 * first when it may be a password); 0, or -1 when out of memory */
static int
take(char **dst, char *src, int secret)
{
	int	rc = 0;

	if (src && !(*dst = strdup(src)))
		rc = -1;
	if (src && secret)
		explicit_bzero(src, strlen(src));
	curl_free(src);
	return rc;
}

/* submit_describe_smtp - scheme://[user@]host:port[/name], for logs and
 * replies: never the password, bytes other than printable ASCII as `?' */
int
submit_describe_smtp(struct submit *s)
{
	struct buf d = BUF_INIT;
	size_t	i;

	if (buf_printf(&d, "%s://%s%s%s", s->scheme, s->user ? s->user : "",
	    s->user ? "@" : "", s->where) < 0) {
		buf_free(&d);
		return -1;
	}
	for (i = 0; i < d.len; i++)
		if ((unsigned char)d.data[i] < ' ' || (unsigned char)d.data[i] >=
		    0x7f)
			d.data[i] = '?';
	free(s->describe);
	s->describe = buf_steal(&d);
	return 0;
}

/* open_smtp - parse an smtp, smtps or submission URL */
int
submit_open_smtp(struct submit *s, const char *spec, struct buf *err)
{
	enum { SCHEME, HOST, PORT, PATH, QUERY, FRAG, NPART };
	static const CURLUPart which[NPART] = { CURLUPART_SCHEME,
	    CURLUPART_HOST, CURLUPART_PORT, CURLUPART_PATH, CURLUPART_QUERY,
	    CURLUPART_FRAGMENT };
	struct buf d = BUF_INIT;
	CURLU	*u;
	CURLUcode uc;
	char	*v[NPART] = { NULL }, *port = NULL, *url = NULL;
	char	*user = NULL, *password = NULL, *options = NULL;
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
	curl_url_get(u, CURLUPART_USER, &user, CURLU_URLDECODE);
	curl_url_get(u, CURLUPART_PASSWORD, &password, CURLU_URLDECODE);
	curl_url_get(u, CURLUPART_OPTIONS, &options, CURLU_URLDECODE);
	i = take(&s->user, user, 0);
	i |= take(&s->password, password, 1);
	i |= take(&s->options, options, 0);
	if (i < 0)
		goto nomem;
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
	s->tls = s->starttls || !strcmp(v[SCHEME], "smtps");
	if (!curl_has(s->starttls ? "smtp" : v[SCHEME], s->tls)) {
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
	    curl_url_get(u, CURLUPART_URL, &url, 0) ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ||
	    take(&s->url, url, 0) < 0)
		goto nomem;
	if (buf_printf(&d, "%s:%s%s", v[HOST], port, v[PATH] ? v[PATH] : "") <
	    0 || !(s->scheme = strdup(v[SCHEME])))
		goto nomem;
	s->where = buf_steal(&d);
	if (submit_describe_smtp(s) < 0)
		goto nomem;
	rc = 0;
	goto out;
nomem:
	buf_printf(err, "Submit: %s", strerror(ENOMEM));
out:
	for (i = 0; i < NPART; i++)
		curl_free(v[i]);
	curl_free(port);
	buf_free(&d);
	curl_url_cleanup(u);
	return rc;
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
	submit_shown(r->refused_text, sizeof(r->refused_text), a, strlen(a));
	submit_shown(r->refused_text, sizeof(r->refused_text), ": ", 2);
	submit_shown(r->refused_text, sizeof(r->refused_text), c->last.data,
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
	if (code == 250 && len > 4 && !strncasecmp(line, "AUTH", 4) &&
	    (line[4] == ' ' || line[4] == '='))
		c->auth_offered = 1;
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
	c->last_auth = c->in_auth;
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
		/* Only the command word is looked at: AUTH carries secrets. */
		c->await_rcpt = size >= 5 && !strncasecmp(data, "RCPT ", 5);
		if (c->await_rcpt)
			c->rcpt_idx = c->nrcpt_sent++;
		c->quit = size >= 4 && !strncasecmp(data, "QUIT", 4);
		if (size >= 5 && !strncasecmp(data, "AUTH ", 5))
			c->in_auth = c->auth_sent = 1;
		else if (size >= 5 && !strncasecmp(data, "MAIL ", 5))
			c->in_auth = 0;
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

/* tls_failure - what a libcurl code says went wrong with TLS, or NULL;
 * *stuck when it will not get better by itself */
static const char *
tls_failure(CURLcode rc, int *stuck)
{
	*stuck = 1;
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
		return "the server's certificate is not accepted";
	case CURLE_SSL_CACERT_BADFILE:
		return "the CA certificates cannot be loaded";
	case CURLE_USE_SSL_FAILED:
		return "the server does not offer STARTTLS";
	case CURLE_SSL_CONNECT_ERROR:
		*stuck = 0;
		return "the TLS handshake failed";
	default:
		*stuck = 0;
		return NULL;
	}
}

/* redact - a server that quotes the password back gets `*'s in its place */
static void
redact(char *text, const char *secret)
{
	size_t	n = secret ? strlen(secret) : 0;
	char	*p;

	for (p = text; n && (p = strstr(p, secret)) != NULL; p += n)
		memset(p, '*', n);
}

/* stick - later sends through s give this outcome without connecting */
static void
stick(struct submit *s, struct submit_result *res)
{
	s->stuck = 1;
	s->stuck_code = res->code;
	redact(res->text, s->password);
	snprintf(s->stuck_text, sizeof(s->stuck_text), "%s", res->text);
	log_err("%s; nothing more is submitted there until the next pass",
	    res->text);
}

/* smtp_outcome - decide from the last reply and the libcurl result */
static void
smtp_outcome(struct submit *s, struct smtp_ctx *c, CURLcode rc,
    const char *errbuf)
{
	struct submit_result *res = c->res;
	const char *last = BUF_STR(&c->last), *why;
	const char *detail = *errbuf ? errbuf : curl_easy_strerror(rc);
	int	code = c->last_code, stuck;

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
	/*
	 * AUTH refused, a certificate that does not verify, no STARTTLS:
	 * nothing was submitted and the message is not at fault, so the
	 * period waits (as Postfix's own client defers such mail) and the
	 * rest of the pass does not try again.
	 */
	if (c->read_failed)
		submit_outcome(res, SUBMIT_LOCAL_ERROR, 0, "%s", mimew_error(c->msg));
	else if (rc == CURLE_OK) {
		submit_outcome(res, SUBMIT_SENT, code, "%s", last);
		queue_id(res->queue_id, sizeof(res->queue_id), last);
	} else if ((why = tls_failure(rc, &stuck)) != NULL) {
		if (rc == CURLE_PEER_FAILED_VERIFICATION ||
		    rc == CURLE_SSL_CACERT_BADFILE)
			submit_outcome(res, SUBMIT_TEMPFAIL, 0, "%s: TLS: %s "
			    "(verified against %s%s): %s", s->describe, why,
			    s->cafile ? "SubmitCAFile " : "the system's CAs",
			    s->cafile ? s->cafile : "", detail);
		else
			submit_outcome(res, SUBMIT_TEMPFAIL, 0, "%s: TLS: %s: %s",
			    s->describe, why, detail);
		if (stuck)
			stick(s, res);
	} else if (rc == CURLE_LOGIN_DENIED || (c->last_auth && code >= 400)) {
		if (c->last_auth && code >= 400)
			submit_outcome(res, SUBMIT_TEMPFAIL, code, "%s: AUTH as "
			    "%s refused: %s", s->describe, s->user ? s->user :
			    "?", last);
		else
			submit_outcome(res, SUBMIT_TEMPFAIL, 0, "%s: AUTH as %s "
			    "failed: %s", s->describe, s->user ? s->user : "?",
			    detail);
		if (code / 100 != 4)
			stick(s, res);
	} else if (code / 100 == 4)
		submit_outcome(res, SUBMIT_TEMPFAIL, code, "%s", last);
	else if (code / 100 == 5 && is_duplicate(code, last))
		submit_outcome(res, SUBMIT_DUPLICATE, code, "%s", last);
	else if (code / 100 == 5 && s->user && !c->auth_sent)
		submit_outcome(res, SUBMIT_TEMPFAIL, code, "%s: the server "
		    "offered no AUTH%s, so the login was not used: %s",
		    s->describe, c->auth_offered ? " that libcurl speaks" : "",
		    last);
	else if (code / 100 == 5)
		submit_outcome(res, SUBMIT_FAILED, code, "%s", last);
	else
		submit_outcome(res, SUBMIT_TEMPFAIL, 0, "%s: %s%s", s->describe,
		    c->eof && !c->final ? "no reply to the end of the data, "
		    "the outcome is unknown: " : "", detail);
}

#define SETOPT(o, v) do { \
	if (ok == CURLE_OK) \
		ok = curl_easy_setopt(h, o, v); \
} while (0)

/* smtp_send - one SMTP transaction through libcurl */
int
submit_smtp(struct submit *s, const char *from, const char *const *rcpts,
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

	if (s->stuck)
		return submit_outcome(res, SUBMIT_TEMPFAIL, s->stuck_code, "not "
		    "tried, an earlier send failed: %s", s->stuck_text);
	for (i = 0; i < nrcpt; i++, rl = n) {
		buf_reset(&addr);
		/* libcurl brackets the whole string: "<" + it + ">" */
		if ((s->envid ? buf_printf(&addr, "%s> NOTIFY=SUCCESS,FAILURE,"
		    "DELAY ORCPT=rfc822;%s", rcpts[i], rcpts[i]) :
		    buf_printf(&addr, "<%s>", rcpts[i])) < 0 ||
		    !(n = curl_slist_append(rl, addr.data)))
			break;
	}
	buf_reset(&addr);
	if (i < nrcpt || (s->envid ? buf_printf(&addr, "%s> RET=HDRS ENVID=%s",
	    from, s->envid) : buf_printf(&addr, "<%s>", from)) < 0 ||
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
	if (s->tls) {
		SETOPT(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
		SETOPT(CURLOPT_SSL_VERIFYPEER, s->noverify ? 0L : 1L);
		SETOPT(CURLOPT_SSL_VERIFYHOST, s->noverify ? 0L : 2L);
	}
	if (s->tls && s->cafile) {
		/* that CA alone, not the system's directory beside it */
		SETOPT(CURLOPT_CAINFO, s->cafile);
		SETOPT(CURLOPT_CAPATH, (char *)NULL);
	}
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
		submit_outcome(res, SUBMIT_LOCAL_ERROR, 0, "%s: libcurl: %s",
		    s->describe, curl_easy_strerror(ok));
	else
		smtp_outcome(s, &c, curl_easy_perform(h), errbuf);
	redact(res->text, s->password);
	redact(res->refused_text, s->password);
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

