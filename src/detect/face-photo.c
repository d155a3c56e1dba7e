/* face-photo.c - trawl_face_detector_run_photo: faces in a query photo
 * (an investigator's picture of someone) rather than a video frame.
 *
 * Query photos come from anywhere (DESIGN.md). SSD MobileNetV1 was trained
 * on scenes: a tight passport-style crop, the face filling the frame with
 * the chin or forehead cut, gives it no context and it finds nothing. A
 * grey border around the crop (grey like an ID photo's background; black
 * reads as a frame edge, repeated edge pixels as more face) brings the
 * face back to a size and setting it knows. Measured on the 40 tight
 * 150x150 grayscale crops of the dev set (scripts/devset-faces): found as
 * they are 5/40; with a grey border of 1/4 the side 30/40, 1/2 36/40, the
 * whole side 40/40, at 150, 300 or 500 px alike; edge-repeating borders
 * 37/40 at best. The tries run in order and stop at the first that finds a
 * face, so a photo that works as it is costs one run, and the fallbacks
 * never add faces to a photo in which the first try found some.
 */
#include "detect/detect-private.h"
#include "trawl/base.h"

#include <math.h>
#include <string.h>

/* Below this the photo is enlarged for its third try, so that it is tiled
 * (face-batch.c tiles frames of 480 px and more). */
#define SMALL_PHOTO 480

typedef struct {
  float border;   /* grey border on each side, times the long side */
  gboolean fit;   /* bring the long side into MIN_SIDE .. MAX_SIDE first */
  gboolean small; /* only photos under SMALL_PHOTO, enlarged to 2x (>= 480 px) */
} PhotoTry;

static const PhotoTry tries[] = {
  { 0.5f, TRUE, FALSE },
  { 1.0f, TRUE, FALSE },
  { 0.0f, FALSE, TRUE },
};

const char *
trawl_face_photo_tries (void)
{
  /* says what tries[] holds */
  return "as it is; with a grey border half and then once its size, brought to "
         G_STRINGIFY (TRAWL_FACE_PHOTO_MIN_SIDE) "-" G_STRINGIFY (TRAWL_FACE_PHOTO_MAX_SIDE)
         " px; and, under " G_STRINGIFY (SMALL_PHOTO) " px, enlarged";
}

/* img with a grey border of pad px on every side. */
static TrawlImage *
image_bordered (const TrawlImage *img, int pad)
{
  TrawlImage *out = trawl_image_new (img->width + 2 * pad, img->height + 2 * pad);
  memset (out->data, 128, (gsize) out->stride * out->height);
  for (int y = 0; y < img->height; y++)
    memcpy (out->data + (gsize) (y + pad) * out->stride + (gsize) pad * 3,
            img->data + (gsize) y * img->stride, (gsize) img->width * 3);
  return out;
}

/* The scale a try applies to a photo of long side side px: 1 when none. */
static double
try_scale (const PhotoTry *t, int side)
{
  if (t->small)
    return MAX (2.0, (double) SMALL_PHOTO / side);
  if (t->fit && side < TRAWL_FACE_PHOTO_MIN_SIDE)
    return (double) TRAWL_FACE_PHOTO_MIN_SIDE / side;
  if (t->fit && side > TRAWL_FACE_PHOTO_MAX_SIDE)
    return (double) TRAWL_FACE_PHOTO_MAX_SIDE / side;
  return 1.0;
}

/* Moves faces found in the tried picture to the photo's px,
 * p = (p' - pad) / scale, and measures their quality there (size counts
 * the photo's px, not the enlargement's; the chip's sharpness stays). */
static void
faces_to_photo (GArray *faces, double scale, int pad)
{
  float inv = (float) (1.0 / scale), off = (float) pad;

  for (guint i = 0; i < faces->len; i++)
    {
      TrawlFace *f = &g_array_index (faces, TrawlFace, i);
      f->box.x = (f->box.x - off) * inv;
      f->box.y = (f->box.y - off) * inv;
      f->box.w *= inv;
      f->box.h *= inv;
      for (int k = 0; k < TRAWL_FACE_LANDMARKS; k++)
        {
          f->landmarks[k].x = (f->landmarks[k].x - off) * inv;
          f->landmarks[k].y = (f->landmarks[k].y - off) * inv;
        }
      _trawl_face_quality_with (f->landmarks, f->quality.sharpness, f->score, &f->quality);
    }
}

/* One try: NULL with error set on engine failure; an empty array when the
 * try does not apply to this photo. */
static GArray *
run_try (TrawlFaceDetector *fd, const TrawlImage *img, const PhotoTry *t, GError **error)
{
  int side = MAX (img->width, img->height);
  if (t->small && side >= SMALL_PHOTO)
    return g_array_new (FALSE, FALSE, sizeof (TrawlFace));
  double scale = try_scale (t, side);
  g_autoptr (TrawlImage) scaled = NULL;
  if (scale != 1.0)
    scaled = trawl_image_resize (img, MAX (1, (int) lround (img->width * scale)),
                                 MAX (1, (int) lround (img->height * scale)));
  const TrawlImage *work = scaled ? scaled : img;
  int pad = (int) lroundf (t->border * MAX (work->width, work->height));
  g_autoptr (TrawlImage) bordered = pad > 0 ? image_bordered (work, pad) : NULL;
  GArray *faces = trawl_face_detector_run (fd, bordered ? bordered : work, error);
  if (faces != NULL)
    faces_to_photo (faces, scale, pad);
  return faces;
}

GArray *
trawl_face_detector_run_photo (TrawlFaceDetector *fd, const TrawlImage *img, GError **error)
{
  g_return_val_if_fail (fd != NULL && img != NULL, NULL);
  GArray *faces = trawl_face_detector_run (fd, img, error);
  for (guint i = 0; faces != NULL && faces->len == 0 && i < G_N_ELEMENTS (tries); i++)
    {
      g_array_unref (faces);
      faces = run_try (fd, img, &tries[i], error);
    }
  return faces;
}

GArray *
trawl_face_detector_run_box (TrawlFaceDetector *fd, const TrawlImage *img, const TrawlBox *box,
                             GError **error)
{
  g_return_val_if_fail (fd != NULL && img != NULL && box != NULL, NULL);
  if (!(box->w >= 4 && box->h >= 4) || box->x + box->w <= 0 || box->y + box->h <= 0 ||
      box->x >= img->width || box->y >= img->height)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "face detector: the box %.0f,%.0f,%.0fx%.0f is not a face's place in the "
                   "%dx%d image", box->x, box->y, box->w, box->h, img->width, img->height);
      return NULL;
    }
  TrawlDetectFrame frame = { img, NULL };
  g_autofree TrawlFrameSource *src = _trawl_frame_sources_of (&frame, 1);
  g_autoptr (GArray) boxes = g_array_new (FALSE, FALSE, sizeof (TrawlScoredBox));
  TrawlScoredBox sb = { *box, 0.0f };
  GArray *faces = NULL;
  g_array_append_val (boxes, sb);
  GArray *per_frame[1] = { boxes };
  if (!_trawl_face_detector_describe_sources (fd, src, 1, per_frame, &faces, error))
    return NULL;
  return faces;
}
