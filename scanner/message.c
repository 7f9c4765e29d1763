/*
 * message - what one period's message says; see message.h.
 */
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "message.h"

static const char *const months[12] = {
	"Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz",
	"Ağustos", "Eylül", "Ekim", "Kasım", "Aralık",
};

/* month_name - the Turkish name of month 1..12 */
const char *
month_name(int m)
{
	return m >= 1 && m <= 12 ? months[m - 1] : "?";
}

/* human_size - 1.2 MB style */
void
human_size(char *out, size_t len, long long n)
{
	if (n >= 1000000)
		snprintf(out, len, "%.1f MB", (double)n / 1e6);
	else if (n >= 1000)
		snprintf(out, len, "%.1f KB", (double)n / 1e3);
	else
		snprintf(out, len, "%lld bayt", n);
}

void
message_subject(struct buf *b, const char *company, const char *id,
    int year, int month)
{
	buf_reset(b);
	buf_printf(b, "e-Defter: %s - %s %d", company && *company ? company :
	    id, month_name(month), year);
}

void
message_text(struct buf *b, const char *company, const char *id, int year,
    int month, const struct msgfile *f, size_t n, const struct msgfile *left,
    size_t nleft, long long limit)
{
	char	sz[32];
	long long total = 0;
	size_t	i;

	buf_reset(b);
	buf_printf(b, "Sayın %s yetkilisi,\n\n", company && *company ?
	    company : id);
	buf_printf(b, "%s %d dönemine ait e-Defter dosyalarınız ektedir.\n"
	    "GİB onaylı beratlar dahil, dönemin tüm parçaları "
	    "tamamlanmıştır.\n\n",
	    month_name(month), year);
	buf_adds(b, "Ekteki dosyalar:\n");
	for (i = 0; i < n; i++) {
		human_size(sz, sizeof(sz), (long long)f[i].size);
		buf_printf(b, "  %-44s %12s\n", f[i].name, sz);
		total += f[i].size;
	}
	human_size(sz, sizeof(sz), total);
	buf_printf(b, "Toplam: %zu dosya, %s\n", n, sz);
	if (nleft) {
		human_size(sz, sizeof(sz), limit);
		buf_printf(b, "\nAşağıdaki dosyalar ileti boyutu sınırı (%s) "
		    "nedeniyle eklenmedi;\nmuhasebe büronuzdan "
		    "isteyebilirsiniz:\n", sz);
		for (i = 0; i < nleft; i++) {
			human_size(sz, sizeof(sz), (long long)left[i].size);
			buf_printf(b, "  %-44s %12s\n", left[i].name, sz);
		}
	}
	buf_printf(b, "\nVKN/TCKN: %s   Dönem: %04d-%02d\n\n"
	    "Bu ileti edefter tarafından otomatik olarak gönderilmiştir.\n",
	    id, year, month);
}

/* message_id - unique: id, period, time, pid, randomness, host */
void
message_id(struct buf *b, const char *id, int year, int month)
{
	char	host[256] = "localhost";
	struct timeval tv;
	unsigned long r;
	FILE	*fp;

	gettimeofday(&tv, NULL);
	r = (unsigned long)tv.tv_usec ^ ((unsigned long)getpid() << 16);
	if ((fp = fopen("/dev/urandom", "r")) != NULL) {
		if (fread(&r, sizeof(r), 1, fp) != 1)
			r ^= (unsigned long)tv.tv_sec;
		fclose(fp);
	}
	if (gethostname(host, sizeof(host) - 1) < 0 || strchr(host, '.') ==
	    NULL)
		snprintf(host, sizeof(host), "edefter.localdomain");
	buf_reset(b);
	buf_printf(b, "<edefter.%s.%04d%02d.%lld.%lx@%s>", id, year, month,
	    (long long)tv.tv_sec, r, host);
}
