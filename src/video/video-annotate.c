/* video-annotate.c - the annotated copy of a clip: re-encoded, with the
 * detection boxes and the wall-clock time burnt into every frame.
 *
 * This is a derived file for people to watch, never evidence of the
 * pixels (that is the stream copy of video-remux.c): every frame of the
 * range is decoded, drawn on with cairo (boxes) and pango (time, and the
 * words "annotated copy"), and encoded again (H.264 when FFmpeg has
 * libx264, else MPEG-4 part 2) into Matroska. The range is cut on frames,
 * not key frames, since everything is re-encoded anyway.
 *
 * Each frame shows the boxes of the sighting time nearest to it, when that
 * is within box_hold_s (sightings are sampled, frames are not).
 *
 * A source stored rotated (display matrix) is turned upright first, as the
 * reader turns it for detection: the boxes are in upright pixels.
 *
 * Steps: open and seek the source (the last key frame before t0), decode
 * and drop frames before t0, convert each frame in range to BGRA (cairo's
 * ARGB32 on little-endian machines), draw, convert to YUV 4:2:0, encode,
 * mux; at the end flush the encoder and write the trailer.
 */
#include <math.h>
#include <string.h>

#include <cairo.h>
#include <glib/gstdio.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
#include <pango/pangocairo.h>

#include <trawl/base.h>
#include <trawl/video.h>

#include "video-private.h"

#define CANCEL_CHECK_EVERY 16  /* frames between cancellable checks */

typedef struct {
  const char             *src, *dst;
  const TrawlAnnotation  *boxes;
  guint                   n_boxes;
  double                  box_hold_s;   /* a box shows on frames this close to its pts */
  double                  start_utc;    /* true UTC of pts 0, NAN when unknown */
  AVFormatContext        *ic, *oc;
  AVStream               *vs, *os;      /* input video stream, output stream */
  AVCodecContext         *dec, *enc;
  struct SwsContext      *to_bgra, *to_yuv;
  AVFrame                *bgra, *yuv;   /* reused every frame; upright */
  AVFrame                *stored;       /* BGRA as decoded, for a rotated source; else NULL */
  int                     rotation;     /* degrees clockwise to upright (0, 90, 180, 270) */
  gint64                  origin;       /* video stream start, its time base */
  gboolean                created;      /* dst was created (removed on failure) */
  gint64                  n_frames;
  double                  first_s, last_s, frame_s;
} Annotate;

/* ---- set-up ---- */

static void
set_av_error (GError **error, int code, const char *path, const char *what, int err)
{
  char buf[AV_ERROR_MAX_STRING_SIZE] = { 0 };

  av_strerror (err, buf, sizeof buf);
  g_set_error (error, TRAWL_ERROR, code, "%s: %s: %s", path, what, buf);
}

static gboolean
open_source (Annotate *a, GError **error)
{
  const AVCodec *codec = NULL;
  int vi, err;

  if ((err = avformat_open_input (&a->ic, a->src, NULL, NULL)) < 0)
    {
      set_av_error (error, TRAWL_ERROR_NOT_FOUND, a->src, "cannot open", err);
      return FALSE;
    }
  if (avformat_find_stream_info (a->ic, NULL) < 0 ||
      (vi = av_find_best_stream (a->ic, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0)) < 0 ||
      codec == NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT, "%s: no decodable video stream",
                   a->src);
      return FALSE;
    }
  a->vs = a->ic->streams[vi];
  a->rotation = _trawl_video_stream_rotation (a->vs);
  a->origin = a->vs->start_time != AV_NOPTS_VALUE ? a->vs->start_time : 0;
  a->dec = avcodec_alloc_context3 (codec);
  if (a->dec == NULL || avcodec_parameters_to_context (a->dec, a->vs->codecpar) < 0 ||
      (a->dec->pkt_timebase = a->vs->time_base, (err = avcodec_open2 (a->dec, codec, NULL))) < 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT, "%s: cannot open the %s decoder",
                   a->src, codec->name);
      return FALSE;
    }
  return TRUE;
}

/* H.264 (libx264) when FFmpeg has it, else MPEG-4 part 2: both play anywhere. */
static const AVCodec *
pick_encoder (void)
{
  const AVCodec *c = avcodec_find_encoder_by_name ("libx264");

  return c != NULL ? c : avcodec_find_encoder (AV_CODEC_ID_MPEG4);
}

static gboolean
open_output (Annotate *a, GError **error)
{
  const AVCodec *codec = pick_encoder ();
  AVRational fr = a->vs->avg_frame_rate.num > 0 ? a->vs->avg_frame_rate : (AVRational) { 25, 1 };
  int err;

  if (codec == NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_BUILT,
                   "this FFmpeg has neither an H.264 nor an MPEG-4 encoder");
      return FALSE;
    }
  if (avformat_alloc_output_context2 (&a->oc, NULL, "matroska", a->dst) < 0 ||
      (a->os = avformat_new_stream (a->oc, NULL)) == NULL ||
      (a->enc = avcodec_alloc_context3 (codec)) == NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "%s: out of memory", a->dst);
      return FALSE;
    }
  gboolean quarter = a->rotation == 90 || a->rotation == 270;
  a->enc->width = quarter ? a->dec->height : a->dec->width;
  a->enc->height = quarter ? a->dec->width : a->dec->height;
  a->enc->pix_fmt = AV_PIX_FMT_YUV420P;
  a->enc->sample_aspect_ratio = a->dec->sample_aspect_ratio;
  a->enc->time_base = a->vs->time_base;
  a->enc->framerate = fr;
  a->enc->gop_size = 2 * (int) ceil (av_q2d (fr));
  if (codec->id == AV_CODEC_ID_MPEG4)
    {
      a->enc->flags |= AV_CODEC_FLAG_QSCALE;
      a->enc->global_quality = FF_QP2LAMBDA * 3;
    }
  if (a->oc->oformat->flags & AVFMT_GLOBALHEADER)
    a->enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  {
    AVDictionary *o = NULL;
    av_dict_set (&o, "preset", "veryfast", 0);
    av_dict_set (&o, "crf", "18", 0);
    err = avcodec_open2 (a->enc, codec, codec->id == AV_CODEC_ID_MPEG4 ? NULL : &o);
    av_dict_free (&o);
  }
  if (err < 0 || avcodec_parameters_from_context (a->os->codecpar, a->enc) < 0)
    {
      set_av_error (error, TRAWL_ERROR_FAILED, a->dst, "cannot open the encoder", err);
      return FALSE;
    }
  a->os->time_base = a->enc->time_base;
  av_dict_set (&a->os->metadata, "title", "annotated copy (derived, re-encoded)", 0);
  if ((err = avio_open (&a->oc->pb, a->dst, AVIO_FLAG_WRITE)) < 0)
    {
      set_av_error (error, TRAWL_ERROR_FAILED, a->dst, "cannot create", err);
      return FALSE;
    }
  a->created = TRUE;
  if ((err = avformat_write_header (a->oc, NULL)) < 0)
    {
      set_av_error (error, TRAWL_ERROR_FAILED, a->dst, "cannot write the header", err);
      return FALSE;
    }
  a->bgra = av_frame_alloc ();
  a->yuv = av_frame_alloc ();
  a->bgra->format = AV_PIX_FMT_BGRA;
  a->yuv->format = AV_PIX_FMT_YUV420P;
  a->bgra->width = a->yuv->width = a->enc->width;
  a->bgra->height = a->yuv->height = a->enc->height;
  if (a->rotation != 0)
    {
      a->stored = av_frame_alloc ();
      a->stored->format = AV_PIX_FMT_BGRA;
      a->stored->width = a->dec->width;
      a->stored->height = a->dec->height;
    }
  if (av_frame_get_buffer (a->bgra, 0) < 0 || av_frame_get_buffer (a->yuv, 0) < 0 ||
      (a->stored != NULL && av_frame_get_buffer (a->stored, 0) < 0))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "%s: out of memory", a->dst);
      return FALSE;
    }
  a->frame_s = 1.0 / av_q2d (fr);
  return TRUE;
}

/* ---- drawing ---- */

static void
draw_text (cairo_t *cr, const char *text, double x, double y, double size)
{
  PangoLayout *l = pango_cairo_create_layout (cr);
  PangoFontDescription *fd = pango_font_description_new ();
  int w, h;

  pango_font_description_set_family (fd, "Sans");
  pango_font_description_set_weight (fd, PANGO_WEIGHT_BOLD);
  pango_font_description_set_absolute_size (fd, size * PANGO_SCALE);
  pango_layout_set_font_description (l, fd);
  pango_layout_set_text (l, text, -1);
  pango_layout_get_pixel_size (l, &w, &h);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.6);
  cairo_rectangle (cr, x - 2, y - 1, w + 4, h + 2);
  cairo_fill (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, l);
  pango_font_description_free (fd);
  g_object_unref (l);
}

static char *
clock_text (double utc)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *s = NULL;

  if (isnan (utc) || (dt = g_date_time_new_from_unix_utc ((gint64) floor (utc))) == NULL)
    return g_strdup ("wall-clock time unknown");
  s = g_date_time_format (dt, "%Y-%m-%d %H:%M:%S");
  return g_strdup_printf ("%s.%03d UTC", s, (int) ((utc - floor (utc)) * 1000));
}

/* Boxes near pts, the clock and the "derived" mark, onto the BGRA frame. */
static void
draw_overlay (Annotate *a, double pts)
{
  cairo_surface_t *s = cairo_image_surface_create_for_data (
    a->bgra->data[0], CAIRO_FORMAT_ARGB32, a->bgra->width, a->bgra->height,
    a->bgra->linesize[0]);
  cairo_t *cr = cairo_create (s);
  double size = MAX (10.0, a->bgra->height / 30.0);  /* text height, px */
  g_autofree char *clock = clock_text (a->start_utc + pts);
  g_autofree char *pts_text = g_strdup_printf ("video %.3f s - annotated copy, not the original",
                                               pts);

  double nearest = a->box_hold_s;

  /* the boxes of the nearest sighting time only: one object, one box */
  for (guint i = 0; i < a->n_boxes; i++)
    nearest = MIN (nearest, fabs (a->boxes[i].pts_s - pts));
  cairo_set_line_width (cr, MAX (2.0, a->bgra->height / 240.0));
  for (guint i = 0; i < a->n_boxes; i++)
    {
      const TrawlAnnotation *b = &a->boxes[i];
      if (fabs (fabs (b->pts_s - pts) - nearest) > 1e-6 || nearest >= a->box_hold_s)
        continue;
      cairo_set_source_rgb (cr, 1, 0.1, 0.1);
      cairo_rectangle (cr, b->x, b->y, b->w, b->h);
      cairo_stroke (cr);
      if (b->label != NULL)
        draw_text (cr, b->label, b->x, MAX (0, b->y - size - 4), size * 0.8);
    }
  draw_text (cr, clock, 6, 4, size);
  draw_text (cr, pts_text, 6, a->bgra->height - size * 0.8 - 8, size * 0.7);
  cairo_destroy (cr);
  cairo_surface_flush (s);
  cairo_surface_destroy (s);
}

/* ---- the frame loop ---- */

static gboolean
write_encoded (Annotate *a, GError **error)
{
  AVPacket *pkt = av_packet_alloc ();
  int err;

  while ((err = avcodec_receive_packet (a->enc, pkt)) >= 0)
    {
      av_packet_rescale_ts (pkt, a->enc->time_base, a->os->time_base);
      pkt->stream_index = a->os->index;
      if ((err = av_interleaved_write_frame (a->oc, pkt)) < 0)
        break;
    }
  av_packet_free (&pkt);
  if (err < 0 && err != AVERROR (EAGAIN) && err != AVERROR_EOF)
    {
      set_av_error (error, TRAWL_ERROR_FAILED, a->dst, "cannot write", err);
      return FALSE;
    }
  return TRUE;
}

/* a->stored turned a->rotation degrees clockwise into a->bgra (4 bytes a
 * pixel; the sizes were set for it at open). */
static void
turn_upright (Annotate *a)
{
  const AVFrame *s = a->stored;
  AVFrame *d = a->bgra;

  for (int y = 0; y < d->height; y++)
    for (int x = 0; x < d->width; x++)
      {
        int sx, sy;
        if (a->rotation == 90)
          sx = y, sy = s->height - 1 - x;
        else if (a->rotation == 180)
          sx = s->width - 1 - x, sy = s->height - 1 - y;
        else
          sx = s->width - 1 - y, sy = x;
        memcpy (d->data[0] + (gsize) y * d->linesize[0] + 4 * x,
                s->data[0] + (gsize) sy * s->linesize[0] + 4 * sx, 4);
      }
}

static gboolean
encode_frame (Annotate *a, const AVFrame *f, double pts, GError **error)
{
  AVFrame *as_decoded = a->stored != NULL ? a->stored : a->bgra;

  a->to_bgra = sws_getCachedContext (a->to_bgra, f->width, f->height, f->format, f->width,
                                     f->height, AV_PIX_FMT_BGRA, SWS_BILINEAR, NULL, NULL, NULL);
  a->to_yuv = sws_getCachedContext (a->to_yuv, a->bgra->width, a->bgra->height,
                                    AV_PIX_FMT_BGRA, a->bgra->width, a->bgra->height,
                                    AV_PIX_FMT_YUV420P, SWS_BILINEAR, NULL, NULL, NULL);
  if (a->to_bgra == NULL || a->to_yuv == NULL || f->width != as_decoded->width ||
      f->height != as_decoded->height || av_frame_make_writable (a->bgra) < 0 ||
      av_frame_make_writable (a->yuv) < 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "%s: a frame of another size or format in the range", a->src);
      return FALSE;
    }
  sws_scale (a->to_bgra, (const uint8_t *const *) f->data, f->linesize, 0, f->height,
             as_decoded->data, as_decoded->linesize);
  if (a->stored != NULL)
    turn_upright (a);
  draw_overlay (a, pts);
  sws_scale (a->to_yuv, (const uint8_t *const *) a->bgra->data, a->bgra->linesize, 0,
             a->bgra->height, a->yuv->data, a->yuv->linesize);
  a->yuv->pts = (gint64) llround ((pts - a->first_s) / av_q2d (a->enc->time_base));
  if (avcodec_send_frame (a->enc, a->yuv) < 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "%s: the encoder refused a frame",
                   a->dst);
      return FALSE;
    }
  return write_encoded (a, error);
}

/* Decoded frames of the range go to the encoder. *done once past t1. */
static gboolean
drain_decoder (Annotate *a, AVFrame *f, double t0, double t1, gboolean *done,
               GCancellable *cancellable, GError **error)
{
  while (!*done && avcodec_receive_frame (a->dec, f) >= 0)
    {
      gint64 ts = f->best_effort_timestamp;
      double pts = ts == AV_NOPTS_VALUE ? NAN : (ts - a->origin) * av_q2d (a->vs->time_base);
      gboolean ok = TRUE;

      if (isnan (pts) || pts < t0 - 1e-6)
        ;  /* before the range (decoded only to reach it) */
      else if (pts >= t1 - 1e-6)
        *done = TRUE;
      else if (++a->n_frames % CANCEL_CHECK_EVERY == 0 &&
               g_cancellable_set_error_if_cancelled (cancellable, error))
        ok = FALSE;
      else
        {
          if (a->n_frames == 1)
            a->first_s = pts;
          a->last_s = pts;
          ok = encode_frame (a, f, pts, error);
        }
      av_frame_unref (f);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

static gboolean
run_frames (Annotate *a, double t0, double t1, GCancellable *cancellable, GError **error)
{
  AVPacket *pkt = av_packet_alloc ();
  AVFrame *f = av_frame_alloc ();
  gboolean done = FALSE, ok = TRUE;

  if (t0 > 0)
    av_seek_frame (a->ic, a->vs->index,
                   a->origin + (gint64) (t0 / av_q2d (a->vs->time_base)), AVSEEK_FLAG_BACKWARD);
  while (ok && !done && av_read_frame (a->ic, pkt) >= 0)
    {
      if (pkt->stream_index == a->vs->index && avcodec_send_packet (a->dec, pkt) >= 0)
        ok = drain_decoder (a, f, t0, t1, &done, cancellable, error);
      av_packet_unref (pkt);
    }
  if (ok && !done)
    {
      avcodec_send_packet (a->dec, NULL);  /* the frames the decoder still holds */
      ok = drain_decoder (a, f, t0, t1, &done, cancellable, error);
    }
  av_packet_free (&pkt);
  av_frame_free (&f);
  return ok;
}

static gboolean
finish (Annotate *a, GError **error)
{
  int err;

  avcodec_send_frame (a->enc, NULL);
  if (!write_encoded (a, error))
    return FALSE;
  if ((err = av_write_trailer (a->oc)) < 0 || (err = a->oc->pb->error) < 0 ||
      (err = avio_closep (&a->oc->pb)) < 0)
    {
      set_av_error (error, TRAWL_ERROR_FAILED, a->dst, "cannot finish the file", err);
      return FALSE;
    }
  return TRUE;
}

static void
annotate_clear (Annotate *a, gboolean failed)
{
  if (a->oc != NULL)
    {
      if (a->oc->pb != NULL)
        avio_closep (&a->oc->pb);
      avformat_free_context (a->oc);
    }
  if (failed && a->created)
    g_unlink (a->dst);
  avcodec_free_context (&a->enc);
  avcodec_free_context (&a->dec);
  avformat_close_input (&a->ic);
  sws_freeContext (a->to_bgra);
  sws_freeContext (a->to_yuv);
  av_frame_free (&a->bgra);
  av_frame_free (&a->stored);
  av_frame_free (&a->yuv);
}

gboolean
trawl_video_render_annotated (const char *src, double t0_s, double t1_s, const char *dst,
                              const TrawlAnnotation *boxes, guint n_boxes, double box_hold_s,
                              double start_utc, TrawlRemuxResult *res,
                              GCancellable *cancellable, GError **error)
{
  Annotate a = { 0 };
  gboolean ok;

  g_return_val_if_fail (src != NULL && dst != NULL && res != NULL, FALSE);
  memset (res, 0, sizeof *res);
  if (isnan (t0_s) || isnan (t1_s) || !(t1_s > t0_s))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "%s: bad clip range %.3f..%.3f s", src, t0_s, t1_s);
      return FALSE;
    }
  if (g_file_test (dst, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "%s already exists", dst);
      return FALSE;
    }
  t0_s = MAX (t0_s, 0);
  a.src = src;
  a.dst = dst;
  a.boxes = boxes;
  a.n_boxes = n_boxes;
  a.box_hold_s = box_hold_s;
  a.start_utc = start_utc;
  ok = open_source (&a, error) && open_output (&a, error) &&
       run_frames (&a, t0_s, t1_s, cancellable, error);
  if (ok && a.n_frames == 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "%s: the range %.3f..%.3f s is outside the video", src, t0_s, t1_s);
      ok = FALSE;
    }
  ok = ok && finish (&a, error);
  if (ok)
    {
      res->requested_start_s = t0_s;
      res->requested_end_s = t1_s;
      res->start_s = a.first_s;
      res->end_s = a.last_s + a.frame_s;
      res->video_packets = a.n_frames;
      res->container = g_strdup ("matroska");
      res->codec = g_strdup (a.enc->codec->name);
    }
  annotate_clear (&a, !ok);
  return ok;
}
