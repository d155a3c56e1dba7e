/* test-search.c - trawl/search.h on a synthetic case written with the
 * catalog's own writers: face tracks of made-up people (descriptors =
 * a person's direction plus noise), plate tracks with chosen readings and
 * alternatives, two cameras with known times. Expected answers follow from
 * how the case was made (which person, which plate, which camera, which
 * time), not from running the search. No models needed.
 */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <trawl/case.h>
#include <trawl/search.h>

#include "../common/trawl-test.h"

#define N_PEOPLE 6
#define T0 1710446700.0  /* 2024-03-14T20:05:00Z */

typedef struct {
  char  *dir;
  float  people[N_PEOPLE][TRAWL_FACE_DIM];  /* unit directions */
  GArray *person_tracks[N_PEOPLE];          /* of gint64 */
  gint64 plate_track[8];
} Fixture;

static const char *const plates[] = { "32LBD6", "RPNL93", "粤B12345", "AB12CDE", "XY98ZZZ",
                                      "96NDJB", "8UD1N7", "QQ4455" };

static void
unit (float *v, int n)
{
  double ss = 0;
  for (int i = 0; i < n; i++)
    ss += (double) v[i] * v[i];
  for (int i = 0; i < n; i++)
    v[i] = (float) (v[i] / sqrt (ss));
}

/* person's direction plus noise of the given size, unit length */
static void
noisy (const float *base, GRand *r, double noise, float *out)
{
  for (int i = 0; i < TRAWL_FACE_DIM; i++)
    out[i] = base[i] + (float) (noise * g_rand_double_range (r, -1, 1));
  unit (out, TRAWL_FACE_DIM);
}

static gint64
add_video (TrawlCatalog *cat, const char *camera, const char *sha, double start)
{
  g_autoptr(GError) error = NULL;
  TrawlCatalogVideo v = { 0 };
  gint64 cam = 0;

  g_assert_true (trawl_catalog_ensure_camera (cat, camera, &cam, &error));
  v.camera_id = cam;
  v.path = g_strdup_printf ("/footage/%s/%s.mp4", camera, sha);
  v.sha256 = (char *) sha;
  v.duration_s = 600;
  v.start_time_utc = start;
  g_assert_true (trawl_catalog_insert_video (cat, &v, &error));
  g_free (v.path);
  g_assert_true (trawl_catalog_begin_video (cat, v.id, &error));
  return v.id;
}

/* A track of n sightings from t (video seconds) with the given embeddings
 * (n x dim, or NULL) or plate text; vectors go to ids/vecs. */
static gint64
add_track_q (TrawlCase *c, gint64 video, double start, TrawlKind kind, double t, int n,
             const float *embs, const float *quality, const char *plate, const char *alts,
             GArray *ids, GArray *vecs)
{
  g_autoptr(GError) error = NULL;
  TrawlCatalog *cat = trawl_case_get_catalog (c);
  TrawlTrack tr = { 0 };
  float pv[TRAWL_PLATE_DIM];
  float mean[TRAWL_FACE_DIM] = { 0 };

  tr.kind = kind;
  tr.video_id = video;
  tr.first_pts_s = t;
  tr.last_pts_s = t + n - 1;
  tr.first_utc = isnan (start) ? NAN : start + t;
  tr.last_utc = isnan (start) ? NAN : start + t + n - 1;
  g_assert_true (trawl_catalog_insert_track (cat, &tr, &error));
  for (int i = 0; i < n; i++)
    {
      TrawlSighting s = { 0 };
      s.track_id = tr.id;
      s.video_id = video;
      s.kind = kind;
      s.pts_s = t + i;
      s.utc = isnan (start) ? NAN : start + t + i;
      s.x = 10;
      s.y = 20;
      s.w = s.h = 50;
      s.score = 0.9f;
      s.quality = quality != NULL ? quality[i] : 0.5f + 0.01f * i;
      if (kind == TRAWL_KIND_FACE)
        {
          s.embedding = (float *) embs + (gsize) i * TRAWL_FACE_DIM;
          s.n_embedding = TRAWL_FACE_DIM;
          for (int k = 0; k < TRAWL_FACE_DIM; k++)
            mean[k] += s.embedding[k];
        }
      else
        {
          s.plate_text = (char *) plate;
          s.plate_alternatives = (char *) alts;
          trawl_plate_ngram_vector (plate, pv);
          s.embedding = pv;
          s.n_embedding = TRAWL_PLATE_DIM;
        }
      g_assert_true (trawl_catalog_insert_sighting (cat, &s, &error));
      g_array_append_val (ids, s.id);
      g_array_append_vals (vecs, s.embedding, s.n_embedding);
      tr.best_sighting_id = s.id;
    }
  tr.n_sightings = n;
  tr.best_quality = 0.5f;
  if (kind == TRAWL_KIND_FACE)
    {
      unit (mean, TRAWL_FACE_DIM);
      tr.mean_embedding = mean;
      tr.n_embedding = TRAWL_FACE_DIM;
    }
  else
    {
      tr.best_plate_text = (char *) plate;
      tr.best_plate_alternatives = (char *) alts;
    }
  g_assert_true (trawl_catalog_update_track (cat, &tr, &error));
  return tr.id;
}

/* A track whose sightings have qualities 0.50, 0.51... (all searchable). */
static gint64
add_track (TrawlCase *c, gint64 video, double start, TrawlKind kind, double t, int n,
           const float *embs, const char *plate, const char *alts, GArray *ids, GArray *vecs)
{
  return add_track_q (c, video, start, kind, t, n, embs, NULL, plate, alts, ids, vecs);
}

static void
commit_vectors (TrawlCase *c, TrawlKind kind, GArray *ids, GArray *vecs)
{
  g_autoptr(GError) error = NULL;
  TrawlVectorStore *vs = trawl_case_get_vectors (c, kind, &error);
  g_assert_no_error (error);
  if (ids->len > 0)
    g_assert_true (trawl_vector_store_add (vs, ids->len, (gint64 *) ids->data,
                                          (float *) vecs->data, &error));
  g_assert_true (trawl_case_record_vectors (c, kind, &error));
}

/* Cameras "gate" (start T0) and "lobby" (start T0 + 1 h), and an
 * "attic" video without a start time. Person p appears once per camera,
 * at 60 s * (p + 1) into each video; the attic holds person 0 again. */
static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) r = g_rand_new_with_seed (7);
  g_autoptr(TrawlCase) c = NULL;
  const char *cams[] = { "gate", "lobby", "attic" };
  const double starts[] = { T0, T0 + 3600, NAN };

  (void) data;
  f->dir = g_dir_make_tmp ("trawl-search-XXXXXX", NULL);
  c = trawl_case_open (f->dir, TRAWL_CASE_CREATE, &error);
  g_assert_no_error (error);
  /* the stores load before any video transaction, as the indexer's do */
  g_assert_nonnull (trawl_case_get_vectors (c, TRAWL_KIND_FACE, &error));
  g_assert_nonnull (trawl_case_get_vectors (c, TRAWL_KIND_PLATE, &error));
  for (int p = 0; p < N_PEOPLE; p++)
    {
      for (int i = 0; i < TRAWL_FACE_DIM; i++)
        f->people[p][i] = (float) g_rand_double_range (r, -1, 1);
      unit (f->people[p], TRAWL_FACE_DIM);
      f->person_tracks[p] = g_array_new (FALSE, FALSE, sizeof (gint64));
    }
  for (int v = 0; v < 3; v++)
    {
      g_autoptr(GArray) fids = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_autoptr(GArray) fvecs = g_array_new (FALSE, FALSE, sizeof (float));
      g_autoptr(GArray) pids = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_autoptr(GArray) pvecs = g_array_new (FALSE, FALSE, sizeof (float));
      g_autofree char *sha = g_strdup_printf ("%064d", v);
      gint64 vid = add_video (trawl_case_get_catalog (c), cams[v], sha, starts[v]);
      for (int p = 0; p < (v == 2 ? 1 : N_PEOPLE); p++)
        {
          float embs[4 * TRAWL_FACE_DIM];
          gint64 tid;
          for (int k = 0; k < 4; k++)
            noisy (f->people[p], r, 0.04, embs + k * TRAWL_FACE_DIM);
          tid = add_track (c, vid, starts[v], TRAWL_KIND_FACE, 60.0 * (p + 1), 4, embs, NULL, NULL,
                           fids, fvecs);
          g_array_append_val (f->person_tracks[p], tid);
        }
      for (int k = 0; v < 2 && k < 4; k++)
        {
          int idx = v * 4 + k;
          const char *alts = NULL;
          /* the reader was torn between N and H at the fifth character of 8UD1N7 */
          if (strcmp (plates[idx], "8UD1N7") == 0)
            alts = "[{\"c\":\"8\",\"p\":0.52,\"alt\":[[\"8\",0.52],[\"B\",0.46]]},"
                   "{\"c\":\"U\",\"p\":0.99,\"alt\":[[\"U\",0.99]]},"
                   "{\"c\":\"D\",\"p\":0.99,\"alt\":[[\"D\",0.99]]},"
                   "{\"c\":\"1\",\"p\":0.99,\"alt\":[[\"1\",0.99]]},"
                   "{\"c\":\"N\",\"p\":0.52,\"alt\":[[\"N\",0.52],[\"H\",0.46]]},"
                   "{\"c\":\"7\",\"p\":0.99,\"alt\":[[\"7\",0.99]]}]";
          f->plate_track[idx] = add_track (c, vid, starts[v], TRAWL_KIND_PLATE, 30.0 * (k + 1), 3,
                                           NULL, plates[idx], alts, pids, pvecs);
        }
      commit_vectors (c, TRAWL_KIND_FACE, fids, fvecs);
      commit_vectors (c, TRAWL_KIND_PLATE, pids, pvecs);
      g_assert_true (trawl_catalog_commit_video (trawl_case_get_catalog (c), vid, &error));
      g_assert_true (trawl_case_write_vectors (c, TRAWL_KIND_FACE, &error));
      g_assert_true (trawl_case_write_vectors (c, TRAWL_KIND_PLATE, &error));
    }
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  (void) data;
  for (int p = 0; p < N_PEOPLE; p++)
    g_array_unref (f->person_tracks[p]);
  trawl_test_remove_tree (f->dir);
  g_free (f->dir);
}

static TrawlSearchResults *
run (Fixture *f, TrawlQuery *q)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlSearch) s = trawl_search_new (f->dir, &error);
  TrawlSearchResults *r;

  g_assert_no_error (error);
  r = trawl_search_run (s, q, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

static gboolean
has_track (GArray *tracks, gint64 id)
{
  for (guint i = 0; i < tracks->len; i++)
    if (g_array_index (tracks, gint64, i) == id)
      return TRUE;
  return FALSE;
}

static guint
n_matches (const TrawlSearchResults *r)
{
  guint n = 0;
  for (guint i = 0; i < r->hits->len; i++)
    n += ((TrawlSearchHit *) r->hits->pdata[i])->match;
  return n;
}

/* Every person is found on every camera, nobody else passes. */
static void
test_face_people (Fixture *f, gconstpointer data)
{
  g_autoptr(GRand) r = g_rand_new_with_seed (99);

  (void) data;
  for (int p = 0; p < N_PEOPLE; p++)
    {
      g_autoptr(TrawlQuery) q = trawl_query_new ();
      g_autoptr(TrawlSearchResults) res = NULL;
      float probe[TRAWL_FACE_DIM];

      noisy (f->people[p], r, 0.04, probe);
      trawl_query_add_face_descriptor (q, probe);
      res = run (f, q);
      g_assert_cmpint (res->kind, ==, TRAWL_KIND_FACE);
      g_assert_cmpfloat (res->threshold, ==, TRAWL_SEARCH_FACE_THRESHOLD);
      g_assert_cmpuint (n_matches (res), ==, f->person_tracks[p]->len);
      for (guint i = 0; i < res->hits->len; i++)
        {
          const TrawlSearchHit *h = res->hits->pdata[i];
          g_assert_cmpint (h->rank, ==, (int) i + 1);
          g_assert_cmpint (h->match, ==, has_track (f->person_tracks[p], h->track_id));
          if (i > 0)
            g_assert_cmpfloat (h->score, <=, ((TrawlSearchHit *) res->hits->pdata[i - 1])->score);
          g_assert_nonnull (h->video_path);
          g_assert_cmpint (h->n_sightings, ==, 4);
          g_assert_null (h->thumbnail);
        }
    }
}

/* Several noisy photos of one person: the pooled descriptor is their unit
 * mean, the person's track comes first, and its score is no more than the
 * photos score on average (a track's score is its best sighting's mean
 * similarity to the photos, and the mean of each photo's best is at least
 * that): several photos cannot make a match their photos do not. */
static void
test_face_pooling (Fixture *f, gconstpointer data)
{
  g_autoptr(GRand) r = g_rand_new_with_seed (5);
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlSearch) s = trawl_search_new (f->dir, &error);
  g_autoptr(TrawlQuery) pooled = trawl_query_new ();
  float probes[3][TRAWL_FACE_DIM], out[TRAWL_FACE_DIM];
  double single_mean = 0, pooled_score = 0;
  int n = 0;

  (void) data;
  for (int k = 0; k < 3; k++)
    {
      g_autoptr(TrawlQuery) one = trawl_query_new ();
      g_autoptr(TrawlSearchResults) res = NULL;
      noisy (f->people[2], r, 0.25, probes[k]);
      trawl_query_add_face_descriptor (one, probes[k]);
      trawl_query_add_face_descriptor (pooled, probes[k]);
      res = trawl_search_run (s, one, NULL, &error);
      g_assert_no_error (error);
      single_mean += ((TrawlSearchHit *) res->hits->pdata[0])->score / 3;
    }
  g_assert_true (trawl_search_query_face (s, pooled, out, &n, &error));
  g_assert_cmpint (n, ==, 3);
  {
    double norm = 0;
    for (int i = 0; i < TRAWL_FACE_DIM; i++)
      norm += (double) out[i] * out[i];
    g_assert_cmpfloat_with_epsilon (norm, 1.0, 1e-5);
  }
  {
    g_autoptr(TrawlSearchResults) res = trawl_search_run (s, pooled, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (has_track (f->person_tracks[2],
                              ((TrawlSearchHit *) res->hits->pdata[0])->track_id));
    pooled_score = ((TrawlSearchHit *) res->hits->pdata[0])->score;
  }
  g_assert_cmpfloat (pooled_score, <=, single_mean + 1e-6);
  g_assert_cmpfloat (pooled_score, >, single_mean - 0.1);
}

static void
test_filters (Fixture *f, gconstpointer data)
{
  float probe[TRAWL_FACE_DIM];

  (void) data;
  memcpy (probe, f->people[0], sizeof probe);
  {
    g_autoptr(TrawlQuery) q = trawl_query_new ();
    g_autoptr(TrawlSearchResults) res = NULL;
    trawl_query_add_face_descriptor (q, probe);
    trawl_query_add_camera (q, "lobby");
    res = run (f, q);
    g_assert_cmpuint (res->hits->len, >, 0);
    for (guint i = 0; i < res->hits->len; i++)
      g_assert_cmpstr (((TrawlSearchHit *) res->hits->pdata[i])->camera, ==, "lobby");
    g_assert_cmpuint (n_matches (res), ==, 1);
  }
  {
    /* the window holds the gate's first minutes only: person 0 at 60 s */
    g_autoptr(TrawlQuery) q = trawl_query_new ();
    g_autoptr(TrawlSearchResults) res = NULL;
    trawl_query_add_face_descriptor (q, probe);
    trawl_query_set_time_range (q, T0, T0 + 90);
    res = run (f, q);
    g_assert_cmpuint (res->hits->len, ==, 1);
    g_assert_cmpstr (((TrawlSearchHit *) res->hits->pdata[0])->camera, ==, "gate");
  }
  {
    /* a window meets a track that spans its edge */
    g_autoptr(TrawlQuery) q = trawl_query_new ();
    g_autoptr(TrawlSearchResults) res = NULL;
    trawl_query_add_face_descriptor (q, probe);
    trawl_query_set_time_range (q, T0 + 62, NAN);
    res = run (f, q);
    g_assert_cmpuint (n_matches (res), ==, 2);  /* gate 60..63 and lobby; not the attic */
  }
  {
    g_autoptr(TrawlQuery) q = trawl_query_new ();
    g_autoptr(TrawlSearchResults) res = NULL;
    trawl_query_add_face_descriptor (q, probe);
    trawl_query_set_limit (q, 2);
    trawl_query_set_min_score (q, 0.5);
    res = run (f, q);
    g_assert_cmpuint (res->hits->len, ==, 2);
    for (guint i = 0; i < res->hits->len; i++)
      g_assert_cmpfloat (((TrawlSearchHit *) res->hits->pdata[i])->score, >=, 0.5);
  }
}

/* The route: matches in time order across cameras, unknown times last. */
static void
test_route (Fixture *f, gconstpointer data)
{
  g_autoptr(TrawlQuery) q = trawl_query_new ();
  g_autoptr(TrawlSearchResults) res = NULL;
  g_autoptr(GPtrArray) route = NULL;

  (void) data;
  trawl_query_add_face_descriptor (q, f->people[0]);
  res = run (f, q);
  route = trawl_search_results_route (res);
  g_assert_cmpuint (route->len, ==, 3);
  g_assert_cmpstr (((TrawlSearchHit *) route->pdata[0])->camera, ==, "gate");
  g_assert_cmpstr (((TrawlSearchHit *) route->pdata[1])->camera, ==, "lobby");
  g_assert_cmpstr (((TrawlSearchHit *) route->pdata[2])->camera, ==, "attic");
  g_assert_cmpfloat (((TrawlSearchHit *) route->pdata[0])->first_utc, ==, T0 + 60);
  g_assert_cmpfloat (((TrawlSearchHit *) route->pdata[1])->first_utc, ==, T0 + 3600 + 60);
  g_assert_true (isnan (((TrawlSearchHit *) route->pdata[2])->first_utc));
}

static gint64
top_plate (Fixture *f, const char *pattern, gboolean exact, double *score, gboolean *match)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlQuery) q = trawl_query_new ();
  g_autoptr(TrawlSearchResults) res = NULL;
  const TrawlSearchHit *h;

  g_assert_true (trawl_query_set_plate_text (q, pattern, exact, &error));
  g_assert_no_error (error);
  res = run (f, q);
  g_assert_cmpint (res->kind, ==, TRAWL_KIND_PLATE);
  if (res->hits->len == 0)
    return 0;
  h = res->hits->pdata[0];
  if (score)
    *score = h->score;
  if (match)
    *match = h->match;
  return h->track_id;
}

static void
test_plates (Fixture *f, gconstpointer data)
{
  double score;
  gboolean match;

  (void) data;
  for (guint i = 0; i < G_N_ELEMENTS (plates); i++)
    {
      g_assert_cmpint (top_plate (f, plates[i], TRUE, &score, &match), ==, f->plate_track[i]);
      g_assert_cmpfloat (score, ==, 1.0);
      g_assert_true (match);
    }
  /* separators and case, wildcards, Chinese */
  g_assert_cmpint (top_plate (f, "32-lbd-6", TRUE, NULL, NULL), ==, f->plate_track[0]);
  g_assert_cmpint (top_plate (f, "32?BD*", TRUE, NULL, NULL), ==, f->plate_track[0]);
  g_assert_cmpint (top_plate (f, "*NL93", TRUE, NULL, NULL), ==, f->plate_track[1]);
  g_assert_cmpint (top_plate (f, "粤B*", TRUE, NULL, NULL), ==, f->plate_track[2]);
  g_assert_cmpint (top_plate (f, "粤B·12345", FALSE, &score, NULL), ==, f->plate_track[2]);
  g_assert_cmpfloat (score, ==, 1.0);
  /* misreads: B for 8, O for 0... */
  g_assert_cmpint (top_plate (f, "A812CDE", FALSE, &score, &match), ==, f->plate_track[3]);
  g_assert_true (match);
  g_assert_cmpfloat (score, <, 1.0);
  g_assert_cmpint (top_plate (f, "AB12CDE", TRUE, NULL, NULL), ==, f->plate_track[3]);
  g_assert_cmpint (top_plate (f, "A812CDE", TRUE, NULL, NULL), ==, 0);
  /* ... one character missing, one extra */
  g_assert_cmpint (top_plate (f, "RPN93", FALSE, NULL, &match), ==, f->plate_track[1]);
  g_assert_true (match);
  g_assert_cmpint (top_plate (f, "96NDJBB", FALSE, NULL, &match), ==, f->plate_track[5]);
  g_assert_true (match);
  /* two characters plainly wrong is not a match */
  top_plate (f, "XY98ZAA", FALSE, NULL, &match);
  g_assert_false (match);
}

/* The read's own alternatives lower the cost of the character it doubted. */
static void
test_plate_alternatives (Fixture *f, gconstpointer data)
{
  double with_alts = 0, without = 0;
  g_autoptr(TrawlPlatePattern) p = trawl_plate_pattern_new ("8UD1H7", 0, NULL);

  (void) data;
  g_assert_cmpint (top_plate (f, "8UD1H7", FALSE, &with_alts, NULL), ==, f->plate_track[6]);
  without = trawl_plate_pattern_score (p, "8UD1N7", NULL);
  g_assert_cmpfloat (with_alts, >, without);
}

static void
test_more_like_track (Fixture *f, gconstpointer data)
{
  (void) data;
  {
    g_autoptr(TrawlQuery) q = trawl_query_new ();
    g_autoptr(TrawlSearchResults) res = NULL;
    gint64 first = g_array_index (f->person_tracks[3], gint64, 0);
    trawl_query_set_track (q, first);
    res = run (f, q);
    g_assert_cmpuint (n_matches (res), ==, f->person_tracks[3]->len - 1);
    for (guint i = 0; i < res->hits->len; i++)
      {
        const TrawlSearchHit *h = res->hits->pdata[i];
        g_assert_cmpint (h->track_id, !=, first);
        if (h->match)
          g_assert_true (has_track (f->person_tracks[3], h->track_id));
      }
  }
  {
    g_autoptr(TrawlQuery) q = trawl_query_new ();
    g_autoptr(TrawlSearchResults) res = NULL;
    trawl_query_set_track (q, f->plate_track[0]);
    res = run (f, q);
    g_assert_cmpint (res->kind, ==, TRAWL_KIND_PLATE);
    for (guint i = 0; i < res->hits->len; i++)
      g_assert_cmpint (((TrawlSearchHit *) res->hits->pdata[i])->track_id, !=, f->plate_track[0]);
  }
}

static void
expect_error (Fixture *f, TrawlQuery *q, int code, const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlSearch) s = trawl_search_new (f->dir, &error);
  g_autoptr(TrawlSearchResults) r = trawl_search_run (s, q, NULL, &error);

  g_assert_null (r);
  g_assert_error (error, TRAWL_ERROR, code);
  if (needle != NULL && strstr (error->message, needle) == NULL)
    g_error ("'%s' not in the message '%s'", needle, error->message);
}

static void
test_bad_input (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  const char *bad_patterns[] = { "", "***", "??", "-.-", "AB#12", "\xff\xfe", "ABCDEFGHIJKLMNOPQRS" };

  (void) data;
  for (guint i = 0; i < G_N_ELEMENTS (bad_patterns); i++)
    {
      g_autoptr(TrawlQuery) q = trawl_query_new ();
      g_assert_false (trawl_query_set_plate_text (q, bad_patterns[i], FALSE, &error));
      g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
      g_clear_error (&error);
      /* the query stays as it was: empty */
      expect_error (f, q, TRAWL_ERROR_INVALID_ARG, "nothing to search for");
    }
  {
    g_autoptr(TrawlQuery) q = trawl_query_new ();
    trawl_query_add_face_descriptor (q, f->people[0]);
    trawl_query_add_camera (q, "roof");
    expect_error (f, q, TRAWL_ERROR_INVALID_ARG, "attic, gate, lobby");
  }
  {
    g_autoptr(TrawlQuery) q = trawl_query_new ();
    trawl_query_add_face_descriptor (q, f->people[0]);
    trawl_query_set_time_range (q, T0 + 100, T0);
    expect_error (f, q, TRAWL_ERROR_INVALID_ARG, "--from is after --to");
  }
  {
    g_autoptr(TrawlQuery) q = trawl_query_new ();
    trawl_query_add_face_descriptor (q, f->people[0]);
    g_assert_true (trawl_query_set_plate_text (q, "AB*", FALSE, NULL));
    expect_error (f, q, TRAWL_ERROR_INVALID_ARG, "one kind of query");
  }
  {
    g_autoptr(TrawlQuery) q = trawl_query_new ();
    trawl_query_set_track (q, 999999);
    expect_error (f, q, TRAWL_ERROR_NOT_FOUND, "999999");
  }
  {
    g_autoptr(TrawlQuery) q = trawl_query_new ();
    g_autofree char *notimg = g_build_filename (f->dir, "note.jpg", NULL);
    g_assert_true (g_file_set_contents (notimg, "this is not a picture", -1, NULL));
    trawl_query_add_face_photo (q, notimg, 0, NULL);
    /* fails reading the photo, before any model is needed */
    {
      g_autoptr(TrawlSearch) s = trawl_search_new (f->dir, &error);
      g_autoptr(TrawlSearchResults) r = trawl_search_run (s, q, NULL, &error);
      g_assert_null (r);
      g_assert_nonnull (error);
      g_clear_error (&error);
    }
  }
  {
    /* not a case */
    g_autofree char *plain = g_dir_make_tmp ("trawl-notcase-XXXXXX", NULL);
    TrawlSearch *s = trawl_search_new (plain, &error);
    g_assert_null (s);
    g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_rmdir (plain);
  }
}

/* Search works beside a writer holding the case, on what is committed. */
static void
test_beside_writer (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlCase) w = trawl_case_open (f->dir, TRAWL_CASE_WRITE, &error);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) vecs = g_array_new (FALSE, FALSE, sizeof (float));
  gint64 vid;

  (void) data;
  g_assert_no_error (error);
  g_assert_nonnull (trawl_case_get_vectors (w, TRAWL_KIND_PLATE, &error));
  vid = add_video (trawl_case_get_catalog (w), "gate", "ff", T0);
  add_track (w, vid, T0, TRAWL_KIND_PLATE, 1, 2, NULL, "NEW123", NULL, ids, vecs);
  /* the video's transaction is open: a reader must not see NEW123 */
  g_assert_cmpint (top_plate (f, "NEW123", TRUE, NULL, NULL), ==, 0);
  g_assert_cmpint (top_plate (f, "32LBD6", TRUE, NULL, NULL), ==, f->plate_track[0]);
  commit_vectors (w, TRAWL_KIND_PLATE, ids, vecs);
  g_assert_true (trawl_catalog_commit_video (trawl_case_get_catalog (w), vid, &error));
  g_assert_cmpint (top_plate (f, "NEW123", TRUE, NULL, NULL), !=, 0);
}

static void
async_done (GObject *source, GAsyncResult *res, gpointer data)
{
  TrawlSearchResults **out = data;
  g_autoptr(GError) error = NULL;
  (void) source;
  *out = trawl_search_run_finish (NULL, res, &error);
  g_assert_no_error (error);
}

static void
test_async (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlSearch) s = trawl_search_new (f->dir, &error);
  g_autoptr(TrawlQuery) q = trawl_query_new ();
  g_autoptr(TrawlSearchResults) sync = NULL;
  TrawlSearchResults *async = NULL;
  g_autoptr(GCancellable) cancel = g_cancellable_new ();

  (void) data;
  trawl_query_add_face_descriptor (q, f->people[1]);
  sync = trawl_search_run (s, q, NULL, &error);
  trawl_search_run_async (s, q, NULL, async_done, &async);
  while (async == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (async->hits->len, ==, sync->hits->len);
  for (guint i = 0; i < sync->hits->len; i++)
    g_assert_cmpint (((TrawlSearchHit *) async->hits->pdata[i])->track_id, ==,
                     ((TrawlSearchHit *) sync->hits->pdata[i])->track_id);
  trawl_search_results_free (async);
  /* a cancelled query says so */
  g_cancellable_cancel (cancel);
  {
    g_autoptr(TrawlSearchResults) r = trawl_search_run (s, q, cancel, &error);
    g_assert_null (r);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  }
}

static void
test_parse_time (void)
{
  g_autoptr(GError) error = NULL;
  double t = 0;

  g_assert_true (trawl_parse_time ("2024-03-14T21:05:00+01:00", &t, &error));
  g_assert_cmpfloat (t, ==, T0);
  g_assert_true (trawl_parse_time ("2024-03-14T20:05:00Z", &t, &error));
  g_assert_cmpfloat (t, ==, T0);
  g_assert_true (trawl_parse_time ("2024-03-14T20:05Z", &t, &error));
  g_assert_cmpfloat (t, ==, T0);
  g_assert_true (trawl_parse_time ("2024-03-14 21:05+01:00", &t, &error));
  g_assert_cmpfloat (t, ==, T0);
  /* TZ is Asia/Shanghai (main) */
  g_assert_true (trawl_parse_time ("2024-03-15 04:05", &t, &error));
  g_assert_cmpfloat (t, ==, T0);
  g_assert_true (trawl_parse_time ("2024-03-15", &t, &error));
  g_assert_cmpfloat (t, ==, T0 - 4 * 3600 - 5 * 60);
  for (const char *const *bad = (const char *const[]) { "yesterday", "2024-13-01", "21:05", "", NULL };
       *bad != NULL; bad++)
    {
      g_assert_false (trawl_parse_time (*bad, &t, &error));
      g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
      g_clear_error (&error);
    }
}

static void
test_query_json (void)
{
  g_autoptr(TrawlQuery) q = trawl_query_new ();
  g_autofree char *json = NULL;

  g_assert_true (trawl_query_set_plate_text (q, "粤B*", FALSE, NULL));
  trawl_query_add_camera (q, "gate \"2\"");
  trawl_query_set_time_range (q, T0, NAN);
  json = trawl_query_to_json (q);
  g_assert_nonnull (strstr (json, "\"plate\":\"粤B*\""));
  g_assert_nonnull (strstr (json, "gate \\\"2\\\""));
  g_assert_nonnull (strstr (json, "\"from\":\"2024-03-14T20:05:00Z\""));
  g_assert_null (strstr (json, "\"to\""));
}

/* ---- the face score rule, by hand ---- */

/* e_i: the i-th unit axis; a + b along two of them, not normalised. */
static void
axis (float *v, int i, float w)
{
  memset (v, 0, TRAWL_FACE_DIM * sizeof (float));
  v[i] = w;
}

/* trawl_search_face_score and _track_score against values worked out on
 * paper: photos e0, e1, e2; faces 3 e0 + 4 e1 (cos 0.6, 0.8, 0), e2 and
 * e0 + e1 (cos 1/sqrt 2, 1/sqrt 2, 0). */
static void
test_face_score_rule (void)
{
  float photos[3 * TRAWL_FACE_DIM], faces[3 * TRAWL_FACE_DIM];
  float q_mixed[3] = { 0.30f, 0.90f, 0.10f };
  float q_low[3] = { 0.10f, 0.24f, 0.0f };
  gboolean ok = TRUE;
  int best = -2;
  double sc;

  for (int i = 0; i < 3; i++)
    axis (photos + i * TRAWL_FACE_DIM, i, 1.0f);
  axis (faces, 0, 3.0f);
  faces[1] = 4.0f;
  axis (faces + TRAWL_FACE_DIM, 2, 1.0f);
  axis (faces + 2 * TRAWL_FACE_DIM, 0, 1.0f);
  faces[2 * TRAWL_FACE_DIM + 1] = 1.0f;

  g_assert_cmpfloat_with_epsilon (trawl_search_face_score (faces, photos, 3), 1.4 / 3, 1e-6);
  g_assert_cmpfloat_with_epsilon (trawl_search_face_score (faces, photos, 1), 0.6, 1e-6);
  g_assert_cmpfloat_with_epsilon (trawl_search_face_score (faces + TRAWL_FACE_DIM, photos, 3),
                                  1.0 / 3, 1e-6);
  g_assert_cmpfloat (trawl_search_face_score (faces, photos, 0), ==, 0.0);

  /* all searchable: face 2 (sqrt 2 / 3 = 0.471) beats face 0 (0.467) */
  {
    float q_all[3] = { 0.5f, 0.5f, 0.5f };
    sc = trawl_search_face_track_score (photos, 3, faces, q_all, 3, &best, &ok);
    g_assert_cmpfloat_with_epsilon (sc, sqrt (2.0) / 3, 1e-6);
    g_assert_cmpint (best, ==, 2);
    g_assert_true (ok);
  }
  /* face 2 under the gate: face 0 scores, though face 2 is nearer */
  sc = trawl_search_face_track_score (photos, 3, faces, q_mixed, 3, &best, &ok);
  g_assert_cmpfloat_with_epsilon (sc, 1.4 / 3, 1e-6);
  g_assert_cmpint (best, ==, 0);
  g_assert_true (ok);
  /* none searchable: the best over all, flagged */
  sc = trawl_search_face_track_score (photos, 3, faces, q_low, 3, &best, &ok);
  g_assert_cmpfloat_with_epsilon (sc, sqrt (2.0) / 3, 1e-6);
  g_assert_cmpint (best, ==, 2);
  g_assert_false (ok);
  /* the gate is inclusive */
  q_low[1] = TRAWL_SEARCH_FACE_MIN_QUALITY;
  sc = trawl_search_face_track_score (photos, 3, faces, q_low, 3, &best, &ok);
  g_assert_cmpint (best, ==, 1);
  g_assert_true (ok);
  sc = trawl_search_face_track_score (photos, 3, faces, q_low, 0, &best, &ok);
  g_assert_cmpint (best, ==, -1);
  g_assert_false (ok);
}

/* A small case of its own: person A twice (a sharp track, and a track whose
 * every face is under the quality gate), person B, and a stranger C who
 * sits exactly between A and B. */
typedef struct {
  char  *dir;
  float  a[TRAWL_FACE_DIM], b[TRAWL_FACE_DIM], c[TRAWL_FACE_DIM];
  gint64 sharp_a, blurred_a, track_b, track_c, mixed_a;
  gint64 mixed_good;  /* the sharp sighting of mixed_a */
} Gate;

static void
gate_set_up (Gate *g)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) r = g_rand_new_with_seed (11);
  g_autoptr(TrawlCase) c = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) vecs = g_array_new (FALSE, FALSE, sizeof (float));
  float embs[3 * TRAWL_FACE_DIM], far[TRAWL_FACE_DIM];
  const float sharp[3] = { 0.4f, 0.5f, 0.6f }, blurred[3] = { 0.05f, 0.1f, 0.2f };
  const float mixed[2] = { 0.1f, 0.5f };
  gint64 vid;

  g->dir = g_dir_make_tmp ("trawl-search-gate-XXXXXX", NULL);
  c = trawl_case_open (g->dir, TRAWL_CASE_CREATE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (trawl_case_get_vectors (c, TRAWL_KIND_FACE, &error));
  /* A and B orthogonal, C their normalised mean */
  axis (g->a, 0, 1.0f);
  axis (g->b, 1, 1.0f);
  axis (g->c, 0, 1.0f);
  g->c[1] = 1.0f;
  unit (g->c, TRAWL_FACE_DIM);
  vid = add_video (trawl_case_get_catalog (c), "hall", "a0", T0);
  for (int k = 0; k < 3; k++)
    noisy (g->a, r, 0.01, embs + k * TRAWL_FACE_DIM);
  g->sharp_a = add_track_q (c, vid, T0, TRAWL_KIND_FACE, 10, 3, embs, sharp, NULL, NULL, ids, vecs);
  g->blurred_a = add_track_q (c, vid, T0, TRAWL_KIND_FACE, 20, 3, embs, blurred, NULL, NULL, ids,
                              vecs);
  for (int k = 0; k < 3; k++)
    noisy (g->b, r, 0.01, embs + k * TRAWL_FACE_DIM);
  g->track_b = add_track_q (c, vid, T0, TRAWL_KIND_FACE, 30, 3, embs, sharp, NULL, NULL, ids, vecs);
  for (int k = 0; k < 3; k++)
    noisy (g->c, r, 0.01, embs + k * TRAWL_FACE_DIM);
  g->track_c = add_track_q (c, vid, T0, TRAWL_KIND_FACE, 40, 3, embs, sharp, NULL, NULL, ids, vecs);
  /* A again: a blurred face right on A, then a sharp one a little off */
  axis (far, 0, 1.0f);
  far[2] = 0.3f;
  unit (far, TRAWL_FACE_DIM);
  memcpy (embs, g->a, sizeof g->a);
  memcpy (embs + TRAWL_FACE_DIM, far, sizeof far);
  g->mixed_a = add_track_q (c, vid, T0, TRAWL_KIND_FACE, 50, 2, embs, mixed, NULL, NULL, ids, vecs);
  g->mixed_good = g_array_index (ids, gint64, ids->len - 1);
  commit_vectors (c, TRAWL_KIND_FACE, ids, vecs);
  g_assert_true (trawl_catalog_commit_video (trawl_case_get_catalog (c), vid, &error));
  g_assert_true (trawl_case_write_vectors (c, TRAWL_KIND_FACE, &error));
}

static void
gate_tear_down (Gate *g)
{
  trawl_test_remove_tree (g->dir);
  g_free (g->dir);
}

static const TrawlSearchHit *
hit_of (const TrawlSearchResults *r, gint64 track)
{
  for (guint i = 0; i < r->hits->len; i++)
    if (((TrawlSearchHit *) r->hits->pdata[i])->track_id == track)
      return r->hits->pdata[i];
  return NULL;
}

static TrawlSearchResults *
gate_run (Gate *g, TrawlQuery *q)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlSearch) s = trawl_search_new (g->dir, &error);
  TrawlSearchResults *r;

  g_assert_no_error (error);
  trawl_query_set_limit (q, 0);
  r = trawl_search_run (s, q, NULL, &error);
  g_assert_no_error (error);
  return r;
}

/* Faces under the quality gate never match, however near: A's blurred
 * track is listed (flagged, its score as near as the sharp one's) but is
 * no match and not on the route; a track's score comes from its sharp
 * sighting even when a blurred one is nearer. */
static void
test_face_quality_gate (void)
{
  Gate g;
  g_autoptr(TrawlQuery) q = trawl_query_new ();
  g_autoptr(TrawlSearchResults) r = NULL;
  g_autoptr(GPtrArray) route = NULL;
  const TrawlSearchHit *sharp, *blurred, *mixed;

  gate_set_up (&g);
  trawl_query_add_face_descriptor (q, g.a);
  r = gate_run (&g, q);
  sharp = hit_of (r, g.sharp_a);
  blurred = hit_of (r, g.blurred_a);
  mixed = hit_of (r, g.mixed_a);
  g_assert_nonnull (sharp);
  g_assert_nonnull (blurred);
  g_assert_nonnull (mixed);
  g_assert_true (sharp->match);
  g_assert_false (sharp->low_quality);
  g_assert_cmpfloat (blurred->score, >=, TRAWL_SEARCH_FACE_THRESHOLD);
  g_assert_true (blurred->low_quality);
  g_assert_false (blurred->match);
  /* mixed: scored by the sharp face (cos 1 / sqrt 1.09), not the blurred (1) */
  g_assert_cmpfloat_with_epsilon (mixed->score, 1.0 / sqrt (1.09), 1e-5);
  g_assert_cmpint (mixed->best_sighting_id, ==, g.mixed_good);
  g_assert_true (mixed->match);
  route = trawl_search_results_route (r);
  for (guint i = 0; i < route->len; i++)
    g_assert_cmpint (((TrawlSearchHit *) route->pdata[i])->track_id, !=, g.blurred_a);
  gate_tear_down (&g);
}

/* Two photos that disagree (here of two people, A and B) pool to a
 * descriptor between them; the stranger C who sits there matched the
 * pooled mean perfectly, but is only 0.71 from each photo and is no match.
 * A track near one photo only scores the mean of its similarities (about
 * 0.5) and is no match either. */
static void
test_face_photos_disagree (void)
{
  Gate g;
  g_autoptr(TrawlQuery) q = trawl_query_new ();
  g_autoptr(TrawlSearchResults) r = NULL;
  const TrawlSearchHit *hc, *ha;

  gate_set_up (&g);
  trawl_query_add_face_descriptor (q, g.a);
  trawl_query_add_face_descriptor (q, g.b);
  r = gate_run (&g, q);
  g_assert_cmpint (r->n_query_faces, ==, 2);
  hc = hit_of (r, g.track_c);
  ha = hit_of (r, g.sharp_a);
  g_assert_nonnull (hc);
  g_assert_nonnull (ha);
  g_assert_cmpfloat_with_epsilon (hc->score, sqrt (0.5), 0.02);
  g_assert_false (hc->match);
  g_assert_cmpfloat_with_epsilon (ha->score, 0.5, 0.02);
  g_assert_false (ha->match);
  for (guint i = 0; i < r->hits->len; i++)
    g_assert_false (((TrawlSearchHit *) r->hits->pdata[i])->match);
  gate_tear_down (&g);
}

/* More like a track: its searchable sightings are the photos; a track of
 * blurred faces only still searches with them. */
static void
test_face_track_query (void)
{
  Gate g;
  g_autoptr(TrawlQuery) q = trawl_query_new ();
  g_autoptr(TrawlQuery) q2 = trawl_query_new ();
  g_autoptr(TrawlSearchResults) r = NULL;
  g_autoptr(TrawlSearchResults) r2 = NULL;

  gate_set_up (&g);
  trawl_query_set_track (q, g.sharp_a);
  r = gate_run (&g, q);
  g_assert_cmpint (r->n_query_faces, ==, 3);
  g_assert_null (hit_of (r, g.sharp_a));
  g_assert_true (hit_of (r, g.mixed_a)->match);
  g_assert_false (hit_of (r, g.blurred_a)->match);
  g_assert_false (hit_of (r, g.track_b)->match);
  trawl_query_set_track (q2, g.mixed_a);
  r2 = gate_run (&g, q2);
  g_assert_cmpint (r2->n_query_faces, ==, 1);  /* the sharp face only */
  trawl_query_free (g_steal_pointer (&q2));
  q2 = trawl_query_new ();
  trawl_query_set_track (q2, g.blurred_a);
  g_clear_pointer (&r2, trawl_search_results_free);
  r2 = gate_run (&g, q2);
  g_assert_cmpint (r2->n_query_faces, ==, 3);
  g_assert_true (hit_of (r2, g.sharp_a)->match);
  gate_tear_down (&g);
}

#define ADD(path, fn) \
  g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)

int
main (int argc, char **argv)
{
  g_setenv ("TZ", "Asia/Shanghai", TRUE);  /* local times in parse-time; before any thread */
  g_test_init (&argc, &argv, NULL);
  ADD ("/search/face/people", test_face_people);
  ADD ("/search/face/pooling", test_face_pooling);
  ADD ("/search/filters", test_filters);
  ADD ("/search/route", test_route);
  ADD ("/search/plates", test_plates);
  ADD ("/search/plate-alternatives", test_plate_alternatives);
  ADD ("/search/more-like-track", test_more_like_track);
  ADD ("/search/bad-input", test_bad_input);
  ADD ("/search/beside-writer", test_beside_writer);
  ADD ("/search/async", test_async);
  g_test_add_func ("/search/face/score-rule", test_face_score_rule);
  g_test_add_func ("/search/face/quality-gate", test_face_quality_gate);
  g_test_add_func ("/search/face/photos-disagree", test_face_photos_disagree);
  g_test_add_func ("/search/face/track-query", test_face_track_query);
  g_test_add_func ("/search/parse-time", test_parse_time);
  g_test_add_func ("/search/query-json", test_query_json);
  return g_test_run ();
}
