/*
 * fprint - what a sent period's berats were; see fprint.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fprint.h"
#include "scan.h"
#include "state.h"

/* record_name - "<id>_<YYYY-MM>" */
static void
record_name(char *out, size_t n, const char *id, int year, int month)
{
	snprintf(out, n, "%s_%04d-%02d", id, year, month);
}

/* fprint_set - add or update one file */
int
fprint_set(struct fprint *fp, const char *name, off_t size,
    const struct timespec *mtime, const char *sha)
{
	struct fprint_ent *e = fprint_find(fp, name), *v;

	if (e == NULL) {
		if ((v = realloc(fp->v, (fp->n + 1) * sizeof(*v))) == NULL)
			return -1;
		fp->v = v;
		e = &v[fp->n];
		memset(e, 0, sizeof(*e));
		if ((e->name = strdup(name)) == NULL)
			return -1;
		fp->n++;
	}
	e->size = size;
	e->mtime = *mtime;
	snprintf(e->sha, sizeof(e->sha), "%s", sha);
	return 0;
}

/* fprint_find - the entry of a name, or NULL */
struct fprint_ent *
fprint_find(struct fprint *fp, const char *name)
{
	size_t	i;

	for (i = 0; i < fp->n; i++)
		if (strcmp(fp->v[i].name, name) == 0)
			return &fp->v[i];
	return NULL;
}

void
fprint_free(struct fprint *fp)
{
	size_t	i;

	for (i = 0; i < fp->n; i++)
		free(fp->v[i].name);
	free(fp->v);
	fp->v = NULL;
	fp->n = 0;
}

/* parse_line - "name size sec.nsec sha" */
static int
parse_line(struct fprint *fp, char *line, struct buf *name)
{
	char	*f[4], *end;
	long long size, sec, nsec;
	struct timespec ts;
	int	n = 0;

	for (f[0] = strtok(line, " "); f[n] && n < 3;)
		f[++n] = strtok(NULL, " ");
	if (n != 3 || f[3] == NULL || strtok(NULL, " ") != NULL)
		return -1;
	buf_reset(name);
	if (pct_decode(name, f[0]) < 0)
		return -1;
	errno = 0;
	size = strtoll(f[1], &end, 10);
	if (errno || *end || size < 0)
		return -1;
	sec = strtoll(f[2], &end, 10);
	if (errno || *end != '.')
		return -1;
	nsec = strtoll(end + 1, &end, 10);
	if (errno || *end || nsec < 0 || nsec > 999999999)
		return -1;
	if (strlen(f[3]) != SHA256_HEX - 1 || strspn(f[3],
	    "0123456789abcdef") != SHA256_HEX - 1)
		return -1;
	ts.tv_sec = (time_t)sec;
	ts.tv_nsec = (long)nsec;
	return fprint_set(fp, BUF_STR(name), (off_t)size, &ts, f[3]);
}

/* fprint_load - a period's record: 1, 0 none, -1 error */
int
fprint_load(const char *statedir, const char *id, int year, int month,
    struct fprint *fp, struct buf *err)
{
	char	path[4096], rec[64], *line = NULL;
	struct buf name = BUF_INIT;
	size_t	cap = 0;
	ssize_t	len;
	int	lineno = 0, rc = 1;
	FILE	*f;

	memset(fp, 0, sizeof(*fp));
	record_name(rec, sizeof(rec), id, year, month);
	snprintf(path, sizeof(path), "%s/sent/%s", statedir, rec);
	if ((f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT)
			return 0;
		buf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (parse_line(fp, line, &name) < 0) {
			buf_printf(err, "%s:%d: not a berat record", path,
			    lineno);
			rc = -1;
			break;
		}
	}
	if (rc == 1 && ferror(f)) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	fclose(f);
	free(line);
	buf_free(&name);
	if (rc < 0)
		fprint_free(fp);
	return rc;
}

/* fprint_save - replace a period's record */
int
fprint_save(const char *statedir, const char *id, int year, int month,
    const struct fprint *fp, struct buf *err)
{
	char	dir[4096], rec[64];
	struct buf out = BUF_INIT;
	size_t	i;
	int	rc;

	snprintf(dir, sizeof(dir), "%s/sent", statedir);
	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		buf_printf(err, "%s: %s", dir, strerror(errno));
		return -1;
	}
	record_name(rec, sizeof(rec), id, year, month);
	for (i = 0; i < fp->n; i++) {
		pct_encode(&out, fp->v[i].name);
		buf_printf(&out, " %lld %lld.%09ld %s\n",
		    (long long)fp->v[i].size, (long long)fp->v[i].mtime.tv_sec,
		    fp->v[i].mtime.tv_nsec, fp->v[i].sha);
	}
	if (fp->n && out.data == NULL) {
		buf_printf(err, "%s/%s: out of memory", dir, rec);
		return -1;
	}
	rc = state_write_file(dir, rec, out.data ? out.data : "", out.len,
	    err);
	buf_free(&out);
	return rc;
}

/* sha256_fd - the whole file's SHA-256 in hex */
int
sha256_fd(int fd, char out[SHA256_HEX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char block[65536], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	EVP_MD_CTX *ctx;
	off_t	off = 0;
	ssize_t	n;
	int	rc = -1, e = 0;

	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	for (;;) {
		watchdog_tick();
		if ((n = pread(fd, block, sizeof(block), off)) < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			goto out;
		}
		if (n == 0)
			break;
		if (EVP_DigestUpdate(ctx, block, (size_t)n) != 1)
			goto out;
		off += n;
	}
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32)
		goto out;
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * mdlen] = '\0';
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	if (rc < 0)
		errno = e ? e : EIO;
	return rc;
}
