/* nn-graph.c - the graph IR: values, nodes, inputs and outputs, plus the
 * small shared helpers (error domain, dtype sizes) and the loader dispatch.
 *
 * Building a graph never computes; shapes are resolved by plans
 * (nn-plan.c). Nodes can only consume values that already exist, so the
 * node list is in topological order by construction.
 */
#include "nn/nn-backend.h"

#include <stdarg.h>
#include <string.h>

G_DEFINE_QUARK (trawl-nn-error-quark, trawl_nn_error)

int64_t
trawl_nn_tensor_numel (const TrawlNnTensor *t)
{
  int64_t n = 1;

  g_return_val_if_fail (t != NULL, 0);
  for (int i = 0; i < t->ndim; i++)
    n *= t->dims[i];
  return n;
}

gsize
_trawl_nn_dtype_size (TrawlNnDType dt)
{
  return dt == TRAWL_NN_I64 ? 8 : 4;
}

char *
_trawl_nn_dims_str (int ndim, const int64_t *dims)
{
  GString *s = g_string_new ("[");

  for (int i = 0; i < ndim; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? "," : "", dims[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* Sets error to "<op> node '<name>': <message>" and returns FALSE. */
gboolean
_trawl_nn_fail (GError **error, int code, const TrawlNnOpCtx *c, const char *fmt, ...)
{
  va_list ap;
  char *msg;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, TRAWL_NN_ERROR, code, "%s node '%s': %s",
               c ? c->op_type : "?", c && c->node_name ? c->node_name : "", msg);
  g_free (msg);
  return FALSE;
}

/* ---- graph ---- */

static void
value_clear (gpointer p)
{
  TrawlNnValue *v = p;

  g_free (v->name);
  g_free (v->data);
}

static void
node_clear (gpointer p)
{
  TrawlNnNode *n = p;

  g_free (n->op_type);
  g_free (n->name);
  g_free (n->in);
  g_free (n->out);
  trawl_nn_attrs_free (n->attrs);
}

/* A new empty graph with one reference; release with trawl_nn_graph_unref. */
TrawlNnGraph *
trawl_nn_graph_new (const char *name)
{
  TrawlNnGraph *g = g_new0 (TrawlNnGraph, 1);

  g_atomic_ref_count_init (&g->ref);
  g->name = g_strdup (name ? name : "graph");
  g->values = g_array_new (FALSE, TRUE, sizeof (TrawlNnValue));
  g_array_set_clear_func (g->values, value_clear);
  g->nodes = g_array_new (FALSE, TRUE, sizeof (TrawlNnNode));
  g_array_set_clear_func (g->nodes, node_clear);
  g->inputs = g_array_new (FALSE, FALSE, sizeof (int));
  g->outputs = g_array_new (FALSE, FALSE, sizeof (int));
  g->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  return g;
}

TrawlNnGraph *
trawl_nn_graph_ref (TrawlNnGraph *g)
{
  g_return_val_if_fail (g != NULL, NULL);
  g_atomic_ref_count_inc (&g->ref);
  return g;
}

void
trawl_nn_graph_unref (TrawlNnGraph *g)
{
  if (g == NULL || !g_atomic_ref_count_dec (&g->ref))
    return;
  g_hash_table_unref (g->by_name);
  g_array_unref (g->nodes);
  g_array_unref (g->values);
  g_array_unref (g->inputs);
  g_array_unref (g->outputs);
  g_free (g->name);
  g_free (g);
}

/* Appends a value; a name already taken (or NULL) gets a generated one so
 * ids stay the identity and names stay unique. */
static TrawlNnValueId
add_value (TrawlNnGraph *g, const char *name, TrawlNnDType dtype, int ndim,
           const int64_t *dims)
{
  TrawlNnValue v = { 0 };
  TrawlNnValueId id = (TrawlNnValueId) g->values->len;
  TrawlNnValue *pv;

  if (name == NULL || *name == '\0' || g_hash_table_contains (g->by_name, name))
    v.name = name && *name ? g_strdup_printf ("%s#%d", name, id)
                           : g_strdup_printf ("v%d", id);
  else
    v.name = g_strdup (name);
  v.dtype = dtype;
  v.ndim = CLAMP (ndim, 0, TRAWL_NN_MAX_DIMS);
  for (int i = 0; i < v.ndim; i++)
    v.dims[i] = dims ? dims[i] : -1;
  v.producer = -1;
  g_array_append_val (g->values, v);
  pv = &g_array_index (g->values, TrawlNnValue, id);
  g_hash_table_insert (g->by_name, pv->name, GINT_TO_POINTER (id + 1));
  return id;
}

/* The by_name table borrows value names, which live in a GArray that may
 * move on growth; the strings themselves don't move, so this is safe. */

TrawlNnValueId
trawl_nn_graph_add_input (TrawlNnGraph *g, const char *name, TrawlNnDType dtype,
                          int ndim, const int64_t *dims)
{
  TrawlNnValueId id;

  g_return_val_if_fail (g != NULL && ndim >= 0 && ndim <= TRAWL_NN_MAX_DIMS, -1);
  id = add_value (g, name, dtype, ndim, dims);
  g_array_index (g->values, TrawlNnValue, id).is_input = TRUE;
  g_array_append_val (g->inputs, id);
  return id;
}

TrawlNnValueId
trawl_nn_graph_add_constant (TrawlNnGraph *g, const char *name, TrawlNnDType dtype,
                             int ndim, const int64_t *dims, void *data, gboolean take)
{
  TrawlNnValueId id;
  TrawlNnValue *v;
  gsize bytes;

  g_return_val_if_fail (g != NULL && ndim >= 0 && ndim <= TRAWL_NN_MAX_DIMS, -1);
  bytes = _trawl_nn_dtype_size (dtype);
  for (int i = 0; i < ndim; i++)
    {
      /* loaders check sizes against the file; this only stops overflow */
      g_return_val_if_fail (dims[i] <= 0 || bytes <= ((gsize) 16 << 30) / (gsize) dims[i], -1);
      bytes *= (gsize) MAX (dims[i], 0);
    }
  id = add_value (g, name, dtype, ndim, dims);
  v = &g_array_index (g->values, TrawlNnValue, id);
  if (take)
    v->data = data;
  else
    v->data = g_malloc0 (MAX (bytes, 1));   /* zeros when no data is given */
  if (!take && data && bytes)
    memcpy (v->data, data, bytes);
  if (v->data == NULL)       /* an empty constant still counts as constant */
    v->data = g_malloc0 (8);
  return id;
}

int
trawl_nn_graph_add_node (TrawlNnGraph *g, const char *op_type, const char *node_name,
                         int n_in, const TrawlNnValueId *inputs, int n_out,
                         const char *const *out_names, TrawlNnValueId *outputs,
                         TrawlNnAttrs *attrs, GError **error)
{
  const TrawlNnOpDef *op;
  TrawlNnNode node = { 0 };
  int idx;

  g_return_val_if_fail (g != NULL && op_type != NULL && n_in >= 0 && n_out >= 1, -1);
  op = _trawl_nn_cpu_find_op (op_type);
  if (op == NULL)
    {
      g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_UNSUPPORTED,
                   "node '%s': unsupported op '%s'", node_name ? node_name : "", op_type);
      trawl_nn_attrs_free (attrs);
      return -1;
    }
  if (n_in < op->min_in || n_in > op->max_in || n_out < op->min_out || n_out > op->max_out)
    {
      g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_FORMAT,
                   "%s node '%s': %d inputs / %d outputs (expects %d..%d / %d..%d)",
                   op_type, node_name ? node_name : "", n_in, n_out,
                   op->min_in, op->max_in, op->min_out, op->max_out);
      trawl_nn_attrs_free (attrs);
      return -1;
    }
  for (int i = 0; i < n_in; i++)
    if (inputs[i] < -1 || inputs[i] >= (int) g->values->len)
      {
        g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_FORMAT,
                     "%s node '%s': input %d refers to no value", op_type,
                     node_name ? node_name : "", i);
        trawl_nn_attrs_free (attrs);
        return -1;
      }
  idx = (int) g->nodes->len;
  node.op_type = g_strdup (op_type);
  node.name = node_name && *node_name ? g_strdup (node_name)
                                      : g_strdup_printf ("%s_%d", op_type, idx);
  node.op = op;
  node.n_in = n_in;
  node.in = g_new (int, MAX (n_in, 1));
  if (n_in)
    memcpy (node.in, inputs, sizeof (int) * n_in);
  node.n_out = n_out;
  node.out = g_new (int, n_out);
  node.attrs = attrs ? attrs : trawl_nn_attrs_new ();
  for (int i = 0; i < n_out; i++)
    {
      const char *nm = out_names ? out_names[i] : NULL;
      char *gen = nm ? NULL : g_strdup_printf ("%s:%d", node.name, i);
      node.out[i] = add_value (g, nm ? nm : gen, TRAWL_NN_F32, 0, NULL);
      g_array_index (g->values, TrawlNnValue, node.out[i]).producer = idx;
      g_free (gen);
      if (outputs)
        outputs[i] = node.out[i];
    }
  g_array_append_val (g->nodes, node);
  return idx;
}

TrawlNnValueId
trawl_nn_graph_op (TrawlNnGraph *g, const char *op_type, const char *node_name,
                   int n_in, const TrawlNnValueId *inputs, TrawlNnAttrs *attrs,
                   GError **error)
{
  TrawlNnValueId out = -1;

  if (trawl_nn_graph_add_node (g, op_type, node_name, n_in, inputs, 1, NULL, &out,
                               attrs, error) < 0)
    return -1;
  return out;
}

void
trawl_nn_graph_mark_output (TrawlNnGraph *g, TrawlNnValueId v)
{
  g_return_if_fail (g != NULL && v >= 0 && v < (int) g->values->len);
  g_array_append_val (g->outputs, v);
}

TrawlNnValueId
trawl_nn_graph_find_value (const TrawlNnGraph *g, const char *name)
{
  g_return_val_if_fail (g != NULL && name != NULL, -1);
  return GPOINTER_TO_INT (g_hash_table_lookup (g->by_name, name)) - 1;
}

int trawl_nn_graph_n_nodes (const TrawlNnGraph *g) { return (int) g->nodes->len; }
int trawl_nn_graph_n_inputs (const TrawlNnGraph *g) { return (int) g->inputs->len; }
int trawl_nn_graph_n_outputs (const TrawlNnGraph *g) { return (int) g->outputs->len; }

const char *
trawl_nn_graph_input_name (const TrawlNnGraph *g, int i)
{
  g_return_val_if_fail (g != NULL && i >= 0 && i < (int) g->inputs->len, NULL);
  return g_array_index (g->values, TrawlNnValue, g_array_index (g->inputs, int, i)).name;
}

const char *
trawl_nn_graph_output_name (const TrawlNnGraph *g, int i)
{
  g_return_val_if_fail (g != NULL && i >= 0 && i < (int) g->outputs->len, NULL);
  return g_array_index (g->values, TrawlNnValue, g_array_index (g->outputs, int, i)).name;
}

gsize
trawl_nn_graph_weight_bytes (const TrawlNnGraph *g)
{
  gsize total = 0;

  g_return_val_if_fail (g != NULL, 0);
  for (guint i = 0; i < g->values->len; i++)
    {
      const TrawlNnValue *v = &g_array_index (g->values, TrawlNnValue, i);
      gsize b = _trawl_nn_dtype_size (v->dtype);

      if (v->data == NULL || v->producer >= 0)
        continue;
      for (int d = 0; d < v->ndim; d++)
        b *= (gsize) MAX (v->dims[d], 0);
      total += b;
    }
  return total;
}

static int
cmp_count (gconstpointer a, gconstpointer b, gpointer counts)
{
  int ca = GPOINTER_TO_INT (g_hash_table_lookup (counts, *(char **) a));
  int cb = GPOINTER_TO_INT (g_hash_table_lookup (counts, *(char **) b));

  return cb != ca ? cb - ca : strcmp (*(char **) a, *(char **) b);
}

static void
print_value (FILE *out, const TrawlNnGraph *g, int id)
{
  const TrawlNnValue *v = &g_array_index (g->values, TrawlNnValue, id);
  char *d = _trawl_nn_dims_str (v->ndim, v->dims);

  fprintf (out, "  %s %s %s\n", v->name, v->dtype == TRAWL_NN_I64 ? "i64" : "f32", d);
  g_free (d);
}

void
trawl_nn_graph_print_summary (const TrawlNnGraph *g, FILE *out)
{
  GHashTable *counts = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *names = g_ptr_array_new ();

  g_return_if_fail (g != NULL && out != NULL);
  fprintf (out, "graph %s: %u nodes, %u values, %.2f MB of weights\n", g->name,
           g->nodes->len, g->values->len,
           trawl_nn_graph_weight_bytes (g) / (1024.0 * 1024.0));
  fprintf (out, "inputs:\n");
  for (guint i = 0; i < g->inputs->len; i++)
    print_value (out, g, g_array_index (g->inputs, int, i));
  fprintf (out, "outputs:\n");
  for (guint i = 0; i < g->outputs->len; i++)
    print_value (out, g, g_array_index (g->outputs, int, i));
  for (guint i = 0; i < g->nodes->len; i++)
    {
      const char *op = g_array_index (g->nodes, TrawlNnNode, i).op_type;
      int c = GPOINTER_TO_INT (g_hash_table_lookup (counts, op));

      if (c == 0)
        g_ptr_array_add (names, (gpointer) op);
      g_hash_table_insert (counts, (gpointer) op, GINT_TO_POINTER (c + 1));
    }
  g_ptr_array_sort_with_data (names, cmp_count, counts);
  fprintf (out, "ops:\n");
  for (guint i = 0; i < names->len; i++)
    fprintf (out, "  %-20s %d\n", (char *) names->pdata[i],
             GPOINTER_TO_INT (g_hash_table_lookup (counts, names->pdata[i])));
  g_ptr_array_unref (names);
  g_hash_table_unref (counts);
}

/* ---- backends and loaders ---- */

static const char *const precision_names[] = { "fp32", "tf32", "fp16" };

const char *
trawl_nn_precision_name (TrawlNnPrecision precision)
{
  return (guint) precision < G_N_ELEMENTS (precision_names) ? precision_names[precision] : "fp32";
}

gboolean
trawl_nn_precision_from_name (const char *name, TrawlNnPrecision *precision)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (precision_names); i++)
    if (g_ascii_strcasecmp (name, precision_names[i]) == 0)
      {
        *precision = (TrawlNnPrecision) i;
        return TRUE;
      }
  return FALSE;
}

gboolean
trawl_nn_backend_available (TrawlNnBackendKind kind, GError **error)
{
  const TrawlNnBackend *be;

  if (kind == TRAWL_NN_BACKEND_CPU)
    return TRUE;
  /* the module is loaded here, the device and its libraries asked by it */
  be = _trawl_nn_backend_get (kind, error);
  return be != NULL && be->available (error);
}

/* Dispatch by name: "*.onnx" to the ONNX loader, "*weights_manifest.json"
 * to the face-api one. NULL with error set for anything else. */
TrawlNnGraph *
trawl_nn_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  if (g_str_has_suffix (path, ".onnx") || g_str_has_suffix (path, ".ONNX"))
    return trawl_nn_load_onnx (path, error);
  if (g_str_has_suffix (path, "weights_manifest.json"))
    return trawl_nn_load_faceapi (path, error);
  g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_FORMAT,
               "%s: unknown model format (expected .onnx or *weights_manifest.json)", path);
  return NULL;
}

int
_trawl_nn_default_threads (void)
{
  return MAX (1, (int) g_get_num_processors ());
}

gboolean
trawl_nn_graph_input_info (const TrawlNnGraph *g, int i, TrawlNnTensor *info)
{
  const TrawlNnValue *v;

  g_return_val_if_fail (g != NULL && info != NULL, FALSE);
  if (i < 0 || i >= (int) g->inputs->len)
    return FALSE;
  v = &g_array_index (g->values, TrawlNnValue, g_array_index (g->inputs, int, i));
  memset (info, 0, sizeof *info);
  info->dtype = v->dtype;
  info->ndim = v->ndim;
  memcpy (info->dims, v->dims, sizeof info->dims);
  return TRUE;
}
