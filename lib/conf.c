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

static int check_socket(const char *, struct buf *);
static int check_trusted(const char *, struct buf *);
static int check_from(const char *, struct buf *);
static int check_submit(const char *, struct buf *);
static int check_user(const char *, struct buf *);
static int check_bounce(const char *, struct buf *);
static int check_notify(const char *, struct buf *);
static int check_url(const char *, struct buf *);
static int check_submit_user(const char *, struct buf *);
static int check_password_file(const char *, struct buf *);
static int check_ca_file(const char *, struct buf *);
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

/* conf_parse_bool - yes/no/true/false/1/0 */
int
conf_parse_bool(const char *s, int *v)
{
	if (!ascii_strcasecmp(s, "yes") || !ascii_strcasecmp(s, "true") ||
	    !strcmp(s, "1"))
		*v = 1;
	else if (!ascii_strcasecmp(s, "no") || !ascii_strcasecmp(s, "false") ||
	    !strcmp(s, "0"))
		*v = 0;
	else
		return -1;
	return 0;
}

/* number_unit - a decimal number and an optional one-letter unit */
static int
number_unit(const char *s, long long *n, int *unit)
{
	char	*end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*n = strtoll(s, &end, 10);
	if (errno != 0)
		return -1;
	*unit = ascii_tolower((unsigned char)*end);
	if (*end != '\0' && end[1] != '\0')
		return -1;
	return 0;
}

/* conf_parse_size - bytes with an optional K, M or G (powers of 1024) */
int
conf_parse_size(const char *s, long long *v)
{
	long long n, mul;
	int	u;

	if (number_unit(s, &n, &u) < 0)
		return -1;
	switch (u) {
	case 0:   case 'b': mul = 1; break;
	case 'k': mul = KB_; break;
	case 'm': mul = KB_ * KB_; break;
	case 'g': mul = KB_ * KB_ * KB_; break;
	default: return -1;
	}
	if (n > LLONG_MAX / mul)
		return -1;
	*v = n * mul;
	return 0;
}

/* conf_parse_duration - seconds with an optional s, m, h or d */
int
conf_parse_duration(const char *s, long long *v)
{
	long long n, mul;
	int	u;

	if (number_unit(s, &n, &u) < 0)
		return -1;
	switch (u) {
	case 0:   case 's': mul = 1; break;
	case 'm': mul = 60; break;
	case 'h': mul = 3600; break;
	case 'd': mul = 86400; break;
	default: return -1;
	}
	if (n > LLONG_MAX / mul)
		return -1;
	*v = n * mul;
	return 0;
}

/* split_list - "a, b c" into words */
static int
split_list(const char *s, struct conf_list *l)
{
	const char *p = s, *w;
	char	**v;

	l->v = NULL;
	l->n = 0;
	for (;;) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return 0;
		for (w = p; *p && *p != ',' && *p != ' ' && *p != '\t'; p++)
			;
		if ((v = realloc(l->v, (l->n + 1) * sizeof(*v))) == NULL)
			return -1;
		l->v = v;
		if ((v[l->n] = strndup(w, (size_t)(p - w))) == NULL)
			return -1;
		l->n++;
	}
}

/* split_clist - "a b, c d" into "a b" and "c d"; "none" is no words */
static int
split_clist(const char *s, struct conf_list *l)
{
	const char *p = s, *w, *e;
	char	**v;

	l->v = NULL;
	l->n = 0;
	if (ascii_strcasecmp(s, "none") == 0)
		return 0;
	for (;;) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return 0;
		for (w = p; *p && *p != ','; p++)
			;
		for (e = p; e > w && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		if ((v = realloc(l->v, (l->n + 1) * sizeof(*v))) == NULL)
			return -1;
		l->v = v;
		if ((v[l->n] = strndup(w, (size_t)(e - w))) == NULL)
			return -1;
		l->n++;
	}
}

static void
free_list(struct conf_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
check_socket(const char *v, struct buf *why)
{
	const char *at;
	char	*end;
	long	port;

	if (!strncmp(v, "local:", 6) || !strncmp(v, "unix:", 5)) {
		if (strchr(v, ':')[1] == '/')
			return 0;
		buf_adds(why, "a local socket needs an absolute path");
		return -1;
	}
	if (!strncmp(v, "inet:", 5) || !strncmp(v, "inet6:", 6)) {
		v = strchr(v, ':') + 1;
		port = strtol(v, &end, 10);
		at = end;
		if (end != v && port > 0 && port < 65536 &&
		    (*at == '\0' || (*at == '@' && at[1] != '\0')))
			return 0;
		buf_adds(why, "expected inet:PORT@HOST");
		return -1;
	}
	buf_adds(why, "expected local:/path, inet:PORT@HOST or inet6:PORT@HOST");
	return -1;
}

static int
check_trusted(const char *v, struct buf *why)
{
	struct conf_list l;
	struct cidr c;
	size_t	i;
	int	rc = 0;

	if (split_list(v, &l) < 0) {
		free_list(&l);
		buf_adds(why, "out of memory");
		return -1;
	}
	for (i = 0; i < l.n && rc == 0; i++)
		if (cidr_parse(l.v[i], &c) < 0) {
			buf_printf(why, "'%s' is not an address or ADDR/BITS",
			    l.v[i]);
			rc = -1;
		}
	free_list(&l);
	return rc;
}

static int
check_from(const char *v, struct buf *why)
{
	struct buf name = BUF_INIT, addr = BUF_INIT;
	int	rc = addr_parse_mailbox(v, &name, &addr);

	if (rc < 0)
		buf_adds(why, "expected 'Name <local@domain>' or 'local@domain'");
	buf_free(&name);
	buf_free(&addr);
	return rc;
}

static int
check_submit(const char *v, struct buf *why)
{
	static const char *const schemes[] = { "smtp://", "smtps://",
	    "submission://", NULL };
	size_t	i;

	for (i = 0; schemes[i]; i++)
		if (!strncmp(v, schemes[i], strlen(schemes[i])) &&
		    v[strlen(schemes[i])] != '\0')
			return 0;
	if (!strncmp(v, "sendmail:", 9) && v[9] == '/')
		return 0;
	buf_adds(why, "expected smtp://HOST:PORT, smtps://..., "
	    "submission://... or sendmail:/path [args]");
	return -1;
}

static int
check_user(const char *v, struct buf *why)
{
	const char *p;

	for (p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_-.:$", *p)) {
			buf_adds(why, "expected user or user:group");
			return -1;
		}
	return 0;
}

/* check_bounce - local@domain, no '+' in the local part (VERP adds it) */
static int
check_bounce(const char *v, struct buf *why)
{
	const char *at = strrchr(v, '@');

	if (addr_valid(v, strlen(v)) < 0 || at == NULL) {
		buf_adds(why, "expected local@domain");
		return -1;
	}
	if (memchr(v, '+', (size_t)(at - v)) != NULL) {
		buf_adds(why, "the local part may not hold '+' (the "
		    "recipient delimiter the delivery reports come back "
		    "with)");
		return -1;
	}
	return 0;
}

/* check_notify - one or more addresses */
static int
check_notify(const char *v, struct buf *why)
{
	struct conf_list l;
	size_t	i;
	int	rc = 0;

	if (split_list(v, &l) < 0) {
		free_list(&l);
		buf_adds(why, "out of memory");
		return -1;
	}
	for (i = 0; i < l.n && rc == 0; i++)
		if (addr_valid(l.v[i], strlen(l.v[i])) < 0) {
			buf_printf(why, "'%s' is not a mail address", l.v[i]);
			rc = -1;
		}
	free_list(&l);
	return rc;
}

/* check_url - a libpq URI */
static int
check_url(const char *v, struct buf *why)
{
	if (strncmp(v, "postgresql://", 13) == 0 ||
	    strncmp(v, "postgres://", 11) == 0)
		return 0;
	buf_adds(why, "expected a postgresql:// URI");
	return -1;
}

/* check_submit_user - the SMTP AUTH name: printable, no blanks */
static int
check_submit_user(const char *v, struct buf *why)
{
	for (; *v; v++)
		if ((unsigned char)*v <= ' ' || *v == 0x7f) {
			buf_adds(why, "a user name has no blanks or control "
			    "characters");
			return -1;
		}
	return 0;
}

/* check_password_file - a regular file that only its owner can read */
static int
check_password_file(const char *v, struct buf *why)
{
	struct stat st;

	if (stat(v, &st) < 0) {
		buf_printf(why, "%s: %s", v, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		buf_printf(why, "%s: not a regular file", v);
		return -1;
	}
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		buf_printf(why, "%s: mode %04o lets %s read the password "
		    "(chmod 600 %s)", v, (unsigned)(st.st_mode & 07777),
		    st.st_mode & S_IROTH ? "others" : "the group", v);
		return -1;
	}
	return 0;
}

/* check_ca_file - a regular file (its certificates are read by libcurl) */
static int
check_ca_file(const char *v, struct buf *why)
{
	struct stat st;

	if (stat(v, &st) < 0) {
		buf_printf(why, "%s: %s", v, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		buf_printf(why, "%s: not a regular file", v);
		return -1;
	}
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
