/* test-gpu-models.c - the five models (PP-OCRv4 det/rec, face-api SSD,
 * landmarks, recognition) on the CUDA backend against the CPU backend,
 * batch 2 where the input size is free. Skips without a GPU, and without
 * the models (scripts/setup fetches them). */
#include "gpu-test-util.h"

#include <trawl/base.h>

/* Relative tolerance for whole networks: FP32 on both sides, but cuDNN's
 * algorithms sum in other orders over dozens of layers. */
#define MODEL_TOL 2e-3

static void
model_case (gconstpointer data)
{
  const char *rel = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;
  TrawlNnTensor shapes[8];
  TrawlNnGraph *g;
  int n;

  if (!need_gpu ())
    return;
  path = trawl_model_path (rel, &error);
  if (path == NULL)
    {
      g_autofree char *why = g_strdup_printf ("model %s missing (run scripts/setup): %s", rel,
                                              error->message);
      g_test_skip (why);
      return;
    }
  g = trawl_nn_load (path, &error);
  g_assert_no_error (error);
  n = trawl_nn_graph_n_inputs (g);
  g_assert_cmpint (n, <=, 8);
  for (int i = 0; i < n; i++)
    {
      g_assert_true (trawl_nn_graph_input_info (g, i, &shapes[i]));
      /* free sizes: batch 2, spatial 320 (a multiple of 32 for PP-OCR det,
       * a typical line width for rec) */
      for (int d = 0; d < shapes[i].ndim; d++)
        if (shapes[i].dims[d] < 0)
          shapes[i].dims[d] = d == 0 ? 2 : 320;
    }
  assert_graph_parity (g, shapes, n, MODEL_TOL);
  trawl_nn_graph_unref (g);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/gpu/model/ppocr-det", "ocr-models/ch_PP-OCRv4_det_infer.onnx", model_case);
  g_test_add_data_func ("/gpu/model/ppocr-rec", "ocr-models/ch_PP-OCRv4_rec_infer.onnx", model_case);
  g_test_add_data_func ("/gpu/model/faceapi-ssd",
                        "face-api/ssd_mobilenetv1_model-weights_manifest.json", model_case);
  g_test_add_data_func ("/gpu/model/faceapi-landmarks",
                        "face-api/face_landmark_68_model-weights_manifest.json", model_case);
  g_test_add_data_func ("/gpu/model/faceapi-recognition",
                        "face-api/face_recognition_model-weights_manifest.json", model_case);
  return g_test_run ();
}
