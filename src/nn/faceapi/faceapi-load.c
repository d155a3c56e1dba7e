/* faceapi-load.c - trawl_nn_load_faceapi: read a face-api weights manifest
 * and build the matching network.
 *
 * The architecture is chosen from the manifest's file name, as face-api
 * itself names them (ssd_mobilenetv1_model, face_landmark_68_model,
 * face_recognition_model); weights are read by faceapi-weights.c and the
 * layers laid out by faceapi-ssd.c, faceapi-landmarks.c and
 * faceapi-recognition.c.
 */
#include "faceapi-private.h"

#include <string.h>

typedef TrawlNnGraph *(*BuildFunc) (const TrawlFaceapiWeights *w, GError **error);

static const struct {
  const char *prefix;  /* of the manifest's base name */
  BuildFunc   build;
} archs[] = {
  { "ssd_mobilenetv1_model", _trawl_faceapi_build_ssd },
  { "face_landmark_68_model", _trawl_faceapi_build_landmarks },
  { "face_recognition_model", _trawl_faceapi_build_recognition },
};

TrawlNnGraph *
trawl_nn_load_faceapi (const char *manifest_path, GError **error)
{
  g_autofree char *base = NULL;
  g_autoptr (TrawlFaceapiWeights) w = NULL;
  BuildFunc build = NULL;
  TrawlNnGraph *g;

  g_return_val_if_fail (manifest_path != NULL, NULL);
  base = g_path_get_basename (manifest_path);
  for (guint i = 0; i < G_N_ELEMENTS (archs); i++)
    {
      /* exact model name: the tiny landmark model has the same prefix plus
       * "_tiny" and a different architecture */
      gsize n = strlen (archs[i].prefix);
      if (strncmp (base, archs[i].prefix, n) == 0 &&
          (base[n] == '-' || base[n] == '.' || base[n] == '\0'))
        build = archs[i].build;
    }
  if (build == NULL)
    {
      g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_UNSUPPORTED,
                   "%s: not a known face-api model (expected ssd_mobilenetv1_model, "
                   "face_landmark_68_model or face_recognition_model)", manifest_path);
      return NULL;
    }
  w = _trawl_faceapi_weights_load (manifest_path, error);
  if (w == NULL)
    return NULL;
  g = build (w, error);
  if (g == NULL)
    g_prefix_error (error, "%s: ", manifest_path);
  return g;
}
