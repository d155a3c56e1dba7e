/* trawl-recent.h - the recently opened cases, remembered across runs in a
 * GKeyFile under the user's config folder ($XDG_CONFIG_HOME/trawl/recent.ini). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TRAWL_RECENT_MAX 8

/* The case folders opened last, newest first (g_strfreev; never NULL,
 * maybe empty). Folders that no longer exist are left out. */
char   **trawl_recent_cases_load (void);
/* Puts dir first in the list and saves it. FALSE with error set when the
 * file cannot be written (the list in memory is not kept elsewhere). */
gboolean trawl_recent_cases_add (const char *dir, GError **error);

G_END_DECLS
