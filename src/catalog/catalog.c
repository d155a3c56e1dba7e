/* catalog.c - open a case directory: lock it, open its SQLite catalog in WAL
 * mode, apply migrations; plus the SQLite helpers the other catalog files
 * share.
 *
 * The lock: <case>/.lock, flock(LOCK_EX|LOCK_NB) held for the catalog's
 * life, with the holder's pid written inside so a second opener can say who
 * holds it. flock locks belong to the open file description, so a second
 * open in the same process is refused too, and the kernel drops the lock
 * when the process dies (no stale lock files to clean up).
 *
 * Records, queries and the audit chain live in catalog-videos.c,
 * catalog-tracks.c and audit.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "catalog-private.h"

/* ---- helpers shared by the catalog files ---- */

gboolean
_trawl_catalog_db_error (TrawlCatalog *cat, const char *what, GError **error)
{
  int rc = sqlite3_errcode (cat->db) & 0xff;
  int code = TRAWL_ERROR_FAILED;

  if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
    code = TRAWL_ERROR_CORRUPT;
  else if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
    code = TRAWL_ERROR_BUSY;
  else if (rc == SQLITE_CONSTRAINT)
    code = TRAWL_ERROR_INVALID_ARG;
  g_set_error (error, TRAWL_ERROR, code, "%s: %s: %s", cat->db_path, what,
               sqlite3_errmsg (cat->db));
  return FALSE;
}

gboolean
_trawl_catalog_exec (TrawlCatalog *cat, const char *sql, GError **error)
{
  if (sqlite3_exec (cat->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return _trawl_catalog_db_error (cat, "executing SQL", error);
  return TRUE;
}

gboolean
_trawl_catalog_prepare (TrawlCatalog *cat, const char *sql, sqlite3_stmt **stmt,
                        GError **error)
{
  if (sqlite3_prepare_v2 (cat->db, sql, -1, stmt, NULL) != SQLITE_OK)
    {
      *stmt = NULL;
      return _trawl_catalog_db_error (cat, "preparing a query", error);
    }
  return TRUE;
}

gboolean
_trawl_catalog_step_done (TrawlCatalog *cat, sqlite3_stmt *stmt, const char *what,
                          GError **error)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return _trawl_catalog_db_error (cat, what, error);
  return TRUE;
}

gboolean
_trawl_catalog_check_writable (TrawlCatalog *cat, GError **error)
{
  if (cat->readonly)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "%s: the catalog was opened read-only", cat->dir);
      return FALSE;
    }
  return TRUE;
}

char *
_trawl_catalog_now_utc (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%S.%fZ");
}

void
_trawl_catalog_bind_real (sqlite3_stmt *stmt, int idx, double v)
{
  if (isnan (v))
    sqlite3_bind_null (stmt, idx);
  else
    sqlite3_bind_double (stmt, idx, v);
}

double
_trawl_catalog_column_real (sqlite3_stmt *stmt, int col)
{
  return sqlite3_column_type (stmt, col) == SQLITE_NULL ? NAN : sqlite3_column_double (stmt, col);
}

char *
_trawl_catalog_column_text (sqlite3_stmt *stmt, int col)
{
  const unsigned char *t = sqlite3_column_text (stmt, col);
  return t != NULL ? g_strdup ((const char *) t) : NULL;
}

char *
_trawl_catalog_canonical_json (const char *json, gboolean allow_null, GError **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(JsonGenerator) gen = NULL;
  g_autoptr(GError) local = NULL;

  if (json == NULL)
    {
      if (!allow_null)
        g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "missing JSON value");
      return NULL;
    }
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, json, -1, &local) || json_parser_get_root (parser) == NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "invalid JSON: %s",
                   local != NULL ? local->message : "empty");
      return NULL;
    }
  gen = json_generator_new ();
  json_generator_set_root (gen, json_parser_get_root (parser));
  return json_generator_to_data (gen, NULL);
}

gint64
_trawl_catalog_count (TrawlCatalog *cat, const char *sql, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;

  if (!_trawl_catalog_prepare (cat, sql, &st, error))
    return -1;
  if (sqlite3_step (st) != SQLITE_ROW)
    {
      _trawl_catalog_db_error (cat, "counting", error);
      return -1;
    }
  return sqlite3_column_int64 (st, 0);
}

/* ---- the lock ---- */

static gboolean
take_lock (TrawlCatalog *cat, GError **error)
{
  g_autofree char *path = g_build_filename (cat->dir, ".lock", NULL);
  char buf[32];
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "%s: cannot open: %s", path,
                   g_strerror (e));
      return FALSE;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int e = errno;
      ssize_t n = pread (fd, buf, sizeof buf - 1, 0);
      buf[n > 0 ? n : 0] = '\0';
      g_strstrip (buf);
      close (fd);
      if (e == EWOULDBLOCK)
        g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_BUSY,
                     "case %s is in use by another trawl process (pid %s); wait for it to "
                     "finish or stop it", cat->dir, buf[0] != '\0' ? buf : "unknown");
      else
        g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "%s: cannot lock: %s", path,
                     g_strerror (e));
      return FALSE;
    }
  /* Only the holder writes the pid, so a reader of a held lock sees it whole. */
  g_snprintf (buf, sizeof buf, "%d\n", (int) getpid ());
  if (ftruncate (fd, 0) != 0 || pwrite (fd, buf, strlen (buf), 0) < 0)
    g_debug ("%s: cannot record the pid", path);  /* the lock itself holds */
  cat->lock_fd = fd;
  return TRUE;
}

/* ---- migrations ---- */

static int
read_version (TrawlCatalog *cat, GError **error)
{
  gint64 has = _trawl_catalog_count (cat,
    "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='migrations'", error);
  if (has <= 0)
    return has < 0 ? -1 : 0;
  return (int) _trawl_catalog_count (cat, "SELECT coalesce(max(version),0) FROM migrations",
                                     error);
}

static gboolean
apply_migration (TrawlCatalog *cat, const TrawlMigration *m, GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  g_autofree char *now = _trawl_catalog_now_utc ();
  g_autofree char *pragma = g_strdup_printf ("PRAGMA user_version=%d", m->version);

  if (!_trawl_catalog_exec (cat, m->sql, error) ||
      !_trawl_catalog_prepare (cat, "INSERT INTO migrations(version, applied_utc, description) "
                                    "VALUES (?1, ?2, ?3)", &st, error))
    return FALSE;
  sqlite3_bind_int (st, 1, m->version);
  sqlite3_bind_text (st, 2, now, -1, SQLITE_STATIC);
  sqlite3_bind_text (st, 3, m->description, -1, SQLITE_STATIC);
  return _trawl_catalog_step_done (cat, st, "recording a migration", error) &&
         _trawl_catalog_exec (cat, pragma, error);
}

/* Brings the schema to TRAWL_CATALOG_SCHEMA_VERSION; one transaction for all,
 * so a half-migrated catalog never exists. */
static gboolean
migrate (TrawlCatalog *cat, GError **error)
{
  int version;

  g_assert (_trawl_catalog_migrations[_trawl_catalog_n_migrations - 1].version ==
            TRAWL_CATALOG_SCHEMA_VERSION);
  /* Off while migrating (it cannot change inside a transaction): a table
   * rebuilt by a migration (4) is dropped and renamed, which foreign keys
   * would refuse although the copy keeps every id. */
  if (!_trawl_catalog_exec (cat, "PRAGMA foreign_keys=OFF; BEGIN IMMEDIATE", error))
    return FALSE;
  if (!_trawl_catalog_exec (cat, "CREATE TABLE IF NOT EXISTS migrations ("
                                 "version INTEGER PRIMARY KEY, applied_utc TEXT NOT NULL, "
                                 "description TEXT)", error) ||
      (version = read_version (cat, error)) < 0)
    goto fail;
  if (version > TRAWL_CATALOG_SCHEMA_VERSION)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "%s: schema version %d is newer than this trawl understands (%d)",
                   cat->db_path, version, TRAWL_CATALOG_SCHEMA_VERSION);
      goto fail;
    }
  for (guint i = 0; i < _trawl_catalog_n_migrations; i++)
    if (_trawl_catalog_migrations[i].version > version &&
        !apply_migration (cat, &_trawl_catalog_migrations[i], error))
      {
        g_prefix_error (error, "migration %d: ", _trawl_catalog_migrations[i].version);
        goto fail;
      }
  if (!_trawl_catalog_exec (cat, "COMMIT; PRAGMA foreign_keys=ON", error))
    goto fail;
  cat->version = TRAWL_CATALOG_SCHEMA_VERSION;
  return TRUE;

fail:
  sqlite3_exec (cat->db, "ROLLBACK; PRAGMA foreign_keys=ON", NULL, NULL, NULL);
  return FALSE;
}

/* ---- integrity ---- */

gboolean
trawl_catalog_check_integrity (TrawlCatalog *cat, gboolean quick, GPtrArray *problems,
                               GError **error)
{
  g_autoptr(sqlite3_stmt) st = NULL;
  int rc;

  g_return_val_if_fail (cat != NULL && problems != NULL, FALSE);
  if (!_trawl_catalog_prepare (cat, quick ? "PRAGMA quick_check" : "PRAGMA integrity_check",
                               &st, error))
    return FALSE;
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      const char *line = (const char *) sqlite3_column_text (st, 0);
      if (g_strcmp0 (line, "ok") != 0)
        g_ptr_array_add (problems, g_strdup_printf ("%s: damaged: %s", cat->db_path,
                                                    line != NULL ? line : "?"));
    }
  /* A page too damaged to read ends the walk with SQLITE_CORRUPT: that is
   * a finding, not a failure to look. */
  if (rc != SQLITE_DONE)
    {
      if ((sqlite3_errcode (cat->db) & 0xff) != SQLITE_CORRUPT
          && (sqlite3_errcode (cat->db) & 0xff) != SQLITE_NOTADB)
        return _trawl_catalog_db_error (cat, "checking the catalog", error);
      g_ptr_array_add (problems, g_strdup_printf ("%s: damaged: %s", cat->db_path,
                                                  sqlite3_errmsg (cat->db)));
    }
  return TRUE;
}

/* Writers look before they write: new rows on damaged pages would spread
 * the damage. PRAGMA quick_check skips the index-content cross-check, so
 * it costs one read of the file. */
static gboolean
quick_check (TrawlCatalog *cat, GError **error)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);

  if (!trawl_catalog_check_integrity (cat, TRUE, problems, error))
    return FALSE;
  if (problems->len == 0)
    return TRUE;
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
               "%s; refusing to write to a damaged catalog (trawl check %s lists what is wrong)",
               (char *) problems->pdata[0], cat->dir);
  return FALSE;
}

/* ---- open/close ---- */

static gboolean
make_dirs (TrawlCatalog *cat, gboolean create, GError **error)
{
  const char *subdirs[] = { "thumbs", "exports" };

  if (!g_file_test (cat->dir, G_FILE_TEST_IS_DIR))
    {
      if (!create)
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND,
                       "%s: no such case directory", cat->dir);
          return FALSE;
        }
      if (g_mkdir_with_parents (cat->dir, 0755) != 0)
        {
          int e = errno;
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "%s: cannot create: %s",
                       cat->dir, g_strerror (e));
          return FALSE;
        }
    }
  if (!create)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *d = g_build_filename (cat->dir, subdirs[i], NULL);
      if (g_mkdir_with_parents (d, 0755) != 0)
        {
          int e = errno;
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "%s: cannot create: %s", d,
                       g_strerror (e));
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
open_db (TrawlCatalog *cat, TrawlCatalogFlags flags, GError **error)
{
  int oflags = SQLITE_OPEN_NOMUTEX;
  gboolean exists = g_file_test (cat->db_path, G_FILE_TEST_EXISTS);

  if (!exists && !(flags & TRAWL_CATALOG_CREATE))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND,
                   "%s: not a trawl case (no catalog.sqlite); create it with trawl index",
                   cat->dir);
      return FALSE;
    }
  oflags |= cat->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2 (cat->db_path, &cat->db, oflags, NULL) != SQLITE_OK)
    return _trawl_catalog_db_error (cat, "cannot open", error);
  sqlite3_extended_result_codes (cat->db, 1);
  sqlite3_busy_timeout (cat->db, 5000);
  /* FULL: a committed video or audit row survives a power cut. */
  if (!_trawl_catalog_exec (cat, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL", error))
    return FALSE;
  /* Search reads hundreds of scattered rows a query (sightings to tracks):
   * reading them through a memory map and a 32 MiB page cache instead of
   * a read() each and SQLite's 8 MiB default. Address space, not memory. */
  if (!_trawl_catalog_exec (cat, "PRAGMA mmap_size=1073741824; PRAGMA cache_size=-32768", error))
    return FALSE;
  if (!cat->readonly)
    {
      g_autoptr(sqlite3_stmt) st = NULL;
      if (!_trawl_catalog_prepare (cat, "PRAGMA journal_mode=WAL", &st, error))
        return FALSE;
      if (sqlite3_step (st) != SQLITE_ROW)
        return _trawl_catalog_db_error (cat, "enabling WAL", error);
      g_clear_pointer (&st, sqlite3_finalize);  /* COMMIT waits for open statements */
      return quick_check (cat, error) && migrate (cat, error)
             && _trawl_catalog_audit_open_check (cat, error);
    }
  cat->version = read_version (cat, error);
  if (cat->version <= 0)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT, "%s: not a trawl catalog",
                     cat->db_path);
      return FALSE;
    }
  return _trawl_catalog_audit_open_check (cat, error);
}

TrawlCatalog *
trawl_catalog_open (const char *dir, TrawlCatalogFlags flags, GError **error)
{
  g_autoptr(TrawlCatalog) cat = NULL;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  g_return_val_if_fail (!((flags & TRAWL_CATALOG_CREATE) && (flags & TRAWL_CATALOG_READONLY)),
                        NULL);

  cat = g_new0 (TrawlCatalog, 1);
  cat->dir = g_strdup (dir);
  cat->db_path = g_build_filename (dir, "catalog.sqlite", NULL);
  cat->lock_fd = -1;
  cat->readonly = (flags & TRAWL_CATALOG_READONLY) != 0;
  if (!make_dirs (cat, (flags & TRAWL_CATALOG_CREATE) != 0, error))
    return NULL;
  if (!cat->readonly && !take_lock (cat, error))
    return NULL;
  if (!open_db (cat, flags, error))
    return NULL;
  return g_steal_pointer (&cat);
}

void
trawl_catalog_close (TrawlCatalog *cat)
{
  if (cat == NULL)
    return;
  if (cat->txn_video != 0)
    sqlite3_exec (cat->db, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close_v2 (cat->db);  /* NULL is a no-op */
  if (cat->lock_fd >= 0)
    {
      /* Forget the pid while still holding the lock, so that no reader
       * takes this process, still alive, for a writer. */
      if (ftruncate (cat->lock_fd, 0) != 0)
        g_debug ("%s: cannot clear the lock file", cat->dir);
      close (cat->lock_fd);  /* releases the flock */
    }
  g_free (cat->audit_damage);
  g_free (cat->db_path);
  g_free (cat->dir);
  g_free (cat);
}

const char *
trawl_catalog_get_dir (TrawlCatalog *cat)
{
  g_return_val_if_fail (cat != NULL, NULL);
  return cat->dir;
}

int
trawl_catalog_get_schema_version (TrawlCatalog *cat)
{
  g_return_val_if_fail (cat != NULL, 0);
  return cat->version;
}

gint64
trawl_catalog_get_open_video (TrawlCatalog *cat)
{
  g_return_val_if_fail (cat != NULL, 0);
  return cat->txn_video;
}

const char *
trawl_catalog_sqlite_version (void)
{
  return sqlite3_libversion ();
}

const char *
trawl_kind_to_string (TrawlKind kind)
{
  switch (kind)
    {
    case TRAWL_KIND_FACE: return "face";
    case TRAWL_KIND_PLATE: return "plate";
    default: return "unknown";
    }
}

TrawlKind
trawl_kind_from_string (const char *str)
{
  if (g_strcmp0 (str, "face") == 0) return TRAWL_KIND_FACE;
  if (g_strcmp0 (str, "plate") == 0) return TRAWL_KIND_PLATE;
  return 0;
}

const char *
trawl_video_status_to_string (TrawlVideoStatus status)
{
  switch (status)
    {
    case TRAWL_VIDEO_STATUS_PENDING: return "pending";
    case TRAWL_VIDEO_STATUS_INDEXING: return "indexing";
    case TRAWL_VIDEO_STATUS_DONE: return "done";
    case TRAWL_VIDEO_STATUS_FAILED: return "failed";
    default: return "pending";
    }
}
