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
} TrawlIndexRun;

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
