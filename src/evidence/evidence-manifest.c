/* evidence-manifest.c - the small pieces manifests are made of: times in
 * UTC and local time, hashes of bytes, file entries, the model list.
 * Export and verify share them so both read and write one format.
 */
#include <math.h>

#include "trawl-config.h"
#include "evidence-private.h"

static GDateTime *
utc_datetime (double utc)
{
  GDateTime *base = g_date_time_new_from_unix_utc ((gint64) floor (utc));
  GDateTime *dt;

  if (base == NULL)
    return NULL;
  dt = g_date_time_add (base, (GTimeSpan) llround ((utc - floor (utc)) * G_TIME_SPAN_SECOND));
  g_date_time_unref (base);
  return dt;
}

static char *
format_ms (GDateTime *dt, const char *zone)
{
  g_autofree char *head = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  int ms = g_date_time_get_microsecond (dt) / 1000;

  return g_strdup_printf ("%s.%03d%s", head, ms, zone);
}

char *
_trawl_evidence_iso_utc (double utc)
{
  g_autoptr(GDateTime) dt = NULL;

  if (isnan (utc) || (dt = utc_datetime (utc)) == NULL)
    return NULL;
  return format_ms (dt, "Z");
}

char *
_trawl_evidence_iso_local (double utc)
{
  g_autoptr(GDateTime) dt = NULL, local = NULL;
  g_autofree char *zone = NULL;

  if (isnan (utc) || (dt = utc_datetime (utc)) == NULL)
    return NULL;
  local = g_date_time_to_local (dt);
  zone = g_date_time_format (local, "%:z");
  return format_ms (local, zone);
}

char *
_trawl_evidence_local_offset (double utc)
{
  g_autoptr(GDateTime) dt = NULL, local = NULL;

  if (isnan (utc) || (dt = utc_datetime (utc)) == NULL)
    return NULL;
  local = g_date_time_to_local (dt);
  return g_date_time_format (local, "%:z");
}

double
_trawl_evidence_parse_time (const char *text)
{
  g_autoptr(GDateTime) dt = NULL;

  if (text == NULL || (dt = g_date_time_new_from_iso8601 (text, NULL)) == NULL)
    return NAN;
  return (double) g_date_time_to_unix (dt) + g_date_time_get_microsecond (dt) / 1e6;
}

char *
_trawl_evidence_sha256_bytes (const void *data, gsize len)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
}

void
_trawl_evidence_add_file_members (JsonBuilder *b, const char *file, const char *sha256,
                                  gint64 size)
{
  json_builder_set_member_name (b, "file");
  json_builder_add_string_value (b, file);
  json_builder_set_member_name (b, "sha256");
  json_builder_add_string_value (b, sha256);
  json_builder_set_member_name (b, "size");
  json_builder_add_int_value (b, size);
}

/* The manifest the models were fetched with (the cache's copy), else the
 * one in the source tree this trawl was built from. */
static TrawlModelManifest *
load_models (void)
{
  g_autofree char *cached = g_build_filename (trawl_models_dir (), "manifest.ini", NULL);
  TrawlModelManifest *m = trawl_model_manifest_load (cached, NULL);

  return m != NULL ? m : trawl_model_manifest_load (TRAWL_SOURCE_MANIFEST, NULL);
}

/* A model's part in finding kind: faces use face-*, plates text-*. */
static gboolean
model_serves (const TrawlModelEntry *e, TrawlKind kind)
{
  if (kind == TRAWL_KIND_FACE)
    return g_str_has_prefix (e->key, "face-");
  if (kind == TRAWL_KIND_PLATE)
    return g_str_has_prefix (e->key, "text-");
  return g_str_has_prefix (e->key, "face-") || g_str_has_prefix (e->key, "text-");
}

void
_trawl_evidence_add_models (JsonBuilder *b, TrawlKind kind)
{
  g_autoptr(TrawlModelManifest) m = load_models ();

  json_builder_set_member_name (b, "models");
  json_builder_begin_array (b);
  for (guint i = 0; m != NULL && i < m->entries->len; i++)
    {
      const TrawlModelEntry *e = g_ptr_array_index (m->entries, i);
      if (!model_serves (e, kind))
        continue;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "key");
      json_builder_add_string_value (b, e->key);
      json_builder_set_member_name (b, "package");
      json_builder_add_string_value (b, e->package);
      json_builder_set_member_name (b, "version");
      json_builder_add_string_value (b, e->version);
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, e->dest);
      json_builder_set_member_name (b, "sha256");
      json_builder_add_string_value (b, e->sha256);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}
