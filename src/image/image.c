/* image.c - RGB24 images: decode any still format FFmpeg knows (probed from
 * the bytes, not the file name), EXIF orientation, crop, bilinear resize,
 * PNG/JPEG encode. Video frames come from src/video; this file is for
 * photos and thumbnails. */
#include <trawl/base.h>
#include <trawl/image.h>

#include "av-format.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <string.h>

TrawlImage *
trawl_image_new (int width, int height)
{
  TrawlImage *img;

  g_return_val_if_fail (width > 0 && height > 0, NULL);
  img = g_new0 (TrawlImage, 1);
  img->width = width;
  img->height = height;
  img->stride = width * 3;
  img->data = g_malloc0 ((gsize) img->stride * height);
  return img;
}

void
trawl_image_free (TrawlImage *img)
{
  if (img == NULL)
    return;
  g_free (img->data);
  g_free (img);
}

TrawlImage *
trawl_image_copy (const TrawlImage *img)
{
  TrawlImage *out = trawl_image_new (img->width, img->height);
  for (int y = 0; y < img->height; y++)
    memcpy (out->data + (gsize) y * out->stride, img->data + (gsize) y * img->stride,
            (gsize) img->width * 3);
  return out;
}

/* ---- decoding through libavformat over a memory buffer ---- */

typedef struct {
  const guint8 *bytes;  /* not owned */
  gsize         len;
  gsize         pos;
} MemReader;

static int
mem_read (void *opaque, uint8_t *buf, int size)
{
  MemReader *r = opaque;
  gsize n = MIN ((gsize) size, r->len - r->pos);

  if (n == 0)
    return AVERROR_EOF;
  memcpy (buf, r->bytes + r->pos, n);
  r->pos += n;
  return (int) n;
}

static int64_t
mem_seek (void *opaque, int64_t offset, int whence)
{
  MemReader *r = opaque;
  int64_t base;

  switch (whence & ~AVSEEK_FORCE)
    {
    case AVSEEK_SIZE: return (int64_t) r->len;
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = (int64_t) r->pos; break;
    case SEEK_END: base = (int64_t) r->len; break;
    default: return -1;
    }
  if (base + offset < 0 || base + offset > (int64_t) r->len)
    return -1;
  r->pos = (gsize) (base + offset);
  return (int64_t) r->pos;
}

/* Rotates/flips img in place per EXIF orientation 1..8; returns the result
 * (img itself, or a new image with img freed). */
static TrawlImage *
apply_orientation (TrawlImage *img, int orientation)
{
  gboolean transpose = orientation >= 5 && orientation <= 8;
  int w = transpose ? img->height : img->width;
  int h = transpose ? img->width : img->height;
  TrawlImage *out;

  if (orientation < 2 || orientation > 8)
    return img;
  out = trawl_image_new (w, h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        int sx, sy;
        switch (orientation)
          {
          case 2: sx = img->width - 1 - x; sy = y; break;
          case 3: sx = img->width - 1 - x; sy = img->height - 1 - y; break;
          case 4: sx = x; sy = img->height - 1 - y; break;
          case 5: sx = y; sy = x; break;
          case 6: sx = y; sy = img->height - 1 - x; break;
          case 7: sx = img->width - 1 - y; sy = img->height - 1 - x; break;
          default: sx = img->width - 1 - y; sy = x; break;  /* 8 */
          }
        memcpy (out->data + (gsize) y * out->stride + 3 * x,
                img->data + (gsize) sy * img->stride + 3 * sx, 3);
      }
  trawl_image_free (img);
  return out;
}

TrawlImage *
trawl_image_rotate (const TrawlImage *img, int degrees_cw)
{
  int quarter = ((int) lround (degrees_cw / 90.0) % 4 + 4) % 4;
  static const int orientation[4] = { 1, 6, 3, 8 };  /* EXIF: none, 90 cw, 180, 270 cw */

  g_return_val_if_fail (img != NULL, NULL);
  return apply_orientation (trawl_image_copy (img), orientation[quarter]);
}

enum AVPixelFormat
trawl_av_plain_format (enum AVPixelFormat f, int *full_range)
{
  *full_range = 1;
  switch (f)
    {
    case AV_PIX_FMT_YUVJ420P: return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P: return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P: return AV_PIX_FMT_YUV444P;
    case AV_PIX_FMT_YUVJ440P: return AV_PIX_FMT_YUV440P;
    case AV_PIX_FMT_YUVJ411P: return AV_PIX_FMT_YUV411P;
    default:
      *full_range = 0;
      return f;
    }
}

/* Tells swscale the source (src_full) and destination (dst_full) ranges. */
static void
set_ranges (struct SwsContext *sws, int src_full, int dst_full)
{
  int *inv, *tbl, src_range, dst_range, bri, con, sat;

  sws_getColorspaceDetails (sws, &inv, &src_range, &tbl, &dst_range, &bri, &con, &sat);
  sws_setColorspaceDetails (sws, inv, src_full, tbl, dst_full, bri, con, sat);
}

static TrawlImage *
frame_to_image (const AVFrame *frame, GError **error)
{
  struct SwsContext *sws;
  TrawlImage *img;
  uint8_t *dst[4] = { NULL };
  int dst_stride[4] = { 0 };
  int full_range;
  enum AVPixelFormat src_fmt = trawl_av_plain_format (frame->format, &full_range);

  full_range |= frame->color_range == AVCOL_RANGE_JPEG;
  sws = sws_getContext (frame->width, frame->height, src_fmt,
                        frame->width, frame->height, AV_PIX_FMT_RGB24,
                        SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT,
                        NULL, NULL, NULL);
  if (sws == NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "cannot convert pixel format %s to RGB",
                   av_get_pix_fmt_name (frame->format));
      return NULL;
    }
  if (full_range)
    set_ranges (sws, 1, 1);
  img = trawl_image_new (frame->width, frame->height);
  dst[0] = img->data;
  dst_stride[0] = img->stride;
  sws_scale (sws, (const uint8_t *const *) frame->data, frame->linesize, 0,
             frame->height, dst, dst_stride);
  sws_freeContext (sws);
  return img;
}

static int
frame_orientation (const AVFrame *frame)
{
  AVDictionaryEntry *e = av_dict_get (frame->metadata, "Orientation", NULL, 0);
  return e != NULL ? atoi (e->value) : 1;
}

/* FFmpeg's decoders refuse a picture over av_image_check_size's limit
 * ((w+128)*(h+128) under INT_MAX/8, about 268 million pixels) and then
 * only say that decoding failed: name the real reason. */
static gboolean
size_allowed (int w, int h, GError **error)
{
  if (w <= 0 || h <= 0 || av_image_check_size ((unsigned) w, (unsigned) h, 0, NULL) >= 0)
    return TRUE;
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
               "the picture is %dx%d, which exceeds the size limit (about %d million pixels)",
               w, h, (G_MAXINT / 8) / 1000000);
  return FALSE;
}

/* A PNG's size from its IHDR chunk (0x0 when bytes are not a PNG): its
 * decoder refuses a picture over the limit before it tells its size. */
static void
png_size (const guint8 *b, gsize len, int *w, int *h)
{
  static const guint8 sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  guint32 v[2];

  *w = *h = 0;
  if (len < 24 || memcmp (b, sig, sizeof sig) != 0 || memcmp (b + 12, "IHDR", 4) != 0)
    return;
  memcpy (v, b + 16, sizeof v);
  *w = (int) MIN (GUINT32_FROM_BE (v[0]), (guint32) G_MAXINT);
  *h = (int) MIN (GUINT32_FROM_BE (v[1]), (guint32) G_MAXINT);
}

/* Decodes the first picture of the stream. */
static TrawlImage *
decode_first_picture (AVFormatContext *fmt, GError **error)
{
  const AVCodec *codec = NULL;
  AVCodecContext *dec = NULL;
  AVPacket *pkt = av_packet_alloc ();
  AVFrame *frame = av_frame_alloc ();
  TrawlImage *img = NULL;
  int stream, ret;

  stream = av_find_best_stream (fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
  if (stream < 0 || codec == NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT, "no picture in the data");
      goto out;
    }
  if (!size_allowed (fmt->streams[stream]->codecpar->width,
                     fmt->streams[stream]->codecpar->height, error))
    goto out;
  dec = avcodec_alloc_context3 (codec);
  if (avcodec_parameters_to_context (dec, fmt->streams[stream]->codecpar) < 0 ||
      avcodec_open2 (dec, codec, NULL) < 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT, "cannot open the %s decoder",
                   codec->name);
      goto out;
    }
  while ((ret = av_read_frame (fmt, pkt)) >= 0 || ret == AVERROR_EOF)
    {
      if (ret == AVERROR_EOF)
        avcodec_send_packet (dec, NULL);  /* drain */
      else if (pkt->stream_index == stream)
        avcodec_send_packet (dec, pkt);
      av_packet_unref (pkt);
      if (avcodec_receive_frame (dec, frame) == 0)
        {
          img = frame_to_image (frame, error);
          if (img != NULL)
            img = apply_orientation (img, frame_orientation (frame));
          goto out;
        }
      if (ret == AVERROR_EOF)
        break;
    }
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
               "the picture data is truncated or corrupt (%s)", codec->name);
out:
  av_frame_free (&frame);
  av_packet_free (&pkt);
  avcodec_free_context (&dec);
  return img;
}

TrawlImage *
trawl_image_load_from_memory (const guint8 *bytes, gsize len, GError **error)
{
  MemReader reader = { bytes, len, 0 };
  AVFormatContext *fmt = NULL;
  AVIOContext *avio = NULL;
  guint8 *iobuf;
  TrawlImage *img = NULL;
  const gsize iobuf_size = 1 << 16;

  if (len == 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT, "the image is empty");
      return NULL;
    }
  if (!trawl_cpu_level_check (error))   /* FFmpeg held to TRAWL_CPU_LEVEL */
    return NULL;
  {
    int w, h;
    png_size (bytes, len, &w, &h);
    if (!size_allowed (w, h, error))
      return NULL;
  }
  iobuf = av_malloc (iobuf_size);
  avio = avio_alloc_context (iobuf, (int) iobuf_size, 0, &reader, mem_read, NULL, mem_seek);
  fmt = avformat_alloc_context ();
  fmt->pb = avio;
  fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
  if (avformat_open_input (&fmt, NULL, NULL, NULL) < 0)
    {
      /* avformat_open_input frees fmt on failure */
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "not a picture format this build can read");
      goto out;
    }
  if (avformat_find_stream_info (fmt, NULL) < 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT, "cannot read the picture's header");
      goto out;
    }
  img = decode_first_picture (fmt, error);
out:
  avformat_close_input (&fmt);
  if (avio != NULL)
    av_freep (&avio->buffer);
  avio_context_free (&avio);
  return img;
}

TrawlImage *
trawl_image_load (const char *path, GError **error)
{
  g_autofree char *bytes = NULL;
  g_autoptr(GError) local = NULL;
  gsize len = 0;
  TrawlImage *img;

  if (!g_file_get_contents (path, &bytes, &len, &local))
    {
      g_set_error (error, TRAWL_ERROR,
                   g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                     ? TRAWL_ERROR_NOT_FOUND : TRAWL_ERROR_FAILED,
                   "%s", local->message);
      return NULL;
    }
  img = trawl_image_load_from_memory ((const guint8 *) bytes, len, &local);
  if (img == NULL)
    g_set_error (error, TRAWL_ERROR, local->code, "%s: %s", path, local->message);
  return img;
}

/* ---- geometry ---- */

TrawlImage *
trawl_image_crop (const TrawlImage *img, int x, int y, int w, int h)
{
  TrawlImage *out;
  int x0, x1;

  g_return_val_if_fail (w > 0 && h > 0, NULL);
  out = trawl_image_new (w, h);
  x0 = CLAMP (x, 0, img->width);
  x1 = CLAMP (x + w, 0, img->width);
  for (int row = 0; row < h; row++)
    {
      int sy = y + row;
      if (sy < 0 || sy >= img->height || x1 <= x0)
        continue;
      memcpy (out->data + (gsize) row * out->stride + 3 * (x0 - x),
              img->data + (gsize) sy * img->stride + 3 * x0, (gsize) (x1 - x0) * 3);
    }
  return out;
}

gboolean
trawl_image_clip_box (const TrawlImage *img, int *x, int *y, int *w, int *h, gboolean *clipped)
{
  gint64 x0 = MAX (*x, 0), y0 = MAX (*y, 0);
  gint64 x1 = MIN ((gint64) *x + *w, (gint64) img->width);
  gint64 y1 = MIN ((gint64) *y + *h, (gint64) img->height);

  if (clipped != NULL)
    *clipped = FALSE;
  if (x1 <= x0 || y1 <= y0)
    return FALSE;
  if (clipped != NULL)
    *clipped = x0 != *x || y0 != *y || x1 - x0 != *w || y1 - y0 != *h;
  *x = (int) x0;
  *y = (int) y0;
  *w = (int) (x1 - x0);
  *h = (int) (y1 - y0);
  return TRUE;
}

TrawlImage *
trawl_image_resize (const TrawlImage *img, int width, int height)
{
  TrawlImage *out = trawl_image_new (width, height);
  float sx = (float) img->width / width, sy = (float) img->height / height;
  int *x0 = g_new (int, width), *x1 = g_new (int, width);
  float *fx = g_new (float, width);

  /* Column taps are the same for every row: compute them once. */
  for (int x = 0; x < width; x++)
    {
      float src = ((float) x + 0.5f) * sx - 0.5f;
      int i;
      src = MAX (src, 0.0f);
      i = (int) src;
      x0[x] = MIN (i, img->width - 1);
      x1[x] = MIN (i + 1, img->width - 1);
      fx[x] = src - (float) i;
    }
  for (int y = 0; y < height; y++)
    {
      float src = ((float) y + 0.5f) * sy - 0.5f;
      int i;
      float fy;
      const guint8 *r0, *r1;
      guint8 *d = out->data + (gsize) y * out->stride;

      src = MAX (src, 0.0f);
      i = (int) src;
      fy = src - (float) i;
      r0 = img->data + (gsize) MIN (i, img->height - 1) * img->stride;
      r1 = img->data + (gsize) MIN (i + 1, img->height - 1) * img->stride;
      for (int x = 0; x < width; x++)
        for (int c = 0; c < 3; c++)
          {
            float top = r0[3 * x0[x] + c] + (r0[3 * x1[x] + c] - r0[3 * x0[x] + c]) * fx[x];
            float bot = r1[3 * x0[x] + c] + (r1[3 * x1[x] + c] - r1[3 * x0[x] + c]) * fx[x];
            float v = top + (bot - top) * fy;
            d[3 * x + c] = (guint8) CLAMP (lrintf (v), 0, 255);
          }
    }
  g_free (x0);
  g_free (x1);
  g_free (fx);
  return out;
}

/* ---- encoding ---- */

static guint8 *
encode_picture (const TrawlImage *img, enum AVCodecID id, enum AVPixelFormat pix,
                int quality, gsize *len, GError **error)
{
  const AVCodec *codec = avcodec_find_encoder (id);
  AVCodecContext *enc = NULL;
  AVFrame *frame = NULL;
  AVPacket *pkt = NULL;
  struct SwsContext *sws = NULL;
  guint8 *bytes = NULL;
  const uint8_t *src[4] = { img->data };
  int src_stride[4] = { img->stride };

  if (!trawl_cpu_level_check (error))
    return NULL;
  if (codec == NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_BUILT, "no %s encoder in this FFmpeg",
                   avcodec_get_name (id));
      return NULL;
    }
  enc = avcodec_alloc_context3 (codec);
  enc->width = img->width;
  enc->height = img->height;
  enc->pix_fmt = pix;
  enc->time_base = (AVRational) { 1, 25 };
  if (id == AV_CODEC_ID_MJPEG)
    {
      /* qscale 2..31: map quality 100..1 onto it */
      enc->flags |= AV_CODEC_FLAG_QSCALE;
      enc->global_quality = FF_QP2LAMBDA * (2 + (100 - CLAMP (quality, 1, 100)) * 29 / 99);
      enc->color_range = AVCOL_RANGE_JPEG;
    }
  frame = av_frame_alloc ();
  pkt = av_packet_alloc ();
  frame->format = pix;
  frame->width = img->width;
  frame->height = img->height;
  frame->quality = enc->global_quality;
  if (avcodec_open2 (enc, codec, NULL) < 0 || av_frame_get_buffer (frame, 0) < 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "cannot open the %s encoder",
                   codec->name);
      goto out;
    }
  {
    int full;
    enum AVPixelFormat plain = trawl_av_plain_format (pix, &full);
    sws = sws_getContext (img->width, img->height, AV_PIX_FMT_RGB24, img->width, img->height,
                          plain, SWS_BICUBIC, NULL, NULL, NULL);
    if (full)
      set_ranges (sws, 1, 1);
  }
  sws_scale (sws, src, src_stride, 0, img->height, frame->data, frame->linesize);
  if (avcodec_send_frame (enc, frame) < 0 || avcodec_send_frame (enc, NULL) < 0 ||
      avcodec_receive_packet (enc, pkt) < 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "%s encoding failed", codec->name);
      goto out;
    }
  bytes = g_memdup2 (pkt->data, pkt->size);
  *len = pkt->size;
out:
  sws_freeContext (sws);
  av_packet_free (&pkt);
  av_frame_free (&frame);
  avcodec_free_context (&enc);
  return bytes;
}

guint8 *
trawl_image_encode_jpeg (const TrawlImage *img, int quality, gsize *len, GError **error)
{
  return encode_picture (img, AV_CODEC_ID_MJPEG, AV_PIX_FMT_YUVJ420P, quality, len, error);
}

gboolean
trawl_image_save_png (const TrawlImage *img, const char *path, GError **error)
{
  gsize len = 0;
  g_autofree guint8 *bytes = encode_picture (img, AV_CODEC_ID_PNG, AV_PIX_FMT_RGB24, 100,
                                             &len, error);

  if (bytes == NULL)
    return FALSE;
  return g_file_set_contents (path, (const char *) bytes, (gssize) len, error);
}
