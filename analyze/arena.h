/* arena.h: a bump allocator; everything parsed from one profile lives in one arena, freed in one call. */
#ifndef ANALYZE_ARENA_H
#define ANALYZE_ARENA_H

#include <stddef.h>
#include <stdint.h>

struct arena;

struct arena *arena_new(void);
/* Frees every block the arena handed out. arena_free(NULL) does nothing. */
void arena_free(struct arena *a);
/* Memory aligned for any scalar, owned by the arena. */
void *arena_alloc(struct arena *a, size_t n);
void *arena_calloc(struct arena *a, size_t n);
/* Bytes of the blocks the arena holds (what it costs, not what was asked for). */
size_t arena_bytes(const struct arena *a);
/* A NUL-terminated copy of s[0..n), owned by the arena. */
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* An interning table of strings in an arena: equal strings get the same pointer. */
struct intern;

struct intern *intern_new(struct arena *a);
/* Frees the table's index; the strings stay in the arena. intern_free(NULL) does nothing. */
void intern_free(struct intern *t);
/* The arena copy of s[0..n): borrowed until the arena is freed. */
const char *intern_str(struct intern *t, const char *s, size_t n);

#endif
