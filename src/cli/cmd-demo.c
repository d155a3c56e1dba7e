/* cmd-demo.c - `trawl demo`: a first useful result for a new user.
 *
 * Makes a case directory, indexes demo footage, then runs one face query
 * and one plate query against the case (trawl/search.h) and prints what a person can check.
 * Footage: with the shared test data (TRAWL_DATA or --data) a labelled
 * plate clip and the face clip; without it, a slideshow clip the demo makes
 * from the face-api package's sample photos with the ffmpeg CLI (there is no
 * plate footage then, and the demo says so). Nothing is simulated: every
 * line printed comes from the index and the searches. */
#include "trawl-config.h"
#include "cli.h"

#include <trawl/base.h>
#include <trawl/catalog.h>
#include <trawl/detect.h>
#include <trawl/eval.h>
#include <trawl/image.h>
#include <trawl/indexer.h>
#include <trawl/plate.h>
#include <trawl/search.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static char *opt_case;
static char *opt_data;

static const GOptionEntry demo_entries[] = {
  { "case", 0, 0, G_OPTION_ARG_FILENAME, &opt_case,
    "Case directory to create (default: ./demo-case)", "DIR" },
  { "data", 0, 0, G_OPTION_ARG_FILENAME, &opt_data,
    "Labelled data folder laid out like ../shared/data (default: $TRAWL_DATA)", "DIR" },
  { NULL }
};

/* What the demo indexes and asks. */
typedef struct {
  GPtrArray *footage;      /* of char*: files to index */
  char      *face_photo;   /* query photo */
  char      *face_label;   /* who that is, for people */
  char      *plate_text;   /* labelled plate to ask for, or NULL */
} DemoPlan;

static void
demo_plan_clear (DemoPlan *p)
{
  g_clear_pointer (&p->footage, g_ptr_array_unref);
  g_clear_pointer (&p->face_photo, g_free);
  g_clear_pointer (&p->face_label, g_free);
  g_clear_pointer (&p->plate_text, g_free);
}

static int
check_models (void)
{
  g_autofree char *manifest = g_build_filename (trawl_models_dir (), "manifest.ini", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlModelManifest) m = trawl_model_manifest_load (manifest, &error);
  int ok = 0;

  if (m == NULL)
    {
      fprintf (stderr, "demo: %s\n  run scripts/setup or 'trawl models fetch' first\n",
               error->message);
      return -1;
    }
  for (guint i = 0; i < m->entries->len; i++)
    {
      g_autoptr(GError) e = NULL;
      if (trawl_model_entry_verify (m->entries->pdata[i], trawl_models_dir (), &e))
        ok++;
      else
        fprintf (stderr, "demo: %s\n", e->message);
    }
  printf ("[1/5] models: %d of %u files present and sha256-verified in %s\n", ok,
          m->entries->len, trawl_models_dir ());
  return ok == (int) m->entries->len ? 0 : -1;
}

/* First row of dir/labels.csv whose column col is non-empty; fills *file
 * and *value. */
static gboolean
first_labelled (const char *dir, const char *col, const char *want, char **file, char **value)
{
  g_autofree char *path = g_build_filename (dir, "labels.csv", NULL);
  TrawlCsv *csv = trawl_csv_load (path, NULL);
  gboolean found = FALSE;

  if (csv == NULL)
    return FALSE;
  for (guint i = 0; i < csv->rows->len && !found; i++)
    {
      const TrawlCsvRow *row = csv->rows->pdata[i];
      const char *v = trawl_csv_get (csv, row, col);
      if (*v == '\0' || (want != NULL && strcmp (v, want) != 0))
        continue;
      *file = g_build_filename (dir, trawl_csv_get (csv, row, "file"), NULL);
      *value = g_strdup (v);
      found = g_file_test (*file, G_FILE_TEST_IS_REGULAR);
      if (!found)
        {
          g_clear_pointer (file, g_free);
          g_clear_pointer (value, g_free);
        }
    }
  trawl_csv_free (csv);
  return found;
}

/* The shared data's plate clip, face clip and that person's photo. */
static gboolean
plan_from_data (const char *data, DemoPlan *plan)
{
  g_autofree char *plates = g_build_filename (data, "videos", "plates", NULL);
  g_autofree char *faces = g_build_filename (data, "faces", "images", NULL);
  g_autofree char *clip = g_build_filename (data, "videos", "people",
                                            "short_hamilton_clip.mp4", NULL);
  char *plate_clip = NULL, *plate_text = NULL;

  if (!g_file_test (clip, G_FILE_TEST_IS_REGULAR) ||
      !first_labelled (faces, "identity", "lin_manuel_miranda", &plan->face_photo,
                       &plan->face_label) ||
      !first_labelled (plates, "plate_text", NULL, &plate_clip, &plate_text))
    return FALSE;
  plan->footage = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (plan->footage, plate_clip);
  g_ptr_array_add (plan->footage, g_strdup (clip));
  plan->plate_text = plate_text;
  return TRUE;
}

/* Without the shared data: a 6-second slideshow of the face-api sample
 * photos, made by the ffmpeg CLI (part of the set-up's packages). */
static gboolean
plan_from_samples (const char *case_dir, DemoPlan *plan, GError **error)
{
  g_autofree char *dir = g_build_filename (case_dir, "demo-footage", NULL);
  g_autofree char *out = g_build_filename (dir, "samples.mp4", NULL);
  g_autofree char *pattern = NULL;
  g_autoptr(GSubprocess) p = NULL;
  g_autofree char *first = trawl_model_path ("face-api/sample1.jpg", error);

  if (first == NULL)
    return FALSE;
  g_mkdir_with_parents (dir, 0755);
  if (!g_file_test (out, G_FILE_TEST_IS_REGULAR))
    {
      pattern = g_build_filename (trawl_models_dir (), "face-api", "sample%d.jpg", NULL);
      p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                            error, "ffmpeg", "-y", "-framerate", "1", "-start_number", "1",
                            "-i", pattern, "-vf",
                            "scale=1280:720:force_original_aspect_ratio=decrease,"
                            "pad=1280:720:(ow-iw)/2:(oh-ih)/2,format=yuv420p",
                            "-r", "5", "-c:v", "libx264", out, NULL);
      if (p == NULL || !g_subprocess_wait_check (p, NULL, error))
        {
          g_prefix_error (error, "making the demo clip with the ffmpeg CLI: ");
          return FALSE;
        }
    }
  plan->footage = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (plan->footage, g_strdup (out));
  plan->face_photo = g_steal_pointer (&first);
  plan->face_label = g_strdup ("the first face-api sample photo");
  return TRUE;
}

static void
print_progress (const TrawlIndexProgress *p, gpointer user_data)
{
  (void) user_data;
  if (isatty (fileno (stdout)))
    printf ("\r      %u/%u files, %.0f s of video, %" G_GUINT64_FORMAT " faces, %"
            G_GUINT64_FORMAT " plates   ", p->files_done, p->files_total, p->video_s_done,
            p->faces, p->plates);
  fflush (stdout);
}

static void
print_hits (const TrawlSearchResults *r, guint max)
{
  for (guint i = 0; i < r->hits->len && i < max; i++)
    {
      const TrawlSearchHit *h = r->hits->pdata[i];
      g_autofree char *base = h->video_path ? g_path_get_basename (h->video_path) : NULL;
      printf ("      track %-4" G_GINT64_FORMAT " %-26s t=%6.2f s  score %.3f %s%s%s\n",
              h->track_id, base ? base : "?", h->jump_pts_s, h->score,
              h->match ? "MATCH" : "(below the threshold)",
              h->plate_text ? "  read " : "", h->plate_text ? h->plate_text : "");
    }
}

static int
face_query (TrawlSearch *s, const DemoPlan *plan)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlQuery) q = trawl_query_new ();
  g_autoptr(TrawlSearchResults) r = NULL;
  g_autoptr(GPtrArray) route = NULL;

  printf ("[4/5] face query: %s (%s)\n", plan->face_photo, plan->face_label);
  trawl_query_add_face_photo (q, plan->face_photo, 0, NULL);
  trawl_query_set_limit (q, 5);
  r = trawl_search_run (s, q, NULL, &error);
  if (r == NULL)
    return trawl_cli_fail (&error);
  print_hits (r, 5);
  route = trawl_search_results_route (r);
  printf ("      %u of the %u nearest face tracks score %.3f or more: the same person\n",
          route->len, r->hits->len, r->threshold);
  return 0;
}

/* Asks for the labelled plate with one character swapped for a look-alike
 * (as a witness or an OCR might), to show the fuzzy match at work. */
static int
plate_query (TrawlSearch *s, const DemoPlan *plan)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlQuery) q = trawl_query_new ();
  g_autoptr(TrawlSearchResults) r = NULL;
  g_autofree char *norm = NULL;

  if (plan->plate_text == NULL)
    {
      printf ("[5/5] plate query: skipped, no plate footage without the shared data "
              "(pass --data DIR or set TRAWL_DATA)\n");
      return 0;
    }
  norm = trawl_plate_normalize (plan->plate_text);
  for (char *c = norm; *c; c++)
    {
      const char *from = "0O1I5S8B", *to = "O0I1S5B8";
      const char *hit = strchr (from, *c);
      if (hit != NULL)
        {
          *c = to[hit - from];
          break;
        }
    }
  printf ("[5/5] plate query: \"%s\" (the clip's label is %s; one look-alike character swapped)\n",
          norm, plan->plate_text);
  if (!trawl_query_set_plate_text (q, norm, FALSE, &error)
      || (r = trawl_search_run (s, q, NULL, &error)) == NULL)
    return trawl_cli_fail (&error);
  print_hits (r, 3);
  if (r->hits->len == 0)
    printf ("      no plate track near it in the case\n");
  return 0;
}

int
trawl_cmd_demo (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  DemoPlan plan = { 0 };
  TrawlIndexOptions opts;
  TrawlIndexProgress final = { 0 };
  TrawlSearch *search;
  const char *case_dir, *data;
  int rc;

  g_option_context_set_summary (ctx,
    "Creates a demo case, indexes demo footage and runs one face query and one plate\n"
    "query, printing results you can check. With the shared test data (--data or\n"
    "TRAWL_DATA) it uses a labelled plate clip and the face clip; without it, a clip\n"
    "made from the face-api sample photos.");
  g_option_context_add_main_entries (ctx, demo_entries, NULL);
  if (!trawl_cli_parse (ctx, &argc, &argv))
    return 2;
  case_dir = opt_case ? opt_case : "demo-case";
  data = opt_data ? opt_data : g_getenv ("TRAWL_DATA");
  if (check_models () != 0)
    return 1;
  if (g_mkdir_with_parents (case_dir, 0755) != 0)
    {
      fprintf (stderr, "demo: cannot create %s: %s\n", case_dir, g_strerror (errno));
      return 1;
    }
  if (data == NULL || !plan_from_data (data, &plan))
    {
      demo_plan_clear (&plan);
      if (!plan_from_samples (case_dir, &plan, &error))
        return trawl_cli_fail (&error);
      printf ("[2/5] footage: %s (from the face-api sample photos; no shared data found)\n",
              (char *) plan.footage->pdata[0]);
    }
  else
    printf ("[2/5] footage: %s and %s (shared test data)\n", (char *) plan.footage->pdata[0],
            (char *) plan.footage->pdata[1]);

  trawl_index_options_init (&opts);
  opts.camera = "demo";
  opts.progress = print_progress;
  printf ("[3/5] indexing into %s\n", case_dir);
  if (!trawl_index_run (case_dir, (const char *const *) plan.footage->pdata, plan.footage->len,
                        &opts, &final, &error))
    {
      demo_plan_clear (&plan);
      return trawl_cli_fail (&error);
    }
  printf ("%s      %u indexed, %u already indexed, %u failed; %" G_GUINT64_FORMAT
          " face and %" G_GUINT64_FORMAT " plate sightings in %" G_GUINT64_FORMAT
          " + %" G_GUINT64_FORMAT " tracks\n",
          isatty (fileno (stdout)) ? "\n" : "", final.videos_indexed, final.videos_skipped,
          final.videos_failed, final.faces, final.plates, final.face_tracks, final.plate_tracks);
  g_clear_pointer (&final.failures, g_ptr_array_unref);

  search = trawl_search_new (case_dir, &error);
  if (search == NULL)
    {
      demo_plan_clear (&plan);
      return trawl_cli_fail (&error);
    }
  rc = face_query (search, &plan);
  if (rc == 0)
    rc = plate_query (search, &plan);
  trawl_search_free (search);
  demo_plan_clear (&plan);
  if (rc == 0)
    printf ("demo: done. Browse the case with 'trawl tracks %s' and 'trawl info %s'.\n",
            case_dir, case_dir);
  return rc;
}
