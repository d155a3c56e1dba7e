/* trawl-index-dialog.h - adding footage to the open case: files or
 * folders, a camera name, a start time and a clock offset, faces and
 * plates on or off; then trawl_index_run in a worker with a progress bar,
 * the counts, an ETA and cancel, and at the end every file that failed
 * with its reason. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TRAWL_TYPE_INDEX_DIALOG (trawl_index_dialog_get_type ())
G_DECLARE_FINAL_TYPE (TrawlIndexDialog, trawl_index_dialog, TRAWL, INDEX_DIALOG, AdwWindow)

/* A window beside parent (not modal: the case can be searched while it
 * indexes) for the case at case_dir. Emits "finished" (gboolean: the run
 * completed rather than failed or was cancelled) when a run ends; what was
 * committed before then stays in the case either way. */
TrawlIndexDialog *trawl_index_dialog_new (GtkWindow *parent, const char *case_dir);

/* The form, as a person fills it. */
void     trawl_index_dialog_add_input (TrawlIndexDialog *self, const char *path);
void     trawl_index_dialog_set_camera (TrawlIndexDialog *self, const char *name);
/* As typed: parsed with trawl_parse_time when the run starts ("" : from
 * the files). */
void     trawl_index_dialog_set_start_text (TrawlIndexDialog *self, const char *text);
/* Seconds added to the camera's clock to get true time, as typed ("":
 * leave the camera's offset as it is). */
void     trawl_index_dialog_set_offset_text (TrawlIndexDialog *self, const char *text);
void     trawl_index_dialog_set_detect (TrawlIndexDialog *self, gboolean faces, gboolean plates);

/* Starts indexing (as the Index button). FALSE with the reason shown in
 * the form when it reads wrong or a run is going on. */
gboolean trawl_index_dialog_start (TrawlIndexDialog *self);
/* Asks the run to stop after the current frame. */
void     trawl_index_dialog_cancel (TrawlIndexDialog *self);

/* The state, for tests and the window. */
gboolean    trawl_index_dialog_is_running (TrawlIndexDialog *self);
/* The form's last complaint, or NULL (transfer none). */
const char *trawl_index_dialog_get_error (TrawlIndexDialog *self);
/* Progress reports seen during the last run. */
guint       trawl_index_dialog_get_n_progress (TrawlIndexDialog *self);
/* The last run's outcome and failed files, as shown (transfer none). */
const char *trawl_index_dialog_get_result_text (TrawlIndexDialog *self);
const char *trawl_index_dialog_get_failures_text (TrawlIndexDialog *self);
guint       trawl_index_dialog_get_n_failures (TrawlIndexDialog *self);

G_END_DECLS
