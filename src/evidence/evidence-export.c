/* evidence-export.c - `trawl export`: from a track, a sighting or a
 * wall-clock window to a sealed evidence folder.
 *
 * The steps follow the states in evidence.h: plan the clips (which video,
 * which pts range), check each source's SHA-256 against the catalog, cut
 * the clips by stream copy (video/), write thumbnails and the README, then
 * seal: manifest.json, its signature, the audit row, and the rename of the
 * temporary folder into place. Cutting and hashing live elsewhere (video/,
 * base/); this file decides what goes in and in which order.
 *
 * Divisions: small file helpers; records cached per export; planning
 * (track, sighting, window); CHECKING (output folder, source hashes);
 * COPYING (clips, annotated copies, thumbnails, README); SEALING
 * (manifest, signature, audit row, rename); the blocking call; async.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sodium.h>
#include <trawl/video.h>

#include "evidence-private.h"

#define MAX_THUMBNAILS 5  /* a track's best thumbnails in an export */
#define BOX_HOLD_S 0.5    /* an annotated copy shows a box this long around its sighting */

typedef struct {
  gint64 video_id;
  double t0, t1;       /* requested, s on the source's pts timeline */
} ClipPlan;

typedef struct {
  TrawlCatalog             *cat;
  const TrawlExportOptions *o;
  GCancellable             *cancel;
  TrawlKind                 kind;       /* of the subject; 0 for a window */
  GArray                   *plans;      /* ClipPlan */
  GArray                   *thumbs;     /* gint64 sighting ids */
  JsonNode                 *subject;    /* what was exported, for manifest and audit */
  GHashTable               *videos;     /* video id -> TrawlCatalogVideo* */
  GHashTable               *cameras;    /* camera id -> TrawlCamera* */
  char                     *out;        /* absolute out_dir */
  char                     *tmp;        /* the folder being built */
  JsonBuilder              *clips_json; /* array of clip entries, filled while copying */
  JsonBuilder              *thumbs_json;
  JsonBuilder              *derived_json; /* annotated copies, when asked for */
  GPtrArray                *sightings;    /* TrawlSighting* of the subject, for the boxes */
  TrawlExportResult        *res;
} Export;

void
trawl_export_options_init (TrawlExportOptions *o)
{
  memset (o, 0, sizeof *o);
  o->from_utc = NAN;
  o->to_utc = NAN;
  o->before_s = 10.0;
  o->after_s = 10.0;
}

static void
clip_free (TrawlExportClip *c)
{
  if (c == NULL)
    return;
  g_free (c->file);
  g_free (c->camera);
  g_free (c->source_path);
  g_free (c->sha256);
  g_free (c);
}

void
trawl_export_result_free (TrawlExportResult *r)
{
  if (r == NULL)
    return;
  g_free (r->dir);
  g_free (r->manifest_sha256);
  g_clear_pointer (&r->clips, g_ptr_array_unref);
  g_clear_pointer (&r->thumbnails, g_ptr_array_unref);
  g_clear_pointer (&r->derived, g_ptr_array_unref);
  g_free (r->public_key);
  g_free (r);
}

/* ---- small file helpers ---- */

/* Removes path and everything under it; quiet about what cannot go. */
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
      if (g_file_test (p, G_FILE_TEST_IS_DIR) && !g_file_test (p, G_FILE_TEST_IS_SYMLINK))
        remove_tree (p);
      else
        g_remove (p);
    }
  g_rmdir (path);
}

static gboolean
fsync_path (const char *path, GError **error)
{
  int fd = open (path, O_RDONLY);
  int e = 0;

  if (fd < 0 || fsync (fd) != 0)
    e = errno;
  if (fd >= 0)
    close (fd);
  if (e != 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "%s: cannot sync to disk: %s",
                   path, g_strerror (e));
      return FALSE;
    }
  return TRUE;
}

static gint64
file_size (const char *path)
{
  GStatBuf sb;

  return g_stat (path, &sb) == 0 ? (gint64) sb.st_size : -1;
}

/* Writes data as name inside the folder being built; sets *sha256. */
static gboolean
write_member (Export *x, const char *name, const void *data, gsize len, char **sha256,
              GError **error)
{
  g_autofree char *path = g_build_filename (x->tmp, name, NULL);

  if (!trawl_atomic_write_file (path, data, len, error))
    return FALSE;
  if (sha256 != NULL)
    *sha256 = _trawl_evidence_sha256_bytes (data, len);
  return TRUE;
}

/* Letters, digits, '-' and '_' only: camera names become file names. */
static char *
file_safe (const char *name)
{
  char *s = g_strdup (name != NULL && *name ? name : "camera");

  for (char *p = s; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      *p = '_';
  return s;
}

/* ---- records, cached per export ---- */

static TrawlCatalogVideo *
video_of (Export *x, gint64 id, GError **error)
{
  TrawlCatalogVideo *v = g_hash_table_lookup (x->videos, &id);

  if (v == NULL && (v = _trawl_evidence_get_video (x->cat, id, error)) != NULL)
    g_hash_table_insert (x->videos, g_memdup2 (&id, sizeof id), v);
  return v;
}

static TrawlCamera *
camera_of (Export *x, gint64 id, GError **error)
{
  TrawlCamera *c = g_hash_table_lookup (x->cameras, &id);

  if (c == NULL && (c = _trawl_evidence_get_camera (x->cat, id, error)) != NULL)
    g_hash_table_insert (x->cameras, g_memdup2 (&id, sizeof id), c);
  return c;
}

/* ---- planning ---- */

static gboolean
check_options (const TrawlExportOptions *o, GError **error)
{
  int subjects = (o->track_id > 0) + (o->sighting_id > 0) +
                 (!isnan (o->from_utc) || !isnan (o->to_utc));
  const char *why = NULL;

  if (subjects != 1)
    why = subjects == 0 ? "nothing to export: give a track, a sighting or a time window"
                        : "give only one of a track, a sighting or a time window";
  else if (!(o->before_s >= 0) || !(o->after_s >= 0) || isinf (o->before_s) ||
           isinf (o->after_s))
    why = "the time before and after must be zero or more seconds";
  else if ((!isnan (o->from_utc) || !isnan (o->to_utc)) &&
           !(isfinite (o->from_utc) && isfinite (o->to_utc) && o->to_utc > o->from_utc))
    why = "a time window needs a start and an end after it";
  else if (o->out_dir != NULL && *o->out_dir == '\0')
    why = "the output folder name is empty";
  if (why != NULL)
    g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, why);
  return why == NULL;
}

static void
add_plan (Export *x, gint64 video_id, double t0, double t1)
{
  ClipPlan p = { video_id, t0, t1 };
  g_array_append_val (x->plans, p);
}

static gint
by_quality_desc (gconstpointer a, gconstpointer b)
{
  const TrawlSighting *x = *(TrawlSighting *const *) a, *y = *(TrawlSighting *const *) b;

  return (y->quality > x->quality) - (y->quality < x->quality);
}

/* A track's thumbnails: the best sighting first, then by quality. */
static gboolean
plan_track_thumbs (Export *x, const TrawlTrack *t, GError **error)
{
  g_autoptr(GPtrArray) ss = trawl_catalog_list_track_sightings (x->cat, t->id, error);

  if (ss == NULL)
    return FALSE;
  g_ptr_array_extend (x->sightings, ss, NULL, NULL);  /* x->sightings frees them */
  g_ptr_array_set_free_func (ss, NULL);
  if (t->best_sighting_id > 0)
    g_array_append_val (x->thumbs, t->best_sighting_id);
  g_ptr_array_sort (ss, by_quality_desc);
  for (guint i = 0; i < ss->len && x->thumbs->len < MAX_THUMBNAILS; i++)
    {
      TrawlSighting *s = g_ptr_array_index (ss, i);
      if (s->id != t->best_sighting_id)
        g_array_append_val (x->thumbs, s->id);
    }
  return TRUE;
}

static void
subject_member_int (JsonBuilder *b, const char *name, gint64 v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, v);
}

static void
subject_member_time (JsonBuilder *b, const char *name, double utc)
{
  g_autofree char *iso = _trawl_evidence_iso_utc (utc);
  json_builder_set_member_name (b, name);
  if (iso != NULL)
    json_builder_add_string_value (b, iso);
  else
    json_builder_add_null_value (b);
}

static gboolean
plan_track (Export *x, JsonBuilder *b, GError **error)
{
  g_autoptr(TrawlTrack) t = NULL;

  if (!trawl_catalog_get_track (x->cat, x->o->track_id, &t, error))
    return FALSE;
  if (t == NULL)
    {
      g_autofree char *dir = _trawl_evidence_case_dir (x->cat);
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND,
                   "track %" G_GINT64_FORMAT " is not in the case %s", x->o->track_id, dir);
      return FALSE;
    }
  x->kind = t->kind;
  add_plan (x, t->video_id, t->first_pts_s - x->o->before_s, t->last_pts_s + x->o->after_s);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "track");
  subject_member_int (b, "track_id", t->id);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, trawl_kind_to_string (t->kind));
  subject_member_int (b, "video_id", t->video_id);
  subject_member_int (b, "sightings", t->n_sightings);
  json_builder_set_member_name (b, "pts_s");
  json_builder_begin_array (b);
  json_builder_add_double_value (b, t->first_pts_s);
  json_builder_add_double_value (b, t->last_pts_s);
  json_builder_end_array (b);
  subject_member_time (b, "first_utc", t->first_utc);
  subject_member_time (b, "last_utc", t->last_utc);
  if (t->best_plate_text != NULL)
    {
      json_builder_set_member_name (b, "plate_text");
      json_builder_add_string_value (b, t->best_plate_text);
    }
  return plan_track_thumbs (x, t, error);
}

static gboolean
plan_sighting (Export *x, JsonBuilder *b, GError **error)
{
  g_autoptr(TrawlSighting) s = NULL;

  if (!trawl_catalog_get_sighting (x->cat, x->o->sighting_id, &s, error))
    return FALSE;
  if (s == NULL)
    {
      g_autofree char *dir = _trawl_evidence_case_dir (x->cat);
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND,
                   "sighting %" G_GINT64_FORMAT " is not in the case %s", x->o->sighting_id,
                   dir);
      return FALSE;
    }
  x->kind = s->kind;
  add_plan (x, s->video_id, s->pts_s - x->o->before_s, s->pts_s + x->o->after_s);
  g_array_append_val (x->thumbs, s->id);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "sighting");
  subject_member_int (b, "sighting_id", s->id);
  subject_member_int (b, "track_id", s->track_id);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, trawl_kind_to_string (s->kind));
  subject_member_int (b, "video_id", s->video_id);
  json_builder_set_member_name (b, "pts_s");
  json_builder_add_double_value (b, s->pts_s);
  subject_member_time (b, "utc", s->utc);
  json_builder_set_member_name (b, "box");
  json_builder_begin_array (b);
  json_builder_add_double_value (b, s->x);
  json_builder_add_double_value (b, s->y);
  json_builder_add_double_value (b, s->w);
  json_builder_add_double_value (b, s->h);
  json_builder_end_array (b);
  if (s->plate_text != NULL)
    {
      json_builder_set_member_name (b, "plate_text");
      json_builder_add_string_value (b, s->plate_text);
    }
  g_ptr_array_add (x->sightings, g_steal_pointer (&s));
  return TRUE;
}

static gboolean
camera_wanted (const TrawlExportOptions *o, const char *name)
{
  return o->cameras == NULL || g_strv_contains ((const char *const *) o->cameras, name);
}

/* The cameras named in the options must exist. */
static gboolean
check_cameras (Export *x, GPtrArray *cams, GError **error)
{
  for (int i = 0; x->o->cameras != NULL && x->o->cameras[i] != NULL; i++)
    {
      gboolean found = FALSE;
      for (guint j = 0; j < cams->len && !found; j++)
        found = strcmp (((TrawlCamera *) g_ptr_array_index (cams, j))->name,
                        x->o->cameras[i]) == 0;
      if (!found)
        {
          g_autofree char *dir = _trawl_evidence_case_dir (x->cat);
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND,
                       "camera '%s' is not in the case %s", x->o->cameras[i], dir);
          return FALSE;
        }
    }
  return TRUE;
}

/* One clip per video of a wanted camera that overlaps the window; the
 * camera's clock offset moves its videos onto true UTC first. */
static gboolean
plan_window (Export *x, JsonBuilder *b, GError **error)
{
  g_autoptr(GPtrArray) cams = trawl_catalog_list_cameras (x->cat, error);
  g_autoptr(GPtrArray) vids = NULL;
  const TrawlExportOptions *o = x->o;

  if (cams == NULL || !check_cameras (x, cams, error) ||
      (vids = trawl_catalog_list_videos (x->cat, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < vids->len; i++)
    {
      TrawlCatalogVideo *v = g_ptr_array_index (vids, i);
      TrawlCamera *c = camera_of (x, v->camera_id, NULL);
      double start;
      if (c == NULL || !camera_wanted (o, c->name) || isnan (v->start_time_utc))
        continue;
      start = v->start_time_utc + c->clock_offset_s;
      if (start < o->to_utc && start + MAX (v->duration_s, 0) > o->from_utc)
        add_plan (x, v->id, o->from_utc - start, o->to_utc - start);
    }
  if (x->plans->len == 0)
    {
      g_autofree char *from = _trawl_evidence_iso_utc (o->from_utc);
      g_autofree char *to = _trawl_evidence_iso_utc (o->to_utc);
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "no video with a known start time covers %s .. %s on the cameras asked for",
                   from, to);
      return FALSE;
    }
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "window");
  subject_member_time (b, "from_utc", o->from_utc);
  subject_member_time (b, "to_utc", o->to_utc);
  json_builder_set_member_name (b, "cameras");
  json_builder_begin_array (b);
  for (guint i = 0; i < cams->len; i++)
    if (camera_wanted (o, ((TrawlCamera *) g_ptr_array_index (cams, i))->name))
      json_builder_add_string_value (b, ((TrawlCamera *) g_ptr_array_index (cams, i))->name);
  json_builder_end_array (b);
  return TRUE;
}

static gboolean
plan_export (Export *x, GError **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  gboolean ok;

  json_builder_begin_object (b);
  if (x->o->track_id > 0)
    ok = plan_track (x, b, error);
  else if (x->o->sighting_id > 0)
    ok = plan_sighting (x, b, error);
  else
    ok = plan_window (x, b, error);
  json_builder_end_object (b);
  if (ok)
    x->subject = json_builder_get_root (b);
  return ok;
}

/* ---- CHECKING ---- */

/* The output folder: refused when it exists (unless force), its parent
 * made; then the temporary folder beside it. */
static gboolean
prepare_folder (Export *x, GError **error)
{
  g_autofree char *parent = NULL, *tmpl = NULL;

  if (x->o->out_dir != NULL)
    x->out = g_canonicalize_filename (x->o->out_dir, NULL);
  else
    x->out = _trawl_evidence_default_out (x->cat, x->subject);
  if (g_file_test (x->out, G_FILE_TEST_EXISTS) && !x->o->force)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "%s already exists; exports never overwrite (use --force to replace it)",
                   x->out);
      return FALSE;
    }
  if (g_file_test (x->out, G_FILE_TEST_EXISTS) && !g_file_test (x->out, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "%s exists and is not a folder; not replacing it", x->out);
      return FALSE;
    }
  parent = g_path_get_dirname (x->out);
  if (g_mkdir_with_parents (parent, 0755) != 0)
    {
      int e = errno;
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "cannot create the folder %s: %s",
                   parent, g_strerror (e));
      return FALSE;
    }
  tmpl = g_strdup_printf ("%s.partial-XXXXXX", x->out);
  if (g_mkdtemp_full (tmpl, 0755) == NULL)
    {
      int e = errno;
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "cannot write in %s: %s", parent,
                   g_strerror (e));
      return FALSE;
    }
  x->tmp = g_steal_pointer (&tmpl);
  return TRUE;
}

/* Each source once: its SHA-256 now must be the one recorded at indexing. */
static gboolean
check_sources (Export *x, GError **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  for (guint i = 0; i < x->plans->len; i++)
    {
      ClipPlan *p = &g_array_index (x->plans, ClipPlan, i);
      TrawlCatalogVideo *v = video_of (x, p->video_id, error);
      g_autoptr(GError) local = NULL;
      g_autofree char *now = NULL;

      if (v == NULL)
        return FALSE;
      if (g_hash_table_contains (seen, &p->video_id))
        continue;
      g_hash_table_add (seen, g_memdup2 (&p->video_id, sizeof p->video_id));
      if (g_cancellable_set_error_if_cancelled (x->cancel, error))
        return FALSE;
      if (!g_file_test (v->path, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND,
                       "source video %s is missing (indexed with SHA-256 %s); refusing to "
                       "export", v->path, v->sha256);
          return FALSE;
        }
      now = trawl_file_sha256 (v->path, &local);
      if (now == NULL)
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND,
                       "source video %s cannot be read (%s); refusing to export", v->path,
                       local->message);
          return FALSE;
        }
      if (g_ascii_strcasecmp (now, v->sha256) != 0)
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                       "source video %s has CHANGED since it was indexed: its SHA-256 is now "
                       "%s, the catalog recorded %s; refusing to export", v->path, now,
                       v->sha256);
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- COPYING ---- */

static void
add_time_member (JsonBuilder *b, const char *name, char *(*fmt) (double), double utc)
{
  g_autofree char *s = fmt (utc);
  json_builder_set_member_name (b, name);
  if (s != NULL)
    json_builder_add_string_value (b, s);
  else
    json_builder_add_null_value (b);
}

static void
add_range (JsonBuilder *b, const char *name, double a, double z)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  json_builder_add_double_value (b, a);
  json_builder_add_double_value (b, z);
  json_builder_end_array (b);
}

/* Where the clip's times come from, and its range in true UTC. */
static void
add_wall_clock (JsonBuilder *b, const TrawlCatalogVideo *v, const TrawlCamera *c,
                const TrawlExportClip *clip)
{
  json_builder_set_member_name (b, "wall_clock");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "time_source");
  json_builder_add_string_value (b, trawl_time_source_to_string (v->time_source));
  add_time_member (b, "video_start_utc", _trawl_evidence_iso_utc, v->start_time_utc);
  json_builder_set_member_name (b, "camera_clock_offset_s");
  json_builder_add_double_value (b, c->clock_offset_s);
  json_builder_set_member_name (b, "clock_offset_source");
  json_builder_add_string_value (b, c->clock_offset_s != 0 ? "user" : "none");
  json_builder_set_member_name (b, "rule");
  json_builder_add_string_value (b, "true UTC = video_start_utc + pts_s + camera_clock_offset_s");
  add_time_member (b, "start_utc", _trawl_evidence_iso_utc, clip->start_utc);
  add_time_member (b, "end_utc", _trawl_evidence_iso_utc, clip->end_utc);
  add_time_member (b, "start_local", _trawl_evidence_iso_local, clip->start_utc);
  add_time_member (b, "local_offset", _trawl_evidence_local_offset, clip->start_utc);
  json_builder_end_object (b);
}

static void
add_clip_json (Export *x, const TrawlExportClip *clip, const TrawlRemuxResult *rr,
               const TrawlCatalogVideo *v, const TrawlCamera *c)
{
  JsonBuilder *b = x->clips_json;

  json_builder_begin_object (b);
  _trawl_evidence_add_file_members (b, clip->file, clip->sha256, clip->size);
  json_builder_set_member_name (b, "method");
  json_builder_add_string_value (b, "stream copy (no re-encoding), cut on key frames");
  json_builder_set_member_name (b, "derived");
  json_builder_add_boolean_value (b, FALSE);
  json_builder_set_member_name (b, "container");
  json_builder_add_string_value (b, rr->container);
  json_builder_set_member_name (b, "codec");
  json_builder_add_string_value (b, rr->codec);
  json_builder_set_member_name (b, "camera");
  json_builder_add_string_value (b, c->name);
  json_builder_set_member_name (b, "source");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, v->path);
  json_builder_set_member_name (b, "size");
  json_builder_add_int_value (b, v->size);
  json_builder_set_member_name (b, "sha256");
  json_builder_add_string_value (b, v->sha256);
  json_builder_set_member_name (b, "sha256_checked");
  json_builder_add_boolean_value (b, TRUE);
  subject_member_int (b, "video_id", v->id);
  json_builder_end_object (b);
  add_range (b, "requested_pts_s", rr->requested_start_s, rr->requested_end_s);
  add_range (b, "actual_pts_s", rr->start_s, rr->end_s);
  subject_member_int (b, "video_packets", rr->video_packets);
  add_wall_clock (b, v, c, clip);
  json_builder_end_object (b);
}

/* The catalog's pts_s is the reader's continuous media time; where the
 * file's own clock jumped (two recordings joined), the file's times differ
 * after the jump, and those are what remux and the annotator count. */
static double
to_file (GArray *jumps, double media_s)
{
  return trawl_video_time_to_file ((const TrawlTimeJump *) (void *) jumps->data, jumps->len,
                                   media_s);
}

static double
from_file (GArray *jumps, double file_s)
{
  return trawl_video_time_from_file ((const TrawlTimeJump *) (void *) jumps->data, jumps->len,
                                     file_s);
}

static void
result_from_file (GArray *jumps, TrawlRemuxResult *rr)
{
  rr->requested_start_s = from_file (jumps, rr->requested_start_s);
  rr->requested_end_s = from_file (jumps, rr->requested_end_s);
  rr->start_s = from_file (jumps, rr->start_s);
  rr->end_s = from_file (jumps, rr->end_s);
}

/* The subject's boxes in video v, for the annotated copy (file times). */
static GArray *
boxes_in (Export *x, const TrawlCatalogVideo *v, GArray *jumps)
{
  GArray *boxes = g_array_new (FALSE, TRUE, sizeof (TrawlAnnotation));

  for (guint i = 0; i < x->sightings->len; i++)
    {
      const TrawlSighting *s = g_ptr_array_index (x->sightings, i);
      TrawlAnnotation a = { to_file (jumps, s->pts_s), s->x, s->y, s->w, s->h, s->plate_text };
      if (s->video_id == v->id)
        g_array_append_val (boxes, a);
    }
  return boxes;
}

/* The re-encoded copy of clip with boxes and the clock burnt in, listed
 * under "derived" in the manifest, never in place of the clip. */
static gboolean
render_derived (Export *x, const TrawlExportClip *clip, const TrawlCatalogVideo *v,
                const TrawlCamera *c, guint n, GError **error)
{
  g_autoptr(GArray) jumps = trawl_catalog_video_get_time_jumps (v);
  g_autoptr(GArray) boxes = boxes_in (x, v, jumps);
  double f0 = to_file (jumps, clip->start_s);
  g_autofree char *cam = file_safe (c->name);
  g_autofree char *name = g_strdup_printf ("clip-%u-%s-annotated.mkv", n, cam);
  g_autofree char *path = g_build_filename (x->tmp, name, NULL);
  g_autofree char *sha = NULL, *method = NULL;
  g_auto(TrawlRemuxResult) rr = { 0 };

  /* the burnt-in clock is start + file pts: shifted so it reads true at
   * the clip's start (a clip across a jump reads off after it) */
  if (!trawl_video_render_annotated (v->path, f0, to_file (jumps, clip->end_s), path,
                                     (const TrawlAnnotation *) (void *) boxes->data, boxes->len,
                                     BOX_HOLD_S, v->start_time_utc + c->clock_offset_s
                                                 - (f0 - clip->start_s), &rr,
                                     x->cancel, error) ||
      !fsync_path (path, error) || (sha = trawl_file_sha256 (path, error)) == NULL)
    return FALSE;
  result_from_file (jumps, &rr);
  method = g_strdup_printf ("RE-ENCODED (%s) with the detection boxes and the wall-clock time "
                            "burnt in: a derived viewing copy, not the original pixels",
                            rr.codec);
  json_builder_begin_object (x->derived_json);
  _trawl_evidence_add_file_members (x->derived_json, name, sha, file_size (path));
  json_builder_set_member_name (x->derived_json, "derived");
  json_builder_add_boolean_value (x->derived_json, TRUE);
  json_builder_set_member_name (x->derived_json, "derived_from");
  json_builder_add_string_value (x->derived_json, clip->file);
  json_builder_set_member_name (x->derived_json, "method");
  json_builder_add_string_value (x->derived_json, method);
  subject_member_int (x->derived_json, "boxes", boxes->len);
  add_range (x->derived_json, "pts_s", rr.start_s, rr.end_s);
  json_builder_end_object (x->derived_json);
  g_ptr_array_add (x->res->derived, g_steal_pointer (&name));
  return TRUE;
}

static gboolean
copy_clip (Export *x, const ClipPlan *p, guint n, GError **error)
{
  TrawlCatalogVideo *v = video_of (x, p->video_id, error);
  TrawlCamera *c = v != NULL ? camera_of (x, v->camera_id, error) : NULL;
  g_auto(TrawlRemuxResult) rr = { 0 };
  g_autofree char *ext = NULL, *cam = NULL, *path = NULL;
  TrawlExportClip *clip;
  g_autoptr(GArray) jumps = NULL;
  double wall;

  if (c == NULL || (ext = trawl_video_remux_extension (v->path, error)) == NULL)
    return FALSE;
  jumps = trawl_catalog_video_get_time_jumps (v);
  cam = file_safe (c->name);
  clip = g_new0 (TrawlExportClip, 1);
  g_ptr_array_add (x->res->clips, clip);
  clip->file = g_strdup_printf ("clip-%u-%s.%s", n, cam, ext);
  path = g_build_filename (x->tmp, clip->file, NULL);
  if (!trawl_video_remux (v->path, to_file (jumps, p->t0), to_file (jumps, p->t1), path, &rr,
                          x->cancel, error) ||
      !fsync_path (path, error) || (clip->sha256 = trawl_file_sha256 (path, error)) == NULL)
    return FALSE;
  result_from_file (jumps, &rr);
  clip->camera = g_strdup (c->name);
  clip->source_path = g_strdup (v->path);
  clip->size = file_size (path);
  clip->requested_start_s = rr.requested_start_s;
  clip->requested_end_s = rr.requested_end_s;
  clip->start_s = rr.start_s;
  clip->end_s = rr.end_s;
  wall = v->start_time_utc + c->clock_offset_s;
  clip->start_utc = wall + rr.start_s;  /* NAN stays NAN */
  clip->end_utc = wall + rr.end_s;
  add_clip_json (x, clip, &rr, v, c);
  return !x->o->annotated || render_derived (x, clip, v, c, n, error);
}

static gboolean
copy_clips (Export *x, GError **error)
{
  json_builder_begin_array (x->clips_json);
  json_builder_begin_array (x->derived_json);
  for (guint i = 0; i < x->plans->len; i++)
    if (!copy_clip (x, &g_array_index (x->plans, ClipPlan, i), i + 1, error))
      return FALSE;
  json_builder_end_array (x->clips_json);
  json_builder_end_array (x->derived_json);
  return TRUE;
}

static gboolean
write_thumb (Export *x, gint64 sid, GError **error)
{
  g_autoptr(GBytes) jpeg = NULL;
  g_autoptr(TrawlSighting) s = NULL;
  g_autofree char *name = NULL, *sha = NULL;
  gsize len;
  const guint8 *data;

  if (!trawl_catalog_get_thumbnail (x->cat, sid, &jpeg, error) ||
      !trawl_catalog_get_sighting (x->cat, sid, &s, error))
    return FALSE;
  if (jpeg == NULL || s == NULL)
    return TRUE;  /* not every sighting has a thumbnail */
  data = g_bytes_get_data (jpeg, &len);
  name = g_strdup_printf ("thumb-%" G_GINT64_FORMAT ".jpg", sid);
  if (!write_member (x, name, data, len, &sha, error))
    return FALSE;
  json_builder_begin_object (x->thumbs_json);
  _trawl_evidence_add_file_members (x->thumbs_json, name, sha, (gint64) len);
  subject_member_int (x->thumbs_json, "sighting_id", sid);
  subject_member_int (x->thumbs_json, "video_id", s->video_id);
  json_builder_set_member_name (x->thumbs_json, "pts_s");
  json_builder_add_double_value (x->thumbs_json, s->pts_s);
  subject_member_time (x->thumbs_json, "utc", s->utc);
  json_builder_set_member_name (x->thumbs_json, "quality");
  json_builder_add_double_value (x->thumbs_json, s->quality);
  json_builder_end_object (x->thumbs_json);
  g_ptr_array_add (x->res->thumbnails, g_steal_pointer (&name));
  return TRUE;
}

static gboolean
write_thumbs (Export *x, GError **error)
{
  json_builder_begin_array (x->thumbs_json);
  for (guint i = 0; i < x->thumbs->len; i++)
    if (!write_thumb (x, g_array_index (x->thumbs, gint64, i), error))
      return FALSE;
  json_builder_end_array (x->thumbs_json);
  return TRUE;
}

static char *
readme_text (Export *x)
{
  GString *s = g_string_new (NULL);

  g_string_append (s,
    "Evidence export made by trawl " );
  g_string_append_printf (s, "%s.\n\nFiles in this folder:\n\n", trawl_version ());
  for (guint i = 0; i < x->res->clips->len; i++)
    {
      TrawlExportClip *c = g_ptr_array_index (x->res->clips, i);
      g_string_append_printf (s, "  %s\n      footage from camera '%s', copied from %s without\n"
                                 "      re-encoding (the original packets), SHA-256 %s\n",
                              c->file, c->camera, c->source_path, c->sha256);
    }
  for (guint i = 0; i < x->res->derived->len; i++)
    g_string_append_printf (s, "  %s\n      a DERIVED viewing copy: re-encoded, with the detection boxes and\n"
                               "      the wall-clock time burnt in; not the original pixels\n",
                            (char *) g_ptr_array_index (x->res->derived, i));
  for (guint i = 0; i < x->res->thumbnails->len; i++)
    g_string_append_printf (s, "  %s\n      a thumbnail of the finding, as stored at indexing\n",
                            (char *) g_ptr_array_index (x->res->thumbnails, i));
  g_string_append (s,
    "  manifest.json\n"
    "      what was exported and from where: case, camera, wall-clock times in\n"
    "      UTC (with the local offset) and where each time came from, the\n"
    "      source file's path, size and SHA-256 (checked against the value\n"
    "      recorded when it was indexed), requested and actual time ranges,\n"
    "      every file's SHA-256, tool and model versions, operator, export time\n");
  if (x->o->sign)
    g_string_append (s,
      "  manifest.sig\n"
      "      Ed25519 signature of manifest.json's exact bytes (hex), made with\n"
      "      the case's key; the public key is in manifest.json (signing.public_key)\n");
  g_string_append (s,
    "  README.txt\n"
    "      this file\n"
    "\n"
    "How to check it:\n"
    "\n"
    "  trawl verify <this folder> [--case <case folder>]\n"
    "      recomputes every hash, checks the signature and, with the case,\n"
    "      that the export is recorded in the case's hash-chained audit log.\n"
    "  By hand: 'sha256sum <file>' must print the sha256 manifest.json lists\n"
    "  for it. The clips play in any player (ffplay, VLC); their first frame\n"
    "  is the key frame at or before the requested start.\n");
  return g_string_free (s, FALSE);
}

/* ---- SEALING ---- */

static char *
build_manifest (Export *x, const char *readme_sha, gsize readme_len, const char *public_hex)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *now = _trawl_evidence_iso_utc (g_get_real_time () / 1e6);
  g_autofree char *case_dir = _trawl_evidence_case_dir (x->cat);
  g_autofree char *case_name = g_path_get_basename (case_dir);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, TRAWL_EVIDENCE_FORMAT);
  json_builder_set_member_name (b, "case");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, case_name);
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, case_dir);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "subject");
  json_builder_add_value (b, json_node_copy (x->subject));
  json_builder_set_member_name (b, "query");
  if (x->o->query != NULL)
    json_builder_add_string_value (b, x->o->query);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "operator");
  json_builder_add_string_value (b, x->o->operator_name != NULL ? x->o->operator_name
                                                                : g_get_user_name ());
  json_builder_set_member_name (b, "exported_utc");
  json_builder_add_string_value (b, now);
  json_builder_set_member_name (b, "tool");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, "trawl");
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, trawl_version ());
  json_builder_end_object (b);
  _trawl_evidence_add_models (b, x->kind);
  json_builder_set_member_name (b, "clips");
  json_builder_add_value (b, json_builder_get_root (x->clips_json));
  json_builder_set_member_name (b, "thumbnails");
  json_builder_add_value (b, json_builder_get_root (x->thumbs_json));
  json_builder_set_member_name (b, "derived");
  json_builder_add_value (b, json_builder_get_root (x->derived_json));
  json_builder_set_member_name (b, "readme");
  json_builder_begin_object (b);
  _trawl_evidence_add_file_members (b, TRAWL_EVIDENCE_README, readme_sha, (gint64) readme_len);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "signing");
  if (public_hex != NULL)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "algorithm");
      json_builder_add_string_value (b, TRAWL_EVIDENCE_KEY_ALGORITHM);
      json_builder_set_member_name (b, "public_key");
      json_builder_add_string_value (b, public_hex);
      json_builder_set_member_name (b, "signature_file");
      json_builder_add_string_value (b, TRAWL_EVIDENCE_SIGNATURE);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_data (gen, NULL);
}

static gboolean
write_manifest (Export *x, GError **error)
{
  g_autofree char *readme = readme_text (x), *readme_sha = NULL, *text = NULL;
  g_autofree char *public_hex = NULL;
  guint8 *secret = NULL;
  gboolean ok = TRUE;

  if (x->o->sign && !_trawl_evidence_load_key (x->cat, &secret, &public_hex, error))
    return FALSE;
  if (!write_member (x, TRAWL_EVIDENCE_README, readme, strlen (readme), &readme_sha, error))
    ok = FALSE;
  if (ok)
    {
      text = build_manifest (x, readme_sha, strlen (readme), public_hex);
      ok = write_member (x, TRAWL_EVIDENCE_MANIFEST, text, strlen (text),
                         &x->res->manifest_sha256, error);
    }
  if (ok && secret != NULL)
    {
      g_autofree char *sig = _trawl_evidence_sign (secret, text, strlen (text));
      g_autofree char *line = g_strconcat (sig, "\n", NULL);
      ok = write_member (x, TRAWL_EVIDENCE_SIGNATURE, line, strlen (line), NULL, error);
    }
  if (secret != NULL)
    {
      sodium_memzero (secret, crypto_sign_SECRETKEYBYTES);
      g_free (secret);
    }
  x->res->public_key = g_steal_pointer (&public_hex);
  return ok;
}

static char *
audit_details (Export *x)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "export_dir");
  json_builder_add_string_value (b, x->out);
  json_builder_set_member_name (b, "manifest_sha256");
  json_builder_add_string_value (b, x->res->manifest_sha256);
  json_builder_set_member_name (b, "signed");
  json_builder_add_boolean_value (b, x->res->public_key != NULL);
  json_builder_set_member_name (b, "subject");
  json_builder_add_value (b, json_node_copy (x->subject));
  json_builder_set_member_name (b, "clips");
  json_builder_begin_array (b);
  for (guint i = 0; i < x->res->clips->len; i++)
    {
      TrawlExportClip *c = g_ptr_array_index (x->res->clips, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, c->file);
      json_builder_set_member_name (b, "sha256");
      json_builder_add_string_value (b, c->sha256);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

/* The complete folder takes out's place; a replaced one (force) is
 * removed only after the new one is there. */
static gboolean
move_into_place (Export *x, GError **error)
{
  g_autofree char *old = NULL;
  int e;

  if (!fsync_path (x->tmp, error))
    return FALSE;
  if (g_file_test (x->out, G_FILE_TEST_EXISTS))
    {
      old = g_strdup_printf ("%s.replaced-XXXXXX", x->out);
      if (g_mkdtemp (old) == NULL || g_rmdir (old) != 0 || g_rename (x->out, old) != 0)
        {
          e = errno;
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "cannot move %s aside: %s",
                       x->out, g_strerror (e));
          return FALSE;
        }
    }
  if (g_rename (x->tmp, x->out) != 0)
    {
      e = errno;
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "cannot rename %s to %s: %s",
                   x->tmp, x->out, g_strerror (e));
      if (old != NULL)
        g_rename (old, x->out);
      return FALSE;
    }
  g_clear_pointer (&x->tmp, g_free);
  if (old != NULL)
    remove_tree (old);
  return TRUE;
}

static gboolean
seal (Export *x, GError **error)
{
  g_autofree char *details = NULL;
  const char *user = x->o->operator_name;

  if (!write_manifest (x, error))
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (x->cancel, error))
    return FALSE;
  details = audit_details (x);
  if (!trawl_catalog_audit_append (x->cat, user, TRAWL_EVIDENCE_AUDIT_ACTION, details,
                                   &x->res->audit_id, error))
    return FALSE;
  if (!move_into_place (x, error))
    {
      /* the audit row says an export was sealed; say that it never landed */
      g_autofree char *why = g_strdup_printf ("{\"manifest_sha256\":\"%s\",\"reason\":%s}",
                                              x->res->manifest_sha256, "\"rename failed\"");
      trawl_catalog_audit_append (x->cat, user, "export-failed", why, NULL, NULL);
      return FALSE;
    }
  x->res->dir = g_strdup (x->out);
  return TRUE;
}

static void
export_clear (Export *x)
{
  if (x->tmp != NULL)
    remove_tree (x->tmp);  /* a failed export leaves nothing that looks complete */
  g_free (x->tmp);
  g_free (x->out);
  g_clear_pointer (&x->plans, g_array_unref);
  g_clear_pointer (&x->thumbs, g_array_unref);
  g_clear_pointer (&x->subject, json_node_unref);
  g_clear_pointer (&x->videos, g_hash_table_unref);
  g_clear_pointer (&x->cameras, g_hash_table_unref);
  g_clear_object (&x->clips_json);
  g_clear_object (&x->thumbs_json);
  g_clear_object (&x->derived_json);
  g_clear_pointer (&x->sightings, g_ptr_array_unref);
  trawl_export_result_free (x->res);
}

TrawlExportResult *
trawl_evidence_export (TrawlCatalog *cat, const TrawlExportOptions *opts,
                       GCancellable *cancellable, GError **error)
{
  Export x = { 0 };
  TrawlExportResult *res = NULL;

  g_return_val_if_fail (cat != NULL && opts != NULL, NULL);
  if (!check_options (opts, error))
    return NULL;
  x.cat = cat;
  x.o = opts;
  x.cancel = cancellable;
  x.plans = g_array_new (FALSE, FALSE, sizeof (ClipPlan));
  x.thumbs = g_array_new (FALSE, FALSE, sizeof (gint64));
  x.videos = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                    (GDestroyNotify) trawl_catalog_video_free);
  x.cameras = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                     (GDestroyNotify) trawl_camera_free);
  x.clips_json = json_builder_new ();
  x.thumbs_json = json_builder_new ();
  x.derived_json = json_builder_new ();
  x.sightings = g_ptr_array_new_with_free_func ((GDestroyNotify) trawl_sighting_free);
  x.res = g_new0 (TrawlExportResult, 1);
  x.res->clips = g_ptr_array_new_with_free_func ((GDestroyNotify) clip_free);
  x.res->thumbnails = g_ptr_array_new_with_free_func (g_free);
  x.res->derived = g_ptr_array_new_with_free_func (g_free);
  if (plan_export (&x, error) && check_sources (&x, error) && prepare_folder (&x, error) &&
      copy_clips (&x, error) && write_thumbs (&x, error) && seal (&x, error))
    res = g_steal_pointer (&x.res);
  export_clear (&x);
  return res;
}

/* ---- async ---- */

typedef struct {
  TrawlCatalog       *cat;
  TrawlExportOptions  o;       /* strings below owned */
  char              **cameras;
  char               *out_dir, *operator_name, *query;
} ExportTask;

static void
export_task_free (ExportTask *t)
{
  g_strfreev (t->cameras);
  g_free (t->out_dir);
  g_free (t->operator_name);
  g_free (t->query);
  g_free (t);
}

static void
export_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  ExportTask *t = data;
  GError *error = NULL;
  TrawlExportResult *r = trawl_evidence_export (t->cat, &t->o, cancellable, &error);

  (void) source;
  if (r != NULL)
    g_task_return_pointer (task, r, (GDestroyNotify) trawl_export_result_free);
  else
    g_task_return_error (task, error);
}

void
trawl_evidence_export_async (TrawlCatalog *cat, const TrawlExportOptions *opts,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  ExportTask *t = g_new0 (ExportTask, 1);

  t->cat = cat;
  t->o = *opts;
  t->cameras = g_strdupv ((char **) opts->cameras);
  t->out_dir = g_strdup (opts->out_dir);
  t->operator_name = g_strdup (opts->operator_name);
  t->query = g_strdup (opts->query);
  t->o.cameras = (const char *const *) t->cameras;
  t->o.out_dir = t->out_dir;
  t->o.operator_name = t->operator_name;
  t->o.query = t->query;
  g_task_set_source_tag (task, trawl_evidence_export_async);
  g_task_set_task_data (task, t, (GDestroyNotify) export_task_free);
  g_task_run_in_thread (task, export_thread);
}

TrawlExportResult *
trawl_evidence_export_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
