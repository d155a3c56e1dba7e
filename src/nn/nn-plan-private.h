/* nn-plan-private.h - the plan's storage, shared by the planner
 * (nn-plan.c) and the fusion pass (nn-fuse.c). Other backends see a plan
 * only through the accessors of nn-private.h. Private to src/nn. */
#pragma once

#include "nn/nn-backend.h"

G_BEGIN_DECLS

typedef enum { PV_UNUSED, PV_CONST, PV_INPUT, PV_ARENA } PvKind;

typedef struct {
  TrawlNnTensor t;        /* dims, dtype; data resolved before each run */
  PvKind        kind;
  gboolean      owned;    /* t.data belongs to the plan (folded constants) */
  gboolean      is_output;
  gboolean      is_view;  /* shares its input's bytes (Reshape...) */
  int           root;     /* value whose storage this one uses (views, in place) */
  gsize         bytes;
  gsize         offset;   /* into the arena, meaningful for roots */
  int           first;    /* run index of the producer */
  int           last;     /* run index of the last consumer */
  int           uses;     /* consumers among live nodes, plus graph outputs */
} PlanValue;

typedef struct {
  const TrawlNnNode  *gn;
  const TrawlNnOpDef *op;
  int                 n_in, n_out;
  int                *in, *out;   /* owned copies; fusions rewrite them */
  TrawlNnEpi          epi[TRAWL_NN_MAX_EPI];  /* fused elementwise tail */
  int                 n_epi;
  void               *state;
  gsize               ws_bytes;
  gboolean            dead;       /* folded or fused away */
} PlanNode;

struct TrawlNnPlan {
  TrawlNnGraph *g;
  int           n_threads;
  guint         flags;
  GArray       *values;     /* of PlanValue; graph ids first, then the plan's own */
  PlanNode     *nodes;
  int           n_nodes;
  int          *order;      /* live node indices in run order */
  int           n_live;
  guint8       *arena;
  gsize         arena_bytes, naive_bytes;
  void         *scratch;
  gsize         scratch_bytes;
  TrawlNnPool  *pool;       /* n_threads - 1 workers */
  gint64       *prof_us;    /* per node run time, when TRAWL_NN_PROFILE is set */
  int           prof_runs;
  const TrawlNnBackend *be; /* NULL: the CPU runs the nodes here */
  TrawlNnBackendPlan   *bp; /* be's side of the plan */
  TrawlNnPrecision precision; /* the backend's arithmetic (the CPU is always FP32) */
  void        **staged;     /* per graph input: the plan's own host buffer for
                               staged runs (NULL until first needed), owned */
};

#define PV(p, id) (&g_array_index ((p)->values, PlanValue, (id)))

/* Appends a constant value the plan owns (data taken); returns its id. */
int  _trawl_nn_plan_add_const (TrawlNnPlan *p, TrawlNnDType dt, int ndim, const int64_t *dims,
                               void *data);
/* Step 2 of planning (nn-fuse.c): BatchNormalization and affine Mul/Add
 * folded into the Conv before them, activations (HardSwish patterns
 * too) made the Conv's epilogue. Marks the absorbed nodes dead. */
void _trawl_nn_plan_fuse (TrawlNnPlan *p);

G_END_DECLS
