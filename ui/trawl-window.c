/* trawl-window.c - the main window, built from trawl-window.ui. Search and
 * results arrive with the search issue; for now it opens a case folder and
 * says what this version can and cannot do. */
#include "trawl-window.h"

#include <trawl/base.h>

struct _TrawlWindow
{
  GtkApplicationWindow parent_instance;

  GtkLabel       *status_label;  /* what the window is showing, in words */
  GtkSearchEntry *plate_entry;
  GFile          *case_dir;      /* owned; NULL until a case is opened */
};

G_DEFINE_FINAL_TYPE (TrawlWindow, trawl_window, GTK_TYPE_APPLICATION_WINDOW)

/* GTK 4.8 (Debian 12) predates GtkFileDialog: use the native chooser. */
static void
on_case_chosen (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  TrawlWindow *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) dir = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      if (dir != NULL)
        trawl_window_set_case (self, dir);
    }
  g_object_unref (dialog);
}

static void
open_case_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  GtkFileChooserNative *chooser;

  (void) action;
  (void) param;
  chooser = gtk_file_chooser_native_new ("Open Case", GTK_WINDOW (widget),
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                         "_Open", "_Cancel");
  g_signal_connect (chooser, "response", G_CALLBACK (on_case_chosen), widget);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_plate_search (GtkSearchEntry *entry, TrawlWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));
  g_autofree char *msg = NULL;

  if (self->case_dir == NULL)
    msg = g_strdup ("Open a case first.");
  else
    msg = g_strdup_printf ("Plate search for \"%s\" is not built yet in trawl %s.",
                           text, trawl_version ());
  gtk_label_set_text (self->status_label, msg);
}

static void
trawl_window_dispose (GObject *object)
{
  TrawlWindow *self = TRAWL_WINDOW (object);

  g_clear_object (&self->case_dir);
  gtk_widget_dispose_template (GTK_WIDGET (self), TRAWL_TYPE_WINDOW);
  G_OBJECT_CLASS (trawl_window_parent_class)->dispose (object);
}

static void
trawl_window_class_init (TrawlWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = trawl_window_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/trawl/Trawl/trawl-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, plate_entry);
  gtk_widget_class_install_action (widget_class, "win.open-case", NULL, open_case_activated);
}

static void
trawl_window_init (TrawlWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self->plate_entry, "activate", G_CALLBACK (on_plate_search), self);
  gtk_label_set_text (self->status_label, "No case open. Use “Open Case…” to choose a case folder.");
}

TrawlWindow *
trawl_window_new (GtkApplication *app)
{
  return g_object_new (TRAWL_TYPE_WINDOW, "application", app, NULL);
}

void
trawl_window_set_case (TrawlWindow *self, GFile *case_dir)
{
  g_autofree char *path = g_file_get_path (case_dir);
  g_autofree char *msg = NULL;
  g_autofree char *title = NULL;

  g_set_object (&self->case_dir, case_dir);
  title = g_strdup_printf ("trawl — %s", path);
  gtk_window_set_title (GTK_WINDOW (self), title);
  msg = g_strdup_printf ("Case: %s", path);
  gtk_label_set_text (self->status_label, msg);
}

const char *
trawl_window_get_status (TrawlWindow *self)
{
  return gtk_label_get_text (self->status_label);
}
