/* cmd-tracks.c - `trawl tracks`: browse what the indexer found, one line
 * (or one JSON object) per track. Reads the catalog read-only, so it works
 * while an indexer runs. */
#include "cli.h"

#include <math.h>
#include <stdio.h>

#include <json-glib/json-glib.h>
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
  if (isnan (utc)) {
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

/* "A(4 .01)B" style: each character, with its runner-up where one was seen. */
static char *
alternatives_text (const char *json)
{
  g_autoptr (JsonNode) root = json ? json_from_string (json, NULL) : NULL;
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    return g_strdup ("");
  GString *s = g_string_new (NULL);
  JsonArray *a = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (a); i++) {
    JsonObject *o = json_array_get_object_element (a, i);
    if (o == NULL || !json_object_has_member (o, "c"))
      continue;
    g_string_append (s, json_object_get_string_member (o, "c"));
    JsonArray *alts = json_object_has_member (o, "alt") ? json_object_get_array_member (o, "alt")
                                                         : NULL;
    /* The runner-up: the first alternative that differs from the read. */
    for (guint k = 0; alts != NULL && k < json_array_get_length (alts); k++) {
      JsonArray *alt = json_array_get_array_element (alts, k);
      if (alt == NULL || json_array_get_length (alt) != 2
          || g_strcmp0 (json_array_get_string_element (alt, 0),
                        json_object_get_string_member (o, "c")) == 0)
        continue;
      if (json_array_get_double_element (alt, 1) >= 0.01)
        g_string_append_printf (s, "(%s %.2f)", json_array_get_string_element (alt, 0),
                                json_array_get_double_element (alt, 1));
      break;
    }
  }
  return g_string_free (s, FALSE);
}

int
trawl_cmd_tracks (int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("CASE");
  g_autoptr (GError) error = NULL;

  g_option_context_set_summary (ctx, "List the tracks the indexer found in CASE.");
  g_option_context_add_main_entries (ctx, tracks_entries, NULL);
  if (!trawl_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc != 2) {
    fprintf (stderr, "trawl tracks: need exactly one CASE (see --help)\n");
    return 2;
  }
  TrawlTrackFilter f = { 0 };
  if (opt_kind != NULL && (f.kind = trawl_kind_from_string (opt_kind)) == 0) {
    fprintf (stderr, "trawl tracks: --kind must be face or plate, not '%s'\n", opt_kind);
    return 2;
  }
  f.camera = opt_camera;
  /* The catalog holds reads normalised (trawl_plate_normalize): the query
   * is spelt the same way, so "32-lbd-6" finds 32LBD6 (issue 17). */
  g_autofree char *plate_glob = NULL;
  if (opt_plate != NULL) {
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
  for (guint i = 0; i < videos->len; i++) {
    TrawlCatalogVideo *v = videos->pdata[i];
    g_hash_table_insert (paths, &v->id, v->path);
  }
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_array (b);
  if (!opt_json)
    printf ("%-6s %-5s %-12s %-24s %-24s %-24s %-16s %-8s %-4s %s\n", "ID", "KIND", "CAMERA",
            "VIDEO", "FIRST (UTC)", "LAST (UTC)", "PTS (s)", "QUALITY", "N", "PLATE");
  for (guint i = 0; i < tracks->len; i++) {
    TrawlTrack *t = tracks->pdata[i];
    g_autofree char *path = trawl_cli_display_name (g_hash_table_lookup (paths, &t->video_id));
    g_autofree char *base = g_path_get_basename (path ? path : "?");
    if (opt_json) {
      track_json (b, t, path);
      continue;
    }
    g_autofree char *a = format_utc (t->first_utc);
    g_autofree char *z = format_utc (t->last_utc);
    g_autofree char *pts = g_strdup_printf ("%.2f-%.2f", t->first_pts_s, t->last_pts_s);
    g_autofree char *alts = alternatives_text (t->best_plate_alternatives);
    printf ("%-6" G_GINT64_FORMAT " %-5s %-12s %-24s %-24s %-24s %-16s %-8.3f %-4d %s%s%s%s\n",
            t->id, trawl_kind_to_string (t->kind), t->camera_name ? t->camera_name : "-", base,
            a, z, pts, t->best_quality, t->n_sightings,
            t->best_plate_text ? t->best_plate_text : "", *alts ? "  [" : "", alts,
            *alts ? "]" : "");
  }
  json_builder_end_array (b);
  if (opt_json) {
    g_autoptr (JsonNode) root = json_builder_get_root (b);
    g_autofree char *s = json_to_string (root, TRUE);
    printf ("%s\n", s);
  }
  return 0;
}
