/* trawl/image.h - 8-bit RGB images: load (any format FFmpeg decodes, EXIF
 * orientation applied), crop, resize, save; the form every detector takes.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Packed RGB24, rows of stride bytes (stride >= 3*width). */
typedef struct {
  int     width;   /* px */
  int     height;  /* px */
  int     stride;  /* bytes per row */
  guint8 *data;    /* owned */
} TrawlImage;

TrawlImage *trawl_image_new (int width, int height);
void        trawl_image_free (TrawlImage *img);
TrawlImage *trawl_image_copy (const TrawlImage *img);

/* JPEG, PNG, WebP, BMP, GIF (first frame)... whatever the content is, not
 * what the extension says. Alpha is ignored, grayscale
 * expanded, and the EXIF orientation applied. NULL with error set. */
TrawlImage *trawl_image_load (const char *path, GError **error);
TrawlImage *trawl_image_load_from_memory (const guint8 *bytes, gsize len, GError **error);

/* Region x,y,w,h (px); parts outside the image are filled with black. */
TrawlImage *trawl_image_crop (const TrawlImage *img, int x, int y, int w, int h);
/* Clips the box x,y,w,h to img. FALSE when nothing of it lies inside (the
 * box is then left as it was); *clipped (nullable) says whether it reached
 * outside. For boxes from files (labels): a box of 100000 px must not
 * become a crop of tens of GB. */
gboolean    trawl_image_clip_box (const TrawlImage *img, int *x, int *y, int *w, int *h,
                                  gboolean *clipped);
/* A new image: img turned degrees_cw clockwise (0, 90, 180 or 270; other
 * values are taken modulo 360 and rounded to the nearest quarter turn).
 * For footage stored rotated (a phone's display matrix). */
TrawlImage *trawl_image_rotate (const TrawlImage *img, int degrees_cw);
/* Bilinear resize (half-pixel centres, as tf.image.resizeBilinear with
 * half_pixel_centers and OpenCV INTER_LINEAR). */
TrawlImage *trawl_image_resize (const TrawlImage *img, int width, int height);

/* Samples dst (its width/height fixed) from src through the affine m (dst
 * pixel -> src pixel: x = m0 u + m1 v + m2, y = m3 u + m4 v + m5, pixel
 * centres at +0.5), bilinear; outside src is black. When m shrinks by more
 * than 1.5x it averages k x k samples per pixel so small chips from large
 * faces do not alias. (image-ops.c) */
void        trawl_image_warp_affine (const TrawlImage *src, const double m[6], TrawlImage *dst);
/* Variance of the 4-neighbour Laplacian of the luma (0..255 scale): a
 * sharpness measure. */
float       trawl_image_laplacian_var (const TrawlImage *img);

gboolean    trawl_image_save_png (const TrawlImage *img, const char *path, GError **error);
/* JPEG bytes (thumbnails); quality 1..100. Free with g_free. */
guint8     *trawl_image_encode_jpeg (const TrawlImage *img, int quality, gsize *len,
                                     GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlImage, trawl_image_free)

G_END_DECLS
