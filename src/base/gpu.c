/* gpu.c - the C face of kernels/: GPU discovery, the smoke kernel and the
 * stream wait on a decoded GPU frame, with errors as GError. Without CUDA
 * in the build it says so. */
#include "trawl-config.h"

#include <trawl/base.h>
#include <trawl/gpu.h>

#include <string.h>

#if TRAWL_HAVE_CUDA
#include "trawl-kernels.h"
#include "base/cuda-dl.h"

/* What a person should read for a CUDA failure at discovery: the
 * runtime's own text for a missing driver ("CUDA driver version is
 * insufficient for CUDA runtime version") reads like a driver fault on a
 * machine that simply has no NVIDIA GPU. */
static const char *
no_gpu_reason (int rc, int driver_version)
{
  if (rc == 100 /* cudaErrorNoDevice */)
    return "no NVIDIA GPU found";
  if (rc == 35 /* cudaErrorInsufficientDriver */ && driver_version == 0)
    return "no NVIDIA GPU found (no NVIDIA driver is installed)";
  return trawl_cuda_error_string (rc);
}

gboolean
trawl_gpu_probe (TrawlGpuInfo *info, GError **error)
{
  TrawlCudaDeviceInfo d;
  int rc = trawl_cuda_query (&d);

  memset (info, 0, sizeof *info);
  info->device_count = d.device_count;
  info->driver_version = d.driver_version;
  info->runtime_version = d.runtime_version;
  if (rc != 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND, "no GPU: %s",
                   no_gpu_reason (rc, d.driver_version));
      return FALSE;
    }
  /* cuDNN is loaded only where it can be used: with a device */
  info->cudnn_version = _trawl_cuda_cudnn_version ();
  memcpy (info->name, d.name, sizeof info->name);
  info->cc_major = d.cc_major;
  info->cc_minor = d.cc_minor;
  info->memory_bytes = d.memory_bytes;
  return TRUE;
}

gboolean
trawl_gpu_saxpy (int n, float a, const float *x, float *y, GError **error)
{
  TrawlGpuInfo info;
  int rc;

  if (!trawl_gpu_probe (&info, error))
    return FALSE;
  rc = trawl_cuda_saxpy (n, a, x, y);
  if (rc != 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "saxpy kernel: %s",
                   trawl_cuda_error_string (rc));
      return FALSE;
    }
  return TRUE;
}

gboolean
trawl_gpu_frame_wait (const TrawlGpuFrame *frame, void *stream, GError **error)
{
  int rc;

  g_return_val_if_fail (frame != NULL, FALSE);
  if (frame->ready_event == NULL)
    return TRUE;  /* nothing recorded: the planes are already complete */
  rc = trawl_cuda_stream_wait_event (stream, frame->ready_event);
  if (rc != 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED,
                   "cannot make the CUDA stream wait for the decoded frame: %s",
                   trawl_cuda_error_string (rc));
      return FALSE;
    }
  return TRUE;
}

#else

gboolean
trawl_gpu_probe (TrawlGpuInfo *info, GError **error)
{
  memset (info, 0, sizeof *info);
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_BUILT,
               "this trawl was built without CUDA (-Dcuda=disabled or no nvcc)");
  return FALSE;
}

gboolean
trawl_gpu_saxpy (int n, float a, const float *x, float *y, GError **error)
{
  (void) n; (void) a; (void) x; (void) y;
  return trawl_gpu_probe (&(TrawlGpuInfo) { 0 }, error);
}

gboolean
trawl_gpu_frame_wait (const TrawlGpuFrame *frame, void *stream, GError **error)
{
  (void) frame; (void) stream;
  return trawl_gpu_probe (&(TrawlGpuInfo) { 0 }, error);
}

#endif
