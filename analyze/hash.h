/* hash.h: the stable 64-bit hash behind group keys and fingerprints. */
#ifndef ANALYZE_HASH_H
#define ANALYZE_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Same bytes and seed give the same value on every machine and in every version: keys are
 * saved in snapshots and in the known-leak database. */
uint64_t hash_bytes(const void *p, size_t n, uint64_t seed);
/* Writes the low 4*digits bits of h as lowercase hex plus a NUL into out[digits + 1]. */
void hash_hex(uint64_t h, int digits, char *out);

#endif
