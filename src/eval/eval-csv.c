/* eval-csv.c - the RFC 4180 reader for labels.csv files. Small on purpose:
 * quoted fields (with "" escapes, commas and newlines inside), LF or CRLF,
 * and a line number for every record so problems can be reported where
 * they are. Anything malformed is skipped and described, never fatal.
 */
#include "trawl/eval.h"
#include "trawl/base.h"

#include <string.h>

static void
row_free (gpointer p)
{
  TrawlCsvRow *row = p;
  if (row == NULL)
    return;
  g_ptr_array_unref (row->fields);
  g_free (row);
}

void
trawl_csv_free (TrawlCsv *csv)
{
  if (csv == NULL)
    return;
  if (csv->header)
    g_ptr_array_unref (csv->header);
  g_ptr_array_unref (csv->rows);
  g_ptr_array_unref (csv->problems);
  g_free (csv);
}

/* Reads one record starting at *pos. Returns the fields (NULL at end of
 * text); *line is advanced past the record's newlines; *bad gets a reason
 * when the record is malformed (the rest of its line is then consumed). */
static GPtrArray *
read_record (const char *t, gsize len, gsize *pos, int *line, const char **bad)
{
  gsize i = *pos;
  if (i >= len)
    return NULL;
  GPtrArray *fields = g_ptr_array_new_with_free_func (g_free);
  GString *f = g_string_new (NULL);
  gboolean quoted = FALSE, was_quoted = FALSE;
  *bad = NULL;
  for (;;)
    {
      if (i >= len)
        {
          if (quoted)
            *bad = "unterminated quoted field";
          break;
        }
      char c = t[i];
      if (quoted)
        {
          if (c == '"' && i + 1 < len && t[i + 1] == '"')
            {
              g_string_append_c (f, '"');
              i += 2;
            }
          else if (c == '"')
            {
              quoted = FALSE;
              i++;
            }
          else
            {
              if (c == '\n')
                (*line)++;
              g_string_append_c (f, c);
              i++;
            }
          continue;
        }
      if (c == ',')
        {
          g_ptr_array_add (fields, g_string_free (f, FALSE));
          f = g_string_new (NULL);
          was_quoted = FALSE;
          i++;
        }
      else if (c == '\n' || c == '\r')
        {
          i += (c == '\r' && i + 1 < len && t[i + 1] == '\n') ? 2 : 1;
          (*line)++;
          break;
        }
      else if (c == '"' && f->len == 0 && !was_quoted)
        {
          quoted = was_quoted = TRUE;
          i++;
        }
      else if (c == '"' || was_quoted)
        {
          /* A quote inside an unquoted field, or text after a closing quote. */
          if (*bad == NULL)
            *bad = c == '"' ? "stray quote in an unquoted field" : "text after a closing quote";
          g_string_append_c (f, c);
          i++;
        }
      else
        {
          g_string_append_c (f, c);
          i++;
        }
    }
  g_ptr_array_add (fields, g_string_free (f, FALSE));
  *pos = i;
  return fields;
}

static gboolean
record_is_blank (GPtrArray *fields)
{
  return fields->len == 1 && ((char *) fields->pdata[0])[0] == '\0';
}

TrawlCsv *
trawl_csv_parse (const char *text, gsize len, const char *name, GError **error)
{
  gsize pos = 0;
  int line = 1;
  const char *bad = NULL;
  if (name == NULL)
    name = "csv";
  /* Skip a UTF-8 byte-order mark. */
  if (len >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0)
    pos = 3;
  GPtrArray *header = read_record (text, len, &pos, &line, &bad);
  if (header == NULL || record_is_blank (header) || bad != NULL)
    {
      if (header)
        g_ptr_array_unref (header);
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT, "%s:1: %s", name,
                   bad ? bad : "no header line");
      return NULL;
    }
  TrawlCsv *csv = g_new0 (TrawlCsv, 1);
  csv->header = header;
  csv->rows = g_ptr_array_new_with_free_func (row_free);
  csv->problems = g_ptr_array_new_with_free_func (g_free);
  for (;;)
    {
      int start = line;
      GPtrArray *fields = read_record (text, len, &pos, &line, &bad);
      if (fields == NULL)
        break;
      if (record_is_blank (fields) && bad == NULL)
        {
          g_ptr_array_unref (fields);
          continue;
        }
      if (bad == NULL && fields->len != header->len)
        g_ptr_array_add (csv->problems,
                         g_strdup_printf ("%s:%d: expected %u fields, found %u", name, start,
                                          header->len, fields->len));
      else if (bad != NULL)
        g_ptr_array_add (csv->problems, g_strdup_printf ("%s:%d: %s", name, start, bad));
      if (bad != NULL || fields->len != header->len)
        {
          g_ptr_array_unref (fields);
          continue;
        }
      TrawlCsvRow *row = g_new0 (TrawlCsvRow, 1);
      row->line = start;
      row->fields = fields;
      g_ptr_array_add (csv->rows, row);
    }
  return csv;
}

TrawlCsv *
trawl_csv_load (const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &text, &len, error))
    return NULL;
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *dirbase = g_path_get_basename (dir);
  g_autofree char *name = g_build_filename (dirbase, base, NULL);
  return trawl_csv_parse (text, len, name, error);
}

int
trawl_csv_column (const TrawlCsv *csv, const char *name)
{
  for (guint i = 0; i < csv->header->len; i++)
    if (strcmp (csv->header->pdata[i], name) == 0)
      return (int) i;
  return -1;
}

const char *
trawl_csv_get (const TrawlCsv *csv, const TrawlCsvRow *row, const char *name)
{
  int col = trawl_csv_column (csv, name);
  if (col < 0 || (guint) col >= row->fields->len)
    return "";
  return row->fields->pdata[col];
}
