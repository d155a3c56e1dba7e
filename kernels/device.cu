/* device.cu - device discovery: count, name, compute capability, memory,
 * driver and runtime versions (cuDNN's comes from src/base/cuda-dl.c). No GPU is a normal answer, not a crash.
 * Also every small runtime helper the C side needs (device.h): the shared
 * primary context, device memory, copies, stream waits, events, so that
 * no other .cu file holds one. */
#include "device.h"

#include <cuda.h>
#include <cuda_runtime.h>
#include <stdio.h>
#include <string.h>

extern "C" int
trawl_cuda_query (TrawlCudaDeviceInfo *info)
{
  cudaDeviceProp prop;
  cudaError_t err;

  memset (info, 0, sizeof *info);
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

/* ---- NVDEC frames ----
 * FFmpeg's CUDA device shares device 0's primary context with our kernels
 * and cuDNN (AV_CUDA_USE_PRIMARY_CONTEXT), so its surfaces are plain device
 * pointers here. It refuses a primary context that is already active with
 * flags other than exactly CU_CTX_SCHED_BLOCKING_SYNC, which is the state
 * after the runtime has created it (nn plans made before the reader). The
 * driver calls that fix the flags are fetched through the runtime: linking
 * libcuda would stop trawl from starting on machines without a driver. */

typedef CUresult (*DeviceGetFn) (CUdevice *dev, int ordinal);
typedef CUresult (*PrimaryGetStateFn) (CUdevice dev, unsigned int *flags, int *active);
typedef CUresult (*PrimarySetFlagsFn) (CUdevice dev, unsigned int flags);

static int
driver_entry (const char *symbol, void **fn)
{
  cudaDriverEntryPointQueryResult status = cudaDriverEntryPointSymbolNotFound;
  cudaError_t err;

  *fn = NULL;
  /* 11000: the versions of these calls FFmpeg's loader also uses (_v2). */
  err = cudaGetDriverEntryPointByVersion (symbol, fn, 11000, cudaEnableDefault, &status);
  if (err != cudaSuccess)
    return (int) err;
  if (status != cudaDriverEntryPointSuccess || *fn == NULL)
    return (int) cudaErrorSymbolNotFound;
  return 0;
}

extern "C" int
trawl_cuda_primary_context_prepare (void)
{
  const unsigned int want = CU_CTX_SCHED_BLOCKING_SYNC;
  DeviceGetFn device_get;
  PrimaryGetStateFn get_state;
  PrimarySetFlagsFn set_flags;
  unsigned int flags = 0;
  int count = 0, active = 0, rc;
  CUdevice dev;
  CUresult cr;
  cudaError_t err;

  err = cudaGetDeviceCount (&count);
  if (err != cudaSuccess)
    return (int) err;
  if (count == 0)
    return (int) cudaErrorNoDevice;
  if ((rc = driver_entry ("cuDeviceGet", (void **) &device_get)) != 0
      || (rc = driver_entry ("cuDevicePrimaryCtxGetState", (void **) &get_state)) != 0
      || (rc = driver_entry ("cuDevicePrimaryCtxSetFlags", (void **) &set_flags)) != 0)
    return rc;
  /* CUresult and cudaError_t share their numbers for the errors these
   * calls return (no device, invalid device, not initialised). */
  if ((cr = device_get (&dev, 0)) != CUDA_SUCCESS)
    return (int) cr;
  if ((cr = get_state (dev, &flags, &active)) != CUDA_SUCCESS)
    return (int) cr;
  if (flags != want && (cr = set_flags (dev, want)) != CUDA_SUCCESS)
    return (int) cr;
  return 0;
}

extern "C" int
trawl_cuda_event_new (void **event)
{
  cudaEvent_t ev = NULL;
  cudaError_t err = cudaEventCreateWithFlags (&ev, cudaEventDisableTiming);

  *event = err == cudaSuccess ? (void *) ev : NULL;
  return (int) err;
}

/* NULL is the legacy default stream, also in code built with per-thread
 * default streams. */
static cudaStream_t
stream_or_legacy (void *stream)
{
  return stream != NULL ? (cudaStream_t) stream : cudaStreamLegacy;
}

extern "C" int
trawl_cuda_event_record (void *event, void *stream)
{
  return (int) cudaEventRecord ((cudaEvent_t) event, stream_or_legacy (stream));
}

extern "C" int
trawl_cuda_stream_wait_event (void *stream, void *event)
{
  return (int) cudaStreamWaitEvent (stream_or_legacy (stream), (cudaEvent_t) event, 0);
}

extern "C" int
trawl_cuda_event_synchronize (void *event)
{
  return (int) cudaEventSynchronize ((cudaEvent_t) event);
}

extern "C" void
trawl_cuda_event_free (void *event)
{
  if (event != NULL)
    cudaEventDestroy ((cudaEvent_t) event);
}

extern "C" int
trawl_cuda_download_2d (void *dst, size_t dst_pitch, const void *src, size_t src_pitch,
                        size_t width, size_t height)
{
  return (int) cudaMemcpy2D (dst, dst_pitch, src, src_pitch, width, height,
                             cudaMemcpyDeviceToHost);
}

/* ---- device memory and copies ---- */

extern "C" int
trawl_cuda_malloc (void **ptr, size_t bytes)
{
  if (ptr == NULL)
    return (int) cudaErrorInvalidValue;
  *ptr = NULL;
  if (bytes == 0)
    return 0;
  return (int) cudaMalloc (ptr, bytes);
}

extern "C" int
trawl_cuda_free (void *ptr)
{
  return ptr == NULL ? 0 : (int) cudaFree (ptr);
}

extern "C" int
trawl_cuda_copy_to_host (void *dst, const void *src, size_t bytes, void *stream)
{
  cudaError_t err;

  if (bytes == 0)
    return 0;
  if (dst == NULL || src == NULL)
    return (int) cudaErrorInvalidValue;
  err = cudaMemcpyAsync (dst, src, bytes, cudaMemcpyDeviceToHost, (cudaStream_t) stream);
  if (err != cudaSuccess)
    return (int) err;
  return (int) cudaStreamSynchronize ((cudaStream_t) stream);
}

extern "C" int
trawl_cuda_copy_rect_to_host (float *dst, int dst_pitch_floats, const float *src,
                              int src_pitch_floats, int width_floats, int rows, void *stream)
{
  if (dst == NULL || src == NULL || width_floats < 1 || rows < 1
      || dst_pitch_floats < width_floats || src_pitch_floats < width_floats)
    return (int) cudaErrorInvalidValue;
  return (int) cudaMemcpy2DAsync (dst, (size_t) dst_pitch_floats * sizeof (float), src,
                                  (size_t) src_pitch_floats * sizeof (float),
                                  (size_t) width_floats * sizeof (float), (size_t) rows,
                                  cudaMemcpyDeviceToHost, (cudaStream_t) stream);
}

extern "C" int
trawl_cuda_stream_wait (void *stream)
{
  return (int) cudaStreamSynchronize ((cudaStream_t) stream);
}
