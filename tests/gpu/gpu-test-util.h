/* gpu-test-util.h - shared by the GPU tests: the "is there a GPU" gate
 * and CUDA-vs-CPU comparison of whole graphs. Header-only. */
#pragma once

#include <trawl/gpu.h>
#include <trawl/nn.h>

#include "../nn/nn-test-util.h"  /* rnd(), numel(), assert_close() */

#include <math.h>
#include <string.h>

/* TRUE when a GPU can run; otherwise marks the test skipped with the
 * reason ("skipped: no GPU (...)" in the TAP output). */
static inline gboolean
need_gpu (void)
{
  TrawlGpuInfo info;
  g_autoptr (GError) error = NULL;

  if (trawl_gpu_probe (&info, &error))
    return TRUE;
  const char *msg = error->message;

  if (g_str_has_prefix (msg, "no GPU: "))
    msg += strlen ("no GPU: ");
  g_autofree char *why = g_strdup_printf ("no GPU (%s)", msg);
  g_test_skip (why);
  return FALSE;
}

/* Largest |a-b| / max(1, |b|) over n elements. */
static inline double
max_rel_err (const float *a, const float *b, int64_t n)
{
  double worst = 0;

  for (int64_t i = 0; i < n; i++)
    {
      double d = fabs ((double) a[i] - b[i]) / MAX (1.0, fabs ((double) b[i]));

      if (isnan (a[i]) != isnan (b[i]))
        return INFINITY;
      worst = MAX (worst, d);
    }
  return worst;
}

/* Plans g for inputs of the given shapes on the CPU and on CUDA, runs
 * both on the same random inputs and asserts every float output agrees
 * within tol (relative, see max_rel_err). Consumes nothing. */
static inline void
assert_graph_parity (TrawlNnGraph *g, const TrawlNnTensor *shapes, int n_in, double tol)
{
  TrawlNnPlanOptions cpu = { .backend = TRAWL_NN_BACKEND_CPU, .n_threads = 0 }, gpu = { .backend = TRAWL_NN_BACKEND_CUDA, .n_threads = 0 };
  g_autoptr (GError) error = NULL;
  TrawlNnTensor in[8];
  int n_out = trawl_nn_graph_n_outputs (g);
  TrawlNnTensor oc[16], og[16];
  TrawlNnPlan *pc, *pg;

  g_assert_cmpint (n_in, <=, 8);
  g_assert_cmpint (n_out, <=, 16);
  pc = trawl_nn_plan_new (g, shapes, n_in, &cpu, &error);
  g_assert_no_error (error);
  pg = trawl_nn_plan_new (g, shapes, n_in, &gpu, &error);
  g_assert_no_error (error);
  for (int i = 0; i < n_in; i++)
    {
      in[i] = shapes[i];
      in[i].data = rnd (trawl_nn_tensor_numel (&shapes[i]), 1234 + i);
    }
  /* twice on the GPU: the second run must not depend on the first's leftovers */
  for (int rep = 0; rep < 2; rep++)
    {
      g_assert_true (trawl_nn_plan_run (pc, in, n_in, oc, n_out, &error));
      g_assert_no_error (error);
      g_assert_true (trawl_nn_plan_run (pg, in, n_in, og, n_out, &error));
      g_assert_no_error (error);
      for (int o = 0; o < n_out; o++)
        {
          double e;

          g_assert_cmpint (oc[o].ndim, ==, og[o].ndim);
          g_assert_cmpmem (oc[o].dims, sizeof (int64_t) * oc[o].ndim, og[o].dims,
                           sizeof (int64_t) * og[o].ndim);
          if (oc[o].dtype != TRAWL_NN_F32)
            continue;
          e = max_rel_err (og[o].data, oc[o].data, trawl_nn_tensor_numel (&oc[o]));
          g_test_message ("%s output %d: max rel err %.3g", trawl_nn_graph_output_name (g, o), o, e);
          g_assert_cmpfloat (e, <=, tol);
        }
    }
  for (int i = 0; i < n_in; i++)
    g_free (in[i].data);
  trawl_nn_plan_free (pc);
  trawl_nn_plan_free (pg);
}
