/* test-format.c - times and durations for people (src/base/format.c):
 * the wording the command line and the desktop app share (issue 17). */
#include <math.h>
#include <trawl/base.h>

static void
check (char *got, const char *want)
{
  g_assert_cmpstr (got, ==, want);
  g_free (got);
}

static void
test_duration (void)
{
  check (trawl_format_duration (0), "0.0 s");
  check (trawl_format_duration (0.45), "0.5 s");
  check (trawl_format_duration (9.94), "9.9 s");
  check (trawl_format_duration (18), "18 s");
  check (trawl_format_duration (59.4), "59 s");
  check (trawl_format_duration (59.6), "1 min");
  check (trawl_format_duration (252), "4 min 12 s");
  check (trawl_format_duration (3599.4), "59 min 59 s");
  check (trawl_format_duration (9000), "2.5 h");
  check (trawl_format_duration (18.0 / 3600 * 3600 * 1000), "5.0 h");
  check (trawl_format_duration (50 * 3600), "50 h");
  check (trawl_format_duration (-1), "unknown");
  check (trawl_format_duration (NAN), "unknown");
}

static void
test_media_time (void)
{
  check (trawl_format_media_time (72.9), "00:01:12");
  check (trawl_format_media_time (0), "00:00:00");
  check (trawl_format_media_time (3 * 3600 + 5 * 60 + 7.5), "03:05:07");
  check (trawl_format_media_time (NAN), "?");
}

static void
test_clock (void)
{
  /* 2024-03-14 21:05:03 UTC */
  check (trawl_format_clock (1710450303.7, FALSE), "21:05:03");
  check (trawl_format_clock (1710450303.7, TRUE), "2024-03-14 21:05:03");
  g_assert_null (trawl_format_clock (NAN, FALSE));
}

static void
test_ellipsize (void)
{
  check (trawl_format_ellipsize ("gate.mp4", 10), "gate.mp4");
  check (trawl_format_ellipsize ("ch01_20240314.mp4", 10), "\342\200\24640314.mp4");
  check (trawl_format_ellipsize ("粤B12345粤B12345", 5), "\342\200\2462345");
  g_assert_cmpint (g_utf8_strlen ("\342\200\2462345", -1), ==, 5);
  check (trawl_format_ellipsize (NULL, 5), "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/format/duration", test_duration);
  g_test_add_func ("/format/media-time", test_media_time);
  g_test_add_func ("/format/clock", test_clock);
  g_test_add_func ("/format/ellipsize", test_ellipsize);
  return g_test_run ();
}
