/* hash.c: a word-at-a-time multiply-xor hash, read little-endian so it is the same everywhere. */
#include "analyze/hash.h"

#include <string.h>

#define M1 0x9e3779b97f4a7c15ULL
#define M2 0xbf58476d1ce4e5b9ULL
#define M3 0x94d049bb133111ebULL

static inline uint64_t load64(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
	       (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static inline uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= M2;
	x ^= x >> 27;
	x *= M3;
	x ^= x >> 31;
	return x;
}

uint64_t hash_bytes(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = seed ^ (n * M1), a = 0, b = 0;

	while (n >= 16) {
		a = (a ^ load64(p)) * M2;
		b = (b ^ load64(p + 8)) * M3;
		a = (a << 31) | (a >> 33);
		b = (b << 29) | (b >> 35);
		p += 16;
		n -= 16;
	}
	if (n >= 8) {
		a ^= load64(p) * M1;
		p += 8;
		n -= 8;
	}
	if (n) {
		unsigned char tail[8] = {0};

		memcpy(tail, p, n);
		b ^= load64(tail) * M3;
	}
	return mix(h ^ mix(a) ^ (mix(b) * M1));
}

void hash_hex(uint64_t h, int digits, char *out)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = digits - 1; i >= 0; i--) {
		out[i] = hex[h & 15];
		h >>= 4;
	}
	out[digits] = '\0';
}
