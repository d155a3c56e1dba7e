/* plate-pipeline.c - TrawlPlateReader: scene or crop -> plate reads. Runs
 * PP-OCRv4 det (DB) and rec on the engine; pre/post-processing of the nets
 * is in ocr-post.c, the plate text rules in plate-text.c. What this file
 * adds: rectifying det boxes into upright crops, the plate filter (aspect,
 * grammar, confidence), and the crop strategies (band, gray, auto).
 */
#include "trawl/detect.h"
#include "trawl/base.h"
#include "trawl/nn.h"
#include "trawl/ocr.h"

#include <math.h>
#include <string.h>

#define REC_H 48
#define REC_W 320

struct TrawlPlateReader {
  TrawlPlateOptions opts;      /* defaults filled in */
  TrawlNnGraph     *det_g;     /* owned */
  TrawlNnGraph     *rec_g;
  GHashTable       *det_plans; /* "WxH" -> TrawlNnPlan*: det input size varies */
  TrawlNnPlan      *rec;       /* [1,3,48,320] */
  float            *rec_in;    /* 3*48*320 */
  TrawlOcrDict     *dict;
};

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
  if (pr->det_plans)
    g_hash_table_unref (pr->det_plans);
  trawl_nn_plan_free (pr->rec);
  trawl_nn_graph_unref (pr->det_g);
  trawl_nn_graph_unref (pr->rec_g);
  trawl_ocr_dict_free (pr->dict);
  g_free (pr->rec_in);
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
  TrawlNnPlanOptions po = { TRAWL_NN_BACKEND_CPU, pr->opts.n_threads };
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

/* Runs rec on crop; returns a plate with raw text, chars and confidence. */
/* Latin only: drops CJK too (a band read is of a Latin plate, and the
 * reader's 6625 classes sometimes turn a bolt or a sticker into a Han
 * character). */
static char *
latin_only (const char *raw)
{
  g_autofree char *s = trawl_plate_normalize_strict (raw);
  GString *out = g_string_new (NULL);
  for (const char *p = s; *p; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (out, *p);
  return g_string_free (out, FALSE);
}

/* strict: 0 keeps every character, 1 letters/digits/CJK, 2 Latin only. */
static TrawlPlate *
recognise (TrawlPlateReader *pr, const TrawlImage *crop, int strict, GError **error)
{
  memset (pr->rec_in, 0, sizeof (float) * 3 * REC_H * REC_W);
  trawl_ocr_rec_input (crop, REC_H, REC_W, pr->rec_in);
  TrawlNnTensor in = { TRAWL_NN_F32, 4, { 1, 3, REC_H, REC_W }, pr->rec_in }, out;
  if (!trawl_nn_plan_run (pr->rec, &in, 1, &out, 1, error))
    return NULL;
  if (out.ndim != 3) {
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "plate reader: rec output has %d dims",
                 out.ndim);
    return NULL;
  }
  g_autoptr (TrawlOcrText) t = trawl_ocr_ctc_decode (pr->dict, out.data, (int) out.dims[1],
                                                     (int) out.dims[2], error);
  if (t == NULL)
    return NULL;
  TrawlPlate *p = g_new0 (TrawlPlate, 1);
  p->det_score = 1.0f;
  p->raw = g_strdup (t->text);
  p->chars = g_array_sized_new (FALSE, TRUE, sizeof (TrawlPlateChar), t->n_chars);
  double sum = 0;
  int n = 0;
  for (int i = 0; i < t->n_chars; i++) {
    const TrawlOcrChar *oc = &t->chars[i];
    TrawlPlateChar pc = { 0 };
    pc.c = g_utf8_get_char (trawl_ocr_dict_char (pr->dict, oc->cls));
    pc.prob = oc->prob;
    for (int k = 0; k < 3 && k < TRAWL_OCR_TOPK; k++) {
      pc.alt[k] = oc->alt_prob[k] > 0 ? g_utf8_get_char (trawl_ocr_dict_char (pr->dict, oc->alt_cls[k])) : 0;
      pc.alt_prob[k] = oc->alt_prob[k];
    }
    g_array_append_val (p->chars, pc);
    /* Confidence over the characters that survive normalisation: a space
     * or a dash read with low certainty says nothing about the plate. */
    gunichar up = g_unichar_toupper (pc.c);
    if ((up < 128 && g_ascii_isalnum ((char) up)) || g_unichar_get_script (up) == G_UNICODE_SCRIPT_HAN) {
      sum += pc.prob;
      n++;
    }
  }
  p->confidence = n ? (float) (sum / n) : 0.0f;
  g_autofree char *norm = strict == 2 ? latin_only (p->raw)
                         : strict == 1 ? trawl_plate_normalize_strict (p->raw)
                                       : trawl_plate_normalize (p->raw);
  p->text = trawl_plate_fix_by_grammar (norm);
  p->format = trawl_plate_classify (p->text);
  return p;
}

/* How well a read fits a plate: plausible formats first, then confidence. */
static double
read_rank (const TrawlPlate *p)
{
  return (trawl_plate_plausible (p->text) ? 1.0 : 0.0) + p->confidence;
}

/* ---- scenes ---- */

static TrawlNnPlan *
det_plan (TrawlPlateReader *pr, int w, int h, GError **error)
{
  g_autofree char *key = g_strdup_printf ("%dx%d", w, h);
  TrawlNnPlan *plan = g_hash_table_lookup (pr->det_plans, key);
  if (plan)
    return plan;
  TrawlNnTensor shape = { TRAWL_NN_F32, 4, { 1, 3, h, w }, NULL };
  TrawlNnPlanOptions po = { TRAWL_NN_BACKEND_CPU, pr->opts.n_threads };
  plan = trawl_nn_plan_new (pr->det_g, &shape, 1, &po, error);
  if (plan)
    g_hash_table_insert (pr->det_plans, g_steal_pointer (&key), plan);
  return plan;
}

/* DB text boxes of img, image px. NULL with error set. */
static GArray *
det_boxes (TrawlPlateReader *pr, const TrawlImage *img, GError **error)
{
  int w = 0, h = 0;
  g_autofree float *x = trawl_ocr_det_input (img, pr->opts.det_max_side, &w, &h);
  TrawlNnPlan *plan = det_plan (pr, w, h, error);
  if (plan == NULL)
    return NULL;
  TrawlNnTensor in = { TRAWL_NN_F32, 4, { 1, 3, h, w }, x }, out;
  if (!trawl_nn_plan_run (plan, &in, 1, &out, 1, error))
    return NULL;
  return trawl_ocr_db_boxes (out.data, w, h, img->width, img->height, NULL);
}

static float
dist (TrawlOcrPoint a, TrawlOcrPoint b)
{
  return hypotf (a.x - b.x, a.y - b.y);
}

/* The upright crop of a rotated box: an affine warp taking the box's
 * top-left, top-right and bottom-left corners to the crop's. */
static TrawlImage *
rectify (const TrawlImage *img, const TrawlOcrBox *b, float margin)
{
  const TrawlOcrPoint *q = b->pts;
  float w = MAX (dist (q[0], q[1]), dist (q[3], q[2]));
  float h = MAX (dist (q[0], q[3]), dist (q[1], q[2]));
  if (w < 1 || h < 1)
    return trawl_image_new (1, 1);
  /* Unit vectors along the box; margin grows it by margin*h each side
   * along the text and half that across it. */
  float ux = (q[1].x - q[0].x) / dist (q[0], q[1]), uy = (q[1].y - q[0].y) / dist (q[0], q[1]);
  float vx = (q[3].x - q[0].x) / dist (q[0], q[3]), vy = (q[3].y - q[0].y) / dist (q[0], q[3]);
  float mx = margin * h, my = margin * h / 2;
  int W = MAX (1, (int) lroundf (w + 2 * mx)), H = MAX (1, (int) lroundf (h + 2 * my));
  double m[6] = { ux, vx, q[0].x - mx * ux - my * vx,
                  uy, vy, q[0].y - mx * uy - my * vy };
  TrawlImage *crop = trawl_image_new (W, H);
  trawl_image_warp_affine (img, m, crop);
  return crop;
}

static int
cmp_plate (gconstpointer a, gconstpointer b)
{
  const TrawlPlate *pa = *(TrawlPlate *const *) a, *pb = *(TrawlPlate *const *) b;
  return (pa->confidence < pb->confidence) - (pa->confidence > pb->confidence);
}

static gboolean
already_read (GPtrArray *plates, const char *text)
{
  for (guint i = 0; i < plates->len; i++)
    if (strcmp (((TrawlPlate *) plates->pdata[i])->text, text) == 0)
      return TRUE;
  return FALSE;
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
    if (b->score < pr->opts.min_det_score)
      continue;
    float w = MAX (dist (b->pts[0], b->pts[1]), dist (b->pts[3], b->pts[2]));
    float h = MAX (dist (b->pts[0], b->pts[3]), dist (b->pts[1], b->pts[2]));
    /* One line of plate text is wider than tall, and not a long sentence. */
    if (h < 6 || w < 1.2f * h || w > 15.0f * h)
      continue;
    /* DB boxes hug the characters and sometimes clip the first one: read
     * the box as found and with a margin, keep the read that fits best. */
    g_autoptr (TrawlImage) crop = rectify (img, b, 0.0f);
    g_autoptr (TrawlImage) wide = rectify (img, b, 0.3f);
    g_autoptr (TrawlPlate) p = recognise (pr, crop, 1, error);
    g_autoptr (TrawlPlate) p2 = p ? recognise (pr, wide, 1, error) : NULL;
    if (p2 == NULL) {
      g_ptr_array_unref (plates);
      return NULL;
    }
    if (read_rank (p2) > read_rank (p)) {
      trawl_plate_free (p);
      p = g_steal_pointer (&p2);
    }
    if (p->confidence < pr->opts.min_confidence || !trawl_plate_plausible (p->text) ||
        already_read (plates, p->text))
      continue;
    p->det_score = b->score;
    float x0 = G_MAXFLOAT, y0 = G_MAXFLOAT, x1 = -G_MAXFLOAT, y1 = -G_MAXFLOAT;
    for (int k = 0; k < 4; k++) {
      p->quad[k].x = b->pts[k].x;
      p->quad[k].y = b->pts[k].y;
      x0 = MIN (x0, b->pts[k].x); y0 = MIN (y0, b->pts[k].y);
      x1 = MAX (x1, b->pts[k].x); y1 = MAX (y1, b->pts[k].y);
    }
    p->box = (TrawlBox) { x0, y0, x1 - x0, y1 - y0 };
    g_ptr_array_add (plates, g_steal_pointer (&p));
  }
  g_ptr_array_sort (plates, cmp_plate);
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
  const TrawlOcrBox *best = NULL;
  float best_area = 0;
  for (guint i = 0; i < boxes->len; i++) {
    const TrawlOcrBox *b = &g_array_index (boxes, TrawlOcrBox, i);
    float w = dist (b->pts[0], b->pts[1]), h = dist (b->pts[0], b->pts[3]);
    if (w >= h && w * h * b->score > best_area) {
      best_area = w * h * b->score;
      best = b;
    }
  }
  return best ? rectify (crop, best, 0.15f) : NULL;
}

static TrawlPlate *
read_variant (TrawlPlateReader *pr, const TrawlImage *crop, gboolean use_band, gboolean gray,
              int strict, GError **error)
{
  g_autoptr (TrawlImage) b = use_band ? band (crop) : NULL;
  const TrawlImage *src = b ? b : crop;
  g_autoptr (TrawlImage) g = gray ? to_gray (src) : NULL;
  return recognise (pr, g ? g : src, strict, error);
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
