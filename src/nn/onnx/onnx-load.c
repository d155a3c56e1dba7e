/* onnx-load.c - ONNX model file -> TrawlNnGraph.
 *
 * Decodes ModelProto/GraphProto/NodeProto/AttributeProto/TensorProto with
 * the wire reader in onnx-pb.c and builds the graph through the public nn.h
 * API only. Initializers and Constant nodes become graph constants (FLOAT,
 * INT64, INT32 widened to INT64). Nodes map 1:1 onto engine nodes, except
 * that operators of opsets 7-12 are rewritten into their opset-13 form, so
 * the engine implements one version of each op:
 *   Clip (<11)          min/max attributes  -> inputs 1, 2
 *   Slice (<10)         starts/ends/axes    -> inputs 1..3
 *   Squeeze/Unsqueeze, ReduceSum, Split (<13)  axes/split -> input 1
 *   Pad (<11)           pads/value          -> inputs 1, 2
 *   Resize (10), Upsample (X, scales or scales attribute)
 *                       -> Resize (X, "", scales), asymmetric, nearest floor
 *   Softmax/LogSoftmax (<13, axis != -1) 2-D coercion
 *                       -> Flatten(axis), op(axis 1), Reshape to Shape(x)
 *   Cast to INT32       -> to INT64 (the engine's only integer type)
 *   Dropout             -> Identity (inference)
 * Field numbers are those of onnx/onnx.proto. External data is refused.
 */
#include <math.h>
#include <string.h>
#include <trawl/nn.h>

#include "onnx-pb.h"

/* ONNX TensorProto.DataType values we read. */
enum { DT_FLOAT = 1, DT_INT32 = 6, DT_INT64 = 7 };

/* AttributeProto.AttributeType */
enum {
  AT_FLOAT = 1, AT_INT = 2, AT_STRING = 3, AT_TENSOR = 4, AT_GRAPH = 5,
  AT_FLOATS = 6, AT_INTS = 7, AT_STRINGS = 8,
};

typedef struct {
  TrawlNnGraph *g;
  GHashTable   *values;  /* ONNX value name (owned) -> value id + 1 */
  int64_t       opset;   /* of the default domain */
  int           n_synth; /* counter for names of values we make up */
} Loader;

/* A NodeProto decoded but not yet added. */
typedef struct {
  char         *name;      /* never NULL ("" when absent) */
  char         *op;
  char         *domain;
  GPtrArray    *inputs;    /* of char*, "" = absent optional input */
  GPtrArray    *outputs;   /* of char* */
  TrawlNnAttrs *attrs;     /* NULL until decoded */
} Node;

static void
node_clear (Node *n)
{
  g_free (n->name);
  g_free (n->op);
  g_free (n->domain);
  if (n->inputs)
    g_ptr_array_unref (n->inputs);
  if (n->outputs)
    g_ptr_array_unref (n->outputs);
  trawl_nn_attrs_free (n->attrs);
  memset (n, 0, sizeof *n);
}

static gboolean
format_error (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
static gboolean
unsupported (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
format_error (GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error_literal (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_FORMAT, msg);
  g_free (msg);
  return FALSE;
}

static gboolean
unsupported (GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error_literal (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_UNSUPPORTED, msg);
  g_free (msg);
  return FALSE;
}

/* ---- tensors ---- */

/* memcpy that tolerates NULL for empty spans (empty GArrays, empty tensors). */
static void
copy_bytes (void *dst, const void *src, gsize n)
{
  if (n)
    memcpy (dst, src, n);
}

/* Checks dims and returns the element count in *numel. */
static gboolean
check_dims (const GArray *dims, int64_t *numel, const char *ctx, GError **error)
{
  int64_t n = 1;

  if (dims->len > TRAWL_NN_MAX_DIMS)
    return unsupported (error, "%s: %u dimensions (at most %d supported)", ctx,
                        dims->len, TRAWL_NN_MAX_DIMS);
  for (guint i = 0; i < dims->len; i++)
    {
      int64_t d = g_array_index (dims, int64_t, i);
      if (d < 0)
        return format_error (error, "%s: negative dimension %" G_GINT64_FORMAT, ctx, d);
      if (d > 0 && n > (G_GINT64_CONSTANT (1) << 40) / d)
        return format_error (error, "%s: tensor too large", ctx);
      n *= d;
    }
  *numel = n;
  return TRUE;
}

/* Decodes a TensorProto into *out (data g_malloc'd, caller owns; at least 8
 * bytes so that empty tensors still have a pointer). *name receives the
 * tensor's name when name is not NULL. */
static gboolean
parse_tensor (const TrawlPbReader *parent, const TrawlPbField *tf, TrawlNnTensor *out,
              char **name, const char *ctx, GError **error)
{
  TrawlPbReader r;
  TrawlPbField f;
  g_autoptr (GArray) dims = g_array_new (FALSE, FALSE, sizeof (int64_t));
  g_autoptr (GArray) ints = g_array_new (FALSE, FALSE, sizeof (int64_t));
  g_autoptr (GArray) floats = g_array_new (FALSE, FALSE, sizeof (float));
  g_autofree char *tname = NULL;
  const guint8 *raw = NULL;
  gsize raw_len = 0;
  gboolean have_raw = FALSE, external = FALSE;
  int64_t dtype = 0, numel = 0;
  int rc;

  if (tf->wire != TRAWL_PB_LEN)
    return format_error (error, "%s: tensor field has the wrong wire type", ctx);
  _trawl_pb_reader_sub (&r, parent, tf);
  while ((rc = _trawl_pb_next (&r, &f, ctx, error)) == 1)
    {
      switch (f.number)
        {
        case 1:  /* dims */
          if (!_trawl_pb_append_ints (&f, dims, ctx, error))
            return FALSE;
          break;
        case 2:  /* data_type */
          dtype = (int64_t) f.u;
          break;
        case 4:  /* float_data */
          if (!_trawl_pb_append_floats (&f, floats, ctx, error))
            return FALSE;
          break;
        case 5:  /* int32_data */
        case 7:  /* int64_data */
          if (!_trawl_pb_append_ints (&f, ints, ctx, error))
            return FALSE;
          break;
        case 8:  /* name */
          g_clear_pointer (&tname, g_free);
          if (!_trawl_pb_string (&f, &tname, ctx, error))
            return FALSE;
          break;
        case 9:  /* raw_data */
          if (f.wire != TRAWL_PB_LEN)
            return format_error (error, "%s: raw_data has the wrong wire type", ctx);
          raw = f.data;
          raw_len = f.len;
          have_raw = TRUE;
          break;
        case 13: /* external_data */
          external = TRUE;
          break;
        case 14: /* data_location */
          external |= f.u == 1;
          break;
        default:
          break;
        }
    }
  if (rc < 0)
    return FALSE;

  const char *who = tname && *tname ? tname : "(unnamed)";
  if (external)
    return unsupported (error, "%s: tensor '%s' keeps its data in an external file, "
                        "which is not supported", ctx, who);
  if (dtype != DT_FLOAT && dtype != DT_INT64 && dtype != DT_INT32)
    return unsupported (error, "%s: tensor '%s' has data type %" G_GINT64_FORMAT
                        " (only FLOAT, INT64 and INT32 are supported)", ctx, who, dtype);
  if (!check_dims (dims, &numel, ctx, error))
    return FALSE;

  gsize elt = dtype == DT_INT32 ? 4 : dtype == DT_INT64 ? 8 : 4;
  gsize have = have_raw ? raw_len / elt : dtype == DT_FLOAT ? floats->len : ints->len;
  if ((have_raw && raw_len % elt) || have != (gsize) numel)
    return format_error (error, "%s: tensor '%s' holds %" G_GSIZE_FORMAT
                         " elements where its dims say %" G_GINT64_FORMAT,
                         ctx, who, have, numel);

  memset (out, 0, sizeof *out);
  out->dtype = dtype == DT_FLOAT ? TRAWL_NN_F32 : TRAWL_NN_I64;
  out->ndim = (int) dims->len;
  for (guint i = 0; i < dims->len; i++)
    out->dims[i] = g_array_index (dims, int64_t, i);
  out->data = g_malloc0 (MAX (8, (gsize) numel * 8));
  if (dtype == DT_FLOAT)
    {
      copy_bytes (out->data, have_raw ? (const void *) raw : (const void *) floats->data,
                  (gsize) numel * 4);
    }
  else if (dtype == DT_INT64)
    {
      copy_bytes (out->data, have_raw ? (const void *) raw : (const void *) ints->data,
                  (gsize) numel * 8);
    }
  else
    {
      int64_t *d = out->data;
      for (int64_t i = 0; i < numel; i++)
        {
          if (have_raw)
            {
              int32_t v;
              memcpy (&v, raw + 4 * i, 4);
              d[i] = v;
            }
          else
            {
              d[i] = (int32_t) g_array_index (ints, int64_t, i);
            }
        }
    }
  if (name)
    *name = g_steal_pointer (&tname);
  return TRUE;
}

/* ---- value names ---- */

static void
bind (Loader *L, const char *name, TrawlNnValueId id)
{
  if (name && *name)
    g_hash_table_insert (L->values, g_strdup (name), GINT_TO_POINTER (id + 1));
}

static TrawlNnValueId
lookup (Loader *L, const char *name)
{
  return GPOINTER_TO_INT (g_hash_table_lookup (L->values, name)) - 1;
}

/* Adds a constant, taking t->data. */
static TrawlNnValueId
add_constant (Loader *L, const char *name, TrawlNnTensor *t)
{
  TrawlNnValueId id = trawl_nn_graph_add_constant (L->g, name, t->dtype, t->ndim,
                                                   t->dims, t->data, TRUE);
  t->data = NULL;
  bind (L, name, id);
  return id;
}

/* A constant the loader makes up (opset rewrites); its name is derived from
 * the node's so that summaries stay readable. */
static TrawlNnValueId
synth_constant (Loader *L, const Node *n, const char *what, TrawlNnDType dtype,
                int ndim, const int64_t *dims, const void *data, gsize bytes)
{
  char *name = g_strdup_printf ("%s/%s#%d", n->name[0] ? n->name : n->op, what,
                                L->n_synth++);
  void *copy = g_malloc0 (MAX (bytes, 8));
  copy_bytes (copy, data, bytes);
  TrawlNnValueId id = trawl_nn_graph_add_constant (L->g, name, dtype, ndim, dims,
                                                   copy, TRUE);
  g_free (name);
  return id;
}

/* ---- attributes ---- */

/* Decodes one AttributeProto of node n into attrs (TENSOR values copied).
 * Graph, string-list and sparse attributes are UNSUPPORTED errors. */
static gboolean
parse_attribute (const TrawlPbReader *parent, const TrawlPbField *af, TrawlNnAttrs *attrs,
                 const Node *n, GError **error)
{
  TrawlPbReader r;
  TrawlPbField f;
  g_autofree char *aname = NULL;
  g_autofree char *ctx = NULL;
  g_autoptr (GArray) ints = g_array_new (FALSE, FALSE, sizeof (int64_t));
  g_autoptr (GArray) floats = g_array_new (FALSE, FALSE, sizeof (float));
  TrawlPbField tensor_f = { 0 }, s_f = { 0 };
  int64_t type = 0, ival = 0;
  float fval = 0;
  gboolean have_i = FALSE, have_f = FALSE, have_s = FALSE, have_t = FALSE;
  gboolean have_other = FALSE, have_strings = FALSE;
  int rc;

  ctx = g_strdup_printf ("node '%s' (%s) attribute", n->name, n->op);
  if (af->wire != TRAWL_PB_LEN)
    return format_error (error, "%s: wrong wire type", ctx);
  _trawl_pb_reader_sub (&r, parent, af);
  while ((rc = _trawl_pb_next (&r, &f, ctx, error)) == 1)
    {
      switch (f.number)
        {
        case 1:
          g_clear_pointer (&aname, g_free);
          if (!_trawl_pb_string (&f, &aname, ctx, error))
            return FALSE;
          break;
        case 20: type = (int64_t) f.u; break;
        case 2:
          if (f.wire != TRAWL_PB_FIXED32)
            return format_error (error, "%s: float has the wrong wire type", ctx);
          {
            guint32 bits = (guint32) f.u;
            memcpy (&fval, &bits, 4);
          }
          have_f = TRUE;
          break;
        case 3:
          if (f.wire != TRAWL_PB_VARINT)
            return format_error (error, "%s: int has the wrong wire type", ctx);
          ival = (int64_t) f.u;
          have_i = TRUE;
          break;
        case 4:
          if (f.wire != TRAWL_PB_LEN)
            return format_error (error, "%s: string has the wrong wire type", ctx);
          s_f = f;
          have_s = TRUE;
          break;
        case 5:
          tensor_f = f;
          have_t = TRUE;
          break;
        case 7:
          if (!_trawl_pb_append_floats (&f, floats, ctx, error))
            return FALSE;
          break;
        case 8:
          if (!_trawl_pb_append_ints (&f, ints, ctx, error))
            return FALSE;
          break;
        case 9: have_strings = TRUE; break;
        case 6: case 10: case 11: case 14: case 15: case 22: case 23:
          have_other = TRUE;
          break;
        default:
          break;
        }
    }
  if (rc < 0)
    return FALSE;
  if (!aname || !*aname)
    return format_error (error, "%s: attribute without a name", ctx);
  g_free (ctx);
  ctx = g_strdup_printf ("node '%s' (%s) attribute '%s'", n->name, n->op, aname);

  if (type == 0) {  /* pre-IR-3 files omit the type: infer it */
    type = have_f ? AT_FLOAT : have_i ? AT_INT : have_s ? AT_STRING : have_t ? AT_TENSOR
         : floats->len ? AT_FLOATS : ints->len ? AT_INTS : have_strings ? AT_STRINGS
         : have_other ? AT_GRAPH : AT_INTS;
  }
  switch (type)
    {
    case AT_FLOAT:
      trawl_nn_attrs_set_float (attrs, aname, fval);
      return TRUE;
    case AT_INT:
      trawl_nn_attrs_set_int (attrs, aname, ival);
      return TRUE;
    case AT_STRING: {
      g_autofree char *s = NULL;
      if (!have_s)
        s = g_strdup ("");
      else if (!_trawl_pb_string (&s_f, &s, ctx, error))
        return FALSE;
      trawl_nn_attrs_set_string (attrs, aname, s);
      return TRUE;
    }
    case AT_TENSOR: {
      TrawlNnTensor t;
      if (!have_t)
        return format_error (error, "%s: TENSOR attribute without a tensor", ctx);
      if (!parse_tensor (&r, &tensor_f, &t, NULL, ctx, error))
        return FALSE;
      trawl_nn_attrs_set_tensor (attrs, aname, &t);
      g_free (t.data);
      return TRUE;
    }
    case AT_FLOATS:
      trawl_nn_attrs_set_floats (attrs, aname, (const float *) (void *) floats->data,
                                 (int) floats->len);
      return TRUE;
    case AT_INTS:
      trawl_nn_attrs_set_ints (attrs, aname, (const int64_t *) (void *) ints->data,
                               (int) ints->len);
      return TRUE;
    default:
      return unsupported (error, "%s: attribute type %" G_GINT64_FORMAT
                          " (graphs, string lists, sparse tensors) is not supported",
                          ctx, type);
    }
}

/* ---- nodes ---- */

static gboolean
parse_node (const TrawlPbReader *parent, const TrawlPbField *nf, int index, Node *n,
            GError **error)
{
  TrawlPbReader r;
  TrawlPbField f;
  g_autoptr (GArray) attr_fields = g_array_new (FALSE, FALSE, sizeof (TrawlPbField));
  char ctx[64];
  int rc;

  g_snprintf (ctx, sizeof ctx, "node #%d", index);
  if (nf->wire != TRAWL_PB_LEN)
    return format_error (error, "%s: wrong wire type", ctx);
  n->inputs = g_ptr_array_new_with_free_func (g_free);
  n->outputs = g_ptr_array_new_with_free_func (g_free);
  _trawl_pb_reader_sub (&r, parent, nf);
  while ((rc = _trawl_pb_next (&r, &f, ctx, error)) == 1)
    {
      char *s = NULL;
      switch (f.number)
        {
        case 1:
        case 2:
          if (!_trawl_pb_string (&f, &s, ctx, error))
            return FALSE;
          g_ptr_array_add (f.number == 1 ? n->inputs : n->outputs, s);
          break;
        case 3:
        case 4:
        case 7:
          if (!_trawl_pb_string (&f, &s, ctx, error))
            return FALSE;
          {
            char **dst = f.number == 3 ? &n->name : f.number == 4 ? &n->op : &n->domain;
            g_free (*dst);
            *dst = s;
          }
          break;
        case 5:
          g_array_append_val (attr_fields, f);
          break;
        default:
          break;
        }
    }
  if (rc < 0)
    return FALSE;
  if (!n->name)
    n->name = g_strdup ("");
  if (!n->op || !*n->op)
    return format_error (error, "%s ('%s') has no op_type", ctx, n->name);
  if (n->domain && *n->domain && strcmp (n->domain, "ai.onnx") != 0)
    return unsupported (error, "node '%s' (%s): operator domain '%s' is not supported",
                        n->name, n->op, n->domain);
  if (n->outputs->len == 0)
    return format_error (error, "node '%s' (%s) has no outputs", n->name, n->op);
  if (!n->name[0]) {  /* name anonymous nodes after their first output */
    g_free (n->name);
    n->name = g_strdup (g_ptr_array_index (n->outputs, 0));
  }
  n->attrs = trawl_nn_attrs_new ();
  for (guint i = 0; i < attr_fields->len; i++)
    if (!parse_attribute (&r, &g_array_index (attr_fields, TrawlPbField, i), n->attrs,
                          n, error))
      return FALSE;
  return TRUE;
}

/* Resolves the node's input names; FALSE when one is undefined. */
static gboolean
resolve_inputs (Loader *L, const Node *n, GArray *ids, GError **error)
{
  for (guint i = 0; i < n->inputs->len; i++)
    {
      const char *in = g_ptr_array_index (n->inputs, i);
      TrawlNnValueId id = -1;
      if (in[0])
        {
          id = lookup (L, in);
          if (id < 0)
            return format_error (error, "node '%s' (%s): input '%s' is not defined before "
                                 "use", n->name, n->op, in);
        }
      g_array_append_val (ids, id);
    }
  return TRUE;
}

/* Adds op with the given inputs; the node's outputs (or out_names when not
 * NULL) name the results, which are bound for later nodes. attrs is taken. */
static gboolean
emit (Loader *L, const Node *n, const char *op, GArray *ids, int n_out,
      const char *const *out_names, TrawlNnValueId *outs, TrawlNnAttrs *attrs,
      GError **error)
{
  TrawlNnValueId local[16];
  const char *names[16] = { NULL };

  if (n_out > 16)
    return unsupported (error, "node '%s' (%s): %d outputs", n->name, n->op, n_out);
  if (!outs)
    outs = local;
  for (int i = 0; i < n_out; i++)
    {
      const char *s = out_names ? out_names[i] : g_ptr_array_index (n->outputs, i);
      names[i] = s && s[0] ? s : NULL;
    }
  int rc = trawl_nn_graph_add_node (L->g, op, n->name, (int) ids->len,
                                    (const TrawlNnValueId *) (void *) ids->data, n_out,
                                    names, outs, attrs, error);
  if (rc < 0)
    return FALSE;  /* the graph's message names the node and op */
  for (int i = 0; i < n_out; i++)
    if (!out_names)
      bind (L, names[i], outs[i]);
  return TRUE;
}

/* Moves an INTS attribute into input position pos (I64 vector), padding
 * absent inputs with -1. */
static void
ints_attr_to_input (Loader *L, Node *n, GArray *ids, const char *attr, guint pos)
{
  const int64_t *v;
  int cnt = trawl_nn_attrs_get_ints (n->attrs, attr, &v);
  TrawlNnValueId none = -1;

  if (!trawl_nn_attrs_has (n->attrs, attr))
    return;
  while (ids->len < pos)
    g_array_append_val (ids, none);
  int64_t dim = cnt;
  TrawlNnValueId id = synth_constant (L, n, attr, TRAWL_NN_I64, 1, &dim, v,
                                      (gsize) cnt * sizeof (int64_t));
  if (ids->len == pos)
    g_array_append_val (ids, id);
  else
    g_array_index (ids, TrawlNnValueId, pos) = id;
}

static void
float_attr_to_input (Loader *L, Node *n, GArray *ids, const char *attr, guint pos,
                     float dflt, gboolean always)
{
  TrawlNnValueId none = -1;

  if (!always && !trawl_nn_attrs_has (n->attrs, attr))
    return;
  float v = trawl_nn_attrs_get_float (n->attrs, attr, dflt);
  while (ids->len < pos)
    g_array_append_val (ids, none);
  TrawlNnValueId id = synth_constant (L, n, attr, TRAWL_NN_F32, 0, NULL, &v, sizeof v);
  if (ids->len == pos)
    g_array_append_val (ids, id);
  else
    g_array_index (ids, TrawlNnValueId, pos) = id;
}

/* Copies attrs except those named in skip (NULL-terminated). */
static TrawlNnAttrs *
attrs_without (const TrawlNnAttrs *a, const char *const *skip)
{
  TrawlNnAttrs *out = trawl_nn_attrs_new ();

  for (int i = 0; i < trawl_nn_attrs_count (a); i++)
    {
      TrawlNnAttrKind kind;
      const char *name = trawl_nn_attrs_name (a, i, &kind);
      if (g_strv_contains (skip, name))
        continue;
      switch (kind)
        {
        case TRAWL_NN_ATTR_INT:
          trawl_nn_attrs_set_int (out, name, trawl_nn_attrs_get_int (a, name, 0));
          break;
        case TRAWL_NN_ATTR_FLOAT:
          trawl_nn_attrs_set_float (out, name, trawl_nn_attrs_get_float (a, name, 0));
          break;
        case TRAWL_NN_ATTR_INTS: {
          const int64_t *v;
          int c = trawl_nn_attrs_get_ints (a, name, &v);
          trawl_nn_attrs_set_ints (out, name, v, c);
          break;
        }
        case TRAWL_NN_ATTR_FLOATS: {
          const float *v;
          int c = trawl_nn_attrs_get_floats (a, name, &v);
          trawl_nn_attrs_set_floats (out, name, v, c);
          break;
        }
        case TRAWL_NN_ATTR_STRING:
          trawl_nn_attrs_set_string (out, name, trawl_nn_attrs_get_string (a, name, ""));
          break;
        case TRAWL_NN_ATTR_TENSOR:
          trawl_nn_attrs_set_tensor (out, name, trawl_nn_attrs_get_tensor (a, name));
          break;
        }
    }
  return out;
}

/* A Constant node: its value becomes a graph constant named by its output. */
static gboolean
add_constant_node (Loader *L, Node *n, GError **error)
{
  const char *out = g_ptr_array_index (n->outputs, 0);
  const TrawlNnTensor *t = trawl_nn_attrs_get_tensor (n->attrs, "value");
  TrawlNnTensor c = { 0 };

  if (t)
    {
      c = *t;
      gsize bytes = (gsize) trawl_nn_tensor_numel (t) * 8;
      c.data = g_malloc0 (MAX (bytes, 8));
      copy_bytes (c.data, t->data, (gsize) trawl_nn_tensor_numel (t) *
                  (t->dtype == TRAWL_NN_F32 ? 4 : 8));
    }
  else if (trawl_nn_attrs_has (n->attrs, "value_float"))
    {
      float v = trawl_nn_attrs_get_float (n->attrs, "value_float", 0);
      c.dtype = TRAWL_NN_F32;
      c.data = g_memdup2 (&v, sizeof v);
    }
  else if (trawl_nn_attrs_has (n->attrs, "value_int"))
    {
      int64_t v = trawl_nn_attrs_get_int (n->attrs, "value_int", 0);
      c.dtype = TRAWL_NN_I64;
      c.data = g_memdup2 (&v, sizeof v);
    }
  else if (trawl_nn_attrs_has (n->attrs, "value_floats"))
    {
      const float *v;
      int cnt = trawl_nn_attrs_get_floats (n->attrs, "value_floats", &v);
      c.dtype = TRAWL_NN_F32;
      c.ndim = 1;
      c.dims[0] = cnt;
      c.data = g_malloc0 (MAX ((gsize) cnt * 4, 8));
      copy_bytes (c.data, v, (gsize) cnt * 4);
    }
  else if (trawl_nn_attrs_has (n->attrs, "value_ints"))
    {
      const int64_t *v;
      int cnt = trawl_nn_attrs_get_ints (n->attrs, "value_ints", &v);
      c.dtype = TRAWL_NN_I64;
      c.ndim = 1;
      c.dims[0] = cnt;
      c.data = g_malloc0 (MAX ((gsize) cnt * 8, 8));
      copy_bytes (c.data, v, (gsize) cnt * 8);
    }
  else
    {
      return unsupported (error, "node '%s' (Constant): no value, value_float(s) or "
                          "value_int(s) attribute (sparse and string constants are "
                          "not supported)", n->name);
    }
  add_constant (L, out, &c);
  return TRUE;
}

/* Softmax/LogSoftmax before opset 13 flatten the input to 2-D at axis. */
static gboolean
add_legacy_softmax (Loader *L, Node *n, GArray *ids, GError **error)
{
  int64_t axis = trawl_nn_attrs_get_int (n->attrs, "axis", 1);
  g_autofree char *flat = g_strdup_printf ("%s/flat#%d", n->name, L->n_synth++);
  g_autofree char *soft = g_strdup_printf ("%s/2d#%d", n->name, L->n_synth++);
  g_autofree char *shape = g_strdup_printf ("%s/shape#%d", n->name, L->n_synth++);
  TrawlNnValueId v_flat, v_soft, v_shape;
  g_autoptr (GArray) a = g_array_new (FALSE, FALSE, sizeof (TrawlNnValueId));

  if (axis == -1) {  /* the last axis: both versions agree */
    TrawlNnAttrs *at = trawl_nn_attrs_new ();
    trawl_nn_attrs_set_int (at, "axis", -1);
    return emit (L, n, n->op, ids, 1, NULL, NULL, at, error);
  }
  TrawlNnAttrs *fa = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_int (fa, "axis", axis);
  const char *nm[1] = { flat };
  g_array_append_val (a, g_array_index (ids, TrawlNnValueId, 0));
  if (!emit (L, n, "Flatten", a, 1, nm, &v_flat, fa, error))
    return FALSE;
  TrawlNnAttrs *sa = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_int (sa, "axis", 1);
  nm[0] = soft;
  g_array_index (a, TrawlNnValueId, 0) = v_flat;
  if (!emit (L, n, n->op, a, 1, nm, &v_soft, sa, error))
    return FALSE;
  nm[0] = shape;
  g_array_index (a, TrawlNnValueId, 0) = g_array_index (ids, TrawlNnValueId, 0);
  if (!emit (L, n, "Shape", a, 1, nm, &v_shape, NULL, error))
    return FALSE;
  g_array_index (a, TrawlNnValueId, 0) = v_soft;
  g_array_append_val (a, v_shape);
  return emit (L, n, "Reshape", a, 1, NULL, NULL, NULL, error);
}

/* Adds one decoded node, rewriting older opsets' forms (see the file head). */
static gboolean
add_node (Loader *L, Node *n, GError **error)
{
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (TrawlNnValueId));
  const char *op = n->op;
  int64_t v = L->opset;

  if (strcmp (op, "Constant") == 0)
    return add_constant_node (L, n, error);
  if (!resolve_inputs (L, n, ids, error))
    return FALSE;

  if (strcmp (op, "Clip") == 0 && v < 11)
    {
      float_attr_to_input (L, n, ids, "min", 1, -INFINITY, FALSE);
      float_attr_to_input (L, n, ids, "max", 2, INFINITY, FALSE);
      static const char *const skip[] = { "min", "max", NULL };
      TrawlNnAttrs *a = attrs_without (n->attrs, skip);
      return emit (L, n, op, ids, (int) n->outputs->len, NULL, NULL, a, error);
    }
  if (strcmp (op, "Slice") == 0 && v < 10)
    {
      ints_attr_to_input (L, n, ids, "starts", 1);
      ints_attr_to_input (L, n, ids, "ends", 2);
      ints_attr_to_input (L, n, ids, "axes", 3);
      return emit (L, n, op, ids, 1, NULL, NULL, trawl_nn_attrs_new (), error);
    }
  if (((strcmp (op, "Squeeze") == 0 || strcmp (op, "Unsqueeze") == 0
        || strcmp (op, "ReduceSum") == 0) && v < 13)
      || (strcmp (op, "Split") == 0 && v < 13))
    {
      const char *attr = strcmp (op, "Split") == 0 ? "split" : "axes";
      ints_attr_to_input (L, n, ids, attr, 1);
      const char *const skip[] = { attr, NULL };
      TrawlNnAttrs *a = attrs_without (n->attrs, skip);
      return emit (L, n, op, ids, (int) n->outputs->len, NULL, NULL, a, error);
    }
  if (strcmp (op, "Pad") == 0 && v < 11)
    {
      ints_attr_to_input (L, n, ids, "pads", 1);
      float_attr_to_input (L, n, ids, "value", 2, 0.0f, FALSE);
      static const char *const skip[] = { "pads", "value", NULL };
      TrawlNnAttrs *a = attrs_without (n->attrs, skip);
      return emit (L, n, op, ids, 1, NULL, NULL, a, error);
    }
  if ((strcmp (op, "Resize") == 0 && v < 11) || strcmp (op, "Upsample") == 0)
    {
      if (ids->len == 1 && trawl_nn_attrs_has (n->attrs, "scales"))
        {
          /* Upsample-7: scales as an attribute */
          const float *sc;
          int cnt = trawl_nn_attrs_get_floats (n->attrs, "scales", &sc);
          int64_t dim = cnt;
          TrawlNnValueId id = synth_constant (L, n, "scales", TRAWL_NN_F32, 1, &dim, sc,
                                              (gsize) cnt * sizeof (float));
          g_array_append_val (ids, id);
        }
      if (ids->len != 2)
        return format_error (error, "node '%s' (%s): expected 2 inputs (X, scales)",
                             n->name, op);
      TrawlNnValueId none = -1;
      g_array_insert_val (ids, 1, none);  /* roi */
      static const char *const skip[] = { "scales", NULL };
      TrawlNnAttrs *a = attrs_without (n->attrs, skip);
      trawl_nn_attrs_set_string (a, "coordinate_transformation_mode", "asymmetric");
      if (strcmp (trawl_nn_attrs_get_string (a, "mode", "nearest"), "nearest") == 0)
        trawl_nn_attrs_set_string (a, "nearest_mode", "floor");
      return emit (L, n, "Resize", ids, 1, NULL, NULL, a, error);
    }
  if ((strcmp (op, "Softmax") == 0 || strcmp (op, "LogSoftmax") == 0) && v < 13)
    return add_legacy_softmax (L, n, ids, error);
  if (strcmp (op, "Cast") == 0)
    {
      int64_t to = trawl_nn_attrs_get_int (n->attrs, "to", 0);
      if (to != DT_FLOAT && to != DT_INT64 && to != DT_INT32)
        return unsupported (error, "node '%s' (Cast): target type %" G_GINT64_FORMAT
                            " (only FLOAT, INT32 and INT64)", n->name, to);
      TrawlNnAttrs *a = trawl_nn_attrs_new ();
      trawl_nn_attrs_set_int (a, "to", to == DT_FLOAT ? DT_FLOAT : DT_INT64);
      return emit (L, n, op, ids, 1, NULL, NULL, a, error);
    }
  if (strcmp (op, "Dropout") == 0)
    {
      if (n->outputs->len > 1 && ((const char *) g_ptr_array_index (n->outputs, 1))[0])
        return unsupported (error, "node '%s' (Dropout): the mask output is not supported",
                            n->name);
      g_array_set_size (ids, 1);
      return emit (L, n, "Identity", ids, 1, NULL, NULL, NULL, error);
    }
  TrawlNnAttrs *a = g_steal_pointer (&n->attrs);
  return emit (L, n, op, ids, (int) n->outputs->len, NULL, NULL, a, error);
}

/* ---- graph inputs and outputs ---- */

/* Reads a ValueInfoProto: name, elem type, dims (-1 for symbolic ones). */
static gboolean
parse_value_info (const TrawlPbReader *parent, const TrawlPbField *vf, char **name,
                  int64_t *elem, GArray *dims, gboolean *have_shape, GError **error)
{
  TrawlPbReader r, tr, tt, sh, dm;
  TrawlPbField f, g, h, k, d;
  const char *ctx = "graph input/output (ValueInfoProto)";
  int rc;

  *have_shape = FALSE;
  if (vf->wire != TRAWL_PB_LEN)
    return format_error (error, "%s: wrong wire type", ctx);
  _trawl_pb_reader_sub (&r, parent, vf);
  while ((rc = _trawl_pb_next (&r, &f, ctx, error)) == 1)
    {
      if (f.number == 1)
        {
          g_clear_pointer (name, g_free);
          if (!_trawl_pb_string (&f, name, ctx, error))
            return FALSE;
        }
      if (f.number != 2 || f.wire != TRAWL_PB_LEN)
        continue;
      _trawl_pb_reader_sub (&tr, &r, &f);  /* TypeProto */
      while ((rc = _trawl_pb_next (&tr, &g, ctx, error)) == 1)
        {
          if (g.number != 1 || g.wire != TRAWL_PB_LEN)
            continue;
          _trawl_pb_reader_sub (&tt, &tr, &g);  /* TypeProto.Tensor */
          while ((rc = _trawl_pb_next (&tt, &h, ctx, error)) == 1)
            {
              if (h.number == 1)
                *elem = (int64_t) h.u;
              if (h.number != 2 || h.wire != TRAWL_PB_LEN)
                continue;
              *have_shape = TRUE;
              _trawl_pb_reader_sub (&sh, &tt, &h);  /* TensorShapeProto */
              while ((rc = _trawl_pb_next (&sh, &k, ctx, error)) == 1)
                {
                  if (k.number != 1 || k.wire != TRAWL_PB_LEN)
                    continue;
                  int64_t dim = -1;
                  _trawl_pb_reader_sub (&dm, &sh, &k);  /* Dimension */
                  while ((rc = _trawl_pb_next (&dm, &d, ctx, error)) == 1)
                    if (d.number == 1 && d.wire == TRAWL_PB_VARINT)
                      dim = (int64_t) d.u;
                  if (rc < 0)
                    return FALSE;
                  g_array_append_val (dims, dim);
                }
              if (rc < 0)
                return FALSE;
            }
          if (rc < 0)
            return FALSE;
        }
      if (rc < 0)
        return FALSE;
    }
  if (rc < 0)
    return FALSE;
  if (!*name || !**name)
    return format_error (error, "%s without a name", ctx);
  return TRUE;
}

static gboolean
add_graph_input (Loader *L, const TrawlPbReader *r, const TrawlPbField *f, GError **error)
{
  g_autofree char *name = NULL;
  g_autoptr (GArray) dims = g_array_new (FALSE, FALSE, sizeof (int64_t));
  int64_t elem = DT_FLOAT;
  gboolean have_shape;

  if (!parse_value_info (r, f, &name, &elem, dims, &have_shape, error))
    return FALSE;
  if (lookup (L, name) >= 0)
    return TRUE;  /* older files list initializers as inputs too */
  if (elem != DT_FLOAT && elem != DT_INT64)
    return unsupported (error, "graph input '%s' has element type %" G_GINT64_FORMAT
                        " (only FLOAT and INT64)", name, elem);
  if (!have_shape)
    return unsupported (error, "graph input '%s' has no shape (its rank must be known)",
                        name);
  if (dims->len > TRAWL_NN_MAX_DIMS)
    return unsupported (error, "graph input '%s' has %u dimensions", name, dims->len);
  TrawlNnValueId id = trawl_nn_graph_add_input (L->g, name,
                                                elem == DT_FLOAT ? TRAWL_NN_F32 : TRAWL_NN_I64,
                                                (int) dims->len,
                                                (const int64_t *) (void *) dims->data);
  bind (L, name, id);
  return TRUE;
}

/* ---- graph and model ---- */

static gboolean
load_graph (Loader *L, const TrawlPbReader *parent, const TrawlPbField *gf, GError **error)
{
  TrawlPbReader r;
  TrawlPbField f;
  g_autoptr (GArray) nodes = g_array_new (FALSE, FALSE, sizeof (TrawlPbField));
  g_autoptr (GArray) inputs = g_array_new (FALSE, FALSE, sizeof (TrawlPbField));
  g_autoptr (GArray) outputs = g_array_new (FALSE, FALSE, sizeof (TrawlPbField));
  const char *ctx = "GraphProto";
  int rc;

  if (gf->wire != TRAWL_PB_LEN)
    return format_error (error, "graph: wrong wire type");
  /* Fields may come in any order; initializers must be known before the
   * inputs (to skip duplicates) and the nodes (which use them). */
  _trawl_pb_reader_sub (&r, parent, gf);
  while ((rc = _trawl_pb_next (&r, &f, ctx, error)) == 1)
    {
      switch (f.number)
        {
        case 1: g_array_append_val (nodes, f); break;
        case 11: g_array_append_val (inputs, f); break;
        case 12: g_array_append_val (outputs, f); break;
        case 15:
          return unsupported (error, "sparse initializers are not supported");
        case 5: {
          TrawlNnTensor t;
          g_autofree char *name = NULL;
          if (!parse_tensor (&r, &f, &t, &name, "initializer", error))
            return FALSE;
          if (!name || !*name)
            {
              g_free (t.data);
              return format_error (error, "initializer without a name");
            }
          add_constant (L, name, &t);
          break;
        }
        default:
          break;
        }
    }
  if (rc < 0)
    return FALSE;

  for (guint i = 0; i < inputs->len; i++)
    if (!add_graph_input (L, &r, &g_array_index (inputs, TrawlPbField, i), error))
      return FALSE;
  for (guint i = 0; i < nodes->len; i++)
    {
      Node n = { 0 };
      gboolean ok = parse_node (&r, &g_array_index (nodes, TrawlPbField, i), (int) i, &n, error)
                    && add_node (L, &n, error);
      node_clear (&n);
      if (!ok)
        return FALSE;
    }
  if (outputs->len == 0)
    return format_error (error, "the graph has no outputs");
  for (guint i = 0; i < outputs->len; i++)
    {
      g_autofree char *name = NULL;
      g_autoptr (GArray) dims = g_array_new (FALSE, FALSE, sizeof (int64_t));
      int64_t elem = 0;
      gboolean have_shape;
      if (!parse_value_info (&r, &g_array_index (outputs, TrawlPbField, i), &name, &elem,
                             dims, &have_shape, error))
        return FALSE;
      TrawlNnValueId id = lookup (L, name);
      if (id < 0)
        return format_error (error, "graph output '%s' is produced by no node", name);
      trawl_nn_graph_mark_output (L->g, id);
    }
  return TRUE;
}

/* Reads the default domain's opset from an OperatorSetIdProto. */
static gboolean
parse_opset (Loader *L, const TrawlPbReader *parent, const TrawlPbField *of, GError **error)
{
  TrawlPbReader r;
  TrawlPbField f;
  g_autofree char *domain = NULL;
  int64_t version = -1;
  int rc;

  if (of->wire != TRAWL_PB_LEN)
    return format_error (error, "opset_import: wrong wire type");
  _trawl_pb_reader_sub (&r, parent, of);
  while ((rc = _trawl_pb_next (&r, &f, "opset_import", error)) == 1)
    {
      if (f.number == 1)
        {
          g_clear_pointer (&domain, g_free);
          if (!_trawl_pb_string (&f, &domain, "opset_import", error))
            return FALSE;
        }
      else if (f.number == 2 && f.wire == TRAWL_PB_VARINT)
        {
          version = (int64_t) f.u;
        }
    }
  if (rc < 0)
    return FALSE;
  if (!domain || !*domain || strcmp (domain, "ai.onnx") == 0)
    L->opset = version;
  return TRUE;
}

/* Decodes a whole model held in buf[0..len). NULL with error set. */
static TrawlNnGraph *
load_buffer (const guint8 *buf, gsize len, const char *gname, GError **error)
{
  TrawlPbReader r;
  TrawlPbField f, graph_f = { 0 };
  gboolean have_graph = FALSE;
  Loader L = { 0 };
  int rc;

  L.opset = -1;
  if (len == 0)
    {
      format_error (error, "empty file");
      return NULL;
    }
  _trawl_pb_reader_init (&r, buf, len);
  while ((rc = _trawl_pb_next (&r, &f, "ModelProto", error)) == 1)
    {
      if (f.number == 8 && !parse_opset (&L, &r, &f, error))
        return NULL;
      if (f.number == 7)
        {
          graph_f = f;
          have_graph = TRUE;
        }
    }
  if (rc < 0)
    return NULL;
  if (!have_graph)
    {
      format_error (error, "no graph in the model (not an ONNX file?)");
      return NULL;
    }
  if (L.opset < 7 || L.opset > 13)
    {
      if (L.opset < 0)
        format_error (error, "the model imports no default-domain opset");
      else
        unsupported (error, "opset %" G_GINT64_FORMAT " is not supported (7 to 13 are)",
                     L.opset);
      return NULL;
    }
  L.g = trawl_nn_graph_new (gname);
  L.values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean ok = load_graph (&L, &r, &graph_f, error);
  g_hash_table_unref (L.values);
  if (!ok)
    {
      trawl_nn_graph_unref (L.g);
      return NULL;
    }
  return L.g;
}

/* trawl_nn_load_onnx: see nn.h. The file is mapped, not read; weights are
 * copied into the graph, so nothing refers to the file afterwards. */
TrawlNnGraph *
trawl_nn_load_onnx (const char *path, GError **error)
{
  GError *err = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  GMappedFile *mf = g_mapped_file_new (path, FALSE, &err);
  if (!mf)
    {
      g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_IO, "%s: %s", path, err->message);
      g_error_free (err);
      return NULL;
    }
  g_autofree char *base = g_path_get_basename (path);
  TrawlNnGraph *g = load_buffer ((const guint8 *) g_mapped_file_get_contents (mf),
                                 g_mapped_file_get_length (mf), base, error);
  g_mapped_file_unref (mf);
  if (!g)
    g_prefix_error (error, "%s: ", path);
  return g;
}
