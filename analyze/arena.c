/* arena.c: bump allocation in large blocks, and string interning on top of it. */
#include "analyze/arena.h"

#include <stdlib.h>
#include <string.h>

#include "analyze/hash.h"
#include "lib/xmalloc.h"

#define ARENA_BLOCK (64 * 1024)

struct block {
	struct block *next;
	size_t size, used;
	max_align_t data[];
};

struct arena {
	struct block *head;
	size_t bytes;
};

struct arena *arena_new(void)
{
	return xcalloc(1, sizeof(struct arena));
}

void arena_free(struct arena *a)
{
	struct block *b, *next;

	if (!a)
		return;
	for (b = a->head; b; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

void *arena_alloc(struct arena *a, size_t n)
{
	const size_t align = sizeof(max_align_t);
	struct block *b = a->head;

	n = (n + align - 1) & ~(align - 1);
	if (!b || b->size - b->used < n) {
		size_t size = n > ARENA_BLOCK / 4 ? n : ARENA_BLOCK;

		b = xmalloc(sizeof(*b) + size);
		b->size = size;
		b->used = 0;
		a->bytes += size;
		/* A big private block goes behind the current one so its free space is kept. */
		if (size != ARENA_BLOCK && a->head) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	b->used += n;
	return (char *)b->data + b->used - n;
}

size_t arena_bytes(const struct arena *a)
{
	return a->bytes;
}

void *arena_calloc(struct arena *a, size_t n)
{
	void *p = arena_alloc(a, n);

	memset(p, 0, n);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	if (n) /* s may be NULL when n is 0 */
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

struct islot {
	uint64_t hash;
	const char *str;
	size_t len;
};

struct intern {
	struct arena *arena;
	struct islot *slots;
	size_t cap, used;
};

struct intern *intern_new(struct arena *a)
{
	struct intern *t = xcalloc(1, sizeof(*t));

	t->arena = a;
	t->cap = 256;
	t->slots = xcalloc_table(t->cap, sizeof(*t->slots));
	return t;
}

void intern_free(struct intern *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t);
}

static void intern_rehash(struct intern *t)
{
	size_t cap = t->cap * 2, i;
	struct islot *slots = xcalloc_table(cap, sizeof(*slots));

	for (i = 0; i < t->cap; i++) {
		struct islot *s = &t->slots[i];
		size_t j;

		if (!s->str)
			continue;
		for (j = s->hash & (cap - 1); slots[j].str; j = (j + 1) & (cap - 1))
			;
		slots[j] = *s;
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
}

const char *intern_str(struct intern *t, const char *s, size_t n)
{
	uint64_t h = hash_bytes(s, n, 0);
	size_t i;

	if ((t->used + 1) * 4 > t->cap * 3)
		intern_rehash(t);
	for (i = h & (t->cap - 1); t->slots[i].str; i = (i + 1) & (t->cap - 1)) {
		struct islot *sl = &t->slots[i];

		if (sl->hash == h && sl->len == n && memcmp(sl->str, s, n) == 0)
			return sl->str;
	}
	t->slots[i].hash = h;
	t->slots[i].len = n;
	t->slots[i].str = arena_strndup(t->arena, s, n);
	t->used++;
	return t->slots[i].str;
}
