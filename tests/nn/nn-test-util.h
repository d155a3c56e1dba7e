/* nn-test-util.h - helpers for the engine's unit tests: random tensors,
 * one-node graphs run through a plan, and closeness checks. Header-only so
 * each test program stays one file plus this. */
#pragma once

#include <trawl/nn.h>

#include <math.h>
#include <string.h>

/* Random floats in [-1, 1), reproducible per seed. Free with g_free. */
static inline float *
rnd (gsize n, guint32 seed)
{
  GRand *r = g_rand_new_with_seed (seed);
  float *v = g_new (float, MAX (n, 1));

  for (gsize i = 0; i < n; i++)
    v[i] = (float) g_rand_double_range (r, -1.0, 1.0);
  g_rand_free (r);
  return v;
}

static inline int64_t
numel (int ndim, const int64_t *dims)
{
  int64_t n = 1;
  for (int i = 0; i < ndim; i++)
    n *= dims[i];
  return n;
}

/* Asserts |a - b| <= tol * (1 + |b|) elementwise. */
static inline void
assert_close (const float *a, const float *b, int64_t n, float tol)
{
  for (int64_t i = 0; i < n; i++)
    if (!(fabsf (a[i] - b[i]) <= tol * (1.0f + fabsf (b[i]))))
      {
        g_test_message ("element %" G_GINT64_FORMAT ": got %g, expected %g", i, a[i], b[i]);
        g_assert_cmpfloat_with_epsilon (a[i], b[i], tol * (1.0f + fabsf (b[i])));
      }
}

/* A graph input or constant for run_op. */
typedef struct {
  TrawlNnDType dtype;
  int          ndim;
  int64_t      dims[TRAWL_NN_MAX_DIMS];
  const void  *data;
  gboolean     constant;   /* a graph constant rather than an input */
  gboolean     absent;     /* an empty optional input */
} Arg;

/* Builds one node over args, plans and runs it with plan flags, copies the
 * first output into *out (g_free'd by the caller) and its shape into
 * *oshape. Returns FALSE with error set when building, planning or running
 * fails. */
static inline gboolean
run_op_full (const char *op, const Arg *args, int n_args, TrawlNnAttrs *attrs,
             float **out, TrawlNnTensor *oshape, GError **error)
{
  TrawlNnGraph *g = trawl_nn_graph_new ("test");
  TrawlNnValueId ids[16];
  TrawlNnTensor shapes[16], outs[1];
  int n_in = 0;
  TrawlNnValueId y;
  TrawlNnPlan *plan = NULL;
  TrawlNnPlanOptions opts = { .backend = TRAWL_NN_BACKEND_CPU, .n_threads = 2 };
  gboolean ok = FALSE;

  memset (oshape, 0, sizeof *oshape);
  *out = NULL;
  for (int i = 0; i < n_args; i++)
    {
      char name[16];

      g_snprintf (name, sizeof name, "a%d", i);
      if (args[i].absent)
        ids[i] = -1;
      else if (args[i].constant)
        ids[i] = trawl_nn_graph_add_constant (g, name, args[i].dtype, args[i].ndim,
                                              args[i].dims, (void *) args[i].data, FALSE);
      else
        {
          ids[i] = trawl_nn_graph_add_input (g, name, args[i].dtype, args[i].ndim, args[i].dims);
          shapes[n_in] = (TrawlNnTensor) { args[i].dtype, args[i].ndim, { 0 }, (void *) args[i].data };
          memcpy (shapes[n_in].dims, args[i].dims, sizeof args[i].dims);
          n_in++;
        }
    }
  y = trawl_nn_graph_op (g, op, "node", n_args, ids, attrs, error);
  if (y < 0)
    goto out;
  trawl_nn_graph_mark_output (g, y);
  plan = trawl_nn_plan_new (g, shapes, n_in, &opts, error);
  if (plan == NULL)
    goto out;
  if (!trawl_nn_plan_run (plan, shapes, n_in, outs, 1, error))
    goto out;
  *oshape = outs[0];
  oshape->data = NULL;
  *out = g_memdup2 (outs[0].data, MAX (trawl_nn_tensor_numel (&outs[0]), 1)
                                  * (outs[0].dtype == TRAWL_NN_I64 ? 8 : 4));
  ok = TRUE;
out:
  trawl_nn_plan_free (plan);
  trawl_nn_graph_unref (g);
  return ok;
}

/* As run_op_full, asserting success. */
static inline float *
run_op (const char *op, const Arg *args, int n_args, TrawlNnAttrs *attrs, TrawlNnTensor *oshape)
{
  GError *error = NULL;
  float *out = NULL;

  run_op_full (op, args, n_args, attrs, &out, oshape, &error);
  g_assert_no_error (error);
  return out;
}

static inline Arg
farg (int ndim, const int64_t *dims, const float *data, gboolean constant)
{
  Arg a = { TRAWL_NN_F32, ndim, { 0 }, data, constant, FALSE };
  memcpy (a.dims, dims, sizeof (int64_t) * ndim);
  return a;
}

static inline Arg
iarg (int ndim, const int64_t *dims, const int64_t *data, gboolean constant)
{
  Arg a = { TRAWL_NN_I64, ndim, { 0 }, data, constant, FALSE };
  memcpy (a.dims, dims, sizeof (int64_t) * ndim);
  return a;
}

static inline void
assert_shape (const TrawlNnTensor *t, int ndim, const int64_t *dims)
{
  g_assert_cmpint (t->ndim, ==, ndim);
  for (int i = 0; i < ndim; i++)
    g_assert_cmpint (t->dims[i], ==, dims[i]);
}
