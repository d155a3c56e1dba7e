/* eval-confusions.c - the substitution-cost table src/plate compiles in
 * (src/plate/confusions.inc), from labels and what the reader read (which
 * eval-confusions-read.c collects): each read is aligned with its label by
 * plain edit distance; the substituted pairs are counted, turned into
 * costs (-log of a smoothed confusion rate, with the a-priori classes as
 * the prior) and closed under shortest paths. No models.
 */
#include "trawl/eval.h"
#include "trawl/base.h"
#include "trawl/detect.h"
#include "trawl/image.h"
#include "trawl/plate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The smoothing: ALPHA pseudo-observations of each pair, at rate PRIOR_RATE
 * for pairs in one a-priori class and 0 otherwise. Strong on purpose: the
 * reader substitutes about 2 characters in 1000 on the shared data, too
 * few to rank pairs alone, and a query typed from a witness's memory mixes
 * up the same shapes. */
#define ALPHA       100.0
#define PRIOR_RATE  0.1
/* A rate at or below FLOOR_RATE costs 1 (as unrelated characters do); no
 * confusion costs less than MIN_COST (B and 8 are still different). */
#define FLOOR_RATE  1e-3
#define MIN_COST    0.1

typedef struct {
  GHashTable *occ;    /* label character -> times aligned (GUINT_TO_POINTER) */
  GHashTable *subs;   /* pair key -> its Sub (key and value alike) */
  int         n_reads, n_chars, n_subs;
} Counts;

/* A substituted pair: the key first, so g_int64_hash reads it. */
typedef struct {
  guint64 key;   /* pair_key */
  guint   n;     /* times one was read for the other */
} Sub;

static guint64
pair_key (gunichar a, gunichar b)
{
  return ((guint64) MIN (a, b) << 32) | MAX (a, b);
}

static void
bump (GHashTable *h, gpointer key)
{
  g_hash_table_insert (h, key, GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (h, key)) + 1));
}

/* The comparison form: normalised, O taken as 0 (the label sources write
 * 0 for both; see PROVENANCE.md), as eval-run.c compares. */
static gunichar *
key_chars (const char *text, glong *n)
{
  g_autofree char *norm = trawl_plate_normalize (text);
  gunichar *c = g_utf8_to_ucs4_fast (norm, -1, n);
  for (glong i = 0; i < *n; i++)
    if (c[i] == 'O')
      c[i] = '0';
  return c;
}

/* Aligns read with truth (Levenshtein, a diagonal step preferred on ties)
 * and counts every aligned label character and every substitution. */
static void
count_pair (Counts *k, const char *truth, const char *read)
{
  glong n = 0, m = 0;
  g_autofree gunichar *t = key_chars (truth, &n);
  g_autofree gunichar *r = key_chars (read, &m);
  g_autofree int *d = g_new (int, (n + 1) * (m + 1));
#define D(i, j) d[(i) * (m + 1) + (j)]
  for (glong i = 0; i <= n; i++)
    for (glong j = 0; j <= m; j++)
      D (i, j) = i == 0 ? (int) j : j == 0 ? (int) i
               : MIN (D (i - 1, j - 1) + (t[i - 1] != r[j - 1]),
                      MIN (D (i - 1, j), D (i, j - 1)) + 1);
  for (glong i = n, j = m; i > 0 && j > 0;)
    {
      if (D (i, j) == D (i - 1, j - 1) + (t[i - 1] != r[j - 1]))
        {
          bump (k->occ, GUINT_TO_POINTER (t[i - 1]));
          k->n_chars++;
          if (t[i - 1] != r[j - 1])
            {
              guint64 key = pair_key (t[i - 1], r[j - 1]);
              Sub *sub = g_hash_table_lookup (k->subs, &key);
              if (sub == NULL)
                {
                  sub = g_new0 (Sub, 1);
                  sub->key = key;
                  g_hash_table_add (k->subs, sub);
                }
              sub->n++;
              k->n_subs++;
            }
          i--, j--;
        }
      else if (D (i, j) == D (i - 1, j) + 1)
        {
          i--;
        }
      else
        {
          j--;
        }
    }
#undef D
  k->n_reads++;
}

static guint
occ (const Counts *k, gunichar c)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (k->occ, GUINT_TO_POINTER (c)));
}

static int
cmp_unichar (gconstpointer a, gconstpointer b)
{
  gunichar x = *(const gunichar *) a, y = *(const gunichar *) b;
  return x < y ? -1 : x > y;
}

/* Every character the table may mention, sorted: those counted and those
 * of the a-priori classes. */
static GArray *
alphabet (const Counts *k)
{
  GArray *a = g_array_new (FALSE, FALSE, sizeof (gunichar));
  GHashTable *seen = g_hash_table_new (NULL, NULL);
  GHashTableIter it;
  gpointer key;
  const char prior[] = "0ODQ1IL2Z5S8B6G";
  for (const char *p = prior; *p; p++)
    g_hash_table_add (seen, GUINT_TO_POINTER ((gunichar) *p));
  g_hash_table_iter_init (&it, k->occ);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_hash_table_add (seen, key);
  g_hash_table_iter_init (&it, k->subs);
  while (g_hash_table_iter_next (&it, &key, NULL))
    {
      guint64 pk = *(guint64 *) key;
      g_hash_table_add (seen, GUINT_TO_POINTER ((gunichar) (pk >> 32)));
      g_hash_table_add (seen, GUINT_TO_POINTER ((gunichar) (pk & 0xffffffffu)));
    }
  g_hash_table_iter_init (&it, seen);
  while (g_hash_table_iter_next (&it, &key, NULL))
    {
      gunichar c = GPOINTER_TO_UINT (key);
      g_array_append_val (a, c);
    }
  g_hash_table_unref (seen);
  g_array_sort (a, cmp_unichar);
  return a;
}

static char *
table_text (const Counts *k, const char *source)
{
  g_autoptr (GArray) abc = alphabet (k);
  int n = (int) abc->len;
  const gunichar *c = (const gunichar *) (void *) abc->data;
  g_autofree double *cost = g_new (double, n * n);
  g_autofree guint *seen = g_new0 (guint, n * n);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      {
        if (i == j)
          {
            cost[i * n + j] = 0;
            continue;
          }
        guint64 key = pair_key (c[i], c[j]);
        const Sub *sub = g_hash_table_lookup (k->subs, &key);
        guint hits = sub ? sub->n : 0;
        double prior = trawl_plate_confusable (c[i], c[j]) ? PRIOR_RATE : 0.0;
        double rate = (hits + ALPHA * prior) / (occ (k, c[i]) + occ (k, c[j]) + ALPHA);
        seen[i * n + j] = hits;
        cost[i * n + j] = rate <= 0 ? 1.0 : CLAMP (log (rate) / log (FLOOR_RATE), MIN_COST, 1.0);
      }
  /* Shortest paths: reading a for c never costs more than a for b and b
   * for c, so the weighted edit distance keeps the triangle inequality. */
  for (int via = 0; via < n; via++)
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++)
        cost[i * n + j] = MIN (cost[i * n + j], cost[i * n + via] + cost[via * n + j]);
  GString *s = g_string_new (NULL);
  g_string_append_printf (s,
    "/* confusions.inc - what trawl's plate reader mixes up: substitution costs\n"
    " * for the weighted edit distance (src/plate/plate-confusions.c).\n"
    " *\n"
    " * Generated; do not edit. Made by\n"
    " *   trawl eval --plate-confusions src/plate/confusions.inc ../shared/data\n"
    " * (src/eval/eval-confusions-read.c) on\n"
    " * %s:\n"
    " * %d reads, %d label characters aligned, %d substitutions.\n"
    " *\n"
    " * For each pair {a, b}: rate = (n + %g p) / (N + %g), n the times one was\n"
    " * read for the other, N the label characters that were a or b, p = %g\n"
    " * when a and b share an a-priori class (0/O/D/Q, 1/I/L, 2/Z, 5/S, 8/B,\n"
    " * 6/G) and 0 otherwise; cost = ln rate / ln %g, clamped to [%g, 1]; then\n"
    " * closed under shortest paths (no pair costs more than going through a\n"
    " * third character). Labels and reads compare with O taken as 0, as\n"
    " * `trawl eval` does, so 0/O rests on the prior. Rows { a, b, cost } with\n"
    " * a < b, sorted; pairs costing 1 are left out. Comments: n/N.\n"
    " */\n",
    source, k->n_reads, k->n_chars, k->n_subs, ALPHA, ALPHA, PRIOR_RATE, FLOOR_RATE, MIN_COST);
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++)
      {
        double v = cost[i * n + j];
        if (v >= 0.9995)
          continue;
        char ua[8] = { 0 }, ub[8] = { 0 };
        g_unichar_to_utf8 (c[i], ua);
        g_unichar_to_utf8 (c[j], ub);
        g_string_append_printf (s, "{ 0x%04X, 0x%04X, %.3ff },  /* %s %s: %u/%u */\n", c[i], c[j],
                                v, ua, ub, seen[i * n + j], occ (k, c[i]) + occ (k, c[j]));
      }
  return g_string_free (s, FALSE);
}

static Counts
counts_new (void)
{
  return (Counts) { g_hash_table_new (NULL, NULL),
                    g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL), 0, 0, 0 };
}

static void
counts_clear (Counts *k)
{
  g_hash_table_unref (k->occ);
  g_hash_table_unref (k->subs);
}

char *
trawl_eval_plate_confusion_table (const GPtrArray *truths, const GPtrArray *reads,
                                  const char *source)
{
  g_return_val_if_fail (truths != NULL && reads != NULL && truths->len == reads->len, NULL);
  Counts k = counts_new ();
  for (guint i = 0; i < truths->len; i++)
    count_pair (&k, truths->pdata[i], reads->pdata[i]);
  char *text = table_text (&k, source ? source : "(unnamed)");
  counts_clear (&k);
  return text;
}
