/* plate-chars.c - the reader's characters as boxes on the image: trimming
 * ornament (logos, stacked small letters, pictures) off the ends of a read
 * by where its characters lie against the plate's main text line. Apart
 * from plate-pipeline.c so it needs no models and tests link it alone.
 */
#include "trawl/detect.h"
#include "trawl/plate.h"

/* Stacked characters (trawl_plate_chars_trim_stacked): a character's
 * column is STACK_COLUMN of the read's pitch wide, so that a glyph's side
 * strokes fall in it though CTC places its centre only to about a step
 * (chosen on crops_us and the plates/images box reads: at 0.8 the open
 * middles of C, S, 3, 5 and 2 read as gaps and seven plates lost a
 * character; at 1.2 none did); the upper and lower letters each put ink
 * in at least STACK_MIN_INK of one of its rows. */
#define STACK_COLUMN  1.2f
#define STACK_MIN_INK 0.3f

#include <math.h>
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

/* Luma of img at (x, y). */
static int
luma (const TrawlImage *img, int x, int y)
{
  const guint8 *p = img->data + (gsize) y * img->stride + 3 * x;
  return (299 * p[0] + 587 * p[1] + 114 * p[2] + 500) / 1000;
}

/* Otsu's threshold of the luma of img's rectangle [x0, x1) x [y0, y1). */
static int
otsu (const TrawlImage *img, int x0, int x1, int y0, int y1)
{
  double hist[256] = { 0 }, n = 0, sum = 0;
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      {
        hist[luma (img, x, y)]++;
        n++;
      }
  for (int i = 0; i < 256; i++)
    sum += i * hist[i];
  double wb = 0, sb = 0, best = -1;
  int t = 128;
  for (int i = 0; i < 256; i++)
    {
      wb += hist[i];
      sb += i * hist[i];
      if (wb == 0 || wb == n)
        continue;
      double mb = sb / wb, mf = (sum - sb) / (n - wb), v = wb * (n - wb) * (mb - mf) * (mb - mf);
      if (v > best)
        {
          best = v;
          t = i;
        }
    }
  return t;
}

/* Is the column [cx0, cx1) of the line rows [y0, y1) two characters one
 * above the other: ink in its upper and lower thirds, a row without ink
 * between (a full-height glyph is one connected stroke top to bottom, so
 * every row across it meets ink)? dark: ink is darker than t. */
static gboolean
stacked_column (const TrawlImage *img, int cx0, int cx1, int y0, int y1, int t, gboolean dark)
{
  int h = y1 - y0, w = cx1 - cx0;
  if (h < 9 || w < 2)
    return FALSE;
  gboolean gap = FALSE;
  float upper = 0, lower = 0;
  for (int y = y0; y < y1; y++)
    {
      int ink = 0;
      for (int x = cx0; x < cx1; x++)
        ink += (luma (img, x, y) <= t) == dark;
      float f = (float) ink / (float) w;
      float r = (float) (y - y0) / (float) h;
      if (r < 0.35f)
        upper = MAX (upper, f);
      else if (r > 0.65f)
        lower = MAX (lower, f);
      if (r >= 0.35f && r <= 0.65f && ink == 0)
        gap = TRUE;
    }
  return gap && upper >= STACK_MIN_INK && lower >= STACK_MIN_INK;
}

/* trawl_plate_chars_trim_stacked: see detect.h. */
int
trawl_plate_chars_trim_stacked (GArray *chars, const TrawlImage *img, float y0, float y1,
                                int min_keep)
{
  g_return_val_if_fail (chars != NULL && img != NULL, 0);
  int n = (int) chars->len, m = 0;
  const TrawlPlateChar *c = (const TrawlPlateChar *) (void *) chars->data;
  g_autofree int *k = g_new (int, MAX (n, 1));
  for (int i = 0; i < n; i++)
    if (trawl_plate_char_kept (c[i].c))
      k[m++] = i;
  int ly0 = CLAMP ((int) floorf (y0), 0, img->height), ly1 = CLAMP ((int) ceilf (y1), 0, img->height);
  if (m <= min_keep || m < 3 || ly1 - ly0 < 9)
    return 0;
  /* The column of a character: most of the pitch around its centre, so
   * that it takes in a glyph's side strokes (an O's hole is no gap). */
  float pitch = (c[k[m - 1]].x - c[k[0]].x) / (float) (m - 1);
  int lx0 = CLAMP ((int) (c[k[0]].x - pitch), 0, img->width);
  int lx1 = CLAMP ((int) (c[k[m - 1]].x + pitch), 0, img->width);
  if (pitch <= 2 || lx1 - lx0 < 4)
    return 0;
  int t = otsu (img, lx0, lx1, ly0, ly1);
  /* ink is the lesser part of the line (text is thinner than its ground) */
  int below = 0, total = 0;
  for (int y = ly0; y < ly1; y++)
    for (int x = lx0; x < lx1; x++, total++)
      below += luma (img, x, y) <= t;
  gboolean dark = 2 * below < total;
  int hw = MAX (1, (int) (STACK_COLUMN * pitch / 2));
  int a = 0, b = m - 1;
#define STACKED(j) stacked_column (img, CLAMP ((int) c[k[j]].x - hw, 0, img->width), \
                                   CLAMP ((int) c[k[j]].x + hw, 0, img->width), ly0, ly1, t, dark)
  if (b - a + 1 > min_keep && STACKED (a))
    a++;
  if (b - a + 1 > min_keep && STACKED (b))
    b--;
#undef STACKED
  int removed = 0;
  if (b < m - 1)
    {
      removed += n - 1 - k[b];
      g_array_remove_range (chars, k[b] + 1, n - 1 - k[b]);
    }
  if (a > 0)
    {
      removed += k[a];
      g_array_remove_range (chars, 0, k[a]);
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
