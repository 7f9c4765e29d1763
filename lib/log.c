/*
 * log - diagnostics to syslog and stderr; see log.h.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *log_name = "edefter";
static int log_where = LOG_TO_STDERR;
static enum log_level log_level = LOG_LVL_INFO;

/* EDEFTER_SYSLOG_SOCKET: the test hook of log.h */
static int log_sock = -1;
static int log_fac = LOG_USER;
static struct sockaddr_un log_addr;

static const struct {
	const char	*name;
	int		 value;
} facilities[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

/* log_facility - map a facility name to its syslog value */
int
log_facility(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcasecmp(name, facilities[i].name) == 0)
			return facilities[i].value;
	return -1;
}

/* log_facility_name - the name of a syslog facility value */
const char *
log_facility_name(int value)
{
	size_t	i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (facilities[i].value == value)
			return facilities[i].name;
	return "?";
}

/* sock_open - a datagram socket for the syslog daemon at path */
static int
sock_open(const char *path)
{
	if (log_sock >= 0)
		return 0;
	if (strlen(path) >= sizeof(log_addr.sun_path))
		return -1;
	memset(&log_addr, 0, sizeof(log_addr));
	log_addr.sun_family = AF_UNIX;
	memcpy(log_addr.sun_path, path, strlen(path) + 1);
	log_sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return log_sock < 0 ? -1 : 0;
}

/* sock_syslog - one line as syslog(3) writes it to /dev/log */
static void
sock_syslog(int prio, const char *tag, const char *line)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	char	msg[2304];
	time_t	now = time(NULL);
	struct tm tm;
	int	n;

	localtime_r(&now, &tm);
	n = snprintf(msg, sizeof(msg), "<%d>%s %2d %02d:%02d:%02d %s[%ld]: %s%s",
	    log_fac | prio, mon[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, log_name, (long)getpid(), tag, line);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	(void)sendto(log_sock, msg, (size_t)n, MSG_NOSIGNAL,
	    (struct sockaddr *)&log_addr, sizeof(log_addr));
}

/* log_open - set ident, facility and destinations */
void
log_open(const char *ident, int facility, int where)
{
	const char *slash = strrchr(ident, '/'), *hook;

	log_name = slash ? slash + 1 : ident;
	log_where = where;
	if ((hook = getenv("EDEFTER_SYSLOG_SOCKET")) != NULL && *hook &&
	    sock_open(hook) == 0) {
		if (facility != 0 && (facility & ~LOG_FACMASK) == 0)
			log_fac = facility;
		return;
	}
	openlog(log_name, LOG_PID | LOG_NDELAY, facility);
}

void
log_set_where(int where)
{
	log_where = where;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

const char *
log_ident(void)
{
	return log_name;
}

/* log_vmsg - write one line at the given level */
void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };
	char	line[2048];
	int	save = errno;

	if (level > log_level)
		return;
	errno = save;
	vsnprintf(line, sizeof(line), fmt, ap);
	if ((log_where & LOG_TO_SYSLOG) && log_sock >= 0)
		sock_syslog(prio[level], tag[level], line);
	else if (log_where & LOG_TO_SYSLOG)
		syslog(prio[level], "%s%s", tag[level], line);
	if (log_where & LOG_TO_STDERR) {
		fprintf(stderr, "%s: %s%s\n", log_name, tag[level], line);
		fflush(stderr);
	}
	errno = save;
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

/* log_fatal - log an error and exit with a sysexits status */
void
log_fatal(int status, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERR, fmt, ap);
	va_end(ap);
	exit(status);
}

/* log_escape - append value, quoted when needed, control bytes escaped */
int
log_escape(struct buf *b, const char *v, size_t n)
{
	size_t	i;
	int	quote = n == 0;

	for (i = 0; i < n && !quote; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f)
			quote = 1;
	}
	if (quote && buf_addc(b, '"') < 0)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		int rc;

		if (c < ' ' || c == 0x7f)
			rc = buf_printf(b, "\\x%02x", c);
		else if (c == '"' || c == '\\')
			rc = buf_printf(b, "\\%c", c);
		else
			rc = buf_addc(b, c);
		if (rc < 0)
			return -1;
	}
	if (quote && buf_addc(b, '"') < 0)
		return -1;
	return 0;
}

/* log_kvn - append " key=value" */
int
log_kvn(struct buf *b, const char *key, const char *v, size_t n)
{
	if (b->len && buf_addc(b, ' ') < 0)
		return -1;
	if (buf_adds(b, key) < 0 || buf_addc(b, '=') < 0)
		return -1;
	return log_escape(b, v ? v : "", v ? n : 0);
}

int
log_kv(struct buf *b, const char *key, const char *v)
{
	return log_kvn(b, key, v, v ? strlen(v) : 0);
}
