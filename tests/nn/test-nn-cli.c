/* test-nn-cli.c - `trawl nn summary|run|bench` end to end on the PP-OCRv4
 * recogniser from the model cache: the summary lists its ops, run writes
 * an output of the right size, bench --json prints a well-formed timing
 * object with the CPU level it ran at, and bad arguments exit 2. Skipped
 * without the model or binary. */
#include <trawl/base.h>
#include <trawl/nn.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#define REC "ocr-models/ch_PP-OCRv4_rec_infer.onnx"

static char *
trawl_bin (void)
{
  const char *root = g_getenv ("TRAWL_BUILD_ROOT");
  char *p = g_build_filename (root ? root : ".", "src", "cli", "trawl", NULL);

  if (!g_file_test (p, G_FILE_TEST_IS_EXECUTABLE))
    g_clear_pointer (&p, g_free);
  return p;
}

/* Runs trawl with args; returns its exit status, stdout in *out. */
static int
run (const char *const *args, char **out)
{
  char *bin = trawl_bin ();
  GPtrArray *argv = g_ptr_array_new ();
  GError *error = NULL;
  int status = -1;

  g_ptr_array_add (argv, bin);
  for (int i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, out,
                NULL, &status, &error);
  g_assert_no_error (error);
  g_ptr_array_unref (argv);
  g_free (bin);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static gboolean
ready (void)
{
  char *bin = trawl_bin ();
  char *model = trawl_model_path (REC, NULL);
  gboolean ok = bin && model;

  if (!bin)
    g_test_skip ("the trawl binary is not built");
  else if (!model)
    g_test_skip ("PP-OCRv4 models missing: run scripts/setup");
  g_free (bin);
  g_free (model);
  return ok;
}

static void
test_summary (void)
{
  char *out = NULL;
  const char *args[] = { "nn", "summary", REC, "--shape", "1x3x48x320", NULL };

  if (!ready ())
    return;
  g_assert_cmpint (run (args, &out), ==, 0);
  g_assert_nonnull (strstr (out, "Conv"));
  g_assert_nonnull (strstr (out, "arena"));
  g_free (out);
}

static void
test_run_save (void)
{
  char *dir = g_dir_make_tmp ("trawl-nn-XXXXXX", NULL);
  char *prefix = g_build_filename (dir, "out", NULL);
  char *file = g_strconcat (prefix, ".0.f32", NULL);
  const char *args[] = { "nn", "run", REC, "--shape", "1x3x48x320", "--save", prefix,
                         "--threads", "2", NULL };
  char *out = NULL, *data = NULL;
  gsize len = 0;

  if (!ready ())
    goto done;
  g_assert_cmpint (run (args, &out), ==, 0);
  g_assert_true (g_file_get_contents (file, &data, &len, NULL));
  g_assert_cmpuint (len, ==, 40 * 6625 * sizeof (float));   /* [1, 40, 6625] */
  /* softmax rows sum to 1 */
  for (int r = 0; r < 40; r++)
    {
      double s = 0;
      for (int j = 0; j < 6625; j++)
        s += ((float *) data)[r * 6625 + j];
      g_assert_cmpfloat_with_epsilon (s, 1.0, 1e-3);
    }
done:
  g_free (out);
  g_free (data);
  g_unlink (file);
  g_rmdir (dir);
  g_free (file);
  g_free (prefix);
  g_free (dir);
}

static void
test_bench_json (void)
{
  const char *args[] = { "nn", "bench", REC, "--shape", "1x3x48x320", "--iters", "3",
                         "--warmup", "1", "--json", NULL };
  char *out = NULL;
  JsonParser *p;
  JsonObject *o;
  GError *error = NULL;

  if (!ready ())
    return;
  g_assert_cmpint (run (args, &out), ==, 0);
  p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, out, -1, &error));
  g_assert_no_error (error);
  o = json_node_get_object (json_parser_get_root (p));
  g_assert_cmpstr (json_object_get_string_member (o, "unit"), ==, "ms");
  g_assert_cmpint (json_object_get_int_member (o, "iterations"), ==, 3);
  g_assert_cmpfloat (json_object_get_double_member (o, "median"), >, 0);
  g_assert_cmpfloat (json_object_get_double_member (o, "p90"), >=,
                     json_object_get_double_member (o, "median"));
  g_assert_cmpfloat (json_object_get_double_member (o, "peak_rss_mb"), >, 10);
  /* the CPU level it ran at: this process's (the same environment) */
  g_assert_cmpstr (json_object_get_string_member (o, "cpu_level"), ==,
                   trawl_cpu_level_name (trawl_cpu_level_current (NULL)));
  g_assert_cmpstr (json_object_get_string_member (o, "blas_core"), ==,
                   trawl_cpu_level_blas_core ());
  g_object_unref (p);
  g_free (out);
}

static void
test_bad_args (void)
{
  const char *no_model[] = { "nn", "run", NULL };
  const char *bad_shape[] = { "nn", "run", REC, "--shape", "1x3xbad", NULL };
  const char *missing[] = { "nn", "summary", "/nonexistent/model.onnx", NULL };
  char *out = NULL;

  if (!ready ())
    return;
  g_assert_cmpint (run (no_model, &out), ==, 2);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (bad_shape, &out), ==, 1);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run (missing, &out), ==, 1);
  g_free (out);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/cli/summary", test_summary);
  g_test_add_func ("/nn/cli/run-save", test_run_save);
  g_test_add_func ("/nn/cli/bench-json", test_bench_json);
  g_test_add_func ("/nn/cli/bad-args", test_bad_args);
  return g_test_run ();
}
