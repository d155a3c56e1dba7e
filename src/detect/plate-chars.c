/* plate-chars.c - the reader's characters as boxes on the image: trimming
 * ornament (logos, stacked small letters, pictures) off the ends of a read
 * by where its characters lie against the plate's main text line. Apart
 * from plate-pipeline.c so it needs no models and tests link it alone.
 */
#include "trawl/detect.h"
#include "trawl/plate.h"

#include <string.h>

/* trawl_plate_chars_trim: see detect.h. */
int
trawl_plate_chars_trim (GArray *chars, float x0, float x1, float margin, float max_prob)
{
  g_return_val_if_fail (chars != NULL, 0);
  int n = (int) chars->len, a = 0, b = n - 1, kept = 0;
  const TrawlPlateChar *c = (const TrawlPlateChar *) (void *) chars->data;
  for (int i = 0; i < n; i++)
    kept += trawl_plate_char_kept (c[i].c) ? 1 : 0;
  /* a and b move inward to the first and last characters kept. */
  for (;;)
    {
      while (a <= b && !trawl_plate_char_kept (c[a].c))
        a++;
      if (a > b || kept <= 2 || c[a].x >= x0 - margin || c[a].prob >= max_prob)
        break;
      a++;
      kept--;
    }
  for (;;)
    {
      while (b >= a && !trawl_plate_char_kept (c[b].c))
        b--;
      if (b < a || kept <= 2 || c[b].x <= x1 + margin || c[b].prob >= max_prob)
        break;
      b--;
      kept--;
    }
  /* Only cut when something significant went: a read with no ends to trim
   * keeps its separators and symbols as they came. */
  int lead = 0, trail = 0;
  for (int i = 0; i < a; i++)
    lead += trawl_plate_char_kept (c[i].c) ? 1 : 0;
  for (int i = b + 1; i < n; i++)
    trail += trawl_plate_char_kept (c[i].c) ? 1 : 0;
  int removed = 0;
  if (trail > 0)
    {
      g_array_remove_range (chars, b + 1, n - b - 1);
      removed += n - b - 1;
    }
  if (lead > 0)
    {
      g_array_remove_range (chars, 0, a);
      removed += a;
    }
  return removed;
}

/* trawl_plate_chars_to_slots: see detect.h. */
int
trawl_plate_chars_to_slots (const GArray *chars, TrawlPlateSlot *slots, int max)
{
  int n = 0;
  for (guint i = 0; chars != NULL && i < chars->len; i++)
    {
      const TrawlPlateChar *pc = &g_array_index (chars, TrawlPlateChar, i);
      gunichar c = trawl_plate_char_normalize (pc->c);
      if (!trawl_plate_char_kept (c))
        continue;
      if (n == max)
        return -1;
      TrawlPlateSlot *s = &slots[n++];
      memset (s, 0, sizeof *s);
      s->c[0] = c;
      s->p[0] = pc->prob;
      int k = 1;
      for (int j = 0; j < 3 && k < TRAWL_PLATE_SLOT_N; j++)
        {
          gunichar a = pc->alt[j] ? trawl_plate_char_normalize (pc->alt[j]) : 0;
          gboolean seen = FALSE;
          for (int m = 0; m < k; m++)
            seen |= s->c[m] == a;
          if (a == 0 || seen || !trawl_plate_char_kept (a))
            continue;
          s->c[k] = a;
          s->p[k++] = pc->alt_prob[j];
        }
    }
  return n;
}

/* trawl_plate_chars_resolve: see detect.h. */
char *
trawl_plate_chars_resolve (const GArray *chars, const char *norm)
{
  TrawlPlateSlot slots[16];
  int n = norm != NULL && g_str_is_ascii (norm)
          ? trawl_plate_chars_to_slots (chars, slots, G_N_ELEMENTS (slots)) : -1;
  gboolean same = n > 0 && n == (int) strlen (norm);
  for (int i = 0; same && i < n; i++)
    same = slots[i].c[0] == (gunichar) norm[i];
  char *r = same ? trawl_plate_resolve_by_shape (slots, n, NULL) : NULL;
  return r != NULL ? r : trawl_plate_fix_by_grammar (norm);
}
