/* trawl/nn.h - the inference engine: graph IR, plans, backends.
 *
 * A graph is a list of nodes over values (tensors). Node semantics are the
 * ONNX operators' (op_type strings such as "Conv", "Clip", "Resize"), so one
 * definition serves both the ONNX loader and the face-api builders, and the
 * ONNX spec is the reference for every op. Layout is NCHW, float32; int64
 * values exist for shape arithmetic and are folded away at plan time.
 *
 * Life cycle:
 *   graph  = trawl_nn_graph_new()           build: inputs, constants, nodes
 *   plan   = trawl_nn_plan_new(graph, ...)  shapes resolved for one input
 *                                           size, constants folded, fusions,
 *                                           memory planned, backend chosen
 *   trawl_nn_plan_run(plan, ...)            many times, same input shapes
 *
 * Ownership: a plan keeps a reference to its graph (graphs are refcounted);
 * tensors returned by the API belong to the plan and stay valid until the
 * next run or the plan's free. Every _free/_unref accepts NULL.
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <stdio.h>

G_BEGIN_DECLS

#define TRAWL_NN_ERROR (trawl_nn_error_quark ())
GQuark trawl_nn_error_quark (void);

typedef enum {
  TRAWL_NN_ERROR_IO,          /* a file could not be read */
  TRAWL_NN_ERROR_FORMAT,      /* malformed model file or manifest */
  TRAWL_NN_ERROR_UNSUPPORTED, /* op, attribute or dtype the engine lacks */
  TRAWL_NN_ERROR_SHAPE,       /* shapes do not fit together */
  TRAWL_NN_ERROR_BACKEND,     /* backend unavailable or failed */
} TrawlNnError;

typedef enum {
  TRAWL_NN_F32 = 1,  /* ONNX TensorProto.FLOAT */
  TRAWL_NN_I64 = 7,  /* ONNX TensorProto.INT64: shapes, indices */
} TrawlNnDType;

#define TRAWL_NN_MAX_DIMS 6

/* A dense row-major tensor. data is owned by whoever says so (see each
 * function); ndim 0 is a scalar with one element. */
typedef struct {
  TrawlNnDType dtype;
  int          ndim;
  int64_t      dims[TRAWL_NN_MAX_DIMS];
  void        *data;
} TrawlNnTensor;

int64_t trawl_nn_tensor_numel (const TrawlNnTensor *t);

/* ---- attributes (ONNX AttributeProto, the kinds we need) ---- */

typedef enum {
  TRAWL_NN_ATTR_INT,
  TRAWL_NN_ATTR_FLOAT,
  TRAWL_NN_ATTR_INTS,
  TRAWL_NN_ATTR_FLOATS,
  TRAWL_NN_ATTR_STRING,
  TRAWL_NN_ATTR_TENSOR,
} TrawlNnAttrKind;

typedef struct TrawlNnAttrs TrawlNnAttrs;  /* a small name -> value map */

TrawlNnAttrs *trawl_nn_attrs_new (void);
void          trawl_nn_attrs_free (TrawlNnAttrs *attrs);
void          trawl_nn_attrs_set_int (TrawlNnAttrs *a, const char *name, int64_t v);
void          trawl_nn_attrs_set_float (TrawlNnAttrs *a, const char *name, float v);
void          trawl_nn_attrs_set_ints (TrawlNnAttrs *a, const char *name, const int64_t *v, int n);
void          trawl_nn_attrs_set_floats (TrawlNnAttrs *a, const char *name, const float *v, int n);
void          trawl_nn_attrs_set_string (TrawlNnAttrs *a, const char *name, const char *v);
/* The tensor (and its data) is copied. */
void          trawl_nn_attrs_set_tensor (TrawlNnAttrs *a, const char *name, const TrawlNnTensor *t);

gboolean      trawl_nn_attrs_has (const TrawlNnAttrs *a, const char *name);
int64_t       trawl_nn_attrs_get_int (const TrawlNnAttrs *a, const char *name, int64_t dflt);
float         trawl_nn_attrs_get_float (const TrawlNnAttrs *a, const char *name, float dflt);
/* Returns the number of elements (0 when absent); *v points into attrs. */
int           trawl_nn_attrs_get_ints (const TrawlNnAttrs *a, const char *name, const int64_t **v);
int           trawl_nn_attrs_get_floats (const TrawlNnAttrs *a, const char *name, const float **v);
const char   *trawl_nn_attrs_get_string (const TrawlNnAttrs *a, const char *name, const char *dflt);
const TrawlNnTensor *trawl_nn_attrs_get_tensor (const TrawlNnAttrs *a, const char *name);
/* Iteration for printing and copying: index 0..n-1. */
int           trawl_nn_attrs_count (const TrawlNnAttrs *a);
const char   *trawl_nn_attrs_name (const TrawlNnAttrs *a, int i, TrawlNnAttrKind *kind);

/* ---- graph ---- */

typedef struct TrawlNnGraph TrawlNnGraph;

/* Values are referred to by small integer ids, -1 meaning "absent optional
 * input" as an empty name does in ONNX. */
typedef int TrawlNnValueId;

TrawlNnGraph   *trawl_nn_graph_new (const char *name);
TrawlNnGraph   *trawl_nn_graph_ref (TrawlNnGraph *g);
void            trawl_nn_graph_unref (TrawlNnGraph *g);

/* A graph input. dims may hold -1 for sizes fixed only at plan time. */
TrawlNnValueId  trawl_nn_graph_add_input (TrawlNnGraph *g, const char *name,
                                          TrawlNnDType dtype, int ndim,
                                          const int64_t *dims);
/* A constant (weights, shape vectors). The data is copied when take is
 * FALSE; with take TRUE the graph takes ownership of data (g_free'd). */
TrawlNnValueId  trawl_nn_graph_add_constant (TrawlNnGraph *g, const char *name,
                                             TrawlNnDType dtype, int ndim,
                                             const int64_t *dims, void *data,
                                             gboolean take);
/* A node. op_type is an ONNX operator name; attrs is taken (may be NULL).
 * Output values are created by the call and written to outputs[0..n_out-1]
 * with the given names (names may be NULL: then generated).
 * Returns the node index, or -1 with error set for an unknown op. */
int             trawl_nn_graph_add_node (TrawlNnGraph *g, const char *op_type,
                                         const char *node_name,
                                         int n_in, const TrawlNnValueId *inputs,
                                         int n_out, const char *const *out_names,
                                         TrawlNnValueId *outputs,
                                         TrawlNnAttrs *attrs, GError **error);
/* Convenience for the common single-output case; returns the output id or
 * -1 with error set. */
TrawlNnValueId  trawl_nn_graph_op (TrawlNnGraph *g, const char *op_type,
                                   const char *node_name, int n_in,
                                   const TrawlNnValueId *inputs,
                                   TrawlNnAttrs *attrs, GError **error);
void            trawl_nn_graph_mark_output (TrawlNnGraph *g, TrawlNnValueId v);

TrawlNnValueId  trawl_nn_graph_find_value (const TrawlNnGraph *g, const char *name);
int             trawl_nn_graph_n_nodes (const TrawlNnGraph *g);
int             trawl_nn_graph_n_inputs (const TrawlNnGraph *g);
int             trawl_nn_graph_n_outputs (const TrawlNnGraph *g);
const char     *trawl_nn_graph_input_name (const TrawlNnGraph *g, int i);
const char     *trawl_nn_graph_output_name (const TrawlNnGraph *g, int i);
/* Declared dtype and dims of graph input i (-1 for dims fixed only at plan
 * time); info->data is set to NULL. FALSE when i is out of range. */
gboolean        trawl_nn_graph_input_info (const TrawlNnGraph *g, int i,
                                           TrawlNnTensor *info);
/* Total bytes of constant data (weights). */
gsize           trawl_nn_graph_weight_bytes (const TrawlNnGraph *g);
/* Prints a one-line-per-node summary (op counts, inputs, outputs). */
void            trawl_nn_graph_print_summary (const TrawlNnGraph *g, FILE *out);

/* ---- plans and backends ---- */

typedef enum {
  TRAWL_NN_BACKEND_CPU,
  TRAWL_NN_BACKEND_CUDA,
} TrawlNnBackendKind;

/* Arithmetic of the CUDA backend's convolutions and matrix products
 * (activations stay float32 in memory). FP32 is exact enough to match the
 * CPU backend; TF32 and FP16 use Tensor Cores. The CPU backend is always
 * FP32. */
typedef enum {
  TRAWL_NN_PRECISION_FP32 = 0,
  TRAWL_NN_PRECISION_TF32,
  TRAWL_NN_PRECISION_FP16,
} TrawlNnPrecision;

/* "fp32", "tf32", "fp16" (static strings). */
const char *trawl_nn_precision_name (TrawlNnPrecision precision);
/* The reverse, ignoring case; FALSE (and *precision untouched) for any
 * other name. */
gboolean    trawl_nn_precision_from_name (const char *name, TrawlNnPrecision *precision);

typedef struct {
  TrawlNnBackendKind backend;
  int                n_threads;  /* 0: one per core */
  TrawlNnPrecision   precision;  /* CUDA only; 0 = FP32 */
} TrawlNnPlanOptions;

typedef struct TrawlNnPlan TrawlNnPlan;

/* Resolves shapes for the given input tensors' dims (data ignored), folds
 * constant subgraphs, fuses (Conv+BatchNorm, Conv+activation), plans
 * intermediate memory. n_inputs must equal the graph's input count, in
 * graph input order. Returns NULL with error set on any failure. */
TrawlNnPlan    *trawl_nn_plan_new (TrawlNnGraph *g,
                                   const TrawlNnTensor *input_shapes,
                                   int n_inputs,
                                   const TrawlNnPlanOptions *opts,
                                   GError **error);
void            trawl_nn_plan_free (TrawlNnPlan *plan);

/* Runs the plan. inputs' dims must equal those the plan was made for.
 * On success outputs[i] describe the graph outputs; their data belongs to
 * the plan and is valid until the next run or free. */
gboolean        trawl_nn_plan_run (TrawlNnPlan *plan,
                                   const TrawlNnTensor *inputs, int n_inputs,
                                   TrawlNnTensor *outputs, int n_outputs,
                                   GError **error);

/* Staged runs: the caller writes input i straight into the plan's own
 * buffer (host memory for the CPU backend, device memory for CUDA, of the
 * planned shape, float32) and then runs without passing inputs. On CUDA a
 * kernel that fills the buffer must be queued on trawl_nn_plan_stream so
 * the run sees its result; this is how frames go from the decoder to the
 * networks without leaving the GPU. The buffer lives as long as the plan;
 * NULL when i is out of range. */
void           *trawl_nn_plan_input_buffer (TrawlNnPlan *plan, int i);
/* TRUE when the plan runs on the GPU (its input buffers are device memory). */
gboolean        trawl_nn_plan_on_device (const TrawlNnPlan *plan);
/* The plan's cudaStream_t, NULL for a CPU plan. */
void           *trawl_nn_plan_stream (const TrawlNnPlan *plan);
/* Runs on what the input buffers hold. Outputs as for trawl_nn_plan_run
 * (host memory, valid until the next run). */
gboolean        trawl_nn_plan_run_staged (TrawlNnPlan *plan, TrawlNnTensor *outputs,
                                          int n_outputs, GError **error);
/* trawl_nn_plan_run_staged without bringing the outputs back: on CUDA,
 * outputs[i].data is the plan's device memory (valid until its next run;
 * the run has finished when this returns), for a kernel of the caller's to
 * reduce before anything is downloaded; a CPU plan gives host memory, as
 * trawl_nn_plan_run_staged (trawl_nn_plan_on_device says which). */
gboolean        trawl_nn_plan_run_staged_device (TrawlNnPlan *plan, TrawlNnTensor *outputs,
                                                 int n_outputs, GError **error);
/* Milliseconds the plan's runs spent on the GPU (CUDA events around each
 * run, summed since the plan was made); 0 for a CPU plan. */
double          trawl_nn_plan_device_ms (const TrawlNnPlan *plan);

/* Bytes of the intermediate-activation arena after reuse, and before
 * (what one buffer per value would take): shows the planner's effect. */
gsize           trawl_nn_plan_arena_bytes (const TrawlNnPlan *plan);
gsize           trawl_nn_plan_naive_bytes (const TrawlNnPlan *plan);

/* Prints the planned nodes (after folding and fusion) with their shapes,
 * then the arena size: one line per node. */
void            trawl_nn_plan_print_summary (const TrawlNnPlan *plan, FILE *out);

gboolean        trawl_nn_backend_available (TrawlNnBackendKind kind, GError **error);

/* ---- loaders ---- */

/* An ONNX model file (protobuf; weights as initializers or Constant nodes,
 * opsets 9-13). NULL with error set naming the node/op/attribute at fault. */
TrawlNnGraph   *trawl_nn_load_onnx (const char *path, GError **error);
/* A @vladmandic/face-api tfjs weights manifest (*-weights_manifest.json, its
 * shards beside it); the architecture (SSD MobileNetV1, 68-point landmarks,
 * recognition ResNet) is chosen from the manifest's file name and built in C. */
TrawlNnGraph   *trawl_nn_load_faceapi (const char *manifest_path, GError **error);
/* Either of the above, by file name. */
TrawlNnGraph   *trawl_nn_load (const char *path, GError **error);

G_END_DECLS
