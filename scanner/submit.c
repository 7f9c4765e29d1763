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

