/* cmd-check.c - `trawl check CASE`: is the case whole? SQLite's integrity
 * check, the audit chain, the vector files against the catalog and rows
 * that point at rows that are gone (trawl_case_check). Read-only. Each
 * problem is printed on its own line; exit 0 only when there is none. */
#include "cli.h"

#include <stdio.h>

#include <trawl/case.h>

int
trawl_cmd_check (int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("CASE");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);

  g_option_context_set_summary (ctx,
    "Check that CASE is whole: the catalog's pages (SQLite integrity_check), the audit\n"
    "log's hash chain, the vector files against the catalog, and rows that point at\n"
    "rows that are gone.\n"
    "Exit status: 0 all holds, 1 a problem was found (each is listed) or the case\n"
    "cannot be read.");
  if (!trawl_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc != 2)
    {
      fprintf (stderr, "trawl check: need exactly one CASE (see --help)\n");
      return 2;
    }
  g_autoptr (TrawlCase) kase = trawl_case_open (argv[1], TRAWL_CASE_READ, &error);
  if (kase == NULL)
    return trawl_cli_fail (&error);
  if (!trawl_case_check (kase, problems, &error))
    return trawl_cli_fail (&error);
  for (guint i = 0; i < problems->len; i++)
    {
      g_autofree char *line = g_utf8_make_valid (problems->pdata[i], -1);
      printf ("problem: %s\n", line);
    }
  if (problems->len > 0)
    {
      fprintf (stderr, "trawl check: %u problem%s found in %s\n", problems->len,
               problems->len == 1 ? "" : "s", argv[1]);
      return 1;
    }
  printf ("%s: all checks passed (catalog integrity, audit chain, vector files, references)\n",
          argv[1]);
  return 0;
}
