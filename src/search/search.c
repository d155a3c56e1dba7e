/* search.c - TrawlSearch: one query from start to ranked tracks. Checks
 * the query against the case (cameras, time window), asks the face or
 * plate search for candidate tracks, then ranks, filters and fills the
 * hits the same way for both (see include/trawl/search.h). */
#include <math.h>
#include <string.h>

#include <trawl/base.h>

#include "search-private.h"

TrawlSearch *
trawl_search_new (const char *case_dir, GError **error)
{
  TrawlCase *kase;
  TrawlSearch *s;

  g_return_val_if_fail (case_dir != NULL, NULL);
  kase = trawl_case_open (case_dir, TRAWL_CASE_READ, error);
  if (kase == NULL)
    return NULL;
  s = g_new0 (TrawlSearch, 1);
  s->kase = kase;
  return s;
}

void
trawl_search_free (TrawlSearch *s)
{
  if (s == NULL)
    return;
  trawl_face_detector_free (s->faces);
  trawl_plate_reader_free (s->plates);
  _trawl_search_plate_rows_free (s->plate_rows);
  trawl_case_close (s->kase);
  g_free (s);
}

TrawlCase *
trawl_search_get_case (TrawlSearch *s)
{
  g_return_val_if_fail (s != NULL, NULL);
  return s->kase;
}

void
trawl_search_hit_free (TrawlSearchHit *hit)
{
  if (hit == NULL)
    return;
  g_free (hit->camera);
  g_free (hit->video_path);
  g_free (hit->plate_text);
  g_clear_pointer (&hit->thumbnail, g_bytes_unref);
  g_free (hit);
}

void
trawl_search_results_free (TrawlSearchResults *r)
{
  if (r == NULL)
    return;
  g_clear_pointer (&r->hits, g_ptr_array_unref);
  g_free (r->query_text);
  g_free (r);
}

/* ---- candidates ---- */

static int
cmp_candidate_desc (gconstpointer a, gconstpointer b)
{
  const Candidate *ca = a, *cb = b;
  /* faces too poor to match come after every track that can: their
   * scores say little (such faces sit near everyone) */
  if (ca->low_quality != cb->low_quality)
    return ca->low_quality ? 1 : -1;
  if (ca->score != cb->score)
    return ca->score < cb->score ? 1 : -1;
  return (ca->track_id > cb->track_id) - (ca->track_id < cb->track_id);
}

void
_trawl_search_candidates_sort (GArray *candidates)
{
  g_array_sort (candidates, cmp_candidate_desc);
}

/* ---- filters ---- */

gboolean
_trawl_search_filter_pass (const SearchFilter *f, gint64 camera_id, double first_utc,
                           double last_utc)
{
  gboolean windowed = !isnan (f->from_utc) || !isnan (f->to_utc);

  if (f->camera_ids != NULL && !g_hash_table_contains (f->camera_ids, &camera_id))
    return FALSE;
  if (!windowed)
    return TRUE;
  if (isnan (first_utc))
    return FALSE;
  if (isnan (last_utc))
    last_utc = first_utc;
  return (isnan (f->from_utc) || last_utc >= f->from_utc)
         && (isnan (f->to_utc) || first_utc <= f->to_utc);
}

static void
filter_clear (SearchFilter *f)
{
  g_clear_pointer (&f->camera_ids, g_hash_table_unref);
}

/* Resolves camera names (an unknown one fails, listing the known) and
 * checks the window. */
static gboolean
filter_init (TrawlSearch *s, const TrawlQuery *q, SearchFilter *f, GError **error)
{
  g_autoptr(GPtrArray) cams = NULL;

  memset (f, 0, sizeof *f);
  f->from_utc = q->from_utc;
  f->to_utc = q->to_utc;
  if (!isnan (q->from_utc) && !isnan (q->to_utc) && q->from_utc > q->to_utc)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "the time window ends before it starts (--from is after --to)");
      return FALSE;
    }
  if (q->cameras->len == 0)
    return TRUE;
  cams = trawl_catalog_list_cameras (trawl_case_get_catalog (s->kase), error);
  if (cams == NULL)
    return FALSE;
  f->camera_ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  for (guint i = 0; i < q->cameras->len; i++)
    {
      const char *want = q->cameras->pdata[i];
      gboolean found = FALSE;
      for (guint k = 0; k < cams->len && !found; k++)
        {
          const TrawlCamera *c = cams->pdata[k];
          if (g_strcmp0 (c->name, want) == 0)
            {
              g_hash_table_add (f->camera_ids, g_memdup2 (&c->id, sizeof c->id));
              found = TRUE;
            }
        }
      if (!found)
        {
          g_autoptr(GString) known = g_string_new (NULL);
          for (guint k = 0; k < cams->len; k++)
            g_string_append_printf (known, "%s%s", k ? ", " : "",
                                    ((TrawlCamera *) cams->pdata[k])->name);
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                       "no camera named '%s' in this case; known cameras: %s", want,
                       cams->len ? known->str : "(none yet)");
          filter_clear (f);
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- hits ---- */

static gboolean
fill_hit (TrawlSearch *s, const Candidate *c, gboolean thumbnails, TrawlSearchHit **out,
          GError **error)
{
  TrawlCatalog *cat = trawl_case_get_catalog (s->kase);
  g_autoptr(TrawlTrack) t = NULL;
  g_autoptr(TrawlSighting) best = NULL;
  g_autoptr(TrawlCatalogVideo) v = NULL;
  TrawlSearchHit *h;
  gint64 sid;

  *out = NULL;
  if (!trawl_catalog_get_track (cat, c->track_id, &t, error))
    return FALSE;
  if (t == NULL)
    return TRUE;  /* gone since the candidates were read: a redone video */
  sid = c->sighting_id > 0 ? c->sighting_id : t->best_sighting_id;
  if (!trawl_catalog_get_sighting (cat, sid, &best, error)
      || !trawl_catalog_get_video (cat, t->video_id, &v, error))
    return FALSE;
  h = g_new0 (TrawlSearchHit, 1);
  h->track_id = t->id;
  h->kind = t->kind;
  h->score = c->score;
  h->low_quality = c->low_quality;
  h->camera = g_strdup (t->camera_name);
  h->camera_id = t->camera_id;
  h->first_utc = t->first_utc;
  h->last_utc = t->last_utc;
  h->first_pts_s = t->first_pts_s;
  h->last_pts_s = t->last_pts_s;
  h->n_sightings = t->n_sightings;
  h->best_sighting_id = sid;
  h->jump_pts_s = best ? best->pts_s : t->first_pts_s;
  h->video_id = t->video_id;
  h->video_path = v ? g_strdup (v->path) : NULL;
  if (best != NULL)
    {
      h->box[0] = best->x;
      h->box[1] = best->y;
      h->box[2] = best->w;
      h->box[3] = best->h;
    }
  h->plate_text = g_strdup (t->best_plate_text);
  /* the sighting that scored, else the track's best: the indexer keeps
   * thumbnails for a few sightings of a track only */
  if (thumbnails
      && (!trawl_catalog_get_thumbnail (cat, sid, &h->thumbnail, error)
          || (h->thumbnail == NULL && sid != t->best_sighting_id
              && !trawl_catalog_get_thumbnail (cat, t->best_sighting_id, &h->thumbnail, error))))
    {
      trawl_search_hit_free (h);
      return FALSE;
    }
  *out = h;
  return TRUE;
}

static gboolean
fill_hits (TrawlSearch *s, const TrawlQuery *q, GArray *cands, TrawlSearchResults *r,
           GError **error)
{
  r->hits = g_ptr_array_new_with_free_func ((GDestroyNotify) trawl_search_hit_free);
  for (guint i = 0; i < cands->len; i++)
    {
      const Candidate *c = &g_array_index (cands, Candidate, i);
      TrawlSearchHit *h;

      if (q->limit > 0 && r->hits->len >= (guint) q->limit)
        break;
      if (c->score < q->min_score)
        continue;  /* best first, but the low-quality ones after the rest */
      if (!fill_hit (s, c, q->thumbnails, &h, error))
        return FALSE;
      if (h == NULL)
        continue;
      h->rank = (int) r->hits->len + 1;
      h->match = h->score >= r->threshold - 1e-9 && !h->low_quality;
      g_ptr_array_add (r->hits, h);
    }
  return TRUE;
}

/* ---- the query kinds ---- */

static int
want_tracks (const TrawlQuery *q)
{
  return q->limit > 0 ? q->limit : 1000;
}

static GArray *
run_face (TrawlSearch *s, const TrawlQuery *q, GArray *photos, gint64 exclude,
          const SearchFilter *f, TrawlSearchResults *r, GCancellable *cancellable,
          GError **error)
{
  GArray *cands = _trawl_search_faces (s, (const float *) photos->data,
                                       (int) (photos->len / TRAWL_FACE_DIM), f, want_tracks (q),
                                       exclude, cancellable, error);
  r->kind = TRAWL_KIND_FACE;
  r->threshold = TRAWL_SEARCH_FACE_THRESHOLD;
  r->threshold_note = "the same person: descriptor distance 0.42, at most 1 false accept "
                      "in 1,000 on the shared and second development face photos (trawl "
                      "eval); faces of quality under 0.25 never match";
  if (cands != NULL)
    r->n_candidates = cands->len;
  return cands;
}

static GArray *
run_plate (TrawlSearch *s, const TrawlQuery *q, const char *pattern_text, gboolean exact,
           gint64 exclude, const SearchFilter *f, TrawlSearchResults *r,
           GCancellable *cancellable, GError **error)
{
  g_autoptr(TrawlPlatePattern) p = trawl_plate_pattern_new (
    pattern_text, exact ? TRAWL_PLATE_MATCH_EXACT : TRAWL_PLATE_MATCH_FUZZY, error);
  int n_lit;

  if (p == NULL)
    return NULL;
  n_lit = MAX (1, trawl_plate_pattern_get_n_literals (p));
  r->kind = TRAWL_KIND_PLATE;
  r->query_text = g_strdup (trawl_plate_pattern_get_normalized (p));
  /* A match costs at most one edit: one character wrong, missing or extra,
   * or a few look-alikes (B/8, O/0...) that add up to no more. */
  r->threshold = exact ? 1.0 : MAX (0.0, 1.0 - TRAWL_SEARCH_PLATE_MAX_COST / n_lit);
  r->threshold_note = exact ? "exact: the reading fits the pattern"
                            : "at most one character wrong, missing or extra; look-alikes "
                              "such as B/8 cost less, by the reader's measured confusions";
  return _trawl_search_plates (s, p, f, exclude, q->min_score, &r->n_candidates, cancellable,
                               error);
}

/* A face track as query photos: its sightings of searchable quality, or
 * all of them when none is (a GArray of float, TRAWL_FACE_DIM a face;
 * empty without descriptors). */
static GArray *
track_photos (TrawlSearch *s, gint64 track_id, GError **error)
{
  g_autoptr(GPtrArray) sightings = trawl_catalog_list_track_sightings (
    trawl_case_get_catalog (s->kase), track_id, error);
  GArray *out;

  if (sightings == NULL)
    return NULL;
  out = g_array_new (FALSE, FALSE, sizeof (float));
  for (int pass = 0; pass < 2 && out->len == 0; pass++)
    for (guint i = 0; i < sightings->len; i++)
      {
        const TrawlSighting *si = sightings->pdata[i];
        if (si->embedding != NULL && si->n_embedding == TRAWL_FACE_DIM
            && (pass == 1 || si->quality >= TRAWL_SEARCH_FACE_MIN_QUALITY))
          g_array_append_vals (out, si->embedding, TRAWL_FACE_DIM);
      }
  return out;
}

static GArray *
run_track (TrawlSearch *s, const TrawlQuery *q, const SearchFilter *f, TrawlSearchResults *r,
           GCancellable *cancellable, GError **error)
{
  g_autoptr(TrawlTrack) t = NULL;
  g_autoptr(GArray) photos = NULL;

  if (!trawl_catalog_get_track (trawl_case_get_catalog (s->kase), q->track_id, &t, error))
    return NULL;
  if (t == NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND,
                   "no track %" G_GINT64_FORMAT " in this case", q->track_id);
      return NULL;
    }
  if (t->kind == TRAWL_KIND_PLATE)
    {
      if (t->best_plate_text == NULL || *t->best_plate_text == '\0')
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                       "track %" G_GINT64_FORMAT " has no plate reading to search with",
                       t->id);
          return NULL;
        }
      return run_plate (s, q, t->best_plate_text, q->plate_exact, t->id, f, r, cancellable,
                        error);
    }
  photos = track_photos (s, t->id, error);
  if (photos == NULL)
    return NULL;
  if (photos->len == 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "track %" G_GINT64_FORMAT " has no face descriptor to search with", t->id);
      return NULL;
    }
  r->n_query_faces = (int) (photos->len / TRAWL_FACE_DIM);
  return run_face (s, q, photos, t->id, f, r, cancellable, error);
}

static int
count_kinds (const TrawlQuery *q)
{
  return (q->photos->len > 0 || q->descriptors->len > 0) + (q->plate_pattern != NULL)
         + (q->plate_photo != NULL) + (q->track_id > 0);
}

TrawlSearchResults *
trawl_search_run (TrawlSearch *s, const TrawlQuery *q, GCancellable *cancellable,
                  GError **error)
{
  g_autoptr(TrawlSearchResults) r = g_new0 (TrawlSearchResults, 1);
  g_autoptr(GArray) cands = NULL;
  SearchFilter f;
  gint64 t0 = g_get_monotonic_time ();

  g_return_val_if_fail (s != NULL && q != NULL, NULL);
  if (count_kinds (q) != 1)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   count_kinds (q) == 0
                     ? "nothing to search for: give face photos, a plate, a plate photo or a track"
                     : "one kind of query at a time: face photos, a plate, a plate photo or a track");
      return NULL;
    }
  if (!filter_init (s, q, &f, error))
    return NULL;
  if (q->track_id > 0)
    cands = run_track (s, q, &f, r, cancellable, error);
  else if (q->plate_pattern != NULL)
    cands = run_plate (s, q, q->plate_pattern, q->plate_exact, 0, &f, r, cancellable, error);
  else if (q->plate_photo != NULL)
    {
      g_autofree char *pattern = _trawl_search_read_plate_photo (s, q->plate_photo, error);
      if (pattern != NULL)
        cands = run_plate (s, q, pattern, FALSE, 0, &f, r, cancellable, error);
    }
  else
    {
      g_autoptr(GArray) photos = g_array_new (FALSE, FALSE, sizeof (float));
      if (_trawl_search_query_descriptors (s, q, photos, error))
        {
          r->n_query_faces = (int) (photos->len / TRAWL_FACE_DIM);
          cands = run_face (s, q, photos, 0, &f, r, cancellable, error);
        }
    }
  filter_clear (&f);
  if (cands == NULL || !fill_hits (s, q, cands, r, error))
    return NULL;
  r->elapsed_s = (g_get_monotonic_time () - t0) / 1e6;
  return g_steal_pointer (&r);
}

/* ---- route ---- */

static int
cmp_hit_time (gconstpointer a, gconstpointer b)
{
  const TrawlSearchHit *ha = *(TrawlSearchHit *const *) a, *hb = *(TrawlSearchHit *const *) b;
  gboolean na = isnan (ha->first_utc), nb = isnan (hb->first_utc);

  if (na != nb)
    return na ? 1 : -1;
  if (!na && ha->first_utc != hb->first_utc)
    return ha->first_utc < hb->first_utc ? -1 : 1;
  return ha->rank - hb->rank;
}

GPtrArray *
trawl_search_results_route (const TrawlSearchResults *r)
{
  GPtrArray *route = g_ptr_array_new ();

  g_return_val_if_fail (r != NULL, route);
  for (guint i = 0; r->hits != NULL && i < r->hits->len; i++)
    {
      TrawlSearchHit *h = r->hits->pdata[i];
      if (h->match)
        g_ptr_array_add (route, h);
    }
  g_ptr_array_sort (route, cmp_hit_time);
  return route;
}

/* ---- one track ---- */

gboolean
trawl_search_get_track (TrawlSearch *s, gint64 track_id, TrawlTrack **track,
                        GPtrArray **sightings, GError **error)
{
  TrawlCatalog *cat;

  g_return_val_if_fail (s != NULL && track != NULL && sightings != NULL, FALSE);
  cat = trawl_case_get_catalog (s->kase);
  *sightings = NULL;
  if (!trawl_catalog_get_track (cat, track_id, track, error))
    return FALSE;
  if (*track == NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND,
                   "no track %" G_GINT64_FORMAT " in this case", track_id);
      return FALSE;
    }
  *sightings = trawl_catalog_list_track_sightings (cat, track_id, error);
  if (*sightings == NULL)
    {
      g_clear_pointer (track, trawl_track_free);
      return FALSE;
    }
  return TRUE;
}

/* ---- async ---- */

typedef struct {
  TrawlSearch *search;  /* borrowed: the caller keeps it until the task ends */
  TrawlQuery  *query;   /* a copy */
} AsyncRun;

static void
async_run_free (AsyncRun *a)
{
  trawl_query_free (a->query);
  g_free (a);
}

static void
run_in_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  AsyncRun *a = data;
  GError *error = NULL;
  TrawlSearchResults *r = trawl_search_run (a->search, a->query, cancellable, &error);

  (void) source;
  if (r == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, r, (GDestroyNotify) trawl_search_results_free);
}

void
trawl_search_run_async (TrawlSearch *s, const TrawlQuery *q, GCancellable *cancellable,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  AsyncRun *a;

  g_return_if_fail (s != NULL && q != NULL);
  a = g_new0 (AsyncRun, 1);
  a->search = s;
  a->query = _trawl_query_copy (q);
  /* TrawlSearch is not a GObject: it travels in the task data. */
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, trawl_search_run_async);
  g_task_set_task_data (task, a, (GDestroyNotify) async_run_free);
  g_task_run_in_thread (task, run_in_thread);
}

TrawlSearchResults *
trawl_search_run_finish (TrawlSearch *s, GAsyncResult *result, GError **error)
{
  (void) s;
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
