/*
 * fsync_probe - what one durable write costs on a file system: N times,
 * write one 4 KiB page at a random offset of a 64 MiB file in DIR and
 * fdatasync(2) it, then write a second page through an O_DSYNC
 * descriptor (as an LMDB commit does: the data pages and a flush, then
 * the meta page written synchronously).  Prints p50/p90/p99/max and the
 * mean of one such commit in microseconds.
 *
 *   fsync_probe DIR [N]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FILE_SIZE	(64L << 20)
#define PAGE		4096

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int
cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	char	 path[4096], page[PAGE];
	int	 n = argc > 2 ? atoi(argv[2]) : 1000, fd, mfd, i;
	uint64_t *lat, t0, sum = 0;
	unsigned seed = 1;

	if (argc < 2 || n < 1) {
		fprintf(stderr, "usage: fsync_probe DIR [N]\n");
		return 64;
	}
	snprintf(path, sizeof(path), "%s/fsync_probe.dat", argv[1]);
	if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) < 0 ||
	    (mfd = open(path, O_RDWR | O_DSYNC)) < 0 ||
	    posix_fallocate(fd, 0, FILE_SIZE) != 0 || fsync(fd) < 0) {
		fprintf(stderr, "fsync_probe: %s: %s\n", path, strerror(errno));
		return 74;
	}
	if ((lat = calloc((size_t)n, sizeof(*lat))) == NULL)
		return 71;
	memset(page, 'x', sizeof(page));
	for (i = 0; i < n; i++) {
		off_t off = (off_t)(rand_r(&seed) % (FILE_SIZE / PAGE - 1) + 1) *
		    PAGE;

		page[0] = (char)i;
		t0 = now_ns();
		if (pwrite(fd, page, PAGE, off) != PAGE || fdatasync(fd) < 0 ||
		    pwrite(mfd, page, PAGE, 0) != PAGE) {
			fprintf(stderr, "fsync_probe: %s\n", strerror(errno));
			return 74;
		}
		lat[i] = now_ns() - t0;
		sum += lat[i];
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp);
	printf("commits=%d p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f "
	    "mean_us=%.1f\n", n, lat[n / 2] / 1000.0,
	    lat[(int)(n * 0.9)] / 1000.0, lat[(int)(n * 0.99)] / 1000.0,
	    lat[n - 1] / 1000.0, (double)sum / n / 1000.0);
	close(fd);
	close(mfd);
	unlink(path);
	return 0;
}
