/* fuzz_rule.c: libFuzzer target for the alert-rule language (analyze/rule.c): parse, then
 * evaluate the rule over a short fixed series. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/slope.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct slope_sample s[] = {
		{0, 1}, {60000, 2}, {120000, 4}, {180000, 3}, {240000, 8}, {300000, 0},
	};
	struct slope_rule *r;
	struct err e;
	char *text;

	if (size > 4096)
		return 0;
	text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&e, 0, sizeof(e));
	r = slope_rule_parse(text, &e);
	if (!r) {
		fuzz_check_err(&e);
	} else {
		FUZZ_CHECK(slope_rule_text(r) != NULL);
		FUZZ_CHECK(slope_rule_for(r) >= 0);
		FUZZ_CHECK(slope_rule_max_window(r) >= 0);
		(void)slope_rule_holds(r, s, sizeof(s) / sizeof(s[0]), 240000, SLOPE_RANGE_CLOSED);
		(void)slope_rule_holds(r, s, sizeof(s) / sizeof(s[0]), 300000, SLOPE_RANGE_LEFT_OPEN);
		slope_rule_free(r);
	}
	free(text);
	return 0;
}
