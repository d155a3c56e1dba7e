/* plate-match.c - how long trawl_plate_pattern_cost takes per text: a
 * fuzzy plate query scans every plate track of a case, about a million.
 * Makes N random 7-character plates (Latin, and a share of Chinese with a
 * province), then times each pattern over all of them, unbounded and with
 * a cost bound, and the weighted edit distance. Prints ns per text.
 *
 *   build/benchmarks/bench-plate-match [N]     (default 1000000)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "trawl/plate.h"

static const char latin[] = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";

static char **
make_plates (int n)
{
  static const char *provinces[] = { "京", "粤", "沪", "浙", "苏" };
  GRand *r = g_rand_new_with_seed (5);
  char **plates = g_new (char *, n);
  for (int i = 0; i < n; i++) {
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
  for (guint k = 0; k < G_N_ELEMENTS (patterns); k++) {
    for (int bounded = 0; bounded < 2; bounded++) {
      TrawlPlatePattern *p = trawl_plate_pattern_new (patterns[k], TRAWL_PLATE_MATCH_FUZZY, NULL);
      double sum = 0;
      int under = 0;
      gint64 t0 = g_get_monotonic_time ();
      for (int i = 0; i < n; i++) {
        double c = bounded ? trawl_plate_pattern_cost_bounded (p, plates[i], NULL, 1.5)
                           : trawl_plate_pattern_cost (p, plates[i], NULL);
        under += c <= 1.5;
        sum += isinf (c) ? 0 : c;
      }
      gint64 t1 = g_get_monotonic_time ();
      printf ("pattern %-10s %-12s %6.1f ns/text  (%d within 1.5, checksum %.1f)\n",
              patterns[k], bounded ? "bound 1.5" : "unbounded", 1e3 * (t1 - t0) / (double) n,
              under, sum);
      trawl_plate_pattern_free (p);
    }
  }
  gint64 t0 = g_get_monotonic_time ();
  double sum = 0;
  for (int i = 0; i < n; i++)
    sum += trawl_plate_edit_distance ("7ABC123", plates[i]);
  gint64 t1 = g_get_monotonic_time ();
  printf ("trawl_plate_edit_distance     %6.1f ns/text  (checksum %.1f)\n",
          1e3 * (t1 - t0) / (double) n, sum);
  for (int i = 0; i < n; i++)
    g_free (plates[i]);
  g_free (plates);
  return 0;
}
