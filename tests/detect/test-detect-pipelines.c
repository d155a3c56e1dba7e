/* test-detect-pipelines.c - the face and plate pipelines on a handful of
 * shared images with known answers from their labels.csv: faces found in a
 * group photo and matched to single photos of the same people, Chinese and
 * US plate crops read, plates found in full scenes. Skips without models
 * (run scripts/setup) or without ../shared/data.
 */
#include "trawl/detect.h"
#include "trawl/base.h"
#include "trawl/eval.h"

#include <string.h>
#include "../common/trawl-test.h"

static gboolean
have_model_file (const char *dest)
{
  g_autofree char *path = trawl_test_need_model (dest);
  return path != NULL;
}

static TrawlFaceDetector *face_det;
static TrawlPlateReader *plate_reader;

static TrawlFaceDetector *
get_faces (void)
{
  if (!have_model_file ("face-api/face_recognition_model.bin"))
    return NULL;
  if (face_det == NULL)
    {
      g_autoptr (GError) error = NULL;
      face_det = trawl_face_detector_new (NULL, &error);
      g_assert_no_error (error);
    }
  return face_det;
}

static TrawlPlateReader *
get_plates (void)
{
  if (!have_model_file ("ocr-models/ch_PP-OCRv4_rec_infer.onnx"))
    return NULL;
  if (plate_reader == NULL)
    {
      g_autoptr (GError) error = NULL;
      plate_reader = trawl_plate_reader_new (NULL, &error);
      g_assert_no_error (error);
    }
  return plate_reader;
}

static GArray *
faces_of (TrawlFaceDetector *fd, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TrawlImage) img = trawl_image_load (path, &error);
  g_assert_no_error (error);
  GArray *faces = trawl_face_detector_run (fd, img, &error);
  g_assert_no_error (error);
  return faces;
}

static const TrawlFace *
largest (GArray *faces)
{
  const TrawlFace *best = NULL;
  for (guint i = 0; i < faces->len; i++)
    {
      const TrawlFace *f = &g_array_index (faces, TrawlFace, i);
      if (best == NULL || f->box.w * f->box.h > best->box.w * best->box.h)
        best = f;
    }
  return best;
}

/* faces/images/labels.csv: fr_012 is "group; left-to-right barack_obama,
 * joe_biden"; fr_001 is barack_obama alone, fr_010 joe_biden alone. */
static void
test_faces_group_photo (void)
{
  TrawlFaceDetector *fd = get_faces ();
  g_autofree char *group = trawl_test_need_data ("faces/images/fr_012.jpg");
  g_autofree char *obama = trawl_test_need_data ("faces/images/fr_001.jpg");
  g_autofree char *biden = trawl_test_need_data ("faces/images/fr_010.jpg");
  if (fd == NULL || group == NULL || obama == NULL || biden == NULL)
    return;
  g_autoptr (GArray) g = faces_of (fd, group);
  g_autoptr (GArray) o = faces_of (fd, obama);
  g_autoptr (GArray) b = faces_of (fd, biden);
  g_assert_cmpuint (g->len, >=, 2);
  g_assert_cmpuint (o->len, >=, 1);
  g_assert_cmpuint (b->len, >=, 1);
  /* The two largest faces of the group photo, left to right. */
  const TrawlFace *f0 = &g_array_index (g, TrawlFace, 0), *f1 = &g_array_index (g, TrawlFace, 1);
  if (f0->box.x > f1->box.x)
    {
      const TrawlFace *t = f0; f0 = f1; f1 = t;
    }
  for (guint i = 0; i < g->len; i++)
    {
      const TrawlFace *f = &g_array_index (g, TrawlFace, i);
      g_assert_true (f->has_embedding);
      g_assert_cmpfloat (f->quality.overall, >, 0.0f);
      /* The nose tip lies inside the face box. */
      g_assert_cmpfloat (f->landmarks[30].x, >, f->box.x);
      g_assert_cmpfloat (f->landmarks[30].x, <, f->box.x + f->box.w);
    }
  const float *eo = largest (o)->embedding, *eb = largest (b)->embedding;
  g_assert_cmpfloat (trawl_face_distance (f0->embedding, eo), <, trawl_face_distance (f0->embedding, eb));
  g_assert_cmpfloat (trawl_face_distance (f1->embedding, eb), <, trawl_face_distance (f1->embedding, eo));
  /* Same person closer than 0.6 on normalised descriptors (dlib's rule
   * of thumb, which carries over since dlib's descriptors are near unit). */
  g_assert_cmpfloat (trawl_face_distance (f0->embedding, eo), <, 0.6f);
}

/* Reads the first n crops of a crops folder; returns how many are exact. */
static int
read_crops (TrawlPlateReader *pr, const char *folder, int n, TrawlPlateCropFlags flags)
{
  g_autofree char *rel = g_build_filename (folder, "labels.csv", NULL);
  g_autofree char *labels = trawl_test_need_data (rel);
  if (labels == NULL)
    return -1;
  g_autoptr (GError) error = NULL;
  g_autoptr (TrawlCsv) csv = trawl_csv_load (labels, &error);
  g_assert_no_error (error);
  g_autofree char *dir = g_path_get_dirname (labels);
  int exact = 0;
  for (int i = 0; i < n && i < (int) csv->rows->len; i++)
    {
      TrawlCsvRow *row = csv->rows->pdata[i];
      g_autofree char *path = g_build_filename (dir, trawl_csv_get (csv, row, "file"), NULL);
      g_autoptr (TrawlImage) img = trawl_image_load (path, &error);
      g_assert_no_error (error);
      g_autoptr (TrawlPlate) p = trawl_plate_reader_read_crop (pr, img, flags, &error);
      g_assert_no_error (error);
      g_autofree char *truth = trawl_plate_fold (trawl_csv_get (csv, row, "plate_text"));
      g_autofree char *read = trawl_plate_fold (p->text);
      g_test_message ("%s: truth %s read %s (raw %s)", trawl_csv_get (csv, row, "file"),
                      trawl_csv_get (csv, row, "plate_text"), p->text, p->raw);
      exact += strcmp (truth, read) == 0;
      g_assert_nonnull (p->chars);
    }
  return exact;
}

static void
test_plates_cn_crops (void)
{
  TrawlPlateReader *pr = get_plates ();
  if (pr == NULL)
    return;
  int exact = read_crops (pr, "plates/crops_cn", 6, TRAWL_PLATE_CROP_DEFAULT);
  if (exact >= 0)
    g_assert_cmpint (exact, >=, 5);
}

static void
test_plates_us_crops (void)
{
  TrawlPlateReader *pr = get_plates ();
  if (pr == NULL)
    return;
  int exact = read_crops (pr, "plates/crops_us", 6, TRAWL_PLATE_CROP_BAND | TRAWL_PLATE_CROP_GRAY);
  if (exact >= 0)
    g_assert_cmpint (exact, >=, 4);
}

/* plates/images/labels.csv: oalpr_br_s001.jpg holds GWT2180,
 * oalpr_us_s020.jpg EAZ6913, ucsd_s016.jpg 4MTV159. */
static void
test_plates_scenes (void)
{
  TrawlPlateReader *pr = get_plates ();
  if (pr == NULL)
    return;
  const char *files[] = { "oalpr_br_s001.jpg", "oalpr_us_s020.jpg", "ucsd_s016.jpg" };
  const char *truth[] = { "GWT2180", "EAZ6913", "4MTV159" };
  int found = 0;
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *rel = g_build_filename ("plates/images", files[i], NULL);
      g_autofree char *path = trawl_test_need_data (rel);
      if (path == NULL)
        return;
      g_autoptr (GError) error = NULL;
      g_autoptr (TrawlImage) img = trawl_image_load (path, &error);
      g_assert_no_error (error);
      g_autoptr (GPtrArray) plates = trawl_plate_reader_detect (pr, img, &error);
      g_assert_no_error (error);
      for (guint k = 0; k < plates->len; k++)
        {
          TrawlPlate *p = plates->pdata[k];
          g_test_message ("%s: read %s (raw %s, conf %.2f)", files[i], p->text, p->raw, p->confidence);
          g_assert_true (trawl_plate_plausible (p->text));
          g_assert_cmpfloat (p->box.w, >, 0);
          if (strcmp (p->text, truth[i]) == 0)
            {
              found++;
              break;
            }
        }
    }
  g_assert_cmpint (found, >=, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/detect/pipelines/faces-group-photo", test_faces_group_photo);
  g_test_add_func ("/detect/pipelines/plates-cn-crops", test_plates_cn_crops);
  g_test_add_func ("/detect/pipelines/plates-us-crops", test_plates_us_crops);
  g_test_add_func ("/detect/pipelines/plates-scenes", test_plates_scenes);
  int rc = g_test_run ();
  trawl_face_detector_free (face_det);
  trawl_plate_reader_free (plate_reader);
  return rc;
}
