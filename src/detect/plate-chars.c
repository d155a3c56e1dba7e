/* plate-chars.c - the reader's characters as boxes on the image: trimming
 * ornament (logos, stacked small letters, pictures) off the ends of a read
 * by where its characters lie against the plate's main text line. Apart
 * from plate-pipeline.c so it needs no models and tests link it alone.
 */
#include "trawl/detect.h"
#include "trawl/plate.h"

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
  for (;;) {
    while (a <= b && !trawl_plate_char_kept (c[a].c))
      a++;
    if (a > b || kept <= 2 || c[a].x >= x0 - margin || c[a].prob >= max_prob)
      break;
    a++;
    kept--;
  }
  for (;;) {
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
  if (trail > 0) {
    g_array_remove_range (chars, b + 1, n - b - 1);
    removed += n - b - 1;
  }
  if (lead > 0) {
    g_array_remove_range (chars, 0, a);
    removed += a;
  }
  return removed;
}
