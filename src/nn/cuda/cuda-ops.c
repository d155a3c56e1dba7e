/* cuda-ops.c - the CUDA backend's op table: cuDNN convolutions, cuBLAS
 * matrix products, and nn-kernels.cu for elementwise, shape and reduction
 * ops. Each prepare() accepts only the cases it implements exactly as the
 * CPU op does (src/nn/cpu); everything else returns 0 and runs on the CPU.
 * All tensors here are float32; int64 ones go to the CPU. Pad, Slice and
 * nearest Resize by whole factors are strided copies (a factor is a
 * source stride of 0), Sqrt is Pow by 0.5; their index arithmetic repeats
 * ops-shape.c and ops-misc.c, whose rules are the reference. MatMul and
 * Gemm use the plan's precision (cuBLAS compute type). */
#include "nn/cuda/cuda-private.h"

#include <math.h>
#include <string.h>

static gboolean
all_f32 (const CudaCtx *c)
{
  for (int i = 0; i < c->n.n_in; i++)
    if (c->tin[i] && c->tin[i]->dtype != TRAWL_NN_F32)
      return FALSE;
  for (int i = 0; i < c->n.n_out; i++)
    if (c->tout[i]->dtype != TRAWL_NN_F32)
      return FALSE;
  return TRUE;
}

static int64_t
numel (const TrawlNnTensor *t)
{
  return trawl_nn_tensor_numel (t);
}

/* Row-major strides of t, right-aligned into ndim dims; 0 for size-1 dims
 * (numpy broadcasting). */
static void
bcast_strides (const TrawlNnTensor *t, int ndim, int64_t *s)
{
  int64_t acc = 1;

  for (int d = ndim - 1, k = t->ndim - 1; d >= 0; d--, k--)
    {
      int64_t n = k >= 0 ? t->dims[k] : 1;

      s[d] = n == 1 ? 0 : acc;
      acc *= n;
    }
}

static void
plain_strides (int ndim, const int64_t *dims, int64_t *s)
{
  int64_t acc = 1;

  for (int d = ndim - 1; d >= 0; d--)
    {
      s[d] = acc;
      acc *= dims[d];
    }
}

static gboolean
kcheck (GError **error, const CudaCtx *c, int err)
{
  return _trawl_nn_cuda_check (error, c, err, "kernel launch");
}

/* ---- views: Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout ---- */

static int
view_prepare (CudaCtx *c, GError **error)
{
  (void) error;
  return c->n.n_out == 1 && c->tin[0] != NULL;
}

static gboolean
view_run (CudaCtx *c, GError **error)
{
  if (c->out[0] == c->in[0])
    return TRUE;   /* the planner aliased them: nothing to move */
  return _trawl_nn_cuda_check (error, c,
                               cudaMemcpyAsync (c->out[0], c->in[0],
                                                numel (c->tout[0]) * _trawl_nn_dtype_size (c->tout[0]->dtype),
                                                cudaMemcpyDeviceToDevice, c->stream),
                               "copy");
}

/* ---- unary activations, as one-step epilogues ---- */

typedef struct { TrawlCudaEpi epi; } ActState;

static int
act_prepare (CudaCtx *c, GError **error)
{
  const char *op = c->n.op_type;
  const TrawlNnAttrs *a = c->n.attrs;
  ActState *s;
  int act;
  float alpha = 0, beta = 0;

  (void) error;
  if (!all_f32 (c))
    return 0;
  if (strcmp (op, "Relu") == 0)
    act = TRAWL_CUDA_ACT_RELU;
  else if (strcmp (op, "Sigmoid") == 0)
    act = TRAWL_CUDA_ACT_SIGMOID;
  else if (strcmp (op, "LeakyRelu") == 0)
    act = TRAWL_CUDA_ACT_LEAKY_RELU, alpha = trawl_nn_attrs_get_float (a, "alpha", 0.01f);
  else if (strcmp (op, "HardSigmoid") == 0)
    {
      act = TRAWL_CUDA_ACT_HARD_SIGMOID;
      alpha = trawl_nn_attrs_get_float (a, "alpha", 0.2f);
      beta = trawl_nn_attrs_get_float (a, "beta", 0.5f);
    }
  else if (strcmp (op, "HardSwish") == 0)
    act = TRAWL_CUDA_ACT_HARD_SWISH, alpha = 1.0f / 6.0f, beta = 0.5f;
  else if (strcmp (op, "Clip") == 0)
    {
      act = TRAWL_CUDA_ACT_CLIP;
      alpha = trawl_nn_attrs_get_float (a, "min", -G_MAXFLOAT);
      beta = trawl_nn_attrs_get_float (a, "max", G_MAXFLOAT);
      /* min/max inputs must be constants the planner folded */
      for (int i = 1; i < c->n.n_in; i++)
        {
          if (c->tin[i] == NULL)
            continue;
          if (!c->cin[i] || c->tin[i]->dtype != TRAWL_NN_F32 || numel (c->tin[i]) != 1)
            return 0;
          if (i == 1)
            alpha = ((const float *) c->tin[i]->data)[0];
          else
            beta = ((const float *) c->tin[i]->data)[0];
        }
    }
  else
    return 0;
  s = g_new0 (ActState, 1);
  s->epi.n = 1;
  s->epi.act[0] = act;
  s->epi.alpha[0] = alpha;
  s->epi.beta[0] = beta;
  c->state = s;
  return 1;
}

static gboolean
act_run (CudaCtx *c, GError **error)
{
  ActState *s = c->state;

  return kcheck (error, c, trawl_cuda_epilogue (c->in[0], c->out[0], 1, 1, numel (c->tout[0]),
                                                NULL, &s->epi, c->stream));
}

/* ---- binary elementwise with broadcasting ---- */

typedef struct { int op; TrawlCudaBcast g; } BinState;

static int
bin_prepare (CudaCtx *c, GError **error)
{
  static const struct { const char *name; int op; } ops[] = {
    { "Add", TRAWL_CUDA_BIN_ADD }, { "Sub", TRAWL_CUDA_BIN_SUB }, { "Mul", TRAWL_CUDA_BIN_MUL },
    { "Div", TRAWL_CUDA_BIN_DIV }, { "Max", TRAWL_CUDA_BIN_MAX }, { "Min", TRAWL_CUDA_BIN_MIN },
    { "Pow", TRAWL_CUDA_BIN_POW },
  };
  const TrawlNnTensor *y = c->tout[0];
  BinState *s;
  int op = -1;

  (void) error;
  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    if (strcmp (ops[i].name, c->n.op_type) == 0)
      op = ops[i].op;
  if (op < 0 || c->n.n_in != 2 || !c->tin[0] || !c->tin[1] || !all_f32 (c)
      || c->tin[0]->ndim > y->ndim || c->tin[1]->ndim > y->ndim)
    return 0;
  s = g_new0 (BinState, 1);
  s->op = op;
  s->g.ndim = MAX (y->ndim, 1);
  for (int d = 0; d < s->g.ndim; d++)
    s->g.dims[d] = y->ndim ? y->dims[d] : 1;
  bcast_strides (c->tin[0], s->g.ndim, s->g.sa);
  bcast_strides (c->tin[1], s->g.ndim, s->g.sb);
  c->state = s;
  return 1;
}

static gboolean
bin_run (CudaCtx *c, GError **error)
{
  BinState *s = c->state;

  return kcheck (error, c, trawl_cuda_binary (s->op, c->in[0], c->in[1], c->out[0], &s->g,
                                              c->stream));
}

/* ---- Transpose and Concat: strided copies ---- */

typedef struct { int n; TrawlCudaCopy g[]; } CopyState;

static int
transpose_prepare (CudaCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->tin[0];
  const int64_t *perm;
  int np = trawl_nn_attrs_get_ints (c->n.attrs, "perm", &perm);
  int64_t xs[TRAWL_NN_MAX_DIMS], ys[TRAWL_NN_MAX_DIMS];
  CopyState *s;

  (void) error;
  if (!all_f32 (c) || x->ndim < 1 || (np && np != x->ndim))
    return 0;
  s = g_malloc0 (sizeof *s + sizeof (TrawlCudaCopy));
  s->n = 1;
  plain_strides (x->ndim, x->dims, xs);
  plain_strides (x->ndim, c->tout[0]->dims, ys);
  s->g[0].ndim = x->ndim;
  for (int d = 0; d < x->ndim; d++)
    {
      int from = np ? (int) perm[d] : x->ndim - 1 - d;   /* default: reverse */

      s->g[0].dims[d] = c->tout[0]->dims[d];
      s->g[0].ss[d] = xs[from];
      s->g[0].ds[d] = ys[d];
    }
  c->state = s;
  return 1;
}

static int
concat_prepare (CudaCtx *c, GError **error)
{
  const TrawlNnTensor *y = c->tout[0];
  int axis = (int) trawl_nn_attrs_get_int (c->n.attrs, "axis", 0);
  int64_t ys[TRAWL_NN_MAX_DIMS], at = 0;
  CopyState *s;

  (void) error;
  if (!all_f32 (c) || y->ndim < 1)
    return 0;
  axis = axis < 0 ? axis + y->ndim : axis;
  if (axis < 0 || axis >= y->ndim)
    return 0;
  plain_strides (y->ndim, y->dims, ys);
  s = g_malloc0 (sizeof *s + sizeof (TrawlCudaCopy) * c->n.n_in);
  for (int i = 0; i < c->n.n_in; i++)
    {
      const TrawlNnTensor *x = c->tin[i];
      TrawlCudaCopy *g = &s->g[s->n];

      if (x == NULL || x->ndim != y->ndim)
        {
          g_free (s);
          return 0;
        }
      g->ndim = y->ndim;
      plain_strides (x->ndim, x->dims, g->ss);
      memcpy (g->dims, x->dims, sizeof g->dims);
      memcpy (g->ds, ys, sizeof g->ds);
      g->doff = at * ys[axis];
      at += x->dims[axis];
      s->n++;
    }
  c->state = s;
  return 1;
}

static gboolean
copy_run (CudaCtx *c, GError **error)
{
  CopyState *s = c->state;

  /* Concat has one copy per input; Transpose one */
  for (int i = 0, k = 0; i < s->n; i++, k++)
    {
      while (c->tin[k] == NULL)
        k++;
      if (!kcheck (error, c, trawl_cuda_strided_copy (c->in[k], c->out[0], &s->g[i], c->stream)))
        return FALSE;
    }
  return TRUE;
}

/* ---- Softmax, LogSoftmax, reductions, global pools ---- */

typedef struct { int64_t outer, n, inner; int mode; } RowState;

static void
split3 (const TrawlNnTensor *x, int a0, int a1, RowState *s)
{
  s->outer = s->n = s->inner = 1;
  for (int d = 0; d < x->ndim; d++)
    {
      if (d < a0)
        s->outer *= x->dims[d];
      else if (d < a1)
        s->n *= x->dims[d];
      else
        s->inner *= x->dims[d];
    }
}

static int
softmax_prepare (CudaCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->tin[0];
  int axis = (int) trawl_nn_attrs_get_int (c->n.attrs, "axis", -1);
  RowState *s;

  (void) error;
  axis = axis < 0 ? axis + x->ndim : axis;
  if (!all_f32 (c) || axis < 0 || axis >= x->ndim)
    return 0;
  s = g_new0 (RowState, 1);
  split3 (x, axis, axis + 1, s);
  s->mode = strcmp (c->n.op_type, "LogSoftmax") == 0;
  c->state = s;
  return 1;
}

static gboolean
softmax_run (CudaCtx *c, GError **error)
{
  RowState *s = c->state;

  return kcheck (error, c, trawl_cuda_softmax (c->in[0], c->out[0], s->outer, s->n, s->inner,
                                               s->mode, c->stream));
}

/* GlobalAveragePool/GlobalMaxPool, and ReduceMean/Sum/Max over one run of
 * adjacent axes (axes from the attribute or a folded input). */
static int
reduce_prepare (CudaCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->tin[0];
  const char *op = c->n.op_type;
  gboolean axes[TRAWL_NN_MAX_DIMS] = { 0 };
  int a0 = -1, a1 = -1, mode;
  RowState *s;

  (void) error;
  /* data and result only: the axes input (opset 18) is int64 */
  if (x->dtype != TRAWL_NN_F32 || c->tout[0]->dtype != TRAWL_NN_F32 || x->ndim < 1)
    return 0;
  if (g_str_has_prefix (op, "Global"))
    {
      if (x->ndim < 3)
        return 0;
      for (int d = 2; d < x->ndim; d++)
        axes[d] = TRUE;
      mode = strcmp (op, "GlobalMaxPool") == 0 ? TRAWL_CUDA_RED_MAX : TRAWL_CUDA_RED_MEAN;
    }
  else
    {
      const int64_t *av = NULL;
      int na = trawl_nn_attrs_get_ints (c->n.attrs, "axes", &av);

      mode = strcmp (op, "ReduceMean") == 0 ? TRAWL_CUDA_RED_MEAN
             : strcmp (op, "ReduceMax") == 0 ? TRAWL_CUDA_RED_MAX
             : strcmp (op, "ReduceSum") == 0 ? TRAWL_CUDA_RED_SUM : -1;
      if (mode < 0)
        return 0;
      if (c->n.n_in > 1 && c->tin[1])
        {
          if (!c->cin[1] || c->tin[1]->dtype != TRAWL_NN_I64)
            return 0;
          av = c->tin[1]->data;
          na = (int) numel (c->tin[1]);
        }
      if (na == 0)   /* no axes: all (noop_with_empty_axes aside) */
        {
          if (trawl_nn_attrs_get_int (c->n.attrs, "noop_with_empty_axes", 0))
            return 0;
          for (int d = 0; d < x->ndim; d++)
            axes[d] = TRUE;
        }
      for (int i = 0; i < na; i++)
        {
          int64_t d = av[i] < 0 ? av[i] + x->ndim : av[i];

          if (d < 0 || d >= x->ndim)
            return 0;
          axes[d] = TRUE;
        }
    }
  for (int d = 0; d < x->ndim; d++)
    if (axes[d])
      {
        if (a0 < 0)
          a0 = d;
        else if (a1 != d)
          return 0;   /* not adjacent */
        a1 = d + 1;
      }
  if (a0 < 0)
    return 0;
  s = g_new0 (RowState, 1);
  split3 (x, a0, a1, s);
  s->mode = mode;
  c->state = s;
  return 1;
}

static gboolean
reduce_run (CudaCtx *c, GError **error)
{
  RowState *s = c->state;

  return kcheck (error, c, trawl_cuda_reduce (c->in[0], c->out[0], s->outer, s->n, s->inner,
                                              s->mode, c->stream));
}

/* ---- MaxPool, AveragePool (2-D) ---- */

static int
pool_prepare (CudaCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->tin[0], *y = c->tout[0];
  const char *ap = trawl_nn_attrs_get_string (c->n.attrs, "auto_pad", "NOTSET");
  const int64_t *v;
  TrawlCudaPool *g;

  (void) error;
  if (!all_f32 (c) || x->ndim != 4 || c->n.n_out != 1)
    return 0;
  g = g_new0 (TrawlCudaPool, 1);
  g->planes = x->dims[0] * x->dims[1];
  g->h = x->dims[2];
  g->w = x->dims[3];
  g->oh = y->dims[2];
  g->ow = y->dims[3];
  g->kh = g->kw = g->sh = g->sw = g->dh = g->dw = 1;
  if (trawl_nn_attrs_get_ints (c->n.attrs, "kernel_shape", &v) == 2)
    g->kh = v[0], g->kw = v[1];
  if (trawl_nn_attrs_get_ints (c->n.attrs, "strides", &v) == 2)
    g->sh = v[0], g->sw = v[1];
  if (trawl_nn_attrs_get_ints (c->n.attrs, "dilations", &v) == 2)
    g->dh = v[0], g->dw = v[1];
  if (trawl_nn_attrs_get_ints (c->n.attrs, "pads", &v) == 4)
    g->pt = v[0], g->pl = v[1], g->pb = v[2], g->pr = v[3];
  if (strcmp (ap, "VALID") == 0)
    g->pt = g->pl = g->pb = g->pr = 0;
  else if (strcmp (ap, "SAME_UPPER") == 0 || strcmp (ap, "SAME_LOWER") == 0)
    {
      /* as ops-pool.c: total padding from the output size */
      gboolean lower = strcmp (ap, "SAME_LOWER") == 0;
      int64_t th = MAX ((g->oh - 1) * g->sh + (g->kh - 1) * g->dh + 1 - g->h, 0);
      int64_t tw = MAX ((g->ow - 1) * g->sw + (g->kw - 1) * g->dw + 1 - g->w, 0);

      g->pt = lower ? th - th / 2 : th / 2;
      g->pb = th - g->pt;
      g->pl = lower ? tw - tw / 2 : tw / 2;
      g->pr = tw - g->pl;
    }
  g->include_pad = trawl_nn_attrs_get_int (c->n.attrs, "count_include_pad", 0) != 0;
  g->is_max = strcmp (c->n.op_type, "MaxPool") == 0;
  c->state = g;
  return 1;
}

static gboolean
pool_run (CudaCtx *c, GError **error)
{
  return kcheck (error, c, trawl_cuda_pool2d (c->in[0], c->out[0], c->state, c->stream));
}

/* ---- MatMul and Gemm: cuBLAS, row-major as transposed column-major ---- */

typedef struct {
  int64_t m, n, k, batch, sa, sb;
  gboolean ta, tb;
  float alpha, beta;
  gboolean has_c;
  TrawlCudaCopy cg;   /* broadcast of Gemm's C into Y */
} MmState;

static int
matmul_prepare (CudaCtx *c, GError **error)
{
  const TrawlNnTensor *a = c->tin[0], *b = c->tin[1], *y = c->tout[0];
  int64_t ba = 1, bb = 1;
  MmState *s;

  (void) error;
  if (!all_f32 (c) || a->ndim < 2 || b->ndim < 2)
    return 0;
  for (int d = 0; d < a->ndim - 2; d++)
    ba *= a->dims[d];
  for (int d = 0; d < b->ndim - 2; d++)
    bb *= b->dims[d];
  /* batches: equal, or one side unbatched (numpy broadcasting's common cases) */
  if (!(ba == bb || ba == 1 || bb == 1))
    return 0;
  if (ba == bb && a->ndim != b->ndim)
    return 0;
  s = g_new0 (MmState, 1);
  s->m = a->dims[a->ndim - 2];
  s->k = a->dims[a->ndim - 1];
  s->n = b->dims[b->ndim - 1];
  s->batch = MAX (ba, bb);
  s->sa = ba == 1 ? 0 : s->m * s->k;
  s->sb = bb == 1 ? 0 : s->k * s->n;
  s->alpha = 1.0f;
  if (b->dims[b->ndim - 2] != s->k || numel (y) != s->batch * s->m * s->n
      || s->m > G_MAXINT || s->n > G_MAXINT || s->k > G_MAXINT || s->batch > G_MAXINT)
    {
      g_free (s);
      return 0;
    }
  c->state = s;
  return 1;
}

static gboolean
matmul_run (CudaCtx *c, GError **error)
{
  MmState *s = c->state;
  float zero = 0.0f;

  /* Y^T = B^T A^T in column-major terms */
  if (c->precision != TRAWL_NN_PRECISION_FP32)
    return _trawl_nn_cublas_check (error, c,
      cublasGemmStridedBatchedEx (c->cublas, CUBLAS_OP_N, CUBLAS_OP_N, (int) s->n, (int) s->m,
                                  (int) s->k, &s->alpha, c->in[1], CUDA_R_32F, (int) s->n, s->sb,
                                  c->in[0], CUDA_R_32F, (int) s->k, s->sa, &zero, c->out[0],
                                  CUDA_R_32F, (int) s->n, s->m * s->n, (int) s->batch,
                                  _trawl_nn_cuda_gemm_compute (c->precision), CUBLAS_GEMM_DEFAULT),
      "gemm");
  return _trawl_nn_cublas_check (error, c,
    cublasSgemmStridedBatched (c->cublas, CUBLAS_OP_N, CUBLAS_OP_N, (int) s->n, (int) s->m,
                               (int) s->k, &s->alpha, c->in[1], (int) s->n, s->sb, c->in[0],
                               (int) s->k, s->sa, &zero, c->out[0], (int) s->n,
                               s->m * s->n, (int) s->batch),
    "sgemm");
}

static int
gemm_prepare (CudaCtx *c, GError **error)
{
  const TrawlNnTensor *a = c->tin[0], *b = c->tin[1], *cc = c->n.n_in > 2 ? c->tin[2] : NULL;
  const TrawlNnTensor *y = c->tout[0];
  MmState *s;

  (void) error;
  if (!all_f32 (c) || a->ndim != 2 || b->ndim != 2 || y->ndim != 2 || (cc && cc->ndim > 2))
    return 0;
  s = g_new0 (MmState, 1);
  s->ta = trawl_nn_attrs_get_int (c->n.attrs, "transA", 0) != 0;
  s->tb = trawl_nn_attrs_get_int (c->n.attrs, "transB", 0) != 0;
  s->alpha = trawl_nn_attrs_get_float (c->n.attrs, "alpha", 1.0f);
  s->beta = cc ? trawl_nn_attrs_get_float (c->n.attrs, "beta", 1.0f) : 0.0f;
  s->m = y->dims[0];
  s->n = y->dims[1];
  s->k = s->ta ? a->dims[0] : a->dims[1];
  s->batch = 1;
  if (s->m > G_MAXINT || s->n > G_MAXINT || s->k > G_MAXINT)
    {
      g_free (s);
      return 0;
    }
  if (cc)
    {
      s->has_c = TRUE;
      s->cg.ndim = 2;
      s->cg.dims[0] = s->m;
      s->cg.dims[1] = s->n;
      bcast_strides (cc, 2, s->cg.ss);
      s->cg.ds[0] = s->n;
      s->cg.ds[1] = 1;
    }
  c->state = s;
  return 1;
}

static gboolean
gemm_run (CudaCtx *c, GError **error)
{
  MmState *s = c->state;
  int lda = (int) (s->ta ? s->m : s->k), ldb = (int) (s->tb ? s->k : s->n);

  if (s->has_c && !kcheck (error, c, trawl_cuda_strided_copy (c->in[2], c->out[0], &s->cg, c->stream)))
    return FALSE;
  if (c->precision != TRAWL_NN_PRECISION_FP32)
    return _trawl_nn_cublas_check (error, c,
      cublasGemmEx (c->cublas, s->tb ? CUBLAS_OP_T : CUBLAS_OP_N, s->ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                    (int) s->n, (int) s->m, (int) s->k, &s->alpha, c->in[1], CUDA_R_32F, ldb,
                    c->in[0], CUDA_R_32F, lda, &s->beta, c->out[0], CUDA_R_32F, (int) s->n,
                    _trawl_nn_cuda_gemm_compute (c->precision), CUBLAS_GEMM_DEFAULT),
      "gemm");
  return _trawl_nn_cublas_check (error, c,
    cublasSgemm (c->cublas, s->tb ? CUBLAS_OP_T : CUBLAS_OP_N, s->ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                 (int) s->n, (int) s->m, (int) s->k, &s->alpha, c->in[1], ldb, c->in[0], lda,
                 &s->beta, c->out[0], (int) s->n),
    "sgemm");
}

/* ---- Pad (constant), Slice, nearest Resize: strided copies ---- */

static gboolean
io_f32 (const CudaCtx *c)
{
  return c->tin[0] != NULL && c->tin[0]->dtype == TRAWL_NN_F32 && c->tout[0]->dtype == TRAWL_NN_F32;
}

/* A plan-time constant integer input into v (I64, or F32 truncated, as
 * _trawl_nn_const_ints): its count, 0 when absent, -1 when not constant
 * or longer than max. */
static int
const_ints (const CudaCtx *c, int i, int64_t *v, int max)
{
  const TrawlNnTensor *t = i < c->n.n_in ? c->tin[i] : NULL;
  int64_t n;

  if (t == NULL)
    return 0;
  n = numel (t);
  if (!c->cin[i] || n > max || (t->dtype != TRAWL_NN_I64 && t->dtype != TRAWL_NN_F32))
    return -1;
  for (int64_t k = 0; k < n; k++)
    v[k] = t->dtype == TRAWL_NN_I64 ? ((const int64_t *) t->data)[k]
                                    : (int64_t) ((const float *) t->data)[k];
  return (int) n;
}

static int
norm_axis (int64_t a, int r)
{
  a = a < 0 ? a + r : a;
  return a >= 0 && a < r ? (int) a : -1;
}

typedef struct {
  TrawlCudaCopy g;
  float         value;   /* Pad */
  gboolean      fill;    /* Pad: the border is written first */
} ShapeCopyState;

static int
pad_prepare (CudaCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->tin[0], *y = c->tout[0];
  const char *mode = trawl_nn_attrs_get_string (c->n.attrs, "mode", "constant");
  int64_t pads[2 * TRAWL_NN_MAX_DIMS] = { 0 }, xs[TRAWL_NN_MAX_DIMS], ys[TRAWL_NN_MAX_DIMS];
  float value = 0.0f;
  ShapeCopyState *s;
  int r;

  (void) error;
  if (!io_f32 (c) || x->ndim < 1 || y->ndim != x->ndim || strcmp (mode, "constant") != 0)
    return 0;
  r = x->ndim;
  if (c->n.n_in > 1 && c->tin[1])
    {
      int64_t raw[2 * TRAWL_NN_MAX_DIMS], axes[TRAWL_NN_MAX_DIMS];
      int n = const_ints (c, 1, raw, 2 * TRAWL_NN_MAX_DIMS);
      int na = const_ints (c, 3, axes, TRAWL_NN_MAX_DIMS);

      if (n < 0 || na < 0)
        return 0;
      if (na == 0)
        {
          if (n != 2 * r)
            return 0;
          memcpy (pads, raw, sizeof (int64_t) * n);
        }
      else
        {
          if (2 * na != n)
            return 0;
          for (int i = 0; i < na; i++)
            {
              int ax = norm_axis (axes[i], r);

              if (ax < 0)
                return 0;
              pads[ax] = raw[i];
              pads[ax + r] = raw[i + na];
            }
        }
      if (c->n.n_in > 2 && c->tin[2])
        {
          const TrawlNnTensor *v = c->tin[2];

          if (!c->cin[2] || numel (v) < 1)
            return 0;
          value = v->dtype == TRAWL_NN_F32 ? *(const float *) v->data
                  : v->dtype == TRAWL_NN_I64 ? (float) *(const int64_t *) v->data : 0.0f;
          if (v->dtype != TRAWL_NN_F32 && v->dtype != TRAWL_NN_I64)
            return 0;
        }
    }
  else
    {
      const int64_t *a;

      if (trawl_nn_attrs_get_ints (c->n.attrs, "pads", &a) != 2 * r)
        return 0;
      memcpy (pads, a, sizeof (int64_t) * 2 * r);
      value = trawl_nn_attrs_get_float (c->n.attrs, "value", 0.0f);
    }
  for (int d = 0; d < r; d++)
    if (pads[d] < 0 || pads[d + r] < 0 || x->dims[d] + pads[d] + pads[d + r] != y->dims[d])
      return 0;
  plain_strides (r, x->dims, xs);
  plain_strides (r, y->dims, ys);
  s = g_new0 (ShapeCopyState, 1);
  s->g.ndim = r;
  for (int d = 0; d < r; d++)
    {
      s->g.dims[d] = x->dims[d];
      s->g.ss[d] = xs[d];
      s->g.ds[d] = ys[d];
      s->g.doff += pads[d] * ys[d];
    }
  s->value = value;
  s->fill = numel (y) > numel (x);
  c->state = s;
  return 1;
}

static int
slice_prepare (CudaCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->tin[0], *y = c->tout[0];
  int64_t starts[16], ends[16], axes[16], steps[16], xs[TRAWL_NN_MAX_DIMS], ys[TRAWL_NN_MAX_DIMS];
  int64_t start[TRAWL_NN_MAX_DIMS], step[TRAWL_NN_MAX_DIMS], od[TRAWL_NN_MAX_DIMS];
  int ns, ne, na, nst, r;
  ShapeCopyState *s;

  (void) error;
  if (!io_f32 (c) || x->ndim < 1 || y->ndim != x->ndim)
    return 0;
  r = x->ndim;
  if (c->n.n_in >= 3)
    {
      ns = const_ints (c, 1, starts, 16);
      ne = const_ints (c, 2, ends, 16);
      na = const_ints (c, 3, axes, 16);
      nst = const_ints (c, 4, steps, 16);
      if (ns < 0 || ne < 0 || na < 0 || nst < 0)
        return 0;
    }
  else
    {
      const int64_t *a;

      ns = trawl_nn_attrs_get_ints (c->n.attrs, "starts", &a);
      if (ns > 16)
        return 0;
      memcpy (starts, a, sizeof (int64_t) * ns);
      ne = trawl_nn_attrs_get_ints (c->n.attrs, "ends", &a);
      if (ne > 16)
        return 0;
      memcpy (ends, a, sizeof (int64_t) * ne);
      na = trawl_nn_attrs_get_ints (c->n.attrs, "axes", &a);
      if (na > 16)
        return 0;
      memcpy (axes, a, sizeof (int64_t) * na);
      nst = 0;
    }
  if (ns != ne || (na && na != ns) || (nst && nst != ns) || ns > r)
    return 0;
  for (int d = 0; d < r; d++)
    {
      start[d] = 0;
      step[d] = 1;
      od[d] = x->dims[d];
    }
  /* as slice_spec (ops-shape.c) */
  for (int i = 0; i < ns; i++)
    {
      int ax = norm_axis (na ? axes[i] : i, r);
      int64_t dim, st, en, stp = nst ? steps[i] : 1;

      if (ax < 0 || stp == 0)
        return 0;
      dim = x->dims[ax];
      st = starts[i] < 0 ? starts[i] + dim : starts[i];
      en = ends[i] < 0 ? ends[i] + dim : ends[i];
      if (stp > 0)
        {
          st = CLAMP (st, 0, dim);
          en = CLAMP (en, 0, dim);
          od[ax] = en > st ? (en - st + stp - 1) / stp : 0;
        }
      else
        {
          st = CLAMP (st, 0, dim - 1);
          en = CLAMP (en, -1, dim - 1);
          od[ax] = st > en ? (st - en - stp - 1) / (-stp) : 0;
        }
      start[ax] = st;
      step[ax] = stp;
    }
  for (int d = 0; d < r; d++)
    if (od[d] != y->dims[d])
      return 0;
  plain_strides (r, x->dims, xs);
  plain_strides (r, y->dims, ys);
  s = g_new0 (ShapeCopyState, 1);
  s->g.ndim = r;
  for (int d = 0; d < r; d++)
    {
      s->g.dims[d] = y->dims[d];
      s->g.ss[d] = xs[d] * step[d];
      s->g.ds[d] = ys[d];
      s->g.soff += start[d] * xs[d];
    }
  c->state = s;
  return 1;
}

/* Resize's source coordinate and nearest pixel, as orig_coord and
 * nearest_index in ops-misc.c (float arithmetic included). */
enum { CT_HALF_PIXEL, CT_PYTORCH_HALF_PIXEL, CT_ALIGN_CORNERS, CT_ASYMMETRIC, CT_TF_HALF_PIXEL_NN };
enum { NM_ROUND_PREFER_FLOOR, NM_ROUND_PREFER_CEIL, NM_FLOOR, NM_CEIL };

static int64_t
resize_src (int coord, int nearest, float sc, int64_t x, int64_t in, int64_t out)
{
  float v = 0.0f;
  int64_t i;

  switch (coord)
    {
    case CT_HALF_PIXEL: v = (x + 0.5f) / sc - 0.5f; break;
    case CT_PYTORCH_HALF_PIXEL: v = out > 1 ? (x + 0.5f) / sc - 0.5f : 0.0f; break;
    case CT_ALIGN_CORNERS: v = out > 1 ? x * (float) (in - 1) / (float) (out - 1) : 0.0f; break;
    case CT_ASYMMETRIC: v = x / sc; break;
    default: v = (x + 0.5f) / sc; break;
    }
  switch (nearest)
    {
    case NM_ROUND_PREFER_FLOOR:
      i = v == floorf (v) + 0.5f ? (int64_t) floorf (v) : (int64_t) roundf (v);
      break;
    case NM_ROUND_PREFER_CEIL: i = (int64_t) floorf (v + 0.5f); break;
    case NM_FLOOR: i = (int64_t) floorf (v); break;
    default: i = (int64_t) ceilf (v); break;
    }
  return CLAMP (i, 0, in - 1);
}

/* Nearest Resize/Upsample whose every output index i along every dim
 * reads source index i / f for a whole factor f = out / in (what
 * upsampling by 2, 4, 8 comes to in the usual modes): a strided copy
 * where each factor adds a dim of source stride 0. Anything else (linear,
 * fractional scales, crops) runs on the CPU. */
static int
resize_prepare (CudaCtx *c, GError **error)
{
  static const char *cts[] = { "half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
                               "tf_half_pixel_for_nn" };
  static const char *nms[] = { "round_prefer_floor", "round_prefer_ceil", "floor", "ceil" };
  const TrawlNnTensor *x = c->tin[0], *y = c->tout[0], *scales = NULL, *sizes = NULL;
  gboolean old = strcmp (c->n.op_type, "Upsample") == 0 || c->n.n_in == 2;
  const char *mode = trawl_nn_attrs_get_string (c->n.attrs, "mode", "nearest");
  const char *ct = trawl_nn_attrs_get_string (c->n.attrs, "coordinate_transformation_mode",
                                              old ? "asymmetric" : "half_pixel");
  const char *nm = trawl_nn_attrs_get_string (c->n.attrs, "nearest_mode",
                                              old ? "floor" : "round_prefer_floor");
  float sc[TRAWL_NN_MAX_DIMS];
  int64_t xs[TRAWL_NN_MAX_DIMS], ys[TRAWL_NN_MAX_DIMS];
  int coord = -1, nearest = -1, r;
  gboolean last_base = FALSE;
  ShapeCopyState *s;
  TrawlCudaCopy g = { 0 };

  (void) error;
  if (!io_f32 (c) || x->ndim < 1 || y->ndim != x->ndim || strcmp (mode, "nearest") != 0)
    return 0;
  r = x->ndim;
  for (guint i = 0; i < G_N_ELEMENTS (cts); i++)
    if (strcmp (ct, cts[i]) == 0)
      coord = (int) i;
  for (guint i = 0; i < G_N_ELEMENTS (nms); i++)
    if (strcmp (nm, nms[i]) == 0)
      nearest = (int) i;
  if (coord < 0 || nearest < 0)
    return 0;
  if (old)
    scales = c->n.n_in > 1 ? c->tin[1] : NULL;
  else
    {
      scales = c->n.n_in > 2 ? c->tin[2] : NULL;
      sizes = c->n.n_in > 3 ? c->tin[3] : NULL;
    }
  if (scales && numel (scales) == 0)
    scales = NULL;
  if (sizes && numel (sizes) == 0)
    sizes = NULL;
  if (sizes)
    {
      int64_t v[TRAWL_NN_MAX_DIMS];

      if (const_ints (c, 3, v, TRAWL_NN_MAX_DIMS) != r)
        return 0;
      for (int d = 0; d < r; d++)
        sc[d] = (float) v[d] / (float) MAX (x->dims[d], 1);
    }
  else if (scales)
    {
      int si = old ? 1 : 2;

      if (!c->cin[si] || scales->dtype != TRAWL_NN_F32 || numel (scales) != r)
        return 0;
      memcpy (sc, scales->data, sizeof (float) * r);
    }
  else
    {
      const float *a;

      if (trawl_nn_attrs_get_floats (c->n.attrs, "scales", &a) != r)
        return 0;
      memcpy (sc, a, sizeof (float) * r);
    }
  plain_strides (r, x->dims, xs);
  plain_strides (r, y->dims, ys);
  for (int d = 0; d < r; d++)
    {
      int64_t in = x->dims[d], out = y->dims[d], f;

      if (in < 1 || out < in || out % in != 0 || sc[d] <= 0)
        return 0;
      f = out / in;
      for (int64_t i = 0; i < out; i++)
        if (resize_src (coord, nearest, sc[d], i, in, out) != i / f)
          return 0;
      /* the source dim (merged into the previous one when nothing is
       * replicated between them), then the factor with source stride 0 */
      if (last_base)
        {
          g.dims[g.ndim - 1] *= in;
          g.ss[g.ndim - 1] = xs[d];
          g.ds[g.ndim - 1] = ys[d] * f;
        }
      else
        {
          if (g.ndim == TRAWL_CUDA_MAX_DIMS)
            return 0;
          g.dims[g.ndim] = in;
          g.ss[g.ndim] = xs[d];
          g.ds[g.ndim] = ys[d] * f;
          g.ndim++;
        }
      last_base = f == 1;
      if (f > 1)
        {
          if (g.ndim == TRAWL_CUDA_MAX_DIMS)
            return 0;
          g.dims[g.ndim] = f;
          g.ss[g.ndim] = 0;
          g.ds[g.ndim] = ys[d];
          g.ndim++;
        }
    }
  s = g_new0 (ShapeCopyState, 1);
  s->g = g;
  c->state = s;
  return 1;
}

static gboolean
shape_copy_run (CudaCtx *c, GError **error)
{
  ShapeCopyState *s = c->state;

  if (s->fill && !kcheck (error, c, trawl_cuda_fill (c->out[0], numel (c->tout[0]), s->value,
                                                     c->stream)))
    return FALSE;
  return kcheck (error, c, trawl_cuda_strided_copy (c->in[0], c->out[0], &s->g, c->stream));
}

/* ---- Sqrt: Pow by a device-resident 0.5 ---- */

typedef struct { BinState b; float *half; } SqrtState;

static void
sqrt_free (void *state)
{
  SqrtState *s = state;

  if (s == NULL)
    return;
  if (s->half)
    cudaFree (s->half);
  g_free (s);
}

static int
sqrt_prepare (CudaCtx *c, GError **error)
{
  const TrawlNnTensor *y = c->tout[0];
  const float half = 0.5f;
  SqrtState *s;

  if (!all_f32 (c) || c->tin[0] == NULL || numel (c->tin[0]) != numel (y))
    return 0;
  s = g_new0 (SqrtState, 1);
  c->state = s;
  s->b.op = TRAWL_CUDA_BIN_POW;
  s->b.g.ndim = MAX (y->ndim, 1);
  for (int d = 0; d < s->b.g.ndim; d++)
    s->b.g.dims[d] = y->ndim ? y->dims[d] : 1;
  plain_strides (s->b.g.ndim, s->b.g.dims, s->b.g.sa);   /* sb stays 0: one exponent */
  if (c->dry)
    return 1;
  /* synchronous on purpose: done once at plan time */
  if (!_trawl_nn_cuda_check (error, c, cudaMalloc ((void **) &s->half, sizeof half), "device memory")
      || !_trawl_nn_cuda_check (error, c, cudaMemcpy (s->half, &half, sizeof half,
                                                      cudaMemcpyHostToDevice), "upload"))
    return -1;
  return 1;
}

static gboolean
sqrt_run (CudaCtx *c, GError **error)
{
  SqrtState *s = c->state;

  return kcheck (error, c, trawl_cuda_binary (s->b.op, c->in[0], s->half, c->out[0], &s->b.g,
                                              c->stream));
}

/* ---- the table (Conv is in cuda-conv.c) ---- */

int      _trawl_nn_cuda_conv_prepare (CudaCtx *c, GError **error);
int      _trawl_nn_cuda_convt_prepare (CudaCtx *c, GError **error);
gboolean _trawl_nn_cuda_conv_run (CudaCtx *c, GError **error);
void     _trawl_nn_cuda_conv_free (void *state);

static const CudaOpDef ops[] = {
  { "Conv", _trawl_nn_cuda_conv_prepare, _trawl_nn_cuda_conv_run, _trawl_nn_cuda_conv_free },
  { "ConvTranspose", _trawl_nn_cuda_convt_prepare, _trawl_nn_cuda_conv_run, _trawl_nn_cuda_conv_free },
  { "Pad", pad_prepare, shape_copy_run, g_free },
  { "Slice", slice_prepare, shape_copy_run, g_free },
  { "Resize", resize_prepare, shape_copy_run, g_free },
  { "Upsample", resize_prepare, shape_copy_run, g_free },
  { "Sqrt", sqrt_prepare, sqrt_run, sqrt_free },
  { "Identity", view_prepare, view_run, NULL },
  { "Reshape", view_prepare, view_run, NULL },
  { "Flatten", view_prepare, view_run, NULL },
  { "Squeeze", view_prepare, view_run, NULL },
  { "Unsqueeze", view_prepare, view_run, NULL },
  { "Dropout", view_prepare, view_run, NULL },
  { "Relu", act_prepare, act_run, g_free },
  { "Sigmoid", act_prepare, act_run, g_free },
  { "LeakyRelu", act_prepare, act_run, g_free },
  { "HardSigmoid", act_prepare, act_run, g_free },
  { "HardSwish", act_prepare, act_run, g_free },
  { "Clip", act_prepare, act_run, g_free },
  { "Add", bin_prepare, bin_run, g_free },
  { "Sub", bin_prepare, bin_run, g_free },
  { "Mul", bin_prepare, bin_run, g_free },
  { "Div", bin_prepare, bin_run, g_free },
  { "Max", bin_prepare, bin_run, g_free },
  { "Min", bin_prepare, bin_run, g_free },
  { "Pow", bin_prepare, bin_run, g_free },
  { "Transpose", transpose_prepare, copy_run, g_free },
  { "Concat", concat_prepare, copy_run, g_free },
  { "Softmax", softmax_prepare, softmax_run, g_free },
  { "LogSoftmax", softmax_prepare, softmax_run, g_free },
  { "ReduceMean", reduce_prepare, reduce_run, g_free },
  { "ReduceSum", reduce_prepare, reduce_run, g_free },
  { "ReduceMax", reduce_prepare, reduce_run, g_free },
  { "GlobalAveragePool", reduce_prepare, reduce_run, g_free },
  { "GlobalMaxPool", reduce_prepare, reduce_run, g_free },
  { "MaxPool", pool_prepare, pool_run, g_free },
  { "AveragePool", pool_prepare, pool_run, g_free },
  { "MatMul", matmul_prepare, matmul_run, g_free },
  { "Gemm", gemm_prepare, gemm_run, g_free },
};

const CudaOpDef *
_trawl_nn_cuda_find_op (const char *op_type)
{
  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    if (strcmp (ops[i].name, op_type) == 0)
      return &ops[i];
  return NULL;
}
