/* plate-batch.c - the plate reader's scene path, the one every scene entry
 * of plate-pipeline.c takes: _trawl_plate_reader_detect_sources on frame
 * sources (frame-source.h), batched across frames, for frames on the GPU
 * (NV12) and host images (RGB) alike. What a read is and which read wins
 * is plate-rules.c's; this file calls nothing in plate-pipeline.c.
 *
 * Every net input is made as the classic CPU preprocessing made it (now a
 * test reference, tests/detect/plate-classic-ref.h), in the same two steps: a rectified box (or a box's zoom
 * crop, or the best region of that) is first cut to 8-bit values, planar,
 * into a scratch buffer (trawl_warp_build_crop: trawl_image_warp_affine's
 * rule), then resized from there into the plan's input
 * (trawl_warp_build_rec / _det with crop NULL: trawl_ocr_rec_input's and
 * trawl_ocr_det_input's rule). A whole frame's det input is one warp, as
 * on the CPU. The frame source does the cutting: the warp kernel on the
 * GPU for NV12 frames, the warp rule's CPU reference for host RGB images,
 * so CI runs this very file (tests/detect/test-plate-batch.c) and holds it
 * to the classic preprocessing. Which boxes, which reads, which read to
 * keep and the plate filter are plate-rules.c's.
 *
 * Batching: n frames go stage by stage. Det of the frames of one size
 * shares runs ([k,3,h,w], k <= TRAWL_PLATE_DET_MAX_BATCH, plans cached by
 * size and k; a GPU run's maps are thresholded to bit masks where they
 * lie, and only the masks and the map regions the boxes' scores read come
 * back: db_boxes); then the tight and wide reads of every box of every frame go
 * through rec in runs of up to 32 (plans for 1, 2, 4 .. 32 inputs, unused
 * items padded; a run's crops of one frame are cut in one launch, its
 * resizes in two, and its output is reduced to CTC step records where it
 * lies, so a GPU run brings back 28 bytes a step, not 26 KB); then det on the zoom crops of the boxes that ask for
 * a closer look (shared runs per det size), and the reads of their best
 * regions. Every item's output depends only on its own input, so a
 * frame's plates are the ones it gets alone.
 *
 * Scratch and stream order (CUDA): each plan has its own stream. A crop
 * is cut into the scratch on the stream of the plan that reads it, after
 * the decoder's writes (trawl_gpu_frame_wait), and
 * trawl_nn_plan_run_staged returns with that stream drained, so a scratch
 * is free again when the run that read it returns. The zoom crops stay in
 * pr->zooms from their det runs (each on its own stream, drained) to the
 * region cuts on rec's stream; one rec run's crops live in pr->crops. On
 * failure both are freed, which waits for the device, so no stale work
 * can write into a later call's crops.
 */
#include "trawl-config.h"

#include "detect/detect-private.h"
#include "detect/frame-source.h"
#include "detect/warp-build.h"
#include "trawl/base.h"

#include <string.h>

#define REC_H TRAWL_PLATE_REC_H
#define REC_W TRAWL_PLATE_REC_W

G_STATIC_ASSERT ((1 << (TRAWL_PLATE_BUCKETS - 1)) == TRAWL_WARP_MAX_BATCH);

/* One frame's state through the stages. */
typedef struct {
  GArray      *boxes;    /* TrawlOcrBox, frame px (owned) */
  float       *h;        /* per box: its height, px */
  gboolean    *wanted;   /* per box: _trawl_plate_box_wanted */
  TrawlPlate **reads;    /* per box: tight, wide, zoomed (3 * box + slot), owned */
} FrameState;

/* One det input: a whole frame (box < 0) or a box's zoom crop, whose
 * 8-bit pixels are cut into pr->zooms at off first. */
typedef struct {
  int           frame;
  int           box;           /* -1: the whole frame */
  TrawlWarpCrop zoom;          /* frame px -> zoom crop px, box >= 0 */
  gsize         off;           /* the zoom crop in pr->zooms, floats */
  int           img_w, img_h;  /* what det looks at (frame or zoom crop), px */
  int           dw, dh;        /* det input size */
  GArray       *found;         /* DB boxes, img px (owned) */
} DetJob;

/* One rec input: a crop of the frame (from < 0) or of det job from's zoom
 * crop, read for slot (0 tight, 1 wide, 2 zoomed) of box of frame. */
typedef struct {
  int           frame, box, slot;
  TrawlWarpCrop crop;          /* in px of what it is cut from */
  int           from;
} Cand;

static gboolean
bad_arg (GError **error, const char *what)
{
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "plate reader: %s", what);
  return FALSE;
}

void
_trawl_plate_batch_free (TrawlPlateReader *pr)
{
  if (pr == NULL)
    return;
  _trawl_warp_scratch_clear (&pr->zooms);
  _trawl_warp_scratch_clear (&pr->crops);
  _trawl_warp_scratch_clear (&pr->ctc);
  _trawl_warp_scratch_clear (&pr->dbmask);
  g_clear_pointer (&pr->dbmap, g_free);
  pr->dbmap_cap = 0;
}

/* The bucket index (batch 1 << i) that holds n items, n <= 32. */
static int
bucket_of (int n)
{
  int i = 0;
  while ((1 << i) < n)
    i++;
  return i;
}

static TrawlNnPlanOptions
plan_options (const TrawlPlateReader *pr)
{
  TrawlNnPlanOptions po = { .backend = pr->opts.backend, .n_threads = pr->opts.n_threads,
                            .precision = pr->opts.precision };
  return po;
}

/* The det plan for k inputs of w x h, made on first use: k = 1 is the CPU
 * path's own plan. */
static TrawlNnPlan *
det_plan (TrawlPlateReader *pr, int w, int h, int k, GError **error)
{
  if (k == 1)
    return _trawl_plate_det_plan (pr, w, h, error);
  g_autofree char *key = g_strdup_printf ("%dx%d*%d", w, h, k);
  TrawlNnPlan *plan = g_hash_table_lookup (pr->det_plans, key);
  if (plan != NULL)
    return plan;
  TrawlNnTensor shape = { TRAWL_NN_F32, 4, { k, 3, h, w }, NULL };
  TrawlNnPlanOptions po = plan_options (pr);
  plan = trawl_nn_plan_new (pr->det_g, &shape, 1, &po, error);
  if (plan != NULL)
    g_hash_table_insert (pr->det_plans, g_steal_pointer (&key), plan);
  return plan;
}

/* Writes job's det input into item i of plan: the frame in one warp, a
 * zoom crop in two (its 8-bit pixels into pr->zooms, then the resize). */
static gboolean
det_input (TrawlPlateReader *pr, TrawlNnPlan *plan, const TrawlFrameSource *src,
           const DetJob *job, int i, GError **error)
{
  TrawlWarpParams p;

  if (job->box < 0)
    {
      trawl_warp_build_det (&p, src->width, src->height, NULL, job->dw, job->dh);
      return _trawl_frame_warp_into (plan, src, &p, 1, i, error);
    }
  TrawlWarpParams cut;
  trawl_warp_build_crop (&cut, src->width, src->height, &job->zoom);
  trawl_warp_build_det (&p, job->zoom.w, job->zoom.h, NULL, job->dw, job->dh);
  return _trawl_frame_warp_crops (plan, src, &cut, 1, &pr->zooms, &job->off, error) &&
         _trawl_scratch_warp_into (plan, &pr->zooms, &job->off, &p, 1, i, error);
}

/* Brings every rectangle's score region of the k maps at out (plan's
 * outputs) into the same places of pr->dbmap: on a GPU plan only these
 * regions come back (the rest of pr->dbmap is never read). */
static gboolean
db_regions (TrawlPlateReader *pr, TrawlNnPlan *plan, const float *out, int k, int w, int h,
            GArray *const *rects, GError **error)
{
  g_autoptr (GArray) regions = g_array_new (FALSE, FALSE, sizeof (TrawlMapRegion));

  if (pr->dbmap_cap < (gsize) k * w * h)
    {
      g_free (pr->dbmap);
      pr->dbmap = g_try_new (float, (gsize) k * w * h);
      pr->dbmap_cap = pr->dbmap != NULL ? (gsize) k * w * h : 0;
    }
  if (pr->dbmap == NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED,
                   "plate reader: no memory for %d det maps", k);
      return FALSE;
    }
  for (int i = 0; i < k; i++)
    for (guint r = 0; r < rects[i]->len; r++)
      {
        int x0, y0, x1, y1;
        _trawl_ocr_db_rect_region (g_array_index (rects[i], TrawlOcrRect, r).c, w, h, &x0, &y0,
                                   &x1, &y1);
        TrawlMapRegion reg = { (gsize) i * w * h + (gsize) y0 * w + x0, x1 - x0 + 1, y1 - y0 + 1 };
        g_array_append_val (regions, reg);
      }
  if (regions->len == 0)
    return TRUE;
  if (!_trawl_plan_read_regions (plan, out, pr->dbmap, w,
                                 (const TrawlMapRegion *) (void *) regions->data,
                                 (int) regions->len, error))
    {
      g_prefix_error (error, "plate reader: DB ");
      return FALSE;
    }
  return TRUE;
}

/* The DB boxes of det's k outputs (maps of w x h at out, as the plan left
 * them) into the jobs idx[0 .. k), as trawl_ocr_db_boxes finds them on the
 * whole map and in its steps (detect-private.h). A GPU plan thresholds on
 * the device and brings back the masks, the host finds the rectangles, and
 * only the regions their scores read come back into pr->dbmap (the rest
 * of it is never read); a CPU plan takes the same steps on the host
 * maps, so CI runs them. */
static gboolean
db_boxes (TrawlPlateReader *pr, TrawlNnPlan *plan, void *out,
          DetJob *jobs, const int *idx, int k, GError **error)
{
  const int w = jobs[idx[0]].dw, h = jobs[idx[0]].dh;
  const gsize n = (gsize) w * h, words = (n + 31) / 32;
  g_autofree uint32_t *bits = g_new (uint32_t, k * words);
  g_autofree guint8 *bin = g_malloc (n);
  GArray *rects[TRAWL_PLATE_DET_MAX_BATCH] = { NULL };
  const float *maps = out;
  TrawlOcrDbParams dbp;
  gboolean ok = TRUE;

  trawl_ocr_db_params_init (&dbp);
  if (!_trawl_plan_db_masks (plan, maps, k, (int) n, dbp.thresh, &pr->dbmask, bits, error))
    {
      g_prefix_error (error, "plate reader: ");
      ok = FALSE;
    }
  for (int i = 0; ok && i < k; i++)
    {
      _trawl_ocr_db_unpack (bits + i * words, n, bin);
      rects[i] = _trawl_ocr_db_rects (bin, w, h, &dbp);
    }
  if (ok && trawl_nn_plan_on_device (plan))
    {
      ok = db_regions (pr, plan, out, k, w, h, rects, error);
      maps = pr->dbmap;
    }
  for (int i = 0; ok && i < k; i++)
    {
      DetJob *job = &jobs[idx[i]];
      job->found = _trawl_ocr_db_finish (maps + i * n, w, h, job->img_w, job->img_h, rects[i],
                                         &dbp);
    }
  for (int i = 0; i < k; i++)
    if (rects[i] != NULL)
      g_array_unref (rects[i]);
  return ok;
}

/* Runs det for jobs[0 .. n): jobs of one input size share runs, up to
 * TRAWL_PLATE_DET_MAX_BATCH each, in job order; each job's DB boxes go to
 * its found. */
static gboolean
run_dets (TrawlPlateReader *pr, const TrawlFrameSource *srcs, DetJob *jobs, int n,
          GError **error)
{
  g_autofree gboolean *done = g_new0 (gboolean, MAX (n, 1));
  gint64 start = g_get_monotonic_time ();
  gboolean ok = TRUE;

  /* a CPU det plan's arena grows with its batch: there one input a run
   * by default, the memory the classic path used; a GPU batches them */
  int kmax = pr->det_max_batch > 0 ? MIN (pr->det_max_batch, TRAWL_PLATE_DET_MAX_BATCH)
           : trawl_nn_plan_on_device (pr->rec) ? TRAWL_PLATE_DET_MAX_BATCH : 1;

  for (int j = 0; ok && j < n; j++)
    {
      int idx[TRAWL_PLATE_DET_MAX_BATCH], k = 0, dw = jobs[j].dw, dh = jobs[j].dh;
      TrawlNnTensor out;

      if (done[j])
        continue;
      for (int i = j; i < n && k < kmax; i++)
        if (!done[i] && jobs[i].dw == dw && jobs[i].dh == dh)
          {
            idx[k++] = i;
            done[i] = TRUE;
          }
      TrawlNnPlan *plan = det_plan (pr, dw, dh, k, error);
      ok = plan != NULL;
      for (int i = 0; ok && i < k; i++)
        ok = det_input (pr, plan, &srcs[jobs[idx[i]].frame], &jobs[idx[i]], i, error);
      ok = ok && trawl_nn_plan_run_staged_device (plan, &out, 1, error);
      if (ok && (out.dtype != TRAWL_NN_F32
                 || trawl_nn_tensor_numel (&out) != (int64_t) k * dw * dh))
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED,
                       "plate reader: det map is not %d x %dx%d floats", k, dw, dh);
          ok = FALSE;
        }
      ok = ok && db_boxes (pr, plan, out.data, jobs, idx, k, error);
    }
  pr->times.detect_s += (g_get_monotonic_time () - start) / 1e6;
  return ok;
}

/* Runs rec (nb items) on what its input holds and reduces the first m
 * items' outputs to CTC step records (*steps, T per item, host memory,
 * g_free): on the GPU where the output lies (_trawl_plan_ctc_steps), so
 * that only the records come back (28 bytes a step instead of 26 KB), on
 * the CPU by the same rule's reference. */
static gboolean
rec_steps (TrawlPlateReader *pr, TrawlNnPlan *plan, int nb, int m,
           TrawlCtcStep **steps, int *T, GError **error)
{
  TrawlNnTensor o;
  int rows, C;

  if (!trawl_nn_plan_run_staged_device (plan, &o, 1, error))
    return FALSE;
  if (o.dtype != TRAWL_NN_F32 || o.ndim != 3 || o.dims[0] != nb || o.dims[1] < 1
      || o.dims[2] != trawl_ocr_dict_n_classes (pr->dict))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED,
                   "plate reader: rec output is not [%d, T, %d]", nb,
                   trawl_ocr_dict_n_classes (pr->dict));
      return FALSE;
    }
  *T = (int) o.dims[1];
  C = (int) o.dims[2];
  rows = m * *T;
  *steps = g_new (TrawlCtcStep, rows);
  if (_trawl_plan_ctc_steps (plan, o.data, rows, C, &pr->ctc, *steps, error))
    return TRUE;
  g_prefix_error (error, "plate reader: ");
  g_clear_pointer (steps, g_free);
  return FALSE;
}

/* Reads cands[0 .. n) through rec in runs of up to TRAWL_WARP_MAX_BATCH,
 * each into its frame's reads[3 * box + slot]. */
static gboolean
read_cands (TrawlPlateReader *pr, const TrawlFrameSource *srcs, const DetJob *jobs,
            const Cand *cands, int n, FrameState *fs, GError **error)
{
  gint64 start = g_get_monotonic_time ();
  gboolean ok = TRUE;

  for (int first = 0; ok && first < n; first += TRAWL_WARP_MAX_BATCH)
    {
      int m = MIN (n - first, TRAWL_WARP_MAX_BATCH), b = bucket_of (m), nb = 1 << b;
      TrawlWarpParams cut[TRAWL_WARP_MAX_BATCH], p[TRAWL_WARP_MAX_BATCH];
      TrawlWarpParams zero[TRAWL_WARP_MAX_BATCH];
      gsize off[TRAWL_WARP_MAX_BATCH], total = 0;
      int rw[TRAWL_WARP_MAX_BATCH];

      if (pr->rec_batch[b] == NULL)
        {
          TrawlNnTensor shape = { TRAWL_NN_F32, 4, { nb, 3, REC_H, REC_W }, NULL };
          TrawlNnPlanOptions po = plan_options (pr);
          if ((pr->rec_batch[b] = trawl_nn_plan_new (pr->rec_g, &shape, 1, &po, error)) == NULL)
            {
              ok = FALSE;
              break;
            }
        }
      TrawlNnPlan *plan = pr->rec_batch[b];
      for (int i = 0; i < m; i++)
        {
          const Cand *c = &cands[first + i];
          int sw = c->from < 0 ? srcs[c->frame].width : jobs[c->from].zoom.w;
          int sh = c->from < 0 ? srcs[c->frame].height : jobs[c->from].zoom.h;
          trawl_warp_build_crop (&cut[i], sw, sh, &c->crop);
          off[i] = total;
          total += (gsize) 3 * c->crop.w * c->crop.h;
          rw[i] = trawl_warp_build_rec (&p[i], c->crop.w, c->crop.h, NULL, REC_H, REC_W);
        }
      /* the previous run (its stream drained) read the last crops */
      if (!_trawl_warp_scratch_reserve (&pr->crops, &srcs[0], total, error))
        {
          ok = FALSE;
          break;
        }
      for (int i = 0, e; ok && i < m; i = e)
        {
          const Cand *c = &cands[first + i];
          e = i + 1;
          if (c->from >= 0)
            {
              ok = _trawl_scratch_warp_crop (plan, &pr->zooms, jobs[c->from].off, &cut[i], &pr->crops,
                                             off[i], error);
              continue;
            }
          /* the frame crops of one frame next to each other: one launch */
          while (e < m && cands[first + e].from < 0 && cands[first + e].frame == c->frame)
            e++;
          ok = _trawl_frame_warp_crops (plan, &srcs[c->frame], &cut[i], e - i, &pr->crops, &off[i],
                                        error);
        }
      for (int i = 0; i < nb; i++)
        {
          if (i >= m)
            {
              /* unused items repeat the first (defined input, outputs ignored) */
              p[i] = p[0];
              off[i] = off[0];
            }
          /* trawl_ocr_rec_input zero-pads the columns past rw: a warp over the
           * whole width that reads nothing (empty valid rectangle: black) and
           * scales it to 0 writes the zeros first */
          zero[i] = p[i];
          zero[i].out_w = REC_W;
          zero[i].valid[0] = zero[i].valid[1] = 1.0f;
          zero[i].valid[2] = zero[i].valid[3] = 0.0f;
          for (int ch = 0; ch < 3; ch++)
            {
              zero[i].mean[ch] = 0.0f;
              zero[i].scale[ch] = 0.0f;
            }
        }
      g_autofree TrawlCtcStep *steps = NULL;
      int T = 0;
      ok = ok && _trawl_scratch_warp_into (plan, &pr->crops, off, zero, nb, 0, error) &&
           _trawl_scratch_warp_into (plan, &pr->crops, off, p, nb, 0, error) &&
           rec_steps (pr, plan, nb, m, &steps, &T, error);
      for (int i = 0; ok && i < m; i++)
        {
          const Cand *c = &cands[first + i];
          TrawlPlate *read = _trawl_plate_from_steps (pr, steps + (gsize) i * T, T, c->crop.w, rw[i],
                                                      1, error);
          if (read == NULL)
            ok = FALSE;
          else
            fs[c->frame].reads[3 * c->box + c->slot] = read;
        }
    }
  pr->times.read_s += (g_get_monotonic_time () - start) / 1e6;
  return ok;
}

/* Every source on the reader's side and not empty. */
static gboolean
check_sources (const TrawlPlateReader *pr, const TrawlFrameSource *srcs, int n, GError **error)
{
  gboolean dev = trawl_nn_plan_on_device (pr->rec);

  for (int f = 0; f < n; f++)
    {
      const TrawlFrameSource *s = &srcs[f];
      if (s->gpu != NULL)
        {
          if (!dev)
            return bad_arg (error, "a GPU frame needs a reader made with the CUDA backend");
          if (s->gpu->y == NULL || s->gpu->uv == NULL || s->width < 2 || s->height < 2)
            return bad_arg (error, "empty GPU frame");
        }
      else
        {
          if (dev)
            return bad_arg (error, "a host image needs a reader made with the CPU backend");
          if (s->rgb == NULL || s->width < 1 || s->height < 1)
            return bad_arg (error, "empty image");
        }
    }
  return TRUE;
}

/* Tight and wide reads of every wanted box of every frame. */
static gboolean
read_boxes (TrawlPlateReader *pr, const TrawlFrameSource *srcs, int n, FrameState *fs,
            GError **error)
{
  g_autoptr (GArray) cands = g_array_new (FALSE, FALSE, sizeof (Cand));

  for (int f = 0; f < n; f++)
    for (guint i = 0; i < fs[f].boxes->len; i++)
      {
        const TrawlOcrBox *b = &g_array_index (fs[f].boxes, TrawlOcrBox, i);
        float w;
        if (!(fs[f].wanted[i] = _trawl_plate_box_wanted (pr, b, &w, &fs[f].h[i])))
          continue;
        /* the classic read's tight (margin 0) and wide (MARGIN_WIDE) crops */
        Cand c = { .frame = f, .box = (int) i, .slot = 0, .from = -1 };
        trawl_warp_rectify_crop (b, 0.0f, 0.0f, 1.0f, &c.crop);
        g_array_append_val (cands, c);
        c.slot = 1;
        trawl_warp_rectify_crop (b, TRAWL_PLATE_MARGIN_WIDE, TRAWL_PLATE_MARGIN_WIDE / 2, 1.0f,
                                 &c.crop);
        g_array_append_val (cands, c);
      }
  return read_cands (pr, srcs, NULL, (const Cand *) (void *) cands->data, (int) cands->len, fs,
                     error);
}

/* The zoomed reads of the boxes whose tight or wide read looks like
 * a plate: det on each zoom crop, its best region read (read_zoomed in
 * plate-pipeline.c). */
static gboolean
read_zoomed (TrawlPlateReader *pr, const TrawlFrameSource *srcs, int n, FrameState *fs,
             GError **error)
{
  g_autoptr (GArray) jobs = g_array_new (FALSE, TRUE, sizeof (DetJob));
  g_autoptr (GArray) cands = g_array_new (FALSE, FALSE, sizeof (Cand));
  gsize total = 0;
  gboolean ok;

  for (int f = 0; f < n; f++)
    for (guint i = 0; i < fs[f].boxes->len; i++)
      {
        TrawlPlate *const *r = &fs[f].reads[3 * i];
        if (!fs[f].wanted[i] || !_trawl_plate_wants_zoom (r[0], r[1]))
          continue;
        DetJob job = { .frame = f, .box = (int) i, .off = total };
        _trawl_plate_zoom_crop (&g_array_index (fs[f].boxes, TrawlOcrBox, i), fs[f].h[i],
                                &job.zoom);
        job.img_w = job.zoom.w;
        job.img_h = job.zoom.h;
        trawl_warp_det_size (job.img_w, job.img_h, pr->opts.det_max_side, &job.dw, &job.dh);
        total += (gsize) 3 * job.zoom.w * job.zoom.h;
        g_array_append_val (jobs, job);
      }
  if (jobs->len == 0)
    return TRUE;
  DetJob *js = (DetJob *) (void *) jobs->data;
  ok = _trawl_warp_scratch_reserve (&pr->zooms, &srcs[0], total, error) &&
       run_dets (pr, srcs, js, (int) jobs->len, error);
  for (guint j = 0; ok && j < jobs->len; j++)
    {
      int best = _trawl_plate_best_box (js[j].found);
      if (best < 0)
        continue;  /* no region: no zoomed read, as on the CPU */
      Cand c = { .frame = js[j].frame, .box = js[j].box, .slot = 2, .from = (int) j };
      trawl_warp_rectify_crop (&g_array_index (js[j].found, TrawlOcrBox, best),
                               TRAWL_PLATE_MARGIN_REGION, TRAWL_PLATE_MARGIN_REGION / 2, 1.0f,
                               &c.crop);
      g_array_append_val (cands, c);
    }
  ok = ok && read_cands (pr, srcs, js, (const Cand *) (void *) cands->data, (int) cands->len, fs,
                         error);
  for (guint j = 0; j < jobs->len; j++)
    if (js[j].found != NULL)
      g_array_unref (js[j].found);
  return ok;
}

gboolean
_trawl_plate_reader_detect_sources (TrawlPlateReader *pr, const TrawlFrameSource *srcs, int n,
                                    GPtrArray **plates_out, GError **error)
{
  if (plates_out != NULL)
    for (int f = 0; f < n; f++)
      plates_out[f] = NULL;
  if (pr == NULL || srcs == NULL || plates_out == NULL || n < 1)
    return bad_arg (error, "no reader, no frames or nowhere to put plates");
  if (!check_sources (pr, srcs, n, error))
    return FALSE;

  g_autofree FrameState *fs = g_new0 (FrameState, n);
  g_autofree DetJob *jobs = g_new0 (DetJob, n);
  gboolean ok;

  /* det of every frame, frames of one size together */
  for (int f = 0; f < n; f++)
    {
      jobs[f] = (DetJob) { .frame = f, .box = -1, .img_w = srcs[f].width,
                           .img_h = srcs[f].height };
      trawl_warp_det_size (srcs[f].width, srcs[f].height, pr->opts.det_max_side, &jobs[f].dw,
                           &jobs[f].dh);
    }
  ok = run_dets (pr, srcs, jobs, n, error);
  for (int f = 0; f < n; f++)
    {
      fs[f].boxes = jobs[f].found != NULL ? jobs[f].found
                                          : g_array_new (FALSE, FALSE, sizeof (TrawlOcrBox));
      guint nb = MAX (fs[f].boxes->len, 1);
      fs[f].h = g_new0 (float, nb);
      fs[f].wanted = g_new0 (gboolean, nb);
      fs[f].reads = g_new0 (TrawlPlate *, 3 * (gsize) nb);
    }

  /* then the reads: tight and wide of every box, then the zoomed ones */
  ok = ok && read_boxes (pr, srcs, n, fs, error) && read_zoomed (pr, srcs, n, fs, error);

  for (int f = 0; f < n; f++)
    {
      if (ok)
        {
          GPtrArray *plates = g_ptr_array_new_with_free_func ((GDestroyNotify) trawl_plate_free);
          for (guint i = 0; i < fs[f].boxes->len; i++)
            {
              if (!fs[f].wanted[i])
                continue;
              int k = _trawl_plate_choose_read (&fs[f].reads[3 * i], 3);
              TrawlPlate *p = k >= 0 ? g_steal_pointer (&fs[f].reads[3 * i + k]) : NULL;
              if (p != NULL)
                _trawl_plate_keep (pr, plates, p, &g_array_index (fs[f].boxes, TrawlOcrBox, i));
            }
          _trawl_plate_sort (plates);
          plates_out[f] = plates;
        }
      for (guint i = 0; i < 3 * fs[f].boxes->len; i++)
        trawl_plate_free (fs[f].reads[i]);
      g_free (fs[f].reads);
      g_free (fs[f].h);
      g_free (fs[f].wanted);
      g_array_unref (fs[f].boxes);
    }
  if (!ok)
    /* work queued before the failure may still read or write the crops:
     * freeing them waits for the device */
    _trawl_plate_batch_free (pr);
  return ok;
}
