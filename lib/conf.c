/*
 * conf - the edefter.conf file; see conf.h.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "addr.h"
#include "cidr.h"
#include "conf.h"
#include "conf_int.h"
#include "log.h"
#include "names.h"

enum ctype { T_STR, T_PATH, T_BOOL, T_SIZE, T_DUR, T_LIST, T_ENUM,
	T_FACILITY, T_CLIST, T_PERIOD, T_INT };

struct key {
	const char	*name;
	enum ctype	 type;
	const char	*def;		/* NULL: no default */
	size_t		 off;
	long long	 min, max;	/* T_SIZE, T_DUR */
	unsigned	 users;		/* programs that use the key */
	unsigned	 required;	/* programs that cannot run without it */
	const char *const *choices;	/* T_ENUM */
	int		(*check)(const char *, struct buf *);
};

static const struct key *find_key(const char *);

static const char *const on_error_choices[] = { "tempfail", "accept", NULL };
static const char *const attach_choices[] = { "folder", "berats", NULL };

#define O(f)	offsetof(struct conf, f)
#define M	CONF_MILTER
#define S	CONF_SCAN
#define C	CONF_CTL
#define D	CONF_DSN
#define KB_	1024LL
#define MAXDUR	(366LL * 86400)

static const struct key keys[] = {
	{ "LedgerPath", T_PATH, "/var/lib/edefter/ledger", O(ledger_path),
	    0, 0, M | S | C | D, 0, NULL, NULL },
	{ "LedgerURL", T_STR, NULL, O(ledger_url), 0, 0, M | S | C | D, 0,
	    NULL, check_url },
	{ "Socket", T_STR, "local:/var/spool/postfix/edefter/milter.sock",
	    O(socket), 0, 0, M, 0, NULL, check_socket },
	{ "UserID", T_STR, NULL, O(user_id), 0, 0, M | S, 0, NULL,
	    check_user },
	{ "OnLedgerError", T_ENUM, "tempfail", O(on_ledger_error), 0, 0, M,
	    0, on_error_choices, NULL },
	{ "InspectAttachments", T_BOOL, "yes", O(inspect_attachments), 0, 0,
	    M, 0, NULL, NULL },
	{ "TrustedClients", T_LIST, "127.0.0.0/8, ::1", O(trusted_clients),
	    0, 0, M, 0, NULL, check_trusted },
	{ "ShareRoot", T_PATH, NULL, O(share_root), 0, 0, S, S, NULL, NULL },
	{ "ShareType", T_LIST, "cifs, smb3", O(share_type), 0, 0, S, 0, NULL,
	    NULL },
	{ "ShareSentinel", T_STR, NULL, O(share_sentinel), 0, 0, S, 0, NULL,
	    NULL },
	{ "Companies", T_PATH, SYSCONFDIR "/edefter/companies.csv",
	    O(companies), 0, 0, S, 0, NULL, NULL },
	{ "From", T_STR, NULL, O(from), 0, 0, S, S, NULL, check_from },
	{ "Submit", T_STR, "smtp://127.0.0.1:25", O(submit), 0, 0, S, 0, NULL,
	    check_submit },
	{ "SubmitUser", T_STR, NULL, O(submit_user), 0, 0, S, 0, NULL,
	    check_submit_user },
	{ "SubmitPassword", T_STR, NULL, O(submit_password), 0, 0, S, 0, NULL,
	    NULL },
	{ "SubmitPasswordFile", T_PATH, NULL, O(submit_password_file), 0, 0, S,
	    0, NULL, check_password_file },
	{ "SubmitCAFile", T_PATH, NULL, O(submit_ca_file), 0, 0, S, 0, NULL,
	    check_ca_file },
	{ "SubmitTLSVerify", T_BOOL, "yes", O(submit_tls_verify), 0, 0, S, 0,
	    NULL, NULL },
	{ "SettleSeconds", T_DUR, "60s", O(settle_seconds), 0, MAXDUR, S, 0,
	    NULL, NULL },
	{ "ShareTimeout", T_DUR, "120s", O(share_timeout), 1, 86400, S, 0,
	    NULL, NULL },
	{ "StateDir", T_PATH, "/var/lib/edefter/scan", O(state_dir), 0, 0, S,
	    0, NULL, NULL },
	{ "MaxMessageSize", T_SIZE, "10M", O(max_message_size), 4 * KB_,
	    64 * KB_ * KB_ * KB_, S, 0, NULL, NULL },
	{ "RequireGibApproval", T_BOOL, "yes", O(require_gib_approval), 0, 0,
	    S, 0, NULL, NULL },
	{ "Attach", T_ENUM, "folder", O(attach), 0, 0, S, 0, attach_choices,
	    NULL },
	{ "ScanInterval", T_DUR, "5m", O(scan_interval), 1, MAXDUR, S, 0,
	    NULL, NULL },
	{ "SendFrom", T_PERIOD, NULL, O(send_from), 0, 0, S, 0, NULL, NULL },
	{ "ExcludeDirs", T_CLIST, CONF_EXCLUDE_DIRS, O(exclude_dirs), 0, 0, S,
	    0, NULL, NULL },
	{ "ExcludeFiles", T_CLIST, CONF_EXCLUDE_FILES, O(exclude_files), 0, 0,
	    S, 0, NULL, NULL },
	{ "BounceAddress", T_STR, NULL, O(bounce_address), 0, 0, S | D, 0,
	    NULL, check_bounce },
	{ "Notify", T_LIST, NULL, O(notify), 0, 0, S, 0, NULL, check_notify },
	{ "DigestHour", T_INT, "7", O(digest_hour), 0, 23, S, 0, NULL, NULL },
	{ "Deadlines", T_PATH, NULL, O(deadlines), 0, 0, S, 0, NULL, NULL },
	{ "SyslogFacility", T_FACILITY, "mail", O(syslog_facility), 0, 0,
	    M | S | C | D, 0, NULL, NULL },
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

/* conf_ledger - where the ledger is: LedgerURL, else LedgerPath */
const char *
conf_ledger(const struct conf *cf)
{
	return cf->ledger_url ? cf->ledger_url : cf->ledger_path;
}

static const struct key *
find_key(const char *name)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++)
		if (ascii_strcasecmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* set_value - parse one value into the struct; -1 with why on error */
static int
set_value(struct conf *cf, const struct key *k, const char *v, struct buf *why)
{
	char	*base = (char *)cf + k->off;
	long long n;
	int	i;

	switch (k->type) {
	case T_PATH:
		if (v[0] != '/') {
			buf_adds(why, "expected an absolute path");
			return -1;
		}
		/* FALLTHROUGH */
	case T_STR: {
		char **sp = (char **)(void *)base, *dup;

		if (k->check && k->check(v, why) < 0)
			return -1;
		if ((dup = strdup(v)) == NULL) {
			buf_adds(why, "out of memory");
			return -1;
		}
		free(*sp);
		*sp = dup;
		return 0;
	}
	case T_LIST:
	case T_CLIST: {
		struct conf_list *l = (struct conf_list *)(void *)base, nl;

		if (k->check && k->check(v, why) < 0)
			return -1;
		if ((k->type == T_LIST ? split_list(v, &nl) :
		    split_clist(v, &nl)) < 0) {
			free_list(&nl);
			buf_adds(why, "out of memory");
			return -1;
		}
		free_list(l);
		*l = nl;
		return 0;
	}
	case T_BOOL:
		if (conf_parse_bool(v, (int *)(void *)base) < 0) {
			buf_printf(why, "bad boolean '%s' (expected yes or no)", v);
			return -1;
		}
		return 0;
	case T_SIZE:
	case T_DUR:
		if ((k->type == T_SIZE ? conf_parse_size(v, &n) :
		    conf_parse_duration(v, &n)) < 0) {
			buf_printf(why, k->type == T_SIZE ?
			    "bad size '%s' (expected a number with K, M or G)" :
			    "bad duration '%s' (expected a number with s, m, h or d)",
			    v);
			return -1;
		}
		if (n < k->min || n > k->max) {
			buf_printf(why, "'%s' is out of range (%lld..%lld%s)",
			    v, k->min, k->max, k->type == T_SIZE ? " bytes" :
			    " seconds");
			return -1;
		}
		*(long long *)(void *)base = n;
		return 0;
	case T_ENUM:
		for (i = 0; k->choices[i]; i++)
			if (ascii_strcasecmp(v, k->choices[i]) == 0) {
				*(int *)(void *)base = i;
				return 0;
			}
		buf_printf(why, "bad value '%s' (expected", v);
		for (i = 0; k->choices[i]; i++)
			buf_printf(why, "%s %s", i ? " or" : "", k->choices[i]);
		buf_adds(why, ")");
		return -1;
	case T_INT: {
		char *end;

		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno || end == v || *end || n < k->min || n > k->max) {
			buf_printf(why, "'%s' is not a number from %lld to %lld",
			    v, k->min, k->max);
			return -1;
		}
		*(long long *)(void *)base = n;
		return 0;
	}
	case T_PERIOD: {
		int y, m;

		if (edf_parse_period(v, strlen(v), &y, &m) < 0) {
			buf_printf(why, "bad month '%s' (expected YYYY-MM)", v);
			return -1;
		}
		*(int *)(void *)base = y * 12 + m - 1;
		return 0;
	}
	case T_FACILITY:
		if ((i = log_facility(v)) < 0) {
			buf_printf(why, "unknown syslog facility '%s'", v);
			return -1;
		}
		*(int *)(void *)base = i;
		return 0;
	}
	return -1;
}

/* set_defaults - every key's default */
static void
set_defaults(struct conf *cf)
{
	struct buf why = BUF_INIT;
	size_t	i;

	for (i = 0; i < NKEYS; i++)
		if (keys[i].def && set_value(cf, &keys[i], keys[i].def, &why) < 0)
			log_fatal(EX_SOFTWARE, "default of %s: %s", keys[i].name,
			    BUF_STR(&why));
	buf_free(&why);
}

/* trim - strip leading and trailing white space in place */
static char *
trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* parse_line - one line of the file; 0 ok, -1 error in err */
static int
parse_line(struct conf *cf, unsigned prog, const char *path, int lineno,
    char *line, int *seen, struct buf *err)
{
	const struct key *k;
	struct buf why = BUF_INIT;
	char	*p, *key, *val;
	int	idx;

	for (p = line; *p; p++)
		if (*p == '#' && (p == line || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	key = trim(line);
	if (*key == '\0')
		return 0;
	for (p = key; *p && *p != ' ' && *p != '\t'; p++)
		;
	val = *p ? trim(p + 1) : p;
	*p = '\0';
	if ((k = find_key(key)) == NULL) {
		buf_printf(err, "%s:%d: unknown key '%s'", path, lineno, key);
		return -1;
	}
	idx = (int)(k - keys);
	if (seen[idx]) {
		buf_printf(err, "%s:%d: key '%s' given twice (first at line %d)",
		    path, lineno, k->name, seen[idx]);
		return -1;
	}
	seen[idx] = lineno;
	if (*val == '\0') {
		buf_printf(err, "%s:%d: key '%s' has no value", path, lineno,
		    k->name);
		return -1;
	}
	if ((k->users & prog) == 0)
		return 0;		/* another program's key */
	if (set_value(cf, k, val, &why) < 0) {
		buf_printf(err, "%s:%d: key '%s': %s", path, lineno, k->name,
		    BUF_STR(&why));
		buf_free(&why);
		return -1;
	}
	buf_free(&why);
	return 0;
}

/*
 * check_submit_login - SubmitUser with exactly one of SubmitPassword and
 * SubmitPasswordFile; SubmitPassword only in a file others cannot read
 */
static int
check_submit_login(const struct conf *cf, const char *path, const int *seen,
    struct buf *err)
{
	const struct key *ku = find_key("SubmitUser");
	const struct key *kp = find_key("SubmitPassword");
	const struct key *kf = find_key("SubmitPasswordFile");
	int	lu = seen[ku - keys], lp = seen[kp - keys], lf = seen[kf - keys];
	struct stat st;

	if (lp && lf) {
		buf_printf(err, "%s:%d: key 'SubmitPasswordFile': "
		    "SubmitPassword is given too (line %d); give one of them",
		    path, lf, lp);
		return -1;
	}
	if ((lp || lf) && !lu) {
		buf_printf(err, "%s:%d: key '%s' needs SubmitUser", path,
		    lp ? lp : lf, lp ? "SubmitPassword" : "SubmitPasswordFile");
		return -1;
	}
	if (lu && !lp && !lf) {
		buf_printf(err, "%s:%d: key 'SubmitUser' needs SubmitPassword "
		    "or SubmitPasswordFile", path, lu);
		return -1;
	}
	if (lp && cf->submit_password && stat(path, &st) == 0 &&
	    (st.st_mode & S_IROTH)) {
		buf_printf(err, "%s:%d: key 'SubmitPassword': mode %04o of %s "
		    "lets others read the password (chmod o-r %s, or use "
		    "SubmitPasswordFile)", path, lp,
		    (unsigned)(st.st_mode & 07777), path, path);
		return -1;
	}
	return 0;
}

/* conf_load - defaults, then the file, then the required keys */
int
conf_load(struct conf *cf, const char *path, int explicit, unsigned prog,
    struct buf *err)
{
	int	seen[NKEYS] = { 0 };
	char	*line = NULL;
	size_t	cap = 0, i;
	ssize_t	n;
	int	lineno = 0, rc = 0;
	FILE	*fp;

	memset(cf, 0, sizeof(*cf));
	set_defaults(cf);
	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && !explicit)
			goto required;
		buf_printf(err, "%s: cannot open: %s", path, strerror(errno));
		return EX_CONFIG;
	}
	cf->path = path;
	while ((n = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		if ((size_t)n != strlen(line)) {
			buf_printf(err, "%s:%d: NUL byte in line", path, lineno);
			rc = EX_CONFIG;
			break;
		}
		if (parse_line(cf, prog, path, lineno, line, seen, err) < 0) {
			rc = EX_CONFIG;
			break;
		}
	}
	if (rc == 0 && ferror(fp)) {
		buf_printf(err, "%s: read error: %s", path, strerror(errno));
		rc = EX_CONFIG;
	}
	if (line)
		explicit_bzero(line, cap);	/* it may have held a password */
	free(line);
	fclose(fp);
	if (rc)
		return rc;
required:
	for (i = 0; i < NKEYS; i++)
		if ((keys[i].required & prog) && !seen[i]) {
			buf_printf(err, "%s: required key '%s' is missing",
			    cf->path ? cf->path : path, keys[i].name);
			return EX_CONFIG;
		}
	if ((prog & CONF_SCAN) && check_submit_login(cf, path, seen, err) < 0)
		return EX_CONFIG;
	return 0;
}

/* print_url - a URL with the password of its user part and of a
 * password= parameter starred out.  The password= values go first and
 * the user part is judged on what they leave, as a second reading of
 * the printed line judges it: a value holding the '/' that seemed to
 * end the user part cannot leave that part shown, and the printed line
 * read back prints the same. */
static void
print_url(FILE *fp, const char *u)
{
	struct buf m = BUF_INIT;
	const char *scheme, *at, *colon, *p;
	int	rc = 0;

	while ((p = strstr(u, "password=")) != NULL) {
		rc |= buf_add(&m, u, (size_t)(p - u));
		rc |= buf_adds(&m, "password=****");
		u = p + 9 + strcspn(p + 9, "&");
	}
	if ((rc | buf_adds(&m, u)) != 0) {
		fprintf(fp, "****\n");
		buf_free(&m);
		return;
	}
	u = BUF_STR(&m);
	scheme = strstr(u, "://");
	if (scheme && (at = strchr(scheme + 3, '@')) != NULL &&
	    (colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3))) !=
	    NULL && memchr(scheme + 3, '/', (size_t)(at - scheme - 3)) == NULL) {
		fprintf(fp, "%.*s:****", (int)(colon - u), u);
		u = at;
	}
	fprintf(fp, "%s\n", u);
	buf_free(&m);
}

/* conf_print - the effective settings of one program */
void
conf_print(const struct conf *cf, unsigned prog, FILE *fp)
{
	const struct key *k;
	const char *base;
	size_t	j;

	fprintf(fp, "# %s\n", cf->path ? cf->path : "(defaults, no file)");
	for (k = keys; k < keys + NKEYS; k++) {
		if ((k->users & prog) == 0)
			continue;
		base = (const char *)cf + k->off;
		fprintf(fp, "%-19s ", k->name);
		switch (k->type) {
		case T_STR:
		case T_PATH: {
			const char *s = *(char *const *)(const void *)base;
			if (s && k->off == O(submit_password))
				s = "(set, not shown)";
			if (s && (k->off == O(ledger_url) || k->off ==
			    O(submit))) {
				print_url(fp, s);
				break;
			}
			fprintf(fp, "%s\n", s ? s : "(unset)");
			break;
		}
		case T_LIST:
		case T_CLIST: {
			const struct conf_list *l = (const void *)base;
			for (j = 0; j < l->n; j++)
				fprintf(fp, "%s%s", j ? ", " : "", l->v[j]);
			fputs(l->n ? "\n" : "none\n", fp);
			break;
		}
		case T_PERIOD: {
			int m = *(const int *)(const void *)base;
			if (m)
				fprintf(fp, "%04d-%02d\n", m / 12, m % 12 + 1);
			else
				fputs("(unset)\n", fp);
			break;
		}
		case T_BOOL:
			fprintf(fp, "%s\n", *(const int *)(const void *)base ?
			    "yes" : "no");
			break;
		case T_SIZE:
		case T_DUR:
		case T_INT:
			fprintf(fp, "%lld%s\n", *(const long long *)(const void *)
			    base, k->type == T_DUR ? "s" : "");
			break;
		case T_ENUM:
			fprintf(fp, "%s\n", k->choices[*(const int *)(const void *)
			    base]);
			break;
		case T_FACILITY:
			fprintf(fp, "%s\n", log_facility_name(*(const int *)
			    (const void *)base));
			break;
		}
	}
}

/* conf_free - release what conf_load allocated */
void
conf_free(struct conf *cf)
{
	const struct key *k;
	char	*base;

	if (cf->submit_password)
		explicit_bzero(cf->submit_password, strlen(cf->submit_password));
	for (k = keys; k < keys + NKEYS; k++) {
		base = (char *)cf + k->off;
		if (k->type == T_STR || k->type == T_PATH) {
			free(*(char **)(void *)base);
			*(char **)(void *)base = NULL;
		} else if (k->type == T_LIST || k->type == T_CLIST)
			free_list((struct conf_list *)(void *)base);
	}
}
