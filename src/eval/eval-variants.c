/* eval-variants.c - trawl eval --face-variants: for every labelled face
 * that faces/images finds, the descriptor as the pipeline computes it
 * (five-point alignment, padding 0.25, one chip) and a few other ways:
 * dlib's own alignment rules, another padding around the mean face, and
 * flip test-time augmentation (the chip and a mirrored one embedded, the
 * unit descriptors averaged and renormalised; "+mirror" mirrors the chip,
 * "+flip" aligns the mirrored face to the template; "+shift2", no
 * mirror, the chip shifted 2 px, tells a mirror's gain from a jitter's).
 * The chips are cut from the pipeline's landmarks by
 * trawl_image_warp_affine and embedded on a CPU plan of the recognition
 * net; "product_dev" says how far this path's "five" is from the
 * pipeline's own embedding (float rounding only).
 *
 * Figures per variant: leave-one-out top-1, TAR at FAR 1e-3, the finer
 * separation figures (eval-verify.c: worst genuine, best impostor, their
 * margin, TAR at FAR 0, EER, d'), what the search threshold accepts, and
 * pooled galleries of k = 1, 2, 3 photos an identity (trawl_eval_pooled).
 */
#include "eval/eval-variants.h"
#include "trawl/base.h"
#include "trawl/nn.h"
#include "trawl/search.h"

#include <math.h>
#include <string.h>

#define CHIP TRAWL_FACE_CHIP
#define DIM  TRAWL_FACE_EMBED_DIM
#define FAR_TARGET 1e-3

/* How the second chip of flip test-time augmentation is cut. */
typedef enum {
  FLIP_NONE,
  FLIP_MIRROR,    /* the chip mirrored (trawl_face_chip_mirror) */
  FLIP_ALIGNED,   /* the mirrored face aligned (trawl_face_chip_transform_flipped) */
  FLIP_SHIFT      /* no mirror: the chip shifted 2 px sideways, the mirrored chip's shift
                     (dlib's mean face sits 1 px left of the chip's middle), to tell a
                     mirror's gain from a jitter's */
} Flip;

typedef struct {
  const char        *name;
  TrawlFaceAlignRule rule;
  double             padding;
  Flip               flip;
} Variant;

static const Variant variants[] = {
  { "five",          TRAWL_FACE_ALIGN_FIVE,   0.25, FLIP_NONE },  /* the pipeline's */
  { "five+mirror",   TRAWL_FACE_ALIGN_FIVE,   0.25, FLIP_MIRROR },
  { "five+flip",     TRAWL_FACE_ALIGN_FIVE,   0.25, FLIP_ALIGNED },
  { "five+shift2",   TRAWL_FACE_ALIGN_FIVE,   0.25, FLIP_SHIFT },
  { "dlib68",        TRAWL_FACE_ALIGN_DLIB68, 0.25, FLIP_NONE },
  { "dlib68+flip",   TRAWL_FACE_ALIGN_DLIB68, 0.25, FLIP_ALIGNED },
  { "dlib5",         TRAWL_FACE_ALIGN_DLIB5,  0.25, FLIP_NONE },
  { "dlib5+flip",    TRAWL_FACE_ALIGN_DLIB5,  0.25, FLIP_ALIGNED },
  { "five-pad0.20",  TRAWL_FACE_ALIGN_FIVE,   0.20, FLIP_NONE },
  { "five-pad0.30",  TRAWL_FACE_ALIGN_FIVE,   0.30, FLIP_NONE },
};
#define N_VARIANTS G_N_ELEMENTS (variants)

struct _TrawlEvalVariants {
  TrawlNnPlan *rec;
  GArray      *vecs[N_VARIANTS];  /* of float[DIM], one a face */
  GArray      *labels;            /* of int */
  GPtrArray   *what;              /* of char*: "file (identity)" a face */
  float        product_dev;       /* max |five - pipeline| */
  int          retried;           /* faces the photo entry found in a retry's picture */
  int          failed;            /* faces with no chip or a failed run */
};

TrawlEvalVariants *
_trawl_eval_variants_new (int n_threads, GError **error)
{
  g_autofree char *path = trawl_model_path ("face-api/face_recognition_model-weights_manifest.json",
                                            error);
  if (path == NULL)
    return NULL;
  TrawlNnGraph *g = trawl_nn_load (path, error);
  if (g == NULL)
    return NULL;
  TrawlNnTensor shape = { TRAWL_NN_F32, 4, { 1, 3, CHIP, CHIP }, NULL };
  TrawlNnPlanOptions po = { .backend = TRAWL_NN_BACKEND_CPU, .n_threads = n_threads };
  TrawlNnPlan *rec = trawl_nn_plan_new (g, &shape, 1, &po, error);
  trawl_nn_graph_unref (g);   /* the plan keeps its reference */
  if (rec == NULL)
    return NULL;
  TrawlEvalVariants *v = g_new0 (TrawlEvalVariants, 1);
  v->rec = rec;
  for (guint i = 0; i < N_VARIANTS; i++)
    v->vecs[i] = g_array_new (FALSE, FALSE, sizeof (float) * DIM);
  v->labels = g_array_new (FALSE, FALSE, sizeof (int));
  v->what = g_ptr_array_new_with_free_func (g_free);
  return v;
}

void
_trawl_eval_variants_free (TrawlEvalVariants *v)
{
  if (v == NULL)
    return;
  trawl_nn_plan_free (v->rec);
  for (guint i = 0; i < N_VARIANTS; i++)
    g_array_unref (v->vecs[i]);
  g_array_unref (v->labels);
  g_ptr_array_unref (v->what);
  g_free (v);
}

static void
normalise (float *x)
{
  double n2 = 0;
  for (int i = 0; i < DIM; i++)
    n2 += (double) x[i] * x[i];
  if (n2 > 0)
    for (int i = 0; i < DIM; i++)
      x[i] = (float) (x[i] / sqrt (n2));
}

/* The unit descriptor of the chip of img through m (chip px -> image px),
 * added to acc. FALSE when the net fails. */
static gboolean
embed_add (TrawlEvalVariants *v, const TrawlImage *img, const double m[6], float *acc)
{
  g_autoptr (TrawlImage) chip = trawl_image_new (CHIP, CHIP);
  g_autofree float *in = g_new (float, 3 * CHIP * CHIP);
  g_autoptr (GError) error = NULL;
  TrawlNnTensor t = { TRAWL_NN_F32, 4, { 1, 3, CHIP, CHIP }, in }, o;
  float one[DIM];

  trawl_image_warp_affine (img, m, chip);
  /* planar 0..255 floats of the 8-bit chip, as the pipeline's input */
  for (int y = 0; y < CHIP; y++)
    for (int x = 0; x < CHIP; x++)
      for (int c = 0; c < 3; c++)
        in[c * CHIP * CHIP + y * CHIP + x] = chip->data[(gsize) y * chip->stride + 3 * x + c];
  if (!trawl_nn_plan_run (v->rec, &t, 1, &o, 1, &error) || trawl_nn_tensor_numel (&o) != DIM)
    return FALSE;
  memcpy (one, o.data, sizeof one);
  normalise (one);
  for (int i = 0; i < DIM; i++)
    acc[i] += one[i];
  return TRUE;
}

/* Variant w's descriptor of a face with these landmarks into out. */
static gboolean
variant_descriptor (TrawlEvalVariants *v, const Variant *w, const TrawlImage *img,
                    const TrawlPoint *landmarks, float *out)
{
  double m[6], mm[6];

  memset (out, 0, DIM * sizeof (float));
  if (!trawl_face_chip_transform_rule (landmarks, CHIP, w->padding, w->rule, m) ||
      !embed_add (v, img, m, out))
    return FALSE;
  if (w->flip == FLIP_MIRROR)
    trawl_face_chip_mirror (m, CHIP, mm);
  else if (w->flip == FLIP_SHIFT)
    {
      /* chip pixel u samples where u + 2 did */
      memcpy (mm, m, sizeof mm);
      mm[2] += 2 * m[0];
      mm[5] += 2 * m[3];
    }
  else if (w->flip == FLIP_ALIGNED &&
           !trawl_face_chip_transform_flipped (landmarks, CHIP, w->padding, w->rule, mm))
    return FALSE;
  if (w->flip != FLIP_NONE && !embed_add (v, img, mm, out))
    return FALSE;
  normalise (out);
  return TRUE;
}

gboolean
_trawl_eval_variant_descriptor (TrawlEvalVariants *v, const char *name, const TrawlImage *img,
                                const TrawlPoint landmarks[68], float *out)
{
  for (guint i = 0; i < N_VARIANTS; i++)
    if (strcmp (variants[i].name, name) == 0)
      return variant_descriptor (v, &variants[i], img, landmarks, out);
  return FALSE;
}

/* The pictures trawl_face_detector_run_photo may have embedded a face
 * in (face-photo.c's tries: as it is; brought to 300-800 px with a grey
 * border of 1/2 or 1 times the long side; under 480 px enlarged): its
 * landmarks come back in the photo's px, but its chip was cut from the
 * try's picture, grey where the photo ends. Picture k (0 .. 3) of img and
 * the landmarks there; FALSE when k does not apply. */
static gboolean
photo_try (const TrawlImage *img, int k, const TrawlPoint *lm, TrawlImage **pic,
           TrawlPoint *out)
{
  int side = MAX (img->width, img->height);
  double scale = 1.0, border = k == 1 ? 0.5 : k == 2 ? 1.0 : 0.0;

  if (k == 0 || (k == 3 && side >= 480))
    return k == 0;
  if (k == 3)
    scale = MAX (2.0, 480.0 / side);
  else if (side < TRAWL_FACE_PHOTO_MIN_SIDE)
    scale = (double) TRAWL_FACE_PHOTO_MIN_SIDE / side;
  else if (side > TRAWL_FACE_PHOTO_MAX_SIDE)
    scale = (double) TRAWL_FACE_PHOTO_MAX_SIDE / side;
  g_autoptr (TrawlImage) work = trawl_image_resize (img, MAX (1, (int) lround (img->width * scale)),
                                                    MAX (1, (int) lround (img->height * scale)));
  int pad = (int) lround (border * MAX (work->width, work->height));
  *pic = trawl_image_new (work->width + 2 * pad, work->height + 2 * pad);
  memset ((*pic)->data, 128, (gsize) (*pic)->stride * (*pic)->height);
  for (int y = 0; y < work->height; y++)
    memcpy ((*pic)->data + (gsize) (y + pad) * (*pic)->stride + (gsize) pad * 3,
            work->data + (gsize) y * work->stride, (gsize) work->width * 3);
  for (int i = 0; i < TRAWL_FACE_LANDMARKS; i++)
    {
      out[i].x = (float) (lm[i].x * scale + pad);
      out[i].y = (float) (lm[i].y * scale + pad);
    }
  return TRUE;
}

void
_trawl_eval_variants_add (TrawlEvalVariants *v, const TrawlImage *img, const TrawlFace *f,
                          int id, const char *name, const char *file)
{
  float d[N_VARIANTS][DIM], five[DIM];
  g_autoptr (TrawlImage) best_pic = NULL;
  TrawlPoint lm[TRAWL_FACE_LANDMARKS], best_lm[TRAWL_FACE_LANDMARKS];
  float best = INFINITY;

  if (v == NULL)
    return;
  /* the picture whose "five" is the pipeline's embedding: the photo
   * itself unless a try's picture comes nearer */
  memcpy (best_lm, f->landmarks, sizeof best_lm);
  for (int k = 0; f->has_embedding && k < 4 && best > 0.005f; k++)
    {
      g_autoptr (TrawlImage) pic = NULL;
      if (!photo_try (img, k, f->landmarks, &pic, lm) ||
          !variant_descriptor (v, &variants[0], pic ? pic : img, k ? lm : f->landmarks, five))
        continue;
      float dev = trawl_face_distance (five, f->embedding);
      if (dev < best)
        {
          best = dev;
          g_clear_pointer (&best_pic, trawl_image_free);
          best_pic = g_steal_pointer (&pic);
          memcpy (best_lm, k ? lm : f->landmarks, sizeof best_lm);
        }
    }
  v->retried += best_pic != NULL;
  if (best_pic != NULL)
    img = best_pic;
  for (guint i = 0; i < N_VARIANTS; i++)
    if (!variant_descriptor (v, &variants[i], img, best_lm, d[i]))
      {
        v->failed++;
        return;
      }
  for (guint i = 0; i < N_VARIANTS; i++)
    g_array_append_vals (v->vecs[i], d[i], 1);
  g_array_append_val (v->labels, id);
  g_ptr_array_add (v->what, g_strdup_printf ("%s (%s)", file, name));
  if (f->has_embedding)
    v->product_dev = MAX (v->product_dev, trawl_face_distance (d[0], f->embedding));
}

/* Section rows "<variant>.<what>". */
static void
put_count (TrawlEvalReport *r, const Variant *w, const char *key, const char *label, int num,
           int den)
{
  g_autofree char *k = g_strdup_printf ("%s.%s", w->name, key);
  g_autofree char *l = g_strdup_printf ("%s: %s", w->name, label);
  trawl_eval_report_count (r, k, l, num, den, -1);
}

static void
put_value (TrawlEvalReport *r, const Variant *w, const char *key, const char *label, double x)
{
  g_autofree char *k = g_strdup_printf ("%s.%s", w->name, key);
  g_autofree char *l = g_strdup_printf ("%s: %s", w->name, label);
  trawl_eval_report_value (r, k, l, x);
}

static int
count_below (const float *d, int n, float t)
{
  int c = 0;
  for (int i = 0; i < n; i++)
    c += d[i] < t;
  return c;
}

/* The separation figures of one set of genuine and impostor distances;
 * prefix "" for all pairs (every figure), "poolK." for pooled templates
 * (TAR at FAR 0, margin, d'). */
static void
put_separation (TrawlEvalReport *r, const Variant *w, const char *prefix, const float *gen,
                int ng, const float *imp, int ni)
{
  gboolean all = *prefix == '\0';
  TrawlEvalSeparation s;
  g_autofree char *k_far0 = g_strdup_printf ("%star_far0", prefix);
  g_autofree char *k_margin = g_strdup_printf ("%smargin", prefix);
  g_autofree char *k_gmax = g_strdup_printf ("%sgenuine_max", prefix);
  g_autofree char *k_imin = g_strdup_printf ("%simpostor_min", prefix);
  g_autofree char *k_eer = g_strdup_printf ("%seer", prefix);
  g_autofree char *k_dp = g_strdup_printf ("%sdprime", prefix);

  trawl_eval_separation (gen, ng, imp, ni, &s);
  put_count (r, w, k_far0, "TAR at FAR 0 (genuine below the best impostor)",
             (int) lround (s.tar_far0 * ng), ng);
  if (all)
    {
      put_value (r, w, k_gmax, "worst genuine distance", s.genuine_max);
      put_value (r, w, k_imin, "best impostor distance", s.impostor_min);
    }
  put_value (r, w, k_margin, "margin (best impostor - worst genuine)", s.margin);
  if (all)
    put_value (r, w, k_eer, "equal error rate", s.eer);
  put_value (r, w, k_dp, "d' (decidability)", s.dprime);
}

static void
report_variant (TrawlEvalVariants *v, const Variant *w, int i, TrawlEvalReport *r)
{
  const float *x = (const float *) v->vecs[i]->data;
  const int *lab = (const int *) v->labels->data;
  int n = (int) v->labels->len, nq = 0;
  /* the search's cosine threshold as a distance between unit vectors */
  float t_search = (float) sqrt (2.0 * (1.0 - TRAWL_SEARCH_FACE_THRESHOLD));
  float *gen = NULL, *imp = NULL, t = NAN;
  int ng = 0, ni = 0;

  int ok = trawl_eval_top1_loo (x, lab, n, DIM, &nq);
  put_count (r, w, "top1", "identification top-1 (leave-one-out)", ok, nq);
  trawl_eval_pair_distances (x, lab, n, DIM, &gen, &ng, &imp, &ni);
  double tar = trawl_eval_tar_at_far (gen, ng, imp, ni, FAR_TARGET, &t);
  put_count (r, w, "tar_far1e-3", "verification TAR at FAR 1e-3", (int) lround (tar * ng), ng);
  put_separation (r, w, "", gen, ng, imp, ni);
  put_count (r, w, "search_genuine", "genuine pairs the search threshold accepts",
             count_below (gen, ng, t_search), ng);
  put_count (r, w, "search_impostor", "impostor pairs the search threshold accepts",
             count_below (imp, ni, t_search), ni);
  g_free (gen);
  g_free (imp);
  for (int k = 1; k <= 3; k++)
    {
      g_autofree char *kt = g_strdup_printf ("pool%d.top1", k);
      g_autofree char *lt = g_strdup_printf ("gallery of %d photo(s) an identity, averaged: "
                                             "top-1", k);
      g_autofree char *prefix = g_strdup_printf ("pool%d.", k);
      trawl_eval_pooled (x, lab, n, DIM, k, &ok, &nq, &gen, &ng, &imp, &ni);
      put_count (r, w, kt, lt, ok, nq);
      put_separation (r, w, prefix, gen, ng, imp, ni);
      g_free (gen);
      g_free (imp);
    }
}

/* Notes the pairs the search threshold gets wrong with the pipeline's
 * descriptor ("five"): impostors within it, genuine pairs beyond it. */
static void
note_search_errors (TrawlEvalVariants *v, TrawlEvalReport *r)
{
  const float *x = (const float *) v->vecs[0]->data;
  const int *lab = (const int *) v->labels->data;
  float t = (float) sqrt (2.0 * (1.0 - TRAWL_SEARCH_FACE_THRESHOLD));

  for (guint i = 0; i < v->labels->len; i++)
    for (guint j = i + 1; j < v->labels->len; j++)
      {
        float d = trawl_face_distance (x + (gsize) i * DIM, x + (gsize) j * DIM);
        if ((lab[i] == lab[j]) != (d < t))
          trawl_eval_report_note (r, "five: %s pair %s - %s at %.3f",
                                  lab[i] == lab[j] ? "genuine" : "impostor",
                                  (char *) v->what->pdata[i], (char *) v->what->pdata[j], d);
      }
}

void
_trawl_eval_variants_report (TrawlEvalVariants *v, TrawlEvalReport *r)
{
  if (v == NULL)
    return;
  trawl_eval_report_section (r, "faces/variants");
  trawl_eval_report_value (r, "faces", "faces measured", v->labels->len);
  trawl_eval_report_value (r, "product_dev", "largest distance of this path's \"five\" to the "
                           "pipeline's embedding", v->product_dev);
  trawl_eval_report_value (r, "retried", "faces embedded in a retry's picture (bordered or "
                           "enlarged photo)", v->retried);
  if (v->failed > 0)
    trawl_eval_report_note (r, "%d face(s) without a descriptor left out", v->failed);
  trawl_eval_report_value (r, "search_distance", "the search threshold as a distance",
                           sqrt (2.0 * (1.0 - TRAWL_SEARCH_FACE_THRESHOLD)));
  for (guint i = 0; i < N_VARIANTS; i++)
    report_variant (v, &variants[i], (int) i, r);
  note_search_errors (v, r);
}
