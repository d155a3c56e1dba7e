/* evidence-report.c - `trawl report`: a PDF case report of findings.
 *
 * One A4 document drawn with cairo's PDF surface and laid out with pango
 * (so plate text in any script renders): the query, then per finding
 * (a track) its camera, video, times and where they came from, its best
 * thumbnails (the catalog's JPEG bytes embedded unchanged as the images'
 * source data), the exports of it the audit log records, and last the
 * route, every finding in wall-clock order. The PDF goes to disk through
 * an atomic file while its SHA-256 is computed from the same bytes; that
 * hash is appended to the audit log.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <trawl/image.h>

#include "evidence-private.h"

#define PAGE_W 595.0          /* A4 width, pt */
#define PAGE_H 842.0          /* A4 height, pt */
#define MARGIN 50.0           /* pt */
#define THUMB_H 96.0          /* thumbnail height on the page, pt */
#define THUMB_MAX_W 128.0     /* pt */
#define THUMBS_PER_FINDING 4

#define FONT_TITLE "Sans Bold 17"
#define FONT_HEAD "Sans Bold 12"
#define FONT_BODY "Sans 9.5"
#define FONT_SMALL "Sans 8"
#define FONT_HASH "Monospace 7.5"

typedef struct {
  TrawlCatalog             *cat;
  const TrawlReportOptions *o;
  GArray                   *ids;      /* gint64 track ids */
  GPtrArray                *tracks;   /* TrawlTrack*, as ids */
  char                     *query;    /* shown as the query, or NULL */
  cairo_surface_t          *surface;
  cairo_t                  *cr;
  double                    y;        /* next line's top, pt */
  int                       pages;
  TrawlAtomicFile          *af;
  GChecksum                *sum;      /* of the bytes written */
  GError                   *write_error;
} Report;

void
trawl_report_options_init (TrawlReportOptions *o)
{
  memset (o, 0, sizeof *o);
}

void
trawl_report_result_free (TrawlReportResult *r)
{
  if (r == NULL)
    return;
  g_free (r->path);
  g_free (r->sha256);
  g_free (r);
}

/* ---- findings from the options ---- */

/* The tracks of a `trawl search --json` result: its "hits" that match
 * ({"track": ID, "match": true}), or "results"/"tracks" lists of
 * {"track_id": ID} from other tools. */
static gboolean
ids_from_search (Report *r, JsonObject *root)
{
  const char *lists[] = { "hits", "results", "tracks" };

  for (gsize k = 0; k < G_N_ELEMENTS (lists); k++)
    {
      JsonArray *a;
      if (!json_object_has_member (root, lists[k]) ||
          !JSON_NODE_HOLDS_ARRAY (json_object_get_member (root, lists[k])))
        continue;
      a = json_object_get_array_member (root, lists[k]);
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          JsonObject *e = json_array_get_object_element (a, i);
          const char *key = k == 0 ? "track" : "track_id";
          gint64 id = e != NULL ? json_object_get_int_member_with_default (e, key, 0) : 0;
          gboolean seen = FALSE;
          if (e != NULL && !json_object_get_boolean_member_with_default (e, "match", TRUE))
            continue;
          for (guint j = 0; j < r->ids->len && !seen; j++)
            seen = g_array_index (r->ids, gint64, j) == id;
          if (id > 0 && !seen)
            g_array_append_val (r->ids, id);
        }
      return TRUE;
    }
  return FALSE;
}

static gboolean
read_options (Report *r, GError **error)
{
  const TrawlReportOptions *o = r->o;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) local = NULL;

  if (o->out_path == NULL || *o->out_path == '\0')
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "no output file given");
      return FALSE;
    }
  g_array_append_vals (r->ids, o->track_ids, o->n_tracks);
  r->query = g_strdup (o->query);
  if (o->search_json != NULL)
    {
      root = json_from_string (o->search_json, &local);
      if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                       "the search result is not a JSON object%s%s", local ? ": " : "",
                       local ? local->message : "");
          return FALSE;
        }
      if (r->query == NULL && json_object_has_member (json_node_get_object (root), "query"))
        {
          JsonNode *q = json_object_get_member (json_node_get_object (root), "query");
          r->query = JSON_NODE_HOLDS_VALUE (q) && json_node_get_value_type (q) == G_TYPE_STRING
                       ? g_strdup (json_node_get_string (q)) : json_to_string (q, FALSE);
        }
      if (o->n_tracks == 0)
        ids_from_search (r, json_node_get_object (root));
    }
  if (r->ids->len == 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "no findings to report: give tracks (--track) or a search result with some");
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_tracks (Report *r, GError **error)
{
  for (guint i = 0; i < r->ids->len; i++)
    {
      gint64 id = g_array_index (r->ids, gint64, i);
      TrawlTrack *t = NULL;
      if (!trawl_catalog_get_track (r->cat, id, &t, error))
        return FALSE;
      if (t == NULL)
        {
          g_autofree char *dir = _trawl_evidence_case_dir (r->cat);
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND,
                       "track %" G_GINT64_FORMAT " is not in the case %s", id, dir);
          return FALSE;
        }
      g_ptr_array_add (r->tracks, t);
    }
  return TRUE;
}

/* ---- drawing ---- */

static void
footer (Report *r)
{
  g_autofree char *s = g_strdup_printf ("trawl %s case report - page %d", trawl_version (),
                                        r->pages);
  PangoLayout *l = pango_cairo_create_layout (r->cr);
  PangoFontDescription *fd = pango_font_description_from_string (FONT_SMALL);

  pango_layout_set_font_description (l, fd);
  pango_layout_set_text (l, s, -1);
  cairo_set_source_rgb (r->cr, 0.4, 0.4, 0.4);
  cairo_move_to (r->cr, MARGIN, PAGE_H - MARGIN + 14);
  pango_cairo_show_layout (r->cr, l);
  cairo_set_source_rgb (r->cr, 0, 0, 0);
  pango_font_description_free (fd);
  g_object_unref (l);
}

/* Starts a new page when h more points do not fit. */
static void
ensure_room (Report *r, double h)
{
  if (r->y + h <= PAGE_H - MARGIN)
    return;
  footer (r);
  cairo_show_page (r->cr);
  r->pages++;
  r->y = MARGIN;
}

/* Draws text (wrapped to the column) at indent; moves down past it. */
static void
text (Report *r, const char *font, double indent, const char *s)
{
  PangoLayout *l = pango_cairo_create_layout (r->cr);
  PangoFontDescription *fd = pango_font_description_from_string (font);
  int w, h;

  pango_layout_set_font_description (l, fd);
  pango_layout_set_width (l, (int) ((PAGE_W - 2 * MARGIN - indent) * PANGO_SCALE));
  pango_layout_set_wrap (l, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text (l, s, -1);
  pango_layout_get_size (l, &w, &h);
  ensure_room (r, h / (double) PANGO_SCALE);
  cairo_move_to (r->cr, MARGIN + indent, r->y);
  pango_cairo_show_layout (r->cr, l);
  r->y += h / (double) PANGO_SCALE + 2;
  pango_font_description_free (fd);
  g_object_unref (l);
}

static void G_GNUC_PRINTF (4, 5)
textf (Report *r, const char *font, double indent, const char *fmt, ...)
{
  g_autofree char *s = NULL;
  va_list ap;

  va_start (ap, fmt);
  s = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  text (r, font, indent, s);
}

static void
rule (Report *r)
{
  ensure_room (r, 10);
  cairo_set_line_width (r->cr, 0.5);
  cairo_move_to (r->cr, MARGIN, r->y + 4);
  cairo_line_to (r->cr, PAGE_W - MARGIN, r->y + 4);
  cairo_stroke (r->cr);
  r->y += 10;
}

/* "2024-03-15T14:25:30.000Z (local 2024-03-15T15:25:30.000+01:00)" or "unknown". */
static char *
both_times (double utc)
{
  g_autofree char *u = _trawl_evidence_iso_utc (utc), *l = _trawl_evidence_iso_local (utc);

  if (u == NULL)
    return g_strdup ("unknown (the video has no wall-clock start)");
  return g_strdup_printf ("%s (local %s)", u, l);
}

/* A cairo image of the JPEG, with the original bytes attached so the PDF
 * embeds them unchanged. NULL when they do not decode. */
static cairo_surface_t *
thumb_surface (GBytes *jpeg)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (jpeg, &len);
  g_autoptr(TrawlImage) img = trawl_image_load_from_memory (data, len, NULL);
  cairo_surface_t *s;
  guint8 *px, *copy;
  int stride;

  if (img == NULL)
    return NULL;
  s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, img->width, img->height);
  px = cairo_image_surface_get_data (s);
  stride = cairo_image_surface_get_stride (s);
  cairo_surface_flush (s);
  for (int y = 0; y < img->height; y++)
    for (int x = 0; x < img->width; x++)
      {
        const guint8 *p = img->data + y * img->stride + 3 * x;
        ((guint32 *) (px + y * stride))[x] = 0xff000000u | (guint32) p[0] << 16 |
                                             (guint32) p[1] << 8 | p[2];
      }
  cairo_surface_mark_dirty (s);
  copy = g_memdup2 (data, len);
  cairo_surface_set_mime_data (s, CAIRO_MIME_TYPE_JPEG, copy, len, g_free, copy);
  return s;
}

static void
caption (Report *r, double x, double y, const TrawlSighting *s)
{
  g_autofree char *cap = g_strdup_printf ("sighting %" G_GINT64_FORMAT ", %.2f s", s->id,
                                          s->pts_s);
  PangoLayout *l = pango_cairo_create_layout (r->cr);
  PangoFontDescription *fd = pango_font_description_from_string (FONT_SMALL);

  pango_layout_set_font_description (l, fd);
  pango_layout_set_text (l, cap, -1);
  cairo_move_to (r->cr, x, y);
  pango_cairo_show_layout (r->cr, l);
  pango_font_description_free (fd);
  g_object_unref (l);
}

/* Sightings by quality, best first. */
static gint
by_quality_desc (gconstpointer a, gconstpointer b)
{
  const TrawlSighting *x = *(TrawlSighting *const *) a, *y = *(TrawlSighting *const *) b;

  return (y->quality > x->quality) - (y->quality < x->quality);
}

/* Up to THUMBS_PER_FINDING thumbnails in a row: the track's best
 * sighting first, then by quality. */
static void
draw_thumbs (Report *r, const TrawlTrack *t, GError **error)
{
  g_autoptr(GPtrArray) ss = trawl_catalog_list_track_sightings (r->cat, t->id, error);
  double x = MARGIN + 12, row_h = 0;
  int drawn = 0;

  if (ss == NULL)
    return;
  g_ptr_array_sort (ss, by_quality_desc);
  for (guint i = 0; i < ss->len; i++)  /* the best one to the front */
    if (((TrawlSighting *) g_ptr_array_index (ss, i))->id == t->best_sighting_id)
      {
        gpointer best = g_ptr_array_steal_index (ss, i);
        g_ptr_array_insert (ss, 0, best);
        break;
      }
  ensure_room (r, THUMB_H + 14);
  for (guint i = 0; i < ss->len && drawn < THUMBS_PER_FINDING; i++)
    {
      const TrawlSighting *s = g_ptr_array_index (ss, i);
      g_autoptr(GBytes) jpeg = NULL;
      cairo_surface_t *img;
      double scale, w, h;
      if (!trawl_catalog_get_thumbnail (r->cat, s->id, &jpeg, NULL) || jpeg == NULL ||
          (img = thumb_surface (jpeg)) == NULL)
        continue;
      scale = MIN (THUMB_H / cairo_image_surface_get_height (img),
                   THUMB_MAX_W / cairo_image_surface_get_width (img));
      w = cairo_image_surface_get_width (img) * scale;
      h = cairo_image_surface_get_height (img) * scale;
      row_h = MAX (row_h, h);
      cairo_save (r->cr);
      cairo_translate (r->cr, x, r->y);
      cairo_scale (r->cr, scale, scale);
      cairo_set_source_surface (r->cr, img, 0, 0);
      cairo_paint (r->cr);
      cairo_restore (r->cr);
      cairo_surface_destroy (img);
      caption (r, x, r->y + h + 1, s);
      x += MAX (w, 70) + 10;
      drawn++;
    }
  if (drawn > 0)
    r->y += row_h + 16;
  else
    text (r, FONT_SMALL, 12, "(no thumbnail stored for this finding)");
}

static void
draw_exports (Report *r, const TrawlTrack *t, GError **error)
{
  g_autoptr(GPtrArray) ex = _trawl_evidence_exports_of_track (r->cat, t->id, error);

  if (ex == NULL)
    return;
  if (ex->len == 0)
    {
      text (r, FONT_BODY, 12, "Exports: none recorded in the audit log.");
      return;
    }
  text (r, FONT_BODY, 12, "Exports recorded in the audit log:");
  for (guint i = 0; i < ex->len; i++)
    {
      JsonObject *d = json_node_get_object (g_ptr_array_index (ex, i));
      JsonArray *clips = json_object_has_member (d, "clips")
                           ? json_object_get_array_member (d, "clips") : NULL;
      textf (r, FONT_BODY, 24, "%s%s",
             json_object_get_string_member_with_default (d, "export_dir", "?"),
             json_object_get_boolean_member_with_default (d, "signed", FALSE) ? " (signed)" : "");
      textf (r, FONT_HASH, 36, "manifest.json  %s",
             json_object_get_string_member_with_default (d, "manifest_sha256", "?"));
      for (guint k = 0; clips != NULL && k < json_array_get_length (clips); k++)
        {
          JsonObject *c = json_array_get_object_element (clips, k);
          if (c != NULL)
            textf (r, FONT_HASH, 36, "%s  %s",
                   json_object_get_string_member_with_default (c, "file", "?"),
                   json_object_get_string_member_with_default (c, "sha256", "?"));
        }
    }
}

static gboolean
draw_finding (Report *r, guint n, const TrawlTrack *t, GError **error)
{
  g_autoptr(TrawlCatalogVideo) v = _trawl_evidence_get_video (r->cat, t->video_id, error);
  g_autoptr(TrawlCamera) c = v != NULL ? _trawl_evidence_get_camera (r->cat, v->camera_id, error)
                                       : NULL;
  g_autofree char *first = NULL, *last = NULL;
  GError *local = NULL;

  if (c == NULL)
    return FALSE;
  first = both_times (t->first_utc);
  last = both_times (t->last_utc);
  ensure_room (r, 180);
  textf (r, FONT_HEAD, 0, "Finding %u: %s track %" G_GINT64_FORMAT "%s%s", n,
         trawl_kind_to_string (t->kind), t->id, t->best_plate_text ? ", plate " : "",
         t->best_plate_text ? t->best_plate_text : "");
  textf (r, FONT_BODY, 12, "Camera: %s (clock offset %+.3f s, %s)", c->name, c->clock_offset_s,
         c->clock_offset_s != 0 ? "set by the user" : "none set");
  textf (r, FONT_BODY, 12, "Seen from %s", first);
  textf (r, FONT_BODY, 12, "to %s", last);
  textf (r, FONT_BODY, 12, "Times from: %s (true UTC = video start + pts + camera clock offset)",
         trawl_time_source_to_string (v->time_source));
  textf (r, FONT_BODY, 12, "Video: %s, %.2f-%.2f s, %d sightings, best quality %.2f", v->path,
         t->first_pts_s, t->last_pts_s, t->n_sightings, t->best_quality);
  textf (r, FONT_HASH, 12, "video SHA-256 at indexing  %s", v->sha256);
  r->y += 4;
  draw_thumbs (r, t, &local);
  if (local == NULL)
    draw_exports (r, t, &local);
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  rule (r);
  return TRUE;
}

static gint
by_first_utc (gconstpointer a, gconstpointer b)
{
  const TrawlTrack *x = *(TrawlTrack *const *) a, *y = *(TrawlTrack *const *) b;

  if (isnan (x->first_utc) || isnan (y->first_utc))
    return isnan (x->first_utc) - isnan (y->first_utc);
  return (x->first_utc > y->first_utc) - (x->first_utc < y->first_utc);
}

/* Every finding in wall-clock order: where the subject went. */
static void
draw_route (Report *r)
{
  g_autoptr(GPtrArray) order = g_ptr_array_new ();  /* borrows r->tracks' records */

  g_ptr_array_extend (order, r->tracks, NULL, NULL);
  g_ptr_array_sort (order, by_first_utc);
  ensure_room (r, 60);
  text (r, FONT_HEAD, 0, "Route across cameras");
  for (guint i = 0; i < order->len; i++)
    {
      const TrawlTrack *t = g_ptr_array_index (order, i);
      g_autoptr(TrawlCatalogVideo) v = _trawl_evidence_get_video (r->cat, t->video_id, NULL);
      g_autoptr(TrawlCamera) c = v ? _trawl_evidence_get_camera (r->cat, v->camera_id, NULL)
                                   : NULL;
      g_autofree char *a = _trawl_evidence_iso_utc (t->first_utc);
      g_autofree char *z = _trawl_evidence_iso_utc (t->last_utc);
      textf (r, FONT_BODY, 12, "%u. %s .. %s  camera %s  track %" G_GINT64_FORMAT "%s%s", i + 1,
             a ? a : "time unknown", z ? z : "", c ? c->name : "?", t->id,
             t->best_plate_text ? "  " : "", t->best_plate_text ? t->best_plate_text : "");
    }
}

static void
draw_header (Report *r)
{
  g_autofree char *dir = _trawl_evidence_case_dir (r->cat);
  g_autofree char *now = both_times (g_get_real_time () / 1e6);

  text (r, FONT_TITLE, 0, "trawl case report");
  textf (r, FONT_BODY, 0, "Case: %s", dir);
  textf (r, FONT_BODY, 0, "Made: %s", now);
  textf (r, FONT_BODY, 0, "Operator: %s", r->o->operator_name ? r->o->operator_name
                                                             : g_get_user_name ());
  textf (r, FONT_BODY, 0, "Tool: trawl %s", trawl_version ());
  textf (r, FONT_BODY, 0, "Query: %s", r->query ? r->query : "(not given)");
  textf (r, FONT_BODY, 0, "Findings: %u", r->tracks->len);
  rule (r);
}

/* ---- the file ---- */

static cairo_status_t
write_pdf (void *closure, const unsigned char *data, unsigned int len)
{
  Report *r = closure;

  if (r->write_error != NULL)
    return CAIRO_STATUS_WRITE_ERROR;
  g_checksum_update (r->sum, data, len);
  if (!trawl_atomic_file_write (r->af, data, len, &r->write_error))
    return CAIRO_STATUS_WRITE_ERROR;
  return CAIRO_STATUS_SUCCESS;
}

static gboolean
open_pdf (Report *r, const char *path, GError **error)
{
  g_autofree char *parent = g_path_get_dirname (path);

  if (g_file_test (path, G_FILE_TEST_EXISTS) && !r->o->force)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "%s already exists; reports never overwrite (use --force to replace it)",
                   path);
      return FALSE;
    }
  if (g_mkdir_with_parents (parent, 0755) != 0)
    {
      int e = errno;
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "cannot create the folder %s: %s",
                   parent, g_strerror (e));
      return FALSE;
    }
  if ((r->af = trawl_atomic_file_new (path, error)) == NULL)
    return FALSE;
  r->sum = g_checksum_new (G_CHECKSUM_SHA256);
  r->surface = cairo_pdf_surface_create_for_stream (write_pdf, r, PAGE_W, PAGE_H);
  cairo_pdf_surface_set_metadata (r->surface, CAIRO_PDF_METADATA_TITLE, "trawl case report");
  cairo_pdf_surface_set_metadata (r->surface, CAIRO_PDF_METADATA_CREATOR, "trawl");
  r->cr = cairo_create (r->surface);
  r->pages = 1;
  r->y = MARGIN;
  return TRUE;
}

/* Finishes the document and commits the file. */
static gboolean
close_pdf (Report *r, const char *path, GError **error)
{
  cairo_status_t st;
  TrawlAtomicFile *af;

  footer (r);
  cairo_destroy (g_steal_pointer (&r->cr));
  cairo_surface_finish (r->surface);  /* the last bytes go out through write_pdf */
  st = cairo_surface_status (r->surface);
  af = g_steal_pointer (&r->af);
  if (r->write_error != NULL || st != CAIRO_STATUS_SUCCESS)
    {
      trawl_atomic_file_free (af);
      if (r->write_error != NULL)
        g_propagate_error (error, g_steal_pointer (&r->write_error));
      else
        g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "%s: cannot make the PDF: %s",
                     path, cairo_status_to_string (st));
      return FALSE;
    }
  return trawl_atomic_file_commit (af, error);
}

static char *
report_details (Report *r, const char *path, const char *sha)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "report");
  json_builder_add_string_value (b, path);
  json_builder_set_member_name (b, "sha256");
  json_builder_add_string_value (b, sha);
  json_builder_set_member_name (b, "pages");
  json_builder_add_int_value (b, r->pages);
  json_builder_set_member_name (b, "tracks");
  json_builder_begin_array (b);
  for (guint i = 0; i < r->ids->len; i++)
    json_builder_add_int_value (b, g_array_index (r->ids, gint64, i));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "query");
  if (r->query != NULL)
    json_builder_add_string_value (b, r->query);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

static gboolean
draw_all (Report *r, GCancellable *cancellable, GError **error)
{
  draw_header (r);
  for (guint i = 0; i < r->tracks->len; i++)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
          !draw_finding (r, i + 1, g_ptr_array_index (r->tracks, i), error))
        return FALSE;
    }
  draw_route (r);
  return TRUE;
}

TrawlReportResult *
trawl_evidence_report (TrawlCatalog *cat, const TrawlReportOptions *opts,
                       GCancellable *cancellable, GError **error)
{
  Report r = { 0 };
  g_autofree char *path = NULL, *details = NULL;
  TrawlReportResult *res = NULL;
  gint64 audit_id = 0;
  gboolean ok;

  g_return_val_if_fail (cat != NULL && opts != NULL, NULL);
  r.cat = cat;
  r.o = opts;
  r.ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  r.tracks = g_ptr_array_new_with_free_func ((GDestroyNotify) trawl_track_free);
  ok = read_options (&r, error) && load_tracks (&r, error);
  if (ok)
    {
      path = g_canonicalize_filename (opts->out_path, NULL);
      ok = open_pdf (&r, path, error) && draw_all (&r, cancellable, error) &&
           close_pdf (&r, path, error);
    }
  if (ok)
    {
      details = report_details (&r, path, g_checksum_get_string (r.sum));
      ok = trawl_catalog_audit_append (cat, opts->operator_name, "report", details, &audit_id,
                                       error);
    }
  if (ok)
    {
      res = g_new0 (TrawlReportResult, 1);
      res->path = g_steal_pointer (&path);
      res->sha256 = g_strdup (g_checksum_get_string (r.sum));
      res->audit_id = audit_id;
      res->pages = r.pages;
      res->n_findings = r.tracks->len;
    }
  g_clear_pointer (&r.cr, cairo_destroy);
  g_clear_pointer (&r.surface, cairo_surface_destroy);
  trawl_atomic_file_free (r.af);
  g_clear_pointer (&r.sum, g_checksum_free);
  g_clear_error (&r.write_error);
  g_array_unref (r.ids);
  g_ptr_array_unref (r.tracks);
  g_free (r.query);
  return res;
}

/* ---- async ---- */

typedef struct {
  TrawlCatalog       *cat;
  TrawlReportOptions  o;        /* pointers below owned */
  gint64             *ids;
  char               *query, *search_json, *out_path, *operator_name;
} ReportTask;

static void
report_task_free (ReportTask *t)
{
  g_free (t->ids);
  g_free (t->query);
  g_free (t->search_json);
  g_free (t->out_path);
  g_free (t->operator_name);
  g_free (t);
}

static void
report_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  ReportTask *t = data;
  GError *error = NULL;
  TrawlReportResult *r = trawl_evidence_report (t->cat, &t->o, cancellable, &error);

  (void) source;
  if (r != NULL)
    g_task_return_pointer (task, r, (GDestroyNotify) trawl_report_result_free);
  else
    g_task_return_error (task, error);
}

void
trawl_evidence_report_async (TrawlCatalog *cat, const TrawlReportOptions *opts,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  ReportTask *t = g_new0 (ReportTask, 1);

  t->cat = cat;
  t->o = *opts;
  t->ids = g_memdup2 (opts->track_ids, opts->n_tracks * sizeof (gint64));
  t->query = g_strdup (opts->query);
  t->search_json = g_strdup (opts->search_json);
  t->out_path = g_strdup (opts->out_path);
  t->operator_name = g_strdup (opts->operator_name);
  t->o.track_ids = t->ids;
  t->o.query = t->query;
  t->o.search_json = t->search_json;
  t->o.out_path = t->out_path;
  t->o.operator_name = t->operator_name;
  g_task_set_source_tag (task, trawl_evidence_report_async);
  g_task_set_task_data (task, t, (GDestroyNotify) report_task_free);
  g_task_run_in_thread (task, report_thread);
}

TrawlReportResult *
trawl_evidence_report_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
