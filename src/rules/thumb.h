/* thumb.h - the scene-skip thumbnail: a 64x36 gray picture made by
 * averaging the luma plane over a grid of boxes.
 *
 * The maths is here, inline, and shared by the reader's CPU path
 * (video-reader.c, on decoded YUV frames) and the CUDA kernel
 * (kernels/thumb.cu, on NVDEC surfaces), so both paths make the same
 * thumbnail from the same luma bytes and skip the same frames. Integer
 * arithmetic only: the two agree exactly. Plain C: nvcc includes it too.
 * Private to trawl. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __CUDACC__
#define TRAWL_THUMB_FN static __host__ __device__ __forceinline__
#else
#define TRAWL_THUMB_FN static inline
#endif

#define TRAWL_THUMB_W 64  /* thumbnail width, px */
#define TRAWL_THUMB_H 36  /* thumbnail height, px */

/* Source span [*lo, *hi) of thumbnail cell i of n along an axis of src
 * pixels: the cells tile the axis; when src < n, neighbouring cells share
 * a pixel (each cell gets at least one). */
TRAWL_THUMB_FN void
trawl_thumb_span (int i, int n, int src, int *lo, int *hi)
{
  *lo = (int) ((int64_t) i * src / n);
  *hi = (int) ((int64_t) (i + 1) * src / n);
  if (*hi <= *lo)
    *hi = *lo + 1;
}

/* Rounded mean of count values summing to sum (count > 0). */
TRAWL_THUMB_FN uint8_t
trawl_thumb_mean (uint32_t sum, uint32_t count)
{
  return (uint8_t) ((sum + count / 2) / count);
}

/* CPU reference: fills out[TRAWL_THUMB_W * TRAWL_THUMB_H] from a luma
 * plane of w x h bytes, pitch bytes per row. The sums fit 32 bits for
 * boxes up to 16M pixels (frames far beyond 8K). */
static inline void
trawl_thumb_gray_ref (const uint8_t *y, int pitch, int w, int h, uint8_t *out)
{
  for (int ty = 0; ty < TRAWL_THUMB_H; ty++)
    {
      int y0, y1;

      trawl_thumb_span (ty, TRAWL_THUMB_H, h, &y0, &y1);
      for (int tx = 0; tx < TRAWL_THUMB_W; tx++)
        {
          uint32_t sum = 0;
          int x0, x1;

          trawl_thumb_span (tx, TRAWL_THUMB_W, w, &x0, &x1);
          for (int yy = y0; yy < y1; yy++)
            {
              const uint8_t *row = y + (size_t) yy * pitch;

              for (int xx = x0; xx < x1; xx++)
                sum += row[xx];
            }
          out[ty * TRAWL_THUMB_W + tx] =
            trawl_thumb_mean (sum, (uint32_t) ((x1 - x0) * (y1 - y0)));
        }
    }
}
