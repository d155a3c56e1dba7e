/* nn-backend.c - finds the table of a backend other than the CPU
 * (nn-backend.h): one a program registered, or the backend's module,
 * loaded the first time something asks for that backend.
 *
 * Why a module: the CUDA backend needs cuDNN, cuBLAS and its kernels;
 * kept out of the binaries, a build with CUDA costs nothing on the CPU
 * path (no extra mappings, no extra memory) and a machine without the
 * CUDA libraries still runs the CPU path.
 *
 * Where the CUDA module (libtrawl-nn-cuda.so) is looked for, first found
 * wins: $TRAWL_NN_CUDA_MODULE (a file), beside the running program, in
 * <program>/../lib/trawl, then the build folder it was built in
 * (TRAWL_NN_MODULE_DIR, so tests and the uninstalled CLI find it). A
 * build without CUDA builds no module, so none is found. */
#include "trawl-config.h"
#include "nn/nn-backend.h"
#include "trawl/base.h"

#include <gmodule.h>

#define CUDA_MODULE "libtrawl-nn-cuda.so"

static const TrawlNnBackend *registered[TRAWL_NN_BACKEND_CUDA + 1];
static GMutex lock;

void
_trawl_nn_backend_register (TrawlNnBackendKind kind, const TrawlNnBackend *be)
{
  g_return_if_fail (kind > TRAWL_NN_BACKEND_CPU && kind <= TRAWL_NN_BACKEND_CUDA);
  g_mutex_lock (&lock);
  registered[kind] = be;
  g_mutex_unlock (&lock);
}

static const TrawlNnCore core = {
  TRAWL_NN_BACKEND_ABI,
#define X(ret, name, params, args) name,
#define XV(name, params, args) name,
  TRAWL_NN_CORE_FUNCS
#undef X
#undef XV
};

/* The first candidate path of the module that exists, or NULL. */
static char *
find_module (void)
{
  const char *env = g_getenv ("TRAWL_NN_CUDA_MODULE");
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = exe ? g_path_get_dirname (exe) : NULL;
  char *paths[4] = { 0 };
  char *found = NULL;

  if (env && *env)
    return g_strdup (env);   /* a missing file is then the error to report */
  if (dir)
    {
      paths[0] = g_build_filename (dir, CUDA_MODULE, NULL);
      paths[1] = g_build_filename (dir, "..", "lib", "trawl", CUDA_MODULE, NULL);
    }
  paths[2] = g_build_filename (TRAWL_NN_MODULE_DIR, CUDA_MODULE, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      if (found == NULL && paths[i] && g_file_test (paths[i], G_FILE_TEST_IS_REGULAR))
        found = g_steal_pointer (&paths[i]);
      g_free (paths[i]);
    }
  return found;
}

/* Loads the CUDA module and asks it for its table; NULL with error set. */
static const TrawlNnBackend *
load_cuda (GError **error)
{
  g_autofree char *path = find_module ();
  TrawlNnBackendEntry entry = NULL;
  const TrawlNnBackend *be;
  GModule *mod;

  if (path == NULL)
    {
      g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND,
                   "the CUDA backend is not available in this build (no %s)", CUDA_MODULE);
      return NULL;
    }
  /* not lazy: a symbol missing in the module fails here, not mid-run */
  mod = g_module_open (path, G_MODULE_BIND_LOCAL);
  if (mod == NULL)
    {
      g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND,
                   "the CUDA backend (%s) cannot be loaded: %s", path, g_module_error ());
      return NULL;
    }
  if (!g_module_symbol (mod, TRAWL_NN_BACKEND_ENTRY, (gpointer *) &entry) || entry == NULL
      || (be = entry (&core, error)) == NULL)
    {
      if (entry == NULL)
        g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND,
                     "%s is not a trawl backend module", path);
      g_module_close (mod);
      return NULL;
    }
  g_module_make_resident (mod);   /* its tables and kernels live as long as we do */
  g_debug ("nn: CUDA backend loaded from %s", path);
  return be;
}

const TrawlNnBackend *
_trawl_nn_backend_get (TrawlNnBackendKind kind, GError **error)
{
  static gboolean tried;
  static char *why;   /* the CUDA module's load error, kept for later askers */
  const TrawlNnBackend *be;

  if (kind != TRAWL_NN_BACKEND_CUDA)
    {
      g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND, "unknown backend %d", kind);
      return NULL;
    }
  g_mutex_lock (&lock);
  if (registered[kind] == NULL && !tried)
    {
      GError *local = NULL;

      tried = TRUE;
      registered[kind] = load_cuda (&local);
      if (local)
        why = g_strdup (local->message);
      g_clear_error (&local);
    }
  be = registered[kind];
  if (be == NULL)
    g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND, "%s",
                 why ? why : "the CUDA backend is not available");
  g_mutex_unlock (&lock);
  return be;
}

char **
_trawl_nn_backend_plan_check (TrawlNnBackendKind kind, TrawlNnPlan *plan,
                              TrawlNnPrecision precision, GError **error)
{
  const TrawlNnBackend *be = _trawl_nn_backend_get (kind, error);

  if (be == NULL)
    return NULL;
  if (be->plan_check == NULL)
    {
      g_set_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_BACKEND,
                   "the %s backend has no coverage check", be->name);
      return NULL;
    }
  return be->plan_check (plan, precision, error);
}
