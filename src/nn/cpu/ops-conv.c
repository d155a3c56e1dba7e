/* ops-conv.c - CPU convolutions: Conv (im2col + OpenBLAS sgemm, 1x1 stride-1
 * straight to sgemm, depthwise by direct loops) with a fused bias +
 * activation epilogue, and ConvTranspose (sgemm + col2im).
 *
 * Layout NCHW; a 1-D conv ([N,C,L]) runs as 2-D with H = 1. Threads: the
 * plan's pool (nn-pool.c) runs tiles/planes; OpenBLAS itself runs
 * single-threaded (two spinning pools on two cores cost 3x).
 */
#include "ops.h"

#include <cblas.h>

#include <string.h>

typedef struct {
  int64_t n, c, h, w;        /* input */
  int64_t m, oh, ow;         /* output channels and size */
  int64_t kh, kw, sh, sw, dh, dw;
  int64_t pt, pl, pb, pr;    /* pads: top, left, bottom, right */
  int64_t group;
  int     rank;              /* 1 or 2 spatial dims */
} ConvGeom;

static int
ints_or (const TrawlNnAttrs *a, const char *name, int64_t *v, int n, int64_t dflt)
{
  const int64_t *p;
  int k = trawl_nn_attrs_get_ints (a, name, &p);

  for (int i = 0; i < n; i++)
    v[i] = k == n ? p[i] : dflt;
  return k;
}

/* Pads for auto_pad SAME_*: output = ceil(in / stride). */
static void
same_pads (const char *mode, int64_t in, int64_t k, int64_t s, int64_t d, int64_t *b,
           int64_t *e, int64_t *out)
{
  int64_t o = (in + s - 1) / s;
  int64_t total = MAX ((o - 1) * s + (k - 1) * d + 1 - in, 0);

  *out = o;
  if (strcmp (mode, "SAME_LOWER") == 0)
    {
      *b = total - total / 2;
      *e = total / 2;
    }
  else
    {
      *b = total / 2;
      *e = total - total / 2;
    }
}

/* Fills g from the attributes and the shapes of X and W. For ConvTranspose
 * (transposed) W is [C, M/group, kh, kw] and oh/ow grow instead. */
static gboolean
conv_geom (const TrawlNnOpCtx *c, gboolean transposed, ConvGeom *g, GError **error)
{
  const TrawlNnTensor *x = c->in[0], *w = c->in[1];
  const char *ap = trawl_nn_attrs_get_string (c->attrs, "auto_pad", "NOTSET");
  int64_t ks[2], st[2], dl[2], pads[4], op[2] = { 0, 0 }, os[2];
  int r;

  if (w == NULL || x->ndim < 3 || x->ndim > 4 || w->ndim != x->ndim)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "only 1-D and 2-D convs");
  if (x->dtype != TRAWL_NN_F32 || w->dtype != TRAWL_NN_F32)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "non-float conv");
  r = g->rank = x->ndim - 2;
  memset (g, 0, sizeof *g);
  g->rank = r;
  g->n = x->dims[0];
  g->c = x->dims[1];
  g->h = r == 2 ? x->dims[2] : 1;
  g->w = x->dims[x->ndim - 1];
  g->group = trawl_nn_attrs_get_int (c->attrs, "group", 1);
  if (g->group < 1 || g->c % g->group)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "group %d does not divide %d channels",
                           (int) g->group, (int) g->c);
  if (transposed)
    {
      if (w->dims[0] != g->c)
        return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "weights for %d channels, input has %d",
                               (int) w->dims[0], (int) g->c);
      g->m = w->dims[1] * g->group;
    }
  else
    {
      g->m = w->dims[0];
      if (w->dims[1] * g->group != g->c || g->m % g->group)
        return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c,
                               "weights take %d channels x %d groups, input has %d",
                               (int) w->dims[1], (int) g->group, (int) g->c);
    }
  ints_or (c->attrs, "kernel_shape", ks, r, 0);
  ints_or (c->attrs, "strides", st, r, 1);
  ints_or (c->attrs, "dilations", dl, r, 1);
  ints_or (c->attrs, "pads", pads, 2 * r, 0);
  ints_or (c->attrs, "output_padding", op, r, 0);
  if (r == 1)
    {
      ks[1] = ks[0]; st[1] = st[0]; dl[1] = dl[0]; op[1] = op[0];
      ks[0] = 1; st[0] = 1; dl[0] = 1; op[0] = 0;
      pads[3] = pads[1]; pads[1] = pads[0]; pads[0] = 0; pads[2] = 0;
    }
  g->kh = r == 2 ? w->dims[2] : 1;
  g->kw = w->dims[w->ndim - 1];
  if ((ks[0] && ks[0] != g->kh) || (ks[1] && ks[1] != g->kw))
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "kernel_shape differs from weights");
  g->sh = st[0]; g->sw = st[1]; g->dh = dl[0]; g->dw = dl[1];
  if (g->sh < 1 || g->sw < 1 || g->dh < 1 || g->dw < 1)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_FORMAT, c, "bad strides or dilations");
  g->pt = pads[0]; g->pl = pads[1]; g->pb = pads[2]; g->pr = pads[3];
  if (transposed)
    {
      int64_t want = ints_or (c->attrs, "output_shape", os, r, 0);

      if (r == 1)
        os[1] = os[0], os[0] = 1;
      if (want == r)
        {
          /* pads follow from the requested size (ONNX ConvTranspose) */
          int64_t th = MAX (g->sh * (g->h - 1) + op[0] + (g->kh - 1) * g->dh + 1 - os[0], 0);
          int64_t tw = MAX (g->sw * (g->w - 1) + op[1] + (g->kw - 1) * g->dw + 1 - os[1], 0);
          gboolean upper = strcmp (ap, "SAME_UPPER") == 0;

          g->pt = upper ? th / 2 : th - th / 2; g->pb = th - g->pt;
          g->pl = upper ? tw / 2 : tw - tw / 2; g->pr = tw - g->pl;
        }
      else if (strcmp (ap, "SAME_UPPER") == 0 || strcmp (ap, "SAME_LOWER") == 0)
        {
          int64_t th = MAX (g->sh * (g->h - 1) + op[0] + (g->kh - 1) * g->dh + 1 - g->h * g->sh, 0);
          int64_t tw = MAX (g->sw * (g->w - 1) + op[1] + (g->kw - 1) * g->dw + 1 - g->w * g->sw, 0);
          gboolean upper = strcmp (ap, "SAME_UPPER") == 0;

          g->pt = upper ? th / 2 : th - th / 2; g->pb = th - g->pt;
          g->pl = upper ? tw / 2 : tw - tw / 2; g->pr = tw - g->pl;
        }
      g->oh = g->sh * (g->h - 1) + op[0] + (g->kh - 1) * g->dh + 1 - g->pt - g->pb;
      g->ow = g->sw * (g->w - 1) + op[1] + (g->kw - 1) * g->dw + 1 - g->pl - g->pr;
    }
  else if (strcmp (ap, "SAME_UPPER") == 0 || strcmp (ap, "SAME_LOWER") == 0)
    {
      same_pads (ap, g->h, g->kh, g->sh, g->dh, &g->pt, &g->pb, &g->oh);
      same_pads (ap, g->w, g->kw, g->sw, g->dw, &g->pl, &g->pr, &g->ow);
    }
  else
    {
      if (strcmp (ap, "VALID") == 0)
        g->pt = g->pl = g->pb = g->pr = 0;
      g->oh = (g->h + g->pt + g->pb - (g->kh - 1) * g->dh - 1) / g->sh + 1;
      g->ow = (g->w + g->pl + g->pr - (g->kw - 1) * g->dw - 1) / g->sw + 1;
    }
  if (g->oh < 1 || g->ow < 1)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "output would be empty");
  if (c->n_in > 2 && c->in[2] && trawl_nn_tensor_numel (c->in[2]) != g->m)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "bias size differs from %d channels",
                           (int) g->m);
  return TRUE;
}

static void
set_out (TrawlNnOpCtx *c, const ConvGeom *g)
{
  TrawlNnTensor *o = c->out[0];

  o->dtype = TRAWL_NN_F32;
  o->ndim = g->rank + 2;
  o->dims[0] = g->n;
  o->dims[1] = g->m;
  if (g->rank == 2)
    {
      o->dims[2] = g->oh;
      o->dims[3] = g->ow;
    }
  else
    o->dims[2] = g->ow;
}

static gboolean
is_depthwise (const ConvGeom *g)
{
  return g->group == g->c && g->m == g->c && g->group > 1;
}

static gboolean
is_pointwise (const ConvGeom *g)
{
  return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->pt == 0 && g->pl == 0
         && g->pb == 0 && g->pr == 0;
}

static gsize conv_ws (const ConvGeom *g, int nt);
typedef void (*DwKernel) (const float *, int64_t, const float *, float, float *, int64_t, int64_t);
static DwKernel dw_kernel (const ConvGeom *g);
static void dw_pad_dims (const ConvGeom *g, int64_t *ph, int64_t *pw);

static gboolean
conv_infer (TrawlNnOpCtx *c, GError **error)
{
  ConvGeom g;

  if (!conv_geom (c, FALSE, &g, error))
    return FALSE;
  set_out (c, &g);
  if (!is_depthwise (&g))
    c->ws_bytes = conv_ws (&g, c->n_threads);
  else if (dw_kernel (&g))
    {
      int64_t ph, pw;

      dw_pad_dims (&g, &ph, &pw);
      c->ws_bytes = sizeof (float) * ph * pw * MAX (c->n_threads, 1);
    }
  return TRUE;
}

/* ---- epilogue ---- */

typedef struct {
  float                *out;
  const float          *bias;
  int64_t               hw;
  const TrawlNnOpCtx   *c;
} BiasTask;

static void
bias_task (void *arg, int64_t b, int64_t e, int tid)
{
  BiasTask *t = arg;

  (void) tid;
  for (int64_t o = b; o < e; o++)
    _trawl_nn_apply_epi (t->out + o * t->hw, t->hw, t->bias ? t->bias[o] : 0.0f, t->c->epi,
                         t->c->n_epi);
}

static void
bias_act (float *out, const float *bias, int64_t m, int64_t hw, const TrawlNnOpCtx *c)
{
  BiasTask t = { out, bias, hw, c };

  _trawl_nn_parallel (c->pool, m, MAX (1, 16384 / MAX (hw, 1)), bias_task, &t);
}

/* ---- depthwise ---- */

/* One channel plane: out = bias + sum_k w_k * shifted(in). The inner loop
 * runs over the output columns whose taps fall inside the row, so it has
 * no bounds checks and vectorises (contiguous when stride is 1). */
TRAWL_NN_HOT static void
dw_plane (const float *in, const float *w, float b, float *out, const ConvGeom *g)
{
  for (int64_t oy = 0; oy < g->oh; oy++)
    {
      float *orow = out + oy * g->ow;

#pragma omp simd
      for (int64_t ox = 0; ox < g->ow; ox++)
        orow[ox] = b;
      for (int64_t ky = 0; ky < g->kh; ky++)
        {
          int64_t iy = oy * g->sh - g->pt + ky * g->dh;
          const float *irow;

          if (iy < 0 || iy >= g->h)
            continue;
          irow = in + iy * g->w;
          for (int64_t kx = 0; kx < g->kw; kx++)
            {
              float wv = w[ky * g->kw + kx];
              int64_t off = kx * g->dw - g->pl;
              /* ox*sw + off in [0, w) */
              int64_t lo = off >= 0 ? 0 : (-off + g->sw - 1) / g->sw;
              int64_t hi = g->w - 1 - off < 0 ? -1 : (g->w - 1 - off) / g->sw;

              hi = MIN (hi, g->ow - 1);
              if (g->sw == 1)
                {
                  const float *src = irow + off;
#pragma omp simd
                  for (int64_t ox = lo; ox <= hi; ox++)
                    orow[ox] += wv * src[ox];
                }
              else if (g->sw == 2)
                {
                  const float *src = irow + off;
#pragma omp simd
                  for (int64_t ox = lo; ox <= hi; ox++)
                    orow[ox] += wv * src[2 * ox];
                }
              else
                for (int64_t ox = lo; ox <= hi; ox++)
                  orow[ox] += wv * irow[ox * g->sw + off];
            }
        }
    }
}

typedef struct {
  const TrawlNnOpCtx *c;
  const ConvGeom     *g;
} ConvTask;

/* Square kernels K (3, 5, 7) at stride S (1, 2), dilation 1, over a
 * zero-padded copy of the plane: no bounds checks. Outputs go in blocks of
 * DW_BLOCK held in registers across all K*K taps and stored once. The
 * padded plane is wide enough for whole blocks (dw_pad_dims). */
#define DW_BLOCK 16
#define DW_KERNEL(K, S)                                                          \
  TRAWL_NN_HOT static void                                                       \
  dw_k##K##s##S (const float *pad, int64_t pw, const float *w, float b, float *out, \
                 int64_t oh, int64_t ow)                                         \
  {                                                                              \
    for (int64_t oy = 0; oy < oh; oy++)                                          \
      {                                                                          \
        const float *r = pad + oy * S * pw;                                      \
        float *o = out + oy * ow;                                                \
                                                                                 \
        for (int64_t x0 = 0; x0 < ow; x0 += DW_BLOCK)                            \
          {                                                                      \
            float acc[DW_BLOCK];                                                 \
            int64_t n = MIN (DW_BLOCK, ow - x0);                                 \
                                                                                 \
            for (int j = 0; j < DW_BLOCK; j++)                                   \
              acc[j] = b;                                                        \
            for (int ky = 0; ky < K; ky++)                                       \
              for (int kx = 0; kx < K; kx++)                                     \
                {                                                                \
                  const float *src = r + ky * pw + x0 * S + kx;                  \
                  float wv = w[ky * K + kx];                                     \
                  _Pragma ("omp simd")                                           \
                  for (int j = 0; j < DW_BLOCK; j++)                             \
                    acc[j] += wv * src[j * S];                                   \
                }                                                                \
            if (n == DW_BLOCK)   /* whole block: one vector store */            \
              {                                                                  \
                _Pragma ("omp simd")                                             \
                for (int j = 0; j < DW_BLOCK; j++)                               \
                  o[x0 + j] = acc[j];                                            \
              }                                                                  \
            else                                                                 \
              for (int64_t j = 0; j < n; j++)                                    \
                o[x0 + j] = acc[j];                                              \
          }                                                                      \
      }                                                                          \
  }
/* Stride 2 reads a plane whose rows are stored de-interleaved, even
 * columns then odd ones (dw_pad), so every tap is a contiguous load. */
#define DW_KERNEL_S2(K)                                                          \
  TRAWL_NN_HOT static void                                                       \
  dw_k##K##s2 (const float *pad, int64_t pw, const float *w, float b, float *out, \
               int64_t oh, int64_t ow)                                           \
  {                                                                              \
    int64_t half = pw / 2;                                                       \
                                                                                 \
    for (int64_t oy = 0; oy < oh; oy++)                                          \
      {                                                                          \
        float *o = out + oy * ow;                                                \
                                                                                 \
        for (int64_t x0 = 0; x0 < ow; x0 += DW_BLOCK)                            \
          {                                                                      \
            float acc[DW_BLOCK];                                                 \
            int64_t n = MIN (DW_BLOCK, ow - x0);                                 \
                                                                                 \
            for (int j = 0; j < DW_BLOCK; j++)                                   \
              acc[j] = b;                                                        \
            for (int ky = 0; ky < K; ky++)                                       \
              for (int kx = 0; kx < K; kx++)                                     \
                {                                                                \
                  const float *src = pad + (oy * 2 + ky) * pw + (kx & 1) * half  \
                                     + x0 + kx / 2;                              \
                  float wv = w[ky * K + kx];                                     \
                  _Pragma ("omp simd")                                           \
                  for (int j = 0; j < DW_BLOCK; j++)                             \
                    acc[j] += wv * src[j];                                       \
                }                                                                \
            if (n == DW_BLOCK)                                                   \
              {                                                                  \
                _Pragma ("omp simd")                                             \
                for (int j = 0; j < DW_BLOCK; j++)                               \
                  o[x0 + j] = acc[j];                                            \
              }                                                                  \
            else                                                                 \
              for (int64_t j = 0; j < n; j++)                                    \
                o[x0 + j] = acc[j];                                              \
          }                                                                      \
      }                                                                          \
  }
DW_KERNEL (3, 1)
DW_KERNEL_S2 (3)
DW_KERNEL (5, 1)
DW_KERNEL_S2 (5)
DW_KERNEL (7, 1)
DW_KERNEL_S2 (7)

static DwKernel
dw_kernel (const ConvGeom *g)
{
  if (g->kh != g->kw || g->sh != g->sw || g->dh != 1 || g->dw != 1 || g->sh > 2)
    return NULL;
  switch (g->kh * 10 + g->sh)
    {
    case 31: return dw_k3s1;
    case 32: return dw_k3s2;
    case 51: return dw_k5s1;
    case 52: return dw_k5s2;
    case 71: return dw_k7s1;
    case 72: return dw_k7s2;
    default: return NULL;
    }
}

/* The padded plane the kernels read: rows the output touches, columns for
 * whole DW_BLOCKs (the extra ones are zeros whose results are dropped).
 * *pw is the row stride; at stride 2 a row is two halves of pw / 2. */
static void
dw_pad_dims (const ConvGeom *g, int64_t *ph, int64_t *pw)
{
  int64_t ow = (g->ow + DW_BLOCK - 1) / DW_BLOCK * DW_BLOCK;

  *ph = (g->oh - 1) * g->sh + g->kh;
  *pw = g->sw == 2 ? 2 * (ow + g->kw / 2) : (ow - 1) * g->sw + g->kw;
}

TRAWL_NN_HOT static void
dw_pad (const float *in, const ConvGeom *g, float *pad, int64_t ph, int64_t pw)
{
  int64_t n = MAX (0, MIN (g->w, pw - g->pl));

  for (int64_t y = 0; y < ph; y++)
    {
      int64_t iy = y - g->pt;
      float *d = pad + y * pw;

      if (iy < 0 || iy >= g->h)
        {
          memset (d, 0, sizeof (float) * pw);
          continue;
        }
      if (g->sw == 2)
        {
          /* padded column px = 2 i + par goes to half par, index i */
          int64_t half = pw / 2;
          const float *src = in + iy * g->w;

          memset (d, 0, sizeof (float) * pw);
          for (int par = 0; par < 2; par++)
            {
              float *dh = d + par * half;
              int64_t off = par - g->pl;   /* input column of i = 0 */
              int64_t lo = off >= 0 ? 0 : (-off + 1) / 2;
              int64_t hi = g->w - 1 - off < 0 ? -1 : MIN (half - 1, (g->w - 1 - off) / 2);

#pragma omp simd
              for (int64_t i = lo; i <= hi; i++)
                dh[i] = src[2 * i + off];
            }
          continue;
        }
      memset (d, 0, sizeof (float) * MIN (g->pl, pw));
      memcpy (d + g->pl, in + iy * g->w, sizeof (float) * n);
      if (g->pl + n < pw)
        memset (d + g->pl + n, 0, sizeof (float) * (pw - g->pl - n));
    }
}

static void
dw_task (void *arg, int64_t b, int64_t e, int tid)
{
  const TrawlNnOpCtx *c = ((ConvTask *) arg)->c;
  const ConvGeom *g = ((ConvTask *) arg)->g;
  const float *x = c->in[0]->data, *w = c->in[1]->data;
  const float *bias = c->n_in > 2 && c->in[2] ? c->in[2]->data : NULL;
  float *y = c->out[0]->data;
  int64_t ihw = g->h * g->w, ohw = g->oh * g->ow, ph, pw;
  DwKernel k = dw_kernel (g);
  float *pad;

  dw_pad_dims (g, &ph, &pw);
  pad = (float *) c->scratch + tid * ph * pw;
  for (int64_t p = b; p < e; p++)
    {
      int64_t ch = p % g->c;
      float bv = bias ? bias[ch] : 0.0f;

      if (k)
        {
          dw_pad (x + p * ihw, g, pad, ph, pw);
          k (pad, pw, w + ch * g->kh * g->kw, bv, y + p * ohw, g->oh, g->ow);
        }
      else
        dw_plane (x + p * ihw, w + ch * g->kh * g->kw, bv, y + p * ohw, g);
      _trawl_nn_apply_epi (y + p * ohw, ohw, 0.0f, c->epi, c->n_epi);
    }
}

static void
conv_depthwise (const TrawlNnOpCtx *c, const ConvGeom *g)
{
  ConvTask t = { c, g };
  int64_t ohw = g->oh * g->ow;

  /* about 8k output floats per chunk: below that a hand-off costs more */
  _trawl_nn_parallel (c->pool, g->n * g->c, MAX (1, 8192 / MAX (ohw, 1)), dw_task, &t);
}

/* ---- im2col + gemm, in column tiles ----
 *
 * The output pixels are cut into tiles of a few hundred columns; per tile
 * a thread builds that tile's im2col block (K x tile, sized to stay in
 * L2), runs one single-threaded sgemm into the output columns, and applies
 * bias + epilogue while the tile is still in cache. A whole-image im2col
 * for a 3x3 conv at 160x160 was 88 MB of memory traffic before sgemm even
 * started packing it. 1x1 stride-1 convs skip im2col: the input is B. */

static int64_t
conv_tile (const ConvGeom *g, int nt)
{
  int64_t k = (g->c / g->group) * g->kh * g->kw, ohw = g->oh * g->ow;
  int64_t t = (1024 * 1024 / 4) / MAX (k, 1);   /* ~1 MB of im2col per tile */
  /* but at least two tiles per thread when the image allows it */
  int64_t share = (ohw + 2 * nt - 1) / (2 * nt);

  t = MIN (t, (share + 15) & ~(int64_t) 15);
  return CLAMP (t & ~(int64_t) 15, 64, 4096);
}

static gsize
conv_ws (const ConvGeom *g, int nt)
{
  if (is_pointwise (g))
    return 0;
  return sizeof (float) * (g->c / g->group) * g->kh * g->kw * conv_tile (g, nt) * MAX (nt, 1);
}

/* col[r][j] for output pixels p0 .. p0+len-1 (row-major over oh x ow). */
static void
im2col_tile (const float *x, int64_t cin, const ConvGeom *g, int64_t p0, int64_t len, float *col)
{
  int64_t rows = cin * g->kh * g->kw;

  for (int64_t r = 0; r < rows; r++)
    {
      int64_t ci = r / (g->kh * g->kw), ky = r / g->kw % g->kh, kx = r % g->kw;
      const float *plane = x + ci * g->h * g->w;
      float *dst = col + r * len;
      int64_t off = kx * g->dw - g->pl;
      int64_t lo = off >= 0 ? 0 : (-off + g->sw - 1) / g->sw;
      int64_t hi = g->w - 1 - off < 0 ? -1 : (g->w - 1 - off) / g->sw;
      int64_t p = p0, end = p0 + len;

      hi = MIN (hi, g->ow - 1);
      while (p < end)
        {
          int64_t oy = p / g->ow, ox0 = p % g->ow, ox1 = MIN (g->ow, ox0 + (end - p));
          int64_t iy = oy * g->sh - g->pt + ky * g->dh;
          float *d = dst + (p - p0) - ox0;   /* d[ox] for this row */

          if (iy < 0 || iy >= g->h || lo > hi)
            memset (d + ox0, 0, sizeof (float) * (ox1 - ox0));
          else
            {
              const float *src = plane + iy * g->w + off;
              int64_t a = MAX (ox0, lo), b = MIN (ox1 - 1, hi);

              for (int64_t ox = ox0; ox < MIN (a, ox1); ox++)
                d[ox] = 0.0f;
              if (a <= b)
                {
                  if (g->sw == 1)
                    memcpy (d + a, src + a, sizeof (float) * (b - a + 1));
                  else
                    for (int64_t ox = a; ox <= b; ox++)
                      d[ox] = src[ox * g->sw];
                }
              for (int64_t ox = MAX (b + 1, ox0); ox < ox1; ox++)
                d[ox] = 0.0f;
            }
          p += ox1 - ox0;
        }
    }
}

static void
gemm_task (void *arg, int64_t b, int64_t e, int tid)
{
  const TrawlNnOpCtx *c = ((ConvTask *) arg)->c;
  const ConvGeom *g = ((ConvTask *) arg)->g;
  const float *x = c->in[0]->data, *w = c->in[1]->data;
  const float *bias = c->n_in > 2 && c->in[2] ? c->in[2]->data : NULL;
  float *y = c->out[0]->data;
  int64_t cg = g->c / g->group, mg = g->m / g->group;
  int64_t k = cg * g->kh * g->kw, ohw = g->oh * g->ow;
  int64_t tile = conv_tile (g, c->n_threads), ntiles = (ohw + tile - 1) / tile;

  for (int64_t job = b; job < e; job++)
    {
      int64_t t = job % ntiles, gi = job / ntiles % g->group, n = job / ntiles / g->group;
      int64_t p0 = t * tile, len = MIN (tile, ohw - p0);
      const float *xg = x + (n * g->c + gi * cg) * g->h * g->w;
      float *yg = y + (n * g->m + gi * mg) * ohw + p0;
      const float *bm;
      int64_t ldb = ohw;

      if (is_pointwise (g))
        bm = xg + p0;
      else
        {
          float *col = (float *) c->scratch + tid * k * tile;

          im2col_tile (xg, cg, g, p0, len, col);
          bm = col;
          ldb = len;
        }
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, mg, len, k, 1.0f,
                   w + gi * mg * k, k, bm, ldb, 0.0f, yg, ohw);
      if (bias || c->n_epi)
        for (int64_t o = 0; o < mg; o++)
          _trawl_nn_apply_epi (yg + o * ohw, len, bias ? bias[gi * mg + o] : 0.0f, c->epi,
                               c->n_epi);
    }
}

typedef struct {
  const TrawlNnOpCtx *c;
  const ConvGeom     *g;
  int64_t             rows;   /* output channels per job */
  int64_t             parts;  /* jobs per (image, group) */
} RowTask;

/* Pointwise convs on small images split output channels instead of
 * pixels: each thread then packs only its share of the weights. */
static void
rows_task (void *arg, int64_t b, int64_t e, int tid)
{
  const RowTask *t = arg;
  const TrawlNnOpCtx *c = t->c;
  const ConvGeom *g = t->g;
  const float *x = c->in[0]->data, *w = c->in[1]->data;
  const float *bias = c->n_in > 2 && c->in[2] ? c->in[2]->data : NULL;
  float *y = c->out[0]->data;
  int64_t cg = g->c / g->group, mg = g->m / g->group, ohw = g->oh * g->ow;

  (void) tid;
  for (int64_t job = b; job < e; job++)
    {
      int64_t part = job % t->parts, gi = job / t->parts % g->group, n = job / t->parts / g->group;
      int64_t r0 = part * t->rows, r1 = MIN (mg, r0 + t->rows);
      float *yg = y + (n * g->m + gi * mg + r0) * ohw;

      if (r0 >= r1)
        continue;
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, r1 - r0, ohw, cg, 1.0f,
                   w + (gi * mg + r0) * cg, cg, x + (n * g->c + gi * cg) * ohw, ohw, 0.0f, yg, ohw);
      if (bias || c->n_epi)
        for (int64_t o = r0; o < r1; o++)
          _trawl_nn_apply_epi (yg + (o - r0) * ohw, ohw, bias ? bias[gi * mg + o] : 0.0f,
                               c->epi, c->n_epi);
    }
}

static void
conv_gemm (const TrawlNnOpCtx *c, const ConvGeom *g)
{
  ConvTask t = { c, g };
  int64_t mg = g->m / g->group, k = (g->c / g->group) * g->kh * g->kw, ohw = g->oh * g->ow;
  int64_t tile = conv_tile (g, c->n_threads), jobs = g->n * g->group * ((ohw + tile - 1) / tile);
  TrawlNnPool *pool = mg * k * ohw < 65536 ? NULL : c->pool;
  int nt = _trawl_nn_pool_threads (pool);

  if (is_pointwise (g) && ohw <= 2048 && mg >= 32 * nt && nt > 1)
    {
      RowTask rt = { c, g, 0, nt };

      rt.rows = ((mg + nt - 1) / nt + 15) & ~(int64_t) 15;
      rt.parts = (mg + rt.rows - 1) / rt.rows;
      _trawl_nn_parallel (pool, g->n * g->group * rt.parts, 1, rows_task, &rt);
      return;
    }
  /* scratch holds one im2col tile per thread (conv_ws) */
  _trawl_nn_parallel (pool, jobs, 1, gemm_task, &t);
}

static gboolean
conv_run (TrawlNnOpCtx *c, GError **error)
{
  ConvGeom g;

  if (!conv_geom (c, FALSE, &g, error))
    return FALSE;
  if (is_depthwise (&g))
    conv_depthwise (c, &g);
  else
    conv_gemm (c, &g);
  return TRUE;
}

/* ---- ConvTranspose ---- */

static gboolean
convt_infer (TrawlNnOpCtx *c, GError **error)
{
  ConvGeom g;

  if (!conv_geom (c, TRUE, &g, error))
    return FALSE;
  set_out (c, &g);
  c->ws_bytes = sizeof (float) * (g.m / g.group) * g.kh * g.kw * g.h * g.w;
  return TRUE;
}

typedef struct {
  const ConvGeom *g;
  const float    *col;
  float          *y;
} Col2imTask;

/* Output channels [b, e): zero the plane, then scatter-add
 * col[(co*kh + ky)*kw + kx][iy*w + ix] into y[co][oy][ox]; the valid ix
 * range per tap is computed once so the inner loop has no branch. */
static void
col2im_task (void *arg, int64_t b, int64_t e, int tid)
{
  const Col2imTask *t = arg;
  const ConvGeom *g = t->g;
  int64_t ihw = g->h * g->w;

  (void) tid;
  for (int64_t co = b; co < e; co++)
    {
      float *plane = t->y + co * g->oh * g->ow;

      memset (plane, 0, sizeof (float) * g->oh * g->ow);
      for (int64_t ky = 0; ky < g->kh; ky++)
        for (int64_t kx = 0; kx < g->kw; kx++)
          {
            const float *src = t->col + ((co * g->kh + ky) * g->kw + kx) * ihw;
            int64_t off = kx * g->dw - g->pl;
            /* ix * sw + off in [0, ow) */
            int64_t lo = off >= 0 ? 0 : (-off + g->sw - 1) / g->sw;
            int64_t hi = MIN (g->w - 1, g->ow - 1 - off < 0 ? -1 : (g->ow - 1 - off) / g->sw);

            for (int64_t iy = 0; iy < g->h; iy++)
              {
                int64_t oy = iy * g->sh - g->pt + ky * g->dh;
                float *drow;
                const float *srow = src + iy * g->w;

                if (oy < 0 || oy >= g->oh)
                  continue;
                drow = plane + oy * g->ow + off;
                for (int64_t ix = lo; ix <= hi; ix++)
                  drow[ix * g->sw] += srow[ix];
              }
          }
    }
}

static gboolean
convt_run (TrawlNnOpCtx *c, GError **error)
{
  ConvGeom g;
  const float *x, *w, *bias;
  float *y;
  int64_t cg, mg, kk, ihw, ohw;

  if (!conv_geom (c, TRUE, &g, error))
    return FALSE;
  x = c->in[0]->data;
  w = c->in[1]->data;
  bias = c->n_in > 2 && c->in[2] ? c->in[2]->data : NULL;
  y = c->out[0]->data;
  cg = g.c / g.group;
  mg = g.m / g.group;
  kk = mg * g.kh * g.kw;
  ihw = g.h * g.w;
  ohw = g.oh * g.ow;
  for (int64_t n = 0; n < g.n; n++)
    {
      for (int64_t gi = 0; gi < g.group; gi++)
        {
          Col2imTask t = { &g, c->scratch, y + (n * g.m + gi * mg) * ohw };

          /* col[kk, ihw] = W_g^T [kk, cg] * X_g [cg, ihw] */
          _trawl_nn_sgemm (TRUE, FALSE, kk, ihw, cg, 1.0f, w + gi * cg * kk, kk,
                           x + (n * g.c + gi * cg) * ihw, ihw, 0.0f, c->scratch, ihw,
                           c->pool);
          _trawl_nn_parallel (c->pool, mg, MAX (1, 16384 / MAX (ohw, 1)), col2im_task, &t);
        }
      if (bias || c->n_epi)
        bias_act (y + n * g.m * ohw, bias, g.m, ohw, c);
    }
  return TRUE;
}

const TrawlNnOpDef _trawl_nn_ops_conv[] = {
  { "Conv", 2, 3, 1, 1, TRAWL_NN_OP_FUSE_ACT, conv_infer, NULL, NULL, conv_run },
  { "ConvTranspose", 2, 3, 1, 1, TRAWL_NN_OP_FUSE_ACT, convt_infer, NULL, NULL, convt_run },
  { NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};
