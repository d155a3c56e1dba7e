/* catalog-schema.c - the catalog's schema, as numbered migrations.
 *
 * Migration N is applied once, in its own transaction, and recorded in the
 * migrations table (and PRAGMA user_version). Never edit a released
 * migration: add the next one. Stored enums are TEXT with CHECK
 * constraints, so the database reads well in the sqlite3 shell.
 *
 * Times: *_utc REAL columns are seconds since the Unix epoch (UTC); *_utc
 * TEXT columns (bookkeeping: runs, audit) are ISO 8601 with microseconds.
 * Embeddings are BLOBs of little-endian float32.
 */
#include "catalog-private.h"

static const char migration_1[] =
  "CREATE TABLE cameras ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE,"
  "  clock_offset_s REAL NOT NULL DEFAULT 0"  /* add to video time to get true UTC */
  ");"
  "CREATE TABLE videos ("
  "  id INTEGER PRIMARY KEY,"
  "  camera_id INTEGER REFERENCES cameras(id),"
  "  path TEXT NOT NULL,"
  "  size INTEGER NOT NULL DEFAULT 0,"
  "  sha256 TEXT NOT NULL UNIQUE,"
  "  duration_s REAL, codec TEXT, width INTEGER, height INTEGER, fps REAL,"
  "  start_time_utc REAL,"
  "  time_source TEXT NOT NULL DEFAULT 'none'"
  "    CHECK (time_source IN ('none','user','container','filename')),"
  "  status TEXT NOT NULL DEFAULT 'pending'"
  "    CHECK (status IN ('pending','indexing','done','failed')),"
  "  error TEXT,"
  "  added_utc TEXT NOT NULL"
  ");"
  "CREATE INDEX videos_camera ON videos(camera_id);"
  "CREATE TABLE index_runs ("
  "  id INTEGER PRIMARY KEY,"
  "  started_utc TEXT NOT NULL,"
  "  finished_utc TEXT,"
  "  command_line TEXT,"
  "  settings TEXT NOT NULL DEFAULT '{}'"
  ");"
  "CREATE TABLE tracks ("
  "  id INTEGER PRIMARY KEY,"
  "  kind TEXT NOT NULL CHECK (kind IN ('face','plate')),"
  "  video_id INTEGER NOT NULL REFERENCES videos(id),"
  "  first_pts_s REAL, last_pts_s REAL, first_utc REAL, last_utc REAL,"
  "  best_sighting_id INTEGER,"  /* sightings(id); not a FOREIGN KEY: the two refer to each other */
  "  best_plate_text TEXT,"
  "  best_plate_alternatives TEXT,"  /* JSON */
  "  best_quality REAL,"
  "  n_sightings INTEGER NOT NULL DEFAULT 0,"
  "  mean_embedding BLOB"
  ");"
  "CREATE INDEX tracks_video ON tracks(video_id);"
  "CREATE INDEX tracks_kind_time ON tracks(kind, first_utc);"
  "CREATE INDEX tracks_plate ON tracks(best_plate_text);"
  "CREATE TABLE sightings ("
  "  id INTEGER PRIMARY KEY,"
  "  track_id INTEGER REFERENCES tracks(id),"
  "  video_id INTEGER NOT NULL REFERENCES videos(id),"
  "  kind TEXT NOT NULL CHECK (kind IN ('face','plate')),"
  "  pts_s REAL NOT NULL,"
  "  utc REAL,"
  "  x REAL NOT NULL, y REAL NOT NULL, w REAL NOT NULL, h REAL NOT NULL,"
  "  score REAL, quality REAL,"
  "  plate_text TEXT,"
  "  plate_alternatives TEXT,"  /* JSON */
  "  embedding BLOB"
  ");"
  "CREATE INDEX sightings_track ON sightings(track_id);"
  "CREATE INDEX sightings_video ON sightings(video_id);"
  "CREATE INDEX sightings_kind ON sightings(kind);"
  "CREATE INDEX sightings_plate ON sightings(plate_text);"
  "CREATE TABLE thumbnails ("
  "  sighting_id INTEGER PRIMARY KEY REFERENCES sightings(id) ON DELETE CASCADE,"
  "  jpeg BLOB NOT NULL"
  ");"
  "CREATE TABLE vectors_state ("
  "  kind TEXT PRIMARY KEY CHECK (kind IN ('face','plate')),"
  "  generation INTEGER NOT NULL,"
  "  n_vectors INTEGER NOT NULL,"
  "  updated_utc TEXT NOT NULL"
  ");"
  "CREATE TABLE audit ("
  "  id INTEGER PRIMARY KEY,"
  "  time_utc TEXT NOT NULL,"
  "  user TEXT NOT NULL,"
  "  action TEXT NOT NULL,"
  "  details TEXT NOT NULL,"  /* compact JSON */
  "  prev_hash TEXT NOT NULL,"
  "  hash TEXT NOT NULL"
  ");"
  "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
  "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
  "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
  "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;";

/* Evidence signing (src/evidence): the case's Ed25519 public key. The
 * private half lives only in <case>/case.key (0600); a key once recorded
 * is never changed, so old exports stay checkable against it. */
static const char migration_2[] =
  "CREATE TABLE signing_keys ("
  "  id INTEGER PRIMARY KEY,"
  "  algorithm TEXT NOT NULL CHECK (algorithm IN ('ed25519')),"
  "  public_key TEXT NOT NULL UNIQUE,"  /* lower-case hex */
  "  created_utc TEXT NOT NULL"
  ");"
  "CREATE TRIGGER signing_keys_no_update BEFORE UPDATE ON signing_keys"
  "  BEGIN SELECT RAISE(ABORT, 'signing keys are never changed'); END;";

/* Robustness (issue 17): the audit chain's last verified row, so that
 * opening a case checks only the rows added since (one row, id 1); and
 * one row per input path that failed, since identical files share one
 * video row (videos.sha256 is unique) yet each path failed in its own
 * right. */
static const char migration_3[] =
  "CREATE TABLE audit_verified ("
  "  id INTEGER PRIMARY KEY CHECK (id = 1),"
  "  row_id INTEGER NOT NULL,"
  "  hash TEXT NOT NULL,"
  "  verified_utc TEXT NOT NULL"
  ");"
  "CREATE TABLE failed_files ("
  "  path TEXT PRIMARY KEY,"
  "  error TEXT NOT NULL,"
  "  failed_utc TEXT NOT NULL"
  ");";

/* Times an investigator can trust (issue 17): a start time from a times
 * CSV ('sidecar'), how the start was found (time_detail: the file-name
 * form, the CSV and its line), the display rotation the reader applied,
 * and the timestamp jumps it took out (JSON [{"at_s","file_s"}], NULL
 * when none). SQLite cannot widen a CHECK in place, so videos is rebuilt
 * (the documented create-copy-drop-rename; catalog.c runs migrations with
 * foreign keys off, and ids are kept, so every reference still holds). */
static const char migration_4[] =
  "CREATE TABLE videos_v4 ("
  "  id INTEGER PRIMARY KEY,"
  "  camera_id INTEGER REFERENCES cameras(id),"
  "  path TEXT NOT NULL,"
  "  size INTEGER NOT NULL DEFAULT 0,"
  "  sha256 TEXT NOT NULL UNIQUE,"
  "  duration_s REAL, codec TEXT, width INTEGER, height INTEGER, fps REAL,"
  "  start_time_utc REAL,"
  "  time_source TEXT NOT NULL DEFAULT 'none'"
  "    CHECK (time_source IN ('none','user','container','filename','sidecar')),"
  "  status TEXT NOT NULL DEFAULT 'pending'"
  "    CHECK (status IN ('pending','indexing','done','failed')),"
  "  error TEXT,"
  "  added_utc TEXT NOT NULL,"
  "  time_detail TEXT,"
  "  rotation INTEGER NOT NULL DEFAULT 0 CHECK (rotation IN (0, 90, 180, 270)),"
  "  time_jumps TEXT"  /* JSON */
  ");"
  "INSERT INTO videos_v4 (id, camera_id, path, size, sha256, duration_s, codec, width, height,"
  "  fps, start_time_utc, time_source, status, error, added_utc)"
  "  SELECT id, camera_id, path, size, sha256, duration_s, codec, width, height, fps,"
  "  start_time_utc, time_source, status, error, added_utc FROM videos;"
  "DROP TABLE videos;"
  "ALTER TABLE videos_v4 RENAME TO videos;"
  "CREATE INDEX videos_camera ON videos(camera_id);";

/* The audit log's append-only triggers as migration 1 made them; a writer
 * recreates them on open when someone dropped them. */
const char _trawl_catalog_audit_triggers[] =
  "CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit"
  "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
  "CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit"
  "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;";

const TrawlMigration _trawl_catalog_migrations[] = {
  { 1, "create cameras, videos, index_runs, tracks, sightings, thumbnails, vectors_state, audit",
    migration_1 },
  { 2, "create signing_keys (evidence signatures)", migration_2 },
  { 3, "create audit_verified (audit checked from the last verified row), failed_files",
    migration_3 },
  { 4, "videos: time source 'sidecar', time_detail, rotation, time_jumps", migration_4 },
};
const guint _trawl_catalog_n_migrations = G_N_ELEMENTS (_trawl_catalog_migrations);
