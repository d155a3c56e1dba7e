/* test-search-photos.c - a face query's photos as the search reads them
 * (trawl_search_query_face on an empty case; models and shared data, else
 * skipped), issue 16:
 *
 * - a tight grayscale crop saved as a file gives the descriptor of its
 *   photo's face (within 0.40, as tests/detect/test-face-photo);
 * - a picture without a face fails with a message that says no face was
 *   found, what was tried (trawl_face_photo_tries) and --box;
 * - --box picks the face it covers in a two-person photo (the right-hand
 *   one, where face index 0 would give the larger), also when the box is
 *   loose; a box where the detector sees no face is itself described
 *   (trawl_face_detector_run_box), not a face near it.
 */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <trawl/case.h>
#include <trawl/detect.h>
#include <trawl/image.h>
#include <trawl/search.h>

#include "../common/trawl-test.h"

static char *case_dir;
static char *scratch;

static TrawlSearch *
open_search (void)
{
  g_autofree char *m = trawl_test_need_model ("face-api/ssd_mobilenetv1_model-weights_manifest.json");
  if (m == NULL)
    return NULL;
  g_autoptr (GError) error = NULL;
  TrawlSearch *s = trawl_search_new (case_dir, &error);
  g_assert_no_error (error);
  return s;
}

/* The descriptor of a query of one photo (with box when not NULL); FALSE
 * with error set as the search gives it. */
static gboolean
query_one (TrawlSearch *s, const char *path, const float *box, float *out, GError **error)
{
  g_autoptr (TrawlQuery) q = trawl_query_new ();
  int n = 0;
  trawl_query_add_face_photo (q, path, 0, box);
  if (!trawl_search_query_face (s, q, out, &n, error))
    return FALSE;
  g_assert_cmpint (n, ==, 1);
  return TRUE;
}

static int
cmp_x (gconstpointer a, gconstpointer b)
{
  const TrawlFace *fa = a, *fb = b;
  return (fa->box.x > fb->box.x) - (fa->box.x < fb->box.x);
}

/* The faces of a shared photo left to right, by the plain detector. */
static GArray *
faces_of (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TrawlFaceDetector) fd = trawl_face_detector_new (NULL, &error);
  g_assert_no_error (error);
  g_autoptr (TrawlImage) img = trawl_image_load (path, &error);
  g_assert_no_error (error);
  GArray *faces = trawl_face_detector_run (fd, img, &error);
  g_assert_no_error (error);
  g_array_sort (faces, cmp_x);
  return faces;
}

static void
test_tight_crop_file (void)
{
  g_autoptr (TrawlSearch) s = open_search ();
  g_autofree char *photo = s ? trawl_test_need_data ("faces/images/fr_017.png") : NULL;
  if (photo == NULL)
    return;
  g_autoptr (GArray) faces = faces_of (photo);
  g_assert_cmpuint (faces->len, ==, 1);
  const TrawlFace *f = &g_array_index (faces, TrawlFace, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (TrawlImage) img = trawl_image_load (photo, &error);
  g_autoptr (TrawlImage) cut = trawl_image_crop (img, (int) f->box.x, (int) f->box.y,
                                                 (int) f->box.w, (int) f->box.h);
  g_autoptr (TrawlImage) crop = trawl_image_resize (cut, 150, 150);
  for (int y = 0; y < 150; y++)
    for (int x = 0; x < 150; x++)
      {
        guint8 *p = crop->data + (gsize) y * crop->stride + 3 * x;
        p[0] = p[1] = p[2] = (guint8) ((299 * p[0] + 587 * p[1] + 114 * p[2]) / 1000);
      }
  g_autofree char *path = g_build_filename (scratch, "tight.png", NULL);
  g_assert_true (trawl_image_save_png (crop, path, &error));
  float d[TRAWL_FACE_DIM];
  g_assert_true (query_one (s, path, NULL, d, &error));
  g_assert_no_error (error);
  double dist = trawl_face_distance (d, f->embedding);
  g_test_message ("tight gray crop: distance to the photo's face %.3f", dist);
  g_assert_cmpfloat (dist, <, 0.40);
}

static void
test_no_face_message (void)
{
  g_autoptr (TrawlSearch) s = open_search ();
  if (s == NULL)
    return;
  g_autoptr (TrawlImage) img = trawl_image_new (200, 160);
  for (int y = 0; y < img->height; y++)
    for (int x = 0; x < 3 * img->width; x++)
      img->data[y * img->stride + x] = (guint8) ((x * 7 + y * 3) % 256);
  g_autofree char *path = g_build_filename (scratch, "wall.png", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (trawl_image_save_png (img, path, &error));
  float d[TRAWL_FACE_DIM];
  g_assert_false (query_one (s, path, NULL, d, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "no face found"));
  g_assert_nonnull (strstr (error->message, trawl_face_photo_tries ()));
  g_assert_nonnull (strstr (error->message, "--box"));
}

static void
test_box (void)
{
  g_autoptr (TrawlSearch) s = open_search ();
  g_autofree char *photo = s ? trawl_test_need_data ("faces/images/fr_012.jpg") : NULL;
  if (photo == NULL)
    return;
  g_autoptr (GArray) faces = faces_of (photo);
  g_assert_cmpuint (faces->len, ==, 2);
  const TrawlFace *left = &g_array_index (faces, TrawlFace, 0);
  const TrawlFace *right = &g_array_index (faces, TrawlFace, 1);
  g_autoptr (GError) error = NULL;
  float d[TRAWL_FACE_DIM];
  /* the right-hand face: its box, then a loose one (half again as large) */
  for (int loose = 0; loose < 2; loose++)
    {
      float m = loose ? 0.25f : 0.0f;
      float box[4] = { right->box.x - m * right->box.w, right->box.y - m * right->box.h,
                       right->box.w * (1 + 2 * m), right->box.h * (1 + 2 * m) };
      g_assert_true (query_one (s, photo, box, d, &error));
      g_assert_no_error (error);
      double dr = trawl_face_distance (d, right->embedding);
      double dl = trawl_face_distance (d, left->embedding);
      g_test_message ("box %s: distance to the right face %.3f, to the left %.3f",
                      loose ? "loose" : "tight", dr, dl);
      g_assert_cmpfloat (dr, <, 0.15);
      g_assert_cmpfloat (dl, >, dr + 0.2);
    }
  /* a box where the detector sees no face (below both faces): the box
   * itself is described, not a face near it */
  {
    float box[4] = { left->box.x, left->box.y + 2.5f * left->box.h, left->box.w,
                     left->box.h };
    g_autoptr (TrawlImage) img = trawl_image_load (photo, &error);
    g_assert_no_error (error);
    if (box[1] + box[3] > img->height)
      box[1] = img->height - box[3];
    if (query_one (s, photo, box, d, &error))
      {
        double dr = trawl_face_distance (d, right->embedding);
        double dl = trawl_face_distance (d, left->embedding);
        g_test_message ("box over no face: described, %.3f from the left face, %.3f from the "
                        "right", dl, dr);
        g_assert_cmpfloat (MIN (dl, dr), >, 0.45);
      }
    else
      {
        /* described, but unusable (blur, degenerate landmarks): said so */
        g_test_message ("box over no face: %s", error->message);
        g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
        g_assert_null (strstr (error->message, "no face found"));
        g_clear_error (&error);
      }
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_autoptr (GError) error = NULL;
  scratch = g_dir_make_tmp ("trawl-photos-XXXXXX", &error);
  g_assert_no_error (error);
  case_dir = g_build_filename (scratch, "case", NULL);
  {
    g_autoptr (TrawlCase) c = trawl_case_open (case_dir, TRAWL_CASE_CREATE, &error);
    g_assert_no_error (error);
  }
  g_test_add_func ("/search-photos/tight-crop-file", test_tight_crop_file);
  g_test_add_func ("/search-photos/no-face-message", test_no_face_message);
  g_test_add_func ("/search-photos/box", test_box);
  int rc = g_test_run ();
  trawl_test_remove_tree (scratch);
  g_free (case_dir);
  g_free (scratch);
  return rc;
}
