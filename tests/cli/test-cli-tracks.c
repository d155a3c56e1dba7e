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
  for (guint i = 0; i < G_N_ELEMENTS (plates); i++)
    {
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
  if (status == 0)
    {
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
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *found = NULL, *err = NULL;
      g_assert_cmpint (tracks (bad[i], &found, &err), !=, 0);
      g_assert_nonnull (strstr (err, "plate pattern"));
    }
}

/* ---- the table a person reads (issue 17) ---- */

static char *table_dir;
static gint64 table_best[3];

/* A track of kind over [a, b] s of the video, with 3 sightings: the
 * second is the best. Sets table_best[i]. */
static void
table_track (TrawlCatalog *cat, gint64 video, double start_utc, int i, TrawlKind kind, double a,
             double b, const char *plate, const char *alts)
{
  g_autoptr (GError) error = NULL;
  TrawlTrack t = { 0 };
  t.kind = kind;
  t.video_id = video;
  t.first_pts_s = a;
  t.last_pts_s = b;
  t.first_utc = start_utc + a;
  t.last_utc = start_utc + b;
  t.best_plate_text = (char *) plate;
  t.best_plate_alternatives = (char *) alts;
  g_assert_true (trawl_catalog_insert_track (cat, &t, &error));
  for (int k = 0; k < 3; k++)
    {
      TrawlSighting si = { 0 };
      si.track_id = t.id;
      si.video_id = video;
      si.kind = kind;
      si.pts_s = a + k;
      si.utc = start_utc + a + k;
      si.w = si.h = 40;
      si.quality = k == 1 ? 0.9f : 0.3f;
      g_assert_true (trawl_catalog_insert_sighting (cat, &si, &error));
      if (k == 1)
        t.best_sighting_id = table_best[i] = si.id;
      if (k == 1)
        g_assert_true (trawl_catalog_insert_thumbnail (cat, si.id, (const guint8 *) "\xff\xd8", 2,
                                                       &error));
    }
  t.n_sightings = 3;
  g_assert_true (trawl_catalog_update_track (cat, &t, &error));
  g_assert_no_error (error);
}

/* A camera and a file with long names, a face of 18 s, a plate of 4 min
 * 12 s with uncertain characters, and a face in a video whose start time
 * is unknown. */
static void
make_table_case (const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TrawlCatalog) cat = trawl_catalog_open (dir, TRAWL_CATALOG_CREATE, &error);
  g_assert_no_error (error);
  gint64 cam = 0;
  g_assert_true (trawl_catalog_ensure_camera (cat, "north-gate-entrance-camera-2", &cam, &error));
  gint64 videos[2];
  for (int i = 0; i < 2; i++)
    {
      TrawlCatalogVideo v = { 0 };
      v.camera_id = cam;
      v.path = (char *) (i == 0 ? "/footage/ch01_20240314210500_main_stream_export.mp4"
                                : "/footage/unknown-start.mp4");
      v.size = 1;
      v.sha256 = (char *) (i == 0 ? "00000000000000000000000000000000000000000000000000000000000000a1"
                                  : "00000000000000000000000000000000000000000000000000000000000000a2");
      v.duration_s = 600;
      v.codec = (char *) "h264";
      v.width = 1920;
      v.height = 1080;
      v.fps = 25;
      /* 2024-03-14 21:05:00 UTC */
      v.start_time_utc = i == 0 ? 1710450300.0 : NAN;
      g_assert_true (trawl_catalog_insert_video (cat, &v, &error));
      videos[i] = v.id;
    }
  table_track (cat, videos[0], 1710450300.0, 0, TRAWL_KIND_FACE, 3, 21, NULL, NULL);
  table_track (cat, videos[0], 1710450300.0, 1, TRAWL_KIND_PLATE, 40, 292, "32LBD6",
               "[{\"c\":\"3\",\"alt\":[[\"3\",0.8],[\"8\",0.12]]},"
               "{\"c\":\"2\",\"alt\":[[\"2\",0.99]]},"
               "{\"c\":\"L\",\"alt\":[[\"L\",0.6],[\"1\",0.3]]},"
               "{\"c\":\"B\",\"alt\":[[\"B\",0.9],[\"8\",0.05]]},"
               "{\"c\":\"D\",\"alt\":[[\"D\",0.97],[\"0\",0.02]]},"
               "{\"c\":\"6\"}]");
  table_track (cat, videos[1], NAN, 2, TRAWL_KIND_FACE, 72.4, 72.9, NULL, NULL);
}

/* Is word a whitespace-delimited field of line? */
static gboolean
has_field (const char *line, const char *word)
{
  g_auto (GStrv) f = g_strsplit_set (line, " ", -1);
  return g_strv_contains ((const char *const *) f, word);
}

static void
test_table (void)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "tracks", table_dir, NULL };
  g_assert_cmpint (trawl_test_run_cli (args, &out, &err), ==, 0);
  g_test_message ("%s", out);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  int rows = 0;
  /* g_autofree on an array frees only its first element: a GStrv instead. */
  g_auto (GStrv) id = g_new0 (char *, 4);
  for (int k = 0; k < 3; k++)
    id[k] = g_strdup_printf ("%" G_GINT64_FORMAT, table_best[k]);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      /* Fits a terminal of 100 columns (counted in characters: "…"). */
      g_assert_cmpint (g_utf8_strlen (lines[i], -1), <=, 100);
      if (strstr (lines[i], "21:05:03") != NULL)
        {
          rows++;
          g_assert_true (has_field (lines[i], "18"));   /* "18 s" */
          g_assert_nonnull (strstr (lines[i], " 18 s "));
          g_assert_true (has_field (lines[i], id[0]));
        }
      if (strstr (lines[i], "32LBD6") != NULL)
        {
          rows++;
          g_assert_nonnull (strstr (lines[i], "21:05:40"));
          g_assert_nonnull (strstr (lines[i], "4 min 12 s"));
          g_assert_true (has_field (lines[i], id[1]));
          /* The two likeliest runners-up, then "more in --json". */
          g_assert_nonnull (strstr (lines[i], "3:1 .30,1:8 .12,\342\200\246"));
        }
      if (strstr (lines[i], "+00:01:12") != NULL)
        {
          rows++;
          g_assert_nonnull (strstr (lines[i], "0.5 s"));
          g_assert_true (has_field (lines[i], id[2]));
        }
    }
  g_assert_cmpint (rows, ==, 3);
  g_assert_nonnull (strstr (out, "-- 2024-03-14 (UTC) --"));
  g_assert_nonnull (strstr (out, "--sighting"));        /* the legend says what BEST is for */
  g_assert_nonnull (strstr (out, "'3:8 .12' means"));   /* and how to read ALSO */
  g_assert_null (strstr (out, "hours"));
}

/* `trawl info`: a duration people read, and where the thumbnails are. */
static void
test_info_wording (void)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "info", table_dir, NULL };
  g_assert_cmpint (trawl_test_run_cli (args, &out, &err), ==, 0);
  g_test_message ("%s", out);
  g_assert_null (strstr (out, "hours"));
  g_assert_nonnull (strstr (out, "footage: 0.0 s indexed"));
  g_assert_nonnull (strstr (out, "thumbnails: 3, kept in the catalog"));
  g_assert_nonnull (strstr (out, "--thumbs DIR"));
}

/* `trawl search` and `show` say the same things the same way. */
static void
test_search_show_wording (void)
{
  g_autofree char *out = NULL, *err = NULL, *sout = NULL, *serr = NULL;
  const char *args[] = { "search", table_dir, "--plate", "32LBD6", NULL };
  int status = trawl_test_run_cli (args, &out, &err);
  g_test_message ("%s%s", out, err);
  g_assert_cmpint (status, ==, 0);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  g_autofree char *best = g_strdup_printf ("%" G_GINT64_FORMAT, table_best[1]);
  gboolean hit = FALSE;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_assert_cmpint (g_utf8_strlen (lines[i], -1), <=, 100);
      if (strstr (lines[i], "32LBD6") != NULL && strstr (lines[i], " @ 00:00:41") != NULL)
        {
          hit = TRUE;
          g_assert_true (has_field (lines[i], best));
        }
    }
  g_assert_true (hit);
  g_assert_nonnull (strstr (out, "--sighting ID"));
  const char *show[] = { "show", table_dir, "2", NULL };
  g_assert_cmpint (trawl_test_run_cli (show, &sout, &serr), ==, 0);
  g_test_message ("%s", sout);
  g_assert_nonnull (strstr (sout, "(4 min 12 s of video)"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_autofree char *tmp = g_dir_make_tmp ("trawl-cli-tracks-XXXXXX", NULL);
  g_assert_nonnull (tmp);
  case_dir = g_build_filename (tmp, "case", NULL);
  make_case (case_dir);
  table_dir = g_build_filename (tmp, "table", NULL);
  make_table_case (table_dir);
  g_test_add_func ("/cli/tracks/plate-query", test_plate_query);
  g_test_add_func ("/cli/tracks/table", test_table);
  g_test_add_func ("/cli/tracks/info-wording", test_info_wording);
  g_test_add_func ("/cli/tracks/search-show-wording", test_search_show_wording);
  int ret = g_test_run ();
  trawl_test_remove_tree (tmp);
  g_free (case_dir);
  g_free (table_dir);
  return ret;
}
