/* test-gui.c - the GTK4 window under a real display (Xvfb in CI): the
 * template builds, opening a case updates title and status, a plate search
 * without a case asks for one, and the window renders to a PNG. Skips when
 * there is no display. */
#include "trawl-window.h"

#include <glib/gstdio.h>
#include <string.h>

static GtkApplication *app;

static void
test_window_states (void)
{
  TrawlWindow *win = trawl_window_new (app);
  g_autoptr(GFile) dir = g_file_new_for_path ("/tmp/some-case");
  GtkWidget *entry;

  g_assert_nonnull (strstr (trawl_window_get_status (win), "No case open"));
  /* Find the search entry through the widget tree, as a user would. */
  entry = gtk_widget_get_first_child (gtk_window_get_child (GTK_WINDOW (win)));
  g_assert_true (GTK_IS_SEARCH_ENTRY (entry));
  gtk_editable_set_text (GTK_EDITABLE (entry), "AB12CD");
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpstr (trawl_window_get_status (win), ==, "Open a case first.");

  trawl_window_set_case (win, dir);
  g_assert_nonnull (strstr (gtk_window_get_title (GTK_WINDOW (win)), "/tmp/some-case"));
  g_assert_nonnull (strstr (trawl_window_get_status (win), "Case: /tmp/some-case"));
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_window_renders (void)
{
  TrawlWindow *win = trawl_window_new (app);
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *png = g_build_filename (g_get_tmp_dir (), "trawl-gui-test.png", NULL);
  GskRenderer *renderer;

  gtk_window_present (GTK_WINDOW (win));
  while (!gtk_widget_get_mapped (GTK_WIDGET (win)) || gtk_widget_get_width (GTK_WIDGET (win)) == 0)
    g_main_context_iteration (NULL, TRUE);
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  paintable = gtk_widget_paintable_new (GTK_WIDGET (win));
  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (GTK_WIDGET (win)),
                          gtk_widget_get_height (GTK_WIDGET (win)));
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  renderer = gtk_native_get_renderer (GTK_NATIVE (win));
  texture = gsk_renderer_render_texture (renderer, node, NULL);
  g_assert_cmpint (gdk_texture_get_width (texture), >, 100);
  g_assert_true (gdk_texture_save_to_png (texture, png));
  g_assert_true (g_file_test (png, G_FILE_TEST_EXISTS));
  if (g_getenv ("TRAWL_KEEP_SCREENSHOT") == NULL)
    g_remove (png);
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_no_display (void)
{
  g_test_skip ("no display: run the suite under xvfb-run -a");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check ())
    {
      g_test_add_func ("/gui/no-display", test_no_display);
      return g_test_run ();
    }
  /* Without a session bus (CI, Xvfb) GApplication warns that it cannot
   * acquire one; that is not ours to fail on. Criticals stay fatal. */
  g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL);
  app = gtk_application_new ("org.trawl.Test", G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, NULL);
  g_test_add_func ("/gui/window-states", test_window_states);
  g_test_add_func ("/gui/window-renders", test_window_renders);
  return g_test_run ();
}
