/* plate-text.c - how plate text is spelt and which texts can be plates:
 * the one normalisation (reads, labels and queries alike), the country
 * grammars (Chinese, new-energy, Brazilian, other Latin), telling plates
 * from ordinary text, and grammar-guided fixes of confusable characters.
 * The confusion classes and costs are plate-confusions.c's; distances and
 * patterns plate-match.c's.
 */
#include "trawl/plate.h"

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

gboolean
trawl_plate_char_is_separator (gunichar c)
{
  return c == ' ' || c == '-' || c == '.' || c == 0x00B7 || c == 0x2022 ||
         c == 0x30FB || c == 0x2013 || c == 0x2014 || c == '\t' || c == 0x3000;
}

/* Full-width ASCII (U+FF01..U+FF5E) to ASCII, then upper case. */
gunichar
trawl_plate_char_normalize (gunichar c)
{
  if (c >= 0xFF01 && c <= 0xFF5E)
    c = c - 0xFF01 + 0x21;
  if (c < 128)
    return g_ascii_toupper ((char) c);
  return c;
}

gboolean
trawl_plate_char_kept (gunichar c)
{
  c = trawl_plate_char_normalize (c);
  return (c < 128 && g_ascii_isalnum ((char) c)) || g_unichar_get_script (c) == G_UNICODE_SCRIPT_HAN;
}

char *
trawl_plate_normalize (const char *text)
{
  if (text == NULL)
    return g_strdup ("");
  /* OCR output is valid UTF-8, but a query may come from anywhere: keep
   * what is readable rather than dropping the whole text. */
  g_autofree char *valid = g_utf8_validate (text, -1, NULL) ? NULL : g_utf8_make_valid (text, -1);
  GString *s = g_string_new (NULL);
  for (const char *p = valid ? valid : text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = trawl_plate_char_normalize (g_utf8_get_char (p));
      if (trawl_plate_char_kept (c))
        g_string_append_unichar (s, c);
    }
  return g_string_free (s, FALSE);
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
  for (const char *p = s; *p; p = g_utf8_next_char (p))
    {
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
  if (trawl_plate_is_province (c[0]))
    {
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
  switch (f)
    {
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

char *
trawl_plate_fix_by_grammar (const char *norm)
{
  gunichar c[16];
  if (norm == NULL || !g_utf8_validate (norm, -1, NULL))
    return g_strdup ("");
  int n = decode (norm, c, G_N_ELEMENTS (c));
  if (n < 0)
    return g_strdup (norm);
  if (n >= 2 && trawl_plate_is_province (c[0]))
    {
      /* CN: the issuing-office code after the province is a letter; CN
       * serials use no I or O, which are read for 1 and 0. */
      c[1] = trawl_plate_digit_to_letter (c[1]);
      for (int i = 2; i < n; i++)
        if (c[i] == 'O') c[i] = '0';
        else if (c[i] == 'I') c[i] = '1';
    }
  else if (n == 7)
    {
      /* BR: only when the first three are letters once fixed and the rest
       * then fit, so a Latin plate of 7 is not forced into the BR shape. */
      gunichar t[7];
      memcpy (t, c, sizeof t);
      for (int i = 0; i < 3; i++) t[i] = trawl_plate_digit_to_letter (t[i]);
      t[3] = trawl_plate_letter_to_digit (t[3]);
      t[5] = trawl_plate_letter_to_digit (t[5]);
      t[6] = trawl_plate_letter_to_digit (t[6]);
      if (matches_br (t, 7) && is_upper_ascii (c[0]) && is_upper_ascii (c[1]))
        memcpy (c, t, sizeof t);
    }
  GString *s = g_string_new (NULL);
  for (int i = 0; i < n; i++)
    g_string_append_unichar (s, c[i]);
  return g_string_free (s, FALSE);
}
