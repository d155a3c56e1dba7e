/* fuzz-mutate.c - the mutator of the GLib-only fuzzer: byte-level changes
 * of a seed, the kinds that find length and offset bugs in parsers (sizes
 * set to 0, -1 or huge, cut files, repeated or missing runs), drawn from a
 * seeded GRand so a run is repeatable from its seed number. */
#include "fuzz.h"

#include <string.h>

/* Values that break size and count fields. */
static const guint32 interesting32[] = {
  0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
  0x7fffffff, 0x80000000u, 0xfffffffeu, 0xffffffffu,
};

/* A position in [0, len): with hot > 0, most land in the first or last
 * hot bytes. */
static gsize
pick_pos (GRand *rng, gsize len, gsize hot)
{
  if (len == 0)
    return 0;
  if (hot > 0 && len > 2 * hot && g_rand_int_range (rng, 0, 8) != 0)
    {
      gsize off = (gsize) g_rand_int_range (rng, 0, (gint32) hot);
      return g_rand_boolean (rng) ? off : len - 1 - off;
    }
  return (gsize) (g_rand_double (rng) * len) % len;
}

/* A run length, mostly short. */
static gsize
pick_run (GRand *rng, gsize max)
{
  gsize n = g_rand_int_range (rng, 0, 4) == 0 ? (gsize) g_rand_int_range (rng, 1, 4097)
                                              : (gsize) g_rand_int_range (rng, 1, 17);
  return MIN (n, max);
}

/* GByteArray has no insert. */
static void
insert_bytes (GByteArray *b, gsize pos, const guint8 *data, gsize n)
{
  gsize old = b->len;

  pos = MIN (pos, old);
  g_byte_array_set_size (b, (guint) (old + n));
  memmove (b->data + pos + n, b->data + pos, old - pos);
  memcpy (b->data + pos, data, n);
}

static void
mutate_once (GRand *rng, GByteArray *b, gsize hot)
{
  gsize pos = pick_pos (rng, b->len, hot);

  switch (g_rand_int_range (rng, 0, 8))
    {
    case 0: /* flip a bit */
      if (b->len > 0)
        b->data[pos] ^= 1u << g_rand_int_range (rng, 0, 8);
      break;
    case 1: /* set a byte */
      if (b->len > 0)
        b->data[pos] = (guint8) g_rand_int_range (rng, 0, 256);
      break;
    case 2: /* an interesting 1, 2 or 4 byte integer, either endianness */
      {
        guint32 v = interesting32[g_rand_int_range (rng, 0, G_N_ELEMENTS (interesting32))];
        gsize w = 1u << g_rand_int_range (rng, 0, 3);
        if (g_rand_boolean (rng))
          v = GUINT32_SWAP_LE_BE (v) >> (8 * (4 - w));
        for (gsize i = 0; i < w && pos + i < b->len; i++)
          b->data[pos + i] = (guint8) (v >> (8 * i));
      }
      break;
    case 3: /* insert random bytes */
      {
        gsize n = pick_run (rng, 4096);
        guint8 *ins = g_malloc (n);
        for (gsize i = 0; i < n; i++)
          ins[i] = (guint8) g_rand_int_range (rng, 0, 256);
        insert_bytes (b, pos, ins, n);
        g_free (ins);
      }
      break;
    case 4: /* delete a run */
      if (b->len > 0)
        g_byte_array_remove_range (b, (guint) pos, (guint) pick_run (rng, b->len - pos));
      break;
    case 5: /* duplicate a run in place */
      if (b->len > 0)
        {
          gsize n = pick_run (rng, b->len - pos);
          guint8 *copy = g_memdup2 (b->data + pos, n);
          insert_bytes (b, pos, copy, n);
          g_free (copy);
        }
      break;
    case 6: /* copy a run over another place */
      if (b->len > 1)
        {
          gsize to = pick_pos (rng, b->len, hot);
          gsize run = pick_run (rng, b->len - pos); /* not inside MIN: drawn once */
          gsize n = MIN (run, b->len - to);
          memmove (b->data + to, b->data + pos, n);
        }
      break;
    default: /* truncate */
      g_byte_array_set_size (b, (guint) pos);
      break;
    }
}

GByteArray *
fuzz_mutate (GRand *rng, GBytes *seed, GBytes *other, gsize hot_bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (seed, &len);
  GByteArray *b = g_byte_array_sized_new ((guint) len + 64);

  g_byte_array_append (b, data, (guint) len);
  /* Splice: this seed's head, the other's tail. */
  if (other != NULL && g_rand_int_range (rng, 0, 8) == 0)
    {
      gsize olen;
      const guint8 *o = g_bytes_get_data (other, &olen);
      gsize cut = pick_pos (rng, b->len, hot_bytes), ocut = pick_pos (rng, olen, hot_bytes);
      g_byte_array_set_size (b, (guint) cut);
      if (olen > 0)
        g_byte_array_append (b, o + ocut, (guint) (olen - ocut));
    }
  int n = g_rand_int_range (rng, 1, 5);
  for (int i = 0; i < n; i++)
    mutate_once (rng, b, hot_bytes);
  return b;
}
