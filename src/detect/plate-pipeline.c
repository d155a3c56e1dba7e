/* plate-pipeline.c - TrawlPlateReader: scene or crop -> plate reads. Runs
 * PP-OCRv4 det (DB) and rec on the engine; pre/post-processing of the nets
 * is in ocr-post.c, the plate text rules in src/plate (trawl/plate.h),
 * trimming a read's ends in plate-chars.c. What this file adds: rectifying
 * det boxes into upright crops, the plate filter (aspect, grammar,
 * confidence), and the crop strategies (band, gray, auto). The scene path
 * on frames that stay on the GPU is plate-gpu.c; the choices both paths
 * make alike are here, behind detect-private.h.
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
/* A read that adds characters at an end of another (see extends) must be
 * at least this sure of each, and lose no more than this in confidence. */
#define EXTEND_MIN_PROB 0.80f
#define EXTEND_MAX_LOSS 0.05f

/* The columns of a crop's main text line, crop px; h 0 when unknown. */
typedef struct {
  float x0, x1, h;
} Columns;

void
trawl_plate_free (TrawlPlate *p)
{
  if (p == NULL)
    return;
  g_free (p->raw);
  g_free (p->text);
  if (p->chars)
    g_array_unref (p->chars);
  g_free (p);
}

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
      (pr->rec_g = load_graph ("ocr-models/ch_PP-OCRv4_rec_infer.onnx", error)) == NULL) {
    trawl_plate_reader_free (pr);
    return NULL;
  }
  TrawlNnTensor shape = { TRAWL_NN_F32, 4, { 1, 3, REC_H, REC_W }, NULL };
  TrawlNnPlanOptions po = { .backend = pr->opts.backend, .n_threads = pr->opts.n_threads,
                            .precision = pr->opts.precision };
  pr->rec = trawl_nn_plan_new (pr->rec_g, &shape, 1, &po, error);
  if (pr->rec == NULL) {
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
  for (int y = 0; y < g->height; y++) {
    guint8 *p = g->data + (gsize) y * g->stride;
    for (int x = 0; x < g->width; x++, p += 3) {
      guint8 l = (guint8) ((299 * p[0] + 587 * p[1] + 114 * p[2] + 500) / 1000);
      p[0] = p[1] = p[2] = l;
    }
  }
  return g;
}

/* The central band of rows, where US plates keep their number (the state
 * name sits above, the slogan below). */
static TrawlImage *
band (const TrawlImage *img)
{
  int y0 = (int) lround (img->height * 0.20), y1 = (int) lround (img->height * 0.85);
  return trawl_image_crop (img, 0, y0, img->width, MAX (1, y1 - y0));
}

/* Latin only: drops CJK too (a band read is of a Latin plate, and the
 * reader's 6625 classes sometimes turn a bolt or a sticker into a Han
 * character). */
static char *
latin_only (const char *raw)
{
  g_autofree char *s = trawl_plate_normalize (raw);
  GString *out = g_string_new (NULL);
  for (const char *p = s; *p; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (out, *p);
  return g_string_free (out, FALSE);
}

static TrawlPlate *plate_from_probs (TrawlPlateReader *pr, const float *probs, int T, int C,
                                     int crop_w, int rw, GError **error);
static void        plate_finish_text (TrawlPlate *p, int strict);
static TrawlPlate *plate_from_text (TrawlPlateReader *pr, const TrawlOcrText *t, int T,
                                    int crop_w, int rw);

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
  if (out.ndim != 3 || out.dims[1] < 1 || rw < 1) {
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "plate reader: rec output has %d dims",
                 out.ndim);
    return NULL;
  }
  TrawlPlate *p = plate_from_probs (pr, out.data, (int) out.dims[1], (int) out.dims[2],
                                    crop->width, rw, error);
  if (p == NULL)
    return NULL;
  if (cols != NULL && cols->h > 0)
    trawl_plate_chars_trim (p->chars, cols->x0, cols->x1, TRIM_MARGIN * cols->h, TRIM_MAX_PROB);
  plate_finish_text (p, strict);
  return p;
}

TrawlPlate *
_trawl_plate_from_steps (TrawlPlateReader *pr, const TrawlCtcStep *steps, int T, int crop_w,
                         int rw, int strict, GError **error)
{
  g_autoptr (TrawlOcrText) t = _trawl_ocr_ctc_decode_steps (pr->dict, steps, T, error);
  if (t == NULL)
    return NULL;
  TrawlPlate *p = plate_from_text (pr, t, T, crop_w, rw);
  plate_finish_text (p, strict);
  return p;
}

/* A plate holding rec's raw read t of T steps and its characters, with
 * their columns in crop px (crop_w px wide, scaled to rw columns). */
static TrawlPlate *
plate_from_text (TrawlPlateReader *pr, const TrawlOcrText *t, int T, int crop_w, int rw)
{
  /* Crop px per CTC step: the input is the crop scaled to rw columns. */
  float step_px = (float) REC_W / (float) T * (float) crop_w / (float) rw;
  TrawlPlate *p = g_new0 (TrawlPlate, 1);
  p->det_score = 1.0f;
  p->raw = g_strdup (t->text);
  p->chars = g_array_sized_new (FALSE, TRUE, sizeof (TrawlPlateChar), t->n_chars);
  for (int i = 0; i < t->n_chars; i++) {
    const TrawlOcrChar *oc = &t->chars[i];
    TrawlPlateChar pc = { 0 };
    pc.c = g_utf8_get_char (trawl_ocr_dict_char (pr->dict, oc->cls));
    pc.prob = oc->prob;
    pc.x = ((float) oc->step + 0.5f) * step_px;
    for (int k = 0; k < 3 && k < TRAWL_OCR_TOPK; k++) {
      pc.alt[k] = oc->alt_prob[k] > 0 ? g_utf8_get_char (trawl_ocr_dict_char (pr->dict, oc->alt_cls[k])) : 0;
      pc.alt_prob[k] = oc->alt_prob[k];
    }
    g_array_append_val (p->chars, pc);
  }
  return p;
}

/* plate_from_text of rec's output probs [T, C]. */
static TrawlPlate *
plate_from_probs (TrawlPlateReader *pr, const float *probs, int T, int C, int crop_w, int rw,
                  GError **error)
{
  g_autoptr (TrawlOcrText) t = trawl_ocr_ctc_decode (pr->dict, probs, T, C, error);
  return t != NULL ? plate_from_text (pr, t, T, crop_w, rw) : NULL;
}

/* The text, confidence and format of p from its characters; strict: 2
 * Latin only, else the one normalisation. */
static void
plate_finish_text (TrawlPlate *p, int strict)
{
  GString *kept = g_string_new (NULL);
  double sum = 0;
  int n = 0;
  for (guint i = 0; i < p->chars->len; i++) {
    const TrawlPlateChar *pc = &g_array_index (p->chars, TrawlPlateChar, i);
    g_string_append_unichar (kept, pc->c);
    /* Confidence over the characters that survive normalisation: a space
     * or a dash read with low certainty says nothing about the plate. */
    if (trawl_plate_char_kept (pc->c)) {
      sum += pc->prob;
      n++;
    }
  }
  p->confidence = n ? (float) (sum / n) : 0.0f;
  g_autofree char *text = g_string_free (kept, FALSE);
  g_autofree char *norm = strict == 2 ? latin_only (text) : trawl_plate_normalize (text);
  p->text = trawl_plate_chars_resolve (p->chars, norm);
  p->format = trawl_plate_classify (p->text);
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

/* How well a read fits a plate: plausible formats first, then confidence. */
static double
read_rank (const TrawlPlate *p)
{
  return (trawl_plate_plausible (p->text) ? 1.0 : 0.0) + p->confidence;
}

/* ---- scenes ---- */

TrawlNnPlan *
_trawl_plate_det_plan (TrawlPlateReader *pr, int w, int h, GError **error)
{
  g_autofree char *key = g_strdup_printf ("%dx%d", w, h);
  TrawlNnPlan *plan = g_hash_table_lookup (pr->det_plans, key);
  if (plan)
    return plan;
  TrawlNnTensor shape = { TRAWL_NN_F32, 4, { 1, 3, h, w }, NULL };
  TrawlNnPlanOptions po = { .backend = pr->opts.backend, .n_threads = pr->opts.n_threads,
                            .precision = pr->opts.precision };
  plan = trawl_nn_plan_new (pr->det_g, &shape, 1, &po, error);
  if (plan)
    g_hash_table_insert (pr->det_plans, g_steal_pointer (&key), plan);
  return plan;
}

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

static float
dist (TrawlOcrPoint a, TrawlOcrPoint b)
{
  return hypotf (a.x - b.x, a.y - b.y);
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

static int
cmp_plate (gconstpointer a, gconstpointer b)
{
  const TrawlPlate *pa = *(TrawlPlate *const *) a, *pb = *(TrawlPlate *const *) b;
  return (pa->confidence < pb->confidence) - (pa->confidence > pb->confidence);
}

void
_trawl_plate_sort (GPtrArray *plates)
{
  g_ptr_array_sort (plates, cmp_plate);
}

static gboolean
already_read (GPtrArray *plates, const char *text)
{
  for (guint i = 0; i < plates->len; i++)
    if (strcmp (((TrawlPlate *) plates->pdata[i])->text, text) == 0)
      return TRUE;
  return FALSE;
}

static TrawlImage *best_region (TrawlPlateReader *pr, const TrawlImage *crop, GError **error,
                                gboolean *failed);

void
_trawl_plate_zoom_crop (const TrawlOcrBox *b, float h, TrawlWarpCrop *crop)
{
  float scale = CLAMP (TRAWL_PLATE_ZOOM_H / h, 1.0f, TRAWL_PLATE_ZOOM_MAX);
  trawl_warp_rectify_crop (b, TRAWL_PLATE_ZOOM_CONTEXT, 0.6f * TRAWL_PLATE_ZOOM_CONTEXT, scale,
                           crop);
}

/* The zoomed read of box b (see TRAWL_PLATE_ZOOM_H); NULL without error
 * when det finds no region there, NULL with error set on engine failure. */
static TrawlPlate *
read_zoomed (TrawlPlateReader *pr, const TrawlImage *img, const TrawlOcrBox *b, float h,
             GError **error)
{
  TrawlWarpCrop c;
  _trawl_plate_zoom_crop (b, h, &c);
  g_autoptr (TrawlImage) zoom = trawl_image_new (c.w, c.h);
  trawl_image_warp_affine (img, c.m, zoom);
  gboolean failed = FALSE;
  g_autoptr (TrawlImage) region = best_region (pr, zoom, error, &failed);
  if (region == NULL)
    return NULL;
  return recognise (pr, region, 1, NULL, error);
}

/* The i-th character of chars that survives strict normalisation (the
 * i-th character of a strict read's text), NULL past the end. */
static const TrawlPlateChar *
text_char (const GArray *chars, int i)
{
  for (guint k = 0; chars && k < chars->len; k++) {
    const TrawlPlateChar *pc = &g_array_index (chars, TrawlPlateChar, k);
    if (trawl_plate_char_kept (pc->c) && i-- == 0)
      return pc;
  }
  return NULL;
}

/* Does longer hold all of shorter's text and, at one end, at most two more
 * characters the reader was sure of? Such a read saw what a tighter box cut. */
static gboolean
extends (const TrawlPlate *longer, const TrawlPlate *shorter)
{
  int nl = (int) strlen (longer->text), ns = (int) strlen (shorter->text), extra = nl - ns;
  if (ns < 2 || extra < 1 || extra > 2 || !g_str_is_ascii (longer->text) ||
      !g_str_is_ascii (shorter->text))
    return FALSE;
  int first;
  if (strncmp (longer->text + extra, shorter->text, ns) == 0)
    first = 0;
  else if (strncmp (longer->text, shorter->text, ns) == 0)
    first = ns;
  else
    return FALSE;
  for (int i = first; i < first + extra; i++) {
    const TrawlPlateChar *pc = text_char (longer->chars, i);
    if (pc == NULL || pc->prob < EXTEND_MIN_PROB)
      return FALSE;
  }
  return longer->confidence >= shorter->confidence - EXTEND_MAX_LOSS;
}

/* The read to keep of several of one box (NULLs skipped): the best rank,
 * unless a plausible read extends it (see extends). Returns an index. */
int
_trawl_plate_choose_read (TrawlPlate *const *reads, int n)
{
  int best = -1;
  for (int i = 0; i < n; i++)
    if (reads[i] && (best < 0 || read_rank (reads[i]) > read_rank (reads[best])))
      best = i;
  for (int i = 0; best >= 0 && i < n; i++)
    if (reads[i] && trawl_plate_plausible (reads[i]->text) && extends (reads[i], reads[best]))
      best = i;
  return best;
}

gboolean
_trawl_plate_box_wanted (const TrawlPlateReader *pr, const TrawlOcrBox *b, float *w, float *h)
{
  *w = MAX (dist (b->pts[0], b->pts[1]), dist (b->pts[3], b->pts[2]));
  *h = MAX (dist (b->pts[0], b->pts[3]), dist (b->pts[1], b->pts[2]));
  /* One line of plate text is wider than tall, and not a long sentence. */
  return b->score >= pr->opts.min_det_score && *h >= 6 && *w >= 1.2f * *h &&
         *w <= 15.0f * *h;
}

gboolean
_trawl_plate_wants_zoom (float h, const TrawlPlate *tight, const TrawlPlate *wide)
{
  return h < TRAWL_PLATE_ZOOM_H && (trawl_plate_plausible (tight->text) ||
                                    trawl_plate_plausible (wide->text));
}

void
_trawl_plate_keep (TrawlPlateReader *pr, GPtrArray *plates, TrawlPlate *p, const TrawlOcrBox *b)
{
  if (p->confidence < pr->opts.min_confidence || !trawl_plate_plausible (p->text) ||
      already_read (plates, p->text)) {
    trawl_plate_free (p);
    return;
  }
  p->det_score = b->score;
  float x0 = G_MAXFLOAT, y0 = G_MAXFLOAT, x1 = -G_MAXFLOAT, y1 = -G_MAXFLOAT;
  for (int k = 0; k < 4; k++) {
    p->quad[k].x = b->pts[k].x;
    p->quad[k].y = b->pts[k].y;
    x0 = MIN (x0, b->pts[k].x); y0 = MIN (y0, b->pts[k].y);
    x1 = MAX (x1, b->pts[k].x); y1 = MAX (y1, b->pts[k].y);
  }
  p->box = (TrawlBox) { x0, y0, x1 - x0, y1 - y0 };
  g_ptr_array_add (plates, p);
}

GPtrArray *
trawl_plate_reader_detect (TrawlPlateReader *pr, const TrawlImage *img, GError **error)
{
  g_return_val_if_fail (pr != NULL && img != NULL, NULL);
  g_autoptr (GArray) boxes = det_boxes (pr, img, error);
  if (boxes == NULL)
    return NULL;
  GPtrArray *plates = g_ptr_array_new_with_free_func ((GDestroyNotify) trawl_plate_free);
  for (guint i = 0; i < boxes->len; i++) {
    const TrawlOcrBox *b = &g_array_index (boxes, TrawlOcrBox, i);
    float w, h;
    if (!_trawl_plate_box_wanted (pr, b, &w, &h))
      continue;
    /* DB boxes hug the characters and sometimes clip the first one: read
     * the box as found, with a margin and, when small, closer; keep the
     * read that fits best. */
    g_autoptr (TrawlImage) crop = rectify (img, b, 0.0f);
    g_autoptr (TrawlImage) wide = rectify (img, b, TRAWL_PLATE_MARGIN_WIDE);
    TrawlPlate *reads[3] = { NULL, NULL, NULL };
    gboolean ok = (reads[0] = recognise (pr, crop, 1, NULL, error)) != NULL &&
                  (reads[1] = recognise (pr, wide, 1, NULL, error)) != NULL;
    if (ok && _trawl_plate_wants_zoom (h, reads[0], reads[1])) {
      GError *zoom_error = NULL;
      reads[2] = read_zoomed (pr, img, b, h, &zoom_error);
      if (zoom_error != NULL) {
        g_propagate_error (error, zoom_error);
        ok = FALSE;
      }
    }
    int k = ok ? _trawl_plate_choose_read (reads, 3) : -1;
    TrawlPlate *p = k >= 0 ? g_steal_pointer (&reads[k]) : NULL;
    for (int j = 0; j < 3; j++)
      trawl_plate_free (reads[j]);
    if (!ok) {
      g_ptr_array_unref (plates);
      return NULL;
    }
    _trawl_plate_keep (pr, plates, p, b);
  }
  _trawl_plate_sort (plates);
  return plates;
}

/* ---- crops ---- */

/* The best det region of a loose crop, rectified; NULL when det finds
 * nothing wide enough (the caller then reads the whole crop). */
static TrawlImage *
best_region (TrawlPlateReader *pr, const TrawlImage *crop, GError **error, gboolean *failed)
{
  *failed = FALSE;
  g_autoptr (GArray) boxes = det_boxes (pr, crop, error);
  if (boxes == NULL) {
    *failed = TRUE;
    return NULL;
  }
  int best = _trawl_plate_best_box (boxes);
  return best >= 0 ? rectify (crop, &g_array_index (boxes, TrawlOcrBox, best),
                              TRAWL_PLATE_MARGIN_REGION) : NULL;
}

int
_trawl_plate_best_box (const GArray *boxes)
{
  int best = -1;
  float best_area = 0;
  for (guint i = 0; i < boxes->len; i++) {
    const TrawlOcrBox *b = &g_array_index (boxes, TrawlOcrBox, i);
    float w = dist (b->pts[0], b->pts[1]), h = dist (b->pts[0], b->pts[3]);
    if (w >= h && w * h * b->score > best_area) {
      best_area = w * h * b->score;
      best = (int) i;
    }
  }
  return best;
}

static void
box_bounds (const TrawlOcrBox *b, float *x0, float *x1, float *y0, float *y1)
{
  *x0 = *y0 = G_MAXFLOAT;
  *x1 = *y1 = -G_MAXFLOAT;
  for (int k = 0; k < 4; k++) {
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
  *cols = (Columns) { 0, 0, 0 };
  g_autoptr (GArray) boxes = det_boxes (pr, crop, error);
  if (boxes == NULL)
    return FALSE;
  float lx0 = 0, lx1 = 0, ly0 = 0, ly1 = 0, best_h = 0;
  for (guint i = 0; i < boxes->len; i++) {
    float x0, x1, y0, y1;
    box_bounds (&g_array_index (boxes, TrawlOcrBox, i), &x0, &x1, &y0, &y1);
    if (x1 - x0 >= y1 - y0 && y1 - y0 > best_h) {
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
  for (guint i = 0; i < boxes->len; i++) {
    float x0, x1, y0, y1;
    box_bounds (&g_array_index (boxes, TrawlOcrBox, i), &x0, &x1, &y0, &y1);
    if (y1 - y0 >= LINE_MIN_H * best_h && y0 < cy && cy < y1) {
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
  Columns cols = { 0, 0, 0 };
  if (use_band && !main_columns (pr, crop, &cols, error))
    return NULL;
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
  if (flags & TRAWL_PLATE_CROP_DETECT) {
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
  if (banded == NULL) {
    trawl_plate_free (whole);
    return NULL;
  }
  if (read_rank (banded) > read_rank (whole)) {
    trawl_plate_free (whole);
    return banded;
  }
  trawl_plate_free (banded);
  return whole;
}
