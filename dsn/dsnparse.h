/*
 * NAME
 *	dsnparse - streaming reader of delivery reports
 * SYNOPSIS
 *	#include "dsnparse.h"
 *
 *	struct dsn_parser *dsn_new(const struct dsn_limits *lim);
 *	int	dsn_feed(struct dsn_parser *p, const void *data, size_t len);
 *	const struct dsn_result *dsn_finish(struct dsn_parser *p);
 *	void	dsn_free(struct dsn_parser *p);
 *
 *	const char *dsn_action_name(enum dsn_action a);
 *	const char *dsn_kind_name(enum dsn_kind k);
 * DESCRIPTION
 *	A dsn_parser reads one message, a delivery report as a mail
 *	server sends it back to the envelope sender: the whole message,
 *	header and body, handed to dsn_feed() in chunks of any size cut
 *	anywhere, then dsn_finish().  Lines end in CRLF or LF; header
 *	field names are matched without regard to case; folded fields are
 *	unfolded; multiparts nest, each with its own boundary (quoted or
 *	not), and a missing final boundary ends the message anyway; parts
 *	in base64 or quoted-printable are decoded.
 *
 *	An RFC 3464 report (a message/delivery-status part, or RFC 6533's
 *	message/global-delivery-status, usually inside multipart/report)
 *	gives the per-message fields Original-Envelope-Id and
 *	Reporting-MTA, and for each recipient block Final-Recipient (the
 *	address type such as "rfc822;" removed, utf-8 \x{..} escapes
 *	decoded), Original-Recipient, Action, Status, Remote-MTA and
 *	Diagnostic-Code (its type removed).  A block without Action takes
 *	it from the Status class; one without a usable Status takes the
 *	enhanced code in its Diagnostic-Code, or X.0.0 of its Action; one
 *	without Diagnostic-Code takes the text the heuristics below found
 *	for its address, if any.
 *
 *	When the message has no such part, or the part names nobody, and
 *	its own header says it is a notification (a From or Sender such as
 *	MAILER-DAEMON or postmaster, a Subject such as "Undeliverable" or
 *	"failure notice", X-Failed-Recipients, Return-Path <>, or
 *	multipart/report), its text parts (text/plain, and text/html with
 *	the tags removed) are read for the wording of the common
 *	non-standard bounces: qmail, Exim, old Sendmail, Exchange and
 *	Microsoft 365, Gmail, Yahoo, MDaemon transcripts, Postfix's own
 *	text, and delay warnings.  Only after a line that says the message
 *	was not (or not yet) delivered are addresses taken: a line that is
 *	the address (<a>, a, a:, <a>: text, Name (a)), a sentence
 *	"... deliver... to a", or an SMTP "RCPT TO:<a>".  Action is failed
 *	or delayed from that wording; the status is the first enhanced
 *	code X.Y.Z found after the address, else 5.0.0 or 4.0.0 from an
 *	SMTP reply code 5xx or 4xx, else from the Action.  The diagnostic
 *	is the paragraph holding that code.  Text after a line that
 *	introduces the copy of the original message ("--- Below this line
 *	is a copy of the message.") is never read for addresses.

 *	The header of the returned message (a text/rfc822-headers,
 *	message/rfc822, message/global or message/global-headers part, or
 *	the copy after such a line in a text part) gives the original
 *	Message-ID (as written, angle brackets included),
 *	X-EDefter-Company (when a valid VKN or TCKN) and X-EDefter-Period
 *	(when a valid YYYY-MM).  The first value found of each is kept.
 *
 *	dsn_finish() returns the result, which lives until dsn_free();
 *	called again it returns the same, and dsn_feed() after it reads
 *	nothing.  Addresses are as written; final_lower is a copy with A-Z
 *	folded.  The address the message was sent to (the ledger's key) is
 *	orig_rcpt when there is one, else final_rcpt: a server that
 *	expanded an alias reports the address it ended at.
 *	Absent strings are NULL, except diagnostic which is "" when
 *	there was none.  Every string holds no control characters: runs
 *	of blanks and controls in a diagnostic or other value are one
 *	space.  dsn_action_name() and dsn_kind_name() name the enums as
 *	edefter-dsn prints them.
 *
 *	Memory stays bounded whatever the input: dsn_new() takes NULL or
 *	limits where 0 means the default (max_line and max_field are at
 *	least 80, max_diag at least 16): max_rcpts 1000 recipients
 *	(RFC 3464 ones and heuristic ones, each), max_line 8 KiB of one
 *	line (the rest of a longer line is not read), max_field 16 KiB of
 *	one unfolded header or report field, max_diag 1000 bytes of one
 *	diagnostic (longer ones are cut at a character boundary and end in
 *	"..."), max_depth 16 nested multiparts.  Addresses longer than
 *	DSN_ADDR_MAX are not taken; other values longer than DSN_VALUE_MAX
 *	are cut and end in "...".  With the defaults a parser holds at
 *	most some 10 MB (2000 recipients of 5 KB), some 100 KB when the
 *	report names a few.
 * DIAGNOSTICS
 *	dsn_new() returns NULL, dsn_feed() -1 and dsn_finish() NULL when
 *	memory runs out (errno ENOMEM); the parser is then useless.  A
 *	mail server reading a report should then tempfail.  Broken input
 *	is never an error; result->flags tells how well it was read:
 *
 *	DSN_TRUNCATED	something was longer than its limit and was cut or
 *			not read: a line, a field, a boundary, an address,
 *			nesting deeper than max_depth.
 *	DSN_MALFORMED	the structure is broken but was read: a multipart
 *			never closed, a recipient block without an address
 *			or without any Action or Status.
 *	DSN_TOOMANY	more than max_rcpts recipients: the first are in
 *			rcpt, the others only counted in ndropped.
 */
#ifndef EDEFTER_DSNPARSE_H
#define EDEFTER_DSNPARSE_H

#include <stddef.h>

#define DSN_STATUS_MAX	11		/* "5.123.123" */
#define DSN_ADDR_MAX	512		/* longer addresses: not taken */
#define DSN_VALUE_MAX	512		/* ENVID, MTA names, Message-ID */

#define DSN_TRUNCATED	0x01
#define DSN_MALFORMED	0x02
#define DSN_TOOMANY	0x04

enum dsn_action {
	DSN_ACTION_NONE = 0,
	DSN_FAILED,
	DSN_DELAYED,
	DSN_DELIVERED,
	DSN_RELAYED,
	DSN_EXPANDED
};

enum dsn_kind {
	DSN_KIND_NONE = 0,		/* no report found */
	DSN_KIND_RFC3464,		/* a delivery-status part */
	DSN_KIND_HEURISTIC		/* read from the text */
};

struct dsn_limits {
	size_t	max_rcpts;		/* recipients kept */
	size_t	max_line;		/* bytes of one line */
	size_t	max_field;		/* bytes of one unfolded field */
	size_t	max_diag;		/* bytes of one diagnostic */
	size_t	max_depth;		/* nested multiparts */
};

struct dsn_rcpt {
	const char	*final_rcpt;	/* the address, type removed */
	const char	*final_lower;	/* the same, A-Z folded */
	const char	*orig_rcpt;	/* Original-Recipient, or NULL */
	enum dsn_action	 action;
	const char	*status;	/* "X.Y.Z", never NULL */
	const char	*diagnostic;	/* "" when none */
	const char	*remote_mta;	/* or NULL */
};

struct dsn_result {
	enum dsn_kind	 kind;
	const struct dsn_rcpt *rcpt;
	size_t		 nrcpt;
	size_t		 ndropped;	/* recipients over max_rcpts */
	const char	*envid;		/* Original-Envelope-Id, or NULL */
	const char	*reporting_mta;	/* or NULL */
	const char	*msgid;		/* of the returned message, or NULL */
	const char	*company;	/* its X-EDefter-Company, or NULL */
	const char	*period;	/* its X-EDefter-Period, or NULL */
	unsigned	 flags;
};

struct dsn_parser;

struct dsn_parser *dsn_new(const struct dsn_limits *);
int	dsn_feed(struct dsn_parser *, const void *, size_t);
const struct dsn_result *dsn_finish(struct dsn_parser *);
void	dsn_free(struct dsn_parser *);

const char *dsn_action_name(enum dsn_action);
const char *dsn_kind_name(enum dsn_kind);

#endif
