/* cmd-nn.c - `trawl nn summary|run|bench MODEL`: inspect a model, run it
 * once on a given or generated input, or time it (the engine benchmark
 * driver calls `bench --json` for trawl's side), on the CPU or on CUDA
 * (--device) at a chosen arithmetic (--precision). On CUDA, run and bench
 * also report the GPU time per run from the plan's CUDA events, beside the
 * wall time (which includes the host copies in and out).
 *
 * MODEL is a file path or a model-cache name such as
 * "ocr-models/ch_PP-OCRv4_rec_infer.onnx". Only the public nn.h is used.
 */
#include "cli.h"

#include <trawl/base.h>
#include <trawl/nn.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static char **opt_shapes;
static char *opt_input;
static char *opt_save;
static int opt_iters = 20;
static int opt_warmup = 3;
static int opt_threads;
static gboolean opt_json;
static gboolean opt_plan;
static char *opt_device;
static char *opt_precision;

static const GOptionEntry nn_entries[] = {
  { "shape", 's', 0, G_OPTION_ARG_STRING_ARRAY, &opt_shapes,
    "Input size, e.g. 1x3x48x320 (once per input, in order)", "NxCxHxW" },
  { "input", 'i', 0, G_OPTION_ARG_FILENAME, &opt_input,
    "run: raw little-endian float32 data for the first input", "FILE.f32" },
  { "save", 0, 0, G_OPTION_ARG_FILENAME, &opt_save,
    "run: write output i to PREFIX.i.f32", "PREFIX" },
  { "iters", 'n', 0, G_OPTION_ARG_INT, &opt_iters, "bench: timed runs (default 20)", "K" },
  { "warmup", 'w', 0, G_OPTION_ARG_INT, &opt_warmup, "bench: untimed runs first (default 3)", "W" },
  { "threads", 't', 0, G_OPTION_ARG_INT, &opt_threads, "Threads (default: one per core)", "T" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "bench: one JSON object on stdout", NULL },
  { "plan", 0, 0, G_OPTION_ARG_NONE, &opt_plan, "summary: also list the planned nodes (needs fixed or --shape sizes)", NULL },
  { "device", 'd', 0, G_OPTION_ARG_STRING, &opt_device,
    "run/bench: cpu (default) or cuda (needs a CUDA build and a GPU)", "cpu|cuda" },
  { "precision", 'p', 0, G_OPTION_ARG_STRING, &opt_precision,
    "run/bench on cuda: fp32 (default, matches the CPU), tf32 or fp16 (Tensor Cores, "
    "looser); the CPU is always fp32", "fp32|tf32|fp16" },
  { NULL }
};

static char *
resolve_model (const char *arg, GError **error)
{
  if (g_file_test (arg, G_FILE_TEST_EXISTS))
    return g_strdup (arg);
  return trawl_model_path (arg, error);
}

static gboolean
parse_shape (const char *s, TrawlNnTensor *t, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (s, "x", -1);
  int n = (int) g_strv_length (parts);

  memset (t, 0, sizeof *t);
  t->dtype = TRAWL_NN_F32;
  if (n < 1 || n > TRAWL_NN_MAX_DIMS)
    goto bad;
  for (int i = 0; i < n; i++)
    {
      char *end = NULL;
      long long v = strtoll (parts[i], &end, 10);

      if (end == parts[i] || *end != '\0' || v < 1)
        goto bad;
      t->dims[i] = v;
    }
  t->ndim = n;
  return TRUE;
bad:
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
               "bad shape '%s' (expected e.g. 1x3x48x320)", s);
  return FALSE;
}

/* Shapes from --shape, else the graph's own when fully fixed. */
static gboolean
input_shapes (TrawlNnGraph *g, TrawlNnTensor *shapes, GError **error)
{
  int n = trawl_nn_graph_n_inputs (g);
  int given = opt_shapes ? (int) g_strv_length (opt_shapes) : 0;

  if (given && given != n)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "the model has %d inputs, %d --shape given", n, given);
      return FALSE;
    }
  for (int i = 0; i < n; i++)
    {
      TrawlNnTensor info;

      trawl_nn_graph_input_info (g, i, &info);
      if (given)
        {
          if (!parse_shape (opt_shapes[i], &shapes[i], error))
            return FALSE;
          shapes[i].dtype = info.dtype;
          continue;
        }
      for (int d = 0; d < info.ndim; d++)
        if (info.dims[d] < 0)
          {
            g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                         "input '%s' has free dims: give --shape",
                         trawl_nn_graph_input_name (g, i));
            return FALSE;
          }
      shapes[i] = info;
    }
  return TRUE;
}

static void
print_dims (FILE *f, const TrawlNnTensor *t)
{
  for (int d = 0; d < t->ndim; d++)
    fprintf (f, "%s%" G_GINT64_FORMAT, d ? "x" : "", t->dims[d]);
  if (t->ndim == 0)
    fprintf (f, "scalar");
}

/* Fills inputs: --input for the first, else a fixed pseudo-random pattern
 * in [0, 1) so runs are repeatable. Data is g_malloc'd, freed by caller. */
static gboolean
fill_inputs (TrawlNnTensor *in, int n, GError **error)
{
  GRand *r = g_rand_new_with_seed (1);

  for (int i = 0; i < n; i++)
    {
      int64_t numel = trawl_nn_tensor_numel (&in[i]);
      gsize bytes = numel * (in[i].dtype == TRAWL_NN_I64 ? 8 : 4);

      in[i].data = g_malloc0 (MAX (bytes, 8));
      if (i == 0 && opt_input)
        {
          char *buf = NULL;
          gsize len = 0;

          if (!g_file_get_contents (opt_input, &buf, &len, error))
            break;
          if (len != bytes)
            {
              g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                           "%s has %zu bytes, the shape needs %zu", opt_input, len, bytes);
              g_free (buf);
              break;
            }
          memcpy (in[i].data, buf, bytes);
          g_free (buf);
          continue;
        }
      for (int64_t k = 0; k < numel; k++)
        {
          if (in[i].dtype == TRAWL_NN_F32)
            ((float *) in[i].data)[k] = (float) g_rand_double (r);
          else
            ((int64_t *) in[i].data)[k] = 0;
        }
    }
  g_rand_free (r);
  return error == NULL || *error == NULL;
}

static void
print_output (const char *name, const TrawlNnTensor *t)
{
  int64_t n = trawl_nn_tensor_numel (t);
  double mn = INFINITY, mx = -INFINITY, sum = 0;

  printf ("%s: ", name);
  print_dims (stdout, t);
  for (int64_t k = 0; k < n; k++)
    {
      double v = t->dtype == TRAWL_NN_F32 ? ((float *) t->data)[k]
                                          : (double) ((int64_t *) t->data)[k];
      mn = MIN (mn, v);
      mx = MAX (mx, v);
      sum += v;
    }
  printf ("  min %.6g max %.6g mean %.6g  first:", mn, mx, n ? sum / n : 0);
  for (int64_t k = 0; k < MIN (n, 6); k++)
    printf (" %.6g", t->dtype == TRAWL_NN_F32 ? ((float *) t->data)[k]
                                              : (double) ((int64_t *) t->data)[k]);
  printf ("\n");
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
peak_rss_mb (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;   /* kilobytes on Linux */
}

/* Plan options from --threads, --device and --precision. FALSE with error
 * set for a bad value, or for cuda without a CUDA build or a GPU (the
 * message then starts "no GPU: "). */
static gboolean
plan_options (TrawlNnPlanOptions *opts, GError **error)
{
  GError *why = NULL;

  memset (opts, 0, sizeof *opts);
  opts->backend = TRAWL_NN_BACKEND_CPU;
  opts->n_threads = opt_threads;
  opts->precision = TRAWL_NN_PRECISION_FP32;
  if (opt_precision != NULL && !trawl_nn_precision_from_name (opt_precision, &opts->precision))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "--precision %s: expected fp32, tf32 or fp16", opt_precision);
      return FALSE;
    }
  if (opt_device == NULL || strcmp (opt_device, "cpu") == 0)
    {
      if (opts->precision != TRAWL_NN_PRECISION_FP32)
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                       "--precision %s needs --device cuda (the CPU computes in fp32)",
                       opt_precision);
          return FALSE;
        }
      return TRUE;
    }
  if (strcmp (opt_device, "cuda") != 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "--device %s: expected cpu or cuda", opt_device);
      return FALSE;
    }
  opts->backend = TRAWL_NN_BACKEND_CUDA;
  if (!trawl_nn_backend_available (TRAWL_NN_BACKEND_CUDA, &why))
    {
      /* with CUDA built in, the backend says why itself ("no GPU: ..." or
       * "GPU found, but cuDNN ... not found ...") */
      if (g_str_has_prefix (why->message, "no GPU") || g_str_has_prefix (why->message, "GPU found"))
        g_propagate_error (error, why);
      else
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "no GPU: %s", why->message);
          g_error_free (why);
        }
      return FALSE;
    }
  return TRUE;
}

static int
do_summary (TrawlNnGraph *g)
{
  int n = trawl_nn_graph_n_inputs (g);
  TrawlNnTensor shapes[n + 1];
  TrawlNnPlanOptions opts = { .backend = TRAWL_NN_BACKEND_CPU, .n_threads = opt_threads };
  TrawlNnPlan *plan;
  GError *error = NULL;

  trawl_nn_graph_print_summary (g, stdout);
  if (!opt_shapes && !opt_plan)
    return 0;
  if (!input_shapes (g, shapes, &error))
    return trawl_cli_fail (&error);
  plan = trawl_nn_plan_new (g, shapes, n, &opts, &error);
  if (plan == NULL)
    return trawl_cli_fail (&error);
  if (opt_plan)
    trawl_nn_plan_print_summary (plan, stdout);
  if (opt_shapes || opt_plan)
    {
      /* run once so every output has its data and shape */
      TrawlNnTensor in[n + 1];
      int no = trawl_nn_graph_n_outputs (g);
      TrawlNnTensor out[no + 1];

      memcpy (in, shapes, sizeof (TrawlNnTensor) * n);
      if (fill_inputs (in, n, &error) && trawl_nn_plan_run (plan, in, n, out, no, &error))
        for (int i = 0; i < no; i++)
          {
            printf ("output %s: ", trawl_nn_graph_output_name (g, i));
            print_dims (stdout, &out[i]);
            printf ("\n");
          }
      for (int i = 0; i < n; i++)
        g_free (in[i].data);
    }
  printf ("arena %.2f MB (one buffer per value: %.2f MB)\n",
          trawl_nn_plan_arena_bytes (plan) / 1048576.0,
          trawl_nn_plan_naive_bytes (plan) / 1048576.0);
  trawl_nn_plan_free (plan);
  return error ? trawl_cli_fail (&error) : 0;
}

static int
do_run_or_bench (TrawlNnGraph *g, const char *model, gboolean bench)
{
  int n = trawl_nn_graph_n_inputs (g), no = trawl_nn_graph_n_outputs (g);
  TrawlNnTensor in[n + 1], out[no + 1];
  TrawlNnPlanOptions opts;
  TrawlNnPlan *plan = NULL;
  GError *error = NULL;
  gint64 t0, plan_us;
  double *ms = NULL, *dev = NULL, dev0;
  gboolean cuda;
  int rc = 0;

  memset (in, 0, sizeof in);
  if (!plan_options (&opts, &error) || !input_shapes (g, in, &error)
      || !fill_inputs (in, n, &error))
    goto out;
  cuda = opts.backend == TRAWL_NN_BACKEND_CUDA;
  t0 = g_get_monotonic_time ();
  plan = trawl_nn_plan_new (g, in, n, &opts, &error);
  plan_us = g_get_monotonic_time () - t0;
  if (plan == NULL)
    goto out;
  if (!bench)
    {
      t0 = g_get_monotonic_time ();
      if (!trawl_nn_plan_run (plan, in, n, out, no, &error))
        goto out;
      printf ("ran in %.2f ms (plan %.1f ms, arena %.2f MB)\n",
              (g_get_monotonic_time () - t0) / 1000.0, plan_us / 1000.0,
              trawl_nn_plan_arena_bytes (plan) / 1048576.0);
      if (cuda)
        printf ("cuda %s: %.3f ms on the GPU (first run: includes warm-up)\n",
                trawl_nn_precision_name (opts.precision), trawl_nn_plan_device_ms (plan));
      for (int i = 0; i < no; i++)
        {
          print_output (trawl_nn_graph_output_name (g, i), &out[i]);
          if (opt_save)
            {
              char *path = g_strdup_printf ("%s.%d.f32", opt_save, i);
              gsize bytes = trawl_nn_tensor_numel (&out[i]) * (out[i].dtype == TRAWL_NN_I64 ? 8 : 4);
              gboolean ok = g_file_set_contents (path, out[i].data, bytes, &error);

              g_free (path);
              if (!ok)
                goto out;
            }
        }
      goto out;
    }
  for (int i = 0; i < opt_warmup; i++)
    if (!trawl_nn_plan_run (plan, in, n, out, no, &error))
      goto out;
  opt_iters = MAX (opt_iters, 1);
  ms = g_new (double, opt_iters);
  dev = g_new (double, opt_iters);
  for (int i = 0; i < opt_iters; i++)
    {
      t0 = g_get_monotonic_time ();
      dev0 = trawl_nn_plan_device_ms (plan);
      if (!trawl_nn_plan_run (plan, in, n, out, no, &error))
        goto out;
      ms[i] = (g_get_monotonic_time () - t0) / 1000.0;
      dev[i] = trawl_nn_plan_device_ms (plan) - dev0;
    }
  qsort (ms, opt_iters, sizeof (double), cmp_double);
  qsort (dev, opt_iters, sizeof (double), cmp_double);
  {
    double med = ms[opt_iters / 2], p90 = ms[MIN (opt_iters - 1, (int) ceil (opt_iters * 0.9) - 1)];
    double dmed = dev[opt_iters / 2];
    gboolean forced;
    TrawlCpuLevel level = trawl_cpu_level_current (&forced);
    GString *shape = g_string_new (NULL);

    for (int i = 0; i < n; i++)
      for (int d = 0; d < in[i].ndim; d++)
        g_string_append_printf (shape, "%s%" G_GINT64_FORMAT, d ? "x" : (i ? "," : ""),
                                in[i].dims[d]);
    if (opt_json)
      {
        printf ("{\"bench\": \"nn\", \"model\": \"%s\", \"backend\": \"%s\", \"threads\": %d, "
                "\"shape\": \"%s\", \"iterations\": %d, \"warmup\": %d, \"unit\": \"ms\", "
                "\"median\": %.3f, \"p90\": %.3f, \"min\": %.3f, \"plan_ms\": %.1f, "
                "\"arena_bytes\": %zu, \"peak_rss_mb\": %.1f",
                model, cuda ? "cuda" : "cpu",
                opt_threads > 0 ? opt_threads : (int) g_get_num_processors (),
                shape->str, opt_iters, opt_warmup, med, p90, ms[0], plan_us / 1000.0,
                trawl_nn_plan_arena_bytes (plan), peak_rss_mb ());
        /* the CPU kernels in use (also under CUDA: nodes may fall back) */
        printf (", \"cpu_level\": \"%s\", \"cpu_level_forced\": %s, \"blas_core\": \"%s\"",
                trawl_cpu_level_name (level), forced ? "true" : "false",
                trawl_cpu_level_blas_core ());
        if (cuda)
          printf (", \"precision\": \"%s\", \"device_median\": %.3f, \"device_min\": %.3f",
                  trawl_nn_precision_name (opts.precision), dmed, dev[0]);
        printf ("}\n");
      }
    else
      {
        printf ("%s %s: median %.2f ms, p90 %.2f ms, min %.2f ms over %d runs; "
                "plan %.1f ms; peak RSS %.1f MB; CPU level %s%s (OpenBLAS %s)\n", model,
                shape->str, med, p90, ms[0], opt_iters, plan_us / 1000.0, peak_rss_mb (),
                trawl_cpu_level_name (level), forced ? ", forced" : "",
                trawl_cpu_level_blas_core ());
        if (cuda)
          printf ("cuda %s: GPU time per run median %.3f ms, min %.3f ms (CUDA events; wall "
                  "time above adds the host copies)\n", trawl_nn_precision_name (opts.precision), dmed,
                  dev[0]);
      }
    g_string_free (shape, TRUE);
  }

out:
  if (error)
    rc = trawl_cli_fail (&error);
  g_free (ms);
  g_free (dev);
  trawl_nn_plan_free (plan);
  for (int i = 0; i < n; i++)
    g_free (in[i].data);
  return rc;
}

int
trawl_cmd_nn (int argc, char **argv)
{
  GOptionContext *ctx = g_option_context_new ("summary|run|bench MODEL");
  GError *error = NULL;
  TrawlNnGraph *g = NULL;
  char *path = NULL;
  const char *sub;
  int rc;

  g_option_context_set_summary (ctx, "Inspect, run and benchmark a model with trawl's engine.\n"
                                "MODEL is a file or a model-cache name such as\n"
                                "ocr-models/ch_PP-OCRv4_rec_infer.onnx.\n\n"
                                "Examples:\n"
                                "  trawl nn bench ocr-models/ch_PP-OCRv4_det_infer.onnx -s 1x3x640x640\n"
                                "  trawl nn bench ocr-models/ch_PP-OCRv4_det_infer.onnx -s 1x3x640x640 \\\n"
                                "      --device cuda --precision fp16   (also prints GPU ms per run)\n"
                                "  trawl nn run face-api/face_landmark_68_model-weights_manifest.json \\\n"
                                "      -s 1x3x112x112 --device cuda");
  g_option_context_add_main_entries (ctx, nn_entries, NULL);
  if (!trawl_cli_parse (ctx, &argc, &argv))
    {
      g_option_context_free (ctx);
      return 2;
    }
  g_option_context_free (ctx);
  if (argc != 3 || (strcmp (argv[1], "summary") && strcmp (argv[1], "run")
                    && strcmp (argv[1], "bench")))
    {
      fprintf (stderr, "usage: trawl nn summary|run|bench MODEL [--shape NxCxHxW] ...\n"
                       "Try 'trawl nn --help'.\n");
      return 2;
    }
  sub = argv[1];
  path = resolve_model (argv[2], &error);
  if (path)
    g = trawl_nn_load (path, &error);
  if (g == NULL)
    rc = trawl_cli_fail (&error);
  else if (strcmp (sub, "summary") == 0)
    rc = do_summary (g);
  else
    rc = do_run_or_bench (g, argv[2], strcmp (sub, "bench") == 0);
  trawl_nn_graph_unref (g);
  g_free (path);
  return rc;
}
