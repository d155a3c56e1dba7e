/* main.c - trawl-gui: the desktop app's entry point. */
#include "trawl-app.h"

#include <trawl/base.h>

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;

  /* TRAWL_CPU_LEVEL: restarts with OpenBLAS's kernels for it, or refuses */
  if (!trawl_cpu_level_reexec (argv, &error))
    {
      g_printerr ("trawl-gui: %s\n", error->message);
      return 2;
    }
  g_autoptr(TrawlApp) app = trawl_app_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
