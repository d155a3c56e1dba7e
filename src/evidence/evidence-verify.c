/* evidence-verify.c - `trawl verify`: does an evidence folder still hold
 * what its manifest says, was it signed by the case, and does the case's
 * audit chain record it?
 *
 * Every check adds a precise problem (file, manifest field or audit row,
 * and what is wrong) instead of stopping at the first, so one run tells
 * the whole story. Nothing here writes.
 */
#include <string.h>

#include <glib/gstdio.h>

#include "evidence-private.h"

typedef struct {
  const char        *dir;
  TrawlVerifyReport *r;
  GHashTable        *listed;   /* file names the manifest lists */
  GCancellable      *cancel;
} Verify;

static void
problem_free (TrawlVerifyProblem *p)
{
  if (p == NULL)
    return;
  g_free (p->file);
  g_free (p->field);
  g_free (p->message);
  g_free (p);
}

void
trawl_verify_report_free (TrawlVerifyReport *r)
{
  if (r == NULL)
    return;
  g_clear_pointer (&r->problems, g_ptr_array_unref);
  g_free (r->public_key);
  g_free (r->manifest_sha256);
  g_free (r);
}

gboolean
trawl_verify_report_ok (const TrawlVerifyReport *r)
{
  return r != NULL && r->problems->len == 0;
}

static void G_GNUC_PRINTF (4, 5)
add_problem (Verify *v, const char *file, const char *field, const char *fmt, ...)
{
  TrawlVerifyProblem *p = g_new0 (TrawlVerifyProblem, 1);
  va_list ap;

  va_start (ap, fmt);
  p->file = g_strdup (file);
  p->field = g_strdup (field);
  p->message = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_ptr_array_add (v->r->problems, p);
}

/* A member name inside the folder: no separators, no "..". */
static gboolean
plain_name (const char *name)
{
  return name != NULL && *name != '\0' && strchr (name, '/') == NULL &&
         strcmp (name, ".") != 0 && strcmp (name, "..") != 0;
}

/* A manifest's member as a string, NULL when absent or of another type.
 * (json-glib's _with_default getters are a critical, not a default, for an
 * object or a list where a value should be: a hostile manifest has them.) */
static const char *
member_string (JsonObject *o, const char *name)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;

  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
           ? json_node_get_string (n) : NULL;
}

/* A manifest's member as an integer, dflt when absent or of another type. */
static gint64
member_int (JsonObject *o, const char *name, gint64 dflt)
{
  JsonNode *n = o != NULL ? json_object_get_member (o, name) : NULL;

  return n != NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64
           ? json_node_get_int (n) : dflt;
}

/* Checks one {file, sha256, size} entry of the manifest. */
static gboolean
check_entry (Verify *v, JsonObject *o, const char *where, GError **error)
{
  const char *file = member_string (o, "file");
  const char *sha = member_string (o, "sha256");
  gint64 size = member_int (o, "size", -1);
  g_autofree char *path = NULL, *got = NULL, *field = NULL;
  g_autoptr(GError) local = NULL;
  GStatBuf sb;

  if (!plain_name (file) || sha == NULL)
    {
      field = g_strdup_printf ("%s.%s", where, plain_name (file) ? "sha256" : "file");
      add_problem (v, TRAWL_EVIDENCE_MANIFEST, field, "missing or not a plain file name");
      return TRUE;
    }
  g_hash_table_add (v->listed, g_strdup (file));
  if (g_cancellable_set_error_if_cancelled (v->cancel, error))
    return FALSE;
  path = g_build_filename (v->dir, file, NULL);
  if (g_stat (path, &sb) != 0)
    {
      add_problem (v, file, where, "missing: the manifest lists it but it is not in the folder");
      return TRUE;
    }
  v->r->files_checked++;
  if (size >= 0 && sb.st_size != size)
    {
      field = g_strdup_printf ("%s.size", where);
      add_problem (v, file, field, "is %" G_GINT64_FORMAT " bytes, the manifest says %"
                   G_GINT64_FORMAT " (truncated or extended)", (gint64) sb.st_size, size);
    }
  got = trawl_file_sha256 (path, &local);
  g_clear_pointer (&field, g_free);
  field = g_strdup_printf ("%s.sha256", where);
  if (got == NULL)
    add_problem (v, file, field, "cannot be read: %s", local->message);
  else if (g_ascii_strcasecmp (got, sha) != 0)
    add_problem (v, file, field, "SHA-256 is %s, the manifest says %s (the file was changed)",
                 got, sha);
  return TRUE;
}

static gboolean
check_entries (Verify *v, JsonObject *m, const char *member, GError **error)
{
  JsonArray *a;

  if (!json_object_has_member (m, member) ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (m, member)))
    {
      add_problem (v, TRAWL_EVIDENCE_MANIFEST, member, "missing or not a list");
      return TRUE;
    }
  a = json_object_get_array_member (m, member);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *n = json_array_get_element (a, i);
      g_autofree char *where = g_strdup_printf ("%s[%u]", member, i);
      if (!JSON_NODE_HOLDS_OBJECT (n))
        add_problem (v, TRAWL_EVIDENCE_MANIFEST, where, "not an object");
      else if (!check_entry (v, json_node_get_object (n), where, error))
        return FALSE;
    }
  return TRUE;
}

/* Files in the folder that the manifest does not account for. */
static void
check_unlisted (Verify *v)
{
  g_autoptr(GDir) d = g_dir_open (v->dir, 0, NULL);
  g_autoptr(GPtrArray) extra = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (strcmp (name, TRAWL_EVIDENCE_MANIFEST) != 0 && strcmp (name, TRAWL_EVIDENCE_SIGNATURE) != 0 &&
        !g_hash_table_contains (v->listed, name))
      g_ptr_array_add (extra, g_strdup (name));
  g_ptr_array_sort (extra, (GCompareFunc) g_strcmp0);
  for (guint i = 0; i < extra->len; i++)
    add_problem (v, g_ptr_array_index (extra, i), NULL,
                 "is in the folder but not listed in the manifest (added later?)");
}

static void
check_signature (Verify *v, JsonObject *m, const char *text, gsize len)
{
  JsonNode *sn = json_object_get_member (m, "signing");
  g_autofree char *sig_path = g_build_filename (v->dir, TRAWL_EVIDENCE_SIGNATURE, NULL);
  g_autofree char *sig = NULL;
  g_autoptr(GError) local = NULL;
  JsonObject *s;
  const char *key, *alg;

  if (sn == NULL || JSON_NODE_HOLDS_NULL (sn))
    {
      if (g_file_test (sig_path, G_FILE_TEST_EXISTS))
        add_problem (v, TRAWL_EVIDENCE_SIGNATURE, "signing",
                     "a signature file is present but the manifest names no signing key "
                     "(was the signing field removed?)");
      return;
    }
  v->r->is_signed = TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (sn))
    {
      add_problem (v, TRAWL_EVIDENCE_MANIFEST, "signing", "not an object");
      return;
    }
  s = json_node_get_object (sn);
  key = member_string (s, "public_key");
  alg = member_string (s, "algorithm");
  v->r->public_key = g_strdup (key);
  if (g_strcmp0 (alg, TRAWL_EVIDENCE_KEY_ALGORITHM) != 0)
    {
      add_problem (v, TRAWL_EVIDENCE_MANIFEST, "signing.algorithm",
                   "'%s' is not a signature algorithm trawl checks (ed25519)",
                   alg != NULL ? alg : "(none)");
      return;
    }
  if (!g_file_get_contents (sig_path, &sig, NULL, NULL))
    {
      add_problem (v, TRAWL_EVIDENCE_SIGNATURE, "signing",
                   "missing: the manifest says the export is signed");
      return;
    }
  g_strstrip (sig);
  if (_trawl_evidence_check_signature (key, sig, text, len, &local))
    v->r->signature_ok = TRUE;
  else
    add_problem (v, TRAWL_EVIDENCE_SIGNATURE, "signing.public_key", "%s", local->message);
}

/* With the case: each clip's source is a video the case indexed with the
 * SHA-256 the manifest gives. */
static gboolean
check_sources (Verify *v, TrawlCatalog *cat, JsonObject *m, GError **error)
{
  JsonArray *clips = json_object_has_member (m, "clips") &&
                     JSON_NODE_HOLDS_ARRAY (json_object_get_member (m, "clips"))
                       ? json_object_get_array_member (m, "clips") : NULL;

  for (guint i = 0; clips != NULL && i < json_array_get_length (clips); i++)
    {
      JsonNode *cn = json_array_get_element (clips, i);
      JsonObject *c = JSON_NODE_HOLDS_OBJECT (cn) ? json_node_get_object (cn) : NULL;
      JsonObject *src = c != NULL && json_object_has_member (c, "source") &&
                        JSON_NODE_HOLDS_OBJECT (json_object_get_member (c, "source"))
                          ? json_object_get_object_member (c, "source") : NULL;
      const char *sha = member_string (src, "sha256");
      g_autoptr(TrawlCatalogVideo) video = NULL;
      g_autofree char *field = g_strdup_printf ("clips[%u].source.sha256", i);

      if (sha == NULL)
        {
          add_problem (v, TRAWL_EVIDENCE_MANIFEST, field, "missing");
          continue;
        }
      if (!trawl_catalog_find_video (cat, sha, &video, error))
        return FALSE;
      if (video == NULL)
        add_problem (v, TRAWL_EVIDENCE_MANIFEST, field,
                     "no video of the case was indexed with SHA-256 %s", sha);
    }
  return TRUE;
}

/* With the case: its key, its audit chain, this export's row, the sources. */
static gboolean
check_case (Verify *v, TrawlCatalog *cat, JsonObject *m, GError **error)
{
  g_autofree char *case_key = NULL;
  g_autoptr(GError) local = NULL;
  gint64 n = 0, bad = 0;

  if (!trawl_catalog_get_signing_key (cat, NULL, &case_key, error))
    return FALSE;
  if (v->r->is_signed && case_key == NULL)
    add_problem (v, TRAWL_EVIDENCE_MANIFEST, "signing.public_key",
                 "the case has no signing key, so this signature is not the case's");
  else if (v->r->is_signed && g_strcmp0 (case_key, v->r->public_key) != 0)
    add_problem (v, TRAWL_EVIDENCE_MANIFEST, "signing.public_key",
                 "%s is not the case's signing key (%s)", v->r->public_key, case_key);
  if (!trawl_catalog_audit_verify (cat, &n, &bad, &local))
    {
      g_autofree char *row = g_strdup_printf ("row %" G_GINT64_FORMAT, bad);
      if (!g_error_matches (local, TRAWL_ERROR, TRAWL_ERROR_CORRUPT))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      add_problem (v, "audit", row, "the case's audit chain is broken: %s", local->message);
    }
  v->r->audit_rows = n;
  if (v->r->manifest_sha256 != NULL)
    {
      if (!_trawl_evidence_find_export_row (cat, v->r->manifest_sha256, &v->r->audit_id, error))
        return FALSE;
      if (v->r->audit_id == 0)
        add_problem (v, "audit", NULL,
                     "no audit row of the case records an export with this manifest "
                     "(SHA-256 %s): the manifest was changed, its audit row removed, or the "
                     "export is from another case", v->r->manifest_sha256);
    }
  return m == NULL || check_sources (v, cat, m, error);
}

static gboolean
verify_run (Verify *v, TrawlCatalog *cat, GError **error)
{
  g_autofree char *path = g_build_filename (v->dir, TRAWL_EVIDENCE_MANIFEST, NULL);
  g_autofree char *text = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local = NULL;
  JsonObject *m;
  gsize len = 0;

  if (!g_file_test (v->dir, G_FILE_TEST_IS_DIR))
    {
      add_problem (v, v->dir, NULL, "not a folder");
      return TRUE;
    }
  if (!g_file_get_contents (path, &text, &len, &local))
    {
      add_problem (v, TRAWL_EVIDENCE_MANIFEST, NULL, "cannot be read: %s", local->message);
      return TRUE;
    }
  v->r->manifest_sha256 = _trawl_evidence_sha256_bytes (text, len);
  /* An empty file parses to no root at all (NULL), not an empty node. */
  if (!json_parser_load_from_data (parser, text, (gssize) len, &local) ||
      json_parser_get_root (parser) == NULL ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      add_problem (v, TRAWL_EVIDENCE_MANIFEST, NULL, "is not a JSON object: %s",
                   local != NULL ? local->message
                   : json_parser_get_root (parser) == NULL ? "empty" : "wrong type");
      return cat == NULL || check_case (v, cat, NULL, error);
    }
  m = json_node_get_object (json_parser_get_root (parser));
  if (g_strcmp0 (member_string (m, "format"),
                 TRAWL_EVIDENCE_FORMAT) != 0)
    add_problem (v, TRAWL_EVIDENCE_MANIFEST, "format", "is not '%s'", TRAWL_EVIDENCE_FORMAT);
  if (!check_entries (v, m, "clips", error) || !check_entries (v, m, "thumbnails", error) ||
      (json_object_has_member (m, "derived") && !check_entries (v, m, "derived", error)))
    return FALSE;
  if (!json_object_has_member (m, "readme") ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (m, "readme")))
    add_problem (v, TRAWL_EVIDENCE_MANIFEST, "readme", "missing");
  else if (!check_entry (v, json_object_get_object_member (m, "readme"), "readme", error))
    return FALSE;
  check_unlisted (v);
  check_signature (v, m, text, len);
  return cat == NULL || check_case (v, cat, m, error);
}

TrawlVerifyReport *
trawl_evidence_verify (const char *dir, TrawlCatalog *cat, GCancellable *cancellable,
                       GError **error)
{
  Verify v = { 0 };
  TrawlVerifyReport *r = g_new0 (TrawlVerifyReport, 1);
  gboolean ok;

  g_return_val_if_fail (dir != NULL, NULL);
  r->problems = g_ptr_array_new_with_free_func ((GDestroyNotify) problem_free);
  v.dir = dir;
  v.r = r;
  v.cancel = cancellable;
  v.listed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ok = verify_run (&v, cat, error);
  g_hash_table_unref (v.listed);
  if (!ok)
    g_clear_pointer (&r, trawl_verify_report_free);
  return r;
}

/* ---- async ---- */

typedef struct {
  char         *dir;
  TrawlCatalog *cat;
} VerifyTask;

static void
verify_task_free (VerifyTask *t)
{
  g_free (t->dir);
  g_free (t);
}

static void
verify_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  VerifyTask *t = data;
  GError *error = NULL;
  TrawlVerifyReport *r = trawl_evidence_verify (t->dir, t->cat, cancellable, &error);

  (void) source;
  if (r != NULL)
    g_task_return_pointer (task, r, (GDestroyNotify) trawl_verify_report_free);
  else
    g_task_return_error (task, error);
}

void
trawl_evidence_verify_async (const char *dir, TrawlCatalog *cat, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  VerifyTask *t = g_new0 (VerifyTask, 1);

  t->dir = g_strdup (dir);
  t->cat = cat;
  g_task_set_source_tag (task, trawl_evidence_verify_async);
  g_task_set_task_data (task, t, (GDestroyNotify) verify_task_free);
  g_task_run_in_thread (task, verify_thread);
}

TrawlVerifyReport *
trawl_evidence_verify_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
