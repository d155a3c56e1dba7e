/* bench-export.c - how long an evidence export of a 20 s clip from a long
 * file takes, beside `ffmpeg -ss T -i SRC -t 20 -c copy` in the same run.
 *
 *   build/benchmarks/bench-export SRC [--at 1800] [--length 20] [--runs 5] [--json OUT]
 *
 * SRC is catalogued in a scratch case (its SHA-256 computed once, not
 * timed) with one sighting at --at. Three things are timed, each the
 * median of --runs: the stream copy alone (trawl_video_remux), the ffmpeg
 * CLI doing the same cut (process start included, as a user would run it),
 * and the whole export (source SHA-256 re-check, clip, manifest, audit,
 * rename), whose time is mostly reading the source file to hash it.
 * benchmarks/export.py makes a 1 h SRC from the shared clips and runs this.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <trawl/base.h>
#include <trawl/catalog.h>
#include <trawl/evidence.h>
#include <trawl/video.h>

static double
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median (double *v, int n)
{
  qsort (v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
  const char *name;

  if (d == NULL)
    {
      g_remove (path);
      return;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (path, name, NULL);
      remove_tree (p);
    }
  g_rmdir (path);
}

/* A case with src catalogued and one sighting at at_s; returns its id. */
static gint64
make_case (const char *dir, const char *src, double at_s, double duration, GError **error)
{
  g_autoptr(TrawlCatalog) cat = trawl_catalog_open (dir, TRAWL_CATALOG_CREATE, error);
  g_autofree char *sha = NULL;
  TrawlCatalogVideo v = { 0 };
  TrawlSighting s = { 0 };
  GStatBuf sb;
  gint64 cam;

  if (cat == NULL || (sha = trawl_file_sha256 (src, error)) == NULL ||
      !trawl_catalog_ensure_camera (cat, "bench", &cam, error) || g_stat (src, &sb) != 0)
    return 0;
  v.camera_id = cam;
  v.path = (char *) src;
  v.size = sb.st_size;
  v.sha256 = sha;
  v.duration_s = duration;
  v.start_time_utc = 1710512730.0;
  v.time_source = TRAWL_TIME_SOURCE_USER;
  if (!trawl_catalog_insert_video (cat, &v, error))
    return 0;
  s.video_id = v.id;
  s.kind = TRAWL_KIND_PLATE;
  s.pts_s = at_s;
  s.utc = NAN;
  if (!trawl_catalog_insert_sighting (cat, &s, error))
    return 0;
  return s.id;
}

static double
time_ffmpeg (const char *src, double t0, double len, const char *out)
{
  g_autofree char *ss = g_strdup_printf ("%.3f", t0), *t = g_strdup_printf ("%.3f", len);
  const char *argv[] = { "ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-ss", ss, "-i", src,
                         "-t", t, "-c", "copy", "-map", "0:v", "-map", "0:a?", out, NULL };
  int status = 0;
  double t_start = now_s ();

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                     &status, NULL) || !g_spawn_check_wait_status (status, NULL))
    return NAN;
  return now_s () - t_start;
}

int
main (int argc, char **argv)
{
  double at = 1800, length = 20;
  int runs = 5;
  char *json_out = NULL;
  GOptionEntry entries[] = {
    { "at", 0, 0, G_OPTION_ARG_DOUBLE, &at, "Sighting time in the file (s)", "S" },
    { "length", 0, 0, G_OPTION_ARG_DOUBLE, &length, "Clip length (s)", "S" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Runs per measurement (median)", "N" },
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &json_out, "Also write the JSON here", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("SRC");
  g_autoptr(GError) error = NULL;
  g_autofree char *root = NULL, *case_dir = NULL;
  g_autoptr(TrawlCatalog) cat = NULL;
  TrawlMediaInfo info = { 0 };
  double *t_remux, *t_ffmpeg, *t_export, t0, t_hash;
  gint64 sid;
  const char *src;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 2 || runs < 1)
    {
      fprintf (stderr, "usage: bench-export SRC [--at S] [--length S] [--runs N]\n");
      return 2;
    }
  src = argv[1];
  if (!trawl_video_probe (src, &info, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  root = g_dir_make_tmp ("trawl-bench-export-XXXXXX", NULL);
  case_dir = g_build_filename (root, "case", NULL);
  t_hash = now_s ();
  sid = make_case (case_dir, src, at, info.duration_s, &error);
  t_hash = now_s () - t_hash;
  if (sid == 0 || (cat = trawl_catalog_open (case_dir, 0, &error)) == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  t_remux = g_new (double, runs);
  t_ffmpeg = g_new (double, runs);
  t_export = g_new (double, runs);
  t0 = at - length / 2;
  for (int i = 0; i < runs; i++)
    {
      g_autofree char *a = g_strdup_printf ("%s/remux-%d.mp4", root, i);
      g_autofree char *b = g_strdup_printf ("%s/ffmpeg-%d.mp4", root, i);
      g_autofree char *c = g_strdup_printf ("%s/export-%d", root, i);
      g_auto(TrawlRemuxResult) rr = { 0 };
      g_autoptr(TrawlExportResult) er = NULL;
      TrawlExportOptions o;
      double s;

      s = now_s ();
      if (!trawl_video_remux (src, t0, t0 + length, a, &rr, NULL, &error))
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      t_remux[i] = now_s () - s;
      t_ffmpeg[i] = time_ffmpeg (src, t0, length, b);
      trawl_export_options_init (&o);
      o.sighting_id = sid;
      o.before_s = length / 2;
      o.after_s = length / 2;
      o.out_dir = c;
      s = now_s ();
      er = trawl_evidence_export (cat, &o, NULL, &error);
      t_export[i] = now_s () - s;
      if (er == NULL)
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
    }
  {
    g_autoptr(JsonBuilder) b = json_builder_new ();
    g_autoptr(JsonNode) node = NULL;
    g_autofree char *text = NULL;
    double m_remux = median (t_remux, runs), m_ff = median (t_ffmpeg, runs);
    double m_export = median (t_export, runs);
    GStatBuf sb;

    g_stat (src, &sb);
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "source");
    json_builder_add_string_value (b, src);
    json_builder_set_member_name (b, "source_bytes");
    json_builder_add_int_value (b, sb.st_size);
    json_builder_set_member_name (b, "source_duration_s");
    json_builder_add_double_value (b, info.duration_s);
    json_builder_set_member_name (b, "clip_s");
    json_builder_add_double_value (b, length);
    json_builder_set_member_name (b, "at_s");
    json_builder_add_double_value (b, at);
    json_builder_set_member_name (b, "runs");
    json_builder_add_int_value (b, runs);
    json_builder_set_member_name (b, "trawl_remux_median_s");
    json_builder_add_double_value (b, m_remux);
    json_builder_set_member_name (b, "ffmpeg_copy_median_s");
    json_builder_add_double_value (b, m_ff);
    json_builder_set_member_name (b, "ratio_remux_to_ffmpeg");
    json_builder_add_double_value (b, m_remux / m_ff);
    json_builder_set_member_name (b, "trawl_export_median_s");
    json_builder_add_double_value (b, m_export);
    json_builder_set_member_name (b, "source_sha256_once_s");
    json_builder_add_double_value (b, t_hash);
    json_builder_end_object (b);
    node = json_builder_get_root (b);
    text = json_to_string (node, TRUE);
    printf ("%s\n", text);
    if (json_out != NULL)
      g_file_set_contents (json_out, text, -1, NULL);
  }
  trawl_catalog_close (g_steal_pointer (&cat));
  remove_tree (root);
  trawl_media_info_clear (&info);
  g_free (t_remux);
  g_free (t_ffmpeg);
  g_free (t_export);
  return 0;
}
