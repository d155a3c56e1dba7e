/* test-gpu-ctc.c - the CTC step reduction kernel (kernels/ctc.cu) against
 * the CPU reference _trawl_ctc_steps_ref (src/rules/ctc-steps.h): PP-OCR
 * sized batches (32 crops x 40 steps of 6625 classes, softmax-like rows
 * with planted ties: three-way ties at the top, the blank tied with the
 * best, rows on a grid of eighths, subnormal ties) and small class counts
 * (1..4, around the block size), bit for bit, records and all; and the
 * host-side parameter checks.
 *
 * The kernel's merge order (strided per-thread lists, a butterfly across
 * each warp, then across the warps' lists) is also replayed on the host
 * with the header's own trawl_ctc_insert, so that the order independence
 * the kernel relies on is checked on every machine, GPU or not.
 *
 * Without a GPU (or without CUDA in the build) the GPU cases report
 * "skipped: no GPU (...)"; the parameter checks run in every CUDA build,
 * since they reject before touching the device. */
#include "trawl-config.h"
#include "gpu-test-util.h"
#include "rules/ctc-steps.h"
#if TRAWL_HAVE_CUDA
#include "ctc-kernel.h"
#include <cuda_runtime.h>
#endif

/* Rows of C floats for the tests, kind picked per row: softmax of random
 * logits, with ties planted (see the file comment). */
static float *
make_rows (guint32 seed, int rows, int C)
{
  GRand *r = g_rand_new_with_seed (seed);
  float *p = g_new (float, (gsize) rows * C);
  double *e = g_new (double, C);

  for (int t = 0; t < rows; t++)
    {
      float *row = p + (gsize) t * C;
      double sum = 0;
      int best = 0;

      for (int c = 0; c < C; c++)
        {
          e[c] = exp (g_rand_double_range (r, -8.0, 8.0));
          sum += e[c];
        }
      for (int c = 0; c < C; c++)
        {
          row[c] = (float) (e[c] / sum);
          best = c > 0 && (best == 0 || row[c] > row[best]) ? c : best;
        }
      switch (t % 7)
        {
        case 0:   /* the best value again at two random classes */
          if (best != 0)
            for (int i = 0; i < 2; i++)
              row[g_rand_int_range (r, 1, C)] = row[best];
          break;
        case 1:   /* the blank ties the best: decodes as blank */
          if (best != 0)
            row[0] = row[best];
          break;
        case 2:   /* on a grid of eighths: ties everywhere */
          for (int c = 0; c < C; c++)
            row[c] = g_rand_int_range (r, 0, 9) / 8.0f;
          break;
        case 3:   /* ties at the second and third place, far apart */
          if (C > 3)
            {
              row[1] = row[C - 1] = 0.3f;
              row[C / 2] = 0.6f;
            }
          break;
        case 4:   /* subnormals only, tied, among zeros of both signs */
          for (int c = 0; c < C; c++)
            row[c] = (c % 3 == 0) ? 1e-40f : (c & 1) ? -0.0f : 0.0f;
          break;
        default:
          break;
        }
    }
  g_free (e);
  g_rand_free (r);
  return p;
}

/* ---- the kernel's merge order, replayed on the host ---- */

typedef struct {
  int   cls[TRAWL_CTC_TOPK];
  float prob[TRAWL_CTC_TOPK];
} List;

static void
list_clear (List *l)
{
  for (int k = 0; k < TRAWL_CTC_TOPK; k++)
    {
      l->cls[k] = 0;
      l->prob[k] = -1.0f;
    }
}

/* The butterfly of one warp over lanes[0..32): at each step every lane
 * merges the list of its partner as it was before the step. */
static void
butterfly (List *lanes)
{
  for (int mask = 16; mask > 0; mask >>= 1)
    {
      List was[32];

      memcpy (was, lanes, sizeof was);
      for (int l = 0; l < 32; l++)
        for (int k = 0; k < TRAWL_CTC_TOPK; k++)
          trawl_ctc_insert (lanes[l].cls, lanes[l].prob, was[l ^ mask].cls[k],
                            was[l ^ mask].prob[k]);
    }
}

/* One row reduced as ctc.cu does it with `threads` threads a block (a
 * multiple of 32, at most 1024). */
static void
tree_step (const float *row, int C, int threads, TrawlCtcStep *s)
{
  g_autofree List *lanes = g_new (List, threads);
  List first[32];

  for (int i = 0; i < threads; i++)
    {
      list_clear (&lanes[i]);
      for (int c = 1 + i; c < C; c += threads)
        trawl_ctc_insert (lanes[i].cls, lanes[i].prob, c, row[c]);
    }
  for (int w = 0; w < threads / 32; w++)
    butterfly (lanes + 32 * w);
  for (int l = 0; l < 32; l++)
    {
      if (l < threads / 32)
        first[l] = lanes[32 * l];
      else
        list_clear (&first[l]);
    }
  butterfly (first);
  s->blank = row[0];
  memcpy (s->cls, first[0].cls, sizeof s->cls);
  memcpy (s->prob, first[0].prob, sizeof s->prob);
}

static void
test_merge_order (void)
{
  static const int sizes[] = { 1, 2, 3, 4, 33, 255, 256, 257, 6625 };
  static const int threads[] = { 32, 128, 256 };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      int C = sizes[i], rows = C > 1000 ? 28 : 70;
      g_autofree float *p = make_rows (100 + i, rows, C);
      g_autofree TrawlCtcStep *want = g_new (TrawlCtcStep, rows);

      _trawl_ctc_steps_ref (p, rows, C, want);
      for (guint j = 0; j < G_N_ELEMENTS (threads); j++)
        for (int t = 0; t < rows; t++)
          {
            TrawlCtcStep got;

            tree_step (p + (gsize) t * C, C, threads[j], &got);
            if (memcmp (&got, &want[t], sizeof got) != 0)
              g_error ("C %d, %d threads, row %d: tree (%d %g, %d %g, %d %g), reference "
                       "(%d %g, %d %g, %d %g)", C, threads[j], t, got.cls[0], got.prob[0],
                       got.cls[1], got.prob[1], got.cls[2], got.prob[2], want[t].cls[0],
                       want[t].prob[0], want[t].cls[1], want[t].prob[1], want[t].cls[2],
                       want[t].prob[2]);
          }
    }
}

/* ---- the kernel ---- */

#if TRAWL_HAVE_CUDA
/* rows x C rows through the kernel on a stream, against the reference:
 * every byte of every record (the record buffer is filled with garbage
 * first, so a record left unwritten shows). */
static void
check_kernel (int rows, int C, guint32 seed)
{
  g_autofree float *p = make_rows (seed, rows, C);
  g_autofree TrawlCtcStep *want = g_new (TrawlCtcStep, rows);
  g_autofree TrawlCtcStep *got = g_new (TrawlCtcStep, rows);
  gsize in_bytes = (gsize) rows * C * sizeof (float), out_bytes = (gsize) rows * sizeof *got;
  cudaStream_t stream = NULL;
  float *dp = NULL;
  TrawlCtcStep *ds = NULL;
  int n_blank = 0;

  _trawl_ctc_steps_ref (p, rows, C, want);
  g_assert_cmpint (cudaStreamCreate (&stream), ==, cudaSuccess);
  g_assert_cmpint (cudaMalloc ((void **) &dp, in_bytes), ==, cudaSuccess);
  g_assert_cmpint (cudaMalloc ((void **) &ds, out_bytes), ==, cudaSuccess);
  g_assert_cmpint (cudaMemcpy (dp, p, in_bytes, cudaMemcpyHostToDevice), ==, cudaSuccess);
  g_assert_cmpint (cudaMemset (ds, 0xa5, out_bytes), ==, cudaSuccess);
  g_assert_cmpint (trawl_cuda_ctc_steps (dp, rows, C, ds, stream), ==, 0);
  g_assert_cmpint (cudaMemcpyAsync (got, ds, out_bytes, cudaMemcpyDeviceToHost, stream), ==,
                   cudaSuccess);
  g_assert_cmpint (cudaStreamSynchronize (stream), ==, cudaSuccess);
  for (int t = 0; t < rows; t++)
    {
      if (memcmp (&got[t], &want[t], sizeof got[t]) != 0)
        g_error ("C %d, row %d: kernel (%g | %d %g, %d %g, %d %g), reference "
                 "(%g | %d %g, %d %g, %d %g)", C, t, got[t].blank, got[t].cls[0],
                 got[t].prob[0], got[t].cls[1], got[t].prob[1], got[t].cls[2], got[t].prob[2],
                 want[t].blank, want[t].cls[0], want[t].prob[0], want[t].cls[1],
                 want[t].prob[1], want[t].cls[2], want[t].prob[2]);
      n_blank += trawl_ctc_step_class (&want[t]) == 0;
    }
  g_test_message ("%d rows of %d classes: records identical (%d decode as blank)", rows, C,
                  n_blank);
  g_assert_cmpint (cudaFree (dp), ==, cudaSuccess);
  g_assert_cmpint (cudaFree (ds), ==, cudaSuccess);
  g_assert_cmpint (cudaStreamDestroy (stream), ==, cudaSuccess);
}

/* A PP-OCR batch: 32 crops of 40 steps, 6625 classes. */
static void
test_ppocr (void)
{
  if (!need_gpu ())
    return;
  check_kernel (32 * 40, 6625, 1);
  check_kernel (1, 6625, 2);
}

/* Class counts where lists run short or the block's threads idle. */
static void
test_small (void)
{
  static const int sizes[] = { 1, 2, 3, 4, 31, 255, 256, 257, 513 };

  if (!need_gpu ())
    return;
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    check_kernel (211, sizes[i], 10 + i);
}

/* Bad parameters come back as cudaErrorInvalidValue before any CUDA
 * call, so this runs without a GPU. The device pointers are never
 * dereferenced. */
static void
test_invalid (void)
{
  const float *fake = (const float *) (gintptr) 0x1000;
  TrawlCtcStep *fake_steps = (TrawlCtcStep *) (gintptr) 0x2000;

  g_assert_cmpint (trawl_cuda_ctc_steps (fake, 0, 6625, fake_steps, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_ctc_steps (fake, -1, 6625, fake_steps, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_ctc_steps (fake, G_MININT, 6625, fake_steps, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_ctc_steps (fake, 40, 0, fake_steps, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_ctc_steps (fake, 40, -6625, fake_steps, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_ctc_steps (NULL, 40, 6625, fake_steps, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_ctc_steps (fake, 40, 6625, NULL, NULL), ==,
                   cudaErrorInvalidValue);
  /* the kernel's strided class index would overflow */
  g_assert_cmpint (trawl_cuda_ctc_steps (fake, 40, G_MAXINT, fake_steps, NULL), ==,
                   cudaErrorInvalidValue);
}
#else
GPU_CASE_NOT_BUILT (test_ppocr)
GPU_CASE_NOT_BUILT (test_small)
GPU_CASE_NOT_BUILT (test_invalid)
#endif

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gpu/ctc/merge-order", test_merge_order);
  g_test_add_func ("/gpu/ctc/ppocr", test_ppocr);
  g_test_add_func ("/gpu/ctc/small", test_small);
  g_test_add_func ("/gpu/ctc/invalid-params", test_invalid);
  return g_test_run ();
}
