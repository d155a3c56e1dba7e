/* test-image.c - photo loading by content (not extension), EXIF
 * orientation, crop, resize, PNG/JPEG round trips, bad input. */
#include <trawl/base.h>
#include <trawl/image.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include "../common/trawl-test.h"

static TrawlImage *
gradient (int w, int h)
{
  TrawlImage *img = trawl_image_new (w, h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 *p = img->data + y * img->stride + 3 * x;
        p[0] = (guint8) (x * 255 / MAX (w - 1, 1));
        p[1] = (guint8) (y * 255 / MAX (h - 1, 1));
        p[2] = 77;
      }
  return img;
}

static void
test_png_roundtrip_is_exact (void)
{
  g_autoptr(TrawlImage) img = gradient (37, 23);
  g_autoptr(TrawlImage) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "trawl-test-rt.png", NULL);

  g_assert_true (trawl_image_save_png (img, path, &error));
  back = trawl_image_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->width, ==, 37);
  g_assert_cmpint (back->height, ==, 23);
  for (int y = 0; y < 23; y++)
    g_assert_cmpmem (back->data + y * back->stride, 37 * 3, img->data + y * img->stride, 37 * 3);
  g_remove (path);
}

static void
test_jpeg_encode_decodes_close (void)
{
  g_autoptr(TrawlImage) img = gradient (64, 48);
  g_autoptr(TrawlImage) back = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  g_autofree guint8 *jpeg = trawl_image_encode_jpeg (img, 90, &len, &error);
  long diff = 0;

  g_assert_no_error (error);
  g_assert_cmpuint (len, >, 100);
  g_assert_cmpint (jpeg[0], ==, 0xFF);
  g_assert_cmpint (jpeg[1], ==, 0xD8);
  back = trawl_image_load_from_memory (jpeg, len, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 64 * 48 * 3; i++)
    diff += ABS ((int) back->data[i] - (int) img->data[i]);
  g_assert_cmpfloat ((double) diff / (64 * 48 * 3), <, 4.0);
}

static void
test_crop_and_pad (void)
{
  g_autoptr(TrawlImage) img = gradient (10, 10);
  g_autoptr(TrawlImage) c = trawl_image_crop (img, -2, 3, 5, 4);

  g_assert_cmpint (c->width, ==, 5);
  /* outside columns are black, inside ones copy the source */
  g_assert_cmpint (c->data[0], ==, 0);
  g_assert_cmpint (c->data[2], ==, 0);
  g_assert_cmpmem (c->data + 3 * 2, 3, img->data + 3 * img->stride, 3);
}

static void
test_resize_constant_and_identity (void)
{
  g_autoptr(TrawlImage) img = gradient (31, 17);
  g_autoptr(TrawlImage) same = trawl_image_resize (img, 31, 17);
  g_autoptr(TrawlImage) flat = trawl_image_new (9, 9);
  g_autoptr(TrawlImage) big = NULL;

  g_assert_cmpmem (same->data, 31 * 17 * 3, img->data, 31 * 17 * 3);
  memset (flat->data, 200, 9 * 9 * 3);
  big = trawl_image_resize (flat, 40, 13);
  for (int i = 0; i < 40 * 13 * 3; i++)
    g_assert_cmpint (big->data[i], ==, 200);
}

static void
test_bad_input (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "trawl-test-notimage.jpg", NULL);
  const guint8 junk[] = { 0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0 };

  g_assert_null (trawl_image_load ("/nonexistent/photo.jpg", &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (path, "hello, this is text", -1, NULL));
  g_assert_null (trawl_image_load (path, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  g_assert_null (trawl_image_load_from_memory (junk, sizeof junk, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  g_assert_null (trawl_image_load_from_memory (junk, 0, &error));
  g_assert_nonnull (error);
  g_remove (path);
}

/* Real photos: JPEG, and an RGBA PNG; truncated JPEG still fails cleanly
 * or decodes partially, never crashes. */
static void
test_real_photos (void)
{
  g_autofree char *dir = trawl_test_data_dir ();
  g_autoptr(GError) error = NULL;
  g_autofree char *jpg = NULL, *png = NULL;
  g_autoptr(TrawlImage) a = NULL;
  g_autoptr(TrawlImage) b = NULL;
  g_autofree char *bytes = NULL;
  gsize len;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("../shared/data is absent (set TRAWL_DATA)");
      return;
    }
  jpg = g_build_filename (dir, "faces", "images", "fr_001.jpg", NULL);
  png = g_build_filename (dir, "plates", "crops_us", "uscrop_s001.png", NULL);
  if (g_file_test (jpg, G_FILE_TEST_EXISTS))
    {
      a = trawl_image_load (jpg, &error);
      g_assert_no_error (error);
      g_assert_cmpint (a->width, >, 50);
      g_assert_true (g_file_get_contents (jpg, &bytes, &len, NULL));
      for (gsize cut = len / 3; cut < len; cut += len / 3)
        {
          TrawlImage *t = trawl_image_load_from_memory ((guint8 *) bytes, cut, NULL);
          trawl_image_free (t);  /* either way is fine; no crash, no leak */
        }
    }
  if (g_file_test (png, G_FILE_TEST_EXISTS))
    {
      b = trawl_image_load (png, &error);
      g_assert_no_error (error);
      g_assert_cmpint (b->width, >, 10);
    }
  if (a == NULL && b == NULL)
    g_test_skip ("expected sample files not found in the shared data");
}

/* ---- issue 17: a picture over the size limit ---- */

static guint32
crc32_of (const guint8 *p, gsize n)
{
  guint32 c = 0xffffffffu;
  for (gsize i = 0; i < n; i++)
    {
      c ^= p[i];
      for (int k = 0; k < 8; k++)
        c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
  return c ^ 0xffffffffu;
}

static void
png_chunk (GByteArray *png, const char *type, const guint8 *data, gsize len)
{
  guint32 be_len = GUINT32_TO_BE ((guint32) len), be_crc;
  gsize at;

  g_byte_array_append (png, (const guint8 *) &be_len, 4);
  at = png->len;
  g_byte_array_append (png, (const guint8 *) type, 4);
  if (len > 0)
    g_byte_array_append (png, data, (guint) len);
  be_crc = GUINT32_TO_BE (crc32_of (png->data + at, len + 4));
  g_byte_array_append (png, (const guint8 *) &be_crc, 4);
}

/* A valid black PNG of w x h, 1-bit grey: each row compresses to almost
 * nothing, so the file is small however large the picture. */
static GByteArray *
big_png (guint32 w, guint32 h)
{
  static const guint8 sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  GByteArray *png = g_byte_array_new ();
  guint8 ihdr[13] = { 0 };
  guint32 be;
  gsize row_len = 1 + (w + 7) / 8;
  g_autofree guint8 *row = g_malloc0 (row_len);
  g_autoptr(GZlibCompressor) z = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 9);
  g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (mem, G_CONVERTER (z));
  g_autoptr(GError) error = NULL;

  g_byte_array_append (png, sig, sizeof sig);
  be = GUINT32_TO_BE (w);
  memcpy (ihdr, &be, 4);
  be = GUINT32_TO_BE (h);
  memcpy (ihdr + 4, &be, 4);
  ihdr[8] = 1;  /* bit depth */
  ihdr[9] = 0;  /* grey */
  png_chunk (png, "IHDR", ihdr, sizeof ihdr);
  for (guint32 y = 0; y < h; y++)
    g_assert_true (g_output_stream_write_all (out, row, row_len, NULL, NULL, &error));
  g_assert_true (g_output_stream_close (out, NULL, &error));
  g_assert_no_error (error);
  png_chunk (png, "IDAT",
             g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (mem)),
             g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (mem)));
  png_chunk (png, "IEND", NULL, 0);
  return png;
}

static void
test_over_size_limit (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) small = big_png (64, 48);
  g_autoptr(GByteArray) huge = big_png (20000, 20000);
  g_autoptr(TrawlImage) img = trawl_image_load_from_memory (small->data, small->len, &error);
  TrawlImage *none;

  /* the writer makes valid PNGs: the small one loads */
  g_assert_no_error (error);
  g_assert_cmpint (img->width, ==, 64);
  g_assert_cmpint (img->height, ==, 48);
  none = trawl_image_load_from_memory (huge->data, huge->len, &error);
  g_assert_null (none);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "20000x20000"));
  g_assert_nonnull (strstr (error->message, "size limit"));
  g_assert_null (strstr (error->message, "corrupt"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/image/png-roundtrip-exact", test_png_roundtrip_is_exact);
  g_test_add_func ("/image/jpeg-encode", test_jpeg_encode_decodes_close);
  g_test_add_func ("/image/crop-and-pad", test_crop_and_pad);
  g_test_add_func ("/image/resize", test_resize_constant_and_identity);
  g_test_add_func ("/image/bad-input", test_bad_input);
  g_test_add_func ("/image/over-size-limit", test_over_size_limit);
  g_test_add_func ("/image/real-photos", test_real_photos);
  return g_test_run ();
}
