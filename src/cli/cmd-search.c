/* cmd-search.c - `trawl search`, `trawl show` and `trawl play`: the
 * investigator's questions from the command line, over trawl/search.h.
 * Output: a table a person reads (with the match threshold and the route
 * across cameras), or --json / --csv for scripts. */
#include "cli.h"

#include <trawl/base.h>
#include <trawl/search.h>

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- times ---- */

/* "2024-03-14 21:05:12+08:00" in the local zone, or "time unknown". */
static char *
format_local (double utc)
{
  g_autoptr(GDateTime) dt = NULL;

  if (isnan (utc))
    return g_strdup ("time unknown");
  dt = g_date_time_new_from_unix_local ((gint64) floor (utc));
  return dt ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S%:z") : g_strdup ("?");
}

static char *
format_utc (double utc)
{
  g_autoptr(GDateTime) dt = NULL;

  if (isnan (utc))
    return NULL;
  dt = g_date_time_new_from_unix_utc ((gint64) floor (utc));
  return dt ? g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ") : NULL;
}

/* The clock part of a local time, for the second end of a span. */
static char *
format_clock (double utc)
{
  g_autoptr(GDateTime) dt = NULL;

  if (isnan (utc))
    return g_strdup ("");
  dt = g_date_time_new_from_unix_local ((gint64) floor (utc));
  return dt ? g_date_time_format (dt, "%H:%M:%S") : g_strdup ("?");
}

/* ---- options ---- */

static char **opt_faces;
static int opt_face_index;
static char *opt_box;
static char *opt_plate;
static char *opt_plate_image;
static gboolean opt_exact;
static gint64 opt_track;
static char **opt_cameras;
static char *opt_from, *opt_to;
static double opt_min_score;
static int opt_limit = 50;
static gboolean opt_json, opt_csv;
static char *opt_thumbs;

static const GOptionEntry search_entries[] = {
  { "face", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_faces,
    "Photo of the person (repeat for several photos of one person: they are pooled)", "PHOTO" },
  { "face-index", 0, 0, G_OPTION_ARG_INT, &opt_face_index,
    "Which face of a group photo: 0 the largest (default), 1 the next...", "N" },
  { "box", 0, 0, G_OPTION_ARG_STRING, &opt_box,
    "Where the face is in the photo, by hand (pixels)", "X,Y,W,H" },
  { "plate", 0, 0, G_OPTION_ARG_STRING, &opt_plate,
    "Plate text: ? is one unknown character, * any run; case and - . spaces do not "
    "matter; look-alikes (B/8, O/0...) tolerated unless --exact", "TEXT" },
  { "exact", 0, 0, G_OPTION_ARG_NONE, &opt_exact,
    "Plate text must fit exactly (wildcards still apply)", NULL },
  { "plate-image", 0, 0, G_OPTION_ARG_FILENAME, &opt_plate_image,
    "Photo of a plate (or a scene with one): read it, then search", "PHOTO" },
  { "track", 0, 0, G_OPTION_ARG_INT64, &opt_track,
    "More like this track (a face or a plate track of the case)", "ID" },
  { "camera", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_cameras,
    "Only this camera (repeatable)", "NAME" },
  { "from", 0, 0, G_OPTION_ARG_STRING, &opt_from,
    "Only tracks seen at or after this time (2024-03-14T21:00+08:00, or local "
    "'2024-03-14 21:00')", "TIME" },
  { "to", 0, 0, G_OPTION_ARG_STRING, &opt_to, "Only tracks seen at or before this time", "TIME" },
  { "min-score", 0, 0, G_OPTION_ARG_DOUBLE, &opt_min_score,
    "Leave out hits scoring less (0..1; default 0: show near misses below the threshold too)",
    "S" },
  { "limit", 0, 0, G_OPTION_ARG_INT, &opt_limit, "At most N tracks (default 50; 0: all)", "N" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print the results as JSON", NULL },
  { "csv", 0, 0, G_OPTION_ARG_NONE, &opt_csv, "Print the results as CSV", NULL },
  { "thumbs", 0, 0, G_OPTION_ARG_FILENAME, &opt_thumbs,
    "Write each hit's best thumbnail to DIR/track-ID.jpg", "DIR" },
  { NULL }
};

static gboolean
parse_box (const char *text, float box[4])
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  if (g_strv_length (parts) != 4)
    return FALSE;
  for (int i = 0; i < 4; i++)
    {
      char *end = NULL;
      box[i] = (float) g_ascii_strtod (parts[i], &end);
      if (end == parts[i] || *end != '\0' || !isfinite (box[i]))
        return FALSE;
    }
  return box[2] > 0 && box[3] > 0;
}

/* The query from the options; 2 (usage) or 0. */
static int
build_query (TrawlQuery *q)
{
  g_autoptr(GError) error = NULL;
  double from = NAN, to = NAN;
  float box[4];

  if (opt_box != NULL && !parse_box (opt_box, box))
    {
      fprintf (stderr, "trawl search: --box wants X,Y,W,H in pixels, e.g. 120,80,64,64\n");
      return 2;
    }
  for (int i = 0; opt_faces != NULL && opt_faces[i] != NULL; i++)
    trawl_query_add_face_photo (q, opt_faces[i], opt_face_index, opt_box ? box : NULL);
  if (opt_plate != NULL && !trawl_query_set_plate_text (q, opt_plate, opt_exact, &error))
    {
      fprintf (stderr, "trawl search: --plate: %s\n", error->message);
      return 2;
    }
  if (opt_plate_image != NULL)
    trawl_query_set_plate_photo (q, opt_plate_image);
  if (opt_track > 0)
    trawl_query_set_track (q, opt_track);
  for (int i = 0; opt_cameras != NULL && opt_cameras[i] != NULL; i++)
    trawl_query_add_camera (q, opt_cameras[i]);
  if ((opt_from != NULL && !trawl_parse_time (opt_from, &from, &error))
      || (opt_to != NULL && !trawl_parse_time (opt_to, &to, &error)))
    {
      fprintf (stderr, "trawl search: %s\n", error->message);
      return 2;
    }
  trawl_query_set_time_range (q, from, to);
  if (opt_min_score < 0 || opt_min_score > 1)
    {
      fprintf (stderr, "trawl search: --min-score goes from 0 to 1\n");
      return 2;
    }
  trawl_query_set_min_score (q, opt_min_score);
  trawl_query_set_limit (q, opt_limit);
  trawl_query_set_thumbnails (q, opt_thumbs != NULL);
  return 0;
}

/* ---- output ---- */

static char *
thumb_path (gint64 track_id)
{
  g_autofree char *name = g_strdup_printf ("track-%" G_GINT64_FORMAT ".jpg", track_id);
  return g_build_filename (opt_thumbs, name, NULL);
}

static gboolean
write_thumbs (const TrawlSearchResults *r, GError **error)
{
  if (g_mkdir_with_parents (opt_thumbs, 0755) != 0)
    {
      int e = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e), "%s: %s", opt_thumbs,
                   g_strerror (e));
      return FALSE;
    }
  for (guint i = 0; i < r->hits->len; i++)
    {
      const TrawlSearchHit *h = r->hits->pdata[i];
      g_autofree char *path = NULL;
      gsize len;
      const void *data;

      if (h->thumbnail == NULL)
        continue;
      path = thumb_path (h->track_id);
      data = g_bytes_get_data (h->thumbnail, &len);
      if (!g_file_set_contents (path, data, (gssize) len, error))
        return FALSE;
    }
  return TRUE;
}

/* The file name of path as a terminal shows it (g_free). */
static char *
basename_of (const char *path)
{
  g_autofree char *name = trawl_cli_display_name (path);
  const char *slash = name ? strrchr (name, '/') : NULL;
  return g_strdup (slash ? slash + 1 : (name ? name : "?"));
}

/* "03-14 21:05:12" in the local zone (the table's header names the
 * zone), or "time unknown". */
static char *
format_short_local (double utc)
{
  g_autoptr(GDateTime) dt = NULL;

  if (isnan (utc))
    return g_strdup ("time unknown");
  dt = g_date_time_new_from_unix_local ((gint64) floor (utc));
  return dt ? g_date_time_format (dt, "%m-%d %H:%M:%S") : g_strdup ("?");
}

static void
print_hits_header (gboolean plates)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *zone = g_date_time_format (now, "%:z");
  GString *row = g_string_new (NULL);

  printf ("times: local (UTC%s)\n", zone ? zone : "?");
  trawl_cli_add_col (row, "RANK", 4, TRUE);
  trawl_cli_add_col (row, "SCORE", 6, FALSE);
  trawl_cli_add_col (row, "TRACK", 6, TRUE);
  trawl_cli_add_col (row, "BEST", 7, TRUE);
  trawl_cli_add_col (row, "CAMERA", 9, FALSE);
  trawl_cli_add_col (row, "FIRST SEEN", 14, FALSE);
  trawl_cli_add_col (row, "UNTIL", 8, FALSE);
  if (plates)
    trawl_cli_add_col (row, "PLATE", 10, FALSE);
  g_string_append (row, "JUMP TO");
  trawl_cli_print_row (row);
}

/* One hit in at most 100 columns (ids below a million). */
static void
print_hit (const TrawlSearchHit *h, gboolean plates)
{
  g_autofree char *first = format_short_local (h->first_utc);
  g_autofree char *last = format_clock (h->last_utc);
  g_autofree char *file = basename_of (h->video_path);
  g_autofree char *score = g_strdup_printf ("%.3f%s", h->score,
                                            h->match ? "*" : h->low_quality ? "~" : "");
  g_autofree char *track = g_strdup_printf ("%" G_GINT64_FORMAT, h->track_id);
  g_autofree char *best = g_strdup_printf ("%" G_GINT64_FORMAT, h->best_sighting_id);
  g_autofree char *rank = g_strdup_printf ("%d", h->rank);
  g_autofree char *at = trawl_format_media_time (h->jump_pts_s);
  g_autofree char *cut = trawl_format_ellipsize (file, 14);
  GString *row = g_string_new (NULL);

  trawl_cli_add_col (row, rank, 4, TRUE);
  trawl_cli_add_col (row, score, 6, FALSE);
  trawl_cli_add_col (row, track, 6, TRUE);
  trawl_cli_add_col (row, best, 7, TRUE);
  trawl_cli_add_col (row, h->camera ? h->camera : "?", 9, FALSE);
  trawl_cli_add_col (row, first, 14, FALSE);
  trawl_cli_add_col (row, last, 8, FALSE);
  if (plates)
    trawl_cli_add_col (row, h->plate_text ? h->plate_text : "", 10, FALSE);
  g_string_append_printf (row, "%s @ %s", cut, at);
  trawl_cli_print_row (row);
}

static void
print_table (const TrawlSearchResults *r)
{
  g_autoptr(GPtrArray) route = trawl_search_results_route (r);
  gboolean plates = r->kind == TRAWL_KIND_PLATE;

  if (plates)
    printf ("plate query \"%s\"", r->query_text);
  else
    printf ("face query (%d descriptor%s pooled)", r->n_query_faces,
            r->n_query_faces == 1 ? "" : "s");
  printf (": %u track%s shown of %" G_GINT64_FORMAT " looked at, %.0f ms\n", r->hits->len,
          r->hits->len == 1 ? "" : "s", r->n_candidates, r->elapsed_s * 1000);
  g_autofree char *note = g_strdup_printf ("match threshold: score >= %.3f: %s", r->threshold,
                                           r->threshold_note);
  trawl_cli_print_wrapped (note, 100, "  ");
  printf ("\n");
  if (r->hits->len == 0)
    return;
  print_hits_header (plates);
  for (guint i = 0; i < r->hits->len; i++)
    print_hit (r->hits->pdata[i], plates);
  printf ("SCORE: * above the match threshold%s. BEST: the sighting to export\n"
          "('trawl export CASE --sighting ID'). JUMP TO: file @ time into it.\n",
          plates ? "" : ";\n  ~ faces too poor to match (quality under 0.25), listed last");
  printf ("\nroute (%u matching track%s in time order):\n", route->len,
          route->len == 1 ? "" : "s");
  if (route->len == 0)
    printf ("  none above the threshold\n");
  for (guint i = 0; i < route->len; i++)
    {
      const TrawlSearchHit *h = route->pdata[i];
      g_autofree char *first = format_local (h->first_utc);
      g_autofree char *last = format_clock (h->last_utc);
      printf ("  %s %s%s%s  %-14s track %" G_GINT64_FORMAT "\n", i == 0 ? " " : "->",
              first, isnan (h->last_utc) ? "" : " - ", last, h->camera ? h->camera : "?",
              h->track_id);
    }
  printf ("\n'trawl show CASE TRACK' tells all about a track; 'trawl play CASE TRACK' opens it.\n");
}

static void
csv_field (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const char *p = s ? s : ""; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static void
print_csv (const TrawlSearchResults *r)
{
  g_autoptr(GString) out = g_string_new (
    "rank,score,match,threshold,track,kind,camera,first_utc,last_utc,sightings,plate,video,"
    "jump_pts_s,best_sighting\n");
  for (guint i = 0; i < r->hits->len; i++)
    {
      const TrawlSearchHit *h = r->hits->pdata[i];
      g_autofree char *first = format_utc (h->first_utc);
      g_autofree char *last = format_utc (h->last_utc);
      g_string_append_printf (out, "%d,%.4f,%s,%.4f,%" G_GINT64_FORMAT ",%s,", h->rank, h->score,
                              h->match ? "yes" : "no", r->threshold, h->track_id,
                              trawl_kind_to_string (h->kind));
      csv_field (out, h->camera);
      g_string_append_printf (out, ",%s,%s,%d,", first ? first : "", last ? last : "",
                              h->n_sightings);
      csv_field (out, h->plate_text);
      g_string_append_c (out, ',');
      {
        g_autofree char *video = trawl_cli_display_name (h->video_path);
        csv_field (out, video);
      }
      g_string_append_printf (out, ",%.3f,%" G_GINT64_FORMAT "\n", h->jump_pts_s,
                              h->best_sighting_id);
    }
  fputs (out->str, stdout);
}

static void
json_time (JsonBuilder *b, const char *name, double utc)
{
  g_autofree char *u = format_utc (utc);
  json_builder_set_member_name (b, name);
  if (u == NULL)
    json_builder_add_null_value (b);
  else
    json_builder_add_string_value (b, u);
}

/* "name": [x, y, w, h] */
static void
json_box (JsonBuilder *b, float x, float y, float w, float h)
{
  json_builder_set_member_name (b, "box");
  json_builder_begin_array (b);
  json_builder_add_double_value (b, x);
  json_builder_add_double_value (b, y);
  json_builder_add_double_value (b, w);
  json_builder_add_double_value (b, h);
  json_builder_end_array (b);
}

/* Prints what b built, pretty, on stdout. */
static void
print_builder (JsonBuilder *b)
{
  g_autoptr(JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = json_to_string (root, TRUE);
  printf ("%s\n", text);
}

static void
json_hit (JsonBuilder *b, const TrawlSearchHit *h)
{
  g_autofree char *local = format_local (h->first_utc);
  g_autofree char *video = trawl_cli_display_name (h->video_path);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "rank");
  json_builder_add_int_value (b, h->rank);
  json_builder_set_member_name (b, "score");
  json_builder_add_double_value (b, h->score);
  json_builder_set_member_name (b, "match");
  json_builder_add_boolean_value (b, h->match);
  json_builder_set_member_name (b, "low_quality");
  json_builder_add_boolean_value (b, h->low_quality);
  json_builder_set_member_name (b, "track");
  json_builder_add_int_value (b, h->track_id);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, trawl_kind_to_string (h->kind));
  json_builder_set_member_name (b, "camera");
  json_builder_add_string_value (b, h->camera);
  json_time (b, "first_utc", h->first_utc);
  json_time (b, "last_utc", h->last_utc);
  json_builder_set_member_name (b, "first_local");
  json_builder_add_string_value (b, local);
  json_builder_set_member_name (b, "sightings");
  json_builder_add_int_value (b, h->n_sightings);
  json_builder_set_member_name (b, "best_sighting");
  json_builder_add_int_value (b, h->best_sighting_id);
  json_builder_set_member_name (b, "video");
  json_builder_add_string_value (b, video);
  json_builder_set_member_name (b, "jump_pts_s");
  json_builder_add_double_value (b, h->jump_pts_s);
  json_box (b, h->box[0], h->box[1], h->box[2], h->box[3]);
  if (h->plate_text != NULL)
    {
      json_builder_set_member_name (b, "plate");
      json_builder_add_string_value (b, h->plate_text);
    }
  if (opt_thumbs != NULL && h->thumbnail != NULL)
    {
      g_autofree char *path = thumb_path (h->track_id);
      json_builder_set_member_name (b, "thumbnail");
      json_builder_add_string_value (b, path);
    }
  json_builder_end_object (b);
}

static void
print_json (const TrawlQuery *q, const TrawlSearchResults *r)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonParser) qp = json_parser_new ();
  g_autofree char *qjson = trawl_query_to_json (q);
  g_autoptr(GPtrArray) route = trawl_search_results_route (r);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "query");
  if (json_parser_load_from_data (qp, qjson, -1, NULL))
    json_builder_add_value (b, json_node_copy (json_parser_get_root (qp)));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, trawl_kind_to_string (r->kind));
  if (r->query_text != NULL)
    {
      json_builder_set_member_name (b, "searched_text");
      json_builder_add_string_value (b, r->query_text);
    }
  json_builder_set_member_name (b, "threshold");
  json_builder_add_double_value (b, r->threshold);
  json_builder_set_member_name (b, "threshold_note");
  json_builder_add_string_value (b, r->threshold_note);
  json_builder_set_member_name (b, "looked_at");
  json_builder_add_int_value (b, r->n_candidates);
  json_builder_set_member_name (b, "elapsed_s");
  json_builder_add_double_value (b, r->elapsed_s);
  json_builder_set_member_name (b, "hits");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->hits->len; i++)
    json_hit (b, r->hits->pdata[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "route");
  json_builder_begin_array (b);
  for (guint i = 0; i < route->len; i++)
    json_builder_add_int_value (b, ((TrawlSearchHit *) route->pdata[i])->track_id);
  json_builder_end_array (b);
  json_builder_end_object (b);
  print_builder (b);
}

int
trawl_cmd_search (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("CASE");
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlQuery) q = trawl_query_new ();
  g_autoptr(TrawlSearch) s = NULL;
  g_autoptr(TrawlSearchResults) r = NULL;
  int rc;

  g_option_context_set_summary (ctx,
    "Finds the tracks of a case that show a face or a plate, ranked, with the match\n"
    "threshold beside the scores and the route across cameras. One kind of query at a time:\n"
    "  --face PHOTO [--face PHOTO...]   a person (several photos of one person are pooled)\n"
    "  --plate TEXT                     a plate: AB-12?-CD, 粤B*, *123 (? one character, * any run)\n"
    "  --plate-image PHOTO              a plate photo: read, then searched\n"
    "  --track ID                       more like a track of the case\n"
    "Search works while `trawl index` is writing the same case, on what it has committed.");
  g_option_context_set_description (ctx,
    "Examples:\n"
    "  trawl search mycase --face suspect.jpg --camera gate-2 --from '2024-03-14 21:00'\n"
    "  trawl search mycase --plate 'AB-12?-CD' --json\n"
    "  trawl search mycase --plate-image plate.jpg --thumbs hits/\n"
    "Exit status: 0 the search ran (stderr says when nothing matched), 1 an error,\n"
    "2 a usage error.");
  g_option_context_add_main_entries (ctx, search_entries, NULL);
  if (!trawl_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc != 2)
    {
      fprintf (stderr, "trawl search: give one case folder (see trawl search --help)\n");
      return 2;
    }
  if (opt_json && opt_csv)
    {
      fprintf (stderr, "trawl search: --json or --csv, not both\n");
      return 2;
    }
  rc = build_query (q);
  if (rc != 0)
    return rc;
  s = trawl_search_new (argv[1], &error);
  if (s == NULL)
    return trawl_cli_fail (&error);
  r = trawl_search_run (s, q, NULL, &error);
  if (r == NULL)
    return g_error_matches (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG)
           ? (fprintf (stderr, "trawl search: %s\n", error->message), 2)
           : trawl_cli_fail (&error);
  if (opt_thumbs != NULL && !write_thumbs (r, &error))
    return trawl_cli_fail (&error);
  if (opt_json)
    print_json (q, r);
  else if (opt_csv)
    print_csv (r);
  else
    print_table (r);
  {
    g_autoptr(GPtrArray) route = trawl_search_results_route (r);
    if (route->len == 0)
      fprintf (stderr, "trawl search: no track above the match threshold (%.3f)\n",
               r->threshold);
  }
  return 0;
}

/* ---- show ---- */

static char *show_thumbs;
static gboolean show_json;

static const GOptionEntry show_entries[] = {
  { "thumbs", 0, 0, G_OPTION_ARG_FILENAME, &show_thumbs,
    "Write every sighting's thumbnail to DIR/sighting-ID.jpg", "DIR" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &show_json, "Print as JSON", NULL },
  { NULL }
};

static gboolean
parse_track_id (const char *text, gint64 *id)
{
  char *end = NULL;
  gint64 v = g_ascii_strtoll (text, &end, 10);
  if (end == text || *end != '\0' || v <= 0)
    return FALSE;
  *id = v;
  return TRUE;
}

static int
write_sighting_thumbs (TrawlSearch *s, GPtrArray *sightings, guint *n_written)
{
  g_autoptr(GError) error = NULL;
  TrawlCatalog *cat = trawl_case_get_catalog (trawl_search_get_case (s));

  *n_written = 0;
  if (g_mkdir_with_parents (show_thumbs, 0755) != 0)
    {
      fprintf (stderr, "trawl show: %s: %s\n", show_thumbs, g_strerror (errno));
      return 1;
    }
  for (guint i = 0; i < sightings->len; i++)
    {
      const TrawlSighting *si = sightings->pdata[i];
      g_autoptr(GBytes) jpeg = NULL;
      g_autofree char *name = NULL, *path = NULL;
      gsize len;
      const void *data;

      if (!trawl_catalog_get_thumbnail (cat, si->id, &jpeg, &error))
        return trawl_cli_fail (&error);
      if (jpeg == NULL)
        continue;
      name = g_strdup_printf ("sighting-%" G_GINT64_FORMAT ".jpg", si->id);
      path = g_build_filename (show_thumbs, name, NULL);
      data = g_bytes_get_data (jpeg, &len);
      if (!g_file_set_contents (path, data, (gssize) len, &error))
        return trawl_cli_fail (&error);
      (*n_written)++;
    }
  return 0;
}

static void
show_text (const TrawlTrack *t, GPtrArray *sightings, const char *video)
{
  g_autofree char *first = format_local (t->first_utc);
  g_autofree char *last = format_local (t->last_utc);

  printf ("track %" G_GINT64_FORMAT ": %s, camera %s\n", t->id, trawl_kind_to_string (t->kind),
          t->camera_name ? t->camera_name : "?");
  g_autofree char *length = trawl_format_duration (t->last_pts_s - t->first_pts_s);
  printf ("  seen      %s until %s (%s of video)\n", first, last, length);
  printf ("  video     %s, %.1f s to %.1f s\n", video ? video : "?", t->first_pts_s,
          t->last_pts_s);
  if (t->best_plate_text != NULL)
    printf ("  plate     %s\n", t->best_plate_text);
  printf ("  best      sighting %" G_GINT64_FORMAT " (quality %.2f)\n", t->best_sighting_id,
          t->best_quality);
  printf ("  sightings %d\n\n", t->n_sightings);
  printf ("%9s %9s %-20s %-21s %5s %5s %s\n", "SIGHTING", "PTS (s)", "TIME (local)",
          "BOX (x,y wxh px)", "SCORE", "QUAL", t->kind == TRAWL_KIND_PLATE ? "READ" : "");
  for (guint i = 0; i < sightings->len; i++)
    {
      const TrawlSighting *s = sightings->pdata[i];
      g_autofree char *when = format_local (s->utc);
      g_autofree char *box = g_strdup_printf ("%.0f,%.0f %.0fx%.0f", s->x, s->y, s->w, s->h);
      printf ("%9" G_GINT64_FORMAT " %9.2f %-20.19s %-21s %5.2f %5.2f %s\n", s->id, s->pts_s,
              when, box, s->score, s->quality, s->plate_text ? s->plate_text : "");
    }
}

static void
show_json_out (const TrawlTrack *t, GPtrArray *sightings, const char *video)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "track");
  json_builder_add_int_value (b, t->id);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, trawl_kind_to_string (t->kind));
  json_builder_set_member_name (b, "camera");
  json_builder_add_string_value (b, t->camera_name);
  json_time (b, "first_utc", t->first_utc);
  json_time (b, "last_utc", t->last_utc);
  json_builder_set_member_name (b, "video");
  json_builder_add_string_value (b, video);
  json_builder_set_member_name (b, "plate");
  json_builder_add_string_value (b, t->best_plate_text);
  json_builder_set_member_name (b, "best_sighting");
  json_builder_add_int_value (b, t->best_sighting_id);
  json_builder_set_member_name (b, "sightings");
  json_builder_begin_array (b);
  for (guint i = 0; i < sightings->len; i++)
    {
      const TrawlSighting *s = sightings->pdata[i];
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, s->id);
      json_builder_set_member_name (b, "pts_s");
      json_builder_add_double_value (b, s->pts_s);
      json_time (b, "utc", s->utc);
      json_box (b, s->x, s->y, s->w, s->h);
      json_builder_set_member_name (b, "score");
      json_builder_add_double_value (b, s->score);
      json_builder_set_member_name (b, "quality");
      json_builder_add_double_value (b, s->quality);
      if (s->plate_text != NULL)
        {
          json_builder_set_member_name (b, "read");
          json_builder_add_string_value (b, s->plate_text);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  print_builder (b);
}

/* Opens the case and reads one track; 0 or an exit status. */
static int
load_track (const char *cmd, int argc, char **argv, TrawlSearch **s, TrawlTrack **t,
            GPtrArray **sightings, char **video)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlCatalogVideo) v = NULL;
  gint64 id = 0;

  if (argc != 3 || !parse_track_id (argv[2], &id))
    {
      fprintf (stderr, "trawl %s: give a case folder and a track id (see trawl %s --help)\n",
               cmd, cmd);
      return 2;
    }
  *s = trawl_search_new (argv[1], &error);
  if (*s == NULL || !trawl_search_get_track (*s, id, t, sightings, &error))
    return trawl_cli_fail (&error);
  if (!trawl_catalog_get_video (trawl_case_get_catalog (trawl_search_get_case (*s)),
                                (*t)->video_id, &v, &error))
    return trawl_cli_fail (&error);
  *video = v ? g_strdup (v->path) : NULL;
  return 0;
}

int
trawl_cmd_show (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("CASE TRACK");
  g_autoptr(TrawlSearch) s = NULL;
  g_autoptr(TrawlTrack) t = NULL;
  g_autoptr(GPtrArray) sightings = NULL;
  g_autofree char *video = NULL;
  guint n_thumbs = 0;
  int rc;

  g_option_context_set_summary (ctx,
    "Everything about one track: camera, times, video and the moment to jump to, and\n"
    "every sighting (time, box, detector score, quality, plate read).");
  g_option_context_add_main_entries (ctx, show_entries, NULL);
  if (!trawl_cli_parse (ctx, &argc, &argv))
    return 2;
  rc = load_track ("show", argc, argv, &s, &t, &sightings, &video);
  if (rc != 0)
    return rc;
  if (show_thumbs != NULL && (rc = write_sighting_thumbs (s, sightings, &n_thumbs)) != 0)
    return rc;
  {
    /* shown, not run: as a terminal and JSON can carry it */
    g_autofree char *raw = g_steal_pointer (&video);
    video = trawl_cli_display_name (raw);
  }
  if (show_json)
    show_json_out (t, sightings, video);
  else
    show_text (t, sightings, video);
  if (show_thumbs != NULL && !show_json)
    printf ("\n%u thumbnail%s written to %s\n", n_thumbs, n_thumbs == 1 ? "" : "s", show_thumbs);
  return 0;
}

/* ---- play ---- */

static double play_before = 2.0;
static gboolean play_print;

static const GOptionEntry play_entries[] = {
  { "before", 0, 0, G_OPTION_ARG_DOUBLE, &play_before,
    "Start this many seconds before the best sighting (default 2)", "S" },
  { "print", 0, 0, G_OPTION_ARG_NONE, &play_print, "Only print the player command", NULL },
  { NULL }
};

int
trawl_cmd_play (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("CASE TRACK");
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlSearch) s = NULL;
  g_autoptr(TrawlTrack) t = NULL;
  g_autoptr(GPtrArray) sightings = NULL;
  g_autofree char *video = NULL, *ffplay = NULL, *ss = NULL, *title = NULL;
  double jump;
  gboolean display;
  int rc;

  g_option_context_set_summary (ctx,
    "Opens a track's video at its best moment with ffplay. Without a display (or with\n"
    "--print) prints the command to run instead.");
  g_option_context_add_main_entries (ctx, play_entries, NULL);
  if (!trawl_cli_parse (ctx, &argc, &argv))
    return 2;
  rc = load_track ("play", argc, argv, &s, &t, &sightings, &video);
  if (rc != 0)
    return rc;
  if (video == NULL)
    {
      fprintf (stderr, "trawl play: the track's video is not in the catalog\n");
      return 1;
    }
  jump = t->first_pts_s;
  for (guint i = 0; i < sightings->len; i++)
    if (((TrawlSighting *) sightings->pdata[i])->id == t->best_sighting_id)
      jump = ((TrawlSighting *) sightings->pdata[i])->pts_s;
  ss = g_strdup_printf ("%.2f", MAX (0.0, jump - MAX (0.0, play_before)));
  title = g_strdup_printf ("trawl: track %" G_GINT64_FORMAT, t->id);
  ffplay = g_find_program_in_path ("ffplay");
  display = g_getenv ("DISPLAY") != NULL || g_getenv ("WAYLAND_DISPLAY") != NULL;
  if (play_print || !display || ffplay == NULL)
    {
      g_autofree char *quoted = g_shell_quote (video);
      printf ("ffplay -ss %s -window_title 'trawl: track %" G_GINT64_FORMAT "' %s\n", ss, t->id,
              quoted);
      if (!play_print)
        fprintf (stderr, "trawl play: %s; run the command above where there is one\n",
                 ffplay == NULL ? "ffplay is not installed" : "no display");
      return 0;
    }
  {
    const char *args[] = { ffplay, "-hide_banner", "-loglevel", "error", "-ss", ss,
                           "-window_title", title, video, NULL };
    g_autoptr(GSubprocess) p = g_subprocess_newv (args, G_SUBPROCESS_FLAGS_NONE, &error);
    if (p == NULL || !g_subprocess_wait (p, NULL, &error))
      return trawl_cli_fail (&error);
  }
  return 0;
}
