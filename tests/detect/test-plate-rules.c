/* test-plate-rules.c - which of a box's reads wins (plate-rules.c:
 * _trawl_plate_choose_read): a read that fits a national shape over a
 * surer one that fits none, by a bonus that shrinks with what the shape
 * rules paid to reach it; and which boxes are looked at again. Reads are
 * built here from characters and their alternatives and finished as the
 * reader finishes them, so every expectation follows from their
 * construction. No models, no data.
 */
#include "detect/detect-private.h"
#include "trawl/plate.h"

#include <string.h>

/* A read of text, every character at probability p except at position
 * at, read at pa with alternative alt at qa (alt 0: none). */
static TrawlPlate *
make_read (const char *text, float p, int at, float pa, gunichar alt, float qa)
{
  TrawlPlate *r = g_new0 (TrawlPlate, 1);
  r->raw = g_strdup (text);
  r->chars = g_array_new (FALSE, TRUE, sizeof (TrawlPlateChar));
  for (int i = 0; text[i]; i++)
    {
      TrawlPlateChar pc = { 0 };
      pc.c = (gunichar) text[i];
      pc.prob = i == at ? pa : p;
      pc.alt[0] = pc.c;
      pc.alt_prob[0] = pc.prob;
      if (i == at && alt != 0)
        {
          pc.alt[1] = alt;
          pc.alt_prob[1] = qa;
        }
      pc.x = 10.0f * (float) i + 5.0f;
      g_array_append_val (r->chars, pc);
    }
  _trawl_plate_finish_text (r, 1);
  return r;
}

/* The text of the read _trawl_plate_choose_read keeps of a and b. */
static const char *
chosen (TrawlPlate *a, TrawlPlate *b)
{
  TrawlPlate *reads[3] = { a, NULL, b };
  int k = _trawl_plate_choose_read (reads, 3);
  g_assert_cmpint (k, >=, 0);
  return reads[k]->text;
}

static void
test_choose (void)
{
  /* An Italian read that fits as read, against a surer read of the same
   * plate fitting no shape (a 1 for the I): the shape wins */
  g_autoptr (TrawlPlate) fits = make_read ("BA268IM", 0.90f, -1, 0, 0, 0);
  g_autoptr (TrawlPlate) none = make_read ("BA2681M", 0.95f, -1, 0, 0, 0);
  g_assert_null (trawl_plate_shape_country (none->text));
  g_assert_cmpstr (chosen (fits, none), ==, "BA268IM");
  g_assert_cmpstr (chosen (none, fits), ==, "BA268IM");
  /* ... unless the other is surer by more than the bonus */
  g_autoptr (TrawlPlate) sure = make_read ("BA2681M", 0.999f, -1, 0, 0, 0);
  g_autoptr (TrawlPlate) unsure = make_read ("BA268IM", 0.85f, -1, 0, 0, 0);
  g_assert_cmpstr (chosen (unsure, sure), ==, "BA2681M");
  /* Two reads fitting no shape: the surer */
  g_autoptr (TrawlPlate) v1 = make_read ("KCS1M", 0.90f, -1, 0, 0, 0);
  g_autoptr (TrawlPlate) v2 = make_read ("KCSIM", 0.93f, -1, 0, 0, 0);
  g_assert_cmpstr (chosen (v1, v2), ==, "KCSIM");
  /* A shape reached through an alternative offered at half the read
   * (cost ln 2, half the bonus: 0.05) still beats a read 0.04 surer on
   * average ... */
  g_autoptr (TrawlPlate) half = make_read ("BA2681M", 0.99f, 5, 0.647f, 'I', 0.32f);
  g_assert_cmpstr (half->text, ==, "BA268IM");
  g_autoptr (TrawlPlate) surer = make_read ("BA2681M", 0.98f, -1, 0, 0, 0);
  g_assert_cmpstr (chosen (surer, half), ==, "BA268IM");
  /* ... one reached through an alternative offered at 0.3 of the read
   * (cost 1.2 of at most 1.4) does not beat a read 0.03 surer: a US plate
   * 08E6CK is not pulled into a Dutch side code by a G for its 6 */
  g_autoptr (TrawlPlate) far = make_read ("08E6CK", 0.95f, 3, 0.75f, 'G', 0.225f);
  g_assert_cmpstr (far->text, ==, "08EGCK");
  g_autoptr (TrawlPlate) plain = make_read ("08E6CK", 0.95f, -1, 0, 0, 0);
  g_assert_cmpstr (chosen (far, plain), ==, "08E6CK");
}

static void
test_zoom (void)
{
  /* every box whose read looks like a plate is looked at again */
  g_autoptr (TrawlPlate) plate = make_read ("AB123CD", 0.9f, -1, 0, 0, 0);
  g_autoptr (TrawlPlate) word = make_read ("TOYOTA", 0.9f, -1, 0, 0, 0);
  g_assert_true (_trawl_plate_wants_zoom (plate, word));
  g_assert_true (_trawl_plate_wants_zoom (word, plate));
  g_assert_false (_trawl_plate_wants_zoom (word, word));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/detect/plate-rules/choose", test_choose);
  g_test_add_func ("/detect/plate-rules/zoom", test_zoom);
  return g_test_run ();
}
