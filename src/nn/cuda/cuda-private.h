/* cuda-private.h - the CUDA backend's internals shared by its files: the
 * per-node context its ops see and the op table. Private to src/nn/cuda.
 *
 * A CUDA plan is a finished CPU plan (shapes, folding, fusion, memory
 * offsets; nn-plan.c) plus device storage and, per live node, either a
 * CUDA op from this table or the CPU op run on host copies (fallback). */
#pragma once

#include "nn/nn-private.h"
#include "nn-kernels.h"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

typedef struct {
  TrawlNnNodeInfo  n;
  TrawlNnTensor  **tin, **tout;   /* the plan's tensors (dims); NULL = absent input */
  float          **in, **out;     /* device pointers, same order */
  void            *state;         /* set by prepare, freed by the op's free_state */
  gsize            ws_bytes;      /* workspace the op needs (set by prepare) */
  void            *ws;            /* the plan's workspace, >= every op's ws_bytes */
  cudaStream_t     stream;
  cudnnHandle_t    cudnn;
  cublasHandle_t   cublas;
} CudaCtx;

/* prepare returns 1 when the node runs on the device, 0 when the CUDA op
 * does not cover this case (the CPU op runs it instead), -1 with error set
 * on a real failure. run queues the work on c->stream. */
typedef struct {
  const char *name;
  int       (*prepare) (CudaCtx *c, GError **error);
  gboolean  (*run) (CudaCtx *c, GError **error);
  void      (*free_state) (void *state);
} CudaOpDef;

const CudaOpDef *_trawl_nn_cuda_find_op (const char *op_type);

/* Error helpers: FALSE with error set naming the node. */
gboolean _trawl_nn_cuda_check (GError **error, const CudaCtx *c, int cuda_err, const char *what);
gboolean _trawl_nn_cudnn_check (GError **error, const CudaCtx *c, cudnnStatus_t st, const char *what);
gboolean _trawl_nn_cublas_check (GError **error, const CudaCtx *c, cublasStatus_t st, const char *what);
