/* trawl-face-marker.h - a photo of several people (or one the detector
 * misses): the person drags a box around the face they mean; the box, in
 * the photo's pixels as trawl/image.h loads it (EXIF orientation applied),
 * goes to the query with trawl_query_add_face_photo. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TRAWL_TYPE_FACE_MARKER (trawl_face_marker_get_type ())
G_DECLARE_FINAL_TYPE (TrawlFaceMarker, trawl_face_marker, TRAWL, FACE_MARKER, AdwWindow)

/* A modal window over parent showing photo (read with trawl_image_load on
 * the calling thread). NULL with error set when the photo cannot be read.
 * Emits "face-marked" (x, y, w, h: doubles, photo px) when the person
 * confirms, then closes. */
TrawlFaceMarker *trawl_face_marker_new (GtkWindow *parent, GFile *photo, GError **error);
/* Marks the box spanned by two points of the picture widget, as a drag
 * does (clamped to the photo). FALSE when the box is empty. */
gboolean         trawl_face_marker_select (TrawlFaceMarker *self, double x0, double y0,
                                           double x1, double y1);
/* The marked box in photo px; FALSE when none. */
gboolean         trawl_face_marker_get_box (TrawlFaceMarker *self, float box[4]);
/* Where photo pixel (px, py) is drawn in the picture widget. */
void             trawl_face_marker_photo_to_widget (TrawlFaceMarker *self, double px, double py,
                                                    double *x, double *y);

G_END_DECLS
