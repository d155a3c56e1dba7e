/* bench-search.c - how fast trawl answers, at city scale. Three commands
 * (benchmarks/search/run.py drives them and adds the CLI's time-to-answer):
 *
 *   bench-search make CASE --camera-days N   a synthetic case written with
 *       the library's own writers (TrawlCase, catalog inserts, vector
 *       stores): per camera-day 1,000 face tracks of 10 sightings and 500
 *       plate tracks of 3, each track with a JPEG thumbnail. Faces are
 *       people from a population of 20,000 (clustered, so different people
 *       are not trivially far apart) plus per-sighting noise; plates are
 *       random Latin and Chinese texts.
 *   bench-search vectors --n 100000,1000000   face-vector index types on
 *       the same kind of vectors: p50/p99 latency of one query and recall@10
 *       against exact search (FAISS flat, the peer), for flat, the store's
 *       own rule (flat, then IVF at 262,144), HNSW32 and IVF-PQ.
 *   bench-search queries CASE   in-process query latency through
 *       trawl_search_run: face (descriptor given), fuzzy plate, wildcard
 *       plate; peer: the same plate questions as SQL LIKE/GLOB on the
 *       catalog (sqlite3 on the file, read-only).
 *
 * Each prints one JSON object on stdout. Nothing is asserted.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include <faiss/c_api/AutoTune_c.h>
#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/index_factory_c.h>
#include <json-glib/json-glib.h>
#include <sqlite3.h>
#include <trawl/case.h>
#include <trawl/image.h>
#include <trawl/plate.h>
#include <trawl/search.h>

#define DIM            TRAWL_FACE_DIM
#define N_PEOPLE       20000
#define N_CLUSTERS     64
#define FACES_PER_DAY  1000
#define SIGHTINGS      10
#define PLATES_PER_DAY 500
#define DAY_S          86400.0
#define T0             1704067200.0  /* 2024-01-01T00:00:00Z */

/* ---- synthetic people and plates ---- */

static void
unit (float *v, int n)
{
  double ss = 0;
  for (int i = 0; i < n; i++)
    ss += (double) v[i] * v[i];
  for (int i = 0; i < n; i++)
    v[i] = (float) (v[i] / sqrt (ss));
}

/* Person p's direction: a cluster centre plus the person's own offset,
 * both from seeded generators, so `make` and `queries` agree. */
static void
person (int p, float *out)
{
  g_autoptr(GRand) rc = g_rand_new_with_seed (1000 + (guint32) (p % N_CLUSTERS));
  g_autoptr(GRand) rp = g_rand_new_with_seed (5000000 + (guint32) p);
  for (int i = 0; i < DIM; i++)
    out[i] = (float) (g_rand_double_range (rc, -1, 1) + 0.9 * g_rand_double_range (rp, -1, 1));
  unit (out, DIM);
}

static void
jitter (const float *base, GRand *r, double noise, float *out)
{
  for (int i = 0; i < DIM; i++)
    out[i] = base[i] + (float) (noise * g_rand_double_range (r, -1, 1));
  unit (out, DIM);
}

static char *
random_plate (GRand *r)
{
  static const char *provinces[] = { "京", "沪", "粤", "浙", "苏", "川" };
  const char *letters = "ABCDEFGHJKLMNPRSTVWXYZ", *digits = "0123456789";
  GString *s = g_string_new (NULL);
  int kind = g_rand_int_range (r, 0, 4);

  if (kind == 0)
    {
      g_string_append (s, provinces[g_rand_int_range (r, 0, G_N_ELEMENTS (provinces))]);
      g_string_append_c (s, letters[g_rand_int_range (r, 0, 22)]);
      for (int i = 0; i < 5; i++)
        g_string_append_c (s, (i % 2 ? digits[g_rand_int_range (r, 0, 10)]
                                     : (g_rand_boolean (r) ? letters[g_rand_int_range (r, 0, 22)]
                                                           : digits[g_rand_int_range (r, 0, 10)])));
    }
  else
    for (int i = 0; i < 7; i++)
      g_string_append_c (s, (i < 2 || i > 4) ? letters[g_rand_int_range (r, 0, 22)]
                                             : digits[g_rand_int_range (r, 0, 10)]);
  return g_string_free (s, FALSE);
}

static double
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

static double
peak_rss_mib (void)
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

static void
print_json (JsonBuilder *b)
{
  g_autoptr(JsonNode) root = json_builder_get_root (b);
  g_autofree char *text = json_to_string (root, TRUE);
  printf ("%s\n", text);
}

/* ---- make ---- */

static gboolean
make_day (TrawlCase *c, int day, GRand *r, GBytes *thumb, GError **error)
{
  TrawlCatalog *cat = trawl_case_get_catalog (c);
  g_autofree char *cam_name = g_strdup_printf ("cam-%03d", day % 40);
  g_autofree char *sha = g_strdup_printf ("%064x", day + 1);
  g_autofree char *path = g_strdup_printf ("/archive/%s/day-%04d.mp4", cam_name, day / 40);
  g_autoptr(GArray) fids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) fvecs = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr(GArray) pids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) pvecs = g_array_new (FALSE, FALSE, sizeof (float));
  TrawlCatalogVideo v = { 0 };
  double start = T0 + (day / 40) * DAY_S;
  gsize thumb_len;
  const guint8 *thumb_data = g_bytes_get_data (thumb, &thumb_len);
  gint64 cam;

  if (!trawl_catalog_ensure_camera (cat, cam_name, &cam, error))
    return FALSE;
  v.camera_id = cam;
  v.path = path;
  v.sha256 = sha;
  v.duration_s = DAY_S;
  v.codec = (char *) "h264";
  v.width = 1920;
  v.height = 1080;
  v.fps = 25;
  v.start_time_utc = start;
  v.time_source = TRAWL_TIME_SOURCE_USER;
  if (!trawl_catalog_insert_video (cat, &v, error) || !trawl_catalog_begin_video (cat, v.id, error))
    return FALSE;
  for (int t = 0; t < FACES_PER_DAY + PLATES_PER_DAY; t++)
    {
      gboolean face = t < FACES_PER_DAY;
      int n = face ? SIGHTINGS : 3;
      double at = g_rand_double_range (r, 0, DAY_S - 60);
      float base[DIM], mean[DIM] = { 0 }, e[DIM], pv[TRAWL_PLATE_DIM];
      g_autofree char *plate = face ? NULL : random_plate (r);
      TrawlTrack tr = { 0 };

      if (face)
        person (g_rand_int_range (r, 0, N_PEOPLE), base);
      tr.kind = face ? TRAWL_KIND_FACE : TRAWL_KIND_PLATE;
      tr.video_id = v.id;
      tr.first_pts_s = at;
      tr.last_pts_s = at + n - 1;
      tr.first_utc = start + at;
      tr.last_utc = start + at + n - 1;
      if (!trawl_catalog_insert_track (cat, &tr, error))
        return FALSE;
      for (int i = 0; i < n; i++)
        {
          TrawlSighting s = { 0 };
          s.track_id = tr.id;
          s.video_id = v.id;
          s.kind = tr.kind;
          s.pts_s = at + i;
          s.utc = start + at + i;
          s.x = 100;
          s.y = 100;
          s.w = s.h = 80;
          s.score = 0.9f;
          s.quality = 0.5f;
          if (face)
            {
              jitter (base, r, 0.12, e);
              for (int k = 0; k < DIM; k++)
                mean[k] += e[k];
              s.embedding = e;
              s.n_embedding = DIM;
            }
          else
            {
              trawl_plate_ngram_vector (plate, pv);
              s.plate_text = plate;
              s.embedding = pv;
              s.n_embedding = TRAWL_PLATE_DIM;
            }
          if (!trawl_catalog_insert_sighting (cat, &s, error))
            return FALSE;
          g_array_append_val (face ? fids : pids, s.id);
          g_array_append_vals (face ? fvecs : pvecs, s.embedding, s.n_embedding);
          if (i == n / 2)
            {
              tr.best_sighting_id = s.id;
              if (!trawl_catalog_insert_thumbnail (cat, s.id, thumb_data, thumb_len, error))
                return FALSE;
            }
        }
      tr.n_sightings = n;
      tr.best_quality = 0.5f;
      if (face)
        {
          unit (mean, DIM);
          tr.mean_embedding = mean;
          tr.n_embedding = DIM;
        }
      else
        tr.best_plate_text = plate;
      if (!trawl_catalog_update_track (cat, &tr, error))
        return FALSE;
    }
  {
    TrawlVectorStore *fs = trawl_case_get_vectors (c, TRAWL_KIND_FACE, error);
    TrawlVectorStore *ps = fs ? trawl_case_get_vectors (c, TRAWL_KIND_PLATE, error) : NULL;
    if (ps == NULL
        || !trawl_vector_store_add (fs, fids->len, (gint64 *) fids->data, (float *) fvecs->data,
                                    error)
        || !trawl_vector_store_add (ps, pids->len, (gint64 *) pids->data, (float *) pvecs->data,
                                    error)
        || !trawl_case_record_vectors (c, TRAWL_KIND_FACE, error)
        || !trawl_case_record_vectors (c, TRAWL_KIND_PLATE, error))
      return FALSE;
  }
  return trawl_catalog_commit_video (cat, v.id, error);
}

static int
cmd_make (const char *dir, int days)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlCase) c = trawl_case_open (dir, TRAWL_CASE_CREATE, &error);
  g_autoptr(GRand) r = g_rand_new_with_seed (42);
  g_autoptr(TrawlImage) img = trawl_image_new (96, 96);
  g_autoptr(GBytes) thumb = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  guint8 *jpeg;
  gsize len;
  double t0 = now_s (), t_vec;

  if (c == NULL)
    {
      fprintf (stderr, "bench-search: %s\n", error->message);
      return 1;
    }
  for (int i = 0; i < img->stride * img->height; i++)
    img->data[i] = (guint8) g_rand_int_range (r, 0, 256);
  jpeg = trawl_image_encode_jpeg (img, 80, &len, &error);
  thumb = g_bytes_new_take (jpeg, len);
  /* the stores load before any video transaction, as the indexer's do */
  if (trawl_case_get_vectors (c, TRAWL_KIND_FACE, &error) == NULL
      || trawl_case_get_vectors (c, TRAWL_KIND_PLATE, &error) == NULL)
    {
      fprintf (stderr, "bench-search: %s\n", error->message);
      return 1;
    }
  for (int d = 0; d < days; d++)
    {
      if (!make_day (c, d, r, thumb, &error))
        {
          fprintf (stderr, "bench-search: day %d: %s\n", d, error->message);
          return 1;
        }
      if (d % 10 == 9)
        fprintf (stderr, "\r%d/%d camera-days, %.0f s", d + 1, days, now_s () - t0);
    }
  t_vec = now_s ();
  if (!trawl_case_write_vectors (c, TRAWL_KIND_FACE, &error)
      || !trawl_case_write_vectors (c, TRAWL_KIND_PLATE, &error))
    {
      fprintf (stderr, "bench-search: %s\n", error->message);
      return 1;
    }
  fprintf (stderr, "\n");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "camera_days");
  json_builder_add_int_value (b, days);
  json_builder_set_member_name (b, "face_tracks");
  json_builder_add_int_value (b, (gint64) days * FACES_PER_DAY);
  json_builder_set_member_name (b, "face_sightings");
  json_builder_add_int_value (b, (gint64) days * FACES_PER_DAY * SIGHTINGS);
  json_builder_set_member_name (b, "plate_tracks");
  json_builder_add_int_value (b, (gint64) days * PLATES_PER_DAY);
  json_builder_set_member_name (b, "make_s");
  json_builder_add_double_value (b, now_s () - t0);
  json_builder_set_member_name (b, "save_vectors_s");
  json_builder_add_double_value (b, now_s () - t_vec);
  json_builder_set_member_name (b, "face_index");
  json_builder_add_string_value (b, trawl_vector_store_get_index_type (
                                      trawl_case_get_vectors (c, TRAWL_KIND_FACE, NULL)));
  json_builder_end_object (b);
  print_json (b);
  return 0;
}

/* ---- vectors: index types ---- */

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
percentile (double *v, int n, double p)
{
  qsort (v, (size_t) n, sizeof *v, cmp_double);
  return v[MIN (n - 1, (int) floor (p * n))];
}

/* Latency and top-10 of nq queries on index (one query per call). */
static void
time_queries (FaissIndex *index, const float *q, int nq, idx_t *labels, double *p50, double *p99)
{
  g_autofree double *ms = g_new (double, nq);
  float dist[10];
  for (int i = 0; i < nq; i++)
    {
      double t = now_s ();
      faiss_Index_search (index, 1, q + (gsize) i * DIM, 10, dist, labels + (gsize) i * 10);
      ms[i] = (now_s () - t) * 1000;
    }
  *p50 = percentile (ms, nq, 0.5);
  *p99 = percentile (ms, nq, 0.99);
}

static double
recall10 (const idx_t *exact, const idx_t *got, int nq)
{
  int hit = 0;
  for (int i = 0; i < nq; i++)
    for (int a = 0; a < 10; a++)
      for (int b = 0; b < 10; b++)
        if (got[i * 10 + b] == exact[i * 10 + a] && exact[i * 10 + a] >= 0)
          {
            hit++;
            break;
          }
  return hit / (10.0 * nq);
}

static void
bench_type (JsonBuilder *b, const char *name, const char *factory, const char *param,
            const float *x, gint64 n, const float *q, int nq, const idx_t *exact)
{
  FaissIndex *index = NULL;
  FaissParameterSpace *ps = NULL;
  g_autofree idx_t *labels = g_new (idx_t, (gsize) nq * 10);
  double p50, p99, t0 = now_s (), build;

  if (faiss_index_factory (&index, DIM, factory, METRIC_INNER_PRODUCT) != 0)
    return;
  if (!faiss_Index_is_trained (index))
    faiss_Index_train (index, MIN (n, (gint64) 200000), x);
  faiss_Index_add (index, n, x);
  build = now_s () - t0;
  if (param != NULL && faiss_ParameterSpace_new (&ps) == 0)
    {
      g_auto(GStrv) kv = g_strsplit (param, "=", 2);
      faiss_ParameterSpace_set_index_parameter (ps, index, kv[0], g_ascii_strtod (kv[1], NULL));
      faiss_ParameterSpace_free (ps);
    }
  time_queries (index, q, nq, labels, &p50, &p99);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "index");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "factory");
  json_builder_add_string_value (b, factory);
  if (param != NULL)
    {
      json_builder_set_member_name (b, "search_param");
      json_builder_add_string_value (b, param);
    }
  json_builder_set_member_name (b, "build_s");
  json_builder_add_double_value (b, build);
  json_builder_set_member_name (b, "p50_ms");
  json_builder_add_double_value (b, p50);
  json_builder_set_member_name (b, "p99_ms");
  json_builder_add_double_value (b, p99);
  json_builder_set_member_name (b, "recall_at_10");
  json_builder_add_double_value (b, exact ? recall10 (exact, labels, nq) : 1.0);
  json_builder_end_object (b);
  fprintf (stderr, "  %-10s n=%-8" G_GINT64_FORMAT " p50 %.2f ms p99 %.2f ms recall@10 %.3f "
           "(build %.1f s)\n", name, n, p50, p99, exact ? recall10 (exact, labels, nq) : 1.0,
           build);
  faiss_Index_free (index);
}

/* The store's own rule (flat up to 262,144, then IVF sqrt(n), nprobe
 * nlist/8) as trawl_vector_store_add applies it. */
static void
bench_store (JsonBuilder *b, const float *x, gint64 n, const float *q, int nq,
             const idx_t *exact)
{
  g_autoptr(TrawlVectorStore) vs = trawl_vector_store_new (DIM, NULL);
  g_autofree gint64 *ids = g_new (gint64, n);
  g_autofree double *ms = g_new (double, nq);
  double t0 = now_s (), build, p50, p99;
  int hit = 0;

  for (gint64 i = 0; i < n; i++)
    ids[i] = i + 1;
  trawl_vector_store_add (vs, (gsize) n, ids, x, NULL);
  build = now_s () - t0;
  for (int i = 0; i < nq; i++)
    {
      double t = now_s ();
      g_autoptr(GArray) hits = trawl_vector_store_search (vs, q + (gsize) i * DIM, 10, NULL);
      ms[i] = (now_s () - t) * 1000;
      for (guint a = 0; hits && a < hits->len; a++)
        for (int e = 0; e < 10; e++)
          if (g_array_index (hits, TrawlVectorHit, a).id - 1 == exact[i * 10 + e])
            {
              hit++;
              break;
            }
    }
  p50 = percentile (ms, nq, 0.5);
  p99 = percentile (ms, nq, 0.99);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "index");
  json_builder_add_string_value (b, "trawl store");
  json_builder_set_member_name (b, "factory");
  json_builder_add_string_value (b, trawl_vector_store_get_index_type (vs));
  json_builder_set_member_name (b, "build_s");
  json_builder_add_double_value (b, build);
  json_builder_set_member_name (b, "p50_ms");
  json_builder_add_double_value (b, p50);
  json_builder_set_member_name (b, "p99_ms");
  json_builder_add_double_value (b, p99);
  json_builder_set_member_name (b, "recall_at_10");
  json_builder_add_double_value (b, hit / (10.0 * nq));
  json_builder_end_object (b);
  fprintf (stderr, "  %-10s n=%-8" G_GINT64_FORMAT " p50 %.2f ms p99 %.2f ms recall@10 %.3f "
           "(%s, build %.1f s)\n", "store", n, p50, p99, hit / (10.0 * nq),
           trawl_vector_store_get_index_type (vs), build);
}

static int
cmd_vectors (const char *sizes)
{
  g_auto(GStrv) parts = g_strsplit (sizes, ",", -1);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  const int nq = 200;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "sizes");
  json_builder_begin_array (b);
  for (int s = 0; parts[s] != NULL; s++)
    {
      gint64 n = g_ascii_strtoll (parts[s], NULL, 10);
      g_autoptr(GRand) r = g_rand_new_with_seed (11);
      g_autofree float *x = g_new (float, (gsize) n * DIM);
      g_autofree float *q = g_new (float, (gsize) nq * DIM);
      g_autofree idx_t *exact = g_new (idx_t, (gsize) nq * 10);
      FaissIndex *flat = NULL;
      float base[DIM];
      double p50, p99;
      char ivf[64], ivfpq[64];
      int nlist = (int) MAX (64, sqrt ((double) n) * 4);

      for (gint64 i = 0; i < n; i++)
        {
          person ((int) (i / SIGHTINGS) % N_PEOPLE, base);
          jitter (base, r, 0.12, x + (gsize) i * DIM);
        }
      for (int i = 0; i < nq; i++)
        {
          person (g_rand_int_range (r, 0, N_PEOPLE), base);
          jitter (base, r, 0.12, q + (gsize) i * DIM);
        }
      fprintf (stderr, "%" G_GINT64_FORMAT " vectors:\n", n);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "n");
      json_builder_add_int_value (b, n);
      json_builder_set_member_name (b, "types");
      json_builder_begin_array (b);
      /* the peer: exact search, FAISS flat */
      faiss_index_factory (&flat, DIM, "Flat", METRIC_INNER_PRODUCT);
      faiss_Index_add (flat, n, x);
      time_queries (flat, q, nq, exact, &p50, &p99);
      faiss_Index_free (flat);
      bench_type (b, "flat", "Flat", NULL, x, n, q, nq, NULL);
      bench_store (b, x, n, q, nq, exact);
      g_snprintf (ivf, sizeof ivf, "IVF%d,Flat", nlist);
      bench_type (b, "ivf", ivf, "nprobe=16", x, n, q, nq, exact);
      /* HNSW's build is the slow part (about 100 s for 100k vectors on 2
       * cores), and it cannot remove ids, which redoing a video needs:
       * measured where it stays affordable. */
      if (n <= 200000)
        bench_type (b, "hnsw", "HNSW32", "efSearch=64", x, n, q, nq, exact);
      g_snprintf (ivfpq, sizeof ivfpq, "IVF%d,PQ32", nlist);
      bench_type (b, "ivf-pq", ivfpq, "nprobe=16", x, n, q, nq, exact);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "queries");
  json_builder_add_int_value (b, nq);
  json_builder_set_member_name (b, "peak_rss_mib");
  json_builder_add_double_value (b, peak_rss_mib ());
  json_builder_end_object (b);
  print_json (b);
  return 0;
}

/* ---- queries on a case ---- */

typedef struct {
  const char *name;
  double p50, p99, mean_hits;
} Lat;

static void
add_lat (JsonBuilder *b, const Lat *l)
{
  json_builder_set_member_name (b, l->name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "p50_ms");
  json_builder_add_double_value (b, l->p50);
  json_builder_set_member_name (b, "p99_ms");
  json_builder_add_double_value (b, l->p99);
  json_builder_set_member_name (b, "mean_hits");
  json_builder_add_double_value (b, l->mean_hits);
  json_builder_end_object (b);
  fprintf (stderr, "  %-22s p50 %8.2f ms  p99 %8.2f ms  %.1f hits\n", l->name, l->p50, l->p99,
           l->mean_hits);
}

/* Times nq queries made by make_query(i); the first (cold caches, table
 * fill) is reported apart. */
static Lat
time_search (TrawlSearch *s, const char *name, int nq, TrawlQuery *(*make_query) (int, GRand *),
             double *first_ms)
{
  g_autoptr(GRand) r = g_rand_new_with_seed (77);
  g_autofree double *ms = g_new (double, nq);
  Lat l = { name, 0, 0, 0 };

  for (int i = 0; i <= nq; i++)
    {
      g_autoptr(TrawlQuery) q = make_query (i, r);
      g_autoptr(GError) error = NULL;
      double t = now_s ();
      g_autoptr(TrawlSearchResults) res = trawl_search_run (s, q, NULL, &error);
      double dt = (now_s () - t) * 1000;
      if (res == NULL)
        {
          fprintf (stderr, "bench-search: %s: %s\n", name, error->message);
          continue;
        }
      if (i == 0)
        {
          if (first_ms)
            *first_ms = dt;
          continue;
        }
      ms[i - 1] = dt;
      l.mean_hits += (double) res->hits->len / nq;
    }
  l.p50 = percentile (ms, nq, 0.5);
  l.p99 = percentile (ms, nq, 0.99);
  return l;
}

static TrawlQuery *
face_query (int i, GRand *r)
{
  TrawlQuery *q = trawl_query_new ();
  float base[DIM], probe[DIM];
  (void) i;
  person (g_rand_int_range (r, 0, N_PEOPLE), base);
  jitter (base, r, 0.12, probe);
  trawl_query_add_face_descriptor (q, probe);
  trawl_query_set_limit (q, 50);
  return q;
}

static TrawlQuery *
face_query_camera (int i, GRand *r)
{
  TrawlQuery *q = face_query (i, r);
  trawl_query_add_camera (q, "cam-007");
  return q;
}

static GPtrArray *case_plates;  /* texts present in the case, for queries */

static TrawlQuery *
plate_fuzzy_query (int i, GRand *r)
{
  TrawlQuery *q = trawl_query_new ();
  g_autofree char *t = g_strdup (case_plates->pdata[(guint) i % case_plates->len]);
  char *last = t + strlen (t) - 1;
  (void) r;
  *last = *last == '8' ? 'B' : '8';  /* a look-alike misread at the end */
  trawl_query_set_plate_text (q, t, FALSE, NULL);
  return q;
}

static TrawlQuery *
plate_wild_query (int i, GRand *r)
{
  TrawlQuery *q = trawl_query_new ();
  g_autofree char *t = g_strdup (case_plates->pdata[(guint) i % case_plates->len]);
  g_autofree char *pat = NULL;
  (void) r;
  t[strlen (t) - 2] = '\0';
  pat = g_strdup_printf ("%s*", t);
  trawl_query_set_plate_text (q, pat, TRUE, NULL);
  return q;
}

/* The peer: the same questions straight to SQLite. */
static Lat
time_sql (const char *dir, const char *name, const char *sql, int nq, gboolean glob)
{
  g_autofree char *db_path = g_build_filename (dir, "catalog.sqlite", NULL);
  g_autofree double *ms = g_new (double, nq);
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  Lat l = { name, 0, 0, 0 };

  sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL);
  sqlite3_prepare_v2 (db, sql, -1, &st, NULL);
  for (int i = 0; i < nq; i++)
    {
      g_autofree char *t = g_strdup (case_plates->pdata[(guint) i % case_plates->len]);
      g_autofree char *pat = NULL;
      double t0 = now_s ();
      int n = 0;
      if (glob)
        {
          t[strlen (t) - 2] = '\0';
          pat = g_strdup_printf ("%s*", t);
        }
      else
        {
          /* LIKE with '_' for the last character: what a person would type
           * into a plain catalog search to allow one misread */
          t[strlen (t) - 1] = '_';
          pat = g_strdup (t);
        }
      sqlite3_reset (st);
      sqlite3_bind_text (st, 1, pat, -1, SQLITE_TRANSIENT);
      while (sqlite3_step (st) == SQLITE_ROW)
        n++;
      ms[i] = (now_s () - t0) * 1000;
      l.mean_hits += (double) n / nq;
    }
  sqlite3_finalize (st);
  sqlite3_close (db);
  l.p50 = percentile (ms, nq, 0.5);
  l.p99 = percentile (ms, nq, 0.99);
  return l;
}

static gboolean
collect_plate (const TrawlPlateTrackRow *row, gpointer data)
{
  GPtrArray *a = data;
  if (a->len < 1000 && row->track_id % 97 == 0)
    g_ptr_array_add (a, g_strdup (row->text));
  return a->len < 1000;
}

static int
cmd_queries (const char *dir, int nq)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  double t0 = now_s (), open_s, first_face = 0, first_plate = 0;
  g_autoptr(TrawlSearch) s = trawl_search_new (dir, &error);
  TrawlVectorStore *vs;
  Lat l;

  if (s == NULL || (vs = trawl_case_get_vectors (trawl_search_get_case (s), TRAWL_KIND_FACE,
                                                 &error)) == NULL)
    {
      fprintf (stderr, "bench-search: %s\n", error->message);
      return 1;
    }
  open_s = now_s () - t0;
  case_plates = g_ptr_array_new_with_free_func (g_free);
  trawl_catalog_foreach_plate_track (trawl_case_get_catalog (trawl_search_get_case (s)),
                                     collect_plate, case_plates, NULL);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "face_vectors");
  json_builder_add_int_value (b, trawl_vector_store_get_count (vs));
  json_builder_set_member_name (b, "face_index");
  json_builder_add_string_value (b, trawl_vector_store_get_index_type (vs));
  json_builder_set_member_name (b, "open_and_load_vectors_s");
  json_builder_add_double_value (b, open_s);
  fprintf (stderr, "case %s: %" G_GINT64_FORMAT " face vectors (%s), opened in %.2f s\n", dir,
           trawl_vector_store_get_count (vs), trawl_vector_store_get_index_type (vs), open_s);
  l = time_search (s, "face", nq, face_query, &first_face);
  add_lat (b, &l);
  l = time_search (s, "face_one_camera", nq, face_query_camera, NULL);
  add_lat (b, &l);
  l = time_search (s, "plate_fuzzy", nq, plate_fuzzy_query, &first_plate);
  add_lat (b, &l);
  l = time_search (s, "plate_wildcard", nq, plate_wild_query, NULL);
  add_lat (b, &l);
  l = time_sql (dir, "peer_sql_like", "SELECT id FROM tracks WHERE kind = 'plate' AND "
                "best_plate_text LIKE ?1", nq, FALSE);
  add_lat (b, &l);
  l = time_sql (dir, "peer_sql_glob", "SELECT id FROM tracks WHERE kind = 'plate' AND "
                "best_plate_text GLOB ?1", nq, TRUE);
  add_lat (b, &l);
  json_builder_set_member_name (b, "first_face_query_ms");
  json_builder_add_double_value (b, first_face);
  json_builder_set_member_name (b, "first_plate_query_ms");
  json_builder_add_double_value (b, first_plate);
  json_builder_set_member_name (b, "peak_rss_mib");
  json_builder_add_double_value (b, peak_rss_mib ());
  json_builder_end_object (b);
  print_json (b);
  g_ptr_array_unref (case_plates);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc >= 4 && strcmp (argv[1], "make") == 0 && strcmp (argv[3], "--camera-days") == 0
      && argc == 5)
    return cmd_make (argv[2], atoi (argv[4]));
  if (argc == 4 && strcmp (argv[1], "vectors") == 0 && strcmp (argv[2], "--n") == 0)
    return cmd_vectors (argv[3]);
  if ((argc == 3 || argc == 5) && strcmp (argv[1], "queries") == 0)
    return cmd_queries (argv[2], argc == 5 ? atoi (argv[4]) : 200);
  fprintf (stderr, "usage: bench-search make CASE --camera-days N\n"
                   "       bench-search vectors --n 100000,1000000\n"
                   "       bench-search queries CASE [--queries N]\n");
  return 2;
}
