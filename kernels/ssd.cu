/* ssd.cu - the face SSD's candidate prefilter of kernels/ssd-kernel.h on
 * the GPU: a batched SSD run's outputs (box encodings and class logits of
 * every anchor of every item) cut down where they lie to the anchors
 * whose face logit passes the host's conservative threshold, so that
 * only those come back to the host, which decodes them exactly.
 *
 * One block per item. The block walks the item's anchors in chunks of
 * SSD_THREADS, one anchor a thread; within a chunk each warp's keep flags
 * are gathered by __ballot_sync, a thread's place among its warp's kept
 * anchors is the __popc of the lanes below it, and the warps' counts go
 * through shared memory so every thread adds those of the warps before
 * its own. With the running total of earlier chunks that is the anchor's
 * rank among the item's candidates in ascending anchor order: the order
 * of the CPU reference, whatever the hardware's scheduling, so the
 * records are the reference's bit for bit. Nothing is computed on the
 * values: the logit is compared (trawl_ssd_keep, shared with the
 * reference) and copied, the encodings copied.
 *
 * Parameters are checked here on the host; a bad one returns
 * cudaErrorInvalidValue before anything touches the device.
 */
#include "ssd-kernel.h"

#include <cuda_runtime.h>
#include <stdint.h>

#define SSD_THREADS 256   /* per block (one item): 20 chunks for face-api's 5118 anchors */
#define SSD_WARPS   (SSD_THREADS / 32)

static __global__ void __launch_bounds__ (SSD_THREADS)
ssd_candidates_f32 (const float *enc, const float *logits, int n_anchors, float logit_min,
                    int max_cand, int *counts, int *idx, float *cand)
{
  __shared__ int s_count[SSD_WARPS];
  const int64_t item = blockIdx.x;
  const float *e = enc + item * n_anchors * 4;
  const float *l = logits + item * n_anchors * 3;
  int *ix = idx + item * max_cand;
  float *c = cand + item * max_cand * 5;
  int lane = (int) threadIdx.x & 31, warp = (int) threadIdx.x >> 5;
  unsigned below_mask = (1u << lane) - 1u;   /* lanes before this one */
  int total = 0;   /* candidates in earlier chunks; the same in every thread */

  /* int64_t: base + SSD_THREADS must not wrap for n_anchors near INT_MAX */
  for (int64_t base = 0; base < n_anchors; base += SSD_THREADS)
    {
      int64_t i = base + threadIdx.x;
      float logit = 0.0f;
      int keep = 0, before = 0, chunk = 0;
      unsigned ballot;

      if (i < n_anchors)
        {
          logit = l[3 * i + 1];
          keep = trawl_ssd_keep (logit, logit_min);
        }
      /* every lane takes part: lanes past the end vote 0 */
      ballot = __ballot_sync (0xffffffffu, keep);
      if (lane == 0)
        s_count[warp] = __popc (ballot);
      __syncthreads ();
#pragma unroll
      for (int w = 0; w < SSD_WARPS; w++)
        {
          int n = s_count[w];

          before += w < warp ? n : 0;
          chunk += n;
        }
      if (keep)
        {
          int k = total + before + __popc (ballot & below_mask);

          if (k < max_cand)
            {
              float *o = c + (int64_t) k * 5;

              ix[k] = (int) i;
              o[0] = e[4 * i];
              o[1] = e[4 * i + 1];
              o[2] = e[4 * i + 2];
              o[3] = e[4 * i + 3];
              o[4] = logit;
            }
        }
      total += chunk;
      /* s_count is written again by the next chunk */
      __syncthreads ();
    }
  if (threadIdx.x == 0)
    counts[item] = total;
}

extern "C" int
trawl_cuda_ssd_candidates (const float *enc, const float *logits, int items, int n_anchors,
                           float logit_min, int max_cand, int *counts, int *idx, float *cand,
                           void *stream)
{
  /* items is an int, so within the grid's x limit (2^31 - 1) */
  if (enc == NULL || logits == NULL || counts == NULL || idx == NULL || cand == NULL
      || items < 1 || n_anchors < 1 || max_cand < 1)
    return (int) cudaErrorInvalidValue;
  ssd_candidates_f32<<<items, SSD_THREADS, 0, (cudaStream_t) stream>>> (
    enc, logits, n_anchors, logit_min, max_cand, counts, idx, cand);
  return (int) cudaGetLastError ();
}
