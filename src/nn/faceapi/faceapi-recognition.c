/* faceapi-recognition.c - face-api's FaceRecognitionNet (a port of dlib's
 * ResNet-34-like face descriptor) as an nn graph.
 *
 * Layer list after face-api's faceRecognitionNet/. Each conv is followed by
 * a per-channel scale layer (x * weights + biases); it is folded into the
 * conv's filter and bias here. Output: [N,128], the face descriptor
 * (compare with Euclidean distance; same person below about 0.6).
 *
 * Input "input": [N,3,150,150] RGB 0..255 (face-api centres the crop when
 * padding it to a square); the graph subtracts face-api's mean RGB and
 * divides by 255.
 */
#include "faceapi-private.h"

#define REC_SIZE 150

static const float mean_rgb[3] = { 122.782f, 117.001f, 104.298f };

/* conv + bias, scale layer folded, optional relu. */
static TrawlFaValue
conv_layer (TrawlFaBuilder *b, TrawlFaValue x, const char *prefix, int stride,
            gboolean relu, TrawlFaPadding pad)
{
  g_autofree char *fn = g_strdup_printf ("%s/conv/filters", prefix);
  g_autofree char *bn = g_strdup_printf ("%s/conv/bias", prefix);
  g_autofree char *sn = g_strdup_printf ("%s/scale/weights", prefix);
  g_autofree char *tn = g_strdup_printf ("%s/scale/biases", prefix);
  int64_t fd[4] = { -1, -1, x.c, -1 };
  const TrawlFaceapiWeight *f = _trawl_fa_weight (b, fn, 4, fd);
  int64_t cd[1] = { f ? f->dims[3] : 0 };
  const TrawlFaceapiWeight *bias = f ? _trawl_fa_weight (b, bn, 1, cd) : NULL;
  const TrawlFaceapiWeight *scale = f ? _trawl_fa_weight (b, sn, 1, cd) : NULL;
  const TrawlFaceapiWeight *shift = f ? _trawl_fa_weight (b, tn, 1, cd) : NULL;

  if (bias == NULL || scale == NULL || shift == NULL)
    return (TrawlFaValue) { -1, 0, 0, 0 };
  x = _trawl_fa_conv (b, x, prefix, f, FALSE, bias->data, scale->data, shift->data,
                      stride, pad);
  return relu ? _trawl_fa_unary (b, "Relu", x) : x;
}

static TrawlFaValue
residual (TrawlFaBuilder *b, TrawlFaValue x, const char *prefix)
{
  g_autofree char *p1 = g_strdup_printf ("%s/conv1", prefix);
  g_autofree char *p2 = g_strdup_printf ("%s/conv2", prefix);
  TrawlFaValue out;

  out = conv_layer (b, x, p1, 1, TRUE, TRAWL_FA_SAME);
  out = conv_layer (b, out, p2, 1, FALSE, TRAWL_FA_SAME);
  return _trawl_fa_unary (b, "Relu", _trawl_fa_binary (b, "Add", out, x));
}

/* The down-sampling residual: the shortcut is a 2x2 average pool, zero
 * padded in channels; when the valid stride-2 conv comes out one pixel
 * short, face-api appends a zero row and column to it. */
static TrawlFaValue
residual_down (TrawlFaBuilder *b, TrawlFaValue x, const char *prefix)
{
  g_autofree char *p1 = g_strdup_printf ("%s/conv1", prefix);
  g_autofree char *p2 = g_strdup_printf ("%s/conv2", prefix);
  TrawlFaValue out, pooled;

  out = conv_layer (b, x, p1, 2, TRUE, TRAWL_FA_VALID);
  out = conv_layer (b, out, p2, 1, FALSE, TRAWL_FA_SAME);
  pooled = _trawl_fa_pool (b, "AveragePool", x, 2, 2);
  if (out.id >= 0 && pooled.id >= 0 && (pooled.h != out.h || pooled.w != out.w))
    out = _trawl_fa_pad_end (b, out, 0, 1, 1);
  if (out.id >= 0 && pooled.id >= 0 && pooled.c != out.c)
    pooled = _trawl_fa_pad_end (b, pooled, pooled.c, 0, 0);  /* concat with zeros */
  return _trawl_fa_unary (b, "Relu", _trawl_fa_binary (b, "Add", pooled, out));
}

TrawlNnGraph *
_trawl_faceapi_build_recognition (const TrawlFaceapiWeights *w, GError **error)
{
  static const char *const blocks[] = {
    "conv32_1", "conv32_2", "conv32_3",
    "+conv64_down", "conv64_1", "conv64_2", "conv64_3",
    "+conv128_down", "conv128_1", "conv128_2",
    "+conv256_down", "conv256_1", "conv256_2", "+conv256_down_out",
  };
  TrawlFaBuilder b = { trawl_nn_graph_new ("faceapi-recognition"), w, NULL };
  TrawlFaValue x;
  TrawlNnValueId in[1];
  int64_t fd[2] = { 256, 128 };
  const TrawlFaceapiWeight *fc;

  x = _trawl_fa_input (&b, REC_SIZE);
  x = _trawl_fa_sub_mean (&b, x, mean_rgb);
  x = _trawl_fa_scalar_op (&b, "Div", x, 255.0f);
  x = conv_layer (&b, x, "conv32_down", 2, TRUE, TRAWL_FA_VALID);
  x = _trawl_fa_pool (&b, "MaxPool", x, 3, 2);
  for (guint i = 0; i < G_N_ELEMENTS (blocks); i++)
    x = blocks[i][0] == '+' ? residual_down (&b, x, blocks[i] + 1)
                            : residual (&b, x, blocks[i]);
  /* global mean over H, W, then x @ fc (no bias) */
  in[0] = x.id;
  x.id = _trawl_fa_node (&b, "GlobalAveragePool", NULL, 1, in, NULL);
  x.h = x.w = 1;
  fc = _trawl_fa_weight (&b, "fc", 2, fd);
  if (fc != NULL)
    x = _trawl_fa_dense (&b, x, "fc", NULL);
  if (b.err == NULL)
    trawl_nn_graph_mark_output (b.g, x.id);
  return _trawl_fa_finish (&b, error);
}
