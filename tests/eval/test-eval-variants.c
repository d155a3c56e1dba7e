/* test-eval-variants.c - the face descriptor variants of trawl eval
 * --face-variants (src/eval/eval-variants.c) on a real face: the "five"
 * variant is the pipeline's descriptor, and with flip test-time
 * augmentation the descriptor of the mirrored photo (the photo's
 * landmarks mirrored) is that of the photo, where the plain descriptor
 * differs. Skips without the face models or ../shared/data.
 */
#include "eval/eval-variants.h"
#include "trawl/base.h"

#include <math.h>
#include "../common/trawl-test.h"

static TrawlImage *
mirrored (const TrawlImage *img)
{
  TrawlImage *m = trawl_image_new (img->width, img->height);
  for (int y = 0; y < img->height; y++)
    for (int x = 0; x < img->width; x++)
      for (int c = 0; c < 3; c++)
        m->data[(gsize) y * m->stride + 3 * (img->width - 1 - x) + c] =
          img->data[(gsize) y * img->stride + 3 * x + c];
  return m;
}

/* The largest face of img (it must have one). */
static TrawlFace
largest_face (TrawlFaceDetector *fd, const TrawlImage *img)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) faces = trawl_face_detector_run (fd, img, &error);
  TrawlFace best = { 0 };
  float area = -1;

  g_assert_no_error (error);
  g_assert_cmpuint (faces->len, >, 0);
  for (guint i = 0; i < faces->len; i++)
    {
      const TrawlFace *f = &g_array_index (faces, TrawlFace, i);
      if (f->box.w * f->box.h > area)
        {
          area = f->box.w * f->box.h;
          best = *f;
        }
    }
  return best;
}

static void
test_flip (void)
{
  g_autofree char *model =
    trawl_test_need_model ("face-api/face_recognition_model-weights_manifest.json");
  if (model == NULL)
    return;
  g_autofree char *path = trawl_test_need_data ("faces/images/fr_001.jpg");
  if (path == NULL)
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (TrawlImage) img = trawl_image_load (path, &error);
  g_assert_no_error (error);
  g_autoptr (TrawlImage) mir = mirrored (img);
  TrawlFaceOptions fo = { 0 };
  g_autoptr (TrawlFaceDetector) fd = trawl_face_detector_new (&fo, &error);
  g_assert_no_error (error);
  TrawlEvalVariants *v = _trawl_eval_variants_new (0, &error);
  g_assert_no_error (error);

  /* The mirrored photo's face with the photo's landmarks mirrored (what
   * the landmark net finds there differs by its own noise, reported) */
  TrawlFace a = largest_face (fd, img), b = largest_face (fd, mir);
  TrawlPoint lm[TRAWL_FACE_LANDMARKS];
  for (int i = 0; i < TRAWL_FACE_LANDMARKS; i++)
    {
      lm[trawl_face_mirror_index (i)].x = img->width - a.landmarks[i].x;
      lm[trawl_face_mirror_index (i)].y = a.landmarks[i].y;
    }
  float pa[TRAWL_FACE_EMBED_DIM], pb[TRAWL_FACE_EMBED_DIM], pd[TRAWL_FACE_EMBED_DIM];
  float fa[TRAWL_FACE_EMBED_DIM], fb[TRAWL_FACE_EMBED_DIM], fd_[TRAWL_FACE_EMBED_DIM];
  float ma[TRAWL_FACE_EMBED_DIM], mb[TRAWL_FACE_EMBED_DIM];
  g_assert_true (_trawl_eval_variant_descriptor (v, "five", img, a.landmarks, pa));
  g_assert_true (_trawl_eval_variant_descriptor (v, "five", mir, lm, pb));
  g_assert_true (_trawl_eval_variant_descriptor (v, "five+flip", img, a.landmarks, fa));
  g_assert_true (_trawl_eval_variant_descriptor (v, "five+flip", mir, lm, fb));
  g_assert_true (_trawl_eval_variant_descriptor (v, "five+mirror", img, a.landmarks, ma));
  g_assert_true (_trawl_eval_variant_descriptor (v, "five+mirror", mir, lm, mb));
  g_assert_false (_trawl_eval_variant_descriptor (v, "no-such-variant", img, a.landmarks, fb));
  g_assert_true (_trawl_eval_variant_descriptor (v, "five", mir, b.landmarks, pd));
  g_assert_true (_trawl_eval_variant_descriptor (v, "five+flip", mir, b.landmarks, fd_));

  /* "five" is the pipeline's descriptor, up to float rounding */
  g_assert_cmpfloat (trawl_face_distance (pa, a.embedding), <, 0.01);
  double plain = trawl_face_distance (pa, pb), flip = trawl_face_distance (fa, fb);
  double mirror = trawl_face_distance (ma, mb);
  g_test_message ("photo vs mirror: plain %.4f, flip %.4f, chip mirror %.4f; with the "
                  "mirror's own landmarks: plain %.4f, flip %.4f", plain, flip, mirror,
                  trawl_face_distance (pa, pd), trawl_face_distance (fa, fd_));
  /* the aligned flip cuts, from the mirrored photo, the photo's two chips
   * (float rounding apart); mirroring the chip shifts the face by the
   * template's asymmetry, the plain descriptor sees the other chip */
  g_assert_cmpfloat (flip, <, 0.01);
  g_assert_cmpfloat (plain, >, 0.02);
  g_assert_cmpfloat (flip, <, 0.25 * plain);
  g_assert_cmpfloat (mirror, <, plain);
  g_assert_cmpfloat (trawl_face_distance (pa, fa), >, 0.01);   /* flip does something */
  _trawl_eval_variants_free (v);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/eval/variants/flip", test_flip);
  return g_test_run ();
}
