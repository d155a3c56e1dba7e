/* face-batch.c - the face pipeline, the one path every entry of
 * face-pipeline.c takes: _trawl_face_detector_run_sources on frame
 * sources (frame-source.h), batched across frames, for frames on the GPU
 * (NV12) and host images (RGB) alike.
 *
 * Every network input is cut from its frame by _trawl_frame_warp_into
 * straight into a plan's input buffer (the warp kernel into a CUDA plan's
 * device buffer for a GPU frame, the warp rule's CPU reference into a CPU
 * plan's host buffer for an RGB image), with parameters from warp-build.c
 * that reproduce the classic preprocessing (trawl_faces_prepare_input,
 * trawl_image_warp_affine; now a test reference, tests/detect). A GPU
 * frame and its RGB differ only in float rounding and NV12 colour. The
 * CPU source runs this very file in CI (tests/detect/test-face-batch.c).
 *
 * Batching: n frames are processed stage by stage. The SSD regions of all
 * frames (each frame's whole picture, then its tiles) go through SSD
 * together, up to TRAWL_WARP_MAX_BATCH per run; then the landmarks of all
 * their faces, then the chips and embeddings, up to TRAWL_FACE_MAX_BATCH
 * per run. A run's items are ordered frame by frame, so its input is
 * written by one warp call per frame segment (item offset `first`). Every
 * item's output depends only on its own input, so a frame's faces are the
 * ones it gets alone, in the same order.
 *
 * Stream order (CUDA): each plan has its own stream; every warp call makes
 * that stream wait for the decoder (trawl_gpu_frame_wait) and queues the
 * kernel on it, and trawl_nn_plan_run_staged runs after it on the same
 * stream and returns with the outputs on the host, so the buffer is free
 * again when it returns. Only net outputs and the chips (for the sharpness
 * measure) come back to host memory, and of SSD's outputs (143 KB a
 * region) only the candidate anchors: "prefilter on the device, exact on
 * the host". trawl_nn_plan_run_staged_device leaves the outputs where they
 * are, the SSD candidate kernel (through _trawl_plan_ssd_candidates,
 * frame-source.h) keeps, on the same stream, the anchors whose face logit
 * passes trawl_faces_ssd_logit_min, a conservative bound below min_score, and one download brings back
 * their records (12 KB a region), which the host decodes with the exact
 * CPU code (trawl_faces_ssd_detect_candidates): the same boxes as decoding
 * every anchor. A region with more than TRAWL_FACE_SSD_MAX_CAND
 * candidates downloads its full outputs instead. A CPU plan takes the
 * same steps through the prefilter's CPU reference, so CI runs them.
 */
#include "trawl-config.h"

#include "detect/detect-private.h"
#include "detect/frame-source.h"
#include "detect/warp-build.h"
#include "trawl/base.h"
#include "trawl/faces-post.h"

#include <string.h>

#define CHIP_FLOATS (3 * TRAWL_FACES_REC_SIZE * TRAWL_FACES_REC_SIZE)
#define N_ANCHORS   TRAWL_FACES_SSD_ANCHORS
#define MAX_CAND    TRAWL_FACE_SSD_MAX_CAND

/* The candidate buffer holds ints and floats in 4-byte words. */
G_STATIC_ASSERT (sizeof (int) == sizeof (float));

/* An SSD run of m regions uses ssd_batch[m]; a landmark or chip run of up
 * to TRAWL_FACE_MAX_BATCH items (padded to a bucket) is warped per frame
 * segment, and the last bucket is TRAWL_FACE_MAX_BATCH. */
G_STATIC_ASSERT (TRAWL_WARP_MAX_BATCH <= TRAWL_FACE_MAX_BATCH);
G_STATIC_ASSERT (TRAWL_FACE_MAX_BATCH <= TRAWL_WARP_MAX_BATCH);
G_STATIC_ASSERT ((1 << (TRAWL_FACE_BUCKETS - 1)) == TRAWL_FACE_MAX_BATCH);

static gboolean
bad_arg (GError **error, const char *what)
{
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "face detector: %s", what);
  return FALSE;
}

/* ---- what the SSD, landmark and recogniser steps share ---- */

TrawlNnPlan *
_trawl_face_plan (TrawlFaceDetector *fd, TrawlNnGraph **g, const char *dest, int batch,
                  int size, GError **error)
{
  if (*g == NULL)
    {
      if (dest == NULL)
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "face detector: net not loaded");
          return NULL;
        }
      g_autofree char *path = trawl_model_path (dest, error);
      if (path == NULL || (*g = trawl_nn_load (path, error)) == NULL)
        return NULL;
    }
  TrawlNnTensor shape = { TRAWL_NN_F32, 4, { batch, 3, size, size }, NULL };
  TrawlNnPlanOptions po = { .backend = fd->opts.backend, .n_threads = fd->opts.n_threads,
                            .precision = fd->opts.precision };
  return trawl_nn_plan_new (*g, &shape, 1, &po, error);
}

void
_trawl_face_dets_append (const GArray *dets, const TrawlBox *r, GArray *out)
{
  for (guint i = 0; i < dets->len; i++)
    {
      const TrawlFaceBox *d = &g_array_index (dets, TrawlFaceBox, i);
      TrawlScoredBox sb = { { r->x + d->box.x0, r->y + d->box.y0, d->box.x1 - d->box.x0,
                              d->box.y1 - d->box.y0 }, d->score };
      if (sb.box.w >= 4 && sb.box.h >= 4)
        g_array_append_val (out, sb);
    }
}

/* Tile side for a frame: the fixed option, or by default two tiles across
 * the long side overlapping by a quarter (T = long / 1.75), but no larger
 * than MAX_AUTO_TILE unless that needs more than three across (then three
 * across, T = long / 2.5). Two across doubles the resolution SSD sees (a
 * face of 20 px in a 1920-px frame is 5 px after the squeeze to 512, below
 * what SSD finds), and for small frames it upsamples (the Hamilton clip's
 * tiny pianist). SSD finds faces reliably from about 38 px of its 512-px
 * input: tiles of 800 px (SSD at 0.64) find faces of 50-60 px in a
 * 1920x1080 frame that two across (1097 px, SSD at 0.47) miss
 * (benchmarks/bench-face-scales: recall at 50 / 60 px 44 / 50% with two
 * across, 74 / 98% with 800-px tiles), for 7 SSD regions a 1080p frame
 * instead of 3. Frames up to 1400 px keep two across. */
#define MAX_AUTO_TILE 800
static int
tile_side (const TrawlFaceDetector *fd, int width, int height)
{
  int long_side = MAX (width, height);
  if (fd->opts.tile < 0 || long_side < 480)
    return 0;
  if (fd->opts.tile > 0)
    return long_side > fd->opts.tile + fd->opts.tile / 4 ? fd->opts.tile : 0;
  int two = (long_side * 4 + 6) / 7;
  return two <= MAX_AUTO_TILE ? two : MAX (MAX_AUTO_TILE, (long_side * 2 + 4) / 5);
}

GArray *
_trawl_face_regions (const TrawlFaceDetector *fd, int width, int height)
{
  GArray *regions = g_array_new (FALSE, FALSE, sizeof (TrawlBox));
  TrawlBox whole = { 0, 0, (float) width, (float) height };
  g_array_append_val (regions, whole);
  int tile = tile_side (fd, width, height);
  if (tile > 0)
    {
      g_autoptr (GArray) tiles = trawl_tiles_plan (width, height, tile, tile / 4);
      for (guint i = 0; tiles && i < tiles->len; i++)
        {
          TrawlBox *t = &g_array_index (tiles, TrawlBox, i);
          /* the integer region the CPU path has always used */
          TrawlBox r = { (float) (int) t->x, (float) (int) t->y, (float) (int) t->w,
                         (float) (int) t->h };
          g_array_append_val (regions, r);
        }
    }
  return regions;
}

void
_trawl_face_merge (const TrawlFaceDetector *fd, GArray *boxes)
{
  /* IoU 0.5 as face-api; a box mostly inside a better one is a face cut by
   * a tile edge. */
  trawl_boxes_merge (boxes, TRAWL_FACES_SSD_IOU, 0.7f);
  if (boxes->len > (guint) fd->opts.max_faces)
    g_array_set_size (boxes, fd->opts.max_faces);
}

void
_trawl_face_lm_region (const TrawlBox *b, int *x, int *y, int *w, int *h)
{
  *x = (int) floorf (b->x);
  *y = (int) floorf (b->y);
  *w = MAX (1, (int) ceilf (b->x + b->w) - *x);
  *h = MAX (1, (int) ceilf (b->y + b->h) - *y);
}

void
_trawl_face_normalise (const float *v, float *out)
{
  double n2 = 0;
  for (int i = 0; i < TRAWL_FACE_EMBED_DIM; i++)
    n2 += (double) v[i] * v[i];
  float inv = n2 > 0 ? (float) (1.0 / sqrt (n2)) : 0.0f;
  for (int i = 0; i < TRAWL_FACE_EMBED_DIM; i++)
    out[i] = v[i] * inv;
}

/* ---- batched runs ---- */

/* The bucket index (batch 1 << i) that holds n items, n <= 32. */
static int
bucket_of (int n)
{
  int i = 0;
  while ((1 << i) < n)
    i++;
  return i;
}

/* The plan in *slot for batch x 3 x size x size on the detector's
 * backend, made on first use. */
static TrawlNnPlan *
batch_plan (TrawlFaceDetector *fd, TrawlNnPlan **slot, TrawlNnGraph **g, int batch, int size,
            GError **error)
{
  if (*slot == NULL)
    *slot = _trawl_face_plan (fd, g, NULL, batch, size, error);
  return *slot;
}

/* Writes items 0 .. m-1 of plan's input: item i is warp p[i] of frame
 * frame_of[i]. One warp call per run of equal frame_of, at its offset. */
static gboolean
warp_items (TrawlNnPlan *plan, const TrawlFrameSource *srcs, const int *frame_of,
            const TrawlWarpParams *p, int m, GError **error)
{
  for (int s = 0, e; s < m; s = e)
    {
      for (e = s + 1; e < m && frame_of[e] == frame_of[s]; e++)
        ;
      if (!_trawl_frame_warp_into (plan, &srcs[frame_of[s]], &p[s], e - s, s, error))
        return FALSE;
    }
  return TRUE;
}

/* After a failed step: waits for the work already queued on plan's
 * stream (a one-float read-back), so that no warp still reads a frame the
 * caller frees on the error. The failing step has reported the error. */
static void
drain (TrawlNnPlan *plan)
{
  float sink;

  (void) _trawl_plan_input_read (plan, 0, &sink, 1, NULL);
}

/* Fills items m .. nb-1 (a bucket's unused tail) with a copy of item 0's
 * warp: a defined input whose outputs are ignored. */
static void
pad_items (int *frame_of, TrawlWarpParams *p, int m, int nb)
{
  for (int i = m; i < nb; i++)
    {
      frame_of[i] = frame_of[0];
      p[i] = p[0];
    }
}

/* Checks that output o of a batch-n run holds n items of per floats. */
static gboolean
check_batch (const TrawlNnTensor *o, int n, int64_t per, const char *net, GError **error)
{
  if (o->dtype != TRAWL_NN_F32 || o->ndim < 1 || o->dims[0] != n
      || trawl_nn_tensor_numel (o) != n * per)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED,
                   "face detector: %s output is not %d items of %" G_GINT64_FORMAT, net, n, per);
      return FALSE;
    }
  return TRUE;
}

void
_trawl_face_batch_free (TrawlFaceDetector *fd)
{
  if (fd == NULL)
    return;
  _trawl_warp_scratch_clear (&fd->ssd_cand);
  g_clear_pointer (&fd->ssd_cand_host, g_free);
}

void
_trawl_face_detector_clear (TrawlFaceDetector *fd)
{
  _trawl_face_batch_free (fd);
  for (int i = 0; i <= TRAWL_FACE_MAX_BATCH; i++)
    g_clear_pointer (&fd->ssd_batch[i], trawl_nn_plan_free);
  for (int i = 0; i < TRAWL_FACE_BUCKETS; i++)
    {
      g_clear_pointer (&fd->lm_batch[i], trawl_nn_plan_free);
      g_clear_pointer (&fd->rec_batch[i], trawl_nn_plan_free);
    }
  g_clear_pointer (&fd->ssd_g, trawl_nn_graph_unref);
  g_clear_pointer (&fd->lm_g, trawl_nn_graph_unref);
  g_clear_pointer (&fd->rec_g, trawl_nn_graph_unref);
  g_clear_pointer (&fd->chip_host, g_free);
}

/* Words (4 bytes) of the candidates of an m-region SSD run, laid out
 * [counts (m) | idx (m x MAX_CAND) | cand (m x MAX_CAND x 5)] so that one
 * download brings them all. */
static gsize
cand_words (int m)
{
  return (gsize) m * (1 + 6 * (gsize) MAX_CAND);
}

/* An m-region run's candidates in host memory (the layout above). */
typedef struct {
  const int   *counts;   /* [m]: may exceed MAX_CAND */
  const int   *idx;      /* region i's at idx + i * MAX_CAND */
  const float *cand;     /* region i's at cand + i * MAX_CAND * 5 */
} SsdCands;

static void
cands_at (SsdCands *c, const void *buf, int m)
{
  const int *w = buf;

  c->counts = w;
  c->idx = w + m;
  c->cand = (const float *) (const void *) (w + m + (gsize) m * MAX_CAND);
}

/* Checks the candidates (on a GPU plan, what the device gave back):
 * counts within the anchors, indices ascending within them. Garbage would
 * make NMS misbehave, not crash, but it must not pass for faces. */
static gboolean
cands_sane (const SsdCands *c, int m, GError **error)
{
  for (int i = 0; i < m; i++)
    {
      const int *idx = c->idx + (gsize) i * MAX_CAND;
      int n = c->counts[i];

      if (n < 0 || n > N_ANCHORS)
        goto bad;
      for (int k = 0; k < MIN (n, MAX_CAND); k++)
        if (idx[k] < 0 || idx[k] >= N_ANCHORS || (k > 0 && idx[k] <= idx[k - 1]))
          goto bad;
    }
  return TRUE;
bad:
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED,
               "face detector: SSD candidates out of order or range");
  return FALSE;
}

/* Runs SSD (m regions) on what its input holds and cuts each region's
 * outputs down to its candidate anchors (*c, host memory in fd's
 * buffers): on the GPU where the outputs lie, so that only the candidates
 * come back, on the CPU by the same rule's reference
 * (_trawl_plan_ssd_candidates). o receives the outputs (device memory on
 * a GPU plan, valid until the plan's next run) for the regions with too
 * many candidates. */
static gboolean
ssd_candidates (TrawlFaceDetector *fd, TrawlNnPlan *plan, int m, TrawlNnTensor *o, SsdCands *c,
                GError **error)
{
  float logit_min = trawl_faces_ssd_logit_min (fd->opts.min_score);

  if (!trawl_nn_plan_run_staged_device (plan, o, 2, error) ||
      !check_batch (&o[0], m, 4 * N_ANCHORS, "SSD boxes", error) ||
      !check_batch (&o[1], m, 3 * N_ANCHORS, "SSD classes", error))
    return FALSE;
  if (fd->ssd_cand_host == NULL)
    fd->ssd_cand_host = g_new (float, cand_words (TRAWL_WARP_MAX_BATCH));
  if (!_trawl_plan_ssd_candidates (plan, o[0].data, o[1].data, m, N_ANCHORS, logit_min,
                                   MAX_CAND, &fd->ssd_cand, fd->ssd_cand_host, error))
    {
      g_prefix_error (error, "face detector: ");
      return FALSE;
    }
  cands_at (c, fd->ssd_cand_host, m);
  return cands_sane (c, m, error);
}

/* Region i's detections from its full outputs o (a run of ssd_candidates
 * on plan): the fallback for a region with more than MAX_CAND candidates.
 * On a GPU plan its slices of the outputs are downloaded first. NULL with
 * error set when that fails. */
static GArray *
ssd_full (TrawlFaceDetector *fd, TrawlNnPlan *plan, const TrawlNnTensor *o, int i,
          const TrawlBox *r, GError **error)
{
  const float *enc = (const float *) o[0].data + (gsize) i * 4 * N_ANCHORS;
  const float *logits = (const float *) o[1].data + (gsize) i * 3 * N_ANCHORS;

  if (!trawl_nn_plan_on_device (plan))
    return trawl_faces_ssd_detect (enc, logits, (int) r->w, (int) r->h, fd->opts.min_score,
                                   fd->opts.max_faces);
  g_autofree float *host = g_new (float, 7 * N_ANCHORS);
  if (!_trawl_plan_output_read (plan, enc, host, 4 * N_ANCHORS * sizeof (float), error) ||
      !_trawl_plan_output_read (plan, logits, host + 4 * N_ANCHORS,
                                3 * N_ANCHORS * sizeof (float), error))
    {
      g_prefix_error (error, "face detector: ");
      return NULL;
    }
  return trawl_faces_ssd_detect (host, host + 4 * N_ANCHORS, (int) r->w, (int) r->h,
                                 fd->opts.min_score, fd->opts.max_faces);
}

/* SSD on the regions of every frame, TRAWL_WARP_MAX_BATCH regions per
 * run on the GPU, one on the CPU (or fd->ssd_max_batch), then each
 * frame's boxes merged as the classic path merged them.
 * boxes[f] (empty on entry) receives frame f's TrawlScoredBox. */
static gboolean
find_boxes (TrawlFaceDetector *fd, const TrawlFrameSource *srcs, int n, GArray **boxes,
            GError **error)
{
  g_autoptr (GPtrArray) regions = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  g_autoptr (GArray) items = g_array_new (FALSE, FALSE, sizeof (int) * 2);  /* frame, region */
  TrawlWarpParams p[TRAWL_WARP_MAX_BATCH];
  int frame_of[TRAWL_WARP_MAX_BATCH];
  /* a CPU plan holds 25 MB of arena a region: there one region a run by
   * default, the memory the classic path used; a GPU batches them */
  guint dflt = trawl_nn_plan_on_device (fd->ssd_batch[1]) ? TRAWL_WARP_MAX_BATCH : 1;
  guint max = fd->ssd_max_batch > 0 ? (guint) MIN (fd->ssd_max_batch, TRAWL_WARP_MAX_BATCH)
                                    : dflt;

  for (int f = 0; f < n; f++)
    {
      GArray *r = _trawl_face_regions (fd, srcs[f].width, srcs[f].height);
      g_ptr_array_add (regions, r);
      for (guint i = 0; i < r->len; i++)
        {
          int it[2] = { f, (int) i };
          g_array_append_val (items, it);
        }
    }
  for (guint first = 0; first < items->len; first += max)
    {
      int m = (int) MIN (items->len - first, max);
      TrawlNnPlan *plan = batch_plan (fd, &fd->ssd_batch[m], &fd->ssd_g, m, TRAWL_FACES_SSD_SIZE,
                                      error);
      const TrawlBox *r[TRAWL_WARP_MAX_BATCH];
      TrawlNnTensor o[2];
      SsdCands c;

      if (plan == NULL)
        return FALSE;
      for (int i = 0; i < m; i++)
        {
          const int *it = &g_array_index (items, int, 2 * (first + i));
          const TrawlFrameSource *s = &srcs[it[0]];
          frame_of[i] = it[0];
          r[i] = &g_array_index ((GArray *) regions->pdata[it[0]], TrawlBox, it[1]);
          trawl_warp_build_square (&p[i], s->width, s->height, (int) r[i]->x, (int) r[i]->y,
                                   (int) r[i]->w, (int) r[i]->h, TRAWL_FACES_SSD_SIZE, FALSE);
        }
      if (!warp_items (plan, srcs, frame_of, p, m, error) ||
          !ssd_candidates (fd, plan, m, o, &c, error))
        {
          drain (plan);
          return FALSE;
        }
      for (int i = 0; i < m; i++)
        {
          g_autoptr (GArray) dets = NULL;

          if (c.counts[i] <= MAX_CAND)
            dets = trawl_faces_ssd_detect_candidates (c.idx + (gsize) i * MAX_CAND,
                                                      c.cand + (gsize) i * MAX_CAND * 5,
                                                      c.counts[i], (int) r[i]->w, (int) r[i]->h,
                                                      fd->opts.min_score, fd->opts.max_faces);
          else if ((dets = ssd_full (fd, plan, o, i, r[i], error)) == NULL)
            {
              drain (plan);
              return FALSE;
            }
          _trawl_face_dets_append (dets, r[i], boxes[frame_of[i]]);
        }
    }
  for (int f = 0; f < n; f++)
    _trawl_face_merge (fd, boxes[f]);
  return TRUE;
}

/* Landmarks of faces[0 .. m), m <= TRAWL_FACE_MAX_BATCH, face i in frame
 * frame_of[i] (frames in runs), in one run of the smallest bucket that
 * holds them. */
static gboolean
landmarks_batch (TrawlFaceDetector *fd, const TrawlFrameSource *srcs, TrawlFace **faces,
                 const int *frame_of, int m, GError **error)
{
  int b = bucket_of (m), nb = 1 << b;
  TrawlNnPlan *plan = batch_plan (fd, &fd->lm_batch[b], &fd->lm_g, nb, TRAWL_FACES_LM_SIZE,
                                  error);
  TrawlWarpParams p[TRAWL_FACE_MAX_BATCH];
  int fo[TRAWL_FACE_MAX_BATCH];
  int rx[TRAWL_FACE_MAX_BATCH], ry[TRAWL_FACE_MAX_BATCH], rw[TRAWL_FACE_MAX_BATCH],
      rh[TRAWL_FACE_MAX_BATCH];
  TrawlNnTensor o;

  if (plan == NULL)
    return FALSE;
  for (int i = 0; i < m; i++)
    {
      const TrawlFrameSource *s = &srcs[frame_of[i]];
      fo[i] = frame_of[i];
      _trawl_face_lm_region (&faces[i]->box, &rx[i], &ry[i], &rw[i], &rh[i]);
      trawl_warp_build_square (&p[i], s->width, s->height, rx[i], ry[i], rw[i], rh[i],
                               TRAWL_FACES_LM_SIZE, TRUE);
    }
  pad_items (fo, p, m, nb);
  if (!warp_items (plan, srcs, fo, p, nb, error) ||
      !trawl_nn_plan_run_staged (plan, &o, 1, error) ||
      !check_batch (&o, nb, 2 * TRAWL_FACE_LANDMARKS, "landmarks", error))
    {
      drain (plan);
      return FALSE;
    }
  for (int i = 0; i < m; i++)
    {
      float xy[2 * TRAWL_FACE_LANDMARKS];
      trawl_faces_landmarks_map ((const float *) o.data + (gsize) i * 2 * TRAWL_FACE_LANDMARKS,
                                 rx[i], ry[i], rw[i], rh[i], xy);
      for (int k = 0; k < TRAWL_FACE_LANDMARKS; k++)
        {
          faces[i]->landmarks[k].x = xy[2 * k];
          faces[i]->landmarks[k].y = xy[2 * k + 1];
        }
    }
  return TRUE;
}

/* The chip held as planar 0..255 floats, as the 8-bit image quality wants. */
static TrawlImage *
chip_image (const float *planar)
{
  const int s = TRAWL_FACES_REC_SIZE;
  TrawlImage *chip = trawl_image_new (s, s);

  for (int y = 0; y < s; y++)
    for (int x = 0; x < s; x++)
      for (int c = 0; c < 3; c++)
        {
          float v = planar[c * s * s + y * s + x];
          chip->data[(gsize) y * chip->stride + 3 * x + c] =
            (guint8) (v < 0.0f ? 0 : v > 255.0f ? 255 : (int) (v + 0.5f));
        }
  return chip;
}

/* Chips, quality and embeddings of faces[0 .. n), n <= TRAWL_FACE_MAX_BATCH,
 * face i in frame frame_of[i]: the chips of the faces whose landmarks allow
 * one are warped (one call per frame segment) into the recogniser's batch
 * input, read back for quality, then embedded in one run; without the
 * recogniser, one at a time through a scratch buffer. */
static gboolean
chips_batch (TrawlFaceDetector *fd, const TrawlFrameSource *srcs, TrawlFace **faces,
             const int *frame_of, int n, GError **error)
{
  TrawlWarpParams p[TRAWL_FACE_MAX_BATCH];
  int fo[TRAWL_FACE_MAX_BATCH];
  int which[TRAWL_FACE_MAX_BATCH], m = 0;   /* faces with a chip, in order */

  for (int i = 0; i < n; i++)
    {
      double mat[6];
      if (trawl_face_chip_transform (faces[i]->landmarks, TRAWL_FACE_CHIP, mat))
        {
          const TrawlFrameSource *s = &srcs[frame_of[i]];
          trawl_warp_build_chip (&p[m], s->width, s->height, mat, TRAWL_FACES_REC_SIZE);
          fo[m] = frame_of[i];
          which[m++] = i;
        }
      else
        {
          /* degenerate landmarks: no chip, as trawl_face_align says */
          trawl_face_quality (faces[i]->landmarks, NULL, faces[i]->score, &faces[i]->quality);
        }
    }
  if (m == 0)
    return TRUE;
  if (fd->chip_host == NULL)
    fd->chip_host = g_new (float, (gsize) TRAWL_FACE_MAX_BATCH * CHIP_FLOATS);

  if (fd->rec_g == NULL)
    {
      /* No recogniser plan to warp into: the landmark plan's batch-2 input
       * (2 x 3 x 112 x 112 >= 3 x 150 x 150 floats) is free between runs
       * (run_staged returns after its run) and serves as scratch. */
      TrawlNnPlan *plan = batch_plan (fd, &fd->lm_batch[1], &fd->lm_g, 2, TRAWL_FACES_LM_SIZE,
                                      error);
      if (plan == NULL)
        return FALSE;
      for (int j = 0; j < m; j++)
        if (!_trawl_frame_warp_into (plan, &srcs[fo[j]], &p[j], 1, 0, error) ||
            !_trawl_plan_input_read (plan, 0, fd->chip_host + (gsize) j * CHIP_FLOATS, CHIP_FLOATS,
                                     error))
          {
            drain (plan);
            return FALSE;
          }
    }
  else
    {
      int b = bucket_of (m), nb = 1 << b;
      TrawlNnPlan *plan = batch_plan (fd, &fd->rec_batch[b], &fd->rec_g, nb, TRAWL_FACES_REC_SIZE,
                                      error);
      TrawlNnTensor o;
      if (plan == NULL)
        return FALSE;
      pad_items (fo, p, m, nb);
      if (!warp_items (plan, srcs, fo, p, nb, error) ||
          !_trawl_plan_input_read (plan, 0, fd->chip_host, (gsize) CHIP_FLOATS * m, error) ||
          !trawl_nn_plan_run_staged (plan, &o, 1, error) ||
          !check_batch (&o, nb, TRAWL_FACE_EMBED_DIM, "recogniser", error))
        {
          drain (plan);
          return FALSE;
        }
      for (int j = 0; j < m; j++)
        {
          _trawl_face_normalise ((const float *) o.data + (gsize) j * TRAWL_FACE_EMBED_DIM,
                                 faces[which[j]]->embedding);
          faces[which[j]]->has_embedding = TRUE;
        }
    }
  for (int j = 0; j < m; j++)
    {
      g_autoptr (TrawlImage) chip = chip_image (fd->chip_host + (gsize) j * CHIP_FLOATS);
      TrawlFace *f = faces[which[j]];
      trawl_face_quality (f->landmarks, chip, f->score, &f->quality);
    }
  return TRUE;
}

/* Checks the sources against the detector's backend before any work. */
static gboolean
check_sources (const TrawlFaceDetector *fd, const TrawlFrameSource *srcs, int n, GError **error)
{
  gboolean on_device = trawl_nn_plan_on_device (fd->ssd_batch[1]);

  for (int f = 0; f < n; f++)
    {
      const TrawlFrameSource *s = &srcs[f];
      if (s->gpu != NULL)
        {
          if (!on_device)
            return bad_arg (error, "a GPU frame needs a detector made with the CUDA backend");
          if (s->gpu->y == NULL || s->gpu->uv == NULL || s->width < 2 || s->height < 2)
            return bad_arg (error, "empty GPU frame");
        }
      else if (s->rgb != NULL)
        {
          if (on_device)
            return bad_arg (error, "a host image needs a detector made with the CPU backend");
          if (s->rgb->data == NULL || s->width < 1 || s->height < 1 ||
              s->width != s->rgb->width || s->height != s->rgb->height)
            return bad_arg (error, "empty image");
        }
      else
        {
          return bad_arg (error, "a frame source with no frame");
        }
    }
  return TRUE;
}

/* Landmarks, chips and descriptors of the faces at boxes[f] (GArray of
 * TrawlScoredBox, frame px) of each frame: the stages after SSD. */
static gboolean
describe_boxes (TrawlFaceDetector *fd, const TrawlFrameSource *srcs, int n, GArray **boxes,
                GArray **faces_out, GError **error)
{
  g_autofree GArray **faces = g_new0 (GArray *, n);
  g_autoptr (GArray) items = g_array_new (FALSE, FALSE, sizeof (int) * 2);  /* frame, face */
  gboolean ok = TRUE;
  gint64 t0, t1;

  for (int f = 0; f < n; f++)
    {
      faces[f] = g_array_sized_new (FALSE, TRUE, sizeof (TrawlFace), boxes[f]->len);
      g_array_set_size (faces[f], boxes[f]->len);   /* zeroed: clear_ is TRUE */
      for (guint i = 0; i < boxes[f]->len; i++)
        {
          TrawlFace *fc = &g_array_index (faces[f], TrawlFace, i);
          const TrawlScoredBox *sb = &g_array_index (boxes[f], TrawlScoredBox, i);
          fc->box = sb->box;
          fc->score = sb->score;
          int it[2] = { f, (int) i };
          g_array_append_val (items, it);
        }
    }
  /* the arrays are not resized from here on: the face pointers hold */
  for (guint first = 0; ok && first < items->len; first += TRAWL_FACE_MAX_BATCH)
    {
      int m = (int) MIN (items->len - first, TRAWL_FACE_MAX_BATCH);
      TrawlFace *batch[TRAWL_FACE_MAX_BATCH];
      int frame_of[TRAWL_FACE_MAX_BATCH];

      for (int i = 0; i < m; i++)
        {
          const int *it = &g_array_index (items, int, 2 * (first + i));
          frame_of[i] = it[0];
          batch[i] = &g_array_index (faces[it[0]], TrawlFace, it[1]);
        }
      t0 = g_get_monotonic_time ();
      ok = landmarks_batch (fd, srcs, batch, frame_of, m, error);
      t1 = g_get_monotonic_time ();
      fd->times.landmarks_s += (t1 - t0) / 1e6;
      ok = ok && chips_batch (fd, srcs, batch, frame_of, m, error);
      fd->times.embed_s += (g_get_monotonic_time () - t1) / 1e6;
    }

  for (int f = 0; f < n; f++)
    {
      if (ok)
        faces_out[f] = faces[f];
      else
        g_array_unref (faces[f]);
    }
  if (!ok)
    /* work queued before the failure may still write the candidates:
     * freeing them waits for the device */
    _trawl_face_batch_free (fd);
  return ok;
}

gboolean
_trawl_face_detector_run_sources (TrawlFaceDetector *fd, const TrawlFrameSource *srcs, int n,
                                  GArray **faces_out, GError **error)
{
  if (faces_out != NULL)
    for (int f = 0; f < n; f++)
      faces_out[f] = NULL;
  if (fd == NULL || srcs == NULL || faces_out == NULL || n < 1)
    return bad_arg (error, "no detector, no frames or nowhere to put faces");
  if (!check_sources (fd, srcs, n, error))
    return FALSE;

  g_autofree GArray **boxes = g_new0 (GArray *, n);
  gboolean ok;
  gint64 t0 = g_get_monotonic_time ();

  for (int f = 0; f < n; f++)
    boxes[f] = g_array_new (FALSE, FALSE, sizeof (TrawlScoredBox));
  ok = find_boxes (fd, srcs, n, boxes, error);
  fd->times.detect_s += (g_get_monotonic_time () - t0) / 1e6;
  if (!ok)
    _trawl_face_batch_free (fd);
  ok = ok && describe_boxes (fd, srcs, n, boxes, faces_out, error);
  for (int f = 0; f < n; f++)
    g_array_unref (boxes[f]);
  return ok;
}

gboolean
_trawl_face_detector_describe_sources (TrawlFaceDetector *fd, const TrawlFrameSource *srcs,
                                       int n, GArray **boxes, GArray **faces_out,
                                       GError **error)
{
  if (faces_out != NULL)
    for (int f = 0; f < n; f++)
      faces_out[f] = NULL;
  if (fd == NULL || srcs == NULL || boxes == NULL || faces_out == NULL || n < 1)
    return bad_arg (error, "no detector, no frames, no boxes or nowhere to put faces");
  if (!check_sources (fd, srcs, n, error))
    return FALSE;
  return describe_boxes (fd, srcs, n, boxes, faces_out, error);
}
