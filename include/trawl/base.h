/* trawl/base.h - shared basics: error domain, version, where models live,
 * the model manifest (what to fetch from npm, and its sha256), files
 * written atomically, the CPU dispatch level.
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
 * a hint to run the set-up when the file is absent, and with
 * TRAWL_ERROR_CORRUPT when it (or a companion file, see
 * trawl_model_check_pinned) does not have its pinned sha256. Free with
 * g_free. */
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

/* The manifest the models in the cache were fetched with (its copy in the
 * cache), else the source tree's; NULL with error set when neither loads. */
TrawlModelManifest *trawl_model_manifest_load_default (GError **error);

/* Checks dir/dest against the sha256 the default manifest pins for it,
 * and with it the companion files whose manifest key extends its key
 * ("face-detector" brings "face-detector-weights"). A file the manifest
 * does not list, or no manifest, passes. The verdict is cached by path,
 * size and modification time, in memory and in dir/.verified.ini, so a
 * model is hashed once until it changes. FALSE with TRAWL_ERROR_CORRUPT
 * (or NOT_FOUND for a missing companion) naming the file. */
gboolean trawl_model_check_pinned (const char *dir, const char *dest, GError **error);

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

/* ---- the CPU dispatch level ----
 *
 * trawl's own C is built for the x86-64 baseline (SSE2, no -march); the
 * code that picks kernels by CPU at run time is OpenBLAS (Debian's
 * DYNAMIC_ARCH build: every sgemm of the CPU engine) and FFmpeg (decoding,
 * scaling). Their results differ in the last bits from one kernel set to
 * another, so the level is a setting one can force, to test what another
 * machine would run:
 *
 *   TRAWL_CPU_LEVEL=baseline   OpenBLAS's Prescott kernels (SSE3, its
 *                              lowest), FFmpeg held to SSE2
 *   TRAWL_CPU_LEVEL=avx2       Haswell kernels (AVX2+FMA), FFmpeg without
 *                              AVX-512
 *   TRAWL_CPU_LEVEL=avx512     SkylakeX kernels (AVX-512 F/BW/DQ/VL)
 *   unset, "" or "auto"        whatever the libraries pick for this CPU
 *
 * OpenBLAS reads its kernel set once, when it is loaded (its
 * OPENBLAS_CORETYPE variable), so a forced level takes effect only in a
 * process started with OPENBLAS_CORETYPE set to match:
 * trawl_cpu_level_reexec() does that for a program's main() (the trawl
 * command and the app call it); test runs set both variables (meson test
 * --setup baseline|avx2|avx512). Anywhere else, a forced level that is not
 * in effect fails the first CPU plan with a message naming the variable to
 * set; a level the CPU lacks is refused (it would die of SIGILL). x86-64
 * only: elsewhere every forced value is refused. */

typedef enum {
  TRAWL_CPU_LEVEL_BASELINE = 0,   /* x86-64 SSE2 (OpenBLAS Prescott, SSE3) */
  TRAWL_CPU_LEVEL_AVX2     = 1,   /* AVX2 and FMA */
  TRAWL_CPU_LEVEL_AVX512   = 2,   /* AVX-512 F, BW, DQ and VL */
} TrawlCpuLevel;

/* "baseline", "avx2" or "avx512"; static. */
const char *trawl_cpu_level_name (TrawlCpuLevel level);

/* Parses a level name (case-insensitive). FALSE with TRAWL_ERROR_INVALID_ARG
 * naming the accepted values for anything else, including "auto". */
gboolean trawl_cpu_level_parse (const char *name, TrawlCpuLevel *level, GError **error);

/* The highest level this CPU (and its OS: the AVX state must be enabled)
 * runs. Thread-safe. */
TrawlCpuLevel trawl_cpu_level_max (void);

/* The level the process runs at: the forced one when TRAWL_CPU_LEVEL is in
 * effect, else the level of the kernels OpenBLAS picked (an AVX-only
 * machine's Sandybridge kernels count as baseline). *forced (nullable) says
 * whether TRAWL_CPU_LEVEL set it. Thread-safe. */
TrawlCpuLevel trawl_cpu_level_current (gboolean *forced);

/* OpenBLAS's name for the kernels it runs, e.g. "Haswell"; static. */
const char *trawl_cpu_level_blas_core (void);

/* Checks TRAWL_CPU_LEVEL against this CPU and the loaded OpenBLAS, once per
 * process, and holds FFmpeg to the level (before its first codec or scaler
 * context picks its functions). TRUE when the variable is unset, "auto" or
 * in effect; else FALSE with TRAWL_ERROR_INVALID_ARG (an unknown value, a
 * level this CPU lacks) or TRAWL_ERROR_FAILED (OpenBLAS runs other kernels:
 * OPENBLAS_CORETYPE was not set at start, or the BLAS is not a
 * DYNAMIC_ARCH OpenBLAS). CPU plans call it; thread-safe. */
gboolean trawl_cpu_level_check (GError **error);

/* For a program's main(), before any other work: when TRAWL_CPU_LEVEL asks
 * for a level the loaded OpenBLAS does not run, sets OPENBLAS_CORETYPE and
 * replaces the process with itself (/proc/self/exe, argv unchanged), so it
 * does not return. Returns TRUE when nothing needs doing (the level is in
 * effect, or none is forced), FALSE with error for an unknown value, a
 * level the CPU lacks, a failed exec, or a level that a restart did not
 * bring into effect (so it never loops). */
gboolean trawl_cpu_level_reexec (char **argv, GError **error);

/* ---- times for people (src/base/format.c) ---- */

/* A duration: "0.4 s", "18 s", "4 min 12 s", "2.5 h", "12 h"; "unknown"
 * for NAN or a negative value. g_free. */
char *trawl_format_duration (double s);
/* A position in a video: "00:01:12" (hours:minutes:seconds, truncated);
 * "?" for NAN or negative. g_free. */
char *trawl_format_media_time (double s);
/* A wall-clock time in UTC: "21:05:03", or "2024-03-14 21:05:03" with
 * with_date; NULL for NAN or a time out of range. g_free. */
char *trawl_format_clock (double utc, gboolean with_date);
/* text (UTF-8) cut to at most max_chars characters, keeping its end behind
 * "…" ("…s01.mp4"): table columns of file names. "" for NULL. g_free. */
char *trawl_format_ellipsize (const char *text, int max_chars);

G_END_DECLS
