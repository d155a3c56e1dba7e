/* trawl-case-summary.c - TrawlCaseSummary: what `trawl info CASE` says,
 * read through trawl/catalog.h's stats, in a few labels. */
#include "trawl-case-summary.h"
#include "trawl-hit.h"

#include <math.h>
#include <trawl/base.h>

struct _TrawlCaseSummary
{
  GtkWidget  parent_instance;

  GtkLabel  *title_label;    /* the case folder's name */
  GtkLabel  *totals_label;   /* hours, videos, tracks */
  GtkLabel  *span_label;     /* first and last wall-clock time */
  GtkLabel  *cameras_label;  /* one line per camera */
};

G_DEFINE_FINAL_TYPE (TrawlCaseSummary, trawl_case_summary, GTK_TYPE_WIDGET)

/* The template's root box is not a bound child: unparent it by hand. */
static void
unparent_children (GtkWidget *widget)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (widget)) != NULL)
    gtk_widget_unparent (child);
}

static void
trawl_case_summary_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TRAWL_TYPE_CASE_SUMMARY);
  unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (trawl_case_summary_parent_class)->dispose (object);
}

static void
trawl_case_summary_class_init (TrawlCaseSummaryClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = trawl_case_summary_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/trawl/Trawl/trawl-case-summary.ui");
  gtk_widget_class_bind_template_child (widget_class, TrawlCaseSummary, title_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlCaseSummary, totals_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlCaseSummary, span_label);
  gtk_widget_class_bind_template_child (widget_class, TrawlCaseSummary, cameras_label);
}

static void
trawl_case_summary_init (TrawlCaseSummary *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* The clock offset of camera id (0 when unknown). */
static double
offset_of (GPtrArray *cameras, gint64 id)
{
  for (guint i = 0; i < cameras->len; i++)
    if (((TrawlCamera *) cameras->pdata[i])->id == id)
      return ((TrawlCamera *) cameras->pdata[i])->clock_offset_s;
  return 0;
}

/* The span of done videos with a wall-clock start, as cmd-info.c gives it
 * (true UTC: the cameras' clock offsets count). */
static char *
span_text (GPtrArray *videos, GPtrArray *cameras)
{
  double a = NAN, z = NAN;
  g_autofree char *ta = NULL, *tz = NULL;

  for (guint i = 0; i < videos->len; i++)
    {
      TrawlCatalogVideo *v = videos->pdata[i];
      double start;
      if (isnan (v->start_time_utc) || v->status != TRAWL_VIDEO_STATUS_DONE)
        continue;
      start = v->start_time_utc + offset_of (cameras, v->camera_id);
      if (isnan (a) || start < a)
        a = start;
      if (isnan (z) || start + MAX (0.0, v->duration_s) > z)
        z = start + MAX (0.0, v->duration_s);
    }
  if (isnan (a))
    return g_strdup ("No wall-clock times known");
  ta = trawl_hit_format_time (a);
  tz = trawl_hit_format_time (z);
  return g_strdup_printf ("%s – %s (local time)", ta, tz);
}

static char *
cameras_text (GPtrArray *cams)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < cams->len; i++)
    {
      TrawlCameraStats *c = cams->pdata[i];
      g_string_append_printf (s, "%s%s: %" G_GINT64_FORMAT " video(s), %" G_GINT64_FORMAT
                              " face / %" G_GINT64_FORMAT " plate tracks",
                              i > 0 ? "\n" : "", c->camera, c->videos, c->face_tracks,
                              c->plate_tracks);
    }
  if (cams->len == 0)
    g_string_append (s, "No cameras yet: add footage (Ctrl+I).");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

gboolean
trawl_case_summary_set_case (TrawlCaseSummary *self, TrawlCase *c, GError **error)
{
  TrawlCatalog *cat;
  TrawlCatalogStats st;
  g_autoptr(GPtrArray) cams = NULL;
  g_autoptr(GPtrArray) videos = NULL;
  g_autoptr(GPtrArray) cameras = NULL;
  g_autofree char *name = NULL, *hours = NULL, *totals = NULL, *span = NULL, *cam_text = NULL;

  g_return_val_if_fail (TRAWL_IS_CASE_SUMMARY (self), FALSE);
  cat = trawl_case_get_catalog (c);
  if (!trawl_catalog_get_stats (cat, &st, error)
      || (cams = trawl_catalog_get_camera_stats (cat, error)) == NULL
      || (videos = trawl_catalog_list_videos (cat, error)) == NULL
      || (cameras = trawl_catalog_list_cameras (cat, error)) == NULL)
    {
      trawl_case_summary_clear (self);
      return FALSE;
    }
  name = g_path_get_basename (trawl_case_get_dir (c));
  hours = trawl_format_duration (st.hours_indexed * 3600);
  totals = g_strdup_printf ("%" G_GINT64_FORMAT " cameras · %s indexed · %" G_GINT64_FORMAT
                            " videos (%" G_GINT64_FORMAT " done, %" G_GINT64_FORMAT " failed, %"
                            G_GINT64_FORMAT " pending)\n%" G_GINT64_FORMAT " face tracks · %"
                            G_GINT64_FORMAT " plate tracks",
                            st.cameras, hours, st.videos, st.videos_done,
                            st.videos_failed, st.videos_pending, st.face_tracks, st.plate_tracks);
  span = span_text (videos, cameras);
  cam_text = cameras_text (cams);
  gtk_label_set_text (self->title_label, name);
  gtk_label_set_text (self->totals_label, totals);
  gtk_label_set_text (self->span_label, span);
  gtk_label_set_text (self->cameras_label, cam_text);
  return TRUE;
}

void
trawl_case_summary_clear (TrawlCaseSummary *self)
{
  g_return_if_fail (TRAWL_IS_CASE_SUMMARY (self));
  gtk_label_set_text (self->title_label, "No case open");
  gtk_label_set_text (self->totals_label, "Open a case folder (Ctrl+O).");
  gtk_label_set_text (self->span_label, "");
  gtk_label_set_text (self->cameras_label, "");
}

const char *
trawl_case_summary_get_totals (TrawlCaseSummary *self)
{
  g_return_val_if_fail (TRAWL_IS_CASE_SUMMARY (self), NULL);
  return gtk_label_get_text (self->totals_label);
}
