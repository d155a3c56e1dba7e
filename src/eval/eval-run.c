/* eval-run.c - `trawl eval DIR`: walks a folder laid out like
 * ../shared/data, runs the face and plate pipelines on every labelled item
 * and fills a report (eval-report.c) with the metrics (eval-metrics.c).
 * Labels come from each folder's labels.csv (eval-csv.c); a folder that is
 * missing is skipped with a note, and a bad labels.csv line is noted with
 * its line number.
 *
 * Sections, in order (videos/people needs the gallery and threshold that
 * faces/images produces):
 *   faces/images     detection recall (as query photos: trawl_face_detector_run_photo),
 *                    faces beyond the labelled ones, leave-one-out top-1, TAR at FAR 1e-3
 *   videos/people    identities found, clips without a false match, by search's
 *                    rule (trawl/search.h: quality gate, mean similarity to an
 *                    identity's photos, its threshold): in single frames, and by
 *                    tracks (motion-gated frames tracked as indexing does)
 *   plates/images    exact read in the scene, read in the labelled box, chars
 *   plates/crops_us  exact, chars (central band, gray, letters and digits)
 *   plates/crops_cn  exact, chars
 *   videos/plates    plates read exactly in >= 1 sampled frame, frame fraction;
 *                    and as indexing reads them: the frames the motion gate lets
 *                    through, tracked, plates read exactly as a track's (voted)
 *                    text, tracks that read no labelled plate
 */
#include "trawl/eval.h"
#include "eval/eval-variants.h"
#include "trawl/base.h"
#include "trawl/detect.h"
#include "trawl/plate.h"
#include "trawl/image.h"
#include "trawl/video.h"
#include "trawl/track.h"
#include "trawl/search.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FAR_TARGET 1e-3

typedef struct {
  const char        *dir;        /* the data folder */
  TrawlEvalOptions   opts;
  TrawlEvalReport   *report;
  TrawlFaceDetector *faces;      /* made on first use */
  TrawlPlateReader  *plates;
  GError            *model_error;/* why a pipeline could not be made */
  /* The gallery from faces/images, for the video clips. */
  GArray            *gallery;    /* of float[128] rows */
  GArray            *gallery_id; /* of int: index into identities */
  GPtrArray         *identities; /* of char* */
  float              threshold;  /* distance threshold at FAR 1e-3; NAN without */
  TrawlEvalVariants *variants;   /* --face-variants: fed by faces/images */
} Eval;

static void
vlog (Eval *e, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
vlog (Eval *e, const char *fmt, ...)
{
  if (!e->opts.verbose)
    return;
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *s = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  fprintf (stderr, "%s\n", s);
}

static TrawlFaceDetector *
face_detector (Eval *e)
{
  if (e->faces == NULL && e->model_error == NULL)
    {
      TrawlFaceOptions fo = { 0 };
      fo.n_threads = e->opts.n_threads;
      e->faces = trawl_face_detector_new (&fo, &e->model_error);
    }
  return e->faces;
}

static TrawlPlateReader *
plate_reader (Eval *e)
{
  if (e->plates == NULL && e->model_error == NULL)
    {
      TrawlPlateOptions po = { 0 };
      po.n_threads = e->opts.n_threads;
      e->plates = trawl_plate_reader_new (&po, &e->model_error);
    }
  return e->plates;
}

/* Opens section name and its labels.csv; notes problems. NULL (with a
 * note) when the folder or its labels are missing. */
static TrawlCsv *
open_section (Eval *e, const char *name)
{
  if (e->opts.only != NULL)
    {
      g_auto (GStrv) names = g_strsplit (e->opts.only, ",", -1);
      if (!g_strv_contains ((const char *const *) names, name))
        return NULL;
    }
  trawl_eval_report_section (e->report, name);
  g_autofree char *folder = g_build_filename (e->dir, name, NULL);
  if (!g_file_test (folder, G_FILE_TEST_IS_DIR))
    {
      trawl_eval_report_note (e->report, "skipped: no folder %s", folder);
      return NULL;
    }
  g_autofree char *path = g_build_filename (folder, "labels.csv", NULL);
  g_autoptr (GError) error = NULL;
  TrawlCsv *csv = trawl_csv_load (path, &error);
  if (csv == NULL)
    {
      trawl_eval_report_note (e->report, "skipped: %s", error->message);
      return NULL;
    }
  for (guint i = 0; i < csv->problems->len; i++)
    trawl_eval_report_note (e->report, "bad line skipped: %s", (char *) csv->problems->pdata[i]);
  return csv;
}

/* The comparison form of plate text: normalised, letters/digits/CJK only,
 * and O taken as 0 (the sources write 0 for both; see PROVENANCE.md). */
static char *
plate_key (const char *text)
{
  char *s = trawl_plate_normalize (text);
  for (char *p = s; *p; p++)
    if (*p == 'O')
      *p = '0';
  return s;
}

/* ---- faces/images ---- */

/* The labelled identities of one image, left to right. */
typedef struct {
  char      *file;
  GPtrArray *ids;   /* of char* (borrowed from the csv) */
  int        line;
} FaceImage;

static void
face_image_free (gpointer p)
{
  FaceImage *fi = p;
  g_free (fi->file);
  g_ptr_array_unref (fi->ids);
  g_free (fi);
}

/* Groups rows by file, ordering a group photo's identities as the notes'
 * "left-to-right a,b" says. */
static GPtrArray *
group_face_rows (Eval *e, TrawlCsv *csv)
{
  GPtrArray *images = g_ptr_array_new_with_free_func (face_image_free);
  GHashTable *by_file = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < csv->rows->len; i++)
    {
      TrawlCsvRow *row = csv->rows->pdata[i];
      const char *file = trawl_csv_get (csv, row, "file");
      const char *id = trawl_csv_get (csv, row, "identity");
      if (!*file || !*id)
        {
          trawl_eval_report_note (e->report, "labels.csv:%d: empty file or identity", row->line);
          continue;
        }
      FaceImage *fi = g_hash_table_lookup (by_file, file);
      if (fi == NULL)
        {
          fi = g_new0 (FaceImage, 1);
          fi->file = g_strdup (file);
          fi->ids = g_ptr_array_new_with_free_func (g_free);
          fi->line = row->line;
          g_hash_table_insert (by_file, fi->file, fi);
          g_ptr_array_add (images, fi);
          const char *notes = trawl_csv_get (csv, row, "notes");
          const char *ltr = strstr (notes, "left-to-right");
          if (ltr)
            {
              g_auto (GStrv) names = g_strsplit (ltr + strlen ("left-to-right"), ",", -1);
              for (int k = 0; names[k]; k++)
                g_ptr_array_add (fi->ids, g_strstrip (g_strdup (names[k])));
            }
        }
      gboolean listed = FALSE;
      for (guint k = 0; k < fi->ids->len; k++)
        listed |= strcmp (fi->ids->pdata[k], id) == 0;
      if (!listed)
        g_ptr_array_add (fi->ids, g_strdup (id));
    }
  g_hash_table_unref (by_file);
  return images;
}

static int
cmp_face_area (gconstpointer a, gconstpointer b)
{
  const TrawlFace *fa = a, *fb = b;
  float x = fa->box.w * fa->box.h, y = fb->box.w * fb->box.h;
  return (x < y) - (x > y);
}

static int
cmp_face_x (gconstpointer a, gconstpointer b)
{
  const TrawlFace *fa = a, *fb = b;
  float x = fa->box.x + fa->box.w / 2, y = fb->box.x + fb->box.w / 2;
  return (x > y) - (x < y);
}

static int
identity_index (Eval *e, const char *name)
{
  for (guint i = 0; i < e->identities->len; i++)
    if (strcmp (e->identities->pdata[i], name) == 0)
      return (int) i;
  g_ptr_array_add (e->identities, g_strdup (name));
  return (int) e->identities->len - 1;
}

static void
eval_face_images (Eval *e)
{
  g_autoptr (TrawlCsv) csv = open_section (e, "faces/images");
  if (csv == NULL)
    return;
  TrawlFaceDetector *fd = face_detector (e);
  if (fd == NULL)
    {
      trawl_eval_report_note (e->report, "skipped: %s", e->model_error->message);
      return;
    }
  g_autoptr (GPtrArray) images = group_face_rows (e, csv);
  int labelled = 0, found = 0, extra = 0;
  for (guint i = 0; i < images->len; i++)
    {
      FaceImage *fi = images->pdata[i];
      int n = (int) fi->ids->len;
      labelled += n;
      g_autofree char *path = g_build_filename (e->dir, "faces/images", fi->file, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (TrawlImage) img = trawl_image_load (path, &error);
      /* query photos: tight crops are tried again with a border */
      g_autoptr (GArray) faces = img ? trawl_face_detector_run_photo (fd, img, &error) : NULL;
      if (faces == NULL)
        {
          trawl_eval_report_note (e->report, "%s: %s", fi->file, error->message);
          continue;
        }
      /* Faces beyond the labelled ones: false faces, or unlabelled people
       * in a group photo (the labels name everyone in these sets). */
      int n_all = (int) faces->len;
      extra += MAX (0, n_all - n);
      /* The n largest faces are the labelled ones; left to right gives who. */
      g_array_sort (faces, cmp_face_area);
      int got = MIN (n, (int) faces->len);
      g_array_set_size (faces, got);
      g_array_sort (faces, cmp_face_x);
      found += got;
      for (int k = 0; k < got; k++)
        {
          TrawlFace *f = &g_array_index (faces, TrawlFace, k);
          /* With fewer faces than labels the order says nothing: use only a
           * single-person photo's face then. */
          if (got < n && n > 1)
            break;
          if (!f->has_embedding)
            continue;
          int id = identity_index (e, fi->ids->pdata[k]);
          g_array_append_vals (e->gallery, f->embedding, 1);
          g_array_append_val (e->gallery_id, id);
          _trawl_eval_variants_add (e->variants, img, f, id, fi->ids->pdata[k], fi->file);
          char q[32];
          g_snprintf (q, sizeof q, "%.3f", f->quality.overall);
          trawl_eval_report_item (e->report, "file", fi->file, "identity",
                                  (char *) fi->ids->pdata[k], "quality", q, NULL);
        }
      vlog (e, "faces/images %s: %d found, %d labelled", fi->file, n_all, n);
    }
  trawl_eval_report_count (e->report, "detected", "labelled faces detected", found, labelled, 1.0);
  trawl_eval_report_value (e->report, "extra_faces", "faces found beyond the labelled ones", extra);
  int n = (int) e->gallery_id->len, nq = 0;
  const float *v = (const float *) e->gallery->data;
  const int *lab = (const int *) e->gallery_id->data;
  int ok = trawl_eval_top1_loo (v, lab, n, TRAWL_FACE_EMBED_DIM, &nq);
  trawl_eval_report_count (e->report, "top1", "identification top-1 (leave-one-out)", ok, nq, 0.97);
  float *gen = NULL, *imp = NULL;
  int ng = 0, ni = 0;
  trawl_eval_pair_distances (v, lab, n, TRAWL_FACE_EMBED_DIM, &gen, &ng, &imp, &ni);
  float t = NAN;
  double tar = trawl_eval_tar_at_far (gen, ng, imp, ni, FAR_TARGET, &t);
  trawl_eval_report_count (e->report, "tar_far1e-3", "verification TAR at FAR 1e-3",
                           (int) lround (tar * ng), ng, -1);
  trawl_eval_report_value (e->report, "threshold", "distance threshold at FAR 1e-3", t);
  trawl_eval_report_value (e->report, "impostor_pairs", "impostor pairs", ni);
  e->threshold = isfinite (t) ? t : NAN;
  g_free (gen);
  g_free (imp);
}

/* ---- videos/people ---- */

/* The gallery's photos of each identity: a GArray of float rows per
 * identity, the query photos a search would be given. */
static GPtrArray *
identity_photos (Eval *e)
{
  GPtrArray *by_id = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  for (guint i = 0; i < e->identities->len; i++)
    g_ptr_array_add (by_id, g_array_new (FALSE, FALSE, sizeof (float)));
  for (guint i = 0; i < e->gallery_id->len; i++)
    g_array_append_vals (by_id->pdata[g_array_index (e->gallery_id, int, i)],
                         (const float *) e->gallery->data + (gsize) i * TRAWL_FACE_EMBED_DIM,
                         TRAWL_FACE_EMBED_DIM);
  return by_id;
}

static int
n_rows (GArray *rows)
{
  return (int) (rows->len / TRAWL_FACE_EMBED_DIM);
}

/* The identity whose photos score v highest by search's rule, and that
 * score. */
static int
best_identity (GPtrArray *photos, const float *v, double *score)
{
  int best = -1;
  *score = -2;
  for (guint i = 0; i < photos->len; i++)
    {
      GArray *p = photos->pdata[i];
      double s = trawl_search_face_score (v, (const float *) p->data, n_rows (p));
      if (s > *score)
        {
          *score = s;
          best = (int) i;
        }
    }
  return best;
}

/* Sampling rate that keeps a clip to about max_frames frames. */
static double
sample_fps_for (const char *path, double want_fps, int max_frames)
{
  TrawlMediaInfo info = { 0 };
  double fps = want_fps;
  if (trawl_video_probe (path, &info, NULL))
    {
      if (info.duration_s > 0 && info.duration_s * want_fps > max_frames)
        fps = max_frames / info.duration_s;
      trawl_media_info_clear (&info);
    }
  return fps;
}

/* Tallies of the people clips. Frames: each sampled face alone; tracks:
 * the faces of the frames the motion gate lets through, tracked as the
 * indexer tracks them, each track scored as search scores it. A labelled
 * identity is found when a face (a track) of its clip matches its photos;
 * a match to anyone else is false. */
typedef struct {
  int found, wanted, clean, found_gated;
  int track_found, track_false, track_clean;
} PeopleTally;

static void
append_name (GString *s, const char *name, double score)
{
  g_string_append_printf (s, "%s%s(%.3f)", s->len ? " " : "", name, score);
}

/* Scores the clip's face tracks against every identity; fills *found
 * (per identity: the best matching track's score, or -2) and names the
 * false matches in false_s. Returns the number of false (track, identity)
 * pairs. */
static int
score_tracks (Eval *e, GPtrArray *photos, GPtrArray *tracks, const char *const *labelled,
              double *found, GString *false_s)
{
  int n_false = 0;
  for (guint i = 0; i < photos->len; i++)
    found[i] = -2;
  for (guint t = 0; t < tracks->len; t++)
    {
      const TrawlTrackResult *tr = tracks->pdata[t];
      g_autoptr (GArray) faces = g_array_new (FALSE, FALSE, sizeof (float));
      g_autoptr (GArray) quality = g_array_new (FALSE, FALSE, sizeof (float));
      if (tr->kind != TRAWL_TRACK_FACE)
        continue;
      for (guint k = 0; k < tr->obs->len; k++)
        {
          const TrawlTrackObs *o = &g_array_index (tr->obs, TrawlTrackObs, k);
          if (!o->has_embedding)
            continue;
          g_array_append_vals (faces, o->embedding, TRAWL_FACE_EMBED_DIM);
          g_array_append_val (quality, o->quality);
        }
      for (guint i = 0; i < photos->len; i++)
        {
          GArray *p = photos->pdata[i];
          const char *name = e->identities->pdata[i];
          gboolean searchable = FALSE;
          double s = trawl_search_face_track_score ((const float *) p->data, n_rows (p),
                                                    (const float *) faces->data,
                                                    (const float *) quality->data, n_rows (faces),
                                                    NULL, &searchable);
          if (!searchable || s < TRAWL_SEARCH_FACE_THRESHOLD)
            continue;
          if (g_strv_contains (labelled, name))
            found[i] = MAX (found[i], s);
          else
            {
              n_false++;
              g_string_append_printf (false_s, "%strack%u:%s(%.3f)", false_s->len ? " " : "",
                                      t + 1, name, s);
            }
          vlog (e, "  track %u (%.1f-%.1f s, %u faces) matches %s %.3f", t + 1, tr->first_pts_s,
                tr->last_pts_s, tr->obs->len, name, s);
        }
    }
  return n_false;
}

static void
eval_people_clip (Eval *e, GPtrArray *photos, const char *file, const char *present,
                  PeopleTally *tally)
{
  g_autofree char *path = g_build_filename (e->dir, "videos/people", file, NULL);
  TrawlVideoOptions vo;
  trawl_video_options_init (&vo);
  /* The indexer's rate (2 a second), fewer on long clips. */
  vo.sample_fps = sample_fps_for (path, e->opts.quick ? 1.0 : 2.0, e->opts.quick ? 8 : 60);
  vo.luma_thumbs = TRUE;
  g_autoptr (TrawlMotionGate) gate = trawl_motion_gate_new (NULL);
  g_autoptr (TrawlTracker) tracker = trawl_tracker_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TrawlVideoReader) r = trawl_video_reader_open (path, &vo, &error);
  if (r == NULL)
    {
      trawl_eval_report_note (e->report, "%s: %s", file, error->message);
      return;
    }
  int n_ids = (int) e->identities->len;
  g_autofree double *best = g_new (double, n_ids);
  g_autofree double *best_gated = g_new (double, n_ids);  /* frames the motion gate lets through */
  g_autofree double *best_track = g_new (double, n_ids);
  for (int i = 0; i < n_ids; i++)
    best[i] = best_gated[i] = -2;
  int frames = 0, n_faces = 0, n_searchable = 0;
  TrawlVideoFrame *f;
  while ((f = trawl_video_reader_next (r, &error)) != NULL)
    {
      g_autoptr (GArray) faces = trawl_face_detector_run (e->faces, f->image, &error);
      double f_pts = f->pts_s;
      gboolean still = trawl_motion_gate_check (gate, f->thumb, f->pts_s, NULL) == TRAWL_MOTION_STILL;
      if (still)
        trawl_tracker_hold (tracker, f_pts);
      else if (faces != NULL)
        trawl_tracker_add_faces (tracker, NULL, f_pts, faces);
      trawl_video_frame_free (f);
      if (faces == NULL)
        break;
      frames++;
      for (guint k = 0; k < faces->len; k++)
        {
          TrawlFace *face = &g_array_index (faces, TrawlFace, k);
          if (!face->has_embedding)
            continue;
          n_faces++;
          double sc;
          int id = best_identity (photos, face->embedding, &sc);
          gboolean searchable = face->quality.overall >= TRAWL_SEARCH_FACE_MIN_QUALITY;
          n_searchable += searchable;
          vlog (e, "  %s t=%.1f face %.0fx%.0f q=%.2f size=%.2f sharp=%.2f frontal=%.2f -> %s %.3f%s",
                file, f_pts, face->box.w, face->box.h, face->quality.overall, face->quality.size,
                face->quality.sharpness, face->quality.frontalness,
                id >= 0 ? (char *) e->identities->pdata[id] : "-", sc,
                searchable ? "" : " (under the quality gate)");
          if (id < 0 || !searchable)
            continue;
          for (int i = 0; i < n_ids; i++)
            {
              GArray *p = photos->pdata[i];
              double s = trawl_search_face_score (face->embedding, (const float *) p->data, n_rows (p));
              best[i] = MAX (best[i], s);
              if (!still)
                best_gated[i] = MAX (best_gated[i], s);
            }
        }
    }
  if (error != NULL)
    trawl_eval_report_note (e->report, "%s: %s", file, error->message);
  g_auto (GStrv) labelled = g_strsplit (present, ";", -1);
  GString *found_s = g_string_new (NULL), *false_s = g_string_new (NULL);
  GString *tfound_s = g_string_new (NULL), *tfalse_s = g_string_new (NULL);
  g_autoptr (GPtrArray) tracks = trawl_tracker_finish (tracker);
  int n_false_tracks = score_tracks (e, photos, tracks, (const char *const *) labelled, best_track,
                                     tfalse_s);
  for (int i = 0; i < n_ids; i++)
    {
      const char *name = e->identities->pdata[i];
      gboolean is_labelled = g_strv_contains ((const char *const *) labelled, name);
      gboolean hit = best[i] >= TRAWL_SEARCH_FACE_THRESHOLD;
      if (is_labelled)
        {
          tally->wanted++;
          tally->found += hit;
          tally->found_gated += best_gated[i] >= TRAWL_SEARCH_FACE_THRESHOLD;
          tally->track_found += best_track[i] >= TRAWL_SEARCH_FACE_THRESHOLD;
          if (best_track[i] >= TRAWL_SEARCH_FACE_THRESHOLD)
            append_name (tfound_s, name, best_track[i]);
        }
      if (hit)
        append_name (is_labelled ? found_s : false_s, name, best[i]);
    }
  /* Labelled people without reference photos cannot be found; say so. */
  for (int k = 0; labelled[k]; k++)
    if (*labelled[k] && !g_ptr_array_find_with_equal_func (e->identities, labelled[k], g_str_equal, NULL))
      trawl_eval_report_note (e->report, "%s: %s has no reference photo (not counted)", file,
                              labelled[k]);
  tally->clean += false_s->len == 0;
  tally->track_false += n_false_tracks;
  tally->track_clean += n_false_tracks == 0;
  char nf[16], nfa[16], nse[16], ntr[16];
  g_snprintf (nf, sizeof nf, "%d", frames);
  g_snprintf (nfa, sizeof nfa, "%d", n_faces);
  g_snprintf (nse, sizeof nse, "%d", n_searchable);
  g_snprintf (ntr, sizeof ntr, "%u", tracks->len);
  trawl_eval_report_item (e->report, "file", file, "frames", nf, "faces", nfa,
                          "faces_searchable", nse, "found", found_s->str,
                          "false_matches", false_s->str, "tracks", ntr,
                          "track_found", tfound_s->str, "track_false", tfalse_s->str, NULL);
  vlog (e, "videos/people %s: %d frames, %d faces (%d of searchable quality), found [%s], "
        "false [%s]; %u tracks, found [%s], false [%s]", file, frames, n_faces, n_searchable,
        found_s->str, false_s->str, tracks->len, tfound_s->str, tfalse_s->str);
  g_string_free (found_s, TRUE);
  g_string_free (false_s, TRUE);
  g_string_free (tfound_s, TRUE);
  g_string_free (tfalse_s, TRUE);
}

static void
eval_face_videos (Eval *e)
{
  g_autoptr (TrawlCsv) csv = open_section (e, "videos/people");
  if (csv == NULL)
    return;
  if (e->faces == NULL || e->gallery_id->len == 0)
    {
      trawl_eval_report_note (e->report, "skipped: needs the faces/images gallery");
      return;
    }
  g_autoptr (GPtrArray) photos = identity_photos (e);
  PeopleTally t = { 0 };
  int clips = 0;
  for (guint i = 0; i < csv->rows->len; i++)
    {
      TrawlCsvRow *row = csv->rows->pdata[i];
      eval_people_clip (e, photos, trawl_csv_get (csv, row, "file"),
                        trawl_csv_get (csv, row, "identities_present"), &t);
      clips++;
    }
  trawl_eval_report_count (e->report, "identities_found",
                           "labelled identities found in a frame (with reference photos)",
                           t.found, t.wanted, -1);
  trawl_eval_report_count (e->report, "identities_found_gated",
                           "... on the frames the motion gate lets through (as indexing)",
                           t.found_gated, t.wanted, -1);
  trawl_eval_report_count (e->report, "clips_no_false_match", "clips without a false match in a frame",
                           t.clean, clips, 1.0);
  trawl_eval_report_count (e->report, "tracks_found",
                           "labelled identities found by a track (as search: indexing's frames, "
                           "tracked)", t.track_found, t.wanted, -1);
  trawl_eval_report_value (e->report, "tracks_false", "track matches to an identity not in the clip",
                           t.track_false);
  trawl_eval_report_count (e->report, "clips_no_false_track", "clips without a false track match",
                           t.track_clean, clips, 1.0);
  trawl_eval_report_value (e->report, "threshold", "score threshold (search's)",
                           TRAWL_SEARCH_FACE_THRESHOLD);
  trawl_eval_report_value (e->report, "min_quality", "minimum face quality searched (search's)",
                           TRAWL_SEARCH_FACE_MIN_QUALITY);
}

/* ---- plates ---- */

/* Tallies of one plate set. */
typedef struct {
  int exact, n, chars_ok, chars;
} Tally;

static void
tally (Tally *t, const char *truth_key, const char *read_key)
{
  t->n++;
  t->exact += strcmp (truth_key, read_key) == 0;
  t->chars += (int) g_utf8_strlen (truth_key, -1);
  t->chars_ok += trawl_eval_chars_correct (truth_key, read_key);
}

static void
report_tally (Eval *e, const char *prefix, const char *what, const Tally *t, double target)
{
  g_autofree char *k1 = g_strdup_printf ("%sexact", prefix);
  g_autofree char *k2 = g_strdup_printf ("%schars", prefix);
  g_autofree char *l1 = g_strdup_printf ("%s: exact", what);
  g_autofree char *l2 = g_strdup_printf ("%s: characters", what);
  trawl_eval_report_count (e->report, k1, l1, t->exact, t->n, target);
  trawl_eval_report_count (e->report, k2, l2, t->chars_ok, t->chars, -1);
}

/* The read of plates (a GPtrArray of TrawlPlate) closest to truth. */
static char *
closest_read (GPtrArray *plates, const char *truth_key)
{
  char *best = g_strdup ("");
  int best_d = G_MAXINT;
  for (guint i = 0; plates && i < plates->len; i++)
    {
      char *k = plate_key (((TrawlPlate *) plates->pdata[i])->text);
      int d = trawl_text_edit_distance (truth_key, k);
      if (d < best_d)
        {
          best_d = d;
          g_free (best);
          best = k;
        }
      else
        {
          g_free (k);
        }
    }
  return best;
}

/* A labelled box clipped to the image, noting the labels.csv line when it
 * reached outside (a box of 100000 px would otherwise ask for a crop of
 * tens of GB). FALSE, noted, when nothing of it is inside. */
static gboolean
clip_box (Eval *e, int line, const TrawlImage *img, int *x, int *y, int *w, int *h)
{
  int x0 = *x, y0 = *y, w0 = *w, h0 = *h;
  gboolean clipped = FALSE;

  if (!trawl_image_clip_box (img, x, y, w, h, &clipped))
    {
      trawl_eval_report_note (e->report, "labels.csv:%d: box %d,%d %dx%d lies outside the %dx%d "
                              "image; skipped", line, x0, y0, w0, h0, img->width, img->height);
      return FALSE;
    }
  if (clipped)
    trawl_eval_report_note (e->report, "labels.csv:%d: box %d,%d %dx%d reaches outside the "
                            "%dx%d image; clipped to it", line, x0, y0, w0, h0, img->width,
                            img->height);
  return TRUE;
}

static void
eval_plate_images (Eval *e)
{
  g_autoptr (TrawlCsv) csv = open_section (e, "plates/images");
  if (csv == NULL)
    return;
  TrawlPlateReader *pr = plate_reader (e);
  if (pr == NULL)
    {
      trawl_eval_report_note (e->report, "skipped: %s", e->model_error->message);
      return;
    }
  Tally scene = { 0 }, box = { 0 };
  for (guint i = 0; i < csv->rows->len; i += e->opts.quick ? 3 : 1)
    {
      TrawlCsvRow *row = csv->rows->pdata[i];
      const char *file = trawl_csv_get (csv, row, "file");
      g_autofree char *truth = plate_key (trawl_csv_get (csv, row, "plate_text"));
      g_autofree char *path = g_build_filename (e->dir, "plates/images", file, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (TrawlImage) img = trawl_image_load (path, &error);
      if (img == NULL)
        {
          trawl_eval_report_note (e->report, "%s: %s", file, error->message);
          continue;
        }
      g_autoptr (GPtrArray) plates = trawl_plate_reader_detect (pr, img, &error);
      if (plates == NULL)
        {
          trawl_eval_report_note (e->report, "%s: %s", file, error->message);
          continue;
        }
      g_autofree char *scene_read = closest_read (plates, truth);
      tally (&scene, truth, scene_read);
      /* The labelled box with a margin: labels are tight, and the reader
       * wants some background around the characters. */
      int x = atoi (trawl_csv_get (csv, row, "x")), y = atoi (trawl_csv_get (csv, row, "y"));
      int w = atoi (trawl_csv_get (csv, row, "w")), h = atoi (trawl_csv_get (csv, row, "h"));
      g_autofree char *box_read = NULL;
      if (w <= 0 || h <= 0)
        trawl_eval_report_note (e->report, "labels.csv:%d: no box", row->line);
      else if (clip_box (e, row->line, img, &x, &y, &w, &h))
        {
          int mx = w / 10, my = h / 10;
          g_autoptr (TrawlImage) crop = trawl_image_crop (img, x - mx, y - my, w + 2 * mx, h + 2 * my);
          g_autoptr (TrawlPlate) p = trawl_plate_reader_read_crop (pr, crop, TRAWL_PLATE_CROP_AUTO, &error);
          box_read = p ? plate_key (p->text) : g_strdup ("");
          tally (&box, truth, box_read);
        }
      if (box_read == NULL)
        box_read = g_strdup ("");
      trawl_eval_report_item (e->report, "file", file, "truth", truth, "scene", scene_read,
                              "box", box_read, NULL);
      vlog (e, "plates/images %s: truth %s scene %s box %s", file, truth, scene_read, box_read);
    }
  report_tally (e, "", "full scene (detect + read)", &scene, 0.85);
  report_tally (e, "box_", "read in the labelled box", &box, -1);
}

static void
eval_plate_crops (Eval *e, const char *name, TrawlPlateCropFlags flags, double target)
{
  g_autoptr (TrawlCsv) csv = open_section (e, name);
  if (csv == NULL)
    return;
  TrawlPlateReader *pr = plate_reader (e);
  if (pr == NULL)
    {
      trawl_eval_report_note (e->report, "skipped: %s", e->model_error->message);
      return;
    }
  Tally t = { 0 };
  for (guint i = 0; i < csv->rows->len; i += e->opts.quick ? 4 : 1)
    {
      TrawlCsvRow *row = csv->rows->pdata[i];
      const char *file = trawl_csv_get (csv, row, "file");
      g_autofree char *truth = plate_key (trawl_csv_get (csv, row, "plate_text"));
      g_autofree char *path = g_build_filename (e->dir, name, file, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (TrawlImage) img = trawl_image_load (path, &error);
      g_autoptr (TrawlPlate) p = img ? trawl_plate_reader_read_crop (pr, img, flags, &error) : NULL;
      if (p == NULL)
        {
          trawl_eval_report_note (e->report, "%s: %s", file, error->message);
          continue;
        }
      g_autofree char *read = plate_key (p->text);
      tally (&t, truth, read);
      if (strcmp (truth, read) != 0)
        trawl_eval_report_item (e->report, "file", file, "truth", truth, "read", read,
                                "raw", p->raw, NULL);
      vlog (e, "%s %s: truth %s read %s (raw %s, %.2f)", name, file, truth, read, p->raw,
            p->confidence);
    }
  report_tally (e, "", "crops", &t, target);
}

static void
eval_plate_videos (Eval *e)
{
  g_autoptr (TrawlCsv) csv = open_section (e, "videos/plates");
  if (csv == NULL)
    return;
  TrawlPlateReader *pr = plate_reader (e);
  if (pr == NULL)
    {
      trawl_eval_report_note (e->report, "skipped: %s", e->model_error->message);
      return;
    }
  /* Group the plates of each clip: a clip is read once for all of them. */
  g_autoptr (GPtrArray) files = g_ptr_array_new ();
  for (guint i = 0; i < csv->rows->len; i++)
    {
      const char *f = trawl_csv_get (csv, csv->rows->pdata[i], "file");
      if (!g_ptr_array_find_with_equal_func (files, f, g_str_equal, NULL))
        g_ptr_array_add (files, (gpointer) f);
    }
  int plates_read = 0, plates_n = 0, clips_ok = 0, tracks_read = 0, tracks_other = 0;
  int n_frames = 0, n_analysed = 0;
  double frac_sum = 0;
  for (guint c = 0; c < files->len; c++)
    {
      const char *file = files->pdata[c];
      g_autoptr (GPtrArray) truths = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < csv->rows->len; i++)
        if (strcmp (trawl_csv_get (csv, csv->rows->pdata[i], "file"), file) == 0)
          g_ptr_array_add (truths, plate_key (trawl_csv_get (csv, csv->rows->pdata[i], "plate_text")));
      g_autofree int *hits = g_new0 (int, truths->len);
      g_autofree char *path = g_build_filename (e->dir, "videos/plates", file, NULL);
      TrawlVideoOptions vo;
      trawl_video_options_init (&vo);
      vo.sample_fps = e->opts.quick ? 1.0 : 4.0;
      vo.luma_thumbs = TRUE;
      g_autoptr (GError) error = NULL;
      g_autoptr (TrawlVideoReader) r = trawl_video_reader_open (path, &vo, &error);
      g_autoptr (TrawlMotionGate) gate = trawl_motion_gate_new (NULL);
      g_autoptr (TrawlTracker) tracker = trawl_tracker_new (NULL);
      int frames = 0;
      TrawlVideoFrame *f;
      while (r && (f = trawl_video_reader_next (r, &error)) != NULL)
        {
          g_autoptr (GPtrArray) plates = trawl_plate_reader_detect (pr, f->image, &error);
          gboolean still = trawl_motion_gate_check (gate, f->thumb, f->pts_s, NULL) == TRAWL_MOTION_STILL;
          if (still)
            trawl_tracker_hold (tracker, f->pts_s);
          else if (plates != NULL)
            trawl_tracker_add_plates (tracker, NULL, f->pts_s, plates);
          n_analysed += !still;
          trawl_video_frame_free (f);
          if (plates == NULL)
            break;
          frames++;
          for (guint k = 0; k < truths->len; k++)
            {
              g_autofree char *best = closest_read (plates, truths->pdata[k]);
              hits[k] += strcmp (best, truths->pdata[k]) == 0;
            }
        }
      if (error != NULL)
        trawl_eval_report_note (e->report, "%s: %s", file, error->message);
      n_frames += frames;
      g_autoptr (GPtrArray) tracks = trawl_tracker_finish (tracker);
      g_autofree int *track_hit = g_new0 (int, truths->len);
      for (guint t = 0; t < tracks->len; t++)
        {
          g_autofree char *k = plate_key (((TrawlTrackResult *) tracks->pdata[t])->best_plate_text);
          gboolean hit = FALSE;
          for (guint j = 0; j < truths->len; j++)
            if (strcmp (k, truths->pdata[j]) == 0)
              hit = track_hit[j] = TRUE;
          tracks_other += !hit;
          if (!hit)
            vlog (e, "videos/plates %s: a track reads %s, no labelled plate", file, k);
        }
      gboolean all = truths->len > 0;
      for (guint k = 0; k < truths->len; k++)
        {
          plates_n++;
          plates_read += hits[k] > 0;
          tracks_read += track_hit[k];
          all &= hits[k] > 0;
          frac_sum += frames ? (double) hits[k] / frames : 0.0;
          char fr[32];
          g_snprintf (fr, sizeof fr, "%d/%d", hits[k], frames);
          trawl_eval_report_item (e->report, "file", file, "truth", (char *) truths->pdata[k],
                                  "frames_exact", fr, "track_exact", track_hit[k] ? "yes" : "no",
                                  NULL);
          vlog (e, "videos/plates %s %s: exact in %s frames", file, (char *) truths->pdata[k], fr);
        }
      clips_ok += all;
    }
  trawl_eval_report_count (e->report, "clips", "clips with every plate read in >= 1 frame",
                           clips_ok, (int) files->len, 1.0);
  trawl_eval_report_count (e->report, "plates", "plates read exactly in >= 1 frame",
                           plates_read, plates_n, -1);
  trawl_eval_report_value (e->report, "frame_fraction", "mean fraction of frames read exactly",
                           plates_n ? frac_sum / plates_n : NAN);
  trawl_eval_report_count (e->report, "tracks", "plates read exactly as a track's voted text "
                           "(motion-gated frames, as indexing)", tracks_read, plates_n, -1);
  trawl_eval_report_value (e->report, "tracks_other", "tracks that read no labelled plate",
                           tracks_other);
  trawl_eval_report_count (e->report, "frames_analysed", "frames the motion gate lets through",
                           n_analysed, n_frames, -1);
}

TrawlEvalReport *
trawl_eval_run (const char *dir, const TrawlEvalOptions *opts, GError **error)
{
  if (dir == NULL || !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND, "%s: not a folder", dir ? dir : "(null)");
      return NULL;
    }
  Eval e = { 0 };
  e.dir = dir;
  if (opts)
    e.opts = *opts;
  e.report = trawl_eval_report_new (dir);
  e.gallery = g_array_new (FALSE, FALSE, sizeof (float) * TRAWL_FACE_EMBED_DIM);
  e.gallery_id = g_array_new (FALSE, FALSE, sizeof (int));
  e.identities = g_ptr_array_new_with_free_func (g_free);
  e.threshold = NAN;
  if (e.opts.quick)
    {
      trawl_eval_report_section (e.report, "mode");
      trawl_eval_report_note (e.report, "quick: a sample of each set, fewer video frames");
    }
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (GError) verr = NULL;
  if (e.opts.face_variants &&
      (e.variants = _trawl_eval_variants_new (e.opts.n_threads, &verr)) == NULL)
    {
      trawl_eval_report_section (e.report, "faces/variants");
      trawl_eval_report_note (e.report, "skipped: %s", verr->message);
    }
  eval_face_images (&e);
  _trawl_eval_variants_report (e.variants, e.report);
  eval_face_videos (&e);
  eval_plate_images (&e);
  eval_plate_crops (&e, "plates/crops_us", TRAWL_PLATE_CROP_BAND | TRAWL_PLATE_CROP_GRAY, 0.90);
  eval_plate_crops (&e, "plates/crops_cn", TRAWL_PLATE_CROP_DEFAULT, 0.95);
  eval_plate_videos (&e);
  trawl_eval_report_section (e.report, "run");
  trawl_eval_report_value (e.report, "seconds", "wall-clock seconds",
                           (g_get_monotonic_time () - t0) / 1e6);
  trawl_face_detector_free (e.faces);
  _trawl_eval_variants_free (e.variants);
  trawl_plate_reader_free (e.plates);
  g_clear_error (&e.model_error);
  g_array_unref (e.gallery);
  g_array_unref (e.gallery_id);
  g_ptr_array_unref (e.identities);
  return e.report;
}
