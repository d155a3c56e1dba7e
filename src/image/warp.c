/* warp.c - CPU references of the warp rule in warp.h: the path for frames
 * in host memory and the yardstick for kernels/warp.cu. */
#include "rules/warp.h"

#include <string.h>

void
_trawl_warp_params_init (TrawlWarpParams *p, int src_w, int src_h, int dst_w, int dst_h)
{
  memset (p, 0, sizeof *p);
  p->src_w = src_w;
  p->src_h = src_h;
  p->dst_w = dst_w;
  p->dst_h = dst_h;
  p->out_w = dst_w;
  p->m[0] = p->m[4] = 1.0f;
  p->k = 1;
  p->clamp[0] = p->valid[0] = 0.0f;
  p->clamp[1] = p->valid[1] = 0.0f;
  p->clamp[2] = p->valid[2] = (float) (src_w - 1);
  p->clamp[3] = p->valid[3] = (float) (src_h - 1);
  for (int c = 0; c < 3; c++)
    p->scale[c] = 1.0f;
}

static void
warp_ref (const TrawlWarpParams *p, const void *p0, int pitch0, const uint8_t *uv,
          int pitch_uv, int kind, float *dst)
{
  int64_t plane = (int64_t) p->dst_w * p->dst_h;
  int out_w = p->out_w < p->dst_w ? p->out_w : p->dst_w;

  for (int v = 0; v < p->dst_h; v++)
    for (int u = 0; u < out_w; u++)
      {
        float o[3];

        trawl_warp_pixel (p, p0, pitch0, uv, pitch_uv, kind, u, v, o);
        for (int c = 0; c < 3; c++)
          dst[c * plane + (int64_t) v * p->dst_w + u] = o[c];
      }
}

void
_trawl_warp_nv12_ref (const TrawlWarpParams *p, const uint8_t *y, int pitch_y,
                      const uint8_t *uv, int pitch_uv, float *dst)
{
  warp_ref (p, y, pitch_y, uv, pitch_uv, TRAWL_WARP_SRC_NV12, dst);
}

void
_trawl_warp_rgb_ref (const TrawlWarpParams *p, const uint8_t *rgb, int stride, float *dst)
{
  warp_ref (p, rgb, stride, NULL, 0, TRAWL_WARP_SRC_RGB, dst);
}

void
_trawl_warp_planar_ref (const TrawlWarpParams *p, const float *src, int pitch, float *dst)
{
  warp_ref (p, src, pitch, NULL, 0, TRAWL_WARP_SRC_PLANAR, dst);
}
