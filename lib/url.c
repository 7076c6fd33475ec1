/* url.c: percent-encoding. */
#include "lib/url.h"

#include "lib/xmalloc.h"

static int unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
	       c == '_' || c == '~';
}

char *url_escape_append(char *out, size_t *len, size_t *cap, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	out = xgrow(out, cap, *len + 1, 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		out = xgrow(out, cap, *len + 4, 1);
		if (unreserved(c)) {
			out[(*len)++] = (char)c;
		} else {
			out[(*len)++] = '%';
			out[(*len)++] = hex[c >> 4];
			out[(*len)++] = hex[c & 15];
		}
	}
	out[*len] = '\0';
	return out;
}

char *url_escape(const char *s)
{
	size_t len = 0, cap = 0;

	return url_escape_append(NULL, &len, &cap, s);
}
