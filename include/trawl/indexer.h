/* trawl/indexer.h - `trawl index`: footage files in, a case catalog with
 * tracks, sightings, thumbnails and FAISS vector files out.
 *
 * Pipeline per video: a decode thread samples frames into a bounded queue
 * (back-pressure: decoding never runs far ahead of detection); the calling
 * thread runs the face and plate detectors and the tracker on each frame;
 * when the video ends, all its tracks, sightings and thumbnails are written
 * in one catalog transaction (trawl_catalog_begin/commit_video), then its
 * vectors are added to the stores, which are saved atomically and recorded
 * with trawl_catalog_set_vectors_state.
 *
 * Resuming: a video whose SHA-256 is catalogued as done is skipped; one left
 * "indexing" by a crash is reset and redone; one marked failed is retried.
 * At start the vector files are checked against the catalog and rebuilt
 * from it when their counts differ (a crash between commit and save).
 *
 * Bad input (unreadable, empty, not media, undecodable) is reported per
 * file with a reason and counted; indexing goes on with the next file.
 */
#pragma once

#include <glib.h>
#include <trawl/nn.h>

G_BEGIN_DECLS

typedef struct {
  guint  files_total, files_done;    /* done: indexed + skipped + failed */
  guint  videos_indexed, videos_skipped, videos_failed;
  double video_s_total;              /* sum of durations of files probed so far */
  double video_s_done;               /* video time processed (incl. the current file) */
  guint64 frames_sampled;
  guint64 frames_gated;              /* of those, kept from the detectors by the motion gate */
  guint64 faces, plates;             /* sightings found */
  guint64 face_tracks, plate_tracks;
  double elapsed_s;
  double eta_s;                      /* < 0 when unknown */
  const char *current;               /* file being indexed, or NULL (transfer none) */
  /* time per stage, seconds (decode runs in its own thread, so the sum may
   * exceed elapsed): */
  double t_hash, t_decode, t_faces, t_plates, t_track, t_write, t_vectors;
  /* the split of t_faces and t_plates by model (engine runs only): */
  double t_face_detect, t_face_landmarks, t_face_embed, t_plate_detect, t_plate_read;
  /* decode path: videos decoded by NVDEC, and of those the ones whose
   * frames stayed on the GPU up to the networks (the CUDA backend) */
  guint  videos_nvdec, videos_gpu_frames;
  /* "path: reason" for each failed file (transfer none; owned by the run) */
  GPtrArray *failures;
} TrawlIndexProgress;

/* The motion gate (trawl/video.h): sampled frames that show nothing new
 * since the last frame the detectors saw skip them; tracks seen in that
 * frame are held open (trawl_tracker_hold). */
typedef enum {
  TRAWL_INDEX_MOTION_GATE_AUTO = 0,  /* on (the default) */
  TRAWL_INDEX_MOTION_GATE_OFF  = 1,  /* every sampled frame goes through the detectors */
} TrawlIndexMotionGate;

typedef void (*TrawlIndexProgressFunc) (const TrawlIndexProgress *p, gpointer user_data);

typedef struct {
  const char *camera;          /* NULL: each file's parent folder name */
  double      start_utc;       /* NAN: from the container, then time_pattern */
  const char *time_pattern;    /* strftime-like pattern on file names, or NULL */
  double      clock_offset_s;  /* NAN: leave the camera's offset as it is */
  double      sample_fps;      /* <= 0: 2 */
  gboolean    keyframes_only;
  double      scene_threshold; /* <= 0: off */
  TrawlIndexMotionGate motion_gate; /* AUTO by default */
  double      motion_interval_s;   /* with the gate: a frame through the detectors at least
                                    * this often, still or not; <= 0: 10 */
  gboolean    no_faces, no_plates;
  TrawlNnBackendKind backend; /* engine backend for the detectors (CPU by default) */
  TrawlNnPrecision precision; /* CUDA arithmetic (0 = FP32, as the CPU) */
  int         batch_frames;    /* frames taken through the detectors together (GPU frames:
                                * their networks run as one batch); <= 0: 4, at most 8 */
  int         queue_depth;     /* frames between decode and detect; <= 0: 8 */
  int         detect_workers;  /* 2: faces and plates of a frame run side by side, each
                                * engine on one thread; <= 1: one after the other, each
                                * engine on all cores (the default; see benchmarks/index.py) */
  double      progress_interval_s; /* <= 0: 0.5 */
  TrawlIndexProgressFunc progress;  /* nullable; called from the calling thread */
  gpointer    progress_data;
  const char *command_line;    /* recorded in the run, or NULL */
  gboolean    force_new_catalog; /* start a new catalog where the case lost its own
                                  * (TRAWL_CASE_REPLACE_LOST_CATALOG); refused otherwise */
  volatile gint *cancel;       /* nullable: set to 1 to stop after the current frame */
} TrawlIndexOptions;

void trawl_index_options_init (TrawlIndexOptions *opts);

/* Expands inputs (files and folders, recursively; hidden entries and, inside
 * folders, plain sidecar files such as .csv/.txt/.json/.srt skipped)
 * into a sorted list of file paths: a new GPtrArray of char* (g_free'd by the
 * array). Missing inputs are added as they are (they fail later with a
 * reason). */
GPtrArray *trawl_index_expand_inputs (const char *const *inputs, guint n_inputs);

/* Indexes inputs into the case directory case_dir (created if missing).
 * final (nullable) gets the final counts; its failures array is a new
 * reference the caller unrefs. Returns TRUE when the run completed (bad
 * files are not a failure of the run); FALSE with error set when the case
 * cannot be opened (TRAWL_ERROR_BUSY: another indexer holds it), the models
 * are missing, the catalog fails, or the run was cancelled (G_IO_ERROR_CANCELLED). */
gboolean trawl_index_run (const char *case_dir, const char *const *inputs, guint n_inputs,
                          const TrawlIndexOptions *opts, TrawlIndexProgress *final,
                          GError **error);

G_END_DECLS
