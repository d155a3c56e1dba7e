/* nn-attrs.c - node attributes: a small name -> value map (ONNX
 * AttributeProto kinds). Lookups are linear: nodes have a handful. */
#include "nn/nn-private.h"

#include <string.h>

static void
attr_free (gpointer p)
{
  TrawlNnAttr *a = p;

  g_free (a->name);
  g_free (a->ints);
  g_free (a->floats);
  g_free (a->s);
  g_free (a->t.data);
  g_free (a);
}

/* A new empty map; free with trawl_nn_attrs_free. Never fails. */
TrawlNnAttrs *
trawl_nn_attrs_new (void)
{
  TrawlNnAttrs *a = g_new0 (TrawlNnAttrs, 1);

  a->items = g_ptr_array_new_with_free_func (attr_free);
  return a;
}

/* Frees the map and every value in it; NULL is fine. */
void
trawl_nn_attrs_free (TrawlNnAttrs *attrs)
{
  if (attrs == NULL)
    return;
  g_ptr_array_unref (attrs->items);
  g_free (attrs);
}

static const TrawlNnAttr *
lookup (const TrawlNnAttrs *a, const char *name)
{
  if (a == NULL)
    return NULL;
  for (guint i = 0; i < a->items->len; i++)
    {
      const TrawlNnAttr *at = g_ptr_array_index (a->items, i);
      if (strcmp (at->name, name) == 0)
        return at;
    }
  return NULL;
}

/* Returns a fresh slot for name, replacing any earlier value. */
static TrawlNnAttr *
slot (TrawlNnAttrs *a, const char *name, TrawlNnAttrKind kind)
{
  TrawlNnAttr *at;

  for (guint i = 0; i < a->items->len; i++)
    {
      at = g_ptr_array_index (a->items, i);
      if (strcmp (at->name, name) == 0)
        {
          g_ptr_array_remove_index (a->items, i);
          break;
        }
    }
  at = g_new0 (TrawlNnAttr, 1);
  at->name = g_strdup (name);
  at->kind = kind;
  g_ptr_array_add (a->items, at);
  return at;
}

void
trawl_nn_attrs_set_int (TrawlNnAttrs *a, const char *name, int64_t v)
{
  g_return_if_fail (a != NULL && name != NULL);
  slot (a, name, TRAWL_NN_ATTR_INT)->i = v;
}

void
trawl_nn_attrs_set_float (TrawlNnAttrs *a, const char *name, float v)
{
  g_return_if_fail (a != NULL && name != NULL);
  slot (a, name, TRAWL_NN_ATTR_FLOAT)->f = v;
}

void
trawl_nn_attrs_set_ints (TrawlNnAttrs *a, const char *name, const int64_t *v, int n)
{
  TrawlNnAttr *at;

  g_return_if_fail (a != NULL && name != NULL && n >= 0);
  at = slot (a, name, TRAWL_NN_ATTR_INTS);
  at->n = n;
  at->ints = n > 0 ? g_memdup2 (v, sizeof (int64_t) * n) : NULL;
}

void
trawl_nn_attrs_set_floats (TrawlNnAttrs *a, const char *name, const float *v, int n)
{
  TrawlNnAttr *at;

  g_return_if_fail (a != NULL && name != NULL && n >= 0);
  at = slot (a, name, TRAWL_NN_ATTR_FLOATS);
  at->n = n;
  at->floats = n > 0 ? g_memdup2 (v, sizeof (float) * n) : NULL;
}

void
trawl_nn_attrs_set_string (TrawlNnAttrs *a, const char *name, const char *v)
{
  g_return_if_fail (a != NULL && name != NULL);
  slot (a, name, TRAWL_NN_ATTR_STRING)->s = g_strdup (v ? v : "");
}

void
trawl_nn_attrs_set_tensor (TrawlNnAttrs *a, const char *name, const TrawlNnTensor *t)
{
  TrawlNnAttr *at;
  gsize bytes;

  g_return_if_fail (a != NULL && name != NULL && t != NULL);
  at = slot (a, name, TRAWL_NN_ATTR_TENSOR);
  at->t = *t;
  bytes = (gsize) trawl_nn_tensor_numel (t) * _trawl_nn_dtype_size (t->dtype);
  at->t.data = bytes > 0 && t->data ? g_memdup2 (t->data, bytes) : NULL;
}

gboolean
trawl_nn_attrs_has (const TrawlNnAttrs *a, const char *name)
{
  return lookup (a, name) != NULL;
}

/* Getters convert between INT and FLOAT so loaders need not care which
 * one a file used; a missing or mismatched attribute yields the default. */
int64_t
trawl_nn_attrs_get_int (const TrawlNnAttrs *a, const char *name, int64_t dflt)
{
  const TrawlNnAttr *at = lookup (a, name);

  if (at == NULL)
    return dflt;
  if (at->kind == TRAWL_NN_ATTR_INT)
    return at->i;
  if (at->kind == TRAWL_NN_ATTR_FLOAT)
    return (int64_t) at->f;
  return dflt;
}

float
trawl_nn_attrs_get_float (const TrawlNnAttrs *a, const char *name, float dflt)
{
  const TrawlNnAttr *at = lookup (a, name);

  if (at == NULL)
    return dflt;
  if (at->kind == TRAWL_NN_ATTR_FLOAT)
    return at->f;
  if (at->kind == TRAWL_NN_ATTR_INT)
    return (float) at->i;
  return dflt;
}

int
trawl_nn_attrs_get_ints (const TrawlNnAttrs *a, const char *name, const int64_t **v)
{
  const TrawlNnAttr *at = lookup (a, name);

  if (v)
    *v = NULL;
  if (at == NULL || at->kind != TRAWL_NN_ATTR_INTS)
    return 0;
  if (v)
    *v = at->ints;
  return at->n;
}

int
trawl_nn_attrs_get_floats (const TrawlNnAttrs *a, const char *name, const float **v)
{
  const TrawlNnAttr *at = lookup (a, name);

  if (v)
    *v = NULL;
  if (at == NULL || at->kind != TRAWL_NN_ATTR_FLOATS)
    return 0;
  if (v)
    *v = at->floats;
  return at->n;
}

const char *
trawl_nn_attrs_get_string (const TrawlNnAttrs *a, const char *name, const char *dflt)
{
  const TrawlNnAttr *at = lookup (a, name);

  return at && at->kind == TRAWL_NN_ATTR_STRING ? at->s : dflt;
}

const TrawlNnTensor *
trawl_nn_attrs_get_tensor (const TrawlNnAttrs *a, const char *name)
{
  const TrawlNnAttr *at = lookup (a, name);

  return at && at->kind == TRAWL_NN_ATTR_TENSOR ? &at->t : NULL;
}

int
trawl_nn_attrs_count (const TrawlNnAttrs *a)
{
  return a ? (int) a->items->len : 0;
}

const char *
trawl_nn_attrs_name (const TrawlNnAttrs *a, int i, TrawlNnAttrKind *kind)
{
  const TrawlNnAttr *at;

  g_return_val_if_fail (a != NULL && i >= 0 && i < (int) a->items->len, NULL);
  at = g_ptr_array_index (a->items, i);
  if (kind)
    *kind = at->kind;
  return at->name;
}
