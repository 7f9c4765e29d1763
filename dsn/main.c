/*
 * NAME
 *	edefter-dsn - record delivery reports in the edefter ledger
 * SYNOPSIS
 *	edefter-dsn [-c FILE] [--dry-run] [RECIPIENT]
 * DESCRIPTION
 *	A Postfix pipe(8) delivery agent for BounceAddress: Postfix hands
 *	it one message on standard input, a delivery report that came back
 *	to an e-Defter message's VERP sender local+ID-YYYYMM@domain, and
 *	RECIPIENT (${recipient}) as its argument.  The report is read by
 *	dsnparse.h (RFC 3464, else the wording of the common non-standard
 *	bounces).  The period is the returned header's X-EDefter-Company and
 *	X-EDefter-Period when the report carries it, else the VERP token of
 *	RECIPIENT, else the report's ENVID.  Each recipient the report
 *	names, under its Final-Recipient (else its Original-Recipient),
 *	gets the report's outcome in its ledger record (ledger_deliver():
 *	failed is bounced, delayed is delayed, delivered, relayed and
 *	expanded are delivered), with the status code and the diagnostic.
 *
 *	A report of no known period, or for a key the ledger does not hold,
 *	is logged and dropped.  --dry-run reads a message and prints one
 *	line per recipient found, `rcpt=ADDR action=ACTION status=X.Y.Z',
 *	touching nothing.
 * SECURITY
 *	Runs as pipe(8)'s user= (the ledger's owner, never root); the report
 *	is untrusted input, read with bounded memory.
 * DIAGNOSTICS
 *	One syslog line (facility mail) per recipient.  Exit status per
 *	sysexits(3), which pipe(8) understands: 0 recorded or dropped; 64
 *	usage; 75 the ledger cannot be written or memory ran out (Postfix
 *	keeps the report and tries again); 78 configuration.
 */
#include <sys/time.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <syslog.h>
#include <unistd.h>

#include "conf.h"
#include "dsnparse.h"
#include "ledger.h"
#include "log.h"
#include "names.h"
#include "verp.h"

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: edefter-dsn [-c FILE] [--dry-run] [RECIPIENT]\n");
}

/* read_report - standard input into the parser */
static const struct dsn_result *
read_report(struct dsn_parser *p)
{
	char	buf[65536];
	ssize_t	n;

	for (;;) {
		if ((n = read(0, buf, sizeof(buf))) < 0) {
			if (errno == EINTR)
				continue;
			log_err("reading the report: %s", strerror(errno));
			return NULL;
		}
		if (n == 0)
			break;
		if (dsn_feed(p, buf, (size_t)n) < 0)
			return NULL;
	}
	return dsn_finish(p);
}

/* period_of - the report's period: its returned header, the VERP
 * token, the ENVID; 0 found, -1 none */
static int
period_of(const struct conf *cf, const struct dsn_result *r,
    const char *rcpt, struct verp_key *k, const char **how)
{
	const char *u;
	size_t	n, ul;

	if (r->company && r->period && edf_parse_period(r->period,
	    strlen(r->period), &k->year, &k->month) == 0) {
		snprintf(k->id, sizeof(k->id), "%s", r->company);
		*how = "header";
		return 0;
	}
	if (rcpt && cf->bounce_address && verp_parse_address(rcpt,
	    strlen(rcpt), cf->bounce_address, k) == 0) {
		*how = "verp";
		return 0;
	}
	if (r->envid) {
		/* libcurl before 8 leaves a '>' after the last parameter */
		n = strlen(r->envid);
		if (n && r->envid[n - 1] == '>')
			n--;
		if (verp_parse_envid(r->envid, n, k, &u, &ul) == 0) {
			*how = "envid";
			return 0;
		}
	}
	return -1;
}

/* state_of - the ledger's delivery state for a report's action */
static int
state_of(enum dsn_action a)
{
	switch (a) {
	case DSN_FAILED:
		return LEDGER_DLV_BOUNCED;
	case DSN_DELAYED:
		return LEDGER_DLV_DELAYED;
	case DSN_DELIVERED:
	case DSN_RELAYED:
	case DSN_EXPANDED:
		return LEDGER_DLV_DELIVERED;
	default:
		return LEDGER_DLV_QUEUED;
	}
}

/* record - one recipient's outcome; 0, or EX_TEMPFAIL */
static int
record(struct ledger *l, const struct verp_key *k, const struct dsn_rcpt *d,
    int64_t now, const char *how)
{
	struct buf key = BUF_INIT, line = BUF_INIT, alt = BUF_INIT;
	char	period[8];
	int	state = state_of(d->action), changed = 0, rc;

	snprintf(period, sizeof(period), "%04d-%02d", k->year, k->month);
	log_kv(&line, "id", k->id);
	log_kv(&line, "period", period);
	log_kv(&line, "rcpt", d->final_lower);
	log_kv(&line, "action", dsn_action_name(d->action));
	log_kv(&line, "status", d->status);
	log_kv(&line, "from", how);
	if (state == LEDGER_DLV_QUEUED) {
		log_info("skip %s reason=no-outcome", line.data);
		rc = 0;
		goto out;
	}
	ledger_key(&key, k->id, k->year, k->month, d->final_lower);
	rc = ledger_deliver(l, key.data, state, now, d->status, d->diagnostic,
	    &changed);
	if (rc == LEDGER_NOTFOUND && d->orig_rcpt) {
		/* the Original-Recipient, as the scanner gave it (ORCPT) */
		buf_set(&alt, d->orig_rcpt, strlen(d->orig_rcpt));
		if (alt.len && alt.data[alt.len - 1] == '>')
			buf_truncate(&alt, alt.len - 1);
		ledger_key(&key, k->id, k->year, k->month, alt.data);
		rc = ledger_deliver(l, key.data, state, now, d->status,
		    d->diagnostic, &changed);
	}
	if (rc == LEDGER_NOTFOUND) {
		log_warn("drop %s reason=unknown-key (not in the ledger)",
		    line.data);
		rc = 0;
	} else if (rc != 0) {
		log_err("defer %s ledger=%s error=\"%s\" (Postfix retries)",
		    line.data, ledger_path(l), ledger_strerror(rc));
		rc = EX_TEMPFAIL;
	} else {
		log_info("delivery %s state=%s%s", line.data,
		    ledger_delivery_name(state), changed ? "" :
		    " unchanged=yes");
	}
out:
	buf_free(&key);
	buf_free(&line);
	buf_free(&alt);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfpath = CONF_DEFAULT_PATH, *rcpt = NULL, *how = NULL;
	const struct dsn_result *r;
	struct dsn_parser *p;
	struct ledger *l = NULL;
	struct buf err = BUF_INIT;
	struct verp_key k;
	struct timeval tv;
	struct conf cf;
	size_t	i;
	int	ch, explicit = 0, dry = 0, rc = EX_OK, e;

	log_open("edefter-dsn", LOG_MAIL, LOG_TO_STDERR);
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			cfpath = optarg;
			explicit = 1;
			break;
		case 'd':
			dry = 1;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (argc - optind > 1) {
		usage(stderr);
		return EX_USAGE;
	}
	if (optind < argc)
		rcpt = argv[optind];
	if ((rc = conf_load(&cf, cfpath, explicit, CONF_DSN, &err)) != 0) {
		log_err("%s", BUF_STR(&err));
		buf_free(&err);
		return rc;
	}
	if (!dry)
		log_open("edefter-dsn", cf.syslog_facility, LOG_TO_SYSLOG |
		    LOG_TO_STDERR);
	if ((p = dsn_new(NULL)) == NULL || (r = read_report(p)) == NULL) {
		log_err("cannot read the report: %s (Postfix retries)",
		    strerror(errno ? errno : ENOMEM));
		rc = EX_TEMPFAIL;
		goto out;
	}
	if (dry) {
		for (i = 0; i < r->nrcpt; i++)
			printf("rcpt=%s action=%s status=%s\n",
			    r->rcpt[i].final_rcpt,
			    dsn_action_name(r->rcpt[i].action),
			    r->rcpt[i].status);
		goto out;
	}
	if (r->nrcpt == 0) {
		log_info("drop rcpt=%s reason=no-report (kind=%s: not a "
		    "delivery report)", rcpt ? rcpt : "-",
		    dsn_kind_name(r->kind));
		goto out;
	}
	if (period_of(&cf, r, rcpt, &k, &how) < 0) {
		log_warn("drop rcpt=%s reason=no-period (neither the report, "
		    "the address nor the envelope id names an e-Defter "
		    "period) recipients=%zu", rcpt ? rcpt : "-", r->nrcpt);
		goto out;
	}
	if ((e = ledger_open(&l, conf_ledger(&cf), 0, NULL, &err)) != 0) {
		log_err("%s (Postfix retries)", BUF_STR(&err));
		rc = EX_TEMPFAIL;
		goto out;
	}
	gettimeofday(&tv, NULL);
	for (i = 0; i < r->nrcpt; i++)
		if (record(l, &k, &r->rcpt[i], (int64_t)tv.tv_sec * 1000 +
		    tv.tv_usec / 1000, how) != 0)
			rc = EX_TEMPFAIL;
out:
	if (l)
		ledger_close(l);
	dsn_free(p);
	conf_free(&cf);
	buf_free(&err);
	return rc;
}
