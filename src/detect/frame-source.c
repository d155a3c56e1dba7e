/* frame-source.c - the two frame sources of the batched pipelines: see
 * frame-source.h. Only this file of src/detect calls the warp kernel. */
#include "trawl-config.h"

#include "detect/frame-source.h"
#include "trawl/base.h"

#include <string.h>

#include "trawl-kernels.h"
#include "warp-kernel.h"   /* declarations only; defined in CUDA builds */

void
_trawl_frame_source_gpu (TrawlFrameSource *s, const TrawlGpuFrame *frame)
{
  memset (s, 0, sizeof *s);
  s->gpu = frame;
  s->width = frame->width;
  s->height = frame->height;
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

gboolean
_trawl_frame_warp_into (TrawlNnPlan *plan, const TrawlFrameSource *src, const TrawlWarpParams *p,
                        int n, int first, GError **error)
{
  float *dst = trawl_nn_plan_input_buffer (plan, 0);
  gsize item = (gsize) 3 * p[0].dst_h * p[0].dst_w;

  if (dst == NULL || n < 1 || n > TRAWL_WARP_MAX_BATCH || first < 0)
    return fail (error, "no input buffer or a bad batch");
  dst += (gsize) first * item;
  if (src->gpu != NULL)
    {
#if TRAWL_HAVE_CUDA
      void *stream = trawl_nn_plan_stream (plan);

      if (!trawl_nn_plan_on_device (plan))
        return fail (error, "a GPU frame needs a plan on the GPU");
      if (!trawl_gpu_frame_wait (src->gpu, stream, error))
        return FALSE;
      return cuda_ok (trawl_cuda_warp_nv12_batch (p, n, src->gpu->y, src->gpu->pitch_y,
                                                  src->gpu->uv, src->gpu->pitch_uv, dst, stream),
                      "warp", error);
#else
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_BUILT, "trawl was built without CUDA");
      return FALSE;
#endif
    }
  if (src->rgb == NULL)
    return fail (error, "empty frame");
  if (trawl_nn_plan_on_device (plan))
    return fail (error, "a host frame needs a CPU plan");
  for (int i = 0; i < n; i++)
    _trawl_warp_rgb_ref (&p[i], src->rgb->data, src->rgb->stride, dst + (gsize) i * item);
  return TRUE;
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
