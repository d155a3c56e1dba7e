/* ops-pool.c - CPU pooling: MaxPool, AveragePool (pads, strides, dilations,
 * ceil_mode, count_include_pad), GlobalAveragePool, GlobalMaxPool.
 * NCHW, 1-D or 2-D; planes are independent and spread over threads. */
#include "ops.h"

#include <float.h>
#include <string.h>

typedef struct {
  int64_t planes, h, w, oh, ow;
  int64_t kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
  gboolean include_pad;
  int rank;
} PoolGeom;

static int64_t
pool_out (int64_t in, int64_t pb, int64_t pe, int64_t k, int64_t s, int64_t d, gboolean ceil_mode)
{
  int64_t span = in + pb + pe - ((k - 1) * d + 1);
  int64_t o = (ceil_mode ? (span + s - 1) / s : span / s) + 1;

  /* the last window must start inside the input or its begin padding */
  if (ceil_mode && (o - 1) * s >= in + pb)
    o--;
  return o;
}

static gboolean
pool_geom (const TrawlNnOpCtx *c, PoolGeom *g, GError **error)
{
  const TrawlNnTensor *x = c->in[0];
  const int64_t *v;
  int64_t ks[2] = { 1, 1 }, st[2] = { 1, 1 }, dl[2] = { 1, 1 }, pads[4] = { 0 };
  int r = x->ndim - 2, n;
  const char *ap = trawl_nn_attrs_get_string (c->attrs, "auto_pad", "NOTSET");
  gboolean ceil_mode = trawl_nn_attrs_get_int (c->attrs, "ceil_mode", 0) != 0;

  if (r < 1 || r > 2 || x->dtype != TRAWL_NN_F32)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "only 1-D/2-D float pools");
  memset (g, 0, sizeof *g);
  g->rank = r;
  g->planes = x->dims[0] * x->dims[1];
  g->h = r == 2 ? x->dims[2] : 1;
  g->w = x->dims[x->ndim - 1];
  if (trawl_nn_attrs_get_ints (c->attrs, "kernel_shape", &v) != r)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_FORMAT, c, "kernel_shape missing");
  for (int i = 0; i < r; i++)
    ks[2 - r + i] = v[i];
  if ((n = trawl_nn_attrs_get_ints (c->attrs, "strides", &v)) == r)
    for (int i = 0; i < r; i++)
      st[2 - r + i] = v[i];
  if ((n = trawl_nn_attrs_get_ints (c->attrs, "dilations", &v)) == r)
    for (int i = 0; i < r; i++)
      dl[2 - r + i] = v[i];
  if ((n = trawl_nn_attrs_get_ints (c->attrs, "pads", &v)) == 2 * r)
    {
      if (r == 2)
        memcpy (pads, v, sizeof pads);
      else
        pads[1] = v[0], pads[3] = v[1];
    }
  g->kh = ks[0]; g->kw = ks[1]; g->sh = st[0]; g->sw = st[1]; g->dh = dl[0]; g->dw = dl[1];
  if (g->sh < 1 || g->sw < 1 || g->kh < 1 || g->kw < 1 || g->dh < 1 || g->dw < 1)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_FORMAT, c, "bad kernel/strides");
  g->pt = pads[0]; g->pl = pads[1]; g->pb = pads[2]; g->pr = pads[3];
  if (strcmp (ap, "SAME_UPPER") == 0 || strcmp (ap, "SAME_LOWER") == 0)
    {
      gboolean lower = strcmp (ap, "SAME_LOWER") == 0;
      int64_t th, tw;

      g->oh = (g->h + g->sh - 1) / g->sh;
      g->ow = (g->w + g->sw - 1) / g->sw;
      th = MAX ((g->oh - 1) * g->sh + (g->kh - 1) * g->dh + 1 - g->h, 0);
      tw = MAX ((g->ow - 1) * g->sw + (g->kw - 1) * g->dw + 1 - g->w, 0);
      g->pt = lower ? th - th / 2 : th / 2; g->pb = th - g->pt;
      g->pl = lower ? tw - tw / 2 : tw / 2; g->pr = tw - g->pl;
    }
  else
    {
      if (strcmp (ap, "VALID") == 0)
        g->pt = g->pl = g->pb = g->pr = 0;
      g->oh = pool_out (g->h, g->pt, g->pb, g->kh, g->sh, g->dh, ceil_mode);
      g->ow = pool_out (g->w, g->pl, g->pr, g->kw, g->sw, g->dw, ceil_mode);
    }
  if (g->oh < 1 || g->ow < 1)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "output would be empty");
  g->include_pad = trawl_nn_attrs_get_int (c->attrs, "count_include_pad", 0) != 0;
  return TRUE;
}

static gboolean
pool_infer (TrawlNnOpCtx *c, GError **error)
{
  PoolGeom g;

  if (!pool_geom (c, &g, error))
    return FALSE;
  _trawl_nn_same_shape (c->out[0], c->in[0]);
  if (g.rank == 2)
    c->out[0]->dims[2] = g.oh;
  c->out[0]->dims[c->out[0]->ndim - 1] = g.ow;
  return TRUE;
}

static void
pool_plane (const float *in, float *out, const PoolGeom *g, gboolean is_max)
{
  for (int64_t oy = 0; oy < g->oh; oy++)
    for (int64_t ox = 0; ox < g->ow; ox++)
      {
        int64_t y0 = oy * g->sh - g->pt, x0 = ox * g->sw - g->pl;
        float acc = is_max ? -FLT_MAX : 0.0f;
        int64_t cnt = 0, padcnt;
        int64_t ye = MIN (y0 + (g->kh - 1) * g->dh + 1, g->h + g->pb);
        int64_t xe = MIN (x0 + (g->kw - 1) * g->dw + 1, g->w + g->pr);

        /* count_include_pad counts taps inside input + pads */
        padcnt = ((ye - y0 + g->dh - 1) / g->dh) * ((xe - x0 + g->dw - 1) / g->dw);
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
                acc = is_max ? (v > acc ? v : acc) : acc + v;
                cnt++;
              }
          }
        if (!is_max)
          acc = acc / (float) MAX (g->include_pad ? padcnt : cnt, 1);
        out[oy * g->ow + ox] = acc;
      }
}

typedef struct {
  const TrawlNnOpCtx *c;
  const PoolGeom     *g;
  gboolean            is_max;
} PoolTask;

static void
pool_task (void *arg, int64_t b, int64_t e, int tid)
{
  const PoolTask *t = arg;
  const PoolGeom *g = t->g;

  (void) tid;
  for (int64_t p = b; p < e; p++)
    pool_plane ((const float *) t->c->in[0]->data + p * g->h * g->w,
                (float *) t->c->out[0]->data + p * g->oh * g->ow, g, t->is_max);
}

static gboolean
pool_run (TrawlNnOpCtx *c, GError **error)
{
  PoolGeom g;
  PoolTask t = { c, &g, strcmp (c->op_type, "MaxPool") == 0 };

  if (!pool_geom (c, &g, error))
    return FALSE;
  _trawl_nn_parallel (c->pool, g.planes, MAX (1, 8192 / MAX (g.oh * g.ow, 1)), pool_task, &t);
  return TRUE;
}

static gboolean
gpool_infer (TrawlNnOpCtx *c, GError **error)
{
  if (c->in[0]->ndim < 2 || c->in[0]->dtype != TRAWL_NN_F32)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "needs a float [N,C,...] input");
  _trawl_nn_same_shape (c->out[0], c->in[0]);
  for (int d = 2; d < c->out[0]->ndim; d++)
    c->out[0]->dims[d] = 1;
  return TRUE;
}

typedef struct {
  const float *in;
  float       *out;
  int64_t      hw;
  gboolean     is_max;
} GpoolTask;

static void
gpool_task (void *arg, int64_t b, int64_t e, int tid)
{
  const GpoolTask *t = arg;
  int64_t hw = t->hw;
  gboolean is_max = t->is_max;
  const float *in = t->in;
  float *out = t->out;

  (void) tid;
  for (int64_t p = b; p < e; p++)
    {
      const float *s = in + p * hw;
      float acc = is_max ? -FLT_MAX : 0.0f;

      if (is_max)
        for (int64_t i = 0; i < hw; i++)
          acc = s[i] > acc ? s[i] : acc;
      else
        {
          for (int64_t i = 0; i < hw; i++)
            acc += s[i];
          acc /= (float) MAX (hw, 1);
        }
      out[p] = acc;
    }
}

static gboolean
gpool_run (TrawlNnOpCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->in[0];
  int64_t planes = x->dims[0] * x->dims[1], hw = trawl_nn_tensor_numel (x) / MAX (planes, 1);
  GpoolTask t = { x->data, c->out[0]->data, hw, strcmp (c->op_type, "GlobalMaxPool") == 0 };

  (void) error;
  _trawl_nn_parallel (c->pool, planes, MAX (1, 16384 / MAX (hw, 1)), gpool_task, &t);
  return TRUE;
}

const TrawlNnOpDef _trawl_nn_ops_pool[] = {
  { "MaxPool", 1, 1, 1, 1, 0, pool_infer, NULL, NULL, pool_run },
  { "AveragePool", 1, 1, 1, 1, 0, pool_infer, NULL, NULL, pool_run },
  { "GlobalAveragePool", 1, 1, 1, 1, 0, gpool_infer, NULL, NULL, gpool_run },
  { "GlobalMaxPool", 1, 1, 1, 1, 0, gpool_infer, NULL, NULL, gpool_run },
  { NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};
