/* ops-matmul.c - CPU matrix products on OpenBLAS sgemm: MatMul (numpy
 * semantics: 1-D operands, batched with broadcasting) and Gemm (transA,
 * transB, alpha, beta, broadcast C). */
#include "ops.h"

#include <cblas.h>
#include <string.h>

typedef struct {
  gboolean     ta, tb, by_cols;
  int64_t      m, n, k, lda, ldb, ldc;
  float        alpha, beta;
  const float *a, *b;
  float       *c;
} GemmTask;

static void
sgemm_task (void *arg, int64_t s0, int64_t s1, int tid)
{
  const GemmTask *t = arg;
  CBLAS_TRANSPOSE ta = t->ta ? CblasTrans : CblasNoTrans, tb = t->tb ? CblasTrans : CblasNoTrans;

  (void) tid;
  if (t->by_cols)
    cblas_sgemm (CblasRowMajor, ta, tb, t->m, s1 - s0, t->k, t->alpha, t->a, t->lda,
                 t->tb ? t->b + s0 * t->ldb : t->b + s0, t->ldb, t->beta, t->c + s0, t->ldc);
  else
    cblas_sgemm (CblasRowMajor, ta, tb, s1 - s0, t->n, t->k, t->alpha,
                 t->ta ? t->a + s0 : t->a + s0 * t->lda, t->lda, t->b, t->ldb, t->beta,
                 t->c + s0 * t->ldc, t->ldc);
}

void
_trawl_nn_sgemm (gboolean ta, gboolean tb, int64_t m, int64_t n, int64_t k, float alpha,
                 const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
                 float *c, int64_t ldc, TrawlNnPool *pool)
{
  GemmTask t = { ta, tb, n >= m, m, n, k, lda, ldb, ldc, alpha, beta, a, b, c };
  int64_t len = t.by_cols ? n : m;
  int nt = _trawl_nn_pool_threads (pool);
  /* one part per thread, whole 16-wide panels each */
  int64_t part = ((len + nt - 1) / nt + 15) & ~(int64_t) 15;

  if (m * n * k < 64 * 64 * 64 || len < 32)
    pool = NULL;
  _trawl_nn_parallel (pool, len, part, sgemm_task, &t);
}

/* MatMul shapes: a [..., m, k] x b [..., k, n]; 1-D a gets a leading 1,
 * 1-D b a trailing 1, both dropped from the output. */
typedef struct {
  int64_t m, k, n;
  int     bnd;                          /* batch rank of the output */
  int64_t bdims[TRAWL_NN_MAX_DIMS];
  int64_t astr[TRAWL_NN_MAX_DIMS];      /* batch strides in matrices, 0 = broadcast */
  int64_t bstr[TRAWL_NN_MAX_DIMS];
} MmGeom;

static gboolean
mm_geom (const TrawlNnOpCtx *c, MmGeom *g, int *ondim, int64_t *odims, GError **error)
{
  const TrawlNnTensor *a = c->in[0], *b = c->in[1];
  int64_t ad[TRAWL_NN_MAX_DIMS + 1], bd[TRAWL_NN_MAX_DIMS + 1];
  int an = a->ndim, bn = b->ndim, k = 0;

  if (an == 0 || bn == 0 || a->dtype != TRAWL_NN_F32 || b->dtype != TRAWL_NN_F32)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "needs float tensors of rank >= 1");
  memcpy (ad, a->dims, sizeof (int64_t) * an);
  memcpy (bd, b->dims, sizeof (int64_t) * bn);
  if (an == 1)
    {
      ad[1] = ad[0];
      ad[0] = 1;
      an = 2;
    }
  if (bn == 1)
    {
      bd[1] = 1;
      bn = 2;
    }
  g->m = ad[an - 2];
  g->k = ad[an - 1];
  g->n = bd[bn - 1];
  if (bd[bn - 2] != g->k)
    {
      char *x = _trawl_nn_dims_str (a->ndim, a->dims), *y = _trawl_nn_dims_str (b->ndim, b->dims);
      _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "cannot multiply %s by %s", x, y);
      g_free (x);
      g_free (y);
      return FALSE;
    }
  g->bnd = MAX (an, bn) - 2;
  for (int d = g->bnd - 1, sa = 1, sb = 1; d >= 0; d--)
    {
      int ia = d - (g->bnd - (an - 2)), ib = d - (g->bnd - (bn - 2));
      int64_t da = ia >= 0 ? ad[ia] : 1, db = ib >= 0 ? bd[ib] : 1;

      if (da != db && da != 1 && db != 1)
        return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "batch dims do not broadcast");
      g->bdims[d] = MAX (da, db);
      g->astr[d] = da == 1 ? 0 : sa;
      g->bstr[d] = db == 1 ? 0 : sb;
      sa *= da;
      sb *= db;
    }
  for (int d = 0; d < g->bnd; d++)
    odims[k++] = g->bdims[d];
  if (a->ndim > 1)
    odims[k++] = g->m;
  if (b->ndim > 1)
    odims[k++] = g->n;
  if (k > TRAWL_NN_MAX_DIMS)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c, "rank too large");
  *ondim = k;
  return TRUE;
}

static gboolean
matmul_infer (TrawlNnOpCtx *c, GError **error)
{
  MmGeom g;

  c->out[0]->dtype = TRAWL_NN_F32;
  return mm_geom (c, &g, &c->out[0]->ndim, c->out[0]->dims, error);
}

static gboolean
matmul_run (TrawlNnOpCtx *c, GError **error)
{
  MmGeom g;
  int nd;
  int64_t od[TRAWL_NN_MAX_DIMS], batches = 1;
  const float *a = c->in[0]->data, *b = c->in[1]->data;
  float *y = c->out[0]->data;

  if (!mm_geom (c, &g, &nd, od, error))
    return FALSE;
  for (int d = 0; d < g.bnd; d++)
    batches *= g.bdims[d];
  if (batches > 1 && c->in[1]->ndim == 2 && c->in[0]->ndim == g.bnd + 2)
    {
      /* [..., m, k] x [k, n]: one tall product instead of many */
      g.m *= batches;
      batches = 1;
    }
  for (int64_t i = 0; i < batches; i++)
    {
      int64_t r = i, ao = 0, bo = 0;

      for (int d = g.bnd - 1; d >= 0; d--)
        {
          int64_t j = r % g.bdims[d];
          r /= g.bdims[d];
          ao += j * g.astr[d];
          bo += j * g.bstr[d];
        }
      _trawl_nn_sgemm (FALSE, FALSE, g.m, g.n, g.k, 1.0f, a + ao * g.m * g.k, g.k,
                       b + bo * g.k * g.n, g.n, 0.0f, y + i * g.m * g.n, g.n, c->pool);
    }
  return TRUE;
}

/* ---- Gemm ---- */

static gboolean
gemm_dims (const TrawlNnOpCtx *c, int64_t *m, int64_t *n, int64_t *k, GError **error)
{
  const TrawlNnTensor *a = c->in[0], *b = c->in[1];
  gboolean ta = trawl_nn_attrs_get_int (c->attrs, "transA", 0) != 0;
  gboolean tb = trawl_nn_attrs_get_int (c->attrs, "transB", 0) != 0;
  int64_t kb;

  if (a->ndim != 2 || b->ndim != 2 || a->dtype != TRAWL_NN_F32 || b->dtype != TRAWL_NN_F32)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "needs 2-D float A and B");
  *m = ta ? a->dims[1] : a->dims[0];
  *k = ta ? a->dims[0] : a->dims[1];
  kb = tb ? b->dims[1] : b->dims[0];
  *n = tb ? b->dims[0] : b->dims[1];
  if (kb != *k)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "inner dims %d and %d differ",
                           (int) *k, (int) kb);
  if (c->n_in > 2 && c->in[2])
    {
      const TrawlNnTensor *t = c->in[2];
      int64_t cm = t->ndim == 2 ? t->dims[0] : 1, cn = t->ndim >= 1 ? t->dims[t->ndim - 1] : 1;

      if (t->ndim > 2 || (cm != 1 && cm != *m) || (cn != 1 && cn != *n))
        return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c, "C does not broadcast");
    }
  return TRUE;
}

static gboolean
gemm_infer (TrawlNnOpCtx *c, GError **error)
{
  int64_t m, n, k;

  if (!gemm_dims (c, &m, &n, &k, error))
    return FALSE;
  c->out[0]->dtype = TRAWL_NN_F32;
  c->out[0]->ndim = 2;
  c->out[0]->dims[0] = m;
  c->out[0]->dims[1] = n;
  return TRUE;
}

static gboolean
gemm_run (TrawlNnOpCtx *c, GError **error)
{
  int64_t m, n, k;
  gboolean ta = trawl_nn_attrs_get_int (c->attrs, "transA", 0) != 0;
  gboolean tb = trawl_nn_attrs_get_int (c->attrs, "transB", 0) != 0;
  float alpha = trawl_nn_attrs_get_float (c->attrs, "alpha", 1.0f);
  float beta = trawl_nn_attrs_get_float (c->attrs, "beta", 1.0f);
  float *y = c->out[0]->data;
  const TrawlNnTensor *t = c->n_in > 2 ? c->in[2] : NULL;

  if (!gemm_dims (c, &m, &n, &k, error))
    return FALSE;
  if (t && beta != 0.0f)
    {
      int64_t cm = t->ndim == 2 ? t->dims[0] : 1, cn = t->ndim >= 1 ? t->dims[t->ndim - 1] : 1;
      const float *cv = t->data;

      for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++)
          y[i * n + j] = cv[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
    }
  else
    beta = 0.0f;
  _trawl_nn_sgemm (ta, tb, m, n, k, alpha, c->in[0]->data, ta ? m : k, c->in[1]->data,
                   tb ? k : n, beta, y, n, c->pool);
  return TRUE;
}

const TrawlNnOpDef _trawl_nn_ops_matmul[] = {
  { "MatMul", 2, 2, 1, 1, 0, matmul_infer, NULL, NULL, matmul_run },
  { "Gemm", 2, 3, 1, 1, 0, gemm_infer, NULL, NULL, gemm_run },
  { NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};
