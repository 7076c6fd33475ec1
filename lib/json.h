/* json.h: a streaming JSON writer (the scripted commands' --json output, and any JSON text we write). */
#ifndef LIB_JSON_H
#define LIB_JSON_H

#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json {
	FILE *f;
	int depth;
	int count[JSON_MAX_DEPTH]; /* values written at each level */
	int after_key;
};

void json_init(struct json *j, FILE *f);
void json_object(struct json *j);
void json_object_end(struct json *j);
void json_array(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key);
/* Writes s as a JSON string; bytes that are not valid UTF-8 become U+FFFD. NULL writes null. */
void json_str(struct json *j, const char *s);
void json_int(struct json *j, long long v);
/* Non-finite values are written as null. */
void json_double(struct json *j, double v);
void json_bool(struct json *j, int v);
void json_null(struct json *j);
/* An RFC 3339 UTC time from nanoseconds since the epoch, or null for 0. */
void json_time_ns(struct json *j, int64_t ns);

/* s as a quoted JSON string ("a\"b"), for the rare JSON text built by hand. Caller frees. */
char *json_quote(const char *s);

#endif
