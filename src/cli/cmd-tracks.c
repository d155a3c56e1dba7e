/* cmd-tracks.c - `trawl tracks`: browse what the indexer found, one line
 * (or one JSON object) per track. Reads the catalog read-only, so it works
 * while an indexer runs. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>
#include <trawl/base.h>
#include <trawl/case.h>
#include <trawl/catalog.h>
#include <trawl/plate.h>

static char *opt_kind, *opt_camera, *opt_plate;
static gboolean opt_json;
static int opt_limit;

static const GOptionEntry tracks_entries[] = {
  { "kind", 0, 0, G_OPTION_ARG_STRING, &opt_kind, "face or plate", "KIND" },
  { "camera", 0, 0, G_OPTION_ARG_STRING, &opt_camera, "Only this camera", "NAME" },
  /* FILENAME: the bytes as given. A plate query is UTF-8 whatever the
   * locale, and GOption would refuse 粤 under the C locale trawl runs in. */
  { "plate", 0, 0, G_OPTION_ARG_FILENAME, &opt_plate, "Only plates whose best read matches this pattern ('?' one character, '*' any run; case and separators ignored: 'ab-1*')", "PATTERN" },
  { "limit", 0, 0, G_OPTION_ARG_INT, &opt_limit, "At most N tracks", "N" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print as JSON", NULL },
  { NULL }
};

/* ISO 8601 UTC with milliseconds, or "-" when unknown (g_free). */
static char *
format_utc (double utc)
{
  if (isnan (utc))
    return g_strdup ("-");
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc ((gint64) floor (utc));
  if (dt == NULL)
    return g_strdup ("-");
  g_autofree char *s = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  return g_strdup_printf ("%s.%03dZ", s, (int) ((utc - floor (utc)) * 1000));
}

static void
add_utc (JsonBuilder *b, const char *name, double utc)
{
  json_builder_set_member_name (b, name);
  if (isnan (utc))
    {
      json_builder_add_null_value (b);
      return;
    }
  g_autofree char *s = format_utc (utc);
  json_builder_add_string_value (b, s);
}

static void
track_json (JsonBuilder *b, const TrawlTrack *t, const char *video)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, t->id);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, trawl_kind_to_string (t->kind));
  json_builder_set_member_name (b, "camera");
  json_builder_add_string_value (b, t->camera_name);
  json_builder_set_member_name (b, "video");
  json_builder_add_string_value (b, video);
  add_utc (b, "first_utc", t->first_utc);
  add_utc (b, "last_utc", t->last_utc);
  json_builder_set_member_name (b, "first_pts_s");
  json_builder_add_double_value (b, t->first_pts_s);
  json_builder_set_member_name (b, "last_pts_s");
  json_builder_add_double_value (b, t->last_pts_s);
  json_builder_set_member_name (b, "plate");
  if (t->best_plate_text)
    json_builder_add_string_value (b, t->best_plate_text);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "plate_alternatives");
  JsonNode *alt = t->best_plate_alternatives ? json_from_string (t->best_plate_alternatives, NULL)
                                             : NULL;
  if (alt != NULL)
    json_builder_add_value (b, alt);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "best_quality");
  json_builder_add_double_value (b, t->best_quality);
  json_builder_set_member_name (b, "best_sighting_id");
  json_builder_add_int_value (b, t->best_sighting_id);
  json_builder_set_member_name (b, "sightings");
  json_builder_add_int_value (b, t->n_sightings);
  json_builder_end_object (b);
}

/* The plate characters the reader was unsure of: "3:8 .12" = character 3
 * may also be '8' (probability 0.12), at most max of them, the most
 * likely first, joined by ","; "…" when there are more (--json has all). */
static char *
alternatives_text (const char *json, int max)
{
  g_autoptr (JsonNode) root = json ? json_from_string (json, NULL) : NULL;
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    return g_strdup ("");
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) probs = g_array_new (FALSE, FALSE, sizeof (double));
  JsonArray *a = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);
      if (o == NULL || !json_object_has_member (o, "c"))
        continue;
      JsonArray *alts = json_object_has_member (o, "alt") ? json_object_get_array_member (o, "alt")
                                                           : NULL;
      /* The runner-up: the first alternative that differs from the read. */
      for (guint k = 0; alts != NULL && k < json_array_get_length (alts); k++)
        {
          JsonArray *alt = json_array_get_array_element (alts, k);
          if (alt == NULL || json_array_get_length (alt) != 2
              || g_strcmp0 (json_array_get_string_element (alt, 0),
                            json_object_get_string_member (o, "c")) == 0)
            continue;
          double p = json_array_get_double_element (alt, 1);
          if (p >= 0.01)
            {
              g_autofree char *pp = g_strdup_printf ("%.2f", MIN (p, 0.99));
              g_ptr_array_add (items, g_strdup_printf ("%u:%s %s", i + 1,
                                                       json_array_get_string_element (alt, 0),
                                                       pp + 1 /* ".12" */));
              g_array_append_val (probs, p);
            }
          break;
        }
    }
  GString *s = g_string_new (NULL);
  /* The most likely alternatives first. */
  for (int shown = 0; shown < max && items->len > 0; shown++)
    {
      guint best = 0;
      for (guint i = 1; i < items->len; i++)
        if (g_array_index (probs, double, i) > g_array_index (probs, double, best))
          best = i;
      g_string_append_printf (s, "%s%s", shown ? "," : "", (char *) items->pdata[best]);
      g_ptr_array_remove_index (items, best);
      g_array_remove_index (probs, best);
    }
  if (items->len > 0)
    g_string_append (s, ",\342\200\246");
  return g_string_free (s, FALSE);
}

#define TRACKS_LEGEND \
  "FIRST: clock time (UTC) of the first sighting; +HH:MM:SS: time into the video, where its\n" \
  "  start time is unknown. LENGTH: first to last sighting. N: sightings.\n" \
  "BEST: id of the track's best sighting, for 'trawl export CASE --sighting ID'.\n" \
  "ALSO: plate characters the reader was unsure of: '3:8 .12' means character 3 may also\n" \
  "  be '8' (probability 0.12); --json lists them all.\n"

static void
print_header (void)
{
  GString *row = g_string_new (NULL);
  trawl_cli_add_col (row, "ID", 5, TRUE);
  trawl_cli_add_col (row, "KIND", 5, FALSE);
  trawl_cli_add_col (row, "CAMERA", 9, FALSE);
  trawl_cli_add_col (row, "VIDEO", 15, FALSE);
  trawl_cli_add_col (row, "FIRST", 9, FALSE);
  trawl_cli_add_col (row, "LENGTH", 10, FALSE);
  trawl_cli_add_col (row, "N", 3, TRUE);
  trawl_cli_add_col (row, "BEST", 7, TRUE);
  trawl_cli_add_col (row, "PLATE", 10, FALSE);
  g_string_append (row, "ALSO");
  trawl_cli_print_row (row);
}

/* One row of the table (at most 100 columns with ids below 100,000); a date line first when the
 * day (UTC) differs from the previous row's, kept in *day. */
static void
print_row (const TrawlTrack *t, const char *path, char **day)
{
  g_autofree char *base = g_path_get_basename (path ? path : "?");
  g_autofree char *date = isnan (t->first_utc) ? NULL : trawl_format_clock (t->first_utc, TRUE);
  g_autofree char *first = NULL;
  if (date != NULL)
    {
      if (*day == NULL || strncmp (*day, date, 10) != 0)
        printf ("-- %.10s (UTC) --\n", date);
      g_free (*day);
      *day = g_strdup (date);
      first = g_strdup (date + 11);
    }
  else
    {
      g_autofree char *media = trawl_format_media_time (t->first_pts_s);
      first = g_strconcat ("+", media, NULL);
    }
  g_autofree char *length = trawl_format_duration (t->last_pts_s - t->first_pts_s);
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, t->id);
  g_autofree char *n = g_strdup_printf ("%d", t->n_sightings);
  g_autofree char *best = g_strdup_printf ("%" G_GINT64_FORMAT, t->best_sighting_id);
  g_autofree char *alts = alternatives_text (t->best_plate_alternatives, 2);
  GString *row = g_string_new (NULL);
  trawl_cli_add_col (row, id, 5, TRUE);
  trawl_cli_add_col (row, trawl_kind_to_string (t->kind), 5, FALSE);
  trawl_cli_add_col (row, t->camera_name ? t->camera_name : "-", 9, FALSE);
  trawl_cli_add_col (row, base, 15, FALSE);
  trawl_cli_add_col (row, first, 9, FALSE);
  trawl_cli_add_col (row, length, 10, FALSE);
  trawl_cli_add_col (row, n, 3, TRUE);
  trawl_cli_add_col (row, best, 7, TRUE);
  trawl_cli_add_col (row, t->best_plate_text ? t->best_plate_text : "", 10, FALSE);
  g_string_append (row, alts);
  trawl_cli_print_row (row);
}

int
trawl_cmd_tracks (int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("CASE");
  g_autoptr (GError) error = NULL;

  g_option_context_set_summary (ctx, "List the tracks the indexer found in CASE, one a line.");
  g_option_context_set_description (ctx, "Columns:\n" TRACKS_LEGEND);
  g_option_context_add_main_entries (ctx, tracks_entries, NULL);
  if (!trawl_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc != 2)
    {
      fprintf (stderr, "trawl tracks: need exactly one CASE (see --help)\n");
      return 2;
    }
  TrawlTrackFilter f = { 0 };
  if (opt_kind != NULL && (f.kind = trawl_kind_from_string (opt_kind)) == 0)
    {
      fprintf (stderr, "trawl tracks: --kind must be face or plate, not '%s'\n", opt_kind);
      return 2;
    }
  f.camera = opt_camera;
  /* The catalog holds reads normalised (trawl_plate_normalize): the query
   * is spelt the same way, so "32-lbd-6" finds 32LBD6 (issue 17). */
  g_autofree char *plate_glob = NULL;
  if (opt_plate != NULL)
    {
      g_autoptr (TrawlPlatePattern) pat = trawl_plate_pattern_new (opt_plate, TRAWL_PLATE_MATCH_EXACT,
                                                                   &error);
      if (pat == NULL)
        return trawl_cli_fail (&error);
      plate_glob = trawl_plate_pattern_to_glob (pat);
    }
  f.plate_glob = plate_glob;
  f.limit = opt_limit;
  g_autoptr (TrawlCase) kase = trawl_case_open (argv[1], TRAWL_CASE_READ, &error);
  TrawlCatalog *cat = kase ? trawl_case_get_catalog (kase) : NULL;
  if (cat == NULL)
    return trawl_cli_fail (&error);
  g_autoptr (GPtrArray) tracks = trawl_catalog_list_tracks (cat, &f, &error);
  g_autoptr (GPtrArray) videos = tracks ? trawl_catalog_list_videos (cat, &error) : NULL;
  if (videos == NULL)
    return trawl_cli_fail (&error);
  g_autoptr (GHashTable) paths = g_hash_table_new (g_int64_hash, g_int64_equal);
  for (guint i = 0; i < videos->len; i++)
    {
      TrawlCatalogVideo *v = videos->pdata[i];
      g_hash_table_insert (paths, &v->id, v->path);
    }
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_array (b);
  g_autofree char *day = NULL;
  if (!opt_json && tracks->len > 0)
    print_header ();
  for (guint i = 0; i < tracks->len; i++)
    {
      TrawlTrack *t = tracks->pdata[i];
      g_autofree char *path = trawl_cli_display_name (g_hash_table_lookup (paths, &t->video_id));
      if (opt_json)
        track_json (b, t, path);
      else
        print_row (t, path, &day);
    }
  if (!opt_json && tracks->len > 0)
    printf ("\n" TRACKS_LEGEND);
  json_builder_end_array (b);
  if (opt_json)
    {
      g_autoptr (JsonNode) root = json_builder_get_root (b);
      g_autofree char *s = json_to_string (root, TRUE);
      printf ("%s\n", s);
    }
  return 0;
}
