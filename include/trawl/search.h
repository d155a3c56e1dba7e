/* trawl/search.h - the investigator's question: which tracks in a case
 * show this face or this plate, where and when.
 *
 * A query says what to look for (face photos, a plate pattern, a plate
 * photo, or an existing track) and how to narrow it (cameras, a time
 * window, a minimum score, a limit). A TrawlSearch holds what answering
 * needs and is worth keeping between queries: the case opened read-only
 * (no lock: it works while `trawl index` writes the case, on what is
 * committed), its vector stores, the face and plate models (loaded on the
 * first query that needs them) and an in-memory table of plate reads
 * (refilled when the catalog changes).
 *
 * Results are tracks, ranked, each with its score and whether it passes
 * the match threshold of its kind (the threshold is part of the results,
 * so a front end can always show it beside the scores).
 *
 *   g_autoptr(TrawlSearch) s = trawl_search_new (case_dir, &error);
 *   g_autoptr(TrawlQuery) q = trawl_query_new ();
 *   trawl_query_add_face_photo (q, "suspect.jpg", NULL);
 *   trawl_query_add_camera (q, "gate-2");
 *   g_autoptr(TrawlSearchResults) r = trawl_search_run (s, q, NULL, &error);
 *   for (guint i = 0; i < r->hits->len; i++) ... r->hits->pdata[i] ...
 *
 * Scores: faces, trawl_search_face_track_score below (the track's best
 * sighting of searchable quality, scored by its mean cosine similarity to
 * the query's photos); plates, the pattern score of trawl/plate.h (1 =
 * exact). Both 0..1, higher is nearer.
 *
 * Errors: GError in TRAWL_ERROR. INVALID_ARG for a query a person got
 * wrong, with a message that says what to change (no face in the photo and
 * why, an unknown camera with the known ones listed, --from after --to);
 * NOT_FOUND for a folder that is not a case or an unknown track.
 * Threading: one thread at a time per TrawlSearch; the _async form runs
 * the query in a worker thread (do not use s until it completes).
 */
#pragma once

#include <gio/gio.h>
#include <trawl/case.h>
#include <trawl/catalog.h>

G_BEGIN_DECLS

/* Face similarity from which two faces are called the same person:
 * distance 0.42 between unit descriptors, as cosine 1 - 0.42^2 / 2.
 * Chosen with trawl eval on both face sets together (../shared/data and
 * the tight grayscale crops and group photos of scripts/devset-faces):
 * the distance at FAR 1e-3 there is 0.421 (272 of 282 same-person pairs
 * accepted, at most 4 of 4,374 impostor pairs). 0.45, chosen on the
 * shared set alone, let 29 impostor pairs through on both. */
#define TRAWL_SEARCH_FACE_THRESHOLD 0.9118

/* Face sightings below this quality (TrawlFaceQuality.overall, kept as the
 * sighting's quality) never make a match: blurred, tiny or turned-away
 * faces embed near the middle of the space, within the threshold of
 * strangers. Chosen on the shared people clips (trawl eval videos/people):
 * the lowest gate without a false match on the Hamilton clip, the one clip
 * with faces that good (the four CCTV-style clips have none above 0.10),
 * with every gallery identity of ../shared/data and of the second face set
 * as queries. Lin-Manuel Miranda's stage faces are 0.25..0.65. */
#define TRAWL_SEARCH_FACE_MIN_QUALITY 0.25

/* The score of one face against the query's photos: the mean, over the
 * photos, of the cosine similarity of face and photo (face: one
 * descriptor; photos: n_photos of them, TRAWL_FACE_DIM floats each; none
 * need be unit length). The mean of the similarities rather than the
 * similarity to the photos' pooled mean: pooling several photos gives a
 * descriptor nearer the middle of the space, and photos of two people pooled
 * give one that matches a third; on the still faces of both face sets the
 * mean of similarities accepted 7 of 1488 impostor identities at the
 * threshold, the pooled mean 40 and the best photo 28 (all genuine
 * accepted). 0 when n_photos is 0. */
double trawl_search_face_score (const float *face, const float *photos, int n_photos);

/* A face track's score against the query's photos: the best
 * trawl_search_face_score among its faces (n_faces descriptors with their
 * qualities) of at least TRAWL_SEARCH_FACE_MIN_QUALITY. When none reaches
 * it, the best over all faces, and *searchable (nullable) is FALSE: such a
 * track is shown, never called a match. *best (nullable) gets the index of
 * the face that scored (-1 when n_faces is 0). Each face counts alone: a
 * mean of the track's faces sat nearer every gallery identity than its
 * best face did (on the Hamilton clip it made Miranda's track match Obama's
 * photos). */
double trawl_search_face_track_score (const float *photos, int n_photos, const float *faces,
                                      const float *qualities, int n_faces, int *best,
                                      gboolean *searchable);

/* A plate read matches a fuzzy pattern when the cheapest alignment costs
 * at most this: one character wrong, missing or extra, or look-alikes
 * (B/8, O/0...) adding up to no more. As a score that is
 * 1 - 1 / n_literals (0.857 for a 7-character plate), given with the
 * results. */
#define TRAWL_SEARCH_PLATE_MAX_COST 1.0

typedef struct _TrawlQuery TrawlQuery;
typedef struct _TrawlSearch TrawlSearch;

/* ---- the query ---- */

TrawlQuery *trawl_query_new (void);
void        trawl_query_free (TrawlQuery *q);

/* A photo of the person. Several photos of one person are pooled: a
 * track's score is its mean similarity to them (see
 * trawl_search_face_score), which makes a query steadier than any single
 * one. face_index picks a face in a photo of several (0 = the largest; 1 =
 * the next by size...); box, when not NULL, gives the face's place by hand
 * (x, y, w, h px; face_index is then ignored). Photos are read when the
 * query runs. */
void trawl_query_add_face_photo (TrawlQuery *q, const char *path, int face_index,
                                 const float *box);
/* A face descriptor computed elsewhere (TRAWL_FACE_DIM floats; pooled
 * with the photos). */
void trawl_query_add_face_descriptor (TrawlQuery *q, const float *descriptor);
/* Plate text: '?' one character, '*' any run; case and separators do not
 * matter. Checked here: FALSE with error set for a malformed pattern.
 * exact: no OCR-confusion tolerance. */
gboolean trawl_query_set_plate_text (TrawlQuery *q, const char *pattern, gboolean exact,
                                     GError **error);
/* A photo of the plate: read when the query runs; characters the reader
 * is unsure of become '?'. */
void trawl_query_set_plate_photo (TrawlQuery *q, const char *path);
/* More like this track (its kind decides face or plate). */
void trawl_query_set_track (TrawlQuery *q, gint64 track_id);

/* Filters. Cameras by name (repeatable; an unknown name fails the query
 * with the known ones listed). Times in seconds since the epoch, UTC; NAN
 * leaves that end open. A track is kept when its span meets the window;
 * tracks of unknown time are kept only with no window. */
void trawl_query_add_camera (TrawlQuery *q, const char *camera);
void trawl_query_set_time_range (TrawlQuery *q, double from_utc, double to_utc);
/* Hits below min_score are dropped (default 0: all, with the threshold
 * shown); limit caps the hits (default 50; <= 0 none). */
void trawl_query_set_min_score (TrawlQuery *q, double min_score);
void trawl_query_set_limit (TrawlQuery *q, int limit);
/* Fill each hit's thumbnail (JPEG bytes of its best sighting). Default
 * FALSE. */
void trawl_query_set_thumbnails (TrawlQuery *q, gboolean with_thumbnails);

/* Parses a time a person typed: ISO 8601 with an offset or Z
 * ("2024-03-14T21:05:00+08:00"), or local time without one ("2024-03-14
 * 21:05", "2024-03-14T21:05:07", "2024-03-14" for midnight). *utc gets
 * seconds since the epoch. FALSE with TRAWL_ERROR_INVALID_ARG and an
 * example otherwise. */
gboolean trawl_parse_time (const char *text, double *utc, GError **error);

/* The query as compact JSON (what was asked, for logs and manifests;
 * g_free). */
char *trawl_query_to_json (const TrawlQuery *q);

/* ---- results ---- */

typedef struct {
  int        rank;             /* 1-based */
  gint64     track_id;
  TrawlKind  kind;
  double     score;            /* 0..1 */
  gboolean   match;            /* score >= the results' threshold (and, faces,
                                  * not low_quality) */
  gboolean   low_quality;      /* faces: no sighting of the track reaches
                                  * TRAWL_SEARCH_FACE_MIN_QUALITY; ranked by its
                                  * best, never a match */
  char      *camera;
  gint64     camera_id;
  double     first_utc, last_utc;    /* NAN when unknown */
  double     first_pts_s, last_pts_s;
  int        n_sightings;
  gint64     best_sighting_id;  /* the moment to jump to ... */
  double     jump_pts_s;        /* ... at this pts of ... */
  char      *video_path;        /* ... this file */
  gint64     video_id;
  float      box[4];            /* the best sighting's box, px (x, y, w, h) */
  char      *plate_text;        /* plates: the track's reading */
  GBytes    *thumbnail;         /* JPEG, or NULL */
} TrawlSearchHit;

typedef struct {
  TrawlKind   kind;             /* what was searched */
  GPtrArray  *hits;             /* of TrawlSearchHit*, best first */
  double      threshold;        /* match threshold of kind */
  const char *threshold_note;   /* where it comes from (static) */
  char       *query_text;       /* plates: the pattern searched (a photo's read), or NULL */
  int         n_query_faces;    /* faces: descriptors pooled */
  gint64      n_candidates;     /* tracks looked at */
  double      elapsed_s;
} TrawlSearchResults;

void trawl_search_hit_free (TrawlSearchHit *hit);
void trawl_search_results_free (TrawlSearchResults *r);

/* The route: the matching hits (match TRUE) in time order, then those of
 * unknown time. A new array of borrowed TrawlSearchHit* (valid while r). */
GPtrArray *trawl_search_results_route (const TrawlSearchResults *r);

/* ---- running ---- */

/* Opens case_dir for searching (read-only). NULL with error set. */
TrawlSearch *trawl_search_new (const char *case_dir, GError **error);
void         trawl_search_free (TrawlSearch *s);
/* The case (transfer none). */
TrawlCase   *trawl_search_get_case (TrawlSearch *s);

TrawlSearchResults *trawl_search_run (TrawlSearch *s, const TrawlQuery *q,
                                      GCancellable *cancellable, GError **error);
/* The same in a worker thread; q is copied. */
void                trawl_search_run_async (TrawlSearch *s, const TrawlQuery *q,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
TrawlSearchResults *trawl_search_run_finish (TrawlSearch *s, GAsyncResult *result,
                                             GError **error);

/* The pooled, L2-normalised descriptor of the query's face photos and
 * descriptors (TRAWL_FACE_DIM floats into out): their mean, what the vector
 * store is asked with (tracks are then scored against each photo, see
 * trawl_search_face_score). *n_faces (nullable) gets how many were pooled. FALSE with error set (a photo's problem named). */
gboolean trawl_search_query_face (TrawlSearch *s, const TrawlQuery *q, float *out,
                                  int *n_faces, GError **error);

/* Everything about one track: the track and its sightings in time order
 * (*track: trawl_track_free; *sightings: a new array of TrawlSighting*).
 * NOT_FOUND for an unknown id. */
gboolean trawl_search_get_track (TrawlSearch *s, gint64 track_id, TrawlTrack **track,
                                 GPtrArray **sightings, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlQuery, trawl_query_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlSearch, trawl_search_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlSearchResults, trawl_search_results_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlSearchHit, trawl_search_hit_free)

G_END_DECLS
