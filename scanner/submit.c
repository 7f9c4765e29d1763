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
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "addr.h"
#include "conf.h"
#include "log.h"
#include "submit_int.h"

static int curl_ready;

/* shown - append s[0..n) to dst as printable ASCII, "..." when cut */
void
submit_shown(char *dst, size_t size, const char *s, size_t n)
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

/* submit_outcome - fill in the outcome, its code and its text */
int
submit_outcome(struct submit_result *res, enum submit_outcome o, int code,
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
		submit_shown(res->text, sizeof(res->text), tmp,
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
		rc = submit_open_sendmail(s, spec + 9, err);
	} else if (!curl_ready && curl_global_init(CURL_GLOBAL_DEFAULT)) {
		buf_printf(err, "Submit: libcurl cannot start");
		rc = -1;
	} else {
		curl_ready = 1;
		s->kind = KIND_SMTP;
		s->timeout = STALL_TIMEOUT;
		rc = submit_open_smtp(s, spec, err);
	}
	if (rc < 0) {
		submit_close(s);
		return -1;
	}
	*sp = s;
	return 0;
}

/* submit_set_login - SMTP AUTH as user with password, instead of the
 * URL's; see submit.h */
int
submit_set_login(struct submit *s, const char *user, const char *password,
    struct buf *err)
{
	char	*u, *p;

	if (s->kind != KIND_SMTP)
		return 0;
	if (!*user || !*password) {
		buf_printf(err, "Submit %s: an empty user name or password",
		    s->describe);
		return -1;
	}
	if (!(u = strdup(user)) || !(p = strdup(password))) {
		free(u);
		buf_printf(err, "Submit: %s", strerror(ENOMEM));
		return -1;
	}
	free(s->user);
	if (s->password)
		explicit_bzero(s->password, strlen(s->password));
	free(s->password);
	s->user = u;
	s->password = p;
	if (submit_describe_smtp(s) < 0) {
		buf_printf(err, "Submit: %s", strerror(ENOMEM));
		return -1;
	}
	return 0;
}

/* submit_set_tls - the CA file (NULL: the system's) and verification */
int
submit_set_tls(struct submit *s, const char *cafile, int verify,
    struct buf *err)
{
	char	*c = NULL;
	int	fd;

	if (s->kind != KIND_SMTP)
		return 0;
	if (cafile) {
		if ((fd = open(cafile, O_RDONLY | O_CLOEXEC)) < 0) {
			buf_printf(err, "SubmitCAFile %s: %s", cafile,
			    strerror(errno));
			return -1;
		}
		close(fd);
		if (!(c = strdup(cafile))) {
			buf_printf(err, "Submit: %s", strerror(ENOMEM));
			return -1;
		}
	}
	free(s->cafile);
	s->cafile = c;
	s->noverify = !verify;
	return 0;
}

/*
 * submit_read_password - the first line of a file that only its owner
 * may read; the line end (LF or CRLF) is not part of it
 */
int
submit_read_password(const char *path, char **pw, struct buf *err)
{
	char	tmp[SUBMIT_PASSWORD_MAX + 2];
	struct stat st;
	ssize_t	n;
	size_t	len = 0;
	int	fd, rc = -1;

	*pw = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		buf_printf(err, "SubmitPasswordFile %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		buf_printf(err, "SubmitPasswordFile %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		buf_printf(err, "SubmitPasswordFile %s: not a regular file",
		    path);
		goto out;
	}
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		buf_printf(err, "SubmitPasswordFile %s: mode %04o lets %s read "
		    "the password (chmod 600 %s)", path, (unsigned)(st.st_mode &
		    07777), st.st_mode & S_IROTH ? "others" : "the group", path);
		goto out;
	}
	while (len < sizeof(tmp) && (n = read(fd, tmp + len,
	    sizeof(tmp) - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_printf(err, "SubmitPasswordFile %s: %s", path,
			    strerror(errno));
			goto out;
		}
		len += (size_t)n;
		if (memchr(tmp, '\n', len))
			break;
	}
	if (memchr(tmp, '\n', len))
		len = (size_t)((char *)memchr(tmp, '\n', len) - tmp);
	if (len && tmp[len - 1] == '\r')
		len--;
	if (len > SUBMIT_PASSWORD_MAX) {
		buf_printf(err, "SubmitPasswordFile %s: the first line is "
		    "longer than %d bytes", path, SUBMIT_PASSWORD_MAX);
		goto out;
	}
	if (len == 0 || memchr(tmp, 0, len)) {
		buf_printf(err, "SubmitPasswordFile %s: %s", path, len ?
		    "a NUL byte in the password" : "no password on the first "
		    "line");
		goto out;
	}
	if (!(*pw = strndup(tmp, len))) {
		buf_printf(err, "Submit: %s", strerror(ENOMEM));
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(tmp, sizeof(tmp));
	close(fd);
	return rc;
}

/* loopback - the host of s is this machine */
static int
loopback(const struct submit *s)
{
	static const char *const names[] = { "127.", "[::1]:", "localhost:",
	    NULL };
	size_t	i;

	for (i = 0; names[i]; i++)
		if (!strncasecmp(s->where, names[i], strlen(names[i])))
			return 1;
	return 0;
}

/*
 * submit_open_conf - Submit with SubmitUser, SubmitPassword or
 * SubmitPasswordFile, SubmitCAFile and SubmitTLSVerify of cf
 */
int
submit_open_conf(struct submit **sp, const struct conf *cf, struct buf *err)
{
	struct submit *s;
	char	*pw = NULL;
	int	 rc = -1;

	if (submit_open(&s, cf->submit, err) < 0)
		return -1;
	*sp = NULL;
	if (s->kind != KIND_SMTP) {
		*sp = s;
		return 0;
	}
	if (cf->submit_user) {
		if (cf->submit_password_file && submit_read_password(
		    cf->submit_password_file, &pw, err) < 0)
			goto out;
		if (!pw && !cf->submit_password) {
			buf_printf(err, "SubmitUser %s: no SubmitPassword or "
			    "SubmitPasswordFile", cf->submit_user);
			goto out;
		}
		if (submit_set_login(s, cf->submit_user, pw ? pw :
		    cf->submit_password, err) < 0)
			goto out;
	}
	if (submit_set_tls(s, cf->submit_ca_file, cf->submit_tls_verify,
	    err) < 0)
		goto out;
	if (s->tls && s->noverify)
		log_warn("Submit %s: SubmitTLSVerify no: the server's "
		    "certificate is not verified; whoever is in between can "
		    "read the mail%s", s->describe, s->password ?
		    " and the password" : "");
	if (!s->tls && s->password && !loopback(s))
		log_warn("Submit %s: no TLS: the password goes over the "
		    "network in clear (use submission:// or smtps://)",
		    s->describe);
	rc = 0;
out:
	if (pw) {
		explicit_bzero(pw, strlen(pw));
		free(pw);
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

/* submit_set_dsn - DSN parameters (RFC 3461) on the sends that follow:
 * RET=HDRS, ENVID, NOTIFY=SUCCESS,FAILURE,DELAY; NULL: none */
int
submit_set_dsn(struct submit *s, const char *envid)
{
	char	*e = NULL;

	if (envid && (e = strdup(envid)) == NULL)
		return -1;
	free(s->envid);
	s->envid = e;
	return 0;
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
	free(s->url);
	free(s->scheme);
	free(s->where);
	free(s->user);
	if (s->password)
		explicit_bzero(s->password, strlen(s->password));
	free(s->password);
	free(s->options);
	free(s->cafile);
	for (i = 0; i < s->argc; i++)
		free(s->argv[i]);
	free(s->argv);
	free(s->describe);
	free(s->envid);
	free(s);
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
		return submit_outcome(res, SUBMIT_LOCAL_ERROR, 0, "%zu recipients "
		    "(1 to %d allowed)", nrcpt, SUBMIT_RCPT_MAX);
	if (*from && addr_valid(from, strlen(from)) < 0)
		return submit_outcome(res, SUBMIT_LOCAL_ERROR, 0, "bad sender "
		    "address \"%s\"", from);
	for (i = 0; i < nrcpt; i++)
		if (addr_valid(rcpts[i], strlen(rcpts[i])) < 0)
			return submit_outcome(res, SUBMIT_LOCAL_ERROR, 0, "bad "
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
		rc = submit_smtp(s, from, rcpts, nrcpt, msg, res);
	else
		rc = submit_sendmail(s, from, rcpts, nrcpt, msg, res);
	e = errno;
	sigaction(SIGPIPE, &old, NULL);
	errno = e;
	return rc;
}

