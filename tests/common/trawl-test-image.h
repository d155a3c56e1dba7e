/* trawl-test-image.h - image and warp helpers shared by the test programs:
 * loading a labelled photo (or skipping without the data), the mean/max
 * difference of two RGB images, and the tensors and affine maps the warp
 * tests (tests/base/test-warp.c against the CPU rule, tests/gpu/test-gpu-
 * warp.c against the kernel) build alike. Header-only; needs src/ on the
 * include path (trawl_inc or trawl_dep) for image/warp.h. */
#pragma once

#include <math.h>
#include <stdlib.h>
#include <glib.h>
#include <trawl/image.h>

#include "rules/warp.h"
#include "trawl-test.h"

/* Marks tensor values a warp must not write (and leaves for checks). */
#define TRAWL_TEST_SENTINEL (-12345.0f)

/* The image at rel inside the data folder, or NULL after g_test_skip
 * saying it is absent; a file that is there must load. */
static inline TrawlImage *
trawl_test_load_image (const char *rel)
{
  g_autofree char *path = trawl_test_need_data (rel);
  if (path == NULL)
    return NULL;
  g_autoptr (GError) error = NULL;
  TrawlImage *img = trawl_image_load (path, &error);
  g_assert_no_error (error);
  return img;
}

/* Mean and max absolute difference of two RGB images of one size (the
 * size is asserted), over every channel value. */
static inline void
trawl_test_image_diff (const TrawlImage *a, const TrawlImage *b, double *mean, int *max)
{
  guint64 sum = 0;

  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpint (a->height, ==, b->height);
  *max = 0;
  for (int y = 0; y < a->height; y++)
    for (int x = 0; x < 3 * a->width; x++)
      {
        int d = abs ((int) a->data[y * a->stride + x] - (int) b->data[y * b->stride + x]);
        sum += d;
        *max = MAX (*max, d);
      }
  *mean = (double) sum / (3.0 * a->width * a->height);
}

/* A planar 3 x h x w float tensor filled with TRAWL_TEST_SENTINEL
 * (g_free), so that a check sees what a warp did not write. */
static inline float *
trawl_test_tensor_new (int w, int h)
{
  float *t = g_new (float, (gsize) 3 * w * h);

  for (gsize i = 0; i < (gsize) 3 * w * h; i++)
    t[i] = TRAWL_TEST_SENTINEL;
  return t;
}

/* A generic affine map for the warp tests: rotation by deg and scale s
 * about source point (cx, cy) at the tensor centre, pixel-centre
 * convention (tensor pixel (u, v) reads source x0 + s (u + 0.5) - 0.5
 * ... rotated). Sets m and the offsets only; p->dst_w and dst_h must be
 * set already. */
static inline void
trawl_test_set_affine (TrawlWarpParams *p, double deg, double s, double cx, double cy)
{
  double a = deg * G_PI / 180.0, c = cos (a) * s, sn = sin (a) * s;
  double ux = p->dst_w / 2.0, vy = p->dst_h / 2.0;

  p->m[0] = (float) c;
  p->m[1] = (float) -sn;
  p->m[3] = (float) sn;
  p->m[4] = (float) c;
  p->m[2] = (float) (cx - c * ux + sn * vy);
  p->m[5] = (float) (cy - sn * ux - c * vy);
  p->dst_offset = 0.5f;
  p->src_offset = -0.5f;
}
