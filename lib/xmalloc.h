/* xmalloc.h: allocation that cannot fail, and the one place out-of-memory is fatal. */
#ifndef LIB_XMALLOC_H
#define LIB_XMALLOC_H

#include <stddef.h>

#if defined(__GNUC__)
#define XM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define XM_NORETURN __attribute__((noreturn))
#else
#define XM_PRINTF(a, b)
#define XM_NORETURN
#endif

/* Called by fatal() before it prints and exits: the console restores the terminal here. */
void xmalloc_set_cleanup(void (*cleanup)(void));

/* Prints "leakscope: MESSAGE" on stderr after running the cleanup hook, then exits 2. */
XM_NORETURN void fatal(const char *fmt, ...) XM_PRINTF(1, 2);

/* The caller owns the result and frees it with free(). */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
/* xcalloc for a big hash table, zeroed by writing it: the kernel's zero pages of a fresh calloc,
 * read by a probe and then written, cost a write fault and, once the process has a second thread,
 * a TLB flush on every core for each page. */
void *xcalloc_table(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows an array of *cap elements of size elem to hold at least need elements. */
void *xgrow(void *p, size_t *cap, size_t need, size_t elem);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) XM_PRINTF(1, 2);

#endif
