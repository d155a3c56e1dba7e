/* trawl-app.h - the AdwApplication: app actions (about, quit), windows,
 * opening cases given on the command line. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TRAWL_TYPE_APP (trawl_app_get_type ())
G_DECLARE_FINAL_TYPE (TrawlApp, trawl_app, TRAWL, APP, AdwApplication)

TrawlApp  *trawl_app_new (void);
/* The About window for parent (transfer none: it is shown and owns itself). */
GtkWindow *trawl_app_show_about (GtkWindow *parent);

G_END_DECLS
