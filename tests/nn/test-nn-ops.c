/* test-nn-ops.c - CPU op kernels against naive reference loops written
 * here independently (ONNX semantics), on odd shapes: 1x1 images, widths
 * not a multiple of 8, batch > 1, asymmetric pads, groups, dilation,
 * broadcasting. */
#include "nn-test-util.h"
#include "nn/nn-private.h"

/* ---- Conv ---- */

typedef struct {
  int64_t n, c, h, w, m, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, g;
  gboolean bias;
} ConvCase;

static void
ref_conv (const ConvCase *k, const float *x, const float *w, const float *b, float *y,
          int64_t oh, int64_t ow)
{
  int64_t cg = k->c / k->g, mg = k->m / k->g;

  for (int64_t n = 0; n < k->n; n++)
    for (int64_t m = 0; m < k->m; m++)
      for (int64_t oy = 0; oy < oh; oy++)
        for (int64_t ox = 0; ox < ow; ox++)
          {
            double acc = b ? b[m] : 0;
            int64_t grp = m / mg;

            for (int64_t c = 0; c < cg; c++)
              for (int64_t ky = 0; ky < k->kh; ky++)
                for (int64_t kx = 0; kx < k->kw; kx++)
                  {
                    int64_t iy = oy * k->sh - k->pt + ky * k->dh;
                    int64_t ix = ox * k->sw - k->pl + kx * k->dw;

                    if (iy < 0 || iy >= k->h || ix < 0 || ix >= k->w)
                      continue;
                    acc += x[((n * k->c + grp * cg + c) * k->h + iy) * k->w + ix]
                           * w[((m * cg + c) * k->kh + ky) * k->kw + kx];
                  }
            y[((n * k->m + m) * oh + oy) * ow + ox] = (float) acc;
          }
}

static void
check_conv (const ConvCase *k, const char *auto_pad, gboolean one_d)
{
  int64_t oh = (k->h + k->pt + k->pb - k->dh * (k->kh - 1) - 1) / k->sh + 1;
  int64_t ow = (k->w + k->pl + k->pr - k->dw * (k->kw - 1) - 1) / k->sw + 1;
  int64_t xd[4] = { k->n, k->c, k->h, k->w }, wd[4] = { k->m, k->c / k->g, k->kh, k->kw };
  int64_t bd[1] = { k->m };
  int64_t xd1[3] = { k->n, k->c, k->w }, wd1[3] = { k->m, k->c / k->g, k->kw };
  float *x = rnd (numel (4, xd), 1), *w = rnd (numel (4, wd), 2), *b = rnd (k->m, 3);
  float *want = g_new (float, k->n * k->m * oh * ow), *got;
  TrawlNnAttrs *at = trawl_nn_attrs_new ();
  Arg args[3];
  TrawlNnTensor os;

  ref_conv (k, x, w, k->bias ? b : NULL, want, oh, ow);
  if (one_d)
    {
      args[0] = farg (3, xd1, x, FALSE);
      args[1] = farg (3, wd1, w, TRUE);
      trawl_nn_attrs_set_ints (at, "strides", &k->sw, 1);
      trawl_nn_attrs_set_ints (at, "dilations", &k->dw, 1);
      trawl_nn_attrs_set_ints (at, "pads", (int64_t[]) { k->pl, k->pr }, 2);
    }
  else
    {
      args[0] = farg (4, xd, x, FALSE);
      args[1] = farg (4, wd, w, TRUE);
      trawl_nn_attrs_set_ints (at, "strides", (int64_t[]) { k->sh, k->sw }, 2);
      trawl_nn_attrs_set_ints (at, "dilations", (int64_t[]) { k->dh, k->dw }, 2);
      if (auto_pad)
        trawl_nn_attrs_set_string (at, "auto_pad", auto_pad);
      else
        trawl_nn_attrs_set_ints (at, "pads", (int64_t[]) { k->pt, k->pl, k->pb, k->pr }, 4);
    }
  args[2] = farg (1, bd, b, TRUE);
  trawl_nn_attrs_set_int (at, "group", k->g);
  got = run_op ("Conv", args, k->bias ? 3 : 2, at, &os);
  if (one_d)
    assert_shape (&os, 3, (int64_t[]) { k->n, k->m, ow });
  else
    assert_shape (&os, 4, (int64_t[]) { k->n, k->m, oh, ow });
  assert_close (got, want, k->n * k->m * oh * ow, 1e-4f);
  g_free (x);
  g_free (w);
  g_free (b);
  g_free (want);
  g_free (got);
}

static void
test_conv (void)
{
  static const ConvCase cases[] = {
    /* n  c   h   w   m kh kw sh sw dh dw pt pl pb pr  g  bias */
    { 2,  3,  7,  9,  4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, TRUE },   /* batch 2, same pad */
    { 1,  1,  1,  1,  2, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, TRUE },   /* 1x1 image */
    { 1,  1,  1,  1,  2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, FALSE },  /* 1x1 image, 3x3 */
    { 1,  4,  8, 10,  6, 3, 3, 2, 2, 1, 1, 0, 1, 1, 0, 2, TRUE },   /* groups, asymmetric pads */
    { 2,  8,  9, 11,  8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8, TRUE },   /* depthwise */
    { 1,  6, 13, 17,  6, 5, 5, 2, 2, 1, 1, 2, 2, 2, 2, 6, TRUE },   /* depthwise 5x5 s2 */
    { 1,  5, 10, 12,  5, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 5, FALSE },  /* depthwise dilated */
    { 1,  5,  7,  5,  5, 3, 3, 3, 3, 1, 1, 0, 2, 1, 0, 5, TRUE },   /* depthwise s3 asym */
    { 1,  4,  9, 10,  4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 4, TRUE },   /* depthwise 3x3 s2 */
    { 1,  3,  6,  7,  3, 3, 3, 2, 2, 1, 1, 0, 0, 1, 1, 3, FALSE },  /* depthwise s2 asym */
    { 2,  3,  8, 13,  3, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 3, TRUE },   /* depthwise 5x5 s1 */
    { 1,  2,  9,  9,  2, 7, 7, 1, 1, 1, 1, 3, 3, 3, 3, 2, TRUE },   /* depthwise 7x7 */
    { 1,  2,  1,  1,  2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, TRUE },   /* depthwise 1x1 image */
    { 1,  3, 11, 13,  5, 3, 3, 1, 1, 2, 2, 1, 2, 0, 1, 1, TRUE },   /* dilated */
    { 2, 16,  5,  7,  8, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, TRUE },   /* pointwise */
    { 1, 48,  9, 10, 80, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, TRUE },   /* pointwise, split by rows */
    { 2, 64,  6,  9,128, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 2, FALSE },  /* same, grouped, batch 2 */
    { 1,  8,  9,  9,  4, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1, TRUE },   /* 1x1 stride 2 */
    { 1,  2,  6,  1,  3, 3, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, TRUE },   /* width 1 */
    { 1,  3,  6,  7,  6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3, TRUE },   /* channel multiplier 2 */
    { 3, 20, 17, 19, 33, 3, 3, 2, 1, 1, 1, 1, 0, 0, 1, 1, TRUE },   /* bigger, odd */
    { 2, 16,  9, 11, 17, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, TRUE },   /* 3x3 s1, odd sizes    */
    { 1, 24,  8, 13, 16, 3, 3, 1, 1, 1, 1, 0, 1, 1, 0, 1, FALSE },  /* 3x3 s1, asym pads    */
    { 1, 16, 40, 45, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, TRUE },   /* 3x3 s1, many tiles   */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    check_conv (&cases[i], NULL, FALSE);
}

static void
test_conv_auto_pad (void)
{
  /* k=4, s=2 on 9: out 5, total pad (5-1)*2+4-9 = 3 */
  ConvCase upper = { 1, 2, 9, 9, 3, 4, 4, 2, 2, 1, 1, 1, 1, 2, 2, 1, TRUE };
  ConvCase lower = { 1, 2, 9, 9, 3, 4, 4, 2, 2, 1, 1, 2, 2, 1, 1, 1, TRUE };
  ConvCase valid = { 1, 2, 9, 8, 3, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0, 1, TRUE };

  check_conv (&upper, "SAME_UPPER", FALSE);
  check_conv (&lower, "SAME_LOWER", FALSE);
  check_conv (&valid, "VALID", FALSE);
}

static void
test_conv_1d (void)
{
  ConvCase k = { 2, 3, 1, 13, 4, 1, 3, 1, 2, 1, 1, 0, 1, 0, 2, 1, TRUE };

  check_conv (&k, NULL, TRUE);
}

/* ---- ConvTranspose ---- */

static void
test_conv_transpose (void)
{
  struct { int64_t n, c, h, w, m, k, s, p0, p1, op, g; } cases[] = {
    { 1, 4, 5, 6, 3, 2, 2, 0, 0, 0, 1 },   /* the DB head's 2x2 s2 upsample */
    { 2, 4, 3, 4, 6, 3, 2, 1, 1, 1, 2 },   /* pads, output_padding, groups */
    { 1, 1, 1, 1, 2, 3, 1, 0, 0, 0, 1 },   /* 1x1 input */
  };

  for (guint t = 0; t < G_N_ELEMENTS (cases); t++)
    {
      int64_t n = cases[t].n, c = cases[t].c, h = cases[t].h, w = cases[t].w;
      int64_t m = cases[t].m, k = cases[t].k, s = cases[t].s, g = cases[t].g;
      int64_t p0 = cases[t].p0, p1 = cases[t].p1, op = cases[t].op;
      int64_t oh = s * (h - 1) + op + k - p0 - p1, ow = oh + s * (w - h);
      int64_t cg = c / g, mg = m / g;
      int64_t xd[4] = { n, c, h, w }, wd[4] = { c, mg, k, k }, bd[1] = { m };
      float *x = rnd (numel (4, xd), 5), *wt = rnd (numel (4, wd), 6), *b = rnd (m, 7);
      float *want = g_new0 (float, n * m * oh * ow), *got;
      TrawlNnAttrs *at = trawl_nn_attrs_new ();
      Arg args[3] = { farg (4, xd, x, FALSE), farg (4, wd, wt, TRUE), farg (1, bd, b, TRUE) };
      TrawlNnTensor os;

      for (int64_t i = 0; i < n * m * oh * ow; i++)
        want[i] = b[i / (oh * ow) % m];
      for (int64_t in = 0; in < n; in++)
        for (int64_t ci = 0; ci < c; ci++)
          for (int64_t iy = 0; iy < h; iy++)
            for (int64_t ix = 0; ix < w; ix++)
              for (int64_t mm = 0; mm < mg; mm++)
                for (int64_t ky = 0; ky < k; ky++)
                  for (int64_t kx = 0; kx < k; kx++)
                    {
                      int64_t oy = iy * s - p0 + ky, ox = ix * s - p0 + kx;
                      int64_t mo = (ci / cg) * mg + mm;

                      if (oy < 0 || oy >= oh || ox < 0 || ox >= ow)
                        continue;
                      want[((in * m + mo) * oh + oy) * ow + ox] +=
                        x[((in * c + ci) * h + iy) * w + ix] * wt[((ci * mg + mm) * k + ky) * k + kx];
                    }
      trawl_nn_attrs_set_ints (at, "strides", (int64_t[]) { s, s }, 2);
      trawl_nn_attrs_set_ints (at, "pads", (int64_t[]) { p0, p0, p1, p1 }, 4);
      trawl_nn_attrs_set_ints (at, "output_padding", (int64_t[]) { op, op }, 2);
      trawl_nn_attrs_set_int (at, "group", g);
      got = run_op ("ConvTranspose", args, 3, at, &os);
      assert_shape (&os, 4, (int64_t[]) { n, m, oh, ow });
      assert_close (got, want, n * m * oh * ow, 1e-4f);
      g_free (x); g_free (wt); g_free (b); g_free (want); g_free (got);
    }
}

/* ---- pooling ---- */

static void
check_pool (gboolean is_max, int64_t h, int64_t w, int64_t k, int64_t s, int64_t pt,
            int64_t pl, int64_t pb, int64_t pr, gboolean ceil_mode, gboolean include_pad)
{
  int64_t n = 2, c = 3;
  int64_t oh = (h + pt + pb - k + (ceil_mode ? s - 1 : 0)) / s + 1;
  int64_t ow = (w + pl + pr - k + (ceil_mode ? s - 1 : 0)) / s + 1;
  int64_t xd[4] = { n, c, h, w };
  float *x = rnd (numel (4, xd), 9), *want, *got;
  TrawlNnAttrs *at = trawl_nn_attrs_new ();
  Arg a = farg (4, xd, x, FALSE);
  TrawlNnTensor os;

  if (ceil_mode && (oh - 1) * s >= h + pt)
    oh--;
  if (ceil_mode && (ow - 1) * s >= w + pl)
    ow--;
  want = g_new (float, n * c * oh * ow);
  for (int64_t p = 0; p < n * c; p++)
    for (int64_t oy = 0; oy < oh; oy++)
      for (int64_t ox = 0; ox < ow; ox++)
        {
          float best = -INFINITY;
          double sum = 0;
          int cnt = 0, padcnt = 0;

          for (int64_t iy = oy * s - pt; iy < oy * s - pt + k; iy++)
            for (int64_t ix = ox * s - pl; ix < ox * s - pl + k; ix++)
              {
                if (iy < h + pb && ix < w + pr)
                  padcnt++;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                  continue;
                best = MAX (best, x[(p * h + iy) * w + ix]);
                sum += x[(p * h + iy) * w + ix];
                cnt++;
              }
          want[(p * oh + oy) * ow + ox] = is_max ? best : (float) (sum / (include_pad ? padcnt : cnt));
        }
  trawl_nn_attrs_set_ints (at, "kernel_shape", (int64_t[]) { k, k }, 2);
  trawl_nn_attrs_set_ints (at, "strides", (int64_t[]) { s, s }, 2);
  trawl_nn_attrs_set_ints (at, "pads", (int64_t[]) { pt, pl, pb, pr }, 4);
  trawl_nn_attrs_set_int (at, "ceil_mode", ceil_mode);
  trawl_nn_attrs_set_int (at, "count_include_pad", include_pad);
  got = run_op (is_max ? "MaxPool" : "AveragePool", &a, 1, at, &os);
  assert_shape (&os, 4, (int64_t[]) { n, c, oh, ow });
  assert_close (got, want, n * c * oh * ow, 1e-5f);
  g_free (x);
  g_free (want);
  g_free (got);
}

static void
test_pool (void)
{
  check_pool (TRUE, 7, 9, 3, 2, 1, 1, 1, 1, FALSE, FALSE);
  check_pool (TRUE, 6, 5, 2, 2, 0, 0, 0, 0, TRUE, FALSE);
  check_pool (TRUE, 1, 1, 1, 1, 0, 0, 0, 0, FALSE, FALSE);
  check_pool (FALSE, 7, 9, 3, 2, 1, 0, 1, 2, FALSE, FALSE);
  check_pool (FALSE, 7, 9, 3, 2, 1, 0, 1, 2, FALSE, TRUE);
  check_pool (FALSE, 5, 6, 2, 2, 0, 0, 0, 0, TRUE, FALSE);
  check_pool (FALSE, 8, 11, 3, 1, 1, 1, 1, 1, FALSE, TRUE);
}

static void
test_global_pool (void)
{
  int64_t xd[4] = { 2, 5, 3, 7 };
  float *x = rnd (numel (4, xd), 11), want[10], *got;
  Arg a = farg (4, xd, x, FALSE);
  TrawlNnTensor os;

  for (int p = 0; p < 10; p++)
    {
      double s = 0;
      for (int i = 0; i < 21; i++)
        s += x[p * 21 + i];
      want[p] = (float) (s / 21);
    }
  got = run_op ("GlobalAveragePool", &a, 1, NULL, &os);
  assert_shape (&os, 4, (int64_t[]) { 2, 5, 1, 1 });
  assert_close (got, want, 10, 1e-5f);
  g_free (x);
  g_free (got);
}

/* ---- broadcasting binary ops ---- */

/* y[i] = f(a[bcast i], b[bcast i]) by explicit index arithmetic. */
static void
ref_binary (char op, int na, const int64_t *ad, const float *a, int nb, const int64_t *bd,
            const float *b, int no, const int64_t *od, float *y)
{
  int64_t n = numel (no, od);

  for (int64_t i = 0; i < n; i++)
    {
      int64_t r = i, ai = 0, bi = 0, as = 1, bs = 1;

      for (int d = no - 1; d >= 0; d--)
        {
          int64_t idx = r % od[d];
          int da = d - (no - na), db = d - (no - nb);

          r /= od[d];
          if (da >= 0)
            {
              ai += (ad[da] == 1 ? 0 : idx) * as;
              as *= ad[da];
            }
          if (db >= 0)
            {
              bi += (bd[db] == 1 ? 0 : idx) * bs;
              bs *= bd[db];
            }
        }
      switch (op)
        {
        case '+': y[i] = a[ai] + b[bi]; break;
        case '-': y[i] = a[ai] - b[bi]; break;
        case '*': y[i] = a[ai] * b[bi]; break;
        case '/': y[i] = a[ai] / b[bi]; break;
        case 'p': y[i] = a[ai] >= 0 ? a[ai] : a[ai] * b[bi]; break;
        }
    }
}

static void
test_broadcast (void)
{
  struct { int na; int64_t ad[4]; int nb; int64_t bd[4]; int no; int64_t od[4]; } cases[] = {
    { 4, { 2, 3, 4, 5 }, 4, { 2, 3, 4, 5 }, 4, { 2, 3, 4, 5 } },
    { 4, { 2, 3, 4, 5 }, 3, { 3, 1, 1 }, 4, { 2, 3, 4, 5 } },
    { 4, { 2, 3, 4, 5 }, 1, { 1 }, 4, { 2, 3, 4, 5 } },
    { 1, { 1 }, 4, { 2, 3, 4, 5 }, 4, { 2, 3, 4, 5 } },
    { 2, { 4, 1 }, 3, { 3, 1, 6 }, 3, { 3, 4, 6 } },
    { 4, { 1, 3, 1, 5 }, 4, { 2, 1, 4, 1 }, 4, { 2, 3, 4, 5 } },
    { 3, { 2, 1, 7 }, 1, { 7 }, 3, { 2, 1, 7 } },
  };
  const char *ops[] = { "Add", "Sub", "Mul", "Div", "PRelu" };
  const char sym[] = { '+', '-', '*', '/', 'p' };

  for (guint t = 0; t < G_N_ELEMENTS (cases); t++)
    for (int o = 0; o < 5; o++)
      {
        float *a = rnd (numel (cases[t].na, cases[t].ad), 20 + t);
        float *b = rnd (numel (cases[t].nb, cases[t].bd), 40 + t);
        int64_t n = numel (cases[t].no, cases[t].od);
        float *want = g_new (float, n), *got;
        Arg args[2];
        TrawlNnTensor os;

        /* keep divisors away from 0 */
        if (o == 3)
          for (int64_t i = 0; i < numel (cases[t].nb, cases[t].bd); i++)
            b[i] += 3.0f;
        ref_binary (sym[o], cases[t].na, cases[t].ad, a, cases[t].nb, cases[t].bd, b,
                    cases[t].no, cases[t].od, want);
        args[0] = farg (cases[t].na, cases[t].ad, a, FALSE);
        args[1] = farg (cases[t].nb, cases[t].bd, b, t % 2 == 0);
        got = run_op (ops[o], args, 2, NULL, &os);
        assert_shape (&os, cases[t].no, cases[t].od);
        assert_close (got, want, n, 1e-5f);
        g_free (a); g_free (b); g_free (want); g_free (got);
      }
}

static void
test_int64_ops (void)
{
  int64_t a[3] = { 7, -7, 12 }, b[3] = { 2, 2, -5 }, d[1] = { 3 };
  const char *ops[] = { "Add", "Sub", "Mul", "Div" };
  int64_t want[4][3] = { { 9, -5, 7 }, { 5, -9, 17 }, { 14, -14, -60 }, { 3, -3, -2 } };

  for (int o = 0; o < 4; o++)
    {
      Arg args[2] = { iarg (1, d, a, FALSE), iarg (1, d, b, FALSE) };
      TrawlNnTensor os;
      int64_t *got = (int64_t *) run_op (ops[o], args, 2, NULL, &os);

      g_assert_cmpint (os.dtype, ==, TRAWL_NN_I64);
      for (int i = 0; i < 3; i++)
        g_assert_cmpint (got[i], ==, want[o][i]);
      g_free (got);
    }
}

/* ---- activations ---- */

static void
test_unary (void)
{
  int64_t d[2] = { 3, 37 };
  float *x = rnd (111, 30), want[111], *got;
  struct { const char *op; } ops[] = { { "Relu" }, { "Sigmoid" }, { "Tanh" }, { "Exp" },
                                       { "Neg" }, { "HardSigmoid" }, { "HardSwish" },
                                       { "LeakyRelu" }, { "Clip" }, { "Erf" }, { "Abs" } };

  for (guint o = 0; o < G_N_ELEMENTS (ops); o++)
    {
      Arg a = farg (2, d, x, FALSE);
      TrawlNnAttrs *at = trawl_nn_attrs_new ();
      TrawlNnTensor os;

      if (strcmp (ops[o].op, "Clip") == 0)
        {
          trawl_nn_attrs_set_float (at, "min", -0.25f);
          trawl_nn_attrs_set_float (at, "max", 0.5f);
        }
      if (strcmp (ops[o].op, "LeakyRelu") == 0)
        trawl_nn_attrs_set_float (at, "alpha", 0.1f);
      for (int i = 0; i < 111; i++)
        {
          double v = x[i];
          switch (o)
            {
            case 0: want[i] = v > 0 ? v : 0; break;
            case 1: want[i] = 1 / (1 + exp (-v)); break;
            case 2: want[i] = tanh (v); break;
            case 3: want[i] = exp (v); break;
            case 4: want[i] = -v; break;
            case 5: want[i] = MAX (0, MIN (1, 0.2 * v + 0.5)); break;
            case 6: want[i] = v * MAX (0, MIN (1, v / 6 + 0.5)); break;
            case 7: want[i] = v >= 0 ? v : 0.1 * v; break;
            case 8: want[i] = MAX (-0.25, MIN (0.5, v)); break;
            case 9: want[i] = erf (v); break;
            case 10: want[i] = fabs (v); break;
            }
        }
      got = run_op (ops[o].op, &a, 1, at, &os);
      assert_shape (&os, 2, d);
      assert_close (got, want, 111, 1e-5f);
      g_free (got);
    }
  g_free (x);
}

static void
test_clip_inputs (void)
{
  int64_t d[1] = { 5 }, s[1] = { 1 };
  float x[5] = { -3, -0.5f, 0, 2, 9 }, lo = 0, hi = 6, want[5] = { 0, 0, 0, 2, 6 }, *got;
  Arg args[3] = { farg (1, d, x, FALSE), farg (0, s, &lo, TRUE), farg (0, s, &hi, TRUE) };
  TrawlNnTensor os;

  got = run_op ("Clip", args, 3, NULL, &os);
  assert_close (got, want, 5, 0);
  g_free (got);
}

/* ---- MatMul and Gemm ---- */

static void
check_matmul (int na, const int64_t *ad, int nb, const int64_t *bd, int no, const int64_t *od)
{
  int64_t m = na > 1 ? ad[na - 2] : 1, k = ad[na - 1], n = nb > 1 ? bd[nb - 1] : 1;
  int64_t batches = 1, total = numel (no, od);
  float *a = rnd (numel (na, ad), 50), *b = rnd (numel (nb, bd), 51);
  float *want = g_new (float, total), *got;
  Arg args[2] = { farg (na, ad, a, FALSE), farg (nb, bd, b, FALSE) };
  TrawlNnTensor os;
  int bnd = MAX (na, nb) - 2;
  int64_t bdims[4];

  for (int d = 0; d < bnd; d++)
    {
      int ia = d - (bnd - (na - 2)), ib = d - (bnd - (nb - 2));
      int64_t da = ia >= 0 && na > 2 ? ad[ia] : 1, db = ib >= 0 && nb > 2 ? bd[ib] : 1;
      bdims[d] = MAX (da, db);
      batches *= bdims[d];
    }
  for (int64_t bi = 0; bi < MAX (batches, 1); bi++)
    {
      int64_t ao = 0, bo = 0, as = 1, bs = 1, r = bi;

      for (int d = bnd - 1; d >= 0; d--)
        {
          int ia = d - (bnd - (na - 2)), ib = d - (bnd - (nb - 2));
          int64_t idx = r % bdims[d];

          r /= bdims[d];
          if (ia >= 0 && na > 2)
            {
              ao += (ad[ia] == 1 ? 0 : idx) * as;
              as *= ad[ia];
            }
          if (ib >= 0 && nb > 2)
            {
              bo += (bd[ib] == 1 ? 0 : idx) * bs;
              bs *= bd[ib];
            }
        }
      for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++)
          {
            double acc = 0;
            for (int64_t q = 0; q < k; q++)
              acc += a[ao * m * k + i * k + q] * b[bo * k * n + q * n + j];
            want[bi * m * n + i * n + j] = (float) acc;
          }
    }
  got = run_op ("MatMul", args, 2, NULL, &os);
  assert_shape (&os, no, od);
  assert_close (got, want, total, 1e-4f);
  g_free (a); g_free (b); g_free (want); g_free (got);
}

static void
test_matmul (void)
{
  check_matmul (2, (int64_t[]) { 5, 7 }, 2, (int64_t[]) { 7, 3 }, 2, (int64_t[]) { 5, 3 });
  check_matmul (3, (int64_t[]) { 2, 5, 7 }, 2, (int64_t[]) { 7, 3 }, 3, (int64_t[]) { 2, 5, 3 });
  check_matmul (4, (int64_t[]) { 2, 1, 5, 7 }, 3, (int64_t[]) { 3, 7, 4 }, 4,
                (int64_t[]) { 2, 3, 5, 4 });
  check_matmul (1, (int64_t[]) { 7 }, 2, (int64_t[]) { 7, 3 }, 1, (int64_t[]) { 3 });
  check_matmul (2, (int64_t[]) { 4, 7 }, 1, (int64_t[]) { 7 }, 1, (int64_t[]) { 4 });
  check_matmul (3, (int64_t[]) { 3, 70, 96 }, 3, (int64_t[]) { 3, 96, 80 }, 3,
                (int64_t[]) { 3, 70, 80 });
}

static void
test_gemm (void)
{
  int64_t ad[2] = { 6, 4 }, bd[2] = { 5, 6 }, cd[1] = { 5 };
  float *a = rnd (24, 60), *b = rnd (30, 61), *c = rnd (5, 62), want[20], *got;
  TrawlNnAttrs *at = trawl_nn_attrs_new ();
  Arg args[3] = { farg (2, ad, a, FALSE), farg (2, bd, b, TRUE), farg (1, cd, c, TRUE) };
  TrawlNnTensor os;

  /* Y = 0.5 * A^T B^T + 2 C, A [6,4] -> [4,6], B [5,6] -> [6,5] */
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 5; j++)
      {
        double acc = 0;
        for (int q = 0; q < 6; q++)
          acc += a[q * 4 + i] * b[j * 6 + q];
        want[i * 5 + j] = (float) (0.5 * acc + 2 * c[j]);
      }
  trawl_nn_attrs_set_int (at, "transA", 1);
  trawl_nn_attrs_set_int (at, "transB", 1);
  trawl_nn_attrs_set_float (at, "alpha", 0.5f);
  trawl_nn_attrs_set_float (at, "beta", 2.0f);
  got = run_op ("Gemm", args, 3, at, &os);
  assert_shape (&os, 2, (int64_t[]) { 4, 5 });
  assert_close (got, want, 20, 1e-5f);
  g_free (a); g_free (b); g_free (c); g_free (got);
}

/* ---- normalisation, reduction ---- */

static void
test_softmax (void)
{
  int64_t d[3] = { 2, 3, 5 };
  float *x = rnd (30, 70), want[30], *got;
  TrawlNnTensor os;

  for (int axis = 0; axis < 3; axis++)
    {
      TrawlNnAttrs *at = trawl_nn_attrs_new ();
      Arg a = farg (3, d, x, FALSE);
      int64_t st[3] = { 15, 5, 1 };

      for (int i = 0; i < 30; i++)
        {
          int64_t idx = i / st[axis] % d[axis], base = i - idx * st[axis];
          double s = 0;

          for (int j = 0; j < d[axis]; j++)
            s += exp (x[base + j * st[axis]]);
          want[i] = (float) (exp (x[i]) / s);
        }
      trawl_nn_attrs_set_int (at, "axis", axis);
      got = run_op ("Softmax", &a, 1, at, &os);
      assert_close (got, want, 30, 1e-5f);
      g_free (got);
    }
  g_free (x);
}

static void
test_reduce_mean (void)
{
  int64_t d[4] = { 2, 3, 4, 5 };
  float *x = rnd (120, 71), want[8], *got;
  TrawlNnAttrs *at = trawl_nn_attrs_new ();
  Arg a = farg (4, d, x, FALSE);
  TrawlNnTensor os;

  /* axes {1, 3}, keepdims: [2,1,4,1] */
  for (int n = 0; n < 2; n++)
    for (int h = 0; h < 4; h++)
      {
        double s = 0;
        for (int c = 0; c < 3; c++)
          for (int w = 0; w < 5; w++)
            s += x[((n * 3 + c) * 4 + h) * 5 + w];
        want[n * 4 + h] = (float) (s / 15);
      }
  trawl_nn_attrs_set_ints (at, "axes", (int64_t[]) { 1, -1 }, 2);
  got = run_op ("ReduceMean", &a, 1, at, &os);
  assert_shape (&os, 4, (int64_t[]) { 2, 1, 4, 1 });
  assert_close (got, want, 8, 1e-5f);
  g_free (x);
  g_free (got);
}

static void
test_layer_norm (void)
{
  int64_t d[3] = { 2, 3, 8 }, sd[1] = { 8 };
  float *x = rnd (48, 72), *sc = rnd (8, 73), *b = rnd (8, 74), want[48], *got;
  Arg args[3] = { farg (3, d, x, FALSE), farg (1, sd, sc, TRUE), farg (1, sd, b, TRUE) };
  TrawlNnTensor os;

  for (int r = 0; r < 6; r++)
    {
      double m = 0, v = 0;
      for (int i = 0; i < 8; i++)
        m += x[r * 8 + i];
      m /= 8;
      for (int i = 0; i < 8; i++)
        v += (x[r * 8 + i] - m) * (x[r * 8 + i] - m);
      v /= 8;
      for (int i = 0; i < 8; i++)
        want[r * 8 + i] = (float) ((x[r * 8 + i] - m) / sqrt (v + 1e-5) * sc[i] + b[i]);
    }
  got = run_op ("LayerNormalization", args, 3, NULL, &os);
  assert_close (got, want, 48, 1e-4f);
  g_free (x); g_free (sc); g_free (b); g_free (got);
}

static void
test_batch_norm (void)
{
  int64_t d[4] = { 2, 3, 2, 3 }, cd[1] = { 3 };
  float *x = rnd (36, 75), sc[3] = { 1, 2, -1 }, b[3] = { 0, 1, 2 }, mean[3] = { 0.1f, 0, -1 };
  float var[3] = { 1, 4, 0.25f }, want[36], *got;
  Arg args[5] = { farg (4, d, x, FALSE), farg (1, cd, sc, TRUE), farg (1, cd, b, TRUE),
                  farg (1, cd, mean, TRUE), farg (1, cd, var, TRUE) };
  TrawlNnTensor os;

  for (int i = 0; i < 36; i++)
    {
      int c = i / 6 % 3;
      want[i] = (float) ((x[i] - mean[c]) / sqrt (var[c] + 1e-5) * sc[c] + b[c]);
    }
  got = run_op ("BatchNormalization", args, 5, NULL, &os);
  assert_close (got, want, 36, 1e-5f);
  g_free (x);
  g_free (got);
}

/* ---- data movement ---- */

static void
test_transpose (void)
{
  int64_t d[4] = { 2, 3, 4, 5 };
  float *x = rnd (120, 80), want[120], *got;
  TrawlNnAttrs *at = trawl_nn_attrs_new ();
  Arg a = farg (4, d, x, FALSE);
  TrawlNnTensor os;

  /* perm (0, 2, 3, 1): y[n][h][w][c] = x[n][c][h][w] */
  for (int n = 0; n < 2; n++)
    for (int c = 0; c < 3; c++)
      for (int h = 0; h < 4; h++)
        for (int w = 0; w < 5; w++)
          want[((n * 4 + h) * 5 + w) * 3 + c] = x[((n * 3 + c) * 4 + h) * 5 + w];
  trawl_nn_attrs_set_ints (at, "perm", (int64_t[]) { 0, 2, 3, 1 }, 4);
  got = run_op ("Transpose", &a, 1, at, &os);
  assert_shape (&os, 4, (int64_t[]) { 2, 4, 5, 3 });
  assert_close (got, want, 120, 0);
  g_free (x);
  g_free (got);
}

static void
test_slice (void)
{
  int64_t d[3] = { 4, 5, 6 }, one[1] = { 2 };
  float *x = rnd (120, 81), *got;
  int64_t starts[2] = { 1, -1 }, ends[2] = { 100, -5 }, axes[2] = { 0, 2 }, steps[2] = { 2, -2 };
  Arg args[5] = { farg (3, d, x, FALSE), iarg (1, one, starts, TRUE), iarg (1, one, ends, TRUE),
                  iarg (1, one, axes, TRUE), iarg (1, one, steps, TRUE) };
  TrawlNnTensor os;
  float want[2 * 5 * 2];
  int k = 0;

  /* axis 0: 1, 3; axis 2: 5, 3 (end -5 = 1 exclusive) */
  for (int i = 1; i < 4; i += 2)
    for (int j = 0; j < 5; j++)
      for (int l = 5; l > 1; l -= 2)
        want[k++] = x[(i * 5 + j) * 6 + l];
  got = run_op ("Slice", args, 5, NULL, &os);
  assert_shape (&os, 3, (int64_t[]) { 2, 5, 2 });
  assert_close (got, want, 20, 0);
  g_free (x);
  g_free (got);
}

static void
test_pad (void)
{
  int64_t d[4] = { 1, 2, 3, 4 }, pd[1] = { 8 };
  float *x = rnd (24, 82), *got;
  int64_t pads[8] = { 0, 0, 1, 2, 0, 0, 2, 1 };
  const char *modes[] = { "constant", "reflect", "edge" };

  for (int m = 0; m < 3; m++)
    {
      TrawlNnAttrs *at = trawl_nn_attrs_new ();
      Arg args[2] = { farg (4, d, x, FALSE), iarg (1, pd, pads, TRUE) };
      TrawlNnTensor os;
      float want[2 * 6 * 7];

      for (int c = 0; c < 2; c++)
        for (int y = 0; y < 6; y++)
          for (int xx = 0; xx < 7; xx++)
            {
              int iy = y - 1, ix = xx - 2;
              gboolean out = iy < 0 || iy >= 3 || ix < 0 || ix >= 4;

              if (m == 1)
                {
                  iy = iy < 0 ? -iy : iy >= 3 ? 4 - iy : iy;
                  ix = ix < 0 ? -ix : ix >= 4 ? 6 - ix : ix;
                }
              else if (m == 2)
                {
                  iy = CLAMP (iy, 0, 2);
                  ix = CLAMP (ix, 0, 3);
                }
              want[(c * 6 + y) * 7 + xx] = m == 0 && out ? 0.0f : x[(c * 3 + iy) * 4 + ix];
            }
      trawl_nn_attrs_set_string (at, "mode", modes[m]);
      got = run_op ("Pad", args, 2, at, &os);
      assert_shape (&os, 4, (int64_t[]) { 1, 2, 6, 7 });
      assert_close (got, want, 84, 0);
      g_free (got);
    }
  g_free (x);
}

static void
test_concat_gather (void)
{
  int64_t ad[3] = { 2, 2, 3 }, bd[3] = { 2, 1, 3 }, id[2] = { 2, 2 };
  float *a = rnd (12, 83), *b = rnd (6, 84), want[18], *got;
  int64_t idx[4] = { 2, 0, -1, 1 };
  TrawlNnAttrs *at = trawl_nn_attrs_new ();
  Arg args[2] = { farg (3, ad, a, FALSE), farg (3, bd, b, FALSE) };
  TrawlNnTensor os;

  for (int n = 0; n < 2; n++)
    for (int r = 0; r < 3; r++)
      for (int c = 0; c < 3; c++)
        want[(n * 3 + r) * 3 + c] = r < 2 ? a[(n * 2 + r) * 3 + c] : b[n * 3 + c];
  trawl_nn_attrs_set_int (at, "axis", 1);
  got = run_op ("Concat", args, 2, at, &os);
  assert_shape (&os, 3, (int64_t[]) { 2, 3, 3 });
  assert_close (got, want, 18, 0);
  g_free (got);

  /* Gather axis 2 with a [2,2] index tensor (negative index too) */
  at = trawl_nn_attrs_new ();
  trawl_nn_attrs_set_int (at, "axis", 2);
  args[1] = iarg (2, id, idx, TRUE);
  got = run_op ("Gather", args, 2, at, &os);
  assert_shape (&os, 4, (int64_t[]) { 2, 2, 2, 2 });
  for (int n = 0; n < 4; n++)
    for (int j = 0; j < 4; j++)
      g_assert_cmpfloat (got[n * 4 + j], ==, a[n * 3 + (idx[j] + 3) % 3]);
  g_free (got);
  g_free (a);
  g_free (b);
}

/* ---- Resize ---- */

static double
ref_coord (const char *mode, int64_t x, int64_t in, int64_t out)
{
  double scale = (double) out / in;

  if (strcmp (mode, "half_pixel") == 0)
    return (x + 0.5) / scale - 0.5;
  if (strcmp (mode, "align_corners") == 0)
    return out == 1 ? 0 : x * (double) (in - 1) / (out - 1);
  if (strcmp (mode, "pytorch_half_pixel") == 0)
    return out > 1 ? (x + 0.5) / scale - 0.5 : 0;
  return x / scale;   /* asymmetric */
}

static int64_t
ref_nearest (const char *nm, double v, int64_t in)
{
  int64_t i;

  if (strcmp (nm, "floor") == 0)
    i = (int64_t) floor (v);
  else if (strcmp (nm, "ceil") == 0)
    i = (int64_t) ceil (v);
  else if (strcmp (nm, "round_prefer_ceil") == 0)
    i = (int64_t) floor (v + 0.5);
  else   /* round_prefer_floor */
    i = v - floor (v) == 0.5 ? (int64_t) floor (v) : (int64_t) llround (v);
  return CLAMP (i, 0, in - 1);
}

static void
check_resize (const char *mode, const char *ct, const char *nm, int64_t ih, int64_t iw,
              int64_t oh, int64_t ow, gboolean use_sizes)
{
  int64_t d[4] = { 2, 2, ih, iw }, four[1] = { 4 }, zero[1] = { 0 };
  float *x = rnd (numel (4, d), 90), *want = g_new (float, 4 * oh * ow), *got;
  float scales[4] = { 1, 1, (float) oh / ih, (float) ow / iw };
  int64_t sizes[4] = { 2, 2, oh, ow };
  TrawlNnAttrs *at = trawl_nn_attrs_new ();
  Arg args[4] = { farg (4, d, x, FALSE), farg (1, zero, NULL, TRUE),
                  use_sizes ? farg (1, zero, NULL, TRUE) : farg (1, four, scales, TRUE),
                  iarg (1, four, sizes, TRUE) };
  TrawlNnTensor os;

  for (int p = 0; p < 4; p++)
    for (int64_t y = 0; y < oh; y++)
      for (int64_t xx = 0; xx < ow; xx++)
        {
          double cy = ref_coord (ct, y, ih, oh), cx = ref_coord (ct, xx, iw, ow);
          const float *pl = x + p * ih * iw;
          float v;

          if (strcmp (mode, "nearest") == 0)
            v = pl[ref_nearest (nm, cy, ih) * iw + ref_nearest (nm, cx, iw)];
          else
            {
              double fy = CLAMP (cy, 0, ih - 1), fx = CLAMP (cx, 0, iw - 1);
              int64_t y0 = (int64_t) fy, x0 = (int64_t) fx;
              int64_t y1 = MIN (y0 + 1, ih - 1), x1 = MIN (x0 + 1, iw - 1);
              double ay = fy - y0, ax = fx - x0;

              v = (float) ((1 - ay) * ((1 - ax) * pl[y0 * iw + x0] + ax * pl[y0 * iw + x1])
                           + ay * ((1 - ax) * pl[y1 * iw + x0] + ax * pl[y1 * iw + x1]));
            }
          want[(p * oh + y) * ow + xx] = v;
        }
  trawl_nn_attrs_set_string (at, "mode", mode);
  trawl_nn_attrs_set_string (at, "coordinate_transformation_mode", ct);
  if (nm)
    trawl_nn_attrs_set_string (at, "nearest_mode", nm);
  got = run_op ("Resize", args, use_sizes ? 4 : 3, at, &os);
  assert_shape (&os, 4, (int64_t[]) { 2, 2, oh, ow });
  assert_close (got, want, 4 * oh * ow, 1e-5f);
  g_free (x);
  g_free (want);
  g_free (got);
}

static void
test_resize (void)
{
  const char *cts[] = { "half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel" };
  const char *nms[] = { "round_prefer_floor", "round_prefer_ceil", "floor", "ceil" };

  for (int c = 0; c < 4; c++)
    {
      for (int n = 0; n < 4; n++)
        {
          check_resize ("nearest", cts[c], nms[n], 3, 5, 6, 10, FALSE);
          check_resize ("nearest", cts[c], nms[n], 4, 6, 3, 9, TRUE);
        }
      check_resize ("linear", cts[c], NULL, 3, 5, 6, 10, FALSE);
      check_resize ("linear", cts[c], NULL, 5, 7, 3, 11, TRUE);
    }
}

/* The engine's own exp (used by Sigmoid and Softmax) against libm. */
static void
test_fast_exp (void)
{
  for (float x = -87.0f; x < 88.3f; x += 0.0173f)
    {
      double want = exp ((double) x), got = _trawl_nn_expf (x);
      g_assert_cmpfloat (fabs (got - want), <=, 4e-7 * want);
    }
  g_assert_cmpfloat (_trawl_nn_expf (-1000.0f), <, 1e-37f);
  g_assert_cmpfloat (_trawl_nn_expf (0.0f), ==, 1.0f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/ops/conv", test_conv);
  g_test_add_func ("/nn/ops/conv-auto-pad", test_conv_auto_pad);
  g_test_add_func ("/nn/ops/conv-1d", test_conv_1d);
  g_test_add_func ("/nn/ops/conv-transpose", test_conv_transpose);
  g_test_add_func ("/nn/ops/pool", test_pool);
  g_test_add_func ("/nn/ops/global-pool", test_global_pool);
  g_test_add_func ("/nn/ops/broadcast", test_broadcast);
  g_test_add_func ("/nn/ops/int64", test_int64_ops);
  g_test_add_func ("/nn/ops/unary", test_unary);
  g_test_add_func ("/nn/ops/clip-inputs", test_clip_inputs);
  g_test_add_func ("/nn/ops/matmul", test_matmul);
  g_test_add_func ("/nn/ops/gemm", test_gemm);
  g_test_add_func ("/nn/ops/softmax", test_softmax);
  g_test_add_func ("/nn/ops/reduce-mean", test_reduce_mean);
  g_test_add_func ("/nn/ops/layer-norm", test_layer_norm);
  g_test_add_func ("/nn/ops/batch-norm", test_batch_norm);
  g_test_add_func ("/nn/ops/transpose", test_transpose);
  g_test_add_func ("/nn/ops/slice", test_slice);
  g_test_add_func ("/nn/ops/pad", test_pad);
  g_test_add_func ("/nn/ops/concat-gather", test_concat_gather);
  g_test_add_func ("/nn/ops/resize", test_resize);
  g_test_add_func ("/nn/ops/fast-exp", test_fast_exp);
  return g_test_run ();
}
