/*
 * fuzz_names - libFuzzer target: e-Defter names, ids, periods, keys.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ledger.h"
#include "names.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct edf_name n;
	struct ledger_rec r;
	char	id[16];
	const char *rcpt;
	int	y, m, rc;

	rc = edf_parse_name(s, size, &n);
	if (rc == EDF_OK && (!edf_valid_id(n.id, strlen(n.id)) ||
	    n.month < 1 || n.month > 12 || n.part < 0 || n.part > 999999))
		abort();
	(void)edf_parse_period(s, size, &y, &m);
	(void)addr_valid(s, size);
	(void)ledger_key_split(s, size, id, &y, &m, &rcpt);
	(void)ledger_rec_decode(data, size, &r);
	return 0;
}
