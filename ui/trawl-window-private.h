/* trawl-window-private.h - TrawlWindow's state, shared by trawl-window.c
 * (case, search, results, player) and trawl-window-actions.c (the win.*
 * actions and their shortcuts). */
#pragma once

#include "trawl-hit.h"
#include "trawl-window.h"

G_BEGIN_DECLS

struct _TrawlWindow
{
  AdwApplicationWindow parent_instance;

  /* template children */
  AdwToastOverlay    *toast_overlay;
  AdwWindowTitle     *window_title;
  GtkMenuButton      *recent_button;
  GtkSpinner         *spinner;
  GtkButton          *cancel_button;
  TrawlCaseSummary   *case_summary;
  TrawlQueryPanel    *query_panel;
  GtkLabel           *results_label;
  GtkDropDown        *sort_dropdown;
  GtkStack           *results_stack;
  AdwStatusPage      *status_page;
  GtkGridView        *grid_view;
  TrawlPlayer        *player;
  TrawlTimeline      *timeline;

  TrawlSearch        *search;          /* owned; NULL until a case is open */
  gboolean            opening;         /* a case opens in a worker */
  gboolean            searching;       /* a query runs in a worker (search in use) */
  GCancellable       *search_cancel;   /* owned while searching */
  gint64              search_start_us; /* monotonic, when the action fired */
  double              last_query_ms;

  TrawlResultsRef    *results;         /* owned, or NULL */
  GtkCustomSorter    *sorter;          /* owned; by score or by time */
  GtkSortListModel   *sorted;          /* owned */
  GtkSingleSelection *selection;       /* owned; shared by grid and timeline */
  char               *last_error;      /* the last message shown as an error */
  gboolean            disposed;        /* workers may finish after dispose */
};

/* A toast with message, kept as the last error (for tests). */
void _trawl_window_show_error (TrawlWindow *self, const char *message);
/* Runs the query panel's query in a worker, unless one runs already. */
void _trawl_window_search (TrawlWindow *self);
void _trawl_window_cancel_search (TrawlWindow *self);
/* Installs the win.* actions and their keyboard shortcuts. */
void _trawl_window_class_add_actions (GtkWidgetClass *widget_class);

G_END_DECLS
