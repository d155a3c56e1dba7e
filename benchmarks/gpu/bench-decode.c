/* bench-decode.c - decode-only throughput of the video reader: every frame
 * of one file, as fast as it comes, on the CPU, with NVDEC downloading
 * each frame (the reader's RGB frames), or with NVDEC keeping frames on
 * the GPU (no download, no conversion: the GPU path of `trawl index`).
 *
 *   bench-decode FILE [--cpu | --gpu-frames] [--seconds N] [--json]
 *
 * Prints frames, wall seconds and frames per second; with --json one JSON
 * object on stdout (bench, backend, device, params, iterations, unit,
 * median and p90 of the time per frame, fps, revision) and logs on
 * stderr. benchmarks/gpu/bench-gpu.py calls it for decode-only NVDEC fps.
 * Built with CUDA only; installed nowhere.
 *
 * Timing: the clock runs from the end of open (CUDA and the demuxer are
 * up; the decoder itself, NVDEC's included, starts inside the first
 * frame's time) to the last frame. A GPU frame counts
 * once its ready_event has completed (the host waits on it before freeing
 * the frame, as a consumer finishing its work would), so queued decoder
 * work is never left out of the time.
 */
#include "trawl-config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <trawl/base.h>
#include <trawl/gpu.h>
#include <trawl/video.h>

#include "trawl-kernels.h"

static gboolean opt_cpu, opt_gpu_frames, opt_json;
static double opt_seconds;

static const GOptionEntry entries[] = {
  { "cpu", 0, 0, G_OPTION_ARG_NONE, &opt_cpu, "Decode on the CPU (default: NVDEC)", NULL },
  { "gpu-frames", 0, 0, G_OPTION_ARG_NONE, &opt_gpu_frames,
    "Keep NVDEC frames on the GPU (no download)", NULL },
  { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &opt_seconds,
    "Stop after N seconds of wall time (default: the whole file)", "N" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print one JSON object", NULL },
  { NULL }
};

/* Every log line to stderr: stdout carries the result only (GLib would
 * print g_message there). */
static GLogWriterOutput
log_to_stderr (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  g_autofree char *line = NULL;

  (void) data;
  if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) != 0
      && g_getenv ("G_MESSAGES_DEBUG") == NULL)
    return G_LOG_WRITER_HANDLED;
  line = g_log_writer_format_fields (level, fields, n_fields, FALSE);
  fprintf (stderr, "%s\n", line);
  return G_LOG_WRITER_HANDLED;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* The p-th quantile (0..1) of n sorted values, nearest rank. */
static double
quantile (const double *v, guint n, double p)
{
  guint i;

  if (n == 0)
    return NAN;
  i = (guint) ceil (p * n);
  return v[MIN (MAX (i, 1u), n) - 1];
}

/* The source tree's short git revision, or "unknown". */
static char *
git_revision (void)
{
  const char *argv[] = { "git", "-C", TRAWL_BENCH_SRCDIR, "rev-parse", "--short", "HEAD", NULL };
  char *out = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL,
                     G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                     NULL, &status, NULL)
      || !g_spawn_check_wait_status (status, NULL) || out == NULL)
    {
      g_free (out);
      return g_strdup ("unknown");
    }
  return g_strstrip (out);
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("FILE - decode-only throughput");
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlVideoReader) r = NULL;
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *rev = NULL, *device = NULL, *file_json = NULL;
  const TrawlMediaInfo *info;
  TrawlVideoOptions opts;
  TrawlVideoStats stats;
  TrawlVideoFrame *f;
  TrawlGpuInfo gi;
  gint64 t0, t_prev, t_end, frames = 0, gpu_frames = 0;
  const char *backend;
  double wall, fps;

  g_log_set_writer_func (log_to_stderr, NULL, NULL);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 2
      || (opt_cpu && opt_gpu_frames))
    {
      g_printerr ("usage: bench-decode FILE [--cpu | --gpu-frames] [--seconds N] [--json]\n%s\n",
                  error != NULL ? error->message : "");
      return 2;
    }
  trawl_video_options_init (&opts);
  opts.hwaccel = !opt_cpu;
  opts.gpu_frames = opt_gpu_frames;

  r = trawl_video_reader_open (argv[1], &opts, &error);
  if (r == NULL)
    {
      g_printerr ("bench-decode: %s\n", error->message);
      return 1;
    }
  t0 = t_prev = g_get_monotonic_time ();
  while ((f = trawl_video_reader_next (r, &error)) != NULL)
    {
      gint64 now;
      double dt;

      if (f->gpu != NULL)
        {
          int rc = trawl_cuda_event_synchronize (f->gpu->ready_event);
          if (rc != 0)
            {
              g_printerr ("bench-decode: waiting for a frame: %s\n", trawl_cuda_error_string (rc));
              trawl_video_frame_free (f);
              return 1;
            }
          gpu_frames++;
        }
      trawl_video_frame_free (f);
      frames++;
      now = g_get_monotonic_time ();
      dt = (now - t_prev) / 1000.0;
      g_array_append_val (ms, dt);
      t_prev = now;
      if (opt_seconds > 0 && now - t0 >= opt_seconds * G_USEC_PER_SEC)
        break;
    }
  t_end = g_get_monotonic_time ();
  if (error != NULL)
    {
      g_printerr ("bench-decode: %s\n", error->message);
      return 1;
    }
  trawl_video_reader_get_stats (r, &stats);
  info = trawl_video_reader_get_info (r);
  wall = (t_end - t0) / (double) G_USEC_PER_SEC;
  fps = wall > 0 ? frames / wall : 0;
  g_array_sort (ms, cmp_double);

  if (!stats.hw_active)
    backend = "cpu";
  else if (gpu_frames > 0)
    backend = "nvdec-gpu-frames";
  else
    backend = "nvdec-download";
  if (opts.hwaccel && !stats.hw_active)
    g_printerr ("bench-decode: NVDEC was not active; these are CPU figures\n");
  if (opt_gpu_frames && stats.hw_active && gpu_frames == 0)
    g_printerr ("bench-decode: frames were downloaded, not kept on the GPU\n");
  if (stats.hw_active && trawl_gpu_probe (&gi, NULL))
    device = g_strdup (gi.name);
  else
    device = g_strdup_printf ("cpu (%d threads)", (int) g_get_num_processors ());

  if (!opt_json)
    {
      printf ("%s: %" G_GINT64_FORMAT " frames in %.3f s = %.1f fps (%s, %s; %dx%d %s)\n",
              argv[1], frames, wall, fps, backend, device, info->width, info->height,
              info->codec);
      return 0;
    }
  rev = git_revision ();
  {
    g_autoptr(GString) esc = g_string_new (NULL);

    /* a file name is the one free-form string here: escape \ and " */
    for (const char *p = argv[1]; *p != '\0'; p++)
      {
        if (*p == '\\' || *p == '"')
          g_string_append_c (esc, '\\');
        g_string_append_c (esc, *p);
      }
    file_json = g_string_free (g_steal_pointer (&esc), FALSE);
  }
  printf ("{\"bench\": \"decode\", \"backend\": \"%s\", \"device\": \"%s\", "
          "\"params\": {\"file\": \"%s\", \"codec\": \"%s\", \"width\": %d, \"height\": %d, "
          "\"seconds_cap\": %g}, "
          "\"iterations\": %" G_GINT64_FORMAT ", \"unit\": \"ms/frame\", "
          "\"median\": %.4f, \"p90\": %.4f, \"wall_s\": %.4f, \"fps\": %.2f, "
          "\"hw_active\": %s, \"gpu_frames\": %s, \"decode_errors\": %" G_GINT64_FORMAT ", "
          "\"revision\": \"%s\"}\n",
          backend, device, file_json, info->codec, info->width, info->height, opt_seconds,
          frames, quantile ((double *) ms->data, ms->len, 0.5),
          quantile ((double *) ms->data, ms->len, 0.9), wall, fps,
          stats.hw_active ? "true" : "false", gpu_frames > 0 ? "true" : "false",
          stats.decode_errors, rev);
  return 0;
}
