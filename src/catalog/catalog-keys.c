/* catalog-keys.c - the case's evidence signing key, public half.
 *
 * src/evidence makes the Ed25519 key pair on first use and keeps the
 * private half in <case>/case.key; the catalog only records the public
 * half, once, so anyone holding the case can check an export's signature
 * against the key the case was given, not just the key the export carries.
 */
#include <string.h>

#include "catalog-private.h"

gboolean
trawl_catalog_get_signing_key (TrawlCatalog *cat, char **algorithm, char **public_hex,
                               GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  int rc;

  g_return_val_if_fail (cat != NULL, FALSE);
  if (algorithm != NULL)
    *algorithm = NULL;
  if (public_hex != NULL)
    *public_hex = NULL;
  if (cat->version < 2)
    return TRUE;  /* a catalog opened read-only before migration 2: no key yet */
  if (!_trawl_catalog_prepare (cat, "SELECT algorithm, public_key FROM signing_keys "
                                    "ORDER BY id DESC LIMIT 1", &st, error))
    return FALSE;
  rc = sqlite3_step (st);
  if (rc == SQLITE_ROW)
    {
      if (algorithm != NULL)
        *algorithm = _trawl_catalog_column_text (st, 0);
      if (public_hex != NULL)
        *public_hex = _trawl_catalog_column_text (st, 1);
    }
  else if (rc != SQLITE_DONE)
    return _trawl_catalog_db_error (cat, "reading the signing key", error);
  return TRUE;
}

gboolean
trawl_catalog_set_signing_key (TrawlCatalog *cat, const char *algorithm, const char *public_hex,
                               GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autofree char *old = NULL;
  g_autofree char *now = _trawl_catalog_now_utc ();

  g_return_val_if_fail (cat != NULL && algorithm != NULL && public_hex != NULL, FALSE);
  if (!_trawl_catalog_check_writable (cat, error))
    return FALSE;
  if (!trawl_catalog_get_signing_key (cat, NULL, &old, error))
    return FALSE;
  if (old != NULL)
    {
      if (strcmp (old, public_hex) == 0)
        return TRUE;
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "%s: the case already has a different signing key (%.16s...)",
                   cat->db_path, old);
      return FALSE;
    }
  if (!_trawl_catalog_prepare (cat, "INSERT INTO signing_keys(algorithm, public_key, "
                                    "created_utc) VALUES (?1, ?2, ?3)", &st, error))
    return FALSE;
  sqlite3_bind_text (st, 1, algorithm, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 2, public_hex, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 3, now, -1, SQLITE_STATIC);
  return _trawl_catalog_step_done (cat, st, "recording the signing key", error);
}
