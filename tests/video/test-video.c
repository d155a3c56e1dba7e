/* test-video.c - the video reader on the shared clips and on generated ones.
 *
 * Real clips: /work/shared/data/videos, checked against media_info.csv
 * (ffprobe's figures, not ours). Generated clips: made with the ffmpeg CLI
 * into a temporary directory at test time (the commands are in this file),
 * plus damaged files made by cutting and flipping bytes of real clips.
 */
#include "trawl-config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <trawl/base.h>
#include <trawl/gpu.h>
#include <trawl/video.h>
#include "../common/trawl-test.h"
#include "../common/trawl-test-image.h"
#include "rules/thumb.h"

static char *tmpdir;  /* per-run scratch directory, removed at exit */
static int n_warnings; /* g_warning calls from trawl-video (damaged input is expected to warn) */

/* Warnings from the reader are expected on damaged files: count them and
 * print them instead of aborting (GTest makes warnings fatal by default). */
static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  if ((level & G_LOG_LEVEL_WARNING) != 0)
    for (gsize i = 0; i < n_fields; i++)
      if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0 &&
          g_strcmp0 (fields[i].value, "trawl-video") == 0)
        {
          n_warnings++;
          return g_log_writer_standard_streams (level, fields, n_fields, data);
        }
  return g_log_writer_default (level, fields, n_fields, data);
}

/* Returns the videos folder, or NULL after calling g_test_skip. */
static char *
videos_dir_or_skip (void)
{
  g_autofree char *d = trawl_test_data_dir ();
  char *v = g_build_filename (d, "videos", NULL);
  if (!g_file_test (v, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("shared data absent (set TRAWL_DATA or check out ../shared/data)");
      g_free (v);
      return NULL;
    }
  return v;
}

/* Runs ffmpeg/ffprobe; FALSE (and the test skipped) when it is not installed. */
static gboolean
run_tool (const char *const *argv, char **out)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *prog = g_find_program_in_path (argv[0]);
  int status = 0;

  if (prog == NULL)
    {
      g_test_skip ("ffmpeg CLI not installed (needed to generate test clips)");
      return FALSE;
    }
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return TRUE;
}

/* ffmpeg -f lavfi -i SRC [extra...] OUT; returns OUT's path or NULL (skipped). */
static char *
make_clip (const char *name, const char *lavfi, const char *const *extra)
{
  char *out = g_build_filename (tmpdir, name, NULL);
  GPtrArray *argv = g_ptr_array_new ();
  gboolean ok;

  g_ptr_array_add (argv, (char *) "ffmpeg");
  g_ptr_array_add (argv, (char *) "-nostdin");
  g_ptr_array_add (argv, (char *) "-y");
  g_ptr_array_add (argv, (char *) "-loglevel");
  g_ptr_array_add (argv, (char *) "error");
  g_ptr_array_add (argv, (char *) "-f");
  g_ptr_array_add (argv, (char *) "lavfi");
  g_ptr_array_add (argv, (char *) "-i");
  g_ptr_array_add (argv, (char *) lavfi);
  for (int i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) extra[i]);
  g_ptr_array_add (argv, out);
  g_ptr_array_add (argv, NULL);
  ok = run_tool ((const char *const *) argv->pdata, NULL);
  g_ptr_array_free (argv, TRUE);
  if (!ok)
    g_clear_pointer (&out, g_free);
  return out;
}

typedef struct {
  gint64 n;
  gint64 key;
  double first_pts, last_pts;
  gboolean monotonic;
  int width, height;
} Decoded;

/* Decodes the whole file with opts; asserts success. */
static Decoded
decode_all (const char *path, const TrawlVideoOptions *opts, TrawlVideoStats *stats)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlVideoReader) r = trawl_video_reader_open (path, opts, &error);
  Decoded d = { 0, 0, NAN, NAN, TRUE, 0, 0 };
  TrawlVideoFrame *f;

  g_assert_no_error (error);
  g_assert_nonnull (r);
  while ((f = trawl_video_reader_next (r, &error)) != NULL)
    {
      g_assert_nonnull (f->image);
      g_assert_cmpint (f->image->stride, >=, 3 * f->image->width);
      if (d.n == 0)
        d.first_pts = f->pts_s;
      else if (!(f->pts_s > d.last_pts))
        d.monotonic = FALSE;
      d.last_pts = f->pts_s;
      d.width = f->image->width;
      d.height = f->image->height;
      d.key += f->key ? 1 : 0;
      d.n++;
      trawl_video_frame_free (f);
    }
  g_assert_no_error (error);
  if (stats != NULL)
    trawl_video_reader_get_stats (r, stats);
  return d;
}

typedef struct {
  char *file;      /* relative to data/, e.g. videos/plates/tud_s01.mp4 */
  char *codec;
  int width, height;
  double fps;
  gint64 frames;
  double duration;
} InfoRow;

static void
info_row_free (InfoRow *row)
{
  g_free (row->file);
  g_free (row->codec);
  g_free (row);
}

/* media_info.csv: file,codec,width,height,fps,frames,duration_s,... */
static GPtrArray *
load_media_info (const char *videos)
{
  g_autofree char *csv = g_build_filename (videos, "media_info.csv", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) info_row_free);

  g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (int i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) c = g_strsplit (lines[i], ",", -1);
      InfoRow *row;
      if (g_strv_length (c) < 7)
        continue;
      row = g_new0 (InfoRow, 1);
      row->file = g_strdup (c[0]);
      row->codec = g_strdup (c[1]);
      row->width = atoi (c[2]);
      row->height = atoi (c[3]);
      row->fps = g_ascii_strtod (c[4], NULL);
      row->frames = g_ascii_strtoll (c[5], NULL, 10);
      row->duration = g_ascii_strtod (c[6], NULL);
      g_ptr_array_add (rows, row);
    }
  g_assert_cmpuint (rows->len, >, 0);
  return rows;
}

static const InfoRow *
find_row (GPtrArray *rows, const char *suffix)
{
  for (guint i = 0; i < rows->len; i++)
    {
      const InfoRow *row = g_ptr_array_index (rows, i);
      if (g_str_has_suffix (row->file, suffix))
        return row;
    }
  g_assert_not_reached ();
  return NULL;
}

static char *
clip_path (const char *videos, const InfoRow *row)
{
  /* rows name files as videos/<folder>/<file>; videos is data/videos */
  return g_build_filename (videos, row->file + strlen ("videos/"), NULL);
}

/* The number of sample-grid cells of width 1/n that contain a frame, for a
 * constant-rate stream of `frames` frames at `fps` starting at 0. */
static gint64
expected_samples (gint64 frames, double fps, double n)
{
  gint64 count = 0, last = -1;
  for (gint64 i = 0; i < frames; i++)
    {
      gint64 cell = (gint64) floor ((double) i / fps * n + 1e-6);
      if (cell != last)
        count++, last = cell;
    }
  return count;
}

/* ---- real clips ---- */

static void
test_shared_media_info (void)
{
  g_autofree char *videos = videos_dir_or_skip ();
  g_autoptr(GPtrArray) rows = NULL;

  if (videos == NULL)
    return;
  rows = load_media_info (videos);
  for (guint i = 0; i < rows->len; i++)
    {
      const InfoRow *row = g_ptr_array_index (rows, i);
      g_autofree char *path = clip_path (videos, row);
      g_autoptr(GError) error = NULL;
      TrawlMediaInfo info;
      TrawlVideoStats stats;
      Decoded d;

      g_test_message ("%s", row->file);
      g_assert_true (trawl_video_probe (path, &info, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (info.codec, ==, row->codec);
      g_assert_cmpint (info.width, ==, row->width);
      g_assert_cmpint (info.height, ==, row->height);
      g_assert_cmpfloat_with_epsilon (info.fps, row->fps, 0.01);
      /* the container's duration may include a longer audio track: the
       * video stream's own length (frames / fps) is also right */
      g_assert_true (fabs (info.duration_s - row->duration) < 0.05 ||
                     fabs (info.duration_s - row->frames / row->fps) < 0.05);
      g_assert_cmpint (info.frame_count, >=, row->frames - 1);
      g_assert_cmpint (info.frame_count, <=, row->frames + 1);
      trawl_media_info_clear (&info);

      d = decode_all (path, NULL, &stats);
      g_assert_cmpint (d.n, ==, row->frames);
      g_assert_cmpint (stats.frames_decoded, ==, row->frames);
      g_assert_cmpint (stats.decode_errors, ==, 0);
      g_assert_false (stats.truncated);
      g_assert_cmpint (d.width, ==, row->width);
      g_assert_cmpint (d.height, ==, row->height);
      g_assert_true (d.monotonic);
      g_assert_cmpfloat (fabs (d.first_pts), <, 0.2);
      /* the last frame starts (frames - 1) / fps after the first */
      g_assert_cmpfloat (fabs (d.last_pts - d.first_pts - (row->frames - 1) / row->fps), <, 0.15);
    }
}

static void
check_sampling (const char *videos, GPtrArray *rows, const char *suffix, double n)
{
  const InfoRow *row = find_row (rows, suffix);
  g_autofree char *path = clip_path (videos, row);
  TrawlVideoOptions opts;
  TrawlVideoStats stats;
  Decoded d;

  trawl_video_options_init (&opts);
  opts.sample_fps = n;
  d = decode_all (path, &opts, &stats);
  g_test_message ("%s at %.0f/s: %" G_GINT64_FORMAT " frames", suffix, n, d.n);
  g_assert_cmpint (d.n, ==, expected_samples (row->frames, row->fps, n));
  g_assert_cmpint (stats.frames_decoded, ==, row->frames);  /* sampling still decodes all */
  g_assert_true (d.monotonic);
}

static void
test_shared_sampling (void)
{
  g_autofree char *videos = videos_dir_or_skip ();
  g_autoptr(GPtrArray) rows = NULL;
  const char *clips[] = { "tud_s01.mp4", "tud_s03.avi", "car-detection.mp4",
                          "short_hamilton_clip.mp4" };

  if (videos == NULL)
    return;
  rows = load_media_info (videos);
  for (guint i = 0; i < G_N_ELEMENTS (clips); i++)
    {
      check_sampling (videos, rows, clips[i], 1.0);
      check_sampling (videos, rows, clips[i], 5.0);
    }
}

/* Key frames as ffprobe counts them (packets flagged K). */
static gint64
ffprobe_key_packets (const char *path)
{
  const char *argv[] = { "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                         "packet=flags", "-of", "csv=p=0", path, NULL };
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  gint64 n = 0;

  if (!run_tool (argv, &out))
    return -1;
  lines = g_strsplit (out, "\n", -1);
  for (int i = 0; lines[i] != NULL; i++)
    if (lines[i][0] == 'K')
      n++;
  return n;
}

static void
test_shared_keyframes (void)
{
  g_autofree char *videos = videos_dir_or_skip ();
  g_autoptr(GPtrArray) rows = NULL;
  const char *clips[] = { "short_hamilton_clip.mp4", "car-detection.mp4", "tud_s03.avi" };

  if (videos == NULL)
    return;
  rows = load_media_info (videos);
  for (guint i = 0; i < G_N_ELEMENTS (clips); i++)
    {
      const InfoRow *row = find_row (rows, clips[i]);
      g_autofree char *path = clip_path (videos, row);
      TrawlVideoOptions opts;
      gint64 want = ffprobe_key_packets (path);
      Decoded d;

      if (want < 0)
        return;
      trawl_video_options_init (&opts);
      opts.keyframes_only = TRUE;
      d = decode_all (path, &opts, NULL);
      g_test_message ("%s: %" G_GINT64_FORMAT " key frames", clips[i], d.n);
      g_assert_cmpint (d.n, ==, want);
      g_assert_cmpint (d.key, ==, d.n);
      g_assert_cmpint (d.n, <=, row->frames);
      g_assert_true (d.monotonic);
    }
}

/* ---- generated clips ---- */

static void
test_generated_formats (void)
{
  struct { const char *name; const char *codec; const char *args[8]; } cases[] = {
    { "gen.mkv", "h264", { "-c:v", "libx264", "-pix_fmt", "yuv420p", NULL } },
    { "gen.mp4", "mpeg4", { "-c:v", "mpeg4", NULL } },
    { "gen.avi", "mjpeg", { "-c:v", "mjpeg", NULL } },
    { "gen.ts", "mpeg2video", { "-c:v", "mpeg2video", NULL } },
    { "gen.gif", "gif", { NULL } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = make_clip (cases[i].name, "testsrc=size=320x240:rate=10:duration=3",
                                         cases[i].args);
      g_autoptr(GError) error = NULL;
      TrawlMediaInfo info;
      TrawlVideoOptions opts;
      Decoded d;

      if (path == NULL)
        return;
      g_test_message ("%s", cases[i].name);
      g_assert_true (trawl_video_probe (path, &info, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (info.codec, ==, cases[i].codec);
      g_assert_cmpint (info.width, ==, 320);
      g_assert_cmpint (info.height, ==, 240);
      g_assert_cmpfloat_with_epsilon (info.fps, 10.0, 0.01);
      g_assert_true (isnan (info.creation_time_utc));
      trawl_media_info_clear (&info);

      d = decode_all (path, NULL, NULL);
      g_assert_cmpint (d.n, ==, 30);
      g_assert_cmpint (d.width, ==, 320);
      g_assert_true (d.monotonic);
      trawl_video_options_init (&opts);
      opts.sample_fps = 1.0;
      d = decode_all (path, &opts, NULL);
      g_assert_cmpint (d.n, ==, 3);
      opts.sample_fps = 4.0;  /* 10 fps into cells of 0.25 s: every cell holds a frame */
      d = decode_all (path, &opts, NULL);
      g_assert_cmpint (d.n, ==, 12);
    }
}

/* The first pixel of a solid-colour clip decodes to that colour. */
static void
test_generated_pixels (void)
{
  const char *args[] = { "-c:v", "libx264", "-pix_fmt", "yuv444p", "-qp", "0", NULL };
  g_autofree char *path = make_clip ("red.mkv", "color=c=0xC81E3C:size=64x48:rate=5:duration=1",
                                     args);
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlVideoReader) r = NULL;
  g_autoptr(TrawlVideoFrame) f = NULL;
  const guint8 *px;

  if (path == NULL)
    return;
  r = trawl_video_reader_open (path, NULL, &error);
  g_assert_no_error (error);
  f = trawl_video_reader_next (r, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f);
  px = f->image->data + 20 * f->image->stride + 30 * 3;
  g_assert_cmpint (abs (px[0] - 0xC8), <=, 4);
  g_assert_cmpint (abs (px[1] - 0x1E), <=, 4);
  g_assert_cmpint (abs (px[2] - 0x3C), <=, 4);
}

static void
test_scene_skip (void)
{
  const char *args[] = { "-filter_complex",
                         "color=c=red:s=160x120:r=10:d=1[a];color=c=blue:s=160x120:r=10:d=1[b];"
                         "[a][b]concat=n=2:v=1[v]", "-map", "[v]", "-c:v", "mjpeg", NULL };
  g_autofree char *path = NULL;
  TrawlVideoOptions opts;
  TrawlVideoStats stats;
  Decoded d;

  /* The lavfi input is a dummy: the filter graph makes the two scenes. */
  path = make_clip ("scenes.avi", "nullsrc=s=16x16:d=0.1", args);
  if (path == NULL)
    return;
  trawl_video_options_init (&opts);
  d = decode_all (path, &opts, &stats);
  g_assert_cmpint (d.n, ==, 20);
  g_assert_cmpint (stats.frames_scene_skipped, ==, 0);

  opts.scene_threshold = 2.0;
  d = decode_all (path, &opts, &stats);
  g_assert_cmpint (d.n, ==, 2);  /* the first red and the first blue frame */
  g_assert_cmpint (stats.frames_scene_skipped, ==, 18);
  g_assert_cmpint (stats.frames_emitted, ==, 2);

  /* testsrc moves every frame (a scrolling gradient and a counter) */
  g_free (path);
  path = make_clip ("moving.avi", "testsrc=size=160x120:rate=10:duration=2", (const char *[]) {
                      "-c:v", "mjpeg", NULL });
  d = decode_all (path, &opts, &stats);
  g_assert_cmpint (stats.frames_scene_skipped, <, 20);
  g_assert_cmpint (d.n + stats.frames_scene_skipped, ==, 20);
}

static void
test_hwaccel_fallback (void)
{
  const char *args[] = { "-c:v", "libx264", "-pix_fmt", "yuv420p", NULL };
  g_autofree char *path = make_clip ("hw.mp4", "testsrc=size=320x240:rate=10:duration=1", args);
  TrawlVideoOptions opts;
  TrawlVideoStats stats;
  Decoded d;

  if (path == NULL)
    return;
  trawl_video_options_init (&opts);
  opts.hwaccel = TRUE;  /* without a GPU this must fall back to the CPU, not fail */
  d = decode_all (path, &opts, &stats);
  g_assert_cmpint (d.n, ==, 10);
  g_assert_cmpint (d.width, ==, 320);
  g_test_message ("hardware decode active: %d", stats.hw_active);
}

/* ---- GPU frames, CPU side ---- */

/* Every emitted frame of path with opts, as RGB through
 * trawl_video_frame_get_image (downloaded for GPU frames). Checks the
 * frame's shape: a GPU frame exactly when the reader says NVDEC runs and
 * CUDA is built; the image pointer stable across calls. */
static GPtrArray *
decode_images (const char *path, const TrawlVideoOptions *opts, GArray *pts,
               TrawlVideoStats *stats)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlVideoReader) r = trawl_video_reader_open (path, opts, &error);
  GPtrArray *images = g_ptr_array_new_with_free_func ((GDestroyNotify) trawl_image_free);
  TrawlVideoFrame *f;

  g_assert_no_error (error);
  while ((f = trawl_video_reader_next (r, &error)) != NULL)
    {
      const TrawlImage *img;
      gboolean gpu_expected;

      trawl_video_reader_get_stats (r, stats);
      gpu_expected = TRAWL_HAVE_CUDA && opts->hwaccel && opts->gpu_frames && stats->hw_active;
      g_assert_cmpint (f->gpu != NULL, ==, gpu_expected);
      if (f->gpu == NULL)
        {
          g_assert_null (f->priv);
          g_assert_nonnull (f->image);
        }
      else
        {
          g_assert_null (f->image);
          g_assert_cmpint (f->gpu->width, ==, trawl_video_reader_get_info (r)->width);
          g_assert_cmpint (f->gpu->pitch_y, >=, f->gpu->width);
        }
      img = trawl_video_frame_get_image (f, &error);
      g_assert_no_error (error);
      g_assert_nonnull (img);
      g_assert_true (img == f->image);
      g_assert_true (trawl_video_frame_get_image (f, &error) == img);  /* kept, not redone */
      g_ptr_array_add (images, trawl_image_copy (img));
      g_array_append_val (pts, f->pts_s);
      trawl_video_frame_free (f);
    }
  g_assert_no_error (error);
  trawl_video_reader_get_stats (r, stats);
  return images;
}

/* gpu_frames asks for NVDEC surfaces; without a GPU (or without CUDA in
 * the build) the reader must hand out ordinary RGB frames, the same as a
 * CPU decode, frame for frame. With a GPU the same test checks the GPU
 * frames' downloads against the CPU decode (tests/gpu/test-gpu-nvdec.c
 * checks more). */
static void
test_gpu_frames_fallback (void)
{
  const char *args[] = { "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "5", NULL };
  g_autofree char *path = make_clip ("gpuframes.mp4", "testsrc=size=320x240:rate=10:duration=2",
                                     args);
  struct { double sample_fps, scene; } cases[] = { { 0, 0 }, { 3.0, 0 }, { 0, 2.0 } };

  if (path == NULL)
    return;
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      TrawlVideoOptions cpu, gpu;
      TrawlVideoStats scpu, sgpu;
      g_autoptr(GArray) pcpu = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) pgpu = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GPtrArray) icpu = NULL, igpu = NULL;

      trawl_video_options_init (&cpu);
      cpu.sample_fps = cases[c].sample_fps;
      cpu.scene_threshold = cases[c].scene;
      gpu = cpu;
      gpu.hwaccel = TRUE;
      gpu.gpu_frames = TRUE;
      icpu = decode_images (path, &cpu, pcpu, &scpu);
      igpu = decode_images (path, &gpu, pgpu, &sgpu);
      g_test_message ("sample %.0f/s scene %.1f: %u frames, hw_active %d", cases[c].sample_fps,
                      cases[c].scene, icpu->len, sgpu.hw_active);
      g_assert_false (scpu.hw_active);
      g_assert_cmpuint (icpu->len, ==, igpu->len);
      g_assert_cmpint (scpu.frames_decoded, ==, 20);
      g_assert_cmpint (sgpu.frames_decoded, ==, 20);
      g_assert_cmpint (scpu.frames_scene_skipped, ==, sgpu.frames_scene_skipped);
      if (cases[c].sample_fps > 0)
        g_assert_cmpuint (icpu->len, ==, 6);  /* 2 s at 3/s */
      for (guint i = 0; i < icpu->len; i++)
        {
          double mean;
          int max;

          g_assert_cmpfloat (g_array_index (pcpu, double, i), ==, g_array_index (pgpu, double, i));
          trawl_test_image_diff (icpu->pdata[i], igpu->pdata[i], &mean, &max);
          if (!sgpu.hw_active)
            g_assert_cmpint (max, ==, 0);  /* both decoded on the CPU */
          g_assert_cmpfloat (mean, <=, 1.5);
          g_assert_cmpint (max, <=, 24);
        }
    }
}

/* NV12 frames (what NVDEC hands out; here a raw NV12 stream decoded on the
 * CPU) become yuv420p before the RGB conversion, so they convert exactly
 * as the CPU decoder's yuv420p frames do: the same picture stored both
 * ways gives the same RGB, bit for bit. */
static void
test_nv12_like_yuv420p (void)
{
  const char *a_args[] = { "-c:v", "rawvideo", "-pix_fmt", "yuv420p", NULL };
  /* 318x178: odd chroma sizes (159x89) */
  g_autofree char *a = make_clip ("planar.nut", "testsrc2=size=318x178:rate=10:duration=1",
                                  a_args);
  g_autofree char *b = NULL;
  TrawlVideoOptions opts;
  TrawlVideoStats sa, sb;

  if (a == NULL)
    return;
  b = g_build_filename (tmpdir, "semiplanar.nut", NULL);
  {
    const char *argv[] = { "ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-i", a,
                           "-c:v", "rawvideo", "-pix_fmt", "nv12", b, NULL };
    if (!run_tool (argv, NULL))
      return;
  }
  trawl_video_options_init (&opts);
  opts.scene_threshold = 0.5;  /* the luma thumbnails must agree too */
  {
    g_autoptr(GArray) pa = g_array_new (FALSE, FALSE, sizeof (double));
    g_autoptr(GArray) pb = g_array_new (FALSE, FALSE, sizeof (double));
    g_autoptr(GPtrArray) ia = decode_images (a, &opts, pa, &sa);
    g_autoptr(GPtrArray) ib = decode_images (b, &opts, pb, &sb);

    g_assert_cmpuint (ia->len, ==, ib->len);
    g_assert_cmpuint (ia->len, >, 0);
    g_assert_cmpint (sa.frames_scene_skipped, ==, sb.frames_scene_skipped);
    for (guint i = 0; i < ia->len; i++)
      {
        double mean;
        int max;

        trawl_test_image_diff (ia->pdata[i], ib->pdata[i], &mean, &max);
        g_assert_cmpint (max, ==, 0);
      }
  }
}

/* A CPU frame: get_image returns its image; freeing accepts NULL and a
 * frame without GPU parts. */
static void
test_frame_free (void)
{
  g_autoptr(GError) error = NULL;
  TrawlVideoFrame *f = g_new0 (TrawlVideoFrame, 1);

  trawl_video_frame_free (NULL);
  f->image = trawl_image_new (8, 4);
  g_assert_true (trawl_video_frame_get_image (f, &error) == f->image);
  g_assert_no_error (error);
  g_assert_null (f->gpu);
  g_assert_null (f->priv);
  trawl_video_frame_free (f);
}

/* trawl_gpu_frame_wait: no event means nothing to wait for (with CUDA);
 * without CUDA in the build it says so. */
static void
test_gpu_frame_wait_no_event (void)
{
  g_autoptr(GError) error = NULL;
  TrawlGpuFrame gf = { 0 };
  gboolean ok = trawl_gpu_frame_wait (&gf, NULL, &error);

#if TRAWL_HAVE_CUDA
  g_assert_no_error (error);
  g_assert_true (ok);
#else
  g_assert_false (ok);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_BUILT);
#endif
}

/* The scene thumbnail's box average (thumb.h), which the CUDA kernel shares. */
static void
test_thumb_reference (void)
{
  guint8 out[TRAWL_THUMB_W * TRAWL_THUMB_H];
  int w = 2 * TRAWL_THUMB_W, h = 2 * TRAWL_THUMB_H, pitch = w + 16;
  g_autofree guint8 *plane = g_malloc (pitch * h);

  /* 2x2 boxes; padding beyond w must never be read (255 there would show) */
  memset (plane, 255, pitch * h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      plane[y * pitch + x] = (guint8) ((x / 2 + y / 2) % 200);
  trawl_thumb_gray_ref (plane, pitch, w, h, out);
  for (int ty = 0; ty < TRAWL_THUMB_H; ty++)
    for (int tx = 0; tx < TRAWL_THUMB_W; tx++)
      g_assert_cmpint (out[ty * TRAWL_THUMB_W + tx], ==, (tx + ty) % 200);

  /* a 0/255 checkerboard: each box sums 510 over 4 pixels, mean rounds to 128 */
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      plane[y * pitch + x] = ((x + y) & 1) ? 255 : 0;
  trawl_thumb_gray_ref (plane, pitch, w, h, out);
  for (int i = 0; i < TRAWL_THUMB_W * TRAWL_THUMB_H; i++)
    g_assert_cmpint (out[i], ==, 128);

  /* smaller than the thumbnail: every cell takes the one pixel it falls on */
  w = 10;
  h = 6;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      plane[y * pitch + x] = (guint8) (10 * y + x);
  trawl_thumb_gray_ref (plane, pitch, w, h, out);
  for (int ty = 0; ty < TRAWL_THUMB_H; ty++)
    for (int tx = 0; tx < TRAWL_THUMB_W; tx++)
      g_assert_cmpint (out[ty * TRAWL_THUMB_W + tx], ==,
                       10 * (ty * h / TRAWL_THUMB_H) + tx * w / TRAWL_THUMB_W);

  /* 1920x1080: boxes of 30x30, uneven spans still tile the frame */
  {
    int lo, hi, prev = 0;

    for (int i = 0; i < TRAWL_THUMB_W; i++)
      {
        trawl_thumb_span (i, TRAWL_THUMB_W, 1000, &lo, &hi);
        g_assert_cmpint (lo, ==, prev);
        g_assert_cmpint (hi, >, lo);
        prev = hi;
      }
    g_assert_cmpint (prev, ==, 1000);
  }
}

/* ---- bad input ---- */

static void
expect_open_error (const char *path, int code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlVideoReader) r = trawl_video_reader_open (path, NULL, &error);
  g_assert_null (r);
  g_assert_error (error, TRAWL_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));
}

static void
test_bad_files (void)
{
  g_autofree char *missing = g_build_filename (tmpdir, "no-such.mp4", NULL);
  g_autofree char *empty = g_build_filename (tmpdir, "empty.mp4", NULL);
  g_autofree char *text = g_build_filename (tmpdir, "notes.mp4", NULL);
  g_autofree char *audio = NULL;
  const char *aargs[] = { "-c:a", "pcm_s16le", NULL };

  expect_open_error (missing, TRAWL_ERROR_NOT_FOUND);
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  expect_open_error (empty, TRAWL_ERROR_CORRUPT);
  g_assert_true (g_file_set_contents (text, "This is a text file, not a video.\nLine two.\n", -1,
                                      NULL));
  expect_open_error (text, TRAWL_ERROR_CORRUPT);
  expect_open_error (tmpdir, TRAWL_ERROR_INVALID_ARG);
  audio = make_clip ("tone.wav", "sine=frequency=440:duration=1", aargs);
  if (audio != NULL)
    expect_open_error (audio, TRAWL_ERROR_CORRUPT);
}

/* Either a clean error at open/next, or a partial decode flagged as such. */
static void
decode_damaged (const char *path, gint64 full_frames, gboolean must_open)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlVideoReader) r = trawl_video_reader_open (path, NULL, &error);
  TrawlVideoFrame *f;
  TrawlVideoStats stats;
  gint64 n = 0;

  if (r == NULL)
    {
      g_assert_false (must_open);
      g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT);
      g_assert_nonnull (strstr (error->message, path));
      g_test_message ("open failed cleanly: %s", error->message);
      return;
    }
  while ((f = trawl_video_reader_next (r, &error)) != NULL)
    {
      n++;
      trawl_video_frame_free (f);
    }
  trawl_video_reader_get_stats (r, &stats);
  g_test_message ("%s: %" G_GINT64_FORMAT " frames, %" G_GINT64_FORMAT " errors, truncated %d",
                  path, n, stats.decode_errors, stats.truncated);
  if (error != NULL)
    {
      g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT);
      g_assert_cmpint (n, ==, 0);
      /* ERROR is sticky */
      g_clear_error (&error);
      g_assert_null (trawl_video_reader_next (r, &error));
      g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT);
      return;
    }
  g_assert_cmpint (n, <=, full_frames);
  /* EOF is sticky */
  g_assert_null (trawl_video_reader_next (r, &error));
  g_assert_no_error (error);
  if (n < full_frames)
    g_assert_true (stats.truncated || stats.decode_errors > 0);
}

static char *
damaged_copy (const char *src, const char *name, double keep, gboolean flip)
{
  g_autofree char *bytes = NULL;
  gsize len;
  char *dst = g_build_filename (tmpdir, name, NULL);

  g_assert_true (g_file_get_contents (src, &bytes, &len, NULL));
  if (flip)
    {
      /* Invert 64 bytes at every 4 KiB past the first 8 KiB, leaving the header readable. */
      for (gsize off = 8192; off + 64 < len; off += 4096)
        for (gsize i = 0; i < 64; i++)
          bytes[off + i] ^= 0xA5;
    }
  g_assert_true (g_file_set_contents (dst, bytes, (gssize) (len * keep), NULL));
  return dst;
}

static void
test_damaged_files (void)
{
  g_autofree char *videos = videos_dir_or_skip ();
  g_autofree char *avi = NULL, *mp4 = NULL, *ham = NULL;
  g_autofree char *p1 = NULL, *p2 = NULL, *p3 = NULL, *p4 = NULL, *p5 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlVideoReader) r = NULL;
  TrawlVideoFrame *f;
  TrawlVideoStats stats;
  gint64 n = 0;

  if (videos == NULL)
    return;
  avi = g_build_filename (videos, "plates", "tud_s03.avi", NULL);
  mp4 = g_build_filename (videos, "plates", "tud_s01.mp4", NULL);
  ham = g_build_filename (videos, "people", "short_hamilton_clip.mp4", NULL);

  /* An AVI cut in half: opens, yields the first half, says it was cut. */
  p1 = damaged_copy (avi, "cut.avi", 0.5, FALSE);
  n_warnings = 0;
  r = trawl_video_reader_open (p1, NULL, &error);
  g_assert_no_error (error);
  while ((f = trawl_video_reader_next (r, &error)) != NULL)
    {
      n++;
      trawl_video_frame_free (f);
    }
  g_assert_no_error (error);
  trawl_video_reader_get_stats (r, &stats);
  g_assert_cmpint (n, >, 5);
  g_assert_cmpint (n, <, 36);
  g_assert_true (stats.truncated);
  g_assert_cmpint (n_warnings, >, 0);

  /* An mp4 whose index (moov) is at the end, cut before it: clean error. */
  p2 = damaged_copy (ham, "cut-moov-last.mp4", 0.4, FALSE);
  decode_damaged (p2, 275, FALSE);
  /* Cut mp4 with the index first, and byte-flipped clips: no crash, a
   * flagged partial decode or a clean error. */
  p3 = damaged_copy (mp4, "cut.mp4", 0.5, FALSE);
  decode_damaged (p3, 37, FALSE);
  p4 = damaged_copy (mp4, "flipped.mp4", 1.0, TRUE);
  decode_damaged (p4, 37, FALSE);
  p5 = damaged_copy (avi, "flipped.avi", 1.0, TRUE);
  decode_damaged (p5, 36, FALSE);
}

/* ---- wall-clock time ---- */

static void
test_filename_time (void)
{
  double t = 0;

  /* 2024-03-15T14:25:30Z is 1710512730 (date -u -d ... +%s) */
  g_assert_true (trawl_video_parse_filename_time ("/x/cam1_20240315_142530.mp4",
                                                  "%Y%m%d_%H%M%S", &t));
  g_assert_cmpfloat (t, ==, 1710512730.0);
  /* the pattern applies to the base name only, and anywhere in it */
  g_assert_true (trawl_video_parse_filename_time ("/20991231_000000/NVR-ch03 20240315_142530 x.avi",
                                                  "%Y%m%d_%H%M%S", &t));
  g_assert_cmpfloat (t, ==, 1710512730.0);
  g_assert_true (trawl_video_parse_filename_time ("dvr-24-03-15T14.25.30.ts",
                                                  "%y-%m-%dT%H.%M.%S", &t));
  g_assert_cmpfloat (t, ==, 1710512730.0);
  /* a first candidate out of range (month 13) is passed over */
  g_assert_true (trawl_video_parse_filename_time ("20241301_000000-20240315_142530.mp4",
                                                  "%Y%m%d_%H%M%S", &t));
  g_assert_cmpfloat (t, ==, 1710512730.0);
  g_assert_false (trawl_video_parse_filename_time ("cam1.mp4", "%Y%m%d_%H%M%S", &t));
  g_assert_false (trawl_video_parse_filename_time ("cam_20240230_101010.mp4", "%Y%m%d_%H%M%S",
                                                   &t));  /* 30 February */
  g_assert_false (trawl_video_parse_filename_time ("cam_2024031_101010.mp4", "%Y%m%d_%H%M%S",
                                                   &t));
  g_assert_cmpstr (trawl_time_source_to_string (TRAWL_TIME_SOURCE_FILENAME), ==, "filename");
  g_assert_cmpint (trawl_time_source_from_string ("container"), ==, TRAWL_TIME_SOURCE_CONTAINER);
  g_assert_cmpint (trawl_time_source_from_string ("bogus"), ==, TRAWL_TIME_SOURCE_NONE);
}

/* The forms recorders write, found without a pattern; digit runs that
 * are not dates are left alone. */
static void
test_filename_forms (void)
{
  /* 2024-03-14T21:05:00Z is 1710450300 */
  const char *yes[] = {
    "/x/20240314_210500.mp4", "/x/ch01_20240314210500_20240314211000.mp4",
    "/x/2024-03-14_21-05-00.avi", "/x/20240314-210500.mp4", "/x/VID_20240314_210500.mp4",
    "/x/cam 2024-03-14 21.05.00.mkv", "/x/NVR_ch3_main_20240314T210500.ts",
    "/x/2024-03-14T21-05-00Z.mp4",
  };
  const char *no[] = {
    "/x/12345678901234.mp4",           /* year 1234 */
    "/x/120240314_210500.mp4",         /* the date touches another digit */
    "/x/20240314_2105001.mp4",         /* the time runs on into a digit */
    "/x/20241314_210500.mp4",          /* month 14 */
    "/x/20240230_210500.mp4",          /* 30 February */
    "/x/20240314_250500.mp4",          /* hour 25 */
    "/x/30000101_000000.mp4",          /* year 3000 */
    "/x/IMG_4711.mp4", "/x/cam1.mp4", "/x/20240314.mp4",
    "/20240314_210500/clip.mp4",       /* folders do not count */
  };
  const char *form = NULL;
  double t = 0;

  for (guint i = 0; i < G_N_ELEMENTS (yes); i++)
    {
      g_test_message ("%s", yes[i]);
      t = 0;
      g_assert_true (trawl_video_guess_filename_time (yes[i], &t, &form));
      g_assert_cmpfloat (t, ==, 1710450300.0);
      g_assert_nonnull (form);
    }
  for (guint i = 0; i < G_N_ELEMENTS (no); i++)
    {
      g_test_message ("%s", no[i]);
      g_assert_false (trawl_video_guess_filename_time (no[i], &t, NULL));
    }
}

static void
test_creation_time (void)
{
  const char *args[] = { "-c:v", "mpeg4", "-metadata", "creation_time=2021-06-01T10:20:30Z",
                         NULL };
  g_autofree char *path = make_clip ("cam7_20240315_142530.mp4",
                                     "testsrc=size=160x120:rate=10:duration=1", args);
  g_autofree char *plain = NULL;
  g_autoptr(GError) error = NULL;
  TrawlMediaInfo info;
  double t = 0;

  if (path == NULL)
    return;
  g_assert_true (trawl_video_probe (path, &info, &error));
  g_assert_no_error (error);
  /* 2021-06-01T10:20:30Z is 1622542830 */
  g_assert_cmpfloat_with_epsilon (info.creation_time_utc, 1622542830.0, 1e-3);
  g_assert_cmpint (trawl_video_resolve_start_time (path, &info, 1.5e9, "%Y%m%d_%H%M%S", &t), ==,
                   TRAWL_TIME_SOURCE_USER);
  g_assert_cmpfloat (t, ==, 1.5e9);
  /* a pattern the user gave outranks the container's tag */
  g_assert_cmpint (trawl_video_resolve_start_time (path, &info, NAN, "%Y%m%d_%H%M%S", &t), ==,
                   TRAWL_TIME_SOURCE_FILENAME);
  g_assert_cmpfloat (t, ==, 1710512730.0);
  /* without one, the tag beats the name's common form */
  g_assert_cmpint (trawl_video_resolve_start_time (path, &info, NAN, NULL, &t), ==,
                   TRAWL_TIME_SOURCE_CONTAINER);
  g_assert_cmpfloat_with_epsilon (t, 1622542830.0, 1e-3);
  info.creation_time_utc = NAN;
  g_assert_cmpint (trawl_video_resolve_start_time (path, &info, NAN, NULL, &t), ==,
                   TRAWL_TIME_SOURCE_FILENAME);
  g_assert_cmpfloat (t, ==, 1710512730.0);
  g_assert_cmpint (trawl_video_resolve_start_time ("/x/cam7.mp4", &info, NAN, NULL, &t), ==,
                   TRAWL_TIME_SOURCE_NONE);
  g_assert_true (isnan (t));
  /* a user's pattern that does not match is not replaced by a guess */
  g_assert_cmpint (trawl_video_resolve_start_time (path, &info, NAN, "x%Y", &t), ==,
                   TRAWL_TIME_SOURCE_NONE);
  trawl_media_info_clear (&info);
  trawl_media_info_clear (NULL);
}

/* ---- rotation ---- */

/* The first frame of path as ffmpeg itself shows it (autorotate on), RGB24. */
static GBytes *
ffmpeg_first_frame (const char *path)
{
  g_autofree char *out = NULL;
  g_autofree char *raw = g_build_filename (tmpdir, "first.rgb", NULL);
  const char *argv[] = { "ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-i", path,
                         "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", raw, NULL };
  gchar *bytes = NULL;
  gsize len = 0;

  if (!run_tool (argv, &out))
    return NULL;
  g_assert_true (g_file_get_contents (raw, &bytes, &len, NULL));
  return g_bytes_new_take (bytes, len);
}

static double
mean_abs_diff (const TrawlImage *img, GBytes *ref)
{
  gsize len;
  const guint8 *r = g_bytes_get_data (ref, &len);
  guint64 sum = 0;

  g_assert_cmpuint (len, ==, (gsize) img->width * img->height * 3);
  for (int y = 0; y < img->height; y++)
    for (int x = 0; x < 3 * img->width; x++)
      sum += abs ((int) img->data[(gsize) y * img->stride + x] -
                  (int) r[(gsize) y * img->width * 3 + x]);
  return (double) sum / len;
}

/* A clip stored turned (display matrix, as phones write it) comes out as
 * ffmpeg shows it: upright, sides swapped for a quarter turn. */
static void
test_rotation (void)
{
  const char *args[] = { "-c:v", "mpeg4", "-q:v", "2", NULL };
  g_autofree char *plain = make_clip ("upright.mp4", "testsrc=size=160x96:rate=5:duration=1",
                                      args);
  const int angles[] = { 90, 180, 270 };

  if (plain == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (angles); i++)
    {
      g_autofree char *name = g_strdup_printf ("rot%d.mp4", angles[i]);
      g_autofree char *rot = g_build_filename (tmpdir, name, NULL);
      g_autofree char *meta = g_strdup_printf ("rotate=%d", angles[i]);
      const char *argv[] = { "ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-i", plain,
                             "-c", "copy", "-metadata:s:v:0", meta, rot, NULL };
      g_autoptr(GError) error = NULL;
      g_autoptr(TrawlVideoReader) r = NULL;
      g_autoptr(TrawlVideoFrame) f = NULL;
      g_autoptr(GBytes) ref = NULL;
      gboolean quarter = angles[i] != 180;
      const TrawlMediaInfo *info;

      g_test_message ("%s", name);
      if (!run_tool (argv, NULL) || (ref = ffmpeg_first_frame (rot)) == NULL)
        return;
      r = trawl_video_reader_open (rot, NULL, &error);
      g_assert_no_error (error);
      info = trawl_video_reader_get_info (r);
      /* How a "rotate" tag turns into the matrix changed across FFmpeg
       * versions: the pixels below, compared with ffmpeg's own view, are
       * the judge of the direction. */
      g_test_message ("rotation read: %d", info->rotation);
      g_assert_cmpint (info->rotation, ==, quarter ? info->rotation : 180);
      g_assert_true (info->rotation == 90 || info->rotation == 270 || !quarter);
      g_assert_cmpint (info->width, ==, quarter ? 96 : 160);
      g_assert_cmpint (info->height, ==, quarter ? 160 : 96);
      f = trawl_video_reader_next (r, &error);
      g_assert_no_error (error);
      g_assert_cmpint (f->image->width, ==, info->width);
      g_assert_cmpint (f->image->height, ==, info->height);
      /* the same picture as ffmpeg's (a wrong turn differs by far more) */
      g_assert_cmpfloat (mean_abs_diff (f->image, ref), <, 6.0);
    }
}

/* The annotated copy of a clip stored turned is upright too (boxes are in
 * upright pixels): the same size and, away from the burnt-in text, the
 * same picture as the reader's frames. */
static void
test_annotated_rotation (void)
{
  const char *args[] = { "-c:v", "mpeg4", "-q:v", "2", NULL };
  g_autofree char *plain = make_clip ("ann-up.mp4", "testsrc=size=160x96:rate=5:duration=1",
                                      args);
  g_autofree char *rot = g_build_filename (tmpdir, "ann-rot.mp4", NULL);
  g_autofree char *out = g_build_filename (tmpdir, "ann-rot-annotated.mkv", NULL);
  const char *tag[] = { "ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-i", NULL, "-c",
                        "copy", "-metadata:s:v:0", "rotate=90", NULL, NULL };
  g_auto(TrawlRemuxResult) rr = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlVideoReader) a = NULL, b = NULL;
  g_autoptr(TrawlVideoFrame) fa = NULL, fb = NULL;
  guint64 sum = 0, n = 0;

  if (plain == NULL)
    return;
  tag[6] = plain;
  tag[11] = rot;
  if (!run_tool (tag, NULL))
    return;
  g_assert_true (trawl_video_render_annotated (rot, 0, 1, out, NULL, 0, 0.5, NAN, &rr, NULL,
                                               &error));
  g_assert_no_error (error);
  a = trawl_video_reader_open (rot, NULL, &error);
  g_assert_no_error (error);
  b = trawl_video_reader_open (out, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (trawl_video_reader_get_info (a)->rotation, !=, 0);
  g_assert_cmpint (trawl_video_reader_get_info (b)->rotation, ==, 0);
  fa = trawl_video_reader_next (a, &error);
  fb = trawl_video_reader_next (b, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fb->image->width, ==, fa->image->width);
  g_assert_cmpint (fb->image->height, ==, fa->image->height);
  /* the middle third of the rows: clear of the clock and the caption */
  for (int y = fa->image->height / 3; y < 2 * fa->image->height / 3; y++)
    for (int x = 0; x < 3 * fa->image->width; x++, n++)
      sum += abs ((int) fa->image->data[(gsize) y * fa->image->stride + x] -
                  (int) fb->image->data[(gsize) y * fb->image->stride + x]);
  g_assert_cmpfloat ((double) sum / n, <, 12.0);
}

/* ---- timestamp jumps ---- */

/* Two 2 s MPEG-TS clips (10 fps) joined byte for byte, the second's clock
 * offset_b s from the first's: what a DVR export made of two recordings
 * looks like. */
static char *
joined_ts (const char *name, const char *offset_a, const char *offset_b)
{
  const char *src = "testsrc=size=160x120:rate=10:duration=2";
  g_autofree char *a = NULL, *b = NULL;
  g_autofree char *ta = NULL, *tb = NULL;
  g_autofree char *out = g_build_filename (tmpdir, name, NULL);
  g_autoptr(GString) both = g_string_new (NULL);
  gchar *bytes;
  gsize len;

  ta = g_strconcat (name, ".a.ts", NULL);
  tb = g_strconcat (name, ".b.ts", NULL);
  a = make_clip (ta, src, (const char *[]) { "-c:v", "mpeg2video", "-output_ts_offset",
                                             offset_a, NULL });
  b = make_clip (tb, src, (const char *[]) { "-c:v", "mpeg2video", "-output_ts_offset",
                                             offset_b, NULL });
  if (a == NULL || b == NULL)
    return NULL;
  g_assert_true (g_file_get_contents (a, &bytes, &len, NULL));
  g_string_append_len (both, bytes, len);
  g_free (bytes);
  g_assert_true (g_file_get_contents (b, &bytes, &len, NULL));
  g_string_append_len (both, bytes, len);
  g_free (bytes);
  g_assert_true (g_file_set_contents (out, both->str, both->len, NULL));
  return g_steal_pointer (&out);
}

/* A backward jump (FFmpeg reads it as a 33-bit clock wrap: the container
 * says 26 hours) and a big forward one are taken out: pts_s runs on one
 * frame after the last, the true length is 4 s, and the jump is reported
 * with the file's own time of that frame. */
static void
test_time_jumps (void)
{
  struct { const char *name, *a, *b; double file_min, file_max; } cases[] = {
    { "back.ts", "1000", "0", 9e4, 1e5 },     /* wrapped: ~94,400 s on the file's clock */
    { "forward.ts", "0", "5000", 4990, 5010 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = joined_ts (cases[i].name, cases[i].a, cases[i].b);
      g_autoptr(GError) error = NULL;
      g_autoptr(TrawlVideoReader) r = NULL;
      TrawlVideoFrame *f;
      TrawlVideoStats st;
      const GArray *jumps;
      const TrawlTimeJump *j;
      double last = -1;
      int n = 0;

      if (path == NULL)
        return;
      g_test_message ("%s", cases[i].name);
      r = trawl_video_reader_open (path, NULL, &error);
      g_assert_no_error (error);
      n_warnings = 0;
      while ((f = trawl_video_reader_next (r, &error)) != NULL)
        {
          g_assert_cmpfloat (f->pts_s, >, last);
          if (n > 0)
            g_assert_cmpfloat (f->pts_s - last, <, 0.5);  /* no gap anywhere */
          last = f->pts_s;
          n++;
          trawl_video_frame_free (f);
        }
      g_assert_no_error (error);
      g_assert_cmpint (n, ==, 40);
      g_assert_cmpfloat (last, <, 4.0);
      trawl_video_reader_get_stats (r, &st);
      g_assert_cmpint (st.time_jumps, ==, 1);
      g_assert_cmpint (n_warnings, >=, 1);  /* said so */
      g_assert_cmpfloat_with_epsilon (st.media_end_s, 4.0, 0.15);
      jumps = trawl_video_reader_get_time_jumps (r);
      g_assert_cmpuint (jumps->len, ==, 1);
      j = &g_array_index (jumps, TrawlTimeJump, 0);
      g_assert_cmpfloat_with_epsilon (j->at_s, 2.0, 0.15);
      g_assert_cmpfloat (j->file_s, >, cases[i].file_min);
      g_assert_cmpfloat (j->file_s, <, cases[i].file_max);
      /* media time back to the file's: before the jump unchanged, after it shifted */
      g_assert_cmpfloat (trawl_video_time_to_file (j, 1, 1.0), ==, 1.0);
      g_assert_cmpfloat_with_epsilon (trawl_video_time_to_file (j, 1, j->at_s + 1.0),
                                      j->file_s + 1.0, 1e-6);
    }
}

/* Key frames 15 s apart read with keyframes_only are not a jump (CCTV
 * encoders stretch GOPs): times stay as the file has them. */
static void
test_long_gop (void)
{
  const char *args[] = { "-c:v", "mpeg4", "-g", "75", NULL };
  g_autofree char *path = make_clip ("long-gop.mp4", "testsrc=size=64x48:rate=5:duration=32",
                                     args);
  TrawlVideoOptions opts;
  TrawlVideoStats st;
  Decoded d;

  if (path == NULL)
    return;
  trawl_video_options_init (&opts);
  opts.keyframes_only = TRUE;
  d = decode_all (path, &opts, &st);
  g_assert_cmpint (d.n, ==, 3);  /* 0, 15 and 30 s */
  g_assert_cmpint (st.time_jumps, ==, 0);
  g_assert_cmpfloat_with_epsilon (d.last_pts, 30.0, 0.01);
}

/* ---- main ---- */

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (log_writer, NULL, NULL);
  tmpdir = g_dir_make_tmp ("trawl-video-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);

  g_test_add_func ("/video/shared/media-info", test_shared_media_info);
  g_test_add_func ("/video/shared/sampling", test_shared_sampling);
  g_test_add_func ("/video/shared/keyframes", test_shared_keyframes);
  g_test_add_func ("/video/generated/formats", test_generated_formats);
  g_test_add_func ("/video/generated/pixels", test_generated_pixels);
  g_test_add_func ("/video/generated/scene-skip", test_scene_skip);
  g_test_add_func ("/video/generated/hwaccel-fallback", test_hwaccel_fallback);
  g_test_add_func ("/video/generated/gpu-frames-fallback", test_gpu_frames_fallback);
  g_test_add_func ("/video/generated/nv12-like-yuv420p", test_nv12_like_yuv420p);
  g_test_add_func ("/video/frame/free", test_frame_free);
  g_test_add_func ("/video/frame/gpu-wait-no-event", test_gpu_frame_wait_no_event);
  g_test_add_func ("/video/thumb/reference", test_thumb_reference);
  g_test_add_func ("/video/bad/files", test_bad_files);
  g_test_add_func ("/video/bad/damaged", test_damaged_files);
  g_test_add_func ("/video/time/filename", test_filename_time);
  g_test_add_func ("/video/time/creation-time", test_creation_time);
  g_test_add_func ("/video/time/filename-forms", test_filename_forms);
  g_test_add_func ("/video/rotation", test_rotation);
  g_test_add_func ("/video/rotation/annotated", test_annotated_rotation);
  g_test_add_func ("/video/time/jumps", test_time_jumps);
  g_test_add_func ("/video/time/long-gop", test_long_gop);

  ret = g_test_run ();
  trawl_test_remove_tree (tmpdir);
  g_free (tmpdir);
  return ret;
}
