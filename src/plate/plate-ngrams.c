/* plate-ngrams.c - plate readings as fixed-length vectors for FAISS
 * (src/vectors stores them).
 *
 * Feature hashing of character n-grams: a plate read with one wrong
 * character still shares most of its grams with the true plate, so the
 * cosine similarity of the two vectors stays high, while unrelated plates
 * share almost none. A second copy of the grams, taken after folding
 * OCR-confusable characters into one class (B and 8 read alike), makes
 * those confusions cost nearly nothing. Signed hashing (the sign comes from
 * the hash too) keeps collisions from adding up to false similarity.
 */
#include <math.h>
#include <string.h>

#include "trawl/plate.h"

/* FNV-1a over (set, n, the gram's code points). */
static guint64
gram_hash (int set, int n, const gunichar *g)
{
  guint64 h = 0xcbf29ce484222325ULL;
  guint32 parts[5] = { (guint32) set, (guint32) n, 0, 0, 0 };

  for (int i = 0; i < n; i++)
    parts[2 + i] = g[i];
  for (int i = 0; i < 2 + n; i++)
    for (int b = 0; b < 4; b++)
      {
        h ^= (parts[i] >> (8 * b)) & 0xff;
        h *= 0x100000001b3ULL;
      }
  return h;
}

/* Adds the 1-, 2- and 3-grams of seq (len code points, without markers;
 * 2- and 3-grams also span the start '^' and end '$' markers). */
static void
add_grams (float *out, int set, const gunichar *seq, glong len)
{
  g_autofree gunichar *m = g_new (gunichar, len + 2);

  m[0] = '^';
  memcpy (m + 1, seq, (gsize) len * sizeof (gunichar));
  m[len + 1] = '$';
  for (int n = 1; n <= 3; n++)
    {
      /* unigrams skip the markers: they say nothing about the plate */
      glong first = n == 1 ? 1 : 0, last = n == 1 ? len : len + 2 - n;
      for (glong i = first; i <= last && i + n <= len + 2; i++)
        {
          guint64 h = gram_hash (set, n, m + i);
          out[h % TRAWL_PLATE_NGRAM_DIM] += (h >> 63) ? -1.0f : 1.0f;
        }
    }
}

gboolean
trawl_plate_ngram_vector (const char *text, float *out)
{
  g_autofree char *norm = NULL;
  g_autofree gunichar *seq = NULL;
  glong len = 0;
  double ss = 0;

  g_return_val_if_fail (text != NULL && out != NULL, FALSE);
  memset (out, 0, TRAWL_PLATE_NGRAM_DIM * sizeof (float));
  norm = trawl_plate_normalize (text);
  seq = g_utf8_to_ucs4_fast (norm, -1, &len);
  if (len == 0)
    return FALSE;
  add_grams (out, 0, seq, len);
  for (glong i = 0; i < len; i++)
    seq[i] = trawl_plate_fold_char (seq[i]);
  add_grams (out, 1, seq, len);
  for (int i = 0; i < TRAWL_PLATE_NGRAM_DIM; i++)
    ss += (double) out[i] * out[i];
  if (!(ss > 0))
    return FALSE;  /* every gram cancelled out: vanishingly unlikely */
  for (int i = 0; i < TRAWL_PLATE_NGRAM_DIM; i++)
    out[i] = (float) (out[i] / sqrt (ss));
  return TRUE;
}
