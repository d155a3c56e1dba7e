/* ssd-kernel.h - C entry point of kernels/ssd.cu: the face SSD's outputs
 * in device memory cut down to its candidate anchors (those whose face
 * logit passes a prefilter threshold), so that the GPU face path reads
 * back a few candidates a region instead of the whole outputs (5118
 * anchors x 7 floats, 143 KB a region). Returns 0 or a cudaError_t value;
 * the work is queued on `stream` (a cudaStream_t, NULL for the legacy
 * default stream) and nothing waits.
 *
 * The rule ("prefilter on the device, exact on the host"): anchor i of an
 * item is a candidate when trawl_ssd_keep (logits[3 * i + 1], logit_min);
 * its record is its index and 5 floats, enc[4i .. 4i+3] then that logit,
 * in ascending anchor order. The host chooses logit_min conservatively
 * (trawl_faces_ssd_logit_min, faces-post.h) and decodes the candidates
 * with the exact CPU code (trawl_faces_ssd_detect_candidates), which
 * gives trawl_faces_ssd_detect's result on the full outputs.
 *
 * Parameters are checked on the host first: items >= 1 (at most INT_MAX,
 * one block per item), n_anchors >= 1, max_cand >= 1, non-NULL pointers.
 * A bad one returns cudaErrorInvalidValue and touches nothing. The
 * outputs equal the CPU reference _trawl_ssd_candidates_ref's
 * (src/detect/detect-private.h) bit for bit, item by item: the kernel only
 * compares and copies; tests/gpu/test-gpu-ssd.c holds it to that. */
#pragma once

#include "ssd-keep.h"   /* src/rules/: trawl_ssd_keep, the rule shared with the reference */

#ifdef __cplusplus
extern "C" {
#endif

/* enc: items x n_anchors x 4 floats, logits: items x n_anchors x 3 floats,
 * both in device memory (item i's at enc + i * n_anchors * 4 and
 * logits + i * n_anchors * 3: a batched SSD run's two outputs as they
 * lie). Writes, in device memory, for each item i: counts[i], its number
 * of candidates (it may exceed max_cand: then only the first max_cand are
 * written and the caller must fall back to the item's full outputs);
 * idx[i * max_cand + k] and cand[(i * max_cand + k) * 5 .. + 4] for its
 * k-th candidate, k < min (counts[i], max_cand). Entries past that are
 * not written. The outputs must not overlap each other or the inputs. */
int trawl_cuda_ssd_candidates (const float *enc, const float *logits, int items, int n_anchors,
                               float logit_min, int max_cand, int *counts, int *idx, float *cand,
                               void *stream);

#ifdef __cplusplus
}
#endif
