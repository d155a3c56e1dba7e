/* catalog-tracks.c - tracks, sightings, thumbnails and the read queries
 * behind `trawl info` and `trawl tracks`.
 *
 * Writes here normally run inside a per-video transaction
 * (catalog-videos.c); outside one, each statement commits on its own.
 * Embeddings are stored as raw float32 BLOBs (host order; every machine
 * trawl runs on is little-endian).
 */
#include <string.h>

#include "catalog-private.h"

void
trawl_track_free (TrawlTrack *t)
{
  if (t == NULL)
    return;
  g_free (t->best_plate_text);
  g_free (t->best_plate_alternatives);
  g_free (t->mean_embedding);
  g_free (t->camera_name);
  g_free (t);
}

void
trawl_sighting_free (TrawlSighting *s)
{
  if (s == NULL)
    return;
  g_free (s->plate_text);
  g_free (s->plate_alternatives);
  g_free (s->embedding);
  g_free (s);
}

void
trawl_camera_stats_free (TrawlCameraStats *s)
{
  if (s == NULL)
    return;
  g_free (s->camera);
  g_free (s);
}

static void
bind_embedding (sqlite3_stmt *st, int idx, const float *v, int n)
{
  if (v != NULL && n > 0)
    sqlite3_bind_blob (st, idx, v, n * (int) sizeof (float), SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (st, idx);
}

static float *
column_embedding (sqlite3_stmt *st, int col, int *n)
{
  int bytes = sqlite3_column_bytes (st, col);
  const void *blob = sqlite3_column_blob (st, col);

  *n = 0;
  if (blob == NULL || bytes < (int) sizeof (float))
    return NULL;
  *n = bytes / (int) sizeof (float);
  return g_memdup2 (blob, (gsize) *n * sizeof (float));
}

/* Validates an optional JSON column and copies it as given into *out (NULL
 * stays NULL): json-glib would rewrite 0.9 as 0.90000000000000002. */
static gboolean
json_or_null (const char *json, char **out, GError **error)
{
  g_autofree char *canonical = NULL;
  GError *local = NULL;

  *out = NULL;
  canonical = _trawl_catalog_canonical_json (json, TRUE, &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  *out = g_strdup (json);
  return TRUE;
}

static gboolean
check_kind (TrawlKind kind, GError **error)
{
  if (kind != TRAWL_KIND_FACE && kind != TRAWL_KIND_PLATE)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "unknown record kind %d",
                   (int) kind);
      return FALSE;
    }
  return TRUE;
}

/* ---- tracks ---- */

/* Binds ?1..?12 of the track columns, in the order of TRACK_SET below. */
static gboolean
bind_track (sqlite3_stmt *st, const TrawlTrack *t, GError **error)
{
  g_autofree char *alts = NULL;

  if (!check_kind (t->kind, error) || !json_or_null (t->best_plate_alternatives, &alts, error))
    return FALSE;
  sqlite3_bind_text (st, 1, trawl_kind_to_string (t->kind), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (st, 2, t->video_id);
  sqlite3_bind_double (st, 3, t->first_pts_s);
  sqlite3_bind_double (st, 4, t->last_pts_s);
  _trawl_catalog_bind_real (st, 5, t->first_utc);
  _trawl_catalog_bind_real (st, 6, t->last_utc);
  if (t->best_sighting_id > 0)
    sqlite3_bind_int64 (st, 7, t->best_sighting_id);
  else
    sqlite3_bind_null (st, 7);
  sqlite3_bind_text (st, 8, t->best_plate_text, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 9, alts, -1, SQLITE_TRANSIENT);
  sqlite3_bind_double (st, 10, t->best_quality);
  sqlite3_bind_int (st, 11, t->n_sightings);
  bind_embedding (st, 12, t->mean_embedding, t->n_embedding);
  return TRUE;
}

gboolean
trawl_catalog_insert_track (TrawlCatalog *cat, TrawlTrack *t, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;

  g_return_val_if_fail (cat != NULL && t != NULL, FALSE);
  if (!_trawl_catalog_check_writable (cat, error) ||
      !_trawl_catalog_prepare (cat,
        "INSERT INTO tracks(kind, video_id, first_pts_s, last_pts_s, first_utc, last_utc, "
        "best_sighting_id, best_plate_text, best_plate_alternatives, best_quality, n_sightings, "
        "mean_embedding) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)", &st, error) ||
      !bind_track (st, t, error) ||
      !_trawl_catalog_step_done (cat, st, "adding a track", error))
    return FALSE;
  t->id = sqlite3_last_insert_rowid (cat->db);
  return TRUE;
}

gboolean
trawl_catalog_update_track (TrawlCatalog *cat, const TrawlTrack *t, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;

  g_return_val_if_fail (cat != NULL && t != NULL, FALSE);
  if (!_trawl_catalog_check_writable (cat, error) ||
      !_trawl_catalog_prepare (cat,
        "UPDATE tracks SET kind = ?1, video_id = ?2, first_pts_s = ?3, last_pts_s = ?4, "
        "first_utc = ?5, last_utc = ?6, best_sighting_id = ?7, best_plate_text = ?8, "
        "best_plate_alternatives = ?9, best_quality = ?10, n_sightings = ?11, "
        "mean_embedding = ?12 WHERE id = ?13", &st, error) ||
      !bind_track (st, t, error))
    return FALSE;
  sqlite3_bind_int64 (st, 13, t->id);
  if (!_trawl_catalog_step_done (cat, st, "updating a track", error))
    return FALSE;
  if (sqlite3_changes (cat->db) == 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND, "%s: no track %" G_GINT64_FORMAT,
                   cat->db_path, t->id);
      return FALSE;
    }
  return TRUE;
}

#define TRACK_COLUMNS "t.id, t.kind, t.video_id, t.first_pts_s, t.last_pts_s, t.first_utc, " \
  "t.last_utc, t.best_sighting_id, t.best_plate_text, t.best_plate_alternatives, " \
  "t.best_quality, t.n_sightings, t.mean_embedding, v.camera_id, c.name"
#define TRACK_FROM " FROM tracks t JOIN videos v ON v.id = t.video_id " \
  "LEFT JOIN cameras c ON c.id = v.camera_id"

static TrawlTrack *
track_from_row (sqlite3_stmt *st)
{
  TrawlTrack *t = g_new0 (TrawlTrack, 1);

  t->id = sqlite3_column_int64 (st, 0);
  t->kind = trawl_kind_from_string ((const char *) sqlite3_column_text (st, 1));
  t->video_id = sqlite3_column_int64 (st, 2);
  t->first_pts_s = sqlite3_column_double (st, 3);
  t->last_pts_s = sqlite3_column_double (st, 4);
  t->first_utc = _trawl_catalog_column_real (st, 5);
  t->last_utc = _trawl_catalog_column_real (st, 6);
  t->best_sighting_id = sqlite3_column_int64 (st, 7);
  t->best_plate_text = _trawl_catalog_column_text (st, 8);
  t->best_plate_alternatives = _trawl_catalog_column_text (st, 9);
  t->best_quality = (float) sqlite3_column_double (st, 10);
  t->n_sightings = sqlite3_column_int (st, 11);
  t->mean_embedding = column_embedding (st, 12, &t->n_embedding);
  t->camera_id = sqlite3_column_int64 (st, 13);
  t->camera_name = _trawl_catalog_column_text (st, 14);
  return t;
}

gboolean
trawl_catalog_get_track (TrawlCatalog *cat, gint64 id, TrawlTrack **out, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  int rc;

  g_return_val_if_fail (cat != NULL && out != NULL, FALSE);
  *out = NULL;
  if (!_trawl_catalog_prepare (cat, "SELECT " TRACK_COLUMNS TRACK_FROM " WHERE t.id = ?1", &st,
                               error))
    return FALSE;
  sqlite3_bind_int64 (st, 1, id);
  rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    *out = track_from_row (st);
  else if (rc != SQLITE_DONE)
    return _trawl_catalog_db_error (cat, "reading a track", error);
  return TRUE;
}

GPtrArray *
trawl_catalog_list_tracks (TrawlCatalog *cat, const TrawlTrackFilter *filter, GError **error)
{
  TrawlTrackFilter all = { 0 };
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autoptr(GPtrArray) out = NULL;
  int rc;

  g_return_val_if_fail (cat != NULL, NULL);
  if (filter == NULL)
    filter = &all;
  /* One fixed statement: a NULL parameter switches its condition off, so
   * every filter combination stays a parameterised query. */
  if (!_trawl_catalog_prepare (cat, "SELECT " TRACK_COLUMNS TRACK_FROM
        " WHERE (?1 IS NULL OR t.kind = ?1) AND (?2 IS NULL OR c.name = ?2)"
        " AND (?3 IS NULL OR t.video_id = ?3) AND (?4 IS NULL OR t.best_plate_text GLOB ?4)"
        " ORDER BY t.first_utc IS NULL, t.first_utc, t.id LIMIT ?5 OFFSET ?6", &st, error))
    return NULL;
  if (filter->kind != 0)
    sqlite3_bind_text (st, 1, trawl_kind_to_string (filter->kind), -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, filter->camera, -1, SQLITE_TRANSIENT);
  if (filter->video_id > 0)
    sqlite3_bind_int64 (st, 3, filter->video_id);
  sqlite3_bind_text (st, 4, filter->plate_glob, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (st, 5, filter->limit > 0 ? filter->limit : -1);
  sqlite3_bind_int (st, 6, MAX (filter->offset, 0));
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) trawl_track_free);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    g_ptr_array_add (out, track_from_row (st));
  if (rc != SQLITE_DONE)
    {
      _trawl_catalog_db_error (cat, "listing tracks", error);
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* ---- sightings ---- */

gboolean
trawl_catalog_insert_sighting (TrawlCatalog *cat, TrawlSighting *s, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autofree char *alts = NULL;

  g_return_val_if_fail (cat != NULL && s != NULL, FALSE);
  if (!_trawl_catalog_check_writable (cat, error) || !check_kind (s->kind, error) ||
      !json_or_null (s->plate_alternatives, &alts, error) ||
      !_trawl_catalog_prepare (cat,
        "INSERT INTO sightings(track_id, video_id, kind, pts_s, utc, x, y, w, h, score, quality, "
        "plate_text, plate_alternatives, embedding) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)", &st, error))
    return FALSE;
  if (s->track_id > 0)
    sqlite3_bind_int64 (st, 1, s->track_id);
  sqlite3_bind_int64 (st, 2, s->video_id);
  sqlite3_bind_text (st, 3, trawl_kind_to_string (s->kind), -1, SQLITE_STATIC);
  sqlite3_bind_double (st, 4, s->pts_s);
  _trawl_catalog_bind_real (st, 5, s->utc);
  sqlite3_bind_double (st, 6, s->x);
  sqlite3_bind_double (st, 7, s->y);
  sqlite3_bind_double (st, 8, s->w);
  sqlite3_bind_double (st, 9, s->h);
  sqlite3_bind_double (st, 10, s->score);
  sqlite3_bind_double (st, 11, s->quality);
  sqlite3_bind_text (st, 12, s->plate_text, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 13, alts, -1, SQLITE_TRANSIENT);
  bind_embedding (st, 14, s->embedding, s->n_embedding);
  if (!_trawl_catalog_step_done (cat, st, "adding a sighting", error))
    return FALSE;
  s->id = sqlite3_last_insert_rowid (cat->db);
  return TRUE;
}

#define SIGHTING_COLUMNS "id, track_id, video_id, kind, pts_s, utc, x, y, w, h, score, " \
  "quality, plate_text, plate_alternatives, embedding"

static void
sighting_fill (TrawlSighting *s, sqlite3_stmt *st)
{
  s->id = sqlite3_column_int64 (st, 0);
  s->track_id = sqlite3_column_int64 (st, 1);
  s->video_id = sqlite3_column_int64 (st, 2);
  s->kind = trawl_kind_from_string ((const char *) sqlite3_column_text (st, 3));
  s->pts_s = sqlite3_column_double (st, 4);
  s->utc = _trawl_catalog_column_real (st, 5);
  s->x = (float) sqlite3_column_double (st, 6);
  s->y = (float) sqlite3_column_double (st, 7);
  s->w = (float) sqlite3_column_double (st, 8);
  s->h = (float) sqlite3_column_double (st, 9);
  s->score = (float) sqlite3_column_double (st, 10);
  s->quality = (float) sqlite3_column_double (st, 11);
  s->plate_text = _trawl_catalog_column_text (st, 12);
  s->plate_alternatives = _trawl_catalog_column_text (st, 13);
  s->embedding = column_embedding (st, 14, &s->n_embedding);
}

gboolean
trawl_catalog_get_sighting (TrawlCatalog *cat, gint64 id, TrawlSighting **out, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  int rc;

  g_return_val_if_fail (cat != NULL && out != NULL, FALSE);
  *out = NULL;
  if (!_trawl_catalog_prepare (cat, "SELECT " SIGHTING_COLUMNS " FROM sightings WHERE id = ?1",
                               &st, error))
    return FALSE;
  sqlite3_bind_int64 (st, 1, id);
  rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    {
      *out = g_new0 (TrawlSighting, 1);
      sighting_fill (*out, st);
    }
  else if (rc != SQLITE_DONE)
    return _trawl_catalog_db_error (cat, "reading a sighting", error);
  return TRUE;
}

GPtrArray *
trawl_catalog_list_track_sightings (TrawlCatalog *cat, gint64 track_id, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) trawl_sighting_free);
  int rc;

  g_return_val_if_fail (cat != NULL, NULL);
  if (!_trawl_catalog_prepare (cat, "SELECT " SIGHTING_COLUMNS " FROM sightings "
                                    "WHERE track_id = ?1 ORDER BY pts_s, id", &st, error))
    return NULL;
  sqlite3_bind_int64 (st, 1, track_id);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      TrawlSighting *s = g_new0 (TrawlSighting, 1);
      sighting_fill (s, st);
      g_ptr_array_add (out, s);
    }
  if (rc != SQLITE_DONE)
    {
      _trawl_catalog_db_error (cat, "reading a track's sightings", error);
      return NULL;
    }
  return g_steal_pointer (&out);
}

gboolean
trawl_catalog_foreach_sighting (TrawlCatalog *cat, TrawlKind kind, TrawlSightingFunc func,
                                gpointer user_data, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  int rc;

  g_return_val_if_fail (cat != NULL && func != NULL, FALSE);
  if (!_trawl_catalog_prepare (cat, "SELECT " SIGHTING_COLUMNS " FROM sightings "
                                    "WHERE kind = ?1 AND embedding IS NOT NULL ORDER BY id",
                               &st, error))
    return FALSE;
  sqlite3_bind_text (st, 1, trawl_kind_to_string (kind), -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      TrawlSighting s = { 0 };
      gboolean go_on;
      sighting_fill (&s, st);
      go_on = func (&s, user_data);
      g_free (s.plate_text);
      g_free (s.plate_alternatives);
      g_free (s.embedding);
      if (!go_on)
        return TRUE;
    }
  if (rc != SQLITE_DONE)
    return _trawl_catalog_db_error (cat, "reading sightings", error);
  return TRUE;
}

/* ---- thumbnails ---- */

gboolean
trawl_catalog_insert_thumbnail (TrawlCatalog *cat, gint64 sighting_id, const guint8 *jpeg,
                                gsize len, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;

  g_return_val_if_fail (cat != NULL && jpeg != NULL && len > 0 && len < G_MAXINT, FALSE);
  if (!_trawl_catalog_check_writable (cat, error) ||
      !_trawl_catalog_prepare (cat, "INSERT OR REPLACE INTO thumbnails(sighting_id, jpeg) "
                                    "VALUES (?1, ?2)", &st, error))
    return FALSE;
  sqlite3_bind_int64 (st, 1, sighting_id);
  sqlite3_bind_blob (st, 2, jpeg, (int) len, SQLITE_TRANSIENT);
  return _trawl_catalog_step_done (cat, st, "adding a thumbnail", error);
}

gboolean
trawl_catalog_get_thumbnail (TrawlCatalog *cat, gint64 sighting_id, GBytes **out,
                             GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  int rc;

  g_return_val_if_fail (cat != NULL && out != NULL, FALSE);
  *out = NULL;
  if (!_trawl_catalog_prepare (cat, "SELECT jpeg FROM thumbnails WHERE sighting_id = ?1", &st,
                               error))
    return FALSE;
  sqlite3_bind_int64 (st, 1, sighting_id);
  rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    *out = g_bytes_new (sqlite3_column_blob (st, 0), (gsize) sqlite3_column_bytes (st, 0));
  else if (rc != SQLITE_DONE)
    return _trawl_catalog_db_error (cat, "reading a thumbnail", error);
  return TRUE;
}

/* ---- counts ---- */

gboolean
trawl_catalog_get_stats (TrawlCatalog *cat, TrawlCatalogStats *s, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;

  g_return_val_if_fail (cat != NULL && s != NULL, FALSE);
  memset (s, 0, sizeof *s);
  if (!_trawl_catalog_prepare (cat, "SELECT "
        "(SELECT count(*) FROM cameras),"
        "(SELECT count(*) FROM videos),"
        "(SELECT count(*) FROM videos WHERE status = 'done'),"
        "(SELECT count(*) FROM videos WHERE status = 'failed'),"
        "(SELECT count(*) FROM videos WHERE status IN ('pending','indexing')),"
        "(SELECT count(*) FROM tracks WHERE kind = 'face'),"
        "(SELECT count(*) FROM tracks WHERE kind = 'plate'),"
        "(SELECT count(*) FROM sightings WHERE kind = 'face'),"
        "(SELECT count(*) FROM sightings WHERE kind = 'plate'),"
        "(SELECT count(*) FROM thumbnails),"
        "(SELECT count(*) FROM index_runs),"
        "(SELECT count(*) FROM audit),"
        "(SELECT coalesce(sum(duration_s), 0) / 3600.0 FROM videos WHERE status = 'done')",
        &st, error))
    return FALSE;
  if (sqlite3_step (st) != SQLITE_ROW)
    return _trawl_catalog_db_error (cat, "counting", error);
  s->cameras = sqlite3_column_int64 (st, 0);
  s->videos = sqlite3_column_int64 (st, 1);
  s->videos_done = sqlite3_column_int64 (st, 2);
  s->videos_failed = sqlite3_column_int64 (st, 3);
  s->videos_pending = sqlite3_column_int64 (st, 4);
  s->face_tracks = sqlite3_column_int64 (st, 5);
  s->plate_tracks = sqlite3_column_int64 (st, 6);
  s->face_sightings = sqlite3_column_int64 (st, 7);
  s->plate_sightings = sqlite3_column_int64 (st, 8);
  s->thumbnails = sqlite3_column_int64 (st, 9);
  s->index_runs = sqlite3_column_int64 (st, 10);
  s->audit_rows = sqlite3_column_int64 (st, 11);
  s->hours_indexed = sqlite3_column_double (st, 12);
  return TRUE;
}

GPtrArray *
trawl_catalog_get_camera_stats (TrawlCatalog *cat, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autoptr(GPtrArray) out = NULL;
  int rc;

  g_return_val_if_fail (cat != NULL, NULL);
  if (!_trawl_catalog_prepare (cat, "SELECT c.id, c.name,"
        " (SELECT count(*) FROM videos v WHERE v.camera_id = c.id),"
        " (SELECT count(*) FROM tracks t JOIN videos v ON v.id = t.video_id"
        "   WHERE v.camera_id = c.id AND t.kind = 'face'),"
        " (SELECT count(*) FROM tracks t JOIN videos v ON v.id = t.video_id"
        "   WHERE v.camera_id = c.id AND t.kind = 'plate'),"
        " (SELECT count(*) FROM sightings s JOIN videos v ON v.id = s.video_id"
        "   WHERE v.camera_id = c.id AND s.kind = 'face'),"
        " (SELECT count(*) FROM sightings s JOIN videos v ON v.id = s.video_id"
        "   WHERE v.camera_id = c.id AND s.kind = 'plate')"
        " FROM cameras c ORDER BY c.name", &st, error))
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) trawl_camera_stats_free);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      TrawlCameraStats *c = g_new0 (TrawlCameraStats, 1);
      c->camera_id = sqlite3_column_int64 (st, 0);
      c->camera = _trawl_catalog_column_text (st, 1);
      c->videos = sqlite3_column_int64 (st, 2);
      c->face_tracks = sqlite3_column_int64 (st, 3);
      c->plate_tracks = sqlite3_column_int64 (st, 4);
      c->face_sightings = sqlite3_column_int64 (st, 5);
      c->plate_sightings = sqlite3_column_int64 (st, 6);
      g_ptr_array_add (out, c);
    }
  if (rc != SQLITE_DONE)
    {
      _trawl_catalog_db_error (cat, "counting per camera", error);
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* ---- queries for search/ ---- */

gboolean
trawl_catalog_foreach_plate_track (TrawlCatalog *cat, TrawlPlateTrackFunc func,
                                   gpointer user_data, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  int rc;

  g_return_val_if_fail (cat != NULL && func != NULL, FALSE);
  if (!_trawl_catalog_prepare (cat, "SELECT t.id, v.camera_id, t.first_utc, t.last_utc, "
                                    "t.best_plate_text, t.best_plate_alternatives "
                                    "FROM tracks t JOIN videos v ON v.id = t.video_id "
                                    "WHERE t.kind = 'plate' AND t.best_plate_text IS NOT NULL "
                                    "ORDER BY t.id", &st, error))
    return FALSE;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      TrawlPlateTrackRow row;
      row.track_id = sqlite3_column_int64 (st, 0);
      row.camera_id = sqlite3_column_int64 (st, 1);
      row.first_utc = _trawl_catalog_column_real (st, 2);
      row.last_utc = _trawl_catalog_column_real (st, 3);
      row.text = (const char *) sqlite3_column_text (st, 4);
      row.alternatives = (const char *) sqlite3_column_text (st, 5);
      if (!func (&row, user_data))
        return TRUE;
    }
  if (rc != SQLITE_DONE)
    return _trawl_catalog_db_error (cat, "reading plate tracks", error);
  return TRUE;
}

gboolean
trawl_catalog_get_sighting_tracks (TrawlCatalog *cat, gsize n, const gint64 *sighting_ids,
                                   gint64 *track_ids, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;

  g_return_val_if_fail (cat != NULL && (n == 0 || (sighting_ids && track_ids)), FALSE);
  if (!_trawl_catalog_prepare (cat, "SELECT track_id FROM sightings WHERE id = ?1", &st, error))
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      int rc;
      sqlite3_reset (st);
      sqlite3_bind_int64 (st, 1, sighting_ids[i]);
      rc = sqlite3_step (st);
      if (rc == SQLITE_ROW)
        track_ids[i] = sqlite3_column_int64 (st, 0);
      else if (rc == SQLITE_DONE)
        track_ids[i] = 0;
      else
        return _trawl_catalog_db_error (cat, "reading sightings", error);
    }
  return TRUE;
}

gboolean
trawl_catalog_get_data_version (TrawlCatalog *cat, gint64 *version, GError **error)
{
  g_return_val_if_fail (cat != NULL && version != NULL, FALSE);
  *version = _trawl_catalog_count (cat, "PRAGMA data_version", error);
  return *version >= 0;
}

gboolean
trawl_catalog_get_track_spans (TrawlCatalog *cat, gsize n, const gint64 *track_ids,
                               TrawlTrackSpan *spans, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;

  g_return_val_if_fail (cat != NULL && (n == 0 || (track_ids && spans)), FALSE);
  if (!_trawl_catalog_prepare (cat, "SELECT v.camera_id, t.first_utc, t.last_utc FROM tracks t "
                                    "JOIN videos v ON v.id = t.video_id WHERE t.id = ?1",
                               &st, error))
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      int rc;
      sqlite3_reset (st);
      sqlite3_bind_int64 (st, 1, track_ids[i]);
      rc = sqlite3_step (st);
      spans[i].track_id = track_ids[i];
      if (rc == SQLITE_ROW)
        {
          spans[i].camera_id = sqlite3_column_int64 (st, 0);
          spans[i].first_utc = _trawl_catalog_column_real (st, 1);
          spans[i].last_utc = _trawl_catalog_column_real (st, 2);
        }
      else if (rc == SQLITE_DONE)
        {
          spans[i].camera_id = 0;
          spans[i].first_utc = spans[i].last_utc = NAN;
          spans[i].track_id = 0;
        }
      else
        return _trawl_catalog_db_error (cat, "reading tracks", error);
    }
  return TRUE;
}
