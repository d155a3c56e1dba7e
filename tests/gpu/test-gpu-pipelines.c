/* test-gpu-pipelines.c - the face and plate pipelines on GPU frames
 * (trawl_face_detector_run_gpu, trawl_plate_reader_detect_gpu) against the
 * CPU pipelines on the same frame. A photo is converted to NV12 on the host
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
 *     > 0.999 for a chip one step off in a few samples).
 *   plates: on the labelled scenes the GPU reads the label whenever the
 *     CPU does. The rec inputs are one composed warp on the GPU, two steps
 *     on the CPU (see tests/detect/test-warp-build.c: ~92% of single reads
 *     equal), so the other texts are reported, not required equal.
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
#include "image/warp.h"
#include "../common/trawl-test.h"

#if TRAWL_HAVE_CUDA
#include <cuda_runtime_api.h>

#define IOU_MIN    0.9f
#define COSINE_MIN 0.99

typedef struct {
  TrawlGpuFrame frame;    /* device planes */
  TrawlImage   *rgb;      /* what the NV12 planes decode to */
} Nv12Frame;

static guint8
clamp_u8 (double v)
{
  return (guint8) (v < 0 ? 0 : v > 255 ? 255 : lrint (v));
}

/* img (cropped to even sizes) as NV12 on the device, and its decoded RGB. */
static void
upload (const TrawlImage *img, Nv12Frame *f)
{
  int w = img->width & ~1, h = img->height & ~1;
  g_autofree guint8 *y = g_malloc ((gsize) w * h);
  g_autofree guint8 *uv = g_malloc ((gsize) w * h / 2);

  for (int r = 0; r < h; r++)
    for (int c = 0; c < w; c++) {
      const guint8 *p = img->data + (gsize) r * img->stride + 3 * c;
      y[(gsize) r * w + c] = clamp_u8 (16 + 0.256788 * p[0] + 0.504129 * p[1] + 0.097906 * p[2]);
    }
  for (int r = 0; r < h; r += 2)
    for (int c = 0; c < w; c += 2) {
      double u = 0, v = 0;
      for (int k = 0; k < 4; k++) {
        const guint8 *p = img->data + (gsize) (r + k / 2) * img->stride + 3 * (c + k % 2);
        u += -0.148223 * p[0] - 0.290993 * p[1] + 0.439216 * p[2];
        v += 0.439216 * p[0] - 0.367788 * p[1] - 0.071427 * p[2];
      }
      uv[(gsize) (r / 2) * w + c] = clamp_u8 (128 + u / 4);
      uv[(gsize) (r / 2) * w + c + 1] = clamp_u8 (128 + v / 4);
    }
  f->rgb = trawl_image_new (w, h);
  for (int r = 0; r < h; r++)
    for (int c = 0; c < w; c++) {
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
}

static void
frame_free (Nv12Frame *f)
{
  g_assert_cmpint (cudaFree ((void *) f->frame.y), ==, cudaSuccess);
  g_assert_cmpint (cudaFree ((void *) f->frame.uv), ==, cudaSuccess);
  trawl_image_free (f->rgb);
}

static TrawlImage *
load (const char *rel)
{
  g_autofree char *path = trawl_test_need_data (rel);
  if (path == NULL)
    return NULL;
  g_autoptr (GError) error = NULL;
  TrawlImage *img = trawl_image_load (path, &error);
  g_assert_no_error (error);
  return img;
}

static double
cosine (const float *a, const float *b)
{
  double s = 0, na = 0, nb = 0;
  for (int i = 0; i < TRAWL_FACE_EMBED_DIM; i++) {
    s += (double) a[i] * b[i];
    na += (double) a[i] * a[i];
    nb += (double) b[i] * b[i];
  }
  return s / sqrt (MAX (na * nb, 1e-30));
}

static void
compare_faces (TrawlFaceDetector *cpu, TrawlFaceDetector *gpu, const char *rel)
{
  g_autoptr (TrawlImage) img = load (rel);
  if (img == NULL)
    return;
  g_autoptr (GError) error = NULL;
  Nv12Frame f;
  upload (img, &f);
  g_autoptr (GArray) fc = trawl_face_detector_run (cpu, f.rgb, &error);
  g_assert_no_error (error);
  /* twice: the second run reuses the cached batch plans */
  for (int rep = 0; rep < 2; rep++) {
    g_autoptr (GArray) fg = trawl_face_detector_run_gpu (gpu, &f.frame, &error);
    g_assert_no_error (error);
    g_test_message ("%s: %u faces on the CPU, %u on the GPU", rel, fc->len, fg->len);
    g_assert_cmpuint (fg->len, ==, fc->len);
    for (guint i = 0; i < fc->len; i++) {
      const TrawlFace *a = &g_array_index (fc, TrawlFace, i), *best = NULL;
      float best_iou = 0;
      for (guint j = 0; j < fg->len; j++) {
        const TrawlFace *b = &g_array_index (fg, TrawlFace, j);
        float iou = trawl_box_iou (&a->box, &b->box);
        if (iou > best_iou) {
          best_iou = iou;
          best = b;
        }
      }
      g_assert_nonnull (best);
      double cs = a->has_embedding && best->has_embedding
                    ? cosine (a->embedding, best->embedding) : 1.0;
      g_test_message ("  face %u: IoU %.4f, cosine %.5f, quality %.3f / %.3f", i, best_iou, cs,
                      a->quality.overall, best->quality.overall);
      g_assert_cmpfloat (best_iou, >=, IOU_MIN);
      g_assert_cmpint (a->has_embedding, ==, best->has_embedding);
      g_assert_cmpfloat (cs, >=, COSINE_MIN);
    }
  }
  TrawlFaceTimings t;
  trawl_face_detector_get_timings (gpu, &t);
  g_test_message ("GPU stages so far: detect %.3f s, landmarks %.3f s, embed %.3f s", t.detect_s,
                  t.landmarks_s, t.embed_s);
  frame_free (&f);
}

static TrawlFaceDetector *
face_detector (TrawlNnBackendKind backend)
{
  g_autoptr (GError) error = NULL;
  TrawlFaceOptions o = { .backend = backend };
  TrawlFaceDetector *fd = trawl_face_detector_new (&o, &error);
  g_assert_no_error (error);
  return fd;
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
}

static TrawlPlateReader *
plate_reader (TrawlNnBackendKind backend)
{
  g_autoptr (GError) error = NULL;
  TrawlPlateOptions o = { .backend = backend };
  TrawlPlateReader *pr = trawl_plate_reader_new (&o, &error);
  g_assert_no_error (error);
  return pr;
}

static gboolean
has_text (GPtrArray *plates, const char *text)
{
  for (guint i = 0; i < plates->len; i++)
    if (strcmp (((TrawlPlate *) plates->pdata[i])->text, text) == 0)
      return TRUE;
  return FALSE;
}

static char *
texts (GPtrArray *plates)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < plates->len; i++)
    g_string_append_printf (s, "%s%s", i ? " " : "", ((TrawlPlate *) plates->pdata[i])->text);
  return g_string_free (s, FALSE);
}

/* plates/images/labels.csv: oalpr_br_s001.jpg holds GWT2180,
 * oalpr_us_s020.jpg EAZ6913, ucsd_s016.jpg 4MTV159. */
static void
test_plates (void)
{
  if (!need_gpu ())
    return;
  g_autofree char *m = trawl_test_need_model ("ocr-models/ch_PP-OCRv4_rec_infer.onnx");
  if (m == NULL)
    return;
  g_autoptr (TrawlPlateReader) cpu = plate_reader (TRAWL_NN_BACKEND_CPU);
  g_autoptr (TrawlPlateReader) gpu = plate_reader (TRAWL_NN_BACKEND_CUDA);
  const char *files[] = { "oalpr_br_s001.jpg", "oalpr_us_s020.jpg", "ucsd_s016.jpg" };
  const char *truth[] = { "GWT2180", "EAZ6913", "4MTV159" };
  int same = 0;
  for (int i = 0; i < 3; i++) {
    g_autofree char *rel = g_build_filename ("plates/images", files[i], NULL);
    g_autoptr (TrawlImage) img = load (rel);
    if (img == NULL)
      return;
    g_autoptr (GError) error = NULL;
    Nv12Frame f;
    upload (img, &f);
    g_autoptr (GPtrArray) pc = trawl_plate_reader_detect (cpu, f.rgb, &error);
    g_assert_no_error (error);
    g_autoptr (GPtrArray) pg = trawl_plate_reader_detect_gpu (gpu, &f.frame, &error);
    g_assert_no_error (error);
    g_autofree char *tc = texts (pc), *tg = texts (pg);
    g_test_message ("%s: CPU reads [%s], GPU [%s]", files[i], tc, tg);
    same += strcmp (tc, tg) == 0;
    if (has_text (pc, truth[i]))
      g_assert_true (has_text (pg, truth[i]));
    for (guint k = 0; k < pg->len; k++) {
      TrawlPlate *p = pg->pdata[k];
      g_assert_true (trawl_plate_plausible (p->text));
      g_assert_cmpfloat (p->box.w, >, 0);
    }
    frame_free (&f);
  }
  TrawlPlateTimings t;
  trawl_plate_reader_get_timings (gpu, &t);
  g_test_message ("identical plate lists in %d of 3 scenes; GPU detect %.3f s, read %.3f s", same,
                  t.detect_s, t.read_s);
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
  g_assert_null (trawl_plate_reader_detect_gpu (NULL, &frame, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_BUILT);
}

#endif

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gpu/pipelines/faces", test_faces);
  g_test_add_func ("/gpu/pipelines/faces-cpu-detector-refused", test_faces_cpu_detector_refused);
  g_test_add_func ("/gpu/pipelines/plates", test_plates);
  return g_test_run ();
}
