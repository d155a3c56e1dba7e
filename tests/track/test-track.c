/* test-track.c - the tracker on synthetic detections: faces follow their
 * embeddings across crossings and gaps, plates join on folded text, the
 * best read wins by summed confidence, thumbnails go to the best few.
 * Expected values come from the scenarios' construction, not from runs. */
#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>
#include <trawl/plate.h>
#include <trawl/track.h>

/* A unit embedding pointing mostly along axis `who`, with a little noise
 * so frames of one person are near (distance ~0.2) but not identical. */
static void
make_embedding (float *e, int who, int frame)
{
  double n2 = 0;
  for (int k = 0; k < TRAWL_FACE_EMBED_DIM; k++)
    {
      e[k] = (k == who) ? 1.0f : 0.02f * (float) sin (k * 7.0 + frame * 3.0 + who);
      n2 += e[k] * e[k];
    }
  for (int k = 0; k < TRAWL_FACE_EMBED_DIM; k++)
    e[k] /= (float) sqrt (n2);
}

static TrawlFace
make_face (int who, int frame, float x, float y, float quality)
{
  TrawlFace f;
  memset (&f, 0, sizeof f);
  f.box = (TrawlBox) { x, y, 40, 40 };
  f.score = 0.9f;
  f.quality.overall = quality;
  f.has_embedding = TRUE;
  make_embedding (f.embedding, who, frame);
  return f;
}

static GArray *
faces_of (const TrawlFace *fs, guint n)
{
  GArray *a = g_array_new (FALSE, FALSE, sizeof (TrawlFace));
  g_array_append_vals (a, fs, n);
  return a;
}

/* Two people cross: their boxes swap sides between frames, so IoU alone
 * would mix them up; embeddings keep each track to one person. */
static void
test_faces_cross (void)
{
  g_autoptr (TrawlTracker) tr = trawl_tracker_new (NULL);
  for (int i = 0; i < 6; i++)
    {
      float xa = 20 + i * 60, xb = 320 - i * 60;
      TrawlFace fs[2] = { make_face (0, i, xa, 50, 0.5f), make_face (1, i, xb, 50, 0.5f) };
      g_autoptr (GArray) a = faces_of (fs, 2);
      trawl_tracker_add_faces (tr, NULL, i * 0.5, a);
    }
  g_autoptr (GPtrArray) tracks = trawl_tracker_finish (tr);
  g_assert_cmpuint (tracks->len, ==, 2);
  for (guint t = 0; t < 2; t++)
    {
      TrawlTrackResult *r = tracks->pdata[t];
      g_assert_cmpint (r->kind, ==, TRAWL_TRACK_FACE);
      g_assert_cmpuint (r->obs->len, ==, 6);
      g_assert_cmpfloat (r->first_pts_s, ==, 0.0);
      g_assert_cmpfloat (r->last_pts_s, ==, 2.5);
      g_assert_true (r->has_embedding);
      /* one identity per track: the mean points along one axis */
      int axis = r->mean_embedding[0] > r->mean_embedding[1] ? 0 : 1;
      for (guint k = 0; k < r->obs->len; k++)
        {
          TrawlTrackObs *o = &g_array_index (r->obs, TrawlTrackObs, k);
          g_assert_cmpfloat (o->embedding[axis], >, 0.9f);
        }
    }
}

/* A person unseen for longer than max_gap_s starts a new track; a short
 * gap does not break one. A stranger at the same place is a new track. */
static void
test_faces_gap_and_stranger (void)
{
  TrawlTrackerOptions o;
  trawl_tracker_options_init (&o);
  o.max_gap_s = 2.0;
  g_autoptr (TrawlTracker) tr = trawl_tracker_new (&o);
  double pts[] = { 0.0, 0.5, 2.0, 10.0 };  /* gap 1.5 s keeps, 8 s breaks */
  for (guint i = 0; i < G_N_ELEMENTS (pts); i++)
    {
      TrawlFace f = make_face (3, i, 100, 100, 0.5f);
      g_autoptr (GArray) a = faces_of (&f, 1);
      trawl_tracker_add_faces (tr, NULL, pts[i], a);
    }
  TrawlFace s = make_face (7, 9, 100, 100, 0.5f);   /* same box, other person */
  g_autoptr (GArray) a = faces_of (&s, 1);
  trawl_tracker_add_faces (tr, NULL, 10.5, a);
  g_assert_cmpuint (trawl_tracker_get_n_tracks (tr, TRAWL_TRACK_FACE), ==, 3);
  g_autoptr (GPtrArray) tracks = trawl_tracker_finish (tr);
  g_assert_cmpuint (tracks->len, ==, 3);
  TrawlTrackResult *first = tracks->pdata[0];
  g_assert_cmpuint (first->obs->len, ==, 3);
  g_assert_cmpfloat (first->last_pts_s, ==, 2.0);
  g_assert_cmpuint (((TrawlTrackResult *) tracks->pdata[1])->obs->len, ==, 1);
  g_assert_cmpuint (((TrawlTrackResult *) tracks->pdata[2])->obs->len, ==, 1);
  /* finish empties the tracker */
  g_assert_cmpuint (trawl_tracker_get_n_tracks (tr, TRAWL_TRACK_FACE), ==, 0);
}

/* Frames the motion gate skipped (trawl_tracker_hold) keep the tracks of
 * the last analysed frame open across a gap longer than max_gap_s; a
 * track missing from that frame is not held, and closes as before. */
static void
test_hold (void)
{
  g_autoptr (TrawlTracker) tr = trawl_tracker_new (NULL);  /* max_gap_s 3 */
  TrawlFace both[2] = { make_face (1, 0, 50, 50, 0.5f), make_face (2, 0, 300, 50, 0.5f) };
  g_autoptr (GArray) a0 = faces_of (both, 2);
  trawl_tracker_add_faces (tr, NULL, 0.0, a0);
  /* the analysed frame at 0.5 s shows person 2 only */
  TrawlFace only2 = make_face (2, 1, 300, 50, 0.5f);
  g_autoptr (GArray) a1 = faces_of (&only2, 1);
  trawl_tracker_add_faces (tr, NULL, 0.5, a1);
  for (double t = 1.0; t <= 8.0; t += 0.5)
    trawl_tracker_hold (tr, t);
  TrawlFace again[2] = { make_face (1, 2, 50, 50, 0.5f), make_face (2, 2, 300, 50, 0.5f) };
  g_autoptr (GArray) a2 = faces_of (again, 2);
  trawl_tracker_add_faces (tr, NULL, 8.5, a2);
  g_autoptr (GPtrArray) tracks = trawl_tracker_finish (tr);
  /* person 2: one track of three sightings; person 1: two tracks */
  g_assert_cmpuint (tracks->len, ==, 3);
  guint n2 = 0, n1 = 0;
  for (guint i = 0; i < tracks->len; i++)
    {
      TrawlTrackResult *r = tracks->pdata[i];
      gboolean is2 = r->mean_embedding[2] > r->mean_embedding[1];
      if (is2)
        {
          n2++;
          g_assert_cmpuint (r->obs->len, ==, 3);
          g_assert_cmpfloat (r->last_pts_s, ==, 8.5);  /* holds add no sighting */
        }
      else
        {
          n1++;
          g_assert_cmpuint (r->obs->len, ==, 1);
        }
    }
  g_assert_cmpuint (n2, ==, 1);
  g_assert_cmpuint (n1, ==, 2);

  /* Without the holds the same frames give a track per sighting span. */
  g_autoptr (TrawlTracker) plain = trawl_tracker_new (NULL);
  trawl_tracker_add_faces (plain, NULL, 0.0, a0);
  trawl_tracker_add_faces (plain, NULL, 0.5, a1);
  trawl_tracker_add_faces (plain, NULL, 8.5, a2);
  g_assert_cmpuint (trawl_tracker_get_n_tracks (plain, TRAWL_TRACK_FACE), ==, 4);
}

/* The best observation is the highest quality one; thumbnails are kept
 * for the best max_thumbs only. */
static void
test_best_and_thumbs (void)
{
  TrawlTrackerOptions o;
  trawl_tracker_options_init (&o);
  o.max_thumbs = 2;
  g_autoptr (TrawlTracker) tr = trawl_tracker_new (&o);
  g_autoptr (TrawlImage) frame = trawl_image_new (320, 240);
  memset (frame->data, 128, (gsize) frame->stride * frame->height);
  float q[] = { 0.2f, 0.9f, 0.1f, 0.5f, 0.7f };
  for (guint i = 0; i < G_N_ELEMENTS (q); i++)
    {
      TrawlFace f = make_face (5, i, 100 + i * 2, 80, q[i]);
      g_autoptr (GArray) a = faces_of (&f, 1);
      trawl_tracker_add_faces (tr, frame, i * 0.5, a);
    }
  g_autoptr (GPtrArray) tracks = trawl_tracker_finish (tr);
  g_assert_cmpuint (tracks->len, ==, 1);
  TrawlTrackResult *r = tracks->pdata[0];
  g_assert_cmpuint (r->best_obs, ==, 1);
  g_assert_cmpfloat_with_epsilon (r->best_quality, 0.9f, 1e-6);
  for (guint i = 0; i < r->obs->len; i++)
    {
      TrawlTrackObs *ob = &g_array_index (r->obs, TrawlTrackObs, i);
      gboolean want = (i == 1 || i == 4);  /* 0.9 and 0.7 */
      g_assert_cmpint (ob->thumb_jpeg != NULL, ==, want);
      if (want)
        {
          gsize len;
          const guint8 *d = g_bytes_get_data (ob->thumb_jpeg, &len);
          g_assert_cmpuint (len, >, 4);
          g_assert_cmpint (d[0], ==, 0xFF);  /* JPEG SOI */
          g_assert_cmpint (d[1], ==, 0xD8);
        }
    }
}

static TrawlPlate *
make_plate (const char *text, float x, float conf)
{
  TrawlPlate *p = g_new0 (TrawlPlate, 1);
  p->box = (TrawlBox) { x, 200, 120, 30 };
  p->det_score = 1.0f;
  p->raw = g_strdup (text);
  p->text = g_strdup (text);
  p->confidence = conf;
  p->chars = g_array_new (FALSE, TRUE, sizeof (TrawlPlateChar));
  for (const char *c = text; *c; c++)
    {
      TrawlPlateChar pc = { 0 };
      pc.c = (gunichar) *c;
      pc.prob = conf;
      pc.alt[0] = (gunichar) *c;
      pc.alt_prob[0] = conf;
      pc.alt[1] = 'Q';
      pc.alt_prob[1] = 1 - conf;
      g_array_append_val (p->chars, pc);
    }
  return p;
}

/* Reads differing by confusable characters (B/8, O/0) join one track, even
 * far apart in the frame; the best read is the one with the most summed
 * confidence; a different plate is another track. */
static void
test_plates (void)
{
  g_autoptr (TrawlTracker) tr = trawl_tracker_new (NULL);
  const char *reads[] = { "AB123CD", "A8123CD", "AB123CD", "AB1230D" };
  for (guint i = 0; i < G_N_ELEMENTS (reads); i++)
    {
      g_autoptr (GPtrArray) ps = g_ptr_array_new_with_free_func ((GDestroyNotify) trawl_plate_free);
      g_ptr_array_add (ps, make_plate (reads[i], 10 + i * 150, i == 1 ? 0.95f : 0.8f));
      g_ptr_array_add (ps, make_plate ("XY987ZW", 500, 0.9f));
      trawl_tracker_add_plates (tr, NULL, i * 0.5, ps);
    }
  g_autoptr (GPtrArray) tracks = trawl_tracker_finish (tr);
  g_assert_cmpuint (tracks->len, ==, 2);
  TrawlTrackResult *ab = NULL, *xy = NULL;
  for (guint i = 0; i < 2; i++)
    {
      TrawlTrackResult *r = tracks->pdata[i];
      g_assert_cmpint (r->kind, ==, TRAWL_TRACK_PLATE);
      if (g_str_has_prefix (r->best_plate_text, "XY"))
        xy = r;
      else
        ab = r;
    }
  g_assert_nonnull (ab);
  g_assert_nonnull (xy);
  g_assert_cmpuint (ab->obs->len, ==, 4);
  g_assert_cmpuint (xy->obs->len, ==, 4);
  g_assert_cmpstr (ab->best_plate_text, ==, "AB123CD");   /* 0.8 + 0.8 > 0.95 */
  g_assert_cmpstr (xy->best_plate_text, ==, "XY987ZW");
  /* the alternatives are JSON, one entry per character */
  g_autoptr (JsonNode) n = json_from_string (ab->best_plate_alternatives, NULL);
  g_assert_nonnull (n);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (n));
  JsonArray *arr = json_node_get_array (n);
  g_assert_cmpuint (json_array_get_length (arr), ==, 7);
  JsonObject *c0 = json_array_get_object_element (arr, 0);
  g_assert_cmpstr (json_object_get_string_member (c0, "c"), ==, "A");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (c0, "alt")), ==, 2);
}

/* No frame reads the plate right, yet the vote over the track does; a
 * badge read beside it (all letters, unsure, no national shape) is no
 * plate track unless asked for. */
static void
test_plate_vote (void)
{
  const char *reads[] = { "32L8D6", "3ZLBD6", "32LBO6", "32LBD6X" };
  for (int keep = 0; keep < 2; keep++)
    {
      TrawlTrackerOptions o;
      trawl_tracker_options_init (&o);
      o.keep_unlikely_plates = keep;
      g_autoptr (TrawlTracker) tr = trawl_tracker_new (&o);
      for (guint i = 0; i < G_N_ELEMENTS (reads); i++)
        {
          g_autoptr (GPtrArray) ps = g_ptr_array_new_with_free_func ((GDestroyNotify) trawl_plate_free);
          g_ptr_array_add (ps, make_plate (reads[i], 100, i == 3 ? 0.5f : 0.8f));
          g_ptr_array_add (ps, make_plate ("FUSION", 400, 0.7f));
          trawl_tracker_add_plates (tr, NULL, i * 0.5, ps);
        }
      g_autoptr (GPtrArray) tracks = trawl_tracker_finish (tr);
      g_assert_cmpuint (tracks->len, ==, keep ? 2 : 1);
      TrawlTrackResult *t = tracks->pdata[0];
      g_assert_cmpstr (t->best_plate_text, ==, "32LBD6");
      g_assert_cmpuint (t->obs->len, ==, 4);
      if (keep)
        g_assert_cmpstr (((TrawlTrackResult *) tracks->pdata[1])->best_plate_text, ==, "FUSION");
    }
}

static void
test_plate_similarity (void)
{
  g_assert_cmpfloat (trawl_plate_text_similarity ("AB123CD", "AB123CD"), ==, 1.0f);
  g_assert_cmpfloat (trawl_plate_text_similarity ("AB123CD", "A8I23CD"), ==, 1.0f);
  g_assert_cmpfloat_with_epsilon (trawl_plate_text_similarity ("AB123CD", "AB123C"),
                                  1.0f - 1.0f / 7, 1e-6);
  g_assert_cmpfloat (trawl_plate_text_similarity ("AB123CD", "XY987ZW"), <, 0.3f);
  g_assert_cmpfloat (trawl_plate_text_similarity ("", "AB"), ==, 0.0f);
  g_assert_cmpfloat (trawl_plate_text_similarity (NULL, "AB"), ==, 0.0f);
}

static void
test_chars_json (void)
{
  g_autofree char *empty = trawl_plate_chars_to_json (NULL);
  g_assert_cmpstr (empty, ==, "[]");
  g_autoptr (GArray) chars = g_array_new (FALSE, TRUE, sizeof (TrawlPlateChar));
  TrawlPlateChar pc = { 0 };
  pc.c = 0x4eac;  /* a CJK province character, and a quote to escape */
  pc.prob = 0.5f;
  pc.alt[0] = '"';
  pc.alt_prob[0] = 0.25f;
  g_array_append_val (chars, pc);
  g_autofree char *js = trawl_plate_chars_to_json (chars);
  g_autoptr (JsonNode) n = json_from_string (js, NULL);
  g_assert_nonnull (n);
  JsonObject *o = json_array_get_object_element (json_node_get_array (n), 0);
  g_assert_cmpstr (json_object_get_string_member (o, "c"), ==, "\xe4\xba\xac");
  JsonArray *alt = json_array_get_array_element (json_object_get_array_member (o, "alt"), 0);
  g_assert_cmpstr (json_array_get_string_element (alt, 0), ==, "\"");
  g_assert_cmpfloat_with_epsilon (json_array_get_double_element (alt, 1), 0.25, 1e-4);
}

/* What the tracker stores is what search reads: a pattern character among
 * a position's alternatives costs 1 - its probability. */
static void
test_chars_json_search (void)
{
  g_autoptr (GArray) chars = g_array_new (FALSE, TRUE, sizeof (TrawlPlateChar));
  const char *read = "AX-12";
  for (const char *p = read; *p; p++)
    {
      TrawlPlateChar pc = { 0 };
      pc.c = (gunichar) *p;
      pc.prob = 0.9f;
      pc.alt[0] = pc.c;
      pc.alt_prob[0] = 0.9f;
      if (*p == 'X')
        {
          pc.alt[1] = 'K';
          pc.alt_prob[1] = 0.3f;
        }
      g_array_append_val (chars, pc);
    }
  g_autofree char *js = trawl_plate_chars_to_json (chars);
  g_autoptr (TrawlPlatePattern) pat = trawl_plate_pattern_new ("AK12", 0, NULL);
  g_assert_cmpfloat (trawl_plate_pattern_cost (pat, "AX12", NULL), ==, 1.0);
  g_assert_cmpfloat_with_epsilon (trawl_plate_pattern_cost (pat, "AX12", js), 0.7, 1e-4);
}

/* Empty and NULL detection lists are fine and create nothing. */
static void
test_empty (void)
{
  g_autoptr (TrawlTracker) tr = trawl_tracker_new (NULL);
  g_autoptr (GArray) none = g_array_new (FALSE, FALSE, sizeof (TrawlFace));
  trawl_tracker_add_faces (tr, NULL, 0, NULL);
  trawl_tracker_add_faces (tr, NULL, 1, none);
  trawl_tracker_add_plates (tr, NULL, 2, NULL);
  g_autoptr (GPtrArray) tracks = trawl_tracker_finish (tr);
  g_assert_cmpuint (tracks->len, ==, 0);
  trawl_tracker_free (NULL);
  trawl_track_result_free (NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/track/faces-cross", test_faces_cross);
  g_test_add_func ("/track/faces-gap-stranger", test_faces_gap_and_stranger);
  g_test_add_func ("/track/hold", test_hold);
  g_test_add_func ("/track/best-and-thumbs", test_best_and_thumbs);
  g_test_add_func ("/track/plates", test_plates);
  g_test_add_func ("/track/plate-vote", test_plate_vote);
  g_test_add_func ("/track/plate-similarity", test_plate_similarity);
  g_test_add_func ("/track/chars-json", test_chars_json);
  g_test_add_func ("/track/chars-json-search", test_chars_json_search);
  g_test_add_func ("/track/empty", test_empty);
  return g_test_run ();
}
