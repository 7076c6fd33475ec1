/* secret.c: reading and wiping tokens, keys and certificates. */
#include "fetch/secret.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/xmalloc.h"

int secret_read_file(const char *path, size_t max, int trim, char **out, size_t *len, struct err *e)
{
	size_t n = 0, cap = 0;
	char *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*out = NULL;
	if (fd < 0)
		return err_set(e, "cannot read %s: %s", path, strerror(errno));
	for (;;) {
		ssize_t r;

		buf = xgrow(buf, &cap, n + 4096 + 1, 1);
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int saved = errno;

			close(fd);
			secret_free(buf);
			return err_set(e, "cannot read %s: %s", path, strerror(saved));
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			close(fd);
			secret_free(buf);
			return err_set(e, "%s is larger than %zu bytes", path, max);
		}
	}
	close(fd);
	while (trim && n && isspace((unsigned char)buf[n - 1]))
		n--;
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

int secret_token_check(const char *token, const char *what, struct err *e)
{
	const unsigned char *p;

	for (p = (const unsigned char *)token; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return err_set(e, "%.200s: the token holds %s: refused (it would inject HTTP headers)", what,
				       *p == '\n' || *p == '\r' ? "a line break" : "a control character");
	return 0;
}

int secret_read_token(const char *path, char **out, struct err *e)
{
	size_t n;

	if (secret_read_file(path, SECRET_MAX_FILE, 0, out, &n, e) < 0)
		return -1;
	if (n && (*out)[n - 1] == '\n')
		n--;
	if (n && (*out)[n - 1] == '\r')
		n--;
	while (n && ((*out)[n - 1] == ' ' || (*out)[n - 1] == '\t'))
		n--;
	(*out)[n] = '\0';
	if (!n || secret_token_check(*out, path, e) < 0) {
		if (!n)
			err_set(e, "%s: the token file is empty", path);
		secret_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int secret_bearer_token(const char *token_file, char **out, struct err *e)
{
	const char *env = getenv("LEAKSCOPE_TOKEN");

	*out = NULL;
	if (token_file)
		return secret_read_token(token_file, out, e);
	if (env && *env) {
		if (secret_token_check(env, "LEAKSCOPE_TOKEN", e) < 0)
			return -1;
		*out = xstrdup(env);
	}
	return 0;
}

void secret_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

char *secret_base64_decode(const char *s, size_t *len)
{
	size_t n = strlen(s), o = 0;
	char *out = xmalloc(n / 4 * 3 + 4);
	unsigned acc = 0;
	int bits = 0, pad = 0;

	for (; *s; s++) {
		int v;

		if (isspace((unsigned char)*s))
			continue;
		if (*s == '=') {
			pad++;
			continue;
		}
		v = b64val((unsigned char)*s);
		if (v < 0 || pad) {
			/* out is not a string yet: wipe all of it */
			explicit_bzero(out, n / 4 * 3 + 4);
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (bits >= 6 || pad > 2) {
		free(out);
		return NULL;
	}
	out[o] = '\0';
	if (len)
		*len = o;
	return out;
}
