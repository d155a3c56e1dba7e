/* trawl-window-actions.c - the window's actions (win.*) and their
 * keyboard shortcuts: open a case (GtkFileChooserNative: GTK 4.8 has no
 * GtkFileDialog), open a recent one, search, cancel, focus the plate
 * entry, export, report, add footage (their work is in
 * trawl-window-evidence.c), and open a file a toast names. */
#include "trawl-window-private.h"

static void
on_case_chosen (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  TrawlWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) dir = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      if (dir != NULL)
        trawl_window_open_case (self, dir);
    }
  g_object_unref (dialog);
}

static void
open_case_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  GtkFileChooserNative *chooser;

  (void) action;
  (void) param;
  /* GTK 4.8 (Debian 12) predates GtkFileDialog: use the native chooser. */
  chooser = gtk_file_chooser_native_new ("Open Case", GTK_WINDOW (widget),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                         "_Open", "_Cancel");
  g_signal_connect (chooser, "response", G_CALLBACK (on_case_chosen), widget);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
open_recent_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  g_autoptr(GFile) dir = g_file_new_for_path (g_variant_get_string (param, NULL));

  (void) action;
  trawl_window_open_case (TRAWL_WINDOW (widget), dir);
}

static void
search_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  _trawl_window_search (TRAWL_WINDOW (widget));
}

static void
cancel_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  _trawl_window_cancel_search (TRAWL_WINDOW (widget));
}

static void
focus_plate_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  trawl_query_panel_focus_plate (TRAWL_WINDOW (widget)->query_panel);
}

static void
export_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  trawl_window_export_selected (TRAWL_WINDOW (widget));
}

static void
report_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  _trawl_window_choose_report (TRAWL_WINDOW (widget));
}

static void
add_footage_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  trawl_window_add_footage (TRAWL_WINDOW (widget));
}

/* A toast's Open button: the file or folder in the desktop's default app
 * (GtkFileLauncher is GTK 4.10; Debian 12 has 4.8). */
static void
open_file_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = g_filename_to_uri (g_variant_get_string (param, NULL), NULL, &error);
  g_autoptr(GdkAppLaunchContext) ctx = gdk_display_get_app_launch_context (
    gtk_widget_get_display (widget));

  (void) action;
  if (uri == NULL || !g_app_info_launch_default_for_uri (uri, G_APP_LAUNCH_CONTEXT (ctx), &error))
    _trawl_window_show_error (TRAWL_WINDOW (widget), error->message);
}

void
_trawl_window_class_add_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.open-case", NULL, open_case_activated);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_activated);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_activated);
  gtk_widget_class_install_action (widget_class, "win.cancel", NULL, cancel_activated);
  gtk_widget_class_install_action (widget_class, "win.focus-plate", NULL, focus_plate_activated);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, export_activated);
  gtk_widget_class_install_action (widget_class, "win.report", NULL, report_activated);
  gtk_widget_class_install_action (widget_class, "win.add-footage", NULL, add_footage_activated);
  gtk_widget_class_install_action (widget_class, "win.open-file", "s", open_file_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK,
                                       "win.open-case", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.cancel", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK,
                                       "win.focus-plate", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK,
                                       "win.export", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK,
                                       "win.report", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_i, GDK_CONTROL_MASK,
                                       "win.add-footage", NULL);
}
