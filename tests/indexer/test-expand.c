/* test-expand.c - how `trawl index` turns its inputs into files: folders
 * recursively, sorted, sidecar files left out, and a folder reached again
 * through a symbolic link (a loop) entered only once. */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <trawl/indexer.h>

#include "../common/trawl-test.h"

static void
touch (const char *dir, const char *name)
{
  g_autofree char *p = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (p, "x", 1, NULL));
}

static void
test_symlink_loop (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("trawl-expand-XXXXXX", NULL);
  g_autofree char *d = g_build_filename (tmp, "d", NULL);
  g_autofree char *sub = g_build_filename (d, "sub", NULL);
  g_autofree char *a = g_build_filename (d, "a", NULL);
  g_autofree char *b = g_build_filename (sub, "up", NULL);
  const char *inputs[] = { d };
  g_autoptr(GPtrArray) files = NULL;

  g_assert_cmpint (g_mkdir_with_parents (sub, 0755), ==, 0);
  touch (d, "x.mp4");
  touch (d, "labels.csv");
  touch (sub, "y.mp4");
  g_assert_cmpint (symlink (".", a), ==, 0);   /* d/a -> d */
  g_assert_cmpint (symlink ("..", b), ==, 0);  /* d/sub/up -> d */
  files = trawl_index_expand_inputs (inputs, 1);
  g_assert_cmpuint (files->len, ==, 2);
  g_assert_true (g_str_has_suffix (files->pdata[0], "/d/sub/y.mp4")
                 || g_str_has_suffix (files->pdata[1], "/d/sub/y.mp4"));
  g_assert_true (g_str_has_suffix (files->pdata[0], "/d/x.mp4")
                 || g_str_has_suffix (files->pdata[1], "/d/x.mp4"));
  g_remove (a);
  g_remove (b);
  trawl_test_remove_tree (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/indexer/expand/symlink-loop", test_symlink_loop);
  return g_test_run ();
}
