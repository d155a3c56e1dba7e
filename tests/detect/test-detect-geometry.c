/* test-detect-geometry.c - model-free face geometry: similarity fit,
 * chip template, warp, quality, tiling and NMS merge. Expected values are
 * derived by hand (or from an independent construction in the test), never
 * from the code under test.
 */
#include "trawl/detect.h"

#include <math.h>

static void
test_similarity_exact (void)
{
  /* Points moved by a known similarity (scale 2, 30 degrees, shift) must
   * give that similarity back. */
  double s = 2.0, th = G_PI / 6, tx = 5, ty = -3;
  TrawlPoint src[4] = { { 0, 0 }, { 10, 0 }, { 0, 7 }, { 4, 9 } }, dst[4];
  for (int i = 0; i < 4; i++)
    {
      dst[i].x = (float) (s * cos (th) * src[i].x - s * sin (th) * src[i].y + tx);
      dst[i].y = (float) (s * sin (th) * src[i].x + s * cos (th) * src[i].y + ty);
    }
  double m[6];
  g_assert_true (trawl_similarity_fit (src, dst, 4, m));
  g_assert_cmpfloat_with_epsilon (m[0], s * cos (th), 1e-5);
  g_assert_cmpfloat_with_epsilon (m[3], s * sin (th), 1e-5);
  g_assert_cmpfloat_with_epsilon (m[1], -m[3], 1e-9);
  g_assert_cmpfloat_with_epsilon (m[4], m[0], 1e-9);
  g_assert_cmpfloat_with_epsilon (m[2], tx, 1e-4);
  g_assert_cmpfloat_with_epsilon (m[5], ty, 1e-4);
  TrawlPoint q = trawl_affine_apply (m, src[3]);
  g_assert_cmpfloat_with_epsilon (q.x, dst[3].x, 1e-3);
  g_assert_cmpfloat_with_epsilon (q.y, dst[3].y, 1e-3);
}

static void
test_similarity_least_squares (void)
{
  /* Symmetric noise around a pure shift: the fit is the shift itself. */
  TrawlPoint src[4] = { { 0, 0 }, { 2, 0 }, { 2, 2 }, { 0, 2 } };
  TrawlPoint dst[4] = { { 10.1f, 20 }, { 11.9f, 20 }, { 12.1f, 22 }, { 9.9f, 22 } };
  double m[6];
  g_assert_true (trawl_similarity_fit (src, dst, 4, m));
  g_assert_cmpfloat_with_epsilon (m[0], 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (m[3], 0.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (m[2], 10.0, 1e-5);
  g_assert_cmpfloat_with_epsilon (m[5], 20.0, 1e-5);
  /* Degenerate: all source points equal. */
  TrawlPoint same[3] = { { 1, 1 }, { 1, 1 }, { 1, 1 } };
  g_assert_false (trawl_similarity_fit (same, dst, 3, m));
  g_assert_false (trawl_similarity_fit (src, dst, 1, m));
}

static void
test_chip_template (void)
{
  /* From dlib's mean face: eye centres at x = 0.22549 and 0.75476 (unit
   * square), y = 0.21599, nose tip (0.490127, 0.515625); chip coordinate =
   * (0.25 + u) / 1.5 * size. */
  TrawlPoint t[5];
  trawl_face_chip_template (150, t);
  g_assert_cmpfloat_with_epsilon (t[0].x, (0.25 + 0.2254918) / 1.5 * 150, 1e-3);
  g_assert_cmpfloat_with_epsilon (t[1].x, (0.25 + 0.7547613) / 1.5 * 150, 1e-3);
  g_assert_cmpfloat_with_epsilon (t[0].y, (0.25 + 0.2159903) / 1.5 * 150, 1e-3);
  g_assert_cmpfloat_with_epsilon (t[1].y, t[0].y, 1e-4);
  g_assert_cmpfloat_with_epsilon (t[2].x, (0.25 + 0.490127) / 1.5 * 150, 1e-3);
  g_assert_cmpfloat_with_epsilon (t[2].y, (0.25 + 0.515625) / 1.5 * 150, 1e-3);
  /* Mouth corners symmetric about the nose. */
  g_assert_cmpfloat_with_epsilon (t[3].x + t[4].x, 2 * t[2].x, 0.05);
}

/* 68 landmarks whose five alignment points are the template's, mapped by
 * a similarity m0 (chip -> image). */
static void
make_landmarks (const double m0[6], TrawlPoint lm[68])
{
  TrawlPoint t[5];
  trawl_face_chip_template (150, t);
  for (int i = 0; i < 68; i++)
    lm[i] = trawl_affine_apply (m0, t[2]);
  for (int i = 36; i <= 41; i++)
    lm[i] = trawl_affine_apply (m0, t[0]);
  for (int i = 42; i <= 47; i++)
    lm[i] = trawl_affine_apply (m0, t[1]);
  lm[48] = trawl_affine_apply (m0, t[3]);
  lm[54] = trawl_affine_apply (m0, t[4]);
  /* Jaw ends at equal distance either side of the nose along the eye axis. */
  TrawlPoint l = { t[2].x - 60, t[2].y }, r = { t[2].x + 60, t[2].y };
  lm[0] = trawl_affine_apply (m0, l);
  lm[16] = trawl_affine_apply (m0, r);
}

static void
test_chip_transform_and_warp (void)
{
  /* A face twice chip size, rotated 90 degrees: chip (u,v) -> image
   * (200 - 2v, 2u). */
  double m0[6] = { 0, -2, 200, 2, 0, 0 };
  TrawlPoint lm[68];
  make_landmarks (m0, lm);
  double m[6];
  g_assert_true (trawl_face_chip_transform (lm, 150, m));
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat_with_epsilon (m[i], m0[i], 1e-3);

  /* Warp an image whose colour encodes position; the chip pixel (u, v) must
   * carry the colour of image pixel m0(u+.5, v+.5). */
  g_autoptr (TrawlImage) img = trawl_image_new (300, 300);
  for (int y = 0; y < 300; y++)
    for (int x = 0; x < 300; x++)
      {
        guint8 *p = img->data + y * img->stride + 3 * x;
        p[0] = (guint8) (x * 255 / 299);
        p[1] = (guint8) (y * 255 / 299);
        p[2] = 77;
      }
  double shift[6] = { 1, 0, 10.5, 0, 1, 20.5 };  /* pure shift: exact samples */
  g_autoptr (TrawlImage) out = trawl_image_new (50, 40);
  trawl_image_warp_affine (img, shift, out);
  for (int v = 0; v < 40; v += 7)
    for (int u = 0; u < 50; u += 9)
      {
        const guint8 *o = out->data + v * out->stride + 3 * u;
        const guint8 *s = img->data + (v + 20) * img->stride + 3 * (u + 10) + 3 * 0;
        /* sample point (u+.5+10.5, v+.5+20.5) - .5 = (u+10.5, v+20.5): halfway */
        const guint8 *s2 = img->data + (v + 21) * img->stride + 3 * (u + 11);
        g_assert_cmpint (abs (o[0] - (s[0] + s2[0]) / 2), <=, 1);
        g_assert_cmpint (abs (o[1] - (s[1] + s2[1]) / 2), <=, 1);
        g_assert_cmpint (o[2], ==, 77);
      }
  /* Outside the source reads black. */
  double far_away[6] = { 1, 0, 1000, 0, 1, 1000 };
  trawl_image_warp_affine (img, far_away, out);
  g_assert_cmpint (out->data[0], ==, 0);

  g_autoptr (TrawlImage) chip = trawl_face_align (img, lm, 150);
  g_assert_nonnull (chip);
  g_assert_cmpint (chip->width, ==, 150);
  /* Chip pixel (75, 75): its 2x2 sub-samples at 75.25 and 75.75 land on
   * image x = 200 - 2v = 49.5, 48.5 and y = 2u = 150.5, 151.5 (pixel centres
   * at +.5), i.e. pixel indices x 48..49, y 150..151. */
  const guint8 *c = chip->data + 75 * chip->stride + 3 * 75;
  g_assert_cmpint (abs (c[0] - (int) (48.5 * 255 / 299)), <=, 2);
  g_assert_cmpint (abs (c[1] - (int) (150.5 * 255 / 299)), <=, 2);
}

/* The alignment rules fit the landmarks they name and no others, and
 * padding scales the chip about the face. */
static void
test_chip_rules (void)
{
  double m0[6] = { 0, -2, 200, 2, 0, 0 };
  TrawlPoint lm[68];
  double m[6], r[6];

  make_landmarks (m0, lm);
  /* the pipeline's rule is FIVE at dlib's padding */
  g_assert_true (trawl_face_chip_transform (lm, 150, m));
  g_assert_true (trawl_face_chip_transform_rule (lm, 150, 0.25, TRAWL_FACE_ALIGN_FIVE, r));
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat (r[i], ==, m[i]);
  /* padding 0.3: the template shrinks by 1.5 / 1.6 about the chip's
   * origin-relative points, so the chip -> image scale grows by 1.6 / 1.5 */
  g_assert_true (trawl_face_chip_transform_rule (lm, 150, 0.30, TRAWL_FACE_ALIGN_FIVE, r));
  g_assert_cmpfloat_with_epsilon (hypot (r[0], r[3]), 2 * 1.6 / 1.5, 1e-3);

  /* moving a landmark changes a rule's fit exactly when the rule uses it */
  static const struct { TrawlFaceAlignRule rule; int used, unused[4]; } cases[] = {
    { TRAWL_FACE_ALIGN_FIVE,   30, { 33, 20, 57, 5 } },
    { TRAWL_FACE_ALIGN_DLIB68, 30, { 20, 57, 66, 5 } },
    { TRAWL_FACE_ALIGN_DLIB68, 62, { 17, 26, 55, 59 } },
    { TRAWL_FACE_ALIGN_DLIB5,  33, { 30, 48, 54, 37 } },
  };
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      TrawlPoint moved[68];
      double base[6], m2[6];
      gboolean same;

      /* spread the points so every rule has a non-degenerate fit */
      for (int i = 0; i < 68; i++)
        {
          moved[i] = lm[i];
          moved[i].x += (float) (i % 7);
          moved[i].y += (float) (i % 5);
        }
      g_assert_true (trawl_face_chip_transform_rule (moved, 150, 0.25, cases[c].rule, base));
      for (int k = -1; k < 4; k++)
        {
          int idx = k < 0 ? cases[c].used : cases[c].unused[k];
          TrawlPoint keep = moved[idx];
          moved[idx].x += 9;
          moved[idx].y -= 4;
          g_assert_true (trawl_face_chip_transform_rule (moved, 150, 0.25, cases[c].rule, m2));
          moved[idx] = keep;
          same = TRUE;
          for (int i = 0; i < 6; i++)
            same &= fabs (m2[i] - base[i]) < 1e-9;
          g_assert_true (same == (k >= 0));
        }
    }
}

/* The mirror of a chip's matrix cuts the chip mirrored. */
static void
test_chip_mirror (void)
{
  double m0[6] = { 0.3, -2.1, 210, 2.1, 0.3, 4 }, mm[6];
  g_autoptr (TrawlImage) img = trawl_image_new (320, 330);
  for (int y = 0; y < 330; y++)
    for (int x = 0; x < 320; x++)
      {
        guint8 *p = img->data + y * img->stride + 3 * x;
        p[0] = (guint8) ((x * 7 + y * 3) % 256);
        p[1] = (guint8) ((x * x + y) % 251);
        p[2] = (guint8) (y * 255 / 329);
      }
  g_autoptr (TrawlImage) a = trawl_image_new (150, 150);
  g_autoptr (TrawlImage) b = trawl_image_new (150, 150);
  trawl_face_chip_mirror (m0, 150, mm);
  trawl_image_warp_affine (img, m0, a);
  trawl_image_warp_affine (img, mm, b);
  int worst = 0;
  for (int y = 0; y < 150; y++)
    for (int x = 0; x < 150; x++)
      for (int c = 0; c < 3; c++)
        worst = MAX (worst, abs (a->data[y * a->stride + 3 * x + c] -
                                 b->data[y * b->stride + 3 * (149 - x) + c]));
  g_assert_cmpint (worst, <=, 1);   /* float rounding at a .5 */
  /* and is not the chip itself */
  int differ = 0;
  for (int x = 0; x < 150; x++)
    differ += a->data[75 * a->stride + 3 * x] != b->data[75 * b->stride + 3 * x];
  g_assert_cmpint (differ, >, 100);
}

/* The flipped chip is the chip of the mirrored photo. */
static void
test_chip_flipped (void)
{
  for (int i = 0; i < 68; i++)
    g_assert_cmpint (trawl_face_mirror_index (trawl_face_mirror_index (i)), ==, i);
  g_assert_cmpint (trawl_face_mirror_index (36), ==, 45);
  g_assert_cmpint (trawl_face_mirror_index (39), ==, 42);
  g_assert_cmpint (trawl_face_mirror_index (0), ==, 16);
  g_assert_cmpint (trawl_face_mirror_index (48), ==, 54);
  g_assert_cmpint (trawl_face_mirror_index (33), ==, 33);
  g_assert_cmpint (trawl_face_mirror_index (62), ==, 62);

  const int W = 300, H = 300;
  double m0[6] = { 0.2, -1.1, 230, 1.1, 0.2, 20 };
  TrawlPoint lm[68], lmm[68];
  make_landmarks (m0, lm);
  for (int i = 0; i < 68; i++)
    {
      lm[i].x += (float) (i % 7);
      lm[i].y += (float) (i % 5);
    }
  /* the mirrored photo: column x is column W-1-x; a point x is W - x */
  g_autoptr (TrawlImage) img = trawl_image_new (W, H);
  g_autoptr (TrawlImage) mir = trawl_image_new (W, H);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      for (int c = 0; c < 3; c++)
        img->data[y * img->stride + 3 * x + c] = (guint8) ((x * (c + 3) + y * (7 - c)) % 256);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      for (int c = 0; c < 3; c++)
        mir->data[y * mir->stride + 3 * (W - 1 - x) + c] = img->data[y * img->stride + 3 * x + c];
  for (int i = 0; i < 68; i++)
    {
      lmm[trawl_face_mirror_index (i)].x = W - lm[i].x;
      lmm[trawl_face_mirror_index (i)].y = lm[i].y;
    }
  for (int rule = TRAWL_FACE_ALIGN_FIVE; rule <= TRAWL_FACE_ALIGN_DLIB5; rule++)
    {
      double mf[6], mm[6], plain[6];
      g_autoptr (TrawlImage) a = trawl_image_new (150, 150);
      g_autoptr (TrawlImage) b = trawl_image_new (150, 150);
      g_assert_true (trawl_face_chip_transform_flipped (lm, 150, 0.25, rule, mf));
      g_assert_true (trawl_face_chip_transform_rule (lmm, 150, 0.25, rule, mm));
      g_assert_true (trawl_face_chip_transform_rule (lm, 150, 0.25, rule, plain));
      trawl_image_warp_affine (img, mf, a);
      trawl_image_warp_affine (mir, mm, b);
      int worst = 0;
      for (int y = 0; y < 150; y++)
        for (int x = 0; x < 3 * 150; x++)
          worst = MAX (worst, abs (a->data[y * a->stride + x] - b->data[y * b->stride + x]));
      g_assert_cmpint (worst, <=, 1);
      /* a mirror: the matrix reverses orientation, the plain one keeps it */
      g_assert_cmpfloat (mf[0] * mf[4] - mf[1] * mf[3], <, 0);
      g_assert_cmpfloat (plain[0] * plain[4] - plain[1] * plain[3], >, 0);
    }
}

static void
test_quality (void)
{
  double big[6] = { 1, 0, 0, 0, 1, 0 };       /* chip-sized face, frontal */
  double tiny[6] = { 0.1, 0, 0, 0, 0.1, 0 };  /* eyes ~5 px apart */
  TrawlPoint lm[68];
  TrawlFaceQuality q;
  make_landmarks (big, lm);
  trawl_face_quality (lm, NULL, 0.9f, &q);
  g_assert_cmpfloat (q.size, ==, 1.0f);
  g_assert_cmpfloat_with_epsilon (q.frontalness, 1.0f, 1e-4);
  g_assert_cmpfloat (q.overall, >, 0.5f);
  float frontal_overall = q.overall;

  /* Turn the head: nose near the right jaw end. */
  lm[30].x = lm[16].x - 5;
  trawl_face_quality (lm, NULL, 0.9f, &q);
  g_assert_cmpfloat (q.frontalness, <, 0.2f);
  g_assert_cmpfloat (q.overall, <, frontal_overall);

  make_landmarks (tiny, lm);
  trawl_face_quality (lm, NULL, 0.9f, &q);
  g_assert_cmpfloat (q.size, ==, 0.0f);
  g_assert_cmpfloat (q.overall, ==, 0.0f);

  /* Sharpness: a checkerboard is sharper than a flat image. */
  g_autoptr (TrawlImage) flat = trawl_image_new (32, 32);
  g_autoptr (TrawlImage) check = trawl_image_new (32, 32);
  for (int y = 0; y < 32; y++)
    for (int x = 0; x < 32; x++)
      for (int ch = 0; ch < 3; ch++)
        {
          flat->data[y * flat->stride + 3 * x + ch] = 128;
          check->data[y * check->stride + 3 * x + ch] = ((x + y) & 1) ? 255 : 0;
        }
  g_assert_cmpfloat (trawl_image_laplacian_var (flat), ==, 0.0f);
  g_assert_cmpfloat (trawl_image_laplacian_var (check), >, 1000.0f);
  make_landmarks (big, lm);
  TrawlFaceQuality qf, qc;
  trawl_face_quality (lm, flat, 0.9f, &qf);
  trawl_face_quality (lm, check, 0.9f, &qc);
  g_assert_cmpfloat (qf.sharpness, ==, 0.0f);
  g_assert_cmpfloat (qc.sharpness, >, 0.9f);
  g_assert_cmpfloat (qc.overall, >, qf.overall);
}

static void
test_distance (void)
{
  float a[TRAWL_FACE_EMBED_DIM] = { 0 }, b[TRAWL_FACE_EMBED_DIM] = { 0 };
  a[0] = 1; b[1] = 1;
  g_assert_cmpfloat_with_epsilon (trawl_face_distance (a, b), sqrtf (2.0f), 1e-6);
  g_assert_cmpfloat (trawl_face_distance (a, a), ==, 0.0f);
}

static void
test_iou (void)
{
  TrawlBox a = { 0, 0, 10, 10 }, b = { 5, 0, 10, 10 }, c = { 20, 20, 5, 5 }, d = { 2, 2, 4, 4 };
  g_assert_cmpfloat_with_epsilon (trawl_box_iou (&a, &b), 50.0 / 150.0, 1e-6);
  g_assert_cmpfloat (trawl_box_iou (&a, &c), ==, 0.0f);
  g_assert_cmpfloat_with_epsilon (trawl_box_iou (&a, &d), 16.0 / 100.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (trawl_box_overlap_min (&a, &d), 1.0, 1e-6);
}

static void
test_tiles (void)
{
  /* Small frame: one tile, clipped. */
  g_autoptr (GArray) one = trawl_tiles_plan (300, 200, 512, 128);
  g_assert_cmpuint (one->len, ==, 1);
  TrawlBox *t = &g_array_index (one, TrawlBox, 0);
  g_assert_cmpfloat (t->w, ==, 300);
  g_assert_cmpfloat (t->h, ==, 200);

  /* 1920x1080 with 512 tiles overlapping >= 128: x needs ceil((1920-512)/384)+1
   * = 5 tiles, y ceil((1080-512)/384)+1 = 3. */
  g_autoptr (GArray) tiles = trawl_tiles_plan (1920, 1080, 512, 128);
  g_assert_cmpuint (tiles->len, ==, 15);
  /* Every pixel is covered, every tile lies inside, neighbours overlap
   * by >= 128. */
  for (guint i = 0; i < tiles->len; i++)
    {
      TrawlBox *b = &g_array_index (tiles, TrawlBox, i);
      g_assert_cmpfloat (b->x, >=, 0);
      g_assert_cmpfloat (b->x + b->w, <=, 1920);
      g_assert_cmpfloat (b->y + b->h, <=, 1080);
      g_assert_cmpfloat (b->w, ==, 512);
    }
  for (int x = 0; x < 1920; x += 37)
    for (int y = 0; y < 1080; y += 41)
      {
        gboolean hit = FALSE;
        for (guint i = 0; i < tiles->len && !hit; i++)
          {
            TrawlBox *b = &g_array_index (tiles, TrawlBox, i);
            hit = x >= b->x && x < b->x + b->w && y >= b->y && y < b->y + b->h;
          }
        g_assert_true (hit);
      }
  TrawlBox *t0 = &g_array_index (tiles, TrawlBox, 0), *t1 = &g_array_index (tiles, TrawlBox, 1);
  g_assert_cmpfloat (t0->x + t0->w - t1->x, >=, 128);
  g_assert_null (trawl_tiles_plan (0, 10, 512, 0));
  g_assert_null (trawl_tiles_plan (100, 100, 512, 512));
}

static void
test_merge (void)
{
  GArray *boxes = g_array_new (FALSE, FALSE, sizeof (TrawlScoredBox));
  TrawlScoredBox in[] = {
    { { 100, 100, 50, 50 }, 0.6f },   /* duplicate of the next, lower score */
    { { 102, 101, 50, 50 }, 0.9f },   /* kept */
    { { 300, 300, 40, 40 }, 0.7f },   /* kept: elsewhere */
    { { 102, 101, 25, 50 }, 0.8f },   /* half face cut by a tile edge, inside the 0.9 box */
  };
  g_array_append_vals (boxes, in, G_N_ELEMENTS (in));
  trawl_boxes_merge (boxes, 0.5f, 0.0f);
  /* Without the containment rule the half face (IoU 0.5 exactly) stays. */
  g_assert_cmpuint (boxes->len, ==, 3);
  trawl_boxes_merge (boxes, 0.5f, 0.8f);
  g_assert_cmpuint (boxes->len, ==, 2);
  g_assert_cmpfloat (g_array_index (boxes, TrawlScoredBox, 0).score, ==, 0.9f);
  g_assert_cmpfloat (g_array_index (boxes, TrawlScoredBox, 1).score, ==, 0.7f);
  g_array_unref (boxes);
  trawl_boxes_merge (NULL, 0.5f, 0.5f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/detect/geometry/similarity-exact", test_similarity_exact);
  g_test_add_func ("/detect/geometry/similarity-least-squares", test_similarity_least_squares);
  g_test_add_func ("/detect/geometry/chip-template", test_chip_template);
  g_test_add_func ("/detect/geometry/chip-transform-warp", test_chip_transform_and_warp);
  g_test_add_func ("/detect/geometry/chip-rules", test_chip_rules);
  g_test_add_func ("/detect/geometry/chip-mirror", test_chip_mirror);
  g_test_add_func ("/detect/geometry/chip-flipped", test_chip_flipped);
  g_test_add_func ("/detect/geometry/quality", test_quality);
  g_test_add_func ("/detect/geometry/distance", test_distance);
  g_test_add_func ("/detect/geometry/iou", test_iou);
  g_test_add_func ("/detect/geometry/tiles", test_tiles);
  g_test_add_func ("/detect/geometry/merge", test_merge);
  return g_test_run ();
}
