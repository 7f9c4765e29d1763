/*
 * NAME
 *	edefter-scan - mail each complete e-Defter period of a share once
 * SYNOPSIS
 *	edefter-scan [-c FILE] [-n] run [--dry-run]
 *	edefter-scan [-c FILE] status [--format table|json]
 *	edefter-scan [-c FILE] daemon
 *	edefter-scan [-c FILE] baseline [--dry-run]
 *	edefter-scan [-c FILE] digest [--dry-run]
 * DESCRIPTION
 *	See edefter-scan(8) and run.c.  `daemon' runs one pass every
 *	ScanInterval in a child process of its own, so that a pass stuck on
 *	a hung share (ended by the watchdog) or any fault of a pass never
 *	takes the daemon down; SIGTERM ends the current pass and the daemon.
 * DIAGNOSTICS
 *	Exit status per sysexits(3): 0 ok, 64 usage, 69 ledger unavailable,
 *	75 share not usable or MTA deferred (try again), 78 configuration.
 */
#include <sys/wait.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "digest.h"
#include "log.h"
#include "pass.h"
#include "run.h"
#include "scan.h"
#include "statushtml.h"
#include "tabout.h"

static volatile sig_atomic_t stopping;

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: edefter-scan [-c FILE] [-n] COMMAND\n"
	    "  run [--dry-run]                 one pass: send what is complete\n"
	    "  status [--format table|json|csv|xlsx|html] [-o FILE]\n"
	    "                                  every period and its state\n"
	    "  daemon                          run every ScanInterval\n"
	    "  baseline [--dry-run]            records of what is complete "
	    "now, for\n"
	    "                                  edefterctl import (a cut-over)\n"
	    "  digest [--dry-run]              the office's digest mail to "
	    "Notify\n");
}

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

/* run_child - a pass (or the digest) in a child process of its own, so
 * that a pass stuck on a hung share or any fault never takes the daemon
 * down */
static void
run_child(const struct conf *cf, int digest)
{
	struct pass_opts o = { .mode = PASS_RUN };
	const char *what = digest ? "digest" : "pass";
	pid_t	child;
	int	status = 0;

	if ((child = fork()) < 0) {
		log_err("fork: %s", strerror(errno));
		return;
	}
	if (child == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		if (watchdog_guard(&status))
			_exit(status);
		status = digest ? digest_run(cf, 0) : pass_run(cf, &o);
		fflush(stdout);
		_exit(status);
	}
	while (waitpid(child, &status, 0) < 0) {
		if (errno != EINTR)
			break;
		if (stopping)
			kill(child, SIGTERM);
	}
	if (WIFSIGNALED(status))
		log_err("%s ended by signal %d", what, WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0)
		log_info("%s ended with status %d (retried next pass)", what,
		    WEXITSTATUS(status));
}

/* daemon_loop - a pass every ScanInterval, then the day's digest once
 * it is due, until SIGTERM */
static int
daemon_loop(const struct conf *cf)
{
	struct sigaction sa;
	time_t	next;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	log_info("daemon started interval=%llds share=%s", cf->scan_interval,
	    cf->share_root);
	while (!stopping) {
		next = time(NULL) + cf->scan_interval;
		run_child(cf, 0);
		if (!stopping && digest_due(cf, time(NULL)))
			run_child(cf, 1);
		while (!stopping && time(NULL) < next)
			sleep(1);
	}
	log_info("daemon stopping");
	return EX_OK;
}

/* format_of - the --format of status, or -1 */
static int
format_of(const char *s)
{
	static const char *const names[] = { "table", "json", "csv", "xlsx",
	    "html" };
	int	i;

	for (i = 0; i < 5; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/* status - the status pass, into a table or a file when asked; the
 * file is written whole or not at all (a failed pass leaves none) */
static int
status(const struct conf *cf, struct pass_opts *o)
{
	struct tabout_file *f = NULL;
	struct buf err = BUF_INIT;
	int	rc, saved = -1;

	if (o->format == FMT_HTML)
		return status_html(cf, o);
	if (o->format == FMT_CSV || o->format == FMT_XLSX) {
		if (report_table_open(o, &err) < 0) {
			log_err("%s", BUF_STR(&err));
			if (o->tab)
				tabout_discard(o->tab);
			buf_free(&err);
			return EX_CANTCREAT;
		}
	} else if (o->out) {
		if ((f = tabout_file_open(o->out, &err)) == NULL) {
			log_err("%s", BUF_STR(&err));
			buf_free(&err);
			return EX_CANTCREAT;
		}
		fflush(stdout);
		if ((saved = dup(1)) < 0 || dup2(fileno(tabout_file_fp(f)), 1) <
		    0) {
			log_err("-o %s: %s", o->out, strerror(errno));
			tabout_file_discard(f);
			return EX_OSERR;
		}
	}
	rc = pass_run(cf, o);
	fflush(stdout);
	if (saved >= 0) {
		dup2(saved, 1);
		close(saved);
	}
	if (o->tab) {
		if (rc != 0)
			tabout_discard(o->tab);
		else if (tabout_close(o->tab, &err) < 0) {
			log_err("%s", BUF_STR(&err));
			rc = EX_IOERR;
		}
	} else if (f) {
		if (rc != 0)
			tabout_file_discard(f);
		else if (tabout_file_close(f, &err) < 0) {
			log_err("%s", BUF_STR(&err));
			rc = EX_IOERR;
		}
	}
	o->tab = NULL;
	buf_free(&err);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option run_opts[] = {
		{ "dry-run", no_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfpath = CONF_DEFAULT_PATH, *cmd;
	struct pass_opts o = { .mode = PASS_RUN };
	struct buf err = BUF_INIT;
	struct conf cf;
	int	ch, explicit = 0, check = 0, rc, daemon = 0, digest = 0;
	int	dry_digest = 0;

	log_open("edefter-scan", LOG_MAIL, LOG_TO_STDERR);
	while ((ch = getopt(argc, argv, "+c:nh")) != -1) {
		switch (ch) {
		case 'c':
			cfpath = optarg;
			explicit = 1;
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
	if ((rc = conf_load(&cf, cfpath, explicit, CONF_SCAN, &err)) != 0) {
		log_err("%s", BUF_STR(&err));
		buf_free(&err);
		return rc;
	}
	if (check) {
		conf_print(&cf, CONF_SCAN, stdout);
		conf_free(&cf);
		return EX_OK;
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:", run_opts, NULL)) != -1) {
		if (ch == 'd' && !strcmp(cmd, "run"))
			o.mode = PASS_DRY_RUN;
		else if (ch == 'd' && !strcmp(cmd, "baseline"))
			o.mode = PASS_BASELINE_DRY;
		else if (ch == 'd' && !strcmp(cmd, "digest"))
			dry_digest = 1;
		else if (ch == 'f' && !strcmp(cmd, "status") &&
		    (o.format = format_of(optarg)) >= 0)
			o.json = o.format == FMT_JSON;
		else if (ch == 'o' && !strcmp(cmd, "status") && *optarg)
			o.out = strcmp(optarg, "-") ? optarg : NULL;
		else {
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc || o.format < 0) {
		usage(stderr);
		return EX_USAGE;
	}
	if (o.format == FMT_XLSX && o.out == NULL) {
		log_err("status --format xlsx needs -o FILE");
		return EX_USAGE;
	}
	if (!strcmp(cmd, "status"))
		o.mode = PASS_STATUS;
	else if (!strcmp(cmd, "daemon"))
		daemon = 1;
	else if (!strcmp(cmd, "digest"))
		digest = 1;
	else if (!strcmp(cmd, "baseline")) {
		if (o.mode != PASS_BASELINE_DRY)
			o.mode = PASS_BASELINE;
	}
	else if (strcmp(cmd, "run") != 0) {
		log_err("unknown command '%s'", cmd);
		usage(stderr);
		return EX_USAGE;
	}
	log_open("edefter-scan", cf.syslog_facility, LOG_TO_SYSLOG |
	    LOG_TO_STDERR);
	o.progress = isatty(2) && !o.json && o.mode != PASS_BASELINE &&
	    o.mode != PASS_BASELINE_DRY;
	if (daemon)
		rc = daemon_loop(&cf);
	else if (watchdog_guard(&rc))
		;			/* the work was done in a child */
	else {
		if (digest)
			rc = digest_run(&cf, dry_digest);
		else if (o.mode == PASS_STATUS)
			rc = status(&cf, &o);
		else
			rc = pass_run(&cf, &o);
		fflush(stdout);
		fflush(stderr);
		_exit(rc);
	}
	conf_free(&cf);
	buf_free(&err);
	return rc;
}
