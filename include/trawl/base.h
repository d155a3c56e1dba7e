/* trawl/base.h - shared basics: error domain, version, where models live,
 * the model manifest (what to fetch from npm, and its sha256), files
 * written atomically.
 */
#pragma once

#include <stdio.h>
#include <glib.h>

G_BEGIN_DECLS

#define TRAWL_ERROR (trawl_error_quark ())
GQuark trawl_error_quark (void);

typedef enum {
  TRAWL_ERROR_FAILED,        /* anything not below */
  TRAWL_ERROR_INVALID_ARG,   /* the caller's input is wrong */
  TRAWL_ERROR_NOT_FOUND,     /* a file, model or record is missing */
  TRAWL_ERROR_CORRUPT,       /* a checksum or format check failed */
  TRAWL_ERROR_NOT_BUILT,     /* the feature is not in this build */
  TRAWL_ERROR_BUSY,          /* another process holds the resource */
} TrawlError;

const char *trawl_version (void);

/* The model cache: $TRAWL_MODELS, else the directory compiled in with
 * -Dmodels_dir, else $XDG_CACHE_HOME/trawl/models. Never NULL; owned by trawl. */
const char *trawl_models_dir (void);

/* Full path of a model file named as in the manifest's "dest" key, e.g.
 * "face-api/ssd_mobilenetv1_model.bin". Fails with TRAWL_ERROR_NOT_FOUND and
 * a hint to run the set-up when the file is absent. Free with g_free. */
char *trawl_model_path (const char *dest, GError **error);

/* ---- the model manifest (models/manifest.ini, copied into the cache) ---- */

typedef struct {
  char *key;       /* section name, e.g. "face-detector-weights" */
  char *package;   /* npm package, e.g. "@vladmandic/face-api" */
  char *version;   /* exact npm version */
  char *file;      /* path inside the package */
  char *dest;      /* path inside the model cache */
  char *sha256;    /* lower-case hex */
  char *licence;
  char *role;      /* one line for people */
} TrawlModelEntry;

typedef struct {
  GPtrArray *entries;  /* of TrawlModelEntry*, owned */
} TrawlModelManifest;

TrawlModelManifest *trawl_model_manifest_load (const char *path, GError **error);
void                trawl_model_manifest_free (TrawlModelManifest *m);
/* Checks that dir/entry->dest exists and has the pinned sha256. */
gboolean            trawl_model_entry_verify (const TrawlModelEntry *e, const char *dir,
                                              GError **error);

/* SHA-256 of a file as lower-case hex, streaming; NULL with error set. */
char *trawl_file_sha256 (const char *path, GError **error);

/* ---- atomic files (src/base/atomic.c) ---- */

/* A file written in full or not at all: data goes to "<path>.tmp-XXXXXX"
 * in the same directory; commit fsyncs it, renames it over path and fsyncs
 * the directory. Until commit, path keeps its old content. All writes,
 * syncs and renames go through a hook table (see atomic-private.h) so tests
 * can inject ENOSPC/EIO.
 * Threading: one thread per TrawlAtomicFile. */
typedef struct _TrawlAtomicFile TrawlAtomicFile;

/* Creates the temporary file. NULL with error set (the directory must exist). */
TrawlAtomicFile *trawl_atomic_file_new (const char *path, GError **error);
/* Appends len bytes. On failure the file is poisoned (commit fails) and
 * error is set. */
gboolean         trawl_atomic_file_write (TrawlAtomicFile *af, const void *data, gsize len,
                                          GError **error);
/* A stdio stream whose writes go through trawl_atomic_file_write (for
 * libraries that write to a FILE*, e.g. FAISS). Transfer none: valid until
 * commit or free; do not fclose it. A failed stdio write poisons the file. */
FILE            *trawl_atomic_file_get_stream (TrawlAtomicFile *af);
/* Flushes, fsyncs, renames over the target and fsyncs the directory. On
 * failure the temporary file is removed and the target is untouched. In both
 * cases af is freed. */
gboolean         trawl_atomic_file_commit (TrawlAtomicFile *af, GError **error);
/* Removes the temporary file and frees af (the target is untouched).
 * Accepts NULL. */
void             trawl_atomic_file_free (TrawlAtomicFile *af);

/* Writes data to path atomically (new + write + commit). */
gboolean trawl_atomic_write_file (const char *path, const void *data, gsize len,
                                  GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlModelManifest, trawl_model_manifest_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlAtomicFile, trawl_atomic_file_free)

G_END_DECLS
