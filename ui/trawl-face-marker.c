/* trawl-face-marker.c - TrawlFaceMarker: the photo in a GtkPicture, a
 * drawing area over it that follows a drag, and the mapping between the
 * widget and the photo's pixels (the picture keeps the aspect ratio and
 * centres the photo). */
#include "trawl-face-marker.h"

#include <trawl/image.h>

struct _TrawlFaceMarker
{
  AdwWindow       parent_instance;

  GtkPicture     *picture;
  GtkDrawingArea *area;       /* over the picture: the box being drawn */
  GtkButton      *apply_button;

  int             photo_w, photo_h;  /* px of the photo as the library loads it */
  gboolean        has_box;
  double          box[4];            /* photo px: x, y, w, h */
  double          drag_x, drag_y;    /* widget px where the drag began */
};

G_DEFINE_FINAL_TYPE (TrawlFaceMarker, trawl_face_marker, ADW_TYPE_WINDOW)

enum { SIGNAL_FACE_MARKED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* Scale and offset of the photo inside the area (same size as the picture). */
static void
fit (TrawlFaceMarker *self, double *s, double *ox, double *oy)
{
  double w = gtk_widget_get_width (GTK_WIDGET (self->area));
  double h = gtk_widget_get_height (GTK_WIDGET (self->area));

  *s = MIN (w / MAX (1, self->photo_w), h / MAX (1, self->photo_h));
  *ox = (w - self->photo_w * *s) / 2;
  *oy = (h - self->photo_h * *s) / 2;
}

void
trawl_face_marker_photo_to_widget (TrawlFaceMarker *self, double px, double py, double *x,
                                   double *y)
{
  double s, ox, oy;

  g_return_if_fail (TRAWL_IS_FACE_MARKER (self));
  fit (self, &s, &ox, &oy);
  *x = ox + px * s;
  *y = oy + py * s;
}

gboolean
trawl_face_marker_select (TrawlFaceMarker *self, double x0, double y0, double x1, double y1)
{
  double s, ox, oy, ax, ay, bx, by;

  g_return_val_if_fail (TRAWL_IS_FACE_MARKER (self), FALSE);
  fit (self, &s, &ox, &oy);
  if (s <= 0)
    return FALSE;
  ax = CLAMP ((MIN (x0, x1) - ox) / s, 0, self->photo_w);
  bx = CLAMP ((MAX (x0, x1) - ox) / s, 0, self->photo_w);
  ay = CLAMP ((MIN (y0, y1) - oy) / s, 0, self->photo_h);
  by = CLAMP ((MAX (y0, y1) - oy) / s, 0, self->photo_h);
  self->has_box = bx - ax >= 4 && by - ay >= 4;  /* a click is not a box */
  self->box[0] = ax;
  self->box[1] = ay;
  self->box[2] = bx - ax;
  self->box[3] = by - ay;
  gtk_widget_set_sensitive (GTK_WIDGET (self->apply_button), self->has_box);
  gtk_widget_queue_draw (GTK_WIDGET (self->area));
  return self->has_box;
}

gboolean
trawl_face_marker_get_box (TrawlFaceMarker *self, float box[4])
{
  g_return_val_if_fail (TRAWL_IS_FACE_MARKER (self), FALSE);
  for (int i = 0; i < 4 && self->has_box; i++)
    box[i] = (float) self->box[i];
  return self->has_box;
}

static void
draw_box (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
  TrawlFaceMarker *self = user_data;
  double s, ox, oy;

  (void) area;
  (void) width;
  (void) height;
  if (!self->has_box)
    return;
  fit (self, &s, &ox, &oy);
  cairo_set_source_rgba (cr, 1, 0.47, 0, 0.95);
  cairo_set_line_width (cr, 3);
  cairo_rectangle (cr, ox + self->box[0] * s, oy + self->box[1] * s, self->box[2] * s,
                   self->box[3] * s);
  cairo_stroke (cr);
}

static void
on_drag_begin_cb (GtkGestureDrag *drag, double x, double y, TrawlFaceMarker *self)
{
  (void) drag;
  self->drag_x = x;
  self->drag_y = y;
}

static void
on_drag_update_cb (GtkGestureDrag *drag, double dx, double dy, TrawlFaceMarker *self)
{
  (void) drag;
  trawl_face_marker_select (self, self->drag_x, self->drag_y, self->drag_x + dx,
                            self->drag_y + dy);
}

static void
apply_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  TrawlFaceMarker *self = TRAWL_FACE_MARKER (widget);

  (void) action;
  (void) param;
  if (!self->has_box)
    return;
  g_signal_emit (self, signals[SIGNAL_FACE_MARKED], 0, self->box[0], self->box[1], self->box[2],
                 self->box[3]);
  gtk_window_close (GTK_WINDOW (self));
}

static void
trawl_face_marker_class_init (TrawlFaceMarkerClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  /* face-marked (x, y, w, h): the box in photo px, confirmed. */
  signals[SIGNAL_FACE_MARKED] = g_signal_new ("face-marked", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 4, G_TYPE_DOUBLE, G_TYPE_DOUBLE,
                                              G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/trawl/Trawl/trawl-face-marker.ui");
  gtk_widget_class_bind_template_child (widget_class, TrawlFaceMarker, picture);
  gtk_widget_class_bind_template_child (widget_class, TrawlFaceMarker, area);
  gtk_widget_class_bind_template_child (widget_class, TrawlFaceMarker, apply_button);
  gtk_widget_class_install_action (widget_class, "marker.apply", NULL, apply_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
trawl_face_marker_init (TrawlFaceMarker *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_drawing_area_set_draw_func (self->area, draw_box, self, NULL);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self->area), "crosshair");
  g_signal_connect_object (drag, "drag-begin", G_CALLBACK (on_drag_begin_cb), self, 0);
  g_signal_connect_object (drag, "drag-update", G_CALLBACK (on_drag_update_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self->area), GTK_EVENT_CONTROLLER (drag));
}

TrawlFaceMarker *
trawl_face_marker_new (GtkWindow *parent, GFile *photo, GError **error)
{
  g_autofree char *path = g_file_get_path (photo);
  g_autoptr(TrawlImage) img = NULL;
  g_autoptr(GBytes) pixels = NULL;
  g_autoptr(GdkTexture) tex = NULL;
  TrawlFaceMarker *self;

  g_return_val_if_fail (G_IS_FILE (photo), NULL);
  /* The library's loader, so the box is in the pixels search will see
   * (EXIF rotation applied), which GTK's own loaders would not promise. */
  img = path != NULL ? trawl_image_load (path, error) : NULL;
  if (img == NULL)
    {
      if (path == NULL)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                             "The photo is not a local file.");
      return NULL;
    }
  pixels = g_bytes_new (img->data, (gsize) img->stride * img->height);
  tex = gdk_memory_texture_new (img->width, img->height, GDK_MEMORY_R8G8B8, pixels, img->stride);
  self = g_object_new (TRAWL_TYPE_FACE_MARKER, "transient-for", parent, "modal", TRUE, NULL);
  self->photo_w = img->width;
  self->photo_h = img->height;
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (tex));
  return self;
}
