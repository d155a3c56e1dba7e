/* trawl-test-detect.h - helpers shared by the tests of the face and plate
 * pipelines (tests/detect, tests/gpu/gpu-pipeline-util.h): the cosine of
 * two face embeddings and a plate list's texts for messages.
 * Header-only. */
#pragma once

#include <math.h>
#include <glib.h>
#include <trawl/detect.h>

/* Cosine similarity of two TRAWL_FACE_EMBED_DIM embeddings, in double
 * (guarded against zero vectors). */
static inline double
trawl_test_face_cosine (const float *a, const float *b)
{
  double s = 0, na = 0, nb = 0;
  for (int i = 0; i < TRAWL_FACE_EMBED_DIM; i++)
    {
      s += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
  return s / sqrt (MAX (na * nb, 1e-30));
}

/* The texts of plates (TrawlPlate *), space-separated (g_free). */
static inline char *
trawl_test_plate_texts (GPtrArray *plates)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < plates->len; i++)
    g_string_append_printf (s, "%s%s", i ? " " : "", ((TrawlPlate *) plates->pdata[i])->text);
  return g_string_free (s, FALSE);
}
