/*
 * test_state - what the scanner keeps in StateDir (state.h): stability
 * across passes, zip verdicts used again only while dev, inode, size,
 * mtime and ctime are all unchanged and only when the ctime was old
 * enough when the zip was read, nothing kept off the trusted device,
 * unvisited entries kept (keyed) or dropped (unkeyed), the old `seen'
 * file read, torn or damaged files taken as empty, no write when
 * nothing changed; directory listings found only under the same key
 * and configuration, odd names intact.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "state.h"

static char dir[] = "/tmp/test_state.XXXXXX";

static time_t NOW;		/* the test's start: a pass that looks at
				 * nothing takes the clock for today */

/* st_of - a stat of a file on device 7 */
static struct stat
st_of(ino_t ino, off_t size, time_t mtime, time_t ctime)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_dev = 7;
	st.st_ino = ino;
	st.st_size = size;
	st.st_mtim.tv_sec = mtime;
	st.st_mtim.tv_nsec = 100;
	st.st_ctim.tv_sec = ctime;
	st.st_ctim.tv_nsec = 200;
	st.st_mode = S_IFREG | 0644;
	return st;
}

static struct seen *
load(void)
{
	struct buf err = BUF_INIT;
	struct seen *s = NULL;

	if (seen_load(dir, &s, &err) < 0)
		printf("# seen_load: %s\n", BUF_STR(&err));
	seen_trust(s, 7);
	buf_free(&err);
	return s;
}

static int
save(struct seen *s)
{
	struct buf err = BUF_INIT;
	int	rc = seen_save(s, dir, &err);

	if (rc < 0)
		printf("# seen_save: %s\n", BUF_STR(&err));
	buf_free(&err);
	seen_free(s);
	return rc;
}

/* mtime_of - the modification time of a file in dir, nanoseconds */
static long long
mtime_of(const char *name)
{
	char	p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (stat(p, &st) < 0)
		return -1;
	return (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}

static void
write_raw(const char *name, const char *data)
{
	char	p[256];
	FILE	*fp;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if ((fp = fopen(p, "w")) != NULL) {
		fputs(data, fp);
		fclose(fp);
	}
}

static void
test_verdicts(void)
{
	struct seen *s;
	struct stat a = st_of(11, 100, NOW - 100, NOW - 100);
	struct stat b = st_of(12, 200, NOW - 100, NOW - 1);	/* young ctime */
	struct stat c;
	time_t	since;
	long long m;

	s = load();
	CHECK(seen_note_stat(s, "A/a.zip", &a, NOW, 60, &since) == 0 &&
	    since == NOW, "first sight: not stable");
	CHECK(seen_zip(s) == -1, "no verdict yet");
	seen_set_zip(s, 1);
	CHECK(seen_zip(s) == 1, "verdict kept for an old ctime");
	CHECK(seen_note_stat(s, "A/b.zip", &b, NOW, 60, &since) == 0, "b");
	seen_set_zip(s, 1);
	CHECK(seen_zip(s) == -1, "a ctime 1 s old: the verdict is not kept");
	CHECK(save(s) == 0, "saved");

	s = load();
	CHECK(seen_note_stat(s, "A/a.zip", &a, NOW + 61, 60, &since) == 1 &&
	    since == NOW, "unchanged for 61 s: stable");
	CHECK(seen_zip(s) == 1, "unchanged: the verdict is used again");
	CHECK(seen_note_stat(s, "A/b.zip", &b, NOW + 61, 60, &since) == 1,
	    "b stable");
	CHECK(seen_zip(s) == -1, "b: still no verdict");
	seen_free(s);

	/* each part of the key, changed alone */
	c = a;
	c.st_ctim.tv_nsec++;
	s = load();
	seen_note_stat(s, "A/a.zip", &c, NOW + 61, 60, &since);
	CHECK(seen_zip(s) == -1, "ctime moved by 1 ns (rewritten keeping size "
	    "and mtime): no verdict");
	CHECK(since == NOW + 61, "and it settles again");
	seen_free(s);
	c = a;
	c.st_ino = 99;
	s = load();
	seen_note_stat(s, "A/a.zip", &c, NOW + 61, 60, &since);
	CHECK(seen_zip(s) == -1 && since == NOW + 61, "another inode (copied "
	    "over with cp -p): no verdict, settles again");
	seen_free(s);
	c = a;
	c.st_size = 101;
	s = load();
	seen_note_stat(s, "A/a.zip", &c, NOW + 61, 60, &since);
	CHECK(seen_zip(s) == -1 && since == NOW + 61, "another size");
	seen_free(s);
	c = a;
	c.st_mtim.tv_nsec = 0;
	s = load();
	seen_note_stat(s, "A/a.zip", &c, NOW + 61, 60, &since);
	CHECK(seen_zip(s) == -1 && since == NOW + 61, "another mtime");
	seen_free(s);
	c = a;
	c.st_dev = 8;
	s = load();
	seen_note_stat(s, "A/a.zip", &c, NOW + 61, 60, &since);
	CHECK(seen_zip(s) == -1, "another device (not the trusted one)");
	seen_set_zip(s, 1);
	CHECK(seen_zip(s) == -1, "nothing kept off the trusted device");
	seen_free(s);
	s = load();
	seen_note_stat(s, "A/a.zip", &a, NOW + 61, 60, &since);
	CHECK(seen_zip(s) == 1, "the unchanged file still has its verdict");
	seen_set_zip(s, 0);
	CHECK(seen_zip(s) == 0, "a verdict can change");
	seen_free(s);

	/* nothing changed: nothing written */
	s = load();
	seen_note_stat(s, "A/a.zip", &a, NOW + 61, 60, &since);
	seen_note_stat(s, "A/b.zip", &b, NOW + 61, 60, &since);
	CHECK(save(s) == 0, "saved (day changed: written)");
	m = mtime_of("verdicts");
	usleep(20000);
	s = load();
	seen_note_stat(s, "A/a.zip", &a, NOW + 62, 60, &since);
	seen_note_stat(s, "A/b.zip", &b, NOW + 62, 60, &since);
	CHECK(!seen_changed(s), "the same files, the same day: unchanged");
	CHECK(save(s) == 0 && mtime_of("verdicts") == m, "not written");

	/* a pass that looks at nothing keeps keyed entries */
	s = load();
	CHECK(!seen_changed(s), "a pass that looks at nothing changes nothing");
	CHECK(save(s) == 0, "saved");
	s = load();
	seen_note_stat(s, "A/a.zip", &a, NOW + 70, 60, &since);
	CHECK(since == NOW && seen_zip(s) == 1, "a keyed entry outlives a pass "
	    "that did not look at it");
	seen_free(s);

	/* unkeyed entries (another file system): stability only, and only
	 * from the pass before */
	s = load();
	CHECK(seen_note(s, "B/x.zip", 10, &a.st_mtim, NOW, 60, &since) == 0,
	    "unkeyed first sight");
	seen_set_zip(s, 1);
	CHECK(seen_zip(s) == -1, "unkeyed: no verdict kept");
	CHECK(save(s) == 0, "saved");
	s = load();
	CHECK(seen_note(s, "B/x.zip", 10, &a.st_mtim, NOW + 61, 60, &since) ==
	    1, "unkeyed: stable from the previous pass");
	CHECK(save(s) == 0, "saved");
	s = load();
	CHECK(seen_changed(s), "a pass that does not look at an unkeyed entry "
	    "drops it");
	CHECK(save(s) == 0, "saved");
	s = load();
	CHECK(seen_note(s, "B/x.zip", 10, &a.st_mtim, NOW + 200, 60, &since) ==
	    0 && since == NOW + 200, "dropped: settles again");
	seen_free(s);

	/* keyed entries expire */
	s = load();
	seen_note_stat(s, "C/old.zip", &a, NOW, 60, &since);
	seen_set_zip(s, 1);
	save(s);
	s = load();
	seen_note_stat(s, "C/new.zip", &a, NOW + 86400 * (STATE_KEEP_DAYS + 2),
	    60, &since);
	save(s);
	s = load();
	seen_note_stat(s, "C/old.zip", &a, NOW + 86400 * (STATE_KEEP_DAYS + 2),
	    60, &since);
	CHECK(seen_zip(s) == -1, "not looked at for %d days: forgotten",
	    STATE_KEEP_DAYS + 2);
	seen_free(s);
}

static void
test_damage(void)
{
	struct seen *s;
	struct stat a = st_of(11, 100, NOW - 100, NOW - 100);
	char	p[256];
	time_t	since;
	off_t	len;
	int	fd;

	s = load();
	seen_note_stat(s, "D/odd name\n%.zip", &a, NOW, 0, &since);
	seen_set_zip(s, 1);
	save(s);
	s = load();
	seen_note_stat(s, "D/odd name\n%.zip", &a, NOW, 60, &since);
	CHECK(seen_zip(s) == 1 && since == NOW, "an odd name survives");
	seen_free(s);

	snprintf(p, sizeof(p), "%s/verdicts", dir);
	fd = open(p, O_RDWR);
	len = lseek(fd, 0, SEEK_END);
	CHECK(fd >= 0 && ftruncate(fd, len - 3) == 0, "cut short");
	close(fd);
	s = load();
	seen_note_stat(s, "D/odd name\n%.zip", &a, NOW, 60, &since);
	CHECK(seen_zip(s) == -1, "a torn table is an empty one");
	seen_set_zip(s, 1);
	save(s);
	fd = open(p, O_RDWR);
	CHECK(fd >= 0 && pwrite(fd, "9", 1, 30) == 1, "a byte changed");
	close(fd);
	s = load();
	seen_note_stat(s, "D/odd name\n%.zip", &a, NOW, 60, &since);
	CHECK(seen_zip(s) == -1, "a damaged table is an empty one");
	seen_free(s);

	/* the old StateDir/seen */
	unlink(p);
	write_raw("seen", "10 1000.000000005 5000 A/x.zip\n");
	s = load();
	{
		struct timespec t = { 1000, 5 };

		CHECK(seen_note(s, "A/x.zip", 10, &t, 5061, 60, &since) == 1 &&
		    since == 5000, "the old seen file is read");
	}
	CHECK(save(s) == 0, "saved in the new form");
	snprintf(p, sizeof(p), "%s/seen", dir);
	CHECK(access(p, F_OK) < 0 && errno == ENOENT, "the old file is gone");
}

static void
test_dirs(void)
{
	struct buf err = BUF_INIT;
	struct dcache *d;
	struct dkey k, k2;
	struct stat st;
	const struct dlist *l;
	char	f0[] = "GIB-1234567890-202401-KB-000000.zip", f1[] = "a b%c\nd",
	    f2[] = "\xc3\x96zel.xml", s0[] = "01", s1[] = "02", e0[] = "Yedek";
	char	*files[] = { f0, f1, f2 }, *subs[] = { s0, s1 }, *excl[] = { e0 };
	struct dlist in = { files, 3, subs, 2, excl, 1, 4 };
	struct dlist none = { NULL, 0, NULL, 0, NULL, 0, 0 };

	memset(&st, 0, sizeof(st));
	st.st_dev = 7;
	st.st_ino = 42;
	st.st_mtim.tv_sec = NOW - 10;
	st.st_ctim.tv_sec = NOW - 10;
	dkey_of(&k, &st);
	CHECK(dkey_settled(&k, NOW), "10 s old times are settled");
	st.st_ctim.tv_sec = NOW - 1;
	dkey_of(&k2, &st);
	CHECK(!dkey_settled(&k2, NOW), "a 1 s old ctime is not");

	CHECK(dcache_load(dir, 1, &d, &err) == 0, "no dirs file: empty");
	CHECK(dcache_find(d, "", &k) == NULL, "nothing found");
	CHECK(dcache_put(d, "2024/Ş şirket", &k, &in) == 0 &&
	    dcache_put(d, "", &k2, &none) == 0, "two listings");
	CHECK(dcache_changed(d) && dcache_save(d, dir, &err) == 0, "saved");
	dcache_free(d);

	CHECK(dcache_load(dir, 1, &d, &err) == 0, "loaded");
	l = dcache_find(d, "2024/Ş şirket", &k);
	CHECK(l && l->nfiles == 3 && l->nsubs == 2 && l->nexcl == 1 &&
	    l->nxfiles == 4, "found under the same key");
	CHECK(l && strcmp(l->files[1], "a b%c\nd") == 0 &&
	    strcmp(l->files[2], "\xc3\x96zel.xml") == 0 &&
	    strcmp(l->subs[1], "02") == 0 && strcmp(l->excl[0], "Yedek") == 0,
	    "names intact");
	CHECK(dcache_find(d, "", &k2) != NULL, "the empty root listing");
	k2.ctime.tv_nsec++;
	CHECK(dcache_find(d, "", &k2) == NULL, "another ctime: not found");
	k2.ctime.tv_nsec--;
	k2.ino++;
	CHECK(dcache_find(d, "", &k2) == NULL, "another inode: not found");
	dcache_keep(d, l);
	CHECK(dcache_changed(d), "one listing not used: changed");
	CHECK(dcache_save(d, dir, &err) == 0, "saved");
	dcache_free(d);
	CHECK(dcache_load(dir, 1, &d, &err) == 0, "loaded");
	CHECK(dcache_find(d, "2024/Ş şirket", &k) != NULL &&
	    dcache_find(d, "", &k2) == NULL, "only what was used is kept");
	dcache_free(d);
	CHECK(dcache_load(dir, 2, &d, &err) == 0 &&
	    dcache_find(d, "2024/Ş şirket", &k) == NULL, "another "
	    "configuration: nothing");
	dcache_free(d);
	buf_free(&err);
}

int
main(void)
{
	char	cmd[128];

	NOW = time(NULL);
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		return 1;
	}
	test_verdicts();
	test_damage();
	test_dirs();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return check_done();
}
