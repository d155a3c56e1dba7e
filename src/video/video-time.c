/* video-time.c - a video's wall-clock start: user value, container tag, or a
 * date-time written in the file name.
 *
 * Pure string and time arithmetic; no FFmpeg. The container's creation_time
 * is parsed at open (video-reader.c) and only chosen here.
 */
#include <math.h>
#include <string.h>

#include <trawl/video.h>

/* Reads exactly n digits at s into *v. */
static gboolean
read_digits (const char *s, int n, int *v)
{
  *v = 0;
  for (int i = 0; i < n; i++)
    {
      if (!g_ascii_isdigit (s[i]))
        return FALSE;
      *v = *v * 10 + (s[i] - '0');
    }
  return TRUE;
}

typedef struct {
  int year, month, day, hour, minute, second;
} Fields;

/* Matches pattern at the start of s; fills f. */
static gboolean
match_at (const char *s, const char *pattern, Fields *f)
{
  const char *p = pattern;
  int v;

  while (*p != '\0')
    {
      if (*p != '%')
        {
          if (*s != *p)
            return FALSE;
          s++, p++;
          continue;
        }
      p++;
      switch (*p)
        {
        case 'Y': if (!read_digits (s, 4, &f->year)) return FALSE; s += 4; break;
        case 'y': if (!read_digits (s, 2, &v)) return FALSE; f->year = 2000 + v; s += 2; break;
        case 'm': if (!read_digits (s, 2, &f->month)) return FALSE; s += 2; break;
        case 'd': if (!read_digits (s, 2, &f->day)) return FALSE; s += 2; break;
        case 'H': if (!read_digits (s, 2, &f->hour)) return FALSE; s += 2; break;
        case 'M': if (!read_digits (s, 2, &f->minute)) return FALSE; s += 2; break;
        case 'S': if (!read_digits (s, 2, &f->second)) return FALSE; s += 2; break;
        case '%': if (*s != '%') return FALSE; s++; break;
        default: return FALSE;  /* an unsupported conversion never matches */
        }
      p++;
    }
  return TRUE;
}

gboolean
trawl_video_parse_filename_time (const char *path, const char *pattern, double *utc_s)
{
  g_autofree char *base = NULL;

  g_return_val_if_fail (path != NULL && pattern != NULL && utc_s != NULL, FALSE);
  base = g_path_get_basename (path);
  for (const char *s = base; *s != '\0'; s++)
    {
      /* Unset fields default to the start of 1 January 1970, so "%H%M%S"
       * alone yields a time of day; the range check below rejects nonsense. */
      Fields f = { 1970, 1, 1, 0, 0, 0 };
      g_autoptr(GDateTime) dt = NULL;

      if (!match_at (s, pattern, &f))
        continue;
      if (f.month < 1 || f.month > 12 || f.day < 1 || f.day > 31 || f.hour > 23 ||
          f.minute > 59 || f.second > 59)
        continue;
      dt = g_date_time_new_utc (f.year, f.month, f.day, f.hour, f.minute, f.second);
      if (dt == NULL)  /* e.g. 31 February */
        continue;
      *utc_s = (double) g_date_time_to_unix (dt);
      return TRUE;
    }
  return FALSE;
}

TrawlTimeSource
trawl_video_resolve_start_time (const char *path, const TrawlMediaInfo *info, double user_utc_s,
                                const char *pattern, double *utc_s)
{
  g_return_val_if_fail (utc_s != NULL, TRAWL_TIME_SOURCE_NONE);

  if (!isnan (user_utc_s))
    {
      *utc_s = user_utc_s;
      return TRAWL_TIME_SOURCE_USER;
    }
  if (info != NULL && !isnan (info->creation_time_utc))
    {
      *utc_s = info->creation_time_utc;
      return TRAWL_TIME_SOURCE_CONTAINER;
    }
  if (path != NULL && pattern != NULL && trawl_video_parse_filename_time (path, pattern, utc_s))
    return TRAWL_TIME_SOURCE_FILENAME;
  *utc_s = NAN;
  return TRAWL_TIME_SOURCE_NONE;
}
