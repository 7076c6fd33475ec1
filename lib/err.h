/* err.h: the caller-owned error message that library functions fill instead of printing. */
#ifndef LIB_ERR_H
#define LIB_ERR_H

#include "lib/xmalloc.h"

struct err {
	char msg[256];
};

/* Formats the message into e (when e is not NULL) and returns -1, so callers can `return err_set(...)`.
 * The message is one line: newlines and tabs become spaces, other control characters '?'. */
int err_set(struct err *e, const char *fmt, ...) XM_PRINTF(2, 3);

#endif
