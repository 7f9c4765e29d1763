/*
 * NAME
 *	statushtml - edefter-scan status --format html; see statushtml.c
 */
#ifndef EDEFTER_STATUSHTML_H
#define EDEFTER_STATUSHTML_H

#include "conf.h"
#include "run.h"

int	status_html(const struct conf *, struct pass_opts *);

#endif
