/* test-catalog.c - the case catalog: schema and migrations, records and
 * queries, per-video transactions, the case lock, the audit chain (and its
 * tamper detection), and atomic file writes under injected faults.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <trawl/base.h>
#include <trawl/catalog.h>

#include "base/atomic-private.h"

/* ---- fixtures ---- */

typedef struct {
  char *dir;           /* case directory (inside a fresh temp dir) */
  char *root;          /* the temp dir */
} Fixture;

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
  const char *name;

  if (d == NULL)
    {
      g_remove (path);
      return;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (path, name, NULL);
      remove_tree (p);
    }
  g_rmdir (path);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  (void) data;
  f->root = g_dir_make_tmp ("trawl-catalog-XXXXXX", NULL);
  g_assert_nonnull (f->root);
  f->dir = g_build_filename (f->root, "case", NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  (void) data;
  remove_tree (f->root);
  g_free (f->root);
  g_free (f->dir);
}

static TrawlCatalog *
open_case (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  TrawlCatalog *cat = trawl_catalog_open (f->dir, TRAWL_CATALOG_CREATE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (cat);
  return cat;
}

/* A raw connection that bypasses the catalog (and its lock). */
static sqlite3 *
raw_db (Fixture *f)
{
  g_autofree char *path = g_build_filename (f->dir, "catalog.sqlite", NULL);
  sqlite3 *db = NULL;
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  return db;
}

static gint64
raw_count (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *st = NULL;
  gint64 n;
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (st, 0);
  sqlite3_finalize (st);
  return n;
}

static gint64
add_video (TrawlCatalog *cat, gint64 camera, const char *sha)
{
  g_autoptr(GError) error = NULL;
  TrawlCatalogVideo v = { 0 };

  v.camera_id = camera;
  v.path = (char *) "/footage/cam.mp4";
  v.size = 1234;
  v.sha256 = (char *) sha;
  v.duration_s = 1800;
  v.codec = (char *) "h264";
  v.width = 640;
  v.height = 480;
  v.fps = 12;
  v.start_time_utc = 1710512730.0;
  v.time_source = TRAWL_TIME_SOURCE_FILENAME;
  g_assert_true (trawl_catalog_insert_video (cat, &v, &error));
  g_assert_no_error (error);
  g_assert_cmpint (v.id, >, 0);
  return v.id;
}

/* A track of n sightings; returns the track id. */
static gint64
add_track (TrawlCatalog *cat, gint64 video, TrawlKind kind, int n, const char *plate)
{
  g_autoptr(GError) error = NULL;
  TrawlTrack t = { 0 };
  float emb[4] = { 0.5f, 0.5f, 0.5f, 0.5f };

  t.kind = kind;
  t.video_id = video;
  t.first_utc = NAN;
  t.last_utc = NAN;
  g_assert_true (trawl_catalog_insert_track (cat, &t, &error));
  g_assert_no_error (error);
  for (int i = 0; i < n; i++)
    {
      TrawlSighting s = { 0 };
      s.track_id = t.id;
      s.video_id = video;
      s.kind = kind;
      s.pts_s = i * 0.5;
      s.utc = 1710512730.0 + s.pts_s;
      s.x = 10, s.y = 20, s.w = 30, s.h = 40;
      s.score = 0.9f;
      s.quality = 0.1f * (float) i;
      s.plate_text = (char *) plate;
      s.plate_alternatives = plate != NULL ? (char *) "[[\"A\",0.9],[\"4\",0.1]]" : NULL;
      s.embedding = emb;
      s.n_embedding = 4;
      g_assert_true (trawl_catalog_insert_sighting (cat, &s, &error));
      g_assert_no_error (error);
      if (i == n - 1)
        {
          t.best_sighting_id = s.id;
          t.best_quality = s.quality;
        }
      if (i == 0)
        t.first_pts_s = s.pts_s, t.first_utc = s.utc;
      t.last_pts_s = s.pts_s;
      t.last_utc = s.utc;
    }
  t.n_sightings = n;
  t.best_plate_text = (char *) plate;
  t.mean_embedding = emb;
  t.n_embedding = 4;
  g_assert_true (trawl_catalog_update_track (cat, &t, &error));
  g_assert_no_error (error);
  return t.id;
}

/* ---- schema ---- */

static void
test_create_reopen (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  TrawlCatalog *cat;
  sqlite3 *db;
  const char *tables[] = { "cameras", "videos", "index_runs", "tracks", "sightings",
                           "thumbnails", "vectors_state", "audit", "migrations",
                           "signing_keys" };
  (void) data;

  /* Without CREATE a missing case is an error, and nothing is created. */
  cat = trawl_catalog_open (f->dir, 0, &error);
  g_assert_null (cat);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND);
  g_assert_false (g_file_test (f->dir, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  cat = open_case (f);
  g_assert_cmpint (trawl_catalog_get_schema_version (cat), ==, TRAWL_CATALOG_SCHEMA_VERSION);
  g_assert_cmpstr (trawl_catalog_get_dir (cat), ==, f->dir);
  trawl_catalog_close (cat);
  for (const char *sub = "thumbs"; sub != NULL; sub = g_str_equal (sub, "thumbs") ? "exports" : NULL)
    {
      g_autofree char *p = g_build_filename (f->dir, sub, NULL);
      g_assert_true (g_file_test (p, G_FILE_TEST_IS_DIR));
    }

  db = raw_db (f);
  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    {
      g_autofree char *sql = g_strdup_printf (
        "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='%s'", tables[i]);
      g_assert_cmpint (raw_count (db, sql), ==, 1);
    }
  g_assert_cmpint (raw_count (db, "SELECT count(*) FROM migrations"), ==, TRAWL_CATALOG_SCHEMA_VERSION);
  g_assert_cmpint (raw_count (db, "PRAGMA user_version"), ==, TRAWL_CATALOG_SCHEMA_VERSION);
  {
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &st, NULL);
    g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (st, 0), ==, "wal");
    sqlite3_finalize (st);
  }
  sqlite3_close (db);

  /* Reopening applies nothing twice. */
  cat = trawl_catalog_open (f->dir, 0, &error);
  g_assert_no_error (error);
  trawl_catalog_close (cat);
  cat = open_case (f);
  trawl_catalog_close (cat);
  db = raw_db (f);
  g_assert_cmpint (raw_count (db, "SELECT count(*) FROM migrations"), ==, TRAWL_CATALOG_SCHEMA_VERSION);
  /* A catalog from a newer trawl is refused, not downgraded. */
  g_assert_cmpint (sqlite3_exec (db, "INSERT INTO migrations VALUES (99, 'x', 'future')", NULL,
                                 NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  cat = trawl_catalog_open (f->dir, 0, &error);
  g_assert_null (cat);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT);
}

static void
test_not_a_catalog (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = g_build_filename (f->dir, "catalog.sqlite", NULL);
  TrawlCatalog *cat;
  (void) data;

  g_assert_cmpint (g_mkdir_with_parents (f->dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (db, "this is not an SQLite database, just text padding "
                                          "it out past the header size of one hundred bytes "
                                          "so SQLite reads it as a file.", -1, NULL));
  cat = trawl_catalog_open (f->dir, TRAWL_CATALOG_CREATE, &error);
  g_assert_null (cat);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT);
  g_test_message ("%s", error->message);
}

/* ---- records and queries ---- */

static void
test_records (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlCatalog) cat = open_case (f);
  g_autoptr(GPtrArray) cams = NULL, tracks = NULL, cstats = NULL, videos = NULL;
  g_autoptr(TrawlCatalogVideo) v = NULL;
  g_autoptr(TrawlSighting) s = NULL;
  g_autoptr(TrawlTrack) t = NULL;
  g_autoptr(GBytes) thumb = NULL;
  TrawlTrackFilter filter = { 0 };
  TrawlCatalogStats st;
  gint64 gate, lobby, cam2, v1, v2, v3, run, tr, gen, nv;
  const guint8 jpeg[] = { 0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9 };
  (void) data;

  g_assert_true (trawl_catalog_ensure_camera (cat, "gate", &gate, &error));
  g_assert_true (trawl_catalog_ensure_camera (cat, "lobby", &lobby, &error));
  g_assert_true (trawl_catalog_ensure_camera (cat, "gate", &cam2, &error));
  g_assert_no_error (error);
  g_assert_cmpint (gate, ==, cam2);
  g_assert_cmpint (gate, !=, lobby);
  g_assert_true (trawl_catalog_set_camera_clock_offset (cat, lobby, -12.5, &error));
  g_assert_false (trawl_catalog_set_camera_clock_offset (cat, 999, 1, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  cams = trawl_catalog_list_cameras (cat, &error);
  g_assert_cmpuint (cams->len, ==, 2);
  g_assert_cmpstr (((TrawlCamera *) cams->pdata[1])->name, ==, "lobby");
  g_assert_cmpfloat (((TrawlCamera *) cams->pdata[1])->clock_offset_s, ==, -12.5);

  g_assert_true (trawl_catalog_begin_run (cat, "trawl index case a.mp4", "{\"fps\": 2}", &run,
                                          &error));
  g_assert_no_error (error);
  g_assert_false (trawl_catalog_begin_run (cat, "x", "{not json", &run, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_clear_error (&error);

  v1 = add_video (cat, gate, "aa11");
  v2 = add_video (cat, lobby, "bb22");
  v3 = add_video (cat, gate, "cc33");
  /* the same file (hash) twice is refused */
  {
    TrawlCatalogVideo dup = { .path = (char *) "/other/name.mp4", .sha256 = (char *) "aa11" };
    g_assert_false (trawl_catalog_insert_video (cat, &dup, &error));
    g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
    g_clear_error (&error);
  }
  g_assert_true (trawl_catalog_find_video (cat, "bb22", &v, &error));
  g_assert_nonnull (v);
  g_assert_cmpint (v->id, ==, v2);
  g_assert_cmpint (v->camera_id, ==, lobby);
  g_assert_cmpint (v->status, ==, TRAWL_VIDEO_STATUS_PENDING);
  g_assert_cmpint (v->time_source, ==, TRAWL_TIME_SOURCE_FILENAME);
  g_assert_cmpfloat (v->start_time_utc, ==, 1710512730.0);
  g_assert_cmpstr (v->codec, ==, "h264");
  g_clear_pointer (&v, trawl_catalog_video_free);
  g_assert_true (trawl_catalog_find_video (cat, "ffff", &v, &error));
  g_assert_null (v);

  add_track (cat, v1, TRAWL_KIND_FACE, 3, NULL);
  add_track (cat, v1, TRAWL_KIND_PLATE, 2, "AB123C");
  add_track (cat, v2, TRAWL_KIND_FACE, 4, NULL);
  tr = add_track (cat, v3, TRAWL_KIND_PLATE, 1, "XY999Z");
  for (gint64 vid = v1; vid <= v3; vid++)
    g_assert_true (trawl_catalog_set_video_status (cat, vid, TRAWL_VIDEO_STATUS_DONE, NULL,
                                                   &error));
  g_assert_true (trawl_catalog_finish_run (cat, run, &error));
  g_assert_no_error (error);

  g_assert_true (trawl_catalog_get_track (cat, tr, &t, &error));
  g_assert_nonnull (t);
  g_assert_cmpstr (t->best_plate_text, ==, "XY999Z");
  g_assert_cmpstr (t->camera_name, ==, "gate");
  g_assert_cmpint (t->n_sightings, ==, 1);
  g_assert_cmpint (t->n_embedding, ==, 4);
  g_assert_cmpfloat (t->mean_embedding[2], ==, 0.5f);
  g_assert_true (trawl_catalog_get_sighting (cat, t->best_sighting_id, &s, &error));
  g_assert_nonnull (s);
  g_assert_cmpint (s->track_id, ==, tr);
  g_assert_cmpint (s->kind, ==, TRAWL_KIND_PLATE);
  g_assert_cmpfloat (s->w, ==, 30.0f);
  g_assert_cmpstr (s->plate_alternatives, ==, "[[\"A\",0.9],[\"4\",0.1]]");
  g_assert_true (trawl_catalog_insert_thumbnail (cat, s->id, jpeg, sizeof jpeg, &error));
  g_assert_true (trawl_catalog_get_thumbnail (cat, s->id, &thumb, &error));
  g_assert_cmpmem (g_bytes_get_data (thumb, NULL), g_bytes_get_size (thumb), jpeg, sizeof jpeg);

  tracks = trawl_catalog_list_tracks (cat, NULL, &error);
  g_assert_cmpuint (tracks->len, ==, 4);
  g_clear_pointer (&tracks, g_ptr_array_unref);
  filter.kind = TRAWL_KIND_FACE;
  tracks = trawl_catalog_list_tracks (cat, &filter, &error);
  g_assert_cmpuint (tracks->len, ==, 2);
  g_clear_pointer (&tracks, g_ptr_array_unref);
  filter.camera = "gate";
  tracks = trawl_catalog_list_tracks (cat, &filter, &error);
  g_assert_cmpuint (tracks->len, ==, 1);
  g_assert_cmpint (((TrawlTrack *) tracks->pdata[0])->video_id, ==, v1);
  g_clear_pointer (&tracks, g_ptr_array_unref);
  filter = (TrawlTrackFilter) { .plate_glob = "AB*" };
  tracks = trawl_catalog_list_tracks (cat, &filter, &error);
  g_assert_cmpuint (tracks->len, ==, 1);
  g_assert_cmpstr (((TrawlTrack *) tracks->pdata[0])->best_plate_text, ==, "AB123C");
  g_clear_pointer (&tracks, g_ptr_array_unref);
  /* a hostile camera name is data, not SQL */
  filter = (TrawlTrackFilter) { .camera = "x' OR '1'='1" };
  tracks = trawl_catalog_list_tracks (cat, &filter, &error);
  g_assert_cmpuint (tracks->len, ==, 0);
  g_clear_pointer (&tracks, g_ptr_array_unref);
  filter = (TrawlTrackFilter) { .limit = 2, .offset = 1 };
  tracks = trawl_catalog_list_tracks (cat, &filter, &error);
  g_assert_cmpuint (tracks->len, ==, 2);
  g_assert_no_error (error);

  g_assert_true (trawl_catalog_get_stats (cat, &st, &error));
  g_assert_cmpint (st.cameras, ==, 2);
  g_assert_cmpint (st.videos, ==, 3);
  g_assert_cmpint (st.videos_done, ==, 3);
  g_assert_cmpint (st.face_tracks, ==, 2);
  g_assert_cmpint (st.plate_tracks, ==, 2);
  g_assert_cmpint (st.face_sightings, ==, 7);
  g_assert_cmpint (st.plate_sightings, ==, 3);
  g_assert_cmpint (st.thumbnails, ==, 1);
  g_assert_cmpint (st.index_runs, ==, 1);
  g_assert_cmpfloat_with_epsilon (st.hours_indexed, 1.5, 1e-9);

  cstats = trawl_catalog_get_camera_stats (cat, &error);
  g_assert_cmpuint (cstats->len, ==, 2);
  {
    TrawlCameraStats *g = cstats->pdata[0], *l = cstats->pdata[1];
    g_assert_cmpstr (g->camera, ==, "gate");
    g_assert_cmpint (g->videos, ==, 2);
    g_assert_cmpint (g->face_tracks, ==, 1);
    g_assert_cmpint (g->plate_tracks, ==, 2);
    g_assert_cmpint (g->face_sightings, ==, 3);
    g_assert_cmpint (g->plate_sightings, ==, 3);
    g_assert_cmpint (l->face_sightings, ==, 4);
    g_assert_cmpint (l->plate_tracks, ==, 0);
  }

  g_assert_true (trawl_catalog_get_vectors_state (cat, TRAWL_KIND_FACE, &gen, &nv, &error));
  g_assert_cmpint (gen, ==, 0);
  g_assert_true (trawl_catalog_set_vectors_state (cat, TRAWL_KIND_FACE, 3, 7, &error));
  g_assert_true (trawl_catalog_set_vectors_state (cat, TRAWL_KIND_FACE, 4, 9, &error));
  g_assert_true (trawl_catalog_get_vectors_state (cat, TRAWL_KIND_FACE, &gen, &nv, &error));
  g_assert_cmpint (gen, ==, 4);
  g_assert_cmpint (nv, ==, 9);
  videos = trawl_catalog_list_videos (cat, &error);
  g_assert_cmpuint (videos->len, ==, 3);
  g_assert_no_error (error);
}

static gboolean
count_sighting (const TrawlSighting *s, gpointer data)
{
  g_assert_cmpint (s->n_embedding, ==, 4);
  (*(int *) data)++;
  return TRUE;
}

/* ---- per-video transactions and resumability ---- */

static void
test_video_transactions (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  TrawlCatalog *cat = open_case (f);
  g_autoptr(TrawlCatalogVideo) v = NULL;
  g_autoptr(GArray) removed = NULL;
  TrawlCatalogStats st;
  gint64 cam, good, bad, crashed;
  g_autofree char *sql = NULL;
  guint n_reset = 0;
  int n = 0, status;
  pid_t child;
  sqlite3 *db;
  (void) data;

  g_assert_true (trawl_catalog_ensure_camera (cat, "c", &cam, &error));
  good = add_video (cat, cam, "01");
  bad = add_video (cat, cam, "02");
  crashed = add_video (cat, cam, "03");

  g_assert_true (trawl_catalog_begin_video (cat, good, &error));
  add_track (cat, good, TRAWL_KIND_FACE, 2, NULL);
  g_assert_true (trawl_catalog_commit_video (cat, good, &error));
  g_assert_no_error (error);

  /* rollback: none of the video's rows remain; status failed with the reason */
  g_assert_true (trawl_catalog_begin_video (cat, bad, &error));
  g_assert_false (trawl_catalog_begin_video (cat, good, &error));  /* one at a time */
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_clear_error (&error);
  add_track (cat, bad, TRAWL_KIND_PLATE, 5, "ZZ1");
  g_assert_true (trawl_catalog_rollback_video (cat, bad, "decoder failed", &error));
  g_assert_no_error (error);
  g_assert_true (trawl_catalog_get_video (cat, bad, &v, &error));
  g_assert_cmpint (v->status, ==, TRAWL_VIDEO_STATUS_FAILED);
  g_assert_cmpstr (v->error, ==, "decoder failed");
  g_clear_pointer (&v, trawl_catalog_video_free);

  /* a crash mid-video: a child process writes rows and dies without commit */
  trawl_catalog_close (cat);
  child = fork ();
  g_assert_cmpint (child, >=, 0);
  if (child == 0)
    {
      TrawlCatalog *c = trawl_catalog_open (f->dir, 0, NULL);
      if (c == NULL || !trawl_catalog_begin_video (c, crashed, NULL))
        _exit (1);
      add_track (c, crashed, TRAWL_KIND_FACE, 3, NULL);
      _exit (0);  /* no commit, no close */
    }
  g_assert_cmpint (waitpid (child, &status, 0), ==, child);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);

  db = raw_db (f);
  sql = g_strdup_printf ("SELECT count(*) FROM sightings WHERE video_id != %" G_GINT64_FORMAT,
                         good);
  g_assert_cmpint (raw_count (db, sql), ==, 0);
  g_assert_cmpint (raw_count (db, "SELECT count(*) FROM sightings"), ==, 2);
  g_assert_cmpint (raw_count (db, "SELECT count(*) FROM tracks"), ==, 1);
  g_assert_cmpint (raw_count (db, "SELECT count(*) FROM videos WHERE status='indexing'"), ==, 1);
  /* plant a stray row as an older trawl without transactions might have left */
  g_free (sql);
  sql = g_strdup_printf ("INSERT INTO sightings(video_id, kind, pts_s, x, y, w, h) "
                         "VALUES (%" G_GINT64_FORMAT ", 'face', 1, 0, 0, 1, 1)", crashed);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  cat = open_case (f);
  g_assert_true (trawl_catalog_reset_partial_videos (cat, &n_reset, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_reset, ==, 1);
  g_assert_true (trawl_catalog_get_video (cat, crashed, &v, &error));
  g_assert_cmpint (v->status, ==, TRAWL_VIDEO_STATUS_PENDING);
  g_assert_true (trawl_catalog_get_stats (cat, &st, &error));
  g_assert_cmpint (st.face_sightings, ==, 2);
  g_assert_cmpint (st.plate_sightings, ==, 0);
  g_assert_cmpint (st.videos_done, ==, 1);
  g_assert_cmpint (st.videos_failed, ==, 1);
  g_assert_cmpint (st.videos_pending, ==, 1);
  g_assert_true (trawl_catalog_foreach_sighting (cat, TRAWL_KIND_FACE, count_sighting, &n, &error));
  g_assert_cmpint (n, ==, 2);

  /* redoing a done video: its rows go, their ids come back for FAISS */
  g_assert_true (trawl_catalog_delete_video_rows (cat, good, &removed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (removed->len, ==, 2);
  g_assert_true (trawl_catalog_get_stats (cat, &st, &error));
  g_assert_cmpint (st.face_sightings, ==, 0);
  g_assert_cmpint (st.face_tracks, ==, 0);
  trawl_catalog_close (cat);
}

/* ---- the lock ---- */

static void
test_lock (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  TrawlCatalog *a = open_case (f), *b, *ro;
  g_autofree char *pid = g_strdup_printf ("pid %d", (int) getpid ());
  TrawlCatalogStats st;
  gint64 cam;
  pid_t child;
  int status;
  (void) data;

  b = trawl_catalog_open (f->dir, TRAWL_CATALOG_CREATE, &error);
  g_assert_null (b);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_BUSY);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, pid));
  g_assert_nonnull (strstr (error->message, f->dir));
  g_clear_error (&error);

  /* another process is refused too (exit 0 = BUSY seen) */
  child = fork ();
  g_assert_cmpint (child, >=, 0);
  if (child == 0)
    {
      GError *e = NULL;
      TrawlCatalog *c = trawl_catalog_open (f->dir, 0, &e);
      _exit (c == NULL && g_error_matches (e, TRAWL_ERROR, TRAWL_ERROR_BUSY) ? 0 : 1);
    }
  g_assert_cmpint (waitpid (child, &status, 0), ==, child);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);

  /* a read-only opener needs no lock, sees committed data, and cannot write */
  g_assert_true (trawl_catalog_ensure_camera (a, "gate", &cam, &error));
  ro = trawl_catalog_open (f->dir, TRAWL_CATALOG_READONLY, &error);
  g_assert_no_error (error);
  g_assert_true (trawl_catalog_get_stats (ro, &st, &error));
  g_assert_cmpint (st.cameras, ==, 1);
  g_assert_false (trawl_catalog_ensure_camera (ro, "x", &cam, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_clear_error (&error);
  trawl_catalog_close (ro);

  trawl_catalog_close (a);
  b = trawl_catalog_open (f->dir, 0, &error);
  g_assert_no_error (error);
  trawl_catalog_close (b);
}

/* ---- audit ---- */

static void
test_audit (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  TrawlCatalog *cat = open_case (f);
  gint64 n = 0, bad = 0, id = 0;
  sqlite3 *db;
  (void) data;

  g_assert_true (trawl_catalog_audit_verify (cat, &n, &bad, &error));
  g_assert_cmpint (n, ==, 0);
  g_assert_true (trawl_catalog_audit_append (cat, "alice", "index", "{\"videos\": 3}", &id,
                                             &error));
  g_assert_cmpint (id, ==, 1);
  g_assert_true (trawl_catalog_audit_append (cat, NULL, "search", NULL, &id, &error));
  g_assert_true (trawl_catalog_audit_append (cat, "bob", "export",
                                             "{\"clip\": \"a\\nb\", \"n\": [1, 2]}", &id, &error));
  g_assert_true (trawl_catalog_audit_append (cat, "bob", "verify", "{}", &id, &error));
  g_assert_no_error (error);
  g_assert_false (trawl_catalog_audit_append (cat, "bob", "x", "{oops", NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_clear_error (&error);
  g_assert_true (trawl_catalog_audit_verify (cat, &n, &bad, &error));
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 4);
  trawl_catalog_close (cat);

  db = raw_db (f);
  /* the first hash is recomputable from the stored row by the documented rule */
  {
    sqlite3_stmt *st = NULL;
    g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
    g_autofree char *text = NULL;
    const char *t, *det;
    sqlite3_prepare_v2 (db, "SELECT time_utc, details, prev_hash, hash FROM audit WHERE id=1",
                        -1, &st, NULL);
    g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
    t = (const char *) sqlite3_column_text (st, 0);
    det = (const char *) sqlite3_column_text (st, 1);
    g_assert_cmpstr ((const char *) sqlite3_column_text (st, 2), ==,
                     "0000000000000000000000000000000000000000000000000000000000000000");
    text = g_strdup_printf ("1:1\n%zu:%s\n5:alice\n5:index\n%zu:%s\n", strlen (t), t,
                            strlen (det), det);
    g_checksum_update (sum, sqlite3_column_text (st, 2), 64);
    g_checksum_update (sum, (const guchar *) text, -1);
    g_assert_cmpstr (g_checksum_get_string (sum), ==, (const char *) sqlite3_column_text (st, 3));
    sqlite3_finalize (st);
  }
  /* the triggers forbid edits */
  g_assert_cmpint (sqlite3_exec (db, "UPDATE audit SET user='mallory' WHERE id=2", NULL, NULL,
                                 NULL), !=, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DELETE FROM audit WHERE id=2", NULL, NULL, NULL), !=,
                   SQLITE_OK);
  /* ...so a forger drops them first */
  g_assert_cmpint (sqlite3_exec (db, "DROP TRIGGER audit_no_update; "
                                     "UPDATE audit SET user='mallory' WHERE id=3", NULL, NULL,
                                 NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  cat = open_case (f);
  g_assert_false (trawl_catalog_audit_verify (cat, &n, &bad, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT);
  g_assert_cmpint (bad, ==, 3);
  g_assert_nonnull (strstr (error->message, "row 3"));
  g_clear_error (&error);
  trawl_catalog_close (cat);

  /* deleting a middle row breaks the link of the next */
  db = raw_db (f);
  g_assert_cmpint (sqlite3_exec (db, "DROP TRIGGER IF EXISTS audit_no_update; "
                                     "UPDATE audit SET user='bob' WHERE id=3; "
                                     "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id=2",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  cat = open_case (f);
  g_assert_false (trawl_catalog_audit_verify (cat, &n, &bad, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT);
  g_assert_cmpint (bad, ==, 3);
  trawl_catalog_close (cat);
}

/* Issue 17: tampering is noticed by the next writer, which refuses to
 * chain new rows onto it and puts the dropped triggers back. */

static void
append_rows (TrawlCatalog *cat, int n)
{
  g_autoptr(GError) error = NULL;
  for (int i = 0; i < n; i++)
    {
      g_assert_true (trawl_catalog_audit_append (cat, "alice", "index", "{\"n\": 1}", NULL,
                                                 &error));
      g_assert_no_error (error);
    }
}

static void
raw_exec (Fixture *f, const char *sql)
{
  sqlite3 *db = raw_db (f);
  char *msg = NULL;
  int rc = sqlite3_exec (db, sql, NULL, NULL, &msg);
  if (rc != SQLITE_OK)
    g_error ("%s: %s", sql, msg);
  sqlite3_close (db);
}

/* The next append after tampering: refused, naming the audit log. */
static void
assert_append_refused (Fixture *f, const char *why)
{
  g_autoptr(GError) error = NULL;
  TrawlCatalog *cat = open_case (f);
  gint64 before = 0, after = 0;
  sqlite3 *db = raw_db (f);

  before = raw_count (db, "SELECT count(*) FROM audit");
  g_assert_false (trawl_catalog_audit_append (cat, "bob", "index", "{}", NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT);
  g_test_message ("%s: %s", why, error->message);
  g_assert_nonnull (strstr (error->message, "audit log"));
  after = raw_count (db, "SELECT count(*) FROM audit");
  g_assert_cmpint (after, ==, before);
  sqlite3_close (db);
  trawl_catalog_close (cat);
}

static void
test_audit_tamper_edit (Fixture *f, gconstpointer data)
{
  TrawlCatalog *cat = open_case (f);
  sqlite3 *db;
  (void) data;

  append_rows (cat, 4);
  trawl_catalog_close (cat);
  /* the probe: DROP TRIGGER audit_no_update; UPDATE audit ... */
  raw_exec (f, "DROP TRIGGER audit_no_update; UPDATE audit SET user='mallory' WHERE id=2");
  assert_append_refused (f, "edited row");
  /* that writer put the trigger back */
  db = raw_db (f);
  g_assert_cmpint (raw_count (db, "SELECT count(*) FROM sqlite_master WHERE type='trigger' AND "
                                  "name='audit_no_update'"), ==, 1);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE audit SET user='bob' WHERE id=2", NULL, NULL, NULL),
                   !=, SQLITE_OK);
  sqlite3_close (db);
}

static void
test_audit_tamper_forged (Fixture *f, gconstpointer data)
{
  TrawlCatalog *cat = open_case (f);
  (void) data;

  append_rows (cat, 2);
  trawl_catalog_close (cat);
  /* a row appended by hand, with a made-up prev_hash: INSERT is allowed */
  raw_exec (f, "INSERT INTO audit VALUES (3, '2026-01-01T00:00:00.000000Z', 'mallory', "
               "'index', '{}', 'forged', 'forged')");
  assert_append_refused (f, "forged row");
}

static void
test_audit_tamper_deleted (Fixture *f, gconstpointer data)
{
  TrawlCatalog *cat = open_case (f);
  (void) data;

  append_rows (cat, 3);
  trawl_catalog_close (cat);
  /* the last row deleted leaves a shorter chain that links up: only the
   * record of what was verified shows that a row is gone */
  raw_exec (f, "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id=3");
  assert_append_refused (f, "deleted row");
}

/* A sound chain stays appendable across opens (the verified row moves on). */
static void
test_audit_reopen (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint64 n = 0;
  (void) data;

  for (int i = 0; i < 3; i++)
    {
      TrawlCatalog *cat = open_case (f);
      g_assert_null (trawl_catalog_audit_get_damage (cat));
      append_rows (cat, 2);
      trawl_catalog_close (cat);
    }
  {
    TrawlCatalog *cat = trawl_catalog_open (f->dir, TRAWL_CATALOG_READONLY, &error);
    g_assert_no_error (error);
    g_assert_null (trawl_catalog_audit_get_damage (cat));
    g_assert_true (trawl_catalog_audit_verify (cat, &n, NULL, &error));
    g_assert_cmpint (n, ==, 6);
    trawl_catalog_close (cat);
  }
}

/* Writers run PRAGMA quick_check on open and refuse a damaged catalog;
 * trawl_catalog_check_integrity lists the damage. */
static void
test_quick_check (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "catalog.sqlite", NULL);
  g_autofree guint8 *blob = g_malloc0 (200000);
  TrawlCatalog *cat = open_case (f);
  gint64 cam = 0;
  (void) data;

  g_assert_true (trawl_catalog_ensure_camera (cat, "gate", &cam, &error));
  trawl_catalog_close (cat);
  /* a big row: its overflow pages sit at the end of the file */
  {
    sqlite3 *db = raw_db (f);
    sqlite3_stmt *st = NULL;
    g_assert_cmpint (sqlite3_exec (db, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL), ==,
                     SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO index_runs(started_utc, settings) "
                                             "VALUES ('x', ?1)", -1, &st, NULL), ==, SQLITE_OK);
    sqlite3_bind_blob (st, 1, blob, 200000, SQLITE_STATIC);
    g_assert_cmpint (sqlite3_step (st), ==, SQLITE_DONE);
    sqlite3_finalize (st);
    sqlite3_close (db);
  }
  /* garbage over a page in the middle of that chain */
  {
    g_autofree char *bytes = NULL;
    gsize len = 0;
    g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
    g_assert_cmpuint (len, >, 100000);
    memset (bytes + len - 20 * 4096, 0xff, 4096);
    g_assert_true (g_file_set_contents (path, bytes, (gssize) len, NULL));
  }
  cat = trawl_catalog_open (f->dir, 0, &error);
  g_assert_null (cat);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  cat = trawl_catalog_open (f->dir, TRAWL_CATALOG_READONLY, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
    g_assert_true (trawl_catalog_check_integrity (cat, FALSE, problems, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (problems->len, >, 0);
    g_test_message ("%s", (char *) problems->pdata[0]);
  }
  trawl_catalog_close (cat);
}

/* ---- atomic files ---- */

static int fail_errno;      /* errno the failing hook reports */
static int writes_before;   /* successful write calls before the failure */

static ssize_t
failing_write (int fd, const void *buf, size_t count)
{
  if (writes_before-- > 0)
    return write (fd, buf, count < 7 ? count : 7);  /* short writes, to exercise the loop */
  errno = fail_errno;
  return -1;
}

static int
failing_fsync (int fd)
{
  (void) fd;
  errno = fail_errno;
  return -1;
}

static int
failing_rename (const char *a, const char *b)
{
  (void) a, (void) b;
  errno = fail_errno;
  return -1;
}

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;
  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static void
assert_content (const char *path, const char *want)
{
  g_autofree char *got = NULL;
  g_assert_true (g_file_get_contents (path, &got, NULL, NULL));
  g_assert_cmpstr (got, ==, want);
}

static void
test_atomic (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->root, "state.bin", NULL);
  const char *payload = "new content that is long enough for several short writes";
  TrawlAtomicHooks h;
  TrawlAtomicFile *af;
  FILE *fp;
  (void) data;

  g_assert_true (trawl_atomic_write_file (path, "original", 8, &error));
  g_assert_no_error (error);
  assert_content (path, "original");
  g_assert_cmpuint (count_entries (f->root), ==, 1);

  /* ENOSPC mid-write: error names the file, target intact, no temp left */
  h = *_trawl_atomic_default_hooks ();
  h.write = failing_write;
  fail_errno = ENOSPC;
  writes_before = 2;
  _trawl_atomic_set_hooks (&h);
  g_assert_false (trawl_atomic_write_file (path, payload, strlen (payload), &error));
  _trawl_atomic_set_hooks (NULL);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, g_strerror (ENOSPC)));
  g_clear_error (&error);
  assert_content (path, "original");
  g_assert_cmpuint (count_entries (f->root), ==, 1);

  /* the same through the stdio stream (as FAISS writes) */
  _trawl_atomic_set_hooks (&h);
  writes_before = 0;
  af = trawl_atomic_file_new (path, &error);
  g_assert_no_error (error);
  fp = trawl_atomic_file_get_stream (af);
  fputs (payload, fp);
  g_assert_false (trawl_atomic_file_commit (af, &error));
  _trawl_atomic_set_hooks (NULL);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED);
  g_clear_error (&error);
  assert_content (path, "original");
  g_assert_cmpuint (count_entries (f->root), ==, 1);

  /* EIO at fsync, then at rename */
  h = *_trawl_atomic_default_hooks ();
  h.fsync = failing_fsync;
  fail_errno = EIO;
  _trawl_atomic_set_hooks (&h);
  g_assert_false (trawl_atomic_write_file (path, payload, strlen (payload), &error));
  _trawl_atomic_set_hooks (NULL);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "fsync"));
  g_clear_error (&error);
  assert_content (path, "original");
  g_assert_cmpuint (count_entries (f->root), ==, 1);
  h = *_trawl_atomic_default_hooks ();
  h.rename = failing_rename;
  _trawl_atomic_set_hooks (&h);
  g_assert_false (trawl_atomic_write_file (path, payload, strlen (payload), &error));
  _trawl_atomic_set_hooks (NULL);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED);
  g_clear_error (&error);
  assert_content (path, "original");
  g_assert_cmpuint (count_entries (f->root), ==, 1);

  /* abandoning a file leaves the target alone */
  af = trawl_atomic_file_new (path, &error);
  g_assert_true (trawl_atomic_file_write (af, "half", 4, &error));
  trawl_atomic_file_free (af);
  trawl_atomic_file_free (NULL);
  assert_content (path, "original");
  g_assert_cmpuint (count_entries (f->root), ==, 1);

  /* and with real calls it all works, stream included */
  af = trawl_atomic_file_new (path, &error);
  fp = trawl_atomic_file_get_stream (af);
  fprintf (fp, "%s", payload);
  g_assert_true (trawl_atomic_file_commit (af, &error));
  g_assert_no_error (error);
  assert_content (path, payload);
  g_assert_cmpuint (count_entries (f->root), ==, 1);

  /* a missing directory is an error, not a crash */
  {
    g_autofree char *nodir = g_build_filename (f->root, "no", "such", "file", NULL);
    g_assert_false (trawl_atomic_write_file (nodir, "x", 1, &error));
    g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED);
  }
}

/* ---- evidence: signing key, a track's sightings, migration 2 ---- */

static void
test_signing_key (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *alg = NULL, *key = NULL;
  TrawlCatalog *cat;
  sqlite3 *db;

  (void) data;
  cat = open_case (f);
  g_assert_true (trawl_catalog_get_signing_key (cat, &alg, &key, &error));
  g_assert_null (key);
  g_assert_true (trawl_catalog_set_signing_key (cat, "ed25519", "ab12", &error));
  g_assert_true (trawl_catalog_set_signing_key (cat, "ed25519", "ab12", &error));  /* same: ok */
  g_assert_no_error (error);
  g_assert_false (trawl_catalog_set_signing_key (cat, "ed25519", "cd34", &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_clear_error (&error);
  g_assert_true (trawl_catalog_get_signing_key (cat, &alg, &key, &error));
  g_assert_cmpstr (alg, ==, "ed25519");
  g_assert_cmpstr (key, ==, "ab12");
  trawl_catalog_close (cat);
  /* the recorded key cannot be changed behind the catalog's back either */
  db = raw_db (f);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE signing_keys SET public_key = 'ff'", NULL, NULL,
                                 NULL), !=, SQLITE_OK);
  sqlite3_close (db);
}

static void
test_track_sightings (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ss = NULL, none = NULL;
  TrawlCatalog *cat;
  gint64 cam, vid, track;

  (void) data;
  cat = open_case (f);
  g_assert_true (trawl_catalog_ensure_camera (cat, "gate", &cam, &error));
  vid = add_video (cat, cam, "1111111111111111111111111111111111111111111111111111111111111111");
  track = add_track (cat, vid, TRAWL_KIND_FACE, 4, NULL);
  add_track (cat, vid, TRAWL_KIND_FACE, 2, NULL);
  ss = trawl_catalog_list_track_sightings (cat, track, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ss->len, ==, 4);
  for (guint i = 0; i < ss->len; i++)
    {
      TrawlSighting *s = g_ptr_array_index (ss, i);
      g_assert_cmpint (s->track_id, ==, track);
      if (i > 0)
        g_assert_cmpfloat (s->pts_s, >=, ((TrawlSighting *) g_ptr_array_index (ss, i - 1))->pts_s);
    }
  none = trawl_catalog_list_track_sightings (cat, 9999, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
  trawl_catalog_close (cat);
}

/* A version-1 catalog gets migration 2 on a writable open; read-only, it
 * simply has no signing key. */
static void
test_migration_2 (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  TrawlCatalog *cat;
  sqlite3 *db;

  (void) data;
  trawl_catalog_close (open_case (f));
  db = raw_db (f);
  g_assert_cmpint (sqlite3_exec (db, "DROP TABLE signing_keys; DROP TABLE audit_verified; "
                                     "DROP TABLE failed_files; DELETE FROM migrations WHERE "
                                     "version >= 2; PRAGMA user_version = 1", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);
  cat = trawl_catalog_open (f->dir, TRAWL_CATALOG_READONLY, &error);
  g_assert_no_error (error);
  g_assert_cmpint (trawl_catalog_get_schema_version (cat), ==, 1);
  g_assert_true (trawl_catalog_get_signing_key (cat, NULL, &key, &error));
  g_assert_no_error (error);
  g_assert_null (key);
  trawl_catalog_close (cat);
  cat = open_case (f);
  g_assert_cmpint (trawl_catalog_get_schema_version (cat), ==, TRAWL_CATALOG_SCHEMA_VERSION);
  g_assert_true (trawl_catalog_set_signing_key (cat, "ed25519", "ab12", &error));
  g_assert_no_error (error);
  trawl_catalog_close (cat);
}

/* ---- times (issue 17): migration 4, clock offsets, starts, timelines ---- */

/* The videos table as migrations 1-3 left it (no 'sidecar', no rotation,
 * time_detail or time_jumps). */
static const char videos_v3[] =
  "PRAGMA foreign_keys=OFF; BEGIN;"
  "CREATE TABLE v3 (id INTEGER PRIMARY KEY, camera_id INTEGER REFERENCES cameras(id),"
  "  path TEXT NOT NULL, size INTEGER NOT NULL DEFAULT 0, sha256 TEXT NOT NULL UNIQUE,"
  "  duration_s REAL, codec TEXT, width INTEGER, height INTEGER, fps REAL,"
  "  start_time_utc REAL, time_source TEXT NOT NULL DEFAULT 'none'"
  "    CHECK (time_source IN ('none','user','container','filename')),"
  "  status TEXT NOT NULL DEFAULT 'pending'"
  "    CHECK (status IN ('pending','indexing','done','failed')),"
  "  error TEXT, added_utc TEXT NOT NULL);"
  "INSERT INTO v3 SELECT id, camera_id, path, size, sha256, duration_s, codec, width, height,"
  "  fps, start_time_utc, time_source, status, error, added_utc FROM videos;"
  "DROP TABLE videos; ALTER TABLE v3 RENAME TO videos;"
  "CREATE INDEX videos_camera ON videos(camera_id);"
  "DELETE FROM migrations WHERE version >= 4; PRAGMA user_version = 3; COMMIT;";

/* A version-3 catalog with footage reads as before (read-only: no
 * migration, the new fields at their defaults), and a writer rebuilds its
 * videos table keeping every id and reference, after which a 'sidecar'
 * start can be stored (the old CHECK refused it) and foreign keys are
 * enforced again. */
static void
test_migration_4 (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) videos = NULL;
  g_autoptr(TrawlTrack) t = NULL;
  TrawlCatalogVideo v = { 0 };
  TrawlTrack bad = { 0 };
  TrawlCatalog *cat;
  gint64 cam, vid, tid;
  sqlite3 *db;

  (void) data;
  cat = open_case (f);
  g_assert_true (trawl_catalog_ensure_camera (cat, "gate", &cam, &error));
  vid = add_video (cat, cam, "aa11");
  tid = add_track (cat, vid, TRAWL_KIND_PLATE, 3, "AB123");
  trawl_catalog_close (cat);
  db = raw_db (f);
  g_assert_cmpint (sqlite3_exec (db, videos_v3, NULL, NULL, NULL), ==, SQLITE_OK);
  /* the old CHECK holds there */
  g_assert_cmpint (sqlite3_exec (db, "UPDATE videos SET time_source = 'sidecar'", NULL, NULL,
                                 NULL), ==, SQLITE_CONSTRAINT);
  sqlite3_close (db);

  cat = trawl_catalog_open (f->dir, TRAWL_CATALOG_READONLY, &error);
  g_assert_no_error (error);
  g_assert_cmpint (trawl_catalog_get_schema_version (cat), ==, 3);
  videos = trawl_catalog_list_videos (cat, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (videos->len, ==, 1);
  g_assert_cmpint (((TrawlCatalogVideo *) videos->pdata[0])->rotation, ==, 0);
  g_assert_null (((TrawlCatalogVideo *) videos->pdata[0])->time_jumps);
  g_clear_pointer (&videos, g_ptr_array_unref);
  trawl_catalog_close (cat);

  cat = open_case (f);
  g_assert_cmpint (trawl_catalog_get_schema_version (cat), ==, 4);
  g_assert_true (trawl_catalog_get_track (cat, tid, &t, &error));
  g_assert_nonnull (t);
  g_assert_cmpint (t->video_id, ==, vid);
  g_assert_cmpstr (t->camera_name, ==, "gate");
  g_assert_cmpint (t->n_sightings, ==, 3);
  v.camera_id = cam;
  v.path = (char *) "/footage/b.mp4";
  v.sha256 = (char *) "bb22";
  v.start_time_utc = 1.7e9;
  v.time_source = TRAWL_TIME_SOURCE_SIDECAR;
  v.time_detail = (char *) "times.csv:2";
  v.rotation = 90;
  g_assert_true (trawl_catalog_insert_video (cat, &v, &error));
  g_assert_no_error (error);
  videos = trawl_catalog_list_videos (cat, &error);
  g_assert_cmpuint (videos->len, ==, 2);
  g_assert_cmpint (((TrawlCatalogVideo *) videos->pdata[1])->time_source, ==,
                   TRAWL_TIME_SOURCE_SIDECAR);
  g_assert_cmpstr (((TrawlCatalogVideo *) videos->pdata[1])->time_detail, ==, "times.csv:2");
  g_assert_cmpint (((TrawlCatalogVideo *) videos->pdata[1])->rotation, ==, 90);
  /* foreign keys are back on after migrating */
  bad.kind = TRAWL_KIND_FACE;
  bad.video_id = 999;
  g_assert_false (trawl_catalog_insert_track (cat, &bad, &error));
  g_assert_nonnull (error);
  trawl_catalog_close (cat);
  db = raw_db (f);
  g_assert_cmpint (raw_count (db, "SELECT count(*) FROM pragma_foreign_key_check"), ==, 0);
  sqlite3_close (db);
}

static double
sighting_utc (TrawlCatalog *cat, gint64 track, guint i)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) s = trawl_catalog_list_track_sightings (cat, track, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (i, <, s->len);
  return ((TrawlSighting *) s->pdata[i])->utc;
}

static gint64
audit_count (TrawlCatalog *cat, const char *action)
{
  g_autoptr(GPtrArray) rows = trawl_catalog_audit_list (cat, NULL);
  gint64 n = 0;
  for (guint i = 0; i < rows->len; i++)
    n += g_str_equal (((TrawlAuditRow *) rows->pdata[i])->action, action);
  return n;
}

/* A camera's clock offset set after indexing moves every stored time of
 * its videos (sightings and track spans: start + offset + pts), leaves
 * other cameras and videos without a start alone, and is audited once
 * per change. */
static void
test_clock_offset (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlTrack) t = NULL;
  g_autoptr(TrawlCatalogVideo) v = NULL;
  TrawlCatalog *cat = open_case (f);
  const double start = 1710512730.0;  /* add_video's start; add_track's utc = start + pts */
  gint64 cam, other, vid, vid2, vid3, tid, tid2, tid3, n = -1;
  gboolean changed = FALSE;

  (void) data;
  g_assert_true (trawl_catalog_ensure_camera (cat, "gate", &cam, &error));
  g_assert_true (trawl_catalog_ensure_camera (cat, "yard", &other, &error));
  vid = add_video (cat, cam, "c1");
  tid = add_track (cat, vid, TRAWL_KIND_PLATE, 3, "AB123");
  vid2 = add_video (cat, other, "c2");
  tid2 = add_track (cat, vid2, TRAWL_KIND_PLATE, 2, "XY9");
  vid3 = add_video (cat, cam, "c3");
  g_assert_true (trawl_catalog_set_video_start (cat, vid3, NAN, TRAWL_TIME_SOURCE_NONE, NULL,
                                                &changed, &error));
  g_assert_no_error (error);
  g_assert_true (changed);
  tid3 = add_track (cat, vid3, TRAWL_KIND_FACE, 1, NULL);

  g_assert_true (trawl_catalog_change_camera_clock_offset (cat, cam, -3.5, "test", &n, &error));
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 3);
  g_assert_cmpfloat (sighting_utc (cat, tid, 0), ==, start - 3.5);
  g_assert_cmpfloat (sighting_utc (cat, tid, 2), ==, start - 3.5 + 1.0);
  g_assert_true (trawl_catalog_get_track (cat, tid, &t, &error));
  g_assert_cmpfloat (t->first_utc, ==, start - 3.5);
  g_assert_cmpfloat (t->last_utc, ==, start - 3.5 + 1.0);
  g_clear_pointer (&t, trawl_track_free);
  g_assert_cmpfloat (sighting_utc (cat, tid2, 1), ==, start + 0.5);  /* other camera */
  g_assert_true (isnan (sighting_utc (cat, tid3, 0)) ||
                 sighting_utc (cat, tid3, 0) == start);  /* no start: not touched */
  g_assert_cmpint (audit_count (cat, "camera-clock-offset"), ==, 1);
  /* the same offset again changes nothing and is not audited again */
  g_assert_true (trawl_catalog_set_camera_clock_offset (cat, cam, -3.5, &error));
  g_assert_cmpint (audit_count (cat, "camera-clock-offset"), ==, 1);
  /* back to 0: the original times exactly (recomputed, not nudged) */
  g_assert_true (trawl_catalog_change_camera_clock_offset (cat, cam, 0, NULL, NULL, &error));
  g_assert_cmpfloat (sighting_utc (cat, tid, 2), ==, start + 1.0);
  g_assert_cmpint (audit_count (cat, "camera-clock-offset"), ==, 2);
  g_assert_false (trawl_catalog_change_camera_clock_offset (cat, 999, 1, NULL, NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* a video's start given anew moves its times, audited */
  g_assert_true (trawl_catalog_set_video_start (cat, vid, start + 60, TRAWL_TIME_SOURCE_SIDECAR,
                                                "t.csv:2", &changed, &error));
  g_assert_true (changed);
  g_assert_cmpfloat (sighting_utc (cat, tid, 1), ==, start + 60.5);
  g_assert_true (trawl_catalog_get_video (cat, vid, &v, &error));
  g_assert_cmpint (v->time_source, ==, TRAWL_TIME_SOURCE_SIDECAR);
  g_assert_cmpstr (v->time_detail, ==, "t.csv:2");
  g_clear_pointer (&v, trawl_catalog_video_free);
  g_assert_true (trawl_catalog_set_video_start (cat, vid, start + 60, TRAWL_TIME_SOURCE_SIDECAR,
                                                "t.csv:2", &changed, &error));
  g_assert_false (changed);
  g_assert_cmpint (audit_count (cat, "video-start"), ==, 2);  /* vid3 to none, vid */
  g_assert_true (trawl_catalog_audit_verify (cat, NULL, NULL, &error));
  g_assert_no_error (error);
  trawl_catalog_close (cat);
}

/* The true duration and the jumps of a video, stored with its rows. */
static void
test_timeline (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlCatalogVideo) v = NULL;
  g_autoptr(GArray) got = NULL;
  TrawlCatalog *cat = open_case (f);
  TrawlTimeJump j[2] = { { 2.0, 94443.8 }, { 3.5, 10.25 } };
  gint64 cam, vid;

  (void) data;
  g_assert_true (trawl_catalog_ensure_camera (cat, "gate", &cam, &error));
  vid = add_video (cat, cam, "d1");
  g_assert_true (trawl_catalog_set_video_timeline (cat, vid, 4.0, j, 2, &error));
  g_assert_no_error (error);
  g_assert_true (trawl_catalog_get_video (cat, vid, &v, &error));
  g_assert_cmpfloat (v->duration_s, ==, 4.0);
  got = trawl_catalog_video_get_time_jumps (v);
  g_assert_cmpuint (got->len, ==, 2);
  g_assert_cmpfloat (g_array_index (got, TrawlTimeJump, 0).file_s, ==, 94443.8);
  g_assert_cmpfloat (g_array_index (got, TrawlTimeJump, 1).at_s, ==, 3.5);
  trawl_catalog_close (cat);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/catalog/schema/create-reopen", test_create_reopen);
  ADD ("/catalog/schema/not-a-catalog", test_not_a_catalog);
  ADD ("/catalog/records/insert-query", test_records);
  ADD ("/catalog/records/video-transactions", test_video_transactions);
  ADD ("/catalog/lock", test_lock);
  ADD ("/catalog/audit/chain", test_audit);
  ADD ("/catalog/audit/tamper-edit", test_audit_tamper_edit);
  ADD ("/catalog/audit/tamper-forged", test_audit_tamper_forged);
  ADD ("/catalog/audit/tamper-deleted", test_audit_tamper_deleted);
  ADD ("/catalog/audit/reopen", test_audit_reopen);
  ADD ("/catalog/integrity/quick-check", test_quick_check);
  ADD ("/catalog/atomic/faults", test_atomic);
  ADD ("/catalog/evidence/signing-key", test_signing_key);
  ADD ("/catalog/evidence/track-sightings", test_track_sightings);
  ADD ("/catalog/evidence/migration-2", test_migration_2);
  ADD ("/catalog/times/migration-4", test_migration_4);
  ADD ("/catalog/times/clock-offset", test_clock_offset);
  ADD ("/catalog/times/timeline", test_timeline);
  return g_test_run ();
}
