/* indexer.c - `trawl index` as a library call (see include/trawl/indexer.h):
 * the per-run loop over files, resumability against the catalog, and the
 * vector files. The per-frame work and the decode thread are in
 * index-video.c; this file decides what to do with each file. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>
#include <trawl/base.h>

#include "indexer-private.h"

void
trawl_index_options_init (TrawlIndexOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  opts->start_utc = NAN;
  opts->clock_offset_s = NAN;
  opts->sample_fps = 2.0;
  opts->queue_depth = 8;
  opts->progress_interval_s = 0.5;
}

/* ---- inputs ---- */

/* Files found in folders that are plainly not footage (labels, notes,
 * subtitles) are left out; named explicitly, they are tried and reported. */
static gboolean
is_sidecar (const char *name)
{
  static const char *const ext[] = { ".csv", ".txt", ".md", ".json", ".xml", ".srt",
                                     ".vtt", ".nfo", ".ini", ".log", ".sha256", ".pdf" };
  g_autofree char *lower = g_ascii_strdown (name, -1);
  for (guint i = 0; i < G_N_ELEMENTS (ext); i++)
    if (g_str_has_suffix (lower, ext[i]))
      return TRUE;
  return FALSE;
}

/* A folder seen before (same device and inode) is not entered again: a
 * symbolic link back up the tree would otherwise expand forever. */
static gboolean
first_visit (GHashTable *seen, const char *dir)
{
  GStatBuf st;
  char *key;

  if (g_stat (dir, &st) != 0)
    return TRUE;  /* fails later, by name */
  key = g_strdup_printf ("%ju:%ju", (uintmax_t) st.st_dev, (uintmax_t) st.st_ino);
  if (g_hash_table_contains (seen, key))
    {
      g_free (key);
      return FALSE;
    }
  g_hash_table_add (seen, key);
  return TRUE;
}

static void
expand_one (const char *path, GPtrArray *out, GHashTable *seen)
{
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_ptr_array_add (out, g_strdup (path));
      return;
    }
  if (!first_visit (seen, path))
    return;
  g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
  const char *name;
  if (d == NULL)
    {
      g_ptr_array_add (out, g_strdup (path));  /* fails later, by name */
      return;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    {
      if (name[0] == '.' || is_sidecar (name))
        continue;
      g_autofree char *child = g_build_filename (path, name, NULL);
      expand_one (child, out, seen);
    }
}

static int
cmp_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

GPtrArray *
trawl_index_expand_inputs (const char *const *inputs, guint n_inputs)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < n_inputs; i++)
    {
      GPtrArray *one = g_ptr_array_new_with_free_func (g_free);
      expand_one (inputs[i], one, seen);
      g_ptr_array_sort (one, cmp_str);
      for (guint k = 0; k < one->len; k++)
        g_ptr_array_add (out, g_strdup (one->pdata[k]));
      g_ptr_array_unref (one);
    }
  return out;
}

/* ---- progress ---- */

void
_trawl_index_report (TrawlIndexRun *run, gboolean force)
{
  double now = g_get_monotonic_time () / 1e6;
  if (run->opts.progress == NULL)
    return;
  if (!force && now - run->last_report < run->opts.progress_interval_s)
    return;
  run->last_report = now;
  TrawlIndexProgress *p = &run->p;
  p->elapsed_s = now - run->t0;
  /* Footage left: what the probed files still hold, and the files not yet
   * opened at the probed files' seconds per byte. */
  double unprobed = run->bytes_total - run->bytes_done - (p->current ? run->cur_bytes : 0);
  double left = run->probed_bytes > 0
                  ? MAX (0.0, p->video_s_total - p->video_s_done)
                      + MAX (0.0, unprobed) * p->video_s_total / run->probed_bytes
                  : -1;
  p->eta_s = run->t_first_frame > 0
               ? trawl_index_estimate_eta (now - run->t_first_frame, p->video_s_done, left)
               : -1;
  run->opts.progress (p, run->opts.progress_data);
}

double
trawl_index_estimate_eta (double decode_wall_s, double media_decoded_s, double media_left_s)
{
  if (!(decode_wall_s >= TRAWL_INDEX_ETA_MIN_S) || !(media_decoded_s > 0)
      || !(media_left_s >= 0))
    return -1;
  return media_left_s / (media_decoded_s / decode_wall_s);
}

/* ---- per file ---- */

const char *
_trawl_index_reason (const char *path, const char *reason)
{
  if (g_str_has_prefix (reason, path) && g_str_has_prefix (reason + strlen (path), ": "))
    return reason + strlen (path) + 2;
  return reason;
}

void
_trawl_index_add_failure (TrawlIndexRun *run, const char *path, const char *reason)
{
  g_autoptr (GError) error = NULL;

  reason = _trawl_index_reason (path, reason);
  g_ptr_array_add (run->p.failures, g_strdup_printf ("%s: %s", path, reason));
  run->p.videos_failed++;
  /* Identical files share a video row; each path keeps its own failure. */
  if (!trawl_catalog_record_failed_file (run->cat, path, reason, &error))
    g_message ("%s", error->message);
}

char *
_trawl_index_camera_for (const TrawlIndexOptions *opts, const TrawlTimesRow *row,
                         const char *path)
{
  if (row != NULL && row->camera != NULL)
    return g_strdup (row->camera);
  if (opts->camera != NULL)
    return g_strdup (opts->camera);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *abs = g_canonicalize_filename (dir, NULL);
  g_autofree char *base = g_path_get_basename (abs);
  /* A camera name is text people read and JSON carries: UTF-8. */
  return g_filename_display_name (base);
}

/* Finds or creates the video row of path; NULL *skip when done already. */
static gboolean
prepare_video (TrawlIndexRun *run, const char *path, const char *sha, gint64 size,
               gint64 camera_id, const TrawlMediaInfo *info, const TrawlIndexStart *start,
               gint64 *video_id, gboolean *skip, GError **error)
{
  g_autoptr (TrawlCatalogVideo) old = NULL;
  *skip = FALSE;
  if (!trawl_catalog_find_video (run->cat, sha, &old, error))
    return FALSE;
  if (old != NULL && !_trawl_index_restart_video (run, path, old, start, error))
    return FALSE;
  if (old != NULL && old->status == TRAWL_VIDEO_STATUS_DONE)
    {
      *skip = TRUE;
      return TRUE;
    }
  if (old != NULL)
    {
      g_autoptr (GArray) gone = NULL;
      if (!trawl_catalog_delete_video_rows (run->cat, old->id, &gone, error))
        return FALSE;
      /* The files follow at once, so they never hold vectors of rows that
       * are gone (a sighting id may be handed out again). */
      if (gone != NULL && gone->len > 0
          && (!trawl_vector_store_remove (run->faces_vs, gone->len, (gint64 *) gone->data, NULL,
                                          error)
              || !trawl_vector_store_remove (run->plates_vs, gone->len, (gint64 *) gone->data,
                                             NULL, error)
              || !trawl_case_save_vectors (run->kase, TRAWL_KIND_FACE, error)
              || !trawl_case_save_vectors (run->kase, TRAWL_KIND_PLATE, error)))
        return FALSE;
      *video_id = old->id;
      return TRUE;
    }
  TrawlCatalogVideo v = { 0 };
  v.camera_id = camera_id;
  v.path = (char *) path;
  v.size = size;
  v.sha256 = (char *) sha;
  v.duration_s = info ? info->duration_s : -1;
  v.codec = info ? info->codec : NULL;
  v.width = info ? info->width : 0;
  v.height = info ? info->height : 0;
  v.fps = info ? info->fps : 0;
  v.start_time_utc = start->start;
  v.time_source = start->src;
  v.time_detail = start->detail;
  v.rotation = info ? info->rotation : 0;
  if (!trawl_catalog_insert_video (run->cat, &v, error))
    return FALSE;
  *video_id = v.id;
  return TRUE;
}

static double
camera_offset (TrawlIndexRun *run, gint64 camera_id)
{
  g_autoptr (GPtrArray) cams = trawl_catalog_list_cameras (run->cat, NULL);
  for (guint i = 0; cams != NULL && i < cams->len; i++)
    {
      TrawlCamera *c = cams->pdata[i];
      if (c->id == camera_id)
        return c->clock_offset_s;
    }
  return 0;
}

static gboolean load_models (TrawlIndexRun *run, GError **error);

/* One file. FALSE only for errors that end the run (catalog, cancel). */
static gboolean
index_file (TrawlIndexRun *run, const char *path, GError **error)
{
  g_autoptr (GError) bad = NULL;
  GStatBuf st;
  run->p.current = path;
  run->cur_bytes = 0;
  run->cur_fraction = 0;
  /* Tried again: a failure recorded by an earlier run no longer holds
   * (recorded anew below if it fails again). */
  if (!trawl_catalog_clear_failed_file (run->cat, path, error))
    return FALSE;
  if (g_stat (path, &st) != 0)
    {
      _trawl_index_add_failure (run, path, g_strerror (errno));
      return TRUE;
    }
  if (!S_ISREG (st.st_mode))
    {
      _trawl_index_add_failure (run, path, "not a regular file");
      return TRUE;
    }
  run->cur_bytes = st.st_size;
  double t = g_get_monotonic_time () / 1e6;
  g_autofree char *sha = trawl_file_sha256 (path, &bad);
  run->p.t_hash += g_get_monotonic_time () / 1e6 - t;
  if (sha == NULL)
    {
      _trawl_index_add_failure (run, path, bad->message);
      return TRUE;
    }
  const TrawlTimesRow *row = _trawl_index_times_for (run, path);
  g_autofree char *cam_name = _trawl_index_camera_for (&run->opts, row, path);
  gint64 cam_id = 0;
  if (!trawl_catalog_ensure_camera (run->cat, cam_name, &cam_id, error))
    return FALSE;
  if (!_trawl_index_apply_offset (run, cam_name, cam_id, row, error))
    return FALSE;

  TrawlVideoOptions vo;
  trawl_video_options_init (&vo);
  vo.sample_fps = run->opts.sample_fps;
  vo.keyframes_only = run->opts.keyframes_only;
  vo.scene_threshold = run->opts.scene_threshold;
  vo.luma_thumbs = run->opts.motion_gate != TRAWL_INDEX_MOTION_GATE_OFF;
  /* With the CUDA engine, decode on NVDEC and keep frames on the GPU: the
   * detectors cut their inputs from the surfaces (falls back to CPU decode,
   * with a message, where NVDEC cannot take the stream). */
  vo.hwaccel = vo.gpu_frames = run->opts.backend == TRAWL_NN_BACKEND_CUDA;
  g_autoptr (TrawlVideoReader) reader = trawl_video_reader_open (path, &vo, &bad);
  const TrawlMediaInfo *info = reader ? trawl_video_reader_get_info (reader) : NULL;
  TrawlIndexStart start;
  _trawl_index_resolve_start (run, path, row, info, &start);
  gint64 vid = 0;
  gboolean skip = FALSE;
  gboolean prepared = prepare_video (run, path, sha, st.st_size, cam_id, info, &start, &vid,
                                     &skip, error);
  g_free (start.detail);
  if (!prepared)
    return FALSE;
  if (skip)
    {
      run->p.videos_skipped++;
      return TRUE;
    }
  if (reader == NULL)
    {
      _trawl_index_add_failure (run, path, bad->message);
      return trawl_catalog_set_video_status (run->cat, vid, TRAWL_VIDEO_STATUS_FAILED,
                                             _trawl_index_reason (path, bad->message), error);
    }
  if (info->duration_s > 0)
    {
      run->p.video_s_total += info->duration_s;
      run->probed_bytes += st.st_size;
    }
  double base_utc = isnan (start.start) ? NAN : start.start + camera_offset (run, cam_id);
  /* Models load on the first video that needs them: a re-run that skips
   * everything stays quick. */
  if (!run->models_loaded && !load_models (run, error))
    return FALSE;
  return _trawl_index_video (run, reader, path, vid, base_utc, error);
}

/* ---- the run ---- */

/* "models": {key: sha256} for the models the run uses, as pinned: a model
 * loads only when its file has that hash (trawl_model_path), so the run's
 * record says exactly which weights found its sightings. */
static void
add_models (JsonBuilder *b, const TrawlIndexOptions *o)
{
  g_autoptr (TrawlModelManifest) m = trawl_model_manifest_load_default (NULL);
  json_builder_set_member_name (b, "models");
  json_builder_begin_object (b);
  for (guint i = 0; m != NULL && i < m->entries->len; i++)
    {
      const TrawlModelEntry *e = g_ptr_array_index (m->entries, i);
      if ((!o->no_faces && g_str_has_prefix (e->key, "face-"))
          || (!o->no_plates && g_str_has_prefix (e->key, "text-")))
        {
          json_builder_set_member_name (b, e->key);
          json_builder_add_string_value (b, e->sha256);
        }
    }
  json_builder_end_object (b);
}

static char *
settings_json (const TrawlIndexOptions *o)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "sample_fps");
  json_builder_add_double_value (b, o->sample_fps);
  json_builder_set_member_name (b, "keyframes_only");
  json_builder_add_boolean_value (b, o->keyframes_only);
  json_builder_set_member_name (b, "scene_threshold");
  json_builder_add_double_value (b, o->scene_threshold);
  json_builder_set_member_name (b, "motion_gate");
  json_builder_add_string_value (b, o->motion_gate == TRAWL_INDEX_MOTION_GATE_OFF ? "off" : "auto");
  if (o->motion_gate != TRAWL_INDEX_MOTION_GATE_OFF)
    {
      TrawlMotionGateOptions mo;
      _trawl_index_motion_options (o, &mo);
      json_builder_set_member_name (b, "motion_interval_s");
      json_builder_add_double_value (b, mo.max_interval_s);
      json_builder_set_member_name (b, "motion_cell_delta");
      json_builder_add_double_value (b, mo.cell_delta);
      json_builder_set_member_name (b, "motion_min_changed");
      json_builder_add_double_value (b, mo.min_changed);
    }
  json_builder_set_member_name (b, "face_tile");
  if (o->face_tile == 0)
    json_builder_add_string_value (b, "auto");
  else if (o->face_tile < 0)
    json_builder_add_string_value (b, "off");
  else
    json_builder_add_int_value (b, o->face_tile);
  json_builder_set_member_name (b, "detect_workers");
  json_builder_add_int_value (b, MAX (1, o->detect_workers));
  json_builder_set_member_name (b, "device");
  json_builder_add_string_value (b, o->backend == TRAWL_NN_BACKEND_CUDA ? "cuda" : "cpu");
  json_builder_set_member_name (b, "precision");
  json_builder_add_string_value (b, trawl_nn_precision_name (o->precision));
  json_builder_set_member_name (b, "faces");
  json_builder_add_boolean_value (b, !o->no_faces);
  json_builder_set_member_name (b, "plates");
  json_builder_add_boolean_value (b, !o->no_plates);
  add_models (b, o);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

static char *
summary_json (const TrawlIndexProgress *p)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "indexed");
  json_builder_add_int_value (b, p->videos_indexed);
  json_builder_set_member_name (b, "skipped");
  json_builder_add_int_value (b, p->videos_skipped);
  json_builder_set_member_name (b, "failed");
  json_builder_add_int_value (b, p->videos_failed);
  json_builder_set_member_name (b, "failures");
  json_builder_begin_array (b);
  for (guint i = 0; i < p->failures->len; i++)
    {
      /* a file name need not be UTF-8; JSON must be */
      g_autofree char *line = g_utf8_make_valid (p->failures->pdata[i], -1);
      json_builder_add_string_value (b, line);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

static void
run_clear (TrawlIndexRun *run)
{
  trawl_face_detector_free (run->face_det);
  trawl_plate_reader_free (run->plate_reader);
  g_clear_pointer (&run->p.failures, g_ptr_array_unref);
  g_clear_pointer (&run->times, g_hash_table_unref);
  trawl_case_close (run->kase);
}

static gboolean
load_models (TrawlIndexRun *run, GError **error)
{
  run->models_loaded = TRUE;
  /* Two workers share the cores: each engine gets one thread. */
  TrawlFaceOptions fo = { 0 };
  TrawlPlateOptions po = { 0 };
  if (run->opts.detect_workers >= 2 && !run->opts.no_faces && !run->opts.no_plates)
    fo.n_threads = po.n_threads = MAX (1, (int) g_get_num_processors () / 2);
  fo.tile = run->opts.face_tile;
  fo.backend = po.backend = run->opts.backend;
  fo.precision = po.precision = run->opts.precision;
  if (!run->opts.no_faces)
    {
      run->face_det = trawl_face_detector_new (&fo, error);
      if (run->face_det == NULL)
        return FALSE;
    }
  if (!run->opts.no_plates)
    {
      run->plate_reader = trawl_plate_reader_new (&po, error);
      if (run->plate_reader == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
run_files (TrawlIndexRun *run, GPtrArray *files, GError **error)
{
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = files->pdata[i];
      GStatBuf st;
      gint64 size = g_stat (path, &st) == 0 ? st.st_size : 0;
      if (!index_file (run, path, error))
        return FALSE;
      run->bytes_done += size;
      run->p.files_done++;
      run->p.current = NULL;
      _trawl_index_report (run, TRUE);
    }
  return TRUE;
}

gboolean
trawl_index_run (const char *case_dir, const char *const *inputs, guint n_inputs,
                 const TrawlIndexOptions *opts, TrawlIndexProgress *final, GError **error)
{
  TrawlIndexRun run;
  memset (&run, 0, sizeof run);
  trawl_index_options_init (&run.opts);
  if (opts != NULL)
    run.opts = *opts;
  if (run.opts.sample_fps <= 0)
    run.opts.sample_fps = 2.0;
  if (run.opts.queue_depth <= 0)
    run.opts.queue_depth = 8;
  if (run.opts.batch_frames <= 0)
    run.opts.batch_frames = 4;
  if (run.opts.progress_interval_s <= 0)
    run.opts.progress_interval_s = 0.5;
  run.p.failures = g_ptr_array_new_with_free_func (g_free);
  run.t0 = g_get_monotonic_time () / 1e6;

  g_autoptr (GPtrArray) files = trawl_index_expand_inputs (inputs, n_inputs);
  run.p.files_total = files->len;
  for (guint i = 0; i < files->len; i++)
    {
      GStatBuf st;
      if (g_stat (files->pdata[i], &st) == 0)
        run.bytes_total += st.st_size;
    }
  gint64 run_id = 0;
  g_autofree char *settings = settings_json (&run.opts);
  g_autofree char *summary = NULL;
  gboolean ok = FALSE;
  /* Times are settled before anything is written. */
  if (!_trawl_index_load_times (&run, inputs, n_inputs, error)
      || !_trawl_index_check_start (&run, files, error))
    goto out;
  run.kase = trawl_case_open (case_dir, TRAWL_CASE_CREATE | (run.opts.force_new_catalog
                                                            ? TRAWL_CASE_REPLACE_LOST_CATALOG
                                                            : 0), error);
  if (run.kase == NULL)
    goto out;
  run.cat = trawl_case_get_catalog (run.kase);
  /* Nothing is written to a case whose audit log was tampered with: the
   * run could not be recorded in it. */
  if (trawl_catalog_audit_get_damage (run.cat) != NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "%s; refusing to index into a case whose audit log is broken (trawl audit %s "
                   "shows it)", trawl_catalog_audit_get_damage (run.cat), case_dir);
      goto out;
    }
  if (!trawl_catalog_reset_partial_videos (run.cat, NULL, error)
      || !(run.faces_vs = trawl_case_get_vectors (run.kase, TRAWL_KIND_FACE, error))
      || !(run.plates_vs = trawl_case_get_vectors (run.kase, TRAWL_KIND_PLATE, error))
      || !trawl_catalog_begin_run (run.cat, run.opts.command_line, settings, &run_id, error)
      || !trawl_catalog_audit_append (run.cat, NULL, "index-start", settings, NULL, error))
    goto out;
  if (!run_files (&run, files, error))
    goto out;
  summary = summary_json (&run.p);
  ok = trawl_catalog_finish_run (run.cat, run_id, error)
       && trawl_catalog_audit_append (run.cat, NULL, "index", summary, NULL, error);
out:
  run.p.elapsed_s = g_get_monotonic_time () / 1e6 - run.t0;
  run.p.eta_s = 0;
  if (final != NULL)
    {
      *final = run.p;
      final->current = NULL;
      final->failures = g_ptr_array_ref (run.p.failures);
    }
  run_clear (&run);
  return ok;
}

