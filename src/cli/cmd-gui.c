/* cmd-gui.c - `trawl gui [CASE]`: starts the desktop app (trawl-gui, built
 * beside this program when GTK4 is present). */
#include "trawl-config.h"
#include "cli.h"

#include <gio/gio.h>
#include <stdio.h>

/* trawl-gui lives next to trawl in the build tree (ui/ beside src/cli/) or
 * on PATH once installed. */
static char *
find_gui (const char *self)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = g_path_get_dirname (exe ? exe : self);
  char *cand = g_build_filename (dir, "..", "..", "ui", "trawl-gui", NULL);

  if (g_file_test (cand, G_FILE_TEST_IS_EXECUTABLE))
    return cand;
  g_free (cand);
  cand = g_build_filename (dir, "trawl-gui", NULL);
  if (g_file_test (cand, G_FILE_TEST_IS_EXECUTABLE))
    return cand;
  g_free (cand);
  return g_find_program_in_path ("trawl-gui");
}

int
trawl_cmd_gui (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("[CASE]");
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) p = NULL;
  g_autofree char *gui = NULL;
  const char *args[3] = { NULL };

  g_option_context_set_summary (ctx, "Open the trawl desktop app (GTK4), optionally on CASE.");
  if (!trawl_cli_parse (ctx, &argc, &argv))
    return 2;
  if (!TRAWL_HAVE_GTK)
    return trawl_cli_not_built ("gui", "the desktop app (GTK4 was not found at build time)");
  gui = find_gui (argv[0]);
  if (gui == NULL)
    {
      fprintf (stderr, "trawl gui: trawl-gui is not installed next to trawl or on PATH\n");
      return 1;
    }
  args[0] = gui;
  args[1] = argc > 1 ? argv[1] : NULL;
  p = g_subprocess_newv (args, G_SUBPROCESS_FLAGS_NONE, &error);
  if (p == NULL || !g_subprocess_wait (p, NULL, &error))
    return trawl_cli_fail (&error);
  return g_subprocess_get_exit_status (p);
}
