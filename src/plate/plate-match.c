/* plate-match.c - how near plate texts are: plain Levenshtein (eval's
 * character error rate), the confusion-weighted edit distance, and
 * wildcard patterns matched exactly or at a weighted cost.
 *
 * The pattern cost runs over every plate track of a case for one fuzzy
 * query (a million rows), so its inner loop touches no heap: texts are
 * decoded into stack buffers, each pattern element keeps a pointer to its
 * row of the dense ASCII cost table, and a bounded variant stops as soon as
 * a whole row of the dynamic programme is over budget.
 */
#include "plate-private.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "trawl/base.h"

/* Texts of up to this many characters are matched without the heap. */
#define STACK_CHARS 64

/* A pattern has at most MAX non-'*' elements and a '*' between and around
 * them (runs collapsed). */
#define MAX_ELEMS (2 * TRAWL_PLATE_PATTERN_MAX + 1)

struct _TrawlPlatePattern {
  char                *normalized;  /* UTF-8, '?' and '*' kept */
  TrawlPlateMatchFlags flags;
  int                  n;           /* elements in pc */
  int                  n_fixed;     /* elements other than '*': each takes one text character */
  int                  n_literals;  /* elements neither '?' nor '*' */
  gboolean             has_star;
  gboolean             ascii_literals; /* no literal beyond ASCII: the fast path
                                          may read any text */
  GPatternSpec        *spec;        /* EXACT: GLib's glob matcher */
  gunichar             pc[MAX_ELEMS];
  const float         *row[MAX_ELEMS]; /* cost of pc[i] against each ASCII text
                                          character: the shared table's row, all
                                          zeros for '?', all ones for a non-ASCII
                                          literal; unused for '*' */
};

static const float zeros[128];
static float ones[128];

static gpointer
init_ones (gpointer data)
{
  (void) data;
  for (int i = 0; i < 128; i++)
    ones[i] = 1.0f;
  return NULL;
}

/* ---- decoding ---- */

/* A text as code points: in buf when it fits, else on the heap. */
typedef struct {
  gunichar  buf[STACK_CHARS];
  gunichar *heap;
  gunichar *c;
  int       n;
} Chars;

/* Decodes s (NULL reads as ""). FALSE for invalid UTF-8. Clear with
 * chars_clear either way. */
static gboolean
chars_decode (Chars *t, const char *s)
{
  const unsigned char *p = (const unsigned char *) (s ? s : "");
  t->heap = NULL;
  t->c = t->buf;
  t->n = 0;
  while (*p)
    {
      if (t->n == STACK_CHARS)
        {
          glong n = 0;
          t->heap = g_utf8_to_ucs4 (s, -1, NULL, &n, NULL);
          t->c = t->heap;
          t->n = (int) n;
          return t->heap != NULL;
        }
      if (*p < 0x80)
        {
          t->buf[t->n++] = *p++;
          continue;
        }
      gunichar c = g_utf8_get_char_validated ((const char *) p, -1);
      if (c == (gunichar) -1 || c == (gunichar) -2)
        return FALSE;
      t->buf[t->n++] = c;
      p = (const unsigned char *) g_utf8_next_char (p);
    }
  return TRUE;
}

static void
chars_clear (Chars *t)
{
  g_clear_pointer (&t->heap, g_free);
}

/* ---- Levenshtein ---- */

int
trawl_text_edit_distance (const char *a, const char *b)
{
  glong na = 0, nb = 0;
  g_autofree gunichar *ua = g_utf8_to_ucs4 (a ? a : "", -1, NULL, &na, NULL);
  g_autofree gunichar *ub = g_utf8_to_ucs4 (b ? b : "", -1, NULL, &nb, NULL);
  if (ua == NULL || ub == NULL)
    return (int) MAX (ua ? na : (glong) strlen (a), ub ? nb : (glong) strlen (b));
  g_autofree int *row = g_new (int, nb + 1);
  for (glong j = 0; j <= nb; j++)
    row[j] = (int) j;
  for (glong i = 1; i <= na; i++)
    {
      int diag = row[0];
      row[0] = (int) i;
      for (glong j = 1; j <= nb; j++)
        {
          int up = row[j];
          int sub = diag + (ua[i - 1] != ub[j - 1]);
          row[j] = MIN (sub, MIN (up + 1, row[j - 1] + 1));
          diag = up;
        }
    }
  return row[nb];
}

/* ---- weighted distance ---- */

static inline float
sub_cost (const float *row, gunichar p, gunichar t)
{
  if (row != NULL && t < 128)
    return row[t];
  return (float) trawl_plate_substitution_cost (p, t);
}

double
trawl_plate_edit_distance (const char *a, const char *b)
{
  Chars ca, cb;
  /* '&', not '&&': both decoded, so both can be cleared */
  gboolean ok = chars_decode (&ca, a) & chars_decode (&cb, b);
  double d;
  if (!ok)
    {
      d = (double) MAX (a ? strlen (a) : 0, b ? strlen (b) : 0);
    }
  else
    {
      g_autofree float *heap = NULL;
      float stack[STACK_CHARS + 1], *row = stack;
      if (cb.n > STACK_CHARS)
        row = heap = g_new (float, cb.n + 1);
      for (int j = 0; j <= cb.n; j++)
        row[j] = (float) j;
      for (int i = 1; i <= ca.n; i++)
        {
          const float *costs = _trawl_plate_ascii_costs (ca.c[i - 1]);
          float diag = row[0];
          row[0] = (float) i;
          for (int j = 1; j <= cb.n; j++)
            {
              float up = row[j];
              float s = diag + sub_cost (costs, ca.c[i - 1], cb.c[j - 1]);
              row[j] = MIN (s, MIN (up, row[j - 1]) + 1.0f);
              diag = up;
            }
        }
      d = row[cb.n];
    }
  chars_clear (&ca);
  chars_clear (&cb);
  return d;
}

/* ---- patterns ---- */

static gboolean
fail (GError **error, const char *pattern, const char *why)
{
  /* Control characters escaped, UTF-8 (a province) kept as it is. */
  char keep[129];
  for (int i = 0; i < 128; i++)
    keep[i] = (char) (0x80 + i);
  keep[128] = '\0';
  g_autofree char *shown = g_strescape (pattern, keep);
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "plate pattern '%s': %s",
               shown, why);
  return FALSE;
}

/* Appends the elements of pattern to p; FALSE with error set when one
 * cannot be on a plate or there are too many. */
static gboolean
parse (TrawlPlatePattern *p, const char *pattern, GString *norm, GError **error)
{
  for (const char *s = pattern; *s; s = g_utf8_next_char (s))
    {
      gunichar c = trawl_plate_char_normalize (g_utf8_get_char (s));
      if (trawl_plate_char_is_separator (c))
        continue;
      if (c == '*')
        {
          if (p->n > 0 && p->pc[p->n - 1] == '*')
            continue;
          p->has_star = TRUE;
        }
      else if (c == '?' || trawl_plate_char_kept (c))
        {
          if (p->n_fixed == TRAWL_PLATE_PATTERN_MAX)
            {
              g_autofree char *why = g_strdup_printf ("more than %d characters ('*' not counted)",
                                                      TRAWL_PLATE_PATTERN_MAX);
              return fail (error, pattern, why);
            }
          p->n_fixed++;
          p->n_literals += c != '?';
        }
      else
        {
          char utf8[8] = { 0 };
          g_unichar_to_utf8 (c, utf8);
          g_autofree char *why = g_unichar_isprint (c)
            ? g_strdup_printf ("'%s' cannot be on a plate (letters, digits, Chinese characters, "
                               "'?' and '*' only)", utf8)
            : g_strdup_printf ("character U+%04X cannot be on a plate", c);
          return fail (error, pattern, why);
        }
      p->row[p->n] = c == '?' ? zeros : c < 128 ? _trawl_plate_ascii_costs (c) : ones;
      if (c >= 128)
        p->ascii_literals = FALSE;
      p->pc[p->n++] = c;
      g_string_append_unichar (norm, c);
    }
  return TRUE;
}

TrawlPlatePattern *
trawl_plate_pattern_new (const char *pattern, TrawlPlateMatchFlags flags, GError **error)
{
  static GOnce once = G_ONCE_INIT;
  g_once (&once, init_ones, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (pattern == NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "no plate pattern given");
      return NULL;
    }
  if (!g_utf8_validate (pattern, -1, NULL))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "plate pattern is not valid UTF-8");
      return NULL;
    }
  TrawlPlatePattern *p = g_new0 (TrawlPlatePattern, 1);
  GString *norm = g_string_new (NULL);
  p->flags = flags;
  p->ascii_literals = TRUE;
  gboolean ok = parse (p, pattern, norm, error);
  if (ok && p->n == 0)
    ok = fail (error, pattern, "nothing left once separators are dropped");
  else if (ok && p->n_literals == 0)
    ok = fail (error, pattern, "wildcards only: give at least one letter or digit");
  p->normalized = g_string_free (norm, FALSE);
  if (!ok)
    {
      trawl_plate_pattern_free (p);
      return NULL;
    }
  if (flags & TRAWL_PLATE_MATCH_EXACT)
    p->spec = g_pattern_spec_new (p->normalized);
  return p;
}

void
trawl_plate_pattern_free (TrawlPlatePattern *p)
{
  if (p == NULL)
    return;
  g_free (p->normalized);
  g_clear_pointer (&p->spec, g_pattern_spec_free);
  g_free (p);
}

const char *
trawl_plate_pattern_get_normalized (const TrawlPlatePattern *p)
{
  g_return_val_if_fail (p != NULL, NULL);
  return p->normalized;
}

gboolean
trawl_plate_pattern_has_wildcards (const TrawlPlatePattern *p)
{
  g_return_val_if_fail (p != NULL, FALSE);
  return p->has_star || p->n_fixed > p->n_literals;
}

TrawlPlateMatchFlags
trawl_plate_pattern_get_flags (const TrawlPlatePattern *p)
{
  g_return_val_if_fail (p != NULL, 0);
  return p->flags;
}

int
trawl_plate_pattern_get_n_literals (const TrawlPlatePattern *p)
{
  g_return_val_if_fail (p != NULL, 0);
  return p->n_literals;
}

char *
trawl_plate_pattern_to_glob (const TrawlPlatePattern *p)
{
  g_return_val_if_fail (p != NULL, NULL);
  return (p->flags & TRAWL_PLATE_MATCH_EXACT) ? g_strdup (p->normalized) : NULL;
}

/* ---- alternatives ---- */

/* What a read's alternatives say about one text position: the characters
 * it might have been and what reading each instead costs (1 - p). */
typedef struct {
  gunichar c[4];
  float    cost[4];
  int      n;
} AltSlot;

static gunichar
first_char (JsonNode *node)
{
  const char *s = node && JSON_NODE_HOLDS_VALUE (node) &&
                  json_node_get_value_type (node) == G_TYPE_STRING
                  ? json_node_get_string (node) : NULL;
  return s && *s ? trawl_plate_char_normalize (g_utf8_get_char (s)) : 0;
}

static void
slot_add (AltSlot *slot, gunichar c, double prob)
{
  if (c == 0 || slot->n == G_N_ELEMENTS (slot->c) || !(prob >= 0 && prob <= 1))
    return;
  slot->c[slot->n] = c;
  slot->cost[slot->n++] = (float) (1.0 - prob);
}

/* One character of the read: what it was read as, and its slot. */
typedef struct {
  gunichar c;
  AltSlot  slot;
} AltEntry;

/* A read longer than this (separators included) is matched without its
 * alternatives. */
#define MAX_ENTRIES (2 * STACK_CHARS)

/* ---- the layout trawl_plate_chars_to_json writes, scanned by hand ----
 *
 * json-glib takes ~27 us for a 7-character read, mostly building nodes we
 * read once; scanning the one layout trawl writes, [{"c":"X","p":0.9,
 * "alt":[["X",0.9],["Y",0.1]]},...], takes well under one. Anything else
 * (other whitespace, key order, escapes beyond \" \\ \uXXXX) goes to
 * json-glib. */

static gboolean
lit (const char **s, const char *want)
{
  gsize n = strlen (want);
  if (strncmp (*s, want, n) != 0)
    return FALSE;
  *s += n;
  return TRUE;
}

/* A one-character JSON string; its character normalised. */
static gboolean
scan_char (const char **s, gunichar *c)
{
  const char *p = *s;
  if (*p++ != '"')
    return FALSE;
  if (*p == '\\')
    {
      p++;
      if (*p == '"' || *p == '\\')
        {
          *c = (gunichar) *p++;
        }
      else if (*p == 'u' && g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2]) &&
                 g_ascii_isxdigit (p[3]) && g_ascii_isxdigit (p[4]))
        {
          *c = 0;
          for (int k = 1; k <= 4; k++)
            *c = *c * 16 + (gunichar) g_ascii_xdigit_value (p[k]);
          p += 5;
        }
      else
        {
          return FALSE;
        }
    }
  else
    {
      gunichar u = g_utf8_get_char_validated (p, -1);
      if (u == (gunichar) -1 || u == (gunichar) -2 || u == 0 || u == '"')
        return FALSE;
      *c = u;
      p = g_utf8_next_char (p);
    }
  if (*p++ != '"')
    return FALSE;
  *c = trawl_plate_char_normalize (*c);
  *s = p;
  return TRUE;
}

/* A number as trawl writes them ("%.4f"); g_ascii_strtod, several times
 * slower, for any other form. */
static gboolean
scan_number (const char **s, double *v)
{
  const char *p = *s;
  double x = 0, scale = 1;
  while (g_ascii_isdigit (*p))
    x = x * 10 + (*p++ - '0');
  if (*p == '.')
    for (p++; g_ascii_isdigit (*p); p++)
      x += (*p - '0') * (scale *= 0.1);
  if (p > *s && *p != 'e' && *p != 'E' && p[-1] != '.')
    {
      *v = x;
      *s = p;
      return TRUE;
    }
  char *end = NULL;
  *v = g_ascii_strtod (*s, &end);
  if (end == *s)
    return FALSE;
  *s = end;
  return TRUE;
}

/* FALSE when json is not in trawl's own layout. */
static gboolean
scan_entries (const char *json, AltEntry *e, int *n_entries)
{
  const char *s = json;
  int n = 0;
  if (!lit (&s, "["))
    return FALSE;
  while (*s != ']')
    {
      double p;
      if (n == MAX_ENTRIES || (n > 0 && !lit (&s, ",")) || !lit (&s, "{\"c\":") ||
          !scan_char (&s, &e[n].c) || !lit (&s, ",\"p\":") || !scan_number (&s, &p) ||
          !lit (&s, ",\"alt\":["))
        return FALSE;
      e[n].slot = (AltSlot) { 0 };
      for (int k = 0; *s != ']'; k++)
        {
          gunichar c;
          double prob;
          if ((k > 0 && !lit (&s, ",")) || !lit (&s, "[") || !scan_char (&s, &c) ||
              !lit (&s, ",") || !scan_number (&s, &prob) || !lit (&s, "]"))
            return FALSE;
          slot_add (&e[n].slot, c, prob);
        }
      if (!lit (&s, "]}"))
        return FALSE;
      n++;
    }
  if (!lit (&s, "]") || *s != '\0')
    return FALSE;
  *n_entries = n;
  return TRUE;
}

/* ---- any JSON, through json-glib ---- */

/* One entry of the JSON as a slot; its read character in *c. */
static void
slot_from_json (JsonObject *o, AltSlot *slot, gunichar *c)
{
  *slot = (AltSlot) { 0 };
  *c = o ? first_char (json_object_get_member (o, "c")) : 0;
  JsonNode *alt = o ? json_object_get_member (o, "alt") : NULL;
  if (alt == NULL || !JSON_NODE_HOLDS_ARRAY (alt))
    return;
  JsonArray *a = json_node_get_array (alt);
  for (guint k = 0; k < json_array_get_length (a); k++)
    {
      JsonNode *e = json_array_get_element (a, k);
      if (!JSON_NODE_HOLDS_ARRAY (e) || json_array_get_length (json_node_get_array (e)) < 2)
        continue;
      JsonArray *pair = json_node_get_array (e);
      JsonNode *pn = json_array_get_element (pair, 1);
      if (JSON_NODE_HOLDS_VALUE (pn))
        slot_add (slot, first_char (json_array_get_element (pair, 0)),
                  json_node_get_double (pn));
    }
}

static gboolean
parse_entries (const char *json, AltEntry *e, int *n_entries)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, json, -1, NULL))
    return FALSE;
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    return FALSE;
  JsonArray *a = json_node_get_array (root);
  if (json_array_get_length (a) > MAX_ENTRIES)
    return FALSE;
  *n_entries = (int) json_array_get_length (a);
  for (int i = 0; i < *n_entries; i++)
    {
      JsonNode *node = json_array_get_element (a, i);
      slot_from_json (JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL,
                      &e[i].slot, &e[i].c);
    }
  return TRUE;
}

/* Fills slots[0..n) from the JSON when its kept entries line up with the
 * n characters of the text: all kept ones, or (a read normalised to Latin
 * only) the ASCII ones. FALSE when they do not, or the JSON is not an array
 * of objects. */
static gboolean
parse_alternatives (const char *json, int n, AltSlot *slots)
{
  AltEntry e[MAX_ENTRIES];
  int ne = 0;
  if (!scan_entries (json, e, &ne) && !parse_entries (json, e, &ne))
    return FALSE;
  for (int ascii_only = 0; ascii_only < 2; ascii_only++)
    {
      int k = 0;
      for (int i = 0; i < ne && k <= n; i++)
        {
          if (!trawl_plate_char_kept (e[i].c) || (ascii_only && e[i].c >= 128))
            continue;
          if (k < n)
            slots[k] = e[i].slot;
          k++;
        }
      if (k == n)
        return TRUE;
    }
  return FALSE;
}

static inline float
alt_cost (const AltSlot *slot, gunichar pc, float s)
{
  for (int k = 0; k < slot->n; k++)
    if (slot->c[k] == pc && slot->cost[k] < s)
      s = slot->cost[k];
  return s;
}

/* ---- pattern cost ---- */

/* The dynamic programme: rows are pattern elements, columns text
 * characters; row[j] is the cheapest alignment of the elements so far with
 * the first j characters. Every alignment crosses every row and costs never
 * fall along one, so a row whose minimum is over max_cost ends the search. */
static double
pattern_dp (const TrawlPlatePattern *p, const gunichar *t, int n, const AltSlot *slots,
            float max_cost, float *prev, float *cur)
{
  for (int j = 0; j <= n; j++)
    prev[j] = (float) j;
  for (int i = 0; i < p->n; i++)
    {
      gunichar pc = p->pc[i];
      float low;
      if (pc == '*')
        {
          low = cur[0] = prev[0];
          for (int j = 1; j <= n; j++)
            {
              cur[j] = MIN (prev[j], cur[j - 1]);
              low = MIN (low, cur[j]);
            }
        }
      else
        {
          const float *row = p->row[i];
          gboolean any = pc == '?';
          low = cur[0] = prev[0] + 1.0f;
          for (int j = 1; j <= n; j++)
            {
              gunichar tc = t[j - 1];
              float s = any ? 0.0f : sub_cost (tc < 128 ? row : NULL, pc, tc);
              if (slots != NULL && s > 0)
                s = alt_cost (&slots[j - 1], pc, s);
              cur[j] = MIN (prev[j - 1] + s, MIN (prev[j], cur[j - 1]) + 1.0f);
              low = MIN (low, cur[j]);
            }
        }
      if (low > max_cost)
        return INFINITY;
      float *swap = prev;
      prev = cur;
      cur = swap;
    }
  return prev[n] > max_cost ? INFINITY : prev[n];
}

/* The common case in one load per cell: t holds each text character if
 * ASCII, else 0, which every ASCII literal's row prices at 1 (as the table
 * does when it pairs no ASCII character with any other; see
 * fast_path_ok) and '?' at 0. Otherwise as pattern_dp. */
static double
pattern_dp_ascii (const TrawlPlatePattern *p, const guint8 *t, int n, float max_cost,
                  float *prev, float *cur)
{
  for (int j = 0; j <= n; j++)
    prev[j] = (float) j;
  for (int i = 0; i < p->n; i++)
    {
      float low;
      if (p->pc[i] == '*')
        {
          float left = low = cur[0] = prev[0];
          for (int j = 1; j <= n; j++)
            {
              left = cur[j] = MIN (prev[j], left);
              low = MIN (low, left);
            }
        }
      else
        {
          const float *row = p->row[i];
          float diag = prev[0], left = low = cur[0] = prev[0] + 1.0f;
          for (int j = 1; j <= n; j++)
            {
              float up = prev[j];
              float v = MIN (diag + row[t[j - 1]], MIN (up, left) + 1.0f);
              cur[j] = left = v;
              low = MIN (low, v);
              diag = up;
            }
        }
      if (low > max_cost)
        return INFINITY;
      float *swap = prev;
      prev = cur;
      cur = swap;
    }
  return prev[n] > max_cost ? INFINITY : prev[n];
}

/* Decodes text for pattern_dp_ascii: ASCII as itself, anything else as 0.
 * FALSE when text is invalid UTF-8 or too long for the stack, or holds
 * characters beyond ASCII that the fast path cannot price. */
static gboolean
fast_decode (const TrawlPlatePattern *p, const char *text, guint8 *t, int *n)
{
  const unsigned char *s = (const unsigned char *) text;
  int k = 0;
  for (; *s; k++)
    {
      if (k == STACK_CHARS)
        return FALSE;
      if (*s < 0x80)
        {
          t[k] = *s++;
          continue;
        }
      if (!p->ascii_literals || _trawl_plate_table_mixes_ascii ())
        return FALSE;
      gunichar c = g_utf8_get_char_validated ((const char *) s, -1);
      if (c == (gunichar) -1 || c == (gunichar) -2)
        return FALSE;
      t[k] = 0;
      s = (const unsigned char *) g_utf8_next_char (s);
    }
  *n = k;
  return TRUE;
}

/* No '*': each text character beyond what the fixed elements take costs an
 * insertion, each fixed element beyond the text a deletion. */
static int
length_bound (const TrawlPlatePattern *p, int n)
{
  int over = n - p->n_fixed;
  return over < 0 ? -over : p->has_star ? 0 : over;
}

double
trawl_plate_pattern_cost_bounded (const TrawlPlatePattern *p, const char *text,
                                  const char *alternatives_json, double max_cost)
{
  g_return_val_if_fail (p != NULL, INFINITY);
  if (text == NULL || !(max_cost >= 0))
    return INFINITY;
  if (p->flags & TRAWL_PLATE_MATCH_EXACT)
    return g_utf8_validate (text, -1, NULL) && g_pattern_spec_match_string (p->spec, text)
           ? 0.0 : INFINITY;
  float bound = max_cost >= G_MAXFLOAT ? G_MAXFLOAT : (float) max_cost;
  guint8 fast[STACK_CHARS];
  int nf = 0;
  if ((alternatives_json == NULL || *alternatives_json == '\0') &&
      fast_decode (p, text, fast, &nf))
    {
      float rows[2][STACK_CHARS + 1];
      return length_bound (p, nf) > max_cost ? INFINITY
             : pattern_dp_ascii (p, fast, nf, bound, rows[0], rows[1]);
    }
  Chars t;
  double cost = INFINITY;
  if (chars_decode (&t, text))
    {
      if (length_bound (p, t.n) <= max_cost)
        {
          AltSlot stack_slots[STACK_CHARS];
          g_autofree AltSlot *heap_slots = NULL;
          AltSlot *slots = NULL;
          if (alternatives_json != NULL && *alternatives_json)
            {
              slots = t.n > STACK_CHARS ? (heap_slots = g_new (AltSlot, t.n)) : stack_slots;
              if (!parse_alternatives (alternatives_json, t.n, slots))
                slots = NULL;
            }
          float stack_rows[2][STACK_CHARS + 1];
          g_autofree float *heap_rows = NULL;
          float *prev = stack_rows[0], *cur = stack_rows[1];
          if (t.n > STACK_CHARS)
            {
              heap_rows = g_new (float, 2 * (t.n + 1));
              prev = heap_rows;
              cur = heap_rows + t.n + 1;
            }
          cost = pattern_dp (p, t.c, t.n, slots, bound, prev, cur);
        }
    }
  chars_clear (&t);
  return cost;
}

double
trawl_plate_pattern_cost (const TrawlPlatePattern *p, const char *text,
                          const char *alternatives_json)
{
  return trawl_plate_pattern_cost_bounded (p, text, alternatives_json, G_MAXDOUBLE);
}

double
trawl_plate_pattern_score (const TrawlPlatePattern *p, const char *text,
                           const char *alternatives_json)
{
  g_return_val_if_fail (p != NULL, 0.0);
  double cost = trawl_plate_pattern_cost (p, text, alternatives_json);
  double s = 1.0 - cost / MAX (1, p->n_literals);
  return s > 0 ? s : 0.0;
}
