/* index-video.c - one video through the pipeline: a decode thread feeding a
 * bounded queue, detectors and tracker on the calling thread, then one
 * catalog transaction with everything the video produced, then its vectors.
 *
 * Back-pressure: the decoder must take a slot token before it pushes a
 * frame and the consumer returns the token after the frame is done, so at
 * most queue_depth frames are in flight whatever the speed difference. */
#include <math.h>
#include <string.h>

#include <gio/gio.h>
#include <trawl/base.h>
#include <trawl/plate.h>

#include "indexer-private.h"

/* End of stream: the decoder's last push. */
static char end_mark;
#define END_MARK ((gpointer) &end_mark)
#define SLOT     GINT_TO_POINTER (1)

typedef struct {
  TrawlVideoReader *reader;
  GAsyncQueue      *frames;   /* TrawlVideoFrame* then END_MARK */
  GAsyncQueue      *slots;    /* tokens: free places in frames */
  volatile gint     stop;     /* consumer gave up: decode no further */
  GError           *error;    /* set by the decoder when decoding failed */
  double            t_decode;
} Decode;

static gpointer
decode_main (gpointer data)
{
  Decode *d = data;
  for (;;)
    {
      g_async_queue_pop (d->slots);
      if (g_atomic_int_get (&d->stop))
        break;
      gint64 t = g_get_monotonic_time ();
      TrawlVideoFrame *f = trawl_video_reader_next (d->reader, &d->error);
      d->t_decode += (g_get_monotonic_time () - t) / 1e6;
      if (f == NULL)
        break;
      g_async_queue_push (d->frames, f);
    }
  g_async_queue_push (d->frames, END_MARK);
  return NULL;
}

typedef struct {
  TrawlIndexRun   *run;
  TrawlTracker    *tracker;
  guint64          faces, plates, frames;
  TrawlMotionGate *gate;      /* NULL: every frame is analysed */
} Work;

void
_trawl_index_motion_options (const TrawlIndexOptions *o, TrawlMotionGateOptions *mo)
{
  trawl_motion_gate_options_init (mo);
  if (o->motion_interval_s > 0)
    mo->max_interval_s = o->motion_interval_s;
}

/* TRUE when the motion gate keeps f from the detectors: nothing new since
 * the last frame they saw. */
static gboolean
frame_still (Work *w, const TrawlVideoFrame *f)
{
  return w->gate != NULL
         && trawl_motion_gate_check (w->gate, f->thumb, f->pts_s, NULL) == TRAWL_MOTION_STILL;
}

static double
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

/* The frame for the tracker, which needs pixels only to cut thumbnails of
 * what was found: a GPU frame is downloaded only when something was. */
static gboolean
tracker_image (TrawlVideoFrame *f, guint n_found, const TrawlImage **img, GError **error)
{
  *img = NULL;
  if (f->gpu != NULL && n_found == 0)
    return TRUE;
  *img = trawl_video_frame_get_image (f, error);
  return *img != NULL;
}

/* Copies the detectors' own per-model timings into the progress record. */
static void
update_stage_split (TrawlIndexRun *run)
{
  if (run->face_det != NULL)
    {
      TrawlFaceTimings ft;
      trawl_face_detector_get_timings (run->face_det, &ft);
      run->p.t_face_detect = ft.detect_s;
      run->p.t_face_landmarks = ft.landmarks_s;
      run->p.t_face_embed = ft.embed_s;
    }
  if (run->plate_reader != NULL)
    {
      TrawlPlateTimings pt;
      trawl_plate_reader_get_timings (run->plate_reader, &pt);
      run->p.t_plate_detect = pt.detect_s;
      run->p.t_plate_read = pt.read_s;
    }
}

/* ---- frames, a batch at a time ---- */

#define MAX_BATCH 8

/* Faces of n frames of one kind, in one call: GPU frames are batched per
 * network (more work per launch: how a GPU stays busy), host frames too.
 * On failure every out[i] is NULL. */
static gboolean
faces_of (TrawlFaceDetector *fd, TrawlVideoFrame **frames, int n, GArray **out, GError **error)
{
  TrawlDetectFrame df[MAX_BATCH];

  for (int i = 0; i < n; i++)
    {
      df[i].gpu = frames[i]->gpu;
      df[i].image = frames[i]->gpu != NULL ? NULL : frames[i]->image;
    }
  return trawl_face_detector_run_frames (fd, df, n, out, error);
}

/* Plates of n frames of one kind, in one call, as faces_of. */
static gboolean
plates_of (TrawlPlateReader *pr, TrawlVideoFrame **frames, int n, GPtrArray **out,
           GError **error)
{
  TrawlDetectFrame df[MAX_BATCH];

  for (int i = 0; i < n; i++)
    {
      df[i].gpu = frames[i]->gpu;
      df[i].image = frames[i]->gpu != NULL ? NULL : frames[i]->image;
    }
  return trawl_plate_reader_detect_frames (pr, df, n, out, error);
}

/* Plates of a batch on a helper thread (detect_workers 2). */
typedef struct {
  TrawlPlateReader *pr;
  TrawlVideoFrame **frames;
  int               n;
  GPtrArray       **plates;
  GError           *error;
  gboolean          ok;
  double            seconds;
} PlateJob;

static gpointer
plate_job_main (gpointer data)
{
  PlateJob *j = data;
  double t = now_s ();
  j->ok = plates_of (j->pr, j->frames, j->n, j->plates, &j->error);
  j->seconds = now_s () - t;
  return NULL;
}

/* Detectors on n frames of one kind (faces here while plates run on a
 * second thread with detect_workers 2), then the tracker frame by frame in
 * time order, exactly as one frame at a time would feed it. FALSE with
 * error on engine failure. */
static gboolean
process_batch (Work *w, TrawlVideoFrame **frames, int n, GError **error)
{
  TrawlIndexRun *run = w->run;
  GArray *faces[MAX_BATCH] = { NULL };
  GPtrArray *plates[MAX_BATCH] = { NULL };
  PlateJob job = { run->plate_reader, frames, n, plates, NULL, TRUE, 0 };
  GThread *th = NULL;
  gboolean ok = TRUE;

  if (run->plate_reader != NULL && run->face_det != NULL && run->opts.detect_workers >= 2)
    th = g_thread_new ("trawl-plates", plate_job_main, &job);
  double t = now_s ();
  if (run->face_det != NULL)
    ok = faces_of (run->face_det, frames, n, faces, error);
  run->p.t_faces += now_s () - t;
  if (th != NULL)
    {
      g_thread_join (th);
      run->p.t_plates += job.seconds;
    }
  else if (ok && run->plate_reader != NULL)
    {
      t = now_s ();
      job.ok = plates_of (run->plate_reader, frames, n, plates, &job.error);
      run->p.t_plates += now_s () - t;
    }
  if (ok && !job.ok)
    {
      g_propagate_error (error, g_steal_pointer (&job.error));
      ok = FALSE;
    }
  g_clear_error (&job.error);
  t = now_s ();
  for (int i = 0; ok && i < n; i++)
    {
      guint nf = faces[i] ? faces[i]->len : 0, np = plates[i] ? plates[i]->len : 0;
      const TrawlImage *img;
      if (!tracker_image (frames[i], nf + np, &img, error))
        {
          ok = FALSE;
          break;
        }
      if (faces[i] != NULL)
        trawl_tracker_add_faces (w->tracker, img, frames[i]->pts_s, faces[i]);
      if (plates[i] != NULL)
        trawl_tracker_add_plates (w->tracker, img, frames[i]->pts_s, plates[i]);
      w->faces += nf;
      w->plates += np;
      /* Counted as found, so progress moves during a file (issue 17). */
      run->p.faces += nf;
      run->p.plates += np;
      w->frames++;
    }
  run->p.t_track += now_s () - t;
  for (int i = 0; i < n; i++)
    {
      g_clear_pointer (&faces[i], g_array_unref);
      g_clear_pointer (&plates[i], g_ptr_array_unref);
    }
  update_stage_split (run);
  return ok;
}

/* ---- writing ---- */

static double
utc_at (double base_utc, double pts)
{
  return isnan (base_utc) ? NAN : base_utc + pts;
}

typedef struct {
  GArray *face_ids, *face_vecs, *plate_ids, *plate_vecs;
} Vectors;

static gboolean
write_track (TrawlIndexRun *run, gint64 video_id, double base_utc, const TrawlTrackResult *tr,
             Vectors *vv, GError **error)
{
  TrawlKind kind = tr->kind == TRAWL_TRACK_FACE ? TRAWL_KIND_FACE : TRAWL_KIND_PLATE;
  TrawlTrack t = { 0 };
  t.kind = kind;
  t.video_id = video_id;
  t.first_pts_s = tr->first_pts_s;
  t.last_pts_s = tr->last_pts_s;
  t.first_utc = utc_at (base_utc, tr->first_pts_s);
  t.last_utc = utc_at (base_utc, tr->last_pts_s);
  t.best_plate_text = tr->best_plate_text;
  t.best_plate_alternatives = tr->best_plate_alternatives;
  t.best_quality = tr->best_quality;
  t.n_sightings = tr->obs->len;
  if (tr->has_embedding)
    {
      t.mean_embedding = (float *) tr->mean_embedding;
      t.n_embedding = TRAWL_FACE_EMBED_DIM;
    }
  if (!trawl_catalog_insert_track (run->cat, &t, error))
    return FALSE;
  for (guint i = 0; i < tr->obs->len; i++)
    {
      const TrawlTrackObs *o = &g_array_index (tr->obs, TrawlTrackObs, i);
      float pv[TRAWL_PLATE_DIM];
      TrawlSighting s = { 0 };
      s.track_id = t.id;
      s.video_id = video_id;
      s.kind = kind;
      s.pts_s = o->pts_s;
      s.utc = utc_at (base_utc, o->pts_s);
      s.x = o->box.x;
      s.y = o->box.y;
      s.w = o->box.w;
      s.h = o->box.h;
      s.score = o->score;
      s.quality = o->quality;
      s.plate_text = o->plate_text;
      s.plate_alternatives = o->plate_alternatives;
      /* Plates keep their text vector as the embedding, so the plate store
       * can be rebuilt from the catalog like the face store. */
      if (kind == TRAWL_KIND_FACE && o->has_embedding)
        {
          s.embedding = (float *) o->embedding;
          s.n_embedding = TRAWL_FACE_EMBED_DIM;
        }
      else if (kind == TRAWL_KIND_PLATE && trawl_plate_ngram_vector (o->plate_text, pv))
        {
          s.embedding = pv;
          s.n_embedding = TRAWL_PLATE_DIM;
        }
      if (!trawl_catalog_insert_sighting (run->cat, &s, error))
        return FALSE;
      if (o->thumb_jpeg != NULL)
        {
          gsize len;
          const guint8 *jpeg = g_bytes_get_data (o->thumb_jpeg, &len);
          if (!trawl_catalog_insert_thumbnail (run->cat, s.id, jpeg, len, error))
            return FALSE;
        }
      if (i == tr->best_obs)
        t.best_sighting_id = s.id;
      if (s.n_embedding > 0)
        {
          GArray *ids = kind == TRAWL_KIND_FACE ? vv->face_ids : vv->plate_ids;
          GArray *vecs = kind == TRAWL_KIND_FACE ? vv->face_vecs : vv->plate_vecs;
          g_array_append_val (ids, s.id);
          g_array_append_vals (vecs, s.embedding, s.n_embedding);
        }
    }
  return trawl_catalog_update_track (run->cat, &t, error);
}

/* Adds the video's vectors to the in-memory stores and records their new
 * sizes, inside the video's transaction (see trawl_case_record_vectors). */
static gboolean
add_vectors (TrawlIndexRun *run, Vectors *vv, GError **error)
{
  double t = now_s ();
  gboolean ok = TRUE;
  if (vv->face_ids->len > 0)
    ok = trawl_vector_store_add (run->faces_vs, vv->face_ids->len, (gint64 *) vv->face_ids->data,
                                 (float *) vv->face_vecs->data, error)
         && trawl_case_record_vectors (run->kase, TRAWL_KIND_FACE, error);
  if (ok && vv->plate_ids->len > 0)
    ok = trawl_vector_store_add (run->plates_vs, vv->plate_ids->len,
                                 (gint64 *) vv->plate_ids->data, (float *) vv->plate_vecs->data,
                                 error)
         && trawl_case_record_vectors (run->kase, TRAWL_KIND_PLATE, error);
  run->p.t_vectors += now_s () - t;
  return ok;
}

/* After a failed commit: the stores forget the vectors add_vectors gave
 * them (their rows are gone with the transaction). */
static void
drop_vectors (TrawlIndexRun *run, Vectors *vv)
{
  trawl_vector_store_remove (run->faces_vs, vv->face_ids->len, (gint64 *) vv->face_ids->data,
                             NULL, NULL);
  trawl_vector_store_remove (run->plates_vs, vv->plate_ids->len,
                             (gint64 *) vv->plate_ids->data, NULL, NULL);
}

/* Writes the files of the stores that changed (after the commit). */
static gboolean
write_vectors (TrawlIndexRun *run, Vectors *vv, GError **error)
{
  double t = now_s ();
  gboolean ok = (vv->face_ids->len == 0
                 || trawl_case_write_vectors (run->kase, TRAWL_KIND_FACE, error))
                && (vv->plate_ids->len == 0
                    || trawl_case_write_vectors (run->kase, TRAWL_KIND_PLATE, error));
  run->p.t_vectors += now_s () - t;
  return ok;
}

static void
vectors_clear (Vectors *vv)
{
  g_array_unref (vv->face_ids);
  g_array_unref (vv->face_vecs);
  g_array_unref (vv->plate_ids);
  g_array_unref (vv->plate_vecs);
}

/* All tracks and the vector counts in the open video transaction, commit,
 * then the vector files. */
static gboolean
write_video (TrawlIndexRun *run, gint64 video_id, double base_utc, GPtrArray *tracks,
             GError **error)
{
  double t = now_s ();
  Vectors vv = {
    g_array_new (FALSE, FALSE, sizeof (gint64)), g_array_new (FALSE, FALSE, sizeof (float)),
    g_array_new (FALSE, FALSE, sizeof (gint64)), g_array_new (FALSE, FALSE, sizeof (float)),
  };
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < tracks->len; i++)
    ok = write_track (run, video_id, base_utc, tracks->pdata[i], &vv, error);
  gboolean added = ok && add_vectors (run, &vv, error);
  ok = added && trawl_catalog_commit_video (run->cat, video_id, error);
  if (added && !ok)
    drop_vectors (run, &vv);
  run->p.t_write += now_s () - t;
  ok = ok && write_vectors (run, &vv, error);
  vectors_clear (&vv);
  return ok;
}

/* ---- the video ---- */

/* Done with a frame: progress, free it, give its slot back. */
static void
frame_done (TrawlIndexRun *run, Decode *d, TrawlVideoFrame *f, gboolean failed, double base_done,
            double duration)
{
  run->p.frames_sampled += failed ? 0 : 1;
  run->p.video_s_done = base_done + f->pts_s;
  if (run->t_first_frame == 0)
    run->t_first_frame = g_get_monotonic_time () / 1e6;
  run->cur_fraction = duration > 0 ? MIN (1.0, f->pts_s / duration) : 0;
  trawl_video_frame_free (f);
  g_async_queue_push (d->slots, SLOT);
  _trawl_index_report (run, FALSE);
}

/* After the first frame, the frames of the same kind (GPU or host) the
 * decoder already has ready, up to the batch size. A frame of the other
 * kind, a still frame (*next_still) or the end mark stops the batch and is
 * handed back in *next. */
static int
gather_batch (Work *w, Decode *d, TrawlVideoFrame **batch, gpointer *next, gboolean *next_still)
{
  int n = 1, max = CLAMP (w->run->opts.batch_frames, 1, MAX_BATCH);
  *next = NULL;
  while (n < max)
    {
      gpointer item = g_async_queue_try_pop (d->frames);
      if (item == NULL)
        break;
      if (item == END_MARK || (*next_still = frame_still (w, item))
          || (((TrawlVideoFrame *) item)->gpu == NULL) != (batch[0]->gpu == NULL))
        {
          *next = item;
          break;
        }
      batch[n++] = item;
    }
  return n;
}

/* Pulls frames until END_MARK; after a failure or cancel it keeps draining
 * (returning tokens) so the decoder can finish. Frames go through the
 * detectors in batches of what the decoder has ready (--batch). */
static gboolean
consume (Work *w, Decode *d, double duration, GError **error)
{
  TrawlIndexRun *run = w->run;
  gboolean failed = FALSE;
  double base_done = run->p.video_s_done;
  gpointer pending = NULL;
  gboolean pending_still = FALSE;
  for (;;)
    {
      gpointer item = pending;
      gboolean still = pending_still;
      if (item == NULL)
        {
          item = g_async_queue_pop (d->frames);
          still = item != END_MARK && !failed && frame_still (w, item);
        }
      pending = NULL;
      pending_still = FALSE;
      if (item == END_MARK)
        break;
      TrawlVideoFrame *batch[MAX_BATCH] = { item };
      int n = failed || still ? 1 : gather_batch (w, d, batch, &pending, &pending_still);
      if (!failed && run->opts.cancel != NULL && g_atomic_int_get (run->opts.cancel))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "indexing cancelled");
          failed = TRUE;
        }
      if (!failed && still)
        {
          trawl_tracker_hold (w->tracker, batch[0]->pts_s);
          run->p.frames_gated++;
        }
      else if (!failed && !process_batch (w, batch, n, error))
        failed = TRUE;
      if (failed)
        g_atomic_int_set (&d->stop, 1);
      for (int i = 0; i < n; i++)
        frame_done (run, d, batch[i], failed, base_done, duration);
    }
  return !failed;
}

gboolean
_trawl_index_video (TrawlIndexRun *run, TrawlVideoReader *reader, const char *path,
                    gint64 video_id, double base_utc, GError **error)
{
  const TrawlMediaInfo *info = trawl_video_reader_get_info (reader);
  double duration = info->duration_s;
  double done_before = run->p.video_s_done;
  Decode d = { 0 };
  Work w = { run, trawl_tracker_new (NULL), 0, 0, 0, NULL };
  g_autoptr (GError) local = NULL;

  if (!trawl_catalog_begin_video (run->cat, video_id, error))
    {
      trawl_tracker_free (w.tracker);
      return FALSE;
    }
  d.reader = reader;
  d.frames = g_async_queue_new ();
  d.slots = g_async_queue_new ();
  /* NVDEC surfaces held by the queue come from a pool the reader sizes for
   * 8 frames in the caller's hands (see video-reader.c): stay below it. */
  int depth = run->opts.backend == TRAWL_NN_BACKEND_CUDA ? MIN (run->opts.queue_depth, 6)
                                                          : run->opts.queue_depth;
  for (int i = 0; i < depth; i++)
    g_async_queue_push (d.slots, SLOT);
  if (run->opts.motion_gate != TRAWL_INDEX_MOTION_GATE_OFF)
    {
      TrawlMotionGateOptions mo;
      _trawl_index_motion_options (&run->opts, &mo);
      w.gate = trawl_motion_gate_new (&mo);
    }
  GThread *th = g_thread_new ("trawl-decode", decode_main, &d);
  gboolean ok = consume (&w, &d, duration, &local);
  g_thread_join (th);
  g_clear_pointer (&w.gate, trawl_motion_gate_free);
  run->p.t_decode += d.t_decode;
  TrawlVideoStats vst;
  trawl_video_reader_get_stats (reader, &vst);
  if (vst.hw_active)
    run->p.videos_nvdec++;
  if (vst.hw_active && run->opts.backend == TRAWL_NN_BACKEND_CUDA)
    run->p.videos_gpu_frames++;
  g_async_queue_unref (d.frames);
  g_async_queue_unref (d.slots);

  g_autoptr (GPtrArray) tracks = trawl_tracker_finish (w.tracker);
  trawl_tracker_free (w.tracker);
  if (vst.time_jumps > 0)
    duration = vst.media_end_s;  /* the container's length counts the jumps */
  run->p.video_s_done = done_before + (duration > 0 ? duration : 0);
  /* The live counts hold this video's finds; one not kept takes them back. */
  gboolean kept = ok && d.error == NULL;

  /* Cancel or engine failure: nothing of this video is kept; the run ends. */
  if (!kept)
    {
      run->p.faces -= w.faces;
      run->p.plates -= w.plates;
    }
  if (!ok)
    {
      gboolean cancelled = g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      trawl_catalog_rollback_video (run->cat, video_id, local->message, NULL);
      if (cancelled)
        trawl_catalog_set_video_status (run->cat, video_id, TRAWL_VIDEO_STATUS_PENDING, NULL,
                                        NULL);
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "%s: ", path);
      g_clear_error (&d.error);
      return FALSE;
    }
  /* Not a single frame decoded: a bad file, recorded as failed. */
  if (d.error != NULL)
    {
      /* Rolled back first: the failure's own record must outlive it. */
      gboolean r = trawl_catalog_rollback_video (run->cat, video_id,
                                                 _trawl_index_reason (path, d.error->message),
                                                 error);
      _trawl_index_add_failure (run, path, d.error->message);
      g_clear_error (&d.error);
      return r;
    }
  /* Jumps taken out of the timestamps: the true duration and where the
   * file's own times differ, with the video's rows. */
  const GArray *jumps = trawl_video_reader_get_time_jumps (reader);
  if (jumps->len > 0
      && !trawl_catalog_set_video_timeline (run->cat, video_id, vst.media_end_s,
                                            (const TrawlTimeJump *) jumps->data, jumps->len,
                                            error))
    {
      trawl_catalog_rollback_video (run->cat, video_id, "write failed", NULL);
      return FALSE;
    }
  if (!write_video (run, video_id, base_utc, tracks, error))
    {
      run->p.faces -= w.faces;
      run->p.plates -= w.plates;
      trawl_catalog_rollback_video (run->cat, video_id, "write failed", NULL);
      return FALSE;
    }
  for (guint i = 0; i < tracks->len; i++)
    {
      TrawlTrackResult *t = tracks->pdata[i];
      if (t->kind == TRAWL_TRACK_FACE)
        run->p.face_tracks++;
      else
        run->p.plate_tracks++;
    }
  run->p.videos_indexed++;
  return TRUE;
}
