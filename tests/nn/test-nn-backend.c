/* test-nn-backend.c - the seam between the engine's core and its other
 * backends (src/nn/nn-backend.{c,h}):
 *   - a plan for a registered backend goes through that backend's table
 *     only: a stand-in table that runs every node with the CPU op gives
 *     the CPU plan's outputs, plain and staged, and each of its slots is
 *     reached (the optional ones too);
 *   - the CPU path maps neither the CUDA module nor cuDNN/cuBLAS, in any
 *     build; asking for CUDA loads the module (CUDA builds), which still
 *     maps neither library on a machine without a GPU;
 *   - a module that cannot be loaded, or is not a backend, is an error
 *     naming it.
 * Cases that register or load a backend run in a subprocess: both stay
 * for the life of a process. */
#include "trawl-config.h"
#include "nn/nn-backend.h"
#include "nn-test-util.h"

#include <string.h>

/* TRUE when a file whose path contains name is mapped in this process. */
static gboolean
mapped (const char *name)
{
  g_autofree char *maps = NULL;

  g_assert_true (g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL));
  return strstr (maps, name) != NULL;
}

/* y = Relu (x * w + b) over a 2x3 input: three nodes, one input. */
static TrawlNnGraph *
small_graph (void)
{
  static const int64_t d[2] = { 2, 3 };
  TrawlNnGraph *g = trawl_nn_graph_new ("small");
  TrawlNnValueId x = trawl_nn_graph_add_input (g, "x", TRAWL_NN_F32, 2, d);
  TrawlNnValueId w = trawl_nn_graph_add_constant (g, "w", TRAWL_NN_F32, 2, d, rnd (6, 7), TRUE);
  TrawlNnValueId b = trawl_nn_graph_add_constant (g, "b", TRAWL_NN_F32, 2, d, rnd (6, 8), TRUE);
  TrawlNnValueId m, s, y;

  m = trawl_nn_graph_op (g, "Mul", "mul", 2, (TrawlNnValueId[]) { x, w }, NULL, NULL);
  s = trawl_nn_graph_op (g, "Add", "add", 2, (TrawlNnValueId[]) { m, b }, NULL, NULL);
  y = trawl_nn_graph_op (g, "Relu", "relu", 1, &s, NULL, NULL);
  g_assert_cmpint (y, >=, 0);
  trawl_nn_graph_mark_output (g, y);
  return g;
}

/* ---- a stand-in backend: every node with the CPU op, through the
 * accessors a real backend uses ---- */

struct TrawlNnBackendPlan {
  TrawlNnPlan *p;
  float       *input;      /* its own input buffer (6 floats) */
  int          input_id;
  double       ms;
};

static int calls[16];
enum { C_AVAIL, C_NEW, C_FREE, C_RUN, C_STAGED, C_INPUT, C_HOST, C_DEV, C_STREAM, C_MS, C_CHECK };

static gboolean
fake_available (GError **error)
{
  (void) error;
  calls[C_AVAIL]++;
  return TRUE;
}

static TrawlNnBackendPlan *
fake_plan_new (TrawlNnPlan *p, TrawlNnPrecision precision, GError **error)
{
  TrawlNnBackendPlan *bp = g_new0 (TrawlNnBackendPlan, 1);
  TrawlNnGraph *g = _trawl_nn_plan_graph (p);

  (void) precision;
  (void) error;
  calls[C_NEW]++;
  bp->p = p;
  bp->input = g_new0 (float, 6);
  bp->input_id = trawl_nn_graph_find_value (g, trawl_nn_graph_input_name (g, 0));
  return bp;
}

static void
fake_plan_free (TrawlNnBackendPlan *bp)
{
  calls[C_FREE]++;
  g_free (bp->input);
  g_free (bp);
}

static gboolean
fake_run (TrawlNnBackendPlan *bp, gboolean staged, gboolean keep_outputs, GError **error)
{
  (void) keep_outputs;
  calls[C_RUN]++;
  if (staged)
    {
      TrawlNnValInfo vi;

      calls[C_STAGED]++;
      _trawl_nn_plan_value_info (bp->p, bp->input_id, &vi);
      g_assert_nonnull (vi.t->data);   /* needs_host_inputs said so */
      memcpy (vi.t->data, bp->input, 6 * sizeof (float));
    }
  for (int r = 0; r < _trawl_nn_plan_n_live_nodes (bp->p); r++)
    if (!_trawl_nn_plan_run_node_cpu (bp->p, r, error))
      return FALSE;
  bp->ms += 1.5;
  return TRUE;
}

static void *
fake_input_buffer (TrawlNnBackendPlan *bp, int i)
{
  calls[C_INPUT]++;
  return i == 0 ? bp->input : NULL;
}

static gboolean
fake_needs_host_inputs (const TrawlNnBackendPlan *bp)
{
  (void) bp;
  calls[C_HOST]++;
  return TRUE;
}

static void *
fake_value_device (const TrawlNnBackendPlan *bp, int id)
{
  TrawlNnValInfo vi;

  calls[C_DEV]++;
  _trawl_nn_plan_value_info (bp->p, id, &vi);
  return vi.t->data;
}

static void *
fake_stream (const TrawlNnBackendPlan *bp)
{
  calls[C_STREAM]++;
  return (void *) bp;
}

static double
fake_device_ms (const TrawlNnBackendPlan *bp)
{
  calls[C_MS]++;
  return bp->ms;
}

static const TrawlNnBackend fake = {
  .name = "fake",
  .abi = TRAWL_NN_BACKEND_ABI,
  .available = fake_available,
  .plan_new = fake_plan_new,
  .plan_free = fake_plan_free,
  .run = fake_run,
  .input_buffer = fake_input_buffer,
  .needs_host_inputs = fake_needs_host_inputs,
  .value_device = fake_value_device,
  .stream = fake_stream,
  .device_ms = fake_device_ms,
};

static void
test_table (void)
{
  g_autoptr (GError) error = NULL;
  TrawlNnGraph *g;
  TrawlNnPlanOptions cpu_o = { .backend = TRAWL_NN_BACKEND_CPU, .n_threads = 1 };
  TrawlNnPlanOptions be_o = { .backend = TRAWL_NN_BACKEND_CUDA, .n_threads = 1 };
  TrawlNnTensor in = { TRAWL_NN_F32, 2, { 2, 3 }, NULL }, ref, out;
  TrawlNnPlan *pc, *pb;
  g_autofree float *x = rnd (6, 11);
  float want[6];

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }
  _trawl_nn_backend_register (TRAWL_NN_BACKEND_CUDA, &fake);
  g = small_graph ();
  in.data = x;
  pc = trawl_nn_plan_new (g, &in, 1, &cpu_o, &error);
  g_assert_no_error (error);
  g_assert_true (trawl_nn_plan_run (pc, &in, 1, &ref, 1, &error));
  memcpy (want, ref.data, sizeof want);
  g_assert_cmpint (calls[C_NEW], ==, 0);   /* the CPU path never asks the table */
  g_assert_false (trawl_nn_plan_on_device (pc));
  g_assert_null (trawl_nn_plan_stream (pc));

  pb = trawl_nn_plan_new (g, &in, 1, &be_o, &error);
  g_assert_no_error (error);
  g_assert_cmpint (calls[C_AVAIL], ==, 1);
  g_assert_cmpint (calls[C_NEW], ==, 1);
  g_assert_true (trawl_nn_plan_on_device (pb));
  g_assert_true (trawl_nn_plan_stream (pb) != NULL && calls[C_STREAM] == 1);
  g_assert_true (trawl_nn_plan_run (pb, &in, 1, &out, 1, &error));
  assert_close (out.data, want, 6, 0);
  /* staged: the caller fills the backend's buffer */
  memcpy (trawl_nn_plan_input_buffer (pb, 0), x, sizeof want);
  g_assert_cmpint (calls[C_INPUT], ==, 1);
  memset (&out, 0, sizeof out);
  g_assert_true (trawl_nn_plan_run_staged (pb, &out, 1, &error));
  assert_close (out.data, want, 6, 0);
  g_assert_cmpint (calls[C_STAGED], ==, 1);
  g_assert_cmpint (calls[C_HOST], ==, 1);
  /* outputs left "on the device": the backend's value_device */
  g_assert_true (trawl_nn_plan_run_staged_device (pb, &out, 1, &error));
  g_assert_cmpint (calls[C_DEV], ==, 1);
  assert_close (out.data, want, 6, 0);
  g_assert_cmpint (calls[C_RUN], ==, 3);
  g_assert_cmpfloat (trawl_nn_plan_device_ms (pb), ==, 4.5);
  /* no coverage check in this table: said so, not a crash */
  g_assert_null (_trawl_nn_backend_plan_check (TRAWL_NN_BACKEND_CUDA, pc,
                                               TRAWL_NN_PRECISION_FP32, &error));
  g_assert_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND);
  trawl_nn_plan_free (pb);
  g_assert_cmpint (calls[C_FREE], ==, 1);
  trawl_nn_plan_free (pc);
  trawl_nn_graph_unref (g);
}

/* The CPU path, then CUDA asked for. */
static void
test_lazy_load (void)
{
  g_autoptr (GError) error = NULL;
  TrawlNnGraph *g;
  TrawlNnPlanOptions o = { .backend = TRAWL_NN_BACKEND_CPU, .n_threads = 1 };
  TrawlNnTensor in = { TRAWL_NN_F32, 2, { 2, 3 }, NULL }, out;
  TrawlNnPlan *p;
  gboolean have;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }
  g = small_graph ();
  in.data = rnd (6, 3);
  p = trawl_nn_plan_new (g, &in, 1, &o, &error);
  g_assert_no_error (error);
  g_assert_true (trawl_nn_plan_run (p, &in, 1, &out, 1, &error));
  trawl_nn_plan_free (p);
  g_assert_false (mapped ("libtrawl-nn-cuda"));
  g_assert_false (mapped ("libcudnn"));
  g_assert_false (mapped ("libcublas"));

  have = trawl_nn_backend_available (TRAWL_NN_BACKEND_CUDA, &error);
  g_test_message ("CUDA: %s", have ? "available" : error->message);
  if (!TRAWL_HAVE_CUDA)
    {
      g_assert_false (have);
      g_assert_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND);
      g_assert_nonnull (strstr (error->message, "not available"));
      g_assert_false (mapped ("libtrawl-nn-cuda"));
    }
  else
    {
      /* the module came in for the question; the libraries only with a GPU */
      g_assert_true (mapped ("libtrawl-nn-cuda.so"));
      if (!have)
        {
          g_assert_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND);
          g_assert_false (mapped ("libcudnn"));
          g_assert_false (mapped ("libcublas"));
        }
    }
  g_free (in.data);
  trawl_nn_graph_unref (g);
}

/* TRAWL_NN_CUDA_MODULE naming something that is no module, then a
 * library that is not a backend: errors that name the file. */
static void
test_bad_module (gconstpointer data)
{
  const char *path = data;
  g_autoptr (GError) error = NULL;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }
  g_setenv ("TRAWL_NN_CUDA_MODULE", path, TRUE);
  g_assert_false (trawl_nn_backend_available (TRAWL_NN_BACKEND_CUDA, &error));
  g_assert_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  /* asked again: the same answer, without another try */
  g_clear_error (&error);
  g_assert_null (_trawl_nn_backend_get (TRAWL_NN_BACKEND_CUDA, &error));
  g_assert_nonnull (strstr (error->message, path));
}

/* The file of the GLib this test runs with: a shared library that is
 * surely there and surely no backend. */
static char *
glib_path (void)
{
  g_autofree char *maps = NULL;
  char *at, *start, *end;

  g_assert_true (g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL));
  at = strstr (maps, "libglib-2.0.so");
  g_assert_nonnull (at);
  for (start = at; start > maps && start[-1] != ' '; start--)
    ;
  end = strchr (at, '\n');
  return g_strndup (start, end - start);
}

int
main (int argc, char **argv)
{
  g_autofree char *glib = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  glib = glib_path ();
  g_test_add_func ("/nn/backend/table", test_table);
  g_test_add_func ("/nn/backend/lazy-load", test_lazy_load);
  g_test_add_data_func ("/nn/backend/bad-module/missing", "/nonexistent/libtrawl-nn-cuda.so",
                        test_bad_module);
  /* a real shared library with no backend entry point */
  g_test_add_data_func ("/nn/backend/bad-module/not-a-backend",
                        glib, test_bad_module);
  status = g_test_run ();
  return status;
}
