/* trawl-query-panel.h - the question: face photos (picked or dropped,
 * several pooled) or a plate (text with ? and *, or a photo), narrowed by
 * cameras and a time range. Builds a TrawlQuery; running it is the
 * window's job (action win.search, which Enter in the plate entry fires). */
#pragma once

#include <gtk/gtk.h>
#include <trawl/search.h>

G_BEGIN_DECLS

#define TRAWL_TYPE_QUERY_PANEL (trawl_query_panel_get_type ())
G_DECLARE_FINAL_TYPE (TrawlQueryPanel, trawl_query_panel, TRAWL, QUERY_PANEL, GtkWidget)

/* The cameras offered in the filter (none ticked = all); the ticks of
 * names offered before stay. names may be NULL. */
void         trawl_query_panel_set_cameras (TrawlQueryPanel *self, const char *const *names);
/* Ticks or unticks one camera of the filter; FALSE when it is not listed. */
gboolean     trawl_query_panel_set_camera_active (TrawlQueryPanel *self, const char *name,
                                                  gboolean active);
/* Adds a face photo and shows the face page. */
void         trawl_query_panel_add_face_photo (TrawlQueryPanel *self, GFile *file);
/* Sets (or with NULL clears) the plate photo and shows the plate page. */
void         trawl_query_panel_set_plate_photo (TrawlQueryPanel *self, GFile *file);
guint        trawl_query_panel_get_n_face_photos (TrawlQueryPanel *self);
/* The face meant in photo index, as a box in photo px (NULL: the largest
 * face, the default). */
void         trawl_query_panel_set_face_box (TrawlQueryPanel *self, guint index,
                                             const float *box);
gboolean     trawl_query_panel_get_face_box (TrawlQueryPanel *self, guint index, float box[4]);
/* Opens the face marker on photo index (transfer none: it closes itself
 * and sets the box when the person confirms); NULL after emitting "error"
 * when the photo cannot be read. */
GtkWindow   *trawl_query_panel_mark_face (TrawlQueryPanel *self, guint index);
/* The plate entry (transfer none). */
GtkEditable *trawl_query_panel_get_plate_entry (TrawlQueryPanel *self);
/* Shows the plate page and puts the focus in its entry. */
void         trawl_query_panel_focus_plate (TrawlQueryPanel *self);

/* Fills the time range entries as a person would type them (NULL leaves
 * one as it is). */
void         trawl_query_panel_set_time_text (TrawlQueryPanel *self, const char *from,
                                              const char *to);

/* The query the visible page asks for, with the filters and thumbnails
 * on (transfer full). NULL with TRAWL_ERROR_INVALID_ARG and a message a
 * person can act on when the input is incomplete or malformed. */
TrawlQuery  *trawl_query_panel_build_query (TrawlQueryPanel *self, GError **error);

G_END_DECLS
