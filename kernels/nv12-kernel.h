/* nv12-kernel.h - C entry points of kernels/nv12.cu (see src/nn/cuda/nv12.h
 * for the conversion itself). Return 0 or a cudaError_t value. */
#pragma once

#include "nn/cuda/nv12.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Device planes (an AVFrame of format CUDA: data[0]/linesize[0] and
 * data[1]/linesize[1]) into the device tensor dst [3, dst_h, dst_w], queued
 * on stream (a cudaStream_t, NULL for the default stream). */
int trawl_cuda_nv12_to_tensor (const TrawlNv12Params *p, const uint8_t *y, int pitch_y,
                               const uint8_t *uv, int pitch_uv, float *dst, void *stream);

/* The same from host planes to a host tensor (uploads, runs, downloads,
 * synchronously): for tests and benchmarks. */
int trawl_cuda_nv12_to_tensor_host (const TrawlNv12Params *p, const uint8_t *y, int pitch_y,
                                    const uint8_t *uv, int pitch_uv, float *dst);

#ifdef __cplusplus
}
#endif
