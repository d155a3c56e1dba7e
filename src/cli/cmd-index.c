/* cmd-index.c - `trawl index`: decode, detect, track, write the catalog
 * Not built yet: --help shows the planned interface; running it exits 2. */
#include "cli.h"

int
trawl_cmd_index (int argc, char **argv)
{
  static char *s_str G_GNUC_UNUSED;
  static int s_int G_GNUC_UNUSED;
  static gboolean s_flag G_GNUC_UNUSED;
  const GOptionEntry entries[] = {
    { "camera", 0, 0, G_OPTION_ARG_STRING, &s_str, "Camera name (default: the folder name)", "NAME" },
    { "start", 0, 0, G_OPTION_ARG_STRING, &s_str, "Wall-clock start time of the footage (ISO 8601)", "TIME" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &s_int, "Sampled frames per second", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &s_flag, "Print progress as JSON lines", NULL },
    { NULL }
  };

  return trawl_cli_stub (argc, argv, "CASE INPUT...", "Index footage files and folders into the case directory CASE.", entries);
}
