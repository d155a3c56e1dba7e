/* plate-match.c - how long trawl_plate_pattern_cost takes per text: a
 * fuzzy plate query scans every plate track of a case, about a million.
 * Makes N random 7-character plates (Latin, and a share of Chinese with a
 * province), then times each pattern over all of them, unbounded and with
 * a cost bound, and the weighted edit distance. Prints ns per text, the
 * best of REPEATS passes in thread CPU time (the machine may be shared:
 * wall time would count other processes' turns).
 *
 *   build/benchmarks/bench-plate-match [N]     (default 1000000)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "trawl/plate.h"

#define REPEATS 3

/* This thread's CPU time, us. */
static gint64
cpu_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const char latin[] = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";

static char **
make_plates (int n)
{
  static const char *provinces[] = { "京", "粤", "沪", "浙", "苏" };
  GRand *r = g_rand_new_with_seed (5);
  char **plates = g_new (char *, n);
  for (int i = 0; i < n; i++)
    {
      GString *s = g_string_new (NULL);
      gboolean cn = g_rand_int_range (r, 0, 10) == 0;
      if (cn)
        g_string_append (s, provinces[g_rand_int_range (r, 0, G_N_ELEMENTS (provinces))]);
      for (int k = cn ? 1 : 0; k < 7; k++)
        g_string_append_c (s, latin[g_rand_int_range (r, 0, sizeof latin - 1)]);
      plates[i] = g_string_free (s, FALSE);
    }
  g_rand_free (r);
  return plates;
}

int
main (int argc, char **argv)
{
  int n = argc > 1 ? atoi (argv[1]) : 1000000;
  if (n <= 0)
    return 2;
  char **plates = make_plates (n);
  const char *patterns[] = { "7ABC123", "7AB?123", "7AB*", "*C12*", "粤B12345", "32LBD6" };
  printf ("%d random 7-character plates (1 in 10 Chinese)\n", n);
  for (guint k = 0; k < G_N_ELEMENTS (patterns); k++)
    {
      for (int bounded = 0; bounded < 2; bounded++)
        {
          TrawlPlatePattern *p = trawl_plate_pattern_new (patterns[k], TRAWL_PLATE_MATCH_FUZZY, NULL);
          double sum = 0, best_ns = INFINITY;
          int under = 0;
          for (int rep = 0; rep < REPEATS; rep++)
            {
              sum = 0;
              under = 0;
              gint64 t0 = cpu_us ();
              for (int i = 0; i < n; i++)
                {
                  double c = bounded ? trawl_plate_pattern_cost_bounded (p, plates[i], NULL, 1.5)
                                     : trawl_plate_pattern_cost (p, plates[i], NULL);
                  under += c <= 1.5;
                  sum += isinf (c) ? 0 : c;
                }
              best_ns = MIN (best_ns, 1e3 * (cpu_us () - t0) / (double) n);
            }
          printf ("pattern %-10s %-12s %6.1f ns/text  (%d within 1.5, checksum %.1f)\n",
                  patterns[k], bounded ? "bound 1.5" : "unbounded", best_ns, under, sum);
          trawl_plate_pattern_free (p);
        }
    }
  double sum = 0, best_ns = INFINITY;
  for (int rep = 0; rep < REPEATS; rep++)
    {
      sum = 0;
      gint64 t0 = cpu_us ();
      for (int i = 0; i < n; i++)
        sum += trawl_plate_edit_distance ("7ABC123", plates[i]);
      best_ns = MIN (best_ns, 1e3 * (cpu_us () - t0) / (double) n);
    }
  printf ("trawl_plate_edit_distance     %6.1f ns/text  (checksum %.1f)\n", best_ns, sum);
  /* With a read's alternatives (JSON parsed per call): per candidate only. */
  const char *alts =
    "[{\"c\":\"7\",\"p\":0.99,\"alt\":[[\"7\",0.99],[\"1\",0.01]]},"
    "{\"c\":\"A\",\"p\":0.98,\"alt\":[[\"A\",0.98],[\"4\",0.01]]},"
    "{\"c\":\"B\",\"p\":0.61,\"alt\":[[\"B\",0.61],[\"8\",0.35]]},"
    "{\"c\":\"C\",\"p\":0.97,\"alt\":[[\"C\",0.97]]},"
    "{\"c\":\"1\",\"p\":0.97,\"alt\":[[\"1\",0.97],[\"I\",0.02]]},"
    "{\"c\":\"2\",\"p\":0.97,\"alt\":[[\"2\",0.97]]},"
    "{\"c\":\"3\",\"p\":0.97,\"alt\":[[\"3\",0.97]]}]";
  TrawlPlatePattern *p = trawl_plate_pattern_new ("7A8C123", TRAWL_PLATE_MATCH_FUZZY, NULL);
  int m = MIN (n, 100000);
  gint64 t0 = cpu_us ();
  sum = 0;
  for (int i = 0; i < m; i++)
    sum += trawl_plate_pattern_cost (p, "7ABC123", alts);
  printf ("with alternatives JSON        %6.1f ns/text  (cost %.3f)\n",
          1e3 * (cpu_us () - t0) / (double) m, sum / m);
  trawl_plate_pattern_free (p);
  for (int i = 0; i < n; i++)
    g_free (plates[i]);
  g_free (plates);
  return 0;
}
