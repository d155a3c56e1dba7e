/* catalog-check.c - what `trawl check` asks of the catalog besides SQLite's
 * own integrity check (catalog.c): rows that point at rows that are gone,
 * and how many vectors each vector file should hold; and the per-path
 * record of inputs that failed (failed_files, migration 3).
 */
#include "catalog-private.h"

/* ---- references ---- */

typedef struct {
  const char *sql;   /* ids of the offending rows */
  const char *what;  /* "<n> <what> (<ids>)" */
} RefCheck;

static const RefCheck ref_checks[] = {
  { "SELECT t.id FROM tracks t WHERE t.best_sighting_id IS NOT NULL AND t.best_sighting_id != 0 "
    "AND NOT EXISTS (SELECT 1 FROM sightings s WHERE s.id = t.best_sighting_id) ORDER BY t.id",
    "track(s) whose best sighting is gone: track" },
  { "SELECT s.id FROM sightings s WHERE s.track_id IS NOT NULL AND s.track_id != 0 "
    "AND NOT EXISTS (SELECT 1 FROM tracks t WHERE t.id = s.track_id) ORDER BY s.id",
    "sighting(s) whose track is gone: sighting" },
  { "SELECT t.id FROM tracks t WHERE NOT EXISTS (SELECT 1 FROM videos v WHERE v.id = t.video_id) "
    "ORDER BY t.id",
    "track(s) whose video is gone: track" },
  { "SELECT s.id FROM sightings s WHERE NOT EXISTS (SELECT 1 FROM videos v WHERE v.id = s.video_id) "
    "ORDER BY s.id",
    "sighting(s) whose video is gone: sighting" },
  { "SELECT h.sighting_id FROM thumbnails h WHERE NOT EXISTS (SELECT 1 FROM sightings s "
    "WHERE s.id = h.sighting_id) ORDER BY h.sighting_id",
    "thumbnail(s) whose sighting is gone: sighting" },
};

#define REF_IDS_SHOWN 10

static gboolean
run_ref_check (TrawlCatalog *cat, const RefCheck *rc_, GPtrArray *problems, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autoptr(GString) ids = g_string_new (NULL);
  gint64 n = 0;
  int rc;

  if (!_trawl_catalog_prepare (cat, rc_->sql, &st, error))
    return FALSE;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      if (n < REF_IDS_SHOWN)
        g_string_append_printf (ids, "%s%" G_GINT64_FORMAT, n > 0 ? ", " : " ",
                                (gint64) sqlite3_column_int64 (st, 0));
      else if (n == REF_IDS_SHOWN)
        g_string_append (ids, ", ...");
      n++;
    }
  if (rc != SQLITE_DONE)
    return _trawl_catalog_db_error (cat, "checking references", error);
  if (n > 0)
    g_ptr_array_add (problems, g_strdup_printf ("%s: %" G_GINT64_FORMAT " %s%s", cat->db_path, n,
                                                rc_->what, ids->str));
  return TRUE;
}

gboolean
trawl_catalog_check_references (TrawlCatalog *cat, GPtrArray *problems, GError **error)
{
  g_return_val_if_fail (cat != NULL && problems != NULL, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (ref_checks); i++)
    if (!run_ref_check (cat, &ref_checks[i], problems, error))
      return FALSE;
  return TRUE;
}

gint64
trawl_catalog_count_embeddings (TrawlCatalog *cat, TrawlKind kind, int dim, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;

  g_return_val_if_fail (cat != NULL && dim > 0, -1);
  if (!_trawl_catalog_prepare (cat, "SELECT count(*) FROM sightings WHERE kind = ?1 AND "
                                    "length(embedding) = ?2", &st, error))
    return -1;
  sqlite3_bind_text (st, 1, trawl_kind_to_string (kind), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (st, 2, (gint64) dim * (gint64) sizeof (float));
  if (sqlite3_step (st) != SQLITE_ROW)
    {
      _trawl_catalog_db_error (cat, "counting embeddings", error);
      return -1;
    }
  return sqlite3_column_int64 (st, 0);
}

/* ---- failed inputs, one row per path ---- */

gboolean
trawl_catalog_record_failed_file (TrawlCatalog *cat, const char *path, const char *reason,
                                  GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autofree char *now = _trawl_catalog_now_utc ();

  g_return_val_if_fail (cat != NULL && path != NULL && reason != NULL, FALSE);
  if (!_trawl_catalog_check_writable (cat, error)
      || !_trawl_catalog_prepare (cat, "INSERT OR REPLACE INTO failed_files(path, error, "
                                       "failed_utc) VALUES (?1, ?2, ?3)", &st, error))
    return FALSE;
  sqlite3_bind_text (st, 1, path, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, reason, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 3, now, -1, SQLITE_STATIC);
  return _trawl_catalog_step_done (cat, st, "recording a failed file", error);
}

gboolean
trawl_catalog_clear_failed_file (TrawlCatalog *cat, const char *path, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;

  g_return_val_if_fail (cat != NULL && path != NULL, FALSE);
  if (!_trawl_catalog_check_writable (cat, error)
      || !_trawl_catalog_prepare (cat, "DELETE FROM failed_files WHERE path = ?1", &st, error))
    return FALSE;
  sqlite3_bind_text (st, 1, path, -1, SQLITE_STATIC);
  return _trawl_catalog_step_done (cat, st, "clearing a failed file", error);
}

void
trawl_failed_file_free (TrawlFailedFile *f)
{
  if (f == NULL)
    return;
  g_free (f->path);
  g_free (f->error);
  g_free (f);
}

/* Catalogs before migration 3 kept failures on the video row only: those
 * are listed too, under the path that row carries. */
#define FAILED_SQL_V3                                                                      \
  "SELECT path, error FROM failed_files UNION ALL "                                        \
  "SELECT path, coalesce(error, '') FROM videos WHERE status = 'failed' AND path NOT IN "  \
  "(SELECT path FROM failed_files) ORDER BY 1"
#define FAILED_SQL_OLD \
  "SELECT path, coalesce(error, '') FROM videos WHERE status = 'failed' ORDER BY 1"

GPtrArray *
trawl_catalog_list_failed_files (TrawlCatalog *cat, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) trawl_failed_file_free);
  int rc;

  g_return_val_if_fail (cat != NULL, NULL);
  if (!_trawl_catalog_prepare (cat, cat->version >= 3 ? FAILED_SQL_V3 : FAILED_SQL_OLD, &st,
                               error))
    return NULL;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      TrawlFailedFile *f = g_new0 (TrawlFailedFile, 1);
      f->path = _trawl_catalog_column_text (st, 0);
      f->error = _trawl_catalog_column_text (st, 1);
      g_ptr_array_add (out, f);
    }
  if (rc != SQLITE_DONE)
    {
      _trawl_catalog_db_error (cat, "listing failed files", error);
      return NULL;
    }
  return g_steal_pointer (&out);
}
