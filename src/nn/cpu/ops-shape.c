/* ops-shape.c - CPU kernels that move data without arithmetic: Shape,
 * Reshape and friends (views), Gather, Concat, Slice, Split, Transpose, Pad,
 * Expand, Tile, and constant producers (Constant, ConstantOfShape, Range).
 *
 * Ops here work on any dtype by copying bytes. Those fed by shape
 * subgraphs usually run once, at plan time, when the planner folds them.
 */
#include "ops.h"

#include <math.h>
#include <string.h>

int
_trawl_nn_const_ints (const TrawlNnOpCtx *c, int input, int64_t *v, int max, GError **error)
{
  const TrawlNnTensor *t = input < c->n_in ? c->in[input] : NULL;
  int64_t n;

  if (t == NULL)
    return 0;
  if (t->data == NULL)
    {
      _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c,
                      "input %d must be known at plan time", input);
      return -1;
    }
  n = trawl_nn_tensor_numel (t);
  if (n > max)
    {
      _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "input %d has %" G_GINT64_FORMAT
                      " elements (at most %d)", input, n, max);
      return -1;
    }
  for (int64_t i = 0; i < n; i++)
    v[i] = t->dtype == TRAWL_NN_I64 ? ((const int64_t *) t->data)[i]
                                    : (int64_t) ((const float *) t->data)[i];
  return (int) n;
}

/* Axes from attribute "axes" (old opsets) or from input 1 (opset 13). */
static int
get_axes (const TrawlNnOpCtx *c, int input, int64_t *axes, GError **error)
{
  const int64_t *a;
  int n = trawl_nn_attrs_get_ints (c->attrs, "axes", &a);

  if (n > 0)
    {
      memcpy (axes, a, sizeof (int64_t) * MIN (n, 16));
      return MIN (n, 16);
    }
  return _trawl_nn_const_ints (c, input, axes, 16, error);
}

static gsize
bytes_of (const TrawlNnTensor *t)
{
  return (gsize) trawl_nn_tensor_numel (t) * _trawl_nn_dtype_size (t->dtype);
}

/* Copies src viewed with element strides sst (any, including 0) into the
 * dense dst; the innermost run is a memcpy when contiguous. */
static void
copy_strided (char *dst, const char *src, int ndim, const int64_t *dims, const int64_t *sst,
              gsize es)
{
  int64_t idx[TRAWL_NN_MAX_DIMS] = { 0 };
  int64_t inner, outer = 1;

  if (ndim == 0)
    {
      memcpy (dst, src, es);
      return;
    }
  inner = dims[ndim - 1];
  for (int d = 0; d < ndim - 1; d++)
    outer *= dims[d];
  for (int64_t r = 0; r < outer; r++)
    {
      int64_t off = 0;

      for (int d = 0; d < ndim - 1; d++)
        off += idx[d] * sst[d];
      if (sst[ndim - 1] == 1)
        memcpy (dst, src + off * es, inner * es);
      else if (es == 4)
        for (int64_t i = 0; i < inner; i++)
          ((uint32_t *) dst)[i] = ((const uint32_t *) src)[off + i * sst[ndim - 1]];
      else
        for (int64_t i = 0; i < inner; i++)
          memcpy (dst + i * es, src + (off + i * sst[ndim - 1]) * es, es);
      dst += inner * es;
      for (int d = ndim - 2; d >= 0; d--)
        {
          if (++idx[d] < dims[d])
            break;
          idx[d] = 0;
        }
    }
}

static void
dense_strides (const TrawlNnTensor *t, int64_t *st)
{
  int64_t s = 1;

  for (int d = t->ndim - 1; d >= 0; d--)
    {
      st[d] = s;
      s *= t->dims[d];
    }
}

/* ---- views ---- */

static gboolean
view_run (TrawlNnOpCtx *c, GError **error)
{
  (void) error;
  if (c->out[0]->data != c->in[0]->data)
    memcpy (c->out[0]->data, c->in[0]->data, bytes_of (c->out[0]));
  return TRUE;
}

static gboolean
identity_infer (TrawlNnOpCtx *c, GError **error)
{
  (void) error;
  _trawl_nn_same_shape (c->out[0], c->in[0]);
  return TRUE;
}

static gboolean
reshape_infer (TrawlNnOpCtx *c, GError **error)
{
  int64_t shape[TRAWL_NN_MAX_DIMS + 1], known = 1, total = trawl_nn_tensor_numel (c->in[0]);
  int n = _trawl_nn_const_ints (c, 1, shape, TRAWL_NN_MAX_DIMS, error);
  int neg = -1;
  gboolean allowzero = trawl_nn_attrs_get_int (c->attrs, "allowzero", 0) != 0;
  TrawlNnTensor *o = c->out[0];

  if (n < 0)
    return FALSE;
  o->dtype = c->in[0]->dtype;
  o->ndim = n;
  for (int i = 0; i < n; i++)
    {
      int64_t d = shape[i];

      if (d == 0 && !allowzero)
        {
          if (i >= c->in[0]->ndim)
            return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "0 beyond input rank");
          d = c->in[0]->dims[i];
        }
      if (d == -1)
        {
          if (neg >= 0)
            return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "two -1 dims");
          neg = i;
          d = 1;
        }
      else if (d < 0)
        return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "dim %" G_GINT64_FORMAT, d);
      o->dims[i] = d;
      known *= d;
    }
  if (neg >= 0)
    {
      if (known == 0 || total % known)
        return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "cannot infer -1");
      o->dims[neg] = total / known;
      known = total;
    }
  if (known != total)
    {
      char *a = _trawl_nn_dims_str (c->in[0]->ndim, c->in[0]->dims);
      char *b = _trawl_nn_dims_str (o->ndim, o->dims);
      _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "cannot reshape %s to %s", a, b);
      g_free (a);
      g_free (b);
      return FALSE;
    }
  return TRUE;
}

static gboolean
flatten_infer (TrawlNnOpCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->in[0];
  int64_t axis = trawl_nn_attrs_get_int (c->attrs, "axis", 1), a = 1, b = 1;

  if (axis < 0)
    axis += x->ndim;
  if (axis < 0 || axis > x->ndim)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "bad axis");
  for (int d = 0; d < x->ndim; d++)
    {
      if (d < axis)
        a *= x->dims[d];
      else
        b *= x->dims[d];
    }
  c->out[0]->dtype = x->dtype;
  c->out[0]->ndim = 2;
  c->out[0]->dims[0] = a;
  c->out[0]->dims[1] = b;
  return TRUE;
}

static gboolean
squeeze_infer (TrawlNnOpCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->in[0];
  int64_t axes[16];
  int n = get_axes (c, 1, axes, error);
  gboolean drop[TRAWL_NN_MAX_DIMS] = { FALSE };
  TrawlNnTensor *o = c->out[0];

  if (n < 0)
    return FALSE;
  for (int i = 0; i < n; i++)
    {
      int a = _trawl_nn_axis (axes[i], x->ndim);

      if (a < 0 || x->dims[a] != 1)
        return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "cannot squeeze axis %d",
                               (int) axes[i]);
      drop[a] = TRUE;
    }
  o->dtype = x->dtype;
  o->ndim = 0;
  for (int d = 0; d < x->ndim; d++)
    if (!(n == 0 ? x->dims[d] == 1 : drop[d]))
      o->dims[o->ndim++] = x->dims[d];
  return TRUE;
}

static gboolean
unsqueeze_infer (TrawlNnOpCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->in[0];
  int64_t axes[16];
  int n = get_axes (c, 1, axes, error), r, k = 0;
  gboolean ins[TRAWL_NN_MAX_DIMS] = { FALSE };
  TrawlNnTensor *o = c->out[0];

  if (n < 0)
    return FALSE;
  r = x->ndim + n;
  if (r > TRAWL_NN_MAX_DIMS)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "rank %d", r);
  for (int i = 0; i < n; i++)
    {
      int a = _trawl_nn_axis (axes[i], r);

      if (a < 0 || ins[a])
        return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "bad axis %d", (int) axes[i]);
      ins[a] = TRUE;
    }
  o->dtype = x->dtype;
  o->ndim = r;
  for (int d = 0; d < r; d++)
    o->dims[d] = ins[d] ? 1 : x->dims[k++];
  return TRUE;
}

/* ---- Shape ---- */

static gboolean
shape_infer (TrawlNnOpCtx *c, GError **error)
{
  int r = c->in[0]->ndim;
  int64_t s = trawl_nn_attrs_get_int (c->attrs, "start", 0);
  int64_t e = trawl_nn_attrs_get_int (c->attrs, "end", r);

  (void) error;
  s = CLAMP (s < 0 ? s + r : s, 0, r);
  e = CLAMP (e < 0 ? e + r : e, 0, r);
  c->out[0]->dtype = TRAWL_NN_I64;
  c->out[0]->ndim = 1;
  c->out[0]->dims[0] = MAX (e - s, 0);
  return TRUE;
}

static gboolean
shape_run (TrawlNnOpCtx *c, GError **error)
{
  int r = c->in[0]->ndim;
  int64_t s = trawl_nn_attrs_get_int (c->attrs, "start", 0);

  (void) error;
  s = CLAMP (s < 0 ? s + r : s, 0, r);
  for (int64_t i = 0; i < c->out[0]->dims[0]; i++)
    ((int64_t *) c->out[0]->data)[i] = c->in[0]->dims[s + i];
  return TRUE;
}

static gboolean
size_infer (TrawlNnOpCtx *c, GError **error)
{
  (void) error;
  c->out[0]->dtype = TRAWL_NN_I64;
  c->out[0]->ndim = 0;
  return TRUE;
}

static gboolean
size_run (TrawlNnOpCtx *c, GError **error)
{
  (void) error;
  *(int64_t *) c->out[0]->data = trawl_nn_tensor_numel (c->in[0]);
  return TRUE;
}

/* ---- Gather ---- */

static gboolean
gather_infer (TrawlNnOpCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->in[0], *idx = c->in[1];
  int axis = _trawl_nn_axis (trawl_nn_attrs_get_int (c->attrs, "axis", 0), x->ndim);
  TrawlNnTensor *o = c->out[0];
  int k = 0;

  if (axis < 0)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "bad axis");
  if (idx->dtype != TRAWL_NN_I64)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "float indices");
  if (x->ndim - 1 + idx->ndim > TRAWL_NN_MAX_DIMS)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "rank too large");
  o->dtype = x->dtype;
  for (int d = 0; d < axis; d++)
    o->dims[k++] = x->dims[d];
  for (int d = 0; d < idx->ndim; d++)
    o->dims[k++] = idx->dims[d];
  for (int d = axis + 1; d < x->ndim; d++)
    o->dims[k++] = x->dims[d];
  o->ndim = k;
  return TRUE;
}

static gboolean
gather_run (TrawlNnOpCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->in[0], *idx = c->in[1];
  int axis = _trawl_nn_axis (trawl_nn_attrs_get_int (c->attrs, "axis", 0), x->ndim);
  int64_t outer = 1, inner = 1, n = x->dims[axis], ni = trawl_nn_tensor_numel (idx);
  gsize es = _trawl_nn_dtype_size (x->dtype);
  char *dst = c->out[0]->data;

  for (int d = 0; d < axis; d++)
    outer *= x->dims[d];
  for (int d = axis + 1; d < x->ndim; d++)
    inner *= x->dims[d];
  for (int64_t o = 0; o < outer; o++)
    for (int64_t j = 0; j < ni; j++)
      {
        int64_t i = ((const int64_t *) idx->data)[j];

        if (i < 0)
          i += n;
        if (i < 0 || i >= n)
          return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "index out of range");
        memcpy (dst, (const char *) x->data + ((o * n + i) * inner) * es, inner * es);
        dst += inner * es;
      }
  return TRUE;
}

/* ---- Concat ---- */

static gboolean
concat_infer (TrawlNnOpCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->in[0];
  int axis = _trawl_nn_axis (trawl_nn_attrs_get_int (c->attrs, "axis", 0), x->ndim);
  TrawlNnTensor *o = c->out[0];

  if (axis < 0)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "bad axis");
  _trawl_nn_same_shape (o, x);
  o->dims[axis] = 0;
  for (int i = 0; i < c->n_in; i++)
    {
      const TrawlNnTensor *t = c->in[i];

      if (t == NULL || t->ndim != x->ndim || t->dtype != x->dtype)
        return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "input %d rank/dtype differs", i);
      for (int d = 0; d < x->ndim; d++)
        if (d != axis && t->dims[d] != x->dims[d])
          {
            char *a = _trawl_nn_dims_str (x->ndim, x->dims);
            char *b = _trawl_nn_dims_str (t->ndim, t->dims);
            _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "input %d %s does not fit %s", i, b, a);
            g_free (a);
            g_free (b);
            return FALSE;
          }
      o->dims[axis] += t->dims[axis];
    }
  return TRUE;
}

static gboolean
concat_run (TrawlNnOpCtx *c, GError **error)
{
  const TrawlNnTensor *o = c->out[0];
  int axis = _trawl_nn_axis (trawl_nn_attrs_get_int (c->attrs, "axis", 0), o->ndim);
  int64_t outer = 1, inner = 1, done = 0;
  gsize es = _trawl_nn_dtype_size (o->dtype);

  (void) error;
  for (int d = 0; d < axis; d++)
    outer *= o->dims[d];
  for (int d = axis + 1; d < o->ndim; d++)
    inner *= o->dims[d];
  for (int i = 0; i < c->n_in; i++)
    {
      int64_t rows = c->in[i]->dims[axis] * inner;

      for (int64_t r = 0; r < outer; r++)
        memcpy ((char *) o->data + (r * o->dims[axis] * inner + done) * es,
                (const char *) c->in[i]->data + r * rows * es, rows * es);
      done += rows;
    }
  return TRUE;
}

/* ---- Slice ---- */

typedef struct {
  int64_t start[TRAWL_NN_MAX_DIMS];
  int64_t step[TRAWL_NN_MAX_DIMS];
} SliceSpec;

static gboolean
slice_spec (TrawlNnOpCtx *c, SliceSpec *s, int64_t *odims, GError **error)
{
  const TrawlNnTensor *x = c->in[0];
  int64_t starts[16], ends[16], axes[16], steps[16];
  int ns, ne, na, nst;
  const int64_t *a;

  if (c->n_in >= 3)
    {
      ns = _trawl_nn_const_ints (c, 1, starts, 16, error);
      ne = ns < 0 ? -1 : _trawl_nn_const_ints (c, 2, ends, 16, error);
      na = ne < 0 ? -1 : _trawl_nn_const_ints (c, 3, axes, 16, error);
      nst = na < 0 ? -1 : _trawl_nn_const_ints (c, 4, steps, 16, error);
      if (nst < 0)
        return FALSE;
    }
  else
    {
      ns = trawl_nn_attrs_get_ints (c->attrs, "starts", &a);
      memcpy (starts, a, sizeof (int64_t) * MIN (ns, 16));
      ne = trawl_nn_attrs_get_ints (c->attrs, "ends", &a);
      memcpy (ends, a, sizeof (int64_t) * MIN (ne, 16));
      na = trawl_nn_attrs_get_ints (c->attrs, "axes", &a);
      memcpy (axes, a, sizeof (int64_t) * MIN (na, 16));
      nst = 0;
    }
  if (ns != ne || (na && na != ns) || (nst && nst != ns) || ns > x->ndim)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_FORMAT, c, "starts/ends/axes/steps differ");
  for (int d = 0; d < x->ndim; d++)
    {
      s->start[d] = 0;
      s->step[d] = 1;
      odims[d] = x->dims[d];
    }
  for (int i = 0; i < ns; i++)
    {
      int ax = _trawl_nn_axis (na ? axes[i] : i, x->ndim);
      int64_t dim, st, en, step = nst ? steps[i] : 1;

      if (ax < 0 || step == 0)
        return _trawl_nn_fail (error, TRAWL_NN_ERROR_FORMAT, c, "bad axis or step");
      dim = x->dims[ax];
      st = starts[i] < 0 ? starts[i] + dim : starts[i];
      en = ends[i] < 0 ? ends[i] + dim : ends[i];
      if (step > 0)
        {
          st = CLAMP (st, 0, dim);
          en = CLAMP (en, 0, dim);
          odims[ax] = en > st ? (en - st + step - 1) / step : 0;
        }
      else
        {
          st = CLAMP (st, 0, dim - 1);
          en = CLAMP (en, -1, dim - 1);
          odims[ax] = st > en ? (st - en - step - 1) / (-step) : 0;
        }
      s->start[ax] = st;
      s->step[ax] = step;
    }
  return TRUE;
}

static gboolean
slice_infer (TrawlNnOpCtx *c, GError **error)
{
  SliceSpec s;

  c->out[0]->dtype = c->in[0]->dtype;
  c->out[0]->ndim = c->in[0]->ndim;
  return slice_spec (c, &s, c->out[0]->dims, error);
}

static gboolean
slice_run (TrawlNnOpCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->in[0];
  TrawlNnTensor *o = c->out[0];
  SliceSpec s;
  int64_t od[TRAWL_NN_MAX_DIMS], st[TRAWL_NN_MAX_DIMS], sst[TRAWL_NN_MAX_DIMS], off = 0;
  gsize es = _trawl_nn_dtype_size (x->dtype);

  if (!slice_spec (c, &s, od, error))
    return FALSE;
  if (trawl_nn_tensor_numel (o) == 0)
    return TRUE;
  dense_strides (x, st);
  for (int d = 0; d < x->ndim; d++)
    {
      off += s.start[d] * st[d];
      sst[d] = s.step[d] * st[d];
    }
  copy_strided (o->data, (const char *) x->data + off * es, o->ndim, o->dims, sst, es);
  return TRUE;
}

/* ---- Split ---- */

static gboolean
split_sizes (TrawlNnOpCtx *c, int axis, int64_t *sizes, GError **error)
{
  const int64_t *a;
  int n = trawl_nn_attrs_get_ints (c->attrs, "split", &a);
  int64_t dim = c->in[0]->dims[axis], sum = 0;

  if (n == 0 && c->n_in > 1 && c->in[1])
    {
      int64_t tmp[64];

      n = _trawl_nn_const_ints (c, 1, tmp, 64, error);
      if (n < 0)
        return FALSE;
      memcpy (sizes, tmp, sizeof (int64_t) * MIN (n, c->n_out));
      a = sizes;
    }
  if (n == 0)
    {
      int64_t each = (dim + c->n_out - 1) / c->n_out;
      for (int i = 0; i < c->n_out; i++)
        sizes[i] = CLAMP (dim - i * each, 0, each);
      return TRUE;
    }
  if (n != c->n_out)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_FORMAT, c, "%d sizes for %d outputs", n,
                           c->n_out);
  for (int i = 0; i < n; i++)
    sum += (sizes[i] = a[i]);
  if (sum != dim)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "sizes do not add up");
  return TRUE;
}

static gboolean
split_infer (TrawlNnOpCtx *c, GError **error)
{
  int axis = _trawl_nn_axis (trawl_nn_attrs_get_int (c->attrs, "axis", 0), c->in[0]->ndim);
  int64_t sizes[64];

  if (axis < 0 || c->n_out > 64)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "bad axis");
  if (!split_sizes (c, axis, sizes, error))
    return FALSE;
  for (int i = 0; i < c->n_out; i++)
    {
      _trawl_nn_same_shape (c->out[i], c->in[0]);
      c->out[i]->dims[axis] = sizes[i];
    }
  return TRUE;
}

static gboolean
split_run (TrawlNnOpCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->in[0];
  int axis = _trawl_nn_axis (trawl_nn_attrs_get_int (c->attrs, "axis", 0), x->ndim);
  int64_t outer = 1, inner = 1, done = 0;
  gsize es = _trawl_nn_dtype_size (x->dtype);

  (void) error;
  for (int d = 0; d < axis; d++)
    outer *= x->dims[d];
  for (int d = axis + 1; d < x->ndim; d++)
    inner *= x->dims[d];
  for (int i = 0; i < c->n_out; i++)
    {
      int64_t rows = c->out[i]->dims[axis] * inner;

      for (int64_t r = 0; r < outer; r++)
        memcpy ((char *) c->out[i]->data + r * rows * es,
                (const char *) x->data + (r * x->dims[axis] * inner + done) * es, rows * es);
      done += rows;
    }
  return TRUE;
}

/* ---- Transpose ---- */

static int
get_perm (const TrawlNnOpCtx *c, int64_t *perm)
{
  const int64_t *p;
  int n = trawl_nn_attrs_get_ints (c->attrs, "perm", &p), r = c->in[0]->ndim;

  for (int i = 0; i < r; i++)
    perm[i] = n == r ? p[i] : r - 1 - i;
  return n == 0 || n == r;
}

static gboolean
transpose_infer (TrawlNnOpCtx *c, GError **error)
{
  int64_t perm[TRAWL_NN_MAX_DIMS];
  int r = c->in[0]->ndim;
  gboolean seen[TRAWL_NN_MAX_DIMS] = { FALSE };

  if (!get_perm (c, perm))
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "perm length differs from rank");
  c->out[0]->dtype = c->in[0]->dtype;
  c->out[0]->ndim = r;
  for (int i = 0; i < r; i++)
    {
      if (perm[i] < 0 || perm[i] >= r || seen[perm[i]])
        return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "bad perm");
      seen[perm[i]] = TRUE;
      c->out[0]->dims[i] = c->in[0]->dims[perm[i]];
    }
  return TRUE;
}

static gboolean
transpose_run (TrawlNnOpCtx *c, GError **error)
{
  int64_t perm[TRAWL_NN_MAX_DIMS], st[TRAWL_NN_MAX_DIMS], sst[TRAWL_NN_MAX_DIMS];

  (void) error;
  get_perm (c, perm);
  dense_strides (c->in[0], st);
  for (int i = 0; i < c->in[0]->ndim; i++)
    sst[i] = st[perm[i]];
  copy_strided (c->out[0]->data, c->in[0]->data, c->out[0]->ndim, c->out[0]->dims, sst,
                _trawl_nn_dtype_size (c->in[0]->dtype));
  return TRUE;
}

/* ---- Expand and Tile ---- */

static gboolean
expand_infer (TrawlNnOpCtx *c, GError **error)
{
  int64_t shape[TRAWL_NN_MAX_DIMS];
  int n = _trawl_nn_const_ints (c, 1, shape, TRAWL_NN_MAX_DIMS, error);
  TrawlNnTensor tmp = { .dtype = c->in[0]->dtype, .ndim = n };
  TrawlNnTensor *ts[2] = { c->in[0], &tmp };

  if (n < 0)
    return FALSE;
  memcpy (tmp.dims, shape, sizeof (int64_t) * n);
  c->out[0]->dtype = c->in[0]->dtype;
  return _trawl_nn_bcast_shape (c, 2, ts, &c->out[0]->ndim, c->out[0]->dims, error);
}

static gboolean
expand_run (TrawlNnOpCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->in[0];
  TrawlNnTensor *o = c->out[0];
  int64_t st[TRAWL_NN_MAX_DIMS], sst[TRAWL_NN_MAX_DIMS];

  (void) error;
  dense_strides (x, st);
  for (int d = 0; d < o->ndim; d++)
    {
      int xd = d - (o->ndim - x->ndim);
      sst[d] = xd < 0 || x->dims[xd] == 1 ? 0 : st[xd];
    }
  copy_strided (o->data, x->data, o->ndim, o->dims, sst, _trawl_nn_dtype_size (x->dtype));
  return TRUE;
}

static gboolean
tile_infer (TrawlNnOpCtx *c, GError **error)
{
  int64_t rep[TRAWL_NN_MAX_DIMS];
  int n = _trawl_nn_const_ints (c, 1, rep, TRAWL_NN_MAX_DIMS, error);

  if (n < 0)
    return FALSE;
  if (n != c->in[0]->ndim)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "repeats length differs from rank");
  _trawl_nn_same_shape (c->out[0], c->in[0]);
  for (int d = 0; d < n; d++)
    c->out[0]->dims[d] *= rep[d];
  return TRUE;
}

static gboolean
tile_run (TrawlNnOpCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->in[0];
  TrawlNnTensor *o = c->out[0];
  int64_t st[TRAWL_NN_MAX_DIMS], n = trawl_nn_tensor_numel (o);
  gsize es = _trawl_nn_dtype_size (x->dtype);

  (void) error;
  dense_strides (x, st);
  for (int64_t i = 0; i < n; i++)
    {
      int64_t r = i, off = 0;

      for (int d = o->ndim - 1; d >= 0; d--)
        {
          off += (r % o->dims[d]) % x->dims[d] * st[d];
          r /= o->dims[d];
        }
      memcpy ((char *) o->data + i * es, (const char *) x->data + off * es, es);
    }
  return TRUE;
}

/* ---- Pad ---- */

typedef struct {
  int64_t pads[2 * TRAWL_NN_MAX_DIMS];
  float   value;
  int     mode;   /* 0 constant, 1 reflect, 2 edge */
} PadSpec;

static gboolean
pad_spec (TrawlNnOpCtx *c, PadSpec *s, GError **error)
{
  int r = c->in[0]->ndim, n;
  const int64_t *a;
  const char *mode = trawl_nn_attrs_get_string (c->attrs, "mode", "constant");

  memset (s, 0, sizeof *s);
  if (c->n_in > 1 && c->in[1])
    {
      int64_t axes[TRAWL_NN_MAX_DIMS], raw[2 * TRAWL_NN_MAX_DIMS];
      int na = c->n_in > 3 ? _trawl_nn_const_ints (c, 3, axes, TRAWL_NN_MAX_DIMS, error) : 0;

      n = _trawl_nn_const_ints (c, 1, raw, 2 * TRAWL_NN_MAX_DIMS, error);
      if (n < 0 || na < 0)
        return FALSE;
      if (na == 0)
        memcpy (s->pads, raw, sizeof (int64_t) * MIN (n, 2 * r));
      else
        for (int i = 0; i < na && 2 * na == n; i++)
          {
            int ax = _trawl_nn_axis (axes[i], r);
            if (ax < 0)
              return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "bad axis");
            s->pads[ax] = raw[i];
            s->pads[ax + r] = raw[i + na];
          }
      if (na == 0 && n != 2 * r)
        return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "%d pads for rank %d", n, r);
      if (c->n_in > 2 && c->in[2] && c->in[2]->data)
        s->value = c->in[2]->dtype == TRAWL_NN_F32 ? *(const float *) c->in[2]->data
                                                   : (float) *(const int64_t *) c->in[2]->data;
    }
  else
    {
      n = trawl_nn_attrs_get_ints (c->attrs, "pads", &a);
      if (n != 2 * r)
        return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "%d pads for rank %d", n, r);
      memcpy (s->pads, a, sizeof (int64_t) * n);
      s->value = trawl_nn_attrs_get_float (c->attrs, "value", 0.0f);
    }
  for (int i = 0; i < 2 * r; i++)
    if (s->pads[i] < 0)
      return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "negative pads");
  if (strcmp (mode, "constant") == 0)
    s->mode = 0;
  else if (strcmp (mode, "reflect") == 0)
    s->mode = 1;
  else if (strcmp (mode, "edge") == 0)
    s->mode = 2;
  else
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "mode %s", mode);
  if (s->mode == 1)
    for (int d = 0; d < r; d++)
      if ((s->pads[d] || s->pads[d + r]) && (c->in[0]->dims[d] <= s->pads[d]
                                            || c->in[0]->dims[d] <= s->pads[d + r]))
        return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "reflect pad wider than input");
  return TRUE;
}

static gboolean
pad_infer (TrawlNnOpCtx *c, GError **error)
{
  PadSpec s;
  int r = c->in[0]->ndim;

  if (!pad_spec (c, &s, error))
    return FALSE;
  _trawl_nn_same_shape (c->out[0], c->in[0]);
  for (int d = 0; d < r; d++)
    c->out[0]->dims[d] += s.pads[d] + s.pads[d + r];
  return TRUE;
}

static gboolean
pad_run (TrawlNnOpCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->in[0];
  TrawlNnTensor *o = c->out[0];
  PadSpec s;
  int r = x->ndim;
  int64_t st[TRAWL_NN_MAX_DIMS], n = trawl_nn_tensor_numel (o);
  gsize es = _trawl_nn_dtype_size (x->dtype);
  int64_t inner = r ? o->dims[r - 1] : 1;

  if (!pad_spec (c, &s, error))
    return FALSE;
  dense_strides (x, st);
  /* one output row at a time; the row's source index per outer dim */
  for (int64_t row = 0; row < n / MAX (inner, 1); row++)
    {
      int64_t rr = row, off = 0;
      gboolean outside = FALSE;
      char *dst = (char *) o->data + row * inner * es;

      for (int d = r - 2; d >= 0; d--)
        {
          int64_t i = rr % o->dims[d] - s.pads[d], dim = x->dims[d];

          rr /= o->dims[d];
          if (i < 0 || i >= dim)
            {
              if (s.mode == 0)
                outside = TRUE;
              else if (s.mode == 1)
                i = i < 0 ? -i : 2 * (dim - 1) - i;
              else
                i = i < 0 ? 0 : dim - 1;
            }
          off += i * st[d];
        }
      for (int64_t j = 0; j < inner; j++)
        {
          int64_t i = j - (r ? s.pads[r - 1] : 0), dim = r ? x->dims[r - 1] : 1;

          if (outside || ((i < 0 || i >= dim) && s.mode == 0))
            {
              if (x->dtype == TRAWL_NN_F32)
                ((float *) dst)[j] = s.value;
              else
                ((int64_t *) dst)[j] = (int64_t) s.value;
              continue;
            }
          if (i < 0 || i >= dim)
            i = s.mode == 1 ? (i < 0 ? -i : 2 * (dim - 1) - i) : (i < 0 ? 0 : dim - 1);
          memcpy (dst + j * es, (const char *) x->data + (off + i) * es, es);
        }
    }
  return TRUE;
}

/* ---- constant producers ---- */

static gboolean
constant_tensor (TrawlNnOpCtx *c, TrawlNnTensor *tmp, const void **data, GError **error)
{
  const TrawlNnTensor *t = trawl_nn_attrs_get_tensor (c->attrs, "value");
  const float *fv;
  const int64_t *iv;
  static const int64_t zero = 0;
  int n;

  memset (tmp, 0, sizeof *tmp);
  if (t)
    {
      *tmp = *t;
      *data = t->data ? t->data : (const void *) &zero;
      return TRUE;
    }
  if (trawl_nn_attrs_has (c->attrs, "value_float"))
    {
      tmp->dtype = TRAWL_NN_F32;
      *data = NULL;   /* read from the attribute at run */
      return TRUE;
    }
  if (trawl_nn_attrs_has (c->attrs, "value_int"))
    {
      tmp->dtype = TRAWL_NN_I64;
      *data = NULL;
      return TRUE;
    }
  if ((n = trawl_nn_attrs_get_floats (c->attrs, "value_floats", &fv)) > 0)
    {
      tmp->dtype = TRAWL_NN_F32;
      tmp->ndim = 1;
      tmp->dims[0] = n;
      *data = fv;
      return TRUE;
    }
  if ((n = trawl_nn_attrs_get_ints (c->attrs, "value_ints", &iv)) > 0)
    {
      tmp->dtype = TRAWL_NN_I64;
      tmp->ndim = 1;
      tmp->dims[0] = n;
      *data = iv;
      return TRUE;
    }
  return _trawl_nn_fail (error, TRAWL_NN_ERROR_FORMAT, c, "no value attribute");
}

static gboolean
constant_infer (TrawlNnOpCtx *c, GError **error)
{
  TrawlNnTensor t;
  const void *d;

  if (!constant_tensor (c, &t, &d, error))
    return FALSE;
  _trawl_nn_same_shape (c->out[0], &t);
  return TRUE;
}

static gboolean
constant_run (TrawlNnOpCtx *c, GError **error)
{
  TrawlNnTensor t;
  const void *d = NULL;  /* set by constant_tensor; GCC -O3 cannot see it */

  if (!constant_tensor (c, &t, &d, error))
    return FALSE;
  if (d)
    memcpy (c->out[0]->data, d, bytes_of (&t));
  else if (t.dtype == TRAWL_NN_F32)
    *(float *) c->out[0]->data = trawl_nn_attrs_get_float (c->attrs, "value_float", 0);
  else
    *(int64_t *) c->out[0]->data = trawl_nn_attrs_get_int (c->attrs, "value_int", 0);
  return TRUE;
}

static gboolean
cos_infer (TrawlNnOpCtx *c, GError **error)
{
  int64_t shape[TRAWL_NN_MAX_DIMS];
  int n = _trawl_nn_const_ints (c, 0, shape, TRAWL_NN_MAX_DIMS, error);
  const TrawlNnTensor *v = trawl_nn_attrs_get_tensor (c->attrs, "value");

  if (n < 0)
    return FALSE;
  c->out[0]->dtype = v ? v->dtype : TRAWL_NN_F32;
  c->out[0]->ndim = n;
  memcpy (c->out[0]->dims, shape, sizeof (int64_t) * n);
  return TRUE;
}

static gboolean
cos_run (TrawlNnOpCtx *c, GError **error)
{
  const TrawlNnTensor *v = trawl_nn_attrs_get_tensor (c->attrs, "value");
  int64_t n = trawl_nn_tensor_numel (c->out[0]);

  (void) error;
  for (int64_t i = 0; i < n; i++)
    {
      if (c->out[0]->dtype == TRAWL_NN_F32)
        ((float *) c->out[0]->data)[i] = v && v->data ? *(const float *) v->data : 0.0f;
      else
        ((int64_t *) c->out[0]->data)[i] = v && v->data ? *(const int64_t *) v->data : 0;
    }
  return TRUE;
}

static double
scalar_of (const TrawlNnTensor *t)
{
  return t->dtype == TRAWL_NN_F32 ? *(const float *) t->data : (double) *(const int64_t *) t->data;
}

static gboolean
range_infer (TrawlNnOpCtx *c, GError **error)
{
  double s, l, d;

  for (int i = 0; i < 3; i++)
    if (c->in[i]->data == NULL)
      return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "inputs must be constant");
  s = scalar_of (c->in[0]);
  l = scalar_of (c->in[1]);
  d = scalar_of (c->in[2]);
  if (d == 0)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "zero delta");
  c->out[0]->dtype = c->in[0]->dtype;
  c->out[0]->ndim = 1;
  c->out[0]->dims[0] = (int64_t) MAX (ceil ((l - s) / d), 0);
  return TRUE;
}

static gboolean
range_run (TrawlNnOpCtx *c, GError **error)
{
  double s = scalar_of (c->in[0]), d = scalar_of (c->in[2]);

  (void) error;
  for (int64_t i = 0; i < c->out[0]->dims[0]; i++)
    {
      if (c->out[0]->dtype == TRAWL_NN_F32)
        ((float *) c->out[0]->data)[i] = (float) (s + i * d);
      else
        ((int64_t *) c->out[0]->data)[i] = (int64_t) s + i * (int64_t) d;
    }
  return TRUE;
}

const TrawlNnOpDef _trawl_nn_ops_shape[] = {
  { "Identity", 1, 1, 1, 1, TRAWL_NN_OP_VIEW, identity_infer, NULL, NULL, view_run },
  { "Reshape", 2, 2, 1, 1, TRAWL_NN_OP_VIEW, reshape_infer, NULL, NULL, view_run },
  { "Flatten", 1, 1, 1, 1, TRAWL_NN_OP_VIEW, flatten_infer, NULL, NULL, view_run },
  { "Squeeze", 1, 2, 1, 1, TRAWL_NN_OP_VIEW, squeeze_infer, NULL, NULL, view_run },
  { "Unsqueeze", 1, 2, 1, 1, TRAWL_NN_OP_VIEW, unsqueeze_infer, NULL, NULL, view_run },
  { "Dropout", 1, 3, 1, 1, TRAWL_NN_OP_VIEW, identity_infer, NULL, NULL, view_run },
  { "Shape", 1, 1, 1, 1, TRAWL_NN_OP_SHAPE_ONLY, shape_infer, NULL, NULL, shape_run },
  { "Size", 1, 1, 1, 1, TRAWL_NN_OP_SHAPE_ONLY, size_infer, NULL, NULL, size_run },
  { "Gather", 2, 2, 1, 1, 0, gather_infer, NULL, NULL, gather_run },
  { "Concat", 1, 64, 1, 1, 0, concat_infer, NULL, NULL, concat_run },
  { "Slice", 1, 5, 1, 1, 0, slice_infer, NULL, NULL, slice_run },
  { "Split", 1, 2, 1, 64, 0, split_infer, NULL, NULL, split_run },
  { "Transpose", 1, 1, 1, 1, 0, transpose_infer, NULL, NULL, transpose_run },
  { "Expand", 2, 2, 1, 1, 0, expand_infer, NULL, NULL, expand_run },
  { "Tile", 2, 2, 1, 1, 0, tile_infer, NULL, NULL, tile_run },
  { "Pad", 1, 4, 1, 1, 0, pad_infer, NULL, NULL, pad_run },
  { "Constant", 0, 0, 1, 1, 0, constant_infer, NULL, NULL, constant_run },
  { "ConstantOfShape", 1, 1, 1, 1, 0, cos_infer, NULL, NULL, cos_run },
  { "Range", 3, 3, 1, 1, 0, range_infer, NULL, NULL, range_run },
  { NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};
