/*
 * test_zipcheck - zip_complete() on archives written by Python's
 * zipfile, cut at every length, with comments, zip64 records,
 * prepended data, damage, and files that are no zip at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "zipcheck.h"

#define PYTHON	"/usr/bin/python3"

static char dir[] = "/tmp/test_zipcheck.XXXXXX";

/* Writes the fixtures; every archive is read back by zipfile too. */
static const char make_zips[] =
    "import sys, os, zipfile\n"
    "d = sys.argv[1]\n"
    "def j(n): return os.path.join(d, n)\n"
    "data = bytes(range(256)) * 40\n"
    "with zipfile.ZipFile(j('plain.zip'), 'w', zipfile.ZIP_DEFLATED) as z:\n"
    "    z.writestr('1234567890-202501-Y-000000.xml', data)\n"
    "    z.writestr('stored.bin', b'abc' * 50, zipfile.ZIP_STORED)\n"
    "    z.writestr('\\u015eirket_\\u0130_\\u0131.txt', 'T\\u00fcrk\\u00e7e')\n"
    "with zipfile.ZipFile(j('comment.zip'), 'w') as z:\n"
    "    z.writestr('a.txt', 'hello')\n"
    "    z.comment = b'c' * 100\n"
    "with zipfile.ZipFile(j('fake.zip'), 'w') as z:\n"
    "    z.writestr('a.txt', 'hello')\n"
    "    z.comment = b'c' * 78 + b'PK\\x05\\x06' + b'\\0' * 18\n"
    "with zipfile.ZipFile(j('empty.zip'), 'w') as z:\n"
    "    pass\n"
    "zipfile.ZIP_FILECOUNT_LIMIT = 1\n"
    "with zipfile.ZipFile(j('zip64.zip'), 'w') as z:\n"
    "    for i in range(3):\n"
    "        z.writestr('f%d.txt' % i, 'x' * (100 + i))\n"
    "with open(j('sfx.zip'), 'wb') as f:\n"
    "    f.write(b'MZ' + b'\\0' * 998)\n"
    "    f.write(open(j('plain.zip'), 'rb').read())\n"
    "for n in ('plain', 'comment', 'empty', 'zip64', 'sfx'):\n"
    "    with zipfile.ZipFile(j(n + '.zip')) as z:\n"
    "        assert z.testzip() is None, n\n"
    "e = open(j('zip64.zip'), 'rb').read()[-42:-22]\n"
    "assert e[:4] == b'PK\\x06\\x07', 'no zip64 locator'\n";

/* path - a file in the scratch directory */
static const char *
path(const char *name)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

/* slurp - read a whole fixture */
static unsigned char *
slurp(const char *name, size_t *len)
{
	struct stat st;
	unsigned char *b;
	int	fd;

	if ((fd = open(path(name), O_RDONLY)) < 0 || fstat(fd, &st) < 0)
		return NULL;
	b = malloc((size_t)st.st_size + 1);
	if (b == NULL || read(fd, b, (size_t)st.st_size) != st.st_size) {
		free(b);
		b = NULL;
	}
	*len = (size_t)st.st_size;
	close(fd);
	return b;
}

/* spill - write bytes to a fixture */
static void
spill(const char *name, const void *b, size_t len)
{
	FILE	*f = fopen(path(name), "wb");

	if (f == NULL || fwrite(b, 1, len, f) != len || fclose(f) != 0) {
		perror(path(name));
		exit(1);
	}
}

/* check_bytes - zip_complete() on these bytes written to a file */
static int
check_bytes(const void *b, size_t len, off_t size)
{
	int	fd, rc;

	spill("t.bin", b, len);
	if ((fd = open(path("t.bin"), O_RDONLY)) < 0)
		return -2;
	rc = zip_complete(fd, size);
	close(fd);
	return rc;
}

/* check_file - zip_complete() on a fixture at its real size */
static int
check_file(const char *name)
{
	struct stat st;
	int	fd, rc;

	if ((fd = open(path(name), O_RDONLY)) < 0 || fstat(fd, &st) < 0)
		return -2;
	rc = zip_complete(fd, st.st_size);
	close(fd);
	return rc;
}

/* every_cut - no proper prefix of an archive counts as whole */
static void
every_cut(const char *name)
{
	unsigned char *b;
	size_t	len, n, whole = 0, bad = 0;
	int	fd, rc;

	if ((b = slurp(name, &len)) == NULL) {
		CHECK(0, "%s readable", name);
		return;
	}
	spill("cut.bin", b, len);
	if ((fd = open(path("cut.bin"), O_RDWR)) < 0) {
		CHECK(0, "cut.bin");
		free(b);
		return;
	}
	for (n = len; n-- > 0; ) {
		if (ftruncate(fd, (off_t)n) < 0) {
			bad++;
			break;
		}
		if ((rc = zip_complete(fd, (off_t)n)) == 1 && ++whole == 1)
			printf("# %s cut at %zu counts as whole\n", name, n);
		else if (rc != 1 && rc != 0)
			bad++;
	}
	close(fd);
	CHECK(whole == 0 && bad == 0, "%s: none of %zu truncations is whole",
	    name, len);
	free(b);
}

/* damaged - patch one byte of a fixture and check again */
static int
damaged(const char *name, long at, unsigned char v)
{
	unsigned char *b;
	size_t	len;
	int	rc;

	if ((b = slurp(name, &len)) == NULL)
		return -2;
	if (at < 0)
		at += (long)len;
	b[at] = v;
	rc = check_bytes(b, len, (off_t)len);
	free(b);
	return rc;
}

int
main(void)
{
	char	cmd[1024];
	unsigned char *b;
	size_t	len;
	int	fd, rc;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	spill("make.py", make_zips, sizeof(make_zips) - 1);
	snprintf(cmd, sizeof(cmd), PYTHON " %s %s", path("make.py"), dir);
	CHECK(system(cmd) == 0, "python wrote and re-read the fixtures");

	CHECK(check_file("plain.zip") == 1, "zip from zipfile is whole");
	CHECK(check_file("comment.zip") == 1,
	    "zip with a 100-byte comment is whole");
	CHECK(check_file("fake.zip") == 1,
	    "zip whose comment ends in an empty end record is whole");
	CHECK(check_file("empty.zip") == 1, "empty 22-byte zip is whole");
	CHECK(check_file("zip64.zip") == 1, "zip64 end record is whole");
	CHECK(check_file("sfx.zip") == 1, "zip after 1000 prepended bytes");

	every_cut("plain.zip");
	every_cut("comment.zip");
	every_cut("fake.zip");
	every_cut("zip64.zip");
	every_cut("sfx.zip");

	/* The archive followed by more bytes: still being appended to. */
	if ((b = slurp("plain.zip", &len)) != NULL) {
		unsigned char *more = calloc(1, len + 100);

		memcpy(more, b, len);
		CHECK(check_bytes(more, len + 100, (off_t)len + 100) == 0,
		    "zip followed by 100 zero bytes is not whole");
		CHECK(check_bytes(more, len + 1, (off_t)len + 1) == 0,
		    "zip followed by one byte is not whole");
		CHECK(check_bytes(b, len, (off_t)len + 10) == 0,
		    "file shorter than the size given is not whole");
		free(more);
		free(b);
	} else
		CHECK(0, "plain.zip readable");

	/* Part of an archive followed by an empty archive's end record. */
	if ((b = slurp("plain.zip", &len)) != NULL && len > 300) {
		memcpy(b + 278, "PK\5\6", 4);
		memset(b + 282, 0, 18);
		CHECK(check_bytes(b, 300, 300) == 0,
		    "cut archive ending in an empty end record is not whole");
		free(b);
	}
	CHECK(damaged("plain.zip", -22 + 4, 1) == 0,
	    "end record naming disk 1 (split archive) is not whole");
	CHECK(damaged("plain.zip", -22 + 20, 7) == 0,
	    "comment length past the end is not whole");
	CHECK(damaged("comment.zip", -1, 0) == 1,
	    "comment bytes do not matter");

	/* Find the central directory from the end record and break it. */
	if ((b = slurp("plain.zip", &len)) != NULL) {
		long cd = b[len - 6] | b[len - 5] << 8 | b[len - 4] << 16;

		CHECK(damaged("plain.zip", cd, 'X') == 0,
		    "central directory without its signature is not whole");
		CHECK(damaged("plain.zip", 0, 'X') == 0,
		    "first local header without its signature is not whole");
		free(b);
	}
	CHECK(damaged("zip64.zip", -42, 'X') == 0,
	    "zip64 counts without a locator are not whole");
	CHECK(damaged("zip64.zip", -42 - 56, 'X') == 0,
	    "zip64 locator pointing at no zip64 record is not whole");

	spill("text.zip", "this is not a zip file at all, just some text\n"
	    "more text to pass twenty-two bytes\n", 81);
	CHECK(check_file("text.zip") == 0, "text file is not a zip");
	spill("zero.zip", "", 0);
	CHECK(check_file("zero.zip") == 0, "empty file is not a zip");
	spill("short.zip", "PK\5\6", 4);
	CHECK(check_file("short.zip") == 0, "4-byte file is not a zip");

	/* A read error is -1 with errno, not "truncated". */
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0) {
		errno = 0;
		rc = zip_complete(fd, 1000);
		CHECK(rc == -1 && errno == EISDIR,
		    "read error gives -1 and errno (rc %d errno %d)", rc,
		    errno);
		close(fd);
	}
	errno = 0;
	CHECK(zip_complete(-1, 1000) == -1 && errno == EBADF,
	    "bad descriptor gives -1 EBADF");

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return check_done();
}
