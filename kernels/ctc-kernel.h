/* ctc-kernel.h - C entry point of kernels/ctc.cu: a CTC output in device
 * memory reduced to one TrawlCtcStep record per time step (the rule of
 * src/rules/ctc-steps.h), so that the GPU plate path reads back [rows]
 * records of 28 bytes instead of [rows, n_classes] floats (26 KB a step
 * for PP-OCR's 6625 classes). Returns 0 or a cudaError_t value; the work
 * is queued on `stream` (a cudaStream_t, NULL for the legacy default
 * stream) and nothing waits.
 *
 * Parameters are checked on the host first: rows >= 1 (at most INT_MAX,
 * one block per row), 1 <= n_classes <= INT_MAX - 256 (the threads'
 * strided index stays an int), non-NULL pointers. A bad one
 * returns cudaErrorInvalidValue and touches nothing. The records equal
 * the CPU reference _trawl_ctc_steps_ref's bit for bit (only comparisons,
 * values copied); tests/gpu/test-gpu-ctc.c holds them to that. */
#pragma once

#include "ctc-steps.h"   /* src/rules/: the record and its rule */

#ifdef __cplusplus
extern "C" {
#endif

/* probs: rows x n_classes floats in device memory (row t is time step t
 * of some sequence: the steps of a batch's items may be laid end to end);
 * steps: rows records in device memory, overwritten. probs and steps must
 * not overlap. */
int trawl_cuda_ctc_steps (const float *probs, int rows, int n_classes, TrawlCtcStep *steps,
                          void *stream);

#ifdef __cplusplus
}
#endif
