/* fuzz_prom.c: libFuzzer target for Prometheus' query API answers (fetch/prom.c's prom_parse), as
 * `slope --prometheus` reads them off the network and `slope --file` off the disk. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fetch/prom.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct prom_result r;
	struct err e;
	char name[512];
	size_t i, k;

	memset(&e, 0, sizeof(e));
	if (prom_parse((const char *)data, size, &r, &e) < 0) {
		fuzz_check_err(&e);
		FUZZ_CHECK(r.nseries == 0 && r.nwarnings == 0);
		prom_result_done(&r);
		return 0;
	}
	FUZZ_CHECK(r.type == PROM_VECTOR || r.type == PROM_MATRIX || r.type == PROM_SCALAR);
	FUZZ_CHECK(r.nseries == 0 || r.series != NULL);
	for (i = 0; i < r.nseries; i++) {
		const struct prom_series *s = &r.series[i];

		for (k = 0; k < s->nlabels; k++) {
			FUZZ_CHECK(s->labels[k].name != NULL && s->labels[k].value != NULL);
			FUZZ_CHECK(prom_label_get(s, s->labels[k].name) != NULL);
		}
		for (k = 1; k < s->nsamples; k++)
			FUZZ_CHECK(s->samples[k - 1].t <= s->samples[k].t); /* oldest first */
		FUZZ_CHECK(prom_series_name(s, name, sizeof(name)) == name);
		FUZZ_CHECK(memchr(name, '\0', sizeof(name)) != NULL);
	}
	for (i = 0; i < r.nwarnings; i++)
		FUZZ_CHECK(r.warnings[i] != NULL);
	prom_result_done(&r);
	return 0;
}
