/* trawl-timeline.c - TrawlTimeline: lanes, marks and the route, drawn
 * with cairo from the hits' times; the layout is recomputed for each
 * snapshot and kept for hit-testing clicks. */
#include "trawl-timeline.h"

#include <math.h>

#define LANE_H    26.0   /* px per camera lane */
#define LABEL_W   110.0  /* px for the camera names on the left */
#define AXIS_H    22.0   /* px for the time axis at the bottom */
#define PAD       10.0   /* px */
#define HIT_SLOP  10.0   /* px: how near a click must be to a mark */

typedef struct {
  guint  pos;    /* position in the selection model */
  double x, y;   /* px, centre of the mark */
  double x_end;  /* px, end of the track's span */
  gboolean match;
} Mark;

struct _TrawlTimeline
{
  GtkWidget           parent_instance;

  GtkSingleSelection *selection;  /* owned ref, or NULL */
  TrawlResultsRef    *results;    /* owned ref, or NULL */
  GPtrArray          *lanes;      /* of char*: camera names, lane order */
  GArray             *marks;      /* of Mark: laid out at the last snapshot */
  GArray             *route;      /* of guint: model positions, route order */
  double              t0, t1;     /* UTC span drawn */
  guint               n_untimed;  /* hits without a wall-clock time */
};

G_DEFINE_FINAL_TYPE (TrawlTimeline, trawl_timeline, GTK_TYPE_WIDGET)

static const TrawlSearchHit *
hit_at (TrawlTimeline *self, guint pos)
{
  g_autoptr(TrawlHit) item = g_list_model_get_item (G_LIST_MODEL (self->selection), pos);
  return item != NULL ? trawl_hit_get_hit (item) : NULL;
}

static guint
lane_of (TrawlTimeline *self, const char *camera)
{
  for (guint i = 0; i < self->lanes->len; i++)
    if (g_strcmp0 (self->lanes->pdata[i], camera) == 0)
      return i;
  g_ptr_array_add (self->lanes, g_strdup (camera));
  return self->lanes->len - 1;
}

/* Times and lanes of the hits, independent of the widget's size. */
static void
collect (TrawlTimeline *self)
{
  guint n = self->selection != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->selection)) : 0;

  g_array_set_size (self->marks, 0);
  self->t0 = self->t1 = NAN;
  self->n_untimed = 0;
  for (guint i = 0; i < n; i++)
    {
      const TrawlSearchHit *h = hit_at (self, i);
      Mark m = { .pos = i, .match = h->match };
      if (isnan (h->first_utc))
        {
          self->n_untimed++;
          continue;
        }
      m.y = lane_of (self, h->camera);
      m.x = h->first_utc;
      m.x_end = isnan (h->last_utc) ? h->first_utc : h->last_utc;
      if (isnan (self->t0) || m.x < self->t0)
        self->t0 = m.x;
      if (isnan (self->t1) || m.x_end > self->t1)
        self->t1 = m.x_end;
      g_array_append_val (self->marks, m);
    }
}

static void
collect_route (TrawlTimeline *self)
{
  g_autoptr(GPtrArray) route = NULL;
  guint n;

  g_array_set_size (self->route, 0);
  if (self->results == NULL || self->selection == NULL)
    return;
  route = trawl_search_results_route (trawl_results_ref_get (self->results));
  n = g_list_model_get_n_items (G_LIST_MODEL (self->selection));
  for (guint r = 0; r < route->len; r++)
    for (guint i = 0; i < n; i++)
      if (hit_at (self, i) == route->pdata[r])
        {
          g_array_append_val (self->route, i);
          break;
        }
}

static double
x_of (TrawlTimeline *self, double utc, double width)
{
  double span = self->t1 - self->t0;
  double w = width - LABEL_W - 2 * PAD;

  if (!(span > 0))
    return LABEL_W + PAD + w / 2;
  return LABEL_W + PAD + (utc - self->t0) / span * w;
}

static void
layout (TrawlTimeline *self, double width)
{
  collect (self);
  for (guint i = 0; i < self->marks->len; i++)
    {
      Mark *m = &g_array_index (self->marks, Mark, i);
      m->x_end = x_of (self, m->x_end, width);
      m->x = x_of (self, m->x, width);
      m->y = PAD + (m->y + 0.5) * LANE_H;
    }
}

static const Mark *
mark_of (TrawlTimeline *self, guint pos)
{
  for (guint i = 0; i < self->marks->len; i++)
    if (g_array_index (self->marks, Mark, i).pos == pos)
      return &g_array_index (self->marks, Mark, i);
  return NULL;
}

static void
draw_axis (TrawlTimeline *self, cairo_t *cr, PangoLayout *pl, double width, double height)
{
  for (int k = 0; k <= 4 && !isnan (self->t0); k++)
    {
      double t = self->t0 + (self->t1 - self->t0) * k / 4.0;
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local ((gint64) floor (t));
      g_autofree char *text = dt != NULL ? g_date_time_format (dt, "%m-%d %H:%M:%S") : NULL;
      int tw, th;
      double x = x_of (self, t, width);
      if (text == NULL)
        continue;
      pango_layout_set_text (pl, text, -1);
      pango_layout_get_pixel_size (pl, &tw, &th);
      cairo_move_to (cr, CLAMP (x - tw / 2.0, LABEL_W, width - tw), height - AXIS_H + 2);
      pango_cairo_show_layout (cr, pl);
    }
  if (self->n_untimed > 0)
    {
      g_autofree char *text = g_strdup_printf ("%u without a time", self->n_untimed);
      pango_layout_set_text (pl, text, -1);
      cairo_move_to (cr, PAD, height - AXIS_H + 2);
      pango_cairo_show_layout (cr, pl);
    }
}

static void
draw (TrawlTimeline *self, cairo_t *cr, double width, double height)
{
  GdkRGBA fg;
  PangoLayout *pl = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  guint selected = self->selection != NULL ? gtk_single_selection_get_selected (self->selection)
                                           : GTK_INVALID_LIST_POSITION;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  for (guint i = 0; i < self->lanes->len; i++)
    {
      double y = PAD + i * LANE_H;
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, i % 2 ? 0.04 : 0.08);
      cairo_rectangle (cr, 0, y, width, LANE_H);
      cairo_fill (cr);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.8);
      pango_layout_set_text (pl, self->lanes->pdata[i], -1);
      pango_layout_set_width (pl, (int) (LABEL_W - PAD) * PANGO_SCALE);
      pango_layout_set_ellipsize (pl, PANGO_ELLIPSIZE_END);
      cairo_move_to (cr, PAD, y + 4);
      pango_cairo_show_layout (cr, pl);
    }
  pango_layout_set_width (pl, -1);
  /* The route: matching hits in time order, one line through them. */
  cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 0.6);
  cairo_set_line_width (cr, 2);
  for (guint r = 0; r < self->route->len; r++)
    {
      const Mark *m = mark_of (self, g_array_index (self->route, guint, r));
      if (m != NULL)
        (r == 0 ? cairo_move_to : cairo_line_to) (cr, m->x, m->y);
    }
  cairo_stroke (cr);
  for (guint i = 0; i < self->marks->len; i++)
    {
      const Mark *m = &g_array_index (self->marks, Mark, i);
      if (m->match)
        cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 1);
      else
        cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.45);
      cairo_rectangle (cr, m->x - 1, m->y - 3, MAX (2.0, m->x_end - m->x + 2), 6);
      cairo_fill (cr);
      cairo_arc (cr, m->x, m->y, m->pos == selected ? 7 : 5, 0, 2 * G_PI);
      cairo_fill (cr);
      if (m->pos == selected)
        {
          cairo_set_source_rgba (cr, 0.9, 0.38, 0, 1);
          cairo_arc (cr, m->x, m->y, 9, 0, 2 * G_PI);
          cairo_stroke (cr);
        }
    }
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.7);
  draw_axis (self, cr, pl, width, height);
  g_object_unref (pl);
}

static void
trawl_timeline_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  TrawlTimeline *self = TRAWL_TIMELINE (widget);
  double w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  cairo_t *cr;

  layout (self, w);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  draw (self, cr, w, h);
  cairo_destroy (cr);
}

static void
trawl_timeline_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                        int *minimum, int *natural, int *min_baseline, int *nat_baseline)
{
  TrawlTimeline *self = TRAWL_TIMELINE (widget);

  (void) for_size;
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = (int) (LABEL_W + 200);
  else
    *minimum = *natural = (int) (2 * PAD + MAX (1u, self->lanes->len) * LANE_H + AXIS_H);
  *min_baseline = *nat_baseline = -1;
}

static void
on_pressed_cb (GtkGestureClick *gesture, int n_press, double x, double y, TrawlTimeline *self)
{
  (void) gesture;
  (void) n_press;
  trawl_timeline_select_at (self, x, y);
}

static void
on_model_changed_cb (TrawlTimeline *self)
{
  collect (self);
  collect_route (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

static void
trawl_timeline_dispose (GObject *object)
{
  TrawlTimeline *self = TRAWL_TIMELINE (object);

  trawl_timeline_set_results (self, NULL, NULL);
  G_OBJECT_CLASS (trawl_timeline_parent_class)->dispose (object);
}

static void
trawl_timeline_finalize (GObject *object)
{
  TrawlTimeline *self = TRAWL_TIMELINE (object);

  g_ptr_array_unref (self->lanes);
  g_array_unref (self->marks);
  g_array_unref (self->route);
  G_OBJECT_CLASS (trawl_timeline_parent_class)->finalize (object);
}

static void
trawl_timeline_class_init (TrawlTimelineClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = trawl_timeline_dispose;
  G_OBJECT_CLASS (klass)->finalize = trawl_timeline_finalize;
  widget_class->snapshot = trawl_timeline_snapshot;
  widget_class->measure = trawl_timeline_measure;
  gtk_widget_class_set_css_name (widget_class, "timeline");
}

static void
trawl_timeline_init (TrawlTimeline *self)
{
  GtkGesture *click = gtk_gesture_click_new ();

  self->lanes = g_ptr_array_new_with_free_func (g_free);
  self->marks = g_array_new (FALSE, FALSE, sizeof (Mark));
  self->route = g_array_new (FALSE, FALSE, sizeof (guint));
  g_signal_connect_object (click, "pressed", G_CALLBACK (on_pressed_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self),
                               "One lane per camera; blue marks pass the threshold and the line "
                               "joins them in time (the route). Click a mark to open it.");
}

GtkWidget *
trawl_timeline_new (void)
{
  return g_object_new (TRAWL_TYPE_TIMELINE, NULL);
}

void
trawl_timeline_set_cameras (TrawlTimeline *self, const char *const *names)
{
  g_return_if_fail (TRAWL_IS_TIMELINE (self));
  g_ptr_array_set_size (self->lanes, 0);
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    g_ptr_array_add (self->lanes, g_strdup (names[i]));
  on_model_changed_cb (self);
}

void
trawl_timeline_set_results (TrawlTimeline *self, GtkSingleSelection *selection,
                            TrawlResultsRef *rr)
{
  g_return_if_fail (TRAWL_IS_TIMELINE (self));
  if (self->selection != NULL)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_clear_object (&self->selection);
  g_clear_pointer (&self->results, trawl_results_ref_unref);
  if (selection != NULL)
    {
      self->selection = g_object_ref (selection);
      g_signal_connect_swapped (selection, "items-changed", G_CALLBACK (on_model_changed_cb), self);
      g_signal_connect_swapped (selection, "selection-changed",
                                G_CALLBACK (gtk_widget_queue_draw), self);
    }
  if (rr != NULL)
    self->results = trawl_results_ref_ref (rr);
  on_model_changed_cb (self);
}

guint
trawl_timeline_get_n_marks (TrawlTimeline *self)
{
  g_return_val_if_fail (TRAWL_IS_TIMELINE (self), 0);
  return self->marks->len;
}

guint
trawl_timeline_get_n_route (TrawlTimeline *self)
{
  g_return_val_if_fail (TRAWL_IS_TIMELINE (self), 0);
  return self->route->len;
}

gboolean
trawl_timeline_get_mark_point (TrawlTimeline *self, guint pos, double *x, double *y)
{
  const Mark *m;

  g_return_val_if_fail (TRAWL_IS_TIMELINE (self), FALSE);
  layout (self, gtk_widget_get_width (GTK_WIDGET (self)));
  m = mark_of (self, pos);
  if (m == NULL)
    return FALSE;
  *x = m->x;
  *y = m->y;
  return TRUE;
}

gboolean
trawl_timeline_select_at (TrawlTimeline *self, double x, double y)
{
  double best = HIT_SLOP * HIT_SLOP;
  guint pos = GTK_INVALID_LIST_POSITION;

  g_return_val_if_fail (TRAWL_IS_TIMELINE (self), FALSE);
  if (self->selection == NULL)
    return FALSE;
  layout (self, gtk_widget_get_width (GTK_WIDGET (self)));
  for (guint i = 0; i < self->marks->len; i++)
    {
      const Mark *m = &g_array_index (self->marks, Mark, i);
      double d = (m->x - x) * (m->x - x) + (m->y - y) * (m->y - y);
      if (d <= best)
        {
          best = d;
          pos = m->pos;
        }
    }
  if (pos == GTK_INVALID_LIST_POSITION)
    return FALSE;
  gtk_single_selection_set_selected (self->selection, pos);
  return TRUE;
}
