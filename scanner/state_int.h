/*
 * state_int.h - what state.c and dcache.c share: the form of StateDir's
 * cache files (read whole, checked by their end line, written without
 * fsync: a torn file is an empty cache) and the fields of their lines.
 */
#ifndef EDEFTER_STATE_INT_H
#define EDEFTER_STATE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"

uint64_t state_sum(const void *, size_t);
void	state_esc(struct buf *, const char *);
int	state_pct_decode_here(char *);
int	state_slurp(const char *dir, const char *name, char **data,
	    size_t *len, struct buf *err);
int	state_body_ok(char *data, size_t len, size_t *count);
int	state_cache_write(const char *dir, const char *name, struct buf *,
	    size_t count, struct buf *err);
int	state_num(char **, unsigned long long *);
int	state_ts(char **, struct timespec *);
int	state_ts_eq(const struct timespec *, const struct timespec *);

#endif
