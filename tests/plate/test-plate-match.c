/* test-plate-match.c - wildcard patterns over plate text (exact and
 * confusion-weighted), the weighted edit distance, the measured
 * substitution costs, alternatives, and random input that must never
 * crash. The weighted pattern cost is checked against a plain recursive
 * restatement of its definition.
 */
#include "trawl/base.h"
#include "trawl/plate.h"

#include <math.h>
#include <string.h>

static TrawlPlatePattern *
pattern (const char *s, TrawlPlateMatchFlags flags)
{
  g_autoptr (GError) error = NULL;
  TrawlPlatePattern *p = trawl_plate_pattern_new (s, flags, &error);
  g_assert_no_error (error);
  g_assert_nonnull (p);
  return p;
}

static double
cost (const char *pat, TrawlPlateMatchFlags flags, const char *text)
{
  g_autoptr (TrawlPlatePattern) p = pattern (pat, flags);
  return trawl_plate_pattern_cost (p, text, NULL);
}

static gboolean
fits (const char *pat, const char *text)
{
  double c = cost (pat, TRAWL_PLATE_MATCH_EXACT, text);
  g_assert_true (c == 0.0 || isinf (c));
  return c == 0.0;
}

static void
check_normalized (const char *pat, const char *want)
{
  g_autoptr (TrawlPlatePattern) p = pattern (pat, TRAWL_PLATE_MATCH_FUZZY);
  g_assert_cmpstr (trawl_plate_pattern_get_normalized (p), ==, want);
}

static void
test_normalized (void)
{
  check_normalized ("ab-12?cd", "AB12?CD");
  check_normalized ("32-LBD-6", "32LBD6");
  check_normalized (" 32 lbd 6 ", "32LBD6");
  check_normalized ("**ab***", "*AB*");
  check_normalized ("粤b·12*", "粤B12*");
  check_normalized ("ＡＢ１？", "AB1?");  /* full-width, '?' included */
  /* the one normalisation: a literal pattern reads like a read */
  const char *reads[] = { "32-LBD-6", "粤B·12345", "ab 12.cd" };
  for (guint i = 0; i < G_N_ELEMENTS (reads); i++)
    {
      g_autofree char *norm = trawl_plate_normalize (reads[i]);
      check_normalized (reads[i], norm);
    }
  g_autoptr (TrawlPlatePattern) lit = pattern ("AB12CD", TRAWL_PLATE_MATCH_FUZZY);
  g_autoptr (TrawlPlatePattern) q = pattern ("AB?2CD", TRAWL_PLATE_MATCH_FUZZY);
  g_autoptr (TrawlPlatePattern) s = pattern ("AB*", TRAWL_PLATE_MATCH_FUZZY);
  g_assert_false (trawl_plate_pattern_has_wildcards (lit));
  g_assert_true (trawl_plate_pattern_has_wildcards (q));
  g_assert_true (trawl_plate_pattern_has_wildcards (s));
  g_assert_cmpint (trawl_plate_pattern_get_n_literals (q), ==, 5);
  g_assert_cmpint (trawl_plate_pattern_get_n_literals (s), ==, 2);
}

static void
test_exact (void)
{
  g_assert_true (fits ("32LBD6", "32LBD6"));
  g_assert_true (fits ("32-LBD-6", "32LBD6"));   /* separators in the query */
  g_assert_true (fits ("32lbd6", "32LBD6"));     /* case */
  g_assert_false (fits ("32LBD6", "32LBD62"));
  g_assert_false (fits ("32LBD6", "32L8D6"));    /* exact: no confusions */
  g_assert_true (fits ("32?BD6", "32LBD6"));
  g_assert_false (fits ("32?BD6", "32BD6"));     /* '?' is one character, not none */
  g_assert_false (fits ("32?BD6", "32LLBD6"));
  g_assert_true (fits ("32*", "32LBD6"));        /* trailing '*' */
  g_assert_true (fits ("32*", "32"));            /* ... possibly empty */
  g_assert_true (fits ("*BD6", "32LBD6"));       /* leading */
  g_assert_true (fits ("*LB*", "32LBD6"));       /* both */
  g_assert_false (fits ("*LX*", "32LBD6"));
  g_assert_true (fits ("3*L*6", "32LBD6"));      /* several */
  g_assert_true (fits ("3*2*L*B*D*6", "32LBD6"));
  g_assert_false (fits ("3*6*L", "32LBD6"));
  g_assert_true (fits ("粤B*", "粤B12345"));      /* Chinese province */
  g_assert_true (fits ("?B12345", "粤B12345"));   /* '?' is one character, 3 bytes */
  g_assert_false (fits ("??B12345", "粤B12345"));
  g_assert_false (fits ("京B*", "粤B12345"));
  g_assert_false (fits ("AB", NULL));
  g_assert_false (fits ("AB", "A\xff"));

  g_autoptr (TrawlPlatePattern) e = pattern ("ab-1?*", TRAWL_PLATE_MATCH_EXACT);
  g_autoptr (TrawlPlatePattern) f = pattern ("ab-1?*", TRAWL_PLATE_MATCH_FUZZY);
  g_autofree char *glob = trawl_plate_pattern_to_glob (e);
  g_assert_cmpstr (glob, ==, "AB1?*");
  g_assert_null (trawl_plate_pattern_to_glob (f));
}

/* The cheapest alignment of pattern elements pc[i..] with text t[j..],
 * restated top down: '*' takes any run t[j..k), any other element takes
 * one character (a substitution, free for '?'), or is dropped (1), or a
 * text character is skipped (1). */
static double
ref_cost (const gunichar *pc, int m, int i, const gunichar *t, int n, int j, double memo[][20])
{
  if (!isnan (memo[i][j]))
    return memo[i][j];
  double best = INFINITY;
  if (i == m)
    {
      best = n - j;
    }
  else if (pc[i] == '*')
    {
      for (int k = j; k <= n; k++)
        best = MIN (best, ref_cost (pc, m, i + 1, t, n, k, memo));
    }
  else
    {
      if (j < n)
        {
          double s = pc[i] == '?' ? 0 : trawl_plate_substitution_cost (pc[i], t[j]);
          best = MIN (best, s + ref_cost (pc, m, i + 1, t, n, j + 1, memo));
          best = MIN (best, 1 + ref_cost (pc, m, i, t, n, j + 1, memo));
        }
      best = MIN (best, 1 + ref_cost (pc, m, i + 1, t, n, j, memo));
    }
  return memo[i][j] = best;
}

static char *
random_text (GRand *r, const char *alphabet, int max_len)
{
  glong na = g_utf8_strlen (alphabet, -1);
  int n = g_rand_int_range (r, 0, max_len + 1);
  GString *s = g_string_new (NULL);
  for (int i = 0; i < n; i++)
    g_string_append_unichar (s, g_utf8_get_char (g_utf8_offset_to_pointer (
                                   alphabet, g_rand_int_range (r, 0, (gint32) na))));
  return g_string_free (s, FALSE);
}

static void
test_fuzzy_reference (void)
{
  g_autoptr (GRand) r = g_rand_new_with_seed (11);
  int checked = 0, exact_fits = 0;
  for (int it = 0; it < 3000; it++)
    {
      g_autofree char *pat = random_text (r, "AB8X0O1京粤??*", 7);
      g_autofree char *text = random_text (r, "AB8X0O1京粤", 8);
      g_autoptr (TrawlPlatePattern) p = trawl_plate_pattern_new (pat, TRAWL_PLATE_MATCH_FUZZY, NULL);
      if (p == NULL)
        continue;  /* wildcards only, or empty */
      glong m = 0, n = 0;
      g_autofree gunichar *pc = g_utf8_to_ucs4_fast (trawl_plate_pattern_get_normalized (p), -1, &m);
      g_autofree gunichar *t = g_utf8_to_ucs4_fast (text, -1, &n);
      double memo[20][20];
      for (int i = 0; i < 20; i++)
        for (int j = 0; j < 20; j++)
          memo[i][j] = NAN;
      double want = ref_cost (pc, (int) m, 0, t, (int) n, 0, memo);
      double got = trawl_plate_pattern_cost (p, text, NULL);
      g_assert_cmpfloat_with_epsilon (got, want, 1e-4);
      /* bounded: exact at or under the bound, INFINITY over it */
      double b1 = trawl_plate_pattern_cost_bounded (p, text, NULL, want + 0.01);
      double b2 = trawl_plate_pattern_cost_bounded (p, text, NULL, want - 0.01);
      g_assert_cmpfloat_with_epsilon (b1, want, 1e-4);
      g_assert_true (isinf (b2));
      /* fuzzy cost 0 exactly when the exact matcher (GLib's glob) says it fits */
      g_autoptr (TrawlPlatePattern) e = pattern (pat, TRAWL_PLATE_MATCH_EXACT);
      double ec = trawl_plate_pattern_cost (e, text, NULL);
      g_assert_cmpint (got == 0.0, ==, ec == 0.0);
      exact_fits += ec == 0.0;
      double score = trawl_plate_pattern_score (p, text, NULL);
      g_assert_cmpfloat (score, >=, 0.0);
      g_assert_cmpfloat (score, <=, 1.0);
      g_assert_cmpint (score == 1.0, ==, got == 0.0);
      checked++;
    }
  g_test_message ("%d random patterns checked, %d fit exactly", checked, exact_fits);
  g_assert_cmpint (checked, >, 1000);
  g_assert_cmpint (exact_fits, >=, 10);  /* the exact side was exercised */
}

static void
test_fuzzy (void)
{
  TrawlPlateMatchFlags F = TRAWL_PLATE_MATCH_FUZZY;
  g_assert_cmpfloat (cost ("32LBD6", F, "32LBD6"), ==, 0.0);
  g_assert_cmpfloat (cost ("32-lbd-6", F, "32LBD6"), ==, 0.0);
  /* a confusion costs less than an unrelated character, which costs 1 */
  double conf = cost ("32LBD6", F, "32L8D6"), other = cost ("32LBD6", F, "32LXD6");
  g_assert_cmpfloat (conf, >, 0.0);
  g_assert_cmpfloat (conf, <, other);
  g_assert_cmpfloat_with_epsilon (other, 1.0, 1e-6);
  /* insertions and deletions cost 1 each */
  g_assert_cmpfloat_with_epsilon (cost ("32LBD6", F, "32LBD"), 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (cost ("32LBD6", F, "32LBDD6"), 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (cost ("32LBD6", F, ""), 6.0, 1e-6);
  /* wildcards cost nothing; '*' absorbs any run */
  g_assert_cmpfloat (cost ("32?BD6", F, "32XBD6"), ==, 0.0);
  g_assert_cmpfloat (cost ("32*", F, "32LBD6"), ==, 0.0);
  g_assert_cmpfloat (cost ("*BD6", F, "32LBD6"), ==, 0.0);
  g_assert_cmpfloat (cost ("*B*6", F, "32LBD6"), ==, 0.0);
  g_assert_cmpfloat_with_epsilon (cost ("*8*6", F, "32LBD6"), conf, 1e-6);  /* B read as 8 */
  /* Chinese province: one character, cost 1 when different */
  g_assert_cmpfloat_with_epsilon (cost ("粤B12345", F, "京B12345"), 1.0, 1e-6);
  g_assert_cmpfloat (cost ("粤B*", F, "粤B12345"), ==, 0.0);
  g_assert_true (isinf (cost ("AB", F, NULL)));
  g_assert_true (isinf (cost ("AB", F, "A\xff")));
  /* score: 1 exact, lower for more cost */
  g_autoptr (TrawlPlatePattern) p = pattern ("32LBD6", F);
  g_assert_cmpfloat (trawl_plate_pattern_score (p, "32LBD6", NULL), ==, 1.0);
  g_assert_cmpfloat (trawl_plate_pattern_score (p, "32L8D6", NULL), >,
                     trawl_plate_pattern_score (p, "32LXD6", NULL));
  g_assert_cmpfloat (trawl_plate_pattern_score (p, "ZZZZZZZZZZZZZZ", NULL), ==, 0.0);
}

static void
check_error (const char *pat, const char *says)
{
  g_autoptr (GError) error = NULL;
  TrawlPlatePattern *p = trawl_plate_pattern_new (pat, TRAWL_PLATE_MATCH_FUZZY, &error);
  g_assert_null (p);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_test_message ("%s", error->message);
  if (says != NULL)
    g_assert_nonnull (strstr (error->message, says));
}

static void
test_errors (void)
{
  check_error (NULL, NULL);
  check_error ("", "nothing left");
  check_error (" - . ", "nothing left");
  check_error ("*", "wildcards only");
  check_error ("?*??", "wildcards only");
  check_error ("AB#12", "'#'");
  check_error ("ABé12", "'é'");
  check_error ("AB\x01", "U+0001");
  check_error ("AB\xff" "12", "UTF-8");
  check_error ("ABCDEFGHIJKLMNOPQ", "more than 16");   /* 17 */
  check_error ("ABCDEFGH?JKLMNOPQ", "more than 16");   /* '?' counts */
  /* at the limit, and '*' not counted */
  g_autoptr (TrawlPlatePattern) a = pattern ("ABCDEFGHIJKLMNOP", TRAWL_PLATE_MATCH_FUZZY);
  g_autoptr (TrawlPlatePattern) b = pattern ("*A*B*C*D*E*F*G*H*I*J*K*L*M*N*O*P*", 0);
  g_assert_cmpint (trawl_plate_pattern_get_n_literals (b), ==, 16);
  trawl_plate_pattern_free (NULL);
}

static void
test_distance (void)
{
  g_assert_cmpfloat (trawl_plate_edit_distance ("32LBD6", "32LBD6"), ==, 0.0);
  g_assert_cmpfloat (trawl_plate_edit_distance ("", NULL), ==, 0.0);
  g_assert_cmpfloat_with_epsilon (trawl_plate_edit_distance ("", "AB"), 2.0, 1e-6);
  double b8 = trawl_plate_edit_distance ("AB12", "A812");
  double bx = trawl_plate_edit_distance ("AB12", "AX12");
  g_assert_cmpfloat (b8, >, 0.0);
  g_assert_cmpfloat (b8, <, bx);
  g_assert_cmpfloat_with_epsilon (trawl_plate_edit_distance ("粤B12345", "京B12345"), 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (trawl_plate_edit_distance ("粤B12345", "B12345"), 1.0, 1e-6);
  /* the table knows the a-priori classes: each pair cheaper than a stranger */
  const char *classes[] = { "0ODQ", "1IL", "2Z", "5S", "8B", "6G" };
  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    for (const char *a = classes[i]; *a; a++)
      for (const char *b = a + 1; *b; b++)
        {
          double c = trawl_plate_substitution_cost (*a, *b);
          g_assert_cmpfloat (c, >, 0.0);
          g_assert_cmpfloat (c, <, 1.0);
          g_assert_cmpfloat (c, ==, trawl_plate_substitution_cost (*b, *a));
        }
  g_assert_cmpfloat (trawl_plate_substitution_cost ('b', '8'), ==,
                     trawl_plate_substitution_cost ('B', '8'));  /* case */

  /* metric properties on random texts over confusable characters */
  g_autoptr (GRand) r = g_rand_new_with_seed (17);
  const char *alpha = "AB8X0ODQ1IL2Z5S6G京粤";
  for (int it = 0; it < 2000; it++)
    {
      g_autofree char *a = random_text (r, alpha, 8);
      g_autofree char *b = random_text (r, alpha, 8);
      g_autofree char *c = random_text (r, alpha, 8);
      double ab = trawl_plate_edit_distance (a, b), ba = trawl_plate_edit_distance (b, a);
      double bc = trawl_plate_edit_distance (b, c), ac = trawl_plate_edit_distance (a, c);
      g_assert_cmpfloat (ab, ==, ba);
      g_assert_cmpint (ab == 0.0, ==, strcmp (a, b) == 0);
      g_assert_cmpfloat (ac, <=, ab + bc + 1e-4);
      /* between the length difference and plain Levenshtein */
      g_assert_cmpfloat (ab, <=, trawl_text_edit_distance (a, b) + 1e-6);
      g_assert_cmpfloat (ab, >=, labs (g_utf8_strlen (a, -1) - g_utf8_strlen (b, -1)) - 1e-6);
    }
  /* the pattern cost of a literal pattern is the distance */
  for (int it = 0; it < 500; it++)
    {
      g_autofree char *a = random_text (r, "AB8X0O1", 8);
      g_autofree char *b = random_text (r, alpha, 8);
      if (*a == '\0')
        continue;
      g_assert_cmpfloat_with_epsilon (cost (a, 0, b), trawl_plate_edit_distance (a, b), 1e-4);
    }
}

static void
test_alternatives (void)
{
  g_autoptr (TrawlPlatePattern) p = pattern ("AB12CD", TRAWL_PLATE_MATCH_FUZZY);
  /* the read says X where the plate has B, and saw B as its second guess */
  const char *alts =
    "[{\"c\":\"A\",\"p\":0.99,\"alt\":[[\"A\",0.99]]},"
    "{\"c\":\"X\",\"p\":0.55,\"alt\":[[\"X\",0.55],[\"B\",0.40]]},"
    "{\"c\":\"-\",\"p\":0.90,\"alt\":[[\"-\",0.90]]},"
    "{\"c\":\"1\",\"p\":0.98,\"alt\":[]},{\"c\":\"2\",\"p\":0.97,\"alt\":[]},"
    "{\"c\":\"c\",\"p\":0.97,\"alt\":[[\"c\",0.97]]},{\"c\":\"D\",\"p\":0.97,\"alt\":[]}]";
  double plain = trawl_plate_pattern_cost (p, "AX12CD", NULL);
  double with = trawl_plate_pattern_cost (p, "AX12CD", alts);
  g_assert_cmpfloat_with_epsilon (plain, 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (with, 1.0 - 0.40, 1e-4);
  g_assert_cmpfloat (trawl_plate_pattern_score (p, "AX12CD", alts), >,
                     trawl_plate_pattern_score (p, "AX12CD", NULL));
  /* any JSON layout reads the same (trawl's own is scanned by hand, the
   * rest goes through json-glib): spaces, key order, escapes, exponents */
  const char *other =
    "[ {\"alt\": [[\"A\", 0.99]], \"c\": \"\\u0041\", \"p\": 0.99},\n"
    "  {\"c\":\"X\",\"p\":0.55,\"alt\":[[\"X\",5.5e-1],[\"B\",4.0E-1]]},"
    "{\"c\":\"-\",\"p\":0.90,\"alt\":[]},"
    "{\"c\":\"1\",\"p\":0.98,\"alt\":[]},{\"c\":\"2\",\"p\":0.97,\"alt\":[]},"
    "{\"c\":\"\\\"\",\"p\":0.1,\"alt\":[]},"
    "{\"c\":\"C\",\"p\":0.97,\"alt\":[]},{\"c\":\"D\",\"p\":0.97,\"alt\":[]}]";
  g_assert_cmpfloat_with_epsilon (trawl_plate_pattern_cost (p, "AX12CD", other), 1.0 - 0.40, 1e-4);
  const char *escaped =  /* trawl's own layout with escapes, as chars_to_json writes them */
    "[{\"c\":\"\\u0041\",\"p\":0.9900,\"alt\":[]},"
    "{\"c\":\"X\",\"p\":0.5500,\"alt\":[[\"X\",0.5500],[\"B\",0.4000]]},"
    "{\"c\":\"\\\"\",\"p\":0.1000,\"alt\":[[\"\\\\\",0.0100]]},"
    "{\"c\":\"1\",\"p\":0.9800,\"alt\":[]},{\"c\":\"2\",\"p\":0.9700,\"alt\":[]},"
    "{\"c\":\"C\",\"p\":0.9700,\"alt\":[]},{\"c\":\"D\",\"p\":0.9700,\"alt\":[]}]";
  g_assert_cmpfloat_with_epsilon (trawl_plate_pattern_cost (p, "AX12CD", escaped), 1.0 - 0.40, 1e-4);
  /* alternatives never make an exact fit dearer */
  g_assert_cmpfloat (trawl_plate_pattern_cost (p, "AB12CD", alts), ==, 0.0);
  /* ones that do not line up with the text are ignored */
  g_assert_cmpfloat (trawl_plate_pattern_cost (p, "AX12C", alts), ==,
                     trawl_plate_pattern_cost (p, "AX12C", NULL));
  /* a read normalised to Latin only: its Han entry is not a text character */
  const char *han =
    "[{\"c\":\"京\",\"p\":0.30,\"alt\":[]},{\"c\":\"A\",\"p\":0.99,\"alt\":[]},"
    "{\"c\":\"X\",\"p\":0.55,\"alt\":[[\"B\",0.45]]},{\"c\":\"1\",\"p\":0.9,\"alt\":[]},"
    "{\"c\":\"2\",\"p\":0.9,\"alt\":[]},{\"c\":\"C\",\"p\":0.9,\"alt\":[]},"
    "{\"c\":\"D\",\"p\":0.9,\"alt\":[]}]";
  g_assert_cmpfloat_with_epsilon (trawl_plate_pattern_cost (p, "AX12CD", han), 0.55, 1e-4);
  /* junk JSON: as if none were given */
  const char *junk[] = { "", "{", "[1,2,3]", "{\"c\":1}", "[{\"c\":\"A\",\"alt\":[[1,2],[\"B\"]]}]",
                         "[{\"c\":\"A\",\"alt\":[[\"B\",7]]}]",
                         "[{\"c\":\"A\",\"p\":0.9,\"alt\":[[\"B\",0.1]]},", "[{\"c\":\"A\",\"p\":.,\"alt\":[]}]",
                         "[{\"c\":\"\\u12\",\"p\":0.5,\"alt\":[]}]" };
  for (guint i = 0; i < G_N_ELEMENTS (junk); i++)
    g_assert_cmpfloat (trawl_plate_pattern_cost (p, "AX12CD", junk[i]), ==, plain);
  /* exact patterns ignore alternatives */
  g_autoptr (TrawlPlatePattern) e = pattern ("AB12CD", TRAWL_PLATE_MATCH_EXACT);
  g_assert_true (isinf (trawl_plate_pattern_cost (e, "AX12CD", alts)));
}

/* Random bytes, valid or not, as patterns, texts and alternatives: errors
 * or numbers, never a crash; normalisation is idempotent and keeps only
 * plate characters. */
static void
test_fuzz (void)
{
  g_autoptr (GRand) r = g_rand_new_with_seed (23);
  int compiled = 0;
  for (int it = 0; it < 20000; it++)
    {
      char buf[3][40];
      for (int k = 0; k < 3; k++)
        {
          int n = g_rand_int_range (r, 0, 39);
          for (int i = 0; i < n; i++)
            {
              /* bias towards ASCII plate characters, wildcards and UTF-8 lead bytes */
              static const char pool[] = "AB8?*-. \xe4\xba\xac\xc3\xa9\xff{}[]\",:0123";
              buf[k][i] = g_rand_boolean (r) ? (char) g_rand_int_range (r, 1, 256)
                                             : pool[g_rand_int_range (r, 0, sizeof pool - 1)];
            }
          buf[k][n] = '\0';
        }
      g_autofree char *norm = trawl_plate_normalize (buf[0]);
      g_autofree char *again = trawl_plate_normalize (norm);
      g_assert_cmpstr (norm, ==, again);
      for (const char *p = norm; *p; p = g_utf8_next_char (p))
        g_assert_true (trawl_plate_char_kept (g_utf8_get_char (p)));
      g_autoptr (GError) error = NULL;
      g_autoptr (TrawlPlatePattern) pat =
        trawl_plate_pattern_new (buf[1], g_rand_boolean (r) ? TRAWL_PLATE_MATCH_EXACT : 0, &error);
      g_assert_true ((pat == NULL) == (error != NULL));
      if (pat == NULL)
        continue;
      compiled++;
      double c = trawl_plate_pattern_cost (pat, buf[2], g_rand_boolean (r) ? buf[0] : NULL);
      g_assert_true (c >= 0);
      c = trawl_plate_pattern_cost (pat, norm, NULL);
      g_assert_true (c >= 0);
      double d = trawl_plate_edit_distance (buf[1], buf[2]);
      g_assert_true (d >= 0 && d == trawl_plate_edit_distance (buf[2], buf[1]));
    }
  g_test_message ("%d random patterns compiled", compiled);
  g_assert_cmpint (compiled, >, 100);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plate/match/normalized", test_normalized);
  g_test_add_func ("/plate/match/exact", test_exact);
  g_test_add_func ("/plate/match/fuzzy", test_fuzzy);
  g_test_add_func ("/plate/match/fuzzy-reference", test_fuzzy_reference);
  g_test_add_func ("/plate/match/errors", test_errors);
  g_test_add_func ("/plate/match/distance", test_distance);
  g_test_add_func ("/plate/match/alternatives", test_alternatives);
  g_test_add_func ("/plate/match/fuzz", test_fuzz);
  return g_test_run ();
}
