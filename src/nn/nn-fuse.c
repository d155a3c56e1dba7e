/* nn-fuse.c - step 2 of planning (nn-plan.c): fusions that shorten the
 * run without changing its results beyond float rounding.
 *   - BatchNormalization after a Conv is folded into its weights and bias;
 *   - a Mul/Add by a per-channel (or scalar) constant likewise;
 *   - elementwise activations after an op that takes an epilogue
 *     (TRAWL_NN_OP_FUSE_ACT: Conv...) become that epilogue (Relu, Clip,
 *     LeakyRelu, Sigmoid, HardSigmoid, the HardSwish pattern, Swish...),
 *     applied as each output is written.
 * Only an output nothing else reads is fused (the HardSwish pattern reads
 * it twice); folded weights are new constants of the plan (the graph is
 * never changed). Disabled by TRAWL_NN_PLAN_NO_FUSE. */
#include "nn/nn-plan-private.h"

#include <math.h>
#include <string.h>

static void
count_uses (TrawlNnPlan *p, int *consumer)
{
  for (guint i = 0; i < p->values->len; i++)
    {
      PV (p, i)->uses = PV (p, i)->is_output ? 1 : 0;
      consumer[i] = -1;
    }
  for (int k = 0; k < p->n_nodes; k++)
    {
      if (p->nodes[k].dead)
        continue;
      for (int i = 0; i < p->nodes[k].n_in; i++)
        if (p->nodes[k].in[i] >= 0)
          {
            PV (p, p->nodes[k].in[i])->uses++;
            consumer[p->nodes[k].in[i]] = k;
          }
    }
}

static gboolean
is_const (TrawlNnPlan *p, const PlanNode *n, int i)
{
  return i < n->n_in && n->in[i] >= 0 && PV (p, n->in[i])->kind == PV_CONST;
}

static const float *
const_f32 (TrawlNnPlan *p, const PlanNode *n, int i)
{
  return (const float *) PV (p, n->in[i])->t.data;
}

/* Output channel count and, per weight element i, its output channel:
 * Conv weights are [M, C/g, ...], ConvTranspose weights [C, M/g, ...]. */
static int64_t
conv_cout (const PlanNode *conv, const TrawlNnTensor *w)
{
  int64_t group = trawl_nn_attrs_get_int (conv->gn->attrs, "group", 1);

  return strcmp (conv->gn->op_type, "ConvTranspose") == 0 ? w->dims[1] * group : w->dims[0];
}

static int64_t
weight_out_channel (const PlanNode *conv, const TrawlNnTensor *w, int64_t i)
{
  int64_t spatial = 1, slice;

  for (int d = 2; d < w->ndim; d++)
    spatial *= w->dims[d];
  slice = i / spatial;
  if (strcmp (conv->gn->op_type, "ConvTranspose") == 0)
    {
      int64_t group = trawl_nn_attrs_get_int (conv->gn->attrs, "group", 1);
      int64_t mg = w->dims[1], cg = w->dims[0] / MAX (group, 1);

      return (slice / mg / cg) * mg + slice % mg;
    }
  return slice / w->dims[1];
}

/* W' = W * s, B' = (B - mean) * s + beta, s = scale / sqrt(var + eps), per
 * output channel. Conv weights are [M, C/g, ...]; ConvTranspose weights
 * [C, M/g, ...], where output channel = group * M/g + index in dim 1. */
static gboolean
fuse_bn (TrawlNnPlan *p, PlanNode *conv, PlanNode *bn)
{
  const TrawlNnTensor *w = &PV (p, conv->in[1])->t;
  int64_t group = trawl_nn_attrs_get_int (conv->gn->attrs, "group", 1);
  int64_t cout, numel = trawl_nn_tensor_numel (w);
  const float *scale, *beta, *mean, *var, *b = NULL;
  float eps = trawl_nn_attrs_get_float (bn->gn->attrs, "epsilon", 1e-5f);
  float *nw, *nb, *s;

  if (bn->n_out != 1 || bn->n_in != 5 || !is_const (p, conv, 1) || w->dtype != TRAWL_NN_F32
      || w->ndim < 3 || group < 1 || w->dims[0] % group
      || (conv->n_in > 2 && conv->in[2] >= 0 && !is_const (p, conv, 2)))
    return FALSE;
  cout = conv_cout (conv, w);
  for (int i = 1; i < 5; i++)
    if (!is_const (p, bn, i) || trawl_nn_tensor_numel (&PV (p, bn->in[i])->t) != cout)
      return FALSE;
  scale = const_f32 (p, bn, 1);
  beta = const_f32 (p, bn, 2);
  mean = const_f32 (p, bn, 3);
  var = const_f32 (p, bn, 4);
  if (conv->n_in > 2 && conv->in[2] >= 0)
    b = const_f32 (p, conv, 2);
  nw = g_memdup2 (w->data, sizeof (float) * numel);
  nb = g_new (float, cout);
  s = g_new (float, cout);
  for (int64_t o = 0; o < cout; o++)
    {
      s[o] = scale[o] / sqrtf (var[o] + eps);
      nb[o] = ((b ? b[o] : 0.0f) - mean[o]) * s[o] + beta[o];
    }
  for (int64_t i = 0; i < numel; i++)
    nw[i] *= s[weight_out_channel (conv, w, i)];
  g_free (s);
  conv->in[1] = _trawl_nn_plan_add_const (p, TRAWL_NN_F32, w->ndim, w->dims, nw);
  conv->in[2] = _trawl_nn_plan_add_const (p, TRAWL_NN_F32, 1, &cout, nb);
  conv->n_in = 3;
  PV (p, conv->out[0])->kind = PV_UNUSED;
  conv->out[0] = bn->out[0];
  bn->dead = TRUE;
  return TRUE;
}

/* The activation a node computes, if it can be an epilogue. */
static gboolean
act_of (TrawlNnPlan *p, const PlanNode *n, TrawlNnEpi *e)
{
  const char *op = n->gn->op_type;
  const TrawlNnAttrs *at = n->gn->attrs;

  e->alpha = e->beta = 0;
  if (n->n_out != 1)
    return FALSE;
  if (strcmp (op, "Relu") == 0)
    e->act = TRAWL_NN_ACT_RELU;
  else if (strcmp (op, "Sigmoid") == 0)
    e->act = TRAWL_NN_ACT_SIGMOID;
  else if (strcmp (op, "LeakyRelu") == 0)
    {
      e->act = TRAWL_NN_ACT_LEAKY_RELU;
      e->alpha = trawl_nn_attrs_get_float (at, "alpha", 0.01f);
    }
  else if (strcmp (op, "HardSigmoid") == 0)
    {
      e->act = TRAWL_NN_ACT_HARD_SIGMOID;
      e->alpha = trawl_nn_attrs_get_float (at, "alpha", 0.2f);
      e->beta = trawl_nn_attrs_get_float (at, "beta", 0.5f);
    }
  else if (strcmp (op, "HardSwish") == 0)
    {
      e->act = TRAWL_NN_ACT_HARD_SWISH;
      e->alpha = 1.0f / 6.0f;
      e->beta = 0.5f;
    }
  else if (strcmp (op, "Clip") == 0)
    {
      e->act = TRAWL_NN_ACT_CLIP;
      e->alpha = trawl_nn_attrs_get_float (at, "min", -G_MAXFLOAT);
      e->beta = trawl_nn_attrs_get_float (at, "max", G_MAXFLOAT);
      for (int i = 1; i < n->n_in; i++)
        {
          if (n->in[i] < 0)
            continue;
          if (!is_const (p, n, i) || PV (p, n->in[i])->t.dtype != TRAWL_NN_F32)
            return FALSE;
          if (i == 1)
            e->alpha = const_f32 (p, n, 1)[0];
          else
            e->beta = const_f32 (p, n, 2)[0];
        }
    }
  else
    return FALSE;
  return TRUE;
}

/* For m = Add/Sub/Mul/Div(y, k) or (k, y) with k constant float: which
 * input is k, and whether k is a scalar (1) or per-channel for channel
 * count ch (2); 0 when m is not of that form. */
static int
const_operand (TrawlNnPlan *p, const PlanNode *m, int y, int64_t ch, int *kidx)
{
  const char *op = m->gn->op_type;
  const TrawlNnTensor *k, *yt = &PV (p, y)->t;
  int64_t numel;

  if (m->n_in != 2 || (strcmp (op, "Add") && strcmp (op, "Sub") && strcmp (op, "Mul")
                       && strcmp (op, "Div")))
    return 0;
  *kidx = m->in[0] == y ? 1 : 0;
  if (m->in[1 - *kidx] != y || m->in[*kidx] == y || !is_const (p, m, *kidx))
    return 0;
  k = &PV (p, m->in[*kidx])->t;
  if (k->dtype != TRAWL_NN_F32 || k->ndim > yt->ndim)
    return 0;
  numel = trawl_nn_tensor_numel (k);
  if (numel == 1)
    return 1;
  /* per-channel: k's only non-1 dim lines up with axis 1 of y */
  if (numel != ch || k->ndim < yt->ndim - 1)
    return 0;
  for (int d = 0; d < k->ndim; d++)
    {
      int yd = d + yt->ndim - k->ndim;
      if (k->dims[d] != (yd == 1 ? ch : 1))
        return 0;
    }
  return 2;
}

/* Copies the conv's W and B into new plan constants (B zeros when absent)
 * so a fold can change them without touching the graph. */
static void
own_weights (TrawlNnPlan *p, PlanNode *conv, float **w, float **b, int64_t *cout)
{
  const TrawlNnTensor *wt = &PV (p, conv->in[1])->t;
  int64_t m = conv_cout (conv, wt), numel = trawl_nn_tensor_numel (wt);
  float *nw = g_memdup2 (wt->data, sizeof (float) * numel);
  float *nb = g_new0 (float, m);

  if (conv->n_in > 2 && conv->in[2] >= 0)
    memcpy (nb, PV (p, conv->in[2])->t.data, sizeof (float) * m);
  conv->in[1] = _trawl_nn_plan_add_const (p, TRAWL_NN_F32, wt->ndim, wt->dims, nw);
  conv->in[2] = _trawl_nn_plan_add_const (p, TRAWL_NN_F32, 1, &m, nb);
  conv->n_in = 3;
  *w = nw;
  *b = nb;
  *cout = m;
}

/* y -> Add/Sub/Mul/Div by a constant: folded into W and B while the conv
 * has no epilogue yet (it is linear), else appended as a scalar step. */
static gboolean
fuse_linear (TrawlNnPlan *p, PlanNode *conv, PlanNode *m)
{
  int y = conv->out[0], ki, kind;
  const TrawlNnTensor *wt = &PV (p, conv->in[1])->t;
  const char *op = m->gn->op_type;
  gboolean mul = strcmp (op, "Mul") == 0 || strcmp (op, "Div") == 0;
  const float *kv;

  if (wt->dtype != TRAWL_NN_F32 || wt->ndim < 3)
    return FALSE;
  kind = const_operand (p, m, y, conv_cout (conv, wt), &ki);
  if (kind == 0)
    return FALSE;
  kv = const_f32 (p, m, ki);
  /* k / y is not of the form a*y + b */
  if (ki == 0 && (strcmp (op, "Div") == 0))
    return FALSE;
  if (conv->n_epi == 0 && is_const (p, conv, 1)
      && (conv->n_in < 3 || conv->in[2] < 0 || is_const (p, conv, 2)))
    {
      float *w, *b;
      int64_t cout, numel = trawl_nn_tensor_numel (wt);
      const TrawlNnTensor wshape = *wt;   /* own_weights replaces in[1] */

      own_weights (p, conv, &w, &b, &cout);
      for (int64_t i = 0; i < numel && (mul || (strcmp (op, "Sub") == 0 && ki == 0)); i++)
        {
          float k = kv[kind == 1 ? 0 : weight_out_channel (conv, &wshape, i)];

          if (mul)
            w[i] *= strcmp (op, "Div") == 0 ? 1.0f / k : k;
          else
            w[i] = -w[i];   /* k - y */
        }
      for (int64_t o = 0; o < cout; o++)
        {
          float k = kv[kind == 1 ? 0 : o];

          if (strcmp (op, "Div") == 0)
            b[o] /= k;
          else if (mul)
            b[o] *= k;
          else if (strcmp (op, "Sub") == 0 && ki == 0)
            b[o] = k - b[o];
          else
            b[o] += strcmp (op, "Sub") == 0 ? -k : k;
        }
      return TRUE;
    }
  if (kind != 1 || conv->n_epi + 2 > TRAWL_NN_MAX_EPI)
    return FALSE;
  if (strcmp (op, "Sub") == 0 && ki == 0)
    {
      conv->epi[conv->n_epi++] = (TrawlNnEpi) { TRAWL_NN_ACT_MUL, -1.0f, 0 };
      conv->epi[conv->n_epi++] = (TrawlNnEpi) { TRAWL_NN_ACT_ADD, kv[0], 0 };
    }
  else if (mul)
    conv->epi[conv->n_epi++] = (TrawlNnEpi) { TRAWL_NN_ACT_MUL,
                                              strcmp (op, "Div") == 0 ? 1.0f / kv[0] : kv[0], 0 };
  else
    conv->epi[conv->n_epi++] = (TrawlNnEpi) { TRAWL_NN_ACT_ADD,
                                              strcmp (op, "Sub") == 0 ? -kv[0] : kv[0], 0 };
  return TRUE;
}

static gboolean
scalar_is (TrawlNnPlan *p, const PlanNode *m, int i, float v)
{
  return is_const (p, m, i) && PV (p, m->in[i])->t.dtype == TRAWL_NN_F32
         && trawl_nn_tensor_numel (&PV (p, m->in[i])->t) == 1
         && fabsf (const_f32 (p, m, i)[0] - v) < 1e-6f * MAX (1.0f, fabsf (v));
}

/* y * HardSigmoid(y), or y * Clip(y + 3, 0, 6) / 6: the HardSwish that
 * exporters unroll; y * Sigmoid(k y) likewise (SiLU, quick GELU). On a match *last is the node whose output ends it and
 * the epilogue step is filled. */
static gboolean
match_hswish (TrawlNnPlan *p, int k, int y, const int *consumer, PlanNode **dead,
              int *n_dead, TrawlNnEpi *e)
{
  PlanNode *mul = &p->nodes[consumer[y]];   /* the later consumer */
  int other = -1;

  if (strcmp (mul->gn->op_type, "Mul") != 0 || mul->n_in != 2)
    return FALSE;
  other = mul->in[0] == y ? mul->in[1] : mul->in[0];
  if ((mul->in[0] != y && mul->in[1] != y) || other == y || other < 0
      || PV (p, other)->uses != 1 || PV (p, other)->is_output)
    return FALSE;
  for (int h = k + 1; h < consumer[y]; h++)
    {
      PlanNode *hs = &p->nodes[h];

      if (hs->dead || hs->n_out != 1 || hs->out[0] != other)
        continue;
      if (strcmp (hs->gn->op_type, "Sigmoid") == 0)
        {
          /* y * Sigmoid(y), or y * Sigmoid(y * k): SiLU and quick GELU */
          int t = hs->in[0];
          int tp = t < (int) p->g->values->len
                   ? g_array_index (p->g->values, TrawlNnValue, t).producer : -1;
          PlanNode *sc = t != y && tp > k ? &p->nodes[tp] : NULL;

          e->act = TRAWL_NN_ACT_SWISH;
          e->alpha = 1.0f;
          e->beta = 0.0f;
          if (t == y)
            {
              dead[0] = hs;
              dead[1] = mul;
              *n_dead = 2;
              return TRUE;
            }
          if (sc == NULL || sc->dead || strcmp (sc->gn->op_type, "Mul") != 0 || sc->n_in != 2
              || sc->out[0] != t || PV (p, t)->uses != 1 || PV (p, t)->is_output)
            return FALSE;
          if (sc->in[0] == y && is_const (p, sc, 1)
              && trawl_nn_tensor_numel (&PV (p, sc->in[1])->t) == 1
              && PV (p, sc->in[1])->t.dtype == TRAWL_NN_F32)
            e->alpha = const_f32 (p, sc, 1)[0];
          else if (sc->in[1] == y && is_const (p, sc, 0)
                   && trawl_nn_tensor_numel (&PV (p, sc->in[0])->t) == 1
                   && PV (p, sc->in[0])->t.dtype == TRAWL_NN_F32)
            e->alpha = const_f32 (p, sc, 0)[0];
          else
            return FALSE;
          dead[0] = sc;
          dead[1] = hs;
          dead[2] = mul;
          *n_dead = 3;
          return TRUE;
        }
      if (strcmp (hs->gn->op_type, "HardSigmoid") == 0 && hs->in[0] == y)
        {
          e->act = TRAWL_NN_ACT_HARD_SWISH;
          e->alpha = trawl_nn_attrs_get_float (hs->gn->attrs, "alpha", 0.2f);
          e->beta = trawl_nn_attrs_get_float (hs->gn->attrs, "beta", 0.5f);
          dead[0] = hs;
          dead[1] = mul;
          *n_dead = 2;
          return TRUE;
        }
      if (strcmp (hs->gn->op_type, "Clip") == 0 && hs->n_in == 3 && scalar_is (p, hs, 1, 0.0f)
          && scalar_is (p, hs, 2, 6.0f))
        {
          int a = hs->in[0];
          int ap = a < (int) p->g->values->len
                   ? g_array_index (p->g->values, TrawlNnValue, a).producer : -1;
          PlanNode *add = ap > k && PV (p, a)->uses == 1 && !PV (p, a)->is_output
                          ? &p->nodes[ap] : NULL;
          PlanNode *div;
          int mo = mul->out[0];

          if (add == NULL || add->dead || strcmp (add->gn->op_type, "Add") != 0 || add->n_in != 2
              || add->out[0] != a
              || !((add->in[0] == y && scalar_is (p, add, 1, 3.0f))
                   || (add->in[1] == y && scalar_is (p, add, 0, 3.0f))))
            return FALSE;
          if (PV (p, mo)->uses != 1 || PV (p, mo)->is_output || consumer[mo] < 0)
            return FALSE;
          div = &p->nodes[consumer[mo]];
          if (!((strcmp (div->gn->op_type, "Div") == 0 && div->in[0] == mo
                 && scalar_is (p, div, 1, 6.0f))
                || (strcmp (div->gn->op_type, "Mul") == 0
                    && ((div->in[0] == mo && scalar_is (p, div, 1, 1.0f / 6.0f))
                        || (div->in[1] == mo && scalar_is (p, div, 0, 1.0f / 6.0f))))))
            return FALSE;
          e->act = TRAWL_NN_ACT_HARD_SWISH;
          e->alpha = 1.0f / 6.0f;
          e->beta = 0.5f;
          dead[0] = add;
          dead[1] = hs;
          dead[2] = mul;
          dead[3] = div;
          *n_dead = 4;
          return TRUE;
        }
    }
  return FALSE;
}

/* Makes m's output the conv's output: m is folded into the conv. */
static void
absorb (TrawlNnPlan *p, PlanNode *conv, PlanNode *m)
{
  PV (p, conv->out[0])->kind = PV_UNUSED;
  conv->out[0] = m->out[0];
  m->dead = TRUE;
}

static gboolean
same_dims (TrawlNnPlan *p, int a, int b)
{
  const TrawlNnTensor *x = &PV (p, a)->t, *y = &PV (p, b)->t;

  return x->ndim == y->ndim && memcmp (x->dims, y->dims, sizeof (int64_t) * x->ndim) == 0;
}

/* One fusion step for node k; FALSE when nothing more fits. */
static gboolean
fuse_step (TrawlNnPlan *p, int k, int *consumer)
{
  PlanNode *n = &p->nodes[k], *m;
  int y = n->out[0];
  TrawlNnEpi e;

  count_uses (p, consumer);
  if (PV (p, y)->is_output || consumer[y] < 0)
    return FALSE;
  m = &p->nodes[consumer[y]];
  if (PV (p, y)->uses == 2)
    {
      PlanNode *dead[4];
      int n_dead = 0;

      if (n->n_epi >= TRAWL_NN_MAX_EPI
          || !match_hswish (p, k, y, consumer, dead, &n_dead, &e)
          || !same_dims (p, y, dead[n_dead - 1]->out[0]))
        return FALSE;
      n->epi[n->n_epi++] = e;
      for (int i = 0; i < n_dead - 1; i++)
        {
          PV (p, dead[i]->out[0])->kind = PV_UNUSED;
          dead[i]->dead = TRUE;
        }
      absorb (p, n, dead[n_dead - 1]);
      return TRUE;
    }
  if (PV (p, y)->uses != 1 || m->n_out != 1 || !same_dims (p, y, m->out[0]))
    return FALSE;
  if (strcmp (m->gn->op_type, "BatchNormalization") == 0)
    {
      if (n->n_epi > 0 || m->in[0] != y)
        return FALSE;
      return fuse_bn (p, n, m);
    }
  if (fuse_linear (p, n, m))
    {
      absorb (p, n, m);
      return TRUE;
    }
  if (m->in[0] == y && n->n_epi < TRAWL_NN_MAX_EPI && act_of (p, m, &e))
    {
      n->epi[n->n_epi++] = e;
      absorb (p, n, m);
      return TRUE;
    }
  return FALSE;
}

void
_trawl_nn_plan_fuse (TrawlNnPlan *p)
{
  int *consumer = g_new (int, p->values->len + 4 * p->n_nodes + 8);

  for (int k = 0; k < p->n_nodes; k++)
    {
      if (p->nodes[k].dead || !(p->nodes[k].op->flags & TRAWL_NN_OP_FUSE_ACT))
        continue;
      while (fuse_step (p, k, consumer))
        ;
    }
  g_free (consumer);
}

