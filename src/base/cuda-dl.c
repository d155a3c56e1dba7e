/* cuda-dl.c - finds and loads cuDNN and cuBLAS when something first needs
 * them rather than by the dynamic linker at start.
 *
 * Why: linking them made every run of a CUDA build map about 200 MB of
 * libraries (trawl --help: 250 MB RSS against 33 MB for a CPU-only build)
 * and made the binary refuse to start where cuDNN is not installed, even
 * for the CPU path. Only the engine's CUDA module (src/nn/cuda, whose
 * cuda-libs.c defines the functions it calls as forwarders to the symbols
 * found here) and the GPU probe's cuDNN version use them; this file is
 * built into both libtrawl and that module. The CUDA runtime itself is
 * linked statically (cudart_static) and loads the driver on its own.
 *
 * Where the libraries are looked for: the loader's usual path
 * (LD_LIBRARY_PATH, ld.so.cache), then $CUDA_HOME/lib64, $CUDNN_HOME/lib64
 * and /usr/local/cuda/lib64. */
#include "base/cuda-dl.h"
#include "trawl/base.h"

#include <gmodule.h>

typedef struct {
  const char *what;        /* for messages */
  const char *soname;
  GModule    *module;
  char       *error;       /* why it could not be loaded */
} Lib;

static Lib cudnn_lib = { "cuDNN 9", "libcudnn.so.9", NULL, NULL };
static Lib cublas_lib = { "cuBLAS 13", "libcublas.so.13", NULL, NULL };

static GModule *
open_in (const char *dir, const char *soname)
{
  g_autofree char *path = dir ? g_build_filename (dir, soname, NULL) : g_strdup (soname);

  return g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
}

static gpointer
load_once (gpointer data)
{
  Lib *lib = data;
  const char *homes[] = { g_getenv ("CUDA_HOME"), g_getenv ("CUDNN_HOME"), "/usr/local/cuda" };

  lib->module = open_in (NULL, lib->soname);
  for (guint i = 0; lib->module == NULL && i < G_N_ELEMENTS (homes); i++)
    if (homes[i] != NULL)
      {
        g_autofree char *dir = g_build_filename (homes[i], "lib64", NULL);
        lib->module = open_in (dir, lib->soname);
      }
  if (lib->module == NULL)
    lib->error = g_strdup_printf ("%s not found (%s): install it or use the CPU (--device cpu)",
                                  lib->what, lib->soname);
  return NULL;
}

static gboolean
lib_load (Lib *lib)
{
  static GOnce once_cudnn = G_ONCE_INIT, once_cublas = G_ONCE_INIT;

  g_once (lib == &cudnn_lib ? &once_cudnn : &once_cublas, load_once, lib);
  return lib->module != NULL;
}

gpointer
_trawl_cuda_lib_sym (TrawlCudaLib which, const char *name)
{
  Lib *lib = which == TRAWL_CUDA_LIB_CUDNN ? &cudnn_lib : &cublas_lib;
  gpointer p = NULL;

  if (lib_load (lib) && !g_module_symbol (lib->module, name, &p))
    p = NULL;
  return p;
}

gboolean
_trawl_cuda_libs_load (GError **error)
{
  Lib *libs[] = { &cudnn_lib, &cublas_lib };

  for (guint i = 0; i < G_N_ELEMENTS (libs); i++)
    if (!lib_load (libs[i]))
      {
        g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND, "%s", libs[i]->error);
        return FALSE;
      }
  return TRUE;
}

int
_trawl_cuda_cudnn_version (void)
{
  size_t (*get) (void) = (size_t (*) (void)) _trawl_cuda_lib_sym (TRAWL_CUDA_LIB_CUDNN,
                                                                  "cudnnGetVersion");

  return get ? (int) get () : 0;
}
