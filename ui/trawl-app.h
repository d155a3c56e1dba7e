/* trawl-app.h - the GtkApplication: actions, windows, opening cases. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TRAWL_TYPE_APP (trawl_app_get_type ())
G_DECLARE_FINAL_TYPE (TrawlApp, trawl_app, TRAWL, APP, GtkApplication)

TrawlApp *trawl_app_new (void);

G_END_DECLS
