/* text.c: control-character stripping and UTF-8 checks for text that came from a profile or a
 * server, and cutting it to a width with an ellipsis where the cut does the least harm. */
#include "lib/text.h"

#include "lib/xmalloc.h"
#include <stdio.h>
#include <string.h>

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

/* ---- cutting text to a width, one column per character ---- */

/* Byte length of the character at s (an invalid byte counts as one character). */
static size_t char_len(const char *s)
{
	size_t left = strlen(s);
	int len = text_utf8_len((const unsigned char *)s, left);

	return len > 0 ? (size_t)len : 1;
}

size_t text_chars(const char *s)
{
	size_t n = 0;

	while (*s) {
		s += char_len(s);
		n++;
	}
	return n;
}

/* The byte offset of character k of s (its length when s is shorter). */
static size_t char_off(const char *s, size_t k)
{
	size_t o = 0;

	while (s[o] && k--)
		o += char_len(s + o);
	return o;
}

const char *text_skip(const char *s, size_t k)
{
	return s + char_off(s, k);
}

/* Appends len bytes of s to out (size n, o bytes used); keeps out NUL-terminated. */
static size_t put(char *out, size_t n, size_t o, const char *s, size_t len)
{
	if (o >= n)
		return o;
	if (len > n - 1 - o)
		len = n - 1 - o;
	memcpy(out + o, s, len);
	out[o + len] = '\0';
	return o + len;
}

char *text_cut_middle(const char *s, int cols, const char *ell, char *out, size_t n)
{
	size_t len = text_chars(s), head, tail, o;

	out[0] = '\0';
	if (cols <= 0)
		return out;
	if (len <= (size_t)cols) {
		put(out, n, 0, s, strlen(s));
		return out;
	}
	if (cols == 1) {
		put(out, n, 0, ell, strlen(ell));
		return out;
	}
	/* the end carries what tells replicas and methods apart: it gets the odd column */
	head = (size_t)(cols - 1) / 2;
	tail = (size_t)(cols - 1) - head;
	o = put(out, n, 0, s, char_off(s, head));
	o = put(out, n, o, ell, strlen(ell));
	s += char_off(s, len - tail);
	put(out, n, o, s, strlen(s));
	return out;
}

char *text_cut_left(const char *s, int cols, const char *ell, char *out, size_t n)
{
	size_t len = text_chars(s), o;

	out[0] = '\0';
	if (cols <= 0)
		return out;
	if (len <= (size_t)cols) {
		put(out, n, 0, s, strlen(s));
		return out;
	}
	o = put(out, n, 0, ell, strlen(ell));
	s += char_off(s, len - (size_t)(cols - 1));
	put(out, n, o, s, strlen(s));
	return out;
}

char *text_cut_right(const char *s, int cols, const char *ell, char *out, size_t n)
{
	size_t len = text_chars(s), o;

	out[0] = '\0';
	if (cols <= 0)
		return out;
	if (len <= (size_t)cols) {
		put(out, n, 0, s, strlen(s));
		return out;
	}
	o = put(out, n, 0, s, char_off(s, (size_t)(cols - 1)));
	put(out, n, o, ell, strlen(ell));
	return out;
}

/* loc cut to at most cols characters from the left, at a '/' when one leaves enough:
 * "…transport.go:2392" rather than "…ttp/transport.go:2392". */
static char *cut_location(const char *loc, int cols, const char *ell, char *out, size_t n)
{
	const char *p;

	if ((int)text_chars(loc) <= cols)
		return text_cut_left(loc, cols, ell, out, n);
	for (p = strchr(loc, '/'); p; p = strchr(p + 1, '/'))
		if ((int)text_chars(p + 1) + 1 <= cols) {
			size_t o = put(out, n, 0, ell, strlen(ell));

			put(out, n, o, p + 1, strlen(p + 1));
			return out;
		}
	return text_cut_left(loc, cols, ell, out, n);
}

char *text_frame(const char *func, const char *loc, int cols, const char *ell, char *out, size_t n)
{
	char fn[1024], lc[1024];
	const char *colon = strrchr(loc, ':');
	int fnn = (int)text_chars(func), locn = (int)text_chars(loc), avail = cols - 1, fnw, locw, keep;
	size_t o;

	if (fnn + 1 + locn <= cols) {
		snprintf(out, n, "%s %s", func, loc);
		return out;
	}
	/* the location keeps its ":line" and one more character at least, the function half */
	keep = colon ? (int)text_chars(colon) + 2 : 2;
	if (keep > locn)
		keep = locn;
	if (avail - keep < 2)
		return text_cut_left(loc, cols, ell, out, n);
	fnw = avail - locn > avail / 2 ? avail - locn : avail / 2;
	fnw = fnn < fnw ? fnn : fnw;
	locw = avail - fnw > keep ? avail - fnw : keep;
	cut_location(loc, locw, ell, lc, sizeof(lc));
	/* what the location did not take goes back to the function */
	fnw = avail - (int)text_chars(lc);
	text_cut_middle(func, fnn < fnw ? fnn : fnw, ell, fn, sizeof(fn));
	o = put(out, n, 0, fn, strlen(fn));
	o = put(out, n, o, " ", 1);
	put(out, n, o, lc, strlen(lc));
	return out;
}
