/* faceapi-landmarks.c - face-api's FaceLandmark68Net as an nn graph.
 *
 * Layer list after face-api's faceFeatureExtractor/ (denseBlock4 x4,
 * average pool) and faceProcessor/ (one fully connected layer). Output:
 * [N,136], x0 y0 x1 y1 ... in 0..1 of the 112 px input square; mapping back
 * to the face box (face-api centres the crop when padding it to a square)
 * is the caller's (see faces-post.h).
 *
 * Input "input": [N,3,112,112] RGB 0..255; the graph subtracts face-api's
 * mean RGB (122.782, 117.001, 104.298) and divides by 255.
 */
#include "faceapi-private.h"

#define LM_SIZE 112

static const float mean_rgb[3] = { 122.782f, 117.001f, 104.298f };

/* tfjs separableConv2d (depthwise 3x3 then pointwise 1x1) + bias. */
static TrawlFaValue
separable (TrawlFaBuilder *b, TrawlFaValue x, const char *prefix, int stride)
{
  g_autofree char *dn = g_strdup_printf ("%s/depthwise_filter", prefix);
  g_autofree char *pn = g_strdup_printf ("%s/pointwise_filter", prefix);
  g_autofree char *bn = g_strdup_printf ("%s/bias", prefix);
  g_autofree char *dname = g_strdup_printf ("%s/depthwise", prefix);
  g_autofree char *pname = g_strdup_printf ("%s/pointwise", prefix);
  int64_t dd[4] = { 3, 3, x.c, 1 };
  int64_t pd[4] = { 1, 1, x.c, -1 };
  const TrawlFaceapiWeight *df = _trawl_fa_weight (b, dn, 4, dd);
  const TrawlFaceapiWeight *pf = _trawl_fa_weight (b, pn, 4, pd);
  int64_t bd[1] = { pf ? pf->dims[3] : 0 };
  const TrawlFaceapiWeight *bias = pf ? _trawl_fa_weight (b, bn, 1, bd) : NULL;

  x = _trawl_fa_conv (b, x, dname, df, TRUE, NULL, NULL, NULL, stride, TRAWL_FA_SAME);
  return _trawl_fa_conv (b, x, pname, pf, FALSE, bias ? bias->data : NULL, NULL, NULL,
                         1, TRAWL_FA_SAME);
}

/* denseBlock4: four convs, each fed the relu of the sum of those before,
 * sums in face-api's order (out1 + (out2 + (out3 + out4))). */
static TrawlFaValue
dense_block (TrawlFaBuilder *b, TrawlFaValue x, const char *name, gboolean first)
{
  g_autofree char *c0 = g_strdup_printf ("%s/conv0", name);
  g_autofree char *c1 = g_strdup_printf ("%s/conv1", name);
  g_autofree char *c2 = g_strdup_printf ("%s/conv2", name);
  g_autofree char *c3 = g_strdup_printf ("%s/conv3", name);
  TrawlFaValue out1, out2, out3, out4, in3, in4;

  if (first)
    {
      g_autofree char *fn = g_strdup_printf ("%s/filters", c0);
      g_autofree char *bn = g_strdup_printf ("%s/bias", c0);
      int64_t fd[4] = { 3, 3, x.c, -1 };
      const TrawlFaceapiWeight *f = _trawl_fa_weight (b, fn, 4, fd);
      int64_t bd[1] = { f ? f->dims[3] : 0 };
      const TrawlFaceapiWeight *bias = f ? _trawl_fa_weight (b, bn, 1, bd) : NULL;
      out1 = _trawl_fa_conv (b, x, c0, f, FALSE, bias ? bias->data : NULL, NULL, NULL,
                             2, TRAWL_FA_SAME);
    }
  else
    {
      out1 = separable (b, x, c0, 2);
    }
  out1 = _trawl_fa_unary (b, "Relu", out1);
  out2 = separable (b, out1, c1, 1);
  in3 = _trawl_fa_unary (b, "Relu", _trawl_fa_binary (b, "Add", out1, out2));
  out3 = separable (b, in3, c2, 1);
  in4 = _trawl_fa_unary (b, "Relu", _trawl_fa_binary (b, "Add", out1,
                                     _trawl_fa_binary (b, "Add", out2, out3)));
  out4 = separable (b, in4, c3, 1);
  return _trawl_fa_unary (b, "Relu",
    _trawl_fa_binary (b, "Add", out1,
      _trawl_fa_binary (b, "Add", out2, _trawl_fa_binary (b, "Add", out3, out4))));
}

TrawlNnGraph *
_trawl_faceapi_build_landmarks (const TrawlFaceapiWeights *w, GError **error)
{
  TrawlFaBuilder b = { trawl_nn_graph_new ("faceapi-landmark68"), w, NULL };
  TrawlFaValue x;

  x = _trawl_fa_input (&b, LM_SIZE);
  x = _trawl_fa_sub_mean (&b, x, mean_rgb);
  x = _trawl_fa_scalar_op (&b, "Div", x, 255.0f);
  x = dense_block (&b, x, "dense0", TRUE);
  x = dense_block (&b, x, "dense1", FALSE);
  x = dense_block (&b, x, "dense2", FALSE);
  x = dense_block (&b, x, "dense3", FALSE);
  x = _trawl_fa_pool (&b, "AveragePool", x, 7, 2);
  x = _trawl_fa_dense (&b, x, "fc/weights", "fc/bias");
  if (b.err == NULL)
    trawl_nn_graph_mark_output (b.g, x.id);
  return _trawl_fa_finish (&b, error);
}
