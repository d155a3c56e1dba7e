/* nv12.cu - NV12 on the device (an NVDEC surface) straight into a network
 * input tensor: colour conversion, letterbox resize and normalisation in
 * one pass, one thread per output pixel. The maths is nv12.h's, shared
 * with the CPU reference. */
#include "nv12-kernel.h"

#include <cuda_runtime.h>

static __global__ void
nv12_kernel (TrawlNv12Params p, const uint8_t *y, int pitch_y, const uint8_t *uv, int pitch_uv,
             float *dst)
{
  int x = blockIdx.x * blockDim.x + threadIdx.x;
  int yy = blockIdx.y * blockDim.y + threadIdx.y;
  int64_t plane = (int64_t) p.dst_w * p.dst_h;
  float o[3];

  if (x >= p.dst_w || yy >= p.dst_h)
    return;
  trawl_nv12_pixel (&p, y, pitch_y, uv, pitch_uv, x, yy, o);
  dst[(int64_t) yy * p.dst_w + x] = o[0];
  dst[plane + (int64_t) yy * p.dst_w + x] = o[1];
  dst[2 * plane + (int64_t) yy * p.dst_w + x] = o[2];
}

extern "C" int
trawl_cuda_nv12_to_tensor (const TrawlNv12Params *p, const uint8_t *y, int pitch_y,
                           const uint8_t *uv, int pitch_uv, float *dst, void *stream)
{
  dim3 block (32, 8);
  dim3 grid ((p->dst_w + 31) / 32, (p->dst_h + 7) / 8);

  if (p->dst_w <= 0 || p->dst_h <= 0)
    return 0;
  nv12_kernel<<<grid, block, 0, (cudaStream_t) stream>>> (*p, y, pitch_y, uv, pitch_uv, dst);
  return (int) cudaGetLastError ();
}

extern "C" int
trawl_cuda_nv12_to_tensor_host (const TrawlNv12Params *p, const uint8_t *y, int pitch_y,
                                const uint8_t *uv, int pitch_uv, float *dst)
{
  size_t ybytes = (size_t) pitch_y * p->src_h, uvbytes = (size_t) pitch_uv * (p->src_h / 2);
  size_t obytes = (size_t) 3 * p->dst_w * p->dst_h * sizeof (float);
  uint8_t *dy = NULL, *duv = NULL;
  float *dd = NULL;
  cudaError_t err;

  if ((err = cudaMalloc (&dy, ybytes)) != cudaSuccess
      || (err = cudaMalloc (&duv, uvbytes)) != cudaSuccess
      || (err = cudaMalloc (&dd, obytes)) != cudaSuccess)
    goto out;
  if ((err = cudaMemcpy (dy, y, ybytes, cudaMemcpyHostToDevice)) != cudaSuccess
      || (err = cudaMemcpy (duv, uv, uvbytes, cudaMemcpyHostToDevice)) != cudaSuccess)
    goto out;
  if ((err = (cudaError_t) trawl_cuda_nv12_to_tensor (p, dy, pitch_y, duv, pitch_uv, dd, NULL))
      != cudaSuccess)
    goto out;
  err = cudaMemcpy (dst, dd, obytes, cudaMemcpyDeviceToHost);
out:
  cudaFree (dy);
  cudaFree (duv);
  cudaFree (dd);
  return (int) err;
}
