/* trawl-hit.c - TrawlHit: a search hit with what a tile shows as
 * properties (texture, camera, time, score text, match), for the grid's
 * GtkBuilderListItemFactory template (trawl-hit-tile.ui). */
#include "trawl-hit.h"

#include <math.h>

struct _TrawlResultsRef
{
  TrawlSearchResults *results;  /* owned */
};

struct _TrawlHit
{
  GObject          parent_instance;

  TrawlResultsRef *results;     /* a reference; keeps hit alive */
  TrawlSearchHit  *hit;         /* borrowed from results */
  GdkTexture      *texture;     /* decoded thumbnail, or NULL */
};

G_DEFINE_FINAL_TYPE (TrawlHit, trawl_hit, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TEXTURE,
  PROP_TITLE,
  PROP_CAMERA,
  PROP_TIME_TEXT,
  PROP_SCORE_TEXT,
  PROP_MATCH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
results_clear (TrawlResultsRef *rr)
{
  g_clear_pointer (&rr->results, trawl_search_results_free);
}

TrawlResultsRef *
trawl_results_ref_new (TrawlSearchResults *r)
{
  TrawlResultsRef *rr = g_rc_box_new0 (TrawlResultsRef);

  rr->results = r;
  return rr;
}

TrawlResultsRef *
trawl_results_ref_ref (TrawlResultsRef *rr)
{
  return g_rc_box_acquire (rr);
}

void
trawl_results_ref_unref (TrawlResultsRef *rr)
{
  if (rr != NULL)
    g_rc_box_release_full (rr, (GDestroyNotify) results_clear);
}

const TrawlSearchResults *
trawl_results_ref_get (TrawlResultsRef *rr)
{
  return rr->results;
}

char *
trawl_hit_format_time (double utc)
{
  g_autoptr(GDateTime) dt = NULL;

  if (isnan (utc))
    return g_strdup ("time unknown");
  dt = g_date_time_new_from_unix_local ((gint64) floor (utc));
  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S") : g_strdup ("time unknown");
}

static char *
score_text (TrawlHit *self)
{
  return g_strdup_printf ("%.3f · %s", self->hit->score,
                          self->hit->match         ? "match"
                          : self->hit->low_quality ? "face too poor to match"
                                                   : "below threshold");
}

static char *
title_text (TrawlHit *self)
{
  if (self->hit->kind == TRAWL_KIND_PLATE && self->hit->plate_text != NULL)
    return g_strdup (self->hit->plate_text);
  return g_strdup_printf ("%s track %" G_GINT64_FORMAT, trawl_kind_to_string (self->hit->kind),
                          self->hit->track_id);
}

static void
trawl_hit_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TrawlHit *self = TRAWL_HIT (object);

  switch (prop_id)
    {
    case PROP_TEXTURE:
      g_value_set_object (value, self->texture);
      break;
    case PROP_TITLE:
      g_value_take_string (value, title_text (self));
      break;
    case PROP_CAMERA:
      g_value_set_string (value, self->hit->camera);
      break;
    case PROP_TIME_TEXT:
      g_value_take_string (value, trawl_hit_format_time (self->hit->first_utc));
      break;
    case PROP_SCORE_TEXT:
      g_value_take_string (value, score_text (self));
      break;
    case PROP_MATCH:
      g_value_set_boolean (value, self->hit->match);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
trawl_hit_finalize (GObject *object)
{
  TrawlHit *self = TRAWL_HIT (object);

  g_clear_object (&self->texture);
  g_clear_pointer (&self->results, trawl_results_ref_unref);
  G_OBJECT_CLASS (trawl_hit_parent_class)->finalize (object);
}

static void
trawl_hit_class_init (TrawlHitClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = trawl_hit_get_property;
  object_class->finalize = trawl_hit_finalize;
  properties[PROP_TEXTURE] = g_param_spec_object ("texture", NULL, NULL, GDK_TYPE_PAINTABLE, ro);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, ro);
  properties[PROP_CAMERA] = g_param_spec_string ("camera", NULL, NULL, NULL, ro);
  properties[PROP_TIME_TEXT] = g_param_spec_string ("time-text", NULL, NULL, NULL, ro);
  properties[PROP_SCORE_TEXT] = g_param_spec_string ("score-text", NULL, NULL, NULL, ro);
  properties[PROP_MATCH] = g_param_spec_boolean ("match", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
trawl_hit_init (TrawlHit *self)
{
  (void) self;
}

static TrawlHit *
trawl_hit_new (TrawlResultsRef *rr, TrawlSearchHit *hit)
{
  TrawlHit *self = g_object_new (TRAWL_TYPE_HIT, NULL);
  g_autoptr(GError) error = NULL;

  self->results = trawl_results_ref_ref (rr);
  self->hit = hit;
  if (hit->thumbnail != NULL)
    {
      self->texture = gdk_texture_new_from_bytes (hit->thumbnail, &error);
      /* A thumbnail that does not decode leaves the tile blank; the hit
       * itself is still worth showing. */
      if (self->texture == NULL)
        g_warning ("thumbnail of track %" G_GINT64_FORMAT ": %s", hit->track_id, error->message);
    }
  return self;
}

GListStore *
trawl_hit_store_new (TrawlResultsRef *rr)
{
  GListStore *store = g_list_store_new (TRAWL_TYPE_HIT);
  const TrawlSearchResults *r = trawl_results_ref_get (rr);

  for (guint i = 0; i < r->hits->len; i++)
    {
      g_autoptr(TrawlHit) item = trawl_hit_new (rr, r->hits->pdata[i]);
      g_list_store_append (store, item);
    }
  return store;
}

const TrawlSearchHit *
trawl_hit_get_hit (TrawlHit *self)
{
  g_return_val_if_fail (TRAWL_IS_HIT (self), NULL);
  return self->hit;
}

GdkTexture *
trawl_hit_get_texture (TrawlHit *self)
{
  g_return_val_if_fail (TRAWL_IS_HIT (self), NULL);
  return self->texture;
}
