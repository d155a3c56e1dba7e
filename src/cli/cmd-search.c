/* cmd-search.c - `trawl search`: ranked sightings grouped into tracks
 * Not built yet: --help shows the planned interface; running it exits 2. */
#include "cli.h"

int
trawl_cmd_search (int argc, char **argv)
{
  static char *s_str G_GNUC_UNUSED;
  static int s_int G_GNUC_UNUSED;
  static gboolean s_flag G_GNUC_UNUSED;
  const GOptionEntry entries[] = {
    { "face", 0, 0, G_OPTION_ARG_FILENAME, &s_str, "Photo of the face to look for", "PHOTO" },
    { "plate", 0, 0, G_OPTION_ARG_STRING, &s_str, "Plate text, e.g. AB-12?-CD", "TEXT" },
    { "camera", 0, 0, G_OPTION_ARG_STRING, &s_str, "Only this camera", "NAME" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &s_flag, "Print results as JSON", NULL },
    { NULL }
  };

  return trawl_cli_stub (argc, argv, "CASE", "Search a case by face photo, plate text (wildcards ? and *) or plate photo.", entries);
}
