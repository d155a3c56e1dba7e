/* trawl-index-dialog.c - TrawlIndexDialog: the form that fills a
 * TrawlIndexOptions, one GTask thread running trawl_index_run (which opens
 * the case for writing; the app's search keeps reading it meanwhile), its
 * progress brought to the main loop as copies, and the outcome with every
 * failed file. Indexing itself is trawl/indexer.h's.
 *
 * States (the stack's pages):
 *   FORM    -> RUNNING  [index.start: inputs given, start time and offset parse]
 *   RUNNING -> DONE     [index_done: completed, failed or cancelled; "finished" emitted]
 */
#include "trawl-index-dialog.h"

#include <math.h>
#include <trawl/base.h>
#include <trawl/indexer.h>
#include <trawl/search.h>

struct _TrawlIndexDialog
{
  AdwWindow       parent_instance;

  /* template children */
  GtkButton      *cancel_button;
  GtkButton      *start_button;
  GtkStack       *stack;
  GtkLabel       *error_label;
  GtkListBox     *inputs_list;
  AdwEntryRow    *camera_row;
  AdwEntryRow    *start_row;
  AdwEntryRow    *offset_row;
  GtkSwitch      *faces_switch;
  GtkSwitch      *plates_switch;
  GtkLabel       *current_label;
  GtkProgressBar *progress_bar;
  GtkLabel       *counts_label;
  GtkLabel       *eta_label;
  GtkLabel       *running_failures_label;
  GtkLabel       *done_title;
  GtkLabel       *result_label;
  GtkLabel       *failures_title;
  GtkLabel       *failures_label;

  char           *case_dir;
  GPtrArray      *inputs;           /* char* paths, as chosen */
  volatile gint   cancel;           /* the run's stop flag (TrawlIndexOptions.cancel) */
  gboolean        running;
  gboolean        close_when_done;  /* closed while running: cancelled, closes when it ends */
  gboolean        disposed;
  guint           n_progress;       /* reports seen in this run */
  guint           n_failures;       /* failed files of the last run */
  char           *error;            /* the form's last complaint */
};

G_DEFINE_FINAL_TYPE (TrawlIndexDialog, trawl_index_dialog, ADW_TYPE_WINDOW)

enum { SIGNAL_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- the worker ---- */

typedef struct {
  TrawlIndexDialog  *self;       /* kept alive by the task (its source object) */
  char              *case_dir;
  GPtrArray         *inputs;     /* char* */
  char              *camera;     /* NULL: each file's folder name */
  TrawlIndexOptions  opts;       /* its strings point into this job */
} Job;

/* One progress report, copied in the worker for the main loop. */
typedef struct {
  TrawlIndexDialog   *self;      /* owned ref */
  TrawlIndexProgress  p;         /* current and failures NULL: see below */
  char               *current;
  GPtrArray          *failures;  /* char*, copies */
} Snapshot;

typedef struct {
  TrawlIndexProgress  p;         /* final counts; failures moved below */
  GPtrArray          *failures;  /* char* "path: reason" */
  GError             *error;     /* why the run stopped, or NULL */
} Final;

static void
job_free (Job *job)
{
  g_free (job->case_dir);
  g_ptr_array_unref (job->inputs);
  g_free (job->camera);
  g_free (job);
}

static void
snapshot_free (Snapshot *s)
{
  g_object_unref (s->self);
  g_free (s->current);
  g_ptr_array_unref (s->failures);
  g_free (s);
}

static void
final_free (Final *f)
{
  g_clear_pointer (&f->failures, g_ptr_array_unref);
  g_clear_error (&f->error);
  g_free (f);
}

static GPtrArray *
copy_strings (GPtrArray *a)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; a != NULL && i < a->len; i++)
    g_ptr_array_add (out, g_strdup (a->pdata[i]));
  return out;
}

static gboolean show_progress_cb (gpointer data);

/* Called in the worker: the run's strings are only valid during the call. */
static void
on_progress (const TrawlIndexProgress *p, gpointer user_data)
{
  Job *job = user_data;
  Snapshot *s = g_new0 (Snapshot, 1);

  s->self = g_object_ref (job->self);
  s->p = *p;
  s->p.current = NULL;
  s->p.failures = NULL;
  s->current = g_strdup (p->current);
  s->failures = copy_strings (p->failures);
  g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, show_progress_cb, s,
                              (GDestroyNotify) snapshot_free);
}

static void
index_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Job *job = task_data;
  Final *f = g_new0 (Final, 1);

  (void) source;
  (void) cancellable;
  trawl_index_run (job->case_dir, (const char *const *) job->inputs->pdata, job->inputs->len,
                   &job->opts, &f->p, &f->error);
  f->failures = f->p.failures != NULL ? f->p.failures : g_ptr_array_new ();
  f->p.failures = NULL;
  g_task_return_pointer (task, f, (GDestroyNotify) final_free);
}

/* ---- showing progress ---- */

static char *
failures_text (GPtrArray *failures)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  g_auto(GStrv) lines = NULL;

  for (guint i = 0; i < failures->len; i++)
    g_strv_builder_add (b, failures->pdata[i]);
  lines = g_strv_builder_end (b);
  return g_strjoinv ("\n", lines);
}

static char *
counts_text (const TrawlIndexProgress *p)
{
  g_autofree char *done = trawl_format_duration (p->video_s_done);
  g_autofree char *total = trawl_format_duration (p->video_s_total);

  return g_strdup_printf ("Video: %s of %s (in the files opened so far)\n"
                          "Frames looked at: %" G_GUINT64_FORMAT " · faces: %" G_GUINT64_FORMAT
                          " in %" G_GUINT64_FORMAT " tracks · plates: %" G_GUINT64_FORMAT
                          " in %" G_GUINT64_FORMAT " tracks\n"
                          "Files: %u indexed, %u already in the case, %u failed",
                          done, total, p->frames_sampled, p->faces, p->face_tracks, p->plates,
                          p->plate_tracks, p->videos_indexed, p->videos_skipped,
                          p->videos_failed);
}

static gboolean
show_progress_cb (gpointer data)
{
  Snapshot *s = data;
  TrawlIndexDialog *self = s->self;
  const TrawlIndexProgress *p = &s->p;
  g_autofree char *counts = NULL, *eta = NULL, *eta_text = NULL, *current = NULL;
  g_autofree char *bar = NULL, *fails = NULL;
  double fraction;

  /* A report queued just before the run ended is stale. */
  if (self->disposed || !self->running)
    return G_SOURCE_REMOVE;
  self->n_progress++;
  if (s->current != NULL)
    {
      g_autofree char *name = g_path_get_basename (s->current);
      current = g_strdup_printf ("Indexing %s", name);
    }
  else
    current = g_strdup ("Between files…");
  /* the ETA is the library's, from decoded footage per second: the bar follows it */
  if (p->eta_s >= 0 && p->elapsed_s > 0)
    fraction = p->elapsed_s / (p->elapsed_s + p->eta_s);
  else
    fraction = p->files_total > 0 ? (double) p->files_done / p->files_total : 0;
  bar = g_strdup_printf ("File %u of %u", MIN (p->files_done + 1, p->files_total), p->files_total);
  counts = counts_text (p);
  eta = trawl_format_duration (p->eta_s);
  eta_text = g_strdup_printf ("Time left: %s · running for %.0f s",
                              p->eta_s < 0 ? "not known yet" : eta, p->elapsed_s);
  gtk_label_set_text (self->current_label, current);
  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (fraction, 0, 1));
  gtk_progress_bar_set_text (self->progress_bar, bar);
  gtk_label_set_text (self->counts_label, counts);
  gtk_label_set_text (self->eta_label, eta_text);
  if (s->failures->len > 0)
    {
      fails = failures_text (s->failures);
      gtk_label_set_text (self->running_failures_label, fails);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->running_failures_label), s->failures->len > 0);
  return G_SOURCE_REMOVE;
}

/* ---- the outcome ---- */

static void
set_running (TrawlIndexDialog *self, gboolean running)
{
  self->running = running;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "index.start", !running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "index.add-files", !running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "index.add-folder", !running);
}

static char *
result_text (const Final *f, gboolean cancelled)
{
  const TrawlIndexProgress *p = &f->p;
  g_autofree char *video = trawl_format_duration (p->video_s_done);
  g_autofree char *took = trawl_format_duration (p->elapsed_s);
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%u of %u files: %u indexed, %u already in the case, %u failed.\n"
                          "%s of video, %" G_GUINT64_FORMAT " frames looked at in %s.\n"
                          "%" G_GUINT64_FORMAT " face sightings in %" G_GUINT64_FORMAT
                          " tracks, %" G_GUINT64_FORMAT " plate sightings in %" G_GUINT64_FORMAT
                          " tracks.",
                          p->files_done, p->files_total, p->videos_indexed, p->videos_skipped,
                          p->videos_failed, video, p->frames_sampled, took, p->faces,
                          p->face_tracks, p->plates, p->plate_tracks);
  if (cancelled)
    g_string_append (s, "\n\nCancelled: the videos finished before that are in the case; the "
                        "one in progress is redone when the same footage is added again.");
  else if (f->error != NULL)
    g_string_append_printf (s, "\n\nThe run stopped: %s", f->error->message);
  return g_string_free (s, FALSE);
}

static void
index_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  TrawlIndexDialog *self = TRAWL_INDEX_DIALOG (source);
  Final *f = g_task_propagate_pointer (G_TASK (result), NULL);
  gboolean cancelled = g_error_matches (f->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_autofree char *text = result_text (f, cancelled);
  g_autofree char *fails = failures_text (f->failures);

  (void) user_data;
  if (self->disposed)
    {
      final_free (f);
      return;
    }
  set_running (self, FALSE);
  self->n_failures = f->failures->len;
  gtk_label_set_text (self->done_title, f->error == NULL ? "Footage added"
                                        : cancelled ? "Indexing cancelled" : "Indexing stopped");
  gtk_label_set_text (self->result_label, text);
  /* failed files are always listed, never summarised away */
  gtk_label_set_text (self->failures_label, fails);
  gtk_widget_set_visible (GTK_WIDGET (self->failures_title), f->failures->len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->failures_label), f->failures->len > 0);
  gtk_stack_set_visible_child_name (self->stack, "done");
  gtk_widget_set_visible (GTK_WIDGET (self->start_button), FALSE);
  gtk_button_set_label (self->cancel_button, "_Close");
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0, f->error == NULL);
  final_free (f);
  if (self->close_when_done)
    gtk_window_destroy (GTK_WINDOW (self));
}

/* ---- the form ---- */

static void
show_error (TrawlIndexDialog *self, const char *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_label_set_text (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
}

/* Reads the form into job->opts; FALSE with a message a person can act on. */
static gboolean
read_form (TrawlIndexDialog *self, Job *job, GError **error)
{
  g_autofree char *camera = g_strstrip (g_strdup (gtk_editable_get_text (
                                            GTK_EDITABLE (self->camera_row))));
  g_autofree char *start = g_strstrip (g_strdup (gtk_editable_get_text (
                                           GTK_EDITABLE (self->start_row))));
  g_autofree char *offset = g_strstrip (g_strdup (gtk_editable_get_text (
                                            GTK_EDITABLE (self->offset_row))));
  g_autoptr(GError) local = NULL;
  char *end = NULL;

  if (self->inputs->len == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "Add video files or a folder first.");
      return FALSE;
    }
  if (start[0] != '\0' && !trawl_parse_time (start, &job->opts.start_utc, &local))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "Start time: %s",
                   local->message);
      return FALSE;
    }
  if (offset[0] != '\0')
    {
      job->opts.clock_offset_s = g_ascii_strtod (offset, &end);
      if (end == offset || *end != '\0' || !isfinite (job->opts.clock_offset_s))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "Clock offset: give seconds as a number, e.g. -3.5 or 120, not “%s”.",
                       offset);
          return FALSE;
        }
    }
  job->camera = camera[0] != '\0' ? g_strdup (camera) : NULL;
  job->opts.camera = job->camera;
  job->opts.no_faces = !gtk_switch_get_active (self->faces_switch);
  job->opts.no_plates = !gtk_switch_get_active (self->plates_switch);
  return TRUE;
}

gboolean
trawl_index_dialog_start (TrawlIndexDialog *self)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  Job *job;

  g_return_val_if_fail (TRAWL_IS_INDEX_DIALOG (self), FALSE);
  if (self->running)
    return FALSE;
  job = g_new0 (Job, 1);
  trawl_index_options_init (&job->opts);
  if (!read_form (self, job, &error))
    {
      show_error (self, error->message);
      g_free (job->camera);
      g_free (job);
      return FALSE;
    }
  g_clear_pointer (&self->error, g_free);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  job->self = self;
  job->case_dir = g_strdup (self->case_dir);
  job->inputs = copy_strings (self->inputs);
  job->opts.progress = on_progress;
  job->opts.progress_data = job;
  job->opts.command_line = "trawl-gui: Add Footage";
  g_atomic_int_set (&self->cancel, 0);
  job->opts.cancel = &self->cancel;
  self->n_progress = 0;
  set_running (self, TRUE);
  gtk_stack_set_visible_child_name (self->stack, "running");
  task = g_task_new (self, NULL, index_done, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, index_thread);
  return TRUE;
}

void
trawl_index_dialog_cancel (TrawlIndexDialog *self)
{
  g_return_if_fail (TRAWL_IS_INDEX_DIALOG (self));
  if (self->running)
    {
      g_atomic_int_set (&self->cancel, 1);
      gtk_label_set_text (self->current_label, "Cancelling after the current frame…");
    }
}

static void
on_remove_input_cb (GtkButton *button, TrawlIndexDialog *self)
{
  GtkWidget *row = g_object_get_data (G_OBJECT (button), "row");
  const char *path = g_object_get_data (G_OBJECT (row), "path");

  for (guint i = 0; i < self->inputs->len; i++)
    if (g_strcmp0 (self->inputs->pdata[i], path) == 0)
      {
        g_ptr_array_remove_index (self->inputs, i);
        break;
      }
  gtk_list_box_remove (self->inputs_list, row);
}

void
trawl_index_dialog_add_input (TrawlIndexDialog *self, const char *path)
{
  GtkWidget *row, *remove;
  g_autofree char *name = NULL;

  g_return_if_fail (TRAWL_IS_INDEX_DIALOG (self));
  g_return_if_fail (path != NULL);
  for (guint i = 0; i < self->inputs->len; i++)
    if (g_strcmp0 (self->inputs->pdata[i], path) == 0)
      return;
  g_ptr_array_add (self->inputs, g_strdup (path));
  name = g_path_get_basename (path);
  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), path);
  g_object_set_data_full (G_OBJECT (row), "path", g_strdup (path), g_free);
  remove = gtk_button_new_from_icon_name ("list-remove-symbolic");
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_tooltip_text (remove, "Leave this out");
  g_object_set_data (G_OBJECT (remove), "row", row);
  g_signal_connect_object (remove, "clicked", G_CALLBACK (on_remove_input_cb), self, 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
  gtk_list_box_append (self->inputs_list, row);
}

/* ---- actions ---- */

static void
on_inputs_chosen (GtkNativeDialog *chooser, int response, gpointer user_data)
{
  TrawlIndexDialog *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT && !self->disposed)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));
      for (guint i = 0; i < g_list_model_get_n_items (files); i++)
        {
          g_autoptr(GFile) f = g_list_model_get_item (files, i);
          g_autofree char *path = g_file_get_path (f);
          if (path != NULL)
            trawl_index_dialog_add_input (self, path);
        }
    }
  g_object_unref (chooser);
  g_object_unref (self);
}

static void
choose_inputs (TrawlIndexDialog *self, GtkFileChooserAction action, const char *title)
{
  /* GTK 4.8 predates GtkFileDialog. */
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action,
                                                               "_Add", "_Cancel");

  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_inputs_chosen), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
add_files_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  choose_inputs (TRAWL_INDEX_DIALOG (widget), GTK_FILE_CHOOSER_ACTION_OPEN, "Add Video Files");
}

static void
add_folder_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  choose_inputs (TRAWL_INDEX_DIALOG (widget), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                 "Add Folders of Footage");
}

static void
start_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  trawl_index_dialog_start (TRAWL_INDEX_DIALOG (widget));
}

static void
cancel_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  TrawlIndexDialog *self = TRAWL_INDEX_DIALOG (widget);

  (void) action;
  (void) param;
  if (self->running)
    trawl_index_dialog_cancel (self);
  else
    gtk_window_close (GTK_WINDOW (self));
}

/* ---- the class ---- */

static gboolean
trawl_index_dialog_close_request (GtkWindow *window)
{
  TrawlIndexDialog *self = TRAWL_INDEX_DIALOG (window);

  if (!self->running)
    {
      GtkWindowClass *parent = GTK_WINDOW_CLASS (trawl_index_dialog_parent_class);
      return parent->close_request != NULL ? parent->close_request (window) : FALSE;
    }
  /* The run needs a place to report to: stop it, close when it has. */
  self->close_when_done = TRUE;
  trawl_index_dialog_cancel (self);
  return TRUE;
}

static void
trawl_index_dialog_dispose (GObject *object)
{
  TrawlIndexDialog *self = TRAWL_INDEX_DIALOG (object);

  self->disposed = TRUE;
  g_atomic_int_set (&self->cancel, 1);
  gtk_widget_dispose_template (GTK_WIDGET (self), TRAWL_TYPE_INDEX_DIALOG);
  G_OBJECT_CLASS (trawl_index_dialog_parent_class)->dispose (object);
}

static void
trawl_index_dialog_finalize (GObject *object)
{
  TrawlIndexDialog *self = TRAWL_INDEX_DIALOG (object);

  g_free (self->case_dir);
  g_ptr_array_unref (self->inputs);
  g_free (self->error);
  G_OBJECT_CLASS (trawl_index_dialog_parent_class)->finalize (object);
}

static void
trawl_index_dialog_class_init (TrawlIndexDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = trawl_index_dialog_dispose;
  G_OBJECT_CLASS (klass)->finalize = trawl_index_dialog_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = trawl_index_dialog_close_request;
  /* finished (completed): a run ended; completed is FALSE when it failed
   * or was cancelled (what was committed before stays in the case). */
  signals[SIGNAL_FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                           1, G_TYPE_BOOLEAN);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/trawl/Trawl/trawl-index-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, TrawlIndexDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, TrawlIndexDialog, start_button);
  gtk_widget_class_bind_template_child (widget_class, TrawlIndexDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, TrawlIndexDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlIndexDialog, inputs_list);
  gtk_widget_class_bind_template_child (widget_class, TrawlIndexDialog, camera_row);
  gtk_widget_class_bind_template_child (widget_class, TrawlIndexDialog, start_row);
  gtk_widget_class_bind_template_child (widget_class, TrawlIndexDialog, offset_row);
  gtk_widget_class_bind_template_child (widget_class, TrawlIndexDialog, faces_switch);
  gtk_widget_class_bind_template_child (widget_class, TrawlIndexDialog, plates_switch);
  gtk_widget_class_bind_template_child (widget_class, TrawlIndexDialog, current_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlIndexDialog, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, TrawlIndexDialog, counts_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlIndexDialog, eta_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlIndexDialog, running_failures_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlIndexDialog, done_title);
  gtk_widget_class_bind_template_child (widget_class, TrawlIndexDialog, result_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlIndexDialog, failures_title);
  gtk_widget_class_bind_template_child (widget_class, TrawlIndexDialog, failures_label);
  gtk_widget_class_install_action (widget_class, "index.start", NULL, start_activated);
  gtk_widget_class_install_action (widget_class, "index.cancel", NULL, cancel_activated);
  gtk_widget_class_install_action (widget_class, "index.add-files", NULL, add_files_activated);
  gtk_widget_class_install_action (widget_class, "index.add-folder", NULL, add_folder_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "index.cancel", NULL);
}

static void
trawl_index_dialog_init (TrawlIndexDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->inputs = g_ptr_array_new_with_free_func (g_free);
}

TrawlIndexDialog *
trawl_index_dialog_new (GtkWindow *parent, const char *case_dir)
{
  TrawlIndexDialog *self;

  g_return_val_if_fail (case_dir != NULL, NULL);
  /* the application's own window, so a run outlives the main window
   * being closed (the app quits when this one closes too) */
  self = g_object_new (TRAWL_TYPE_INDEX_DIALOG, "transient-for", parent, "application",
                       parent != NULL ? gtk_window_get_application (parent) : NULL, NULL);
  self->case_dir = g_strdup (case_dir);
  return self;
}

void
trawl_index_dialog_set_camera (TrawlIndexDialog *self, const char *name)
{
  g_return_if_fail (TRAWL_IS_INDEX_DIALOG (self));
  gtk_editable_set_text (GTK_EDITABLE (self->camera_row), name != NULL ? name : "");
}

void
trawl_index_dialog_set_start_text (TrawlIndexDialog *self, const char *text)
{
  g_return_if_fail (TRAWL_IS_INDEX_DIALOG (self));
  gtk_editable_set_text (GTK_EDITABLE (self->start_row), text != NULL ? text : "");
}

void
trawl_index_dialog_set_offset_text (TrawlIndexDialog *self, const char *text)
{
  g_return_if_fail (TRAWL_IS_INDEX_DIALOG (self));
  gtk_editable_set_text (GTK_EDITABLE (self->offset_row), text != NULL ? text : "");
}

void
trawl_index_dialog_set_detect (TrawlIndexDialog *self, gboolean faces, gboolean plates)
{
  g_return_if_fail (TRAWL_IS_INDEX_DIALOG (self));
  gtk_switch_set_active (self->faces_switch, faces);
  gtk_switch_set_active (self->plates_switch, plates);
}

gboolean
trawl_index_dialog_is_running (TrawlIndexDialog *self)
{
  g_return_val_if_fail (TRAWL_IS_INDEX_DIALOG (self), FALSE);
  return self->running;
}

const char *
trawl_index_dialog_get_error (TrawlIndexDialog *self)
{
  g_return_val_if_fail (TRAWL_IS_INDEX_DIALOG (self), NULL);
  return self->error;
}

guint
trawl_index_dialog_get_n_progress (TrawlIndexDialog *self)
{
  g_return_val_if_fail (TRAWL_IS_INDEX_DIALOG (self), 0);
  return self->n_progress;
}

const char *
trawl_index_dialog_get_result_text (TrawlIndexDialog *self)
{
  g_return_val_if_fail (TRAWL_IS_INDEX_DIALOG (self), NULL);
  return gtk_label_get_text (self->result_label);
}

const char *
trawl_index_dialog_get_failures_text (TrawlIndexDialog *self)
{
  g_return_val_if_fail (TRAWL_IS_INDEX_DIALOG (self), NULL);
  return gtk_label_get_text (self->failures_label);
}

guint
trawl_index_dialog_get_n_failures (TrawlIndexDialog *self)
{
  g_return_val_if_fail (TRAWL_IS_INDEX_DIALOG (self), 0);
  return self->n_failures;
}
