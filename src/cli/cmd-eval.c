/* cmd-eval.c - `trawl eval DIR [--json] [--quick] [--verbose]`: measures the
 * face and plate pipelines on a labelled data folder laid out like
 * ../shared/data and prints a table (or a JSON report). The work is
 * trawl_eval_run (include/trawl/eval.h); this file only parses options.
 * --plate-confusions FILE measures the plate reader's confusions instead
 * (trawl_eval_plate_confusions) and writes src/plate's cost table;
 * --face-variants adds the face descriptor measured other ways.
 */
#include "cli.h"

#include <stdio.h>
#include <trawl/eval.h>

int
trawl_cmd_eval (int argc, char **argv)
{
  gboolean json = FALSE, quick = FALSE, verbose = FALSE, variants = FALSE;
  int threads = 0;
  g_autofree char *only = NULL, *confusions = NULL;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print a JSON report instead of a table", NULL },
    { "quick", 0, 0, G_OPTION_ARG_NONE, &quick,
      "A sample of each set and fewer video frames (minutes, not tens)", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "One line per item on stderr", NULL },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only,
      "Run only these sections (comma-separated, e.g. plates/crops_us,plates/crops_cn)", "LIST" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Engine threads (0: one per core)", "N" },
    { "face-variants", 0, 0, G_OPTION_ARG_NONE, &variants,
      "Also measure the face descriptor computed other ways (alignment, padding, flip; "
      "pooled galleries) on the faces of faces/images", NULL },
    { "plate-confusions", 0, 0, G_OPTION_ARG_FILENAME, &confusions,
      "Instead: measure the plate reader's confusions on the plate crops and write the "
      "substitution-cost table (src/plate/confusions.inc) to FILE", "FILE" },
    { NULL },
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("DIR");
  g_option_context_set_summary (ctx,
    "Runs the face and plate pipelines on a labelled folder laid out like the shared\n"
    "data (faces/images, videos/people, plates/images, plates/crops_us, plates/crops_cn,\n"
    "videos/plates, each with labels.csv) and reports detection, identification,\n"
    "verification and plate-reading figures. Missing folders are skipped with a note.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!trawl_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc != 2)
    {
      fprintf (stderr, "trawl eval: give one data folder\nTry 'trawl eval --help'.\n");
      return 2;
    }
  TrawlEvalOptions opts = { .quick = quick, .verbose = verbose, .n_threads = threads,
                            .only = only, .face_variants = variants };
  g_autoptr(GError) error = NULL;
  if (confusions != NULL)
    return trawl_eval_plate_confusions (argv[1], &opts, confusions, &error)
           ? 0 : trawl_cli_fail (&error);
  g_autoptr(TrawlEvalReport) report = trawl_eval_run (argv[1], &opts, &error);
  if (report == NULL)
    return trawl_cli_fail (&error);
  if (json)
    {
      g_autofree char *text = trawl_eval_report_to_json (report);
      printf ("%s\n", text);
    }
  else
    trawl_eval_report_print (report, stdout);
  return 0;
}
