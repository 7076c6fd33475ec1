/* ts.h: time as people and servers write it: RFC 3339 timestamps and PromQL-style durations,
 * parsed and formatted in one place (the only user of strptime and timegm). */
#ifndef LIB_TS_H
#define LIB_TS_H

#include <stddef.h>
#include <stdint.h>

/* Parses RFC 3339: YYYY-MM-DD(T|t| )HH:MM:SS[.frac](Z|z|+HH:MM|-HH:MM). Returns 0 with *sec (unix
 * seconds with the full fraction), or -1. */
int ts_parse_rfc3339(const char *s, double *sec);
/* The same, in whole milliseconds (the fraction cut after three digits). */
int ts_parse_rfc3339_ms(const char *s, int64_t *ms);
/* Unix seconds (a non-negative number, with an optional fraction) or RFC 3339. */
int ts_parse_when(const char *s, double *sec);
/* "2026-11-28T15:03:01.123Z" into buf (n >= 25). Returns buf. */
char *ts_format_ms(int64_t ms, char *buf, size_t n);
/* "2026-11-28T15:03:01Z" (whole seconds) into buf. Returns buf. */
char *ts_format_s(int64_t sec, char *buf, size_t n);
/* Milliseconds since the epoch, now. */
int64_t ts_now_ms(void);

/* Parses a duration as PromQL writes them: one or more NUMBER UNIT with UNIT ms, s, m, h, d, w, y
 * ("30s", "5m", "1h30m", "1d"). Returns 0 with *ms > 0, or -1. */
int ts_parse_duration(const char *s, int64_t *ms);
/* Writes a duration compactly ("1h30m", "45s", "250ms") into buf. */
char *ts_format_duration(int64_t ms, char *buf, size_t n);

#endif
