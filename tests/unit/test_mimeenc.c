/*
 * test_mimeenc - the base64 encoders of the MIME writer: every
 * implementation this CPU runs (scalar, SSSE3, AVX2) writes the same
 * bytes as a plain reference encoder, for random inputs of every length
 * from 0 to 300 and for large ones, each input in a buffer of exactly
 * its size (so that ASan sees any read past it), with 76-column CRLF
 * lines as enc_b64_len() counts them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mimeenc.h"

static const char alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static const char *const impl_name[] = { "scalar", "ssse3", "avx2" };

/* ref - base64 of in[0..n) in lines of 76 characters and CRLF, padded,
 * one bit at a time; returns its length */
static size_t
ref(const unsigned char *in, size_t n, char *out)
{
	size_t	i, o = 0, col = 0;
	uint32_t acc = 0;
	int	bits = 0, pad;

	for (i = 0; i < n; i++) {
		acc = acc << 8 | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = alpha[acc >> bits & 63];
			if (++col == 76) {
				out[o++] = '\r';
				out[o++] = '\n';
				col = 0;
			}
		}
	}
	if (bits > 0) {
		out[o++] = alpha[acc << (6 - bits) & 63];
		col++;
		for (pad = bits == 2 ? 2 : 1; pad > 0; pad--) {
			out[o++] = '=';
			col++;
		}
	}
	if (col > 0) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	return o;
}

/* enc - as the MIME writer does it: whole lines with impl, then the last
 * short line; -1 when the CPU has not got impl */
static long
enc(int impl, const unsigned char *in, size_t n, char *out)
{
	size_t	k = n / B64_IN, rest = n % B64_IN;

	if (k && enc_b64_lines_with(impl, in, k, out) < 0)
		return -1;
	if (!k && enc_b64_lines_with(impl, in, 0, out) < 0)
		return -1;
	if (rest)
		return (long)(k * B64_OUT + enc_b64_short(in + k * B64_IN, rest,
		    out + k * B64_OUT));
	return (long)(k * B64_OUT);
}

static uint64_t rng = 88172645463325252ULL;

static unsigned char
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned char)(rng >> 24);
}

/* same - encode n bytes (made by fill) with every implementation */
static int
same(int impl, size_t n, int pattern, char **why)
{
	unsigned char *in = malloc(n ? n : 1);
	char	*want = malloc(enc_b64_len(n) + 1);
	char	*got = malloc(enc_b64_len(n) + 1);
	size_t	i, wn;
	long	gn;
	int	ok;

	for (i = 0; i < n; i++)
		in[i] = pattern == 0 ? rnd() : pattern == 1 ? (unsigned char)i :
		    pattern == 2 ? 0xff : 0;
	wn = ref(in, n, want);
	gn = enc(impl, in, n, got);
	ok = gn == (long)wn && wn == enc_b64_len(n) && memcmp(want, got,
	    wn) == 0;
	if (!ok && *why == NULL) {
		static char msg[128];

		snprintf(msg, sizeof(msg), "%s, %zu bytes, pattern %d: length "
		    "%ld, want %zu", impl_name[impl], n, pattern, gn, wn);
		*why = msg;
	}
	free(in);
	free(want);
	free(got);
	return ok;
}

int
main(void)
{
	static const size_t big[] = { 57 * 1024, 57 * 1024 + 1,
	    57 * 1024 - 1, 1048576, 3 * 1048576 + 7, 5 * 1048576 + 56 };
	int	impl, pattern, ok;
	size_t	n, i;
	char	*why;

	enc_init();
	CHECK(strcmp(enc_b64_impl(), "scalar") == 0 ||
	    strcmp(enc_b64_impl(), "ssse3") == 0 ||
	    strcmp(enc_b64_impl(), "avx2") == 0, "the encoder in use: %s",
	    enc_b64_impl());
	for (impl = ENC_B64_SCALAR; impl <= ENC_B64_AVX2; impl++) {
		unsigned char one[B64_IN] = { 0 };
		char	out[B64_OUT];

		if (enc_b64_lines_with(impl, one, 1, out) < 0) {
			printf("ok %d # skip %s: not on this CPU\n", ++check_n,
			    impl_name[impl]);
			continue;
		}
		for (pattern = 0; pattern < 4; pattern++) {
			why = NULL;
			ok = 1;
			for (n = 0; n <= 300; n++)
				ok &= same(impl, n, pattern, &why);
			CHECK(ok, "%s: every length 0..300, pattern %d%s%s",
			    impl_name[impl], pattern, why ? ": " : "",
			    why ? why : "");
		}
		why = NULL;
		ok = 1;
		for (i = 0; i < sizeof(big) / sizeof(big[0]); i++)
			ok &= same(impl, big[i], 0, &why);
		CHECK(ok, "%s: large inputs up to 5 MB%s%s", impl_name[impl],
		    why ? ": " : "", why ? why : "");
		why = NULL;
		ok = 1;
		for (i = 0; i < 2000; i++)
			ok &= same(impl, 57 + rnd() % 4096, 0, &why);
		CHECK(ok, "%s: 2000 random lengths%s%s", impl_name[impl],
		    why ? ": " : "", why ? why : "");
	}
	{
		/* every 6-bit value in every position of a line, against the
		 * implementation in use */
		unsigned char in[B64_IN * 64];
		char	a[B64_OUT * 64], b[B64_OUT * 64];

		for (i = 0; i < sizeof(in); i++)
			in[i] = (unsigned char)(i * 37 + i / 57);
		enc_b64_lines(in, 64, a);
		ref(in, sizeof(in), b);
		CHECK(memcmp(a, b, sizeof(a)) == 0, "enc_b64_lines (%s) on 64 "
		    "lines of mixed bytes", enc_b64_impl());
	}
	return check_done();
}
