/* cuda-dl.c - cuDNN and cuBLAS, loaded when the first CUDA plan needs them
 * rather than by the dynamic linker at start.
 *
 * Why: linking them made every run of a CUDA build map about 200 MB of
 * libraries (trawl --help: 250 MB RSS against 33 MB for a CPU-only build)
 * and made the binary refuse to start where cuDNN is not installed, even
 * for the CPU path. Here each cuDNN/cuBLAS function the backend calls is
 * defined with its header's exact prototype (the compiler checks them
 * against cudnn.h and cublas_v2.h) and forwards to the symbol found in
 * libcudnn.so.9 / libcublas.so.13 on first use. The CUDA runtime itself is
 * linked statically (cudart_static) and loads the driver on its own.
 *
 * Where the libraries are looked for: the loader's usual path
 * (LD_LIBRARY_PATH, ld.so.cache), then $CUDA_HOME/lib64, $CUDNN_HOME/lib64
 * and /usr/local/cuda/lib64. */
#include "base/cuda-dl.h"
#include "trawl/base.h"

#include <cublas_v2.h>
#include <cudnn.h>
#include <gmodule.h>

typedef struct {
  const char *what;        /* for messages */
  const char *soname;
  GModule    *module;
  char       *error;       /* why it could not be loaded */
} Lib;

static Lib cudnn_lib = { "cuDNN 9", "libcudnn.so.9", NULL, NULL };
static Lib cublas_lib = { "cuBLAS 13", "libcublas.so.13", NULL, NULL };

static GModule *
open_in (const char *dir, const char *soname)
{
  g_autofree char *path = dir ? g_build_filename (dir, soname, NULL) : g_strdup (soname);

  return g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
}

static gpointer
load_once (gpointer data)
{
  Lib *lib = data;
  const char *homes[] = { g_getenv ("CUDA_HOME"), g_getenv ("CUDNN_HOME"), "/usr/local/cuda" };

  lib->module = open_in (NULL, lib->soname);
  for (guint i = 0; lib->module == NULL && i < G_N_ELEMENTS (homes); i++)
    if (homes[i] != NULL)
      {
        g_autofree char *dir = g_build_filename (homes[i], "lib64", NULL);
        lib->module = open_in (dir, lib->soname);
      }
  if (lib->module == NULL)
    lib->error = g_strdup_printf ("%s not found (%s): install it or use the CPU (--device cpu)",
                                  lib->what, lib->soname);
  return NULL;
}

static gboolean
lib_load (Lib *lib)
{
  static GOnce once_cudnn = G_ONCE_INIT, once_cublas = G_ONCE_INIT;

  g_once (lib == &cudnn_lib ? &once_cudnn : &once_cublas, load_once, lib);
  return lib->module != NULL;
}

/* The address of name in lib, or NULL (the wrapper then fails the call
 * the way the library reports an uninitialised handle). */
static gpointer
lib_sym (Lib *lib, const char *name)
{
  gpointer p = NULL;

  if (lib_load (lib) && !g_module_symbol (lib->module, name, &p))
    p = NULL;
  return p;
}

gboolean
_trawl_cuda_libs_load (GError **error)
{
  Lib *libs[] = { &cudnn_lib, &cublas_lib };

  for (guint i = 0; i < G_N_ELEMENTS (libs); i++)
    if (!lib_load (libs[i]))
      {
        g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND, "%s", libs[i]->error);
        return FALSE;
      }
  return TRUE;
}

int
_trawl_cuda_cudnn_version (void)
{
  return lib_load (&cudnn_lib) ? (int) cudnnGetVersion () : 0;
}

/* lib, return type, value when the library is missing, name, parameters,
 * arguments: every function of the two libraries that trawl calls. */
#define TRAWL_CUDA_DL_FUNCS \
  X (cudnn, size_t, 0, cudnnGetVersion, (void), ()) \
  X (cudnn, const char *, "cuDNN is not loaded", cudnnGetErrorString, (cudnnStatus_t status), (status)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnCreate, (cudnnHandle_t *handle), (handle)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnDestroy, (cudnnHandle_t handle), (handle)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnSetStream, (cudnnHandle_t handle, cudaStream_t streamId), (handle, streamId)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnCreateTensorDescriptor, (cudnnTensorDescriptor_t *tensorDesc), (tensorDesc)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnSetTensor4dDescriptor, (cudnnTensorDescriptor_t tensorDesc, cudnnTensorFormat_t format, cudnnDataType_t dataType, int n, int c, int h, int w), (tensorDesc, format, dataType, n, c, h, w)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnDestroyTensorDescriptor, (cudnnTensorDescriptor_t tensorDesc), (tensorDesc)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnCreateFilterDescriptor, (cudnnFilterDescriptor_t *filterDesc), (filterDesc)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnSetFilter4dDescriptor, (cudnnFilterDescriptor_t filterDesc, cudnnDataType_t dataType, cudnnTensorFormat_t format, int k, int c, int h, int w), (filterDesc, dataType, format, k, c, h, w)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnDestroyFilterDescriptor, (cudnnFilterDescriptor_t filterDesc), (filterDesc)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnCreateConvolutionDescriptor, (cudnnConvolutionDescriptor_t *convDesc), (convDesc)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnSetConvolution2dDescriptor, (cudnnConvolutionDescriptor_t convDesc, int pad_h, int pad_w, int u, int v, int dilation_h, int dilation_w, cudnnConvolutionMode_t mode, cudnnDataType_t computeType), (convDesc, pad_h, pad_w, u, v, dilation_h, dilation_w, mode, computeType)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnSetConvolutionGroupCount, (cudnnConvolutionDescriptor_t convDesc, int groupCount), (convDesc, groupCount)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnSetConvolutionMathType, (cudnnConvolutionDescriptor_t convDesc, cudnnMathType_t mathType), (convDesc, mathType)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnGetConvolution2dForwardOutputDim, (const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t inputTensorDesc, const cudnnFilterDescriptor_t filterDesc, int *n, int *c, int *h, int *w), (convDesc, inputTensorDesc, filterDesc, n, c, h, w)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnDestroyConvolutionDescriptor, (cudnnConvolutionDescriptor_t convDesc), (convDesc)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnCreateActivationDescriptor, (cudnnActivationDescriptor_t *activationDesc), (activationDesc)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnSetActivationDescriptor, (cudnnActivationDescriptor_t activationDesc, cudnnActivationMode_t mode, cudnnNanPropagation_t reluNanOpt, double coef), (activationDesc, mode, reluNanOpt, coef)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnDestroyActivationDescriptor, (cudnnActivationDescriptor_t activationDesc), (activationDesc)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnGetConvolutionForwardAlgorithm_v7, (cudnnHandle_t handle, const cudnnTensorDescriptor_t srcDesc, const cudnnFilterDescriptor_t filterDesc, const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t destDesc, const int requestedAlgoCount, int *returnedAlgoCount, cudnnConvolutionFwdAlgoPerf_t *perfResults), (handle, srcDesc, filterDesc, convDesc, destDesc, requestedAlgoCount, returnedAlgoCount, perfResults)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnGetConvolutionForwardWorkspaceSize, (cudnnHandle_t handle, const cudnnTensorDescriptor_t xDesc, const cudnnFilterDescriptor_t wDesc, const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t yDesc, cudnnConvolutionFwdAlgo_t algo, size_t *sizeInBytes), (handle, xDesc, wDesc, convDesc, yDesc, algo, sizeInBytes)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnConvolutionForward, (cudnnHandle_t handle, const void *alpha, const cudnnTensorDescriptor_t xDesc, const void *x, const cudnnFilterDescriptor_t wDesc, const void *w, const cudnnConvolutionDescriptor_t convDesc, cudnnConvolutionFwdAlgo_t algo, void *workSpace, size_t workSpaceSizeInBytes, const void *beta, const cudnnTensorDescriptor_t yDesc, void *y), (handle, alpha, xDesc, x, wDesc, w, convDesc, algo, workSpace, workSpaceSizeInBytes, beta, yDesc, y)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnConvolutionBiasActivationForward, (cudnnHandle_t handle, const void *alpha1, const cudnnTensorDescriptor_t xDesc, const void *x, const cudnnFilterDescriptor_t wDesc, const void *w, const cudnnConvolutionDescriptor_t convDesc, cudnnConvolutionFwdAlgo_t algo, void *workSpace, size_t workSpaceSizeInBytes, const void *alpha2, const cudnnTensorDescriptor_t zDesc, const void *z, const cudnnTensorDescriptor_t biasDesc, const void *bias, const cudnnActivationDescriptor_t activationDesc, const cudnnTensorDescriptor_t yDesc, void *y), (handle, alpha1, xDesc, x, wDesc, w, convDesc, algo, workSpace, workSpaceSizeInBytes, alpha2, zDesc, z, biasDesc, bias, activationDesc, yDesc, y)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnGetConvolutionBackwardDataAlgorithm_v7, (cudnnHandle_t handle, const cudnnFilterDescriptor_t filterDesc, const cudnnTensorDescriptor_t diffDesc, const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t gradDesc, const int requestedAlgoCount, int *returnedAlgoCount, cudnnConvolutionBwdDataAlgoPerf_t *perfResults), (handle, filterDesc, diffDesc, convDesc, gradDesc, requestedAlgoCount, returnedAlgoCount, perfResults)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnGetConvolutionBackwardDataWorkspaceSize, (cudnnHandle_t handle, const cudnnFilterDescriptor_t wDesc, const cudnnTensorDescriptor_t dyDesc, const cudnnConvolutionDescriptor_t convDesc, const cudnnTensorDescriptor_t dxDesc, cudnnConvolutionBwdDataAlgo_t algo, size_t *sizeInBytes), (handle, wDesc, dyDesc, convDesc, dxDesc, algo, sizeInBytes)) \
  X (cudnn, cudnnStatus_t, CUDNN_STATUS_NOT_INITIALIZED, cudnnConvolutionBackwardData, (cudnnHandle_t handle, const void *alpha, const cudnnFilterDescriptor_t wDesc, const void *w, const cudnnTensorDescriptor_t dyDesc, const void *dy, const cudnnConvolutionDescriptor_t convDesc, cudnnConvolutionBwdDataAlgo_t algo, void *workSpace, size_t workSpaceSizeInBytes, const void *beta, const cudnnTensorDescriptor_t dxDesc, void *dx), (handle, alpha, wDesc, w, dyDesc, dy, convDesc, algo, workSpace, workSpaceSizeInBytes, beta, dxDesc, dx)) \
  X (cublas, cublasStatus_t, CUBLAS_STATUS_NOT_INITIALIZED, cublasCreate_v2, (cublasHandle_t* handle), (handle)) \
  X (cublas, cublasStatus_t, CUBLAS_STATUS_NOT_INITIALIZED, cublasDestroy_v2, (cublasHandle_t handle), (handle)) \
  X (cublas, cublasStatus_t, CUBLAS_STATUS_NOT_INITIALIZED, cublasSetStream_v2, (cublasHandle_t handle, cudaStream_t streamId), (handle, streamId)) \
  X (cublas, cublasStatus_t, CUBLAS_STATUS_NOT_INITIALIZED, cublasSetMathMode, (cublasHandle_t handle, cublasMath_t mode), (handle, mode)) \
  X (cublas, cublasStatus_t, CUBLAS_STATUS_NOT_INITIALIZED, cublasSgemm_v2, (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const float* alpha, const float* A, int lda, const float* B, int ldb, const float* beta, float* C, int ldc), (handle, transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc)) \
  X (cublas, cublasStatus_t, CUBLAS_STATUS_NOT_INITIALIZED, cublasSgemmStridedBatched, (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const float* alpha, const float* A, int lda, long long int strideA, const float* B, int ldb, long long int strideB, const float* beta, float* C, int ldc, long long int strideC, int batchCount), (handle, transa, transb, m, n, k, alpha, A, lda, strideA, B, ldb, strideB, beta, C, ldc, strideC, batchCount)) \
  X (cublas, cublasStatus_t, CUBLAS_STATUS_NOT_INITIALIZED, cublasGemmEx, (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const void* alpha, const void* A, cudaDataType Atype, int lda, const void* B, cudaDataType Btype, int ldb, const void* beta, void* C, cudaDataType Ctype, int ldc, cublasComputeType_t computeType, cublasGemmAlgo_t algo), (handle, transa, transb, m, n, k, alpha, A, Atype, lda, B, Btype, ldb, beta, C, Ctype, ldc, computeType, algo)) \
  X (cublas, cublasStatus_t, CUBLAS_STATUS_NOT_INITIALIZED, cublasGemmStridedBatchedEx, (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const void* alpha, const void* A, cudaDataType Atype, int lda, long long int strideA, const void* B, cudaDataType Btype, int ldb, long long int strideB, const void* beta, void* C, cudaDataType Ctype, int ldc, long long int strideC, int batchCount, cublasComputeType_t computeType, cublasGemmAlgo_t algo), (handle, transa, transb, m, n, k, alpha, A, Atype, lda, strideA, B, Btype, ldb, strideB, beta, C, Ctype, ldc, strideC, batchCount, computeType, algo))

#define X(lib, ret, fail, name, params, args)                       \
  ret name params                                                   \
  {                                                                 \
    static gsize once;                                              \
    static ret (*fn) params;                                        \
    if (g_once_init_enter (&once))                                  \
      {                                                             \
        fn = (ret (*) params) lib_sym (&lib##_lib, #name);          \
        g_once_init_leave (&once, 1);                               \
      }                                                             \
    return fn != NULL ? fn args : fail;                             \
  }
TRAWL_CUDA_DL_FUNCS
#undef X
