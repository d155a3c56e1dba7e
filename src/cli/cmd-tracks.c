/* cmd-tracks.c - `trawl tracks`: browse what was found
 * Not built yet: --help shows the planned interface; running it exits 2. */
#include "cli.h"

int
trawl_cmd_tracks (int argc, char **argv)
{
  static char *s_str G_GNUC_UNUSED;
  static int s_int G_GNUC_UNUSED;
  static gboolean s_flag G_GNUC_UNUSED;
  const GOptionEntry entries[] = {
    { "kind", 0, 0, G_OPTION_ARG_STRING, &s_str, "face or plate", "KIND" },
    { "camera", 0, 0, G_OPTION_ARG_STRING, &s_str, "Only this camera", "NAME" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &s_flag, "Print as JSON", NULL },
    { NULL }
  };

  return trawl_cli_stub (argc, argv, "CASE", "List the tracks the indexer found in CASE.", entries);
}
