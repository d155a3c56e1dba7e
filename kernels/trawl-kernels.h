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
  int    driver_version, runtime_version;
} TrawlCudaDeviceInfo;

int         trawl_cuda_query (TrawlCudaDeviceInfo *info);
int         trawl_cuda_saxpy (int n, float a, const float *x, float *y);
const char *trawl_cuda_error_string (int code);

/* ---- NVDEC frames (device.cu) ----
 * Streams are cudaStream_t passed as void *; NULL means the legacy default
 * stream (the one FFmpeg's decoder uses unless told otherwise), whatever
 * the caller was compiled with. Everything works in the primary context of
 * the current device (device 0 unless the thread chose another). */

/* Sets device 0's primary context to blocking synchronisation (FFmpeg's
 * CUDA device insists on it when it shares the primary context), whether
 * or not the context is active yet (it does not create it: FFmpeg retains
 * it). Also the cheapest "is there a usable driver and device" check. */
int trawl_cuda_primary_context_prepare (void);
/* A new event without timing (*event is a cudaEvent_t); *event is NULL on
 * failure. */
int trawl_cuda_event_new (void **event);
/* Records event on stream. */
int trawl_cuda_event_record (void *event, void *stream);
/* Makes stream wait for event (no host blocking). */
int trawl_cuda_stream_wait_event (void *stream, void *event);
/* Blocks the host until event has completed. */
int trawl_cuda_event_synchronize (void *event);
/* Destroys event. Accepts NULL. */
void trawl_cuda_event_free (void *event);
/* Synchronous 2-D copy of width x height bytes from device to host
 * (for tests and downloads). */
int trawl_cuda_download_2d (void *dst, size_t dst_pitch, const void *src, size_t src_pitch,
                            size_t width, size_t height);

/* ---- scene-skip thumbnail (thumb.cu; maths in src/video/thumb.h) ---- */

/* The 64x36 gray thumbnail of a device luma plane (w x h, pitch bytes per
 * row) into host out[64 * 36]: the kernel is queued on stream after
 * whatever is already there (the decoder's output), then the host waits
 * for the result. *scratch is a device buffer made on first use (pass a
 * pointer to NULL) and kept for the next call; free it with
 * trawl_cuda_thumb_free. */
int  trawl_cuda_thumb_gray (const unsigned char *y, int pitch, int w, int h, void **scratch,
                            unsigned char *out, void *stream);
/* Frees a scratch buffer from trawl_cuda_thumb_gray. Accepts NULL. */
void trawl_cuda_thumb_free (void *scratch);

#ifdef __cplusplus
}
#endif
