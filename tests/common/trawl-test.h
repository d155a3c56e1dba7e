/* trawl-test.h - what every test needs to find real data and models, and
 * to skip with a reason a person can act on when they are not there.
 * Header-only: each test program includes it once. */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <trawl/base.h>

/* The labelled data folder: $TRAWL_DATA, else ../shared/data beside the
 * source tree ($TRAWL_SOURCE_ROOT, set by meson test). A new string
 * (g_free); it may not exist. */
static inline char *
trawl_test_data_dir (void)
{
  const char *env = g_getenv ("TRAWL_DATA");
  const char *root = g_getenv ("TRAWL_SOURCE_ROOT");

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  return g_build_filename (root != NULL ? root : ".", "..", "shared", "data", NULL);
}

/* The path of rel inside the data folder (g_free), or NULL after
 * g_test_skip saying what is missing. */
static inline char *
trawl_test_need_data (const char *rel)
{
  g_autofree char *dir = trawl_test_data_dir ();
  char *path = g_build_filename (dir, rel, NULL);

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *msg = g_strdup_printf ("shared data absent (%s); set TRAWL_DATA", path);
      g_test_skip (msg);
      g_free (path);
      return NULL;
    }
  return path;
}

/* The cached model file dest (g_free), or NULL after g_test_skip naming
 * the set-up step that fetches it. */
static inline char *
trawl_test_need_model (const char *dest)
{
  g_autoptr(GError) error = NULL;
  char *path = trawl_model_path (dest, &error);

  if (path == NULL)
    {
      g_autofree char *msg = g_strdup_printf ("model absent (run scripts/setup): %s",
                                              error->message);
      g_test_skip (msg);
    }
  return path;
}

/* Removes dir and everything in it (a test's scratch folder; symbolic
 * links are removed, never followed); what cannot be removed stays,
 * quietly. */
static inline void
trawl_test_remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_DIR) && !g_file_test (p, G_FILE_TEST_IS_SYMLINK))
        trawl_test_remove_tree (p);
      else
        g_remove (p);
    }
  g_rmdir (dir);
}
