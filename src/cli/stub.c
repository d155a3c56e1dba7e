/* stub.c - shared shape of the commands whose capability is not built yet:
 * they still teach their planned usage with --help, reject bad options
 * with status 2, and say plainly that the work is not there. */
#include "cli.h"

int
trawl_cli_stub (int argc, char **argv, const char *params, const char *summary,
                const GOptionEntry *entries)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new (params);

  g_option_context_set_summary (ctx, summary);
  if (entries != NULL)
    g_option_context_add_main_entries (ctx, entries, NULL);
  if (!trawl_cli_parse (ctx, &argc, &argv))
    return 2;
  return trawl_cli_not_built (argv[0], NULL);
}
