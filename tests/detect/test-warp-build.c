/* test-warp-build.c - the warp parameters of src/detect/warp-build.c
 * against the CPU preprocessing they stand for, on real photos: the warp
 * rule's CPU reference (_trawl_warp_rgb_ref) with each builder's params must
 * give the tensor the CPU function gives. SSD squares, landmark squares and
 * PP-OCR det inputs are exact up to float rounding; the face chip up to a
 * rare one-step flip where the double-precision CPU sum lands on .5; the
 * composed plate rec warp (one warp where the CPU path warps to uint8 and
 * resizes) is measured; the two-stage inputs the batched reader makes
 * (trawl_warp_build_crop to 8-bit planar values, then the planar resize)
 * must equal the CPU path's but for rare one-step flips, and every text
 * the rec net reads from them must be the CPU path's. Skips without
 * ../shared/data (and the rec part without the models).
 */
#include "detect/detect-private.h"
#include "detect/warp-build.h"
#include "rules/warp.h"
#include "trawl/base.h"
#include "trawl/eval.h"
#include "trawl/faces-post.h"

#include <math.h>
#include <string.h>
#include "../common/trawl-test.h"
#include "../common/trawl-test-image.h"

/* Exact builders: at most this far from the CPU tensor on the 0..255 scale
 * (float rounding of the coordinates: < 1e-4 px times a 255 step). */
#define EXACT_TOL 0.02
/* uint8 steps: where the unrounded value lies within float error of .5
 * (the chip's double sums; a resize's lerp against the rule's weighted
 * sum), the two may differ by one step. Such a flip must be at a tie
 * (TIE_EPS), and flips must stay rare: FLIP_FRAC of the samples for the
 * chip, DET_FLIP_FRAC for det inputs. Exact ties (every other sample at
 * fx = 0.5) no longer flip: the resize builders round halves to even as
 * trawl_image_resize's lrintf does (they flipped 1% of a 1280 -> 960 det
 * input when the rule rounded them up; 344 of 1.57M are left). */
#define TIE_EPS   0.01
#define FLIP_FRAC 0.02
#define DET_FLIP_FRAC 1e-3

typedef struct {
  double max, sum;
  gint64 n, over;  /* samples, samples beyond EXACT_TOL */
  gint64 ties;     /* of those, one-step flips at a .5 tie */
} Diff;

/* For rounded warps: every sample beyond EXACT_TOL must be one step off at
 * a tie of the unrounded value (raw: the warp without rounding or
 * normalisation, 0..255, same channel order). */
static void
check_ties (Diff *d, const float *a, const float *b, const float *raw, gint64 n,
            const double unit[3], gint64 plane)
{
  for (gint64 i = 0; i < n; i++)
    {
      double e = fabs ((double) a[i] - b[i]) * unit[i / plane];
      if (e <= EXACT_TOL)
        continue;
      double frac = raw[i] - floor (raw[i]);
      if (e > 1.0 + EXACT_TOL || fabs (frac - 0.5) > TIE_EPS)
        g_error ("sample %" G_GINT64_FORMAT ": %.4f off, unrounded %.4f is no tie", i, e,
                 (double) raw[i]);
      d->ties++;
    }
}

/* The unrounded, unnormalised values of p's warp (g_free). */
static float *
raw_warp (const TrawlWarpParams *p, const TrawlImage *img)
{
  TrawlWarpParams q = *p;
  float *raw = g_new0 (float, (gsize) 3 * q.dst_w * q.dst_h);
  q.round_u8 = 0;
  for (int c = 0; c < 3; c++)
    {
      q.mean[c] = 0.0f;
      q.scale[c] = 1.0f;
    }
  _trawl_warp_rgb_ref (&q, img->data, img->stride, raw);
  return raw;
}

/* Accumulates |a - b| * unit[c] over n samples per plane of 3 planes
 * (plane stride plane, rows of row_w, the first cols columns). */
static void
diff_add (Diff *d, const float *a, const float *b, int rows, int row_w, int cols,
          const double unit[3])
{
  gint64 plane = (gint64) rows * row_w;
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < rows; y++)
      for (int x = 0; x < cols; x++)
        {
          gint64 i = c * plane + (gint64) y * row_w + x;
          double e = fabs ((double) a[i] - b[i]) * unit[c];
          d->max = MAX (d->max, e);
          d->sum += e;
          d->n++;
          d->over += e > EXACT_TOL;
        }
}

static const double unit1[3] = { 1, 1, 1 };

/* SSD (512, corner-aligned) and landmark (112, centred) squares. */
static void
check_square (const TrawlImage *img, int x, int y, int w, int h, int size, gboolean center)
{
  gsize n = (gsize) 3 * size * size;
  g_autofree float *cpu = g_new0 (float, n), *ref = g_new0 (float, n);
  TrawlWarpParams p;
  Diff d = { 0 };

  trawl_faces_prepare_input (img, x, y, w, h, size, center, cpu);
  trawl_warp_build_square (&p, img->width, img->height, x, y, w, h, size, center);
  _trawl_warp_rgb_ref (&p, img->data, img->stride, ref);
  diff_add (&d, ref, cpu, size, size, size, unit1);
  g_test_message ("square %dx%d+%d+%d -> %d%s: max %.5f", w, h, x, y, size,
                  center ? " centred" : "", d.max);
  g_assert_cmpfloat (d.max, <=, EXACT_TOL);
}

static void
test_square (void)
{
  const char *files[] = { "faces/images/fr_012.jpg", "faces/images/fr_009.png",
                          "plates/images/oalpr_us_s020.jpg" };
  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autoptr (TrawlImage) img = trawl_test_load_image (files[f]);
      if (img == NULL)
        return;
      int W = img->width, H = img->height;
      /* the whole frame and its tiles, as the face pipeline cuts them */
      check_square (img, 0, 0, W, H, TRAWL_FACES_SSD_SIZE, FALSE);
      int tile = (MAX (W, H) * 4 + 6) / 7;
      g_autoptr (GArray) tiles = trawl_tiles_plan (W, H, tile, tile / 4);
      for (guint i = 0; tiles && i < tiles->len; i++)
        {
          TrawlBox *t = &g_array_index (tiles, TrawlBox, i);
          check_square (img, (int) t->x, (int) t->y, (int) t->w, (int) t->h, TRAWL_FACES_SSD_SIZE,
                        FALSE);
        }
      /* odd regions, up- and downsampled, some off the image's edges */
      const int r[][4] = { { 37, 11, 101, 77 }, { 3, 5, 641, 333 }, { W - 50, H - 30, 91, 77 },
                           { -5, -7, 60, 81 }, { W / 3, H / 4, 33, 200 }, { 0, 0, 1, 1 } };
      for (guint i = 0; i < G_N_ELEMENTS (r); i++)
        {
          check_square (img, r[i][0], r[i][1], r[i][2], r[i][3], TRAWL_FACES_SSD_SIZE, FALSE);
          check_square (img, r[i][0], r[i][1], r[i][2], r[i][3], TRAWL_FACES_LM_SIZE, TRUE);
        }
    }
}

/* The 150 px chip through m, then embed_chip's planar copy. */
static void
check_chip (const TrawlImage *img, const double m[6], Diff *total)
{
  const int s = TRAWL_FACES_REC_SIZE;
  g_autoptr (TrawlImage) chip = trawl_image_new (s, s);
  g_autofree float *cpu = g_new (float, 3 * s * s), *ref = g_new (float, 3 * s * s);
  TrawlWarpParams p;
  Diff d = { 0 };

  trawl_image_warp_affine (img, m, chip);
  for (int y = 0; y < s; y++)
    for (int x = 0; x < s; x++)
      for (int c = 0; c < 3; c++)
        cpu[c * s * s + y * s + x] = chip->data[y * chip->stride + 3 * x + c];
  trawl_warp_build_chip (&p, img->width, img->height, m, s);
  _trawl_warp_rgb_ref (&p, img->data, img->stride, ref);
  diff_add (&d, ref, cpu, s, s, s, unit1);
  g_autofree float *raw = raw_warp (&p, img);
  check_ties (&d, ref, cpu, raw, 3 * s * s, unit1, s * s);
  g_test_message ("chip k=%d scale %.2f: max %.3f, %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                  " samples off", p.k, sqrt (fabs (m[0] * m[4] - m[1] * m[3])), d.max, d.over,
                  d.n);
  g_assert_cmpfloat (d.max, <=, 1.0 + 1e-6);
  g_assert_cmpfloat ((double) d.over, <=, FLIP_FRAC * d.n);
  total->over += d.over;
  total->n += d.n;
}

static void
test_chip (void)
{
  g_autoptr (TrawlImage) img = trawl_test_load_image ("faces/images/fr_012.jpg");
  if (img == NULL)
    return;
  Diff total = { 0 };
  /* Chip px -> image px similarities: upsampled (small faces), about 1:1,
   * downsampled with 2..8 x 2..8 supersampling, rotated, and hanging off
   * each edge of the image. */
  const double scales[] = { 0.37, 0.93, 1.49, 1.51, 2.6, 4.2, 9.5 };
  const double angles[] = { 0.0, 0.21, -0.5 };
  for (guint i = 0; i < G_N_ELEMENTS (scales); i++)
    for (guint j = 0; j < G_N_ELEMENTS (angles); j++)
      {
        double a = scales[i] * cos (angles[j]), b = scales[i] * sin (angles[j]);
        double cx = (i * 211 + j * 97) % img->width, cy = (i * 53 + j * 131) % img->height;
        /* the chip centre (75, 75) lands on (cx, cy) */
        double m[6] = { a, -b, cx - (a * 75 - b * 75), b, a, cy - (b * 75 + a * 75) };
        check_chip (img, m, &total);
      }
  /* and a chip from real-looking landmarks: the template mapped into the
   * frame (trawl_face_chip_transform's path) */
  TrawlPoint lm[68] = { { 0, 0 } }, five[5];
  trawl_face_chip_template (TRAWL_FACE_CHIP, five);
  for (int i = 0; i < 68; i++)
    lm[i] = (TrawlPoint) { 300.5f + 0.31f * five[i % 5].x, 120.25f + 0.31f * five[i % 5].y };
  double m[6];
  if (trawl_face_chip_transform (lm, TRAWL_FACE_CHIP, m))
    check_chip (img, m, &total);
  g_test_message ("chips: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " samples one step off "
                  "(all at .5 ties)", total.over, total.n);
}

/* PP-OCR det input of the whole image. */
static void
check_det (const TrawlImage *img, int limit)
{
  static const float std[3] = { 0.229f, 0.224f, 0.225f };
  const double unit[3] = { 255.0 * std[0], 255.0 * std[1], 255.0 * std[2] };
  int w = 0, h = 0, pw = 0, ph = 0;
  g_autofree float *cpu = trawl_ocr_det_input (img, limit, &w, &h);
  trawl_warp_det_size (img->width, img->height, limit, &pw, &ph);
  g_assert_cmpint (pw, ==, w);
  g_assert_cmpint (ph, ==, h);
  g_autofree float *ref = g_new (float, (gsize) 3 * w * h);
  TrawlWarpParams p;
  Diff d = { 0 };
  trawl_warp_build_det (&p, img->width, img->height, NULL, w, h);
  _trawl_warp_rgb_ref (&p, img->data, img->stride, ref);
  diff_add (&d, ref, cpu, h, w, w, unit);
  g_autofree float *raw = raw_warp (&p, img);
  check_ties (&d, ref, cpu, raw, (gint64) 3 * w * h, unit, (gint64) w * h);
  g_test_message ("det %dx%d -> %dx%d: max %.4f, %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                  " samples off", img->width, img->height, w, h, d.max, d.over, d.n);
  /* a one-step flip where float error straddles a .5 */
  g_assert_cmpfloat (d.max, <=, 1.0 + 1e-3);
  g_assert_cmpfloat ((double) d.over, <=, DET_FLIP_FRAC * d.n);
}

static void
test_det (void)
{
  const char *files[] = { "plates/images/oalpr_us_s020.jpg", "plates/images/ucsd_s016.jpg",
                          "plates/images/oalpr_br_s001.jpg", "faces/images/fr_012.jpg" };
  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autoptr (TrawlImage) img = trawl_test_load_image (files[f]);
      if (img == NULL)
        return;
      check_det (img, 960);   /* down */
      check_det (img, 4096);  /* to multiples of 32 only */
      /* small odd crops: upsampled */
      g_autoptr (TrawlImage) small = trawl_image_crop (img, 17, 29, 51, 23);
      check_det (small, 960);
      g_autoptr (TrawlImage) mid = trawl_image_crop (img, 101, 7, 333, 97);
      check_det (mid, 960);
    }
}

/* ---- the composed plate rec warp ---- */

static TrawlPlateReader *reader;

static TrawlPlateReader *
get_reader (void)
{
  g_autofree char *rec = trawl_test_need_model ("ocr-models/ch_PP-OCRv4_rec_infer.onnx");
  if (rec == NULL)
    return NULL;
  if (reader == NULL)
    {
      g_autoptr (GError) error = NULL;
      reader = trawl_plate_reader_new (NULL, &error);
      g_assert_no_error (error);
    }
  return reader;
}

/* The strict text the rec net reads from tensor (of a crop crop_w px wide
 * scaled to rw columns), and its confidence in *conf unless NULL. */
static char *
read_tensor_conf (TrawlPlateReader *pr, float *x, int crop_w, int rw, float *conf)
{
  g_autoptr (GError) error = NULL;
  TrawlNnTensor in = { TRAWL_NN_F32, 4, { 1, 3, TRAWL_PLATE_REC_H, TRAWL_PLATE_REC_W }, x }, out;
  g_assert_true (trawl_nn_plan_run (pr->rec, &in, 1, &out, 1, &error));
  g_assert_no_error (error);
  int T = (int) out.dims[1];
  g_autofree TrawlCtcStep *steps = g_new (TrawlCtcStep, T);
  _trawl_ctc_steps_ref (out.data, T, (int) out.dims[2], steps);
  TrawlPlate *p = _trawl_plate_from_steps (pr, steps, T, crop_w, rw, 1, &error);
  g_assert_no_error (error);
  char *text = g_strdup (p->text);
  if (conf != NULL)
    *conf = p->confidence;
  trawl_plate_free (p);
  return text;
}

static char *
read_tensor (TrawlPlateReader *pr, float *x, int crop_w, int rw)
{
  return read_tensor_conf (pr, x, crop_w, rw, NULL);
}

typedef struct {
  Diff        diff;
  int         reads, same;       /* texts read, texts equal */
  int         cpu_ok, warp_ok;   /* reads equal to the label (folded) */
  const char *truth;             /* the scene's label, folded */
  /* the two-stage inputs (crop to 8 bits, then resize: the batched path's) */
  Diff        diff2;             /* rec tensors against the CPU path's */
  Diff        crop2;             /* 8-bit crops against trawl_image_warp_affine's */
  int         same2;             /* texts equal to the CPU path's */
  double      conf2;             /* largest confidence difference */
} RecStats;

/* The two-stage path's pieces (the batched reader's, plate-batch.c): the
 * 8-bit pixels of crop c of a source (RGB24 img, or planar from when img
 * is NULL, from_w x from_h) as planar floats (g_free), held to cpu (the
 * CPU path's crop of the same pixels) sample by sample: equal, or one
 * step off where the CPU's double coordinates and the rule's float ones
 * straddle a .5. */
static float *
cut_crop (const TrawlImage *img, const float *from, int from_w, int from_h,
          const TrawlWarpCrop *c, const TrawlImage *cpu, Diff *d)
{
  TrawlWarpParams p;
  float *out = g_new (float, (gsize) 3 * c->w * c->h);
  gint64 plane = (gint64) c->w * c->h;

  if (img != NULL)
    {
      trawl_warp_build_crop (&p, img->width, img->height, c);
      _trawl_warp_rgb_ref (&p, img->data, img->stride, out);
    }
  else
    {
      trawl_warp_build_crop (&p, from_w, from_h, c);
      _trawl_warp_planar_ref (&p, from, from_w, out);
    }
  g_assert_cmpint (p.dst_w, ==, cpu->width);
  g_assert_cmpint (p.dst_h, ==, cpu->height);
  for (int ch = 0; ch < 3; ch++)
    for (int y = 0; y < c->h; y++)
      for (int x = 0; x < c->w; x++)
        {
          double v = out[ch * plane + (gint64) y * c->w + x];
          double e = fabs (v - cpu->data[(gsize) y * cpu->stride + 3 * x + ch]);
          g_assert_cmpfloat (v, ==, floor (v));   /* 8-bit values */
          g_assert_cmpfloat (e, <=, 1.0);
          d->max = MAX (d->max, e);
          d->sum += e;
          d->n++;
          d->over += e > 0;
        }
  return out;
}

/* The rec tensor of a planar crop (w x h) as the second stage makes it;
 * returns the width read. */
static int
rec_of_crop (const float *crop, int w, int h, float *dst)
{
  TrawlWarpParams p;
  int rw = trawl_warp_build_rec (&p, w, h, NULL, TRAWL_PLATE_REC_H, TRAWL_PLATE_REC_W);

  memset (dst, 0, sizeof (float) * 3 * TRAWL_PLATE_REC_H * TRAWL_PLATE_REC_W);
  _trawl_warp_planar_ref (&p, crop, w, dst);
  return rw;
}

/* The two-stage rec tensor of a crop (crop, w x h, planar) against the
 * CPU path's (cpu, rw columns): equal but for one-step flips carried from
 * the crop (a resize tap weight times one step), and, with pr, the same
 * text. */
static void
check_two_stage (TrawlPlateReader *pr, const float *crop, int w, int h, float *cpu, int rw,
                 RecStats *st)
{
  const int H = TRAWL_PLATE_REC_H, W = TRAWL_PLATE_REC_W;
  const double unit[3] = { 127.5, 127.5, 127.5 };
  g_autofree float *two = g_new (float, 3 * H * W);

  g_assert_cmpint (rec_of_crop (crop, w, h, two), ==, rw);
  diff_add (&st->diff2, two, cpu, H, W, W, unit);   /* the padding too */
  if (pr == NULL)
    return;
  float c_cpu, c_two;
  g_autofree char *t_cpu = read_tensor_conf (pr, cpu, w, rw, &c_cpu);
  g_autofree char *t_two = read_tensor_conf (pr, two, w, rw, &c_two);
  if (strcmp (t_cpu, t_two) != 0)
    g_test_message ("rec %dx%d of %s: CPU path reads '%s', two stages '%s'", w, h, st->truth,
                    t_cpu, t_two);
  st->same2 += strcmp (t_cpu, t_two) == 0;
  st->conf2 = MAX (st->conf2, fabs ((double) c_cpu - c_two));
}

/* Counts a pair of reads of one crop. */
static void
rec_count (RecStats *st, const char *t_cpu, const char *t_ref, int w, int h)
{
  g_autofree char *f_cpu = trawl_plate_fold (t_cpu), *f_ref = trawl_plate_fold (t_ref);
  st->reads++;
  st->same += strcmp (t_cpu, t_ref) == 0;
  st->cpu_ok += strcmp (f_cpu, st->truth) == 0;
  st->warp_ok += strcmp (f_ref, st->truth) == 0;
  if (strcmp (t_cpu, t_ref) != 0)
    g_test_message ("rec %dx%d of %s: CPU path reads '%s', composed warp '%s'", w, h, st->truth,
                    t_cpu, t_ref);
}

/* Crop c of img read the CPU way (warp to uint8, trawl_ocr_rec_input) and
 * through the one composed warp; the tensors compared, and when pr is
 * given the texts. */
static void
check_rec (TrawlPlateReader *pr, const TrawlImage *img, const TrawlWarpCrop *c, RecStats *st)
{
  const int H = TRAWL_PLATE_REC_H, W = TRAWL_PLATE_REC_W;
  const double unit[3] = { 127.5, 127.5, 127.5 };
  g_autoptr (TrawlImage) crop = trawl_image_new (c->w, c->h);
  g_autofree float *cpu = g_new (float, 3 * H * W), *ref = g_new0 (float, 3 * H * W);
  TrawlWarpParams p;

  trawl_image_warp_affine (img, c->m, crop);
  int rw = trawl_ocr_rec_input (crop, H, W, cpu);
  int pw = trawl_warp_build_rec (&p, img->width, img->height, c, H, W);
  g_assert_cmpint (pw, ==, rw);
  _trawl_warp_rgb_ref (&p, img->data, img->stride, ref);
  diff_add (&st->diff, ref, cpu, H, W, rw, unit);
  /* the padding is left alone (zero here, zero there) */
  for (int ch = 0; ch < 3; ch++)
    for (int y = 0; y < H; y++)
      for (int x = rw; x < W; x++)
        g_assert_cmpfloat (ref[ch * H * W + y * W + x], ==, cpu[ch * H * W + y * W + x]);
  /* the two stages: 8-bit crop, then resize */
  g_autofree float *cut = cut_crop (img, NULL, 0, 0, c, crop, &st->crop2);
  check_two_stage (pr, cut, c->w, c->h, cpu, rw, st);
  if (pr == NULL)
    return;
  g_autofree char *t_cpu = read_tensor (pr, cpu, c->w, rw);
  g_autofree char *t_ref = read_tensor (pr, ref, c->w, rw);
  rec_count (st, t_cpu, t_ref, c->w, c->h);
}

/* A labelled plate rectangle as a DB-style box, turned by angle (rad)
 * about its centre. */
static TrawlOcrBox
label_box (float x, float y, float w, float h, float angle)
{
  TrawlOcrBox b = { 0 };
  float cx = x + w / 2, cy = y + h / 2, co = cosf (angle), si = sinf (angle);
  const float dx[4] = { -w / 2, w / 2, w / 2, -w / 2 }, dy[4] = { -h / 2, -h / 2, h / 2, h / 2 };
  for (int k = 0; k < 4; k++)
    {
      b.pts[k].x = cx + co * dx[k] - si * dy[k];
      b.pts[k].y = cy + si * dx[k] + co * dy[k];
    }
  b.score = 1.0f;
  return b;
}

static void
test_rec (void)
{
  g_autofree char *labels = trawl_test_need_data ("plates/images/labels.csv");
  if (labels == NULL)
    return;
  TrawlPlateReader *pr = get_reader ();  /* NULL: tensors only (skip noted) */
  g_autoptr (GError) error = NULL;
  g_autoptr (TrawlCsv) csv = trawl_csv_load (labels, &error);
  g_assert_no_error (error);
  g_autofree char *dir = g_path_get_dirname (labels);
  RecStats st = { 0 };
  /* every 3rd labelled scene: Brazilian, European and US plates, large
   * and small (the small ones take the zoomed crop) */
  for (guint i = 0; i < csv->rows->len; i += 3)
    {
      TrawlCsvRow *row = csv->rows->pdata[i];
      g_autofree char *path = g_build_filename (dir, trawl_csv_get (csv, row, "file"), NULL);
      g_autoptr (TrawlImage) img = trawl_image_load (path, &error);
      g_assert_no_error (error);
      g_autofree char *truth = trawl_plate_fold (trawl_csv_get (csv, row, "plate_text"));
      st.truth = truth;
      float x = (float) g_ascii_strtod (trawl_csv_get (csv, row, "x"), NULL);
      float y = (float) g_ascii_strtod (trawl_csv_get (csv, row, "y"), NULL);
      float w = (float) g_ascii_strtod (trawl_csv_get (csv, row, "w"), NULL);
      float h = (float) g_ascii_strtod (trawl_csv_get (csv, row, "h"), NULL);
      for (int a = 0; a < 2; a++)
        {
          TrawlOcrBox b = label_box (x, y, w, h, a ? 0.06f : 0.0f);
          TrawlWarpCrop c;
          trawl_warp_rectify_crop (&b, 0.0f, 0.0f, 1.0f, &c);
          check_rec (pr, img, &c, &st);
          trawl_warp_rectify_crop (&b, TRAWL_PLATE_MARGIN_WIDE, TRAWL_PLATE_MARGIN_WIDE / 2, 1.0f,
                                   &c);
          check_rec (pr, img, &c, &st);
          if (h < TRAWL_PLATE_ZOOM_H)
            {
              /* the zoomed crop's region: a crop of a crop, composed */
              TrawlWarpCrop zoom, region, inner;
              _trawl_plate_zoom_crop (&b, h, &zoom);
              TrawlOcrBox rb = label_box ((float) zoom.w * 0.2f, (float) zoom.h * 0.25f,
                                          (float) zoom.w * 0.6f, (float) zoom.h * 0.5f, 0.0f);
              trawl_warp_rectify_crop (&rb, TRAWL_PLATE_MARGIN_REGION, TRAWL_PLATE_MARGIN_REGION / 2,
                                       1.0f, &inner);
              trawl_warp_crop_compose (&zoom, &inner, &region);
              /* the CPU path: the zoom crop's pixels, then the region's */
              g_autoptr (TrawlImage) zimg = trawl_image_new (zoom.w, zoom.h);
              trawl_image_warp_affine (img, zoom.m, zimg);
              g_autoptr (TrawlImage) rimg = trawl_image_new (inner.w, inner.h);
              trawl_image_warp_affine (zimg, inner.m, rimg);
              TrawlWarpParams p;
              const int H = TRAWL_PLATE_REC_H, W = TRAWL_PLATE_REC_W;
              g_autofree float *cpu = g_new (float, 3 * H * W), *ref = g_new0 (float, 3 * H * W);
              int rw = trawl_ocr_rec_input (rimg, H, W, cpu);
              g_assert_cmpint (trawl_warp_build_rec (&p, img->width, img->height, &region, H, W), ==, rw);
              _trawl_warp_rgb_ref (&p, img->data, img->stride, ref);
              const double unit[3] = { 127.5, 127.5, 127.5 };
              diff_add (&st.diff, ref, cpu, H, W, rw, unit);
              /* the two stages: the zoom crop, its region from there, the resize */
              g_autofree float *zcut = cut_crop (img, NULL, 0, 0, &zoom, zimg, &st.crop2);
              g_autofree float *rcut = cut_crop (NULL, zcut, zoom.w, zoom.h, &inner, rimg, &st.crop2);
              check_two_stage (pr, rcut, inner.w, inner.h, cpu, rw, &st);
              if (pr != NULL)
                {
                  g_autofree char *t_cpu = read_tensor (pr, cpu, inner.w, rw);
                  g_autofree char *t_ref = read_tensor (pr, ref, inner.w, rw);
                  rec_count (&st, t_cpu, t_ref, inner.w, inner.h);
                }
            }
        }
    }
  g_test_message ("composed rec warp vs CPU crop+resize, 0..255 scale: mean %.3f, max %.1f "
                  "over %" G_GINT64_FORMAT " samples (%.2f%% beyond %.2f); texts equal in %d of %d; "
                  "label read by the CPU path %d, by the composed warp %d",
                  st.diff.sum / MAX (1, st.diff.n), st.diff.max, st.diff.n,
                  100.0 * st.diff.over / MAX (1, st.diff.n), EXACT_TOL, st.same, st.reads,
                  st.cpu_ok, st.warp_ok);
  /* Not sample-exact: the CPU path interpolates twice (the crop at a
   * sub-pixel phase, then the resize) and rounds twice, the one warp once
   * each; crops on whole pixels come out equal, rotated or sub-pixel ones
   * are sharper here, by a few steps on average (2.6 measured), tens at
   * text edges. The reads mostly agree (132 of 144 measured; the others
   * are reads the CPU path is unsure of), and the composed warp must read
   * the labels as often as the CPU path, give or take two. */
  g_assert_cmpfloat (st.diff.sum / MAX (1, st.diff.n), <, 4.0);
  if (pr != NULL)
    {
      g_assert_cmpint (st.same, >=, st.reads * 85 / 100);
      g_assert_cmpint (st.warp_ok, >=, st.cpu_ok - 2);
    }

  /* The two stages (the batched path's inputs): the 8-bit crops equal the
   * CPU path's but for rare one-step flips (float vs double coordinates at
   * a .5), the rec tensors then differ only where such a flip is
   * interpolated in (a fraction of a step), and every read is the CPU
   * path's. */
  g_test_message ("two stages vs CPU crop+resize: crops %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                  " samples one step off; rec tensors mean %.2g, max %.3f (0..255), %"
                  G_GINT64_FORMAT " samples beyond %.2f; texts equal in %d of %d, confidences "
                  "within %.2g", st.crop2.over, st.crop2.n, st.diff2.sum / MAX (1, st.diff2.n),
                  st.diff2.max, st.diff2.over, EXACT_TOL, st.same2, st.reads, st.conf2);
  g_assert_cmpfloat ((double) st.crop2.over, <=, 1e-3 * st.crop2.n);
  g_assert_cmpfloat (st.diff2.max, <=, 1.0 + EXACT_TOL);
  g_assert_cmpfloat ((double) st.diff2.over, <=, 2e-3 * st.diff2.n);
  if (pr != NULL)
    {
      /* single reads, unsure ones too (1.03e-3 measured, on a read the
       * scene filter would drop; test-plate-batch holds kept plates to 1e-3) */
      g_assert_cmpint (st.same2, ==, st.reads);
      g_assert_cmpfloat (st.conf2, <=, 2e-3);
    }
}

/* The composed det input of a crop (the zoomed read's det) against det on
 * the crop's pixels: measured, loosely bounded. */
static void
test_det_crop (void)
{
  g_autoptr (TrawlImage) img = trawl_test_load_image ("plates/images/oalpr_br_s001.jpg");
  if (img == NULL)
    return;
  TrawlOcrBox b = label_box (529, 308, 227, 73, 0.05f);
  TrawlWarpCrop c;
  _trawl_plate_zoom_crop (&b, 40.0f, &c);
  g_autoptr (TrawlImage) crop = trawl_image_new (c.w, c.h);
  trawl_image_warp_affine (img, c.m, crop);
  int w, h;
  g_autofree float *cpu = trawl_ocr_det_input (crop, 960, &w, &h);
  g_autofree float *ref = g_new (float, (gsize) 3 * w * h);
  TrawlWarpParams p;
  trawl_warp_build_det (&p, img->width, img->height, &c, w, h);
  _trawl_warp_rgb_ref (&p, img->data, img->stride, ref);
  static const float std[3] = { 0.229f, 0.224f, 0.225f };
  const double unit[3] = { 255.0 * std[0], 255.0 * std[1], 255.0 * std[2] };
  Diff d = { 0 };
  diff_add (&d, ref, cpu, h, w, w, unit);
  g_test_message ("composed det %dx%d -> %dx%d: mean %.3f, max %.1f", c.w, c.h, w, h,
                  d.sum / d.n, d.max);
  g_assert_cmpfloat (d.sum / d.n, <, 2.0);

  /* the two stages (the batched path's): the crop's 8-bit pixels, then
   * det's resize of them: the CPU tensor up to one-step flips */
  Diff dc = { 0 }, d2 = { 0 };
  g_autofree float *cut = cut_crop (img, NULL, 0, 0, &c, crop, &dc);
  g_autofree float *two = g_new (float, (gsize) 3 * w * h);
  trawl_warp_build_det (&p, c.w, c.h, NULL, w, h);
  _trawl_warp_planar_ref (&p, cut, c.w, two);
  diff_add (&d2, two, cpu, h, w, w, unit);
  g_test_message ("two-stage det %dx%d -> %dx%d: crop %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                  " samples one step off; tensor max %.3f, %" G_GINT64_FORMAT " of %"
                  G_GINT64_FORMAT " beyond %.2f", c.w, c.h, w, h, dc.over, dc.n, d2.max, d2.over,
                  d2.n, EXACT_TOL);
  g_assert_cmpfloat (d2.max, <=, 1.0 + EXACT_TOL);
  g_assert_cmpfloat ((double) d2.over, <=, 2e-3 * d2.n);
}

/* The degenerate box: a black 1 x 1 crop, as before. */
static void
test_rectify_degenerate (void)
{
  TrawlOcrBox b = label_box (10, 10, 0.5f, 8, 0.0f);
  TrawlWarpCrop c;
  trawl_warp_rectify_crop (&b, 0.3f, 0.15f, 1.0f, &c);
  g_assert_cmpint (c.w, ==, 1);
  g_assert_cmpint (c.h, ==, 1);
  g_autoptr (TrawlImage) img = trawl_image_new (32, 32);
  memset (img->data, 200, (gsize) img->stride * img->height);
  TrawlWarpParams p;
  float out[3 * 48 * 320] = { 0 };
  g_assert_cmpint (trawl_warp_build_rec (&p, 32, 32, &c, 48, 320), ==, 48);
  _trawl_warp_rgb_ref (&p, img->data, img->stride, out);
  g_assert_cmpfloat (out[0], ==, -1.0f);  /* black: (0 - 127.5) / 127.5 */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/detect/warp-build/square", test_square);
  g_test_add_func ("/detect/warp-build/chip", test_chip);
  g_test_add_func ("/detect/warp-build/det", test_det);
  g_test_add_func ("/detect/warp-build/det-crop", test_det_crop);
  g_test_add_func ("/detect/warp-build/rec", test_rec);
  g_test_add_func ("/detect/warp-build/rectify-degenerate", test_rectify_degenerate);
  int rc = g_test_run ();
  trawl_plate_reader_free (reader);
  return rc;
}
