/* face-gpu.c - trawl_face_detector_run_gpu: the face pipeline on a frame
 * that stays on the GPU as NV12. Every network input is cut from the
 * frame's planes by the warp kernel (kernels/warp.cu) straight into a
 * plan's device input buffer, with parameters from warp-build.c that
 * reproduce the CPU path's preprocessing; SSD regions and the per-face nets
 * run batched. What the CPU path decides (regions, box decoding, merging,
 * gates, order) is shared through detect-private.h, so the two differ only
 * in float rounding and NV12 colour. Only net outputs and each face's chip
 * (for the sharpness measure) come back to host memory.
 *
 * Stream order: each plan has its own stream; before the first warp into a
 * plan's buffer the stream waits for the decoder (trawl_gpu_frame_wait),
 * the warp is queued on that stream and trawl_nn_plan_run_staged runs after
 * it on the same stream and returns with the outputs on the host, so the
 * buffer is free again when it returns.
 */
#include "trawl-config.h"

#include "detect/detect-private.h"
#include "detect/warp-build.h"
#include "trawl/base.h"
#include "trawl/faces-post.h"

#include <string.h>

#if TRAWL_HAVE_CUDA

#include "trawl-kernels.h"
#include "warp-kernel.h"

#define CHIP_FLOATS (3 * TRAWL_FACES_REC_SIZE * TRAWL_FACES_REC_SIZE)

static gboolean
cuda_check (int rc, const char *what, GError **error)
{
  if (rc == 0)
    return TRUE;
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "face detector on GPU: %s: %s", what,
               trawl_cuda_error_string (rc));
  return FALSE;
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

/* The plan in *slot for batch x 3 x size x size, made on first use. */
static TrawlNnPlan *
batch_plan (TrawlFaceDetector *fd, TrawlNnPlan **slot, TrawlNnGraph **g, int batch, int size,
            GError **error)
{
  if (*slot == NULL)
    *slot = _trawl_face_plan (fd, g, NULL, batch, size, error);
  return *slot;
}

/* Queues n warps (params p[0..n)) into plan's input buffer after the
 * decoder's writes. */
static gboolean
warp_into (TrawlNnPlan *plan, const TrawlGpuFrame *frame, const TrawlWarpParams *p, int n,
           GError **error)
{
  void *stream = trawl_nn_plan_stream (plan);
  float *dst = trawl_nn_plan_input_buffer (plan, 0);

  if (dst == NULL) {
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "face detector on GPU: no input buffer");
    return FALSE;
  }
  if (!trawl_gpu_frame_wait (frame, stream, error))
    return FALSE;
  return cuda_check (trawl_cuda_warp_nv12_batch (p, n, frame->y, frame->pitch_y, frame->uv,
                                                 frame->pitch_uv, dst, stream),
                     "warp", error);
}

/* Checks that output o of a batch-n run holds n items of per floats. */
static gboolean
check_batch (const TrawlNnTensor *o, int n, int64_t per, const char *net, GError **error)
{
  if (o->ndim < 1 || o->dims[0] != n || trawl_nn_tensor_numel (o) != n * per) {
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED,
                 "face detector on GPU: %s output is not %d items of %" G_GINT64_FORMAT, net, n,
                 per);
    return FALSE;
  }
  return TRUE;
}

/* SSD on the whole frame and its tiles, batched (TRAWL_WARP_MAX_BATCH
 * regions per run), boxes merged as the CPU path merges them. */
static GArray *
find_boxes (TrawlFaceDetector *fd, const TrawlGpuFrame *frame, GError **error)
{
  g_autoptr (GArray) regions = _trawl_face_regions (fd, frame->width, frame->height);
  GArray *boxes = g_array_new (FALSE, FALSE, sizeof (TrawlScoredBox));
  TrawlWarpParams p[TRAWL_WARP_MAX_BATCH];
  gint64 start = g_get_monotonic_time ();

  for (guint first = 0; first < regions->len; first += TRAWL_WARP_MAX_BATCH) {
    int n = (int) MIN (regions->len - first, TRAWL_WARP_MAX_BATCH);
    TrawlNnPlan *plan = batch_plan (fd, &fd->ssd_batch[n], &fd->ssd_g, n, TRAWL_FACES_SSD_SIZE,
                                    error);
    TrawlNnTensor o[2];

    if (plan == NULL)
      goto fail;
    for (int i = 0; i < n; i++) {
      const TrawlBox *r = &g_array_index (regions, TrawlBox, first + i);
      trawl_warp_build_square (&p[i], frame->width, frame->height, (int) r->x, (int) r->y,
                               (int) r->w, (int) r->h, TRAWL_FACES_SSD_SIZE, FALSE);
    }
    if (!warp_into (plan, frame, p, n, error) || !trawl_nn_plan_run_staged (plan, o, 2, error))
      goto fail;
    if (!check_batch (&o[0], n, 4 * TRAWL_FACES_SSD_ANCHORS, "SSD boxes", error) ||
        !check_batch (&o[1], n, 3 * TRAWL_FACES_SSD_ANCHORS, "SSD classes", error))
      goto fail;
    for (int i = 0; i < n; i++)
      _trawl_face_ssd_append (fd, (const float *) o[0].data + (gsize) i * 4 * TRAWL_FACES_SSD_ANCHORS,
                              (const float *) o[1].data + (gsize) i * 3 * TRAWL_FACES_SSD_ANCHORS,
                              &g_array_index (regions, TrawlBox, first + i), boxes);
  }
  _trawl_face_merge (fd, boxes);
  fd->times.detect_s += (g_get_monotonic_time () - start) / 1e6;
  return boxes;
fail:
  fd->times.detect_s += (g_get_monotonic_time () - start) / 1e6;
  g_array_unref (boxes);
  return NULL;
}

/* Landmarks of faces[first .. first + n), n <= TRAWL_FACE_MAX_BATCH, in
 * one run of the smallest bucket that holds them; the unused items repeat
 * the first face's crop (defined input, outputs ignored). */
static gboolean
landmarks_batch (TrawlFaceDetector *fd, const TrawlGpuFrame *frame, TrawlFace *faces, int n,
                 GError **error)
{
  int b = bucket_of (n), nb = 1 << b;
  TrawlNnPlan *plan = batch_plan (fd, &fd->lm_batch[b], &fd->lm_g, nb, TRAWL_FACES_LM_SIZE,
                                  error);
  TrawlWarpParams p[TRAWL_FACE_MAX_BATCH];
  int rx[TRAWL_FACE_MAX_BATCH], ry[TRAWL_FACE_MAX_BATCH], rw[TRAWL_FACE_MAX_BATCH],
      rh[TRAWL_FACE_MAX_BATCH];
  TrawlNnTensor o;

  if (plan == NULL)
    return FALSE;
  for (int i = 0; i < nb; i++) {
    if (i < n) {
      _trawl_face_lm_region (&faces[i].box, &rx[i], &ry[i], &rw[i], &rh[i]);
      trawl_warp_build_square (&p[i], frame->width, frame->height, rx[i], ry[i], rw[i], rh[i],
                               TRAWL_FACES_LM_SIZE, TRUE);
    } else {
      p[i] = p[0];
    }
  }
  if (!warp_into (plan, frame, p, nb, error) || !trawl_nn_plan_run_staged (plan, &o, 1, error) ||
      !check_batch (&o, nb, 2 * TRAWL_FACE_LANDMARKS, "landmarks", error))
    return FALSE;
  for (int i = 0; i < n; i++) {
    float xy[2 * TRAWL_FACE_LANDMARKS];
    trawl_faces_landmarks_map ((const float *) o.data + (gsize) i * 2 * TRAWL_FACE_LANDMARKS,
                               rx[i], ry[i], rw[i], rh[i], xy);
    for (int k = 0; k < TRAWL_FACE_LANDMARKS; k++) {
      faces[i].landmarks[k].x = xy[2 * k];
      faces[i].landmarks[k].y = xy[2 * k + 1];
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
      for (int c = 0; c < 3; c++) {
        float v = planar[c * s * s + y * s + x];
        chip->data[(gsize) y * chip->stride + 3 * x + c] =
          (guint8) (v < 0.0f ? 0 : v > 255.0f ? 255 : (int) (v + 0.5f));
      }
  return chip;
}

/* Chips, quality and embeddings of faces[0 .. n), n <= TRAWL_FACE_MAX_BATCH:
 * the chips of the faces whose landmarks allow one are warped in one
 * launch into the recogniser's batch input (or, without the recogniser,
 * one at a time into a scratch buffer), copied back for quality, then
 * embedded in one run. */
static gboolean
chips_batch (TrawlFaceDetector *fd, const TrawlGpuFrame *frame, TrawlFace *faces, int n,
             GError **error)
{
  TrawlWarpParams p[TRAWL_FACE_MAX_BATCH];
  int which[TRAWL_FACE_MAX_BATCH], m = 0;   /* faces with a chip, in order */

  for (int i = 0; i < n; i++) {
    double mat[6];
    if (trawl_face_chip_transform (faces[i].landmarks, TRAWL_FACE_CHIP, mat)) {
      trawl_warp_build_chip (&p[m], frame->width, frame->height, mat, TRAWL_FACES_REC_SIZE);
      which[m++] = i;
    } else {
      /* degenerate landmarks: no chip, as trawl_face_align says */
      trawl_face_quality (faces[i].landmarks, NULL, faces[i].score, &faces[i].quality);
    }
  }
  if (m == 0)
    return TRUE;
  if (fd->chip_host == NULL)
    fd->chip_host = g_new (float, (gsize) TRAWL_FACE_MAX_BATCH * CHIP_FLOATS);

  if (fd->rec == NULL) {
    /* No recogniser plan to warp into: the landmark plan's batch-2 input
     * (2 x 3 x 112 x 112 >= 3 x 150 x 150 floats) is free between runs
     * (run_staged returns after its run) and serves as scratch. */
    TrawlNnPlan *plan = batch_plan (fd, &fd->lm_batch[1], &fd->lm_g, 2, TRAWL_FACES_LM_SIZE,
                                    error);
    if (plan == NULL)
      return FALSE;
    for (int j = 0; j < m; j++) {
      float *dst = fd->chip_host + (gsize) j * CHIP_FLOATS;
      if (!warp_into (plan, frame, &p[j], 1, error) ||
          !cuda_check (trawl_cuda_copy_to_host (dst, trawl_nn_plan_input_buffer (plan, 0),
                                                sizeof (float) * CHIP_FLOATS,
                                                trawl_nn_plan_stream (plan)),
                       "chip download", error))
        return FALSE;
    }
  } else {
    int b = bucket_of (m), nb = 1 << b;
    TrawlNnPlan *plan = batch_plan (fd, &fd->rec_batch[b], &fd->rec_g, nb, TRAWL_FACES_REC_SIZE,
                                    error);
    TrawlNnTensor o;
    if (plan == NULL)
      return FALSE;
    for (int j = m; j < nb; j++)
      p[j] = p[0];
    if (!warp_into (plan, frame, p, nb, error) ||
        !cuda_check (trawl_cuda_copy_to_host (fd->chip_host, trawl_nn_plan_input_buffer (plan, 0),
                                              sizeof (float) * CHIP_FLOATS * m,
                                              trawl_nn_plan_stream (plan)),
                     "chip download", error) ||
        !trawl_nn_plan_run_staged (plan, &o, 1, error) ||
        !check_batch (&o, nb, TRAWL_FACE_EMBED_DIM, "recogniser", error))
      return FALSE;
    for (int j = 0; j < m; j++) {
      _trawl_face_normalise ((const float *) o.data + (gsize) j * TRAWL_FACE_EMBED_DIM,
                             faces[which[j]].embedding);
      faces[which[j]].has_embedding = TRUE;
    }
  }
  for (int j = 0; j < m; j++) {
    g_autoptr (TrawlImage) chip = chip_image (fd->chip_host + (gsize) j * CHIP_FLOATS);
    TrawlFace *f = &faces[which[j]];
    trawl_face_quality (f->landmarks, chip, f->score, &f->quality);
  }
  return TRUE;
}

GArray *
trawl_face_detector_run_gpu (TrawlFaceDetector *fd, const TrawlGpuFrame *frame, GError **error)
{
  g_return_val_if_fail (fd != NULL && frame != NULL, NULL);
  if (!trawl_nn_plan_on_device (fd->ssd)) {
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                 "face detector on GPU frames needs the CUDA backend");
    return NULL;
  }
  if (frame->y == NULL || frame->uv == NULL || frame->width < 2 || frame->height < 2) {
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "face detector: empty GPU frame");
    return NULL;
  }
  g_autoptr (GArray) boxes = find_boxes (fd, frame, error);
  if (boxes == NULL)
    return NULL;
  GArray *faces = g_array_sized_new (FALSE, TRUE, sizeof (TrawlFace), boxes->len);
  g_array_set_size (faces, boxes->len);
  for (guint i = 0; i < boxes->len; i++) {
    TrawlFace *f = &g_array_index (faces, TrawlFace, i);
    const TrawlScoredBox *sb = &g_array_index (boxes, TrawlScoredBox, i);
    memset (f, 0, sizeof *f);
    f->box = sb->box;
    f->score = sb->score;
  }
  for (guint first = 0; first < faces->len; first += TRAWL_FACE_MAX_BATCH) {
    int n = (int) MIN (faces->len - first, TRAWL_FACE_MAX_BATCH);
    TrawlFace *batch = &g_array_index (faces, TrawlFace, first);
    gint64 t0 = g_get_monotonic_time ();
    gboolean ok = landmarks_batch (fd, frame, batch, n, error);
    gint64 t1 = g_get_monotonic_time ();
    fd->times.landmarks_s += (t1 - t0) / 1e6;
    ok = ok && chips_batch (fd, frame, batch, n, error);
    fd->times.embed_s += (g_get_monotonic_time () - t1) / 1e6;
    if (!ok) {
      g_array_unref (faces);
      return NULL;
    }
  }
  return faces;
}

#else /* !TRAWL_HAVE_CUDA */

GArray *
trawl_face_detector_run_gpu (TrawlFaceDetector *fd, const TrawlGpuFrame *frame, GError **error)
{
  (void) fd;
  (void) frame;
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_BUILT, "trawl was built without CUDA");
  return NULL;
}

#endif
