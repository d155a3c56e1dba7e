/* trawl-case-summary.h - the open case at a glance: footage hours and
 * span, videos (done, failed, pending), tracks and sightings, per camera. */
#pragma once

#include <gtk/gtk.h>
#include <trawl/case.h>

G_BEGIN_DECLS

#define TRAWL_TYPE_CASE_SUMMARY (trawl_case_summary_get_type ())
G_DECLARE_FINAL_TYPE (TrawlCaseSummary, trawl_case_summary, TRAWL, CASE_SUMMARY, GtkWidget)

/* Reads c's counts (a few catalog queries, on the calling thread) and
 * shows them. FALSE with error set when the catalog cannot be read; the
 * widget then shows nothing. */
gboolean    trawl_case_summary_set_case (TrawlCaseSummary *self, TrawlCase *c, GError **error);
void        trawl_case_summary_clear (TrawlCaseSummary *self);
/* The totals line as shown (transfer none), for tests. */
const char *trawl_case_summary_get_totals (TrawlCaseSummary *self);

G_END_DECLS
