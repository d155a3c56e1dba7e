/* test-nn-plan.c - the engine's planner and graph API: constant folding of
 * shape subgraphs, Conv+BN / Conv+activation / unrolled-HardSwish fusion
 * (fused == unfused), memory reuse (smaller arena, identical results),
 * batch > 1, multi-output nodes, and bad input failing with a GError. */
#include "nn-test-util.h"
#include "nn/nn-private.h"

#include <stdio.h>

static TrawlNnValueId
cst (TrawlNnGraph *g, int ndim, const int64_t *dims, const float *data)
{
  return trawl_nn_graph_add_constant (g, NULL, TRAWL_NN_F32, ndim, dims, (void *) data, FALSE);
}

static TrawlNnValueId
icst (TrawlNnGraph *g, int n, const int64_t *data)
{
  int64_t d[1] = { n };
  return trawl_nn_graph_add_constant (g, NULL, TRAWL_NN_I64, 1, d, (void *) data, FALSE);
}

static TrawlNnValueId
op (TrawlNnGraph *g, const char *type, int n, const TrawlNnValueId *in, TrawlNnAttrs *at)
{
  GError *error = NULL;
  TrawlNnValueId v = trawl_nn_graph_op (g, type, NULL, n, in, at, &error);

  g_assert_no_error (error);
  g_assert_cmpint (v, >=, 0);
  return v;
}

/* Plans g for one input of dims d with flags, runs it on x, returns a copy
 * of output 0 (g_free) and the live node count. */
static float *
plan_run (TrawlNnGraph *g, int ndim, const int64_t *d, const float *x, guint flags,
          int *live, TrawlNnTensor *os, gsize *arena, gsize *naive)
{
  TrawlNnTensor in = { TRAWL_NN_F32, ndim, { 0 }, (void *) x }, out;
  TrawlNnPlanOptions opts = { .backend = TRAWL_NN_BACKEND_CPU, .n_threads = 2 };
  GError *error = NULL;
  TrawlNnPlan *p;
  float *copy;

  memcpy (in.dims, d, sizeof (int64_t) * ndim);
  p = _trawl_nn_plan_new_flags (g, &in, 1, &opts, flags, &error);
  g_assert_no_error (error);
  g_assert_true (trawl_nn_plan_run (p, &in, 1, &out, 1, &error));
  g_assert_no_error (error);
  /* a second run must give the same bytes (no state leaks between runs) */
  copy = g_memdup2 (out.data, trawl_nn_tensor_numel (&out) * sizeof (float));
  g_assert_true (trawl_nn_plan_run (p, &in, 1, &out, 1, &error));
  g_assert_cmpmem (copy, trawl_nn_tensor_numel (&out) * sizeof (float), out.data,
                   trawl_nn_tensor_numel (&out) * sizeof (float));
  if (live)
    *live = _trawl_nn_plan_n_live_nodes (p);
  if (os)
    {
      *os = out;
      os->data = NULL;
    }
  if (arena)
    *arena = trawl_nn_plan_arena_bytes (p);
  if (naive)
    *naive = trawl_nn_plan_naive_bytes (p);
  trawl_nn_plan_free (p);
  return copy;
}

/* Shape -> Gather -> Unsqueeze -> Concat -> Reshape, as ONNX exporters
 * write "x.view(x.size(0), -1)": folded at plan time, leaving Reshape (a
 * view) and the Relu. */
static void
test_fold_shape_subgraph (void)
{
  TrawlNnGraph *g = trawl_nn_graph_new ("fold");
  int64_t gd[4] = { -1, 3, 4, 5 }, d[4] = { 2, 3, 4, 5 }, zero = 0, minus1 = -1, two = 2;
  TrawlNnValueId x = trawl_nn_graph_add_input (g, "x", TRAWL_NN_F32, 4, gd);
  TrawlNnValueId s, n, u, c, r, y, t;
  TrawlNnAttrs *at;
  float *xv = rnd (120, 1), *got;
  TrawlNnTensor os;
  int live;

  s = op (g, "Shape", 1, &x, NULL);
  n = op (g, "Gather", 2,
          (TrawlNnValueId[]) { s, trawl_nn_graph_add_constant (g, "idx", TRAWL_NN_I64, 0, NULL,
                                                               &zero, FALSE) }, NULL);
  at = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_ints (at, "axes", &zero, 1);
  u = op (g, "Unsqueeze", 1, &n, at);
  /* int64 arithmetic on the way: (n * 2) / 2 */
  u = op (g, "Mul", 2, (TrawlNnValueId[]) { u, icst (g, 1, &two) }, NULL);
  u = op (g, "Div", 2, (TrawlNnValueId[]) { u, icst (g, 1, &two) }, NULL);
  at = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_int (at, "axis", 0);
  c = op (g, "Concat", 2, (TrawlNnValueId[]) { u, icst (g, 1, &minus1) }, at);
  r = op (g, "Reshape", 2, (TrawlNnValueId[]) { x, c }, NULL);
  y = op (g, "Relu", 1, &r, NULL);
  t = op (g, "Cast", 1, &s, NULL);   /* a dead end: folded, unused */
  (void) t;
  trawl_nn_graph_mark_output (g, y);

  got = plan_run (g, 4, d, xv, 0, &live, &os, NULL, NULL);
  g_assert_cmpint (live, ==, 2);
  assert_shape (&os, 2, (int64_t[]) { 2, 60 });
  for (int i = 0; i < 120; i++)
    g_assert_cmpfloat (got[i], ==, xv[i] > 0 ? xv[i] : 0);
  g_free (got);
  g_free (xv);
  trawl_nn_graph_unref (g);
}

/* Conv -> BatchNormalization -> Relu becomes one node and computes the same. */
static void
test_fuse_conv_bn (void)
{
  TrawlNnGraph *g = trawl_nn_graph_new ("bn");
  int64_t d[4] = { 2, 3, 9, 7 }, wd[4] = { 5, 3, 3, 3 }, cd[1] = { 5 };
  float *w = rnd (135, 2), *b = rnd (5, 3), *sc = rnd (5, 4), *be = rnd (5, 5), *mu = rnd (5, 6);
  float var[5] = { 0.5f, 1, 2, 0.1f, 3 };
  TrawlNnValueId x = trawl_nn_graph_add_input (g, "x", TRAWL_NN_F32, 4, d), y;
  TrawlNnAttrs *at = trawl_nn_attrs_new ();
  float *xv = rnd (numel (4, d), 7), *fused, *plain;
  int live_f, live_p;
  TrawlNnTensor os;

  trawl_nn_attrs_set_ints (at, "pads", (int64_t[]) { 1, 1, 1, 1 }, 4);
  y = op (g, "Conv", 3, (TrawlNnValueId[]) { x, cst (g, 4, wd, w), cst (g, 1, cd, b) }, at);
  y = op (g, "BatchNormalization", 5,
          (TrawlNnValueId[]) { y, cst (g, 1, cd, sc), cst (g, 1, cd, be), cst (g, 1, cd, mu),
                               cst (g, 1, cd, var) }, NULL);
  y = op (g, "Relu", 1, &y, NULL);
  trawl_nn_graph_mark_output (g, y);
  fused = plan_run (g, 4, d, xv, 0, &live_f, &os, NULL, NULL);
  plain = plan_run (g, 4, d, xv, TRAWL_NN_PLAN_NO_FUSE, &live_p, NULL, NULL, NULL);
  g_assert_cmpint (live_f, ==, 1);
  g_assert_cmpint (live_p, ==, 3);
  assert_close (fused, plain, trawl_nn_tensor_numel (&os), 1e-4f);
  g_free (fused); g_free (plain); g_free (w); g_free (b); g_free (sc); g_free (be);
  g_free (mu); g_free (xv);
  trawl_nn_graph_unref (g);
}

/* ConvTranspose (grouped) -> Add per channel -> BatchNormalization -> Relu,
 * as DB heads do: all one node. */
static void
test_fuse_convt_bn (void)
{
  TrawlNnGraph *g = trawl_nn_graph_new ("tbn");
  int64_t d[4] = { 2, 4, 5, 6 }, wd[4] = { 4, 3, 2, 2 }, cd[1] = { 6 };
  float *w = rnd (48, 80), *b = rnd (6, 81), *sc = rnd (6, 82), *be = rnd (6, 83), *mu = rnd (6, 84);
  float var[6] = { 0.5f, 1, 2, 0.1f, 3, 0.7f };
  TrawlNnValueId x = trawl_nn_graph_add_input (g, "x", TRAWL_NN_F32, 4, d), y;
  TrawlNnAttrs *at = trawl_nn_attrs_new ();
  float *xv = rnd (numel (4, d), 85), *fused, *plain;
  int live_f, live_p;
  TrawlNnTensor os;

  trawl_nn_attrs_set_ints (at, "strides", (int64_t[]) { 2, 2 }, 2);
  trawl_nn_attrs_set_int (at, "group", 2);
  y = op (g, "ConvTranspose", 2, (TrawlNnValueId[]) { x, cst (g, 4, wd, w) }, at);
  y = op (g, "Add", 2, (TrawlNnValueId[]) { y, cst (g, 4, (int64_t[]) { 1, 6, 1, 1 }, b) }, NULL);
  y = op (g, "Mul", 2, (TrawlNnValueId[]) { cst (g, 3, (int64_t[]) { 6, 1, 1 }, var), y }, NULL);
  y = op (g, "BatchNormalization", 5,
          (TrawlNnValueId[]) { y, cst (g, 1, cd, sc), cst (g, 1, cd, be), cst (g, 1, cd, mu),
                               cst (g, 1, cd, var) }, NULL);
  y = op (g, "Relu", 1, &y, NULL);
  trawl_nn_graph_mark_output (g, y);
  fused = plan_run (g, 4, d, xv, 0, &live_f, &os, NULL, NULL);
  plain = plan_run (g, 4, d, xv, TRAWL_NN_PLAN_NO_FUSE, &live_p, NULL, NULL, NULL);
  g_assert_cmpint (live_f, ==, 1);
  g_assert_cmpint (live_p, ==, 5);
  assert_shape (&os, 4, (int64_t[]) { 2, 6, 10, 12 });
  assert_close (fused, plain, trawl_nn_tensor_numel (&os), 1e-4f);
  g_free (fused); g_free (plain); g_free (w); g_free (b); g_free (sc); g_free (be);
  g_free (mu); g_free (xv);
  trawl_nn_graph_unref (g);
}

/* PP-LCNet's tail: Conv, *k + b, x * Clip(x + 3, 0, 6) / 6, *k2 + b2; a
 * depthwise conv with y * HardSigmoid(y); SVTR's y * Sigmoid(1.702 y) and
 * y * Sigmoid(y): all fold into the convs. */
static void
test_fuse_epilogue (void)
{
  TrawlNnGraph *g = trawl_nn_graph_new ("epi");
  int64_t d[4] = { 1, 4, 6, 11 }, wd[4] = { 4, 4, 1, 1 }, dwd[4] = { 4, 1, 3, 3 }, one[1] = { 1 };
  int64_t cd[3] = { 4, 1, 1 };
  float *w = rnd (16, 10), *dw = rnd (36, 11), *pc = rnd (4, 12);
  float k = 1.5f, b = -0.25f, three = 3, zero = 0, six = 6, k2 = 0.7f, b2 = 0.1f, gelu = 1.702f;
  TrawlNnValueId x = trawl_nn_graph_add_input (g, "x", TRAWL_NN_F32, 4, d), y, a, c, h;
  TrawlNnAttrs *at;
  float *xv = rnd (numel (4, d), 13), *fused, *plain;
  int live_f, live_p;
  TrawlNnTensor os;

  y = op (g, "Conv", 2, (TrawlNnValueId[]) { x, cst (g, 4, wd, w) }, NULL);
  y = op (g, "Mul", 2, (TrawlNnValueId[]) { cst (g, 1, one, &k), y }, NULL);
  y = op (g, "Add", 2, (TrawlNnValueId[]) { y, cst (g, 3, cd, pc) }, NULL);   /* per channel */
  a = op (g, "Add", 2, (TrawlNnValueId[]) { y, cst (g, 0, one, &three) }, NULL);
  c = op (g, "Clip", 3, (TrawlNnValueId[]) { a, cst (g, 0, one, &zero), cst (g, 0, one, &six) }, NULL);
  y = op (g, "Mul", 2, (TrawlNnValueId[]) { y, c }, NULL);
  y = op (g, "Div", 2, (TrawlNnValueId[]) { y, cst (g, 0, one, &six) }, NULL);
  y = op (g, "Mul", 2, (TrawlNnValueId[]) { y, cst (g, 1, one, &k2) }, NULL);
  y = op (g, "Sub", 2, (TrawlNnValueId[]) { y, cst (g, 1, one, &b) }, NULL);
  y = op (g, "Add", 2, (TrawlNnValueId[]) { y, cst (g, 1, one, &b2) }, NULL);
  at = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_int (at, "group", 4);
  trawl_nn_attrs_set_ints (at, "pads", (int64_t[]) { 1, 1, 1, 1 }, 4);
  y = op (g, "Conv", 2, (TrawlNnValueId[]) { y, cst (g, 4, dwd, dw) }, at);
  h = op (g, "HardSigmoid", 1, &y, NULL);
  y = op (g, "Mul", 2, (TrawlNnValueId[]) { h, y }, NULL);
  /* quick GELU: y * Sigmoid(1.702 y), then SiLU */
  y = op (g, "Conv", 2, (TrawlNnValueId[]) { y, cst (g, 4, wd, w) }, NULL);
  h = op (g, "Mul", 2, (TrawlNnValueId[]) { y, cst (g, 0, one, &gelu) }, NULL);
  h = op (g, "Sigmoid", 1, &h, NULL);
  y = op (g, "Mul", 2, (TrawlNnValueId[]) { y, h }, NULL);
  y = op (g, "Conv", 2, (TrawlNnValueId[]) { y, cst (g, 4, wd, w) }, NULL);
  h = op (g, "Sigmoid", 1, &y, NULL);
  y = op (g, "Mul", 2, (TrawlNnValueId[]) { h, y }, NULL);
  trawl_nn_graph_mark_output (g, y);

  fused = plan_run (g, 4, d, xv, 0, &live_f, &os, NULL, NULL);
  plain = plan_run (g, 4, d, xv, TRAWL_NN_PLAN_NO_FUSE, &live_p, NULL, NULL, NULL);
  g_assert_cmpint (live_f, ==, 4);
  g_assert_cmpint (live_p, ==, 20);
  assert_close (fused, plain, trawl_nn_tensor_numel (&os), 1e-4f);
  g_free (fused); g_free (plain); g_free (w); g_free (dw); g_free (pc); g_free (xv);
  trawl_nn_graph_unref (g);
}

/* A chain with a skip connection: reuse packs buffers into a smaller arena
 * and changes no result bit. */
static void
test_memory_reuse (void)
{
  TrawlNnGraph *g = trawl_nn_graph_new ("mem");
  int64_t d[4] = { 2, 8, 12, 13 }, wd[4] = { 8, 8, 3, 3 };
  TrawlNnValueId x = trawl_nn_graph_add_input (g, "x", TRAWL_NN_F32, 4, d), y, skip;
  float *xv = rnd (numel (4, d), 20), *w[6], *reuse, *noreuse;
  gsize arena, naive, arena0, naive0;
  TrawlNnTensor os;

  y = x;
  skip = -1;
  for (int i = 0; i < 6; i++)
    {
      TrawlNnAttrs *at = trawl_nn_attrs_new ();

      w[i] = rnd (576, 30 + i);
      trawl_nn_attrs_set_ints (at, "pads", (int64_t[]) { 1, 1, 1, 1 }, 4);
      y = op (g, "Conv", 2, (TrawlNnValueId[]) { y, cst (g, 4, wd, w[i]) }, at);
      y = op (g, "Sigmoid", 1, &y, NULL);
      if (i == 1)
        skip = y;
      if (i == 4)
        y = op (g, "Add", 2, (TrawlNnValueId[]) { y, skip }, NULL);
    }
  y = op (g, "Tanh", 1, &y, NULL);
  trawl_nn_graph_mark_output (g, y);

  reuse = plan_run (g, 4, d, xv, TRAWL_NN_PLAN_NO_FUSE, NULL, &os, &arena, &naive);
  noreuse = plan_run (g, 4, d, xv, TRAWL_NN_PLAN_NO_FUSE | TRAWL_NN_PLAN_NO_REUSE
                                     | TRAWL_NN_PLAN_NO_INPLACE, NULL, NULL, &arena0, &naive0);
  g_test_message ("arena %zu bytes with reuse, %zu without (naive %zu)", arena, arena0, naive);
  g_assert_cmpuint (naive, ==, naive0);
  g_assert_cmpuint (arena0, ==, naive0);
  /* three live buffers at most (skip, current, next) of 2*8*12*13 floats */
  g_assert_cmpuint (arena, <=, 3 * 9984 + 3 * 64);
  g_assert_cmpuint (arena, <, naive / 4);
  g_assert_cmpmem (reuse, trawl_nn_tensor_numel (&os) * 4, noreuse, trawl_nn_tensor_numel (&os) * 4);
  for (int i = 0; i < 6; i++)
    g_free (w[i]);
  g_free (reuse); g_free (noreuse); g_free (xv);
  trawl_nn_graph_unref (g);
}

/* Batch 3 in one run equals three runs of batch 1. */
static void
test_batch (void)
{
  TrawlNnGraph *g = trawl_nn_graph_new ("batch");
  int64_t gd[4] = { -1, 3, 10, 9 }, wd[4] = { 4, 3, 3, 3 }, dwd[4] = { 4, 1, 3, 3 };
  int64_t gw[2] = { 5, 4 }, shape[2] = { -1, 4 };
  float *w = rnd (108, 40), *dw = rnd (36, 41), *gm = rnd (20, 42);
  TrawlNnValueId x = trawl_nn_graph_add_input (g, "x", TRAWL_NN_F32, 4, gd), y;
  TrawlNnAttrs *at;
  int64_t d3[4] = { 3, 3, 10, 9 }, d1[4] = { 1, 3, 10, 9 };
  float *xv = rnd (810, 43), *all;

  at = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_ints (at, "strides", (int64_t[]) { 2, 2 }, 2);
  y = op (g, "Conv", 2, (TrawlNnValueId[]) { x, cst (g, 4, wd, w) }, at);
  y = op (g, "Relu", 1, &y, NULL);
  at = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_int (at, "group", 4);
  y = op (g, "Conv", 2, (TrawlNnValueId[]) { y, cst (g, 4, dwd, dw) }, at);
  at = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_ints (at, "kernel_shape", (int64_t[]) { 2, 2 }, 2);
  y = op (g, "MaxPool", 1, &y, at);
  y = op (g, "GlobalAveragePool", 1, &y, NULL);
  y = op (g, "Reshape", 2, (TrawlNnValueId[]) { y, icst (g, 2, shape) }, NULL);
  at = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_int (at, "transB", 1);
  y = op (g, "Gemm", 2, (TrawlNnValueId[]) { y, cst (g, 2, gw, gm) }, at);
  y = op (g, "Softmax", 1, &y, NULL);
  trawl_nn_graph_mark_output (g, y);

  all = plan_run (g, 4, d3, xv, 0, NULL, NULL, NULL, NULL);
  for (int b = 0; b < 3; b++)
    {
      float *one = plan_run (g, 4, d1, xv + b * 270, 0, NULL, NULL, NULL, NULL);
      assert_close (one, all + b * 5, 5, 1e-5f);
      g_free (one);
    }
  g_free (all); g_free (w); g_free (dw); g_free (gm); g_free (xv);
  trawl_nn_graph_unref (g);
}

/* 1, 3 and 5 threads (more than the cores: workers that wake late find no
 * work left) give the same results over several runs. */
static void
test_threads (void)
{
  TrawlNnGraph *g = trawl_nn_graph_new ("threads");
  int64_t d[4] = { 2, 16, 33, 35 }, wd[4] = { 24, 16, 3, 3 }, dwd[4] = { 24, 1, 5, 5 };
  float *w = rnd (3456, 90), *dw = rnd (600, 91), *xv = rnd (numel (4, d), 92), *ref = NULL;
  TrawlNnValueId x = trawl_nn_graph_add_input (g, "x", TRAWL_NN_F32, 4, d), y;
  TrawlNnAttrs *at = trawl_nn_attrs_new ();
  int threads[3] = { 1, 3, 5 };
  int64_t n = 0;

  trawl_nn_attrs_set_ints (at, "pads", (int64_t[]) { 1, 1, 1, 1 }, 4);
  y = op (g, "Conv", 2, (TrawlNnValueId[]) { x, cst (g, 4, wd, w) }, at);
  y = op (g, "Sigmoid", 1, &y, NULL);
  at = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_int (at, "group", 24);
  trawl_nn_attrs_set_ints (at, "strides", (int64_t[]) { 2, 2 }, 2);
  trawl_nn_attrs_set_ints (at, "pads", (int64_t[]) { 2, 2, 2, 2 }, 4);
  y = op (g, "Conv", 2, (TrawlNnValueId[]) { y, cst (g, 4, dwd, dw) }, at);
  y = op (g, "Mul", 2, (TrawlNnValueId[]) { y, y }, NULL);
  trawl_nn_graph_mark_output (g, y);
  for (int t = 0; t < 3; t++)
    {
      TrawlNnTensor in = { TRAWL_NN_F32, 4, { 2, 16, 33, 35 }, xv }, out;
      TrawlNnPlanOptions opts = { .backend = TRAWL_NN_BACKEND_CPU, .n_threads = threads[t] };
      GError *error = NULL;
      TrawlNnPlan *p = trawl_nn_plan_new (g, &in, 1, &opts, &error);

      g_assert_no_error (error);
      for (int r = 0; r < 5; r++)
        {
          g_assert_true (trawl_nn_plan_run (p, &in, 1, &out, 1, &error));
          n = trawl_nn_tensor_numel (&out);
          if (ref == NULL)
            ref = g_memdup2 (out.data, n * sizeof (float));
          else
            assert_close (out.data, ref, n, 1e-5f);
        }
      trawl_nn_plan_free (p);
    }
  g_free (ref); g_free (w); g_free (dw); g_free (xv);
  trawl_nn_graph_unref (g);
}

static void
test_multi_output (void)
{
  TrawlNnGraph *g = trawl_nn_graph_new ("split");
  int64_t d[2] = { 2, 7 };
  TrawlNnValueId x = trawl_nn_graph_add_input (g, "x", TRAWL_NN_F32, 2, d), outs[3];
  TrawlNnAttrs *at = trawl_nn_attrs_new ();
  const char *names[3] = { "p", "q", "r" };
  TrawlNnTensor in = { TRAWL_NN_F32, 2, { 2, 7 }, NULL }, res[3];
  TrawlNnPlan *p;
  GError *error = NULL;
  float *xv = rnd (14, 50);
  int64_t sizes[3] = { 1, 4, 2 };

  trawl_nn_attrs_set_int (at, "axis", 1);
  trawl_nn_attrs_set_ints (at, "split", sizes, 3);
  g_assert_cmpint (trawl_nn_graph_add_node (g, "Split", "s", 1, &x, 3, names, outs, at, &error),
                   ==, 0);
  for (int i = 0; i < 3; i++)
    trawl_nn_graph_mark_output (g, outs[i]);
  g_assert_cmpint (trawl_nn_graph_find_value (g, "q"), ==, outs[1]);
  g_assert_cmpstr (trawl_nn_graph_output_name (g, 2), ==, "r");
  in.data = xv;
  p = trawl_nn_plan_new (g, &in, 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (trawl_nn_plan_run (p, &in, 1, res, 3, &error));
  for (int r = 0; r < 2; r++)
    for (int i = 0, o = 0; o < 3; o++)
      {
        g_assert_cmpint (res[o].dims[1], ==, sizes[o]);
        for (int j = 0; j < sizes[o]; j++, i++)
          g_assert_cmpfloat (((float *) res[o].data)[r * sizes[o] + j], ==, xv[r * 7 + i]);
      }
  trawl_nn_plan_free (p);
  trawl_nn_graph_unref (g);
  g_free (xv);
}

/* ---- bad input ---- */

static void
test_errors (void)
{
  TrawlNnGraph *g = trawl_nn_graph_new ("bad");
  int64_t d[4] = { 1, 3, 8, 8 }, wd[4] = { 4, 2, 3, 3 }, wd3[4] = { 4, 3, 3, 3 };
  float *w = rnd (108, 60), *xv = rnd (192, 61);
  TrawlNnValueId x = trawl_nn_graph_add_input (g, "x", TRAWL_NN_F32, 4, d), y;
  TrawlNnTensor in = { TRAWL_NN_F32, 4, { 1, 3, 8, 8 }, xv }, out;
  TrawlNnPlanOptions cuda = { .backend = TRAWL_NN_BACKEND_CUDA, .n_threads = 0 };
  GError *error = NULL;
  TrawlNnPlan *p;

  /* unknown op: names node and op */
  g_assert_cmpint (trawl_nn_graph_op (g, "FancyOp", "n1", 1, &x, NULL, &error), ==, -1);
  g_assert_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "FancyOp"));
  g_assert_nonnull (strstr (error->message, "n1"));
  g_clear_error (&error);
  /* wrong input count for the op */
  g_assert_cmpint (trawl_nn_graph_op (g, "Conv", NULL, 1, &x, NULL, &error), ==, -1);
  g_assert_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_FORMAT);
  g_clear_error (&error);
  /* input referring to no value */
  g_assert_cmpint (trawl_nn_graph_op (g, "Relu", NULL, 1, (TrawlNnValueId[]) { 99 }, NULL, &error),
                   ==, -1);
  g_assert_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_FORMAT);
  g_clear_error (&error);

  /* weights for 2 channels on a 3-channel input: caught at plan time */
  y = op (g, "Conv", 2, (TrawlNnValueId[]) { x, cst (g, 4, wd, w) }, NULL);
  trawl_nn_graph_mark_output (g, y);
  g_assert_null (trawl_nn_plan_new (g, &in, 1, NULL, &error));
  g_assert_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_SHAPE);
  g_clear_error (&error);
  trawl_nn_graph_unref (g);

  g = trawl_nn_graph_new ("bad2");
  x = trawl_nn_graph_add_input (g, "x", TRAWL_NN_F32, 4, d);
  y = op (g, "Conv", 2, (TrawlNnValueId[]) { x, cst (g, 4, wd3, w) }, NULL);
  trawl_nn_graph_mark_output (g, y);
  /* input count and fixed dims */
  g_assert_null (trawl_nn_plan_new (g, &in, 0, NULL, &error));
  g_assert_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_SHAPE);
  g_clear_error (&error);
  in.dims[2] = 9;
  g_assert_null (trawl_nn_plan_new (g, &in, 1, NULL, &error));
  g_assert_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_SHAPE);
  g_clear_error (&error);
  in.dims[2] = 8;
  /* CUDA is not there yet */
  g_assert_null (trawl_nn_plan_new (g, &in, 1, &cuda, &error));
  g_assert_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND);
  g_clear_error (&error);
  g_assert_false (trawl_nn_backend_available (TRAWL_NN_BACKEND_CUDA, NULL));
  g_assert_true (trawl_nn_backend_available (TRAWL_NN_BACKEND_CPU, NULL));
  /* running with other dims than planned */
  p = trawl_nn_plan_new (g, &in, 1, NULL, &error);
  g_assert_no_error (error);
  in.dims[3] = 7;
  g_assert_false (trawl_nn_plan_run (p, &in, 1, &out, 1, &error));
  g_assert_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_SHAPE);
  g_clear_error (&error);
  trawl_nn_plan_free (p);
  trawl_nn_graph_unref (g);

  /* Reshape whose shape is only known at run time */
  g = trawl_nn_graph_new ("bad3");
  x = trawl_nn_graph_add_input (g, "x", TRAWL_NN_F32, 4, d);
  {
    int64_t sd[1] = { 2 };
    TrawlNnValueId s = trawl_nn_graph_add_input (g, "s", TRAWL_NN_I64, 1, sd);
    TrawlNnTensor ins[2] = { in, { TRAWL_NN_I64, 1, { 2 }, NULL } };

    in.dims[3] = 8;
    ins[0] = in;
    y = op (g, "Reshape", 2, (TrawlNnValueId[]) { x, s }, NULL);
    trawl_nn_graph_mark_output (g, y);
    g_assert_null (trawl_nn_plan_new (g, ins, 2, NULL, &error));
    g_assert_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_UNSUPPORTED);
    g_clear_error (&error);
  }
  trawl_nn_graph_unref (g);

  /* a shape that would need petabytes: refused, not attempted */
  g = trawl_nn_graph_new ("huge");
  {
    int64_t shape[4] = { 1 << 20, 1 << 20, 1 << 20, 4 }, sd[1] = { 4 };
    TrawlNnValueId s = trawl_nn_graph_add_constant (g, "s", TRAWL_NN_I64, 1, sd, shape, FALSE);

    y = op (g, "ConstantOfShape", 1, &s, NULL);
    x = trawl_nn_graph_add_input (g, "x", TRAWL_NN_F32, 4, d);
    y = op (g, "Add", 2, (TrawlNnValueId[]) { x, y }, NULL);
    trawl_nn_graph_mark_output (g, y);
    in.dims[3] = 8;
    g_assert_null (trawl_nn_plan_new (g, &in, 1, NULL, &error));
    g_assert_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_SHAPE);
    g_clear_error (&error);
  }
  trawl_nn_graph_unref (g);

  /* a file name no loader knows */
  g_assert_null (trawl_nn_load ("/nonexistent/model.pt", &error));
  g_assert_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_FORMAT);
  g_clear_error (&error);
  g_free (w);
  g_free (xv);
}

static void
test_attrs_and_summary (void)
{
  TrawlNnAttrs *a = trawl_nn_attrs_new ();
  const int64_t *iv;
  const float *fv;
  TrawlNnAttrKind kind;
  int64_t ints[3] = { 1, 2, 3 };
  float fl[2] = { 0.5f, 1.5f };
  TrawlNnGraph *g = trawl_nn_graph_new ("sum");
  int64_t d[2] = { 2, 3 };
  float w[6] = { 0 };
  TrawlNnValueId x;
  char *buf = NULL;
  size_t len = 0;
  FILE *f;

  trawl_nn_attrs_set_int (a, "i", 7);
  trawl_nn_attrs_set_int (a, "i", 8);   /* replaces */
  trawl_nn_attrs_set_float (a, "f", 0.25f);
  trawl_nn_attrs_set_ints (a, "is", ints, 3);
  trawl_nn_attrs_set_floats (a, "fs", fl, 2);
  trawl_nn_attrs_set_string (a, "s", "SAME_UPPER");
  g_assert_cmpint (trawl_nn_attrs_count (a), ==, 5);
  g_assert_cmpint (trawl_nn_attrs_get_int (a, "i", 0), ==, 8);
  g_assert_cmpfloat (trawl_nn_attrs_get_float (a, "f", 0), ==, 0.25f);
  g_assert_cmpint (trawl_nn_attrs_get_int (a, "missing", -3), ==, -3);
  g_assert_cmpint (trawl_nn_attrs_get_ints (a, "is", &iv), ==, 3);
  g_assert_cmpint (iv[2], ==, 3);
  g_assert_cmpint (trawl_nn_attrs_get_floats (a, "fs", &fv), ==, 2);
  g_assert_cmpfloat (fv[1], ==, 1.5f);
  g_assert_cmpstr (trawl_nn_attrs_get_string (a, "s", NULL), ==, "SAME_UPPER");
  g_assert_cmpstr (trawl_nn_attrs_name (a, 0, &kind), ==, "i");
  g_assert_cmpint (kind, ==, TRAWL_NN_ATTR_INT);
  g_assert_false (trawl_nn_attrs_has (a, "nope"));
  trawl_nn_attrs_free (a);
  trawl_nn_attrs_free (NULL);

  x = trawl_nn_graph_add_input (g, "x", TRAWL_NN_F32, 2, d);
  x = op (g, "Add", 2, (TrawlNnValueId[]) { x, cst (g, 2, d, w) }, NULL);
  x = op (g, "Relu", 1, &x, NULL);
  trawl_nn_graph_mark_output (g, x);
  g_assert_cmpuint (trawl_nn_graph_weight_bytes (g), ==, 24);
  g_assert_cmpint (trawl_nn_graph_n_nodes (g), ==, 2);
  f = open_memstream (&buf, &len);
  trawl_nn_graph_print_summary (g, f);
  fclose (f);
  g_assert_nonnull (strstr (buf, "Relu"));
  g_assert_nonnull (strstr (buf, "Add"));
  free (buf);
  trawl_nn_graph_unref (g);
  trawl_nn_graph_unref (NULL);
  trawl_nn_plan_free (NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/plan/fold-shape-subgraph", test_fold_shape_subgraph);
  g_test_add_func ("/nn/plan/fuse-conv-bn", test_fuse_conv_bn);
  g_test_add_func ("/nn/plan/fuse-convt-bn", test_fuse_convt_bn);
  g_test_add_func ("/nn/plan/fuse-epilogue", test_fuse_epilogue);
  g_test_add_func ("/nn/plan/memory-reuse", test_memory_reuse);
  g_test_add_func ("/nn/plan/batch", test_batch);
  g_test_add_func ("/nn/plan/threads", test_threads);
  g_test_add_func ("/nn/plan/multi-output", test_multi_output);
  g_test_add_func ("/nn/plan/errors", test_errors);
  g_test_add_func ("/nn/plan/attrs-summary", test_attrs_and_summary);
  return g_test_run ();
}
