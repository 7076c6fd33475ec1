/* util.h: what the incident code shares beyond lib/: the unknown-field check of its JSON readers
 * and whole numbers read back from them.
 * Files, paths and time come from lib/fs.h and lib/ts.h. */
#ifndef PLAYBOOKS_UTIL_H
#define PLAYBOOKS_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/fs.h"
#include "lib/ts.h"

struct cJSON;
/* The first field of object o whose name is not in allowed (NULL-terminated), or NULL: the
 * playbook and catalogue readers refuse fields they do not know. Borrowed from o. */
const char *pb_json_unknown_key(const struct cJSON *o, const char *const *allowed);
/* The whole number v holds, into *out: 0, or -1 when v is no number, not whole, or beyond
 * int64_t (journals are read back from disk: any number may be there). */
int pb_json_int64(const struct cJSON *v, int64_t *out);

#endif
