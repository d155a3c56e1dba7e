/* plate-pipeline.c - TrawlPlateReader: scene or crop -> plate reads. Runs
 * PP-OCRv4 det (DB) and rec on the engine; pre/post-processing of the nets
 * is in ocr-post.c, the plate text rules in src/plate (trawl/plate.h),
 * trimming a read's ends in plate-chars.c. What this file adds: rectifying
 * det boxes into upright crops, the plate filter (aspect, grammar,
 * confidence), and the crop strategies (band, gray, auto). Scenes, host
 * images and GPU frames alike, take the batched path (plate-batch.c):
 * the entries here only wrap it. What a read is and which read wins is
 * plate-rules.c's, shared with that path.
 */
#include "detect/detect-private.h"
#include "detect/warp-build.h"
#include "trawl/base.h"
#include "trawl/nn.h"
#include "trawl/ocr.h"
#include "trawl/plate.h"

#include <math.h>
#include <string.h>

#define REC_H TRAWL_PLATE_REC_H
#define REC_W TRAWL_PLATE_REC_W

/* End trimming (trawl_plate_chars_trim): a character counts as outside the
 * main text line when its centre is more than TRIM_MARGIN line heights
 * beyond the line's det columns (the CTC position is good to about one
 * step), and as unsure below TRIM_MAX_PROB. */
#define TRIM_MARGIN   0.10f
#define TRIM_MAX_PROB 0.95f
/* Boxes at least this fraction of the tallest line's height, level with
 * it, belong to the same line (a number split by a gap or a picture). */
#define LINE_MIN_H    0.75f
/* Stacked characters are trimmed off a band read's ends
 * (trawl_plate_chars_trim_stacked) while this many letters/digits stay. */
#define STACK_MIN_KEEP 4

/* The columns and rows of a crop's main text line, crop px; h 0 when
 * unknown. */
typedef struct {
  float x0, x1, h, y0, y1;
} Columns;

void
trawl_plate_reader_free (TrawlPlateReader *pr)
{
  if (pr == NULL)
    return;
  _trawl_plate_batch_free (pr);
  if (pr->det_plans)
    g_hash_table_unref (pr->det_plans);
  trawl_nn_plan_free (pr->rec);
  trawl_nn_graph_unref (pr->det_g);
  trawl_nn_graph_unref (pr->rec_g);
  trawl_ocr_dict_free (pr->dict);
  g_free (pr->rec_in);
  for (int i = 0; i < TRAWL_PLATE_BUCKETS; i++)
    trawl_nn_plan_free (pr->rec_batch[i]);
  g_free (pr);
}

static TrawlNnGraph *
load_graph (const char *dest, GError **error)
{
  g_autofree char *path = trawl_model_path (dest, error);
  return path ? trawl_nn_load (path, error) : NULL;
}

TrawlPlateReader *
trawl_plate_reader_new (const TrawlPlateOptions *opts, GError **error)
{
  TrawlPlateReader *pr = g_new0 (TrawlPlateReader, 1);
  if (opts)
    pr->opts = *opts;
  if (pr->opts.min_det_score <= 0)
    pr->opts.min_det_score = 0.5f;
  if (pr->opts.min_confidence <= 0)
    pr->opts.min_confidence = 0.5f;
  if (pr->opts.det_max_side <= 0)
    pr->opts.det_max_side = 960;
  pr->det_plans = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) trawl_nn_plan_free);
  g_autofree char *dict_path = trawl_model_path ("ocr-models/ppocr_keys_v1.txt", error);
  if (dict_path == NULL || (pr->dict = trawl_ocr_dict_load (dict_path, error)) == NULL ||
      (pr->det_g = load_graph ("ocr-models/ch_PP-OCRv4_det_infer.onnx", error)) == NULL ||
      (pr->rec_g = load_graph ("ocr-models/ch_PP-OCRv4_rec_infer.onnx", error)) == NULL)
    {
      trawl_plate_reader_free (pr);
      return NULL;
    }
  TrawlNnTensor shape = { TRAWL_NN_F32, 4, { 1, 3, REC_H, REC_W }, NULL };
  TrawlNnPlanOptions po = { .backend = pr->opts.backend, .n_threads = pr->opts.n_threads,
                            .precision = pr->opts.precision };
  pr->rec = trawl_nn_plan_new (pr->rec_g, &shape, 1, &po, error);
  if (pr->rec == NULL)
    {
      trawl_plate_reader_free (pr);
      return NULL;
    }
  pr->rec_in = g_new (float, 3 * REC_H * REC_W);
  return pr;
}

/* ---- reading one upright crop ---- */

static TrawlImage *
to_gray (const TrawlImage *img)
{
  TrawlImage *g = trawl_image_copy (img);
  for (int y = 0; y < g->height; y++)
    {
      guint8 *p = g->data + (gsize) y * g->stride;
      for (int x = 0; x < g->width; x++, p += 3)
        {
          guint8 l = (guint8) ((299 * p[0] + 587 * p[1] + 114 * p[2] + 500) / 1000);
          p[0] = p[1] = p[2] = l;
        }
    }
  return g;
}

/* The first row of the band. */
static int
band_top (const TrawlImage *img)
{
  return (int) lround (img->height * 0.20);
}

/* The central band of rows, where US plates keep their number (the state
 * name sits above, the slogan below). */
static TrawlImage *
band (const TrawlImage *img)
{
  int y0 = band_top (img), y1 = (int) lround (img->height * 0.85);
  return trawl_image_crop (img, 0, y0, img->width, MAX (1, y1 - y0));
}

/* Runs rec on crop; returns a plate with raw text, chars (with their
 * columns) and confidence. cols, when known, trims ornament off the ends.
 * strict: 0 and 1 the one normalisation (trawl_plate_normalize), 2 Latin
 * only (CJK dropped too). */
static TrawlPlate *
recognise_untimed (TrawlPlateReader *pr, const TrawlImage *crop, int strict, const Columns *cols,
                   GError **error)
{
  memset (pr->rec_in, 0, sizeof (float) * 3 * REC_H * REC_W);
  int rw = trawl_ocr_rec_input (crop, REC_H, REC_W, pr->rec_in);
  TrawlNnTensor in = { TRAWL_NN_F32, 4, { 1, 3, REC_H, REC_W }, pr->rec_in }, out;
  if (!trawl_nn_plan_run (pr->rec, &in, 1, &out, 1, error))
    return NULL;
  if (out.ndim != 3 || out.dims[1] < 1 || rw < 1)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "plate reader: rec output has %d dims",
                   out.ndim);
      return NULL;
    }
  TrawlPlate *p = _trawl_plate_from_probs (pr, out.data, (int) out.dims[1], (int) out.dims[2],
                                    crop->width, rw, error);
  if (p == NULL)
    return NULL;
  if (cols != NULL && cols->h > 0)
    {
      trawl_plate_chars_trim (p->chars, cols->x0, cols->x1, TRIM_MARGIN * cols->h, TRIM_MAX_PROB);
      trawl_plate_chars_trim_stacked (p->chars, crop, cols->y0, cols->y1, STACK_MIN_KEEP);
    }
  _trawl_plate_finish_text (p, strict);
  return p;
}

static TrawlPlate *
recognise (TrawlPlateReader *pr, const TrawlImage *crop, int strict, const Columns *cols,
           GError **error)
{
  gint64 start = g_get_monotonic_time ();
  TrawlPlate *p = recognise_untimed (pr, crop, strict, cols, error);

  pr->times.read_s += (g_get_monotonic_time () - start) / 1e6;
  return p;
}

/* ---- det and rectification of a crop ---- */

/* DB text boxes of img, image px. NULL with error set. */
static GArray *
det_boxes_untimed (TrawlPlateReader *pr, const TrawlImage *img, GError **error)
{
  int w = 0, h = 0;
  g_autofree float *x = trawl_ocr_det_input (img, pr->opts.det_max_side, &w, &h);
  TrawlNnPlan *plan = _trawl_plate_det_plan (pr, w, h, error);
  if (plan == NULL)
    return NULL;
  TrawlNnTensor in = { TRAWL_NN_F32, 4, { 1, 3, h, w }, x }, out;
  if (!trawl_nn_plan_run (plan, &in, 1, &out, 1, error))
    return NULL;
  return trawl_ocr_db_boxes (out.data, w, h, img->width, img->height, NULL);
}

static GArray *
det_boxes (TrawlPlateReader *pr, const TrawlImage *img, GError **error)
{
  gint64 start = g_get_monotonic_time ();
  GArray *boxes = det_boxes_untimed (pr, img, error);

  pr->times.detect_s += (g_get_monotonic_time () - start) / 1e6;
  return boxes;
}

void
trawl_plate_reader_get_timings (const TrawlPlateReader *pr, TrawlPlateTimings *t)
{
  *t = pr->times;
}

/* The upright crop of a rotated box, grown by mx_h box heights each side
 * along the text and my_h across it, scaled by scale: an affine warp taking
 * the box's top-left, top-right and bottom-left corners to the crop's (its
 * map is trawl_warp_rectify_crop's, which the GPU path warps with). */
static TrawlImage *
rectify_scaled (const TrawlImage *img, const TrawlOcrBox *b, float mx_h, float my_h, float scale)
{
  TrawlWarpCrop c;
  trawl_warp_rectify_crop (b, mx_h, my_h, scale, &c);
  TrawlImage *crop = trawl_image_new (c.w, c.h);
  trawl_image_warp_affine (img, c.m, crop);
  return crop;
}

/* The upright crop of a box, grown by margin heights along the text and
 * half that across it. */
static TrawlImage *
rectify (const TrawlImage *img, const TrawlOcrBox *b, float margin)
{
  return rectify_scaled (img, b, margin, margin / 2, 1.0f);
}


/* ---- crops ---- */

/* The best det region of a loose crop, rectified; NULL when det finds
 * nothing wide enough (the caller then reads the whole crop). */
static TrawlImage *
best_region (TrawlPlateReader *pr, const TrawlImage *crop, GError **error, gboolean *failed)
{
  *failed = FALSE;
  g_autoptr (GArray) boxes = det_boxes (pr, crop, error);
  if (boxes == NULL)
    {
      *failed = TRUE;
      return NULL;
    }
  int best = _trawl_plate_best_box (boxes);
  return best >= 0 ? rectify (crop, &g_array_index (boxes, TrawlOcrBox, best),
                              TRAWL_PLATE_MARGIN_REGION) : NULL;
}

static void
box_bounds (const TrawlOcrBox *b, float *x0, float *x1, float *y0, float *y1)
{
  *x0 = *y0 = G_MAXFLOAT;
  *x1 = *y1 = -G_MAXFLOAT;
  for (int k = 0; k < 4; k++)
    {
      *x0 = MIN (*x0, b->pts[k].x);
      *x1 = MAX (*x1, b->pts[k].x);
      *y0 = MIN (*y0, b->pts[k].y);
      *y1 = MAX (*y1, b->pts[k].y);
    }
}

/* The columns of a plate crop's main text line: the tallest det box at
 * least as wide as tall (the number is the largest print on a plate),
 * widened by the boxes nearly as tall and level with it. Leaves cols->h 0
 * when det finds no such line. FALSE with error set when det fails. */
static gboolean
main_columns (TrawlPlateReader *pr, const TrawlImage *crop, Columns *cols, GError **error)
{
  *cols = (Columns) { 0, 0, 0, 0, 0 };
  g_autoptr (GArray) boxes = det_boxes (pr, crop, error);
  if (boxes == NULL)
    return FALSE;
  float lx0 = 0, lx1 = 0, ly0 = 0, ly1 = 0, best_h = 0;
  for (guint i = 0; i < boxes->len; i++)
    {
      float x0, x1, y0, y1;
      box_bounds (&g_array_index (boxes, TrawlOcrBox, i), &x0, &x1, &y0, &y1);
      if (x1 - x0 >= y1 - y0 && y1 - y0 > best_h)
        {
          best_h = y1 - y0;
          lx0 = x0; lx1 = x1; ly0 = y0; ly1 = y1;
        }
    }
  if (best_h <= 0)
    return TRUE;
  float cy = (ly0 + ly1) / 2;
  cols->x0 = lx0;
  cols->x1 = lx1;
  cols->h = best_h;
  cols->y0 = ly0;
  cols->y1 = ly1;
  for (guint i = 0; i < boxes->len; i++)
    {
      float x0, x1, y0, y1;
      box_bounds (&g_array_index (boxes, TrawlOcrBox, i), &x0, &x1, &y0, &y1);
      if (y1 - y0 >= LINE_MIN_H * best_h && y0 < cy && cy < y1)
        {
          cols->x0 = MIN (cols->x0, x0);
          cols->x1 = MAX (cols->x1, x1);
        }
    }
  return TRUE;
}

/* One read of crop: the band of rows (then with the ends trimmed to the
 * main line's columns) or the whole, in colour or gray. */
static TrawlPlate *
read_variant (TrawlPlateReader *pr, const TrawlImage *crop, gboolean use_band, gboolean gray,
              int strict, GError **error)
{
  Columns cols = { 0, 0, 0, 0, 0 };
  if (use_band && !main_columns (pr, crop, &cols, error))
    return NULL;
  /* the line's rows in the band */
  cols.y0 -= use_band ? band_top (crop) : 0;
  cols.y1 -= use_band ? band_top (crop) : 0;
  g_autoptr (TrawlImage) b = use_band ? band (crop) : NULL;
  const TrawlImage *src = b ? b : crop;
  g_autoptr (TrawlImage) g = gray ? to_gray (src) : NULL;
  return recognise (pr, g ? g : src, strict, &cols, error);
}
TrawlPlate *
trawl_plate_reader_read_crop (TrawlPlateReader *pr, const TrawlImage *crop,
                              TrawlPlateCropFlags flags, GError **error)
{
  g_return_val_if_fail (pr != NULL && crop != NULL, NULL);
  g_autoptr (TrawlImage) region = NULL;
  if (flags & TRAWL_PLATE_CROP_DETECT)
    {
      gboolean failed;
      region = best_region (pr, crop, error, &failed);
      if (failed)
        return NULL;
    }
  const TrawlImage *src = region ? region : crop;
  gboolean gray = (flags & TRAWL_PLATE_CROP_GRAY) != 0;
  gboolean use_band = (flags & TRAWL_PLATE_CROP_BAND) != 0;
  /* Band reads keep letters and digits only: junk around the number is
   * what the band is there to cut. */
  if (!(flags & TRAWL_PLATE_CROP_AUTO))
    return read_variant (pr, src, use_band, gray, use_band ? 2 : 0, error);
  TrawlPlate *whole = read_variant (pr, src, FALSE, gray, 1, error);
  if (whole == NULL)
    return NULL;
  TrawlPlate *banded = read_variant (pr, src, TRUE, gray, 2, error);
  if (banded == NULL)
    {
      trawl_plate_free (whole);
      return NULL;
    }
  if (_trawl_plate_read_rank (banded) > _trawl_plate_read_rank (whole))
    {
      trawl_plate_free (whole);
      return banded;
    }
  trawl_plate_free (banded);
  return whole;
}

/* ---- scenes: every entry takes the batched path (plate-batch.c) ---- */

static gboolean
bad_arg (GError **error, const char *what)
{
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "plate reader: %s", what);
  return FALSE;
}

gboolean
trawl_plate_reader_detect_frames (TrawlPlateReader *pr, const TrawlDetectFrame *frames, int n,
                                  GPtrArray **plates_out, GError **error)
{
  if (plates_out != NULL)
    for (int f = 0; f < n; f++)
      plates_out[f] = NULL;
  if (frames == NULL || n < 1)
    return bad_arg (error, "no frames");
  g_autofree TrawlFrameSource *srcs = _trawl_frame_sources_of (frames, n);
  return _trawl_plate_reader_detect_sources (pr, srcs, n, plates_out, error);
}

GPtrArray *
trawl_plate_reader_detect (TrawlPlateReader *pr, const TrawlImage *img, GError **error)
{
  TrawlDetectFrame frame = { img, NULL };
  GPtrArray *plates = NULL;

  g_return_val_if_fail (pr != NULL && img != NULL, NULL);
  if (!trawl_plate_reader_detect_frames (pr, &frame, 1, &plates, error))
    return NULL;
  return plates;
}

gboolean
trawl_plate_reader_detect_gpu_batch (TrawlPlateReader *pr, const TrawlGpuFrame *const *frames,
                                     int n, GPtrArray **plates_out, GError **error)
{
  if (plates_out != NULL)
    for (int f = 0; f < n; f++)
      plates_out[f] = NULL;
  g_autofree TrawlFrameSource *srcs =
    _trawl_frame_sources_gpu (frames, n, pr ? pr->rec : NULL, "plate reader", error);
  if (srcs == NULL)
    return FALSE;
  if (plates_out == NULL)
    return bad_arg (error, "nowhere to put the results");
  return _trawl_plate_reader_detect_sources (pr, srcs, n, plates_out, error);
}

GPtrArray *
trawl_plate_reader_detect_gpu (TrawlPlateReader *pr, const TrawlGpuFrame *frame, GError **error)
{
  GPtrArray *plates = NULL;

  if (!trawl_plate_reader_detect_gpu_batch (pr, &frame, 1, &plates, error))
    return NULL;
  return plates;
}
