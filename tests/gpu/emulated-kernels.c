/* emulated-kernels.c - the entry points of kernels/nn-kernels.h as plain
 * loops on host memory, for test-cuda-ops-emulated: each does what its
 * kernel in nn-kernels.cu does, expression for expression (the same
 * activation formulas, -FLT_MAX starts, pooling counts), so a difference
 * from the CPU backend points at the host code that set up the call or at
 * the kernel's own rule, never at this file's rounding.
 *
 * Before touching memory each checks the call: a live stream, and every
 * element the geometry reaches inside one block of fake device memory
 * (emulated-device.h). A bad call returns cudaErrorIllegalAddress, as the
 * launch would fail on a GPU (or worse, silently scribble). */
#include "emulated-device.h"
#include "nn-kernels.h"

#include <float.h>
#include <math.h>

#define ILLEGAL 700   /* cudaErrorIllegalAddress */

/* Element offsets [lo, hi] reached by off + sum i_d s_d over dims. */
static void
reach (int ndim, const int64_t *dims, const int64_t *s, int64_t off, int64_t *lo, int64_t *hi)
{
  *lo = *hi = off;
  for (int d = 0; d < ndim; d++)
    {
      int64_t span = (dims[d] - 1) * s[d];

      if (span < 0)
        *lo += span;
      else
        *hi += span;
    }
}

static gboolean
floats_ok (const float *p, int64_t lo, int64_t hi, const char *what)
{
  return emu_dev_range (p, lo * (int64_t) sizeof (float), (hi + 1) * (int64_t) sizeof (float), what);
}

static float
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

int
trawl_cuda_epilogue (const float *x, float *y, int64_t outer, int64_t channels, int64_t inner,
                     const float *bias, const TrawlCudaEpi *epi, void *stream)
{
  int64_t n = outer * channels * inner;
  int64_t ch = channels > 0 ? channels : 1, in = inner > 0 ? inner : 1;

  if (!emu_stream_ok (stream, "trawl_cuda_epilogue"))
    return ILLEGAL;
  if (n == 0)
    return 0;
  if (epi->n < 0 || epi->n > TRAWL_CUDA_MAX_EPI)
    {
      emu_violation ("trawl_cuda_epilogue: %d steps", epi->n);
      return ILLEGAL;
    }
  if (!floats_ok (x, 0, n - 1, "epilogue x") || !floats_ok (y, 0, n - 1, "epilogue y")
      || (bias && !floats_ok (bias, 0, ch - 1, "epilogue bias")))
    return ILLEGAL;
  emu_count_launch ();
  for (int64_t i = 0; i < n; i++)
    {
      float v = x[i];

      if (bias)
        v += bias[(i / in) % ch];
      for (int e = 0; e < epi->n; e++)
        v = act (epi->act[e], v, epi->alpha[e], epi->beta[e]);
      y[i] = v;
    }
  return 0;
}

int
trawl_cuda_binary (int op, const float *a, const float *b, float *y, const TrawlCudaBcast *g,
                   void *stream)
{
  int64_t n = 1, lo, hi;

  if (!emu_stream_ok (stream, "trawl_cuda_binary"))
    return ILLEGAL;
  if (g->ndim < 1 || g->ndim > TRAWL_CUDA_MAX_DIMS)
    {
      emu_violation ("trawl_cuda_binary: ndim %d", g->ndim);
      return ILLEGAL;
    }
  for (int d = 0; d < g->ndim; d++)
    n *= g->dims[d];
  if (n == 0)
    return 0;
  reach (g->ndim, g->dims, g->sa, 0, &lo, &hi);
  if (!floats_ok (a, lo, hi, "binary a"))
    return ILLEGAL;
  reach (g->ndim, g->dims, g->sb, 0, &lo, &hi);
  if (!floats_ok (b, lo, hi, "binary b") || !floats_ok (y, 0, n - 1, "binary y"))
    return ILLEGAL;
  emu_count_launch ();
  for (int64_t i = 0; i < n; i++)
    {
      int64_t r = i, ia = 0, ib = 0;
      float u, v, o;

      for (int d = g->ndim - 1; d >= 0; d--)
        {
          int64_t k = r % g->dims[d];

          r /= g->dims[d];
          ia += k * g->sa[d];
          ib += k * g->sb[d];
        }
      u = a[ia];
      v = b[ib];
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
  return 0;
}

int
trawl_cuda_strided_copy (const float *src, float *dst, const TrawlCudaCopy *g, void *stream)
{
  int64_t n = 1, slo, shi, dlo, dhi;

  if (!emu_stream_ok (stream, "trawl_cuda_strided_copy"))
    return ILLEGAL;
  if (g->ndim < 1 || g->ndim > TRAWL_CUDA_MAX_DIMS)
    {
      emu_violation ("trawl_cuda_strided_copy: ndim %d", g->ndim);
      return ILLEGAL;
    }
  for (int d = 0; d < g->ndim; d++)
    n *= g->dims[d];
  if (n == 0)
    return 0;
  reach (g->ndim, g->dims, g->ss, g->soff, &slo, &shi);
  reach (g->ndim, g->dims, g->ds, g->doff, &dlo, &dhi);
  if (!floats_ok (src, slo, shi, "strided copy source")
      || !floats_ok (dst, dlo, dhi, "strided copy destination"))
    return ILLEGAL;
  /* threads read and write in no order on a GPU: overlap is a race */
  if (src + slo <= dst + dhi && dst + dlo <= src + shi)
    {
      emu_violation ("strided copy: source and destination ranges overlap (a race on a GPU)");
      return ILLEGAL;
    }
  emu_count_launch ();
  for (int64_t i = 0; i < n; i++)
    {
      int64_t r = i, is = g->soff, id = g->doff;

      for (int d = g->ndim - 1; d >= 0; d--)
        {
          int64_t k = r % g->dims[d];

          r /= g->dims[d];
          is += k * g->ss[d];
          id += k * g->ds[d];
        }
      dst[id] = src[is];
    }
  return 0;
}

int
trawl_cuda_fill (float *dst, int64_t n, float value, void *stream)
{
  if (!emu_stream_ok (stream, "trawl_cuda_fill"))
    return ILLEGAL;
  if (n == 0)
    return 0;
  if (!floats_ok (dst, 0, n - 1, "fill"))
    return ILLEGAL;
  emu_count_launch ();
  for (int64_t i = 0; i < n; i++)
    dst[i] = value;
  return 0;
}

int
trawl_cuda_softmax (const float *x, float *y, int64_t outer, int64_t n, int64_t inner,
                    int log_softmax, void *stream)
{
  if (!emu_stream_ok (stream, "trawl_cuda_softmax"))
    return ILLEGAL;
  if (outer * inner == 0)
    return 0;
  if (n > 0 && (!floats_ok (x, 0, outer * n * inner - 1, "softmax x")
                || !floats_ok (y, 0, outer * n * inner - 1, "softmax y")))
    return ILLEGAL;
  emu_count_launch ();
  for (int64_t r = 0; r < outer * inner; r++)
    {
      const float *xr = x + (r / inner) * n * inner + r % inner;
      float *yr = y + (r / inner) * n * inner + r % inner;
      float m = -FLT_MAX, s = 0.0f;

      for (int64_t k = 0; k < n; k++)
        m = fmaxf (m, xr[k * inner]);
      for (int64_t k = 0; k < n; k++)
        s += expf (xr[k * inner] - m);
      for (int64_t k = 0; k < n; k++)
        yr[k * inner] = log_softmax ? xr[k * inner] - m - logf (s) : expf (xr[k * inner] - m) / s;
    }
  return 0;
}

int
trawl_cuda_reduce (const float *x, float *y, int64_t outer, int64_t n, int64_t inner, int mode,
                   void *stream)
{
  if (!emu_stream_ok (stream, "trawl_cuda_reduce"))
    return ILLEGAL;
  if (outer * inner == 0)
    return 0;
  if ((n > 0 && !floats_ok (x, 0, outer * n * inner - 1, "reduce x"))
      || !floats_ok (y, 0, outer * inner - 1, "reduce y"))
    return ILLEGAL;
  emu_count_launch ();
  for (int64_t r = 0; r < outer * inner; r++)
    {
      const float *xr = x + (r / inner) * n * inner + r % inner;
      float acc = mode == TRAWL_CUDA_RED_MAX ? -FLT_MAX : 0.0f;

      for (int64_t k = 0; k < n; k++)
        acc = mode == TRAWL_CUDA_RED_MAX ? fmaxf (acc, xr[k * inner]) : acc + xr[k * inner];
      y[r] = mode == TRAWL_CUDA_RED_MEAN ? acc / (float) (n > 0 ? n : 1) : acc;
    }
  return 0;
}

int
trawl_cuda_pool2d (const float *x, float *y, const TrawlCudaPool *g, void *stream)
{
  int64_t total = g->planes * g->oh * g->ow;

  if (!emu_stream_ok (stream, "trawl_cuda_pool2d"))
    return ILLEGAL;
  if (total == 0)
    return 0;
  if (g->kh < 1 || g->kw < 1 || g->sh < 1 || g->sw < 1 || g->dh < 1 || g->dw < 1)
    {
      emu_violation ("trawl_cuda_pool2d: kernel %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT
                     " strides %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT, g->kh, g->kw, g->sh, g->sw);
      return ILLEGAL;
    }
  if (!floats_ok (x, 0, g->planes * g->h * g->w - 1, "pool x")
      || !floats_ok (y, 0, total - 1, "pool y"))
    return ILLEGAL;
  emu_count_launch ();
  for (int64_t i = 0; i < total; i++)
    {
      int64_t ox = i % g->ow, oy = (i / g->ow) % g->oh, p = i / (g->ow * g->oh);
      const float *in = x + p * g->h * g->w;
      int64_t y0 = oy * g->sh - g->pt, x0 = ox * g->sw - g->pl;
      int64_t ye = MIN (y0 + (g->kh - 1) * g->dh + 1, g->h + g->pb);
      int64_t xe = MIN (x0 + (g->kw - 1) * g->dw + 1, g->w + g->pr);
      int64_t padcnt = ((ye - y0 + g->dh - 1) / g->dh) * ((xe - x0 + g->dw - 1) / g->dw), cnt = 0;
      float acc = g->is_max ? -FLT_MAX : 0.0f;

      for (int64_t ky = 0; ky < g->kh; ky++)
        {
          int64_t iy = y0 + ky * g->dh;

          if (iy < 0 || iy >= g->h)
            continue;
          for (int64_t kx = 0; kx < g->kw; kx++)
            {
              int64_t ix = x0 + kx * g->dw;
              float v;

              if (ix < 0 || ix >= g->w)
                continue;
              v = in[iy * g->w + ix];
              acc = g->is_max ? fmaxf (acc, v) : acc + v;
              cnt++;
            }
        }
      if (!g->is_max)
        {
          int64_t d = g->include_pad ? padcnt : cnt;

          acc /= (float) (d > 1 ? d : 1);
        }
      y[i] = acc;
    }
  return 0;
}
