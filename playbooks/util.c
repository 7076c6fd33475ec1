/* util.c: the playbook and catalogue readers' shared check for unknown fields, and whole numbers
 * read back from JSON without undefined conversions. */
#include "playbooks/util.h"

#include <cjson/cJSON.h>
#include <string.h>

const char *pb_json_unknown_key(const struct cJSON *o, const char *const *allowed)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, o)
	{
		int k, ok = 0;

		for (k = 0; allowed[k]; k++)
			ok |= strcmp(it->string, allowed[k]) == 0;
		if (!ok)
			return it->string;
	}
	return NULL;
}

int pb_json_int64(const cJSON *v, int64_t *out)
{
	/* the range first: converting a double beyond int64_t is undefined (2^63 itself is beyond) */
	if (!cJSON_IsNumber(v) ||
	    !(v->valuedouble >= -9223372036854775808.0 && v->valuedouble < 9223372036854775808.0) ||
	    v->valuedouble != (double)(int64_t)v->valuedouble)
		return -1;
	*out = (int64_t)v->valuedouble;
	return 0;
}
