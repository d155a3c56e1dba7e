/* cuda-conv.c - Conv and ConvTranspose on cuDNN.
 *
 * Descriptors and the algorithm are chosen once per node at plan time
 * (cudnnGet*Algorithm_v7's ranked list: the first whose math type the
 * plan's precision allows and whose workspace fits the cap; the
 * descriptor's math type is then set to that algorithm's). The fused
 * epilogue runs as cudnnConvolutionBiasActivationForward when it is
 * exactly bias + ReLU, else as the convolution followed by one epilogue
 * kernel (bias and any chain of fused activations).
 *
 * cuDNN pads symmetrically only. Asymmetric Conv padding (tfjs "same"
 * with stride 2 on even sizes, i.e. every face-api downsampling layer)
 * copies the input into the workspace with the unequal part of the
 * padding added as zeros, then lets cuDNN pad the equal part. ConvTranspose
 * is the backward-data pass of the Conv it transposes (weights [C, M/g,
 * kh, kw] are exactly that Conv's filter); it takes symmetric pads and no
 * output_shape. 1-D runs as 2-D with height 1; 3-D goes to the CPU.
 */
#include "nn/cuda/cuda-private.h"

#include <string.h>

#define CONV_WS_LIMIT ((gsize) 256 << 20)
#define WS_ALIGN      256

typedef struct {
  cudnnTensorDescriptor_t      x, y, bias;
  cudnnFilterDescriptor_t      w;
  cudnnConvolutionDescriptor_t conv;
  cudnnActivationDescriptor_t  relu;
  cudnnConvolutionFwdAlgo_t    algo;
  cudnnConvolutionBwdDataAlgo_t bwd_algo;   /* ConvTranspose */
  gboolean                     transposed;
  gsize                        ws_bytes;    /* cuDNN's part of the workspace */
  gboolean                     fused_relu;  /* bias + ReLU inside cuDNN */
  gboolean                     has_bias;
  TrawlCudaEpi                 epi;         /* the rest, after cuDNN */
  int64_t                      n, k, hw;    /* output: batch, channels, pixels */
  /* asymmetric padding: the input copied into the workspace first */
  gboolean                     prepad;
  TrawlCudaCopy                pcopy;       /* input -> padded buffer */
  int64_t                      pnumel;      /* floats in the padded buffer */
  gsize                        pbytes;      /* its workspace share, aligned */
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

/* Conv attributes as 2-D (1-D gets a unit height): pads lo[axis] before
 * and hi[axis] after. FALSE when they are outside what this file does
 * (ConvTranspose: auto_pad, output_shape). */
static gboolean
geometry (const CudaCtx *c, int r, gboolean transposed, const int64_t k[2], int64_t lo[2],
          int64_t hi[2], int st[2], int dl[2])
{
  const TrawlNnTensor *x = c->tin[0], *y = c->tout[0];
  const char *ap = trawl_nn_attrs_get_string (c->n.attrs, "auto_pad", "NOTSET");
  const int64_t *v;

  st[0] = st[1] = dl[0] = dl[1] = 1;
  lo[0] = lo[1] = hi[0] = hi[1] = 0;
  if (trawl_nn_attrs_get_ints (c->n.attrs, "strides", &v) == r)
    for (int i = 0; i < r; i++)
      st[2 - r + i] = (int) v[i];
  if (trawl_nn_attrs_get_ints (c->n.attrs, "dilations", &v) == r)
    for (int i = 0; i < r; i++)
      dl[2 - r + i] = (int) v[i];
  if (transposed && (strcmp (ap, "NOTSET") != 0 || trawl_nn_attrs_has (c->n.attrs, "output_shape")))
    return FALSE;
  if (strcmp (ap, "SAME_UPPER") == 0 || strcmp (ap, "SAME_LOWER") == 0)
    {
      for (int i = 0; i < 2; i++)
        {
          int64_t in = i == 0 && r == 1 ? 1 : x->dims[x->ndim - 2 + i];
          int64_t out = i == 0 && r == 1 ? 1 : y->dims[y->ndim - 2 + i];
          int64_t tot = MAX ((out - 1) * st[i] + (k[i] - 1) * dl[i] + 1 - in, 0);

          lo[i] = strcmp (ap, "SAME_LOWER") == 0 ? tot - tot / 2 : tot / 2;
          hi[i] = tot - lo[i];
        }
    }
  else if (strcmp (ap, "VALID") != 0 && trawl_nn_attrs_get_ints (c->n.attrs, "pads", &v) == 2 * r)
    for (int i = 0; i < r; i++)
      {
        lo[2 - r + i] = v[i];
        hi[2 - r + i] = v[r + i];
      }
  for (int i = 0; i < 2; i++)
    if (lo[i] < 0 || hi[i] < 0 || lo[i] > G_MAXINT / 4 || hi[i] > G_MAXINT / 4)
      return FALSE;
  return TRUE;
}

/* The math type the descriptor takes to serve an algorithm cuDNN ranked
 * with math type m, or -1 when the precision refuses it. The first pass
 * (relaxed FALSE) is the policy as it stands. The relaxed pass exists for
 * FP32 only: cuDNN may rank its FP32 algorithms as CUDNN_DEFAULT_MATH
 * even when the descriptor asked for FMA (frameworks then set FMA back on
 * the descriptor before running, as here); without it an FP32 plan could
 * find no algorithm and run every convolution on the CPU. Not verified on
 * a GPU yet: if FP32 convolutions show up as CPU fallbacks, look here. */
static int
serve_math (TrawlNnPrecision precision, cudnnMathType_t m, gboolean relaxed)
{
  if (!relaxed)
    return _trawl_nn_cuda_math_allowed (precision, m) ? (int) m : -1;
  if (precision == TRAWL_NN_PRECISION_FP32 && m == CUDNN_DEFAULT_MATH)
    return (int) CUDNN_FMA_MATH;
  return -1;
}

/* The first ranked algorithm the precision allows that fits the cap; the
 * descriptor takes its math type. 1 found, 0 none (the CPU runs the
 * node), -1 error. */
static int
choose_fwd_algo (CudaCtx *c, ConvState *s, GError **error)
{
  cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
  int found = 0;

  if (!_trawl_nn_cudnn_check (error, c,
        cudnnGetConvolutionForwardAlgorithm_v7 (c->cudnn, s->x, s->w, s->conv, s->y,
                                                CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &found, perf),
        "choosing an algorithm"))
    return -1;
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < found; i++)
      {
        gsize ws = 0;
        int m;

        if (perf[i].status != CUDNN_STATUS_SUCCESS
            || (m = serve_math (c->precision, perf[i].mathType, pass == 1)) < 0)
          continue;
        if (cudnnSetConvolutionMathType (s->conv, (cudnnMathType_t) m) != CUDNN_STATUS_SUCCESS
            || cudnnGetConvolutionForwardWorkspaceSize (c->cudnn, s->x, s->w, s->conv, s->y,
                                                        perf[i].algo, &ws) != CUDNN_STATUS_SUCCESS
            || ws > CONV_WS_LIMIT)
          continue;
        s->algo = perf[i].algo;
        s->ws_bytes = ws;
        return 1;
      }
  return 0;
}

/* As choose_fwd_algo for the backward-data pass, deterministic algorithms
 * first (the others sum with atomics: run-to-run noise). cuDNN's dy is our
 * input (s->y), its dx our output (s->x). */
static int
choose_bwd_algo (CudaCtx *c, ConvState *s, GError **error)
{
  cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
  int found = 0;

  if (!_trawl_nn_cudnn_check (error, c,
        cudnnGetConvolutionBackwardDataAlgorithm_v7 (c->cudnn, s->w, s->y, s->conv, s->x,
                                                     CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT,
                                                     &found, perf),
        "choosing an algorithm"))
    return -1;
  /* passes: deterministic, any; then both again with the FP32 relaxation */
  for (int pass = 0; pass < 4; pass++)
    for (int i = 0; i < found; i++)
      {
        gsize ws = 0;
        int m;

        if (perf[i].status != CUDNN_STATUS_SUCCESS
            || (m = serve_math (c->precision, perf[i].mathType, pass >= 2)) < 0
            || (pass % 2 == 0 && perf[i].determinism != CUDNN_DETERMINISTIC))
          continue;
        if (cudnnSetConvolutionMathType (s->conv, (cudnnMathType_t) m) != CUDNN_STATUS_SUCCESS
            || cudnnGetConvolutionBackwardDataWorkspaceSize (c->cudnn, s->w, s->y, s->conv, s->x,
                                                             perf[i].algo, &ws)
               != CUDNN_STATUS_SUCCESS
            || ws > CONV_WS_LIMIT)
          continue;
        s->bwd_algo = perf[i].algo;
        s->ws_bytes = ws;
        return 1;
      }
  return 0;
}

static gboolean
set_epilogue (CudaCtx *c, ConvState *s, GError **error)
{
  /* bias + exactly one ReLU: cuDNN does all three in one call (Conv only) */
  if (!s->transposed && s->has_bias && c->n.n_epi == 1 && c->n.epi[0].act == TRAWL_NN_ACT_RELU)
    {
      if (!_trawl_nn_cudnn_check (error, c, cudnnCreateTensorDescriptor (&s->bias), "descriptor")
          || !_trawl_nn_cudnn_check (error, c, cudnnCreateActivationDescriptor (&s->relu), "descriptor")
          || !_trawl_nn_cudnn_check (error, c,
                cudnnSetTensor4dDescriptor (s->bias, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1,
                                            (int) s->k, 1, 1), "bias descriptor")
          || !_trawl_nn_cudnn_check (error, c,
                cudnnSetActivationDescriptor (s->relu, CUDNN_ACTIVATION_RELU, CUDNN_NOT_PROPAGATE_NAN,
                                              0.0), "activation descriptor"))
        return FALSE;
      s->fused_relu = TRUE;
      return TRUE;
    }
  s->epi.n = c->n.n_epi;
  for (int i = 0; i < c->n.n_epi; i++)
    {
      s->epi.act[i] = (int) c->n.epi[i].act;
      s->epi.alpha[i] = c->n.epi[i].alpha;
      s->epi.beta[i] = c->n.epi[i].beta;
    }
  return TRUE;
}

/* Shared by Conv and ConvTranspose. */
static int
conv_prepare (CudaCtx *c, gboolean transposed, GError **error)
{
  const TrawlNnTensor *x = c->tin[0], *w = c->tin[1], *y = c->tout[0];
  int r = x->ndim - 2, st[2], dl[2], pad[2], group, ok;
  int64_t k[2] = { 1, 1 }, lo[2], hi[2], xd[4], yd[4], pd[4];
  int64_t ext_lo[2] = { 0, 0 }, ext_hi[2] = { 0, 0 };
  ConvState *s;

  if (x->dtype != TRAWL_NN_F32 || w == NULL || w->dtype != TRAWL_NN_F32 || (r != 1 && r != 2)
      || w->ndim != x->ndim || !c->cin[1] || y->dtype != TRAWL_NN_F32
      || (c->n.n_in > 2 && c->tin[2] && !c->cin[2]))
    return 0;
  for (int i = 0; i < r; i++)
    k[2 - r + i] = w->dims[2 + i];
  if (!geometry (c, r, transposed, k, lo, hi, st, dl))
    return 0;
  group = (int) trawl_nn_attrs_get_int (c->n.attrs, "group", 1);
  xd[0] = x->dims[0]; xd[1] = x->dims[1]; xd[2] = r == 2 ? x->dims[2] : 1; xd[3] = x->dims[x->ndim - 1];
  yd[0] = y->dims[0]; yd[1] = y->dims[1]; yd[2] = r == 2 ? y->dims[2] : 1; yd[3] = y->dims[y->ndim - 1];
  for (int i = 0; i < 4; i++)
    if (xd[i] > G_MAXINT / 4 || yd[i] > G_MAXINT / 4)
      return 0;
  for (int i = 0; i < 2; i++)
    {
      if (lo[i] != hi[i] && transposed)
        return 0;
      /* cuDNN pads min(lo, hi) on both sides; the rest is copied in */
      pad[i] = (int) MIN (lo[i], hi[i]);
      ext_lo[i] = lo[i] - pad[i];
      ext_hi[i] = hi[i] - pad[i];
    }
  s = g_new0 (ConvState, 1);
  c->state = s;
  s->transposed = transposed;
  s->n = yd[0];
  s->k = yd[1];
  s->hw = yd[2] * yd[3];
  s->has_bias = c->n.n_in > 2 && c->tin[2] != NULL;
  memcpy (pd, xd, sizeof pd);
  if (ext_lo[0] || ext_lo[1] || ext_hi[0] || ext_hi[1])
    {
      int64_t xs[4];

      pd[2] = xd[2] + ext_lo[0] + ext_hi[0];
      pd[3] = xd[3] + ext_lo[1] + ext_hi[1];
      if (pd[2] > G_MAXINT / 4 || pd[3] > G_MAXINT / 4)
        return 0;
      s->prepad = TRUE;
      s->pnumel = pd[0] * pd[1] * pd[2] * pd[3];
      s->pbytes = ((gsize) s->pnumel * sizeof (float) + WS_ALIGN - 1) & ~(gsize) (WS_ALIGN - 1);
      xs[3] = 1; xs[2] = xd[3]; xs[1] = xd[2] * xd[3]; xs[0] = xd[1] * xs[1];
      s->pcopy.ndim = 4;
      for (int d = 0; d < 4; d++)
        s->pcopy.dims[d] = xd[d];
      memcpy (s->pcopy.ss, xs, sizeof xs);
      s->pcopy.ds[3] = 1;
      s->pcopy.ds[2] = pd[3];
      s->pcopy.ds[1] = pd[2] * pd[3];
      s->pcopy.ds[0] = pd[1] * s->pcopy.ds[1];
      s->pcopy.doff = ext_lo[0] * pd[3] + ext_lo[1];
    }
  if (!_trawl_nn_cudnn_check (error, c, cudnnCreateTensorDescriptor (&s->x), "descriptor")
      || !_trawl_nn_cudnn_check (error, c, cudnnCreateTensorDescriptor (&s->y), "descriptor")
      || !_trawl_nn_cudnn_check (error, c, cudnnCreateFilterDescriptor (&s->w), "descriptor")
      || !_trawl_nn_cudnn_check (error, c, cudnnCreateConvolutionDescriptor (&s->conv), "descriptor"))
    return -1;
  /* s->x/s->y are the tensors of the forward convolution: for
   * ConvTranspose x is our output (cuDNN's dx) and y our input (dy) */
  {
    const int64_t *fx = transposed ? yd : pd, *fy = transposed ? xd : yd;
    int on, oc, oh, ow;

    if (cudnnSetTensor4dDescriptor (s->x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, (int) fx[0],
                                    (int) fx[1], (int) fx[2], (int) fx[3]) != CUDNN_STATUS_SUCCESS
        || cudnnSetTensor4dDescriptor (s->y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, (int) fy[0],
                                       (int) fy[1], (int) fy[2], (int) fy[3]) != CUDNN_STATUS_SUCCESS
        || cudnnSetFilter4dDescriptor (s->w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, (int) w->dims[0],
                                       (int) w->dims[1], (int) k[0], (int) k[1]) != CUDNN_STATUS_SUCCESS
        || cudnnSetConvolution2dDescriptor (s->conv, pad[0], pad[1], st[0], st[1], dl[0], dl[1],
                                            CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT)
           != CUDNN_STATUS_SUCCESS
        || cudnnSetConvolutionGroupCount (s->conv, group) != CUDNN_STATUS_SUCCESS
        || cudnnSetConvolutionMathType (s->conv, _trawl_nn_cuda_conv_math (c->precision))
           != CUDNN_STATUS_SUCCESS)
      return 0;   /* a shape cuDNN refuses: the CPU does it */
    /* the planner's sizes must be the ones cuDNN computes (this also
     * rules out ConvTranspose output_padding >= stride) */
    if (cudnnGetConvolution2dForwardOutputDim (s->conv, s->x, s->w, &on, &oc, &oh, &ow)
        != CUDNN_STATUS_SUCCESS || on != fy[0] || oc != fy[1] || oh != fy[2] || ow != fy[3])
      return 0;
  }
  if (c->dry)
    return 1;   /* coverage check: no handle to ask for an algorithm */
  ok = transposed ? choose_bwd_algo (c, s, error) : choose_fwd_algo (c, s, error);
  if (ok <= 0)
    return ok;
  c->ws_bytes = s->pbytes + s->ws_bytes;
  return set_epilogue (c, s, error) ? 1 : -1;
}

int
_trawl_nn_cuda_conv_prepare (CudaCtx *c, GError **error)
{
  return conv_prepare (c, FALSE, error);
}

int
_trawl_nn_cuda_convt_prepare (CudaCtx *c, GError **error)
{
  return conv_prepare (c, TRUE, error);
}

gboolean
_trawl_nn_cuda_conv_run (CudaCtx *c, GError **error)
{
  ConvState *s = c->state;
  float one = 1.0f, zero = 0.0f;
  const float *x = c->in[0];
  void *ws = s->ws_bytes ? (guint8 *) c->ws + s->pbytes : NULL;

  if (s->prepad)
    {
      float *px = c->ws;

      if (!_trawl_nn_cuda_check (error, c, trawl_cuda_fill (px, s->pnumel, 0.0f, c->stream),
                                 "padding")
          || !_trawl_nn_cuda_check (error, c,
                                    trawl_cuda_strided_copy (c->in[0], px, &s->pcopy, c->stream),
                                    "padding"))
        return FALSE;
      x = px;
    }
  if (s->transposed)
    {
      if (!_trawl_nn_cudnn_check (error, c,
            cudnnConvolutionBackwardData (c->cudnn, &one, s->w, c->in[1], s->y, c->in[0], s->conv,
                                          s->bwd_algo, ws, s->ws_bytes, &zero, s->x, c->out[0]),
            "transposed convolution"))
        return FALSE;
    }
  else if (s->fused_relu)
    return _trawl_nn_cudnn_check (error, c,
      cudnnConvolutionBiasActivationForward (c->cudnn, &one, s->x, x, s->w, c->in[1],
                                             s->conv, s->algo, ws, s->ws_bytes, &zero, s->y,
                                             c->out[0], s->bias, c->in[2], s->relu, s->y,
                                             c->out[0]),
      "convolution+bias+relu");
  else if (!_trawl_nn_cudnn_check (error, c,
             cudnnConvolutionForward (c->cudnn, &one, s->x, x, s->w, c->in[1], s->conv, s->algo,
                                      ws, s->ws_bytes, &zero, s->y, c->out[0]),
             "convolution"))
    return FALSE;
  if (!s->has_bias && s->epi.n == 0)
    return TRUE;
  return _trawl_nn_cuda_check (error, c,
           trawl_cuda_epilogue (c->out[0], c->out[0], s->n, s->k, s->hw,
                                s->has_bias ? c->in[2] : NULL, &s->epi, c->stream),
           "epilogue");
}
