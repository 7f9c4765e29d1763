/*
 * NAME
 *	ledger_copy - every record of one ledger that another lacks
 * SYNOPSIS
 *	#include "ledger.h"
 *
 *	int ledger_copy(struct ledger *from, struct ledger *to,
 *	    ledger_problem_fn refused, void *arg,
 *	    struct ledger_copy_stats *st);
 * DESCRIPTION
 *	Reads `from' in one snapshot (ledger_iter) and inserts its records
 *	into `to' in batches (ledger_insert): a key absent in `to' gets the
 *	record as it is, delivery state and source included; a key present
 *	keeps its record.  Running it again copies nothing new.  The stores
 *	may differ (LMDB into PostgreSQL and back).
 *
 *	A record that cannot be decoded, or whose fields make another key
 *	than the one it is filed under, is not copied: refused() is called
 *	with the key and the reason, and it is counted as refused.
 * DIAGNOSTICS
 *	0, or the first error of reading `from' or writing `to' (the
 *	batches written before it stay written).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"

#define COPY_BATCH	1000

struct copy {
	struct ledger	*to;
	ledger_problem_fn refused;
	void		*arg;
	struct ledger_copy_stats *st;
	struct buf	 rec[COPY_BATCH];	/* encoded: outlive the read */
	struct ledger_claim c[COPY_BATCH];
	size_t		 n;
	struct buf	 key;
	int		 rc;			/* the target's error */
};

/* flush - the collected records into the target */
static int
flush(struct copy *x)
{
	size_t	i;
	int	rc;

	if (x->n == 0)
		return 0;
	for (i = 0; i < x->n; i++) {
		memset(&x->c[i], 0, sizeof(x->c[i]));
		if (ledger_rec_decode(x->rec[i].data, x->rec[i].len,
		    &x->c[i].rec) != 0)
			return LEDGER_CORRUPT;
	}
	if ((rc = ledger_insert(x->to, x->c, x->n)) != 0)
		return rc;
	for (i = 0; i < x->n; i++)
		if (x->c[i].outcome == LEDGER_NEW)
			x->st->copied++;
		else
			x->st->present++;
	x->n = 0;
	return 0;
}

/* refuse - a record not copied, counted and reported */
static void
refuse(struct copy *x, const char *key, size_t keylen, const char *why)
{
	x->st->refused++;
	if (x->refused)
		x->refused(key, keylen, why, x->arg);
}

/* copy_one - one record of the snapshot into the batch */
static int
copy_one(const char *key, size_t keylen, const struct ledger_rec *r,
    void *arg)
{
	struct copy *x = arg;

	if (r == NULL) {
		refuse(x, key, keylen, "record cannot be decoded; not copied");
		return 0;
	}
	if (ledger_key(&x->key, r->id, r->year, r->month, r->rcpt) < 0)
		return x->rc = ENOMEM;
	if (x->key.len != keylen || memcmp(x->key.data, key, keylen) != 0) {
		refuse(x, key, keylen, "filed under the wrong key; not copied "
		    "(see edefterctl verify)");
		return 0;
	}
	if (ledger_rec_encode(&x->rec[x->n], r) < 0)
		return x->rc = ENOMEM;
	if (++x->n == COPY_BATCH && (x->rc = flush(x)) != 0)
		return x->rc;
	return 0;
}

/* ledger_copy - see above */
int
ledger_copy(struct ledger *from, struct ledger *to, ledger_problem_fn refused,
    void *arg, struct ledger_copy_stats *st)
{
	struct copy *x;
	size_t	i;
	int	rc;

	memset(st, 0, sizeof(*st));
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return ENOMEM;
	x->to = to;
	x->refused = refused;
	x->arg = arg;
	x->st = st;
	rc = ledger_iter(from, NULL, copy_one, x);
	if (x->rc != 0)
		rc = x->rc;
	else if (rc == 0)
		rc = flush(x);
	for (i = 0; i < COPY_BATCH; i++)
		buf_free(&x->rec[i]);
	buf_free(&x->key);
	free(x);
	return rc;
}
