/* test-gpu-pipelines.c - the face and plate pipelines on GPU frames
 * (trawl_face_detector_run_gpu and _run_gpu_batch,
 * trawl_plate_reader_detect_gpu) against the CPU pipelines on the same
 * frame. A photo is converted to NV12 on the host
 * (BT.601 limited range, 2x2 chroma means), uploaded with cudaMemcpy2D to
 * pitched device planes and wrapped in a TrawlGpuFrame (ready_event NULL:
 * the upload is synchronous). The CPU pipelines run on the RGB image the
 * NV12 frame decodes to (each pixel with its chroma pair, as the warp rule
 * reads it), so the two paths see the same pixels and differ only by float
 * rounding, the GPU's arithmetic and, for plates, the composed rec warp.
 *
 * Tolerances:
 *   faces: the same number; each CPU face matched to a GPU face with box
 *     IoU >= 0.9 (a few px on a face: SSD's outputs move by float noise
 *     only, but a box near the score gate may flip - none on these photos);
 *     embeddings of matched faces cosine >= 0.99 (the CPU pipeline gives
 *     > 0.999 for a chip one step off in a few samples). Three frames in
 *     one trawl_face_detector_run_gpu_batch call (SSD regions of all three
 *     in one run, their faces' landmarks and chips in one run each) are
 *     held to the same against the CPU, and to IoU >= 0.99 and cosine >=
 *     0.999 against each frame alone on the GPU (the nets run at other
 *     batch sizes there, which may pick other cuDNN algorithms).
 *   plates: on the labelled scenes the GPU reads the label whenever the
 *     CPU does. The rec inputs are made in the CPU path's two steps on
 *     both, but the GPU samples NV12 between pixels before rounding the
 *     colour, the CPU path the rounded RGB, so the other texts are
 *     reported, not required equal (on host RGB the batched path's texts
 *     are required identical: tests/detect/test-plate-batch.c). The batch
 *     API gives each frame its single run's texts.
 *
 * Without a GPU (or without CUDA in the build) every case reports
 * "skipped: no GPU (...)"; without models or data, skipped saying which.
 */
#include "trawl-config.h"

#include <math.h>
#include <string.h>

#include <trawl/base.h>
#include <trawl/detect.h>
#include <trawl/gpu.h>

#include "gpu-test-util.h"
#include "rules/warp.h"
#include "../common/trawl-test.h"
#include "../common/trawl-test-detect.h"
#include "../common/trawl-test-image.h"

#if TRAWL_HAVE_CUDA
#include <cuda_runtime_api.h>

#include "gpu-pipeline-util.h"

#define IOU_MIN    0.9f
#define COSINE_MIN 0.99

/* img (cropped to even sizes) as NV12 on the device, and its decoded RGB. */
static void
upload (const TrawlImage *img, Nv12Frame *f)
{
  int w = img->width & ~1, h = img->height & ~1;
  g_autofree guint8 *y = NULL, *uv = NULL;

  nv12_from_rgb (img, w, h, w, w, &y, &uv);
  f->rgb = trawl_image_new (w, h);
  for (int r = 0; r < h; r++)
    for (int c = 0; c < w; c++)
      {
        float rgb[3];
        const guint8 *q = uv + (gsize) (r / 2) * w + (c & ~1);
        trawl_warp_yuv_to_rgb (y[(gsize) r * w + c], q[0], q[1], rgb);
        for (int k = 0; k < 3; k++)
          f->rgb->data[(gsize) r * f->rgb->stride + 3 * c + k] = clamp_u8 (rgb[k]);
      }

  size_t pitch_y, pitch_uv;
  void *dy = NULL, *duv = NULL;
  g_assert_cmpint (cudaMallocPitch (&dy, &pitch_y, w, h), ==, cudaSuccess);
  g_assert_cmpint (cudaMallocPitch (&duv, &pitch_uv, w, h / 2), ==, cudaSuccess);
  g_assert_cmpint (cudaMemcpy2D (dy, pitch_y, y, w, w, h, cudaMemcpyHostToDevice), ==,
                   cudaSuccess);
  g_assert_cmpint (cudaMemcpy2D (duv, pitch_uv, uv, w, w, h / 2, cudaMemcpyHostToDevice), ==,
                   cudaSuccess);
  f->frame = (TrawlGpuFrame) { dy, duv, (int) pitch_y, (int) pitch_uv, w, h, NULL };
  f->stream = NULL;
}

static void
compare_faces (TrawlFaceDetector *cpu, TrawlFaceDetector *gpu, const char *rel)
{
  g_autoptr (TrawlImage) img = trawl_test_load_image (rel);
  if (img == NULL)
    return;
  g_autoptr (GError) error = NULL;
  Nv12Frame f;
  upload (img, &f);
  g_autoptr (GArray) fc = trawl_face_detector_run (cpu, f.rgb, &error);
  g_assert_no_error (error);
  /* twice: the second run reuses the cached batch plans */
  for (int rep = 0; rep < 2; rep++)
    {
      g_autoptr (GArray) fg = trawl_face_detector_run_gpu (gpu, &f.frame, &error);
      g_assert_no_error (error);
      g_test_message ("%s: %u faces on the CPU, %u on the GPU", rel, fc->len, fg->len);
      assert_faces_match (fc, fg, IOU_MIN, COSINE_MIN);
    }
  TrawlFaceTimings t;
  trawl_face_detector_get_timings (gpu, &t);
  g_test_message ("GPU stages so far: detect %.3f s, landmarks %.3f s, embed %.3f s", t.detect_s,
                  t.landmarks_s, t.embed_s);
  nv12_frame_free (&f);
}

static void
test_faces (void)
{
  if (!need_gpu ())
    return;
  g_autofree char *m = trawl_test_need_model ("face-api/face_recognition_model.bin");
  if (m == NULL)
    return;
  g_autoptr (TrawlFaceDetector) cpu = face_detector (TRAWL_NN_BACKEND_CPU);
  g_autoptr (TrawlFaceDetector) gpu = face_detector (TRAWL_NN_BACKEND_CUDA);
  compare_faces (cpu, gpu, "faces/images/fr_012.jpg");   /* a group: batches of 2 */
  compare_faces (cpu, gpu, "faces/images/fr_001.jpg");
  compare_faces (cpu, gpu, "faces/images/fr_010.jpg");
}

/* Three frames of different sizes in one batched call, against the CPU
 * on each frame and the GPU on each frame alone. */
static void
test_faces_batch (void)
{
  if (!need_gpu ())
    return;
  g_autofree char *m = trawl_test_need_model ("face-api/face_recognition_model.bin");
  if (m == NULL)
    return;
  const char *rel[3] = { "faces/images/fr_012.jpg", "faces/images/fr_001.jpg",
                         "faces/images/fr_010.jpg" };
  TrawlImage *img[3];
  for (int i = 0; i < 3; i++)
    if ((img[i] = trawl_test_load_image (rel[i])) == NULL)
      {
        for (int k = 0; k < i; k++)
          trawl_image_free (img[k]);
        return;
      }
  g_autoptr (TrawlFaceDetector) cpu = face_detector (TRAWL_NN_BACKEND_CPU);
  g_autoptr (TrawlFaceDetector) gpu = face_detector (TRAWL_NN_BACKEND_CUDA);
  g_autoptr (GError) error = NULL;
  Nv12Frame f[3];
  const TrawlGpuFrame *frames[3];
  GArray *fb[3];

  for (int i = 0; i < 3; i++)
    {
      upload (img[i], &f[i]);
      frames[i] = &f[i].frame;
    }
  /* twice: the second call reuses the cached batch plans */
  for (int rep = 0; rep < 2; rep++)
    {
      g_assert_true (trawl_face_detector_run_gpu_batch (gpu, frames, 3, fb, &error));
      g_assert_no_error (error);
      for (int i = 0; i < 3; i++)
        {
          g_autoptr (GArray) fc = trawl_face_detector_run (cpu, f[i].rgb, &error);
          g_assert_no_error (error);
          g_autoptr (GArray) fg = trawl_face_detector_run_gpu (gpu, &f[i].frame, &error);
          g_assert_no_error (error);
          g_test_message ("%s in a batch of 3: %u faces; CPU %u, GPU alone %u", rel[i], fb[i]->len,
                          fc->len, fg->len);
          assert_faces_match (fc, fb[i], IOU_MIN, COSINE_MIN);
          assert_faces_match (fg, fb[i], 0.99f, 0.999);
          g_array_unref (fb[i]);
        }
    }
  TrawlFaceTimings t;
  trawl_face_detector_get_timings (gpu, &t);
  g_test_message ("GPU stages: detect %.3f s, landmarks %.3f s, embed %.3f s", t.detect_s,
                  t.landmarks_s, t.embed_s);
  for (int i = 0; i < 3; i++)
    {
      nv12_frame_free (&f[i]);
      trawl_image_free (img[i]);
    }
}

/* Runs in every CUDA build, GPU or not: the refusal comes before any
 * device work. */
static void
test_faces_cpu_detector_refused (void)
{
  g_autofree char *m = trawl_test_need_model ("face-api/face_recognition_model.bin");
  if (m == NULL)
    return;
  g_autoptr (TrawlFaceDetector) cpu = face_detector (TRAWL_NN_BACKEND_CPU);
  g_autoptr (GError) error = NULL;
  TrawlGpuFrame frame = { (const guint8 *) "", (const guint8 *) "", 2, 2, 2, 2, NULL };
  g_assert_null (trawl_face_detector_run_gpu (cpu, &frame, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_clear_error (&error);
  const TrawlGpuFrame *frames[2] = { &frame, &frame };
  GArray *out[2] = { (GArray *) &error, (GArray *) &error };
  g_assert_false (trawl_face_detector_run_gpu_batch (cpu, frames, 2, out, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_assert_null (out[0]);
  g_assert_null (out[1]);
}

/* The corners of two plates' quads, largest difference px. */
static double
quad_diff (const TrawlPlate *a, const TrawlPlate *b)
{
  double d = 0;
  for (int k = 0; k < 4; k++)
    d = MAX (d, MAX (fabs (a->quad[k].x - b->quad[k].x), fabs (a->quad[k].y - b->quad[k].y)));
  return d;
}

/* plates/images/labels.csv: oalpr_br_s001.jpg holds GWT2180,
 * oalpr_us_s020.jpg EAZ6913, ucsd_s016.jpg 4MTV159, ucsd_s005.jpg 3GPC664,
 * ucsd_s011.jpg 4GTA922 (the three ucsd scenes are 640x480: their det
 * runs are shared in the batch). Each scene alone
 * (trawl_plate_reader_detect_gpu) against the CPU path on the RGB the
 * NV12 frame decodes to: the GPU reads the label whenever the CPU does,
 * other differences reported (the GPU samples NV12 between pixels before
 * the colour is rounded to 8 bits, the CPU path after: crops a step apart
 * in many samples, not only at ties). Then all five and the first again
 * in one trawl_plate_reader_detect_gpu_batch call: each frame's plates
 * are its single run's (same texts and formats; confidences within 1e-3
 * and corners within 1 px: cuDNN may pick other algorithms at another
 * batch size). */
static void
test_plates (void)
{
  enum { N = 5 };
  if (!need_gpu ())
    return;
  g_autofree char *m = trawl_test_need_model ("ocr-models/ch_PP-OCRv4_rec_infer.onnx");
  if (m == NULL)
    return;
  g_autoptr (TrawlPlateReader) cpu = plate_reader (TRAWL_NN_BACKEND_CPU);
  g_autoptr (TrawlPlateReader) gpu = plate_reader (TRAWL_NN_BACKEND_CUDA);
  const char *files[N] = { "oalpr_br_s001.jpg", "oalpr_us_s020.jpg", "ucsd_s016.jpg",
                           "ucsd_s005.jpg", "ucsd_s011.jpg" };
  const char *truth[N] = { "GWT2180", "EAZ6913", "4MTV159", "3GPC664", "4GTA922" };
  Nv12Frame f[N];
  GPtrArray *single[N];
  int same = 0;
  for (int i = 0; i < N; i++)
    {
      g_autofree char *rel = g_build_filename ("plates/images", files[i], NULL);
      g_autoptr (TrawlImage) img = trawl_test_load_image (rel);
      if (img == NULL)
        {
          for (int j = 0; j < i; j++)
            {
              nv12_frame_free (&f[j]);
              g_ptr_array_unref (single[j]);
            }
          return;
        }
      g_autoptr (GError) error = NULL;
      upload (img, &f[i]);
      g_autoptr (GPtrArray) pc = trawl_plate_reader_detect (cpu, f[i].rgb, &error);
      g_assert_no_error (error);
      single[i] = trawl_plate_reader_detect_gpu (gpu, &f[i].frame, &error);
      g_assert_no_error (error);
      g_assert_nonnull (single[i]);
      g_autofree char *tc = trawl_test_plate_texts (pc), *tg = trawl_test_plate_texts (single[i]);
      g_test_message ("%s: CPU reads [%s], GPU [%s]", files[i], tc, tg);
      same += strcmp (tc, tg) == 0;
      if (has_text (pc, truth[i]))
        g_assert_true (has_text (single[i], truth[i]));
      for (guint k = 0; k < single[i]->len; k++)
        {
          TrawlPlate *p = single[i]->pdata[k];
          g_assert_true (trawl_plate_plausible (p->text));
          g_assert_cmpfloat (p->box.w, >, 0);
        }
    }
  TrawlPlateTimings t0, t1;
  trawl_plate_reader_get_timings (gpu, &t0);
  g_test_message ("identical plate lists in %d of %d scenes; GPU detect %.3f s, read %.3f s "
                  "(first calls make the plans)", same, N, t0.detect_s, t0.read_s);

  /* the batch: all five, then the first again */
  const TrawlGpuFrame *frames[N + 1];
  GPtrArray *out[N + 1];
  for (int i = 0; i <= N; i++)
    frames[i] = &f[i % N].frame;
  for (int rep = 0; rep < 2; rep++) {   /* the second reuses the plans */
    g_autoptr (GError) error = NULL;
    gint64 start = g_get_monotonic_time ();
    trawl_plate_reader_get_timings (gpu, &t0);
    g_assert_true (trawl_plate_reader_detect_gpu_batch (gpu, frames, N + 1, out, &error));
    g_assert_no_error (error);
    trawl_plate_reader_get_timings (gpu, &t1);
    double worst_conf = 0, worst_quad = 0;
    for (int i = 0; i <= N; i++)
      {
        GPtrArray *a = single[i % N], *b = out[i];
        g_assert_nonnull (b);
        g_assert_cmpuint (a->len, ==, b->len);
        for (guint k = 0; k < a->len; k++)
          {
            const TrawlPlate *p = a->pdata[k], *q = b->pdata[k];
            g_assert_cmpstr (p->text, ==, q->text);
            g_assert_cmpint (p->format, ==, q->format);
            worst_conf = MAX (worst_conf, fabs ((double) p->confidence - q->confidence));
            worst_quad = MAX (worst_quad, quad_diff (p, q));
          }
        g_ptr_array_unref (b);
      }
    g_test_message ("batch of %d frames (run %d): as alone, confidences within %.2g, corners "
                    "within %.3g px; %.3f s (detect %.3f s, read %.3f s)", N + 1, rep,
                    worst_conf, worst_quad, (g_get_monotonic_time () - start) / 1e6,
                    t1.detect_s - t0.detect_s, t1.read_s - t0.read_s);
    g_assert_cmpfloat (worst_conf, <=, 1e-3);
    g_assert_cmpfloat (worst_quad, <=, 1.0);
  }
  for (int i = 0; i < N; i++)
    {
      nv12_frame_free (&f[i]);
      g_ptr_array_unref (single[i]);
    }
}

/* Runs in every CUDA build, GPU or not: a CPU reader is refused before
 * any device work, and nothing is returned. */
static void
test_plates_cpu_reader_refused (void)
{
  g_autofree char *m = trawl_test_need_model ("ocr-models/ch_PP-OCRv4_rec_infer.onnx");
  if (m == NULL)
    return;
  g_autoptr (TrawlPlateReader) cpu = plate_reader (TRAWL_NN_BACKEND_CPU);
  g_autoptr (GError) error = NULL;
  TrawlGpuFrame frame = { (const guint8 *) "", (const guint8 *) "", 2, 2, 2, 2, NULL };
  const TrawlGpuFrame *frames[2] = { &frame, &frame };
  GPtrArray *out[2] = { (GPtrArray *) (gpointer) 1, (GPtrArray *) (gpointer) 1 };
  g_assert_null (trawl_plate_reader_detect_gpu (cpu, &frame, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_clear_error (&error);
  g_assert_false (trawl_plate_reader_detect_gpu_batch (cpu, frames, 2, out, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_assert_null (out[0]);
  g_assert_null (out[1]);
  g_clear_error (&error);
  frames[1] = NULL;
  g_assert_false (trawl_plate_reader_detect_gpu_batch (cpu, frames, 2, out, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
}

#else /* !TRAWL_HAVE_CUDA */

static void
test_faces (void)
{
  g_assert_false (need_gpu ());
  g_autoptr (GError) error = NULL;
  TrawlGpuFrame frame = { 0 };
  g_assert_null (trawl_face_detector_run_gpu (NULL, &frame, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_BUILT);
}

static void
test_faces_batch (void)
{
  g_assert_false (need_gpu ());
  g_autoptr (GError) error = NULL;
  TrawlGpuFrame frame = { 0 };
  const TrawlGpuFrame *frames[1] = { &frame };
  GArray *out[1];
  g_assert_false (trawl_face_detector_run_gpu_batch (NULL, frames, 1, out, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_BUILT);
  g_assert_null (out[0]);
}

static void
test_faces_cpu_detector_refused (void)
{
  g_assert_false (need_gpu ());
}

static void
test_plates (void)
{
  g_assert_false (need_gpu ());
  g_autoptr (GError) error = NULL;
  TrawlGpuFrame frame = { 0 };
  const TrawlGpuFrame *frames[1] = { &frame };
  GPtrArray *out[1] = { (GPtrArray *) (gpointer) 1 };
  g_assert_null (trawl_plate_reader_detect_gpu (NULL, &frame, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_BUILT);
  g_clear_error (&error);
  g_assert_false (trawl_plate_reader_detect_gpu_batch (NULL, frames, 1, out, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_BUILT);
  g_assert_null (out[0]);
}

static void
test_plates_cpu_reader_refused (void)
{
  g_assert_false (need_gpu ());
}

#endif

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gpu/pipelines/faces", test_faces);
  g_test_add_func ("/gpu/pipelines/faces-batch", test_faces_batch);
  g_test_add_func ("/gpu/pipelines/faces-cpu-detector-refused", test_faces_cpu_detector_refused);
  g_test_add_func ("/gpu/pipelines/plates", test_plates);
  g_test_add_func ("/gpu/pipelines/plates-cpu-reader-refused", test_plates_cpu_reader_refused);
  return g_test_run ();
}
