/* test-faceapi-unit.c - the face-api weights reader, the architecture
 * builders' error paths, SSD anchors, IoU and NMS.
 *
 * Synthetic manifests and shards are written to a temp folder; expected
 * values are worked out by hand from the tfjs format (w = q * scale + min,
 * IEEE half). The real manifests (model cache) are used when present.
 */
#include <trawl/base.h>
#include <trawl/faces-post.h>
#include <trawl/nn.h>
#include "nn/faceapi/faceapi-private.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static char *tmpdir;

/* Writes name in tmpdir; returns the full path (free with g_free). */
static char *
put_file (const char *name, const void *data, gsize len)
{
  char *path = g_build_filename (tmpdir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (path, data, (gssize) len, &error));
  g_assert_no_error (error);
  return path;
}

static TrawlFaceapiWeights *
parse (const char *json, GError **error)
{
  return _trawl_faceapi_weights_parse (json, -1, tmpdir, error);
}

/* A model file from the cache, or NULL (test skipped) when absent. */
static char *
model_or_skip (const char *dest)
{
  g_autoptr (GError) error = NULL;
  char *path = trawl_model_path (dest, &error);

  if (path == NULL)
    g_test_skip_printf ("model %s missing (run scripts/setup): %s", dest, error->message);
  return path;
}

static void
test_half (void)
{
  g_assert_cmpfloat (_trawl_faceapi_half_to_float (0x3c00), ==, 1.0f);
  g_assert_cmpfloat (_trawl_faceapi_half_to_float (0xc000), ==, -2.0f);
  g_assert_cmpfloat (_trawl_faceapi_half_to_float (0x7bff), ==, 65504.0f);
  g_assert_cmpfloat (_trawl_faceapi_half_to_float (0x3555), ==, (1.0f + 0x155 / 1024.0f) * 0.25f);  /* 1/3 rounded */
  g_assert_cmpfloat (_trawl_faceapi_half_to_float (0x0001), ==, ldexpf (1.0f, -24));
  g_assert_cmpfloat (_trawl_faceapi_half_to_float (0x8000), ==, 0.0f);
  g_assert_true (signbit (_trawl_faceapi_half_to_float (0x8000)));
  g_assert_true (isinf (_trawl_faceapi_half_to_float (0x7c00)));
  g_assert_true (isnan (_trawl_faceapi_half_to_float (0x7e00)));
}

/* Every storage kind, a weight split across two shards, two groups. */
static void
test_parse_kinds (void)
{
  /* shard a: u8 [2,2] (4 bytes) + f32 [3] first 2 bytes...;
   * shard b: the rest of the f32, f16 [2], u16 [1], i32 [1], bool [2] */
  float f32[3] = { 1.5f, -0.25f, 1e-3f };
  guint8 stream[4 + 12 + 4 + 2 + 4 + 2];
  guint8 *p = stream;
  gint32 i32 = -7;
  g_autofree char *a = NULL, *b = NULL, *c = NULL;
  g_autoptr (TrawlFaceapiWeights) w = NULL;
  g_autoptr (GError) error = NULL;
  const TrawlFaceapiWeight *x;
  const char *json =
    "[{\"paths\": [\"a.bin\", \"b.bin\"], \"weights\": ["
    " {\"name\": \"u8\", \"shape\": [2, 2], \"dtype\": \"float32\","
    "  \"quantization\": {\"dtype\": \"uint8\", \"min\": -1, \"scale\": 0.5}},"
    " {\"name\": \"f32\", \"shape\": [3], \"dtype\": \"float32\"},"
    " {\"name\": \"f16\", \"shape\": [2], \"dtype\": \"float32\","
    "  \"quantization\": {\"dtype\": \"float16\"}},"
    " {\"name\": \"u16\", \"shape\": [], \"dtype\": \"float32\","
    "  \"quantization\": {\"scale\": 0.001, \"min\": 2.5, \"dtype\": \"uint16\"}},"
    " {\"name\": \"i32\", \"shape\": [1], \"dtype\": \"int32\"},"
    " {\"name\": \"bool\", \"shape\": [2], \"dtype\": \"bool\"}]},"
    " {\"paths\": [\"c.bin\"], \"weights\": ["
    " {\"name\": \"g2\", \"shape\": [1, 1], \"dtype\": \"float32\","
    "  \"quantization\": {\"dtype\": \"uint8\", \"min\": 0.0, \"scale\": 2}}]}]";
  guint8 g2 = 21;

  p[0] = 0; p[1] = 1; p[2] = 2; p[3] = 255; p += 4;
  memcpy (p, f32, 12); p += 12;              /* little-endian host assumed */
  p[0] = 0x00; p[1] = 0x3c; p[2] = 0x00; p[3] = 0xc0; p += 4;
  p[0] = 0x10; p[1] = 0x27; p += 2;          /* 10000 */
  memcpy (p, &i32, 4); p += 4;
  p[0] = 0; p[1] = 3; p += 2;
  g_assert_cmpuint (p - stream, ==, sizeof stream);
  a = put_file ("a.bin", stream, 6);
  b = put_file ("b.bin", stream + 6, sizeof stream - 6);
  c = put_file ("c.bin", &g2, 1);

  w = parse (json, &error);
  g_assert_no_error (error);
  g_assert_nonnull (w);
  g_assert_cmpuint (_trawl_faceapi_weights_count (w), ==, 7);
  g_assert_cmpstr (_trawl_faceapi_weights_nth (w, 1)->name, ==, "f32");

  x = _trawl_faceapi_weights_get (w, "u8");
  g_assert_cmpint (x->ndim, ==, 2);
  g_assert_cmpint (x->numel, ==, 4);
  g_assert_cmpfloat (x->data[0], ==, -1.0f);
  g_assert_cmpfloat (x->data[1], ==, -0.5f);
  g_assert_cmpfloat (x->data[2], ==, 0.0f);
  g_assert_cmpfloat (x->data[3], ==, 126.5f);
  x = _trawl_faceapi_weights_get (w, "f32");
  g_assert_cmpmem (x->data, 12, f32, 12);
  x = _trawl_faceapi_weights_get (w, "f16");
  g_assert_cmpfloat (x->data[0], ==, 1.0f);
  g_assert_cmpfloat (x->data[1], ==, -2.0f);
  x = _trawl_faceapi_weights_get (w, "u16");
  g_assert_cmpint (x->ndim, ==, 0);
  g_assert_cmpfloat (x->data[0], ==, (float) (10000 * 0.001 + 2.5));
  g_assert_cmpfloat (_trawl_faceapi_weights_get (w, "i32")->data[0], ==, -7.0f);
  g_assert_cmpfloat (_trawl_faceapi_weights_get (w, "bool")->data[1], ==, 1.0f);
  g_assert_cmpfloat (_trawl_faceapi_weights_get (w, "g2")->data[0], ==, 42.0f);
  g_assert_null (_trawl_faceapi_weights_get (w, "nope"));
}

typedef struct {
  const char *what;
  const char *json;
  int         code;
} BadCase;

static void
test_parse_errors (void)
{
  guint8 four[4] = { 1, 2, 3, 4 };
  g_autofree char *s = put_file ("four.bin", four, 4);
  static const BadCase cases[] = {
    { "malformed JSON", "[{\"paths\": [", TRAWL_NN_ERROR_FORMAT },
    { "empty text", "", TRAWL_NN_ERROR_FORMAT },
    { "top level object", "{\"paths\": []}", TRAWL_NN_ERROR_FORMAT },
    { "group not object", "[3]", TRAWL_NN_ERROR_FORMAT },
    { "no weights", "[{\"paths\": [\"four.bin\"]}]", TRAWL_NN_ERROR_FORMAT },
    { "missing shard", "[{\"paths\": [\"gone.bin\"], \"weights\": []}]", TRAWL_NN_ERROR_IO },
    { "shard outside folder",
      "[{\"paths\": [\"../four.bin\"], \"weights\": []}]", TRAWL_NN_ERROR_FORMAT },
    { "absolute shard", "[{\"paths\": [\"/etc/passwd\"], \"weights\": []}]",
      TRAWL_NN_ERROR_FORMAT },
    { "shard too long (wrong size)",
      "[{\"paths\": [\"four.bin\"], \"weights\": [{\"name\": \"a\", \"shape\": [3],"
      " \"dtype\": \"float32\", \"quantization\": {\"dtype\": \"uint8\", \"min\": 0,"
      " \"scale\": 1}}]}]", TRAWL_NN_ERROR_FORMAT },
    { "shard truncated",
      "[{\"paths\": [\"four.bin\"], \"weights\": [{\"name\": \"a\", \"shape\": [2],"
      " \"dtype\": \"float32\"}]}]", TRAWL_NN_ERROR_FORMAT },
    { "negative dim",
      "[{\"paths\": [\"four.bin\"], \"weights\": [{\"name\": \"a\", \"shape\": [-4],"
      " \"dtype\": \"float32\"}]}]", TRAWL_NN_ERROR_FORMAT },
    { "huge tensor",
      "[{\"paths\": [\"four.bin\"], \"weights\": [{\"name\": \"a\","
      " \"shape\": [65536, 65536, 65536], \"dtype\": \"float32\"}]}]", TRAWL_NN_ERROR_FORMAT },
    { "shape not array",
      "[{\"paths\": [\"four.bin\"], \"weights\": [{\"name\": \"a\", \"shape\": 4,"
      " \"dtype\": \"float32\"}]}]", TRAWL_NN_ERROR_FORMAT },
    { "no name",
      "[{\"paths\": [\"four.bin\"], \"weights\": [{\"shape\": [1], \"dtype\": \"float32\"}]}]",
      TRAWL_NN_ERROR_FORMAT },
    { "duplicate name",
      "[{\"paths\": [\"four.bin\"], \"weights\": ["
      "{\"name\": \"a\", \"shape\": [2], \"dtype\": \"float32\", \"quantization\":"
      " {\"dtype\": \"float16\"}}, {\"name\": \"a\", \"shape\": [0], \"dtype\": \"float32\"}]}]",
      TRAWL_NN_ERROR_FORMAT },
    { "string dtype",
      "[{\"paths\": [\"four.bin\"], \"weights\": [{\"name\": \"a\", \"shape\": [1],"
      " \"dtype\": \"string\"}]}]", TRAWL_NN_ERROR_UNSUPPORTED },
    { "int8 quantization",
      "[{\"paths\": [\"four.bin\"], \"weights\": [{\"name\": \"a\", \"shape\": [4],"
      " \"dtype\": \"float32\", \"quantization\": {\"dtype\": \"int8\", \"min\": 0,"
      " \"scale\": 1}}]}]", TRAWL_NN_ERROR_UNSUPPORTED },
    { "quantization without min",
      "[{\"paths\": [\"four.bin\"], \"weights\": [{\"name\": \"a\", \"shape\": [4],"
      " \"dtype\": \"float32\", \"quantization\": {\"dtype\": \"uint8\", \"scale\": 1}}]}]",
      TRAWL_NN_ERROR_FORMAT },
    { "path not string", "[{\"paths\": [4], \"weights\": []}]", TRAWL_NN_ERROR_FORMAT },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      TrawlFaceapiWeights *w = parse (cases[i].json, &error);
      if (w != NULL || !g_error_matches (error, TRAWL_NN_ERROR, cases[i].code))
        g_error ("case \"%s\": expected error %d, got %s", cases[i].what, cases[i].code,
                 error ? error->message : "success");
      g_test_message ("%s: %s", cases[i].what, error->message);
    }
}

static void
test_load_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL, *m = NULL, *bin = NULL;
  const char *json = "[{\"paths\": [\"four.bin\"], \"weights\": [{\"name\": \"x\","
                     " \"shape\": [1], \"dtype\": \"float32\"}]}]";
  guint8 four[4] = { 0, 0, 0x80, 0x3f };
  TrawlNnGraph *g;

  g = trawl_nn_load_faceapi ("/nonexistent/ssd_mobilenetv1_model-weights_manifest.json", &error);
  g_assert_null (g);
  g_assert_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_IO);
  g_clear_error (&error);

  m = put_file ("tiny_face_detector_model-weights_manifest.json", json, strlen (json));
  g = trawl_nn_load_faceapi (m, &error);
  g_assert_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  g_free (m);
  m = put_file ("face_landmark_68_tiny_model-weights_manifest.json", json, strlen (json));
  g = trawl_nn_load_faceapi (m, &error);
  g_assert_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_UNSUPPORTED);
  g_clear_error (&error);

  /* a readable manifest whose weights are not the network's: each
   * builder must fail cleanly, naming a weight */
  bin = put_file ("four.bin", four, 4);
  for (int i = 0; i < 3; i++)
    {
      static const char *const names[3] = {
        "ssd_mobilenetv1_model-weights_manifest.json",
        "face_landmark_68_model-weights_manifest.json",
        "face_recognition_model-weights_manifest.json",
      };
      g_autofree char *p = put_file (names[i], json, strlen (json));
      g = trawl_nn_load_faceapi (p, &error);
      g_assert_null (g);
      g_assert_error (error, TRAWL_NN_ERROR, TRAWL_NN_ERROR_FORMAT);
      g_assert_nonnull (strstr (error->message, "missing"));
      g_clear_error (&error);
    }
}

/* The real manifests: counts, and every weight's bytes accounted for. */
static void
test_real_manifests (void)
{
  static const struct { const char *dest; guint n; } m[] = {
    { "face-api/ssd_mobilenetv1_model-weights_manifest.json", 151 },
    { "face-api/face_landmark_68_model-weights_manifest.json", 49 },
    { "face-api/face_recognition_model-weights_manifest.json", 117 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (m); i++)
    {
      g_autofree char *path = model_or_skip (m[i].dest);
      g_autoptr (GError) error = NULL;
      g_autoptr (TrawlFaceapiWeights) w = NULL;

      if (path == NULL)
        return;
      w = _trawl_faceapi_weights_load (path, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (_trawl_faceapi_weights_count (w), ==, m[i].n);
    }
}

/* Quantization on a real weight: the first byte of the shard dequantized by
 * hand must equal the first value of the first weight. */
static void
test_real_first_value (void)
{
  g_autofree char *path = model_or_skip ("face-api/face_landmark_68_model-weights_manifest.json");
  g_autofree char *bin = NULL;
  g_autofree char *bytes = NULL;
  g_autoptr (TrawlFaceapiWeights) w = NULL;
  g_autoptr (GError) error = NULL;
  const TrawlFaceapiWeight *f;
  gsize len;

  if (path == NULL)
    return;
  bin = model_or_skip ("face-api/face_landmark_68_model.bin");
  if (bin == NULL)
    return;
  g_assert_true (g_file_get_contents (bin, &bytes, &len, NULL));
  w = _trawl_faceapi_weights_load (path, &error);
  g_assert_no_error (error);
  f = _trawl_faceapi_weights_nth (w, 0);
  g_assert_cmpstr (f->name, ==, "dense0/conv0/filters");
  g_assert_cmpint (f->dims[0], ==, 3);
  g_assert_cmpint (f->dims[3], ==, 32);
  /* from the manifest: scale 0.004853619781194949, min -0.5872879935245888 */
  g_assert_cmpfloat (f->data[0], ==,
                     (float) ((guint8) bytes[0] * 0.004853619781194949 + -0.5872879935245888));
  /* and the last weight (fc/bias [136]) ends exactly at the end of the file */
  f = _trawl_faceapi_weights_nth (w, 48);
  g_assert_cmpstr (f->name, ==, "fc/bias");
  g_assert_cmpfloat (f->data[135], ==,
                     (float) ((guint8) bytes[len - 1] * 0.0025084222648658005 + 0.07683877646923065));
}

static void
test_anchors (void)
{
  g_autofree char *path = NULL;
  g_autofree float *a = g_new (float, 4 * TRAWL_FACES_SSD_ANCHORS);
  g_autoptr (TrawlFaceapiWeights) w = NULL;
  g_autoptr (GError) error = NULL;
  const TrawlFaceapiWeight *ed;
  double maxerr = 0;

  trawl_faces_ssd_anchors (a);
  /* first anchor: 0.1 square on the first cell of the 32x32 grid */
  g_assert_cmpfloat_with_epsilon (a[0], 0.5 / 32 - 0.05, 1e-7);
  g_assert_cmpfloat_with_epsilon (a[2], 0.5 / 32 + 0.05, 1e-7);
  /* last: the 1x1 map, ratio w/h = 0.3333: three times taller than wide */
  g_assert_cmpfloat_with_epsilon ((a[4 * 5117 + 2] - a[4 * 5117]) /
                                  (a[4 * 5117 + 3] - a[4 * 5117 + 1]), 3.0, 1e-3);

  path = model_or_skip ("face-api/ssd_mobilenetv1_model-weights_manifest.json");
  if (path == NULL)
    return;
  w = _trawl_faceapi_weights_load (path, &error);
  g_assert_no_error (error);
  ed = _trawl_faceapi_weights_get (w, "Output/extra_dim");
  g_assert_nonnull (ed);
  g_assert_cmpint (ed->dims[1], ==, TRAWL_FACES_SSD_ANCHORS);
  for (int i = 0; i < 4 * TRAWL_FACES_SSD_ANCHORS; i++)
    maxerr = MAX (maxerr, fabs ((double) a[i] - ed->data[i]));
  g_test_message ("anchors vs Output/extra_dim: max abs diff %g", maxerr);
  g_assert_cmpfloat (maxerr, <, 1e-6);
}

static void
test_decode (void)
{
  float anchor[4] = { 0.2f, 0.1f, 0.6f, 0.3f };   /* cy .4 cx .2 h .4 w .2 */
  float enc[4] = { 1.0f, -2.0f, 0.0f, 5.0f };
  float logits[3] = { 0.0f, 0.0f, 9.0f };
  TrawlPostBox box;
  float score;

  trawl_faces_ssd_decode (anchor, enc, logits, 1, &box, &score);
  /* y = 1/10 * .4 + .4 = .44; x = -2/10 * .2 + .2 = .16; h = .4; w = e * .2 */
  g_assert_cmpfloat_with_epsilon (box.y0, 0.44 - 0.2, 1e-6);
  g_assert_cmpfloat_with_epsilon (box.y1, 0.44 + 0.2, 1e-6);
  g_assert_cmpfloat_with_epsilon (box.x0, 0.16 - M_E * 0.1, 1e-6);
  g_assert_cmpfloat_with_epsilon (box.x1, 0.16 + M_E * 0.1, 1e-6);
  g_assert_cmpfloat_with_epsilon (score, 0.5, 1e-7);
}

static void
test_iou (void)
{
  TrawlPostBox a = { 0, 0, 10, 10 }, b = { 5, 0, 15, 10 }, c = { 20, 20, 30, 30 };
  TrawlPostBox flipped = { 10, 10, 0, 0 }, empty = { 3, 3, 3, 8 };

  g_assert_cmpfloat_with_epsilon (trawl_post_iou (&a, &b), 50.0 / 150.0, 1e-6);
  g_assert_cmpfloat (trawl_post_iou (&a, &c), ==, 0.0f);
  g_assert_cmpfloat (trawl_post_iou (&a, &a), ==, 1.0f);
  g_assert_cmpfloat (trawl_post_iou (&a, &flipped), ==, 1.0f);
  g_assert_cmpfloat (trawl_post_iou (&a, &empty), ==, 0.0f);
}

static void
test_nms (void)
{
  /* 0 and 1 overlap with IoU 0.6 (suppressed), 2 overlaps 0 with IoU 1/3
   * (kept), 3 is below the score threshold, 4 ties with 2 on score. */
  TrawlPostBox boxes[5] = {
    { 0, 0, 10, 10 }, { 0, 0, 10, 6 }, { 5, 0, 15, 10 }, { 50, 50, 60, 60 },
    { 100, 100, 110, 110 },
  };
  float scores[5] = { 0.9f, 0.95f, 0.7f, 0.4f, 0.7f };
  int keep[5], n;

  n = trawl_post_nms (boxes, scores, 5, 0.5f, 0.5f, 5, keep);
  g_assert_cmpint (n, ==, 3);
  g_assert_cmpint (keep[0], ==, 1);
  g_assert_cmpint (keep[1], ==, 2);
  g_assert_cmpint (keep[2], ==, 4);
  n = trawl_post_nms (boxes, scores, 5, 0.5f, 0.5f, 2, keep);
  g_assert_cmpint (n, ==, 2);
  n = trawl_post_nms (boxes, scores, 5, 0.7f, 0.5f, 5, keep);   /* 0.6 < 0.7 */
  g_assert_cmpint (n, ==, 4);
  g_assert_cmpint (keep[1], ==, 0);
  n = trawl_post_nms (boxes, scores, 0, 0.5f, 0.5f, 5, keep);
  g_assert_cmpint (n, ==, 0);
}

/* A face box in image px from raw SSD outputs: one anchor fires. */
static void
test_ssd_detect_mapping (void)
{
  g_autofree float *enc = g_new0 (float, 4 * TRAWL_FACES_SSD_ANCHORS);
  g_autofree float *logits = g_new0 (float, 3 * TRAWL_FACES_SSD_ANCHORS);
  g_autofree float *anchors = g_new (float, 4 * TRAWL_FACES_SSD_ANCHORS);
  GArray *dets;
  const TrawlFaceBox *f;
  int idx = 3072;   /* first anchor of the 16x16 map: 0.35 square at 1/32 */

  for (int i = 0; i < TRAWL_FACES_SSD_ANCHORS; i++)
    logits[3 * i + 1] = -10.0f;
  logits[3 * idx + 1] = 5.0f;
  trawl_faces_ssd_anchors (anchors);
  /* a 1000 x 500 image fills 512 x 256 of the square: y scales by 2 */
  dets = trawl_faces_ssd_detect (enc, logits, 1000, 500, 0.5f, 100);
  g_assert_cmpuint (dets->len, ==, 1);
  f = &g_array_index (dets, TrawlFaceBox, 0);
  g_assert_cmpfloat_with_epsilon (f->box.x0, 0.0, 1e-4);   /* clamped */
  g_assert_cmpfloat_with_epsilon (f->box.x1, anchors[4 * idx + 3] * 1000, 1e-3);
  g_assert_cmpfloat_with_epsilon (f->box.y1, anchors[4 * idx + 2] * 2 * 500, 1e-3);
  g_assert_cmpfloat_with_epsilon (f->score, 1 / (1 + exp (-5.0)), 1e-6);
  g_array_unref (dets);
}

static void
test_landmarks_map (void)
{
  float raw[136], xy[136];

  for (int i = 0; i < 68; i++)
    {
      raw[2 * i] = 0.5f;    /* the centre of the square */
      raw[2 * i + 1] = 0.25f;
    }
  /* crop 100 x 200 at (10, 20): x padded by 50 on both sides */
  trawl_faces_landmarks_map (raw, 10, 20, 100, 200, xy);
  g_assert_cmpfloat_with_epsilon (xy[0], 10 + 50, 1e-4);
  g_assert_cmpfloat_with_epsilon (xy[1], 20 + 50, 1e-4);
}

int
main (int argc, char **argv)
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("trawl-faceapi-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);
  g_test_add_func ("/faceapi/weights/half", test_half);
  g_test_add_func ("/faceapi/weights/kinds", test_parse_kinds);
  g_test_add_func ("/faceapi/weights/errors", test_parse_errors);
  g_test_add_func ("/faceapi/load/errors", test_load_errors);
  g_test_add_func ("/faceapi/weights/real-manifests", test_real_manifests);
  g_test_add_func ("/faceapi/weights/real-first-value", test_real_first_value);
  g_test_add_func ("/faceapi/ssd/anchors", test_anchors);
  g_test_add_func ("/faceapi/ssd/decode", test_decode);
  g_test_add_func ("/faceapi/ssd/detect-mapping", test_ssd_detect_mapping);
  g_test_add_func ("/faceapi/post/iou", test_iou);
  g_test_add_func ("/faceapi/post/nms", test_nms);
  g_test_add_func ("/faceapi/post/landmarks-map", test_landmarks_map);
  rc = g_test_run ();
  {
    /* remove what we wrote */
    GDir *d = g_dir_open (tmpdir, 0, NULL);
    const char *name;
    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *p = g_build_filename (tmpdir, name, NULL);
        g_remove (p);
      }
    if (d != NULL)
      g_dir_close (d);
    g_rmdir (tmpdir);
    g_free (tmpdir);
  }
  return rc;
}
