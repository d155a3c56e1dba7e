/* cuda-dl.h - cuDNN and cuBLAS are loaded on first use (cuda-dl.c), not
 * linked: the CUDA backend calls their functions as usual (forwarders in
 * src/nn/cuda/cuda-libs.c) and these tell whether the libraries are
 * there. CUDA builds only. Private to trawl. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Loads libcudnn.so.9 and libcublas.so.13 once; FALSE with error
 * (TRAWL_ERROR_NOT_FOUND) naming the one that is missing. */
gboolean _trawl_cuda_libs_load (GError **error);
typedef enum { TRAWL_CUDA_LIB_CUDNN, TRAWL_CUDA_LIB_CUBLAS } TrawlCudaLib;

/* The address of name in the library, loading it; NULL when the library
 * or the name is missing (a forwarder then fails its call the way the
 * library reports an uninitialised handle). */
gpointer _trawl_cuda_lib_sym (TrawlCudaLib lib, const char *name);
/* cuDNN's run-time version (e.g. 91900), loading it; 0 when absent. */
int      _trawl_cuda_cudnn_version (void);

G_END_DECLS
