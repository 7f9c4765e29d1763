/*
 * NAME
 *	submit_int - what submit.c, submit_smtp.c and submit_sendmail.c
 *	share; not for the rest of the scanner (use submit.h)
 */
#ifndef EDEFTER_SUBMIT_INT_H
#define EDEFTER_SUBMIT_INT_H

#include <stddef.h>

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
	/* SMTP */
	char		*url;		/* without credentials */
	char		*scheme;	/* smtp, smtps or submission */
	char		*where;		/* host:port[/name] */
	char		*user;
	char		*password;
	char		*options;
	int		 starttls;
	int		 tls;		/* smtps or submission */
	char		*cafile;	/* NULL: the system's CAs */
	int		 noverify;	/* SubmitTLSVerify no */
	int		 stuck;		/* AUTH or TLS failed: not tried again */
	int		 stuck_code;
	char		 stuck_text[512];
	char		*envid;		/* DSN: ENVID, or NULL for no DSN */
	/* sendmail */
	char		**argv;		/* the path and its arguments */
	size_t		 argc;
	int		 has_i, has_f, has_t;
};

void	submit_shown(char *, size_t, const char *, size_t);
int	submit_outcome(struct submit_result *, enum submit_outcome, int,
	    const char *, ...) __attribute__((format(printf, 4, 5)));
int	submit_open_smtp(struct submit *, const char *, struct buf *);
int	submit_describe_smtp(struct submit *);
int	submit_open_sendmail(struct submit *, const char *, struct buf *);
int	submit_smtp(struct submit *, const char *, const char *const *,
	    size_t, struct mimew *, struct submit_result *);
int	submit_sendmail(struct submit *, const char *, const char *const *,
	    size_t, struct mimew *, struct submit_result *);

#endif
