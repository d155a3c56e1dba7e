/* plate-text.c - licence-plate text rules, no models: normalisation,
 * formats (Chinese, new-energy, Brazilian, other Latin), telling plates from
 * ordinary text, OCR confusion classes, grammar-guided fixes and trimming
 * ornament off the ends of a read. Search uses
 * the fold key for confusion-aware matching; the reader uses the rest.
 */
#include "trawl/detect.h"

#include <string.h>

/* The 31 mainland province abbreviations. */
static const char provinces[] =
  "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

/* Special last characters of Chinese plates (school, police, HK/Macau,
 * trailer, consulate). */
static const char cn_suffixes[] = "学警港澳挂领使";

/* Words seen near plates that fit the Latin shape: state names, makes,
 * slogans. Normalised form. Deliberately short: vanity plates are real
 * words too, so only words far more likely to be ornament are listed. */
static const char *const stop_words[] = {
  "CALIFORNIA", "TEXAS", "FLORIDA", "OHIO", "IOWA", "UTAH", "IDAHO", "MAINE",
  "NEVADA", "OREGON", "ARIZONA", "ALASKA", "HAWAII", "KANSAS", "GEORGIA",
  "VIRGINIA", "INDIANA", "ILLINOIS", "MONTANA", "VERMONT", "NEWYORK", "NEWJERSEY",
  "TOYOTA", "HONDA", "NISSAN", "FORD", "LEXUS", "MAZDA", "SUBARU", "AUDI", "BMW",
  "VOLVO", "JEEP", "DODGE", "KIA", "HYUNDAI", "CHEVROLET", "ACURA", "INFINITI",
  "DMV", "DMVCAGOV", "USA", "BRASIL", "BRAZIL", "ITALIA", "EU",
  NULL
};

gboolean
trawl_plate_is_province (gunichar c)
{
  for (const char *p = provinces; *p; p = g_utf8_next_char (p))
    if (g_utf8_get_char (p) == c)
      return TRUE;
  return FALSE;
}

static gboolean
is_cn_suffix (gunichar c)
{
  for (const char *p = cn_suffixes; *p; p = g_utf8_next_char (p))
    if (g_utf8_get_char (p) == c)
      return TRUE;
  return FALSE;
}

static gboolean
is_separator (gunichar c)
{
  return c == ' ' || c == '-' || c == '.' || c == 0x00B7 || c == 0x2022 ||
         c == 0x30FB || c == 0x2013 || c == 0x2014 || c == '\t' || c == 0x3000;
}

/* Full-width ASCII (U+FF01..U+FF5E) to ASCII, then upper case. */
static gunichar
to_ascii_upper (gunichar c)
{
  if (c >= 0xFF01 && c <= 0xFF5E)
    c = c - 0xFF01 + 0x21;
  if (c < 128)
    return g_ascii_toupper ((char) c);
  return c;
}

static char *
normalize (const char *text, gboolean strict)
{
  GString *s = g_string_new (NULL);
  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return g_string_free (s, FALSE);
  for (const char *p = text; *p; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);
    if (is_separator (c))
      continue;
    c = to_ascii_upper (c);
    if (strict && !(g_ascii_isalnum (c) && c < 128) &&
        g_unichar_get_script (c) != G_UNICODE_SCRIPT_HAN)
      continue;
    g_string_append_unichar (s, c);
  }
  return g_string_free (s, FALSE);
}

char *
trawl_plate_normalize (const char *text)
{
  return normalize (text, FALSE);
}

char *
trawl_plate_normalize_strict (const char *text)
{
  return normalize (text, TRUE);
}

static gboolean
is_alnum_ascii (gunichar c)
{
  return c < 128 && g_ascii_isalnum ((char) c) && !g_ascii_islower ((char) c);
}

static gboolean
is_upper_ascii (gunichar c)
{
  return c >= 'A' && c <= 'Z';
}

static gboolean
is_digit_ascii (gunichar c)
{
  return c >= '0' && c <= '9';
}

/* Decodes up to max characters; returns the count, or -1 if longer. */
static int
decode (const char *s, gunichar *out, int max)
{
  int n = 0;
  for (const char *p = s; *p; p = g_utf8_next_char (p)) {
    if (n == max)
      return -1;
    out[n++] = g_utf8_get_char (p);
  }
  return n;
}

static gboolean
matches_br (const gunichar *c, int n)
{
  if (n != 7)
    return FALSE;
  for (int i = 0; i < 3; i++)
    if (!is_upper_ascii (c[i]))
      return FALSE;
  /* Old LLL9999 or Mercosul LLL9L99. */
  return is_digit_ascii (c[3]) && (is_digit_ascii (c[4]) || is_upper_ascii (c[4])) &&
         is_digit_ascii (c[5]) && is_digit_ascii (c[6]);
}

TrawlPlateFormat
trawl_plate_classify (const char *norm)
{
  gunichar c[16];
  if (norm == NULL || !g_utf8_validate (norm, -1, NULL))
    return TRAWL_PLATE_INVALID;
  int n = decode (norm, c, G_N_ELEMENTS (c));
  if (n < 2)
    return TRAWL_PLATE_INVALID;
  if (trawl_plate_is_province (c[0])) {
    if (!is_upper_ascii (c[1]))
      return TRAWL_PLATE_INVALID;
    for (int i = 2; i < n; i++)
      if (!is_alnum_ascii (c[i]) && !(i == n - 1 && is_cn_suffix (c[i])))
        return TRAWL_PLATE_INVALID;
    if (n == 7)
      return TRAWL_PLATE_CN;
    if (n == 8)
      return TRAWL_PLATE_CN_NEW_ENERGY;
    return TRAWL_PLATE_INVALID;
  }
  if (n > 8)
    return TRAWL_PLATE_INVALID;
  for (int i = 0; i < n; i++)
    if (!is_alnum_ascii (c[i]))
      return TRAWL_PLATE_INVALID;
  return matches_br (c, n) ? TRAWL_PLATE_BR : TRAWL_PLATE_LATIN;
}

const char *
trawl_plate_format_name (TrawlPlateFormat f)
{
  switch (f) {
  case TRAWL_PLATE_CN: return "cn";
  case TRAWL_PLATE_CN_NEW_ENERGY: return "cn-new-energy";
  case TRAWL_PLATE_BR: return "br";
  case TRAWL_PLATE_LATIN: return "latin";
  case TRAWL_PLATE_INVALID: default: return "invalid";
  }
}

gboolean
trawl_plate_plausible (const char *norm)
{
  TrawlPlateFormat f = trawl_plate_classify (norm);
  if (f == TRAWL_PLATE_INVALID)
    return FALSE;
  if (f != TRAWL_PLATE_LATIN)
    return TRUE;
  for (int i = 0; stop_words[i]; i++)
    if (strcmp (norm, stop_words[i]) == 0)
      return FALSE;
  int n = (int) strlen (norm), digits = 0;
  for (int i = 0; i < n; i++)
    digits += g_ascii_isdigit (norm[i]) ? 1 : 0;
  /* Vanity plates may be all letters, but a short all-letter word is far
   * more often a badge or a sign than a plate. */
  if (digits == 0 && n < 5)
    return FALSE;
  return n >= 3;
}

gunichar
trawl_plate_fold_char (gunichar c)
{
  c = to_ascii_upper (c);
  switch (c) {
  case 'O': case 'D': case 'Q': return '0';
  case 'I': case 'L': return '1';
  case 'Z': return '2';
  case 'S': return '5';
  case 'B': return '8';
  case 'G': return '6';
  default: return c;
  }
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

/* The letter a confusable digit stands for where a letter must be. */
static gunichar
digit_to_letter (gunichar c)
{
  switch (c) {
  case '0': return 'O';
  case '1': return 'I';
  case '2': return 'Z';
  case '5': return 'S';
  case '8': return 'B';
  case '6': return 'G';
  default: return c;
  }
}

static gunichar
letter_to_digit (gunichar c)
{
  gunichar f = trawl_plate_fold_char (c);
  return is_digit_ascii (f) ? f : c;
}

char *
trawl_plate_fix_by_grammar (const char *norm)
{
  gunichar c[16];
  if (norm == NULL || !g_utf8_validate (norm, -1, NULL))
    return g_strdup ("");
  int n = decode (norm, c, G_N_ELEMENTS (c));
  if (n < 0)
    return g_strdup (norm);
  if (n >= 2 && trawl_plate_is_province (c[0])) {
    /* CN: the issuing-office code after the province is a letter; CN
     * serials use no I or O, which are read for 1 and 0. */
    c[1] = digit_to_letter (c[1]);
    for (int i = 2; i < n; i++)
      if (c[i] == 'O') c[i] = '0';
      else if (c[i] == 'I') c[i] = '1';
  } else if (n == 7) {
    /* BR: only when the first three are letters once fixed and the rest
     * then fit, so a Latin plate of 7 is not forced into the BR shape. */
    gunichar t[7];
    memcpy (t, c, sizeof t);
    for (int i = 0; i < 3; i++) t[i] = digit_to_letter (t[i]);
    t[3] = letter_to_digit (t[3]);
    t[5] = letter_to_digit (t[5]);
    t[6] = letter_to_digit (t[6]);
    if (matches_br (t, 7) && is_upper_ascii (c[0]) && is_upper_ascii (c[1]))
      memcpy (c, t, sizeof t);
  }
  GString *s = g_string_new (NULL);
  for (int i = 0; i < n; i++)
    g_string_append_unichar (s, c[i]);
  return g_string_free (s, FALSE);
}

/* A character that survives strict normalisation: a letter, a digit (ASCII
 * or full-width) or a Han character. Separators and symbols say nothing
 * about where a plate's text ends. */
static gboolean
significant (gunichar c)
{
  c = to_ascii_upper (c);
  return (c < 128 && g_ascii_isalnum ((char) c)) || g_unichar_get_script (c) == G_UNICODE_SCRIPT_HAN;
}

/* trawl_plate_chars_trim: see detect.h. */
int
trawl_plate_chars_trim (GArray *chars, float x0, float x1, float margin, float max_prob)
{
  g_return_val_if_fail (chars != NULL, 0);
  int n = (int) chars->len, a = 0, b = n - 1, kept = 0;
  const TrawlPlateChar *c = (const TrawlPlateChar *) (void *) chars->data;
  for (int i = 0; i < n; i++)
    kept += significant (c[i].c) ? 1 : 0;
  /* a and b move inward to the first and last characters kept. */
  for (;;) {
    while (a <= b && !significant (c[a].c))
      a++;
    if (a > b || kept <= 2 || c[a].x >= x0 - margin || c[a].prob >= max_prob)
      break;
    a++;
    kept--;
  }
  for (;;) {
    while (b >= a && !significant (c[b].c))
      b--;
    if (b < a || kept <= 2 || c[b].x <= x1 + margin || c[b].prob >= max_prob)
      break;
    b--;
    kept--;
  }
  /* Only cut when something significant went: a read with no ends to trim
   * keeps its separators and symbols as they came. */
  int lead = 0, trail = 0;
  for (int i = 0; i < a; i++)
    lead += significant (c[i].c) ? 1 : 0;
  for (int i = b + 1; i < n; i++)
    trail += significant (c[i].c) ? 1 : 0;
  int removed = 0;
  if (trail > 0) {
    g_array_remove_range (chars, b + 1, n - b - 1);
    removed += n - b - 1;
  }
  if (lead > 0) {
    g_array_remove_range (chars, 0, a);
    removed += a;
  }
  return removed;
}

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
  for (glong i = 1; i <= na; i++) {
    int diag = row[0];
    row[0] = (int) i;
    for (glong j = 1; j <= nb; j++) {
      int up = row[j];
      int sub = diag + (ua[i - 1] != ub[j - 1]);
      row[j] = MIN (sub, MIN (up + 1, row[j - 1] + 1));
      diag = up;
    }
  }
  return row[nb];
}
