/* cmd-audit.c - `trawl audit CASE`: the case's audit log, row by row, and
 * whether its hash chain holds (trawl_catalog_audit_verify). Read-only, so
 * it works during indexing. Exit 0 when the chain holds, 1 when it is
 * broken (the rows are still shown, the first broken one marked). */
#include "cli.h"

#include <stdio.h>

#include <json-glib/json-glib.h>
#include <trawl/case.h>
#include <trawl/catalog.h>

static gboolean opt_json;

static const GOptionEntry audit_entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print as JSON", NULL },
  { NULL }
};

static void
print_text (GPtrArray *rows, gint64 bad, const GError *broken)
{
  printf ("%-5s %-27s %-12s %-14s %-16s %s\n", "ID", "TIME (UTC)", "USER", "ACTION", "HASH",
          "DETAILS");
  for (guint i = 0; i < rows->len; i++)
    {
      const TrawlAuditRow *r = rows->pdata[i];
      g_autofree char *details = g_utf8_make_valid (r->details, -1);
      printf ("%-5" G_GINT64_FORMAT " %-27s %-12s %-14s %.16s %s%s\n", r->id, r->time_utc,
              r->user, r->action, r->hash, details, r->id == bad ? "   <-- BROKEN HERE" : "");
    }
  if (broken == NULL)
    printf ("chain: %u row%s, intact\n", rows->len, rows->len == 1 ? "" : "s");
  else
    printf ("chain: BROKEN: %s\n", broken->message);
}

static void
print_json (GPtrArray *rows, gint64 bad, const GError *broken)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "intact");
  json_builder_add_boolean_value (b, broken == NULL);
  json_builder_set_member_name (b, "problem");
  if (broken != NULL)
    json_builder_add_string_value (b, broken->message);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "first_bad_row");
  json_builder_add_int_value (b, bad);
  json_builder_set_member_name (b, "rows");
  json_builder_begin_array (b);
  for (guint i = 0; i < rows->len; i++)
    {
      const TrawlAuditRow *r = rows->pdata[i];
      g_autofree char *details = g_utf8_make_valid (r->details, -1);
      const char *names[] = { "time_utc", "user", "action", "details", "prev_hash", "hash" };
      const char *values[] = { r->time_utc, r->user, r->action, details, r->prev_hash, r->hash };
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, r->id);
      for (guint k = 0; k < G_N_ELEMENTS (names); k++)
        {
          json_builder_set_member_name (b, names[k]);
          json_builder_add_string_value (b, values[k] != NULL ? values[k] : "");
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = json_to_string (root, TRUE);
  printf ("%s\n", text);
}

int
trawl_cmd_audit (int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("CASE");
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) broken = NULL;
  gint64 bad = 0;

  g_option_context_set_summary (ctx,
    "Print the audit log of CASE and verify its hash chain.\n"
    "Exit status: 0 the chain holds, 1 it is broken (or the case cannot be read).");
  g_option_context_add_main_entries (ctx, audit_entries, NULL);
  if (!trawl_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc != 2)
    {
      fprintf (stderr, "trawl audit: need exactly one CASE (see --help)\n");
      return 2;
    }
  g_autoptr (TrawlCase) kase = trawl_case_open (argv[1], TRAWL_CASE_READ, &error);
  if (kase == NULL)
    return trawl_cli_fail (&error);
  TrawlCatalog *cat = trawl_case_get_catalog (kase);
  g_autoptr (GPtrArray) rows = trawl_catalog_audit_list (cat, &error);
  if (rows == NULL)
    return trawl_cli_fail (&error);
  if (!trawl_catalog_audit_verify (cat, NULL, &bad, &broken)
      && !g_error_matches (broken, TRAWL_ERROR, TRAWL_ERROR_CORRUPT))
    return trawl_cli_fail (&broken);
  if (opt_json)
    print_json (rows, bad, broken);
  else
    print_text (rows, bad, broken);
  if (broken != NULL)
    {
      fprintf (stderr, "trawl audit: %s\n", broken->message);
      return 1;
    }
  return 0;
}
