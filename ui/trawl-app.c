/* trawl-app.c - TrawlApp: one window per case, `open` handler so
 * `trawl-gui CASE` opens a case, app actions with accelerators, the About
 * window with the versions an investigator reports, CSS from the GResource. */
#include "trawl-config.h"
#include "trawl-app.h"
#include "trawl-window.h"

#include <trawl/base.h>
#include <trawl/catalog.h>

struct _TrawlApp
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (TrawlApp, trawl_app, ADW_TYPE_APPLICATION)

static char *
debug_info (void)
{
  return g_strdup_printf ("trawl %s\nGTK %u.%u.%u\nlibadwaita %s\nFFmpeg (built against): %s\n"
                          "FAISS %s\nSQLite %s\nCUDA in build: %s\nModels: %s\n",
                          trawl_version (), gtk_get_major_version (), gtk_get_minor_version (),
                          gtk_get_micro_version (), TRAWL_UI_ADW_VERSION, TRAWL_UI_FFMPEG_VERSION,
                          TRAWL_FAISS_VERSION, trawl_catalog_sqlite_version (),
                          TRAWL_HAVE_CUDA ? TRAWL_CUDA_VERSION : "no", trawl_models_dir ());
}

GtkWindow *
trawl_app_show_about (GtkWindow *parent)
{
  g_autofree char *info = debug_info ();
  GtkWidget *about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                                   "transient-for", parent,
                                   "application-name", "trawl",
                                   "application-icon", "org.trawl.Trawl",
                                   "version", trawl_version (),
                                   "comments", "Forensic video search: find a face or a licence "
                                               "plate across a case's CCTV footage.",
                                   "license-type", GTK_LICENSE_MIT_X11,
                                   "debug-info", info,
                                   "debug-info-filename", "trawl-versions.txt",
                                   NULL);
  gtk_window_present (GTK_WINDOW (about));
  return GTK_WINDOW (about);
}

static void
about_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  (void) action;
  (void) param;
  trawl_app_show_about (gtk_application_get_active_window (GTK_APPLICATION (user_data)));
}

static void
quit_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  (void) action;
  (void) param;
  g_application_quit (G_APPLICATION (user_data));
}

/* Dark style on request; otherwise libadwaita follows the desktop. */
static void
dark_changed (GSimpleAction *action, GVariant *state, gpointer user_data)
{
  (void) user_data;
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      g_variant_get_boolean (state) ? ADW_COLOR_SCHEME_FORCE_DARK
                                                                    : ADW_COLOR_SCHEME_DEFAULT);
  g_simple_action_set_state (action, state);
}

static const GActionEntry app_actions[] = {
  { .name = "about", .activate = about_activated },
  { .name = "quit", .activate = quit_activated },
  { .name = "dark", .state = "false", .change_state = dark_changed },
};

static void
trawl_app_startup (GApplication *app)
{
  static const char *const quit_accels[] = { "<Control>q", NULL };
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

  G_APPLICATION_CLASS (trawl_app_parent_class)->startup (app);
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions),
                                   app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_css_provider_load_from_resource (css, "/org/trawl/Trawl/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                    "/org/trawl/Trawl/icons");
}

static void
trawl_app_activate (GApplication *app)
{
  TrawlWindow *win = trawl_window_new (GTK_APPLICATION (app));
  gtk_window_present (GTK_WINDOW (win));
}

static void
trawl_app_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  (void) hint;
  for (int i = 0; i < n_files; i++)
    {
      TrawlWindow *win = trawl_window_new (GTK_APPLICATION (app));
      trawl_window_open_case (win, files[i]);
      gtk_window_present (GTK_WINDOW (win));
    }
}

static void
trawl_app_class_init (TrawlAppClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->startup = trawl_app_startup;
  app_class->activate = trawl_app_activate;
  app_class->open = trawl_app_open;
}

static void
trawl_app_init (TrawlApp *self)
{
  (void) self;
}

TrawlApp *
trawl_app_new (void)
{
  return g_object_new (TRAWL_TYPE_APP,
                       "application-id", "org.trawl.Trawl",
                       "resource-base-path", "/org/trawl/Trawl",
                       "flags", G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE,
                       NULL);
}
