/* nn-kernels.cu - the inference engine's own CUDA kernels: fused
 * bias+activation epilogues, broadcast binary ops, the strided copy behind
 * Transpose/Slice/Concat/Pad/Expand, softmax, reductions and 2-D pooling.
 * Convolutions and matrix products go to cuDNN and cuBLAS instead (see
 * src/nn/cuda). Each kernel mirrors the CPU op in src/nn/cpu so the two
 * agree to float rounding; the launch wrappers queue on the caller's stream. */
#include "nn-kernels.h"

#include <cuda_runtime.h>
#include <float.h>

#define THREADS 256

/* Grid for n elements with a grid-stride loop: enough blocks to fill the
 * device, never more than the index space needs. */
static unsigned int
grid_for (int64_t n)
{
  int64_t b = (n + THREADS - 1) / THREADS;

  return (unsigned int) (b < 1 ? 1 : b > 65535 ? 65535 : b);
}

static int
launched (void)
{
  return (int) cudaGetLastError ();
}

/* ---- epilogue ---- */

/* Same expression as the CPU's _trawl_nn_apply_act (ops-elementwise.c). */
static __device__ __forceinline__ float
act (int a, float x, float alpha, float beta)
{
  float v;

  switch (a)
    {
    case TRAWL_CUDA_ACT_RELU: return x > 0.0f ? x : 0.0f;
    case TRAWL_CUDA_ACT_CLIP: return x < alpha ? alpha : x > beta ? beta : x;
    case TRAWL_CUDA_ACT_LEAKY_RELU: return x >= 0.0f ? x : alpha * x;
    case TRAWL_CUDA_ACT_SIGMOID: return 1.0f / (1.0f + expf (-x));
    case TRAWL_CUDA_ACT_HARD_SIGMOID:
      v = alpha * x + beta;
      return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
    case TRAWL_CUDA_ACT_HARD_SWISH:
      v = alpha * x + beta;
      return x * (v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v);
    case TRAWL_CUDA_ACT_MUL: return x * alpha;
    case TRAWL_CUDA_ACT_ADD: return x + alpha;
    case TRAWL_CUDA_ACT_SWISH: return x / (1.0f + expf (-alpha * x));
    default: return x;
    }
}

static __global__ void
epilogue_kernel (const float *x, float *y, int64_t n, int64_t channels, int64_t inner,
                 const float *bias, TrawlCudaEpi epi)
{
  for (int64_t i = blockIdx.x * (int64_t) blockDim.x + threadIdx.x; i < n;
       i += (int64_t) gridDim.x * blockDim.x)
    {
      float v = x[i];

      if (bias)
        v += bias[(i / inner) % channels];
      for (int e = 0; e < epi.n; e++)
        v = act (epi.act[e], v, epi.alpha[e], epi.beta[e]);
      y[i] = v;
    }
}

extern "C" int
trawl_cuda_epilogue (const float *x, float *y, int64_t outer, int64_t channels, int64_t inner,
                     const float *bias, const TrawlCudaEpi *epi, void *stream)
{
  int64_t n = outer * channels * inner;

  if (n == 0)
    return 0;
  epilogue_kernel<<<grid_for (n), THREADS, 0, (cudaStream_t) stream>>> (
      x, y, n, channels > 0 ? channels : 1, inner > 0 ? inner : 1, bias, *epi);
  return launched ();
}

/* ---- broadcast binary ---- */

static __global__ void
binary_kernel (int op, const float *a, const float *b, float *y, int64_t n, TrawlCudaBcast g)
{
  for (int64_t i = blockIdx.x * (int64_t) blockDim.x + threadIdx.x; i < n;
       i += (int64_t) gridDim.x * blockDim.x)
    {
      int64_t r = i, ia = 0, ib = 0;

      for (int d = g.ndim - 1; d >= 0; d--)
        {
          int64_t k = r % g.dims[d];

          r /= g.dims[d];
          ia += k * g.sa[d];
          ib += k * g.sb[d];
        }
      float u = a[ia], v = b[ib], o;
      switch (op)
        {
        case TRAWL_CUDA_BIN_ADD: o = u + v; break;
        case TRAWL_CUDA_BIN_SUB: o = u - v; break;
        case TRAWL_CUDA_BIN_MUL: o = u * v; break;
        case TRAWL_CUDA_BIN_DIV: o = u / v; break;
        case TRAWL_CUDA_BIN_MAX: o = u > v ? u : v; break;
        case TRAWL_CUDA_BIN_MIN: o = u < v ? u : v; break;
        default: o = powf (u, v); break;
        }
      y[i] = o;
    }
}

extern "C" int
trawl_cuda_binary (int op, const float *a, const float *b, float *y, const TrawlCudaBcast *g,
                   void *stream)
{
  int64_t n = 1;

  for (int d = 0; d < g->ndim; d++)
    n *= g->dims[d];
  if (n == 0)
    return 0;
  binary_kernel<<<grid_for (n), THREADS, 0, (cudaStream_t) stream>>> (op, a, b, y, n, *g);
  return launched ();
}

/* ---- strided copy and fill ---- */

static __global__ void
copy_kernel (const float *src, float *dst, int64_t n, TrawlCudaCopy g)
{
  for (int64_t i = blockIdx.x * (int64_t) blockDim.x + threadIdx.x; i < n;
       i += (int64_t) gridDim.x * blockDim.x)
    {
      int64_t r = i, is = g.soff, id = g.doff;

      for (int d = g.ndim - 1; d >= 0; d--)
        {
          int64_t k = r % g.dims[d];

          r /= g.dims[d];
          is += k * g.ss[d];
          id += k * g.ds[d];
        }
      dst[id] = src[is];
    }
}

extern "C" int
trawl_cuda_strided_copy (const float *src, float *dst, const TrawlCudaCopy *g, void *stream)
{
  int64_t n = 1;

  for (int d = 0; d < g->ndim; d++)
    n *= g->dims[d];
  if (n == 0)
    return 0;
  copy_kernel<<<grid_for (n), THREADS, 0, (cudaStream_t) stream>>> (src, dst, n, *g);
  return launched ();
}

static __global__ void
fill_kernel (float *dst, int64_t n, float v)
{
  for (int64_t i = blockIdx.x * (int64_t) blockDim.x + threadIdx.x; i < n;
       i += (int64_t) gridDim.x * blockDim.x)
    dst[i] = v;
}

extern "C" int
trawl_cuda_fill (float *dst, int64_t n, float value, void *stream)
{
  if (n == 0)
    return 0;
  fill_kernel<<<grid_for (n), THREADS, 0, (cudaStream_t) stream>>> (dst, n, value);
  return launched ();
}

/* ---- softmax and reductions: one thread per output row ----
 * Rows here are short (classes, a few hundred channels), so a thread per
 * row is simple and coalesced across inner; a warp-per-row kernel would be
 * the next step for long rows. */

static __global__ void
softmax_kernel (const float *x, float *y, int64_t outer, int64_t n, int64_t inner, int lg)
{
  for (int64_t r = blockIdx.x * (int64_t) blockDim.x + threadIdx.x; r < outer * inner;
       r += (int64_t) gridDim.x * blockDim.x)
    {
      const float *xr = x + (r / inner) * n * inner + r % inner;
      float *yr = y + (r / inner) * n * inner + r % inner;
      float m = -FLT_MAX, s = 0.0f;

      for (int64_t k = 0; k < n; k++)
        m = fmaxf (m, xr[k * inner]);
      for (int64_t k = 0; k < n; k++)
        s += expf (xr[k * inner] - m);
      for (int64_t k = 0; k < n; k++)
        yr[k * inner] = lg ? xr[k * inner] - m - logf (s) : expf (xr[k * inner] - m) / s;
    }
}

extern "C" int
trawl_cuda_softmax (const float *x, float *y, int64_t outer, int64_t n, int64_t inner,
                    int log_softmax, void *stream)
{
  if (outer * inner == 0)
    return 0;
  softmax_kernel<<<grid_for (outer * inner), THREADS, 0, (cudaStream_t) stream>>> (
      x, y, outer, n, inner, log_softmax);
  return launched ();
}

static __global__ void
reduce_kernel (const float *x, float *y, int64_t outer, int64_t n, int64_t inner, int mode)
{
  for (int64_t r = blockIdx.x * (int64_t) blockDim.x + threadIdx.x; r < outer * inner;
       r += (int64_t) gridDim.x * blockDim.x)
    {
      const float *xr = x + (r / inner) * n * inner + r % inner;
      float acc = mode == TRAWL_CUDA_RED_MAX ? -FLT_MAX : 0.0f;

      for (int64_t k = 0; k < n; k++)
        acc = mode == TRAWL_CUDA_RED_MAX ? fmaxf (acc, xr[k * inner]) : acc + xr[k * inner];
      y[r] = mode == TRAWL_CUDA_RED_MEAN ? acc / (float) (n > 0 ? n : 1) : acc;
    }
}

extern "C" int
trawl_cuda_reduce (const float *x, float *y, int64_t outer, int64_t n, int64_t inner, int mode,
                   void *stream)
{
  if (outer * inner == 0)
    return 0;
  reduce_kernel<<<grid_for (outer * inner), THREADS, 0, (cudaStream_t) stream>>> (
      x, y, outer, n, inner, mode);
  return launched ();
}

/* ---- pooling: one thread per output element, as ops-pool.c's loop ---- */

static __global__ void
pool_kernel (const float *x, float *y, TrawlCudaPool g)
{
  int64_t total = g.planes * g.oh * g.ow;

  for (int64_t i = blockIdx.x * (int64_t) blockDim.x + threadIdx.x; i < total;
       i += (int64_t) gridDim.x * blockDim.x)
    {
      int64_t ox = i % g.ow, oy = (i / g.ow) % g.oh, p = i / (g.ow * g.oh);
      const float *in = x + p * g.h * g.w;
      int64_t y0 = oy * g.sh - g.pt, x0 = ox * g.sw - g.pl;
      int64_t ye = min (y0 + (g.kh - 1) * g.dh + 1, g.h + g.pb);
      int64_t xe = min (x0 + (g.kw - 1) * g.dw + 1, g.w + g.pr);
      int64_t padcnt = ((ye - y0 + g.dh - 1) / g.dh) * ((xe - x0 + g.dw - 1) / g.dw), cnt = 0;
      float acc = g.is_max ? -FLT_MAX : 0.0f;

      for (int64_t ky = 0; ky < g.kh; ky++)
        {
          int64_t iy = y0 + ky * g.dh;

          if (iy < 0 || iy >= g.h)
            continue;
          for (int64_t kx = 0; kx < g.kw; kx++)
            {
              int64_t ix = x0 + kx * g.dw;

              if (ix < 0 || ix >= g.w)
                continue;
              float v = in[iy * g.w + ix];
              acc = g.is_max ? fmaxf (acc, v) : acc + v;
              cnt++;
            }
        }
      if (!g.is_max)
        {
          int64_t d = g.include_pad ? padcnt : cnt;
          acc /= (float) (d > 1 ? d : 1);
        }
      y[i] = acc;
    }
}

extern "C" int
trawl_cuda_pool2d (const float *x, float *y, const TrawlCudaPool *g, void *stream)
{
  int64_t n = g->planes * g->oh * g->ow;

  if (n == 0)
    return 0;
  pool_kernel<<<grid_for (n), THREADS, 0, (cudaStream_t) stream>>> (x, y, *g);
  return launched ();
}
