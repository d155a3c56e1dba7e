/* cuda-ops.c - the CUDA backend's op table: cuDNN convolutions, cuBLAS
 * matrix products, and nn-kernels.cu for elementwise, shape and reduction
 * ops. Each prepare() accepts only the cases it implements exactly as the
 * CPU op does (src/nn/cpu); everything else returns 0 and runs on the CPU.
 * All tensors here are float32; int64 ones go to the CPU. */
#include "nn/cuda/cuda-private.h"

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
          if (c->tin[i]->data == NULL || numel (c->tin[i]) != 1)
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
  if (!all_f32 (c) || x->ndim < 1)
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
          if (c->tin[1]->data == NULL || c->tin[1]->dtype != TRAWL_NN_I64)
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
  return _trawl_nn_cublas_check (error, c,
    cublasSgemm (c->cublas, s->tb ? CUBLAS_OP_T : CUBLAS_OP_N, s->ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                 (int) s->n, (int) s->m, (int) s->k, &s->alpha, c->in[1], ldb, c->in[0], lda,
                 &s->beta, c->out[0], (int) s->n),
    "sgemm");
}

/* ---- the table (Conv is in cuda-conv.c) ---- */

int      _trawl_nn_cuda_conv_prepare (CudaCtx *c, GError **error);
gboolean _trawl_nn_cuda_conv_run (CudaCtx *c, GError **error);
void     _trawl_nn_cuda_conv_free (void *state);

static const CudaOpDef ops[] = {
  { "Conv", _trawl_nn_cuda_conv_prepare, _trawl_nn_cuda_conv_run, _trawl_nn_cuda_conv_free },
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
