/* geometry.c - boxes and tiles for the detectors: IoU, the tile plan that
 * lets SSD see small faces in large frames, and the NMS that merges the
 * tiles' detections. Alignment maths lives in face-align.c.
 */
#include "trawl/detect.h"

#include <math.h>

static float
box_intersection (const TrawlBox *a, const TrawlBox *b)
{
  float x0 = MAX (a->x, b->x), y0 = MAX (a->y, b->y);
  float x1 = MIN (a->x + a->w, b->x + b->w), y1 = MIN (a->y + a->h, b->y + b->h);
  if (x1 <= x0 || y1 <= y0)
    return 0.0f;
  return (x1 - x0) * (y1 - y0);
}

float
trawl_box_iou (const TrawlBox *a, const TrawlBox *b)
{
  float inter = box_intersection (a, b);
  float uni = a->w * a->h + b->w * b->h - inter;
  return uni > 0.0f ? inter / uni : 0.0f;
}

float
trawl_box_overlap_min (const TrawlBox *a, const TrawlBox *b)
{
  float inter = box_intersection (a, b);
  float small = MIN (a->w * a->h, b->w * b->h);
  return small > 0.0f ? inter / small : 0.0f;
}

/* Start offsets of tiles along one axis: evenly spread so the first starts
 * at 0, the last ends at len, and neighbours overlap by >= overlap. */
static int
axis_starts (int len, int tile, int overlap, int *starts, int max)
{
  if (len <= tile)
    {
      starts[0] = 0;
      return 1;
    }
  int step = tile - overlap;
  int n = 1 + (len - tile + step - 1) / step;
  if (n > max)
    n = max;
  for (int i = 0; i < n; i++)
    starts[i] = (int) ((gint64) i * (len - tile) / (n - 1));
  return n;
}

GArray *
trawl_tiles_plan (int width, int height, int tile, int overlap)
{
  if (width < 1 || height < 1 || tile < 1 || overlap < 0 || overlap >= tile)
    return NULL;
  int xs[256], ys[256];
  int nx = axis_starts (width, tile, overlap, xs, G_N_ELEMENTS (xs));
  int ny = axis_starts (height, tile, overlap, ys, G_N_ELEMENTS (ys));
  GArray *tiles = g_array_sized_new (FALSE, FALSE, sizeof (TrawlBox), nx * ny);
  for (int j = 0; j < ny; j++)
    for (int i = 0; i < nx; i++)
      {
        TrawlBox b = { xs[i], ys[j], MIN (tile, width - xs[i]), MIN (tile, height - ys[j]) };
        g_array_append_val (tiles, b);
      }
  return tiles;
}

static int
cmp_score_desc (gconstpointer a, gconstpointer b)
{
  float sa = ((const TrawlScoredBox *) a)->score, sb = ((const TrawlScoredBox *) b)->score;
  return (sa < sb) - (sa > sb);
}

void
trawl_boxes_merge (GArray *boxes, float iou, float contain)
{
  if (boxes == NULL || boxes->len < 2)
    return;
  g_array_sort (boxes, cmp_score_desc);
  TrawlScoredBox *v = (TrawlScoredBox *) boxes->data;
  guint kept = 0;
  for (guint i = 0; i < boxes->len; i++)
    {
      gboolean drop = FALSE;
      for (guint k = 0; k < kept && !drop; k++)
        drop = trawl_box_iou (&v[i].box, &v[k].box) > iou ||
               (contain > 0.0f && trawl_box_overlap_min (&v[i].box, &v[k].box) > contain);
      if (!drop)
        v[kept++] = v[i];
    }
  g_array_set_size (boxes, kept);
}
