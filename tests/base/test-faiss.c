/* test-faiss.c - FAISS through its C API, as trawl links it: IDMap over an
 * inner-product flat index; add, search, write, read back, search again. */
#include <faiss/c_api/AutoTune_c.h>
#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/index_factory_c.h>
#include <faiss/c_api/index_io_c.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <unistd.h>

enum { DIM = 128, N = 200 };

static void
make_unit_vectors (float *v, int n, guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  for (int i = 0; i < n; i++)
    {
      double norm = 0;
      for (int d = 0; d < DIM; d++)
        {
          v[i * DIM + d] = (float) g_rand_double_range (rand, -1, 1);
          norm += v[i * DIM + d] * v[i * DIM + d];
        }
      for (int d = 0; d < DIM; d++)
        v[i * DIM + d] /= (float) sqrt (norm);
    }
  g_rand_free (rand);
}

static void
test_idmap_ip_roundtrip (void)
{
  g_autofree float *xb = g_new (float, N * DIM);
  idx_t ids[N], labels[3];
  float distances[3];
  FaissIndex *index = NULL, *loaded = NULL;
  g_autofree char *path = NULL;
  int fd;

  make_unit_vectors (xb, N, 42);
  for (int i = 0; i < N; i++)
    ids[i] = 1000 + 7 * i;  /* ids are sighting ids, not positions */
  g_assert_cmpint (faiss_index_factory (&index, DIM, "IDMap,Flat", METRIC_INNER_PRODUCT), ==, 0);
  g_assert_cmpint (faiss_Index_add_with_ids (index, N, xb, ids), ==, 0);
  g_assert_cmpint (faiss_Index_ntotal (index), ==, N);

  /* Each stored vector's nearest neighbour is itself, with score 1. */
  g_assert_cmpint (faiss_Index_search (index, 1, xb + 17 * DIM, 3, distances, labels), ==, 0);
  g_assert_cmpint (labels[0], ==, ids[17]);
  g_assert_cmpfloat_with_epsilon (distances[0], 1.0f, 1e-4f);
  g_assert_cmpfloat (distances[1], <=, distances[0]);

  fd = g_file_open_tmp ("trawl-faiss-XXXXXX.faiss", &path, NULL);
  g_assert_cmpint (fd, >=, 0);
  close (fd);
  g_assert_cmpint (faiss_write_index_fname (index, path), ==, 0);
  g_assert_cmpint (faiss_read_index_fname (path, 0, &loaded), ==, 0);
  g_assert_cmpint (faiss_Index_ntotal (loaded), ==, N);
  g_assert_cmpint (faiss_Index_search (loaded, 1, xb + 123 * DIM, 1, distances, labels), ==, 0);
  g_assert_cmpint (labels[0], ==, ids[123]);

  faiss_Index_free (index);
  faiss_Index_free (loaded);
  g_remove (path);
}

static void
test_read_garbage_fails (void)
{
  g_autofree char *path = NULL;
  FaissIndex *index = NULL;
  int fd = g_file_open_tmp ("trawl-faiss-XXXXXX.faiss", &path, NULL);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, "not an index", 12), ==, 12);
  close (fd);
  g_assert_cmpint (faiss_read_index_fname (path, 0, &index), !=, 0);
  g_assert_null (index);
  g_remove (path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/faiss/idmap-ip-roundtrip", test_idmap_ip_roundtrip);
  g_test_add_func ("/faiss/read-garbage-fails", test_read_garbage_fails);
  return g_test_run ();
}
