/* trawl-export-dialog.h - the evidence export of one finding: margins,
 * annotated copy, the same window on other cameras, signing, operator and
 * destination; then the export (trawl/evidence.h) and its verification in
 * a worker, and a summary of what went into the folder. */
#pragma once

#include <adwaita.h>

#include "trawl-hit.h"

G_BEGIN_DECLS

#define TRAWL_TYPE_EXPORT_DIALOG (trawl_export_dialog_get_type ())
G_DECLARE_FINAL_TYPE (TrawlExportDialog, trawl_export_dialog, TRAWL, EXPORT_DIALOG, AdwWindow)

/* A modal window over parent for hit's track in the case at case_dir.
 * query (nullable) is recorded in the manifest as what found it; cameras
 * (nullable, NULL-terminated) are offered for the same window on several
 * cameras. The window owns itself once shown. */
TrawlExportDialog *trawl_export_dialog_new (GtkWindow *parent, const char *case_dir,
                                            TrawlHit *hit, const char *query,
                                            const char *const *cameras);

/* The form, as a person fills it. */
void     trawl_export_dialog_set_margins (TrawlExportDialog *self, double before_s,
                                          double after_s);
void     trawl_export_dialog_set_sign (TrawlExportDialog *self, gboolean sign);
void     trawl_export_dialog_set_annotated (TrawlExportDialog *self, gboolean annotated);
/* The folder the export folder is made in (NULL: the case's exports/). */
void     trawl_export_dialog_set_destination (TrawlExportDialog *self, const char *parent_dir);
/* Same window on several cameras: on with the cameras ticked (NULL: all
 * offered), or off (the track's own clip only). */
void     trawl_export_dialog_set_window_cameras (TrawlExportDialog *self, gboolean on,
                                                 const char *const *cameras);

/* Starts the export (as the Export button); FALSE while one runs. */
gboolean trawl_export_dialog_run (TrawlExportDialog *self);

/* The state, for tests. */
gboolean    trawl_export_dialog_is_busy (TrawlExportDialog *self);
/* The last export's error message, or NULL (transfer none). */
const char *trawl_export_dialog_get_error (TrawlExportDialog *self);
/* The folder made by the last export, or NULL (transfer none). */
const char *trawl_export_dialog_get_result_dir (TrawlExportDialog *self);
/* Whether the last export verified without problems. */
gboolean    trawl_export_dialog_get_verify_ok (TrawlExportDialog *self);
/* The summary as shown (transfer none; "" before an export). */
const char *trawl_export_dialog_get_summary (TrawlExportDialog *self);

G_END_DECLS
