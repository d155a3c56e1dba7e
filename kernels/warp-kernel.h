/* warp-kernel.h - C entry points of kernels/warp.cu: the warp rule of
 * src/image/warp.h run on the GPU, from NV12 device planes (an NVDEC
 * surface) straight into network input tensors in device memory. Each
 * returns 0 or a cudaError_t value; work is queued on `stream` (a
 * cudaStream_t, NULL for the legacy default stream) and nothing waits
 * unless said. */
#pragma once

#include "image/warp.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TRAWL_WARP_MAX_BATCH 32

/* One warp: dst is [3, dst_h, dst_w] floats in device memory. */
int trawl_cuda_warp_nv12 (const TrawlWarpParams *p, const uint8_t *y, int pitch_y,
                          const uint8_t *uv, int pitch_uv, float *dst, void *stream);

/* n warps (1..TRAWL_WARP_MAX_BATCH) of one source in one launch; all have
 * the same dst_w and dst_h, warp i writes dst + i * 3 * dst_h * dst_w (a
 * batch of network inputs). */
int trawl_cuda_warp_nv12_batch (const TrawlWarpParams *p, int n, const uint8_t *y, int pitch_y,
                                const uint8_t *uv, int pitch_uv, float *dst, void *stream);

/* The same from host planes to a host tensor (uploads, runs, downloads,
 * synchronously): for tests and benchmarks. */
int trawl_cuda_warp_nv12_host (const TrawlWarpParams *p, const uint8_t *y, int pitch_y,
                               const uint8_t *uv, int pitch_uv, float *dst);

/* Copies bytes from device memory to host memory after the work already
 * queued on stream, and waits for it. */
int trawl_cuda_copy_to_host (void *dst, const void *src, size_t bytes, void *stream);

#ifdef __cplusplus
}
#endif
