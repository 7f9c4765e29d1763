/*
 * NAME
 *	state - what earlier passes saw, kept in StateDir
 * DESCRIPTION
 *	`seen' (StateDir/verdicts) remembers, for the files of periods that
 *	were candidates for sending, the size and mtime a pass saw and when
 *	those values were first seen: a file is stable when the previous
 *	pass saw the same size and mtime more than SettleSeconds ago,
 *	counted in whole seconds (SettleSeconds 0: at once).  A file copied
 *	with its old mtime preserved but still growing is therefore not
 *	stable.
 *
 *	On a local file system (fs_keeps_times()) an entry also keeps the
 *	file's device, inode and ctime, and the verdicts that cannot change
 *	while the file does not: whether a zip is whole (seen_zip(),
 *	seen_set_zip()).  Every write, truncation, rename over it or
 *	attribute change moves a file's ctime, which nothing can set back,
 *	so a verdict is used again only while all of dev, inode, size,
 *	mtime and ctime are what they were; it is kept only when the
 *	ctime was already STATE_SETTLED seconds old when the file was
 *	looked at, so that a write in the same clock tick cannot hide
 *	behind an unchanged ctime.  Such entries outlive passes that did
 *	not look at the file (for STATE_KEEP_DAYS).  Elsewhere (SMB, FUSE:
 *	rclone reports the mtime as the ctime and makes up inode numbers,
 *	attributes are cached, the server's clock is not ours) nothing is
 *	kept but the stability, and every zip is read each pass.
 *
 *	seen_load() reads the table (StateDir/seen of earlier versions when
 *	there is none); seen_note() or seen_note_stat() tell whether a file
 *	is stable and remember it; seen_save() writes the table when it
 *	changed (temporary file and rename; a checksum line at its end, so
 *	that a torn file is an empty table, not a wrong one).
 *
 *	`dcache' (StateDir/dirs) keeps, for the directories of a local file
 *	system whose mtime and ctime were STATE_SETTLED seconds old when
 *	they were read, what the walk took from them (scan.h): while a
 *	directory's dev, inode, mtime and ctime are unchanged, no entry was
 *	added, removed or renamed in it, and the walk uses the listing
 *	instead of reading it.  The key covers the walk's configuration
 *	(ExcludeDirs, ExcludeFiles).
 *
 *	Names are stored with '%', control characters and DEL as %XX, so
 *	any byte of a file name survives.
 * DIAGNOSTICS
 *	-1 with errno and a message in err.  A damaged or foreign file is
 *	an empty table.
 */
#ifndef EDEFTER_STATE_H
#define EDEFTER_STATE_H

#include <sys/stat.h>
#include <sys/types.h>

#include <stdint.h>
#include <time.h>

#include "buf.h"

#define STATE_SETTLED	2		/* seconds a ctime must be old */
#define STATE_KEEP_DAYS	30		/* unvisited entries kept this long */

struct seen;

int	seen_load(const char *statedir, struct seen **, struct buf *);
void	seen_trust(struct seen *, dev_t);
int	seen_note(struct seen *, const char *path, off_t size,
	    const struct timespec *mtime, time_t now, long long settle,
	    time_t *since);
int	seen_note_stat(struct seen *, const char *path, const struct stat *,
	    time_t now, long long settle, time_t *since);
int	seen_zip(const struct seen *);
void	seen_set_zip(struct seen *, int);
int	seen_changed(const struct seen *);
int	seen_save(struct seen *, const char *statedir, struct buf *);
void	seen_free(struct seen *);

/* a directory as the walk took it */
struct dkey {
	dev_t		 dev;
	ino_t		 ino;
	struct timespec	 mtime;
	struct timespec	 ctime;
};

struct dlist {
	char		**files;	/* regular files walked, sorted */
	size_t		 nfiles;
	char		**subs;		/* subdirectories walked, sorted */
	size_t		 nsubs;
	char		**excl;		/* subdirectories excluded */
	size_t		 nexcl;
	size_t		 nxfiles;	/* files excluded */
};

struct dcache;

int	dcache_load(const char *statedir, uint64_t config, struct dcache **,
	    struct buf *);
const struct dlist *dcache_find(struct dcache *, const char *path,
	    const struct dkey *);
void	dcache_keep(struct dcache *, const struct dlist *);
int	dcache_put(struct dcache *, const char *path, const struct dkey *,
	    const struct dlist *);
int	dcache_changed(const struct dcache *);
size_t	dcache_files(const struct dcache *);
int	dcache_save(struct dcache *, const char *statedir, struct buf *);
void	dcache_free(struct dcache *);

void	dkey_of(struct dkey *, const struct stat *);
int	dkey_settled(const struct dkey *, time_t now);
int	fs_keeps_times(int fd);
uint64_t state_fnv(uint64_t, const void *, size_t);

int	state_write_file(const char *dir, const char *name, const char *data,
	    size_t len, struct buf *err);
int	state_mkdirs(const char *statedir, struct buf *err);
void	pct_encode(struct buf *, const char *);
int	pct_decode(struct buf *, const char *);

#endif
