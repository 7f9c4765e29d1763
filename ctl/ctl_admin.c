/*
 * NAME
 *	ctl_admin - edefterctl forget, backup, init, copy
 * DESCRIPTION
 *	forget removes records so that a period can be sent again: a full
 *	key, or ID/YYYY-MM for every recipient of a period; `-' reads keys
 *	from standard input, one per line.  backup writes a consistent
 *	LMDB copy while other processes use the ledger (compacted from an
 *	LMDB ledger; from one snapshot of a PostgreSQL one), then opens the
 *	copy to prove it reads.
 *
 *	init creates the ledger: the directory of an LMDB ledger, the
 *	tables of a PostgreSQL one; on a ledger that exists it changes
 *	nothing.  copy --to URL|DIR copies every record the target lacks
 *	(LMDB into PostgreSQL and back), creating the target as init does;
 *	a key the target holds keeps its record, so running it again copies
 *	nothing.  A record that cannot be copied faithfully (undecodable,
 *	or filed under another key than its fields make) is reported and
 *	left out.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "ctl.h"
#include "log.h"
#include "names.h"

struct keys {
	char	**v;
	size_t	  n;
};

static void
keys_add(struct keys *k, const char *s, size_t n)
{
	char	**v = realloc(k->v, (k->n + 1) * sizeof(*v));

	if (v == NULL || (v[k->n] = strndup(s, n)) == NULL)
		log_fatal(EX_OSERR, "out of memory");
	k->v = v;
	k->n++;
}

static void
keys_free(struct keys *k)
{
	while (k->n > 0)
		free(k->v[--k->n]);
	free(k->v);
}

static int
collect(const char *key, size_t keylen, const struct ledger_rec *r, void *arg)
{
	(void)r;
	keys_add(arg, key, keylen);
	return 0;
}

/* forget_one - remove a record, say what it was */
static int
forget_one(struct ledger *l, const char *key)
{
	struct buf store = BUF_INIT;
	struct ledger_rec r;
	char	when[32] = "?";
	int	rc;

	if ((rc = ledger_lookup(l, key, &r, &store)) == 0)
		(void)ledger_time_format(r.sent_ms, when, sizeof(when));
	buf_free(&store);
	if (rc && rc != LEDGER_NOTFOUND && rc != LEDGER_CORRUPT)
		return rc;
	if ((rc = ledger_forget(l, key)) == 0)
		printf("forgot %s (sent %s)\n", key, when);
	return rc;
}

/* period_keys - every key of ID/YYYY-MM */
static int
period_keys(struct ledger *l, const char *arg, struct keys *out)
{
	struct ledger_filter f = { NULL, 0, 0, NULL };
	char	id[16];
	size_t	idlen = strcspn(arg, "/");

	if ((idlen != 10 && idlen != 11) || arg[idlen] != '/' ||
	    edf_parse_period(arg + idlen + 1, strlen(arg + idlen + 1), &f.year,
	    &f.month) < 0)
		return -1;
	memcpy(id, arg, idlen);
	id[idlen] = '\0';
	f.id = id;
	return ledger_iter(l, &f, collect, out) ? -2 : 0;
}

/* ctl_forget - remove records so their periods can be sent again */
int
ctl_forget(struct ctl *ctl, int argc, char **argv)
{
	struct keys in = { NULL, 0 }, todo;
	struct buf key = BUF_INIT;
	char	*line = NULL;
	size_t	cap = 0, i, j;
	ssize_t	n;
	int	rc, status = EX_OK, bad = 0;

	if (argc < 2) {
		ctl_usage_of("forget");
		return EX_USAGE;
	}
	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "-") != 0) {
			keys_add(&in, argv[i], strlen(argv[i]));
			continue;
		}
		while ((n = getline(&line, &cap, stdin)) > 0) {
			while (n > 0 && (line[n - 1] == '\n' || line[n - 1] ==
			    '\r'))
				n--;
			if (n > 0)
				keys_add(&in, line, (size_t)n);
		}
	}
	free(line);
	if ((rc = ctl_open(ctl, 0)) != 0) {
		keys_free(&in);
		return rc;
	}
	for (i = 0; i < in.n; i++) {
		todo.v = NULL;
		todo.n = 0;
		if (ctl_norm_key(&key, in.v[i]) == 0)
			keys_add(&todo, key.data, key.len);
		else if ((rc = period_keys(ctl->l, in.v[i], &todo)) == -1) {
			log_err("'%s': not a key (expected ID/YYYY-MM/RECIPIENT "
			    "or ID/YYYY-MM)", in.v[i]);
			bad = 1;
			continue;
		} else if (rc == -2) {
			log_err("%s: cannot read the ledger", in.v[i]);
			status = EX_IOERR;
			continue;
		}
		if (todo.n == 0) {
			log_err("%s: no such record; nothing removed", in.v[i]);
			bad = 1;
		}
		for (j = 0; j < todo.n; j++) {
			rc = forget_one(ctl->l, todo.v[j]);
			if (rc == LEDGER_NOTFOUND) {
				log_err("%s: no such record; nothing removed",
				    todo.v[j]);
				bad = 1;
			} else if (rc) {
				log_err("%s: %s", todo.v[j],
				    ledger_strerror(rc));
				status = ctl_status(rc);
			}
		}
		keys_free(&todo);
	}
	keys_free(&in);
	buf_free(&key);
	if (status == EX_OK && bad)
		status = EX_DATAERR;
	return status;
}

/* ctl_backup - a consistent copy into DEST */
int
ctl_backup(struct ctl *ctl, int argc, char **argv)
{
	struct ledger_stats st;
	struct ledger *copy;
	struct buf err = BUF_INIT;
	int	rc;

	if (argc != 2) {
		ctl_usage_of("backup");
		return EX_USAGE;
	}
	if ((rc = ctl_open(ctl, LEDGER_RDONLY)) != 0)
		return rc;
	if ((rc = ledger_backup(ctl->l, argv[1], &err)) != 0) {
		log_err("%s", BUF_STR(&err));
		buf_free(&err);
		return EX_CANTCREAT;
	}
	if ((rc = ledger_open(&copy, argv[1], LEDGER_RDONLY, NULL, &err)) ||
	    (rc = ledger_stats(copy, &st))) {
		log_err("%s: the copy does not read back: %s", argv[1],
		    err.len ? err.data : ledger_strerror(rc));
		buf_free(&err);
		return EX_IOERR;
	}
	printf("backup of %llu records written to %s/data.mdb\n",
	    (unsigned long long)st.entries, argv[1]);
	ledger_close(copy);
	buf_free(&err);
	return EX_OK;
}

/* ctl_init - create the ledger; on one that exists, change nothing */
int
ctl_init(struct ctl *ctl, int argc, char **argv)
{
	struct ledger_stats st;
	int	rc;

	(void)argv;
	if (argc != 1) {
		ctl_usage_of("init");
		return EX_USAGE;
	}
	if ((rc = ctl_open(ctl, LEDGER_INIT)) != 0)
		return rc;
	if ((rc = ledger_stats(ctl->l, &st)) != 0) {
		log_err("%s: %s", ledger_path(ctl->l), ledger_strerror(rc));
		return ctl_status(rc);
	}
	printf("ledger %s ready (%s, %s %u), %llu record%s\n",
	    ledger_path(ctl->l), ledger_backend_name(ctl->l),
	    strcmp(ledger_backend_name(ctl->l), "lmdb") ? "schema" : "format",
	    st.format, (unsigned long long)st.entries, st.entries == 1 ? "" :
	    "s");
	return EX_OK;
}

/* copy_refused - a record copy left out, on stderr */
static void
copy_refused(const char *key, size_t keylen, const char *why, void *arg)
{
	(void)arg;
	log_err("%.*s: %s", (int)keylen, key, why);
}

/* ctl_copy - every record the target lacks, from one snapshot */
int
ctl_copy(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct ledger_copy_stats st;
	struct ledger *to = NULL;
	struct buf err = BUF_INIT;
	const char *dest = NULL;
	int	ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 't':
			dest = optarg;
			break;
		default:
			ctl_usage_of("copy");
			return EX_USAGE;
		}
	}
	if (optind != argc || dest == NULL || *dest == '\0') {
		ctl_usage_of("copy");
		return EX_USAGE;
	}
	if (strcmp(dest, ctl->where) == 0) {
		log_err("copy --to %s: that is the ledger being copied",
		    ledger_is_url(dest) ? "URL" : dest);
		return EX_USAGE;
	}
	if ((rc = ctl_open(ctl, LEDGER_RDONLY)) != 0)
		return rc;
	if ((rc = ledger_open(&to, dest, LEDGER_INIT, NULL, &err)) != 0) {
		log_err("%s; nothing copied", BUF_STR(&err));
		buf_free(&err);
		return ctl_open_status(rc);
	}
	buf_free(&err);
	rc = ledger_copy(ctl->l, to, copy_refused, NULL, &st);
	printf("%llu copied to %s, %llu already there (kept as they are), "
	    "%llu refused\n", (unsigned long long)st.copied, ledger_path(to),
	    (unsigned long long)st.present, (unsigned long long)st.refused);
	if (rc != 0) {
		log_err("copy from %s to %s stopped: %s", ledger_path(ctl->l),
		    ledger_path(to), ledger_strerror(rc));
		ledger_close(to);
		return ctl_status(rc);
	}
	ledger_close(to);
	return st.refused ? EX_DATAERR : EX_OK;
}
