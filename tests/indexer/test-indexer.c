/* test-indexer.c - `trawl index` end to end on the shared clips: labelled
 * plates come out as plate tracks with the labelled text, Lin-Manuel
 * Miranda's face track matches his photo; a re-run skips everything; a
 * second indexer is refused; bad files are reported by name and the run
 * goes on; kill -9 at several points leaves an intact catalog and a re-run
 * reaches the same counts as a clean run. Skips without data or models. */
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <trawl/base.h>
#include <trawl/catalog.h>
#include <trawl/detect.h>
#include <trawl/indexer.h>
#include <trawl/vectors.h>
#include "../common/trawl-test.h"

#define FACE_THRESHOLD 0.6f  /* same/different split on faces/images (DESIGN.md) */

static gboolean
have_models (void)
{
  const char *need[] = { "face-api/ssd_mobilenetv1_model.bin" };
  for (guint i = 0; i < G_N_ELEMENTS (need); i++)
    {
      g_autoptr (GError) e = NULL;
      g_autofree char *p = trawl_model_path (need[i], &e);
      if (p == NULL)
        {
          g_autofree char *msg = g_strdup_printf ("models absent: %s (run scripts/setup)", e->message);
          g_test_skip (msg);
          return FALSE;
        }
    }
  return TRUE;
}

static void
remove_tree (const char *path)
{
  g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
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

static char *
trawl_exe (void)
{
  const char *b = g_getenv ("TRAWL_BUILD_ROOT");
  return g_build_filename (b ? b : ".", "src", "cli", "trawl", NULL);
}

typedef struct {
  TrawlCatalogStats s;
  gint64 face_vecs, plate_vecs;   /* in the FAISS files */
} Counts;

static gint64
store_count (const char *dir, const char *name, int dim)
{
  g_autofree char *p = g_build_filename (dir, name, NULL);
  g_autoptr (GError) e = NULL;
  g_autoptr (TrawlVectorStore) vs = trawl_vector_store_open (p, dim, &e);
  g_assert_no_error (e);
  return trawl_vector_store_get_count (vs);
}

/* Opens the case read-only: PRAGMA integrity_check, the audit chain, the
 * stats, and the vector files' counts. */
static void
check_case (const char *dir, Counts *c)
{
  g_autofree char *db_path = g_build_filename (dir, "catalog.sqlite", NULL);
  sqlite3 *db = NULL;
  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_stmt *st = NULL;
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (st), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (st, 0), ==, "ok");
  sqlite3_finalize (st);
  sqlite3_close (db);

  g_autoptr (GError) e = NULL;
  g_autoptr (TrawlCatalog) cat = trawl_catalog_open (dir, TRAWL_CATALOG_READONLY, &e);
  g_assert_no_error (e);
  gint64 n_rows = 0;
  g_assert_true (trawl_catalog_audit_verify (cat, &n_rows, NULL, &e));
  g_assert_no_error (e);
  g_assert_cmpint (n_rows, >, 0);
  g_assert_true (trawl_catalog_get_stats (cat, &c->s, &e));
  g_assert_no_error (e);
  c->face_vecs = store_count (dir, "faces.faiss", TRAWL_FACE_DIM);
  c->plate_vecs = store_count (dir, "plates.faiss", TRAWL_PLATE_DIM);
}

/* ---- clips ---- */

/* The labelled plate of clip, normalised (dashes dropped), or NULL. */
static GPtrArray *
plate_labels (const char *labels_csv, const char *clip)
{
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (labels_csv, &text, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], ",", 3);
      if (f[0] != NULL && f[1] != NULL && strcmp (f[0], clip) == 0)
        g_ptr_array_add (out, trawl_plate_normalize (f[1]));
    }
  return out;
}

static gboolean
has_plate_track (GPtrArray *tracks, const char *video_base, const char *text,
                 GHashTable *video_names)
{
  for (guint i = 0; i < tracks->len; i++)
    {
      TrawlTrack *t = tracks->pdata[i];
      const char *base = g_hash_table_lookup (video_names, &t->video_id);
      if (t->kind == TRAWL_KIND_PLATE && g_strcmp0 (base, video_base) == 0
          && g_strcmp0 (t->best_plate_text, text) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
photo_embedding (const char *path, float *emb)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (TrawlFaceDetector) fd = trawl_face_detector_new (NULL, &e);
  g_assert_no_error (e);
  g_autoptr (TrawlImage) img = trawl_image_load (path, &e);
  g_assert_no_error (e);
  g_autoptr (GArray) faces = trawl_face_detector_run (fd, img, &e);
  g_assert_no_error (e);
  g_assert_cmpuint (faces->len, >=, 1);
  TrawlFace *f = &g_array_index (faces, TrawlFace, 0);
  g_assert_true (f->has_embedding);
  memcpy (emb, f->embedding, sizeof f->embedding);
}

static void
test_clips (void)
{
  g_autofree char *s01 = trawl_test_need_data ("videos/plates/tud_s01.mp4");
  g_autofree char *s03 = trawl_test_need_data ("videos/plates/tud_s03.avi");
  g_autofree char *ham = trawl_test_need_data ("videos/people/short_hamilton_clip.mp4");
  g_autofree char *labels = trawl_test_need_data ("videos/plates/labels.csv");
  g_autofree char *photo = trawl_test_need_data ("faces/images/fr_017.png");  /* lin_manuel_miranda */
  if (!s01 || !s03 || !ham || !labels || !photo || !have_models ())
    return;
  g_autofree char *root = g_dir_make_tmp ("trawl-index-XXXXXX", NULL);
  g_autofree char *dir = g_build_filename (root, "case", NULL);
  const char *inputs[] = { s01, s03, ham };
  TrawlIndexOptions o;
  trawl_index_options_init (&o);
  o.sample_fps = 1.0;  /* CPU engine is slow; 1 fps still sees each plate 3 times */
  /* a start per file (--start is one file's): 1.7e9 + 100 s * i */
  g_autofree char *csv = g_build_filename (root, "times.csv", NULL);
  g_autofree char *rows = g_strdup_printf ("file,start\n%s,2023-11-14T22:13:20Z\n"
                                           "%s,2023-11-14T22:15:00Z\n"
                                           "%s,2023-11-14T22:16:40Z\n", s01, s03, ham);
  g_assert_true (g_file_set_contents (csv, rows, -1, NULL));
  o.times_csv = csv;
  o.detect_workers = 2;  /* the side-by-side path; the CLI runs below use one worker */
  TrawlIndexProgress p = { 0 };
  g_autoptr (GError) e = NULL;
  g_assert_true (trawl_index_run (dir, inputs, 3, &o, &p, &e));
  g_assert_no_error (e);
  g_assert_cmpuint (p.videos_indexed, ==, 3);
  g_assert_cmpuint (p.videos_failed, ==, 0);
  g_assert_cmpuint (p.failures->len, ==, 0);
  g_assert_cmpuint (p.frames_sampled, >=, 15);
  g_ptr_array_unref (p.failures);

  /* every labelled plate is a plate track with the labelled text */
  g_autoptr (TrawlCatalog) cat = trawl_catalog_open (dir, TRAWL_CATALOG_READONLY, &e);
  g_assert_no_error (e);
  g_autoptr (GPtrArray) tracks = trawl_catalog_list_tracks (cat, NULL, &e);
  g_autoptr (GPtrArray) videos = trawl_catalog_list_videos (cat, &e);
  g_assert_no_error (e);
  g_autoptr (GHashTable) names = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, g_free);
  for (guint i = 0; i < videos->len; i++)
    {
      TrawlCatalogVideo *v = videos->pdata[i];
      g_assert_cmpint (v->status, ==, TRAWL_VIDEO_STATUS_DONE);
      g_assert_cmpint (v->time_source, ==, TRAWL_TIME_SOURCE_SIDECAR);
      g_hash_table_insert (names, &v->id, g_path_get_basename (v->path));
    }
  const char *clips[] = { "tud_s01.mp4", "tud_s03.avi" };
  for (guint c = 0; c < G_N_ELEMENTS (clips); c++)
    {
      g_autoptr (GPtrArray) want = plate_labels (labels, clips[c]);
      g_assert_cmpuint (want->len, >=, 1);
      for (guint k = 0; k < want->len; k++)
        if (!has_plate_track (tracks, clips[c], want->pdata[k], names))
          g_error ("%s: no plate track reads %s", clips[c], (char *) want->pdata[k]);
    }
  /* Miranda: a face track whose mean embedding is within the threshold of
   * his photo, and wall-clock times from the times CSV */
  float ref[TRAWL_FACE_EMBED_DIM];
  photo_embedding (photo, ref);
  float best = 9;
  for (guint i = 0; i < tracks->len; i++)
    {
      TrawlTrack *t = tracks->pdata[i];
      if (t->kind != TRAWL_KIND_FACE)
        continue;
      g_assert_cmpint (t->n_embedding, ==, TRAWL_FACE_EMBED_DIM);
      g_assert_cmpfloat (t->first_utc, >=, 1.7e9);
      g_assert_cmpfloat (t->last_utc, >=, t->first_utc);
      g_assert_cmpint (t->best_sighting_id, >, 0);
      best = MIN (best, trawl_face_distance (t->mean_embedding, ref));
    }
  g_test_message ("nearest face track to Miranda's photo: %.3f", best);
  g_assert_cmpfloat (best, <, FACE_THRESHOLD);

  Counts c1;
  check_case (dir, &c1);
  g_assert_cmpint (c1.s.videos_done, ==, 3);
  g_assert_cmpint (c1.face_vecs, ==, c1.s.face_sightings);
  g_assert_cmpint (c1.plate_vecs, ==, c1.s.plate_sightings);
  g_assert_cmpint (c1.s.thumbnails, >, 0);
  g_clear_pointer (&cat, trawl_catalog_close);

  /* a second indexer on the same case is refused while one holds it */
  {
    g_autoptr (TrawlCatalog) holder = trawl_catalog_open (dir, 0, &e);
    g_assert_no_error (e);
    TrawlIndexProgress p2 = { 0 };
    g_assert_false (trawl_index_run (dir, inputs, 3, &o, &p2, &e));
    g_assert_error (e, TRAWL_ERROR, TRAWL_ERROR_BUSY);
    g_clear_error (&e);
    g_ptr_array_unref (p2.failures);
  }
  /* a re-run skips the finished videos and changes nothing */
  TrawlIndexProgress p3 = { 0 };
  g_assert_true (trawl_index_run (dir, inputs, 3, &o, &p3, &e));
  g_assert_no_error (e);
  g_assert_cmpuint (p3.videos_skipped, ==, 3);
  g_assert_cmpuint (p3.videos_indexed, ==, 0);
  g_ptr_array_unref (p3.failures);
  Counts c2;
  check_case (dir, &c2);
  g_assert_cmpint (c2.s.face_tracks, ==, c1.s.face_tracks);
  g_assert_cmpint (c2.s.plate_sightings, ==, c1.s.plate_sightings);
  g_assert_cmpint (c2.face_vecs, ==, c1.face_vecs);
  remove_tree (root);
}

/* ---- batches ---- */

/* Frames taken through the detectors several at a time (the loop GPU
 * frames batch in) give the same tracks as one frame at a time, within
 * stated tolerances: the nets then run at other batch sizes, whose sgemm
 * calls OpenBLAS may sum in another order (float noise, see
 * tests/detect/test-face-batch.c), so the discrete results (tracks, their
 * frames, sighting counts, plate texts) must agree and the values nearly. */
#define BATCH_QUALITY_TOL 0.02   /* best quality, 0..1 */
#define BATCH_COSINE_MIN  0.999  /* mean face embeddings */

static GPtrArray *
list_tracks (const char *dir)
{
  g_autoptr (GError) e = NULL;
  g_autoptr (TrawlCatalog) cat = trawl_catalog_open (dir, TRAWL_CATALOG_READONLY, &e);
  g_assert_no_error (e);
  GPtrArray *tracks = trawl_catalog_list_tracks (cat, NULL, &e);
  g_assert_no_error (e);
  return tracks;
}

static double
cosine (const float *a, const float *b, int n)
{
  double ab = 0, aa = 0, bb = 0;
  for (int i = 0; i < n; i++)
    {
      ab += (double) a[i] * b[i];
      aa += (double) a[i] * a[i];
      bb += (double) b[i] * b[i];
    }
  return aa > 0 && bb > 0 ? ab / sqrt (aa * bb) : 0;
}

static void
test_batch_equivalence (void)
{
  g_autofree char *s01 = trawl_test_need_data ("videos/plates/tud_s01.mp4");
  g_autofree char *ham = trawl_test_need_data ("videos/people/short_hamilton_clip.mp4");
  if (!s01 || !ham || !have_models ())
    return;
  g_autofree char *root = g_dir_make_tmp ("trawl-index-XXXXXX", NULL);
  const char *inputs[] = { s01, ham };
  const int sizes[] = { 1, 8 };
  GPtrArray *tracks[2] = { NULL, NULL };
  for (int k = 0; k < 2; k++)
    {
      g_autofree char *name = g_strdup_printf ("case-%d", sizes[k]);
      g_autofree char *dir = g_build_filename (root, name, NULL);
      TrawlIndexOptions o;
      trawl_index_options_init (&o);
      o.sample_fps = 1.0;
      o.batch_frames = sizes[k];
      o.queue_depth = 8;
      TrawlIndexProgress p = { 0 };
      g_autoptr (GError) e = NULL;
      g_assert_true (trawl_index_run (dir, inputs, 2, &o, &p, &e));
      g_assert_no_error (e);
      g_assert_cmpuint (p.videos_indexed, ==, 2);
      g_ptr_array_unref (p.failures);
      tracks[k] = list_tracks (dir);
    }
  g_assert_cmpuint (tracks[0]->len, >, 0);
  g_assert_cmpuint (tracks[1]->len, ==, tracks[0]->len);
  double dq_max = 0, cos_min = 1;
  for (guint i = 0; i < tracks[0]->len; i++)
    {
      const TrawlTrack *a = tracks[0]->pdata[i], *b = tracks[1]->pdata[i];
      g_test_message ("%d %" G_GINT64_FORMAT " %.3f-%.3f n=%d q=%.5f/%.5f %s", a->kind,
                      a->video_id, a->first_pts_s, a->last_pts_s, a->n_sightings,
                      a->best_quality, b->best_quality,
                      a->best_plate_text ? a->best_plate_text : "-");
      g_assert_cmpint (b->kind, ==, a->kind);
      g_assert_cmpint (b->video_id, ==, a->video_id);
      g_assert_cmpfloat (b->first_pts_s, ==, a->first_pts_s);   /* frame times */
      g_assert_cmpfloat (b->last_pts_s, ==, a->last_pts_s);
      g_assert_cmpint (b->n_sightings, ==, a->n_sightings);
      g_assert_cmpstr (b->best_plate_text, ==, a->best_plate_text);
      double dq = fabs ((double) a->best_quality - b->best_quality);
      g_assert_cmpfloat (dq, <=, BATCH_QUALITY_TOL);
      dq_max = MAX (dq_max, dq);
      g_assert_cmpint (b->n_embedding, ==, a->n_embedding);
      if (a->mean_embedding != NULL && b->mean_embedding != NULL)
        {
          double c = cosine (a->mean_embedding, b->mean_embedding, a->n_embedding);
          g_assert_cmpfloat (c, >=, BATCH_COSINE_MIN);
          cos_min = MIN (cos_min, c);
        }
    }
  g_test_message ("%u tracks alike; largest quality difference %.2g, 1 - cosine of mean "
                  "embeddings %.2g", tracks[0]->len, dq_max, 1 - cos_min);
  g_ptr_array_unref (tracks[0]);
  g_ptr_array_unref (tracks[1]);
  remove_tree (root);
}

/* ---- the motion gate ---- */

/* A parked car: tud_s01's first frame held still for 20 s, the clip's 3 s
 * of movement, its last frame held 20 s (ffmpeg's tpad), H.264. NULL
 * after g_test_skip without the ffmpeg CLI. */
static char *
make_still_clip (const char *src, const char *dir)
{
  g_autofree char *ffmpeg = g_find_program_in_path ("ffmpeg");
  if (ffmpeg == NULL)
    {
      g_test_skip ("ffmpeg CLI not installed (needed to make the still clip)");
      return NULL;
    }
  char *out = g_build_filename (dir, "parked.mp4", NULL);
  const char *argv[] = { ffmpeg, "-nostdin", "-y", "-loglevel", "error", "-i", src, "-vf",
                         "tpad=start_duration=20:start_mode=clone:stop_duration=20:stop_mode=clone",
                         "-an", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                         out, NULL };
  int status = 0;
  g_autoptr (GError) e = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                               NULL, NULL, &status, &e));
  g_assert_no_error (e);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

/* On a mostly still clip the gate keeps most frames from the detectors
 * (counted, not timed), and the car's plate is still one track over the
 * whole clip: the still stretches hold it open (each is longer than the
 * tracker's max gap). */
static void
test_motion_gate (void)
{
  g_autofree char *s01 = trawl_test_need_data ("videos/plates/tud_s01.mp4");
  g_autofree char *labels = trawl_test_need_data ("videos/plates/labels.csv");
  if (!s01 || !labels || !have_models ())
    return;
  g_autofree char *root = g_dir_make_tmp ("trawl-index-XXXXXX", NULL);
  g_autofree char *clip = make_still_clip (s01, root);
  if (clip == NULL)
    {
      remove_tree (root);
      return;
    }
  g_autofree char *dir = g_build_filename (root, "case", NULL);
  const char *inputs[] = { clip };
  TrawlIndexOptions o;
  trawl_index_options_init (&o);
  o.no_faces = TRUE;  /* the plate is the moving object here */
  TrawlIndexProgress p = { 0 };
  g_autoptr (GError) e = NULL;
  g_assert_true (trawl_index_run (dir, inputs, 1, &o, &p, &e));
  g_assert_no_error (e);
  g_ptr_array_unref (p.failures);
  guint64 analysed = p.frames_sampled - p.frames_gated;
  g_test_message ("%" G_GUINT64_FORMAT " frames sampled, %" G_GUINT64_FORMAT " analysed",
                  p.frames_sampled, analysed);
  /* 43 s at 2 frames/s; analysed: the ~7 frames of movement, the first,
   * and one per 10 s of stillness (5), with room for codec noise */
  g_assert_cmpuint (p.frames_sampled, >=, 80);
  g_assert_cmpuint (analysed, >=, 7);
  g_assert_cmpuint (analysed, <=, p.frames_sampled / 4);

  g_autoptr (GPtrArray) want = plate_labels (labels, "tud_s01.mp4");
  g_autoptr (GPtrArray) tracks = list_tracks (dir);
  guint n = 0;
  for (guint i = 0; i < tracks->len; i++)
    {
      TrawlTrack *t = tracks->pdata[i];
      if (t->kind != TRAWL_KIND_PLATE || g_strcmp0 (t->best_plate_text, want->pdata[0]) != 0)
        continue;
      n++;
      g_test_message ("%s: %.1f-%.1f s, %d sightings", t->best_plate_text, t->first_pts_s,
                      t->last_pts_s, t->n_sightings);
      g_assert_cmpfloat (t->first_pts_s, <, 1.0);
      g_assert_cmpfloat (t->last_pts_s, >, 30.0);
    }
  g_assert_cmpuint (n, ==, 1);
  remove_tree (root);
}

/* ---- bad files ---- */

static void
write_bytes (const char *path, const void *data, gsize len)
{
  g_autoptr (GError) e = NULL;
  g_assert_true (g_file_set_contents (path, data, len, &e));
}

static void
test_bad_files (void)
{
  g_autofree char *s01 = trawl_test_need_data ("videos/plates/tud_s01.mp4");
  g_autofree char *s03 = trawl_test_need_data ("videos/plates/tud_s03.avi");
  if (s01 == NULL || s03 == NULL || !have_models ())
    return;
  g_autofree char *root = g_dir_make_tmp ("trawl-index-bad-XXXXXX", NULL);
  g_autofree char *in = g_build_filename (root, "cam-x", NULL);
  g_autofree char *dir = g_build_filename (root, "case", NULL);
  g_assert_cmpint (g_mkdir (in, 0755), ==, 0);
  g_autofree char *clip = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (s01, &clip, &len, NULL));

  g_autofree char *empty = g_build_filename (in, "empty.mp4", NULL);
  g_autofree char *text = g_build_filename (in, "notes.mp4", NULL);
  g_autofree char *trunc = g_build_filename (in, "truncated.mp4", NULL);
  g_autofree char *flip = g_build_filename (in, "flipped.mp4", NULL);
  g_autofree char *headless = g_build_filename (in, "headless.mp4", NULL);
  write_bytes (empty, "", 0);
  const char *t = "this is not a video, only a text file named .mp4\n";
  write_bytes (text, t, strlen (t));
  write_bytes (trunc, clip, len / 3);
  GRand *r = g_rand_new_with_seed (42);
  g_autofree char *flipped = g_memdup2 (clip, len);
  for (int i = 0; i < 200; i++)
    flipped[g_rand_int_range (r, (gint32) (len / 10), (gint32) len)] ^= 0xff;
  g_rand_free (r);
  write_bytes (flip, flipped, len);
  write_bytes (headless, clip + len / 2, len - len / 2);  /* no moov/ftyp at the start */
  /* an AVI cut at 60%: the frames before the cut are still footage */
  g_autofree char *avi = NULL;
  gsize avi_len = 0;
  g_assert_true (g_file_get_contents (s03, &avi, &avi_len, NULL));
  g_autofree char *cut_avi = g_build_filename (in, "cut.avi", NULL);
  write_bytes (cut_avi, avi, avi_len * 6 / 10);

  const char *inputs[] = { in, "/nonexistent/trawl-missing.mp4" };
  TrawlIndexOptions o;
  trawl_index_options_init (&o);
  o.sample_fps = 1.0;
  o.no_faces = TRUE;
  TrawlIndexProgress p = { 0 };
  g_autoptr (GError) e = NULL;
  g_assert_true (trawl_index_run (dir, inputs, 2, &o, &p, &e));
  g_assert_no_error (e);
  g_assert_cmpuint (p.files_total, ==, 7);
  g_assert_cmpuint (p.files_done, ==, 7);
  g_assert_cmpuint (p.videos_indexed + p.videos_failed + p.videos_skipped, ==, 7);
  g_assert_cmpuint (p.videos_indexed, >=, 1);
  g_assert_cmpuint (p.videos_failed, ==, p.failures->len);
  /* these can never be indexed; each failure names its file and a reason */
  const char *must_fail[] = { empty, text, "/nonexistent/trawl-missing.mp4" };
  for (guint k = 0; k < G_N_ELEMENTS (must_fail); k++)
    {
      gboolean found = FALSE;
      for (guint i = 0; i < p.failures->len; i++)
        {
          const char *f = p.failures->pdata[i];
          if (g_str_has_prefix (f, must_fail[k]) && strlen (f) > strlen (must_fail[k]) + 3)
            found = TRUE;
        }
      if (!found)
        g_error ("no failure reported for %s", must_fail[k]);
    }
  for (guint i = 0; i < p.failures->len; i++)
    {
      const char *f = p.failures->pdata[i];
      g_test_message ("reported: %s", f);
      g_assert_false (g_str_has_prefix (f, cut_avi));  /* the part before the cut is kept */
    }
  /* the catalog is intact and records the failed ones with their reason */
  Counts c;
  check_case (dir, &c);
  g_assert_cmpint (c.s.videos_failed, >=, 2);
  g_assert_cmpint (c.s.videos_done + c.s.videos_failed, ==, c.s.videos);
  g_assert_cmpint (c.s.videos_pending, ==, 0);
  g_ptr_array_unref (p.failures);
  remove_tree (root);
}

/* ---- crash and resume ---- */

static GPid
spawn_index (const char *dir, const char *const *clips, guint n)
{
  g_autofree char *exe = trawl_exe ();
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, exe);
  g_ptr_array_add (argv, (char *) "index");
  g_ptr_array_add (argv, (char *) "--quiet");
  g_ptr_array_add (argv, (char *) "--fps=2");
  g_ptr_array_add (argv, (char *) dir);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (argv, (char *) clips[i]);
  g_ptr_array_add (argv, NULL);
  GPid pid = 0;
  g_autoptr (GError) e = NULL;
  g_assert_true (g_spawn_async (NULL, (char **) argv->pdata, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL
                                | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid, &e));
  g_assert_no_error (e);
  return pid;
}

static int
wait_exit (GPid pid)
{
  int status = 0;
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  return status;
}

static void
assert_same (const Counts *a, const Counts *b)
{
  g_assert_cmpint (a->s.videos_done, ==, b->s.videos_done);
  g_assert_cmpint (a->s.face_tracks, ==, b->s.face_tracks);
  g_assert_cmpint (a->s.plate_tracks, ==, b->s.plate_tracks);
  g_assert_cmpint (a->s.face_sightings, ==, b->s.face_sightings);
  g_assert_cmpint (a->s.plate_sightings, ==, b->s.plate_sightings);
  g_assert_cmpint (a->face_vecs, ==, b->face_vecs);
  g_assert_cmpint (a->plate_vecs, ==, b->plate_vecs);
}

static void
test_crash_resume (void)
{
  g_autofree char *s01 = trawl_test_need_data ("videos/plates/tud_s01.mp4");
  g_autofree char *s03 = trawl_test_need_data ("videos/plates/tud_s03.avi");
  g_autofree char *exe = trawl_exe ();
  if (!s01 || !s03 || !have_models ())
    return;
  if (!g_file_test (exe, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("trawl executable not built");
      return;
    }
  const char *clips[] = { s01, s03 };
  g_autofree char *root = g_dir_make_tmp ("trawl-index-crash-XXXXXX", NULL);
  g_autofree char *clean = g_build_filename (root, "clean", NULL);
  g_assert_true (WIFEXITED (wait_exit (spawn_index (clean, clips, 2))));
  Counts ref;
  check_case (clean, &ref);
  g_assert_cmpint (ref.s.videos_done, ==, 2);
  g_assert_cmpint (ref.s.plate_tracks, >=, 2);

  /* kill -9 at several points; one Ctrl-C (SIGINT: stop cleanly, exit 1) */
  const double kill_after[] = { 0.5, 1.5, 3.0, 4.5, 3.5 };
  const int kill_sig[] = { SIGKILL, SIGKILL, SIGKILL, SIGKILL, SIGINT };
  for (guint k = 0; k < G_N_ELEMENTS (kill_after); k++)
    {
      g_autofree char *name = g_strdup_printf ("kill-%u", k);
      g_autofree char *dir = g_build_filename (root, name, NULL);
      GPid pid = spawn_index (dir, clips, 2);
      g_usleep ((gulong) (kill_after[k] * G_USEC_PER_SEC));
      kill (pid, kill_sig[k]);
      int st = wait_exit (pid);
      g_test_message ("signal %d after %.1f s: %s (status %d)", kill_sig[k], kill_after[k],
                      WIFSIGNALED (st) ? "killed" : "exited", WIFEXITED (st) ? WEXITSTATUS (st) : -1);
      if (kill_sig[k] == SIGINT)
        g_assert_true (WIFEXITED (st));  /* Ctrl-C: a clean stop, not a crash */
      if (g_file_test (dir, G_FILE_TEST_EXISTS))
        {
          g_autofree char *db = g_build_filename (dir, "catalog.sqlite", NULL);
          if (g_file_test (db, G_FILE_TEST_EXISTS))
            {
              Counts mid;
              check_case (dir, &mid);  /* intact, audit chain verifies */
              g_assert_cmpint (mid.s.videos_done, <=, 2);
              g_test_message ("  at the kill: %" G_GINT64_FORMAT " videos done, %" G_GINT64_FORMAT
                              " pending, %" G_GINT64_FORMAT " plate sightings",
                              mid.s.videos_done, mid.s.videos_pending, mid.s.plate_sightings);
            }
        }
      int rst = wait_exit (spawn_index (dir, clips, 2));
      g_assert_true (WIFEXITED (rst));
      g_assert_cmpint (WEXITSTATUS (rst), ==, 0);
      Counts after;
      check_case (dir, &after);
      assert_same (&after, &ref);
    }
  /* a vector file lost or damaged after its video committed (a crash
   * between commit and save) is rebuilt from the catalog by the next run */
  g_autofree char *pf = g_build_filename (clean, "plates.faiss", NULL);
  write_bytes (pf, "garbage", 7);
  g_assert_true (WIFEXITED (wait_exit (spawn_index (clean, clips, 2))));
  Counts rebuilt;
  check_case (clean, &rebuilt);
  assert_same (&rebuilt, &ref);
  remove_tree (root);
}

/* Damaged input makes the video module warn (as documented); that is the
 * point of these tests, not a failure. */
static gboolean
not_fatal_video_warnings (const char *domain, GLogLevelFlags level, const char *msg,
                          gpointer data)
{
  (void) msg;
  (void) data;
  return !((level & G_LOG_LEVEL_WARNING)
           && (g_strcmp0 (domain, "trawl-video") == 0 || g_strcmp0 (domain, "trawl-indexer") == 0));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_log_set_fatal_handler (not_fatal_video_warnings, NULL);
  /* structured logging (g_warning) bypasses the handler: criticals stay fatal */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_test_add_func ("/indexer/clips", test_clips);
  g_test_add_func ("/indexer/batch-equivalence", test_batch_equivalence);
  g_test_add_func ("/indexer/motion-gate", test_motion_gate);
  g_test_add_func ("/indexer/bad-files", test_bad_files);
  g_test_add_func ("/indexer/crash-resume", test_crash_resume);
  return g_test_run ();
}
