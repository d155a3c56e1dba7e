/* test-plate-chars.c - trimming ornament off the ends of a read's
 * characters (trawl_plate_chars_trim: reader logic, on OCR char boxes;
 * trawl_plate_chars_trim_stacked: stacked letters, on painted lines).
 */
#include "trawl/detect.h"

#include <string.h>

/* A synthetic read: one character per entry of text, at x = 10 * i + 5,
 * with the given probabilities. */
static GArray *
make_chars (const char *text, const float *prob)
{
  GArray *chars = g_array_new (FALSE, TRUE, sizeof (TrawlPlateChar));
  int i = 0;
  for (const char *p = text; *p; p = g_utf8_next_char (p), i++)
    {
      TrawlPlateChar pc = { 0 };
      pc.c = g_utf8_get_char (p);
      pc.prob = prob[i];
      pc.alt[0] = pc.c;
      pc.alt_prob[0] = pc.prob;
      pc.x = 10.0f * (float) i + 5.0f;
      g_array_append_val (chars, pc);
    }
  return chars;
}

static char *
chars_text (const GArray *chars)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < chars->len; i++)
    g_string_append_unichar (s, g_array_index (chars, TrawlPlateChar, i).c);
  return g_string_free (s, FALSE);
}

static void
check_trim (const char *text, const float *prob, float x0, float x1, float margin,
            const char *want, int want_removed)
{
  g_autoptr (GArray) chars = make_chars (text, prob);
  int removed = trawl_plate_chars_trim (chars, x0, x1, margin, 0.95f);
  g_autofree char *got = chars_text (chars);
  g_assert_cmpstr (got, ==, want);
  g_assert_cmpint (removed, ==, want_removed);
}

static void
test_trim (void)
{
  /* "IDRIFTER": an unsure I left of the line (centres 5..75, line 10..80). */
  static const float p1[] = { 0.29f, 0.81f, 0.99f, 0.96f, 0.84f, 0.98f, 0.98f, 0.98f };
  check_trim ("IDRIFTER", p1, 10, 80, 2, "DRIFTER", 1);
  /* The same I, sure of itself: kept (a county number beside a picture). */
  static const float p2[] = { 0.99f, 0.81f, 0.99f, 0.96f, 0.84f, 0.98f, 0.98f, 0.98f };
  check_trim ("IDRIFTER", p2, 10, 80, 2, "IDRIFTER", 0);
  /* Within the margin: kept, however unsure. */
  check_trim ("IDRIFTER", p1, 10, 80, 6, "IDRIFTER", 0);
  /* Three unsure letters of a logo on the left, one on the right, and the
   * separators beyond them go too. */
  static const float p3[] = { 0.82f, 0.92f, 0.42f, 0.93f, 0.61f, 0.96f, 1.0f, 1.0f, 0.5f, 0.86f };
  check_trim ("UNCG0945 E", p3, 30, 80, 1, "G0945", 5);
  /* A separator inside the kept text stays; nothing trimmed keeps all. */
  static const float p4[] = { 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f };
  check_trim ("ABC-123", p4, 0, 70, 0, "ABC-123", 0);
  /* Never down to fewer than two characters: the line is then wrong. */
  check_trim ("ABC", p4, 100, 200, 0, "BC", 1);
  check_trim ("AB", p4, 100, 200, 0, "AB", 0);
  /* Han characters count as characters (a province read off the frame). */
  static const float p5[] = { 0.40f, 0.99f, 0.99f, 0.99f, 0.99f, 0.99f, 0.99f };
  check_trim ("皖1333LE", p5, 10, 70, 1, "1333LE", 1);
  g_autoptr (GArray) empty = g_array_new (FALSE, TRUE, sizeof (TrawlPlateChar));
  g_assert_cmpint (trawl_plate_chars_trim (empty, 0, 10, 1, 0.95f), ==, 0);
}

/* Paints [x0, x1) x [y0, y1) of img with value v. */
static void
fill (TrawlImage *img, int x0, int x1, int y0, int y1, guint8 v)
{
  for (int y = y0; y < y1; y++)
    memset (img->data + (gsize) y * img->stride + 3 * x0, v, 3 * (x1 - x0));
}

/* A line of glyphs 40 px high (rows 10-50) on a 60 px high image, one per
 * character of kinds at x = 20 * i + 10: 'R' a ring (an O: a hole in the
 * middle rows), 'C' a C (its left stroke only in the middle rows), 'S'
 * two small blocks one above the other (stacked letters), '.' nothing.
 * Ink is ink, ground is ground (0/255 or the other way round). */
static TrawlImage *
paint_line (const char *kinds, guint8 ink, guint8 ground)
{
  int n = (int) strlen (kinds);
  TrawlImage *img = trawl_image_new (20 * n, 60);
  fill (img, 0, img->width, 0, 60, ground);
  for (int i = 0; i < n; i++)
    {
      int x0 = 20 * i + 3, x1 = 20 * i + 17;
      switch (kinds[i])
        {
        case 'R':
          fill (img, x0, x1, 10, 50, ink);
          fill (img, x0 + 3, x1 - 3, 14, 46, ground);
          break;
        case 'C':
          fill (img, x0, x1, 10, 50, ink);
          fill (img, x0 + 3, x1, 14, 46, ground);
          break;
        case 'S':
          fill (img, x0 + 2, x1 - 2, 11, 27, ink);
          fill (img, x0 + 2, x1 - 2, 33, 49, ink);
          break;
        default:
          break;
        }
    }
  return img;
}

static void
check_stacked (const char *text, const char *kinds, guint8 ink, guint8 ground, const char *want)
{
  static const float sure[] = { 0.99f, 0.99f, 0.99f, 0.99f, 0.99f, 0.99f, 0.99f, 0.99f };
  g_autoptr (GArray) chars = make_chars (text, sure);
  for (guint i = 0; i < chars->len; i++)
    g_array_index (chars, TrawlPlateChar, i).x = 20.0f * (float) i + 10.0f;
  g_autoptr (TrawlImage) img = paint_line (kinds, ink, ground);
  trawl_plate_chars_trim_stacked (chars, img, 10, 50, 4);
  g_autofree char *got = chars_text (chars);
  g_assert_cmpstr (got, ==, want);
}

static void
test_stacked (void)
{
  /* stacked letters before the number, read as one sure letter: dropped */
  check_stacked ("Y4280", "SRRRR", 0, 255, "4280");
  check_stacked ("Y4280", "SRRRR", 255, 0, "4280");   /* light on dark */
  /* ... and after it */
  check_stacked ("4280N", "RRRRS", 0, 255, "4280");
  /* full-height glyphs with holes or open sides in the middle rows stay */
  check_stacked ("04280", "RRRRR", 0, 255, "04280");
  check_stacked ("C4280", "CRRRR", 0, 255, "C4280");
  /* a stacked column inside the number is not an end: kept */
  check_stacked ("42Y80", "RRSRR", 0, 255, "42Y80");
  /* never below min_keep */
  check_stacked ("Y428", "SRRR", 0, 255, "Y428");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/detect/plate-chars/trim", test_trim);
  g_test_add_func ("/detect/plate-chars/stacked", test_stacked);
  return g_test_run ();
}
