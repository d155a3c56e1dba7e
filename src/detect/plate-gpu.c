/* plate-gpu.c - trawl_plate_reader_detect_gpu: plates in a frame that
 * stays on the GPU as NV12. PP-OCR det's input and every rec input are cut
 * from the frame's planes by the warp kernel (kernels/warp.cu) into the
 * plans' device buffers; DB boxes, CTC decoding and every choice (which
 * boxes, which reads, which read to keep) are the CPU path's, shared
 * through detect-private.h.
 *
 * Where the CPU path cuts a crop to 8 bits and then resizes it for rec (or
 * for det, when a small box is looked at again), one warp here samples the
 * frame through the composed map (warp-build.h): not sample-exact, see
 * tests/detect/test-warp-build.c for how far (a few uint8 steps on average;
 * the same text in ~92% of reads, the labels read as often).
 *
 * All candidate reads of a frame (each box tight and with a margin) go
 * through rec in batches (plans for 1, 2, 4 .. 32 inputs, made on first
 * use), then the zoomed reads of the small boxes that asked for one.
 * Stream order as in face-gpu.c: the plan's stream waits for the decoder,
 * the warps are queued on it, run_staged follows on it and returns with the
 * outputs on the host.
 */
#include "trawl-config.h"

#include "detect/detect-private.h"
#include "detect/warp-build.h"
#include "trawl/base.h"

#include <string.h>

#if TRAWL_HAVE_CUDA

#include "trawl-kernels.h"
#include "warp-kernel.h"

/* One rec input to read: a crop of the frame, for slot (0 tight, 1 wide,
 * 2 zoomed) of box. */
typedef struct {
  TrawlWarpCrop crop;
  int           box;
  int           slot;
} Cand;

static gboolean
cuda_check (int rc, const char *what, GError **error)
{
  if (rc == 0)
    return TRUE;
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "plate reader on GPU: %s: %s", what,
               trawl_cuda_error_string (rc));
  return FALSE;
}

/* Queues n warps into plan's input buffer after the decoder's writes. */
static gboolean
warp_into (TrawlNnPlan *plan, const TrawlGpuFrame *frame, const TrawlWarpParams *p, int n,
           GError **error)
{
  void *stream = trawl_nn_plan_stream (plan);
  float *dst = trawl_nn_plan_input_buffer (plan, 0);

  if (dst == NULL) {
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "plate reader on GPU: no input buffer");
    return FALSE;
  }
  if (!trawl_gpu_frame_wait (frame, stream, error))
    return FALSE;
  return cuda_check (trawl_cuda_warp_nv12_batch (p, n, frame->y, frame->pitch_y, frame->uv,
                                                 frame->pitch_uv, dst, stream),
                     "warp", error);
}

/* DB boxes of the whole frame (crop NULL) or of a crop of it (then in crop
 * px): det's input warped on the GPU, the map read back. */
static GArray *
det_boxes (TrawlPlateReader *pr, const TrawlGpuFrame *frame, const TrawlWarpCrop *crop,
           GError **error)
{
  int img_w = crop ? crop->w : frame->width, img_h = crop ? crop->h : frame->height;
  int dw, dh;
  TrawlWarpParams p;
  TrawlNnTensor out;
  GArray *boxes = NULL;
  gint64 start = g_get_monotonic_time ();

  trawl_warp_det_size (img_w, img_h, pr->opts.det_max_side, &dw, &dh);
  TrawlNnPlan *plan = _trawl_plate_det_plan (pr, dw, dh, error);
  if (plan == NULL)
    goto out;
  trawl_warp_build_det (&p, frame->width, frame->height, crop, dw, dh);
  if (!warp_into (plan, frame, &p, 1, error) || !trawl_nn_plan_run_staged (plan, &out, 1, error))
    goto out;
  if (trawl_nn_tensor_numel (&out) != (int64_t) dw * dh) {
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED,
                 "plate reader on GPU: det map is not %dx%d", dw, dh);
    goto out;
  }
  boxes = trawl_ocr_db_boxes (out.data, dw, dh, img_w, img_h, NULL);
out:
  pr->times.detect_s += (g_get_monotonic_time () - start) / 1e6;
  return boxes;
}

static int
bucket_of (int n)
{
  int i = 0;
  while ((1 << i) < n)
    i++;
  return i;
}

/* Reads cands[0 .. n) through rec in batches, each into
 * reads[3 * box + slot]. */
static gboolean
read_cands (TrawlPlateReader *pr, const TrawlGpuFrame *frame, const Cand *cands, int n,
            TrawlPlate **reads, GError **error)
{
  const int H = TRAWL_PLATE_REC_H, W = TRAWL_PLATE_REC_W;
  gint64 start = g_get_monotonic_time ();
  gboolean ok = TRUE;

  for (int first = 0; ok && first < n; first += TRAWL_WARP_MAX_BATCH) {
    int m = MIN (n - first, TRAWL_WARP_MAX_BATCH), b = bucket_of (m), nb = 1 << b;
    TrawlWarpParams p[TRAWL_WARP_MAX_BATCH], zero[TRAWL_WARP_MAX_BATCH];
    int rw[TRAWL_WARP_MAX_BATCH];
    TrawlNnTensor o;

    if (pr->rec_batch[b] == NULL) {
      TrawlNnTensor shape = { TRAWL_NN_F32, 4, { nb, 3, H, W }, NULL };
      TrawlNnPlanOptions po = { .backend = pr->opts.backend, .n_threads = pr->opts.n_threads,
                                .precision = pr->opts.precision };
      pr->rec_batch[b] = trawl_nn_plan_new (pr->rec_g, &shape, 1, &po, error);
      if (pr->rec_batch[b] == NULL) {
        ok = FALSE;
        break;
      }
    }
    TrawlNnPlan *plan = pr->rec_batch[b];
    for (int i = 0; i < nb; i++) {
      /* unused items repeat the first (defined input, outputs ignored) */
      const Cand *c = &cands[first + (i < m ? i : 0)];
      rw[i] = trawl_warp_build_rec (&p[i], frame->width, frame->height, &c->crop, H, W);
      /* The CPU path zero-pads the columns past rw: a warp over the whole
       * width that reads nothing (empty valid rectangle: black) and
       * scales it to 0 writes the zeros first. */
      zero[i] = p[i];
      zero[i].out_w = W;
      zero[i].valid[0] = zero[i].valid[1] = 1.0f;
      zero[i].valid[2] = zero[i].valid[3] = 0.0f;
      for (int ch = 0; ch < 3; ch++) {
        zero[i].mean[ch] = 0.0f;
        zero[i].scale[ch] = 0.0f;
      }
    }
    if (!warp_into (plan, frame, zero, nb, error) || !warp_into (plan, frame, p, nb, error) ||
        !trawl_nn_plan_run_staged (plan, &o, 1, error)) {
      ok = FALSE;
      break;
    }
    if (o.ndim != 3 || o.dims[0] != nb || o.dims[1] < 1 || o.dims[2] < 1) {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED,
                   "plate reader on GPU: rec output is not [%d, T, C]", nb);
      ok = FALSE;
      break;
    }
    int T = (int) o.dims[1], C = (int) o.dims[2];
    for (int i = 0; ok && i < m; i++) {
      const Cand *c = &cands[first + i];
      TrawlPlate *p1 = _trawl_plate_from_probs (pr, (const float *) o.data + (gsize) i * T * C,
                                                T, C, c->crop.w, rw[i], 1, error);
      if (p1 == NULL)
        ok = FALSE;
      else
        reads[3 * c->box + c->slot] = p1;
    }
  }
  pr->times.read_s += (g_get_monotonic_time () - start) / 1e6;
  return ok;
}

GPtrArray *
trawl_plate_reader_detect_gpu (TrawlPlateReader *pr, const TrawlGpuFrame *frame, GError **error)
{
  g_return_val_if_fail (pr != NULL && frame != NULL, NULL);
  if (!trawl_nn_plan_on_device (pr->rec)) {
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                 "plate reader on GPU frames needs the CUDA backend");
    return NULL;
  }
  if (frame->y == NULL || frame->uv == NULL || frame->width < 2 || frame->height < 2) {
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "plate reader: empty GPU frame");
    return NULL;
  }
  g_autoptr (GArray) boxes = det_boxes (pr, frame, NULL, error);
  if (boxes == NULL)
    return NULL;
  int nb = (int) boxes->len;
  g_autofree TrawlPlate **reads = g_new0 (TrawlPlate *, 3 * (gsize) MAX (nb, 1));
  g_autofree float *hs = g_new0 (float, MAX (nb, 1));
  g_autofree gboolean *wanted = g_new0 (gboolean, MAX (nb, 1));
  g_autoptr (GArray) cands = g_array_new (FALSE, FALSE, sizeof (Cand));
  GPtrArray *plates = NULL;

  /* every box's tight and wide reads (trawl_plate_reader_detect's) */
  for (int i = 0; i < nb; i++) {
    const TrawlOcrBox *b = &g_array_index (boxes, TrawlOcrBox, i);
    float w;
    if (!(wanted[i] = _trawl_plate_box_wanted (pr, b, &w, &hs[i])))
      continue;
    Cand c = { .box = i, .slot = 0 };
    trawl_warp_rectify_crop (b, 0.0f, 0.0f, 1.0f, &c.crop);
    g_array_append_val (cands, c);
    c.slot = 1;
    trawl_warp_rectify_crop (b, TRAWL_PLATE_MARGIN_WIDE, TRAWL_PLATE_MARGIN_WIDE / 2, 1.0f,
                             &c.crop);
    g_array_append_val (cands, c);
  }
  if (!read_cands (pr, frame, (const Cand *) (void *) cands->data, (int) cands->len, reads, error))
    goto fail;

  /* then the zoomed reads of small boxes: det again on the zoom crop, its
   * best region (in zoom px) composed into a crop of the frame */
  g_array_set_size (cands, 0);
  for (int i = 0; i < nb; i++) {
    if (!wanted[i] || !_trawl_plate_wants_zoom (hs[i], reads[3 * i], reads[3 * i + 1]))
      continue;
    TrawlWarpCrop zoom, inner;
    _trawl_plate_zoom_crop (&g_array_index (boxes, TrawlOcrBox, i), hs[i], &zoom);
    g_autoptr (GArray) zb = det_boxes (pr, frame, &zoom, error);
    if (zb == NULL)
      goto fail;
    int best = _trawl_plate_best_box (zb);
    if (best < 0)
      continue;  /* no region: no zoomed read, as on the CPU */
    Cand c = { .box = i, .slot = 2 };
    trawl_warp_rectify_crop (&g_array_index (zb, TrawlOcrBox, best), TRAWL_PLATE_MARGIN_REGION,
                             TRAWL_PLATE_MARGIN_REGION / 2, 1.0f, &inner);
    trawl_warp_crop_compose (&zoom, &inner, &c.crop);
    g_array_append_val (cands, c);
  }
  if (!read_cands (pr, frame, (const Cand *) (void *) cands->data, (int) cands->len, reads, error))
    goto fail;

  plates = g_ptr_array_new_with_free_func ((GDestroyNotify) trawl_plate_free);
  for (int i = 0; i < nb; i++) {
    if (!wanted[i])
      continue;
    int k = _trawl_plate_choose_read (&reads[3 * i], 3);
    TrawlPlate *p = k >= 0 ? g_steal_pointer (&reads[3 * i + k]) : NULL;
    if (p != NULL)
      _trawl_plate_keep (pr, plates, p, &g_array_index (boxes, TrawlOcrBox, i));
  }
  _trawl_plate_sort (plates);
fail:
  for (int i = 0; i < 3 * nb; i++)
    trawl_plate_free (reads[i]);
  return plates;
}

#else /* !TRAWL_HAVE_CUDA */

GPtrArray *
trawl_plate_reader_detect_gpu (TrawlPlateReader *pr, const TrawlGpuFrame *frame, GError **error)
{
  (void) pr;
  (void) frame;
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_BUILT, "trawl was built without CUDA");
  return NULL;
}

#endif
