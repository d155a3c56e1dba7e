/* video-time.c - a video's wall-clock start: user value, container tag, or a
 * date-time written in the file name (a user's pattern or the common
 * recorder forms).
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

/* Matches pattern at the start of s; fills f and sets *end past the match. */
static gboolean
match_at (const char *s, const char *pattern, Fields *f, const char **end)
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
  *end = s;
  return TRUE;
}

/* The first valid date-time of pattern in base. bounded: the match must
 * not touch other digits (a built-in pattern must not read a date out of
 * a longer number), and the year must be plausible for digital footage. */
static gboolean
find_time (const char *base, const char *pattern, gboolean bounded, double *utc_s)
{
  for (const char *s = base; *s != '\0'; s++)
    {
      /* Unset fields default to the start of 1 January 1970, so "%H%M%S"
       * alone yields a time of day; the range check below rejects nonsense. */
      Fields f = { 1970, 1, 1, 0, 0, 0 };
      g_autoptr(GDateTime) dt = NULL;
      const char *end;

      if (!match_at (s, pattern, &f, &end))
        continue;
      if (bounded && ((s > base && g_ascii_isdigit (s[-1])) || g_ascii_isdigit (*end) ||
                      f.year < 1990 || f.year > 2099))
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

gboolean
trawl_video_parse_filename_time (const char *path, const char *pattern, double *utc_s)
{
  g_autofree char *base = NULL;

  g_return_val_if_fail (path != NULL && pattern != NULL && utc_s != NULL, FALSE);
  base = g_path_get_basename (path);
  return find_time (base, pattern, FALSE, utc_s);
}

/* How recorders name files: NVR/DVR exports (Hikvision's
 * ch01_20240314210500_..., Dahua's 2024-03-14_21-05-00, generic
 * 20240314_210500), phones (VID_20240314_210500), dashcams
 * (20240314-210500). Longest first, so a form that is a prefix of
 * another never wins by accident. */
static const char *const builtin_patterns[] = {
  "%Y-%m-%d_%H-%M-%S", "%Y-%m-%d %H-%M-%S", "%Y-%m-%dT%H-%M-%S",
  "%Y-%m-%d_%H.%M.%S", "%Y-%m-%d %H.%M.%S", "%Y-%m-%d_%H%M%S", "%Y-%m-%dT%H%M%S",
  "%Y%m%d_%H%M%S", "%Y%m%d-%H%M%S", "%Y%m%dT%H%M%S", "%Y%m%d %H%M%S", "%Y%m%d%H%M%S",
};

gboolean
trawl_video_guess_filename_time (const char *path, double *utc_s, const char **pattern)
{
  g_autofree char *base = NULL;

  g_return_val_if_fail (path != NULL && utc_s != NULL, FALSE);
  base = g_path_get_basename (path);
  for (guint i = 0; i < G_N_ELEMENTS (builtin_patterns); i++)
    if (find_time (base, builtin_patterns[i], TRUE, utc_s))
      {
        if (pattern != NULL)
          *pattern = builtin_patterns[i];
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
  /* A pattern the user gave says the names carry the time: it outranks
   * the container's tag (often the time of an export, not of recording). */
  if (path != NULL && pattern != NULL && trawl_video_parse_filename_time (path, pattern, utc_s))
    return TRAWL_TIME_SOURCE_FILENAME;
  if (info != NULL && !isnan (info->creation_time_utc))
    {
      *utc_s = info->creation_time_utc;
      return TRAWL_TIME_SOURCE_CONTAINER;
    }
  if (path != NULL && pattern == NULL && trawl_video_guess_filename_time (path, utc_s, NULL))
    return TRAWL_TIME_SOURCE_FILENAME;
  *utc_s = NAN;
  return TRAWL_TIME_SOURCE_NONE;
}
