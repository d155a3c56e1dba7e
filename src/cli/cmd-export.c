/* cmd-export.c - `trawl export`: evidence export of a track, a sighting or
 * a wall-clock window (see include/trawl/evidence.h). Parses options,
 * opens the case for writing (the audit log is appended to) and prints
 * what went into the folder. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <trawl/catalog.h>
#include <trawl/evidence.h>

static gint64 opt_sighting;
static char *opt_before, *opt_after, *opt_out, *opt_operator, *opt_query, *opt_from, *opt_to;
static char **opt_cameras;
static gboolean opt_sign, opt_force, opt_annotated;

static const GOptionEntry export_entries[] = {
  { "sighting", 0, 0, G_OPTION_ARG_INT64, &opt_sighting, "Export around this sighting instead of a track", "ID" },
  { "before", 0, 0, G_OPTION_ARG_STRING, &opt_before, "Time before the track/sighting (default 10s; '2m' for minutes)", "TIME" },
  { "after", 0, 0, G_OPTION_ARG_STRING, &opt_after, "Time after the track/sighting (default 10s)", "TIME" },
  { "from", 0, 0, G_OPTION_ARG_STRING, &opt_from, "Window start, ISO 8601 (no zone: UTC)", "T" },
  { "to", 0, 0, G_OPTION_ARG_STRING, &opt_to, "Window end, ISO 8601 (no zone: UTC)", "T" },
  { "camera", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_cameras, "Window: this camera (repeat; default all)", "NAME" },
  { "out", 'o', 0, G_OPTION_ARG_FILENAME, &opt_out, "Evidence folder to create (default: CASE/exports/track-ID-TIME)", "DIR" },
  { "operator", 0, 0, G_OPTION_ARG_STRING, &opt_operator, "Who exports (default: login name)", "NAME" },
  { "query", 0, 0, G_OPTION_ARG_STRING, &opt_query, "The search that found it, recorded in the manifest", "TEXT" },
  { "sign", 0, 0, G_OPTION_ARG_NONE, &opt_sign, "Sign the manifest with the case's Ed25519 key (made on first use)", NULL },
  { "annotated", 0, 0, G_OPTION_ARG_NONE, &opt_annotated, "Also write a re-encoded viewing copy with the boxes and the clock burnt in (marked derived; never replaces the original)", NULL },
  { "force", 0, 0, G_OPTION_ARG_NONE, &opt_force, "Replace an existing output folder", NULL },
  { NULL }
};

static const char export_description[] =
  "The clip is a stream copy of the original footage (no re-encoding), cut on\n"
  "the key frames around the requested range; both ranges are recorded. The\n"
  "source file's SHA-256 is checked against the one recorded at indexing and\n"
  "the export is refused if it changed. The folder holds the clip(s), the\n"
  "finding's thumbnails, manifest.json, README.txt and, with --sign,\n"
  "manifest.sig. Every export is appended to the case's audit log.\n"
  "\n"
  "Examples:\n"
  "  trawl export cases/gate 42 --out evidence/track-42 --sign\n"
  "  trawl export cases/gate --sighting 1234 --before 5s --after 30s --out ev/s1234\n"
  "  trawl export cases/gate 42 --annotated --out evidence/track-42-annotated\n"
  "  trawl export cases/gate --from 2024-03-15T14:00:00Z --to 2024-03-15T14:02:00Z \\\n"
  "               --camera gate-1 --camera gate-2 --out ev/window\n"
  "  trawl verify evidence/track-42 --case cases/gate\n";

/* "10", "10s", "1.5s", "2m" -> seconds; NAN when malformed. */
static double
parse_duration (const char *text)
{
  char *end = NULL;
  double v;

  if (text == NULL)
    return 10.0;
  v = g_ascii_strtod (text, &end);
  if (end == text)
    return NAN;
  if (strcmp (end, "m") == 0 || strcmp (end, "min") == 0)
    v *= 60;
  else if (*end != '\0' && strcmp (end, "s") != 0)
    return NAN;
  return v;
}

static double
parse_time (const char *text)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) dt = NULL;

  if (text == NULL)
    return NAN;
  dt = g_date_time_new_from_iso8601 (text, utc);
  if (dt == NULL)
    return -INFINITY;
  return (double) g_date_time_to_unix (dt) + g_date_time_get_microsecond (dt) / 1e6;
}

static char *
format_utc (double utc)
{
  g_autoptr(GDateTime) dt = NULL;

  if (isnan (utc) || (dt = g_date_time_new_from_unix_utc ((gint64) floor (utc))) == NULL)
    return g_strdup ("unknown");
  g_autofree char *s = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  return g_strdup_printf ("%s.%03dZ", s, (int) ((utc - floor (utc)) * 1000));
}

static void
print_result (const TrawlExportResult *r)
{
  printf ("exported to %s\n", r->dir);
  for (guint i = 0; i < r->clips->len; i++)
    {
      const TrawlExportClip *c = g_ptr_array_index (r->clips, i);
      g_autofree char *a = format_utc (c->start_utc), *z = format_utc (c->end_utc);
      printf ("  %s  camera %s, from %s\n", c->file, c->camera, c->source_path);
      printf ("      requested %.3f-%.3f s, copied %.3f-%.3f s (key frames), %s .. %s\n",
              c->requested_start_s, c->requested_end_s, c->start_s, c->end_s, a, z);
      printf ("      %" G_GINT64_FORMAT " bytes, sha256 %s\n", c->size, c->sha256);
    }
  for (guint i = 0; i < r->derived->len; i++)
    printf ("  %s  (derived: re-encoded, annotated)\n",
            (const char *) g_ptr_array_index (r->derived, i));
  for (guint i = 0; i < r->thumbnails->len; i++)
    printf ("  %s\n", (const char *) g_ptr_array_index (r->thumbnails, i));
  printf ("  manifest.json sha256 %s\n", r->manifest_sha256);
  if (r->public_key != NULL)
    printf ("  manifest.sig  Ed25519, case key %s\n", r->public_key);
  printf ("  audit row %" G_GINT64_FORMAT "\n", r->audit_id);
}

int
trawl_cmd_export (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("CASE [TRACK]");
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlCatalog) cat = NULL;
  g_autoptr(TrawlExportResult) res = NULL;
  TrawlExportOptions o;
  char *end = NULL;

  g_option_context_set_summary (ctx, "Export a track, a sighting or a time window from CASE as "
                                     "evidence: clip by stream copy, SHA-256, manifest, audit entry.");
  g_option_context_set_description (ctx, export_description);
  g_option_context_add_main_entries (ctx, export_entries, NULL);
  if (!trawl_cli_parse (ctx, &argc, &argv))
    return 2;
  trawl_export_options_init (&o);
  if (argc < 2 || argc > 3)
    {
      fprintf (stderr, "trawl export: give CASE and a TRACK id, --sighting ID or --from/--to "
                       "(see --help)\n");
      return 2;
    }
  if (argc == 3)
    {
      o.track_id = g_ascii_strtoll (argv[2], &end, 10);
      if (end == argv[2] || *end != '\0' || o.track_id <= 0)
        {
          fprintf (stderr, "trawl export: TRACK must be a track id (a number), not '%s'\n",
                   argv[2]);
          return 2;
        }
    }
  o.sighting_id = opt_sighting;
  o.before_s = parse_duration (opt_before);
  o.after_s = parse_duration (opt_after);
  if (isnan (o.before_s) || isnan (o.after_s))
    {
      fprintf (stderr, "trawl export: --before/--after take a time like 10, 10s or 2m\n");
      return 2;
    }
  o.from_utc = parse_time (opt_from);
  o.to_utc = parse_time (opt_to);
  if (isinf (o.from_utc) || isinf (o.to_utc))
    {
      fprintf (stderr, "trawl export: --from/--to take ISO 8601 times like "
                       "2024-03-15T14:00:00Z or 2024-03-15T15:00:00+01:00\n");
      return 2;
    }
  o.cameras = (const char *const *) opt_cameras;
  o.out_dir = opt_out;
  o.operator_name = opt_operator;
  o.query = opt_query;
  o.sign = opt_sign;
  o.force = opt_force;
  o.annotated = opt_annotated;
  cat = trawl_catalog_open (argv[1], 0, &error);
  if (cat == NULL)
    return trawl_cli_fail (&error);
  res = trawl_evidence_export (cat, &o, NULL, &error);
  if (res == NULL)
    return trawl_cli_fail (&error);
  print_result (res);
  return 0;
}
