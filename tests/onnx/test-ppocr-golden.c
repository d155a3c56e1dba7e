/* test-ppocr-golden.c - PP-OCRv4 det and rec on trawl's engine against
 * onnxruntime-node, live.
 *
 * For real plate crops and scene photos from the shared data, this program
 * makes the input tensor itself (trawl_ocr_rec_input / _det_input), writes
 * it as raw float32, runs tests/reference/ppocr-run.mjs on it, runs the same
 * tensor through trawl_nn_load_onnx + a CPU plan, and compares:
 *   rec: max |ours - ref| over the softmax output <= REC_TOL, and the CTC
 *        text decoded from ours equals the text decoded from the reference;
 *   det: max |ours - ref| over the probability map <= DET_TOL, and the DB
 *        boxes (in map px) agree in number and within 1 px per corner.
 * Skips when node, onnxruntime-node, the models or the data are missing.
 */
#include <locale.h>
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <trawl/base.h>
#include <trawl/image.h>
#include <trawl/nn.h>
#include <trawl/ocr.h>
#include "../common/trawl-test.h"

#define REC_TOL 1e-3
#define DET_TOL 1e-3

static const char *const cn_crops[] = { "cn_s0001.jpg", "cn_s0002.jpg", "cn_s0003.jpg",
                                        "cn_s0050.jpg", "cn_s0120.jpg", "cn_s0199.jpg" };
static const char *const us_crops[] = { "uscrop_s001.png", "uscrop_s040.png",
                                        "uscrop_s090.png", "uscrop_s150.png" };
static const char *const scenes[] = { "oalpr_eu_s001.jpg", "oalpr_br_s002.jpg",
                                      "oalpr_us_s005.jpg" };

typedef struct {
  char *node;      /* node executable */
  char *script;    /* ppocr-run.mjs */
  char *data;      /* shared data root */
  char *det;       /* model paths */
  char *rec;
  char *keys;
  char *tmpdir;
} Env;

static Env env;

/* Why the golden tests cannot run here, or NULL when they can. */
static char *
setup_env (void)
{
  const char *src = g_getenv ("TRAWL_SOURCE_ROOT");
  GError *err = NULL;

  if (!src)
    src = TRAWL_TEST_SRCDIR "/../..";
  env.node = g_find_program_in_path ("node");
  if (!env.node)
    return g_strdup ("node is not on PATH");
  g_autofree char *ort = g_build_filename (src, "tests", "reference", "node_modules",
                                           "onnxruntime-node", "package.json", NULL);
  if (!g_file_test (ort, G_FILE_TEST_EXISTS))
    return g_strdup_printf ("onnxruntime-node is not installed in tests/reference "
                            "(npm ci there; %s missing)", ort);
  env.script = g_build_filename (src, "tests", "reference", "ppocr-run.mjs", NULL);
  env.data = trawl_test_data_dir ();
  g_autofree char *probe = g_build_filename (env.data, "plates", "crops_cn", NULL);
  if (!g_file_test (probe, G_FILE_TEST_IS_DIR))
    return g_strdup_printf ("shared data not found at %s (set TRAWL_DATA)", env.data);
  env.det = trawl_model_path ("ocr-models/ch_PP-OCRv4_det_infer.onnx", &err);
  if (env.det)
    env.rec = trawl_model_path ("ocr-models/ch_PP-OCRv4_rec_infer.onnx", &err);
  if (env.rec)
    env.keys = trawl_model_path ("ocr-models/ppocr_keys_v1.txt", &err);
  if (!env.keys)
    {
      char *why = g_strdup_printf ("PP-OCR models missing (run scripts/setup): %s",
                                   err->message);
      g_error_free (err);
      return why;
    }
  env.tmpdir = g_dir_make_tmp ("trawl-golden-XXXXXX", &err);
  g_assert_no_error (err);
  return NULL;
}

static void
teardown_env (void)
{
  if (env.tmpdir)
    {
      GDir *d = g_dir_open (env.tmpdir, 0, NULL);
      const char *name;
      while (d && (name = g_dir_read_name (d)))
        {
          g_autofree char *p = g_build_filename (env.tmpdir, name, NULL);
          g_unlink (p);
        }
      if (d)
        g_dir_close (d);
      g_rmdir (env.tmpdir);
    }
  g_free (env.node);
  g_free (env.script);
  g_free (env.data);
  g_free (env.det);
  g_free (env.rec);
  g_free (env.keys);
  g_free (env.tmpdir);
}

/* Runs the reference on x[dims] and returns its first output (g_free);
 * out_dims/out_ndim receive the output's shape. Fails the test on error. */
static float *
run_reference (const char *model, const float *x, const int64_t dims[4],
               int64_t *out_dims, int *out_ndim, double *ms)
{
  GError *err = NULL;
  g_autofree char *in = g_build_filename (env.tmpdir, "in.f32", NULL);
  g_autofree char *out = g_build_filename (env.tmpdir, "out.f32", NULL);
  gsize n = (gsize) (dims[0] * dims[1] * dims[2] * dims[3]);
  char d[4][24];

  g_assert_true (g_file_set_contents (in, (const char *) x, (gssize) (n * 4), &err));
  g_assert_no_error (err);
  for (int i = 0; i < 4; i++)
    g_snprintf (d[i], sizeof d[i], "%" G_GINT64_FORMAT, dims[i]);
  g_autoptr (GSubprocess) p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                | G_SUBPROCESS_FLAGS_STDERR_PIPE, &err,
                                                env.node, env.script, model, in, d[0],
                                                d[1], d[2], d[3], out, NULL);
  g_assert_no_error (err);
  g_autofree char *sout = NULL, *serr = NULL;
  g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &sout, &serr, &err));
  g_assert_no_error (err);
  if (!g_subprocess_get_successful (p))
    g_error ("reference failed: %s", serr);

  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_data (parser, sout, -1, &err));
  g_assert_no_error (err);
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));
  JsonArray *a = json_object_get_array_member (o, "dims");
  *out_ndim = (int) json_array_get_length (a);
  gsize count = 1;
  for (int i = 0; i < *out_ndim; i++)
    {
      out_dims[i] = json_array_get_int_element (a, (guint) i);
      count *= (gsize) out_dims[i];
    }
  *ms = json_object_get_double_member (o, "ms");
  char *bytes = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (out, &bytes, &len, &err));
  g_assert_no_error (err);
  g_assert_cmpuint (len, ==, count * 4);
  return (float *) (void *) bytes;
}

/* Runs our engine on x[dims]; returns output 0 (g_free) and its shape. */
static float *
run_ours (TrawlNnGraph *g, const float *x, const int64_t dims[4], TrawlNnTensor *shape,
          double *ms)
{
  GError *err = NULL;
  TrawlNnTensor in = { .dtype = TRAWL_NN_F32, .ndim = 4, .data = (void *) x };
  TrawlNnPlanOptions opts = { .backend = TRAWL_NN_BACKEND_CPU, .n_threads = 0 };
  TrawlNnTensor out;

  memcpy (in.dims, dims, sizeof (int64_t) * 4);
  TrawlNnPlan *plan = trawl_nn_plan_new (g, &in, 1, &opts, &err);
  g_assert_no_error (err);
  gint64 t0 = g_get_monotonic_time ();
  g_assert_true (trawl_nn_plan_run (plan, &in, 1, &out, 1, &err));
  *ms = (g_get_monotonic_time () - t0) / 1000.0;
  g_assert_no_error (err);
  float *copy = g_memdup2 (out.data, sizeof (float) * (gsize) trawl_nn_tensor_numel (&out));
  *shape = out;
  shape->data = NULL;
  trawl_nn_plan_free (plan);
  return copy;
}

static double
max_abs_diff (const float *a, const float *b, gsize n)
{
  double m = 0;

  for (gsize i = 0; i < n; i++)
    {
      double d = fabs ((double) a[i] - b[i]);
      if (!(d <= m))  /* NaN counts as infinitely wrong */
        m = isnan (d) ? INFINITY : d;
    }
  return m;
}

/* labels.csv: file -> plate text (first two columns). */
static GHashTable *
load_labels (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "labels.csv", NULL);
  g_autofree char *text = NULL;
  GHashTable *h = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return h;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (int i = 1; lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], ",", 3);
      if (f[0] && f[1])
        g_hash_table_insert (h, g_strdup (f[0]), g_strdup (f[1]));
    }
  return h;
}

/* Letters and digits only (plates are compared so; PP-OCR reads the dot
 * between a Chinese plate's region and number as a character). */
static char *
alnum_only (const char *s)
{
  GString *o = g_string_new (NULL);

  for (const char *p = s; *p; p = g_utf8_next_char (p))
    if (g_unichar_isalnum (g_utf8_get_char (p)))
      g_string_append_unichar (o, g_utf8_get_char (p));
  return g_string_free (o, FALSE);
}

static void
test_rec_golden (void)
{
  enum { H = 48, W = 320 };
  const int n_cn = G_N_ELEMENTS (cn_crops), n = n_cn + G_N_ELEMENTS (us_crops);
  float *x = g_new0 (float, (gsize) n * 3 * H * W);
  g_autofree char *cn_dir = g_build_filename (env.data, "plates", "crops_cn", NULL);
  g_autofree char *us_dir = g_build_filename (env.data, "plates", "crops_us", NULL);
  g_autoptr (GHashTable) cn_labels = load_labels (cn_dir);
  g_autoptr (GHashTable) us_labels = load_labels (us_dir);
  GError *err = NULL;

  for (int i = 0; i < n; i++)
    {
      const char *name = i < n_cn ? cn_crops[i] : us_crops[i - n_cn];
      g_autofree char *p = g_build_filename (i < n_cn ? cn_dir : us_dir, name, NULL);
      g_autoptr (TrawlImage) img = trawl_image_load (p, &err);
      g_assert_no_error (err);
      trawl_ocr_rec_input (img, H, W, x + (gsize) i * 3 * H * W);
    }
  const int64_t dims[4] = { n, 3, H, W };
  int64_t rdims[6];
  int rnd;
  double ref_ms, our_ms;
  float *ref = run_reference (env.rec, x, dims, rdims, &rnd, &ref_ms);

  TrawlNnGraph *g = trawl_nn_load_onnx (env.rec, &err);
  g_assert_no_error (err);
  TrawlNnTensor shape;
  float *ours = run_ours (g, x, dims, &shape, &our_ms);
  trawl_nn_graph_unref (g);

  g_assert_cmpint (rnd, ==, 3);
  g_assert_cmpint (shape.ndim, ==, 3);
  for (int i = 0; i < 3; i++)
    g_assert_cmpint (shape.dims[i], ==, rdims[i]);
  int T = (int) rdims[1], C = (int) rdims[2];
  double err_max = max_abs_diff (ours, ref, (gsize) n * T * C);
  g_test_message ("rec [%d,3,48,320] -> [%d,%d,%d]: max |ours - ref| = %.3g "
                  "(ours %.1f ms, onnxruntime %.1f ms, 1 thread)",
                  n, n, T, C, err_max, our_ms, ref_ms);

  g_autoptr (TrawlOcrDict) dict = trawl_ocr_dict_load (env.keys, &err);
  g_assert_no_error (err);
  int same = 0, labelled = 0;
  for (int i = 0; i < n; i++)
    {
      const char *name = i < n_cn ? cn_crops[i] : us_crops[i - n_cn];
      g_autoptr (TrawlOcrText) a = trawl_ocr_ctc_decode (dict, ours + (gsize) i * T * C, T, C, &err);
      g_assert_no_error (err);
      g_autoptr (TrawlOcrText) b = trawl_ocr_ctc_decode (dict, ref + (gsize) i * T * C, T, C, &err);
      g_assert_no_error (err);
      const char *label = g_hash_table_lookup (i < n_cn ? cn_labels : us_labels, name);
      g_test_message ("%s: ours '%s' (%.3f), ref '%s', label '%s'", name, a->text, a->score,
                      b->text, label ? label : "?");
      same += strcmp (a->text, b->text) == 0;
      g_autofree char *norm = alnum_only (a->text);
      labelled += label && i < n_cn && strcmp (norm, label) == 0;
      g_assert_cmpstr (a->text, ==, b->text);
    }
  g_test_message ("rec: %d/%d texts identical to the reference; %d/%d Chinese crops "
                  "match their labels", same, n, labelled, n_cn);
  g_assert_cmpfloat (err_max, <=, REC_TOL);
  g_free (ours);
  g_free (ref);
  g_free (x);
}

/* Largest corner coordinate difference between two boxes, px. */
static float
box_distance (const TrawlOcrBox *a, const TrawlOcrBox *b)
{
  float m = 0;

  for (int k = 0; k < 4; k++)
    m = MAX (m, MAX (fabsf (a->pts[k].x - b->pts[k].x), fabsf (a->pts[k].y - b->pts[k].y)));
  return m;
}

static void
test_det_golden (void)
{
  g_autofree char *dir = g_build_filename (env.data, "plates", "images", NULL);
  GError *err = NULL;
  TrawlNnGraph *g = trawl_nn_load_onnx (env.det, &err);
  double worst = 0;
  float worst_box = 0;

  g_assert_no_error (err);
  for (guint s = 0; s < G_N_ELEMENTS (scenes); s++)
    {
      g_autofree char *p = g_build_filename (dir, scenes[s], NULL);
      g_autoptr (TrawlImage) img = trawl_image_load (p, &err);
      g_assert_no_error (err);
      int w, h;
      float *x = trawl_ocr_det_input (img, 960, &w, &h);
      const int64_t dims[4] = { 1, 3, h, w };
      int64_t rdims[6];
      int rnd;
      double ref_ms, our_ms;
      float *ref = run_reference (env.det, x, dims, rdims, &rnd, &ref_ms);
      TrawlNnTensor shape;
      float *ours = run_ours (g, x, dims, &shape, &our_ms);

      g_assert_cmpint (rnd, ==, 4);
      g_assert_cmpint (shape.ndim, ==, 4);
      for (int i = 0; i < 4; i++)
        g_assert_cmpint (shape.dims[i], ==, rdims[i]);
      g_assert_cmpint (rdims[2], ==, h);
      g_assert_cmpint (rdims[3], ==, w);
      double e = max_abs_diff (ours, ref, (gsize) w * h);
      worst = MAX (worst, e);

      GArray *bo = trawl_ocr_db_boxes (ours, w, h, w, h, NULL);
      GArray *br = trawl_ocr_db_boxes (ref, w, h, w, h, NULL);
      g_test_message ("%s %dx%d -> [1,3,%d,%d]: max |ours - ref| = %.3g, boxes %u/%u "
                      "(ours %.1f ms, onnxruntime %.1f ms)", scenes[s], img->width,
                      img->height, h, w, e, bo->len, br->len, our_ms, ref_ms);
      g_assert_cmpuint (br->len, >, 0);  /* a plate photo has text */
      g_assert_cmpuint (bo->len, ==, br->len);
      /* Match by position, not by index: a 1 px shift may reorder boxes on
       * one line. */
      for (guint i = 0; i < bo->len; i++)
        {
          const TrawlOcrBox *a = &g_array_index (bo, TrawlOcrBox, i);
          float best = INFINITY;
          for (guint j = 0; j < br->len; j++)
            best = MIN (best, box_distance (a, &g_array_index (br, TrawlOcrBox, j)));
          worst_box = MAX (worst_box, best);
          if (best > 1)
            g_error ("%s: box %u (%.0f,%.0f) has no reference box within 1 px (nearest %.1f)",
                     scenes[s], i, a->pts[0].x, a->pts[0].y, best);
        }
      g_array_unref (bo);
      g_array_unref (br);
      g_free (ours);
      g_free (ref);
      g_free (x);
      g_assert_cmpfloat (e, <=, DET_TOL);
    }
  g_test_message ("det: worst max |ours - ref| = %.3g over %u images; boxes differ by "
                  "at most %.0f px", worst, (guint) G_N_ELEMENTS (scenes), worst_box);
  trawl_nn_graph_unref (g);
}

static void
skip_test (gconstpointer why)
{
  g_test_skip (why);
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "C.UTF-8");  /* messages carry Chinese plate text */
  g_test_init (&argc, &argv, NULL);
  g_autofree char *why = setup_env ();
  if (why)
    {
      g_test_add_data_func ("/onnx/golden/rec", why, skip_test);
      g_test_add_data_func ("/onnx/golden/det", why, skip_test);
    }
  else
    {
      g_test_add_func ("/onnx/golden/rec", test_rec_golden);
      g_test_add_func ("/onnx/golden/det", test_det_golden);
    }
  int rc = g_test_run ();
  teardown_env ();
  return rc;
}
