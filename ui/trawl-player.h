/* trawl-player.h - the footage of one hit: frames decoded by libtrawl's
 * FFmpeg reader in a GTask thread, shown as textures; play/pause, frame
 * step, a scrubber with a mark at every sighting of the track, the
 * detection box over the frame, and the wall-clock time. */
#pragma once

#include <gtk/gtk.h>
#include <trawl/search.h>

G_BEGIN_DECLS

#define TRAWL_TYPE_PLAYER (trawl_player_get_type ())
G_DECLARE_FINAL_TYPE (TrawlPlayer, trawl_player, TRAWL, PLAYER, GtkWidget)

/* Opens hit's video at hit->jump_pts_s (decoding starts in a worker; the
 * frame appears when it is ready). hit is copied from; sightings (transfer
 * full, nullable: TrawlSighting* of the hit's track in time order) give
 * the scrubber's marks and the boxes. A video that cannot be read shows
 * its error in the player and in the "error" signal. */
void        trawl_player_open (TrawlPlayer *self, const TrawlSearchHit *hit, GPtrArray *sightings);
/* Stops playback and shows nothing. */
void        trawl_player_close (TrawlPlayer *self);
/* Asks for the frame at pts (seconds of video time). */
void        trawl_player_seek (TrawlPlayer *self, double pts);

/* The state, for tests and the window. */
gboolean    trawl_player_is_busy (TrawlPlayer *self);
double      trawl_player_get_pts (TrawlPlayer *self);      /* NAN before the first frame */
guint       trawl_player_get_n_frames_shown (TrawlPlayer *self);
GdkPaintable *trawl_player_get_paintable (TrawlPlayer *self);  /* transfer none, nullable */
/* Whether a sighting's box is drawn over the frame shown now. */
gboolean    trawl_player_has_box (TrawlPlayer *self);
const char *trawl_player_get_status (TrawlPlayer *self);

G_END_DECLS
