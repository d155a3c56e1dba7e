/* faceapi-ssd.c - face-api's SSD MobileNetV1 face detector as an nn graph.
 *
 * Layer list after face-api's ssdMobilenetv1/ (mobileNetV1.ts,
 * predictionLayer.ts, boxPredictionLayer.ts). The graph stops before the
 * box decoding: its outputs are the raw box encodings [N,5118,4] (ty, tx,
 * th, tw per anchor) and class logits [N,5118,3] (background, face, ...).
 * Decoding against the anchors, the sigmoid and NMS are in
 * src/detect/ssd-post.c (include/trawl/faces-post.h).
 *
 * Input "input": [N,3,512,512] RGB 0..255, the image padded to a square at
 * the bottom/right and resized (face-api's toBatchTensor(512, false)); the
 * graph normalises with x / 127.5 - 1 as face-api does.
 */
#include "faceapi-private.h"

#include <math.h>

#define SSD_SIZE 512
#define BN_EPSILON 0.0010000000474974513  /* mobileNetV1.ts */

static const float *
vec (TrawlFaBuilder *b, const char *name, int64_t n)
{
  int64_t d[1] = { n };
  const TrawlFaceapiWeight *w = _trawl_fa_weight (b, name, 1, d);

  return w ? w->data : NULL;
}

/* conv (filters + batch_norm_offset as bias) then clip to [0, 6]. The
 * kernel size comes from the weight (1x1 or 3x3). */
static TrawlFaValue
pointwise_layer (TrawlFaBuilder *b, TrawlFaValue x, const char *prefix, int idx, int stride)
{
  g_autofree char *p = g_strdup_printf ("%s/Conv2d_%d_pointwise", prefix, idx);
  g_autofree char *wn = g_strdup_printf ("%s/weights", p);
  g_autofree char *bn = g_strdup_printf ("%s/convolution_bn_offset", p);
  const TrawlFaceapiWeight *f = _trawl_fa_weight (b, wn, 4, NULL);
  const float *bias = f ? vec (b, bn, f->dims[3]) : NULL;

  x = _trawl_fa_conv (b, x, p, f, FALSE, bias, NULL, NULL, stride, TRAWL_FA_SAME);
  return _trawl_fa_clip (b, x, 0.0f, 6.0f);
}

/* depthwise 3x3 conv, batch norm (folded into the conv), clip [0, 6]. */
static TrawlFaValue
depthwise_layer (TrawlFaBuilder *b, TrawlFaValue x, int idx, int stride)
{
  g_autofree char *p = g_strdup_printf ("MobilenetV1/Conv2d_%d_depthwise", idx);
  g_autofree char *fn = g_strdup_printf ("%s/depthwise_weights", p);
  g_autofree char *gn = g_strdup_printf ("%s/BatchNorm/gamma", p);
  g_autofree char *bn = g_strdup_printf ("%s/BatchNorm/beta", p);
  g_autofree char *mn = g_strdup_printf ("%s/BatchNorm/moving_mean", p);
  g_autofree char *vn = g_strdup_printf ("%s/BatchNorm/moving_variance", p);
  int64_t fd[4] = { 3, 3, x.c, 1 };
  const TrawlFaceapiWeight *f = _trawl_fa_weight (b, fn, 4, fd);
  const float *gamma = vec (b, gn, x.c), *beta = vec (b, bn, x.c);
  const float *mean = vec (b, mn, x.c), *var = vec (b, vn, x.c);
  g_autofree float *scale = NULL, *shift = NULL;

  if (f == NULL || gamma == NULL || beta == NULL || mean == NULL || var == NULL)
    return (TrawlFaValue) { -1, 0, 0, 0 };
  /* y = (conv - mean) * gamma / sqrt(var + eps) + beta, folded */
  scale = g_new (float, x.c);
  shift = g_new (float, x.c);
  for (int c = 0; c < x.c; c++)
    {
      scale[c] = (float) (gamma[c] / sqrt ((double) var[c] + BN_EPSILON));
      shift[c] = beta[c] - mean[c] * scale[c];
    }
  x = _trawl_fa_conv (b, x, p, f, TRUE, NULL, scale, shift, stride, TRAWL_FA_SAME);
  return _trawl_fa_clip (b, x, 0.0f, 6.0f);
}

/* One box predictor: box encodings -> rows of 4, class logits -> rows of 3. */
static void
box_predictor (TrawlFaBuilder *b, TrawlFaValue x, int idx,
               TrawlNnValueId *boxes, TrawlNnValueId *classes)
{
  const char *kinds[2] = { "BoxEncodingPredictor", "ClassPredictor" };
  const int per[2] = { 4, 3 };
  TrawlNnValueId *outs[2] = { boxes, classes };

  for (int k = 0; k < 2; k++)
    {
      g_autofree char *p = g_strdup_printf ("Prediction/BoxPredictor_%d/%s", idx, kinds[k]);
      g_autofree char *wn = g_strdup_printf ("%s/weights", p);
      g_autofree char *bn = g_strdup_printf ("%s/biases", p);
      int64_t fd[4] = { 1, 1, x.c, -1 };
      const TrawlFaceapiWeight *f = _trawl_fa_weight (b, wn, 4, fd);
      const float *bias = f ? vec (b, bn, f->dims[3]) : NULL;
      TrawlFaValue y = _trawl_fa_conv (b, x, p, f, FALSE, bias, NULL, NULL, 1, TRAWL_FA_SAME);

      *outs[k] = _trawl_fa_to_rows (b, y, per[k]);
    }
}

/* Concat along the anchor axis into a graph output named name. */
static void
concat_output (TrawlFaBuilder *b, const TrawlNnValueId *parts, const char *name)
{
  TrawlNnAttrs *attrs;
  TrawlNnValueId out = -1;
  GError *local = NULL;

  for (int i = 0; i < 6; i++)
    if (parts[i] < 0)
      return;
  if (b->err != NULL)
    return;
  attrs = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_int (attrs, "axis", 1);
  if (trawl_nn_graph_add_node (b->g, "Concat", name, 6, parts, 1, &name, &out,
                               attrs, &local) < 0)
    {
      b->err = local ? local : g_error_new (TRAWL_NN_ERROR, TRAWL_NN_ERROR_UNSUPPORTED,
                                            "face-api: cannot add Concat");
      return;
    }
  trawl_nn_graph_mark_output (b->g, out);
}

TrawlNnGraph *
_trawl_faceapi_build_ssd (const TrawlFaceapiWeights *w, GError **error)
{
  TrawlFaBuilder b = { trawl_nn_graph_new ("faceapi-ssd-mobilenetv1"), w, NULL };
  TrawlFaValue x, conv11 = { -1, 0, 0, 0 }, feats[6];
  TrawlNnValueId boxes[6], classes[6];
  int64_t ed[3] = { 1, 5118, 4 };

  /* the anchors must be there even though the graph does not use them:
   * a manifest without them is not this model */
  _trawl_fa_weight (&b, "Output/extra_dim", 3, ed);

  x = _trawl_fa_input (&b, SSD_SIZE);
  x = _trawl_fa_scalar_op (&b, "Div", x, 127.5f);
  x = _trawl_fa_scalar_op (&b, "Sub", x, 1.0f);

  x = pointwise_layer (&b, x, "MobilenetV1", 0, 2);
  for (int i = 1; i <= 13; i++)
    {
      int stride = (i == 2 || i == 4 || i == 6 || i == 12) ? 2 : 1;
      x = depthwise_layer (&b, x, i, stride);
      x = pointwise_layer (&b, x, "MobilenetV1", i, 1);
      if (i == 11)
        conv11 = x;
    }

  /* extra feature layers: 1x1 (stride 1) then 3x3 (stride 2), four times */
  feats[0] = conv11;
  feats[1] = x;
  for (int i = 0; i < 8; i++)
    {
      x = pointwise_layer (&b, x, "Prediction", i, (i % 2) ? 2 : 1);
      if (i % 2)
        feats[2 + i / 2] = x;
    }
  for (int i = 0; i < 6; i++)
    box_predictor (&b, feats[i], i, &boxes[i], &classes[i]);

  concat_output (&b, boxes, "box_encodings");
  concat_output (&b, classes, "class_logits");
  return _trawl_fa_finish (&b, error);
}
