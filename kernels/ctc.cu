/* ctc.cu - the CTC step reduction of src/rules/ctc-steps.h on the GPU:
 * each row of a rec net's output (one time step, n_classes probabilities)
 * becomes one TrawlCtcStep record (the blank's probability and the best
 * non-blank classes), so only the records need to leave the device.
 *
 * One block per row. Each thread keeps the best TRAWL_CTC_TOPK of a
 * strided share of classes 1..n_classes-1 (neighbouring threads read
 * neighbouring floats), then the lists are merged in registers across
 * each warp by shuffles, and the warps' lists through shared memory by
 * the first warp. Merging inserts one list's entries into the other with
 * ctc-steps.h's trawl_ctc_insert, whose order is total on candidates of
 * distinct classes, so the result does not depend on the tree's shape and
 * is the reference's record bit for bit: values are only compared and
 * copied. (Comparisons of subnormals need the default --ftz=false, which
 * trawl_kernels_lib keeps: no fast-math.)
 *
 * Parameters are checked here on the host; a bad one returns
 * cudaErrorInvalidValue before anything touches the device.
 */
#include "ctc-kernel.h"

#include <cuda_runtime.h>
#include <limits.h>

#define CTC_THREADS 256   /* per block (one row): ~26 classes each for PP-OCR's 6625 */
#define CTC_WARPS   (CTC_THREADS / 32)

static_assert (CTC_WARPS <= 32, "the warps' lists must fit in one warp");

/* Merges the list of the lane `mask` lanes away (lane ^ mask) into this
 * lane's. The two lists hold disjoint classes (different lanes' shares,
 * or merges of disjoint sets of lanes), as trawl_ctc_insert requires;
 * after the butterfly every lane holds the warp's best. */
static __device__ __forceinline__ void
merge_lane (int *cls, float *prob, int mask)
{
  int oc[TRAWL_CTC_TOPK];
  float op[TRAWL_CTC_TOPK];

#pragma unroll
  for (int k = 0; k < TRAWL_CTC_TOPK; k++)
    {
      oc[k] = __shfl_xor_sync (0xffffffffu, cls[k], mask);
      op[k] = __shfl_xor_sync (0xffffffffu, prob[k], mask);
    }
#pragma unroll
  for (int k = 0; k < TRAWL_CTC_TOPK; k++)
    trawl_ctc_insert (cls, prob, oc[k], op[k]);
}

static __device__ __forceinline__ void
merge_warp (int *cls, float *prob)
{
#pragma unroll
  for (int mask = 16; mask > 0; mask >>= 1)
    merge_lane (cls, prob, mask);
}

static __device__ __forceinline__ void
list_clear (int *cls, float *prob)
{
#pragma unroll
  for (int k = 0; k < TRAWL_CTC_TOPK; k++)
    {
      cls[k] = 0;
      prob[k] = -1.0f;
    }
}

static __global__ void __launch_bounds__ (CTC_THREADS)
ctc_steps_f32 (const float *probs, int n_classes, TrawlCtcStep *steps)
{
  __shared__ int s_cls[CTC_WARPS][TRAWL_CTC_TOPK];
  __shared__ float s_prob[CTC_WARPS][TRAWL_CTC_TOPK];
  const float *p = probs + (int64_t) blockIdx.x * n_classes;
  int lane = (int) threadIdx.x & 31, warp = (int) threadIdx.x >> 5;
  int cls[TRAWL_CTC_TOPK];
  float prob[TRAWL_CTC_TOPK];

  list_clear (cls, prob);
  for (int c = 1 + (int) threadIdx.x; c < n_classes; c += CTC_THREADS)
    trawl_ctc_insert (cls, prob, c, p[c]);
  merge_warp (cls, prob);
  if (lane == 0)
    {
#pragma unroll
      for (int k = 0; k < TRAWL_CTC_TOPK; k++)
        {
          s_cls[warp][k] = cls[k];
          s_prob[warp][k] = prob[k];
        }
    }
  __syncthreads ();
  if (warp != 0)
    return;
  /* lanes past the warps' count hold empty lists: they merge as nothing */
  list_clear (cls, prob);
  if (lane < CTC_WARPS)
    {
#pragma unroll
      for (int k = 0; k < TRAWL_CTC_TOPK; k++)
        {
          cls[k] = s_cls[lane][k];
          prob[k] = s_prob[lane][k];
        }
    }
  merge_warp (cls, prob);
  if (lane == 0)
    {
      TrawlCtcStep *s = &steps[blockIdx.x];

      s->blank = p[0];
#pragma unroll
      for (int k = 0; k < TRAWL_CTC_TOPK; k++)
        {
          s->cls[k] = cls[k];
          s->prob[k] = prob[k];
        }
    }
}

extern "C" int
trawl_cuda_ctc_steps (const float *probs, int rows, int n_classes, TrawlCtcStep *steps,
                      void *stream)
{
  /* rows is an int, so within the grid's x limit (2^31 - 1) */
  /* the strided class loop must not overflow an int */
  if (probs == NULL || steps == NULL || rows < 1 || n_classes < 1
      || n_classes > INT_MAX - CTC_THREADS)
    return (int) cudaErrorInvalidValue;
  ctc_steps_f32<<<rows, CTC_THREADS, 0, (cudaStream_t) stream>>> (probs, n_classes, steps);
  return (int) cudaGetLastError ();
}
