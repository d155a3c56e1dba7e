/* test-cpu-level.c - the CPU dispatch level (TRAWL_CPU_LEVEL,
 * src/base/cpu-level.c): names parse both ways and nothing else does; the
 * process runs the level its setup forces (meson test --setup
 * baseline|avx2|avx512) and a plan runs there; a forced level that
 * OpenBLAS does not run fails the library with a message naming
 * OPENBLAS_CORETYPE, and a level the CPU lacks is refused; the trawl
 * command restarts itself into every level this CPU has (over a wrong
 * OPENBLAS_CORETYPE) and reports it in `info --json`, and an unknown value
 * exits 2 saying what is accepted. */
#include "nn-test-util.h"

#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/wait.h>
#include <trawl/base.h>

static void
test_names (void)
{
  g_autoptr (GError) error = NULL;
  TrawlCpuLevel l;

  for (int i = TRAWL_CPU_LEVEL_BASELINE; i <= TRAWL_CPU_LEVEL_AVX512; i++)
    {
      g_assert_true (trawl_cpu_level_parse (trawl_cpu_level_name (i), &l, &error));
      g_assert_no_error (error);
      g_assert_cmpint (l, ==, i);
    }
  g_assert_true (trawl_cpu_level_parse ("AVX512", &l, NULL));
  g_assert_cmpint (l, ==, TRAWL_CPU_LEVEL_AVX512);
  const char *bad[] = { "auto", "", "avx", "sse2", "avx-512", "avx2 " };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (trawl_cpu_level_parse (bad[i], &l, &error));
      g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
      g_assert_nonnull (strstr (error->message, "baseline, avx2 or avx512"));
      g_clear_error (&error);
    }
}

/* A one-node graph (Relu) planned and run on the CPU; FALSE with error
 * when the plan is refused. */
static gboolean
run_small_plan (GError **error)
{
  TrawlNnGraph *g = trawl_nn_graph_new ("cpu-level");
  int64_t d[1] = { 4 };
  TrawlNnValueId x = trawl_nn_graph_add_input (g, "x", TRAWL_NN_F32, 1, d);
  TrawlNnValueId y = trawl_nn_graph_op (g, "Relu", NULL, 1, &x, NULL, NULL);
  float v[4] = { -1, 2, -3, 4 };
  TrawlNnTensor in = { TRAWL_NN_F32, 1, { 4 }, v }, out;
  TrawlNnPlanOptions o = { .backend = TRAWL_NN_BACKEND_CPU, .n_threads = 1 };
  gboolean ok = FALSE;

  g_assert_cmpint (y, >=, 0);
  trawl_nn_graph_mark_output (g, y);
  TrawlNnPlan *p = trawl_nn_plan_new (g, &in, 1, &o, error);
  if (p != NULL && trawl_nn_plan_run (p, &in, 1, &out, 1, error))
    {
      g_assert_cmpfloat (((float *) out.data)[0], ==, 0.0f);
      g_assert_cmpfloat (((float *) out.data)[3], ==, 4.0f);
      ok = TRUE;
    }
  trawl_nn_plan_free (p);
  trawl_nn_graph_unref (g);
  return ok;
}

/* The level in use is the forced one under a test setup; in any case at
 * most what the CPU has, and plans run. */
static void
test_current (void)
{
  g_autoptr (GError) error = NULL;
  const char *env = g_getenv ("TRAWL_CPU_LEVEL");
  gboolean forced;
  TrawlCpuLevel cur = trawl_cpu_level_current (&forced);

  g_test_message ("CPU level %s (%s), OpenBLAS %s kernels, CPU up to %s",
                  trawl_cpu_level_name (cur), forced ? "forced" : "automatic",
                  trawl_cpu_level_blas_core (), trawl_cpu_level_name (trawl_cpu_level_max ()));
  g_assert_true (trawl_cpu_level_check (&error));
  g_assert_no_error (error);
  g_assert_cmpint (cur, <=, trawl_cpu_level_max ());
  g_assert_cmpstr (trawl_cpu_level_blas_core (), !=, "unknown");
  if (env != NULL && *env != '\0' && g_ascii_strcasecmp (env, "auto") != 0)
    {
      TrawlCpuLevel want;
      g_assert_true (trawl_cpu_level_parse (env, &want, NULL));
      g_assert_true (forced);
      g_assert_cmpint (cur, ==, want);
    }
  else
    {
      g_assert_false (forced);
    }
  g_assert_true (run_small_plan (&error));
  g_assert_no_error (error);
}

/* In a child: a forced level whose kernels OpenBLAS did not load (it was
 * loaded before the variable was set) fails the check and a plan. */
static void
test_not_in_effect (void)
{
  const char *core = trawl_cpu_level_blas_core ();
  const char *other = g_ascii_strcasecmp (core, "Prescott") != 0 ? "baseline"
                      : trawl_cpu_level_max () >= TRAWL_CPU_LEVEL_AVX2 ? "avx2" : NULL;

  if (other == NULL)
    {
      g_test_skip ("an SSE-only CPU on Prescott kernels: no other level to ask for");
      return;
    }
  if (g_test_subprocess ())
    {
      g_autoptr (GError) error = NULL;
      g_setenv ("TRAWL_CPU_LEVEL", other, TRUE);
      g_assert_false (trawl_cpu_level_check (&error));
      g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, "OPENBLAS_CORETYPE="));
      g_printerr ("%s\n", error->message);
      g_clear_error (&error);
      g_assert_false (run_small_plan (&error));
      g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*TRAWL_CPU_LEVEL=*needs OpenBLAS's*OPENBLAS_CORETYPE=*");
}

/* In a child: a level above the CPU's is refused, naming what it lacks. */
static void
test_unsupported (void)
{
  if (trawl_cpu_level_max () == TRAWL_CPU_LEVEL_AVX512)
    {
      g_test_skip ("this CPU has every level");
      return;
    }
  if (g_test_subprocess ())
    {
      g_autoptr (GError) error = NULL;
      g_setenv ("TRAWL_CPU_LEVEL", "avx512", TRUE);
      g_assert_false (trawl_cpu_level_check (&error));
      g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
      g_printerr ("%s\n", error->message);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*this CPU lacks AVX-512*");
}

static char *
trawl_bin (void)
{
  const char *root = g_getenv ("TRAWL_BUILD_ROOT");
  char *p = g_build_filename (root ? root : ".", "src", "cli", "trawl", NULL);

  if (!g_file_test (p, G_FILE_TEST_IS_EXECUTABLE))
    g_clear_pointer (&p, g_free);
  return p;
}

/* `trawl info --json` with TRAWL_CPU_LEVEL=level and OPENBLAS_CORETYPE=core
 * (NULL: unset); returns the exit status, stdout and stderr. */
static int
run_info (const char *bin, const char *level, const char *core, char **out, char **err)
{
  g_auto (GStrv) env = g_get_environ ();
  const char *argv[] = { bin, "info", "--json", NULL };
  g_autoptr (GError) error = NULL;
  int status = -1;

  env = g_environ_setenv (env, "TRAWL_CPU_LEVEL", level, TRUE);
  env = core ? g_environ_setenv (env, "OPENBLAS_CORETYPE", core, TRUE)
             : g_environ_unsetenv (env, "OPENBLAS_CORETYPE");
  g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL, out, err, &status,
                &error);
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static void
test_cli (void)
{
  g_autofree char *bin = trawl_bin ();
  if (bin == NULL)
    {
      g_test_skip ("the trawl binary is not built");
      return;
    }
  /* every level this CPU has, over a core that is wrong for it (the
   * command must restart itself) and with none set */
  const char *wrong[] = { "Haswell", "Prescott", "Prescott" };
  for (int l = TRAWL_CPU_LEVEL_BASELINE; l <= (int) trawl_cpu_level_max (); l++)
    for (int k = 0; k < 2; k++)
      {
        g_autofree char *out = NULL, *err = NULL;
        g_autoptr (GError) error = NULL;
        const char *name = trawl_cpu_level_name (l);
        g_assert_cmpint (run_info (bin, name, k ? NULL : wrong[l], &out, &err), ==, 0);
        g_autoptr (JsonParser) p = json_parser_new ();
        g_assert_true (json_parser_load_from_data (p, out, -1, &error));
        g_assert_no_error (error);
        JsonObject *o = json_node_get_object (json_parser_get_root (p));
        g_test_message ("TRAWL_CPU_LEVEL=%s (OPENBLAS_CORETYPE %s): cpu_level %s, blas_core %s",
                        name, k ? "unset" : wrong[l],
                        json_object_get_string_member (o, "cpu_level"),
                        json_object_get_string_member (o, "blas_core"));
        g_assert_cmpstr (json_object_get_string_member (o, "cpu_level"), ==, name);
        g_assert_true (json_object_get_boolean_member (o, "cpu_level_forced"));
        g_assert_cmpstr (json_object_get_string_member (o, "cpu_level_max"), ==,
                         trawl_cpu_level_name (trawl_cpu_level_max ()));
      }
  /* auto: not forced */
  {
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (run_info (bin, "auto", NULL, &out, &err), ==, 0);
    g_assert_nonnull (strstr (out, "\"cpu_level_forced\":false"));
  }
  /* an unknown value: status 2, the accepted ones named, nothing on stdout */
  {
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (run_info (bin, "sse9", NULL, &out, &err), ==, 2);
    g_assert_nonnull (strstr (err, "TRAWL_CPU_LEVEL=sse9"));
    g_assert_nonnull (strstr (err, "expected baseline, avx2, avx512 or auto"));
    g_assert_cmpstr (out, ==, "");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/cpu-level/names", test_names);
  g_test_add_func ("/nn/cpu-level/current", test_current);
  g_test_add_func ("/nn/cpu-level/not-in-effect", test_not_in_effect);
  g_test_add_func ("/nn/cpu-level/unsupported", test_unsupported);
  g_test_add_func ("/nn/cpu-level/cli", test_cli);
  return g_test_run ();
}
