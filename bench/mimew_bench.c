/*
 * mimew_bench - throughput of the scanner's message writer (mimew.c):
 * one message with FILE as its only attachment, read out with
 * mimew_read() in CHUNK-byte pieces (libcurl's upload buffer is 64 KiB)
 * and thrown away.
 *
 *   mimew_bench FILE [PASSES] [CHUNK]
 *
 * Prints, for the best of PASSES passes (the first warms the page
 * cache): attachment bytes encoded per second of CPU time (in_mb_s;
 * the process's own user and system time, so that other load on the
 * machine does not count) and message bytes produced per CPU second
 * (out_mb_s), and the same per second of wall time (wall_in_mb_s);
 * MB = 10^6 bytes; impl= names the base64 encoder in use (avx2, ssse3,
 * scalar; EDEFTER_BASE64=scalar or ssse3 picks a slower one).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mimeenc.h"
#include "mimew.h"

static double
now(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct buf err = BUF_INIT;
	struct mimew_file f;
	struct mimew_msg msg;
	struct mimew *w;
	struct stat st;
	const char *to[] = { "muhasebe@firma.example" };
	int	 passes = argc > 2 ? atoi(argv[2]) : 3, p, fd;
	size_t	 chunk = argc > 3 ? (size_t)atol(argv[3]) : 65536;
	double	 best = 1e30, wbest = 1e30, t0, w0, t, wt;
	uint64_t total = 0;
	char	*buf;
	ssize_t	 n;

	if (argc < 2 || passes < 1 || chunk < 1) {
		fprintf(stderr, "usage: mimew_bench FILE [PASSES] [CHUNK]\n");
		return 64;
	}
	if ((fd = open(argv[1], O_RDONLY)) < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "mimew_bench: %s: %s\n", argv[1],
		    strerror(errno));
		return 66;
	}
	memset(&f, 0, sizeof(f));
	f.name = "1000000000-202401-Y-000001.zip";
	f.fd = fd;
	f.size = st.st_size;
	f.mtime = st.st_mtim;
	memset(&msg, 0, sizeof(msg));
	msg.from = "Mali M\xc3\xbc\xc5\x9fvirlik <edefter@ofis.example>";
	msg.to = to;
	msg.nto = 1;
	msg.subject = "e-Defter Ocak 2024";
	msg.date = 1700000000;
	msg.message_id = "<bench.1@ofis.example>";
	msg.company = "1000000000";
	msg.period = "2024-01";
	msg.company_name = "\xc3\x96rnek Ticaret A.\xc5\x9e.";
	msg.text = "Ekte e-Defter dosyalari.\n";
	msg.files = &f;
	msg.nfiles = 1;
	if ((w = mimew_new(&msg, &err)) == NULL) {
		fprintf(stderr, "mimew_bench: %s\n", BUF_STR(&err));
		return 70;
	}
	if ((buf = malloc(chunk)) == NULL)
		return 71;
	for (p = 0; p < passes; p++) {
		mimew_rewind(w);
		total = 0;
		w0 = now(CLOCK_MONOTONIC);
		t0 = now(CLOCK_PROCESS_CPUTIME_ID);
		while ((n = mimew_read(w, buf, chunk)) > 0)
			total += (uint64_t)n;
		t = now(CLOCK_PROCESS_CPUTIME_ID) - t0;
		wt = now(CLOCK_MONOTONIC) - w0;
		if (n < 0) {
			fprintf(stderr, "mimew_bench: %s\n", mimew_error(w));
			return 74;
		}
		if (t < best)
			best = t;
		if (wt < wbest)
			wbest = wt;
	}
	printf("file_bytes=%lld message_bytes=%llu cpu_secs=%.4f in_mb_s=%.0f "
	    "out_mb_s=%.0f wall_secs=%.4f wall_in_mb_s=%.0f impl=%s\n",
	    (long long)st.st_size, (unsigned long long)total, best,
	    (double)st.st_size / best / 1e6, (double)total / best / 1e6, wbest,
	    (double)st.st_size / wbest / 1e6, enc_b64_impl());
	mimew_free(w);
	free(buf);
	close(fd);
	return 0;
}
