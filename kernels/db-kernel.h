/* db-kernel.h - C entry points of kernels/db.cu: PP-OCR det's probability
 * maps in device memory thresholded to bit-packed masks (the rule of
 * _trawl_ocr_db_mask_ref, src/detect/detect-private.h), so that the GPU
 * plate path reads back one bit a pixel (65 KB for a 960x544 map instead
 * of 2 MB), finds the text components on the host, and then downloads
 * only the regions of the map their scores read (trawl_cuda_copy_rect_to_host,
 * one wait for all of them: trawl_cuda_stream_wait; both in device.h). Each returns 0 or a
 * cudaError_t value; work is queued on `stream` (a cudaStream_t, NULL for
 * the legacy default stream) and nothing waits unless said.
 *
 * Parameters are checked on the host first (see each function); a bad one
 * returns cudaErrorInvalidValue and touches nothing. The masks equal the
 * CPU reference's bit for bit (one float comparison per pixel);
 * tests/gpu/test-gpu-db.c holds them to that. */
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* items maps of n_per_item floats each, item i's at prob + i * n_per_item
 * (device memory), into bits (device memory): item i's
 * words = (n_per_item + 31) / 32 words at bits + i * words, bit j % 32 of
 * word j / 32 set when prob[j] > thresh (NaN: 0), bits past n_per_item 0.
 * 1 <= items <= 65535, 1 <= n_per_item <= INT_MAX - 255 (the threads'
 * index stays an int), non-NULL pointers. prob and bits must not overlap. */
int trawl_cuda_db_mask (const float *prob, int items, int n_per_item, float thresh,
                        uint32_t *bits, void *stream);

#ifdef __cplusplus
}
#endif
