/*
 * journal - send intents and failures; see journal.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "journal.h"
#include "state.h"

static void
path_of(char *out, size_t len, const char *statedir, const char *sub,
    const char *id, int year, int month)
{
	snprintf(out, len, "%s/%s/%s_%04d-%02d", statedir, sub, id, year,
	    month);
}

/* read_all - a small file into b; 0 absent, 1 read, -1 error */
static int
read_all(const char *path, struct buf *b, struct buf *err)
{
	char	chunk[4096];
	ssize_t	n;
	int	fd;

	buf_reset(b);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		buf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 && b->len < 1 << 20)
		buf_add(b, chunk, (size_t)n);
	close(fd);
	if (n < 0) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (b->data == NULL)
		buf_adds(b, "");
	return 1;
}

/* intent_load - the open intent of a period, if any */
int
intent_load(const char *statedir, const char *id, int year, int month,
    struct intent *in, struct buf *err)
{
	struct buf b = BUF_INIT;
	char	path[4096], *line, *save = NULL;
	int	rc;

	memset(in, 0, sizeof(*in));
	path_of(path, sizeof(path), statedir, "intent", id, year, month);
	if ((rc = read_all(path, &b, err)) <= 0) {
		buf_free(&b);
		return rc;
	}
	snprintf(in->id, sizeof(in->id), "%s", id);
	in->year = year;
	in->month = month;
	for (line = strtok_r(b.data, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "msgid ", 6) == 0)
			in->msgid = strdup(line + 6);
		else if (strcmp(line, "state handed") == 0)
			in->handed = 1;
		else if (strncmp(line, "created ", 8) == 0)
			in->created = (time_t)strtoll(line + 8, NULL, 10);
		else if (strncmp(line, "rcpt ", 5) == 0) {
			char **v = realloc(in->rcpt, (in->nrcpt + 1) *
			    sizeof(*v));
			if (v == NULL)
				break;
			in->rcpt = v;
			if ((v[in->nrcpt] = strdup(line + 5)) != NULL)
				in->nrcpt++;
		}
	}
	buf_free(&b);
	if (in->msgid == NULL || *in->msgid != '<') {
		buf_printf(err, "%s: damaged intent (no Message-ID)", path);
		intent_free(in);
		return -1;
	}
	return 1;
}

/* intent_save - durable before the message goes out */
int
intent_save(const char *statedir, const struct intent *in, struct buf *err)
{
	struct buf b = BUF_INIT;
	char	dir[4096], name[64];
	size_t	i;
	int	rc;

	buf_printf(&b, "msgid %s\nstate %s\ncreated %lld\n", in->msgid,
	    in->handed ? "handed" : "pending", (long long)in->created);
	for (i = 0; i < in->nrcpt; i++)
		buf_printf(&b, "rcpt %s\n", in->rcpt[i]);
	snprintf(dir, sizeof(dir), "%s/intent", statedir);
	snprintf(name, sizeof(name), "%s_%04d-%02d", in->id, in->year,
	    in->month);
	rc = b.data ? state_write_file(dir, name, b.data, b.len, err) : -1;
	buf_free(&b);
	return rc;
}

/* intent_close - the outcome is known */
int
intent_close(const char *statedir, const char *id, int year, int month,
    struct buf *err)
{
	char	path[4096], dir[4096];
	int	dfd;

	path_of(path, sizeof(path), statedir, "intent", id, year, month);
	if (unlink(path) < 0 && errno != ENOENT) {
		buf_printf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s/intent", statedir);
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
}

void
intent_free(struct intent *in)
{
	size_t	i;

	free(in->msgid);
	for (i = 0; i < in->nrcpt; i++)
		free(in->rcpt[i]);
	free(in->rcpt);
	memset(in, 0, sizeof(*in));
}

int
intent_has_rcpt(const struct intent *in, const char *addr)
{
	size_t	i;

	for (i = 0; i < in->nrcpt; i++)
		if (strcmp(in->rcpt[i], addr) == 0)
			return 1;
	return 0;
}

/* failed_load - a kept permanent refusal */
int
failed_load(const char *statedir, const char *id, int year, int month,
    uint64_t *fp, struct buf *text, struct buf *err)
{
	struct buf b = BUF_INIT;
	char	path[4096], *nl;
	int	rc;

	path_of(path, sizeof(path), statedir, "failed", id, year, month);
	if ((rc = read_all(path, &b, err)) <= 0) {
		buf_free(&b);
		return rc;
	}
	*fp = strtoull(b.data, &nl, 16);
	if (*nl == '\n')
		nl++;
	buf_set(text, nl, strcspn(nl, "\n"));
	buf_free(&b);
	return 1;
}

int
failed_save(const char *statedir, const char *id, int year, int month,
    uint64_t fp, const char *text, struct buf *err)
{
	struct buf b = BUF_INIT;
	char	dir[4096], name[64];
	int	rc;

	buf_printf(&b, "%016" PRIx64 "\n%s\n", fp, text);
	snprintf(dir, sizeof(dir), "%s/failed", statedir);
	snprintf(name, sizeof(name), "%s_%04d-%02d", id, year, month);
	rc = b.data ? state_write_file(dir, name, b.data, b.len, err) : -1;
	buf_free(&b);
	return rc;
}

int
failed_clear(const char *statedir, const char *id, int year, int month)
{
	char	path[4096];

	path_of(path, sizeof(path), statedir, "failed", id, year, month);
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}
