/* cuda-plan.c - the device side of a plan: handles, one stream, device
 * memory and the run loop.
 *
 * Memory, all allocated once in _trawl_nn_cuda_plan_new:
 *   arena    one cudaMalloc of the CPU planner's arena size; every
 *            intermediate lives at the offset the planner gave it, so
 *            reuse, views and in-place outputs carry over unchanged
 *   weights  one cudaMalloc holding every constant a device op reads,
 *            uploaded once
 *   inputs   one cudaMalloc for the graph inputs, filled at each run (or,
 *            for a staged run, by the caller on the plan's stream:
 *            trawl_nn_plan_input_buffer hands these out)
 *   ws       the largest workspace any op asked for (cuDNN algorithms)
 * Nodes the CUDA table does not cover run their CPU op on host copies:
 * inputs come down, outputs go back up (logged once per op type). The
 * host arena of the CPU plan serves as the staging area, at the same
 * offsets, and receives the graph outputs at the end of a run.
 *
 * Precision (TrawlNnPrecision) sets the cuDNN math type asked for, which
 * algorithms may serve (cuda-conv.c) and the cuBLAS compute type
 * (cuda-ops.c); the policy is the small pure functions at the top here.
 * Timing: a CUDA event pair brackets each run on the stream (upload, nodes
 * and download; CPU fallbacks inside a run count as the wall time they
 * hold the stream), summed into device_ms.
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

struct TrawlNnBackendPlan {
  TrawlNnPlan     *p;
  TrawlNnPrecision precision;
  cudaStream_t     stream;
  cudaEvent_t      ev_start, ev_end;   /* bracket each run, for device_ms */
  double           device_ms;          /* summed over runs */
  int              n_inputs;
  int             *input_ids;          /* value id of graph input i */
  gboolean         host_inputs;        /* a CPU op reads an input, or an output is
                                          an input's view: staged runs bring the
                                          inputs down */
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

/* ---- precision policy ---- */

cudnnMathType_t
_trawl_nn_cuda_conv_math (TrawlNnPrecision precision)
{
  switch (precision)
    {
    case TRAWL_NN_PRECISION_TF32: return CUDNN_DEFAULT_MATH;
    case TRAWL_NN_PRECISION_FP16: return CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
    case TRAWL_NN_PRECISION_FP32: break;
    }
  return CUDNN_FMA_MATH;
}

gboolean
_trawl_nn_cuda_math_allowed (TrawlNnPrecision precision, cudnnMathType_t m)
{
  switch (precision)
    {
    case TRAWL_NN_PRECISION_FP16:
      return TRUE;
    case TRAWL_NN_PRECISION_TF32:
      /* TF32 Tensor Cores or plain FMA, never FP16 conversion */
      return m == CUDNN_DEFAULT_MATH || m == CUDNN_TENSOR_OP_MATH || m == CUDNN_FMA_MATH;
    case TRAWL_NN_PRECISION_FP32:
      break;
    }
  return m == CUDNN_FMA_MATH;
}

cublasComputeType_t
_trawl_nn_cuda_gemm_compute (TrawlNnPrecision precision)
{
  switch (precision)
    {
    case TRAWL_NN_PRECISION_TF32: return CUBLAS_COMPUTE_32F_FAST_TF32;
    case TRAWL_NN_PRECISION_FP16: return CUBLAS_COMPUTE_32F_FAST_16F;
    case TRAWL_NN_PRECISION_FP32: break;
    }
  return CUBLAS_COMPUTE_32F_PEDANTIC;
}

cublasMath_t
_trawl_nn_cuda_blas_math (TrawlNnPrecision precision)
{
  switch (precision)
    {
    case TRAWL_NN_PRECISION_TF32: return CUBLAS_TF32_TENSOR_OP_MATH;
    case TRAWL_NN_PRECISION_FP16: return CUBLAS_DEFAULT_MATH;
    case TRAWL_NN_PRECISION_FP32: break;
    }
  return CUBLAS_PEDANTIC_MATH;
}

/* TRUE when a device and a driver are there (a build with CUDA on a
 * machine without a GPU is the normal case, not a failure). */
gboolean
_trawl_nn_cuda_available (GError **error)
{
  int n = 0, driver = 0;
  cudaError_t err = cudaGetDeviceCount (&n);

  if (err != cudaSuccess || n == 0)
    {
      /* the runtime's text for a missing driver reads like a driver fault
       * on a machine that simply has no NVIDIA GPU */
      cudaDriverGetVersion (&driver);
      g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND, "no GPU: %s",
                   err == cudaSuccess || err == cudaErrorNoDevice ? "no NVIDIA GPU found"
                   : err == cudaErrorInsufficientDriver && driver == 0
                     ? "no NVIDIA GPU found (no NVIDIA driver is installed)"
                     : cudaGetErrorString (err));
      return FALSE;
    }
  if (!_trawl_cuda_libs_load (error))
    {
      g_prefix_error (error, "GPU found, but ");
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
  c->cin = g_new0 (gboolean, c->n.n_in + 1);
  c->tout = g_new0 (TrawlNnTensor *, c->n.n_out + 1);
  c->in = g_new0 (float *, c->n.n_in + 1);
  c->out = g_new0 (float *, c->n.n_out + 1);
  for (int i = 0; i < c->n.n_in; i++)
    if (c->n.in[i] >= 0)
      {
        TrawlNnValInfo vi;

        _trawl_nn_plan_value_info (cp->p, c->n.in[i], &vi);
        c->tin[i] = vi.t;
        c->cin[i] = vi.kind == TRAWL_NN_VAL_CONST;
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
  c->precision = cp->precision;
}

static void
node_ctx_clear (CudaNode *cn)
{
  if (cn->op && cn->op->free_state && cn->c.state)
    cn->op->free_state (cn->c.state);
  cn->c.state = NULL;
  g_clear_pointer (&cn->c.tin, g_free);
  g_clear_pointer (&cn->c.cin, g_free);
  g_clear_pointer (&cn->c.tout, g_free);
  g_clear_pointer (&cn->c.in, g_free);
  g_clear_pointer (&cn->c.out, g_free);
}

/* TRUE when value id lives in a graph input's storage (the input or a
 * view of it). */
static gboolean
input_rooted (TrawlNnCudaPlan *cp, int id)
{
  TrawlNnValInfo vi;

  _trawl_nn_plan_value_info (cp->p, id, &vi);
  return vi.kind == TRAWL_NN_VAL_INPUT
         || (vi.kind == TRAWL_NN_VAL_ARENA && vi.root_kind == TRAWL_NN_VAL_INPUT);
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
      if (ok <= 0 && op && op->free_state && cn->c.state)
        op->free_state (cn->c.state);
      if (ok <= 0)
        cn->c.state = NULL;
      if (ok < 0)
        return FALSE;
      if (ok == 0)
        {
          note_fallback (cn->c.n.op_type);
          for (int i = 0; i < cn->c.n.n_in; i++)
            if (cn->c.n.in[i] >= 0 && input_rooted (cp, cn->c.n.in[i]))
              cp->host_inputs = TRUE;
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
_trawl_nn_cuda_plan_new (TrawlNnPlan *p, TrawlNnPrecision precision, GError **error)
{
  TrawlNnCudaPlan *cp = g_new0 (TrawlNnCudaPlan, 1);
  TrawlNnGraph *g = _trawl_nn_plan_graph (p);
  gboolean *want_const;
  int err;

  cp->p = p;
  cp->precision = precision;
  cp->n_values = _trawl_nn_plan_n_values (p);
  cp->dptr = g_new0 (float *, MAX (cp->n_values, 1));
  cp->n_live = _trawl_nn_plan_n_live_nodes (p);
  cp->nodes = g_new0 (CudaNode, MAX (cp->n_live, 1));
  cp->n_inputs = trawl_nn_graph_n_inputs (g);
  cp->input_ids = g_new0 (int, MAX (cp->n_inputs, 1));
  for (int i = 0; i < cp->n_inputs; i++)
    cp->input_ids[i] = trawl_nn_graph_find_value (g, trawl_nn_graph_input_name (g, i));
  for (int i = 0; i < trawl_nn_graph_n_outputs (g); i++)
    if (input_rooted (cp, trawl_nn_graph_find_value (g, trawl_nn_graph_output_name (g, i))))
      cp->host_inputs = TRUE;
  if (!_trawl_cuda_libs_load (error))
    goto fail;
  if ((err = cudaStreamCreateWithFlags (&cp->stream, cudaStreamNonBlocking)))
    {
      cuda_fail (error, err, "stream");
      goto fail;
    }
  if ((err = cudaEventCreate (&cp->ev_start)) || (err = cudaEventCreate (&cp->ev_end)))
    {
      cuda_fail (error, err, "timing events");
      goto fail;
    }
  if (cudnnCreate (&cp->cudnn) != CUDNN_STATUS_SUCCESS
      || cudnnSetStream (cp->cudnn, cp->stream) != CUDNN_STATUS_SUCCESS)
    {
      g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND, "cuDNN: cannot create a handle");
      goto fail;
    }
  /* FP32: pedantic maths everywhere (no TF32), the outputs must match the
   * CPU's; TF32 and FP16 let cuBLAS use Tensor Cores */
  if (cublasCreate (&cp->cublas) != CUBLAS_STATUS_SUCCESS
      || cublasSetStream (cp->cublas, cp->stream) != CUBLAS_STATUS_SUCCESS
      || cublasSetMathMode (cp->cublas, _trawl_nn_cuda_blas_math (precision))
         != CUBLAS_STATUS_SUCCESS)
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
  /* the weight uploads were plain cudaMemcpy from pageable memory, which
   * may return before the DMA lands and is not ordered with our
   * non-blocking stream: settle them once here */
  if ((err = cudaDeviceSynchronize ()))
    {
      cuda_fail (error, err, "weight upload");
      goto fail;
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
    node_ctx_clear (&cp->nodes[r]);
  g_free (cp->nodes);
  g_free (cp->dptr);
  g_free (cp->input_ids);
  cudaFree (cp->d_arena);
  cudaFree (cp->d_weights);
  cudaFree (cp->d_inputs);
  cudaFree (cp->d_ws);
  if (cp->cublas)
    cublasDestroy (cp->cublas);
  if (cp->cudnn)
    cudnnDestroy (cp->cudnn);
  if (cp->ev_start)
    cudaEventDestroy (cp->ev_start);
  if (cp->ev_end)
    cudaEventDestroy (cp->ev_end);
  if (cp->stream)
    cudaStreamDestroy (cp->stream);
  g_free (cp);
}

void *
_trawl_nn_cuda_plan_input (TrawlNnCudaPlan *cp, int i)
{
  if (cp == NULL || i < 0 || i >= cp->n_inputs || cp->input_ids[i] < 0)
    return NULL;
  return cp->dptr[cp->input_ids[i]];
}

void *
_trawl_nn_cuda_plan_value_device (const TrawlNnCudaPlan *cp, int id)
{
  if (cp == NULL || id < 0 || id >= cp->n_values)
    return NULL;
  return cp->dptr[id];
}

gboolean
_trawl_nn_cuda_plan_needs_host_inputs (const TrawlNnCudaPlan *cp)
{
  return cp && cp->host_inputs;
}

void *
_trawl_nn_cuda_plan_stream (const TrawlNnCudaPlan *cp)
{
  return cp ? (void *) cp->stream : NULL;
}

double
_trawl_nn_cuda_plan_device_ms (const TrawlNnCudaPlan *cp)
{
  return cp ? cp->device_ms : 0.0;
}

char **
_trawl_nn_cuda_plan_check (TrawlNnPlan *p, TrawlNnPrecision precision, GError **error)
{
  TrawlNnCudaPlan cp = { 0 };
  GPtrArray *left = g_ptr_array_new ();
  gboolean ok = TRUE;

  cp.p = p;
  cp.precision = precision;
  cp.n_live = _trawl_nn_plan_n_live_nodes (p);
  cp.nodes = g_new0 (CudaNode, MAX (cp.n_live, 1));
  for (int r = 0; r < cp.n_live && ok; r++)
    {
      CudaNode *cn = &cp.nodes[r];
      int res = 0;

      node_ctx (&cp, r, &cn->c);
      cn->c.dry = TRUE;
      cn->op = _trawl_nn_cuda_find_op (cn->c.n.op_type);
      if (cn->op)
        res = cn->op->prepare (&cn->c, error);
      if (res < 0)
        ok = FALSE;
      else if (res == 0)
        g_ptr_array_add (left, g_strdup_printf ("%s %s", cn->c.n.op_type, cn->c.n.name));
      node_ctx_clear (cn);
    }
  g_free (cp.nodes);
  if (!ok)
    {
      g_ptr_array_set_free_func (left, g_free);
      g_ptr_array_unref (left);
      return NULL;
    }
  g_ptr_array_add (left, NULL);
  return (char **) g_ptr_array_free (left, FALSE);
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

/* Brings the graph inputs down to their host tensors (staged runs whose
 * CPU ops or outputs read them); ordered after whatever filled them. */
static int
download_inputs (TrawlNnCudaPlan *cp)
{
  int err = 0;

  for (int i = 0; i < cp->n_inputs && !err; i++)
    {
      int id = cp->input_ids[i];
      TrawlNnValInfo vi;

      if (id < 0 || cp->dptr[id] == NULL)
        continue;
      _trawl_nn_plan_value_info (cp->p, id, &vi);
      if (vi.t->data == NULL)
        return (int) cudaErrorInvalidValue;
      err = cudaMemcpyAsync (vi.t->data, cp->dptr[id], tbytes (vi.t), cudaMemcpyDeviceToHost,
                             cp->stream);
    }
  return err;
}

gboolean
_trawl_nn_cuda_plan_run (TrawlNnCudaPlan *cp, gboolean staged, gboolean keep_outputs,
                         GError **error)
{
  TrawlNnGraph *g = _trawl_nn_plan_graph (cp->p);
  float ms = 0;
  int err = 0;

  if ((err = cudaEventRecord (cp->ev_start, cp->stream)))
    return cuda_fail (error, err, "timing event");
  if (staged && cp->host_inputs && (err = download_inputs (cp)))
    return cuda_fail (error, err, "input download for CPU ops");
  for (int i = 0; i < cp->n_inputs && !staged; i++)
    {
      int id = cp->input_ids[i];
      TrawlNnValInfo vi;

      if (id < 0 || cp->dptr[id] == NULL)
        continue;
      _trawl_nn_plan_value_info (cp->p, id, &vi);
      if ((err = cudaMemcpyAsync (cp->dptr[id], vi.t->data, tbytes (vi.t),
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
  for (int i = 0; i < trawl_nn_graph_n_outputs (g) && !keep_outputs; i++)
    {
      TrawlNnValueId id = trawl_nn_graph_find_value (g, trawl_nn_graph_output_name (g, i));

      if ((err = stage (cp, id, TRUE)))
        return cuda_fail (error, err, "output download");
    }
  if ((err = cudaEventRecord (cp->ev_end, cp->stream)))
    return cuda_fail (error, err, "timing event");
  if ((err = cudaStreamSynchronize (cp->stream)))
    return cuda_fail (error, err, "run");
  if ((err = cudaEventElapsedTime (&ms, cp->ev_start, cp->ev_end)))
    return cuda_fail (error, err, "timing");
  cp->device_ms += ms;
  return TRUE;
}

const TrawlNnBackend _trawl_nn_cuda_backend = {
  .name = "cuda",
  .abi = TRAWL_NN_BACKEND_ABI,
  .available = _trawl_nn_cuda_available,
  .plan_new = _trawl_nn_cuda_plan_new,
  .plan_free = _trawl_nn_cuda_plan_free,
  .run = _trawl_nn_cuda_plan_run,
  .input_buffer = _trawl_nn_cuda_plan_input,
  .needs_host_inputs = _trawl_nn_cuda_plan_needs_host_inputs,
  .value_device = _trawl_nn_cuda_plan_value_device,
  .stream = _trawl_nn_cuda_plan_stream,
  .device_ms = _trawl_nn_cuda_plan_device_ms,
  .plan_check = _trawl_nn_cuda_plan_check,
};
