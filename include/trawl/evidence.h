/* trawl/evidence.h - evidence export, signing, verification, case report.
 *
 * An export is a folder a court can be handed:
 *
 *   clip-1-<camera>.<ext>  the footage around the finding, by stream copy
 *                          (the original packets, cut on key frames)
 *   clip-1-<camera>-annotated.mkv  (annotated) a re-encoded viewing copy with
 *                          the boxes and the clock burnt in, marked derived
 *   thumb-<sighting>.jpg   the catalog's thumbnails of the finding
 *   README.txt             what each file is and how to check it
 *   manifest.json          case, camera, times and where each came from,
 *                          source file (path, size, SHA-256), requested and
 *                          actual pts ranges, every file's SHA-256, tool
 *                          and model versions, query, operator, export time
 *   manifest.sig           (--sign) Ed25519 signature of manifest.json's
 *                          bytes with the case's key, in hex
 *
 * Before anything is copied, each source file's SHA-256 is recomputed and
 * compared with the one recorded at indexing: a changed or missing source
 * is refused, naming the file. The folder is built under a temporary name
 * beside the target and renamed into place only when complete, so a
 * failure (full disk, cancel) never leaves a folder that looks finished.
 * An existing folder is refused unless force is set. Every export appends
 * a row ("export", with the manifest's SHA-256) to the case's hash-chained
 * audit log, which trawl_evidence_verify can check against.
 *
 * States of one export:
 *   CHECKING  -> COPYING    [sources hash as indexed; the folder may be made]
 *   COPYING   -> SEALING    [clips and thumbnails written and hashed]
 *   SEALING   -> DONE       [manifest (+ signature) written, audit row
 *                            appended, folder renamed into place]
 *   any       -> FAILED     [error set; the temporary folder is removed]
 *
 * Example:
 *
 *   TrawlExportOptions o;
 *   trawl_export_options_init (&o);
 *   o.track_id = 42;
 *   o.out_dir = "/evidence/track-42";
 *   o.sign = TRUE;
 *   g_autoptr(TrawlExportResult) r = trawl_evidence_export (cat, &o, NULL, &error);
 *   ...
 *   g_autoptr(TrawlVerifyReport) v = trawl_evidence_verify (r->dir, cat, NULL, &error);
 *   if (!trawl_verify_report_ok (v)) ... v->problems ...
 *
 * Threading: the blocking calls use cat from the calling thread; the
 * _async forms run them in a worker thread, during which the caller must
 * not use cat (a TrawlCatalog is one SQLite connection).
 */
#pragma once

#include <gio/gio.h>
#include <trawl/catalog.h>

G_BEGIN_DECLS

/* What to export: exactly one of track_id, sighting_id, or the window
 * (from_utc/to_utc both set). */
typedef struct {
  gint64             track_id;      /* > 0: this track, first..last sighting */
  gint64             sighting_id;   /* > 0: this sighting */
  double             from_utc;      /* window start, s since the epoch (true UTC); NAN: none */
  double             to_utc;        /* window end; NAN: none */
  const char *const *cameras;       /* window: camera names (NULL-terminated); NULL: all */
  double             before_s;      /* seconds before the track/sighting (default 10) */
  double             after_s;       /* seconds after (default 10) */
  const char        *out_dir;       /* the evidence folder to create; NULL: <case>/exports/
                                     * <track|sighting|window>[-<id>]-<UTC time> */
  const char        *operator_name; /* who exports; NULL: the login name */
  const char        *query;         /* what found it (text or JSON), recorded; nullable */
  gboolean           force;         /* replace an existing out_dir */
  gboolean           sign;          /* sign the manifest with the case key (made on first use) */
  gboolean           annotated;     /* also a re-encoded viewing copy per clip with the boxes
                                     * and the clock burnt in ("derived" in the manifest) */
} TrawlExportOptions;

/* Defaults: nothing selected, window NAN, 10 s before and after, unsigned. */
void trawl_export_options_init (TrawlExportOptions *opts);

/* One clip of an export. Times on the source's pts timeline (seconds). */
typedef struct {
  char   *file;                 /* name inside the folder */
  char   *camera;
  char   *source_path;
  char   *sha256;               /* of the clip */
  gint64  size;                 /* bytes */
  double  requested_start_s, requested_end_s;
  double  start_s, end_s;       /* actual (key frame) range */
  double  start_utc, end_utc;   /* actual range as true UTC; NAN when unknown */
} TrawlExportClip;

typedef struct {
  char      *dir;               /* the evidence folder */
  char      *manifest_sha256;
  gint64     audit_id;          /* the audit row recording the export */
  GPtrArray *clips;             /* TrawlExportClip*, owned */
  GPtrArray *thumbnails;        /* char* file names, owned */
  GPtrArray *derived;           /* char* file names of the annotated copies, owned */
  char      *public_key;        /* hex Ed25519 key when signed, else NULL */
} TrawlExportResult;

/* Accepts NULL. */
void trawl_export_result_free (TrawlExportResult *r);

/* Exports as described above. Returns a new result (free with
 * trawl_export_result_free), or NULL with error set and nothing left at
 * out_dir: TRAWL_ERROR_INVALID_ARG for bad options (no subject, two
 * subjects, negative margins, an existing out_dir without force, a window
 * no video covers), TRAWL_ERROR_NOT_FOUND for an unknown track, sighting or
 * camera, or a source file that is gone, TRAWL_ERROR_CORRUPT for a source
 * whose SHA-256 differs from the indexed one, TRAWL_ERROR_FAILED for I/O
 * (the message names the path and reason), G_IO_ERROR_CANCELLED. */
TrawlExportResult *trawl_evidence_export (TrawlCatalog *cat, const TrawlExportOptions *opts,
                                          GCancellable *cancellable, GError **error);
/* The same in a worker thread (opts is copied; cat must not be used until
 * the callback). */
void               trawl_evidence_export_async (TrawlCatalog *cat, const TrawlExportOptions *opts,
                                                GCancellable *cancellable,
                                                GAsyncReadyCallback callback, gpointer user_data);
TrawlExportResult *trawl_evidence_export_finish (GAsyncResult *result, GError **error);

/* The case's signing key: made on first use (private half written to
 * <case>/case.key with mode 0600, public half recorded in the catalog).
 * Sets *public_hex (g_free). Refuses (TRAWL_ERROR_CORRUPT) a case.key that
 * does not match the catalog's public key, a catalog key whose case.key is
 * gone, and a case.key others can read. */
gboolean trawl_evidence_case_key (TrawlCatalog *cat, char **public_hex, GError **error);

/* ---- verification ---- */

typedef struct {
  char *file;     /* the file concerned, e.g. "clip-1-gate.mp4", "manifest.json", "audit" */
  char *field;    /* the manifest field or audit row, e.g. "clips[0].sha256"; may be NULL */
  char *message;  /* what is wrong, for people */
} TrawlVerifyProblem;

typedef struct {
  GPtrArray *problems;        /* TrawlVerifyProblem*, owned; empty when all holds */
  guint      files_checked;   /* files whose hash was compared */
  gboolean   is_signed;       /* the manifest names a signing key */
  gboolean   signature_ok;    /* ... and the signature holds under it */
  char      *public_key;      /* that key (hex) or NULL */
  char      *manifest_sha256; /* NULL when manifest.json is unreadable */
  gint64     audit_id;        /* with a case: the row recording this export, else 0 */
  gint64     audit_rows;      /* with a case: rows in the chain */
} TrawlVerifyReport;

void     trawl_verify_report_free (TrawlVerifyReport *r);
/* TRUE when r has no problems. */
gboolean trawl_verify_report_ok (const TrawlVerifyReport *r);

/* Checks the export folder dir: manifest.json parses, every file it lists
 * exists with its size and SHA-256, no unlisted file sits in the folder,
 * the signature (when the manifest names a key, or manifest.sig exists)
 * holds. With cat (nullable): the manifest's key is the case's, an audit
 * row records this manifest's SHA-256, and the whole audit chain holds.
 * Problems go into the report, not error; NULL with error set only when the
 * check could not run (G_IO_ERROR_CANCELLED, a database error). */
TrawlVerifyReport *trawl_evidence_verify (const char *dir, TrawlCatalog *cat,
                                          GCancellable *cancellable, GError **error);
void               trawl_evidence_verify_async (const char *dir, TrawlCatalog *cat,
                                                GCancellable *cancellable,
                                                GAsyncReadyCallback callback, gpointer user_data);
TrawlVerifyReport *trawl_evidence_verify_finish (GAsyncResult *result, GError **error);

/* ---- the case report (PDF) ---- */

typedef struct {
  const gint64 *track_ids;     /* the findings, in the order given */
  guint         n_tracks;      /* 0: the tracks named in search_json */
  const char   *query;         /* the query, as text; nullable */
  const char   *search_json;   /* the text of a `trawl search --json` result; nullable:
                                * its "query" member is shown (when query is NULL), and
                                * with n_tracks 0 the "track_id" of each element of its
                                * "results" (or "tracks") array gives the findings */
  const char   *out_path;      /* the PDF to write (required) */
  const char   *operator_name; /* NULL: the login name */
  gboolean      force;         /* replace an existing out_path */
} TrawlReportOptions;

void trawl_report_options_init (TrawlReportOptions *opts);

typedef struct {
  char  *path;       /* absolute */
  char  *sha256;     /* of the PDF, also in the audit row */
  gint64 audit_id;
  int    pages;
  guint  n_findings;
} TrawlReportResult;

void trawl_report_result_free (TrawlReportResult *r);

/* Writes a PDF case report (cairo, pango): the query, each finding (track)
 * with its best thumbnails (the catalog's JPEG bytes embedded as they
 * are), camera, video, times in UTC and local time with where they came
 * from, the exports of it recorded in the audit log with their hashes, and
 * the route: every finding in wall-clock order across cameras. The file is
 * written atomically; its SHA-256 goes into a "report" audit row. NULL with
 * error set: TRAWL_ERROR_INVALID_ARG (no findings, bad search JSON,
 * out_path exists without force), TRAWL_ERROR_NOT_FOUND (an unknown
 * track), TRAWL_ERROR_FAILED (I/O, naming the path). */
TrawlReportResult *trawl_evidence_report (TrawlCatalog *cat, const TrawlReportOptions *opts,
                                          GCancellable *cancellable, GError **error);
/* The same in a worker thread (opts copied; cat not used by the caller
 * until the callback). */
void               trawl_evidence_report_async (TrawlCatalog *cat, const TrawlReportOptions *opts,
                                                GCancellable *cancellable,
                                                GAsyncReadyCallback callback, gpointer user_data);
TrawlReportResult *trawl_evidence_report_finish (GAsyncResult *result, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlExportResult, trawl_export_result_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlReportResult, trawl_report_result_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlVerifyReport, trawl_verify_report_free)

G_END_DECLS
