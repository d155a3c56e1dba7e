/* warp.h - one sampling rule for every network input the pipelines cut out
 * of a frame: an affine map from tensor pixels to source pixels, bilinear
 * taps with optional k x k supersampling, a clamp rectangle and a valid
 * rectangle, optional rounding to 8-bit values, then per-channel
 * normalisation into planar float [3, dst_h, dst_w].
 *
 * SSD's square crops (trawl_faces_prepare_input), the aligned face chip
 * (trawl_image_warp_affine), PP-OCR's resized det input and the rectified
 * rec crops are all this rule with different parameters, so a frame that
 * sits on the GPU as NV12 is cut by one kernel (kernels/warp.cu) and a
 * frame in host memory by the reference here, from the same inline code:
 * the two differ only in float rounding. The sources are NV12 (Y plane,
 * interleaved half-resolution UV plane; BT.601 limited range), packed
 * RGB24, or planar float RGB [3, h, w] (a crop another warp wrote, values
 * on the 0..255 scale: how the GPU path resizes an 8-bit crop as the CPU
 * path does, without leaving the device). Plain C: nvcc includes it too.
 * Private to trawl.
 *
 * For tensor pixel (u, v) and sub-sample (i, j) of k x k:
 *   du = u + (k > 1 ? (i + 0.5) / k : dst_offset), dv likewise
 *   x  = m[0] du + m[1] dv + m[2] + src_offset, y = m[3] du + m[4] dv + m[5] + src_offset
 *   x, y clamped into [clamp[0], clamp[2]] x [clamp[1], clamp[3]]
 *   taps (floor x, floor y) .. (+1, +1), each tap index clamped to clamp[2]/[3];
 *   a tap outside [valid[0], valid[2]] x [valid[1], valid[3]] reads black
 *   value = mean over sub-samples, rounded to 0..255 when round_u8 (halves
 *           up: trawl_image_warp_affine's rounding; or to even:
 *           trawl_image_resize's lrintf)
 *   out[c] = (value[channel c] - mean[c]) * scale[c]   (channel c is B for
 *            c = 0 when bgr, else R)
 */
#pragma once

#include <math.h>
#include <stdint.h>

#ifdef __CUDACC__
#define TRAWL_WARP_FN static __host__ __device__ __forceinline__
#else
#define TRAWL_WARP_FN static inline
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The most warps one launch (and one batched network run) takes. */
#define TRAWL_WARP_MAX_BATCH 32

#define TRAWL_WARP_MAX_K 8

/* How round_u8 rounds a value to an 8-bit integer. The two CPU functions
 * the rule stands for differ at exact halves (a 2:1 resize meets one at
 * every sample between two pixels an odd step apart, a 4:3 resize at every
 * third), so each builder picks its function's. */
typedef enum {
  TRAWL_WARP_ROUND_NONE = 0,
  TRAWL_WARP_ROUND_HALF_UP = 1,    /* floor (v + 0.5) */
  TRAWL_WARP_ROUND_HALF_EVEN = 2,  /* rint (v) in the default rounding mode */
} TrawlWarpRound;

/* What a warp reads (the `kind` argument below). */
typedef enum {
  TRAWL_WARP_SRC_RGB = 0,     /* packed RGB24: p0 bytes, pitch0 bytes per row */
  TRAWL_WARP_SRC_NV12 = 1,    /* p0 the Y plane, uv the UV plane, pitches in bytes */
  TRAWL_WARP_SRC_PLANAR = 2,  /* float [3, src_h, pitch0]: p0 floats, pitch0 floats
                                 per row, planes of pitch0 * src_h floats */
} TrawlWarpSource;

typedef struct {
  int   src_w, src_h;      /* source size px (NV12: luma size, even) */
  int   dst_w, dst_h;      /* tensor plane size */
  int   out_w;             /* columns written (<= dst_w); the rest is left alone */
  float m[6];              /* tensor px -> source px */
  float dst_offset;        /* 0.5: pixel centres; 0: corners (used when k == 1) */
  float src_offset;        /* added to the mapped point (-0.5 for centre-based maps) */
  int   k;                 /* supersampling per axis, 1..TRAWL_WARP_MAX_K */
  float clamp[4];          /* x0, y0, x1, y1: coordinates and taps are held inside */
  float valid[4];          /* x0, y0, x1, y1: taps outside read as black */
  int   round_u8;          /* round the value to an integer 0..255 (an 8-bit image):
                              a TrawlWarpRound */
  int   bgr;               /* output channel 0 is B */
  float mean[3];           /* out = (value - mean) * scale, value on a 0..255 scale */
  float scale[3];
} TrawlWarpParams;

/* Identity normalisation, RGB order, k = 1, clamp and valid = the source,
 * out_w = dst_w; the caller then sets m and anything else. */
void _trawl_warp_params_init (TrawlWarpParams *p, int src_w, int src_h, int dst_w, int dst_h);

/* CPU references: write [3, dst_h, dst_w] floats at dst (plane stride
 * dst_h * dst_w); columns >= out_w are not written. */
void _trawl_warp_nv12_ref (const TrawlWarpParams *p, const uint8_t *y, int pitch_y,
                           const uint8_t *uv, int pitch_uv, float *dst);
void _trawl_warp_rgb_ref (const TrawlWarpParams *p, const uint8_t *rgb, int stride, float *dst);
/* src: planar float RGB [3, p->src_h, pitch] (pitch >= p->src_w floats). */
void _trawl_warp_planar_ref (const TrawlWarpParams *p, const float *src, int pitch, float *dst);

/* BT.601 limited range (Y 16..235, U/V 16..240) to R, G, B in 0..255. */
TRAWL_WARP_FN void
trawl_warp_yuv_to_rgb (float y, float u, float v, float rgb[3])
{
  float c = 1.164383f * (y - 16.0f), d = u - 128.0f, e = v - 128.0f;
  float r = c + 1.596027f * e;
  float g = c - 0.391762f * d - 0.812968f * e;
  float b = c + 2.017232f * d;

  rgb[0] = r < 0.0f ? 0.0f : r > 255.0f ? 255.0f : r;
  rgb[1] = g < 0.0f ? 0.0f : g > 255.0f ? 255.0f : g;
  rgb[2] = b < 0.0f ? 0.0f : b > 255.0f ? 255.0f : b;
}

/* The RGB value of source pixel (x, y), both inside the source (src_h
 * rows: a planar source's plane height). kind is a TrawlWarpSource. */
TRAWL_WARP_FN void
trawl_warp_fetch (const void *p0, int pitch0, const uint8_t *uv, int pitch_uv, int kind,
                  int src_h, int x, int y, float rgb[3])
{
  if (kind == TRAWL_WARP_SRC_NV12)
    {
      const uint8_t *c = uv + (y >> 1) * pitch_uv + (x >> 1) * 2;

      trawl_warp_yuv_to_rgb ((float) ((const uint8_t *) p0)[y * pitch0 + x], (float) c[0],
                             (float) c[1], rgb);
    }
  else if (kind == TRAWL_WARP_SRC_PLANAR)
    {
      int64_t plane = (int64_t) pitch0 * src_h;
      const float *q = (const float *) p0 + (int64_t) y * pitch0 + x;

      rgb[0] = q[0];
      rgb[1] = q[plane];
      rgb[2] = q[2 * plane];
    }
  else
    {
      const uint8_t *q = (const uint8_t *) p0 + y * pitch0 + 3 * x;

      rgb[0] = q[0];
      rgb[1] = q[1];
      rgb[2] = q[2];
    }
}

/* One bilinear sample at source point (x, y) under p's clamp and valid
 * rectangles, accumulated into acc; kind is a TrawlWarpSource. */
TRAWL_WARP_FN void
trawl_warp_sample (const TrawlWarpParams *p, const void *p0, int pitch0, const uint8_t *uv,
                   int pitch_uv, int kind, float x, float y, float acc[3])
{
  int x0, y0, tx, ty;
  float fx, fy, w, rgb[3];

  x = x < p->clamp[0] ? p->clamp[0] : x > p->clamp[2] ? p->clamp[2] : x;
  y = y < p->clamp[1] ? p->clamp[1] : y > p->clamp[3] ? p->clamp[3] : y;
  x0 = (int) floorf (x);
  y0 = (int) floorf (y);
  fx = x - (float) x0;
  fy = y - (float) y0;
  for (int j = 0; j < 2; j++)
    for (int i = 0; i < 2; i++)
      {
        w = (i ? fx : 1.0f - fx) * (j ? fy : 1.0f - fy);
        if (w == 0.0f)
          continue;
        tx = x0 + i;
        ty = y0 + j;
        tx = (float) tx > p->clamp[2] ? (int) p->clamp[2] : tx;
        ty = (float) ty > p->clamp[3] ? (int) p->clamp[3] : ty;
        if ((float) tx < p->valid[0] || (float) tx > p->valid[2] || (float) ty < p->valid[1]
            || (float) ty > p->valid[3] || tx < 0 || ty < 0 || tx >= p->src_w || ty >= p->src_h)
          continue;   /* black */
        trawl_warp_fetch (p0, pitch0, uv, pitch_uv, kind, p->src_h, tx, ty, rgb);
        acc[0] += w * rgb[0];
        acc[1] += w * rgb[1];
        acc[2] += w * rgb[2];
      }
}

/* The three normalised outputs of tensor pixel (u, v). */
TRAWL_WARP_FN void
trawl_warp_pixel (const TrawlWarpParams *p, const void *p0, int pitch0, const uint8_t *uv,
                  int pitch_uv, int kind, int u, int v, float out[3])
{
  float acc[3] = { 0.0f, 0.0f, 0.0f };
  int k = p->k < 1 ? 1 : p->k > TRAWL_WARP_MAX_K ? TRAWL_WARP_MAX_K : p->k;

  for (int j = 0; j < k; j++)
    for (int i = 0; i < k; i++)
      {
        float du = (float) u + (k > 1 ? ((float) i + 0.5f) / (float) k : p->dst_offset);
        float dv = (float) v + (k > 1 ? ((float) j + 0.5f) / (float) k : p->dst_offset);
        float x = p->m[0] * du + p->m[1] * dv + p->m[2] + p->src_offset;
        float y = p->m[3] * du + p->m[4] * dv + p->m[5] + p->src_offset;

        trawl_warp_sample (p, p0, pitch0, uv, pitch_uv, kind, x, y, acc);
      }
  /* channel order picked by selects, not a computed index: a computed
   * index would put acc in local memory on the GPU */
  float ch[3] = { p->bgr ? acc[2] : acc[0], acc[1], p->bgr ? acc[0] : acc[2] };

  for (int c = 0; c < 3; c++)
    {
      float val = ch[c] / (float) (k * k);

      if (p->round_u8)
        {
          val = p->round_u8 == TRAWL_WARP_ROUND_HALF_EVEN ? rintf (val) : floorf (val + 0.5f);
          val = val < 0.0f ? 0.0f : val > 255.0f ? 255.0f : val;
        }
      out[c] = (val - p->mean[c]) * p->scale[c];
    }
}

#ifdef __cplusplus
}
#endif
