/* test-gpu-ops.c - the CUDA backend op by op against the CPU backend on
 * random inputs (odd sizes, batch 2), FP32 tolerance 1e-4 relative, and
 * convolutions/matrix products again at TF32 and FP16 (tolerances below);
 * every parity case also checks the staged-input run. Also the fallback
 * path (ops with no CUDA kernel run on the CPU inside a CUDA plan) and,
 * with no GPU needed: the no-GPU path, the precision policy (math types,
 * cuBLAS compute types) and which nodes of small graphs the CUDA table
 * covers. Without a GPU every parity case reports "skipped: no GPU (...)". */
#include "trawl-config.h"
#include "gpu-test-util.h"
#include "nn/nn-backend.h"
#if TRAWL_HAVE_CUDA
#include "nn/cuda/cuda-private.h"
#endif

#define TOL 1e-4
/* TF32 keeps 10 mantissa bits of each product's inputs (rel. 2^-11 each),
 * FP16 likewise with a 5-bit exponent; sums of a few hundred terms in
 * FP32. Error against the output's scale (max_scaled_err). */
#define TF32_TOL 5e-3
#define FP16_TOL 1e-2


static TrawlNnValueId
input (TrawlNnGraph *g, const char *name, int ndim, const int64_t *dims)
{
  return trawl_nn_graph_add_input (g, name, TRAWL_NN_F32, ndim, dims);
}

static TrawlNnValueId
weights (TrawlNnGraph *g, const char *name, int ndim, const int64_t *dims, guint32 seed)
{
  int64_t n = 1;

  for (int i = 0; i < ndim; i++)
    n *= dims[i];
  return trawl_nn_graph_add_constant (g, name, TRAWL_NN_F32, ndim, dims, rnd (n, seed), TRUE);
}

static TrawlNnValueId
ints (TrawlNnGraph *g, const char *name, int n, const int64_t *v)
{
  int64_t d = n;

  return trawl_nn_graph_add_constant (g, name, TRAWL_NN_I64, 1, &d, (void *) v, FALSE);
}

static TrawlNnValueId
op (TrawlNnGraph *g, const char *type, int n_in, const TrawlNnValueId *in, TrawlNnAttrs *a)
{
  g_autoptr (GError) error = NULL;
  TrawlNnValueId v = trawl_nn_graph_op (g, type, NULL, n_in, in, a, &error);

  g_assert_no_error (error);
  return v;
}

/* Marks out, plans with the graph's declared input shapes, compares. */
static void
finish (TrawlNnGraph *g, TrawlNnValueId out)
{
  TrawlNnTensor shapes[8];
  int n = trawl_nn_graph_n_inputs (g);

  trawl_nn_graph_mark_output (g, out);
  for (int i = 0; i < n; i++)
    g_assert_true (trawl_nn_graph_input_info (g, i, &shapes[i]));
  assert_graph_parity (g, shapes, n, TOL);
  trawl_nn_graph_unref (g);
}

static TrawlNnAttrs *
conv_attrs (int64_t stride, int64_t pad, int64_t group)
{
  TrawlNnAttrs *a = trawl_nn_attrs_new ();
  int64_t s[2] = { stride, stride }, p[4] = { pad, pad, pad, pad };

  trawl_nn_attrs_set_ints (a, "strides", s, 2);
  trawl_nn_attrs_set_ints (a, "pads", p, 4);
  trawl_nn_attrs_set_int (a, "group", group);
  return a;
}

/* ---- the no-GPU path (runs everywhere) ---- */

static void
test_no_gpu_path (void)
{
  TrawlGpuInfo info;
  g_autoptr (GError) perr = NULL, error = NULL;
  gboolean have = trawl_gpu_probe (&info, &perr);
  TrawlNnGraph *g = trawl_nn_graph_new ("relu");
  int64_t dims[2] = { 2, 3 };
  TrawlNnValueId x = input (g, "x", 2, dims);
  TrawlNnTensor shape = { TRAWL_NN_F32, 2, { 2, 3 }, NULL };
  TrawlNnPlanOptions o = { .backend = TRAWL_NN_BACKEND_CUDA, .n_threads = 1 };
  TrawlNnPlan *p;

  trawl_nn_graph_mark_output (g, op (g, "Relu", 1, &x, NULL));
  g_assert_true (trawl_nn_backend_available (TRAWL_NN_BACKEND_CPU, NULL));
  if (have)
    {
      g_assert_true (trawl_nn_backend_available (TRAWL_NN_BACKEND_CUDA, &error));
      g_assert_no_error (error);
      trawl_nn_graph_unref (g);
      return;
    }
  g_assert_false (trawl_nn_backend_available (TRAWL_NN_BACKEND_CUDA, &error));
  g_assert_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND);
  g_assert_nonnull (strstr (error->message, TRAWL_HAVE_CUDA ? "no GPU" : "not available"));
  g_clear_error (&error);
  p = trawl_nn_plan_new (g, &shape, 1, &o, &error);
  g_assert_null (p);
  g_assert_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND);
  trawl_nn_graph_unref (g);
}

/* ---- Conv: cuDNN fused bias+ReLU, epilogue kernel, grouped, fallback ---- */

static void
test_conv_relu (void)
{
  int64_t xd[4] = { 2, 5, 13, 11 }, wd[4] = { 7, 5, 3, 3 }, bd[1] = { 7 };
  TrawlNnGraph *g;
  TrawlNnValueId in[3], y;

  if (!need_gpu ())
    return;
  g = trawl_nn_graph_new ("conv_relu");
  in[0] = input (g, "x", 4, xd);
  in[1] = weights (g, "w", 4, wd, 1);
  in[2] = weights (g, "b", 1, bd, 2);
  y = op (g, "Conv", 3, in, conv_attrs (1, 1, 1));
  finish (g, op (g, "Relu", 1, &y, NULL));
}

static void
test_conv_depthwise_clip (void)
{
  int64_t xd[4] = { 2, 6, 9, 7 }, wd[4] = { 6, 1, 3, 3 }, bd[1] = { 6 };
  TrawlNnAttrs *ca;
  TrawlNnGraph *g;
  TrawlNnValueId in[3], y;

  if (!need_gpu ())
    return;
  ca = trawl_nn_attrs_new ();
  g = trawl_nn_graph_new ("conv_dw_clip");
  in[0] = input (g, "x", 4, xd);
  in[1] = weights (g, "w", 4, wd, 3);
  in[2] = weights (g, "b", 1, bd, 4);
  y = op (g, "Conv", 3, in, conv_attrs (2, 1, 6));
  trawl_nn_attrs_set_float (ca, "min", 0.0f);
  trawl_nn_attrs_set_float (ca, "max", 0.5f);
  finish (g, op (g, "Clip", 1, &y, ca));
}

static void
test_conv_1x1_hardswish (void)
{
  int64_t xd[4] = { 2, 9, 5, 3 }, wd[4] = { 4, 9, 1, 1 };
  TrawlNnGraph *g;
  TrawlNnValueId in[2], y;

  if (!need_gpu ())
    return;
  g = trawl_nn_graph_new ("conv_1x1_hswish");
  in[0] = input (g, "x", 4, xd);
  in[1] = weights (g, "w", 4, wd, 5);
  y = op (g, "Conv", 2, in, conv_attrs (1, 0, 1));
  finish (g, op (g, "HardSwish", 1, &y, NULL));
}

static void
test_conv_asym_pads_fallback (void)
{
  int64_t xd[4] = { 2, 3, 8, 9 }, wd[4] = { 4, 3, 3, 3 };
  int64_t p[4] = { 0, 1, 1, 0 };
  TrawlNnAttrs *a;
  TrawlNnGraph *g;
  TrawlNnValueId in[2];

  if (!need_gpu ())
    return;
  a = trawl_nn_attrs_new ();
  g = trawl_nn_graph_new ("conv_asym");
  in[0] = input (g, "x", 4, xd);
  in[1] = weights (g, "w", 4, wd, 6);
  trawl_nn_attrs_set_ints (a, "pads", p, 4);
  finish (g, op (g, "Conv", 2, in, a));
}

/* ---- elementwise ---- */

static void
binary_case (const char *type)
{
  int64_t ad[4] = { 2, 3, 5, 7 }, bd[3] = { 3, 1, 1 };
  TrawlNnGraph *g;
  TrawlNnValueId in[2];

  if (!need_gpu ())
    return;
  g = trawl_nn_graph_new (type);
  in[0] = input (g, "a", 4, ad);
  in[1] = input (g, "b", 3, bd);
  finish (g, op (g, type, 2, in, NULL));
}

static void test_add (void) { binary_case ("Add"); }
static void test_sub (void) { binary_case ("Sub"); }
static void test_mul (void) { binary_case ("Mul"); }
static void test_max (void) { binary_case ("Max"); }

static void
test_div (void)
{
  int64_t ad[3] = { 2, 5, 7 }, bd[1] = { 7 };
  float *b = g_new (float, 7);
  TrawlNnGraph *g;
  TrawlNnValueId in[2];

  if (!need_gpu ())
    {
      g_free (b);
      return;
    }
  for (int i = 0; i < 7; i++)
    b[i] = 0.5f + i;   /* away from zero */
  g = trawl_nn_graph_new ("div");
  in[0] = input (g, "a", 3, ad);
  in[1] = trawl_nn_graph_add_constant (g, "b", TRAWL_NN_F32, 1, bd, b, TRUE);
  finish (g, op (g, "Div", 2, in, NULL));
}

static void
unary_case (const char *type, TrawlNnAttrs *a)
{
  int64_t d[4] = { 2, 3, 7, 5 };
  TrawlNnGraph *g;
  TrawlNnValueId x;

  if (!need_gpu ())
    {
      trawl_nn_attrs_free (a);
      return;
    }
  g = trawl_nn_graph_new (type);
  x = input (g, "x", 4, d);
  finish (g, op (g, type, 1, &x, a));
}

static void test_sigmoid (void) { unary_case ("Sigmoid", NULL); }
static void test_relu (void) { unary_case ("Relu", NULL); }
static void test_hardswish (void) { unary_case ("HardSwish", NULL); }

static void
test_hardsigmoid (void)
{
  TrawlNnAttrs *a = trawl_nn_attrs_new ();

  trawl_nn_attrs_set_float (a, "alpha", 0.3f);
  unary_case ("HardSigmoid", a);
}

static void
test_leaky (void)
{
  TrawlNnAttrs *a = trawl_nn_attrs_new ();

  trawl_nn_attrs_set_float (a, "alpha", 0.1f);
  unary_case ("LeakyRelu", a);
}

/* ---- pooling and reductions ---- */

static void
pool_case (const char *type, int64_t k, int64_t s, int64_t pad, gboolean ceil_mode, gboolean incl)
{
  int64_t d[4] = { 2, 3, 11, 9 }, ks[2] = { k, k }, st[2] = { s, s }, p[4] = { pad, pad, pad, pad };
  TrawlNnAttrs *a;
  TrawlNnGraph *g;
  TrawlNnValueId x;

  if (!need_gpu ())
    return;
  a = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_ints (a, "kernel_shape", ks, 2);
  trawl_nn_attrs_set_ints (a, "strides", st, 2);
  trawl_nn_attrs_set_ints (a, "pads", p, 4);
  trawl_nn_attrs_set_int (a, "ceil_mode", ceil_mode);
  if (strcmp (type, "AveragePool") == 0)
    trawl_nn_attrs_set_int (a, "count_include_pad", incl);
  g = trawl_nn_graph_new (type);
  x = input (g, "x", 4, d);
  finish (g, op (g, type, 1, &x, a));
}

static void test_maxpool (void) { pool_case ("MaxPool", 3, 2, 1, FALSE, FALSE); }
static void test_avgpool (void) { pool_case ("AveragePool", 2, 2, 0, TRUE, FALSE); }
static void test_avgpool_pad (void) { pool_case ("AveragePool", 3, 1, 1, FALSE, TRUE); }
static void test_gap (void) { unary_case ("GlobalAveragePool", NULL); }

static void
test_reduce_mean (void)
{
  TrawlNnAttrs *a = trawl_nn_attrs_new ();
  int64_t axes[2] = { 2, 3 };

  trawl_nn_attrs_set_ints (a, "axes", axes, 2);
  trawl_nn_attrs_set_int (a, "keepdims", 1);
  unary_case ("ReduceMean", a);
}

static void
test_softmax (void)
{
  TrawlNnAttrs *a = trawl_nn_attrs_new ();

  trawl_nn_attrs_set_int (a, "axis", 1);
  unary_case ("Softmax", a);
}

static void test_softmax_last (void) { unary_case ("Softmax", NULL); }

/* ---- shape ops ---- */

static void
test_transpose (void)
{
  TrawlNnAttrs *a = trawl_nn_attrs_new ();
  int64_t perm[4] = { 0, 2, 3, 1 };

  trawl_nn_attrs_set_ints (a, "perm", perm, 4);
  unary_case ("Transpose", a);
}

static void
test_concat (void)
{
  int64_t d0[4] = { 2, 3, 5, 7 }, d1[4] = { 2, 1, 5, 7 }, d2[4] = { 2, 4, 5, 7 };
  TrawlNnAttrs *a;
  TrawlNnGraph *g;
  TrawlNnValueId in[3];

  if (!need_gpu ())
    return;
  a = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_int (a, "axis", 1);
  g = trawl_nn_graph_new ("concat");
  in[0] = input (g, "a", 4, d0);
  in[1] = input (g, "b", 4, d1);
  in[2] = input (g, "c", 4, d2);
  finish (g, op (g, "Concat", 3, in, a));
}

static void
test_reshape_view (void)
{
  static const int64_t shape[2] = { 2, -1 };
  int64_t d[4] = { 2, 3, 5, 7 };
  TrawlNnGraph *g;
  TrawlNnValueId in[2], r;

  if (!need_gpu ())
    return;
  g = trawl_nn_graph_new ("reshape");
  in[0] = input (g, "x", 4, d);
  in[1] = ints (g, "shape", 2, shape);
  r = op (g, "Reshape", 2, in, NULL);
  finish (g, op (g, "Sigmoid", 1, &r, NULL));
}

/* A chain of device and CPU nodes: Pad and Slice run on the device,
 * linear Resize has no CUDA kernel and runs on the CPU inside the CUDA
 * plan, between device ops (copies both ways). */
static void
test_fallback_chain (void)
{
  static const int64_t pads[8] = { 0, 0, 1, 2, 0, 0, 2, 1 };
  static const int64_t st[2] = { 1, 0 }, en[2] = { 9, 100 }, ax[2] = { 2, 3 };
  int64_t d[4] = { 2, 3, 9, 8 }, sd[4] = { 4 };
  float *scales = g_new (float, 4);
  TrawlNnGraph *g;
  TrawlNnValueId x, in[4], y;

  if (!need_gpu ())
    {
      g_free (scales);
      return;
    }
  scales[0] = scales[1] = 1.0f;
  scales[2] = scales[3] = 2.0f;
  g = trawl_nn_graph_new ("fallback");
  x = input (g, "x", 4, d);
  x = op (g, "Relu", 1, &x, NULL);
  in[0] = x;
  in[1] = ints (g, "pads", 8, pads);
  y = op (g, "Pad", 2, in, NULL);
  y = op (g, "Sigmoid", 1, &y, NULL);
  in[0] = y;
  in[1] = ints (g, "starts", 2, st);
  in[2] = ints (g, "ends", 2, en);
  in[3] = ints (g, "axes", 2, ax);
  y = op (g, "Slice", 4, in, NULL);
  in[0] = y;
  in[1] = -1;
  in[2] = trawl_nn_graph_add_constant (g, "scales", TRAWL_NN_F32, 1, sd, scales, TRUE);
  {
    TrawlNnAttrs *a = trawl_nn_attrs_new ();

    trawl_nn_attrs_set_string (a, "mode", "linear");
    y = op (g, "Resize", 3, in, a);
  }
  finish (g, op (g, "Add", 2, (TrawlNnValueId[]) { y, y }, NULL));
}

/* ---- matrix products ---- */

static void
test_matmul (void)
{
  int64_t ad[4] = { 2, 3, 5, 7 }, bd[2] = { 7, 4 };
  TrawlNnGraph *g;
  TrawlNnValueId in[2];

  if (!need_gpu ())
    return;
  g = trawl_nn_graph_new ("matmul");
  in[0] = input (g, "a", 4, ad);
  in[1] = weights (g, "b", 2, bd, 7);
  finish (g, op (g, "MatMul", 2, in, NULL));
}

static void
test_matmul_batched (void)
{
  int64_t ad[3] = { 2, 5, 7 }, bd[3] = { 2, 7, 3 };
  TrawlNnGraph *g;
  TrawlNnValueId in[2];

  if (!need_gpu ())
    return;
  g = trawl_nn_graph_new ("matmul_batched");
  in[0] = input (g, "a", 3, ad);
  in[1] = input (g, "b", 3, bd);
  finish (g, op (g, "MatMul", 2, in, NULL));
}

static void
test_gemm (void)
{
  int64_t ad[2] = { 3, 17 }, bd[2] = { 5, 17 }, cd[1] = { 5 };
  TrawlNnAttrs *a;
  TrawlNnGraph *g;
  TrawlNnValueId in[3];

  if (!need_gpu ())
    return;
  a = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_int (a, "transB", 1);
  trawl_nn_attrs_set_float (a, "alpha", 0.5f);
  trawl_nn_attrs_set_float (a, "beta", 2.0f);
  g = trawl_nn_graph_new ("gemm");
  in[0] = input (g, "a", 2, ad);
  in[1] = weights (g, "b", 2, bd, 8);
  in[2] = weights (g, "c", 1, cd, 9);
  finish (g, op (g, "Gemm", 3, in, a));
}

/* ---- ops added for the five models (asymmetric Conv pads above) ---- */

static void
test_pad (void)
{
  static const int64_t pads[8] = { 0, 0, 1, 2, 0, 3, 0, 1 };
  int64_t d[4] = { 2, 3, 5, 7 };
  TrawlNnAttrs *a;
  TrawlNnGraph *g;
  TrawlNnValueId in[3];
  int64_t one = 1;
  float *v;

  if (!need_gpu ())
    return;
  v = g_new (float, 1);
  v[0] = -0.25f;
  a = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_string (a, "mode", "constant");
  g = trawl_nn_graph_new ("pad");
  in[0] = input (g, "x", 4, d);
  in[1] = ints (g, "pads", 8, pads);
  in[2] = trawl_nn_graph_add_constant (g, "v", TRAWL_NN_F32, 1, &one, v, TRUE);
  finish (g, op (g, "Pad", 3, in, a));
}

static void
slice_case (const int64_t *st, const int64_t *en, const int64_t *ax, const int64_t *sp, int n)
{
  int64_t d[4] = { 2, 5, 9, 8 };
  TrawlNnGraph *g;
  TrawlNnValueId in[5];

  if (!need_gpu ())
    return;
  g = trawl_nn_graph_new ("slice");
  in[0] = input (g, "x", 4, d);
  in[1] = ints (g, "starts", n, st);
  in[2] = ints (g, "ends", n, en);
  in[3] = ints (g, "axes", n, ax);
  in[4] = ints (g, "steps", n, sp);
  finish (g, op (g, "Slice", 5, in, NULL));
}

static void
test_slice (void)
{
  static const int64_t st[2] = { 1, -7 }, en[2] = { 4, 100 }, ax[2] = { 1, 3 }, sp[2] = { 1, 2 };

  slice_case (st, en, ax, sp, 2);
}

static void
test_slice_reverse (void)
{
  static const int64_t st[1] = { -1 }, en[1] = { G_MININT64 }, ax[1] = { 2 }, sp[1] = { -2 };

  slice_case (st, en, ax, sp, 1);
}

static void
resize_case (const char *coord, const char *nearest, float sh, float sw)
{
  int64_t d[4] = { 2, 3, 5, 7 }, sd[1] = { 4 }, roi[1] = { 0 };
  float *sc = g_new (float, 4);
  TrawlNnAttrs *a;
  TrawlNnGraph *g;
  TrawlNnValueId in[3];

  if (!need_gpu ())
    {
      g_free (sc);
      return;
    }
  sc[0] = sc[1] = 1.0f;
  sc[2] = sh;
  sc[3] = sw;
  a = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_string (a, "mode", "nearest");
  trawl_nn_attrs_set_string (a, "coordinate_transformation_mode", coord);
  trawl_nn_attrs_set_string (a, "nearest_mode", nearest);
  g = trawl_nn_graph_new ("resize");
  in[0] = input (g, "x", 4, d);
  in[1] = trawl_nn_graph_add_constant (g, "roi", TRAWL_NN_F32, 1, roi, g_new0 (float, 1), TRUE);
  in[2] = trawl_nn_graph_add_constant (g, "scales", TRAWL_NN_F32, 1, sd, sc, TRUE);
  finish (g, op (g, "Resize", 3, in, a));
}

/* PP-OCRv4 det's mode, and half-pixel (same whole-factor mapping) */
static void test_resize_x2 (void) { resize_case ("asymmetric", "floor", 2.0f, 2.0f); }
static void test_resize_x4_half_pixel (void) { resize_case ("half_pixel", "round_prefer_floor", 4.0f, 2.0f); }
/* a mapping that is not i / f: stays on the CPU, still right */
static void test_resize_ceil_fallback (void) { resize_case ("asymmetric", "round_prefer_ceil", 2.0f, 2.0f); }

static void
convt_case (int64_t k, int64_t stride, int64_t pad, int64_t group, TrawlNnPrecision prec, double tol)
{
  int64_t xd[4] = { 2, 6, 5, 7 }, wd[4] = { 6, 4 / group, k, k }, bd[1] = { 4 };
  int64_t st[2] = { stride, stride }, p[4] = { pad, pad, pad, pad };
  TrawlNnTensor shape;
  TrawlNnAttrs *a;
  TrawlNnGraph *g;
  TrawlNnValueId in[3], y;

  if (!need_gpu ())
    return;
  a = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_ints (a, "strides", st, 2);
  trawl_nn_attrs_set_ints (a, "pads", p, 4);
  trawl_nn_attrs_set_int (a, "group", group);
  g = trawl_nn_graph_new ("convt");
  in[0] = input (g, "x", 4, xd);
  in[1] = weights (g, "w", 4, wd, 31);
  in[2] = weights (g, "b", 1, bd, 32);
  y = op (g, "ConvTranspose", 3, in, a);
  y = op (g, "Relu", 1, &y, NULL);
  trawl_nn_graph_mark_output (g, y);
  g_assert_true (trawl_nn_graph_input_info (g, 0, &shape));
  assert_graph_parity_prec (g, &shape, 1, prec, tol);
  trawl_nn_graph_unref (g);
}

/* PP-OCRv4 det's head: k2 s2 */
static void test_convt_k2s2 (void) { convt_case (2, 2, 0, 1, TRAWL_NN_PRECISION_FP32, TOL); }
static void test_convt_k3s2p1_grouped (void) { convt_case (3, 2, 1, 2, TRAWL_NN_PRECISION_FP32, TOL); }

static void
test_sqrt (void)
{
  int64_t d[3] = { 2, 7, 5 };
  TrawlNnGraph *g;
  TrawlNnValueId x;

  if (!need_gpu ())
    return;
  g = trawl_nn_graph_new ("sqrt");
  x = input (g, "x", 3, d);
  x = op (g, "Relu", 1, &x, NULL);   /* sqrt of a negative is NaN on both sides */
  finish (g, op (g, "Sqrt", 1, &x, NULL));
}

/* ---- precision: the same products at TF32 and FP16 ---- */

static TrawlNnGraph *
conv_graph (TrawlNnTensor *shape)
{
  int64_t xd[4] = { 2, 32, 17, 15 }, wd[4] = { 48, 32, 3, 3 }, bd[1] = { 48 };
  TrawlNnGraph *g = trawl_nn_graph_new ("conv_prec");
  TrawlNnValueId in[3], y;

  in[0] = input (g, "x", 4, xd);
  in[1] = weights (g, "w", 4, wd, 41);
  in[2] = weights (g, "b", 1, bd, 42);
  y = op (g, "Conv", 3, in, conv_attrs (2, 1, 1));
  trawl_nn_graph_mark_output (g, op (g, "Relu", 1, &y, NULL));
  g_assert_true (trawl_nn_graph_input_info (g, 0, shape));
  return g;
}

static TrawlNnGraph *
matmul_graph (TrawlNnTensor *shape)
{
  int64_t ad[3] = { 2, 40, 120 }, bd[2] = { 120, 96 };
  TrawlNnGraph *g = trawl_nn_graph_new ("matmul_prec");
  TrawlNnValueId in[2];

  in[0] = input (g, "a", 3, ad);
  in[1] = weights (g, "b", 2, bd, 43);
  trawl_nn_graph_mark_output (g, op (g, "MatMul", 2, in, NULL));
  g_assert_true (trawl_nn_graph_input_info (g, 0, shape));
  return g;
}

static TrawlNnGraph *
gemm_graph (TrawlNnTensor *shape)
{
  int64_t ad[2] = { 3, 256 }, bd[2] = { 128, 256 }, cd[1] = { 128 };
  TrawlNnAttrs *a = trawl_nn_attrs_new ();
  TrawlNnGraph *g = trawl_nn_graph_new ("gemm_prec");
  TrawlNnValueId in[3];

  trawl_nn_attrs_set_int (a, "transB", 1);
  in[0] = input (g, "a", 2, ad);
  in[1] = weights (g, "b", 2, bd, 44);
  in[2] = weights (g, "c", 1, cd, 45);
  trawl_nn_graph_mark_output (g, op (g, "Gemm", 3, in, a));
  g_assert_true (trawl_nn_graph_input_info (g, 0, shape));
  return g;
}

static void
precision_case (gconstpointer data)
{
  const char *what = data;
  TrawlNnTensor shape;
  TrawlNnGraph *g;

  if (!need_gpu ())
    return;
  g = strcmp (what, "conv") == 0 ? conv_graph (&shape)
      : strcmp (what, "matmul") == 0 ? matmul_graph (&shape) : gemm_graph (&shape);
  assert_graph_parity_prec (g, &shape, 1, TRAWL_NN_PRECISION_TF32, TF32_TOL);
  assert_graph_parity_prec (g, &shape, 1, TRAWL_NN_PRECISION_FP16, FP16_TOL);
  trawl_nn_graph_unref (g);
  if (strcmp (what, "conv") == 0)
    {
      convt_case (2, 2, 0, 1, TRAWL_NN_PRECISION_TF32, TF32_TOL);
      convt_case (2, 2, 0, 1, TRAWL_NN_PRECISION_FP16, FP16_TOL);
    }
}

/* ---- no GPU needed: precision policy and coverage (CUDA builds) ---- */

static void
test_precision_policy (void)
{
#if TRAWL_HAVE_CUDA
  g_assert_cmpint (_trawl_nn_cuda_conv_math (TRAWL_NN_PRECISION_FP32), ==, CUDNN_FMA_MATH);
  g_assert_cmpint (_trawl_nn_cuda_conv_math (TRAWL_NN_PRECISION_TF32), ==, CUDNN_DEFAULT_MATH);
  g_assert_cmpint (_trawl_nn_cuda_conv_math (TRAWL_NN_PRECISION_FP16), ==,
                   CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION);
  /* FP32 takes FMA only: no TF32, no FP16 behind the CPU's back */
  g_assert_true (_trawl_nn_cuda_math_allowed (TRAWL_NN_PRECISION_FP32, CUDNN_FMA_MATH));
  g_assert_false (_trawl_nn_cuda_math_allowed (TRAWL_NN_PRECISION_FP32, CUDNN_DEFAULT_MATH));
  g_assert_false (_trawl_nn_cuda_math_allowed (TRAWL_NN_PRECISION_FP32, CUDNN_TENSOR_OP_MATH));
  g_assert_false (_trawl_nn_cuda_math_allowed (TRAWL_NN_PRECISION_FP32,
                                               CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION));
  /* TF32 never converts to FP16 */
  g_assert_true (_trawl_nn_cuda_math_allowed (TRAWL_NN_PRECISION_TF32, CUDNN_DEFAULT_MATH));
  g_assert_true (_trawl_nn_cuda_math_allowed (TRAWL_NN_PRECISION_TF32, CUDNN_FMA_MATH));
  g_assert_false (_trawl_nn_cuda_math_allowed (TRAWL_NN_PRECISION_TF32,
                                               CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION));
  g_assert_true (_trawl_nn_cuda_math_allowed (TRAWL_NN_PRECISION_FP16,
                                              CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION));
  g_assert_true (_trawl_nn_cuda_math_allowed (TRAWL_NN_PRECISION_FP16, CUDNN_FMA_MATH));
  g_assert_cmpint (_trawl_nn_cuda_gemm_compute (TRAWL_NN_PRECISION_FP32), ==,
                   CUBLAS_COMPUTE_32F_PEDANTIC);
  g_assert_cmpint (_trawl_nn_cuda_gemm_compute (TRAWL_NN_PRECISION_TF32), ==,
                   CUBLAS_COMPUTE_32F_FAST_TF32);
  g_assert_cmpint (_trawl_nn_cuda_gemm_compute (TRAWL_NN_PRECISION_FP16), ==,
                   CUBLAS_COMPUTE_32F_FAST_16F);
  g_assert_cmpint (_trawl_nn_cuda_blas_math (TRAWL_NN_PRECISION_FP32), ==, CUBLAS_PEDANTIC_MATH);
  g_assert_cmpint (_trawl_nn_cuda_blas_math (TRAWL_NN_PRECISION_TF32), ==,
                   CUBLAS_TF32_TENSOR_OP_MATH);
#else
  g_test_skip ("built without CUDA");
#endif
}

/* Plans g on the CPU and returns the nodes the CUDA table would leave to
 * the CPU, joined by ", " (g_free). */
static char *
left_on_cpu (TrawlNnGraph *g)
{
#if TRAWL_HAVE_CUDA
  g_autoptr (GError) error = NULL;
  TrawlNnPlanOptions o = { .backend = TRAWL_NN_BACKEND_CPU, .n_threads = 1 };
  TrawlNnTensor shapes[8];
  int n = trawl_nn_graph_n_inputs (g);
  TrawlNnPlan *p;
  char **left, *s;

  for (int i = 0; i < n; i++)
    g_assert_true (trawl_nn_graph_input_info (g, i, &shapes[i]));
  p = trawl_nn_plan_new (g, shapes, n, &o, &error);
  g_assert_no_error (error);
  left = _trawl_nn_backend_plan_check (TRAWL_NN_BACKEND_CUDA, p, TRAWL_NN_PRECISION_FP32, &error);
  g_assert_no_error (error);
  s = g_strjoinv (", ", left);
  g_strfreev (left);
  trawl_nn_plan_free (p);
  return s;
#else
  (void) g;
  return g_strdup ("");
#endif
}

static void
test_coverage (void)
{
  static const int64_t pads[8] = { 0, 1, 0, 0, 0, 2, 1, 1 };
  static const int64_t st[1] = { 1 }, en[1] = { 6 }, ax[1] = { 3 };
  int64_t d[4] = { 2, 3, 8, 10 }, wd[4] = { 4, 3, 3, 3 }, twd[4] = { 7, 4, 2, 2 }, sd[1] = { 4 };
  int64_t asym[4] = { 0, 0, 1, 1 }, s2[2] = { 2, 2 }, roi[1] = { 0 };
  static const int64_t rax[2] = { 2, 3 };
  TrawlNnGraph *g;
  TrawlNnValueId x, y, in[5];
  TrawlNnAttrs *a;
  float *sc;
  char *left;

#if !TRAWL_HAVE_CUDA
  g_test_skip ("built without CUDA");
  return;
#endif
  g = trawl_nn_graph_new ("coverage");
  x = input (g, "x", 4, d);
  /* tfjs "same" stride 2 on even sizes: pads 0 before, 1 after */
  a = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_ints (a, "pads", asym, 4);
  trawl_nn_attrs_set_ints (a, "strides", s2, 2);
  in[0] = x;
  in[1] = weights (g, "w", 4, wd, 51);
  y = op (g, "Conv", 2, in, a);                       /* [2,4,4,5] */
  in[0] = y;
  in[1] = ints (g, "pads", 8, pads);
  y = op (g, "Pad", 2, in, NULL);                     /* [2,7,5,6] */
  in[0] = y;
  in[1] = ints (g, "st", 1, st);
  in[2] = ints (g, "en", 1, en);
  in[3] = ints (g, "ax", 1, ax);
  y = op (g, "Slice", 4, in, NULL);                   /* [2,7,5,5] */
  y = op (g, "Sqrt", 1, &y, NULL);
  sc = g_new (float, 4);
  sc[0] = sc[1] = 1.0f;
  sc[2] = sc[3] = 2.0f;
  a = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_string (a, "coordinate_transformation_mode", "asymmetric");
  trawl_nn_attrs_set_string (a, "nearest_mode", "floor");
  in[0] = y;
  in[1] = trawl_nn_graph_add_constant (g, "roi", TRAWL_NN_F32, 1, roi, g_new0 (float, 1), TRUE);
  in[2] = trawl_nn_graph_add_constant (g, "sc", TRAWL_NN_F32, 1, sd, sc, TRUE);
  y = op (g, "Resize", 3, in, a);                     /* [2,7,10,10] */
  a = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_ints (a, "strides", s2, 2);
  in[0] = y;
  in[1] = weights (g, "tw", 4, twd, 52);
  y = op (g, "ConvTranspose", 2, in, a);              /* [2,4,20,20] */
  /* opset 18: the axes come as an int64 input, the data stays float */
  in[0] = y;
  in[1] = ints (g, "rax", 2, rax);
  y = op (g, "ReduceSum", 2, in, NULL);               /* [2,4,1,1] */
  trawl_nn_graph_mark_output (g, y);
  left = left_on_cpu (g);
  g_test_message ("left on the CPU: [%s]", left);
  g_assert_cmpstr (left, ==, "");
  g_free (left);
  trawl_nn_graph_unref (g);

  /* what stays on the CPU is listed: linear Resize, edge Pad */
  g = trawl_nn_graph_new ("coverage_left");
  x = input (g, "x", 4, d);
  sc = g_new (float, 4);
  sc[0] = sc[1] = 1.0f;
  sc[2] = sc[3] = 2.0f;
  a = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_string (a, "mode", "linear");
  in[0] = x;
  in[1] = trawl_nn_graph_add_constant (g, "roi", TRAWL_NN_F32, 1, roi, g_new0 (float, 1), TRUE);
  in[2] = trawl_nn_graph_add_constant (g, "sc", TRAWL_NN_F32, 1, sd, sc, TRUE);
  y = trawl_nn_graph_op (g, "Resize", "up", 3, in, a, NULL);
  a = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_string (a, "mode", "edge");
  in[0] = y;
  in[1] = ints (g, "pads", 8, pads);
  y = trawl_nn_graph_op (g, "Pad", "edge", 2, in, a, NULL);
  trawl_nn_graph_mark_output (g, y);
  left = left_on_cpu (g);
  g_assert_cmpstr (left, ==, "Resize up, Pad edge");
  g_free (left);
  trawl_nn_graph_unref (g);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gpu/nn/no-gpu-path", test_no_gpu_path);
  g_test_add_func ("/gpu/nn/conv-relu", test_conv_relu);
  g_test_add_func ("/gpu/nn/conv-depthwise-clip", test_conv_depthwise_clip);
  g_test_add_func ("/gpu/nn/conv-1x1-hardswish", test_conv_1x1_hardswish);
  g_test_add_func ("/gpu/nn/conv-asym-pads-fallback", test_conv_asym_pads_fallback);
  g_test_add_func ("/gpu/nn/add", test_add);
  g_test_add_func ("/gpu/nn/sub", test_sub);
  g_test_add_func ("/gpu/nn/mul", test_mul);
  g_test_add_func ("/gpu/nn/max", test_max);
  g_test_add_func ("/gpu/nn/div", test_div);
  g_test_add_func ("/gpu/nn/relu", test_relu);
  g_test_add_func ("/gpu/nn/sigmoid", test_sigmoid);
  g_test_add_func ("/gpu/nn/hardswish", test_hardswish);
  g_test_add_func ("/gpu/nn/hardsigmoid", test_hardsigmoid);
  g_test_add_func ("/gpu/nn/leaky-relu", test_leaky);
  g_test_add_func ("/gpu/nn/maxpool", test_maxpool);
  g_test_add_func ("/gpu/nn/avgpool-ceil", test_avgpool);
  g_test_add_func ("/gpu/nn/avgpool-pad", test_avgpool_pad);
  g_test_add_func ("/gpu/nn/global-avgpool", test_gap);
  g_test_add_func ("/gpu/nn/reduce-mean", test_reduce_mean);
  g_test_add_func ("/gpu/nn/softmax-axis1", test_softmax);
  g_test_add_func ("/gpu/nn/softmax-last", test_softmax_last);
  g_test_add_func ("/gpu/nn/transpose", test_transpose);
  g_test_add_func ("/gpu/nn/concat", test_concat);
  g_test_add_func ("/gpu/nn/reshape-view", test_reshape_view);
  g_test_add_func ("/gpu/nn/fallback-pad-slice-resize", test_fallback_chain);
  g_test_add_func ("/gpu/nn/matmul", test_matmul);
  g_test_add_func ("/gpu/nn/matmul-batched", test_matmul_batched);
  g_test_add_func ("/gpu/nn/gemm", test_gemm);
  g_test_add_func ("/gpu/nn/pad", test_pad);
  g_test_add_func ("/gpu/nn/slice", test_slice);
  g_test_add_func ("/gpu/nn/slice-reverse", test_slice_reverse);
  g_test_add_func ("/gpu/nn/resize-nearest-x2", test_resize_x2);
  g_test_add_func ("/gpu/nn/resize-nearest-x4-half-pixel", test_resize_x4_half_pixel);
  g_test_add_func ("/gpu/nn/resize-ceil-fallback", test_resize_ceil_fallback);
  g_test_add_func ("/gpu/nn/convtranspose-k2s2", test_convt_k2s2);
  g_test_add_func ("/gpu/nn/convtranspose-k3s2p1-grouped", test_convt_k3s2p1_grouped);
  g_test_add_func ("/gpu/nn/sqrt", test_sqrt);
  g_test_add_data_func ("/gpu/nn/precision/conv", "conv", precision_case);
  g_test_add_data_func ("/gpu/nn/precision/matmul", "matmul", precision_case);
  g_test_add_data_func ("/gpu/nn/precision/gemm", "gemm", precision_case);
  g_test_add_func ("/gpu/nn/precision-policy", test_precision_policy);
  g_test_add_func ("/gpu/nn/coverage", test_coverage);
  return g_test_run ();
}
