/* warp-kernel.h - C entry points of kernels/warp.cu: the warp rule of
 * src/rules/warp.h run on the GPU, from NV12 device planes (an NVDEC
 * surface) or planar float crops straight into network input tensors in
 * device memory. Each returns 0 or a cudaError_t value; work is queued on
 * `stream` (a cudaStream_t, NULL for the legacy default stream) and
 * nothing waits unless said.
 *
 * Parameters are checked on the host first: sizes > 0, k in
 * 1..TRAWL_WARP_MAX_K, 0 < out_w <= dst_w, dst_h <= 524280, non-NULL
 * planes and tensor, pitch_y >= src_w and pitch_uv >= src_w rounded up to
 * even. A bad one returns cudaErrorInvalidValue and touches nothing.
 * Results should match the CPU reference _trawl_warp_nv12_ref bit for
 * bit (warp.cu is built without FMA contraction, so it rounds as the host
 * does); tests/gpu/test-gpu-warp.c holds them to 1e-3 on the 0..255 scale. */
#pragma once

#include "warp.h"   /* src/rules/: the warp rule shared with the CPU reference */

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One warp: y/uv are the device planes (y: src_h rows of pitch_y bytes,
 * uv: (src_h + 1) / 2 rows of pitch_uv bytes), dst is [3, dst_h, dst_w]
 * floats in device memory of which columns >= out_w are not written. */
int trawl_cuda_warp_nv12 (const TrawlWarpParams *p, const uint8_t *y, int pitch_y,
                          const uint8_t *uv, int pitch_uv, float *dst, void *stream);

/* n warps (1..TRAWL_WARP_MAX_BATCH) of one NV12 source in one launch:
 * warp i writes its [3, p[i].dst_h, p[i].dst_w] floats at dst + dst_off[i]
 * (floats, below 2^32): crops of any sizes into a scratch buffer, or the
 * items of a batch tensor (dst_off[i] = i * 3 * dst_h * dst_w). All read
 * the same planes, so src_w/src_h must agree. Warps that overlap in dst
 * race (not checked). p and dst_off are copied into the launch. */
int trawl_cuda_warp_nv12_crops (const TrawlWarpParams *p, int n, const uint8_t *y, int pitch_y,
                                const uint8_t *uv, int pitch_uv, float *dst,
                                const size_t *dst_off, void *stream);

/* trawl_cuda_warp_nv12 from host planes to a host tensor (uploads, runs, downloads,
 * synchronously, on the legacy default stream): for tests and benchmarks.
 * Only the first out_w columns of dst are written; device memory is freed
 * on every path. */
int trawl_cuda_warp_nv12_host (const TrawlWarpParams *p, const uint8_t *y, int pitch_y,
                               const uint8_t *uv, int pitch_uv, float *dst);

/* n warps (1..TRAWL_WARP_MAX_BATCH) from planar float RGB sources in
 * device memory (crops an earlier warp wrote, values on the 0..255 scale):
 * warp i reads [3, p[i].src_h, p[i].src_w] floats, rows of src_w, at
 * src + src_off[i] (floats, below 2^32) and writes
 * dst + i * 3 * dst_h * dst_w. Sources may differ in size; dst_w/dst_h
 * may not (cudaErrorInvalidValue, nothing queued). p and src_off are
 * copied into the launch. Matches _trawl_warp_planar_ref as the NV12
 * kernel matches its reference. */
int trawl_cuda_warp_planar_batch (const TrawlWarpParams *p, int n, const float *src,
                                  const size_t *src_off, float *dst, void *stream);

#ifdef __cplusplus
}
#endif
