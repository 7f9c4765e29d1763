/*
 * NAME
 *	digest - the office's daily e-Defter digest mail; see digest.c
 */
#ifndef EDEFTER_DIGEST_H
#define EDEFTER_DIGEST_H

#include <time.h>

#include "conf.h"

int	digest_run(const struct conf *, int dry_run);
int	digest_due(const struct conf *, time_t);

#endif
