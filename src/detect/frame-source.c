/* frame-source.c - the two frame sources of the batched pipelines, their
 * scratch crops, and the reductions of a plan's outputs: see
 * frame-source.h. The only file of src/detect that calls kernels/: each
 * kernel's CPU reference sits beside its call. */
#include "trawl-config.h"

#include "detect/frame-source.h"
#include "detect/detect-private.h"   /* the kernels' CPU references */
#include "trawl/base.h"

#include <string.h>

/* declarations only; defined in CUDA builds */
#include "ctc-kernel.h"
#include "db-kernel.h"
#include "device.h"
#include "ssd-kernel.h"
#include "warp-kernel.h"

void
_trawl_frame_source_gpu (TrawlFrameSource *s, const TrawlGpuFrame *frame)
{
  memset (s, 0, sizeof *s);
  s->gpu = frame;
  s->width = frame->width;
  s->height = frame->height;
}

TrawlFrameSource *
_trawl_frame_sources_gpu (const TrawlGpuFrame *const *frames, int n, TrawlNnPlan *probe,
                          const char *who, GError **error)
{
  if (!TRAWL_HAVE_CUDA)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_BUILT, "trawl was built without CUDA");
      return NULL;
    }
  if (frames == NULL || n < 1 || probe == NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "%s: no frames", who);
      return NULL;
    }
  if (!trawl_nn_plan_on_device (probe))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "%s: GPU frames need one made with the CUDA backend", who);
      return NULL;
    }
  TrawlFrameSource *srcs = g_new0 (TrawlFrameSource, n);
  for (int f = 0; f < n; f++)
    {
      if (frames[f] == NULL)
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "%s: a NULL GPU frame", who);
          g_free (srcs);
          return NULL;
        }
      _trawl_frame_source_gpu (&srcs[f], frames[f]);
    }
  return srcs;
}

void
_trawl_frame_source_rgb (TrawlFrameSource *s, const TrawlImage *img)
{
  memset (s, 0, sizeof *s);
  s->rgb = img;
  s->width = img->width;
  s->height = img->height;
}

static gboolean
fail (GError **error, const char *what)
{
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "frame source: %s", what);
  return FALSE;
}

#if TRAWL_HAVE_CUDA
static gboolean
cuda_ok (int rc, const char *what, GError **error)
{
  if (rc == 0)
    return TRUE;
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "%s on the GPU: %s", what,
               trawl_cuda_error_string (rc));
  return FALSE;
}
#endif

/* n warps of src, warp i into dst + off[i] (floats): on the GPU after the
 * decoder's writes, one launch queued on plan's stream; on the host at
 * once. The caller has checked the sides and the bounds. */
static gboolean
warp_frame (TrawlNnPlan *plan, const TrawlFrameSource *src, const TrawlWarpParams *p, int n,
            float *dst, const gsize *off, GError **error)
{
  if (src->gpu != NULL)
    {
#if TRAWL_HAVE_CUDA
      void *stream = trawl_nn_plan_stream (plan);
      size_t dst_off[TRAWL_WARP_MAX_BATCH];

      for (int i = 0; i < n; i++)
        dst_off[i] = off[i];
      if (!trawl_gpu_frame_wait (src->gpu, stream, error))
        return FALSE;
      return cuda_ok (trawl_cuda_warp_nv12_crops (p, n, src->gpu->y, src->gpu->pitch_y,
                                                  src->gpu->uv, src->gpu->pitch_uv, dst, dst_off,
                                                  stream),
                      "warp", error);
#else
      (void) plan;
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_BUILT, "trawl was built without CUDA");
      return FALSE;
#endif
    }
  if (src->rgb == NULL)
    return fail (error, "empty frame");
  for (int i = 0; i < n; i++)
    _trawl_warp_rgb_ref (&p[i], src->rgb->data, src->rgb->stride, dst + off[i]);
  return TRUE;
}

gboolean
_trawl_frame_warp_into (TrawlNnPlan *plan, const TrawlFrameSource *src, const TrawlWarpParams *p,
                        int n, int first, GError **error)
{
  float *dst = trawl_nn_plan_input_buffer (plan, 0);
  gsize item = (gsize) 3 * p[0].dst_h * p[0].dst_w, off[TRAWL_WARP_MAX_BATCH];

  if (dst == NULL || n < 1 || n > TRAWL_WARP_MAX_BATCH || first < 0)
    return fail (error, "no input buffer or a bad batch");
  if (trawl_nn_plan_on_device (plan) != (src->gpu != NULL))
    return fail (error, src->gpu != NULL ? "a GPU frame needs a plan on the GPU"
                                         : "a host frame needs a CPU plan");
  for (int i = 0; i < n; i++)
    {
      /* items of one tensor: a larger one would spill into the next */
      if (p[i].dst_w != p[0].dst_w || p[i].dst_h != p[0].dst_h)
        return fail (error, "batch items of different sizes");
      off[i] = (gsize) (first + i) * item;
    }
  return warp_frame (plan, src, p, n, dst, off, error);
}

gboolean
_trawl_plan_input_read (TrawlNnPlan *plan, gsize offset, float *dst, gsize n_floats,
                        GError **error)
{
  const float *buf = trawl_nn_plan_input_buffer (plan, 0);

  if (buf == NULL)
    return fail (error, "no input buffer");
  if (!trawl_nn_plan_on_device (plan))
    {
      memcpy (dst, buf + offset, n_floats * sizeof (float));
      return TRUE;
    }
#if TRAWL_HAVE_CUDA
  return cuda_ok (trawl_cuda_copy_to_host (dst, buf + offset, n_floats * sizeof (float),
                                           trawl_nn_plan_stream (plan)),
                  "input download", error);
#else
  return fail (error, "a device plan in a build without CUDA");
#endif
}

/* ---- scratch crops ---- */

void
_trawl_warp_scratch_clear (TrawlWarpScratch *s)
{
  if (s == NULL || s->data == NULL)
    return;
  if (s->on_device)
    {
#if TRAWL_HAVE_CUDA
      /* an error here is a sticky one from earlier work, reported there */
      (void) trawl_cuda_free (s->data);
#endif
    }
  else
    g_free (s->data);
  s->data = NULL;
  s->cap = 0;
  s->on_device = FALSE;
}

/* Makes s hold at least n_floats, in device memory when dev. */
static gboolean
scratch_reserve (TrawlWarpScratch *s, gboolean dev, gsize n_floats, GError **error)
{
  if (s->data != NULL && s->on_device == dev && s->cap >= n_floats)
    return TRUE;
  _trawl_warp_scratch_clear (s);
  if (n_floats == 0)
    return TRUE;
  /* half again what is asked: the next batch, a little larger, fits */
  gsize cap = n_floats + n_floats / 2;
  if (dev)
    {
#if TRAWL_HAVE_CUDA
      void *d = NULL;

      if (!cuda_ok (trawl_cuda_malloc (&d, cap * sizeof (float)), "scratch allocation", error))
        return FALSE;
      s->data = d;
#else
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_BUILT, "trawl was built without CUDA");
      return FALSE;
#endif
    }
  else if ((s->data = g_try_new (float, cap)) == NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED,
                   "frame source: no memory for %" G_GSIZE_FORMAT " scratch floats", cap);
      return FALSE;
    }
  s->cap = cap;
  s->on_device = dev;
  return TRUE;
}

gboolean
_trawl_warp_scratch_reserve (TrawlWarpScratch *s, const TrawlFrameSource *src, gsize n_floats,
                             GError **error)
{
  return scratch_reserve (s, src->gpu != NULL, n_floats, error);
}

/* TRUE when [off, off + floats) lies inside s. */
static gboolean
scratch_holds (const TrawlWarpScratch *s, gsize off, gsize floats)
{
  return s->data != NULL && off <= s->cap && floats <= s->cap - off;
}

static gsize
crop_floats (int w, int h)
{
  return (gsize) 3 * (gsize) MAX (w, 0) * (gsize) MAX (h, 0);
}

/* Checks that plan, s (and src when given) are on the same side. */
static gboolean
same_side (TrawlNnPlan *plan, const TrawlWarpScratch *s, GError **error)
{
  if (s->data == NULL)
    return fail (error, "empty scratch");
  if (trawl_nn_plan_on_device (plan) != s->on_device)
    return fail (error, s->on_device ? "a GPU scratch needs a plan on the GPU"
                                     : "a host scratch needs a CPU plan");
  return TRUE;
}

gboolean
_trawl_frame_warp_crops (TrawlNnPlan *plan, const TrawlFrameSource *src,
                         const TrawlWarpParams *p, int n, TrawlWarpScratch *s, const gsize *off,
                         GError **error)
{
  if (n < 1 || n > TRAWL_WARP_MAX_BATCH)
    return fail (error, "a bad number of crops");
  if (!same_side (plan, s, error))
    return FALSE;
  if (s->on_device != (src->gpu != NULL))
    return fail (error, "scratch and frame on different sides");
  for (int i = 0; i < n; i++)
    if (!scratch_holds (s, off[i], crop_floats (p[i].dst_w, p[i].dst_h)))
      return fail (error, "crop past the scratch's end");
  return warp_frame (plan, src, p, n, s->data, off, error);
}

gboolean
_trawl_scratch_warp_crop (TrawlNnPlan *plan, const TrawlWarpScratch *from, gsize src_off,
                          const TrawlWarpParams *p, TrawlWarpScratch *to, gsize dst_off,
                          GError **error)
{
  gsize n_src = crop_floats (p->src_w, p->src_h), n_dst = crop_floats (p->dst_w, p->dst_h);

  if (!same_side (plan, from, error) || !same_side (plan, to, error))
    return FALSE;
  if (!scratch_holds (from, src_off, n_src) || !scratch_holds (to, dst_off, n_dst))
    return fail (error, "crop past the scratch's end");
  if (from == to && src_off < dst_off + n_dst && dst_off < src_off + n_src)
    return fail (error, "a crop warped onto itself");
  if (to->on_device)
    {
#if TRAWL_HAVE_CUDA
      size_t off = src_off;

      return cuda_ok (trawl_cuda_warp_planar_batch (p, 1, from->data, &off, to->data + dst_off,
                                                    trawl_nn_plan_stream (plan)),
                      "crop warp", error);
#else
      return fail (error, "a device scratch in a build without CUDA");
#endif
    }
  _trawl_warp_planar_ref (p, from->data + src_off, p->src_w, to->data + dst_off);
  return TRUE;
}

gboolean
_trawl_scratch_warp_into (TrawlNnPlan *plan, const TrawlWarpScratch *s, const gsize *src_off,
                          const TrawlWarpParams *p, int n, int first, GError **error)
{
  float *dst = trawl_nn_plan_input_buffer (plan, 0);
  gsize item = (gsize) 3 * p[0].dst_h * p[0].dst_w;

  if (dst == NULL || n < 1 || n > TRAWL_WARP_MAX_BATCH || first < 0)
    return fail (error, "no input buffer or a bad batch");
  if (!same_side (plan, s, error))
    return FALSE;
  for (int i = 0; i < n; i++)
    if (!scratch_holds (s, src_off[i], crop_floats (p[i].src_w, p[i].src_h)))
      return fail (error, "crop past the scratch's end");
  dst += (gsize) first * item;
  if (s->on_device)
    {
#if TRAWL_HAVE_CUDA
      size_t off[TRAWL_WARP_MAX_BATCH];

      for (int i = 0; i < n; i++)
        off[i] = src_off[i];
      return cuda_ok (trawl_cuda_warp_planar_batch (p, n, s->data, off, dst,
                                                    trawl_nn_plan_stream (plan)),
                      "warp", error);
#else
      return fail (error, "a device scratch in a build without CUDA");
#endif
    }
  for (int i = 0; i < n; i++)
    _trawl_warp_planar_ref (&p[i], s->data + src_off[i], p[i].src_w, dst + (gsize) i * item);
  return TRUE;
}

/* ---- what a plan's outputs reduce to ---- */

#if TRAWL_HAVE_CUDA
/* After a kernel that returned rc was queued on plan's stream into dev:
 * downloads bytes of dev into host out, waiting for the kernel. */
static gboolean
reduce_on_device (TrawlNnPlan *plan, TrawlWarpScratch *dev, gsize bytes, void *out, int rc,
                  const char *what, GError **error)
{
  if (rc == 0)
    rc = trawl_cuda_copy_to_host (out, dev->data, bytes, trawl_nn_plan_stream (plan));
  return cuda_ok (rc, what, error);
}
#endif

gboolean
_trawl_plan_ssd_candidates (TrawlNnPlan *plan, const float *enc, const float *logits,
                            int items, int n_anchors, float logit_min, int max_cand,
                            TrawlWarpScratch *dev, void *out, GError **error)
{
  gsize words = (gsize) items * (1 + 6 * (gsize) max_cand);

  if (items < 1 || n_anchors < 1 || max_cand < 1)
    return fail (error, "bad SSD candidate sizes");
  if (!trawl_nn_plan_on_device (plan))
    {
      int *counts = out, *idx = counts + items;
      float *cand = (float *) (void *) (idx + (gsize) items * max_cand);

      for (int i = 0; i < items; i++)
        counts[i] = _trawl_ssd_candidates_ref (enc + (gsize) i * 4 * n_anchors,
                                               logits + (gsize) i * 3 * n_anchors, n_anchors,
                                               logit_min, max_cand,
                                               idx + (gsize) i * max_cand,
                                               cand + (gsize) i * max_cand * 5);
      return TRUE;
    }
#if TRAWL_HAVE_CUDA
  if (!scratch_reserve (dev, TRUE, words, error))
    return FALSE;
  int *d = (int *) (void *) dev->data;
  int rc = trawl_cuda_ssd_candidates (enc, logits, items, n_anchors, logit_min, max_cand, d,
                                      d + items,
                                      (float *) (void *) (d + items + (gsize) items * max_cand),
                                      trawl_nn_plan_stream (plan));
  return reduce_on_device (plan, dev, words * 4, out, rc, "SSD candidates", error);
#else
  (void) dev, (void) words;
  return fail (error, "a device plan in a build without CUDA");
#endif
}

gboolean
_trawl_plan_ctc_steps (TrawlNnPlan *plan, const float *probs, int rows, int n_classes,
                       TrawlWarpScratch *dev, TrawlCtcStep *steps, GError **error)
{
  gsize bytes = (gsize) rows * sizeof (TrawlCtcStep);

  if (rows < 1 || n_classes < 1)
    return fail (error, "bad CTC sizes");
  if (!trawl_nn_plan_on_device (plan))
    {
      _trawl_ctc_steps_ref (probs, rows, n_classes, steps);
      return TRUE;
    }
#if TRAWL_HAVE_CUDA
  if (!scratch_reserve (dev, TRUE, (bytes + sizeof (float) - 1) / sizeof (float), error))
    return FALSE;
  int rc = trawl_cuda_ctc_steps (probs, rows, n_classes, (TrawlCtcStep *) (void *) dev->data,
                                 trawl_nn_plan_stream (plan));
  return reduce_on_device (plan, dev, bytes, steps, rc, "CTC steps", error);
#else
  (void) dev, (void) bytes;
  return fail (error, "a device plan in a build without CUDA");
#endif
}

gboolean
_trawl_plan_db_masks (TrawlNnPlan *plan, const float *maps, int items, int n_per_item,
                      float thresh, TrawlWarpScratch *dev, uint32_t *bits, GError **error)
{
  gsize words = ((gsize) n_per_item + 31) / 32;

  if (items < 1 || n_per_item < 1)
    return fail (error, "bad DB map sizes");
  if (!trawl_nn_plan_on_device (plan))
    {
      for (int i = 0; i < items; i++)
        _trawl_ocr_db_mask_ref (maps + (gsize) i * n_per_item, n_per_item, thresh,
                                bits + i * words);
      return TRUE;
    }
#if TRAWL_HAVE_CUDA
  if (!scratch_reserve (dev, TRUE, items * words, error))
    return FALSE;
  int rc = trawl_cuda_db_mask (maps, items, n_per_item, thresh,
                               (uint32_t *) (void *) dev->data, trawl_nn_plan_stream (plan));
  return reduce_on_device (plan, dev, items * words * sizeof (uint32_t), bits, rc, "DB masks",
                           error);
#else
  (void) dev, (void) words, (void) thresh;
  return fail (error, "a device plan in a build without CUDA");
#endif
}

gboolean
_trawl_plan_read_regions (TrawlNnPlan *plan, const float *src, float *dst, int pitch,
                          const TrawlMapRegion *r, int n, GError **error)
{
  for (int i = 0; i < n; i++)
    if (r[i].width < 1 || r[i].rows < 1 || r[i].width > pitch)
      return fail (error, "bad map region");
  if (!trawl_nn_plan_on_device (plan))
    {
      for (int i = 0; i < n; i++)
        for (int y = 0; y < r[i].rows; y++)
          memcpy (dst + r[i].at + (gsize) y * pitch, src + r[i].at + (gsize) y * pitch,
                  (gsize) r[i].width * sizeof (float));
      return TRUE;
    }
#if TRAWL_HAVE_CUDA
  void *stream = trawl_nn_plan_stream (plan);
  int rc = 0, wait;

  for (int i = 0; rc == 0 && i < n; i++)
    rc = trawl_cuda_copy_rect_to_host (dst + r[i].at, pitch, src + r[i].at, pitch, r[i].width,
                                       r[i].rows, stream);
  wait = trawl_cuda_stream_wait (stream);
  return cuda_ok (rc != 0 ? rc : wait, "map regions", error);
#else
  return fail (error, "a device plan in a build without CUDA");
#endif
}

gboolean
_trawl_plan_output_read (TrawlNnPlan *plan, const void *src, void *dst, gsize bytes,
                         GError **error)
{
  if (!trawl_nn_plan_on_device (plan))
    {
      memcpy (dst, src, bytes);
      return TRUE;
    }
#if TRAWL_HAVE_CUDA
  return cuda_ok (trawl_cuda_copy_to_host (dst, src, bytes, trawl_nn_plan_stream (plan)),
                  "output download", error);
#else
  return fail (error, "a device plan in a build without CUDA");
#endif
}

TrawlFrameSource *
_trawl_frame_sources_of (const TrawlDetectFrame *frames, int n)
{
  TrawlFrameSource *srcs = g_new0 (TrawlFrameSource, n);
  for (int f = 0; f < n; f++)
    if (frames[f].gpu != NULL)
      _trawl_frame_source_gpu (&srcs[f], frames[f].gpu);
    else if (frames[f].image != NULL)
      _trawl_frame_source_rgb (&srcs[f], frames[f].image);
  return srcs;
}
