/* warp-build.h - the warp parameters (src/rules/warp.h) that reproduce
 * each CPU preprocessing step of the face and plate pipelines, so that a
 * frame on the GPU is cut into network inputs by the warp kernel exactly
 * as the CPU path cuts an RGB image (up to float rounding). The plate
 * crops go in the CPU path's two steps: trawl_warp_build_crop to 8-bit
 * values, then trawl_warp_build_rec / _det with crop NULL from there; the
 * one-warp composed builders (crop given) are only near, and measured.
 * Pure arithmetic, no CUDA: tests check every builder against the CPU
 * function it stands for through _trawl_warp_rgb_ref. Private to
 * src/detect.
 */
#pragma once

#include <glib.h>

#include "rules/warp.h"
#include "trawl/ocr.h"

G_BEGIN_DECLS

/* A rectified crop of an image described by its map instead of its
 * pixels: crop point (u, v) in continuous coordinates (pixel centres at
 * +0.5) is image point m * (u, v), the convention of
 * trawl_image_warp_affine; the crop is w x h px. */
typedef struct {
  double m[6];
  int    w, h;   /* px */
} TrawlWarpCrop;

/* SSD regions and landmark crops: trawl_faces_prepare_input of region
 * (x, y, w, h) of a src_w x src_h image into a size x size tensor (center:
 * the landmark net's centred padToSquare). Exact up to float rounding. */
void trawl_warp_build_square (TrawlWarpParams *p, int src_w, int src_h, int x, int y, int w,
                              int h, int size, gboolean center);

/* The aligned face chip: trawl_image_warp_affine through m (chip px ->
 * image px) into a size x size uint8 chip, then the recogniser's planar
 * 0..255 RGB input. Exact up to float rounding (a value may flip by one
 * where the double-precision CPU sum lands on .5). */
void trawl_warp_build_chip (TrawlWarpParams *p, int src_w, int src_h, const double m[6], int size);

/* The pixels of a crop as trawl_image_warp_affine cuts them (through
 * crop->m, supersampled when it shrinks, black outside the source, rounded
 * to 8 bits), as planar RGB on the 0..255 scale, crop->w x crop->h: the
 * first of the two stages by which the GPU path makes the CPU path's rec
 * and det inputs of a rectified crop (the second resizes this, see
 * trawl_warp_build_rec and trawl_warp_build_det with crop NULL). Exact up
 * to float rounding (a value may flip by one step where the CPU's double
 * coordinates and the rule's float ones straddle a .5). */
void trawl_warp_build_crop (TrawlWarpParams *p, int src_w, int src_h, const TrawlWarpCrop *crop);

/* PP-OCR det's input size for a w x h image (trawl_ocr_det_input's rule:
 * the long side limited to limit_side, each side rounded to a multiple of
 * 32, at least 32). */
void trawl_warp_det_size (int w, int h, int limit_side, int *det_w, int *det_h);

/* PP-OCR det's input (resize to det_w x det_h with half-pixel centres,
 * uint8, BGR, ImageNet mean/std) of the whole image when crop is NULL:
 * exact as trawl_ocr_det_input up to float rounding. With crop, of that
 * crop of the image in one warp (the map composed; near, not exact). */
void trawl_warp_build_det (TrawlWarpParams *p, int src_w, int src_h, const TrawlWarpCrop *crop,
                           int det_w, int det_h);

/* PP-OCR rec's input of a crop: trawl_ocr_rec_input (height px, width
 * ceil(height * w / h) capped at max_width, BGR, (v/255 - 0.5) / 0.5)
 * composed with the crop's map into one warp. Writes out_w = that width
 * only: the caller zeroes the tensor first (the CPU path's zero padding).
 * Returns the width. Not sample-exact against warping the crop to uint8
 * and resizing it (two roundings and two interpolations there, one here).
 * With crop NULL, of the whole src_w x src_h source: exact as
 * trawl_ocr_rec_input up to float rounding when the source is the crop's
 * pixels (trawl_warp_build_crop's planar output), the GPU path's second
 * stage. */
int  trawl_warp_build_rec (TrawlWarpParams *p, int src_w, int src_h, const TrawlWarpCrop *crop,
                           int height, int max_width);

/* The upright crop of a rotated DB box, grown by mx_h box heights each side
 * along the text and my_h across it, scaled by scale (rectify_scaled in
 * plate-pipeline.c uses this map for its pixels). A degenerate box (a side
 * under 1 px) gives a 1 x 1 crop that maps outside every image (black). */
void trawl_warp_rectify_crop (const TrawlOcrBox *b, float mx_h, float my_h, float scale,
                              TrawlWarpCrop *crop);

/* The crop inner (in outer's px) of the crop outer, as a crop of the image. */
void trawl_warp_crop_compose (const TrawlWarpCrop *outer, const TrawlWarpCrop *inner,
                              TrawlWarpCrop *out);

G_END_DECLS
