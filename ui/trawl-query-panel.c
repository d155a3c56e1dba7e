/* trawl-query-panel.c - TrawlQueryPanel: input widgets in, a TrawlQuery
 * out. Parsing and checking (plate patterns, times) is trawl/search.h's;
 * this file only collects what the person entered. */
#include "trawl-query-panel.h"
#include "trawl-face-marker.h"

#include <math.h>
#include <trawl/base.h>

struct _TrawlQueryPanel
{
  GtkWidget       parent_instance;

  GtkStack       *kind_stack;      /* "face" or "plate" page */
  GtkListBox     *photo_list;      /* one row per face photo */
  GtkEntry       *plate_entry;
  GtkCheckButton *exact_check;
  GtkLabel       *plate_photo_label;
  GtkButton      *plate_photo_clear;
  GtkListBox     *camera_list;     /* one check button per camera */
  GtkEntry       *from_entry;
  GtkEntry       *to_entry;

  GPtrArray      *face_photos;     /* of Photo*, owned */
  GFile          *plate_photo;     /* owned, or NULL */
  GPtrArray      *camera_checks;   /* of GtkCheckButton* (borrowed from camera_list) */
};

G_DEFINE_FINAL_TYPE (TrawlQueryPanel, trawl_query_panel, GTK_TYPE_WIDGET)

/* A face photo of the query and, when the person marked one, the face's
 * box (photo px); without a box the library takes the largest face. */
typedef struct {
  GFile   *file;
  gboolean has_box;
  float    box[4];
} Photo;

static void
photo_free (Photo *p)
{
  g_object_unref (p->file);
  g_free (p);
}

/* The template's root box is not a bound child: unparent it by hand. */
static void
unparent_children (GtkWidget *widget)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (widget)) != NULL)
    gtk_widget_unparent (child);
}

enum { SIGNAL_ERROR, N_SIGNALS };
static guint signals[N_SIGNALS];

static void rebuild_photo_list (TrawlQueryPanel *self);

static void
on_photo_remove_clicked_cb (GtkButton *button, TrawlQueryPanel *self)
{
  g_ptr_array_remove (self->face_photos, g_object_get_data (G_OBJECT (button), "photo"));
  rebuild_photo_list (self);
}

static void
on_face_marked_cb (TrawlFaceMarker *marker, double x, double y, double w, double h,
                   TrawlQueryPanel *self)
{
  Photo *p = g_object_get_data (G_OBJECT (marker), "photo");
  guint index;

  /* the photo may have been removed while the marker was open */
  if (!g_ptr_array_find (self->face_photos, p, &index))
    return;
  trawl_query_panel_set_face_box (self, index, (const float[4]) { x, y, w, h });
}

static void
on_photo_mark_clicked_cb (GtkButton *button, TrawlQueryPanel *self)
{
  guint index;

  if (g_ptr_array_find (self->face_photos, g_object_get_data (G_OBJECT (button), "photo"),
                        &index))
    trawl_query_panel_mark_face (self, index);
}

static GtkWidget *
photo_row (TrawlQueryPanel *self, Photo *p)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *pic = gtk_picture_new_for_file (p->file);
  g_autofree char *name = g_file_get_basename (p->file);
  g_autofree char *text = p->has_box ? g_strdup_printf ("%s\nface marked by hand", name)
                                     : g_strdup_printf ("%s\nlargest face", name);
  GtkWidget *label = gtk_label_new (text);
  GtkWidget *mark = gtk_button_new_from_icon_name ("find-location-symbolic");
  GtkWidget *remove = gtk_button_new_from_icon_name ("list-remove-symbolic");

  gtk_widget_set_size_request (pic, 48, 48);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_add_css_class (label, "caption");
  gtk_widget_set_tooltip_text (mark, "Mark the face you mean (for a photo of several people, "
                                     "or one where no face is found)");
  gtk_widget_set_tooltip_text (remove, "Remove this photo from the query");
  gtk_widget_add_css_class (mark, "flat");
  gtk_widget_add_css_class (remove, "flat");
  g_object_set_data (G_OBJECT (mark), "photo", p);
  g_object_set_data (G_OBJECT (remove), "photo", p);
  g_signal_connect_object (mark, "clicked", G_CALLBACK (on_photo_mark_clicked_cb), self, 0);
  g_signal_connect_object (remove, "clicked", G_CALLBACK (on_photo_remove_clicked_cb), self, 0);
  gtk_box_append (GTK_BOX (box), pic);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), mark);
  gtk_box_append (GTK_BOX (box), remove);
  return box;
}

static void
rebuild_photo_list (TrawlQueryPanel *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->photo_list))) != NULL)
    gtk_list_box_remove (self->photo_list, child);
  for (guint i = 0; i < self->face_photos->len; i++)
    gtk_list_box_append (self->photo_list, photo_row (self, self->face_photos->pdata[i]));
}

static void
on_plate_entry_activate_cb (TrawlQueryPanel *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.search", NULL);
}

static void
on_plate_photo_clear_clicked_cb (TrawlQueryPanel *self)
{
  trawl_query_panel_set_plate_photo (self, NULL);
}

static void
on_photos_chosen (GtkNativeDialog *dialog, int response, gpointer user_data)
{
  TrawlQueryPanel *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
      for (guint i = 0; i < g_list_model_get_n_items (files); i++)
        {
          g_autoptr(GFile) f = g_list_model_get_item (files, i);
          if (g_object_get_data (G_OBJECT (dialog), "plate") != NULL)
            trawl_query_panel_set_plate_photo (self, f);
          else
            trawl_query_panel_add_face_photo (self, f);
        }
    }
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
choose_photos (TrawlQueryPanel *self, gboolean plate)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  /* GTK 4.8 (Debian 12) predates GtkFileDialog. */
  chooser = gtk_file_chooser_native_new (plate ? "Choose a Plate Photo" : "Choose Face Photos",
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_OPEN, "_Add", "_Cancel");
  gtk_file_filter_set_name (filter, "Images");
  gtk_file_filter_add_mime_type (filter, "image/*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (chooser), !plate);
  if (plate)
    g_object_set_data (G_OBJECT (chooser), "plate", GINT_TO_POINTER (1));
  g_signal_connect (chooser, "response", G_CALLBACK (on_photos_chosen), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
add_photos_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  choose_photos (TRAWL_QUERY_PANEL (widget), FALSE);
}

static void
plate_photo_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  (void) action;
  (void) param;
  choose_photos (TRAWL_QUERY_PANEL (widget), TRUE);
}

static gboolean
on_plate_drop_cb (GtkDropTarget *target, const GValue *value, double x, double y,
                  TrawlQueryPanel *self)
{
  (void) target;
  (void) x;
  (void) y;
  if (!G_VALUE_HOLDS (value, G_TYPE_FILE))
    return FALSE;
  trawl_query_panel_set_plate_photo (self, g_value_get_object (value));
  return TRUE;
}

static void
trawl_query_panel_dispose (GObject *object)
{
  TrawlQueryPanel *self = TRAWL_QUERY_PANEL (object);

  g_clear_pointer (&self->face_photos, g_ptr_array_unref);
  g_clear_pointer (&self->camera_checks, g_ptr_array_unref);
  g_clear_object (&self->plate_photo);
  gtk_widget_dispose_template (GTK_WIDGET (object), TRAWL_TYPE_QUERY_PANEL);
  unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (trawl_query_panel_parent_class)->dispose (object);
}

static void
trawl_query_panel_class_init (TrawlQueryPanelClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = trawl_query_panel_dispose;
  /* error (message): input the panel could not take (a photo unreadable). */
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/trawl/Trawl/trawl-query-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, TrawlQueryPanel, kind_stack);
  gtk_widget_class_bind_template_child (widget_class, TrawlQueryPanel, photo_list);
  gtk_widget_class_bind_template_child (widget_class, TrawlQueryPanel, plate_entry);
  gtk_widget_class_bind_template_child (widget_class, TrawlQueryPanel, exact_check);
  gtk_widget_class_bind_template_child (widget_class, TrawlQueryPanel, plate_photo_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlQueryPanel, plate_photo_clear);
  gtk_widget_class_bind_template_child (widget_class, TrawlQueryPanel, camera_list);
  gtk_widget_class_bind_template_child (widget_class, TrawlQueryPanel, from_entry);
  gtk_widget_class_bind_template_child (widget_class, TrawlQueryPanel, to_entry);
  gtk_widget_class_bind_template_callback (widget_class, on_plate_entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_plate_photo_clear_clicked_cb);
  gtk_widget_class_install_action (widget_class, "query.add-photos", NULL, add_photos_activated);
  gtk_widget_class_install_action (widget_class, "query.plate-photo", NULL, plate_photo_activated);
}

static void
trawl_query_panel_init (TrawlQueryPanel *self)
{
  GtkDropTarget *drop;
  GtkWidget *plate_page;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->face_photos = g_ptr_array_new_with_free_func ((GDestroyNotify) photo_free);
  self->camera_checks = g_ptr_array_new ();
  /* A photo dropped on the plate page is a plate photo; anywhere else on
   * the window it is a face photo (the window's own drop target). */
  plate_page = gtk_stack_get_child_by_name (self->kind_stack, "plate");
  drop = gtk_drop_target_new (G_TYPE_FILE, GDK_ACTION_COPY);
  g_signal_connect_object (drop, "drop", G_CALLBACK (on_plate_drop_cb), self, 0);
  gtk_widget_add_controller (plate_page, GTK_EVENT_CONTROLLER (drop));
}

void
trawl_query_panel_set_cameras (TrawlQueryPanel *self, const char *const *names)
{
  GtkWidget *child;
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  g_auto(GStrv) ticked = NULL;

  g_return_if_fail (TRAWL_IS_QUERY_PANEL (self));
  /* the same case reopened (footage added) keeps its filter */
  for (guint i = 0; i < self->camera_checks->len; i++)
    if (gtk_check_button_get_active (self->camera_checks->pdata[i]))
      g_strv_builder_add (b, gtk_check_button_get_label (self->camera_checks->pdata[i]));
  ticked = g_strv_builder_end (b);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->camera_list))) != NULL)
    gtk_list_box_remove (self->camera_list, child);
  g_ptr_array_set_size (self->camera_checks, 0);
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      GtkWidget *check = gtk_check_button_new_with_label (names[i]);
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check), g_strv_contains (
                                     (const char *const *) ticked, names[i]));
      g_ptr_array_add (self->camera_checks, check);
      gtk_list_box_append (self->camera_list, check);
    }
}

gboolean
trawl_query_panel_set_camera_active (TrawlQueryPanel *self, const char *name, gboolean active)
{
  g_return_val_if_fail (TRAWL_IS_QUERY_PANEL (self), FALSE);
  for (guint i = 0; i < self->camera_checks->len; i++)
    {
      GtkCheckButton *check = self->camera_checks->pdata[i];
      if (g_strcmp0 (gtk_check_button_get_label (check), name) == 0)
        {
          gtk_check_button_set_active (check, active);
          return TRUE;
        }
    }
  return FALSE;
}

void
trawl_query_panel_add_face_photo (TrawlQueryPanel *self, GFile *file)
{
  Photo *p;

  g_return_if_fail (TRAWL_IS_QUERY_PANEL (self));
  g_return_if_fail (G_IS_FILE (file));
  p = g_new0 (Photo, 1);
  p->file = g_object_ref (file);
  g_ptr_array_add (self->face_photos, p);
  rebuild_photo_list (self);
  gtk_stack_set_visible_child_name (self->kind_stack, "face");
}

void
trawl_query_panel_set_plate_photo (TrawlQueryPanel *self, GFile *file)
{
  g_autofree char *name = NULL;

  g_return_if_fail (TRAWL_IS_QUERY_PANEL (self));
  g_set_object (&self->plate_photo, file);
  name = file != NULL ? g_file_get_basename (file) : NULL;
  gtk_label_set_text (self->plate_photo_label, name != NULL ? name : "No plate photo");
  gtk_widget_set_visible (GTK_WIDGET (self->plate_photo_clear), file != NULL);
  if (file != NULL)
    gtk_stack_set_visible_child_name (self->kind_stack, "plate");
}

void
trawl_query_panel_set_face_box (TrawlQueryPanel *self, guint index, const float *box)
{
  Photo *p;

  g_return_if_fail (TRAWL_IS_QUERY_PANEL (self));
  g_return_if_fail (index < self->face_photos->len);
  p = self->face_photos->pdata[index];
  p->has_box = box != NULL;
  for (int i = 0; i < 4 && box != NULL; i++)
    p->box[i] = box[i];
  rebuild_photo_list (self);
}

gboolean
trawl_query_panel_get_face_box (TrawlQueryPanel *self, guint index, float box[4])
{
  Photo *p;

  g_return_val_if_fail (TRAWL_IS_QUERY_PANEL (self), FALSE);
  g_return_val_if_fail (index < self->face_photos->len, FALSE);
  p = self->face_photos->pdata[index];
  for (int i = 0; i < 4 && p->has_box; i++)
    box[i] = p->box[i];
  return p->has_box;
}

GtkWindow *
trawl_query_panel_mark_face (TrawlQueryPanel *self, guint index)
{
  GtkRoot *root;
  g_autoptr(GError) error = NULL;
  TrawlFaceMarker *marker;
  Photo *p;

  g_return_val_if_fail (TRAWL_IS_QUERY_PANEL (self), NULL);
  g_return_val_if_fail (index < self->face_photos->len, NULL);
  p = self->face_photos->pdata[index];
  root = gtk_widget_get_root (GTK_WIDGET (self));
  marker = trawl_face_marker_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, p->file, &error);
  if (marker == NULL)
    {
      /* the window shows it as a toast, like every other input error */
      g_signal_emit (self, signals[SIGNAL_ERROR], 0, error->message);
      return NULL;
    }
  g_object_set_data (G_OBJECT (marker), "photo", p);
  g_signal_connect_object (marker, "face-marked", G_CALLBACK (on_face_marked_cb), self, 0);
  gtk_window_present (GTK_WINDOW (marker));
  return GTK_WINDOW (marker);
}

guint
trawl_query_panel_get_n_face_photos (TrawlQueryPanel *self)
{
  g_return_val_if_fail (TRAWL_IS_QUERY_PANEL (self), 0);
  return self->face_photos->len;
}

GtkEditable *
trawl_query_panel_get_plate_entry (TrawlQueryPanel *self)
{
  g_return_val_if_fail (TRAWL_IS_QUERY_PANEL (self), NULL);
  return GTK_EDITABLE (self->plate_entry);
}

void
trawl_query_panel_focus_plate (TrawlQueryPanel *self)
{
  g_return_if_fail (TRAWL_IS_QUERY_PANEL (self));
  gtk_stack_set_visible_child_name (self->kind_stack, "plate");
  gtk_widget_grab_focus (GTK_WIDGET (self->plate_entry));
}

void
trawl_query_panel_set_time_text (TrawlQueryPanel *self, const char *from, const char *to)
{
  g_return_if_fail (TRAWL_IS_QUERY_PANEL (self));
  if (from != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->from_entry), from);
  if (to != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->to_entry), to);
}

/* An entry's time, or NAN when empty. */
static gboolean
entry_time (GtkEntry *entry, const char *which, double *utc, GError **error)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));

  *utc = NAN;
  if (*text == '\0')
    return TRUE;
  if (!trawl_parse_time (text, utc, error))
    {
      g_prefix_error (error, "%s: ", which);
      return FALSE;
    }
  return TRUE;
}

static gboolean
fill_face (TrawlQueryPanel *self, TrawlQuery *q, GError **error)
{
  if (self->face_photos->len == 0)
    {
      g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                           "Add a photo of the person first: drop it on the window or use "
                           "“Add Photos…”.");
      return FALSE;
    }
  for (guint i = 0; i < self->face_photos->len; i++)
    {
      Photo *p = self->face_photos->pdata[i];
      g_autofree char *path = g_file_get_path (p->file);
      if (path == NULL)
        {
          g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                               "A photo is not a local file: save it to disk first.");
          return FALSE;
        }
      trawl_query_add_face_photo (q, path, 0, p->has_box ? p->box : NULL);
    }
  return TRUE;
}

static gboolean
fill_plate (TrawlQueryPanel *self, TrawlQuery *q, GError **error)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->plate_entry));
  gboolean exact = gtk_check_button_get_active (self->exact_check);

  if (text != NULL && *text != '\0')
    return trawl_query_set_plate_text (q, text, exact, error);
  if (self->plate_photo != NULL)
    {
      g_autofree char *path = g_file_get_path (self->plate_photo);
      if (path != NULL)
        {
          trawl_query_set_plate_photo (q, path);
          return TRUE;
        }
    }
  g_set_error_literal (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                       "Type a plate (? for one character, * for any run) or add a plate photo.");
  return FALSE;
}

TrawlQuery *
trawl_query_panel_build_query (TrawlQueryPanel *self, GError **error)
{
  g_autoptr(TrawlQuery) q = trawl_query_new ();
  const char *page;
  double from, to;

  g_return_val_if_fail (TRAWL_IS_QUERY_PANEL (self), NULL);
  page = gtk_stack_get_visible_child_name (self->kind_stack);
  if (g_strcmp0 (page, "plate") == 0 ? !fill_plate (self, q, error) : !fill_face (self, q, error))
    return NULL;
  for (guint i = 0; i < self->camera_checks->len; i++)
    {
      GtkCheckButton *check = self->camera_checks->pdata[i];
      if (gtk_check_button_get_active (check))
        trawl_query_add_camera (q, gtk_check_button_get_label (check));
    }
  if (!entry_time (self->from_entry, "From", &from, error)
      || !entry_time (self->to_entry, "To", &to, error))
    return NULL;
  trawl_query_set_time_range (q, from, to);
  trawl_query_set_thumbnails (q, TRUE);
  return g_steal_pointer (&q);
}
