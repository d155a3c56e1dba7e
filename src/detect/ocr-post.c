/* ocr-post.c - PP-OCR pre- and post-processing: det/rec input tensors, DB
 * text boxes from the det probability map, greedy CTC decoding.
 *
 * Follows PaddleOCR's DetResizeForTest/NormalizeImage, DBPostProcess
 * (score_mode "fast") and CTCLabelDecode, written anew in C. Where PaddleOCR
 * uses OpenCV/pyclipper: findContours becomes 8-connected components (the
 * hull of a component is the hull of its outer contour), minAreaRect is a
 * convex hull plus rotating calipers, and pyclipper's round-joined offset of
 * a rectangle is replaced by its exact result, the rectangle grown by the
 * offset distance on every side. Running the nets is left to the caller.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <trawl/base.h>
#include <trawl/ocr.h>

#include "rules/ctc-steps.h"
#include "detect/detect-private.h"

/* The records carry what a TrawlOcrChar's alternatives hold. */
G_STATIC_ASSERT (TRAWL_CTC_TOPK == TRAWL_OCR_TOPK);
/* No padding: records are copied off a device and compared as bytes. */
G_STATIC_ASSERT (sizeof (TrawlCtcStep) == (1 + 2 * TRAWL_CTC_TOPK) * 4);

/* ---- input tensors ---- */

/* Writes img (RGB24) as BGR planes of dst, plane c = (x/255 - mean[c]) / std[c]. */
static void
write_bgr_planes (const TrawlImage *img, float *dst, int plane_w, const float mean[3],
                  const float std[3])
{
  gsize plane = (gsize) img->height * plane_w;

  for (int y = 0; y < img->height; y++)
    {
      const guint8 *row = img->data + (gsize) y * img->stride;
      for (int x = 0; x < img->width; x++)
        {
          for (int c = 0; c < 3; c++)
            {
              float v = row[3 * x + (2 - c)] / 255.0f;  /* c=0 reads B */
              dst[c * plane + (gsize) y * plane_w + x] = (v - mean[c]) / std[c];
            }
        }
    }
}

/* Resized copy of img, or a plain copy when the size already fits. */
static TrawlImage *
resized (const TrawlImage *img, int w, int h)
{
  if (img->width == w && img->height == h)
    return trawl_image_copy (img);
  return trawl_image_resize (img, w, h);
}

/* trawl_ocr_det_input: see ocr.h. The caller g_frees the tensor. */
float *
trawl_ocr_det_input (const TrawlImage *img, int limit_side, int *width, int *height)
{
  static const float mean[3] = { 0.485f, 0.456f, 0.406f };
  static const float std[3] = { 0.229f, 0.224f, 0.225f };
  double ratio = 1.0;

  g_return_val_if_fail (img != NULL && img->width > 0 && img->height > 0, NULL);
  g_return_val_if_fail (limit_side >= 32, NULL);
  int long_side = MAX (img->width, img->height);
  if (long_side > limit_side)
    ratio = (double) limit_side / long_side;
  /* int() then round-half-even to a multiple of 32, as PaddleOCR does. */
  int rh = (int) (img->height * ratio), rw = (int) (img->width * ratio);
  rh = MAX ((int) rint (rh / 32.0) * 32, 32);
  rw = MAX ((int) rint (rw / 32.0) * 32, 32);

  g_autoptr (TrawlImage) r = resized (img, rw, rh);
  float *out = g_new (float, (gsize) 3 * rw * rh);
  write_bgr_planes (r, out, rw, mean, std);
  *width = rw;
  *height = rh;
  return out;
}

/* trawl_ocr_rec_input: see ocr.h. Writes into the caller's buffer. */
int
trawl_ocr_rec_input (const TrawlImage *crop, int height, int max_width, float *dst)
{
  static const float mean[3] = { 0.5f, 0.5f, 0.5f };
  static const float std[3] = { 0.5f, 0.5f, 0.5f };

  g_return_val_if_fail (crop != NULL && crop->width > 0 && crop->height > 0, 0);
  g_return_val_if_fail (height > 0 && max_width > 0 && dst != NULL, 0);
  double w = ceil (height * ((double) crop->width / crop->height));
  int rw = w > max_width ? max_width : MAX ((int) w, 1);

  g_autoptr (TrawlImage) r = resized (crop, rw, height);
  memset (dst, 0, sizeof (float) * 3 * (gsize) height * max_width);
  write_bgr_planes (r, dst, max_width, mean, std);
  return rw;
}

/* ---- geometry ---- */

static double
cross (TrawlOcrPoint o, TrawlOcrPoint a, TrawlOcrPoint b)
{
  return ((double) a.x - o.x) * ((double) b.y - o.y)
         - ((double) a.y - o.y) * ((double) b.x - o.x);
}

static int
cmp_point (const void *pa, const void *pb)
{
  const TrawlOcrPoint *a = pa, *b = pb;

  if (a->x != b->x)
    return a->x < b->x ? -1 : 1;
  return a->y < b->y ? -1 : a->y > b->y;
}

/* Andrew's monotone chain: sorts pts in place and writes the hull to hull
 * (room for n + 1 points), without collinear points. Returns its size. */
static int
convex_hull (TrawlOcrPoint *pts, int n, TrawlOcrPoint *hull)
{
  int k = 0;

  if (n > 1)
    qsort (pts, (size_t) n, sizeof *pts, cmp_point);
  if (n < 3)
    {
      memcpy (hull, pts, sizeof *pts * (size_t) n);
      return (n == 2 && pts[0].x == pts[1].x && pts[0].y == pts[1].y) ? 1 : n;
    }
  for (int i = 0; i < n; i++)
    {
      while (k >= 2 && cross (hull[k - 2], hull[k - 1], pts[i]) <= 0)
        k--;
      hull[k++] = pts[i];
    }
  for (int i = n - 2, lo = k + 1; i >= 0; i--)
    {
      while (k >= lo && cross (hull[k - 2], hull[k - 1], pts[i]) <= 0)
        k--;
      hull[k++] = pts[i];
    }
  return k - 1;  /* the last point repeats the first */
}

/* Orders 4 corners as PaddleOCR's get_mini_boxes: by x, then the left pair
 * and the right pair each by y; result tl, tr, br, bl. */
static void
order_corners (TrawlOcrPoint c[4])
{
  TrawlOcrPoint p[4], out[4];

  memcpy (p, c, sizeof p);
  for (int i = 1; i < 4; i++)  /* stable insertion sort by x */
    for (int j = i; j > 0 && p[j].x < p[j - 1].x; j--)
      {
        TrawlOcrPoint t = p[j];
        p[j] = p[j - 1];
        p[j - 1] = t;
      }
  gboolean l = p[1].y > p[0].y, r = p[3].y > p[2].y;
  out[0] = l ? p[0] : p[1];
  out[3] = l ? p[1] : p[0];
  out[1] = r ? p[2] : p[3];
  out[2] = r ? p[3] : p[2];
  memcpy (c, out, sizeof out);
}

/* Rotating calipers over a convex hull: for each edge direction, the
 * bounding rectangle aligned with it; the smallest wins. */
static float
min_rect_of_hull (const TrawlOcrPoint *h, int n, TrawlOcrPoint corners[4])
{
  double best = INFINITY, bw = 0, bh = 0;
  double bu[2] = { 1, 0 }, bmin_u = 0, bmin_v = 0;

  if (n == 1)
    {
      for (int i = 0; i < 4; i++)
        corners[i] = h[0];
      return 0;
    }
  for (int i = 0; i < n; i++)
    {
      TrawlOcrPoint a = h[i], b = h[(i + 1) % n];
      double dx = (double) b.x - a.x, dy = (double) b.y - a.y;
      double len = hypot (dx, dy);
      if (len == 0)
        continue;
      double ux = dx / len, uy = dy / len;
      double min_u = INFINITY, max_u = -INFINITY, min_v = INFINITY, max_v = -INFINITY;
      for (int j = 0; j < n; j++)
        {
          double pu = h[j].x * ux + h[j].y * uy;
          double pv = -h[j].x * uy + h[j].y * ux;
          min_u = MIN (min_u, pu);
          max_u = MAX (max_u, pu);
          min_v = MIN (min_v, pv);
          max_v = MAX (max_v, pv);
        }
      double area = (max_u - min_u) * (max_v - min_v);
      if (area < best - 1e-9)
        {
          best = area;
          bw = max_u - min_u;
          bh = max_v - min_v;
          bu[0] = ux;
          bu[1] = uy;
          bmin_u = min_u;
          bmin_v = min_v;
        }
    }
  if (best == INFINITY) {  /* every point the same */
    for (int i = 0; i < 4; i++)
      corners[i] = h[0];
    return 0;
  }
  /* point = u * U + v * V with U = (ux, uy), V = (-uy, ux) */
  double uv[4][2] = { { bmin_u, bmin_v }, { bmin_u + bw, bmin_v },
                      { bmin_u + bw, bmin_v + bh }, { bmin_u, bmin_v + bh } };
  for (int i = 0; i < 4; i++)
    {
      corners[i].x = (float) (uv[i][0] * bu[0] - uv[i][1] * bu[1]);
      corners[i].y = (float) (uv[i][0] * bu[1] + uv[i][1] * bu[0]);
    }
  order_corners (corners);
  return (float) MIN (bw, bh);
}

/* trawl_ocr_min_area_rect: see ocr.h. Allocates only scratch space. */
float
trawl_ocr_min_area_rect (const TrawlOcrPoint *pts, int n, TrawlOcrPoint corners[4])
{
  g_return_val_if_fail (pts != NULL && n >= 1, 0);
  TrawlOcrPoint *tmp = g_new (TrawlOcrPoint, n);
  TrawlOcrPoint *hull = g_new (TrawlOcrPoint, n + 1);
  memcpy (tmp, pts, sizeof *pts * (size_t) n);
  int k = convex_hull (tmp, n, hull);
  float side = min_rect_of_hull (hull, k, corners);
  g_free (tmp);
  g_free (hull);
  return side;
}

/* ---- DB post-processing ---- */

/* trawl_ocr_db_params_init: PaddleOCR's DBPostProcess defaults. */
void
trawl_ocr_db_params_init (TrawlOcrDbParams *p)
{
  p->thresh = 0.3f;
  p->box_thresh = 0.6f;
  p->unclip_ratio = 1.5f;
  p->max_candidates = 1000;
  p->min_size = 3;
}

/* Is (x, y) inside or on the convex quad q (either orientation)? */
static gboolean
in_quad (const TrawlOcrPoint q[4], float x, float y)
{
  TrawlOcrPoint p = { x, y };
  int pos = 0, neg = 0;

  for (int i = 0; i < 4; i++)
    {
      double c = cross (q[i], q[(i + 1) % 4], p);
      pos += c > 1e-6;
      neg += c < -1e-6;
    }
  return pos == 0 || neg == 0;
}

/* _trawl_ocr_db_rect_region: see detect-private.h. box_score reads
 * exactly this region, so the GPU path downloads only it. */
void
_trawl_ocr_db_rect_region (const TrawlOcrPoint c[4], int w, int h, int *x0, int *y0, int *x1,
                           int *y1)
{
  float fx0 = INFINITY, fx1 = -INFINITY, fy0 = INFINITY, fy1 = -INFINITY;

  for (int i = 0; i < 4; i++)
    {
      fx0 = MIN (fx0, c[i].x);
      fx1 = MAX (fx1, c[i].x);
      fy0 = MIN (fy0, c[i].y);
      fy1 = MAX (fy1, c[i].y);
    }
  *x0 = CLAMP ((int) floorf (fx0), 0, w - 1);
  *x1 = CLAMP ((int) ceilf (fx1), 0, w - 1);
  *y0 = CLAMP ((int) floorf (fy0), 0, h - 1);
  *y1 = CLAMP ((int) ceilf (fy1), 0, h - 1);
}

/* Mean probability over the pixels the box covers (box_score_fast: the
 * corners truncated to integers relative to the clamped bounding box).
 * Reads prob only inside _trawl_ocr_db_rect_region. */
static float
box_score (const float *prob, int w, int h, const TrawlOcrPoint box[4])
{
  int x0, y0, x1, y1;

  _trawl_ocr_db_rect_region (box, w, h, &x0, &y0, &x1, &y1);
  TrawlOcrPoint q[4];
  for (int i = 0; i < 4; i++)
    {
      q[i].x = (float) (int) (box[i].x - x0);
      q[i].y = (float) (int) (box[i].y - y0);
    }
  double sum = 0;
  long count = 0;
  for (int y = y0; y <= y1; y++)
    for (int x = x0; x <= x1; x++)
      if (in_quad (q, (float) (x - x0), (float) (y - y0)))
        {
          sum += prob[(gsize) y * w + x];
          count++;
        }
  return count ? (float) (sum / count) : 0.0f;
}

/* Grows a rectangle (corners in tl, tr, br, bl order) by d on every side. */
static void
grow_rect (TrawlOcrPoint c[4], double d)
{
  double ux = (double) c[1].x - c[0].x, uy = (double) c[1].y - c[0].y;
  double vx = (double) c[3].x - c[0].x, vy = (double) c[3].y - c[0].y;
  double lu = hypot (ux, uy), lv = hypot (vx, vy);

  if (lu > 0) { ux /= lu; uy /= lu; } else { ux = -vy / lv; uy = vx / lv; }
  if (lv > 0) { vx /= lv; vy /= lv; } else { vx = -uy; vy = ux; }
  /* (su, sv): which way each corner moves along u and v */
  static const int su[4] = { -1, 1, 1, -1 }, sv[4] = { -1, -1, 1, 1 };
  for (int i = 0; i < 4; i++)
    {
      c[i].x += (float) (d * (su[i] * ux + sv[i] * vx));
      c[i].y += (float) (d * (su[i] * uy + sv[i] * vy));
    }
}

/* Collects one 8-connected component starting at (sx, sy), marking it in
 * label; writes each row's leftmost and rightmost pixel to pts (enough for
 * the hull). Returns the number of points written. */
static int
component_extremes (const guint8 *bin, guint8 *seen, int w, int h, int sx, int sy,
                    GArray *stack, GArray *pts, GArray *rows)
{
  int y0 = sy, y1 = sy;

  g_array_set_size (stack, 0);
  g_array_set_size (rows, 0);
  int first = sy * w + sx;
  g_array_append_val (stack, first);
  seen[first] = 1;
  while (stack->len)
    {
      int p = g_array_index (stack, int, stack->len - 1);
      g_array_set_size (stack, stack->len - 1);
      int x = p % w, y = p / w;
      g_array_append_val (rows, p);
      y0 = MIN (y0, y);
      y1 = MAX (y1, y);
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++)
          {
            int nx = x + dx, ny = y + dy;
            if (nx < 0 || ny < 0 || nx >= w || ny >= h)
              continue;
            int q = ny * w + nx;
            if (bin[q] && !seen[q])
              {
                seen[q] = 1;
                g_array_append_val (stack, q);
              }
          }
    }
  int nrows = y1 - y0 + 1;
  int *lo = g_new (int, nrows), *hi = g_new (int, nrows);
  for (int i = 0; i < nrows; i++)
    {
      lo[i] = G_MAXINT;
      hi[i] = -1;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      int p = g_array_index (rows, int, i), x = p % w, r = p / w - y0;
      lo[r] = MIN (lo[r], x);
      hi[r] = MAX (hi[r], x);
    }
  g_array_set_size (pts, 0);
  for (int r = 0; r < nrows; r++)
    {
      if (hi[r] < 0)
        continue;
      TrawlOcrPoint a = { (float) lo[r], (float) (r + y0) }, b = { (float) hi[r], a.y };
      g_array_append_val (pts, a);
      if (hi[r] != lo[r])
        g_array_append_val (pts, b);
    }
  g_free (lo);
  g_free (hi);
  return (int) pts->len;
}

static int
cmp_box (const void *pa, const void *pb)
{
  const TrawlOcrBox *a = pa, *b = pb;

  if (a->pts[0].y != b->pts[0].y)
    return a->pts[0].y < b->pts[0].y ? -1 : 1;
  return a->pts[0].x < b->pts[0].x ? -1 : a->pts[0].x > b->pts[0].x;
}

/* PaddleOCR's sorted_boxes: top to bottom, and boxes on one line (tops
 * within 10 px) left to right. */
static void
sort_boxes (GArray *boxes)
{
  TrawlOcrBox *b = (TrawlOcrBox *) (void *) boxes->data;
  int n = (int) boxes->len;

  if (n < 2)
    return;
  qsort (b, (size_t) n, sizeof *b, cmp_box);
  for (int i = 0; i + 1 < n; i++)
    for (int j = i; j >= 0; j--)
      {
        if (fabsf (b[j + 1].pts[0].y - b[j].pts[0].y) < 10 && b[j + 1].pts[0].x < b[j].pts[0].x)
          {
            TrawlOcrBox t = b[j];
            b[j] = b[j + 1];
            b[j + 1] = t;
          }
        else
          {
            break;
          }
      }
}

/* One component's points as its minimum-area rectangle (corners ordered
 * tl, tr, br, bl); FALSE when PaddleOCR drops it as too small. */
static gboolean
component_rect (GArray *pts, const TrawlOcrDbParams *p, TrawlOcrRect *out)
{
  TrawlOcrPoint *hull = g_new (TrawlOcrPoint, pts->len + 1);
  int k = convex_hull ((TrawlOcrPoint *) (void *) pts->data, (int) pts->len, hull);
  float side = min_rect_of_hull (hull, k, out->c);

  g_free (hull);
  return side >= p->min_size;
}

/* Turns one rectangle into a box in image px; FALSE when PaddleOCR would
 * drop it (too faint, or too small once grown). */
static gboolean
rect_box (const float *prob, int w, int h, int img_w, int img_h, const TrawlOcrRect *r,
          const TrawlOcrDbParams *p, TrawlOcrBox *out)
{
  TrawlOcrPoint c[4];

  memcpy (c, r->c, sizeof c);
  float score = box_score (prob, w, h, c);
  if (score < p->box_thresh)
    return FALSE;
  double bw = hypot (c[1].x - c[0].x, c[1].y - c[0].y);
  double bh = hypot (c[3].x - c[0].x, c[3].y - c[0].y);
  double d = bw * bh * p->unclip_ratio / (2 * (bw + bh));
  grow_rect (c, d);
  if (MIN (bw, bh) + 2 * d < p->min_size + 2)
    return FALSE;
  order_corners (c);
  for (int i = 0; i < 4; i++)
    {
      out->pts[i].x = CLAMP (rintf (c[i].x / w * img_w), 0.0f, (float) img_w);
      out->pts[i].y = CLAMP (rintf (c[i].y / h * img_h), 0.0f, (float) img_h);
    }
  out->score = score;
  return TRUE;
}

/* params, or PaddleOCR's defaults (in *defaults) when NULL. */
static const TrawlOcrDbParams *
params_or_defaults (const TrawlOcrDbParams *params, TrawlOcrDbParams *defaults)
{
  if (params)
    return params;
  trawl_ocr_db_params_init (defaults);
  return defaults;
}

/* _trawl_ocr_db_mask_ref: see detect-private.h. Written as "> thresh" so
 * that a NaN gives 0, as the kernel's comparison does. */
void
_trawl_ocr_db_mask_ref (const float *prob, gsize n, float thresh, uint32_t *bits)
{
  memset (bits, 0, sizeof *bits * ((n + 31) / 32));
  for (gsize i = 0; i < n; i++)
    if (prob[i] > thresh)
      bits[i / 32] |= (uint32_t) 1 << (i % 32);
}

/* _trawl_ocr_db_unpack: see detect-private.h. */
void
_trawl_ocr_db_unpack (const uint32_t *bits, gsize n, guint8 *bin)
{
  for (gsize i = 0; i < n; i++)
    bin[i] = (bits[i / 32] >> (i % 32)) & 1;
}

/* _trawl_ocr_db_rects: see detect-private.h. The caller unrefs the array. */
GArray *
_trawl_ocr_db_rects (const guint8 *bin, int w, int h, const TrawlOcrDbParams *params)
{
  TrawlOcrDbParams defaults;
  GArray *rects = g_array_new (FALSE, FALSE, sizeof (TrawlOcrRect));

  g_return_val_if_fail (bin != NULL && w > 0 && h > 0, rects);
  params = params_or_defaults (params, &defaults);
  guint8 *seen = g_malloc0 ((gsize) w * h);
  GArray *stack = g_array_new (FALSE, FALSE, sizeof (int));
  GArray *rows = g_array_new (FALSE, FALSE, sizeof (int));
  GArray *pts = g_array_new (FALSE, FALSE, sizeof (TrawlOcrPoint));
  int candidates = 0;
  for (int y = 0; y < h && candidates < params->max_candidates; y++)
    for (int x = 0; x < w && candidates < params->max_candidates; x++)
      {
        if (!bin[(gsize) y * w + x] || seen[(gsize) y * w + x])
          continue;
        candidates++;
        component_extremes (bin, seen, w, h, x, y, stack, pts, rows);
        TrawlOcrRect r;
        if (component_rect (pts, params, &r))
          g_array_append_val (rects, r);
      }
  g_array_unref (stack);
  g_array_unref (rows);
  g_array_unref (pts);
  g_free (seen);
  return rects;
}

/* _trawl_ocr_db_finish: see detect-private.h. The caller unrefs the array. */
GArray *
_trawl_ocr_db_finish (const float *prob, int w, int h, int img_w, int img_h,
                      const GArray *rects, const TrawlOcrDbParams *params)
{
  TrawlOcrDbParams defaults;
  GArray *boxes = g_array_new (FALSE, FALSE, sizeof (TrawlOcrBox));

  g_return_val_if_fail (prob != NULL && rects != NULL && w > 0 && h > 0, boxes);
  params = params_or_defaults (params, &defaults);
  for (guint i = 0; i < rects->len; i++)
    {
      TrawlOcrBox box;
      if (rect_box (prob, w, h, img_w, img_h, &g_array_index (rects, TrawlOcrRect, i), params,
                    &box))
        g_array_append_val (boxes, box);
    }
  sort_boxes (boxes);
  return boxes;
}

/* trawl_ocr_db_boxes: see ocr.h. The caller unrefs the array. The mask,
 * the rectangles and the rest are the steps the GPU plate path takes
 * (plate-batch.c), which thresholds on the device. */
GArray *
trawl_ocr_db_boxes (const float *prob, int map_w, int map_h, int img_w, int img_h,
                    const TrawlOcrDbParams *params)
{
  TrawlOcrDbParams defaults;

  g_return_val_if_fail (prob != NULL && map_w > 0 && map_h > 0,
                        g_array_new (FALSE, FALSE, sizeof (TrawlOcrBox)));
  params = params_or_defaults (params, &defaults);
  gsize n = (gsize) map_w * map_h;
  guint8 *bin = g_malloc (n);
  for (gsize i = 0; i < n; i++)
    bin[i] = prob[i] > params->thresh;
  GArray *rects = _trawl_ocr_db_rects (bin, map_w, map_h, params);
  GArray *boxes = _trawl_ocr_db_finish (prob, map_w, map_h, img_w, img_h, rects, params);
  g_array_unref (rects);
  g_free (bin);
  return boxes;
}

/* ---- CTC decoding ---- */

struct TrawlOcrDict {
  GPtrArray *chars;  /* of char*, owned: "" (blank), lines..., " " */
};

/* trawl_ocr_dict_new: copies the lines; free with trawl_ocr_dict_free. */
TrawlOcrDict *
trawl_ocr_dict_new (const char *const *lines, int n_lines)
{
  TrawlOcrDict *d = g_new0 (TrawlOcrDict, 1);

  d->chars = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (d->chars, g_strdup (""));
  for (int i = 0; i < n_lines; i++)
    g_ptr_array_add (d->chars, g_strdup (lines[i]));
  g_ptr_array_add (d->chars, g_strdup (" "));
  return d;
}

/* trawl_ocr_dict_load: see ocr.h. NULL with error set on failure. */
TrawlOcrDict *
trawl_ocr_dict_load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len;

  if (!g_file_get_contents (path, &text, &len, error))
    return NULL;
  if (!g_utf8_validate (text, (gssize) len, NULL))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT, "%s: not UTF-8 text", path);
      return NULL;
    }
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  int n = (int) g_strv_length (lines);
  if (n > 0 && lines[n - 1][0] == '\0')
    n--;  /* the final newline */
  for (int i = 0; i < n; i++)
    {
      gsize l = strlen (lines[i]);
      if (l && lines[i][l - 1] == '\r')
        lines[i][l - 1] = '\0';
      if (!lines[i][0])
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT, "%s: line %d is empty", path,
                       i + 1);
          return NULL;
        }
    }
  if (n == 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT, "%s: no characters", path);
      return NULL;
    }
  return trawl_ocr_dict_new ((const char *const *) lines, n);
}

/* trawl_ocr_dict_free: accepts NULL. */
void
trawl_ocr_dict_free (TrawlOcrDict *dict)
{
  if (!dict)
    return;
  g_ptr_array_unref (dict->chars);
  g_free (dict);
}

/* Blank + lines + space. */
int
trawl_ocr_dict_n_classes (const TrawlOcrDict *dict)
{
  return (int) dict->chars->len;
}

/* Borrowed from dict; valid while dict lives. */
const char *
trawl_ocr_dict_char (const TrawlOcrDict *dict, int cls)
{
  g_return_val_if_fail (cls >= 0 && cls < (int) dict->chars->len, "");
  return g_ptr_array_index (dict->chars, cls);
}

/* Best TRAWL_OCR_TOPK non-blank classes of one step: the classes scanned
 * in order, a later one entering only when strictly more probable, so equal
 * probabilities keep the lower class first. Written as "not more probable"
 * rather than "<=" so that a NaN never enters (it would compare false
 * against everything after it, and a GPU's reduction could not order it
 * as this scan does). */
static void
top_k (const float *p, int C, int *cls, float *prob)
{
  for (int k = 0; k < TRAWL_OCR_TOPK; k++)
    {
      cls[k] = 0;
      prob[k] = -1;
    }
  for (int c = 1; c < C; c++)
    {
      if (!(p[c] > prob[TRAWL_OCR_TOPK - 1]))
        continue;
      int k = TRAWL_OCR_TOPK - 1;
      while (k > 0 && p[c] > prob[k - 1])
        {
          cls[k] = cls[k - 1];
          prob[k] = prob[k - 1];
          k--;
        }
      cls[k] = c;
      prob[k] = p[c];
    }
}

/* _trawl_ctc_steps_ref: see ctc-steps.h. */
void
_trawl_ctc_steps_ref (const float *probs, int rows, int n_classes, TrawlCtcStep *steps)
{
  for (int t = 0; t < rows; t++)
    {
      const float *p = probs + (gsize) t * n_classes;

      steps[t].blank = p[0];
      top_k (p, n_classes, steps[t].cls, steps[t].prob);
    }
}

/* _trawl_ocr_ctc_decode_steps: see detect-private.h. */
TrawlOcrText *
_trawl_ocr_ctc_decode_steps (const TrawlOcrDict *dict, const TrawlCtcStep *steps, int T,
                             GError **error)
{
  g_return_val_if_fail (dict != NULL && (steps != NULL || T <= 0), NULL);
  int n_classes = trawl_ocr_dict_n_classes (dict);
  if (T < 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "CTC output has %d steps", T);
      return NULL;
    }
  /* records may come from a device: a class outside the dictionary would
   * be looked up in it (and by whoever reads the alternatives) */
  for (int t = 0; t < T; t++)
    for (int k = 0; k < TRAWL_CTC_TOPK; k++)
      if (steps[t].cls[k] < 0 || steps[t].cls[k] >= n_classes)
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                       "CTC step %d names class %d, the dictionary has %d", t, steps[t].cls[k],
                       n_classes);
          return NULL;
        }
  GArray *chars = g_array_new (FALSE, TRUE, sizeof (TrawlOcrChar));
  GString *text = g_string_new (NULL);
  int prev = 0;
  double sum = 0;
  for (int t = 0; t < T; t++)
    {
      const TrawlCtcStep *s = &steps[t];
      int c = trawl_ctc_step_class (s);  /* when not 0, its probability is s->prob[0] */
      if (c != 0 && c == prev) {  /* a repeat: keep the step where it is surest */
        TrawlOcrChar *last = &g_array_index (chars, TrawlOcrChar, chars->len - 1);
        if (s->prob[0] > last->prob)
          {
            last->prob = s->prob[0];
            last->step = t;
            memcpy (last->alt_cls, s->cls, sizeof last->alt_cls);
            memcpy (last->alt_prob, s->prob, sizeof last->alt_prob);
          }
        }
      else if (c != 0)
        {
          TrawlOcrChar ch = { .cls = c, .prob = s->prob[0], .step = t };
          memcpy (ch.alt_cls, s->cls, sizeof ch.alt_cls);
          memcpy (ch.alt_prob, s->prob, sizeof ch.alt_prob);
          g_array_append_val (chars, ch);
        }
      prev = c;
    }
  TrawlOcrText *out = g_new0 (TrawlOcrText, 1);
  out->n_chars = (int) chars->len;
  for (guint i = 0; i < chars->len; i++)
    {
      const TrawlOcrChar *ch = &g_array_index (chars, TrawlOcrChar, i);
      g_string_append (text, trawl_ocr_dict_char (dict, ch->cls));
      sum += ch->prob;
    }
  out->score = chars->len ? (float) (sum / chars->len) : 0.0f;
  out->chars = (TrawlOcrChar *) (void *) g_array_free (chars, FALSE);
  out->text = g_string_free (text, FALSE);
  return out;
}

/* trawl_ocr_ctc_decode: see ocr.h. The caller frees the result with
 * trawl_ocr_text_free; NULL with error set when the sizes disagree. The
 * steps are reduced to records first, so that this and the GPU path
 * (records reduced on the device) share one decode. */
TrawlOcrText *
trawl_ocr_ctc_decode (const TrawlOcrDict *dict, const float *probs, int T, int n_classes,
                      GError **error)
{
  g_return_val_if_fail (dict != NULL && (probs != NULL || T == 0), NULL);
  if (n_classes != trawl_ocr_dict_n_classes (dict) || T < 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "CTC output has %d classes per step, the dictionary %d", n_classes,
                   trawl_ocr_dict_n_classes (dict));
      return NULL;
    }
  g_autofree TrawlCtcStep *steps = g_new (TrawlCtcStep, T);
  _trawl_ctc_steps_ref (probs, T, n_classes, steps);
  return _trawl_ocr_ctc_decode_steps (dict, steps, T, error);
}

/* trawl_ocr_text_free: accepts NULL. */
void
trawl_ocr_text_free (TrawlOcrText *t)
{
  if (!t)
    return;
  g_free (t->text);
  g_free (t->chars);
  g_free (t);
}
