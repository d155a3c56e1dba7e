/* cuda-module.c - the door of libtrawl-nn-cuda.so, the CUDA backend as a
 * module the engine loads the first time CUDA is asked for
 * (src/nn/nn-backend.c): its entry point, and the engine core's functions
 * the backend calls, each defined here as a call through the core's table
 * (TrawlNnCore) so the module links no copy of the core.
 *
 * Only in the module: a program that links the backend in (the GPU tests)
 * has the core itself and registers _trawl_nn_cuda_backend instead. */
#include "nn/cuda/cuda-private.h"

#include <gmodule.h>

static const TrawlNnCore *core;

#define X(ret, name, params, args) ret name params { return core->name args; }
#define XV(name, params, args) void name params { core->name args; }
TRAWL_NN_CORE_FUNCS
#undef X
#undef XV

G_MODULE_EXPORT const TrawlNnBackend *
trawl_nn_backend_module_init (const TrawlNnCore *c, GError **error)
{
  /* abi leads the struct in every version: safe to read before trusting
   * the rest (and TRAWL_NN_ERROR is one of the core's functions) */
  if (c == NULL || c->abi != TRAWL_NN_BACKEND_ABI)
    {
      g_set_error (error, g_quark_from_static_string ("trawl-nn-error-quark"),
                   TRAWL_NN_ERROR_BACKEND,
                   "the CUDA backend module is of another trawl (interface %u, this one %u)",
                   c ? c->abi : 0, TRAWL_NN_BACKEND_ABI);
      return NULL;
    }
  core = c;
  return &_trawl_nn_cuda_backend;
}
