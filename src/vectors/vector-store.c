/* vector-store.c - a FAISS index of L2-normalised vectors keyed by sighting
 * id: add, search, remove, atomic save, load, and the one-way switch from an
 * exact flat index to an IVF index when the store grows.
 *
 * The only user of the FAISS C API. Files are written through
 * TrawlAtomicFile (base/atomic.c) so a crash never leaves half a file.
 * The plate featuriser is trawl_plate_ngram_vector (src/plate).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <faiss/c_api/AutoTune_c.h>
#include <faiss/c_api/IndexFlat_c.h>
#include <faiss/c_api/IndexIVF_c.h>
#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/MetaIndexes_c.h>
#include <faiss/c_api/error_c.h>
#include <faiss/c_api/impl/AuxIndexStructures_c.h>
#include <faiss/c_api/index_factory_c.h>
#include <faiss/c_api/index_io_c.h>

#include <glib/gstdio.h>
#include <trawl/base.h>
#include <trawl/vectors.h>

#define FLAT_TYPE "IDMap,Flat"

struct _TrawlVectorStore {
  FaissIndex *index;      /* IDMap(Flat) or IVF(Flat); metric inner product */
  int         dim;        /* floats per vector */
  gint64      flat_max;   /* vectors before switching to IVF */
  char       *type;       /* factory string of index */
  gboolean    mapped;     /* IVF lists mapped from the file: read-only */
};

/* FAISS 1.7.3's IO_FLAG_MMAP (index_io.h: IO_FLAG_SKIP_IVF_DATA |
 * 0x646f0000); the C API header's FAISS_IO_FLAG_MMAP (1) is an older
 * value that read_index no longer honours. */
#define TRAWL_FAISS_IO_FLAG_MMAP (8 | 0x646f0000)

static gboolean
check_writable (TrawlVectorStore *vs, GError **error)
{
  if (!vs->mapped)
    return TRUE;
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
               "a vector store loaded for reading cannot be changed or saved");
  return FALSE;
}

static gboolean
faiss_error (int rc, const char *what, GError **error)
{
  const char *msg = faiss_get_last_error ();
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "FAISS: %s failed (%d): %s", what, rc,
               msg != NULL ? msg : "no message");
  return FALSE;
}

static TrawlVectorStore *
store_wrap (FaissIndex *index, int dim, const char *type)
{
  TrawlVectorStore *vs = g_new0 (TrawlVectorStore, 1);
  vs->index = index;
  vs->dim = dim;
  vs->flat_max = TRAWL_VECTOR_FLAT_MAX;
  vs->type = g_strdup (type);
  return vs;
}

TrawlVectorStore *
trawl_vector_store_new (int dim, GError **error)
{
  FaissIndex *index = NULL;
  int rc;

  if (dim <= 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "vector dimension %d", dim);
      return NULL;
    }
  rc = faiss_index_factory (&index, dim, FLAT_TYPE, METRIC_INNER_PRODUCT);
  if (rc != 0)
    {
      faiss_error (rc, "creating an index", error);
      return NULL;
    }
  return store_wrap (index, dim, FLAT_TYPE);
}

void
trawl_vector_store_free (TrawlVectorStore *vs)
{
  if (vs == NULL)
    return;
  faiss_Index_free (vs->index);
  g_free (vs->type);
  g_free (vs);
}

int
trawl_vector_store_get_dim (TrawlVectorStore *vs)
{
  g_return_val_if_fail (vs != NULL, 0);
  return vs->dim;
}

gint64
trawl_vector_store_get_count (TrawlVectorStore *vs)
{
  g_return_val_if_fail (vs != NULL, 0);
  return (gint64) faiss_Index_ntotal (vs->index);
}

const char *
trawl_vector_store_get_index_type (TrawlVectorStore *vs)
{
  g_return_val_if_fail (vs != NULL, NULL);
  return vs->type;
}

void
trawl_vector_store_set_flat_max (TrawlVectorStore *vs, gint64 flat_max)
{
  g_return_if_fail (vs != NULL && flat_max > 0);
  vs->flat_max = flat_max;
}

/* A normalised copy of n vectors, or NULL with error set when one is zero
 * or not finite. */
static float *
normalised_copy (const TrawlVectorStore *vs, gsize n, const float *x, GError **error)
{
  float *out = g_memdup2 (x, n * (gsize) vs->dim * sizeof (float));

  for (gsize i = 0; i < n; i++)
    {
      float *v = out + i * (gsize) vs->dim;
      double ss = 0;
      for (int j = 0; j < vs->dim; j++)
        ss += (double) v[j] * v[j];
      if (!(ss > 0) || !isfinite (ss))
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                       "vector %" G_GSIZE_FORMAT " is zero or not finite", i);
          g_free (out);
          return NULL;
        }
      for (int j = 0; j < vs->dim; j++)
        v[j] = (float) (v[j] / sqrt (ss));
    }
  return out;
}

/* ---- flat -> IVF ---- */

/* Lists probed per query: a fixed number, not a share of nlist, so a
 * query's cost grows with the lists' length only (benchmarks/search: 16
 * probes of 4,000 lists gave recall@10 0.957 against exact search at 1M
 * vectors; 24 leaves a margin). */
#define IVF_NPROBE 24

static void
set_nprobe (FaissIndex *index)
{
  FaissIndexIVF *ivf = faiss_IndexIVF_cast (index);
  if (ivf != NULL)
    faiss_IndexIVF_set_nprobe (ivf, MIN (faiss_IndexIVF_nlist (ivf), (size_t) IVF_NPROBE));
}

/* nlist for n vectors: 4 sqrt(n), at most 4,096 (k-means time at the
 * switch), and at least 39 training points a list (FAISS's own floor). */
static int
ivf_nlist (size_t n)
{
  double nlist = MIN (4.0 * sqrt ((double) n), 4096.0);
  return (int) MAX (1.0, MIN (nlist, (double) n / 39.0));
}

/* Rebuilds a flat store as IVF over the same vectors and ids. On failure
 * the store stays flat (still correct, only slower). */
static gboolean
switch_to_ivf (TrawlVectorStore *vs, GError **error)
{
  FaissIndexIDMap *idmap = faiss_IndexIDMap_cast (vs->index);
  FaissIndexFlat *flat;
  FaissIndex *ivf = NULL;
  idx_t *ids;
  float *xb;
  size_t n_ids, n_floats, n_train;
  int nlist, rc;
  g_autofree char *type = NULL;
  g_autofree float *train = NULL;

  if (idmap == NULL || (flat = faiss_IndexFlat_cast (faiss_IndexIDMap_sub_index (idmap))) == NULL)
    return TRUE;  /* not flat: nothing to do */
  faiss_IndexIDMap_id_map (idmap, &ids, &n_ids);
  faiss_IndexFlat_xb (flat, &xb, &n_floats);
  g_assert (n_floats == n_ids * (size_t) vs->dim);
  nlist = ivf_nlist (n_ids);
  type = g_strdup_printf ("IVF%d,Flat", nlist);
  g_info ("vector store: %" G_GSIZE_FORMAT " vectors, switching to %s", n_ids, type);
  /* k-means on an even sample of at most 64 points a list: more costs
   * minutes at the switch and moves the centroids little */
  n_train = MIN (n_ids, (size_t) nlist * 64);
  train = g_new (float, n_train * (size_t) vs->dim);
  for (size_t i = 0; i < n_train; i++)
    memcpy (train + i * (size_t) vs->dim, xb + (i * n_ids / n_train) * (size_t) vs->dim,
            (size_t) vs->dim * sizeof (float));
  if ((rc = faiss_index_factory (&ivf, vs->dim, type, METRIC_INNER_PRODUCT)) != 0 ||
      (rc = faiss_Index_train (ivf, (idx_t) n_train, train)) != 0 ||
      (rc = faiss_Index_add_with_ids (ivf, (idx_t) n_ids, xb, ids)) != 0)
    {
      faiss_Index_free (ivf);
      return faiss_error (rc, "building the IVF index", error);
    }
  set_nprobe (ivf);
  faiss_Index_free (vs->index);
  vs->index = ivf;
  g_free (vs->type);
  vs->type = g_steal_pointer (&type);
  return TRUE;
}

/* ---- add, search, remove ---- */

gboolean
trawl_vector_store_add (TrawlVectorStore *vs, gsize n, const gint64 *ids, const float *vectors,
                        GError **error)
{
  g_autofree float *x = NULL;
  int rc;

  g_return_val_if_fail (vs != NULL && (n == 0 || (ids != NULL && vectors != NULL)), FALSE);
  if (!check_writable (vs, error))
    return FALSE;
  if (n == 0)
    return TRUE;
  for (gsize i = 0; i < n; i++)
    if (ids[i] <= 0)
      {
        g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                     "vector id %" G_GINT64_FORMAT " is not a sighting id", ids[i]);
        return FALSE;
      }
  x = normalised_copy (vs, n, vectors, error);
  if (x == NULL)
    return FALSE;
  G_STATIC_ASSERT (sizeof (idx_t) == sizeof (gint64));
  rc = faiss_Index_add_with_ids (vs->index, (idx_t) n, x, (const idx_t *) ids);
  if (rc != 0)
    return faiss_error (rc, "adding vectors", error);
  if (trawl_vector_store_get_count (vs) > vs->flat_max)
    {
      g_autoptr(GError) local = NULL;
      if (!switch_to_ivf (vs, &local))
        g_warning ("%s; keeping the exact index", local->message);
    }
  return TRUE;
}

GArray *
trawl_vector_store_search (TrawlVectorStore *vs, const float *query, int k, GError **error)
{
  g_autofree float *q = NULL;
  g_autofree float *dist = NULL;
  g_autofree idx_t *labels = NULL;
  GArray *hits;
  int rc;

  g_return_val_if_fail (vs != NULL && query != NULL, NULL);
  if (k <= 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "k = %d", k);
      return NULL;
    }
  hits = g_array_new (FALSE, FALSE, sizeof (TrawlVectorHit));
  k = (int) MIN ((gint64) k, trawl_vector_store_get_count (vs));
  if (k == 0)
    return hits;
  q = normalised_copy (vs, 1, query, error);
  if (q == NULL)
    {
      g_array_unref (hits);
      return NULL;
    }
  dist = g_new (float, k);
  labels = g_new (idx_t, k);
  rc = faiss_Index_search (vs->index, 1, q, k, dist, labels);
  if (rc != 0)
    {
      g_array_unref (hits);
      faiss_error (rc, "searching", error);
      return NULL;
    }
  for (int i = 0; i < k; i++)
    if (labels[i] >= 0)  /* IVF may find fewer than k in the lists it probes */
      {
        TrawlVectorHit h = { labels[i], dist[i] };
        g_array_append_val (hits, h);
      }
  return hits;
}

gboolean
trawl_vector_store_remove (TrawlVectorStore *vs, gsize n, const gint64 *ids, gsize *n_removed,
                           GError **error)
{
  FaissIDSelectorBatch *sel = NULL;
  size_t removed = 0;
  int rc;

  g_return_val_if_fail (vs != NULL && (n == 0 || ids != NULL), FALSE);
  if (!check_writable (vs, error))
    return FALSE;
  if (n_removed != NULL)
    *n_removed = 0;
  if (n == 0)
    return TRUE;
  rc = faiss_IDSelectorBatch_new (&sel, n, (const idx_t *) ids);
  if (rc != 0)
    return faiss_error (rc, "selecting ids", error);
  rc = faiss_Index_remove_ids (vs->index, (const FaissIDSelector *) sel, &removed);
  faiss_IDSelector_free ((FaissIDSelector *) sel);
  if (rc != 0)
    return faiss_error (rc, "removing vectors", error);
  if (n_removed != NULL)
    *n_removed = removed;
  return TRUE;
}

/* ---- files ----
 *
 * A vector file is FAISS's own serialisation followed by a 48-byte footer:
 * "TRAWLVF1", the length of the FAISS part (u64 little-endian) and its
 * SHA-256. FAISS ignores trailing bytes, so faiss tools still read the file;
 * trawl checks the footer first, so a truncated or damaged file is refused
 * before FAISS parses it (FAISS 1.7.3 leaks on some of its own read errors).
 */

#define FOOTER_MAGIC "TRAWLVF1"
#define FOOTER_LEN   (8 + 8 + 32)

typedef struct {
  TrawlAtomicFile *af;   /* destination (borrowed) */
  GChecksum       *sum;  /* SHA-256 of everything written */
  guint64          len;  /* bytes written */
} HashSink;

static ssize_t
sink_write (void *cookie, const char *buf, size_t n)
{
  HashSink *sink = cookie;
  if (!trawl_atomic_file_write (sink->af, buf, n, NULL))
    return 0;  /* stdio error; the atomic file keeps the reason */
  g_checksum_update (sink->sum, (const guchar *) buf, (gssize) n);
  sink->len += n;
  return (ssize_t) n;
}

static gboolean
write_footer (HashSink *sink, GError **error)
{
  guint8 footer[FOOTER_LEN];
  guint64 le = GUINT64_TO_LE (sink->len);
  gsize digest_len = 32;

  memcpy (footer, FOOTER_MAGIC, 8);
  memcpy (footer + 8, &le, 8);
  g_checksum_get_digest (sink->sum, footer + 16, &digest_len);
  return trawl_atomic_file_write (sink->af, footer, sizeof footer, error);
}

gboolean
trawl_vector_store_save (TrawlVectorStore *vs, const char *path, GError **error)
{
  cookie_io_functions_t io = { NULL, sink_write, NULL, NULL };
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  HashSink sink = { NULL, sum, 0 };
  FILE *fp;
  int rc, closed;

  g_return_val_if_fail (vs != NULL && path != NULL, FALSE);
  if (!check_writable (vs, error))
    return FALSE;
  sink.af = trawl_atomic_file_new (path, error);
  if (sink.af == NULL)
    return FALSE;
  fp = fopencookie (&sink, "w", io);
  if (fp == NULL)
    {
      trawl_atomic_file_free (sink.af);
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "%s: cannot open a stream", path);
      return FALSE;
    }
  rc = faiss_write_index (vs->index, fp);
  closed = fclose (fp);  /* flushes into the atomic file */
  if (rc != 0 || closed != 0)
    {
      GError *io = NULL;
      /* a failed write poisoned the atomic file: its error (ENOSPC, EIO)
       * says more than FAISS's */
      if (!trawl_atomic_file_write (sink.af, "", 0, &io))
        g_propagate_error (error, io);
      else
        faiss_error (rc, "writing", error);
      g_prefix_error (error, "%s: saving vectors: ", path);
      trawl_atomic_file_free (sink.af);
      return FALSE;
    }
  if (!write_footer (&sink, error))
    {
      trawl_atomic_file_free (sink.af);
      return FALSE;
    }
  return trawl_atomic_file_commit (sink.af, error);
}

static gboolean
corrupt (const char *path, const char *why, GError **error)
{
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
               "%s: not a valid trawl vector file (%s); rebuild it from the catalog", path, why);
  return FALSE;
}

/* Checks the footer, and with full the SHA-256 of the FAISS part. */
static gboolean
verify_file (const char *path, gboolean full, GError **error)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 footer[FOOTER_LEN], digest[32];
  g_autofree guint8 *buf = g_malloc (1 << 16);
  gsize digest_len = sizeof digest;
  guint64 len, left;
  off_t size;
  FILE *fp = fopen (path, "rb");
  gboolean ok = FALSE;

  if (fp == NULL)
    {
      int e = errno;
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND, "%s: %s", path, g_strerror (e));
      return FALSE;
    }
  if (fseeko (fp, 0, SEEK_END) != 0 || (size = ftello (fp)) < FOOTER_LEN ||
      fseeko (fp, size - FOOTER_LEN, SEEK_SET) != 0 || fread (footer, 1, FOOTER_LEN, fp) != FOOTER_LEN ||
      memcmp (footer, FOOTER_MAGIC, 8) != 0)
    {
      corrupt (path, "no trawl footer: truncated, or not written by trawl", error);
      goto out;
    }
  memcpy (&len, footer + 8, 8);
  len = GUINT64_FROM_LE (len);
  if (len != (guint64) size - FOOTER_LEN)
    {
      corrupt (path, "length does not match its footer", error);
      goto out;
    }
  if (!full)
    {
      ok = TRUE;
      goto out;
    }
  rewind (fp);
  for (left = len; left > 0;)
    {
      size_t n = fread (buf, 1, (size_t) MIN (left, (guint64) (1 << 16)), fp);
      if (n == 0)
        {
          corrupt (path, "read error", error);
          goto out;
        }
      g_checksum_update (sum, buf, (gssize) n);
      left -= n;
    }
  g_checksum_get_digest (sum, digest, &digest_len);
  if (memcmp (digest, footer + 16, 32) != 0)
    corrupt (path, "SHA-256 mismatch: the file was damaged", error);
  else
    ok = TRUE;
out:
  fclose (fp);
  return ok;
}

/* ---- the FAISS layout, checked before FAISS reads it ----
 *
 * FAISS trusts the counts in a file: with IO_FLAG_MMAP, inverted lists
 * whose sizes run past the end of the file are mapped anyway and the first
 * search dies of SIGBUS; an "ilod" list makes it open whatever file the
 * index names. The footer's SHA-256 is not checked for a mapped load (that
 * would read the whole file) and is no proof against a file edited on
 * purpose. So the two layouts this file writes (FAISS 1.7.3 index_read.cpp)
 * are walked here, every count checked against the bytes that remain:
 *
 *   "IxMp" header "IxFI" header u64 nfloats, floats, u64 n, n ids   (IDMap,Flat)
 *   "IwFl" header u64 nlist, u64 nprobe, "IxFI" quantizer, direct map,
 *          "ilar" u64 nlist, u64 code_size, "full" u64 n, n sizes (or "sprs" u64 2n,
 *          n (list, size) pairs), then the lists' codes and ids          (IVF,Flat)
 *
 * header: i32 d, i64 ntotal, i64, i64, u8 is_trained, i32 metric (inner
 * product: no metric argument follows). Reads a few kB, seeks over data. */

typedef struct {
  FILE   *fp;
  guint64 left;   /* bytes of the FAISS part not yet walked */
} Walk;

static gboolean
walk_read (Walk *w, void *buf, guint64 n)
{
  if (n > w->left || fread (buf, 1, (size_t) n, w->fp) != n)
    return FALSE;
  w->left -= n;
  return TRUE;
}

/* Skips count items of size bytes, refusing counts the file cannot hold. */
static gboolean
walk_skip (Walk *w, guint64 count, guint64 size)
{
  if (size != 0 && count > w->left / size)
    return FALSE;
  if (fseeko (w->fp, (off_t) (count * size), SEEK_CUR) != 0)
    return FALSE;
  w->left -= count * size;
  return TRUE;
}

static gboolean
walk_u64 (Walk *w, guint64 *v)
{
  if (!walk_read (w, v, 8))
    return FALSE;
  *v = GUINT64_FROM_LE (*v);
  return TRUE;
}

static gboolean
walk_fourcc (Walk *w, const char *want)
{
  char got[4];
  return walk_read (w, got, 4) && memcmp (got, want, 4) == 0;
}

/* The header after a fourcc; *dim gets d. Only inner product is written. */
static gboolean
walk_header (Walk *w, gint32 *dim)
{
  guint8 h[33];
  gint32 metric;

  if (!walk_read (w, h, sizeof h))
    return FALSE;
  memcpy (dim, h, 4);
  memcpy (&metric, h + 29, 4);
  *dim = GINT32_FROM_LE (*dim);
  return *dim > 0 && GINT32_FROM_LE (metric) == METRIC_INNER_PRODUCT;
}

/* "IxFI" header u64 nfloats (a whole number of vectors), the floats. */
static gboolean
walk_flat (Walk *w, gint32 dim)
{
  gint32 d;
  guint64 n;

  return walk_fourcc (w, "IxFI") && walk_header (w, &d) && d == dim && walk_u64 (w, &n)
         && n % (guint64) dim == 0 && walk_skip (w, n, 4);
}

static gboolean
walk_idmap_flat (Walk *w)
{
  gint32 dim;
  guint64 n;

  return walk_header (w, &dim) && walk_flat (w, dim) && walk_u64 (w, &n) && walk_skip (w, n, 8);
}

static gboolean
walk_ivf_flat (Walk *w)
{
  gint32 dim;
  guint64 nlist, nprobe, n, code_size, total = 0;
  guint8 dm_type;

  if (!walk_header (w, &dim) || !walk_u64 (w, &nlist) || !walk_u64 (w, &nprobe)
      || !walk_flat (w, dim))
    return FALSE;
  /* direct map: type, an array of ids, and for a hash table its pairs */
  if (!walk_read (w, &dm_type, 1) || dm_type > 2 || !walk_u64 (w, &n) || !walk_skip (w, n, 8)
      || (dm_type == 2 && (!walk_u64 (w, &n) || !walk_skip (w, n, 16))))
    return FALSE;
  char sizes[4];
  if (!walk_fourcc (w, "ilar") || !walk_u64 (w, &n) || n != nlist || !walk_u64 (w, &code_size)
      || code_size != (guint64) dim * 4 || !walk_read (w, sizes, 4) || !walk_u64 (w, &n)
      || n > w->left / 8)
    return FALSE;
  /* "full": one size per list; "sprs" (mostly empty lists): (list, size) pairs */
  gboolean sparse = memcmp (sizes, "sprs", 4) == 0;
  if (!(sparse ? n % 2 == 0 && n / 2 <= nlist : memcmp (sizes, "full", 4) == 0 && n == nlist))
    return FALSE;
  for (guint64 i = 0; i < n; i++)
    {
      guint64 v;
      if (!walk_u64 (w, &v))
        return FALSE;
      if (sparse && i % 2 == 0)
        {
          if (v >= nlist)
            return FALSE;
          continue;
        }
      if (v > w->left / (code_size + 8) || total + v > w->left / (code_size + 8))
        return FALSE;
      total += v;
    }
  /* each list: size codes, then size ids */
  return total <= w->left / (code_size + 8) && walk_skip (w, total, code_size + 8);
}

/* Bytes before the footer (verify_file has checked that there is one). */
static guint64
faiss_part_len (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 && st.st_size >= FOOTER_LEN ? (guint64) st.st_size - FOOTER_LEN
                                                             : 0;
}

/* TRUE when the FAISS part (len bytes) of path has one of the layouts
 * above, its counts within the file. */
static gboolean
check_layout (const char *path, guint64 len, GError **error)
{
  Walk w = { fopen (path, "rb"), len };
  char fourcc[4];
  gboolean ok = FALSE;

  if (w.fp != NULL && walk_read (&w, fourcc, 4))
    {
      if (memcmp (fourcc, "IxMp", 4) == 0)
        ok = walk_idmap_flat (&w);
      else if (memcmp (fourcc, "IwFl", 4) == 0)
        ok = walk_ivf_flat (&w);
      ok = ok && w.left == 0;
    }
  if (w.fp != NULL)
    fclose (w.fp);
  if (!ok)
    corrupt (path, "not an IDMap,Flat or IVF,Flat store as trawl writes them (a count runs "
             "past the end, or another index type)", error);
  return ok;
}

/* The factory string of a loaded index, from its structure. */
static char *
describe (FaissIndex *index)
{
  FaissIndexIVF *ivf = faiss_IndexIVF_cast (index);
  FaissIndexIDMap *idmap = faiss_IndexIDMap_cast (index);

  if (ivf != NULL)
    return g_strdup_printf ("IVF%zu,Flat", faiss_IndexIVF_nlist (ivf));
  if (idmap != NULL && faiss_IndexFlat_cast (faiss_IndexIDMap_sub_index (idmap)) != NULL)
    return g_strdup (FLAT_TYPE);
  return NULL;
}

static TrawlVectorStore *
load (const char *path, int dim, gboolean mapped, GError **error)
{
  FaissIndex *index = NULL;
  g_autofree char *type = NULL;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND, "%s: no such vector file", path);
      return NULL;
    }
  if (!verify_file (path, !mapped, error) || !check_layout (path, faiss_part_len (path), error))
    return NULL;
  rc = faiss_read_index_fname (path, mapped ? TRAWL_FAISS_IO_FLAG_MMAP : 0, &index);
  if (rc != 0)
    {
      const char *msg = faiss_get_last_error ();
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "%s: not a readable vector file (FAISS: %s); rebuild it from the catalog",
                   path, msg != NULL ? msg : "unknown error");
      return NULL;
    }
  type = describe (index);
  if (faiss_Index_d (index) != dim || faiss_Index_metric_type (index) != METRIC_INNER_PRODUCT ||
      type == NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "%s: holds a %d-d %s index, expected %d-d inner-product IDMap/IVF", path,
                   faiss_Index_d (index), type != NULL ? type : "unsupported", dim);
      faiss_Index_free (index);
      return NULL;
    }
  set_nprobe (index);
  return store_wrap (index, dim, type);
}

TrawlVectorStore *
trawl_vector_store_load (const char *path, int dim, GError **error)
{
  return load (path, dim, FALSE, error);
}

TrawlVectorStore *
trawl_vector_store_load_mapped (const char *path, int dim, GError **error)
{
  TrawlVectorStore *vs = load (path, dim, TRUE, error);
  if (vs != NULL)
    vs->mapped = TRUE;
  return vs;
}

TrawlVectorStore *
trawl_vector_store_open (const char *path, int dim, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return trawl_vector_store_load (path, dim, error);
  return trawl_vector_store_new (dim, error);
}
