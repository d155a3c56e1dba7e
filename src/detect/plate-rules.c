/* plate-rules.c - what a plate read is and which read wins, for every
 * path of the reader: a plate from rec's output (raw CTC probabilities or
 * reduced step records), its text finished (normalisation, grammar,
 * confidence), the rank and choice of several reads of one box, which
 * scene boxes are worth reading (and closer), keeping and sorting a
 * frame's plates, the det plans. The scene path (plate-batch.c) and the
 * crop reads (plate-pipeline.c) both call these; this file calls neither.
 */
#include "detect/detect-private.h"
#include "detect/warp-build.h"
#include "trawl/base.h"
#include "trawl/nn.h"
#include "trawl/ocr.h"
#include "trawl/plate.h"

#include <math.h>
#include <string.h>

#define REC_W TRAWL_PLATE_REC_W

/* A read that adds characters at an end of another (see extends) must be
 * at least this sure of each, and lose no more than this in confidence. */
#define EXTEND_MIN_PROB 0.80f
#define EXTEND_MAX_LOSS 0.05f
/* Of two reads of one box, one that fits a national shape as read is
 * taken over one that fits none unless that one is FIT_BONUS surer on
 * average; one the shape rules reached at cost c (nats, of at most
 * SHAPE_MAX_COST: trawl_plate_resolve_by_shape) gets the bonus scaled by
 * 1 - c / SHAPE_MAX_COST. Chosen on plates/images: an Italian 1/I the
 * zoomed read offered at 1/2 (cost 0.7) was to win over a surer read
 * fitting nothing, a US 6/G offered at 0.3 (cost 1.2) by a Dutch side
 * code was not; 0.08 to 0.18 does both. */
#define FIT_BONUS      0.1
#define SHAPE_MAX_COST 1.4

static TrawlPlate *plate_from_text (TrawlPlateReader *pr, const TrawlOcrText *t, int T,
                                    int crop_w, int rw);

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


TrawlPlate *
_trawl_plate_from_steps (TrawlPlateReader *pr, const TrawlCtcStep *steps, int T, int crop_w,
                         int rw, int strict, GError **error)
{
  g_autoptr (TrawlOcrText) t = _trawl_ocr_ctc_decode_steps (pr->dict, steps, T, error);
  if (t == NULL)
    return NULL;
  TrawlPlate *p = plate_from_text (pr, t, T, crop_w, rw);
  _trawl_plate_finish_text (p, strict);
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
  for (int i = 0; i < t->n_chars; i++)
    {
      const TrawlOcrChar *oc = &t->chars[i];
      TrawlPlateChar pc = { 0 };
      pc.c = g_utf8_get_char (trawl_ocr_dict_char (pr->dict, oc->cls));
      pc.prob = oc->prob;
      pc.x = ((float) oc->step + 0.5f) * step_px;
      for (int k = 0; k < 3 && k < TRAWL_OCR_TOPK; k++)
        {
          pc.alt[k] = oc->alt_prob[k] > 0 ? g_utf8_get_char (trawl_ocr_dict_char (pr->dict, oc->alt_cls[k])) : 0;
          pc.alt_prob[k] = oc->alt_prob[k];
        }
      g_array_append_val (p->chars, pc);
    }
  return p;
}


/* plate_from_text of rec's output probs [T, C]. */
TrawlPlate *
_trawl_plate_from_probs (TrawlPlateReader *pr, const float *probs, int T, int C, int crop_w, int rw,
                  GError **error)
{
  g_autoptr (TrawlOcrText) t = trawl_ocr_ctc_decode (pr->dict, probs, T, C, error);
  return t != NULL ? plate_from_text (pr, t, T, crop_w, rw) : NULL;
}


/* The text, confidence and format of p from its characters; strict: 2
 * Latin only, else the one normalisation. */
void
_trawl_plate_finish_text (TrawlPlate *p, int strict)
{
  GString *kept = g_string_new (NULL);
  double sum = 0;
  int n = 0;
  for (guint i = 0; i < p->chars->len; i++)
    {
      const TrawlPlateChar *pc = &g_array_index (p->chars, TrawlPlateChar, i);
      g_string_append_unichar (kept, pc->c);
      /* Confidence over the characters that survive normalisation: a space
       * or a dash read with low certainty says nothing about the plate. */
      if (trawl_plate_char_kept (pc->c))
        {
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


/* How surely p's text fits a national shape: 1 when its characters fit
 * as read, less the more the reader's alternatives were needed to make it
 * fit (1 - cost / SHAPE_MAX_COST), 0 when it fits none. */
static double
shape_fit (const TrawlPlate *p)
{
  if (trawl_plate_shape_country (p->text) == NULL)
    return 0.0;
  TrawlPlateSlot slots[16];
  int n = p->chars != NULL ? trawl_plate_chars_to_slots (p->chars, slots, G_N_ELEMENTS (slots)) : -1;
  double cost = 0;
  g_autofree char *r = n > 0 ? trawl_plate_resolve_by_shape (slots, n, &cost) : NULL;
  if (r == NULL || strcmp (r, p->text) != 0)
    return 1.0;  /* fitted by another rule (fix_by_grammar) or by what strict dropped */
  return MAX (0.0, 1.0 - cost / SHAPE_MAX_COST);
}

/* How well a read fits a plate: plausible formats first, then a national
 * shape (FIT_BONUS), then confidence. */
double
_trawl_plate_read_rank (const TrawlPlate *p)
{
  return (trawl_plate_plausible (p->text) ? 1.0 : 0.0) + FIT_BONUS * shape_fit (p) +
         p->confidence;
}


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


static float
dist (TrawlOcrPoint a, TrawlOcrPoint b)
{
  return hypotf (a.x - b.x, a.y - b.y);
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


void
_trawl_plate_zoom_crop (const TrawlOcrBox *b, float h, TrawlWarpCrop *crop)
{
  float scale = CLAMP (TRAWL_PLATE_ZOOM_H / h, 1.0f, TRAWL_PLATE_ZOOM_MAX);
  trawl_warp_rectify_crop (b, TRAWL_PLATE_ZOOM_CONTEXT, 0.6f * TRAWL_PLATE_ZOOM_CONTEXT, scale,
                           crop);
}


/* The i-th character of chars that survives strict normalisation (the
 * i-th character of a strict read's text), NULL past the end. */
static const TrawlPlateChar *
text_char (const GArray *chars, int i)
{
  for (guint k = 0; chars && k < chars->len; k++)
    {
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
  for (int i = first; i < first + extra; i++)
    {
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
    if (reads[i] && (best < 0 || _trawl_plate_read_rank (reads[i]) > _trawl_plate_read_rank (reads[best])))
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


/* Every box whose read looks like a plate is looked at again, not only
 * small ones: det on the box's neighbourhood finds the line better than
 * det on the whole frame did (a sticker between the characters split it,
 * the box cut a character or took in a frame's print). On plates/images
 * this read two more plates and lost none; the clips read as before. */
gboolean
_trawl_plate_wants_zoom (const TrawlPlate *tight, const TrawlPlate *wide)
{
  return trawl_plate_plausible (tight->text) || trawl_plate_plausible (wide->text);
}


void
_trawl_plate_keep (TrawlPlateReader *pr, GPtrArray *plates, TrawlPlate *p, const TrawlOcrBox *b)
{
  if (p->confidence < pr->opts.min_confidence || !trawl_plate_plausible (p->text) ||
      already_read (plates, p->text))
    {
      trawl_plate_free (p);
      return;
    }
  p->det_score = b->score;
  float x0 = G_MAXFLOAT, y0 = G_MAXFLOAT, x1 = -G_MAXFLOAT, y1 = -G_MAXFLOAT;
  for (int k = 0; k < 4; k++)
    {
      p->quad[k].x = b->pts[k].x;
      p->quad[k].y = b->pts[k].y;
      x0 = MIN (x0, b->pts[k].x); y0 = MIN (y0, b->pts[k].y);
      x1 = MAX (x1, b->pts[k].x); y1 = MAX (y1, b->pts[k].y);
    }
  p->box = (TrawlBox) { x0, y0, x1 - x0, y1 - y0 };
  g_ptr_array_add (plates, p);
}


int
_trawl_plate_best_box (const GArray *boxes)
{
  int best = -1;
  float best_area = 0;
  for (guint i = 0; i < boxes->len; i++)
    {
      const TrawlOcrBox *b = &g_array_index (boxes, TrawlOcrBox, i);
      float w = dist (b->pts[0], b->pts[1]), h = dist (b->pts[0], b->pts[3]);
      if (w >= h && w * h * b->score > best_area)
        {
          best_area = w * h * b->score;
          best = (int) i;
        }
    }
  return best;
}
