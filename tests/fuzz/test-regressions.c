/* test-regressions.c - each input trawl-fuzz found to crash a parser (or
 * to reach a g_return_if_fail or a GLib critical), written here as bytes
 * or made by a few lines of code, fed to the same entry point. GTest makes
 * criticals fatal, so a test fails by aborting as the parser did. */
#include <string.h>

#include <glib/gstdio.h>
#include <trawl/catalog.h>
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

/* Verifies an export folder holding only manifest.json with text (with
 * cat: against that case too); the verdict must be a problem with the
 * manifest, never a critical. */
static void
verify_manifest_in (TrawlCatalog *cat, const char *text, gsize len, const char *needle)
{
  g_autofree char *dir = g_dir_make_tmp ("trawl-fuzz-regress-XXXXXX", NULL);
  g_autoptr (GError) error = NULL;

  put_file (dir, "manifest.json", text, len);
  g_autoptr (TrawlVerifyReport) r = trawl_evidence_verify (dir, cat, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (r);
  g_assert_false (trawl_verify_report_ok (r));
  gboolean seen = FALSE;
  for (guint i = 0; i < r->problems->len; i++)
    {
      TrawlVerifyProblem *p = r->problems->pdata[i];
      seen |= g_strcmp0 (p->file, "manifest.json") == 0 && strstr (p->message, needle) != NULL;
    }
  if (!seen)
    for (guint i = 0; i < r->problems->len; i++)
      g_test_message ("%s", ((TrawlVerifyProblem *) r->problems->pdata[i])->message);
  g_assert_true (seen);
  trawl_test_remove_tree (dir);
}

static void
verify_manifest (const char *text, gsize len, const char *needle)
{
  verify_manifest_in (NULL, text, len, needle);
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

/* trawl-fuzz evidence (JSON tree mutations): an object or a list where the
 * manifest has a value ("file": {}) was a json-glib critical in
 * json_object_get_*_member_with_default, and a clip that is not an object
 * one in json_array_get_object_element (checked against a case). */
static void
test_evidence_wrong_types (void)
{
  const char *readme = "{\"format\":\"trawl-evidence/1\",\"clips\":[],\"thumbnails\":[],"
                       "\"readme\":{\"file\":{},\"sha256\":[],\"size\":{}}}";
  const char *format = "{\"format\":[\"trawl-evidence/1\"],\"clips\":[],\"thumbnails\":[],"
                       "\"readme\":{\"file\":\"README.txt\",\"sha256\":\"00\",\"size\":[1]}}";
  const char *signing = "{\"format\":\"trawl-evidence/1\",\"clips\":[],\"thumbnails\":[],"
                        "\"readme\":{},\"signing\":{\"public_key\":{},\"algorithm\":[]}}";
  const char *clips = "{\"format\":\"trawl-evidence/1\",\"clips\":[1,{\"source\":{\"sha256\":{}}}],"
                      "\"thumbnails\":[],\"readme\":{}}";

  verify_manifest (readme, strlen (readme), "missing or not a plain file name");
  verify_manifest (format, strlen (format), "is not");
  verify_manifest (signing, strlen (signing), "missing or not a plain file name");
  g_autofree char *tmp = g_dir_make_tmp ("trawl-fuzz-case-XXXXXX", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (TrawlCatalog) cat = trawl_catalog_open (tmp, TRAWL_CATALOG_CREATE, &error);
  g_assert_no_error (error);
  verify_manifest_in (cat, clips, strlen (clips), "not an object");
  g_clear_pointer (&cat, trawl_catalog_close);
  trawl_test_remove_tree (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fuzz/regress/evidence-empty-manifest", test_evidence_empty_manifest);
  g_test_add_func ("/fuzz/regress/evidence-wrong-types", test_evidence_wrong_types);
  return g_test_run ();
}
