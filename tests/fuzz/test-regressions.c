/* test-regressions.c - each input trawl-fuzz found to crash a parser (or
 * to reach a g_return_if_fail or a GLib critical), written here as bytes
 * or made by a few lines of code, fed to the same entry point. GTest makes
 * criticals fatal, so a test fails by aborting as the parser did. */
#include <string.h>

#include <glib/gstdio.h>
#include <trawl/catalog.h>
#include <trawl/evidence.h>
#include <trawl/vectors.h>
#include <math.h>

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

/* ---- .faiss files edited with a valid footer ---- */

#define FOOTER_LEN (8 + 8 + 32)

/* An IVF store of 300 vectors, saved: its bytes (g_byte_array_unref). */
static GByteArray *
ivf_store_bytes (const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TrawlVectorStore) vs = trawl_vector_store_new (TRAWL_FACE_DIM, &error);
  g_autofree float *v = g_new (float, 300 * TRAWL_FACE_DIM);
  gint64 ids[300];
  g_autofree char *path = g_build_filename (dir, "seed.faiss", NULL);
  char *data;
  gsize len;

  trawl_vector_store_set_flat_max (vs, 64);
  for (int i = 0; i < 300; i++)
    {
      ids[i] = 100 + i;
      for (int k = 0; k < TRAWL_FACE_DIM; k++)
        v[i * TRAWL_FACE_DIM + k] = sinf ((float) (i * TRAWL_FACE_DIM + k));
    }
  g_assert_true (trawl_vector_store_add (vs, 300, ids, v, &error));
  g_assert_true (trawl_vector_store_save (vs, path, &error));
  g_assert_true (g_str_has_prefix (trawl_vector_store_get_index_type (vs), "IVF"));
  g_assert_true (g_file_get_contents (path, &data, &len, &error));
  return g_byte_array_new_take ((guint8 *) data, len);
}

/* Writes b to path with its footer made anew (length and SHA-256 of the
 * FAISS part), as someone editing the file on purpose would. */
static void
write_refootered (const char *path, GByteArray *b)
{
  gsize body = b->len - FOOTER_LEN, dlen = 32;
  guint64 le = GUINT64_TO_LE ((guint64) body);
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  g_checksum_update (sum, b->data, (gssize) body);
  memcpy (b->data + body + 8, &le, 8);
  g_checksum_get_digest (sum, b->data + body + 16, &dlen);
  put_file ("/", path, (const char *) b->data, b->len);
}

/* Offset of the first list size after "ilar" (its "full" size table). */
static gsize
first_list_size (GByteArray *b)
{
  for (gsize i = 0; i + 4 <= b->len; i++)
    if (memcmp (b->data + i, "ilar", 4) == 0)
      {
        g_assert_cmpmem (b->data + i + 20, 4, "full", 4);
        return i + 4 + 8 + 8 + 4 + 8;
      }
  g_assert_not_reached ();
}

static void
expect_refused (const char *path)
{
  for (int mapped = 0; mapped < 2; mapped++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (TrawlVectorStore) vs =
        mapped ? trawl_vector_store_load_mapped (path, TRAWL_FACE_DIM, &error)
               : trawl_vector_store_load (path, TRAWL_FACE_DIM, &error);
      float q[TRAWL_FACE_DIM] = { 1 };
      if (vs != NULL)  /* before the fix: the search touched pages past the end */
        {
          g_autoptr (GArray) hits = trawl_vector_store_search (vs, q, 5, NULL);
        }
      g_assert_null (vs);
      g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT);
    }
}

/* trawl-fuzz vectors: an IVF list whose size runs past the end of the
 * file, behind a valid footer. A mapped load (which checks only the
 * footer) mapped it anyway and the first search died of SIGBUS in FAISS's
 * prefetch thread; now the layout is walked first. Likewise an "ilod"
 * (on-disk lists naming another file) where "ilar" belongs. */
static void
test_vectors_list_past_end (void)
{
  g_autofree char *dir = g_dir_make_tmp ("trawl-fuzz-vectors-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "faces.faiss", NULL);
  g_autoptr (GByteArray) b = ivf_store_bytes (dir);
  g_autoptr (GError) error = NULL;

  /* The unedited file with a re-made footer still loads both ways. */
  write_refootered (path, b);
  g_autoptr (TrawlVectorStore) ok = trawl_vector_store_load_mapped (path, TRAWL_FACE_DIM, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ok);
  g_clear_pointer (&ok, trawl_vector_store_free);

  gsize at = first_list_size (b);
  guint64 size;
  memcpy (&size, b->data + at, 8);
  size = GUINT64_TO_LE (GUINT64_FROM_LE (size) + 100000);
  memcpy (b->data + at, &size, 8);
  write_refootered (path, b);
  expect_refused (path);

  g_autoptr (GByteArray) c = ivf_store_bytes (dir);
  memcpy (c->data + first_list_size (c) - 32, "ilod", 4);
  write_refootered (path, c);
  expect_refused (path);
  trawl_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fuzz/regress/evidence-empty-manifest", test_evidence_empty_manifest);
  g_test_add_func ("/fuzz/regress/evidence-wrong-types", test_evidence_wrong_types);
  g_test_add_func ("/fuzz/regress/vectors-list-past-end", test_vectors_list_past_end);
  return g_test_run ();
}
