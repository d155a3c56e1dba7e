/* format.c - times and durations as people read them, shared by the
 * command line and the desktop app so both say "4 min 12 s" and
 * "21:05:03" the same way (JSON keeps numbers and ISO 8601). */
#include <trawl/base.h>

#include <math.h>

char *
trawl_format_duration (double s)
{
  if (isnan (s) || s < 0)
    return g_strdup ("unknown");
  /* Each unit by what it rounds to, so 59.6 s reads "1 min", not "60 s". */
  if (s < 9.95)
    return g_strdup_printf ("%.1f s", s);
  long whole = lround (s);
  if (whole < 60)
    return g_strdup_printf ("%ld s", whole);
  if (whole < 3600)
    return whole % 60 == 0 ? g_strdup_printf ("%ld min", whole / 60)
                           : g_strdup_printf ("%ld min %ld s", whole / 60, whole % 60);
  return g_strdup_printf (s < 35820 ? "%.1f h" : "%.0f h", s / 3600);
}

char *
trawl_format_media_time (double s)
{
  if (isnan (s) || s < 0)
    return g_strdup ("?");
  gint64 whole = (gint64) floor (s);
  return g_strdup_printf ("%02d:%02d:%02d", (int) (whole / 3600), (int) (whole / 60 % 60),
                          (int) (whole % 60));
}

char *
trawl_format_clock (double utc, gboolean with_date)
{
  if (isnan (utc))
    return NULL;
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc ((gint64) floor (utc));
  if (dt == NULL)
    return NULL;
  return g_date_time_format (dt, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S");
}

char *
trawl_format_ellipsize (const char *text, int max_chars)
{
  if (text == NULL)
    return g_strdup ("");
  glong n = g_utf8_strlen (text, -1);
  if (max_chars < 2 || n <= max_chars)
    return g_strdup (text);
  /* Keep the end: file names differ in their numbers and extension. */
  const char *tail = g_utf8_offset_to_pointer (text, n - (max_chars - 1));
  return g_strconcat ("\342\200\246", tail, NULL); /* U+2026 */
}
