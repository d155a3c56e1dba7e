/* warp-build.c - warp parameters for each preprocessing step of the face
 * and plate pipelines (see warp-build.h). Each builder restates its CPU
 * function's sampling in the terms of the warp rule (src/rules/warp.h);
 * the float expressions are kept in the CPU code's order where that makes
 * the coordinates bit-identical. tests/detect/test-warp-build.c holds
 * every builder to its CPU function on real images.
 */
#include "detect/warp-build.h"

#include <trawl/faces-post.h>   /* trawl_faces_pad_offsets */

#include <math.h>
#include <string.h>

/* Taps outside the image read black and coordinates are not held: the
 * clamp rectangle lies one pixel outside the image on every side, where a
 * tap is invalid anyway (warp_affine's "outside src is black"). */
static void
no_clamp (TrawlWarpParams *p)
{
  p->clamp[0] = -1.0f;
  p->clamp[1] = -1.0f;
  p->clamp[2] = (float) p->src_w;
  p->clamp[3] = (float) p->src_h;
  p->valid[0] = 0.0f;
  p->valid[1] = 0.0f;
  p->valid[2] = (float) (p->src_w - 1);
  p->valid[3] = (float) (p->src_h - 1);
}

void
trawl_warp_build_square (TrawlWarpParams *p, int src_w, int src_h, int x, int y, int w, int h,
                         int size, gboolean center)
{
  int side = MAX (w, h), off_x, off_y;

  trawl_faces_pad_offsets (w, h, center, &off_x, &off_y);
  _trawl_warp_params_init (p, src_w, src_h, size, size);
  /* resizeBilinear without half-pixel centres: square px = tensor px *
   * side / size from the corner; then square -> image is a shift. */
  float scale = (float) side / (float) size;
  p->m[0] = scale;
  p->m[1] = 0.0f;
  p->m[2] = (float) (x - off_x);
  p->m[3] = 0.0f;
  p->m[4] = scale;
  p->m[5] = (float) (y - off_y);
  p->dst_offset = 0.0f;
  p->src_offset = 0.0f;
  /* The CPU code holds its second tap at side - 1 of the square (taps and
   * coordinates alike, since past side - 1 both taps are that one). */
  p->clamp[0] = (float) (x - off_x);
  p->clamp[1] = (float) (y - off_y);
  p->clamp[2] = (float) (x - off_x + side - 1);
  p->clamp[3] = (float) (y - off_y + side - 1);
  /* The padding and whatever of the region lies off the image are black. */
  p->valid[0] = (float) x;
  p->valid[1] = (float) y;
  p->valid[2] = (float) (x + w - 1);
  p->valid[3] = (float) (y + h - 1);
}

/* trawl_image_warp_affine into a w x h 8-bit image: its supersampling
 * choice (in the same doubles), centre-based map, no clamp, rounding. */
static void
build_affine_u8 (TrawlWarpParams *p, int src_w, int src_h, const double m[6], int w, int h)
{
  double s = sqrt (fabs (m[0] * m[4] - m[1] * m[3]));
  int k = s > 1.5 ? (int) ceil (s) : 1;

  _trawl_warp_params_init (p, src_w, src_h, w, h);
  for (int i = 0; i < 6; i++)
    p->m[i] = (float) m[i];
  p->k = MIN (k, TRAWL_WARP_MAX_K);
  p->dst_offset = 0.5f;     /* pixel centres (k == 1) */
  p->src_offset = -0.5f;    /* back to pixel-index coordinates */
  no_clamp (p);
  p->round_u8 = TRAWL_WARP_ROUND_HALF_UP;
}

void
trawl_warp_build_chip (TrawlWarpParams *p, int src_w, int src_h, const double m[6], int size)
{
  /* the chip is an 8-bit image; the recogniser gets its values */
  build_affine_u8 (p, src_w, src_h, m, size, size);
}

void
trawl_warp_build_crop (TrawlWarpParams *p, int src_w, int src_h, const TrawlWarpCrop *crop)
{
  build_affine_u8 (p, src_w, src_h, crop->m, crop->w, crop->h);
}

void
trawl_warp_det_size (int w, int h, int limit_side, int *det_w, int *det_h)
{
  /* trawl_ocr_det_input's rule: int() then round-half-even to a multiple
   * of 32, as PaddleOCR does. */
  double ratio = 1.0;
  int long_side = MAX (w, h);

  if (long_side > limit_side)
    ratio = (double) limit_side / long_side;
  int rh = (int) (h * ratio), rw = (int) (w * ratio);
  *det_h = MAX ((int) rint (rh / 32.0) * 32, 32);
  *det_w = MAX ((int) rint (rw / 32.0) * 32, 32);
}

/* Resize to out_w x dst_h columns of a dst_w-wide tensor with half-pixel
 * centres, rounded to uint8, BGR, out = (v / 255 - mean) / std. */
static void
resize_norm (TrawlWarpParams *p, int src_w, int src_h, const TrawlWarpCrop *crop, int dst_w,
             int dst_h, int out_w, const float mean[3], const float std[3])
{
  _trawl_warp_params_init (p, src_w, src_h, dst_w, dst_h);
  p->out_w = out_w;
  p->dst_offset = 0.5f;
  p->src_offset = -0.5f;
  if (crop == NULL)
    {
      /* trawl_image_resize: the same float scale and expression order, the
       * coordinate held at 0 and at the last pixel (its taps too). The
       * clamp and valid rectangles of _init are the image. */
      p->m[0] = (float) src_w / (float) out_w;
      p->m[4] = (float) src_h / (float) dst_h;
    }
  else
    {
      /* One map: tensor centre (u + 0.5) * crop.w / out_w in the crop, then
       * the crop's map into the image. The CPU path instead cuts the crop
       * to uint8 and resizes that (holding the crop's edge pixels); here
       * taps past the crop's edge see the image there, past the image's
       * edge black. */
      double sx = (double) crop->w / out_w, sy = (double) crop->h / dst_h;

      p->m[0] = (float) (crop->m[0] * sx);
      p->m[1] = (float) (crop->m[1] * sy);
      p->m[2] = (float) crop->m[2];
      p->m[3] = (float) (crop->m[3] * sx);
      p->m[4] = (float) (crop->m[4] * sy);
      p->m[5] = (float) crop->m[5];
      no_clamp (p);
    }
  /* trawl_image_resize rounds with lrintf (halves to even), the crop's
   * trawl_image_warp_affine halves up */
  p->round_u8 = crop == NULL ? TRAWL_WARP_ROUND_HALF_EVEN : TRAWL_WARP_ROUND_HALF_UP;
  p->bgr = 1;
  for (int c = 0; c < 3; c++)
    {
      p->mean[c] = 255.0f * mean[c];
      p->scale[c] = 1.0f / (255.0f * std[c]);
    }
}

void
trawl_warp_build_det (TrawlWarpParams *p, int src_w, int src_h, const TrawlWarpCrop *crop,
                      int det_w, int det_h)
{
  static const float mean[3] = { 0.485f, 0.456f, 0.406f };
  static const float std[3] = { 0.229f, 0.224f, 0.225f };

  resize_norm (p, src_w, src_h, crop, det_w, det_h, det_w, mean, std);
}

int
trawl_warp_build_rec (TrawlWarpParams *p, int src_w, int src_h, const TrawlWarpCrop *crop,
                      int height, int max_width)
{
  static const float mean[3] = { 0.5f, 0.5f, 0.5f };
  static const float std[3] = { 0.5f, 0.5f, 0.5f };
  int cw = crop ? crop->w : src_w, ch = crop ? crop->h : src_h;
  double w = ceil (height * ((double) cw / ch));
  int rw = w > max_width ? max_width : MAX ((int) w, 1);

  resize_norm (p, src_w, src_h, crop, max_width, height, rw, mean, std);
  return rw;
}

static float
dist (TrawlOcrPoint a, TrawlOcrPoint b)
{
  return hypotf (a.x - b.x, a.y - b.y);
}

void
trawl_warp_rectify_crop (const TrawlOcrBox *b, float mx_h, float my_h, float scale,
                         TrawlWarpCrop *crop)
{
  const TrawlOcrPoint *q = b->pts;
  float w = MAX (dist (q[0], q[1]), dist (q[3], q[2]));
  float h = MAX (dist (q[0], q[3]), dist (q[1], q[2]));

  if (w < 1 || h < 1)
    {
      /* Every point far off any image: the 1 x 1 crop is black. */
      static const double away[6] = { 0, 0, -1e6, 0, 0, -1e6 };

      memcpy (crop->m, away, sizeof away);
      crop->w = crop->h = 1;
      return;
    }
  /* Unit vectors along the box, divided by scale: output px to image px.
   * Float arithmetic as it always was in plate-pipeline.c. */
  float ux = (q[1].x - q[0].x) / dist (q[0], q[1]), uy = (q[1].y - q[0].y) / dist (q[0], q[1]);
  float vx = (q[3].x - q[0].x) / dist (q[0], q[3]), vy = (q[3].y - q[0].y) / dist (q[0], q[3]);
  float mx = mx_h * h, my = my_h * h;

  crop->w = MAX (1, (int) lroundf ((w + 2 * mx) * scale));
  crop->h = MAX (1, (int) lroundf ((h + 2 * my) * scale));
  crop->m[0] = ux / scale;
  crop->m[1] = vx / scale;
  crop->m[2] = q[0].x - mx * ux - my * vx;
  crop->m[3] = uy / scale;
  crop->m[4] = vy / scale;
  crop->m[5] = q[0].y - mx * uy - my * vy;
}

void
trawl_warp_crop_compose (const TrawlWarpCrop *outer, const TrawlWarpCrop *inner,
                         TrawlWarpCrop *out)
{
  const double *o = outer->m, *i = inner->m;
  double m[6] = {
    o[0] * i[0] + o[1] * i[3], o[0] * i[1] + o[1] * i[4], o[0] * i[2] + o[1] * i[5] + o[2],
    o[3] * i[0] + o[4] * i[3], o[3] * i[1] + o[4] * i[4], o[3] * i[2] + o[4] * i[5] + o[5],
  };

  memcpy (out->m, m, sizeof m);
  out->w = inner->w;
  out->h = inner->h;
}
