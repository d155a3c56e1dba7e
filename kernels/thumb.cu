/* thumb.cu - the scene-skip thumbnail of an NVDEC surface: the luma plane
 * averaged over 64x36 boxes (maths in src/rules/thumb.h, shared with the
 * CPU path), so the reader judges scene changes without downloading the
 * frame: 2304 bytes come back instead of the picture. */
#include "trawl-kernels.h"
#include "thumb.h"   /* src/rules/: the maths shared with the CPU path */

#include <cuda_runtime.h>

#define THUMB_BLOCK 128  /* threads per thumbnail pixel; a power of two */

/* One block per thumbnail pixel: the threads stride over its box, then
 * reduce their partial sums in shared memory. */
static __global__ void
thumb_u8 (const uint8_t *y, int pitch, int w, int h, uint8_t *out)
{
  __shared__ uint32_t part[THUMB_BLOCK];
  int tx = blockIdx.x, ty = blockIdx.y;
  int x0, x1, y0, y1, bw, n;
  uint32_t sum = 0;

  trawl_thumb_span (tx, TRAWL_THUMB_W, w, &x0, &x1);
  trawl_thumb_span (ty, TRAWL_THUMB_H, h, &y0, &y1);
  bw = x1 - x0;
  n = bw * (y1 - y0);
  for (int i = threadIdx.x; i < n; i += THUMB_BLOCK)
    sum += y[(size_t) (y0 + i / bw) * pitch + x0 + i % bw];
  part[threadIdx.x] = sum;
  __syncthreads ();
  for (int s = THUMB_BLOCK / 2; s > 0; s >>= 1)
    {
      if ((int) threadIdx.x < s)
        part[threadIdx.x] += part[threadIdx.x + s];
      __syncthreads ();
    }
  if (threadIdx.x == 0)
    out[ty * TRAWL_THUMB_W + tx] = trawl_thumb_mean (part[0], (uint32_t) n);
}

static cudaError_t
thumb_u8_cuda (const uint8_t *y, int pitch, int w, int h, uint8_t *out, cudaStream_t stream)
{
  dim3 grid (TRAWL_THUMB_W, TRAWL_THUMB_H);

  thumb_u8<<<grid, THUMB_BLOCK, 0, stream>>> (y, pitch, w, h, out);
  return cudaGetLastError ();
}

extern "C" int
trawl_cuda_thumb_gray (const unsigned char *y, int pitch, int w, int h, void **scratch,
                       unsigned char *out, void *stream)
{
  const size_t bytes = TRAWL_THUMB_W * TRAWL_THUMB_H;
  cudaStream_t s = stream != NULL ? (cudaStream_t) stream : cudaStreamLegacy;
  cudaError_t err;
  int rc;

  if (y == NULL || w <= 0 || h <= 0 || pitch < w)
    return (int) cudaErrorInvalidValue;
  if (*scratch == NULL && (rc = trawl_cuda_malloc (scratch, bytes)) != 0)
    {
      *scratch = NULL;
      return rc;
    }
  if ((err = thumb_u8_cuda (y, pitch, w, h, (uint8_t *) *scratch, s)) != cudaSuccess)
    return (int) err;
  /* out is pageable: the copy waits for the stream before the host reads it */
  return trawl_cuda_copy_to_host (out, *scratch, bytes, (void *) s);
}

extern "C" void
trawl_cuda_thumb_free (void *scratch)
{
  (void) trawl_cuda_free (scratch);   /* accepts NULL */
}
