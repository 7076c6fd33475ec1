/* fuzz_count.c: libFuzzer target for debug=1 count profiles; a header is added when the input lacks one. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int starts_with(const uint8_t *s, size_t n, const char *pre)
{
	size_t m = strlen(pre);

	return n >= m && memcmp(s, pre, m) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_spec spec;
	const uint8_t *payload;
	uint8_t *buf;
	size_t n;
	int hl;
	char head[64];

	fuzz_split(data, size, &spec, &payload, &n);
	parse_set_mode(0, 1);
	if (starts_with(payload, n, "goroutine profile: total ") ||
	    starts_with(payload, n, "goroutineleak profile: total ")) {
		fuzz_both(payload, n, &spec);
		return 0;
	}
	/* The header's total comes from a spec byte, so totals above and below the records' sum are
	 * both reached. */
	hl = snprintf(head, sizeof(head), "goroutine profile: total %u\n", (unsigned)spec.b[0]);
	buf = malloc((size_t)hl + n + 1);
	if (!buf)
		abort();
	memcpy(buf, head, (size_t)hl);
	if (n)
		memcpy(buf + hl, payload, n);
	fuzz_both(buf, (size_t)hl + n, &spec);
	free(buf);
	return 0;
}
