/* trawl-window.c - TrawlWindow: opens a case (worker thread), runs the
 * query panel's query with trawl_search_run_async (spinner, cancel; the
 * actions that start them are in trawl-window-actions.c),
 * shows the hits in a sorted grid and the timeline sharing one selection,
 * and opens the selected hit in the player. Export, report and adding
 * footage are in trawl-window-evidence.c. Errors become toasts; nothing
 * here decides what matches (that is trawl/search.h's). */
#include "trawl-window-private.h"
#include "trawl-hit.h"
#include "trawl-recent.h"

#include <math.h>
#include <trawl/base.h>


G_DEFINE_FINAL_TYPE (TrawlWindow, trawl_window, ADW_TYPE_APPLICATION_WINDOW)

void
_trawl_window_show_error (TrawlWindow *self, const char *message)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 8);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
  g_free (self->last_error);
  self->last_error = g_strdup (message);
  g_message ("%s", message);
}

void
_trawl_window_show_info (TrawlWindow *self, const char *message, const char *open_path)
{
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_timeout (toast, 10);
  if (open_path != NULL)
    {
      adw_toast_set_button_label (toast, "_Open");
      adw_toast_set_action_name (toast, "win.open-file");
      adw_toast_set_action_target_value (toast, g_variant_new_string (open_path));
    }
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
  g_free (self->last_info);
  self->last_info = g_strdup (message);
  g_message ("%s", message);
}

static gboolean
has_matches (TrawlWindow *self)
{
  const TrawlSearchResults *r = self->results != NULL ? trawl_results_ref_get (self->results)
                                                      : NULL;

  for (guint i = 0; r != NULL && i < r->hits->len; i++)
    if (((TrawlSearchHit *) r->hits->pdata[i])->match)
      return TRUE;
  return FALSE;
}

void
_trawl_window_update_busy (TrawlWindow *self)
{
  gboolean busy = self->opening || self->searching;
  gboolean has_case = self->search != NULL;
  gboolean selected = self->selection != NULL
                      && gtk_single_selection_get_selected_item (self->selection) != NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy || self->reporting);
  gtk_spinner_set_spinning (self->spinner, busy || self->reporting);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), self->searching);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.search", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel", self->searching);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export", has_case && selected);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.report",
                                 has_case && !self->reporting && has_matches (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.add-footage", has_case);
}

/* ---- recent cases ---- */

static void
update_recent_menu (TrawlWindow *self)
{
  g_auto(GStrv) recent = trawl_recent_cases_load ();
  g_autoptr(GMenu) menu = g_menu_new ();

  for (guint i = 0; recent[i] != NULL; i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (recent[i], NULL);
      g_menu_item_set_action_and_target_value (item, "win.open-recent",
                                               g_variant_new_string (recent[i]));
      g_menu_append_item (menu, item);
    }
  if (recent[0] == NULL)
    g_menu_append (menu, "No recent cases", "win.none");
  gtk_menu_button_set_menu_model (self->recent_button, G_MENU_MODEL (menu));
}

/* ---- opening a case ---- */

static void
open_case_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  TrawlSearch *s = trawl_search_new (task_data, &error);

  (void) source;
  (void) cancellable;
  if (s == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, s, (GDestroyNotify) trawl_search_free);
}

static char **
camera_names (TrawlSearch *s, GError **error)
{
  g_autoptr(GPtrArray) cams = trawl_catalog_list_cameras (
    trawl_case_get_catalog (trawl_search_get_case (s)), error);
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

  if (cams == NULL)
    return NULL;
  for (guint i = 0; i < cams->len; i++)
    g_strv_builder_add (b, ((TrawlCamera *) cams->pdata[i])->name);
  return g_strv_builder_end (b);
}

static void clear_results (TrawlWindow *self);

static void
on_case_opened (GObject *source, GAsyncResult *result, gpointer user_data)
{
  TrawlWindow *self = TRAWL_WINDOW (source);
  g_autoptr(GError) error = NULL;
  TrawlSearch *s = g_task_propagate_pointer (G_TASK (result), &error);
  g_auto(GStrv) cams = NULL;
  const char *dir;
  g_autoptr(GError) recent_error = NULL;
  gboolean refreshing = self->refreshing;

  (void) user_data;
  self->opening = FALSE;
  self->refreshing = FALSE;
  if (self->disposed)
    {
      g_clear_pointer (&s, trawl_search_free);
      return;
    }
  if (s == NULL || (cams = camera_names (s, &error)) == NULL
      || !trawl_case_summary_set_case (self->case_summary, trawl_search_get_case (s), &error))
    {
      g_clear_pointer (&s, trawl_search_free);
      _trawl_window_show_error (self, error->message);
      _trawl_window_update_busy (self);
      return;
    }
  /* After footage was added the same case reopens: what is on screen
   * stays (hits are copies), the next search sees the new footage. */
  if (!refreshing)
    {
      clear_results (self);
      trawl_player_close (self->player);
      /* another case: no camera ticked (the same one keeps its filter) */
      trawl_query_panel_set_cameras (self->query_panel, NULL);
    }
  g_clear_pointer (&self->search, trawl_search_free);
  self->search = s;
  dir = trawl_case_get_dir (trawl_search_get_case (s));
  g_free (self->case_dir);
  self->case_dir = g_strdup (dir);
  g_strfreev (self->cameras);
  self->cameras = g_strdupv (cams);
  adw_window_title_set_subtitle (self->window_title, dir);
  trawl_query_panel_set_cameras (self->query_panel, (const char *const *) cams);
  trawl_timeline_set_cameras (self->timeline, (const char *const *) cams);
  if (!trawl_recent_cases_add (dir, &recent_error))
    g_warning ("recent cases not saved: %s", recent_error->message);
  update_recent_menu (self);
  _trawl_window_update_busy (self);
}

void
trawl_window_open_case (TrawlWindow *self, GFile *dir)
{
  g_autoptr(GTask) task = NULL;
  char *path;

  g_return_if_fail (TRAWL_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (dir));
  if (self->searching || self->opening)
    {
      _trawl_window_show_error (self, "Wait for the running search to finish (or cancel it) first.");
      return;
    }
  if (self->index_dialog != NULL && trawl_index_dialog_is_running (self->index_dialog))
    {
      _trawl_window_show_error (self, "Footage is being added to this case: wait for it (or "
                                      "cancel it) before opening another.");
      return;
    }
  path = g_file_get_path (dir);
  if (path == NULL)
    {
      _trawl_window_show_error (self, "A case must be a local folder.");
      return;
    }
  self->opening = TRUE;
  _trawl_window_update_busy (self);
  task = g_task_new (self, NULL, on_case_opened, NULL);
  g_task_set_task_data (task, path, g_free);
  g_task_run_in_thread (task, open_case_thread);
}

void
_trawl_window_refresh_case (TrawlWindow *self)
{
  g_autoptr(GFile) dir = NULL;

  if (self->case_dir == NULL || self->disposed)
    return;
  if (self->searching || self->opening)
    {
      self->refresh_pending = TRUE;
      return;
    }
  self->refresh_pending = FALSE;
  self->refreshing = TRUE;
  dir = g_file_new_for_path (self->case_dir);
  trawl_window_open_case (self, dir);
}




/* ---- results ---- */

static int
compare_hits (gconstpointer a, gconstpointer b, gpointer user_data)
{
  TrawlWindow *self = user_data;
  const TrawlSearchHit *x = trawl_hit_get_hit ((TrawlHit *) a);
  const TrawlSearchHit *y = trawl_hit_get_hit ((TrawlHit *) b);

  if (gtk_drop_down_get_selected (self->sort_dropdown) == 1)
    {
      /* by time; hits of unknown time last, by rank */
      if (isnan (x->first_utc) != isnan (y->first_utc))
        return isnan (x->first_utc) ? 1 : -1;
      if (!isnan (x->first_utc) && x->first_utc != y->first_utc)
        return x->first_utc < y->first_utc ? -1 : 1;
    }
  return x->rank < y->rank ? -1 : x->rank > y->rank;
}

static void
on_sort_changed_cb (TrawlWindow *self)
{
  gtk_sorter_changed (GTK_SORTER (self->sorter), GTK_SORTER_CHANGE_DIFFERENT);
}

static void
clear_results (TrawlWindow *self)
{
  g_autoptr(GListStore) empty = g_list_store_new (TRAWL_TYPE_HIT);

  gtk_sort_list_model_set_model (self->sorted, G_LIST_MODEL (empty));
  trawl_timeline_set_results (self->timeline, self->selection, NULL);
  g_clear_pointer (&self->results, trawl_results_ref_unref);
  gtk_stack_set_visible_child_name (self->results_stack, "empty");
  gtk_label_set_text (self->results_label, "No results yet.");
  g_clear_pointer (&self->results_query, g_free);
  _trawl_window_update_busy (self);
}

static char *
results_text (const TrawlSearchResults *r)
{
  guint n_match = 0;

  for (guint i = 0; i < r->hits->len; i++)
    n_match += ((TrawlSearchHit *) r->hits->pdata[i])->match;
  return g_strdup_printf ("%u %s tracks%s%s, %u at or above the threshold %.3f (%s). "
                          "%" G_GINT64_FORMAT " looked at in %.0f ms.",
                          r->hits->len, trawl_kind_to_string (r->kind),
                          r->query_text != NULL ? " for " : "",
                          r->query_text != NULL ? r->query_text : "", n_match, r->threshold,
                          r->threshold_note, r->n_candidates, r->elapsed_s * 1000);
}

static void
show_results (TrawlWindow *self, TrawlSearchResults *r)
{
  g_autoptr(GListStore) store = NULL;
  g_autofree char *text = results_text (r);

  trawl_player_close (self->player);
  g_clear_pointer (&self->results, trawl_results_ref_unref);
  self->results = trawl_results_ref_new (r);
  store = trawl_hit_store_new (self->results);
  gtk_sort_list_model_set_model (self->sorted, G_LIST_MODEL (store));
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  trawl_timeline_set_results (self->timeline, self->selection, self->results);
  gtk_label_set_text (self->results_label, text);
  g_free (self->results_query);
  self->results_query = g_steal_pointer (&self->query_json);
  _trawl_window_update_busy (self);
  if (r->hits->len > 0)
    gtk_stack_set_visible_child_name (self->results_stack, "grid");
  else
    {
      adw_status_page_set_title (self->status_page, "No tracks found");
      adw_status_page_set_description (self->status_page,
                                       "Nothing in this case matches; try fewer filters or "
                                       "a wildcard (AB*).");
      gtk_stack_set_visible_child_name (self->results_stack, "empty");
    }
}

static void
on_search_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TrawlWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  TrawlSearchResults *r = trawl_search_run_finish (self->search, result, &error);

  (void) source;  /* NULL: TrawlSearch is not a GObject */
  self->searching = FALSE;
  g_clear_object (&self->search_cancel);
  if (self->disposed)
    {
      g_clear_pointer (&r, trawl_search_results_free);
      return;
    }
  _trawl_window_update_busy (self);
  if (self->refresh_pending)
    _trawl_window_refresh_case (self);
  if (r == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _trawl_window_show_error (self, "Search cancelled.");
      else
        _trawl_window_show_error (self, error->message);
      return;
    }
  show_results (self, r);
  self->last_query_ms = (g_get_monotonic_time () - self->search_start_us) / 1000.0;
}





void
_trawl_window_search (TrawlWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlQuery) q = NULL;

  if (self->search == NULL)
    {
      _trawl_window_show_error (self, "Open a case first (Ctrl+O).");
      return;
    }
  if (self->searching || self->opening)
    return;
  q = trawl_query_panel_build_query (self->query_panel, &error);
  if (q == NULL)
    {
      _trawl_window_show_error (self, error->message);
      return;
    }
  g_free (self->query_json);
  self->query_json = trawl_query_to_json (q);
  self->search_start_us = g_get_monotonic_time ();
  self->searching = TRUE;
  self->search_cancel = g_cancellable_new ();
  _trawl_window_update_busy (self);
  /* The search is the worker's until on_search_done: selection changes
   * meanwhile open the player without reading the track's sightings. */
  trawl_search_run_async (self->search, q, self->search_cancel, on_search_done,
                          g_object_ref (self));
}

void
_trawl_window_cancel_search (TrawlWindow *self)
{
  if (self->search_cancel != NULL)
    g_cancellable_cancel (self->search_cancel);
}

/* ---- selection -> player ---- */

static void
on_selection_changed_cb (TrawlWindow *self)
{
  TrawlHit *item = gtk_single_selection_get_selected_item (self->selection);
  const TrawlSearchHit *hit;
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlTrack) track = NULL;
  GPtrArray *sightings = NULL;

  _trawl_window_update_busy (self);
  if (item == NULL)
    return;
  hit = trawl_hit_get_hit (item);
  /* The TrawlSearch is one thread's at a time: while a query runs, the
   * player opens without the sighting markers. */
  if (self->search != NULL && !self->searching
      && !trawl_search_get_track (self->search, hit->track_id, &track, &sightings, &error))
    _trawl_window_show_error (self, error->message);
  trawl_player_open (self->player, hit, sightings);
}

static void
on_part_error_cb (TrawlWindow *self, const char *message)
{
  _trawl_window_show_error (self, message);
}

/* ---- drops ---- */

void
trawl_window_drop_file (TrawlWindow *self, GFile *file)
{
  g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_CONTENT_TYPE ","
                                                 G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                                 G_FILE_QUERY_INFO_NONE, NULL, NULL);
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *msg = NULL;
  const char *type = info != NULL ? g_file_info_get_content_type (info) : NULL;

  if (info != NULL && g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
    trawl_window_open_case (self, file);
  else if (type != NULL && g_content_type_is_mime_type (type, "image/*"))
    trawl_query_panel_add_face_photo (self->query_panel, file);
  else
    {
      msg = g_strdup_printf ("%s is not a photo: drop a photo of a face, or a case folder.", name);
      _trawl_window_show_error (self, msg);
    }
}

static gboolean
on_drop_cb (GtkDropTarget *target, const GValue *value, double x, double y, TrawlWindow *self)
{
  (void) target;
  (void) x;
  (void) y;
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      for (GSList *l = g_value_get_boxed (value); l != NULL; l = l->next)
        trawl_window_drop_file (self, l->data);
      return TRUE;
    }
  if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    {
      trawl_window_drop_file (self, g_value_get_object (value));
      return TRUE;
    }
  return FALSE;
}

/* ---- the class ---- */

static void
trawl_window_dispose (GObject *object)
{
  TrawlWindow *self = TRAWL_WINDOW (object);

  self->disposed = TRUE;
  if (self->search_cancel != NULL)
    g_cancellable_cancel (self->search_cancel);
  if (self->index_dialog != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->index_dialog),
                                  (gpointer *) &self->index_dialog);
  self->index_dialog = NULL;
  if (self->timeline != NULL)
    trawl_timeline_set_results (self->timeline, NULL, NULL);
  g_clear_pointer (&self->results, trawl_results_ref_unref);
  g_clear_object (&self->selection);
  g_clear_object (&self->sorted);
  g_clear_object (&self->sorter);
  gtk_widget_dispose_template (GTK_WIDGET (self), TRAWL_TYPE_WINDOW);
  G_OBJECT_CLASS (trawl_window_parent_class)->dispose (object);
}

static void
trawl_window_finalize (GObject *object)
{
  TrawlWindow *self = TRAWL_WINDOW (object);

  /* A running search holds a ref on the window, so none runs now. */
  g_clear_pointer (&self->search, trawl_search_free);
  g_free (self->last_error);
  g_free (self->last_info);
  g_free (self->case_dir);
  g_strfreev (self->cameras);
  g_free (self->query_json);
  g_free (self->results_query);
  G_OBJECT_CLASS (trawl_window_parent_class)->finalize (object);
}

static void
trawl_window_class_init (TrawlWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = trawl_window_dispose;
  G_OBJECT_CLASS (klass)->finalize = trawl_window_finalize;
  g_type_ensure (TRAWL_TYPE_CASE_SUMMARY);
  g_type_ensure (TRAWL_TYPE_QUERY_PANEL);
  g_type_ensure (TRAWL_TYPE_TIMELINE);
  g_type_ensure (TRAWL_TYPE_PLAYER);
  g_type_ensure (TRAWL_TYPE_HIT);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/trawl/Trawl/trawl-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, recent_button);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, case_summary);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, query_panel);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, results_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, sort_dropdown);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, results_stack);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, status_page);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, grid_view);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, player);
  gtk_widget_class_bind_template_child (widget_class, TrawlWindow, timeline);

  _trawl_window_class_add_actions (widget_class);
}

static void
trawl_window_init (TrawlWindow *self)
{
  g_autoptr(GtkListItemFactory) factory = NULL;
  g_autoptr(GListStore) empty = g_list_store_new (TRAWL_TYPE_HIT);
  GtkDropTarget *drop;
  GType types[] = { GDK_TYPE_FILE_LIST, G_TYPE_FILE };

  gtk_widget_init_template (GTK_WIDGET (self));
  self->last_query_ms = NAN;
  self->sorter = gtk_custom_sorter_new (compare_hits, self, NULL);
  self->sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (empty)),
                                          GTK_SORTER (g_object_ref (self->sorter)));
  self->selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->sorted)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  factory = gtk_builder_list_item_factory_new_from_resource (NULL,
                                                             "/org/trawl/Trawl/trawl-hit-tile.ui");
  gtk_grid_view_set_factory (self->grid_view, factory);
  gtk_grid_view_set_model (self->grid_view, GTK_SELECTION_MODEL (self->selection));
  trawl_timeline_set_results (self->timeline, self->selection, NULL);
  g_signal_connect_object (self->selection, "notify::selected",
                           G_CALLBACK (on_selection_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sort_dropdown, "notify::selected",
                           G_CALLBACK (on_sort_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->player, "error", G_CALLBACK (on_part_error_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->query_panel, "error", G_CALLBACK (on_part_error_cb), self,
                           G_CONNECT_SWAPPED);
  drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop, types, G_N_ELEMENTS (types));
  g_signal_connect_object (drop, "drop", G_CALLBACK (on_drop_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
  update_recent_menu (self);
  _trawl_window_update_busy (self);
}

TrawlWindow *
trawl_window_new (GtkApplication *app)
{
  return g_object_new (TRAWL_TYPE_WINDOW, "application", app, NULL);
}

void
trawl_window_set_sort_by_time (TrawlWindow *self, gboolean by_time)
{
  g_return_if_fail (TRAWL_IS_WINDOW (self));
  gtk_drop_down_set_selected (self->sort_dropdown, by_time ? 1 : 0);
}

gboolean
trawl_window_is_busy (TrawlWindow *self)
{
  g_return_val_if_fail (TRAWL_IS_WINDOW (self), FALSE);
  return self->opening || self->searching || self->reporting;
}

gboolean
trawl_window_has_case (TrawlWindow *self)
{
  g_return_val_if_fail (TRAWL_IS_WINDOW (self), FALSE);
  return self->search != NULL;
}

const char *
trawl_window_get_last_error (TrawlWindow *self)
{
  g_return_val_if_fail (TRAWL_IS_WINDOW (self), NULL);
  return self->last_error;
}

const char *
trawl_window_get_last_info (TrawlWindow *self)
{
  g_return_val_if_fail (TRAWL_IS_WINDOW (self), NULL);
  return self->last_info;
}

GtkSingleSelection *
trawl_window_get_selection (TrawlWindow *self)
{
  g_return_val_if_fail (TRAWL_IS_WINDOW (self), NULL);
  return self->selection;
}

GtkGridView *
trawl_window_get_grid (TrawlWindow *self)
{
  g_return_val_if_fail (TRAWL_IS_WINDOW (self), NULL);
  return self->grid_view;
}

TrawlQueryPanel *
trawl_window_get_query_panel (TrawlWindow *self)
{
  g_return_val_if_fail (TRAWL_IS_WINDOW (self), NULL);
  return self->query_panel;
}

TrawlCaseSummary *
trawl_window_get_case_summary (TrawlWindow *self)
{
  g_return_val_if_fail (TRAWL_IS_WINDOW (self), NULL);
  return self->case_summary;
}

TrawlTimeline *
trawl_window_get_timeline (TrawlWindow *self)
{
  g_return_val_if_fail (TRAWL_IS_WINDOW (self), NULL);
  return self->timeline;
}

TrawlPlayer *
trawl_window_get_player (TrawlWindow *self)
{
  g_return_val_if_fail (TRAWL_IS_WINDOW (self), NULL);
  return self->player;
}

double
trawl_window_get_last_query_ms (TrawlWindow *self)
{
  g_return_val_if_fail (TRAWL_IS_WINDOW (self), NAN);
  return self->last_query_ms;
}
