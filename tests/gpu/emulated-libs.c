/* emulated-libs.c - the cuBLAS and cuDNN calls of the engine's CUDA
 * backend (MatMul/Gemm in cuda-ops.c, Conv/ConvTranspose in cuda-conv.c)
 * as plain loops on host memory, for test-cuda-ops-emulated. The
 * prototypes are the libraries' headers', so the compiler holds these to
 * the real signatures.
 *
 * Both libraries are emulated to their documented contracts, checks
 * included: cuBLAS is column-major and refuses leading dimensions smaller
 * than the matrices they describe (CUBLAS_STATUS_INVALID_VALUE); cuDNN
 * checks that the descriptors agree (input channels = filter channels x
 * groups, output dims = what the convolution gives) and that the
 * workspace is as large as it said. Beta (and cuDNN's alpha2) of 0 means
 * the output is not read, as documented (new device memory is NaN here,
 * so a read would show). The convolution's workspace is scribbled on
 * before the input is read, so a workspace that overlaps the pre-padded
 * input (cuda-conv.c) corrupts the result as it could on a GPU. */
#include "emulated-device.h"

#include <cublas_v2.h>
#include <cudnn.h>
#include <string.h>

/* ---- cuBLAS ---- */

struct cublasContext {
  cudaStream_t stream;
  cublasMath_t math;
};

cublasStatus_t
cublasCreate_v2 (cublasHandle_t *handle)
{
  *handle = g_new0 (struct cublasContext, 1);
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t
cublasDestroy_v2 (cublasHandle_t handle)
{
  g_free (handle);
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t
cublasSetStream_v2 (cublasHandle_t handle, cudaStream_t streamId)
{
  handle->stream = streamId;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t
cublasSetMathMode (cublasHandle_t handle, cublasMath_t mode)
{
  handle->math = mode;
  return CUBLAS_STATUS_SUCCESS;
}

/* Checks one operand of a batched product: rows x cols at leading
 * dimension ld, batch copies stride apart. */
static gboolean
operand_ok (const float *p, int rows, int cols, int ld, long long stride, int batch,
            const char *what)
{
  int64_t last = rows > 0 && cols > 0 ? (int64_t) (cols - 1) * ld + rows : 0;
  int64_t lo = 0, hi = last, far = (int64_t) (batch - 1) * stride;

  if (last == 0)
    return TRUE;
  if (far < 0)
    lo = far;
  else
    hi += far;
  return emu_dev_range (p, lo * 4, hi * 4, what);
}

/* C = alpha op(A) op(B) + beta C, column-major, batch times. */
static cublasStatus_t
gemm (cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
      const float *alpha, const float *A, int lda, long long sA, const float *B, int ldb,
      long long sB, const float *beta, float *C, int ldc, long long sC, int batch,
      const char *what)
{
  gboolean tra = ta != CUBLAS_OP_N, trb = tb != CUBLAS_OP_N;

  if (!emu_stream_ok (h->stream, what))
    return CUBLAS_STATUS_EXECUTION_FAILED;
  if (m < 0 || n < 0 || k < 0 || batch < 0 || lda < MAX (1, tra ? k : m)
      || ldb < MAX (1, trb ? n : k) || ldc < MAX (1, m))
    {
      emu_violation ("%s: m %d n %d k %d, lda %d ldb %d ldc %d (op %s %s): a leading dimension "
                     "is smaller than its matrix", what, m, n, k, lda, ldb, ldc,
                     tra ? "T" : "N", trb ? "T" : "N");
      return CUBLAS_STATUS_INVALID_VALUE;
    }
  if (emu_is_dev (alpha) || emu_is_dev (beta))
    {
      emu_violation ("%s: alpha/beta in device memory with the host pointer mode", what);
      return CUBLAS_STATUS_INVALID_VALUE;
    }
  if (m == 0 || n == 0 || batch == 0)
    return CUBLAS_STATUS_SUCCESS;
  if ((k > 0 && (!operand_ok (A, tra ? k : m, tra ? m : k, lda, sA, batch, "gemm A")
                 || !operand_ok (B, trb ? n : k, trb ? k : n, ldb, sB, batch, "gemm B")))
      || !operand_ok (C, m, n, ldc, sC, batch, "gemm C"))
    return CUBLAS_STATUS_EXECUTION_FAILED;
  emu_count_launch ();
  for (int b = 0; b < batch; b++)
    {
      const float *a = A + b * sA, *bb = B + b * sB;
      float *c = C + b * sC;

      for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++)
          {
            double acc = 0;

            for (int l = 0; l < k; l++)
              acc += (double) (tra ? a[l + (int64_t) i * lda] : a[i + (int64_t) l * lda])
                     * (trb ? bb[j + (int64_t) l * ldb] : bb[l + (int64_t) j * ldb]);
            c[i + (int64_t) j * ldc] = (float) (*alpha * acc
                                                + (*beta != 0.0f ? *beta * c[i + (int64_t) j * ldc] : 0.0f));
          }
    }
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t
cublasSgemm_v2 (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m,
                int n, int k, const float *alpha, const float *A, int lda, const float *B, int ldb,
                const float *beta, float *C, int ldc)
{
  return gemm (handle, transa, transb, m, n, k, alpha, A, lda, 0, B, ldb, 0, beta, C, ldc, 0, 1,
               "cublasSgemm");
}

cublasStatus_t
cublasSgemmStridedBatched (cublasHandle_t handle, cublasOperation_t transa,
                           cublasOperation_t transb, int m, int n, int k, const float *alpha,
                           const float *A, int lda, long long int strideA, const float *B, int ldb,
                           long long int strideB, const float *beta, float *C, int ldc,
                           long long int strideC, int batchCount)
{
  return gemm (handle, transa, transb, m, n, k, alpha, A, lda, strideA, B, ldb, strideB, beta, C,
               ldc, strideC, batchCount, "cublasSgemmStridedBatched");
}

static gboolean
ex_types_ok (cudaDataType a, cudaDataType b, cudaDataType c, cublasComputeType_t ct,
             const char *what)
{
  if (a != CUDA_R_32F || b != CUDA_R_32F || c != CUDA_R_32F
      || (ct != CUBLAS_COMPUTE_32F && ct != CUBLAS_COMPUTE_32F_PEDANTIC
          && ct != CUBLAS_COMPUTE_32F_FAST_TF32 && ct != CUBLAS_COMPUTE_32F_FAST_16F))
    {
      emu_violation ("%s: data types %d %d %d, compute type %d", what, (int) a, (int) b, (int) c,
                     (int) ct);
      return FALSE;
    }
  return TRUE;
}

cublasStatus_t
cublasGemmEx (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m,
              int n, int k, const void *alpha, const void *A, cudaDataType Atype, int lda,
              const void *B, cudaDataType Btype, int ldb, const void *beta, void *C,
              cudaDataType Ctype, int ldc, cublasComputeType_t computeType,
              cublasGemmAlgo_t algo)
{
  (void) algo;
  if (!ex_types_ok (Atype, Btype, Ctype, computeType, "cublasGemmEx"))
    return CUBLAS_STATUS_NOT_SUPPORTED;
  return gemm (handle, transa, transb, m, n, k, alpha, A, lda, 0, B, ldb, 0, beta, C, ldc, 0, 1,
               "cublasGemmEx");
}

cublasStatus_t
cublasGemmStridedBatchedEx (cublasHandle_t handle, cublasOperation_t transa,
                            cublasOperation_t transb, int m, int n, int k, const void *alpha,
                            const void *A, cudaDataType Atype, int lda, long long int strideA,
                            const void *B, cudaDataType Btype, int ldb, long long int strideB,
                            const void *beta, void *C, cudaDataType Ctype, int ldc,
                            long long int strideC, int batchCount,
                            cublasComputeType_t computeType, cublasGemmAlgo_t algo)
{
  (void) algo;
  if (!ex_types_ok (Atype, Btype, Ctype, computeType, "cublasGemmStridedBatchedEx"))
    return CUBLAS_STATUS_NOT_SUPPORTED;
  return gemm (handle, transa, transb, m, n, k, alpha, A, lda, strideA, B, ldb, strideB, beta, C,
               ldc, strideC, batchCount, "cublasGemmStridedBatchedEx");
}

/* ---- cuDNN ---- */

struct cudnnContext { cudaStream_t stream; };
struct cudnnTensorStruct { int set, n, c, h, w; };
struct cudnnFilterStruct { int set, k, c, h, w; };
struct cudnnConvolutionStruct {
  int set, ph, pw, sh, sw, dh, dw, groups;
  cudnnMathType_t math;
};
struct cudnnActivationStruct { int set; cudnnActivationMode_t mode; };

#define FWD_WS 4096   /* what the fake algorithms ask for */

const char *
cudnnGetErrorString (cudnnStatus_t status)
{
  return status == CUDNN_STATUS_SUCCESS ? "success (emulated)" : "failure (emulated cuDNN)";
}

cudnnStatus_t
cudnnCreate (cudnnHandle_t *handle)
{
  *handle = g_new0 (struct cudnnContext, 1);
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnDestroy (cudnnHandle_t handle)
{
  g_free (handle);
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnSetStream (cudnnHandle_t handle, cudaStream_t streamId)
{
  handle->stream = streamId;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnCreateTensorDescriptor (cudnnTensorDescriptor_t *d)
{
  *d = g_new0 (struct cudnnTensorStruct, 1);
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnDestroyTensorDescriptor (cudnnTensorDescriptor_t d)
{
  g_free (d);
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnCreateFilterDescriptor (cudnnFilterDescriptor_t *d)
{
  *d = g_new0 (struct cudnnFilterStruct, 1);
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnDestroyFilterDescriptor (cudnnFilterDescriptor_t d)
{
  g_free (d);
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnCreateConvolutionDescriptor (cudnnConvolutionDescriptor_t *d)
{
  *d = g_new0 (struct cudnnConvolutionStruct, 1);
  (*d)->groups = 1;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnDestroyConvolutionDescriptor (cudnnConvolutionDescriptor_t d)
{
  g_free (d);
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnCreateActivationDescriptor (cudnnActivationDescriptor_t *d)
{
  *d = g_new0 (struct cudnnActivationStruct, 1);
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnDestroyActivationDescriptor (cudnnActivationDescriptor_t d)
{
  g_free (d);
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnSetTensor4dDescriptor (cudnnTensorDescriptor_t d, cudnnTensorFormat_t format,
                            cudnnDataType_t dataType, int n, int c, int h, int w)
{
  if (format != CUDNN_TENSOR_NCHW || dataType != CUDNN_DATA_FLOAT || n < 1 || c < 1 || h < 1
      || w < 1)
    return CUDNN_STATUS_BAD_PARAM;
  *d = (struct cudnnTensorStruct) { 1, n, c, h, w };
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnSetFilter4dDescriptor (cudnnFilterDescriptor_t d, cudnnDataType_t dataType,
                            cudnnTensorFormat_t format, int k, int c, int h, int w)
{
  if (format != CUDNN_TENSOR_NCHW || dataType != CUDNN_DATA_FLOAT || k < 1 || c < 1 || h < 1
      || w < 1)
    return CUDNN_STATUS_BAD_PARAM;
  *d = (struct cudnnFilterStruct) { 1, k, c, h, w };
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnSetConvolution2dDescriptor (cudnnConvolutionDescriptor_t d, int pad_h, int pad_w, int u,
                                 int v, int dilation_h, int dilation_w,
                                 cudnnConvolutionMode_t mode, cudnnDataType_t computeType)
{
  if (pad_h < 0 || pad_w < 0 || u < 1 || v < 1 || dilation_h < 1 || dilation_w < 1
      || computeType != CUDNN_DATA_FLOAT)
    return CUDNN_STATUS_BAD_PARAM;
  if (mode != CUDNN_CROSS_CORRELATION)
    return CUDNN_STATUS_NOT_SUPPORTED;   /* not emulated */
  d->set = 1;
  d->ph = pad_h; d->pw = pad_w; d->sh = u; d->sw = v; d->dh = dilation_h; d->dw = dilation_w;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnSetConvolutionGroupCount (cudnnConvolutionDescriptor_t d, int groupCount)
{
  if (groupCount < 1)
    return CUDNN_STATUS_BAD_PARAM;
  d->groups = groupCount;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnSetConvolutionMathType (cudnnConvolutionDescriptor_t d, cudnnMathType_t mathType)
{
  d->math = mathType;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnSetActivationDescriptor (cudnnActivationDescriptor_t d, cudnnActivationMode_t mode,
                              cudnnNanPropagation_t reluNanOpt, double coef)
{
  (void) reluNanOpt;
  (void) coef;
  d->set = 1;
  d->mode = mode;
  return CUDNN_STATUS_SUCCESS;
}

/* Output dims of x conv w, or FALSE when the descriptors disagree. */
static gboolean
out_dims (cudnnConvolutionDescriptor_t cv, cudnnTensorDescriptor_t x, cudnnFilterDescriptor_t w,
          int *n, int *c, int *h, int *wo)
{
  if (!cv->set || !x->set || !w->set || x->c != w->c * cv->groups || w->k % cv->groups != 0)
    return FALSE;
  *n = x->n;
  *c = w->k;
  *h = 1 + (x->h + 2 * cv->ph - ((w->h - 1) * cv->dh + 1)) / cv->sh;
  *wo = 1 + (x->w + 2 * cv->pw - ((w->w - 1) * cv->dw + 1)) / cv->sw;
  return *h > 0 && *wo > 0;
}

cudnnStatus_t
cudnnGetConvolution2dForwardOutputDim (const cudnnConvolutionDescriptor_t convDesc,
                                       const cudnnTensorDescriptor_t inputTensorDesc,
                                       const cudnnFilterDescriptor_t filterDesc, int *n, int *c,
                                       int *h, int *w)
{
  return out_dims (convDesc, inputTensorDesc, filterDesc, n, c, h, w) ? CUDNN_STATUS_SUCCESS
                                                                      : CUDNN_STATUS_BAD_PARAM;
}

static gboolean
same_dims (cudnnConvolutionDescriptor_t cv, cudnnTensorDescriptor_t x, cudnnFilterDescriptor_t w,
           cudnnTensorDescriptor_t y, const char *what)
{
  int n, c, h, wo;

  if (!out_dims (cv, x, w, &n, &c, &h, &wo) || !y->set || n != y->n || c != y->c || h != y->h
      || wo != y->w)
    {
      emu_violation ("%s: descriptors disagree (x %dx%dx%dx%d, w %dx%dx%dx%d, groups %d, y "
                     "%dx%dx%dx%d)", what, x->n, x->c, x->h, x->w, w->k, w->c, w->h, w->w,
                     cv->groups, y->n, y->c, y->h, y->w);
      return FALSE;
    }
  return TRUE;
}

/* Two ranked algorithms: a Tensor Core one (which FP32 must refuse) and
 * an FMA one; each wants a workspace. */
cudnnStatus_t
cudnnGetConvolutionForwardAlgorithm_v7 (cudnnHandle_t handle, const cudnnTensorDescriptor_t srcDesc,
                                        const cudnnFilterDescriptor_t filterDesc,
                                        const cudnnConvolutionDescriptor_t convDesc,
                                        const cudnnTensorDescriptor_t destDesc,
                                        const int requestedAlgoCount, int *returnedAlgoCount,
                                        cudnnConvolutionFwdAlgoPerf_t *perfResults)
{
  (void) handle;
  if (!same_dims (convDesc, srcDesc, filterDesc, destDesc, "cudnnGetConvolutionForwardAlgorithm_v7"))
    return CUDNN_STATUS_BAD_PARAM;
  *returnedAlgoCount = MIN (requestedAlgoCount, 2);
  memset (perfResults, 0, sizeof *perfResults * *returnedAlgoCount);
  perfResults[0] = (cudnnConvolutionFwdAlgoPerf_t) {
    CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, CUDNN_STATUS_SUCCESS, 0.1f, FWD_WS,
    CUDNN_DETERMINISTIC, CUDNN_TENSOR_OP_MATH, { 0 } };
  if (*returnedAlgoCount > 1)
    perfResults[1] = (cudnnConvolutionFwdAlgoPerf_t) {
      CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, CUDNN_STATUS_SUCCESS, 0.2f, FWD_WS,
      CUDNN_DETERMINISTIC, CUDNN_FMA_MATH, { 0 } };
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnGetConvolutionForwardWorkspaceSize (cudnnHandle_t handle, const cudnnTensorDescriptor_t xDesc,
                                         const cudnnFilterDescriptor_t wDesc,
                                         const cudnnConvolutionDescriptor_t convDesc,
                                         const cudnnTensorDescriptor_t yDesc,
                                         cudnnConvolutionFwdAlgo_t algo, size_t *sizeInBytes)
{
  (void) handle; (void) algo;
  if (!same_dims (convDesc, xDesc, wDesc, yDesc, "cudnnGetConvolutionForwardWorkspaceSize"))
    return CUDNN_STATUS_BAD_PARAM;
  *sizeInBytes = FWD_WS;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnGetConvolutionBackwardDataAlgorithm_v7 (cudnnHandle_t handle,
                                             const cudnnFilterDescriptor_t filterDesc,
                                             const cudnnTensorDescriptor_t diffDesc,
                                             const cudnnConvolutionDescriptor_t convDesc,
                                             const cudnnTensorDescriptor_t gradDesc,
                                             const int requestedAlgoCount, int *returnedAlgoCount,
                                             cudnnConvolutionBwdDataAlgoPerf_t *perfResults)
{
  (void) handle;
  if (!same_dims (convDesc, gradDesc, filterDesc, diffDesc,
                  "cudnnGetConvolutionBackwardDataAlgorithm_v7"))
    return CUDNN_STATUS_BAD_PARAM;
  *returnedAlgoCount = MIN (requestedAlgoCount, 2);
  memset (perfResults, 0, sizeof *perfResults * *returnedAlgoCount);
  /* a non-deterministic one first: the backend must prefer the other */
  perfResults[0] = (cudnnConvolutionBwdDataAlgoPerf_t) {
    CUDNN_CONVOLUTION_BWD_DATA_ALGO_0, CUDNN_STATUS_SUCCESS, 0.1f, FWD_WS,
    CUDNN_NON_DETERMINISTIC, CUDNN_FMA_MATH, { 0 } };
  if (*returnedAlgoCount > 1)
    perfResults[1] = (cudnnConvolutionBwdDataAlgoPerf_t) {
      CUDNN_CONVOLUTION_BWD_DATA_ALGO_1, CUDNN_STATUS_SUCCESS, 0.2f, FWD_WS,
      CUDNN_DETERMINISTIC, CUDNN_FMA_MATH, { 0 } };
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnGetConvolutionBackwardDataWorkspaceSize (cudnnHandle_t handle,
                                              const cudnnFilterDescriptor_t wDesc,
                                              const cudnnTensorDescriptor_t dyDesc,
                                              const cudnnConvolutionDescriptor_t convDesc,
                                              const cudnnTensorDescriptor_t dxDesc,
                                              cudnnConvolutionBwdDataAlgo_t algo,
                                              size_t *sizeInBytes)
{
  (void) handle; (void) algo;
  if (!same_dims (convDesc, dxDesc, wDesc, dyDesc, "cudnnGetConvolutionBackwardDataWorkspaceSize"))
    return CUDNN_STATUS_BAD_PARAM;
  *sizeInBytes = FWD_WS;
  return CUDNN_STATUS_SUCCESS;
}

static int64_t
tnumel (cudnnTensorDescriptor_t t)
{
  return (int64_t) t->n * t->c * t->h * t->w;
}

/* The checks every run shares: stream, shapes, pointers, workspace
 * (scribbled with NaN bytes first: the algorithm's scratch). */
static gboolean
conv_call_ok (cudnnHandle_t h, cudnnTensorDescriptor_t x, const void *xp,
              cudnnFilterDescriptor_t w, const void *wp, cudnnConvolutionDescriptor_t cv,
              cudnnTensorDescriptor_t y, const void *yp, void *ws, size_t ws_bytes,
              const char *what)
{
  if (!emu_stream_ok (h->stream, what) || !same_dims (cv, x, w, y, what))
    return FALSE;
  if (ws_bytes < FWD_WS)
    {
      emu_violation ("%s: a %zu-byte workspace, the algorithm asked for %d", what, ws_bytes, FWD_WS);
      return FALSE;
    }
  if (!emu_dev_range (ws, 0, FWD_WS, "convolution workspace")
      || !emu_dev_range (xp, 0, tnumel (x) * 4, "convolution x")
      || !emu_dev_range (wp, 0, (int64_t) w->k * w->c * w->h * w->w * 4, "convolution w")
      || !emu_dev_range (yp, 0, tnumel (y) * 4, "convolution y"))
    return FALSE;
  memset (ws, 0xff, FWD_WS);
  emu_count_launch ();
  return TRUE;
}

/* acc[n, k, p, q] = sum x * w over the window (forward cross-correlation).
 * Summed in double, tap by tap over whole output rows (cache-friendly: the
 * pipeline test runs whole networks through this), one (n, k) plane per
 * thread. Each output still adds its taps in (c, r, t) order, as the
 * one-output-at-a-time loop did, whatever the threads. */
static void
conv_fwd (cudnnConvolutionDescriptor_t cv, cudnnTensorDescriptor_t x, const float *xp,
          cudnnFilterDescriptor_t w, const float *wp, cudnnTensorDescriptor_t y, double *acc)
{
  int kg = w->k / cv->groups;
  int64_t planes = (int64_t) y->n * y->c, hw = (int64_t) y->h * y->w;

#pragma omp parallel for schedule(dynamic) if (planes * hw * w->c * w->h * w->w > 1000000)
  for (int64_t nk = 0; nk < planes; nk++)
    {
      int n = (int) (nk / y->c), k = (int) (nk % y->c), g = k / kg;
      double *out = acc + nk * hw;

      for (int64_t i = 0; i < hw; i++)
        out[i] = 0;
      for (int c = 0; c < w->c; c++)
        for (int r = 0; r < w->h; r++)
          for (int t = 0; t < w->w; t++)
            {
              double wv = wp[(((int64_t) k * w->c + c) * w->h + r) * w->w + t];
              const float *plane = xp + ((int64_t) n * x->c + g * w->c + c) * x->h * x->w;
              /* the output columns whose input column is inside: q0 <= q < q1 */
              int off = t * cv->dw - cv->pw, q0 = 0, q1 = y->w;

              while (q0 < q1 && q0 * cv->sw + off < 0)
                q0++;
              while (q1 > q0 && (q1 - 1) * cv->sw + off >= x->w)
                q1--;
              for (int p = 0; p < y->h; p++)
                {
                  int ih = p * cv->sh - cv->ph + r * cv->dh;
                  double *o = out + (int64_t) p * y->w;

                  if (ih < 0 || ih >= x->h)
                    continue;
                  const float *row = plane + (int64_t) ih * x->w;
                  if (cv->sw == 1)
                    for (int q = q0; q < q1; q++)
                      o[q] += (double) row[q + off] * wv;
                  else
                    for (int q = q0; q < q1; q++)
                      o[q] += (double) row[q * cv->sw + off] * wv;
                }
            }
    }
}

cudnnStatus_t
cudnnConvolutionForward (cudnnHandle_t handle, const void *alpha,
                         const cudnnTensorDescriptor_t xDesc, const void *x,
                         const cudnnFilterDescriptor_t wDesc, const void *w,
                         const cudnnConvolutionDescriptor_t convDesc,
                         cudnnConvolutionFwdAlgo_t algo, void *workSpace,
                         size_t workSpaceSizeInBytes, const void *beta,
                         const cudnnTensorDescriptor_t yDesc, void *y)
{
  int64_t n = tnumel (yDesc);
  double *acc;
  float a = *(const float *) alpha, b = *(const float *) beta;
  float *yp = y;

  (void) algo;
  if (!conv_call_ok (handle, xDesc, x, wDesc, w, convDesc, yDesc, y, workSpace,
                     workSpaceSizeInBytes, "cudnnConvolutionForward"))
    return CUDNN_STATUS_BAD_PARAM;
  acc = g_new (double, n);
  conv_fwd (convDesc, xDesc, x, wDesc, w, yDesc, acc);
  for (int64_t i = 0; i < n; i++)
    yp[i] = (float) (a * acc[i] + (b != 0.0f ? b * yp[i] : 0.0));
  g_free (acc);
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnConvolutionBiasActivationForward (cudnnHandle_t handle, const void *alpha1,
                                       const cudnnTensorDescriptor_t xDesc, const void *x,
                                       const cudnnFilterDescriptor_t wDesc, const void *w,
                                       const cudnnConvolutionDescriptor_t convDesc,
                                       cudnnConvolutionFwdAlgo_t algo, void *workSpace,
                                       size_t workSpaceSizeInBytes, const void *alpha2,
                                       const cudnnTensorDescriptor_t zDesc, const void *z,
                                       const cudnnTensorDescriptor_t biasDesc, const void *bias,
                                       const cudnnActivationDescriptor_t activationDesc,
                                       const cudnnTensorDescriptor_t yDesc, void *y)
{
  int64_t n = tnumel (yDesc), hw = (int64_t) yDesc->h * yDesc->w;
  double *acc;
  float a1 = *(const float *) alpha1, a2 = *(const float *) alpha2;
  const float *zp = z, *bp = bias;
  float *yp = y;

  (void) algo;
  if (!conv_call_ok (handle, xDesc, x, wDesc, w, convDesc, yDesc, y, workSpace,
                     workSpaceSizeInBytes, "cudnnConvolutionBiasActivationForward"))
    return CUDNN_STATUS_BAD_PARAM;
  if (!biasDesc->set || biasDesc->n != 1 || biasDesc->c != yDesc->c || biasDesc->h != 1
      || biasDesc->w != 1 || !zDesc->set || tnumel (zDesc) != n || !activationDesc->set
      || activationDesc->mode != CUDNN_ACTIVATION_RELU
      || !emu_dev_range (bias, 0, (int64_t) yDesc->c * 4, "convolution bias")
      || (a2 != 0.0f && !emu_dev_range (z, 0, n * 4, "convolution z")))
    {
      emu_violation ("cudnnConvolutionBiasActivationForward: bad bias, z or activation");
      return CUDNN_STATUS_BAD_PARAM;
    }
  acc = g_new (double, n);
  conv_fwd (convDesc, xDesc, x, wDesc, w, yDesc, acc);
  for (int64_t i = 0; i < n; i++)
    {
      double v = a1 * acc[i] + (a2 != 0.0f ? a2 * zp[i] : 0.0) + bp[(i / hw) % yDesc->c];

      yp[i] = (float) (v > 0 ? v : 0);
    }
  g_free (acc);
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t
cudnnConvolutionBackwardData (cudnnHandle_t handle, const void *alpha,
                              const cudnnFilterDescriptor_t wDesc, const void *w,
                              const cudnnTensorDescriptor_t dyDesc, const void *dy,
                              const cudnnConvolutionDescriptor_t convDesc,
                              cudnnConvolutionBwdDataAlgo_t algo, void *workSpace,
                              size_t workSpaceSizeInBytes, const void *beta,
                              const cudnnTensorDescriptor_t dxDesc, void *dx)
{
  const cudnnConvolutionDescriptor_t cv = convDesc;
  const float *wp = w, *dyp = dy;
  float *dxp = dx;
  float a = *(const float *) alpha, b = *(const float *) beta;
  int64_t n = tnumel (dxDesc);
  double *acc;
  int kg;

  (void) algo;
  if (!conv_call_ok (handle, dxDesc, dx, wDesc, w, convDesc, dyDesc, dy, workSpace,
                     workSpaceSizeInBytes, "cudnnConvolutionBackwardData"))
    return CUDNN_STATUS_BAD_PARAM;
  kg = wDesc->k / cv->groups;
  acc = g_new0 (double, n);
  for (int in = 0; in < dyDesc->n; in++)
    for (int k = 0; k < dyDesc->c; k++)
      for (int p = 0; p < dyDesc->h; p++)
        for (int q = 0; q < dyDesc->w; q++)
          {
            double g = dyp[(((int64_t) in * dyDesc->c + k) * dyDesc->h + p) * dyDesc->w + q];
            int grp = k / kg;

            for (int c = 0; c < wDesc->c; c++)
              for (int r = 0; r < wDesc->h; r++)
                for (int t = 0; t < wDesc->w; t++)
                  {
                    int ih = p * cv->sh - cv->ph + r * cv->dh, iw = q * cv->sw - cv->pw + t * cv->dw;

                    if (ih < 0 || ih >= dxDesc->h || iw < 0 || iw >= dxDesc->w)
                      continue;
                    acc[(((int64_t) in * dxDesc->c + grp * wDesc->c + c) * dxDesc->h + ih)
                        * dxDesc->w + iw]
                      += g * wp[(((int64_t) k * wDesc->c + c) * wDesc->h + r) * wDesc->w + t];
                  }
          }
  for (int64_t i = 0; i < n; i++)
    dxp[i] = (float) (a * acc[i] + (b != 0.0f ? b * dxp[i] : 0.0));
  g_free (acc);
  return CUDNN_STATUS_SUCCESS;
}

/* The loaders of cuDNN and cuBLAS (src/base/cuda-dl.c in the real build;
 * the name has moved once): here the libraries are this file. */
gboolean _trawl_cuda_libs_load (GError **error);
gboolean _trawl_nn_cuda_libs_load (GError **error);
int      _trawl_cuda_cudnn_version (void);

gboolean
_trawl_cuda_libs_load (GError **error)
{
  (void) error;
  return TRUE;
}

gboolean
_trawl_nn_cuda_libs_load (GError **error)
{
  (void) error;
  return TRUE;
}

/* The header's version: the "loaded" library is the one compiled against. */
int
_trawl_cuda_cudnn_version (void)
{
  return CUDNN_VERSION;
}
