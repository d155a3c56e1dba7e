/* test-gpu-nv12.c - NV12 -> network tensor: the CPU reference against
 * textbook BT.601 limited-range colours, the letterbox geometry and
 * bilinear downscaling (run everywhere), and the CUDA kernel against the
 * CPU reference on a padded-pitch 1080p frame (skips without a GPU). */
#include "trawl-config.h"
#include "gpu-test-util.h"
#include "nn/cuda/nv12.h"
#if TRAWL_HAVE_CUDA
#include "nv12-kernel.h"
#endif

static const float zero3[3] = { 0, 0, 0 }, one3[3] = { 1, 1, 1 };

/* A w x h NV12 frame of one colour; planes are g_free'd by the caller. */
static void
solid (int w, int h, guint8 y, guint8 u, guint8 v, guint8 **py, guint8 **puv)
{
  *py = g_malloc (w * h);
  *puv = g_malloc (w * h / 2);
  memset (*py, y, w * h);
  for (int i = 0; i < w * h / 2; i += 2)
    {
      (*puv)[i] = u;
      (*puv)[i + 1] = v;
    }
}

/* Colour bars' YCbCr triples (ITU-R BT.601, 8-bit, limited range) and the
 * RGB they stand for. */
static void
test_ref_colours (void)
{
  static const struct { guint8 y, u, v; float r, g, b; } bars[] = {
    { 16, 128, 128, 0, 0, 0 },       /* black */
    { 235, 128, 128, 255, 255, 255 },/* white */
    { 81, 90, 240, 255, 0, 0 },      /* red */
    { 145, 54, 34, 0, 255, 0 },      /* green */
    { 41, 240, 110, 0, 0, 255 },     /* blue */
    { 126, 128, 128, 128, 128, 128 },/* mid grey: 16 + 219 * 128/255 */
  };
  const int w = 8, h = 6;
  float *out = g_new (float, 3 * w * h);

  for (guint k = 0; k < G_N_ELEMENTS (bars); k++)
    {
      guint8 *py, *puv;
      TrawlNv12Params p;
      float want[3] = { bars[k].r, bars[k].g, bars[k].b };

      solid (w, h, bars[k].y, bars[k].u, bars[k].v, &py, &puv);
      _trawl_nv12_params_letterbox (&p, w, h, w, h, zero3, one3, 0);
      _trawl_nv12_to_tensor_ref (&p, py, w, puv, w, out);
      for (int c = 0; c < 3; c++)
        for (int i = 0; i < w * h; i++)
          g_assert_cmpfloat_with_epsilon (out[c * w * h + i], want[c], 3.0);
      /* BGR order swaps the planes */
      _trawl_nv12_params_letterbox (&p, w, h, w, h, zero3, one3, 1);
      _trawl_nv12_to_tensor_ref (&p, py, w, puv, w, out);
      g_assert_cmpfloat_with_epsilon (out[0], want[2], 3.0);
      g_assert_cmpfloat_with_epsilon (out[2 * w * h], want[0], 3.0);
      g_free (py);
      g_free (puv);
    }
  g_free (out);
}

/* 32x16 into 16x16: a 16x8 picture centred with 4 rows of letterbox above
 * and below; normalisation (v - 127.5) / 127.5 maps white to ~1 and the
 * black letterbox to -1. */
static void
test_ref_letterbox (void)
{
  const float mean[3] = { 127.5f, 127.5f, 127.5f }, sc[3] = { 1 / 127.5f, 1 / 127.5f, 1 / 127.5f };
  guint8 *py, *puv;
  TrawlNv12Params p;
  float out[3 * 16 * 16];

  solid (32, 16, 235, 128, 128, &py, &puv);
  _trawl_nv12_params_letterbox (&p, 32, 16, 16, 16, mean, sc, 0);
  g_assert_cmpint (p.scaled_w, ==, 16);
  g_assert_cmpint (p.scaled_h, ==, 8);
  g_assert_cmpint (p.off_x, ==, 0);
  g_assert_cmpint (p.off_y, ==, 4);
  _trawl_nv12_to_tensor_ref (&p, py, 32, puv, 32, out);
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < 16; y++)
      for (int x = 0; x < 16; x++)
        g_assert_cmpfloat_with_epsilon (out[c * 256 + y * 16 + x], y < 4 || y >= 12 ? -1.0f : 1.0f,
                                        0.02);
  g_free (py);
  g_free (puv);
}

/* Halving a luma ramp: each output pixel is the mean of two inputs (the
 * half-pixel sample falls between them), then grey's Y -> RGB. */
static void
test_ref_downscale (void)
{
  const int w = 16, h = 4;
  guint8 *py, *puv;
  TrawlNv12Params p;
  float out[3 * 8 * 2];

  solid (w, h, 0, 128, 128, &py, &puv);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      py[y * w + x] = (guint8) (40 + 10 * x);
  _trawl_nv12_params_letterbox (&p, w, h, 8, 2, zero3, one3, 0);
  _trawl_nv12_to_tensor_ref (&p, py, w, puv, w, out);
  for (int x = 0; x < 8; x++)
    {
      float yv = 40 + 10 * (2 * x) + 5.0f;   /* mean of columns 2x and 2x+1 */
      float want = 255.0f / 219.0f * (yv - 16.0f);

      for (int c = 0; c < 3; c++)
        g_assert_cmpfloat_with_epsilon (out[c * 16 + x], MIN (want, 255.0f), 0.05);
    }
  g_free (py);
  g_free (puv);
}

static void
test_gpu_parity (void)
{
#if TRAWL_HAVE_CUDA
  const int w = 1920, h = 1080, pitch = 2048, dw = 640, dh = 640;
  const float mean[3] = { 123.675f, 116.28f, 103.53f };
  const float sc[3] = { 1 / 58.395f, 1 / 57.12f, 1 / 57.375f };
  GRand *r;
  guint8 *py, *puv;
  float *a, *b;
  TrawlNv12Params p;
  int rc;

  if (!need_gpu ())
    return;
  r = g_rand_new_with_seed (7);
  py = g_malloc ((gsize) pitch * h);
  puv = g_malloc ((gsize) pitch * h / 2);
  for (gsize i = 0; i < (gsize) pitch * h; i++)
    py[i] = (guint8) g_rand_int_range (r, 16, 236);
  for (gsize i = 0; i < (gsize) pitch * h / 2; i++)
    puv[i] = (guint8) g_rand_int_range (r, 16, 241);
  g_rand_free (r);
  a = g_new (float, 3 * dw * dh);
  b = g_new (float, 3 * dw * dh);
  _trawl_nv12_params_letterbox (&p, w, h, dw, dh, mean, sc, 0);
  _trawl_nv12_to_tensor_ref (&p, py, pitch, puv, pitch, a);
  rc = trawl_cuda_nv12_to_tensor_host (&p, py, pitch, puv, pitch, b);
  g_assert_cmpint (rc, ==, 0);
  g_assert_cmpfloat (max_rel_err (b, a, 3 * dw * dh), <=, 1e-4);
  g_free (a);
  g_free (b);
  g_free (py);
  g_free (puv);
#else
  g_test_skip ("no GPU (this trawl was built without CUDA)");
#endif
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gpu/nv12/ref-colours", test_ref_colours);
  g_test_add_func ("/gpu/nv12/ref-letterbox", test_ref_letterbox);
  g_test_add_func ("/gpu/nv12/ref-downscale", test_ref_downscale);
  g_test_add_func ("/gpu/nv12/gpu-parity", test_gpu_parity);
  return g_test_run ();
}
