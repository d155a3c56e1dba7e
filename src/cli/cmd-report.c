/* cmd-report.c - `trawl report`: a PDF case report of findings (see
 * trawl_evidence_report in include/trawl/evidence.h). Opens the case for
 * writing: the PDF's SHA-256 is appended to its audit log. */
#include "cli.h"

#include <stdio.h>

#include <trawl/catalog.h>
#include <trawl/evidence.h>

static char **opt_tracks;
static char *opt_search_json, *opt_query, *opt_out, *opt_operator;
static gboolean opt_force;

static const GOptionEntry report_entries[] = {
  { "track", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_tracks, "A finding to report (repeat for more)", "ID" },
  { "search-json", 0, 0, G_OPTION_ARG_FILENAME, &opt_search_json, "The JSON of 'trawl search --json': its query is shown, and without --track its results are the findings", "FILE" },
  { "query", 0, 0, G_OPTION_ARG_STRING, &opt_query, "The query to show (overrides the search JSON's)", "TEXT" },
  { "out", 'o', 0, G_OPTION_ARG_FILENAME, &opt_out, "The PDF to write (required)", "FILE" },
  { "operator", 0, 0, G_OPTION_ARG_STRING, &opt_operator, "Who makes the report (default: login name)", "NAME" },
  { "force", 0, 0, G_OPTION_ARG_NONE, &opt_force, "Replace an existing PDF", NULL },
  { NULL }
};

static const char report_description[] =
  "For each finding: camera, video and its SHA-256 at indexing, first and last\n"
  "time in UTC and local time and where the times came from, the best\n"
  "thumbnails, and the exports of it recorded in the audit log with their\n"
  "hashes; then the route, all findings in wall-clock order across cameras.\n"
  "The PDF's SHA-256 is printed and appended to the case's audit log.\n"
  "\n"
  "Examples:\n"
  "  trawl report cases/gate --track 12 --track 40 --query 'plate AB*' --out report.pdf\n"
  "  trawl search cases/gate --plate 'AB*' --json > hits.json\n"
  "  trawl report cases/gate --search-json hits.json --out report.pdf\n";

int
trawl_cmd_report (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("CASE");
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlCatalog) cat = NULL;
  g_autoptr(TrawlReportResult) res = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *search = NULL;
  TrawlReportOptions o;

  g_option_context_set_summary (ctx, "Write a PDF case report of findings in CASE.");
  g_option_context_set_description (ctx, report_description);
  g_option_context_add_main_entries (ctx, report_entries, NULL);
  if (!trawl_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc != 2 || opt_out == NULL)
    {
      fprintf (stderr, "trawl report: give CASE and --out FILE (see --help)\n");
      return 2;
    }
  for (int i = 0; opt_tracks != NULL && opt_tracks[i] != NULL; i++)
    {
      char *end = NULL;
      gint64 id = g_ascii_strtoll (opt_tracks[i], &end, 10);
      if (end == opt_tracks[i] || *end != '\0' || id <= 0)
        {
          fprintf (stderr, "trawl report: --track takes a track id, not '%s'\n", opt_tracks[i]);
          return 2;
        }
      g_array_append_val (ids, id);
    }
  if (opt_search_json != NULL && !g_file_get_contents (opt_search_json, &search, NULL, &error))
    return trawl_cli_fail (&error);
  trawl_report_options_init (&o);
  o.track_ids = (const gint64 *) ids->data;
  o.n_tracks = ids->len;
  o.query = opt_query;
  o.search_json = search;
  o.out_path = opt_out;
  o.operator_name = opt_operator;
  o.force = opt_force;
  cat = trawl_catalog_open (argv[1], 0, &error);
  if (cat == NULL)
    return trawl_cli_fail (&error);
  res = trawl_evidence_report (cat, &o, NULL, &error);
  if (res == NULL)
    return trawl_cli_fail (&error);
  printf ("report %s: %u finding%s, %d page%s\n  sha256 %s\n  audit row %" G_GINT64_FORMAT "\n",
          res->path, res->n_findings, res->n_findings == 1 ? "" : "s", res->pages,
          res->pages == 1 ? "" : "s", res->sha256, res->audit_id);
  return 0;
}
