/* util.c: the playbook and catalogue readers' shared check for unknown fields. */
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
