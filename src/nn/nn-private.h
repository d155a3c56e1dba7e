/* nn-private.h - internals of the inference engine shared by its files:
 * the graph's storage, the attribute map, the op table every backend
 * implements, and the plan's hooks for tests.
 *
 * The public contract is include/trawl/nn.h; nothing here is API.
 */
#pragma once

#include <trawl/nn.h>

G_BEGIN_DECLS

/* ---- attributes ---- */

typedef struct {
  char           *name;
  TrawlNnAttrKind kind;
  int64_t         i;        /* INT */
  float           f;        /* FLOAT */
  int             n;        /* element count of ints/floats */
  int64_t        *ints;     /* INTS, owned */
  float          *floats;   /* FLOATS, owned */
  char           *s;        /* STRING, owned */
  TrawlNnTensor   t;        /* TENSOR, t.data owned */
} TrawlNnAttr;

struct TrawlNnAttrs {
  GPtrArray *items;         /* of TrawlNnAttr*, owned */
};

/* ---- graph storage ---- */

typedef struct {
  char         *name;       /* owned, unique in the graph */
  TrawlNnDType  dtype;
  int           ndim;
  int64_t       dims[TRAWL_NN_MAX_DIMS];  /* -1: unknown until planned */
  void         *data;       /* constant data (owned) or NULL */
  int           producer;   /* node index, -1 for inputs and constants */
  gboolean      is_input;
} TrawlNnValue;

typedef struct TrawlNnOpDef TrawlNnOpDef;

typedef struct {
  char               *op_type;  /* owned */
  char               *name;     /* owned */
  const TrawlNnOpDef *op;       /* resolved at add time */
  int                 n_in;
  int                *in;       /* owned; -1 = absent optional input */
  int                 n_out;
  int                *out;      /* owned */
  TrawlNnAttrs       *attrs;    /* owned, never NULL */
} TrawlNnNode;

struct TrawlNnGraph {
  gatomicrefcount ref;
  char       *name;
  GArray     *values;   /* of TrawlNnValue */
  GArray     *nodes;    /* of TrawlNnNode, in topological order by construction */
  GArray     *inputs;   /* of int value ids */
  GArray     *outputs;  /* of int value ids */
  GHashTable *by_name;  /* name (borrowed from the value) -> id + 1 */
};

/* ---- the op table ----
 *
 * One entry per ONNX operator. infer() fixes output dtypes and dims from
 * the inputs' (an input's data is non-NULL at plan time only when it is a
 * constant); prepare() (optional) precomputes per-node state such as
 * repacked weights; run() computes. A CUDA backend provides the same
 * shape of table; the plan code never looks inside an op. */

typedef enum {
  TRAWL_NN_ACT_NONE,
  TRAWL_NN_ACT_RELU,
  TRAWL_NN_ACT_CLIP,         /* alpha = min, beta = max */
  TRAWL_NN_ACT_LEAKY_RELU,   /* alpha */
  TRAWL_NN_ACT_SIGMOID,
  TRAWL_NN_ACT_HARD_SIGMOID, /* alpha, beta */
  TRAWL_NN_ACT_HARD_SWISH,   /* x * hard_sigmoid(x; alpha, beta) */
  TRAWL_NN_ACT_MUL,          /* x * alpha (a folded scalar Mul/Div) */
  TRAWL_NN_ACT_ADD,          /* x + alpha (a folded scalar Add/Sub) */
  TRAWL_NN_ACT_SWISH,        /* x * sigmoid(alpha x) */
} TrawlNnAct;

/* One step of a fused elementwise epilogue. */
typedef struct {
  TrawlNnAct act;
  float      alpha, beta;
} TrawlNnEpi;

#define TRAWL_NN_MAX_EPI 8

/* Worker threads (nn-pool.c). */
typedef struct TrawlNnPool TrawlNnPool;
/* Runs items [begin, end); tid in [0, threads) is unique among the
 * threads running at the same time (for per-thread scratch). */
typedef void (*TrawlNnTaskFunc) (void *arg, int64_t begin, int64_t end, int tid);

/* n_threads includes the caller; 1 makes no thread. Free with _free. */
TrawlNnPool *_trawl_nn_pool_new (int n_threads);
void         _trawl_nn_pool_free (TrawlNnPool *pool);
int          _trawl_nn_pool_threads (const TrawlNnPool *pool);
/* Runs fn over [0, n) in chunks of at least min_chunk items, on the
 * calling thread and the pool's workers; returns when all are done. A NULL
 * pool runs everything on the caller. */
void         _trawl_nn_parallel (TrawlNnPool *pool, int64_t n, int64_t min_chunk,
                                 TrawlNnTaskFunc fn, void *arg);

typedef struct {
  int                  n_in;
  int                  n_out;
  TrawlNnTensor      **in;      /* NULL entries for absent optional inputs */
  TrawlNnTensor      **out;
  const TrawlNnAttrs  *attrs;
  const char          *node_name;
  const char          *op_type;
  void                *state;    /* set by prepare(), freed by free_state() */
  int                  n_threads;
  TrawlNnPool         *pool;     /* NULL: run on the caller only */
  const TrawlNnEpi    *epi;      /* fused epilogue (ops with FUSE_ACT), in order */
  int                  n_epi;
  void                *scratch;  /* per-run workspace of ws_bytes */
  gsize                ws_bytes; /* set by infer()/prepare(): scratch needed */
} TrawlNnOpCtx;

enum {
  TRAWL_NN_OP_INPLACE  = 1 << 0,  /* out[0] may reuse in[0]'s (or in[1]'s) buffer */
  TRAWL_NN_OP_VIEW     = 1 << 1,  /* out[0] is in[0]'s data reinterpreted */
  TRAWL_NN_OP_FUSE_ACT = 1 << 2,  /* accepts a fused activation epilogue */
  TRAWL_NN_OP_SHAPE_ONLY = 1 << 3, /* output depends on input shapes only (Shape):
                                      always folded at plan time */
};

struct TrawlNnOpDef {
  const char *name;
  int         min_in, max_in;
  int         min_out, max_out;
  guint       flags;
  gboolean  (*infer) (TrawlNnOpCtx *c, GError **error);
  gboolean  (*prepare) (TrawlNnOpCtx *c, GError **error);  /* optional */
  void      (*free_state) (void *state);                   /* optional */
  gboolean  (*run) (TrawlNnOpCtx *c, GError **error);      /* views copy only when
                                                              not aliased */
};

/* The CPU op table; NULL for an unknown op. */
const TrawlNnOpDef *_trawl_nn_cpu_find_op (const char *op_type);

/* ---- helpers shared by the op files ---- */

/* Hot loops are built for AVX-512, AVX2+FMA and baseline x86-64, picked at
 * load time (the build itself targets baseline x86-64), with a*b+c
 * contracted to FMA (-std=c11 turns contraction off). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TRAWL_NN_HOT __attribute__ ((target_clones ("arch=x86-64-v4", "arch=x86-64-v3", "default"), \
                                     optimize ("fp-contract=fast")))
#else
#define TRAWL_NN_HOT
#endif

gsize    _trawl_nn_dtype_size (TrawlNnDType dt);
gboolean _trawl_nn_fail (GError **error, int code, const TrawlNnOpCtx *c,
                         const char *fmt, ...) G_GNUC_PRINTF (4, 5);
/* Reads a constant integer vector input (I64, or F32 rounded) into v (at
 * most max), returning the count or -1 with error set when not constant. */
int      _trawl_nn_const_ints (const TrawlNnOpCtx *c, int input, int64_t *v,
                               int max, GError **error);
void     _trawl_nn_apply_act (float *x, gsize n, TrawlNnAct act, float a, float b);
/* Applies epi[0..n_epi-1] in order to x[0..n-1], adding bias first. */
void     _trawl_nn_apply_epi (float *x, gsize n, float bias, const TrawlNnEpi *epi, int n_epi);
char    *_trawl_nn_dims_str (int ndim, const int64_t *dims);

/* exp(x) within ~2 ulp, inline and branch-free so loops using it vectorise
 * (libm's expf is a call per element). Inputs are clamped to
 * [-87.3, 88.3] (so 2^n stays a normal float): results below ~1e-38 come
 * out as ~1e-38, not 0, above ~2e38 as ~2e38. Cephes'
 * polynomial on the reduced argument. */
static inline float
_trawl_nn_expf (float x)
{
  union { float f; int32_t i; } t, e;
  float n, r, p;

  x = x < -87.3f ? -87.3f : x > 88.3f ? 88.3f : x;
  t.f = x * 1.44269504089f + 12582912.0f;   /* round(x / ln2) in the low bits */
  n = t.f - 12582912.0f;
  r = x - n * 0.693359375f + n * 2.12194440e-4f;
  p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  e.i = (t.i - 0x4B400000 + 127) << 23;
  return p * e.f;
}
/* Number of threads for n_threads == 0. */
int      _trawl_nn_default_threads (void);

/* ---- plan hooks for tests and debugging ---- */

enum {
  TRAWL_NN_PLAN_NO_REUSE   = 1 << 0,  /* one arena slot per value */
  TRAWL_NN_PLAN_NO_FUSE    = 1 << 1,  /* no Conv+BN / Conv+act fusion */
  TRAWL_NN_PLAN_NO_INPLACE = 1 << 2,
};

/* trawl_nn_plan_new with debug flags (the env var TRAWL_NN_PLAN_FLAGS, an
 * integer, sets them for the public call too). */
TrawlNnPlan *_trawl_nn_plan_new_flags (TrawlNnGraph *g,
                                       const TrawlNnTensor *input_shapes,
                                       int n_inputs,
                                       const TrawlNnPlanOptions *opts,
                                       guint flags, GError **error);
/* ---- a plan seen by another backend (nn-backend.h, src/nn/cuda) ----
 *
 * A backend other than the CPU reuses everything the CPU planner decided
 * (shapes, folding, fusion, liveness, arena offsets) and only swaps where
 * the bytes live and which kernels run. It reads the plan through these
 * calls; nothing here changes the plan. */

typedef enum {
  TRAWL_NN_VAL_UNUSED,
  TRAWL_NN_VAL_CONST,   /* weights and folded constants: host data valid */
  TRAWL_NN_VAL_INPUT,   /* a graph input: host data is the caller's */
  TRAWL_NN_VAL_ARENA,   /* an intermediate at arena offset (of its root) */
} TrawlNnValKind;

typedef struct {
  TrawlNnTensor  *t;         /* the plan's tensor: dims, dtype, host data */
  TrawlNnValKind  kind;
  int             root;      /* value whose storage this one uses */
  TrawlNnValKind  root_kind;
  gsize           offset;    /* arena offset of the root (root_kind ARENA) */
  gboolean        is_output;
} TrawlNnValInfo;

typedef struct {
  const char         *op_type;
  const char         *name;
  const TrawlNnAttrs *attrs;
  const TrawlNnOpDef *op;      /* the CPU op */
  int                 n_in, n_out;
  const int          *in, *out;  /* value ids; -1 = absent input */
  const TrawlNnEpi   *epi;
  int                 n_epi;
} TrawlNnNodeInfo;

int          _trawl_nn_plan_n_values (const TrawlNnPlan *plan);
void         _trawl_nn_plan_value_info (TrawlNnPlan *plan, int id, TrawlNnValInfo *info);
/* r-th live node in run order, r in [0, _trawl_nn_plan_n_live_nodes). */
void         _trawl_nn_plan_node_info (const TrawlNnPlan *plan, int r, TrawlNnNodeInfo *info);
/* Runs live node r with the CPU op on the host copies of its tensors
 * (host arena, caller's inputs, host constants). */
gboolean     _trawl_nn_plan_run_node_cpu (TrawlNnPlan *plan, int r, GError **error);
TrawlNnGraph *_trawl_nn_plan_graph (const TrawlNnPlan *plan);
/* Live node count after folding and fusion. */
int          _trawl_nn_plan_n_live_nodes (const TrawlNnPlan *plan);

G_END_DECLS
