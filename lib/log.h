/*
 * NAME
 *	log - diagnostics to syslog and stderr
 * SYNOPSIS
 *	#include "log.h"
 * DESCRIPTION
 *	log_open() names the program (the syslog ident), chooses the syslog
 *	facility and whether lines also go to stderr.  Daemons log to syslog
 *	only once detached; commands log to both.
 *
 *	log_info/log_warn/log_err write one line at their level.
 *	log_fatal writes the line and exits with the given sysexits code;
 *	it is for command-line programs and start-up code only, never for
 *	a milter callback.
 *
 *	log_kv() appends one `key=value' word to a buffer, quoting and
 *	escaping the value so that a value from the network (a recipient, a
 *	file name) can neither split the line nor forge another key.
 *
 *	Test hook: with EDEFTER_SYSLOG_SOCKET=/path in the environment,
 *	log_open() sends the syslog lines as datagrams to the unix socket
 *	at /path, in the form syslog(3) gives /dev/log ("<PRI>Mmm dd
 *	hh:mm:ss ident[pid]: text"), instead of through syslog(3).  The
 *	tests point it at a private rsyslogd's imuxsock socket; it is no
 *	configuration, and production leaves it unset.  A path too long
 *	for a socket, or no socket to be had, falls back to syslog(3).
 * DIAGNOSTICS
 *	log_facility() returns -1 for an unknown facility name.
 */
#ifndef EDEFTER_LOG_H
#define EDEFTER_LOG_H

#include <stdarg.h>
#include <stddef.h>

#include "buf.h"

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

#define LOG_TO_SYSLOG	1
#define LOG_TO_STDERR	2

void	log_open(const char *ident, int facility, int where);
void	log_set_where(int where);
void	log_set_level(enum log_level);
int	log_facility(const char *name);
const char *log_facility_name(int);
const char *log_ident(void);

void	log_msg(enum log_level, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	log_vmsg(enum log_level, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
#define log_err(...)	log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
void	log_fatal(int status, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));

int	log_kv(struct buf *, const char *key, const char *value);
int	log_kvn(struct buf *, const char *key, const char *value, size_t len);
int	log_escape(struct buf *, const char *value, size_t len);

#endif
