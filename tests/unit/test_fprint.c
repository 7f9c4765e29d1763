/*
 * test_fprint - berat fingerprints in StateDir and SHA-256.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fprint.h"

static char dir[] = "/tmp/edefter-fprint.XXXXXX";

static int
file_with(const char *name, const char *data, size_t len)
{
	char	p[512];
	int	fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if ((fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0600)) < 0)
		return -1;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
test_sha(void)
{
	char	sha[SHA256_HEX], *big;
	int	fd;

	fd = file_with("abc", "abc", 3);
	CHECK(fd >= 0 && sha256_fd(fd, sha) == 0, "sha256 of abc");
	CHECK_STR(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "FIPS 180-2 vector");
	CHECK(lseek(fd, 0, SEEK_CUR) == 3, "the offset is left alone");
	close(fd);
	fd = file_with("empty", "", 0);
	CHECK(fd >= 0 && sha256_fd(fd, sha) == 0, "sha256 of nothing");
	CHECK_STR(sha, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    "empty vector");
	close(fd);
	big = malloc(200000);
	memset(big, 'a', 200000);
	fd = file_with("big", big, 200000);
	CHECK(fd >= 0 && sha256_fd(fd, sha) == 0 && strlen(sha) == 64,
	    "a file of several blocks");
	close(fd);
	free(big);
	CHECK(sha256_fd(-1, sha) < 0 && errno == EBADF, "a bad descriptor");
}

static void
test_records(void)
{
	struct fprint fp = { NULL, 0 }, got;
	struct timespec t1 = { 1700000000, 123456789 }, t2 = { 5, 0 };
	struct buf err = BUF_INIT;
	struct fprint_ent *e;
	char	p[512];
	FILE	*f;

	CHECK(fprint_load(dir, "1234567890", 2025, 1, &got, &err) == 0,
	    "no record yet");
	CHECK(fprint_set(&fp, "GIB-1234567890-202501-KB-000000.zip", 20480,
	    &t1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0 &&
	    fprint_set(&fp, "Adı boşluklu %.zip", 7, &t2,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0,
	    "two entries");
	CHECK(fprint_set(&fp, "Adı boşluklu %.zip", 8, &t2,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0 &&
	    fp.n == 2, "set replaces an entry of the same name");
	CHECK(fprint_save(dir, "1234567890", 2025, 1, &fp, &err) == 0,
	    "saved: %s", BUF_STR(&err));
	CHECK(fprint_load(dir, "1234567890", 2025, 1, &got, &err) == 1 &&
	    got.n == 2, "loaded back");
	e = fprint_find(&got, "Adı boşluklu %.zip");
	CHECK(e && e->size == 8 && e->mtime.tv_sec == 5 &&
	    e->mtime.tv_nsec == 0, "a name with spaces and %%");
	e = fprint_find(&got, "GIB-1234567890-202501-KB-000000.zip");
	CHECK(e && e->mtime.tv_nsec == 123456789 && e->size == 20480 &&
	    !strncmp(e->sha, "ba7816bf", 8), "nanoseconds kept");
	CHECK(fprint_find(&got, "other") == NULL, "an unknown name");
	fprint_free(&got);
	snprintf(p, sizeof(p), "%s/sent/1234567890_2025-02", dir);
	f = fopen(p, "w");
	fputs("a.zip 1 2.000000000 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
	    "b.zip x 2.0 zz\n", f);
	fclose(f);
	buf_reset(&err);
	CHECK(fprint_load(dir, "1234567890", 2025, 2, &got, &err) < 0 &&
	    strstr(BUF_STR(&err), "1234567890_2025-02:2:"), "a bad line named: %s",
	    BUF_STR(&err));
	fprint_free(&fp);
	buf_free(&err);
}

int
main(void)
{
	char	cmd[600];

	if (mkdtemp(dir) == NULL)
		return 2;
	test_sha();
	test_records();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 2;
	return check_done();
}
