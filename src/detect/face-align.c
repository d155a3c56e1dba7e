/* face-align.c - face geometry without models: the similarity transform to
 * dlib's canonical chip, the chip cut through it (the warp itself is an
 * image operation: src/image/image-ops.c), and the quality score of a face. The recognition net was trained on dlib chips
 * (150 px, padding 0.25), so the chip must match them for embeddings to
 * compare well across poses and sizes.
 */
#include "detect/detect-private.h"
#include "trawl/detect.h"

#include <math.h>
#include <string.h>

/* dlib's mean face shape (dlib/image_transforms/interpolation.h, Boost
 * Software Licence): landmarks 17..67 in a unit square. We use five points
 * derived from it; see trawl_face_five_points for which. */
static const double mean_face_x[51] = {
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124,
  0.904991, 0.98004, 0.490127, 0.490127, 0.490127, 0.490127, 0.36688, 0.426036,
  0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918,
  0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149,
  0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721,
  0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874,
  0.553364, 0.490127, 0.42689
};
static const double mean_face_y[51] = {
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891,
  0.0187482, 0.038915, 0.106454, 0.203352, 0.307009, 0.409805, 0.515625, 0.587326,
  0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852, 0.231733,
  0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099,
  0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805,
  0.902192, 0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746,
  0.784792, 0.824182, 0.831803, 0.824182
};

#define CHIP_PADDING 0.25

gboolean
trawl_similarity_fit (const TrawlPoint *src, const TrawlPoint *dst, int n, double m[6])
{
  if (n < 2)
    return FALSE;
  double sx = 0, sy = 0, dx = 0, dy = 0;
  for (int i = 0; i < n; i++)
    {
      sx += src[i].x; sy += src[i].y; dx += dst[i].x; dy += dst[i].y;
    }
  sx /= n; sy /= n; dx /= n; dy /= n;
  /* Closed form for x' = a x - b y + tx, y' = b x + a y + ty on centred points. */
  double num_a = 0, num_b = 0, den = 0;
  for (int i = 0; i < n; i++)
    {
      double px = src[i].x - sx, py = src[i].y - sy;
      double qx = dst[i].x - dx, qy = dst[i].y - dy;
      num_a += px * qx + py * qy;
      num_b += px * qy - py * qx;
      den += px * px + py * py;
    }
  if (den < 1e-12)
    return FALSE;
  double a = num_a / den, b = num_b / den;
  m[0] = a; m[1] = -b; m[2] = dx - (a * sx - b * sy);
  m[3] = b; m[4] = a;  m[5] = dy - (b * sx + a * sy);
  return TRUE;
}

TrawlPoint
trawl_affine_apply (const double m[6], TrawlPoint p)
{
  TrawlPoint q = { (float) (m[0] * p.x + m[1] * p.y + m[2]),
                   (float) (m[3] * p.x + m[4] * p.y + m[5]) };
  return q;
}

static TrawlPoint
mean_of (const TrawlPoint *pts, int from, int to)
{
  TrawlPoint c = { 0, 0 };
  for (int i = from; i <= to; i++)
    {
      c.x += pts[i].x; c.y += pts[i].y;
    }
  c.x /= (to - from + 1); c.y /= (to - from + 1);
  return c;
}

void
trawl_face_five_points (const TrawlPoint landmarks[68], TrawlPoint five[5])
{
  five[0] = mean_of (landmarks, 36, 41);
  five[1] = mean_of (landmarks, 42, 47);
  five[2] = landmarks[30];
  five[3] = landmarks[48];
  five[4] = landmarks[54];
}

/* The mean shape in chip pixels for a chip of size px with padding, in a
 * 68-array at the iBUG indices (0..16, the jaw, which it lacks, left 0). */
static void
chip_mean_shape (int size, double padding, TrawlPoint mean[68])
{
  memset (mean, 0, 68 * sizeof *mean);
  for (int i = 0; i < 51; i++)
    {
      mean[17 + i].x = (float) ((padding + mean_face_x[i]) / (2 * padding + 1) * size);
      mean[17 + i].y = (float) ((padding + mean_face_y[i]) / (2 * padding + 1) * size);
    }
}

void
trawl_face_chip_template (int size, TrawlPoint five[5])
{
  /* The mean shape in a 68-array so the same five-point rule applies to both. */
  TrawlPoint mean[68];
  chip_mean_shape (size, CHIP_PADDING, mean);
  trawl_face_five_points (mean, five);
}

/* The landmarks rule fits: n of them into idx. dlib's 68-point rule
 * (get_face_chip_details) skips the jaw, the brows and the lower lip; its
 * 5-point model's points are the eye corners and the nose base. */
static int
rule_points (TrawlFaceAlignRule rule, int idx[68])
{
  static const int dlib5[5] = { 36, 39, 42, 45, 33 };
  int n = 0;

  if (rule == TRAWL_FACE_ALIGN_DLIB5)
    for (n = 0; n < 5; n++)
      idx[n] = dlib5[n];
  else
    for (int i = 27; i < 68; i++)
      if (!(55 <= i && i <= 59) && !(65 <= i && i <= 67))
        idx[n++] = i;
  return n;
}

gboolean
trawl_face_chip_transform_rule (const TrawlPoint landmarks[68], int size, double padding,
                                TrawlFaceAlignRule rule, double m[6])
{
  TrawlPoint mean[68], from[68], to[68];
  int idx[68], n;

  if (rule == TRAWL_FACE_ALIGN_FIVE)
    {
      chip_mean_shape (size, padding, mean);
      trawl_face_five_points (mean, from);
      trawl_face_five_points (landmarks, to);
      return trawl_similarity_fit (from, to, 5, m);
    }
  chip_mean_shape (size, padding, mean);
  n = rule_points (rule, idx);
  for (int i = 0; i < n; i++)
    {
      from[i] = mean[idx[i]];
      to[i] = landmarks[idx[i]];
    }
  return trawl_similarity_fit (from, to, n, m);
}

gboolean
trawl_face_chip_transform (const TrawlPoint landmarks[68], int size, double m[6])
{
  return trawl_face_chip_transform_rule (landmarks, size, CHIP_PADDING, TRAWL_FACE_ALIGN_FIVE, m);
}

int
trawl_face_mirror_index (int i)
{
  /* iBUG 68: the jaw, the brows, the nose base, the eyes and the lips
   * reverse left to right; the nose bridge and the mouth's middle stay */
  static const int pairs[][2] = {
    { 17, 26 }, { 18, 25 }, { 19, 24 }, { 20, 23 }, { 21, 22 }, { 31, 35 }, { 32, 34 },
    { 36, 45 }, { 37, 44 }, { 38, 43 }, { 39, 42 }, { 40, 47 }, { 41, 46 }, { 48, 54 },
    { 49, 53 }, { 50, 52 }, { 55, 59 }, { 56, 58 }, { 60, 64 }, { 61, 63 }, { 65, 67 },
  };
  if (i >= 0 && i <= 16)
    return 16 - i;
  for (guint k = 0; k < G_N_ELEMENTS (pairs); k++)
    if (pairs[k][0] == i || pairs[k][1] == i)
      return pairs[k][0] + pairs[k][1] - i;
  return i;
}

gboolean
trawl_face_chip_transform_flipped (const TrawlPoint landmarks[68], int size, double padding,
                                   TrawlFaceAlignRule rule, double m[6])
{
  /* the face mirrored about x = 0, its landmarks renumbered, is aligned
   * as any face; then x -> -x takes its chip back into this image */
  TrawlPoint mir[68];
  for (int i = 0; i < 68; i++)
    {
      mir[trawl_face_mirror_index (i)].x = -landmarks[i].x;
      mir[trawl_face_mirror_index (i)].y = landmarks[i].y;
    }
  if (!trawl_face_chip_transform_rule (mir, size, padding, rule, m))
    return FALSE;
  m[0] = -m[0]; m[1] = -m[1]; m[2] = -m[2];
  return TRUE;
}

void
trawl_face_chip_mirror (const double m[6], int size, double out[6])
{
  /* chip x -> size - x in the warp's coordinates (pixel centres at +0.5)
   * swaps pixel i and size-1-i */
  double a = m[0], d = m[3];
  out[0] = -a; out[1] = m[1]; out[2] = a * size + m[2];
  out[3] = -d; out[4] = m[4]; out[5] = d * size + m[5];
}

TrawlImage *
trawl_face_align (const TrawlImage *img, const TrawlPoint landmarks[68], int size)
{
  double m[6];
  if (img == NULL || size < 1 || !trawl_face_chip_transform (landmarks, size, m))
    return NULL;
  TrawlImage *chip = trawl_image_new (size, size);
  if (chip == NULL)
    return NULL;
  trawl_image_warp_affine (img, m, chip);
  return chip;
}

static float
clamp01 (float v)
{
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

void
trawl_face_quality (const TrawlPoint landmarks[68], const TrawlImage *chip,
                    float det_score, TrawlFaceQuality *q)
{
  float sharpness = 0.5f;
  if (chip != NULL)
    {
      float v = trawl_image_laplacian_var (chip);
      sharpness = v / (v + 100.0f);
    }
  _trawl_face_quality_with (landmarks, sharpness, det_score, q);
}

void
_trawl_face_quality_with (const TrawlPoint landmarks[68], float sharpness, float det_score,
                          TrawlFaceQuality *q)
{
  TrawlPoint five[5];
  trawl_face_five_points (landmarks, five);
  float ex = five[1].x - five[0].x, ey = five[1].y - five[0].y;
  float iod = sqrtf (ex * ex + ey * ey);
  /* Below ~6 px between the eyes the embedder sees mush; from ~40 px on the
   * 150-px chip is not upsampled any more (dlib's chip has them 53 px apart). */
  q->size = clamp01 ((iod - 6.0f) / (40.0f - 6.0f));
  q->sharpness = sharpness;
  /* Yaw: where the nose tip falls between the jaw ends, measured along the
   * eye axis so that roll does not count. */
  float frontal = 0.0f;
  if (iod > 0)
    {
      float ux = ex / iod, uy = ey / iod;
      float span = (landmarks[16].x - landmarks[0].x) * ux + (landmarks[16].y - landmarks[0].y) * uy;
      float pos = (landmarks[30].x - landmarks[0].x) * ux + (landmarks[30].y - landmarks[0].y) * uy;
      if (span > 0)
        frontal = clamp01 (1.0f - fabsf (2.0f * pos / span - 1.0f));
    }
  q->frontalness = frontal;
  q->detector = det_score;
  /* Softened factors: sharpness and pose degrade recognition gradually,
   * size and detector confidence decide whether there is a face at all. */
  q->overall = clamp01 (det_score) * q->size * (0.5f + 0.5f * q->sharpness) *
               (0.3f + 0.7f * q->frontalness);
}

float
trawl_face_distance (const float *a, const float *b)
{
  double s = 0;
  for (int i = 0; i < TRAWL_FACE_EMBED_DIM; i++)
    {
      double d = (double) a[i] - b[i];
      s += d * d;
    }
  return (float) sqrt (s);
}
