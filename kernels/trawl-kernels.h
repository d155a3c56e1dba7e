/* trawl-kernels.h - C entry points of the CUDA code in kernels/. Each
 * returns 0 on success or a cudaError_t value; callers turn it into a
 * GError with trawl_cuda_error_string(). */
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int    device_count;
  char   name[256];
  int    cc_major, cc_minor;
  size_t memory_bytes;
  int    driver_version, runtime_version, cudnn_version;
} TrawlCudaDeviceInfo;

int         trawl_cuda_query (TrawlCudaDeviceInfo *info);
int         trawl_cuda_saxpy (int n, float a, const float *x, float *y);
const char *trawl_cuda_error_string (int code);

#ifdef __cplusplus
}
#endif
