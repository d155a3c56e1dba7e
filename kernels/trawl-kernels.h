/* trawl-kernels.h - C entry points of the small CUDA code in kernels/
 * that belongs to no pipeline: the smoke test and the scene-skip
 * thumbnail; with device.h (included here), the device itself. Each
 * returns 0 on success or a cudaError_t value; callers turn it into a
 * GError with trawl_cuda_error_string(). */
#pragma once

#include "device.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

int trawl_cuda_saxpy (int n, float a, const float *x, float *y);

/* ---- scene-skip thumbnail (thumb.cu; maths in src/rules/thumb.h) ---- */

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
