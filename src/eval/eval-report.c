/* eval-report.c - the eval report: sections of count and value metrics,
 * notes and per-item records; printed as an aligned table or as JSON
 * (json-glib). The runner decides what goes in; this file only keeps and
 * prints it.
 */
#include "trawl/eval.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

typedef struct {
  char    *key;
  char    *label;
  gboolean is_count;
  int      num, den;   /* counts */
  double   value;      /* num/den for counts */
  double   target;     /* < 0: none */
} Metric;

typedef struct {
  char      *name;
  GPtrArray *metrics;  /* of Metric* */
  GPtrArray *notes;    /* of char* */
  JsonArray *items;    /* per-item records */
} Section;

struct TrawlEvalReport {
  char      *data_dir;
  GPtrArray *sections; /* of Section* */
};

static void
metric_free (gpointer p)
{
  Metric *m = p;
  g_free (m->key);
  g_free (m->label);
  g_free (m);
}

static void
section_free (gpointer p)
{
  Section *s = p;
  g_free (s->name);
  g_ptr_array_unref (s->metrics);
  g_ptr_array_unref (s->notes);
  json_array_unref (s->items);
  g_free (s);
}

TrawlEvalReport *
trawl_eval_report_new (const char *data_dir)
{
  TrawlEvalReport *r = g_new0 (TrawlEvalReport, 1);
  r->data_dir = g_strdup (data_dir ? data_dir : "");
  r->sections = g_ptr_array_new_with_free_func (section_free);
  return r;
}

void
trawl_eval_report_free (TrawlEvalReport *r)
{
  if (r == NULL)
    return;
  g_free (r->data_dir);
  g_ptr_array_unref (r->sections);
  g_free (r);
}

void
trawl_eval_report_section (TrawlEvalReport *r, const char *name)
{
  Section *s = g_new0 (Section, 1);
  s->name = g_strdup (name);
  s->metrics = g_ptr_array_new_with_free_func (metric_free);
  s->notes = g_ptr_array_new_with_free_func (g_free);
  s->items = json_array_new ();
  g_ptr_array_add (r->sections, s);
}

/* The current section; a general one is made when none was started. */
static Section *
current (TrawlEvalReport *r)
{
  if (r->sections->len == 0)
    trawl_eval_report_section (r, "general");
  return r->sections->pdata[r->sections->len - 1];
}

static Metric *
add_metric (TrawlEvalReport *r, const char *key, const char *label)
{
  Metric *m = g_new0 (Metric, 1);
  m->key = g_strdup (key);
  m->label = g_strdup (label ? label : key);
  m->target = -1;
  g_ptr_array_add (current (r)->metrics, m);
  return m;
}

void
trawl_eval_report_count (TrawlEvalReport *r, const char *key, const char *label,
                         int num, int den, double target)
{
  Metric *m = add_metric (r, key, label);
  m->is_count = TRUE;
  m->num = num;
  m->den = den;
  m->value = den > 0 ? (double) num / den : NAN;
  m->target = target;
}

void
trawl_eval_report_value (TrawlEvalReport *r, const char *key, const char *label, double value)
{
  Metric *m = add_metric (r, key, label);
  m->value = value;
}

void
trawl_eval_report_note (TrawlEvalReport *r, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_ptr_array_add (current (r)->notes, g_strdup_vprintf (fmt, ap));
  va_end (ap);
}

void
trawl_eval_report_item (TrawlEvalReport *r, const char *first_key, ...)
{
  JsonObject *o = json_object_new ();
  va_list ap;
  va_start (ap, first_key);
  for (const char *k = first_key; k; k = va_arg (ap, const char *))
    {
      const char *v = va_arg (ap, const char *);
      json_object_set_string_member (o, k, v ? v : "");
    }
  va_end (ap);
  json_array_add_object_element (current (r)->items, o);
}

double
trawl_eval_report_get (const TrawlEvalReport *r, const char *section, const char *key)
{
  for (guint i = 0; i < r->sections->len; i++)
    {
      Section *s = r->sections->pdata[i];
      if (strcmp (s->name, section) != 0)
        continue;
      for (guint j = 0; j < s->metrics->len; j++)
        {
          Metric *m = s->metrics->pdata[j];
          if (strcmp (m->key, key) == 0)
            return m->value;
        }
    }
  return NAN;
}

int
trawl_eval_report_n_sections (const TrawlEvalReport *r)
{
  int n = 0;
  for (guint i = 0; i < r->sections->len; i++)
    n += ((Section *) r->sections->pdata[i])->metrics->len > 0;
  return n;
}

static void
print_metric (const Metric *m, FILE *out)
{
  if (m->is_count)
    {
      char frac[32];
      g_snprintf (frac, sizeof frac, "%d/%d", m->num, m->den);
      fprintf (out, "  %-44s %10s  %6.1f%%", m->label, frac, m->den ? 100.0 * m->value : 0.0);
      if (m->target >= 0)
        fprintf (out, "   target %.0f%%%s", 100.0 * m->target,
                 m->den && m->value + 1e-9 >= m->target ? "" : "  (below)");
    }
  else
    {
      fprintf (out, "  %-44s %10.4g", m->label, m->value);
    }
  fputc ('\n', out);
}

void
trawl_eval_report_print (const TrawlEvalReport *r, FILE *out)
{
  fprintf (out, "trawl eval: %s\n", r->data_dir);
  for (guint i = 0; i < r->sections->len; i++)
    {
      Section *s = r->sections->pdata[i];
      fprintf (out, "\n%s\n", s->name);
      for (guint j = 0; j < s->metrics->len; j++)
        print_metric (s->metrics->pdata[j], out);
      for (guint j = 0; j < s->notes->len; j++)
        fprintf (out, "  note: %s\n", (char *) s->notes->pdata[j]);
    }
}

static void
add_number (JsonBuilder *b, const char *name, double v)
{
  json_builder_set_member_name (b, name);
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

static void
build_section (JsonBuilder *b, const Section *s)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, s->name);
  json_builder_set_member_name (b, "metrics");
  json_builder_begin_object (b);
  for (guint j = 0; j < s->metrics->len; j++)
    {
      Metric *m = s->metrics->pdata[j];
      json_builder_set_member_name (b, m->key);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "label");
      json_builder_add_string_value (b, m->label);
      if (m->is_count)
        {
          json_builder_set_member_name (b, "num");
          json_builder_add_int_value (b, m->num);
          json_builder_set_member_name (b, "den");
          json_builder_add_int_value (b, m->den);
        }
      add_number (b, "value", m->value);
      if (m->target >= 0)
        add_number (b, "target", m->target);
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  json_builder_set_member_name (b, "notes");
  json_builder_begin_array (b);
  for (guint j = 0; j < s->notes->len; j++)
    json_builder_add_string_value (b, s->notes->pdata[j]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "items");
  json_builder_add_value (b, json_node_init_array (json_node_alloc (), s->items));
  json_builder_end_object (b);
}

char *
trawl_eval_report_to_json (const TrawlEvalReport *r)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "data_dir");
  json_builder_add_string_value (b, r->data_dir);
  json_builder_set_member_name (b, "sections");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->sections->len; i++)
    build_section (b, r->sections->pdata[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}
