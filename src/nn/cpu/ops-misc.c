/* ops-misc.c - CPU kernels for normalisations and reductions
 * (BatchNormalization, LayerNormalization, Softmax, LogSoftmax, Reduce*,
 * ArgMax/ArgMin) and resampling (Resize, Upsample).
 *
 * Softmax follows opset 13 (one axis, default -1); for the older
 * flatten-from-axis form the two agree whenever axis is the last dim.
 */
#include "ops.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* Splits dims around [a0, a1): outer * mid * inner. */
static void
split3 (const TrawlNnTensor *t, int a0, int a1, int64_t *outer, int64_t *mid, int64_t *inner)
{
  *outer = *mid = *inner = 1;
  for (int d = 0; d < t->ndim; d++)
    {
      if (d < a0)
        *outer *= t->dims[d];
      else if (d < a1)
        *mid *= t->dims[d];
      else
        *inner *= t->dims[d];
    }
}

static gboolean
same_infer (TrawlNnOpCtx *c, GError **error)
{
  if (c->in[0]->dtype != TRAWL_NN_F32)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "non-float input");
  _trawl_nn_same_shape (c->out[0], c->in[0]);
  return TRUE;
}

/* ---- BatchNormalization (when not folded into a Conv) ---- */

static gboolean
bn_infer (TrawlNnOpCtx *c, GError **error)
{
  int64_t ch = c->in[0]->ndim > 1 ? c->in[0]->dims[1] : 1;

  for (int i = 1; i < 5; i++)
    if (c->in[i] == NULL || trawl_nn_tensor_numel (c->in[i]) != ch)
      return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "input %d is not per-channel", i);
  return same_infer (c, error);
}

static gboolean
bn_run (TrawlNnOpCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->in[0];
  int64_t n = x->dims[0], ch = x->ndim > 1 ? x->dims[1] : 1;
  int64_t hw = trawl_nn_tensor_numel (x) / MAX (n * ch, 1);
  const float *sc = c->in[1]->data, *b = c->in[2]->data, *mean = c->in[3]->data,
              *var = c->in[4]->data;
  float eps = trawl_nn_attrs_get_float (c->attrs, "epsilon", 1e-5f);

  (void) error;
  for (int64_t i = 0; i < n * ch; i++)
    {
      int64_t k = i % ch;
      float s = sc[k] / sqrtf (var[k] + eps), o = b[k] - mean[k] * s;
      const float *src = (const float *) x->data + i * hw;
      float *dst = (float *) c->out[0]->data + i * hw;

      for (int64_t j = 0; j < hw; j++)
        dst[j] = src[j] * s + o;
    }
  return TRUE;
}

/* ---- LayerNormalization ---- */

static gboolean
ln_infer (TrawlNnOpCtx *c, GError **error)
{
  if (_trawl_nn_axis (trawl_nn_attrs_get_int (c->attrs, "axis", -1), c->in[0]->ndim) < 0)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "bad axis");
  if (c->n_out > 1)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "mean/invstd outputs");
  return same_infer (c, error);
}

static gboolean
ln_run (TrawlNnOpCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->in[0];
  int axis = _trawl_nn_axis (trawl_nn_attrs_get_int (c->attrs, "axis", -1), x->ndim);
  float eps = trawl_nn_attrs_get_float (c->attrs, "epsilon", 1e-5f);
  int64_t outer, mid, inner;
  const float *sc = c->in[1]->data;
  const float *b = c->n_in > 2 && c->in[2] ? c->in[2]->data : NULL;
  int64_t ns = trawl_nn_tensor_numel (c->in[1]), nb = b ? trawl_nn_tensor_numel (c->in[2]) : 0;

  (void) error;
  split3 (x, axis, x->ndim, &outer, &mid, &inner);   /* normalise over axis.. */
  for (int64_t r = 0; r < outer; r++)
    {
      const float *s = (const float *) x->data + r * mid;
      float *d = (float *) c->out[0]->data + r * mid;
      double mean = 0, var = 0;
      float inv;

      for (int64_t i = 0; i < mid; i++)
        mean += s[i];
      mean /= mid;
      for (int64_t i = 0; i < mid; i++)
        var += (s[i] - mean) * (s[i] - mean);
      var /= mid;
      inv = 1.0f / sqrtf ((float) var + eps);
      for (int64_t i = 0; i < mid; i++)
        d[i] = (float) (s[i] - mean) * inv * sc[i % ns] + (b ? b[i % nb] : 0.0f);
    }
  return TRUE;
}

/* ---- Softmax ---- */

static gboolean
softmax_infer (TrawlNnOpCtx *c, GError **error)
{
  if (_trawl_nn_axis (trawl_nn_attrs_get_int (c->attrs, "axis", -1), c->in[0]->ndim) < 0)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "bad axis");
  return same_infer (c, error);
}

/* One softmax row of mid elements at stride 1 (the common last-axis case
 * gets the vectorised path). */
TRAWL_NN_HOT static void
softmax_row (const float *s, float *d, int64_t mid, gboolean logsm)
{
  float mx = -FLT_MAX, sum = 0.0f;

  for (int64_t j = 0; j < mid; j++)
    mx = s[j] > mx ? s[j] : mx;
#pragma omp simd reduction(+:sum)
  for (int64_t j = 0; j < mid; j++)
    {
      float e = _trawl_nn_expf (s[j] - mx);
      sum += e;
      d[j] = logsm ? s[j] - mx : e;
    }
  if (logsm)
    {
      float l = logf (sum);
      for (int64_t j = 0; j < mid; j++)
        d[j] -= l;
    }
  else
    {
      float inv = 1.0f / sum;
#pragma omp simd
      for (int64_t j = 0; j < mid; j++)
        d[j] *= inv;
    }
}

typedef struct {
  const TrawlNnOpCtx *c;
  int64_t             mid, inner;
  gboolean            logsm;
} SoftmaxTask;

/* Rows [b, e) of the [outer * inner] independent softmaxes. */
static void
softmax_task (void *arg, int64_t b, int64_t e, int tid)
{
  const SoftmaxTask *t = arg;
  int64_t mid = t->mid, inner = t->inner;

  (void) tid;
  for (int64_t r = b; r < e; r++)
    {
      int64_t o = r / inner, i = r % inner;
      const float *s = (const float *) t->c->in[0]->data + o * mid * inner + i;
      float *d = (float *) t->c->out[0]->data + o * mid * inner + i;
      float mx = -FLT_MAX, sum = 0.0f;

      if (inner == 1)
        {
          softmax_row (s, d, mid, t->logsm);
          continue;
        }
      for (int64_t j = 0; j < mid; j++)
        mx = fmaxf (mx, s[j * inner]);
      for (int64_t j = 0; j < mid; j++)
        {
          float ev = _trawl_nn_expf (s[j * inner] - mx);
          sum += ev;
          d[j * inner] = t->logsm ? s[j * inner] - mx : ev;
        }
      for (int64_t j = 0; j < mid; j++)
        d[j * inner] = t->logsm ? d[j * inner] - logf (sum) : d[j * inner] / sum;
    }
}

static gboolean
softmax_run (TrawlNnOpCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->in[0];
  int axis = _trawl_nn_axis (trawl_nn_attrs_get_int (c->attrs, "axis", -1), x->ndim);
  SoftmaxTask t = { c, 0, 0, strcmp (c->op_type, "LogSoftmax") == 0 };
  int64_t outer;

  (void) error;
  split3 (x, axis, axis + 1, &outer, &t.mid, &t.inner);
  _trawl_nn_parallel (c->pool, outer * t.inner, MAX (1, 16384 / MAX (t.mid, 1)), softmax_task, &t);
  return TRUE;
}

/* ---- Reduce* and ArgMax/ArgMin ---- */

typedef struct {
  gboolean reduce[TRAWL_NN_MAX_DIMS];
  gboolean keep;
} RedSpec;

static gboolean
red_spec (TrawlNnOpCtx *c, RedSpec *s, GError **error)
{
  const TrawlNnTensor *x = c->in[0];
  const int64_t *a;
  int64_t axes[TRAWL_NN_MAX_DIMS];
  int n = trawl_nn_attrs_get_ints (c->attrs, "axes", &a);

  memset (s, 0, sizeof *s);
  s->keep = trawl_nn_attrs_get_int (c->attrs, "keepdims", 1) != 0;
  if (n > TRAWL_NN_MAX_DIMS)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "too many axes");
  if (n > 0)
    memcpy (axes, a, sizeof (int64_t) * n);
  else if (c->n_in > 1 && c->in[1])
    {
      n = _trawl_nn_const_ints (c, 1, axes, TRAWL_NN_MAX_DIMS, error);
      if (n < 0)
        return FALSE;
    }
  if (n == 0)
    {
      gboolean noop = trawl_nn_attrs_get_int (c->attrs, "noop_with_empty_axes", 0) != 0;
      for (int d = 0; d < x->ndim; d++)
        s->reduce[d] = !noop;
      return TRUE;
    }
  for (int i = 0; i < n; i++)
    {
      int ax = _trawl_nn_axis (axes[i], x->ndim);
      if (ax < 0)
        return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "bad axis %d", (int) axes[i]);
      s->reduce[ax] = TRUE;
    }
  return TRUE;
}

static void
red_shape (const TrawlNnTensor *x, const RedSpec *s, TrawlNnTensor *o)
{
  o->ndim = 0;
  for (int d = 0; d < x->ndim; d++)
    {
      if (!s->reduce[d])
        o->dims[o->ndim++] = x->dims[d];
      else if (s->keep)
        o->dims[o->ndim++] = 1;
    }
}

static gboolean
reduce_infer (TrawlNnOpCtx *c, GError **error)
{
  RedSpec s;

  if (c->in[0]->dtype != TRAWL_NN_F32)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "non-float input");
  if (!red_spec (c, &s, error))
    return FALSE;
  c->out[0]->dtype = TRAWL_NN_F32;
  red_shape (c->in[0], &s, c->out[0]);
  return TRUE;
}

typedef enum { R_MEAN, R_SUM, R_MAX, R_MIN, R_PROD, R_L2, R_SUMSQ } RedKind;

static RedKind
red_kind (const char *op)
{
  if (strcmp (op, "ReduceMean") == 0) return R_MEAN;
  if (strcmp (op, "ReduceSum") == 0) return R_SUM;
  if (strcmp (op, "ReduceMax") == 0) return R_MAX;
  if (strcmp (op, "ReduceMin") == 0) return R_MIN;
  if (strcmp (op, "ReduceProd") == 0) return R_PROD;
  if (strcmp (op, "ReduceL2") == 0) return R_L2;
  return R_SUMSQ;
}

/* Walks every input element once, accumulating into its output slot. */
static gboolean
reduce_run (TrawlNnOpCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->in[0];
  RedKind k = red_kind (c->op_type);
  RedSpec s;
  int64_t ost[TRAWL_NN_MAX_DIMS], n = trawl_nn_tensor_numel (x), no, cnt;
  float *o = c->out[0]->data;
  const float *in = x->data;
  int64_t stride = 1;

  if (!red_spec (c, &s, error))
    return FALSE;
  no = trawl_nn_tensor_numel (c->out[0]);
  cnt = n / MAX (no, 1);
  for (int d = x->ndim - 1; d >= 0; d--)
    {
      ost[d] = s.reduce[d] ? 0 : stride;
      if (!s.reduce[d])
        stride *= x->dims[d];
    }
  for (int64_t i = 0; i < no; i++)
    o[i] = k == R_MAX ? -FLT_MAX : k == R_MIN ? FLT_MAX : k == R_PROD ? 1.0f : 0.0f;
  for (int64_t i = 0; i < n; i++)
    {
      int64_t r = i, oi = 0;
      float v = in[i];

      for (int d = x->ndim - 1; d >= 0; d--)
        {
          oi += (r % x->dims[d]) * ost[d];
          r /= x->dims[d];
        }
      switch (k)
        {
        case R_MEAN: case R_SUM: o[oi] += v; break;
        case R_MAX: o[oi] = fmaxf (o[oi], v); break;
        case R_MIN: o[oi] = fminf (o[oi], v); break;
        case R_PROD: o[oi] *= v; break;
        case R_L2: case R_SUMSQ: o[oi] += v * v; break;
        }
    }
  if (k == R_MEAN)
    for (int64_t i = 0; i < no; i++)
      o[i] /= (float) MAX (cnt, 1);
  if (k == R_L2)
    for (int64_t i = 0; i < no; i++)
      o[i] = sqrtf (o[i]);
  return TRUE;
}

static gboolean
argmax_infer (TrawlNnOpCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->in[0];
  int axis = _trawl_nn_axis (trawl_nn_attrs_get_int (c->attrs, "axis", 0), x->ndim);
  RedSpec s = { { FALSE }, trawl_nn_attrs_get_int (c->attrs, "keepdims", 1) != 0 };

  if (axis < 0 || x->dtype != TRAWL_NN_F32)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "bad axis or dtype");
  s.reduce[axis] = TRUE;
  c->out[0]->dtype = TRAWL_NN_I64;
  red_shape (x, &s, c->out[0]);
  return TRUE;
}

static gboolean
argmax_run (TrawlNnOpCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->in[0];
  int axis = _trawl_nn_axis (trawl_nn_attrs_get_int (c->attrs, "axis", 0), x->ndim);
  gboolean last = trawl_nn_attrs_get_int (c->attrs, "select_last_index", 0) != 0;
  gboolean is_max = strcmp (c->op_type, "ArgMax") == 0;
  int64_t outer, mid, inner;

  (void) error;
  split3 (x, axis, axis + 1, &outer, &mid, &inner);
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++)
      {
        const float *s = (const float *) x->data + o * mid * inner + i;
        int64_t best = 0;

        for (int64_t j = 1; j < mid; j++)
          {
            float v = s[j * inner], b = s[best * inner];
            if (is_max ? (v > b || (last && v == b)) : (v < b || (last && v == b)))
              best = j;
          }
        ((int64_t *) c->out[0]->data)[o * inner + i] = best;
      }
  return TRUE;
}

/* ---- Resize / Upsample ---- */

typedef enum { CT_HALF_PIXEL, CT_PYTORCH_HALF_PIXEL, CT_ALIGN_CORNERS, CT_ASYMMETRIC,
               CT_TF_HALF_PIXEL_NN } CoordMode;
typedef enum { NM_ROUND_PREFER_FLOOR, NM_ROUND_PREFER_CEIL, NM_FLOOR, NM_CEIL } NearestMode;

typedef struct {
  gboolean    linear;
  CoordMode   coord;
  NearestMode nearest;
  float       scales[TRAWL_NN_MAX_DIMS];
  int64_t     out[TRAWL_NN_MAX_DIMS];
} ResizeSpec;

static gboolean
resize_spec (TrawlNnOpCtx *c, ResizeSpec *s, GError **error)
{
  const TrawlNnTensor *x = c->in[0];
  const char *mode = trawl_nn_attrs_get_string (c->attrs, "mode", "nearest");
  gboolean upsample = strcmp (c->op_type, "Upsample") == 0;
  /* opset 10 Resize and Upsample: (X, scales), asymmetric, floor */
  gboolean old = upsample || c->n_in == 2;
  const char *ct = trawl_nn_attrs_get_string (c->attrs, "coordinate_transformation_mode",
                                              old ? "asymmetric" : "half_pixel");
  const char *nm = trawl_nn_attrs_get_string (c->attrs, "nearest_mode",
                                              old ? "floor" : "round_prefer_floor");
  const TrawlNnTensor *scales = NULL, *sizes = NULL;
  int r = x->ndim;

  memset (s, 0, sizeof *s);
  if (strcmp (mode, "nearest") == 0)
    s->linear = FALSE;
  else if (strcmp (mode, "linear") == 0 || strcmp (mode, "bilinear") == 0)
    s->linear = TRUE;
  else
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "mode %s", mode);
  if (strcmp (ct, "half_pixel") == 0) s->coord = CT_HALF_PIXEL;
  else if (strcmp (ct, "pytorch_half_pixel") == 0) s->coord = CT_PYTORCH_HALF_PIXEL;
  else if (strcmp (ct, "align_corners") == 0) s->coord = CT_ALIGN_CORNERS;
  else if (strcmp (ct, "asymmetric") == 0) s->coord = CT_ASYMMETRIC;
  else if (strcmp (ct, "tf_half_pixel_for_nn") == 0) s->coord = CT_TF_HALF_PIXEL_NN;
  else
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "coordinate mode %s", ct);
  if (strcmp (nm, "round_prefer_floor") == 0) s->nearest = NM_ROUND_PREFER_FLOOR;
  else if (strcmp (nm, "round_prefer_ceil") == 0) s->nearest = NM_ROUND_PREFER_CEIL;
  else if (strcmp (nm, "floor") == 0) s->nearest = NM_FLOOR;
  else if (strcmp (nm, "ceil") == 0) s->nearest = NM_CEIL;
  else
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "nearest mode %s", nm);

  if (old)
    scales = c->n_in > 1 ? c->in[1] : NULL;
  else
    {
      scales = c->n_in > 2 ? c->in[2] : NULL;
      sizes = c->n_in > 3 ? c->in[3] : NULL;
    }
  if (scales && trawl_nn_tensor_numel (scales) == 0)
    scales = NULL;
  if (sizes && trawl_nn_tensor_numel (sizes) == 0)
    sizes = NULL;
  if (sizes)
    {
      int64_t v[TRAWL_NN_MAX_DIMS];
      int n = _trawl_nn_const_ints (c, 3, v, TRAWL_NN_MAX_DIMS, error);

      if (n < 0)
        return FALSE;
      if (n != r)
        return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "%d sizes for rank %d", n, r);
      for (int d = 0; d < r; d++)
        {
          s->out[d] = v[d];
          s->scales[d] = (float) v[d] / (float) MAX (x->dims[d], 1);
        }
      return TRUE;
    }
  if (scales == NULL)
    {
      const float *a;
      if (trawl_nn_attrs_get_floats (c->attrs, "scales", &a) != r)
        return _trawl_nn_fail (error, TRAWL_NN_ERROR_FORMAT, c, "neither scales nor sizes");
      memcpy (s->scales, a, sizeof (float) * r);
    }
  else
    {
      if (scales->data == NULL)
        return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c,
                               "scales must be known at plan time");
      if (trawl_nn_tensor_numel (scales) != r || scales->dtype != TRAWL_NN_F32)
        return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "scales do not match rank %d", r);
      memcpy (s->scales, scales->data, sizeof (float) * r);
    }
  for (int d = 0; d < r; d++)
    {
      if (s->scales[d] <= 0)
        return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "non-positive scale");
      s->out[d] = (int64_t) floorf ((float) x->dims[d] * s->scales[d]);
    }
  return TRUE;
}

static gboolean
resize_infer (TrawlNnOpCtx *c, GError **error)
{
  ResizeSpec s;

  if (c->in[0]->dtype != TRAWL_NN_F32)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "non-float input");
  if (!resize_spec (c, &s, error))
    return FALSE;
  _trawl_nn_same_shape (c->out[0], c->in[0]);
  memcpy (c->out[0]->dims, s.out, sizeof (int64_t) * c->in[0]->ndim);
  if (s.linear)
    for (int d = 0; d < c->in[0]->ndim - 2; d++)
      if (s.out[d] != c->in[0]->dims[d])
        return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c,
                               "linear resize of other than the last two dims");
  return TRUE;
}

static float
orig_coord (const ResizeSpec *s, int d, int64_t x, int64_t in, int64_t out)
{
  float sc = s->scales[d];

  switch (s->coord)
    {
    case CT_HALF_PIXEL: return (x + 0.5f) / sc - 0.5f;
    case CT_PYTORCH_HALF_PIXEL: return out > 1 ? (x + 0.5f) / sc - 0.5f : 0.0f;
    case CT_ALIGN_CORNERS: return out > 1 ? x * (float) (in - 1) / (float) (out - 1) : 0.0f;
    case CT_ASYMMETRIC: return x / sc;
    case CT_TF_HALF_PIXEL_NN: return (x + 0.5f) / sc;
    }
  return 0.0f;
}

static int64_t
nearest_index (const ResizeSpec *s, float v, int64_t in)
{
  int64_t i;

  switch (s->nearest)
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

static void
resize_nearest (const TrawlNnOpCtx *c, const ResizeSpec *s)
{
  const TrawlNnTensor *x = c->in[0], *o = c->out[0];
  int r = x->ndim;
  int64_t *map[TRAWL_NN_MAX_DIMS], ist[TRAWL_NN_MAX_DIMS], st = 1, rows = 1;
  int64_t inner = r ? o->dims[r - 1] : 1;

  for (int d = r - 1; d >= 0; d--)
    {
      ist[d] = st;
      st *= x->dims[d];
      map[d] = g_new (int64_t, MAX (o->dims[d], 1));
      for (int64_t i = 0; i < o->dims[d]; i++)
        map[d][i] = nearest_index (s, orig_coord (s, d, i, x->dims[d], o->dims[d]), x->dims[d]);
    }
  for (int d = 0; d < r - 1; d++)
    rows *= o->dims[d];
  for (int64_t row = 0; row < rows; row++)
    {
      int64_t rr = row, off = 0;
      const float *src;
      float *dst = (float *) o->data + row * inner;

      for (int d = r - 2; d >= 0; d--)
        {
          off += map[d][rr % o->dims[d]] * ist[d];
          rr /= o->dims[d];
        }
      src = (const float *) x->data + off;
      for (int64_t i = 0; i < inner; i++)
        dst[i] = src[map[r - 1][i]];
    }
  for (int d = 0; d < r; d++)
    g_free (map[d]);
}

/* Bilinear over the last two dims (or linear over the last one). */
static void
resize_linear (const TrawlNnOpCtx *c, const ResizeSpec *s)
{
  const TrawlNnTensor *x = c->in[0], *o = c->out[0];
  int r = x->ndim;
  int64_t ih = r >= 2 ? x->dims[r - 2] : 1, iw = x->dims[r - 1];
  int64_t oh = r >= 2 ? o->dims[r - 2] : 1, ow = o->dims[r - 1];
  int64_t planes = trawl_nn_tensor_numel (x) / MAX (ih * iw, 1);
  int64_t *x0 = g_new (int64_t, ow), *x1 = g_new (int64_t, ow);
  float *fx = g_new (float, ow);

  for (int64_t i = 0; i < ow; i++)
    {
      float v = CLAMP (orig_coord (s, r - 1, i, iw, ow), 0.0f, (float) (iw - 1));
      x0[i] = (int64_t) v;
      x1[i] = MIN (x0[i] + 1, iw - 1);
      fx[i] = v - x0[i];
    }
  for (int64_t p = 0; p < planes; p++)
    for (int64_t oy = 0; oy < oh; oy++)
      {
        float v = r >= 2 ? CLAMP (orig_coord (s, r - 2, oy, ih, oh), 0.0f, (float) (ih - 1)) : 0;
        int64_t y0 = (int64_t) v, y1 = MIN (y0 + 1, ih - 1);
        float fy = v - y0;
        const float *a = (const float *) x->data + (p * ih + y0) * iw;
        const float *b = (const float *) x->data + (p * ih + y1) * iw;
        float *d = (float *) o->data + (p * oh + oy) * ow;

        for (int64_t i = 0; i < ow; i++)
          {
            float top = a[x0[i]] + (a[x1[i]] - a[x0[i]]) * fx[i];
            float bot = b[x0[i]] + (b[x1[i]] - b[x0[i]]) * fx[i];
            d[i] = top + (bot - top) * fy;
          }
      }
  g_free (x0);
  g_free (x1);
  g_free (fx);
}

static gboolean
resize_run (TrawlNnOpCtx *c, GError **error)
{
  ResizeSpec s;

  if (!resize_spec (c, &s, error))
    return FALSE;
  if (s.linear)
    resize_linear (c, &s);
  else
    resize_nearest (c, &s);
  return TRUE;
}

const TrawlNnOpDef _trawl_nn_ops_misc[] = {
  { "BatchNormalization", 5, 5, 1, 1, 0, bn_infer, NULL, NULL, bn_run },
  { "LayerNormalization", 2, 3, 1, 3, 0, ln_infer, NULL, NULL, ln_run },
  { "Softmax", 1, 1, 1, 1, 0, softmax_infer, NULL, NULL, softmax_run },
  { "LogSoftmax", 1, 1, 1, 1, 0, softmax_infer, NULL, NULL, softmax_run },
  { "ReduceMean", 1, 2, 1, 1, 0, reduce_infer, NULL, NULL, reduce_run },
  { "ReduceSum", 1, 2, 1, 1, 0, reduce_infer, NULL, NULL, reduce_run },
  { "ReduceMax", 1, 2, 1, 1, 0, reduce_infer, NULL, NULL, reduce_run },
  { "ReduceMin", 1, 2, 1, 1, 0, reduce_infer, NULL, NULL, reduce_run },
  { "ReduceProd", 1, 2, 1, 1, 0, reduce_infer, NULL, NULL, reduce_run },
  { "ReduceL2", 1, 2, 1, 1, 0, reduce_infer, NULL, NULL, reduce_run },
  { "ReduceSumSquare", 1, 2, 1, 1, 0, reduce_infer, NULL, NULL, reduce_run },
  { "ArgMax", 1, 1, 1, 1, 0, argmax_infer, NULL, NULL, argmax_run },
  { "ArgMin", 1, 1, 1, 1, 0, argmax_infer, NULL, NULL, argmax_run },
  { "Resize", 1, 4, 1, 1, 0, resize_infer, NULL, NULL, resize_run },
  { "Upsample", 1, 2, 1, 1, 0, resize_infer, NULL, NULL, resize_run },
  { NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};
