/* cuda-private.h - the CUDA backend's internals shared by its files: its
 * plan, the per-node context its ops see and the op table. Private to
 * src/nn/cuda.
 *
 * A CUDA plan is a finished CPU plan (shapes, folding, fusion, memory
 * offsets; nn-plan.c) plus device storage and, per live node, either a
 * CUDA op from this table or the CPU op run on host copies (fallback).
 * The core reaches it only through _trawl_nn_cuda_backend (nn-backend.h). */
#pragma once

#include "base/cuda-dl.h"
#include "nn/nn-backend.h"
#include "nn-kernels.h"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

/* The backend's table (cuda-plan.c): what the module hands the core, and
 * what a program that links the backend in registers. */
extern const TrawlNnBackend _trawl_nn_cuda_backend;

/* The module's entry point (cuda-module.c, TRAWL_NN_BACKEND_ENTRY). */
const TrawlNnBackend *trawl_nn_backend_module_init (const TrawlNnCore *core, GError **error);

/* A CUDA plan is the backend plan of nn-backend.h; see that table for
 * what each of these does. */
typedef TrawlNnBackendPlan TrawlNnCudaPlan;

gboolean         _trawl_nn_cuda_available (GError **error);
TrawlNnCudaPlan *_trawl_nn_cuda_plan_new (TrawlNnPlan *plan, TrawlNnPrecision precision,
                                          GError **error);
gboolean         _trawl_nn_cuda_plan_run (TrawlNnCudaPlan *cp, gboolean staged,
                                          gboolean keep_outputs, GError **error);
void            *_trawl_nn_cuda_plan_value_device (const TrawlNnCudaPlan *cp, int id);
void             _trawl_nn_cuda_plan_free (TrawlNnCudaPlan *cp);
void            *_trawl_nn_cuda_plan_input (TrawlNnCudaPlan *cp, int i);
gboolean         _trawl_nn_cuda_plan_needs_host_inputs (const TrawlNnCudaPlan *cp);
void            *_trawl_nn_cuda_plan_stream (const TrawlNnCudaPlan *cp);
double           _trawl_nn_cuda_plan_device_ms (const TrawlNnCudaPlan *cp);
char           **_trawl_nn_cuda_plan_check (TrawlNnPlan *plan, TrawlNnPrecision precision,
                                            GError **error);

typedef struct {
  TrawlNnNodeInfo  n;
  TrawlNnTensor  **tin, **tout;   /* the plan's tensors (dims); NULL = absent input */
  gboolean        *cin;           /* per input: a plan-time constant (host data valid) */
  float          **in, **out;     /* device pointers, same order */
  void            *state;         /* set by prepare, freed by the op's free_state */
  gsize            ws_bytes;      /* workspace the op needs (set by prepare) */
  void            *ws;            /* the plan's workspace, >= every op's ws_bytes */
  cudaStream_t     stream;
  cudnnHandle_t    cudnn;
  cublasHandle_t   cublas;
  TrawlNnPrecision precision;     /* arithmetic of convolutions and matrix products */
  gboolean         dry;           /* coverage check only: no handles, no GPU; prepare
                                     stops before cuDNN algorithm choice and any
                                     device allocation */
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

/* ---- precision policy (pure functions: tested without a GPU) ---- */

/* The math type a convolution descriptor asks cuDNN for at this precision:
 * FMA (strict FP32), DEFAULT (TF32 allowed on Ampere and later) or
 * TENSOR_OP_MATH_ALLOW_CONVERSION (FP32 data converted to FP16 for Tensor
 * Cores). */
cudnnMathType_t     _trawl_nn_cuda_conv_math (TrawlNnPrecision precision);
/* Whether an algorithm cudnnGet*Algorithm_v7 ranked with math type m may
 * serve at this precision (FP32 takes FMA only; looser precisions take
 * anything as exact as themselves or more). */
gboolean            _trawl_nn_cuda_math_allowed (TrawlNnPrecision precision, cudnnMathType_t m);
/* cuBLAS compute type of MatMul/Gemm at this precision. */
cublasComputeType_t _trawl_nn_cuda_gemm_compute (TrawlNnPrecision precision);
/* cuBLAS handle math mode at this precision. */
cublasMath_t        _trawl_nn_cuda_blas_math (TrawlNnPrecision precision);
