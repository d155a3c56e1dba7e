/* test-gpu-warp.c - the CUDA warp kernel (kernels/warp.cu) against the CPU
 * reference _trawl_warp_nv12_ref on random NV12 frames with odd pitches:
 * single warps through the host helper (letterbox, rotation with k = 3,
 * round_u8, BGR + normalisation, out_w < dst_w, and two on a 1080p frame
 * with a 2048 pitch), a batch of five on a
 * stream against five single references, crops cut into a scratch buffer
 * then resized from there by the planar batch kernel (the batched plate
 * reader's two stages), and the host-side parameter checks. The CPU rule
 * itself is tested in tests/base/test-warp.c.
 *
 * Tolerance: max |gpu - ref| <= 1e-3 on the 0..255 scale (differences
 * divided by the channel's scale). warp.cu is built without FMA
 * contraction so the two should agree exactly; 1e-3 leaves room for a
 * compiler that evaluates a product differently. With round_u8 a value
 * sitting on a .5 boundary may round the other way: those may differ by
 * exactly one step, in at most 0.1% of the values.
 *
 * Without a GPU (or without CUDA in the build) the GPU cases report
 * "skipped: no GPU (...)"; the parameter checks run in every CUDA build,
 * since they reject before touching the device. */
#include "trawl-config.h"
#include "gpu-test-util.h"
#include "rules/warp.h"
#include "../common/trawl-test-image.h"
#if TRAWL_HAVE_CUDA
#include "device.h"
#include "warp-kernel.h"
#include <cuda_runtime.h>
#endif

#define SENTINEL TRAWL_TEST_SENTINEL   /* tensor values a warp must leave alone */
#define TOL_0_255 1e-3         /* max |gpu - ref| on the 0..255 scale */

/* The random source: luma size, odd pitches larger than the rows. */
enum { SRC_W = 330, SRC_H = 186, PITCH_Y = 337, PITCH_UV = 341 };

#if TRAWL_HAVE_CUDA
typedef struct {
  guint8 *y, *uv;   /* host planes of PITCH_Y x SRC_H and PITCH_UV x SRC_H / 2 bytes */
} Frame;

/* Random Y 16..235 and U/V 16..240 in every byte, the padding too (the
 * kernel must not read it, and would get other values on the device). */
static void
frame_init (Frame *f, guint32 seed)
{
  GRand *r = g_rand_new_with_seed (seed);

  f->y = g_malloc ((gsize) PITCH_Y * SRC_H);
  f->uv = g_malloc ((gsize) PITCH_UV * SRC_H / 2);
  for (gsize i = 0; i < (gsize) PITCH_Y * SRC_H; i++)
    f->y[i] = (guint8) g_rand_int_range (r, 16, 236);
  for (gsize i = 0; i < (gsize) PITCH_UV * SRC_H / 2; i++)
    f->uv[i] = (guint8) g_rand_int_range (r, 16, 241);
  g_rand_free (r);
}

static void
frame_clear (Frame *f)
{
  g_clear_pointer (&f->y, g_free);
  g_clear_pointer (&f->uv, g_free);
}

/* Asserts got matches want (the reference) for warp p: within TOL_0_255
 * on the 0..255 scale, or one step for round_u8 values in at most 0.1%
 * of them; columns >= out_w still SENTINEL in both. */
static void
assert_warp_match (const TrawlWarpParams *p, const float *got, const float *want,
                   const char *what)
{
  gint64 plane = (gint64) p->dst_w * p->dst_h, n = 0, steps = 0;
  double worst = 0;

  for (int c = 0; c < 3; c++)
    for (int v = 0; v < p->dst_h; v++)
      for (int u = 0; u < p->dst_w; u++)
        {
          gint64 at = c * plane + (gint64) v * p->dst_w + u;
          double d;

          if (u >= p->out_w)
            {
              g_assert_cmpfloat (got[at], ==, SENTINEL);
              g_assert_cmpfloat (want[at], ==, SENTINEL);
              continue;
            }
          g_assert_false (isnan (got[at]));
          g_assert_false (isnan (want[at]));
          d = fabs ((double) got[at] - want[at]) / fabs ((double) p->scale[c]);
          n++;
          if (p->round_u8 && d > TOL_0_255)
            {
              g_assert_cmpfloat (fabs (d - 1.0), <=, TOL_0_255);
              steps++;
              continue;
            }
          worst = MAX (worst, d);
        }
  g_test_message ("%s: %" G_GINT64_FORMAT " values, max |gpu - ref| %.3g (0..255 scale), "
                  "%" G_GINT64_FORMAT " one-step rounding flips", what, n, worst, steps);
  g_assert_cmpfloat (worst, <=, TOL_0_255);
  g_assert_cmpint (steps * 1000, <=, n);
}

/* The single-warp cases, each with its own quirk. */
static int
single_cases (TrawlWarpParams *ps, const char **names)
{
  const float imagenet_mean[3] = { 123.675f, 116.28f, 103.53f };
  const float imagenet_scale[3] = { 1 / 58.395f, 1 / 57.12f, 1 / 57.375f };
  TrawlWarpParams *p;
  int n = 0;

  /* letterbox 330x186 into 160x160: a 160x90 picture between black bars
   * at rows 35 and 125 (points a pixel outside read the black tap) */
  p = &ps[n];
  names[n++] = "letterbox";
  _trawl_warp_params_init (p, SRC_W, SRC_H, 160, 160);
  p->m[0] = p->m[4] = (float) SRC_W / 160;
  p->m[5] = -35 * p->m[4];
  p->dst_offset = 0.5f;
  p->src_offset = -0.5f;
  p->clamp[0] = p->clamp[1] = -1;
  p->clamp[2] = SRC_W;
  p->clamp[3] = SRC_H;
  memcpy (p->mean, imagenet_mean, sizeof imagenet_mean);
  memcpy (p->scale, imagenet_scale, sizeof imagenet_scale);

  /* a rotated, enlarged chip with 3x3 supersampling and a valid
   * rectangle inside the frame */
  p = &ps[n];
  names[n++] = "rotation-k3";
  _trawl_warp_params_init (p, SRC_W, SRC_H, 96, 80);
  trawl_test_set_affine (p, 30.0, 1.7, 160.0, 95.0);
  p->k = 3;
  p->valid[0] = 20;
  p->valid[1] = 10;
  p->valid[2] = 300;
  p->valid[3] = 170;
  for (int c = 0; c < 3; c++)
    {
      p->mean[c] = 127.5f;
      p->scale[c] = 1 / 128.0f;
    }

  /* an 8-bit image (round_u8) shrunk 3.3x with 2x2 supersampling */
  p = &ps[n];
  names[n++] = "round-u8";
  _trawl_warp_params_init (p, SRC_W, SRC_H, 100, 56);
  p->m[0] = p->m[4] = 3.3f;
  p->dst_offset = 0.5f;
  p->src_offset = -0.5f;
  p->k = 2;
  p->round_u8 = 1;

  /* BGR with per-channel normalisation, a sheared map, corner offsets */
  p = &ps[n];
  names[n++] = "bgr-normalise";
  _trawl_warp_params_init (p, SRC_W, SRC_H, 128, 72);
  p->m[0] = 2.5f;
  p->m[1] = 0.3f;
  p->m[3] = -0.2f;
  p->m[4] = 2.4f;
  p->m[5] = 20.0f;
  p->bgr = 1;
  p->mean[0] = 104.0f;
  p->mean[1] = 117.0f;
  p->mean[2] = 123.0f;
  p->scale[0] = 0.017f;
  p->scale[1] = 0.018f;
  p->scale[2] = 0.019f;

  /* out_w < dst_w (a batch tensor wider than this crop) with k = 4 */
  p = &ps[n];
  names[n++] = "out-w";
  _trawl_warp_params_init (p, SRC_W, SRC_H, 48, 40);
  trawl_test_set_affine (p, -12.0, 3.1, 200.0, 80.0);
  p->k = 4;
  p->out_w = 37;
  return n;
}

static void
test_single (void)
{
  TrawlWarpParams ps[8];
  const char *names[8];
  Frame f;
  int n;

  if (!need_gpu ())
    return;
  frame_init (&f, 7);
  n = single_cases (ps, names);
  for (int i = 0; i < n; i++)
    {
      g_autofree float *want = trawl_test_tensor_new (ps[i].dst_w, ps[i].dst_h);
      g_autofree float *got = trawl_test_tensor_new (ps[i].dst_w, ps[i].dst_h);

      _trawl_warp_nv12_ref (&ps[i], f.y, PITCH_Y, f.uv, PITCH_UV, want);
      g_assert_cmpint (trawl_cuda_warp_nv12_host (&ps[i], f.y, PITCH_Y, f.uv, PITCH_UV, got), ==,
                       0);
      assert_warp_match (&ps[i], got, want, names[i]);
    }
  frame_clear (&f);
}

/* A 1080p frame with NVDEC's kind of pitch (2048): the letterbox SSD
 * input and a supersampled chip far from the origin, where coordinates
 * are large and a fused multiply-add would show most. */
static void
test_1080p (void)
{
  enum { W = 1920, H = 1080, PITCH = 2048 };
  guint8 *py, *puv;
  TrawlWarpParams ps[2];
  GRand *r;

  if (!need_gpu ())
    return;
  r = g_rand_new_with_seed (3);
  py = g_malloc ((gsize) PITCH * H);
  puv = g_malloc ((gsize) PITCH * H / 2);
  for (gsize i = 0; i < (gsize) PITCH * H; i++)
    py[i] = (guint8) g_rand_int_range (r, 16, 236);
  for (gsize i = 0; i < (gsize) PITCH * H / 2; i++)
    puv[i] = (guint8) g_rand_int_range (r, 16, 241);
  g_rand_free (r);

  /* 1920x1080 into 640x640: 640x360 between bars at rows 140 and 500 */
  _trawl_warp_params_init (&ps[0], W, H, 640, 640);
  ps[0].m[0] = ps[0].m[4] = 3.0f;
  ps[0].m[5] = -140 * 3.0f;
  ps[0].dst_offset = 0.5f;
  ps[0].src_offset = -0.5f;
  ps[0].clamp[0] = ps[0].clamp[1] = -1;
  ps[0].clamp[2] = W;
  ps[0].clamp[3] = H;
  ps[0].round_u8 = 1;
  for (int c = 0; c < 3; c++)
    ps[0].scale[c] = 1 / 255.0f;
  _trawl_warp_params_init (&ps[1], W, H, 150, 150);
  trawl_test_set_affine (&ps[1], 71.0, 0.93, 1701.3, 911.7);
  ps[1].k = 2;
  for (int i = 0; i < 2; i++)
    {
      g_autofree float *want = trawl_test_tensor_new (ps[i].dst_w, ps[i].dst_h);
      g_autofree float *got = trawl_test_tensor_new (ps[i].dst_w, ps[i].dst_h);

      _trawl_warp_nv12_ref (&ps[i], py, PITCH, puv, PITCH, want);
      g_assert_cmpint (trawl_cuda_warp_nv12_host (&ps[i], py, PITCH, puv, PITCH, got), ==, 0);
      assert_warp_match (&ps[i], got, want, i == 0 ? "1080p letterbox" : "1080p chip");
    }
  g_free (py);
  g_free (puv);
}

/* Five warps of one frame in one launch, on a stream, from device planes
 * into one device buffer pre-filled with SENTINEL; each against its own
 * reference. The frame and tensor stay on the device between two runs:
 * the second must give the same. */
static void
test_batch (void)
{
  enum { N = 5, DW = 64, DH = 48 };
  const gsize plane = (gsize) 3 * DW * DH, ybytes = (gsize) PITCH_Y * SRC_H;
  const gsize uvbytes = (gsize) PITCH_UV * SRC_H / 2, tbytes = N * plane * sizeof (float);
  TrawlWarpParams ps[N];
  guint8 *dy = NULL, *duv = NULL;
  float *dd = NULL;
  cudaStream_t stream = NULL;
  g_autofree float *want = trawl_test_tensor_new (DW, DH * N),
                   *got = trawl_test_tensor_new (DW, DH * N);
  Frame f;

  if (!need_gpu ())
    return;
  frame_init (&f, 11);
  for (int i = 0; i < N; i++)
    {
      TrawlWarpParams *p = &ps[i];

      _trawl_warp_params_init (p, SRC_W, SRC_H, DW, DH);
      trawl_test_set_affine (p, -40.0 + 20.0 * i, 0.8 + 0.9 * i, 60.0 + 50.0 * i, 50.0 + 20.0 * i);
      p->k = 1 + 2 * i % 5;            /* 1, 3, 5, 2, 4 */
      p->round_u8 = i == 2;
      p->bgr = i % 2;
      p->out_w = i == 4 ? 41 : DW;
      p->valid[0] = 4.0f * i;
      for (int c = 0; c < 3; c++)
        {
          p->mean[c] = 10.0f * (i + c);
          p->scale[c] = 1.0f / (1 + i + c);
        }
      _trawl_warp_nv12_ref (p, f.y, PITCH_Y, f.uv, PITCH_UV, want + i * plane);
    }
  g_assert_cmpint (cudaStreamCreate (&stream), ==, cudaSuccess);
  g_assert_cmpint (cudaMalloc ((void **) &dy, ybytes), ==, cudaSuccess);
  g_assert_cmpint (cudaMalloc ((void **) &duv, uvbytes), ==, cudaSuccess);
  g_assert_cmpint (cudaMalloc ((void **) &dd, tbytes), ==, cudaSuccess);
  g_assert_cmpint (cudaMemcpy (dy, f.y, ybytes, cudaMemcpyHostToDevice), ==, cudaSuccess);
  g_assert_cmpint (cudaMemcpy (duv, f.uv, uvbytes, cudaMemcpyHostToDevice), ==, cudaSuccess);
  for (int rep = 0; rep < 2; rep++)
    {
      g_autofree float *fill = trawl_test_tensor_new (DW, DH * N);

      size_t items[N];

      for (int i = 0; i < N; i++)
        items[i] = i * plane;
      g_assert_cmpint (cudaMemcpy (dd, fill, tbytes, cudaMemcpyHostToDevice), ==, cudaSuccess);
      g_assert_cmpint (trawl_cuda_warp_nv12_crops (ps, N, dy, PITCH_Y, duv, PITCH_UV, dd, items,
                                                   stream), ==, 0);
      g_assert_cmpint (trawl_cuda_copy_to_host (got, dd, tbytes, stream), ==, 0);
      for (int i = 0; i < N; i++)
        {
          g_autofree char *what = g_strdup_printf ("batch run %d, warp %d", rep, i);

          assert_warp_match (&ps[i], got + i * plane, want + i * plane, what);
        }
    }
  /* the single-warp device entry on the same stream agrees with the batch */
  g_assert_cmpint (trawl_cuda_warp_nv12 (&ps[1], dy, PITCH_Y, duv, PITCH_UV, dd, stream), ==, 0);
  g_assert_cmpint (trawl_cuda_copy_to_host (got, dd, plane * sizeof (float), stream), ==, 0);
  assert_warp_match (&ps[1], got, want + plane, "single entry, warp 1");

  g_assert_cmpint (cudaFree (dy), ==, cudaSuccess);
  g_assert_cmpint (cudaFree (duv), ==, cudaSuccess);
  g_assert_cmpint (cudaFree (dd), ==, cudaSuccess);
  g_assert_cmpint (cudaStreamDestroy (stream), ==, cudaSuccess);
  frame_clear (&f);
}

/* Planar float sources (trawl_cuda_warp_planar_batch), as the batched
 * plate reader uses them: crops of an NV12 frame cut to 8-bit values into
 * one device scratch buffer (trawl_cuda_warp_nv12_crops: one launch,
 * different sizes, offsets with gaps), then resized from there in one launch into a batch of same-size
 * tensors, each with its own quirk (rec-like resize rounding halves to
 * even, rotation with k = 3, BGR + normalisation, out_w < dst_w, a
 * fractional-valued source). Each stage against its CPU reference; the
 * second stage's reference reads the GPU's own crops, so a rare one-step
 * flip of the first is not counted twice. */
static void
test_planar_batch (void)
{
  enum { N = 5, DW = 96, DH = 48 };
  const int cw[N] = { 77, 31, 120, 64, 50 }, ch[N] = { 25, 40, 48, 17, 33 };
  const gsize ybytes = (gsize) PITCH_Y * SRC_H, uvbytes = (gsize) PITCH_UV * SRC_H / 2;
  const gsize plane = (gsize) 3 * DW * DH;
  size_t off[N];
  gsize total = 0;
  TrawlWarpParams cut[N], ps[N];
  guint8 *dy = NULL, *duv = NULL;
  float *scratch = NULL, *dd = NULL;
  cudaStream_t stream = NULL;
  Frame f;

  if (!need_gpu ())
    return;
  frame_init (&f, 17);
  for (int i = 0; i < N; i++)
    {
      off[i] = total;
      total += (gsize) 3 * cw[i] * ch[i] + 7;   /* gaps: offsets need no alignment */
    }
  g_autofree float *want_crops = g_new0 (float, total), *got_crops = g_new0 (float, total);
  g_autofree float *want = trawl_test_tensor_new (DW, DH * N),
                   *got = trawl_test_tensor_new (DW, DH * N);
  for (int i = 0; i < N; i++)
    {
      /* stage 1: a rotated crop of the frame, 8-bit values, RGB, identity */
      _trawl_warp_params_init (&cut[i], SRC_W, SRC_H, cw[i], ch[i]);
      trawl_test_set_affine (&cut[i], -8.0 + 4.0 * i, 0.7 + 0.3 * i,
                             70.0 + 45.0 * i, 60.0 + 15.0 * i);
      cut[i].round_u8 = i == 4 ? TRAWL_WARP_ROUND_NONE : TRAWL_WARP_ROUND_HALF_UP;
      _trawl_warp_nv12_ref (&cut[i], f.y, PITCH_Y, f.uv, PITCH_UV, want_crops + off[i]);
      /* stage 2: the crop resized to h = DH, as trawl_warp_build_rec does */
      TrawlWarpParams *p = &ps[i];
      _trawl_warp_params_init (p, cw[i], ch[i], DW, DH);
      p->out_w = MIN (DW, (int) ceil (DH * (double) cw[i] / ch[i]));
      p->m[0] = (float) cw[i] / (float) p->out_w;
      p->m[4] = (float) ch[i] / (float) DH;
      p->dst_offset = 0.5f;
      p->src_offset = -0.5f;
      p->round_u8 = i == 4 ? TRAWL_WARP_ROUND_NONE : TRAWL_WARP_ROUND_HALF_EVEN;
      p->bgr = i != 1;
      for (int c = 0; c < 3; c++)
        {
          p->mean[c] = i == 1 ? 0.0f : 127.5f;
          p->scale[c] = i == 1 ? 1.0f : 1.0f / 127.5f;
        }
      if (i == 2)
        {
          trawl_test_set_affine (p, 11.0, 1.3, cw[i] / 2.0, ch[i] / 2.0);
          p->k = 3;
          p->out_w = DW - 9;
        }
    }
  g_assert_cmpint (cudaStreamCreate (&stream), ==, cudaSuccess);
  g_assert_cmpint (cudaMalloc ((void **) &dy, ybytes), ==, cudaSuccess);
  g_assert_cmpint (cudaMalloc ((void **) &duv, uvbytes), ==, cudaSuccess);
  g_assert_cmpint (trawl_cuda_malloc ((void **) &scratch, total * sizeof (float)), ==, 0);
  g_assert_cmpint (trawl_cuda_malloc ((void **) &dd, N * plane * sizeof (float)), ==, 0);
  g_assert_cmpint (cudaMemcpy (dy, f.y, ybytes, cudaMemcpyHostToDevice), ==, cudaSuccess);
  g_assert_cmpint (cudaMemcpy (duv, f.uv, uvbytes, cudaMemcpyHostToDevice), ==, cudaSuccess);
  g_assert_cmpint (cudaMemcpy (dd, got, N * plane * sizeof (float), cudaMemcpyHostToDevice), ==,
                   cudaSuccess);   /* SENTINEL */
  g_assert_cmpint (trawl_cuda_warp_nv12_crops (cut, N, dy, PITCH_Y, duv, PITCH_UV, scratch, off,
                                               stream), ==, 0);
  g_assert_cmpint (trawl_cuda_warp_planar_batch (ps, N, scratch, off, dd, stream), ==, 0);
  g_assert_cmpint (trawl_cuda_copy_to_host (got_crops, scratch, total * sizeof (float), stream),
                   ==, 0);
  g_assert_cmpint (trawl_cuda_copy_to_host (got, dd, N * plane * sizeof (float), stream), ==, 0);
  for (int i = 0; i < N; i++)
    {
      g_autofree char *what1 = g_strdup_printf ("crop %d (%dx%d)", i, cw[i], ch[i]);
      g_autofree char *what2 = g_strdup_printf ("planar warp %d", i);

      assert_warp_match (&cut[i], got_crops + off[i], want_crops + off[i], what1);
      _trawl_warp_planar_ref (&ps[i], got_crops + off[i], cw[i], want + i * plane);
      assert_warp_match (&ps[i], got + i * plane, want + i * plane, what2);
    }
  g_assert_cmpint (trawl_cuda_free (scratch), ==, 0);
  g_assert_cmpint (trawl_cuda_free (dd), ==, 0);
  g_assert_cmpint (trawl_cuda_free (NULL), ==, 0);
  g_assert_cmpint (cudaFree (dy), ==, cudaSuccess);
  g_assert_cmpint (cudaFree (duv), ==, cudaSuccess);
  g_assert_cmpint (cudaStreamDestroy (stream), ==, cudaSuccess);
  frame_clear (&f);
}

/* Bad parameters come back as cudaErrorInvalidValue before any CUDA
 * call, so this runs without a GPU. The device pointers are never
 * dereferenced. */
static void
test_invalid (void)
{
  const guint8 *fake = (const guint8 *) (gintptr) 0x1000;
  float *fake_dst = (float *) (gintptr) 0x2000;
  g_autofree guint8 *hy = g_malloc0 (64 * 48), *huv = g_malloc0 (64 * 24);
  g_autofree float *hdst = g_new0 (float, 3 * 16 * 16);
  TrawlWarpParams good, p, batch[TRAWL_WARP_MAX_BATCH + 1];
  size_t zero_off[TRAWL_WARP_MAX_BATCH + 1] = { 0 };

  _trawl_warp_params_init (&good, 64, 48, 16, 16);
  for (int bad = 0; bad < 9; bad++)
    {
      p = good;
      switch (bad)
        {
        case 0: p.k = 0; break;
        case 1: p.k = TRAWL_WARP_MAX_K + 1; break;
        case 2: p.out_w = 0; break;
        case 3: p.out_w = 17; break;
        case 4: p.src_w = 0; break;
        case 5: p.src_h = -2; break;
        case 6: p.dst_w = 0; break;
        case 7: p.dst_h = 0; break;
        case 8: p.dst_w = -16; p.out_w = -16; break;
        }
      g_assert_cmpint (trawl_cuda_warp_nv12 (&p, fake, 64, fake, 64, fake_dst, NULL), ==,
                       cudaErrorInvalidValue);
      g_assert_cmpint (trawl_cuda_warp_nv12_crops (&p, 1, fake, 64, fake, 64, fake_dst, zero_off,
                                                   NULL), ==, cudaErrorInvalidValue);
      g_assert_cmpint (trawl_cuda_warp_nv12_host (&p, hy, 64, huv, 64, hdst), ==,
                       cudaErrorInvalidValue);
    }
  /* planes and pitches */
  g_assert_cmpint (trawl_cuda_warp_nv12 (NULL, fake, 64, fake, 64, fake_dst, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_warp_nv12 (&good, NULL, 64, fake, 64, fake_dst, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_warp_nv12 (&good, fake, 64, NULL, 64, fake_dst, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_warp_nv12 (&good, fake, 64, fake, 64, NULL, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_warp_nv12 (&good, fake, 63, fake, 64, fake_dst, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_warp_nv12 (&good, fake, 64, fake, 62, fake_dst, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_warp_nv12_host (&good, hy, 63, huv, 64, hdst), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_warp_nv12_host (&good, hy, 64, huv, 64, NULL), ==,
                   cudaErrorInvalidValue);
  /* batch size and shapes */
  for (int i = 0; i <= TRAWL_WARP_MAX_BATCH; i++)
    batch[i] = good;
  g_assert_cmpint (trawl_cuda_warp_nv12_crops (batch, 0, fake, 64, fake, 64, fake_dst, zero_off,
                                               NULL), ==, cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_warp_nv12_crops (batch, TRAWL_WARP_MAX_BATCH + 1, fake, 64, fake,
                                               64, fake_dst, zero_off, NULL), ==,
                   cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_warp_nv12_crops (NULL, 1, fake, 64, fake, 64, fake_dst, zero_off,
                                               NULL), ==, cudaErrorInvalidValue);
  g_assert_cmpint (trawl_cuda_warp_nv12_crops (batch, 1, fake, 64, fake, 64, fake_dst, NULL,
                                               NULL), ==, cudaErrorInvalidValue);
  batch[4].src_w = 32;   /* crops of one source only */
  g_assert_cmpint (trawl_cuda_warp_nv12_crops (batch, 5, fake, 64, fake, 64, fake_dst, zero_off,
                                               NULL), ==, cudaErrorInvalidValue);
  batch[4] = good;
  batch[2].k = 9;
  g_assert_cmpint (trawl_cuda_warp_nv12_crops (batch, 5, fake, 64, fake, 64, fake_dst, zero_off,
                                               NULL), ==, cudaErrorInvalidValue);
  batch[2] = good;
  zero_off[3] = (size_t) 1 << 32;   /* offsets are 32-bit in the launch */
  g_assert_cmpint (trawl_cuda_warp_nv12_crops (batch, 5, fake, 64, fake, 64, fake_dst, zero_off,
                                               NULL), ==, cudaErrorInvalidValue);
  zero_off[3] = 0;
  /* planar batches: count, pointers, one tensor shape, 32-bit offsets;
   * sources may differ in size */
  {
    const float *fsrc = (const float *) (gintptr) 0x3000;
    size_t offs[TRAWL_WARP_MAX_BATCH + 1] = { 0 };

    for (int i = 0; i <= TRAWL_WARP_MAX_BATCH; i++)
      batch[i] = good;
    g_assert_cmpint (trawl_cuda_warp_planar_batch (batch, 0, fsrc, offs, fake_dst, NULL), ==,
                     cudaErrorInvalidValue);
    g_assert_cmpint (trawl_cuda_warp_planar_batch (batch, TRAWL_WARP_MAX_BATCH + 1, fsrc, offs,
                                                   fake_dst, NULL), ==, cudaErrorInvalidValue);
    g_assert_cmpint (trawl_cuda_warp_planar_batch (NULL, 1, fsrc, offs, fake_dst, NULL), ==,
                     cudaErrorInvalidValue);
    g_assert_cmpint (trawl_cuda_warp_planar_batch (batch, 1, NULL, offs, fake_dst, NULL), ==,
                     cudaErrorInvalidValue);
    g_assert_cmpint (trawl_cuda_warp_planar_batch (batch, 1, fsrc, NULL, fake_dst, NULL), ==,
                     cudaErrorInvalidValue);
    g_assert_cmpint (trawl_cuda_warp_planar_batch (batch, 1, fsrc, offs, NULL, NULL), ==,
                     cudaErrorInvalidValue);
    batch[2].dst_w = 8;
    batch[2].out_w = 8;
    g_assert_cmpint (trawl_cuda_warp_planar_batch (batch, 3, fsrc, offs, fake_dst, NULL), ==,
                     cudaErrorInvalidValue);
    batch[2] = good;
    batch[1].k = 0;
    g_assert_cmpint (trawl_cuda_warp_planar_batch (batch, 3, fsrc, offs, fake_dst, NULL), ==,
                     cudaErrorInvalidValue);
    batch[1] = good;
    offs[2] = (size_t) 1 << 32;
    g_assert_cmpint (trawl_cuda_warp_planar_batch (batch, 3, fsrc, offs, fake_dst, NULL), ==,
                     cudaErrorInvalidValue);
    g_assert_cmpint (trawl_cuda_malloc (NULL, 16), ==, cudaErrorInvalidValue);
    void *none = (void *) fsrc;
    g_assert_cmpint (trawl_cuda_malloc (&none, 0), ==, 0);
    g_assert_null (none);
  }
  /* nothing to copy is no error, and a missing pointer is */
  g_assert_cmpint (trawl_cuda_copy_to_host (hdst, fake_dst, 0, NULL), ==, 0);
  g_assert_cmpint (trawl_cuda_copy_to_host (NULL, fake_dst, 4, NULL), ==, cudaErrorInvalidValue);
}
#else
GPU_CASE_NOT_BUILT (test_1080p)
GPU_CASE_NOT_BUILT (test_single)
GPU_CASE_NOT_BUILT (test_batch)
GPU_CASE_NOT_BUILT (test_invalid)
GPU_CASE_NOT_BUILT (test_planar_batch)
#endif

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gpu/warp/single", test_single);
  g_test_add_func ("/gpu/warp/1080p", test_1080p);
  g_test_add_func ("/gpu/warp/batch", test_batch);
  g_test_add_func ("/gpu/warp/planar-batch", test_planar_batch);
  g_test_add_func ("/gpu/warp/invalid-params", test_invalid);
  return g_test_run ();
}
