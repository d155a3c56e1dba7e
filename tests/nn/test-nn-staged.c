/* test-nn-staged.c - staged plan inputs on the CPU backend: the caller
 * writes into trawl_nn_plan_input_buffer and runs with
 * trawl_nn_plan_run_staged; the outputs must be byte-identical to
 * trawl_nn_plan_run on the same data (a small conv graph, a two-input
 * graph, and the face-api landmark net when the model cache has it), the
 * buffer must stay put across runs, and the device accessors must say
 * "CPU" (not on device, no stream, 0 GPU ms). */
#include "nn-test-util.h"
#include "../common/trawl-test.h"

/* Runs p both ways on data (one tensor per input) and asserts equal bytes
 * on every output; checks the buffers do not move. */
static void
assert_staged_equals_run (TrawlNnPlan *p, const TrawlNnTensor *in, int n_in, int n_out)
{
  g_autoptr (GError) error = NULL;
  TrawlNnTensor a[8], b[8];
  void *bufs[8];
  gsize bytes[8];
  float *copy[8];

  g_assert_cmpint (n_in, <=, 8);
  g_assert_cmpint (n_out, <=, 8);
  g_assert_true (trawl_nn_plan_run (p, in, n_in, a, n_out, &error));
  g_assert_no_error (error);
  for (int o = 0; o < n_out; o++)
    copy[o] = g_memdup2 (a[o].data, trawl_nn_tensor_numel (&a[o]) * sizeof (float));
  for (int i = 0; i < n_in; i++)
    {
      bytes[i] = trawl_nn_tensor_numel (&in[i]) * sizeof (float);
      bufs[i] = trawl_nn_plan_input_buffer (p, i);
      g_assert_nonnull (bufs[i]);
      memcpy (bufs[i], in[i].data, bytes[i]);
    }
  for (int rep = 0; rep < 2; rep++)
    {
      g_assert_true (trawl_nn_plan_run_staged (p, b, n_out, &error));
      g_assert_no_error (error);
      for (int o = 0; o < n_out; o++)
        {
          g_assert_cmpint (b[o].ndim, ==, a[o].ndim);
          g_assert_cmpmem (b[o].dims, sizeof (int64_t) * b[o].ndim, a[o].dims,
                           sizeof (int64_t) * a[o].ndim);
          g_assert_cmpmem (b[o].data, trawl_nn_tensor_numel (&b[o]) * sizeof (float), copy[o],
                           trawl_nn_tensor_numel (&a[o]) * sizeof (float));
        }
      for (int i = 0; i < n_in; i++)
        g_assert_true (trawl_nn_plan_input_buffer (p, i) == bufs[i]);
    }
  /* a plain run after staged ones still reads the caller's data */
  g_assert_true (trawl_nn_plan_run (p, in, n_in, a, n_out, &error));
  g_assert_no_error (error);
  for (int o = 0; o < n_out; o++)
    {
      g_assert_cmpmem (a[o].data, trawl_nn_tensor_numel (&a[o]) * sizeof (float), copy[o],
                       trawl_nn_tensor_numel (&a[o]) * sizeof (float));
      g_free (copy[o]);
    }
}

static void
assert_cpu_accessors (TrawlNnPlan *p, int n_in)
{
  g_assert_false (trawl_nn_plan_on_device (p));
  g_assert_null (trawl_nn_plan_stream (p));
  g_assert_cmpfloat (trawl_nn_plan_device_ms (p), ==, 0.0);
  g_assert_null (trawl_nn_plan_input_buffer (p, -1));
  g_assert_null (trawl_nn_plan_input_buffer (p, n_in));
  g_assert_null (trawl_nn_plan_input_buffer (p, n_in + 100));
}

/* Conv(+bias) -> Relu -> MaxPool -> Conv, batch 2. */
static void
test_conv_graph (void)
{
  g_autoptr (GError) error = NULL;
  int64_t xd[4] = { 2, 3, 11, 9 }, w1d[4] = { 5, 3, 3, 3 }, b1d[1] = { 5 }, w2d[4] = { 4, 5, 1, 1 };
  int64_t st[2] = { 2, 2 }, pads[4] = { 1, 1, 1, 1 }, ks[2] = { 2, 2 };
  TrawlNnGraph *g = trawl_nn_graph_new ("staged_conv");
  TrawlNnPlanOptions o = { .backend = TRAWL_NN_BACKEND_CPU, .n_threads = 2 };
  TrawlNnValueId in[3], y;
  TrawlNnAttrs *a;
  TrawlNnTensor x = { TRAWL_NN_F32, 4, { 2, 3, 11, 9 }, NULL };
  TrawlNnPlan *p;

  in[0] = trawl_nn_graph_add_input (g, "x", TRAWL_NN_F32, 4, xd);
  in[1] = trawl_nn_graph_add_constant (g, "w1", TRAWL_NN_F32, 4, w1d, rnd (135, 1), TRUE);
  in[2] = trawl_nn_graph_add_constant (g, "b1", TRAWL_NN_F32, 1, b1d, rnd (5, 2), TRUE);
  a = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_ints (a, "pads", pads, 4);
  y = trawl_nn_graph_op (g, "Conv", NULL, 3, in, a, &error);
  g_assert_no_error (error);
  y = trawl_nn_graph_op (g, "Relu", NULL, 1, &y, NULL, &error);
  a = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_ints (a, "kernel_shape", ks, 2);
  trawl_nn_attrs_set_ints (a, "strides", st, 2);
  y = trawl_nn_graph_op (g, "MaxPool", NULL, 1, &y, a, &error);
  g_assert_no_error (error);
  in[0] = y;
  in[1] = trawl_nn_graph_add_constant (g, "w2", TRAWL_NN_F32, 4, w2d, rnd (20, 3), TRUE);
  y = trawl_nn_graph_op (g, "Conv", NULL, 2, in, NULL, &error);
  g_assert_no_error (error);
  trawl_nn_graph_mark_output (g, y);

  p = trawl_nn_plan_new (g, &x, 1, &o, &error);
  g_assert_no_error (error);
  assert_cpu_accessors (p, 1);
  float *x1 = rnd (2 * 3 * 11 * 9, 7);

  x.data = x1;
  assert_staged_equals_run (p, &x, 1, 1);
  /* new data through the same buffer: the staged run follows it */
  {
    TrawlNnTensor out, ref;
    float *x2 = rnd (2 * 3 * 11 * 9, 8);
    float *keep;

    memcpy (trawl_nn_plan_input_buffer (p, 0), x2, sizeof (float) * 2 * 3 * 11 * 9);
    g_assert_true (trawl_nn_plan_run_staged (p, &out, 1, &error));
    keep = g_memdup2 (out.data, trawl_nn_tensor_numel (&out) * sizeof (float));
    x.data = x2;
    g_assert_true (trawl_nn_plan_run (p, &x, 1, &ref, 1, &error));
    g_assert_cmpmem (keep, trawl_nn_tensor_numel (&out) * sizeof (float), ref.data,
                     trawl_nn_tensor_numel (&ref) * sizeof (float));
    /* "outputs left where computed" is host memory on the CPU: the same */
    g_assert_true (trawl_nn_plan_run_staged_device (p, &out, 1, &error));
    g_assert_no_error (error);
    g_assert_cmpmem (keep, trawl_nn_tensor_numel (&ref) * sizeof (float), out.data,
                     trawl_nn_tensor_numel (&out) * sizeof (float));
    g_free (keep);
    g_free (x2);
    g_free (x1);
  }
  /* asking for more outputs than the graph has fails cleanly */
  {
    TrawlNnTensor outs[2];

    g_assert_false (trawl_nn_plan_run_staged (p, outs, 2, &error));
    g_assert_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_SHAPE);
    g_clear_error (&error);
    g_assert_false (trawl_nn_plan_run_staged_device (p, outs, 2, &error));
    g_assert_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_SHAPE);
    g_clear_error (&error);
  }
  trawl_nn_plan_free (p);
  trawl_nn_graph_unref (g);
}

/* Two inputs, two outputs: each buffer is its own input. */
static void
test_two_inputs (void)
{
  g_autoptr (GError) error = NULL;
  int64_t ad[3] = { 2, 4, 5 }, bd[1] = { 5 };
  TrawlNnGraph *g = trawl_nn_graph_new ("staged_two");
  TrawlNnPlanOptions o = { .backend = TRAWL_NN_BACKEND_CPU, .n_threads = 1 };
  TrawlNnValueId in[2], s, m;
  TrawlNnTensor x[2] = { { TRAWL_NN_F32, 3, { 2, 4, 5 }, NULL }, { TRAWL_NN_F32, 1, { 5 }, NULL } };
  TrawlNnPlan *p;

  in[0] = trawl_nn_graph_add_input (g, "a", TRAWL_NN_F32, 3, ad);
  in[1] = trawl_nn_graph_add_input (g, "b", TRAWL_NN_F32, 1, bd);
  s = trawl_nn_graph_op (g, "Sub", NULL, 2, in, NULL, &error);
  m = trawl_nn_graph_op (g, "Mul", NULL, 2, in, NULL, &error);
  g_assert_no_error (error);
  trawl_nn_graph_mark_output (g, s);
  trawl_nn_graph_mark_output (g, m);
  p = trawl_nn_plan_new (g, x, 2, &o, &error);
  g_assert_no_error (error);
  assert_cpu_accessors (p, 2);
  g_assert_true (trawl_nn_plan_input_buffer (p, 0) != trawl_nn_plan_input_buffer (p, 1));
  x[0].data = rnd (40, 11);
  x[1].data = rnd (5, 12);
  assert_staged_equals_run (p, x, 2, 2);
  g_free (x[0].data);
  g_free (x[1].data);
  trawl_nn_plan_free (p);
  trawl_nn_graph_unref (g);
}

/* The face-api 68-point landmark net, batch 2, on 0..255 pixels. */
static void
test_landmarks_model (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = trawl_test_need_model ("face-api/face_landmark_68_model-weights_manifest.json");
  TrawlNnPlanOptions o = { .backend = TRAWL_NN_BACKEND_CPU, .n_threads = 2 };
  TrawlNnTensor x = { TRAWL_NN_F32, 4, { 2, 3, 112, 112 }, NULL };
  TrawlNnGraph *g;
  TrawlNnPlan *p;
  float *data;

  if (path == NULL)
    return;
  g = trawl_nn_load (path, &error);
  g_assert_no_error (error);
  p = trawl_nn_plan_new (g, &x, 1, &o, &error);
  g_assert_no_error (error);
  assert_cpu_accessors (p, 1);
  data = rnd (2 * 3 * 112 * 112, 21);
  for (int i = 0; i < 2 * 3 * 112 * 112; i++)
    data[i] = (data[i] + 1.0f) * 127.5f;
  x.data = data;
  assert_staged_equals_run (p, &x, 1, trawl_nn_graph_n_outputs (g));
  g_free (data);
  trawl_nn_plan_free (p);
  trawl_nn_graph_unref (g);
}

/* Staged runs on a plan never given a buffer run on zeros (the plan
 * allocates them then), not on garbage. */
static void
test_unwritten_buffer (void)
{
  g_autoptr (GError) error = NULL;
  int64_t d[2] = { 3, 4 };
  TrawlNnGraph *g = trawl_nn_graph_new ("staged_zero");
  TrawlNnPlanOptions o = { .backend = TRAWL_NN_BACKEND_CPU, .n_threads = 1 };
  TrawlNnTensor x = { TRAWL_NN_F32, 2, { 3, 4 }, NULL }, out;
  TrawlNnValueId v = trawl_nn_graph_add_input (g, "x", TRAWL_NN_F32, 2, d);
  TrawlNnPlan *p;

  v = trawl_nn_graph_op (g, "Sigmoid", NULL, 1, &v, NULL, &error);
  g_assert_no_error (error);
  trawl_nn_graph_mark_output (g, v);
  p = trawl_nn_plan_new (g, &x, 1, &o, &error);
  g_assert_no_error (error);
  g_assert_true (trawl_nn_plan_run_staged (p, &out, 1, &error));
  g_assert_no_error (error);
  for (int i = 0; i < 12; i++)
    g_assert_cmpfloat (((float *) out.data)[i], ==, 0.5f);
  trawl_nn_plan_free (p);
  trawl_nn_graph_unref (g);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/staged/conv-graph", test_conv_graph);
  g_test_add_func ("/nn/staged/two-inputs", test_two_inputs);
  g_test_add_func ("/nn/staged/landmarks-model", test_landmarks_model);
  g_test_add_func ("/nn/staged/unwritten-buffer", test_unwritten_buffer);
  return g_test_run ();
}
