/* plate-classic-ref.h - the classic single-frame scene read, kept only as
 * a test reference: what trawl_plate_reader_detect did before every scene
 * entry took the batched path (src/detect/plate-batch.c). Det on the whole
 * frame (trawl_ocr_det_input), then for each wanted box its tight and wide
 * crops cut by trawl_image_warp_affine and read alone
 * (trawl_ocr_rec_input), and plate-like boxes' zoom crops det'd and read the
 * same way. The batched path cuts its inputs in two warps (warp-build.c)
 * and runs nets at other batch sizes; comparing the two
 * (test-plate-batch.c) keeps that honest. Decisions (which boxes, which
 * reads, which read wins, the filter) are the reader's own
 * (plate-rules.c), so only the preprocessing differs. Header-only, for
 * tests/detect. */
#pragma once

#include "detect/detect-private.h"
#include "detect/warp-build.h"
#include "trawl/base.h"
#include "trawl/nn.h"
#include "trawl/ocr.h"

/* DB boxes of img in image px: det at its classic input size, batch 1. */
static inline GArray *
plate_classic_det_boxes (TrawlPlateReader *pr, const TrawlImage *img)
{
  g_autoptr (GError) error = NULL;
  int w = 0, h = 0;
  g_autofree float *x = trawl_ocr_det_input (img, pr->opts.det_max_side, &w, &h);
  TrawlNnPlan *plan = _trawl_plate_det_plan (pr, w, h, &error);
  g_assert_no_error (error);
  TrawlNnTensor in = { TRAWL_NN_F32, 4, { 1, 3, h, w }, x }, out;
  g_assert_true (trawl_nn_plan_run (plan, &in, 1, &out, 1, &error));
  g_assert_no_error (error);
  return trawl_ocr_db_boxes (out.data, w, h, img->width, img->height, NULL);
}

/* The upright crop of box b (trawl_warp_rectify_crop's map) by
 * trawl_image_warp_affine. */
static inline TrawlImage *
plate_classic_rectify (const TrawlImage *img, const TrawlOcrBox *b, float mx_h, float my_h,
                       float scale)
{
  TrawlWarpCrop c;
  trawl_warp_rectify_crop (b, mx_h, my_h, scale, &c);
  TrawlImage *crop = trawl_image_new (c.w, c.h);
  trawl_image_warp_affine (img, c.m, crop);
  return crop;
}

/* One read of crop: rec at batch 1 (the reader's own plan), strict 1. */
static inline TrawlPlate *
plate_classic_read (TrawlPlateReader *pr, const TrawlImage *crop)
{
  const int H = TRAWL_PLATE_REC_H, W = TRAWL_PLATE_REC_W;
  g_autoptr (GError) error = NULL;
  g_autofree float *in = g_new0 (float, 3 * H * W);
  int rw = trawl_ocr_rec_input (crop, H, W, in);
  TrawlNnTensor t = { TRAWL_NN_F32, 4, { 1, 3, H, W }, in }, out;

  g_assert_true (trawl_nn_plan_run (pr->rec, &t, 1, &out, 1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (out.ndim, ==, 3);
  TrawlPlate *p = _trawl_plate_from_probs (pr, out.data, (int) out.dims[1], (int) out.dims[2],
                                           crop->width, rw, &error);
  g_assert_no_error (error);
  _trawl_plate_finish_text (p, 1);
  return p;
}

/* The zoomed read of box b of height h; NULL when det finds no region. */
static inline TrawlPlate *
plate_classic_zoomed (TrawlPlateReader *pr, const TrawlImage *img, const TrawlOcrBox *b, float h)
{
  TrawlWarpCrop c;
  _trawl_plate_zoom_crop (b, h, &c);
  g_autoptr (TrawlImage) zoom = trawl_image_new (c.w, c.h);
  trawl_image_warp_affine (img, c.m, zoom);
  g_autoptr (GArray) boxes = plate_classic_det_boxes (pr, zoom);
  int best = _trawl_plate_best_box (boxes);
  if (best < 0)
    return NULL;
  g_autoptr (TrawlImage) region =
    plate_classic_rectify (zoom, &g_array_index (boxes, TrawlOcrBox, best),
                           TRAWL_PLATE_MARGIN_REGION, TRAWL_PLATE_MARGIN_REGION / 2, 1.0f);
  return plate_classic_read (pr, region);
}

/* The plates of scene img, most confident first, as the classic path read
 * them with pr's options. */
static inline GPtrArray *
plate_classic_detect (TrawlPlateReader *pr, const TrawlImage *img)
{
  g_autoptr (GArray) boxes = plate_classic_det_boxes (pr, img);
  GPtrArray *plates = g_ptr_array_new_with_free_func ((GDestroyNotify) trawl_plate_free);

  for (guint i = 0; i < boxes->len; i++)
    {
      const TrawlOcrBox *b = &g_array_index (boxes, TrawlOcrBox, i);
      float w, h;
      if (!_trawl_plate_box_wanted (pr, b, &w, &h))
        continue;
      g_autoptr (TrawlImage) crop = plate_classic_rectify (img, b, 0.0f, 0.0f, 1.0f);
      g_autoptr (TrawlImage) wide = plate_classic_rectify (img, b, TRAWL_PLATE_MARGIN_WIDE,
                                                           TRAWL_PLATE_MARGIN_WIDE / 2, 1.0f);
      TrawlPlate *reads[3] = { plate_classic_read (pr, crop), plate_classic_read (pr, wide), NULL };
      if (_trawl_plate_wants_zoom (reads[0], reads[1]))
        reads[2] = plate_classic_zoomed (pr, img, b, h);
      int k = _trawl_plate_choose_read (reads, 3);
      TrawlPlate *p = k >= 0 ? g_steal_pointer (&reads[k]) : NULL;
      for (int j = 0; j < 3; j++)
        trawl_plate_free (reads[j]);
      if (p != NULL)
        _trawl_plate_keep (pr, plates, p, b);
    }
  _trawl_plate_sort (plates);
  return plates;
}
