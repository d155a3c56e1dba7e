/* trawl-window-private.h - TrawlWindow's state, shared by trawl-window.c
 * (case, search, results, player), trawl-window-actions.c (the win.*
 * actions and their shortcuts) and trawl-window-evidence.c (export,
 * report, adding footage). */
#pragma once

#include "trawl-hit.h"
#include "trawl-index-dialog.h"
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
  char               *last_info;       /* the last message shown as news */
  gboolean            disposed;        /* workers may finish after dispose */

  char               *case_dir;        /* owned; the open case's folder, or NULL */
  char              **cameras;         /* owned; the open case's camera names */
  char               *query_json;      /* owned; the query running now */
  char               *results_query;   /* owned; the query of the results shown */
  gboolean            reporting;       /* a PDF report is written in a worker */
  gboolean            refreshing;      /* reopening the case after footage was added:
                                        * the results and the player stay */
  gboolean            refresh_pending; /* footage was added while busy: reopen when free */
  TrawlIndexDialog   *index_dialog;    /* weak; the Add Footage window, if open */
};

/* A toast with message, kept as the last error (for tests). */
void _trawl_window_show_error (TrawlWindow *self, const char *message);
/* A toast with news (kept as the last info); with open_path (nullable)
 * its button opens that file or folder. */
void _trawl_window_show_info (TrawlWindow *self, const char *message, const char *open_path);
/* Shows the spinner and enables the actions that fit the state. */
void _trawl_window_update_busy (TrawlWindow *self);
/* Reopens the case (new footage in it) keeping the results, now or, when
 * a search or an open is running, once it ends. */
void _trawl_window_refresh_case (TrawlWindow *self);
/* Asks for the report's file (a save chooser), then writes it. */
void _trawl_window_choose_report (TrawlWindow *self);
/* Runs the query panel's query in a worker, unless one runs already. */
void _trawl_window_search (TrawlWindow *self);
void _trawl_window_cancel_search (TrawlWindow *self);
/* Installs the win.* actions and their keyboard shortcuts. */
void _trawl_window_class_add_actions (GtkWidgetClass *widget_class);

G_END_DECLS
