/* face-pipeline.c - TrawlFaceDetector: frame -> faces with landmarks,
 * quality and embeddings. Runs face-api's three nets on the engine:
 * SSD MobileNetV1 on the whole frame (and on tiles of large frames),
 * merge, 68-point landmarks on each box, dlib-style alignment, recognition
 * net, L2 normalisation. The detector's life and its public entry points
 * are here; every entry, host image or GPU frame, one frame or several,
 * runs the one batched path (face-batch.c) on frame sources
 * (frame-source.h). face-batch.c calls nothing here.
 */
#include "detect/detect-private.h"
#include "trawl/base.h"
#include "trawl/faces-post.h"
#include "trawl/nn.h"

#include <string.h>

void
trawl_face_detector_free (TrawlFaceDetector *fd)
{
  if (fd == NULL)
    return;
  _trawl_face_detector_clear (fd);
  g_free (fd);
}

TrawlFaceDetector *
trawl_face_detector_new (const TrawlFaceOptions *opts, GError **error)
{
  TrawlFaceDetector *fd = g_new0 (TrawlFaceDetector, 1);
  if (opts)
    fd->opts = *opts;
  if (fd->opts.min_score <= 0)
    fd->opts.min_score = 0.5f;
  if (fd->opts.max_faces <= 0)
    fd->opts.max_faces = 100;
  /* the batch-1 plans now: a missing model fails here, and the SSD one
   * tells the detector's backend */
  if ((fd->ssd_batch[1] = _trawl_face_plan (fd, &fd->ssd_g,
                                            "face-api/ssd_mobilenetv1_model-weights_manifest.json",
                                            1, TRAWL_FACES_SSD_SIZE, error)) == NULL ||
      (fd->lm_batch[0] = _trawl_face_plan (fd, &fd->lm_g,
                                           "face-api/face_landmark_68_model-weights_manifest.json",
                                           1, TRAWL_FACES_LM_SIZE, error)) == NULL ||
      (!fd->opts.no_embedding &&
       (fd->rec_batch[0] = _trawl_face_plan (fd, &fd->rec_g,
                                             "face-api/face_recognition_model-weights_manifest.json",
                                             1, TRAWL_FACES_REC_SIZE, error)) == NULL))
    {
      trawl_face_detector_free (fd);
      return NULL;
    }
  return fd;
}

void
trawl_face_detector_get_timings (const TrawlFaceDetector *fd, TrawlFaceTimings *t)
{
  *t = fd->times;
}

static gboolean
bad_arg (GError **error, const char *what)
{
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "face detector: %s", what);
  return FALSE;
}

gboolean
trawl_face_detector_run_frames (TrawlFaceDetector *fd, const TrawlDetectFrame *frames, int n,
                                GArray **faces_out, GError **error)
{
  if (faces_out != NULL)
    for (int f = 0; f < n; f++)
      faces_out[f] = NULL;
  if (frames == NULL || n < 1)
    return bad_arg (error, "no frames");
  g_autofree TrawlFrameSource *srcs = _trawl_frame_sources_of (frames, n);
  return _trawl_face_detector_run_sources (fd, srcs, n, faces_out, error);
}

GArray *
trawl_face_detector_run (TrawlFaceDetector *fd, const TrawlImage *img, GError **error)
{
  TrawlDetectFrame frame = { img, NULL };
  GArray *faces = NULL;

  g_return_val_if_fail (fd != NULL && img != NULL, NULL);
  if (!trawl_face_detector_run_frames (fd, &frame, 1, &faces, error))
    return NULL;
  return faces;
}

gboolean
trawl_face_detector_run_gpu_batch (TrawlFaceDetector *fd, const TrawlGpuFrame *const *frames,
                                   int n, GArray **faces_out, GError **error)
{
  if (faces_out != NULL)
    for (int f = 0; f < n; f++)
      faces_out[f] = NULL;
  g_autofree TrawlFrameSource *srcs =
    _trawl_frame_sources_gpu (frames, n, fd ? fd->ssd_batch[1] : NULL, "face detector", error);
  if (srcs == NULL)
    return FALSE;
  if (faces_out == NULL)
    return bad_arg (error, "nowhere to put the results");
  return _trawl_face_detector_run_sources (fd, srcs, n, faces_out, error);
}

GArray *
trawl_face_detector_run_gpu (TrawlFaceDetector *fd, const TrawlGpuFrame *frame, GError **error)
{
  GArray *faces = NULL;

  if (!trawl_face_detector_run_gpu_batch (fd, &frame, 1, &faces, error))
    return NULL;
  return faces;
}
