/* test-search-clips.c - trawl search on a case indexed from the shared
 * clips (skips without models or data): plate clips on camera "gate",
 * the Hamilton clip on camera "lobby" ten minutes later.
 *
 * - every labelled plate of those clips is found by its exact text, by a
 *   wildcard, by a misread (a look-alike swapped) and with one character
 *   missing, ranked first and called a match;
 * - Lin-Manuel Miranda's still photo finds a lobby track, and no gate
 *   track passes the threshold;
 * - two CCTV-style people clips (camera "hall", no labelled person) and
 *   the Hamilton clip: every gallery identity of faces/images, searched
 *   with all its single-person photos, matches no hall track, and only
 *   the people labelled in the Hamilton clip may match a lobby track;
 * - a photo of the plate (the track's own thumbnail) finds the track;
 * - a photo without a face and a file that is no picture fail with a
 *   message that says so;
 * - searches run while `trawl index` (another process) writes the case,
 *   and see the new plate once it is committed.
 * Labels come from the data's labels.csv files.
 */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <trawl/detect.h>
#include <trawl/eval.h>
#include <trawl/indexer.h>
#include <trawl/search.h>

#include "../common/trawl-test.h"

#define T0 1710446700.0  /* 2024-03-14T20:05:00Z */

static char *case_dir;
static GPtrArray *labels;  /* of char*: plate texts of the indexed clips */
static char *setup_error;

static const char *const plate_clips[] = { "tud_s01.mp4", "tud_s05.avi" };
static const char *const late_clip = "tud_s04.avi";
static const char *const hall_clips[] = { "classroom.gif", "face-demographics-walking.gif" };

static char *
data_path (const char *rel)
{
  g_autofree char *dir = trawl_test_data_dir ();
  return g_build_filename (dir, rel, NULL);
}

static gboolean
have_inputs (void)
{
  g_autoptr(GError) e = NULL;
  g_autofree char *model = trawl_model_path ("face-api/ssd_mobilenetv1_model.bin", &e);
  g_autofree char *clip = data_path ("videos/people/short_hamilton_clip.mp4");

  if (model == NULL)
    {
      g_autofree char *msg = g_strdup_printf ("models absent: %s (run scripts/setup)", e->message);
      g_test_skip (msg);
      return FALSE;
    }
  if (!g_file_test (clip, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("shared data absent; set TRAWL_DATA");
      return FALSE;
    }
  if (setup_error != NULL)
    {
      g_test_fail_printf ("the case could not be indexed: %s", setup_error);
      return FALSE;
    }
  return TRUE;
}

static void
load_labels (void)
{
  g_autofree char *csv_path = data_path ("videos/plates/labels.csv");
  TrawlCsv *csv = trawl_csv_load (csv_path, NULL);

  labels = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; csv != NULL && i < csv->rows->len; i++)
    {
      const TrawlCsvRow *row = csv->rows->pdata[i];
      for (guint k = 0; k < G_N_ELEMENTS (plate_clips); k++)
        if (strcmp (trawl_csv_get (csv, row, "file"), plate_clips[k]) == 0)
          g_ptr_array_add (labels, g_strdup (trawl_csv_get (csv, row, "plate_text")));
    }
  trawl_csv_free (csv);
}

static gboolean
index_into (const char *const *files, guint n, const char *camera, double start, GError **error)
{
  TrawlIndexOptions o;
  TrawlIndexProgress p = { 0 };
  gboolean ok;

  g_autofree char *csv = NULL;

  trawl_index_options_init (&o);
  o.camera = camera;
  if (n == 1)
    o.start_utc = start;
  else
    {
      /* one start per file (--start is one file's): 10 s apart, in order */
      g_autoptr(GString) rows = g_string_new ("file,start\n");
      g_autofree char *name = g_strdup_printf ("times-%s.csv", camera);
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc ((gint64) start + 10 * i);
          g_autofree char *iso = g_date_time_format_iso8601 (t);
          g_string_append_printf (rows, "%s,%s\n", files[i], iso);
        }
      csv = g_build_filename (case_dir, name, NULL);
      g_assert_true (g_file_set_contents (csv, rows->str, -1, NULL));
      o.times_csv = csv;
    }
  ok = trawl_index_run (case_dir, files, n, &o, &p, error);
  if (ok && p.videos_failed > 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "%u clips failed: %s",
                   p.videos_failed, (char *) p.failures->pdata[0]);
      ok = FALSE;
    }
  g_clear_pointer (&p.failures, g_ptr_array_unref);
  return ok;
}

static void
build_case (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) plates = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *hamilton = data_path ("videos/people/short_hamilton_clip.mp4");
  g_autofree char *model = trawl_model_path ("face-api/ssd_mobilenetv1_model.bin", NULL);

  case_dir = g_dir_make_tmp ("trawl-search-clips-XXXXXX", NULL);
  load_labels ();
  if (model == NULL || !g_file_test (hamilton, G_FILE_TEST_EXISTS))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (plate_clips); i++)
    {
      g_autofree char *rel = g_build_filename ("videos/plates", plate_clips[i], NULL);
      g_ptr_array_add (plates, data_path (rel));
    }
  if (!index_into ((const char *const *) plates->pdata, plates->len, "gate", T0, &error)
      || !index_into ((const char *const *) &hamilton, 1, "lobby", T0 + 600, &error))
    {
      setup_error = g_strdup (error->message);
      return;
    }
  {
    g_autoptr(GPtrArray) hall = g_ptr_array_new_with_free_func (g_free);
    for (guint i = 0; i < G_N_ELEMENTS (hall_clips); i++)
      {
        g_autofree char *rel = g_build_filename ("videos/people", hall_clips[i], NULL);
        g_ptr_array_add (hall, data_path (rel));
      }
    if (!index_into ((const char *const *) hall->pdata, hall->len, "hall", T0 + 1200, &error))
      setup_error = g_strdup (error->message);
  }
}

static TrawlSearchResults *
plate_query (const char *pattern, gboolean exact)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlSearch) s = trawl_search_new (case_dir, &error);
  g_autoptr(TrawlQuery) q = trawl_query_new ();
  TrawlSearchResults *r;

  g_assert_no_error (error);
  g_assert_true (trawl_query_set_plate_text (q, pattern, exact, &error));
  r = trawl_search_run (s, q, NULL, &error);
  g_assert_no_error (error);
  return r;
}

/* The label's track is ranked first and matches. */
static void
expect_top (const char *pattern, gboolean exact, const char *label)
{
  g_autoptr(TrawlSearchResults) r = plate_query (pattern, exact);
  g_autofree char *norm = trawl_plate_normalize (label);
  const TrawlSearchHit *h;

  if (r->hits->len == 0)
    g_error ("'%s' (plate %s) found nothing", pattern, label);
  h = r->hits->pdata[0];
  if (g_strcmp0 (h->plate_text, norm) != 0 || !h->match)
    g_error ("'%s' (plate %s): the first hit reads %s, score %.3f, match %d", pattern, label,
             h->plate_text, h->score, h->match);
  g_assert_cmpstr (h->camera, ==, "gate");
  g_assert_cmpfloat (h->first_utc, >=, T0);
}

/* label with one look-alike swapped (B<->8, O<->0, ...), or NULL */
static char *
misread (const char *norm)
{
  const char *from = "0O1I5S8B2Z6G", *to = "O0I1S5B8Z2G6";
  char *out = g_strdup (norm);
  for (char *c = out; *c; c++)
    {
      const char *hit = strchr (from, *c);
      if (hit != NULL)
        {
          *c = to[hit - from];
          return out;
        }
    }
  g_free (out);
  return NULL;
}

static void
test_plates_by_text (void)
{
  if (!have_inputs ())
    return;
  g_assert_cmpuint (labels->len, ==, 3);
  for (guint i = 0; i < labels->len; i++)
    {
      const char *label = labels->pdata[i];
      g_autofree char *norm = trawl_plate_normalize (label);
      g_autofree char *wild = g_strdup (norm);
      g_autofree char *star = g_strdup_printf ("*%s", norm + 2);
      g_autofree char *bad = misread (norm);
      g_autofree char *missing = NULL;
      size_t n = strlen (norm);

      expect_top (label, TRUE, label);            /* as written on the plate */
      expect_top (norm, FALSE, label);
      wild[1] = wild[n - 2] = '?';
      expect_top (wild, TRUE, label);
      expect_top (star, TRUE, label);
      if (bad != NULL)
        expect_top (bad, FALSE, label);
      missing = g_strdup_printf ("%.*s%s", (int) (n / 2), norm, norm + n / 2 + 1);
      expect_top (missing, FALSE, label);
    }
}

static void
test_face_photo (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlSearch) s = NULL;
  g_autoptr(TrawlQuery) q = trawl_query_new ();
  g_autoptr(TrawlSearchResults) r = NULL;
  g_autofree char *photo = NULL;
  g_autofree char *csv_path = data_path ("faces/images/labels.csv");
  TrawlCsv *csv;
  guint matches = 0;

  if (!have_inputs ())
    return;
  csv = trawl_csv_load (csv_path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < csv->rows->len && photo == NULL; i++)
    {
      const TrawlCsvRow *row = csv->rows->pdata[i];
      if (strcmp (trawl_csv_get (csv, row, "identity"), "lin_manuel_miranda") == 0)
        {
          g_autofree char *rel = g_build_filename ("faces/images", trawl_csv_get (csv, row, "file"),
                                                   NULL);
          photo = data_path (rel);
        }
    }
  trawl_csv_free (csv);
  g_assert_nonnull (photo);
  s = trawl_search_new (case_dir, &error);
  trawl_query_add_face_photo (q, photo, 0, NULL);
  r = trawl_search_run (s, q, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (r->hits->len, >, 0);
  g_assert_true (((TrawlSearchHit *) r->hits->pdata[0])->match);
  for (guint i = 0; i < r->hits->len; i++)
    {
      const TrawlSearchHit *h = r->hits->pdata[i];
      if (!h->match)
        continue;
      matches++;
      g_assert_cmpstr (h->camera, ==, "lobby");
      g_assert_cmpfloat (h->first_utc, >=, T0 + 600);
    }
  g_test_message ("Miranda: %u matching track(s), best score %.3f, threshold %.3f", matches,
                  ((TrawlSearchHit *) r->hits->pdata[0])->score, r->threshold);
}

static void
test_bad_photos (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlSearch) s = NULL;
  g_autofree char *scene = data_path ("plates/images/oalpr_br_s001.jpg");
  g_autofree char *csv = data_path ("videos/plates/labels.csv");

  if (!have_inputs ())
    return;
  s = trawl_search_new (case_dir, &error);
  {
    /* a car, no face */
    g_autoptr(TrawlQuery) q = trawl_query_new ();
    g_autoptr(TrawlSearchResults) r = NULL;
    trawl_query_add_face_photo (q, scene, 0, NULL);
    r = trawl_search_run (s, q, NULL, &error);
    g_assert_null (r);
    g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
    g_assert_nonnull (strstr (error->message, "no face found"));
    g_assert_nonnull (strstr (error->message, "--box"));
    g_clear_error (&error);
  }
  {
    /* asks for a second face where there is none */
    g_autoptr(TrawlQuery) q = trawl_query_new ();
    g_autofree char *face = data_path ("faces/images/fr_001.jpg");
    g_autoptr(TrawlSearchResults) r = NULL;
    trawl_query_add_face_photo (q, face, 5, NULL);
    r = trawl_search_run (s, q, NULL, &error);
    g_assert_null (r);
    g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
    g_assert_nonnull (strstr (error->message, "face index"));
    g_clear_error (&error);
  }
  {
    g_autoptr(TrawlQuery) q = trawl_query_new ();
    g_autoptr(TrawlSearchResults) r = NULL;
    trawl_query_add_face_photo (q, csv, 0, NULL);
    r = trawl_search_run (s, q, NULL, &error);
    g_assert_null (r);
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, csv));
    g_clear_error (&error);
  }
}

/* The plate track's own thumbnail, as a photo a user would bring. */
static void
test_plate_photo (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlSearchResults) r0 = NULL;
  g_autoptr(TrawlSearch) s = NULL;
  g_autoptr(TrawlQuery) q = trawl_query_new ();
  g_autoptr(TrawlSearchResults) r = NULL;
  g_autoptr(GBytes) jpeg = NULL;
  g_autofree char *path = NULL;
  const TrawlSearchHit *want;
  gsize len;
  const void *data;

  if (!have_inputs ())
    return;
  r0 = plate_query (labels->pdata[0], TRUE);
  g_assert_cmpuint (r0->hits->len, >, 0);
  want = r0->hits->pdata[0];
  s = trawl_search_new (case_dir, &error);
  g_assert_true (trawl_catalog_get_thumbnail (trawl_case_get_catalog (trawl_search_get_case (s)),
                                              want->best_sighting_id, &jpeg, &error));
  g_assert_nonnull (jpeg);
  path = g_build_filename (case_dir, "plate-photo.jpg", NULL);
  data = g_bytes_get_data (jpeg, &len);
  g_assert_true (g_file_set_contents (path, data, (gssize) len, NULL));
  trawl_query_set_plate_photo (q, path);
  r = trawl_search_run (s, q, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("plate photo read as %s", r->query_text);
  g_assert_cmpuint (r->hits->len, >, 0);
  g_assert_cmpint (((TrawlSearchHit *) r->hits->pdata[0])->track_id, ==, want->track_id);
  g_assert_true (((TrawlSearchHit *) r->hits->pdata[0])->match);
}

static char *
trawl_exe (void)
{
  const char *b = g_getenv ("TRAWL_BUILD_ROOT");
  return g_build_filename (b ? b : ".", "src", "cli", "trawl", NULL);
}

static void
test_while_indexing (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *exe = trawl_exe ();
  g_autofree char *rel = g_build_filename ("videos/plates", late_clip, NULL);
  g_autofree char *clip = data_path (rel);
  g_autoptr(GSubprocess) p = NULL;
  int searches = 0;

  if (!have_inputs ())
    return;
  if (!g_file_test (exe, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("trawl executable not built");
      return;
    }
  p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                        &error, exe, "index", case_dir, clip, "--camera", "gate", "--no-faces",
                        NULL);
  g_assert_no_error (error);
  /* Until the indexer is done (GLib's worker thread reaps it and clears
   * the identifier): the committed plates are always there. */
  do
    {
      g_autoptr(TrawlSearchResults) r = plate_query (labels->pdata[0], TRUE);
      g_assert_cmpuint (r->hits->len, ==, 1);
      searches++;
      g_usleep (200000);
    }
  while (g_subprocess_get_identifier (p) != NULL);
  g_assert_true (g_subprocess_wait_check (p, NULL, &error));
  g_test_message ("%d searches while indexing", searches);
  {
    g_autoptr(TrawlSearchResults) r = plate_query ("96-ND-JB", TRUE);
    g_assert_cmpuint (r->hits->len, ==, 1);
  }
}

/* The identities labelled in the Hamilton clip (videos/people/labels.csv). */
static GStrv
hamilton_people (void)
{
  g_autofree char *csv_path = data_path ("videos/people/labels.csv");
  TrawlCsv *csv = trawl_csv_load (csv_path, NULL);
  GStrv out = NULL;

  for (guint i = 0; csv != NULL && i < csv->rows->len && out == NULL; i++)
    {
      const TrawlCsvRow *row = csv->rows->pdata[i];
      if (strcmp (trawl_csv_get (csv, row, "file"), "short_hamilton_clip.mp4") == 0)
        out = g_strsplit (trawl_csv_get (csv, row, "identities_present"), ";", -1);
    }
  trawl_csv_free (csv);
  return out != NULL ? out : g_new0 (char *, 1);
}

/* No false match: each gallery identity, with all its single-person
 * photos, matches nothing on the hall clips (no labelled person there) and
 * nothing in the lobby unless labelled there. Before the quality gate and
 * the per-photo score, Miranda's and Obama's photos matched hall tracks. */
static void
test_no_false_match (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *csv_path = data_path ("faces/images/labels.csv");
  g_autoptr(GHashTable) by_id = NULL;
  g_auto(GStrv) present = NULL;
  g_autoptr(TrawlSearch) s = NULL;
  GHashTableIter it;
  gpointer key, value;
  TrawlCsv *csv;
  guint n_ids = 0;

  if (!have_inputs ())
    return;
  present = hamilton_people ();
  by_id = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                 (GDestroyNotify) g_ptr_array_unref);
  csv = trawl_csv_load (csv_path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < csv->rows->len; i++)
    {
      const TrawlCsvRow *row = csv->rows->pdata[i];
      const char *id = trawl_csv_get (csv, row, "identity");
      GPtrArray *photos;
      g_autofree char *rel = NULL;

      if (strcmp (trawl_csv_get (csv, row, "faces_labelled_in_image"), "1") != 0)
        continue;
      photos = g_hash_table_lookup (by_id, id);
      if (photos == NULL)
        {
          photos = g_ptr_array_new_with_free_func (g_free);
          g_hash_table_insert (by_id, g_strdup (id), photos);
        }
      rel = g_build_filename ("faces/images", trawl_csv_get (csv, row, "file"), NULL);
      g_ptr_array_add (photos, data_path (rel));
    }
  trawl_csv_free (csv);
  s = trawl_search_new (case_dir, &error);
  g_assert_no_error (error);
  g_hash_table_iter_init (&it, by_id);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      GPtrArray *photos = value;
      g_autoptr(TrawlQuery) q = trawl_query_new ();
      g_autoptr(TrawlSearchResults) r = NULL;
      gboolean labelled = g_strv_contains ((const char *const *) present, key);

      for (guint k = 0; k < photos->len; k++)
        trawl_query_add_face_photo (q, photos->pdata[k], 0, NULL);
      trawl_query_set_limit (q, 0);
      r = trawl_search_run (s, q, NULL, &error);
      g_assert_no_error (error);
      n_ids++;
      for (guint i = 0; i < r->hits->len; i++)
        {
          const TrawlSearchHit *h = r->hits->pdata[i];
          if (h->match && (strcmp (h->camera, "lobby") != 0 || !labelled))
            g_error ("%s (%u photos) matches track %" G_GINT64_FORMAT " on %s, score %.3f",
                     (char *) key, photos->len, h->track_id, h->camera, h->score);
        }
      g_test_message ("%s: %u photos, best %.3f on %s", (char *) key, photos->len,
                      r->hits->len ? ((TrawlSearchHit *) r->hits->pdata[0])->score : 0.0,
                      r->hits->len ? ((TrawlSearchHit *) r->hits->pdata[0])->camera : "-");
    }
  g_assert_cmpuint (n_ids, >=, 5);
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  build_case ();
  g_test_add_func ("/search-clips/plates-by-text", test_plates_by_text);
  g_test_add_func ("/search-clips/face-photo", test_face_photo);
  g_test_add_func ("/search-clips/no-false-match", test_no_false_match);
  g_test_add_func ("/search-clips/bad-photos", test_bad_photos);
  g_test_add_func ("/search-clips/plate-photo", test_plate_photo);
  g_test_add_func ("/search-clips/while-indexing", test_while_indexing);
  rc = g_test_run ();
  trawl_test_remove_tree (case_dir);
  g_free (case_dir);
  g_free (setup_error);
  g_ptr_array_unref (labels);
  return rc;
}
