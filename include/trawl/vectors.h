/* trawl/vectors.h - vector stores for similarity search (FAISS). Plate
 * texts become vectors by trawl_plate_ngram_vector (trawl/plate.h).
 *
 * A case has two stores: <case>/faces.faiss (128-d face descriptors) and
 * <case>/plates.faiss (TRAWL_PLATE_DIM-d character n-gram vectors of plate
 * readings). Vector ids are catalog sighting ids, so a hit leads straight
 * to its sighting, track, video and thumbnail. Vectors are L2-normalised by
 * the store and compared by inner product: a score is the cosine
 * similarity, 1 for identical directions.
 *
 * Example:
 *
 *   g_autoptr(TrawlVectorStore) vs = trawl_vector_store_open (path, TRAWL_FACE_DIM, &error);
 *   trawl_vector_store_add (vs, n, sighting_ids, descriptors, &error);
 *   trawl_vector_store_save (vs, path, &error);      // atomic: old file or new, never half
 *   g_autoptr(GArray) hits = trawl_vector_store_search (vs, query, 10, &error);
 *   for (guint i = 0; i < hits->len; i++)
 *     use (g_array_index (hits, TrawlVectorHit, i));
 *
 * Index type. A store starts as "IDMap,Flat" (exact search; memory d*4
 * bytes per vector; a query scans every vector, so its cost grows linearly).
 * When an add takes it past flat_max vectors (TRAWL_VECTOR_FLAT_MAX by
 * default, 65536: a flat query over that many takes about 4 ms here), the
 * store rebuilds itself as "IVF<nlist>,Flat", nlist = 4 sqrt(n) (at most
 * 4,096), trained on an even sample of the stored vectors, searched with
 * 24 lists a query: approximate (recall@10 about 0.96 against exact search
 * at 1M vectors in benchmarks/search, a query well under a millisecond).
 * The switch is one-way and is kept across save/load. HNSW would search
 * faster still but cannot remove ids, which redoing a partial video needs.
 *
 * The catalog keeps every face embedding, and plate vectors are recomputed
 * from plate text, so a store is a cache: if a file is missing or its
 * count disagrees with the catalog's vectors_state, rebuild it.
 *
 * Errors: GError in TRAWL_ERROR (CORRUPT: a file that is not a FAISS index
 * or has the wrong dimension; INVALID_ARG: bad ids or sizes; FAILED: FAISS's
 * own message).
 * Threading: one thread at a time per store (FAISS itself uses OpenMP
 * threads inside a call).
 */
#pragma once

#include <glib.h>
#include "trawl/plate.h"

G_BEGIN_DECLS

#define TRAWL_FACE_DIM        128     /* face descriptor length (dlib ResNet) */
#define TRAWL_PLATE_DIM       TRAWL_PLATE_NGRAM_DIM  /* hashed n-gram vector length */
#define TRAWL_VECTOR_FLAT_MAX 65536   /* vectors kept in an exact (flat) index */

typedef struct _TrawlVectorStore TrawlVectorStore;

typedef struct {
  gint64 id;     /* sighting id */
  float  score;  /* cosine similarity, -1..1, higher is nearer */
} TrawlVectorHit;

/* A new empty store of dim-dimensional vectors ("IDMap,Flat", inner
 * product). Free with trawl_vector_store_free. NULL with error set if FAISS
 * refuses (dim <= 0). */
TrawlVectorStore *trawl_vector_store_new (int dim, GError **error);

/* Reads a store saved by trawl_vector_store_save. NULL with error set:
 * TRAWL_ERROR_NOT_FOUND when path is missing, TRAWL_ERROR_CORRUPT when it
 * is not a trawl vector file of dimension dim, or is truncated or damaged
 * (footer or SHA-256 mismatch). */
TrawlVectorStore *trawl_vector_store_load (const char *path, int dim, GError **error);

/* For readers: the same store, loaded in a fraction of the time. The
 * footer's length is checked but not its SHA-256, and an IVF index's
 * lists are memory-mapped from the file, so only the lists a query probes
 * are ever read. The store is read-only: add, remove and save fail. */
TrawlVectorStore *trawl_vector_store_load_mapped (const char *path, int dim, GError **error);

/* Loads path when it exists, else returns a new empty store. */
TrawlVectorStore *trawl_vector_store_open (const char *path, int dim, GError **error);

/* Frees the store. Accepts NULL. */
void trawl_vector_store_free (TrawlVectorStore *vs);

int         trawl_vector_store_get_dim (TrawlVectorStore *vs);
gint64      trawl_vector_store_get_count (TrawlVectorStore *vs);
/* The FAISS factory string of the current index, e.g. "IDMap,Flat"
 * (transfer none, valid until the next add/load). */
const char *trawl_vector_store_get_index_type (TrawlVectorStore *vs);
/* Overrides TRAWL_VECTOR_FLAT_MAX for this store (tests, benchmarks). */
void        trawl_vector_store_set_flat_max (TrawlVectorStore *vs, gint64 flat_max);

/* Adds n vectors (n*dim floats, row-major; copied and normalised; a zero
 * vector is refused) under ids (> 0; adding an id twice stores it twice:
 * remove first). May switch the index type (see above). FALSE with error
 * set; the store is then unchanged. */
gboolean trawl_vector_store_add (TrawlVectorStore *vs, gsize n, const gint64 *ids,
                                 const float *vectors, GError **error);

/* The k nearest vectors to query (dim floats, normalised by the store),
 * best first: a new GArray of TrawlVectorHit (g_array_unref), with fewer
 * than k entries when the store holds fewer. NULL with error set. */
GArray *trawl_vector_store_search (TrawlVectorStore *vs, const float *query, int k,
                                   GError **error);

/* Removes every vector stored under one of the n ids; *n_removed
 * (nullable) gets how many went. */
gboolean trawl_vector_store_remove (TrawlVectorStore *vs, gsize n, const gint64 *ids,
                                    gsize *n_removed, GError **error);

/* Writes the store to path atomically (temporary file, fsync, rename,
 * fsync of the directory; see trawl_atomic_file_new). The file is FAISS's
 * own format followed by a 48-byte trawl footer (magic, length, SHA-256),
 * which load checks before FAISS parses anything; FAISS tools ignore it.
 * On failure path keeps its previous content. */
gboolean trawl_vector_store_save (TrawlVectorStore *vs, const char *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlVectorStore, trawl_vector_store_free)

G_END_DECLS
