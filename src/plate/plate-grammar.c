/* plate-grammar.c - the shapes of national plates (letters here, digits
 * there), and putting a read's confusable characters (O/0, I/1, B/8, S/5,
 * Z/2, G/6) where its shape says they belong, with the read's own
 * alternatives as the evidence (see "shapes" in include/trawl/plate.h).
 *
 * A read that already fits some shape is left alone: the table is a union
 * over countries, and a text that fits one of them is no evidence that
 * another was meant. Only a read that fits none is moved to the shape it
 * reaches most cheaply, and only when that is clearly cheaper than any
 * other text, and within what its alternatives support. */
#include "trawl/plate.h"

#include <math.h>
#include <string.h>

/* 'L' a letter, 'N' a digit; shapes of normalised text (no separators). */
static const struct {
  const char *country;
  const char *shapes;
} grammars[] = {
  /* Dutch side codes 1-14 */
  { "nl", "LLNNNN NNNNLL NNLLNN LLNNLL LLLLNN NNLLLL NNLLLN NLLLNN LLNNNL LNNNLL LLLNNL "
          "LNNLLL NLLNNN NNNLLN" },
  { "be", "NLLLNNN" },                    /* 1-ABC-123 */
  { "cz", "NLNNNNN NLLNNNN" },            /* 1A2 3456, 1AB 2345 (Slovak: as it) */
  { "fr", "LLNNNLL" },                    /* SIV AB-123-CD */
  { "it", "LLNNNLL" },                    /* AB 123 CD */
  { "es", "NNNNLLL" },                    /* 1234 BCD */
  { "uk", "LLNNLLL LNNNLLL LLLNNNL" },    /* current, prefix, suffix */
  { "pl", "LLNNNNN LLNNNLL LLLNNNN LLLNNLL" },
  /* German: city 1-3 + 1-2 letters, 1-4 digits; 5 characters or more
   * (the short ones, B A 1, fit too much that is no plate) */
  { "de", "LLNNN LLNNNN LLLNN LLLNNN LLLNNNN LLLLN LLLLNN LLLLNNN LLLLNNNN LLLLLN "
          "LLLLLNN LLLLLNNN" },
  { "us", "NLLLNNN LLLNNNN LLLNNN NNNLLL NLLNNN" },
  { "br", "LLLNNNN LLLNLNN" },
};

/* A change to a character the read did not offer costs as if offered at
 * this probability; a shape is taken only within MAX_COST and when the
 * runner-up text costs at least MARGIN more (both in nats). Dropping a
 * character costs ln(p / rest), rest being what its slot left to no
 * letter or digit (a blank, a separator): so a character goes only where
 * "nothing" was offered at >= 1/4 of it, as a change needs. */
#define UNOFFERED_P 1e-3
#define MAX_COST    1.4   /* alternatives offered at >= 1/4 of the read */
#define MARGIN      1.0

static gboolean
is_letter (gunichar c)
{
  return c >= 'A' && c <= 'Z';
}

static gboolean
is_digit (gunichar c)
{
  return c >= '0' && c <= '9';
}

static gboolean
fits_class (gunichar c, char cls)
{
  return cls == 'L' ? is_letter (c) : is_digit (c);
}

const char *
trawl_plate_shape_country (const char *norm)
{
  gsize n = norm ? strlen (norm) : 0;
  if (n == 0 || !g_str_is_ascii (norm))
    return NULL;
  for (guint g = 0; g < G_N_ELEMENTS (grammars); g++)
    {
      g_auto (GStrv) shapes = g_strsplit (grammars[g].shapes, " ", -1);
      for (guint k = 0; shapes[k]; k++)
        {
          if (strlen (shapes[k]) != n)
            continue;
          gsize i = 0;
          while (i < n && fits_class ((guchar) norm[i], shapes[k][i]))
            i++;
          if (i == n)
            return grammars[g].country;
        }
    }
  return NULL;
}

/* The cheapest character of class cls for slot s, and its cost: only a
 * look-alike of the read (a B for an 8, not a 7 for a Z): the shape says
 * which of two look-alikes, never what else was written. */
static gunichar
cheapest (const TrawlPlateSlot *s, char cls, double *cost)
{
  gunichar top = s->c[0];
  double p0 = MAX (s->p[0], UNOFFERED_P);
  if (fits_class (top, cls))
    {
      *cost = 0;
      return top;
    }
  gunichar best = 0;
  *cost = INFINITY;
  for (int k = 1; k < TRAWL_PLATE_SLOT_N && s->c[k]; k++)
    if (fits_class (s->c[k], cls) && trawl_plate_confusable (s->c[k], top))
      {
        double c = log (p0 / MAX (s->p[k], UNOFFERED_P));
        if (c < *cost)
          {
            *cost = MAX (c, 0.0);
            best = s->c[k];
          }
      }
  /* The confusion partner the reader did not offer (O for 0, 8 for B). */
  gunichar partner = cls == 'L' ? trawl_plate_digit_to_letter (top) : trawl_plate_letter_to_digit (top);
  if (partner != top && fits_class (partner, cls))
    {
      double c = log (p0 / UNOFFERED_P);
      if (c < *cost)
        {
          *cost = c;
          best = partner;
        }
    }
  return best;
}

/* Fills out (n + 1 bytes) with slots fitted to shape; returns the cost. */
static double
fit_shape (const TrawlPlateSlot *slots, int n, const char *shape, char *out)
{
  double total = 0;
  for (int i = 0; i < n; i++)
    {
      double c;
      gunichar ch = cheapest (&slots[i], shape[i], &c);
      if (ch == 0 || ch >= 128)
        return INFINITY;
      total += c;
      out[i] = (char) ch;
    }
  out[n] = '\0';
  return total;
}

/* The cost of reading slot s as no character at all (see MAX_COST). */
static double
drop_cost (const TrawlPlateSlot *s)
{
  double rest = 1.0;
  for (int k = 0; k < TRAWL_PLATE_SLOT_N && s->c[k]; k++)
    rest -= s->p[k];
  return MAX (0.0, log (MAX (s->p[0], UNOFFERED_P) / MAX (rest, UNOFFERED_P)));
}

/* The best and runner-up texts over shapes: keeps the cheapest text (and
 * which slot it dropped) and the cost of the cheapest other text. */
typedef struct {
  double best, second;
  char  *text;
  int    dropped;
} Fit;

static void
fit_consider (Fit *f, const char *text, double c, int dropped)
{
  if (f->text != NULL && strcmp (text, f->text) == 0)
    return;  /* another country or another of two like characters: the same text */
  if (c < f->best)
    {
      f->second = f->best;
      f->best = c;
      g_free (f->text);
      f->text = g_strdup (text);
      f->dropped = dropped;
    }
  else if (c < f->second)
    f->second = c;
}

/* Fits slots (n of them) to every shape of length n into f, each cost
 * raised by extra; dropped is passed on. */
static void
fit_all (Fit *f, const TrawlPlateSlot *slots, int n, double extra, int dropped)
{
  g_autofree char *buf = g_malloc (n + 1);
  for (guint g = 0; g < G_N_ELEMENTS (grammars); g++)
    {
      g_auto (GStrv) shapes = g_strsplit (grammars[g].shapes, " ", -1);
      for (guint k = 0; shapes[k]; k++)
        {
          double c = (int) strlen (shapes[k]) == n ? fit_shape (slots, n, shapes[k], buf) : INFINITY;
          if (isfinite (c))
            fit_consider (f, buf, c + extra, dropped);
        }
    }
}

char *
trawl_plate_resolve_by_shape_full (const TrawlPlateSlot *slots, int n, double *cost,
                                   int *dropped)
{
  if (cost != NULL)
    *cost = 0;
  if (dropped != NULL)
    *dropped = -1;
  if (n < 1)
    return NULL;
  g_autofree char *top = g_malloc (n + 1);
  for (int i = 0; i < n; i++)
    {
      if (slots[i].c[0] == 0 || slots[i].c[0] >= 128)
        return NULL;  /* a Chinese province: the CN rules are fix_by_grammar's */
      top[i] = (char) slots[i].c[0];
    }
  top[n] = '\0';
  if (trawl_plate_shape_country (top) != NULL)
    return g_steal_pointer (&top);
  Fit f = { INFINITY, INFINITY, NULL, -1 };
  fit_all (&f, slots, n, 0.0, -1);
  /* One character too many: a sticker, a bolt or a separator read as a
   * character, whose slot offered "nothing" too. */
  g_autofree TrawlPlateSlot *less = g_new (TrawlPlateSlot, MAX (n - 1, 1));
  for (int i = 0; n > 1 && i < n; i++)
    {
      double d = drop_cost (&slots[i]);
      if (d > MAX_COST)
        continue;
      memcpy (less, slots, i * sizeof *slots);
      memcpy (less + i, slots + i + 1, (n - 1 - i) * sizeof *slots);
      fit_all (&f, less, n - 1, d, i);
    }
  g_autofree char *text = f.text;
  if (text == NULL || f.best > MAX_COST || f.second - f.best < MARGIN)
    return NULL;
  if (cost != NULL)
    *cost = f.best;
  if (dropped != NULL)
    *dropped = f.dropped;
  return g_steal_pointer (&text);
}

char *
trawl_plate_resolve_by_shape (const TrawlPlateSlot *slots, int n, double *cost)
{
  return trawl_plate_resolve_by_shape_full (slots, n, cost, NULL);
}

gboolean
trawl_plate_likely (const char *norm, double confidence)
{
  if (!trawl_plate_plausible (norm))
    return FALSE;
  if (trawl_plate_classify (norm) != TRAWL_PLATE_LATIN || trawl_plate_shape_country (norm))
    return TRUE;
  gboolean letters = FALSE, digits = FALSE;
  for (const char *p = norm; *p; p++)
    {
      letters |= g_ascii_isalpha (*p);
      digits |= g_ascii_isdigit (*p);
    }
  return (letters && digits && strlen (norm) >= 5) || confidence >= TRAWL_PLATE_WORD_MIN_CONFIDENCE;
}

/* ---- votes over a track's reads ---- */

/* Positions of b aligned to a's by Levenshtein on folded characters:
 * map[j] = the position of a that b's j-th character stands for, or -1
 * (an extra character). */
static void
align (const TrawlPlateSlot *a, int na, const TrawlPlateSlot *b, int nb, int *map)
{
  g_autofree int *d = g_new (int, (na + 1) * (nb + 1));
#define D(i, j) d[(i) * (nb + 1) + (j)]
  for (int i = 0; i <= na; i++)
    D (i, 0) = i;
  for (int j = 0; j <= nb; j++)
    D (0, j) = j;
  for (int i = 1; i <= na; i++)
    for (int j = 1; j <= nb; j++)
      {
        int sub = trawl_plate_fold_char (a[i - 1].c[0]) != trawl_plate_fold_char (b[j - 1].c[0]);
        D (i, j) = MIN (MIN (D (i - 1, j) + 1, D (i, j - 1) + 1), D (i - 1, j - 1) + sub);
      }
  int i = na, j = nb;
  while (j > 0)
    {
      int sub = i > 0 && trawl_plate_fold_char (a[i - 1].c[0]) != trawl_plate_fold_char (b[j - 1].c[0]);
      if (i > 0 && D (i, j) == D (i - 1, j - 1) + sub)
        {
          map[--j] = --i;
        }
      else if (D (i, j) == D (i, j - 1) + 1)
        {
          map[--j] = -1;
        }
      else
        {
          i--;
        }
    }
#undef D
}

typedef struct {
  gunichar c[16];
  double   score[16];
  int      n;
  double   total;
} Tally;

static void
tally_add (Tally *t, gunichar c, double score)
{
  for (int k = 0; k < t->n; k++)
    if (t->c[k] == c)
      {
        t->score[k] += score;
        return;
      }
  if (t->n < (int) G_N_ELEMENTS (t->c))
    {
      t->c[t->n] = c;
      t->score[t->n++] = score;
    }
}

int
trawl_plate_vote (const TrawlPlateRead *reads, int n_reads, TrawlPlateSlot *out, int max)
{
  /* The length most of the weight reads at, and its heaviest read. */
  double by_len[17] = { 0 };
  for (int r = 0; r < n_reads; r++)
    if (reads[r].n > 0 && reads[r].n <= 16)
      by_len[reads[r].n] += MAX (reads[r].weight, 1e-6);
  int len = 0;
  for (int l = 1; l <= 16; l++)
    if (by_len[l] > by_len[len])
      len = l;
  if (len == 0 || len > max)
    return 0;
  const TrawlPlateRead *ref = NULL;
  for (int r = 0; r < n_reads; r++)
    if (reads[r].n == len && (ref == NULL || reads[r].weight > ref->weight))
      ref = &reads[r];
  g_autofree Tally *tl = g_new0 (Tally, len);
  int map[16];
  for (int r = 0; r < n_reads; r++)
    {
      const TrawlPlateRead *rd = &reads[r];
      if (rd->n <= 0 || rd->n > 16)
        continue;
      if (rd->n == len)
        for (int j = 0; j < len; j++)
          map[j] = j;
      else
        align (ref->slots, len, rd->slots, rd->n, map);
      double w = MAX (rd->weight, 1e-6);
      for (int j = 0; j < rd->n; j++)
        {
          if (map[j] < 0)
            continue;
          Tally *t = &tl[map[j]];
          for (int k = 0; k < TRAWL_PLATE_SLOT_N && rd->slots[j].c[k]; k++)
            tally_add (t, rd->slots[j].c[k], w * rd->slots[j].p[k]);
          t->total += w;
        }
    }
  for (int i = 0; i < len; i++)
    {
      Tally *t = &tl[i];
      memset (&out[i], 0, sizeof out[i]);
      for (int k = 0; k < TRAWL_PLATE_SLOT_N; k++)
        {
          int best = -1;
          for (int m = 0; m < t->n; m++)
            if (t->score[m] >= 0 && (best < 0 || t->score[m] > t->score[best]))
              best = m;
          if (best < 0)
            break;
          out[i].c[k] = t->c[best];
          out[i].p[k] = (float) (t->total > 0 ? t->score[best] / t->total : 0);
          t->score[best] = -1;
        }
    }
  return len;
}
