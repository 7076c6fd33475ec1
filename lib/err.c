/* err.c: filling caller-owned error messages. */
#include "lib/err.h"

#include <stdarg.h>
#include <stdio.h>

#include "lib/text.h"

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
	 * held, the message stays one line with no terminal control characters (C0, DEL, C1, bytes
	 * that are not UTF-8) in it. */
	for (p = (unsigned char *)e->msg; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	text_strip_controls(e->msg);
	return -1;
}
