/* indexer-private.h - state shared by indexer.c (the run) and
 * index-video.c (one video: decode thread, detectors, tracker, writer). */
#pragma once

#include <trawl/case.h>
#include <trawl/catalog.h>
#include <trawl/detect.h>
#include <trawl/indexer.h>
#include <trawl/track.h>
#include <trawl/vectors.h>
#include <trawl/video.h>

typedef struct {
  TrawlIndexOptions   opts;
  TrawlIndexProgress  p;
  TrawlCase          *kase;           /* the case, opened for writing */
  TrawlCatalog       *cat;            /* its catalog (borrowed) */
  TrawlFaceDetector  *face_det;       /* NULL with no_faces */
  TrawlPlateReader   *plate_reader;   /* NULL with no_plates */
  gboolean            models_loaded;  /* loaded lazily, on the first video to index */
  TrawlVectorStore   *faces_vs, *plates_vs;  /* the case's stores (borrowed) */
  double              t0, last_report;
  double              bytes_total, bytes_done;
  double              cur_bytes, cur_fraction;  /* the file in progress */
  GHashTable         *times;          /* canonical path -> TrawlTimesRow (times CSVs) */
  double              t_first_frame;  /* monotonic s of the run's first analysed frame; 0 before */
  double              probed_bytes;   /* bytes of the files whose duration is in video_s_total */
} TrawlIndexRun;

/* index-times.c: reads opts.times_csv and the TRAWL_INDEX_TIMES_FILE of
 * each input folder into run->times; FALSE with error on a bad CSV. */
gboolean _trawl_index_load_times (TrawlIndexRun *run, const char *const *inputs,
                                  guint n_inputs, GError **error);
/* The CSV row of path, or NULL. */
const TrawlTimesRow *_trawl_index_times_for (TrawlIndexRun *run, const char *path);
/* The camera name of path: its CSV row's, --camera, else its folder's name
 * (g_free). */
char *_trawl_index_camera_for (const TrawlIndexOptions *opts, const TrawlTimesRow *row,
                               const char *path);
/* A file's start and where it came from (time_detail in the catalog). */
typedef struct {
  double          start;
  TrawlTimeSource src;
  char           *detail;  /* new string or NULL; the caller frees it */
} TrawlIndexStart;

/* Chooses path's start: its CSV row (row, nullable), else
 * trawl_video_resolve_start_time on info (nullable: unreadable file). */
void     _trawl_index_resolve_start (TrawlIndexRun *run, const char *path,
                                     const TrawlTimesRow *row, const TrawlMediaInfo *info,
                                     TrawlIndexStart *t);
/* A video catalogued before (old): gives it start t where that applies
 * (see index-times.c), moving its times, audited. */
gboolean _trawl_index_restart_video (TrawlIndexRun *run, const char *path,
                                     const TrawlCatalogVideo *old, const TrawlIndexStart *t,
                                     GError **error);
/* The offset for camera (its CSV row, else --clock-offset), applied to all
 * it has when it differs from the catalog's (audited). */
gboolean _trawl_index_apply_offset (TrawlIndexRun *run, const char *camera, gint64 cam_id,
                                    const TrawlTimesRow *row, GError **error);
/* Refuses a --start that would apply to more than one file of a camera. */
gboolean _trawl_index_check_start (TrawlIndexRun *run, GPtrArray *files, GError **error);

/* Indexes one opened video into row video_id: decode, detect, track, then
 * one catalog transaction and the vector files. A video that cannot be
 * decoded is recorded as failed (TRUE). FALSE with error set only for
 * errors that end the run (catalog, vector files, cancel). */
gboolean _trawl_index_video (TrawlIndexRun *run, TrawlVideoReader *reader, const char *path,
                             gint64 video_id, double base_utc, GError **error);
/* Counts a failed file, lists "path: reason" (once, even when reason
 * already names the file) and records the failure under path in the
 * catalog (call it outside a video transaction). */
void     _trawl_index_add_failure (TrawlIndexRun *run, const char *path, const char *reason);
/* reason without a leading "path: " (the video module's messages start
 * with the file name); points into reason. */
const char *_trawl_index_reason (const char *path, const char *reason);
/* The motion gate's settings for a run's options. */
void     _trawl_index_motion_options (const TrawlIndexOptions *o, TrawlMotionGateOptions *mo);
/* Calls the progress callback (at most every progress_interval_s unless force). */
void     _trawl_index_report (TrawlIndexRun *run, gboolean force);
