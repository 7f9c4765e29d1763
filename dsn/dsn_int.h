/*
 * NAME
 *	dsn_int - the delivery report parser's own declarations
 * SYNOPSIS
 *	#include "dsn_int.h"
 * DESCRIPTION
 *	Shared by dsnparse.c (lines, MIME structure, decoding),
 *	dsnfields.c (RFC 3464 fields and returned headers), dsnheur.c
 *	(non-standard bounces) and dsntext.c (text helpers).  Nothing
 *	outside dsn/ includes it.
 * DIAGNOSTICS
 *	Functions returning int return -1 when memory ran out, else 0
 *	(or the value their comment names).
 */
#ifndef EDEFTER_DSN_INT_H
#define EDEFTER_DSN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dsnparse.h"

#define DSN_BOUNDARY_MAX	200	/* longer: the multipart is skipped */
#define DSN_HTML_TAG_MAX	16	/* tag name bytes looked at */

enum { S_HEADER, S_BODY, S_DONE };

/* what a part's body is read as */
enum { K_SKIP, K_MULTI, K_STATUS, K_HEADERS, K_TEXT, K_HTML };

enum { CTE_IDENTITY, CTE_BASE64, CTE_QP };

/* a recipient while it is read */
struct rcpt {
	struct buf	 addr;
	struct buf	 lower;
	struct buf	 orig;
	struct buf	 diag;
	struct buf	 mta;
	enum dsn_action	 action;
	char		 status[DSN_STATUS_MAX + 1];
	int		 diag_full;
};

/* the recipients of one kind */
struct rlist {
	struct rcpt	*v;
	size_t		 n;
	size_t		 cap;
	size_t		 dropped;
};

/* the heuristic reader's state */
struct heur {
	int		 armed;		/* bounce wording seen */
	enum dsn_action	 mode;		/* failed or delayed */
	int		 off;		/* past the copy of the message */
	size_t		 cur;		/* current recipient + 1, 0: none */
	int		 collecting;	/* a paragraph of it is open */
	int		 para_code;	/* its code: 1 X.Y.Z, 2 SMTP reply, 0 */
	struct buf	 para;
	int		 para_full;
	struct buf	 low;		/* the line, folded */
};

struct dsn_parser {
	struct dsn_limits lim;
	unsigned	 flags;
	int		 state;
	int		 failed;

	struct buf	 line;		/* the raw line, up to max_line */
	int		 line_over;

	struct buf	 bounds;	/* open multiparts, end to end */
	size_t		*bend;		/* bend[i]: end of boundary i */
	size_t		 depth;

	int		 top;		/* the message's own header is read */
	int		 notice;	/* it says: a delivery notification */
	int		 report;	/* multipart/report */

	struct buf	 hfield;	/* part header field being read */
	int		 hfield_over;
	int		 ptype;		/* K_* from its Content-Type */
	int		 ptype_seen;
	int		 pmulti;
	int		 pcte;
	struct buf	 pbound;

	int		 kind;		/* the body being read */
	int		 cte;
	uint32_t	 b64acc;
	int		 b64bits;
	struct buf	 cline;		/* a decoded line */
	int		 cline_over;

	struct buf	 cfield;	/* a field inside a body */
	int		 cfield_over;
	int		 emb;		/* returned header: 0 ahead, 1 in, 2 past */

	struct rcpt	 cur;		/* the report block being read */
	int		 cur_used;
	int		 cur_final;
	int		 cur_orig;
	int		 status_seen;

	int		 html_tag;	/* inside <...> */
	int		 html_skip;	/* inside <style> or <script> */
	char		 tag[DSN_HTML_TAG_MAX];
	size_t		 taglen;
	int		 tag_done;
	struct buf	 hline;
	int		 hline_over;

	struct heur	 h;

	struct rlist	 std;
	struct rlist	 heur;
	struct buf	 envid;
	struct buf	 rmta;
	struct buf	 msgid;
	struct buf	 company;
	struct buf	 period;
	int		 envid_full, rmta_full, msgid_full;

	struct dsn_rcpt	*out;
	struct dsn_result res;
};

/* dsnfields.c */
int	status_line(struct dsn_parser *, const char *, size_t);
int	status_end(struct dsn_parser *);
int	headers_line(struct dsn_parser *, const char *, size_t);
int	headers_end(struct dsn_parser *);
struct rcpt *rlist_add(struct dsn_parser *, struct rlist *);
void	rcpt_free(struct rcpt *);
void	rlist_free(struct rlist *);

/* dsnheur.c */
int	heur_line(struct dsn_parser *, const char *, size_t);
int	html_line(struct dsn_parser *, const char *, size_t);
int	heur_part_end(struct dsn_parser *);
int	heur_finish(struct dsn_parser *);

/* dsntext.c */
const char *ci_find(const char *, size_t, const char *);
int	ci_eq(const char *, size_t, const char *);
int	ci_prefix(const char *, size_t, const char *);
void	trim(const char **, size_t *);
void	strip_type(const char **, size_t *, const char **, size_t *);
size_t	addr_span(const char *, size_t);
int	find_status(const char *, size_t, int, char *);
int	text_add(struct buf *, const char *, size_t, size_t, int *);
int	lower_copy(struct buf *, const char *, size_t);
int	field_split(const char *, size_t, const char **, size_t *,
	    const char **, size_t *);

#endif
