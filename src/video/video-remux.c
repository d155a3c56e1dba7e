/* video-remux.c - cut a clip out of a media file by stream copy.
 *
 * Evidence keeps the original pixels: packets are copied, never decoded
 * or re-encoded. A clip therefore starts on a key frame (the last one at or
 * before the requested start) and ends just before the first key frame
 * after the requested end, so every frame of the range decodes. The
 * decision is made per GOP: the packets since the latest key frame are held
 * until we know whether that GOP reaches into the range.
 *
 * States of one cut:
 *   SEEKING  -> BUFFERING  [a video key frame at or before t0]
 *   BUFFERING-> COPYING    [a video key frame after t0: the held GOP is written]
 *   COPYING  -> DONE       [a video key frame after t1, or end of file]
 *
 * Times in the result are seconds from the video stream's start_time, the
 * origin the reader (video-reader.c) uses for pts_s, so a sighting's pts_s
 * and a clip's range are on one timeline. AVERROR codes stay in this file.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>

#include <trawl/base.h>
#include <trawl/video.h>

#define CANCEL_CHECK_EVERY 64  /* packets between cancellable checks */
#define SEEK_BACK_STEP_S 10.0  /* how far to seek further back when a seek overshoots */

typedef struct {
  const char      *src, *dst;
  AVFormatContext *ic;          /* input */
  AVFormatContext *oc;          /* output; NULL until opened */
  int              vi;          /* input index of the video stream */
  int             *map;         /* input stream index -> output index, -1: dropped */
  gint64           origin;      /* video stream start, its time base */
  gint64           t0, t1;      /* requested range, video time base, absolute */
  gint64           start;       /* pts of the first copied key frame, video tb */
  gint64           end;         /* end of the last copied video frame, video tb */
  gint64           frame_dur;   /* one frame, video tb (for packets without duration) */
  GPtrArray       *held;        /* AVPacket*: the current GOP while BUFFERING */
  gboolean         have_key;    /* held starts with a video key frame */
  gboolean         copying;
  gboolean         created;     /* dst was created by us (removed on failure) */
  gboolean         header_written;
  TrawlRemuxResult *res;
} Remux;

void
trawl_remux_result_clear (TrawlRemuxResult *res)
{
  if (res == NULL)
    return;
  g_free (res->container);
  g_free (res->codec);
  memset (res, 0, sizeof *res);
}

static void
set_av_error (GError **error, int code, const char *path, const char *what, int err)
{
  char buf[AV_ERROR_MAX_STRING_SIZE] = { 0 };

  av_strerror (err, buf, sizeof buf);
  g_set_error (error, TRAWL_ERROR, code, "%s: %s: %s", path, what, buf);
}

static void
packet_free (gpointer p)
{
  AVPacket *pkt = p;
  av_packet_free (&pkt);
}

/* Opens src and finds its video stream. */
static gboolean
open_input (const char *src, AVFormatContext **ic, int *vi, GError **error)
{
  int err;

  if (!g_file_test (src, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND, "%s: no such file", src);
      return FALSE;
    }
  if ((err = avformat_open_input (ic, src, NULL, NULL)) < 0)
    {
      set_av_error (error, err == AVERROR (ENOENT) || err == AVERROR (EACCES)
                      ? TRAWL_ERROR_NOT_FOUND : TRAWL_ERROR_CORRUPT, src, "cannot open", err);
      return FALSE;
    }
  if ((err = avformat_find_stream_info (*ic, NULL)) < 0)
    {
      set_av_error (error, TRAWL_ERROR_CORRUPT, src, "cannot read the streams", err);
      avformat_close_input (ic);
      return FALSE;
    }
  *vi = av_find_best_stream (*ic, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
  if (*vi < 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT, "%s: no video stream", src);
      avformat_close_input (ic);
      return FALSE;
    }
  return TRUE;
}

static gboolean
muxer_takes (const char *ext, enum AVCodecID codec)
{
  g_autofree char *name = g_strdup_printf ("clip.%s", ext);
  const AVOutputFormat *of = av_guess_format (NULL, name, NULL);

  return of != NULL && avformat_query_codec (of, codec, FF_COMPLIANCE_NORMAL) == 1;
}

char *
trawl_video_remux_extension (const char *src, GError **error)
{
  AVFormatContext *ic = NULL;
  const char *dot = strrchr (src, '.');
  g_autofree char *ext = NULL;
  enum AVCodecID codec;
  int vi;

  if (!open_input (src, &ic, &vi, error))
    return NULL;
  codec = ic->streams[vi]->codecpar->codec_id;
  avformat_close_input (&ic);
  if (dot != NULL && strchr (dot, '/') == NULL && dot[1] != '\0')
    ext = g_ascii_strdown (dot + 1, -1);
  if (ext != NULL && muxer_takes (ext, codec))
    return g_steal_pointer (&ext);
  return g_strdup ("mkv");
}

/* ffmpeg's rule for stream copy: keep the source's codec tag when the
 * output format knows it for this codec (hvc1 stays hvc1), else let the
 * muxer choose. */
static unsigned int
copy_codec_tag (const AVOutputFormat *of, const AVCodecParameters *par)
{
  unsigned int tmp;

  if (of->codec_tag == NULL ||
      av_codec_get_id (of->codec_tag, par->codec_tag) == par->codec_id ||
      !av_codec_get_tag2 (of->codec_tag, par->codec_id, &tmp))
    return par->codec_tag;
  return 0;
}

/* The output context and its streams: the video stream, and the audio
 * streams the container can hold. Nothing is written yet. */
static gboolean
make_output (Remux *r, GError **error)
{
  const AVOutputFormat *of;
  int err, n_out = 0;

  if ((err = avformat_alloc_output_context2 (&r->oc, NULL, NULL, r->dst)) < 0 || r->oc == NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "%s: no muxer for this file name extension", r->dst);
      return FALSE;
    }
  of = r->oc->oformat;
  r->map = g_new (int, r->ic->nb_streams);
  for (unsigned i = 0; i < r->ic->nb_streams; i++)
    {
      AVStream *is = r->ic->streams[i], *os;
      enum AVMediaType type = is->codecpar->codec_type;

      r->map[i] = -1;
      if ((int) i != r->vi && type != AVMEDIA_TYPE_AUDIO)
        continue;
      if (type == AVMEDIA_TYPE_AUDIO &&
          avformat_query_codec (of, is->codecpar->codec_id, FF_COMPLIANCE_NORMAL) != 1)
        continue;  /* an audio codec the container cannot hold: video evidence first */
      os = avformat_new_stream (r->oc, NULL);
      if (os == NULL || avcodec_parameters_copy (os->codecpar, is->codecpar) < 0)
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "%s: out of memory", r->dst);
          return FALSE;
        }
      os->codecpar->codec_tag = copy_codec_tag (of, is->codecpar);
      os->time_base = is->time_base;
      os->avg_frame_rate = is->avg_frame_rate;
      os->r_frame_rate = is->r_frame_rate;
      os->sample_aspect_ratio = is->sample_aspect_ratio;
      os->disposition = is->disposition;
      av_dict_copy (&os->metadata, is->metadata, 0);
      r->map[i] = n_out++;
    }
  return TRUE;
}

/* Creates dst and writes the header (when the first GOP is known). */
static gboolean
open_output (Remux *r, GError **error)
{
  const AVOutputFormat *of = r->oc->oformat;
  int err;

  if (!(of->flags & AVFMT_NOFILE) &&
      (err = avio_open (&r->oc->pb, r->dst, AVIO_FLAG_WRITE)) < 0)
    {
      set_av_error (error, TRAWL_ERROR_FAILED, r->dst, "cannot create", err);
      return FALSE;
    }
  r->created = TRUE;
  r->oc->avoid_negative_ts = AVFMT_AVOID_NEG_TS_MAKE_ZERO;
  if ((err = avformat_write_header (r->oc, NULL)) < 0)
    {
      set_av_error (error, TRAWL_ERROR_FAILED, r->dst, "cannot write the header", err);
      return FALSE;
    }
  r->header_written = TRUE;
  return TRUE;
}

static gint64
packet_time (const AVPacket *pkt)
{
  return pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
}

/* Writes one input packet (consumed) shifted so the clip starts at 0. */
static gboolean
write_packet (Remux *r, AVPacket *pkt, GError **error)
{
  AVStream *is = r->ic->streams[pkt->stream_index];
  int out = r->map[pkt->stream_index];
  gint64 shift = av_rescale_q (r->start, r->ic->streams[r->vi]->time_base, is->time_base);
  int err;

  if (pkt->stream_index == r->vi)
    {
      gint64 t = packet_time (pkt);
      gint64 dur = pkt->duration > 0 ? pkt->duration : r->frame_dur;
      if (t != AV_NOPTS_VALUE && t + dur > r->end)
        r->end = t + dur;
      r->res->video_packets++;
    }
  else
    {
      gint64 t = packet_time (pkt);
      /* audio from before the first key frame has no picture to go with */
      if (t == AV_NOPTS_VALUE || t < shift)
        {
          av_packet_unref (pkt);
          return TRUE;
        }
      r->res->other_packets++;
    }
  /* Matroska stores no dts; without reordering delay it equals pts, and
   * muxers that need a dts (mp4) get it instead of guessing */
  if (pkt->dts == AV_NOPTS_VALUE && is->codecpar->video_delay == 0)
    pkt->dts = pkt->pts;
  if (pkt->pts != AV_NOPTS_VALUE)
    pkt->pts -= shift;
  if (pkt->dts != AV_NOPTS_VALUE)
    pkt->dts -= shift;
  av_packet_rescale_ts (pkt, is->time_base, r->oc->streams[out]->time_base);
  pkt->stream_index = out;
  pkt->pos = -1;
  if ((err = av_interleaved_write_frame (r->oc, pkt)) < 0)
    {
      set_av_error (error, TRAWL_ERROR_FAILED, r->dst, "cannot write", err);
      return FALSE;
    }
  return TRUE;
}

/* BUFFERING -> COPYING: open the output and write the held GOP. */
static gboolean
start_copying (Remux *r, GError **error)
{
  r->copying = TRUE;
  r->start = packet_time (g_ptr_array_index (r->held, 0));
  r->end = r->start;
  if (!open_output (r, error))
    return FALSE;
  for (guint i = 0; i < r->held->len; i++)
    if (!write_packet (r, g_ptr_array_index (r->held, i), error))
      return FALSE;
  g_ptr_array_set_size (r->held, 0);
  return TRUE;
}

/* Takes one packet (written, held or dropped). *done: stop reading. */
static gboolean
handle_packet (Remux *r, AVPacket *pkt, gboolean *done, GError **error)
{
  gboolean key = pkt->stream_index == r->vi && (pkt->flags & AV_PKT_FLAG_KEY);
  gint64 t = packet_time (pkt);

  if (r->map[pkt->stream_index] < 0)
    return TRUE;
  if (key && t != AV_NOPTS_VALUE && !(r->copying && t <= r->t1))
    {
      if (r->copying || (r->held->len == 0 && t > r->t1))
        {
          *done = TRUE;  /* past the range (or the range is before every key frame) */
          return TRUE;
        }
      if (t <= r->t0)
        g_ptr_array_set_size (r->held, 0);  /* a later GOP still starts at or before t0 */
      else if (r->held->len > 0)
        {
          /* the first key frame after t0: the held GOP reaches into the range */
          if (!start_copying (r, error))
            return FALSE;
          if (t > r->t1)
            {
              *done = TRUE;
              return TRUE;
            }
        }
      else
        {
          /* no key frame at or before t0 (the stream starts later): start here */
          g_ptr_array_add (r->held, av_packet_clone (pkt));
          return start_copying (r, error);
        }
      r->have_key = TRUE;
    }
  if (!r->have_key)
    return TRUE;  /* before the first key frame: undecodable alone */
  if (r->copying)
    return write_packet (r, pkt, error);  /* the muxer takes pkt's data */
  g_ptr_array_add (r->held, av_packet_clone (pkt));
  return TRUE;
}

/* The pts of the first video key frame read from the current position
 * (AV_NOPTS_VALUE at the end of the file). */
static gint64
first_key_time (Remux *r)
{
  AVPacket *pkt = av_packet_alloc ();
  gint64 t = AV_NOPTS_VALUE;

  while (av_read_frame (r->ic, pkt) >= 0)
    {
      gboolean found = pkt->stream_index == r->vi && (pkt->flags & AV_PKT_FLAG_KEY);
      if (found)
        t = packet_time (pkt);
      av_packet_unref (pkt);
      if (found)
        break;
    }
  av_packet_free (&pkt);
  return t;
}

/* Seeks to the last key frame at or before t0. A demuxer with a coarse
 * index may land after it: then step further back, and in the end read
 * from the start (always right, only slower). */
static void
seek_before (Remux *r)
{
  AVStream *vs = r->ic->streams[r->vi];
  gint64 step = (gint64) (SEEK_BACK_STEP_S / av_q2d (vs->time_base));
  gint64 target = r->t0;

  for (int tries = 0; tries < 8 && target > r->origin; tries++, target -= step)
    {
      gint64 t;
      if (av_seek_frame (r->ic, r->vi, target, AVSEEK_FLAG_BACKWARD) < 0)
        break;
      t = first_key_time (r);
      if (t == AV_NOPTS_VALUE || t <= r->t0)
        {
          if (av_seek_frame (r->ic, r->vi, target, AVSEEK_FLAG_BACKWARD) >= 0)
            return;
          break;
        }
    }
  av_seek_frame (r->ic, r->vi, r->origin, AVSEEK_FLAG_BACKWARD);
}

static gboolean
copy_range (Remux *r, GCancellable *cancellable, GError **error)
{
  AVPacket *pkt = av_packet_alloc ();
  gboolean done = FALSE, ok = TRUE;
  gint64 n = 0;
  int err = 0;

  while (ok && !done && (err = av_read_frame (r->ic, pkt)) >= 0)
    {
      if (++n % CANCEL_CHECK_EVERY == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        ok = FALSE;
      else
        ok = handle_packet (r, pkt, &done, error);
      av_packet_unref (pkt);
    }
  av_packet_free (&pkt);
  if (!ok)
    return FALSE;
  if (!done && err != AVERROR_EOF)
    g_warning ("%s: reading stopped early (damaged file?); the clip ends there", r->src);
  if (!r->copying && r->held->len > 0 && r->have_key)
    return start_copying (r, error);  /* the range reaches the last GOP */
  return TRUE;
}

static gboolean
finish_output (Remux *r, GError **error)
{
  int err;

  if ((err = av_write_trailer (r->oc)) < 0)
    {
      set_av_error (error, TRAWL_ERROR_FAILED, r->dst, "cannot finish the file", err);
      return FALSE;
    }
  if (r->oc->pb != NULL && !(r->oc->oformat->flags & AVFMT_NOFILE))
    {
      if ((err = r->oc->pb->error) < 0 || (err = avio_closep (&r->oc->pb)) < 0)
        {
          set_av_error (error, TRAWL_ERROR_FAILED, r->dst, "cannot write", err);
          return FALSE;
        }
    }
  return TRUE;
}

static void
remux_clear (Remux *r, gboolean failed)
{
  if (r->oc != NULL)
    {
      if (r->oc->pb != NULL && !(r->oc->oformat->flags & AVFMT_NOFILE))
        avio_closep (&r->oc->pb);
      avformat_free_context (r->oc);
      if (failed && r->created)
        g_unlink (r->dst);
    }
  avformat_close_input (&r->ic);
  g_clear_pointer (&r->held, g_ptr_array_unref);
  g_free (r->map);
}

static gboolean
check_range (const char *src, double t0, double t1, GError **error)
{
  if (isnan (t0) || isnan (t1) || !(t1 > t0))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "%s: bad clip range %.3f..%.3f s (the end must come after the start)",
                   src, t0, t1);
      return FALSE;
    }
  return TRUE;
}

static gboolean
remux_run (Remux *r, double t0_s, double t1_s, GCancellable *cancellable, GError **error)
{
  AVStream *vs;
  AVRational fr;

  if (!open_input (r->src, &r->ic, &r->vi, error))
    return FALSE;
  vs = r->ic->streams[r->vi];
  r->origin = vs->start_time != AV_NOPTS_VALUE ? vs->start_time : 0;
  r->t0 = r->origin + (gint64) floor (t0_s / av_q2d (vs->time_base));
  r->t1 = r->origin + (gint64) ceil (t1_s / av_q2d (vs->time_base));
  fr = vs->avg_frame_rate.num > 0 ? vs->avg_frame_rate : vs->r_frame_rate;
  r->frame_dur = fr.num > 0 ? av_rescale_q (1, av_inv_q (fr), vs->time_base) : 0;
  r->held = g_ptr_array_new_with_free_func (packet_free);
  r->res->codec = g_strdup (avcodec_get_name (vs->codecpar->codec_id));
  if (!make_output (r, error))
    return FALSE;
  seek_before (r);
  if (!copy_range (r, cancellable, error))
    return FALSE;
  if (!r->header_written || r->res->video_packets == 0 || r->end <= r->t0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "%s: the range %.3f..%.3f s is outside the video", r->src, t0_s, t1_s);
      return FALSE;
    }
  if (!finish_output (r, error))
    return FALSE;
  r->res->start_s = (r->start - r->origin) * av_q2d (vs->time_base);
  r->res->end_s = (r->end - r->origin) * av_q2d (vs->time_base);
  r->res->container = g_strdup (r->oc->oformat->name);
  return TRUE;
}

gboolean
trawl_video_remux (const char *src, double t0_s, double t1_s, const char *dst,
                   TrawlRemuxResult *res, GCancellable *cancellable, GError **error)
{
  Remux r = { 0 };
  gboolean ok;

  g_return_val_if_fail (src != NULL && dst != NULL && res != NULL, FALSE);
  memset (res, 0, sizeof *res);
  if (!check_range (src, t0_s, t1_s, error))
    return FALSE;
  if (t0_s < 0)
    t0_s = 0;
  if (g_file_test (dst, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "%s already exists; a clip "
                   "is always written to a new file", dst);
      return FALSE;
    }
  res->requested_start_s = t0_s;
  res->requested_end_s = t1_s;
  r.src = src;
  r.dst = dst;
  r.res = res;
  ok = remux_run (&r, t0_s, t1_s, cancellable, error);
  remux_clear (&r, !ok);
  if (!ok)
    trawl_remux_result_clear (res);
  return ok;
}
