/* fuzz_proto.c: libFuzzer target for debug=0 profiles: the input is gzip'd so the fuzzer reaches the
 * protobuf decoder; odd-length inputs are also fed raw, to fuzz the gzip layer itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* gzip(payload) at a level chosen by a spec byte: 0 (stored blocks, as recent Go writes), 1 (Go
 * 1.19's BestSpeed) or 6. The caller frees the result. */
static uint8_t *gzip_bytes(const uint8_t *in, size_t n, int level, size_t *outlen)
{
	z_stream z;
	uLong bound;
	uint8_t *out;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	bound = deflateBound(&z, (uLong)n) + 64;
	out = malloc(bound);
	if (!out)
		abort();
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)bound;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	*outlen = bound - z.avail_out;
	deflateEnd(&z);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int levels[3] = {0, 1, 6};
	struct fuzz_spec spec;
	const uint8_t *payload;
	uint8_t *gz;
	size_t n, gzlen;
	int is_gzip;

	fuzz_split(data, size, &spec, &payload, &n);
	parse_set_mode(0, 1);
	is_gzip = n >= 2 && payload[0] == 0x1f && payload[1] == 0x8b;
	if (size % 2 == 1 || is_gzip)
		fuzz_both(payload, n, &spec);
	if (is_gzip)
		return 0;
	gz = gzip_bytes(payload, n, levels[spec.b[1] % 3], &gzlen);
	fuzz_both(gz, gzlen, &spec);
	free(gz);
	return 0;
}
