/* trawl-window.h - the main window: one case, its query, results, timeline
 * and player. Owns the case's TrawlSearch and runs queries in a worker. */
#pragma once

#include <adwaita.h>

#include "trawl-case-summary.h"
#include "trawl-player.h"
#include "trawl-query-panel.h"
#include "trawl-timeline.h"

G_BEGIN_DECLS

#define TRAWL_TYPE_WINDOW (trawl_window_get_type ())
G_DECLARE_FINAL_TYPE (TrawlWindow, trawl_window, TRAWL, WINDOW, AdwApplicationWindow)

TrawlWindow *trawl_window_new (GtkApplication *app);
/* Opens the case folder dir in a worker thread; the window shows it when
 * ready, or a toast saying why it could not (the previous case stays). */
void         trawl_window_open_case (TrawlWindow *self, GFile *dir);

/* What a drop of file on the window does: a folder opens as a case, an
 * image becomes a face photo of the query, anything else is refused with
 * a message. */
void         trawl_window_drop_file (TrawlWindow *self, GFile *file);
/* Opens the export dialog for the selected hit (transfer none: it owns
 * itself); NULL with a toast when nothing is selected or no case is open. */
GtkWindow   *trawl_window_export_selected (TrawlWindow *self);
/* Writes the PDF case report of the matching results shown (their tracks,
 * and the query that found them) to pdf, replacing it, in a worker; a
 * toast gives the path or the error. FALSE (with a toast) when there is
 * nothing to report or a report is being written. */
gboolean     trawl_window_write_report (TrawlWindow *self, GFile *pdf);
/* Opens the Add Footage window for the open case (the running one when
 * footage is being added; transfer none); NULL with a toast without a
 * case. When a run ends the case is reopened to show the new footage. */
GtkWindow   *trawl_window_add_footage (TrawlWindow *self);
/* Orders the tiles by time (TRUE) or by score (FALSE), as the sort menu. */
void         trawl_window_set_sort_by_time (TrawlWindow *self, gboolean by_time);

/* State and parts, for tests. */
gboolean          trawl_window_is_busy (TrawlWindow *self);  /* opening, searching, reporting */
gboolean          trawl_window_has_case (TrawlWindow *self);
const char       *trawl_window_get_last_error (TrawlWindow *self);  /* nullable */
const char       *trawl_window_get_last_info (TrawlWindow *self);   /* nullable */
/* The results as shown (sorted), with the selection (transfer none). */
GtkSingleSelection *trawl_window_get_selection (TrawlWindow *self);
GtkGridView      *trawl_window_get_grid (TrawlWindow *self);
TrawlQueryPanel  *trawl_window_get_query_panel (TrawlWindow *self);
TrawlCaseSummary *trawl_window_get_case_summary (TrawlWindow *self);
TrawlTimeline    *trawl_window_get_timeline (TrawlWindow *self);
TrawlPlayer      *trawl_window_get_player (TrawlWindow *self);
/* Milliseconds from the search action to the results on screen, for the
 * last query (NAN before one). */
double            trawl_window_get_last_query_ms (TrawlWindow *self);

G_END_DECLS
