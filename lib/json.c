/* json.c: writes JSON values in order, keeping commas and nesting right. */
#include "lib/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/text.h"
#include "lib/ts.h"
#include "lib/xmalloc.h"

void json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
}

static void sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (j->count[j->depth]++)
		fputc(',', j->f);
}

static void open(struct json *j, char c)
{
	sep(j);
	fputc(c, j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->count[j->depth] = 0;
}

static void close_(struct json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
	if (j->depth == 0 && (c == '}' || c == ']'))
		fputc('\n', j->f);
}

void json_object(struct json *j)
{
	open(j, '{');
}

void json_object_end(struct json *j)
{
	close_(j, '}');
}

void json_array(struct json *j)
{
	open(j, '[');
}

void json_array_end(struct json *j)
{
	close_(j, ']');
}

static void put_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t left = strlen(str);

	fputc('"', f);
	while (left) {
		int len = text_utf8_len(s, left);

		if (len == 0) {
			fputs("\\ufffd", f);
			s++;
			left--;
			continue;
		}
		if (len == 1) {
			unsigned char c = *s;

			if (c == '"' || c == '\\')
				fprintf(f, "\\%c", c);
			else if (c == '\n')
				fputs("\\n", f);
			else if (c == '\t')
				fputs("\\t", f);
			else if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		} else {
			fwrite(s, 1, (size_t)len, f);
		}
		s += len;
		left -= (size_t)len;
	}
	fputc('"', f);
}

void json_key(struct json *j, const char *key)
{
	sep(j);
	put_string(j->f, key);
	fputc(':', j->f);
	j->after_key = 1;
}

void json_str(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	sep(j);
	put_string(j->f, s);
}

void json_int(struct json *j, long long v)
{
	sep(j);
	fprintf(j->f, "%lld", v);
}

void json_double(struct json *j, double v)
{
	if (!isfinite(v)) {
		json_null(j);
		return;
	}
	sep(j);
	fprintf(j->f, "%.17g", v);
}

void json_bool(struct json *j, int v)
{
	sep(j);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
	sep(j);
	fputs("null", j->f);
}

void json_time_ns(struct json *j, int64_t ns)
{
	char buf[40];

	if (ns <= 0) {
		json_null(j);
		return;
	}
	sep(j);
	fprintf(j->f, "\"%s\"", ts_format_ms(ns / 1000000, buf, sizeof(buf)));
}

char *json_quote(const char *s)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);

	if (!f)
		fatal("out of memory");
	put_string(f, s ? s : "");
	if (fclose(f) != 0 || !out)
		fatal("out of memory");
	return out;
}
