/*
 * fuzz_conf - libFuzzer target for the edefter.conf reader.
 *
 * The input is a configuration file.  conf_load() reads it from a
 * memfd (through /proc/self/fd/N: no file is left behind, and parallel
 * runs cannot meet) for one program, or all of them, chosen by the
 * input's hash.  A refusal must be exit status 78 with one line naming
 * the file; an accepted file must print (conf_print) settings that,
 * read back, print the same again, line by line.  Lines printed as
 * "(unset)" or "none" are not read back: they are no values; nor are
 * lists with an item that starts with '#' (see is_value).  The number
 * parsers also get the input as a string.
 *
 *	clang -fsanitize=fuzzer,address,undefined -Ilib
 *	    tests/fuzz/fuzz_conf.c lib/conf.c lib/cidr.c lib/addr.c
 *	    lib/buf.c lib/names.c lib/json.c lib/log.c lib/trfold.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "names.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	fd = -1;
static char	path[64];

/* spill - make the memfd hold exactly these bytes */
static void
spill(const void *data, size_t len)
{
	size_t	off = 0;
	ssize_t	n;

	if (fd < 0) {
		if ((fd = memfd_create("fuzz_conf", MFD_CLOEXEC)) < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0)
		abort();
	while (off < len) {
		if ((n = pwrite(fd, (const char *)data + off, len - off,
		    (off_t)off)) <= 0)
			abort();
		off += (size_t)n;
	}
}

/* printed - conf_print() into a buffer */
static void
printed(const struct conf *cf, unsigned prog, struct buf *out)
{
	char	*s = NULL;
	size_t	n = 0;
	FILE	*fp;

	if ((fp = open_memstream(&s, &n)) == NULL)
		abort();
	conf_print(cf, prog, fp);
	if (fclose(fp) != 0)
		abort();
	buf_set(out, s, n);
	free(s);
}

/* line_at - the line starting at *off (without LF); *off moves past it */
static size_t
line_at(const struct buf *b, size_t *off, const char **l)
{
	const char *nl;
	size_t	n;

	*l = b->data + *off;
	nl = memchr(*l, '\n', b->len - *off);
	n = nl ? (size_t)(nl - *l) : b->len - *off;
	*off += n + (nl != NULL);
	return n;
}

/*
 * is_value - does a printed line "Key   value" carry a value that reads
 * back as itself?  Not "(unset)" nor "none" (no values), nor a list
 * with an item starting with '#' ("a,#b" prints as "a, #b", and ",#a"
 * as "#a", which then read as comments: conf_print() cannot quote it).
 */
static int
is_value(const char *l, size_t n)
{
	const char *v = l;

	while (v < l + n && *v != ' ')
		v++;
	while (v < l + n && *v == ' ')
		v++;
	n -= (size_t)(v - l);
	return !((n == 7 && memcmp(v, "(unset)", 7) == 0) ||
	    (n == 4 && ascii_strncasecmp(v, "none", 4) == 0) ||
	    (n > 0 && *v == '#') || memmem(v, n, " #", 2) != NULL);
}

/* load - conf_load() of the memfd, its promises about err checked */
static int
load(struct conf *cf, unsigned prog, struct buf *err)
{
	int	rc;

	buf_reset(err);
	rc = conf_load(cf, path, 1, prog, err);
	if (rc == 0 && err->len != 0)
		abort();
	if (rc != 0 && (rc != EX_CONFIG || err->len == 0 ||
	    strncmp(BUF_STR(err), path, strlen(path)) != 0 ||
	    memchr(err->data, '\n', err->len) != NULL))
		abort();
	return rc;
}

/* round_trip - the printed settings, read back, print the same */
static void
round_trip(const struct buf *first, unsigned prog)
{
	struct buf file = BUF_INIT, second = BUF_INIT, err = BUF_INIT;
	struct conf cf;
	const char *a, *b;
	size_t	o1 = 0, o2 = 0, na, nb, skip;

	line_at(first, &o1, &a);		/* "# path" */
	while (o1 < first->len) {
		na = line_at(first, &o1, &a);
		if (is_value(a, na)) {
			buf_add(&file, a, na);
			buf_addc(&file, '\n');
		}
	}
	spill(file.data, file.len);
	if (load(&cf, prog, &err) != 0) {
		fprintf(stderr, "printed settings refused: %s\n---\n%s---\n",
		    BUF_STR(&err), BUF_STR(&file));
		abort();
	}
	printed(&cf, prog, &second);
	conf_free(&cf);
	o1 = 0;
	line_at(first, &o1, &a);
	line_at(&second, &o2, &b);
	while (o1 < first->len || o2 < second.len) {
		na = line_at(first, &o1, &a);
		nb = line_at(&second, &o2, &b);
		skip = !is_value(a, na);
		if (!skip && (na != nb || memcmp(a, b, na) != 0)) {
			fprintf(stderr, "printed '%.*s', read back '%.*s'\n",
			    (int)na, a, (int)nb, b);
			abort();
		}
	}
	buf_free(&file);
	buf_free(&second);
	buf_free(&err);
}

/* numbers - the value parsers on the input as one string */
static void
numbers(const uint8_t *data, size_t size)
{
	char	s[80];
	long long v;
	size_t	n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;
	int	b;

	memcpy(s, data, n);
	s[n] = '\0';
	if (conf_parse_size(s, &v) == 0 && v < 0)
		abort();
	if (conf_parse_duration(s, &v) == 0 && v < 0)
		abort();
	if (conf_parse_bool(s, &b) == 0 && b != 0 && b != 1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned progs[] = { CONF_MILTER, CONF_SCAN, CONF_CTL,
	    CONF_DSN, CONF_ALL };
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct conf cf;
	uint32_t seed = 2166136261u;
	unsigned prog;
	size_t	i;

	for (i = 0; i < size; i++)
		seed = (seed ^ data[i]) * 16777619u;
	prog = progs[(seed >> 8) % 5];
	spill(data, size);
	if (load(&cf, prog, &err) == 0) {
		printed(&cf, prog, &out);
		round_trip(&out, prog);
	}
	conf_free(&cf);
	numbers(data, size);
	buf_free(&err);
	buf_free(&out);
	return 0;
}
