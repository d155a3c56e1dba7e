/* cmd-export.c - `trawl export`: evidence export
 * Not built yet: --help shows the planned interface; running it exits 2. */
#include "cli.h"

int
trawl_cmd_export (int argc, char **argv)
{
  static char *s_str G_GNUC_UNUSED;
  static int s_int G_GNUC_UNUSED;
  static gboolean s_flag G_GNUC_UNUSED;
  const GOptionEntry entries[] = {
    { "before", 0, 0, G_OPTION_ARG_INT, &s_int, "Seconds before the sighting", "S" },
    { "after", 0, 0, G_OPTION_ARG_INT, &s_int, "Seconds after the sighting", "S" },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &s_str, "Output folder", "DIR" },
    { NULL }
  };

  return trawl_cli_stub (argc, argv, "CASE SIGHTING", "Export the clip around a sighting as evidence (stream copy, SHA-256, manifest, audit entry).", entries);
}
