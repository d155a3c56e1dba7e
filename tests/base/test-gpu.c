/* test-gpu.c - CUDA smoke: a kernel from kernels/ runs and computes the
 * right answer. Skips with "no GPU" where the build has CUDA but the
 * machine has no device, and with "not built" where CUDA is off. */
#include <trawl/base.h>
#include <trawl/gpu.h>

static void
test_saxpy (void)
{
  enum { N = 1000 };
  float x[N], y[N];
  g_autoptr(GError) error = NULL;
  TrawlGpuInfo info;

  if (!trawl_gpu_probe (&info, &error))
    {
      g_autofree char *msg = g_strdup_printf ("skipped: no GPU (%s)", error->message);
      g_test_skip (msg);
      return;
    }
  for (int i = 0; i < N; i++)
    {
      x[i] = (float) i;
      y[i] = 1.0f;
    }
  g_assert_true (trawl_gpu_saxpy (N, 2.0f, x, y, &error));
  g_assert_no_error (error);
  for (int i = 0; i < N; i++)
    g_assert_cmpfloat (y[i], ==, 2.0f * i + 1.0f);
}

static void
test_probe_reports (void)
{
  g_autoptr(GError) error = NULL;
  TrawlGpuInfo info;
  gboolean ok = trawl_gpu_probe (&info, &error);

  /* Either a device with a name, or a clear reason. */
  if (ok)
    g_assert_cmpstr (info.name, !=, "");
  else
    g_assert_nonnull (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gpu/probe-reports", test_probe_reports);
  g_test_add_func ("/gpu/saxpy", test_saxpy);
  return g_test_run ();
}
