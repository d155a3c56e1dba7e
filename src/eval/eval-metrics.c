/* eval-metrics.c - the numbers trawl eval reports: leave-one-out top-1,
 * TAR at a FAR with its threshold, characters matched by edit distance.
 * Pure functions over arrays; the runner (eval-run.c) feeds them.
 */
#include "trawl/eval.h"
#include "eval-private.h"
#include "trawl/detect.h"
#include "trawl/plate.h"

#include <math.h>
#include <stdlib.h>

float
_trawl_eval_l2 (const float *a, const float *b, int dim)
{
  double s = 0;
  for (int i = 0; i < dim; i++)
    {
      double d = (double) a[i] - b[i];
      s += d * d;
    }
  return (float) sqrt (s);
}

int
trawl_eval_top1_loo (const float *vectors, const int *labels, int n, int dim, int *n_queries)
{
  int correct = 0, queries = 0;
  for (int i = 0; i < n; i++)
    {
      int same = 0;
      for (int j = 0; j < n; j++)
        same += (j != i && labels[j] == labels[i]);
      if (same == 0)
        continue;
      queries++;
      int best = -1;
      float best_d = INFINITY;
      for (int j = 0; j < n; j++)
        {
          if (j == i)
            continue;
          float d = _trawl_eval_l2 (vectors + (gsize) i * dim, vectors + (gsize) j * dim, dim);
          if (d < best_d)
            {
              best_d = d;
              best = j;
            }
        }
      correct += (best >= 0 && labels[best] == labels[i]);
    }
  if (n_queries)
    *n_queries = queries;
  return correct;
}

static int
cmp_float (const void *a, const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return (x > y) - (x < y);
}

double
trawl_eval_tar_at_far (const float *genuine, int n_genuine, const float *impostor,
                       int n_impostor, double far, float *threshold)
{
  float t = INFINITY;
  if (n_impostor > 0)
    {
      float *imp = g_memdup2 (impostor, sizeof (float) * n_impostor);
      qsort (imp, n_impostor, sizeof (float), cmp_float);
      int allowed = (int) floor (far * n_impostor);
      t = allowed < n_impostor ? imp[allowed] : INFINITY;
      g_free (imp);
    }
  if (threshold)
    *threshold = t;
  if (n_genuine == 0)
    return 0.0;
  int acc = 0;
  for (int i = 0; i < n_genuine; i++)
    acc += genuine[i] < t;
  return (double) acc / n_genuine;
}

void
trawl_eval_pair_distances (const float *vectors, const int *labels, int n, int dim,
                           float **genuine, int *n_genuine, float **impostor, int *n_impostor)
{
  GArray *g = g_array_new (FALSE, FALSE, sizeof (float));
  GArray *im = g_array_new (FALSE, FALSE, sizeof (float));
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++)
      {
        float d = _trawl_eval_l2 (vectors + (gsize) i * dim, vectors + (gsize) j * dim, dim);
        g_array_append_val (labels[i] == labels[j] ? g : im, d);
      }
  *n_genuine = (int) g->len;
  *n_impostor = (int) im->len;
  *genuine = (float *) g_array_free (g, FALSE);
  *impostor = (float *) g_array_free (im, FALSE);
}

int
trawl_eval_chars_correct (const char *truth, const char *read)
{
  int len = truth && g_utf8_validate (truth, -1, NULL) ? (int) g_utf8_strlen (truth, -1) : 0;
  int ed = trawl_text_edit_distance (truth, read);
  return MAX (0, len - ed);
}
