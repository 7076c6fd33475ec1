/* store.h: the snapshot store: private directories, snapshot names that never replace one another,
 * and the sidecar JSON that says what each snapshot is (files are written through lib/fs.h). */
#ifndef FETCH_STORE_H
#define FETCH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/fs.h"
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

/* Starts a temporary file (mode 0600) in dir, creating dir (0700) when missing and refusing a
 * directory others could plant links in (lib/fs.h fs_dir_check). Write with fs_out_write; give it
 * its name with store_save, or fs_out_commit for a path of the caller's choosing. */
struct fs_out *store_begin(const char *dir, struct err *e);

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
/* When the profile at path was taken, from its sidecar path + ".json" ("time", else "fetched"), in
 * ns since the epoch; 0 when there is no readable sidecar or it holds no time. */
int64_t store_sidecar_time(const char *path);
/* Names the profile being written in f (in dir) and writes its sidecar: the name comes from the
 * profile's time (m->snap), or from the fetch time (m->fetched_ns) when the profile has none or
 * its name is taken, with a -N suffix when that is taken too; no snapshot is ever replaced. m->file
 * is ignored (the chosen path is used). When the sidecar cannot be written the profile is removed
 * again. *path (caller frees) is the profile's path. Frees f in every case. */
int store_save(struct fs_out *f, const char *dir, const struct store_meta *m, char **path, struct err *e);

#endif
