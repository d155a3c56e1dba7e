/* ssd-post.c - face-api's pre- and post-processing around the face nets:
 * input squares, SSD anchors, box decoding, NMS, landmark mapping.
 *
 * The networks are nn graphs (src/nn/faceapi/); this file only shapes what
 * goes in and what comes out, after @vladmandic/face-api 1.7.15
 * (ssdMobilenetv1/outputLayer.ts, nonMaxSuppression.ts, SsdMobilenetv1.ts,
 * ops/padToSquare.ts, faceLandmarkNet/FaceLandmark68NetBase.ts).
 */
#include <trawl/faces-post.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

float
trawl_post_iou (const TrawlPostBox *a, const TrawlPostBox *b)
{
  float ax0 = MIN (a->x0, a->x1), ax1 = MAX (a->x0, a->x1);
  float ay0 = MIN (a->y0, a->y1), ay1 = MAX (a->y0, a->y1);
  float bx0 = MIN (b->x0, b->x1), bx1 = MAX (b->x0, b->x1);
  float by0 = MIN (b->y0, b->y1), by1 = MAX (b->y0, b->y1);
  float area_a = (ax1 - ax0) * (ay1 - ay0);
  float area_b = (bx1 - bx0) * (by1 - by0);
  float iw, ih, inter;

  if (area_a <= 0.0f || area_b <= 0.0f)
    return 0.0f;
  iw = MAX (MIN (ax1, bx1) - MAX (ax0, bx0), 0.0f);
  ih = MAX (MIN (ay1, by1) - MAX (ay0, by0), 0.0f);
  inter = iw * ih;
  return inter / (area_a + area_b - inter);
}

typedef struct {
  float score;
  int   index;
} Cand;

/* Score descending, index ascending on ties (JS's sort is stable). */
static int
cand_cmp (const void *pa, const void *pb)
{
  const Cand *a = pa, *b = pb;

  if (a->score != b->score)
    return a->score > b->score ? -1 : 1;
  return a->index - b->index;
}

int
trawl_post_nms (const TrawlPostBox *boxes, const float *scores, int n,
                float iou_threshold, float score_threshold, int max_out, int *keep)
{
  g_autofree Cand *cand = NULL;
  int nc = 0, nk = 0;

  g_return_val_if_fail (n >= 0 && (n == 0 || (boxes != NULL && scores != NULL)), 0);
  if (n == 0 || max_out <= 0)
    return 0;
  cand = g_new (Cand, n);
  for (int i = 0; i < n; i++)
    if (scores[i] > score_threshold)   /* NaN scores are dropped here too */
      cand[nc++] = (Cand) { scores[i], i };
  qsort (cand, nc, sizeof *cand, cand_cmp);
  for (int c = 0; c < nc && nk < max_out; c++) {
    gboolean suppressed = FALSE;
    for (int j = nk - 1; j >= 0 && !suppressed; j--)
      suppressed = trawl_post_iou (&boxes[cand[c].index], &boxes[keep[j]]) > iou_threshold;
    if (!suppressed)
      keep[nk++] = cand[c].index;
  }
  return nk;
}

/* One anchor: centre (cy, cx), scale and aspect ratio, in 0..1. */
static float *
put_anchor (float *a, double cy, double cx, double scale, double ratio)
{
  double h = scale / sqrt (ratio), w = scale * sqrt (ratio);

  a[0] = (float) (cy - h / 2);
  a[1] = (float) (cx - w / 2);
  a[2] = (float) (cy + h / 2);
  a[3] = (float) (cx + w / 2);
  return a + 4;
}

void
trawl_faces_ssd_anchors (float *anchors)
{
  /* TF object detection's ssd_anchor_generator for this model: grid sizes
   * of the six feature maps at 512 px, scales linear in 0.2..0.95, and in
   * the model's order (scale, 1), (interpolated, 1), then the ratios */
  static const int grid[6] = { 32, 16, 8, 4, 2, 1 };
  static const double ratios[4] = { 2.0, 0.5, 3.0, 0.3333 };
  float *a = anchors;

  for (int l = 0; l < 6; l++) {
    double scale = 0.2 + (0.95 - 0.2) * l / 5.0;
    double next = l < 5 ? 0.2 + (0.95 - 0.2) * (l + 1) / 5.0 : 1.0;
    for (int y = 0; y < grid[l]; y++) {
      for (int x = 0; x < grid[l]; x++) {
        double cy = (y + 0.5) / grid[l], cx = (x + 0.5) / grid[l];
        if (l == 0) {
          a = put_anchor (a, cy, cx, 0.1, 1.0);
          a = put_anchor (a, cy, cx, scale, 2.0);
          a = put_anchor (a, cy, cx, scale, 0.5);
          continue;
        }
        a = put_anchor (a, cy, cx, scale, 1.0);
        a = put_anchor (a, cy, cx, sqrt (scale * next), 1.0);
        for (int r = 0; r < 4; r++)
          a = put_anchor (a, cy, cx, scale, ratios[r]);
      }
    }
  }
  g_assert (a == anchors + 4 * TRAWL_FACES_SSD_ANCHORS);
}

void
trawl_faces_ssd_decode (const float *anchors, const float *enc, const float *logits,
                        int n, TrawlPostBox *boxes, float *scores)
{
  for (int i = 0; i < n; i++) {
    const float *an = anchors + 4 * i, *e = enc + 4 * i;
    /* float32 arithmetic in outputLayer.ts's order */
    float sy = an[2] - an[0], sx = an[3] - an[1];
    float cy = an[0] + sy / 2, cx = an[1] + sx / 2;
    float hh = expf (e[2] / 5) * sy / 2, hw = expf (e[3] / 5) * sx / 2;
    float y = e[0] / 10 * sy + cy, x = e[1] / 10 * sx + cx;

    boxes[i] = (TrawlPostBox) { x - hw, y - hh, x + hw, y + hh };
    scores[i] = 1.0f / (1.0f + expf (-logits[3 * i + 1]));
  }
}

GArray *
trawl_faces_ssd_detect (const float *enc, const float *logits, int img_w, int img_h,
                        float min_score, int max_results)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (TrawlFaceBox));
  g_autofree float *anchors = g_new (float, 4 * TRAWL_FACES_SSD_ANCHORS);
  g_autofree TrawlPostBox *boxes = g_new (TrawlPostBox, TRAWL_FACES_SSD_ANCHORS);
  g_autofree float *scores = g_new (float, TRAWL_FACES_SSD_ANCHORS);
  g_autofree int *keep = NULL;
  double side, pad_x, pad_y;
  int nk;

  g_return_val_if_fail (enc != NULL && logits != NULL, out);
  if (img_w <= 0 || img_h <= 0 || max_results <= 0)
    return out;
  trawl_faces_ssd_anchors (anchors);
  trawl_faces_ssd_decode (anchors, enc, logits, TRAWL_FACES_SSD_ANCHORS, boxes, scores);
  keep = g_new (int, max_results);
  nk = trawl_post_nms (boxes, scores, TRAWL_FACES_SSD_ANCHORS, TRAWL_FACES_SSD_IOU,
                       min_score, max_results, keep);

  /* the image filled round(w * 512 / side) of the 512 px square */
  side = MAX (img_w, img_h);
  pad_x = TRAWL_FACES_SSD_SIZE / round (img_w * (TRAWL_FACES_SSD_SIZE / side));
  pad_y = TRAWL_FACES_SSD_SIZE / round (img_h * (TRAWL_FACES_SSD_SIZE / side));
  for (int k = 0; k < nk; k++) {
    const TrawlPostBox *b = &boxes[keep[k]];
    TrawlFaceBox f;
    f.box.x0 = (float) (MAX (0.0, b->x0) * pad_x * img_w);
    f.box.x1 = (float) (MIN (1.0, b->x1) * pad_x * img_w);
    f.box.y0 = (float) (MAX (0.0, b->y0) * pad_y * img_h);
    f.box.y1 = (float) (MIN (1.0, b->y1) * pad_y * img_h);
    f.score = scores[keep[k]];
    g_array_append_val (out, f);
  }
  return out;
}

/* The pixel (x, y) of img, black outside. */
static const guint8 *
pixel (const TrawlImage *img, int x, int y)
{
  static const guint8 black[3] = { 0, 0, 0 };

  if (x < 0 || y < 0 || x >= img->width || y >= img->height)
    return black;
  return img->data + (gsize) y * img->stride + 3 * (gsize) x;
}

void
trawl_faces_prepare_input (const TrawlImage *img, int x, int y, int w, int h,
                           int size, gboolean center, float *out)
{
  int side, off_x = 0, off_y = 0;
  float scale;
  gsize plane = (gsize) size * size;

  g_return_if_fail (img != NULL && out != NULL && size > 0 && w > 0 && h > 0);
  side = MAX (w, h);
  if (center) {
    /* padToSquare: round(diff / 2) appended, the rest prepended */
    int diff = side - MIN (w, h);
    int before = diff - (int) round (diff * 0.5);
    if (w < h)
      off_x = before;
    else
      off_y = before;
  }
  /* resizeBilinear, align_corners = false, half_pixel_centers = false */
  scale = (float) side / (float) size;
  for (int oy = 0; oy < size; oy++) {
    float sy = oy * scale;
    int y0 = (int) floorf (sy), y1 = MIN ((int) ceilf (sy), side - 1);
    float fy = sy - y0;
    for (int ox = 0; ox < size; ox++) {
      float sx = ox * scale;
      int x0 = (int) floorf (sx), x1 = MIN ((int) ceilf (sx), side - 1);
      float fx = sx - x0;
      /* square coords -> region coords -> image coords (pad area black) */
      const guint8 *p[4];
      int qx[2] = { x0 - off_x, x1 - off_x }, qy[2] = { y0 - off_y, y1 - off_y };
      for (int k = 0; k < 4; k++) {
        int rx = qx[k & 1], ry = qy[k >> 1];
        gboolean in = rx >= 0 && ry >= 0 && rx < w && ry < h;
        p[k] = in ? pixel (img, x + rx, y + ry) : pixel (img, -1, -1);
      }
      for (int c = 0; c < 3; c++) {
        float top = p[0][c] + (p[1][c] - (float) p[0][c]) * fx;
        float bot = p[2][c] + (p[3][c] - (float) p[2][c]) * fx;
        out[c * plane + (gsize) oy * size + ox] = top + (bot - top) * fy;
      }
    }
  }
}

void
trawl_faces_landmarks_map (const float *raw, float x, float y, float w, float h,
                           float *xy)
{
  /* FaceLandmark68NetBase.postProcess: scaled crop dims and the centred
   * padding, then relative positions times the crop size plus its origin */
  float s = TRAWL_FACES_LM_SIZE / MAX (w, h);
  float sw = w * s, sh = h * s;
  float pad_x = sw < sh ? fabsf (sw - sh) / 2 : 0.0f;
  float pad_y = sh < sw ? fabsf (sw - sh) / 2 : 0.0f;

  for (int i = 0; i < 68; i++) {
    float rx = (raw[2 * i] * TRAWL_FACES_LM_SIZE - pad_x) / sw;
    float ry = (raw[2 * i + 1] * TRAWL_FACES_LM_SIZE - pad_y) / sh;
    xy[2 * i] = x + rx * w;
    xy[2 * i + 1] = y + ry * h;
  }
}
