/* store.h: the snapshot store: private directories, files written atomically (a temporary file,
 * fsync, rename), and the sidecar JSON that says what each snapshot is. */
#ifndef FETCH_STORE_H
#define FETCH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/err.h"
#include "analyze/snapshot.h"

#define STORE_DIR_MODE 0700
#define STORE_FILE_MODE 0600

/* $XDG_STATE_HOME/leakscope/snapshots (XDG_STATE_HOME defaults to ~/.local/state). Caller frees;
 * NULL with e filled when neither variable is set. */
char *store_root(struct err *e);
/* ROOT/CONTEXT/NS/POD, each part made safe as one path element. Caller frees. */
char *store_dir(const char *root, const char *context, const char *ns, const char *pod);
/* "20240102T030405.123Z.debug1.txt" (".debug0.pb.gz" for debug=0). Caller frees. */
char *store_name(int64_t time_ns, enum snap_format format);
/* Creates path and its missing parents with mode 0700. */
int store_mkdirs(const char *path, struct err *e);

/* A file being written: nothing exists under its final name until store_commit. */
struct store_file;

/* Starts a temporary file (mode 0600) in dir, creating dir (0700) when missing. */
struct store_file *store_begin(const char *dir, struct err *e);
/* Appends; a failure is remembered and reported again by store_commit. */
int store_write(struct store_file *f, const void *data, size_t n, struct err *e);
/* An http_sink (ctx is the store_file). */
int store_sink(void *ctx, const void *data, size_t n, struct err *e);
/* fsyncs, renames to path (which must be in the same directory) and fsyncs the directory; frees f
 * in every case, removing the temporary file on failure. */
int store_commit(struct store_file *f, const char *path, struct err *e);
/* Removes the temporary file and frees f; store_abort(NULL) does nothing. */
void store_abort(struct store_file *f);
/* Bytes written so far. */
uint64_t store_bytes(const struct store_file *f);
/* Writes a whole small file atomically. */
int store_write_file(const char *path, const void *data, size_t n, struct err *e);

/* What the sidecar PROFILE.json records. Strings borrowed; source must hold no secret. */
struct store_meta {
	const char *source, *context, *ns, *pod, *file;
	const struct snapshot *snap;
	int64_t fetched_ns; /* when the fetch began */
	long capture_ms;
	uint64_t bytes;
	const char *note;
};

/* Writes the sidecar for the profile at path, as path + ".json". */
int store_sidecar(const char *path, const struct store_meta *m, struct err *e);

#endif
