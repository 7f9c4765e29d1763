/*
 * NAME
 *	milter - edefter-milter's shared state
 * DESCRIPTION
 *	One struct conn per SMTP connection (libmilter private data), one
 *	struct msg per message inside it: MAIL FROM begins a message, end of
 *	message, abort and close end it, so several messages on one
 *	connection never share state.
 *
 *	callbacks.c collects what a message says; decide.c makes the end
 *	of message decision against the ledger; main.c sets up the socket,
 *	privileges and the ledger and runs libmilter.
 */
#ifndef EDEFTER_MILTER_H
#define EDEFTER_MILTER_H

#include <libmilter/mfapi.h>

#include "buf.h"
#include "cidr.h"
#include "conf.h"
#include "ledger.h"

#define MAX_RCPTS	10000		/* more than Postfix's default 1000 */
#define MAX_NAMES	1000		/* attachment names kept per message */
#define MAX_HDR_VALUE	1024		/* longer X-EDefter values are bad */

struct mime_reader;

struct msg {
	struct buf	 company;	/* X-EDefter-Company, first one */
	struct buf	 period;	/* X-EDefter-Period, first one */
	struct buf	 name;		/* X-EDefter-Company-Name, decoded */
	struct buf	 msgid;		/* Message-ID */
	int		 n_company;	/* occurrences, for removal */
	int		 n_period;
	int		 n_name;
	int		 conflict;	/* a header repeated with another value */
	int		 may_attach;	/* top-level headers allow attachments */
	char		**rcpt;		/* exactly as given in RCPT TO */
	size_t		 nrcpt;
	int		 too_many;	/* more than MAX_RCPTS */
	char		*sasl_user;	/* {auth_authen} */
	struct mime_reader *mime;	/* when the body is inspected */
	struct buf	 names;		/* attachment names, LF-separated */
	size_t		 nnames;
	int		 names_dropped;
};

struct conn {
	unsigned long	 nr;		/* steps the MTA does not wait for */
	int		 skip;		/* SMFIS_SKIP may end the body */
	int		 failed;	/* an error in a no-reply step */
	char		 client[64];	/* textual client address */
	int		 trusted_addr;	/* client in TrustedClients */
	int		 pickup;	/* local submission (sendmail) */
	struct msg	*msg;
};

struct milter_cfg {
	struct conf	 conf;
	struct cidr	*trusted;
	size_t		 ntrusted;
	struct ledger	*ledger;
};

extern struct milter_cfg mcfg;
extern struct smfiDesc edefter_desc;

struct msg *msg_new(void);
void	msg_free(struct msg *);
int	msg_add_name(struct msg *, const char *, size_t);
int	conn_trusted(const struct conn *, const struct msg *);

sfsistat decide_eom(SMFICTX *, struct conn *, struct msg *);

#endif
