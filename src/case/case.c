/* case.c - a case folder as one object (see include/trawl/case.h): the
 * file names, opening the catalog with or without the lock, and the two
 * vector stores, rebuilt from the catalog when their file is stale. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>
#include <trawl/base.h>
#include <trawl/case.h>

struct _TrawlCase {
  char             *dir;
  gboolean          writable;
  TrawlCatalog     *cat;
  TrawlVectorStore *stores[2];  /* [0] faces, [1] plates; NULL until used */
};

static const char *const file_names[] = {
  [TRAWL_CASE_FILE_CATALOG] = "catalog.sqlite",
  [TRAWL_CASE_FILE_FACE_VECTORS] = "faces.faiss",
  [TRAWL_CASE_FILE_PLATE_VECTORS] = "plates.faiss",
  [TRAWL_CASE_FILE_THUMBS] = "thumbs",
  [TRAWL_CASE_FILE_EXPORTS] = "exports",
  [TRAWL_CASE_FILE_KEY] = "case.key",
  [TRAWL_CASE_FILE_LOCK] = ".lock",
};

const char *
trawl_case_file_name (TrawlCaseFile file)
{
  g_return_val_if_fail ((guint) file < G_N_ELEMENTS (file_names), NULL);
  return file_names[file];
}

char *
trawl_case_get_path (TrawlCase *c, TrawlCaseFile file)
{
  g_return_val_if_fail (c != NULL, NULL);
  return g_build_filename (c->dir, trawl_case_file_name (file), NULL);
}

/* A catalog that is missing or empty (0 bytes: SQLite would take it for a
 * new database) beside vector files: the case lost its catalog, and a new
 * one would overwrite the vectors with its own, empty, ones. */
static gboolean
refuse_lost_catalog (const char *dir, GError **error)
{
  g_autofree char *db = g_build_filename (dir, file_names[TRAWL_CASE_FILE_CATALOG], NULL);
  const TrawlCaseFile vecs[] = { TRAWL_CASE_FILE_FACE_VECTORS, TRAWL_CASE_FILE_PLATE_VECTORS };
  GStatBuf st;

  if (g_stat (db, &st) == 0 && st.st_size > 0)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (vecs); i++)
    {
      g_autofree char *p = g_build_filename (dir, file_names[vecs[i]], NULL);
      if (!g_file_test (p, G_FILE_TEST_EXISTS))
        continue;
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND,
                   "%s holds %s but its catalog (%s) is %s: refusing to start a new catalog "
                   "over a case that lost its own. Put the catalog back, or start afresh "
                   "(the vector files are then rebuilt from the new catalog) with "
                   "--force-new-catalog", dir, file_names[vecs[i]],
                   file_names[TRAWL_CASE_FILE_CATALOG],
                   g_file_test (db, G_FILE_TEST_EXISTS) ? "empty" : "missing");
      return TRUE;
    }
  return FALSE;
}

TrawlCase *
trawl_case_open (const char *dir, TrawlCaseFlags flags, GError **error)
{
  TrawlCatalogFlags cf = 0;
  TrawlCatalog *cat;
  TrawlCase *c;

  g_return_val_if_fail (dir != NULL, NULL);
  if (flags & TRAWL_CASE_CREATE)
    cf |= TRAWL_CATALOG_CREATE;
  else if (!(flags & TRAWL_CASE_WRITE))
    cf |= TRAWL_CATALOG_READONLY;
  if (!(flags & TRAWL_CASE_CREATE) && !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND,
                   "%s: no such case folder", dir);
      return NULL;
    }
  if ((flags & TRAWL_CASE_CREATE) && !(flags & TRAWL_CASE_REPLACE_LOST_CATALOG)
      && refuse_lost_catalog (dir, error))
    return NULL;
  cat = trawl_catalog_open (dir, cf, error);
  if (cat == NULL)
    return NULL;
  c = g_new0 (TrawlCase, 1);
  c->dir = g_strdup (dir);
  c->writable = (cf & TRAWL_CATALOG_READONLY) == 0;
  c->cat = cat;
  return c;
}

void
trawl_case_close (TrawlCase *c)
{
  if (c == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (c->stores); i++)
    trawl_vector_store_free (c->stores[i]);
  trawl_catalog_close (c->cat);
  g_free (c->dir);
  g_free (c);
}

const char *
trawl_case_get_dir (TrawlCase *c)
{
  g_return_val_if_fail (c != NULL, NULL);
  return c->dir;
}

gboolean
trawl_case_is_writable (TrawlCase *c)
{
  g_return_val_if_fail (c != NULL, FALSE);
  return c->writable;
}

TrawlCatalog *
trawl_case_get_catalog (TrawlCase *c)
{
  g_return_val_if_fail (c != NULL, NULL);
  return c->cat;
}

gboolean
trawl_case_writer_active (const char *dir, int *pid)
{
  g_autofree char *path = g_build_filename (dir, file_names[TRAWL_CASE_FILE_LOCK], NULL);
  g_autofree char *text = NULL;
  gint64 p;

  if (pid != NULL)
    *pid = 0;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  p = g_ascii_strtoll (text, NULL, 10);
  /* The pid stays in the file after its writer exits; a live process with
   * that pid is the test (a reused pid only makes a reader trust a slightly
   * stale file, whose hits are checked against the catalog anyway). */
  if (p <= 0 || p > G_MAXINT || (kill ((pid_t) p, 0) != 0 && errno != EPERM))
    return FALSE;
  if (pid != NULL)
    *pid = (int) p;
  return TRUE;
}

/* ---- vector stores ---- */

static int
kind_slot (TrawlKind kind)
{
  return kind == TRAWL_KIND_PLATE ? 1 : 0;
}

static int
kind_dim (TrawlKind kind)
{
  return kind == TRAWL_KIND_PLATE ? TRAWL_PLATE_DIM : TRAWL_FACE_DIM;
}

static char *
store_path (TrawlCase *c, TrawlKind kind)
{
  return trawl_case_get_path (c, kind == TRAWL_KIND_PLATE ? TRAWL_CASE_FILE_PLATE_VECTORS
                                                          : TRAWL_CASE_FILE_FACE_VECTORS);
}

typedef struct {
  int     dim;
  GArray *ids;
  GArray *vecs;
} Collect;

static gboolean
collect_cb (const TrawlSighting *s, gpointer data)
{
  Collect *k = data;
  if (s->n_embedding == k->dim)
    {
      g_array_append_val (k->ids, s->id);
      g_array_append_vals (k->vecs, s->embedding, k->dim);
    }
  return TRUE;
}

/* A new store holding every vector of kind that the catalog keeps. */
static TrawlVectorStore *
rebuild_store (TrawlCase *c, TrawlKind kind, GError **error)
{
  Collect k = { kind_dim (kind), NULL, NULL };
  TrawlVectorStore *vs = trawl_vector_store_new (k.dim, error);
  gboolean ok;

  if (vs == NULL)
    return NULL;
  k.ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  k.vecs = g_array_new (FALSE, FALSE, sizeof (float));
  ok = trawl_catalog_foreach_sighting (c->cat, kind, collect_cb, &k, error)
       && (k.ids->len == 0
           || trawl_vector_store_add (vs, k.ids->len, (const gint64 *) k.ids->data,
                                      (const float *) k.vecs->data, error));
  g_array_unref (k.ids);
  g_array_unref (k.vecs);
  if (!ok)
    g_clear_pointer (&vs, trawl_vector_store_free);
  return vs;
}

/* Does the file agree with what the catalog recorded at the last save?
 * Writers record the state after every save, so a mismatch means a crash
 * between the two, or a file copied in from elsewhere. */
static gboolean
store_is_current (TrawlCase *c, TrawlKind kind, TrawlVectorStore *vs, GError **error,
                  gboolean *current)
{
  gint64 gen = 0, n = 0;
  if (!trawl_catalog_get_vectors_state (c->cat, kind, &gen, &n, error))
    return FALSE;
  *current = trawl_vector_store_get_count (vs) == n;
  return TRUE;
}

TrawlVectorStore *
trawl_case_get_vectors (TrawlCase *c, TrawlKind kind, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *path = NULL;
  TrawlVectorStore *vs;
  gboolean current = FALSE;
  int slot;

  g_return_val_if_fail (c != NULL, NULL);
  g_return_val_if_fail (kind == TRAWL_KIND_FACE || kind == TRAWL_KIND_PLATE, NULL);
  slot = kind_slot (kind);
  if (c->stores[slot] != NULL)
    return c->stores[slot];
  /* A rebuild would read the open transaction's rows too, and the writer
   * then adds the same vectors again. */
  if (trawl_catalog_get_open_video (c->cat) != 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "%s: load the vector stores before a video's transaction begins", c->dir);
      return NULL;
    }
  path = store_path (c, kind);
  vs = c->writable ? trawl_vector_store_load (path, kind_dim (kind), &local)
                   : trawl_vector_store_load_mapped (path, kind_dim (kind), &local);
  if (vs != NULL && !store_is_current (c, kind, vs, error, &current))
    {
      trawl_vector_store_free (vs);
      return NULL;
    }
  if (vs != NULL && (current || (!c->writable && trawl_case_writer_active (c->dir, NULL))))
    return c->stores[slot] = vs;
  if (vs == NULL && !g_error_matches (local, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND))
    g_message ("%s; rebuilding it from the catalog", local->message);
  else if (vs != NULL)
    g_message ("%s holds %" G_GINT64_FORMAT " vectors, not the number the catalog recorded; "
               "rebuilding it from the catalog", path, trawl_vector_store_get_count (vs));
  trawl_vector_store_free (vs);
  vs = rebuild_store (c, kind, error);
  if (vs == NULL)
    return NULL;
  c->stores[slot] = vs;
  if (c->writable && !trawl_case_save_vectors (c, kind, error))
    {
      c->stores[slot] = NULL;
      trawl_vector_store_free (vs);
      return NULL;
    }
  return vs;
}

static gboolean
check_writable (TrawlCase *c, GError **error)
{
  if (c->writable)
    return TRUE;
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
               "%s: the case was opened read-only", c->dir);
  return FALSE;
}

gboolean
trawl_case_record_vectors (TrawlCase *c, TrawlKind kind, GError **error)
{
  TrawlVectorStore *vs;
  gint64 gen = 0, n = 0;

  g_return_val_if_fail (c != NULL, FALSE);
  if (!check_writable (c, error))
    return FALSE;
  vs = c->stores[kind_slot (kind)];
  if (vs == NULL)
    return TRUE;
  return trawl_catalog_get_vectors_state (c->cat, kind, &gen, &n, error)
         && trawl_catalog_set_vectors_state (c->cat, kind, gen + 1,
                                             trawl_vector_store_get_count (vs), error);
}

gboolean
trawl_case_write_vectors (TrawlCase *c, TrawlKind kind, GError **error)
{
  TrawlVectorStore *vs;
  g_autofree char *path = NULL;

  g_return_val_if_fail (c != NULL, FALSE);
  if (!check_writable (c, error))
    return FALSE;
  vs = c->stores[kind_slot (kind)];
  if (vs == NULL)
    return TRUE;
  path = store_path (c, kind);
  return trawl_vector_store_save (vs, path, error);
}

gboolean
trawl_case_save_vectors (TrawlCase *c, TrawlKind kind, GError **error)
{
  return trawl_case_write_vectors (c, kind, error) && trawl_case_record_vectors (c, kind, error);
}

gint64
trawl_case_get_vectors_generation (TrawlCase *c, TrawlKind kind)
{
  gint64 gen = 0, n = 0;
  g_return_val_if_fail (c != NULL, 0);
  if (!trawl_catalog_get_vectors_state (c->cat, kind, &gen, &n, NULL))
    return 0;
  return gen;
}

/* ---- trawl check ---- */

/* The vector file of kind against the catalog: the count recorded at its
 * last save and the sightings that have an embedding. Read as it is, never
 * rebuilt (that is trawl_case_get_vectors' job, and would hide the fault). */
static gboolean
check_vectors (TrawlCase *c, TrawlKind kind, GPtrArray *problems, GError **error)
{
  g_autofree char *path = store_path (c, kind);
  g_autoptr(GError) local = NULL;
  g_autoptr(TrawlVectorStore) vs = NULL;
  gint64 gen = 0, recorded = 0, in_catalog;
  gint64 in_file;

  if (!trawl_catalog_get_vectors_state (c->cat, kind, &gen, &recorded, error))
    return FALSE;
  in_catalog = trawl_catalog_count_embeddings (c->cat, kind, kind_dim (kind), error);
  if (in_catalog < 0)
    return FALSE;
  vs = trawl_vector_store_load (path, kind_dim (kind), &local);  /* checks its SHA-256 */
  if (vs == NULL)
    {
      /* No file and nothing to hold is a case that never saw this kind. */
      if (g_error_matches (local, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND) && in_catalog == 0
          && recorded == 0)
        return TRUE;
      g_ptr_array_add (problems, g_strdup_printf ("%s: cannot be read (%s); the catalog holds %"
                                                  G_GINT64_FORMAT " %s vectors", path,
                                                  local->message, in_catalog,
                                                  trawl_kind_to_string (kind)));
      return TRUE;
    }
  in_file = trawl_vector_store_get_count (vs);
  if (in_file != recorded)
    g_ptr_array_add (problems, g_strdup_printf ("%s holds %" G_GINT64_FORMAT " vectors but the "
                                                "catalog recorded %" G_GINT64_FORMAT " at its "
                                                "last save", path, in_file, recorded));
  if (in_file != in_catalog)
    g_ptr_array_add (problems, g_strdup_printf ("%s holds %" G_GINT64_FORMAT " vectors but the "
                                                "catalog has %" G_GINT64_FORMAT " %s sightings "
                                                "with one", path, in_file, in_catalog,
                                                trawl_kind_to_string (kind)));
  return TRUE;
}

gboolean
trawl_case_check (TrawlCase *c, GPtrArray *problems, GError **error)
{
  g_autoptr(GError) audit = NULL;
  int pid = 0;

  g_return_val_if_fail (c != NULL && problems != NULL, FALSE);
  if (!trawl_catalog_check_integrity (c->cat, FALSE, problems, error))
    return FALSE;
  if (!trawl_catalog_audit_verify (c->cat, NULL, NULL, &audit))
    {
      if (!g_error_matches (audit, TRAWL_ERROR, TRAWL_ERROR_CORRUPT))
        {
          g_propagate_error (error, g_steal_pointer (&audit));
          return FALSE;
        }
      g_ptr_array_add (problems, g_strdup (audit->message));
    }
  /* An indexer saves the vector files just after each video's commit: a
   * reader may catch them a video behind, which is no fault. */
  if (!trawl_case_writer_active (c->dir, &pid))
    {
      if (!check_vectors (c, TRAWL_KIND_FACE, problems, error)
          || !check_vectors (c, TRAWL_KIND_PLATE, problems, error))
        return FALSE;
    }
  else
    g_message ("%s: an indexer (pid %d) is writing the case; vector files not compared",
               c->dir, pid);
  return trawl_catalog_check_references (c->cat, problems, error);
}
