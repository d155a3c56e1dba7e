/* device.h - C entry points of kernels/device.cu: the device itself
 * (discovery, errors, the primary context), device memory, copies to the
 * host, stream waits and events. The one place the C side gets these; the
 * kernels' own headers (warp-kernel.h, ssd-kernel.h, ctc-kernel.h,
 * db-kernel.h) declare only kernels. Each returns 0 or a cudaError_t
 * value; callers turn it into a GError with trawl_cuda_error_string(). */
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- discovery and errors ---- */

typedef struct {
  int    device_count;
  char   name[256];
  int    cc_major, cc_minor;
  size_t memory_bytes;
  int    driver_version, runtime_version;
} TrawlCudaDeviceInfo;

int         trawl_cuda_query (TrawlCudaDeviceInfo *info);
const char *trawl_cuda_error_string (int code);

/* ---- the primary context and events ----
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

/* ---- device memory and copies ---- */

/* cudaMalloc of bytes into *ptr (*ptr NULL for 0 bytes); trawl_cuda_free
 * accepts NULL. Freeing waits for the device's work (cudaFree's implicit
 * synchronisation), so memory a stream may still read can be freed. */
int trawl_cuda_malloc (void **ptr, size_t bytes);
int trawl_cuda_free (void *ptr);

/* Copies bytes from device memory to host memory after the work already
 * queued on stream, and waits for it (so it also reports errors of that
 * work). 0 bytes is a no-op. */
int trawl_cuda_copy_to_host (void *dst, const void *src, size_t bytes, void *stream);

/* Queues a copy of rows rows of width_floats floats from src (device
 * memory, rows src_pitch_floats apart) to dst (host memory, rows
 * dst_pitch_floats apart) and returns without waiting: dst holds the
 * values once trawl_cuda_stream_wait (or anything else that waits for the
 * stream) has returned. width_floats >= 1, rows >= 1, both pitches >=
 * width_floats, non-NULL pointers. Pageable dst works, but the copy is
 * then staged (and may block the host for it). */
int trawl_cuda_copy_rect_to_host (float *dst, int dst_pitch_floats, const float *src,
                                  int src_pitch_floats, int width_floats, int rows,
                                  void *stream);

/* Blocks the host until the work queued on stream has finished; returns
 * that work's first error, if any. */
int trawl_cuda_stream_wait (void *stream);

#ifdef __cplusplus
}
#endif
