/* fuzz_journal.c: libFuzzer target for the incident journal (playbooks/journal.c) and what is made
 * of it: the events read back, and report.md and report.json folded from them (playbooks/report.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "playbooks/journal.h"
#include "playbooks/report.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_journal_torn torn;
	const cJSON *ev;
	cJSON *arr;
	char *md, *json;
	cJSON *parsed;

	if (size > 65536)
		return 0;
	arr = pb_journal_parse((const char *)data, size, &torn);
	FUZZ_CHECK(cJSON_IsArray(arr));
	FUZZ_CHECK(torn.count >= 0 && (torn.count == 0 || torn.first_line > 0));
	cJSON_ArrayForEach(ev, arr) FUZZ_CHECK(cJSON_IsObject(ev) && pb_jstr(ev, "ev") != NULL);
	cJSON_Delete(arr);

	pb_report_render((const char *)data, size, "/incident", &md, &json);
	FUZZ_CHECK(md != NULL && json != NULL);
	FUZZ_CHECK(strncmp(md, "# ", 2) == 0);
	/* report.json is JSON whatever the journal held */
	parsed = cJSON_Parse(json);
	FUZZ_CHECK(cJSON_IsObject(parsed));
	cJSON_Delete(parsed);
	free(md);
	free(json);
	return 0;
}
