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
  guint64 faces, plates;             /* sightings found, counted as frames are analysed
                                      * (a file that fails or is cancelled takes its own back) */
  guint64 face_tracks, plate_tracks;
  double elapsed_s;
  double eta_s;                      /* < 0 when unknown (the first seconds of decoding):
                                      * see trawl_index_estimate_eta */
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
  double      start_utc;       /* the start of ONE file per camera (the run is refused
                                * when two files of a camera would get it); NAN: a times
                                * CSV row, else
                                * trawl_video_resolve_start_time (time_pattern, the
                                * container, the common file-name forms) */
  const char *time_pattern;    /* strftime-like pattern on file names, or NULL */
  double      clock_offset_s;  /* NAN: leave the camera's offset as it is; else set it,
                                * moving the times of its videos indexed before (audited:
                                * trawl_catalog_change_camera_clock_offset) */
  const char *times_csv;       /* a times CSV (see trawl_index_load_times), or NULL; a
                                * TRAWL_INDEX_TIMES_FILE in an input folder is read too */
  double      sample_fps;      /* <= 0: 2 */
  gboolean    keyframes_only;
  double      scene_threshold; /* <= 0: off */
  TrawlIndexMotionGate motion_gate; /* AUTO by default */
  double      motion_interval_s;   /* with the gate: a frame through the detectors at least
                                    * this often, still or not; <= 0: 10 */
  gboolean    no_faces, no_plates;
  int         face_tile;       /* face detector tile side, frame px (TrawlFaceOptions.tile):
                                * 0 automatic (800-px tiles on frames over 1400 px, which
                                * finds faces of 50-60 px in 1080p at about twice the
                                * detector's cost), < 0 no tiles (whole frame only) */
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

/* The times CSV read from an input folder without being named. */
#define TRAWL_INDEX_TIMES_FILE "trawl-times.csv"

/* One row of a times CSV. */
typedef struct {
  char  *file;            /* canonical absolute path (relative ones are taken from the
                           * CSV's folder) */
  char  *camera;          /* NULL when not given */
  double start_utc;       /* NAN when not given */
  double clock_offset_s;  /* NAN when not given */
  char  *where;           /* "CSV:LINE", for messages and the catalog's time_detail */
} TrawlTimesRow;

void trawl_times_row_free (TrawlTimesRow *row);

/* Reads a times CSV: a header naming the columns (file, and any of
 * camera, start, clock_offset, in any order), then one row per file;
 * empty fields mean "not given". start takes the forms of --start
 * (trawl_parse_time: ISO 8601 with Z or an offset, else local time).
 * Rows for one file and its camera beat the run's --camera and
 * --clock-offset. A new array of TrawlTimesRow*, or NULL with error set
 * (TRAWL_ERROR_INVALID_ARG naming CSV:LINE, or the read error). */
GPtrArray *trawl_index_load_times (const char *csv_path, GError **error);

/* Seconds of decoding before an ETA is given: the first frames include
 * opening the file and warming the engines, and overstate the time left. */
#define TRAWL_INDEX_ETA_MIN_S 3.0

/* The time an index run has left, in wall seconds, from its speed so far:
 * media_decoded_s seconds of footage went through in decode_wall_s wall
 * seconds (counted from the first decoded frame, so model loading is not
 * in it), and media_left_s seconds of footage remain. < 0 (unknown: show
 * "estimating…") before TRAWL_INDEX_ETA_MIN_S of decoding, with nothing
 * decoded, or when media_left_s is unknown (< 0 or NAN). A pure function. */
double trawl_index_estimate_eta (double decode_wall_s, double media_decoded_s,
                                 double media_left_s);

/* Expands inputs (files and folders, recursively; hidden entries and, inside
 * folders, plain sidecar files such as .csv/.txt/.json/.srt skipped)
 * into a sorted list of file paths: a new GPtrArray of char* (g_free'd by the
 * array). Missing inputs are added as they are (they fail later with a
 * reason). */
GPtrArray *trawl_index_expand_inputs (const char *const *inputs, guint n_inputs);

/* Indexes inputs into the case directory case_dir (created if missing).
 * Times: each file's start is chosen and recorded with its source (see
 * start_utc); a file indexed before keeps its rows, but an explicit start
 * (start_utc or a CSV row) that differs moves its times
 * (trawl_catalog_set_video_start, audited); a camera offset that differs
 * from the catalog's moves the camera's times (audited). A start_utc that
 * would apply to several files, or a bad times CSV, refuses the run
 * (TRAWL_ERROR_INVALID_ARG) before anything is written.
 * final (nullable) gets the final counts; its failures array is a new
 * reference the caller unrefs. Returns TRUE when the run completed (bad
 * files are not a failure of the run); FALSE with error set when the case
 * cannot be opened (TRAWL_ERROR_BUSY: another indexer holds it), the models
 * are missing, the catalog fails, or the run was cancelled (G_IO_ERROR_CANCELLED). */
gboolean trawl_index_run (const char *case_dir, const char *const *inputs, guint n_inputs,
                          const TrawlIndexOptions *opts, TrawlIndexProgress *final,
                          GError **error);

G_END_DECLS
