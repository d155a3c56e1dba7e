/* trawl-recent.c - recent cases in $XDG_CONFIG_HOME/trawl/recent.ini, a
 * GKeyFile with one string list, so a person can read and edit it. */
#include "trawl-recent.h"

#include <glib/gstdio.h>

#define GROUP "Cases"
#define KEY   "recent"

static char *
recent_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "trawl", "recent.ini", NULL);
}

char **
trawl_recent_cases_load (void)
{
  g_autofree char *path = recent_path ();
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GStrvBuilder) out = g_strv_builder_new ();
  g_auto(GStrv) list = NULL;

  /* A missing or damaged file is an empty list, not an error. */
  if (g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL))
    list = g_key_file_get_string_list (kf, GROUP, KEY, NULL, NULL);
  for (guint i = 0; list != NULL && list[i] != NULL; i++)
    if (g_file_test (list[i], G_FILE_TEST_IS_DIR))
      g_strv_builder_add (out, list[i]);
  return g_strv_builder_end (out);
}

gboolean
trawl_recent_cases_add (const char *dir, GError **error)
{
  g_autofree char *path = recent_path ();
  g_autofree char *folder = g_path_get_dirname (path);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_auto(GStrv) old = trawl_recent_cases_load ();
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  g_auto(GStrv) list = NULL;
  guint n = 1;

  g_return_val_if_fail (dir != NULL, FALSE);
  g_strv_builder_add (b, dir);
  for (guint i = 0; old[i] != NULL && n < TRAWL_RECENT_MAX; i++)
    if (g_strcmp0 (old[i], dir) != 0)
      {
        g_strv_builder_add (b, old[i]);
        n++;
      }
  list = g_strv_builder_end (b);
  g_key_file_set_string_list (kf, GROUP, KEY, (const char *const *) list, g_strv_length (list));
  if (g_mkdir_with_parents (folder, 0700) != 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot create %s", folder);
      return FALSE;
    }
  return g_key_file_save_to_file (kf, path, error);
}
