/* audit.c - the case's append-only, hash-chained audit log.
 *
 * Each row carries prev_hash (the previous row's hash; 64 zeros for the
 * first) and hash = SHA-256 (prev_hash || canonical row text), in lower-case
 * hex. The canonical text is every field as "<byte length>:<bytes>\n" in the
 * order id, time_utc, user, action, details, so no field can leak into its
 * neighbour. details is stored in json-glib's compact form, which is what
 * gets hashed. Triggers (catalog-schema.c) refuse UPDATE and DELETE; editing
 * the file by other means breaks the chain at the edited row, which
 * trawl_catalog_audit_verify reports. Cutting rows off the end leaves a
 * valid shorter chain: exports record the row count and last hash for that.
 */
#include <string.h>

#include "catalog-private.h"

#define GENESIS_HASH "0000000000000000000000000000000000000000000000000000000000000000"

static void
append_field (GString *s, const char *v)
{
  g_string_append_printf (s, "%zu:%s\n", strlen (v), v);
}

static char *
row_hash (const char *prev_hash, gint64 id, const char *time_utc, const char *user,
          const char *action, const char *details)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  char idbuf[32];

  g_snprintf (idbuf, sizeof idbuf, "%" G_GINT64_FORMAT, id);
  append_field (text, idbuf);
  append_field (text, time_utc);
  append_field (text, user);
  append_field (text, action);
  append_field (text, details);
  g_checksum_update (sum, (const guchar *) prev_hash, (gssize) strlen (prev_hash));
  g_checksum_update (sum, (const guchar *) text->str, (gssize) text->len);
  return g_strdup (g_checksum_get_string (sum));
}

/* The last row's id and hash (0 and the genesis hash when empty). */
static gboolean
chain_tail (TrawlCatalog *cat, gint64 *id, char **hash, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  int rc;

  if (!_trawl_catalog_prepare (cat, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1", &st,
                               error))
    return FALSE;
  rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    {
      *id = sqlite3_column_int64 (st, 0);
      *hash = _trawl_catalog_column_text (st, 1);
      return TRUE;
    }
  if (rc != SQLITE_DONE)
    return _trawl_catalog_db_error (cat, "reading the audit log", error);
  *id = 0;
  *hash = g_strdup (GENESIS_HASH);
  return TRUE;
}

static gboolean
insert_row (TrawlCatalog *cat, const char *user, const char *action, const char *details,
            gint64 *out_id, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autofree char *prev = NULL, *hash = NULL;
  g_autofree char *now = _trawl_catalog_now_utc ();
  gint64 id = 0;

  if (!chain_tail (cat, &id, &prev, error))
    return FALSE;
  id++;
  hash = row_hash (prev, id, now, user, action, details);
  if (!_trawl_catalog_prepare (cat, "INSERT INTO audit(id, time_utc, user, action, details, "
                                    "prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                               &st, error))
    return FALSE;
  sqlite3_bind_int64 (st, 1, id);
  sqlite3_bind_text (st, 2, now, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 3, user, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 4, action, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 5, details, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 6, prev, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 7, hash, -1, SQLITE_STATIC);
  if (!_trawl_catalog_step_done (cat, st, "appending to the audit log", error))
    return FALSE;
  if (out_id != NULL)
    *out_id = id;
  return TRUE;
}

gboolean
trawl_catalog_audit_append (TrawlCatalog *cat, const char *user, const char *action,
                            const char *details_json, gint64 *id, GError **error)
{
  g_autofree char *details = NULL;

  g_return_val_if_fail (cat != NULL && action != NULL, FALSE);
  if (!_trawl_catalog_check_writable (cat, error))
    return FALSE;
  details = _trawl_catalog_canonical_json (details_json != NULL ? details_json : "{}", FALSE,
                                           error);
  if (details == NULL)
    {
      g_prefix_error (error, "audit details: ");
      return FALSE;
    }
  if (user == NULL)
    user = g_get_user_name ();
  /* A savepoint works inside a video transaction and alone: reading the
   * tail and inserting must not interleave with another writer. */
  if (!_trawl_catalog_exec (cat, "SAVEPOINT audit_append", error))
    return FALSE;
  if (!insert_row (cat, user, action, details, id, error))
    {
      sqlite3_exec (cat->db, "ROLLBACK TO audit_append; RELEASE audit_append", NULL, NULL, NULL);
      return FALSE;
    }
  return _trawl_catalog_exec (cat, "RELEASE audit_append", error);
}

gboolean
trawl_catalog_audit_verify (TrawlCatalog *cat, gint64 *n_rows, gint64 *first_bad_id,
                            GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autofree char *expect_prev = g_strdup (GENESIS_HASH);
  gint64 n = 0;
  int rc;

  g_return_val_if_fail (cat != NULL, FALSE);
  if (first_bad_id != NULL)
    *first_bad_id = 0;
  if (!_trawl_catalog_prepare (cat, "SELECT id, time_utc, user, action, details, prev_hash, hash "
                                    "FROM audit ORDER BY id", &st, error))
    return FALSE;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (st, 0);
      const char *f[6];
      g_autofree char *hash = NULL;
      const char *why = NULL;

      for (int i = 0; i < 6; i++)
        {
          f[i] = (const char *) sqlite3_column_text (st, i + 1);
          if (f[i] == NULL)
            f[i] = "";
        }
      hash = row_hash (f[4], id, f[0], f[1], f[2], f[3]);
      if (strcmp (f[4], expect_prev) != 0)
        why = "does not link to the row before it (a row was removed, inserted or edited)";
      else if (strcmp (f[5], hash) != 0)
        why = "does not match its hash (its content was edited)";
      if (why != NULL)
        {
          if (first_bad_id != NULL)
            *first_bad_id = id;
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                       "%s: audit log row %" G_GINT64_FORMAT " %s", cat->db_path, id, why);
          return FALSE;
        }
      g_free (expect_prev);
      expect_prev = g_strdup (f[5]);
      n++;
    }
  if (rc != SQLITE_DONE)
    return _trawl_catalog_db_error (cat, "reading the audit log", error);
  if (n_rows != NULL)
    *n_rows = n;
  return TRUE;
}

/* ---- queries ---- */

gboolean
trawl_catalog_audit_find_latest (TrawlCatalog *cat, const char *action, const char *json_path,
                                 const char *value, gint64 *id, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  int rc;

  g_return_val_if_fail (cat != NULL && action && json_path && value && id, FALSE);
  *id = 0;
  if (!_trawl_catalog_prepare (cat, "SELECT id FROM audit WHERE action = ?1 AND "
                                    "json_extract(details, ?2) = ?3 ORDER BY id DESC LIMIT 1",
                               &st, error))
    return FALSE;
  sqlite3_bind_text (st, 1, action, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 2, json_path, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 3, value, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    *id = sqlite3_column_int64 (st, 0);
  else if (rc != SQLITE_DONE)
    return _trawl_catalog_db_error (cat, "reading the audit log", error);
  return TRUE;
}

GPtrArray *
trawl_catalog_audit_list_details (TrawlCatalog *cat, const char *action, const char *json_path,
                                  gint64 value, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  int rc;

  g_return_val_if_fail (cat != NULL && action && json_path, NULL);
  if (!_trawl_catalog_prepare (cat, "SELECT details FROM audit WHERE action = ?1 AND "
                                    "json_extract(details, ?2) = ?3 ORDER BY id", &st, error))
    return NULL;
  sqlite3_bind_text (st, 1, action, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (st, 2, json_path, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (st, 3, value);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    g_ptr_array_add (out, _trawl_catalog_column_text (st, 0));
  if (rc != SQLITE_DONE)
    {
      _trawl_catalog_db_error (cat, "reading the audit log", error);
      return NULL;
    }
  return g_steal_pointer (&out);
}
