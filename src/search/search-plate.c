/* search-plate.c - plates: a pattern against every plate track's reading.
 *
 * Plate text is short, so a fuzzy query compares the pattern with every
 * reading rather than trusting an index to find near misses: the reads sit
 * in an in-memory table (filled from the catalog once, refilled when
 * another process commits), the comparison gives up early on texts that
 * are far (trawl_plate_pattern_cost_bounded), and only the few survivors
 * are scored again with their per-character alternatives. A plate photo
 * becomes a pattern: its read, with '?' where the reader was unsure. */
#include <math.h>
#include <string.h>

#include <trawl/base.h>
#include <trawl/image.h>

#include "search-private.h"

/* Candidates costlier than this are not even listed below the threshold
 * (and never costlier than half an edit a literal: "粤B*" would otherwise
 * list every plate); alternatives can only lower a cost, so a read at most
 * this far without them is rescored with them. */
#define LIST_MAX_COST 2.5

/* Characters the reader was less sure of than this become '?' in the
 * pattern made from a plate photo. */
#define PHOTO_UNSURE_PROB 0.5f

static void
plate_row_clear (PlateRow *r)
{
  g_free (r->text);
  g_free (r->alternatives);
}

void
_trawl_search_plate_rows_free (GArray *rows)
{
  if (rows != NULL)
    g_array_unref (rows);
}

static gboolean
collect_row (const TrawlPlateTrackRow *row, gpointer data)
{
  GArray *rows = data;
  PlateRow r = { row->track_id, row->camera_id, row->first_utc, row->last_utc,
                 g_strdup (row->text), g_strdup (row->alternatives) };
  g_array_append_val (rows, r);
  return TRUE;
}

/* The table of plate reads, refilled when the catalog has changed. */
static GArray *
plate_rows (TrawlSearch *s, GError **error)
{
  TrawlCatalog *cat = trawl_case_get_catalog (s->kase);
  gint64 version = 0;
  GArray *rows;

  if (!trawl_catalog_get_data_version (cat, &version, error))
    return NULL;
  if (s->plate_rows != NULL && version == s->plate_rows_version)
    return s->plate_rows;
  rows = g_array_new (FALSE, FALSE, sizeof (PlateRow));
  g_array_set_clear_func (rows, (GDestroyNotify) plate_row_clear);
  if (!trawl_catalog_foreach_plate_track (cat, collect_row, rows, error))
    {
      g_array_unref (rows);
      return NULL;
    }
  g_clear_pointer (&s->plate_rows, g_array_unref);
  s->plate_rows = rows;
  s->plate_rows_version = version;
  return rows;
}

GArray *
_trawl_search_plates (TrawlSearch *s, const TrawlPlatePattern *pattern, const SearchFilter *f,
                      gint64 exclude_track, double min_score, gint64 *n_looked_at,
                      GCancellable *cancellable, GError **error)
{
  GArray *rows = plate_rows (s, error);
  GArray *out;
  int n_lit = MAX (1, trawl_plate_pattern_get_n_literals (pattern));
  double bound = MIN (LIST_MAX_COST, MAX (TRAWL_SEARCH_PLATE_MAX_COST, 0.5 * n_lit));

  if (rows == NULL)
    return NULL;
  /* A minimum score is a cost bound too: score = 1 - cost / n_literals. */
  if (min_score > 0)
    bound = MIN (bound, (1.0 - min_score) * n_lit + 1e-9);
  out = g_array_new (FALSE, FALSE, sizeof (Candidate));
  *n_looked_at = 0;
  for (guint i = 0; i < rows->len; i++)
    {
      const PlateRow *r = &g_array_index (rows, PlateRow, i);
      double cost;
      Candidate c = { 0 };

      if ((i & 0xffff) == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          g_array_unref (out);
          return NULL;
        }
      if (r->track_id == exclude_track
          || !_trawl_search_filter_pass (f, r->camera_id, r->first_utc, r->last_utc))
        continue;
      (*n_looked_at)++;
      cost = trawl_plate_pattern_cost_bounded (pattern, r->text, NULL, bound);
      if (isinf (cost) && !(trawl_plate_pattern_get_flags (pattern) & TRAWL_PLATE_MATCH_EXACT)
          && r->alternatives == NULL)
        continue;
      if (r->alternatives != NULL && cost > 0)
        cost = MIN (cost, trawl_plate_pattern_cost (pattern, r->text, r->alternatives));
      if (isinf (cost) || cost > bound)
        continue;
      c.track_id = r->track_id;
      c.score = MAX (0.0, 1.0 - cost / n_lit);
      c.sighting_id = 0;
      g_array_append_val (out, c);
    }
  _trawl_search_candidates_sort (out);
  return out;
}

static gboolean
ensure_plate_reader (TrawlSearch *s, GError **error)
{
  if (s->plates == NULL)
    s->plates = trawl_plate_reader_new (NULL, error);
  return s->plates != NULL;
}

/* The pattern for one read: its text, with '?' for each unsure character
 * when the kept characters line up with the text one to one. */
static char *
pattern_from_read (const TrawlPlate *p)
{
  g_autofree gunichar *text = NULL;
  GString *out;
  glong n = 0;
  guint k = 0;
  g_autoptr(GArray) kept = g_array_new (FALSE, FALSE, sizeof (TrawlPlateChar));

  text = g_utf8_to_ucs4_fast (p->text, -1, &n);
  for (guint i = 0; p->chars != NULL && i < p->chars->len; i++)
    {
      const TrawlPlateChar *c = &g_array_index (p->chars, TrawlPlateChar, i);
      if (trawl_plate_char_kept (c->c))
        g_array_append_val (kept, *c);
    }
  if ((glong) kept->len != n)
    return g_strdup (p->text);
  out = g_string_new (NULL);
  for (k = 0; k < kept->len; k++)
    {
      const TrawlPlateChar *c = &g_array_index (kept, TrawlPlateChar, k);
      if (c->prob < PHOTO_UNSURE_PROB)
        g_string_append_c (out, '?');
      else
        g_string_append_unichar (out, text[k]);
    }
  return g_string_free (out, FALSE);
}

char *
_trawl_search_read_plate_photo (TrawlSearch *s, const char *path, GError **error)
{
  g_autoptr(TrawlImage) img = trawl_image_load (path, error);
  g_autoptr(GPtrArray) plates = NULL;
  g_autoptr(TrawlPlate) crop_read = NULL;
  const TrawlPlate *best = NULL;

  if (img == NULL || !ensure_plate_reader (s, error))
    return NULL;
  /* A scene first (plates found by det and checked against the grammars);
   * a photo that is the plate itself reads as a crop. */
  plates = trawl_plate_reader_detect (s->plates, img, error);
  if (plates == NULL)
    return NULL;
  for (guint i = 0; i < plates->len; i++)
    {
      const TrawlPlate *p = plates->pdata[i];
      if (p->text != NULL && *p->text != '\0'
          && (best == NULL || p->confidence * p->det_score > best->confidence * best->det_score))
        best = p;
    }
  if (best == NULL)
    {
      crop_read = trawl_plate_reader_read_crop (s->plates, img, TRAWL_PLATE_CROP_AUTO, error);
      if (crop_read == NULL)
        return NULL;
      if (crop_read->text == NULL || *crop_read->text == '\0')
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                       "%s: no plate could be read in the photo; type what you can read "
                       "with --plate (use ? for unclear characters)", path);
          return NULL;
        }
      best = crop_read;
    }
  return pattern_from_read (best);
}
