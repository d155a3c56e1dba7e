/* video-reader.c - demux and decode one media file into sampled RGB frames
 *
 * The only user of libavformat/libavcodec/libswscale in trawl. Opens a
 * file, picks its best video stream, decodes every packet (or key frames
 * only), timestamps each frame in seconds, decides whether the frame falls on
 * the sample grid, optionally drops it as unchanged (scene skip), and
 * converts the survivors to RGB24. Wall-clock times live in video-time.c;
 * nothing here persists anything (catalog/) or looks at content (detect/).
 *
 * GPU frames (opts.hwaccel + opts.gpu_frames, CUDA built): NVDEC decodes
 * into surfaces of device 0's primary CUDA context, which our kernels and
 * cuDNN share, and a sampled frame is handed out as that NV12 surface
 * (frame->gpu) holding a reference to FFmpeg's frame, plus an event
 * recorded after the decoder's last write on FFmpeg's stream. Frames are
 * downloaded only when they are emitted on the CPU path or when a caller
 * asks (trawl_video_frame_get_image): sampling drops frames before any
 * copy, and scene skip reads a 64x36 thumbnail made on the GPU
 * (kernels/thumb.cu, the maths of thumb.h shared with the CPU path).
 *
 * States (see include/trawl/video.h):
 *   OPEN     -> DECODING  [trawl_video_reader_next returns a frame]
 *   OPEN|DECODING -> EOF  [next: demuxer and decoder drained]
 *   OPEN|DECODING -> ERROR[next: nothing decodable at all]
 *
 * AVERROR codes never leave this file: they become states, counters or a
 * GError at the public functions.
 */
#include "trawl-config.h"

#include <math.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/display.h>
#include <libavutil/hwcontext.h>
#if TRAWL_HAVE_CUDA
#include <libavutil/hwcontext_cuda.h>
#endif
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include "image/av-format.h"
#include <libswscale/swscale.h>

#include <trawl/base.h>
#include <trawl/gpu.h>
#include <trawl/video.h>

#include "rules/thumb.h"
#include "video-private.h"
#if TRAWL_HAVE_CUDA
#include "trawl-kernels.h"
#endif

#define THUMB_W TRAWL_THUMB_W  /* scene-skip thumbnail width, px */
#define THUMB_H TRAWL_THUMB_H  /* scene-skip thumbnail height, px */
#define DEFAULT_FPS 25.0  /* used for timestamp repair when the stream has none */
/* Decoder surfaces beyond its own needs, so a caller can hold this many GPU
 * frames (the indexer's queue) without starving NVDEC; see gpu.h. */
#define GPU_FRAMES_HELD 8

typedef enum {
  STATE_OPEN,
  STATE_DECODING,
  STATE_EOF,
  STATE_ERROR,
} ReaderState;

struct _TrawlVideoReader {
  ReaderState        state;
  TrawlVideoOptions  opts;         /* copy of the caller's options */
  TrawlMediaInfo     info;         /* filled at open; strings owned */
  TrawlVideoStats    stats;
  GError            *error;        /* set in STATE_ERROR, returned again on each next() */

  AVFormatContext   *fmt;          /* demuxer */
  AVCodecContext    *dec;          /* decoder of stream info.stream_index */
  AVStream          *st;           /* borrowed from fmt */
  AVPacket          *pkt;          /* reused for every packet */
  AVFrame           *frame;        /* reused decoder output */
  AVFrame           *sw_frame;     /* reused: GPU frames copied to host memory */
  AVFrame           *yuv_frame;    /* reused: sw_frame's NV12 deinterleaved to yuv420p */
  AVBufferRef       *hw_device;    /* CUDA device when hwaccel is active, else NULL */
  gboolean           gpu_frames;   /* hand out NV12 surfaces: hw_device shares the primary context */
  void              *cuda_stream;  /* FFmpeg's CUstream (AVCUDADeviceContext.stream); NULL: legacy default */
  void              *thumb_dev;    /* device scratch of the GPU thumbnail kernel, or NULL */
  gboolean           said_sw_format;   /* the "no CUDA surface for this stream" message was given */
  gboolean           said_not_nv12;    /* the "surfaces are not NV12" message was given */
  struct SwsContext *sws_rgb;      /* to RGB24, cached per input geometry/format */
  struct SwsContext *sws_gray;     /* to THUMB_W x THUMB_H GRAY8 */
  gboolean           draining;     /* the demuxer is done; the decoder is being flushed */

  gint64             ts_origin;    /* stream time base units of pts 0; AV_NOPTS_VALUE until known */
  double             last_pts_s;   /* seconds; -INFINITY before the first frame */
  double             jump_shift_s; /* taken off file times by the jumps so far */
  GArray            *jumps;        /* TrawlTimeJump, in order */
  gint64             next_cell;    /* index of the next sample-grid cell to fill */
  guint8            *last_thumb;   /* THUMB_W*THUMB_H gray of the last emitted frame, or NULL */
  guint8            *thumb;        /* scratch thumbnail of the current frame */
};

const char *
trawl_time_source_to_string (TrawlTimeSource source)
{
  switch (source)
    {
    case TRAWL_TIME_SOURCE_USER: return "user";
    case TRAWL_TIME_SOURCE_CONTAINER: return "container";
    case TRAWL_TIME_SOURCE_FILENAME: return "filename";
    case TRAWL_TIME_SOURCE_SIDECAR: return "sidecar";
    case TRAWL_TIME_SOURCE_NONE:
    default: return "none";
    }
}

TrawlTimeSource
trawl_time_source_from_string (const char *str)
{
  if (g_strcmp0 (str, "user") == 0) return TRAWL_TIME_SOURCE_USER;
  if (g_strcmp0 (str, "container") == 0) return TRAWL_TIME_SOURCE_CONTAINER;
  if (g_strcmp0 (str, "filename") == 0) return TRAWL_TIME_SOURCE_FILENAME;
  if (g_strcmp0 (str, "sidecar") == 0) return TRAWL_TIME_SOURCE_SIDECAR;
  return TRAWL_TIME_SOURCE_NONE;
}

void
trawl_video_options_init (TrawlVideoOptions *opts)
{
  g_return_if_fail (opts != NULL);
  memset (opts, 0, sizeof *opts);
}

/* frame->priv of a GPU frame. */
typedef struct {
  AVFrame       *hw;   /* a reference to the decoder's CUDA frame: keeps the NVDEC surface mapped */
  TrawlGpuFrame  gpu;  /* frame->gpu points here; ready_event owned */
} GpuFrame;

static void
gpu_frame_free (GpuFrame *g)
{
  if (g == NULL)
    return;
#if TRAWL_HAVE_CUDA
  trawl_cuda_event_free (g->gpu.ready_event);
#endif
  av_frame_free (&g->hw);
  g_free (g);
}

void
trawl_video_frame_free (TrawlVideoFrame *frame)
{
  if (frame == NULL)
    return;
  gpu_frame_free (frame->priv);
  trawl_image_free (frame->image);
  g_free (frame->thumb);
  g_free (frame);
}

void
trawl_media_info_clear (TrawlMediaInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->path);
  g_free (info->container);
  g_free (info->codec);
  memset (info, 0, sizeof *info);
}

static char *
av_error_string (int err)
{
  char buf[AV_ERROR_MAX_STRING_SIZE] = { 0 };
  av_strerror (err, buf, sizeof buf);
  return g_strdup (buf);
}

/* ---- open ---- */

/* Cheap checks FFmpeg would report less clearly: missing, unreadable, empty. */
static gboolean
check_file (const char *path, GError **error)
{
  struct stat sb;

  if (stat (path, &sb) != 0)
    {
      int e = errno;
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND, "%s: cannot open: %s",
                   path, g_strerror (e));
      return FALSE;
    }
  if (S_ISDIR (sb.st_mode))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG, "%s: is a directory", path);
      return FALSE;
    }
  if (access (path, R_OK) != 0)
    {
      int e = errno;
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND, "%s: cannot read: %s",
                   path, g_strerror (e));
      return FALSE;
    }
  if (sb.st_size == 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "%s: empty file (0 bytes), not a video", path);
      return FALSE;
    }
  return TRUE;
}

/* Decoders that turn arbitrary bytes into "video" (text art, raw dumps):
 * FFmpeg's probing may pick them for a text file; they are never footage. */
static gboolean
is_bogus_video_codec (enum AVCodecID id)
{
  return id == AV_CODEC_ID_ANSI || id == AV_CODEC_ID_BINTEXT || id == AV_CODEC_ID_XBIN ||
         id == AV_CODEC_ID_IDF || id == AV_CODEC_ID_TEXT || id == AV_CODEC_ID_NONE;
}

static enum AVPixelFormat
get_hw_format (AVCodecContext *ctx, const enum AVPixelFormat *fmts)
{
  TrawlVideoReader *r = ctx->opaque;

  for (const enum AVPixelFormat *p = fmts; *p != AV_PIX_FMT_NONE; p++)
    if (*p == AV_PIX_FMT_CUDA)
      return *p;
  /* The decoder offers no CUDA surface for this stream (a profile or bit
   * depth NVDEC lacks): take its software format. */
  if (!r->said_sw_format)
    {
      r->said_sw_format = TRUE;
      g_message ("%s: NVDEC cannot decode this %s stream (%s); decoding on the CPU",
                 r->info.path, r->info.codec, av_get_pix_fmt_name (ctx->sw_pix_fmt));
    }
  return fmts[0] == AV_PIX_FMT_CUDA && fmts[1] != AV_PIX_FMT_NONE ? fmts[1] : fmts[0];
}

/* Tries to attach a CUDA device to the decoder. Failure is not an error:
 * the reader decodes on the CPU and says so once.
 *
 * GPU frames need FFmpeg's device in device 0's primary context (its
 * surfaces are then valid for our kernels and cuDNN). Plain hwaccel, whose
 * frames are downloaded anyway, falls back to a private context when the
 * primary one cannot be shared. */
static void
try_hwaccel (TrawlVideoReader *r, const AVCodec *codec)
{
  gboolean supported = FALSE;
  g_autofree char *no_gpu_frames = NULL;  /* why GPU frames are off, when NVDEC runs */
  int ret = AVERROR (ENOSYS);

  for (int i = 0;; i++)
    {
      const AVCodecHWConfig *cfg = avcodec_get_hw_config (codec, i);
      if (cfg == NULL)
        break;
      if (cfg->device_type == AV_HWDEVICE_TYPE_CUDA &&
          (cfg->methods & AV_CODEC_HW_CONFIG_METHOD_HW_DEVICE_CTX))
        supported = TRUE;
    }
  if (!supported)
    {
      g_message ("%s: no CUDA decoder for %s; decoding on the CPU", r->info.path, codec->name);
      return;
    }
#if TRAWL_HAVE_CUDA
  {
    /* Also the driver check: without a driver or device this says so in
     * one line, before FFmpeg fails to load libcuda. */
    int rc = trawl_cuda_primary_context_prepare ();

    if (rc != 0)
      {
        g_message ("%s: CUDA decode unavailable (no usable GPU: %s); decoding on the CPU",
                   r->info.path, trawl_cuda_error_string (rc));
        return;
      }
  }
  ret = av_hwdevice_ctx_create (&r->hw_device, AV_HWDEVICE_TYPE_CUDA, NULL, NULL,
                                AV_CUDA_USE_PRIMARY_CONTEXT);
  if (ret >= 0)
    {
      AVHWDeviceContext *dc = (AVHWDeviceContext *) r->hw_device->data;

      r->cuda_stream = ((AVCUDADeviceContext *) dc->hwctx)->stream;
      r->gpu_frames = r->opts.gpu_frames;
    }
  else
    {
      g_autofree char *msg = av_error_string (ret);

      r->hw_device = NULL;
      no_gpu_frames = g_strdup_printf ("NVDEC cannot share the CUDA context: %s", msg);
    }
#else
  no_gpu_frames = g_strdup ("this trawl was built without CUDA");
#endif
  if (ret < 0)
    ret = av_hwdevice_ctx_create (&r->hw_device, AV_HWDEVICE_TYPE_CUDA, NULL, NULL, 0);
  if (ret < 0)
    {
      g_autofree char *msg = av_error_string (ret);
      g_message ("%s: CUDA decode unavailable (%s); decoding on the CPU", r->info.path, msg);
      r->hw_device = NULL;
      return;
    }
  if (r->opts.gpu_frames && !r->gpu_frames)
    g_message ("%s: decoding with NVDEC, but frames are downloaded (%s)", r->info.path,
               no_gpu_frames);
  r->dec->hw_device_ctx = av_buffer_ref (r->hw_device);
  r->dec->get_format = get_hw_format;
  r->dec->opaque = r;
  /* Frame threads would cost a decoder surface each (NVDEC fails beyond
   * 32) and buy nothing when the GPU decodes; slice threads cost none. */
  r->dec->thread_type = FF_THREAD_SLICE;
  if (r->gpu_frames)
    r->dec->extra_hw_frames = GPU_FRAMES_HELD;
  /* stats.hw_active is set when the first GPU frame arrives: the decoder
   * may still pick a software format for this stream. */
}

gboolean
trawl_video_nvdec_probe (GError **error)
{
#if TRAWL_HAVE_CUDA
  AVBufferRef *dev = NULL;
  int rc = trawl_cuda_primary_context_prepare ();

  if (rc != 0)
    {
      /* the GPU probe words a missing GPU or driver for people */
      TrawlGpuInfo gpu;
      g_autoptr(GError) why = NULL;
      if (!trawl_gpu_probe (&gpu, &why))
        g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND, "%s", why->message);
      else
        g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND, "no usable GPU: %s",
                     trawl_cuda_error_string (rc));
      return FALSE;
    }
  rc = av_hwdevice_ctx_create (&dev, AV_HWDEVICE_TYPE_CUDA, NULL, NULL,
                               AV_CUDA_USE_PRIMARY_CONTEXT);
  if (rc < 0)
    {
      g_autofree char *msg = av_error_string (rc);

      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND,
                   "FFmpeg cannot open a CUDA device: %s", msg);
      return FALSE;
    }
  av_buffer_unref (&dev);
  return TRUE;
#else
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_BUILT, "this trawl was built without CUDA");
  return FALSE;
#endif
}

static double
q2d_or_zero (AVRational q)
{
  return q.num > 0 && q.den > 0 ? av_q2d (q) : 0.0;
}

static double
parse_creation_time (AVDictionary *meta)
{
  AVDictionaryEntry *e = av_dict_get (meta, "creation_time", NULL, 0);
  g_autoptr(GTimeZone) utc = NULL;
  g_autoptr(GDateTime) dt = NULL;

  if (e == NULL || e->value == NULL)
    return NAN;
  utc = g_time_zone_new_utc ();
  dt = g_date_time_new_from_iso8601 (e->value, utc);
  if (dt == NULL)
    return NAN;
  return (double) g_date_time_to_unix (dt) + g_date_time_get_microsecond (dt) / 1e6;
}

/* Degrees clockwise (0, 90, 180, 270) that show the stream upright: from
 * the display matrix FFmpeg exports, else the "rotate" tag older muxers
 * wrote. Mirroring in the matrix is ignored (no camera writes it). */
int
_trawl_video_stream_rotation (AVStream *st)
{
  const int32_t *matrix = NULL;
  AVDictionaryEntry *tag;
  double theta = 0;

#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT (60, 29, 100)
  const AVPacketSideData *sd = av_packet_side_data_get (st->codecpar->coded_side_data,
                                                        st->codecpar->nb_coded_side_data,
                                                        AV_PKT_DATA_DISPLAYMATRIX);
  if (sd != NULL && sd->size >= 9 * sizeof (int32_t))
    matrix = (const int32_t *) sd->data;
#else
  size_t size = 0;
  const uint8_t *sd = av_stream_get_side_data (st, AV_PKT_DATA_DISPLAYMATRIX, &size);
  if (sd != NULL && size >= 9 * sizeof (int32_t))
    matrix = (const int32_t *) sd;
#endif
  /* av_display_rotation_get: counter-clockwise angle of the matrix */
  if (matrix != NULL)
    theta = -av_display_rotation_get (matrix);
  else if ((tag = av_dict_get (st->metadata, "rotate", NULL, 0)) != NULL)
    theta = g_ascii_strtod (tag->value, NULL);
  if (!isfinite (theta))
    return 0;
  return (((int) lround (theta / 90.0)) % 4 + 4) % 4 * 90;
}

static void
fill_info (TrawlVideoReader *r, const AVCodec *codec)
{
  TrawlMediaInfo *info = &r->info;
  AVStream *st = r->st;

  info->container = g_strdup (r->fmt->iformat->name);
  info->codec = g_strdup (codec->name);
  info->width = st->codecpar->width;
  info->height = st->codecpar->height;
  info->fps = q2d_or_zero (st->avg_frame_rate);
  if (info->fps <= 0)
    info->fps = q2d_or_zero (st->r_frame_rate);
  info->duration_s = -1;
  if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
    info->duration_s = st->duration * av_q2d (st->time_base);
  else if (r->fmt->duration != AV_NOPTS_VALUE && r->fmt->duration > 0)
    info->duration_s = r->fmt->duration / (double) AV_TIME_BASE;
  info->frame_count = -1;
  if (st->nb_frames > 0)
    info->frame_count = st->nb_frames;
  else if (info->duration_s > 0 && info->fps > 0)
    info->frame_count = (gint64) llround (info->duration_s * info->fps);
  info->creation_time_utc = parse_creation_time (r->fmt->metadata);
  if (isnan (info->creation_time_utc))
    info->creation_time_utc = parse_creation_time (st->metadata);
  info->stream_index = st->index;
  info->rotation = _trawl_video_stream_rotation (st);
  if (info->rotation == 90 || info->rotation == 270)
    {
      info->width = st->codecpar->height;
      info->height = st->codecpar->width;
    }
}

static gboolean
open_decoder (TrawlVideoReader *r, GError **error)
{
  const AVCodec *codec = NULL;
  int idx, ret;

  idx = av_find_best_stream (r->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
  if (idx < 0 || codec == NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT, "%s: %s", r->info.path,
                   idx == AVERROR_DECODER_NOT_FOUND ? "no decoder for its video stream"
                                                    : "no video stream");
      return FALSE;
    }
  r->st = r->fmt->streams[idx];
  if (is_bogus_video_codec (r->st->codecpar->codec_id) ||
      r->st->codecpar->width <= 0 || r->st->codecpar->height <= 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "%s: not a video file (FFmpeg sees only %s data)", r->info.path,
                   avcodec_get_name (r->st->codecpar->codec_id));
      return FALSE;
    }
  r->dec = avcodec_alloc_context3 (codec);
  if (r->dec == NULL || avcodec_parameters_to_context (r->dec, r->st->codecpar) < 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "%s: cannot set up the %s decoder",
                   r->info.path, codec->name);
      return FALSE;
    }
  r->dec->pkt_timebase = r->st->time_base;
  r->dec->thread_count = r->opts.threads > 0 ? r->opts.threads : 0;
  if (r->opts.keyframes_only)
    r->dec->skip_frame = AVDISCARD_NONKEY;
  fill_info (r, codec);
  if (r->opts.hwaccel)
    try_hwaccel (r, codec);
  if (r->gpu_frames && r->info.rotation != 0)
    {
      /* the detectors take NV12 surfaces as stored; turning them is a CPU job here */
      r->gpu_frames = FALSE;
      g_message ("%s: stored rotated by %d degrees; frames are downloaded and turned upright",
                 r->info.path, r->info.rotation);
    }
  ret = avcodec_open2 (r->dec, codec, NULL);
  if (ret < 0)
    {
      g_autofree char *msg = av_error_string (ret);
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT, "%s: cannot open the %s decoder: %s",
                   r->info.path, codec->name, msg);
      return FALSE;
    }
  return TRUE;
}

TrawlVideoReader *
trawl_video_reader_open (const char *path, const TrawlVideoOptions *opts, GError **error)
{
  g_autoptr(TrawlVideoReader) r = NULL;
  int ret;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* FFmpeg held to TRAWL_CPU_LEVEL before any codec picks its functions */
  if (!trawl_cpu_level_check (error) || !check_file (path, error))
    return NULL;
  r = g_new0 (TrawlVideoReader, 1);
  if (opts != NULL)
    r->opts = *opts;
  else
    trawl_video_options_init (&r->opts);
  r->state = STATE_OPEN;
  r->info.path = g_strdup (path);
  r->info.creation_time_utc = NAN;
  r->ts_origin = AV_NOPTS_VALUE;
  r->last_pts_s = -INFINITY;
  r->jumps = g_array_new (FALSE, FALSE, sizeof (TrawlTimeJump));

  ret = avformat_open_input (&r->fmt, path, NULL, NULL);
  if (ret < 0)
    {
      g_autofree char *msg = av_error_string (ret);
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT, "%s: not a readable media file: %s",
                   path, msg);
      return NULL;
    }
  ret = avformat_find_stream_info (r->fmt, NULL);
  if (ret < 0)
    {
      g_autofree char *msg = av_error_string (ret);
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT, "%s: cannot read stream info: %s",
                   path, msg);
      return NULL;
    }
  if (!open_decoder (r, error))
    return NULL;
  r->pkt = av_packet_alloc ();
  r->frame = av_frame_alloc ();
  r->sw_frame = av_frame_alloc ();
  r->yuv_frame = av_frame_alloc ();
  r->thumb = g_malloc (THUMB_W * THUMB_H);
  if (r->st->start_time != AV_NOPTS_VALUE)
    r->ts_origin = r->st->start_time;
  return g_steal_pointer (&r);
}

void
trawl_video_reader_free (TrawlVideoReader *r)
{
  if (r == NULL)
    return;
  avcodec_free_context (&r->dec);
  avformat_close_input (&r->fmt);
  av_packet_free (&r->pkt);
  av_frame_free (&r->frame);
  av_frame_free (&r->sw_frame);
  av_frame_free (&r->yuv_frame);
  av_buffer_unref (&r->hw_device);
#if TRAWL_HAVE_CUDA
  trawl_cuda_thumb_free (r->thumb_dev);
#endif
  sws_freeContext (r->sws_rgb);
  sws_freeContext (r->sws_gray);
  g_free (r->last_thumb);
  g_free (r->thumb);
  g_clear_error (&r->error);
  g_array_unref (r->jumps);
  trawl_media_info_clear (&r->info);
  g_free (r);
}

const TrawlMediaInfo *
trawl_video_reader_get_info (TrawlVideoReader *r)
{
  g_return_val_if_fail (r != NULL, NULL);
  return &r->info;
}

void
trawl_video_reader_get_stats (TrawlVideoReader *r, TrawlVideoStats *stats)
{
  g_return_if_fail (r != NULL && stats != NULL);
  *stats = r->stats;
}

const GArray *
trawl_video_reader_get_time_jumps (TrawlVideoReader *r)
{
  g_return_val_if_fail (r != NULL, NULL);
  return r->jumps;
}

double
trawl_video_time_to_file (const TrawlTimeJump *jumps, guint n_jumps, double media_s)
{
  double shift = 0;

  for (guint i = 0; i < n_jumps && jumps[i].at_s <= media_s; i++)
    shift = jumps[i].file_s - jumps[i].at_s;
  return media_s + shift;
}

double
trawl_video_time_from_file (const TrawlTimeJump *jumps, guint n_jumps, double file_s)
{
  double shift = 0;

  for (guint i = 0; i < n_jumps; i++)
    if (jumps[i].file_s <= file_s)
      shift = jumps[i].file_s - jumps[i].at_s;
  return file_s - shift;
}

gboolean
trawl_video_probe (const char *path, TrawlMediaInfo *info, GError **error)
{
  g_autoptr(TrawlVideoReader) r = NULL;

  g_return_val_if_fail (info != NULL, FALSE);
  r = trawl_video_reader_open (path, NULL, error);
  if (r == NULL)
    return FALSE;
  *info = r->info;
  memset (&r->info, 0, sizeof r->info);  /* the strings now belong to the caller */
  return TRUE;
}

/* ---- per-frame work ---- */

/* Takes a jump in the file's timestamps out of t (see TrawlTimeJump in
 * video.h for the bounds and why): the frame goes one interval after the
 * last, and the shift stays for the frames after it. Returns t, shifted. */
static double
take_out_jump (TrawlVideoReader *r, double file_t, double t, double fps)
{
  double step = t - r->last_pts_s;
  /* key frames only: frames come a GOP apart, which some CCTV encoders
   * stretch past 10 s; no GOP lasts 5 minutes */
  double forward = MAX (r->opts.keyframes_only ? 300.0 : 10.0, 100.0 / fps);
  TrawlTimeJump j;

  if (isinf (r->last_pts_s) || (step >= -1.0 && step <= forward))
    return t;
  j.at_s = r->last_pts_s + 1.0 / fps;
  j.file_s = file_t;
  r->jump_shift_s = file_t - j.at_s;
  g_array_append_val (r->jumps, j);
  r->stats.time_jumps++;
  g_warning ("%s: timestamps jump %s by %.3f s at %.3f s (file time %.3f s); the gap is "
             "taken out, so later times assume the recording ran on without it",
             r->info.path, step < 0 ? "back" : "forward", fabs (step), j.at_s, file_t);
  return j.at_s;
}

/* Seconds from stream start, repaired to be strictly increasing: a jump is
 * taken out (take_out_jump); a missing or slightly backwards timestamp
 * becomes index/fps, or last + 1/fps when that is not later than the
 * previous frame. */
static double
frame_pts (TrawlVideoReader *r, const AVFrame *f, gint64 index)
{
  double fps = r->info.fps > 0 ? r->info.fps : DEFAULT_FPS;
  gint64 ts = f->best_effort_timestamp;
  double t = NAN;

  if (ts != AV_NOPTS_VALUE)
    {
      double file_t;

      if (r->ts_origin == AV_NOPTS_VALUE)
        r->ts_origin = ts;
      file_t = (ts - r->ts_origin) * av_q2d (r->st->time_base);
      t = take_out_jump (r, file_t, file_t - r->jump_shift_s, fps);
    }
  if (isnan (t) || t <= r->last_pts_s)
    {
      if (r->stats.timestamp_fixes++ == 0)
        g_warning ("%s: frame %" G_GINT64_FORMAT " has a %s timestamp; using frame count / fps",
                   r->info.path, index, isnan (t) ? "missing" : "non-increasing");
      t = index / fps;
      if (t <= r->last_pts_s)
        t = r->last_pts_s + 1.0 / fps;
    }
  r->last_pts_s = t;
  r->stats.media_end_s = t + 1.0 / fps;
  return t;
}

static struct SwsContext *
get_sws (struct SwsContext *ctx, const AVFrame *f, int dw, int dh, enum AVPixelFormat dfmt)
{
  int full;
  enum AVPixelFormat sfmt = trawl_av_plain_format ((enum AVPixelFormat) f->format, &full);
  const int *coefs;

  ctx = sws_getCachedContext (ctx, f->width, f->height, sfmt, dw, dh, dfmt,
                              SWS_BILINEAR, NULL, NULL, NULL);
  if (ctx == NULL)
    return NULL;
  if (full || f->color_range == AVCOL_RANGE_JPEG)
    {
      coefs = sws_getCoefficients (SWS_CS_DEFAULT);
      sws_setColorspaceDetails (ctx, coefs, 1, coefs, 1, 0, 1 << 16, 1 << 16);
    }
  return ctx;
}

/* TRUE when plane 0 of f's format is 8-bit luma, one byte per pixel
 * (planar and semi-planar YUV, gray): the thumbnail is then thumb.h's box
 * average of it, exactly what the GPU path computes on NVDEC surfaces. */
static gboolean
has_luma_plane (const AVFrame *f)
{
  const AVPixFmtDescriptor *d = av_pix_fmt_desc_get ((enum AVPixelFormat) f->format);

  return d != NULL && d->nb_components >= 1 &&
         (d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_HWACCEL |
                      AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_BE)) == 0 &&
         d->comp[0].plane == 0 && d->comp[0].depth == 8 && d->comp[0].step == 1 &&
         d->comp[0].offset == 0 && d->comp[0].shift == 0;
}

/* The current frame's thumbnail into r->thumb. FALSE when it cannot be
 * made on the CPU (keep the frame); with error set only when the GPU
 * kernel fails (the reader then fails, as for any CUDA error). */
static gboolean
make_thumb (TrawlVideoReader *r, const AVFrame *f, gboolean on_gpu, GError **error)
{
  if (on_gpu)
    {
#if TRAWL_HAVE_CUDA
      int rc = trawl_cuda_thumb_gray (f->data[0], f->linesize[0], f->width, f->height,
                                      &r->thumb_dev, r->thumb, r->cuda_stream);
      if (rc != 0)
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED,
                       "%s: scene thumbnail on the GPU failed: %s", r->info.path,
                       trawl_cuda_error_string (rc));
          return FALSE;
        }
      return TRUE;
#else
      (void) error;
      g_assert_not_reached ();
#endif
    }
  if (has_luma_plane (f))
    {
      trawl_thumb_gray_ref (f->data[0], f->linesize[0], f->width, f->height, r->thumb);
      return TRUE;
    }
  {
    guint8 *dst[4] = { r->thumb, NULL, NULL, NULL };
    int dst_stride[4] = { THUMB_W, 0, 0, 0 };

    r->sws_gray = get_sws (r->sws_gray, f, THUMB_W, THUMB_H, AV_PIX_FMT_GRAY8);
    if (r->sws_gray == NULL)
      return FALSE;
    sws_scale (r->sws_gray, (const guint8 *const *) f->data, f->linesize, 0, f->height, dst,
               dst_stride);
  }
  return TRUE;
}

/* TRUE when the frame barely differs from the last emitted one. Keeps the
 * thumbnail of an emitted frame for the next comparison. FALSE with error
 * set when the GPU thumbnail fails. */
static gboolean
scene_unchanged (TrawlVideoReader *r, const AVFrame *f, gboolean on_gpu, GError **error)
{
  guint64 sum = 0;

  if (!make_thumb (r, f, on_gpu, error))
    return FALSE;  /* cannot judge: keep the frame (or fail, error set) */
  if (r->last_thumb != NULL)
    {
      for (int i = 0; i < THUMB_W * THUMB_H; i++)
        sum += (guint64) abs ((int) r->thumb[i] - (int) r->last_thumb[i]);
      if ((double) sum / (THUMB_W * THUMB_H) < r->opts.scene_threshold)
        return TRUE;
    }
  else
    r->last_thumb = g_malloc (THUMB_W * THUMB_H);
  memcpy (r->last_thumb, r->thumb, THUMB_W * THUMB_H);
  return FALSE;
}

/* Converts f (in host memory) to a new RGB24 image, reusing *ctx. NULL
 * with error set when swscale cannot take the format. */
static TrawlImage *
to_rgb (struct SwsContext **ctx, const AVFrame *f, const char *path, GError **error)
{
  TrawlImage *img;
  guint8 *dst[4] = { NULL };
  int dst_stride[4] = { 0 };

  *ctx = get_sws (*ctx, f, f->width, f->height, AV_PIX_FMT_RGB24);
  if (*ctx == NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED,
                   "%s: cannot convert pixel format %s to RGB", path,
                   av_get_pix_fmt_name ((enum AVPixelFormat) f->format));
      return NULL;
    }
  img = trawl_image_new (f->width, f->height);
  if (f->width % 16 == 0)
    {
      dst[0] = img->data;
      dst_stride[0] = img->stride;
      sws_scale (*ctx, (const guint8 *const *) f->data, f->linesize, 0, f->height, dst,
                 dst_stride);
    }
  else
    {
      /* swscale's SIMD YUV->RGB writes whole blocks of 8 pixels: with a
       * width off the block, the last row would run up to 21 bytes past
       * the image's buffer (heap corruption; found at 318 px). Such
       * widths convert into a padded buffer and are copied. */
      int pad_stride = FFALIGN (img->stride + 64, 64);
      g_autofree guint8 *tmp = g_malloc ((gsize) pad_stride * f->height);

      dst[0] = tmp;
      dst_stride[0] = pad_stride;
      sws_scale (*ctx, (const guint8 *const *) f->data, f->linesize, 0, f->height, dst,
                 dst_stride);
      for (int y = 0; y < f->height; y++)
        memcpy (img->data + (gsize) y * img->stride, tmp + (gsize) y * pad_stride, img->stride);
    }
  return img;
}

static TrawlVideoFrame *
convert_frame (TrawlVideoReader *r, const AVFrame *f, double pts, gint64 index,
               GError **error)
{
  TrawlVideoFrame *out;
  TrawlImage *img = to_rgb (&r->sws_rgb, f, r->info.path, error);

  if (img == NULL)
    return NULL;
  if (r->info.rotation != 0)
    {
      TrawlImage *upright = trawl_image_rotate (img, r->info.rotation);
      trawl_image_free (img);
      img = upright;
    }
  out = g_new0 (TrawlVideoFrame, 1);
  out->image = img;
  out->pts_s = pts;
  out->index = index;
  out->key = f->key_frame != 0;
  return out;
}

/* TRUE when the CUDA frame f is an NV12 surface (8-bit 4:2:0), the only
 * layout TrawlGpuFrame describes; 10-bit and 4:4:4 surfaces are downloaded
 * (and converted by swscale) instead. */
static gboolean
is_nv12_surface (TrawlVideoReader *r, const AVFrame *f)
{
  const AVHWFramesContext *fc =
    f->hw_frames_ctx != NULL ? (const AVHWFramesContext *) f->hw_frames_ctx->data : NULL;

  if (fc != NULL && fc->sw_format == AV_PIX_FMT_NV12)
    return TRUE;
  if (!r->said_not_nv12)
    {
      r->said_not_nv12 = TRUE;
      g_message ("%s: NVDEC surfaces are %s, not NV12; frames are downloaded", r->info.path,
                 fc != NULL ? av_get_pix_fmt_name (fc->sw_format) : "unknown");
    }
  return FALSE;
}

/* Hands the CUDA frame f out as a GPU frame: a new reference keeps the
 * surface, and an event recorded now on FFmpeg's stream marks the end of
 * the decoder's writes to it (queued before avcodec_receive_frame
 * returned). NULL with error set when CUDA fails. */
static TrawlVideoFrame *
wrap_gpu_frame (TrawlVideoReader *r, const AVFrame *f, double pts, gint64 index,
                GError **error)
{
#if TRAWL_HAVE_CUDA
  GpuFrame *g = g_new0 (GpuFrame, 1);
  TrawlVideoFrame *out;
  int rc;

  g->hw = av_frame_clone (f);
  if (g->hw == NULL)
    {
      gpu_frame_free (g);
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED,
                   "%s: out of memory referencing a GPU frame", r->info.path);
      return NULL;
    }
  rc = trawl_cuda_event_new (&g->gpu.ready_event);
  if (rc == 0)
    rc = trawl_cuda_event_record (g->gpu.ready_event, r->cuda_stream);
  if (rc != 0)
    {
      gpu_frame_free (g);
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED,
                   "%s: cannot record the CUDA event of a decoded frame: %s", r->info.path,
                   trawl_cuda_error_string (rc));
      return NULL;
    }
  g->gpu.y = g->hw->data[0];
  g->gpu.uv = g->hw->data[1];
  g->gpu.pitch_y = g->hw->linesize[0];
  g->gpu.pitch_uv = g->hw->linesize[1];
  g->gpu.width = g->hw->width;
  g->gpu.height = g->hw->height;
  out = g_new0 (TrawlVideoFrame, 1);
  out->pts_s = pts;
  out->index = index;
  out->key = f->key_frame != 0;
  out->gpu = &g->gpu;
  out->priv = g;
  return out;
#else
  (void) r; (void) f; (void) pts; (void) index; (void) error;
  g_assert_not_reached ();
  return NULL;
#endif
}

/* Copies a CUDA frame to host memory (the surface's software format, NV12
 * for 8-bit 4:2:0) with its properties. A negative AVERROR on failure. */
static int
download (AVFrame *dst, const AVFrame *src)
{
  int ret;

  av_frame_unref (dst);
  ret = av_hwframe_transfer_data (dst, src, 0);
  if (ret < 0)
    return ret;
  return av_frame_copy_props (dst, src);
}

/* NV12 src to yuv420p dst (an exact copy: the chroma is deinterleaved),
 * reusing dst's buffers when they fit. NVDEC hands out NV12 where the CPU
 * decoder gives yuv420p; swscale converts the two along different paths
 * (chroma interpolated vs replicated), so downloaded frames take the CPU
 * decoder's format and then its very path to RGB: with H.264 decoding
 * bit-exact, NVDEC and CPU frames come out the same. Copies only the
 * properties the conversion reads. A negative AVERROR on failure. */
static int
nv12_to_yuv420p (AVFrame *dst, const AVFrame *src)
{
  int w = src->width, h = src->height, ret;

  g_assert (src->format == AV_PIX_FMT_NV12);
  if (dst->buf[0] == NULL || dst->format != AV_PIX_FMT_YUV420P || dst->width != w ||
      dst->height != h || !av_frame_is_writable (dst))
    {
      av_frame_unref (dst);
      dst->format = AV_PIX_FMT_YUV420P;
      dst->width = w;
      dst->height = h;
      if ((ret = av_frame_get_buffer (dst, 0)) < 0)
        return ret;
    }
  for (int y = 0; y < h; y++)
    memcpy (dst->data[0] + (size_t) y * dst->linesize[0],
            src->data[0] + (size_t) y * src->linesize[0], w);
  for (int y = 0; y < (h + 1) / 2; y++)
    {
      const guint8 *uv = src->data[1] + (size_t) y * src->linesize[1];
      guint8 *u = dst->data[1] + (size_t) y * dst->linesize[1];
      guint8 *v = dst->data[2] + (size_t) y * dst->linesize[2];

      for (int x = 0; x < (w + 1) / 2; x++)
        {
          u[x] = uv[2 * x];
          v[x] = uv[2 * x + 1];
        }
    }
  dst->color_range = src->color_range;
  dst->colorspace = src->colorspace;
  dst->color_primaries = src->color_primaries;
  dst->color_trc = src->color_trc;
  dst->chroma_location = src->chroma_location;
  dst->key_frame = src->key_frame;
  dst->pict_type = src->pict_type;
  dst->best_effort_timestamp = src->best_effort_timestamp;
  dst->pts = src->pts;
  return 0;
}

/* A CUDA frame in host memory as the CPU decoder would give it: downloaded
 * into *sw, then for NV12 deinterleaved into *yuv. Returns the frame to
 * use (one of the two), or NULL with *err the AVERROR. */
static AVFrame *
download_for_cpu (AVFrame *sw, AVFrame *yuv, const AVFrame *src, int *err)
{
  if ((*err = download (sw, src)) < 0)
    return NULL;
  if (sw->format != AV_PIX_FMT_NV12)
    return sw;  /* 10-bit or 4:4:4: no CPU twin format to match; swscale takes it */
  if ((*err = nv12_to_yuv420p (yuv, sw)) < 0)
    return NULL;
  return yuv;
}

/* Runs one decoded frame through sampling and scene skip. Returns the frame
 * to emit, or NULL (error unset) when it is dropped. A CUDA frame is
 * downloaded only once it survives sampling, and not at all when it is
 * handed out as a GPU frame. */
static TrawlVideoFrame *
process_frame (TrawlVideoReader *r, AVFrame *f, GError **error)
{
  gint64 index = r->stats.frames_decoded++;
  gboolean on_gpu = f->format == AV_PIX_FMT_CUDA;
  gboolean keep_on_gpu;
  double pts;

  if (on_gpu)
    r->stats.hw_active = TRUE;
  pts = frame_pts (r, f, index);
  if (r->opts.keyframes_only && r->info.fps > 0)
    index = (gint64) llround (pts * r->info.fps);  /* decoded count is not the frame number */
  if (r->opts.sample_fps > 0)
    {
      /* The epsilon keeps a frame exactly on a grid line (t = k/N) in cell k. */
      gint64 cell = (gint64) floor (pts * r->opts.sample_fps + 1e-6);
      if (cell < r->next_cell)
        return NULL;
      r->next_cell = cell + 1;
    }
  keep_on_gpu = on_gpu && r->gpu_frames && is_nv12_surface (r, f);
  if (on_gpu && !keep_on_gpu)
    {
      int err;

      f = download_for_cpu (r->sw_frame, r->yuv_frame, f, &err);
      if (f == NULL)
        {
          r->stats.decode_errors++;
          return NULL;
        }
    }
  else if (f->format == AV_PIX_FMT_NV12)
    {
      /* a software NV12 stream (raw video) takes the same road as NVDEC's */
      if (nv12_to_yuv420p (r->yuv_frame, f) < 0)
        {
          r->stats.decode_errors++;
          return NULL;
        }
      f = r->yuv_frame;
    }
  if (r->opts.scene_threshold > 0)
    {
      GError *local = NULL;

      if (scene_unchanged (r, f, keep_on_gpu, &local))
        {
          r->stats.frames_scene_skipped++;
          return NULL;
        }
      if (local != NULL)
        {
          g_propagate_error (error, local);
          return NULL;
        }
    }
  TrawlVideoFrame *out = keep_on_gpu ? wrap_gpu_frame (r, f, pts, index, error)
                                      : convert_frame (r, f, pts, index, error);
  /* The motion gate's thumbnail, from the luma as decoded (on the GPU for
   * a GPU frame); a frame it cannot be made for goes without (let through). */
  if (out != NULL && r->opts.luma_thumbs && make_thumb (r, f, keep_on_gpu, NULL))
    out->thumb = g_memdup2 (r->thumb, THUMB_W * THUMB_H);
  return out;
}

const TrawlImage *
trawl_video_frame_get_image (TrawlVideoFrame *frame, GError **error)
{
  GpuFrame *g;
  AVFrame *sw, *yuv, *host;
  struct SwsContext *sws = NULL;
  int ret = 0;

  g_return_val_if_fail (frame != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (frame->image != NULL)
    return frame->image;
  g = frame->priv;
  g_return_val_if_fail (g != NULL && g->hw != NULL, NULL);
  sw = av_frame_alloc ();
  yuv = av_frame_alloc ();
  /* FFmpeg copies on its stream and waits for it, so the copy follows the
   * decoder's writes; the frame may have left the reader's thread. */
  host = sw != NULL && yuv != NULL ? download_for_cpu (sw, yuv, g->hw, &ret) : NULL;
  if (host == NULL)
    {
      g_autofree char *msg = av_error_string (ret < 0 ? ret : AVERROR (ENOMEM));
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED,
                   "cannot download the GPU frame at %.3f s: %s", frame->pts_s, msg);
    }
  else
    {
      g_autofree char *what = g_strdup_printf ("GPU frame at %.3f s", frame->pts_s);
      frame->image = to_rgb (&sws, host, what, error);
    }
  sws_freeContext (sws);
  av_frame_free (&sw);
  av_frame_free (&yuv);
  return frame->image;
}

/* Feeds the decoder one packet of our stream. Returns 0, or AVERROR_EOF when
 * the demuxer has nothing more (at the true end or because the file breaks
 * off), after which the decoder is put into draining mode. */
static int
feed_decoder (TrawlVideoReader *r)
{
  int ret;

  for (;;)
    {
      ret = av_read_frame (r->fmt, r->pkt);
      if (ret < 0)
        {
          if (ret != AVERROR_EOF || (r->fmt->pb != NULL && r->fmt->pb->error < 0))
            {
              g_autofree char *msg = av_error_string (ret);
              r->stats.truncated = TRUE;
              g_warning ("%s: demuxing stopped early (%s); keeping the frames read so far",
                         r->info.path, msg);
            }
          avcodec_send_packet (r->dec, NULL);
          r->draining = TRUE;
          return AVERROR_EOF;
        }
      if (r->pkt->stream_index != r->info.stream_index)
        {
          av_packet_unref (r->pkt);
          continue;
        }
      ret = avcodec_send_packet (r->dec, r->pkt);
      av_packet_unref (r->pkt);
      if (ret < 0 && ret != AVERROR (EAGAIN))
        r->stats.decode_errors++;  /* a damaged packet: skip it and go on */
      return 0;
    }
}

static void
check_short_stream (TrawlVideoReader *r)
{
  /* Some truncated files end with a clean EOF; compare with the container's
   * own frame count (decoding all frames only). Frames lost to damaged
   * packets are already reported as decode errors. */
  if (!r->opts.keyframes_only && !r->stats.truncated && r->st->nb_frames > 0 &&
      r->stats.frames_decoded + r->stats.decode_errors < r->st->nb_frames * 9 / 10)
    {
      r->stats.truncated = TRUE;
      g_warning ("%s: only %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                 " frames could be decoded; the file looks truncated",
                 r->info.path, r->stats.frames_decoded, (gint64) r->st->nb_frames);
    }
}

static TrawlVideoFrame *
enter_end_state (TrawlVideoReader *r, GError **error)
{
  if (r->stats.frames_decoded == 0)
    {
      r->state = STATE_ERROR;
      g_set_error (&r->error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "%s: no frame could be decoded (%" G_GINT64_FORMAT " damaged packets%s)",
                   r->info.path, r->stats.decode_errors,
                   r->stats.truncated ? ", file breaks off" : "");
      g_propagate_error (error, g_error_copy (r->error));
      return NULL;
    }
  check_short_stream (r);
  if (r->stats.decode_errors > 0)
    g_warning ("%s: %" G_GINT64_FORMAT " damaged packets were skipped", r->info.path,
               r->stats.decode_errors);
  r->state = STATE_EOF;
  return NULL;
}

TrawlVideoFrame *
trawl_video_reader_next (TrawlVideoReader *r, GError **error)
{
  g_return_val_if_fail (r != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (r->state == STATE_EOF)
    return NULL;
  if (r->state == STATE_ERROR)
    {
      g_propagate_error (error, g_error_copy (r->error));
      return NULL;
    }
  for (;;)
    {
      int ret = avcodec_receive_frame (r->dec, r->frame);
      if (ret == 0)
        {
          GError *local = NULL;
          TrawlVideoFrame *out = process_frame (r, r->frame, &local);
          av_frame_unref (r->frame);
          if (local != NULL)
            {
              r->state = STATE_ERROR;
              r->error = g_error_copy (local);
              g_propagate_error (error, local);
              return NULL;
            }
          if (out != NULL)
            {
              r->state = STATE_DECODING;
              r->stats.frames_emitted++;
              return out;
            }
          continue;
        }
      if (ret == AVERROR_EOF)
        return enter_end_state (r, error);
      if (ret != AVERROR (EAGAIN))
        {
          r->stats.decode_errors++;
          if (r->draining)
            return enter_end_state (r, error);
          continue;
        }
      if (r->draining)
        return enter_end_state (r, error);  /* EAGAIN while draining: decoder is stuck */
      feed_decoder (r);
    }
}
