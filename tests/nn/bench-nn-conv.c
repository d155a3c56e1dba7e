/* bench-nn-conv.c - times the engine's Conv against a naive 7-loop
 * convolution on the same data (registered as a meson benchmark, not a
 * test). Prints one JSON object per configuration on stdout:
 *   bench-nn-conv [ITERS]
 * Configurations: 3x3 64->64 on 128x128, depthwise 3x3 on 96x160x160,
 * 1x1 240->240 on 12x80, each for 1 and 2 threads. */
#include "nn-test-util.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct {
  const char *name;
  int64_t c, h, w, m, k, group;
} Cfg;

static void
naive (const Cfg *g, const float *x, const float *wt, float *y)
{
  int64_t cg = g->c / g->group, mg = g->m / g->group, p = g->k / 2;

  for (int64_t m = 0; m < g->m; m++)
    for (int64_t oy = 0; oy < g->h; oy++)
      for (int64_t ox = 0; ox < g->w; ox++)
        {
          float acc = 0;
          for (int64_t c = 0; c < cg; c++)
            for (int64_t ky = 0; ky < g->k; ky++)
              for (int64_t kx = 0; kx < g->k; kx++)
                {
                  int64_t iy = oy - p + ky, ix = ox - p + kx;
                  if (iy >= 0 && iy < g->h && ix >= 0 && ix < g->w)
                    acc += x[((m / mg) * cg + c) * g->h * g->w + iy * g->w + ix]
                           * wt[((m * cg + c) * g->k + ky) * g->k + kx];
                }
          y[(m * g->h + oy) * g->w + ox] = acc;
        }
}

static double
median (double *v, int n)
{
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && v[j - 1] > v[j]; j--)
      {
        double t = v[j];
        v[j] = v[j - 1];
        v[j - 1] = t;
      }
  return v[n / 2];
}

int
main (int argc, char **argv)
{
  static const Cfg cfgs[] = {
    { "conv3x3-64-64-128x128", 64, 128, 128, 64, 3, 1 },
    { "dw3x3-96-160x160", 96, 160, 160, 96, 3, 96 },
    { "conv1x1-240-240-12x80", 240, 12, 80, 240, 1, 1 },
  };
  int iters = argc > 1 ? atoi (argv[1]) : 10;

  for (guint i = 0; i < G_N_ELEMENTS (cfgs); i++)
    {
      const Cfg *g = &cfgs[i];
      int64_t xd[4] = { 1, g->c, g->h, g->w }, wd[4] = { g->m, g->c / g->group, g->k, g->k };
      float *x = rnd (numel (4, xd), 1), *w = rnd (numel (4, wd), 2);
      float *ref = g_new (float, g->m * g->h * g->w);
      double naive_ms, t[64];
      gint64 t0 = g_get_monotonic_time ();

      naive (g, x, w, ref);
      naive_ms = (g_get_monotonic_time () - t0) / 1000.0;
      for (int threads = 1; threads <= 2; threads++)
        {
          TrawlNnGraph *gr = trawl_nn_graph_new ("bench");
          TrawlNnValueId in = trawl_nn_graph_add_input (gr, "x", TRAWL_NN_F32, 4, xd);
          TrawlNnValueId wv = trawl_nn_graph_add_constant (gr, "w", TRAWL_NN_F32, 4, wd, w, FALSE);
          TrawlNnAttrs *at = trawl_nn_attrs_new ();
          int64_t p = g->k / 2;
          TrawlNnTensor tin = { TRAWL_NN_F32, 4, { 1, g->c, g->h, g->w }, x }, out;
          TrawlNnPlanOptions opts = { .backend = TRAWL_NN_BACKEND_CPU, .n_threads = threads };
          TrawlNnPlan *plan;
          GError *error = NULL;
          float maxdiff = 0;

          trawl_nn_attrs_set_ints (at, "pads", (int64_t[]) { p, p, p, p }, 4);
          trawl_nn_attrs_set_int (at, "group", g->group);
          trawl_nn_graph_mark_output (gr, trawl_nn_graph_op (gr, "Conv", "conv", 2,
                                                             (TrawlNnValueId[]) { in, wv }, at,
                                                             &error));
          g_assert_no_error (error);
          plan = trawl_nn_plan_new (gr, &tin, 1, &opts, &error);
          g_assert_no_error (error);
          trawl_nn_plan_run (plan, &tin, 1, &out, 1, &error);   /* warm-up */
          for (int k = 0; k < MIN (iters, 64); k++)
            {
              t0 = g_get_monotonic_time ();
              trawl_nn_plan_run (plan, &tin, 1, &out, 1, &error);
              t[k] = (g_get_monotonic_time () - t0) / 1000.0;
            }
          for (int64_t j = 0; j < g->m * g->h * g->w; j++)
            maxdiff = MAX (maxdiff, fabsf (((float *) out.data)[j] - ref[j]));
          printf ("{\"bench\": \"nn-conv\", \"config\": \"%s\", \"backend\": \"cpu\", "
                  "\"threads\": %d, \"iterations\": %d, \"unit\": \"ms\", \"median\": %.3f, "
                  "\"peer\": \"naive-loop-1-thread\", \"peer_median\": %.1f, \"ratio\": %.1f, "
                  "\"max_abs_diff\": %.2g}\n",
                  g->name, threads, MIN (iters, 64), median (t, MIN (iters, 64)), naive_ms,
                  naive_ms / median (t, MIN (iters, 64)), maxdiff);
          trawl_nn_plan_free (plan);
          trawl_nn_graph_unref (gr);
        }
      g_free (x);
      g_free (w);
      g_free (ref);
    }
  return 0;
}
