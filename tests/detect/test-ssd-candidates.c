/* test-ssd-candidates.c - the face SSD's candidate path (ssd-post.c) that
 * the batched face pipeline takes (face-batch.c: prefilter the anchors by
 * their face logit on the device, decode only those on the host) against
 * the full post-processing, trawl_faces_ssd_detect:
 *
 *  - real SSD outputs (the CPU plan on shared-data photos and a crop):
 *    trawl_faces_ssd_detect_candidates on the reference prefilter's
 *    records (_trawl_ssd_candidates_ref at trawl_faces_ssd_logit_min)
 *    gives the same TrawlFaceBox array, byte for byte, for min_score 0.1,
 *    0.5, 0.9, 0 and 1 (and a few max_results);
 *  - synthetic outputs built to break it: logits from a handful of values
 *    (exact score ties everywhere), logits a few ulps either side of
 *    logit (min_score), -inf, NaN and huge ones, boxes stacked on the same
 *    anchors so that ties decide what NMS suppresses;
 *  - the threshold is conservative: near the boundary (ulp by ulp below
 *    it and randomly around it) no logit whose float score passes
 *    min_score is dropped, for thresholds from 1e-29 to just below 1, and
 *    the margin stays small;
 *  - the reference itself: ascending order, records copied bit for bit,
 *    counts past max_cand (only max_cand written), keep-all and keep-none
 *    thresholds.
 *
 * The real-output case skips without the SSD model (scripts/setup) or the
 * shared data; the rest needs nothing.
 */
#include "trawl-config.h"

#include "detect/detect-private.h"
#include "detect/frame-source.h"
#include "rules/ssd-keep.h"
#include "trawl/base.h"
#include "trawl/faces-post.h"
#include "trawl/image.h"
#include "trawl/nn.h"

#include <math.h>
#include <string.h>
#include "../common/trawl-test.h"
#include "face-classic-ref.h"

#define N TRAWL_FACES_SSD_ANCHORS

static const float min_scores[] = { 0.1f, 0.5f, 0.9f, 0.0f, 1.0f, 0.3f, -0.5f, 1e-3f };
static const int max_results[] = { 100, 3, 1, N };

/* The float score the host computes (ssd-post.c's decode_one). */
static float
score_of (float logit)
{
  return 1.0f / (1.0f + expf (-logit));
}

/* The candidate path on one item's full outputs, against
 * trawl_faces_ssd_detect: asserts the same boxes, byte for byte. Returns
 * the candidates' count. */
static int
check_same (const float *enc, const float *logits, int img_w, int img_h, float min_score,
            int max_res, const char *what)
{
  g_autofree int *idx = g_new (int, N);
  g_autofree float *cand = g_new (float, 5 * N);
  float logit_min = trawl_faces_ssd_logit_min (min_score);
  int n = _trawl_ssd_candidates_ref (enc, logits, N, logit_min, N, idx, cand);
  g_autoptr (GArray) want = trawl_faces_ssd_detect (enc, logits, img_w, img_h, min_score,
                                                    max_res);
  g_autoptr (GArray) got = trawl_faces_ssd_detect_candidates (idx, cand, n, img_w, img_h,
                                                              min_score, max_res);

  g_assert_cmpint (n, <=, N);
  /* an empty GArray's data may be NULL, which memcmp must not see */
  if (got->len != want->len
      || (want->len > 0
          && memcmp (got->data, want->data, want->len * sizeof (TrawlFaceBox)) != 0))
    g_error ("%s, min_score %g, max_results %d: %u boxes from %d candidates, %u from all "
             "anchors (or the boxes differ)", what, min_score, max_res, got->len, n, want->len);
  return n;
}

/* ---- real SSD outputs ---- */

static void
test_real (void)
{
  static const char *photos[] = { "faces/images/fr_001.jpg", "faces/images/fr_012.jpg",
                                  "faces/images/fr_023.jpg", "faces/images/fr_010.jpg" };
  g_autofree char *model =
    trawl_test_need_model ("face-api/ssd_mobilenetv1_model-weights_manifest.json");
  g_autoptr (GError) error = NULL;
  g_autofree float *in = g_new (float, 3 * TRAWL_FACES_SSD_SIZE * TRAWL_FACES_SSD_SIZE);
  TrawlNnGraph *g;
  TrawlNnPlan *plan;
  int compared = 0;

  if (model == NULL)
    return;
  g = trawl_nn_load (model, &error);
  g_assert_no_error (error);
  TrawlNnTensor shape = { TRAWL_NN_F32, 4, { 1, 3, TRAWL_FACES_SSD_SIZE, TRAWL_FACES_SSD_SIZE },
                          NULL };
  TrawlNnPlanOptions po = { .backend = TRAWL_NN_BACKEND_CPU };
  plan = trawl_nn_plan_new (g, &shape, 1, &po, &error);
  g_assert_no_error (error);

  for (guint p = 0; p < G_N_ELEMENTS (photos); p++)
    {
      g_autofree char *path = trawl_test_need_data (photos[p]);
      if (path == NULL)
        break;
      g_autoptr (TrawlImage) img = trawl_image_load (path, &error);
      g_assert_no_error (error);
      /* the whole photo, and (first photo) its top-left two thirds: a tile */
      for (int crop = 0; crop < (p == 0 ? 2 : 1); crop++)
        {
          int w = crop ? img->width * 2 / 3 : img->width, h = crop ? img->height * 2 / 3
                                                                   : img->height;
          TrawlNnTensor t = { TRAWL_NN_F32, 4,
                              { 1, 3, TRAWL_FACES_SSD_SIZE, TRAWL_FACES_SSD_SIZE }, in };
          TrawlNnTensor o[2];
          GString *counts = g_string_new (NULL);

          trawl_faces_prepare_input (img, 0, 0, w, h, TRAWL_FACES_SSD_SIZE, FALSE, in);
          g_assert_true (trawl_nn_plan_run (plan, &t, 1, o, 2, &error));
          g_assert_no_error (error);
          g_assert_cmpint (trawl_nn_tensor_numel (&o[0]), ==, 4 * N);
          g_assert_cmpint (trawl_nn_tensor_numel (&o[1]), ==, 3 * N);
          for (guint s = 0; s < G_N_ELEMENTS (min_scores); s++)
            for (guint r = 0; r < G_N_ELEMENTS (max_results); r++)
              {
                int n = check_same (o[0].data, o[1].data, w, h, min_scores[s], max_results[r],
                                    photos[p]);
                if (r == 0)
                  g_string_append_printf (counts, " %g:%d", min_scores[s], n);
                if (min_scores[s] <= 0.0f)
                  g_assert_cmpint (n, ==, N);   /* keep all */
                if (min_scores[s] >= 1.0f)
                  g_assert_cmpint (n, ==, 0);
                compared++;
              }
          g_test_message ("%s%s (%dx%d): candidates by min_score%s (at most %d kept on the GPU)",
                          photos[p], crop ? " crop" : "", w, h, counts->str,
                          TRAWL_FACE_SSD_MAX_CAND);
          g_string_free (counts, TRUE);
        }
    }
  g_test_message ("%d comparisons, all identical", compared);
  trawl_nn_plan_free (plan);
  trawl_nn_graph_unref (g);
}

/* ---- synthetic outputs ---- */

/* float x moved k ulps (k < 0: down). */
static float
ulps (float x, int k)
{
  for (; k > 0; k--)
    x = nextafterf (x, INFINITY);
  for (; k < 0; k++)
    x = nextafterf (x, -INFINITY);
  return x;
}

/* Outputs for min_score p that stress ties and the boundary (see the file
 * comment). kind 0: logits from 5 values; 1: within 8 ulps of the float
 * logit (p) or its score's neighbours; 2: mixed with specials. */
static void
make_outputs (GRand *r, float p, int kind, float *enc, float *logits)
{
  double lp = p > 0 && p < 1 ? log ((double) p / (1.0 - p)) : 0.0;
  float lf = (float) lp;
  const float tie_vals[5] = { lf, ulps (lf, 1), ulps (lf, -1), lf + 0.5f, lf - 0.25f };

  for (int i = 0; i < N; i++)
    {
      float *e = enc + 4 * i, *l = logits + 3 * i;
      /* every 4th anchor repeats the previous one's encoding: near-identical
       * boxes, so which of two tied scores is first decides the survivor */
      if (i % 4 == 3)
        {
          memcpy (e, e - 4, 4 * sizeof (float));
        }
      else
        {
          for (int k = 0; k < 4; k++)
            e[k] = (float) g_rand_double_range (r, -2.0, 2.0);
        }
      l[0] = (float) g_rand_double_range (r, -5, 5);
      l[2] = (float) g_rand_double_range (r, -5, 5);
      switch (kind)
        {
        case 0:
          l[1] = tie_vals[g_rand_int_range (r, 0, 5)];
          break;
        case 1:
          l[1] = ulps (lf, g_rand_int_range (r, -8, 9));
          break;
        default:
          switch (g_rand_int_range (r, 0, 8))
            {
            case 0: l[1] = -INFINITY; break;
            case 1: l[1] = NAN; break;
            case 2: l[1] = -200.0f; break;   /* expf overflows: score 0 */
            case 3: l[1] = 40.0f; break;     /* score exactly 1 */
            case 4: l[1] = INFINITY; break;
            default: l[1] = (float) g_rand_double_range (r, lp - 3, lp + 3); break;
            }
          break;
        }
    }
}

static void
test_synthetic (void)
{
  g_autofree float *enc = g_new (float, 4 * N);
  g_autofree float *logits = g_new (float, 3 * N);
  GRand *r = g_rand_new_with_seed (7);
  int compared = 0;

  for (guint s = 0; s < G_N_ELEMENTS (min_scores); s++)
    for (int kind = 0; kind < 3; kind++)
      for (int rep = 0; rep < 3; rep++)
        {
          make_outputs (r, min_scores[s], kind, enc, logits);
          for (guint m = 0; m < G_N_ELEMENTS (max_results); m++)
            {
              g_autofree char *what = g_strdup_printf ("synthetic kind %d, round %d", kind, rep);
              check_same (enc, logits, 640 + 37 * rep, 480 - 11 * kind, min_scores[s],
                          max_results[m], what);
              compared++;
            }
        }
  g_test_message ("%d comparisons, all identical", compared);
  g_rand_free (r);
}

/* ---- the threshold ---- */

static void
test_logit_min (void)
{
  static const float ps[] = { 1e-29f, 1e-20f, 1e-6f, 0.01f, 0.1f, 0.3f, 0.5f, 0.5000001f,
                              0.7f, 0.9f, 0.99f, 0.999f, 0.9999f, 0.99999f, 0.9999999f };
  GRand *r = g_rand_new_with_seed (11);
  double worst_margin = 0;

  /* the ends */
  g_assert_true (trawl_faces_ssd_logit_min (0.0f) == -INFINITY);
  g_assert_true (trawl_faces_ssd_logit_min (-1.0f) == -INFINITY);
  g_assert_true (trawl_faces_ssd_logit_min (1e-31f) == -INFINITY);
  g_assert_true (trawl_faces_ssd_logit_min (1.0f) == INFINITY);
  g_assert_true (trawl_faces_ssd_logit_min (2.0f) == INFINITY);
  g_assert_true (trawl_faces_ssd_logit_min (NAN) == INFINITY);

  for (guint i = 0; i < G_N_ELEMENTS (ps); i++)
    {
      float p = ps[i], lm = trawl_faces_ssd_logit_min (p);
      double lp = log ((double) p / (1.0 - p));
      float x = lm;

      g_assert_true (isfinite (lm));
      g_assert_cmpfloat (lm, <, lp);
      /* ulp by ulp at and below the threshold: no float score passes (the
       * score is monotone, so nothing further down passes either) */
      for (int k = 0; k < 200000; k++, x = nextafterf (x, -INFINITY))
        if (score_of (x) > p)
          g_error ("min_score %g: logit %.9g <= threshold %.9g has score %.9g", p, x, lm,
                   score_of (x));
      /* random logits around the boundary, within a logit unit */
      for (int k = 0; k < 200000; k++)
        {
          float l = (float) (lp + g_rand_double_range (r, -1.0, 1.0));
          if (score_of (l) > p && !trawl_ssd_keep (l, lm))
            g_error ("min_score %g: logit %.9g (score %.9g) dropped by threshold %.9g", p, l,
                     score_of (l), lm);
        }
      /* and not much below what it must be: the margin is small */
      if (p >= 1e-6f && p <= 0.999f)
        {
          g_assert_cmpfloat (lp - lm, <, 0.01);
          worst_margin = MAX (worst_margin, lp - lm);
        }
    }
  g_test_message ("margin below logit (min_score) at most %.2e for min_score 1e-6 .. 0.999",
                  worst_margin);
  g_rand_free (r);
}

/* ---- the reference ---- */

static void
test_reference (void)
{
  /* 10 anchors; face logits (index 1) against threshold 0 */
  const float l1[10] = { 1.0f, -1.0f, 0.0f, 2.5f, NAN, 1e-30f, -0.0f, 7.0f, INFINITY,
                         -INFINITY };
  const int want_idx[] = { 0, 3, 5, 7, 8 };
  float enc[40], logits[30], cand[5 * 10];
  int idx[10];
  int n;

  for (int i = 0; i < 40; i++)
    enc[i] = i == 13 ? -0.0f : i == 29 ? NAN : (float) i * 0.25f - 3.0f;
  for (int i = 0; i < 10; i++)
    {
      logits[3 * i] = 100.0f;   /* the other classes must not matter */
      logits[3 * i + 1] = l1[i];
      logits[3 * i + 2] = -100.0f;
    }

  /* all fit: ascending, records copied bit for bit */
  memset (cand, 0x5a, sizeof cand);
  n = _trawl_ssd_candidates_ref (enc, logits, 10, 0.0f, 10, idx, cand);
  g_assert_cmpint (n, ==, G_N_ELEMENTS (want_idx));
  for (int k = 0; k < n; k++)
    {
      g_assert_cmpint (idx[k], ==, want_idx[k]);
      g_assert_cmpmem (cand + 5 * k, 4 * sizeof (float), enc + 4 * want_idx[k],
                       4 * sizeof (float));
      g_assert_cmpmem (cand + 5 * k + 4, sizeof (float), logits + 3 * want_idx[k] + 1,
                       sizeof (float));
    }

  /* more than max_cand: the count is the total, only max_cand written */
  memset (idx, 0x7f, sizeof idx);
  memset (cand, 0x5a, sizeof cand);
  n = _trawl_ssd_candidates_ref (enc, logits, 10, 0.0f, 2, idx, cand);
  g_assert_cmpint (n, ==, 5);
  g_assert_cmpint (idx[0], ==, 0);
  g_assert_cmpint (idx[1], ==, 3);
  g_assert_cmpint (idx[2], ==, 0x7f7f7f7f);
  for (gsize b = 10 * sizeof (float); b < sizeof cand; b++)
    g_assert_cmpint (((const guint8 *) cand)[b], ==, 0x5a);

  /* keep all: every anchor, -inf and NaN logits too */
  n = _trawl_ssd_candidates_ref (enc, logits, 10, -INFINITY, 10, idx, cand);
  g_assert_cmpint (n, ==, 10);
  for (int k = 0; k < 10; k++)
    g_assert_cmpint (idx[k], ==, k);
  /* keep none */
  g_assert_cmpint (_trawl_ssd_candidates_ref (enc, logits, 10, INFINITY, 10, idx, cand), ==, 0);
  g_assert_cmpint (_trawl_ssd_candidates_ref (enc, logits, 10, NAN, 10, idx, cand), ==, 0);
  /* the predicate: strictly above */
  g_assert_false (trawl_ssd_keep (0.0f, 0.0f));
  g_assert_false (trawl_ssd_keep (-0.0f, 0.0f));
  g_assert_true (trawl_ssd_keep (1e-45f, 0.0f));
  g_assert_false (trawl_ssd_keep (NAN, 0.0f));
  g_assert_true (trawl_ssd_keep (NAN, -INFINITY));
  g_assert_true (trawl_ssd_keep (-INFINITY, -INFINITY));
  g_assert_false (trawl_ssd_keep (INFINITY, INFINITY));

  /* the candidate decode on nothing, and on a region too small */
  g_autoptr (GArray) none = trawl_faces_ssd_detect_candidates (NULL, NULL, 0, 640, 480, 0.5f,
                                                               100);
  g_assert_cmpuint (none->len, ==, 0);
  g_autoptr (GArray) empty = trawl_faces_ssd_detect_candidates (idx, cand, 1, 0, 480, 0.5f,
                                                                100);
  g_assert_cmpuint (empty->len, ==, 0);
}

/* ---- the pipeline's fallback ---- */

/* At min_score 0.001 nearly every anchor is a candidate (thousands, see
 * the real case's messages), over TRAWL_FACE_SSD_MAX_CAND: the batched
 * path (face-batch.c) then decodes the region's full outputs. Its faces
 * against the classic path's (face-classic-ref.h), as test-face-batch compares them (the two
 * cut SSD's input through different code, equal up to float rounding):
 * the same count and boxes in order. */
static void
test_fallback (void)
{
  static const char *photos[] = { "faces/images/fr_005.jpg", "faces/images/fr_019.jpg" };
  g_autofree char *model =
    trawl_test_need_model ("face-api/face_landmark_68_model-weights_manifest.json");
  g_autoptr (GError) error = NULL;
  TrawlFaceOptions o = { .backend = TRAWL_NN_BACKEND_CPU, .no_embedding = TRUE,
                         .min_score = 1e-3f };
  TrawlFaceDetector *fd;
  FaceClassicRef ref;
  double worst = 1;

  if (model == NULL)
    return;
  fd = trawl_face_detector_new (&o, &error);
  if (fd == NULL)
    {
      g_test_skip_printf ("face detector: %s", error->message);
      return;
    }
  face_classic_init (&ref, FALSE);
  for (guint p = 0; p < G_N_ELEMENTS (photos); p++)
    {
      g_autofree char *path = trawl_test_need_data (photos[p]);
      if (path == NULL)
        break;
      g_autoptr (TrawlImage) img = trawl_image_load (path, &error);
      g_assert_no_error (error);
      TrawlFrameSource s;
      g_autoptr (GArray) batched = NULL;
      g_autoptr (GArray) classic = face_classic_run (&ref, fd, img);

      _trawl_frame_source_rgb (&s, img);
      g_assert_true (_trawl_face_detector_run_sources (fd, &s, 1, &batched, &error));
      g_assert_no_error (error);
      g_test_message ("%s: %u faces classic, %u batched", photos[p], classic->len, batched->len);
      g_assert_cmpuint (batched->len, ==, classic->len);
      for (guint i = 0; i < classic->len; i++)
        {
          const TrawlFace *a = &g_array_index (classic, TrawlFace, i);
          const TrawlFace *b = &g_array_index (batched, TrawlFace, i);
          double iou = trawl_box_iou (&a->box, &b->box);
          worst = MIN (worst, iou);
          g_assert_cmpfloat (iou, >=, 0.98);
        }
    }
  g_test_message ("worst box IoU %.5f", worst);
  face_classic_clear (&ref);
  trawl_face_detector_free (fd);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/detect/ssd-candidates/reference", test_reference);
  g_test_add_func ("/detect/ssd-candidates/logit-min", test_logit_min);
  g_test_add_func ("/detect/ssd-candidates/synthetic", test_synthetic);
  g_test_add_func ("/detect/ssd-candidates/real", test_real);
  g_test_add_func ("/detect/ssd-candidates/fallback", test_fallback);
  return g_test_run ();
}
