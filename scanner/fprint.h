/*
 * NAME
 *	fprint - what a sent period's berats were, kept in StateDir
 * SYNOPSIS
 *	#include "fprint.h"
 * DESCRIPTION
 *	When a period is sent, the size, mtime and SHA-256 of each berat
 *	the message carried are kept in StateDir/sent/<id>_<YYYY-MM>, one
 *	line per file: the name percent-encoded, the size, the mtime as
 *	seconds.nanoseconds and the hash in hex.  A later pass compares the
 *	berats on the share with it: the same size and mtime is the same
 *	file (no read); otherwise the file is hashed, and a different hash
 *	means the berat was replaced after it was sent (state `changed').
 *
 *	fprint_load() reads a period's record; fprint_save() replaces it
 *	atomically (temporary file, fsync, rename); fprint_set() adds or
 *	updates one file; fprint_find() looks a name up.  sha256_fd() hashes
 *	a whole file from offset 0 with pread(2), so the descriptor's offset
 *	is left alone.
 * DIAGNOSTICS
 *	fprint_load() returns 1 when there is a record, 0 when there is
 *	none, -1 with a message in err (a record that cannot be parsed is
 *	an error naming its line).  fprint_save() and sha256_fd() return 0
 *	or -1 (errno set; for fprint_save() a message in err).
 */
#ifndef EDEFTER_FPRINT_H
#define EDEFTER_FPRINT_H

#include <sys/types.h>

#include <time.h>

#include "buf.h"

#define SHA256_HEX	65

struct fprint_ent {
	char		*name;
	off_t		 size;
	struct timespec	 mtime;
	char		 sha[SHA256_HEX];
};

struct fprint {
	struct fprint_ent *v;
	size_t		 n;
};

int	fprint_load(const char *statedir, const char *id, int year, int month,
	    struct fprint *, struct buf *err);
int	fprint_save(const char *statedir, const char *id, int year, int month,
	    const struct fprint *, struct buf *err);
int	fprint_set(struct fprint *, const char *name, off_t size,
	    const struct timespec *mtime, const char *sha);
struct fprint_ent *fprint_find(struct fprint *, const char *name);
void	fprint_free(struct fprint *);
int	sha256_fd(int fd, char out[SHA256_HEX]);

#endif
