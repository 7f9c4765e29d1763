/*
 * NAME
 *	conf - the edefter.conf file
 * SYNOPSIS
 *	#include "conf.h"
 * DESCRIPTION
 *	One `Key value' per line; `#' at the start of a line or after white
 *	space starts a comment; keys are case-insensitive.  Every key is
 *	declared once in the table in conf.c with its type, default, bounds
 *	and the programs that use it.  A program validates the values of
 *	the keys it uses and only checks that the others are known keys.
 *
 *	conf_load() fills a struct conf with the defaults and then the
 *	file.  A missing file is an error when it was named explicitly
 *	(explicit != 0) and means "defaults only" otherwise.
 *	conf_print() writes the effective settings of one program.
 * DIAGNOSTICS
 *	conf_load() returns 0, or 78 (EX_CONFIG) with a one-line message
 *	in err naming the file, the line and the key.
 */
#ifndef EDEFTER_CONF_H
#define EDEFTER_CONF_H

#include <stdio.h>

#include "buf.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR	"/etc"
#endif
#define CONF_DEFAULT_PATH	SYSCONFDIR "/edefter/edefter.conf"

#define CONF_MILTER	0x1
#define CONF_SCAN	0x2
#define CONF_CTL	0x4
#define CONF_DSN	0x8
#define CONF_ALL	(CONF_MILTER | CONF_SCAN | CONF_CTL | CONF_DSN)

#define CONF_EXCLUDE_DIRS	"Silinenler, *iptal*, *Yedek*, Geri Dönüşüm*, " \
	"$RECYCLE.BIN, .*, paketler, _GIBOnayliEDefterSaklama, zrv_tmp, " \
	"Sonuc, ELedgerSigner, xsd, xslt, sch"
#define CONF_EXCLUDE_FILES	"BERATLAR.ZIP, YEVMIYELER.ZIP, KEBIRLER.ZIP, " \
	"*.tmp, *.part, ~$*, Thumbs.db, desktop.ini"

enum { CONF_TEMPFAIL, CONF_ACCEPT };		/* OnLedgerError */
enum { CONF_ATTACH_FOLDER, CONF_ATTACH_BERATS };	/* Attach */

struct conf_list {
	char	**v;
	size_t	 n;
};

struct conf {
	const char	*path;		/* the file read, or NULL */
	char		*ledger_path;
	char		*socket;
	char		*user_id;
	int		 on_ledger_error;
	int		 inspect_attachments;
	struct conf_list trusted_clients;
	char		*share_root;
	struct conf_list share_type;
	char		*share_sentinel;
	char		*companies;
	char		*from;
	char		*submit;
	char		*submit_user;	/* SMTP AUTH, or NULL */
	char		*submit_password;
	char		*submit_password_file;
	char		*submit_ca_file;	/* NULL: the system's CAs */
	int		 submit_tls_verify;
	long long	 settle_seconds;
	long long	 share_timeout;	/* the watchdog's limit */
	char		*state_dir;
	long long	 max_message_size;
	int		 require_gib_approval;
	int		 attach;
	long long	 scan_interval;
	int		 send_from;	/* year * 12 + month - 1; 0: unset */
	struct conf_list exclude_dirs;	/* globs, folded when matched */
	struct conf_list exclude_files;
	char		*bounce_address;	/* local@domain, or NULL */
	struct conf_list notify;	/* the office's addresses */
	long long	 digest_hour;
	char		*deadlines;	/* file, or NULL: built in */
	char		*ledger_url;	/* postgresql://..., or NULL */
	int		 syslog_facility;
};

int	conf_load(struct conf *, const char *path, int explicit, unsigned prog,
	    struct buf *err);
const char *conf_ledger(const struct conf *);
void	conf_print(const struct conf *, unsigned prog, FILE *);
void	conf_free(struct conf *);

int	conf_parse_size(const char *, long long *);
int	conf_parse_duration(const char *, long long *);
int	conf_parse_bool(const char *, int *);

#endif
