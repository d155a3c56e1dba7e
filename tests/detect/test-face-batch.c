/* test-face-batch.c - the batched face pipeline on frame sources
 * (_trawl_face_detector_run_sources, src/detect/face-batch.c) run on the CPU
 * with host RGB sources, so the code that drives GPU frames runs in CI:
 * its warps are the warp rule's CPU reference, its nets CPU plans of batch
 * n. Frames: face photos of different sizes (small ones see SSD once,
 * frames >= 480 px also their tiles) and frames of the Hamilton clip.
 *
 *  - each frame alone (n = 1) against the classic single-frame pipeline,
 *    kept as a test reference (face-classic-ref.h; trawl_face_detector_run
 *    itself now takes the batched path):
 *    the same faces in the same order, box IoU >= 0.98, landmarks within
 *    0.5 px, embedding cosine >= 0.999, quality within 0.02. The two cut
 *    their inputs through different code (the warp rule against
 *    trawl_faces_prepare_input and trawl_image_warp_affine; exact up to
 *    float rounding, a chip sample may flip by one step at a .5 tie, see
 *    test-warp-build.c). Measured on these 7 frames (11 faces): worst box
 *    IoU 1.00000, landmarks 0.0002 px, 1 - cosine 2e-7, quality 0.0000
 *    (printed as messages);
 *  - several frames in one call against each frame alone, within the
 *    same tolerances: all 7 frames (23 SSD regions in one run; their 11
 *    faces' landmarks and chips in one run each), then 9 frames (the small
 *    photos twice) in SSD runs of 8 regions, so frames' regions split
 *    across runs. Not bit for bit: a batch of n is one sgemm of n times
 *    the rows, and OpenBLAS's kernels for other row counts may sum in
 *    another order (the SSE and AVX2 kernels do, the AVX-512 ones happened
 *    not to). Measured at TRAWL_CPU_LEVEL baseline and avx2: landmarks
 *    0.0001 px, 1 - cosine 2e-9, IoU and quality equal to 5 digits;
 *  - a frame run alone twice gives the same bytes (bit-exactness is for
 *    the same path run twice; the second run through the public
 *    trawl_face_detector_run, which is that path);
 *  - the detector without the recogniser (the chips' scratch path);
 *  - argument errors: n < 1, NULLs, a GPU frame on a CPU detector
 *    (TRAWL_ERROR_INVALID_ARG before any work).
 *
 * Skips without the face models (run scripts/setup) or the shared data.
 */
#include "trawl-config.h"

#include "detect/detect-private.h"
#include "detect/frame-source.h"
#include "trawl/base.h"
#include "trawl/video.h"

#include <math.h>
#include <string.h>
#include "../common/trawl-test.h"
#include "../common/trawl-test-detect.h"
#include "../common/trawl-test-image.h"
#include "face-classic-ref.h"

#define IOU_MIN      0.98
#define LM_MAX_PX    0.5
#define COSINE_MIN   0.999
#define QUALITY_TOL  0.02

/* Photos (width x height): fr_005 320x240 and fr_014 424x394 (SSD on the
 * whole frame only), fr_023 501x700 (two people), fr_012 1126x661 (two
 * people) and fr_019 630x374 (tiles too). */
static const char *photos[] = {
  "faces/images/fr_005.jpg", "faces/images/fr_014.png", "faces/images/fr_023.jpg",
  "faces/images/fr_012.jpg", "faces/images/fr_019.jpg",
};
/* Frames of the Hamilton clip (640x360, tiles): Miranda on stage, then
 * the audience near the end. */
static const gint64 clip_frames[] = { 30, 262 };

#define MAX_FRAMES 8

typedef struct {
  TrawlFaceDetector *fd;
  int                n;
  TrawlImage        *img[MAX_FRAMES];
  char              *name[MAX_FRAMES];
  GArray            *classic[MAX_FRAMES];   /* face-classic-ref.h */
  GArray            *single[MAX_FRAMES];    /* run_sources, n = 1 */
} Fixture;

static Fixture fx;

static gboolean
have_models (void)
{
  const char *files[] = { "face-api/ssd_mobilenetv1_model-weights_manifest.json",
                          "face-api/face_landmark_68_model-weights_manifest.json",
                          "face-api/face_recognition_model-weights_manifest.json" };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = trawl_test_need_model (files[i]);
      if (path == NULL)
        return FALSE;
    }
  return TRUE;
}

static TrawlFaceDetector *
detector (gboolean no_embedding)
{
  g_autoptr (GError) error = NULL;
  TrawlFaceOptions o = { .backend = TRAWL_NN_BACKEND_CPU, .no_embedding = no_embedding };
  TrawlFaceDetector *fd = trawl_face_detector_new (&o, &error);
  g_assert_no_error (error);
  return fd;
}

/* Appends the clip's frames clip_frames[] (decoded on the CPU). */
static void
load_clip (void)
{
  g_autofree char *path = trawl_test_data_dir ();
  g_autofree char *clip = g_build_filename (path, "videos/people/short_hamilton_clip.mp4", NULL);
  g_autoptr (GError) error = NULL;
  TrawlVideoOptions o;

  if (!g_file_test (clip, G_FILE_TEST_EXISTS))
    {
      g_test_message ("clip absent (%s): photos only", clip);
      return;
    }
  trawl_video_options_init (&o);
  g_autoptr (TrawlVideoReader) r = trawl_video_reader_open (clip, &o, &error);
  g_assert_no_error (error);
  guint want = 0;
  while (want < G_N_ELEMENTS (clip_frames))
    {
      g_autoptr (TrawlVideoFrame) f = trawl_video_reader_next (r, &error);
      g_assert_no_error (error);
      if (f == NULL)
        break;
      if (f->index != clip_frames[want])
        continue;
      const TrawlImage *img = trawl_video_frame_get_image (f, &error);
      g_assert_no_error (error);
      fx.img[fx.n] = trawl_image_copy (img);
      fx.name[fx.n] = g_strdup_printf ("hamilton#%" G_GINT64_FORMAT, f->index);
      fx.n++;
      want++;
    }
  g_assert_cmpuint (want, ==, G_N_ELEMENTS (clip_frames));
}

/* The detector, the frames and their classic and single results, made by
 * the first test that needs them; NULL after a skip. */
static Fixture *
fixture (void)
{
  if (fx.fd != NULL)
    return &fx;
  if (!have_models ())
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (photos); i++)
    {
      g_autofree char *path = trawl_test_need_data (photos[i]);
      if (path == NULL)
        return NULL;
    }
  g_autoptr (GError) error = NULL;
  FaceClassicRef ref;
  fx.fd = detector (FALSE);
  face_classic_init (&ref, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (photos); i++)
    {
      fx.img[fx.n] = trawl_test_load_image (photos[i]);
      fx.name[fx.n] = g_path_get_basename (photos[i]);
      fx.n++;
    }
  load_clip ();
  for (int f = 0; f < fx.n; f++)
    {
      TrawlFrameSource s;
      _trawl_frame_source_rgb (&s, fx.img[f]);
      fx.classic[f] = face_classic_run (&ref, fx.fd, fx.img[f]);
      g_assert_true (_trawl_face_detector_run_sources (fx.fd, &s, 1, &fx.single[f], &error));
      g_assert_no_error (error);
      g_test_message ("%s (%dx%d): %u faces", fx.name[f], fx.img[f]->width, fx.img[f]->height,
                      fx.classic[f]->len);
    }
  face_classic_clear (&ref);
  return &fx;
}

typedef struct {
  double iou, lm_px, cosine, quality;   /* worst seen */
} Worst;

/* Asserts that got matches want (the classic pipeline's faces of one
 * frame) within the tolerances, face by face in order; updates *w. */
static void
assert_near (const GArray *want, const GArray *got, const char *name, Worst *w)
{
  g_assert_cmpuint (got->len, ==, want->len);
  for (guint i = 0; i < want->len; i++)
    {
      const TrawlFace *a = &g_array_index (want, TrawlFace, i);
      const TrawlFace *b = &g_array_index (got, TrawlFace, i);
      double iou = trawl_box_iou (&a->box, &b->box), lm = 0, cs = 1, dq;

      for (int k = 0; k < TRAWL_FACE_LANDMARKS; k++)
        lm = MAX (lm, MAX (fabs (a->landmarks[k].x - b->landmarks[k].x),
                           fabs (a->landmarks[k].y - b->landmarks[k].y)));
      g_assert_cmpint (a->has_embedding, ==, b->has_embedding);
      if (a->has_embedding)
        cs = trawl_test_face_cosine (a->embedding, b->embedding);
      dq = MAX (fabs (a->quality.overall - b->quality.overall),
                MAX (fabs (a->quality.sharpness - b->quality.sharpness),
                     MAX (fabs (a->quality.size - b->quality.size),
                          fabs (a->quality.frontalness - b->quality.frontalness))));
      g_test_message ("  %s face %u: score %.3f / %.3f, IoU %.5f, landmarks %.4f px, cosine %.6f, "
                      "quality %.3f / %.3f", name, i, a->score, b->score, iou, lm, cs,
                      a->quality.overall, b->quality.overall);
      w->iou = MIN (w->iou, iou);
      w->lm_px = MAX (w->lm_px, lm);
      w->cosine = MIN (w->cosine, cs);
      w->quality = MAX (w->quality, dq);
      g_assert_cmpfloat (iou, >=, IOU_MIN);
      g_assert_cmpfloat (lm, <=, LM_MAX_PX);
      g_assert_cmpfloat (cs, >=, COSINE_MIN);
      g_assert_cmpfloat (dq, <=, QUALITY_TOL);
    }
}

/* Bit for bit (the whole TrawlFace; arrays are zeroed before filling, so
 * padding compares too): for the same path run twice only. */
static void
assert_same (const GArray *want, const GArray *got, const char *name)
{
  g_assert_cmpuint (got->len, ==, want->len);
  for (guint i = 0; i < want->len; i++)
    if (memcmp (&g_array_index (want, TrawlFace, i), &g_array_index (got, TrawlFace, i),
                sizeof (TrawlFace)) != 0)
      g_error ("%s face %u: a second run of the same frame differs from the first", name, i);
}

static void
test_single_vs_classic (void)
{
  Fixture *x = fixture ();
  if (x == NULL)
    return;
  Worst w = { 1, 0, 1, 0 };
  guint faces = 0;
  for (int f = 0; f < x->n; f++)
    {
      assert_near (x->classic[f], x->single[f], x->name[f], &w);
      faces += x->classic[f]->len;
    }
  g_assert_cmpuint (faces, >=, 5);
  g_test_message ("%u faces in %d frames; worst: IoU %.5f, landmarks %.4f px, 1 - cosine %.2g, "
                  "quality %.4f", faces, x->n, w.iou, w.lm_px, 1 - w.cosine, w.quality);
}

/* Runs frames order[0 .. n) in one call and checks each against its
 * single run. */
static void
check_batch (Fixture *x, const int *order, int n)
{
  g_autoptr (GError) error = NULL;
  TrawlFrameSource s[2 * MAX_FRAMES];
  GArray *out[2 * MAX_FRAMES];
  int regions = 0;

  for (int i = 0; i < n; i++)
    {
      g_autoptr (GArray) r = _trawl_face_regions (x->fd, x->img[order[i]]->width,
                                                  x->img[order[i]]->height);
      _trawl_frame_source_rgb (&s[i], x->img[order[i]]);
      regions += (int) r->len;
    }
  TrawlFaceTimings t0, t1;
  trawl_face_detector_get_timings (x->fd, &t0);
  g_assert_true (_trawl_face_detector_run_sources (x->fd, s, n, out, &error));
  g_assert_no_error (error);
  trawl_face_detector_get_timings (x->fd, &t1);
  g_test_message ("batch of %d frames, %d SSD regions in runs of at most %d: SSD %.2f s, "
                  "landmarks %.2f s, chips %.2f s", n, regions,
                  x->fd->ssd_max_batch ? x->fd->ssd_max_batch : TRAWL_FACE_MAX_BATCH,
                  t1.detect_s - t0.detect_s, t1.landmarks_s - t0.landmarks_s,
                  t1.embed_s - t0.embed_s);
  Worst w = { 1, 0, 1, 0 };
  for (int i = 0; i < n; i++)
    {
      assert_near (x->single[order[i]], out[i], x->name[order[i]], &w);
      g_array_unref (out[i]);
    }
  g_test_message ("batch of %d frames against each alone: worst IoU %.5f, landmarks %.4f px, "
                  "1 - cosine %.2g, quality %.4f", n, w.iou, w.lm_px, 1 - w.cosine, w.quality);
}

static void
test_batch_vs_single (void)
{
  Fixture *x = fixture ();
  if (x == NULL)
    return;
  int all[2 * MAX_FRAMES], n = 0;

  /* every frame once, all regions in one run (a CPU detector runs one
   * region a run unless told) */
  for (int f = 0; f < x->n; f++)
    all[n++] = f;
  x->fd->ssd_max_batch = TRAWL_WARP_MAX_BATCH;
  check_batch (x, all, n);
  /* white box: give back that run's 23 x 25 MB of arena */
  for (int m = 9; m <= TRAWL_FACE_MAX_BATCH; m++)
    g_clear_pointer (&x->fd->ssd_batch[m], trawl_nn_plan_free);
  /* runs of 8 regions (32 would hold 32 x 25 MB of arena on the CPU):
   * frames' regions split across runs; in another order, and
   * the small photos twice in one call */
  n = 0;
  for (int f = x->n - 1; f >= 0; f--)
    all[n++] = f;
  all[n++] = 0;
  all[n++] = 1;
  x->fd->ssd_max_batch = 8;
  check_batch (x, all, n);
  x->fd->ssd_max_batch = 0;
}

/* The same path twice: each photo alone again, through the public
 * trawl_face_detector_run (which takes the batched path), gives the bytes
 * of its first run (the clip's frames are left out: SSD on their tiles is the
 * cost). */
static void
test_repeat (void)
{
  Fixture *x = fixture ();
  if (x == NULL)
    return;
  guint faces = 0;
  for (int f = 0; f < (int) G_N_ELEMENTS (photos) && f < x->n; f++)
    {
      g_autoptr (GError) error = NULL;
      GArray *again = trawl_face_detector_run (x->fd, x->img[f], &error);
      g_assert_no_error (error);
      assert_same (x->single[f], again, x->name[f]);
      faces += again->len;
      g_array_unref (again);
    }
  g_assert_cmpuint (faces, >=, 1);
  g_test_message ("%u faces, bit for bit as in the first run", faces);
}

/* Without the recogniser the chips go through a scratch buffer one by
 * one; quality must still match the classic path (small photos only: the
 * SSD runs are the cost). */
static void
test_no_embedding (void)
{
  Fixture *x = fixture ();
  if (x == NULL)
    return;
  g_autoptr (TrawlFaceDetector) fd = detector (TRUE);
  g_autoptr (GError) error = NULL;
  FaceClassicRef ref;
  /* the two small photos and the last frame (the clip's three faces when
   * it is there) */
  int pick[3] = { 0, 1, x->n - 1 };
  TrawlFrameSource s[3];
  GArray *out[3];
  Worst w = { 1, 0, 1, 0 };

  for (int i = 0; i < 3; i++)
    _trawl_frame_source_rgb (&s[i], x->img[pick[i]]);
  g_assert_true (_trawl_face_detector_run_sources (fd, s, 3, out, &error));
  g_assert_no_error (error);
  face_classic_init (&ref, FALSE);
  for (int i = 0; i < 3; i++)
    {
      g_autoptr (GArray) c = face_classic_run (&ref, fd, x->img[pick[i]]);
      for (guint k = 0; k < out[i]->len; k++)
        g_assert_false (g_array_index (out[i], TrawlFace, k).has_embedding);
      assert_near (c, out[i], x->name[pick[i]], &w);
      g_array_unref (out[i]);
    }
  face_classic_clear (&ref);
  g_test_message ("no embedding: worst IoU %.5f, landmarks %.4f px, quality %.4f", w.iou,
                  w.lm_px, w.quality);
}

static void
assert_refused (TrawlFaceDetector *fd, const TrawlFrameSource *s, int n, GArray **out, int code)
{
  g_autoptr (GError) error = NULL;
  GArray *sentinel = (GArray *) &error;

  if (out != NULL)
    for (int i = 0; i < MAX (n, 0); i++)
      out[i] = sentinel;   /* must come back NULL */
  g_assert_false (_trawl_face_detector_run_sources (fd, s, n, out, &error));
  g_assert_error (error, TRAWL_ERROR, code);
  if (out != NULL)
    for (int i = 0; i < MAX (n, 0); i++)
      g_assert_null (out[i]);
}

static void
test_errors (void)
{
  Fixture *x = fixture ();
  if (x == NULL)
    return;
  g_autoptr (GError) error = NULL;
  TrawlFrameSource s[2], empty;
  GArray *out[2];
  /* planes that are never read: the refusal comes first */
  TrawlGpuFrame gpu = { (const guint8 *) "", (const guint8 *) "", 2, 2, 2, 2, NULL };
  const TrawlGpuFrame *frames[1] = { &gpu };

  _trawl_frame_source_rgb (&s[0], x->img[0]);
  memset (&empty, 0, sizeof empty);
  assert_refused (x->fd, s, 0, out, TRAWL_ERROR_INVALID_ARG);
  assert_refused (x->fd, NULL, 1, out, TRAWL_ERROR_INVALID_ARG);
  assert_refused (x->fd, s, 1, NULL, TRAWL_ERROR_INVALID_ARG);
  assert_refused (NULL, s, 1, out, TRAWL_ERROR_INVALID_ARG);
  assert_refused (x->fd, &empty, 1, out, TRAWL_ERROR_INVALID_ARG);
  /* a GPU frame on a CPU detector, also after a good frame: nothing runs */
  _trawl_frame_source_gpu (&s[1], &gpu);
  assert_refused (x->fd, &s[1], 1, out, TRAWL_ERROR_INVALID_ARG);
  assert_refused (x->fd, s, 2, out, TRAWL_ERROR_INVALID_ARG);

  /* the public GPU entry points on a CPU detector */
  int code = TRAWL_HAVE_CUDA ? TRAWL_ERROR_INVALID_ARG : TRAWL_ERROR_NOT_BUILT;
  out[0] = (GArray *) &error;
  g_assert_false (trawl_face_detector_run_gpu_batch (x->fd, frames, 1, out, &error));
  g_assert_error (error, TRAWL_ERROR, code);
  g_assert_null (out[0]);
  g_clear_error (&error);
  g_assert_false (trawl_face_detector_run_gpu_batch (x->fd, frames, 0, out, &error));
  g_assert_error (error, TRAWL_ERROR, code);
  g_clear_error (&error);
  g_assert_null (trawl_face_detector_run_gpu (x->fd, &gpu, &error));
  g_assert_error (error, TRAWL_ERROR, code);
}

static void
fixture_free (void)
{
  for (int f = 0; f < fx.n; f++)
    {
      trawl_image_free (fx.img[f]);
      g_free (fx.name[f]);
      g_clear_pointer (&fx.classic[f], g_array_unref);
      g_clear_pointer (&fx.single[f], g_array_unref);
    }
  trawl_face_detector_free (fx.fd);
  memset (&fx, 0, sizeof fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/detect/face-batch/single-vs-classic", test_single_vs_classic);
  g_test_add_func ("/detect/face-batch/batch-vs-single", test_batch_vs_single);
  g_test_add_func ("/detect/face-batch/repeat", test_repeat);
  g_test_add_func ("/detect/face-batch/no-embedding", test_no_embedding);
  g_test_add_func ("/detect/face-batch/errors", test_errors);
  int rc = g_test_run ();
  fixture_free ();
  return rc;
}
