/* tracker.c - greedy association of sparse per-frame detections into tracks
 * (see include/trawl/track.h). Faces by embedding distance and box overlap,
 * plates by folded-text similarity and box overlap; thumbnails of each
 * track's best few observations are encoded as they arrive. */
#include <math.h>
#include <string.h>

#include <trawl/plate.h>
#include <trawl/track.h>

struct _TrawlTracker {
  TrawlTrackerOptions opts;
  GPtrArray *tracks;   /* TrawlTrackResult*, all of them, creation order */
  GPtrArray *open;     /* borrowed from tracks: those still accepting obs */
  double     frame_pts_s; /* the last frame detections were added for */
};

/* A track as the tracker keeps it: the result, and when it was last seen
 * or held (trawl_tracker_hold), which is what ages it. */
typedef struct {
  TrawlTrackResult pub;  /* first: trawl_track_result_free frees this pointer */
  double           seen_s;
  GPtrArray       *reads;    /* plates: GArray of TrawlPlateSlot per observation */
  GArray          *weights;  /* plates: double, each read's quality */
  char            *top_text; /* plates: the vote's top characters, before shapes moved any */
} Track;

#define MAX_SLOTS 16

static void
track_free (gpointer p)
{
  Track *t = p;
  if (t == NULL)
    return;
  g_clear_pointer (&t->reads, g_ptr_array_unref);
  g_clear_pointer (&t->weights, g_array_unref);
  g_free (t->top_text);
  trawl_track_result_free (&t->pub);
}

typedef struct {
  float score;
  guint track;  /* index into open */
  guint det;
} Candidate;

void
trawl_tracker_options_init (TrawlTrackerOptions *opts)
{
  opts->iou_min = 0.3f;
  opts->face_dist_max = 0.55f;
  opts->face_dist_near = 0.7f;
  opts->plate_sim_min = 0.7f;
  opts->plate_sim_near = 0.4f;
  opts->max_gap_s = 3.0;
  opts->max_thumbs = 3;
  opts->thumb_size = 160;
  opts->keep_unlikely_plates = FALSE;
}

static void
obs_clear (gpointer p)
{
  TrawlTrackObs *o = p;
  g_free (o->plate_text);
  g_free (o->plate_alternatives);
  if (o->thumb_jpeg != NULL)
    g_bytes_unref (o->thumb_jpeg);
}

void
trawl_track_result_free (TrawlTrackResult *t)
{
  if (t == NULL)
    return;
  g_array_unref (t->obs);
  g_free (t->best_plate_text);
  g_free (t->best_plate_alternatives);
  g_free (t);
}

TrawlTracker *
trawl_tracker_new (const TrawlTrackerOptions *opts)
{
  TrawlTracker *tr = g_new0 (TrawlTracker, 1);
  if (opts != NULL)
    tr->opts = *opts;
  else
    trawl_tracker_options_init (&tr->opts);
  tr->tracks = g_ptr_array_new_with_free_func (track_free);
  tr->open = g_ptr_array_new ();
  tr->frame_pts_s = -INFINITY;
  return tr;
}

void
trawl_tracker_free (TrawlTracker *tr)
{
  if (tr == NULL)
    return;
  g_ptr_array_unref (tr->open);
  g_ptr_array_unref (tr->tracks);
  g_free (tr);
}

guint
trawl_tracker_get_n_tracks (TrawlTracker *tr, TrawlTrackKind kind)
{
  guint n = 0;
  for (guint i = 0; i < tr->tracks->len; i++)
    if (((TrawlTrackResult *) tr->tracks->pdata[i])->kind == kind)
      n++;
  return n;
}

float
trawl_plate_text_similarity (const char *a, const char *b)
{
  if (a == NULL || b == NULL || *a == '\0' || *b == '\0')
    return 0.0f;
  g_autofree char *fa = trawl_plate_fold (a);
  g_autofree char *fb = trawl_plate_fold (b);
  glong la = g_utf8_strlen (fa, -1), lb = g_utf8_strlen (fb, -1);
  glong longest = MAX (la, lb);
  if (longest == 0)
    return 0.0f;
  return 1.0f - (float) trawl_text_edit_distance (fa, fb) / (float) longest;
}

static void
append_char_json (GString *s, gunichar c)
{
  char buf[8];
  int n = g_unichar_to_utf8 (c, buf);
  buf[n] = '\0';
  g_string_append_c (s, '"');
  if (c == '"' || c == '\\')
    g_string_append_c (s, '\\');
  if (c < 0x20)
    g_string_append_printf (s, "\\u%04x", c);
  else
    g_string_append (s, buf);
  g_string_append_c (s, '"');
}

char *
trawl_plate_chars_to_json (const GArray *chars)
{
  GString *s = g_string_new ("[");
  for (guint i = 0; chars != NULL && i < chars->len; i++)
    {
      const TrawlPlateChar *pc = &g_array_index (chars, TrawlPlateChar, i);
      if (i > 0)
        g_string_append_c (s, ',');
      g_string_append (s, "{\"c\":");
      append_char_json (s, pc->c);
      g_string_append_printf (s, ",\"p\":%.4f,\"alt\":[", isfinite (pc->prob) ? pc->prob : 0.0);
      gboolean first = TRUE;
      for (int k = 0; k < 3; k++)
        {
          if (pc->alt[k] == 0)
            continue;
          if (!first)
            g_string_append_c (s, ',');
          first = FALSE;
          g_string_append_c (s, '[');
          append_char_json (s, pc->alt[k]);
          g_string_append_printf (s, ",%.4f]", isfinite (pc->alt_prob[k]) ? pc->alt_prob[k] : 0.0);
        }
      g_string_append (s, "]}");
    }
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* ---- thumbnails: kept for the best max_thumbs observations ---- */

static GBytes *
make_thumb (const TrawlTrackerOptions *opts, const TrawlImage *frame, const TrawlBox *b)
{
  if (frame == NULL || opts->max_thumbs <= 0)
    return NULL;
  /* A margin of a quarter of the box so the crop shows some context. */
  float mx = b->w * 0.25f, my = b->h * 0.25f;
  int x = (int) floorf (b->x - mx), y = (int) floorf (b->y - my);
  int w = MAX (1, (int) ceilf (b->w + 2 * mx)), h = MAX (1, (int) ceilf (b->h + 2 * my));
  g_autoptr (TrawlImage) crop = trawl_image_crop (frame, x, y, w, h);
  if (crop == NULL)
    return NULL;
  int longest = MAX (w, h);
  g_autoptr (TrawlImage) small = NULL;
  if (longest > opts->thumb_size)
    {
      double s = (double) opts->thumb_size / longest;
      small = trawl_image_resize (crop, MAX (1, (int) (w * s)), MAX (1, (int) (h * s)));
    }
  gsize len = 0;
  guint8 *jpeg = trawl_image_encode_jpeg (small ? small : crop, 85, &len, NULL);
  return jpeg ? g_bytes_new_take (jpeg, len) : NULL;
}

/* Gives the new observation (last in t->obs) a thumbnail when it ranks among
 * the track's best, dropping the thumbnail it displaces. */
static void
rank_thumb (const TrawlTrackerOptions *opts, TrawlTrackResult *t, const TrawlImage *frame)
{
  TrawlTrackObs *nw = &g_array_index (t->obs, TrawlTrackObs, t->obs->len - 1);
  int n_with = 0;
  gint worst = -1;
  for (guint i = 0; i + 1 < t->obs->len; i++)
    {
      TrawlTrackObs *o = &g_array_index (t->obs, TrawlTrackObs, i);
      if (o->thumb_jpeg == NULL)
        continue;
      n_with++;
      if (worst < 0 || o->quality < g_array_index (t->obs, TrawlTrackObs, worst).quality)
        worst = (gint) i;
    }
  if (n_with >= opts->max_thumbs)
    {
      TrawlTrackObs *w = &g_array_index (t->obs, TrawlTrackObs, worst);
      if (nw->quality <= w->quality)
        return;
      g_clear_pointer (&w->thumb_jpeg, g_bytes_unref);
    }
  nw->thumb_jpeg = make_thumb (opts, frame, &nw->box);
}

/* ---- association ---- */

static const TrawlTrackObs *
last_obs (const TrawlTrackResult *t)
{
  return &g_array_index (t->obs, TrawlTrackObs, t->obs->len - 1);
}

/* Drops tracks unseen for longer than max_gap_s from the open list. */
static void
close_stale (TrawlTracker *tr, double pts_s)
{
  for (guint i = tr->open->len; i-- > 0;)
    {
      Track *t = tr->open->pdata[i];
      if (pts_s - t->seen_s > tr->opts.max_gap_s)
        g_ptr_array_remove_index (tr->open, i);
    }
}

static int
cmp_candidate (gconstpointer a, gconstpointer b)
{
  float sa = ((const Candidate *) a)->score, sb = ((const Candidate *) b)->score;
  return sa > sb ? -1 : sa < sb ? 1 : 0;
}

/* Face affinity (higher is better) or -1 when the pair may not match. */
static float
face_affinity (const TrawlTrackerOptions *o, const TrawlTrackResult *t, const TrawlFace *f)
{
  const TrawlTrackObs *l = last_obs (t);
  float iou = trawl_box_iou (&l->box, &f->box);
  if (t->has_embedding && f->has_embedding)
    {
      float d = trawl_face_distance (t->mean_embedding, f->embedding);
      float dl = l->has_embedding ? trawl_face_distance (l->embedding, f->embedding) : d;
      d = MIN (d, dl);
      if (d <= o->face_dist_max || (iou >= o->iou_min && d <= o->face_dist_near))
        return iou + (1.0f - d);
      return -1.0f;
    }
  return iou >= o->iou_min ? iou : -1.0f;
}

static float
plate_affinity (const TrawlTrackerOptions *o, const TrawlTrackResult *t, const TrawlPlate *p)
{
  const TrawlTrackObs *l = last_obs (t);
  float iou = trawl_box_iou (&l->box, &p->box);
  float sim = trawl_plate_text_similarity (l->plate_text, p->text);
  if (t->best_plate_text != NULL)
    sim = MAX (sim, trawl_plate_text_similarity (t->best_plate_text, p->text));
  if (sim >= o->plate_sim_min || (iou >= o->iou_min && sim >= o->plate_sim_near))
    return iou + sim;
  return -1.0f;
}

static TrawlTrackResult *
track_new (TrawlTracker *tr, TrawlTrackKind kind)
{
  Track *tk = g_new0 (Track, 1);
  TrawlTrackResult *t = &tk->pub;
  if (kind == TRAWL_TRACK_PLATE)
    {
      tk->reads = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
      tk->weights = g_array_new (FALSE, FALSE, sizeof (double));
    }
  t->kind = kind;
  t->obs = g_array_new (FALSE, TRUE, sizeof (TrawlTrackObs));
  g_array_set_clear_func (t->obs, obs_clear);
  t->best_quality = -1.0f;
  g_ptr_array_add (tr->tracks, t);
  g_ptr_array_add (tr->open, t);
  return t;
}

/* Running mean of the embeddings, renormalised: the track's identity. */
static void
update_mean (TrawlTrackResult *t)
{
  double acc[TRAWL_FACE_EMBED_DIM] = { 0 }, n2 = 0;
  int n = 0;
  for (guint i = 0; i < t->obs->len; i++)
    {
      const TrawlTrackObs *o = &g_array_index (t->obs, TrawlTrackObs, i);
      if (!o->has_embedding)
        continue;
      for (int k = 0; k < TRAWL_FACE_EMBED_DIM; k++)
        acc[k] += o->embedding[k];
      n++;
    }
  if (n == 0)
    return;
  for (int k = 0; k < TRAWL_FACE_EMBED_DIM; k++)
    n2 += acc[k] * acc[k];
  double inv = n2 > 0 ? 1.0 / sqrt (n2) : 0.0;
  for (int k = 0; k < TRAWL_FACE_EMBED_DIM; k++)
    t->mean_embedding[k] = (float) (acc[k] * inv);
  t->has_embedding = TRUE;
}

/* The read with the most confidence summed over the track's observations
 * (a majority vote that lets sharp reads outweigh blurred ones). */
static void
update_best_plate (TrawlTrackResult *t)
{
  g_autoptr (GHashTable) votes = g_hash_table_new (g_str_hash, g_str_equal);
  const char *best = NULL;
  double best_votes = -1;
  for (guint i = 0; i < t->obs->len; i++)
    {
      const TrawlTrackObs *o = &g_array_index (t->obs, TrawlTrackObs, i);
      if (o->plate_text == NULL)
        continue;
      double *v = g_hash_table_lookup (votes, o->plate_text);
      double sum = (v ? *v : 0) + o->quality;
      if (v == NULL)
        {
          v = g_newa (double, 1);  /* per-call scratch; lives until return */
          g_hash_table_insert (votes, o->plate_text, v);
        }
      *v = sum;
      if (sum > best_votes)
        {
          best_votes = sum;
          best = o->plate_text;
        }
    }
  if (best == NULL)
    return;
  const TrawlTrackObs *bo = NULL;
  for (guint i = 0; i < t->obs->len; i++)
    {
      const TrawlTrackObs *o = &g_array_index (t->obs, TrawlTrackObs, i);
      if (o->plate_text && strcmp (o->plate_text, best) == 0 && (!bo || o->quality > bo->quality))
        bo = o;
    }
  g_free (t->best_plate_text);
  g_free (t->best_plate_alternatives);
  t->best_plate_text = g_strdup (best);
  t->best_plate_alternatives = g_strdup (bo->plate_alternatives);
}

/* JSON alternatives of voted slots, each position's character being the
 * one text has there. */
static char *
slots_json (const TrawlPlateSlot *slots, int n, const char *text)
{
  g_autoptr (GArray) chars = g_array_new (FALSE, TRUE, sizeof (TrawlPlateChar));
  const char *q = text;
  for (int i = 0; i < n && *q; i++, q = g_utf8_next_char (q))
    {
      TrawlPlateChar pc = { 0 };
      pc.c = g_utf8_get_char (q);
      for (int k = 0; k < TRAWL_PLATE_SLOT_N && slots[i].c[k]; k++)
        {
          if (slots[i].c[k] == pc.c)
            pc.prob = slots[i].p[k];
          if (k < 3)
            {
              pc.alt[k] = slots[i].c[k];
              pc.alt_prob[k] = slots[i].p[k];
            }
        }
      g_array_append_val (chars, pc);
    }
  return trawl_plate_chars_to_json (chars);
}

/* The track's text by a vote per character over all its reads, weighted
 * by their quality, then placed by national shape (see trawl/plate.h):
 * a plate read a little wrong in every frame can still come out right. */
static void
vote_best_plate (Track *t)
{
  guint n = t->reads->len;
  g_autofree TrawlPlateRead *rd = g_new0 (TrawlPlateRead, n);
  for (guint i = 0; i < n; i++)
    {
      GArray *sl = g_ptr_array_index (t->reads, i);
      rd[i].slots = (const TrawlPlateSlot *) (const void *) sl->data;
      rd[i].n = (int) sl->len;
      rd[i].weight = g_array_index (t->weights, double, i);
    }
  TrawlPlateSlot out[MAX_SLOTS];
  int len = trawl_plate_vote (rd, (int) n, out, MAX_SLOTS);
  if (len == 0)
    {
      update_best_plate (&t->pub);
      return;
    }
  GString *top = g_string_new (NULL);
  for (int i = 0; i < len; i++)
    g_string_append_unichar (top, out[i].c[0]);
  g_free (t->top_text);
  t->top_text = g_string_free (top, FALSE);
  char *text = trawl_plate_resolve_by_shape (out, len, NULL);
  if (text == NULL)
    text = trawl_plate_fix_by_grammar (t->top_text);
  g_free (t->pub.best_plate_text);
  g_free (t->pub.best_plate_alternatives);
  t->pub.best_plate_text = text;
  t->pub.best_plate_alternatives = slots_json (out, len, text);
}

/* A read's slots: the characters with their alternatives, or the text's
 * characters at the read's confidence when it has none. */
static GArray *
read_slots (const TrawlPlate *p)
{
  TrawlPlateSlot buf[MAX_SLOTS];
  int n = p->chars != NULL ? trawl_plate_chars_to_slots (p->chars, buf, MAX_SLOTS) : 0;
  g_autofree char *norm = trawl_plate_normalize (p->text);
  if (n <= 0 || (g_str_is_ascii (norm) && (gsize) n != strlen (norm)))
    {
      n = 0;
      for (const char *q = norm; *q && n < MAX_SLOTS; q = g_utf8_next_char (q), n++)
        {
          memset (&buf[n], 0, sizeof buf[n]);
          buf[n].c[0] = g_utf8_get_char (q);
          buf[n].p[0] = p->confidence;
        }
    }
  GArray *a = g_array_sized_new (FALSE, FALSE, sizeof (TrawlPlateSlot), n);
  g_array_append_vals (a, buf, n);
  return a;
}

static void
track_push (TrawlTracker *tr, TrawlTrackResult *t, TrawlTrackObs *o, const TrawlImage *frame)
{
  if (t->obs->len == 0)
    t->first_pts_s = o->pts_s;
  t->last_pts_s = o->pts_s;
  ((Track *) t)->seen_s = o->pts_s;
  g_array_append_val (t->obs, *o);
  if (o->quality > t->best_quality)
    {
      t->best_quality = o->quality;
      t->best_obs = t->obs->len - 1;
    }
  rank_thumb (&tr->opts, t, frame);
  if (t->kind == TRAWL_TRACK_FACE)
    update_mean (t);
}

/* Greedy assignment: all admissible (open track, detection) pairs, best
 * affinity first; unmatched detections start new tracks. dest (nullable,
 * n_det slots) gets the track each detection joined. */
static void
associate (TrawlTracker *tr, TrawlTrackKind kind, guint n_det,
           float (*affinity) (TrawlTracker *, TrawlTrackResult *, guint, gconstpointer),
           gconstpointer dets, TrawlTrackObs *obs, const TrawlImage *frame, Track **dest)
{
  g_autoptr (GArray) cands = g_array_new (FALSE, FALSE, sizeof (Candidate));
  for (guint ti = 0; ti < tr->open->len; ti++)
    {
      TrawlTrackResult *t = tr->open->pdata[ti];
      if (t->kind != kind)
        continue;
      for (guint d = 0; d < n_det; d++)
        {
          float s = affinity (tr, t, d, dets);
          if (s >= 0)
            {
              Candidate c = { s, ti, d };
              g_array_append_val (cands, c);
            }
        }
    }
  g_array_sort (cands, cmp_candidate);
  g_autofree gboolean *det_used = g_new0 (gboolean, n_det + 1);
  g_autofree gboolean *trk_used = g_new0 (gboolean, tr->open->len + 1);
  g_autoptr (GPtrArray) targets = g_ptr_array_new ();
  g_ptr_array_set_size (targets, n_det);
  for (guint i = 0; i < cands->len; i++)
    {
      Candidate *c = &g_array_index (cands, Candidate, i);
      if (det_used[c->det] || trk_used[c->track])
        continue;
      det_used[c->det] = trk_used[c->track] = TRUE;
      targets->pdata[c->det] = tr->open->pdata[c->track];
    }
  for (guint d = 0; d < n_det; d++)
    {
      TrawlTrackResult *t = targets->pdata[d] ? targets->pdata[d] : track_new (tr, kind);
      track_push (tr, t, &obs[d], frame);
      if (dest != NULL)
        dest[d] = (Track *) t;
    }
}

static float
face_aff_cb (TrawlTracker *tr, TrawlTrackResult *t, guint d, gconstpointer dets)
{
  return face_affinity (&tr->opts, t, &g_array_index ((const GArray *) dets, TrawlFace, d));
}

static float
plate_aff_cb (TrawlTracker *tr, TrawlTrackResult *t, guint d, gconstpointer dets)
{
  return plate_affinity (&tr->opts, t, ((const GPtrArray *) dets)->pdata[d]);
}

void
trawl_tracker_hold (TrawlTracker *tr, double pts_s)
{
  for (guint i = 0; i < tr->open->len; i++)
    {
      Track *t = tr->open->pdata[i];
      /* Only what the reference frame showed is known to be there still. */
      if (t->pub.last_pts_s >= tr->frame_pts_s)
        t->seen_s = MAX (t->seen_s, pts_s);
    }
}

void
trawl_tracker_add_faces (TrawlTracker *tr, const TrawlImage *frame, double pts_s,
                         const GArray *faces)
{
  close_stale (tr, pts_s);
  tr->frame_pts_s = pts_s;
  if (faces == NULL || faces->len == 0)
    return;
  g_autofree TrawlTrackObs *obs = g_new0 (TrawlTrackObs, faces->len);
  for (guint i = 0; i < faces->len; i++)
    {
      const TrawlFace *f = &g_array_index (faces, TrawlFace, i);
      obs[i].pts_s = pts_s;
      obs[i].box = f->box;
      obs[i].score = f->score;
      obs[i].quality = f->quality.overall;
      obs[i].has_embedding = f->has_embedding;
      if (f->has_embedding)
        memcpy (obs[i].embedding, f->embedding, sizeof f->embedding);
    }
  associate (tr, TRAWL_TRACK_FACE, faces->len, face_aff_cb, faces, obs, frame, NULL);
}

void
trawl_tracker_add_plates (TrawlTracker *tr, const TrawlImage *frame, double pts_s,
                          const GPtrArray *plates)
{
  close_stale (tr, pts_s);
  tr->frame_pts_s = pts_s;
  if (plates == NULL || plates->len == 0)
    return;
  g_autofree TrawlTrackObs *obs = g_new0 (TrawlTrackObs, plates->len);
  for (guint i = 0; i < plates->len; i++)
    {
      const TrawlPlate *p = plates->pdata[i];
      obs[i].pts_s = pts_s;
      obs[i].box = p->box;
      obs[i].score = p->det_score;
      obs[i].quality = p->confidence * (p->det_score > 0 ? p->det_score : 1.0f);
      obs[i].plate_text = g_strdup (p->text ? p->text : "");
      obs[i].plate_alternatives = trawl_plate_chars_to_json (p->chars);
    }
  g_autofree Track **dest = g_new0 (Track *, plates->len);
  associate (tr, TRAWL_TRACK_PLATE, plates->len, plate_aff_cb, plates, obs, frame, dest);
  for (guint i = 0; i < plates->len; i++)
    {
      const TrawlPlate *p = plates->pdata[i];
      double w = obs[i].quality;
      g_ptr_array_add (dest[i]->reads, read_slots (p));
      g_array_append_val (dest[i]->weights, w);
      vote_best_plate (dest[i]);
    }
}

static int
cmp_first_pts (gconstpointer a, gconstpointer b)
{
  const TrawlTrackResult *ta = *(TrawlTrackResult *const *) a;
  const TrawlTrackResult *tb = *(TrawlTrackResult *const *) b;
  return ta->first_pts_s < tb->first_pts_s ? -1 : ta->first_pts_s > tb->first_pts_s ? 1 : 0;
}

GPtrArray *
trawl_tracker_finish (TrawlTracker *tr)
{
  GPtrArray *out = tr->tracks;
  g_ptr_array_set_size (tr->open, 0);
  tr->tracks = g_ptr_array_new_with_free_func (track_free);
  /* Text that is no plate (a badge, a model name, a dealer's sticker),
   * judged on what was read, not on what the shapes made of it (a badge's
   * O and I can be read as 0 and 1 to fit some country). */
  for (guint i = out->len; !tr->opts.keep_unlikely_plates && i-- > 0;)
    {
      Track *t = out->pdata[i];
      const char *read = t->top_text ? t->top_text : t->pub.best_plate_text;
      if (t->pub.kind == TRAWL_TRACK_PLATE && !trawl_plate_likely (read, t->pub.best_quality))
        g_ptr_array_remove_index (out, i);
    }
  g_ptr_array_sort (out, cmp_first_pts);
  return out;
}
