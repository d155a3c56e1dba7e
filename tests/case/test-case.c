/* test-case.c - TrawlCase: opening modes and their errors, the file names
 * every module shares, the writer lock beside lock-free readers, and the
 * vector stores: loaded when current, rebuilt from the catalog when the
 * file is missing, damaged or disagrees with the recorded count (on disk
 * for a writer, in memory for a reader).
 *
 * Cases are made with the catalog's own writers; expected vector counts
 * come from what the test inserted.
 */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <trawl/case.h>

#include "../common/trawl-test.h"

typedef struct {
  char *dir;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  (void) data;
  f->dir = g_dir_make_tmp ("trawl-case-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  (void) data;
  trawl_test_remove_tree (f->dir);
  g_free (f->dir);
}

/* One video of n face sightings (embedding i: a distinct unit vector
 * direction), committed with the vector count recorded in its transaction
 * as the indexer does; the store gets the vectors too. */
static void
add_video (TrawlCase *c, const char *sha, int n, gboolean write_file)
{
  g_autoptr(GError) error = NULL;
  TrawlCatalog *cat = trawl_case_get_catalog (c);
  TrawlVectorStore *vs = trawl_case_get_vectors (c, TRAWL_KIND_FACE, &error);
  TrawlCatalogVideo v = { 0 };
  TrawlTrack t = { 0 };
  gint64 cam = 0;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree float *vecs = g_new0 (float, (gsize) n * TRAWL_FACE_DIM);

  g_assert_no_error (error);
  g_assert_true (trawl_catalog_ensure_camera (cat, "gate", &cam, &error));
  v.camera_id = cam;
  v.path = (char *) "/footage/gate.mp4";
  v.sha256 = (char *) sha;
  v.start_time_utc = NAN;
  g_assert_true (trawl_catalog_insert_video (cat, &v, &error));
  g_assert_true (trawl_catalog_begin_video (cat, v.id, &error));
  t.kind = TRAWL_KIND_FACE;
  t.video_id = v.id;
  t.first_utc = t.last_utc = NAN;
  g_assert_true (trawl_catalog_insert_track (cat, &t, &error));
  for (int i = 0; i < n; i++)
    {
      TrawlSighting s = { 0 };
      float *e = vecs + (gsize) i * TRAWL_FACE_DIM;
      e[i % TRAWL_FACE_DIM] = 1.0f;
      e[(i + 1) % TRAWL_FACE_DIM] = 0.5f * (float) (i / TRAWL_FACE_DIM + 1);
      s.track_id = t.id;
      s.video_id = v.id;
      s.kind = TRAWL_KIND_FACE;
      s.pts_s = i;
      s.utc = NAN;
      s.w = s.h = 10;
      s.embedding = e;
      s.n_embedding = TRAWL_FACE_DIM;
      g_assert_true (trawl_catalog_insert_sighting (cat, &s, &error));
      g_array_append_val (ids, s.id);
    }
  g_assert_true (trawl_vector_store_add (vs, ids->len, (gint64 *) ids->data, vecs, &error));
  g_assert_true (trawl_case_record_vectors (c, TRAWL_KIND_FACE, &error));
  g_assert_true (trawl_catalog_commit_video (cat, v.id, &error));
  if (write_file)
    g_assert_true (trawl_case_write_vectors (c, TRAWL_KIND_FACE, &error));
  g_assert_no_error (error);
}

static gint64
face_count (TrawlCase *c)
{
  g_autoptr(GError) error = NULL;
  TrawlVectorStore *vs = trawl_case_get_vectors (c, TRAWL_KIND_FACE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (vs);
  return trawl_vector_store_get_count (vs);
}

static gint64
file_count (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, trawl_case_file_name (TRAWL_CASE_FILE_FACE_VECTORS),
                                            NULL);
  g_autoptr(TrawlVectorStore) vs = trawl_vector_store_load (path, TRAWL_FACE_DIM, NULL);
  return vs ? trawl_vector_store_get_count (vs) : -1;
}

static void
test_open_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (f->dir, "no-such-case", NULL);
  TrawlCase *c;

  (void) data;
  c = trawl_case_open (missing, TRAWL_CASE_READ, &error);
  g_assert_null (c);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);
  /* an ordinary folder is not a case, and reading it must not make it one */
  c = trawl_case_open (f->dir, TRAWL_CASE_READ, &error);
  g_assert_null (c);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  c = trawl_case_open (f->dir, TRAWL_CASE_WRITE, &error);
  g_assert_null (c);
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (g_file_test (f->dir, G_FILE_TEST_EXISTS)
                  && trawl_case_writer_active (f->dir, NULL));
}

static void
test_files_and_lock (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlCase) w = trawl_case_open (f->dir, TRAWL_CASE_CREATE, &error);
  g_autoptr(TrawlCase) r = NULL;
  TrawlCase *second;
  int pid = 0;

  (void) data;
  g_assert_no_error (error);
  g_assert_true (trawl_case_is_writable (w));
  /* the names the catalog uses for its own files are the case's names */
  for (TrawlCaseFile file = TRAWL_CASE_FILE_CATALOG; file <= TRAWL_CASE_FILE_LOCK; file++)
    {
      g_autofree char *p = trawl_case_get_path (w, file);
      gboolean should_exist = file == TRAWL_CASE_FILE_CATALOG || file == TRAWL_CASE_FILE_LOCK
                              || file == TRAWL_CASE_FILE_THUMBS || file == TRAWL_CASE_FILE_EXPORTS;
      g_assert_true (g_str_has_prefix (p, f->dir));
      if (should_exist)
        g_assert_true (g_file_test (p, G_FILE_TEST_EXISTS));
    }
  g_assert_true (trawl_case_writer_active (f->dir, &pid));
  g_assert_cmpint (pid, ==, getpid ());
  second = trawl_case_open (f->dir, TRAWL_CASE_WRITE, &error);
  g_assert_null (second);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_BUSY);
  g_clear_error (&error);
  /* a reader needs no lock and sees committed rows */
  add_video (w, "aa", 5, TRUE);
  r = trawl_case_open (f->dir, TRAWL_CASE_READ, &error);
  g_assert_no_error (error);
  g_assert_false (trawl_case_is_writable (r));
  g_assert_cmpint (face_count (r), ==, 5);
  g_assert_false (trawl_case_save_vectors (r, TRAWL_KIND_FACE, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_clear_error (&error);
  g_clear_pointer (&w, trawl_case_close);
  g_assert_false (trawl_case_writer_active (f->dir, NULL));
}

static void
test_vectors_rebuilt (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  TrawlCase *c = trawl_case_open (f->dir, TRAWL_CASE_CREATE, &error);
  gint64 gen0;

  (void) data;
  g_assert_no_error (error);
  path = trawl_case_get_path (c, TRAWL_CASE_FILE_FACE_VECTORS);
  add_video (c, "aa", 7, TRUE);
  add_video (c, "bb", 4, TRUE);
  g_assert_cmpint (file_count (f->dir), ==, 11);
  gen0 = trawl_case_get_vectors_generation (c, TRAWL_KIND_FACE);
  g_assert_cmpint (gen0, >, 0);
  /* a crash after the commit, before the file: the record says 14, the file 11 */
  add_video (c, "cc", 3, FALSE);
  trawl_case_close (c);
  g_assert_cmpint (file_count (f->dir), ==, 11);

  /* a reader rebuilds in memory and leaves the file alone */
  c = trawl_case_open (f->dir, TRAWL_CASE_READ, &error);
  g_assert_no_error (error);
  g_assert_cmpint (face_count (c), ==, 14);
  trawl_case_close (c);
  g_assert_cmpint (file_count (f->dir), ==, 11);

  /* a writer rebuilds and saves */
  c = trawl_case_open (f->dir, TRAWL_CASE_WRITE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (face_count (c), ==, 14);
  g_assert_cmpint (trawl_case_get_vectors_generation (c, TRAWL_KIND_FACE), >, gen0);
  trawl_case_close (c);
  g_assert_cmpint (file_count (f->dir), ==, 14);

  /* a damaged file is rebuilt too */
  g_assert_true (g_file_set_contents (path, "not a vector file", -1, NULL));
  c = trawl_case_open (f->dir, TRAWL_CASE_READ, &error);
  g_assert_cmpint (face_count (c), ==, 14);
  trawl_case_close (c);
  g_assert_cmpint (g_remove (path), ==, 0);
  c = trawl_case_open (f->dir, TRAWL_CASE_WRITE, &error);
  g_assert_cmpint (face_count (c), ==, 14);
  trawl_case_close (c);
  g_assert_cmpint (file_count (f->dir), ==, 14);
}

/* A reader beside a live writer trusts the file even when it is a little
 * behind (the writer will save it), instead of rebuilding on every query. */
static void
test_reader_beside_writer (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlCase) w = trawl_case_open (f->dir, TRAWL_CASE_CREATE, &error);
  g_autoptr(TrawlCase) r = NULL;

  (void) data;
  add_video (w, "aa", 6, TRUE);
  add_video (w, "bb", 2, FALSE);  /* recorded, file not yet written */
  r = trawl_case_open (f->dir, TRAWL_CASE_READ, &error);
  g_assert_no_error (error);
  g_assert_cmpint (face_count (r), ==, 6);
  g_clear_pointer (&r, trawl_case_close);
  g_assert_true (trawl_case_write_vectors (w, TRAWL_KIND_FACE, &error));
  r = trawl_case_open (f->dir, TRAWL_CASE_READ, &error);
  g_assert_cmpint (face_count (r), ==, 8);
}

/* A store first asked for inside a video's transaction would be rebuilt
 * from rows not yet committed, and then given them again: refused. */
static void
test_vectors_in_transaction (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlCase) c = trawl_case_open (f->dir, TRAWL_CASE_CREATE, &error);
  TrawlCatalog *cat = trawl_case_get_catalog (c);
  TrawlCatalogVideo v = { 0 };

  (void) data;
  v.path = (char *) "/footage/x.mp4";
  v.sha256 = (char *) "ab";
  v.start_time_utc = NAN;
  g_assert_true (trawl_catalog_insert_video (cat, &v, &error));
  g_assert_true (trawl_catalog_begin_video (cat, v.id, &error));
  g_assert_null (trawl_case_get_vectors (c, TRAWL_KIND_PLATE, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_clear_error (&error);
  g_assert_true (trawl_catalog_rollback_video (cat, v.id, NULL, &error));
  g_assert_nonnull (trawl_case_get_vectors (c, TRAWL_KIND_PLATE, &error));
  g_assert_no_error (error);
}

/* ---- issue 17 ---- */

/* A case folder that lost its catalog (deleted, or emptied to 0 bytes)
 * but keeps its vector files: a writer refuses to start a new catalog
 * over it unless told to. */
static void
test_lost_catalog (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *faiss = g_build_filename (f->dir, "faces.faiss", NULL);
  g_autofree char *db = g_build_filename (f->dir, "catalog.sqlite", NULL);
  TrawlCase *c;
  (void) data;

  g_assert_true (g_file_set_contents (faiss, "vectors of the case that was", -1, NULL));
  c = trawl_case_open (f->dir, TRAWL_CASE_CREATE, &error);
  g_assert_null (c);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "--force-new-catalog"));
  g_assert_false (g_file_test (db, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  /* an empty file is no catalog either (SQLite would take it for a new one) */
  g_assert_true (g_file_set_contents (db, "", 0, NULL));
  c = trawl_case_open (f->dir, TRAWL_CASE_CREATE, &error);
  g_assert_null (c);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* a folder with nothing of a case is created as ever */
  {
    g_autofree char *fresh = g_build_filename (f->dir, "fresh", NULL);
    c = trawl_case_open (fresh, TRAWL_CASE_CREATE, &error);
    g_assert_no_error (error);
    trawl_case_close (c);
  }
}

static void
test_lost_catalog_forced (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *faiss = g_build_filename (f->dir, "plates.faiss", NULL);
  TrawlCase *c;
  (void) data;

  g_assert_true (g_file_set_contents (faiss, "vectors of the case that was", -1, NULL));
  c = trawl_case_open (f->dir, TRAWL_CASE_CREATE | TRAWL_CASE_REPLACE_LOST_CATALOG, &error);
  g_assert_no_error (error);
  g_assert_nonnull (c);
  trawl_case_close (c);
}

static void
raw_exec (const char *dir, const char *sql)
{
  g_autofree char *path = g_build_filename (dir, "catalog.sqlite", NULL);
  sqlite3 *db = NULL;
  char *msg = NULL;
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    g_error ("%s: %s", sql, msg);
  sqlite3_close (db);
}

static GPtrArray *
check (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlCase) c = trawl_case_open (dir, TRAWL_CASE_READ, &error);
  GPtrArray *problems = g_ptr_array_new_with_free_func (g_free);
  g_assert_no_error (error);
  g_assert_true (trawl_case_check (c, problems, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < problems->len; i++)
    g_test_message ("problem: %s", (char *) problems->pdata[i]);
  return problems;
}

static gboolean
has_problem (GPtrArray *problems, const char *needle)
{
  for (guint i = 0; i < problems->len; i++)
    if (strstr (problems->pdata[i], needle) != NULL)
      return TRUE;
  return FALSE;
}

/* trawl_case_check: nothing on a sound case; then each kind of damage is
 * named: a dangling best sighting, a sighting whose track is gone, vector
 * files that disagree with the catalog, a broken audit chain. */
static void
test_check (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  TrawlCase *c;
  (void) data;

  c = trawl_case_open (f->dir, TRAWL_CASE_CREATE, &error);
  g_assert_no_error (error);
  add_video (c, "0000000000000000000000000000000000000000000000000000000000000001", 3, TRUE);
  g_assert_true (trawl_catalog_audit_append (trawl_case_get_catalog (c), "alice", "index", "{}",
                                             NULL, &error));
  trawl_case_close (c);
  {
    g_autoptr(GPtrArray) none = check (f->dir);
    g_assert_cmpuint (none->len, ==, 0);
  }
  raw_exec (f->dir, "UPDATE tracks SET best_sighting_id = 99999; "
                    "DELETE FROM sightings WHERE id = (SELECT max(id) FROM sightings); "
                    "UPDATE sightings SET track_id = 88888 WHERE id = (SELECT min(id) FROM "
                    "sightings); "
                    "INSERT INTO audit VALUES (2, '2026-01-01T00:00:00.000000Z', 'mallory', "
                    "'index', '{}', 'forged', 'forged')");
  {
    g_autoptr(GPtrArray) problems = check (f->dir);
    g_assert_true (has_problem (problems, "best sighting is gone: track 1"));
    g_assert_true (has_problem (problems, "whose track is gone: sighting"));
    g_assert_true (has_problem (problems, "faces.faiss holds 3 vectors but the catalog has 2"));
    g_assert_true (has_problem (problems, "audit log row 2"));
    g_assert_cmpuint (problems->len, ==, 4);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL);
  g_test_add ("/case/open-errors", Fixture, NULL, fixture_set_up, test_open_errors,
              fixture_tear_down);
  g_test_add ("/case/lost-catalog", Fixture, NULL, fixture_set_up, test_lost_catalog,
              fixture_tear_down);
  g_test_add ("/case/lost-catalog-forced", Fixture, NULL, fixture_set_up,
              test_lost_catalog_forced, fixture_tear_down);
  g_test_add ("/case/check", Fixture, NULL, fixture_set_up, test_check, fixture_tear_down);
  g_test_add ("/case/files-and-lock", Fixture, NULL, fixture_set_up, test_files_and_lock,
              fixture_tear_down);
  g_test_add ("/case/vectors-rebuilt", Fixture, NULL, fixture_set_up, test_vectors_rebuilt,
              fixture_tear_down);
  g_test_add ("/case/reader-beside-writer", Fixture, NULL, fixture_set_up,
              test_reader_beside_writer, fixture_tear_down);
  g_test_add ("/case/vectors-in-transaction", Fixture, NULL, fixture_set_up,
              test_vectors_in_transaction, fixture_tear_down);
  return g_test_run ();
}
