/* cmd-index.c - `trawl index`: decode, detect, track, write the catalog.
 * Option parsing, the progress line (or JSON lines) and the final summary;
 * the work is trawl_index_run (include/trawl/indexer.h). */
#include "cli.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <trawl/base.h>
#include <trawl/indexer.h>
#include <trawl/search.h>
#include <trawl/nn.h>

static char *opt_camera, *opt_start, *opt_pattern, *opt_device, *opt_precision, *opt_times;
static char *opt_motion, *opt_face_tiles;
static double opt_fps = 2.0, opt_offset = NAN, opt_scene, opt_motion_interval;
static gboolean opt_json, opt_keyframes, opt_no_faces, opt_no_plates, opt_quiet;
static gboolean opt_force_new_catalog;
static int opt_queue = 8, opt_workers = 0, opt_batch = 4;
static volatile gint cancel_flag;

/* --face-tiles: auto (0), off (-1) or a tile side in px. FALSE: usage
 * error, printed. */
static gboolean
parse_face_tiles (const char *text, int *tile)
{
  char *end = NULL;
  gint64 px;

  *tile = 0;
  if (text == NULL || g_str_equal (text, "auto"))
    return TRUE;
  if (g_str_equal (text, "off"))
    {
      *tile = -1;
      return TRUE;
    }
  px = g_ascii_strtoll (text, &end, 10);
  if (end == text || *end != '\0' || px < 256 || px > 4096)
    {
      fprintf (stderr, "trawl index: --face-tiles must be auto, off or a tile side of "
               "256 to 4096 px, not '%s'\n", text);
      return FALSE;
    }
  *tile = (int) px;
  return TRUE;
}

/* --device: cpu, cuda (an error without a usable GPU) or auto (the GPU
 * when one answers, else the CPU, saying so). FALSE: usage error, printed. */
static gboolean
choose_backend (const char *device, TrawlNnBackendKind *backend)
{
  g_autoptr(GError) error = NULL;

  *backend = TRAWL_NN_BACKEND_CPU;
  if (device == NULL || g_str_equal (device, "auto"))
    {
      if (trawl_nn_backend_available (TRAWL_NN_BACKEND_CUDA, &error))
        *backend = TRAWL_NN_BACKEND_CUDA;
      else if (device != NULL)
        fprintf (stderr, "trawl index: using the CPU (%s)\n", error->message);
      return TRUE;
    }
  if (g_str_equal (device, "cpu"))
    return TRUE;
  if (g_str_equal (device, "cuda"))
    {
      if (!trawl_nn_backend_available (TRAWL_NN_BACKEND_CUDA, &error))
        {
          fprintf (stderr, "trawl index: --device cuda: %s\n", error->message);
          return FALSE;
        }
      *backend = TRAWL_NN_BACKEND_CUDA;
      return TRUE;
    }
  fprintf (stderr, "trawl index: --device must be cpu, cuda or auto, not '%s'\n", device);
  return FALSE;
}

/* --precision: fp32 (default, as the CPU), tf32 or fp16 (Tensor Cores);
 * only with the GPU. FALSE: usage error, printed. */
static gboolean
choose_precision (const char *name, TrawlNnBackendKind backend, TrawlNnPrecision *precision)
{
  *precision = TRAWL_NN_PRECISION_FP32;
  if (name == NULL)
    return TRUE;
  if (trawl_nn_precision_from_name (name, precision))
    {
      if (*precision != TRAWL_NN_PRECISION_FP32 && backend != TRAWL_NN_BACKEND_CUDA)
        {
          fprintf (stderr, "trawl index: --precision %s needs the GPU (--device cuda)\n", name);
          return FALSE;
        }
      return TRUE;
    }
  fprintf (stderr, "trawl index: --precision must be fp32, tf32 or fp16, not '%s'\n", name);
  return FALSE;
}

static const GOptionEntry index_entries[] = {
  { "camera", 0, 0, G_OPTION_ARG_STRING, &opt_camera, "Camera name (default: the folder name)", "NAME" },
  { "start", 0, 0, G_OPTION_ARG_STRING, &opt_start, "Wall-clock start of ONE file per camera: 2024-03-14T21:05:00+08:00, or local time 2024-03-14 21:05 (refused when two files of a camera would get it: use --times)", "TIME" },
  { "times", 0, 0, G_OPTION_ARG_FILENAME, &opt_times, "CSV with a start time per file: file,camera,start,clock_offset (a trawl-times.csv in an input folder is read too)", "CSV" },
  { "time-pattern", 0, 0, G_OPTION_ARG_STRING, &opt_pattern, "Start time in file names, e.g. cam_%Y%m%d_%H%M%S (without it, common recorder forms such as 20240314_210500 are recognised)", "PATTERN" },
  { "clock-offset", 0, 0, G_OPTION_ARG_DOUBLE, &opt_offset, "Seconds to add to the camera's clock to get true UTC; a new value also moves the times of its footage indexed before (audited; see trawl camera set)", "SECONDS" },
  { "fps", 0, 0, G_OPTION_ARG_DOUBLE, &opt_fps, "Sampled frames per second of video (default 2)", "N" },
  { "keyframes", 0, 0, G_OPTION_ARG_NONE, &opt_keyframes, "Decode key frames only (fast, coarse)", NULL },
  { "scene-threshold", 0, 0, G_OPTION_ARG_DOUBLE, &opt_scene, "Skip frames that changed less than this (0-255, e.g. 2)", "T" },
  { "motion-gate", 0, 0, G_OPTION_ARG_STRING, &opt_motion, "auto (default): frames that show nothing new since the last analysed one skip the detectors; off: analyse every sampled frame", "MODE" },
  { "motion-interval", 0, 0, G_OPTION_ARG_DOUBLE, &opt_motion_interval, "With the motion gate, analyse a frame at least every S seconds of video (default 10)", "S" },
  { "face-tiles", 0, 0, G_OPTION_ARG_STRING, &opt_face_tiles, "Where faces are looked for besides the whole frame: auto (default: 800-px tiles on frames over 1400 px, finding faces of 50-60 px in 1080p at about twice the cost), off (whole frame only: faster, misses small faces), or a tile side in px (256-4096)", "auto|off|PX" },
  { "no-faces", 0, 0, G_OPTION_ARG_NONE, &opt_no_faces, "Do not look for faces", NULL },
  { "no-plates", 0, 0, G_OPTION_ARG_NONE, &opt_no_plates, "Do not look for plates", NULL },
  { "queue", 0, 0, G_OPTION_ARG_INT, &opt_queue, "Decoded frames buffered ahead of detection (default 8)", "N" },
  { "workers", 0, 0, G_OPTION_ARG_INT, &opt_workers, "Detector workers: 2 runs faces and plates side by side (default: 1 on the CPU, 2 on the GPU)", "N" },
  { "device", 0, 0, G_OPTION_ARG_STRING, &opt_device, "cpu, cuda or auto (default: auto, the GPU when there is one)", "DEVICE" },
  { "precision", 0, 0, G_OPTION_ARG_STRING, &opt_precision, "GPU arithmetic: fp32 (default, matches the CPU), tf32 or fp16 (Tensor Cores)", "P" },
  { "batch", 0, 0, G_OPTION_ARG_INT, &opt_batch, "Frames taken through the detectors together (default 4; on the GPU their networks run as one batch)", "N" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print progress and the summary as JSON lines", NULL },
  { "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt_quiet, "No progress line", NULL },
  { "force-new-catalog", 0, 0, G_OPTION_ARG_NONE, &opt_force_new_catalog, "Start a new catalog in a case folder whose catalog.sqlite is missing or empty but that still holds vector files (they are rebuilt)", NULL },
  { NULL }
};

static void
on_signal (int sig)
{
  (void) sig;
  g_atomic_int_set (&cancel_flag, 1);
  signal (SIGINT, SIG_DFL);  /* a second Ctrl-C kills at once */
}

static void
print_json_progress (const TrawlIndexProgress *p, const char *type)
{
  printf ("{\"type\":\"%s\",\"files_done\":%u,\"files_total\":%u,\"indexed\":%u,"
          "\"skipped\":%u,\"failed\":%u,\"video_s_done\":%.2f,\"frames\":%" G_GUINT64_FORMAT
          ",\"frames_gated\":%" G_GUINT64_FORMAT
          ",\"sampled_fps\":%.2f,\"faces\":%" G_GUINT64_FORMAT ",\"plates\":%" G_GUINT64_FORMAT
          ",\"face_tracks\":%" G_GUINT64_FORMAT ",\"plate_tracks\":%" G_GUINT64_FORMAT
          ",\"elapsed_s\":%.2f,\"eta_s\":%.1f,\"stages_s\":{\"hash\":%.3f,\"decode\":%.3f,"
          "\"faces\":%.3f,\"plates\":%.3f,\"track\":%.3f,\"write\":%.3f,\"vectors\":%.3f,"
          "\"face_detect\":%.3f,\"face_landmarks\":%.3f,\"face_embed\":%.3f,"
          "\"plate_detect\":%.3f,\"plate_read\":%.3f},"
          "\"decode\":{\"nvdec_videos\":%u,\"gpu_frames_videos\":%u}",
          type, p->files_done, p->files_total, p->videos_indexed, p->videos_skipped,
          p->videos_failed, p->video_s_done, p->frames_sampled, p->frames_gated,
          p->elapsed_s > 0 ? p->frames_sampled / p->elapsed_s : 0.0, p->faces, p->plates,
          p->face_tracks, p->plate_tracks, p->elapsed_s, p->eta_s, p->t_hash, p->t_decode,
          p->t_faces, p->t_plates, p->t_track, p->t_write, p->t_vectors, p->t_face_detect,
          p->t_face_landmarks, p->t_face_embed, p->t_plate_detect, p->t_plate_read,
          p->videos_nvdec, p->videos_gpu_frames);
  /* File names as JSON strings: valid UTF-8 whatever bytes the name has
   * (g_strescape's octal escapes are not JSON). */
  if (p->current != NULL)
    {
      g_autofree char *name = trawl_cli_display_name (p->current);
      g_autofree char *q = trawl_cli_json_quote (name);
      printf (",\"current\":%s", q);
    }
  printf (",\"failures\":[");
  for (guint i = 0; p->failures != NULL && i < p->failures->len; i++)
    {
      g_autofree char *q = trawl_cli_json_quote (p->failures->pdata[i]);
      printf ("%s%s", i ? "," : "", q);
    }
  printf ("]}\n");
  fflush (stdout);
}

static void
on_progress (const TrawlIndexProgress *p, gpointer data)
{
  (void) data;
  if (opt_json)
    {
      print_json_progress (p, "progress");
      return;
    }
  if (opt_quiet || !isatty (STDERR_FILENO))
    return;
  g_autofree char *vdone = trawl_format_duration (p->video_s_done);
  /* No ETA for the first seconds of decoding: it would be far off. */
  g_autofree char *eta = p->eta_s < 0 ? g_strdup ("estimating\342\200\246")
                                      : trawl_format_duration (p->eta_s);
  fprintf (stderr, "\r\033[K%u/%u files, %s of video, %.1f frames/s, ETA %s, "
           "%" G_GUINT64_FORMAT " faces, %" G_GUINT64_FORMAT " plates",
           p->files_done, p->files_total, vdone,
           p->elapsed_s > 0 ? p->frames_sampled / p->elapsed_s : 0.0, eta, p->faces, p->plates);
  fflush (stderr);
}

static void
print_summary (const TrawlIndexProgress *p)
{
  if (opt_json)
    {
      print_json_progress (p, "summary");
      return;
    }
  if (!opt_quiet && isatty (STDERR_FILENO))
    fprintf (stderr, "\r\033[K");
  g_autofree char *el = trawl_format_duration (p->elapsed_s);
  printf ("videos: %u indexed, %u skipped (already indexed), %u failed\n",
          p->videos_indexed, p->videos_skipped, p->videos_failed);
  for (guint i = 0; i < p->failures->len; i++)
    {
      g_autofree char *line = g_utf8_make_valid (p->failures->pdata[i], -1);
      printf ("  failed: %s\n", line);
    }
  g_autofree char *vt = trawl_format_duration (p->video_s_done);
  printf ("video time: %s in %s (%.2fx real time), %" G_GUINT64_FORMAT " frames sampled\n",
          vt, el, p->elapsed_s > 0 ? p->video_s_done / p->elapsed_s : 0.0,
          p->frames_sampled);
  if (p->frames_gated > 0)
    printf ("motion gate: %" G_GUINT64_FORMAT " of them still, not analysed\n", p->frames_gated);
  printf ("sightings: %" G_GUINT64_FORMAT " faces, %" G_GUINT64_FORMAT " plates\n",
          p->faces, p->plates);
  printf ("tracks: %" G_GUINT64_FORMAT " faces, %" G_GUINT64_FORMAT " plates\n",
          p->face_tracks, p->plate_tracks);
  printf ("time per stage (s): hash %.2f, decode %.2f (own thread), faces %.2f "
          "(detect+landmarks+embed), plates %.2f (detect+read), track %.2f, write %.2f, "
          "vectors %.2f\n", p->t_hash, p->t_decode, p->t_faces, p->t_plates, p->t_track,
          p->t_write, p->t_vectors);
  printf ("  of which engine runs (s): face detect %.2f, landmarks %.2f, embed %.2f; "
          "plate detect %.2f, read %.2f\n", p->t_face_detect, p->t_face_landmarks,
          p->t_face_embed, p->t_plate_detect, p->t_plate_read);
  if (p->videos_nvdec > 0)
    printf ("decode: NVDEC for %u of %u videos, frames kept on the GPU for %u\n",
            p->videos_nvdec, p->videos_indexed, p->videos_gpu_frames);
}

static gboolean
parse_start (double *utc)
{
  g_autoptr (GError) error = NULL;
  *utc = NAN;
  if (opt_start == NULL)
    return TRUE;
  if (!trawl_parse_time (opt_start, utc, &error))
    {
      fprintf (stderr, "trawl index: --start: %s\n", error->message);
      return FALSE;
    }
  return TRUE;
}

int
trawl_cmd_index (int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("CASE INPUT...");
  g_autoptr (GError) error = NULL;
  g_autofree char *cmdline = g_strjoinv (" ", argv);

  g_option_context_set_summary (ctx,
    "Index footage files and folders (recursively) into the case directory CASE.\n"
    "Finished videos (same SHA-256) are skipped; a video cut short by a crash is redone.\n"
    "\n"
    "Each file's wall-clock start comes from, first found: its row in a times CSV\n"
    "(--times, or trawl-times.csv in an input folder), --start (one file a camera),\n"
    "--time-pattern on the file name, the container's creation_time, a common recorder\n"
    "file-name form (20240314_210500, ch01_20240314210500, 2024-03-14_21-05-00, ...);\n"
    "else its times are unknown. trawl info CASE --json shows each video's source.");
  g_option_context_set_description (ctx,
    "Exit status: 0 every input indexed (or already indexed), 1 an error that stopped the\n"
    "run, 2 a usage error, 3 the run finished but some inputs could not be indexed\n"
    "(each is listed with the reason, and recorded in the case: trawl info CASE).");
  g_option_context_add_main_entries (ctx, index_entries, NULL);
  if (!trawl_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc < 3)
    {
      fprintf (stderr, "trawl index: need CASE and at least one INPUT (see --help)\n");
      return 2;
    }
  TrawlIndexOptions opts;
  trawl_index_options_init (&opts);
  if (!parse_start (&opts.start_utc))
    return 2;
  if (opt_fps <= 0 || opt_queue <= 0)
    {
      fprintf (stderr, "trawl index: --fps and --queue must be positive\n");
      return 2;
    }
  if (opt_camera != NULL && *g_strstrip (opt_camera) == '\0')
    {
      fprintf (stderr, "trawl index: --camera needs a name\n");
      return 2;
    }
  opts.camera = opt_camera;
  opts.time_pattern = opt_pattern;
  opts.times_csv = opt_times;
  opts.clock_offset_s = opt_offset;
  opts.sample_fps = opt_fps;
  opts.keyframes_only = opt_keyframes;
  opts.scene_threshold = opt_scene;
  if (opt_motion != NULL && !g_str_equal (opt_motion, "auto") && !g_str_equal (opt_motion, "off"))
    {
      fprintf (stderr, "trawl index: --motion-gate must be auto or off, not '%s'\n", opt_motion);
      return 2;
    }
  opts.motion_gate = g_strcmp0 (opt_motion, "off") == 0 ? TRAWL_INDEX_MOTION_GATE_OFF
                                                        : TRAWL_INDEX_MOTION_GATE_AUTO;
  opts.motion_interval_s = opt_motion_interval;
  if (!parse_face_tiles (opt_face_tiles, &opts.face_tile))
    return 2;
  opts.no_faces = opt_no_faces;
  opts.no_plates = opt_no_plates;
  opts.queue_depth = opt_queue;
  /* On the GPU the two detectors' streams overlap and each keeps a CPU
   * thread for its own post-processing; on the CPU one engine on all cores
   * is faster (benchmarks/index.py). */
  opts.detect_workers = opt_workers > 0 ? opt_workers
                        : opts.backend == TRAWL_NN_BACKEND_CUDA ? 2 : 1;
  if (!choose_backend (opt_device, &opts.backend)
      || !choose_precision (opt_precision, opts.backend, &opts.precision))
    return 2;
  if (opt_batch < 1 || opt_batch > 8)
    {
      fprintf (stderr, "trawl index: --batch must be 1 to 8\n");
      return 2;
    }
  opts.batch_frames = opt_batch;
  opts.progress = on_progress;
  opts.command_line = cmdline;
  opts.force_new_catalog = opt_force_new_catalog;
  opts.cancel = &cancel_flag;
  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);

  TrawlIndexProgress final = { 0 };
  gboolean ok = trawl_index_run (argv[1], (const char *const *) argv + 2, argc - 2, &opts,
                                 &final, &error);
  if (ok || final.files_done > 0)
    print_summary (&final);
  g_ptr_array_unref (final.failures);
  /* refused before anything was written: --start for many files, a bad times CSV */
  if (!ok && g_error_matches (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG))
    {
      fprintf (stderr, "trawl index: %s\n", error->message);
      return 2;
    }
  if (!ok)
    return trawl_cli_fail (&error);
  /* Like rsync's partial-transfer status: the run finished, but not every
   * input made it into the case. */
  if (final.videos_failed > 0)
    {
      fprintf (stderr, "trawl index: %u of %u input%s could not be indexed (listed above); "
               "exit status 3\n", final.videos_failed, final.files_total,
               final.files_total == 1 ? "" : "s");
      return 3;
    }
  return 0;
}
