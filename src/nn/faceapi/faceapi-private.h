/* faceapi-private.h - internals of the face-api loader shared by its files
 * and its tests: the tfjs weights reader and the three architecture builders.
 *
 * A tfjs weights manifest (*-weights_manifest.json) is a JSON array of
 * groups; each group names its shards ("paths", read in order as one byte
 * stream) and its weights ({name, shape, dtype, quantization?}), stored back
 * to back in that stream. Quantized weights are uint8/uint16 with
 * w = q * scale + min, or float16. We dequantize everything to float32 at
 * load, in tfjs's order of operations so the values are bit-identical.
 */
#pragma once

#include <trawl/nn.h>

G_BEGIN_DECLS

/* One named weight, dequantized. dims are in tfjs order (conv filters are
 * HWIO, depthwise filters H W C 1). */
typedef struct {
  char    *name;                      /* as in the manifest */
  int      ndim;                      /* 0 for a scalar */
  int64_t  dims[TRAWL_NN_MAX_DIMS];   /* tfjs order */
  int64_t  numel;                     /* product of dims (1 for a scalar) */
  float   *data;                      /* numel values, owned */
} TrawlFaceapiWeight;

typedef struct _TrawlFaceapiWeights TrawlFaceapiWeights;

/* Reads a manifest and its shards (found beside it). Returns a new weight
 * set (free with _trawl_faceapi_weights_free) or NULL with error set:
 * TRAWL_NN_ERROR_IO when a file cannot be read, TRAWL_NN_ERROR_FORMAT for
 * malformed JSON, a bad entry, or shards whose total size does not match
 * the weights listed, TRAWL_NN_ERROR_UNSUPPORTED for an unknown dtype. */
TrawlFaceapiWeights *_trawl_faceapi_weights_load (const char *manifest_path,
                                                  GError **error);
/* The same from manifest text already in memory; shard paths are resolved
 * against dir. Same errors as above. */
TrawlFaceapiWeights *_trawl_faceapi_weights_parse (const char *json, gssize len,
                                                   const char *dir, GError **error);
void                 _trawl_faceapi_weights_free (TrawlFaceapiWeights *w);

/* Lookup by name; NULL when absent. The weight belongs to w. */
const TrawlFaceapiWeight *_trawl_faceapi_weights_get (const TrawlFaceapiWeights *w,
                                                      const char *name);
/* Number of weights and access by manifest order (0..n-1). */
guint                     _trawl_faceapi_weights_count (const TrawlFaceapiWeights *w);
const TrawlFaceapiWeight *_trawl_faceapi_weights_nth (const TrawlFaceapiWeights *w,
                                                      guint i);

/* IEEE half -> float (tfjs's float16 quantization). */
float _trawl_faceapi_half_to_float (guint16 h);

/* Architecture builders: each returns a new graph (unref with
 * trawl_nn_graph_unref) or NULL with error set (FORMAT naming the missing or
 * misshapen weight). The graph input is "input", float32 [N,3,S,S] with RGB
 * pixel values 0..255 (S = 512, 112, 150); normalisation is inside. */
TrawlNnGraph *_trawl_faceapi_build_ssd (const TrawlFaceapiWeights *w, GError **error);
TrawlNnGraph *_trawl_faceapi_build_landmarks (const TrawlFaceapiWeights *w, GError **error);
TrawlNnGraph *_trawl_faceapi_build_recognition (const TrawlFaceapiWeights *w, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlFaceapiWeights, _trawl_faceapi_weights_free)

/* ---- graph-building helpers (faceapi-build.c) ----
 * A builder keeps the first error; once set, every helper returns an
 * invalid value at once, so a builder reads as a straight list of layers
 * and checks for failure only at the end. Values carry their NCHW channel
 * count and spatial size, known at build time because each net has one
 * input size: tfjs "SAME" padding becomes explicit pads from them. */
typedef struct {
  TrawlNnGraph              *g;    /* the graph being built (owned) */
  const TrawlFaceapiWeights *w;    /* borrowed */
  GError                    *err;  /* first failure, or NULL */
} TrawlFaBuilder;

typedef struct {
  TrawlNnValueId id;  /* -1 when a step failed */
  int            c;   /* channels */
  int            h;   /* px */
  int            w;   /* px */
} TrawlFaValue;

typedef enum { TRAWL_FA_SAME, TRAWL_FA_VALID } TrawlFaPadding;

/* The weight, checked to have rank ndim (and dims[i] when dims[i] >= 0);
 * NULL with b->err set otherwise. */
const TrawlFaceapiWeight *_trawl_fa_weight (TrawlFaBuilder *b, const char *name,
                                            int ndim, const int64_t *dims);
/* The graph input "input" [N,3,size,size] (N left to plan time). */
TrawlFaValue _trawl_fa_input (TrawlFaBuilder *b, int size);
/* Float constant taking data (g_malloc'd; freed even on failure). */
TrawlNnValueId _trawl_fa_const (TrawlFaBuilder *b, const char *name, int ndim,
                                const int64_t *dims, float *data);
/* Convolution. filt is tfjs HWIO [kh,kw,ci,co] (depthwise: [kh,kw,c,1]
 * with depthwise TRUE). scale (per output channel, may be NULL) multiplies
 * filter and bias, shift (may be NULL) is added to the bias: this folds a
 * following batch norm or scale layer. bias may be NULL. */
TrawlFaValue _trawl_fa_conv (TrawlFaBuilder *b, TrawlFaValue x, const char *name,
                             const TrawlFaceapiWeight *filt, gboolean depthwise,
                             const float *bias, const float *scale,
                             const float *shift, int stride, TrawlFaPadding pad);
/* Elementwise ops keeping x's shape. */
TrawlFaValue _trawl_fa_unary (TrawlFaBuilder *b, const char *op, TrawlFaValue x);
TrawlFaValue _trawl_fa_binary (TrawlFaBuilder *b, const char *op, TrawlFaValue x,
                               TrawlFaValue y);
/* x op scalar (Div, Sub, Mul...). */
TrawlFaValue _trawl_fa_scalar_op (TrawlFaBuilder *b, const char *op, TrawlFaValue x,
                                  float v);
/* x - [r,g,b] per channel. */
TrawlFaValue _trawl_fa_sub_mean (TrawlFaBuilder *b, TrawlFaValue x, const float mean[3]);
TrawlFaValue _trawl_fa_clip (TrawlFaBuilder *b, TrawlFaValue x, float lo, float hi);
/* MaxPool / AveragePool, square kernel, no padding (tfjs "valid"). */
TrawlFaValue _trawl_fa_pool (TrawlFaBuilder *b, const char *op, TrawlFaValue x,
                             int k, int stride);
/* Zero padding at the end of H, W (rows/cols) and C (channels). */
TrawlFaValue _trawl_fa_pad_end (TrawlFaBuilder *b, TrawlFaValue x, int dc, int dh, int dw);
/* [N,C,1,1] -> [N,C], then x @ W (+ bias): W is a [C,K] weight. */
TrawlFaValue _trawl_fa_dense (TrawlFaBuilder *b, TrawlFaValue x, const char *wname,
                              const char *bname);
/* NCHW -> NHWC -> [N, H*W*C/last, last]. */
TrawlNnValueId _trawl_fa_to_rows (TrawlFaBuilder *b, TrawlFaValue x, int last);
/* Any node (attrs taken); -1 when a step failed or an input is invalid. */
TrawlNnValueId _trawl_fa_node (TrawlFaBuilder *b, const char *op, const char *name,
                               int n_in, const TrawlNnValueId *in, TrawlNnAttrs *attrs);
/* Finishes: returns the graph (transfer full) or NULL with error set from
 * b->err; in both cases b is emptied. */
TrawlNnGraph *_trawl_fa_finish (TrawlFaBuilder *b, GError **error);

G_END_DECLS
