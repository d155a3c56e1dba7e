/* cmd-verify.c - `trawl verify`: evidence verification
 * Not built yet: --help shows the planned interface; running it exits 2. */
#include "cli.h"

int
trawl_cmd_verify (int argc, char **argv)
{
  static char *s_str G_GNUC_UNUSED;
  static int s_int G_GNUC_UNUSED;
  static gboolean s_flag G_GNUC_UNUSED;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &s_flag, "Print the report as JSON", NULL },
    { NULL }
  };

  return trawl_cli_stub (argc, argv, "EXPORT_DIR", "Verify an evidence export: hashes, manifest and signature.", entries);
}
