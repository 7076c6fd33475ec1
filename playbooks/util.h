/* util.h: what the incident code shares beyond lib/: the unknown-field check of its JSON readers.
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

#endif
