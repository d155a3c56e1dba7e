/* test-cli-robust.c - issue 17 as a user meets it through `trawl`: a
 * tampered audit log noticed by info, audit and index; `trawl check`
 * naming what is wrong; index refusing a case folder that lost its
 * catalog; one failure per path for identical bad files; JSON output
 * that stays JSON (and UTF-8) when a file name is not UTF-8. Cases are
 * made with the catalog API or by indexing files that fail fast (no
 * models needed). */
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include <glib/gstdio.h>
#include <trawl/catalog.h>

#include "../common/trawl-test-cli.h"
#include "../common/trawl-test.h"

typedef struct {
  char *root;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  (void) data;
  f->root = g_dir_make_tmp ("trawl-cli-robust-XXXXXX", NULL);
  g_assert_nonnull (f->root);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  (void) data;
  trawl_test_remove_tree (f->root);
  g_free (f->root);
}

/* A case with one video (at video_path), one plate track whose best
 * sighting exists, and two audit rows. */
static char *
make_case (Fixture *f, const char *video_path)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_build_filename (f->root, "case", NULL);
  g_autoptr (TrawlCatalog) cat = trawl_catalog_open (dir, TRAWL_CATALOG_CREATE, &error);
  g_assert_no_error (error);
  gint64 cam = 0;
  g_assert_true (trawl_catalog_ensure_camera (cat, "gate", &cam, &error));
  TrawlCatalogVideo v = { 0 };
  v.camera_id = cam;
  v.path = (char *) video_path;
  v.size = 1;
  v.sha256 = (char *) "0000000000000000000000000000000000000000000000000000000000000001";
  v.duration_s = 60;
  v.start_time_utc = NAN;
  g_assert_true (trawl_catalog_insert_video (cat, &v, &error));
  TrawlTrack t = { 0 };
  t.kind = TRAWL_KIND_PLATE;
  t.video_id = v.id;
  t.first_utc = t.last_utc = NAN;
  t.best_plate_text = (char *) "AB12CD";
  g_assert_true (trawl_catalog_insert_track (cat, &t, &error));
  TrawlSighting s = { 0 };
  s.track_id = t.id;
  s.video_id = v.id;
  s.kind = TRAWL_KIND_PLATE;
  s.utc = NAN;
  s.w = s.h = 10;
  s.plate_text = (char *) "AB12CD";
  g_assert_true (trawl_catalog_insert_sighting (cat, &s, &error));
  t.best_sighting_id = s.id;
  t.n_sightings = 1;
  g_assert_true (trawl_catalog_update_track (cat, &t, &error));
  g_assert_true (trawl_catalog_audit_append (cat, "alice", "index", "{}", NULL, &error));
  g_assert_true (trawl_catalog_audit_append (cat, "alice", "export", "{}", NULL, &error));
  g_assert_no_error (error);
  return dir;
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

/* Runs trawl; every run's stdout must be UTF-8 (trawl_test_run_cli checks). */
static int
run (const char *const *args, char **out, char **err)
{
  int status = trawl_test_run_cli (args, out, err);
  g_test_message ("trawl %s %s: exit %d\n%s%s", args[0], args[1] ? args[1] : "", status, *out,
                  *err);
  return status;
}

static JsonNode *
parse (const char *text)
{
  g_autoptr (GError) error = NULL;
  JsonNode *root = json_from_string (text, &error);
  g_assert_no_error (error);
  return root;
}

/* ---- audit ---- */

static void
test_audit_tampered (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = make_case (f, "/footage/gate.mp4");
  g_autofree char *out = NULL, *err = NULL;
  (void) data;

  {
    const char *args[] = { "audit", dir, NULL };
    g_assert_cmpint (run (args, &out, &err), ==, 0);
    g_assert_nonnull (strstr (out, "2 rows, intact"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "info", dir, NULL };
    g_assert_cmpint (run (args, &out, &err), ==, 0);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  raw_exec (dir, "DROP TRIGGER audit_no_update; UPDATE audit SET user='mallory' WHERE id=1");
  {
    const char *args[] = { "info", dir, NULL };
    g_assert_cmpint (run (args, &out, &err), ==, 1);
    g_assert_nonnull (strstr (err, "audit log row 1"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "info", dir, "--json", NULL };
    g_autoptr (JsonNode) root = NULL;
    g_assert_cmpint (run (args, &out, &err), ==, 1);
    root = parse (out);
    g_assert_false (json_object_get_boolean_member (json_node_get_object (root), "audit_intact"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "audit", dir, "--json", NULL };
    g_autoptr (JsonNode) root = NULL;
    g_assert_cmpint (run (args, &out, &err), ==, 1);
    root = parse (out);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (root), "first_bad_row"),
                     ==, 1);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  {
    /* the next index refuses to extend the chain */
    g_autofree char *input = g_build_filename (f->root, "x.mp4", NULL);
    const char *args[] = { "index", dir, input, "--quiet", NULL };
    g_assert_true (g_file_set_contents (input, "", 0, NULL));
    g_assert_cmpint (run (args, &out, &err), ==, 1);
    g_assert_nonnull (strstr (err, "audit log"));
  }
}

/* ---- check ---- */

static void
test_check (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = make_case (f, "/footage/gate.mp4");
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "check", dir, NULL };
  (void) data;

  g_assert_cmpint (run (args, &out, &err), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  raw_exec (dir, "DELETE FROM sightings");
  g_assert_cmpint (run (args, &out, &err), ==, 1);
  g_assert_nonnull (strstr (out, "best sighting is gone: track 1"));
}

/* ---- a case that lost its catalog ---- */

static void
test_lost_catalog (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_build_filename (f->root, "case", NULL);
  g_autofree char *faiss = g_build_filename (dir, "faces.faiss", NULL);
  g_autofree char *input = g_build_filename (f->root, "x.mp4", NULL);
  g_autofree char *out = NULL, *err = NULL;
  (void) data;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (faiss, "old vectors", -1, NULL));
  g_assert_true (g_file_set_contents (input, "", 0, NULL));
  {
    const char *args[] = { "index", dir, input, "--quiet", NULL };
    g_assert_cmpint (run (args, &out, &err), ==, 1);
    g_assert_nonnull (strstr (err, "--force-new-catalog"));
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  {
    /* told to: a new catalog (the input itself fails: exit 3) */
    const char *args[] = { "index", dir, input, "--quiet", "--force-new-catalog", NULL };
    g_assert_cmpint (run (args, &out, &err), ==, 3);
  }
}

/* ---- identical bad files ---- */

static void
test_duplicate_failures (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_build_filename (f->root, "case", NULL);
  g_autofree char *a = g_build_filename (f->root, "a.mp4", NULL);
  g_autofree char *b = g_build_filename (f->root, "b.mp4", NULL);
  g_autofree char *c = g_build_filename (f->root, "c.mp4", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (JsonNode) root = NULL;
  const char *names[] = { a, b, c };
  (void) data;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_assert_true (g_file_set_contents (names[i], "", 0, NULL));
  {
    const char *args[] = { "index", dir, a, b, c, "--quiet", NULL };
    g_assert_cmpint (run (args, &out, &err), ==, 3);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  const char *args[] = { "info", dir, "--json", NULL };
  g_assert_cmpint (run (args, &out, &err), ==, 0);
  root = parse (out);
  JsonArray *failed = json_object_get_array_member (json_node_get_object (root), "failed");
  g_assert_cmpuint (json_array_get_length (failed), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *o = json_array_get_object_element (failed, i);
      const char *path = json_object_get_string_member (o, "path");
      const char *why = json_object_get_string_member (o, "error");
      g_assert_cmpstr (path, ==, names[i]);
      /* the reason is this file's, and names no other */
      g_assert_null (strstr (why, ".mp4"));
    }
}

/* ---- file names that are not UTF-8 ---- */

static void
assert_json_lines (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = 0;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i][0] == '\0')
        continue;
      g_autoptr (JsonNode) node = parse (lines[i]);
      g_assert_nonnull (node);
      n++;
    }
  g_assert_cmpuint (n, >, 0);
}

static void
test_non_utf8_names (Fixture *f, gconstpointer data)
{
  g_autofree char *bad = g_build_filename (f->root, "cam\xff" "a.mp4", NULL);
  g_autofree char *dir = NULL;
  g_autofree char *out = NULL, *err = NULL;
  (void) data;

  dir = make_case (f, bad);
  {
    const char *args[] = { "tracks", dir, "--json", NULL };
    g_autoptr (JsonNode) root = NULL;
    g_assert_cmpint (run (args, &out, &err), ==, 0);
    root = parse (out);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (root)), ==, 1);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "tracks", dir, NULL };
    g_assert_cmpint (run (args, &out, &err), ==, 0);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  /* indexing a file of that name, which fails: progress JSON and info */
  g_assert_true (g_file_set_contents (bad, "not a video at all", -1, NULL));
  {
    const char *args[] = { "index", dir, bad, "--json", NULL };
    g_assert_cmpint (run (args, &out, &err), ==, 3);
    assert_json_lines (out);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "info", dir, "--json", NULL };
    g_autoptr (JsonNode) root = NULL;
    g_assert_cmpint (run (args, &out, &err), ==, 0);
    root = parse (out);
    JsonArray *failed = json_object_get_array_member (json_node_get_object (root), "failed");
    g_assert_cmpuint (json_array_get_length (failed), ==, 1);
    g_clear_pointer (&out, g_free);
    g_clear_pointer (&err, g_free);
  }
  {
    const char *args[] = { "info", dir, NULL };
    g_assert_cmpint (run (args, &out, &err), ==, 0);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, setup, fn, teardown)
  ADD ("/cli/robust/audit-tampered", test_audit_tampered);
  ADD ("/cli/robust/check", test_check);
  ADD ("/cli/robust/lost-catalog", test_lost_catalog);
  ADD ("/cli/robust/duplicate-failures", test_duplicate_failures);
  ADD ("/cli/robust/non-utf8-names", test_non_utf8_names);
  return g_test_run ();
}
