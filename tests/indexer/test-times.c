/* test-times.c - the times CSV of `trawl index` (trawl_index_load_times):
 * columns by name in any order, quoting, comments, paths taken from the
 * CSV's folder, empty fields as "not given", and errors that name the
 * line. No footage or models needed. */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <trawl/base.h>
#include <trawl/indexer.h>
#include "../common/trawl-test.h"

static char *tmpdir;

static char *
write_csv (const char *name, const char *text)
{
  char *path = g_build_filename (tmpdir, name, NULL);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static void
test_rows (void)
{
  g_autofree char *csv = write_csv ("ok.csv",
    "# exported from the DVR log\r\n"
    "start,file,clock_offset,camera\r\n"
    "2024-03-14T21:05:00Z,gate/0001.mp4,-3.5,gate-2\r\n"
    "\r\n"
    "2024-03-14T21:20:00+01:00,\"/abs/with, comma.mp4\",,\r\n"
    ",only-camera.mp4,,\"yard \"\"B\"\"\"\r\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = trawl_index_load_times (csv, &error);
  g_autofree char *want0 = g_build_filename (tmpdir, "gate", "0001.mp4", NULL);
  TrawlTimesRow *r;

  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 3);
  r = rows->pdata[0];
  g_assert_cmpstr (r->file, ==, want0);  /* relative to the CSV's folder */
  g_assert_cmpstr (r->camera, ==, "gate-2");
  g_assert_cmpfloat (r->start_utc, ==, 1710450300.0);
  g_assert_cmpfloat (r->clock_offset_s, ==, -3.5);
  g_assert_true (g_str_has_suffix (r->where, "ok.csv:3"));
  r = rows->pdata[1];
  g_assert_cmpstr (r->file, ==, "/abs/with, comma.mp4");
  g_assert_cmpfloat (r->start_utc, ==, 1710450300.0 + 15 * 60 - 3600);
  g_assert_true (isnan (r->clock_offset_s));
  g_assert_null (r->camera);
  r = rows->pdata[2];
  g_assert_true (isnan (r->start_utc));
  g_assert_cmpstr (r->camera, ==, "yard \"B\"");
}

static void
test_errors (void)
{
  struct { const char *text, *says; } bad[] = {
    { "file,when\na.mp4,2024\n", "unknown column 'when'" },
    { "camera,start\ngate,2024-03-14\n", "no 'file' column" },
    { "file,start\na.mp4,yesterday\n", ":2: start:" },
    { "file,clock_offset\na.mp4,\n b.mp4,ten\n", ":3: clock_offset 'ten'" },
    { "file,start\n\"a.mp4,2024-03-14\n", ":2: a quote is not closed" },
    { "file,start\n,2024-03-14\n", ":2: no file named" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *name = g_strdup_printf ("bad%u.csv", i);
      g_autofree char *csv = write_csv (name, bad[i].text);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) rows = trawl_index_load_times (csv, &error);

      g_test_message ("%s", bad[i].says);
      g_assert_null (rows);
      g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
      g_assert_nonnull (strstr (error->message, bad[i].says));
      g_assert_nonnull (strstr (error->message, name));
    }
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("trawl-times-XXXXXX", NULL);
  g_test_add_func ("/indexer/times/rows", test_rows);
  g_test_add_func ("/indexer/times/errors", test_errors);
  rc = g_test_run ();
  trawl_test_remove_tree (tmpdir);
  g_free (tmpdir);
  return rc;
}
