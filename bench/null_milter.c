/*
 * null_milter - the baseline of the milter decision benchmark: a
 * libmilter milter that negotiates the same steps as edefter-milter,
 * keeps nothing and accepts every message at end of message.  What it
 * costs is libmilter and the protocol; what edefter-milter costs above
 * it is its own work (header collection, MIME reading, the ledger).
 *
 *   null_milter SOCKETSPEC [noreply|same]     (e.g. local:/tmp/x.sock)
 *
 * With `noreply' it also negotiates the no-reply steps (SMFIP_NR_CONN,
 * NR_MAIL, NR_RCPT, NR_DATA, NR_HDR, NR_BODY) and answers them with
 * SMFIS_NOREPLY: the MTA then sends those events without waiting, and
 * only end of headers and end of message are round trips.
 *
 * With `same' it has the conversation edefter-milter has with a trusted
 * client, without its work: the same steps negotiated (no-reply
 * connect, MAIL, RCPT and headers; SMFIP_SKIP), accepted at end of
 * headers unless a header is X-EDefter-* or may announce attachments
 * (multipart or named Content-Type, Content-Disposition), else the
 * body read (skipped when no attachment is possible) and the message
 * accepted at end of message: the floor under edefter-milter's rate in
 * the Postfix benchmark.  Runs until SIGTERM.
 */
#include <libmilter/mfapi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <strings.h>

static int noreply, same;

struct nm_msg {
	int	labeled;		/* an X-EDefter-* header */
	int	may_attach;
};

static sfsistat
nr(void)
{
	return noreply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
nm_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)ctx;
	(void)f0;
	(void)f2;
	(void)f3;
	*pf0 = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_DELRCPT;
	*pf1 = (SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_SKIP) & f1;
	if (same) {
		struct nm_msg *m = calloc(1, sizeof(*m));

		if (m == NULL)
			return SMFIS_REJECT;
		smfi_setpriv(ctx, m);
		*pf1 |= (SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT |
		    SMFIP_NR_HDR) & f1;
	} else if (noreply)
		*pf1 |= (SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT |
		    SMFIP_NR_DATA | SMFIP_NR_HDR | SMFIP_NR_BODY) & f1;
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat
nm_continue(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat
nm_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	(void)ctx;
	(void)host;
	(void)sa;
	return same ? SMFIS_NOREPLY : nr();
}

static sfsistat
nm_argv(SMFICTX *ctx, char **argv)
{
	struct nm_msg *m = smfi_getpriv(ctx);

	(void)argv;
	if (same && m)
		m->labeled = m->may_attach = 0;
	return same ? SMFIS_NOREPLY : nr();
}

static sfsistat
nm_rcpt(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return same ? SMFIS_NOREPLY : nr();
}

static sfsistat
nm_header(SMFICTX *ctx, char *name, char *value)
{
	struct nm_msg *m = smfi_getpriv(ctx);

	if (!same)
		return nr();
	if (m && strncasecmp(name, "X-EDefter-", 10) == 0)
		m->labeled = 1;
	else if (m && (strcasecmp(name, "Content-Disposition") == 0 ||
	    (strcasecmp(name, "Content-Type") == 0 &&
	    (strncasecmp(value + strspn(value, " \t"), "multipart/", 10) == 0 ||
	    strstr(value, "name") != NULL))))
		m->may_attach = 1;
	return SMFIS_NOREPLY;
}

static sfsistat
nm_eoh(SMFICTX *ctx)
{
	struct nm_msg *m = smfi_getpriv(ctx);

	if (same && m && !m->labeled && !m->may_attach)
		return SMFIS_ACCEPT;
	return SMFIS_CONTINUE;
}

static sfsistat
nm_close(SMFICTX *ctx)
{
	free(smfi_getpriv(ctx));
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

static sfsistat
nm_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
	struct nm_msg *m = smfi_getpriv(ctx);

	(void)data;
	(void)len;
	if (same && m && !m->may_attach)
		return SMFIS_SKIP;	/* nothing to read in it */
	return nr();
}

static sfsistat
nm_data(SMFICTX *ctx)
{
	(void)ctx;
	return nr();
}

static sfsistat
nm_eom(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_ACCEPT;
}

static char nm_name[] = "null-milter";

int
main(int argc, char **argv)
{
	struct smfiDesc d;

	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "noreply") &&
	    strcmp(argv[2], "same"))) {
		fprintf(stderr, "usage: null_milter SOCKETSPEC [noreply|same]\n");
		return 64;
	}
	noreply = argc == 3 && strcmp(argv[2], "noreply") == 0;
	same = argc == 3 && strcmp(argv[2], "same") == 0;
	memset(&d, 0, sizeof(d));
	d.xxfi_name = nm_name;
	d.xxfi_version = SMFI_VERSION;
	d.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_DELRCPT;
	d.xxfi_connect = nm_connect;
	d.xxfi_envfrom = nm_argv;
	d.xxfi_envrcpt = nm_rcpt;
	d.xxfi_header = nm_header;
	d.xxfi_eoh = nm_eoh;
	d.xxfi_body = nm_body;
	d.xxfi_data = nm_data;
	d.xxfi_eom = nm_eom;
	d.xxfi_abort = nm_continue;
	d.xxfi_close = nm_close;
	d.xxfi_negotiate = nm_negotiate;
	if (strncmp(argv[1], "local:", 6) == 0)
		(void)unlink(argv[1] + 6);
	if (smfi_setconn(argv[1]) != MI_SUCCESS ||
	    smfi_register(d) != MI_SUCCESS) {
		fprintf(stderr, "null_milter: cannot use %s\n", argv[1]);
		return 69;
	}
	umask(0);
	if (smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "null_milter: cannot open %s\n", argv[1]);
		return 69;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 69;
}
