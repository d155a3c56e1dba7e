/* fuzz-targets.c - one fuzz target per parser that reads user or case
 * files: where its seeds come from (real files in the data folder and the
 * model cache, or files made here with the library's own writers) and
 * which entry point an input is fed to. The entry points are the ones the
 * commands use on a path, so the input is written to a file first. */
#include "fuzz.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <trawl/base.h>
#include <trawl/case.h>
#include <trawl/catalog.h>
#include <trawl/eval.h>
#include <trawl/evidence.h>
#include <trawl/image.h>
#include <trawl/nn.h>
#include <trawl/vectors.h>
#include <trawl/video.h>

/* ---- seeds ---- */

void
fuzz_seed_free (FuzzSeed *s)
{
  if (s == NULL)
    return;
  g_free (s->name);
  g_bytes_unref (s->bytes);
  g_free (s);
}

FuzzSeed *
fuzz_seed_new (const char *name, GBytes *bytes)
{
  FuzzSeed *s = g_new0 (FuzzSeed, 1);

  s->name = g_strdup (name);
  s->bytes = bytes;
  return s;
}

FuzzSeed *
fuzz_seed_from_file (const char *path)
{
  char *data;
  gsize len;

  if (!g_file_get_contents (path, &data, &len, NULL))
    return NULL;
  g_autofree char *base = g_path_get_basename (path);
  return fuzz_seed_new (base, g_bytes_new_take (data, len));
}

char *
fuzz_data_dir (void)
{
  const char *env = g_getenv ("TRAWL_DATA");
  const char *root = g_getenv ("TRAWL_SOURCE_ROOT");

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  return g_build_filename (root != NULL ? root : TRAWL_FUZZ_SRCDIR "/../..", "..", "shared",
                           "data", NULL);
}

static int
cmp_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Adds the files of rel (under the data folder) whose names end in one of
 * the suffixes and that are at most max_bytes, at most max_files of them. */
static void
add_data_files (GPtrArray *seeds, const char *rel, const char *const *suffixes, gsize max_bytes,
                guint max_files)
{
  g_autofree char *data = fuzz_data_dir ();
  g_autofree char *dir = g_build_filename (data, rel, NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *n;

  while (d != NULL && (n = g_dir_read_name (d)) != NULL)
    for (guint i = 0; suffixes[i] != NULL; i++)
      if (g_str_has_suffix (n, suffixes[i]))
        g_ptr_array_add (names, g_strdup (n));
  g_ptr_array_sort (names, cmp_names);
  guint added = 0;
  for (guint i = 0; i < names->len && added < max_files; i++)
    {
      g_autofree char *path = g_build_filename (dir, names->pdata[i], NULL);
      GStatBuf st;
      if (g_stat (path, &st) != 0 || (gsize) st.st_size > max_bytes)
        continue;
      FuzzSeed *s = fuzz_seed_from_file (path);
      if (s != NULL)
        {
          g_ptr_array_add (seeds, s);
          added++;
        }
    }
}

static gboolean
need_seeds (GPtrArray *seeds, const char *what, GError **error)
{
  if (seeds->len > 0)
    return TRUE;
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND, "no seed found: %s", what);
  return FALSE;
}

static void
add_model (GPtrArray *seeds, const char *dest)
{
  g_autofree char *path = g_build_filename (trawl_models_dir (), dest, NULL);
  FuzzSeed *s = fuzz_seed_from_file (path);

  if (s != NULL)
    g_ptr_array_add (seeds, s);
}

/* ---- ONNX models (src/nn/onnx) ---- */

static gboolean
onnx_collect (GPtrArray *seeds, const char *work, GError **error)
{
  (void) work;
  add_model (seeds, "ocr-models/ch_PP-OCRv4_det_infer.onnx");
  add_model (seeds, "ocr-models/ch_PP-OCRv4_rec_infer.onnx");
  return need_seeds (seeds, "the PP-OCR models in the model cache (scripts/setup)", error);
}

/* A graph that loads is planned as trawl would use it (shapes resolved,
 * constants folded, memory planned), for a small input: dims left open
 * (-1) become 1 for the batch and 32 elsewhere. Declared dims over 4096
 * are left alone (the input is the caller's, not the file's). */
static void
plan_graph (TrawlNnGraph *g)
{
  int n = trawl_nn_graph_n_inputs (g);
  g_autofree TrawlNnTensor *in = g_new0 (TrawlNnTensor, MAX (n, 1));
  TrawlNnPlanOptions po = { TRAWL_NN_BACKEND_CPU, 1, 0 };

  for (int i = 0; i < n; i++)
    {
      if (!trawl_nn_graph_input_info (g, i, &in[i]))
        return;
      for (int d = 0; d < in[i].ndim; d++)
        {
          if (in[i].dims[d] > 4096)
            return;
          if (in[i].dims[d] < 1)
            in[i].dims[d] = d == 0 ? 1 : 32;
        }
    }
  TrawlNnPlan *plan = trawl_nn_plan_new (g, in, n, &po, NULL);
  trawl_nn_plan_free (plan);
}

static gboolean
onnx_run (const char *path, const guint8 *data, gsize len, const char *work)
{
  (void) data; (void) len; (void) work;
  TrawlNnGraph *g = trawl_nn_load_onnx (path, NULL);

  if (g == NULL)
    return FALSE;
  plan_graph (g);
  trawl_nn_graph_unref (g);
  return TRUE;
}

/* ---- face-api manifests and weight shards (src/nn/faceapi) ---- */

/* The landmark net: the smallest shard (350 kB), so a run is fast. */
#define FACEAPI_MANIFEST "face_landmark_68_model-weights_manifest.json"
#define FACEAPI_SHARD    "face_landmark_68_model.bin"

static gboolean
faceapi_manifest_collect (GPtrArray *seeds, const char *work, GError **error)
{
  g_autofree char *shard = g_build_filename (trawl_models_dir (), "face-api", FACEAPI_SHARD, NULL);
  g_autofree char *link = g_build_filename (work, FACEAPI_SHARD, NULL);

  add_model (seeds, "face-api/" FACEAPI_MANIFEST);
  add_model (seeds, "face-api/ssd_mobilenetv1_model-weights_manifest.json");
  add_model (seeds, "face-api/face_recognition_model-weights_manifest.json");
  /* The shard the manifests name sits beside the input; the others'
   * shards are missing on purpose (their manifests test the failures). */
  if (!g_file_test (link, G_FILE_TEST_EXISTS) && symlink (shard, link) != 0)
    g_warning ("fuzz: cannot link %s: %s", link, g_strerror (errno));
  return need_seeds (seeds, "the face-api models in the model cache (scripts/setup)", error);
}

static gboolean
faceapi_run (const char *path, const guint8 *data, gsize len, const char *work)
{
  (void) data; (void) len; (void) work;
  TrawlNnGraph *g = trawl_nn_load_faceapi (path, NULL);

  if (g == NULL)
    return FALSE;
  plan_graph (g);
  trawl_nn_graph_unref (g);
  return TRUE;
}

static gboolean
faceapi_shard_collect (GPtrArray *seeds, const char *work, GError **error)
{
  g_autofree char *manifest = g_build_filename (trawl_models_dir (), "face-api", FACEAPI_MANIFEST,
                                                NULL);
  g_autofree char *copy = g_build_filename (work, FACEAPI_MANIFEST, NULL);
  g_autofree char *text = NULL;
  gsize len;

  add_model (seeds, "face-api/" FACEAPI_SHARD);
  if (!need_seeds (seeds, "the face-api models in the model cache (scripts/setup)", error))
    return FALSE;
  return g_file_get_contents (manifest, &text, &len, error)
         && g_file_set_contents (copy, text, (gssize) len, error);
}

static gboolean
faceapi_shard_run (const char *path, const guint8 *data, gsize len, const char *work)
{
  g_autofree char *manifest = g_build_filename (work, FACEAPI_MANIFEST, NULL);

  (void) path;
  return faceapi_run (manifest, data, len, work);
}

/* ---- labels CSV (src/detect/eval-csv.c) ---- */

static gboolean
csv_collect (GPtrArray *seeds, const char *work, GError **error)
{
  static const char *const csv[] = { ".csv", NULL };

  (void) work;
  add_data_files (seeds, "faces", csv, 1 << 20, 4);
  add_data_files (seeds, "plates", csv, 1 << 20, 4);
  add_data_files (seeds, "videos", csv, 1 << 20, 4);
  add_data_files (seeds, "videos/people", csv, 1 << 20, 4);
  return need_seeds (seeds, "labels.csv files in the data folder (set TRAWL_DATA)", error);
}

static gboolean
csv_run (const char *path, const guint8 *data, gsize len, const char *work)
{
  (void) path; (void) work;
  TrawlCsv *csv = trawl_csv_parse ((const char *) data, len, "fuzz.csv", NULL);

  if (csv == NULL)
    return FALSE;
  /* Lookups go over the header and rows the parser kept. */
  for (guint i = 0; i < csv->rows->len; i++)
    (void) strlen (trawl_csv_get (csv, csv->rows->pdata[i], "file"));
  (void) trawl_csv_column (csv, "label");
  trawl_csv_free (csv);
  return TRUE;
}

/* ---- .faiss vector stores (src/vectors) ---- */

static GBytes *
store_bytes (const char *work, int dim, int n, gint64 flat_max, GError **error)
{
  g_autoptr (TrawlVectorStore) vs = trawl_vector_store_new (dim, error);
  g_autofree char *path = g_strdup_printf ("%s/seed-%d-%d.faiss", work, dim, n);
  g_autofree float *v = g_new (float, (gsize) n * dim);
  g_autofree gint64 *ids = g_new (gint64, n);
  char *data;
  gsize len;

  if (vs == NULL)
    return NULL;
  trawl_vector_store_set_flat_max (vs, flat_max);
  for (int i = 0; i < n; i++)
    {
      ids[i] = 100 + i;
      for (int k = 0; k < dim; k++)
        v[(gsize) i * dim + k] = sinf ((float) (i * dim + k));
    }
  if (!trawl_vector_store_add (vs, n, ids, v, error)
      || !trawl_vector_store_save (vs, path, error)
      || !g_file_get_contents (path, &data, &len, error))
    return NULL;
  g_unlink (path);
  return g_bytes_new_take (data, len);
}

static gboolean
vectors_collect (GPtrArray *seeds, const char *work, GError **error)
{
  GBytes *flat = store_bytes (work, TRAWL_FACE_DIM, 16, TRAWL_VECTOR_FLAT_MAX, error);
  GBytes *ivf = flat ? store_bytes (work, TRAWL_FACE_DIM, 300, 64, error) : NULL;

  if (ivf == NULL)
    {
      g_clear_pointer (&flat, g_bytes_unref);
      return FALSE;
    }
  g_ptr_array_add (seeds, fuzz_seed_new ("faces.faiss", flat));
  g_ptr_array_add (seeds, fuzz_seed_new ("faces.faiss", ivf));
  return TRUE;
}

/* The store's own footer ("TRAWLVF1", length, SHA-256 of the FAISS part)
 * made anew for data less its last FOOTER bytes, as someone editing a
 * file on purpose would: the mutant then reaches FAISS's reader instead of
 * failing the checksum. g_byte_array_unref. */
#define VECTORS_FOOTER (8 + 8 + 32)

static GByteArray *
refooter (const guint8 *data, gsize len)
{
  gsize body = len >= VECTORS_FOOTER ? len - VECTORS_FOOTER : len;
  GByteArray *b = g_byte_array_sized_new ((guint) (body + VECTORS_FOOTER));
  guint64 le = GUINT64_TO_LE ((guint64) body);
  guint8 digest[32];
  gsize dlen = sizeof digest;
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  g_checksum_update (sum, data, (gssize) body);
  g_checksum_get_digest (sum, digest, &dlen);
  g_byte_array_append (b, data, (guint) body);
  g_byte_array_append (b, (const guint8 *) "TRAWLVF1", 8);
  g_byte_array_append (b, (const guint8 *) &le, 8);
  g_byte_array_append (b, digest, 32);
  return b;
}

static gboolean
load_and_search (const char *path, gboolean mapped)
{
  TrawlVectorStore *vs = mapped ? trawl_vector_store_load_mapped (path, TRAWL_FACE_DIM, NULL)
                                : trawl_vector_store_load (path, TRAWL_FACE_DIM, NULL);
  float q[TRAWL_FACE_DIM];

  if (vs == NULL)
    return FALSE;
  for (int k = 0; k < TRAWL_FACE_DIM; k++)
    q[k] = cosf ((float) k);
  GArray *hits = trawl_vector_store_search (vs, q, 5, NULL);
  g_clear_pointer (&hits, g_array_unref);
  trawl_vector_store_free (vs);
  return TRUE;
}

/* The input as it is (the checksum should refuse it), then with a valid
 * footer, loaded whole and memory-mapped (which checks only the footer). */
static gboolean
vectors_run (const char *path, const guint8 *data, gsize len, const char *work)
{
  g_autofree char *fixed = g_build_filename (work, "refootered.faiss", NULL);
  g_autoptr (GByteArray) b = refooter (data, len);

  gboolean ok = load_and_search (path, FALSE);
  if (!g_file_set_contents (fixed, (const char *) b->data, b->len, NULL))
    return ok;
  ok |= load_and_search (fixed, FALSE);
  ok |= load_and_search (fixed, TRUE);
  return ok;
}

/* ---- the catalog (trawl_case_open, `trawl check`) ---- */

/* A small catalog made with the catalog API: a camera, a video, tracks. */
static gboolean
make_catalog (const char *dir, GError **error)
{
  g_autoptr (TrawlCatalog) cat = trawl_catalog_open (dir, TRAWL_CATALOG_CREATE, error);
  gint64 cam = 0;
  TrawlCatalogVideo v = { 0 };

  if (cat == NULL || !trawl_catalog_ensure_camera (cat, "gate", &cam, error))
    return FALSE;
  v.camera_id = cam;
  v.path = (char *) "/footage/gate.mp4";
  v.size = 1;
  v.sha256 = (char *) "0000000000000000000000000000000000000000000000000000000000000001";
  v.duration_s = 60;
  v.codec = (char *) "h264";
  v.width = 640;
  v.height = 480;
  v.fps = 10;
  v.start_time_utc = 1.7e9;
  if (!trawl_catalog_insert_video (cat, &v, error))
    return FALSE;
  for (int i = 0; i < 3; i++)
    {
      TrawlTrack t = { 0 };
      t.kind = i == 0 ? TRAWL_KIND_FACE : TRAWL_KIND_PLATE;
      t.video_id = v.id;
      t.first_utc = 1.7e9 + i;
      t.last_utc = 1.7e9 + i + 2;
      t.best_plate_text = i == 0 ? NULL : (char *) "AB12CD";
      if (!trawl_catalog_insert_track (cat, &t, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
catalog_collect (GPtrArray *seeds, const char *work, GError **error)
{
  g_autofree char *dir = g_build_filename (work, "seed-case", NULL);
  g_autofree char *db = g_build_filename (dir, "catalog.sqlite", NULL);

  if (!make_catalog (dir, error))
    return FALSE;
  FuzzSeed *s = fuzz_seed_from_file (db);
  if (s == NULL)
    return need_seeds (seeds, db, error);
  g_ptr_array_add (seeds, s);
  return TRUE;
}

/* The input becomes CASE/catalog.sqlite of a fresh case folder (no WAL or
 * lock files left from the last input), opened read-only and checked as
 * `trawl check` does, then listed as `trawl tracks` does. */
static gboolean
catalog_run (const char *path, const guint8 *data, gsize len, const char *work)
{
  g_autofree char *dir = g_build_filename (work, "case", NULL);
  g_autofree char *db = g_build_filename (dir, "catalog.sqlite", NULL);
  const char *const side[] = { "catalog.sqlite-wal", "catalog.sqlite-shm", NULL };
  gboolean ok;

  (void) path;
  g_mkdir_with_parents (dir, 0700);
  for (guint i = 0; side[i] != NULL; i++)
    {
      g_autofree char *p = g_build_filename (dir, side[i], NULL);
      g_unlink (p);
    }
  if (!g_file_set_contents (db, (const char *) data, (gssize) len, NULL))
    return FALSE;
  TrawlCase *c = trawl_case_open (dir, TRAWL_CASE_READ, NULL);
  if (c == NULL)
    return FALSE;
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  ok = trawl_case_check (c, problems, NULL);
  TrawlTrackFilter f = { 0 };
  GPtrArray *tracks = trawl_catalog_list_tracks (trawl_case_get_catalog (c), &f, NULL);
  g_clear_pointer (&tracks, g_ptr_array_unref);
  trawl_case_close (c);
  return ok && problems->len == 0;
}

/* ---- evidence manifests (src/evidence) ---- */

#define EVIDENCE_README "README.txt"
#define EVIDENCE_CLIP   "clip-1-gate.mp4"

static char *
sha256_hex (const char *text)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
}

/* An export folder's manifest as trawl export writes it, listing two small
 * files written beside it. */
static gboolean
evidence_collect (GPtrArray *seeds, const char *work, GError **error)
{
  const char *readme = "trawl evidence export\n", *clip = "not really a clip\n";
  g_autofree char *rs = sha256_hex (readme), *cs = sha256_hex (clip);
  g_autofree char *dir = g_build_filename (work, "export", NULL);
  g_autofree char *rp = g_build_filename (dir, EVIDENCE_README, NULL);
  g_autofree char *cp = g_build_filename (dir, EVIDENCE_CLIP, NULL);
  char *m = g_strdup_printf (
    "{\n  \"format\": \"trawl-evidence/1\",\n  \"created_utc\": \"2026-12-07T18:00:00Z\",\n"
    "  \"operator\": \"fuzz\",\n  \"subject\": {\"track\": 1, \"kind\": \"plate\"},\n"
    "  \"clips\": [{\"file\": \"%s\", \"size\": %zu, \"sha256\": \"%s\", \"camera\": \"gate\",\n"
    "    \"start_utc\": \"2026-12-07T17:00:00Z\", \"end_utc\": \"2026-12-07T17:00:10Z\",\n"
    "    \"source\": {\"path\": \"/footage/gate.mp4\", \"sha256\": \"%s\", \"from_s\": 1.5,"
    " \"to_s\": 11.5}}],\n"
    "  \"thumbnails\": [],\n  \"derived\": [],\n"
    "  \"readme\": {\"file\": \"%s\", \"size\": %zu, \"sha256\": \"%s\"}\n}\n",
    EVIDENCE_CLIP, strlen (clip), cs, cs, EVIDENCE_README, strlen (readme), rs);

  g_mkdir_with_parents (dir, 0700);
  if (!g_file_set_contents (rp, readme, -1, error) || !g_file_set_contents (cp, clip, -1, error))
    {
      g_free (m);
      return FALSE;
    }
  g_ptr_array_add (seeds, fuzz_seed_new ("manifest.json", g_bytes_new_take (m, strlen (m))));
  return TRUE;
}

/* The input becomes work/export/manifest.json, the listed files beside it
 * (the folder holds nothing else: an unlisted file is a problem). */
static gboolean
evidence_run (const char *path, const guint8 *data, gsize len, const char *work)
{
  g_autofree char *dir = g_build_filename (work, "export", NULL);
  g_autofree char *m = g_build_filename (dir, "manifest.json", NULL);

  (void) path;
  if (!g_file_set_contents (m, (const char *) data, (gssize) len, NULL))
    return FALSE;
  TrawlVerifyReport *r = trawl_evidence_verify (dir, NULL, NULL, NULL);
  gboolean ok = r != NULL && trawl_verify_report_ok (r);

  trawl_verify_report_free (r);
  return ok;
}

/* ---- images (src/image/image.c) ---- */

static gboolean
image_collect (GPtrArray *seeds, const char *work, GError **error)
{
  static const char *const img[] = { ".jpg", ".jpeg", ".png", ".webp", ".bmp", NULL };
  g_autoptr (TrawlImage) small = trawl_image_new (24, 16);
  g_autofree char *png = g_build_filename (work, "seed.png", NULL);

  add_data_files (seeds, "faces/images", img, 64 << 10, 3);
  add_data_files (seeds, "plates/crops_cn", img, 64 << 10, 2);
  add_data_files (seeds, "plates/crops_us", img, 64 << 10, 2);
  for (int i = 0; i < small->stride * small->height; i++)
    small->data[i] = (guint8) (i * 7);
  if (trawl_image_save_png (small, png, NULL))
    {
      FuzzSeed *s = fuzz_seed_from_file (png);
      if (s != NULL)
        g_ptr_array_add (seeds, s);
    }
  return need_seeds (seeds, "images in the data folder", error);
}

static gboolean
image_run (const char *path, const guint8 *data, gsize len, const char *work)
{
  (void) path; (void) work;
  TrawlImage *img = trawl_image_load_from_memory (data, len, NULL);

  if (img == NULL)
    return FALSE;
  trawl_image_free (img);
  return TRUE;
}

/* ---- video containers through our reader (src/video/video-reader.c) ---- */

static gboolean
video_collect (GPtrArray *seeds, const char *work, GError **error)
{
  static const char *const vid[] = { ".mp4", ".avi", ".mkv", ".ts", ".mov", NULL };
  const char *seed_dir = g_getenv ("TRAWL_FUZZ_VIDEO_SEEDS");

  (void) work;
  /* Small generated clips when the driver made some (scripts/fuzz), else
   * the smallest shared clips. */
  if (seed_dir != NULL && *seed_dir != '\0')
    {
      g_autoptr (GDir) d = g_dir_open (seed_dir, 0, NULL);
      const char *n;
      while (d != NULL && (n = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *p = g_build_filename (seed_dir, n, NULL);
          FuzzSeed *s = fuzz_seed_from_file (p);
          if (s != NULL)
            g_ptr_array_add (seeds, s);
        }
    }
  if (seeds->len == 0)
    add_data_files (seeds, "videos/people", vid, 1100 << 10, 2);
  return need_seeds (seeds, "video clips in the data folder or $TRAWL_FUZZ_VIDEO_SEEDS", error);
}

static gboolean
video_run (const char *path, const guint8 *data, gsize len, const char *work)
{
  TrawlVideoOptions opts;
  TrawlVideoFrame *f;
  GError *error = NULL;

  (void) data; (void) len; (void) work;
  trawl_video_options_init (&opts);
  opts.threads = 1;
  TrawlVideoReader *r = trawl_video_reader_open (path, &opts, NULL);
  if (r == NULL)
    return FALSE;
  /* A few frames: the demuxer and decoder setup are what a damaged
   * container reaches first. */
  for (int i = 0; i < 6 && (f = trawl_video_reader_next (r, &error)) != NULL; i++)
    trawl_video_frame_free (f);
  trawl_video_reader_free (r);
  gboolean ok = error == NULL;
  g_clear_error (&error);
  return ok;
}

/* ---- the table ---- */

static const FuzzTarget targets[] = {
  { "onnx", "trawl_nn_load_onnx", onnx_collect, onnx_run, 64 << 10, FALSE },
  { "faceapi-manifest", "trawl_nn_load_faceapi (manifest)", faceapi_manifest_collect,
    faceapi_run, 0, TRUE },
  { "faceapi-shard", "trawl_nn_load_faceapi (weights shard)", faceapi_shard_collect,
    faceapi_shard_run, 0, FALSE },
  { "labels-csv", "trawl_csv_parse", csv_collect, csv_run, 0, FALSE },
  { "vectors", "trawl_vector_store_load(_mapped), footer re-made", vectors_collect, vectors_run, 0, FALSE },
  { "catalog", "trawl_case_open + trawl_case_check", catalog_collect, catalog_run, 0, FALSE },
  { "evidence", "trawl_evidence_verify (manifest.json)", evidence_collect, evidence_run, 0, TRUE },
  { "image", "trawl_image_load_from_memory", image_collect, image_run, 0, FALSE },
  { "video", "trawl_video_reader_open + next", video_collect, video_run, 4 << 10, FALSE },
};

const FuzzTarget *
fuzz_targets (guint *n)
{
  *n = G_N_ELEMENTS (targets);
  return targets;
}
