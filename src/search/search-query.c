/* search-query.c - TrawlQuery: what the investigator asks, checked where
 * it can be (plate patterns) when it is set, copied for worker threads,
 * and written out as JSON for logs and evidence manifests. */
#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>
#include <trawl/base.h>
#include <trawl/vectors.h>

#include "search-private.h"

TrawlQuery *
trawl_query_new (void)
{
  TrawlQuery *q = g_new0 (TrawlQuery, 1);
  q->photos = g_ptr_array_new_with_free_func ((GDestroyNotify) _trawl_query_photo_free);
  q->descriptors = g_array_new (FALSE, FALSE, sizeof (float));
  q->cameras = g_ptr_array_new_with_free_func (g_free);
  q->from_utc = q->to_utc = NAN;
  q->limit = 50;
  return q;
}

void
trawl_query_free (TrawlQuery *q)
{
  if (q == NULL)
    return;
  g_ptr_array_unref (q->photos);
  g_array_unref (q->descriptors);
  g_ptr_array_unref (q->cameras);
  g_free (q->plate_pattern);
  g_free (q->plate_photo);
  g_free (q);
}

QueryPhoto *
_trawl_query_photo_copy (const QueryPhoto *p)
{
  QueryPhoto *c = g_memdup2 (p, sizeof *p);
  c->path = g_strdup (p->path);
  return c;
}

void
_trawl_query_photo_free (QueryPhoto *p)
{
  if (p == NULL)
    return;
  g_free (p->path);
  g_free (p);
}

TrawlQuery *
_trawl_query_copy (const TrawlQuery *q)
{
  TrawlQuery *c = trawl_query_new ();

  for (guint i = 0; i < q->photos->len; i++)
    g_ptr_array_add (c->photos, _trawl_query_photo_copy (q->photos->pdata[i]));
  g_array_append_vals (c->descriptors, q->descriptors->data, q->descriptors->len);
  for (guint i = 0; i < q->cameras->len; i++)
    g_ptr_array_add (c->cameras, g_strdup (q->cameras->pdata[i]));
  c->plate_pattern = g_strdup (q->plate_pattern);
  c->plate_exact = q->plate_exact;
  c->plate_photo = g_strdup (q->plate_photo);
  c->track_id = q->track_id;
  c->from_utc = q->from_utc;
  c->to_utc = q->to_utc;
  c->min_score = q->min_score;
  c->limit = q->limit;
  c->thumbnails = q->thumbnails;
  return c;
}

void
trawl_query_add_face_photo (TrawlQuery *q, const char *path, int face_index, const float *box)
{
  QueryPhoto *p;

  g_return_if_fail (q != NULL && path != NULL);
  p = g_new0 (QueryPhoto, 1);
  p->path = g_strdup (path);
  p->face_index = MAX (face_index, 0);
  if (box != NULL)
    {
      p->has_box = TRUE;
      memcpy (p->box, box, sizeof p->box);
    }
  g_ptr_array_add (q->photos, p);
}

void
trawl_query_add_face_descriptor (TrawlQuery *q, const float *descriptor)
{
  g_return_if_fail (q != NULL && descriptor != NULL);
  g_array_append_vals (q->descriptors, descriptor, TRAWL_FACE_DIM);
}

gboolean
trawl_query_set_plate_text (TrawlQuery *q, const char *pattern, gboolean exact, GError **error)
{
  g_autoptr(TrawlPlatePattern) p = NULL;

  g_return_val_if_fail (q != NULL && pattern != NULL, FALSE);
  p = trawl_plate_pattern_new (pattern, exact ? TRAWL_PLATE_MATCH_EXACT : TRAWL_PLATE_MATCH_FUZZY,
                               error);
  if (p == NULL)
    return FALSE;
  g_free (q->plate_pattern);
  q->plate_pattern = g_strdup (pattern);
  q->plate_exact = exact;
  return TRUE;
}

void
trawl_query_set_plate_photo (TrawlQuery *q, const char *path)
{
  g_return_if_fail (q != NULL && path != NULL);
  g_free (q->plate_photo);
  q->plate_photo = g_strdup (path);
}

void
trawl_query_set_track (TrawlQuery *q, gint64 track_id)
{
  g_return_if_fail (q != NULL);
  q->track_id = track_id;
}

void
trawl_query_add_camera (TrawlQuery *q, const char *camera)
{
  g_return_if_fail (q != NULL && camera != NULL);
  g_ptr_array_add (q->cameras, g_strdup (camera));
}

void
trawl_query_set_time_range (TrawlQuery *q, double from_utc, double to_utc)
{
  g_return_if_fail (q != NULL);
  q->from_utc = from_utc;
  q->to_utc = to_utc;
}

void
trawl_query_set_min_score (TrawlQuery *q, double min_score)
{
  g_return_if_fail (q != NULL);
  q->min_score = min_score;
}

void
trawl_query_set_limit (TrawlQuery *q, int limit)
{
  g_return_if_fail (q != NULL);
  q->limit = limit;
}

void
trawl_query_set_thumbnails (TrawlQuery *q, gboolean with_thumbnails)
{
  g_return_if_fail (q != NULL);
  q->thumbnails = with_thumbnails;
}

static void
add_time (JsonBuilder *b, const char *name, double utc)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *text = NULL;

  if (isnan (utc))
    return;
  dt = g_date_time_new_from_unix_utc ((gint64) floor (utc));
  if (dt == NULL)
    return;
  text = g_date_time_format_iso8601 (dt);
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, text);
}

char *
trawl_query_to_json (const TrawlQuery *q)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (q != NULL, NULL);
  json_builder_begin_object (b);
  if (q->photos->len > 0)
    {
      json_builder_set_member_name (b, "face_photos");
      json_builder_begin_array (b);
      for (guint i = 0; i < q->photos->len; i++)
        json_builder_add_string_value (b, ((QueryPhoto *) q->photos->pdata[i])->path);
      json_builder_end_array (b);
    }
  if (q->descriptors->len > 0)
    {
      json_builder_set_member_name (b, "face_descriptors");
      json_builder_add_int_value (b, q->descriptors->len / TRAWL_FACE_DIM);
    }
  if (q->plate_pattern != NULL)
    {
      json_builder_set_member_name (b, "plate");
      json_builder_add_string_value (b, q->plate_pattern);
      json_builder_set_member_name (b, "exact");
      json_builder_add_boolean_value (b, q->plate_exact);
    }
  if (q->plate_photo != NULL)
    {
      json_builder_set_member_name (b, "plate_photo");
      json_builder_add_string_value (b, q->plate_photo);
    }
  if (q->track_id > 0)
    {
      json_builder_set_member_name (b, "track");
      json_builder_add_int_value (b, q->track_id);
    }
  if (q->cameras->len > 0)
    {
      json_builder_set_member_name (b, "cameras");
      json_builder_begin_array (b);
      for (guint i = 0; i < q->cameras->len; i++)
        json_builder_add_string_value (b, q->cameras->pdata[i]);
      json_builder_end_array (b);
    }
  add_time (b, "from", q->from_utc);
  add_time (b, "to", q->to_utc);
  json_builder_set_member_name (b, "min_score");
  json_builder_add_double_value (b, q->min_score);
  json_builder_set_member_name (b, "limit");
  json_builder_add_int_value (b, q->limit);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

gboolean
trawl_parse_time (const char *text, double *utc, GError **error)
{
  g_autoptr(GTimeZone) local = g_time_zone_new_local ();
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *iso = NULL;
  char *space;

  g_return_val_if_fail (text != NULL && utc != NULL, FALSE);
  iso = g_strstrip (g_strdup (text));
  space = strchr (iso, ' ');
  if (space != NULL)
    *space = 'T';  /* "2024-03-14 21:05" as people write it */
  if (strlen (iso) == 10 && strchr (iso, 'T') == NULL)
    {
      char *day = iso;
      iso = g_strconcat (day, "T00:00:00", NULL);
      g_free (day);
    }
  /* "21:05" as people write it, zone or not: GLib wants the seconds */
  {
    char *t = strchr (iso, 'T');
    if (t != NULL)
      {
        size_t clock_len = strcspn (t + 1, "Z+-");
        if (clock_len == 5 && t[3] == ':')
          {
            char *short_form = iso;
            iso = g_strdup_printf ("%.*s:00%s", (int) (t + 1 + clock_len - iso), short_form,
                                   t + 1 + clock_len);
            g_free (short_form);
          }
      }
  }
  dt = g_date_time_new_from_iso8601 (iso, local);
  if (dt == NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "'%s' is not a time trawl understands; write it like 2024-03-14T21:05:00+08:00 "
                   "or, in local time, 2024-03-14 21:05", text);
      return FALSE;
    }
  *utc = (double) g_date_time_to_unix (dt) + g_date_time_get_microsecond (dt) / 1e6;
  return TRUE;
}
