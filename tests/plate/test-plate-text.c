/* test-plate-text.c - plate text rules: the one normalisation, formats,
 * telling plates from words, confusion classes, grammar fixes, Levenshtein,
 * n-gram vectors.
 */
#include "trawl/plate.h"

#include <math.h>
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
  check_norm ("CA: 7ABC123!", "CA7ABC123");  /* symbols go too */
  /* One spelling whatever the separators and case (issue 17). */
  check_norm ("32-LBD-6", "32LBD6");
  check_norm ("32lbd6", "32LBD6");
  check_norm (" 32 LBD 6 ", "32LBD6");
  check_norm ("32.lbd.6", "32LBD6");
  check_norm ("粤B·12345", "粤B12345");
  check_norm ("粤b 12345", "粤B12345");
  check_norm ("京A\u300012345", "京A12345");   /* ideographic space */
  check_norm ("ab\u00e9c", "ABC");             /* a letter no plate holds */
  /* Invalid UTF-8: what is readable survives. */
  check_norm ("\xff\xfe", "");
  check_norm ("AB\xff" "12", "AB12");
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

/* ---- n-gram vectors ---- */

static double
plate_sim (const char *a, const char *b)
{
  float va[TRAWL_PLATE_NGRAM_DIM], vb[TRAWL_PLATE_NGRAM_DIM];
  g_assert_true (trawl_plate_ngram_vector (a, va));
  g_assert_true (trawl_plate_ngram_vector (b, vb));
  double ab = 0, aa = 0, bb = 0;
  for (int i = 0; i < TRAWL_PLATE_NGRAM_DIM; i++)
    ab += (double) va[i] * vb[i], aa += (double) va[i] * va[i], bb += (double) vb[i] * vb[i];
  return ab / sqrt (aa * bb);
}

static void
test_plate_ngrams (void)
{
  float v[TRAWL_PLATE_NGRAM_DIM];
  double norm = 0;
  g_autofree char *n1 = trawl_plate_normalize ("ab-12 cd");
  g_autofree char *n2 = trawl_plate_normalize ("京PL·3N67");
  g_autofree char *n3 = trawl_plate_normalize ("RP-NL-93");

  g_assert_cmpstr (n1, ==, "AB12CD");
  g_assert_cmpstr (n2, ==, "京PL3N67");
  g_assert_cmpstr (n3, ==, "RPNL93");

  g_assert_true (trawl_plate_ngram_vector ("AB12CD", v));
  for (int i = 0; i < TRAWL_PLATE_NGRAM_DIM; i++)
    norm += (double) v[i] * v[i];
  g_assert_cmpfloat_with_epsilon (norm, 1.0, 1e-5);
  g_assert_false (trawl_plate_ngram_vector (" - ", v));
  g_assert_false (trawl_plate_ngram_vector ("", v));

  g_assert_cmpfloat_with_epsilon (plate_sim ("AB12CD", "ab 12-cd"), 1.0, 1e-6);
  g_test_message ("AB12CD~A812CD %.3f  ~AB12CE %.3f  ~XY99ZZ %.3f  ~CD12AB %.3f",
                  plate_sim ("AB12CD", "A812CD"), plate_sim ("AB12CD", "AB12CE"),
                  plate_sim ("AB12CD", "XY99ZZ"), plate_sim ("AB12CD", "CD12AB"));
  /* a confusable misread is nearer than a plain one, which is nearer than a stranger */
  g_assert_cmpfloat (plate_sim ("AB12CD", "A812CD"), >, plate_sim ("AB12CD", "AB12CE"));
  g_assert_cmpfloat (plate_sim ("AB12CD", "AB12CE"), >, plate_sim ("AB12CD", "XY99ZZ"));
  g_assert_cmpfloat (plate_sim ("AB12CD", "A812CD"), >, 0.7);
  g_assert_cmpfloat (plate_sim ("AB12CD", "XY99ZZ"), <, 0.3);
  /* every character confused (all six classes): only the folded grams
   * agree, half the vector, still far above a stranger */
  g_assert_cmpfloat (plate_sim ("5GO1ZB", "SG0IZ8"), >, 0.4);
  g_assert_cmpfloat (plate_sim ("5GO1ZB", "SG0IZ8"), >, plate_sim ("5GO1ZB", "XY99ZZ") + 0.3);
  /* order matters: the same characters shuffled are not the same plate */
  g_assert_cmpfloat (plate_sim ("AB12CD", "CD12AB"), <, plate_sim ("AB12CD", "AB12CE"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plate/text/normalize", test_normalize);
  g_test_add_func ("/plate/text/classify", test_classify);
  g_test_add_func ("/plate/text/plausible", test_plausible);
  g_test_add_func ("/plate/text/fold", test_fold);
  g_test_add_func ("/plate/text/fix", test_fix);
  g_test_add_func ("/plate/text/edit-distance", test_edit_distance);
  g_test_add_func ("/plate/text/ngram-vectors", test_plate_ngrams);
  return g_test_run ();
}
