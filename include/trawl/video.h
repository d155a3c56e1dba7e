/* trawl/video.h - open footage, read media facts, yield sampled RGB frames;
 * cut evidence clips by stream copy and render annotated viewing copies.
 *
 * The video module is the only user of libavformat/libavcodec/libswscale.
 * It opens anything FFmpeg demuxes and decodes (mp4, mkv, avi/MJPEG, ts,
 * gif, ...), samples frames on a grid of video time, optionally skips
 * near-identical frames, and hands out packed RGB24 TrawlImages with their
 * presentation time. It does not detect, track or store anything.
 *
 * Example: one frame per second of video time.
 *
 *   TrawlVideoOptions opts;
 *   trawl_video_options_init (&opts);
 *   opts.sample_fps = 1.0;
 *   g_autoptr(TrawlVideoReader) r = trawl_video_reader_open (path, &opts, &error);
 *   if (r == NULL)
 *     return FALSE;                       // error names the file and reason
 *   const TrawlMediaInfo *info = trawl_video_reader_get_info (r);
 *   TrawlVideoFrame *f;
 *   while ((f = trawl_video_reader_next (r, &error)) != NULL)
 *     {
 *       use (f->image, f->pts_s, f->index);
 *       trawl_video_frame_free (f);
 *     }
 *   if (error != NULL)
 *     return FALSE;                       // decoding failed
 *   // else end of stream (possibly early: see trawl_video_reader_get_stats)
 *
 * Times. pts_s is seconds from the start of the video stream (the first
 * frame is at or near 0), taken from the stream time base. When a frame has
 * no timestamp, or its timestamp does not advance, the reader substitutes
 * index / fps (or last + 1/fps), so pts_s is strictly increasing; a jump
 * in the timestamps (two recordings joined) is taken out and reported (see
 * TrawlTimeJump), so pts_s is also continuous. The
 * wall-clock time of a frame is start_utc + pts_s (+ the camera's clock
 * offset, which the catalog keeps). Wall-clock times are double seconds
 * since the Unix epoch, UTC.
 *
 * Rotation: footage stored turned (a phone held upright, a bodycam; the
 * stream's display matrix) comes out upright: frames are turned on the
 * CPU, and a rotated stream is never handed out as GPU frames.
 *
 * Threading: a reader is used by one thread at a time. Different readers are
 * independent. Frames handed out belong to the caller and may cross threads.
 */
#pragma once

#include <gio/gio.h>
#include <trawl/gpu.h>
#include <trawl/image.h>

G_BEGIN_DECLS

/* Where a video's wall-clock start came from. Stored in the catalog: values
 * are fixed and only ever added to. */
typedef enum {
  TRAWL_TIME_SOURCE_NONE      = 0,  /* unknown: wall-clock times are absent */
  TRAWL_TIME_SOURCE_USER      = 1,  /* given explicitly (--start) */
  TRAWL_TIME_SOURCE_CONTAINER = 2,  /* the container's creation_time tag */
  TRAWL_TIME_SOURCE_FILENAME  = 3,  /* a date-time pattern in the file name */
  TRAWL_TIME_SOURCE_SIDECAR   = 4,  /* a row of a times CSV (--times, trawl-times.csv) */
} TrawlTimeSource;

/* "none", "user", "container", "filename", "sidecar" (static strings). */
const char     *trawl_time_source_to_string (TrawlTimeSource source);
/* The reverse; unknown strings map to TRAWL_TIME_SOURCE_NONE. */
TrawlTimeSource trawl_time_source_from_string (const char *str);

/* Facts about a media file, filled at open. Owned by the reader. */
typedef struct {
  char   *path;             /* as given to open */
  char   *container;        /* demuxer short name, e.g. "mov,mp4,m4a,3gp,3g2,mj2" */
  char   *codec;            /* decoder short name of the video stream, e.g. "h264" */
  int     width;            /* px */
  int     height;           /* px */
  double  fps;              /* average frame rate (frames/s); 0 when unknown */
  double  duration_s;       /* seconds; < 0 when unknown */
  gint64  frame_count;      /* container's count, else duration*fps; -1 when unknown */
  double  creation_time_utc;/* container creation_time (s since epoch, UTC); NAN when absent */
  int     stream_index;     /* index of the video stream in the container */
  int     rotation;         /* degrees (0, 90, 180, 270) the reader turns each decoded
                             * picture clockwise to show it upright, from the stream's
                             * display matrix (or an old "rotate" tag); width and height
                             * above are the upright frame's, as frames come out */
} TrawlMediaInfo;

/* Options of a reader. Initialise with trawl_video_options_init, then change
 * fields; the reader copies them at open. */
typedef struct {
  double   sample_fps;      /* frames per second of video time to emit; <= 0: every frame */
  gboolean keyframes_only;  /* decode key frames only (AVDISCARD_NONKEY): fast, coarse */
  double   scene_threshold; /* skip a sampled frame whose 64x36 gray thumbnail differs from
                             * the last emitted one by a mean absolute difference below
                             * this (0..255 scale); <= 0: off. 2.0 skips static scenes. */
  gboolean hwaccel;         /* try CUDA decode (NVDEC); falls back to CPU with a message */
  gboolean gpu_frames;      /* with hwaccel active, hand frames out as GPU surfaces
                             * (frame->gpu set, frame->image NULL until
                             * trawl_video_frame_get_image); ignored on CPU decode.
                             * Without CUDA in the build, or for streams NVDEC
                             * cannot keep as NV12 (10-bit, 4:4:4), frames are
                             * ordinary RGB frames (frame->gpu NULL). Hold at
                             * most 8 GPU frames at a time (see gpu.h). */
  int      threads;         /* decoder threads; 0: FFmpeg chooses */
  gboolean luma_thumbs;     /* give each emitted frame its luma thumbnail (frame->thumb,
                             * see the motion gate below); made on the GPU for GPU frames */
} TrawlVideoOptions;

/* Defaults: every frame, all frames decoded, no scene skip, CPU, auto threads. */
void trawl_video_options_init (TrawlVideoOptions *opts);

/* One sampled frame. Free with trawl_video_frame_free. */
typedef struct {
  TrawlImage    *image; /* RGB24, upright (info width x height); owned by the frame.
                         * NULL for a GPU frame until trawl_video_frame_get_image */
  double         pts_s; /* seconds from stream start, strictly increasing */
  gint64         index; /* 0-based index among all decoded frames (not only emitted) */
  gboolean       key;   /* decoded from a key frame */
  TrawlGpuFrame *gpu;   /* the NV12 surface when opts.gpu_frames and NVDEC is active,
                         * else NULL; owned by the frame (holds the decoder's buffer) */
  void          *priv;  /* the reader's, for the GPU surface */
  guint8        *thumb; /* with opts.luma_thumbs: TRAWL_VIDEO_THUMB_W x _H box means of
                         * the decoded luma, row-major; else NULL. Owned by the frame */
} TrawlVideoFrame;

/* Frees the frame, its image and, for a GPU frame, its event and its hold
 * on the decoder's surface: GPU work reading the planes must have finished
 * (see gpu.h). Accepts NULL. */
void trawl_video_frame_free (TrawlVideoFrame *frame);

/* The frame as RGB24 in host memory (transfer none, owned by the frame): a
 * CPU frame's image, or for a GPU frame a download and conversion made on
 * the first call and kept (the same colour conversion as CPU frames get).
 * NULL with error set (TRAWL_ERROR_FAILED) when the download fails. Works
 * after the reader is freed; one thread at a time per frame. */
const TrawlImage *trawl_video_frame_get_image (TrawlVideoFrame *frame, GError **error);

typedef struct _TrawlVideoReader TrawlVideoReader;

/* Counters, valid at any time; final after trawl_video_reader_next has
 * returned NULL. */
typedef struct {
  gint64   frames_decoded;      /* frames out of the decoder */
  gint64   frames_emitted;      /* frames returned by trawl_video_reader_next */
  gint64   frames_scene_skipped;/* sampled but skipped as unchanged */
  gint64   decode_errors;       /* packets the decoder rejected (skipped) */
  gint64   timestamp_fixes;     /* frames whose pts was missing/non-monotonic and substituted */
  gboolean truncated;           /* demuxing stopped on an error before the real end */
  gboolean hw_active;           /* decoding runs on the GPU */
  gint64   time_jumps;          /* timestamp discontinuities taken out of pts_s (see below) */
  double   media_end_s;         /* pts_s of the last decoded frame plus one frame interval:
                                 * the true length of the footage once decoding ended
                                 * (the container's duration counts jumps); 0 before */
} TrawlVideoStats;

/* A discontinuity in a stream's timestamps (two recordings joined, an
 * encoder restart, a 33-bit MPEG-TS clock wrap). The reader keeps pts_s
 * continuous: a frame whose timestamp steps back by more than 1 s, or
 * forward by more than max (10 s, 100 frame intervals) (with keyframes_only,
 * 5 minutes: key frames can be a long GOP apart), is placed one frame
 * interval after the previous frame, and later frames keep that shift.
 * Why these bounds: a recorder that pauses starts a new file, so a gap that
 * large inside one stream is a splice far more often than real elapsed
 * time; small steps back are decoder jitter (repaired frame by frame, see
 * timestamp_fixes). A removed gap that was real time shifts the wall-clock
 * times after it, which is why each jump is reported. */
typedef struct {
  double at_s;    /* pts_s of the first frame after the jump */
  double file_s;  /* that frame's own time on the file's timeline (what a player or
                   * trawl_video_remux counts), seconds from the stream start */
} TrawlTimeJump;

/* The jumps met so far, in order (transfer none: TrawlTimeJump elements,
 * valid until the reader is freed; final after trawl_video_reader_next
 * returned NULL). */
const GArray *trawl_video_reader_get_time_jumps (TrawlVideoReader *reader);

/* pts_s (continuous media time) back to the file's own timeline, given the
 * jumps of that video: what trawl_video_remux needs to cut the right part
 * of a file whose timestamps jump. With no jumps, media_s itself. */
double trawl_video_time_to_file (const TrawlTimeJump *jumps, guint n_jumps, double media_s);
/* The reverse: a time on the file's timeline (as trawl_video_remux reports
 * it) to pts_s. Exact where the file's clock only jumps forward (and for
 * MPEG-TS clock wraps, which FFmpeg unwraps forward); after a jump back
 * the file's times repeat, and the later segment is taken. */
double trawl_video_time_from_file (const TrawlTimeJump *jumps, guint n_jumps, double file_s);

/* The reader (TrawlVideoReader, opaque). States (one reader, one thread):
 *
 *   OPEN      -> DECODING   [trawl_video_reader_next returns a frame]
 *   OPEN      -> EOF        [trawl_video_reader_next returns NULL, error unset]
 *   DECODING  -> EOF        [trawl_video_reader_next returns NULL, error unset]
 *   OPEN/DECODING -> ERROR  [trawl_video_reader_next returns NULL, error set]
 *   any       -> (freed)    [trawl_video_reader_free]
 *
 * In EOF and ERROR, trawl_video_reader_next keeps returning NULL (EOF: no
 * error; ERROR: the same error again). A stream that ends early because the
 * file is truncated or damaged goes to EOF after the last good frame, with
 * stats.truncated or stats.decode_errors set and a g_warning; it becomes
 * ERROR only when not a single frame could be decoded. */

/* Opens path and its best video stream and fills the media info.
 * opts may be NULL (defaults). Returns a new reader (free with
 * trawl_video_reader_free), or NULL with error set (TRAWL_ERROR_NOT_FOUND for
 * a missing or unreadable file, TRAWL_ERROR_CORRUPT for a file that is empty,
 * not media, has no video stream or no decoder); the message names the file.
 * Nothing is left allocated on failure. */
TrawlVideoReader *trawl_video_reader_open (const char *path, const TrawlVideoOptions *opts,
                                           GError **error);

/* Closes the file and frees everything. Accepts NULL. Frames already handed
 * out stay valid. */
void trawl_video_reader_free (TrawlVideoReader *reader);

/* The media info (transfer none): valid until the reader is freed. */
const TrawlMediaInfo *trawl_video_reader_get_info (TrawlVideoReader *reader);

/* Decodes until the next frame to emit and returns it (transfer full: free
 * with trawl_video_frame_free). Returns NULL at the end of the stream with
 * error unset, or NULL with error set (TRAWL_ERROR_CORRUPT) when the
 * file cannot be decoded at all. See the states above. */
TrawlVideoFrame *trawl_video_reader_next (TrawlVideoReader *reader, GError **error);

/* Copies the counters into *stats. */
void trawl_video_reader_get_stats (TrawlVideoReader *reader, TrawlVideoStats *stats);

/* TRUE when NVDEC decode with frames kept on the GPU can be set up on this
 * machine (CUDA built, a driver and device, FFmpeg's CUDA device in the
 * primary context). FALSE with error saying why otherwise. Per-stream
 * support (codec, profile) is decided at open. */
gboolean trawl_video_nvdec_probe (GError **error);

/* Reads the media info of path without decoding (opens and closes a
 * reader). On success fills *info, whose strings the caller frees with
 * trawl_media_info_clear. FALSE with error set as for open. */
gboolean trawl_video_probe (const char *path, TrawlMediaInfo *info, GError **error);
/* Frees the strings inside info and zeroes it. Accepts NULL. */
void     trawl_media_info_clear (TrawlMediaInfo *info);

/* ---- wall-clock start time ---- */

/* Finds a date-time written in a file's base name. pattern is strftime-like:
 * %Y (4 digits), %y (2 digits, 20yy), %m %d %H %M %S (2 digits each), %%;
 * any other character matches itself. The pattern may match anywhere in the
 * base name of path (the first valid match wins; values out of range, like
 * month 13, do not match). The time is taken as UTC (camera clock offsets are
 * applied later, in the catalog). Returns TRUE and sets *utc_s (seconds since
 * the epoch) when found, FALSE otherwise (not an error). */
gboolean trawl_video_parse_filename_time (const char *path, const char *pattern, double *utc_s);

/* Finds a date-time in a file's base name in one of the forms recorders
 * commonly write: 20240314_210500, ch01_20240314210500,
 * 2024-03-14_21-05-00, 20240314-210500, VID_20240314_210500 and kin (date
 * then time; separators "_", "-", "T" or " "; time parts plain, "-" or "."
 * separated). Guards against reading a date out of an unrelated number:
 * the match must not touch other digits, the year must lie in 1990..2099,
 * and the date and time must exist. UTC as for
 * trawl_video_parse_filename_time. TRUE with *utc_s and *pattern (nullable;
 * the form that matched, static) set, FALSE when none matches. */
gboolean trawl_video_guess_filename_time (const char *path, double *utc_s,
                                          const char **pattern);

/* Chooses a video's wall-clock start, first found wins: user_utc_s when it
 * is not NAN (USER); the file name parsed with pattern when pattern is not
 * NULL (FILENAME: the user said the names carry the time);
 * info->creation_time_utc when present (CONTAINER); with no pattern given,
 * the common forms of trawl_video_guess_filename_time (FILENAME); else NONE
 * with *utc_s = NAN. Returns the source; never fails. */
TrawlTimeSource trawl_video_resolve_start_time (const char *path, const TrawlMediaInfo *info,
                                                double user_utc_s, const char *pattern,
                                                double *utc_s);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlVideoReader, trawl_video_reader_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlVideoFrame, trawl_video_frame_free)

/* ---- the motion gate (motion-gate.c) ----
 *
 * Archived CCTV is mostly still: a frame that shows nothing new since the
 * last frame the detectors saw need not be seen again. The gate compares a
 * frame's luma thumbnail (TRAWL_VIDEO_THUMB_W x _H box means: sensor noise
 * and compression flicker average out inside a cell) with the thumbnail of
 * the last frame it let through, after fitting the reference's brightness
 * to the frame's (gain and offset, least squares, refitted without the
 * cells that moved: auto exposure and clouds change every cell, a moving
 * object only some). The frame is let through when more than min_changed of
 * the cells differ by more than cell_delta, when it is the first, and at
 * least every max_interval_s of video time (what motion missed: a face
 * turning slowly, a still person the detectors missed blurred). A few
 * cells that keep changing for half a minute (a burned-in clock) stop
 * counting; many such cells (a busy road) always count.
 *
 * A still frame means: everything the last analysed frame showed is still
 * there, as it was (see trawl_tracker_hold).
 *
 *   TrawlMotionGate *g = trawl_motion_gate_new (NULL);
 *   for each frame (opts.luma_thumbs set):
 *     if (trawl_motion_gate_check (g, f->thumb, f->pts_s, NULL) == TRAWL_MOTION_STILL)
 *       skip the detectors;
 */

#define TRAWL_VIDEO_THUMB_W 64
#define TRAWL_VIDEO_THUMB_H 36

typedef struct {
  double cell_delta;     /* luma levels (0..255) a cell must move by, after the
                          * brightness fit, to count as changed; <= 0: 8 */
  double min_changed;    /* fraction of cells that must change; <= 0: 0.002 (5 cells) */
  double max_interval_s; /* let a frame through at least this often; <= 0: 10 s */
} TrawlMotionGateOptions;

/* Fills the defaults above. */
void trawl_motion_gate_options_init (TrawlMotionGateOptions *opts);

typedef enum {
  TRAWL_MOTION_STILL    = 0,  /* nothing new: the frame may be skipped */
  TRAWL_MOTION_FIRST    = 1,  /* no reference yet */
  TRAWL_MOTION_MOVED    = 2,  /* enough cells changed */
  TRAWL_MOTION_PERIODIC = 3,  /* still, but max_interval_s passed since the last one through */
} TrawlMotionVerdict;

typedef struct _TrawlMotionGate TrawlMotionGate;

/* A new gate (opts NULL: defaults; copied), one per video. */
TrawlMotionGate   *trawl_motion_gate_new (const TrawlMotionGateOptions *opts);
void               trawl_motion_gate_free (TrawlMotionGate *g);
/* Judges the frame at pts_s (thumb: TRAWL_VIDEO_THUMB_W x _H bytes;
 * NULL: cannot judge, let through as FIRST). Any verdict but STILL makes
 * the frame the new reference. changed (nullable) gets the fraction of
 * cells that changed (0 for FIRST). */
TrawlMotionVerdict trawl_motion_gate_check (TrawlMotionGate *g, const guint8 *thumb, double pts_s,
                                            double *changed);
/* "still", "first", "moved", "periodic" (static strings). */
const char        *trawl_motion_verdict_name (TrawlMotionVerdict v);
/* The thumbnail of an RGB24 image (BT.601 luma, box means), for frames
 * that did not come with one; out holds TRAWL_VIDEO_THUMB_W x _H bytes. */
void               trawl_video_thumb_from_image (const TrawlImage *img, guint8 *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlMotionGate, trawl_motion_gate_free)

/* ---- clip export by stream copy (video-remux.c) ---- */

/* What trawl_video_remux copied. Times are seconds on the source's own
 * timeline, measured like a reader's pts_s (from the video stream's start). */
typedef struct {
  double  requested_start_s, requested_end_s; /* as asked (after clamping to >= 0) */
  double  start_s;        /* pts of the first copied key frame */
  double  end_s;          /* end of the last copied video frame (pts + duration) */
  gint64  video_packets;  /* video packets copied */
  gint64  other_packets;  /* audio packets copied */
  char   *container;      /* the output muxer's short name, e.g. "mp4" */
  char   *codec;          /* the video codec's name, e.g. "h264" */
} TrawlRemuxResult;

/* Frees the strings in res and zeroes it. Accepts NULL. */
void trawl_remux_result_clear (TrawlRemuxResult *res);

/* The file name extension (no dot; g_free) a clip of src should get to
 * stay in the source's container family: the source's own extension when
 * FFmpeg has a muxer for it that takes the video codec (mp4, mkv, avi,
 * ts, ...), else "mkv" (Matroska takes any codec). NULL with error set
 * (as for trawl_video_reader_open) when src cannot be opened. */
char *trawl_video_remux_extension (const char *src, GError **error);

/* Copies the part of src around [t0_s, t1_s] into the new file dst without
 * re-encoding: the video stream (the one a reader picks) and the audio
 * streams, packets unchanged, from the last key frame at or before t0_s up
 * to (not including) the first key frame after t1_s, so every frame of the
 * range decodes. The muxer is chosen from dst's extension (see
 * trawl_video_remux_extension); timestamps are shifted so the clip starts
 * at 0. A negative t0_s counts as 0; t1_s past the end copies to the end.
 * Fills *res (clear it with trawl_remux_result_clear) with the requested
 * and actual ranges.
 *
 * Errors (nothing is left at dst on failure): TRAWL_ERROR_INVALID_ARG for
 * t0_s >= t1_s, NaN times, a range that starts after the video ends, or a
 * dst that already exists (never overwritten);
 * TRAWL_ERROR_NOT_FOUND / _CORRUPT for a missing or unreadable source;
 * TRAWL_ERROR_FAILED when dst cannot be written (the message names dst and
 * the reason, e.g. "No space left on device"); G_IO_ERROR_CANCELLED when
 * cancellable (nullable) is triggered. Blocking: run it in a thread. */
gboolean trawl_video_remux (const char *src, double t0_s, double t1_s, const char *dst,
                            TrawlRemuxResult *res, GCancellable *cancellable, GError **error);

/* ---- the annotated (derived) copy of a clip (video-annotate.c) ---- */

/* A box to draw. A frame shows the boxes of the sighting time nearest to
 * it, when that is within box_hold_s. */
typedef struct {
  double      pts_s;          /* s, on the source's pts timeline */
  float       x, y, w, h;     /* px of the full frame */
  const char *label;          /* drawn above the box; nullable */
} TrawlAnnotation;

/* Writes dst (Matroska, whatever its name says) with the frames of src in
 * [t0_s, t1_s) (pass a clip's start_s/end_s for the same frames), RE-ENCODED (H.264 via libx264 when FFmpeg has it, else
 * MPEG-4 part 2) with boxes, the wall-clock time (start_utc + pts; NAN:
 * "unknown") and the words "annotated copy, not the original" burnt in.
 * A derived file for viewing, never a substitute for the stream copy.
 * Fills *res (start_s/end_s: the first and last frame's times; codec: the
 * encoder). Errors as trawl_video_remux; nothing is left at dst on
 * failure. Blocking (it decodes and encodes every frame of the range). */
gboolean trawl_video_render_annotated (const char *src, double t0_s, double t1_s,
                                       const char *dst, const TrawlAnnotation *boxes,
                                       guint n_boxes, double box_hold_s, double start_utc,
                                       TrawlRemuxResult *res, GCancellable *cancellable,
                                       GError **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (TrawlRemuxResult, trawl_remux_result_clear)

G_END_DECLS
