/* evidence-case.c - how the evidence module reaches a case: the key file's
 * path, the folder name, the audit rows of exports, camera and video
 * records. Everything else in src/evidence goes through these functions,
 * so moving to the TrawlCase object (src/case) touches only this file.
 */
#include <sqlite3.h>
#include <string.h>

#include "evidence-private.h"

char *
_trawl_evidence_key_path (TrawlCatalog *cat)
{
  return g_build_filename (trawl_catalog_get_dir (cat), "case.key", NULL);
}

char *
_trawl_evidence_case_dir (TrawlCatalog *cat)
{
  return g_canonicalize_filename (trawl_catalog_get_dir (cat), NULL);
}

char *
_trawl_evidence_default_out (TrawlCatalog *cat, JsonNode *subject)
{
  JsonObject *o = json_node_get_object (subject);
  const char *type = json_object_get_string_member_with_default (o, "type", "export");
  g_autofree char *id_key = g_strdup_printf ("%s_id", type);
  gint64 id = json_object_get_int_member_with_default (o, id_key, 0);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  g_autofree char *name = id > 0 ? g_strdup_printf ("%s-%" G_GINT64_FORMAT "-%s", type, id, stamp)
                                 : g_strdup_printf ("%s-%s", type, stamp);
  g_autofree char *dir = _trawl_evidence_case_dir (cat);

  return g_build_filename (dir, "exports", name, NULL);
}

gboolean
_trawl_evidence_find_export_row (TrawlCatalog *cat, const char *manifest_sha256, gint64 *id,
                                 GError **error)
{
  sqlite3 *db = trawl_catalog_get_db (cat);
  sqlite3_stmt *st = NULL;
  int rc;

  *id = 0;
  rc = sqlite3_prepare_v2 (db, "SELECT id FROM audit WHERE action = ?1 AND "
                               "json_extract(details, '$.manifest_sha256') = ?2 "
                               "ORDER BY id DESC LIMIT 1", -1, &st, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (st, 1, TRAWL_EVIDENCE_AUDIT_ACTION, -1, SQLITE_STATIC);
      sqlite3_bind_text (st, 2, manifest_sha256, -1, SQLITE_STATIC);
      rc = sqlite3_step (st);
      if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64 (st, 0);
    }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "%s: reading the audit log: %s",
                 trawl_catalog_get_dir (cat), sqlite3_errmsg (db));
  sqlite3_finalize (st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

TrawlCamera *
_trawl_evidence_get_camera (TrawlCatalog *cat, gint64 id, GError **error)
{
  g_autoptr(GPtrArray) cams = trawl_catalog_list_cameras (cat, error);

  if (cams == NULL)
    return NULL;
  for (guint i = 0; i < cams->len; i++)
    {
      TrawlCamera *c = g_ptr_array_index (cams, i);
      if (c->id == id)
        return g_ptr_array_steal_index (cams, i);
    }
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND, "camera %" G_GINT64_FORMAT
               " is not in the case", id);
  return NULL;
}

TrawlCatalogVideo *
_trawl_evidence_get_video (TrawlCatalog *cat, gint64 id, GError **error)
{
  TrawlCatalogVideo *v = NULL;

  if (!trawl_catalog_get_video (cat, id, &v, error))
    return NULL;
  if (v == NULL)
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND, "video %" G_GINT64_FORMAT
                 " is not in the case", id);
  return v;
}

GPtrArray *
_trawl_evidence_exports_of_track (TrawlCatalog *cat, gint64 track_id, GError **error)
{
  sqlite3 *db = trawl_catalog_get_db (cat);
  sqlite3_stmt *st = NULL;
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  int rc;

  rc = sqlite3_prepare_v2 (db, "SELECT details FROM audit WHERE action = ?1 AND "
                               "json_extract(details, '$.subject.track_id') = ?2 ORDER BY id",
                           -1, &st, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_bind_text (st, 1, TRAWL_EVIDENCE_AUDIT_ACTION, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (st, 2, track_id);
      while ((rc = sqlite3_step (st)) == SQLITE_ROW)
        {
          JsonNode *n = json_from_string ((const char *) sqlite3_column_text (st, 0), NULL);
          if (n != NULL && JSON_NODE_HOLDS_OBJECT (n))
            g_ptr_array_add (out, n);
          else if (n != NULL)
            json_node_unref (n);
        }
    }
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "%s: reading the audit log: %s",
                   trawl_catalog_get_dir (cat), sqlite3_errmsg (db));
      g_clear_pointer (&out, g_ptr_array_unref);
    }
  sqlite3_finalize (st);
  return out;
}
