/* nn-backend.h - the seam between the engine's core (graph, plan: src/nn)
 * and a backend other than the CPU, in the manner of ggml's backend
 * interface: each backend is one static const table of functions, and
 * the core calls nothing of a backend but through its table.
 *
 * A backend plan is a finished CPU plan (shapes, folding, fusion, liveness,
 * arena offsets) plus the backend's side: it reads the plan through the
 * _trawl_nn_plan_* accessors of nn-private.h, changes nothing in it, and
 * only swaps where the bytes live and which kernels run. Nodes it does not
 * cover it runs with the CPU op (_trawl_nn_plan_run_node_cpu).
 *
 * Where a table comes from (nn-backend.c): a program that links a backend
 * in registers its table (_trawl_nn_backend_register; the emulated GPU
 * tests do); otherwise the backend is a module loaded on first use, so a
 * build with CUDA maps neither the module nor cuDNN/cuBLAS on the CPU
 * path. The module gets the core's functions as a TrawlNnCore table
 * (below) instead of linking the core again. Private to src/nn. */
#pragma once

#include "nn/nn-private.h"

G_BEGIN_DECLS

/* Bumped whenever TrawlNnBackend, TrawlNnCore or the structs they pass
 * change: a module built from other sources is refused. */
#define TRAWL_NN_BACKEND_ABI 1

typedef struct TrawlNnBackendPlan TrawlNnBackendPlan;  /* the backend's own */

typedef struct {
  const char *name;   /* "cuda": for messages */
  guint       abi;    /* TRAWL_NN_BACKEND_ABI */

  /* Required. */
  /* TRUE when the backend can run here (a device, its libraries); FALSE
   * with error (TRAWL_NN_ERROR_BACKEND) saying why. */
  gboolean            (*available) (GError **error);
  /* Sets up the backend side of a finished plan at this arithmetic: NULL
   * with error set on failure. */
  TrawlNnBackendPlan *(*plan_new) (TrawlNnPlan *plan, TrawlNnPrecision precision,
                                   GError **error);
  void                (*plan_free) (TrawlNnBackendPlan *bp);
  /* Runs once the plan's host tensors are resolved, leaving the graph
   * outputs in their host tensors, or with keep_outputs in the backend's
   * memory (value_device). staged: the inputs are in the backend's input
   * buffers already (queued on its stream); when needs_host_inputs says
   * so, the host tensors of the inputs point at buffers of the planned
   * size and the run fills them. */
  gboolean            (*run) (TrawlNnBackendPlan *bp, gboolean staged, gboolean keep_outputs,
                              GError **error);
  /* The backend's buffer of graph input i (planned size), NULL when out
   * of range. */
  void               *(*input_buffer) (TrawlNnBackendPlan *bp, int i);
  gboolean            (*needs_host_inputs) (const TrawlNnBackendPlan *bp);
  /* The backend's memory of value id after a run, NULL when it keeps
   * that value on the host only. */
  void               *(*value_device) (const TrawlNnBackendPlan *bp, int id);

  /* Optional (NULL: the backend has none). */
  /* The queue its work goes on (a cudaStream_t), for callers that stage
   * inputs on it. */
  void               *(*stream) (const TrawlNnBackendPlan *bp);
  /* Milliseconds of device time over every run, summed. */
  double              (*device_ms) (const TrawlNnBackendPlan *bp);
  /* Which live nodes of a fresh plan the backend would leave to the CPU
   * at this precision, as "OpType node-name" (g_strfreev; empty when it
   * takes all). Asks no device. NULL with error set on a failure of the
   * check itself. */
  char              **(*plan_check) (TrawlNnPlan *plan, TrawlNnPrecision precision,
                                     GError **error);
} TrawlNnBackend;

/* The core functions a backend module calls, as (return type, name,
 * parameters, arguments); XV for those returning void. The module defines
 * each of them as a call through the TrawlNnCore it was given. */
#define TRAWL_NN_CORE_FUNCS \
  X (GQuark, trawl_error_quark, (void), ()) \
  X (GQuark, trawl_nn_error_quark, (void), ()) \
  X (int64_t, trawl_nn_tensor_numel, (const TrawlNnTensor *t), (t)) \
  X (gsize, _trawl_nn_dtype_size, (TrawlNnDType dt), (dt)) \
  X (gboolean, trawl_nn_attrs_has, (const TrawlNnAttrs *a, const char *name), (a, name)) \
  X (int64_t, trawl_nn_attrs_get_int, (const TrawlNnAttrs *a, const char *name, int64_t dflt), (a, name, dflt)) \
  X (float, trawl_nn_attrs_get_float, (const TrawlNnAttrs *a, const char *name, float dflt), (a, name, dflt)) \
  X (int, trawl_nn_attrs_get_ints, (const TrawlNnAttrs *a, const char *name, const int64_t **v), (a, name, v)) \
  X (int, trawl_nn_attrs_get_floats, (const TrawlNnAttrs *a, const char *name, const float **v), (a, name, v)) \
  X (const char *, trawl_nn_attrs_get_string, (const TrawlNnAttrs *a, const char *name, const char *dflt), (a, name, dflt)) \
  X (TrawlNnValueId, trawl_nn_graph_find_value, (const TrawlNnGraph *g, const char *name), (g, name)) \
  X (int, trawl_nn_graph_n_inputs, (const TrawlNnGraph *g), (g)) \
  X (int, trawl_nn_graph_n_outputs, (const TrawlNnGraph *g), (g)) \
  X (const char *, trawl_nn_graph_input_name, (const TrawlNnGraph *g, int i), (g, i)) \
  X (const char *, trawl_nn_graph_output_name, (const TrawlNnGraph *g, int i), (g, i)) \
  X (gsize, trawl_nn_plan_arena_bytes, (const TrawlNnPlan *plan), (plan)) \
  X (int, _trawl_nn_plan_n_values, (const TrawlNnPlan *plan), (plan)) \
  X (int, _trawl_nn_plan_n_live_nodes, (const TrawlNnPlan *plan), (plan)) \
  X (TrawlNnGraph *, _trawl_nn_plan_graph, (const TrawlNnPlan *plan), (plan)) \
  XV (_trawl_nn_plan_value_info, (TrawlNnPlan *plan, int id, TrawlNnValInfo *info), (plan, id, info)) \
  XV (_trawl_nn_plan_node_info, (const TrawlNnPlan *plan, int r, TrawlNnNodeInfo *info), (plan, r, info)) \
  X (gboolean, _trawl_nn_plan_run_node_cpu, (TrawlNnPlan *plan, int r, GError **error), (plan, r, error))

typedef struct {
  guint abi;   /* TRAWL_NN_BACKEND_ABI */
#define X(ret, name, params, args) ret (*name) params;
#define XV(name, params, args) void (*name) params;
  TRAWL_NN_CORE_FUNCS
#undef X
#undef XV
} TrawlNnCore;

/* What a backend module exports: given the core's table, its own table,
 * or NULL with error set (an ABI other than its own). */
#define TRAWL_NN_BACKEND_ENTRY "trawl_nn_backend_module_init"
typedef const TrawlNnBackend *(*TrawlNnBackendEntry) (const TrawlNnCore *core, GError **error);

/* The table of a backend other than the CPU, loading its module on first
 * use; NULL with error (TRAWL_NN_ERROR_BACKEND) when this build or this
 * machine has none. Asks no device: see ->available. */
const TrawlNnBackend *_trawl_nn_backend_get (TrawlNnBackendKind kind, GError **error);
/* Makes be the table of kind, for a program that links the backend in;
 * the module is then never loaded. */
void                  _trawl_nn_backend_register (TrawlNnBackendKind kind,
                                                  const TrawlNnBackend *be);
/* The backend's coverage check of a fresh plan (->plan_check); NULL with
 * error set when the backend or its check is missing. */
char                **_trawl_nn_backend_plan_check (TrawlNnBackendKind kind, TrawlNnPlan *plan,
                                                    TrawlNnPrecision precision, GError **error);

G_END_DECLS
