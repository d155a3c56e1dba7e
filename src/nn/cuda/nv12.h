/* nv12.h - NV12 (the surface NVDEC hands out: a Y plane, then one plane of
 * interleaved U,V at half resolution) to a network input tensor: colour
 * conversion (BT.601, limited range), bilinear resize into a letterbox and
 * per-channel normalisation, written as planar float [3, dst_h, dst_w].
 *
 * The per-pixel maths is here, inline, and shared by the CPU reference
 * (nv12-ref.c) and the CUDA kernel (kernels/nv12.cu), so the two differ
 * only in float rounding and the parity test checks the device path's
 * memory handling. Plain C: nvcc includes it too. Private to trawl. */
#pragma once

#include <stdint.h>

#ifdef __CUDACC__
#define TRAWL_NV12_FN static __host__ __device__ __forceinline__
#else
#define TRAWL_NV12_FN static inline
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int   src_w, src_h;        /* luma size (even) */
  int   dst_w, dst_h;        /* tensor width and height */
  int   off_x, off_y;        /* where the scaled picture starts in the tensor */
  int   scaled_w, scaled_h;  /* its size; the rest is letterbox */
  float mean[3];             /* out = (value0_255 - mean[c]) * scale[c] */
  float scale[3];
  float pad[3];              /* letterbox value per channel, after normalisation */
  int   bgr;                 /* channel 0 is B (1) or R (0) */
} TrawlNv12Params;

/* Fills p for an aspect-preserving letterbox, centred, with
 * out = (v - mean) * scale and the letterbox at value 0 before normalising
 * (black). */
void _trawl_nv12_params_letterbox (TrawlNv12Params *p, int src_w, int src_h, int dst_w,
                                   int dst_h, const float mean[3], const float scale[3],
                                   int bgr);

/* CPU reference: y/uv are host planes with their pitches (bytes per row),
 * dst is [3, dst_h, dst_w] floats. */
void _trawl_nv12_to_tensor_ref (const TrawlNv12Params *p, const uint8_t *y, int pitch_y,
                                const uint8_t *uv, int pitch_uv, float *dst);

/* BT.601 limited range (Y 16..235, U/V 16..240) to R,G,B in 0..255. */
TRAWL_NV12_FN void
trawl_nv12_yuv_to_rgb (float y, float u, float v, float rgb[3])
{
  float c = 1.164383f * (y - 16.0f), d = u - 128.0f, e = v - 128.0f;
  float r = c + 1.596027f * e;
  float g = c - 0.391762f * d - 0.812968f * e;
  float b = c + 2.017232f * d;

  rgb[0] = r < 0.0f ? 0.0f : r > 255.0f ? 255.0f : r;
  rgb[1] = g < 0.0f ? 0.0f : g > 255.0f ? 255.0f : g;
  rgb[2] = b < 0.0f ? 0.0f : b > 255.0f ? 255.0f : b;
}

/* Bilinear sample of a plane of w x h samples spaced `step` bytes apart. */
TRAWL_NV12_FN float
trawl_nv12_sample (const uint8_t *plane, int pitch, int step, int w, int h, float sx, float sy)
{
  int x0, y0, x1, y1;
  float fx, fy, a, b;

  sx = sx < 0.0f ? 0.0f : sx > (float) (w - 1) ? (float) (w - 1) : sx;
  sy = sy < 0.0f ? 0.0f : sy > (float) (h - 1) ? (float) (h - 1) : sy;
  x0 = (int) sx;
  y0 = (int) sy;
  x1 = x0 + 1 < w ? x0 + 1 : x0;
  y1 = y0 + 1 < h ? y0 + 1 : y0;
  fx = sx - (float) x0;
  fy = sy - (float) y0;
  a = plane[y0 * pitch + x0 * step] * (1.0f - fx) + plane[y0 * pitch + x1 * step] * fx;
  b = plane[y1 * pitch + x0 * step] * (1.0f - fx) + plane[y1 * pitch + x1 * step] * fx;
  return a * (1.0f - fy) + b * fy;
}

/* The three output values of tensor pixel (x, y). Half-pixel centres;
 * chroma sits at the centre of its 2x2 luma block (MPEG-1/JPEG siting). */
TRAWL_NV12_FN void
trawl_nv12_pixel (const TrawlNv12Params *p, const uint8_t *yp, int pitch_y, const uint8_t *uv,
                  int pitch_uv, int x, int y, float out[3])
{
  float rgb[3], sx, sy, Y, U, V;
  int lx = x - p->off_x, ly = y - p->off_y;

  if (lx < 0 || ly < 0 || lx >= p->scaled_w || ly >= p->scaled_h)
    {
      out[0] = p->pad[0];
      out[1] = p->pad[1];
      out[2] = p->pad[2];
      return;
    }
  sx = ((float) lx + 0.5f) * (float) p->src_w / (float) p->scaled_w - 0.5f;
  sy = ((float) ly + 0.5f) * (float) p->src_h / (float) p->scaled_h - 0.5f;
  Y = trawl_nv12_sample (yp, pitch_y, 1, p->src_w, p->src_h, sx, sy);
  U = trawl_nv12_sample (uv, pitch_uv, 2, p->src_w / 2, p->src_h / 2,
                         (sx + 0.5f) * 0.5f - 0.5f, (sy + 0.5f) * 0.5f - 0.5f);
  V = trawl_nv12_sample (uv + 1, pitch_uv, 2, p->src_w / 2, p->src_h / 2,
                         (sx + 0.5f) * 0.5f - 0.5f, (sy + 0.5f) * 0.5f - 0.5f);
  trawl_nv12_yuv_to_rgb (Y, U, V, rgb);
  for (int c = 0; c < 3; c++)
    {
      float v = rgb[p->bgr ? 2 - c : c];
      out[c] = (v - p->mean[c]) * p->scale[c];
    }
}

#ifdef __cplusplus
}
#endif
