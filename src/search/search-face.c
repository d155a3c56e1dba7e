/* search-face.c - faces: from the investigator's photos to descriptors,
 * and from those to ranked tracks (the store is asked with the photos'
 * pooled mean; each track found is then scored from its own sightings,
 * see trawl_search_face_track_score).
 *
 * Query photos come from anywhere (DESIGN.md): faces are looked for with
 * trawl_face_detector_run_photo, which tries a photo in which nothing is
 * found again with grey borders (tight crops) and enlarged (small photos).
 * When that still finds nothing, or the face found is too small or too
 * blurred to describe, the error says which, and how to give the face's
 * place by hand: with a box, the face is looked for in and around it, and
 * where the detector still sees none the box itself is described
 * (trawl_face_detector_run_box). */
#include <math.h>
#include <string.h>

#include <trawl/base.h>
#include <trawl/image.h>

#include "search-private.h"

/* Below these a face is not worth a query: under ~20 px between the
 * temples the descriptor is mostly noise, and the sharpness measure of a
 * motion-blurred or heavily compressed face sits near 0. */
#define MIN_FACE_PX       20.0f
#define MIN_FACE_SHARPNESS 0.02f

static gboolean
ensure_face_detector (TrawlSearch *s, GError **error)
{
  if (s->faces == NULL)
    s->faces = trawl_face_detector_new (NULL, error);
  return s->faces != NULL;
}

static int
cmp_face_area_desc (gconstpointer a, gconstpointer b)
{
  const TrawlFace *fa = a, *fb = b;
  float aa = fa->box.w * fa->box.h, ab = fb->box.w * fb->box.h;
  return (aa < ab) - (aa > ab);
}

static float
box_iou4 (const TrawlBox *a, const float *b)
{
  TrawlBox bb = { b[0], b[1], b[2], b[3] };
  return trawl_box_iou (a, &bb);
}

/* The face of photo p: the face_index-th largest, or the one that best
 * fills the given box. Checks it is usable. */
static gboolean
pick_face (const QueryPhoto *p, GArray *faces, TrawlFace *out, GError **error)
{
  const TrawlFace *f = NULL;

  if (faces->len == 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "%s: no face found (tried the photo %s); if a face is there, give its "
                   "place with --box X,Y,W,H", p->path, trawl_face_photo_tries ());
      return FALSE;
    }
  if (p->has_box)
    {
      float best = 0;
      for (guint i = 0; i < faces->len; i++)
        {
          const TrawlFace *c = &g_array_index (faces, TrawlFace, i);
          float iou = box_iou4 (&c->box, p->box);
          if (iou > best)
            best = iou, f = c;
        }
      if (f == NULL || best < 0.1f)
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                       "%s: no face found inside the box %.0f,%.0f,%.0fx%.0f", p->path,
                       p->box[0], p->box[1], p->box[2], p->box[3]);
          return FALSE;
        }
    }
  else
    {
      g_array_sort (faces, cmp_face_area_desc);
      if ((guint) p->face_index >= faces->len)
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                       "%s: the photo has %u face%s; the face index goes from 0 (the largest) "
                       "to %u", p->path, faces->len, faces->len == 1 ? "" : "s", faces->len - 1);
          return FALSE;
        }
      f = &g_array_index (faces, TrawlFace, p->face_index);
    }
  if (f->box.w < MIN_FACE_PX)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "%s: the face is too small to describe (%.0f px wide; at least %.0f px): use "
                   "a larger photo of it", p->path, f->box.w, MIN_FACE_PX);
      return FALSE;
    }
  if (f->quality.sharpness < MIN_FACE_SHARPNESS)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "%s: the face is too blurred to describe (sharpness %.3f, at least %.2f)",
                   p->path, f->quality.sharpness, MIN_FACE_SHARPNESS);
      return FALSE;
    }
  if (!f->has_embedding)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "%s: the face's landmarks could not be placed (turned too far away?)",
                   p->path);
      return FALSE;
    }
  *out = *f;
  return TRUE;
}

/* The descriptor of one photo's face. With a box, only a generous crop
 * around it is searched (other faces cannot be picked by mistake). */
static gboolean
photo_descriptor (TrawlSearch *s, const QueryPhoto *p, float *out, GError **error)
{
  g_autoptr(TrawlImage) img = trawl_image_load (p->path, error);
  g_autoptr(TrawlImage) crop = NULL;
  g_autoptr(GArray) faces = NULL;
  QueryPhoto local = *p;
  TrawlFace face;
  float ox = 0, oy = 0;

  if (img == NULL)
    return FALSE;
  if (p->has_box)
    {
      float m = 0.5f * MAX (p->box[2], p->box[3]);
      if (p->box[2] < 1 || p->box[3] < 1 || p->box[0] + p->box[2] <= 0 ||
          p->box[1] + p->box[3] <= 0 || p->box[0] >= img->width || p->box[1] >= img->height)
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                       "%s: the box %.0f,%.0f,%.0fx%.0f is not inside the %dx%d photo", p->path,
                       p->box[0], p->box[1], p->box[2], p->box[3], img->width, img->height);
          return FALSE;
        }
      ox = floorf (p->box[0] - m);
      oy = floorf (p->box[1] - m);
      crop = trawl_image_crop (img, (int) ox, (int) oy, (int) ceilf (p->box[2] + 2 * m),
                               (int) ceilf (p->box[3] + 2 * m));
      local.box[0] -= ox;
      local.box[1] -= oy;
    }
  faces = trawl_face_detector_run_photo (s->faces, crop ? crop : img, error);
  /* The user says a face is there, but the detector sees none: describe
   * the box itself. */
  if (faces != NULL && faces->len == 0 && p->has_box)
    {
      TrawlBox b = { local.box[0], local.box[1], local.box[2], local.box[3] };
      g_clear_pointer (&faces, g_array_unref);
      faces = trawl_face_detector_run_box (s->faces, crop, &b, error);
    }
  if (faces == NULL || !pick_face (&local, faces, &face, error))
    return FALSE;
  memcpy (out, face.embedding, sizeof face.embedding);
  return TRUE;
}

static void
normalise (float *v, int n)
{
  double ss = 0;
  for (int i = 0; i < n; i++)
    ss += (double) v[i] * v[i];
  if (ss > 0)
    for (int i = 0; i < n; i++)
      v[i] = (float) (v[i] / sqrt (ss));
}

/* The unit descriptors of the query's photos and given descriptors, one
 * TRAWL_FACE_DIM row each, into out (GArray of float). */
gboolean
_trawl_search_query_descriptors (TrawlSearch *s, const TrawlQuery *q, GArray *out,
                                 GError **error)
{
  float one[TRAWL_FACE_DIM];
  guint n_desc = q->descriptors->len / TRAWL_FACE_DIM;

  if (q->photos->len > 0 && !ensure_face_detector (s, error))
    return FALSE;
  for (guint i = 0; i < q->photos->len; i++)
    {
      if (!photo_descriptor (s, q->photos->pdata[i], one, error))
        return FALSE;
      normalise (one, TRAWL_FACE_DIM);
      g_array_append_vals (out, one, TRAWL_FACE_DIM);
    }
  for (guint i = 0; i < n_desc; i++)
    {
      memcpy (one, &g_array_index (q->descriptors, float, i * TRAWL_FACE_DIM), sizeof one);
      normalise (one, TRAWL_FACE_DIM);
      g_array_append_vals (out, one, TRAWL_FACE_DIM);
    }
  if (out->len == 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "no face photo in the query");
      return FALSE;
    }
  return TRUE;
}

/* The mean of n unit rows, renormalised: each photo counts once, whatever
 * its size or quality. */
static void
pool (const float *rows, int n, float *out)
{
  memset (out, 0, TRAWL_FACE_DIM * sizeof (float));
  for (int i = 0; i < n; i++)
    for (int k = 0; k < TRAWL_FACE_DIM; k++)
      out[k] += rows[(gsize) i * TRAWL_FACE_DIM + k];
  normalise (out, TRAWL_FACE_DIM);
}

gboolean
trawl_search_query_face (TrawlSearch *s, const TrawlQuery *q, float *out, int *n_faces,
                         GError **error)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (float));
  int n;

  g_return_val_if_fail (s != NULL && q != NULL && out != NULL, FALSE);
  memset (out, 0, TRAWL_FACE_DIM * sizeof (float));
  if (!_trawl_search_query_descriptors (s, q, rows, error))
    return FALSE;
  n = (int) (rows->len / TRAWL_FACE_DIM);
  pool ((const float *) rows->data, n, out);
  if (n_faces != NULL)
    *n_faces = n;
  return TRUE;
}

/* ---- descriptor -> tracks ---- */

/* Keeps, per track, the best-scoring sighting among hits. passes caches
 * each track's filter verdict (GINT_TO_POINTER (1 + pass)); the catalog is
 * asked only about tracks not seen before, and only when a filter is set. */
static gboolean
fold_hits (TrawlSearch *s, GArray *hits, const SearchFilter *f, gint64 exclude_track,
           GHashTable *passes, GHashTable *best, GError **error)
{
  TrawlCatalog *cat = trawl_case_get_catalog (s->kase);
  gboolean filtered = f->camera_ids != NULL || !isnan (f->from_utc) || !isnan (f->to_utc);
  gsize n = hits->len;
  g_autofree gint64 *ids = g_new (gint64, MAX (n, 1));
  g_autofree gint64 *tracks = g_new (gint64, MAX (n, 1));
  g_autofree gint64 *unknown = g_new (gint64, MAX (n, 1));
  g_autofree TrawlTrackSpan *spans = NULL;
  gsize n_unknown = 0;

  for (gsize i = 0; i < n; i++)
    ids[i] = g_array_index (hits, TrawlVectorHit, i).id;
  if (!trawl_catalog_get_sighting_tracks (cat, n, ids, tracks, error))
    return FALSE;
  for (gsize i = 0; filtered && i < n; i++)
    if (tracks[i] != 0 && !g_hash_table_contains (passes, &tracks[i]))
      {
        g_hash_table_insert (passes, g_memdup2 (&tracks[i], sizeof (gint64)), GINT_TO_POINTER (1));
        unknown[n_unknown++] = tracks[i];
      }
  spans = g_new (TrawlTrackSpan, MAX (n_unknown, 1));
  if (!trawl_catalog_get_track_spans (cat, n_unknown, unknown, spans, error))
    return FALSE;
  for (gsize i = 0; i < n_unknown; i++)
    {
      gboolean pass = spans[i].track_id != 0
                      && _trawl_search_filter_pass (f, spans[i].camera_id, spans[i].first_utc,
                                                    spans[i].last_utc);
      g_hash_table_insert (passes, g_memdup2 (&unknown[i], sizeof (gint64)),
                           GINT_TO_POINTER (1 + pass));
    }
  for (gsize i = 0; i < n; i++)
    {
      const TrawlVectorHit *h = &g_array_index (hits, TrawlVectorHit, i);
      Candidate *c;

      /* 0: the vector file is ahead of what this reader sees committed */
      if (tracks[i] == 0 || tracks[i] == exclude_track)
        continue;
      if (filtered && GPOINTER_TO_INT (g_hash_table_lookup (passes, &tracks[i])) != 2)
        continue;
      c = g_hash_table_lookup (best, &tracks[i]);
      if (c == NULL)
        {
          c = g_new0 (Candidate, 1);
          c->track_id = tracks[i];
          c->score = -2;
          g_hash_table_insert (best, &c->track_id, c);
        }
      if (h->score > c->score)
        {
          c->score = h->score;
          c->sighting_id = h->id;
        }
    }
  return TRUE;
}

/* Scores candidate c from its stored sightings by the product rule
 * (trawl_search_face_track_score): the store found it by one sighting's
 * nearness to the pooled photos; the score says how near its best
 * sighting of searchable quality is to each photo. */
static gboolean
rescore (TrawlSearch *s, const float *photos, int n_photos, Candidate *c, GError **error)
{
  g_autoptr(GPtrArray) sightings = trawl_catalog_list_track_sightings (
    trawl_case_get_catalog (s->kase), c->track_id, error);
  g_autoptr(GArray) faces = NULL;
  g_autoptr(GArray) quality = NULL;
  g_autoptr(GArray) ids = NULL;
  gboolean searchable = FALSE;
  int best = -1;

  if (sightings == NULL)
    return FALSE;
  faces = g_array_new (FALSE, FALSE, sizeof (float));
  quality = g_array_new (FALSE, FALSE, sizeof (float));
  ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < sightings->len; i++)
    {
      const TrawlSighting *si = sightings->pdata[i];
      if (si->embedding == NULL || si->n_embedding != TRAWL_FACE_DIM)
        continue;
      g_array_append_vals (faces, si->embedding, TRAWL_FACE_DIM);
      g_array_append_val (quality, si->quality);
      g_array_append_val (ids, si->id);
    }
  if (ids->len == 0)
    return TRUE;  /* keeps the store's score: a sighting the catalog no longer has */
  c->score = trawl_search_face_track_score (photos, n_photos, (const float *) faces->data,
                                            (const float *) quality->data, (int) ids->len, &best,
                                            &searchable);
  c->sighting_id = g_array_index (ids, gint64, best);
  c->low_quality = !searchable;
  return TRUE;
}

GArray *
_trawl_search_faces (TrawlSearch *s, const float *photos, int n_photos, const SearchFilter *f,
                     int want, gint64 exclude_track, GCancellable *cancellable, GError **error)
{
  TrawlVectorStore *vs = trawl_case_get_vectors (s->kase, TRAWL_KIND_FACE, error);
  float query[TRAWL_FACE_DIM];
  g_autoptr(GHashTable) info = NULL;
  g_autoptr(GHashTable) best = NULL;
  gint64 total;
  gint64 k;
  GArray *out;
  GHashTableIter it;
  gpointer value;

  if (vs == NULL)
    return NULL;
  /* The store is asked with the pooled photos: a track whose mean
   * similarity to the photos is x has a sighting at least x from their
   * pooled mean, so none that scores well is missed. */
  pool (photos, n_photos, query);
  total = trawl_vector_store_get_count (vs);
  /* A track has many sightings: ask for far more sightings than tracks
   * wanted, and more again while filters leave too few. */
  k = MIN (total, MAX ((gint64) want * 20, 512));
  for (;;)
    {
      g_autoptr(GArray) hits = NULL;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      info = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
      best = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
      if (k == 0)
        break;
      hits = trawl_vector_store_search (vs, query, (int) MIN (k, G_MAXINT), error);
      if (hits == NULL || !fold_hits (s, hits, f, exclude_track, info, best, error))
        return NULL;
      /* Enough tracks, or everything looked at, or the last hit already
       * far from any match: more would only add non-matches. */
      if (g_hash_table_size (best) >= (guint) want || k >= total
          || (hits->len > 0 && g_array_index (hits, TrawlVectorHit, hits->len - 1).score < 0.5f))
        break;
      k = MIN (total, k * 4);
      g_clear_pointer (&info, g_hash_table_unref);
      g_clear_pointer (&best, g_hash_table_unref);
    }
  out = g_array_new (FALSE, FALSE, sizeof (Candidate));
  g_hash_table_iter_init (&it, best);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error)
          || !rescore (s, photos, n_photos, value, error))
        {
          g_array_unref (out);
          return NULL;
        }
      g_array_append_vals (out, value, 1);
    }
  _trawl_search_candidates_sort (out);
  return out;
}
