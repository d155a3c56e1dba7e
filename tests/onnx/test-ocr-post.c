/* test-ocr-post.c - PP-OCR pre- and post-processing on synthetic data.
 *
 * CTC decoding on made-up probabilities (and its step records,
 * detect/ctc-steps.h: the reference reduction against a naive one on rows
 * full of ties, the decode from records refusing corrupt ones, and the
 * decode through records against the direct argmax decoder it replaced),
 * the dictionary file, the minimum-
 * area rectangle, DB boxes from drawn probability maps (rotated rectangles
 * whose geometry is known analytically; the mask reference of the GPU's
 * threshold, and boxes finished on a map filled only where their scores
 * read, as the GPU plate path does), and the det/rec input tensors.
 * Expected values come from the geometry and PaddleOCR's formulas, not
 * from running this code.
 */
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <trawl/base.h>
#include <trawl/ocr.h>

#include "rules/ctc-steps.h"
#include "detect/detect-private.h"

/* ---- CTC ---- */

/* One step whose best class is best (prob p) and second second (prob q). */
static void
step (float *row, int C, int best, float p, int second, float q)
{
  float rest = (1.0f - p - q) / (C - 2);

  for (int c = 0; c < C; c++)
    row[c] = rest;
  row[best] = p;
  row[second] = q;
}

static void
test_ctc_synthetic (void)
{
  static const char *const lines[] = { "a", "b", "c", "京" };
  g_autoptr (TrawlOcrDict) d = trawl_ocr_dict_new (lines, 4);
  enum { C = 6 };  /* blank, a, b, c, 京, space */
  /* steps: a a _ a b b ' ' 京 _  ->  "aab 京" */
  static const int best[9] = { 1, 1, 0, 1, 2, 2, 5, 4, 0 };
  static const int second[9] = { 2, 3, 1, 0, 3, 1, 0, 3, 4 };
  static const float p[9] = { 0.6f, 0.8f, 0.9f, 0.7f, 0.5f, 0.55f, 0.9f, 0.95f, 0.9f };
  float probs[9 * C];
  GError *err = NULL;

  g_assert_cmpint (trawl_ocr_dict_n_classes (d), ==, C);
  g_assert_cmpstr (trawl_ocr_dict_char (d, 0), ==, "");
  g_assert_cmpstr (trawl_ocr_dict_char (d, 5), ==, " ");
  for (int t = 0; t < 9; t++)
    step (probs + t * C, C, best[t], p[t], second[t], 0.2f);

  g_autoptr (TrawlOcrText) txt = trawl_ocr_ctc_decode (d, probs, 9, C, &err);
  g_assert_no_error (err);
  g_assert_cmpstr (txt->text, ==, "aab 京");
  g_assert_cmpint (txt->n_chars, ==, 5);
  /* first 'a': repeated over steps 0-1, the surer step (1) is kept */
  g_assert_cmpint (txt->chars[0].cls, ==, 1);
  g_assert_cmpint (txt->chars[0].step, ==, 1);
  g_assert_cmpfloat_with_epsilon (txt->chars[0].prob, 0.8f, 1e-6);
  g_assert_cmpint (txt->chars[0].alt_cls[0], ==, 1);
  g_assert_cmpint (txt->chars[0].alt_cls[1], ==, 3);
  g_assert_cmpfloat_with_epsilon (txt->chars[0].alt_prob[1], 0.2f, 1e-6);
  /* second 'a' (after the blank): its runner-up is the blank, so the
   * alternatives skip it */
  g_assert_cmpint (txt->chars[1].step, ==, 3);
  g_assert_cmpint (txt->chars[1].alt_cls[0], ==, 1);
  g_assert_cmpint (txt->chars[1].alt_cls[1], !=, 0);
  g_assert_cmpfloat (txt->chars[1].alt_prob[1], <, 0.2f);
  g_assert_cmpint (txt->chars[2].step, ==, 5);
  g_assert_cmpint (txt->chars[3].cls, ==, 5);
  g_assert_cmpint (txt->chars[4].cls, ==, 4);
  g_assert_cmpint (txt->chars[4].alt_cls[1], ==, 3);
  float mean = (0.8f + 0.7f + 0.55f + 0.9f + 0.95f) / 5;
  g_assert_cmpfloat_with_epsilon (txt->score, mean, 1e-6);

  /* all blank: empty text */
  for (int t = 0; t < 9; t++)
    step (probs + t * C, C, 0, 0.9f, 1, 0.05f);
  g_autoptr (TrawlOcrText) empty = trawl_ocr_ctc_decode (d, probs, 9, C, &err);
  g_assert_cmpstr (empty->text, ==, "");
  g_assert_cmpint (empty->n_chars, ==, 0);
  g_assert_cmpfloat (empty->score, ==, 0);

  /* wrong class count */
  g_assert_null (trawl_ocr_ctc_decode (d, probs, 9, C - 1, &err));
  g_assert_error (err, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_clear_error (&err);
}

/* Random rows of n_classes values on a grid of eighths (0..1), so that
 * most rows hold ties, also between the blank and the best class; some
 * rows planted: blank the maximum, blank tied with the best, all equal,
 * zeros of both signs. */
static float *
tie_rows (GRand *r, int rows, int C)
{
  float *p = g_new (float, (gsize) rows * C);

  for (int t = 0; t < rows; t++)
    {
      float *row = p + (gsize) t * C;
      float hi = 0;
      for (int c = 0; c < C; c++)
        {
          row[c] = g_rand_int_range (r, 0, 9) / 8.0f;
          hi = MAX (hi, row[c]);
        }
      switch (t % 6)
        {
        case 1:  /* blank wins outright */
          row[0] = 1.5f;
          break;
        case 2:  /* blank ties the best: the blank is the argmax */
          for (int c = 1; c < C; c++)
            hi = MAX (hi, row[c]);
          row[0] = hi;
          break;
        case 3:  /* everything equal */
          for (int c = 0; c < C; c++)
            row[c] = 0.25f;
          break;
        case 4:  /* signed zeros tie */
          for (int c = 0; c < C; c++)
            row[c] = (c & 1) ? -0.0f : 0.0f;
          break;
        default:
          break;
        }
    }
  return p;
}

/* The record of one row, written the slow obvious way: pick the best
 * unpicked non-blank class (> -1, not NaN) TRAWL_CTC_TOPK times. */
static void
naive_step (const float *row, int C, TrawlCtcStep *s)
{
  memset (s, 0, sizeof *s);
  s->blank = row[0];
  for (int k = 0; k < TRAWL_CTC_TOPK; k++)
    {
      int best = 0;
      for (int c = 1; c < C; c++)
        {
          gboolean taken = FALSE;
          for (int j = 0; j < k; j++)
            taken |= s->cls[j] == c;
          if (taken || isnan (row[c]) || row[c] <= -1)
            continue;
          if (best == 0 || row[c] > row[best])
            best = c;
        }
      s->cls[k] = best;
      s->prob[k] = best ? row[best] : -1;
    }
}

/* First maximum over all classes (the blank included). */
static int
naive_argmax (const float *row, int C)
{
  int best = 0;
  for (int c = 1; c < C; c++)
    if (row[c] > row[best])
      best = c;
  return best;
}

static void
test_ctc_steps_ref (void)
{
  static const int sizes[] = { 1, 2, 3, 4, 5, 6625 };
  GRand *r = g_rand_new_with_seed (17);
  int n_blank = 0, n_ties = 0;

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      int C = sizes[i], rows = C > 100 ? 60 : 600;
      g_autofree float *p = tie_rows (r, rows, C);
      g_autofree TrawlCtcStep *got = g_new (TrawlCtcStep, rows);

      _trawl_ctc_steps_ref (p, rows, C, got);
      for (int t = 0; t < rows; t++)
        {
          const float *row = p + (gsize) t * C;
          TrawlCtcStep want;
          int am = naive_argmax (row, C);

          naive_step (row, C, &want);
          /* bits, not values: -0.0 must stay -0.0 */
          g_assert_cmpmem (&got[t], sizeof got[t], &want, sizeof want);
          g_assert_cmpint (trawl_ctc_step_class (&got[t]), ==, am);
          if (am != 0)
            g_assert_cmpmem (&got[t].prob[0], sizeof (float), &row[am], sizeof (float));
          n_blank += am == 0 && C > 1;
          n_ties += C > 3 && got[t].prob[0] == got[t].prob[2];
        }
    }
  g_test_message ("%d rows decoded as blank, %d with a three-way tie at the top", n_blank,
                  n_ties);
  g_assert_cmpint (n_blank, >, 100);
  g_assert_cmpint (n_ties, >, 100);
  g_rand_free (r);

  /* fewer than three candidates: empty entries; values <= -1 and NaNs are
   * never candidates, and a NaN blank decodes as blank (nothing beats it
   * in a first-maximum argmax) */
  {
    const float row[6] = { 0.5f, -1.0f, NAN, 0.75f, -3.0f, 0.5f };
    const float nan_blank[3] = { NAN, 0.25f, 0.5f };
    TrawlCtcStep s, w;

    _trawl_ctc_steps_ref (row, 1, 6, &s);
    naive_step (row, 6, &w);
    g_assert_cmpmem (&s, sizeof s, &w, sizeof w);
    g_assert_cmpint (s.cls[0], ==, 3);
    g_assert_cmpint (s.cls[1], ==, 5);
    g_assert_cmpint (s.cls[2], ==, 0);
    g_assert_cmpfloat (s.prob[2], ==, -1);
    g_assert_cmpint (trawl_ctc_step_class (&s), ==, 3);
    _trawl_ctc_steps_ref (nan_blank, 1, 3, &s);
    g_assert_cmpint (s.cls[0], ==, 2);
    g_assert_cmpint (trawl_ctc_step_class (&s), ==, naive_argmax (nan_blank, 3));
    g_assert_cmpint (trawl_ctc_step_class (&s), ==, 0);
  }
}

/* The greedy decoder as it was before it went through records: argmax
 * and top-k straight from each row. */
static TrawlOcrText *
direct_decode (const TrawlOcrDict *d, const float *probs, int T, int C)
{
  GArray *chars = g_array_new (FALSE, TRUE, sizeof (TrawlOcrChar));
  GString *text = g_string_new (NULL);
  TrawlOcrText *out = g_new0 (TrawlOcrText, 1);
  double sum = 0;
  int prev = 0;

  for (int t = 0; t < T; t++)
    {
      const float *p = probs + (gsize) t * C;
      int c = naive_argmax (p, C);
      TrawlCtcStep s;

      naive_step (p, C, &s);
      if (c != 0 && c == prev)
        {
          TrawlOcrChar *last = &g_array_index (chars, TrawlOcrChar, chars->len - 1);
          if (p[c] > last->prob)
            {
              last->prob = p[c];
              last->step = t;
              memcpy (last->alt_cls, s.cls, sizeof s.cls);
              memcpy (last->alt_prob, s.prob, sizeof s.prob);
            }
        }
      else if (c != 0)
        {
          TrawlOcrChar ch = { .cls = c, .prob = p[c], .step = t };
          memcpy (ch.alt_cls, s.cls, sizeof s.cls);
          memcpy (ch.alt_prob, s.prob, sizeof s.prob);
          g_array_append_val (chars, ch);
        }
      prev = c;
    }
  for (guint i = 0; i < chars->len; i++)
    {
      const TrawlOcrChar *ch = &g_array_index (chars, TrawlOcrChar, i);
      g_string_append (text, trawl_ocr_dict_char (d, ch->cls));
      sum += ch->prob;
    }
  out->n_chars = (int) chars->len;
  out->score = chars->len ? (float) (sum / chars->len) : 0.0f;
  out->chars = (TrawlOcrChar *) (void *) g_array_free (chars, FALSE);
  out->text = g_string_free (text, FALSE);
  return out;
}

static void
test_ctc_decode_steps (void)
{
  static const char *const lines[] = { "a", "b", "c", "京" };
  g_autoptr (TrawlOcrDict) d = trawl_ocr_dict_new (lines, 4);
  enum { C = 6, T = 40 };
  GRand *r = g_rand_new_with_seed (5);
  GError *err = NULL;
  int n_text = 0;

  /* through records == straight from the rows, on rows full of ties (and
   * repeats: few classes, so runs are common) */
  for (int rep = 0; rep < 200; rep++)
    {
      g_autofree float *p = tie_rows (r, T, C);
      g_autoptr (TrawlOcrText) want = direct_decode (d, p, T, C);
      g_autoptr (TrawlOcrText) got = trawl_ocr_ctc_decode (d, p, T, C, &err);

      g_assert_no_error (err);
      g_assert_cmpstr (got->text, ==, want->text);
      g_assert_cmpint (got->n_chars, ==, want->n_chars);
      g_assert_cmpmem (got->chars, sizeof (TrawlOcrChar) * got->n_chars, want->chars,
                       sizeof (TrawlOcrChar) * want->n_chars);
      g_assert_cmpfloat (got->score, ==, want->score);
      n_text += got->n_chars > 1;
    }
  g_assert_cmpint (n_text, >, 100);
  g_rand_free (r);

  /* records from a device may be garbage: a class outside the dictionary
   * in any entry is refused, not looked up */
  {
    static const int bad[] = { C, -1, 1 << 30, G_MININT };
    const float row[C] = { 0.1f, 0.5f, 0.2f, 0.1f, 0.05f, 0.05f };
    TrawlCtcStep steps[3];

    _trawl_ctc_steps_ref (row, 1, C, &steps[0]);
    steps[1] = steps[2] = steps[0];
    g_autoptr (TrawlOcrText) ok = _trawl_ocr_ctc_decode_steps (d, steps, 3, &err);
    g_assert_no_error (err);
    g_assert_cmpstr (ok->text, ==, "a");
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      for (int k = 0; k < TRAWL_CTC_TOPK; k++)
        {
          TrawlCtcStep s[3] = { steps[0], steps[1], steps[2] };
          s[2].cls[k] = bad[i];
          g_assert_null (_trawl_ocr_ctc_decode_steps (d, s, 3, &err));
          g_assert_error (err, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
          g_clear_error (&err);
        }
    g_assert_null (_trawl_ocr_ctc_decode_steps (d, steps, -1, &err));
    g_assert_error (err, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
    g_clear_error (&err);
    /* no steps: empty text */
    g_autoptr (TrawlOcrText) none = _trawl_ocr_ctc_decode_steps (d, NULL, 0, &err);
    g_assert_no_error (err);
    g_assert_cmpstr (none->text, ==, "");
    g_assert_cmpint (none->n_chars, ==, 0);
  }
}

static void
test_dict_load (void)
{
  GError *err = NULL;
  g_autofree char *path = trawl_model_path ("ocr-models/ppocr_keys_v1.txt", &err);

  if (path)
    {
      g_autoptr (TrawlOcrDict) d = trawl_ocr_dict_load (path, &err);
      g_assert_no_error (err);
      g_assert_cmpint (trawl_ocr_dict_n_classes (d), ==, 6625);  /* the rec net's width */
      g_assert_cmpstr (trawl_ocr_dict_char (d, 6624), ==, " ");
      g_assert_cmpint (g_utf8_strlen (trawl_ocr_dict_char (d, 1), -1), ==, 1);
    }
  else
    {
      g_test_message ("ppocr_keys_v1.txt missing (run scripts/setup): %s", err->message);
      g_clear_error (&err);
    }

  /* CRLF lines are accepted; an empty line in the middle is not */
  char *tmp = NULL;
  int fd = g_file_open_tmp ("trawl-dict-XXXXXX.txt", &tmp, &err);
  g_assert_no_error (err);
  close (fd);
  g_assert_true (g_file_set_contents (tmp, "x\r\ny\r\n", -1, &err));
  g_autoptr (TrawlOcrDict) d2 = trawl_ocr_dict_load (tmp, &err);
  g_assert_no_error (err);
  g_assert_cmpint (trawl_ocr_dict_n_classes (d2), ==, 4);
  g_assert_cmpstr (trawl_ocr_dict_char (d2, 2), ==, "y");
  g_assert_true (g_file_set_contents (tmp, "x\n\ny\n", -1, &err));
  g_assert_null (trawl_ocr_dict_load (tmp, &err));
  g_assert_error (err, TRAWL_ERROR, TRAWL_ERROR_CORRUPT);
  g_clear_error (&err);
  g_assert_null (trawl_ocr_dict_load ("/nonexistent/keys.txt", &err));
  g_assert_nonnull (err);
  g_clear_error (&err);
  g_unlink (tmp);
  g_free (tmp);
}

/* ---- geometry ---- */

/* Corners of a w x h rectangle centred at (cx, cy), rotated by deg
 * (clockwise on screen, y down), in tl, tr, br, bl order for |deg| < 45. */
static void
rect_corners (double cx, double cy, double w, double h, double deg, TrawlOcrPoint c[4])
{
  double a = deg * G_PI / 180, ca = cos (a), sa = sin (a);
  static const int sx[4] = { -1, 1, 1, -1 }, sy[4] = { -1, -1, 1, 1 };

  for (int i = 0; i < 4; i++)
    {
      double x = sx[i] * w / 2, y = sy[i] * h / 2;
      c[i].x = (float) (cx + x * ca - y * sa);
      c[i].y = (float) (cy + x * sa + y * ca);
    }
}

static void
assert_corners_near (const TrawlOcrPoint *got, const TrawlOcrPoint *want, double tol)
{
  for (int i = 0; i < 4; i++)
    {
      double e = hypot (got[i].x - want[i].x, got[i].y - want[i].y);
      if (e > tol)
        g_error ("corner %d: (%.2f, %.2f), expected (%.2f, %.2f), off by %.2f > %.2f", i,
                 got[i].x, got[i].y, want[i].x, want[i].y, e, tol);
    }
}

static void
test_min_area_rect (void)
{
  TrawlOcrPoint want[4], got[4], pts[64];
  int n = 0;

  /* the corners of a rotated rectangle plus points inside and on its edges */
  rect_corners (50, 40, 30, 10, 25, want);
  for (int i = 0; i < 4; i++)
    pts[n++] = want[i];
  for (int i = 0; i < 4; i++)
    {
      TrawlOcrPoint a = want[i], b = want[(i + 1) % 4];
      pts[n++] = (TrawlOcrPoint) { (a.x + b.x) / 2, (a.y + b.y) / 2 };
      pts[n++] = (TrawlOcrPoint) { (3 * a.x + b.x) / 4, (3 * a.y + b.y) / 4 };
    }
  for (int i = 0; i < 10; i++)
    pts[n++] = (TrawlOcrPoint) { 50 + i % 3, 40 - i % 4 };
  float side = trawl_ocr_min_area_rect (pts, n, got);
  g_assert_cmpfloat_with_epsilon (side, 10, 1e-3);
  assert_corners_near (got, want, 1e-3);

  /* axis-aligned */
  rect_corners (10, 20, 8, 4, 0, want);
  side = trawl_ocr_min_area_rect (want, 4, got);
  g_assert_cmpfloat_with_epsilon (side, 4, 1e-4);
  assert_corners_near (got, want, 1e-4);

  /* degenerate: a segment, a point, repeated points */
  TrawlOcrPoint seg[3] = { { 0, 0 }, { 3, 4 }, { 6, 8 } };
  side = trawl_ocr_min_area_rect (seg, 3, got);
  g_assert_cmpfloat_with_epsilon (side, 0, 1e-5);
  TrawlOcrPoint one[3] = { { 5, 7 }, { 5, 7 }, { 5, 7 } };
  side = trawl_ocr_min_area_rect (one, 3, got);
  g_assert_cmpfloat (side, ==, 0);
  g_assert_cmpfloat (got[2].x, ==, 5);
  g_assert_cmpfloat (got[2].y, ==, 7);
}

/* ---- DB boxes ---- */

/* Sets prob to v at pixels whose centre lies in the rectangle. */
static void
draw_rect (float *prob, int w, int h, double cx, double cy, double rw, double rh,
           double deg, float v)
{
  double a = deg * G_PI / 180, ca = cos (a), sa = sin (a);

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        double dx = x - cx, dy = y - cy;
        double u = dx * ca + dy * sa, t = -dx * sa + dy * ca;
        if (fabs (u) <= rw / 2 && fabs (t) <= rh / 2)
          prob[y * w + x] = v;
      }
}

/* The box PaddleOCR's formulas give for a drawn rw x rh rectangle: grown by
 * d = area * 1.5 / perimeter on every side, scaled by s. */
static void
expected_box (double cx, double cy, double rw, double rh, double deg, double s,
              TrawlOcrPoint c[4])
{
  double d = rw * rh * 1.5 / (2 * (rw + rh));

  rect_corners (cx * s, cy * s, (rw + 2 * d) * s, (rh + 2 * d) * s, deg, c);
}

static void
test_db_rotated (void)
{
  enum { W = 200, H = 120 };
  float *prob = g_new0 (float, W * H);
  TrawlOcrPoint want[4];

  draw_rect (prob, W, H, 100, 60, 80, 20, 20, 0.9f);
  GArray *boxes = trawl_ocr_db_boxes (prob, W, H, 2 * W, 2 * H, NULL);
  g_assert_cmpuint (boxes->len, ==, 1);
  const TrawlOcrBox *b = &g_array_index (boxes, TrawlOcrBox, 0);
  /* The score averages over the box with its corners truncated to whole
   * pixels (box_score_fast), so a rotated box takes in some zeros. */
  g_assert_cmpfloat (b->score, <=, 0.9f);
  g_assert_cmpfloat (b->score, >, 0.85f);
  /* Pixel centres shrink the drawn rectangle by up to a pixel per side in
   * map px; scaled by 2, corners agree within 4 image px. */
  expected_box (100, 60, 80, 20, 20, 2, want);
  assert_corners_near (b->pts, want, 4);
  double ang = atan2 (b->pts[1].y - b->pts[0].y, b->pts[1].x - b->pts[0].x) * 180 / G_PI;
  g_assert_cmpfloat (fabs (ang - 20), <, 1.5);
  g_array_unref (boxes);
  g_free (prob);
}

static void
test_db_filters_and_order (void)
{
  enum { W = 160, H = 100 };
  float *prob = g_new0 (float, W * H);
  TrawlOcrDbParams p;
  TrawlOcrPoint want[4];

  trawl_ocr_db_params_init (&p);
  g_assert_cmpfloat (p.thresh, ==, 0.3f);
  g_assert_cmpfloat (p.box_thresh, ==, 0.6f);
  g_assert_cmpfloat (p.unclip_ratio, ==, 1.5f);
  draw_rect (prob, W, H, 110, 20, 40, 10, 0, 0.8f);   /* upper right */
  draw_rect (prob, W, H, 30, 22, 30, 10, 0, 0.95f);   /* same line, left */
  draw_rect (prob, W, H, 60, 70, 50, 12, -10, 0.7f);  /* lower */
  draw_rect (prob, W, H, 130, 80, 20, 8, 0, 0.45f);   /* faint: dropped */
  draw_rect (prob, W, H, 10, 90, 2, 2, 0, 0.99f);     /* too small: dropped */
  GArray *boxes = trawl_ocr_db_boxes (prob, W, H, W, H, &p);
  g_assert_cmpuint (boxes->len, ==, 3);
  const TrawlOcrBox *b = (const TrawlOcrBox *) (void *) boxes->data;
  /* the left box of the first line comes first although its top is lower */
  g_assert_cmpfloat (b[0].pts[0].x, <, b[1].pts[0].x);
  g_assert_cmpfloat_with_epsilon (b[0].score, 0.95f, 1e-4);
  g_assert_cmpfloat_with_epsilon (b[1].score, 0.8f, 1e-4);
  g_assert_cmpfloat (b[2].score, <=, 0.7f);  /* rotated: see test_db_rotated */
  g_assert_cmpfloat (b[2].score, >, 0.63f);
  expected_box (30, 22, 30, 10, 0, 1, want);
  assert_corners_near (b[0].pts, want, 2);
  expected_box (60, 70, 50, 12, -10, 1, want);
  assert_corners_near (b[2].pts, want, 2);
  g_array_unref (boxes);

  /* a lower box_thresh keeps the faint one */
  p.box_thresh = 0.4f;
  boxes = trawl_ocr_db_boxes (prob, W, H, W, H, &p);
  g_assert_cmpuint (boxes->len, ==, 4);
  g_array_unref (boxes);

  /* an empty map: no boxes */
  memset (prob, 0, sizeof (float) * W * H);
  boxes = trawl_ocr_db_boxes (prob, W, H, W, H, NULL);
  g_assert_cmpuint (boxes->len, ==, 0);
  g_array_unref (boxes);
  g_free (prob);
}

/* A box touching the map's edge is clamped to the image. */
static void
test_db_clamp (void)
{
  enum { W = 64, H = 32 };
  float *prob = g_new0 (float, W * H);

  draw_rect (prob, W, H, 10, 16, 24, 10, 0, 0.9f);
  GArray *boxes = trawl_ocr_db_boxes (prob, W, H, 640, 320, NULL);
  g_assert_cmpuint (boxes->len, ==, 1);
  const TrawlOcrBox *b = &g_array_index (boxes, TrawlOcrBox, 0);
  for (int i = 0; i < 4; i++)
    {
      g_assert_cmpfloat (b->pts[i].x, >=, 0);
      g_assert_cmpfloat (b->pts[i].x, <=, 640);
    }
  g_assert_cmpfloat (b->pts[0].x, ==, 0);
  g_array_unref (boxes);
  g_free (prob);
}

/* The DB threshold's reference (the GPU kernel's rule) and the unpacking
 * against direct loops: sizes that end mid-word, values equal to the
 * threshold (not above it), NaN, infinities, subnormals; every word is
 * overwritten (garbage first) and the pad bits are 0. */
static void
test_db_mask (void)
{
  static const gsize sizes[] = { 1, 5, 31, 32, 33, 64, 95, 1000, 1027 };
  const float thresh = 0.3f;
  GRand *r = g_rand_new_with_seed (42);

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      gsize n = sizes[s], words = (n + 31) / 32;
      g_autofree float *prob = g_new (float, n);
      g_autofree uint32_t *bits = g_new (uint32_t, words);
      g_autofree guint8 *bin = g_new (guint8, n);

      for (gsize i = 0; i < n; i++)
        {
          switch (g_rand_int_range (r, 0, 8))
            {
            case 0: prob[i] = thresh; break;
            case 1: prob[i] = NAN; break;
            case 2: prob[i] = g_rand_boolean (r) ? INFINITY : -INFINITY; break;
            case 3: prob[i] = nextafterf (thresh, 1.0f); break;
            case 4: prob[i] = g_rand_boolean (r) ? 1e-40f : -0.0f; break;
            default: prob[i] = (float) g_rand_double (r); break;
            }
        }
      memset (bits, 0xa5, sizeof *bits * words);
      _trawl_ocr_db_mask_ref (prob, n, thresh, bits);
      for (gsize i = 0; i < words * 32; i++)
        {
          gboolean want = i < n && prob[i] > thresh;
          g_assert_cmpuint ((bits[i / 32] >> (i % 32)) & 1, ==, want);
        }
      memset (bin, 7, n);
      _trawl_ocr_db_unpack (bits, n, bin);
      for (gsize i = 0; i < n; i++)
        g_assert_cmpuint (bin[i], ==, prob[i] > thresh);
    }
  /* a threshold of NaN sets nothing */
  {
    float prob[40];
    uint32_t bits[2] = { ~0u, ~0u };

    for (int i = 0; i < 40; i++)
      prob[i] = i / 40.0f;
    _trawl_ocr_db_mask_ref (prob, 40, NAN, bits);
    g_assert_cmpuint (bits[0], ==, 0);
    g_assert_cmpuint (bits[1], ==, 0);
  }
  g_rand_free (r);
}

/* Fills prob with random text-like blobs: rotated rectangles of noisy
 * probabilities (some faint, some touching the edges, some tiny) on a
 * low noise floor. */
static void
draw_blobs (GRand *r, float *prob, int w, int h, int n_blobs)
{
  for (int i = 0; i < w * h; i++)
    prob[i] = (float) g_rand_double_range (r, 0.0, 0.25);
  for (int b = 0; b < n_blobs; b++)
    {
      double cx = g_rand_double_range (r, -5, w + 5), cy = g_rand_double_range (r, -5, h + 5);
      double rw = g_rand_double_range (r, 1, 70), rh = g_rand_double_range (r, 1, 18);
      double deg = g_rand_double_range (r, -30, 30);
      double lo = g_rand_double_range (r, 0.2, 0.9);
      double a = deg * G_PI / 180, ca = cos (a), sa = sin (a);

      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          {
            double dx = x - cx, dy = y - cy;
            if (fabs (dx * ca + dy * sa) <= rw / 2 && fabs (-dx * sa + dy * ca) <= rh / 2)
              prob[y * w + x] = (float) g_rand_double_range (r, lo, 1.0);
          }
    }
}

/* What the GPU plate path does (plate-batch.c: db_boxes): the mask from the
 * reference threshold, the rectangles from the mask, then the map copied
 * only inside the rectangles' regions into a buffer of garbage (NaN or
 * 7.0 elsewhere) and finished there, gives trawl_ocr_db_boxes's boxes on
 * the whole map, byte for byte. */
static void
test_db_partial_map (void)
{
  GRand *r = g_rand_new_with_seed (7);
  guint total = 0;
  gsize copied = 0, pixels = 0;

  for (int t = 0; t < 40; t++)
    {
      int w = 32 * g_rand_int_range (r, 2, 12) + (t % 3), h = 32 * g_rand_int_range (r, 1, 8);
      gsize n = (gsize) w * h, words = (n + 31) / 32;
      g_autofree float *prob = g_new (float, n);
      g_autofree float *part = g_new (float, n);
      g_autofree guint8 *seen = g_new0 (guint8, n);
      g_autofree uint32_t *bits = g_new (uint32_t, words);
      g_autofree guint8 *bin = g_new (guint8, n);
      TrawlOcrDbParams p, *pp = NULL;
      float garbage = t % 2 ? NAN : 7.0f;

      draw_blobs (r, prob, w, h, g_rand_int_range (r, 0, 30));
      if (t % 4 == 1)
        {
          trawl_ocr_db_params_init (&p);
          p.box_thresh = (float) g_rand_double_range (r, 0.3, 0.8);
          p.max_candidates = t % 8 == 1 ? 4 : 1000;
          pp = &p;
        }
      GArray *want = trawl_ocr_db_boxes (prob, w, h, 3 * w, 2 * h, pp);

      _trawl_ocr_db_mask_ref (prob, n, pp ? pp->thresh : 0.3f, bits);
      _trawl_ocr_db_unpack (bits, n, bin);
      GArray *rects = _trawl_ocr_db_rects (bin, w, h, pp);
      for (gsize i = 0; i < n; i++)
        part[i] = garbage;
      for (guint k = 0; k < rects->len; k++)
        {
          int x0, y0, x1, y1;
          _trawl_ocr_db_rect_region (g_array_index (rects, TrawlOcrRect, k).c, w, h, &x0, &y0, &x1,
                                     &y1);
          g_assert_cmpint (0, <=, x0);
          g_assert_cmpint (x0, <=, x1);
          g_assert_cmpint (x1, <, w);
          g_assert_cmpint (0, <=, y0);
          g_assert_cmpint (y0, <=, y1);
          g_assert_cmpint (y1, <, h);
          for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++)
              {
                part[(gsize) y * w + x] = prob[(gsize) y * w + x];
                seen[(gsize) y * w + x] = 1;
              }
        }
      GArray *got = _trawl_ocr_db_finish (part, w, h, 3 * w, 2 * h, rects, pp);
      g_assert_cmpuint (got->len, ==, want->len);
      g_assert_cmpmem (got->data, got->len * sizeof (TrawlOcrBox), want->data,
                       want->len * sizeof (TrawlOcrBox));
      for (gsize i = 0; i < n; i++)
        copied += seen[i];
      pixels += n;
      total += want->len;
      g_array_unref (got);
      g_array_unref (want);
      g_array_unref (rects);
    }
  g_test_message ("40 maps: %u boxes identical from %.1f%% of the map", total,
                  100.0 * copied / pixels);
  g_assert_cmpuint (total, >, 40);
  g_assert_cmpuint (copied, <, pixels);
  g_rand_free (r);
}

/* ---- input tensors ---- */

static TrawlImage *
solid (int w, int h, guint8 r, guint8 g, guint8 b)
{
  TrawlImage *img = trawl_image_new (w, h);

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 *px = img->data + (gsize) y * img->stride + 3 * x;
        px[0] = r;
        px[1] = g;
        px[2] = b;
      }
  return img;
}

static void
test_rec_input (void)
{
  float *buf = g_new (float, 3 * 48 * 320);
  g_autoptr (TrawlImage) crop = solid (94, 24, 255, 0, 51);

  /* 94x24 -> width ceil(48 * 94 / 24) = 188, zero-padded to 320 */
  int w = trawl_ocr_rec_input (crop, 48, 320, buf);
  g_assert_cmpint (w, ==, 188);
  const float *B = buf, *G = buf + 48 * 320, *R = buf + 2 * 48 * 320;
  for (int y = 0; y < 48; y += 7)
    for (int x = 0; x < 320; x += 3)
      {
        gboolean in = x < 188;
        g_assert_cmpfloat_with_epsilon (B[y * 320 + x], in ? (51 / 255.0 - 0.5) / 0.5 : 0, 1e-5);
        g_assert_cmpfloat_with_epsilon (G[y * 320 + x], in ? -1.0 : 0, 1e-5);
        g_assert_cmpfloat_with_epsilon (R[y * 320 + x], in ? 1.0 : 0, 1e-5);
      }

  /* a wide crop is squeezed to 320 */
  g_autoptr (TrawlImage) wide = solid (400, 20, 0, 0, 0);
  g_assert_cmpint (trawl_ocr_rec_input (wide, 48, 320, buf), ==, 320);
  g_assert_cmpfloat (buf[319], ==, -1.0f);
  /* ceil: 25x24 -> 50 */
  g_autoptr (TrawlImage) small = solid (25, 24, 0, 0, 0);
  g_assert_cmpint (trawl_ocr_rec_input (small, 48, 320, buf), ==, 50);
  g_free (buf);
}

static void
test_det_input (void)
{
  static const struct { int w, h, tw, th; } cases[] = {
    { 1000, 500, 960, 480 },  /* long side 1000 -> 960, 480 */
    { 100, 50, 96, 64 },      /* no upscaling: 100/32 = 3.1 -> 96, 50/32 = 1.56 -> 64 */
    { 10, 10, 32, 32 },       /* at least 32 */
    { 500, 1500, 320, 960 },  /* 1500 -> 960, 500 * 0.64 = 320 */
    { 80, 48, 64, 64 },       /* 2.5 -> 2 (half to even), 1.5 -> 2 */
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (TrawlImage) img = solid (cases[i].w, cases[i].h, 200, 100, 50);
      int w = 0, h = 0;
      float *x = trawl_ocr_det_input (img, 960, &w, &h);
      g_assert_cmpint (w, ==, cases[i].tw);
      g_assert_cmpint (h, ==, cases[i].th);
      if (cases[i].tw == 96 && cases[i].th == 64)
        {
          gsize plane = (gsize) w * h;
          /* BGR planes, PaddleOCR's mean/std in that order */
          g_assert_cmpfloat_with_epsilon (x[5], (50 / 255.0 - 0.485) / 0.229, 1e-5);
          g_assert_cmpfloat_with_epsilon (x[plane + 5], (100 / 255.0 - 0.456) / 0.224, 1e-5);
          g_assert_cmpfloat_with_epsilon (x[2 * plane + 5], (200 / 255.0 - 0.406) / 0.225, 1e-5);
        }
      g_free (x);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ocr/ctc/synthetic", test_ctc_synthetic);
  g_test_add_func ("/ocr/ctc/steps-ref", test_ctc_steps_ref);
  g_test_add_func ("/ocr/ctc/decode-steps", test_ctc_decode_steps);
  g_test_add_func ("/ocr/dict/load", test_dict_load);
  g_test_add_func ("/ocr/geometry/min-area-rect", test_min_area_rect);
  g_test_add_func ("/ocr/db/rotated", test_db_rotated);
  g_test_add_func ("/ocr/db/filters-and-order", test_db_filters_and_order);
  g_test_add_func ("/ocr/db/clamp", test_db_clamp);
  g_test_add_func ("/ocr/db/mask", test_db_mask);
  g_test_add_func ("/ocr/db/partial-map", test_db_partial_map);
  g_test_add_func ("/ocr/input/rec", test_rec_input);
  g_test_add_func ("/ocr/input/det", test_det_input);
  return g_test_run ();
}
