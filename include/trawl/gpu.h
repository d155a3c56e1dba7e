/* trawl/gpu.h - what GPU (if any) this process can use. The CUDA code lives
 * in kernels/; a build without CUDA answers TRAWL_ERROR_NOT_BUILT. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  int   device_count;
  char  name[256];        /* device 0 */
  int   cc_major, cc_minor;
  gsize memory_bytes;
  int   driver_version;   /* e.g. 13000 */
  int   runtime_version;
  int   cudnn_version;    /* e.g. 91900 */
} TrawlGpuInfo;

/* Fills info for device 0. FALSE with error when CUDA is not built in
 * (TRAWL_ERROR_NOT_BUILT) or no device/driver is found (NOT_FOUND). */
gboolean trawl_gpu_probe (TrawlGpuInfo *info, GError **error);

/* A decoded frame that stays in GPU memory (an NVDEC surface, NV12): the
 * planes are device pointers in the CUDA primary context of device 0.
 * ready_event (a cudaEvent_t, may be NULL) is recorded after the decoder's
 * last write: work on another stream waits for it before reading. Owned by
 * the TrawlVideoFrame that carries it.
 *
 * Lifetime: the planes are the decoder's own output surface, mapped while
 * the frame lives and handed back to the decoder when it is freed, so free
 * the frame only after the GPU work reading it has finished (synchronise
 * the stream that read it first). The decoder keeps 8 spare surfaces: hold
 * at most 8 GPU frames at a time, or decoding stalls into decode errors. */
typedef struct {
  const guint8 *y;          /* luma plane, width x height */
  const guint8 *uv;         /* interleaved U,V plane, width/2 x height/2 pairs */
  int           pitch_y;    /* bytes per row */
  int           pitch_uv;
  int           width, height;
  void         *ready_event;
} TrawlGpuFrame;

/* Makes the CUDA stream `stream` (a cudaStream_t; NULL: the legacy default
 * stream) wait until frame's planes are written; the host does not block.
 * TRUE at once when frame has no ready_event. FALSE with error when CUDA is
 * not built (TRAWL_ERROR_NOT_BUILT) or the wait cannot be queued (FAILED).
 * Call it from the thread that owns stream. */
gboolean trawl_gpu_frame_wait (const TrawlGpuFrame *frame, void *stream, GError **error);

/* y = a*x + y on the GPU, for the smoke test that proves kernels/ builds,
 * links and runs. FALSE with error as above. */
gboolean trawl_gpu_saxpy (int n, float a, const float *x, float *y, GError **error);

G_END_DECLS
