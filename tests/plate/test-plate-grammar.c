/* test-plate-grammar.c - national shapes: which texts fit; confusable
 * characters placed by position only with the read's own support and
 * never forced on a read that fits; the per-character vote over a
 * track's reads (weights, alternatives, reads one character long or
 * short); what is taken for a badge rather than a plate. Reads are built
 * here, so every expected text follows from their construction. */
#include "trawl/plate.h"

#include <math.h>
#include <string.h>

/* Slots of text at probability p, each with alternative alt[i] (or none
 * where alt is NULL or holds '.') at probability q. */
static void
slots_of (const char *text, float p, const char *alt, float q, TrawlPlateSlot *s)
{
  for (int i = 0; text[i]; i++)
    {
      memset (&s[i], 0, sizeof s[i]);
      s[i].c[0] = (gunichar) text[i];
      s[i].p[0] = p;
      if (alt != NULL && alt[i] != '.')
        {
          s[i].c[1] = (gunichar) alt[i];
          s[i].p[1] = q;
        }
    }
}

static void
test_shapes (void)
{
  g_assert_cmpstr (trawl_plate_shape_country ("32LBD6"), ==, "nl");   /* side code 7 */
  g_assert_cmpstr (trawl_plate_shape_country ("RPNL93"), ==, "nl");   /* 5 */
  g_assert_cmpstr (trawl_plate_shape_country ("1CMV331"), ==, "be");
  g_assert_cmpstr (trawl_plate_shape_country ("CM852DJ"), ==, "fr");  /* and it */
  g_assert_cmpstr (trawl_plate_shape_country ("1234BCD"), ==, "es");
  g_assert_cmpstr (trawl_plate_shape_country ("AB12CDE"), ==, "uk");
  g_assert_nonnull (trawl_plate_shape_country ("7ABC123"));   /* us (California), be alike */
  g_assert_null (trawl_plate_shape_country ("32L8D6"));   /* no side code has a digit there */
  g_assert_null (trawl_plate_shape_country ("FUSION"));
  g_assert_null (trawl_plate_shape_country (""));
  g_assert_null (trawl_plate_shape_country (NULL));
  g_assert_null (trawl_plate_shape_country ("粤B12345"));
  g_assert_cmpstr (trawl_plate_shape_country ("2T40211"), ==, "cz");
  g_assert_cmpstr (trawl_plate_shape_country ("5AB1234"), ==, "cz");
}

static void
test_resolve (void)
{
  TrawlPlateSlot s[8];
  double cost = -1;
  /* 8 where a letter must be, B offered at 0.3: back to the Dutch shape */
  slots_of ("32L8D6", 0.6f, "...B..", 0.3f, s);
  g_autofree char *a = trawl_plate_resolve_by_shape (s, 6, &cost);
  g_assert_cmpstr (a, ==, "32LBD6");
  g_assert_cmpfloat_with_epsilon (cost, 0.693, 0.01);   /* ln (0.6 / 0.3) */
  /* a read that fits a shape is left as it is, alternatives or not */
  slots_of ("32LBD6", 0.6f, "...8..", 0.39f, s);
  g_autofree char *b = trawl_plate_resolve_by_shape (s, 6, &cost);
  g_assert_cmpstr (b, ==, "32LBD6");
  g_assert_cmpfloat (cost, ==, 0.0);
  /* Italian BA 268 IM with I read as 1: without the reader offering an I,
   * the UK suffix shape (BAZ 681M, 2 -> Z) is as near, so nothing moves;
   * with I offered, the Italian shape wins (the slots' probabilities sum
   * to about 1, as a reader's do, so no character can be dropped) */
  slots_of ("BA2681M", 0.98f, NULL, 0, s);
  g_assert_null (trawl_plate_resolve_by_shape (s, 7, NULL));
  slots_of ("BA2681M", 0.98f, ".....I.", 0.28f, s);
  s[5].p[0] = 0.7f;
  g_autofree char *c = trawl_plate_resolve_by_shape (s, 7, NULL);
  g_assert_cmpstr (c, ==, "BA268IM");
  /* no shape within reach: a sure character in the wrong class, no alternative */
  slots_of ("3XLBD6", 0.99f, NULL, 0, s);
  g_assert_null (trawl_plate_resolve_by_shape (s, 6, NULL));
  /* two shapes equally near give different texts: left alone */
  slots_of ("8B8B8B", 0.9f, NULL, 0, s);
  g_assert_null (trawl_plate_resolve_by_shape (s, 6, NULL));
  /* not ASCII: the Chinese rules are elsewhere */
  memset (s, 0, sizeof s);
  s[0].c[0] = g_utf8_get_char ("粤");
  s[0].p[0] = 1;
  g_assert_null (trawl_plate_resolve_by_shape (s, 1, NULL));
}

/* A read one character too long for every shape. */
static void
test_length (void)
{
  TrawlPlateSlot s[9];
  double cost = -1;
  int dropped = -2;
  /* Czech 2T4 0211 with the sticker between read as an 8 the reader gave
   * 0.6, the rest of its slot to no character: the 8 goes */
  slots_of ("2T480211", 0.99f, NULL, 0, s);
  s[3].p[0] = 0.6f;
  g_autofree char *a = trawl_plate_resolve_by_shape_full (s, 8, &cost, &dropped);
  g_assert_cmpstr (a, ==, "2T40211");
  g_assert_cmpint (dropped, ==, 3);
  g_assert_cmpfloat_with_epsilon (cost, log (0.6 / 0.4), 1e-5);
  /* ... but not when the reader was sure of it (rest below 1/4 of it) */
  s[3].p[0] = 0.85f;
  g_assert_null (trawl_plate_resolve_by_shape_full (s, 8, NULL, &dropped));
  g_assert_cmpint (dropped, ==, -1);
  /* ... nor when its alternatives leave nothing to "no character" */
  s[3].p[0] = 0.6f;
  s[3].c[1] = 'B';
  s[3].p[1] = 0.39f;
  g_assert_null (trawl_plate_resolve_by_shape (s, 8, NULL));
  /* an unsure character at the edge (a state letter beside the number):
   * Italian AB 123 CD with an H before it */
  slots_of ("HAB123CD", 0.99f, NULL, 0, s);
  s[0].p[0] = 0.5f;
  g_autofree char *b = trawl_plate_resolve_by_shape_full (s, 8, &cost, &dropped);
  g_assert_cmpstr (b, ==, "AB123CD");
  g_assert_cmpint (dropped, ==, 0);
  /* a drop and a change together, within the one budget */
  slots_of ("HAB123C0", 0.99f, ".......D", 0.5f, s);
  s[0].p[0] = 0.6f;
  s[7].p[0] = 0.495f;
  g_autofree char *c = trawl_plate_resolve_by_shape_full (s, 8, &cost, &dropped);
  g_assert_cmpstr (c, ==, "AB123CD");
  g_assert_cmpfloat_with_epsilon (cost, log (0.6 / 0.4), 1e-5);   /* the D for free */
  /* two unsure characters each of whose drop leaves a shape with another
   * text: too close to call, nothing moves */
  slots_of ("AB1234CD", 0.99f, NULL, 0, s);
  s[2].p[0] = s[5].p[0] = 0.5f;   /* drop 1: AB234CD, drop 4: AB123CD */
  g_assert_null (trawl_plate_resolve_by_shape (s, 8, NULL));
  /* a read that fits a shape keeps every character, however unsure */
  slots_of ("AB123CD", 0.3f, NULL, 0, s);
  g_autofree char *d = trawl_plate_resolve_by_shape_full (s, 7, &cost, &dropped);
  g_assert_cmpstr (d, ==, "AB123CD");
  g_assert_cmpint (dropped, ==, -1);
  g_assert_cmpfloat (cost, ==, 0.0);
  /* one too short is not padded: no character is made up */
  slots_of ("AB12C", 0.95f, NULL, 0, s);
  g_assert_null (trawl_plate_resolve_by_shape (s, 5, NULL));
}

static void
test_vote (void)
{
  TrawlPlateSlot r1[8], r2[8], r3[8], r4[8], out[16];
  /* The same plate read a little wrong in each frame: every character is
   * right in most frames, and no frame is right everywhere. */
  slots_of ("32L8D6", 0.8f, "...B..", 0.2f, r1);
  slots_of ("3ZLBD6", 0.8f, ".2....", 0.2f, r2);
  slots_of ("32LBO6", 0.8f, "....D.", 0.2f, r3);
  slots_of ("32LBD6X", 0.5f, NULL, 0, r4);   /* one too many, at the end */
  TrawlPlateRead reads[] = { { r1, 6, 0.9 }, { r2, 6, 0.9 }, { r3, 6, 0.9 }, { r4, 7, 0.5 } };
  int n = trawl_plate_vote (reads, 4, out, 16);
  g_assert_cmpint (n, ==, 6);
  GString *top = g_string_new (NULL);
  for (int i = 0; i < n; i++)
    g_string_append_c (top, (char) out[i].c[0]);
  g_assert_cmpstr (top->str, ==, "32LBD6");
  g_string_free (top, TRUE);
  /* the share of position 3: B read twice (0.8 x 0.9 each), offered once
   * (0.2 x 0.9), and in the long read (0.5 x 0.5), of a weight of 3.2 */
  g_assert_cmpint (out[3].c[0], ==, 'B');
  g_assert_cmpfloat_with_epsilon (out[3].p[0], (1.44 + 0.18 + 0.25) / 3.2, 1e-5);
  g_assert_cmpint (out[3].c[1], ==, '8');
  /* a heavier read outvotes lighter ones */
  TrawlPlateRead heavy[] = { { r1, 6, 3.0 }, { r2, 6, 0.5 }, { r3, 6, 0.5 } };
  n = trawl_plate_vote (heavy, 3, out, 16);
  g_assert_cmpint (out[3].c[0], ==, '8');
  /* nothing to vote on */
  g_assert_cmpint (trawl_plate_vote (NULL, 0, out, 16), ==, 0);
  g_assert_cmpint (trawl_plate_vote (reads, 4, out, 4), ==, 0);
}

static void
test_likely (void)
{
  g_assert_true (trawl_plate_likely ("32LBD6", 0.5));    /* a shape */
  g_assert_true (trawl_plate_likely ("K9X4Z", 0.5));     /* letters and digits */
  g_assert_false (trawl_plate_likely ("CIC1", 0.6));     /* ... but short */
  g_assert_true (trawl_plate_likely ("CIC1", 0.9));
  g_assert_true (trawl_plate_likely ("粤B12345", 0.5));
  g_assert_false (trawl_plate_likely ("FUSION", 0.70));  /* a badge, read unsure */
  g_assert_false (trawl_plate_likely ("MECANE", 0.83));
  g_assert_true (trawl_plate_likely ("ONEOFME", 0.95));  /* a vanity plate, read sure */
  g_assert_false (trawl_plate_likely ("TOYOTA", 0.99));  /* not plausible at all */
  g_assert_false (trawl_plate_likely ("", 1.0));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plate/grammar/shapes", test_shapes);
  g_test_add_func ("/plate/grammar/resolve", test_resolve);
  g_test_add_func ("/plate/grammar/length", test_length);
  g_test_add_func ("/plate/grammar/vote", test_vote);
  g_test_add_func ("/plate/grammar/likely", test_likely);
  return g_test_run ();
}
