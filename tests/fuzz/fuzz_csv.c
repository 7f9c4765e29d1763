/*
 * fuzz_csv - libFuzzer target: the companies CSV reader.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "companies.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
quiet(void *arg, unsigned long line, const char *msg)
{
	(void)arg;
	(void)line;
	(void)msg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct companies c;
	size_t	i, j;

	memset(&c, 0, sizeof(c));
	if (companies_parse((const char *)data, size, "fuzz.csv", &c, quiet,
	    NULL) == 0) {
		for (i = 0; i < c.n; i++) {
			if (!edf_valid_id(c.v[i].id, strlen(c.v[i].id)))
				abort();
			for (j = 0; j < c.v[i].naddr; j++)
				if (addr_valid(c.v[i].addr[j],
				    strlen(c.v[i].addr[j])) < 0)
					abort();
			if (companies_find(&c, c.v[i].id) == NULL)
				abort();
		}
	}
	companies_free(&c);
	return 0;
}
