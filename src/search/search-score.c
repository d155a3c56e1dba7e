/* search-score.c - how a face track is scored against the investigator's
 * photos (see trawl_search_face_score and trawl_search_face_track_score in
 * include/trawl/search.h). One place for the rule, so that `trawl eval`
 * measures what a search does. */
#include <math.h>

#include <trawl/search.h>
#include <trawl/vectors.h>

static double
cosine (const float *a, const float *b)
{
  double ab = 0, aa = 0, bb = 0;

  for (int i = 0; i < TRAWL_FACE_DIM; i++)
    {
      ab += (double) a[i] * b[i];
      aa += (double) a[i] * a[i];
      bb += (double) b[i] * b[i];
    }
  return aa > 0 && bb > 0 ? ab / sqrt (aa * bb) : 0.0;
}

double
trawl_search_face_score (const float *face, const float *photos, int n_photos)
{
  double sum = 0;

  g_return_val_if_fail (face != NULL && (photos != NULL || n_photos == 0), 0.0);
  if (n_photos <= 0)
    return 0.0;
  for (int i = 0; i < n_photos; i++)
    sum += cosine (face, photos + (gsize) i * TRAWL_FACE_DIM);
  return sum / n_photos;
}

double
trawl_search_face_track_score (const float *photos, int n_photos, const float *faces,
                               const float *qualities, int n_faces, int *best,
                               gboolean *searchable)
{
  double best_any = -2, best_ok = -2;
  int i_any = -1, i_ok = -1;

  g_return_val_if_fail (faces != NULL || n_faces == 0, 0.0);
  g_return_val_if_fail (qualities != NULL || n_faces == 0, 0.0);
  for (int i = 0; i < n_faces; i++)
    {
      double s = trawl_search_face_score (faces + (gsize) i * TRAWL_FACE_DIM, photos, n_photos);
      if (s > best_any)
        best_any = s, i_any = i;
      if (qualities[i] >= TRAWL_SEARCH_FACE_MIN_QUALITY && s > best_ok)
        best_ok = s, i_ok = i;
    }
  if (searchable != NULL)
    *searchable = i_ok >= 0;
  if (best != NULL)
    *best = i_ok >= 0 ? i_ok : i_any;
  if (n_faces == 0)
    return 0.0;
  return i_ok >= 0 ? best_ok : best_any;
}
