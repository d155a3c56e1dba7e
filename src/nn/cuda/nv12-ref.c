/* nv12-ref.c - CPU reference of the NV12 -> tensor conversion (nv12.h):
 * the yardstick for kernels/nv12.cu, and the path for frames that were
 * decoded on the CPU into NV12. Built with or without CUDA. */
#include "nn/cuda/nv12.h"

void
_trawl_nv12_params_letterbox (TrawlNv12Params *p, int src_w, int src_h, int dst_w, int dst_h,
                              const float mean[3], const float scale[3], int bgr)
{
  double s = (double) dst_w / src_w < (double) dst_h / src_h ? (double) dst_w / src_w
                                                             : (double) dst_h / src_h;

  p->src_w = src_w;
  p->src_h = src_h;
  p->dst_w = dst_w;
  p->dst_h = dst_h;
  p->scaled_w = (int) (src_w * s + 0.5);
  p->scaled_h = (int) (src_h * s + 0.5);
  p->scaled_w = p->scaled_w < 1 ? 1 : p->scaled_w > dst_w ? dst_w : p->scaled_w;
  p->scaled_h = p->scaled_h < 1 ? 1 : p->scaled_h > dst_h ? dst_h : p->scaled_h;
  p->off_x = (dst_w - p->scaled_w) / 2;
  p->off_y = (dst_h - p->scaled_h) / 2;
  p->bgr = bgr;
  for (int c = 0; c < 3; c++)
    {
      p->mean[c] = mean[c];
      p->scale[c] = scale[c];
      p->pad[c] = (0.0f - mean[c]) * scale[c];
    }
}

void
_trawl_nv12_to_tensor_ref (const TrawlNv12Params *p, const uint8_t *y, int pitch_y,
                           const uint8_t *uv, int pitch_uv, float *dst)
{
  int64_t plane = (int64_t) p->dst_w * p->dst_h;

  for (int ty = 0; ty < p->dst_h; ty++)
    for (int tx = 0; tx < p->dst_w; tx++)
      {
        float o[3];

        trawl_nv12_pixel (p, y, pitch_y, uv, pitch_uv, tx, ty, o);
        for (int c = 0; c < 3; c++)
          dst[c * plane + (int64_t) ty * p->dst_w + tx] = o[c];
      }
}
