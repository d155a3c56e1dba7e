/* test-plate-text.c - plate text rules: normalisation, formats, telling
 * plates from words, confusion classes, grammar fixes, edit distance.
 */
#include "trawl/detect.h"

#include <string.h>

static void
check_norm (const char *in, const char *want)
{
  g_autofree char *got = trawl_plate_normalize (in);
  g_assert_cmpstr (got, ==, want);
}

static void
test_normalize (void)
{
  check_norm ("RP-NL-93", "RPNL93");
  check_norm ("京A·12345", "京A12345");
  check_norm (" ab 12-c ", "AB12C");
  check_norm ("ＡＢ１２３", "AB123");  /* full-width */
  check_norm ("", "");
  check_norm (NULL, "");
  g_autofree char *strict = trawl_plate_normalize_strict ("CA: 7ABC123!");
  g_assert_cmpstr (strict, ==, "CA7ABC123");
  g_autofree char *bad = trawl_plate_normalize ("\xff\xfe");
  g_assert_cmpstr (bad, ==, "");
}

static void
test_classify (void)
{
  g_assert_cmpint (trawl_plate_classify ("京PL3N67"), ==, TRAWL_PLATE_CN);
  g_assert_cmpint (trawl_plate_classify ("浙D137ET"), ==, TRAWL_PLATE_CN);
  g_assert_cmpint (trawl_plate_classify ("粤BD12345"), ==, TRAWL_PLATE_CN_NEW_ENERGY);
  g_assert_cmpint (trawl_plate_classify ("粤B1234学"), ==, TRAWL_PLATE_CN);
  g_assert_cmpint (trawl_plate_classify ("京1L3N67"), ==, TRAWL_PLATE_INVALID);  /* digit after province */
  g_assert_cmpint (trawl_plate_classify ("京PL3N6"), ==, TRAWL_PLATE_INVALID);   /* too short */
  g_assert_cmpint (trawl_plate_classify ("中PL3N67"), ==, TRAWL_PLATE_INVALID);  /* not a province */
  g_assert_cmpint (trawl_plate_classify ("京P学3N67"), ==, TRAWL_PLATE_INVALID);
  g_assert_cmpint (trawl_plate_classify ("GWT2180"), ==, TRAWL_PLATE_BR);
  g_assert_cmpint (trawl_plate_classify ("RIO2A18"), ==, TRAWL_PLATE_BR);      /* Mercosul */
  g_assert_cmpint (trawl_plate_classify ("7ABC123"), ==, TRAWL_PLATE_LATIN);
  g_assert_cmpint (trawl_plate_classify ("RPNL93"), ==, TRAWL_PLATE_LATIN);
  g_assert_cmpint (trawl_plate_classify ("ONEOFME"), ==, TRAWL_PLATE_LATIN);
  g_assert_cmpint (trawl_plate_classify ("ABCDEFGHI"), ==, TRAWL_PLATE_INVALID); /* 9 */
  g_assert_cmpint (trawl_plate_classify ("AB#12"), ==, TRAWL_PLATE_INVALID);
  g_assert_cmpint (trawl_plate_classify ("A"), ==, TRAWL_PLATE_INVALID);
  g_assert_cmpint (trawl_plate_classify (NULL), ==, TRAWL_PLATE_INVALID);
  g_assert_cmpstr (trawl_plate_format_name (TRAWL_PLATE_CN_NEW_ENERGY), ==, "cn-new-energy");
}

static void
test_plausible (void)
{
  g_assert_true (trawl_plate_plausible ("7ABC123"));
  g_assert_true (trawl_plate_plausible ("ONEOFME"));    /* vanity, all letters */
  g_assert_true (trawl_plate_plausible ("京PL3N67"));
  g_assert_false (trawl_plate_plausible ("CALIFORNIA")); /* too long anyway */
  g_assert_false (trawl_plate_plausible ("TOYOTA"));
  g_assert_false (trawl_plate_plausible ("DMV"));
  g_assert_false (trawl_plate_plausible ("OPEN"));       /* short all-letter word */
  g_assert_false (trawl_plate_plausible ("A1"));          /* too short */
  g_assert_false (trawl_plate_plausible ("HELLO WORLD")); /* not normalised: space */
}

static void
test_fold (void)
{
  const char *groups[] = { "0ODQ", "1IL", "2Z", "5S", "8B", "6G" };
  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    for (const char *a = groups[g]; *a; a++)
      for (const char *b = groups[g]; *b; b++)
        g_assert_true (trawl_plate_confusable (*a, *b));
  g_assert_false (trawl_plate_confusable ('0', '8'));
  g_assert_false (trawl_plate_confusable ('A', 'B'));
  g_assert_true (trawl_plate_confusable ('o', '0'));  /* lower case folds too */
  g_autofree char *k1 = trawl_plate_fold ("OSB-1Z");
  g_autofree char *k2 = trawl_plate_fold ("058I2");
  g_assert_cmpstr (k1, ==, k2);
  g_autofree char *k3 = trawl_plate_fold ("京A0B");
  g_assert_cmpstr (k3, ==, "京A08");
}

static void
check_fix (const char *in, const char *want)
{
  g_autofree char *got = trawl_plate_fix_by_grammar (in);
  g_assert_cmpstr (got, ==, want);
}

static void
test_fix (void)
{
  check_fix ("京8L3N67", "京BL3N67");     /* letter after the province */
  check_fix ("京AO12I5", "京A01215");     /* no O or I in CN serials */
  check_fix ("GWTZ18O", "GWT2180");       /* BR digits where digits go */
  check_fix ("GW52180", "GWS2180");       /* BR letter where letters go */
  check_fix ("7ABC123", "7ABC123");       /* Latin: untouched */
  check_fix ("1AMW240", "1AMW240");
  check_fix ("", "");
}

static void
test_edit_distance (void)
{
  g_assert_cmpint (trawl_text_edit_distance ("kitten", "sitting"), ==, 3);
  g_assert_cmpint (trawl_text_edit_distance ("", "abc"), ==, 3);
  g_assert_cmpint (trawl_text_edit_distance ("abc", "abc"), ==, 0);
  g_assert_cmpint (trawl_text_edit_distance ("京A12345", "津A12345"), ==, 1);  /* one character, 3 bytes */
  g_assert_cmpint (trawl_text_edit_distance ("京A12345", "A12345"), ==, 1);
  g_assert_cmpint (trawl_text_edit_distance (NULL, "ab"), ==, 2);
}

/* A synthetic read: one character per entry of text, at x = 10 * i + 5,
 * with the given probabilities. */
static GArray *
make_chars (const char *text, const float *prob)
{
  GArray *chars = g_array_new (FALSE, TRUE, sizeof (TrawlPlateChar));
  int i = 0;
  for (const char *p = text; *p; p = g_utf8_next_char (p), i++) {
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/detect/plate-text/normalize", test_normalize);
  g_test_add_func ("/detect/plate-text/classify", test_classify);
  g_test_add_func ("/detect/plate-text/plausible", test_plausible);
  g_test_add_func ("/detect/plate-text/fold", test_fold);
  g_test_add_func ("/detect/plate-text/fix", test_fix);
  g_test_add_func ("/detect/plate-text/edit-distance", test_edit_distance);
  g_test_add_func ("/detect/plate-text/trim", test_trim);
  return g_test_run ();
}
