/* test-gpu-ops.c - the CUDA backend op by op against the CPU backend on
 * random inputs (odd sizes, batch 2), FP32 tolerance 1e-4 relative; also
 * the fallback path (ops with no CUDA kernel run on the CPU inside a CUDA
 * plan) and the no-GPU path, which runs everywhere. Without a GPU every
 * parity case reports "skipped: no GPU (...)". */
#include "trawl-config.h"
#include "gpu-test-util.h"

#define TOL 1e-4


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

/* Pad, Slice and Resize have no CUDA kernel: they run on the CPU inside
 * the CUDA plan, between device ops (copies both ways). */
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
  return g_test_run ();
}
