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

static gboolean write_verified (TrawlCatalog *cat, gint64 id, const char *hash,
                                GError **error);

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
  /* The row extends a chain checked on open, so it is verified too. */
  if (cat->version >= 3 && !write_verified (cat, id, hash, error))
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
  if (cat->audit_damage != NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "%s; refusing to extend a broken audit log (see trawl audit %s)",
                   cat->audit_damage, cat->dir);
      return FALSE;
    }
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

/* Checks the rows after after_id, the first of which must link to
 * prev_hash. *n, *tail_id and *tail_hash (g_free) get the rows checked
 * and the last good row. FALSE with TRAWL_ERROR_CORRUPT naming the first
 * broken row (*bad_id), or another code on a database error. */
static gboolean
verify_after (TrawlCatalog *cat, gint64 after_id, const char *prev_hash, gint64 *n,
              gint64 *tail_id, char **tail_hash, gint64 *bad_id, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autofree char *expect_prev = g_strdup (prev_hash);
  int rc;

  *n = 0;
  *bad_id = 0;
  *tail_id = after_id;
  if (!_trawl_catalog_prepare (cat, "SELECT id, time_utc, user, action, details, prev_hash, hash "
                                    "FROM audit WHERE id > ?1 ORDER BY id", &st, error))
    return FALSE;
  sqlite3_bind_int64 (st, 1, after_id);
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
          *bad_id = id;
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                       "%s: audit log row %" G_GINT64_FORMAT " %s", cat->db_path, id, why);
          return FALSE;
        }
      g_free (expect_prev);
      expect_prev = g_strdup (f[5]);
      *tail_id = id;
      (*n)++;
    }
  if (rc != SQLITE_DONE)
    return _trawl_catalog_db_error (cat, "reading the audit log", error);
  *tail_hash = g_steal_pointer (&expect_prev);
  return TRUE;
}

/* Remembers why the chain is broken (appending is refused from then on). */
static void
set_damage (TrawlCatalog *cat, const GError *why)
{
  g_free (cat->audit_damage);
  cat->audit_damage = g_strdup (why->message);
}

static gboolean read_verified (TrawlCatalog *cat, gint64 *id, char **hash, GError **error);
static gboolean check_verified_row (TrawlCatalog *cat, gint64 id, const char *hash,
                                    GError **error);

/* The whole chain from the first row, and the last verified row still
 * there as it was (a chain cut short at its end still links up). */
gboolean
trawl_catalog_audit_verify (TrawlCatalog *cat, gint64 *n_rows, gint64 *first_bad_id,
                            GError **error)
{
  g_autofree char *tail_hash = NULL, *verified_hash = NULL;
  gint64 n = 0, tail = 0, bad = 0, verified = 0;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (cat != NULL, FALSE);
  if (first_bad_id != NULL)
    *first_bad_id = 0;
  if (!verify_after (cat, 0, GENESIS_HASH, &n, &tail, &tail_hash, &bad, &local)
      || !read_verified (cat, &verified, &verified_hash, &local)
      || (bad = verified, !check_verified_row (cat, verified, verified_hash, &local)))
    {
      if (g_error_matches (local, TRAWL_ERROR, TRAWL_ERROR_CORRUPT))
        set_damage (cat, local);
      if (first_bad_id != NULL)
        *first_bad_id = bad;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (n_rows != NULL)
    *n_rows = n;
  return TRUE;
}

const char *
trawl_catalog_audit_get_damage (TrawlCatalog *cat)
{
  g_return_val_if_fail (cat != NULL, NULL);
  return cat->audit_damage;
}

/* ---- the check on open ---- */

static gboolean
has_table (TrawlCatalog *cat, const char *name, gboolean *has, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  int rc;

  if (!_trawl_catalog_prepare (cat, "SELECT 1 FROM sqlite_master WHERE name = ?1", &st, error))
    return FALSE;
  sqlite3_bind_text (st, 1, name, -1, SQLITE_STATIC);
  rc = sqlite3_step (st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return _trawl_catalog_db_error (cat, "reading the schema", error);
  *has = rc == SQLITE_ROW;
  return TRUE;
}

/* The last verified row (id 0 and the genesis hash when none is recorded). */
static gboolean
read_verified (TrawlCatalog *cat, gint64 *id, char **hash, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  gboolean has = FALSE;
  int rc;

  *id = 0;
  *hash = g_strdup (GENESIS_HASH);
  if (!has_table (cat, "audit_verified", &has, error))
    return FALSE;
  if (!has)
    return TRUE;
  if (!_trawl_catalog_prepare (cat, "SELECT row_id, hash FROM audit_verified WHERE id = 1", &st,
                               error))
    return FALSE;
  rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    {
      *id = sqlite3_column_int64 (st, 0);
      g_free (*hash);
      *hash = _trawl_catalog_column_text (st, 1);
      return TRUE;
    }
  if (rc != SQLITE_DONE)
    return _trawl_catalog_db_error (cat, "reading the audit log", error);
  return TRUE;
}

/* Records the chain as verified up to row id (inside the caller's
 * transaction or savepoint). */
static gboolean
write_verified (TrawlCatalog *cat, gint64 id, const char *hash, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autofree char *now = _trawl_catalog_now_utc ();

  if (!_trawl_catalog_prepare (cat, "INSERT OR REPLACE INTO audit_verified(id, row_id, hash, "
                                    "verified_utc) VALUES (1, ?1, ?2, ?3)", &st, error))
    return FALSE;
  sqlite3_bind_int64 (st, 1, id);
  sqlite3_bind_text (st, 2, hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 3, now, -1, SQLITE_STATIC);
  return _trawl_catalog_step_done (cat, st, "recording the verified audit row", error);
}

/* Does the verified row still hold what it held when verified? Its own
 * hash is recomputed, so an edit of that row shows too. */
static gboolean
check_verified_row (TrawlCatalog *cat, gint64 id, const char *hash, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autofree char *again = NULL;
  const char *f[6];
  int rc;

  if (id == 0)
    return TRUE;
  if (!_trawl_catalog_prepare (cat, "SELECT time_utc, user, action, details, prev_hash, hash "
                                    "FROM audit WHERE id = ?1", &st, error))
    return FALSE;
  sqlite3_bind_int64 (st, 1, id);
  rc = sqlite3_step (st);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "%s: audit log row %" G_GINT64_FORMAT ", verified before, is gone (rows "
                   "were removed)", cat->db_path, id);
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    return _trawl_catalog_db_error (cat, "reading the audit log", error);
  for (int i = 0; i < 6; i++)
    {
      f[i] = (const char *) sqlite3_column_text (st, i);
      if (f[i] == NULL)
        f[i] = "";
    }
  again = row_hash (f[4], id, f[0], f[1], f[2], f[3]);
  if (strcmp (f[5], hash) != 0 || strcmp (again, hash) != 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "%s: audit log row %" G_GINT64_FORMAT " changed since it was verified",
                   cat->db_path, id);
      return FALSE;
    }
  return TRUE;
}

/* Both append-only triggers present? Without them anything could have
 * been edited, so the whole chain is checked. */
static gboolean
triggers_present (TrawlCatalog *cat, gboolean *present, GError **error)
{
  gint64 n = _trawl_catalog_count (cat, "SELECT count(*) FROM sqlite_master WHERE type = "
                                        "'trigger' AND tbl_name = 'audit' AND name IN "
                                        "('audit_no_update', 'audit_no_delete')", error);
  if (n < 0)
    return FALSE;
  *present = n == 2;
  return TRUE;
}

gboolean
_trawl_catalog_audit_open_check (TrawlCatalog *cat, GError **error)
{
  g_autofree char *from_hash = NULL, *tail_hash = NULL;
  g_autoptr(GError) local = NULL;
  gint64 from = 0, n = 0, tail = 0, bad = 0;
  gboolean triggers = FALSE;

  if (!triggers_present (cat, &triggers, error) || !read_verified (cat, &from, &from_hash, error))
    return FALSE;
  if (!triggers)
    {
      g_message ("%s: the audit log's append-only triggers were removed; checking the whole "
                 "chain%s", cat->db_path, cat->readonly ? "" : " and putting them back");
      if (!cat->readonly && !_trawl_catalog_exec (cat, _trawl_catalog_audit_triggers, error))
        return FALSE;
    }
  if (!check_verified_row (cat, from, from_hash, &local)
      || !verify_after (cat, triggers ? from : 0, triggers ? from_hash : GENESIS_HASH, &n, &tail,
                        &tail_hash, &bad, &local))
    {
      if (!g_error_matches (local, TRAWL_ERROR, TRAWL_ERROR_CORRUPT))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      set_damage (cat, local);
      return TRUE;
    }
  if (cat->readonly || (n == 0 && triggers))
    return TRUE;
  return write_verified (cat, tail, tail_hash, error);
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

void
trawl_audit_row_free (TrawlAuditRow *row)
{
  if (row == NULL)
    return;
  g_free (row->time_utc);
  g_free (row->user);
  g_free (row->action);
  g_free (row->details);
  g_free (row->prev_hash);
  g_free (row->hash);
  g_free (row);
}

GPtrArray *
trawl_catalog_audit_list (TrawlCatalog *cat, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) trawl_audit_row_free);
  int rc;

  g_return_val_if_fail (cat != NULL, NULL);
  if (!_trawl_catalog_prepare (cat, "SELECT id, time_utc, user, action, details, prev_hash, hash "
                                    "FROM audit ORDER BY id", &st, error))
    return NULL;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      TrawlAuditRow *r = g_new0 (TrawlAuditRow, 1);
      r->id = sqlite3_column_int64 (st, 0);
      r->time_utc = _trawl_catalog_column_text (st, 1);
      r->user = _trawl_catalog_column_text (st, 2);
      r->action = _trawl_catalog_column_text (st, 3);
      r->details = _trawl_catalog_column_text (st, 4);
      r->prev_hash = _trawl_catalog_column_text (st, 5);
      r->hash = _trawl_catalog_column_text (st, 6);
      g_ptr_array_add (out, r);
    }
  if (rc != SQLITE_DONE)
    {
      _trawl_catalog_db_error (cat, "reading the audit log", error);
      return NULL;
    }
  return g_steal_pointer (&out);
}
