/* emulated-device.h - the bookkeeping shared by the host-memory stand-ins
 * for the CUDA runtime, cuBLAS, cuDNN (emulated-cudart.c, emulated-libs.c)
 * the engine's kernels (emulated-kernels.c) and the warp kernel
 * (emulated-frames.c) that test-cuda-ops-emulated and
 * test-pipelines-emulated link in place of the real ones.
 *
 * "Device memory" is host memory handed out by the fake cudaMalloc and
 * remembered here, so every kernel and library call can check that the
 * pointers it was given are device pointers whose blocks hold every
 * element it touches, and that it was queued on a live stream. A failed
 * check is a violation: counted, logged, and the call fails as the GPU
 * would (illegal address / bad parameter). */
#pragma once

#include <glib.h>
#include <stdint.h>

/* TRUE when [p + lo, p + hi) (bytes, lo < hi) lies inside one live block
 * of fake device memory; otherwise records a violation naming what. An
 * empty range (lo >= hi) is always fine. */
gboolean emu_dev_range (const void *p, int64_t lo, int64_t hi, const char *what);
/* TRUE when p points into a live block of fake device memory. */
gboolean emu_is_dev (const void *p);
/* TRUE when s is a stream made by cudaStreamCreateWithFlags and not yet
 * destroyed; otherwise records a violation naming what (work queued on
 * the legacy default stream or a dead one is a bug in the backend). */
gboolean emu_stream_ok (const void *s, const char *what);
/* TRUE when e is an event made by cudaEventCreate, not yet destroyed and
 * recorded at least once; otherwise records a violation naming what. */
gboolean emu_event_ok (const void *e, const char *what);
void     emu_violation (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

/* From now on the NV12 warps (emulated-frames.c) of the frame whose Y
 * plane is y read rgb (packed RGB24 in host memory, the frame's size,
 * stride bytes per row) instead of its planes; rgb NULL undoes it. */
void     emu_frame_set_rgb (const void *y, const guint8 *rgb, int stride);
/* Stream waits on events queued so far (trawl_cuda_stream_wait_event). */
guint    emu_event_waits (void);

/* Counters the test reads: violations so far, and device work done
 * (kernels, copies between device buffers, library calls). */
int      emu_violations (void);
guint    emu_launches (void);
void     emu_count_launch (void);
/* Bytes of fake device memory still allocated. */
gsize    emu_live_bytes (void);
