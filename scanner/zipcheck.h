/*
 * NAME
 *	zipcheck - is a zip archive whole?
 * SYNOPSIS
 *	#include "zipcheck.h"
 *
 *	int	zip_complete(int fd, off_t size);
 * DESCRIPTION
 *	zip_complete() decides whether the zip archive open on fd, size
 *	bytes long, has been written to its end: the end-of-central-
 *	directory record is the last thing a zip writer writes, so a copy
 *	still in progress or cut short lacks it.
 *
 *	The record must be in the last 65557 bytes (22 bytes plus a
 *	comment of at most 65535), its comment must end exactly at size,
 *	the central directory it names must lie inside the file before it
 *	and start with a central directory header whose local header is
 *	there too.  A zip64 archive (end-of-central-directory locator
 *	before the record) is checked the same way through its zip64
 *	record.  Data prepended to the archive (a self-extractor) is
 *	allowed, as unzip allows it.
 *
 *	Only pread(2) is used, at most 65557 bytes at a time, so the file
 *	offset of fd is left alone.
 * DIAGNOSTICS
 *	1 when the archive is whole, 0 when it is truncated, shorter than
 *	size, or not a zip at all, -1 on a read error (errno set: the
 *	scanner treats EIO, ENOTCONN and the like as a share failure) or
 *	ENOMEM.
 */
#ifndef EDEFTER_ZIPCHECK_H
#define EDEFTER_ZIPCHECK_H

#include <sys/types.h>

int	zip_complete(int fd, off_t size);

#endif
