/*
 * edsend - an smtp-source that sends e-Defter messages: every message
 * carries X-EDefter-Company and X-EDefter-Period and names a key of its
 * own (company, period, recipient), so each one is a first send that
 * the milter records.
 *
 *   edsend [-s SESSIONS] [-m MESSAGES] [-l BODYLEN] [-t TAG] [-P]
 *          HOST:PORT
 *
 * Like smtp-source without -d, each message is one SMTP session
 * (connect, EHLO, MAIL, RCPT, DATA, QUIT) and SESSIONS sessions run at
 * once.  TAG makes the keys of one run distinct from every other run's.
 * -P sends the same messages without the X-EDefter-* headers (plain
 * mail of the same size).  Prints one line: sent, refused, seconds,
 * messages/s, and the first refusal.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in dest;
static long nmsgs = 1000;
static int nsess = 10, plain;
static size_t bodylen = 1024;
static const char *tag = "x";
static atomic_long next_seq, nsent, nrefused;
static pthread_mutex_t first_lock = PTHREAD_MUTEX_INITIALIZER;
static char first_refusal[256];

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

struct conn {
	int	 fd;
	char	 in[4096];
	size_t	 n;
};

static int
send_all(int fd, const char *p, size_t n)
{
	ssize_t	w;

	while (n) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* reply - read one (possibly multi-line) SMTP reply; its code, last line */
static int
reply(struct conn *c, char *last, size_t cap)
{
	for (;;) {
		char	*nl;
		ssize_t	 r;

		while ((nl = memchr(c->in, '\n', c->n)) != NULL) {
			size_t	 len = (size_t)(nl - c->in) + 1;
			int	 more = len > 4 && c->in[3] == '-';
			int	 code = atoi(c->in);

			if (last && !more) {
				size_t k = len < cap ? len : cap - 1;
				memcpy(last, c->in, k);
				last[k] = '\0';
				last[strcspn(last, "\r\n")] = '\0';
			}
			memmove(c->in, nl + 1, c->n - len);
			c->n -= len;
			if (!more)
				return code;
		}
		if (c->n == sizeof(c->in))
			return -1;
		if ((r = read(c->fd, c->in + c->n, sizeof(c->in) - c->n)) <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			return -1;
		}
		c->n += (size_t)r;
	}
}

static int
cmd(struct conn *c, const char *line, int want, char *last, size_t cap)
{
	int	code;

	if (line && send_all(c->fd, line, strlen(line)) < 0)
		return -1;
	code = reply(c, last, cap);
	return code == want ? 0 : (code < 0 ? -1 : code);
}

static void
refused(const char *what)
{
	atomic_fetch_add(&nrefused, 1);
	pthread_mutex_lock(&first_lock);
	if (!first_refusal[0])
		snprintf(first_refusal, sizeof(first_refusal), "%s", what);
	pthread_mutex_unlock(&first_lock);
}

/* one_message - one SMTP session carrying message seq */
static void
one_message(long seq, char *body)
{
	struct conn c = { .fd = -1 };
	char	 id[11], rcpt[128], line[512], last[256], hdr[1024];
	long	 m = seq / 2000 % 60;
	int	 one = 1, rc;

	vkn(seq % 2000, id);
	snprintf(rcpt, sizeof(rcpt), "s%s-%ld@firma%ld.example", tag, seq,
	    seq % 2000);
	if ((c.fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(c.fd, (struct sockaddr *)&dest, sizeof(dest)) < 0) {
		refused("connect failed");
		goto out;
	}
	setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((rc = cmd(&c, NULL, 220, last, sizeof(last))) ||
	    (rc = cmd(&c, "EHLO edsend.localdomain\r\n", 250, last,
	    sizeof(last))))
		goto bad;
	if ((rc = cmd(&c, "MAIL FROM:<ofis@ofis.example>\r\n", 250, last,
	    sizeof(last))))
		goto bad;
	snprintf(line, sizeof(line), "RCPT TO:<%s>\r\n", rcpt);
	if ((rc = cmd(&c, line, 250, last, sizeof(last))) ||
	    (rc = cmd(&c, "DATA\r\n", 354, last, sizeof(last))))
		goto bad;
	if (plain)
		snprintf(hdr, sizeof(hdr),
		    "From: Ofis <ofis@ofis.example>\r\nTo: <%s>\r\n"
		    "Subject: olcum %ld\r\nMessage-ID: <%s.%ld@edsend.example>\r\n"
		    "MIME-Version: 1.0\r\n"
		    "Content-Type: text/plain; charset=us-ascii\r\n\r\n",
		    rcpt, seq, tag, seq);
	else
		snprintf(hdr, sizeof(hdr),
		    "From: Ofis <ofis@ofis.example>\r\nTo: <%s>\r\n"
		    "Subject: e-Defter %s %04ld-%02ld\r\n"
		    "Message-ID: <%s.%ld@edsend.example>\r\n"
		    "X-EDefter-Company: %s\r\nX-EDefter-Period: %04ld-%02ld\r\n"
		    "MIME-Version: 1.0\r\n"
		    "Content-Type: text/plain; charset=us-ascii\r\n\r\n",
		    rcpt, id, 2020 + m / 12, m % 12 + 1, tag, seq, id,
		    2020 + m / 12, m % 12 + 1);
	if (send_all(c.fd, hdr, strlen(hdr)) < 0 ||
	    send_all(c.fd, body, strlen(body)) < 0 ||
	    (rc = cmd(&c, ".\r\n", 250, last, sizeof(last))))
		goto bad;
	atomic_fetch_add(&nsent, 1);
	(void)cmd(&c, "QUIT\r\n", 221, NULL, 0);
	goto out;
bad:
	refused(rc < 0 ? "connection lost" : last);
out:
	if (c.fd >= 0)
		close(c.fd);
}

static void *
session(void *arg)
{
	char	*body = arg;
	long	 seq;

	while ((seq = atomic_fetch_add(&next_seq, 1)) < nmsgs)
		one_message(seq, body);
	return NULL;
}

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	pthread_t *th;
	char	*body, *host, *colon;
	size_t	 i;
	double	 secs;
	int	 ch, k;

	while ((ch = getopt(argc, argv, "s:m:l:t:P")) != -1) {
		switch (ch) {
		case 's': nsess = atoi(optarg); break;
		case 'm': nmsgs = atol(optarg); break;
		case 'l': bodylen = (size_t)atol(optarg); break;
		case 't': tag = optarg; break;
		case 'P': plain = 1; break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || nsess < 1 || nmsgs < 1)
		goto usage;
	host = strdup(argv[optind]);
	if ((colon = strrchr(host, ':')) == NULL)
		goto usage;
	*colon = '\0';
	memset(&dest, 0, sizeof(dest));
	dest.sin_family = AF_INET;
	dest.sin_port = htons((unsigned short)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &dest.sin_addr) != 1)
		goto usage;
	/* body: lines of 64 'X' and CRLF, about BODYLEN bytes */
	body = malloc(bodylen + 70);
	for (i = 0; i < bodylen; i += 66) {
		memset(body + i, 'X', 64);
		memcpy(body + i + 64, "\r\n", 2);
	}
	body[i] = '\0';
	th = calloc((size_t)nsess, sizeof(*th));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (k = 0; k < nsess; k++)
		pthread_create(&th[k], NULL, session, body);
	for (k = 0; k < nsess; k++)
		pthread_join(th[k], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("sent=%ld refused=%ld secs=%.3f rate=%.1f first_refusal=\"%s\"\n",
	    (long)nsent, (long)nrefused, secs, (double)nsent / secs,
	    first_refusal);
	return nrefused ? 2 : 0;
usage:
	fprintf(stderr, "usage: edsend [-s SESSIONS] [-m MESSAGES] "
	    "[-l BODYLEN] [-t TAG] [-P] HOST:PORT\n");
	return 64;
}
