/* index-times.c - times in `trawl index`: the times CSV (--times FILE, or
 * a trawl-times.csv in an input folder: per file, its camera, its
 * wall-clock start and its camera's clock offset, for footage whose files
 * carry no trustworthy time of their own); the choice of each file's start
 * and its record; the one-file rule of --start; clock offsets given to a
 * run, applied to what the camera already has.
 *
 *   file,camera,start,clock_offset
 *   gate/0001.mp4,gate-2,2024-03-14T21:05:00Z,
 *   gate/0002.mp4,gate-2,2024-03-14T21:20:00Z,-3.5
 *
 * A header names the columns (file is required; the others may be left
 * out or left empty). Files are relative to the CSV's folder. Fields may
 * be double-quoted ("" for a quote); lines starting with # are comments.
 */
#include <math.h>
#include <string.h>

#include <gio/gio.h>
#include <trawl/base.h>
#include <trawl/search.h>

#include "indexer-private.h"

void
trawl_times_row_free (TrawlTimesRow *row)
{
  if (row == NULL)
    return;
  g_free (row->file);
  g_free (row->camera);
  g_free (row->where);
  g_free (row);
}

/* Splits one CSV line into fields (RFC 4180 quoting, no newlines inside
 * quotes). NULL when a quote is left open. */
static GPtrArray *
split_csv (const char *line)
{
  GPtrArray *f = g_ptr_array_new_with_free_func (g_free);
  GString *cur = g_string_new (NULL);
  gboolean quoted = FALSE;

  for (const char *p = line;; p++)
    {
      if (quoted)
        {
          if (*p == '\0')
            {
              g_string_free (cur, TRUE);
              g_ptr_array_unref (f);
              return NULL;
            }
          if (*p == '"' && p[1] == '"')
            g_string_append_c (cur, *p++);
          else if (*p == '"')
            quoted = FALSE;
          else
            g_string_append_c (cur, *p);
          continue;
        }
      if (*p == '"')
        quoted = TRUE;
      else if (*p == ',' || *p == '\0')
        {
          g_ptr_array_add (f, g_strstrip (g_string_free (cur, FALSE)));
          if (*p == '\0')
            break;
          cur = g_string_new (NULL);
        }
      else
        g_string_append_c (cur, *p);
    }
  return f;
}

typedef struct {
  int file, camera, start, offset;  /* column index, -1 when absent */
} Columns;

static gboolean
read_header (GPtrArray *h, const char *csv, Columns *c, GError **error)
{
  c->file = c->camera = c->start = c->offset = -1;
  for (guint i = 0; i < h->len; i++)
    {
      g_autofree char *name = g_ascii_strdown (h->pdata[i], -1);
      if (g_str_equal (name, "file"))
        c->file = i;
      else if (g_str_equal (name, "camera"))
        c->camera = i;
      else if (g_str_equal (name, "start"))
        c->start = i;
      else if (g_str_equal (name, "clock_offset"))
        c->offset = i;
      else
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                       "%s:1: unknown column '%s' (the columns are file, camera, start, "
                       "clock_offset)", csv, name);
          return FALSE;
        }
    }
  if (c->file < 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "%s:1: no 'file' column (the first line names the columns: "
                   "file,camera,start,clock_offset)", csv);
      return FALSE;
    }
  return TRUE;
}

static const char *
field (GPtrArray *f, int col)
{
  return col >= 0 && (guint) col < f->len && *(char *) f->pdata[col] != '\0' ? f->pdata[col]
                                                                           : NULL;
}

/* One data line into a row; FALSE with error naming csv:line. */
static gboolean
read_row (GPtrArray *f, const Columns *c, const char *dir, const char *csv, guint line,
          TrawlTimesRow *row, GError **error)
{
  const char *file = field (f, c->file), *start = field (f, c->start);
  const char *offset = field (f, c->offset);
  g_autoptr(GError) why = NULL;

  row->where = g_strdup_printf ("%s:%u", csv, line);
  row->start_utc = row->clock_offset_s = NAN;
  if (file == NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "%s: no file named", row->where);
      return FALSE;
    }
  row->file = g_canonicalize_filename (file, dir);
  row->camera = g_strdup (field (f, c->camera));
  if (start != NULL && !trawl_parse_time (start, &row->start_utc, &why))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "%s: start: %s", row->where,
                   why->message);
      return FALSE;
    }
  if (offset != NULL)
    {
      char *end = NULL;
      row->clock_offset_s = g_ascii_strtod (offset, &end);
      if (end == offset || *end != '\0' || !isfinite (row->clock_offset_s))
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                       "%s: clock_offset '%s' is not a number of seconds", row->where, offset);
          return FALSE;
        }
    }
  return TRUE;
}

GPtrArray *
trawl_index_load_times (const char *csv_path, GError **error)
{
  g_autofree char *text = NULL;
  g_autofree char *dir = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  gboolean have_header = FALSE;
  Columns c = { -1, -1, -1, -1 };

  g_return_val_if_fail (csv_path != NULL, NULL);
  if (!g_file_get_contents (csv_path, &text, NULL, error))
    return NULL;
  {
    g_autofree char *abs = g_canonicalize_filename (csv_path, NULL);
    dir = g_path_get_dirname (abs);
  }
  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) trawl_times_row_free);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);  /* also a trailing \r */
      g_autoptr(GPtrArray) f = NULL;
      TrawlTimesRow *row;

      if (*line == '\0' || *line == '#')
        continue;
      if ((f = split_csv (line)) == NULL)
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "%s:%u: a quote is not closed",
                       csv_path, i + 1);
          return NULL;
        }
      if (!have_header)
        {
          if (!read_header (f, csv_path, &c, error))
            return NULL;
          have_header = TRUE;
          continue;
        }
      row = g_new0 (TrawlTimesRow, 1);
      g_ptr_array_add (rows, row);
      if (!read_row (f, &c, dir, csv_path, i + 1, row, error))
        return NULL;
    }
  return g_steal_pointer (&rows);
}

/* ---- in a run ---- */

/* Adds the rows of csv to the run's table (path -> row) and the cameras'
 * offsets; a file or camera given two different ways is an error. */
static gboolean
add_times (TrawlIndexRun *run, const char *csv, GError **error)
{
  g_autoptr(GPtrArray) rows = trawl_index_load_times (csv, error);

  if (rows == NULL)
    return FALSE;
  for (guint i = 0; i < rows->len; i++)
    {
      TrawlTimesRow *r = rows->pdata[i];
      TrawlTimesRow *had = g_hash_table_lookup (run->times, r->file);

      if (had != NULL)
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                       "%s: %s is already given a time at %s", r->where, r->file, had->where);
          return FALSE;
        }
      g_hash_table_insert (run->times, r->file, r);
      rows->pdata[i] = NULL;  /* the table owns it now */
    }
  g_ptr_array_set_free_func (rows, NULL);
  return TRUE;
}

static gboolean check_offsets (TrawlIndexRun *run, GError **error);

gboolean
_trawl_index_load_times (TrawlIndexRun *run, const char *const *inputs, guint n_inputs,
                         GError **error)
{
  run->times = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                      (GDestroyNotify) trawl_times_row_free);
  if (run->opts.times_csv != NULL && !add_times (run, run->opts.times_csv, error))
    return FALSE;
  for (guint i = 0; i < n_inputs; i++)
    {
      g_autofree char *csv = g_build_filename (inputs[i], TRAWL_INDEX_TIMES_FILE, NULL);
      g_autofree char *a = NULL, *b = NULL;

      if (!g_file_test (inputs[i], G_FILE_TEST_IS_DIR) || !g_file_test (csv, G_FILE_TEST_EXISTS))
        continue;
      /* the same file named twice (--times and found) counts once */
      a = g_canonicalize_filename (csv, NULL);
      b = run->opts.times_csv ? g_canonicalize_filename (run->opts.times_csv, NULL) : NULL;
      if (g_strcmp0 (a, b) != 0 && !add_times (run, csv, error))
        return FALSE;
    }
  return check_offsets (run, error);
}

/* One offset per camera: rows that give a camera two different offsets
 * would set it back and forth, file by file. */
static gboolean
check_offsets (TrawlIndexRun *run, GError **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter it;
  gpointer value;

  g_hash_table_iter_init (&it, run->times);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      TrawlTimesRow *r = value;
      char *camera;
      const TrawlTimesRow *had;

      if (isnan (r->clock_offset_s))
        continue;
      camera = _trawl_index_camera_for (&run->opts, r, r->file);
      had = g_hash_table_lookup (seen, camera);
      if (had != NULL && had->clock_offset_s != r->clock_offset_s)
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                       "%s: camera %s is given clock offset %g here but %g at %s; a camera "
                       "has one offset", r->where, camera, r->clock_offset_s,
                       had->clock_offset_s, had->where);
          g_free (camera);
          return FALSE;
        }
      g_hash_table_replace (seen, camera, r);
    }
  return TRUE;
}

const TrawlTimesRow *
_trawl_index_times_for (TrawlIndexRun *run, const char *path)
{
  g_autofree char *abs = NULL;

  if (run->times == NULL || g_hash_table_size (run->times) == 0)
    return NULL;
  abs = g_canonicalize_filename (path, NULL);
  return g_hash_table_lookup (run->times, abs);
}

/* --start is one file's start. Files of different cameras may share it
 * (cameras started together), but two files of one camera cannot both
 * begin then: that stamped every file of a folder with the same time. */
gboolean
_trawl_index_check_start (TrawlIndexRun *run, GPtrArray *files, GError **error)
{
  g_autoptr(GHashTable) per_camera = NULL;

  if (isnan (run->opts.start_utc))
    return TRUE;
  per_camera = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < files->len; i++)
    {
      const TrawlTimesRow *r = _trawl_index_times_for (run, files->pdata[i]);
      char *camera;
      guint n;

      if (r != NULL && !isnan (r->start_utc))
        continue;
      camera = _trawl_index_camera_for (&run->opts, r, files->pdata[i]);
      n = GPOINTER_TO_UINT (g_hash_table_lookup (per_camera, camera)) + 1;
      g_hash_table_replace (per_camera, camera, GUINT_TO_POINTER (n));  /* keeps this key */
      if (n > 1)
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                       "--start gives the start of one file, but camera %s has several "
                       "files among the inputs and they would all begin at that second; "
                       "index one file per --start, or give each file its start in a times "
                       "CSV (--times FILE: file,camera,start,clock_offset), or let the file "
                       "names say (--time-pattern)", camera);
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- a file's start and its camera's offset ---- */

void
_trawl_index_resolve_start (TrawlIndexRun *run, const char *path, const TrawlTimesRow *row,
                            const TrawlMediaInfo *info, TrawlIndexStart *t)
{
  const char *form = NULL;
  double ignored;

  t->start = NAN;
  t->src = TRAWL_TIME_SOURCE_NONE;
  t->detail = NULL;
  if (row != NULL && !isnan (row->start_utc))
    {
      t->start = row->start_utc;
      t->src = TRAWL_TIME_SOURCE_SIDECAR;
      t->detail = g_strdup (row->where);
      return;
    }
  if (info == NULL)
    return;
  t->src = trawl_video_resolve_start_time (path, info, run->opts.start_utc,
                                           run->opts.time_pattern, &t->start);
  if (t->src == TRAWL_TIME_SOURCE_USER)
    t->detail = g_strdup ("--start");
  else if (t->src == TRAWL_TIME_SOURCE_CONTAINER)
    t->detail = g_strdup ("creation_time tag");
  else if (t->src == TRAWL_TIME_SOURCE_FILENAME && run->opts.time_pattern != NULL)
    t->detail = g_strdup_printf ("file name, --time-pattern %s", run->opts.time_pattern);
  else if (t->src == TRAWL_TIME_SOURCE_FILENAME
           && trawl_video_guess_filename_time (path, &ignored, &form))
    t->detail = g_strdup_printf ("file name, form %s", form);
}

/* A video catalogued before: one to be redone takes the start found now;
 * a finished one only an explicit start (--start, a CSV row), which moves
 * its times (audited); any other source gives what it gave then. */
gboolean
_trawl_index_restart_video (TrawlIndexRun *run, const char *path, const TrawlCatalogVideo *old,
                            const TrawlIndexStart *t, GError **error)
{
  gboolean changed = FALSE;
  if (old->status == TRAWL_VIDEO_STATUS_DONE && t->src != TRAWL_TIME_SOURCE_USER
      && t->src != TRAWL_TIME_SOURCE_SIDECAR)
    return TRUE;
  if (!trawl_catalog_set_video_start (run->cat, old->id, t->start, t->src, t->detail, &changed,
                                      error))
    return FALSE;
  if (changed && old->status == TRAWL_VIDEO_STATUS_DONE)
    g_message ("%s: indexed before; its start is now the one from %s, and its sightings' "
               "times moved with it (audited)", path, t->detail);
  return TRUE;
}

/* A clock offset for the file's camera (its CSV row, else --clock-offset)
 * that differs from the catalog's is applied to everything the camera has
 * (audited), not just to the videos to come. */
gboolean
_trawl_index_apply_offset (TrawlIndexRun *run, const char *camera, gint64 cam_id,
                           const TrawlTimesRow *row, GError **error)
{
  double offset = row != NULL && !isnan (row->clock_offset_s) ? row->clock_offset_s
                                                              : run->opts.clock_offset_s;
  g_autofree char *why = NULL;
  g_autoptr (TrawlCamera) cam = NULL;
  gint64 moved = 0;
  if (isnan (offset))
    return TRUE;
  if (!trawl_catalog_find_camera (run->cat, camera, &cam, error))
    return FALSE;
  if (cam != NULL && cam->clock_offset_s == offset)
    return TRUE;
  if (row != NULL && !isnan (row->clock_offset_s))
    why = g_strdup_printf ("trawl index, %s", row->where);
  else
    why = g_strdup ("trawl index --clock-offset");
  if (!trawl_catalog_change_camera_clock_offset (run->cat, cam_id, offset, why, &moved, error))
    return FALSE;
  if (moved > 0)
    g_message ("camera %s: clock offset set to %+.3f s; the times of %" G_GINT64_FORMAT
               " sightings indexed before moved with it (audited)", camera, offset, moved);
  return TRUE;
}
