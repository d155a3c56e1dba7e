/* device.cu - device discovery: count, name, compute capability, memory,
 * driver/runtime/cuDNN versions. No GPU is a normal answer, not a crash. */
#include "trawl-kernels.h"

#include <cuda_runtime.h>
#include <cudnn.h>
#include <stdio.h>
#include <string.h>

extern "C" int
trawl_cuda_query (TrawlCudaDeviceInfo *info)
{
  cudaDeviceProp prop;
  cudaError_t err;

  memset (info, 0, sizeof *info);
  info->cudnn_version = (int) cudnnGetVersion ();
  cudaRuntimeGetVersion (&info->runtime_version);
  cudaDriverGetVersion (&info->driver_version);
  err = cudaGetDeviceCount (&info->device_count);
  if (err != cudaSuccess)
    {
      info->device_count = 0;
      return (int) err;
    }
  if (info->device_count == 0)
    return (int) cudaErrorNoDevice;
  err = cudaGetDeviceProperties (&prop, 0);
  if (err != cudaSuccess)
    return (int) err;
  snprintf (info->name, sizeof info->name, "%s", prop.name);
  info->cc_major = prop.major;
  info->cc_minor = prop.minor;
  info->memory_bytes = prop.totalGlobalMem;
  return 0;
}

extern "C" const char *
trawl_cuda_error_string (int code)
{
  return cudaGetErrorString ((cudaError_t) code);
}
