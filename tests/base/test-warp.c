/* test-warp.c - the warp rule's CPU references (src/rules/warp.h): the
 * sampling rule's pieces one at a time (identity, supersampling, clamp and
 * valid rectangles, rounding, normalisation, channel order, out_w), NV12
 * against RGB through a BT.601 forward transform written here, letterbox
 * geometry, a real photo against a box filter, and planar float sources
 * against the RGB image they copy (and the two roundings). The GPU kernel is held
 * to these references in tests/gpu/test-gpu-warp.c. */
#include <trawl/image.h>

#include "rules/warp.h"

#include <math.h>
#include <string.h>
#include "../common/trawl-test.h"
#include "../common/trawl-test-image.h"

#define SENTINEL TRAWL_TEST_SENTINEL   /* marks tensor values a warp must not write */

/* An RGB24 image of h rows of stride random bytes (padding too). */
static guint8 *
random_rgb (int h, int stride, guint32 seed)
{
  GRand *r = g_rand_new_with_seed (seed);
  guint8 *rgb = g_malloc ((gsize) stride * h);

  for (gsize i = 0; i < (gsize) stride * h; i++)
    rgb[i] = (guint8) g_rand_int_range (r, 0, 256);
  g_rand_free (r);
  return rgb;
}

/* A BT.601 limited-range forward transform (ITU-R BT.601 with 219/224
 * levels), the inverse of trawl_warp_yuv_to_rgb: Y per pixel, Cb/Cr as the
 * mean of each 2x2 block's values (4:2:0), all rounded to 8 bits. w, h
 * even. */
static void
rgb_to_nv12 (const guint8 *rgb, int stride, int w, int h, guint8 *y, int pitch_y, guint8 *uv,
             int pitch_uv)
{
  for (int j = 0; j < h; j++)
    for (int i = 0; i < w; i++)
      {
        const guint8 *q = rgb + j * stride + 3 * i;
        double yy = 16.0 + (65.481 * q[0] + 128.553 * q[1] + 24.966 * q[2]) / 255.0;

        y[j * pitch_y + i] = (guint8) CLAMP (lround (yy), 0, 255);
      }
  for (int j = 0; j < h; j += 2)
    for (int i = 0; i < w; i += 2)
      {
        double cb = 0, cr = 0;

        for (int dj = 0; dj < 2; dj++)
          for (int di = 0; di < 2; di++)
            {
              const guint8 *q = rgb + (j + dj) * stride + 3 * (i + di);

              cb += 128.0 + (-37.797 * q[0] - 74.203 * q[1] + 112.0 * q[2]) / 255.0;
              cr += 128.0 + (112.0 * q[0] - 93.786 * q[1] - 18.214 * q[2]) / 255.0;
            }
        uv[(j / 2) * pitch_uv + i] = (guint8) CLAMP (lround (cb / 4), 0, 255);
        uv[(j / 2) * pitch_uv + i + 1] = (guint8) CLAMP (lround (cr / 4), 0, 255);
      }
}

/* Aspect-preserving, centred letterbox of src into dst with black bars:
 * the SSD/PP-OCR kind of input (the pipelines build their own; this one
 * shows the rule can express it). */
static void
letterbox (TrawlWarpParams *p, int src_w, int src_h, int dst_w, int dst_h)
{
  double s = MIN ((double) dst_w / src_w, (double) dst_h / src_h);
  int sw = CLAMP ((int) (src_w * s + 0.5), 1, dst_w), sh = CLAMP ((int) (src_h * s + 0.5), 1, dst_h);
  int ox = (dst_w - sw) / 2, oy = (dst_h - sh) / 2;

  _trawl_warp_params_init (p, src_w, src_h, dst_w, dst_h);
  p->m[0] = (float) src_w / sw;
  p->m[4] = (float) src_h / sh;
  p->m[2] = -ox * p->m[0];
  p->m[5] = -oy * p->m[4];
  p->dst_offset = 0.5f;
  p->src_offset = -0.5f;
  /* a point one pixel outside the picture reads the black tap beyond it */
  p->clamp[0] = p->clamp[1] = -1.0f;
  p->clamp[2] = (float) src_w;
  p->clamp[3] = (float) src_h;
}

static void
test_params_init (void)
{
  TrawlWarpParams p;

  _trawl_warp_params_init (&p, 64, 48, 32, 16);
  g_assert_cmpint (p.out_w, ==, 32);
  g_assert_cmpint (p.k, ==, 1);
  g_assert_cmpfloat (p.m[0], ==, 1.0f);
  g_assert_cmpfloat (p.m[4], ==, 1.0f);
  g_assert_cmpfloat (p.m[1] + p.m[2] + p.m[3] + p.m[5], ==, 0.0f);
  g_assert_cmpfloat (p.clamp[2], ==, 63.0f);
  g_assert_cmpfloat (p.valid[3], ==, 47.0f);
  g_assert_cmpint (p.bgr, ==, 0);
  g_assert_cmpint (p.round_u8, ==, 0);
  for (int c = 0; c < 3; c++)
    {
      g_assert_cmpfloat (p.mean[c], ==, 0.0f);
      g_assert_cmpfloat (p.scale[c], ==, 1.0f);
    }
}

/* The identity map reproduces an RGB image exactly, with corner (offset
 * 0) or centre (0.5 / -0.5) conventions alike. */
static void
test_identity_rgb (void)
{
  const int w = 37, h = 23, stride = 3 * w + 5;
  g_autofree guint8 *rgb = random_rgb (h, stride, 1);
  g_autofree float *out = trawl_test_tensor_new (w, h);
  TrawlWarpParams p;

  for (int centred = 0; centred < 2; centred++)
    {
      _trawl_warp_params_init (&p, w, h, w, h);
      if (centred)
        {
          p.dst_offset = 0.5f;
          p.src_offset = -0.5f;
        }
      _trawl_warp_rgb_ref (&p, rgb, stride, out);
      for (int c = 0; c < 3; c++)
        for (int y = 0; y < h; y++)
          for (int x = 0; x < w; x++)
            g_assert_cmpfloat (out[c * w * h + y * w + x], ==, rgb[y * stride + 3 * x + c]);
    }
}

/* Textbook colour-bar YCbCr triples (BT.601, 8-bit, limited range) decode
 * to their RGB within 1 (the triples are themselves rounded). */
static void
test_nv12_colour_bars (void)
{
  static const struct { guint8 y, u, v; float r, g, b; } bars[] = {
    { 16, 128, 128, 0, 0, 0 },         /* black */
    { 235, 128, 128, 255, 255, 255 },  /* white */
    { 81, 90, 240, 255, 0, 0 },        /* red */
    { 145, 54, 34, 0, 255, 0 },        /* green */
    { 41, 240, 110, 0, 0, 255 },       /* blue */
    { 126, 128, 128, 128, 128, 128 },  /* mid grey: 16 + 219 * 128/255 */
  };
  const int w = 8, h = 6, pitch = 11;
  g_autofree guint8 *py = g_malloc (pitch * h), *puv = g_malloc (pitch * h / 2);
  g_autofree float *out = trawl_test_tensor_new (w, h);

  for (guint k = 0; k < G_N_ELEMENTS (bars); k++)
    {
      TrawlWarpParams p;
      float want[3] = { bars[k].r, bars[k].g, bars[k].b };

      memset (py, bars[k].y, pitch * h);
      for (int j = 0; j < h / 2; j++)
        for (int i = 0; i < w; i += 2)
          {
            puv[j * pitch + i] = bars[k].u;
            puv[j * pitch + i + 1] = bars[k].v;
          }
      _trawl_warp_params_init (&p, w, h, w, h);
      for (int bgr = 0; bgr < 2; bgr++)
        {
          p.bgr = bgr;
          _trawl_warp_nv12_ref (&p, py, pitch, puv, pitch, out);
          for (int c = 0; c < 3; c++)
            for (int i = 0; i < w * h; i++)
              g_assert_cmpfloat_with_epsilon (out[c * w * h + i], want[bgr ? 2 - c : c], 1.0);
        }
    }
}

/* Max |a - b| per channel over the tensor. */
static void
max_diff3 (const float *a, const float *b, int w, int h, double d[3])
{
  for (int c = 0; c < 3; c++)
    {
      d[c] = 0;
      for (int i = 0; i < w * h; i++)
        d[c] = MAX (d[c], fabs ((double) a[c * w * h + i] - b[c * w * h + i]));
    }
}

/* RGB -> NV12 (here) -> warp against the RGB warp with the same params.
 * A warped value is a convex combination of tap values with the same
 * weights on both paths, so it errs by at most the worst per-pixel round
 * trip error, which has two causes:
 *  - 8-bit rounding of Y (+-0.5 -> 1.164 * 0.5 = 0.58 on every channel)
 *    and of Cb/Cr (+-0.5 each -> R 1.596 * 0.5 = 0.80, G (0.392 + 0.813)
 *    * 0.5 = 0.60, B 2.017 * 0.5 = 1.01): R 1.38, G 1.18, B 1.59;
 *  - 4:2:0: a pixel gets its block's mean chroma. Its chroma part (the
 *    colour minus its luma Y'(1,1,1)) then errs by at most |x_c - mean_c|
 *    + |Y'(x) - Y'(mean)| <= 2 D, D the largest deviation of a channel
 *    from its 2x2 block mean.
 * Image A has chroma constant over each block (R, G, B = g + block
 * offsets: Cb and Cr do not depend on g), D = 0, bound (1.40, 1.20,
 * 1.61) with 0.02 for the inverse's 6-digit coefficients. Image B is smooth
 * (per-pixel steps R <= 2 in x, G <= 1 in y, B <= 1 in x and y, so D <= 1),
 * bound 2 more per channel. */
static void
test_nv12_vs_rgb (void)
{
  const int w = 128, h = 96, stride = 3 * w, pitch_y = w + 3, pitch_uv = w + 7;
  const double bound_q[3] = { 1.40, 1.20, 1.61 };
  g_autofree guint8 *rgb = g_malloc (stride * h);
  g_autofree guint8 *py = g_malloc0 (pitch_y * h), *puv = g_malloc0 (pitch_uv * h / 2);
  g_autofree float *a = trawl_test_tensor_new (70, 50), *b = trawl_test_tensor_new (70, 50);
  GRand *r = g_rand_new_with_seed (5);

  for (int image = 0; image < 2; image++)
    {
      TrawlWarpParams p;
      double d[3], rt[3];

      if (image == 0)
        for (int j = 0; j < h; j += 2)
          for (int i = 0; i < w; i += 2)
            {
              int off[3];

              for (int c = 0; c < 3; c++)
                off[c] = g_rand_int_range (r, -60, 61);
              for (int dj = 0; dj < 2; dj++)
                for (int di = 0; di < 2; di++)
                  {
                    int g = g_rand_int_range (r, 70, 186);

                    for (int c = 0; c < 3; c++)
                      rgb[(j + dj) * stride + 3 * (i + di) + c] = (guint8) (g + off[c]);
                  }
            }
      else
        for (int j = 0; j < h; j++)
          for (int i = 0; i < w; i++)
            {
              guint8 *q = rgb + j * stride + 3 * i;

              q[0] = (guint8) (30 + 3 * i / 2);
              q[1] = (guint8) (200 - j);
              q[2] = (guint8) (40 + (i + 2 * j) / 2);
            }
      rgb_to_nv12 (rgb, stride, w, h, py, pitch_y, puv, pitch_uv);

      /* the round trip itself (identity warp), then a rotated, scaled,
       * supersampled one */
      _trawl_warp_params_init (&p, w, h, w, h);
      {
        g_autofree float *ia = trawl_test_tensor_new (w, h), *ib = trawl_test_tensor_new (w, h);

        _trawl_warp_rgb_ref (&p, rgb, stride, ia);
        _trawl_warp_nv12_ref (&p, py, pitch_y, puv, pitch_uv, ib);
        max_diff3 (ia, ib, w, h, rt);
      }
      _trawl_warp_params_init (&p, w, h, 70, 50);
      trawl_test_set_affine (&p, 23.0, 1.3, w / 2.0, h / 2.0);
      p.k = 2;
      _trawl_warp_rgb_ref (&p, rgb, stride, a);
      _trawl_warp_nv12_ref (&p, py, pitch_y, puv, pitch_uv, b);
      max_diff3 (a, b, 70, 50, d);
      g_test_message ("image %c: per-pixel round trip max |d| R %.3f G %.3f B %.3f; "
                      "warped R %.3f G %.3f B %.3f", 'A' + image, rt[0], rt[1], rt[2],
                      d[0], d[1], d[2]);
      for (int c = 0; c < 3; c++)
        {
          double bound = bound_q[c] + (image == 0 ? 0.0 : 2.0);

          g_assert_cmpfloat (rt[c], <=, bound);
          g_assert_cmpfloat (d[c], <=, bound);
        }
    }
  g_rand_free (r);
}

/* Averaging k x k samples of a constant image gives the constant, for
 * every k and an arbitrary map inside the source. */
static void
test_supersample_constant (void)
{
  const int w = 40, h = 30;
  g_autofree guint8 *rgb = g_malloc (3 * w * h);
  g_autofree float *out = trawl_test_tensor_new (11, 9);

  for (int i = 0; i < w * h; i++)
    {
      rgb[3 * i] = 37;
      rgb[3 * i + 1] = 150;
      rgb[3 * i + 2] = 201;
    }
  for (int k = 1; k <= TRAWL_WARP_MAX_K; k++)
    for (int round = 0; round < 2; round++)
      {
        TrawlWarpParams p;

        _trawl_warp_params_init (&p, w, h, 11, 9);
        trawl_test_set_affine (&p, 17.0 * k, 2.1, 20.3, 14.9);
        p.k = k;
        p.round_u8 = round;
        _trawl_warp_rgb_ref (&p, rgb, 3 * w, out);
        for (int i = 0; i < 11 * 9; i++)
          {
            if (round)
              {
                g_assert_cmpfloat (out[i], ==, 37.0f);
                g_assert_cmpfloat (out[99 + i], ==, 150.0f);
                g_assert_cmpfloat (out[198 + i], ==, 201.0f);
              }
            else
              {
                g_assert_cmpfloat_with_epsilon (out[i], 37.0, 1e-3);
                g_assert_cmpfloat_with_epsilon (out[99 + i], 150.0, 1e-3);
                g_assert_cmpfloat_with_epsilon (out[198 + i], 201.0, 1e-3);
              }
          }
      }
}

/* Taps outside the valid rectangle read black: whole pixels outside it
 * are 0, a sample halfway across its edge is half the value. */
static void
test_valid_black (void)
{
  const int w = 40, h = 32;
  g_autofree guint8 *rgb = g_malloc (3 * w * h);
  g_autofree float *out = trawl_test_tensor_new (w, h);
  TrawlWarpParams p;

  memset (rgb, 200, 3 * w * h);
  _trawl_warp_params_init (&p, w, h, w, h);
  p.valid[0] = 10;
  p.valid[1] = 8;
  p.valid[2] = 29;
  p.valid[3] = 23;
  _trawl_warp_rgb_ref (&p, rgb, 3 * w, out);
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        {
          gboolean in = x >= 10 && x <= 29 && y >= 8 && y <= 23;

          g_assert_cmpfloat (out[c * w * h + y * w + x], ==, in ? 200.0f : 0.0f);
        }
  /* shifted by half a pixel: x = u - 0.5 straddles columns u-1 and u */
  p.m[2] = -0.5f;
  _trawl_warp_rgb_ref (&p, rgb, 3 * w, out);
  g_assert_cmpfloat (out[12 * w + 9], ==, 0.0f);     /* columns 8, 9 */
  g_assert_cmpfloat (out[12 * w + 10], ==, 100.0f);  /* columns 9, 10 */
  g_assert_cmpfloat (out[12 * w + 11], ==, 200.0f);
  g_assert_cmpfloat (out[12 * w + 30], ==, 100.0f);  /* columns 29, 30 */
  g_assert_cmpfloat (out[12 * w + 31], ==, 0.0f);
}

/* Points outside the clamp rectangle are held on it: the output repeats
 * its edge columns and rows, and a fractional edge clamps the far tap. */
static void
test_clamp_edges (void)
{
  const int w = 30, h = 20;
  g_autofree guint8 *rgb = g_malloc (3 * w * h);
  g_autofree float *out = trawl_test_tensor_new (w, h);
  TrawlWarpParams p;

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 3; c++)
        rgb[3 * (y * w + x) + c] = (guint8) (c == 0 ? 5 * x : c == 1 ? 10 * y : 100);
  _trawl_warp_params_init (&p, w, h, w, h);
  p.clamp[0] = 5;
  p.clamp[1] = 4;
  p.clamp[2] = 20;
  p.clamp[3] = 15;
  _trawl_warp_rgb_ref (&p, rgb, 3 * w, out);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        g_assert_cmpfloat (out[y * w + x], ==, 5.0f * CLAMP (x, 5, 20));
        g_assert_cmpfloat (out[w * h + y * w + x], ==, 10.0f * CLAMP (y, 4, 15));
      }
  /* clamp x1 = 20.5: x = 20.5 has taps 20 and 21, the second held at 20 */
  p.clamp[2] = 20.5f;
  p.m[2] = 0.5f;
  _trawl_warp_rgb_ref (&p, rgb, 3 * w, out);
  g_assert_cmpfloat (out[10 * w + 19], ==, 5.0f * 19.5f);
  g_assert_cmpfloat (out[10 * w + 20], ==, 100.0f);
  g_assert_cmpfloat (out[10 * w + 25], ==, 100.0f);
}

/* round_u8: every value is an integer in 0..255 within 0.5 of the
 * unrounded one. */
static void
test_round_u8 (void)
{
  const int w = 64, h = 48, dw = 33, dh = 29;
  g_autofree guint8 *rgb = random_rgb (h, 3 * w, 9);
  g_autofree float *a = trawl_test_tensor_new (dw, dh), *b = trawl_test_tensor_new (dw, dh);
  TrawlWarpParams p;
  int fractional = 0;

  _trawl_warp_params_init (&p, w, h, dw, dh);
  trawl_test_set_affine (&p, -31.0, 1.7, 30.0, 25.0);
  p.k = 3;
  _trawl_warp_rgb_ref (&p, rgb, 3 * w, a);
  p.round_u8 = 1;
  _trawl_warp_rgb_ref (&p, rgb, 3 * w, b);
  for (int i = 0; i < 3 * dw * dh; i++)
    {
      g_assert_cmpfloat (b[i], ==, floorf (b[i]));
      g_assert_cmpfloat (b[i], >=, 0.0f);
      g_assert_cmpfloat (b[i], <=, 255.0f);
      g_assert_cmpfloat (fabsf (a[i] - b[i]), <=, 0.5f);
      fractional += a[i] != floorf (a[i]);
    }
  g_assert_cmpint (fractional, >, dw * dh);  /* the rounding did something */
}

/* out = (value - mean) * scale per output channel; bgr puts B first and
 * the normalisation follows the output channel. */
static void
test_normalise_bgr (void)
{
  const int w = 50, h = 40, dw = 21, dh = 17, n = dw * dh;
  const float mean[3] = { 123.675f, 116.28f, 103.53f };
  const float scale[3] = { 1 / 58.395f, 1 / 57.12f, 1 / 57.375f };
  g_autofree guint8 *rgb = random_rgb (h, 3 * w, 11);
  g_autofree float *raw = trawl_test_tensor_new (dw, dh), *out = trawl_test_tensor_new (dw, dh);
  TrawlWarpParams p;

  _trawl_warp_params_init (&p, w, h, dw, dh);
  trawl_test_set_affine (&p, 12.0, 2.2, 25.0, 20.0);
  p.k = 2;
  _trawl_warp_rgb_ref (&p, rgb, 3 * w, raw);
  for (int bgr = 0; bgr < 2; bgr++)
    {
      p.bgr = bgr;
      memcpy (p.mean, mean, sizeof mean);
      memcpy (p.scale, scale, sizeof scale);
      _trawl_warp_rgb_ref (&p, rgb, 3 * w, out);
      for (int c = 0; c < 3; c++)
        for (int i = 0; i < n; i++)
          {
            float v = raw[(bgr ? 2 - c : c) * n + i];

            g_assert_cmpfloat_with_epsilon (out[c * n + i], (v - mean[c]) * scale[c], 1e-5);
          }
    }
}

/* Columns >= out_w are left as they were, in every plane. */
static void
test_out_w (void)
{
  const int w = 24, h = 18, dw = 9, dh = 7, n = dw * dh;
  g_autofree guint8 *rgb = random_rgb (h, 3 * w, 13);
  g_autofree float *full = trawl_test_tensor_new (dw, dh), *part = trawl_test_tensor_new (dw, dh);
  TrawlWarpParams p;

  _trawl_warp_params_init (&p, w, h, dw, dh);
  trawl_test_set_affine (&p, 5.0, 2.5, 12.0, 9.0);
  _trawl_warp_rgb_ref (&p, rgb, 3 * w, full);
  p.out_w = 5;
  _trawl_warp_rgb_ref (&p, rgb, 3 * w, part);
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < dh; y++)
      for (int x = 0; x < dw; x++)
        g_assert_cmpfloat (part[c * n + y * dw + x], ==, x < 5 ? full[c * n + y * dw + x] : SENTINEL);
}

/* 32x16 white NV12 into 16x16: a 16x8 picture centred between 4-row black
 * bars; (v - 127.5) / 127.5 maps white to 1 and the bars to -1. */
static void
test_letterbox (void)
{
  const int w = 32, h = 16;
  g_autofree guint8 *py = g_malloc (w * h), *puv = g_malloc (w * h / 2);
  g_autofree float *out = trawl_test_tensor_new (16, 16);
  TrawlWarpParams p;

  memset (py, 235, w * h);
  memset (puv, 128, w * h / 2);
  letterbox (&p, w, h, 16, 16);
  for (int c = 0; c < 3; c++)
    {
      p.mean[c] = 127.5f;
      p.scale[c] = 1 / 127.5f;
    }
  _trawl_warp_nv12_ref (&p, py, w, puv, w, out);
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < 16; y++)
      for (int x = 0; x < 16; x++)
        g_assert_cmpfloat_with_epsilon (out[c * 256 + y * 16 + x],
                                        y < 4 || y >= 12 ? -1.0f : 1.0f, 1e-4);
}

/* Halving a luma ramp at pixel centres: each output is the mean of two
 * neighbours (the sample falls between them), through grey's Y -> RGB. */
static void
test_downscale_ramp (void)
{
  const int w = 16, h = 4;
  guint8 py[16 * 4], puv[16 * 2];
  float out[3 * 8 * 2];
  TrawlWarpParams p;

  memset (puv, 128, sizeof puv);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      py[y * w + x] = (guint8) (40 + 10 * x);
  _trawl_warp_params_init (&p, w, h, 8, 2);
  p.m[0] = p.m[4] = 2.0f;
  p.dst_offset = 0.5f;
  p.src_offset = -0.5f;
  _trawl_warp_nv12_ref (&p, py, w, puv, w, out);
  for (int x = 0; x < 8; x++)
    {
      float want = 255.0f / 219.0f * (40 + 10 * (2 * x) + 5.0f - 16.0f);

      for (int c = 0; c < 3; c++)
        g_assert_cmpfloat_with_epsilon (out[c * 16 + x], MIN (want, 255.0f), 0.01);
    }
}

/* A face photo shrunk 4x with k = 4 and centre offsets: the 16 samples
 * of a tensor pixel land exactly on the 16 source pixels of its block, so
 * the result is the box filter. */
static void
test_photo_box_k4 (void)
{
  g_autofree char *dir = trawl_test_need_data ("faces/images");
  g_autofree char *path = NULL;
  g_autoptr (TrawlImage) img = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree float *out = NULL;
  TrawlWarpParams p;
  int dw, dh, n;
  double worst = 0;

  if (dir == NULL)
    return;
  path = g_build_filename (dir, "fr_001.jpg", NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("faces/images/fr_001.jpg absent from the shared data");
      return;
    }
  img = trawl_image_load (path, &error);
  g_assert_no_error (error);
  dw = img->width / 4;
  dh = img->height / 4;
  n = dw * dh;
  g_assert_cmpint (n, >, 100);
  out = trawl_test_tensor_new (dw, dh);
  _trawl_warp_params_init (&p, img->width, img->height, dw, dh);
  p.m[0] = p.m[4] = 4.0f;
  p.src_offset = -0.5f;
  p.k = 4;
  _trawl_warp_rgb_ref (&p, img->data, img->stride, out);
  for (int c = 0; c < 3; c++)
    for (int v = 0; v < dh; v++)
      for (int u = 0; u < dw; u++)
        {
          double box = 0;

          for (int j = 0; j < 4; j++)
            for (int i = 0; i < 4; i++)
              box += img->data[(4 * v + j) * img->stride + 3 * (4 * u + i) + c];
          worst = MAX (worst, fabs (out[c * n + v * dw + u] - box / 16));
        }
  g_test_message ("%s %dx%d -> %dx%d: max |warp - box| %.3g", path, img->width, img->height,
                  dw, dh, worst);
  g_assert_cmpfloat (worst, <=, 1e-3);
}

/* ---- planar float sources ---- */

/* The planar copy of an RGB24 image: [3, h, pitch] floats, the padding
 * columns NaN (a warp must never read them). */
static float *
planar_of (const guint8 *rgb, int stride, int w, int h, int pitch)
{
  float *pl = g_new (float, (gsize) 3 * pitch * h);

  for (int c = 0; c < 3; c++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < pitch; x++)
        pl[(gsize) c * pitch * h + (gsize) y * pitch + x] =
            x < w ? rgb[y * stride + 3 * x + c] : NAN;
  return pl;
}

/* A planar copy of an image warps as the image itself, bit for bit, under
 * every feature of the rule (the fetched values are the same floats):
 * rotation with 3x3 supersampling, black outside the valid rectangle,
 * rounding both ways, BGR with normalisation, out_w < dst_w; and a pitch
 * wider than the rows. */
static void
test_planar_vs_rgb (void)
{
  const int w = 41, h = 29, stride = 3 * w + 7, dw = 23, dh = 19, n = 3 * dw * dh;
  const float mean[3] = { 123.675f, 116.28f, 103.53f };
  const float scale[3] = { 1 / 58.395f, 1 / 57.12f, 1 / 57.375f };
  g_autofree guint8 *rgb = random_rgb (h, stride, 21);
  TrawlWarpParams p;

  for (int pitch = w; pitch <= w + 5; pitch += 5)
    for (int variant = 0; variant < 5; variant++)
      {
        g_autofree float *pl = planar_of (rgb, stride, w, h, pitch);
        g_autofree float *a = trawl_test_tensor_new (dw, dh), *b = trawl_test_tensor_new (dw, dh);

        _trawl_warp_params_init (&p, w, h, dw, dh);
        trawl_test_set_affine (&p, 17.0 * variant - 20.0, 0.6 + 0.5 * variant, 20.0, 14.0);
        p.k = variant == 1 ? 3 : 1;
        if (variant == 2)
          {
            p.clamp[0] = p.clamp[1] = -1.0f;
            p.clamp[2] = (float) w;
            p.clamp[3] = (float) h;
            p.valid[0] = 4.0f;
            p.valid[3] = (float) (h - 6);
          }
        p.round_u8 = variant == 3 ? TRAWL_WARP_ROUND_HALF_UP
                     : variant == 4 ? TRAWL_WARP_ROUND_HALF_EVEN : TRAWL_WARP_ROUND_NONE;
        if (variant >= 3)
          {
            p.bgr = 1;
            memcpy (p.mean, mean, sizeof mean);
            memcpy (p.scale, scale, sizeof scale);
          }
        if (variant == 4)
          p.out_w = dw - 6;
        _trawl_warp_rgb_ref (&p, rgb, stride, a);
        _trawl_warp_planar_ref (&p, pl, pitch, b);
        for (int i = 0; i < n; i++)
          {
            g_assert_false (isnan (b[i]));
            g_assert_cmpfloat (a[i], ==, b[i]);
          }
      }
}

/* Planar sources hold any float: a horizontal ramp of quarter steps
 * resized 2:1 with pixel centres reads the mean of each pair exactly. */
static void
test_planar_fractional (void)
{
  const int w = 16, h = 4, dw = 8, dh = 2;
  g_autofree float *pl = g_new (float, 3 * w * h), *out = trawl_test_tensor_new (dw, dh);
  TrawlWarpParams p;

  for (int c = 0; c < 3; c++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        pl[c * w * h + y * w + x] = 0.25f * x + 100.0f * c;
  _trawl_warp_params_init (&p, w, h, dw, dh);
  p.m[0] = p.m[4] = 2.0f;
  p.dst_offset = 0.5f;
  p.src_offset = -0.5f;
  _trawl_warp_planar_ref (&p, pl, w, out);
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < dh; y++)
      for (int u = 0; u < dw; u++)
        g_assert_cmpfloat (out[c * dw * dh + y * dw + u], ==, 0.25f * (2 * u + 0.5f) + 100.0f * c);
}

/* The two roundings part only at exact halves: 10.5 goes to 11 (half up,
 * trawl_image_warp_affine) or 10 (half to even, trawl_image_resize's
 * lrintf); 11.5 to 12 both ways; other values alike. */
static void
test_round_half_even (void)
{
  const int w = 4, h = 1;
  const float row[4] = { 10.0f, 11.0f, 12.0f, 12.6f };
  g_autofree float *pl = g_new (float, 3 * w * h);
  float up[3 * 3], even[3 * 3];
  TrawlWarpParams p;

  for (int c = 0; c < 3; c++)
    memcpy (pl + c * w, row, sizeof row);
  /* tensor pixel u samples source x = u + 0.5: between pixels u and u + 1 */
  _trawl_warp_params_init (&p, w, h, 3, 1);
  p.m[2] = 0.5f;
  p.round_u8 = TRAWL_WARP_ROUND_HALF_UP;
  _trawl_warp_planar_ref (&p, pl, w, up);
  p.round_u8 = TRAWL_WARP_ROUND_HALF_EVEN;
  _trawl_warp_planar_ref (&p, pl, w, even);
  for (int c = 0; c < 3; c++)
    {
      g_assert_cmpfloat (up[c * 3 + 0], ==, 11.0f);    /* 10.5 */
      g_assert_cmpfloat (even[c * 3 + 0], ==, 10.0f);
      g_assert_cmpfloat (up[c * 3 + 1], ==, 12.0f);    /* 11.5 */
      g_assert_cmpfloat (even[c * 3 + 1], ==, 12.0f);
      g_assert_cmpfloat (up[c * 3 + 2], ==, 12.0f);    /* 12.3 */
      g_assert_cmpfloat (even[c * 3 + 2], ==, 12.0f);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/warp/params-init", test_params_init);
  g_test_add_func ("/warp/identity-rgb", test_identity_rgb);
  g_test_add_func ("/warp/nv12-colour-bars", test_nv12_colour_bars);
  g_test_add_func ("/warp/nv12-vs-rgb", test_nv12_vs_rgb);
  g_test_add_func ("/warp/supersample-constant", test_supersample_constant);
  g_test_add_func ("/warp/valid-black", test_valid_black);
  g_test_add_func ("/warp/clamp-edges", test_clamp_edges);
  g_test_add_func ("/warp/round-u8", test_round_u8);
  g_test_add_func ("/warp/normalise-bgr", test_normalise_bgr);
  g_test_add_func ("/warp/out-w", test_out_w);
  g_test_add_func ("/warp/letterbox", test_letterbox);
  g_test_add_func ("/warp/downscale-ramp", test_downscale_ramp);
  g_test_add_func ("/warp/photo-box-k4", test_photo_box_k4);
  g_test_add_func ("/warp/planar-vs-rgb", test_planar_vs_rgb);
  g_test_add_func ("/warp/planar-fractional", test_planar_fractional);
  g_test_add_func ("/warp/round-half-even", test_round_half_even);
  return g_test_run ();
}
