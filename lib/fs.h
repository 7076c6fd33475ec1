/* fs.h: files written once and safely: atomic writes (a random O_EXCL|O_NOFOLLOW temporary file in
 * the target's directory, fsync, rename, fsync of the directory), capped whole-file reads, mkdir -p
 * with modes, the check that a directory is private enough to write in, and XDG paths.
 *
 * Targets: a regular file (or a name not yet taken) gets temp+rename, so nothing is ever half
 * written under its final name. A target that exists and is not a regular file (a FIFO, a character
 * device such as /dev/null) and "-" (standard output) are written straight through. A symbolic link
 * as the target is refused: nothing follows a planted link. */
#ifndef LIB_FS_H
#define LIB_FS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/err.h"

/* A file being written: nothing exists under its final name until fs_out_commit. */
struct fs_out;

/* Opens the target path for writing (see above for which targets are written straight through).
 * mode is the new file's mode, set exactly (the umask does not apply). */
struct fs_out *fs_out_open(const char *path, mode_t mode, struct err *e);
/* A temporary file in dir, to be given its name at fs_out_commit time (dir must exist). */
struct fs_out *fs_out_begin(const char *dir, mode_t mode, struct err *e);
/* Appends; a failure is remembered and reported again by fs_out_commit. */
int fs_out_write(struct fs_out *f, const void *data, size_t n, struct err *e);
/* An http_sink-shaped writer (ctx is the fs_out). */
int fs_out_sink(void *ctx, const void *data, size_t n, struct err *e);
/* Bytes written so far. */
uint64_t fs_out_bytes(const struct fs_out *f);
/* fsyncs and renames the temporary file to path (NULL: the path given to fs_out_open), then fsyncs
 * the directory; a straight-through target is just closed. Frees f in every case, removing the
 * temporary file on failure. */
int fs_out_commit(struct fs_out *f, const char *path, struct err *e);
/* Like fs_out_commit, but never replaces a file: the name is the first free one of STEMS[0] + EXT,
 * STEMS[1] + EXT, ..., then the last stem + "-2" + EXT, "-3", ... (link(2), so two writers never
 * get the same name). *chosen (caller frees) is the name taken. Frees f in every case. */
int fs_out_commit_new(struct fs_out *f, const char *const *stems, size_t nstems, const char *ext, char **chosen,
		      struct err *e);
/* Removes the temporary file and frees f; fs_out_abort(NULL) does nothing. */
void fs_out_abort(struct fs_out *f);

/* Writes a whole file through fs_out_open (data, then trailer when not NULL). */
int fs_write_file(const char *path, const void *data, size_t n, const char *trailer, mode_t mode, struct err *e);

/* fs_read_file flags. */
#define FS_REGULAR 1 /* refuse anything but a regular file (no FIFO, device or /dev/stdin hang) */
/* Reads a whole file of at most max bytes into a NUL-terminated buffer (*out, caller frees; *len
 * when len is not NULL). Buffers given up while growing are wiped, so the reader serves secrets too.
 * "-" is standard input unless FS_REGULAR is given. */
int fs_read_file(const char *path, size_t max, int flags, char **out, size_t *len, struct err *e);

/* Makes dir and its missing parents with mode. */
int fs_mkdir_p(const char *dir, mode_t mode, struct err *e);
/* Makes every missing directory above path (not path itself) with mode. */
int fs_mkdir_parents(const char *path, mode_t mode, struct err *e);
/* Refuses (one line in e, -1) a directory others could plant files in: writable by group or others
 * without the sticky bit, or owned by another user (root's own directories are fine). */
int fs_dir_check(const char *dir, struct err *e);
/* The directory part of path ("." when none). Caller frees. */
char *fs_dirname(const char *path);

/* $ENV/leakscope/NAME when ENV is set and not empty, else $HOME/FALLBACK/leakscope/NAME; NULL
 * with e filled when neither is set (nothing is ever written under the working directory by
 * accident). Caller frees. */
char *fs_xdg_path(const char *env, const char *fallback, const char *name, struct err *e);

#endif
