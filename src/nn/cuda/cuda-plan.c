/* cuda-plan.c - the device side of a plan: handles, one stream, device
 * memory and the run loop.
 *
 * Memory, all allocated once in _trawl_nn_cuda_plan_new:
 *   arena    one cudaMalloc of the CPU planner's arena size; every
 *            intermediate lives at the offset the planner gave it, so
 *            reuse, views and in-place outputs carry over unchanged
 *   weights  one cudaMalloc holding every constant a device op reads,
 *            uploaded once
 *   inputs   one cudaMalloc for the graph inputs, filled at each run
 *   ws       the largest workspace any op asked for (cuDNN algorithms)
 * Nodes the CUDA table does not cover run their CPU op on host copies:
 * inputs come down, outputs go back up (logged once per op type). The
 * host arena of the CPU plan serves as the staging area, at the same
 * offsets, and receives the graph outputs at the end of a run.
 */
#include "nn/cuda/cuda-private.h"

#include <string.h>

G_STATIC_ASSERT ((int) TRAWL_NN_ACT_SWISH == TRAWL_CUDA_ACT_SWISH);
G_STATIC_ASSERT ((int) TRAWL_NN_ACT_HARD_SWISH == TRAWL_CUDA_ACT_HARD_SWISH);
G_STATIC_ASSERT ((int) TRAWL_NN_ACT_CLIP == TRAWL_CUDA_ACT_CLIP);
G_STATIC_ASSERT (TRAWL_NN_MAX_EPI == TRAWL_CUDA_MAX_EPI && TRAWL_NN_MAX_DIMS == TRAWL_CUDA_MAX_DIMS);

#define WEIGHT_ALIGN 256

typedef struct {
  const CudaOpDef *op;   /* NULL: CPU fallback */
  CudaCtx          c;
} CudaNode;

struct TrawlNnCudaPlan {
  TrawlNnPlan     *p;
  cudaStream_t     stream;
  cudnnHandle_t    cudnn;
  cublasHandle_t   cublas;
  guint8          *d_arena, *d_weights, *d_inputs;
  void            *d_ws;
  gsize            ws_bytes;
  int              n_values;
  float          **dptr;      /* per value id: device address, NULL when none */
  CudaNode        *nodes;     /* per live node, run order */
  int              n_live;
};

static gsize
tbytes (const TrawlNnTensor *t)
{
  return (gsize) trawl_nn_tensor_numel (t) * _trawl_nn_dtype_size (t->dtype);
}

static gboolean
cuda_fail (GError **error, int err, const char *what)
{
  g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND, "CUDA %s: %s", what,
               cudaGetErrorString ((cudaError_t) err));
  return FALSE;
}

gboolean
_trawl_nn_cuda_check (GError **error, const CudaCtx *c, int err, const char *what)
{
  if (err == 0)
    return TRUE;
  g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND, "node %s (%s): %s: %s",
               c->n.name, c->n.op_type, what, cudaGetErrorString ((cudaError_t) err));
  return FALSE;
}

gboolean
_trawl_nn_cudnn_check (GError **error, const CudaCtx *c, cudnnStatus_t st, const char *what)
{
  if (st == CUDNN_STATUS_SUCCESS)
    return TRUE;
  g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND, "node %s (%s): %s: %s",
               c->n.name, c->n.op_type, what, cudnnGetErrorString (st));
  return FALSE;
}

gboolean
_trawl_nn_cublas_check (GError **error, const CudaCtx *c, cublasStatus_t st, const char *what)
{
  if (st == CUBLAS_STATUS_SUCCESS)
    return TRUE;
  g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND, "node %s (%s): %s: cuBLAS status %d",
               c->n.name, c->n.op_type, what, (int) st);
  return FALSE;
}

/* TRUE when a device and a driver are there (a build with CUDA on a
 * machine without a GPU is the normal case, not a failure). */
gboolean
_trawl_nn_cuda_available (GError **error)
{
  int n = 0;
  cudaError_t err = cudaGetDeviceCount (&n);

  if (err != cudaSuccess || n == 0)
    {
      g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND, "no GPU: %s",
                   err != cudaSuccess ? cudaGetErrorString (err) : "no CUDA device found");
      return FALSE;
    }
  return TRUE;
}

/* Logs once per op type that it runs on the CPU inside a CUDA plan. */
static void
note_fallback (const char *op_type)
{
  static GMutex lock;
  static GHashTable *seen;

  g_mutex_lock (&lock);
  if (seen == NULL)
    seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (!g_hash_table_contains (seen, op_type))
    {
      g_hash_table_add (seen, g_strdup (op_type));
      g_message ("nn/cuda: %s has no CUDA kernel for this case; it runs on the CPU "
                 "(copies in and out)", op_type);
    }
  g_mutex_unlock (&lock);
}

static void
node_ctx (TrawlNnCudaPlan *cp, int r, CudaCtx *c)
{
  memset (c, 0, sizeof *c);
  _trawl_nn_plan_node_info (cp->p, r, &c->n);
  c->tin = g_new0 (TrawlNnTensor *, c->n.n_in + 1);
  c->tout = g_new0 (TrawlNnTensor *, c->n.n_out + 1);
  c->in = g_new0 (float *, c->n.n_in + 1);
  c->out = g_new0 (float *, c->n.n_out + 1);
  for (int i = 0; i < c->n.n_in; i++)
    if (c->n.in[i] >= 0)
      {
        TrawlNnValInfo vi;

        _trawl_nn_plan_value_info (cp->p, c->n.in[i], &vi);
        c->tin[i] = vi.t;
      }
  for (int i = 0; i < c->n.n_out; i++)
    {
      TrawlNnValInfo vi;

      _trawl_nn_plan_value_info (cp->p, c->n.out[i], &vi);
      c->tout[i] = vi.t;
    }
  c->stream = cp->stream;
  c->cudnn = cp->cudnn;
  c->cublas = cp->cublas;
}

/* Which nodes run on the device; their constant inputs are counted. */
static gboolean
choose_ops (TrawlNnCudaPlan *cp, gboolean *want_const, GError **error)
{
  for (int r = 0; r < cp->n_live; r++)
    {
      CudaNode *cn = &cp->nodes[r];
      const CudaOpDef *op;
      int ok = 0;

      node_ctx (cp, r, &cn->c);
      op = _trawl_nn_cuda_find_op (cn->c.n.op_type);
      if (op)
        ok = op->prepare (&cn->c, error);
      if (ok < 0)
        return FALSE;
      if (ok == 0)
        {
          note_fallback (cn->c.n.op_type);
          continue;
        }
      cn->op = op;
      cp->ws_bytes = MAX (cp->ws_bytes, cn->c.ws_bytes);
      for (int i = 0; i < cn->c.n.n_in; i++)
        if (cn->c.n.in[i] >= 0)
          want_const[cn->c.n.in[i]] = TRUE;
    }
  return TRUE;
}

/* Allocates device memory and fixes every value's device address. */
static gboolean
place_memory (TrawlNnCudaPlan *cp, const gboolean *want_const, GError **error)
{
  TrawlNnGraph *g = _trawl_nn_plan_graph (cp->p);
  gsize *off = g_new0 (gsize, cp->n_values);
  gsize wbytes = 0, ibytes = 0;
  int err;

  for (int id = 0; id < cp->n_values; id++)
    {
      TrawlNnValInfo vi;

      _trawl_nn_plan_value_info (cp->p, id, &vi);
      if (vi.kind == TRAWL_NN_VAL_CONST && want_const[id])
        {
          off[id] = wbytes;
          wbytes += (tbytes (vi.t) + WEIGHT_ALIGN - 1) & ~(gsize) (WEIGHT_ALIGN - 1);
        }
      else if (vi.kind == TRAWL_NN_VAL_INPUT)
        {
          off[id] = ibytes;
          ibytes += (tbytes (vi.t) + WEIGHT_ALIGN - 1) & ~(gsize) (WEIGHT_ALIGN - 1);
        }
    }
  if ((trawl_nn_plan_arena_bytes (cp->p)
       && (err = cudaMalloc ((void **) &cp->d_arena, trawl_nn_plan_arena_bytes (cp->p))))
      || (wbytes && (err = cudaMalloc ((void **) &cp->d_weights, wbytes)))
      || (ibytes && (err = cudaMalloc ((void **) &cp->d_inputs, ibytes)))
      || (cp->ws_bytes && (err = cudaMalloc (&cp->d_ws, cp->ws_bytes))))
    {
      g_free (off);
      return cuda_fail (error, err, "device memory");
    }
  for (int id = 0; id < cp->n_values; id++)
    {
      TrawlNnValInfo vi;

      _trawl_nn_plan_value_info (cp->p, id, &vi);
      if (vi.kind == TRAWL_NN_VAL_CONST && want_const[id])
        {
          cp->dptr[id] = (float *) (cp->d_weights + off[id]);
          /* synchronous: the host constant may be a temporary of the planner */
          if ((err = cudaMemcpy (cp->dptr[id], vi.t->data, tbytes (vi.t), cudaMemcpyHostToDevice)))
            {
              g_free (off);
              return cuda_fail (error, err, "weight upload");
            }
        }
      else if (vi.kind == TRAWL_NN_VAL_INPUT)
        cp->dptr[id] = (float *) (cp->d_inputs + off[id]);
    }
  /* intermediates (views and in-place outputs through their root) */
  for (int id = 0; id < cp->n_values; id++)
    {
      TrawlNnValInfo vi;

      _trawl_nn_plan_value_info (cp->p, id, &vi);
      if (vi.kind != TRAWL_NN_VAL_ARENA)
        continue;
      if (vi.root_kind == TRAWL_NN_VAL_ARENA)
        cp->dptr[id] = (float *) (cp->d_arena + vi.offset);
      else
        cp->dptr[id] = cp->dptr[vi.root];   /* a view of an input */
    }
  g_free (off);
  (void) g;
  return TRUE;
}

TrawlNnCudaPlan *
_trawl_nn_cuda_plan_new (TrawlNnPlan *p, GError **error)
{
  TrawlNnCudaPlan *cp = g_new0 (TrawlNnCudaPlan, 1);
  gboolean *want_const;
  int err;

  cp->p = p;
  cp->n_values = _trawl_nn_plan_n_values (p);
  cp->dptr = g_new0 (float *, MAX (cp->n_values, 1));
  cp->n_live = _trawl_nn_plan_n_live_nodes (p);
  cp->nodes = g_new0 (CudaNode, MAX (cp->n_live, 1));
  if ((err = cudaStreamCreateWithFlags (&cp->stream, cudaStreamNonBlocking)))
    {
      cuda_fail (error, err, "stream");
      goto fail;
    }
  if (cudnnCreate (&cp->cudnn) != CUDNN_STATUS_SUCCESS
      || cudnnSetStream (cp->cudnn, cp->stream) != CUDNN_STATUS_SUCCESS)
    {
      g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND, "cuDNN: cannot create a handle");
      goto fail;
    }
  /* FP32 maths everywhere (no TF32): the outputs must match the CPU's */
  if (cublasCreate (&cp->cublas) != CUBLAS_STATUS_SUCCESS
      || cublasSetStream (cp->cublas, cp->stream) != CUBLAS_STATUS_SUCCESS
      || cublasSetMathMode (cp->cublas, CUBLAS_PEDANTIC_MATH) != CUBLAS_STATUS_SUCCESS)
    {
      g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND, "cuBLAS: cannot create a handle");
      goto fail;
    }
  want_const = g_new0 (gboolean, MAX (cp->n_values, 1));
  if (!choose_ops (cp, want_const, error) || !place_memory (cp, want_const, error))
    {
      g_free (want_const);
      goto fail;
    }
  g_free (want_const);
  for (int r = 0; r < cp->n_live; r++)
    {
      CudaCtx *c = &cp->nodes[r].c;

      for (int i = 0; i < c->n.n_in; i++)
        c->in[i] = c->n.in[i] >= 0 ? cp->dptr[c->n.in[i]] : NULL;
      for (int i = 0; i < c->n.n_out; i++)
        c->out[i] = cp->dptr[c->n.out[i]];
      c->ws = cp->d_ws;
    }
  return cp;

fail:
  _trawl_nn_cuda_plan_free (cp);
  return NULL;
}

void
_trawl_nn_cuda_plan_free (TrawlNnCudaPlan *cp)
{
  if (cp == NULL)
    return;
  if (cp->stream)
    cudaStreamSynchronize (cp->stream);
  for (int r = 0; r < cp->n_live; r++)
    {
      CudaNode *cn = &cp->nodes[r];

      if (cn->op && cn->op->free_state && cn->c.state)
        cn->op->free_state (cn->c.state);
      g_free (cn->c.tin);
      g_free (cn->c.tout);
      g_free (cn->c.in);
      g_free (cn->c.out);
    }
  g_free (cp->nodes);
  g_free (cp->dptr);
  cudaFree (cp->d_arena);
  cudaFree (cp->d_weights);
  cudaFree (cp->d_inputs);
  cudaFree (cp->d_ws);
  if (cp->cublas)
    cublasDestroy (cp->cublas);
  if (cp->cudnn)
    cudnnDestroy (cp->cudnn);
  if (cp->stream)
    cudaStreamDestroy (cp->stream);
  g_free (cp);
}

/* Copies a device intermediate to or from its host twin. Inputs and
 * constants are valid on the host already. */
static int
stage (TrawlNnCudaPlan *cp, int id, gboolean down)
{
  TrawlNnValInfo vi;

  _trawl_nn_plan_value_info (cp->p, id, &vi);
  if (vi.kind != TRAWL_NN_VAL_ARENA || vi.root_kind != TRAWL_NN_VAL_ARENA || cp->dptr[id] == NULL)
    return 0;
  return down ? cudaMemcpyAsync (vi.t->data, cp->dptr[id], tbytes (vi.t), cudaMemcpyDeviceToHost,
                                 cp->stream)
              : cudaMemcpyAsync (cp->dptr[id], vi.t->data, tbytes (vi.t), cudaMemcpyHostToDevice,
                                 cp->stream);
}

static gboolean
run_fallback (TrawlNnCudaPlan *cp, int r, GError **error)
{
  CudaCtx *c = &cp->nodes[r].c;
  int err = 0;

  for (int i = 0; i < c->n.n_in && !err; i++)
    if (c->n.in[i] >= 0)
      err = stage (cp, c->n.in[i], TRUE);
  if (!err)
    err = cudaStreamSynchronize (cp->stream);
  if (err)
    return _trawl_nn_cuda_check (error, c, err, "copy to host for the CPU op");
  if (!_trawl_nn_plan_run_node_cpu (cp->p, r, error))
    return FALSE;
  for (int i = 0; i < c->n.n_out && !err; i++)
    err = stage (cp, c->n.out[i], FALSE);
  /* the host buffers are reused by the next CPU op: wait for the upload */
  if (!err)
    err = cudaStreamSynchronize (cp->stream);
  return _trawl_nn_cuda_check (error, c, err, "copy back from the CPU op");
}

gboolean
_trawl_nn_cuda_plan_run (TrawlNnCudaPlan *cp, GError **error)
{
  TrawlNnGraph *g = _trawl_nn_plan_graph (cp->p);
  int err = 0;

  for (int i = 0; i < trawl_nn_graph_n_inputs (g); i++)
    {
      TrawlNnValueId id = trawl_nn_graph_find_value (g, trawl_nn_graph_input_name (g, i));
      TrawlNnValInfo vi;

      _trawl_nn_plan_value_info (cp->p, id, &vi);
      if (cp->dptr[id]
          && (err = cudaMemcpyAsync (cp->dptr[id], vi.t->data, tbytes (vi.t),
                                     cudaMemcpyHostToDevice, cp->stream)))
        return cuda_fail (error, err, "input upload");
    }
  for (int r = 0; r < cp->n_live; r++)
    {
      CudaNode *cn = &cp->nodes[r];

      if (cn->op == NULL)
        {
          if (!run_fallback (cp, r, error))
            return FALSE;
        }
      else if (!cn->op->run (&cn->c, error))
        return FALSE;
    }
  for (int i = 0; i < trawl_nn_graph_n_outputs (g); i++)
    {
      TrawlNnValueId id = trawl_nn_graph_find_value (g, trawl_nn_graph_output_name (g, i));

      if ((err = stage (cp, id, TRUE)))
        return cuda_fail (error, err, "output download");
    }
  if ((err = cudaStreamSynchronize (cp->stream)))
    return cuda_fail (error, err, "run");
  return TRUE;
}
