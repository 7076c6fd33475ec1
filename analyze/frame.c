/* frame.c: classifying Go function names as runtime-internal, runtime, standard library or user code. */
#include "analyze/frame.h"

#include <string.h>

static int has_prefix(const char *s, size_t n, const char *p)
{
	size_t m = strlen(p);

	return n >= m && memcmp(s, p, m) == 0;
}

int frame_is_runtime(const char *func, size_t n)
{
	return has_prefix(func, n, "runtime.") || (n == 5 && memcmp(func, "panic", 5) == 0);
}

int frame_is_runtime_internal(const char *func, size_t n)
{
	char c;

	if (n == 5 && memcmp(func, "panic", 5) == 0)
		return 1;
	if (!has_prefix(func, n, "runtime."))
		return 0;
	if (n == 8)
		return 1;
	c = func[8];
	/* Exported runtime functions (runtime.Gosched, runtime.GC, methods of exported types such as
	 * runtime.(*Func).Name) stay; everything else in package runtime is internal. */
	if (c == '(' && n > 10 && func[9] == '*')
		c = func[10];
	return !(c >= 'A' && c <= 'Z');
}

int frame_is_user(const char *func)
{
	const char *slash = NULL, *p, *dot;
	size_t first;

	if (strncmp(func, "main.", 5) == 0)
		return 1;
	for (p = func; *p && *p != '(' && *p != '['; p++)
		if (*p == '/')
			slash = p;
	dot = strchr(slash ? slash : func, '.');
	if (!dot)
		return 0;
	first = strcspn(func, "/");
	if (!slash)
		return 0; /* a one-element path without a dot: the standard library (or "main", above) */
	return memchr(func, '.', first) != NULL;
}

size_t frame_strip_args(const char *line, size_t n)
{
	const char *open;
	size_t i = n;

	while (i > 0 && (line[i - 1] == ' ' || line[i - 1] == '\r'))
		i--;
	if (i == 0 || line[i - 1] != ')')
		return n;
	/* Go prints arguments as hex words, braces, "...", "?" and "_": never a parenthesis, so the
	 * last '(' opens them (receivers such as "(*T)" come before it). */
	open = memrchr(line, '(', i - 1);
	return open ? (size_t)(open - line) : n;
}

size_t frame_canon_generic(const char *func, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		size_t close = i + 1;
		int d = 1;

		if (func[i] != '[') {
			out[o++] = func[i];
			continue;
		}
		while (close < n && d > 0) {
			d += func[close] == '[' ? 1 : func[close] == ']' ? -1 : 0;
			close++;
		}
		if (d > 0) {
			/* An unclosed bracket is not a type-argument list: the rest stays as it is. */
			memcpy(out + o, func + i, n - i);
			return o + n - i;
		}
		if (close - i < 5) {
			/* "[T]" and shorter stay: "[...]" must never make the name longer. */
			memcpy(out + o, func + i, close - i);
			o += close - i;
		} else {
			memcpy(out + o, "[...]", 5);
			o += 5;
		}
		i = close - 1;
	}
	return o;
}
