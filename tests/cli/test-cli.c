/* test-cli.c - the `trawl` front end as a user meets it: --help for every
 * command, --version with linked library versions, unknown commands and
 * bad options rejected with status 2 and a clear message on stderr. */
#include <gio/gio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "../common/trawl-test-cli.h"

/* Runs trawl with args; returns the exit status and captures output. */
static int
run_trawl (const char *const *args, char **out, char **err)
{
  return trawl_test_run_cli (args, out, err);
}

static void
test_version (void)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "--version", NULL };

  g_assert_cmpint (run_trawl (args, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "trawl "));
  g_assert_nonnull (strstr (out, "FFmpeg"));
  g_assert_nonnull (strstr (out, "libavcodec"));
  g_assert_nonnull (strstr (out, "FAISS      "));
  g_assert_nonnull (strstr (out, "SQLite"));
  g_assert_nonnull (strstr (out, "GLib"));
  g_assert_nonnull (strstr (out, "GTK"));
  g_assert_nonnull (strstr (out, "CUDA"));
}

static void
test_top_help (void)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "--help", NULL };
  const char *cmds[] = { "index", "search", "export", "verify", "report", "eval", "demo", "info",
                         "gui" };

  g_assert_cmpint (run_trawl (args, &out, &err), ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (cmds); i++)
    g_assert_nonnull (strstr (out, cmds[i]));
}

static void
test_each_command_help (void)
{
  const char *cmds[] = { "index", "search", "show", "play", "tracks", "export", "verify",
                         "report", "eval", "demo", "info", "gui", "models", "nn" };

  for (gsize i = 0; i < G_N_ELEMENTS (cmds); i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      const char *args[] = { cmds[i], "--help", NULL };
      int status = run_trawl (args, &out, &err);

      if (status != 0)
        g_error ("trawl %s --help exited %d: %s", cmds[i], status, err);
      g_assert_nonnull (strstr (out, "Usage:"));
    }
}

static void
test_unknown_command (void)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "frobnicate", NULL };

  g_assert_cmpint (run_trawl (args, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "unknown command 'frobnicate'"));
  g_assert_cmpstr (out, ==, "");
}

static void
test_bad_option (void)
{
  const char *cmds[] = { "index", "search", "info", "models", "demo" };

  for (gsize i = 0; i < G_N_ELEMENTS (cmds); i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      const char *args[] = { cmds[i], "--no-such-option", NULL };

      g_assert_cmpint (run_trawl (args, &out, &err), ==, 2);
      g_assert_nonnull (strstr (err, "no-such-option"));
    }
}

/* The GPU options of `index` refuse what cannot work, before touching the
 * case: without a GPU (this machine, CI) --device cuda is an error, and
 * --precision other than fp32 needs the GPU whatever the machine. */
static void
test_index_gpu_options (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("trawl-cli-XXXXXX", NULL);
  g_autofree char *case_dir = g_build_filename (tmp, "case", NULL);
  struct {
    const char *opt, *val, *says;
  } cases[] = {
    { "--precision", "fp16", "needs the GPU" },
    { "--precision", "fp8", "must be fp32, tf32 or fp16" },
    { "--device", "tpu", "must be cpu, cuda or auto" },
    { "--batch", "0", "must be 1 to 8" },
    { "--face-tiles", "small", "must be auto, off or a tile side" },
    { "--face-tiles", "100", "must be auto, off or a tile side" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      const char *args[] = { "index", case_dir, tmp, "--device", "cpu", cases[i].opt,
                             cases[i].val, NULL };

      if (g_str_equal (cases[i].opt, "--device"))
        args[4] = cases[i].val, args[5] = NULL;
      g_assert_cmpint (run_trawl (args, &out, &err), ==, 2);
      if (strstr (err, cases[i].says) == NULL)
        g_error ("%s %s: expected '%s' in: %s", cases[i].opt, cases[i].val, cases[i].says, err);
      g_assert_false (g_file_test (case_dir, G_FILE_TEST_EXISTS));
    }
  g_autofree char *info = NULL, *info_err = NULL;
  const char *info_args[] = { "info", "--json", NULL };
  g_assert_cmpint (run_trawl (info_args, &info, &info_err), ==, 0);
  if (strstr (info, "\"gpu\":false") != NULL)
    {
      /* a machine without an NVIDIA GPU is told so, not of a driver fault */
      g_assert_null (strstr (info, "driver version is insufficient"));
      g_autofree char *out = NULL, *err = NULL;
      const char *args[] = { "index", case_dir, tmp, "--device", "cuda", NULL };

      g_assert_cmpint (run_trawl (args, &out, &err), ==, 2);
      g_assert_nonnull (strstr (err, "--device cuda:"));
      g_assert_false (g_file_test (case_dir, G_FILE_TEST_EXISTS));
    }
  g_rmdir (tmp);
}

static void
test_no_args (void)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { NULL };

  g_assert_cmpint (run_trawl (args, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "Usage:"));
}

static void
test_models_bad_action (void)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "models", "explode", NULL };

  g_assert_cmpint (run_trawl (args, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "explode"));
}

static void
test_info_build (void)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "info", NULL };

  g_assert_cmpint (run_trawl (args, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "Compute path:"));
  g_assert_nonnull (strstr (out, "GPU:"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/version", test_version);
  g_test_add_func ("/cli/top-help", test_top_help);
  g_test_add_func ("/cli/each-command-help", test_each_command_help);
  g_test_add_func ("/cli/unknown-command", test_unknown_command);
  g_test_add_func ("/cli/bad-option", test_bad_option);
  g_test_add_func ("/cli/index-gpu-options", test_index_gpu_options);
  g_test_add_func ("/cli/no-args", test_no_args);
  g_test_add_func ("/cli/models-bad-action", test_models_bad_action);
  g_test_add_func ("/cli/info-build", test_info_build);
  return g_test_run ();
}
