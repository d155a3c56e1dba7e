/* evidence-case.c - how the evidence module reaches a case: the key file's
 * path, the folder name, the audit rows of exports, camera and video
 * records. Everything else in src/evidence goes through these functions,
 * so the file names come from src/case and the SQL from src/catalog.
 */
#include <trawl/case.h>
#include <string.h>

#include "evidence-private.h"

char *
_trawl_evidence_key_path (TrawlCatalog *cat)
{
  return g_build_filename (trawl_catalog_get_dir (cat), trawl_case_file_name (TRAWL_CASE_FILE_KEY),
                           NULL);
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

  return g_build_filename (dir, trawl_case_file_name (TRAWL_CASE_FILE_EXPORTS), name, NULL);
}

gboolean
_trawl_evidence_find_export_row (TrawlCatalog *cat, const char *manifest_sha256, gint64 *id,
                                 GError **error)
{
  return trawl_catalog_audit_find_latest (cat, TRAWL_EVIDENCE_AUDIT_ACTION, "$.manifest_sha256",
                                          manifest_sha256, id, error);
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
  g_autoptr(GPtrArray) details = trawl_catalog_audit_list_details (
    cat, TRAWL_EVIDENCE_AUDIT_ACTION, "$.subject.track_id", track_id, error);
  GPtrArray *out;

  if (details == NULL)
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  for (guint i = 0; i < details->len; i++)
    {
      JsonNode *n = json_from_string (details->pdata[i], NULL);
      if (n != NULL && JSON_NODE_HOLDS_OBJECT (n))
        g_ptr_array_add (out, n);
      else if (n != NULL)
        json_node_unref (n);
    }
  return out;
}
