/*
 * fuzz_zip - libFuzzer target for the zip end-of-central-directory check.
 *
 * The input is a file: it is written to a memfd and zip_complete()
 * decides on it.  The answer must be 0 or 1 (a memfd has no read
 * errors), the file offset must be left alone, a size larger than the
 * file must give 0, and bytes past the size must not matter: with junk
 * appended to the memfd (zip signatures among it) the answer for the
 * same size is the same.
 *
 *	clang -fsanitize=fuzzer,address,undefined -Iscanner
 *	    tests/fuzz/fuzz_zip.c scanner/zipcheck.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zipcheck.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	fd = -1;

/* put - write bytes at off */
static void
put(const void *data, size_t len, off_t off)
{
	size_t	done = 0;
	ssize_t	n;

	while (done < len) {
		if ((n = pwrite(fd, (const char *)data + done, len - done,
		    off + (off_t)done)) <= 0)
			abort();
		done += (size_t)n;
	}
}

/* check - zip_complete() at size, with its promises */
static int
check(off_t size)
{
	off_t	pos;
	int	rc;

	if (lseek(fd, 7, SEEK_SET) != 7)
		abort();
	rc = zip_complete(fd, size);
	if ((pos = lseek(fd, 0, SEEK_CUR)) != 7)
		abort();
	if (rc != 0 && rc != 1) {
		perror("zip_complete");
		abort();
	}
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* what a wrong reader past the size would trip over */
	static const unsigned char junk[] = "PK\5\6\0\0\0\0\1\0\1\0"
	    "PK\1\2PK\3\4PK\6\6PK\6\7\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
	int	rc;

	if (fd < 0 && (fd = memfd_create("fuzz_zip", MFD_CLOEXEC)) < 0)
		abort();
	if (ftruncate(fd, 0) < 0)
		abort();
	put(data, size, 0);
	rc = check((off_t)size);
	if (check((off_t)size + 1) != 0 || check((off_t)size + 70000) != 0)
		abort();
	put(junk, sizeof(junk), (off_t)size);
	if (check((off_t)size) != rc)
		abort();
	return 0;
}
