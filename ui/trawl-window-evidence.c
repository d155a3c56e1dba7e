/* trawl-window-evidence.c - what the window hands over and takes in: the
 * export dialog for the selected hit, the PDF report of the matching
 * results (written by trawl_evidence_report in a worker that opens the
 * case for writing, as the audit log is appended to), and the Add Footage
 * window, after whose runs the case is reopened. */
#include "trawl-window-private.h"
#include "trawl-export-dialog.h"
#include "trawl-index-dialog.h"

#include <trawl/base.h>
#include <trawl/catalog.h>
#include <trawl/evidence.h>

/* ---- export ---- */

GtkWindow *
trawl_window_export_selected (TrawlWindow *self)
{
  TrawlHit *item;
  TrawlExportDialog *dialog;

  g_return_val_if_fail (TRAWL_IS_WINDOW (self), NULL);
  item = gtk_single_selection_get_selected_item (self->selection);
  if (self->case_dir == NULL || item == NULL)
    {
      _trawl_window_show_error (self, self->case_dir == NULL
                                        ? "Open a case first (Ctrl+O)."
                                        : "Select a result to export it.");
      return NULL;
    }
  dialog = trawl_export_dialog_new (GTK_WINDOW (self), self->case_dir, item, self->results_query,
                                    (const char *const *) self->cameras);
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WINDOW (dialog);
}

/* ---- the report ---- */

typedef struct {
  char   *case_dir;
  char   *out_path;
  char   *query;      /* nullable */
  GArray *track_ids;  /* gint64 */
} ReportJob;

static void
report_job_free (ReportJob *job)
{
  g_free (job->case_dir);
  g_free (job->out_path);
  g_free (job->query);
  g_array_unref (job->track_ids);
  g_free (job);
}

static void
report_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ReportJob *job = task_data;
  GError *error = NULL;
  g_autoptr(TrawlCatalog) cat = NULL;
  TrawlReportResult *res;
  TrawlReportOptions o;

  (void) source;
  /* its own writer's connection: the report's hash goes into the audit log */
  cat = trawl_catalog_open (job->case_dir, 0, &error);
  if (cat == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  trawl_report_options_init (&o);
  o.track_ids = (const gint64 *) job->track_ids->data;
  o.n_tracks = job->track_ids->len;
  o.query = job->query;
  o.out_path = job->out_path;
  /* the save chooser asked before replacing a file */
  o.force = TRUE;
  res = trawl_evidence_report (cat, &o, cancellable, &error);
  if (res == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, res, (GDestroyNotify) trawl_report_result_free);
}

static void
on_report_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  TrawlWindow *self = TRAWL_WINDOW (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlReportResult) res = g_task_propagate_pointer (G_TASK (result), &error);
  g_autofree char *msg = NULL;

  (void) user_data;
  self->reporting = FALSE;
  if (self->disposed)
    return;
  _trawl_window_update_busy (self);
  if (res == NULL)
    {
      msg = g_strdup_printf ("The report was not written: %s%s",
                             g_error_matches (error, TRAWL_ERROR, TRAWL_ERROR_BUSY)
                               ? "footage is being indexed into the case (here or by trawl "
                                 "index); write the report when that has finished. "
                               : "", error->message);
      _trawl_window_show_error (self, msg);
      return;
    }
  msg = g_strdup_printf ("Report written: %s (%u finding%s, %d page%s)", res->path,
                         res->n_findings, res->n_findings == 1 ? "" : "s", res->pages,
                         res->pages == 1 ? "" : "s");
  _trawl_window_show_info (self, msg, res->path);
}

/* The matching hits' tracks, best first. */
static GArray *
matching_tracks (TrawlWindow *self)
{
  const TrawlSearchResults *r = self->results != NULL ? trawl_results_ref_get (self->results)
                                                      : NULL;
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; r != NULL && i < r->hits->len; i++)
    {
      const TrawlSearchHit *h = r->hits->pdata[i];
      if (h->match)
        g_array_append_val (ids, h->track_id);
    }
  return ids;
}

gboolean
trawl_window_write_report (TrawlWindow *self, GFile *pdf)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *path = NULL;
  ReportJob *job;
  GArray *ids;

  g_return_val_if_fail (TRAWL_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (pdf), FALSE);
  if (self->reporting)
    {
      _trawl_window_show_error (self, "A report is being written; wait for it.");
      return FALSE;
    }
  path = g_file_get_path (pdf);
  ids = matching_tracks (self);
  if (self->case_dir == NULL || ids->len == 0 || path == NULL)
    {
      _trawl_window_show_error (self, path == NULL ? "The report must be a local file."
                                      : "Nothing to report: no result is at or above the "
                                        "threshold. Search first.");
      g_array_unref (ids);
      return FALSE;
    }
  job = g_new0 (ReportJob, 1);
  job->case_dir = g_strdup (self->case_dir);
  job->out_path = g_steal_pointer (&path);
  job->query = g_strdup (self->results_query);
  job->track_ids = ids;
  self->reporting = TRUE;
  _trawl_window_update_busy (self);
  task = g_task_new (self, NULL, on_report_done, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) report_job_free);
  g_task_run_in_thread (task, report_thread);
  return TRUE;
}

static void
on_report_file_chosen (GtkNativeDialog *chooser, int response, gpointer user_data)
{
  TrawlWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT && !self->disposed)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      if (file != NULL)
        trawl_window_write_report (self, file);
    }
  g_object_unref (chooser);
  g_object_unref (self);
}

void
_trawl_window_choose_report (TrawlWindow *self)
{
  GtkFileChooserNative *chooser;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M");
  g_autofree char *case_name = NULL, *name = NULL;
  g_autoptr(GFile) folder = NULL;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (self->case_dir == NULL)
    {
      _trawl_window_show_error (self, "Open a case first (Ctrl+O).");
      return;
    }
  case_name = g_path_get_basename (self->case_dir);
  name = g_strdup_printf ("report-%s-%s.pdf", case_name, stamp);
  folder = g_file_new_for_path (self->case_dir);
  /* GTK 4.8 predates GtkFileDialog; the chooser asks before replacing. */
  chooser = gtk_file_chooser_native_new ("Save the Case Report", GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, "_Save", "_Cancel");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, NULL);
  gtk_file_filter_set_name (filter, "PDF");
  gtk_file_filter_add_mime_type (filter, "application/pdf");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  g_signal_connect (chooser, "response", G_CALLBACK (on_report_file_chosen), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---- adding footage ---- */

static void
on_footage_added_cb (TrawlWindow *self, gboolean completed, TrawlIndexDialog *dialog)
{
  const char *dir = g_object_get_data (G_OBJECT (dialog), "trawl-case-dir");

  (void) completed;
  /* committed videos count whether or not the run completed */
  if (g_strcmp0 (dir, self->case_dir) == 0)
    _trawl_window_refresh_case (self);
}

GtkWindow *
trawl_window_add_footage (TrawlWindow *self)
{
  TrawlIndexDialog *dialog;

  g_return_val_if_fail (TRAWL_IS_WINDOW (self), NULL);
  if (self->index_dialog != NULL && trawl_index_dialog_is_running (self->index_dialog))
    {
      gtk_window_present (GTK_WINDOW (self->index_dialog));
      return GTK_WINDOW (self->index_dialog);
    }
  /* a finished run's window gives way to a fresh form */
  if (self->index_dialog != NULL)
    {
      dialog = self->index_dialog;
      g_object_remove_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->index_dialog);
      self->index_dialog = NULL;
      gtk_window_destroy (GTK_WINDOW (dialog));
    }
  if (self->case_dir == NULL)
    {
      _trawl_window_show_error (self, "Open a case first (Ctrl+O).");
      return NULL;
    }
  dialog = trawl_index_dialog_new (GTK_WINDOW (self), self->case_dir);
  g_object_set_data_full (G_OBJECT (dialog), "trawl-case-dir", g_strdup (self->case_dir), g_free);
  g_signal_connect_object (dialog, "finished", G_CALLBACK (on_footage_added_cb), self,
                           G_CONNECT_SWAPPED);
  self->index_dialog = dialog;
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->index_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WINDOW (dialog);
}
