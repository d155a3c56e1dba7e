/* trawl/case.h - a case folder as one object: its files, its lock, its
 * catalog and its two vector stores.
 *
 * A case is a directory:
 *
 *   <case>/catalog.sqlite   the catalog (catalog.h), SQLite in WAL mode
 *   <case>/faces.faiss      face vectors  (vectors.h; ids = sighting ids)
 *   <case>/plates.faiss     plate vectors (vectors.h)
 *   <case>/thumbs/          thumbnails written out as files on request
 *   <case>/exports/         evidence exports (default destination)
 *   <case>/case.key         the case's signing key (evidence)
 *   <case>/.lock            held by the one process that writes
 *
 * Everything in trawl that touches a case (the indexer, search, evidence,
 * the CLI and the app) goes through TrawlCase, so only this module knows
 * the file names above, and only the catalog module holds SQL.
 *
 * Readers need no lock: a case opened for reading sees what writers have
 * committed, while `trawl index` keeps writing.
 *
 * The vector files are caches of the catalog (which keeps every face
 * embedding and plate vector). trawl_case_get_vectors loads a store once;
 * when its file is missing, damaged or holds another number of vectors
 * than the catalog recorded at its last save, a writer rebuilds and saves
 * it, and a reader rebuilds it in memory (unless an indexer is writing the
 * case right now, in which case the file is simply a little behind and
 * hits are checked against the catalog anyway).
 *
 * Example (search side):
 *
 *   g_autoptr(TrawlCase) c = trawl_case_open (dir, TRAWL_CASE_READ, &error);
 *   TrawlVectorStore *faces = trawl_case_get_vectors (c, TRAWL_KIND_FACE, &error);
 *   TrawlCatalog *cat = trawl_case_get_catalog (c);
 *
 * Errors: GError in TRAWL_ERROR; NOT_FOUND when dir is not a case (the
 * message says so and names dir), BUSY when another process writes it.
 * Threading: one thread at a time per TrawlCase; open one per thread.
 */
#pragma once

#include <glib.h>
#include <trawl/catalog.h>
#include <trawl/vectors.h>

G_BEGIN_DECLS

typedef struct _TrawlCase TrawlCase;

typedef enum {
  TRAWL_CASE_READ   = 0,       /* no lock, no writes: sees committed data */
  TRAWL_CASE_WRITE  = 1 << 0,  /* takes the lock; one writer per case */
  TRAWL_CASE_CREATE = 1 << 1,  /* creates the folder and catalog; implies WRITE */
  /* With CREATE: start a new catalog even though the folder holds vector
   * files of a catalog that is gone (deleted, moved or emptied). Without
   * it that is refused (TRAWL_ERROR_NOT_FOUND), since the vector files
   * would be overwritten by the new, empty catalog's. */
  TRAWL_CASE_REPLACE_LOST_CATALOG = 1 << 2,
} TrawlCaseFlags;

typedef enum {
  TRAWL_CASE_FILE_CATALOG,
  TRAWL_CASE_FILE_FACE_VECTORS,
  TRAWL_CASE_FILE_PLATE_VECTORS,
  TRAWL_CASE_FILE_THUMBS,   /* folder */
  TRAWL_CASE_FILE_EXPORTS,  /* folder */
  TRAWL_CASE_FILE_KEY,
  TRAWL_CASE_FILE_LOCK,
} TrawlCaseFile;

/* Opens the case folder dir. NULL with error set; nothing stays open on
 * failure. A writer refuses a catalog that SQLite's quick check finds
 * damaged (TRAWL_ERROR_CORRUPT); see trawl_case_check. */
TrawlCase *trawl_case_open (const char *dir, TrawlCaseFlags flags, GError **error);

/* Saves nothing: vector stores are saved by trawl_case_save_vectors. Frees
 * the stores, closes the catalog and releases the lock. Accepts NULL. */
void trawl_case_close (TrawlCase *c);

/* The case folder as given to open (transfer none). */
const char   *trawl_case_get_dir (TrawlCase *c);
gboolean      trawl_case_is_writable (TrawlCase *c);
/* The catalog (transfer none; lives as long as c). */
TrawlCatalog *trawl_case_get_catalog (TrawlCase *c);

/* A file's name inside any case folder, e.g. "faces.faiss" (static). */
const char *trawl_case_file_name (TrawlCaseFile file);
/* The full path of one of the case's files (g_free). */
char       *trawl_case_get_path (TrawlCase *c, TrawlCaseFile file);

/* The vector store of kind (transfer none; loaded on first use and kept).
 * See the head of this file for when it is rebuilt. NULL with error set. */
TrawlVectorStore *trawl_case_get_vectors (TrawlCase *c, TrawlKind kind, GError **error);

/* Writers: saves the store of kind atomically, then records its new
 * generation and size in the catalog (trawl_case_write_vectors, then
 * trawl_case_record_vectors). A store never loaded is left alone (TRUE).
 * FALSE with error set; the file then keeps its old content. */
gboolean trawl_case_save_vectors (TrawlCase *c, TrawlKind kind, GError **error);

/* The two halves of save, for a writer that records the state inside the
 * catalog transaction that adds the vectors' rows, and writes the file
 * after the commit: a crash between the two then leaves a file that
 * disagrees with the record, and the next open rebuilds it. */
gboolean trawl_case_record_vectors (TrawlCase *c, TrawlKind kind, GError **error);
gboolean trawl_case_write_vectors (TrawlCase *c, TrawlKind kind, GError **error);

/* The generation recorded for the vector file of kind (0: none yet). */
gint64 trawl_case_get_vectors_generation (TrawlCase *c, TrawlKind kind);

/* Whether a process holds dir's writer lock now (an indexer is running).
 * *pid (nullable) gets its pid. Reads the lock file; takes no lock. */
gboolean trawl_case_writer_active (const char *dir, int *pid);

/* Checks the whole case, reading only (`trawl check`): SQLite's
 * integrity_check, the audit chain, the vector files against the catalog
 * (the count it recorded at their last save, and the sightings with
 * embeddings), and rows that point at rows that are gone. Appends one line
 * per problem found to problems (of char*); none when all holds. FALSE with
 * error set only when the checks could not run. */
gboolean trawl_case_check (TrawlCase *c, GPtrArray *problems, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlCase, trawl_case_close)

G_END_DECLS
