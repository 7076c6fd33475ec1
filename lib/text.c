/* text.c: control-character stripping and UTF-8 checks for text that came from a profile or a server. */
#include "lib/text.h"

#include "lib/xmalloc.h"

int text_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	int len, i;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if ((size_t)len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

char *text_sanitize(const char *in, char *out, size_t n)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0, left = 0;

	while (s[left])
		left++;
	while (*s && o + 1 < n) {
		int len = text_utf8_len(s, left);

		if (len == 1 && (*s < 0x20 || *s == 0x7f)) {
			out[o++] = '?';
			s++;
			left--;
		} else if (len == 0 || (len == 2 && s[0] == 0xc2 && s[1] < 0xa0)) {
			/* invalid UTF-8, or a C1 control U+0080..U+009F */
			out[o++] = '?';
			s += len ? len : 1;
			left -= len ? (size_t)len : 1;
		} else {
			if (o + (size_t)len >= n)
				break;
			while (len--) {
				out[o++] = (char)*s++;
				left--;
			}
		}
	}
	out[o] = '\0';
	return out;
}

char *text_strip_controls(char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	/* each replacement is no longer than what it replaces, so the copy never overtakes the read */
	return text_sanitize(s, s, n + 1);
}

char *text_base64(const void *data, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = data;
	char *out = xmalloc((n + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		*o++ = tab[s[i] >> 2];
		*o++ = tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
		*o++ = tab[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)];
		*o++ = tab[s[i + 2] & 63];
	}
	if (i < n) {
		*o++ = tab[s[i] >> 2];
		if (i + 1 < n) {
			*o++ = tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
			*o++ = tab[(s[i + 1] & 15) << 2];
		} else {
			*o++ = tab[(s[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
	return out;
}
