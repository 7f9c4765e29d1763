/*
 * milter_client - drive a milter over the milter protocol (version 6)
 * without an MTA, and time its decisions.
 *
 *   milter_client -s SOCKET [-c CLIENTS] [-n MESSAGES] [-m MODE]
 *                 [-t TAG] [-P PREFILLED] [-w WARMUP]
 *
 * SOCKET is a unix socket path or inet:PORT@HOST.  Each client (a thread)
 * opens one milter connection, as Postfix does for one SMTP session, and
 * sends MESSAGES messages on it one after the other: MAIL, RCPT, DATA,
 * headers, end of headers, one body chunk, end of message, with the
 * macros edefter-milter reads ({daemon_name} at connect, {i} at end of
 * message).  It honours the steps and replies the milter negotiates away.
 *
 * MODE
 *   new       X-EDefter-Company/Period with a key not in the ledger: the
 *             milter records it (one durable commit) and accepts
 *   dup       a key the ledger already holds (record i of gen_ledger.py,
 *             i random below PREFILLED), another Message-ID: 550 5.7.1
 *   ordinary  a plain text message, no X-EDefter header: the milter
 *             accepts at end of headers
 *
 * Prints one line of key=value words: latency of the decision (from
 * sending the end of message, or end of headers for `ordinary', to the
 * final reply) p50/p90/p99/max in microseconds, decisions/s over all
 * clients, and how many replies were not the expected one.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* protocol constants, as in libmilter/mfdef.h */
#define SMFI_PROT_VERSION	6
#define SMFIP_NOCONNECT		0x00000001UL
#define SMFIP_NOHELO		0x00000002UL
#define SMFIP_NOMAIL		0x00000004UL
#define SMFIP_NORCPT		0x00000008UL
#define SMFIP_NOBODY		0x00000010UL
#define SMFIP_NOHDRS		0x00000020UL
#define SMFIP_NOEOH		0x00000040UL
#define SMFIP_NR_HDR		0x00000080UL
#define SMFIP_NODATA		0x00000200UL
#define SMFIP_NR_CONN		0x00001000UL
#define SMFIP_NR_MAIL		0x00004000UL
#define SMFIP_NR_RCPT		0x00008000UL
#define SMFIP_NR_DATA		0x00010000UL
#define SMFIP_NR_EOH		0x00040000UL
#define SMFIP_NR_BODY		0x00080000UL
#define MTA_ACTIONS		0x1ffUL		/* what Postfix 3.7 offers */
#define MTA_PROTOCOL		0x1fffffUL

enum mode { M_NEW, M_DUP, M_ORDINARY };

static const char *sockspec;
static int nclients = 1, nmsgs = 1000, warmup = 50;
static enum mode mode = M_NEW;
static const char *tag = "x";
static long prefilled = 1000000;

struct client {
	pthread_t th;
	int	 idx;
	int	 fd;
	unsigned long proto;		/* negotiated protocol flags */
	uint64_t *lat;			/* ns, one per timed message */
	int	 nlat;
	int	 unexpected;
	int	 failed;
	char	 lastreply[512];
	unsigned rnd;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "milter_client: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

/* the n-th valid VKN, as bench/edfids.py vkn() */
static void
vkn(long n, char out[11])
{
	int	p, i, c1, c2, sum = 0;

	snprintf(out, 11, "%09ld", 100000000L + n);
	for (p = 1; p <= 9; p++) {
		i = 10 - p;
		c1 = (out[p - 1] - '0' + i) % 10;
		if (c1 == 0)
			c2 = 0;
		else {
			c2 = (c1 * (1 << i)) % 9;
			if (c2 == 0)
				c2 = 9;
		}
		sum += c2;
	}
	out[9] = (char)('0' + (10 - sum % 10) % 10);
	out[10] = '\0';
}

static int
sock_open(void)
{
	int	fd, one = 1;

	if (strncmp(sockspec, "inet:", 5) == 0) {
		struct sockaddr_in sin;
		const char *at = strchr(sockspec, '@');

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((unsigned short)atoi(sockspec + 5));
		if (inet_pton(AF_INET, at ? at + 1 : "127.0.0.1",
		    &sin.sin_addr) != 1)
			die("bad address in %s", sockspec);
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
			die("socket: %s", strerror(errno));
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			die("connect %s: %s", sockspec, strerror(errno));
	} else {
		struct sockaddr_un sun;
		const char *path = sockspec;

		if (strncmp(path, "local:", 6) == 0)
			path += 6;
		else if (strncmp(path, "unix:", 5) == 0)
			path += 5;
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(path) >= sizeof(sun.sun_path))
			die("socket path too long");
		strcpy(sun.sun_path, path);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
			die("socket: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
			die("connect %s: %s", path, strerror(errno));
	}
	return fd;
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t	w;

	while (n) {
		if ((w = write(fd, c, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
read_all(int fd, void *p, size_t n)
{
	char	*c = p;
	ssize_t	r;

	while (n) {
		if ((r = read(fd, c, n)) <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			return -1;
		}
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

/* a packet being built: 4-byte length, command, data */
struct pkt {
	char	 b[8192];
	size_t	 n;
};

static void
pkt_start(struct pkt *p, char cmd)
{
	p->n = 4;
	p->b[p->n++] = cmd;
}

static void
pkt_add(struct pkt *p, const void *d, size_t n)
{
	if (p->n + n > sizeof(p->b))
		die("packet too large");
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

static void
pkt_str(struct pkt *p, const char *s)
{
	pkt_add(p, s, strlen(s) + 1);
}

static void
pkt_u32(struct pkt *p, uint32_t v)
{
	v = htonl(v);
	pkt_add(p, &v, 4);
}

static int
pkt_send(int fd, struct pkt *p)
{
	uint32_t len = htonl((uint32_t)(p->n - 4));

	memcpy(p->b, &len, 4);
	return write_all(fd, p->b, p->n);
}

/* read one reply: its command byte, data into buf (truncated), length */
static int
reply_read(int fd, char *cmd, char *buf, size_t cap, size_t *len)
{
	uint32_t n;
	char	 skip[4096];
	size_t	 left, k;

	if (read_all(fd, &n, 4) < 0)
		return -1;
	n = ntohl(n);
	if (n < 1 || n > 1 << 24)
		return -1;
	if (read_all(fd, cmd, 1) < 0)
		return -1;
	left = n - 1;
	k = left < cap ? left : cap;
	if (read_all(fd, buf, k) < 0)
		return -1;
	left -= k;
	while (left) {
		size_t s = left < sizeof(skip) ? left : sizeof(skip);
		if (read_all(fd, skip, s) < 0)
			return -1;
		left -= s;
	}
	*len = k;
	return 0;
}

/* final - read replies until a final one; modifications are read past */
static int
final(struct client *c, char *out)
{
	char	 cmd, buf[512];
	size_t	 len;

	for (;;) {
		if (reply_read(c->fd, &cmd, buf, sizeof(buf) - 1, &len) < 0)
			return -1;
		switch (cmd) {
		case 'h': case 'i': case 'm': case '+': case '-': case '2':
		case 'e': case 'b': case 'q': case 'l': case 'p':
			continue;
		case 'y':
			buf[len] = '\0';
			snprintf(c->lastreply, sizeof(c->lastreply), "%s", buf);
			/* FALLTHROUGH */
		default:
			*out = cmd;
			return 0;
		}
	}
}

/* step - send a packet; when a reply is expected, read it into *r */
static int
step(struct client *c, struct pkt *p, int want_reply, char *r)
{
	if (pkt_send(c->fd, p) < 0)
		return -1;
	*r = 'c';
	return want_reply ? final(c, r) : 0;
}

static void
client_open(struct client *c)
{
	struct pkt p;
	char	 cmd, buf[512];
	size_t	 len;
	uint32_t v[3];
	char	 r;

	c->fd = sock_open();
	pkt_start(&p, 'O');
	pkt_u32(&p, SMFI_PROT_VERSION);
	pkt_u32(&p, MTA_ACTIONS);
	pkt_u32(&p, MTA_PROTOCOL);
	if (pkt_send(c->fd, &p) < 0 ||
	    reply_read(c->fd, &cmd, buf, sizeof(buf), &len) < 0 || cmd != 'O' ||
	    len < 12)
		die("option negotiation failed");
	memcpy(v, buf, 12);
	c->proto = ntohl(v[2]);

	pkt_start(&p, 'D');
	pkt_add(&p, "C", 1);
	pkt_str(&p, "j");
	pkt_str(&p, "bench.localdomain");
	pkt_str(&p, "{daemon_name}");
	pkt_str(&p, "smtpd");
	pkt_str(&p, "{client_addr}");
	pkt_str(&p, "127.0.0.1");
	if (pkt_send(c->fd, &p) < 0)
		die("write: %s", strerror(errno));
	if (!(c->proto & SMFIP_NOCONNECT)) {
		unsigned short port = htons(40000);
		pkt_start(&p, 'C');
		pkt_str(&p, "localhost");
		pkt_add(&p, "4", 1);
		pkt_add(&p, &port, 2);
		pkt_str(&p, "127.0.0.1");
		if (step(c, &p, !(c->proto & SMFIP_NR_CONN), &r) < 0 ||
		    r != 'c')
			die("connect step: reply '%c'", r);
	}
}

/* one message; the decision's latency in *ns; 0, or -1 on I/O error */
static int
message(struct client *c, long seq, uint64_t *ns)
{
	struct pkt p;
	char	 id[11], rcpt[128], msgid[128], period[16], qid[32], hv[64];
	char	 r = 'c', expect;
	long	 i;
	uint64_t t0 = now_ns();
	static const char body[] =
	    "Yevmiye ve kebir beratlari ektedir.\r\n"
	    "Bu ileti e-Defter gonderim olcumu icindir.\r\n";

	switch (mode) {
	case M_DUP:
		/* record i of gen_ledger.py: an existing key */
		i = (long)(rand_r(&c->rnd) % (unsigned)prefilled);
		vkn(i % 2000, id);
		snprintf(period, sizeof(period), "%04ld-%02ld",
		    2020 + (i / 2000 % 60) / 12, (i / 2000 % 60) % 12 + 1);
		snprintf(rcpt, sizeof(rcpt), "<r%ld@firma%ld.example>",
		    i / 120000, i % 2000);
		expect = 'y';
		break;
	case M_NEW:
		i = seq * 7919 + c->idx;
		vkn(i % 2000, id);
		snprintf(period, sizeof(period), "%04ld-%02ld",
		    2020 + (i / 2000 % 60) / 12, (i / 2000 % 60) % 12 + 1);
		snprintf(rcpt, sizeof(rcpt), "<n%s-%d-%ld@firma%ld.example>",
		    tag, c->idx, seq, i % 2000);
		expect = 'a';
		break;
	default:
		strcpy(id, "-");
		strcpy(period, "-");
		snprintf(rcpt, sizeof(rcpt), "<o%s-%d-%ld@firma.example>",
		    tag, c->idx, seq);
		expect = 'a';
		break;
	}
	snprintf(msgid, sizeof(msgid), "<%s.%d.%ld@bench.example>", tag,
	    c->idx, seq);
	snprintf(qid, sizeof(qid), "%02X%08lX", c->idx, seq);

	if (!(c->proto & SMFIP_NOMAIL)) {
		pkt_start(&p, 'D');
		pkt_add(&p, "M", 1);
		pkt_str(&p, "{mail_addr}");
		pkt_str(&p, "ofis@ofis.example");
		if (pkt_send(c->fd, &p) < 0)
			return -1;
		pkt_start(&p, 'M');
		pkt_str(&p, "<ofis@ofis.example>");
		if (step(c, &p, !(c->proto & SMFIP_NR_MAIL), &r) < 0)
			return -1;
		if (r != 'c')
			goto decided;
	}
	if (!(c->proto & SMFIP_NORCPT)) {
		pkt_start(&p, 'R');
		pkt_str(&p, rcpt);
		if (step(c, &p, !(c->proto & SMFIP_NR_RCPT), &r) < 0)
			return -1;
		if (r != 'c')
			goto decided;
	}
	if (!(c->proto & SMFIP_NODATA)) {
		pkt_start(&p, 'D');
		pkt_add(&p, "T", 1);
		pkt_str(&p, "i");
		pkt_str(&p, qid);
		if (pkt_send(c->fd, &p) < 0)
			return -1;
		pkt_start(&p, 'T');
		if (step(c, &p, !(c->proto & SMFIP_NR_DATA), &r) < 0)
			return -1;
		if (r != 'c')
			goto decided;
	}
	if (!(c->proto & SMFIP_NOHDRS)) {
		const char *h[8][2];
		int	 nh = 0, k;

		h[nh][0] = "From"; h[nh++][1] = "Ofis <ofis@ofis.example>";
		h[nh][0] = "To"; h[nh++][1] = rcpt;
		h[nh][0] = "Subject"; h[nh++][1] = "e-Defter olcum";
		h[nh][0] = "Message-ID"; h[nh++][1] = msgid;
		if (mode != M_ORDINARY) {
			h[nh][0] = "X-EDefter-Company"; h[nh++][1] = id;
			h[nh][0] = "X-EDefter-Period"; h[nh++][1] = period;
		}
		h[nh][0] = "MIME-Version"; h[nh++][1] = "1.0";
		snprintf(hv, sizeof(hv), "text/plain; charset=us-ascii");
		h[nh][0] = "Content-Type"; h[nh++][1] = hv;
		for (k = 0; k < nh; k++) {
			pkt_start(&p, 'L');
			pkt_str(&p, h[k][0]);
			pkt_str(&p, h[k][1]);
			if (step(c, &p, !(c->proto & SMFIP_NR_HDR), &r) < 0)
				return -1;
			if (r != 'c')
				goto decided;
		}
	}
	t0 = now_ns();
	if (!(c->proto & SMFIP_NOEOH)) {
		pkt_start(&p, 'N');
		if (step(c, &p, !(c->proto & SMFIP_NR_EOH), &r) < 0)
			return -1;
		if (r != 'c')
			goto decided;
	}
	if (!(c->proto & SMFIP_NOBODY)) {
		pkt_start(&p, 'B');
		pkt_add(&p, body, sizeof(body) - 1);
		if (step(c, &p, !(c->proto & SMFIP_NR_BODY), &r) < 0)
			return -1;
		if (r != 'c' && r != 's')
			goto decided;
	}
	pkt_start(&p, 'D');
	pkt_add(&p, "E", 1);
	pkt_str(&p, "i");
	pkt_str(&p, qid);
	if (pkt_send(c->fd, &p) < 0)
		return -1;
	t0 = now_ns();
	pkt_start(&p, 'E');
	if (step(c, &p, 1, &r) < 0)
		return -1;
decided:
	*ns = now_ns() - t0;
	if (r == 'c' && mode == M_ORDINARY)
		r = 'a';
	if (r != expect || (r == 'y' && strncmp(c->lastreply, "550", 3) != 0)) {
		if (c->unexpected++ < 3)
			fprintf(stderr, "milter_client: client %d message %ld: "
			    "reply '%c' %s (expected '%c')\n", c->idx, seq, r,
			    r == 'y' ? c->lastreply : "", expect);
	}
	/* Postfix sends abort after each message of a session */
	pkt_start(&p, 'A');
	return pkt_send(c->fd, &p);
}

static void *
client_main(void *arg)
{
	struct client *c = arg;
	uint64_t ns;
	long	 k;
	struct pkt p;

	client_open(c);
	for (k = 0; k < warmup + nmsgs; k++) {
		if (message(c, k, &ns) < 0) {
			c->failed = 1;
			fprintf(stderr, "milter_client: client %d: connection "
			    "lost at message %ld\n", c->idx, k);
			break;
		}
		if (k >= warmup)
			c->lat[c->nlat++] = ns;
	}
	pkt_start(&p, 'Q');
	(void)pkt_send(c->fd, &p);
	close(c->fd);
	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const uint64_t *v, size_t n, double q)
{
	size_t	i;

	if (n == 0)
		return 0;
	i = (size_t)(q * (double)(n - 1) + 0.5);
	return (double)v[i] / 1000.0;
}

int
main(int argc, char **argv)
{
	struct client *cl;
	uint64_t *all, t0, t1;
	size_t	 n = 0;
	int	 ch, i, unexpected = 0, failed = 0;
	const char *mname[] = { "new", "dup", "ordinary" };

	while ((ch = getopt(argc, argv, "s:c:n:m:t:P:w:")) != -1) {
		switch (ch) {
		case 's': sockspec = optarg; break;
		case 'c': nclients = atoi(optarg); break;
		case 'n': nmsgs = atoi(optarg); break;
		case 't': tag = optarg; break;
		case 'P': prefilled = atol(optarg); break;
		case 'w': warmup = atoi(optarg); break;
		case 'm':
			if (strcmp(optarg, "new") == 0)
				mode = M_NEW;
			else if (strcmp(optarg, "dup") == 0)
				mode = M_DUP;
			else if (strcmp(optarg, "ordinary") == 0)
				mode = M_ORDINARY;
			else
				die("unknown mode %s", optarg);
			break;
		default:
			die("usage: milter_client -s SOCKET [-c CLIENTS] "
			    "[-n MESSAGES] [-m new|dup|ordinary] [-t TAG] "
			    "[-P PREFILLED] [-w WARMUP]");
		}
	}
	if (sockspec == NULL || nclients < 1 || nmsgs < 1 || prefilled < 1)
		die("usage: milter_client -s SOCKET ...");
	if ((cl = calloc((size_t)nclients, sizeof(*cl))) == NULL ||
	    (all = calloc((size_t)nclients * (size_t)nmsgs, sizeof(*all))) ==
	    NULL)
		die("out of memory");
	for (i = 0; i < nclients; i++) {
		cl[i].idx = i;
		cl[i].rnd = 12345u + (unsigned)i * 7919u;
		if ((cl[i].lat = calloc((size_t)nmsgs, sizeof(uint64_t))) == NULL)
			die("out of memory");
	}
	/* latencies leave the warmup messages out; decisions/s counts every
	 * message, warmup included, over the wall time of the whole run */
	t0 = now_ns();
	for (i = 0; i < nclients; i++)
		if (pthread_create(&cl[i].th, NULL, client_main, &cl[i]) != 0)
			die("pthread_create failed");
	for (i = 0; i < nclients; i++)
		pthread_join(cl[i].th, NULL);
	t1 = now_ns();
	for (i = 0; i < nclients; i++) {
		memcpy(all + n, cl[i].lat, (size_t)cl[i].nlat * sizeof(*all));
		n += (size_t)cl[i].nlat;
		unexpected += cl[i].unexpected;
		failed += cl[i].failed;
	}
	qsort(all, n, sizeof(*all), cmp_u64);
	printf("mode=%s clients=%d messages=%zu p50_us=%.1f p90_us=%.1f "
	    "p99_us=%.1f max_us=%.1f per_s=%.0f unexpected=%d failed=%d\n",
	    mname[mode], nclients, n, pct(all, n, 0.50), pct(all, n, 0.90),
	    pct(all, n, 0.99), n ? (double)all[n - 1] / 1000.0 : 0,
	    (double)(n + (size_t)warmup * (size_t)nclients) * 1e9 /
	    (double)(t1 - t0), unexpected, failed);
	return unexpected || failed ? 2 : 0;
}
