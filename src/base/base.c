/* base.c - the error domain, version and the model cache location.
 * The model manifest lives in models.c. */
#include "trawl-config.h"

#include <trawl/base.h>

G_DEFINE_QUARK (trawl-error-quark, trawl_error)

const char *
trawl_version (void)
{
  return TRAWL_VERSION;
}

const char *
trawl_models_dir (void)
{
  static gsize dir;  /* a char *, computed once, lives for the process */
  const char *env;

  if (g_once_init_enter (&dir))
    {
      char *d;
      env = g_getenv ("TRAWL_MODELS");
      if (env != NULL && *env != '\0')
        d = g_strdup (env);
      else if (TRAWL_MODELS_DIR[0] != '\0')
        d = g_strdup (TRAWL_MODELS_DIR);
      else
        d = g_build_filename (g_get_user_cache_dir (), "trawl", "models", NULL);
      g_once_init_leave (&dir, (gsize) d);
    }
  return (const char *) dir;
}

char *
trawl_model_path (const char *dest, GError **error)
{
  char *path;

  g_return_val_if_fail (dest != NULL, NULL);
  path = g_build_filename (trawl_models_dir (), dest, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND,
                   "model file %s is missing; run scripts/setup (or 'trawl models fetch') "
                   "to fetch the models, or set TRAWL_MODELS", path);
      g_free (path);
      return NULL;
    }
  /* A model that is not the one pinned is refused where it is loaded,
   * not only by `trawl models verify`. */
  if (!trawl_model_check_pinned (trawl_models_dir (), dest, error))
    {
      g_free (path);
      return NULL;
    }
  return path;
}
