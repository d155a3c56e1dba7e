/* trawl-export-dialog.c - TrawlExportDialog: the form that fills a
 * TrawlExportOptions, one GTask thread that opens the case for writing
 * (the export appends to its audit log), exports and verifies the folder
 * it made, and the summary of both. What goes into the folder and what
 * verifying checks are trawl/evidence.h's; this file only shows them.
 *
 * States (the stack's pages):
 *   FORM    -> RUNNING  [export.run: the form reads right]
 *   RUNNING -> DONE     [export_done: the folder was made; verify ran or said why not]
 *   RUNNING -> FORM     [export_done: the export failed or was cancelled; error shown]
 */
#include "trawl-export-dialog.h"

#include <math.h>
#include <trawl/base.h>
#include <trawl/catalog.h>
#include <trawl/evidence.h>

struct _TrawlExportDialog
{
  AdwWindow        parent_instance;

  /* template children */
  AdwToastOverlay *toast_overlay;
  GtkButton       *cancel_button;
  GtkButton       *export_button;
  GtkStack        *stack;
  GtkLabel        *error_label;
  AdwActionRow    *subject_row;
  GtkSpinButton   *before_spin;      /* s */
  GtkSpinButton   *after_spin;       /* s */
  GtkSwitch       *annotated_switch;
  GtkSwitch       *sign_switch;
  AdwExpanderRow  *window_row;       /* enabled: the same window on the cameras ticked */
  AdwEntryRow     *operator_row;
  AdwActionRow    *destination_row;
  GtkSpinner      *run_spinner;
  GtkLabel        *done_title;
  GtkLabel        *summary_label;

  char            *case_dir;
  TrawlHit        *hit;              /* owned: the finding exported */
  char            *query;            /* recorded as what found it; nullable */
  GPtrArray       *camera_checks;    /* GtkCheckButton* (the rows own them), "camera" data */
  char            *destination;      /* folder the export is made in; NULL: <case>/exports */
  GCancellable    *cancellable;      /* owned while busy */
  gboolean         busy;
  gboolean         close_when_done;  /* closed while busy: cancelled, closes when it ends */
  gboolean         disposed;
  char            *error;            /* last export's error, or NULL */
  char            *result_dir;       /* last export's folder, or NULL */
  gboolean         verify_ok;
};

G_DEFINE_FINAL_TYPE (TrawlExportDialog, trawl_export_dialog, ADW_TYPE_WINDOW)

/* ---- the worker ---- */

/* What the worker needs: copies, so the form may change meanwhile. */
typedef struct {
  char               *case_dir;
  char               *out_dir;        /* NULL: the library's default under exports/ */
  char               *operator_name;  /* NULL: the login name */
  char               *query;
  char              **cameras;        /* window export: names; NULL: all */
  TrawlExportOptions  opts;           /* its strings point into this job */
} Job;

typedef struct {
  TrawlExportResult *res;
  TrawlVerifyReport *verify;        /* NULL when verifying could not run */
  char              *verify_error;  /* ... and why */
} Outcome;

static void
job_free (Job *job)
{
  g_free (job->case_dir);
  g_free (job->out_dir);
  g_free (job->operator_name);
  g_free (job->query);
  g_strfreev (job->cameras);
  g_free (job);
}

static void
outcome_free (Outcome *o)
{
  trawl_export_result_free (o->res);
  trawl_verify_report_free (o->verify);
  g_free (o->verify_error);
  g_free (o);
}

static void
export_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;
  g_autoptr(GError) verify_error = NULL;
  g_autoptr(TrawlCatalog) cat = NULL;
  TrawlExportResult *res;
  Outcome *out;

  (void) source;
  /* A writer's connection of its own: the app's search holds the case
   * read-only, and the export appends to the audit log. */
  cat = trawl_catalog_open (job->case_dir, 0, &error);
  if (cat == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  res = trawl_evidence_export (cat, &job->opts, cancellable, &error);
  if (res == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  out = g_new0 (Outcome, 1);
  out->res = res;
  out->verify = trawl_evidence_verify (res->dir, cat, cancellable, &verify_error);
  if (out->verify == NULL)
    out->verify_error = g_strdup (verify_error->message);
  g_task_return_pointer (task, out, (GDestroyNotify) outcome_free);
}

/* ---- the summary ---- */

static void
append_clip (GString *s, const TrawlExportClip *c)
{
  g_autofree char *a = trawl_hit_format_time (c->start_utc);
  g_autofree char *z = trawl_hit_format_time (c->end_utc);

  g_string_append_printf (s, "  %s\n    camera %s, from %s\n", c->file, c->camera, c->source_path);
  g_string_append_printf (s, "    asked for %.3f–%.3f s, copied %.3f–%.3f s (key frames)\n",
                          c->requested_start_s, c->requested_end_s, c->start_s, c->end_s);
  g_string_append_printf (s, "    %s – %s (local time)\n", a, z);
  g_string_append_printf (s, "    %" G_GINT64_FORMAT " bytes, SHA-256 %s\n", c->size, c->sha256);
}

static void
append_verify (GString *s, const TrawlVerifyReport *v, const char *verify_error)
{
  if (v == NULL)
    {
      g_string_append_printf (s, "\nVerify could not run: %s\n", verify_error);
      return;
    }
  if (trawl_verify_report_ok (v))
    g_string_append_printf (s, "\nVerify: OK. %u files checked", v->files_checked);
  else
    g_string_append_printf (s, "\nVerify found %u problem%s (%u files checked):", v->problems->len,
                            v->problems->len == 1 ? "" : "s", v->files_checked);
  if (v->is_signed)
    g_string_append_printf (s, "; signature %s", v->signature_ok ? "holds" : "DOES NOT HOLD");
  if (v->audit_id > 0)
    g_string_append_printf (s, "; audit row %" G_GINT64_FORMAT " of a chain of %" G_GINT64_FORMAT
                            " that holds", v->audit_id, v->audit_rows);
  g_string_append (s, ".\n");
  for (guint i = 0; i < v->problems->len; i++)
    {
      const TrawlVerifyProblem *p = v->problems->pdata[i];
      g_string_append_printf (s, "  %s%s%s%s: %s\n", p->file, p->field != NULL ? " (" : "",
                              p->field != NULL ? p->field : "", p->field != NULL ? ")" : "",
                              p->message);
    }
}

static char *
summary_text (const Outcome *o)
{
  const TrawlExportResult *r = o->res;
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "Folder: %s\n\nClips:\n", r->dir);
  for (guint i = 0; i < r->clips->len; i++)
    append_clip (s, r->clips->pdata[i]);
  for (guint i = 0; i < r->derived->len; i++)
    g_string_append_printf (s, "  %s (derived: re-encoded, annotated)\n",
                            (const char *) r->derived->pdata[i]);
  g_string_append_printf (s, "Thumbnails: %u\n", r->thumbnails->len);
  g_string_append_printf (s, "\nmanifest.json SHA-256 %s\n", r->manifest_sha256);
  if (r->public_key != NULL)
    g_string_append_printf (s, "Signed (manifest.sig): Ed25519, case key %s\n", r->public_key);
  else
    g_string_append (s, "Not signed\n");
  g_string_append_printf (s, "Audit row %" G_GINT64_FORMAT "\n", r->audit_id);
  append_verify (s, o->verify, o->verify_error);
  return g_string_free (s, FALSE);
}

/* ---- states ---- */

static void
set_busy (TrawlExportDialog *self, gboolean busy)
{
  self->busy = busy;
  gtk_spinner_set_spinning (self->run_spinner, busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "export.run", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "export.choose-destination", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "export.default-destination", !busy);
}

static void
show_error (TrawlExportDialog *self, const char *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_label_set_text (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
  gtk_stack_set_visible_child_name (self->stack, "form");
}

static void
show_done (TrawlExportDialog *self, const Outcome *o)
{
  g_autofree char *text = summary_text (o);

  self->verify_ok = o->verify != NULL && trawl_verify_report_ok (o->verify);
  g_free (self->result_dir);
  self->result_dir = g_strdup (o->res->dir);
  gtk_label_set_text (self->done_title, self->verify_ok ? "Exported and verified"
                                        : o->verify == NULL ? "Exported; not verified"
                                        : "Exported; verification found problems");
  gtk_label_set_text (self->summary_label, text);
  gtk_stack_set_visible_child_name (self->stack, "done");
  gtk_widget_set_visible (GTK_WIDGET (self->export_button), FALSE);
  gtk_button_set_label (self->cancel_button, "_Close");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "export.open-folder", TRUE);
}

static void
export_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  TrawlExportDialog *self = TRAWL_EXPORT_DIALOG (source);
  g_autoptr(GError) error = NULL;
  Outcome *o = g_task_propagate_pointer (G_TASK (result), &error);

  (void) user_data;
  g_clear_object (&self->cancellable);
  if (self->disposed)
    {
      g_clear_pointer (&o, outcome_free);
      return;
    }
  set_busy (self, FALSE);
  if (g_error_matches (error, TRAWL_ERROR, TRAWL_ERROR_BUSY))
    {
      /* the lock is most likely this app's own Add Footage run */
      g_autofree char *msg = g_strdup_printf ("The case is being written to (footage being "
                                              "indexed, here or by trawl index): export when "
                                              "that has finished. (%s)", error->message);
      show_error (self, msg);
    }
  else if (o == NULL)
    show_error (self, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                        ? "Export cancelled; nothing was left in the destination."
                        : error->message);
  else
    show_done (self, o);
  g_clear_pointer (&o, outcome_free);
  if (self->close_when_done)
    gtk_window_destroy (GTK_WINDOW (self));
}

/* ---- the form ---- */

static char **
ticked_cameras (TrawlExportDialog *self)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  for (guint i = 0; i < self->camera_checks->len; i++)
    {
      GtkCheckButton *check = self->camera_checks->pdata[i];
      if (gtk_check_button_get_active (check))
        g_strv_builder_add (b, g_object_get_data (G_OBJECT (check), "camera"));
    }
  return g_strv_builder_end (b);
}

/* The export folder inside the chosen destination, named as the
 * library names its default ones; "-2", "-3"... when one of that name is
 * there already (two exports within a second), as exports never
 * overwrite. */
static char *
out_dir_in (const char *destination, const TrawlSearchHit *hit, gboolean window)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  g_autofree char *name = window ? g_strdup_printf ("window-%s", stamp)
                                 : g_strdup_printf ("track-%" G_GINT64_FORMAT "-%s",
                                                    hit->track_id, stamp);
  char *path = g_build_filename (destination, name, NULL);

  for (int n = 2; g_file_test (path, G_FILE_TEST_EXISTS) && n < 100; n++)
    {
      g_autofree char *other = g_strdup_printf ("%s-%d", name, n);
      g_free (path);
      path = g_build_filename (destination, other, NULL);
    }
  return path;
}

/* The job the form describes; NULL with a message a person can act on. */
static Job *
build_job (TrawlExportDialog *self, GError **error)
{
  const TrawlSearchHit *hit = trawl_hit_get_hit (self->hit);
  gboolean window = adw_expander_row_get_enable_expansion (self->window_row);
  g_autofree char *op = g_strstrip (g_strdup (gtk_editable_get_text (
                                      GTK_EDITABLE (self->operator_row))));
  Job *job = g_new0 (Job, 1);
  TrawlExportOptions *o = &job->opts;

  trawl_export_options_init (o);
  job->case_dir = g_strdup (self->case_dir);
  job->operator_name = op[0] != '\0' ? g_strdup (op) : NULL;
  job->query = g_strdup (self->query);
  /* a number typed but not yet confirmed counts */
  gtk_spin_button_update (self->before_spin);
  gtk_spin_button_update (self->after_spin);
  o->before_s = gtk_spin_button_get_value (self->before_spin);
  o->after_s = gtk_spin_button_get_value (self->after_spin);
  o->annotated = gtk_switch_get_active (self->annotated_switch);
  o->sign = gtk_switch_get_active (self->sign_switch);
  if (window)
    {
      job->cameras = ticked_cameras (self);
      if (job->cameras[0] == NULL || isnan (hit->first_utc) || isnan (hit->last_utc))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               job->cameras[0] == NULL
                                 ? "Tick at least one camera for the same window."
                                 : "This track has no wall-clock time, so there is no window "
                                   "to take on other cameras: export the track alone.");
          job_free (job);
          return NULL;
        }
      o->from_utc = hit->first_utc - o->before_s;
      o->to_utc = hit->last_utc + o->after_s;
      o->cameras = (const char *const *) job->cameras;
    }
  else
    o->track_id = hit->track_id;
  if (self->destination != NULL)
    job->out_dir = out_dir_in (self->destination, hit, window);
  o->out_dir = job->out_dir;
  o->operator_name = job->operator_name;
  o->query = job->query;
  return job;
}

gboolean
trawl_export_dialog_run (TrawlExportDialog *self)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  Job *job;

  g_return_val_if_fail (TRAWL_IS_EXPORT_DIALOG (self), FALSE);
  if (self->busy)
    return FALSE;
  g_clear_pointer (&self->error, g_free);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  job = build_job (self, &error);
  if (job == NULL)
    {
      show_error (self, error->message);
      return TRUE;
    }
  self->cancellable = g_cancellable_new ();
  set_busy (self, TRUE);
  gtk_stack_set_visible_child_name (self->stack, "running");
  task = g_task_new (self, self->cancellable, export_done, NULL);
  /* a cancel during verifying still returns the export made */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, export_thread);
  return TRUE;
}

static void
update_destination_row (TrawlExportDialog *self)
{
  g_autofree char *text = NULL;

  if (self->destination == NULL)
    text = g_strdup_printf ("A new folder in the case's %s/exports (the default)", self->case_dir);
  else
    text = g_strdup_printf ("A new folder in %s", self->destination);
  adw_action_row_set_subtitle (self->destination_row, text);
}

void
trawl_export_dialog_set_destination (TrawlExportDialog *self, const char *parent_dir)
{
  g_return_if_fail (TRAWL_IS_EXPORT_DIALOG (self));
  g_free (self->destination);
  self->destination = g_strdup (parent_dir);
  update_destination_row (self);
}

/* ---- actions ---- */

static void
run_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  trawl_export_dialog_run (TRAWL_EXPORT_DIALOG (widget));
}

static void
cancel_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  TrawlExportDialog *self = TRAWL_EXPORT_DIALOG (widget);

  (void) action;
  (void) param;
  if (self->busy)
    g_cancellable_cancel (self->cancellable);
  else
    gtk_window_close (GTK_WINDOW (self));
}

static void
on_destination_chosen (GtkNativeDialog *chooser, int response, gpointer user_data)
{
  TrawlExportDialog *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) dir = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = dir != NULL ? g_file_get_path (dir) : NULL;
      if (path != NULL)
        trawl_export_dialog_set_destination (self, path);
    }
  g_object_unref (chooser);
  g_object_unref (self);
}

static void
choose_destination_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  GtkFileChooserNative *chooser;

  (void) action;
  (void) param;
  /* GTK 4.8 predates GtkFileDialog. */
  chooser = gtk_file_chooser_native_new ("Export Into", GTK_WINDOW (widget),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, "_Select",
                                         "_Cancel");
  g_signal_connect (chooser, "response", G_CALLBACK (on_destination_chosen),
                    g_object_ref (widget));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
default_destination_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  trawl_export_dialog_set_destination (TRAWL_EXPORT_DIALOG (widget), NULL);
}

static void
open_folder_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  TrawlExportDialog *self = TRAWL_EXPORT_DIALOG (widget);
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(GdkAppLaunchContext) ctx = NULL;

  (void) action;
  (void) param;
  if (self->result_dir == NULL)
    return;
  uri = g_filename_to_uri (self->result_dir, NULL, &error);
  /* GtkFileLauncher is GTK 4.10; Debian 12 has 4.8. */
  ctx = gdk_display_get_app_launch_context (gtk_widget_get_display (widget));
  if (uri == NULL || !g_app_info_launch_default_for_uri (uri, G_APP_LAUNCH_CONTEXT (ctx), &error))
    adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
}

/* ---- the class ---- */

static gboolean
trawl_export_dialog_close_request (GtkWindow *window)
{
  TrawlExportDialog *self = TRAWL_EXPORT_DIALOG (window);

  if (!self->busy)
    {
      GtkWindowClass *parent = GTK_WINDOW_CLASS (trawl_export_dialog_parent_class);
      return parent->close_request != NULL ? parent->close_request (window) : FALSE;
    }
  /* Never leave a half-made export behind: cancel, close when it stops. */
  self->close_when_done = TRUE;
  g_cancellable_cancel (self->cancellable);
  return TRUE;
}

static void
trawl_export_dialog_dispose (GObject *object)
{
  TrawlExportDialog *self = TRAWL_EXPORT_DIALOG (object);

  self->disposed = TRUE;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->hit);
  gtk_widget_dispose_template (GTK_WIDGET (self), TRAWL_TYPE_EXPORT_DIALOG);
  G_OBJECT_CLASS (trawl_export_dialog_parent_class)->dispose (object);
}

static void
trawl_export_dialog_finalize (GObject *object)
{
  TrawlExportDialog *self = TRAWL_EXPORT_DIALOG (object);

  g_free (self->case_dir);
  g_free (self->query);
  g_ptr_array_unref (self->camera_checks);
  g_free (self->destination);
  g_free (self->error);
  g_free (self->result_dir);
  G_OBJECT_CLASS (trawl_export_dialog_parent_class)->finalize (object);
}

static void
trawl_export_dialog_class_init (TrawlExportDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = trawl_export_dialog_dispose;
  G_OBJECT_CLASS (klass)->finalize = trawl_export_dialog_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = trawl_export_dialog_close_request;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/trawl/Trawl/trawl-export-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, TrawlExportDialog, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TrawlExportDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, TrawlExportDialog, export_button);
  gtk_widget_class_bind_template_child (widget_class, TrawlExportDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, TrawlExportDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlExportDialog, subject_row);
  gtk_widget_class_bind_template_child (widget_class, TrawlExportDialog, before_spin);
  gtk_widget_class_bind_template_child (widget_class, TrawlExportDialog, after_spin);
  gtk_widget_class_bind_template_child (widget_class, TrawlExportDialog, annotated_switch);
  gtk_widget_class_bind_template_child (widget_class, TrawlExportDialog, sign_switch);
  gtk_widget_class_bind_template_child (widget_class, TrawlExportDialog, window_row);
  gtk_widget_class_bind_template_child (widget_class, TrawlExportDialog, operator_row);
  gtk_widget_class_bind_template_child (widget_class, TrawlExportDialog, destination_row);
  gtk_widget_class_bind_template_child (widget_class, TrawlExportDialog, run_spinner);
  gtk_widget_class_bind_template_child (widget_class, TrawlExportDialog, done_title);
  gtk_widget_class_bind_template_child (widget_class, TrawlExportDialog, summary_label);
  gtk_widget_class_install_action (widget_class, "export.run", NULL, run_activated);
  gtk_widget_class_install_action (widget_class, "export.cancel", NULL, cancel_activated);
  gtk_widget_class_install_action (widget_class, "export.choose-destination", NULL,
                                   choose_destination_activated);
  gtk_widget_class_install_action (widget_class, "export.default-destination", NULL,
                                   default_destination_activated);
  gtk_widget_class_install_action (widget_class, "export.open-folder", NULL,
                                   open_folder_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "export.cancel", NULL);
}

static void
trawl_export_dialog_init (TrawlExportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->camera_checks = g_ptr_array_new ();
  gtk_editable_set_text (GTK_EDITABLE (self->operator_row), g_get_user_name ());
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "export.open-folder", FALSE);
}

static void
set_subject (TrawlExportDialog *self, const TrawlSearchHit *hit)
{
  g_autofree char *title = NULL, *sub = NULL;
  g_autofree char *a = trawl_hit_format_time (hit->first_utc);
  g_autofree char *z = trawl_hit_format_time (hit->last_utc);

  if (hit->kind == TRAWL_KIND_PLATE && hit->plate_text != NULL)
    title = g_strdup_printf ("Plate %s · track %" G_GINT64_FORMAT, hit->plate_text, hit->track_id);
  else
    title = g_strdup_printf ("%s · track %" G_GINT64_FORMAT,
                             hit->kind == TRAWL_KIND_FACE ? "Face" : "Plate", hit->track_id);
  sub = g_strdup_printf ("Camera %s · %s – %s · %d sightings", hit->camera, a, z,
                         hit->n_sightings);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->subject_row), title);
  adw_action_row_set_subtitle (self->subject_row, sub);
}

static void
add_camera_row (TrawlExportDialog *self, const char *name)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();

  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
  g_object_set_data_full (G_OBJECT (check), "camera", g_strdup (name), g_free);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  adw_expander_row_add_row (self->window_row, row);
  g_ptr_array_add (self->camera_checks, check);
}

TrawlExportDialog *
trawl_export_dialog_new (GtkWindow *parent, const char *case_dir, TrawlHit *hit,
                         const char *query, const char *const *cameras)
{
  TrawlExportDialog *self;

  g_return_val_if_fail (case_dir != NULL, NULL);
  g_return_val_if_fail (TRAWL_IS_HIT (hit), NULL);
  self = g_object_new (TRAWL_TYPE_EXPORT_DIALOG, "transient-for", parent, "modal", TRUE, NULL);
  self->case_dir = g_strdup (case_dir);
  self->hit = g_object_ref (hit);
  self->query = g_strdup (query);
  set_subject (self, trawl_hit_get_hit (hit));
  for (guint i = 0; cameras != NULL && cameras[i] != NULL; i++)
    add_camera_row (self, cameras[i]);
  update_destination_row (self);
  return self;
}

void
trawl_export_dialog_set_margins (TrawlExportDialog *self, double before_s, double after_s)
{
  g_return_if_fail (TRAWL_IS_EXPORT_DIALOG (self));
  gtk_spin_button_set_value (self->before_spin, before_s);
  gtk_spin_button_set_value (self->after_spin, after_s);
}

void
trawl_export_dialog_set_sign (TrawlExportDialog *self, gboolean sign)
{
  g_return_if_fail (TRAWL_IS_EXPORT_DIALOG (self));
  gtk_switch_set_active (self->sign_switch, sign);
}

void
trawl_export_dialog_set_annotated (TrawlExportDialog *self, gboolean annotated)
{
  g_return_if_fail (TRAWL_IS_EXPORT_DIALOG (self));
  gtk_switch_set_active (self->annotated_switch, annotated);
}

void
trawl_export_dialog_set_window_cameras (TrawlExportDialog *self, gboolean on,
                                        const char *const *cameras)
{
  g_return_if_fail (TRAWL_IS_EXPORT_DIALOG (self));
  adw_expander_row_set_enable_expansion (self->window_row, on);
  for (guint i = 0; i < self->camera_checks->len; i++)
    {
      GtkCheckButton *check = self->camera_checks->pdata[i];
      const char *name = g_object_get_data (G_OBJECT (check), "camera");
      gtk_check_button_set_active (check, cameras == NULL
                                            || g_strv_contains (cameras, name));
    }
}

gboolean
trawl_export_dialog_is_busy (TrawlExportDialog *self)
{
  g_return_val_if_fail (TRAWL_IS_EXPORT_DIALOG (self), FALSE);
  return self->busy;
}

const char *
trawl_export_dialog_get_error (TrawlExportDialog *self)
{
  g_return_val_if_fail (TRAWL_IS_EXPORT_DIALOG (self), NULL);
  return self->error;
}

const char *
trawl_export_dialog_get_result_dir (TrawlExportDialog *self)
{
  g_return_val_if_fail (TRAWL_IS_EXPORT_DIALOG (self), NULL);
  return self->result_dir;
}

gboolean
trawl_export_dialog_get_verify_ok (TrawlExportDialog *self)
{
  g_return_val_if_fail (TRAWL_IS_EXPORT_DIALOG (self), FALSE);
  return self->verify_ok;
}

const char *
trawl_export_dialog_get_summary (TrawlExportDialog *self)
{
  g_return_val_if_fail (TRAWL_IS_EXPORT_DIALOG (self), NULL);
  return gtk_label_get_text (self->summary_label);
}
