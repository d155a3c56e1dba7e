/* test-cuda-ops-emulated.c - the CUDA backend's host code (src/nn/cuda:
 * the plan, every op's prepare and run, the conv epilogues) run for real
 * on a machine without a GPU: linked against host-memory stand-ins for
 * the CUDA runtime, cuBLAS and cuDNN (emulated-cudart.c, emulated-libs.c)
 * and CPU loops for the engine's kernels that follow nn-kernels.cu
 * expression for expression (emulated-kernels.c). Every case plans a
 * small graph on the CPU backend and on "CUDA", runs both on the same
 * random inputs (and the CUDA plan three more times: again, staged, and
 * staged with the outputs left in device memory) and
 * compares every output: 1e-5 relative for arithmetic, bit for bit for
 * copies. It also asserts which nodes the CUDA table takes (so a case
 * cannot pass by falling back to the CPU), that no call broke the
 * emulated device's rules (pointers outside device blocks, wrong copy
 * directions, work on the default stream, bad leading dimensions) and
 * that the plan gives back all its device memory.
 *
 * What this cannot see: anything inside the real kernels and libraries
 * (their indexing is trusted to match the emulation, which copies it),
 * stream ordering (everything here is synchronous) and device timing. */
#include "trawl-config.h"
#include "emulated-device.h"
#include "nn/nn-private.h"
#include "nn/cuda/cuda-private.h"
#include "../nn/nn-test-util.h"

#include <math.h>
#include <string.h>

#define TOL 1e-5
#define EXACT 0.0

/* ---- graph building ---- */

static TrawlNnGraph *G;   /* the graph the current builder fills */
static int uniq;          /* for constant names and seeds */

#define D(...)  ((const int64_t[]) { __VA_ARGS__ })
#define ND(...) (int) (sizeof (D (__VA_ARGS__)) / sizeof (int64_t)), D (__VA_ARGS__)
#define OP(type, attrs, ...)                                                               \
  op_ (type, attrs, (int) (sizeof ((TrawlNnValueId[]) { __VA_ARGS__ }) / sizeof (TrawlNnValueId)), \
       (TrawlNnValueId[]) { __VA_ARGS__ })

static TrawlNnValueId
X (int ndim, const int64_t *dims)
{
  g_autofree char *name = g_strdup_printf ("in%d", uniq++);

  return trawl_nn_graph_add_input (G, name, TRAWL_NN_F32, ndim, dims);
}

/* A random float constant. */
static TrawlNnValueId
W (int ndim, const int64_t *dims)
{
  g_autofree char *name = g_strdup_printf ("w%d", uniq);

  return trawl_nn_graph_add_constant (G, name, TRAWL_NN_F32, ndim, dims,
                                      rnd (numel (ndim, dims), 100 + uniq++), TRUE);
}

/* A float constant of the given values and shape. */
static TrawlNnValueId
FV (int ndim, const int64_t *dims, const float *v)
{
  g_autofree char *name = g_strdup_printf ("f%d", uniq++);

  return trawl_nn_graph_add_constant (G, name, TRAWL_NN_F32, ndim, dims, (void *) v, FALSE);
}

static TrawlNnValueId
F1 (float v)
{
  return FV (1, D (1), &v);
}

/* A 1-D int64 constant. */
static TrawlNnValueId
I (int n, const int64_t *v)
{
  g_autofree char *name = g_strdup_printf ("i%d", uniq++);
  int64_t d = n;

  return trawl_nn_graph_add_constant (G, name, TRAWL_NN_I64, 1, &d, (void *) v, FALSE);
}

static TrawlNnValueId
op_ (const char *type, TrawlNnAttrs *a, int n, const TrawlNnValueId *in)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("%s_%d", type, uniq++);
  TrawlNnValueId v = trawl_nn_graph_op (G, type, name, n, in, a, &error);

  g_assert_no_error (error);
  return v;
}

static void
OUT (TrawlNnValueId v)
{
  trawl_nn_graph_mark_output (G, v);
}

/* Attribute builders, chainable: ai (ais (A (), ...), ...). */
static TrawlNnAttrs *A (void) { return trawl_nn_attrs_new (); }

static TrawlNnAttrs *
ai (TrawlNnAttrs *a, const char *k, int64_t v)
{
  trawl_nn_attrs_set_int (a, k, v);
  return a;
}

static TrawlNnAttrs *
ais (TrawlNnAttrs *a, const char *k, int n, const int64_t *v)
{
  trawl_nn_attrs_set_ints (a, k, v, n);
  return a;
}

static TrawlNnAttrs *
af (TrawlNnAttrs *a, const char *k, float v)
{
  trawl_nn_attrs_set_float (a, k, v);
  return a;
}

static TrawlNnAttrs *
as (TrawlNnAttrs *a, const char *k, const char *v)
{
  trawl_nn_attrs_set_string (a, k, v);
  return a;
}

/* ---- the comparison ---- */

typedef struct Case Case;
struct Case {
  const char      *path;
  void           (*build) (const Case *c);
  const char      *op;       /* for table-driven builders */
  int              variant;
  const char      *left;     /* op types the CUDA table leaves to the CPU, "A B"; NULL: none */
  double           tol;      /* EXACT: bit for bit */
  TrawlNnPrecision prec;
};

/* 0 when a and b agree within tol (NaN only against NaN). */
static gboolean
agree (float a, float b, double tol)
{
  if (isnan (a) || isnan (b))
    return isnan (a) && isnan (b);
  if (tol == EXACT)
    return memcmp (&a, &b, sizeof a) == 0 || (a == 0.0f && b == 0.0f);
  return fabs ((double) a - b) <= tol * MAX (1.0, fabs ((double) b));
}

static void
compare (const char *what, const TrawlNnTensor *got, const TrawlNnTensor *want, double tol)
{
  int64_t n = trawl_nn_tensor_numel (want), bad = 0, first = -1;

  if (got->dtype != want->dtype || got->ndim != want->ndim
      || memcmp (got->dims, want->dims, sizeof (int64_t) * want->ndim) != 0)
    {
      g_test_fail_printf ("%s: shape differs", what);
      return;
    }
  if (want->dtype != TRAWL_NN_F32)
    {
      if (memcmp (got->data, want->data, n * _trawl_nn_dtype_size (want->dtype)) != 0)
        g_test_fail_printf ("%s: non-float output differs", what);
      return;
    }
  for (int64_t i = 0; i < n; i++)
    if (!agree (((const float *) got->data)[i], ((const float *) want->data)[i], tol))
      {
        if (first < 0)
          first = i;
        bad++;
      }
  if (bad)
    {
      int64_t r = first, idx[TRAWL_NN_MAX_DIMS];
      GString *s = g_string_new (NULL);

      for (int d = want->ndim - 1; d >= 0; d--)
        {
          idx[d] = r % want->dims[d];
          r /= want->dims[d];
        }
      for (int d = 0; d < want->ndim; d++)
        g_string_append_printf (s, "%s%" G_GINT64_FORMAT, d ? "," : "", idx[d]);
      g_test_fail_printf ("%s: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " elements differ; "
                          "first at [%s]: CUDA %.9g, CPU %.9g", what, bad, n, s->str,
                          ((const float *) got->data)[first], ((const float *) want->data)[first]);
      g_string_free (s, TRUE);
    }
}

/* The op types of the nodes the CUDA table leaves to the CPU, "A B". */
static char *
left_types (TrawlNnPlan *p, TrawlNnPrecision prec)
{
  g_autoptr (GError) error = NULL;
  char **left = _trawl_nn_cuda_plan_check (p, prec, &error);
  GString *s = g_string_new (NULL);

  g_assert_no_error (error);
  for (int i = 0; left[i]; i++)
    {
      char *sp = strchr (left[i], ' ');

      g_string_append_printf (s, "%s%.*s", i ? " " : "", (int) (sp ? sp - left[i] : (long) strlen (left[i])),
                              left[i]);
    }
  g_strfreev (left);
  return g_string_free (s, FALSE);
}

static void
run_case (gconstpointer data)
{
  const Case *c = data;
  TrawlNnPlanOptions cpu = { .backend = TRAWL_NN_BACKEND_CPU, .n_threads = 1 };
  TrawlNnPlanOptions gpu = { .backend = TRAWL_NN_BACKEND_CUDA, .n_threads = 1, .precision = c->prec };
  g_autoptr (GError) error = NULL;
  TrawlNnTensor shapes[8], in[8], oc[8], og[8];
  float *want[8];
  int n_in, n_out, v0 = emu_violations ();
  gsize live0 = emu_live_bytes ();
  guint l0;
  TrawlNnPlan *pc, *pg;
  char *left;

  G = trawl_nn_graph_new (c->path);
  c->build (c);
  n_in = trawl_nn_graph_n_inputs (G);
  n_out = trawl_nn_graph_n_outputs (G);
  g_assert_cmpint (n_in, <=, 8);
  g_assert_cmpint (n_out, <=, 8);
  for (int i = 0; i < n_in; i++)
    {
      g_assert_true (trawl_nn_graph_input_info (G, i, &shapes[i]));
      in[i] = shapes[i];
      in[i].data = rnd (trawl_nn_tensor_numel (&shapes[i]), 1234 + i);
    }
  pc = trawl_nn_plan_new (G, shapes, n_in, &cpu, &error);
  g_assert_no_error (error);
  left = left_types (pc, c->prec);
  g_test_message ("left on the CPU: [%s]", left);
  g_assert_cmpstr (left, ==, c->left ? c->left : "");
  g_free (left);
  g_assert_true (trawl_nn_plan_run (pc, in, n_in, oc, n_out, &error));
  g_assert_no_error (error);
  for (int o = 0; o < n_out; o++)
    want[o] = g_memdup2 (oc[o].data, MAX (trawl_nn_tensor_numel (&oc[o]), 1)
                                     * _trawl_nn_dtype_size (oc[o].dtype));

  pg = trawl_nn_plan_new (G, shapes, n_in, &gpu, &error);
  if (pg == NULL)
    {
      g_test_fail_printf ("CUDA plan: %s", error->message);
      goto out;
    }
  g_assert_true (trawl_nn_plan_on_device (pg));
  l0 = emu_launches ();
  /* plain runs twice (the second must not lean on the first's leftovers),
   * then staged: inputs written into the plan's device buffers, and once
   * more with the outputs left on the device (downloaded here) */
  for (int rep = 0; rep < 4; rep++)
    {
      const char *run = rep == 0 ? "first" : rep == 1 ? "second" : rep == 2 ? "staged" : "kept";
      /* host copies of the kept outputs, freed at the end of the run */
      g_autoptr (GPtrArray) kept = g_ptr_array_new_with_free_func (g_free);
      gboolean ok;

      if (rep < 2)
        ok = trawl_nn_plan_run (pg, in, n_in, og, n_out, &error);
      else
        {
          for (int i = 0; i < n_in; i++)
            g_assert_cmpint (cudaMemcpyAsync (trawl_nn_plan_input_buffer (pg, i), in[i].data,
                                              trawl_nn_tensor_numel (&in[i]) * sizeof (float),
                                              cudaMemcpyHostToDevice,
                                              (cudaStream_t) trawl_nn_plan_stream (pg)), ==, 0);
          ok = rep == 2 ? trawl_nn_plan_run_staged (pg, og, n_out, &error)
                        : trawl_nn_plan_run_staged_device (pg, og, n_out, &error);
        }
      for (int o = 0; ok && rep == 3 && o < n_out; o++)
        {
          gsize bytes = trawl_nn_tensor_numel (&og[o]) * _trawl_nn_dtype_size (og[o].dtype);

          /* the outputs are the plan's device memory */
          g_assert_true (emu_is_dev (og[o].data));
          float *copy = g_malloc0 (MAX (bytes, 1));
          g_ptr_array_add (kept, copy);
          g_assert_cmpint (cudaMemcpy (copy, og[o].data, bytes, cudaMemcpyDeviceToHost), ==, 0);
          og[o].data = copy;
        }
      if (!ok)
        {
          g_test_fail_printf ("%s CUDA run: %s", run, error->message);
          break;
        }
      for (int o = 0; o < n_out; o++)
        {
          g_autofree char *what = g_strdup_printf ("output %d (%s), %s run", o,
                                                   trawl_nn_graph_output_name (G, o), run);
          TrawlNnTensor w = oc[o];

          w.data = want[o];
          compare (what, &og[o], &w, c->tol);
        }
    }
  g_test_message ("%u device calls in 4 runs", emu_launches () - l0);
  if (error == NULL && !(trawl_nn_plan_device_ms (pg) > 0.0))
    g_test_fail_printf ("no device time counted");
  trawl_nn_plan_free (pg);
out:
  trawl_nn_plan_free (pc);
  if (emu_violations () != v0)
    g_test_fail_printf ("%d calls broke the emulated device's rules (see stderr)",
                        emu_violations () - v0);
  g_assert_cmpuint (emu_live_bytes (), ==, live0);
  for (int o = 0; o < n_out; o++)
    g_free (want[o]);
  for (int i = 0; i < n_in; i++)
    g_free (in[i].data);
  trawl_nn_graph_unref (G);
  G = NULL;
}

/* ---- elementwise ---- */

static void
b_binary (const Case *c)
{
  TrawlNnValueId a, b;

  switch (c->variant)
    {
    case 0: a = X (ND (2, 3, 5, 7)); b = X (ND (2, 3, 5, 7)); break;
    case 1: a = X (ND (2, 3, 5, 7)); b = X (ND (3, 1, 1)); break;             /* channel */
    case 2: a = X (ND (2, 3, 5, 7)); b = FV (0, NULL, (const float[]) { 0.75f }); break; /* scalar */
    case 3: a = X (ND (3, 1, 1)); b = X (ND (2, 3, 5, 7)); break;             /* a broadcast */
    case 4: a = X (ND (2, 1, 5, 1)); b = X (ND (1, 3, 1, 7)); break;          /* both */
    case 5: a = X (ND (7)); b = X (ND (2, 3, 5, 7)); break;                   /* rank */
    case 6: a = X (ND (1)); b = X (ND (5, 7)); break;
    case 7: a = W (ND (3, 5, 1)); b = X (ND (2, 1, 1, 7)); break;             /* constant a */
    default: a = b = X (ND (4, 6)); break;                                    /* x op x */
    }
  if (strcmp (c->op, "Pow") == 0)   /* positive bases: no NaN */
    a = OP ("Sigmoid", NULL, a);
  OUT (OP (c->op, NULL, a, b));
}

static void
b_unary (const Case *c)
{
  TrawlNnValueId x = X (ND (2, 3, 7, 5));
  const char *op = c->op;
  TrawlNnAttrs *a = NULL;

  if (strcmp (op, "LeakyRelu") == 0)
    a = af (A (), "alpha", 0.1f);
  else if (strcmp (op, "HardSigmoid") == 0)
    a = af (af (A (), "alpha", 0.3f), "beta", 0.4f);
  else if (strcmp (op, "Sqrt") == 0)
    x = OP ("Sigmoid", NULL, x);
  if (strcmp (op, "Clip") == 0)
    switch (c->variant)
      {
      case 0: OUT (OP ("Clip", af (af (A (), "min", -0.2f), "max", 0.5f), x)); return;
      case 1: OUT (OP ("Clip", NULL, x, F1 (-0.3f), F1 (0.6f))); return;
      case 2: OUT (OP ("Clip", NULL, x, F1 (-0.1f))); return;
      case 3: OUT (OP ("Clip", NULL, x, -1, F1 (0.2f))); return;
      default: OUT (OP ("Clip", NULL, x)); return;
      }
  OUT (OP (op, a, x));
}

/* ---- shape ops ---- */

static void
b_transpose (const Case *c)
{
  TrawlNnValueId x;

  switch (c->variant)
    {
    case 0: x = X (ND (2, 3, 5, 7)); OUT (OP ("Transpose", ais (A (), "perm", ND (0, 2, 3, 1)), x)); break;
    case 1: x = X (ND (2, 3, 5, 7)); OUT (OP ("Transpose", ais (A (), "perm", ND (3, 1, 0, 2)), x)); break;
    case 2: x = X (ND (2, 3, 5)); OUT (OP ("Transpose", NULL, x)); break;   /* reverse */
    case 3: x = X (ND (5, 7)); OUT (OP ("Transpose", ais (A (), "perm", ND (1, 0)), x)); break;
    case 4: x = X (ND (2, 3, 4, 5, 2)); OUT (OP ("Transpose", ais (A (), "perm", ND (0, 3, 1, 4, 2)), x)); break;
    default: x = X (ND (2, 1, 3, 2, 2, 3)); OUT (OP ("Transpose", ais (A (), "perm", ND (5, 4, 3, 2, 1, 0)), x)); break;
    }
}

static void
b_slice (const Case *c)
{
  TrawlNnValueId x = X (ND (2, 5, 9, 8));

  switch (c->variant)
    {
    case 0: OUT (OP ("Slice", NULL, x, I (ND (1, -7)), I (ND (4, 100)), I (ND (1, 3)), I (ND (1, 2)))); break;
    case 1: OUT (OP ("Slice", NULL, x, I (ND (-1)), I (ND (G_MININT64)), I (ND (2)), I (ND (-1)))); break;
    case 2: OUT (OP ("Slice", NULL, x, I (ND (7)), I (ND (1)), I (ND (3)), I (ND (-2)))); break;
    case 3: OUT (OP ("Slice", NULL, x, I (ND (0, 1)), I (ND (1, 4)))); break;   /* axes 0, 1 */
    case 4: OUT (OP ("Slice", NULL, x, I (ND (2, 1)), I (ND (-1, 5)), I (ND (-1, -3)))); break;
    case 5:   /* opset 1: attributes */
      OUT (OP ("Slice", ais (ais (ais (A (), "starts", ND (1, 2)), "ends", ND (3, 7)), "axes", ND (2, 3)), x));
      break;
    case 6: OUT (OP ("Slice", NULL, x, I (ND (100)), I (ND (-100)), I (ND (2)), I (ND (-3)))); break;
    default:
      OUT (OP ("Slice", NULL, x, I (ND (1, 0, 1, 7)), I (ND (2, 5, 9, 0)), I (ND (0, 1, 2, 3)),
               I (ND (1, 2, 3, -2))));
      break;
    }
}

static void
b_pad (const Case *c)
{
  TrawlNnValueId x = X (ND (2, 3, 5, 7));

  switch (c->variant)
    {
    case 0: OUT (OP ("Pad", NULL, x, I (ND (0, 0, 1, 2, 0, 3, 0, 1)), F1 (-0.25f))); break;
    case 1:   /* opset 2: attributes */
      OUT (OP ("Pad", af (ais (A (), "pads", ND (0, 1, 2, 0, 1, 0, 0, 3)), "value", 1.5f), x));
      break;
    case 2: OUT (OP ("Pad", NULL, x, I (ND (1, 2)), -1, I (ND (-1)))); break;   /* opset 18 axes */
    case 3: OUT (OP ("Pad", NULL, x, I (ND (0, 0, 0, 0, 0, 0, 0, 0)))); break;
    default: OUT (OP ("Pad", NULL, x, I (ND (1, 0, 0, 0, 0, 0, 0, 1)))); break;
    }
}

static void
b_concat (const Case *c)
{
  switch (c->variant)
    {
    case 0:
      OUT (OP ("Concat", ai (A (), "axis", 1), X (ND (2, 3, 5, 7)), X (ND (2, 1, 5, 7)), X (ND (2, 4, 5, 7))));
      break;
    case 1: OUT (OP ("Concat", ai (A (), "axis", 0), X (ND (2, 3, 5)), X (ND (1, 3, 5)))); break;
    case 2: OUT (OP ("Concat", ai (A (), "axis", -1), X (ND (2, 3, 5)), X (ND (2, 3, 2)))); break;
    case 3: OUT (OP ("Concat", ai (A (), "axis", 2), X (ND (2, 3, 5, 7)), W (ND (2, 3, 2, 7)))); break;
    case 4: OUT (OP ("Concat", ai (A (), "axis", 1), X (ND (2, 3, 5)))); break;
    default:
      {
        TrawlNnValueId x = X (ND (4, 6));

        OUT (OP ("Concat", ai (A (), "axis", 1), x, OP ("Relu", NULL, x), x));
      }
    }
}

static void
b_view (const Case *c)
{
  TrawlNnValueId x = X (ND (2, 3, 5, 7)), y;

  switch (c->variant)
    {
    case 0: OUT (OP ("Reshape", NULL, x, I (ND (6, -1)))); break;   /* a view of the input */
    case 1:
      y = OP ("Reshape", NULL, OP ("Relu", NULL, x), I (ND (2, -1)));
      OUT (OP ("Sigmoid", NULL, y));
      break;
    case 2: OUT (OP ("Flatten", ai (A (), "axis", 2), OP ("Relu", NULL, x))); break;
    case 3:
      y = OP ("Relu", NULL, OP ("Reshape", NULL, x, I (ND (2, 1, 15, 7))));
      OUT (OP ("Squeeze", NULL, y, I (ND (1))));
      break;
    case 4: OUT (OP ("Unsqueeze", NULL, OP ("Relu", NULL, x), I (ND (0, 3)))); break;
    case 5: OUT (OP ("Sigmoid", NULL, OP ("Identity", NULL, OP ("Relu", NULL, x)))); break;
    default:
      /* two outputs, one a view of the other's input */
      y = OP ("Relu", NULL, x);
      OUT (OP ("Dropout", NULL, y));
      OUT (OP ("Sigmoid", NULL, y));
      break;
    }
}

static void
b_resize (const Case *c)
{
  TrawlNnValueId x = X (ND (2, 3, 5, 7)), none = FV (1, D (0), NULL);
  static const float x2[4] = { 1, 1, 2, 2 }, x42[4] = { 1, 1, 4, 2 }, c2[4] = { 1, 2, 2, 2 },
                     x8[4] = { 1, 1, 8, 1 };
  const float *sc = x2;
  const char *ct = "asymmetric", *nm = "floor";

  switch (c->variant)
    {
    case 0: break;
    case 1: sc = x42; ct = "half_pixel"; nm = "round_prefer_floor"; break;
    case 2:   /* sizes */
      OUT (OP ("Resize", as (as (A (), "coordinate_transformation_mode", "asymmetric"), "nearest_mode", "floor"),
               x, none, none, I (ND (2, 3, 10, 21))));
      return;
    case 3: OUT (OP ("Upsample", NULL, x, FV (ND (4), sc))); return;
    case 4: OUT (OP ("Resize", NULL, x, FV (ND (4), (const float[]) { 1, 1, 2, 4 }))); return;   /* opset 10 */
    case 5: sc = c2; break;
    case 6:
      x = X (ND (2, 3, 5));
      OUT (OP ("Resize", as (as (A (), "coordinate_transformation_mode", "asymmetric"), "nearest_mode", "floor"),
               x, none, FV (ND (3), (const float[]) { 2, 1, 3 })));
      return;
    case 7: sc = x8; ct = "pytorch_half_pixel"; nm = "round_prefer_ceil"; break;
    default: nm = "round_prefer_ceil"; break;   /* not i / f: the CPU's */
    }
  OUT (OP ("Resize", as (as (as (A (), "mode", "nearest"), "coordinate_transformation_mode", ct), "nearest_mode", nm),
           x, none, FV (ND (4), sc)));
}

/* ---- softmax, reductions, pooling ---- */

static void
b_softmax (const Case *c)
{
  TrawlNnValueId x = c->variant == 6 ? X (ND (7, 10)) : X (ND (2, 3, 5, 7));
  TrawlNnAttrs *a = NULL;

  switch (c->variant)
    {
    case 0: a = ai (A (), "axis", 1); break;
    case 1: break;
    case 2: a = ai (A (), "axis", 0); break;
    case 3: a = ai (A (), "axis", -2); break;
    default: break;
    }
  OUT (OP (c->op, a, x));
}

static void
b_reduce (const Case *c)
{
  TrawlNnValueId x = X (ND (2, 3, 5, 7));

  switch (c->variant)
    {
    case 0: OUT (OP (c->op, ai (ais (A (), "axes", ND (2, 3)), "keepdims", 1), x)); break;
    case 1: OUT (OP (c->op, ai (ais (A (), "axes", ND (2, 3)), "keepdims", 0), x)); break;
    case 2: OUT (OP (c->op, ai (A (), "keepdims", 0), x, I (ND (1)))); break;   /* opset 18 */
    case 3: OUT (OP (c->op, ais (A (), "axes", ND (-1)), x)); break;
    case 4: OUT (OP (c->op, ai (A (), "keepdims", 0), x)); break;                /* all */
    case 5: OUT (OP (c->op, ais (A (), "axes", ND (1, 2)), x)); break;
    case 6: OUT (OP (c->op, ai (ais (A (), "axes", ND (0)), "keepdims", 0), x)); break;
    default: OUT (OP (c->op, ais (A (), "axes", ND (1, 3)), x)); break;         /* not adjacent */
    }
}

static void
b_global (const Case *c)
{
  OUT (OP (c->op, NULL, X (ND (2, 3, 5, 7))));
}

static void
b_pool (const Case *c)
{
  TrawlNnValueId x = X (ND (2, 3, 11, 9));
  TrawlNnAttrs *a = A ();

  switch (c->variant)
    {
    case 0: ais (ais (ais (a, "kernel_shape", ND (3, 3)), "strides", ND (2, 2)), "pads", ND (1, 1, 1, 1)); break;
    case 1: ai (ais (ais (a, "kernel_shape", ND (2, 2)), "strides", ND (2, 2)), "ceil_mode", 1); break;
    case 2:
      ai (ais (ais (a, "kernel_shape", ND (3, 3)), "pads", ND (1, 1, 1, 1)), "count_include_pad", 1);
      break;
    case 3:
      ai (ais (ais (ais (a, "kernel_shape", ND (3, 3)), "strides", ND (2, 2)), "pads", ND (0, 1, 1, 0)),
          "count_include_pad", 1);
      break;
    case 4:   /* ceil mode and include_pad: windows past the padding */
      ai (ai (ais (ais (ais (a, "kernel_shape", ND (3, 3)), "strides", ND (2, 2)), "pads", ND (1, 1, 1, 1)),
              "count_include_pad", 1), "ceil_mode", 1);
      break;
    case 5: ais (ais (a, "kernel_shape", ND (2, 2)), "dilations", ND (2, 2)); break;
    case 6: as (ais (ais (a, "kernel_shape", ND (3, 3)), "strides", ND (2, 2)), "auto_pad", "SAME_UPPER"); break;
    case 7:
      ai (as (ais (ais (a, "kernel_shape", ND (2, 2)), "strides", ND (2, 2)), "auto_pad", "SAME_LOWER"),
          "count_include_pad", 1);
      break;
    case 8: as (ais (ais (a, "kernel_shape", ND (3, 3)), "strides", ND (2, 2)), "auto_pad", "VALID"); break;
    default:
      ais (ais (ais (a, "kernel_shape", ND (2, 3)), "strides", ND (1, 2)), "pads", ND (1, 0, 0, 1));
      break;
    }
  OUT (OP (c->op, a, x));
}

/* ---- matrix products ---- */

static void
b_matmul (const Case *c)
{
  switch (c->variant)
    {
    case 0: OUT (OP ("MatMul", NULL, X (ND (2, 3, 5, 7)), W (ND (7, 4)))); break;
    case 1: OUT (OP ("MatMul", NULL, X (ND (2, 5, 7)), X (ND (2, 7, 3)))); break;
    case 2: OUT (OP ("MatMul", NULL, X (ND (5, 7)), X (ND (3, 7, 4)))); break;
    case 3: OUT (OP ("MatMul", NULL, X (ND (1, 5, 7)), X (ND (2, 7, 3)))); break;
    case 4: OUT (OP ("MatMul", NULL, X (ND (2, 3, 5, 7)), X (ND (2, 3, 7, 4)))); break;
    case 5: OUT (OP ("MatMul", NULL, X (ND (1, 7)), W (ND (7, 9)))); break;
    default: OUT (OP ("MatMul", NULL, X (ND (2, 3, 5, 7)), X (ND (3, 7, 4)))); break;   /* CPU */
    }
}

static void
b_gemm (const Case *c)
{
  int ta = c->variant & 1, tb = (c->variant >> 1) & 1, cv = c->variant >> 2;
  int64_t m = 3, n = 5, k = 17;
  TrawlNnAttrs *a = af (af (ai (ai (A (), "transA", ta), "transB", tb), "alpha", 0.5f), "beta", 2.0f);
  TrawlNnValueId x = ta ? X (ND (k, m)) : X (ND (m, k)), w = tb ? W (ND (n, k)) : W (ND (k, n));

  switch (cv)
    {
    case 0: OUT (OP ("Gemm", a, x, w, W (ND (n)))); break;
    case 1: OUT (OP ("Gemm", a, x, w, W (ND (m, n)))); break;
    case 2: OUT (OP ("Gemm", a, x, w, W (ND (m, 1)))); break;
    case 3: OUT (OP ("Gemm", a, x, w, W (ND (1, n)))); break;
    case 4: OUT (OP ("Gemm", a, x, w, FV (0, NULL, (const float[]) { 0.25f }))); break;
    default: OUT (OP ("Gemm", a, x, w)); break;
    }
}

/* ---- convolutions (emulated cuDNN) and their epilogues ---- */

static TrawlNnAttrs *
conv_a (int64_t s, const int64_t *pads, int64_t group)
{
  TrawlNnAttrs *a = ai (ais (A (), "strides", ND (s, s)), "group", group);

  return pads ? ais (a, "pads", 4, pads) : a;
}

static void
b_conv (const Case *c)
{
  TrawlNnValueId x = X (ND (2, 4, 9, 8)), y;

  switch (c->variant)
    {
    case 0:   /* bias + ReLU: cuDNN's fused call */
      y = OP ("Conv", conv_a (1, D (1, 1, 1, 1), 1), x, W (ND (6, 4, 3, 3)), W (ND (6)));
      OUT (OP ("Relu", NULL, y));
      break;
    case 1:   /* bias + Clip: the epilogue kernel */
      y = OP ("Conv", conv_a (2, D (1, 1, 1, 1), 1), x, W (ND (6, 4, 3, 3)), W (ND (6)));
      OUT (OP ("Clip", af (af (A (), "min", 0.0f), "max", 0.3f), y));
      break;
    case 2:   /* no bias, HardSwish */
      OUT (OP ("HardSwish", NULL, OP ("Conv", conv_a (1, NULL, 1), x, W (ND (5, 4, 1, 1)))));
      break;
    case 3:   /* a chain: ReLU, then scalar Mul and Add appended as steps */
      y = OP ("Relu", NULL, OP ("Conv", conv_a (1, D (1, 1, 1, 1), 1), x, W (ND (6, 4, 3, 3)), W (ND (6))));
      y = OP ("Mul", NULL, y, F1 (0.5f));
      OUT (OP ("Add", NULL, y, F1 (0.25f)));
      break;
    case 4:   /* SiLU: y * Sigmoid(y) */
      y = OP ("Conv", conv_a (1, D (1, 1, 1, 1), 1), x, W (ND (6, 4, 3, 3)), W (ND (6)));
      OUT (OP ("Mul", NULL, y, OP ("Sigmoid", NULL, y)));
      break;
    case 5:   /* k - Relu(y): Mul -1, Add k */
      y = OP ("Relu", NULL, OP ("Conv", conv_a (1, NULL, 1), x, W (ND (6, 4, 1, 1)), W (ND (6))));
      OUT (OP ("Sub", NULL, F1 (0.75f), y));
      break;
    case 6:   /* asymmetric pads: pre-padded copy in the workspace */
      OUT (OP ("Relu", NULL, OP ("Conv", conv_a (2, D (0, 0, 1, 1), 1), x, W (ND (6, 4, 3, 3)), W (ND (6)))));
      break;
    case 7:
      OUT (OP ("Conv", as (conv_a (2, NULL, 1), "auto_pad", "SAME_UPPER"), x, W (ND (6, 4, 3, 3)), W (ND (6))));
      break;
    case 8:
      OUT (OP ("Conv", as (conv_a (1, NULL, 1), "auto_pad", "SAME_LOWER"), x, W (ND (3, 4, 2, 2))));
      break;
    case 9:   /* depthwise, stride 2 */
      OUT (OP ("Relu", NULL, OP ("Conv", conv_a (2, D (1, 1, 1, 1), 4), x, W (ND (4, 1, 3, 3)), W (ND (4)))));
      break;
    case 10:   /* grouped with dilation */
      OUT (OP ("Conv", ais (conv_a (1, D (2, 2, 2, 2), 2), "dilations", ND (2, 2)), x, W (ND (6, 2, 3, 3)), W (ND (6))));
      break;
    case 11:   /* 1-D with asymmetric pads */
      x = X (ND (2, 4, 11));
      OUT (OP ("Relu", NULL, OP ("Conv", ais (A (), "pads", ND (2, 1)), x, W (ND (5, 4, 3)), W (ND (5)))));
      break;
    case 12:   /* folded BatchNormalization, then Relu */
      y = OP ("Conv", conv_a (1, D (1, 1, 1, 1), 1), x, W (ND (6, 4, 3, 3)));
      y = OP ("BatchNormalization", NULL, y, W (ND (6)), W (ND (6)), W (ND (6)),
              FV (ND (6), (const float[]) { 1, 2, 0.5f, 1.5f, 1, 3 }));
      OUT (OP ("Relu", NULL, y));
      break;
    case 13:   /* ConvTranspose k2 s2 + bias + ReLU */
      y = OP ("ConvTranspose", ais (A (), "strides", ND (2, 2)), x, W (ND (4, 3, 2, 2)), W (ND (3)));
      OUT (OP ("Relu", NULL, y));
      break;
    case 14:   /* ConvTranspose k3 s2 p1, grouped */
      OUT (OP ("ConvTranspose", conv_a (2, D (1, 1, 1, 1), 2), x, W (ND (4, 3, 3, 3)), W (ND (6))));
      break;
    case 15:   /* ConvTranspose with output_padding */
      OUT (OP ("ConvTranspose", ais (conv_a (2, D (1, 1, 1, 1), 1), "output_padding", ND (1, 1)), x,
               W (ND (4, 3, 3, 3))));
      break;
    default:   /* a graph input as weights: the CPU's */
      OUT (OP ("Conv", conv_a (1, NULL, 1), x, X (ND (3, 4, 1, 1))));
      break;
    }
}

/* ---- mixed: device ops around a CPU one, views, shared inputs ---- */

static void
b_mixed (const Case *c)
{
  TrawlNnValueId x = X (ND (2, 3, 5, 6)), y, none = FV (1, D (0), NULL);

  switch (c->variant)
    {
    case 0:   /* Relu -> linear Resize (CPU) -> Sigmoid, the middle an output too */
      y = OP ("Resize", as (A (), "mode", "linear"), OP ("Relu", NULL, x), none,
              FV (ND (4), (const float[]) { 1, 1, 2, 2 }));
      OUT (y);
      OUT (OP ("Sigmoid", NULL, y));
      break;
    case 1:   /* Tanh (CPU) on a view of a device result, then a device op */
      y = OP ("Reshape", NULL, OP ("Sigmoid", NULL, x), I (ND (6, 30)));
      y = OP ("Tanh", NULL, y);
      OUT (OP ("Softmax", NULL, y));
      break;
    case 2:   /* a graph input read by a CPU op */
      OUT (OP ("Add", NULL, OP ("Tanh", NULL, x), OP ("Transpose", ais (A (), "perm", ND (0, 1, 2, 3)), x)));
      break;
    case 4:   /* int64 through a device view: ArgMax (CPU) -> Unsqueeze */
      OUT (OP ("Unsqueeze", NULL, OP ("ArgMax", ai (A (), "axis", 1), OP ("Relu", NULL, x)), I (ND (1))));
      break;
    case 5:   /* an empty slice and a concat with an empty input */
      y = OP ("Slice", NULL, x, I (ND (4)), I (ND (2)), I (ND (2)));
      OUT (OP ("Concat", ai (A (), "axis", 2), y, OP ("Relu", NULL, x)));
      break;
    case 6:   /* softmax over an axis of 1, reduce over an axis of 1 */
      y = OP ("Reshape", NULL, OP ("Relu", NULL, x), I (ND (2, 1, 90)));
      OUT (OP ("Softmax", ai (A (), "axis", 1), y));
      OUT (OP ("ReduceMax", ais (A (), "axes", ND (1)), y));
      break;
    default:   /* SSD-style head: conv, transpose, reshape, concat, softmax */
      {
        TrawlNnValueId a = OP ("Conv", conv_a (1, D (1, 1, 1, 1), 1), x, W (ND (8, 3, 3, 3)), W (ND (8)));
        TrawlNnValueId b = OP ("Conv", conv_a (2, D (1, 1, 1, 1), 1), x, W (ND (8, 3, 3, 3)), W (ND (8)));

        a = OP ("Reshape", NULL, OP ("Transpose", ais (A (), "perm", ND (0, 2, 3, 1)), a), I (ND (2, -1, 2)));
        b = OP ("Reshape", NULL, OP ("Transpose", ais (A (), "perm", ND (0, 2, 3, 1)), b), I (ND (2, -1, 2)));
        OUT (OP ("Softmax", ai (A (), "axis", -1), OP ("Concat", ai (A (), "axis", 1), a, b)));
      }
      break;
    }
}

/* ---- the table ---- */

#define FP32 TRAWL_NN_PRECISION_FP32
#define TF32 TRAWL_NN_PRECISION_TF32
#define FP16 TRAWL_NN_PRECISION_FP16

static const char *const bin_ops[] = { "Add", "Sub", "Mul", "Div", "Max", "Min", "Pow" };
static const char *const act_ops[] = { "Relu", "Sigmoid", "LeakyRelu", "HardSigmoid", "HardSwish", "Sqrt" };

static const Case fixed[] = {
  { "clip/attrs", b_unary, "Clip", 0, NULL, TOL, FP32 },
  { "clip/inputs", b_unary, "Clip", 1, NULL, TOL, FP32 },
  { "clip/min-only", b_unary, "Clip", 2, NULL, TOL, FP32 },
  { "clip/max-only", b_unary, "Clip", 3, NULL, TOL, FP32 },
  { "clip/none", b_unary, "Clip", 4, NULL, TOL, FP32 },
  { "transpose/0231", b_transpose, NULL, 0, NULL, EXACT, FP32 },
  { "transpose/3102", b_transpose, NULL, 1, NULL, EXACT, FP32 },
  { "transpose/default-3d", b_transpose, NULL, 2, NULL, EXACT, FP32 },
  { "transpose/2d", b_transpose, NULL, 3, NULL, EXACT, FP32 },
  { "transpose/5d", b_transpose, NULL, 4, NULL, EXACT, FP32 },
  { "transpose/6d-reverse", b_transpose, NULL, 5, NULL, EXACT, FP32 },
  { "slice/steps", b_slice, NULL, 0, NULL, EXACT, FP32 },
  { "slice/reverse-all", b_slice, NULL, 1, NULL, EXACT, FP32 },
  { "slice/step-minus2", b_slice, NULL, 2, NULL, EXACT, FP32 },
  { "slice/no-axes", b_slice, NULL, 3, NULL, EXACT, FP32 },
  { "slice/negative-axes", b_slice, NULL, 4, NULL, EXACT, FP32 },
  { "slice/attrs", b_slice, NULL, 5, NULL, EXACT, FP32 },
  { "slice/clamped-minus3", b_slice, NULL, 6, NULL, EXACT, FP32 },
  { "slice/every-axis", b_slice, NULL, 7, NULL, EXACT, FP32 },
  { "pad/inputs-value", b_pad, NULL, 0, NULL, EXACT, FP32 },
  { "pad/attrs", b_pad, NULL, 1, NULL, EXACT, FP32 },
  { "pad/axes", b_pad, NULL, 2, NULL, EXACT, FP32 },
  { "pad/zero", b_pad, NULL, 3, NULL, EXACT, FP32 },
  { "pad/batch", b_pad, NULL, 4, NULL, EXACT, FP32 },
  { "concat/axis1-3", b_concat, NULL, 0, NULL, EXACT, FP32 },
  { "concat/axis0", b_concat, NULL, 1, NULL, EXACT, FP32 },
  { "concat/axis-last", b_concat, NULL, 2, NULL, EXACT, FP32 },
  { "concat/constant", b_concat, NULL, 3, NULL, EXACT, FP32 },
  { "concat/one", b_concat, NULL, 4, NULL, EXACT, FP32 },
  { "concat/repeated", b_concat, NULL, 5, NULL, EXACT, FP32 },
  { "view/reshape-input", b_view, NULL, 0, NULL, EXACT, FP32 },
  { "view/reshape", b_view, NULL, 1, NULL, TOL, FP32 },
  { "view/flatten", b_view, NULL, 2, NULL, EXACT, FP32 },
  { "view/squeeze", b_view, NULL, 3, NULL, EXACT, FP32 },
  { "view/unsqueeze", b_view, NULL, 4, NULL, EXACT, FP32 },
  { "view/identity", b_view, NULL, 5, NULL, TOL, FP32 },
  { "view/dropout-two-outputs", b_view, NULL, 6, NULL, TOL, FP32 },
  { "resize/x2-asymmetric", b_resize, NULL, 0, NULL, EXACT, FP32 },
  { "resize/x4x2-half-pixel", b_resize, NULL, 1, NULL, EXACT, FP32 },
  { "resize/sizes", b_resize, NULL, 2, NULL, EXACT, FP32 },
  { "resize/upsample", b_resize, NULL, 3, NULL, EXACT, FP32 },
  { "resize/opset10", b_resize, NULL, 4, NULL, EXACT, FP32 },
  { "resize/channels-too", b_resize, NULL, 5, NULL, EXACT, FP32 },
  { "resize/3d", b_resize, NULL, 6, NULL, EXACT, FP32 },
  { "resize/x8-pytorch-ceil", b_resize, NULL, 7, NULL, EXACT, FP32 },
  { "resize/ceil-fallback", b_resize, NULL, 8, "Resize", EXACT, FP32 },
  { "softmax/axis1", b_softmax, "Softmax", 0, NULL, TOL, FP32 },
  { "softmax/last", b_softmax, "Softmax", 1, NULL, TOL, FP32 },
  { "softmax/axis0", b_softmax, "Softmax", 2, NULL, TOL, FP32 },
  { "softmax/axis-2", b_softmax, "Softmax", 3, NULL, TOL, FP32 },
  { "softmax/2d", b_softmax, "Softmax", 6, NULL, TOL, FP32 },
  { "logsoftmax/axis1", b_softmax, "LogSoftmax", 0, NULL, TOL, FP32 },
  { "logsoftmax/last", b_softmax, "LogSoftmax", 1, NULL, TOL, FP32 },
  { "reducemean/hw-keep", b_reduce, "ReduceMean", 0, NULL, TOL, FP32 },
  { "reducemean/hw-drop", b_reduce, "ReduceMean", 1, NULL, TOL, FP32 },
  { "reducesum/axes-input", b_reduce, "ReduceSum", 2, NULL, TOL, FP32 },
  { "reducemax/last", b_reduce, "ReduceMax", 3, NULL, TOL, FP32 },
  { "reducemean/all", b_reduce, "ReduceMean", 4, NULL, TOL, FP32 },
  { "reducesum/12", b_reduce, "ReduceSum", 5, NULL, TOL, FP32 },
  { "reducemax/0-drop", b_reduce, "ReduceMax", 6, NULL, TOL, FP32 },
  { "reducemean/not-adjacent", b_reduce, "ReduceMean", 7, "ReduceMean", TOL, FP32 },
  { "globalaveragepool", b_global, "GlobalAveragePool", 0, NULL, TOL, FP32 },
  { "globalmaxpool", b_global, "GlobalMaxPool", 0, NULL, TOL, FP32 },
  { "maxpool/k3s2p1", b_pool, "MaxPool", 0, NULL, EXACT, FP32 },
  { "maxpool/ceil", b_pool, "MaxPool", 1, NULL, EXACT, FP32 },
  { "maxpool/dilated", b_pool, "MaxPool", 5, NULL, EXACT, FP32 },
  { "maxpool/same-upper", b_pool, "MaxPool", 6, NULL, EXACT, FP32 },
  { "maxpool/valid", b_pool, "MaxPool", 8, NULL, EXACT, FP32 },
  { "maxpool/rect-asym", b_pool, "MaxPool", 9, NULL, EXACT, FP32 },
  { "avgpool/k3s2p1", b_pool, "AveragePool", 0, NULL, TOL, FP32 },
  { "avgpool/ceil", b_pool, "AveragePool", 1, NULL, TOL, FP32 },
  { "avgpool/include-pad", b_pool, "AveragePool", 2, NULL, TOL, FP32 },
  { "avgpool/asym-include-pad", b_pool, "AveragePool", 3, NULL, TOL, FP32 },
  { "avgpool/ceil-include-pad", b_pool, "AveragePool", 4, NULL, TOL, FP32 },
  { "avgpool/same-upper", b_pool, "AveragePool", 6, NULL, TOL, FP32 },
  { "avgpool/same-lower-include-pad", b_pool, "AveragePool", 7, NULL, TOL, FP32 },
  { "avgpool/rect-asym", b_pool, "AveragePool", 9, NULL, TOL, FP32 },
  { "matmul/4d-x-2d", b_matmul, NULL, 0, NULL, TOL, FP32 },
  { "matmul/batched", b_matmul, NULL, 1, NULL, TOL, FP32 },
  { "matmul/2d-x-3d", b_matmul, NULL, 2, NULL, TOL, FP32 },
  { "matmul/batch1-x-batch2", b_matmul, NULL, 3, NULL, TOL, FP32 },
  { "matmul/4d-x-4d", b_matmul, NULL, 4, NULL, TOL, FP32 },
  { "matmul/row", b_matmul, NULL, 5, NULL, TOL, FP32 },
  { "matmul/broadcast-fallback", b_matmul, NULL, 6, "MatMul", TOL, FP32 },
  { "matmul/4d-x-2d-tf32", b_matmul, NULL, 0, NULL, TOL, TF32 },
  { "matmul/batched-tf32", b_matmul, NULL, 1, NULL, TOL, TF32 },
  { "matmul/2d-x-3d-fp16", b_matmul, NULL, 2, NULL, TOL, FP16 },
  { "conv/bias-relu-fused", b_conv, NULL, 0, NULL, TOL, FP32 },
  { "conv/bias-clip", b_conv, NULL, 1, NULL, TOL, FP32 },
  { "conv/1x1-hardswish", b_conv, NULL, 2, NULL, TOL, FP32 },
  { "conv/relu-mul-add", b_conv, NULL, 3, NULL, TOL, FP32 },
  { "conv/silu", b_conv, NULL, 4, NULL, TOL, FP32 },
  { "conv/k-minus-relu", b_conv, NULL, 5, NULL, TOL, FP32 },
  { "conv/asym-pads", b_conv, NULL, 6, NULL, TOL, FP32 },
  { "conv/same-upper-s2", b_conv, NULL, 7, NULL, TOL, FP32 },
  { "conv/same-lower", b_conv, NULL, 8, NULL, TOL, FP32 },
  { "conv/depthwise-s2", b_conv, NULL, 9, NULL, TOL, FP32 },
  { "conv/grouped-dilated", b_conv, NULL, 10, NULL, TOL, FP32 },
  { "conv/1d-asym", b_conv, NULL, 11, NULL, TOL, FP32 },
  { "conv/batchnorm-relu", b_conv, NULL, 12, NULL, TOL, FP32 },
  { "convtranspose/k2s2-relu", b_conv, NULL, 13, NULL, TOL, FP32 },
  { "convtranspose/k3s2p1-grouped", b_conv, NULL, 14, NULL, TOL, FP32 },
  { "convtranspose/output-padding", b_conv, NULL, 15, NULL, TOL, FP32 },
  { "conv/input-weights-fallback", b_conv, NULL, 16, "Conv", TOL, FP32 },
  { "conv/bias-relu-fused-tf32", b_conv, NULL, 0, NULL, TOL, TF32 },
  { "conv/asym-pads-fp16", b_conv, NULL, 6, NULL, TOL, FP16 },
  { "convtranspose/k2s2-tf32", b_conv, NULL, 13, NULL, TOL, TF32 },
  { "mixed/cpu-resize-between", b_mixed, NULL, 0, "Resize", TOL, FP32 },
  { "mixed/cpu-op-on-view", b_mixed, NULL, 1, "Tanh", TOL, FP32 },
  { "mixed/input-read-by-cpu", b_mixed, NULL, 2, "Tanh", TOL, FP32 },
  { "mixed/ssd-head", b_mixed, NULL, 3, NULL, TOL, FP32 },
  { "mixed/int64-view", b_mixed, NULL, 4, "ArgMax", EXACT, FP32 },
  { "mixed/empty-slice-concat", b_mixed, NULL, 5, NULL, EXACT, FP32 },
  { "mixed/axis-of-one", b_mixed, NULL, 6, NULL, TOL, FP32 },
};

int
main (int argc, char **argv)
{
  GPtrArray *keep = g_ptr_array_new_with_free_func (g_free);
  int n_cases = 0, kargc = argc + 1;
  char **kargv = g_new0 (char *, argc + 2);

  /* keep going after a failed case: one run reports every mismatch */
  memcpy (kargv, argv, sizeof (char *) * argc);
  kargv[argc] = (char *) "--keep-going";
  g_test_init (&kargc, &kargv, NULL);
  /* the backend is linked in here: its table, not the module */
  _trawl_nn_backend_register (TRAWL_NN_BACKEND_CUDA, &_trawl_nn_cuda_backend);
  for (guint o = 0; o < G_N_ELEMENTS (bin_ops); o++)
    for (int v = 0; v < 9; v++)
      {
        Case *c = g_new0 (Case, 1);

        *c = (Case) { g_strdup_printf ("/cuda-emulated/%s/%d", bin_ops[o], v), b_binary,
                      bin_ops[o], v, NULL, TOL, FP32 };
        g_ptr_array_add (keep, (char *) c->path);
        g_ptr_array_add (keep, c);
        g_test_add_data_func (c->path, c, run_case);
        n_cases++;
      }
  for (guint o = 0; o < G_N_ELEMENTS (act_ops); o++)
    {
      Case *c = g_new0 (Case, 1);

      *c = (Case) { g_strdup_printf ("/cuda-emulated/%s", act_ops[o]), b_unary, act_ops[o], 0,
                    NULL, TOL, FP32 };
      g_ptr_array_add (keep, (char *) c->path);
      g_ptr_array_add (keep, c);
      g_test_add_data_func (c->path, c, run_case);
      n_cases++;
    }
  for (int v = 0; v < 24; v++)
    {
      Case *c = g_new0 (Case, 1);

      *c = (Case) { g_strdup_printf ("/cuda-emulated/gemm/ta%d-tb%d-c%d", v & 1, (v >> 1) & 1,
                                     v >> 2), b_gemm, NULL, v, NULL, TOL, FP32 };
      g_ptr_array_add (keep, (char *) c->path);
      g_ptr_array_add (keep, c);
      g_test_add_data_func (c->path, c, run_case);
      n_cases++;
    }
  for (int v = 0; v < 8; v += 3)
    {
      Case *c = g_new0 (Case, 1);

      *c = (Case) { g_strdup_printf ("/cuda-emulated/gemm/ta%d-tb%d-c%d-tf32", v & 1, (v >> 1) & 1,
                                     v >> 2), b_gemm, NULL, v, NULL, TOL, TF32 };
      g_ptr_array_add (keep, (char *) c->path);
      g_ptr_array_add (keep, c);
      g_test_add_data_func (c->path, c, run_case);
      n_cases++;
    }
  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    {
      char *path = g_strdup_printf ("/cuda-emulated/%s", fixed[i].path);

      g_ptr_array_add (keep, path);
      g_test_add_data_func (path, &fixed[i], run_case);
      n_cases++;
    }
  g_test_message ("%d cases", n_cases);
  {
    int rc = g_test_run ();

    g_ptr_array_unref (keep);
    g_free (kargv);
    return rc;
  }
}
