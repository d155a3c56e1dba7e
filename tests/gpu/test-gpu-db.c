/* test-gpu-db.c - the DB threshold kernel (kernels/db.cu) against the CPU
 * reference _trawl_ocr_db_mask_ref (src/detect/detect-private.h): three
 * items in one launch with map sizes that end mid-word (and one that does
 * not), values equal to the threshold, NaN, infinities and subnormals,
 * every word bit for bit, pad bits 0 (the mask buffer is filled with
 * garbage first, so a word left unwritten shows); the region copy to host
 * memory (only the rectangle written, at the same places); and the
 * host-side parameter checks.
 *
 * Without a GPU (or without CUDA in the build) the GPU cases report
 * "skipped: no GPU (...)"; the parameter checks run in every CUDA build,
 * since they reject before touching the device. */
#include "trawl-config.h"
#include "gpu-test-util.h"
#include "detect/detect-private.h"
#if TRAWL_HAVE_CUDA
#include "db-kernel.h"
#include "device.h"
#include <cuda_runtime.h>
#endif

#if TRAWL_HAVE_CUDA
/* n values, det-map-like (most below the threshold) with the awkward ones
 * planted. */
static float *
make_map (guint32 seed, gsize n, float thresh)
{
  GRand *r = g_rand_new_with_seed (seed);
  float *p = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    switch (g_rand_int_range (r, 0, 12))
      {
      case 0: p[i] = thresh; break;
      case 1: p[i] = nextafterf (thresh, 1.0f); break;
      case 2: p[i] = NAN; break;
      case 3: p[i] = g_rand_boolean (r) ? INFINITY : -INFINITY; break;
      case 4: p[i] = g_rand_boolean (r) ? 1e-40f : -0.0f; break;
      default: p[i] = (float) g_rand_double (r); break;
      }
  g_rand_free (r);
  return p;
}

/* items maps of n values through the kernel on a stream, against the
 * reference per item. */
static void
check_mask (int items, int n, float thresh, guint32 seed)
{
  gsize words = ((gsize) n + 31) / 32, total = (gsize) items * n;
  g_autofree float *p = make_map (seed, total, thresh);
  g_autofree uint32_t *want = g_new (uint32_t, items * words);
  g_autofree uint32_t *got = g_new (uint32_t, items * words);
  cudaStream_t stream = NULL;
  float *dp = NULL;
  uint32_t *db = NULL;
  gsize set = 0;

  for (int i = 0; i < items; i++)
    _trawl_ocr_db_mask_ref (p + (gsize) i * n, (gsize) n, thresh, want + i * words);
  g_assert_cmpint (cudaStreamCreate (&stream), ==, cudaSuccess);
  g_assert_cmpint (cudaMalloc ((void **) &dp, total * sizeof (float)), ==, cudaSuccess);
  g_assert_cmpint (cudaMalloc ((void **) &db, items * words * sizeof (uint32_t)), ==,
                   cudaSuccess);
  g_assert_cmpint (cudaMemcpy (dp, p, total * sizeof (float), cudaMemcpyHostToDevice), ==,
                   cudaSuccess);
  g_assert_cmpint (cudaMemset (db, 0xa5, items * words * sizeof (uint32_t)), ==, cudaSuccess);
  g_assert_cmpint (trawl_cuda_db_mask (dp, items, n, thresh, db, stream), ==, 0);
  g_assert_cmpint (cudaMemcpyAsync (got, db, items * words * sizeof (uint32_t),
                                    cudaMemcpyDeviceToHost, stream), ==, cudaSuccess);
  g_assert_cmpint (trawl_cuda_stream_wait (stream), ==, 0);
  for (gsize w = 0; w < items * words; w++)
    {
      if (got[w] != want[w])
        g_error ("%d items of %d, thresh %g: word %zu (item %zu) is %08x, reference %08x",
                 items, n, thresh, w, w / words, got[w], want[w]);
      set += (gsize) __builtin_popcount (want[w]);
    }
  g_test_message ("%d items of %d values, threshold %g: masks identical (%zu set)", items, n,
                  thresh, set);
  g_assert_cmpint (cudaFree (dp), ==, cudaSuccess);
  g_assert_cmpint (cudaFree (db), ==, cudaSuccess);
  g_assert_cmpint (cudaStreamDestroy (stream), ==, cudaSuccess);
}

static void
test_mask (void)
{
  static const int sizes[] = { 1, 31, 33, 255, 257, 1000, 960 * 544 + 7, 960 * 544 };

  if (!need_gpu ())
    return;
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    check_mask (3, sizes[i], 0.3f, 1 + i);
  check_mask (1, 1027, 0.0f, 20);
  check_mask (8, 448 * 704, 0.3f, 21);
  check_mask (2, 100, NAN, 22);   /* nothing is above NaN */
}

/* A rectangle of a device map into a host map of another pitch: exactly
 * its rows and columns written, the rest of the host buffer untouched;
 * copies queued back to back, one wait. */
static void
test_rect_copy (void)
{
  enum { W = 200, H = 90, DW = 230 };
  g_autofree float *p = make_map (5, (gsize) W * H, 0.5f);
  g_autofree float *host = g_new (float, (gsize) DW * H);
  static const int rects[][4] = { { 0, 0, 1, 1 }, { 17, 3, 60, 11 }, { 150, 70, 50, 20 },
                                  { 0, 0, W, H / 3 } };   /* x, y, w, h */
  cudaStream_t stream = NULL;
  float *dp = NULL;

  if (!need_gpu ())
    return;
  for (gsize i = 0; i < (gsize) DW * H; i++)
    host[i] = -7.0f;
  g_assert_cmpint (cudaStreamCreate (&stream), ==, cudaSuccess);
  g_assert_cmpint (cudaMalloc ((void **) &dp, sizeof (float) * W * H), ==, cudaSuccess);
  g_assert_cmpint (cudaMemcpy (dp, p, sizeof (float) * W * H, cudaMemcpyHostToDevice), ==,
                   cudaSuccess);
  for (guint r = 0; r < G_N_ELEMENTS (rects); r++)
    g_assert_cmpint (trawl_cuda_copy_rect_to_host (host + rects[r][1] * DW + rects[r][0], DW,
                                                   dp + rects[r][1] * W + rects[r][0], W,
                                                   rects[r][2], rects[r][3], stream), ==, 0);
  g_assert_cmpint (trawl_cuda_stream_wait (stream), ==, 0);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < DW; x++)
      {
        gboolean in = FALSE;
        float got = host[y * DW + x];

        for (guint r = 0; r < G_N_ELEMENTS (rects); r++)
          in |= x >= rects[r][0] && x < rects[r][0] + rects[r][2] && y >= rects[r][1]
                && y < rects[r][1] + rects[r][3];
        if (in)
          g_assert_cmpmem (&got, sizeof got, &p[y * W + x], sizeof got);   /* NaN too */
        else
          g_assert_cmpfloat (got, ==, -7.0f);
      }
  g_assert_cmpint (cudaFree (dp), ==, cudaSuccess);
  g_assert_cmpint (cudaStreamDestroy (stream), ==, cudaSuccess);
}

/* Bad parameters come back as cudaErrorInvalidValue before any CUDA
 * call, so this runs without a GPU. The device pointers are never
 * dereferenced. */
static void
test_invalid (void)
{
  const float *fake = (const float *) (gintptr) 0x1000;
  uint32_t *fake_bits = (uint32_t *) (gintptr) 0x2000;
  float host[16];

  g_assert_cmpint (trawl_cuda_db_mask (fake, 0, 100, 0.3f, fake_bits, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_db_mask (fake, -1, 100, 0.3f, fake_bits, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_db_mask (fake, 65536, 100, 0.3f, fake_bits, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_db_mask (fake, 3, 0, 0.3f, fake_bits, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_db_mask (fake, 3, -32, 0.3f, fake_bits, NULL), ==,
                   cudaErrorInvalidValue);
  /* the threads' index would overflow an int */
  g_assert_cmpint (trawl_cuda_db_mask (fake, 3, G_MAXINT, 0.3f, fake_bits, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_db_mask (NULL, 3, 100, 0.3f, fake_bits, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_db_mask (fake, 3, 100, 0.3f, NULL, NULL), ==,
                   cudaErrorInvalidValue);

  g_assert_cmpint (trawl_cuda_copy_rect_to_host (NULL, 8, fake, 8, 4, 2, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_copy_rect_to_host (host, 8, NULL, 8, 4, 2, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_copy_rect_to_host (host, 8, fake, 8, 0, 2, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_copy_rect_to_host (host, 8, fake, 8, 4, 0, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_copy_rect_to_host (host, 3, fake, 8, 4, 2, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_copy_rect_to_host (host, 8, fake, 3, 4, 2, NULL), ==,
                   cudaErrorInvalidValue);
}
#else
GPU_CASE_NOT_BUILT (test_mask)
GPU_CASE_NOT_BUILT (test_rect_copy)
GPU_CASE_NOT_BUILT (test_invalid)
#endif

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gpu/db/mask", test_mask);
  g_test_add_func ("/gpu/db/rect-copy", test_rect_copy);
  g_test_add_func ("/gpu/db/invalid-params", test_invalid);
  return g_test_run ();
}
