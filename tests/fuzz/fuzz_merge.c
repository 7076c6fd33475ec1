/* fuzz_merge.c: libFuzzer target for reading a dump in two parts: a text cut at a goroutine's
 * header (parse_split_point), each part parsed on its own and merged (snap_merge), must read exactly
 * as the whole when both parts are clean, as parse_split requires. The first byte picks where the
 * cut is looked for, the size's parity strict or tolerant reading. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct snapshot *read_part(const uint8_t *p, size_t n, uint64_t offset, int *clean)
{
	struct parser *pr = parse_part_new("fuzz", SNAP_BY_LINES, offset);
	struct snapshot *s = NULL;
	struct err e;

	*clean = 0;
	if (parse_feed(pr, p, n, &e) == 0) {
		*clean = parse_clean(pr);
		s = parse_finish(pr, &e);
	}
	parse_free(pr);
	return s;
}

static void check_same(const struct snapshot *a, const struct snapshot *b)
{
	size_t i;
	int k;

	FUZZ_CHECK(a->total == b->total && a->records == b->records && a->truncated == b->truncated);
	FUZZ_CHECK(a->ngroups == b->ngroups);
	for (i = 0; i < a->ngroups; i++) {
		const struct snap_group *x = a->groups[i], *y = b->groups[i];

		FUZZ_CHECK(strcmp(x->key, y->key) == 0 && x->count == y->count && x->aged == y->aged);
		FUZZ_CHECK(x->leaked == y->leaked && x->id_min == y->id_min && x->id_max == y->id_max);
		FUZZ_CHECK(x->nstates == y->nstates && x->nages == y->nages && x->nlabelsets == y->nlabelsets);
		FUZZ_CHECK(x->labels_other == y->labels_other && !x->creator == !y->creator);
		for (k = 0; k < x->nstates; k++)
			FUZZ_CHECK(strcmp(x->states[k].name, y->states[k].name) == 0 &&
				   x->states[k].count == y->states[k].count);
		for (k = 0; k < x->nages; k++)
			FUZZ_CHECK(x->ages[k].minutes == y->ages[k].minutes && x->ages[k].count == y->ages[k].count);
		for (k = 0; k < x->nlabelsets; k++)
			FUZZ_CHECK(strcmp(x->labelsets[k].id, y->labelsets[k].id) == 0 &&
				   x->labelsets[k].count == y->labelsets[k].count);
		if (x->creator)
			FUZZ_CHECK(strcmp(x->creator->func, y->creator->func) == 0 &&
				   x->creator->line == y->creator->line &&
				   x->creator->goroutine == y->creator->goroutine);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snapshot *whole, *a, *b;
	int clean_a, clean_b;
	size_t cut;

	if (size < 2)
		return 0;
	parse_set_mode(size & 1, 1);
	cut = parse_split_point((const char *)data + 1, size - 1, (size - 1) * data[0] / 256);
	if (!cut)
		return 0;
	a = read_part(data + 1, cut, 0, &clean_a);
	b = read_part(data + 1 + cut, size - 1 - cut, cut, &clean_b);
	if (a && b && clean_a && clean_b && !a->truncated && snap_merge(a, b) == 0) {
		whole = read_part(data + 1, size - 1, 0, &clean_a);
		FUZZ_CHECK(whole != NULL);
		check_same(a, whole);
		snap_free(whole);
	}
	snap_free(a);
	snap_free(b);
	return 0;
}
