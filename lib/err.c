/* err.c: filling caller-owned error messages. */
#include "lib/err.h"

#include <stdarg.h>
#include <stdio.h>

#include "lib/text.h"

int err_set(struct err *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	/* messages quote what servers and files sent: no escape sequence reaches the terminal */
	text_strip_controls(e->msg);
	return -1;
}
