/* err.c: filling caller-owned error messages. */
#include "lib/err.h"

#include <stdarg.h>
#include <stdio.h>

int err_set(struct err *e, const char *fmt, ...)
{
	va_list ap;
	unsigned char *p;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	/* Messages quote what they were given (a field name, a value, a server's answer): whatever that
	 * held, the message stays one line with no terminal control characters in it. */
	for (p = (unsigned char *)e->msg; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = (*p == '\n' || *p == '\r' || *p == '\t') ? ' ' : '?';
	return -1;
}
