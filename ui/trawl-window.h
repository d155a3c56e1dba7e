/* trawl-window.h - the main window: case, query, results. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TRAWL_TYPE_WINDOW (trawl_window_get_type ())
G_DECLARE_FINAL_TYPE (TrawlWindow, trawl_window, TRAWL, WINDOW, GtkApplicationWindow)

TrawlWindow *trawl_window_new (GtkApplication *app);
/* Shows CASE's path in the window; the case is read by libtrawl. */
void         trawl_window_set_case (TrawlWindow *self, GFile *case_dir);
const char  *trawl_window_get_status (TrawlWindow *self);

G_END_DECLS
