/* cuda-libs.c - every cuDNN and cuBLAS function the CUDA backend calls,
 * defined with its header's exact prototype (the compiler checks them
 * against cudnn.h and cublas_v2.h) and forwarding to the symbol that
 * src/base/cuda-dl.c finds in libcudnn.so.9 / libcublas.so.13 on first
 * use: the module is not linked against either, so loading it maps
 * neither, and a machine without them gets an error, not a failed start.
 * Part of the CUDA module only (the emulated GPU tests define these
 * functions themselves). */
#include "base/cuda-dl.h"

#include <cublas_v2.h>
#include <cudnn.h>

/* lib, return type, value when the library is missing, name, parameters,
 * arguments: every function of the two libraries that trawl calls. */
#define TRAWL_CUDA_DL_FUNCS \
  X (CUDNN, size_t, 0, cudnnGetVersion, (void), ()) \
  X (CUDNN, const char *, "cuDNN is not loaded", cudnnGetErrorString, (cudnnStatus_t status), (status)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnCreate, (cudnnHandle_t *handle), (handle)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnDestroy, (cudnnHandle_t handle), (handle)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnSetStream, (cudnnHandle_t handle, cudaStream_t streamId), (handle, streamId)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnCreateTensorDescriptor, (cudnnTensorDescriptor_t *tensorDesc), (tensorDesc)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnSetTensor4dDescriptor, (cudnnTensorDescriptor_t tensorDesc, cudnnTensorFormat_t format, cudnnDataType_t dataType, int n, int c, int h, int w), (tensorDesc, format, dataType, n, c, h, w)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnDestroyTensorDescriptor, (cudnnTensorDescriptor_t tensorDesc), (tensorDesc)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnCreateFilterDescriptor, (cudnnFilterDescriptor_t *filterDesc), (filterDesc)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnSetFilter4dDescriptor, (cudnnFilterDescriptor_t filterDesc, cudnnDataType_t dataType, cudnnTensorFormat_t format, int k, int c, int h, int w), (filterDesc, dataType, format, k, c, h, w)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnDestroyFilterDescriptor, (cudnnFilterDescriptor_t filterDesc), (filterDesc)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnCreateConvolutionDescriptor, (cudnnConvolutionDescriptor_t *convDesc), (convDesc)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnSetConvolution2dDescriptor, (cudnnConvolutionDescriptor_t convDesc, int pad_h, int pad_w, int u, int v, int dilation_h, int dilation_w, cudnnConvolutionMode_t mode, cudnnDataType_t computeType), (convDesc, pad_h, pad_w, u, v, dilation_h, dilation_w, mode, computeType)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnSetConvolutionGroupCount, (cudnnConvolutionDescriptor_t convDesc, int groupCount), (convDesc, groupCount)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnSetConvolutionMathType, (cudnnConvolutionDescriptor_t convDesc, cudnnMathType_t mathType), (convDesc, mathType)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnGetConvolution2dForwardOutputDim, (const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t inputTensorDesc, const cudnnFilterDescriptor_t filterDesc, int *n, int *c, int *h, int *w), (convDesc, inputTensorDesc, filterDesc, n, c, h, w)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnDestroyConvolutionDescriptor, (cudnnConvolutionDescriptor_t convDesc), (convDesc)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnCreateActivationDescriptor, (cudnnActivationDescriptor_t *activationDesc), (activationDesc)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnSetActivationDescriptor, (cudnnActivationDescriptor_t activationDesc, cudnnActivationMode_t mode, cudnnNanPropagation_t reluNanOpt, double coef), (activationDesc, mode, reluNanOpt, coef)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnDestroyActivationDescriptor, (cudnnActivationDescriptor_t activationDesc), (activationDesc)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnGetConvolutionForwardAlgorithm_v7, (cudnnHandle_t handle, const cudnnTensorDescriptor_t srcDesc, const cudnnFilterDescriptor_t filterDesc, const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t destDesc, const int requestedAlgoCount, int *returnedAlgoCount, cudnnConvolutionFwdAlgoPerf_t *perfResults), (handle, srcDesc, filterDesc, convDesc, destDesc, requestedAlgoCount, returnedAlgoCount, perfResults)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnGetConvolutionForwardWorkspaceSize, (cudnnHandle_t handle, const cudnnTensorDescriptor_t xDesc, const cudnnFilterDescriptor_t wDesc, const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t yDesc, cudnnConvolutionFwdAlgo_t algo, size_t *sizeInBytes), (handle, xDesc, wDesc, convDesc, yDesc, algo, sizeInBytes)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnConvolutionForward, (cudnnHandle_t handle, const void *alpha, const cudnnTensorDescriptor_t xDesc, const void *x, const cudnnFilterDescriptor_t wDesc, const void *w, const cudnnConvolutionDescriptor_t convDesc, cudnnConvolutionFwdAlgo_t algo, void *workSpace, size_t workSpaceSizeInBytes, const void *beta, const cudnnTensorDescriptor_t yDesc, void *y), (handle, alpha, xDesc, x, wDesc, w, convDesc, algo, workSpace, workSpaceSizeInBytes, beta, yDesc, y)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnConvolutionBiasActivationForward, (cudnnHandle_t handle, const void *alpha1, const cudnnTensorDescriptor_t xDesc, const void *x, const cudnnFilterDescriptor_t wDesc, const void *w, const cudnnConvolutionDescriptor_t convDesc, cudnnConvolutionFwdAlgo_t algo, void *workSpace, size_t workSpaceSizeInBytes, const void *alpha2, const cudnnTensorDescriptor_t zDesc, const void *z, const cudnnTensorDescriptor_t biasDesc, const void *bias, const cudnnActivationDescriptor_t activationDesc, const cudnnTensorDescriptor_t yDesc, void *y), (handle, alpha1, xDesc, x, wDesc, w, convDesc, algo, workSpace, workSpaceSizeInBytes, alpha2, zDesc, z, biasDesc, bias, activationDesc, yDesc, y)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnGetConvolutionBackwardDataAlgorithm_v7, (cudnnHandle_t handle, const cudnnFilterDescriptor_t filterDesc, const cudnnTensorDescriptor_t diffDesc, const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t gradDesc, const int requestedAlgoCount, int *returnedAlgoCount, cudnnConvolutionBwdDataAlgoPerf_t *perfResults), (handle, filterDesc, diffDesc, convDesc, gradDesc, requestedAlgoCount, returnedAlgoCount, perfResults)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnGetConvolutionBackwardDataWorkspaceSize, (cudnnHandle_t handle, const cudnnFilterDescriptor_t wDesc, const cudnnTensorDescriptor_t dyDesc, const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t dxDesc, cudnnConvolutionBwdDataAlgo_t algo, size_t *sizeInBytes), (handle, wDesc, dyDesc, convDesc, dxDesc, algo, sizeInBytes)) \
  X (CUDNN, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnConvolutionBackwardData, (cudnnHandle_t handle, const void *alpha, const cudnnFilterDescriptor_t wDesc, const void *w, const cudnnTensorDescriptor_t dyDesc, const void *dy, const cudnnConvolutionDescriptor_t convDesc, cudnnConvolutionBwdDataAlgo_t algo, void *workSpace, size_t workSpaceSizeInBytes, const void *beta, const cudnnTensorDescriptor_t dxDesc, void *dx), (handle, alpha, wDesc, w, dyDesc, dy, convDesc, algo, workSpace, workSpaceSizeInBytes, beta, dxDesc, dx)) \
  X (CUBLAS, cublasStatus_t, CUBLAS_STATUS_NOT_INITIALIZED, cublasCreate_v2, (cublasHandle_t* handle), (handle)) \
  X (CUBLAS, cublasStatus_t, CUBLAS_STATUS_NOT_INITIALIZED, cublasDestroy_v2, (cublasHandle_t handle), (handle)) \
  X (CUBLAS, cublasStatus_t, CUBLAS_STATUS_NOT_INITIALIZED, cublasSetStream_v2, (cublasHandle_t handle, cudaStream_t streamId), (handle, streamId)) \
  X (CUBLAS, cublasStatus_t, CUBLAS_STATUS_NOT_INITIALIZED, cublasSetMathMode, (cublasHandle_t handle, cublasMath_t mode), (handle, mode)) \
  X (CUBLAS, cublasStatus_t, CUBLAS_STATUS_NOT_INITIALIZED, cublasSgemm_v2, (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const float* alpha, const float* A, int lda, const float* B, int ldb, const float* beta, float* C, int ldc), (handle, transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc)) \
  X (CUBLAS, cublasStatus_t, CUBLAS_STATUS_NOT_INITIALIZED, cublasSgemmStridedBatched, (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const float* alpha, const float* A, int lda, long long int strideA, const float* B, int ldb, long long int strideB, const float* beta, float* C, int ldc, long long int strideC, int batchCount), (handle, transa, transb, m, n, k, alpha, A, lda, strideA, B, ldb, strideB, beta, C, ldc, strideC, batchCount)) \
  X (CUBLAS, cublasStatus_t, CUBLAS_STATUS_NOT_INITIALIZED, cublasGemmEx, (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const void* alpha, const void* A, cudaDataType Atype, int lda, const void* B, cudaDataType Btype, int ldb, const void* beta, void* C, cudaDataType Ctype, int ldc, cublasComputeType_t computeType, cublasGemmAlgo_t algo), (handle, transa, transb, m, n, k, alpha, A, Atype, lda, B, Btype, ldb, beta, C, Ctype, ldc, computeType, algo)) \
  X (CUBLAS, cublasStatus_t, CUBLAS_STATUS_NOT_INITIALIZED, cublasGemmStridedBatchedEx, (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const void* alpha, const void* A, cudaDataType Atype, int lda, long long int strideA, const void* B, cudaDataType Btype, int ldb, long long int strideB, const void* beta, void* C, cudaDataType Ctype, int ldc, long long int strideC, int batchCount, cublasComputeType_t computeType, cublasGemmAlgo_t algo), (handle, transa, transb, m, n, k, alpha, A, Atype, lda, strideA, B, Btype, ldb, strideB, beta, C, Ctype, ldc, strideC, batchCount, computeType, algo))

#define X(lib, ret, fail, name, params, args)                       \
  ret name params                                                   \
  {                                                                 \
    static gsize once;                                              \
    static ret (*fn) params;                                        \
    if (g_once_init_enter (&once))                                  \
      {                                                             \
        fn = (ret (*) params) _trawl_cuda_lib_sym (TRAWL_CUDA_LIB_##lib, #name); \
        g_once_init_leave (&once, 1);                               \
      }                                                             \
    return fn != NULL ? fn args : fail;                             \
  }
TRAWL_CUDA_DL_FUNCS
#undef X
