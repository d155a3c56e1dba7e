/* test-gpu-models.c - the five models (PP-OCRv4 det/rec, face-api SSD,
 * landmarks, recognition) on the CUDA backend against the CPU backend,
 * batch 2 where the input size is free: FP32 tight, TF32 and FP16 looser
 * on every output (random inputs), plus what the pipelines read at FP16
 * and TF32 on real images: face embeddings (cosine), SSD boxes after NMS
 * (IoU) and the plate text from CTC (identical). Also, with no GPU needed
 * (CUDA builds), that every planned node of every model has a CUDA op.
 * Skips without a GPU, and without the models (scripts/setup fetches
 * them) or the labelled data. */
#include "gpu-test-util.h"
#include "../common/trawl-test.h"
#include "nn/nn-backend.h"

#include <trawl/base.h>
#include <trawl/faces-post.h>
#include <trawl/image.h>

/* Relative tolerance for whole networks: FP32 on both sides, but cuDNN's
 * algorithms sum in other orders over dozens of layers. */
#define MODEL_TOL 2e-3
/* TF32/FP16: max |gpu - cpu| over the output's largest magnitude, after
 * dozens of layers of 10-bit-mantissa products on random inputs. */
#define MODEL_TF32_TOL 2e-2
#define MODEL_FP16_TOL 5e-2
/* What the pipelines consume must hardly move. */
#define EMBED_COS_MIN 0.999
#define BOX_IOU_MIN   0.95

/* Loads the model rel (g_free'd path aside) and fills shapes with its
 * inputs, free sizes batch 2 and spatial 320 (a multiple of 32 for
 * PP-OCR det, a typical line width for rec). NULL after a skip. */
static TrawlNnGraph *
load_model (const char *rel, TrawlNnTensor *shapes, int *n)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = trawl_test_need_model (rel);
  TrawlNnGraph *g;

  if (path == NULL)
    return NULL;
  g = trawl_nn_load (path, &error);
  g_assert_no_error (error);
  *n = trawl_nn_graph_n_inputs (g);
  g_assert_cmpint (*n, <=, 8);
  for (int i = 0; i < *n; i++)
    {
      g_assert_true (trawl_nn_graph_input_info (g, i, &shapes[i]));
      for (int d = 0; d < shapes[i].ndim; d++)
        if (shapes[i].dims[d] < 0)
          shapes[i].dims[d] = d == 0 ? 2 : 320;
    }
  return g;
}

typedef struct {
  const char      *model;
  TrawlNnPrecision prec;
  double           tol;
} ModelCase;

static void
model_case (gconstpointer data)
{
  const ModelCase *mc = data;
  TrawlNnTensor shapes[8];
  TrawlNnGraph *g;
  int n;

  if (!need_gpu ())
    return;
  g = load_model (mc->model, shapes, &n);
  if (g == NULL)
    return;
  assert_graph_parity_prec (g, shapes, n, mc->prec, mc->tol);
  trawl_nn_graph_unref (g);
}

/* Every live node of the model, planned for the CPU, has a CUDA op that
 * takes it (cuDNN algorithm choice aside, which needs the GPU). */
static void
coverage_case (gconstpointer data)
{
#if TRAWL_HAVE_CUDA
  g_autoptr (GError) error = NULL;
  TrawlNnPlanOptions o = { .backend = TRAWL_NN_BACKEND_CPU, .n_threads = 1 };
  TrawlNnTensor shapes[8];
  TrawlNnGraph *g = load_model (data, shapes, &(int) { 0 });
  int n;

  if (g == NULL)
    return;
  n = trawl_nn_graph_n_inputs (g);
  for (int prec = TRAWL_NN_PRECISION_FP32; prec <= TRAWL_NN_PRECISION_FP16; prec++)
    {
      TrawlNnPlan *p = trawl_nn_plan_new (g, shapes, n, &o, &error);
      char **left;
      char *s;

      g_assert_no_error (error);
      left = _trawl_nn_backend_plan_check (TRAWL_NN_BACKEND_CUDA, p, (TrawlNnPrecision) prec, &error);
      g_assert_no_error (error);
      s = g_strjoinv (", ", left);
      g_test_message ("%s: %d live nodes, left on the CPU: [%s]", (const char *) data,
                      _trawl_nn_plan_n_live_nodes (p), s);
      g_assert_cmpstr (s, ==, "");
      g_free (s);
      g_strfreev (left);
      trawl_nn_plan_free (p);
    }
  trawl_nn_graph_unref (g);
#else
  (void) data;
  g_test_skip ("built without CUDA");
#endif
}

/* Plans g for one input of shape on backend/precision, runs it on x and
 * returns copies of its first n_out outputs (g_free each). */
static void
run_copy (TrawlNnGraph *g, const TrawlNnTensor *shape, const float *x, gboolean cuda,
          TrawlNnPrecision prec, int n_out, float **out, int64_t *numel_out)
{
  g_autoptr (GError) error = NULL;
  TrawlNnPlanOptions o = { .backend = cuda ? TRAWL_NN_BACKEND_CUDA : TRAWL_NN_BACKEND_CPU,
                           .n_threads = 0, .precision = prec };
  TrawlNnTensor in = *shape, res[8];
  TrawlNnPlan *p = trawl_nn_plan_new (g, shape, 1, &o, &error);

  g_assert_no_error (error);
  in.data = (void *) x;
  g_assert_true (trawl_nn_plan_run (p, &in, 1, res, n_out, &error));
  g_assert_no_error (error);
  for (int i = 0; i < n_out; i++)
    {
      numel_out[i] = trawl_nn_tensor_numel (&res[i]);
      out[i] = g_memdup2 (res[i].data, numel_out[i] * sizeof (float));
    }
  trawl_nn_plan_free (p);
}

/* A face-api input of side size from a sample image in the model cache. */
static float *
face_input (int size, int *w, int *h)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = trawl_test_need_model ("face-api/sample1.jpg");
  TrawlImage *img;
  float *x;

  if (path == NULL)
    return NULL;
  img = trawl_image_load (path, &error);
  g_assert_no_error (error);
  x = g_new (float, 3 * size * size);
  trawl_faces_prepare_input (img, 0, 0, img->width, img->height, size, FALSE, x);
  *w = img->width;
  *h = img->height;
  trawl_image_free (img);
  return x;
}

static double
cosine (const float *a, const float *b, int64_t n)
{
  double ab = 0, aa = 0, bb = 0;

  for (int64_t i = 0; i < n; i++)
    {
      ab += (double) a[i] * b[i];
      aa += (double) a[i] * a[i];
      bb += (double) b[i] * b[i];
    }
  return ab / sqrt (MAX (aa * bb, 1e-30));
}

static void
test_embedding_cosine (void)
{
  TrawlNnTensor shape = { TRAWL_NN_F32, 4, { 1, 3, TRAWL_FACES_REC_SIZE, TRAWL_FACES_REC_SIZE }, NULL };
  TrawlNnTensor shapes[8];
  TrawlNnGraph *g;
  float *x, *ref, *got;
  int64_t n, m;
  int w, h, ni;

  if (!need_gpu ())
    return;
  g = load_model ("face-api/face_recognition_model-weights_manifest.json", shapes, &ni);
  if (g == NULL)
    return;
  x = face_input (TRAWL_FACES_REC_SIZE, &w, &h);
  if (x == NULL)
    {
      trawl_nn_graph_unref (g);
      return;
    }
  run_copy (g, &shape, x, FALSE, TRAWL_NN_PRECISION_FP32, 1, &ref, &n);
  for (int prec = TRAWL_NN_PRECISION_FP32; prec <= TRAWL_NN_PRECISION_FP16; prec++)
    {
      double cs;

      run_copy (g, &shape, x, TRUE, (TrawlNnPrecision) prec, 1, &got, &m);
      g_assert_cmpint (m, ==, n);
      cs = cosine (got, ref, n);
      g_test_message ("recognition precision %d: cosine %.6f", prec, cs);
      g_assert_cmpfloat (cs, >=, EMBED_COS_MIN);
      g_free (got);
    }
  g_free (ref);
  g_free (x);
  trawl_nn_graph_unref (g);
}

static void
test_ssd_boxes (void)
{
  TrawlNnTensor shape = { TRAWL_NN_F32, 4, { 1, 3, TRAWL_FACES_SSD_SIZE, TRAWL_FACES_SSD_SIZE }, NULL };
  TrawlNnTensor shapes[8];
  TrawlNnGraph *g;
  float *x, *ref[2];
  int64_t n[2];
  GArray *want;
  int w, h, ni;

  if (!need_gpu ())
    return;
  g = load_model ("face-api/ssd_mobilenetv1_model-weights_manifest.json", shapes, &ni);
  if (g == NULL)
    return;
  x = face_input (TRAWL_FACES_SSD_SIZE, &w, &h);
  if (x == NULL)
    {
      trawl_nn_graph_unref (g);
      return;
    }
  run_copy (g, &shape, x, FALSE, TRAWL_NN_PRECISION_FP32, 2, ref, n);
  want = trawl_faces_ssd_detect (ref[0], ref[1], w, h, 0.5f, 100);
  g_assert_cmpuint (want->len, >, 0);   /* the sample has a face */
  for (int prec = TRAWL_NN_PRECISION_FP32; prec <= TRAWL_NN_PRECISION_FP16; prec++)
    {
      float *got[2];
      int64_t m[2];
      GArray *have;

      run_copy (g, &shape, x, TRUE, (TrawlNnPrecision) prec, 2, got, m);
      have = trawl_faces_ssd_detect (got[0], got[1], w, h, 0.5f, 100);
      g_test_message ("ssd precision %d: %u boxes (cpu %u)", prec, have->len, want->len);
      g_assert_cmpuint (have->len, ==, want->len);
      for (guint i = 0; i < want->len; i++)
        {
          const TrawlFaceBox *a = &g_array_index (want, TrawlFaceBox, i);
          float best = 0;

          for (guint j = 0; j < have->len; j++)
            best = MAX (best, trawl_post_iou (&a->box, &g_array_index (have, TrawlFaceBox, j).box));
          g_test_message ("  box %u: best IoU %.4f", i, best);
          g_assert_cmpfloat (best, >=, BOX_IOU_MIN);
        }
      g_array_unref (have);
      g_free (got[0]);
      g_free (got[1]);
    }
  g_array_unref (want);
  g_free (ref[0]);
  g_free (ref[1]);
  g_free (x);
  trawl_nn_graph_unref (g);
}

/* Greedy CTC over [T, C] probabilities: best class per step, repeats
 * merged, blank (0) dropped; the class indices as a string of numbers. */
static char *
ctc_greedy (const float *p, int64_t t, int64_t c)
{
  GString *s = g_string_new (NULL);
  int64_t prev = 0;

  for (int64_t i = 0; i < t; i++)
    {
      int64_t best = 0;

      for (int64_t k = 1; k < c; k++)
        if (p[i * c + k] > p[i * c + best])
          best = k;
      if (best != 0 && best != prev)
        g_string_append_printf (s, "%" G_GINT64_FORMAT " ", best);
      prev = best;
    }
  return g_string_free (s, FALSE);
}

static void
test_ocr_ctc (void)
{
  g_autoptr (GError) error = NULL;
  TrawlNnTensor shape = { TRAWL_NN_F32, 4, { 1, 3, 48, 320 }, NULL };
  TrawlNnTensor shapes[8];
  g_autofree char *path = NULL;
  TrawlNnGraph *g;
  TrawlImage *img, *rs;
  float *x, *ref;
  int64_t n;
  char *want;
  int ni;

  if (!need_gpu ())
    return;
  path = trawl_test_need_data ("plates/crops_cn/cn_s0001.jpg");
  if (path == NULL)
    return;
  g = load_model ("ocr-models/ch_PP-OCRv4_rec_infer.onnx", shapes, &ni);
  if (g == NULL)
    return;
  img = trawl_image_load (path, &error);
  g_assert_no_error (error);
  rs = trawl_image_resize (img, 320, 48);
  /* PP-OCR's normalisation: (v / 255 - 0.5) / 0.5, planar */
  x = g_new (float, 3 * 48 * 320);
  for (int y = 0; y < 48; y++)
    for (int i = 0; i < 320; i++)
      for (int ch = 0; ch < 3; ch++)
        x[(ch * 48 + y) * 320 + i] = (rs->data[y * rs->stride + 3 * i + ch] / 255.0f - 0.5f) / 0.5f;
  run_copy (g, &shape, x, FALSE, TRAWL_NN_PRECISION_FP32, 1, &ref, &n);
  /* output [1, T, C]: T = 40 steps for a 320 px line */
  want = ctc_greedy (ref, 40, n / 40);
  g_test_message ("ctc cpu: %s", want);
  g_assert_cmpstr (want, !=, "");
  for (int prec = TRAWL_NN_PRECISION_FP32; prec <= TRAWL_NN_PRECISION_FP16; prec++)
    {
      float *got;
      int64_t m;
      char *have;

      run_copy (g, &shape, x, TRUE, (TrawlNnPrecision) prec, 1, &got, &m);
      g_assert_cmpint (m, ==, n);
      have = ctc_greedy (got, 40, m / 40);
      g_test_message ("ctc precision %d: %s", prec, have);
      g_assert_cmpstr (have, ==, want);
      g_free (have);
      g_free (got);
    }
  g_free (want);
  g_free (ref);
  g_free (x);
  trawl_image_free (rs);
  trawl_image_free (img);
  trawl_nn_graph_unref (g);
}

static const char *models[][2] = {
  { "ppocr-det", "ocr-models/ch_PP-OCRv4_det_infer.onnx" },
  { "ppocr-rec", "ocr-models/ch_PP-OCRv4_rec_infer.onnx" },
  { "faceapi-ssd", "face-api/ssd_mobilenetv1_model-weights_manifest.json" },
  { "faceapi-landmarks", "face-api/face_landmark_68_model-weights_manifest.json" },
  { "faceapi-recognition", "face-api/face_recognition_model-weights_manifest.json" },
};

int
main (int argc, char **argv)
{
  static ModelCase cases[G_N_ELEMENTS (models)][3];
  static const char *pname[3] = { "", "/tf32", "/fp16" };
  static const double ptol[3] = { MODEL_TOL, MODEL_TF32_TOL, MODEL_FP16_TOL };

  g_test_init (&argc, &argv, NULL);
  for (guint m = 0; m < G_N_ELEMENTS (models); m++)
    {
      g_autofree char *cov = g_strdup_printf ("/gpu/model/coverage/%s", models[m][0]);

      g_test_add_data_func (cov, models[m][1], coverage_case);
      for (int p = 0; p < 3; p++)
        {
          g_autofree char *name = g_strdup_printf ("/gpu/model/%s%s", models[m][0], pname[p]);

          cases[m][p] = (ModelCase) { models[m][1], (TrawlNnPrecision) p, ptol[p] };
          g_test_add_data_func (name, &cases[m][p], model_case);
        }
    }
  g_test_add_func ("/gpu/model/faceapi-recognition/embedding-cosine", test_embedding_cosine);
  g_test_add_func ("/gpu/model/faceapi-ssd/boxes-after-nms", test_ssd_boxes);
  g_test_add_func ("/gpu/model/ppocr-rec/ctc-text", test_ocr_ctc);
  return g_test_run ();
}
