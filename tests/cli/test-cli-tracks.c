/* test-cli-tracks.c - `trawl tracks --plate` on a case made here: the
 * query is spelt like the reads (issue 17), so case and separators do not
 * matter, wildcards work, and a pattern no plate can fit is refused with a
 * message rather than silently finding nothing. */
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <trawl/catalog.h>

#include "../common/trawl-test-cli.h"
#include "../common/trawl-test.h"

static char *case_dir;

/* One camera, one video, a plate track per text: the catalog as the
 * indexer leaves it (reads normalised). */
static void
make_case (const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TrawlCatalog) cat = trawl_catalog_open (dir, TRAWL_CATALOG_CREATE, &error);
  g_assert_no_error (error);
  gint64 cam = 0;
  g_assert_true (trawl_catalog_ensure_camera (cat, "gate", &cam, &error));
  TrawlCatalogVideo v = { 0 };
  v.camera_id = cam;
  v.path = (char *) "/footage/gate.mp4";
  v.size = 1;
  v.sha256 = (char *) "0000000000000000000000000000000000000000000000000000000000000001";
  v.duration_s = 60;
  v.codec = (char *) "h264";
  v.width = 640;
  v.height = 480;
  v.fps = 10;
  v.start_time_utc = NAN;
  g_assert_true (trawl_catalog_insert_video (cat, &v, &error));
  const char *plates[] = { "32LBD6", "粤B12345", "AB12CD" };
  for (guint i = 0; i < G_N_ELEMENTS (plates); i++) {
    TrawlTrack t = { 0 };
    t.kind = TRAWL_KIND_PLATE;
    t.video_id = v.id;
    t.first_utc = t.last_utc = NAN;
    t.best_plate_text = (char *) plates[i];
    g_assert_true (trawl_catalog_insert_track (cat, &t, &error));
    g_assert_no_error (error);
  }
}

/* Runs `trawl tracks CASE --json --plate query`; returns the exit status,
 * the plates found in *found (comma-joined) and stderr in *err. */
static int
tracks (const char *query, char **found, char **err)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  const char *args[] = { "tracks", case_dir, "--json", "--plate", query, NULL };
  int status = trawl_test_run_cli (args, &out, err);
  GString *s = g_string_new (NULL);
  if (status == 0) {
    g_autoptr (JsonNode) root = json_from_string (out, &error);
    g_assert_no_error (error);
    JsonArray *a = json_node_get_array (root);
    for (guint i = 0; i < json_array_get_length (a); i++)
      g_string_append_printf (s, "%s%s", i ? "," : "",
                              json_object_get_string_member (json_array_get_object_element (a, i),
                                                             "plate"));
  }
  *found = g_string_free (s, FALSE);
  return status;
}

static void
check (const char *query, const char *want)
{
  g_autofree char *found = NULL, *err = NULL;
  int status = tracks (query, &found, &err);
  if (status != 0)
    g_test_message ("%s: %s", query, err);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (found, ==, want);
}

static void
test_plate_query (void)
{
  check ("32LBD6", "32LBD6");
  check ("32-LBD-6", "32LBD6");     /* issue 17 */
  check ("32lbd6", "32LBD6");
  check (" 32 LBD 6 ", "32LBD6");
  check ("32l*", "32LBD6");
  check ("*cd", "AB12CD");
  check ("??12c*", "AB12CD");
  check ("??12*", "粤B12345,AB12CD");   /* ? is one character, a province too */
  check ("粤b·12345", "粤B12345");
  check ("?B*", "粤B12345,AB12CD");
  check ("32LBD", "");
  const char *bad[] = { "AB#1", "*", "" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++) {
    g_autofree char *found = NULL, *err = NULL;
    g_assert_cmpint (tracks (bad[i], &found, &err), !=, 0);
    g_assert_nonnull (strstr (err, "plate pattern"));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_autofree char *tmp = g_dir_make_tmp ("trawl-cli-tracks-XXXXXX", NULL);
  g_assert_nonnull (tmp);
  case_dir = g_build_filename (tmp, "case", NULL);
  make_case (case_dir);
  g_test_add_func ("/cli/tracks/plate-query", test_plate_query);
  int ret = g_test_run ();
  trawl_test_remove_tree (tmp);
  g_free (case_dir);
  return ret;
}
