/*
 * test_conf - the configuration file: defaults, values, errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "addr.h"
#include "check.h"
#include "cidr.h"
#include "conf.h"
#include "log.h"

static char dir[] = "/tmp/edefter-conf.XXXXXX";
static char path[256];

/* load - write text to the file, load it for prog */
static int
load(const char *text, unsigned prog, struct conf *cf, struct buf *err)
{
	FILE	*fp = fopen(path, "w");

	fputs(text, fp);
	fclose(fp);
	buf_reset(err);
	return conf_load(cf, path, 1, prog, err);
}

static void
test_defaults(void)
{
	struct conf cf;
	struct buf err = BUF_INIT;
	int	rc;

	rc = conf_load(&cf, "/nonexistent/edefter.conf", 0, CONF_MILTER, &err);
	CHECK(rc == 0, "missing default file means defaults (milter)");
	CHECK_STR(cf.ledger_path, "/var/lib/edefter/ledger", "LedgerPath");
	CHECK_STR(cf.socket, "local:/var/spool/postfix/edefter/milter.sock",
	    "Socket");
	CHECK(cf.on_ledger_error == CONF_TEMPFAIL, "OnLedgerError tempfail");
	CHECK(cf.inspect_attachments == 1, "InspectAttachments yes");
	CHECK(cf.trusted_clients.n == 2 &&
	    !strcmp(cf.trusted_clients.v[0], "127.0.0.0/8") &&
	    !strcmp(cf.trusted_clients.v[1], "::1"), "TrustedClients");
	CHECK(cf.settle_seconds == 60 && cf.scan_interval == 300 &&
	    cf.max_message_size == 10 * 1024 * 1024, "durations and sizes");
	CHECK(cf.require_gib_approval == 1 && cf.attach == CONF_ATTACH_FOLDER,
	    "scanner defaults");
	conf_free(&cf);

	rc = conf_load(&cf, "/nonexistent/edefter.conf", 1, CONF_MILTER, &err);
	CHECK(rc == EX_CONFIG && strstr(BUF_STR(&err), "/nonexistent/"
	    "edefter.conf: cannot open"), "missing -c file is an error: %s",
	    BUF_STR(&err));
	conf_free(&cf);
	buf_reset(&err);
	rc = conf_load(&cf, "/nonexistent/edefter.conf", 0, CONF_SCAN, &err);
	CHECK(rc == EX_CONFIG && strstr(BUF_STR(&err), "ShareRoot"),
	    "scanner without ShareRoot: %s", BUF_STR(&err));
	conf_free(&cf);
	buf_free(&err);
}

static void
test_values(void)
{
	struct conf cf;
	struct buf err = BUF_INIT;
	int	rc;

	rc = load("# comment\n"
	    "  ledgerpath   /srv/ledger   # trailing comment\n"
	    "SOCKET inet:8891@127.0.0.1\r\n"
	    "OnLedgerError ACCEPT\n"
	    "InspectAttachments no\n"
	    "TrustedClients 10.0.0.0/8, 192.168.1.5 ::1,fd00::/8\n"
	    "ShareRoot /mnt/edefter\n"
	    "ShareType fuse.rclone cifs\n"
	    "From \"Mali M\xc3\xbc\xc5\x9f" "avirlik\" <edefter@ofis.example>\n"
	    "Submit sendmail:/usr/sbin/sendmail -t -i\n"
	    "SettleSeconds 2m\n"
	    "MaxMessageSize 25M\n"
	    "RequireGibApproval false\n"
	    "Attach berats\n"
	    "ScanInterval 1h\n"
	    "SyslogFacility local3\n"
	    "\n", CONF_ALL, &cf, &err);
	CHECK(rc == 0, "a full file loads: %s", BUF_STR(&err));
	CHECK_STR(cf.ledger_path, "/srv/ledger", "case-insensitive key, "
	    "comment stripped");
	CHECK_STR(cf.socket, "inet:8891@127.0.0.1", "CRLF line");
	CHECK(cf.on_ledger_error == CONF_ACCEPT, "enum is case-insensitive");
	CHECK(cf.inspect_attachments == 0 && cf.require_gib_approval == 0,
	    "booleans");
	CHECK(cf.trusted_clients.n == 4, "list with commas and spaces");
	CHECK(cf.share_type.n == 2 && !strcmp(cf.share_type.v[0],
	    "fuse.rclone"), "ShareType list");
	CHECK(cf.settle_seconds == 120 && cf.scan_interval == 3600,
	    "durations with units");
	CHECK(cf.max_message_size == 25LL << 20, "size with unit");
	CHECK(cf.attach == CONF_ATTACH_BERATS, "Attach berats");
	CHECK_STR(cf.submit, "sendmail:/usr/sbin/sendmail -t -i",
	    "value with spaces");
	conf_free(&cf);
	buf_free(&err);
}

static void
test_errors(void)
{
	static const struct {
		const char	*text;
		const char	*want;
	} bad[] = {
		{ "LedgerPath /x\nFrobnicate yes\n", ":2: unknown key 'Frobnicate'" },
		{ "MaxMessageSize 10Q\n", ":1: key 'MaxMessageSize': bad size '10Q'" },
		{ "MaxMessageSize 1\n", "out of range" },
		{ "SettleSeconds soon\n", "bad duration 'soon'" },
		{ "InspectAttachments maybe\n", "bad boolean 'maybe'" },
		{ "OnLedgerError ignore\n", "expected tempfail or accept" },
		{ "Socket /tmp/x\n", "key 'Socket'" },
		{ "Socket inet:99999@127.0.0.1\n", "expected inet:PORT@HOST" },
		{ "TrustedClients 10.0.0.0/33\n", "'10.0.0.0/33'" },
		{ "TrustedClients 10.0.0.1/8\n", "'10.0.0.1/8'" },
		{ "LedgerPath relative/dir\n", "absolute path" },
		{ "LedgerPath /a\nledgerpath /b\n", "given twice (first at line 1)" },
		{ "LedgerPath\n", "has no value" },
		{ "SyslogFacility kern2\n", "unknown syslog facility" },
		{ "UserID root;rm\n", "expected user or user:group" },
	};
	struct conf cf;
	struct buf err = BUF_INIT;
	size_t	i;
	int	rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc = load(bad[i].text, CONF_ALL, &cf, &err);
		CHECK(rc == EX_CONFIG && strstr(BUF_STR(&err), bad[i].want) &&
		    strstr(BUF_STR(&err), path), "error '%s' -> %s", bad[i].want,
		    BUF_STR(&err));
		conf_free(&cf);
	}
	rc = load("ShareRoot /mnt\nFrom not an address\n", CONF_SCAN, &cf,
	    &err);
	CHECK(rc == EX_CONFIG && strstr(BUF_STR(&err), ":2: key 'From'"),
	    "bad From for the scanner: %s", BUF_STR(&err));
	conf_free(&cf);
	rc = load("ShareRoot /mnt\nFrom a@b.example\nSubmit ftp://x\n",
	    CONF_SCAN, &cf, &err);
	CHECK(rc == EX_CONFIG && strstr(BUF_STR(&err), "key 'Submit'"),
	    "bad Submit: %s", BUF_STR(&err));
	conf_free(&cf);
	rc = load("ShareRoot /mnt\n", CONF_SCAN, &cf, &err);
	CHECK(rc == EX_CONFIG && strstr(BUF_STR(&err), "required key 'From'"),
	    "missing required key: %s", BUF_STR(&err));
	conf_free(&cf);
	/* a value for another program is not the milter's concern */
	rc = load("From not an address\nSettleSeconds 5s\n", CONF_MILTER, &cf,
	    &err);
	CHECK(rc == 0, "milter ignores the scanner's values: %s",
	    BUF_STR(&err));
	conf_free(&cf);
	rc = load("From not an address\nBogus 1\n", CONF_MILTER, &cf, &err);
	CHECK(rc == EX_CONFIG && strstr(BUF_STR(&err), "unknown key 'Bogus'"),
	    "but unknown keys are errors for every program");
	conf_free(&cf);
	buf_free(&err);
}

static void
test_units(void)
{
	long long v;
	int	b;

	CHECK(conf_parse_size("512", &v) == 0 && v == 512, "bare size");
	CHECK(conf_parse_size("64k", &v) == 0 && v == 65536, "64k");
	CHECK(conf_parse_size("2G", &v) == 0 && v == 2LL << 30, "2G");
	CHECK(conf_parse_size("-1", &v) < 0, "negative size");
	CHECK(conf_parse_size("1.5M", &v) < 0, "fractional size");
	CHECK(conf_parse_size("99999999999999999999", &v) < 0, "overflow");
	CHECK(conf_parse_size("9000000000G", &v) < 0, "unit overflow");
	CHECK(conf_parse_duration("90", &v) == 0 && v == 90, "bare duration");
	CHECK(conf_parse_duration("1d", &v) == 0 && v == 86400, "1d");
	CHECK(conf_parse_duration("5ms", &v) < 0, "two-letter unit");
	CHECK(conf_parse_bool("TRUE", &b) == 0 && b == 1 &&
	    conf_parse_bool("0", &b) == 0 && b == 0 &&
	    conf_parse_bool("", &b) < 0, "booleans");
}

static void
test_cidr_addr(void)
{
	struct cidr c;
	struct buf name = BUF_INIT, addr = BUF_INIT;

	CHECK(cidr_parse("127.0.0.0/8", &c) == 0 && cidr_match(&c,
	    "127.1.2.3") && !cidr_match(&c, "128.0.0.1"), "IPv4 range");
	CHECK(cidr_parse("::1", &c) == 0 && cidr_match(&c, "::1") &&
	    cidr_match(&c, "IPv6:::1") && !cidr_match(&c, "::2"), "IPv6 host");
	CHECK(cidr_parse("10.0.0.0/8", &c) == 0 && cidr_match(&c,
	    "::ffff:10.1.1.1"), "IPv4-mapped IPv6");
	CHECK(cidr_parse("fd00::/8", &c) == 0 && cidr_match(&c, "fd12::1") &&
	    !cidr_match(&c, "fe80::1"), "IPv6 range");
	CHECK(cidr_parse("0.0.0.0/0", &c) == 0 && cidr_match(&c, "8.8.8.8"),
	    "everything");
	CHECK(!cidr_match(&c, "not-an-address") && !cidr_match(&c, NULL),
	    "junk never matches");
	CHECK(addr_valid("a@b.example", 11) == 0, "plain address");
	CHECK(addr_valid("a@b.example\r\nBcc: x@y", 21) < 0, "CRLF injection");
	CHECK(addr_valid("a b@c", 5) < 0 && addr_valid("a@b@c", 5) < 0 &&
	    addr_valid("@b", 2) < 0 && addr_valid("a@", 2) < 0 &&
	    addr_valid("<a@b>", 5) < 0 && addr_valid("a..b@c", 6) < 0,
	    "malformed addresses");
	CHECK(addr_parse_mailbox("\"B\xc3\xbcro\" <x@y.example>", &name,
	    &addr) == 0 && !strcmp(name.data, "B\xc3\xbcro") &&
	    !strcmp(addr.data, "x@y.example"), "Name <addr>");
	CHECK(addr_parse_mailbox(" x@y.example ", &name, &addr) == 0 &&
	    name.len == 0 && !strcmp(addr.data, "x@y.example"), "bare addr");
	CHECK(addr_parse_mailbox("A <x@y.example> trailing", &name, &addr) < 0,
	    "junk after >");
	buf_free(&name);
	buf_free(&addr);
}

static void
test_adopt_keys(void)
{
	struct conf cf;
	struct buf err = BUF_INIT;
	size_t	i;
	int	found = 0;

	CHECK(load("ShareRoot /srv\nFrom a@b.example\n", CONF_SCAN, &cf,
	    &err) == 0, "defaults of the adoption keys");
	CHECK(cf.send_from == 0, "SendFrom unset");
	CHECK(cf.exclude_dirs.n == 14, "ExcludeDirs: 14 default globs (%zu)",
	    cf.exclude_dirs.n);
	for (i = 0; i < cf.exclude_dirs.n; i++)
		if (!strcmp(cf.exclude_dirs.v[i], "Geri Dönüşüm*"))
			found = 1;
	CHECK(found, "a glob with a space stays one glob");
	CHECK(cf.exclude_files.n == 8 && !strcmp(cf.exclude_files.v[0],
	    "BERATLAR.ZIP"), "ExcludeFiles defaults");
	conf_free(&cf);
	CHECK(load("ShareRoot /srv\nFrom a@b.example\nSendFrom 2025-03\n"
	    "ExcludeDirs  Eski Yıllar ,yedek*,,\nExcludeFiles none\n",
	    CONF_SCAN, &cf, &err) == 0, "SendFrom, ExcludeDirs, none");
	CHECK(cf.send_from == 2025 * 12 + 2, "SendFrom 2025-03");
	CHECK(cf.exclude_dirs.n == 2 && !strcmp(cf.exclude_dirs.v[0],
	    "Eski Yıllar") && !strcmp(cf.exclude_dirs.v[1], "yedek*"),
	    "comma list trimmed, empty items dropped");
	CHECK(cf.exclude_files.n == 0, "ExcludeFiles none");
	conf_free(&cf);
	CHECK(load("ShareRoot /srv\nFrom a@b.example\nSendFrom 2025-13\n",
	    CONF_SCAN, &cf, &err) == 78 && strstr(BUF_STR(&err), ":3:") &&
	    strstr(BUF_STR(&err), "SendFrom"), "SendFrom 2025-13: file:line");
	conf_free(&cf);
	CHECK(load("ShareRoot /srv\nFrom a@b.example\nSendFrom 2025\n",
	    CONF_SCAN, &cf, &err) == 78, "SendFrom 2025 refused");
	conf_free(&cf);
	CHECK(load("SendFrom 2025-01\n", CONF_MILTER, &cf, &err) == 0,
	    "the milter ignores the scanner's SendFrom");
	conf_free(&cf);
	CHECK(load("ShareRoot /srv\nFrom a@b.example\nBounceAddress "
	    "edefter-dsn@ofis.example\nNotify muhasebe@ofis.example, "
	    "mudur@ofis.example\nDigestHour 8\nDeadlines /etc/edefter/d\n"
	    "LedgerURL postgresql:///edefter?host=/run/postgresql\n",
	    CONF_SCAN, &cf, &err) == 0, "the delivery, digest and "
	    "PostgreSQL keys");
	CHECK(cf.bounce_address && cf.notify.n == 2 && cf.digest_hour == 8 &&
	    cf.deadlines && !strcmp(conf_ledger(&cf),
	    "postgresql:///edefter?host=/run/postgresql"), "their values");
	conf_free(&cf);
	CHECK(load("ShareRoot /srv\nFrom a@b.example\n", CONF_SCAN, &cf,
	    &err) == 0 && cf.digest_hour == 7 && cf.bounce_address == NULL &&
	    !strcmp(conf_ledger(&cf), "/var/lib/edefter/ledger"),
	    "defaults: DigestHour 7, LedgerPath");
	conf_free(&cf);
	CHECK(load("BounceAddress bounce+x@ofis.example\n", CONF_DSN, &cf,
	    &err) == 78 && strstr(BUF_STR(&err), "'+'"), "a '+' in "
	    "BounceAddress");
	conf_free(&cf);
	{
		char out[4096] = "";
		FILE *fp = fmemopen(out, sizeof(out) - 1, "w");

		CHECK(load("ShareRoot /srv\nFrom a@b.example\nLedgerURL "
		    "postgresql://ed:s3cret@db/e?password=x2&a=b\nSubmit "
		    "smtp://u:pw9@127.0.0.1:25\n", CONF_SCAN, &cf, &err) == 0,
		    "URLs with passwords");
		conf_print(&cf, CONF_SCAN, fp);
		fclose(fp);
		CHECK(!strstr(out, "s3cret") && !strstr(out, "x2") &&
		    !strstr(out, "pw9") && strstr(out,
		    "postgresql://ed:****@db/e?password=****&a=b"),
		    "-n stars out the passwords of URLs");
		conf_free(&cf);
	}
	{
		char out[4096] = "";
		FILE *fp = fmemopen(out, sizeof(out) - 1, "w");

		CHECK(load("LedgerURL postgresql://h:password=x/y&z@w/db\n",
		    CONF_MILTER, &cf, &err) == 0, "a password= in the host part");
		conf_print(&cf, CONF_MILTER, fp);
		fclose(fp);
		CHECK(strstr(out, "postgresql://h:****@w/db\n") != NULL,
		    "-n judges the user part after starring password= values");
		conf_free(&cf);
	}
	CHECK(load("DigestHour 24\n", CONF_SCAN, &cf, &err) == 78,
	    "DigestHour 24 refused");
	conf_free(&cf);
	CHECK(load("LedgerURL mysql://x\n", CONF_MILTER, &cf, &err) == 78,
	    "LedgerURL must be postgresql://");
	conf_free(&cf);
	CHECK(load("Notify not-an-address\n", CONF_SCAN, &cf, &err) == 78,
	    "Notify must be addresses");
	conf_free(&cf);
	buf_free(&err);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(path, sizeof(path), "%s/edefter.conf", dir);
	log_open("test_conf", 0, 0);
	test_defaults();
	test_values();
	test_errors();
	test_units();
	test_cidr_addr();
	test_adopt_keys();
	unlink(path);
	rmdir(dir);
	return check_done();
}
