/* test-cli-times.c - issue 17's times, through `trawl` as a user runs it:
 * per-file start times (file-name forms, a times CSV, --start refused for
 * a folder), a camera's clock offset set after indexing (trawl camera
 * set, and index --clock-offset) moving every stored time with an audit
 * row, a clip stored rotated analysed upright, and two clips joined with
 * a timestamp jump recorded at their true length.
 *
 * Clips are made with the ffmpeg CLI (skips without it); the plate and
 * offset tests need the shared plate clip and the models (skip without).
 */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <trawl/catalog.h>
#include "../common/trawl-test.h"
#include "../common/trawl-test-cli.h"

static char *tmpdir;

/* Runs ffmpeg with args; FALSE (the test skipped) without it. */
static gboolean
ffmpeg (const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *prog = g_find_program_in_path ("ffmpeg");
  int status = 0;

  if (prog == NULL)
    {
      g_test_skip ("ffmpeg CLI not installed (needed to make the test clips)");
      return FALSE;
    }
  g_ptr_array_add (argv, (char *) "ffmpeg");
  g_ptr_array_add (argv, (char *) "-nostdin");
  g_ptr_array_add (argv, (char *) "-y");
  g_ptr_array_add (argv, (char *) "-loglevel");
  g_ptr_array_add (argv, (char *) "error");
  for (int i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL,
                G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return TRUE;
}

/* A 1 s test clip at dir/name (no creation_time tag; the name in a
 * comment tag, so no two clips are the same file: identical files are one
 * video to the catalog). */
static gboolean
small_clip (const char *dir, const char *name)
{
  g_autofree char *out = g_build_filename (dir, name, NULL);
  g_autofree char *comment = g_strdup_printf ("comment=%s", name);
  const char *args[] = { "-f", "lavfi", "-i", "testsrc=size=160x120:rate=5:duration=1",
                         "-c:v", "mpeg4", "-metadata", comment, out, NULL };
  g_mkdir_with_parents (dir, 0755);
  return ffmpeg (args);
}

static char *
scratch (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static gboolean
have_plate_models (void)
{
  g_autofree char *det = trawl_test_need_model ("ocr-models/ch_PP-OCRv4_det_infer.onnx");
  return det != NULL;
}

/* `trawl info CASE --json`, parsed (the caller unrefs). */
static JsonNode *
info_json (const char *kase)
{
  const char *args[] = { "info", kase, "--json", NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  g_assert_cmpint (trawl_test_run_cli (args, &out, &err), ==, 0);
  root = json_from_string (out, &error);
  g_assert_no_error (error);
  return root;
}

static JsonObject *
video_named (JsonNode *info, const char *base)
{
  JsonArray *list = json_object_get_array_member (json_node_get_object (info), "video_list");
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *v = json_array_get_object_element (list, i);
      g_autofree char *b = g_path_get_basename (json_object_get_string_member (v, "path"));
      if (g_str_equal (b, base))
        return v;
    }
  g_error ("no video %s in the case", base);
  return NULL;
}

/* ---- per-file start times ---- */

/* Three files of one camera, no times given: each start comes from its
 * own name (before: all unknown), and the source is recorded. */
static void
test_filename_forms (void)
{
  g_autofree char *dir = scratch ("names/gate");
  g_autofree char *kase = scratch ("names-case");
  const char *names[] = { "ch01_20240314210500.mp4", "2024-03-14_21-20-00.mp4",
                          "20240314-213500.mp4" };
  const char *want[] = { "2024-03-14T21:05:00", "2024-03-14T21:20:00", "2024-03-14T21:35:00" };
  const char *args[] = { "index", kase, dir, "--no-faces", "--no-plates", "-q", NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonNode) info = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (!small_clip (dir, names[i]))
      return;
  g_assert_cmpint (trawl_test_run_cli (args, &out, &err), ==, 0);
  info = info_json (kase);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      JsonObject *v = video_named (info, names[i]);
      g_assert_cmpstr (json_object_get_string_member (v, "time_source"), ==, "filename");
      g_assert_true (g_str_has_prefix (json_object_get_string_member (v, "start_utc"), want[i]));
      g_assert_nonnull (strstr (json_object_get_string_member (v, "time_detail"), "form"));
    }
}

/* --start names the start of one file: a folder of three is refused
 * (before: all three began at the same second), with a way out named;
 * one file takes it. */
static void
test_start_one_file (void)
{
  g_autofree char *dir = scratch ("start/cam");
  g_autofree char *kase = scratch ("start-case");
  g_autofree char *one = NULL;
  const char *many[] = { "index", kase, dir, "--start", "2024-03-14T21:05:00Z", "--no-faces",
                         "--no-plates", "-q", NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonNode) info = NULL;
  JsonObject *v;

  for (int i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("clip%d.mp4", i);
      if (!small_clip (dir, name))
        return;
    }
  g_assert_cmpint (trawl_test_run_cli (many, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "--start"));
  g_assert_nonnull (strstr (err, "--times"));
  g_assert_false (g_file_test (kase, G_FILE_TEST_EXISTS));  /* nothing written */
  one = g_build_filename (dir, "clip1.mp4", NULL);
  many[2] = one;
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (trawl_test_run_cli (many, &out, &err), ==, 0);
  info = info_json (kase);
  v = video_named (info, "clip1.mp4");
  g_assert_cmpstr (json_object_get_string_member (v, "time_source"), ==, "user");
  g_assert_cmpstr (json_object_get_string_member (v, "start_utc"), ==, "2024-03-14T21:05:00Z");
}

/* A trawl-times.csv in the folder gives each file its start and camera
 * and the camera its offset; the source says which line. A bad row
 * refuses the run, naming file and line. */
static void
test_times_csv (void)
{
  g_autofree char *dir = scratch ("csv/in");
  g_autofree char *kase = scratch ("csv-case");
  g_autofree char *csv = g_build_filename (dir, "trawl-times.csv", NULL);
  const char *args[] = { "index", kase, dir, "--no-faces", "--no-plates", "-q", NULL };
  const char *cams[] = { "camera", "list", kase, "--json", NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonNode) info = NULL;
  g_autoptr(JsonNode) cl = NULL;
  JsonObject *a, *b;
  JsonArray *ca;

  if (!small_clip (dir, "a.mp4") || !small_clip (dir, "b.mp4"))
    return;
  g_assert_true (g_file_set_contents (csv,
    "file,camera,start,clock_offset\n"
    "a.mp4,gate-2,2024-03-14T21:05:00Z,\n"
    "b.mp4,gate-2,2024-03-14 bad,\n", -1, NULL));
  g_assert_cmpint (trawl_test_run_cli (args, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "trawl-times.csv:3"));
  /* one camera, two offsets: refused too */
  g_assert_true (g_file_set_contents (csv,
    "file,camera,start,clock_offset\n"
    "a.mp4,gate-2,2024-03-14T21:05:00Z,-3.5\n"
    "b.mp4,gate-2,2024-03-14T21:20:00Z,4\n", -1, NULL));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (trawl_test_run_cli (args, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "one offset"));
  g_assert_false (g_file_test (kase, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_set_contents (csv,
    "# the DVR's export log, retyped\n"
    "file,camera,start,clock_offset\n"
    "a.mp4,gate-2,2024-03-14T21:05:00Z,-3.5\n"
    "\"b.mp4\",gate-2,2024-03-14T21:20:00Z,\n", -1, NULL));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (trawl_test_run_cli (args, &out, &err), ==, 0);
  info = info_json (kase);
  a = video_named (info, "a.mp4");
  b = video_named (info, "b.mp4");
  g_assert_cmpstr (json_object_get_string_member (a, "time_source"), ==, "sidecar");
  g_assert_cmpstr (json_object_get_string_member (a, "start_utc"), ==, "2024-03-14T21:05:00Z");
  g_assert_cmpstr (json_object_get_string_member (b, "start_utc"), ==, "2024-03-14T21:20:00Z");
  g_assert_cmpstr (json_object_get_string_member (a, "camera"), ==, "gate-2");
  g_assert_true (g_str_has_suffix (json_object_get_string_member (b, "time_detail"),
                                   "trawl-times.csv:4"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (trawl_test_run_cli (cams, &out, &err), ==, 0);
  cl = json_from_string (out, NULL);
  ca = json_node_get_array (cl);
  g_assert_cmpuint (json_array_get_length (ca), ==, 1);
  g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (ca, 0),
                                                    "clock_offset_s"), ==, -3.5);
}

/* ---- clock offsets after indexing ---- */

/* The plate clip at a known start; then its camera's offset is set by
 * `trawl camera set` and by a re-run of index --clock-offset: every
 * sighting's and track's time moves (before: only the camera row changed,
 * or the re-run ignored it), and each change is an audit row. */
static void
test_camera_offset (void)
{
  g_autofree char *clip = trawl_test_need_data ("videos/plates/tud_s01.mp4");
  g_autofree char *kase = scratch ("offset-case");
  const char *index[] = { "index", kase, clip, "--camera", "gate", "--start",
                          "2024-03-14T21:05:00Z", "--no-faces", "-q", NULL, NULL, NULL };
  const char *set[] = { "camera", "set", kase, "gate", "--clock-offset", "-90", NULL };
  const char *unknown[] = { "camera", "set", kase, "yard", "--clock-offset", "5", NULL };
  const char *audit[] = { "audit", kase, NULL };
  const double start = 1710450300.0;  /* 2024-03-14T21:05:00Z */
  const double offsets[] = { 0, -90, 30 };
  g_autofree char *out = NULL, *err = NULL;

  if (clip == NULL || !have_plate_models ())
    return;
  for (guint step = 0; step < G_N_ELEMENTS (offsets); step++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TrawlCatalog) cat = NULL;
      g_autoptr(GPtrArray) tracks = NULL;
      guint n = 0;

      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
      if (step == 1)
        g_assert_cmpint (trawl_test_run_cli (set, &out, &err), ==, 0);
      else
        {
          if (step == 2)
            {
              index[9] = "--clock-offset";
              index[10] = "30";
            }
          g_assert_cmpint (trawl_test_run_cli (index, &out, &err), ==, 0);
        }
      cat = trawl_catalog_open (kase, TRAWL_CATALOG_READONLY, &error);
      g_assert_no_error (error);
      tracks = trawl_catalog_list_tracks (cat, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (tracks->len, >, 0);
      for (guint i = 0; i < tracks->len; i++)
        {
          TrawlTrack *t = tracks->pdata[i];
          g_autoptr(GPtrArray) s = trawl_catalog_list_track_sightings (cat, t->id, &error);
          g_assert_cmpfloat_with_epsilon (t->first_utc, start + offsets[step] + t->first_pts_s,
                                          1e-6);
          g_assert_cmpfloat_with_epsilon (t->last_utc, start + offsets[step] + t->last_pts_s,
                                          1e-6);
          for (guint k = 0; k < s->len; k++, n++)
            {
              TrawlSighting *si = s->pdata[k];
              g_assert_cmpfloat_with_epsilon (si->utc, start + offsets[step] + si->pts_s, 1e-6);
            }
        }
      g_assert_cmpuint (n, >, 0);
    }
  /* the re-run said so on stderr (it is not silent) */
  g_assert_nonnull (strstr (err, "clock offset"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (trawl_test_run_cli (unknown, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "gate"));  /* the known ones are listed */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (trawl_test_run_cli (audit, &out, &err), ==, 0);
  {
    const char *p = out;
    int rows = 0;
    while ((p = strstr (p, "camera-clock-offset")) != NULL)
      rows++, p++;
    g_assert_cmpint (rows, ==, 2);  /* -90 by camera set, +30 by index */
  }
}

/* ---- rotation ---- */

/* The plate clip turned on its side (pixels) with a display matrix that
 * turns it back, as a phone stores it: the same plates as the upright
 * clip (before: 0 instead of 7), and the rotation recorded. */
static void
test_rotated_clip (void)
{
  g_autofree char *clip = trawl_test_need_data ("videos/plates/tud_s01.mp4");
  g_autofree char *dir = scratch ("rot");
  g_autofree char *side = scratch ("rot-side.mp4");
  g_autofree char *tagged = g_build_filename (dir, "phone.mp4", NULL);
  g_autofree char *case_up = scratch ("rot-case-up");
  g_autofree char *case_rot = scratch ("rot-case");
  const char *turn[] = { "-i", NULL, "-vf", "transpose=clock", "-c:v", "libx264", "-crf", "12",
                         "-pix_fmt", "yuv420p", NULL, NULL };
  const char *tag[] = { "-i", NULL, "-c", "copy", "-metadata:s:v:0", "rotate=90", NULL, NULL };
  const char *up[] = { "index", case_up, NULL, "--no-faces", "-q", NULL };
  const char *rot[] = { "index", case_rot, dir, "--no-faces", "-q", NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonNode) iu = NULL, ir = NULL;
  gint64 plates_up, plates_rot;
  JsonObject *v;

  if (clip == NULL || !have_plate_models ())
    return;
  turn[1] = clip;
  turn[10] = side;
  tag[1] = side;
  tag[6] = tagged;
  g_mkdir_with_parents (dir, 0755);
  if (!ffmpeg (turn) || !ffmpeg (tag))
    return;
  up[2] = clip;
  g_assert_cmpint (trawl_test_run_cli (up, &out, &err), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (trawl_test_run_cli (rot, &out, &err), ==, 0);
  iu = info_json (case_up);
  ir = info_json (case_rot);
  plates_up = json_object_get_int_member (json_node_get_object (iu), "plate_sightings");
  plates_rot = json_object_get_int_member (json_node_get_object (ir), "plate_sightings");
  g_test_message ("plates: upright %" G_GINT64_FORMAT ", stored rotated %" G_GINT64_FORMAT,
                  plates_up, plates_rot);
  g_assert_cmpint (plates_up, >, 0);
  /* re-encoding may cost a read at the margin, never most of them */
  g_assert_cmpint (plates_rot, >=, plates_up - 1);
  v = video_named (ir, "phone.mp4");
  g_assert_cmpint (json_object_get_int_member (v, "rotation"), !=, 0);
}

/* ---- time jumps ---- */

/* Two 2 s MPEG-TS clips joined byte for byte, the second's clock behind
 * the first's (FFmpeg reads it as a clock wrap: 26 hours): the video is
 * recorded at its true length with the jump, and the run warns. */
static void
test_time_jump (void)
{
  g_autofree char *a = scratch ("jump-a.ts"), *b = scratch ("jump-b.ts");
  g_autofree char *dir = scratch ("jump");
  g_autofree char *joined = g_build_filename (dir, "joined.ts", NULL);
  g_autofree char *kase = scratch ("jump-case");
  const char *src = "testsrc=size=160x120:rate=10:duration=2";
  const char *ma[] = { "-f", "lavfi", "-i", src, "-c:v", "mpeg2video", "-output_ts_offset",
                       "1000", a, NULL };
  const char *mb[] = { "-f", "lavfi", "-i", src, "-c:v", "mpeg2video", b, NULL };
  const char *args[] = { "index", kase, dir, "--no-faces", "--no-plates", "-q", NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *da = NULL, *db = NULL;
  gsize la, lb;
  g_autoptr(JsonNode) info = NULL;
  JsonObject *v;

  if (!ffmpeg (ma) || !ffmpeg (mb))
    return;
  g_mkdir_with_parents (dir, 0755);
  g_assert_true (g_file_get_contents (a, &da, &la, NULL));
  g_assert_true (g_file_get_contents (b, &db, &lb, NULL));
  {
    g_autofree char *both = g_malloc (la + lb);
    memcpy (both, da, la);
    memcpy (both + la, db, lb);
    g_assert_true (g_file_set_contents (joined, both, la + lb, NULL));
  }
  g_assert_cmpint (trawl_test_run_cli (args, &out, &err), ==, 0);
  g_assert_nonnull (strstr (err, "timestamps jump"));
  info = info_json (kase);
  v = video_named (info, "joined.ts");
  g_assert_cmpfloat (json_object_get_double_member (v, "duration_s"), <, 4.5);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (v, "time_jumps")), ==,
                    1);
  g_assert_cmpfloat (json_object_get_double_member (json_node_get_object (info),
                                                    "hours_indexed"), <, 0.01);
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("trawl-cli-times-XXXXXX", NULL);
  g_test_add_func ("/cli/times/filename-forms", test_filename_forms);
  g_test_add_func ("/cli/times/start-one-file", test_start_one_file);
  g_test_add_func ("/cli/times/times-csv", test_times_csv);
  g_test_add_func ("/cli/times/camera-offset", test_camera_offset);
  g_test_add_func ("/cli/times/rotated-clip", test_rotated_clip);
  g_test_add_func ("/cli/times/time-jump", test_time_jump);
  rc = g_test_run ();
  trawl_test_remove_tree (tmpdir);
  g_free (tmpdir);
  return rc;
}
