/*
 * test_period - grouping, completeness, folder choice, attachments,
 * stability: the scanner's decisions from names, without a file system.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "period.h"
#include "scan.h"
#include "state.h"

static struct scan s;

static void
reset(void)
{
	s.rootfd = -1;
	scan_free(&s);
}

/* dir - a directory with its files, in the walk's order */
static void
dir(const char *path, const char *const *names)
{
	size_t	n = 0, i;

	while (names[n])
		n++;
	s.dirs = realloc(s.dirs, (s.ndirs + 1) * sizeof(*s.dirs));
	s.files = realloc(s.files, (s.nfiles + n) * sizeof(*s.files));
	s.dirs[s.ndirs].path = strdup(path);
	s.dirs[s.ndirs].first = s.nfiles;
	s.dirs[s.ndirs].n = n;
	for (i = 0; i < n; i++) {
		struct sfile *f = &s.files[s.nfiles++];
		memset(f, 0, sizeof(*f));
		f->name = strdup(names[i]);
		f->dir = s.ndirs;
		f->edf = edf_parse_name(names[i], strlen(names[i]), &f->en);
	}
	s.ndirs++;
}

static struct speriod *
find(const char *id, int y, int m)
{
	size_t	i;

	for (i = 0; i < s.nperiods; i++)
		if (!strcmp(s.periods[i].id, id) && s.periods[i].year == y &&
		    s.periods[i].month == m)
			return &s.periods[i];
	return NULL;
}

static const char *
reason(const struct speriod *p)
{
	return p && p->reason.data ? p->reason.data : "";
}

static void
test_completeness(void)
{
	static const char *const full[] = { "1234567890-202510-Y-000000.zip",
	    "1234567890-202510-K-000000.zip", "GIB-1234567890-202510-YB-000000.zip",
	    "GIB-1234567890-202510-KB-000000.zip", NULL };
	static const char *const only_kb[] = {
	    "GIB-1234567890-202511-KB-000000.zip", NULL };
	static const char *const own[] = { "1234567890-202512-YB-000000.zip",
	    "1234567890-202512-KB-000000.zip", "1234567890-202512-Y-000000.xml",
	    NULL };
	static const char *const books[] = { "1234567890-202509-Y-000000.xml",
	    "1234567890-202509-K-000000.xml", NULL };
	static const char *const split[] = { "4540536920-202503-Y-000001.zip",
	    "4540536920-202503-Y-000002.zip", "GIB-4540536920-202503-YB-000001.zip",
	    "GIB-4540536920-202503-KB-000001.zip", "GIB-4540536920-202503-YB-000002.zip",
	    "4540536920-202503-DR-000000.xml", NULL };
	static const char *const branch[] = {
	    "GIB-1234567808-202501-YB-000000.zip", "GIB-1234567808-202501-KB-000000.zip",
	    "GIB-1234567808-202501-YB-000000-0001.zip",
	    "GIB-1234567808-202501-KB-000000-0001.xml",
	    "GIB-1234567808-202501-KB-000000-0001.zip", NULL };
	static const char *const both[] = { "GIB-10000000146-202512-YB-000000.xml",
	    "GIB-10000000146-202512-YB-000000.zip", "GIB-10000000146-202512-KB-000000.zip",
	    "gib-10000000146-202512-kb-000000.XML", NULL };
	static const char *const bad[] = { "9876543210-202510-KB-000000.zip",
	    "1234567890-202513-KB-000000.zip", "BERATLAR.ZIP", "berat.xslt", NULL };
	struct invalid *inv;
	size_t	ninv;
	struct speriod *p;

	reset();
	dir("A/10", full);
	dir("A/11", only_kb);
	dir("A/12", own);
	dir("A/09", books);
	dir("B/03", split);
	dir("C/01", branch);
	dir("D/12", both);
	dir("X", bad);
	CHECK(periods_group(&s, 1, &inv, &ninv) == 0, "group");
	CHECK(s.nperiods == 7, "seven periods (%zu)", s.nperiods);
	p = find("1234567890", 2025, 10);
	CHECK(p && p->state == P_COMPLETE && p->nfiles == 4, "Y, K and GIB "
	    "berats: complete");
	p = find("1234567890", 2025, 11);
	CHECK(p && p->state == P_INCOMPLETE && strstr(reason(p),
	    "missing=GIB-YB-000000") && !strstr(reason(p), "KB"),
	    "only the ledger berat: incomplete, YB missing (%s)", reason(p));
	p = find("1234567890", 2025, 12);
	CHECK(p && p->state == P_INCOMPLETE && strstr(reason(p),
	    "GIB-YB-000000,GIB-KB-000000"), "own berats only: incomplete "
	    "while GIB approval is required (%s)", reason(p));
	p = find("1234567890", 2025, 9);
	CHECK(p && p->state == P_MISSING, "books without berats: missing");
	p = find("4540536920", 2025, 3);
	CHECK(p && p->state == P_INCOMPLETE && strstr(reason(p),
	    "GIB-KB-000002") && !strstr(reason(p), "000000"),
	    "split books: part 2 lacks its KB; DR names no part (%s)",
	    reason(p));
	p = find("1234567808", 2025, 1);
	CHECK(p && p->state == P_COMPLETE, "branch books each with berats");
	p = find("10000000146", 2025, 12);
	CHECK(p && p->state == P_COMPLETE, "xml and zip of one document, any "
	    "case");
	CHECK(ninv == 2, "a bad checksum and a bad month are invalid (%zu)",
	    ninv);
	free(inv);

	reset();
	dir("A/12", own);
	CHECK(periods_group(&s, 0, &inv, &ninv) == 0 &&
	    find("1234567890", 2025, 12)->state == P_COMPLETE,
	    "RequireGibApproval no: the office's own berats count");
	free(inv);
}

static void
test_folders(void)
{
	static const char *const part[] = { "GIB-1234567890-202510-KB-000000.zip",
	    NULL };
	static const char *const full[] = { "GIB-1234567890-202510-YB-000000.zip",
	    "GIB-1234567890-202510-KB-000000.zip", "notes.txt", NULL };
	static const char *const mixed[] = { "GIB-4540536920-202510-YB-000000.zip",
	    "GIB-4540536920-202510-KB-000000.zip", "GIB-4540536920-202511-KB-000000.zip",
	    "readme.txt", "4540536920-202510-DR-000000.xml", NULL };
	static const char *const junk[] = { "GIB-1234567808-202510-YB-000000.zip",
	    "GIB-1234567808-202510-KB-000000.zip", "Thumbs.db", "desktop.ini",
	    "~$defter.xlsx", ".DS_Store", "a.tmp", "b.part", "bad\nname.txt",
	    "Açıklama.txt", "\xff\xfe.txt", NULL };
	struct invalid *inv;
	struct speriod *p;
	size_t	ninv, *att, natt, skipped, i;

	reset();
	dir("A/first", part);
	dir("A/second", full);
	dir("M", mixed);
	dir("J", junk);
	periods_group(&s, 1, &inv, &ninv);
	free(inv);
	p = find("1234567890", 2025, 10);
	CHECK(p && p->state == P_COMPLETE && !strcmp(s.dirs[p->folder].path,
	    "A/second") && p->nothers == 1, "the complete folder wins over "
	    "the first path");
	CHECK(period_attachments(&s, p, 0, &att, &natt, &skipped) == 0 &&
	    natt == 3, "a folder of one period: the whole folder (%zu)", natt);
	free(att);
	p = find("4540536920", 2025, 10);
	CHECK(period_attachments(&s, p, 0, &att, &natt, &skipped) == 0 &&
	    natt == 3, "a folder of two periods: that period's files only "
	    "(%zu)", natt);
	for (i = 0; i < natt; i++)
		CHECK(period_of(&s.files[att[i]], p), "  %s is the period's",
		    s.files[att[i]].name);
	free(att);
	CHECK(period_attachments(&s, p, 1, &att, &natt, &skipped) == 0 &&
	    natt == 3, "berats only: YB, KB, DR (%zu)", natt);
	free(att);
	p = find("1234567808", 2025, 10);
	CHECK(period_attachments(&s, p, 0, &att, &natt, &skipped) == 0 &&
	    natt == 3 && skipped == 8, "junk never attached (%zu attached, "
	    "%zu skipped)", natt, skipped);
	for (i = 0; i < natt; i++)
		CHECK(attachable_name(s.files[att[i]].name), "  %s",
		    s.files[att[i]].name);
	free(att);
	reset();
}

static void
test_stability(void)
{
	char	dirname[] = "/tmp/edefter-period.XXXXXX", cmd[128];
	struct timespec t1 = { 1000, 5 }, t2 = { 1000, 6 };
	struct seen *sn;
	struct buf err = BUF_INIT;
	time_t	since;

	if (mkdtemp(dirname) == NULL)
		return;
	CHECK(seen_load(dirname, &sn, &err) == 0, "no seen file: empty");
	CHECK(seen_note(sn, "A/x.zip", 10, &t1, 5000, 60, &since) == 0 &&
	    since == 5000, "first sight is not stable");
	CHECK(seen_note(sn, "A/new\nline %.zip", 3, &t1, 5000, 0, &since) == 1,
	    "SettleSeconds 0: stable at once");
	CHECK(seen_save(sn, dirname, &err) == 0, "saved");
	seen_free(sn);
	CHECK(seen_load(dirname, &sn, &err) == 0, "reloaded");
	CHECK(seen_note(sn, "A/x.zip", 10, &t1, 5030, 60, &since) == 0 &&
	    since == 5000, "unchanged for 30s of 60: not yet");
	CHECK(seen_note(sn, "A/new\nline %.zip", 3, &t1, 5030, 60, &since) ==
	    0 && since == 5000, "an odd name survives the state file");
	CHECK(seen_save(sn, dirname, &err) == 0, "saved again");
	seen_free(sn);
	seen_load(dirname, &sn, &err);
	CHECK(seen_note(sn, "A/x.zip", 10, &t1, 5060, 60, &since) == 0,
	    "unchanged for 60 whole seconds: maybe less, not yet");
	CHECK(seen_note(sn, "A/x.zip", 10, &t1, 5061, 60, &since) == 1,
	    "unchanged for 61s: stable");
	CHECK(seen_note(sn, "A/x.zip", 11, &t1, 5061, 60, &since) == 0 &&
	    since == 5061, "grown: settles again");
	CHECK(seen_note(sn, "A/x.zip", 10, &t2, 5061, 60, &since) == 0,
	    "same size, new mtime (a copy keeping the old time): settles again");
	seen_free(sn);
	buf_free(&err);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dirname);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dirname);
}

int
main(void)
{
	test_completeness();
	test_folders();
	test_stability();
	reset();
	return check_done();
}
