/* fuzz_text.c: libFuzzer target for the parser front end and debug=2 text dumps, fed in fuzzed chunks. */
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
	return 0;
}
