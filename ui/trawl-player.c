/* trawl-player.c - TrawlPlayer: a small decode loop on top of
 * trawl/video.h. One GTask at a time owns the decoder (the reader and its
 * position); the widget only ever sees finished RGB frames, turned into
 * GdkMemoryTextures on the main thread.
 *
 * trawl/video.h reads forward only, so a seek backwards reopens the file
 * and decodes from the start, and a seek forwards decodes up to the
 * target: fine for the minutes-long clips of a case, slow for hours (a
 * seek in the reader would fix that; see the report of this branch).
 *
 * States: CLOSED -> IDLE [open] ; IDLE -> BUSY [seek, step, play tick]
 *         BUSY -> IDLE [frame shown, or error shown] ; any -> CLOSED [close]
 */
#include "trawl-player.h"
#include "trawl-hit.h"

#include <math.h>
#include <trawl/base.h>
#include <trawl/video.h>

/* The decoder: owned by the player when idle, by the running task while
 * busy (so the widget can go away while a frame decodes). */
typedef struct {
  char             *path;
  TrawlVideoReader *reader;  /* NULL until the first request */
  double            pts;     /* pts of the last frame read; -inf before any */
  double            fps, duration_s;
  int               width, height;
} Decoder;

typedef struct {
  Decoder *dec;
  double   target;      /* pts wanted; NAN: the next frame */
  GBytes  *pixels;      /* RGB24 rows, result */
  int      w, h, stride;
  double   pts;
  guint    generation;  /* the player's open count when asked */
} Job;

struct _TrawlPlayer
{
  GtkWidget       parent_instance;

  GtkPicture     *picture;
  GtkDrawingArea *box_area;      /* over the picture: the detection box */
  GtkButton      *play_button;
  GtkScale       *scrubber;      /* pts, s */
  GtkLabel       *title_label;
  GtkLabel       *time_label;
  GtkLabel       *status_label;

  Decoder        *dec;           /* NULL while a task holds it or when closed */
  gboolean        busy;
  double          pending;       /* seek asked while busy (NAN: none) */
  guint           generation;    /* bumped by open/close: stale frames are dropped */
  GCancellable   *cancellable;

  GPtrArray      *sightings;     /* of TrawlSighting*, or NULL */
  double          first_pts, first_utc;  /* the hit's, for wall-clock time */
  double          pts;           /* of the frame shown; NAN before one */
  int             frame_w, frame_h;
  guint           n_frames;
  gboolean        playing;
  guint           tick_id;
};

G_DEFINE_FINAL_TYPE (TrawlPlayer, trawl_player, GTK_TYPE_WIDGET)

/* The template's root box is not a bound child: unparent it by hand. */
static void
unparent_children (GtkWidget *widget)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (widget)) != NULL)
    gtk_widget_unparent (child);
}

enum { SIGNAL_ERROR, N_SIGNALS };
static guint signals[N_SIGNALS];

static void request (TrawlPlayer *self, double target);

/* ---- the decoder (worker thread) ---- */

static void
decoder_free (Decoder *dec)
{
  if (dec == NULL)
    return;
  trawl_video_reader_free (dec->reader);
  g_free (dec->path);
  g_free (dec);
}

static gboolean
decoder_reopen (Decoder *dec, GError **error)
{
  const TrawlMediaInfo *info;

  g_clear_pointer (&dec->reader, trawl_video_reader_free);
  dec->reader = trawl_video_reader_open (dec->path, NULL, error);
  if (dec->reader == NULL)
    return FALSE;
  info = trawl_video_reader_get_info (dec->reader);
  dec->fps = info->fps > 0 ? info->fps : 25;
  dec->duration_s = info->duration_s;
  dec->width = info->width;
  dec->height = info->height;
  dec->pts = -INFINITY;
  return TRUE;
}

/* Reads to the first frame at or after target (the next one when target
 * is NAN; the last one when the stream ends first). */
static TrawlVideoFrame *
decoder_read (Decoder *dec, double target, GCancellable *cancellable, GError **error)
{
  TrawlVideoFrame *keep = NULL;
  double half;

  if (dec->reader == NULL || (!isnan (target) && target < dec->pts + 0.5 / dec->fps))
    if (!decoder_reopen (dec, error))
      return NULL;
  half = 0.5 / dec->fps;
  for (;;)
    {
      g_autoptr(GError) local = NULL;
      TrawlVideoFrame *f;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          trawl_video_frame_free (keep);
          return NULL;
        }
      f = trawl_video_reader_next (dec->reader, &local);
      if (f == NULL)
        {
          if (local != NULL && keep == NULL)
            g_propagate_error (error, g_steal_pointer (&local));
          else if (keep == NULL && isnan (target))
            g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "End of the video.");
          else if (keep == NULL)
            g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND,
                         "%s: no frame at or after %.2f s", dec->path, target);
          return keep;
        }
      dec->pts = f->pts_s;
      trawl_video_frame_free (keep);
      keep = f;
      if (isnan (target) || f->pts_s >= target - half)
        return keep;
    }
}

static void
decode_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;
  g_autoptr(TrawlVideoFrame) f = NULL;
  const TrawlImage *img;

  (void) source;
  f = decoder_read (job->dec, job->target, cancellable, &error);
  if (f == NULL || (img = trawl_video_frame_get_image (f, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  job->w = img->width;
  job->h = img->height;
  job->stride = img->stride;
  job->pts = f->pts_s;
  job->pixels = g_bytes_new (img->data, (gsize) img->stride * img->height);
  g_task_return_boolean (task, TRUE);
}

static void
job_free (Job *job)
{
  decoder_free (job->dec);
  g_clear_pointer (&job->pixels, g_bytes_unref);
  g_free (job);
}

/* ---- the widget (main thread) ---- */

static const TrawlSighting *
sighting_near (TrawlPlayer *self, double pts, double within)
{
  const TrawlSighting *best = NULL;

  for (guint i = 0; self->sightings != NULL && i < self->sightings->len; i++)
    {
      const TrawlSighting *s = self->sightings->pdata[i];
      if (fabs (s->pts_s - pts) <= within
          && (best == NULL || fabs (s->pts_s - pts) < fabs (best->pts_s - pts)))
        best = s;
    }
  return best;
}

static double
frame_period (TrawlPlayer *self)
{
  return self->dec != NULL && self->dec->fps > 0 ? 1.0 / self->dec->fps : 0.04;
}

static void
show_time (TrawlPlayer *self)
{
  g_autofree char *text = NULL;

  if (isnan (self->pts))
    text = g_strdup ("");
  else if (isnan (self->first_utc))
    text = g_strdup_printf ("no wall-clock time · %.2f s into the video", self->pts);
  else
    {
      /* in tenths, rounded once, so 02.1 does not print as 02.0 */
      gint64 tenths = llround ((self->first_utc + (self->pts - self->first_pts)) * 10);
      g_autofree char *local = trawl_hit_format_time ((double) (tenths / 10));
      text = g_strdup_printf ("%s.%d (local) · %.2f s into the video", local,
                              (int) (tenths % 10), self->pts);
    }
  gtk_label_set_text (self->time_label, text);
}

static void
show_frame (TrawlPlayer *self, Job *job)
{
  g_autoptr(GdkTexture) tex = gdk_memory_texture_new (job->w, job->h, GDK_MEMORY_R8G8B8,
                                                      job->pixels, job->stride);

  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (tex));
  self->frame_w = job->w;
  self->frame_h = job->h;
  self->pts = job->pts;
  self->n_frames++;
  gtk_range_set_value (GTK_RANGE (self->scrubber), job->pts);
  show_time (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->box_area));
}

static void
set_scrubber (TrawlPlayer *self, double duration)
{
  GtkAdjustment *adj = gtk_range_get_adjustment (GTK_RANGE (self->scrubber));

  if (duration <= 0 || gtk_adjustment_get_upper (adj) == duration)
    return;
  gtk_adjustment_configure (adj, gtk_adjustment_get_value (adj), 0, duration, frame_period (self),
                            1.0, 0);
  gtk_scale_clear_marks (self->scrubber);
  for (guint i = 0; self->sightings != NULL && i < self->sightings->len; i++)
    gtk_scale_add_mark (self->scrubber, ((TrawlSighting *) self->sightings->pdata[i])->pts_s,
                        GTK_POS_BOTTOM, NULL);
}

static void
set_playing (TrawlPlayer *self, gboolean playing);

static void
serve_pending (TrawlPlayer *self)
{
  double t = self->pending;

  if (isnan (t))
    return;
  self->pending = NAN;
  request (self, t);
}

static void
on_decoded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  TrawlPlayer *self = TRAWL_PLAYER (source);
  Job *job = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);

  self->busy = FALSE;
  if (job->generation != self->generation)
    {
      /* The player was closed or reopened meanwhile: drop this frame and
       * serve what the new video asked for. */
      serve_pending (self);
      return;
    }
  self->dec = g_steal_pointer (&job->dec);
  if (!ok)
    {
      set_playing (self, FALSE);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        {
          gtk_label_set_text (self->status_label, error->message);
          return;
        }
      gtk_label_set_text (self->status_label, error->message);
      g_signal_emit (self, signals[SIGNAL_ERROR], 0, error->message);
      return;
    }
  set_scrubber (self, self->dec->duration_s);
  show_frame (self, job);
  gtk_label_set_text (self->status_label, "");
  serve_pending (self);
}

/* Starts a decode of the frame at target (NAN: the next one), or keeps
 * the latest target for when the running one finishes. */
static void
request (TrawlPlayer *self, double target)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  if (self->busy)
    {
      if (!isnan (target))
        self->pending = target;
      return;
    }
  if (self->dec == NULL)
    return;
  job = g_new0 (Job, 1);
  job->dec = g_steal_pointer (&self->dec);
  job->target = target;
  job->generation = self->generation;
  self->busy = TRUE;
  task = g_task_new (self, self->cancellable, on_decoded, job);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_set_source_tag (task, request);
  g_task_run_in_thread (task, decode_thread);
}

static gboolean
on_tick (gpointer user_data)
{
  TrawlPlayer *self = user_data;

  if (!self->busy)
    request (self, NAN);
  return G_SOURCE_CONTINUE;
}

static void
set_playing (TrawlPlayer *self, gboolean playing)
{
  self->playing = playing && self->dec != NULL;
  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->playing)
    self->tick_id = g_timeout_add ((guint) (frame_period (self) * 1000), on_tick, self);
  gtk_button_set_icon_name (self->play_button, self->playing ? "media-playback-pause-symbolic"
                                                             : "media-playback-start-symbolic");
}

static void
toggle_play_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  TrawlPlayer *self = TRAWL_PLAYER (widget);

  (void) action;
  (void) param;
  set_playing (self, !self->playing);
}

static void
step_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  TrawlPlayer *self = TRAWL_PLAYER (widget);

  (void) param;
  set_playing (self, FALSE);
  if (isnan (self->pts))
    return;
  if (g_str_equal (action, "player.step-forward"))
    request (self, NAN);
  else
    request (self, MAX (0.0, self->pts - frame_period (self)));
}

static gboolean
on_scrubber_change_value_cb (GtkRange *range, GtkScrollType scroll, double value,
                             TrawlPlayer *self)
{
  (void) range;
  (void) scroll;
  set_playing (self, FALSE);
  trawl_player_seek (self, value);
  return FALSE;
}

static void
draw_box (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
  TrawlPlayer *self = user_data;
  double half = frame_period (self) / 2, s, ox, oy;
  const TrawlSighting *sg;

  (void) area;
  if (isnan (self->pts) || self->frame_w <= 0)
    return;
  /* Solid: a sighting of this very frame; dashed: the nearest within
   * half a second (the index samples fewer frames than the video has). */
  sg = sighting_near (self, self->pts, half);
  if (sg == NULL && (sg = sighting_near (self, self->pts, 0.5)) != NULL)
    {
      static const double dash[] = { 6, 4 };
      cairo_set_dash (cr, dash, 2, 0);
    }
  if (sg == NULL)
    return;
  /* GtkPicture keeps the aspect ratio and centres the frame. */
  s = MIN ((double) width / self->frame_w, (double) height / self->frame_h);
  ox = (width - self->frame_w * s) / 2;
  oy = (height - self->frame_h * s) / 2;
  cairo_set_source_rgba (cr, 1, 0.47, 0, 0.95);
  cairo_set_line_width (cr, 3);
  cairo_rectangle (cr, ox + sg->x * s, oy + sg->y * s, sg->w * s, sg->h * s);
  cairo_stroke (cr);
}

static void
trawl_player_dispose (GObject *object)
{
  TrawlPlayer *self = TRAWL_PLAYER (object);

  trawl_player_close (self);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (object), TRAWL_TYPE_PLAYER);
  unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (trawl_player_parent_class)->dispose (object);
}

static void
trawl_player_class_init (TrawlPlayerClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = trawl_player_dispose;
  /* error (message): a video could not be read. */
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/trawl/Trawl/trawl-player.ui");
  gtk_widget_class_bind_template_child (widget_class, TrawlPlayer, picture);
  gtk_widget_class_bind_template_child (widget_class, TrawlPlayer, box_area);
  gtk_widget_class_bind_template_child (widget_class, TrawlPlayer, play_button);
  gtk_widget_class_bind_template_child (widget_class, TrawlPlayer, scrubber);
  gtk_widget_class_bind_template_child (widget_class, TrawlPlayer, title_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlPlayer, time_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlPlayer, status_label);
  gtk_widget_class_bind_template_callback (widget_class, on_scrubber_change_value_cb);
  gtk_widget_class_install_action (widget_class, "player.toggle-play", NULL, toggle_play_activated);
  gtk_widget_class_install_action (widget_class, "player.step-forward", NULL, step_activated);
  gtk_widget_class_install_action (widget_class, "player.step-back", NULL, step_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_space, 0, "player.toggle-play", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_period, 0, "player.step-forward", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, 0, "player.step-back", NULL);
}

static void
trawl_player_init (TrawlPlayer *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->pts = self->pending = NAN;
  self->cancellable = g_cancellable_new ();
  gtk_drawing_area_set_draw_func (self->box_area, draw_box, self, NULL);
}

void
trawl_player_close (TrawlPlayer *self)
{
  g_return_if_fail (TRAWL_IS_PLAYER (self));
  set_playing (self, FALSE);
  self->generation++;
  /* A running task keeps its decoder and frees it when it ends. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_clear_pointer (&self->dec, decoder_free);
  g_clear_pointer (&self->sightings, g_ptr_array_unref);
  self->pts = self->pending = NAN;
  self->frame_w = self->frame_h = 0;
  if (self->picture != NULL)
    {
      gtk_picture_set_paintable (self->picture, NULL);
      gtk_label_set_text (self->title_label, "");
      gtk_label_set_text (self->time_label, "");
      gtk_label_set_text (self->status_label, "Choose a result to see it here.");
      gtk_scale_clear_marks (self->scrubber);
    }
}

void
trawl_player_open (TrawlPlayer *self, const TrawlSearchHit *hit, GPtrArray *sightings)
{
  g_autofree char *title = NULL;

  g_return_if_fail (TRAWL_IS_PLAYER (self));
  g_return_if_fail (hit != NULL);
  trawl_player_close (self);
  self->sightings = sightings;
  self->first_pts = hit->first_pts_s;
  self->first_utc = hit->first_utc;
  self->dec = g_new0 (Decoder, 1);
  self->dec->path = g_strdup (hit->video_path);
  self->dec->pts = -INFINITY;
  title = g_strdup_printf ("%s · %s", hit->camera,
                           hit->video_path != NULL ? hit->video_path : "(no video)");
  gtk_label_set_text (self->title_label, title);
  gtk_label_set_text (self->status_label, "Decoding…");
  /* Markers need the duration, known after the first frame (set_scrubber). */
  gtk_adjustment_configure (gtk_range_get_adjustment (GTK_RANGE (self->scrubber)), 0, 0, 0, 0.04,
                            1, 0);
  if (hit->video_path == NULL)
    {
      gtk_label_set_text (self->status_label, "This hit has no video file.");
      return;
    }
  request (self, hit->jump_pts_s);
}

void
trawl_player_seek (TrawlPlayer *self, double pts)
{
  g_return_if_fail (TRAWL_IS_PLAYER (self));
  request (self, MAX (0.0, pts));
}

gboolean
trawl_player_is_busy (TrawlPlayer *self)
{
  g_return_val_if_fail (TRAWL_IS_PLAYER (self), FALSE);
  return self->busy;
}

double
trawl_player_get_pts (TrawlPlayer *self)
{
  g_return_val_if_fail (TRAWL_IS_PLAYER (self), NAN);
  return self->pts;
}

guint
trawl_player_get_n_frames_shown (TrawlPlayer *self)
{
  g_return_val_if_fail (TRAWL_IS_PLAYER (self), 0);
  return self->n_frames;
}

GdkPaintable *
trawl_player_get_paintable (TrawlPlayer *self)
{
  g_return_val_if_fail (TRAWL_IS_PLAYER (self), NULL);
  return gtk_picture_get_paintable (self->picture);
}

gboolean
trawl_player_has_box (TrawlPlayer *self)
{
  g_return_val_if_fail (TRAWL_IS_PLAYER (self), FALSE);
  return !isnan (self->pts) && sighting_near (self, self->pts, 0.5) != NULL;
}

const char *
trawl_player_get_status (TrawlPlayer *self)
{
  g_return_val_if_fail (TRAWL_IS_PLAYER (self), NULL);
  return gtk_label_get_text (self->status_label);
}
