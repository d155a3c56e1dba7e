/* main.c - trawl-gui: the desktop app's entry point. */
#include "trawl-app.h"

int
main (int argc, char **argv)
{
  g_autoptr(TrawlApp) app = trawl_app_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
