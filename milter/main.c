/*
 * NAME
 *	edefter-milter - the send-once gate inside Postfix
 * SYNOPSIS
 *	edefter-milter [-c FILE] [-f] [-n]
 * DESCRIPTION
 *	Checks every e-Defter send against the ledger at end of message and
 *	refuses repeats; see edefter-milter(8) and decide.c.  -f stays in
 *	the foreground (systemd), -n checks the configuration and exits.
 * SECURITY
 *	Started as root: creates the socket's directory and the socket
 *	(mode 0660, group of UserID) and the ledger directory, then drops
 *	to UserID for good (setgroups, setgid, setuid) before it opens the
 *	ledger or talks to the MTA.
 * CONFIGURATION PARAMETERS
 *	LedgerPath or LedgerURL, Socket, UserID, OnLedgerError,
 *	InspectAttachments, TrustedClients, SyslogFacility (edefter.conf(5)).
 *	A PostgreSQL ledger (LedgerURL) must hold the schema (edefterctl
 *	init); a server that cannot be reached at start is a warning, and
 *	every claim is a ledger error until it can be.
 * DIAGNOSTICS
 *	Exit 0 after SIGTERM (libmilter also stops on SIGHUP and SIGINT);
 *	64 usage, 69 libmilter failure, 71 privilege drop failed, 78 bad
 *	configuration or ledger that cannot be opened.
 */
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "milter.h"

struct milter_cfg mcfg;

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: edefter-milter [-c FILE] [-f] [-n]\n");
}

/* parse_trusted - TrustedClients into ranges */
static void
parse_trusted(void)
{
	size_t	i;

	mcfg.ntrusted = mcfg.conf.trusted_clients.n;
	if ((mcfg.trusted = calloc(mcfg.ntrusted + 1, sizeof(struct cidr))) ==
	    NULL)
		log_fatal(EX_OSERR, "out of memory");
	for (i = 0; i < mcfg.ntrusted; i++)
		if (cidr_parse(mcfg.conf.trusted_clients.v[i],
		    &mcfg.trusted[i]) < 0)
			log_fatal(EX_CONFIG, "TrustedClients: bad range '%s'",
			    mcfg.conf.trusted_clients.v[i]);
}

/* lookup_user - UserID as uid and gid */
static void
lookup_user(const char *spec, uid_t *uid, gid_t *gid, char **name)
{
	char	*user = strdup(spec), *group;
	struct passwd *pw;
	struct group *gr;

	if (user == NULL)
		log_fatal(EX_OSERR, "out of memory");
	if ((group = strchr(user, ':')) != NULL)
		*group++ = '\0';
	if ((pw = getpwnam(user)) == NULL)
		log_fatal(EX_CONFIG, "UserID: no such user '%s'", user);
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (group) {
		if ((gr = getgrnam(group)) == NULL)
			log_fatal(EX_CONFIG, "UserID: no such group '%s'", group);
		*gid = gr->gr_gid;
	}
	*name = user;
}

/* mkdir_owned - a directory for the unprivileged user; an existing
 * directory is left as it is (it may be /var/spool/postfix itself) */
static void
mkdir_owned(const char *dir, mode_t mode, uid_t uid, gid_t gid, int chown_it)
{
	if (mkdir(dir, mode) < 0) {
		if (errno == EEXIST)
			return;
		log_fatal(EX_CANTCREAT, "%s: cannot create: %s", dir,
		    strerror(errno));
	}
	if (chown_it && chown(dir, uid, gid) < 0)
		log_fatal(EX_NOPERM, "%s: chown: %s", dir, strerror(errno));
}

/* socket_group - UserID's group if named, else postfix, else gid */
static gid_t
socket_group(const char *user_id, gid_t gid)
{
	struct group *gr;

	if (user_id && strchr(user_id, ':'))
		return gid;
	if ((gr = getgrnam("postfix")) != NULL)
		return gr->gr_gid;
	return gid;
}

/* socket_path - the file of a local socket spec, or NULL */
static const char *
socket_path(const char *spec)
{
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	return NULL;
}

/* drop - become UserID for good */
static void
drop(uid_t uid, gid_t gid)
{
	if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
		log_fatal(EX_OSERR, "cannot drop privileges: %s",
		    strerror(errno));
	if (uid != 0 && setuid(0) == 0)
		log_fatal(EX_OSERR, "privileges could be regained; stopping");
}

int
main(int argc, char **argv)
{
	const char *cfpath = CONF_DEFAULT_PATH, *sock;
	struct buf err = BUF_INIT;
	char	*dir, *slash, *user = NULL;
	uid_t	uid = getuid();
	gid_t	gid = getgid(), sgid;
	int	ch, fg = 0, check = 0, explicit = 0, rc, as_root;

	log_open("edefter-milter", LOG_MAIL, LOG_TO_STDERR);
	while ((ch = getopt(argc, argv, "c:fnh")) != -1) {
		switch (ch) {
		case 'c':
			cfpath = optarg;
			explicit = 1;
			break;
		case 'f':
			fg = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if ((rc = conf_load(&mcfg.conf, cfpath, explicit, CONF_MILTER, &err))) {
		log_err("%s", BUF_STR(&err));
		return rc;
	}
	if (check) {
		conf_print(&mcfg.conf, CONF_MILTER, stdout);
		return EX_OK;
	}
	parse_trusted();
	log_open("edefter-milter", mcfg.conf.syslog_facility,
	    LOG_TO_SYSLOG | (fg ? LOG_TO_STDERR : 0));

	as_root = geteuid() == 0;
	if (mcfg.conf.user_id) {
		if (!as_root)
			log_fatal(EX_USAGE, "UserID %s needs root to start",
			    mcfg.conf.user_id);
		lookup_user(mcfg.conf.user_id, &uid, &gid, &user);
	}

	/* root work: socket directory, socket, ledger directory */
	sgid = socket_group(mcfg.conf.user_id, gid);
	sock = socket_path(mcfg.conf.socket);
	if (sock) {
		if ((dir = strdup(sock)) == NULL)
			log_fatal(EX_OSERR, "out of memory");
		if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
			*slash = '\0';
			mkdir_owned(dir, 0750, uid, sgid, as_root);
		}
		free(dir);
		(void)unlink(sock);
	}
	if (smfi_setconn(mcfg.conf.socket) != MI_SUCCESS)
		log_fatal(EX_CONFIG, "Socket %s: not usable", mcfg.conf.socket);
	if (smfi_register(edefter_desc) != MI_SUCCESS)
		log_fatal(EX_UNAVAILABLE, "smfi_register failed");
	umask(0117);
	if (smfi_opensocket(1) != MI_SUCCESS)
		log_fatal(EX_UNAVAILABLE, "%s: cannot open the socket",
		    mcfg.conf.socket);
	umask(0027);
	if (sock && as_root && chown(sock, uid, sgid) < 0)
		log_fatal(EX_NOPERM, "%s: chown: %s", sock, strerror(errno));
	if (as_root && user) {
		if (!ledger_is_url(conf_ledger(&mcfg.conf)))
			mkdir_owned(mcfg.conf.ledger_path, 0750, uid, gid, 1);
		drop(uid, gid);
	}

	/* LMDB's locks do not survive fork(): detach before opening */
	if (!fg && daemon(0, 0) < 0)
		log_fatal(EX_OSERR, "daemon: %s", strerror(errno));
	if ((rc = ledger_open(&mcfg.ledger, conf_ledger(&mcfg.conf),
	    LEDGER_CREATE | LEDGER_DEFER, NULL, &err)) != 0) {
		log_err("%s", BUF_STR(&err));
		return EX_CONFIG;
	}
	if (err.len)
		log_warn("%s", err.data);
	log_info("starting socket=%s ledger=%s user=%s inspect=%s "
	    "on_ledger_error=%s", mcfg.conf.socket, ledger_path(mcfg.ledger),
	    user ? user : "(unchanged)", mcfg.conf.inspect_attachments ? "yes" :
	    "no", mcfg.conf.on_ledger_error == CONF_ACCEPT ? "accept" :
	    "tempfail");
	rc = smfi_main();
	log_info("stopping");
	ledger_close(mcfg.ledger);
	if (sock)
		(void)unlink(sock);
	conf_free(&mcfg.conf);
	free(mcfg.trusted);
	free(user);
	buf_free(&err);
	return rc == MI_SUCCESS ? EX_OK : EX_UNAVAILABLE;
}
