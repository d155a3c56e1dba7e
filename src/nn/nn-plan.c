/* nn-plan.c - turns a graph and concrete input sizes into something to run:
 * shape inference, constant folding, fusions, and the memory plan.
 *
 * Steps (trawl_nn_plan_new):
 *   1. shapes      every node's infer() in graph order; a node whose inputs
 *                  are all constant is run once now and its outputs become
 *                  constants (this removes ONNX shape subgraphs)
 *   2. fusions     BatchNormalization folded into the Conv before it; an
 *                  activation after a Conv becomes the Conv's epilogue
 *                  (nn-fuse.c)
 *   3. prepare     per-node state (repacked weights, scratch size)
 *   4. memory      liveness per value; views (Reshape...) share their
 *                  input's buffer, elementwise ops write over an input that
 *                  dies there; buffers are packed into one arena, greedy by
 *                  size (largest first, lowest offset that fits)
 * The plan never changes the graph: folded and fused tensors are its own.
 * The op kernels live in ops-*.c; nothing here knows what an op computes.
 *
 * Debugging: TRAWL_NN_PLAN_FLAGS=<n> sets TRAWL_NN_PLAN_NO_* flags (1 no
 * reuse, 2 no fusion, 4 no in-place); TRAWL_NN_PROFILE=1 logs the slowest
 * nodes (g_message) when a plan is freed.
 * Threading: a plan runs on one thread at a time; its pool (nn-pool.c)
 * holds n_threads - 1 workers for its whole life.
 * Backends: the CPU runs the plan's nodes here; another backend's plan is
 * this same plan plus the backend's side (nn-backend.h), which reads it
 * through the _trawl_nn_plan_* accessors at the end of this file and is
 * reached only through the backend's table; trawl_nn_plan_run hands it
 * the run.
 * Staged runs: trawl_nn_plan_input_buffer hands out where the inputs live
 * (a host buffer of the plan's own for the CPU, allocated on first use;
 * the backend's buffer otherwise) and trawl_nn_plan_run_staged runs on
 * them.
 */
#include "nn/nn-plan-private.h"
#include "trawl/base.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 64
#define MAX_TENSOR_BYTES ((gsize) 16 << 30)


/* cblas.h of OpenBLAS declares these; repeated so other BLASes fail loudly. */
void openblas_set_num_threads (int num_threads);
int  openblas_get_num_threads (void);

/* OpenBLAS runs single-threaded while any plan runs (our pool splits the
 * work; two sets of spinning threads on two cores cost 3x); the caller's
 * setting comes back when the last concurrent run ends. */
static GMutex blas_lock;
static int    blas_running;
static int    blas_saved;

static void
blas_enter (void)
{
  g_mutex_lock (&blas_lock);
  if (blas_running++ == 0)
    {
      blas_saved = openblas_get_num_threads ();
      if (blas_saved != 1)
        openblas_set_num_threads (1);
    }
  g_mutex_unlock (&blas_lock);
}

static void
blas_leave (void)
{
  g_mutex_lock (&blas_lock);
  if (--blas_running == 0 && blas_saved != 1)
    openblas_set_num_threads (blas_saved);
  g_mutex_unlock (&blas_lock);
}

static gsize
tensor_bytes (const TrawlNnTensor *t)
{
  return (gsize) trawl_nn_tensor_numel (t) * _trawl_nn_dtype_size (t->dtype);
}

static void
make_ctx (TrawlNnPlan *p, PlanNode *n, TrawlNnTensor **in, TrawlNnTensor **out,
          TrawlNnOpCtx *c)
{
  memset (c, 0, sizeof *c);
  for (int i = 0; i < n->n_in; i++)
    in[i] = n->in[i] >= 0 ? &PV (p, n->in[i])->t : NULL;
  for (int i = 0; i < n->n_out; i++)
    out[i] = &PV (p, n->out[i])->t;
  c->n_in = n->n_in;
  c->n_out = n->n_out;
  c->in = in;
  c->out = out;
  c->attrs = n->gn->attrs;
  c->node_name = n->gn->name;
  c->op_type = n->gn->op_type;
  c->state = n->state;
  c->n_threads = p->n_threads;
  c->pool = p->pool;
  c->epi = n->epi;
  c->n_epi = n->n_epi;
  c->scratch = p->scratch;
  c->ws_bytes = n->ws_bytes;
}

int
_trawl_nn_plan_add_const (TrawlNnPlan *p, TrawlNnDType dt, int ndim, const int64_t *dims, void *data)
{
  PlanValue v = { 0 };

  v.t.dtype = dt;
  v.t.ndim = ndim;
  memcpy (v.t.dims, dims, sizeof (int64_t) * ndim);
  v.t.data = data;
  v.kind = PV_CONST;
  v.owned = TRUE;
  v.root = (int) p->values->len;
  g_array_append_val (p->values, v);
  return v.root;
}

/* ---- step 1: shapes and folding ---- */

static gboolean
check_output_shapes (TrawlNnOpCtx *c, GError **error)
{
  for (int i = 0; i < c->n_out; i++)
    {
      TrawlNnTensor *t = c->out[i];

      if (t->ndim < 0 || t->ndim > TRAWL_NN_MAX_DIMS)
        return _trawl_nn_fail (error, TRAWL_NN_ERROR_UNSUPPORTED, c,
                               "output %d has %d dims (at most %d)", i, t->ndim,
                               TRAWL_NN_MAX_DIMS);
      gsize bytes = _trawl_nn_dtype_size (t->dtype);

      for (int d = 0; d < t->ndim; d++)
        {
          if (t->dims[d] < 0)
            return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c,
                                   "output %d has a negative dim", i);
          /* a corrupt model must not make us ask for petabytes */
          if (t->dims[d] > 0 && bytes > MAX_TENSOR_BYTES / (gsize) t->dims[d])
            return _trawl_nn_fail (error, TRAWL_NN_ERROR_SHAPE, c,
                                   "output %d would exceed %d GiB", i,
                                   (int) (MAX_TENSOR_BYTES >> 30));
          bytes *= (gsize) t->dims[d];
        }
    }
  return TRUE;
}

/* Runs a node whose inputs are all constant; its outputs become constants. */
static gboolean
fold_node (TrawlNnPlan *p, PlanNode *n, TrawlNnOpCtx *c, GError **error)
{
  gboolean ok = TRUE;

  for (int i = 0; i < n->n_out; i++)
    {
      PlanValue *v = PV (p, n->out[i]);

      v->kind = PV_CONST;
      v->owned = TRUE;
      v->t.data = g_try_malloc0 (MAX (tensor_bytes (&v->t), 8));
      if (v->t.data == NULL)
        return _trawl_nn_fail (error, TRAWL_NN_ERROR_BACKEND, c, "out of memory");
    }
  if (n->op->prepare && !n->op->prepare (c, error))
    return FALSE;
  if (c->ws_bytes && (c->scratch = g_try_malloc (c->ws_bytes)) == NULL)
    return _trawl_nn_fail (error, TRAWL_NN_ERROR_BACKEND, c, "out of memory");
  blas_enter ();
  ok = n->op->run (c, error);
  blas_leave ();
  g_free (c->scratch);
  if (n->op->free_state && c->state)
    n->op->free_state (c->state);
  return ok;
}

static gboolean
infer_all (TrawlNnPlan *p, GError **error)
{
  for (int k = 0; k < p->n_nodes; k++)
    {
      PlanNode *n = &p->nodes[k];
      TrawlNnTensor *in[n->n_in + 1], *out[n->n_out];
      TrawlNnOpCtx c;
      gboolean all_const = TRUE;

      make_ctx (p, n, in, out, &c);
      for (int i = 0; i < n->n_in; i++)
        if (n->in[i] >= 0 && PV (p, n->in[i])->kind != PV_CONST)
          {
            if (PV (p, n->in[i])->kind == PV_UNUSED)
              return _trawl_nn_fail (error, TRAWL_NN_ERROR_FORMAT, &c,
                                     "input %d has no producer", i);
            all_const = FALSE;
          }
      if (!n->op->infer (&c, error) || !check_output_shapes (&c, error))
        return FALSE;
      if (all_const || (n->op->flags & TRAWL_NN_OP_SHAPE_ONLY))
        {
          if (!fold_node (p, n, &c, error))
            return FALSE;
          n->dead = TRUE;
          continue;
        }
      for (int i = 0; i < n->n_out; i++)
        PV (p, n->out[i])->kind = PV_ARENA;
    }
  return TRUE;
}

/* ---- step 3: prepare ---- */

static gboolean
prepare_all (TrawlNnPlan *p, GError **error)
{
  gsize ws = 0;

  p->order = g_new (int, MAX (p->n_nodes, 1));
  p->n_live = 0;
  for (int k = 0; k < p->n_nodes; k++)
    {
      PlanNode *n = &p->nodes[k];
      TrawlNnTensor *in[n->n_in + 1], *out[n->n_out];
      TrawlNnOpCtx c;

      if (n->dead)
        continue;
      p->order[p->n_live++] = k;
      make_ctx (p, n, in, out, &c);
      c.ws_bytes = 0;
      if (!n->op->infer (&c, error))   /* again: fusions changed inputs */
        return FALSE;
      if (n->op->prepare && !n->op->prepare (&c, error))
        return FALSE;
      n->state = c.state;
      n->ws_bytes = c.ws_bytes;
      ws = MAX (ws, c.ws_bytes);
    }
  p->scratch_bytes = ws;
  p->scratch = ws ? g_try_malloc (ws) : NULL;
  if (ws && p->scratch == NULL)
    {
      g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND,
                   "out of memory for %zu bytes of scratch", ws);
      return FALSE;
    }
  return TRUE;
}

/* ---- step 4: memory ---- */

typedef struct { int id; gsize bytes; } Slot;

static int
cmp_slot (gconstpointer a, gconstpointer b)
{
  const Slot *x = a, *y = b;

  if (x->bytes != y->bytes)
    return x->bytes < y->bytes ? 1 : -1;
  return x->id - y->id;
}

static gsize
align_up (gsize n)
{
  return (n + ARENA_ALIGN - 1) & ~(gsize) (ARENA_ALIGN - 1);
}

static void
liveness (TrawlNnPlan *p)
{
  for (guint i = 0; i < p->values->len; i++)
    {
      PlanValue *v = PV (p, i);

      v->root = (int) i;
      v->first = v->last = -1;
      v->bytes = v->kind == PV_ARENA ? align_up (tensor_bytes (&v->t)) : 0;
      if (v->is_output)
        v->last = p->n_live;
    }
  for (int r = 0; r < p->n_live; r++)
    {
      PlanNode *n = &p->nodes[p->order[r]];

      for (int i = 0; i < n->n_in; i++)
        if (n->in[i] >= 0)
          PV (p, n->in[i])->last = MAX (PV (p, n->in[i])->last, r);
      for (int i = 0; i < n->n_out; i++)
        {
          PV (p, n->out[i])->first = r;
          PV (p, n->out[i])->last = MAX (PV (p, n->out[i])->last, r);
        }
    }
}

/* Views and in-place outputs take their input's root; a root's lifetime
 * grows to cover every value sharing it. */
static void
alias (TrawlNnPlan *p)
{
  for (int r = 0; r < p->n_live; r++)
    {
      PlanNode *n = &p->nodes[p->order[r]];
      PlanValue *o = PV (p, n->out[0]);
      int cands = 0;

      if ((n->op->flags & TRAWL_NN_OP_VIEW) && n->in[0] >= 0)
        {
          PlanValue *iv = PV (p, n->in[0]);
          int root = iv->root;

          if (PV (p, root)->kind == PV_CONST)
            continue;        /* a view needs no copy, but never of a constant */
          o->root = root;
          o->is_view = TRUE;
          PV (p, root)->last = MAX (PV (p, root)->last, o->last);
          continue;
        }
      if (!(n->op->flags & TRAWL_NN_OP_INPLACE) || (p->flags & TRAWL_NN_PLAN_NO_INPLACE)
          || o->kind != PV_ARENA)
        continue;
      cands = MIN (n->n_in, 2);
      for (int c = 0; c < cands; c++)
        {
          PlanValue *iv;
          PlanValue *rv;

          if (n->in[c] < 0)
            continue;
          iv = PV (p, n->in[c]);
          rv = PV (p, iv->root);
          if (rv->kind != PV_ARENA || rv->last > r || iv->t.dtype != o->t.dtype
              || trawl_nn_tensor_numel (&iv->t) != trawl_nn_tensor_numel (&o->t))
            continue;
          o->root = iv->root;
          rv->last = MAX (rv->last, o->last);
          break;
        }
    }
}

static void
place (TrawlNnPlan *p)
{
  GArray *slots = g_array_new (FALSE, FALSE, sizeof (Slot));
  GArray *placed = g_array_new (FALSE, FALSE, sizeof (int));
  gsize naive = 0, top = 0;

  for (guint i = 0; i < p->values->len; i++)
    {
      PlanValue *v = PV (p, i);

      if (v->kind != PV_ARENA || v->first < 0)
        continue;
      if (!v->is_view)
        naive += v->bytes;
      if ((int) i == v->root)
        {
          Slot s = { (int) i, v->bytes };
          g_array_append_val (slots, s);
        }
    }
  g_array_sort (slots, cmp_slot);
  for (guint s = 0; s < slots->len; s++)
    {
      PlanValue *v = PV (p, g_array_index (slots, Slot, s).id);
      gsize off = 0;
      gboolean moved = TRUE;

      if (p->flags & TRAWL_NN_PLAN_NO_REUSE)
        off = top;
      /* lowest offset that overlaps no placed buffer alive at the same time */
      while (!(p->flags & TRAWL_NN_PLAN_NO_REUSE) && moved)
        {
          moved = FALSE;
          for (guint j = 0; j < placed->len; j++)
            {
              PlanValue *w = PV (p, g_array_index (placed, int, j));

              if (w->last < v->first || v->last < w->first)
                continue;
              if (off < w->offset + w->bytes && w->offset < off + v->bytes)
                {
                  off = w->offset + w->bytes;
                  moved = TRUE;
                }
            }
        }
      v->offset = off;
      top = MAX (top, off + v->bytes);
      g_array_append_val (placed, g_array_index (slots, Slot, s).id);
    }
  p->arena_bytes = top;
  p->naive_bytes = naive;
  /* plain malloc alignment (16) is enough for the kernels; g_try_ so a
   * huge plan fails with an error instead of aborting */
  p->arena = top ? g_try_malloc0 (top) : NULL;
  g_array_unref (slots);
  g_array_unref (placed);
}

/* ---- public ---- */

static gboolean
setup_values (TrawlNnPlan *p, const TrawlNnTensor *shapes, int n_inputs, GError **error)
{
  TrawlNnGraph *g = p->g;

  if (n_inputs != (int) g->inputs->len)
    {
      g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_SHAPE,
                   "graph %s has %u inputs, %d given", g->name, g->inputs->len, n_inputs);
      return FALSE;
    }
  g_array_set_size (p->values, g->values->len);
  for (guint i = 0; i < g->values->len; i++)
    {
      const TrawlNnValue *gv = &g_array_index (g->values, TrawlNnValue, i);
      PlanValue *v = PV (p, i);

      v->t.dtype = gv->dtype;
      v->t.ndim = gv->ndim;
      memcpy (v->t.dims, gv->dims, sizeof v->t.dims);
      v->root = (int) i;
      if (gv->data && gv->producer < 0)
        {
          v->kind = PV_CONST;
          v->t.data = gv->data;
        }
    }
  for (int i = 0; i < n_inputs; i++)
    {
      int id = g_array_index (g->inputs, int, i);
      const TrawlNnValue *gv = &g_array_index (g->values, TrawlNnValue, id);
      PlanValue *v = PV (p, id);
      gboolean ok = shapes[i].ndim == gv->ndim && shapes[i].dtype == gv->dtype;

      for (int d = 0; ok && d < gv->ndim; d++)
        ok = shapes[i].dims[d] >= 0 && (gv->dims[d] < 0 || gv->dims[d] == shapes[i].dims[d]);
      if (!ok)
        {
          char *want = _trawl_nn_dims_str (gv->ndim, gv->dims);
          char *got = _trawl_nn_dims_str (shapes[i].ndim, shapes[i].dims);

          g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_SHAPE,
                       "input '%s': shape %s does not fit %s (or wrong dtype)",
                       gv->name, got, want);
          g_free (want);
          g_free (got);
          return FALSE;
        }
      v->kind = PV_INPUT;
      memcpy (v->t.dims, shapes[i].dims, sizeof v->t.dims);
    }
  for (guint i = 0; i < g->outputs->len; i++)
    PV (p, g_array_index (g->outputs, int, i))->is_output = TRUE;
  return TRUE;
}

TrawlNnPlan *
_trawl_nn_plan_new_flags (TrawlNnGraph *g, const TrawlNnTensor *input_shapes,
                          int n_inputs, const TrawlNnPlanOptions *opts, guint flags,
                          GError **error)
{
  const TrawlNnBackend *be;
  TrawlNnPlan *p;

  g_return_val_if_fail (g != NULL && (n_inputs == 0 || input_shapes != NULL), NULL);
  /* a forced TRAWL_CPU_LEVEL must be the one OpenBLAS runs (every plan may
   * run nodes on the CPU) */
  if (!trawl_cpu_level_check (error))
    return NULL;
  if (opts && opts->backend != TRAWL_NN_BACKEND_CPU
      && !trawl_nn_backend_available (opts->backend, error))
    return NULL;
  /* (loaded and checked just above) */
  be = opts && opts->backend != TRAWL_NN_BACKEND_CPU
       ? _trawl_nn_backend_get (opts->backend, NULL) : NULL;
  p = g_new0 (TrawlNnPlan, 1);
  p->g = trawl_nn_graph_ref (g);
  p->flags = flags;
  p->precision = opts ? opts->precision : TRAWL_NN_PRECISION_FP32;
  p->staged = g_new0 (void *, MAX (g->inputs->len, 1));
  p->n_threads = opts && opts->n_threads > 0 ? opts->n_threads : _trawl_nn_default_threads ();
  p->values = g_array_new (FALSE, TRUE, sizeof (PlanValue));
  p->pool = p->n_threads > 1 ? _trawl_nn_pool_new (p->n_threads) : NULL;
  p->n_nodes = (int) g->nodes->len;
  p->nodes = g_new0 (PlanNode, MAX (p->n_nodes, 1));
  for (int k = 0; k < p->n_nodes; k++)
    {
      const TrawlNnNode *gn = &g_array_index (g->nodes, TrawlNnNode, k);
      PlanNode *n = &p->nodes[k];

      n->gn = gn;
      n->op = gn->op;
      n->n_in = gn->n_in;
      n->n_out = gn->n_out;
      n->in = g_new (int, gn->n_in + 3);   /* room for fused bias */
      memcpy (n->in, gn->in, sizeof (int) * gn->n_in);
      n->out = g_memdup2 (gn->out, sizeof (int) * gn->n_out);
    }
  if (!setup_values (p, input_shapes, n_inputs, error) || !infer_all (p, error))
    goto fail;
  if (!(flags & TRAWL_NN_PLAN_NO_FUSE))
    _trawl_nn_plan_fuse (p);
  if (!prepare_all (p, error))
    goto fail;
  liveness (p);
  alias (p);
  place (p);
  if (p->arena_bytes && p->arena == NULL)
    {
      g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND,
                   "out of memory for a %zu-byte arena", p->arena_bytes);
      goto fail;
    }
  if (be && (p->bp = be->plan_new (p, p->precision, error)) == NULL)
    goto fail;
  p->be = be;
  if (g_getenv ("TRAWL_NN_PROFILE") && p->be == NULL)
    p->prof_us = g_new0 (gint64, MAX (p->n_nodes, 1));
  g_debug ("plan %s: %d of %d nodes live, arena %zu bytes (naive %zu)", g->name,
           p->n_live, p->n_nodes, p->arena_bytes, p->naive_bytes);
  return p;

fail:
  g_prefix_error (error, "%s: ", g->name);
  trawl_nn_plan_free (p);
  return NULL;
}

TrawlNnPlan *
trawl_nn_plan_new (TrawlNnGraph *g, const TrawlNnTensor *input_shapes, int n_inputs,
                   const TrawlNnPlanOptions *opts, GError **error)
{
  const char *env = g_getenv ("TRAWL_NN_PLAN_FLAGS");

  return _trawl_nn_plan_new_flags (g, input_shapes, n_inputs, opts,
                                   env ? (guint) atoi (env) : 0, error);
}

static int
cmp_prof (gconstpointer a, gconstpointer b, gpointer data)
{
  const gint64 *us = data;
  gint64 x = us[*(const int *) a], y = us[*(const int *) b];

  return x < y ? 1 : x > y ? -1 : 0;
}

/* TRAWL_NN_PROFILE=1: the slowest nodes, for tuning kernels. */
static void
print_profile (TrawlNnPlan *p)
{
  int *idx = g_new (int, MAX (p->n_live, 1));
  gint64 total = 0;

  for (int r = 0; r < p->n_live; r++)
    {
      idx[r] = p->order[r];
      total += p->prof_us[idx[r]];
    }
  g_qsort_with_data (idx, p->n_live, sizeof (int), cmp_prof, p->prof_us);
  g_message ("profile %s: %.2f ms per run over %d runs", p->g->name,
             total / 1000.0 / MAX (p->prof_runs, 1), p->prof_runs);
  for (int r = 0; r < MIN (p->n_live, 25); r++)
    {
      PlanNode *n = &p->nodes[idx[r]];
      PlanValue *o = PV (p, n->out[0]);
      char *d = _trawl_nn_dims_str (o->t.ndim, o->t.dims);
      char *w = n->n_in > 1 && n->in[1] >= 0
                ? _trawl_nn_dims_str (PV (p, n->in[1])->t.ndim, PV (p, n->in[1])->t.dims)
                : g_strdup ("");

      g_message ("%7.3f ms %5.1f%% %s %s %s -> %s", p->prof_us[idx[r]] / 1000.0 / MAX (p->prof_runs, 1),
                 100.0 * p->prof_us[idx[r]] / MAX (total, 1), n->gn->op_type, n->gn->name, w, d);
      g_free (d);
      g_free (w);
    }
  g_free (idx);
}

void
trawl_nn_plan_free (TrawlNnPlan *p)
{
  if (p == NULL)
    return;
  if (p->prof_us)
    print_profile (p);
  g_free (p->prof_us);
  if (p->be)
    p->be->plan_free (p->bp);
  _trawl_nn_pool_free (p->pool);
  for (int k = 0; k < p->n_nodes; k++)
    {
      PlanNode *n = &p->nodes[k];

      if (n->state && n->op->free_state)
        n->op->free_state (n->state);
      g_free (n->in);
      g_free (n->out);
    }
  for (guint i = 0; i < p->values->len; i++)
    if (PV (p, i)->owned)
      g_free (PV (p, i)->t.data);
  g_array_unref (p->values);
  g_free (p->nodes);
  g_free (p->order);
  g_free (p->arena);
  g_free (p->scratch);
  for (guint i = 0; p->staged && i < p->g->inputs->len; i++)
    g_free (p->staged[i]);
  g_free (p->staged);
  trawl_nn_graph_unref (p->g);
  g_free (p);
}

static void
resolve (TrawlNnPlan *p)
{
  for (guint i = 0; i < p->values->len; i++)
    {
      PlanValue *v = PV (p, i);
      PlanValue *r = PV (p, v->root);

      if (v->kind != PV_ARENA)
        continue;
      v->t.data = r->kind == PV_ARENA ? (void *) (p->arena + r->offset) : r->t.data;
    }
}

/* Describes the backend plan's outputs where they are in its memory. */
static gboolean
device_outputs (TrawlNnPlan *p, TrawlNnTensor *outputs, int n_outputs, GError **error)
{
  for (int i = 0; i < n_outputs; i++)
    {
      int id = g_array_index (p->g->outputs, int, i);

      outputs[i] = PV (p, id)->t;
      outputs[i].data = p->be->value_device (p->bp, id);
      if (outputs[i].data == NULL)
        {
          g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND,
                       "%s: output %d is not in device memory", p->g->name, i);
          return FALSE;
        }
    }
  return TRUE;
}

/* Runs the plan once every input's host tensor is set (the caller's data,
 * or the plan's staged buffers), and describes the outputs: on the host,
 * or with keep_outputs where a backend plan computed them. */
static gboolean
run_resolved (TrawlNnPlan *p, gboolean staged, gboolean keep_outputs, TrawlNnTensor *outputs,
              int n_outputs, GError **error)
{
  TrawlNnGraph *g = p->g;
  gboolean ok = TRUE;

  resolve (p);
  if (p->be)
    {
      if (!p->be->run (p->bp, staged, keep_outputs, error))
        {
          g_prefix_error (error, "%s: ", g->name);
          return FALSE;
        }
      if (keep_outputs)
        return device_outputs (p, outputs, n_outputs, error);
      for (int i = 0; i < n_outputs; i++)
        outputs[i] = PV (p, g_array_index (g->outputs, int, i))->t;
      return TRUE;
    }
  blas_enter ();
  for (int r = 0; r < p->n_live; r++)
    {
      PlanNode *n = &p->nodes[p->order[r]];
      TrawlNnTensor *in[n->n_in + 1], *out[n->n_out];
      TrawlNnOpCtx c;

      gint64 t0 = p->prof_us ? g_get_monotonic_time () : 0;

      make_ctx (p, n, in, out, &c);
      if (!n->op->run (&c, error))
        {
          g_prefix_error (error, "%s: ", g->name);
          ok = FALSE;
          break;
        }
      if (p->prof_us)
        p->prof_us[p->order[r]] += g_get_monotonic_time () - t0;
    }
  if (p->prof_us)
    p->prof_runs++;
  blas_leave ();
  if (!ok)
    return FALSE;
  for (int i = 0; i < n_outputs; i++)
    outputs[i] = PV (p, g_array_index (g->outputs, int, i))->t;
  return TRUE;
}

gboolean
trawl_nn_plan_run (TrawlNnPlan *p, const TrawlNnTensor *inputs, int n_inputs,
                   TrawlNnTensor *outputs, int n_outputs, GError **error)
{
  TrawlNnGraph *g;

  g_return_val_if_fail (p != NULL, FALSE);
  g = p->g;
  if (n_inputs != (int) g->inputs->len || n_outputs > (int) g->outputs->len)
    {
      g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_SHAPE,
                   "%s: %d inputs / %d outputs given, the graph has %u / %u", g->name,
                   n_inputs, n_outputs, g->inputs->len, g->outputs->len);
      return FALSE;
    }
  for (int i = 0; i < n_inputs; i++)
    {
      PlanValue *v = PV (p, g_array_index (g->inputs, int, i));

      if (inputs[i].ndim != v->t.ndim || inputs[i].dtype != v->t.dtype
          || memcmp (inputs[i].dims, v->t.dims, sizeof (int64_t) * v->t.ndim) != 0
          || inputs[i].data == NULL)
        {
          g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_SHAPE,
                       "%s: input %d differs from the planned shape", g->name, i);
          return FALSE;
        }
      v->t.data = inputs[i].data;
    }
  return run_resolved (p, FALSE, FALSE, outputs, n_outputs, error);
}

/* The plan's host buffer for input i, allocated (zeroed) on first use;
 * NULL when memory runs out. */
static void *
host_input (TrawlNnPlan *p, int i)
{
  if (p->staged[i] == NULL)
    {
      PlanValue *v = PV (p, g_array_index (p->g->inputs, int, i));

      p->staged[i] = g_try_malloc0 (MAX (tensor_bytes (&v->t), 8));
    }
  return p->staged[i];
}

void *
trawl_nn_plan_input_buffer (TrawlNnPlan *p, int i)
{
  g_return_val_if_fail (p != NULL, NULL);
  if (i < 0 || i >= (int) p->g->inputs->len)
    return NULL;
  if (p->be)
    return p->be->input_buffer (p->bp, i);
  return host_input (p, i);
}

gboolean
trawl_nn_plan_on_device (const TrawlNnPlan *p)
{
  return p != NULL && p->be != NULL;
}

void *
trawl_nn_plan_stream (const TrawlNnPlan *p)
{
  if (p && p->be && p->be->stream)
    return p->be->stream (p->bp);
  return NULL;
}

double
trawl_nn_plan_device_ms (const TrawlNnPlan *p)
{
  if (p && p->be && p->be->device_ms)
    return p->be->device_ms (p->bp);
  return 0.0;
}

static gboolean
run_staged (TrawlNnPlan *p, gboolean keep_outputs, TrawlNnTensor *outputs, int n_outputs,
            GError **error)
{
  TrawlNnGraph *g;
  gboolean host = TRUE;

  g_return_val_if_fail (p != NULL, FALSE);
  g = p->g;
  if (n_outputs < 0 || n_outputs > (int) g->outputs->len)
    {
      g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_SHAPE,
                   "%s: %d outputs asked for, the graph has %u", g->name, n_outputs,
                   g->outputs->len);
      return FALSE;
    }
  /* on a backend the inputs are in its memory; host copies only when a
   * CPU op inside the plan (or an output that is an input's view) reads
   * them */
  if (p->be)
    host = p->be->needs_host_inputs (p->bp);
  for (guint i = 0; i < g->inputs->len; i++)
    {
      PlanValue *v = PV (p, g_array_index (g->inputs, int, i));

      v->t.data = host ? host_input (p, (int) i) : NULL;
      if (host && v->t.data == NULL)
        {
          g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND,
                       "%s: out of memory for input %u", g->name, i);
          return FALSE;
        }
    }
  return run_resolved (p, TRUE, keep_outputs, outputs, n_outputs, error);
}

gboolean
trawl_nn_plan_run_staged (TrawlNnPlan *p, TrawlNnTensor *outputs, int n_outputs, GError **error)
{
  return run_staged (p, FALSE, outputs, n_outputs, error);
}

gboolean
trawl_nn_plan_run_staged_device (TrawlNnPlan *p, TrawlNnTensor *outputs, int n_outputs,
                                 GError **error)
{
  return run_staged (p, TRUE, outputs, n_outputs, error);
}

gsize trawl_nn_plan_arena_bytes (const TrawlNnPlan *p) { return p ? p->arena_bytes : 0; }
gsize trawl_nn_plan_naive_bytes (const TrawlNnPlan *p) { return p ? p->naive_bytes : 0; }
int _trawl_nn_plan_n_live_nodes (const TrawlNnPlan *p) { return p ? p->n_live : 0; }

static const char *act_names[] = { "", "+Relu", "+Clip", "+LeakyRelu", "+Sigmoid",
                                   "+HardSigmoid", "+HardSwish", "+Mul", "+Add", "+Swish" };

void
trawl_nn_plan_print_summary (const TrawlNnPlan *p, FILE *out)
{
  for (int r = 0; r < p->n_live; r++)
    {
      const PlanNode *n = &p->nodes[p->order[r]];
      GString *s = g_string_new (NULL);

      g_string_append_printf (s, "%4d %s", r, n->gn->op_type);
      for (int e = 0; e < n->n_epi; e++)
        g_string_append (s, act_names[n->epi[e].act]);
      g_string_append_printf (s, " %s:", n->gn->name);
      for (int i = 0; i < n->n_in; i++)
        {
          char *d;

          if (n->in[i] < 0)
            continue;
          d = _trawl_nn_dims_str (PV (p, n->in[i])->t.ndim, PV (p, n->in[i])->t.dims);
          g_string_append_printf (s, " %s%s", d, PV (p, n->in[i])->kind == PV_CONST ? "c" : "");
          g_free (d);
        }
      g_string_append (s, " ->");
      for (int i = 0; i < n->n_out; i++)
        {
          char *d = _trawl_nn_dims_str (PV (p, n->out[i])->t.ndim, PV (p, n->out[i])->t.dims);
          g_string_append_printf (s, " %s", d);
          g_free (d);
        }
      fprintf (out, "%s\n", s->str);
      g_string_free (s, TRUE);
    }
  fprintf (out, "arena %zu bytes (naive %zu), %d of %d nodes live\n", p->arena_bytes,
           p->naive_bytes, p->n_live, p->n_nodes);
}

/* ---- accessors for other backends (nn-private.h) ---- */

static TrawlNnValKind
val_kind (PvKind k)
{
  switch (k)
    {
    case PV_CONST: return TRAWL_NN_VAL_CONST;
    case PV_INPUT: return TRAWL_NN_VAL_INPUT;
    case PV_ARENA: return TRAWL_NN_VAL_ARENA;
    case PV_UNUSED: break;
    }
  return TRAWL_NN_VAL_UNUSED;
}

int
_trawl_nn_plan_n_values (const TrawlNnPlan *p)
{
  return (int) p->values->len;
}

void
_trawl_nn_plan_value_info (TrawlNnPlan *p, int id, TrawlNnValInfo *info)
{
  PlanValue *v = PV (p, id);
  PlanValue *r = PV (p, v->root);

  info->t = &v->t;
  info->kind = val_kind (v->kind);
  info->root = v->root;
  info->root_kind = val_kind (r->kind);
  info->offset = r->offset;
  info->is_output = v->is_output;
}

void
_trawl_nn_plan_node_info (const TrawlNnPlan *p, int r, TrawlNnNodeInfo *info)
{
  const PlanNode *n = &p->nodes[p->order[r]];

  info->op_type = n->gn->op_type;
  info->name = n->gn->name;
  info->attrs = n->gn->attrs;
  info->op = n->op;
  info->n_in = n->n_in;
  info->n_out = n->n_out;
  info->in = n->in;
  info->out = n->out;
  info->epi = n->epi;
  info->n_epi = n->n_epi;
}

gboolean
_trawl_nn_plan_run_node_cpu (TrawlNnPlan *p, int r, GError **error)
{
  PlanNode *n = &p->nodes[p->order[r]];
  TrawlNnTensor *in[n->n_in + 1], *out[n->n_out];
  TrawlNnOpCtx c;
  gboolean ok;

  make_ctx (p, n, in, out, &c);
  blas_enter ();
  ok = n->op->run (&c, error);
  blas_leave ();
  return ok;
}

TrawlNnGraph *_trawl_nn_plan_graph (const TrawlNnPlan *p) { return p->g; }
