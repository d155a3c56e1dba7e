/* trawl-timeline.h - the results in time: one lane per camera, a mark
 * per hit at its wall-clock time, the route (matching hits in time order)
 * drawn as a line through them. Clicking a mark selects that hit in the
 * shared selection model, as the grid does. */
#pragma once

#include <gtk/gtk.h>
#include "trawl-hit.h"

G_BEGIN_DECLS

#define TRAWL_TYPE_TIMELINE (trawl_timeline_get_type ())
G_DECLARE_FINAL_TYPE (TrawlTimeline, trawl_timeline, TRAWL, TIMELINE, GtkWidget)

GtkWidget *trawl_timeline_new (void);
/* The lanes to draw even when they hold no hit (the case's cameras). */
void       trawl_timeline_set_cameras (TrawlTimeline *self, const char *const *names);
/* selection: a GtkSingleSelection over TrawlHit items (its model may be
 * sorted any way); rr: the results they come from, for the route. Either
 * may be NULL to clear. */
void       trawl_timeline_set_results (TrawlTimeline *self, GtkSingleSelection *selection,
                                       TrawlResultsRef *rr);
/* Marks drawn (hits with a known time) and route points. */
guint      trawl_timeline_get_n_marks (TrawlTimeline *self);
guint      trawl_timeline_get_n_route (TrawlTimeline *self);
/* Selects the hit whose mark is nearest to widget point (x, y) within a
 * few pixels, as a click does; FALSE when none is that near. */
gboolean   trawl_timeline_select_at (TrawlTimeline *self, double x, double y);
/* Where the mark of model position pos is drawn; FALSE when it has none. */
gboolean   trawl_timeline_get_mark_point (TrawlTimeline *self, guint pos, double *x, double *y);

G_END_DECLS
