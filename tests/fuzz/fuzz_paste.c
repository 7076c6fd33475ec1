/* fuzz_paste.c: libFuzzer target for the tolerant front end (pasted dumps: encodings, prefixes,
 * indentation, fences, escapes, goleak and go test framing), fed in fuzzed chunks; one spec bit
 * also reads the input in --strict mode, which must hold the same invariants. */
#include <stddef.h>
#include <stdint.h>

#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_spec spec;
	const uint8_t *payload;
	size_t n;

	fuzz_split(data, size, &spec, &payload, &n);
	parse_set_mode(0, 1);
	fuzz_both(payload, n, &spec);
	if (spec.b[0] & 1) {
		parse_set_mode(1, 1);
		fuzz_both(payload, n, &spec);
		parse_set_mode(0, 1);
	}
	return 0;
}
