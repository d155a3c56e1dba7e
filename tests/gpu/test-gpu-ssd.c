/* test-gpu-ssd.c - the face SSD's candidate prefilter kernel
 * (kernels/ssd.cu) against the CPU reference _trawl_ssd_candidates_ref
 * (src/detect/ssd-post.c): batches shaped like the face path's (32
 * regions of face-api's 5118 anchors) on random outputs with planted
 * trouble (logits tied with and a few ulps around the threshold, -0, NaN,
 * infinities, NaN encodings), at several thresholds (keep all, the
 * face path's for min_score 0.1 and 0.5, 0, keep none, NaN), and with
 * max_cand small enough that items overflow; anchor counts around the
 * block size. Bit for bit: counts, indices and records, and the entries
 * past each item's candidates must stay unwritten.
 *
 * The kernel's ranking (per-warp ballots and popcounts, warp counts added
 * through shared memory, a running total over chunks) is also replayed on
 * the host, so the ordering argument is checked on every machine, GPU or
 * not.
 *
 * Without a GPU (or without CUDA in the build) the GPU cases report
 * "skipped: no GPU (...)"; the parameter checks run in every CUDA build,
 * since they reject before touching the device. */
#include "trawl-config.h"
#include "gpu-test-util.h"
#include "detect/detect-private.h"
#include "ssd-kernel.h"
#include "trawl/faces-post.h"
#if TRAWL_HAVE_CUDA
#include <cuda_runtime.h>
#endif

#define N_ANCHORS TRAWL_FACES_SSD_ANCHORS
#define GARBAGE   0xa5

/* Outputs of items x n anchors: random encodings and logits, with logits
 * at and around `around` planted (ties, +-ulps) and special values. */
static void
make_outputs (guint32 seed, int items, int n, float around, float **enc, float **logits)
{
  GRand *r = g_rand_new_with_seed (seed);
  gsize na = (gsize) items * n;

  *enc = g_new (float, 4 * na);
  *logits = g_new (float, 3 * na);
  for (gsize i = 0; i < 4 * na; i++)
    (*enc)[i] = (float) g_rand_double_range (r, -3, 3);
  for (gsize i = 0; i < 3 * na; i++)
    (*logits)[i] = (float) g_rand_double_range (r, -8, 4);
  for (gsize i = 0; i < na; i++)
    {
      float *l = *logits + 3 * i + 1;

      switch (g_rand_int_range (r, 0, 16))
        {
        case 0: *l = around; break;
        case 1: *l = nextafterf (around, INFINITY); break;
        case 2: *l = nextafterf (around, -INFINITY); break;
        case 3: *l = NAN; break;
        case 4: *l = -INFINITY; break;
        case 5: *l = INFINITY; break;
        case 6: *l = -0.0f; break;
        case 7: (*enc)[4 * i + g_rand_int_range (r, 0, 4)] = NAN; break;
        default: break;
        }
    }
  g_rand_free (r);
}

/* ---- the kernel's ranking, replayed on the host ---- */

/* Candidate ranks of one item as ssd.cu computes them with `threads`
 * threads a block (a multiple of 32): rank[i] for kept anchors, -1 else. */
static void
replay (const float *logits, int n, float logit_min, int threads, int *rank)
{
  int warps = threads / 32, total = 0;
  g_autofree guint32 *ballot = g_new (guint32, warps);

  for (int base = 0; base < n; base += threads)
    {
      int chunk = 0;

      for (int w = 0; w < warps; w++)
        {
          ballot[w] = 0;
          for (int lane = 0; lane < 32; lane++)
            {
              int i = base + 32 * w + lane;
              if (i < n && trawl_ssd_keep (logits[3 * i + 1], logit_min))
                ballot[w] |= 1u << lane;
            }
          chunk += __builtin_popcount (ballot[w]);
        }
      for (int t = 0; t < threads; t++)
        {
          int i = base + t, w = t / 32, lane = t % 32, before = 0;

          if (i >= n)
            continue;
          if (!(ballot[w] & (1u << lane)))
            {
              rank[i] = -1;
              continue;
            }
          for (int v = 0; v < w; v++)
            before += __builtin_popcount (ballot[v]);
          rank[i] = total + before + __builtin_popcount (ballot[w] & ((1u << lane) - 1u));
        }
      total += chunk;
    }
}

static void
test_replay (void)
{
  static const int sizes[] = { 1, 31, 32, 255, 256, 257, N_ANCHORS };
  static const int threads[] = { 32, 256, 1024 };

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      int n = sizes[s];
      g_autofree float *enc = NULL, *logits = NULL;
      g_autofree int *idx = g_new (int, n), *rank = g_new (int, n);
      g_autofree float *cand = g_new (float, 5 * (gsize) n);
      float lm = trawl_faces_ssd_logit_min (0.5f);

      make_outputs (40 + s, 1, n, lm, &enc, &logits);
      int count = _trawl_ssd_candidates_ref (enc, logits, n, lm, n, idx, cand);
      for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
        {
          int seen = 0;

          replay (logits, n, lm, threads[t], rank);
          for (int i = 0; i < n; i++)
            if (rank[i] >= 0)
              {
                g_assert_cmpint (rank[i], <, count);
                g_assert_cmpint (idx[rank[i]], ==, i);
                seen++;
              }
          g_assert_cmpint (seen, ==, count);
        }
    }
}

/* ---- the kernel ---- */

#if TRAWL_HAVE_CUDA
/* The reference over items, into buffers filled with GARBAGE first. */
static void
reference (const float *enc, const float *logits, int items, int n, float logit_min,
           int max_cand, int *counts, int *idx, float *cand)
{
  memset (idx, GARBAGE, (gsize) items * max_cand * sizeof (int));
  memset (cand, GARBAGE, (gsize) items * max_cand * 5 * sizeof (float));
  for (int i = 0; i < items; i++)
    counts[i] = _trawl_ssd_candidates_ref (enc + (gsize) i * n * 4, logits + (gsize) i * n * 3,
                                           n, logit_min, max_cand, idx + (gsize) i * max_cand,
                                           cand + (gsize) i * max_cand * 5);
}

/* items x n through the kernel on a stream against the reference, byte
 * for byte over whole buffers (filled with GARBAGE first on both sides,
 * so a record written where none should be, or left out, shows). */
static void
check_kernel (int items, int n, float logit_min, int max_cand, guint32 seed, float around)
{
  g_autofree float *enc = NULL, *logits = NULL;
  gsize rec = (gsize) items * max_cand;
  g_autofree int *w_counts = g_new (int, items), *g_counts = g_new (int, items);
  g_autofree int *w_idx = g_new (int, rec), *g_idx = g_new (int, rec);
  g_autofree float *w_cand = g_new (float, 5 * rec), *g_cand = g_new (float, 5 * rec);
  gsize enc_bytes = (gsize) items * n * 4 * sizeof (float);
  gsize log_bytes = (gsize) items * n * 3 * sizeof (float);
  cudaStream_t stream = NULL;
  float *d_enc = NULL, *d_log = NULL, *d_cand = NULL;
  int *d_counts = NULL, *d_idx = NULL;
  int over = 0, total = 0;

  make_outputs (seed, items, n, around, &enc, &logits);
  reference (enc, logits, items, n, logit_min, max_cand, w_counts, w_idx, w_cand);
  g_assert_cmpint (cudaStreamCreate (&stream), ==, cudaSuccess);
  g_assert_cmpint (cudaMalloc ((void **) &d_enc, enc_bytes), ==, cudaSuccess);
  g_assert_cmpint (cudaMalloc ((void **) &d_log, log_bytes), ==, cudaSuccess);
  g_assert_cmpint (cudaMalloc ((void **) &d_counts, items * sizeof (int)), ==, cudaSuccess);
  g_assert_cmpint (cudaMalloc ((void **) &d_idx, rec * sizeof (int)), ==, cudaSuccess);
  g_assert_cmpint (cudaMalloc ((void **) &d_cand, 5 * rec * sizeof (float)), ==, cudaSuccess);
  g_assert_cmpint (cudaMemcpy (d_enc, enc, enc_bytes, cudaMemcpyHostToDevice), ==, cudaSuccess);
  g_assert_cmpint (cudaMemcpy (d_log, logits, log_bytes, cudaMemcpyHostToDevice), ==,
                   cudaSuccess);
  g_assert_cmpint (cudaMemset (d_counts, GARBAGE, items * sizeof (int)), ==, cudaSuccess);
  g_assert_cmpint (cudaMemset (d_idx, GARBAGE, rec * sizeof (int)), ==, cudaSuccess);
  g_assert_cmpint (cudaMemset (d_cand, GARBAGE, 5 * rec * sizeof (float)), ==, cudaSuccess);
  g_assert_cmpint (trawl_cuda_ssd_candidates (d_enc, d_log, items, n, logit_min, max_cand,
                                              d_counts, d_idx, d_cand, stream), ==, 0);
  g_assert_cmpint (cudaMemcpyAsync (g_counts, d_counts, items * sizeof (int),
                                    cudaMemcpyDeviceToHost, stream), ==, cudaSuccess);
  g_assert_cmpint (cudaMemcpyAsync (g_idx, d_idx, rec * sizeof (int), cudaMemcpyDeviceToHost,
                                    stream), ==, cudaSuccess);
  g_assert_cmpint (cudaMemcpyAsync (g_cand, d_cand, 5 * rec * sizeof (float),
                                    cudaMemcpyDeviceToHost, stream), ==, cudaSuccess);
  g_assert_cmpint (cudaStreamSynchronize (stream), ==, cudaSuccess);
  for (int i = 0; i < items; i++)
    {
      g_assert_cmpint (g_counts[i], ==, w_counts[i]);
      over += w_counts[i] > max_cand;
      total += w_counts[i];
    }
  g_assert_cmpmem (g_idx, rec * sizeof (int), w_idx, rec * sizeof (int));
  g_assert_cmpmem (g_cand, 5 * rec * sizeof (float), w_cand, 5 * rec * sizeof (float));
  g_test_message ("%d items of %d anchors, threshold %g, max_cand %d: %d candidates, "
                  "%d items over; identical", items, n, logit_min, max_cand, total, over);
  g_assert_cmpint (cudaFree (d_enc), ==, cudaSuccess);
  g_assert_cmpint (cudaFree (d_log), ==, cudaSuccess);
  g_assert_cmpint (cudaFree (d_counts), ==, cudaSuccess);
  g_assert_cmpint (cudaFree (d_idx), ==, cudaSuccess);
  g_assert_cmpint (cudaFree (d_cand), ==, cudaSuccess);
  g_assert_cmpint (cudaStreamDestroy (stream), ==, cudaSuccess);
}

/* The face path's batches: 32 regions of 5118 anchors, max_cand 512. */
static void
test_faces (void)
{
  const float lms[] = { trawl_faces_ssd_logit_min (0.5f), trawl_faces_ssd_logit_min (0.1f),
                        0.0f, 3.5f, -INFINITY, INFINITY, NAN };

  if (!need_gpu ())
    return;
  for (guint i = 0; i < G_N_ELEMENTS (lms); i++)
    {
      /* plant the ties at the threshold itself where it is finite; with
       * logits in -8..4 most thresholds overflow 512 in some items */
      float around = isfinite (lms[i]) ? lms[i] : 0.0f;
      check_kernel (32, N_ANCHORS, lms[i], TRAWL_FACE_SSD_MAX_CAND, 1 + i, around);
    }
}

/* Items that overflow small max_cand, and anchor counts around the block. */
static void
test_shapes (void)
{
  static const int sizes[] = { 1, 31, 32, 255, 256, 257, 513 };

  if (!need_gpu ())
    return;
  check_kernel (32, N_ANCHORS, 0.0f, 1, 20, 0.0f);
  check_kernel (32, N_ANCHORS, 3.5f, 16, 21, 3.5f);
  check_kernel (1, N_ANCHORS, -INFINITY, N_ANCHORS, 22, 0.0f);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    check_kernel (3, sizes[i], 0.5f, 64, 30 + i, 0.5f);
}

/* Bad parameters come back as cudaErrorInvalidValue before any CUDA
 * call, so this runs without a GPU. The device pointers are never
 * dereferenced. */
static void
test_invalid (void)
{
  const float *fe = (const float *) (gintptr) 0x1000, *fl = (const float *) (gintptr) 0x2000;
  int *fc = (int *) (gintptr) 0x3000, *fi = (int *) (gintptr) 0x4000;
  float *fd = (float *) (gintptr) 0x5000;
  const int bad = cudaErrorInvalidValue;

  g_assert_cmpint (trawl_cuda_ssd_candidates (NULL, fl, 32, N_ANCHORS, 0, 512, fc, fi, fd, NULL),
                   ==, bad);
  g_assert_cmpint (trawl_cuda_ssd_candidates (fe, NULL, 32, N_ANCHORS, 0, 512, fc, fi, fd, NULL),
                   ==, bad);
  g_assert_cmpint (trawl_cuda_ssd_candidates (fe, fl, 32, N_ANCHORS, 0, 512, NULL, fi, fd, NULL),
                   ==, bad);
  g_assert_cmpint (trawl_cuda_ssd_candidates (fe, fl, 32, N_ANCHORS, 0, 512, fc, NULL, fd, NULL),
                   ==, bad);
  g_assert_cmpint (trawl_cuda_ssd_candidates (fe, fl, 32, N_ANCHORS, 0, 512, fc, fi, NULL, NULL),
                   ==, bad);
  g_assert_cmpint (trawl_cuda_ssd_candidates (fe, fl, 0, N_ANCHORS, 0, 512, fc, fi, fd, NULL),
                   ==, bad);
  g_assert_cmpint (trawl_cuda_ssd_candidates (fe, fl, G_MININT, N_ANCHORS, 0, 512, fc, fi, fd,
                                              NULL), ==, bad);
  g_assert_cmpint (trawl_cuda_ssd_candidates (fe, fl, 32, 0, 0, 512, fc, fi, fd, NULL), ==, bad);
  g_assert_cmpint (trawl_cuda_ssd_candidates (fe, fl, 32, -5118, 0, 512, fc, fi, fd, NULL), ==,
                   bad);
  g_assert_cmpint (trawl_cuda_ssd_candidates (fe, fl, 32, N_ANCHORS, 0, 0, fc, fi, fd, NULL), ==,
                   bad);
  g_assert_cmpint (trawl_cuda_ssd_candidates (fe, fl, 32, N_ANCHORS, 0, -1, fc, fi, fd, NULL),
                   ==, bad);
}
#else
GPU_CASE_NOT_BUILT (test_faces)
GPU_CASE_NOT_BUILT (test_shapes)
GPU_CASE_NOT_BUILT (test_invalid)
#endif

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gpu/ssd/rank-replay", test_replay);
  g_test_add_func ("/gpu/ssd/faces", test_faces);
  g_test_add_func ("/gpu/ssd/shapes", test_shapes);
  g_test_add_func ("/gpu/ssd/invalid-params", test_invalid);
  return g_test_run ();
}
