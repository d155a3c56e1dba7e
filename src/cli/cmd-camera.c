/* cmd-camera.c - `trawl camera list CASE` and `trawl camera set CASE NAME
 * --clock-offset S`: a case's cameras and their clock offsets. Setting an
 * offset after indexing moves every stored time of the camera's footage
 * and is audited (trawl_catalog_change_camera_clock_offset). */
#include "cli.h"

#include <math.h>
#include <stdio.h>

#include <json-glib/json-glib.h>
#include <trawl/case.h>
#include <trawl/catalog.h>

static char *opt_offset;
static gboolean opt_json;

static const GOptionEntry camera_entries[] = {
  { "clock-offset", 0, 0, G_OPTION_ARG_STRING, &opt_offset,
    "set: seconds to add to the camera's clock to get true UTC (e.g. -3.5, +3600)", "S" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "list: print as JSON", NULL },
  { NULL }
};

/* Counts of the camera's videos and how their starts were found. */
typedef struct {
  gint64 videos, timed;
} CamVideos;

static CamVideos
count_videos (GPtrArray *videos, gint64 camera_id)
{
  CamVideos c = { 0, 0 };
  for (guint i = 0; i < videos->len; i++)
    {
      TrawlCatalogVideo *v = videos->pdata[i];
      if (v->camera_id != camera_id)
        continue;
      c.videos++;
      c.timed += !isnan (v->start_time_utc);
    }
  return c;
}

static int
list_cameras (const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TrawlCase) kase = trawl_case_open (dir, TRAWL_CASE_READ, &error);
  g_autoptr (GPtrArray) cams = NULL;
  g_autoptr (GPtrArray) videos = NULL;
  TrawlCatalog *cat;

  if (kase == NULL)
    return trawl_cli_fail (&error);
  cat = trawl_case_get_catalog (kase);
  if ((cams = trawl_catalog_list_cameras (cat, &error)) == NULL
      || (videos = trawl_catalog_list_videos (cat, &error)) == NULL)
    return trawl_cli_fail (&error);
  if (opt_json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_array (b);
      for (guint i = 0; i < cams->len; i++)
        {
          TrawlCamera *c = cams->pdata[i];
          CamVideos n = count_videos (videos, c->id);
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "name");
          json_builder_add_string_value (b, c->name);
          json_builder_set_member_name (b, "clock_offset_s");
          json_builder_add_double_value (b, c->clock_offset_s);
          json_builder_set_member_name (b, "videos");
          json_builder_add_int_value (b, n.videos);
          json_builder_set_member_name (b, "videos_with_start");
          json_builder_add_int_value (b, n.timed);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      g_autoptr (JsonNode) root = json_builder_get_root (b);
      g_autofree char *text = json_to_string (root, TRUE);
      printf ("%s\n", text);
      return 0;
    }
  printf ("%-24s %14s %7s %s\n", "CAMERA", "CLOCK OFFSET", "VIDEOS", "WITH A START TIME");
  for (guint i = 0; i < cams->len; i++)
    {
      TrawlCamera *c = cams->pdata[i];
      CamVideos n = count_videos (videos, c->id);
      printf ("%-24s %+12.3f s %7" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n", c->name,
              c->clock_offset_s, n.videos, n.timed);
    }
  if (cams->len == 0)
    fprintf (stderr, "trawl camera list: %s has no cameras yet\n", dir);
  return 0;
}

/* "Unknown camera X; the case has: a, b" */
static void
say_unknown (const char *name, TrawlCatalog *cat)
{
  g_autoptr (GPtrArray) cams = trawl_catalog_list_cameras (cat, NULL);
  g_autoptr (GString) known = g_string_new (NULL);
  for (guint i = 0; cams != NULL && i < cams->len; i++)
    g_string_append_printf (known, "%s%s", i ? ", " : "", ((TrawlCamera *) cams->pdata[i])->name);
  fprintf (stderr, "trawl camera set: no camera '%s' in this case; it has: %s\n", name,
           known->len > 0 ? known->str : "(none)");
}

static int
set_camera (const char *dir, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TrawlCase) kase = NULL;
  g_autoptr (TrawlCamera) cam = NULL;
  TrawlCatalog *cat;
  char *end = NULL;
  double offset;
  gint64 moved = 0;

  if (opt_offset == NULL)
    {
      fprintf (stderr, "trawl camera set: nothing to set (give --clock-offset S)\n");
      return 2;
    }
  offset = g_ascii_strtod (opt_offset, &end);
  if (end == opt_offset || *end != '\0' || !isfinite (offset))
    {
      fprintf (stderr, "trawl camera set: --clock-offset '%s' is not a number of seconds\n",
               opt_offset);
      return 2;
    }
  if ((kase = trawl_case_open (dir, TRAWL_CASE_WRITE, &error)) == NULL)
    return trawl_cli_fail (&error);
  cat = trawl_case_get_catalog (kase);
  if (!trawl_catalog_find_camera (cat, name, &cam, &error))
    return trawl_cli_fail (&error);
  if (cam == NULL)
    {
      say_unknown (name, cat);
      return 1;
    }
  if (cam->clock_offset_s == offset)
    {
      printf ("camera %s: clock offset is already %+.3f s; nothing changed\n", name, offset);
      return 0;
    }
  if (!trawl_catalog_change_camera_clock_offset (cat, cam->id, offset, "trawl camera set",
                                                 &moved, &error))
    return trawl_cli_fail (&error);
  printf ("camera %s: clock offset %+.3f s -> %+.3f s; %" G_GINT64_FORMAT
          " sightings and their tracks now carry the corrected times (audited)\n", name,
          cam->clock_offset_s, offset, moved);
  return 0;
}

int
trawl_cmd_camera (int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("list CASE | set CASE NAME --clock-offset S");

  g_option_context_set_summary (ctx,
    "list: the case's cameras, their clock offsets and how many of their videos have a\n"
    "start time.\n"
    "set: the clock offset of camera NAME, the seconds to add to its clock to get true\n"
    "UTC (a camera 90 s fast gets -90). Every time already derived from that camera\n"
    "(sightings, track spans) moves with it at once, and the change is written to the\n"
    "audit log (trawl audit CASE shows it).");
  g_option_context_add_main_entries (ctx, camera_entries, NULL);
  if (!trawl_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc == 3 && g_str_equal (argv[1], "list"))
    return list_cameras (argv[2]);
  if (argc == 4 && g_str_equal (argv[1], "set"))
    return set_camera (argv[2], argv[3]);
  fprintf (stderr, "trawl camera: use 'list CASE' or 'set CASE NAME --clock-offset S' "
           "(see --help)\n");
  return 2;
}
