/* test-cuda-dl.c - cuDNN and cuBLAS are loaded on first use, not at start
 * (src/base/cuda-dl.c): a CUDA build maps neither until something asks
 * (nor ever the shared CUDA runtime, which is linked statically),
 * the wrappers forward their arguments to the real library, and a
 * missing library is a clear error. Needs no GPU: cuDNN's descriptor calls
 * and version queries run on the host. CUDA builds only. */
#include "trawl-config.h"

#include "base/cuda-dl.h"
#include <trawl/base.h>
#include <trawl/gpu.h>

#include <cudnn.h>
#include <gmodule.h>
#include <string.h>

/* TRUE when a library whose path contains name is mapped in this process. */
static gboolean
mapped (const char *name)
{
  g_autofree char *maps = NULL;

  g_assert_true (g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL));
  return strstr (maps, name) != NULL;
}

static gboolean
libs_present (void)
{
  g_autoptr (GError) error = NULL;

  if (_trawl_cuda_libs_load (&error))
    return TRUE;
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "--device cpu"));
  g_test_skip (error->message);
  return FALSE;
}

/* Runs first: nothing so far may have loaded them. */
static void
test_not_loaded_at_start (void)
{
  TrawlGpuInfo info;

  g_assert_false (mapped ("libcudnn.so"));
  g_assert_false (mapped ("libcublas.so"));
  /* the runtime is linked statically: a CUDA build needs only the driver */
  g_assert_false (mapped ("libcudart.so"));
  /* probing a machine without a GPU does not load them either */
  if (!trawl_gpu_probe (&info, NULL))
    {
      g_assert_false (mapped ("libcudnn.so"));
      g_assert_cmpint (info.cudnn_version, ==, 0);
    }
}

static void
test_wrappers_forward (void)
{
  cudnnTensorDescriptor_t t = NULL;
  cudnnDataType_t dt;
  int n, c, h, w, ns, cs, hs, ws;

  if (!libs_present ())
    return;
  g_assert_true (mapped ("libcudnn.so"));
  g_assert_true (mapped ("libcublas.so"));
  g_assert_cmpint (_trawl_cuda_cudnn_version (), ==, (int) cudnnGetVersion ());
  g_assert_cmpint (cudnnGetVersion () / 10000, ==, CUDNN_MAJOR);
  g_assert_cmpstr (cudnnGetErrorString (CUDNN_STATUS_BAD_PARAM), ==, "CUDNN_STATUS_BAD_PARAM");
  /* host-side descriptor calls: arguments must arrive in order */
  g_assert_cmpint (cudnnCreateTensorDescriptor (&t), ==, CUDNN_STATUS_SUCCESS);
  g_assert_cmpint (cudnnSetTensor4dDescriptor (t, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 2, 3, 5, 7),
                   ==, CUDNN_STATUS_SUCCESS);
  /* read it back with a function trawl does not wrap, straight from the
   * library the wrappers loaded */
  GModule *lib = g_module_open ("libcudnn.so.9", G_MODULE_BIND_LAZY);
  if (lib == NULL)
    lib = g_module_open ("/usr/local/cuda/lib64/libcudnn.so.9", G_MODULE_BIND_LAZY);
  g_assert_nonnull (lib);
  cudnnStatus_t (*get4d) (cudnnTensorDescriptor_t, cudnnDataType_t *, int *, int *, int *, int *,
                          int *, int *, int *, int *) = NULL;
  g_assert_true (g_module_symbol (lib, "cudnnGetTensor4dDescriptor", (gpointer *) &get4d));
  g_assert_cmpint (get4d (t, &dt, &n, &c, &h, &w, &ns, &cs, &hs, &ws), ==, CUDNN_STATUS_SUCCESS);
  g_module_close (lib);
  g_assert_cmpint (dt, ==, CUDNN_DATA_FLOAT);
  g_assert_cmpint (n * 1000 + c * 100 + h * 10 + w, ==, 2357);
  g_assert_cmpint (ws, ==, 1);
  g_assert_cmpint (ns, ==, 3 * 5 * 7);
  g_assert_cmpint (cudnnDestroyTensorDescriptor (t), ==, CUDNN_STATUS_SUCCESS);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cuda-dl/not-loaded-at-start", test_not_loaded_at_start);
  g_test_add_func ("/cuda-dl/wrappers-forward", test_wrappers_forward);
  return g_test_run ();
}
