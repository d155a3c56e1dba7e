/* trawl-hit.h - one search hit as a GObject, the item of the results'
 * GListModel (grid, timeline and player all read it). Holds a reference
 * on the whole TrawlSearchResults it comes from, so a hit stays valid
 * after the window moved on to newer results. */
#pragma once

#include <gtk/gtk.h>
#include <trawl/search.h>

G_BEGIN_DECLS

#define TRAWL_TYPE_HIT (trawl_hit_get_type ())
G_DECLARE_FINAL_TYPE (TrawlHit, trawl_hit, TRAWL, HIT, GObject)

/* A refcounted TrawlSearchResults, shared by its hits (main thread only). */
typedef struct _TrawlResultsRef TrawlResultsRef;

/* Takes r (transfer full). */
TrawlResultsRef          *trawl_results_ref_new (TrawlSearchResults *r);
TrawlResultsRef          *trawl_results_ref_ref (TrawlResultsRef *rr);
void                      trawl_results_ref_unref (TrawlResultsRef *rr);
const TrawlSearchResults *trawl_results_ref_get (TrawlResultsRef *rr);

/* A GListStore of TrawlHit, one per hit of rr in rank order (transfer full). */
GListStore *trawl_hit_store_new (TrawlResultsRef *rr);

/* The hit (transfer none; valid while the TrawlHit lives). */
const TrawlSearchHit *trawl_hit_get_hit (TrawlHit *self);
/* The best sighting's thumbnail, or NULL when there is none (transfer none). */
GdkTexture           *trawl_hit_get_texture (TrawlHit *self);
/* Local wall-clock time of a UTC time (g_free); "time unknown" for NAN. */
char                 *trawl_hit_format_time (double utc);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlResultsRef, trawl_results_ref_unref)

G_END_DECLS
