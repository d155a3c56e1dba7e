/* trawl/track.h - the tracker: joins per-frame detections of one video into
 * tracks (one person's face, one vehicle's plate, seen over a span of time).
 *
 * Frames are sampled sparsely (about 2 per second), so boxes move a lot
 * between frames; association therefore leans on identity as well as place:
 * faces match on embedding distance (or box IoU with a looser distance),
 * plates on text similarity after folding OCR-confusable characters (or IoU
 * with a looser text bound). Matching is greedy over all candidate pairs,
 * best first, one detection per track per frame.
 *
 * Each track keeps every observation (the indexer stores each as a sighting)
 * and JPEG thumbnails of its best few observations by quality, encoded when
 * they arrive (the frame itself is not kept).
 *
 * Example:
 *
 *   TrawlTracker *tr = trawl_tracker_new (NULL);
 *   for each sampled frame:
 *     trawl_tracker_add_faces (tr, frame, pts, faces);
 *     trawl_tracker_add_plates (tr, frame, pts, plates);
 *   g_autoptr(GPtrArray) tracks = trawl_tracker_finish (tr);   // TrawlTrackResult*
 *   trawl_tracker_free (tr);
 *
 * Threading: one thread at a time per tracker.
 */
#pragma once

#include <glib.h>
#include <trawl/detect.h>
#include <trawl/image.h>

G_BEGIN_DECLS

/* Same values as TrawlKind in catalog.h (which sits above this module). */
typedef enum {
  TRAWL_TRACK_FACE  = 1,
  TRAWL_TRACK_PLATE = 2,
} TrawlTrackKind;

typedef struct {
  float  iou_min;            /* boxes overlapping this much are the same place (0.3) */
  float  face_dist_max;      /* embeddings this close are the same person anywhere (0.55) */
  float  face_dist_near;     /* ... and this close when the boxes overlap (0.7) */
  float  plate_sim_min;      /* folded-text similarity for the same plate anywhere (0.7) */
  float  plate_sim_near;     /* ... and when the boxes overlap (0.4) */
  double max_gap_s;          /* a track unseen this long is closed (3.0 s of video) */
  int    max_thumbs;         /* thumbnails kept per track (3) */
  int    thumb_size;         /* longest side of a thumbnail, px (160) */
  gboolean keep_unlikely_plates; /* FALSE: finish drops plate tracks whose text is not
                                  * likely a plate (trawl_plate_likely on the voted text
                                  * and the best quality: badges, model names, stickers) */
} TrawlTrackerOptions;

/* Fills the defaults above. */
void trawl_tracker_options_init (TrawlTrackerOptions *opts);

/* One detection as it joined a track. */
typedef struct {
  double   pts_s;
  TrawlBox box;
  float    score;            /* detector confidence */
  float    quality;          /* faces: TrawlFaceQuality.overall; plates: confidence x det score */
  gboolean has_embedding;
  float    embedding[TRAWL_FACE_EMBED_DIM];  /* faces only */
  char    *plate_text;       /* plates: normalised read, else NULL */
  char    *plate_alternatives; /* plates: JSON array of per-character alternatives */
  GBytes  *thumb_jpeg;       /* JPEG crop for the best few observations, else NULL */
} TrawlTrackObs;

typedef struct {
  TrawlTrackKind kind;
  GArray  *obs;              /* of TrawlTrackObs, in time order (owns their contents) */
  double   first_pts_s, last_pts_s;
  guint    best_obs;         /* index of the best-quality observation */
  float    best_quality;
  gboolean has_embedding;
  float    mean_embedding[TRAWL_FACE_EMBED_DIM];  /* faces: L2-normalised mean */
  char    *best_plate_text;  /* plates: a vote per character over the obs' reads (weighted
                              * by quality, aligned to the majority length), placed by
                              * national shape (trawl_plate_vote, _resolve_by_shape) */
  char    *best_plate_alternatives; /* plates: JSON of the vote per character, as
                                     * trawl_plate_chars_to_json writes it */
} TrawlTrackResult;

void trawl_track_result_free (TrawlTrackResult *t);

typedef struct _TrawlTracker TrawlTracker;

/* A new tracker (opts NULL: defaults; copied). Free with trawl_tracker_free. */
TrawlTracker *trawl_tracker_new (const TrawlTrackerOptions *opts);
void          trawl_tracker_free (TrawlTracker *tr);

/* Adds the faces (GArray of TrawlFace, may be NULL or empty) of the frame
 * at pts_s. frame (nullable) is used only to cut thumbnails. pts_s must not
 * go backwards. */
void trawl_tracker_add_faces (TrawlTracker *tr, const TrawlImage *frame, double pts_s,
                              const GArray *faces);
/* Adds the plates (GPtrArray of TrawlPlate*, may be NULL or empty). */
void trawl_tracker_add_plates (TrawlTracker *tr, const TrawlImage *frame, double pts_s,
                               const GPtrArray *plates);

/* The frame at pts_s was not given to the detectors because it showed no
 * change from the last frame that was (the motion gate, trawl/video.h):
 * the tracks seen in that frame are taken as seen at pts_s too, so a
 * parked car or a seated person is not closed after max_gap_s of skipped
 * frames. Their observations and last_pts_s stay as they are. Tracks
 * missing from that frame age as before. */
void trawl_tracker_hold (TrawlTracker *tr, double pts_s);

/* Number of tracks so far (open and closed). */
guint trawl_tracker_get_n_tracks (TrawlTracker *tr, TrawlTrackKind kind);

/* Closes every track and hands them over, ordered by first pts: a new
 * GPtrArray of TrawlTrackResult* (owns them), less the plate tracks that
 * are not likely plates (see keep_unlikely_plates). The tracker is empty
 * after. */
GPtrArray *trawl_tracker_finish (TrawlTracker *tr);

/* Similarity 0..1 of two plate reads: 1 - edit distance / longer length,
 * computed on the folded texts (trawl_plate_fold). 0 when either is empty. */
float trawl_plate_text_similarity (const char *a, const char *b);

/* JSON array for a read's characters: [{"c":"A","p":0.98,"alt":[["4",0.01]]},...]
 * (g_free). "[]" when chars is NULL. */
char *trawl_plate_chars_to_json (const GArray *chars);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlTracker, trawl_tracker_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlTrackResult, trawl_track_result_free)

G_END_DECLS
