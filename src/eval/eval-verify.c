/* eval-verify.c - verification figures finer than TAR at a FAR (the
 * separation of genuine and impostor distances) and pooled galleries (k
 * photos an identity averaged into a template), for trawl eval
 * --face-variants (eval-variants.c). Pure functions over arrays.
 */
#include "trawl/eval.h"
#include "eval-private.h"

#include <math.h>
#include <stdlib.h>

static int
cmp_float (const void *a, const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return (x > y) - (x < y);
}

static void
mean_var (const float *v, int n, double *mean, double *var)
{
  double s = 0, ss = 0;
  for (int i = 0; i < n; i++)
    s += v[i];
  *mean = n > 0 ? s / n : 0;
  for (int i = 0; i < n; i++)
    ss += (v[i] - *mean) * (v[i] - *mean);
  *var = n > 0 ? ss / n : 0;
}

/* min over thresholds of max(FAR, FRR); the candidates are every
 * distance and +inf (a pair is accepted when d < t). */
static double
equal_error (const float *genuine, int ng, const float *impostor, int ni)
{
  g_autofree float *g = g_memdup2 (genuine, sizeof (float) * ng);
  g_autofree float *im = g_memdup2 (impostor, sizeof (float) * ni);
  double best = 1.0;
  int ig = 0, ii = 0;

  qsort (g, ng, sizeof (float), cmp_float);
  qsort (im, ni, sizeof (float), cmp_float);
  /* walk t upward through the merged distances: ig genuine and ii
   * impostors lie below t */
  for (;;)
    {
      double frr = ng > 0 ? (double) (ng - ig) / ng : 0;
      double far = ni > 0 ? (double) ii / ni : 0;
      best = MIN (best, MAX (frr, far));
      if (ig == ng && ii == ni)
        break;
      float t = ig < ng && (ii == ni || g[ig] <= im[ii]) ? g[ig] : im[ii];
      while (ig < ng && g[ig] <= t)
        ig++;
      while (ii < ni && im[ii] <= t)
        ii++;
    }
  return best;
}

void
trawl_eval_separation (const float *genuine, int n_genuine, const float *impostor,
                       int n_impostor, TrawlEvalSeparation *s)
{
  double mg, vg, mi, vi;
  float gmax = -INFINITY, imin = INFINITY;

  for (int i = 0; i < n_genuine; i++)
    gmax = MAX (gmax, genuine[i]);
  for (int i = 0; i < n_impostor; i++)
    imin = MIN (imin, impostor[i]);
  s->genuine_max = n_genuine > 0 ? gmax : NAN;
  s->impostor_min = n_impostor > 0 ? imin : NAN;
  s->margin = s->impostor_min - s->genuine_max;
  int below = 0;
  for (int i = 0; i < n_genuine; i++)
    below += genuine[i] < imin;
  s->tar_far0 = n_genuine > 0 ? (double) below / n_genuine : 0.0;
  s->eer = equal_error (genuine, n_genuine, impostor, n_impostor);
  mean_var (genuine, n_genuine, &mg, &vg);
  mean_var (impostor, n_impostor, &mi, &vi);
  s->dprime = n_genuine > 0 && n_impostor > 0 && vg + vi > 0
              ? fabs (mi - mg) / sqrt ((vg + vi) / 2) : NAN;
}

/* Identity j's template of fold s into out: its window's vectors summed
 * and renormalised. members[j] holds j's item indices in order. */
static void
template_of (const float *vectors, int dim, GArray *members, int s, int k, float *out)
{
  int nj = (int) members->len;
  double n2 = 0;

  for (int d = 0; d < dim; d++)
    out[d] = 0;
  for (int t = 0; t < MIN (k, nj); t++)
    {
      const float *v = vectors + (gsize) g_array_index (members, int, (s + t) % nj) * dim;
      for (int d = 0; d < dim; d++)
        out[d] += v[d];
    }
  for (int d = 0; d < dim; d++)
    n2 += (double) out[d] * out[d];
  if (n2 > 0)
    for (int d = 0; d < dim; d++)
      out[d] = (float) (out[d] / sqrt (n2));
}

/* Whether position p of an identity of nj items lies in fold s's window. */
static gboolean
in_window (int p, int s, int k, int nj)
{
  return ((p - s) % nj + nj) % nj < MIN (k, nj);
}

void
trawl_eval_pooled (const float *vectors, const int *labels, int n, int dim, int k,
                   int *top1, int *n_queries, float **genuine, int *n_genuine,
                   float **impostor, int *n_impostor)
{
  g_autoptr (GHashTable) index = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  GArray *gen = g_array_new (FALSE, FALSE, sizeof (float));
  GArray *imp = g_array_new (FALSE, FALSE, sizeof (float));
  int correct = 0, queries = 0, folds = 0;

  /* identities in order of first appearance, each with its items */
  for (int i = 0; i < n; i++)
    {
      gpointer key = GINT_TO_POINTER (labels[i] + 1);
      GArray *m = g_hash_table_lookup (index, key);
      if (m == NULL)
        {
          m = g_array_new (FALSE, FALSE, sizeof (int));
          g_ptr_array_add (ids, m);
          g_hash_table_insert (index, key, m);
        }
      g_array_append_val (m, i);
      folds = MAX (folds, (int) m->len);
    }
  int n_ids = (int) ids->len;
  g_autofree float *tmpl = g_new (float, (gsize) MAX (1, n_ids) * dim);
  for (int s = 0; k > 0 && s < folds; s++)
    {
      for (int j = 0; j < n_ids; j++)
        template_of (vectors, dim, ids->pdata[j], s % (int) ((GArray *) ids->pdata[j])->len, k,
                     tmpl + (gsize) j * dim);
      for (int j = 0; j < n_ids; j++)
        {
          GArray *m = ids->pdata[j];
          int nj = (int) m->len;
          if (s >= nj || nj <= k)
            continue;
          for (int p = 0; p < nj; p++)
            {
              if (in_window (p, s, k, nj))
                continue;
              const float *q = vectors + (gsize) g_array_index (m, int, p) * dim;
              int best = -1;
              float best_d = INFINITY;
              for (int o = 0; o < n_ids; o++)
                {
                  float d = _trawl_eval_l2 (q, tmpl + (gsize) o * dim, dim);
                  g_array_append_val (o == j ? gen : imp, d);
                  if (d < best_d)
                    {
                      best_d = d;
                      best = o;
                    }
                }
              queries++;
              correct += best == j;
            }
        }
    }
  *top1 = correct;
  *n_queries = queries;
  *n_genuine = (int) gen->len;
  *n_impostor = (int) imp->len;
  *genuine = (float *) g_array_free (gen, FALSE);
  *impostor = (float *) g_array_free (imp, FALSE);
}
