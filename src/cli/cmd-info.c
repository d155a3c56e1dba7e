/* cmd-info.c - `trawl info`: without a case, this build (versions, GPU,
 * models); with CASE, the case summary (cameras, footage, tracks, index
 * sizes, last run, failed files), read-only so it works during indexing. */
#include "trawl-config.h"
#include "cli.h"

#include <trawl/base.h>
#include <trawl/gpu.h>
#include <trawl/video.h>

#include <math.h>
#include <stdio.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <trawl/case.h>
#include <trawl/catalog.h>
#include <trawl/indexer.h>
#include <trawl/vectors.h>

static gboolean opt_json;

static const GOptionEntry info_entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print as JSON", NULL },
  { NULL }
};

static int
print_build_info (void)
{
  TrawlGpuInfo gpu;
  g_autoptr(GError) gpu_error = NULL;
  gboolean have_gpu = trawl_gpu_probe (&gpu, &gpu_error);
  const char *path = have_gpu ? "cuda" : "cpu";
  g_autoptr(GError) nvdec_error = NULL;
  gboolean nvdec = trawl_video_nvdec_probe (&nvdec_error);
  gboolean forced;
  TrawlCpuLevel level = trawl_cpu_level_current (&forced);

  if (opt_json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "version");
      json_builder_add_string_value (b, trawl_version ());
      json_builder_set_member_name (b, "cuda_built");
      json_builder_add_boolean_value (b, TRAWL_HAVE_CUDA);
      json_builder_set_member_name (b, "gpu");
      json_builder_add_boolean_value (b, have_gpu);
      json_builder_set_member_name (b, "gpu_name");
      json_builder_add_string_value (b, have_gpu ? gpu.name : "");
      json_builder_set_member_name (b, "gpu_error");
      json_builder_add_string_value (b, have_gpu ? "" : gpu_error->message);
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, path);
      json_builder_set_member_name (b, "decode");
      json_builder_add_string_value (b, nvdec ? "nvdec" : "cpu");
      json_builder_set_member_name (b, "models_dir");
      json_builder_add_string_value (b, trawl_models_dir ());
      json_builder_set_member_name (b, "cpu_level");
      json_builder_add_string_value (b, trawl_cpu_level_name (level));
      json_builder_set_member_name (b, "cpu_level_forced");
      json_builder_add_boolean_value (b, forced);
      json_builder_set_member_name (b, "cpu_level_max");
      json_builder_add_string_value (b, trawl_cpu_level_name (trawl_cpu_level_max ()));
      json_builder_set_member_name (b, "blas_core");
      json_builder_add_string_value (b, trawl_cpu_level_blas_core ());
      json_builder_end_object (b);
      g_autoptr (JsonNode) root = json_builder_get_root (b);
      g_autofree char *text = json_to_string (root, FALSE);
      printf ("%s\n", text);
      return 0;
    }
  printf ("trawl %s\n", trawl_version ());
  printf ("CUDA in build: %s\n", TRAWL_HAVE_CUDA ? "yes" : "no");
  if (have_gpu)
    printf ("GPU: %s, compute %d.%d, %.1f GiB; driver %d, runtime %d, cuDNN %d\n",
            gpu.name, gpu.cc_major, gpu.cc_minor, gpu.memory_bytes / (1024.0 * 1024 * 1024),
            gpu.driver_version, gpu.runtime_version, gpu.cudnn_version);
  else
    printf ("GPU: none usable (%s)\n", gpu_error->message);
  printf ("Compute path: %s\n", path);
  printf ("CPU level: %s (%s; OpenBLAS %s kernels; this CPU runs up to %s)\n",
          trawl_cpu_level_name (level), forced ? "forced by TRAWL_CPU_LEVEL" : "automatic",
          trawl_cpu_level_blas_core (), trawl_cpu_level_name (trawl_cpu_level_max ()));
  if (nvdec)
    printf ("Decode: NVDEC, frames stay on the GPU (with --device cuda)\n");
  else
    printf ("Decode: CPU (NVDEC unavailable: %s)\n", nvdec_error->message);
  printf ("Models: %s\n", trawl_models_dir ());
  return 0;
}

/* ---- with CASE ---- */

static char *
utc_text (double utc)
{
  if (isnan (utc))
    return NULL;
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc ((gint64) floor (utc));
  return dt ? g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ") : NULL;
}

static gint64
file_size (const char *dir, TrawlCaseFile file)
{
  g_autofree char *p = g_build_filename (dir, trawl_case_file_name (file), NULL);
  GStatBuf st;
  return g_stat (p, &st) == 0 ? (gint64) st.st_size : -1;
}

static void
set_int (JsonBuilder *b, const char *name, gint64 v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, v);
}

static void
set_str (JsonBuilder *b, const char *name, const char *v)
{
  json_builder_set_member_name (b, name);
  if (v != NULL)
    json_builder_add_string_value (b, v);
  else
    json_builder_add_null_value (b);
}

typedef struct {
  TrawlCatalogStats s;
  GPtrArray *cams, *videos, *failed;
  GPtrArray *cameras;   /* TrawlCamera*: names and clock offsets */
  char *audit_problem;  /* NULL when the audit chain holds */
  double span_a, span_z;
  gint64 face_vecs, plate_vecs, face_gen, plate_gen;
  char *run_start, *run_end, *run_cmd;
} CaseInfo;

static void
case_info_clear (CaseInfo *ci)
{
  g_clear_pointer (&ci->cams, g_ptr_array_unref);
  g_clear_pointer (&ci->videos, g_ptr_array_unref);
  g_clear_pointer (&ci->cameras, g_ptr_array_unref);
  g_clear_pointer (&ci->failed, g_ptr_array_unref);
  g_free (ci->audit_problem);
  g_free (ci->run_start);
  g_free (ci->run_end);
  g_free (ci->run_cmd);
}

/* The whole audit chain, verified: a broken one is a finding to show. */
static gboolean
load_audit (TrawlCatalog *cat, CaseInfo *ci, GError **error)
{
  g_autoptr (GError) local = NULL;
  if (trawl_catalog_audit_verify (cat, NULL, NULL, &local))
    return TRUE;
  if (!g_error_matches (local, TRAWL_ERROR, TRAWL_ERROR_CORRUPT))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  ci->audit_problem = g_strdup (local->message);
  return TRUE;
}

static const TrawlCamera *
camera_of (CaseInfo *ci, const TrawlCatalogVideo *v)
{
  static const TrawlCamera none = { 0, (char *) "", 0 };
  for (guint i = 0; i < ci->cameras->len; i++)
    if (((TrawlCamera *) ci->cameras->pdata[i])->id == v->camera_id)
      return ci->cameras->pdata[i];
  return &none;
}

static gboolean
case_info_load (TrawlCatalog *cat, CaseInfo *ci, GError **error)
{
  ci->span_a = ci->span_z = NAN;
  if (!trawl_catalog_get_stats (cat, &ci->s, error)
      || !(ci->cams = trawl_catalog_get_camera_stats (cat, error))
      || !(ci->videos = trawl_catalog_list_videos (cat, error))
      || !trawl_catalog_get_vectors_state (cat, TRAWL_KIND_FACE, &ci->face_gen, &ci->face_vecs, error)
      || !trawl_catalog_get_vectors_state (cat, TRAWL_KIND_PLATE, &ci->plate_gen, &ci->plate_vecs, error)
      || !trawl_catalog_get_last_run (cat, &ci->run_start, &ci->run_end, &ci->run_cmd, error)
      || !(ci->failed = trawl_catalog_list_failed_files (cat, error))
      || !load_audit (cat, ci, error))
    return FALSE;
  if (!(ci->cameras = trawl_catalog_list_cameras (cat, error)))
    return FALSE;
  for (guint i = 0; i < ci->videos->len; i++)
    {
      TrawlCatalogVideo *v = ci->videos->pdata[i];
      if (isnan (v->start_time_utc) || v->status != TRAWL_VIDEO_STATUS_DONE)
        continue;
      /* true UTC: the camera's clock offset counts, as in every stored time */
      double a = v->start_time_utc + camera_of (ci, v)->clock_offset_s;
      double z = a + MAX (0.0, v->duration_s);
      if (isnan (ci->span_a) || a < ci->span_a)
        ci->span_a = a;
      if (isnan (ci->span_z) || z > ci->span_z)
        ci->span_z = z;
    }
  return TRUE;
}

/* "video_list": per video, its camera, times and how they were found. */
static void
add_videos_json (JsonBuilder *b, CaseInfo *ci)
{
  json_builder_set_member_name (b, "video_list");
  json_builder_begin_array (b);
  for (guint i = 0; i < ci->videos->len; i++)
    {
      TrawlCatalogVideo *v = ci->videos->pdata[i];
      const TrawlCamera *c = camera_of (ci, v);
      g_autofree char *path = trawl_cli_display_name (v->path);
      g_autofree char *start = utc_text (v->start_time_utc);
      g_autofree char *detail = v->time_detail ? g_utf8_make_valid (v->time_detail, -1) : NULL;
      g_autoptr (GArray) jumps = trawl_catalog_video_get_time_jumps (v);
      json_builder_begin_object (b);
      set_int (b, "id", v->id);
      set_str (b, "path", path);
      set_str (b, "camera", c->name);
      set_str (b, "status", trawl_video_status_to_string (v->status));
      set_str (b, "start_utc", start);
      set_str (b, "time_source", trawl_time_source_to_string (v->time_source));
      set_str (b, "time_detail", detail);
      json_builder_set_member_name (b, "clock_offset_s");
      json_builder_add_double_value (b, c->clock_offset_s);
      json_builder_set_member_name (b, "duration_s");
      json_builder_add_double_value (b, isnan (v->duration_s) ? -1 : v->duration_s);
      set_int (b, "rotation", v->rotation);
      json_builder_set_member_name (b, "time_jumps");
      json_builder_begin_array (b);
      for (guint k = 0; k < jumps->len; k++)
        {
          const TrawlTimeJump *j = &g_array_index (jumps, TrawlTimeJump, k);
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "at_s");
          json_builder_add_double_value (b, j->at_s);
          json_builder_set_member_name (b, "file_s");
          json_builder_add_double_value (b, j->file_s);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

/* Text: how many starts came from where, then the videos worth a look
 * (turned upright, timestamps that jumped, no start at all). */
static void
print_video_times (CaseInfo *ci)
{
  guint by_source[TRAWL_TIME_SOURCE_SIDECAR + 1] = { 0 };
  g_autoptr (GString) line = g_string_new (NULL);
  for (guint i = 0; i < ci->videos->len; i++)
    {
      TrawlCatalogVideo *v = ci->videos->pdata[i];
      if ((guint) v->time_source < G_N_ELEMENTS (by_source))
        by_source[v->time_source]++;
    }
  for (guint s = 0; s < G_N_ELEMENTS (by_source); s++)
    if (by_source[s] > 0)
      g_string_append_printf (line, "%s%u %s", line->len ? ", " : "", by_source[s],
                              trawl_time_source_to_string (s));
  printf ("start times: %s\n", line->len ? line->str : "no videos");
  for (guint i = 0; i < ci->videos->len; i++)
    {
      TrawlCatalogVideo *v = ci->videos->pdata[i];
      g_autofree char *path = trawl_cli_display_name (v->path);
      g_autoptr (GArray) jumps = trawl_catalog_video_get_time_jumps (v);
      if (v->rotation != 0)
        printf ("  %s: stored rotated, turned %d degrees upright for analysis\n", path,
                v->rotation);
      if (jumps->len > 0)
        printf ("  %s: %u timestamp jump%s taken out (first at %.3f s, file time %.3f s); "
                "true length %.1f s\n", path, jumps->len, jumps->len == 1 ? "" : "s",
                g_array_index (jumps, TrawlTimeJump, 0).at_s,
                g_array_index (jumps, TrawlTimeJump, 0).file_s, v->duration_s);
    }
}

static void
case_info_json (const char *dir, CaseInfo *ci)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *a = utc_text (ci->span_a), *z = utc_text (ci->span_z);
  g_autofree char *dir_name = trawl_cli_display_name (dir);
  json_builder_begin_object (b);
  set_str (b, "case", dir_name);
  json_builder_set_member_name (b, "cameras");
  json_builder_begin_array (b);
  for (guint i = 0; i < ci->cams->len; i++)
    {
      TrawlCameraStats *c = ci->cams->pdata[i];
      json_builder_begin_object (b);
      set_str (b, "name", c->camera);
      set_int (b, "videos", c->videos);
      set_int (b, "face_tracks", c->face_tracks);
      set_int (b, "plate_tracks", c->plate_tracks);
      set_int (b, "face_sightings", c->face_sightings);
      set_int (b, "plate_sightings", c->plate_sightings);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  add_videos_json (b, ci);
  set_int (b, "videos", ci->s.videos);
  set_int (b, "videos_done", ci->s.videos_done);
  set_int (b, "videos_failed", ci->s.videos_failed);
  set_int (b, "videos_pending", ci->s.videos_pending);
  json_builder_set_member_name (b, "hours_indexed");
  json_builder_add_double_value (b, ci->s.hours_indexed);
  set_str (b, "span_first_utc", a);
  set_str (b, "span_last_utc", z);
  set_int (b, "face_tracks", ci->s.face_tracks);
  set_int (b, "plate_tracks", ci->s.plate_tracks);
  set_int (b, "face_sightings", ci->s.face_sightings);
  set_int (b, "plate_sightings", ci->s.plate_sightings);
  set_int (b, "thumbnails", ci->s.thumbnails);
  set_int (b, "face_vectors", ci->face_vecs);
  set_int (b, "plate_vectors", ci->plate_vecs);
  set_int (b, "catalog_bytes", file_size (dir, TRAWL_CASE_FILE_CATALOG));
  set_int (b, "faces_index_bytes", file_size (dir, TRAWL_CASE_FILE_FACE_VECTORS));
  set_int (b, "plates_index_bytes", file_size (dir, TRAWL_CASE_FILE_PLATE_VECTORS));
  set_int (b, "index_runs", ci->s.index_runs);
  set_str (b, "last_run_started", ci->run_start);
  set_str (b, "last_run_finished", ci->run_end);
  {
    /* the command line names files: UTF-8 for JSON, whatever their bytes */
    g_autofree char *cmd = ci->run_cmd ? g_utf8_make_valid (ci->run_cmd, -1) : NULL;
    set_str (b, "last_run_command", cmd);
  }
  set_int (b, "audit_rows", ci->s.audit_rows);
  json_builder_set_member_name (b, "audit_intact");
  json_builder_add_boolean_value (b, ci->audit_problem == NULL);
  set_str (b, "audit_problem", ci->audit_problem);
  json_builder_set_member_name (b, "failed");
  json_builder_begin_array (b);
  for (guint i = 0; i < ci->failed->len; i++)
    {
      TrawlFailedFile *f = ci->failed->pdata[i];
      g_autofree char *path = trawl_cli_display_name (f->path);
      g_autofree char *why = g_utf8_make_valid (f->error, -1);
      json_builder_begin_object (b);
      set_str (b, "path", path);
      set_str (b, "error", why);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *s = json_to_string (root, TRUE);
  printf ("%s\n", s);
}

static void
case_info_text (const char *dir, CaseInfo *ci)
{
  g_autofree char *a = utc_text (ci->span_a), *z = utc_text (ci->span_z);
  g_autofree char *dir_name = trawl_cli_display_name (dir);
  printf ("case: %s\n", dir_name);
  printf ("cameras: %" G_GINT64_FORMAT "\n", ci->s.cameras);
  for (guint i = 0; i < ci->cams->len; i++)
    {
      TrawlCameraStats *c = ci->cams->pdata[i];
      printf ("  %-20s %" G_GINT64_FORMAT " videos, %" G_GINT64_FORMAT " face / %" G_GINT64_FORMAT
              " plate tracks\n", c->camera, c->videos, c->face_tracks, c->plate_tracks);
    }
  printf ("videos: %" G_GINT64_FORMAT " (%" G_GINT64_FORMAT " done, %" G_GINT64_FORMAT
          " failed, %" G_GINT64_FORMAT " pending)\n", ci->s.videos, ci->s.videos_done,
          ci->s.videos_failed, ci->s.videos_pending);
  g_autofree char *footage = trawl_format_duration (ci->s.hours_indexed * 3600);
  printf ("footage: %s indexed\n", footage);
  print_video_times (ci);
  printf ("time span: %s .. %s\n", a ? a : "unknown", z ? z : "unknown");
  printf ("tracks: %" G_GINT64_FORMAT " faces, %" G_GINT64_FORMAT " plates\n",
          ci->s.face_tracks, ci->s.plate_tracks);
  printf ("sightings: %" G_GINT64_FORMAT " faces, %" G_GINT64_FORMAT " plates\n",
          ci->s.face_sightings, ci->s.plate_sightings);
  /* thumbs/ stays empty: say where they are and how to get files. */
  printf ("thumbnails: %" G_GINT64_FORMAT ", kept in the catalog ('trawl show CASE TRACK "
          "--thumbs DIR' writes them out)\n", ci->s.thumbnails);
  printf ("index: catalog %" G_GINT64_FORMAT " bytes; faces.faiss %" G_GINT64_FORMAT
          " vectors, %" G_GINT64_FORMAT " bytes; plates.faiss %" G_GINT64_FORMAT " vectors, %"
          G_GINT64_FORMAT " bytes\n", MAX (0, file_size (dir, TRAWL_CASE_FILE_CATALOG)), ci->face_vecs,
          MAX (0, file_size (dir, TRAWL_CASE_FILE_FACE_VECTORS)), ci->plate_vecs,
          MAX (0, file_size (dir, TRAWL_CASE_FILE_PLATE_VECTORS)));
  printf ("runs: %" G_GINT64_FORMAT "; last started %s, %s%s\n", ci->s.index_runs,
          ci->run_start ? ci->run_start : "never",
          ci->run_end ? "finished " : (ci->run_start ? "did not finish" : ""),
          ci->run_end ? ci->run_end : "");
  if (ci->audit_problem == NULL)
    printf ("audit: %" G_GINT64_FORMAT " rows, chain intact\n", ci->s.audit_rows);
  else
    printf ("audit: BROKEN: %s\n", ci->audit_problem);
  for (guint i = 0; i < ci->failed->len; i++)
    {
      TrawlFailedFile *f = ci->failed->pdata[i];
      g_autofree char *path = trawl_cli_display_name (f->path);
      g_autofree char *why = g_utf8_make_valid (f->error, -1);
      printf ("failed: %s: %s\n", path, why);
    }
}

static int
print_case_info (const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TrawlCase) kase = trawl_case_open (dir, TRAWL_CASE_READ, &error);
  CaseInfo ci = { 0 };
  if (kase == NULL)
    return trawl_cli_fail (&error);
  if (!case_info_load (trawl_case_get_catalog (kase), &ci, &error))
    {
      case_info_clear (&ci);
      return trawl_cli_fail (&error);
    }
  if (opt_json)
    case_info_json (dir, &ci);
  else
    case_info_text (dir, &ci);
  /* The summary is shown either way; a broken audit log is not "ok". */
  int rc = 0;
  if (ci.audit_problem != NULL)
    {
      fprintf (stderr, "trawl info: the audit log has been tampered with or damaged: %s\n",
               ci.audit_problem);
      rc = 1;
    }
  case_info_clear (&ci);
  return rc;
}

int
trawl_cmd_info (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("[CASE]");

  g_option_context_set_summary (ctx,
    "Without CASE: this build's versions, the GPU and compute path in use, the model cache.\n"
    "With CASE: a summary of the case directory, with the audit log verified\n"
    "(exit status 1 when it is broken).");
  g_option_context_add_main_entries (ctx, info_entries, NULL);
  if (!trawl_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc > 2)
    {
      fprintf (stderr, "trawl info: one case at a time\n");
      return 2;
    }
  if (argc == 2)
    return print_case_info (argv[1]);
  return print_build_info ();
}
