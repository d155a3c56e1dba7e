/* test-gpu-nvdec.c - NVDEC through the video reader against CPU decoding.
 *
 * Clips are generated with the ffmpeg CLI into a temporary directory (the
 * commands are below; skipped when the CLI is missing), or read from
 * $TRAWL_TEST_CLIPS where they were made beforehand with
 * `test-gpu-nvdec --make-clips DIR` (the GPU run kit, scripts/gpu-kit,
 * carries them to a machine without the CLI). Each is decoded on
 * the CPU, with plain hwaccel (NVDEC, frames downloaded) and with GPU
 * frames (NVDEC surfaces kept on the GPU): frame counts and timestamps
 * must agree exactly; pixels, after trawl_video_frame_get_image, within
 * mean |diff| <= 1.5 and max |diff| <= 24 on 0..255. The reader turns
 * NVDEC's NV12 into yuv420p and then takes the CPU decoder's own path to
 * RGB, and H.264 decoding is bit-exact, so 0 is expected (the messages
 * print the figures); the tolerance only leaves room for colour-conversion
 * differences should that path ever change. Scene skip must drop the same
 * frames (both paths average the same luma, src/rules/thumb.h). The
 * ready_event is exercised by reading planes on a new non-blocking stream
 * after trawl_gpu_frame_wait, and the thumbnail kernel is compared with its
 * CPU reference on the same bytes.
 *
 * Without a GPU (or CUDA in the build) every case reports "skipped: no
 * GPU (...)"; with a GPU but no NVDEC (a container without the video
 * driver capability) "skipped: NVDEC not active".
 */
#include "trawl-config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <trawl/base.h>
#include <trawl/gpu.h>
#include <trawl/video.h>

#include "gpu-test-util.h"
#include "../common/trawl-test.h"
#include "../common/trawl-test-image.h"
#include "rules/thumb.h"

#if TRAWL_HAVE_CUDA
#include <cuda_runtime_api.h>
#include "trawl-kernels.h"
#endif

#define MEAN_TOL 1.5  /* mean |RGB diff| NVDEC vs CPU, 0..255 */
#define MAX_TOL  24   /* max |RGB diff| */
#define HELD     8    /* GPU frames held at once (the decoder's spare surfaces) */

static char *tmpdir;

/* Every clip the cases decode: file name and lavfi source. */
#define CLIP_360   "t360.mp4"
#define CLIP_1080  "t1080.mp4"
#define CLIP_STILL "still.mp4"
static const char *const clips[][2] = {
  { CLIP_360, "testsrc2=size=640x360:rate=25:duration=3" },
  { CLIP_1080, "testsrc2=size=1920x1080:rate=25:duration=1" },
  /* a still picture for 1 s, then motion */
  { CLIP_STILL, "testsrc2=size=640x360:rate=25:duration=2,"
                "loop=loop=25:size=1:start=0,setpts=N/25/TB" },
};

/* The path of clip `name` (g_free): $TRAWL_TEST_CLIPS/name when that
 * exists, else made with ffmpeg -f lavfi -i SRC -c:v libx264 ... in
 * tmpdir; NULL after g_test_skip when neither can be had. */
static char *
make_h264 (const char *name)
{
  const char *dir = g_getenv ("TRAWL_TEST_CLIPS");
  g_autofree char *prog = g_find_program_in_path ("ffmpeg");
  const char *lavfi = NULL;
  char *out;
  g_autoptr(GError) error = NULL;
  int status = 0;

  for (guint i = 0; i < G_N_ELEMENTS (clips); i++)
    if (g_str_equal (clips[i][0], name))
      lavfi = clips[i][1];
  g_assert_nonnull (lavfi);
  if (dir != NULL && *dir != '\0')
    {
      out = g_build_filename (dir, name, NULL);
      if (g_file_test (out, G_FILE_TEST_EXISTS))
        return out;
      g_free (out);
    }
  out = g_build_filename (tmpdir, name, NULL);
  if (prog == NULL)
    {
      g_test_skip ("ffmpeg CLI not installed (needed to generate test clips; "
                   "or set TRAWL_TEST_CLIPS)");
      g_free (out);
      return NULL;
    }
  if (!g_file_test (out, G_FILE_TEST_EXISTS))
    {
      const char *argv[] = { "ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-f", "lavfi",
                             "-i", lavfi, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "12",
                             "-bf", "2", out, NULL };

      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                    &status, &error);
      g_assert_no_error (error);
      g_assert_true (g_spawn_check_wait_status (status, NULL));
    }
  return out;
}

/* --make-clips DIR: every clip into DIR, for $TRAWL_TEST_CLIPS on a
 * machine without the ffmpeg CLI. No GPU needed. */
static int
make_clips (const char *dir)
{
  g_unsetenv ("TRAWL_TEST_CLIPS");
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_printerr ("cannot create %s\n", dir);
      return 1;
    }
  tmpdir = g_strdup (dir);
  for (guint i = 0; i < G_N_ELEMENTS (clips); i++)
    {
      g_autofree char *path = make_h264 (clips[i][0]);

      if (path == NULL)
        return 1;
      g_print ("%s\n", path);
    }
  g_free (tmpdir);
  return 0;
}

typedef struct {
  GPtrArray       *images;  /* RGB per emitted frame (get_image of each) */
  GArray          *pts;     /* double, per emitted frame */
  TrawlVideoStats  stats;
  gint64           gpu_frames;  /* frames handed out with frame->gpu set */
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->images, g_ptr_array_unref);
  g_clear_pointer (&run->pts, g_array_unref);
}

/* Decodes path with opts, holding `hold` frames (0: none) while the next
 * is decoded, in a FIFO as the indexer's queue does, before reading their
 * pixels and freeing them. */
static Run
decode (const char *path, const TrawlVideoOptions *opts, int hold)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlVideoReader) r = trawl_video_reader_open (path, opts, &error);
  g_autoptr(GQueue) held = g_queue_new ();
  Run run = { g_ptr_array_new_with_free_func ((GDestroyNotify) trawl_image_free),
              g_array_new (FALSE, FALSE, sizeof (double)), { 0 }, 0 };
  TrawlVideoFrame *f;

  g_assert_no_error (error);
  do
    {
      f = trawl_video_reader_next (r, &error);
      g_assert_no_error (error);
      if (f != NULL)
        {
          if (f->gpu != NULL)
            {
              run.gpu_frames++;
              g_assert_null (f->image);
              g_assert_nonnull (f->gpu->ready_event);
              g_assert_cmpint (f->gpu->pitch_y, >=, f->gpu->width);
              g_assert_cmpint (f->gpu->pitch_uv, >=, f->gpu->width);
            }
          g_queue_push_tail (held, f);
        }
      /* `hold` frames stay alive while the reader decodes the next one */
      while (g_queue_get_length (held) > (guint) (f != NULL ? hold : 0))
        {
          TrawlVideoFrame *old = g_queue_pop_head (held);
          const TrawlImage *img = trawl_video_frame_get_image (old, &error);

          g_assert_no_error (error);
          g_ptr_array_add (run.images, trawl_image_copy (img));
          g_array_append_val (run.pts, old->pts_s);
          trawl_video_frame_free (old);
        }
    }
  while (f != NULL);
  trawl_video_reader_get_stats (r, &run.stats);
  return run;
}

/* FALSE (test skipped) when the reader did not decode on the GPU. */
static gboolean
nvdec_active (const Run *run)
{
  if (run->stats.hw_active)
    return TRUE;
  g_test_skip ("NVDEC not active (FFmpeg without nvdec, or no video capability in the driver)");
  return FALSE;
}

static void
assert_same_frames (const Run *cpu, const Run *gpu, const char *what)
{
  double worst_mean = 0;
  int worst_max = 0;

  g_assert_cmpuint (cpu->pts->len, ==, gpu->pts->len);
  g_assert_cmpint (cpu->stats.frames_decoded, ==, gpu->stats.frames_decoded);
  g_assert_cmpint (gpu->stats.decode_errors, ==, 0);
  for (guint i = 0; i < cpu->pts->len; i++)
    {
      int max;
      double mean;

      g_assert_cmpfloat (g_array_index (cpu->pts, double, i), ==,
                         g_array_index (gpu->pts, double, i));
      trawl_test_image_diff (cpu->images->pdata[i], gpu->images->pdata[i], &mean, &max);
      worst_mean = MAX (worst_mean, mean);
      worst_max = MAX (worst_max, max);
    }
  g_test_message ("%s: %u frames, worst mean |diff| %.3f, worst max |diff| %d", what,
                  cpu->pts->len, worst_mean, worst_max);
  g_assert_cmpfloat (worst_mean, <=, MEAN_TOL);
  g_assert_cmpint (worst_max, <=, MAX_TOL);
}

/* Every frame, CPU vs plain hwaccel vs GPU frames (held HELD deep). */
static void
check_parity (const char *name, double sample_fps, double scene)
{
  g_autofree char *path = NULL;
  TrawlVideoOptions o;
  Run cpu, hw, gf;

  if (!need_gpu ())
    return;
  path = make_h264 (name);
  if (path == NULL)
    return;
  trawl_video_options_init (&o);
  o.sample_fps = sample_fps;
  o.scene_threshold = scene;
  cpu = decode (path, &o, 0);
  o.hwaccel = TRUE;
  hw = decode (path, &o, 0);
  if (nvdec_active (&hw))
    {
      o.gpu_frames = TRUE;
      gf = decode (path, &o, HELD);
      g_assert_true (gf.stats.hw_active);
      g_assert_cmpint (gf.gpu_frames, ==, (gint64) gf.pts->len);
      assert_same_frames (&cpu, &hw, "hwaccel");
      assert_same_frames (&cpu, &gf, "gpu frames");
      g_assert_cmpint (cpu.stats.frames_scene_skipped, ==, hw.stats.frames_scene_skipped);
      g_assert_cmpint (cpu.stats.frames_scene_skipped, ==, gf.stats.frames_scene_skipped);
      g_test_message ("%s: sample %.1f/s scene %.1f: %u emitted, %" G_GINT64_FORMAT
                      " scene-skipped", name, sample_fps, scene, cpu.pts->len,
                      cpu.stats.frames_scene_skipped);
      run_clear (&gf);
    }
  run_clear (&cpu);
  run_clear (&hw);
}

/* 360 rows: H.264 codes 368 and crops 8, so the UV plane's offset and
 * the cropped height are exercised. B-frames reorder. */
static void
test_parity_360p (void)
{
  check_parity (CLIP_360, 0, 0);
}

static void
test_parity_1080p (void)
{
  check_parity (CLIP_1080, 0, 0);
}

static void
test_parity_sampled (void)
{
  check_parity (CLIP_360, 5.0, 0);
}

static void
test_parity_scene (void)
{
  /* a still picture for 1 s, then motion: most still frames are skipped */
  check_parity (CLIP_STILL, 0, 3.0);
  check_parity (CLIP_360, 0, 3.0);
}

#if TRAWL_HAVE_CUDA
/* Reads frame's luma plane on a new non-blocking stream after
 * trawl_gpu_frame_wait (the event is the only ordering against the
 * decoder there), and again after a full device sync: the same bytes.
 * Also the thumbnail kernel against its CPU reference on those bytes. */
static void
check_event_path (const TrawlGpuFrame *g)
{
  g_autoptr(GError) error = NULL;
  size_t bytes = (size_t) g->width * g->height;
  g_autofree guint8 *on_stream = g_malloc (bytes), *after_sync = g_malloc (bytes);
  guint8 thumb_gpu[TRAWL_THUMB_W * TRAWL_THUMB_H], thumb_ref[TRAWL_THUMB_W * TRAWL_THUMB_H];
  guint8 *pinned = NULL;
  void *scratch = NULL;
  cudaStream_t s = NULL;

  g_assert_cmpint (cudaStreamCreateWithFlags (&s, cudaStreamNonBlocking), ==, cudaSuccess);
  g_assert_cmpint (cudaMallocHost ((void **) &pinned, bytes), ==, cudaSuccess);
  g_assert_true (trawl_gpu_frame_wait (g, s, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cudaMemcpy2DAsync (pinned, g->width, g->y, g->pitch_y, g->width, g->height,
                                      cudaMemcpyDeviceToHost, s), ==, cudaSuccess);
  g_assert_cmpint (cudaStreamSynchronize (s), ==, cudaSuccess);
  memcpy (on_stream, pinned, bytes);
  /* the thumbnail kernel on the same stream, after the same wait */
  g_assert_cmpint (trawl_cuda_thumb_gray (g->y, g->pitch_y, g->width, g->height, &scratch,
                                          thumb_gpu, s), ==, 0);
  g_assert_cmpint (cudaDeviceSynchronize (), ==, cudaSuccess);
  g_assert_cmpint (trawl_cuda_download_2d (after_sync, g->width, g->y, g->pitch_y, g->width,
                                           g->height), ==, 0);
  g_assert_cmpmem (on_stream, bytes, after_sync, bytes);
  trawl_thumb_gray_ref (after_sync, g->width, g->width, g->height, thumb_ref);
  g_assert_cmpmem (thumb_gpu, sizeof thumb_gpu, thumb_ref, sizeof thumb_ref);
  /* waiting on the legacy default stream works too */
  g_assert_true (trawl_gpu_frame_wait (g, NULL, &error));
  g_assert_no_error (error);
  trawl_cuda_thumb_free (scratch);
  cudaFreeHost (pinned);
  cudaStreamDestroy (s);
}
#endif

/* The event path on every frame of a clip, and frames that outlive their
 * reader (still downloadable, then freed). */
static void
test_ready_event (void)
{
#if TRAWL_HAVE_CUDA
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  TrawlVideoOptions o;
  TrawlVideoReader *r;
  TrawlVideoFrame *f, *last = NULL;
  TrawlVideoStats stats;
  int n = 0;

  if (!need_gpu ())
    return;
  path = make_h264 (CLIP_360);
  if (path == NULL)
    return;
  trawl_video_options_init (&o);
  o.hwaccel = TRUE;
  o.gpu_frames = TRUE;
  r = trawl_video_reader_open (path, &o, &error);
  g_assert_no_error (error);
  while ((f = trawl_video_reader_next (r, &error)) != NULL)
    {
      if (f->gpu == NULL)
        break;
      check_event_path (f->gpu);
      n++;
      trawl_video_frame_free (last);
      last = f;
    }
  g_assert_no_error (error);
  trawl_video_reader_get_stats (r, &stats);
  if (f != NULL || !stats.hw_active)
    {
      trawl_video_frame_free (f);
      trawl_video_frame_free (last);
      trawl_video_reader_free (r);
      g_test_skip ("NVDEC not active (FFmpeg without nvdec, or no video capability in the driver)");
      return;
    }
  g_assert_cmpint (n, ==, 75);
  trawl_video_reader_free (r);
  g_assert_nonnull (last);
  g_assert_nonnull (trawl_video_frame_get_image (last, &error));  /* after the reader is gone */
  g_assert_no_error (error);
  g_assert_cmpint (last->image->width, ==, 640);
  g_assert_cmpint (last->image->height, ==, 360);
  trawl_video_frame_free (last);
#else
  need_gpu ();
#endif
}

int
main (int argc, char **argv)
{
  int ret;

  if (argc == 3 && g_str_equal (argv[1], "--make-clips"))
    return make_clips (argv[2]);
  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("trawl-nvdec-XXXXXX", NULL);
  g_assert_nonnull (tmpdir);

  g_test_add_func ("/gpu/nvdec/parity-360p", test_parity_360p);
  g_test_add_func ("/gpu/nvdec/parity-1080p", test_parity_1080p);
  g_test_add_func ("/gpu/nvdec/parity-sampled", test_parity_sampled);
  g_test_add_func ("/gpu/nvdec/parity-scene", test_parity_scene);
  g_test_add_func ("/gpu/nvdec/ready-event", test_ready_event);

  ret = g_test_run ();
  trawl_test_remove_tree (tmpdir);
  g_free (tmpdir);
  return ret;
}
