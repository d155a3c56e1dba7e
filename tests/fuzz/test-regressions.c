/* test-regressions.c - each input trawl-fuzz found to crash a parser (or
 * to reach a g_return_if_fail or a GLib critical), written here as bytes
 * or made by a few lines of code, fed to the same entry point. GTest makes
 * criticals fatal, so a test fails by aborting as the parser did. */
#include <string.h>

#include <glib/gstdio.h>
#include <trawl/evidence.h>

#include "../common/trawl-test.h"

/* Writes name in dir with len bytes of data. */
static void
put_file (const char *dir, const char *name, const char *data, gsize len)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (path, data, (gssize) len, &error));
  g_assert_no_error (error);
}

/* Verifies an export folder holding only manifest.json with text; the
 * verdict must be a problem with the manifest, never a critical. */
static void
verify_manifest (const char *text, gsize len, const char *needle)
{
  g_autofree char *dir = g_dir_make_tmp ("trawl-fuzz-regress-XXXXXX", NULL);
  g_autoptr (GError) error = NULL;

  put_file (dir, "manifest.json", text, len);
  g_autoptr (TrawlVerifyReport) r = trawl_evidence_verify (dir, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (r);
  g_assert_false (trawl_verify_report_ok (r));
  gboolean seen = FALSE;
  for (guint i = 0; i < r->problems->len; i++)
    {
      TrawlVerifyProblem *p = r->problems->pdata[i];
      seen |= g_strcmp0 (p->file, "manifest.json") == 0 && strstr (p->message, needle) != NULL;
    }
  g_assert_true (seen);
  trawl_test_remove_tree (dir);
}

/* trawl-fuzz evidence: an empty manifest.json parses to no root node;
 * JSON_NODE_HOLDS_OBJECT (NULL) was a json-glib critical. */
static void
test_evidence_empty_manifest (void)
{
  verify_manifest ("", 0, "empty");
  verify_manifest ("  \n", 3, "empty");
  verify_manifest ("[1]", 3, "wrong type");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fuzz/regress/evidence-empty-manifest", test_evidence_empty_manifest);
  return g_test_run ();
}
