/* image-ops.c - operations on RGB24 images that the detectors build on: the
 * affine warp with bilinear taps (box-averaged when it shrinks) that cuts
 * face chips, and the Laplacian variance that scores their sharpness.
 * Moved here from src/detect/face-align.c unchanged in arithmetic (the
 * recognition net's golden embeddings depend on every rounding). */
#include <trawl/image.h>

#include <math.h>

/* Bilinear sample of channel-interleaved RGB at (x, y) in pixel-index
 * coordinates; taps outside the image read as black. */
static void
sample_bilinear (const TrawlImage *img, double x, double y, double rgb[3])
{
  int x0 = (int) floor (x), y0 = (int) floor (y);
  double fx = x - x0, fy = y - y0;

  rgb[0] = rgb[1] = rgb[2] = 0;
  for (int j = 0; j < 2; j++)
    {
      int yy = y0 + j;
      double wy = j ? fy : 1 - fy;

      if (yy < 0 || yy >= img->height || wy == 0)
        continue;
      const guint8 *row = img->data + (gsize) yy * img->stride;
      for (int i = 0; i < 2; i++)
        {
          int xx = x0 + i;
          double w = wy * (i ? fx : 1 - fx);

          if (xx < 0 || xx >= img->width || w == 0)
            continue;
          rgb[0] += w * row[3 * xx];
          rgb[1] += w * row[3 * xx + 1];
          rgb[2] += w * row[3 * xx + 2];
        }
    }
}

void
trawl_image_warp_affine (const TrawlImage *src, const double m[6], TrawlImage *dst)
{
  double scale = sqrt (fabs (m[0] * m[4] - m[1] * m[3]));
  int k = scale > 1.5 ? (int) ceil (scale) : 1;

  if (k > 8)
    k = 8;
  double inv = 1.0 / (k * k);
  for (int v = 0; v < dst->height; v++)
    {
      guint8 *out = dst->data + (gsize) v * dst->stride;

      for (int u = 0; u < dst->width; u++)
        {
          double acc[3] = { 0, 0, 0 }, rgb[3];

          for (int j = 0; j < k; j++)
            for (int i = 0; i < k; i++)
              {
                double cu = u + (i + 0.5) / k, cv = v + (j + 0.5) / k;
                double x = m[0] * cu + m[1] * cv + m[2] - 0.5;
                double y = m[3] * cu + m[4] * cv + m[5] - 0.5;

                sample_bilinear (src, x, y, rgb);
                acc[0] += rgb[0]; acc[1] += rgb[1]; acc[2] += rgb[2];
              }
          for (int c = 0; c < 3; c++)
            {
              double val = acc[c] * inv + 0.5;

              out[3 * u + c] = (guint8) (val < 0 ? 0 : val > 255 ? 255 : val);
            }
        }
    }
}

float
trawl_image_laplacian_var (const TrawlImage *img)
{
  if (img == NULL || img->width < 3 || img->height < 3)
    return 0.0f;
  int w = img->width, h = img->height;
  float *luma = g_new (float, (gsize) w * h);

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        const guint8 *p = img->data + (gsize) y * img->stride + 3 * x;

        luma[y * w + x] = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
      }
  double sum = 0, sum2 = 0;
  int n = 0;

  for (int y = 1; y < h - 1; y++)
    for (int x = 1; x < w - 1; x++)
      {
        const float *c = luma + y * w + x;
        double l = c[-1] + c[1] + c[-w] + c[w] - 4.0 * c[0];

        sum += l; sum2 += l * l; n++;
      }
  g_free (luma);
  double mean = sum / n;
  return (float) (sum2 / n - mean * mean);
}
