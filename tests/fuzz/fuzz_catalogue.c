/* fuzz_catalogue.c: libFuzzer target for the leak-pattern catalogue (playbooks/patterns.c), the file
 * $LEAKSCOPE_PATTERNS names: parse and validate, then check every pattern is whole. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "playbooks/classify.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_catalogue *cat;
	struct err e;
	size_t i;

	if (size > 65536)
		return 0;
	memset(&e, 0, sizeof(e));
	cat = pb_catalogue_parse((const char *)data, size, "fuzz.json", &e);
	if (!cat) {
		fuzz_check_err(&e);
		return 0;
	}
	FUZZ_CHECK(cat->name != NULL);
	FUZZ_CHECK(cat->n == 0 || cat->patterns != NULL);
	for (i = 0; i < cat->n; i++) {
		const struct pb_pattern *p = &cat->patterns[i];

		FUZZ_CHECK(p->id != NULL && p->id[0] != '\0' && p->title != NULL);
		FUZZ_CHECK(strchr(p->title, '\n') == NULL);
	}
	pb_catalogue_free(cat);
	return 0;
}
