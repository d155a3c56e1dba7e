/* gpu-pipeline-util.h - shared by the tests that run the face and plate
 * pipelines on GPU frames against the CPU pipelines: test-gpu-pipelines.c
 * (a real GPU) and test-pipelines-emulated.c (the emulated device). A
 * photo as NV12 planes on the host, the frame that holds their device copy
 * and the RGB they decode to, the detectors and readers, and the
 * comparison of their results. Header-only.
 *
 * The CUDA runtime calls here resolve at link time to the real runtime or
 * to its stand-in (emulated-cudart.c), so only calls both provide are made
 * here: each test copies the planes to the device its own way (pitched
 * copies on a GPU; the stand-in has none). The tolerances are each test's
 * own and come in as arguments. */
#pragma once

#include "trawl-config.h"

#include <math.h>
#include <string.h>

#include <cuda_runtime_api.h>
#include <trawl/base.h>
#include <trawl/detect.h>
#include <trawl/gpu.h>

#include "../common/trawl-test-detect.h"

typedef struct {
  TrawlGpuFrame frame;    /* planes in (real or emulated) device memory */
  TrawlImage   *rgb;      /* what the NV12 planes decode to */
  void         *stream;   /* the stream frame.ready_event was recorded on
                           * (a decoder's), or NULL */
} Nv12Frame;

static inline guint8
clamp_u8 (double v)
{
  return (guint8) (v < 0 ? 0 : v > 255 ? 255 : lrint (v));
}

/* img's top-left w x h pixels (even sizes) as NV12 in host memory,
 * BT.601 limited range, each U,V pair from the means over its 2x2 pixels:
 * *y and *uv (g_free them) hold rows pitch_y and pitch_uv bytes apart,
 * padding zero. */
static inline void
nv12_from_rgb (const TrawlImage *img, int w, int h, int pitch_y, int pitch_uv, guint8 **y,
               guint8 **uv)
{
  guint8 *py = g_malloc0 ((gsize) pitch_y * h);
  guint8 *puv = g_malloc0 ((gsize) pitch_uv * h / 2);

  for (int r = 0; r < h; r++)
    for (int c = 0; c < w; c++)
      {
        const guint8 *p = img->data + (gsize) r * img->stride + 3 * c;
        py[(gsize) r * pitch_y + c] = clamp_u8 (16 + 0.256788 * p[0] + 0.504129 * p[1]
                                                + 0.097906 * p[2]);
      }
  for (int r = 0; r < h; r += 2)
    for (int c = 0; c < w; c += 2)
      {
        double u = 0, v = 0;
        for (int k = 0; k < 4; k++)
          {
            const guint8 *p = img->data + (gsize) (r + k / 2) * img->stride + 3 * (c + k % 2);
            u += -0.148223 * p[0] - 0.290993 * p[1] + 0.439216 * p[2];
            v += 0.439216 * p[0] - 0.367788 * p[1] - 0.071427 * p[2];
          }
        puv[(gsize) (r / 2) * pitch_uv + c] = clamp_u8 (128 + u / 4);
        puv[(gsize) (r / 2) * pitch_uv + c + 1] = clamp_u8 (128 + v / 4);
      }
  *y = py;
  *uv = puv;
}

/* Gives back f's device planes, its ready_event and stream (when set) and
 * its RGB. */
static inline void
nv12_frame_free (Nv12Frame *f)
{
  g_assert_cmpint (cudaFree ((void *) f->frame.y), ==, cudaSuccess);
  g_assert_cmpint (cudaFree ((void *) f->frame.uv), ==, cudaSuccess);
  if (f->frame.ready_event != NULL)
    (void) cudaEventDestroy ((cudaEvent_t) f->frame.ready_event);
  if (f->stream != NULL)
    g_assert_cmpint (cudaStreamDestroy ((cudaStream_t) f->stream), ==, cudaSuccess);
  trawl_image_free (f->rgb);
}

static inline TrawlFaceDetector *
face_detector (TrawlNnBackendKind backend)
{
  g_autoptr (GError) error = NULL;
  TrawlFaceOptions o = { .backend = backend };
  TrawlFaceDetector *fd = trawl_face_detector_new (&o, &error);

  g_assert_no_error (error);
  return fd;
}

static inline TrawlPlateReader *
plate_reader (TrawlNnBackendKind backend)
{
  g_autoptr (GError) error = NULL;
  TrawlPlateOptions o = { .backend = backend };
  TrawlPlateReader *pr = trawl_plate_reader_new (&o, &error);

  g_assert_no_error (error);
  return pr;
}

/* Asserts that got (GPU) holds want's faces (CPU, or the GPU alone): the
 * same number, each face of want matched by IoU to one of got, both with
 * an embedding or neither. Lowers *iou_worst and *cos_worst to the worst
 * IoU and embedding cosine seen, so a test can print them all before it
 * judges. */
static inline void
faces_match (const GArray *want, const GArray *got, float *iou_worst, double *cos_worst)
{
  g_assert_cmpuint (got->len, ==, want->len);
  for (guint i = 0; i < want->len; i++)
    {
      const TrawlFace *a = &g_array_index (want, TrawlFace, i), *best = NULL;
      float best_iou = 0;
      for (guint j = 0; j < got->len; j++)
        {
          const TrawlFace *b = &g_array_index (got, TrawlFace, j);
          float iou = trawl_box_iou (&a->box, &b->box);
          if (iou > best_iou)
            {
              best_iou = iou;
              best = b;
            }
        }
      g_assert_nonnull (best);
      double cs = a->has_embedding && best->has_embedding
                    ? trawl_test_face_cosine (a->embedding, best->embedding) : 1.0;
      g_test_message ("  face %u: score %.4f / %.4f, IoU %.5f, cosine %.6f, quality %.3f / %.3f;"
                      " box %.1f,%.1f %.1fx%.1f / %.1f,%.1f %.1fx%.1f", i, a->score, best->score,
                      best_iou, cs, a->quality.overall, best->quality.overall, a->box.x, a->box.y,
                      a->box.w, a->box.h, best->box.x, best->box.y, best->box.w, best->box.h);
      g_assert_cmpint (a->has_embedding, ==, best->has_embedding);
      *iou_worst = MIN (*iou_worst, best_iou);
      *cos_worst = MIN (*cos_worst, cs);
    }
}

/* faces_match, and every match with IoU >= iou_min and cosine >= cos_min. */
static inline void
assert_faces_match (const GArray *want, const GArray *got, float iou_min, double cos_min)
{
  float iou = 1;
  double cs = 1;

  faces_match (want, got, &iou, &cs);
  g_assert_cmpfloat (iou, >=, iou_min);
  g_assert_cmpfloat (cs, >=, cos_min);
}

/* TRUE when one of plates (TrawlPlate *) reads text. */
static inline gboolean
has_text (GPtrArray *plates, const char *text)
{
  for (guint i = 0; i < plates->len; i++)
    if (strcmp (((TrawlPlate *) plates->pdata[i])->text, text) == 0)
      return TRUE;
  return FALSE;
}
