/* faceapi-weights.c - read a tfjs weights manifest and its binary shards
 * into named float32 tensors.
 *
 * Only parsing and dequantization live here; which weight goes where in a
 * network is the builders' business (faceapi-ssd.c, faceapi-landmarks.c,
 * faceapi-recognition.c). Manifests and shards are untrusted input: every
 * size is checked before use and every failure is a GError.
 */
#include "faceapi-private.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* Refuse absurd tensors before multiplying sizes (a 2^28-element tensor is
 * already 1 GiB of float32; face-api's largest is 2.4 M elements). */
#define MAX_NUMEL ((int64_t) 1 << 28)

struct _TrawlFaceapiWeights {
  GPtrArray  *list;    /* TrawlFaceapiWeight*, manifest order, owned */
  GHashTable *byname;  /* name -> TrawlFaceapiWeight*, borrowed from list */
};

/* How one weight is stored in the byte stream. */
typedef enum {
  STORE_F32,   /* raw float32 */
  STORE_I32,   /* raw int32 */
  STORE_BOOL,  /* raw uint8 0/1 */
  STORE_U8,    /* quantized: q * scale + min */
  STORE_U16,   /* quantized: q * scale + min */
  STORE_F16,   /* quantized: IEEE half */
} StoreKind;

typedef struct {
  TrawlFaceapiWeight *w;      /* the weight being filled (owned by list) */
  StoreKind           kind;
  double              scale;  /* STORE_U8/U16 */
  double              min;    /* STORE_U8/U16 */
} Pending;

static void
weight_free (gpointer p)
{
  TrawlFaceapiWeight *w = p;

  if (w == NULL)
    return;
  g_free (w->name);
  g_free (w->data);
  g_free (w);
}

void
_trawl_faceapi_weights_free (TrawlFaceapiWeights *w)
{
  if (w == NULL)
    return;
  g_clear_pointer (&w->byname, g_hash_table_unref);
  g_clear_pointer (&w->list, g_ptr_array_unref);
  g_free (w);
}

const TrawlFaceapiWeight *
_trawl_faceapi_weights_get (const TrawlFaceapiWeights *w, const char *name)
{
  g_return_val_if_fail (w != NULL && name != NULL, NULL);
  return g_hash_table_lookup (w->byname, name);
}

guint
_trawl_faceapi_weights_count (const TrawlFaceapiWeights *w)
{
  g_return_val_if_fail (w != NULL, 0);
  return w->list->len;
}

const TrawlFaceapiWeight *
_trawl_faceapi_weights_nth (const TrawlFaceapiWeights *w, guint i)
{
  g_return_val_if_fail (w != NULL && i < w->list->len, NULL);
  return g_ptr_array_index (w->list, i);
}

float
_trawl_faceapi_half_to_float (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000) << 16;
  guint32 exp = (h >> 10) & 0x1f;
  guint32 mant = h & 0x3ff;
  guint32 bits;
  float f;

  if (exp == 0)
    {
      /* zero or subnormal: value = mant * 2^-24, exact in float */
      f = (float) mant * (1.0f / 16777216.0f);
      return sign ? -f : f;
    }
  if (exp == 31)
    bits = sign | 0x7f800000u | (mant << 13);   /* inf / nan */
  else
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  memcpy (&f, &bits, sizeof f);
  return f;
}

static gsize
store_bytes (StoreKind k)
{
  switch (k)
    {
    case STORE_F32: case STORE_I32: return 4;
    case STORE_U16: case STORE_F16: return 2;
    case STORE_BOOL: case STORE_U8: default: return 1;
    }
}

/* Fills p->w->data from bytes (exactly numel * store_bytes). tfjs computes
 * q * scale + min in double and stores float32; we do the same. */
static void
decode_weight (const Pending *p, const guint8 *bytes)
{
  TrawlFaceapiWeight *w = p->w;
  int64_t i;

  w->data = g_new (float, MAX (w->numel, 1));
  for (i = 0; i < w->numel; i++)
    {
      const guint8 *b = bytes + i * store_bytes (p->kind);
      switch (p->kind)
        {
        case STORE_F32: {
          guint32 u;
          memcpy (&u, b, 4);
          u = GUINT32_FROM_LE (u);
          memcpy (&w->data[i], &u, 4);
          break;
        }
        case STORE_I32: {
          gint32 v;
          memcpy (&v, b, 4);
          w->data[i] = (float) GINT32_FROM_LE (v);
          break;
        }
        case STORE_BOOL:
          w->data[i] = b[0] ? 1.0f : 0.0f;
          break;
        case STORE_U8:
          w->data[i] = (float) (b[0] * p->scale + p->min);
          break;
        case STORE_U16:
          w->data[i] = (float) ((b[0] | (b[1] << 8)) * p->scale + p->min);
          break;
        case STORE_F16:
          w->data[i] = _trawl_faceapi_half_to_float ((guint16) (b[0] | (b[1] << 8)));
          break;
        }
    }
}

static gboolean
format_error (GError **error, const char *what, guint idx, const char *msg)
{
  g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_FORMAT,
               "weights manifest: %s %u: %s", what, idx, msg);
  return FALSE;
}

/* Reads a member that must be a JSON number. */
static gboolean
get_number (JsonObject *o, const char *member, double *out)
{
  JsonNode *n = json_object_get_member (o, member);

  if (n == NULL || JSON_NODE_TYPE (n) != JSON_NODE_VALUE)
    return FALSE;
  switch (json_node_get_value_type (n))
    {
    case G_TYPE_DOUBLE: *out = json_node_get_double (n); return TRUE;
    case G_TYPE_INT64: *out = (double) json_node_get_int (n); return TRUE;
    default: return FALSE;
    }
}

static const char *
get_string (JsonObject *o, const char *member)
{
  JsonNode *n = json_object_get_member (o, member);

  if (n == NULL || JSON_NODE_TYPE (n) != JSON_NODE_VALUE ||
      json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

/* Parses the shape and sets ndim, dims, numel. */
static gboolean
parse_shape (JsonObject *o, TrawlFaceapiWeight *w, guint idx, GError **error)
{
  JsonNode *n = json_object_get_member (o, "shape");
  JsonArray *a;
  guint i;

  if (n == NULL || JSON_NODE_TYPE (n) != JSON_NODE_ARRAY)
    return format_error (error, "weight", idx, "no shape array");
  a = json_node_get_array (n);
  if (json_array_get_length (a) > TRAWL_NN_MAX_DIMS)
    return format_error (error, "weight", idx, "too many dimensions");
  w->ndim = (int) json_array_get_length (a);
  w->numel = 1;
  for (i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *d = json_array_get_element (a, i);
      if (JSON_NODE_TYPE (d) != JSON_NODE_VALUE ||
          json_node_get_value_type (d) != G_TYPE_INT64 ||
          json_node_get_int (d) < 0 || json_node_get_int (d) > MAX_NUMEL)
        return format_error (error, "weight", idx, "bad dimension in shape");
      w->dims[i] = json_node_get_int (d);
      w->numel *= w->dims[i];
      if (w->numel > MAX_NUMEL)
        return format_error (error, "weight", idx, "tensor too large");
    }
  return TRUE;
}

/* Decides how the weight is stored from dtype and quantization. */
static gboolean
parse_storage (JsonObject *o, Pending *p, guint idx, GError **error)
{
  const char *dtype = get_string (o, "dtype");
  JsonNode *qn = json_object_get_member (o, "quantization");

  if (dtype == NULL)
    return format_error (error, "weight", idx, "no dtype");
  if (strcmp (dtype, "float32") != 0 && strcmp (dtype, "int32") != 0 &&
      strcmp (dtype, "bool") != 0)
    {
      g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_UNSUPPORTED,
                   "weights manifest: weight %u (%s): dtype %s is not supported",
                   idx, p->w->name, dtype);
      return FALSE;
    }
  if (qn != NULL && JSON_NODE_TYPE (qn) != JSON_NODE_NULL)
    {
      JsonObject *q;
      const char *qd;
      if (JSON_NODE_TYPE (qn) != JSON_NODE_OBJECT)
        return format_error (error, "weight", idx, "quantization is not an object");
      q = json_node_get_object (qn);
      qd = get_string (q, "dtype");
      if (qd == NULL)
        return format_error (error, "weight", idx, "quantization without dtype");
      if (strcmp (qd, "float16") == 0)
        {
          p->kind = STORE_F16;
          return TRUE;
        }
      if (strcmp (qd, "uint8") == 0)
        p->kind = STORE_U8;
      else if (strcmp (qd, "uint16") == 0)
        p->kind = STORE_U16;
      else
        {
          g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_UNSUPPORTED,
                       "weights manifest: weight %u (%s): quantization dtype %s "
                       "is not supported", idx, p->w->name, qd);
          return FALSE;
        }
      if (!get_number (q, "scale", &p->scale) || !get_number (q, "min", &p->min))
        return format_error (error, "weight", idx, "quantization needs scale and min");
      return TRUE;
    }
  p->kind = strcmp (dtype, "float32") == 0 ? STORE_F32
          : strcmp (dtype, "int32") == 0 ? STORE_I32 : STORE_BOOL;
  return TRUE;
}

/* Reads a group's shards, in order, into one buffer. Shard names must be
 * plain file names: a manifest may not point outside its folder. */
static GByteArray *
read_shards (JsonArray *paths, const char *dir, guint gidx, GError **error)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  guint i;

  for (i = 0; i < json_array_get_length (paths); i++)
    {
      JsonNode *n = json_array_get_element (paths, i);
      g_autofree char *full = NULL;
      g_autofree char *base = NULL;
      g_autofree char *bytes = NULL;
      gsize len = 0;
      const char *name;
      GError *local = NULL;

      if (JSON_NODE_TYPE (n) != JSON_NODE_VALUE ||
          json_node_get_value_type (n) != G_TYPE_STRING)
        {
          format_error (error, "group", gidx, "shard path is not a string");
          return NULL;
        }
      name = json_node_get_string (n);
      base = g_path_get_basename (name);
      if (*name == '\0' || strcmp (base, name) != 0 || strcmp (name, "..") == 0 ||
          strcmp (name, ".") == 0)
        {
          format_error (error, "group", gidx, "shard path must be a file name beside the manifest");
          return NULL;
        }
      full = g_build_filename (dir, name, NULL);
      if (!g_file_get_contents (full, &bytes, &len, &local))
        {
          g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_IO,
                       "weights shard %s: %s", full, local->message);
          g_error_free (local);
          return NULL;
        }
      g_byte_array_append (buf, (const guint8 *) bytes, (guint) len);
    }
  return g_steal_pointer (&buf);
}

/* Parses one group's weight list, reads its shards, decodes into ws. */
static gboolean
load_group (TrawlFaceapiWeights *ws, JsonNode *gnode, guint gidx,
            const char *dir, GError **error)
{
  g_autoptr (GArray) pending = g_array_new (FALSE, TRUE, sizeof (Pending));
  g_autoptr (GByteArray) buf = NULL;
  JsonObject *go;
  JsonNode *pn, *wn;
  JsonArray *wa;
  guint64 need = 0, off = 0;
  guint i;

  if (JSON_NODE_TYPE (gnode) != JSON_NODE_OBJECT)
    return format_error (error, "group", gidx, "not an object");
  go = json_node_get_object (gnode);
  pn = json_object_get_member (go, "paths");
  wn = json_object_get_member (go, "weights");
  if (pn == NULL || JSON_NODE_TYPE (pn) != JSON_NODE_ARRAY ||
      wn == NULL || JSON_NODE_TYPE (wn) != JSON_NODE_ARRAY)
    return format_error (error, "group", gidx, "needs \"paths\" and \"weights\" arrays");
  wa = json_node_get_array (wn);

  for (i = 0; i < json_array_get_length (wa); i++)
    {
      JsonNode *en = json_array_get_element (wa, i);
      Pending p = { 0 };
      const char *name;
      JsonObject *eo;

      if (JSON_NODE_TYPE (en) != JSON_NODE_OBJECT)
        return format_error (error, "weight", i, "not an object");
      eo = json_node_get_object (en);
      name = get_string (eo, "name");
      if (name == NULL || *name == '\0')
        return format_error (error, "weight", i, "no name");
      if (g_hash_table_contains (ws->byname, name))
        return format_error (error, "weight", i, "duplicate name");
      p.w = g_new0 (TrawlFaceapiWeight, 1);
      p.w->name = g_strdup (name);
      g_ptr_array_add (ws->list, p.w);
      g_hash_table_insert (ws->byname, p.w->name, p.w);
      if (!parse_shape (eo, p.w, i, error) || !parse_storage (eo, &p, i, error))
        return FALSE;
      need += (guint64) p.w->numel * store_bytes (p.kind);
      g_array_append_val (pending, p);
    }

  buf = read_shards (json_node_get_array (pn), dir, gidx, error);
  if (buf == NULL)
    return FALSE;
  if ((guint64) buf->len != need)
    {
      g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_FORMAT,
                   "weights manifest: group %u: shards hold %u bytes but the "
                   "weights listed need %" G_GUINT64_FORMAT, gidx, buf->len, need);
      return FALSE;
    }
  for (i = 0; i < pending->len; i++)
    {
      Pending *p = &g_array_index (pending, Pending, i);
      decode_weight (p, buf->data + off);
      off += (guint64) p->w->numel * store_bytes (p->kind);
    }
  return TRUE;
}

TrawlFaceapiWeights *
_trawl_faceapi_weights_parse (const char *json, gssize len, const char *dir,
                              GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  TrawlFaceapiWeights *ws;
  JsonNode *root;
  JsonArray *groups;
  GError *local = NULL;
  guint i;

  g_return_val_if_fail (json != NULL && dir != NULL, NULL);
  if (!json_parser_load_from_data (parser, json, len, &local))
    {
      g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_FORMAT,
                   "weights manifest: %s", local->message);
      g_error_free (local);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || JSON_NODE_TYPE (root) != JSON_NODE_ARRAY)
    {
      g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_FORMAT,
                   "weights manifest: the top level is not an array");
      return NULL;
    }
  ws = g_new0 (TrawlFaceapiWeights, 1);
  ws->list = g_ptr_array_new_with_free_func (weight_free);
  ws->byname = g_hash_table_new (g_str_hash, g_str_equal);
  groups = json_node_get_array (root);
  for (i = 0; i < json_array_get_length (groups); i++)
    {
      if (!load_group (ws, json_array_get_element (groups, i), i, dir, error))
        {
          _trawl_faceapi_weights_free (ws);
          return NULL;
        }
    }
  return ws;
}

TrawlFaceapiWeights *
_trawl_faceapi_weights_load (const char *manifest_path, GError **error)
{
  g_autofree char *text = NULL;
  g_autofree char *dir = NULL;
  gsize len = 0;
  GError *local = NULL;
  TrawlFaceapiWeights *ws;

  g_return_val_if_fail (manifest_path != NULL, NULL);
  if (!g_file_get_contents (manifest_path, &text, &len, &local))
    {
      g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_IO,
                   "weights manifest %s: %s", manifest_path, local->message);
      g_error_free (local);
      return NULL;
    }
  dir = g_path_get_dirname (manifest_path);
  ws = _trawl_faceapi_weights_parse (text, (gssize) len, dir, error);
  if (ws == NULL)
    g_prefix_error (error, "%s: ", manifest_path);
  return ws;
}
