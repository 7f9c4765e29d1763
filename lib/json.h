/*
 * NAME
 *	json - JSON text output
 * SYNOPSIS
 *	#include "json.h"
 * DESCRIPTION
 *	json_str() appends a JSON string literal: quotes, backslash and
 *	control characters escaped, and every byte sequence that is not
 *	valid UTF-8 replaced by U+FFFD, so the output is always valid JSON
 *	whatever a file name or a header held.  Parsing JSON is left to
 *	libjansson (the import); writing is done here because a dump of a
 *	million records should not build a million trees.
 */
#ifndef EDEFTER_JSON_H
#define EDEFTER_JSON_H

#include <stddef.h>

#include "buf.h"

int	json_str(struct buf *, const char *);
int	json_strn(struct buf *, const char *, size_t);
size_t	utf8_valid_prefix(const char *, size_t);

#endif
