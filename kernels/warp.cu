/* warp.cu - the warp rule of src/rules/warp.h on the GPU: NV12 device
 * planes (an NVDEC surface), or planar float crops an earlier warp wrote,
 * straight into network input tensors in device memory, one thread per
 * tensor pixel, one launch per warp or per batch of warps (crops of one
 * frame, of any sizes, or resizes of planar crops into a batch tensor). Also the
 * device allocations of the pipelines' scratch crops.
 *
 * The per-pixel maths is warp.h's inline trawl_warp_pixel, the same code
 * the CPU reference (src/image/warp.c) runs. This file is compiled with
 * --fmad=false (kernels/meson.build): without fused multiply-adds every
 * float operation rounds as it does on the host, so the kernel should match
 * the reference bit for bit. With them a coordinate moves by an ulp (1e-4
 * px at 1080p), a value by up to that times the image gradient: the same
 * code built with FMA contraction on the CPU misses the reference by
 * 1.6e-3 on the 0..255 scale in test-gpu-warp's rotation case, over its
 * tolerance, and can flip round_u8 values. The cost is a few more
 * instructions in a memory-bound kernel.
 *
 * Parameters are checked here on the host; a bad one returns
 * cudaErrorInvalidValue before anything touches the device.
 */
#include "warp-kernel.h"

#include <cuda_runtime.h>
#include <string.h>

#define WARP_BLOCK_X 32   /* threads per block along a tensor row */
#define WARP_BLOCK_Y 8

/* Kernel parameters are limited to 4 KiB on every architecture we build
 * for (larger needs CUDA 12.1+ and Volta+ and is not worth depending on);
 * a batch's parameters share it with a few pointers and ints, and are
 * read in place from parameter memory (__grid_constant__), never copied
 * per thread. */

/* The parameters of a batch of warps from planar float sources: warp i
 * reads the [3, src_h, src_w] floats at src + off[i] (32-bit offsets, in
 * floats, so that 32 of them fit beside 32 parameter sets). */
typedef struct {
  TrawlWarpParams p[TRAWL_WARP_MAX_BATCH];
  unsigned int    off[TRAWL_WARP_MAX_BATCH];
} PlanarBatch;

static_assert (sizeof (PlanarBatch) + 64 <= 4096, "planar batch params exceed 4 KiB");

/* n crops of one source, each written at its own offset (floats) of the
 * destination: 32 parameter sets and 32 offsets, 3,968 bytes. */
typedef struct {
  TrawlWarpParams p[TRAWL_WARP_MAX_BATCH];
  unsigned int    dst_off[TRAWL_WARP_MAX_BATCH];
} CropBatch;

static_assert (sizeof (CropBatch) + 64 <= 4096, "crop batch params exceed 4 KiB");

/* Tensor pixel (blockIdx.x/threadIdx.x, blockIdx.y/threadIdx.y) of the
 * warp p from a source of kind KIND (a TrawlWarpSource, fixed per kernel
 * so the fetch's branches fold away) into dst ([3, dst_h, dst_w]); threads
 * past out_w or dst_h idle. */
template <int KIND>
static __device__ __forceinline__ void
warp_pixel_store (const TrawlWarpParams *p, const void *p0, int pitch0, const uint8_t *uv,
                  int pitch_uv, float *dst)
{
  int u = (int) (blockIdx.x * blockDim.x + threadIdx.x);
  int v = (int) (blockIdx.y * blockDim.y + threadIdx.y);
  int64_t plane, at;
  float o[3];

  if (u >= p->out_w || v >= p->dst_h)
    return;
  trawl_warp_pixel (p, p0, pitch0, uv, pitch_uv, KIND, u, v, o);
  plane = (int64_t) p->dst_w * p->dst_h;
  at = (int64_t) v * p->dst_w + u;
  dst[at] = o[0];
  dst[plane + at] = o[1];
  dst[2 * plane + at] = o[2];
}

static __global__ void
warp_nv12_f32 (const __grid_constant__ TrawlWarpParams p, const uint8_t *y, int pitch_y,
               const uint8_t *uv, int pitch_uv, float *dst)
{
  warp_pixel_store<TRAWL_WARP_SRC_NV12> (&p, y, pitch_y, uv, pitch_uv, dst);
}

/* blockIdx.z picks the crop and where it goes; the grid covers the
 * largest crop and each thread checks its own crop's bounds. */
static __global__ void
warp_nv12_crops_f32 (const __grid_constant__ CropBatch b, const uint8_t *y, int pitch_y,
                     const uint8_t *uv, int pitch_uv, float *dst)
{
  warp_pixel_store<TRAWL_WARP_SRC_NV12> (&b.p[blockIdx.z], y, pitch_y, uv, pitch_uv,
                                         dst + b.dst_off[blockIdx.z]);
}

/* blockIdx.z picks the warp, its source (rows of src_w floats) and its
 * tensor. */
static __global__ void
warp_planar_batch_f32 (const __grid_constant__ PlanarBatch b, const float *src, float *dst)
{
  const TrawlWarpParams *p = &b.p[blockIdx.z];

  warp_pixel_store<TRAWL_WARP_SRC_PLANAR> (p, src + b.off[blockIdx.z], p->src_w, NULL, 0,
                                           dst + (int64_t) blockIdx.z * 3 * p->dst_w * p->dst_h);
}

/* TRUE when p describes a warp the kernel can run: positive sizes, k in
 * 1..TRAWL_WARP_MAX_K, 0 < out_w <= dst_w, and dst_h within the grid's
 * y limit (65535 blocks). */
static bool
params_ok (const TrawlWarpParams *p)
{
  return p != NULL && p->src_w > 0 && p->src_h > 0 && p->dst_w > 0 && p->dst_h > 0
         && p->out_w > 0 && p->out_w <= p->dst_w && p->k >= 1 && p->k <= TRAWL_WARP_MAX_K
         && p->dst_h <= 65535 * WARP_BLOCK_Y;
}

/* Bytes of one UV row the rule may read: (x >> 1) * 2 + 1 for the last x. */
static int
uv_row_bytes (int src_w)
{
  return (src_w + 1) & ~1;
}

/* TRUE when the planes are there and their pitches hold a row. */
static bool
planes_ok (const TrawlWarpParams *p, const uint8_t *y, int pitch_y, const uint8_t *uv,
           int pitch_uv)
{
  return y != NULL && uv != NULL && pitch_y >= p->src_w && pitch_uv >= uv_row_bytes (p->src_w);
}

/* The grid of a batch: blockIdx.z picks the warp, x and y cover the
 * widest out_w and the tallest dst_h (each thread checks its own warp's). */
static dim3
batch_grid (const TrawlWarpParams *p, int n)
{
  int max_w = 0, max_h = 0;

  for (int i = 0; i < n; i++)
    {
      max_w = p[i].out_w > max_w ? p[i].out_w : max_w;
      max_h = p[i].dst_h > max_h ? p[i].dst_h : max_h;
    }
  return dim3 ((max_w + WARP_BLOCK_X - 1) / WARP_BLOCK_X, (max_h + WARP_BLOCK_Y - 1) / WARP_BLOCK_Y,
               n);
}

static int
warp_nv12_f32_cuda (const TrawlWarpParams *p, const uint8_t *y, int pitch_y, const uint8_t *uv,
                    int pitch_uv, float *dst, cudaStream_t stream)
{
  dim3 block (WARP_BLOCK_X, WARP_BLOCK_Y);
  dim3 grid ((p->out_w + WARP_BLOCK_X - 1) / WARP_BLOCK_X,
             (p->dst_h + WARP_BLOCK_Y - 1) / WARP_BLOCK_Y);

  warp_nv12_f32<<<grid, block, 0, stream>>> (*p, y, pitch_y, uv, pitch_uv, dst);
  return (int) cudaGetLastError ();
}

extern "C" int
trawl_cuda_warp_nv12 (const TrawlWarpParams *p, const uint8_t *y, int pitch_y,
                      const uint8_t *uv, int pitch_uv, float *dst, void *stream)
{
  if (!params_ok (p) || !planes_ok (p, y, pitch_y, uv, pitch_uv) || dst == NULL)
    return (int) cudaErrorInvalidValue;
  return warp_nv12_f32_cuda (p, y, pitch_y, uv, pitch_uv, dst, (cudaStream_t) stream);
}

extern "C" int
trawl_cuda_warp_nv12_crops (const TrawlWarpParams *p, int n, const uint8_t *y, int pitch_y,
                            const uint8_t *uv, int pitch_uv, float *dst, const size_t *dst_off,
                            void *stream)
{
  CropBatch b;

  if (p == NULL || n < 1 || n > TRAWL_WARP_MAX_BATCH || dst == NULL || dst_off == NULL
      || !planes_ok (&p[0], y, pitch_y, uv, pitch_uv))
    return (int) cudaErrorInvalidValue;
  /* one source: every read is bounded by its warp's src_w/src_h, which
   * the planes were checked for; the tensors may differ */
  for (int i = 0; i < n; i++)
    {
      if (!params_ok (&p[i]) || p[i].src_w != p[0].src_w || p[i].src_h != p[0].src_h
          || dst_off[i] > 0xffffffffu)
        return (int) cudaErrorInvalidValue;
    }
  memset (&b, 0, sizeof b);
  memcpy (b.p, p, (size_t) n * sizeof *p);
  for (int i = 0; i < n; i++)
    b.dst_off[i] = (unsigned int) dst_off[i];

  dim3 block (WARP_BLOCK_X, WARP_BLOCK_Y);

  warp_nv12_crops_f32<<<batch_grid (p, n), block, 0, (cudaStream_t) stream>>> (b, y, pitch_y, uv,
                                                                             pitch_uv, dst);
  return (int) cudaGetLastError ();
}

extern "C" int
trawl_cuda_warp_nv12_host (const TrawlWarpParams *p, const uint8_t *y, int pitch_y,
                           const uint8_t *uv, int pitch_uv, float *dst)
{
  uint8_t *dy = NULL, *duv = NULL;
  float *dd = NULL;
  size_t row_f;
  int uv_rows;
  cudaError_t err, e;

  if (!params_ok (p) || !planes_ok (p, y, pitch_y, uv, pitch_uv) || dst == NULL)
    return (int) cudaErrorInvalidValue;
  uv_rows = (p->src_h + 1) / 2;
  row_f = (size_t) p->dst_w * sizeof (float);
  /* the device planes keep the caller's pitches (the kernel is given
   * them); only each row's pixels are read from the host buffers */
  if ((err = cudaMalloc (&dy, (size_t) pitch_y * p->src_h)) != cudaSuccess
      || (err = cudaMalloc (&duv, (size_t) pitch_uv * uv_rows)) != cudaSuccess
      || (err = cudaMalloc (&dd, row_f * 3 * p->dst_h)) != cudaSuccess)
    goto out;
  if ((err = cudaMemcpy2D (dy, pitch_y, y, pitch_y, p->src_w, p->src_h,
                           cudaMemcpyHostToDevice)) != cudaSuccess
      || (err = cudaMemcpy2D (duv, pitch_uv, uv, pitch_uv, uv_row_bytes (p->src_w), uv_rows,
                              cudaMemcpyHostToDevice)) != cudaSuccess)
    goto out;
  if ((err = (cudaError_t) warp_nv12_f32_cuda (p, dy, pitch_y, duv, pitch_uv, dd, NULL))
      != cudaSuccess)
    goto out;
  /* only the written columns come back: the rest of dst stays as the
   * caller left it, as on the device. The copy waits for the kernel and
   * reports its execution errors. */
  err = cudaMemcpy2D (dst, row_f, dd, row_f, (size_t) p->out_w * sizeof (float), 3 * p->dst_h,
                      cudaMemcpyDeviceToHost);
out:
  if ((e = cudaFree (dy)) != cudaSuccess && err == cudaSuccess)
    err = e;
  if ((e = cudaFree (duv)) != cudaSuccess && err == cudaSuccess)
    err = e;
  if ((e = cudaFree (dd)) != cudaSuccess && err == cudaSuccess)
    err = e;
  return (int) err;
}

extern "C" int
trawl_cuda_warp_planar_batch (const TrawlWarpParams *p, int n, const float *src,
                              const size_t *src_off, float *dst, void *stream)
{
  PlanarBatch b;

  if (p == NULL || n < 1 || n > TRAWL_WARP_MAX_BATCH || src == NULL || src_off == NULL
      || dst == NULL)
    return (int) cudaErrorInvalidValue;
  /* sources of any size (each warp bounds its reads by its own src_w and
   * src_h), one tensor shape */
  for (int i = 0; i < n; i++)
    {
      if (!params_ok (&p[i]) || p[i].dst_w != p[0].dst_w || p[i].dst_h != p[0].dst_h
          || src_off[i] > 0xffffffffu)
        return (int) cudaErrorInvalidValue;
    }
  memset (&b, 0, sizeof b);
  memcpy (b.p, p, (size_t) n * sizeof *p);
  for (int i = 0; i < n; i++)
    b.off[i] = (unsigned int) src_off[i];

  dim3 block (WARP_BLOCK_X, WARP_BLOCK_Y);

  warp_planar_batch_f32<<<batch_grid (p, n), block, 0, (cudaStream_t) stream>>> (b, src, dst);
  return (int) cudaGetLastError ();
}
