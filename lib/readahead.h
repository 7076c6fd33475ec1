/* readahead.h: a regular file read on a second thread, a few large chunks ahead of the reader, so
 * that the kernel's copy into user memory runs beside the work done on each chunk. Only for regular
 * files: a read that may block forever (a pipe, a terminal) would hold the thread. */
#ifndef LIB_READAHEAD_H
#define LIB_READAHEAD_H

#include <stddef.h>

#include "lib/err.h"

/* Called for each chunk in file order; returns < 0 to stop (its error stands). */
typedef int (*readahead_fn)(void *ctx, const char *data, size_t n, struct err *e);

/* Reads fd from its offset to end of file, calling fn for each chunk. Returns 0 at end of file, -1
 * when fn stopped or a read failed ("NAME: strerror" in e). The thread is joined before it returns;
 * the offset is at end of file when it returns 0. */
int readahead_each(int fd, const char *name, readahead_fn fn, void *ctx, struct err *e);

#endif
