/* gpu-test-util.h - shared by the GPU tests: the "is there a GPU" gate,
 * CUDA-vs-CPU comparison of whole graphs (at any precision), and the
 * staged-input path on CUDA. Header-only. */
#pragma once

#include <trawl/gpu.h>
#include <trawl/nn.h>

#include "../nn/nn-test-util.h"  /* rnd(), numel(), assert_close() */

#include "trawl-config.h"

#include <math.h>
#include <string.h>
#if TRAWL_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

/* Defines the test case name for a build without CUDA, where it can only
 * be skipped (the same reason in every GPU test). */
#define GPU_CASE_NOT_BUILT(name) \
  static void name (void) { g_test_skip ("no GPU (this trawl was built without CUDA)"); }

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

/* Largest |a-b| over n elements, divided by max(1e-6, max |b|): error
 * against the output's own scale, the fair yardstick for reduced
 * precision (relative error per element blows up near zero). */
static inline double
max_scaled_err (const float *a, const float *b, int64_t n)
{
  double worst = 0, scale = 1e-6;

  for (int64_t i = 0; i < n; i++)
    {
      if (isnan (a[i]) != isnan (b[i]))
        return INFINITY;
      worst = MAX (worst, fabs ((double) a[i] - b[i]));
      scale = MAX (scale, fabs ((double) b[i]));
    }
  return worst / scale;
}

/* Plans g for inputs of the given shapes on the CPU and on CUDA at the
 * given precision, runs both on the same random inputs and asserts every
 * float output agrees within tol: relative per element (max_rel_err) for
 * FP32, against the output's scale (max_scaled_err) for TF32/FP16. Also
 * runs the CUDA plan staged (inputs copied into its device buffers on its
 * stream) and asserts the same bytes as its plain run. Consumes nothing. */
static inline void
assert_graph_parity_prec (TrawlNnGraph *g, const TrawlNnTensor *shapes, int n_in,
                          TrawlNnPrecision prec, double tol)
{
  TrawlNnPlanOptions cpu = { .backend = TRAWL_NN_BACKEND_CPU, .n_threads = 0 };
  TrawlNnPlanOptions gpu = { .backend = TRAWL_NN_BACKEND_CUDA, .n_threads = 0, .precision = prec };
  g_autoptr (GError) error = NULL;
  TrawlNnTensor in[8];
  int n_out = trawl_nn_graph_n_outputs (g);
  TrawlNnTensor oc[16], og[16], os[16];
  TrawlNnPlan *pc, *pg;

  g_assert_cmpint (n_in, <=, 8);
  g_assert_cmpint (n_out, <=, 16);
  pc = trawl_nn_plan_new (g, shapes, n_in, &cpu, &error);
  g_assert_no_error (error);
  pg = trawl_nn_plan_new (g, shapes, n_in, &gpu, &error);
  g_assert_no_error (error);
  g_assert_true (trawl_nn_plan_on_device (pg));
  g_assert_nonnull (trawl_nn_plan_stream (pg));
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
          int64_t n = trawl_nn_tensor_numel (&oc[o]);
          double e;

          g_assert_cmpint (oc[o].ndim, ==, og[o].ndim);
          g_assert_cmpmem (oc[o].dims, sizeof (int64_t) * oc[o].ndim, og[o].dims,
                           sizeof (int64_t) * og[o].ndim);
          if (oc[o].dtype != TRAWL_NN_F32)
            continue;
          e = prec == TRAWL_NN_PRECISION_FP32 ? max_rel_err (og[o].data, oc[o].data, n)
                                              : max_scaled_err (og[o].data, oc[o].data, n);
          g_test_message ("%s output %d (precision %d): max err %.3g (tol %.3g)",
                          trawl_nn_graph_output_name (g, o), o, (int) prec, e, tol);
          g_assert_cmpfloat (e, <=, tol);
        }
    }
  g_assert_cmpfloat (trawl_nn_plan_device_ms (pg), >, 0.0);
#if TRAWL_HAVE_CUDA
  /* staged: the same inputs through the plan's device buffers */
  {
    float *keep[16];

    for (int o = 0; o < n_out; o++)
      keep[o] = g_memdup2 (og[o].data, MAX (trawl_nn_tensor_numel (&og[o]), 1) * sizeof (float));
    for (int i = 0; i < n_in; i++)
      {
        void *buf = trawl_nn_plan_input_buffer (pg, i);

        g_assert_nonnull (buf);
        /* on the plan's stream, so the run is ordered after it */
        g_assert_cmpint (cudaMemcpyAsync (buf, in[i].data,
                                          trawl_nn_tensor_numel (&in[i]) * sizeof (float),
                                          cudaMemcpyHostToDevice,
                                          (cudaStream_t) trawl_nn_plan_stream (pg)), ==, 0);
      }
    g_assert_null (trawl_nn_plan_input_buffer (pg, n_in));
    g_assert_true (trawl_nn_plan_run_staged (pg, os, n_out, &error));
    g_assert_no_error (error);
    for (int o = 0; o < n_out; o++)
      {
        if (os[o].dtype == TRAWL_NN_F32)
          g_assert_cmpmem (os[o].data, trawl_nn_tensor_numel (&os[o]) * sizeof (float), keep[o],
                           trawl_nn_tensor_numel (&og[o]) * sizeof (float));
        g_free (keep[o]);
      }
  }
#else
  (void) os;
#endif
  for (int i = 0; i < n_in; i++)
    g_free (in[i].data);
  trawl_nn_plan_free (pc);
  trawl_nn_plan_free (pg);
}

/* FP32 parity, relative tolerance tol. */
static inline void
assert_graph_parity (TrawlNnGraph *g, const TrawlNnTensor *shapes, int n_in, double tol)
{
  assert_graph_parity_prec (g, shapes, n_in, TRAWL_NN_PRECISION_FP32, tol);
}
