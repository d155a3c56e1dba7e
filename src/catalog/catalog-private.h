/* catalog-private.h - the catalog struct and SQLite helpers shared by the
 * files of src/catalog (catalog.c: open/lock/migrate; catalog-videos.c:
 * cameras, videos, runs, transactions; catalog-tracks.c: tracks, sightings,
 * queries; audit.c: the hash chain).
 */
#pragma once

#include <math.h>
#include <sqlite3.h>
#include <trawl/base.h>
#include <trawl/catalog.h>

struct _TrawlCatalog {
  char     *dir;        /* case directory */
  char     *db_path;    /* <dir>/catalog.sqlite */
  sqlite3  *db;         /* the one connection */
  int       lock_fd;    /* <dir>/.lock, flock'ed; -1 when read-only */
  gboolean  readonly;   /* opened with TRAWL_CATALOG_READONLY */
  gint64    txn_video;  /* video whose transaction is open; 0 when none */
  int       version;    /* schema version after migrations */
  char     *audit_damage; /* why the audit chain is broken, NULL when it holds */
};

/* One migration: applied in order inside one transaction each. */
typedef struct {
  int         version;
  const char *description;
  const char *sql;
} TrawlMigration;

/* catalog-schema.c */
extern const TrawlMigration _trawl_catalog_migrations[];
extern const guint _trawl_catalog_n_migrations;
extern const char _trawl_catalog_audit_triggers[];

/* audit.c: checks the audit chain on open, from the last verified row
 * (all of it when there is none, or when its triggers were dropped);
 * writers recreate missing triggers and move the verified row to the
 * tail. A broken chain is not an error here: it sets cat->audit_damage,
 * and appending is then refused. FALSE only on a database error. */
gboolean _trawl_catalog_audit_open_check (TrawlCatalog *cat, GError **error);

/* Sets error from the connection's last error ("<db path>: what: sqlite
 * text"); code TRAWL_ERROR_CORRUPT for SQLITE_CORRUPT/NOTADB, BUSY for
 * SQLITE_BUSY/LOCKED, else FAILED. Always returns FALSE. */
gboolean _trawl_catalog_db_error (TrawlCatalog *cat, const char *what, GError **error);
/* Runs SQL without parameters (schema, BEGIN/COMMIT). */
gboolean _trawl_catalog_exec (TrawlCatalog *cat, const char *sql, GError **error);
/* Prepares sql into *stmt (finalize with sqlite3_finalize). */
gboolean _trawl_catalog_prepare (TrawlCatalog *cat, const char *sql, sqlite3_stmt **stmt,
                                 GError **error);
/* Steps a statement that returns no rows (the caller finalizes it). */
gboolean _trawl_catalog_step_done (TrawlCatalog *cat, sqlite3_stmt *stmt, const char *what,
                                   GError **error);
/* Fails with INVALID_ARG when cat is read-only. */
gboolean _trawl_catalog_check_writable (TrawlCatalog *cat, GError **error);
/* Now as ISO 8601 UTC with microseconds ("2026-11-23T18:27:00.123456Z"). g_free. */
char    *_trawl_catalog_now_utc (void);
/* Binds a double, or NULL when it is NAN. */
void     _trawl_catalog_bind_real (sqlite3_stmt *stmt, int idx, double v);
/* Reads a REAL column, NAN for NULL. */
double   _trawl_catalog_column_real (sqlite3_stmt *stmt, int col);
/* Reads a TEXT column as a new string, NULL for NULL. */
char    *_trawl_catalog_column_text (sqlite3_stmt *stmt, int col);
/* Validates json (NULL allowed when allow_null) and returns its compact
 * canonical form (g_free), or NULL with error set. For NULL input with
 * allow_null, returns NULL and no error: check *error. */
char    *_trawl_catalog_canonical_json (const char *json, gboolean allow_null, GError **error);
/* Counts rows of a single-value query with no parameters. -1 on error. */
gint64   _trawl_catalog_count (TrawlCatalog *cat, const char *sql, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)
