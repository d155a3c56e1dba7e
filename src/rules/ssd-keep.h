/* ssd-keep.h - the face SSD's candidate prefilter rule ("prefilter on the
 * device, exact on the host"), one predicate shared by the CPU reference
 * (_trawl_ssd_candidates_ref, src/detect/ssd-post.c) and the CUDA kernel
 * (kernels/ssd.cu), so both keep the same anchors. Plain C: nvcc includes
 * it too. Private to trawl. */
#pragma once

#include <math.h>   /* INFINITY */

#ifdef __CUDACC__
#define TRAWL_SSD_FN static __host__ __device__ __forceinline__
#else
#define TRAWL_SSD_FN static inline
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Is an anchor with face logit `logit` a candidate for threshold
 * logit_min? logit > logit_min, except that logit_min = -INFINITY keeps
 * every anchor (-inf and NaN logits too: "keep all" must be a superset of
 * whatever the exact host test keeps). A NaN logit_min keeps none. The
 * one predicate of the reference and the kernel. */
TRAWL_SSD_FN int
trawl_ssd_keep (float logit, float logit_min)
{
  return logit > logit_min || logit_min == -INFINITY;
}

#ifdef __cplusplus
}
#endif
