/* ssd-post.c - face-api's pre- and post-processing around the face nets:
 * input squares, SSD anchors, box decoding, NMS, landmark mapping.
 *
 * The networks are nn graphs (src/nn/faceapi/); this file only shapes what
 * goes in and what comes out, after @vladmandic/face-api 1.7.15
 * (ssdMobilenetv1/outputLayer.ts, nonMaxSuppression.ts, SsdMobilenetv1.ts,
 * ops/padToSquare.ts, faceLandmarkNet/FaceLandmark68NetBase.ts).
 */
#include <trawl/faces-post.h>

#include "detect/detect-private.h"   /* _trawl_ssd_candidates_ref */
#include "rules/ssd-keep.h"          /* trawl_ssd_keep, shared with kernels/ssd.cu */

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
  for (int c = 0; c < nc && nk < max_out; c++)
    {
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

  for (int l = 0; l < 6; l++)
    {
      double scale = 0.2 + (0.95 - 0.2) * l / 5.0;
      double next = l < 5 ? 0.2 + (0.95 - 0.2) * (l + 1) / 5.0 : 1.0;
      for (int y = 0; y < grid[l]; y++)
        {
          for (int x = 0; x < grid[l]; x++)
            {
              double cy = (y + 0.5) / grid[l], cx = (x + 0.5) / grid[l];
              if (l == 0)
                {
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

/* The anchors, computed once: every detection decodes against them, and
 * they never change. */
static const float *
anchor_table (void)
{
  static float table[4 * TRAWL_FACES_SSD_ANCHORS];
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      trawl_faces_ssd_anchors (table);
      g_once_init_leave (&done, 1);
    }
  return table;
}

/* One anchor's box and score: the one formula of trawl_faces_ssd_decode
 * and trawl_faces_ssd_detect_candidates, so that decoding all anchors or
 * only the candidates gives the same floats. */
static inline void
decode_one (const float *an, const float *e, float logit, TrawlPostBox *box, float *score)
{
  /* float32 arithmetic in outputLayer.ts's order */
  float sy = an[2] - an[0], sx = an[3] - an[1];
  float cy = an[0] + sy / 2, cx = an[1] + sx / 2;
  float hh = expf (e[2] / 5) * sy / 2, hw = expf (e[3] / 5) * sx / 2;
  float y = e[0] / 10 * sy + cy, x = e[1] / 10 * sx + cx;

  *box = (TrawlPostBox) { x - hw, y - hh, x + hw, y + hh };
  *score = 1.0f / (1.0f + expf (-logit));
}

void
trawl_faces_ssd_decode (const float *anchors, const float *enc, const float *logits,
                        int n, TrawlPostBox *boxes, float *scores)
{
  for (int i = 0; i < n; i++)
    decode_one (anchors + 4 * i, enc + 4 * i, logits[3 * i + 1], &boxes[i], &scores[i]);
}

/* The tail of the SSD post-processing: the nk kept boxes (keep[] indexes
 * boxes and scores, in 0..1 of the square), clamped to the image and
 * scaled to its px as face-api does, appended to out. */
static GArray *
faces_from_kept (const TrawlPostBox *boxes, const float *scores, const int *keep, int nk,
                 int img_w, int img_h, GArray *out)
{
  /* the image filled round(w * 512 / side) of the 512 px square */
  double side = MAX (img_w, img_h);
  double pad_x = TRAWL_FACES_SSD_SIZE / round (img_w * (TRAWL_FACES_SSD_SIZE / side));
  double pad_y = TRAWL_FACES_SSD_SIZE / round (img_h * (TRAWL_FACES_SSD_SIZE / side));

  for (int k = 0; k < nk; k++)
    {
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

GArray *
trawl_faces_ssd_detect (const float *enc, const float *logits, int img_w, int img_h,
                        float min_score, int max_results)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (TrawlFaceBox));
  g_autofree TrawlPostBox *boxes = NULL;
  g_autofree float *scores = NULL;
  g_autofree int *keep = NULL;
  int nk;

  g_return_val_if_fail (enc != NULL && logits != NULL, out);
  if (img_w <= 0 || img_h <= 0 || max_results <= 0)
    return out;
  boxes = g_new (TrawlPostBox, TRAWL_FACES_SSD_ANCHORS);
  scores = g_new (float, TRAWL_FACES_SSD_ANCHORS);
  trawl_faces_ssd_decode (anchor_table (), enc, logits, TRAWL_FACES_SSD_ANCHORS, boxes, scores);
  keep = g_new (int, max_results);
  nk = trawl_post_nms (boxes, scores, TRAWL_FACES_SSD_ANCHORS, TRAWL_FACES_SSD_IOU,
                       min_score, max_results, keep);
  return faces_from_kept (boxes, scores, keep, nk, img_w, img_h, out);
}

/* Below this min_score the prefilter keeps every anchor: a float score
 * 1 / (1 + expf (-l)) under FLT_MIN is subnormal and loses the relative
 * accuracy the threshold's margin relies on, and thresholds that low are
 * of no use anyway. */
#define LOGIT_KEEP_ALL_BELOW 1e-30f
/* The margins: a float score is within SCORE_REL_ERR (relative) of the
 * true sigmoid of its logit (expf's error of about an ulp plus the two
 * roundings of the sum and the division, 2^-22 or so; 1e-6 is 8 ulps),
 * and then LOGIT_MARGIN logit units more for good measure. Anchors let
 * through by the margins cost a few bytes each; one lost would change
 * the result. */
#define SCORE_REL_ERR 1e-6
#define LOGIT_MARGIN  1e-3

float
trawl_faces_ssd_logit_min (float min_score)
{
  double q, t;
  float f;

  /* no float score exceeds 1 (nor compares above NaN): nothing passes */
  if (isnan (min_score) || min_score >= 1.0f)
    return INFINITY;
  if (min_score < LOGIT_KEEP_ALL_BELOW)
    return -INFINITY;
  /* A logit l whose float score passes has sigmoid (l) > min_score /
   * (1 + SCORE_REL_ERR) = q, so l > logit (q) exactly; q < 1 here. */
  q = min_score / (1.0 + SCORE_REL_ERR);
  t = log (q / (1.0 - q)) - LOGIT_MARGIN;
  f = (float) t;
  if ((double) f > t)   /* rounded up to float: step down, stay below */
    f = nextafterf (f, -INFINITY);
  return f;
}

int
_trawl_ssd_candidates_ref (const float *enc, const float *logits, int n_anchors,
                           float logit_min, int max_cand, int *idx, float *cand)
{
  int k = 0;

  for (int i = 0; i < n_anchors; i++)
    {
      float l = logits[3 * (gsize) i + 1];

      if (!trawl_ssd_keep (l, logit_min))
        continue;
      if (k < max_cand)
        {
          /* copied, not computed: the kernel's records are these bit for bit */
          idx[k] = i;
          memcpy (cand + 5 * (gsize) k, enc + 4 * (gsize) i, 4 * sizeof (float));
          cand[5 * (gsize) k + 4] = l;
        }
      k++;
    }
  return k;
}

GArray *
trawl_faces_ssd_detect_candidates (const int *idx, const float *cand, int n, int img_w,
                                   int img_h, float min_score, int max_results)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (TrawlFaceBox));
  g_autofree TrawlPostBox *boxes = NULL;
  g_autofree float *scores = NULL;
  g_autofree int *keep = NULL;
  const float *anchors;
  int nk;

  g_return_val_if_fail (n >= 0 && n <= TRAWL_FACES_SSD_ANCHORS, out);
  g_return_val_if_fail (n == 0 || (idx != NULL && cand != NULL), out);
  if (img_w <= 0 || img_h <= 0 || max_results <= 0 || n == 0)
    return out;
  anchors = anchor_table ();
  boxes = g_new (TrawlPostBox, n);
  scores = g_new (float, n);
  for (int k = 0; k < n; k++)
    {
      /* ascending and in range, or NMS's ties would not break as on all
       * anchors (and an index out of range would read past the table) */
      g_return_val_if_fail (idx[k] >= 0 && idx[k] < TRAWL_FACES_SSD_ANCHORS
                            && (k == 0 || idx[k] > idx[k - 1]), out);
      decode_one (anchors + 4 * idx[k], cand + 5 * k, cand[5 * k + 4], &boxes[k], &scores[k]);
    }
  /* The subset keeps the anchors' order, so NMS's ties (score, then
   * index) break as on all anchors, and every anchor NMS would consider
   * (score > min_score) is in it: the same boxes come out. */
  keep = g_new (int, max_results);
  nk = trawl_post_nms (boxes, scores, n, TRAWL_FACES_SSD_IOU, min_score, max_results, keep);
  return faces_from_kept (boxes, scores, keep, nk, img_w, img_h, out);
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
trawl_faces_pad_offsets (int w, int h, gboolean center, int *off_x, int *off_y)
{
  *off_x = *off_y = 0;
  if (center)
    {
      /* padToSquare: round(diff / 2) appended, the rest prepended */
      int diff = MAX (w, h) - MIN (w, h);
      int before = diff - (int) round (diff * 0.5);
      if (w < h)
        *off_x = before;
      else
        *off_y = before;
    }
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
  trawl_faces_pad_offsets (w, h, center, &off_x, &off_y);
  /* resizeBilinear, align_corners = false, half_pixel_centers = false */
  scale = (float) side / (float) size;
  for (int oy = 0; oy < size; oy++)
    {
      float sy = oy * scale;
      int y0 = (int) floorf (sy), y1 = MIN ((int) ceilf (sy), side - 1);
      float fy = sy - y0;
      for (int ox = 0; ox < size; ox++)
        {
          float sx = ox * scale;
          int x0 = (int) floorf (sx), x1 = MIN ((int) ceilf (sx), side - 1);
          float fx = sx - x0;
          /* square coords -> region coords -> image coords (pad area black) */
          const guint8 *p[4];
          int qx[2] = { x0 - off_x, x1 - off_x }, qy[2] = { y0 - off_y, y1 - off_y };
          for (int k = 0; k < 4; k++)
            {
              int rx = qx[k & 1], ry = qy[k >> 1];
              gboolean in = rx >= 0 && ry >= 0 && rx < w && ry < h;
              p[k] = in ? pixel (img, x + rx, y + ry) : pixel (img, -1, -1);
            }
          for (int c = 0; c < 3; c++)
            {
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

  for (int i = 0; i < 68; i++)
    {
      float rx = (raw[2 * i] * TRAWL_FACES_LM_SIZE - pad_x) / sw;
      float ry = (raw[2 * i + 1] * TRAWL_FACES_LM_SIZE - pad_y) / sh;
      xy[2 * i] = x + rx * w;
      xy[2 * i + 1] = y + ry * h;
    }
}
