/* test-gui.c - the desktop app under a real display (Xvfb in CI): a
 * synthetic case written with the catalog's own writers (two cameras with
 * known times, plate tracks with chosen readings, face tracks, JPEG
 * thumbnails, and a small clip made with the ffmpeg CLI as every video's
 * file) is opened in the window; a plate query runs through the widgets
 * (entry text, then the win.search action); the grid, the timeline, the
 * player and the error toasts are checked. The expected hits follow from
 * how the case was made; the grid is also compared with the library's own
 * answer to the same query. The first camera's video is recorded with the
 * clip's real SHA-256 (so it can be exported), the second's with a made-up
 * one (so its export is refused as changed). Export, report and Add
 * Footage run through their dialogs' own code paths. Skips when there is
 * no display; the player, export and indexing checks skip without ffmpeg. */
#include "trawl-app.h"
#include "trawl-export-dialog.h"
#include "trawl-face-marker.h"
#include "trawl-index-dialog.h"
#include "trawl-recent.h"
#include "trawl-window.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <trawl/case.h>
#include <trawl/detect.h>
#include <trawl/evidence.h>
#include <trawl/image.h>
#include <trawl/search.h>

#include "../common/trawl-test.h"

#define T0        1710446700.0  /* 2024-03-14T20:05:00Z */
#define CLIP_FPS  10
#define CLIP_S    8

static GtkApplication *app;
static char *case_dir;      /* the synthetic case, made once */
static char *clip_path;     /* the clip, or NULL without ffmpeg */

static const char *const cameras[] = { "gate", "lobby" };
static const char *const plates[2][4] = {
  { "AB12CDE", "XY98ZZZ", "AB77KLM", "QQ4455" },
  { "AB12CDE", "RPNL93", "AB55XYZ", "96NDJB" },
};

/* ---- the case ---- */

static char *
make_clip (const char *dir)
{
  g_autofree char *ffmpeg = g_find_program_in_path ("ffmpeg");
  g_autofree char *out = g_build_filename (dir, "clip.mp4", NULL);
  g_autofree char *src = g_strdup_printf ("testsrc=size=320x240:rate=%d", CLIP_FPS);
  g_autofree char *dur = g_strdup_printf ("%d", CLIP_S);
  const char *argv[] = { NULL, "-loglevel", "error", "-y", "-f", "lavfi", "-i", src, "-t", dur,
                         "-pix_fmt", "yuv420p", out, NULL };
  int status = 0;

  if (ffmpeg == NULL)
    return NULL;
  argv[0] = ffmpeg;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                     NULL, &status, NULL)
      || !g_spawn_check_wait_status (status, NULL))
    return NULL;
  return g_steal_pointer (&out);
}

static void
put_thumbnail (TrawlCatalog *cat, gint64 sighting, guint8 shade)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlImage) img = trawl_image_new (64, 48);
  g_autofree guint8 *jpeg = NULL;
  gsize len = 0;

  for (int y = 0; y < img->height; y++)
    for (int x = 0; x < img->width * 3; x++)
      img->data[y * img->stride + x] = (guint8) (shade + (x % 3) * 40);
  jpeg = trawl_image_encode_jpeg (img, 85, &len, &error);
  g_assert_no_error (error);
  g_assert_true (trawl_catalog_insert_thumbnail (cat, sighting, jpeg, len, &error));
}

/* A track of three sightings 0.5 s apart from t; plate tracks get their
 * n-gram vector, face tracks a random unit descriptor. */
static void
add_track (TrawlCase *c, gint64 video, double start, TrawlKind kind, double t, const char *plate,
           GRand *r, GArray *ids, GArray *vecs)
{
  g_autoptr(GError) error = NULL;
  TrawlCatalog *cat = trawl_case_get_catalog (c);
  TrawlTrack tr = { 0 };
  float v[TRAWL_FACE_DIM > TRAWL_PLATE_DIM ? TRAWL_FACE_DIM : TRAWL_PLATE_DIM];
  int dim = kind == TRAWL_KIND_FACE ? TRAWL_FACE_DIM : TRAWL_PLATE_DIM;
  double ss = 0;

  if (kind == TRAWL_KIND_FACE)
    {
      for (int i = 0; i < dim; i++)
        {
          v[i] = (float) g_rand_double_range (r, -1, 1);
          ss += (double) v[i] * v[i];
        }
      for (int i = 0; i < dim; i++)
        v[i] = (float) (v[i] / sqrt (ss));
    }
  else
    trawl_plate_ngram_vector (plate, v);
  tr.kind = kind;
  tr.video_id = video;
  tr.first_pts_s = t;
  tr.last_pts_s = t + 1.0;
  tr.first_utc = start + t;
  tr.last_utc = start + t + 1.0;
  g_assert_true (trawl_catalog_insert_track (cat, &tr, &error));
  for (int i = 0; i < 3; i++)
    {
      TrawlSighting s = { 0 };
      s.track_id = tr.id;
      s.video_id = video;
      s.kind = kind;
      s.pts_s = t + 0.5 * i;
      s.utc = start + s.pts_s;
      s.x = 40 + 10 * i;
      s.y = 30;
      s.w = 80;
      s.h = 40;
      s.score = 0.9f;
      s.quality = 0.5f + 0.1f * i;
      s.plate_text = (char *) plate;
      s.embedding = v;
      s.n_embedding = dim;
      g_assert_true (trawl_catalog_insert_sighting (cat, &s, &error));
      g_array_append_val (ids, s.id);
      g_array_append_vals (vecs, v, dim);
      tr.best_sighting_id = s.id;
    }
  put_thumbnail (cat, tr.best_sighting_id, (guint8) (t * 20));
  tr.n_sightings = 3;
  tr.best_quality = 0.7f;
  tr.best_plate_text = (char *) plate;
  if (kind == TRAWL_KIND_FACE)
    {
      tr.mean_embedding = v;
      tr.n_embedding = dim;
    }
  g_assert_true (trawl_catalog_update_track (cat, &tr, &error));
}

static void
commit_vectors (TrawlCase *c, TrawlKind kind, GArray *ids, GArray *vecs)
{
  g_autoptr(GError) error = NULL;
  TrawlVectorStore *vs = trawl_case_get_vectors (c, kind, &error);

  g_assert_no_error (error);
  g_assert_true (trawl_vector_store_add (vs, ids->len, (gint64 *) ids->data, (float *) vecs->data,
                                         &error));
  g_assert_true (trawl_case_record_vectors (c, kind, &error));
}

static void
make_case (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) r = g_rand_new_with_seed (11);
  g_autoptr(TrawlCase) c = NULL;
  g_autofree char *root = g_dir_make_tmp ("trawl-gui-XXXXXX", &error);

  g_assert_no_error (error);
  clip_path = make_clip (root);
  case_dir = g_build_filename (root, "case", NULL);
  c = trawl_case_open (case_dir, TRAWL_CASE_CREATE, &error);
  g_assert_no_error (error);
  /* the stores load before any video transaction, as the indexer's do */
  g_assert_nonnull (trawl_case_get_vectors (c, TRAWL_KIND_FACE, &error));
  g_assert_nonnull (trawl_case_get_vectors (c, TRAWL_KIND_PLATE, &error));
  for (int v = 0; v < 2; v++)
    {
      TrawlCatalog *cat = trawl_case_get_catalog (c);
      g_autoptr(GArray) fids = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_autoptr(GArray) fvecs = g_array_new (FALSE, FALSE, sizeof (float));
      g_autoptr(GArray) pids = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_autoptr(GArray) pvecs = g_array_new (FALSE, FALSE, sizeof (float));
      g_autofree char *sha = v == 0 && clip_path != NULL ? trawl_file_sha256 (clip_path, &error)
                                                         : g_strdup_printf ("%064d", v);
      TrawlCatalogVideo vid = { 0 };
      double start = T0 + 3600.0 * v;
      gint64 cam = 0;

      g_assert_no_error (error);
      g_assert_true (trawl_catalog_ensure_camera (cat, cameras[v], &cam, &error));
      vid.camera_id = cam;
      vid.path = clip_path != NULL ? clip_path : (char *) "/nonexistent/clip.mp4";
      vid.sha256 = sha;
      vid.duration_s = CLIP_S;
      vid.fps = CLIP_FPS;
      vid.width = 320;
      vid.height = 240;
      vid.start_time_utc = start;
      g_assert_true (trawl_catalog_insert_video (cat, &vid, &error));
      g_assert_true (trawl_catalog_begin_video (cat, vid.id, &error));
      for (int k = 0; k < 4; k++)
        add_track (c, vid.id, start, TRAWL_KIND_PLATE, 1.0 + 1.5 * k, plates[v][k], r, pids, pvecs);
      for (int k = 0; k < 2; k++)
        add_track (c, vid.id, start, TRAWL_KIND_FACE, 0.5 + 3.0 * k, NULL, r, fids, fvecs);
      commit_vectors (c, TRAWL_KIND_FACE, fids, fvecs);
      commit_vectors (c, TRAWL_KIND_PLATE, pids, pvecs);
      g_assert_true (trawl_catalog_commit_video (cat, vid.id, &error));
      g_assert_true (trawl_case_write_vectors (c, TRAWL_KIND_FACE, &error));
      g_assert_true (trawl_case_write_vectors (c, TRAWL_KIND_PLATE, &error));
    }
}

/* ---- driving the window ---- */

static void
wait_idle (TrawlWindow *win)
{
  while (trawl_window_is_busy (win))
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static TrawlWindow *
open_window (void)
{
  TrawlWindow *win = trawl_window_new (app);
  g_autoptr(GFile) dir = g_file_new_for_path (case_dir);

  gtk_window_present (GTK_WINDOW (win));
  while (!gtk_widget_get_mapped (GTK_WIDGET (win)) || gtk_widget_get_width (GTK_WIDGET (win)) == 0)
    g_main_context_iteration (NULL, TRUE);
  trawl_window_open_case (win, dir);
  wait_idle (win);
  g_assert_true (trawl_window_has_case (win));
  return win;
}

static void
run_plate_query (TrawlWindow *win, const char *text)
{
  GtkEditable *entry = trawl_query_panel_get_plate_entry (trawl_window_get_query_panel (win));

  trawl_query_panel_focus_plate (trawl_window_get_query_panel (win));
  gtk_editable_set_text (entry, text);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.search", NULL));
  wait_idle (win);
}

static TrawlSearchResults *
library_answer (const char *text, const char *camera)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlSearch) s = trawl_search_new (case_dir, &error);
  g_autoptr(TrawlQuery) q = trawl_query_new ();
  TrawlSearchResults *r;

  g_assert_no_error (error);
  g_assert_true (trawl_query_set_plate_text (q, text, FALSE, &error));
  if (camera != NULL)
    trawl_query_add_camera (q, camera);
  r = trawl_search_run (s, q, NULL, &error);
  g_assert_no_error (error);
  return r;
}

static const TrawlSearchHit *
item_hit (GListModel *model, guint i)
{
  g_autoptr(TrawlHit) item = g_list_model_get_item (model, i);
  return trawl_hit_get_hit (item);
}

static void
save_screenshot (GtkWidget *win, const char *png)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (win);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int w = gtk_widget_get_width (win), h = gtk_widget_get_height (win);

  /* The window has a render node once a frame was drawn: ask for frames
   * until then (a count of frames, not a time). */
  for (int frame = 0; node == NULL && frame < 50; frame++)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, snapshot, w, h);
      node = gtk_snapshot_free_to_node (snapshot);
      if (node == NULL)
        {
          gtk_widget_queue_draw (win);
          g_main_context_iteration (NULL, TRUE);
        }
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (win)), node, NULL);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, w);
  g_assert_true (gdk_texture_save_to_png (texture, png));
}

/* The window at png, and in dark style beside it (NAME-dark.png). */
static void
save_screenshots (GtkWidget *win, const char *png)
{
  AdwStyleManager *sm = adw_style_manager_get_default ();
  g_autofree char *stem = g_str_has_suffix (png, ".png") ? g_strndup (png, strlen (png) - 4)
                                                         : g_strdup (png);
  g_autofree char *dark = g_strconcat (stem, "-dark.png", NULL);

  for (int i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  save_screenshot (win, png);
  adw_style_manager_set_color_scheme (sm, ADW_COLOR_SCHEME_FORCE_DARK);
  for (int i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  save_screenshot (win, dark);
  adw_style_manager_set_color_scheme (sm, ADW_COLOR_SCHEME_DEFAULT);
}

/* ---- tests ---- */

static void
test_open_case (void)
{
  TrawlWindow *win = open_window ();
  const char *totals = trawl_case_summary_get_totals (trawl_window_get_case_summary (win));
  g_auto(GStrv) recent = trawl_recent_cases_load ();
  g_autofree char *expect = g_strdup_printf ("%d cameras", (int) G_N_ELEMENTS (cameras));

  g_assert_nonnull (strstr (totals, expect));
  g_assert_nonnull (strstr (totals, "8 plate tracks"));
  g_assert_nonnull (strstr (totals, "4 face tracks"));
  /* remembered as the most recent case (config dir isolated per test) */
  g_assert_nonnull (recent[0]);
  g_assert_cmpstr (recent[0], ==, case_dir);
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_not_a_case (void)
{
  TrawlWindow *win = trawl_window_new (app);
  g_autofree char *tmp = g_dir_make_tmp ("trawl-gui-empty-XXXXXX", NULL);
  g_autoptr(GFile) dir = g_file_new_for_path (tmp);

  trawl_window_open_case (win, dir);
  wait_idle (win);
  g_assert_false (trawl_window_has_case (win));
  g_assert_nonnull (trawl_window_get_last_error (win));
  g_assert_nonnull (strstr (trawl_window_get_last_error (win), tmp));
  /* searching without a case asks for one */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.search", NULL));
  g_assert_nonnull (strstr (trawl_window_get_last_error (win), "Open a case first"));
  g_rmdir (tmp);
  gtk_window_destroy (GTK_WINDOW (win));
}

/* "AB*" finds the five AB plates; the grid holds what the library answers,
 * the timeline a mark per timed hit and the route through the matches. */
static void
test_plate_query (void)
{
  TrawlWindow *win = open_window ();
  GListModel *model = G_LIST_MODEL (trawl_window_get_selection (win));
  g_autoptr(TrawlSearchResults) want = library_answer ("AB*", NULL);
  TrawlTimeline *tl = trawl_window_get_timeline (win);
  guint n_ab = 0, n_match = 0;
  double x, y;

  for (int v = 0; v < 2; v++)
    for (int k = 0; k < 4; k++)
      n_ab += g_str_has_prefix (plates[v][k], "AB");
  run_plate_query (win, "AB*");
  g_assert_null (trawl_window_get_last_error (win));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, want->hits->len);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      const TrawlSearchHit *h = item_hit (model, i);
      g_assert_cmpint (h->match, ==, g_str_has_prefix (h->plate_text, "AB"));
      g_assert_nonnull (h->thumbnail);
      n_match += h->match;
    }
  g_assert_cmpuint (n_match, ==, n_ab);
  g_test_message ("search action to results on screen: %.1f ms",
                  trawl_window_get_last_query_ms (win));
  /* every hit has a wall-clock time: one mark each; the route joins the matches */
  g_assert_cmpuint (trawl_timeline_get_n_marks (tl), ==, want->hits->len);
  g_assert_cmpuint (trawl_timeline_get_n_route (tl), ==, n_ab);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (trawl_window_get_grid (win))));

  /* sort by time: first_utc never decreases */
  trawl_window_set_sort_by_time (win, TRUE);
  for (guint i = 1; i < g_list_model_get_n_items (model); i++)
    g_assert_cmpfloat (item_hit (model, i - 1)->first_utc, <=, item_hit (model, i)->first_utc);

  /* clicking a mark selects its hit */
  g_assert_true (trawl_timeline_get_mark_point (tl, 1, &x, &y));
  g_assert_true (trawl_timeline_select_at (tl, x, y));
  g_assert_cmpuint (gtk_single_selection_get_selected (trawl_window_get_selection (win)), ==, 1);
  gtk_window_destroy (GTK_WINDOW (win));
}

/* Selecting a hit shows the frame at its jump pts with the box over it. */
static void
test_player (void)
{
  TrawlWindow *win;
  TrawlPlayer *player;
  const TrawlSearchHit *hit;
  const char *shot = g_getenv ("TRAWL_GUI_SCREENSHOT");

  if (clip_path == NULL)
    {
      g_test_skip ("ffmpeg CLI absent: no clip to play");
      return;
    }
  win = open_window ();
  player = trawl_window_get_player (win);
  run_plate_query (win, "AB12CDE");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (trawl_window_get_selection (win))),
                    >, 0);
  gtk_single_selection_set_selected (trawl_window_get_selection (win), 0);
  hit = item_hit (G_LIST_MODEL (trawl_window_get_selection (win)), 0);
  while (trawl_player_get_n_frames_shown (player) == 0 || trawl_player_is_busy (player))
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (trawl_player_get_paintable (player));
  g_assert_cmpfloat (fabs (trawl_player_get_pts (player) - hit->jump_pts_s), <=,
                     0.5 / CLIP_FPS + 1e-3);
  g_assert_true (trawl_player_has_box (player));
  if (shot != NULL)
    save_screenshots (GTK_WIDGET (win), shot);
  /* one frame forward */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (player), "player.step-forward", NULL));
  while (trawl_player_is_busy (player))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpfloat (trawl_player_get_pts (player), >, hit->jump_pts_s);
  g_assert_cmpuint (trawl_player_get_n_frames_shown (player), ==, 2);
  /* the scrubber's seeks, forwards and back (the reader reopens) */
  trawl_player_seek (player, CLIP_S - 1.5);
  while (trawl_player_is_busy (player))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpfloat (fabs (trawl_player_get_pts (player) - (CLIP_S - 1.5)), <=, 0.5 / CLIP_FPS + 1e-3);
  trawl_player_seek (player, 0.5);
  while (trawl_player_is_busy (player))
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpfloat (fabs (trawl_player_get_pts (player) - 0.5), <=, 0.5 / CLIP_FPS + 1e-3);
  /* play: frames keep coming, in order, until paused */
  {
    guint n0 = trawl_player_get_n_frames_shown (player);
    double last = trawl_player_get_pts (player);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (player), "player.toggle-play", NULL));
    while (trawl_player_get_n_frames_shown (player) < n0 + 5)
      {
        g_main_context_iteration (NULL, TRUE);
        g_assert_cmpfloat (trawl_player_get_pts (player), >=, last);
        last = trawl_player_get_pts (player);
      }
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (player), "player.toggle-play", NULL));
    while (trawl_player_is_busy (player))
      g_main_context_iteration (NULL, TRUE);
    n0 = trawl_player_get_n_frames_shown (player);
    for (int i = 0; i < 20; i++)
      g_main_context_iteration (NULL, FALSE);
    g_assert_cmpuint (trawl_player_get_n_frames_shown (player), ==, n0);
  }
  for (int i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);

  /* a video moved since indexing: a message in the player and a toast */
  {
    g_autofree char *moved = g_strconcat (clip_path, ".moved", NULL);
    g_autofree char *error_before = g_strdup (trawl_window_get_last_error (win));
    g_assert_cmpint (g_rename (clip_path, moved), ==, 0);
    gtk_single_selection_set_selected (trawl_window_get_selection (win), 1);
    while (g_strcmp0 (trawl_player_get_status (player), "Decoding…") == 0
           || trawl_player_is_busy (player))
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpint (g_rename (moved, clip_path), ==, 0);
    g_assert_nonnull (strstr (trawl_player_get_status (player), "clip.mp4"));
    g_assert_cmpstr (trawl_window_get_last_error (win), !=, error_before);
    g_assert_null (trawl_player_get_paintable (player));
  }
  gtk_window_destroy (GTK_WINDOW (win));
}

/* Two face photos dropped on the window are pooled into one query: the
 * grid holds the library's answer to the same two photos. A photo of a
 * car (no face) ends in the library's message, shown in the window.
 * Needs the face models and the shared face photos. */
static void
test_face_query (void)
{
  g_autofree char *recog = trawl_test_need_model ("face-api/face_recognition_model.bin");
  g_autofree char *a = recog ? trawl_test_need_data ("faces/images/fr_001.jpg") : NULL;
  g_autofree char *b = a ? trawl_test_need_data ("faces/images/fr_002.jpg") : NULL;
  g_autofree char *car = b ? trawl_test_need_data ("plates/images/oalpr_br_s001.jpg") : NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlSearch) s = NULL;
  g_autoptr(TrawlQuery) q = trawl_query_new ();
  g_autoptr(TrawlSearchResults) want = NULL;
  TrawlWindow *win;
  GListModel *model;

  if (car == NULL)
    return;
  s = trawl_search_new (case_dir, &error);
  g_assert_no_error (error);
  trawl_query_add_face_photo (q, a, 0, NULL);
  trawl_query_add_face_photo (q, b, 0, NULL);
  want = trawl_search_run (s, q, NULL, &error);
  g_assert_no_error (error);

  win = open_window ();
  model = G_LIST_MODEL (trawl_window_get_selection (win));
  {
    g_autoptr(GFile) fa = g_file_new_for_path (a);
    g_autoptr(GFile) fb = g_file_new_for_path (b);
    trawl_window_drop_file (win, fa);
    trawl_window_drop_file (win, fb);
  }
  g_assert_cmpuint (trawl_query_panel_get_n_face_photos (trawl_window_get_query_panel (win)), ==, 2);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.search", NULL));
  wait_idle (win);
  g_assert_null (trawl_window_get_last_error (win));
  g_assert_cmpint (want->n_query_faces, ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, want->hits->len);
  for (guint i = 0; i < want->hits->len; i++)
    {
      g_assert_cmpint (item_hit (model, i)->kind, ==, TRAWL_KIND_FACE);
      g_assert_cmpint (item_hit (model, i)->track_id, ==,
                       ((TrawlSearchHit *) want->hits->pdata[i])->track_id);
    }
  g_test_message ("face query (2 photos) from the action to results on screen: %.1f ms",
                  trawl_window_get_last_query_ms (win));

  /* the face marked by hand on the first photo: a drag around the face
   * (found here with the library's detector) gives its box in photo px,
   * and the query carries it */
  {
    TrawlQueryPanel *panel = trawl_window_get_query_panel (win);
    g_autoptr(TrawlImage) img = trawl_image_load (a, &error);
    g_autoptr(TrawlFaceDetector) fd = NULL;
    g_autoptr(GArray) faces = NULL;
    g_autoptr(TrawlQuery) q2 = trawl_query_new ();
    g_autoptr(TrawlSearchResults) want2 = NULL;
    GtkWindow *marker;
    TrawlBox fb;
    float box[4];
    double x0, y0, x1, y1;

    g_assert_no_error (error);
    fd = trawl_face_detector_new (&(TrawlFaceOptions) { .no_embedding = TRUE }, &error);
    g_assert_no_error (error);
    faces = trawl_face_detector_run (fd, img, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (faces->len, >=, 1);
    fb = g_array_index (faces, TrawlFace, 0).box;
    marker = trawl_query_panel_mark_face (panel, 0);
    g_assert_nonnull (marker);
    while (gtk_widget_get_width (GTK_WIDGET (marker)) == 0 || !gtk_widget_get_mapped (GTK_WIDGET (marker)))
      g_main_context_iteration (NULL, TRUE);
    while (g_main_context_iteration (NULL, FALSE))
      ;
    trawl_face_marker_photo_to_widget (TRAWL_FACE_MARKER (marker), fb.x, fb.y, &x0, &y0);
    trawl_face_marker_photo_to_widget (TRAWL_FACE_MARKER (marker), fb.x + fb.w, fb.y + fb.h, &x1,
                                       &y1);
    /* dragged from bottom right to top left, as people do too */
    g_assert_true (trawl_face_marker_select (TRAWL_FACE_MARKER (marker), x1, y1, x0, y0));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (marker), "marker.apply", NULL));
    g_assert_true (trawl_query_panel_get_face_box (panel, 0, box));
    g_assert_cmpfloat_with_epsilon (box[0], fb.x, 1e-2);
    g_assert_cmpfloat_with_epsilon (box[1], fb.y, 1e-2);
    g_assert_cmpfloat_with_epsilon (box[2], fb.w, 1e-2);
    g_assert_cmpfloat_with_epsilon (box[3], fb.h, 1e-2);
    g_assert_false (trawl_query_panel_get_face_box (panel, 1, box));

    trawl_query_add_face_photo (q2, a, 0, box);
    trawl_query_add_face_photo (q2, b, 0, NULL);
    want2 = trawl_search_run (s, q2, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.search", NULL));
    wait_idle (win);
    g_assert_null (trawl_window_get_last_error (win));
    g_assert_cmpuint (g_list_model_get_n_items (model), ==, want2->hits->len);
    for (guint i = 0; i < want2->hits->len; i++)
      g_assert_cmpfloat_with_epsilon (item_hit (model, i)->score,
                                      ((TrawlSearchHit *) want2->hits->pdata[i])->score, 1e-6);
  }

  /* a photo without a face */
  {
    g_autoptr(GFile) fc = g_file_new_for_path (car);
    TrawlWindow *win2 = open_window ();
    trawl_window_drop_file (win2, fc);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win2), "win.search", NULL));
    wait_idle (win2);
    g_assert_nonnull (trawl_window_get_last_error (win2));
    g_assert_nonnull (strstr (trawl_window_get_last_error (win2), "no face found"));
    gtk_window_destroy (GTK_WINDOW (win2));
  }
  gtk_window_destroy (GTK_WINDOW (win));
}

/* A malformed plate and a face query without a photo: a message in the
 * window, the results untouched, and the window still answers. */
static void
test_bad_query (void)
{
  TrawlWindow *win = open_window ();
  GListModel *model = G_LIST_MODEL (trawl_window_get_selection (win));
  TrawlQueryPanel *panel = trawl_window_get_query_panel (win);
  g_autoptr(GFile) source = g_file_new_for_path (TRAWL_TEST_SRCDIR "/ui/test-gui.c");
  g_autofree char *error_before = NULL;
  guint n;

  run_plate_query (win, "AB12CDE");
  n = g_list_model_get_n_items (model);
  g_assert_cmpuint (n, >, 0);
  run_plate_query (win, "AB#12");
  g_assert_nonnull (trawl_window_get_last_error (win));
  g_assert_nonnull (strstr (trawl_window_get_last_error (win), "#"));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n);
  /* a dropped non-image is refused with a message, not added */
  g_clear_pointer (&error_before, g_free);
  error_before = g_strdup (trawl_window_get_last_error (win));
  trawl_window_drop_file (win, source);
  g_assert_cmpuint (trawl_query_panel_get_n_face_photos (panel), ==, 0);
  g_assert_cmpstr (trawl_window_get_last_error (win), !=, error_before);
  g_assert_nonnull (strstr (trawl_window_get_last_error (win), "not a photo"));
  /* a face query with a photo that is no image: the library's error, shown */
  trawl_query_panel_add_face_photo (panel, source);
  g_assert_cmpuint (trawl_query_panel_get_n_face_photos (panel), ==, 1);
  g_clear_pointer (&error_before, g_free);
  error_before = g_strdup (trawl_window_get_last_error (win));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.search", NULL));
  wait_idle (win);
  g_assert_cmpstr (trawl_window_get_last_error (win), !=, error_before);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n);
  run_plate_query (win, "AB12CDE");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n);
  gtk_window_destroy (GTK_WINDOW (win));
}

/* Ticking one camera keeps that camera's hits only, as the library does
 * with the same filter; a time range nobody typed right is refused. */
static void
test_filters (void)
{
  TrawlWindow *win = open_window ();
  TrawlQueryPanel *panel = trawl_window_get_query_panel (win);
  GListModel *model = G_LIST_MODEL (trawl_window_get_selection (win));
  g_autoptr(TrawlSearchResults) want = library_answer ("AB*", cameras[1]);
  guint n_ab = 0;

  for (int k = 0; k < 4; k++)
    n_ab += g_str_has_prefix (plates[1][k], "AB");
  g_assert_true (trawl_query_panel_set_camera_active (panel, cameras[1], TRUE));
  run_plate_query (win, "AB*");
  g_assert_null (trawl_window_get_last_error (win));
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, want->hits->len);
  g_assert_cmpuint (g_list_model_get_n_items (model), >=, n_ab);
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    g_assert_cmpstr (item_hit (model, i)->camera, ==, cameras[1]);

  trawl_query_panel_set_time_text (panel, "yesterday-ish", NULL);
  run_plate_query (win, "AB*");
  g_assert_nonnull (trawl_window_get_last_error (win));
  g_assert_nonnull (strstr (trawl_window_get_last_error (win), "From"));
  gtk_window_destroy (GTK_WINDOW (win));
}

/* The About window names the versions an investigator has to report. */
static void
test_about (void)
{
  TrawlWindow *win = trawl_window_new (app);
  GtkWindow *about = trawl_app_show_about (GTK_WINDOW (win));
  g_autofree char *info = NULL;

  g_object_get (about, "debug-info", &info, NULL);
  g_assert_nonnull (strstr (info, trawl_version ()));
  g_assert_nonnull (strstr (info, trawl_catalog_sqlite_version ()));
  g_assert_nonnull (strstr (info, "FFmpeg"));
  g_assert_nonnull (strstr (info, "FAISS"));
  gtk_window_destroy (about);
  /* the shortcuts window builds (GtkBuilder aborts on a bad file) */
  {
    g_autoptr(GtkBuilder) b = gtk_builder_new_from_resource ("/org/trawl/Trawl/gtk/help-overlay.ui");
    GObject *help = gtk_builder_get_object (b, "help_overlay");
    g_assert_true (GTK_IS_SHORTCUTS_WINDOW (help));
    gtk_window_destroy (GTK_WINDOW (help));
  }
  gtk_window_destroy (GTK_WINDOW (win));
}

/* Cancel right after the search starts: either the results or "cancelled",
 * and the window free again (which one wins is the worker's race). */
static void
test_cancel (void)
{
  TrawlWindow *win = open_window ();

  trawl_query_panel_focus_plate (trawl_window_get_query_panel (win));
  gtk_editable_set_text (trawl_query_panel_get_plate_entry (trawl_window_get_query_panel (win)),
                         "AB*");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.search", NULL));
  g_assert_true (trawl_window_is_busy (win));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.cancel", NULL));
  wait_idle (win);
  g_assert_false (trawl_window_is_busy (win));
  if (trawl_window_get_last_error (win) != NULL)
    g_assert_cmpstr (trawl_window_get_last_error (win), ==, "Search cancelled.");
  else
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (trawl_window_get_selection (win))),
                      >, 0);
  /* and the next search runs */
  run_plate_query (win, "AB12CDE");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (trawl_window_get_selection (win))),
                    >, 0);
  gtk_window_destroy (GTK_WINDOW (win));
}

/* How long the app takes from the search action to the tiles on screen,
 * on a case named by TRAWL_GUI_BENCH_CASE with the plate pattern
 * TRAWL_GUI_BENCH_PLATE, and from a dropped face photo
 * (TRAWL_GUI_BENCH_FACE, optional) to the tiles; with
 * TRAWL_GUI_SCREENSHOT, the window on the first hit of each (a
 * measurement and pictures for people; skipped otherwise). */
static void
bench_select_first (TrawlWindow *win, const char *shot, const char *what)
{
  TrawlPlayer *player = trawl_window_get_player (win);
  g_autofree char *name = NULL;

  if (shot == NULL
      || g_list_model_get_n_items (G_LIST_MODEL (trawl_window_get_selection (win))) == 0)
    return;
  gtk_single_selection_set_selected (trawl_window_get_selection (win), 0);
  while (trawl_player_get_n_frames_shown (player) == 0 || trawl_player_is_busy (player))
    g_main_context_iteration (NULL, TRUE);
  name = g_strdup_printf ("%.*s-%s.png", (int) (strlen (shot) - 4), shot, what);
  save_screenshots (GTK_WIDGET (win), name);
}

static void
test_time_to_results (void)
{
  const char *dir = g_getenv ("TRAWL_GUI_BENCH_CASE");
  const char *plate = g_getenv ("TRAWL_GUI_BENCH_PLATE");
  const char *face = g_getenv ("TRAWL_GUI_BENCH_FACE");
  const char *shot = g_getenv ("TRAWL_GUI_SCREENSHOT");
  g_autoptr(GFile) f = NULL;
  TrawlWindow *win;

  if (dir == NULL || plate == NULL)
    {
      g_test_skip ("set TRAWL_GUI_BENCH_CASE and TRAWL_GUI_BENCH_PLATE to measure");
      return;
    }
  f = g_file_new_for_path (dir);
  win = trawl_window_new (app);
  gtk_window_present (GTK_WINDOW (win));
  trawl_window_open_case (win, f);
  wait_idle (win);
  g_assert_true (trawl_window_has_case (win));
  for (int i = 0; i < 3; i++)
    {
      run_plate_query (win, plate);
      g_assert_null (trawl_window_get_last_error (win));
      g_test_message ("plate run %d: %u tiles, %.1f ms from the action to the tiles", i,
                      g_list_model_get_n_items (G_LIST_MODEL (trawl_window_get_selection (win))),
                      trawl_window_get_last_query_ms (win));
    }
  bench_select_first (win, shot, "plate");
  /* the first run loads the face models; the next ones are what a second
   * query costs */
  if (face != NULL)
    {
      g_autoptr(GFile) photo = g_file_new_for_path (face);
      trawl_window_drop_file (win, photo);
    }
  for (int i = 0; face != NULL && i < 3; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.search", NULL));
      wait_idle (win);
      g_assert_null (trawl_window_get_last_error (win));
      g_test_message ("face run %d: %u tiles, %.1f ms from the action to the tiles", i,
                      g_list_model_get_n_items (G_LIST_MODEL (trawl_window_get_selection (win))),
                      (g_get_monotonic_time () - t0) / 1000.0);
    }
  if (face != NULL)
    bench_select_first (win, shot, "face");
  gtk_window_destroy (GTK_WINDOW (win));
}

/* A window closed while its search runs: the search finishes into the
 * void, nothing touches the gone widgets. */
static void
test_close_while_searching (void)
{
  TrawlWindow *win = open_window ();
  GWeakRef ref;

  trawl_query_panel_focus_plate (trawl_window_get_query_panel (win));
  gtk_editable_set_text (trawl_query_panel_get_plate_entry (trawl_window_get_query_panel (win)),
                         "AB*");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.search", NULL));
  g_assert_true (trawl_window_is_busy (win));
  g_weak_ref_init (&ref, win);
  gtk_window_destroy (GTK_WINDOW (win));
  /* the running search holds the window until it reports */
  for (;;)
    {
      g_autoptr(GObject) alive = g_weak_ref_get (&ref);
      if (alive == NULL)
        break;
      g_clear_object (&alive);
      g_main_context_iteration (NULL, TRUE);
    }
  g_weak_ref_clear (&ref);
}

/* ---- export, report, add footage ---- */

/* With TRAWL_GUI_SCREENSHOT=NAME.png, the dialog w as NAME-what.png (and
 * NAME-what-dark.png). */
static void
dialog_screenshots (GtkWidget *w, const char *what)
{
  const char *shot = g_getenv ("TRAWL_GUI_SCREENSHOT");
  g_autofree char *stem = NULL, *png = NULL;

  if (shot == NULL)
    return;
  stem = g_str_has_suffix (shot, ".png") ? g_strndup (shot, strlen (shot) - 4) : g_strdup (shot);
  png = g_strdup_printf ("%s-%s.png", stem, what);
  while (!gtk_widget_get_mapped (w) || gtk_widget_get_width (w) == 0)
    g_main_context_iteration (NULL, TRUE);
  save_screenshots (w, png);
}

/* Selects the first hit on camera, after a plate query for text. */
static void
select_hit_on (TrawlWindow *win, const char *text, const char *camera)
{
  GListModel *model = G_LIST_MODEL (trawl_window_get_selection (win));
  guint i;

  run_plate_query (win, text);
  for (i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_strcmp0 (item_hit (model, i)->camera, camera) == 0)
      break;
  g_assert_cmpuint (i, <, g_list_model_get_n_items (model));
  gtk_single_selection_set_selected (trawl_window_get_selection (win), i);
}

static void
wait_export (TrawlExportDialog *d)
{
  while (trawl_export_dialog_is_busy (d))
    g_main_context_iteration (NULL, TRUE);
}

/* The library's own verification of dir, with the case. */
static TrawlVerifyReport *
library_verify (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlCatalog) cat = trawl_catalog_open (case_dir, TRAWL_CATALOG_READONLY, &error);
  TrawlVerifyReport *v;

  g_assert_no_error (error);
  v = trawl_evidence_verify (dir, cat, NULL, &error);
  g_assert_no_error (error);
  return v;
}

/* A hit exported through the dialog: a folder under the case's exports/
 * with manifest.json, signed, with the annotated copy, that the dialog and
 * the library both find intact; then the same window on one camera. */
static void
test_export (void)
{
  TrawlWindow *win;
  TrawlExportDialog *d;
  g_autofree char *exports = NULL, *manifest = NULL;
  g_autoptr(TrawlVerifyReport) v = NULL;
  const char *summary;

  if (clip_path == NULL)
    {
      g_test_skip ("ffmpeg CLI absent: no clip to export");
      return;
    }
  win = open_window ();
  select_hit_on (win, "AB12CDE", cameras[0]);
  d = TRAWL_EXPORT_DIALOG (trawl_window_export_selected (win));
  g_assert_nonnull (d);
  dialog_screenshots (GTK_WIDGET (d), "export");
  trawl_export_dialog_set_margins (d, 1.0, 2.0);
  trawl_export_dialog_set_sign (d, TRUE);
  trawl_export_dialog_set_annotated (d, TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (d), "export.run", NULL));
  g_assert_true (trawl_export_dialog_is_busy (d));
  wait_export (d);
  g_assert_null (trawl_export_dialog_get_error (d));
  g_assert_nonnull (trawl_export_dialog_get_result_dir (d));
  exports = g_build_filename (case_dir, "exports", NULL);
  g_assert_true (g_str_has_prefix (trawl_export_dialog_get_result_dir (d), exports));
  manifest = g_build_filename (trawl_export_dialog_get_result_dir (d), "manifest.json", NULL);
  g_assert_true (g_file_test (manifest, G_FILE_TEST_IS_REGULAR));
  g_assert_true (trawl_export_dialog_get_verify_ok (d));
  v = library_verify (trawl_export_dialog_get_result_dir (d));
  g_assert_true (trawl_verify_report_ok (v));
  g_assert_true (v->is_signed && v->signature_ok);
  summary = trawl_export_dialog_get_summary (d);
  g_assert_nonnull (strstr (summary, v->manifest_sha256));
  g_assert_nonnull (strstr (summary, "Verify: OK"));
  g_assert_nonnull (strstr (summary, "asked for"));
  g_assert_nonnull (strstr (summary, "(derived: re-encoded, annotated)"));
  g_test_message ("%s", summary);
  dialog_screenshots (GTK_WIDGET (d), "export-done");
  gtk_window_destroy (GTK_WINDOW (d));

  /* the same window on the first camera only */
  {
    const char *only[] = { cameras[0], NULL };
    g_autoptr(TrawlVerifyReport) v2 = NULL;
    d = TRAWL_EXPORT_DIALOG (trawl_window_export_selected (win));
    trawl_export_dialog_set_margins (d, 0.5, 0.5);
    trawl_export_dialog_set_sign (d, FALSE);
    trawl_export_dialog_set_window_cameras (d, TRUE, only);
    g_assert_true (trawl_export_dialog_run (d));
    wait_export (d);
    g_assert_null (trawl_export_dialog_get_error (d));
    g_assert_true (trawl_export_dialog_get_verify_ok (d));
    g_assert_nonnull (strstr (trawl_export_dialog_get_result_dir (d), "window-"));
    v2 = library_verify (trawl_export_dialog_get_result_dir (d));
    g_assert_true (trawl_verify_report_ok (v2));
    g_assert_false (v2->is_signed);
    gtk_window_destroy (GTK_WINDOW (d));
  }
  gtk_window_destroy (GTK_WINDOW (win));
}

/* An export into a folder that cannot be made, one while another writer
 * holds the case, and one of a video whose bytes differ from the indexed
 * ones: the reason in the dialog, no folder, and the window goes on
 * answering. */
static void
test_export_errors (void)
{
  TrawlWindow *win;
  TrawlExportDialog *d;
  g_autofree char *tmp = g_dir_make_tmp ("trawl-gui-dest-XXXXXX", NULL);
  g_autofree char *blocker = g_build_filename (tmp, "a-file", NULL);
  g_autoptr(GError) error = NULL;

  if (clip_path == NULL)
    {
      g_test_skip ("ffmpeg CLI absent: no clip to export");
      return;
    }
  g_assert_true (g_file_set_contents (blocker, "not a folder", -1, &error));
  win = open_window ();
  select_hit_on (win, "AB12CDE", cameras[0]);
  d = TRAWL_EXPORT_DIALOG (trawl_window_export_selected (win));
  trawl_export_dialog_set_destination (d, blocker);
  g_assert_true (trawl_export_dialog_run (d));
  wait_export (d);
  g_assert_nonnull (trawl_export_dialog_get_error (d));
  g_assert_nonnull (strstr (trawl_export_dialog_get_error (d), "a-file"));
  g_assert_null (trawl_export_dialog_get_result_dir (d));
  g_test_message ("unwritable destination: %s", trawl_export_dialog_get_error (d));
  /* the form stays usable: into a folder that can be written, it works
   * (the export folder is made inside the one chosen) */
  trawl_export_dialog_set_destination (d, tmp);
  trawl_export_dialog_set_sign (d, FALSE);
  g_assert_true (trawl_export_dialog_run (d));
  wait_export (d);
  g_assert_cmpstr (trawl_export_dialog_get_error (d), ==, NULL);
  g_assert_true (trawl_export_dialog_get_verify_ok (d));
  g_assert_true (g_str_has_prefix (trawl_export_dialog_get_result_dir (d), tmp));
  gtk_window_destroy (GTK_WINDOW (d));

  /* cancelled at once: cancelled, or done with or without the verification
   * (the worker's race), and no half-made folder left in any case */
  {
    g_autoptr(GDir) listing = NULL;
    const char *name;
    d = TRAWL_EXPORT_DIALOG (trawl_window_export_selected (win));
    trawl_export_dialog_set_destination (d, tmp);
    g_assert_true (trawl_export_dialog_run (d));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (d), "export.cancel", NULL));
    wait_export (d);
    if (trawl_export_dialog_get_error (d) != NULL)
      {
        g_test_message ("cancelled export: %s", trawl_export_dialog_get_error (d));
        g_assert_nonnull (strstr (trawl_export_dialog_get_error (d), "cancelled"));
        g_assert_null (trawl_export_dialog_get_result_dir (d));
      }
    else
      {
        /* made; the cancel may still have stopped the verification */
        g_autoptr(TrawlVerifyReport) v = library_verify (trawl_export_dialog_get_result_dir (d));
        g_assert_true (trawl_verify_report_ok (v));
        g_assert_true (trawl_export_dialog_get_verify_ok (d)
                       || strstr (trawl_export_dialog_get_summary (d), "could not run") != NULL);
      }
    listing = g_dir_open (tmp, 0, &error);
    g_assert_no_error (error);
    while ((name = g_dir_read_name (listing)) != NULL)
      g_assert_null (strstr (name, ".partial"));
    gtk_window_destroy (GTK_WINDOW (d));
  }

  /* while another writer holds the case (an indexer, here this test) */
  {
    g_autoptr(TrawlCatalog) writer = trawl_catalog_open (case_dir, 0, &error);
    g_assert_no_error (error);
    d = TRAWL_EXPORT_DIALOG (trawl_window_export_selected (win));
    g_assert_true (trawl_export_dialog_run (d));
    wait_export (d);
    g_assert_nonnull (trawl_export_dialog_get_error (d));
    g_assert_nonnull (strstr (trawl_export_dialog_get_error (d), "being written"));
    g_assert_null (trawl_export_dialog_get_result_dir (d));
    gtk_window_destroy (GTK_WINDOW (d));
  }

  /* the second camera's video was recorded with another SHA-256 */
  select_hit_on (win, "AB12CDE", cameras[1]);
  d = TRAWL_EXPORT_DIALOG (trawl_window_export_selected (win));
  g_assert_true (trawl_export_dialog_run (d));
  wait_export (d);
  g_assert_nonnull (trawl_export_dialog_get_error (d));
  g_assert_nonnull (strstr (trawl_export_dialog_get_error (d), "CHANGED"));
  g_assert_null (trawl_export_dialog_get_result_dir (d));
  gtk_window_destroy (GTK_WINDOW (d));

  run_plate_query (win, "AB12CDE");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (trawl_window_get_selection (win))),
                    >, 0);
  trawl_test_remove_tree (tmp);
  gtk_window_destroy (GTK_WINDOW (win));
}

/* The report of the matching results is a PDF whose path the toast
 * gives; with no match there is nothing to report, and an unwritable
 * path ends in a message. */
static void
test_report (void)
{
  TrawlWindow *win = open_window ();
  g_autofree char *tmp = g_dir_make_tmp ("trawl-gui-report-XXXXXX", NULL);
  g_autofree char *pdf = g_build_filename (tmp, "report.pdf", NULL);
  g_autofree char *bad = g_build_filename (tmp, "report.pdf", "inside.pdf", NULL);
  g_autoptr(GFile) f = g_file_new_for_path (pdf);
  g_autoptr(GFile) fbad = g_file_new_for_path (bad);
  g_autoptr(GError) error = NULL;
  g_autofree char *bytes = NULL;
  gsize len = 0;

  run_plate_query (win, "ZZ0000000");
  g_assert_false (trawl_window_write_report (win, f));
  g_assert_nonnull (strstr (trawl_window_get_last_error (win), "Nothing to report"));

  run_plate_query (win, "AB*");
  g_assert_true (trawl_window_write_report (win, f));
  g_assert_true (trawl_window_is_busy (win));
  wait_idle (win);
  g_assert_true (g_file_get_contents (pdf, &bytes, &len, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (len, >, 4);
  g_assert_true (memcmp (bytes, "%PDF", 4) == 0);
  g_assert_nonnull (trawl_window_get_last_info (win));
  g_assert_nonnull (strstr (trawl_window_get_last_info (win), pdf));
  g_test_message ("%s", trawl_window_get_last_info (win));

  /* a path under a file */
  g_assert_true (trawl_window_write_report (win, fbad));
  wait_idle (win);
  g_assert_nonnull (strstr (trawl_window_get_last_error (win), "not written"));
  if (g_getenv ("TRAWL_GUI_KEEP_REPORT") != NULL)
    g_test_message ("kept %s", pdf);
  else
    {
      g_remove (pdf);
      g_rmdir (tmp);
    }
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
wait_index (TrawlWindow *win, TrawlIndexDialog *d)
{
  while (trawl_index_dialog_is_running (d))
    g_main_context_iteration (NULL, TRUE);
  wait_idle (win);
}

/* Footage added to an empty case through the Add Footage window: a run
 * cancelled at once leaves a case that opens; a full run indexes the clip
 * (detectors off, so no model is needed), lists the file that is not
 * video with its reason, sets the camera's clock offset and refreshes the
 * case summary. */
static void
test_add_footage (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("trawl-gui-index-XXXXXX", &error);
  g_autofree char *dir = g_build_filename (root, "case", NULL);
  g_autofree char *broken = g_build_filename (root, "broken.mp4", NULL);
  g_autoptr(GFile) fdir = g_file_new_for_path (dir);
  TrawlWindow *win;
  TrawlIndexDialog *d;
  const char *totals;

  if (clip_path == NULL)
    {
      g_test_skip ("ffmpeg CLI absent: no clip to index");
      return;
    }
  trawl_case_close (trawl_case_open (dir, TRAWL_CASE_CREATE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (broken, "this is not a video", -1, &error));
  win = trawl_window_new (app);
  gtk_window_present (GTK_WINDOW (win));
  trawl_window_open_case (win, fdir);
  wait_idle (win);
  g_assert_true (trawl_window_has_case (win));
  totals = trawl_case_summary_get_totals (trawl_window_get_case_summary (win));
  g_assert_nonnull (strstr (totals, "0 videos"));

  /* cancelled at once: either it stopped or it finished first; the case
   * opens either way */
  d = TRAWL_INDEX_DIALOG (trawl_window_add_footage (win));
  trawl_index_dialog_add_input (d, clip_path);
  trawl_index_dialog_set_camera (d, "door");
  trawl_index_dialog_set_detect (d, FALSE, FALSE);
  g_assert_true (trawl_index_dialog_start (d));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (d), "index.cancel", NULL));
  wait_index (win, d);
  g_assert_true (trawl_window_has_case (win));
  g_assert_null (trawl_window_get_last_error (win));
  g_assert_true (strstr (trawl_index_dialog_get_result_text (d), "Cancelled") != NULL
                 || strstr (trawl_index_dialog_get_result_text (d), "1 indexed") != NULL);
  {
    g_autoptr(TrawlCase) c = trawl_case_open (dir, TRAWL_CASE_READ, &error);
    g_assert_no_error (error);
    g_assert_nonnull (c);
  }

  /* a form that reads wrong is refused with the reason */
  d = TRAWL_INDEX_DIALOG (trawl_window_add_footage (win));
  g_assert_false (trawl_index_dialog_start (d));
  g_assert_nonnull (strstr (trawl_index_dialog_get_error (d), "Add video files"));
  trawl_index_dialog_add_input (d, clip_path);
  trawl_index_dialog_add_input (d, broken);
  trawl_index_dialog_set_camera (d, "door");
  trawl_index_dialog_set_detect (d, FALSE, FALSE);
  trawl_index_dialog_set_start_text (d, "yesterday-ish");
  g_assert_false (trawl_index_dialog_start (d));
  g_assert_nonnull (strstr (trawl_index_dialog_get_error (d), "Start time"));
  trawl_index_dialog_set_start_text (d, "2024-03-14 21:05");
  trawl_index_dialog_set_offset_text (d, "two seconds");
  g_assert_false (trawl_index_dialog_start (d));
  g_assert_nonnull (strstr (trawl_index_dialog_get_error (d), "Clock offset"));
  trawl_index_dialog_set_offset_text (d, "2.5");
  /* a start time is one file's start: two files of one camera are refused
   * by the run, and the dialog says why */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (d), "index.start", NULL));
  wait_index (win, d);
  g_test_message ("refused: %s | %s", trawl_index_dialog_get_result_text (d),
                  trawl_window_get_last_error (win) ? trawl_window_get_last_error (win) : "");
  g_assert_true (strstr (trawl_index_dialog_get_result_text (d), "one file") != NULL
                 || (trawl_window_get_last_error (win) != NULL
                     && strstr (trawl_window_get_last_error (win), "one file") != NULL));
  g_assert_cmpuint (trawl_index_dialog_get_n_progress (d), ==, 0);
  trawl_index_dialog_set_start_text (d, "");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (d), "index.start", NULL));
  g_assert_true (trawl_index_dialog_is_running (d));
  wait_index (win, d);
  g_assert_cmpuint (trawl_index_dialog_get_n_progress (d), >=, 1);
  g_assert_cmpuint (trawl_index_dialog_get_n_failures (d), ==, 1);
  g_assert_nonnull (strstr (trawl_index_dialog_get_failures_text (d), "broken.mp4"));
  g_test_message ("%s\n%s", trawl_index_dialog_get_result_text (d),
                  trawl_index_dialog_get_failures_text (d));
  totals = trawl_case_summary_get_totals (trawl_window_get_case_summary (win));
  g_test_message ("summary after: %s", totals);
  dialog_screenshots (GTK_WIDGET (d), "add-footage-done");
  g_assert_nonnull (strstr (totals, "1 cameras"));
  g_assert_nonnull (strstr (totals, "1 done"));
  {
    g_autoptr(TrawlCatalog) cat = trawl_catalog_open (dir, TRAWL_CATALOG_READONLY, &error);
    g_autoptr(GPtrArray) cams = NULL;
    g_assert_no_error (error);
    cams = trawl_catalog_list_cameras (cat, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (cams->len, ==, 1);
    g_assert_cmpstr (((TrawlCamera *) cams->pdata[0])->name, ==, "door");
    g_assert_cmpfloat (((TrawlCamera *) cams->pdata[0])->clock_offset_s, ==, 2.5);
  }
  gtk_window_destroy (GTK_WINDOW (d));
  gtk_window_destroy (GTK_WINDOW (win));
  trawl_test_remove_tree (root);
}

/* Footage with people through the same window, the face detector on
 * (needs the face models and the shared clip, a 3 s GIF): the run finds
 * face tracks and the refreshed summary shows as many as the catalog. */
static void
test_add_footage_faces (void)
{
  g_autofree char *model = trawl_test_need_model ("face-api/face_recognition_model.bin");
  g_autofree char *clip = model ? trawl_test_need_data ("videos/people/face-demographics-walking.gif")
                                : NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *root = NULL, *dir = NULL, *expect = NULL;
  g_autoptr(GFile) fdir = NULL;
  TrawlWindow *win;
  TrawlIndexDialog *d;
  TrawlCatalogStats st;

  if (clip == NULL)
    return;
  root = g_dir_make_tmp ("trawl-gui-faces-XXXXXX", &error);
  dir = g_build_filename (root, "case", NULL);
  fdir = g_file_new_for_path (dir);
  trawl_case_close (trawl_case_open (dir, TRAWL_CASE_CREATE, &error));
  g_assert_no_error (error);
  win = trawl_window_new (app);
  gtk_window_present (GTK_WINDOW (win));
  trawl_window_open_case (win, fdir);
  wait_idle (win);
  d = TRAWL_INDEX_DIALOG (trawl_window_add_footage (win));
  trawl_index_dialog_add_input (d, clip);
  trawl_index_dialog_set_camera (d, "hall");
  trawl_index_dialog_set_detect (d, TRUE, FALSE);
  g_assert_true (trawl_index_dialog_start (d));
  /* the running page, once it shows a report (screenshots only: whether
   * one comes before the end is the worker's timing) */
  while (g_getenv ("TRAWL_GUI_SCREENSHOT") != NULL && trawl_index_dialog_is_running (d))
    {
      g_main_context_iteration (NULL, TRUE);
      if (trawl_index_dialog_get_n_progress (d) > 0)
        {
          dialog_screenshots (GTK_WIDGET (d), "add-footage-running");
          break;
        }
    }
  wait_index (win, d);
  g_test_message ("%s", trawl_index_dialog_get_result_text (d));
  g_assert_cmpuint (trawl_index_dialog_get_n_failures (d), ==, 0);
  g_assert_nonnull (strstr (trawl_index_dialog_get_result_text (d), "1 indexed"));
  {
    g_autoptr(TrawlCatalog) cat = trawl_catalog_open (dir, TRAWL_CATALOG_READONLY, &error);
    g_assert_no_error (error);
    g_assert_true (trawl_catalog_get_stats (cat, &st, &error));
  }
  g_assert_cmpint (st.face_tracks, >, 0);
  expect = g_strdup_printf ("%" G_GINT64_FORMAT " face tracks", st.face_tracks);
  g_assert_nonnull (strstr (trawl_case_summary_get_totals (trawl_window_get_case_summary (win)),
                            expect));
  gtk_window_destroy (GTK_WINDOW (d));
  gtk_window_destroy (GTK_WINDOW (win));
  trawl_test_remove_tree (root);
}

static void
test_no_display (void)
{
  g_test_skip ("no display: run the suite under xvfb-run -a");
}

int
main (int argc, char **argv)
{
  int status;
  g_autofree char *config = g_dir_make_tmp ("trawl-gui-config-XXXXXX", NULL);

  /* The recent-cases file goes to a scratch config dir, not the user's
   * (G_TEST_OPTION_ISOLATE_DIRS would also hide the GSettings schemas). */
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check ())
    {
      g_test_add_func ("/ui/no-display", test_no_display);
      return g_test_run ();
    }
  adw_init ();
  /* Without a session bus (CI, Xvfb) GApplication warns that it cannot
   * acquire one; that is not ours to fail on. Criticals stay fatal. */
  g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL);
  app = gtk_application_new ("org.trawl.Test", G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, NULL);
  make_case ();
  g_test_add_func ("/ui/window/open-case", test_open_case);
  g_test_add_func ("/ui/window/not-a-case", test_not_a_case);
  g_test_add_func ("/ui/window/plate-query", test_plate_query);
  g_test_add_func ("/ui/window/player", test_player);
  g_test_add_func ("/ui/window/face-query", test_face_query);
  g_test_add_func ("/ui/window/bad-query", test_bad_query);
  g_test_add_func ("/ui/window/filters", test_filters);
  g_test_add_func ("/ui/about", test_about);
  g_test_add_func ("/ui/window/cancel", test_cancel);
  g_test_add_func ("/ui/window/close-while-searching", test_close_while_searching);
  g_test_add_func ("/ui/window/export", test_export);
  g_test_add_func ("/ui/window/export-errors", test_export_errors);
  g_test_add_func ("/ui/window/report", test_report);
  g_test_add_func ("/ui/window/add-footage", test_add_footage);
  g_test_add_func ("/ui/window/add-footage-faces", test_add_footage_faces);
  g_test_add_func ("/ui/window/time-to-results", test_time_to_results);
  status = g_test_run ();
  {
    g_autofree char *root = g_path_get_dirname (case_dir);
    trawl_test_remove_tree (root);
  }
  trawl_test_remove_tree (config);
  g_free (case_dir);
  g_free (clip_path);
  g_object_unref (app);
  return status;
}
