/* test-vectors.c - FAISS vector stores (add/search/remove/save/load, the
 * flat -> IVF switch, atomic save under injected faults) and the plate
 * n-gram vectors of the shared plate labels found again through a store
 * (the featuriser itself: tests/plate).
 *
 * Expected neighbours come from a brute-force search written here, not
 * from FAISS.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <trawl/base.h>
#include <trawl/vectors.h>

#include "base/atomic-private.h"
#include "../common/trawl-test.h"

static char *tmpdir;

/* n random dim-d vectors, fixed seed */
static float *
random_vectors (gsize n, int dim, guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  float *v = g_new (float, n * (gsize) dim);
  for (gsize i = 0; i < n * (gsize) dim; i++)
    v[i] = (float) g_rand_double_range (rand, -1, 1);
  return v;
}

static double
cosine (const float *a, const float *b, int dim)
{
  double ab = 0, aa = 0, bb = 0;
  for (int i = 0; i < dim; i++)
    ab += (double) a[i] * b[i], aa += (double) a[i] * a[i], bb += (double) b[i] * b[i];
  return ab / sqrt (aa * bb);
}

/* The id of the best match of q among n vectors, by brute force. */
static gint64
brute_best (const float *q, const float *x, const gint64 *ids, gsize n, int dim, double *score)
{
  gint64 best = -1;
  *score = -2;
  for (gsize i = 0; i < n; i++)
    {
      double c = cosine (q, x + i * (gsize) dim, dim);
      if (c > *score)
        *score = c, best = ids[i];
    }
  return best;
}

static void
test_store_roundtrip (void)
{
  const gsize n = 1000;
  const int dim = TRAWL_FACE_DIM;
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlVectorStore) vs = trawl_vector_store_new (dim, &error);
  g_autoptr(TrawlVectorStore) loaded = NULL;
  g_autofree float *x = random_vectors (n, dim, 42);
  g_autofree float *queries = random_vectors (20, dim, 7);
  g_autofree gint64 *ids = g_new (gint64, n);
  g_autofree char *path = g_build_filename (tmpdir, "faces.faiss", NULL);
  gint64 gone[10];
  gsize removed = 0;

  g_assert_no_error (error);
  g_assert_cmpstr (trawl_vector_store_get_index_type (vs), ==, "IDMap,Flat");
  for (gsize i = 0; i < n; i++)
    ids[i] = 1000 + 7 * (gint64) i;  /* sparse, like sighting ids of one kind */
  g_assert_true (trawl_vector_store_add (vs, n, ids, x, &error));
  g_assert_no_error (error);
  g_assert_cmpint (trawl_vector_store_get_count (vs), ==, n);

  /* random queries: the top hit is the brute-force best, with its cosine */
  for (int q = 0; q < 20; q++)
    {
      double want_score;
      gint64 want = brute_best (queries + q * dim, x, ids, n, dim, &want_score);
      g_autoptr(GArray) hits = trawl_vector_store_search (vs, queries + q * dim, 5, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (hits->len, ==, 5);
      g_assert_cmpint (g_array_index (hits, TrawlVectorHit, 0).id, ==, want);
      g_assert_cmpfloat_with_epsilon (g_array_index (hits, TrawlVectorHit, 0).score, want_score,
                                      1e-4);
      for (guint i = 1; i < hits->len; i++)
        g_assert_cmpfloat (g_array_index (hits, TrawlVectorHit, i).score, <=,
                           g_array_index (hits, TrawlVectorHit, i - 1).score);
    }
  /* a stored vector finds itself, scaled or not */
  {
    float scaled[TRAWL_FACE_DIM];
    for (int j = 0; j < dim; j++)
      scaled[j] = x[500 * dim + j] * 3.5f;
    g_autoptr(GArray) hits = trawl_vector_store_search (vs, scaled, 1, &error);
    g_assert_cmpint (g_array_index (hits, TrawlVectorHit, 0).id, ==, ids[500]);
    g_assert_cmpfloat_with_epsilon (g_array_index (hits, TrawlVectorHit, 0).score, 1.0, 1e-5);
  }

  /* remove (as when a partial video is redone) */
  for (int i = 0; i < 10; i++)
    gone[i] = ids[100 + i];
  g_assert_true (trawl_vector_store_remove (vs, 10, gone, &removed, &error));
  g_assert_cmpuint (removed, ==, 10);
  g_assert_cmpint (trawl_vector_store_get_count (vs), ==, n - 10);
  {
    g_autoptr(GArray) hits = trawl_vector_store_search (vs, x + 105 * dim, 3, &error);
    for (guint i = 0; i < hits->len; i++)
      g_assert_cmpint (g_array_index (hits, TrawlVectorHit, i).id, !=, ids[105]);
  }

  /* save, load: same count, same answers */
  g_assert_true (trawl_vector_store_save (vs, path, &error));
  g_assert_no_error (error);
  loaded = trawl_vector_store_load (path, dim, &error);
  g_assert_no_error (error);
  g_assert_cmpint (trawl_vector_store_get_count (loaded), ==, n - 10);
  g_assert_cmpstr (trawl_vector_store_get_index_type (loaded), ==, "IDMap,Flat");
  for (int q = 0; q < 5; q++)
    {
      g_autoptr(GArray) a = trawl_vector_store_search (vs, queries + q * dim, 4, &error);
      g_autoptr(GArray) b = trawl_vector_store_search (loaded, queries + q * dim, 4, &error);
      g_assert_cmpmem (a->data, a->len * sizeof (TrawlVectorHit), b->data,
                       b->len * sizeof (TrawlVectorHit));
    }

  /* bad input */
  {
    gint64 bad_id = 0;
    float zero[TRAWL_FACE_DIM] = { 0 };
    g_autoptr(GArray) none = NULL;
    g_assert_false (trawl_vector_store_add (vs, 1, &bad_id, x, &error));
    g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
    g_clear_error (&error);
    bad_id = 5;
    g_assert_false (trawl_vector_store_add (vs, 1, &bad_id, zero, &error));
    g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
    g_clear_error (&error);
    g_assert_cmpint (trawl_vector_store_get_count (vs), ==, n - 10);
    g_assert_null (trawl_vector_store_search (vs, zero, 3, &error));
    g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
    g_clear_error (&error);
    g_clear_pointer (&vs, trawl_vector_store_free);
    vs = trawl_vector_store_new (dim, &error);
    none = trawl_vector_store_search (vs, x, 3, &error);  /* empty store: no hits */
    g_assert_no_error (error);
    g_assert_cmpuint (none->len, ==, 0);
  }
}

static void
test_store_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (tmpdir, "missing.faiss", NULL);
  g_autofree char *junk = g_build_filename (tmpdir, "junk.faiss", NULL);
  g_autofree char *good = g_build_filename (tmpdir, "plates.faiss", NULL);
  g_autofree char *cut = g_build_filename (tmpdir, "cut.faiss", NULL);
  g_autofree float *x = random_vectors (50, TRAWL_PLATE_DIM, 3);
  g_autofree char *bytes = NULL;
  g_autofree gint64 *ids = g_new (gint64, 50);
  TrawlVectorStore *vs;
  gsize len;

  vs = trawl_vector_store_load (missing, TRAWL_FACE_DIM, &error);
  g_assert_null (vs);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* open of a missing file gives an empty store */
  vs = trawl_vector_store_open (missing, TRAWL_FACE_DIM, &error);
  g_assert_no_error (error);
  g_assert_cmpint (trawl_vector_store_get_count (vs), ==, 0);
  trawl_vector_store_free (vs);

  g_assert_true (g_file_set_contents (junk, "not a faiss index at all", -1, NULL));
  vs = trawl_vector_store_load (junk, TRAWL_FACE_DIM, &error);
  g_assert_null (vs);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  for (int i = 0; i < 50; i++)
    ids[i] = i + 1;
  vs = trawl_vector_store_new (TRAWL_PLATE_DIM, &error);
  g_assert_true (trawl_vector_store_add (vs, 50, ids, x, &error));
  g_assert_true (trawl_vector_store_save (vs, good, &error));
  trawl_vector_store_free (vs);
  /* wrong dimension */
  vs = trawl_vector_store_load (good, TRAWL_FACE_DIM, &error);
  g_assert_null (vs);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT);
  g_clear_error (&error);
  /* one byte changed in the middle */
  g_assert_true (g_file_get_contents (good, &bytes, &len, NULL));
  bytes[len / 2] ^= 0x01;
  g_assert_true (g_file_set_contents (cut, bytes, (gssize) len, NULL));
  vs = trawl_vector_store_load (cut, TRAWL_PLATE_DIM, &error);
  g_assert_null (vs);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_clear_pointer (&bytes, g_free);
  /* truncated */
  g_assert_true (g_file_get_contents (good, &bytes, &len, NULL));
  g_assert_true (g_file_set_contents (cut, bytes, (gssize) (len / 2), NULL));
  vs = trawl_vector_store_load (cut, TRAWL_PLATE_DIM, &error);
  g_assert_null (vs);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT);
  g_clear_error (&error);
}

static ssize_t
enospc_write (int fd, const void *buf, size_t count)
{
  (void) fd, (void) buf, (void) count;
  errno = ENOSPC;
  return -1;
}

static void
test_store_atomic_save (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tmpdir, "atomic.faiss", NULL);
  g_autofree float *x = random_vectors (30, TRAWL_FACE_DIM, 9);
  g_autofree gint64 *ids = g_new (gint64, 30);
  g_autoptr(TrawlVectorStore) vs = trawl_vector_store_new (TRAWL_FACE_DIM, &error);
  g_autoptr(TrawlVectorStore) back = NULL;
  g_autoptr(GDir) dir = NULL;
  TrawlAtomicHooks h = *_trawl_atomic_default_hooks ();
  const char *name;

  for (int i = 0; i < 30; i++)
    ids[i] = i + 1;
  g_assert_true (trawl_vector_store_add (vs, 10, ids, x, &error));
  g_assert_true (trawl_vector_store_save (vs, path, &error));
  g_assert_true (trawl_vector_store_add (vs, 20, ids + 10, x + 10 * TRAWL_FACE_DIM, &error));

  h.write = enospc_write;
  _trawl_atomic_set_hooks (&h);
  g_assert_false (trawl_vector_store_save (vs, path, &error));
  _trawl_atomic_set_hooks (NULL);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* the file on disk is still the 10-vector generation, and no temp file is left */
  back = trawl_vector_store_load (path, TRAWL_FACE_DIM, &error);
  g_assert_no_error (error);
  g_assert_cmpint (trawl_vector_store_get_count (back), ==, 10);
  dir = g_dir_open (tmpdir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_assert_null (strstr (name, ".tmp-"));
}

/* Two well-separated clusters per id block so IVF lists are meaningful. */
static void
test_store_ivf_switch (void)
{
  const gsize n = 2000;
  const int dim = 32;
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlVectorStore) vs = trawl_vector_store_new (dim, &error);
  g_autoptr(TrawlVectorStore) back = NULL;
  g_autofree float *x = random_vectors (n, dim, 11);
  g_autofree gint64 *ids = g_new (gint64, n);
  g_autofree char *path = g_build_filename (tmpdir, "ivf.faiss", NULL);
  gsize removed;
  int found = 0;

  for (gsize i = 0; i < n; i++)
    ids[i] = (gint64) i + 1;
  trawl_vector_store_set_flat_max (vs, 1000);
  g_assert_true (trawl_vector_store_add (vs, 900, ids, x, &error));
  g_assert_cmpstr (trawl_vector_store_get_index_type (vs), ==, "IDMap,Flat");
  g_assert_true (trawl_vector_store_add (vs, n - 900, ids + 900, x + 900 * dim, &error));
  g_assert_no_error (error);
  g_test_message ("index after growth: %s", trawl_vector_store_get_index_type (vs));
  g_assert_true (g_str_has_prefix (trawl_vector_store_get_index_type (vs), "IVF"));
  g_assert_cmpint (trawl_vector_store_get_count (vs), ==, n);
  /* every stored vector lands in the list it probes first: it finds itself */
  for (gsize i = 0; i < n; i += 97)
    {
      g_autoptr(GArray) hits = trawl_vector_store_search (vs, x + i * dim, 1, &error);
      g_assert_no_error (error);
      found += hits->len == 1 && g_array_index (hits, TrawlVectorHit, 0).id == ids[i];
    }
  g_assert_cmpint (found, ==, (int) ((n + 96) / 97));
  g_assert_true (trawl_vector_store_remove (vs, 5, ids, &removed, &error));
  g_assert_cmpuint (removed, ==, 5);
  g_assert_true (trawl_vector_store_save (vs, path, &error));
  back = trawl_vector_store_load (path, dim, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (trawl_vector_store_get_index_type (back), ==,
                   trawl_vector_store_get_index_type (vs));
  g_assert_cmpint (trawl_vector_store_get_count (back), ==, n - 5);

  /* mapped for reading: the same answers, and no changes allowed */
  {
    g_autoptr(TrawlVectorStore) mapped = trawl_vector_store_load_mapped (path, dim, &error);
    g_assert_no_error (error);
    g_assert_cmpint (trawl_vector_store_get_count (mapped), ==, n - 5);
    for (gsize i = 5; i < n; i += 131)
      {
        g_autoptr(GArray) a = trawl_vector_store_search (back, x + i * dim, 5, &error);
        g_autoptr(GArray) b = trawl_vector_store_search (mapped, x + i * dim, 5, &error);
        g_assert_cmpuint (a->len, ==, b->len);
        for (guint k = 0; k < a->len; k++)
          g_assert_cmpint (g_array_index (a, TrawlVectorHit, k).id, ==,
                           g_array_index (b, TrawlVectorHit, k).id);
      }
    g_assert_false (trawl_vector_store_add (mapped, 1, ids, x, &error));
    g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
    g_clear_error (&error);
    g_assert_false (trawl_vector_store_save (mapped, path, &error));
    g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
    g_clear_error (&error);
  }
}

/* ---- plate n-grams ---- */

/* Every shared plate label, read back with one OCR confusion, finds its own
 * plate first among all labels through a FAISS store. */
static void
test_plate_labels (void)
{
  g_autofree char *data = trawl_test_data_dir ();
  const char *sets[] = { "crops_cn", "crops_us" };
  const char confuse_from[] = "0O1I2Z5S8B6GDQL";
  const char confuse_to[]   = "O0I1Z2S5B8G60O1";

  for (guint s = 0; s < G_N_ELEMENTS (sets); s++)
    {
      g_autofree char *csv = g_build_filename (data, "plates", sets[s], "labels.csv", NULL);
      g_autofree char *text = NULL;
      g_auto(GStrv) lines = NULL;
      g_autoptr(GPtrArray) plates = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
      g_autoptr(GError) error = NULL;
      g_autoptr(TrawlVectorStore) vs = trawl_vector_store_new (TRAWL_PLATE_DIM, &error);
      int tested = 0, first = 0;

      if (!g_file_get_contents (csv, &text, NULL, NULL))
        {
          g_test_skip ("shared data absent (set TRAWL_DATA or check out ../shared/data)");
          return;
        }
      lines = g_strsplit (text, "\n", -1);
      for (int i = 1; lines[i] != NULL; i++)
        {
          g_auto(GStrv) c = g_strsplit (lines[i], ",", 3);
          char *norm;
          float v[TRAWL_PLATE_DIM];
          gint64 id;
          if (g_strv_length (c) < 2)
            continue;
          norm = trawl_plate_normalize (c[1]);
          if (g_hash_table_contains (seen, norm) || !trawl_plate_ngram_vector (norm, v))
            {
              g_free (norm);
              continue;
            }
          g_ptr_array_add (plates, norm);
          g_hash_table_add (seen, norm);
          id = plates->len;
          g_assert_true (trawl_vector_store_add (vs, 1, &id, v, &error));
        }
      g_assert_cmpuint (plates->len, >, 100);
      for (guint i = 0; i < plates->len; i++)
        {
          g_autofree char *misread = g_strdup (plates->pdata[i]);
          float q[TRAWL_PLATE_DIM];
          g_autoptr(GArray) hits = NULL;
          char *hit;
          /* swap the last confusable character for its look-alike */
          for (char *p = misread + strlen (misread); p-- > misread;)
            if ((hit = strchr (confuse_from, *p)) != NULL)
              {
                *p = confuse_to[hit - confuse_from];
                break;
              }
          if (strcmp (misread, plates->pdata[i]) == 0 || g_hash_table_contains (seen, misread))
            continue;  /* no confusable character, or the misread is another real plate */
          g_assert_true (trawl_plate_ngram_vector (misread, q));
          hits = trawl_vector_store_search (vs, q, 1, &error);
          g_assert_no_error (error);
          tested++;
          first += g_array_index (hits, TrawlVectorHit, 0).id == (gint64) i + 1;
        }
      g_test_message ("%s: %d of %d misread plates find their plate first", sets[s], first,
                      tested);
      g_assert_cmpint (tested, >, 50);
      g_assert_cmpint (first * 100, >=, tested * 95);
    }
}

int
main (int argc, char **argv)
{
  int ret;
  g_autoptr(GDir) d = NULL;
  const char *name;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("trawl-vectors-XXXXXX", NULL);
  g_test_add_func ("/vectors/store/roundtrip", test_store_roundtrip);
  g_test_add_func ("/vectors/store/files", test_store_files);
  g_test_add_func ("/vectors/store/atomic-save", test_store_atomic_save);
  g_test_add_func ("/vectors/store/ivf-switch", test_store_ivf_switch);
  g_test_add_func ("/vectors/plate/shared-labels", test_plate_labels);
  ret = g_test_run ();
  d = g_dir_open (tmpdir, 0, NULL);
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (tmpdir, name, NULL);
      g_remove (p);
    }
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return ret;
}
