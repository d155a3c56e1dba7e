/* plate-confusions.c - which characters a plate reader mixes up, in one
 * place: the a-priori confusion classes (folding, and the letter or digit
 * a class stands for where the grammar wants one), and the substitution
 * costs measured on trawl's own reader (confusions.inc, written by
 * `trawl eval --plate-confusions`), which the weighted distances use.
 */
#include "trawl/plate.h"

#include <stdlib.h>
#include <string.h>

#include "plate-private.h"

/* The a-priori classes: the first character is the class's key (the
 * digit), the second the letter it stands for where a letter must be. */
static const char *const classes[] = { "0ODQ", "1IL", "2Z", "5S", "8B", "6G" };

/* The measured table: one row per unordered pair a < b, sorted. */
typedef struct {
  gunichar a, b;
  float    cost;  /* 0..1 */
} Confusion;

static const Confusion confusions[] = {
#include "confusions.inc"
};

gunichar
trawl_plate_fold_char (gunichar c)
{
  c = trawl_plate_char_normalize (c);
  if (c >= 128)
    return c;
  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    if (strchr (classes[i], (int) c) != NULL)
      return (gunichar) classes[i][0];
  return c;
}

char *
trawl_plate_fold (const char *text)
{
  g_autofree char *norm = trawl_plate_normalize (text);
  GString *s = g_string_new (NULL);
  for (const char *p = norm; *p; p = g_utf8_next_char (p))
    g_string_append_unichar (s, trawl_plate_fold_char (g_utf8_get_char (p)));
  return g_string_free (s, FALSE);
}

gboolean
trawl_plate_confusable (gunichar a, gunichar b)
{
  return trawl_plate_fold_char (a) == trawl_plate_fold_char (b);
}

gunichar
trawl_plate_digit_to_letter (gunichar c)
{
  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    if (c == (gunichar) classes[i][0])
      return (gunichar) classes[i][1];
  return c;
}

gunichar
trawl_plate_letter_to_digit (gunichar c)
{
  gunichar f = trawl_plate_fold_char (c);
  return f >= '0' && f <= '9' ? f : c;
}

/* ASCII pairs in a dense table: the distances look them up in their inner
 * loop. Built once from confusions[]. */
static float ascii_cost[128][128];

static gpointer
build_ascii (gpointer data)
{
  (void) data;
  static float upper[128][128];  /* as normalisation spells the characters */
  for (int a = 0; a < 128; a++)
    for (int b = 0; b < 128; b++)
      upper[a][b] = a == b ? 0.0f : 1.0f;
  for (guint i = 0; i < G_N_ELEMENTS (confusions); i++)
    {
      const Confusion *c = &confusions[i];
      if (c->a < 128 && c->b < 128)
        upper[c->a][c->b] = upper[c->b][c->a] = c->cost;
    }
  /* Lower case costs what upper case does: a text that escaped
   * normalisation still compares sensibly. */
  for (int a = 0; a < 128; a++)
    for (int b = 0; b < 128; b++)
      ascii_cost[a][b] = upper[(guchar) g_ascii_toupper ((char) a)][(guchar) g_ascii_toupper ((char) b)];
  return NULL;
}

const float *
_trawl_plate_ascii_costs (gunichar a)
{
  static GOnce once = G_ONCE_INIT;
  g_once (&once, build_ascii, NULL);
  return a < 128 ? ascii_cost[a] : NULL;
}

gboolean
_trawl_plate_table_mixes_ascii (void)
{
  static int mixes = -1;
  if (mixes < 0)
    {
      int m = 0;
      for (guint i = 0; i < G_N_ELEMENTS (confusions); i++)
        m |= (confusions[i].a < 128) != (confusions[i].b < 128);
      g_atomic_int_set (&mixes, m);
    }
  return g_atomic_int_get (&mixes) != 0;
}

static int
cmp_pair (const void *key, const void *row)
{
  const Confusion *k = key, *r = row;
  if (k->a != r->a)
    return k->a < r->a ? -1 : 1;
  return k->b < r->b ? -1 : k->b > r->b;
}

double
trawl_plate_substitution_cost (gunichar a, gunichar b)
{
  a = trawl_plate_char_normalize (a);
  b = trawl_plate_char_normalize (b);
  if (a == b)
    return 0.0;
  if (a < 128 && b < 128)
    return _trawl_plate_ascii_costs (a)[b];
  Confusion key = { MIN (a, b), MAX (a, b), 0 };
  const Confusion *hit = bsearch (&key, confusions, G_N_ELEMENTS (confusions),
                                  sizeof confusions[0], cmp_pair);
  return hit ? hit->cost : 1.0;
}
