/* cmd-verify.c - `trawl verify`: check an evidence folder (hashes,
 * signature, and with --case the audit chain). Prints every problem and
 * exits 0 only when everything holds. */
#include "cli.h"

#include <stdio.h>

#include <json-glib/json-glib.h>
#include <trawl/catalog.h>
#include <trawl/evidence.h>

static char *opt_case;
static gboolean opt_json;

static const GOptionEntry verify_entries[] = {
  { "case", 0, 0, G_OPTION_ARG_FILENAME, &opt_case, "Also check against this case: its signing key, that its audit log records the export, and that the log's hash chain is intact", "CASE" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print the report as JSON", NULL },
  { NULL }
};

static const char verify_description[] =
  "Checks every file the manifest lists (size and SHA-256), that no other\n"
  "file was added, and the Ed25519 signature when the export is signed.\n"
  "With --case: the signing key is the case's, an audit row records this\n"
  "manifest's SHA-256, and the audit chain is unbroken.\n"
  "Exit status: 0 all holds, 1 problems found (each printed), 2 usage.\n"
  "\n"
  "Example:\n"
  "  trawl verify evidence/track-42 --case cases/gate\n";

static void
print_json (const TrawlVerifyReport *r)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *s = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, trawl_verify_report_ok (r));
  json_builder_set_member_name (b, "files_checked");
  json_builder_add_int_value (b, r->files_checked);
  json_builder_set_member_name (b, "signed");
  json_builder_add_boolean_value (b, r->is_signed);
  json_builder_set_member_name (b, "signature_ok");
  json_builder_add_boolean_value (b, r->signature_ok);
  json_builder_set_member_name (b, "manifest_sha256");
  json_builder_add_string_value (b, r->manifest_sha256);
  json_builder_set_member_name (b, "audit_row");
  json_builder_add_int_value (b, r->audit_id);
  json_builder_set_member_name (b, "problems");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->problems->len; i++)
    {
      const TrawlVerifyProblem *p = g_ptr_array_index (r->problems, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, p->file);
      json_builder_set_member_name (b, "field");
      json_builder_add_string_value (b, p->field);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, p->message);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  s = json_to_string (root, TRUE);
  printf ("%s\n", s);
}

static void
print_text (const char *dir, const TrawlVerifyReport *r, gboolean with_case)
{
  for (guint i = 0; i < r->problems->len; i++)
    {
      const TrawlVerifyProblem *p = g_ptr_array_index (r->problems, i);
      printf ("PROBLEM %s%s%s%s: %s\n", p->file, p->field ? " [" : "", p->field ? p->field : "",
              p->field ? "]" : "", p->message);
    }
  if (trawl_verify_report_ok (r))
    {
      printf ("OK %s: %u files match their SHA-256", dir, r->files_checked);
      if (r->is_signed)
        printf ("; signature valid (Ed25519 key %s)", r->public_key);
      else
        printf ("; not signed");
      if (with_case)
        printf ("; recorded in audit row %" G_GINT64_FORMAT " of an intact chain of %"
                G_GINT64_FORMAT, r->audit_id, r->audit_rows);
      printf ("\n");
      if (!r->is_signed && !with_case)
        printf ("note: unsigned, and checked without its case: the files match the manifest, "
                "but nothing vouches for the manifest itself (give --case CASE)\n");
    }
  else
    printf ("FAILED %s: %u problem%s\n", dir, r->problems->len, r->problems->len == 1 ? "" : "s");
}

int
trawl_cmd_verify (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("EXPORT_DIR");
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlCatalog) cat = NULL;
  g_autoptr(TrawlVerifyReport) r = NULL;

  g_option_context_set_summary (ctx, "Verify an evidence export: hashes, signature and (with "
                                     "--case) the case's audit chain.");
  g_option_context_set_description (ctx, verify_description);
  g_option_context_add_main_entries (ctx, verify_entries, NULL);
  if (!trawl_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc != 2)
    {
      fprintf (stderr, "trawl verify: need exactly one EXPORT_DIR (see --help)\n");
      return 2;
    }
  if (opt_case != NULL &&
      (cat = trawl_catalog_open (opt_case, TRAWL_CATALOG_READONLY, &error)) == NULL)
    return trawl_cli_fail (&error);
  r = trawl_evidence_verify (argv[1], cat, NULL, &error);
  if (r == NULL)
    return trawl_cli_fail (&error);
  if (opt_json)
    print_json (r);
  else
    print_text (argv[1], r, cat != NULL);
  return trawl_verify_report_ok (r) ? 0 : 1;
}
