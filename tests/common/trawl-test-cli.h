/* trawl-test-cli.h - running the built `trawl` as a user would, for the
 * command-line tests: exit status, stdout and stderr. Header-only. */
#pragma once

#include <gio/gio.h>

/* The trawl executable of this build (g_free). */
static inline char *
trawl_test_cli_path (void)
{
  const char *root = g_getenv ("TRAWL_BUILD_ROOT");
  return g_build_filename (root ? root : ".", "src", "cli", "trawl", NULL);
}

/* Runs trawl with args (NULL-terminated) and the extra environment
 * variables env ("NAME=value", NULL-terminated, may be NULL); returns the
 * exit status, *out and *err get the output (g_free). */
static inline int
trawl_test_run_cli_env (const char *const *args, const char *const *env, char **out, char **err)
{
  g_autofree char *exe = trawl_test_cli_path ();
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) l =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) p = NULL;
  g_autoptr(GError) error = NULL;

  for (int i = 0; env != NULL && env[i] != NULL; i++)
    {
      g_auto(GStrv) kv = g_strsplit (env[i], "=", 2);
      g_subprocess_launcher_setenv (l, kv[0], kv[1], TRUE);
    }
  g_ptr_array_add (argv, exe);
  for (int i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  p = g_subprocess_launcher_spawnv (l, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, out, err, &error));
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (p);
}

static inline int
trawl_test_run_cli (const char *const *args, char **out, char **err)
{
  return trawl_test_run_cli_env (args, NULL, out, err);
}
