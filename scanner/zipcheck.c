/*
 * zipcheck - is a zip archive whole; see zipcheck.h.
 *
 * The record layouts are those of PKWARE's APPNOTE.TXT (4.3.12 central
 * directory header, 4.3.14 zip64 end record, 4.3.15 zip64 locator,
 * 4.3.16 end of central directory).  All numbers are little-endian.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zipcheck.h"

#define SIG_LOCAL	0x04034b50u
#define SIG_CENTRAL	0x02014b50u
#define SIG_EOCD	0x06054b50u
#define SIG_EOCD64	0x06064b50u
#define SIG_LOC64	0x07064b50u

#define EOCD_LEN	22
#define EOCD_COMMENT	65535
#define TAIL_MAX	(EOCD_LEN + EOCD_COMMENT)
#define LOC64_LEN	20
#define EOCD64_LEN	56
#define CENTRAL_LEN	46
#define MAX_TRIES	16		/* candidate records examined */

/* le16 - little-endian 16-bit number */
static uint32_t
le16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

/* le32 - little-endian 32-bit number */
static uint32_t
le32(const unsigned char *p)
{
	return le16(p) | le16(p + 2) << 16;
}

/* le64 - little-endian 64-bit number */
static uint64_t
le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* read_at - exactly n bytes at off: 1 read, 0 end of file first, -1 error */
static int
read_at(int fd, void *buf, size_t n, uint64_t off)
{
	size_t	got = 0;
	ssize_t	r;

	if (off > (uint64_t)INT64_MAX - n)
		return 0;
	while (got < n) {
		r = pread(fd, (char *)buf + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		got += (size_t)r;
	}
	return 1;
}

/* sig_at - does the 4-byte signature sig stand at off? (-1 on error) */
static int
sig_at(int fd, uint64_t off, uint32_t sig)
{
	unsigned char b[4];
	int	rc;

	if ((rc = read_at(fd, b, sizeof(b), off)) <= 0)
		return rc;
	return le32(b) == sig;
}

/*
 * central_ok - the central directory of cd_size bytes, said to be at
 * cd_off, must end at end; with data prepended to the archive all
 * offsets are short by the same amount, which is allowed.
 */
static int
central_ok(int fd, uint64_t cd_off, uint64_t cd_size, uint64_t entries,
    uint64_t end)
{
	unsigned char h[CENTRAL_LEN];
	uint64_t real, shift, local;
	int	rc;

	if (cd_size > end || cd_off > end - cd_size)
		return 0;
	real = end - cd_size;
	shift = real - cd_off;
	if (cd_size == 0)		/* empty archive: nothing before */
		return entries == 0 && shift == 0;
	if (cd_size < CENTRAL_LEN)
		return 0;
	if ((rc = read_at(fd, h, sizeof(h), real)) <= 0)
		return rc;
	if (le32(h) != SIG_CENTRAL)
		return 0;
	local = le32(h + 42);
	if (local == 0xffffffffu)		/* in the zip64 extra field */
		return 1;
	if (local > real - shift || local + shift + 30 > real)
		return 0;
	return sig_at(fd, local + shift, SIG_LOCAL);
}

/* zip64_ok - check through the zip64 locator that ends at loc + 20 */
static int
zip64_ok(int fd, uint64_t loc)
{
	unsigned char l[LOC64_LEN], r[EOCD64_LEN];
	uint64_t rec, recsize;
	int	rc;

	if ((rc = read_at(fd, l, sizeof(l), loc)) <= 0)
		return rc;
	if (le32(l) != SIG_LOC64 || le32(l + 4) != 0 || le32(l + 16) > 1)
		return 0;
	rec = le64(l + 8);
	if (loc < EOCD64_LEN)
		return 0;
	/* Prepended data shifts the record too: then it ends at loc. */
	if (rec > loc - EOCD64_LEN)
		rec = loc - EOCD64_LEN;
	if ((rc = read_at(fd, r, sizeof(r), rec)) < 0)
		return -1;
	if (rc == 0 || le32(r) != SIG_EOCD64) {
		if (rec == loc - EOCD64_LEN)
			return 0;
		rec = loc - EOCD64_LEN;
		if ((rc = read_at(fd, r, sizeof(r), rec)) <= 0)
			return rc;
		if (le32(r) != SIG_EOCD64)
			return 0;
	}
	recsize = le64(r + 4);
	if (recsize < EOCD64_LEN - 12 || recsize > loc - rec - 12)
		return 0;
	if (le32(r + 16) != 0 || le32(r + 20) != 0 ||
	    le64(r + 24) != le64(r + 32))
		return 0;
	return central_ok(fd, le64(r + 48), le64(r + 40), le64(r + 32), rec);
}

/* eocd_ok - check the end record found at file offset pos */
static int
eocd_ok(int fd, const unsigned char *e, uint64_t pos)
{
	uint32_t disk = le16(e + 4), cddisk = le16(e + 6);
	uint32_t here = le16(e + 8), total = le16(e + 10);
	int	rc;

	if (pos >= LOC64_LEN) {
		if ((rc = sig_at(fd, pos - LOC64_LEN, SIG_LOC64)) < 0)
			return -1;
		if (rc && (rc = zip64_ok(fd, pos - LOC64_LEN)) != 0)
			return rc;
	}
	if (disk != 0 || cddisk != 0 || here != total)
		return 0;		/* one part of a split archive */
	return central_ok(fd, le32(e + 16), le32(e + 12), total, pos);
}

/* zip_complete - is the archive on fd, size bytes long, whole? */
int
zip_complete(int fd, off_t size)
{
	unsigned char *tail;
	uint64_t start;
	size_t	n, i;
	int	rc = 0, tries = 0;

	if (size < EOCD_LEN)
		return 0;
	n = (uint64_t)size < TAIL_MAX ? (size_t)size : TAIL_MAX;
	start = (uint64_t)size - n;
	if ((tail = malloc(n)) == NULL)
		return -1;
	if ((rc = read_at(fd, tail, n, start)) <= 0)
		goto out;
	rc = 0;
	for (i = n - EOCD_LEN + 1; i-- > 0 && tries < MAX_TRIES; ) {
		if (tail[i] != 'P' || le32(tail + i) != SIG_EOCD ||
		    le16(tail + i + 20) != n - i - EOCD_LEN)
			continue;
		tries++;
		if ((rc = eocd_ok(fd, tail + i, start + i)) != 0)
			break;
	}
out:
	free(tail);
	return rc;
}
