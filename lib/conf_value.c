/*
 * NAME
 *	conf_value - edefter.conf's value syntax: booleans, sizes,
 *	durations, lists, and the checks of single keys' values
 * DESCRIPTION
 *	The parsers and checkers the key table of conf.c points to.  Each
 *	check_*() takes a value and returns 0, or -1 with why it is not one
 *	(conf.c adds the file, the line and the key).
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

#define KB_	1024LL

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
int
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
int
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

void
free_list(struct conf_list *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
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

int
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

int
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

int
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

int
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
int
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
int
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
int
check_url(const char *v, struct buf *why)
{
	if (strncmp(v, "postgresql://", 13) == 0 ||
	    strncmp(v, "postgres://", 11) == 0)
		return 0;
	buf_adds(why, "expected a postgresql:// URI");
	return -1;
}

/* check_submit_user - the SMTP AUTH name: printable, no blanks */
int
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
int
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
int
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


