/* cuda-conv.c - Conv on cuDNN: descriptors and the algorithm chosen once
 * per node at plan time (cudnnGetConvolutionForwardAlgorithm_v7's ranked
 * list, first that fits the workspace cap), strict FP32 maths (no TF32, to
 * match the CPU), and the fused epilogue: cudnnConvolutionBiasActivationForward
 * when it is exactly bias + ReLU, else the convolution followed by one
 * epilogue kernel (bias and any chain of fused activations). 1-D convs run
 * as 2-D with height 1; asymmetric padding and 3-D go to the CPU. */
#include "nn/cuda/cuda-private.h"

#include <string.h>

#define CONV_WS_LIMIT ((gsize) 256 << 20)

typedef struct {
  cudnnTensorDescriptor_t      x, y, bias;
  cudnnFilterDescriptor_t      w;
  cudnnConvolutionDescriptor_t conv;
  cudnnActivationDescriptor_t  relu;
  cudnnConvolutionFwdAlgo_t    algo;
  gsize                        ws_bytes;
  gboolean                     fused_relu;  /* bias + ReLU inside cuDNN */
  gboolean                     has_bias;
  TrawlCudaEpi                 epi;         /* the rest, after cuDNN */
  int64_t                      n, k, hw;
} ConvState;

void
_trawl_nn_cuda_conv_free (void *state)
{
  ConvState *s = state;

  if (s == NULL)
    return;
  if (s->x) cudnnDestroyTensorDescriptor (s->x);
  if (s->y) cudnnDestroyTensorDescriptor (s->y);
  if (s->bias) cudnnDestroyTensorDescriptor (s->bias);
  if (s->w) cudnnDestroyFilterDescriptor (s->w);
  if (s->conv) cudnnDestroyConvolutionDescriptor (s->conv);
  if (s->relu) cudnnDestroyActivationDescriptor (s->relu);
  g_free (s);
}

/* Conv attributes as 2-D (1-D gets a unit height); FALSE when cuDNN's
 * symmetric padding cannot express them. */
static gboolean
geometry (const CudaCtx *c, int r, int64_t k[2], int pad[2], int st[2], int dl[2])
{
  const TrawlNnTensor *x = c->tin[0], *y = c->tout[0];
  const char *ap = trawl_nn_attrs_get_string (c->n.attrs, "auto_pad", "NOTSET");
  const int64_t *v;
  int64_t pads[4] = { 0 };

  st[0] = st[1] = dl[0] = dl[1] = 1;
  if (trawl_nn_attrs_get_ints (c->n.attrs, "strides", &v) == r)
    for (int i = 0; i < r; i++)
      st[2 - r + i] = (int) v[i];
  if (trawl_nn_attrs_get_ints (c->n.attrs, "dilations", &v) == r)
    for (int i = 0; i < r; i++)
      dl[2 - r + i] = (int) v[i];
  if (strcmp (ap, "SAME_UPPER") == 0 || strcmp (ap, "SAME_LOWER") == 0)
    {
      for (int i = 0; i < 2; i++)
        {
          int64_t in = i == 0 && r == 1 ? 1 : x->dims[x->ndim - 2 + i];
          int64_t out = i == 0 && r == 1 ? 1 : y->dims[y->ndim - 2 + i];
          int64_t tot = MAX ((out - 1) * st[i] + (k[i] - 1) * dl[i] + 1 - in, 0);

          pads[i] = strcmp (ap, "SAME_LOWER") == 0 ? tot - tot / 2 : tot / 2;
          pads[i + 2] = tot - pads[i];
        }
    }
  else if (strcmp (ap, "VALID") != 0 && trawl_nn_attrs_get_ints (c->n.attrs, "pads", &v) == 2 * r)
    for (int i = 0; i < r; i++)
      {
        pads[2 - r + i] = v[i];
        pads[4 - r + i] = v[r + i];
      }
  if (pads[0] != pads[2] || pads[1] != pads[3])
    return FALSE;
  pad[0] = (int) pads[0];
  pad[1] = (int) pads[1];
  return TRUE;
}

static int
choose_algo (CudaCtx *c, ConvState *s, GError **error)
{
  cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
  int found = 0;

  if (!_trawl_nn_cudnn_check (error, c,
        cudnnGetConvolutionForwardAlgorithm_v7 (c->cudnn, s->x, s->w, s->conv, s->y,
                                                CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &found, perf),
        "choosing an algorithm"))
    return -1;
  for (int i = 0; i < found; i++)
    {
      gsize ws = 0;

      if (perf[i].status != CUDNN_STATUS_SUCCESS || perf[i].mathType != CUDNN_FMA_MATH)
        continue;
      if (cudnnGetConvolutionForwardWorkspaceSize (c->cudnn, s->x, s->w, s->conv, s->y,
                                                   perf[i].algo, &ws) != CUDNN_STATUS_SUCCESS
          || ws > CONV_WS_LIMIT)
        continue;
      s->algo = perf[i].algo;
      s->ws_bytes = ws;
      return 1;
    }
  return 0;
}

int
_trawl_nn_cuda_conv_prepare (CudaCtx *c, GError **error)
{
  const TrawlNnTensor *x = c->tin[0], *w = c->tin[1], *y = c->tout[0];
  int r = x->ndim - 2, pad[2], st[2], dl[2], group, ok;
  int64_t k[2] = { 1, 1 }, xd[4], yd[4];
  ConvState *s;

  if (x->dtype != TRAWL_NN_F32 || w->dtype != TRAWL_NN_F32 || (r != 1 && r != 2)
      || w->ndim != x->ndim || w->data == NULL)
    return 0;
  for (int i = 0; i < r; i++)
    k[2 - r + i] = w->dims[2 + i];
  if (!geometry (c, r, k, pad, st, dl))
    return 0;
  group = (int) trawl_nn_attrs_get_int (c->n.attrs, "group", 1);
  xd[0] = x->dims[0]; xd[1] = x->dims[1]; xd[2] = r == 2 ? x->dims[2] : 1; xd[3] = x->dims[x->ndim - 1];
  yd[0] = y->dims[0]; yd[1] = y->dims[1]; yd[2] = r == 2 ? y->dims[2] : 1; yd[3] = y->dims[y->ndim - 1];
  for (int i = 0; i < 4; i++)
    if (xd[i] > G_MAXINT / 4 || yd[i] > G_MAXINT / 4)
      return 0;
  s = g_new0 (ConvState, 1);
  c->state = s;
  s->n = yd[0];
  s->k = yd[1];
  s->hw = yd[2] * yd[3];
  s->has_bias = c->n.n_in > 2 && c->tin[2] != NULL;
  if (!_trawl_nn_cudnn_check (error, c, cudnnCreateTensorDescriptor (&s->x), "descriptor")
      || !_trawl_nn_cudnn_check (error, c, cudnnCreateTensorDescriptor (&s->y), "descriptor")
      || !_trawl_nn_cudnn_check (error, c, cudnnCreateFilterDescriptor (&s->w), "descriptor")
      || !_trawl_nn_cudnn_check (error, c, cudnnCreateConvolutionDescriptor (&s->conv), "descriptor"))
    return -1;
  if (cudnnSetTensor4dDescriptor (s->x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, (int) xd[0],
                                  (int) xd[1], (int) xd[2], (int) xd[3]) != CUDNN_STATUS_SUCCESS
      || cudnnSetTensor4dDescriptor (s->y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, (int) yd[0],
                                     (int) yd[1], (int) yd[2], (int) yd[3]) != CUDNN_STATUS_SUCCESS
      || cudnnSetFilter4dDescriptor (s->w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, (int) w->dims[0],
                                     (int) w->dims[1], (int) k[0], (int) k[1]) != CUDNN_STATUS_SUCCESS
      || cudnnSetConvolution2dDescriptor (s->conv, pad[0], pad[1], st[0], st[1], dl[0], dl[1],
                                          CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT)
         != CUDNN_STATUS_SUCCESS
      || cudnnSetConvolutionGroupCount (s->conv, group) != CUDNN_STATUS_SUCCESS
      || cudnnSetConvolutionMathType (s->conv, CUDNN_FMA_MATH) != CUDNN_STATUS_SUCCESS)
    return 0;   /* a shape cuDNN refuses: the CPU does it */
  {
    int on, oc, oh, ow;

    if (cudnnGetConvolution2dForwardOutputDim (s->conv, s->x, s->w, &on, &oc, &oh, &ow)
        != CUDNN_STATUS_SUCCESS || on != yd[0] || oc != yd[1] || oh != yd[2] || ow != yd[3])
      return 0;
  }
  if ((ok = choose_algo (c, s, error)) <= 0)
    return ok;
  c->ws_bytes = s->ws_bytes;
  /* bias + exactly one ReLU: cuDNN does all three in one call */
  if (s->has_bias && c->n.n_epi == 1 && c->n.epi[0].act == TRAWL_NN_ACT_RELU)
    {
      if (!_trawl_nn_cudnn_check (error, c, cudnnCreateTensorDescriptor (&s->bias), "descriptor")
          || !_trawl_nn_cudnn_check (error, c, cudnnCreateActivationDescriptor (&s->relu), "descriptor")
          || !_trawl_nn_cudnn_check (error, c,
                cudnnSetTensor4dDescriptor (s->bias, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1,
                                            (int) s->k, 1, 1), "bias descriptor")
          || !_trawl_nn_cudnn_check (error, c,
                cudnnSetActivationDescriptor (s->relu, CUDNN_ACTIVATION_RELU, CUDNN_NOT_PROPAGATE_NAN,
                                              0.0), "activation descriptor"))
        return -1;
      s->fused_relu = TRUE;
      return 1;
    }
  s->epi.n = c->n.n_epi;
  for (int i = 0; i < c->n.n_epi; i++)
    {
      s->epi.act[i] = (int) c->n.epi[i].act;
      s->epi.alpha[i] = c->n.epi[i].alpha;
      s->epi.beta[i] = c->n.epi[i].beta;
    }
  return 1;
}

gboolean
_trawl_nn_cuda_conv_run (CudaCtx *c, GError **error)
{
  ConvState *s = c->state;
  float one = 1.0f, zero = 0.0f;

  if (s->fused_relu)
    return _trawl_nn_cudnn_check (error, c,
      cudnnConvolutionBiasActivationForward (c->cudnn, &one, s->x, c->in[0], s->w, c->in[1],
                                             s->conv, s->algo, c->ws, s->ws_bytes, &zero, s->y,
                                             c->out[0], s->bias, c->in[2], s->relu, s->y,
                                             c->out[0]),
      "convolution+bias+relu");
  if (!_trawl_nn_cudnn_check (error, c,
        cudnnConvolutionForward (c->cudnn, &one, s->x, c->in[0], s->w, c->in[1], s->conv, s->algo,
                                 c->ws, s->ws_bytes, &zero, s->y, c->out[0]),
        "convolution"))
    return FALSE;
  if (!s->has_bias && s->epi.n == 0)
    return TRUE;
  return _trawl_nn_cuda_check (error, c,
           trawl_cuda_epilogue (c->out[0], c->out[0], s->n, s->k, s->hw,
                                s->has_bias ? c->in[2] : NULL, &s->epi, c->stream),
           "epilogue");
}
