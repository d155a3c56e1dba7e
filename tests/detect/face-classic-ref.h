/* face-classic-ref.h - the classic single-frame face pipeline, kept only
 * as a test reference: what trawl_face_detector_run did before every entry
 * took the batched path (src/detect/face-batch.c). Each SSD region and
 * each landmark crop is cut by trawl_faces_prepare_input and run alone,
 * the chip by trawl_face_align (trawl_image_warp_affine), on batch-1 CPU
 * plans of its own. The batched path cuts its inputs through the warp rule
 * (warp-build.c) and runs nets at other batch sizes; comparing the two
 * (test-face-batch.c, test-ssd-candidates.c) keeps that rule honest.
 * Decisions (regions, merging, box decoding) are the detector's own, so
 * only the preprocessing differs. Header-only, for tests/detect. */
#pragma once

#include "detect/detect-private.h"
#include "trawl/base.h"
#include "trawl/faces-post.h"
#include "trawl/nn.h"

#include <string.h>

typedef struct {
  TrawlNnPlan *ssd, *lm, *rec;   /* rec NULL without embeddings */
} FaceClassicRef;

static inline TrawlNnPlan *
face_classic_plan (const char *dest, int size)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = trawl_model_path (dest, &error);
  g_assert_no_error (error);
  TrawlNnGraph *g = trawl_nn_load (path, &error);
  g_assert_no_error (error);
  TrawlNnTensor shape = { TRAWL_NN_F32, 4, { 1, 3, size, size }, NULL };
  TrawlNnPlanOptions po = { .backend = TRAWL_NN_BACKEND_CPU };
  TrawlNnPlan *plan = trawl_nn_plan_new (g, &shape, 1, &po, &error);
  g_assert_no_error (error);
  trawl_nn_graph_unref (g);   /* the plan keeps its reference */
  return plan;
}

static inline void
face_classic_init (FaceClassicRef *c, gboolean embed)
{
  c->ssd = face_classic_plan ("face-api/ssd_mobilenetv1_model-weights_manifest.json",
                              TRAWL_FACES_SSD_SIZE);
  c->lm = face_classic_plan ("face-api/face_landmark_68_model-weights_manifest.json",
                             TRAWL_FACES_LM_SIZE);
  c->rec = embed ? face_classic_plan ("face-api/face_recognition_model-weights_manifest.json",
                                      TRAWL_FACES_REC_SIZE)
                 : NULL;
}

static inline void
face_classic_clear (FaceClassicRef *c)
{
  g_clear_pointer (&c->ssd, trawl_nn_plan_free);
  g_clear_pointer (&c->lm, trawl_nn_plan_free);
  g_clear_pointer (&c->rec, trawl_nn_plan_free);
}

/* Runs plan on one square input in; outputs as trawl_nn_plan_run leaves them. */
static inline void
face_classic_run1 (TrawlNnPlan *plan, float *in, int size, TrawlNnTensor *outs, int n_out)
{
  g_autoptr (GError) error = NULL;
  TrawlNnTensor t = { TRAWL_NN_F32, 4, { 1, 3, size, size }, in };

  g_assert_true (trawl_nn_plan_run (plan, &t, 1, outs, n_out, &error));
  g_assert_no_error (error);
}

/* The faces of img (GArray of TrawlFace, zeroed before filling), as the
 * classic path found them with fd's options (min_score, max_faces,
 * tiling). */
static inline GArray *
face_classic_run (FaceClassicRef *c, const TrawlFaceDetector *fd, const TrawlImage *img)
{
  const int S = TRAWL_FACES_SSD_SIZE, L = TRAWL_FACES_LM_SIZE, R = TRAWL_FACES_REC_SIZE;
  g_autofree float *ssd_in = g_new (float, 3 * S * S);
  g_autofree float *lm_in = g_new (float, 3 * L * L);
  g_autofree float *rec_in = g_new (float, 3 * R * R);
  g_autoptr (GArray) boxes = g_array_new (FALSE, FALSE, sizeof (TrawlScoredBox));
  g_autoptr (GArray) regions = _trawl_face_regions (fd, img->width, img->height);
  TrawlNnTensor o[2];

  for (guint i = 0; i < regions->len; i++)
    {
      const TrawlBox *r = &g_array_index (regions, TrawlBox, i);
      trawl_faces_prepare_input (img, (int) r->x, (int) r->y, (int) r->w, (int) r->h, S, FALSE,
                                 ssd_in);
      face_classic_run1 (c->ssd, ssd_in, S, o, 2);
      g_autoptr (GArray) dets = trawl_faces_ssd_detect (o[0].data, o[1].data, (int) r->w,
                                                        (int) r->h, fd->opts.min_score,
                                                        fd->opts.max_faces);
      _trawl_face_dets_append (dets, r, boxes);
    }
  _trawl_face_merge (fd, boxes);

  GArray *faces = g_array_sized_new (FALSE, TRUE, sizeof (TrawlFace), boxes->len);
  for (guint i = 0; i < boxes->len; i++)
    {
      const TrawlScoredBox *sb = &g_array_index (boxes, TrawlScoredBox, i);
      float xy[2 * TRAWL_FACE_LANDMARKS];
      int x, y, w, h;
      TrawlFace f;

      memset (&f, 0, sizeof f);
      f.box = sb->box;
      f.score = sb->score;
      _trawl_face_lm_region (&f.box, &x, &y, &w, &h);
      trawl_faces_prepare_input (img, x, y, w, h, L, TRUE, lm_in);
      face_classic_run1 (c->lm, lm_in, L, o, 1);
      trawl_faces_landmarks_map (o[0].data, x, y, w, h, xy);
      for (int k = 0; k < TRAWL_FACE_LANDMARKS; k++)
        {
          f.landmarks[k].x = xy[2 * k];
          f.landmarks[k].y = xy[2 * k + 1];
        }
      g_autoptr (TrawlImage) chip = trawl_face_align (img, f.landmarks, TRAWL_FACE_CHIP);
      trawl_face_quality (f.landmarks, chip, f.score, &f.quality);
      if (chip != NULL && c->rec != NULL)
        {
          for (int yy = 0; yy < R; yy++)
            for (int xx = 0; xx < R; xx++)
              for (int ch = 0; ch < 3; ch++)
                rec_in[ch * R * R + yy * R + xx] = chip->data[yy * chip->stride + 3 * xx + ch];
          face_classic_run1 (c->rec, rec_in, R, o, 1);
          _trawl_face_normalise (o[0].data, f.embedding);
          f.has_embedding = TRUE;
        }
      g_array_append_val (faces, f);
    }
  return faces;
}
