/* nn-kernels.h - C entry points of the inference engine's CUDA kernels
 * (nn-kernels.cu), called by the CUDA backend in src/nn/cuda. All work is
 * queued on the given stream (a cudaStream_t passed as void*) and nothing
 * waits; each returns 0 or the cudaError_t of the launch. Pointers are
 * device pointers; tensors are float32, row-major, at most
 * TRAWL_CUDA_MAX_DIMS dims (the engine's TRAWL_NN_MAX_DIMS). */
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TRAWL_CUDA_MAX_DIMS 6
#define TRAWL_CUDA_MAX_EPI  8

/* Same values as TrawlNnAct in src/nn/nn-private.h (checked there). */
enum {
  TRAWL_CUDA_ACT_NONE, TRAWL_CUDA_ACT_RELU, TRAWL_CUDA_ACT_CLIP, TRAWL_CUDA_ACT_LEAKY_RELU,
  TRAWL_CUDA_ACT_SIGMOID, TRAWL_CUDA_ACT_HARD_SIGMOID, TRAWL_CUDA_ACT_HARD_SWISH,
  TRAWL_CUDA_ACT_MUL, TRAWL_CUDA_ACT_ADD, TRAWL_CUDA_ACT_SWISH,
};

typedef struct {
  int   n;
  int   act[TRAWL_CUDA_MAX_EPI];
  float alpha[TRAWL_CUDA_MAX_EPI], beta[TRAWL_CUDA_MAX_EPI];
} TrawlCudaEpi;

/* y[o, c, i] = epi(x[o, c, i] + bias[c]) over outer x channels x inner
 * elements; bias may be NULL, x may equal y. */
int trawl_cuda_epilogue (const float *x, float *y, int64_t outer, int64_t channels,
                         int64_t inner, const float *bias, const TrawlCudaEpi *epi,
                         void *stream);

enum {
  TRAWL_CUDA_BIN_ADD, TRAWL_CUDA_BIN_SUB, TRAWL_CUDA_BIN_MUL, TRAWL_CUDA_BIN_DIV,
  TRAWL_CUDA_BIN_MAX, TRAWL_CUDA_BIN_MIN, TRAWL_CUDA_BIN_POW,
};

/* Broadcast geometry: the output's dims and, for each operand, its element
 * stride along each output dim (0 where the operand is broadcast). */
typedef struct {
  int     ndim;
  int64_t dims[TRAWL_CUDA_MAX_DIMS];
  int64_t sa[TRAWL_CUDA_MAX_DIMS], sb[TRAWL_CUDA_MAX_DIMS];
} TrawlCudaBcast;

int trawl_cuda_binary (int op, const float *a, const float *b, float *y,
                       const TrawlCudaBcast *g, void *stream);

/* dst[doff + sum i_d ds_d] = src[soff + sum i_d ss_d] for every index i in
 * dims: transposes, slices, concatenation, padding and broadcasting are
 * all this copy with different strides. */
typedef struct {
  int     ndim;
  int64_t dims[TRAWL_CUDA_MAX_DIMS];
  int64_t ss[TRAWL_CUDA_MAX_DIMS], ds[TRAWL_CUDA_MAX_DIMS];
  int64_t soff, doff;
} TrawlCudaCopy;

int trawl_cuda_strided_copy (const float *src, float *dst, const TrawlCudaCopy *g, void *stream);
int trawl_cuda_fill (float *dst, int64_t n, float value, void *stream);

/* Softmax (or log-softmax) along the middle axis of [outer, n, inner]. */
int trawl_cuda_softmax (const float *x, float *y, int64_t outer, int64_t n, int64_t inner,
                        int log_softmax, void *stream);

enum { TRAWL_CUDA_RED_MEAN, TRAWL_CUDA_RED_MAX, TRAWL_CUDA_RED_SUM };

/* y[o, i] = reduce over k of x[o, k, i], x being [outer, n, inner]. */
int trawl_cuda_reduce (const float *x, float *y, int64_t outer, int64_t n, int64_t inner,
                       int mode, void *stream);

/* 2-D max/average pooling, geometry as the CPU's (ops-pool.c): planes of
 * h x w in, oh x ow out; pads top/left/bottom/right. */
typedef struct {
  int64_t planes, h, w, oh, ow;
  int64_t kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
  int     include_pad, is_max;
} TrawlCudaPool;

int trawl_cuda_pool2d (const float *x, float *y, const TrawlCudaPool *g, void *stream);

#ifdef __cplusplus
}
#endif
