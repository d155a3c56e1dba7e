/* catalog-videos.c - cameras, videos, index runs, per-video transactions
 * and the vector-file state.
 *
 * Per-video transaction (the unit of resumability):
 *
 *   pending|failed -> indexing   [trawl_catalog_begin_video: committed alone]
 *   indexing -> done             [trawl_catalog_commit_video: with all rows]
 *   indexing -> failed           [trawl_catalog_rollback_video: rows discarded]
 *   indexing -> pending          [trawl_catalog_reset_partial_videos: after a crash]
 */
#include <string.h>

#include <json-glib/json-glib.h>

#include "catalog-private.h"

/* ---- cameras ---- */

void
trawl_camera_free (TrawlCamera *cam)
{
  if (cam == NULL)
    return;
  g_free (cam->name);
  g_free (cam);
}

gboolean
trawl_catalog_ensure_camera (TrawlCatalog *cat, const char *name, gint64 *id, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autoptr(sqlite3_stmt) sel = NULL;

  g_return_val_if_fail (cat != NULL && name != NULL && id != NULL, FALSE);
  if (!_trawl_catalog_check_writable (cat, error) ||
      !_trawl_catalog_prepare (cat, "INSERT OR IGNORE INTO cameras(name) VALUES (?1)", &st,
                               error))
    return FALSE;
  sqlite3_bind_text (st, 1, name, -1, SQLITE_TRANSIENT);
  if (!_trawl_catalog_step_done (cat, st, "adding a camera", error) ||
      !_trawl_catalog_prepare (cat, "SELECT id FROM cameras WHERE name = ?1", &sel, error))
    return FALSE;
  sqlite3_bind_text (sel, 1, name, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (sel) != SQLITE_ROW)
    return _trawl_catalog_db_error (cat, "finding a camera", error);
  *id = sqlite3_column_int64 (sel, 0);
  return TRUE;
}

/* Runs sql with ?1 = num (and ?2 = real when not NAN); *changes (nullable)
 * gets the rows it changed. */
static gboolean
exec_int_real (TrawlCatalog *cat, const char *sql, gint64 num, double real, gint64 *changes,
               GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;

  if (!_trawl_catalog_prepare (cat, sql, &st, error))
    return FALSE;
  sqlite3_bind_int64 (st, 1, num);
  if (!isnan (real))
    sqlite3_bind_double (st, 2, real);
  if (!_trawl_catalog_step_done (cat, st, "updating times", error))
    return FALSE;
  if (changes != NULL)
    *changes = sqlite3_changes (cat->db);
  return TRUE;
}

/* Derived wall-clock times are stored (search filters on them), so they are
 * recomputed from their inputs, never nudged: utc = start + offset + pts. */
#define SET_SIGHTING_UTC \
  "UPDATE sightings SET utc = (SELECT v.start_time_utc + c.clock_offset_s FROM videos v " \
  "JOIN cameras c ON c.id = v.camera_id WHERE v.id = sightings.video_id) + pts_s "
#define SET_TRACK_UTC \
  "UPDATE tracks SET first_utc = b.base + first_pts_s, last_utc = b.base + last_pts_s " \
  "FROM (SELECT v.id AS vid, v.start_time_utc + c.clock_offset_s AS base FROM videos v " \
  "JOIN cameras c ON c.id = v.camera_id) AS b WHERE b.vid = tracks.video_id "

static gboolean
camera_offset_of (TrawlCatalog *cat, gint64 camera_id, double *offset, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  int rc;

  if (!_trawl_catalog_prepare (cat, "SELECT clock_offset_s FROM cameras WHERE id = ?1", &st,
                               error))
    return FALSE;
  sqlite3_bind_int64 (st, 1, camera_id);
  rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    {
      *offset = sqlite3_column_double (st, 0);
      return TRUE;
    }
  if (rc != SQLITE_DONE)
    return _trawl_catalog_db_error (cat, "reading a clock offset", error);
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND, "%s: no camera %" G_GINT64_FORMAT,
               cat->db_path, camera_id);
  return FALSE;
}

/* The audit row of a time change: a JSON object built by the caller. */
static gboolean
audit_object (TrawlCatalog *cat, const char *action, JsonBuilder *b, GError **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;

  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json = json_to_string (root, FALSE);
  return trawl_catalog_audit_append (cat, NULL, action, json, NULL, error);
}

static gboolean
no_open_video (TrawlCatalog *cat, const char *what, GError **error)
{
  if (cat->txn_video == 0)
    return TRUE;
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
               "%s: cannot change %s while a video is being written", cat->db_path, what);
  return FALSE;
}

gboolean
trawl_catalog_change_camera_clock_offset (TrawlCatalog *cat, gint64 camera_id, double offset_s,
                                          const char *why, gint64 *n_sightings, GError **error)
{
  g_autoptr(JsonBuilder) b = NULL;
  double old = 0;
  gint64 n_s = 0, n_t = 0;

  g_return_val_if_fail (cat != NULL && isfinite (offset_s), FALSE);
  if (n_sightings != NULL)
    *n_sightings = 0;
  if (!_trawl_catalog_check_writable (cat, error) ||
      !no_open_video (cat, "a clock offset", error) ||
      !camera_offset_of (cat, camera_id, &old, error))
    return FALSE;
  if (old == offset_s)
    return TRUE;
  if (!_trawl_catalog_exec (cat, "SAVEPOINT clock_offset", error))
    return FALSE;
  if (!exec_int_real (cat, "UPDATE cameras SET clock_offset_s = ?2 WHERE id = ?1", camera_id,
                      offset_s, NULL, error) ||
      !exec_int_real (cat, SET_SIGHTING_UTC "WHERE video_id IN (SELECT id FROM videos WHERE "
                      "camera_id = ?1 AND start_time_utc IS NOT NULL)", camera_id, NAN, &n_s,
                      error) ||
      !exec_int_real (cat, SET_TRACK_UTC "AND tracks.video_id IN (SELECT id FROM videos WHERE "
                      "camera_id = ?1 AND start_time_utc IS NOT NULL)", camera_id, NAN, &n_t,
                      error))
    goto fail;
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "camera_id");
  json_builder_add_int_value (b, camera_id);
  json_builder_set_member_name (b, "old_offset_s");
  json_builder_add_double_value (b, old);
  json_builder_set_member_name (b, "new_offset_s");
  json_builder_add_double_value (b, offset_s);
  json_builder_set_member_name (b, "sightings_changed");
  json_builder_add_int_value (b, n_s);
  json_builder_set_member_name (b, "tracks_changed");
  json_builder_add_int_value (b, n_t);
  json_builder_set_member_name (b, "by");
  json_builder_add_string_value (b, why != NULL ? why : "");
  if (!audit_object (cat, "camera-clock-offset", b, error) ||
      !_trawl_catalog_exec (cat, "RELEASE clock_offset", error))
    goto fail;
  if (n_sightings != NULL)
    *n_sightings = n_s;
  return TRUE;

fail:
  sqlite3_exec (cat->db, "ROLLBACK TO clock_offset; RELEASE clock_offset", NULL, NULL, NULL);
  return FALSE;
}

gboolean
trawl_catalog_set_camera_clock_offset (TrawlCatalog *cat, gint64 camera_id, double offset_s,
                                       GError **error)
{
  return trawl_catalog_change_camera_clock_offset (cat, camera_id, offset_s, NULL, NULL, error);
}

gboolean
trawl_catalog_find_camera (TrawlCatalog *cat, const char *name, TrawlCamera **out,
                           GError **error)
{
  g_autoptr(GPtrArray) all = NULL;

  g_return_val_if_fail (cat != NULL && name != NULL && out != NULL, FALSE);
  *out = NULL;
  if ((all = trawl_catalog_list_cameras (cat, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < all->len; i++)
    if (g_strcmp0 (((TrawlCamera *) all->pdata[i])->name, name) == 0)
      {
        *out = g_ptr_array_steal_index (all, i);
        break;
      }
  return TRUE;
}

GPtrArray *
trawl_catalog_list_cameras (TrawlCatalog *cat, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autoptr(GPtrArray) out = NULL;
  int rc;

  g_return_val_if_fail (cat != NULL, NULL);
  if (!_trawl_catalog_prepare (cat, "SELECT id, name, clock_offset_s FROM cameras ORDER BY name",
                               &st, error))
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) trawl_camera_free);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      TrawlCamera *c = g_new0 (TrawlCamera, 1);
      c->id = sqlite3_column_int64 (st, 0);
      c->name = _trawl_catalog_column_text (st, 1);
      c->clock_offset_s = sqlite3_column_double (st, 2);
      g_ptr_array_add (out, c);
    }
  if (rc != SQLITE_DONE)
    {
      _trawl_catalog_db_error (cat, "listing cameras", error);
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* ---- videos ---- */

void
trawl_catalog_video_free (TrawlCatalogVideo *v)
{
  if (v == NULL)
    return;
  g_free (v->path);
  g_free (v->sha256);
  g_free (v->codec);
  g_free (v->error);
  g_free (v->time_detail);
  g_free (v->time_jumps);
  g_free (v);
}

static TrawlVideoStatus
status_from_string (const char *s)
{
  if (g_strcmp0 (s, "indexing") == 0) return TRAWL_VIDEO_STATUS_INDEXING;
  if (g_strcmp0 (s, "done") == 0) return TRAWL_VIDEO_STATUS_DONE;
  if (g_strcmp0 (s, "failed") == 0) return TRAWL_VIDEO_STATUS_FAILED;
  return TRAWL_VIDEO_STATUS_PENDING;
}

#define VIDEO_COLUMNS "id, camera_id, path, size, sha256, duration_s, codec, width, height, " \
                      "fps, start_time_utc, time_source, status, error, "
/* A reader may open a catalog older than migration 4 (no migrations run
 * read-only): its videos have none of the newer columns. */
#define VIDEO_COLUMNS_4 VIDEO_COLUMNS "time_detail, rotation, time_jumps"
#define VIDEO_COLUMNS_3 VIDEO_COLUMNS "NULL, 0, NULL"

static const char *
video_columns (TrawlCatalog *cat)
{
  return cat->version >= 4 ? VIDEO_COLUMNS_4 : VIDEO_COLUMNS_3;
}

static TrawlCatalogVideo *
video_from_row (sqlite3_stmt *st)
{
  TrawlCatalogVideo *v = g_new0 (TrawlCatalogVideo, 1);

  v->id = sqlite3_column_int64 (st, 0);
  v->camera_id = sqlite3_column_int64 (st, 1);
  v->path = _trawl_catalog_column_text (st, 2);
  v->size = sqlite3_column_int64 (st, 3);
  v->sha256 = _trawl_catalog_column_text (st, 4);
  v->duration_s = _trawl_catalog_column_real (st, 5);
  v->codec = _trawl_catalog_column_text (st, 6);
  v->width = sqlite3_column_int (st, 7);
  v->height = sqlite3_column_int (st, 8);
  v->fps = _trawl_catalog_column_real (st, 9);
  v->start_time_utc = _trawl_catalog_column_real (st, 10);
  v->time_source = trawl_time_source_from_string ((const char *) sqlite3_column_text (st, 11));
  v->status = status_from_string ((const char *) sqlite3_column_text (st, 12));
  v->error = _trawl_catalog_column_text (st, 13);
  v->time_detail = _trawl_catalog_column_text (st, 14);
  v->rotation = sqlite3_column_int (st, 15);
  v->time_jumps = _trawl_catalog_column_text (st, 16);
  return v;
}

gboolean
trawl_catalog_insert_video (TrawlCatalog *cat, TrawlCatalogVideo *v, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autofree char *now = _trawl_catalog_now_utc ();

  g_return_val_if_fail (cat != NULL && v != NULL && v->path != NULL && v->sha256 != NULL, FALSE);
  if (!_trawl_catalog_check_writable (cat, error) ||
      !_trawl_catalog_prepare (cat,
        "INSERT INTO videos(camera_id, path, size, sha256, duration_s, codec, width, height, "
        "fps, start_time_utc, time_source, status, added_utc, time_detail, rotation) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'pending', ?12, ?13, ?14)", &st,
        error))
    return FALSE;
  if (v->camera_id > 0)
    sqlite3_bind_int64 (st, 1, v->camera_id);
  sqlite3_bind_text (st, 2, v->path, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (st, 3, v->size);
  sqlite3_bind_text (st, 4, v->sha256, -1, SQLITE_TRANSIENT);
  _trawl_catalog_bind_real (st, 5, v->duration_s);
  sqlite3_bind_text (st, 6, v->codec, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (st, 7, v->width);
  sqlite3_bind_int (st, 8, v->height);
  _trawl_catalog_bind_real (st, 9, v->fps);
  _trawl_catalog_bind_real (st, 10, v->start_time_utc);
  sqlite3_bind_text (st, 11, trawl_time_source_to_string (v->time_source), -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 12, now, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 13, v->time_detail, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (st, 14, v->rotation);
  if (!_trawl_catalog_step_done (cat, st, "adding a video", error))
    {
      g_prefix_error (error, "%s: ", v->path);
      return FALSE;
    }
  v->id = sqlite3_last_insert_rowid (cat->db);
  v->status = TRAWL_VIDEO_STATUS_PENDING;
  return TRUE;
}

static gboolean
get_video_where (TrawlCatalog *cat, const char *where, const char *text, gint64 num,
                 TrawlCatalogVideo **out, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autofree char *sql = g_strconcat ("SELECT ", video_columns (cat), " FROM videos WHERE ",
                                      where, NULL);
  int rc;

  *out = NULL;
  if (!_trawl_catalog_prepare (cat, sql, &st, error))
    return FALSE;
  if (text != NULL)
    sqlite3_bind_text (st, 1, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_int64 (st, 1, num);
  rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    *out = video_from_row (st);
  else if (rc != SQLITE_DONE)
    return _trawl_catalog_db_error (cat, "finding a video", error);
  return TRUE;
}

gboolean
trawl_catalog_find_video (TrawlCatalog *cat, const char *sha256, TrawlCatalogVideo **out,
                          GError **error)
{
  g_return_val_if_fail (cat != NULL && sha256 != NULL && out != NULL, FALSE);
  return get_video_where (cat, "sha256 = ?1", sha256, 0, out, error);
}

gboolean
trawl_catalog_get_video (TrawlCatalog *cat, gint64 id, TrawlCatalogVideo **out, GError **error)
{
  g_return_val_if_fail (cat != NULL && out != NULL, FALSE);
  return get_video_where (cat, "id = ?1", NULL, id, out, error);
}

GPtrArray *
trawl_catalog_list_videos (TrawlCatalog *cat, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autoptr(GPtrArray) out = NULL;
  int rc;

  g_autofree char *sql = NULL;

  g_return_val_if_fail (cat != NULL, NULL);
  sql = g_strdup_printf ("SELECT %s FROM videos ORDER BY id", video_columns (cat));
  if (!_trawl_catalog_prepare (cat, sql, &st, error))
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) trawl_catalog_video_free);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    g_ptr_array_add (out, video_from_row (st));
  if (rc != SQLITE_DONE)
    {
      _trawl_catalog_db_error (cat, "listing videos", error);
      return NULL;
    }
  return g_steal_pointer (&out);
}

gboolean
trawl_catalog_set_video_timeline (TrawlCatalog *cat, gint64 video_id, double duration_s,
                                  const TrawlTimeJump *jumps, guint n_jumps, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;

  g_return_val_if_fail (cat != NULL && (jumps != NULL || n_jumps == 0), FALSE);
  json_builder_begin_array (b);
  for (guint i = 0; i < n_jumps; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "at_s");
      json_builder_add_double_value (b, jumps[i].at_s);
      json_builder_set_member_name (b, "file_s");
      json_builder_add_double_value (b, jumps[i].file_s);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  json = n_jumps > 0 ? json_to_string (root, FALSE) : NULL;
  if (!_trawl_catalog_check_writable (cat, error) ||
      !_trawl_catalog_prepare (cat, "UPDATE videos SET duration_s = coalesce(?2, duration_s), "
                                    "time_jumps = ?3 WHERE id = ?1", &st, error))
    return FALSE;
  sqlite3_bind_int64 (st, 1, video_id);
  if (duration_s > 0)
    sqlite3_bind_double (st, 2, duration_s);
  sqlite3_bind_text (st, 3, json, -1, SQLITE_TRANSIENT);
  return _trawl_catalog_step_done (cat, st, "recording a video's timeline", error);
}

GArray *
trawl_catalog_video_get_time_jumps (const TrawlCatalogVideo *v)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (TrawlTimeJump));
  g_autoptr(JsonParser) p = json_parser_new ();
  JsonNode *root;

  if (v == NULL || v->time_jumps == NULL || !json_parser_load_from_data (p, v->time_jumps, -1,
                                                                          NULL))
    return out;
  root = json_parser_get_root (p);
  if (!JSON_NODE_HOLDS_ARRAY (root))
    return out;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (root)); i++)
    {
      JsonNode *n = json_array_get_element (json_node_get_array (root), i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      TrawlTimeJump j;

      if (o == NULL)
        continue;
      j.at_s = json_object_get_double_member_with_default (o, "at_s", NAN);
      j.file_s = json_object_get_double_member_with_default (o, "file_s", NAN);
      if (isfinite (j.at_s) && isfinite (j.file_s))
        g_array_append_val (out, j);
    }
  return out;
}

gboolean
trawl_catalog_set_video_start (TrawlCatalog *cat, gint64 video_id, double start_utc,
                               TrawlTimeSource source, const char *detail, gboolean *changed,
                               GError **error)
{
  g_autoptr(TrawlCatalogVideo) v = NULL;
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autoptr(JsonBuilder) b = NULL;
  gint64 n_s = 0;

  g_return_val_if_fail (cat != NULL, FALSE);
  if (changed != NULL)
    *changed = FALSE;
  if (!_trawl_catalog_check_writable (cat, error) || !no_open_video (cat, "a start time", error)
      || !trawl_catalog_get_video (cat, video_id, &v, error))
    return FALSE;
  if (v == NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND, "%s: no video %" G_GINT64_FORMAT,
                   cat->db_path, video_id);
      return FALSE;
    }
  if (((isnan (start_utc) && isnan (v->start_time_utc)) || start_utc == v->start_time_utc)
      && source == v->time_source)
    return TRUE;
  if (!_trawl_catalog_exec (cat, "SAVEPOINT video_start", error))
    return FALSE;
  if (!_trawl_catalog_prepare (cat, "UPDATE videos SET start_time_utc = ?2, time_source = ?3, "
                                    "time_detail = ?4 WHERE id = ?1", &st, error))
    goto fail;
  sqlite3_bind_int64 (st, 1, video_id);
  _trawl_catalog_bind_real (st, 2, start_utc);
  sqlite3_bind_text (st, 3, trawl_time_source_to_string (source), -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 4, detail, -1, SQLITE_TRANSIENT);
  if (!_trawl_catalog_step_done (cat, st, "setting a start time", error) ||
      !exec_int_real (cat, SET_SIGHTING_UTC "WHERE video_id = ?1", video_id, NAN, &n_s, error) ||
      !exec_int_real (cat, SET_TRACK_UTC "AND tracks.video_id = ?1", video_id, NAN, NULL, error))
    goto fail;
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "video_id");
  json_builder_add_int_value (b, video_id);
  json_builder_set_member_name (b, "old_start_utc");
  if (isnan (v->start_time_utc))
    json_builder_add_null_value (b);
  else
    json_builder_add_double_value (b, v->start_time_utc);
  json_builder_set_member_name (b, "new_start_utc");
  if (isnan (start_utc))
    json_builder_add_null_value (b);
  else
    json_builder_add_double_value (b, start_utc);
  json_builder_set_member_name (b, "source");
  json_builder_add_string_value (b, trawl_time_source_to_string (source));
  json_builder_set_member_name (b, "sightings_changed");
  json_builder_add_int_value (b, n_s);
  if (!audit_object (cat, "video-start", b, error) ||
      !_trawl_catalog_exec (cat, "RELEASE video_start", error))
    goto fail;
  if (changed != NULL)
    *changed = TRUE;
  return TRUE;

fail:
  sqlite3_exec (cat->db, "ROLLBACK TO video_start; RELEASE video_start", NULL, NULL, NULL);
  return FALSE;
}

gboolean
trawl_catalog_set_video_status (TrawlCatalog *cat, gint64 video_id, TrawlVideoStatus status,
                                const char *error_text, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;

  g_return_val_if_fail (cat != NULL, FALSE);
  if (!_trawl_catalog_check_writable (cat, error) ||
      !_trawl_catalog_prepare (cat, "UPDATE videos SET status = ?1, error = ?2 WHERE id = ?3",
                               &st, error))
    return FALSE;
  sqlite3_bind_text (st, 1, trawl_video_status_to_string (status), -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, error_text, -1, SQLITE_TRANSIENT);  /* NULL binds NULL */
  sqlite3_bind_int64 (st, 3, video_id);
  if (!_trawl_catalog_step_done (cat, st, "setting a video's status", error))
    return FALSE;
  if (sqlite3_changes (cat->db) == 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND, "%s: no video %" G_GINT64_FORMAT,
                   cat->db_path, video_id);
      return FALSE;
    }
  return TRUE;
}

/* Deletes rows of one video; no transaction of its own. */
static gboolean
delete_rows (TrawlCatalog *cat, gint64 video_id, GArray *ids, GError **error)
{
  const char *deletes[] = {
    "DELETE FROM thumbnails WHERE sighting_id IN (SELECT id FROM sightings WHERE video_id = ?1)",
    "DELETE FROM sightings WHERE video_id = ?1",
    "DELETE FROM tracks WHERE video_id = ?1",
  };
  int rc;

  if (ids != NULL)
    {
      g_autoptr(sqlite3_stmt) sel = NULL;
      if (!_trawl_catalog_prepare (cat, "SELECT id FROM sightings WHERE video_id = ?1", &sel,
                                   error))
        return FALSE;
      sqlite3_bind_int64 (sel, 1, video_id);
      while ((rc = sqlite3_step (sel)) == SQLITE_ROW)
        {
          gint64 id = sqlite3_column_int64 (sel, 0);
          g_array_append_val (ids, id);
        }
      if (rc != SQLITE_DONE)
        return _trawl_catalog_db_error (cat, "listing sightings", error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (deletes); i++)
    {
      g_autoptr(sqlite3_stmt) st = NULL;
      if (!_trawl_catalog_prepare (cat, deletes[i], &st, error))
        return FALSE;
      sqlite3_bind_int64 (st, 1, video_id);
      if (!_trawl_catalog_step_done (cat, st, "deleting a video's rows", error))
        return FALSE;
    }
  return TRUE;
}

gboolean
trawl_catalog_delete_video_rows (TrawlCatalog *cat, gint64 video_id, GArray **sighting_ids,
                                 GError **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gboolean own_txn;

  g_return_val_if_fail (cat != NULL, FALSE);
  if (!_trawl_catalog_check_writable (cat, error))
    return FALSE;
  own_txn = sqlite3_get_autocommit (cat->db);
  if (own_txn && !_trawl_catalog_exec (cat, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!delete_rows (cat, video_id, ids, error) ||
      (own_txn && !_trawl_catalog_exec (cat, "COMMIT", error)))
    {
      if (own_txn)
        sqlite3_exec (cat->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  if (sighting_ids != NULL)
    *sighting_ids = g_steal_pointer (&ids);
  return TRUE;
}

gboolean
trawl_catalog_reset_partial_videos (TrawlCatalog *cat, guint *n_reset, GError **error)
{
  g_autoptr(GArray) partial = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(sqlite3_stmt) sel = NULL;
  int rc;

  g_return_val_if_fail (cat != NULL, FALSE);
  if (!_trawl_catalog_check_writable (cat, error) ||
      !_trawl_catalog_prepare (cat, "SELECT id FROM videos WHERE status = 'indexing'", &sel,
                               error))
    return FALSE;
  while ((rc = sqlite3_step (sel)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (sel, 0);
      g_array_append_val (partial, id);
    }
  if (rc != SQLITE_DONE)
    return _trawl_catalog_db_error (cat, "finding partial videos", error);
  for (guint i = 0; i < partial->len; i++)
    {
      gint64 id = g_array_index (partial, gint64, i);
      g_info ("%s: video %" G_GINT64_FORMAT " was left partial; it will be redone",
              cat->dir, id);
      if (!trawl_catalog_delete_video_rows (cat, id, NULL, error) ||
          !trawl_catalog_set_video_status (cat, id, TRAWL_VIDEO_STATUS_PENDING, NULL, error))
        return FALSE;
    }
  if (n_reset != NULL)
    *n_reset = partial->len;
  return TRUE;
}

/* ---- per-video transactions ---- */

gboolean
trawl_catalog_begin_video (TrawlCatalog *cat, gint64 video_id, GError **error)
{
  g_return_val_if_fail (cat != NULL, FALSE);
  if (cat->txn_video != 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "%s: video %" G_GINT64_FORMAT " is still being indexed", cat->dir,
                   cat->txn_video);
      return FALSE;
    }
  if (!trawl_catalog_set_video_status (cat, video_id, TRAWL_VIDEO_STATUS_INDEXING, NULL, error) ||
      !_trawl_catalog_exec (cat, "BEGIN IMMEDIATE", error))
    return FALSE;
  cat->txn_video = video_id;
  return TRUE;
}

gboolean
trawl_catalog_commit_video (TrawlCatalog *cat, gint64 video_id, GError **error)
{
  g_return_val_if_fail (cat != NULL, FALSE);
  if (cat->txn_video != video_id)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "%s: no open transaction for video %" G_GINT64_FORMAT, cat->dir, video_id);
      return FALSE;
    }
  if (!trawl_catalog_set_video_status (cat, video_id, TRAWL_VIDEO_STATUS_DONE, NULL, error) ||
      !_trawl_catalog_exec (cat, "COMMIT", error))
    {
      sqlite3_exec (cat->db, "ROLLBACK", NULL, NULL, NULL);
      cat->txn_video = 0;
      return FALSE;
    }
  cat->txn_video = 0;
  return TRUE;
}

gboolean
trawl_catalog_rollback_video (TrawlCatalog *cat, gint64 video_id, const char *reason,
                              GError **error)
{
  g_return_val_if_fail (cat != NULL, FALSE);
  if (cat->txn_video != 0)
    {
      sqlite3_exec (cat->db, "ROLLBACK", NULL, NULL, NULL);
      cat->txn_video = 0;
    }
  return trawl_catalog_set_video_status (cat, video_id, TRAWL_VIDEO_STATUS_FAILED,
                                         reason != NULL ? reason : "cancelled", error);
}

/* ---- index runs ---- */

gboolean
trawl_catalog_begin_run (TrawlCatalog *cat, const char *command_line, const char *settings_json,
                         gint64 *run_id, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autofree char *now = _trawl_catalog_now_utc ();
  g_autofree char *settings = NULL;

  g_return_val_if_fail (cat != NULL && run_id != NULL, FALSE);
  settings = _trawl_catalog_canonical_json (settings_json != NULL ? settings_json : "{}", FALSE,
                                            error);
  if (settings == NULL || !_trawl_catalog_check_writable (cat, error) ||
      !_trawl_catalog_prepare (cat, "INSERT INTO index_runs(started_utc, command_line, settings) "
                                    "VALUES (?1, ?2, ?3)", &st, error))
    return FALSE;
  sqlite3_bind_text (st, 1, now, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, command_line, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 3, settings, -1, SQLITE_STATIC);
  if (!_trawl_catalog_step_done (cat, st, "recording a run", error))
    return FALSE;
  *run_id = sqlite3_last_insert_rowid (cat->db);
  return TRUE;
}

gboolean
trawl_catalog_finish_run (TrawlCatalog *cat, gint64 run_id, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autofree char *now = _trawl_catalog_now_utc ();

  g_return_val_if_fail (cat != NULL, FALSE);
  if (!_trawl_catalog_check_writable (cat, error) ||
      !_trawl_catalog_prepare (cat, "UPDATE index_runs SET finished_utc = ?1 WHERE id = ?2", &st,
                               error))
    return FALSE;
  sqlite3_bind_text (st, 1, now, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (st, 2, run_id);
  return _trawl_catalog_step_done (cat, st, "finishing a run", error);
}

gboolean
trawl_catalog_get_last_run (TrawlCatalog *cat, char **started, char **finished,
                            char **command_line, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  int rc;

  g_return_val_if_fail (cat != NULL && started && finished && command_line, FALSE);
  *started = *finished = *command_line = NULL;
  if (!_trawl_catalog_prepare (cat, "SELECT started_utc, finished_utc, command_line "
                                    "FROM index_runs ORDER BY id DESC LIMIT 1", &st, error))
    return FALSE;
  rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    {
      *started = _trawl_catalog_column_text (st, 0);
      *finished = _trawl_catalog_column_text (st, 1);
      *command_line = _trawl_catalog_column_text (st, 2);
    }
  else if (rc != SQLITE_DONE)
    return _trawl_catalog_db_error (cat, "reading index runs", error);
  return TRUE;
}

/* ---- vector file state ---- */

gboolean
trawl_catalog_set_vectors_state (TrawlCatalog *cat, TrawlKind kind, gint64 generation,
                                 gint64 n_vectors, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autofree char *now = _trawl_catalog_now_utc ();

  g_return_val_if_fail (cat != NULL, FALSE);
  if (!_trawl_catalog_check_writable (cat, error) ||
      !_trawl_catalog_prepare (cat, "INSERT OR REPLACE INTO vectors_state"
                                    "(kind, generation, n_vectors, updated_utc) "
                                    "VALUES (?1, ?2, ?3, ?4)", &st, error))
    return FALSE;
  sqlite3_bind_text (st, 1, trawl_kind_to_string (kind), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (st, 2, generation);
  sqlite3_bind_int64 (st, 3, n_vectors);
  sqlite3_bind_text (st, 4, now, -1, SQLITE_STATIC);
  return _trawl_catalog_step_done (cat, st, "recording the vector state", error);
}

gboolean
trawl_catalog_get_vectors_state (TrawlCatalog *cat, TrawlKind kind, gint64 *generation,
                                 gint64 *n_vectors, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  int rc;

  g_return_val_if_fail (cat != NULL && generation != NULL && n_vectors != NULL, FALSE);
  *generation = *n_vectors = 0;
  if (!_trawl_catalog_prepare (cat, "SELECT generation, n_vectors FROM vectors_state "
                                    "WHERE kind = ?1", &st, error))
    return FALSE;
  sqlite3_bind_text (st, 1, trawl_kind_to_string (kind), -1, SQLITE_STATIC);
  rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    {
      *generation = sqlite3_column_int64 (st, 0);
      *n_vectors = sqlite3_column_int64 (st, 1);
    }
  else if (rc != SQLITE_DONE)
    return _trawl_catalog_db_error (cat, "reading the vector state", error);
  return TRUE;
}
