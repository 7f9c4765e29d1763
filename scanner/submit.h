/*
 * NAME
 *	submit - hand one message to the MTA, over SMTP or to sendmail
 * SYNOPSIS
 *	#include "submit.h"
 *
 *	int	submit_open(struct submit **sp, const char *spec,
 *		    struct buf *err);
 *	int	submit_open_conf(struct submit **sp, const struct conf *cf,
 *		    struct buf *err);
 *	int	submit_set_login(struct submit *s, const char *user,
 *		    const char *password, struct buf *err);
 *	int	submit_set_tls(struct submit *s, const char *cafile,
 *		    int verify, struct buf *err);
 *	int	submit_read_password(const char *path, char **pw,
 *		    struct buf *err);
 *	void	submit_set_timeout(struct submit *s, unsigned seconds);
 *	int	submit_set_dsn(struct submit *s, const char *envid);
 *	const char *submit_describe(const struct submit *s);
 *	int	submit_send(struct submit *s, const char *from_addr,
 *		    const char *const *rcpts, size_t nrcpt,
 *		    struct mimew *msg, struct submit_result *res);
 *	const char *submit_outcome_name(enum submit_outcome o);
 *	void	submit_close(struct submit *s);
 * DESCRIPTION
 *	submit_open() parses the value of the Submit key:
 *
 *	smtp://host[:port][/name]
 *		plain SMTP, port 25 by default;
 *	smtps://host[:port][/name]
 *		SMTP in implicit TLS, port 465 by default;
 *	submission://host[:port][/name]
 *		SMTP with STARTTLS required, port 587 by default;
 *	sendmail:/path [args...]
 *		the command, split at blanks (no shell), given the
 *		message on its standard input.
 *
 *	An SMTP URL may carry `user:password@' (percent-encoded) for SMTP
 *	AUTH, and `/name' for the EHLO name (default: this machine's
 *	name).  A TLS server certificate is verified (chain and name)
 *	against the system's CAs; TLS 1.2 at least.  smtp:// never
 *	starts TLS.  libcurl is initialised on the first call.
 *
 *	submit_open_conf() opens the Submit of cf and applies, for an
 *	SMTP URL, SubmitUser with SubmitPassword or the first line of
 *	SubmitPasswordFile (read now, see submit_read_password()), which
 *	replace the URL's login, and SubmitCAFile and SubmitTLSVerify.
 *	With sendmail: those keys are not used.  It logs a warning when
 *	TLS is not verified, and when a password would go in clear to a
 *	host that is not this one.
 *
 *	submit_set_login() makes SMTP AUTH use user and password (both
 *	non-empty), whatever the URL said.  submit_set_tls() verifies
 *	the server against the certificates of cafile alone (NULL: the
 *	system's CAs), or does not verify it when verify is 0; cafile
 *	must be readable now.  Both do nothing for sendmail.
 *
 *	submit_read_password() sets *pw to a malloc'd copy of the first
 *	line of path without its LF or CRLF.  The file must be a regular
 *	file that neither its group nor others may read; the password is
 *	1 to SUBMIT_PASSWORD_MAX bytes, no NUL.  The caller wipes and
 *	frees it.
 *
 *	submit_set_timeout() changes the longest wait: over SMTP the
 *	longest stall of the data transfer (default 120 s), five times
 *	that for any reply (600 s, RFC 5321's wait for the reply to the
 *	final "."), and at most 30 s for the connection, greeting, EHLO,
 *	TLS and AUTH; for sendmail the whole run of the command (default
 *	300 s), after which its process group is killed.
 *
 *	submit_set_dsn() asks for delivery status notifications (RFC
 *	3461) on the sends that follow: RET=HDRS and ENVID=envid on MAIL,
 *	NOTIFY=SUCCESS,FAILURE,DELAY and ORCPT on each RCPT; over sendmail
 *	`-N success,failure,delay -R hdrs -V envid'.  envid must be xtext
 *	safe (letters, digits, `.', `-', `_').  Libcurl before 8 puts a
 *	`>' after the last parameter of MAIL and RCPT (it brackets the
 *	whole string), so ENVID and ORCPT come last there and may reach
 *	the server with a `>' appended, which readers of the reports strip.
 *	NULL turns them off; -1 with ENOMEM.
 *	submit_describe() is the target without the password, for logs.
 *
 *	submit_send() rewinds msg and submits it from from_addr to the
 *	nrcpt (at most SUBMIT_RCPT_MAX) plain addresses of rcpts.
 *
 *	Over SMTP (libcurl) the message is streamed from mimew_read(), so
 *	memory does not grow with it; the envelope addresses are sent in
 *	<>, one connection per message.  A recipient refused at RCPT while
 *	others are accepted does not stop the message (when libcurl has
 *	CURLOPT_MAIL_RCPT_ALLOWFAILS): res->rcpt_code[i] holds the reply
 *	to rcpts[i] and res->nrefused counts the refusals.  When all are
 *	refused, the outcome follows their replies (any 4xx:
 *	SUBMIT_TEMPFAIL).
 *
 *	With sendmail the command runs as `/path args... -i -f FROM --
 *	rcpt...': -i is added unless -i or -oi is there, -f FROM unless
 *	an argument starts with -f or -r, and with -t no recipients are
 *	added ("--" among the args is refused).  The child gets its own
 *	process group, all signals and the signal mask at their defaults,
 *	no descriptors but 0, 1 and 2 (1 and 2 go to a pipe whose first
 *	line is kept), and is killed if the scanner dies.
 *
 *	submit_outcome_name() is the outcome as a lowercase word.
 *	submit_close() frees s; NULL is allowed.
 * DIAGNOSTICS
 *	submit_open() returns 0, or -1 with a reason in err: an unknown
 *	scheme, no host, a query or fragment, a port out of range, a
 *	sendmail path that is not absolute or not executable.
 *	submit_open_conf(), submit_set_login(), submit_set_tls() and
 *	submit_read_password() return 0, or -1 with a reason in err
 *	naming the key and file (a password file's mode in octal).  The
 *	password is never shown: not in err, not in res->text, not in
 *	submit_describe(), not in a log line.
 *
 *	submit_send() returns res->outcome and fills res:
 *
 *	SUBMIT_SENT	250 after the data; queue_id from "queued as ID".
 *	SUBMIT_DUPLICATE
 *			a 5xx, enhanced code 5.7.1, whose text says the
 *			period was already sent ("already sent", or
 *			"duplicate"): the edefter milter's refusal.
 *	SUBMIT_TEMPFAIL	a 4xx at any stage; the server could not be
 *			reached, went away or stalled; no reply to the
 *			final "." (the outcome is unknown); the sendmail
 *			command exited 75 or was killed after the timeout.
 *			Also what no message could pass: AUTH refused or
 *			failed, a certificate that does not verify, no
 *			STARTTLS on submission://, a TLS handshake that
 *			fails; and a 5xx when a login was set but the
 *			server offered no AUTH.  Nothing was queued then
 *			(as Postfix's own client defers on these); the
 *			text names the server and the AUTH reply or the
 *			TLS error.  After AUTH refused with a 5xx, or a
 *			certificate or STARTTLS failure, later sends
 *			through the same s are not tried and get the same
 *			outcome ("not tried, an earlier send failed: ...").
 *			Retry later with the same Message-ID.
 *	SUBMIT_FAILED	any other 5xx; the sendmail command exited with
 *			another status or was killed by a signal.
 *	SUBMIT_HANDED	the sendmail command exited 0: the outcome comes
 *			later, from the ledger.
 *	SUBMIT_LOCAL_ERROR
 *			the message could not be produced (a file changed
 *			or could not be read; errno as mimew_read() set
 *			it), or this side failed (memory, pipe, fork; too
 *			many recipients or a bad address: errno EINVAL).
 *			A transfer under way is aborted before its end:
 *			libcurl drops the connection before the final ".",
 *			the sendmail command is killed before it reads end
 *			of file, so nothing half-written is queued.
 *
 *	res->code is the SMTP reply code the outcome rests on, the exit
 *	status of the sendmail command (128 + N for signal N), or 0.
 *	res->text is that reply (its lines joined, the codes not
 *	repeated), or what went wrong; bytes other than printable ASCII
 *	are shown as `?', and a text that does not fit ends in "...".
 *	submit_send() logs one error when it stops trying a server (see
 *	SUBMIT_TEMPFAIL), nothing else.
 */
#ifndef EDEFTER_SUBMIT_H
#define EDEFTER_SUBMIT_H

#include <stddef.h>

#include "buf.h"
#include "mimew.h"

#define SUBMIT_RCPT_MAX	64
#define SUBMIT_PASSWORD_MAX 1023

enum submit_outcome {
	SUBMIT_SENT, SUBMIT_DUPLICATE, SUBMIT_TEMPFAIL, SUBMIT_FAILED,
	SUBMIT_HANDED, SUBMIT_LOCAL_ERROR
};

struct submit_result {
	enum submit_outcome outcome;
	int	 code;			/* reply code or exit status, or 0 */
	char	 text[512];		/* the reply, or what went wrong */
	char	 queue_id[64];		/* "" when unknown */
	size_t	 nrefused;		/* recipients refused at RCPT */
	int	 rcpt_code[SUBMIT_RCPT_MAX]; /* reply to RCPT; 0: not sent */
	char	 refused_text[256];	/* the first refusal */
};

struct submit;
struct conf;

int	submit_open(struct submit **, const char *, struct buf *);
int	submit_open_conf(struct submit **, const struct conf *, struct buf *);
int	submit_set_login(struct submit *, const char *, const char *,
	    struct buf *);
int	submit_set_tls(struct submit *, const char *, int, struct buf *);
int	submit_read_password(const char *, char **, struct buf *);
void	submit_set_timeout(struct submit *, unsigned);
int	submit_set_dsn(struct submit *, const char *);
const char *submit_describe(const struct submit *);
int	submit_send(struct submit *, const char *, const char *const *,
	    size_t, struct mimew *, struct submit_result *);
const char *submit_outcome_name(enum submit_outcome);
void	submit_close(struct submit *);

#endif
