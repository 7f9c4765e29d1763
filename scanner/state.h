/*
 * NAME
 *	state - what the previous pass saw, kept in StateDir
 * DESCRIPTION
 *	`seen' remembers, for the files of periods that were candidates for
 *	sending, the size and mtime a pass saw and when those values were
 *	first seen: a file is stable when the previous pass saw the same
 *	size and mtime more than SettleSeconds ago, counted in whole
 *	seconds (SettleSeconds 0: at once).  A file copied with its old mtime preserved but still
 *	growing is therefore not stable.
 *
 *	seen_load() reads StateDir/seen (absent: empty); seen_note() tells
 *	whether a file is stable and remembers it for the next pass;
 *	seen_save() writes the new table atomically (temporary file, fsync,
 *	rename).  Paths are stored percent-encoded, so any byte of a file
 *	name survives.
 * DIAGNOSTICS
 *	-1 with errno and a message in err.
 */
#ifndef EDEFTER_STATE_H
#define EDEFTER_STATE_H

#include <sys/types.h>

#include <time.h>

#include "buf.h"

struct seen;

int	seen_load(const char *statedir, struct seen **, struct buf *);
int	seen_note(struct seen *, const char *path, off_t size,
	    const struct timespec *mtime, time_t now, long long settle,
	    time_t *since);
int	seen_save(struct seen *, const char *statedir, struct buf *);
void	seen_free(struct seen *);

int	state_write_file(const char *dir, const char *name, const char *data,
	    size_t len, struct buf *err);
int	state_mkdirs(const char *statedir, struct buf *err);
void	pct_encode(struct buf *, const char *);
int	pct_decode(struct buf *, const char *);

#endif
