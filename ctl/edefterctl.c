/*
 * NAME
 *	edefterctl - the ledger's admin tool
 * SYNOPSIS
 *	edefterctl [-c FILE | -l LEDGER] [-n] COMMAND [ARGS]
 * DESCRIPTION
 *	Lists, dumps, forgets, imports, checks, backs up and copies the
 *	records of the send-once ledger, in an LMDB directory or a
 *	PostgreSQL database (-l DIR or -l postgresql://..., or LedgerURL,
 *	else LedgerPath, of the configuration).  The command grammar is the
 *	table below; the commands are in ctl_*.c.  See edefterctl(8).
 * DIAGNOSTICS
 *	Exit status per sysexits(3): 0 ok, 64 usage, 65 bad data, 66 no
 *	such input, 69 the ledger's database server cannot be reached, 74
 *	I/O error, 75 try again, 77 permission denied, 78 configuration
 *	error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "ctl.h"
#include "log.h"

static const struct {
	const char	*name;
	int		(*fn)(struct ctl *, int, char **);
	const char	*usage;
} cmds[] = {
	{ "list", ctl_list,
	    "list [--company ID] [--period YYYY-MM] [--recipient ADDR]" },
	{ "show", ctl_show, "show KEY" },
	{ "dump", ctl_dump, "dump [--format json|csv|xlsx] [-o FILE]" },
	{ "forget", ctl_forget, "forget KEY... (- reads keys from stdin)" },
	{ "import", ctl_import, "import FILE" },
	{ "stats", ctl_stats, "stats" },
	{ "verify", ctl_verify, "verify" },
	{ "backup", ctl_backup, "backup DEST" },
	{ "init", ctl_init, "init" },
	{ "copy", ctl_copy, "copy --to URL|DIR" },
};
#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

static void
usage(FILE *fp)
{
	size_t	i;

	fprintf(fp, "usage: edefterctl [-c FILE | -l DIR|URL] [-n] COMMAND "
	    "[ARGS]\ncommands:\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(fp, "  %s\n", cmds[i].usage);
}

/* ctl_usage_of - one command's usage line on stderr */
void
ctl_usage_of(const char *name)
{
	size_t	i;

	for (i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].name, name) == 0)
			fprintf(stderr, "usage: edefterctl %s\n", cmds[i].usage);
}

/* ctl_open - open the ledger; a sysexits status, the error logged */
int
ctl_open(struct ctl *c, int flags)
{
	struct buf err = BUF_INIT;
	int	rc;

	if ((rc = ledger_open(&c->l, c->where, flags, NULL, &err)) != 0) {
		log_err("%s", BUF_STR(&err));
		rc = ctl_open_status(rc);
	}
	buf_free(&err);
	return rc;
}

/* ctl_status - the exit status for a ledger call that failed */
int
ctl_status(int rc)
{
	return rc == LEDGER_UNAVAILABLE ? EX_UNAVAILABLE : EX_IOERR;
}

/* ctl_open_status - the exit status for a ledger that would not open */
int
ctl_open_status(int rc)
{
	switch (rc) {
	case ENOENT:
		return EX_NOINPUT;
	case EXDEV:
		return EX_CONFIG;
	case EACCES:
	case EPERM:
		return EX_NOPERM;
	case EAGAIN:
	case EBUSY:
		return EX_TEMPFAIL;
	case ECONNREFUSED:
		return EX_UNAVAILABLE;
	case ENOTDIR:
	case EINVAL:
		return EX_DATAERR;
	default:
		return rc > 0 ? EX_IOERR : EX_DATAERR;
	}
}

int
main(int argc, char **argv)
{
	const char *cfpath = CONF_DEFAULT_PATH, *dir = NULL;
	struct ctl c = { NULL, NULL };
	struct buf err = BUF_INIT;
	struct conf cf;
	int	ch, explicit = 0, check = 0, rc;
	size_t	i;

	log_open("edefterctl", 0, LOG_TO_STDERR);
	while ((ch = getopt(argc, argv, "+c:l:hn")) != -1) {
		switch (ch) {
		case 'c':
			cfpath = optarg;
			explicit = 1;
			break;
		case 'l':
			dir = optarg;
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
	argc -= optind;
	argv += optind;
	if (dir && explicit) {
		log_err("-c and -l cannot be used together");
		return EX_USAGE;
	}
	if (dir == NULL || check) {
		if ((rc = conf_load(&cf, cfpath, explicit, CONF_CTL, &err))) {
			log_err("%s", BUF_STR(&err));
			return rc;
		}
		if (check) {
			conf_print(&cf, CONF_CTL, stdout);
			conf_free(&cf);
			return EX_OK;
		}
	}
	if (argc < 1) {
		usage(stderr);
		return EX_USAGE;
	}
	for (i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].name, argv[0]) == 0)
			break;
	if (i == NCMDS) {
		log_err("unknown command '%s'", argv[0]);
		usage(stderr);
		return EX_USAGE;
	}
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: edefterctl %s\n", cmds[i].usage);
		return EX_OK;
	}
	c.where = dir ? dir : conf_ledger(&cf);
	optind = 1;
	rc = cmds[i].fn(&c, argc, argv);
	ledger_close(c.l);
	if (dir == NULL)
		conf_free(&cf);
	buf_free(&err);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		log_err("standard output: %s", strerror(errno));
		return rc ? rc : EX_IOERR;
	}
	return rc;
}
