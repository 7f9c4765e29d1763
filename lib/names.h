/*
 * NAME
 *	names - e-Defter file names, VKN/TCKN ids, periods, ASCII folding
 * SYNOPSIS
 *	#include "names.h"
 * DESCRIPTION
 *	edf_parse_name() recognises GIB's file naming
 *	[GIB-]ID-YYYYMM-TYPE-PART[-BRANCH].(xml|zip), prefixes, type codes
 *	and extensions matched with ASCII case folding only (never the
 *	locale: under tr_TR `i' and `I' do not fold to each other).
 *
 *	edf_near_miss() tells a name that holds a GIB-like stem but is not
 *	a GIB name, ending in .xml or .zip (`GIB-...-KB-000000 (1).zip',
 *	`... - Kopya.zip', `....xml.zip', `Copy of GIB-...'): such a file
 *	is never a berat, and the office is told to rename it.  It returns
 *	an enum edf_near reason (0: not a near miss) and where the stem is.
 *
 *	edf_valid_vkn()/edf_valid_tckn()/edf_valid_id() check the id's
 *	check digits.  edf_parse_period() accepts `YYYY-MM'.
 * DIAGNOSTICS
 *	edf_parse_name() returns EDF_OK, EDF_NOTEDEFTER when the name does
 *	not have the shape at all, or a specific reason (EDF_BADID,
 *	EDF_BADMONTH) when it has the shape but cannot be a real file; the
 *	caller reports those.  edf_strerror() names the reason.
 */
#ifndef EDEFTER_NAMES_H
#define EDEFTER_NAMES_H

#include <stddef.h>

enum edf_type { EDF_Y, EDF_K, EDF_YB, EDF_KB, EDF_DR, EDF_E, EDF_EB,
	EDF_NTYPES };
enum edf_ext { EDF_XML, EDF_ZIP };

#define EDF_ID_MAX	11		/* TCKN */
#define EDF_PERIOD_LEN	7		/* YYYY-MM */

struct edf_name {
	char		id[EDF_ID_MAX + 1];
	int		year;
	int		month;
	enum edf_type	type;
	int		part;		/* 0 = not split */
	int		branch;		/* -1 = none */
	int		gib;		/* GIB- prefix: approved by GIB */
	enum edf_ext	ext;
};

enum edf_status { EDF_OK = 0, EDF_NOTEDEFTER, EDF_BADID, EDF_BADMONTH };

enum edf_near { EDF_NEAR_NONE, EDF_NEAR_COPY, EDF_NEAR_DOUBLE_EXT,
	EDF_NEAR_PREFIX, EDF_NEAR_SUFFIX };

int	edf_parse_name(const char *, size_t, struct edf_name *);
int	edf_near_miss(const char *, size_t, size_t *, size_t *);
const char *edf_near_miss_reason(int);
const char *edf_strerror(int);
const char *edf_type_name(enum edf_type);
int	edf_is_berat(enum edf_type);

int	edf_valid_vkn(const char *, size_t);
int	edf_valid_tckn(const char *, size_t);
int	edf_valid_id(const char *, size_t);
int	edf_parse_period(const char *, size_t, int *, int *);

int	ascii_tolower(int);
int	ascii_toupper(int);
int	ascii_strcasecmp(const char *, const char *);
int	ascii_strncasecmp(const char *, const char *, size_t);
void	ascii_lower(char *);

#endif
