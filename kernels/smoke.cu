/* smoke.cu - the smallest kernel that proves the CUDA toolchain, the
 * architecture flags and the link all work: y = a*x + y. */
#include "trawl-kernels.h"

#include <cuda_runtime.h>

static __global__ void
saxpy_kernel (int n, float a, const float *x, float *y)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    y[i] = a * x[i] + y[i];
}

extern "C" int
trawl_cuda_saxpy (int n, float a, const float *x, float *y)
{
  float *dx = NULL, *dy = NULL;
  size_t bytes = (size_t) n * sizeof (float);
  cudaError_t err;

  if (n <= 0)
    return 0;   /* a grid of 0 blocks is a launch error */
  if ((err = cudaMalloc (&dx, bytes)) != cudaSuccess)
    return (int) err;
  if ((err = cudaMalloc (&dy, bytes)) != cudaSuccess
      || (err = cudaMemcpy (dx, x, bytes, cudaMemcpyHostToDevice)) != cudaSuccess
      || (err = cudaMemcpy (dy, y, bytes, cudaMemcpyHostToDevice)) != cudaSuccess)
    goto out;
  saxpy_kernel<<<(n + 255) / 256, 256>>> (n, a, dx, dy);
  if ((err = cudaGetLastError ()) != cudaSuccess)
    goto out;
  err = cudaMemcpy (y, dy, bytes, cudaMemcpyDeviceToHost);
out:
  cudaFree (dx);
  cudaFree (dy);
  return (int) err;
}
