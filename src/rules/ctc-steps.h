/* ctc-steps.h - greedy CTC decoding reduced to one small record per time
 * step, so that the rec net's output can be reduced where it lies and only
 * the records travel: a step of PP-OCR's rec output is n_classes floats
 * (6625 for ppocr_keys_v1, 26 KB), its record 28 bytes. The GPU plate
 * path reduces on the device (kernels/ctc.cu) and reads back the records;
 * the CPU path reduces with the reference below. Both then decode the
 * records the same way (_trawl_ocr_ctc_decode_steps, detect-private.h).
 * Plain C: nvcc includes it too. Private to trawl.
 *
 * The record of a row p[0..n_classes) (class 0 is the CTC blank):
 *   blank   = p[0]
 *   cls/prob = the TRAWL_CTC_TOPK best non-blank classes, ordered by
 *             probability descending, equal probabilities lower class
 *             first (trawl_ctc_before); only values > -1 are candidates
 *             (so NaNs never are), and missing entries are class 0 with
 *             probability -1 (fewer than TRAWL_CTC_TOPK candidates:
 *             n_classes < 4, or a row that is not probabilities).
 * That is all greedy decoding needs: the step's argmax over all classes,
 * first maximum winning, is the blank unless the best non-blank class is
 * strictly more probable (trawl_ctc_step_class), and then its probability
 * is prob[0]. The one difference from an argmax over the raw row: a
 * non-blank class whose value is <= -1 never wins, which cannot happen
 * with softmax outputs.
 *
 * The record holds only comparisons' winners, copied, never computed: a
 * reduction in any order (the kernel's tree) gives the reference's record
 * bit for bit, since trawl_ctc_before is a strict total order on
 * (probability, class) pairs of distinct classes. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __CUDACC__
#define TRAWL_CTC_FN static __host__ __device__ __forceinline__
#else
#define TRAWL_CTC_FN static inline
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define TRAWL_CTC_TOPK 3

/* One time step of a CTC output, reduced (see above). */
typedef struct {
  float blank;                 /* probability of the blank, class 0 */
  int   cls[TRAWL_CTC_TOPK];   /* best non-blank classes, best first; 0: none */
  float prob[TRAWL_CTC_TOPK];  /* their probabilities; -1 where cls is 0 */
} TrawlCtcStep;

/* The CPU reference: one record per row of probs (rows rows of n_classes
 * floats each, n_classes >= 1) into steps[0..rows). */
void _trawl_ctc_steps_ref (const float *probs, int rows, int n_classes, TrawlCtcStep *steps);

/* TRUE when candidate (pa, ca) ranks before (pb, cb): more probable, or as
 * probable and a lower class. False whenever a probability is NaN. */
TRAWL_CTC_FN int
trawl_ctc_before (float pa, int ca, float pb, int cb)
{
  return pa > pb || (pa == pb && ca < cb);
}

/* Puts candidate (c, p) into the sorted list cls/prob of TRAWL_CTC_TOPK
 * if it ranks before the last entry, dropping that one. Candidates may
 * come in any order; a list kept this way from the empty one (class 0,
 * probability -1 everywhere) holds the best of all candidates offered,
 * provided none is offered twice. Constant indices only, so that a GPU
 * keeps the list in registers. */
TRAWL_CTC_FN void
trawl_ctc_insert (int *cls, float *prob, int c, float p)
{
  if (!trawl_ctc_before (p, c, prob[TRAWL_CTC_TOPK - 1], cls[TRAWL_CTC_TOPK - 1]))
    return;
  cls[TRAWL_CTC_TOPK - 1] = c;
  prob[TRAWL_CTC_TOPK - 1] = p;
#ifdef __CUDA_ARCH__   /* device code only: host compilers warn on it */
#pragma unroll
#endif
  for (int k = TRAWL_CTC_TOPK - 1; k > 0; k--)
    {
      int up = trawl_ctc_before (prob[k], cls[k], prob[k - 1], cls[k - 1]);
      int tc = cls[k - 1];
      float tp = prob[k - 1];

      cls[k - 1] = up ? cls[k] : tc;
      prob[k - 1] = up ? prob[k] : tp;
      cls[k] = up ? tc : cls[k];
      prob[k] = up ? tp : prob[k];
    }
}

/* The class greedy decoding takes at step s: the argmax over all classes
 * of the row s came from, the first maximum winning (see above). */
TRAWL_CTC_FN int
trawl_ctc_step_class (const TrawlCtcStep *s)
{
  return s->cls[0] != 0 && s->prob[0] > s->blank ? s->cls[0] : 0;
}

#ifdef __cplusplus
}
#endif
