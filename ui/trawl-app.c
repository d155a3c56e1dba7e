/* trawl-app.c - application object: one window per case, `open` handler so
 * `trawl-gui CASE` opens a case, CSS loaded from the GResource. */
#include "trawl-app.h"
#include "trawl-window.h"

struct _TrawlApp
{
  GtkApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (TrawlApp, trawl_app, GTK_TYPE_APPLICATION)

static void
trawl_app_startup (GApplication *app)
{
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

  G_APPLICATION_CLASS (trawl_app_parent_class)->startup (app);
  gtk_css_provider_load_from_resource (css, "/org/trawl/Trawl/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
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
      trawl_window_set_case (win, files[i]);
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
                       "flags", G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE,
                       NULL);
}
