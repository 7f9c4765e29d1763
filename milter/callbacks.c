/*
 * NAME
 *	callbacks - edefter-milter's libmilter callbacks
 * DESCRIPTION
 *	Collects what the end-of-message decision needs and steps out of
 *	the conversation as soon as the message cannot be an e-Defter send
 *	that concerns us:
 *	  - untrusted client, no X-EDefter-* header: accepted at end of
 *	    headers (the headers are removed at end of message otherwise);
 *	  - trusted client, no X-EDefter-* header, and a top-level
 *	    Content-Type that can carry no attachment (or InspectAttachments
 *	    no): accepted at end of headers, no body transfer.
 *	Everything else goes to decide_eom().  The MIME reader (attachment
 *	names) is made only when a Content-Type or Content-Disposition says
 *	there may be attachments, and is given only those fields (the only
 *	ones it reads); without it the body is skipped.
 * DIAGNOSTICS
 *	A callback without its private data, or out of memory, returns
 *	SMFIS_TEMPFAIL: the milter never accepts unchecked because of an
 *	internal error.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "milter.h"
#include "mime.h"
#include "names.h"

#define NR_STEPS	(SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT | \
			 SMFIP_NR_HDR)

/* reply - the answer to a step: none when the MTA does not wait for it
 * (an error is then kept and given at the end of the headers) */
static sfsistat
reply(struct conn *c, unsigned long step, sfsistat rc)
{
	if (c == NULL || !(c->nr & step))
		return rc;
	if (rc == SMFIS_TEMPFAIL)
		c->failed = 1;
	return SMFIS_NOREPLY;
}

/* msg_new - empty per-message state */
struct msg *
msg_new(void)
{
	return calloc(1, sizeof(struct msg));
}

/* msg_free - release per-message state */
void
msg_free(struct msg *m)
{
	size_t	i;

	if (m == NULL)
		return;
	buf_free(&m->company);
	buf_free(&m->period);
	buf_free(&m->name);
	buf_free(&m->msgid);
	buf_free(&m->names);
	for (i = 0; i < m->nrcpt; i++)
		free(m->rcpt[i]);
	free(m->rcpt);
	free(m->sasl_user);
	if (m->mime)
		mime_free(m->mime);
	free(m);
}

/* msg_add_name - remember one attachment name (bounded) */
int
msg_add_name(struct msg *m, const char *name, size_t len)
{
	if (m->nnames >= MAX_NAMES || memchr(name, '\n', len) != NULL) {
		m->names_dropped++;
		return 0;
	}
	if ((m->names.len && buf_addc(&m->names, '\n') < 0) ||
	    buf_add(&m->names, name, len) < 0)
		return -1;
	m->nnames++;
	return 0;
}

static int
name_found(const char *name, size_t len, void *arg)
{
	return msg_add_name(arg, name, len) < 0 ? -1 : 0;
}

/* conn_trusted - may this client's e-Defter sends be recorded */
int
conn_trusted(const struct conn *c, const struct msg *m)
{
	return c->trusted_addr || c->pickup || (m && m->sasl_user &&
	    *m->sasl_user);
}

static struct conn *
getconn(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

/* cur_msg - the message of a connection, made on demand */
static struct msg *
cur_msg(struct conn *c)
{
	if (c->msg == NULL)
		c->msg = msg_new();
	return c->msg;
}

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	unsigned long want = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_DELRCPT;
	unsigned long steps = SMFIP_NOHELO | SMFIP_NOUNKNOWN;

	struct conn *c;

	(void)f2;
	(void)f3;
	if ((f0 & want) != want) {
		log_err("the MTA does not offer the actions needed (add and "
		    "change headers, delete recipients): 0x%lx", f0);
		return SMFIS_REJECT;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_err("negotiate: out of memory");
		return SMFIS_REJECT;	/* the MTA's default_action */
	}
	if (!mcfg.conf.inspect_attachments)
		steps |= SMFIP_NOBODY;
	steps |= NR_STEPS;		/* one round trip less per header */
	steps &= f1;
	c->nr = steps & NR_STEPS;
	if (f1 & SMFIP_SKIP) {
		steps |= SMFIP_SKIP;
		c->skip = 1;
	}
	smfi_setpriv(ctx, c);
	*pf0 = want;
	*pf1 = steps;
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat
cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	struct conn *c = getconn(ctx);
	const char *daemon;
	size_t	i;

	(void)host;
	if (c == NULL && (c = calloc(1, sizeof(*c))) == NULL) {
		log_err("connect: out of memory");
		return SMFIS_TEMPFAIL;
	}
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)sa)->sin_addr,
		    c->client, sizeof(c->client));
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((struct sockaddr_in6 *)(void *)sa)->sin6_addr,
		    c->client, sizeof(c->client));
	else
		strcpy(c->client, "local");
	for (i = 0; i < mcfg.ntrusted && !c->trusted_addr; i++)
		c->trusted_addr = cidr_match(&mcfg.trusted[i], c->client);
	daemon = smfi_getsymval(ctx, (char *)"{daemon_name}");
	c->pickup = daemon && strcmp(daemon, "pickup") == 0;
	smfi_setpriv(ctx, c);
	return reply(c, SMFIP_NR_CONN, SMFIS_CONTINUE);
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = getconn(ctx);
	const char *auth;

	(void)argv;
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	msg_free(c->msg);
	if ((c->msg = msg_new()) == NULL)
		return reply(c, SMFIP_NR_MAIL, SMFIS_TEMPFAIL);
	auth = smfi_getsymval(ctx, (char *)"{auth_authen}");
	if (auth && *auth && (c->msg->sasl_user = strdup(auth)) == NULL)
		return reply(c, SMFIP_NR_MAIL, SMFIS_TEMPFAIL);
	return reply(c, SMFIP_NR_MAIL, SMFIS_CONTINUE);
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = getconn(ctx);
	struct msg *m;
	char	**v;

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	if ((m = cur_msg(c)) == NULL || argv[0] == NULL)
		return reply(c, SMFIP_NR_RCPT, SMFIS_TEMPFAIL);
	if (m->nrcpt >= MAX_RCPTS) {
		m->too_many = 1;
		return reply(c, SMFIP_NR_RCPT, SMFIS_CONTINUE);
	}
	if ((v = realloc(m->rcpt, (m->nrcpt + 1) * sizeof(*v))) == NULL)
		return reply(c, SMFIP_NR_RCPT, SMFIS_TEMPFAIL);
	m->rcpt = v;
	if ((v[m->nrcpt] = strdup(argv[0])) == NULL)
		return reply(c, SMFIP_NR_RCPT, SMFIS_TEMPFAIL);
	m->nrcpt++;
	return reply(c, SMFIP_NR_RCPT, SMFIS_CONTINUE);
}

/* is_field - is the header field name this one (ASCII case folded,
 * blanks before the colon allowed) */
static int
is_field(const char *name, const char *want, size_t n)
{
	return ascii_strncasecmp(name, want, n) == 0 &&
	    name[n + strspn(name + n, " \t")] == '\0';
}

/* keep_first - store the first value; note a different repeat */
static int
keep_first(struct buf *b, int *count, int *conflict, const char *v)
{
	size_t	n = strlen(v);

	if ((*count)++ == 0)
		return buf_set(b, v, n > MAX_HDR_VALUE + 1 ? MAX_HDR_VALUE + 1 :
		    n);
	if (b->len != n || memcmp(b->data, v, n) != 0)
		*conflict = 1;
	return 0;
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = getconn(ctx);
	struct msg *m;
	int	rc = 0, content = 0;

	if (c == NULL)
		return SMFIS_TEMPFAIL;
	if ((m = cur_msg(c)) == NULL)
		return reply(c, SMFIP_NR_HDR, SMFIS_TEMPFAIL);
	if (ascii_strcasecmp(name, "X-EDefter-Company") == 0)
		rc = keep_first(&m->company, &m->n_company, &m->conflict, value);
	else if (ascii_strcasecmp(name, "X-EDefter-Period") == 0)
		rc = keep_first(&m->period, &m->n_period, &m->conflict, value);
	else if (ascii_strcasecmp(name, "X-EDefter-Company-Name") == 0) {
		int ignore = 0;
		rc = keep_first(&m->name, &m->n_name, &ignore, value);
	} else if (ascii_strcasecmp(name, "Message-ID") == 0 &&
	    m->msgid.len == 0)
		rc = buf_set(&m->msgid, value, strlen(value) > 998 ? 998 :
		    strlen(value));
	else if (is_field(name, "Content-Disposition", 19)) {
		m->may_attach = 1;
		content = 1;
	} else if (is_field(name, "Content-Type", 12)) {
		const char *v = value + strspn(value, " \t\r\n");
		if (ascii_strncasecmp(v, "multipart/", 10) == 0 ||
		    strstr(value, "name") != NULL)
			m->may_attach = 1;
		content = 1;
	}
	if (rc < 0)
		return reply(c, SMFIP_NR_HDR, SMFIS_TEMPFAIL);
	if (!content || !m->may_attach || !conn_trusted(c, m) ||
	    !mcfg.conf.inspect_attachments)
		return reply(c, SMFIP_NR_HDR, SMFIS_CONTINUE);
	if (m->mime == NULL && (m->mime = mime_new(NULL, name_found, m)) ==
	    NULL)
		return reply(c, SMFIP_NR_HDR, SMFIS_TEMPFAIL);
	if (mime_header(m->mime, name, value) < 0)
		return reply(c, SMFIP_NR_HDR, SMFIS_TEMPFAIL);
	return reply(c, SMFIP_NR_HDR, SMFIS_CONTINUE);
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
	struct conn *c = getconn(ctx);
	struct msg *m;
	int	labeled;

	if (c == NULL || (m = cur_msg(c)) == NULL || c->failed) {
		log_err("tempfail client=%s reason=internal-error (out of "
		    "memory)", c ? c->client : "?");
		if (c)
			c->failed = 0;
		return SMFIS_TEMPFAIL;
	}
	labeled = m->n_company || m->n_period || m->n_name;
	if (!conn_trusted(c, m))
		return labeled ? SMFIS_CONTINUE : SMFIS_ACCEPT;
	if (m->mime && mime_eoh(m->mime) < 0)
		return SMFIS_TEMPFAIL;
	if (labeled)
		return SMFIS_CONTINUE;
	if (m->mime == NULL || !m->may_attach)
		return SMFIS_ACCEPT;	/* ordinary mail: leave now */
	return SMFIS_CONTINUE;
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
	struct conn *c = getconn(ctx);
	struct msg *m;

	if (c == NULL || (m = cur_msg(c)) == NULL)
		return SMFIS_TEMPFAIL;
	if (m->mime == NULL)
		return c->skip ? SMFIS_SKIP : SMFIS_CONTINUE;
	if (mime_body(m->mime, data, len) < 0)
		return SMFIS_TEMPFAIL;
	return SMFIS_CONTINUE;
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct conn *c = getconn(ctx);
	struct msg *m;
	sfsistat rc;

	if (c == NULL || (m = cur_msg(c)) == NULL)
		return SMFIS_TEMPFAIL;
	if (m->mime && mime_end(m->mime) < 0)
		return SMFIS_TEMPFAIL;
	rc = decide_eom(ctx, c, m);
	msg_free(c->msg);
	c->msg = NULL;
	return rc;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	struct conn *c = getconn(ctx);

	if (c) {
		msg_free(c->msg);
		c->msg = NULL;
	}
	return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	struct conn *c = getconn(ctx);

	if (c) {
		msg_free(c->msg);
		free(c);
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

static char milter_name[] = "edefter-milter";

struct smfiDesc edefter_desc = {
	.xxfi_name = milter_name,
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_DELRCPT,
	.xxfi_connect = cb_connect,
	.xxfi_envfrom = cb_envfrom,
	.xxfi_envrcpt = cb_envrcpt,
	.xxfi_header = cb_header,
	.xxfi_eoh = cb_eoh,
	.xxfi_body = cb_body,
	.xxfi_eom = cb_eom,
	.xxfi_abort = cb_abort,
	.xxfi_close = cb_close,
	.xxfi_negotiate = cb_negotiate,
};
