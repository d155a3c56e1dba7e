/* faceapi-build.c - small helpers that turn tfjs layers into nn graph nodes.
 *
 * tfjs is NHWC with HWIO filters; the graph is NCHW with OIHW filters, so
 * filters are transposed here once, at build time. tfjs "same" padding
 * puts the odd pixel at the bottom/right; we emit the explicit pads. The
 * per-network layer lists are in faceapi-ssd.c, faceapi-landmarks.c and
 * faceapi-recognition.c.
 */
#include "faceapi-private.h"

#include <string.h>

static const TrawlFaValue bad = { -1, 0, 0, 0 };

static gboolean
failed (TrawlFaBuilder *b)
{
  return b->err != NULL;
}

static void
fail (TrawlFaBuilder *b, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
fail (TrawlFaBuilder *b, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  if (b->err != NULL)
    return;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  b->err = g_error_new_literal (TRAWL_NN_ERROR, TRAWL_NN_ERROR_FORMAT, msg);
}

const TrawlFaceapiWeight *
_trawl_fa_weight (TrawlFaBuilder *b, const char *name, int ndim, const int64_t *dims)
{
  const TrawlFaceapiWeight *w;
  int i;

  if (failed (b))
    return NULL;
  w = _trawl_faceapi_weights_get (b->w, name);
  if (w == NULL)
    {
      fail (b, "face-api weights: %s is missing", name);
      return NULL;
    }
  if (w->ndim != ndim)
    {
      fail (b, "face-api weights: %s has rank %d, expected %d", name, w->ndim, ndim);
      return NULL;
    }
  for (i = 0; dims != NULL && i < ndim; i++)
    {
      if (dims[i] >= 0 && w->dims[i] != dims[i])
        {
          fail (b, "face-api weights: %s has dim %d = %" G_GINT64_FORMAT
                ", expected %" G_GINT64_FORMAT, name, i, w->dims[i], dims[i]);
          return NULL;
        }
    }
  return w;
}

/* Takes the error of a failed graph call. */
static void
take_error (TrawlFaBuilder *b, GError *local)
{
  if (b->err == NULL)
    b->err = local;
  else
    g_clear_error (&local);
}

TrawlFaValue
_trawl_fa_input (TrawlFaBuilder *b, int size)
{
  int64_t dims[4] = { -1, 3, size, size };
  TrawlFaValue v = { -1, 3, size, size };

  if (failed (b))
    return bad;
  v.id = trawl_nn_graph_add_input (b->g, "input", TRAWL_NN_F32, 4, dims);
  if (v.id < 0)
    fail (b, "face-api: cannot add the graph input");
  return v;
}

TrawlNnValueId
_trawl_fa_const (TrawlFaBuilder *b, const char *name, int ndim,
                 const int64_t *dims, float *data)
{
  TrawlNnValueId id;

  if (failed (b))
    {
      g_free (data);
      return -1;
    }
  id = trawl_nn_graph_add_constant (b->g, name, TRAWL_NN_F32, ndim, dims, data, TRUE);
  if (id < 0)
    fail (b, "face-api: cannot add constant %s", name ? name : "");
  return id;
}

static TrawlNnValueId
const_i64 (TrawlFaBuilder *b, int n, const int64_t *v)
{
  int64_t dims[1] = { n };
  TrawlNnValueId id;

  if (failed (b))
    return -1;
  id = trawl_nn_graph_add_constant (b->g, NULL, TRAWL_NN_I64, 1, dims,
                                    g_memdup2 (v, sizeof (int64_t) * n), TRUE);
  if (id < 0)
    fail (b, "face-api: cannot add a shape constant");
  return id;
}

TrawlNnValueId
_trawl_fa_node (TrawlFaBuilder *b, const char *op, const char *name, int n_in,
      const TrawlNnValueId *in, TrawlNnAttrs *attrs)
{
  GError *local = NULL;
  TrawlNnValueId id;
  int i;

  for (i = 0; i < n_in; i++)
    {
      if (in[i] < 0 && !failed (b))
        fail (b, "face-api: %s node has an invalid input", op);
    }
  if (failed (b))
    {
      trawl_nn_attrs_free (attrs);
      return -1;
    }
  id = trawl_nn_graph_op (b->g, op, name, n_in, in, attrs, &local);
  if (id < 0)
    take_error (b, local ? local : g_error_new (TRAWL_NN_ERROR, TRAWL_NN_ERROR_UNSUPPORTED,
                                                "face-api: cannot add a %s node", op));
  return id;
}

/* Output size and pads for one spatial axis, tfjs rules. */
static int
conv_axis (int in, int k, int stride, TrawlFaPadding pad, int64_t *lo, int64_t *hi)
{
  int out, total;

  if (pad == TRAWL_FA_VALID)
    {
      *lo = *hi = 0;
      return in >= k ? (in - k) / stride + 1 : 0;
    }
  out = (in + stride - 1) / stride;
  total = MAX ((out - 1) * stride + k - in, 0);
  *lo = total / 2;            /* the odd pixel goes to the end, as in TF */
  *hi = total - *lo;
  return out;
}

TrawlFaValue
_trawl_fa_conv (TrawlFaBuilder *b, TrawlFaValue x, const char *name,
                const TrawlFaceapiWeight *filt, gboolean depthwise,
                const float *bias, const float *scale, const float *shift,
                int stride, TrawlFaPadding pad)
{
  TrawlFaValue out = bad;
  int64_t kh, kw, ci, co, wdims[4], bdims[1], pads[4], ks[2], st[2];
  float *wt, *bt;
  TrawlNnAttrs *attrs;
  TrawlNnValueId in[3];
  g_autofree char *wname = NULL, *bname = NULL;

  if (failed (b) || x.id < 0 || filt == NULL)
    return bad;
  if (filt->ndim != 4)
    {
      fail (b, "face-api weights: %s is not a 4-D filter", filt->name);
      return bad;
    }
  kh = filt->dims[0];
  kw = filt->dims[1];
  ci = filt->dims[2];
  co = depthwise ? ci * filt->dims[3] : filt->dims[3];
  if (ci != x.c || (depthwise && filt->dims[3] != 1))
    {
      fail (b, "face-api weights: %s does not fit %d input channels", filt->name, x.c);
      return bad;
    }

  /* HWIO -> OIHW (depthwise H W C 1 -> C 1 H W), folding scale */
  wt = g_new (float, filt->numel);
  for (int64_t y = 0; y < kh; y++)
    for (int64_t xx = 0; xx < kw; xx++)
      for (int64_t i = 0; i < ci; i++)
        for (int64_t o = 0; o < (depthwise ? 1 : co); o++)
          {
            float v = filt->data[((y * kw + xx) * ci + i) * (depthwise ? 1 : co) + o];
            int64_t oc = depthwise ? i : o;
            int64_t ic = depthwise ? 0 : i;
            int64_t icn = depthwise ? 1 : ci;
            wt[((oc * icn + ic) * kh + y) * kw + xx] = scale ? v * scale[oc] : v;
          }
  bt = g_new0 (float, co);
  for (int64_t o = 0; o < co; o++)
    {
      float v = bias ? bias[o] : 0.0f;
      if (scale)
        v *= scale[o];
      if (shift)
        v += shift[o];
      bt[o] = v;
    }
  wdims[0] = co;
  wdims[1] = depthwise ? 1 : ci;
  wdims[2] = kh;
  wdims[3] = kw;
  bdims[0] = co;
  wname = g_strdup_printf ("%s/W", name);
  bname = g_strdup_printf ("%s/B", name);
  in[0] = x.id;
  in[1] = _trawl_fa_const (b, wname, 4, wdims, wt);
  in[2] = _trawl_fa_const (b, bname, 1, bdims, bt);

  out.c = (int) co;
  out.h = conv_axis (x.h, (int) kh, stride, pad, &pads[0], &pads[2]);
  out.w = conv_axis (x.w, (int) kw, stride, pad, &pads[1], &pads[3]);
  ks[0] = kh;
  ks[1] = kw;
  st[0] = st[1] = stride;
  attrs = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_ints (attrs, "kernel_shape", ks, 2);
  trawl_nn_attrs_set_ints (attrs, "strides", st, 2);
  trawl_nn_attrs_set_ints (attrs, "pads", pads, 4);
  trawl_nn_attrs_set_int (attrs, "group", depthwise ? ci : 1);
  out.id = _trawl_fa_node (b, "Conv", name, 3, in, attrs);
  if (out.id < 0 || out.h <= 0 || out.w <= 0)
    {
      fail (b, "face-api: %s: input too small", name);
      return bad;
    }
  return out;
}

TrawlFaValue
_trawl_fa_unary (TrawlFaBuilder *b, const char *op, TrawlFaValue x)
{
  TrawlFaValue out = x;

  out.id = _trawl_fa_node (b, op, NULL, 1, &x.id, NULL);
  return out.id < 0 ? bad : out;
}

TrawlFaValue
_trawl_fa_binary (TrawlFaBuilder *b, const char *op, TrawlFaValue x, TrawlFaValue y)
{
  TrawlFaValue out = x;
  TrawlNnValueId in[2] = { x.id, y.id };

  if (!failed (b) && (x.c != y.c || x.h != y.h || x.w != y.w))
    {
      fail (b, "face-api: %s of %dx%dx%d and %dx%dx%d", op, x.c, x.h, x.w, y.c, y.h, y.w);
      return bad;
    }
  out.id = _trawl_fa_node (b, op, NULL, 2, in, NULL);
  return out.id < 0 ? bad : out;
}

TrawlFaValue
_trawl_fa_scalar_op (TrawlFaBuilder *b, const char *op, TrawlFaValue x, float v)
{
  TrawlFaValue out = x;
  TrawlNnValueId in[2];

  in[0] = x.id;
  in[1] = _trawl_fa_const (b, NULL, 0, NULL, g_memdup2 (&v, sizeof v));
  out.id = _trawl_fa_node (b, op, NULL, 2, in, NULL);
  return out.id < 0 ? bad : out;
}

TrawlFaValue
_trawl_fa_sub_mean (TrawlFaBuilder *b, TrawlFaValue x, const float mean[3])
{
  TrawlFaValue out = x;
  int64_t dims[3] = { 3, 1, 1 };
  TrawlNnValueId in[2];

  in[0] = x.id;
  in[1] = _trawl_fa_const (b, NULL, 3, dims, g_memdup2 (mean, 3 * sizeof (float)));
  out.id = _trawl_fa_node (b, "Sub", NULL, 2, in, NULL);
  return out.id < 0 ? bad : out;
}

TrawlFaValue
_trawl_fa_clip (TrawlFaBuilder *b, TrawlFaValue x, float lo, float hi)
{
  TrawlFaValue out = x;
  TrawlNnValueId in[3];

  in[0] = x.id;
  in[1] = _trawl_fa_const (b, NULL, 0, NULL, g_memdup2 (&lo, sizeof lo));
  in[2] = _trawl_fa_const (b, NULL, 0, NULL, g_memdup2 (&hi, sizeof hi));
  out.id = _trawl_fa_node (b, "Clip", NULL, 3, in, NULL);
  return out.id < 0 ? bad : out;
}

TrawlFaValue
_trawl_fa_pool (TrawlFaBuilder *b, const char *op, TrawlFaValue x, int k, int stride)
{
  TrawlFaValue out = x;
  int64_t ks[2] = { k, k }, st[2] = { stride, stride }, pads[4] = { 0, 0, 0, 0 };
  TrawlNnAttrs *attrs;

  if (failed (b) || x.id < 0)
    return bad;
  attrs = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_ints (attrs, "kernel_shape", ks, 2);
  trawl_nn_attrs_set_ints (attrs, "strides", st, 2);
  trawl_nn_attrs_set_ints (attrs, "pads", pads, 4);
  out.h = x.h >= k ? (x.h - k) / stride + 1 : 0;
  out.w = x.w >= k ? (x.w - k) / stride + 1 : 0;
  out.id = _trawl_fa_node (b, op, NULL, 1, &x.id, attrs);
  if (out.id < 0 || out.h <= 0 || out.w <= 0)
    {
      fail (b, "face-api: %s: input too small", op);
      return bad;
    }
  return out;
}

TrawlFaValue
_trawl_fa_pad_end (TrawlFaBuilder *b, TrawlFaValue x, int dc, int dh, int dw)
{
  TrawlFaValue out = x;
  int64_t pads[8] = { 0, 0, 0, 0, 0, dc, dh, dw };
  TrawlNnValueId in[2];
  TrawlNnAttrs *attrs;

  in[0] = x.id;
  in[1] = const_i64 (b, 8, pads);
  attrs = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_string (attrs, "mode", "constant");
  out.id = _trawl_fa_node (b, "Pad", NULL, 2, in, attrs);
  out.c += dc;
  out.h += dh;
  out.w += dw;
  return out.id < 0 ? bad : out;
}

TrawlFaValue
_trawl_fa_dense (TrawlFaBuilder *b, TrawlFaValue x, const char *wname, const char *bname)
{
  TrawlFaValue out = bad;
  int64_t flat[2] = { 0, -1 };
  int64_t wd[2] = { x.c * x.h * x.w, -1 };
  const TrawlFaceapiWeight *w, *bias = NULL;
  TrawlNnValueId in[2];

  w = _trawl_fa_weight (b, wname, 2, wd);
  if (bname != NULL)
    bias = _trawl_fa_weight (b, bname, 1, NULL);
  if (w == NULL || (bname != NULL && bias == NULL) || x.id < 0)
    return bad;
  if (bias != NULL && bias->dims[0] != w->dims[1])
    {
      fail (b, "face-api weights: %s does not fit %s", bname, wname);
      return bad;
    }
  in[0] = x.id;
  in[1] = const_i64 (b, 2, flat);
  in[0] = _trawl_fa_node (b, "Reshape", NULL, 2, in, NULL);
  in[1] = _trawl_fa_const (b, wname, 2, w->dims, g_memdup2 (w->data, sizeof (float) * w->numel));
  out.id = _trawl_fa_node (b, "MatMul", NULL, 2, in, NULL);
  if (bias != NULL)
    {
      in[0] = out.id;
      in[1] = _trawl_fa_const (b, bname, 1, bias->dims,
                               g_memdup2 (bias->data, sizeof (float) * bias->numel));
      out.id = _trawl_fa_node (b, "Add", NULL, 2, in, NULL);
    }
  out.c = (int) w->dims[1];
  out.h = out.w = 1;
  return out.id < 0 ? bad : out;
}

TrawlNnValueId
_trawl_fa_to_rows (TrawlFaBuilder *b, TrawlFaValue x, int last)
{
  int64_t perm[4] = { 0, 2, 3, 1 };
  int64_t shape[3] = { 0, -1, last };
  TrawlNnAttrs *attrs;
  TrawlNnValueId in[2];

  if (failed (b) || x.id < 0)
    return -1;
  attrs = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_ints (attrs, "perm", perm, 4);
  in[0] = _trawl_fa_node (b, "Transpose", NULL, 1, &x.id, attrs);
  in[1] = const_i64 (b, 3, shape);
  return _trawl_fa_node (b, "Reshape", NULL, 2, in, NULL);
}

TrawlNnGraph *
_trawl_fa_finish (TrawlFaBuilder *b, GError **error)
{
  TrawlNnGraph *g = g_steal_pointer (&b->g);

  if (b->err != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&b->err));
      trawl_nn_graph_unref (g);
      return NULL;
    }
  return g;
}
