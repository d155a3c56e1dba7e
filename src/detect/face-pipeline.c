/* face-pipeline.c - TrawlFaceDetector: frame -> faces with landmarks,
 * quality and embeddings. Runs face-api's three nets on the engine:
 * SSD MobileNetV1 on the whole frame (and on tiles of large frames),
 * merge, 68-point landmarks on each box, dlib-style alignment
 * (face-align.c), recognition net, L2 normalisation. Pre/post-processing
 * of the nets themselves is in ssd-post.c. The same pipeline on frames
 * that stay on the GPU is face-gpu.c; what both do alike is here, behind
 * detect-private.h.
 */
#include "detect/detect-private.h"
#include "trawl/base.h"
#include "trawl/faces-post.h"
#include "trawl/nn.h"

#include <math.h>
#include <string.h>

void
trawl_face_detector_free (TrawlFaceDetector *fd)
{
  if (fd == NULL)
    return;
  trawl_nn_plan_free (fd->ssd);
  trawl_nn_plan_free (fd->lm);
  trawl_nn_plan_free (fd->rec);
  trawl_nn_graph_unref (fd->ssd_g);
  trawl_nn_graph_unref (fd->lm_g);
  trawl_nn_graph_unref (fd->rec_g);
  g_free (fd->ssd_in);
  g_free (fd->lm_in);
  g_free (fd->rec_in);
  for (int i = 0; i <= TRAWL_FACE_MAX_BATCH; i++)
    trawl_nn_plan_free (fd->ssd_batch[i]);
  for (int i = 0; i < TRAWL_FACE_BUCKETS; i++) {
    trawl_nn_plan_free (fd->lm_batch[i]);
    trawl_nn_plan_free (fd->rec_batch[i]);
  }
  g_free (fd->chip_host);
  _trawl_face_batch_free (fd);
  g_free (fd);
}

TrawlNnPlan *
_trawl_face_plan (TrawlFaceDetector *fd, TrawlNnGraph **g, const char *dest, int batch,
                  int size, GError **error)
{
  if (*g == NULL) {
    if (dest == NULL) {
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

TrawlFaceDetector *
trawl_face_detector_new (const TrawlFaceOptions *opts, GError **error)
{
  TrawlFaceDetector *fd = g_new0 (TrawlFaceDetector, 1);
  if (opts)
    fd->opts = *opts;
  if (fd->opts.min_score <= 0)
    fd->opts.min_score = 0.5f;
  if (fd->opts.max_faces <= 0)
    fd->opts.max_faces = 100;
  if ((fd->ssd = _trawl_face_plan (fd, &fd->ssd_g,
                                   "face-api/ssd_mobilenetv1_model-weights_manifest.json", 1,
                                   TRAWL_FACES_SSD_SIZE, error)) == NULL ||
      (fd->lm = _trawl_face_plan (fd, &fd->lm_g,
                                  "face-api/face_landmark_68_model-weights_manifest.json", 1,
                                  TRAWL_FACES_LM_SIZE, error)) == NULL ||
      (!fd->opts.no_embedding &&
       (fd->rec = _trawl_face_plan (fd, &fd->rec_g,
                                    "face-api/face_recognition_model-weights_manifest.json", 1,
                                    TRAWL_FACES_REC_SIZE, error)) == NULL)) {
    trawl_face_detector_free (fd);
    return NULL;
  }
  fd->ssd_in = g_new (float, 3 * TRAWL_FACES_SSD_SIZE * TRAWL_FACES_SSD_SIZE);
  fd->lm_in = g_new (float, 3 * TRAWL_FACES_LM_SIZE * TRAWL_FACES_LM_SIZE);
  fd->rec_in = g_new (float, 3 * TRAWL_FACES_REC_SIZE * TRAWL_FACES_REC_SIZE);
  return fd;
}

/* Runs a plan on one square input, adding its time to *seconds. */
static gboolean
run1 (TrawlNnPlan *plan, float *in, int size, TrawlNnTensor *outs, int n_out, double *seconds,
      GError **error)
{
  TrawlNnTensor t = { TRAWL_NN_F32, 4, { 1, 3, size, size }, in };
  gint64 start = g_get_monotonic_time ();
  gboolean ok = trawl_nn_plan_run (plan, &t, 1, outs, n_out, error);

  *seconds += (g_get_monotonic_time () - start) / 1e6;
  return ok;
}

void
trawl_face_detector_get_timings (const TrawlFaceDetector *fd, TrawlFaceTimings *t)
{
  *t = fd->times;
}

void
_trawl_face_dets_append (const GArray *dets, const TrawlBox *r, GArray *out)
{
  for (guint i = 0; i < dets->len; i++) {
    const TrawlFaceBox *d = &g_array_index (dets, TrawlFaceBox, i);
    TrawlScoredBox sb = { { r->x + d->box.x0, r->y + d->box.y0, d->box.x1 - d->box.x0,
                            d->box.y1 - d->box.y0 }, d->score };
    if (sb.box.w >= 4 && sb.box.h >= 4)
      g_array_append_val (out, sb);
  }
}

void
_trawl_face_ssd_append (const TrawlFaceDetector *fd, const float *enc, const float *logits,
                        const TrawlBox *r, GArray *out)
{
  g_autoptr (GArray) dets = trawl_faces_ssd_detect (enc, logits, (int) r->w, (int) r->h,
                                                    fd->opts.min_score, fd->opts.max_faces);
  _trawl_face_dets_append (dets, r, out);
}

/* SSD on region r of img; boxes in img px appended to out. */
static gboolean
ssd_region (TrawlFaceDetector *fd, const TrawlImage *img, const TrawlBox *r, GArray *out,
            GError **error)
{
  TrawlNnTensor o[2];
  trawl_faces_prepare_input (img, (int) r->x, (int) r->y, (int) r->w, (int) r->h,
                             TRAWL_FACES_SSD_SIZE, FALSE, fd->ssd_in);
  if (!run1 (fd->ssd, fd->ssd_in, TRAWL_FACES_SSD_SIZE, o, 2, &fd->times.detect_s, error))
    return FALSE;
  _trawl_face_ssd_append (fd, o[0].data, o[1].data, r, out);
  return TRUE;
}

/* Tile side for a frame: the fixed option, or by default two tiles across
 * the long side overlapping by a quarter (T = long / 1.75). That doubles
 * the resolution SSD sees for 4 extra runs at most (a face of 20 px in a
 * 1920-px frame is 5 px after the squeeze to 512, below what SSD finds),
 * and for small frames it upsamples (the Hamilton clip's tiny pianist). */
static int
tile_side (const TrawlFaceDetector *fd, int width, int height)
{
  int long_side = MAX (width, height);
  if (fd->opts.tile < 0 || long_side < 480)
    return 0;
  if (fd->opts.tile > 0)
    return long_side > fd->opts.tile + fd->opts.tile / 4 ? fd->opts.tile : 0;
  return (long_side * 4 + 6) / 7;
}

GArray *
_trawl_face_regions (const TrawlFaceDetector *fd, int width, int height)
{
  GArray *regions = g_array_new (FALSE, FALSE, sizeof (TrawlBox));
  TrawlBox whole = { 0, 0, (float) width, (float) height };
  g_array_append_val (regions, whole);
  int tile = tile_side (fd, width, height);
  if (tile > 0) {
    g_autoptr (GArray) tiles = trawl_tiles_plan (width, height, tile, tile / 4);
    for (guint i = 0; tiles && i < tiles->len; i++) {
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

/* All face boxes of a frame: the whole frame, then the tiles. */
static GArray *
find_boxes (TrawlFaceDetector *fd, const TrawlImage *img, GError **error)
{
  GArray *boxes = g_array_new (FALSE, FALSE, sizeof (TrawlScoredBox));
  g_autoptr (GArray) regions = _trawl_face_regions (fd, img->width, img->height);
  for (guint i = 0; i < regions->len; i++)
    if (!ssd_region (fd, img, &g_array_index (regions, TrawlBox, i), boxes, error)) {
      g_array_unref (boxes);
      return NULL;
    }
  _trawl_face_merge (fd, boxes);
  return boxes;
}

void
_trawl_face_lm_region (const TrawlBox *b, int *x, int *y, int *w, int *h)
{
  *x = (int) floorf (b->x);
  *y = (int) floorf (b->y);
  *w = MAX (1, (int) ceilf (b->x + b->w) - *x);
  *h = MAX (1, (int) ceilf (b->y + b->h) - *y);
}

static gboolean
landmarks (TrawlFaceDetector *fd, const TrawlImage *img, const TrawlBox *b, TrawlPoint *lm,
           GError **error)
{
  int x, y, w, h;
  _trawl_face_lm_region (b, &x, &y, &w, &h);
  TrawlNnTensor o;
  float xy[2 * TRAWL_FACE_LANDMARKS];
  trawl_faces_prepare_input (img, x, y, w, h, TRAWL_FACES_LM_SIZE, TRUE, fd->lm_in);
  if (!run1 (fd->lm, fd->lm_in, TRAWL_FACES_LM_SIZE, &o, 1, &fd->times.landmarks_s, error))
    return FALSE;
  trawl_faces_landmarks_map (o.data, x, y, w, h, xy);
  for (int i = 0; i < TRAWL_FACE_LANDMARKS; i++) {
    lm[i].x = xy[2 * i];
    lm[i].y = xy[2 * i + 1];
  }
  return TRUE;
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

/* Embeds an aligned chip: planar 0..255 in, normalised 128-d out. */
static gboolean
embed_chip (TrawlFaceDetector *fd, const TrawlImage *chip, float *out, GError **error)
{
  const int s = TRAWL_FACES_REC_SIZE;
  for (int y = 0; y < s; y++)
    for (int x = 0; x < s; x++)
      for (int c = 0; c < 3; c++)
        fd->rec_in[c * s * s + y * s + x] = chip->data[y * chip->stride + 3 * x + c];
  TrawlNnTensor o;
  if (!run1 (fd->rec, fd->rec_in, s, &o, 1, &fd->times.embed_s, error))
    return FALSE;
  _trawl_face_normalise (o.data, out);
  return TRUE;
}

GArray *
trawl_face_detector_run (TrawlFaceDetector *fd, const TrawlImage *img, GError **error)
{
  g_return_val_if_fail (fd != NULL && img != NULL, NULL);
  g_autoptr (GArray) boxes = find_boxes (fd, img, error);
  if (boxes == NULL)
    return NULL;
  GArray *faces = g_array_sized_new (FALSE, TRUE, sizeof (TrawlFace), boxes->len);
  for (guint i = 0; i < boxes->len; i++) {
    TrawlScoredBox *sb = &g_array_index (boxes, TrawlScoredBox, i);
    TrawlFace f;
    memset (&f, 0, sizeof f);
    f.box = sb->box;
    f.score = sb->score;
    if (!landmarks (fd, img, &f.box, f.landmarks, error))
      goto fail;
    g_autoptr (TrawlImage) chip = trawl_face_align (img, f.landmarks, TRAWL_FACE_CHIP);
    trawl_face_quality (f.landmarks, chip, f.score, &f.quality);
    if (chip != NULL && fd->rec != NULL) {
      if (!embed_chip (fd, chip, f.embedding, error))
        goto fail;
      f.has_embedding = TRUE;
    }
    g_array_append_val (faces, f);
  }
  return faces;
fail:
  g_array_unref (faces);
  return NULL;
}
