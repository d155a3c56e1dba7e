/* ops.h - the CPU op tables of each ops-*.c file, gathered by ops-table.c,
 * and helpers the kernels share. Private to src/nn/cpu. */
#pragma once

#include "nn/nn-private.h"

/* Each array ends with an entry whose name is NULL. */
extern const TrawlNnOpDef _trawl_nn_ops_elementwise[];
extern const TrawlNnOpDef _trawl_nn_ops_shape[];
extern const TrawlNnOpDef _trawl_nn_ops_conv[];
extern const TrawlNnOpDef _trawl_nn_ops_pool[];
extern const TrawlNnOpDef _trawl_nn_ops_matmul[];
extern const TrawlNnOpDef _trawl_nn_ops_misc[];

/* numpy broadcasting of n tensors' dims into dims/ndim; FALSE with error
 * set when they don't fit. */
gboolean _trawl_nn_bcast_shape (const TrawlNnOpCtx *c, int n, TrawlNnTensor *const *ts,
                                int *ndim, int64_t *dims, GError **error);

/* Copies shape of src into dst (dtype too). */
static inline void
_trawl_nn_same_shape (TrawlNnTensor *dst, const TrawlNnTensor *src)
{
  dst->dtype = src->dtype;
  dst->ndim = src->ndim;
  for (int i = 0; i < TRAWL_NN_MAX_DIMS; i++)
    dst->dims[i] = src->dims[i];
}

/* Normalises a possibly negative axis for rank r; -1 when out of range. */
static inline int
_trawl_nn_axis (int64_t axis, int r)
{
  if (axis < 0)
    axis += r;
  return axis >= 0 && axis < r ? (int) axis : -1;
}

/* Row-major sgemm C = alpha op(A) op(B) + beta C split over the pool's
 * threads by rows of C, or by columns when C is wide; each part is one
 * single-threaded OpenBLAS call, so only one set of threads ever runs. */
void _trawl_nn_sgemm (gboolean ta, gboolean tb, int64_t m, int64_t n, int64_t k, float alpha,
                      const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
                      float *c, int64_t ldc, TrawlNnPool *pool);
