/* fuzz-mutate.c - the mutator of the GLib-only fuzzer: byte-level changes
 * of a seed, the kinds that find length and offset bugs in parsers (sizes
 * set to 0, -1 or huge, cut files, repeated or missing runs), drawn from a
 * seeded GRand so a run is repeatable from its seed number. */
#include "fuzz.h"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

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

/* ---- JSON-aware mutation ---- */

/* Numbers that break shapes, sizes and offsets read from a manifest. */
static const double interesting_num[] = {
  0, -1, 1, 2, 3, 255, 65535, 2147483647.0, 2147483648.0, 4294967296.0, -2147483648.0,
  9007199254740993.0, 1e300, -1e300, 0.5,
};

/* A node of the tree and where it hangs (json-glib 1.6 cannot re-type a
 * value node in place: json_node_init_* reads the value it has freed, so
 * a new type goes in through the parent). */
typedef struct {
  JsonNode *node;
  JsonNode *parent;   /* NULL for the root */
  char     *member;   /* in an object parent, else NULL */
  guint     index;    /* in an array parent */
} Spot;

static void
spot_clear (gpointer p)
{
  g_free (((Spot *) p)->member);
}

static void
collect_nodes (JsonNode *n, JsonNode *parent, const char *member, guint index, GArray *all)
{
  Spot s = { n, parent, g_strdup (member), index };

  g_array_append_val (all, s);
  if (JSON_NODE_HOLDS_ARRAY (n))
    {
      JsonArray *a = json_node_get_array (n);
      for (guint i = 0; i < json_array_get_length (a); i++)
        collect_nodes (json_array_get_element (a, i), n, NULL, i, all);
    }
  else if (JSON_NODE_HOLDS_OBJECT (n))
    {
      g_autoptr (GList) names = json_object_get_members (json_node_get_object (n));
      for (GList *l = names; l != NULL; l = l->next)
        collect_nodes (json_object_get_member (json_node_get_object (n), l->data), n, l->data, 0,
                       all);
    }
}

/* Puts with (taken) where s's node hangs; the root is not replaced. */
static void
replace_node (const Spot *s, JsonNode *with)
{
  if (s->parent == NULL)
    {
      json_node_unref (with);
      return;
    }
  if (s->member != NULL)
    {
      json_object_set_member (json_node_get_object (s->parent), s->member, with);
      return;
    }
  /* JsonArray has no setter: the array is rebuilt around the new element. */
  JsonArray *old = json_node_get_array (s->parent);
  JsonArray *a = json_array_sized_new (json_array_get_length (old));
  for (guint i = 0; i < json_array_get_length (old); i++)
    json_array_add_element (a, i == s->index ? with
                                             : json_node_copy (json_array_get_element (old, i)));
  json_node_take_array (s->parent, a);
}

static JsonNode *
hostile_value (GRand *rng, GArray *all)
{
  JsonNode *v = json_node_alloc ();

  switch (g_rand_int_range (rng, 0, 4))
    {
    case 0: /* a number that breaks shapes, sizes and offsets */
      {
        double d = interesting_num[g_rand_int_range (rng, 0, G_N_ELEMENTS (interesting_num))];
        if (d == (double) (gint64) d && fabs (d) < 9.3e18)
          return json_node_init_int (v, (gint64) d);
        return json_node_init_double (v, d);
      }
    case 1: /* an empty or a long string */
      if (g_rand_boolean (rng))
        return json_node_init_string (v, "");
      {
        g_autofree char *lots = g_strnfill (g_rand_int_range (rng, 1, 70000), 'A');
        return json_node_init_string (v, lots);
      }
    case 2: /* another node of the tree, copied deeply (json_node_copy shares
             * objects and arrays: a copy of an ancestor would make a cycle) */
      {
        JsonNode *o = g_array_index (all, Spot, g_rand_int_range (rng, 0, (gint32) all->len)).node;
        g_autofree char *text = json_to_string (o, FALSE);
        JsonNode *copy = json_from_string (text, NULL);
        if (copy != NULL)
          {
            json_node_unref (v);
            return copy;
          }
        return json_node_init_null (v);
      }
    default: /* another type */
      switch (g_rand_int_range (rng, 0, 4))
        {
        case 0: return json_node_init_null (v);
        case 1: return json_node_init_array (v, json_array_new ());
        case 2: return json_node_init_object (v, json_object_new ());
        default: return json_node_init_boolean (v, TRUE);
        }
    }
}

/* Changes the tree at one spot: a hostile value, an element or member
 * dropped or repeated, a number nudged. */
static void
mutate_spot (GRand *rng, const Spot *s, GArray *all)
{
  JsonNode *n = s->node;

  switch (g_rand_int_range (rng, 0, 4))
    {
    case 0:
    case 1:
      replace_node (s, hostile_value (rng, all));
      break;
    case 2: /* drop or repeat an element or a member */
      if (JSON_NODE_HOLDS_ARRAY (n) && json_array_get_length (json_node_get_array (n)) > 0)
        {
          JsonArray *a = json_node_get_array (n);
          guint i = g_rand_int_range (rng, 0, json_array_get_length (a));
          if (g_rand_boolean (rng))
            json_array_remove_element (a, i);
          else
            json_array_add_element (a, json_node_copy (json_array_get_element (a, i)));
        }
      else if (JSON_NODE_HOLDS_OBJECT (n) && json_object_get_size (json_node_get_object (n)) > 0)
        {
          JsonObject *o = json_node_get_object (n);
          g_autoptr (GList) names = json_object_get_members (o);
          g_autofree char *name = g_strdup (g_list_nth_data (names, g_rand_int_range (rng, 0, g_list_length (names))));
          json_object_remove_member (o, name);
        }
      break;
    default: /* a number nudged */
      if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64)
        json_node_set_int (n, json_node_get_int (n) + g_rand_int_range (rng, -2, 3));
      break;
    }
}

GByteArray *
fuzz_mutate_json (GRand *rng, GBytes *seed)
{
  gsize len;
  const char *data = g_bytes_get_data (seed, &len);
  g_autofree char *text = g_strndup (data, len);
  g_autoptr (JsonNode) root = json_from_string (text, NULL);
  if (root == NULL)
    return NULL;
  g_autoptr (GArray) all = g_array_new (FALSE, FALSE, sizeof (Spot));
  g_array_set_clear_func (all, spot_clear);
  int n = g_rand_int_range (rng, 1, 4);
  for (int i = 0; i < n; i++)
    {
      /* The tree changes as it is mutated: collect it again each time. */
      g_array_set_size (all, 0);
      collect_nodes (root, NULL, NULL, 0, all);
      mutate_spot (rng, &g_array_index (all, Spot, g_rand_int_range (rng, 0, (gint32) all->len)),
                   all);
    }
  g_autofree char *out = json_to_string (root, FALSE);
  GByteArray *b = g_byte_array_new ();
  g_byte_array_append (b, (const guint8 *) out, (guint) strlen (out));
  return b;
}
