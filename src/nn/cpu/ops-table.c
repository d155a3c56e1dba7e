/* ops-table.c - the CPU backend's op table: name -> kernels, gathered from
 * the ops-*.c files. The graph resolves op_type strings here at add time. */
#include "ops.h"

#include <string.h>

static const TrawlNnOpDef *const tables[] = {
  _trawl_nn_ops_elementwise, _trawl_nn_ops_shape, _trawl_nn_ops_conv,
  _trawl_nn_ops_pool, _trawl_nn_ops_matmul, _trawl_nn_ops_misc,
};

const TrawlNnOpDef *
_trawl_nn_cpu_find_op (const char *op_type)
{
  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    for (const TrawlNnOpDef *d = tables[t]; d->name; d++)
      if (strcmp (d->name, op_type) == 0)
        return d;
  return NULL;
}
