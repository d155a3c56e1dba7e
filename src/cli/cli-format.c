/* cli-format.c - table columns for the commands' text output, counted in
 * characters rather than bytes (camera names and plates may be Chinese).
 * Times and durations themselves come from trawl/base.h, shared with the
 * desktop app. */
#include "cli.h"

#include <trawl/base.h>

void
trawl_cli_add_col (GString *row, const char *text, int width, gboolean right)
{
  g_autofree char *cut = trawl_format_ellipsize (text ? text : "", width);
  int pad = MAX (0, width - (int) g_utf8_strlen (cut, -1));

  if (right)
    g_string_append_printf (row, "%*s%s ", pad, "", cut);
  else
    g_string_append_printf (row, "%s%*s ", cut, pad, "");
}

void
trawl_cli_print_row (GString *row)
{
  while (row->len > 0 && row->str[row->len - 1] == ' ')
    g_string_truncate (row, row->len - 1);
  printf ("%s\n", row->str);
  g_string_free (row, TRUE);
}

void
trawl_cli_print_wrapped (const char *text, int width, const char *indent)
{
  g_auto (GStrv) words = g_strsplit (text, " ", -1);
  GString *line = g_string_new (NULL);

  for (guint i = 0; words[i] != NULL; i++)
    {
      if (line->len > 0 && g_utf8_strlen (line->str, -1) + 1 + g_utf8_strlen (words[i], -1) > width)
        {
          printf ("%s\n", line->str);
          g_string_assign (line, indent);
        }
      else if (line->len > 0)
        g_string_append_c (line, ' ');
      g_string_append (line, words[i]);
    }
  printf ("%s\n", line->str);
  g_string_free (line, TRUE);
}
