/* ops-elementwise.c - CPU kernels for elementwise ops: unary activations
 * and maths, numpy-broadcasting binary ops (float and int64, the latter for
 * folded shape arithmetic), Where, Cast, and the fused-activation epilogue
 * other kernels call.
 *
 * Broadcasting coalesces adjacent dims whose strides agree, so the common
 * cases ([N,C,H,W] op [1,C,1,1], same shapes, scalars) become a few long
 * contiguous inner loops the compiler vectorises.
 */
#include "nn/nn-private.h"
#include "ops.h"

#include <math.h>
#include <string.h>

/* ---- activations ----
 * Written with ternaries, not fminf/fmaxf: those must honour NaN rules and
 * end up as library calls; "omp simd" makes GCC vectorise at -O2. */

static inline float
sigmoidf (float x)
{
  return 1.0f / (1.0f + _trawl_nn_expf (-x));
}

#define CLAMPF(v, lo, hi) ((v) < (lo) ? (lo) : (v) > (hi) ? (hi) : (v))

TRAWL_NN_HOT void
_trawl_nn_apply_act (float *x, gsize n, TrawlNnAct act, float a, float b)
{
  switch (act)
    {
    case TRAWL_NN_ACT_NONE:
      break;
    case TRAWL_NN_ACT_RELU:
#pragma omp simd
      for (gsize i = 0; i < n; i++)
        x[i] = x[i] > 0.0f ? x[i] : 0.0f;
      break;
    case TRAWL_NN_ACT_CLIP:
#pragma omp simd
      for (gsize i = 0; i < n; i++)
        x[i] = CLAMPF (x[i], a, b);
      break;
    case TRAWL_NN_ACT_LEAKY_RELU:
#pragma omp simd
      for (gsize i = 0; i < n; i++)
        x[i] = x[i] >= 0.0f ? x[i] : a * x[i];
      break;
    case TRAWL_NN_ACT_SIGMOID:
#pragma omp simd
      for (gsize i = 0; i < n; i++)
        x[i] = sigmoidf (x[i]);
      break;
    case TRAWL_NN_ACT_HARD_SIGMOID:
#pragma omp simd
      for (gsize i = 0; i < n; i++)
        {
          float v = a * x[i] + b;
          x[i] = CLAMPF (v, 0.0f, 1.0f);
        }
      break;
    case TRAWL_NN_ACT_HARD_SWISH:
#pragma omp simd
      for (gsize i = 0; i < n; i++)
        {
          float v = a * x[i] + b;
          x[i] = x[i] * CLAMPF (v, 0.0f, 1.0f);
        }
      break;
    case TRAWL_NN_ACT_MUL:
#pragma omp simd
      for (gsize i = 0; i < n; i++)
        x[i] *= a;
      break;
    case TRAWL_NN_ACT_ADD:
#pragma omp simd
      for (gsize i = 0; i < n; i++)
        x[i] += a;
      break;
    case TRAWL_NN_ACT_SWISH:
#pragma omp simd
      for (gsize i = 0; i < n; i++)
        x[i] = x[i] * sigmoidf (a * x[i]);
      break;
    }
}

/* Chunks of 1 KB keep the data in L1 across the steps. */
void
_trawl_nn_apply_epi (float *x, gsize n, float bias, const TrawlNnEpi *epi, int n_epi)
{
  for (gsize s = 0; s < n; s += 256)
    {
      gsize len = MIN (256, n - s);

      if (bias != 0.0f)
        _trawl_nn_apply_act (x + s, len, TRAWL_NN_ACT_ADD, bias, 0);
      for (int i = 0; i < n_epi; i++)
        _trawl_nn_apply_act (x + s, len, epi[i].act, epi[i].alpha, epi[i].beta);
    }
}

/* ---- unary ---- */

typedef enum {
  U_RELU, U_SIGMOID, U_TANH, U_ERF, U_EXP, U_LOG, U_SQRT, U_NEG, U_RECIP, U_ABS,
  U_FLOOR, U_CEIL, U_ROUND, U_SIN, U_COS, U_SOFTPLUS, U_ELU, U_LEAKY, U_HSIG,
  U_HSWISH, U_CLIP, U_NOT, U_SIGN,
} UnaryKind;

static const struct { const char *name; UnaryKind kind; } unary_names[] = {
  { "Relu", U_RELU }, { "Sigmoid", U_SIGMOID }, { "Tanh", U_TANH }, { "Erf", U_ERF },
  { "Exp", U_EXP }, { "Log", U_LOG }, { "Sqrt", U_SQRT }, { "Neg", U_NEG },
  { "Reciprocal", U_RECIP }, { "Abs", U_ABS }, { "Floor", U_FLOOR }, { "Ceil", U_CEIL },
  { "Round", U_ROUND }, { "Sin", U_SIN }, { "Cos", U_COS }, { "Softplus", U_SOFTPLUS },
  { "Elu", U_ELU }, { "LeakyRelu", U_LEAKY }, { "HardSigmoid", U_HSIG },
  { "HardSwish", U_HSWISH }, { "Clip", U_CLIP }, { "Not", U_NOT }, { "Sign", U_SIGN },
};

static UnaryKind
unary_kind (const char *op)
{
  for (guint i = 0; i < G_N_ELEMENTS (unary_names); i++)
    if (strcmp (unary_names[i].name, op) == 0)
      return unary_names[i].kind;
  g_assert_not_reached ();
  return U_RELU;
}

static gboolean
unary_infer (TrawlNnOpCtx *c, GError **error)
{
  UnaryKind k = unary_kind (c->op_type);
  TrawlNnTensor *x = c->in[0];

  if (x == NULL)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_FORMAT, c, "missing input");
  if (x->dtype == TRAWL_NN_I64 && k != U_NEG && k != U_ABS && k != U_RELU && k != U_NOT
      && k != U_SIGN && k != U_CLIP)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "int64 input");
  c->out[0]->dtype = x->dtype;
  c->out[0]->ndim = x->ndim;
  memcpy (c->out[0]->dims, x->dims, sizeof x->dims);
  return TRUE;
}

static float
clip_bound (const TrawlNnOpCtx *c, int i, const char *attr, float dflt)
{
  const TrawlNnTensor *t = i < c->n_in ? c->in[i] : NULL;

  if (t && t->data)
    return t->dtype == TRAWL_NN_F32 ? *(const float *) t->data
                                    : (float) *(const int64_t *) t->data;
  return trawl_nn_attrs_get_float (c->attrs, attr, dflt);
}

static void
unary_i64 (UnaryKind k, const int64_t *x, int64_t *y, int64_t n, const TrawlNnOpCtx *c)
{
  int64_t lo = (int64_t) clip_bound (c, 1, "min", -9.2e18f);
  int64_t hi = (int64_t) clip_bound (c, 2, "max", 9.2e18f);

  for (int64_t i = 0; i < n; i++)
    switch (k)
      {
      case U_NEG: y[i] = -x[i]; break;
      case U_ABS: y[i] = x[i] < 0 ? -x[i] : x[i]; break;
      case U_RELU: y[i] = x[i] > 0 ? x[i] : 0; break;
      case U_NOT: y[i] = !x[i]; break;
      case U_SIGN: y[i] = (x[i] > 0) - (x[i] < 0); break;
      case U_CLIP: y[i] = x[i] < lo ? lo : x[i] > hi ? hi : x[i]; break;
      default: y[i] = x[i]; break;
      }
}

TRAWL_NN_HOT static void
unary_f32 (UnaryKind k, const float *x, float *y, int64_t n, const TrawlNnOpCtx *c)
{
  float a, b;

  switch (k)
    {
    case U_RELU:
#pragma omp simd
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? x[i] : 0.0f;
      break;
    case U_SIGMOID:
#pragma omp simd
      for (int64_t i = 0; i < n; i++)
        y[i] = sigmoidf (x[i]);
      break;
    case U_TANH: for (int64_t i = 0; i < n; i++) y[i] = tanhf (x[i]); break;
    case U_ERF: for (int64_t i = 0; i < n; i++) y[i] = erff (x[i]); break;
    case U_EXP: for (int64_t i = 0; i < n; i++) y[i] = expf (x[i]); break;
    case U_LOG: for (int64_t i = 0; i < n; i++) y[i] = logf (x[i]); break;
    case U_SQRT: for (int64_t i = 0; i < n; i++) y[i] = sqrtf (x[i]); break;
    case U_NEG: for (int64_t i = 0; i < n; i++) y[i] = -x[i]; break;
    case U_RECIP: for (int64_t i = 0; i < n; i++) y[i] = 1.0f / x[i]; break;
    case U_ABS: for (int64_t i = 0; i < n; i++) y[i] = fabsf (x[i]); break;
    case U_FLOOR: for (int64_t i = 0; i < n; i++) y[i] = floorf (x[i]); break;
    case U_CEIL: for (int64_t i = 0; i < n; i++) y[i] = ceilf (x[i]); break;
    case U_ROUND: for (int64_t i = 0; i < n; i++) y[i] = nearbyintf (x[i]); break;
    case U_SIN: for (int64_t i = 0; i < n; i++) y[i] = sinf (x[i]); break;
    case U_COS: for (int64_t i = 0; i < n; i++) y[i] = cosf (x[i]); break;
    case U_SOFTPLUS: for (int64_t i = 0; i < n; i++) y[i] = log1pf (expf (x[i])); break;
    case U_NOT: for (int64_t i = 0; i < n; i++) y[i] = x[i] == 0.0f; break;
    case U_SIGN: for (int64_t i = 0; i < n; i++) y[i] = (x[i] > 0) - (x[i] < 0); break;
    case U_ELU:
      a = trawl_nn_attrs_get_float (c->attrs, "alpha", 1.0f);
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] >= 0.0f ? x[i] : a * (expf (x[i]) - 1.0f);
      break;
    case U_LEAKY:
      if (y != x)
        memcpy (y, x, sizeof (float) * n);
      _trawl_nn_apply_act (y, n, TRAWL_NN_ACT_LEAKY_RELU,
                           trawl_nn_attrs_get_float (c->attrs, "alpha", 0.01f), 0);
      break;
    case U_HSIG:
    case U_HSWISH:
      a = k == U_HSWISH ? 1.0f / 6.0f : trawl_nn_attrs_get_float (c->attrs, "alpha", 0.2f);
      b = k == U_HSWISH ? 0.5f : trawl_nn_attrs_get_float (c->attrs, "beta", 0.5f);
      if (y != x)
        memcpy (y, x, sizeof (float) * n);
      _trawl_nn_apply_act (y, n, k == U_HSWISH ? TRAWL_NN_ACT_HARD_SWISH
                                               : TRAWL_NN_ACT_HARD_SIGMOID, a, b);
      break;
    case U_CLIP:
      a = clip_bound (c, 1, "min", -G_MAXFLOAT);
      b = clip_bound (c, 2, "max", G_MAXFLOAT);
#pragma omp simd
      for (int64_t i = 0; i < n; i++)
        y[i] = CLAMPF (x[i], a, b);
      break;
    }
}

typedef struct {
  UnaryKind           k;
  const TrawlNnOpCtx *c;
} UnaryTask;

static void
unary_task (void *arg, int64_t s, int64_t e, int tid)
{
  const UnaryTask *t = arg;
  const TrawlNnOpCtx *c = t->c;

  (void) tid;
  if (c->in[0]->dtype == TRAWL_NN_I64)
    unary_i64 (t->k, (const int64_t *) c->in[0]->data + s, (int64_t *) c->out[0]->data + s,
               e - s, c);
  else
    unary_f32 (t->k, (const float *) c->in[0]->data + s, (float *) c->out[0]->data + s,
               e - s, c);
}

static gboolean
unary_run (TrawlNnOpCtx *c, GError **error)
{
  UnaryTask t = { unary_kind (c->op_type), c };

  (void) error;
  _trawl_nn_parallel (c->pool, trawl_nn_tensor_numel (c->in[0]), 16384, unary_task, &t);
  return TRUE;
}

/* ---- broadcasting ---- */

typedef struct {
  int     ndim;                        /* after coalescing */
  int64_t dims[TRAWL_NN_MAX_DIMS];
  int64_t strides[3][TRAWL_NN_MAX_DIMS];  /* per input, 0 where broadcast */
} Bcast;

/* numpy rules: align right, each pair equal or one of them 1. */
gboolean
_trawl_nn_bcast_shape (const TrawlNnOpCtx *c, int n, TrawlNnTensor *const *ts,
                       int *ndim, int64_t *dims, GError **error)
{
  int nd = 0;

  for (int k = 0; k < n; k++)
    nd = MAX (nd, ts[k]->ndim);
  for (int d = 0; d < nd; d++)
    dims[d] = 1;
  for (int k = 0; k < n; k++)
    for (int d = 0; d < ts[k]->ndim; d++)
      {
        int od = nd - ts[k]->ndim + d;
        int64_t v = ts[k]->dims[d];

        if (v == dims[od] || v == 1)
          continue;
        if (dims[od] != 1)
          {
            char *a = _trawl_nn_dims_str (ts[0]->ndim, ts[0]->dims);
            char *b = _trawl_nn_dims_str (ts[k]->ndim, ts[k]->dims);
            _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "cannot broadcast %s with %s", a, b);
            g_free (a);
            g_free (b);
            return FALSE;
          }
        dims[od] = v;
      }
  *ndim = nd;
  return TRUE;
}

static void
bcast_plan (Bcast *b, int n, TrawlNnTensor *const *ts, int ndim, const int64_t *dims)
{
  int64_t st[3][TRAWL_NN_MAX_DIMS];
  int out = 0;

  for (int k = 0; k < n; k++)
    {
      int64_t s = 1;
      for (int d = ndim - 1; d >= 0; d--)
        {
          int id = d - (ndim - ts[k]->ndim);
          int64_t v = id >= 0 ? ts[k]->dims[id] : 1;

          st[k][d] = v == 1 ? 0 : s;
          s *= v;
        }
    }
  /* merge dim d into the previous kept one when every input is contiguous
   * across the boundary (or broadcast along both) */
  for (int d = 0; d < ndim; d++)
    {
      gboolean merge = out > 0;

      if (dims[d] == 1 && out > 0)
        continue;
      for (int k = 0; merge && k < n; k++)
        merge = b->strides[k][out - 1] == st[k][d] * dims[d];
      if (merge)
        {
          b->dims[out - 1] *= dims[d];
          for (int k = 0; k < n; k++)
            b->strides[k][out - 1] = st[k][d];
        }
      else
        {
          b->dims[out] = dims[d];
          for (int k = 0; k < n; k++)
            b->strides[k][out] = st[k][d];
          out++;
        }
    }
  if (out == 0)
    {
      b->dims[0] = 1;
      for (int k = 0; k < n; k++)
        b->strides[k][0] = 0;
      out = 1;
    }
  b->ndim = out;
}

/* ---- binary ---- */

typedef enum { B_ADD, B_SUB, B_MUL, B_DIV, B_POW, B_MAX, B_MIN, B_EQ, B_GT, B_LT,
               B_GE, B_LE, B_AND, B_OR, B_MOD, B_SUM, B_MEAN, B_PRELU } BinKind;

static const struct { const char *name; BinKind kind; } bin_names[] = {
  { "Add", B_ADD }, { "Sub", B_SUB }, { "Mul", B_MUL }, { "Div", B_DIV }, { "Pow", B_POW },
  { "Max", B_MAX }, { "Min", B_MIN }, { "Equal", B_EQ }, { "Greater", B_GT },
  { "Less", B_LT }, { "GreaterOrEqual", B_GE }, { "LessOrEqual", B_LE }, { "And", B_AND },
  { "Or", B_OR }, { "Mod", B_MOD }, { "Sum", B_SUM }, { "Mean", B_MEAN }, { "PRelu", B_PRELU },
};

static BinKind
bin_kind (const char *op)
{
  for (guint i = 0; i < G_N_ELEMENTS (bin_names); i++)
    if (strcmp (bin_names[i].name, op) == 0)
      return bin_names[i].kind;
  g_assert_not_reached ();
  return B_ADD;
}

static gboolean
is_compare (BinKind k)
{
  return k == B_EQ || k == B_GT || k == B_LT || k == B_GE || k == B_LE || k == B_AND
         || k == B_OR;
}

static gboolean
binary_infer (TrawlNnOpCtx *c, GError **error)
{
  BinKind k = bin_kind (c->op_type);

  for (int i = 0; i < c->n_in; i++)
    if (c->in[i] == NULL)
      return _trawl_nn_fail (error, TRAWL_NN_ERROR_FORMAT, c, "missing input %d", i);
  for (int i = 1; i < c->n_in; i++)
    if (c->in[i]->dtype != c->in[0]->dtype && k != B_POW)
      return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "mixed dtypes");
  if (c->n_in > 2)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c,
                           "%d inputs (at most 2)", c->n_in);
  c->out[0]->dtype = is_compare (k) ? TRAWL_NN_I64 : c->in[0]->dtype;
  return _trawl_nn_bcast_shape (c, c->n_in, c->in, &c->out[0]->ndim, c->out[0]->dims, error);
}

/* Three loop shapes per op, so each is a plain vectorisable loop. */
#define BIN_LOOPS(T, EXPR)                                                    \
  do {                                                                        \
    const T *A = a; const T *B = b; T *O = o;                                 \
    if (sa && sb)                                                             \
      _Pragma ("omp simd")                                                    \
      for (int64_t i = 0; i < n; i++) { T x = A[i], y = B[i]; O[i] = (EXPR); } \
    else if (sa)                                                              \
      { T y = B[0];                                                           \
        _Pragma ("omp simd")                                                  \
        for (int64_t i = 0; i < n; i++) { T x = A[i]; O[i] = (EXPR); } }      \
    else if (sb)                                                              \
      { T x = A[0];                                                           \
        _Pragma ("omp simd")                                                  \
        for (int64_t i = 0; i < n; i++) { T y = B[i]; O[i] = (EXPR); } }      \
    else                                                                      \
      { T x = A[0], y = B[0]; for (int64_t i = 0; i < n; i++) O[i] = (EXPR); } \
  } while (0)

static inline float
powf_fast (float x, float y)
{
  return y == 2.0f ? x * x : y == 0.5f ? sqrtf (x) : y == 1.0f ? x : powf (x, y);
}

TRAWL_NN_HOT static void
bin_f32 (BinKind k, const void *a, int64_t sa, const void *b, int64_t sb, void *o, int64_t n)
{
  switch (k)
    {
    case B_ADD: case B_SUM: BIN_LOOPS (float, x + y); break;
    case B_SUB: BIN_LOOPS (float, x - y); break;
    case B_MUL: BIN_LOOPS (float, x * y); break;
    case B_DIV: BIN_LOOPS (float, x / y); break;
    case B_POW: BIN_LOOPS (float, powf_fast (x, y)); break;
    case B_MAX: BIN_LOOPS (float, x > y ? x : y); break;
    case B_MIN: BIN_LOOPS (float, x < y ? x : y); break;
    case B_MEAN: BIN_LOOPS (float, (x + y) * 0.5f); break;
    case B_MOD: BIN_LOOPS (float, fmodf (x, y)); break;
    case B_PRELU: BIN_LOOPS (float, x >= 0.0f ? x : x * y); break;
    default: break;
    }
}

static void
cmp_f32 (BinKind k, const float *a, int64_t sa, const float *b, int64_t sb, int64_t *o, int64_t n)
{
  for (int64_t i = 0; i < n; i++)
    {
      float x = a[i * sa], y = b[i * sb];
      switch (k)
        {
        case B_EQ: o[i] = x == y; break;
        case B_GT: o[i] = x > y; break;
        case B_LT: o[i] = x < y; break;
        case B_GE: o[i] = x >= y; break;
        case B_LE: o[i] = x <= y; break;
        case B_AND: o[i] = x != 0 && y != 0; break;
        case B_OR: o[i] = x != 0 || y != 0; break;
        default: break;
        }
    }
}

static inline int64_t
floordiv (int64_t x, int64_t y)
{
  int64_t q;

  if (y == 0)
    return 0;
  q = x / y;
  return (x % y != 0 && ((x < 0) != (y < 0))) ? q - 1 : q;
}

static void
bin_i64 (BinKind k, const int64_t *a, int64_t sa, const int64_t *b, int64_t sb, int64_t *o,
         int64_t n)
{
  for (int64_t i = 0; i < n; i++)
    {
      int64_t x = a[i * sa], y = b[i * sb];
      switch (k)
        {
        case B_ADD: case B_SUM: o[i] = x + y; break;
        case B_SUB: o[i] = x - y; break;
        case B_MUL: o[i] = x * y; break;
        case B_DIV: o[i] = y ? x / y : 0; break;   /* ONNX int Div truncates */
        case B_POW: { int64_t r = 1; for (int64_t j = 0; j < y; j++) r *= x; o[i] = r; } break;
        case B_MAX: o[i] = MAX (x, y); break;
        case B_MIN: o[i] = MIN (x, y); break;
        case B_MEAN: o[i] = (x + y) / 2; break;
        case B_MOD: o[i] = y ? x - floordiv (x, y) * y : 0; break;
        case B_PRELU: o[i] = x >= 0 ? x : x * y; break;
        case B_EQ: o[i] = x == y; break;
        case B_GT: o[i] = x > y; break;
        case B_LT: o[i] = x < y; break;
        case B_GE: o[i] = x >= y; break;
        case B_LE: o[i] = x <= y; break;
        case B_AND: o[i] = x && y; break;
        case B_OR: o[i] = x || y; break;
        }
    }
}

/* Pow with an int64 exponent and float base: convert the exponent. */
static float *
pow_exponent (const TrawlNnTensor *b, int64_t n)
{
  float *e = g_new (float, MAX (n, 1));

  for (int64_t i = 0; i < n; i++)
    e[i] = (float) ((const int64_t *) b->data)[i];
  return e;
}

/* Row r's start offsets for each input, walking the outer dims. */
static void
row_offsets (const Bcast *bc, int n, int64_t r, int64_t *offs)
{
  for (int k = 0; k < n; k++)
    offs[k] = 0;
  for (int d = bc->ndim - 2; d >= 0; d--)
    {
      int64_t i = r % bc->dims[d];

      r /= bc->dims[d];
      for (int k = 0; k < n; k++)
        offs[k] += i * bc->strides[k][d];
    }
}

typedef struct {
  BinKind        k;
  Bcast          bc;
  TrawlNnTensor *a;
  const void    *b;
  TrawlNnTensor *o;
} BinTask;

/* Output elements [s, e): row by row, each row a strided kernel call. */
static void
bin_task (void *arg, int64_t s, int64_t e, int tid)
{
  const BinTask *t = arg;
  const Bcast *bc = &t->bc;
  int64_t inner = bc->dims[bc->ndim - 1];
  int64_t sa = bc->strides[0][bc->ndim - 1], sb = bc->strides[1][bc->ndim - 1];

  (void) tid;
  for (int64_t i = s; i < e;)
    {
      int64_t r = i / inner, j = i % inner, len = MIN (inner - j, e - i), offs[2];

      row_offsets (bc, 2, r, offs);
      offs[0] += j * sa;
      offs[1] += j * sb;
      if (t->a->dtype == TRAWL_NN_I64)
        bin_i64 (t->k, (const int64_t *) t->a->data + offs[0], sa,
                 (const int64_t *) t->b + offs[1], sb, (int64_t *) t->o->data + i, len);
      else if (is_compare (t->k))
        cmp_f32 (t->k, (const float *) t->a->data + offs[0], sa, (const float *) t->b + offs[1],
                 sb, (int64_t *) t->o->data + i, len);
      else
        bin_f32 (t->k, (const float *) t->a->data + offs[0], sa, (const float *) t->b + offs[1],
                 sb, (float *) t->o->data + i, len);
      i += len;
    }
}

static gboolean
binary_run (TrawlNnOpCtx *c, GError **error)
{
  TrawlNnTensor *ts[2] = { c->in[0], c->n_in > 1 ? c->in[1] : c->in[0] };
  TrawlNnTensor *o = c->out[0];
  int64_t total = trawl_nn_tensor_numel (o);
  float *pe = NULL;
  BinTask t;

  (void) error;
  if (c->n_in == 1)
    {
      if (o->data != ts[0]->data)
        memcpy (o->data, ts[0]->data, total * _trawl_nn_dtype_size (ts[0]->dtype));
      return TRUE;
    }
  t.k = bin_kind (c->op_type);
  t.a = ts[0];
  t.b = ts[1]->data;
  t.o = o;
  if (t.k == B_POW && ts[0]->dtype == TRAWL_NN_F32 && ts[1]->dtype == TRAWL_NN_I64)
    t.b = pe = pow_exponent (ts[1], trawl_nn_tensor_numel (ts[1]));
  bcast_plan (&t.bc, 2, ts, o->ndim, o->dims);
  _trawl_nn_parallel (c->pool, total, 16384, bin_task, &t);
  g_free (pe);
  return TRUE;
}

/* ---- Where ---- */

static gboolean
where_infer (TrawlNnOpCtx *c, GError **error)
{
  if (c->in[1]->dtype != c->in[2]->dtype)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "mixed dtypes");
  c->out[0]->dtype = c->in[1]->dtype;
  return _trawl_nn_bcast_shape (c, 3, c->in, &c->out[0]->ndim, c->out[0]->dims, error);
}

static gboolean
where_run (TrawlNnOpCtx *c, GError **error)
{
  Bcast bc;
  TrawlNnTensor *o = c->out[0];
  int64_t inner, rows;
  gsize es = _trawl_nn_dtype_size (o->dtype);

  (void) error;
  bcast_plan (&bc, 3, c->in, o->ndim, o->dims);
  inner = bc.dims[bc.ndim - 1];
  rows = trawl_nn_tensor_numel (o) / MAX (inner, 1);
  for (int64_t r = 0; r < rows; r++)
    {
      int64_t offs[3];

      row_offsets (&bc, 3, r, offs);
      for (int64_t i = 0; i < inner; i++)
        {
          int64_t ci = offs[0] + i * bc.strides[0][bc.ndim - 1];
          gboolean cond = c->in[0]->dtype == TRAWL_NN_I64 ? ((int64_t *) c->in[0]->data)[ci] != 0
                                                         : ((float *) c->in[0]->data)[ci] != 0;
          int src = cond ? 1 : 2;
          int64_t si = offs[src] + i * bc.strides[src][bc.ndim - 1];

          memcpy ((char *) o->data + (r * inner + i) * es, (char *) c->in[src]->data + si * es, es);
        }
    }
  return TRUE;
}

/* ---- Cast ---- */

static gboolean
cast_infer (TrawlNnOpCtx *c, GError **error)
{
  int64_t to = trawl_nn_attrs_get_int (c->attrs, "to", 1);

  /* float16/double map to f32 and the integer/bool types to i64: the
   * engine holds only those two, and shape arithmetic fits in int64. */
  if (to == 1 || to == 10 || to == 11)
    c->out[0]->dtype = TRAWL_NN_F32;
  else if (to == 2 || to == 3 || to == 4 || to == 5 || to == 6 || to == 7 || to == 9
           || to == 12 || to == 13)
    c->out[0]->dtype = TRAWL_NN_I64;
  else
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "cast to type %d",
                           (int) to);
  c->out[0]->ndim = c->in[0]->ndim;
  memcpy (c->out[0]->dims, c->in[0]->dims, sizeof c->in[0]->dims);
  return TRUE;
}

static gboolean
cast_run (TrawlNnOpCtx *c, GError **error)
{
  int64_t n = trawl_nn_tensor_numel (c->in[0]);
  TrawlNnDType from = c->in[0]->dtype, to = c->out[0]->dtype;
  int64_t code = trawl_nn_attrs_get_int (c->attrs, "to", 1);

  (void) error;
  if (from == to)
    {
      if (c->out[0]->data != c->in[0]->data)
        memcpy (c->out[0]->data, c->in[0]->data, n * _trawl_nn_dtype_size (to));
      if (code == 9 && to == TRAWL_NN_I64)
        for (int64_t i = 0; i < n; i++)
          ((int64_t *) c->out[0]->data)[i] = ((int64_t *) c->out[0]->data)[i] != 0;
    }
  else if (to == TRAWL_NN_F32)
    for (int64_t i = 0; i < n; i++)
      ((float *) c->out[0]->data)[i] = (float) ((int64_t *) c->in[0]->data)[i];
  else
    for (int64_t i = 0; i < n; i++)
      {
        float v = ((float *) c->in[0]->data)[i];
        ((int64_t *) c->out[0]->data)[i] = code == 9 ? v != 0.0f : (int64_t) v;
      }
  return TRUE;
}

const TrawlNnOpDef _trawl_nn_ops_elementwise[] = {
#define UNARY(N) { N, 1, 1, 1, 1, TRAWL_NN_OP_INPLACE, unary_infer, NULL, NULL, unary_run }
  UNARY ("Relu"), UNARY ("Sigmoid"), UNARY ("Tanh"), UNARY ("Erf"), UNARY ("Exp"),
  UNARY ("Log"), UNARY ("Sqrt"), UNARY ("Neg"), UNARY ("Reciprocal"), UNARY ("Abs"),
  UNARY ("Floor"), UNARY ("Ceil"), UNARY ("Round"), UNARY ("Sin"), UNARY ("Cos"),
  UNARY ("Softplus"), UNARY ("Elu"), UNARY ("LeakyRelu"), UNARY ("HardSigmoid"),
  UNARY ("HardSwish"), UNARY ("Not"), UNARY ("Sign"),
  { "Clip", 1, 3, 1, 1, TRAWL_NN_OP_INPLACE, unary_infer, NULL, NULL, unary_run },
#define BINARY(N) { N, 2, 2, 1, 1, TRAWL_NN_OP_INPLACE, binary_infer, NULL, NULL, binary_run }
  BINARY ("Add"), BINARY ("Sub"), BINARY ("Mul"), BINARY ("Div"), BINARY ("Pow"),
  BINARY ("Mod"), BINARY ("And"), BINARY ("Or"), BINARY ("PRelu"),
  /* compares write int64 0/1: never in place over a float input */
  { "Equal", 2, 2, 1, 1, 0, binary_infer, NULL, NULL, binary_run },
  { "Greater", 2, 2, 1, 1, 0, binary_infer, NULL, NULL, binary_run },
  { "Less", 2, 2, 1, 1, 0, binary_infer, NULL, NULL, binary_run },
  { "GreaterOrEqual", 2, 2, 1, 1, 0, binary_infer, NULL, NULL, binary_run },
  { "LessOrEqual", 2, 2, 1, 1, 0, binary_infer, NULL, NULL, binary_run },
  { "Max", 1, 2, 1, 1, TRAWL_NN_OP_INPLACE, binary_infer, NULL, NULL, binary_run },
  { "Min", 1, 2, 1, 1, TRAWL_NN_OP_INPLACE, binary_infer, NULL, NULL, binary_run },
  { "Sum", 1, 2, 1, 1, TRAWL_NN_OP_INPLACE, binary_infer, NULL, NULL, binary_run },
  { "Mean", 1, 2, 1, 1, TRAWL_NN_OP_INPLACE, binary_infer, NULL, NULL, binary_run },
  { "Where", 3, 3, 1, 1, 0, where_infer, NULL, NULL, where_run },
  { "Cast", 1, 1, 1, 1, 0, cast_infer, NULL, NULL, cast_run },
  { NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};
