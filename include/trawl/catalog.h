/* trawl/catalog.h - the case directory and its SQLite catalog.
 *
 * A case is a directory:
 *
 *   <case>/catalog.sqlite   cameras, videos, index runs, tracks, sightings,
 *                           thumbnails, vector-file state, audit log (WAL mode)
 *   <case>/faces.faiss      face vectors   (vectors/; ids = sighting ids)
 *   <case>/plates.faiss     plate vectors  (vectors/)
 *   <case>/thumbs/ <case>/exports/
 *   <case>/.lock            held (flock) by the one process that writes
 *
 * Example: index one video.
 *
 *   g_autoptr(TrawlCatalog) cat = trawl_catalog_open (dir, TRAWL_CATALOG_CREATE, &error);
 *   gint64 cam, vid;
 *   trawl_catalog_ensure_camera (cat, "gate-2", &cam, &error);
 *   g_autoptr(TrawlCatalogVideo) done = NULL;
 *   trawl_catalog_find_video (cat, sha256, &done, &error);
 *   if (done != NULL && done->status == TRAWL_VIDEO_STATUS_DONE)
 *     skip ();
 *   ... fill a TrawlCatalogVideo v; trawl_catalog_insert_video (cat, &v, &error) ...
 *   trawl_catalog_begin_video (cat, v.id, &error);       // status indexing, BEGIN
 *   ... trawl_catalog_insert_track / _insert_sighting / _update_track ...
 *   trawl_catalog_commit_video (cat, v.id, &error);      // status done, COMMIT
 *   // on any failure: trawl_catalog_rollback_video (cat, v.id, reason, NULL);
 *
 * Resumability: everything a video produces is written in one SQLite
 * transaction, so a crash or Ctrl-C leaves either all of it or nothing, and
 * the video's status says "indexing" (committed before the transaction
 * began). trawl_catalog_reset_partial_videos turns those back into
 * "pending" so the next run redoes them. Sightings keep their embeddings, so
 * the FAISS files are a rebuildable cache of the catalog: save them after
 * commit_video, then record the new generation with
 * trawl_catalog_set_vectors_state; a FAISS file whose vector count differs
 * from the recorded state is rebuilt from the catalog.
 *
 * Times: double seconds since the Unix epoch, UTC (NAN when unknown); pts
 * in seconds from the start of the video. Boxes in pixels of the full frame.
 *
 * Errors: GError in TRAWL_ERROR (TRAWL_ERROR_BUSY: the case is locked by
 * another process; TRAWL_ERROR_CORRUPT: the database or audit chain is
 * damaged; TRAWL_ERROR_NOT_FOUND: no such record; TRAWL_ERROR_FAILED:
 * SQLite or I/O errors, message with the case path and SQLite's text).
 *
 * Threading: a TrawlCatalog is one SQLite connection; use it from one thread
 * at a time. Readers in other threads or processes open their own
 * (TRAWL_CATALOG_READONLY needs no lock and sees committed data only).
 */
#pragma once

#include <stdio.h>
#include <glib.h>
#include <trawl/base.h>
#include <trawl/video.h>

G_BEGIN_DECLS

/* The schema version this build writes (migrations table; see catalog-schema.c). */
#define TRAWL_CATALOG_SCHEMA_VERSION 4

typedef struct _TrawlCatalog TrawlCatalog;

typedef enum {
  TRAWL_CATALOG_CREATE   = 1 << 0,  /* create the case directory and catalog if missing */
  TRAWL_CATALOG_READONLY = 1 << 1,  /* no lock, no writes, no migrations */
} TrawlCatalogFlags;

/* Stored values: fixed, only ever added to. */
typedef enum {
  TRAWL_KIND_FACE  = 1,
  TRAWL_KIND_PLATE = 2,
} TrawlKind;

typedef enum {
  TRAWL_VIDEO_STATUS_PENDING  = 0,
  TRAWL_VIDEO_STATUS_INDEXING = 1,
  TRAWL_VIDEO_STATUS_DONE     = 2,
  TRAWL_VIDEO_STATUS_FAILED   = 3,
} TrawlVideoStatus;

/* "face"/"plate"; "pending"/"indexing"/"done"/"failed" (static strings). */
const char      *trawl_kind_to_string (TrawlKind kind);
/* 0 when unknown. */
TrawlKind        trawl_kind_from_string (const char *str);
const char      *trawl_video_status_to_string (TrawlVideoStatus status);

/* ---- the case ---- */

/* Opens the case directory dir. With TRAWL_CATALOG_CREATE, creates dir,
 * thumbs/, exports/ and catalog.sqlite as needed. Unless READONLY, takes
 * <dir>/.lock (flock; released by trawl_catalog_close or process exit) and
 * applies pending migrations. Returns a new catalog (free with
 * trawl_catalog_close), or NULL with error set: TRAWL_ERROR_BUSY naming the
 * pid that holds the lock, TRAWL_ERROR_NOT_FOUND when dir or its catalog is
 * missing and CREATE is not given, TRAWL_ERROR_CORRUPT when the file is not a
 * catalog or comes from a newer trawl. Nothing stays open on failure. */
TrawlCatalog *trawl_catalog_open (const char *dir, TrawlCatalogFlags flags, GError **error);

/* Closes the database and releases the lock. Accepts NULL. An open video
 * transaction is rolled back (the video stays "indexing", i.e. partial). */
void trawl_catalog_close (TrawlCatalog *cat);

/* The case directory (transfer none, lives as long as cat). */
const char *trawl_catalog_get_dir (TrawlCatalog *cat);
/* The SQLite library version in use (for --version; static). */
const char *trawl_catalog_sqlite_version (void);
/* The schema version recorded in the catalog. */
int trawl_catalog_get_schema_version (TrawlCatalog *cat);

/* ---- cameras ---- */

typedef struct {
  gint64 id;
  char  *name;
  double clock_offset_s;  /* add to the video's clock to get true UTC */
} TrawlCamera;

void trawl_camera_free (TrawlCamera *cam);

/* Finds the camera named name or creates it (offset 0). Sets *id. FALSE
 * with error set on a database error. */
gboolean trawl_catalog_ensure_camera (TrawlCatalog *cat, const char *name, gint64 *id,
                                      GError **error);
/* Sets the camera's clock offset and moves every wall-clock time derived
 * from it (its videos' tracks first/last_utc and sightings utc, which are
 * stored: start_time_utc + offset + pts_s) to the new offset, with an audit
 * row ("camera-clock-offset": camera, old and new offset, rows changed,
 * why), all in one transaction. why (nullable) says who asked, e.g.
 * "trawl camera set". Setting the offset it already has writes nothing.
 * *n_sightings (nullable) gets how many sightings' times changed.
 * TRAWL_ERROR_NOT_FOUND for no such camera; refused (INVALID_ARG) while a
 * video transaction is open. */
gboolean trawl_catalog_change_camera_clock_offset (TrawlCatalog *cat, gint64 camera_id,
                                                   double offset_s, const char *why,
                                                   gint64 *n_sightings, GError **error);
/* trawl_catalog_change_camera_clock_offset with why NULL. */
gboolean trawl_catalog_set_camera_clock_offset (TrawlCatalog *cat, gint64 camera_id,
                                                double offset_s, GError **error);
/* The camera named name: *out a new record (trawl_camera_free) or NULL
 * when there is none (not an error). */
gboolean trawl_catalog_find_camera (TrawlCatalog *cat, const char *name, TrawlCamera **out,
                                    GError **error);
/* All cameras, ordered by name: a new array of TrawlCamera* (free the array;
 * it frees its elements). NULL with error set on failure. */
GPtrArray *trawl_catalog_list_cameras (TrawlCatalog *cat, GError **error);

/* ---- videos ---- */

typedef struct {
  gint64           id;              /* set by insert */
  gint64           camera_id;
  char            *path;
  gint64           size;            /* bytes */
  char            *sha256;          /* lower-case hex of the file */
  double           duration_s;
  char            *codec;
  int              width, height;   /* px */
  double           fps;
  double           start_time_utc;  /* NAN when unknown */
  TrawlTimeSource  time_source;
  TrawlVideoStatus status;
  char            *error;           /* why it failed, or NULL */
  char            *time_detail;     /* how the start was found (the file-name form, the
                                     * times CSV and line, ...), or NULL */
  int              rotation;        /* degrees the frames were turned clockwise (0..270) */
  char            *time_jumps;      /* JSON [{"at_s":..,"file_s":..}] of the timestamp jumps
                                     * taken out of pts_s (TrawlTimeJump), NULL when none;
                                     * set by trawl_catalog_set_video_timeline */
} TrawlCatalogVideo;

/* Frees a video returned by the catalog. Accepts NULL. (A video the caller
 * filled for insert need not come from the heap and is never freed by the
 * catalog.) */
void trawl_catalog_video_free (TrawlCatalogVideo *video);

/* Inserts v (its id and status are ignored: status becomes pending) and sets
 * v->id. The strings are copied. FALSE with error set on failure
 * (TRAWL_ERROR_INVALID_ARG when the sha256 is already catalogued). */
gboolean trawl_catalog_insert_video (TrawlCatalog *cat, TrawlCatalogVideo *v, GError **error);

/* Looks a video up by content hash. Sets *out to a new record (free with
 * trawl_catalog_video_free) or to NULL when absent (not an error). FALSE
 * with error set on a database error. */
gboolean trawl_catalog_find_video (TrawlCatalog *cat, const char *sha256,
                                   TrawlCatalogVideo **out, GError **error);
gboolean trawl_catalog_get_video (TrawlCatalog *cat, gint64 id, TrawlCatalogVideo **out,
                                  GError **error);
/* All videos by id: a new array of TrawlCatalogVideo* (owns its elements). */
GPtrArray *trawl_catalog_list_videos (TrawlCatalog *cat, GError **error);

/* After decoding, inside the video's transaction: the true duration (the
 * reader's media end; NAN or <= 0 leaves the stored one) and the timestamp
 * jumps taken out (n_jumps 0: none). */
gboolean trawl_catalog_set_video_timeline (TrawlCatalog *cat, gint64 video_id, double duration_s,
                                           const TrawlTimeJump *jumps, guint n_jumps,
                                           GError **error);
/* The jumps of v->time_jumps: a new GArray of TrawlTimeJump (empty when
 * none or unreadable). */
GArray  *trawl_catalog_video_get_time_jumps (const TrawlCatalogVideo *v);
/* Gives a video a new wall-clock start (an explicit --start or times CSV
 * row for a video indexed before) and moves its tracks' and sightings'
 * times with it, audited ("video-start"), in one transaction. A start
 * equal to the stored one (and the same source) writes nothing; *changed
 * (nullable) says whether anything moved. */
gboolean trawl_catalog_set_video_start (TrawlCatalog *cat, gint64 video_id, double start_utc,
                                        TrawlTimeSource source, const char *detail,
                                        gboolean *changed, GError **error);

/* Sets a video's status (and error text, NULL to clear) outside any video
 * transaction. */
gboolean trawl_catalog_set_video_status (TrawlCatalog *cat, gint64 video_id,
                                         TrawlVideoStatus status, const char *error_text,
                                         GError **error);

/* Videos left "indexing" by a run that died: deletes whatever rows they
 * have (none, if the per-video transaction did its job) and sets them back
 * to "pending". *n_reset (nullable) gets how many. */
gboolean trawl_catalog_reset_partial_videos (TrawlCatalog *cat, guint *n_reset,
                                             GError **error);

/* Deletes a video's tracks, sightings and thumbnails (to redo it), and
 * returns in *sighting_ids (nullable; a new GArray of gint64, free with
 * g_array_unref) the ids removed, so the caller can drop them from FAISS. */
gboolean trawl_catalog_delete_video_rows (TrawlCatalog *cat, gint64 video_id,
                                          GArray **sighting_ids, GError **error);

/* ---- per-video transactions ---- */

/* Marks the video "indexing" (committed at once, so a crash leaves it
 * visible as partial) and opens the transaction that will hold all its
 * rows. Only one video transaction at a time per catalog. */
gboolean trawl_catalog_begin_video (TrawlCatalog *cat, gint64 video_id, GError **error);
/* Marks the video "done" and commits all its rows. On failure the
 * transaction is rolled back and the video stays "indexing". */
gboolean trawl_catalog_commit_video (TrawlCatalog *cat, gint64 video_id, GError **error);
/* Discards all rows of the open transaction and marks the video "failed"
 * with reason (NULL: "cancelled"). Safe to call when no transaction is open. */
gboolean trawl_catalog_rollback_video (TrawlCatalog *cat, gint64 video_id, const char *reason,
                                       GError **error);

/* The video whose transaction is open on this catalog, 0 when none. */
gint64 trawl_catalog_get_open_video (TrawlCatalog *cat);

/* ---- index runs ---- */

/* Records the start of `trawl index` (now, UTC). settings_json may be NULL
 * ("{}"); it must be valid JSON. Sets *run_id. */
gboolean trawl_catalog_begin_run (TrawlCatalog *cat, const char *command_line,
                                  const char *settings_json, gint64 *run_id, GError **error);
gboolean trawl_catalog_finish_run (TrawlCatalog *cat, gint64 run_id, GError **error);
/* The latest index run: *started and *finished (UTC text as stored;
 * *finished NULL when that run never finished, i.e. it crashed or was
 * killed) and *command_line, each new (g_free) or NULL. All NULL when
 * there was no run. FALSE with error set on a database error. */
gboolean trawl_catalog_get_last_run (TrawlCatalog *cat, char **started, char **finished,
                                     char **command_line, GError **error);

/* ---- tracks and sightings ---- */

typedef struct {
  gint64    id;                  /* set by insert */
  TrawlKind kind;
  gint64    video_id;
  double    first_pts_s, last_pts_s;
  double    first_utc, last_utc;  /* NAN when the video has no wall-clock start */
  gint64    best_sighting_id;    /* 0 until known */
  char     *best_plate_text;     /* plates: the best reading, or NULL */
  char     *best_plate_alternatives;  /* JSON: per-character alternatives, or NULL */
  float     best_quality;
  int       n_sightings;
  float    *mean_embedding;      /* n_embedding floats, or NULL */
  int       n_embedding;
  /* filled by queries only: */
  gint64    camera_id;
  char     *camera_name;
} TrawlTrack;

typedef struct {
  gint64    id;                  /* set by insert */
  gint64    track_id;            /* 0 when not tracked */
  gint64    video_id;
  TrawlKind kind;
  double    pts_s;
  double    utc;                 /* NAN when unknown */
  float     x, y, w, h;          /* box, px */
  float     score;               /* detector confidence 0..1 */
  float     quality;             /* 0..1, higher is better */
  char     *plate_text;          /* NULL for faces */
  char     *plate_alternatives;  /* JSON or NULL */
  float    *embedding;           /* n_embedding floats, or NULL */
  int       n_embedding;
} TrawlSighting;

/* Free records returned by queries. Accept NULL. (Records the caller fills
 * for insert/update may point at borrowed memory: the catalog copies what it
 * needs and never frees them.) */
void trawl_track_free (TrawlTrack *track);
void trawl_sighting_free (TrawlSighting *sighting);

/* Inserts a track (kind, video_id required; the rest may be filled later
 * with update) and sets t->id. JSON fields must be valid JSON or NULL. */
gboolean trawl_catalog_insert_track (TrawlCatalog *cat, TrawlTrack *t, GError **error);
/* Rewrites every stored field of track t->id from t. */
gboolean trawl_catalog_update_track (TrawlCatalog *cat, const TrawlTrack *t, GError **error);
/* Inserts a sighting and sets s->id. */
gboolean trawl_catalog_insert_sighting (TrawlCatalog *cat, TrawlSighting *s, GError **error);
/* Stores a JPEG thumbnail for a sighting (the bytes are copied). */
gboolean trawl_catalog_insert_thumbnail (TrawlCatalog *cat, gint64 sighting_id,
                                         const guint8 *jpeg, gsize len, GError **error);
/* *out: new GBytes (g_bytes_unref) or NULL when there is none. */
gboolean trawl_catalog_get_thumbnail (TrawlCatalog *cat, gint64 sighting_id, GBytes **out,
                                      GError **error);
/* *out: new record (trawl_sighting_free) or NULL when absent. */
gboolean trawl_catalog_get_sighting (TrawlCatalog *cat, gint64 id, TrawlSighting **out,
                                     GError **error);
gboolean trawl_catalog_get_track (TrawlCatalog *cat, gint64 id, TrawlTrack **out,
                                  GError **error);

/* The sightings of track track_id ordered by pts: a new array of
 * TrawlSighting* (owns its elements; empty when the track has none or does
 * not exist). NULL with error set on a database error. */
GPtrArray *trawl_catalog_list_track_sightings (TrawlCatalog *cat, gint64 track_id,
                                               GError **error);

/* Sightings of one kind with an embedding, for rebuilding a vector file.
 * Calls func for each (the record is borrowed for the call only); stops
 * early when func returns FALSE. */
typedef gboolean (*TrawlSightingFunc) (const TrawlSighting *s, gpointer user_data);
gboolean trawl_catalog_foreach_sighting (TrawlCatalog *cat, TrawlKind kind,
                                         TrawlSightingFunc func, gpointer user_data,
                                         GError **error);

typedef struct {
  TrawlKind   kind;         /* 0: any */
  const char *camera;       /* camera name, NULL: any */
  gint64      video_id;     /* 0: any */
  const char *plate_glob;   /* SQLite GLOB on best plate text (e.g. "AB*"), NULL: any */
  int         limit;        /* <= 0: no limit */
  int         offset;
} TrawlTrackFilter;

/* Tracks matching filter (NULL: all), ordered by first wall-clock time then
 * id: a new array of TrawlTrack* (owns its elements) with camera fields set. */
GPtrArray *trawl_catalog_list_tracks (TrawlCatalog *cat, const TrawlTrackFilter *filter,
                                      GError **error);

/* ---- queries for search ---- */

/* One plate track, lean: what a plate-text search compares, borrowed for
 * the callback only. */
typedef struct {
  gint64      track_id;
  gint64      camera_id;
  double      first_utc, last_utc;  /* NAN when unknown */
  const char *text;                 /* the best reading, normalised */
  const char *alternatives;         /* its per-character alternatives (JSON), or NULL */
} TrawlPlateTrackRow;

typedef gboolean (*TrawlPlateTrackFunc) (const TrawlPlateTrackRow *row, gpointer user_data);

/* Calls func for every plate track with a reading, by id; stops early when
 * func returns FALSE. */
gboolean trawl_catalog_foreach_plate_track (TrawlCatalog *cat, TrawlPlateTrackFunc func,
                                            gpointer user_data, GError **error);
/* track_ids[i] = the track of sighting_ids[i] (0: no such sighting, or
 * untracked). */
gboolean trawl_catalog_get_sighting_tracks (TrawlCatalog *cat, gsize n,
                                            const gint64 *sighting_ids, gint64 *track_ids,
                                            GError **error);
/* Where and when a track was seen: the few fields a filter needs. */
typedef struct {
  gint64 track_id;            /* 0 when there is no such track */
  gint64 camera_id;
  double first_utc, last_utc; /* NAN when unknown */
} TrawlTrackSpan;

/* spans[i] for track_ids[i], in one prepared statement (search filters
 * hundreds of tracks per query). */
gboolean trawl_catalog_get_track_spans (TrawlCatalog *cat, gsize n, const gint64 *track_ids,
                                        TrawlTrackSpan *spans, GError **error);
/* A number that changes whenever another connection commits to the
 * catalog (SQLite's data_version): a cache of catalog rows is stale when
 * it differs from the one read when the cache was filled. */
gboolean trawl_catalog_get_data_version (TrawlCatalog *cat, gint64 *version, GError **error);

/* ---- counts for `trawl info` ---- */

typedef struct {
  gint64 cameras;
  gint64 videos, videos_done, videos_failed, videos_pending;  /* pending includes indexing */
  gint64 face_tracks, plate_tracks;
  gint64 face_sightings, plate_sightings;
  gint64 thumbnails;
  gint64 index_runs;
  gint64 audit_rows;
  double hours_indexed;   /* sum of duration of done videos */
} TrawlCatalogStats;

gboolean trawl_catalog_get_stats (TrawlCatalog *cat, TrawlCatalogStats *stats, GError **error);

typedef struct {
  gint64 camera_id;
  char  *camera;
  gint64 videos;
  gint64 face_tracks, plate_tracks;
  gint64 face_sightings, plate_sightings;
} TrawlCameraStats;

void trawl_camera_stats_free (TrawlCameraStats *s);
/* Counts per camera (cameras without videos included), by name: a new
 * array of TrawlCameraStats* (owns its elements). */
GPtrArray *trawl_catalog_get_camera_stats (TrawlCatalog *cat, GError **error);

/* ---- vector file state ---- */

/* Records that the vector file of kind is durable at generation with
 * n_vectors vectors. Use after the file's atomic save. */
gboolean trawl_catalog_set_vectors_state (TrawlCatalog *cat, TrawlKind kind, gint64 generation,
                                          gint64 n_vectors, GError **error);
/* *generation and *n_vectors are 0 when nothing was recorded. */
gboolean trawl_catalog_get_vectors_state (TrawlCatalog *cat, TrawlKind kind,
                                          gint64 *generation, gint64 *n_vectors,
                                          GError **error);

/* ---- audit log (append-only, hash-chained) ---- */

/* Appends a row: time (now, UTC), user (NULL: the login name), action (e.g.
 * "index", "export"), details_json (NULL: {}; must be a JSON value, stored in
 * compact canonical form). hash = SHA-256 of the previous row's hash (hex)
 * followed by the canonical row text, see audit.c. Sets *id (nullable). */
gboolean trawl_catalog_audit_append (TrawlCatalog *cat, const char *user, const char *action,
                                     const char *details_json, gint64 *id, GError **error);

/* The newest audit row of action whose details hold value at json_path
 * (SQLite's json_extract, e.g. "$.manifest_sha256"): *id, or 0 when none. */
gboolean trawl_catalog_audit_find_latest (TrawlCatalog *cat, const char *action,
                                          const char *json_path, const char *value, gint64 *id,
                                          GError **error);
/* The details (JSON text) of every audit row of action whose details hold
 * the integer value at json_path, oldest first: a new array of char*. */
GPtrArray *trawl_catalog_audit_list_details (TrawlCatalog *cat, const char *action,
                                             const char *json_path, gint64 value,
                                             GError **error);

/* Walks the whole chain. TRUE when every row's hash and link hold (*n_rows,
 * nullable, gets the count). FALSE with TRAWL_ERROR_CORRUPT naming the first
 * broken row and *first_bad_id (nullable) set to its id (appending is then
 * refused); FALSE with another code on a database error (*first_bad_id = 0).
 *
 * Opening a catalog checks the chain cheaply: the rows added since the last
 * verified one (recorded by writers), and that row itself; all of it when
 * the append-only triggers were dropped (a writer puts them back). A broken
 * chain does not fail the open, but trawl_catalog_audit_get_damage says why
 * and trawl_catalog_audit_append refuses with TRAWL_ERROR_CORRUPT. */
gboolean trawl_catalog_audit_verify (TrawlCatalog *cat, gint64 *n_rows, gint64 *first_bad_id,
                                     GError **error);
/* Why the audit chain is known to be broken (the check on open or the last
 * verify), or NULL when it held (transfer none). */
const char *trawl_catalog_audit_get_damage (TrawlCatalog *cat);

/* One audit row as stored. */
typedef struct {
  gint64 id;
  char  *time_utc, *user, *action, *details, *prev_hash, *hash;
} TrawlAuditRow;

void trawl_audit_row_free (TrawlAuditRow *row);
/* Every audit row by id: a new array of TrawlAuditRow* (owns its elements).
 * Reads only; trawl_catalog_audit_verify says whether they hold. */
GPtrArray *trawl_catalog_audit_list (TrawlCatalog *cat, GError **error);

/* ---- checks (trawl check; catalog.c, catalog-check.c) ---- */

/* SQLite's PRAGMA integrity_check (quick: quick_check, which skips the
 * cross-check of indexes against tables). Appends a line to problems (of
 * char*) for each thing wrong; TRUE when the check ran, even if it found
 * damage. Writers run the quick check on open and refuse a damaged catalog
 * with TRAWL_ERROR_CORRUPT. */
gboolean trawl_catalog_check_integrity (TrawlCatalog *cat, gboolean quick, GPtrArray *problems,
                                        GError **error);
/* Rows that point at rows that are gone (a track's best sighting, a
 * sighting's track, either's video, a thumbnail's sighting): one line per
 * kind of problem, with its count and the first ids, appended to problems. */
gboolean trawl_catalog_check_references (TrawlCatalog *cat, GPtrArray *problems,
                                         GError **error);
/* Sightings of kind whose embedding has dim floats: what the vector file of
 * kind should hold. -1 with error set on a database error. */
gint64 trawl_catalog_count_embeddings (TrawlCatalog *cat, TrawlKind kind, int dim,
                                       GError **error);

/* ---- inputs that failed (one record per path) ---- */

typedef struct {
  char *path;
  char *error;  /* why, without the path */
} TrawlFailedFile;

void trawl_failed_file_free (TrawlFailedFile *f);
/* Records (or replaces) why the input at path could not be indexed.
 * Identical files share one video row, but each path has its own record. */
gboolean trawl_catalog_record_failed_file (TrawlCatalog *cat, const char *path,
                                           const char *reason, GError **error);
/* Forgets path's failure (it has been indexed since). */
gboolean trawl_catalog_clear_failed_file (TrawlCatalog *cat, const char *path, GError **error);
/* Every failed input by path: a new array of TrawlFailedFile* (owns its
 * elements); includes failed videos of older catalogs. */
GPtrArray *trawl_catalog_list_failed_files (TrawlCatalog *cat, GError **error);

/* ---- evidence signing key (catalog-keys.c) ---- */

/* The case's signing public key (lower-case hex) and its algorithm
 * ("ed25519"), each a new string (nullable out-parameters), or NULL/NULL
 * when no key was recorded yet (not an error). FALSE on a database error. */
gboolean trawl_catalog_get_signing_key (TrawlCatalog *cat, char **algorithm, char **public_hex,
                                        GError **error);
/* Records the case's public key (once: a second, different key is refused
 * with TRAWL_ERROR_INVALID_ARG, since exports signed with the first must
 * stay checkable). Recording the same key again is a no-op. */
gboolean trawl_catalog_set_signing_key (TrawlCatalog *cat, const char *algorithm,
                                        const char *public_hex, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlCatalog, trawl_catalog_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlCamera, trawl_camera_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlCatalogVideo, trawl_catalog_video_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlTrack, trawl_track_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlSighting, trawl_sighting_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlCameraStats, trawl_camera_stats_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlAuditRow, trawl_audit_row_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlFailedFile, trawl_failed_file_free)

G_END_DECLS
