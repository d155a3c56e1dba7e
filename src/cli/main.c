/* main.c - `trawl`: dispatches to one command per file (cmd-*.c) and
 * prints version information. Commands are thin: they parse options and
 * call libtrawl's public API. */
#include "trawl-config.h"
#include "cli.h"

#include <trawl/base.h>
#include <trawl/catalog.h>
#include <trawl/gpu.h>

#include <faiss/c_api/faiss_c.h>
#include <json-glib/json-glib.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/log.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  const char      *name;
  TrawlCommandFunc run;
  const char      *summary;
} TrawlCommand;

static const TrawlCommand commands[] = {
  { "index",  trawl_cmd_index,  "index footage into a case (faces, plates, tracks)" },
  { "search", trawl_cmd_search, "search a case by face photo, plate text or plate photo" },
  { "show",   trawl_cmd_show,   "everything about one track: times, video, sightings, thumbnails" },
  { "play",   trawl_cmd_play,   "open a track's video at its best moment" },
  { "tracks", trawl_cmd_tracks, "list the tracks the indexer found in a case" },
  { "export", trawl_cmd_export, "export an evidence clip with SHA-256 and manifest" },
  { "verify", trawl_cmd_verify, "verify an exported evidence package" },
  { "report", trawl_cmd_report, "write a PDF case report of findings" },
  { "eval",   trawl_cmd_eval,   "measure accuracy on a labelled data folder" },
  { "demo",   trawl_cmd_demo,   "build a demo case and run one face and one plate query" },
  { "info",   trawl_cmd_info,   "summarise a case, or this build and its devices" },
  { "audit",  trawl_cmd_audit,  "print a case's audit log and verify its hash chain" },
  { "camera", trawl_cmd_camera, "list a case's cameras; set a camera's clock offset (audited)" },
  { "check",  trawl_cmd_check,  "check a case is whole: catalog, audit chain, vectors, references" },
  { "gui",    trawl_cmd_gui,    "open the desktop app" },
  { "models", trawl_cmd_models, "fetch, verify and list the models" },
  { "nn",     trawl_cmd_nn,     "inspect, run and benchmark a model with the engine" },
};

static void
print_usage (FILE *out)
{
  fprintf (out,
           "Usage: trawl <command> [options]\n"
           "\n"
           "trawl searches archived CCTV footage for faces and licence plates.\n"
           "\n"
           "Commands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-8s %s\n", commands[i].name, commands[i].summary);
  fprintf (out,
           "\n"
           "Run 'trawl <command> --help' for a command's options.\n"
           "Options: --help, --version\n");
}

static void
print_version (void)
{
  unsigned lavc = avcodec_version (), lavf = avformat_version ();

  printf ("trawl %s\n", trawl_version ());
  printf ("  FFmpeg      %s (libavcodec %u.%u.%u, libavformat %u.%u.%u)\n",
          av_version_info (), lavc >> 16, (lavc >> 8) & 0xff, lavc & 0xff,
          lavf >> 16, (lavf >> 8) & 0xff, lavf & 0xff);
  printf ("  FAISS       %s (C API)\n", TRAWL_FAISS_VERSION);
  printf ("  SQLite      %s\n", trawl_catalog_sqlite_version ());
  printf ("  GLib        %u.%u.%u\n", glib_major_version, glib_minor_version, glib_micro_version);
#if TRAWL_HAVE_GTK
  printf ("  GTK         %s (trawl-gui)\n", TRAWL_GTK_VERSION);
#else
  printf ("  GTK         not built (no GTK4 at build time)\n");
#endif
#if TRAWL_HAVE_CUDA
  {
    TrawlGpuInfo gpu;
    int runtime = 0;
    if (!trawl_gpu_probe (&gpu, NULL))
      gpu.cudnn_version = 0;
    runtime = gpu.runtime_version;
    printf ("  CUDA        %s (runtime %d.%d); cuDNN %s, cuBLAS %s: loaded on first GPU use",
            TRAWL_CUDA_VERSION, runtime / 1000, (runtime % 1000) / 10, TRAWL_CUDNN_VERSION,
            TRAWL_CUBLAS_VERSION);
    if (gpu.cudnn_version > 0)
      printf (" (cuDNN %d.%d.%d found)", gpu.cudnn_version / 10000,
              (gpu.cudnn_version % 10000) / 100, gpu.cudnn_version % 100);
    printf ("\n");
  }
#else
  printf ("  CUDA        not built (CPU only)\n");
#endif
  printf ("  models      %s\n", trawl_models_dir ());
}

gboolean
trawl_cli_parse (GOptionContext *ctx, int *argc, char ***argv)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (ctx, argc, argv, &error))
    {
      fprintf (stderr, "trawl %s: %s\nTry 'trawl %s --help'.\n", (*argv)[0],
               error->message, (*argv)[0]);
      return FALSE;
    }
  return TRUE;
}

int
trawl_cli_not_built (const char *command, const char *what)
{
  fprintf (stderr, "trawl %s: %s is not built yet in this version of trawl (%s)\n",
           command, what != NULL ? what : "this command", trawl_version ());
  return 2;
}

char *
trawl_cli_display_name (const char *path)
{
  return path != NULL ? g_filename_display_name (path) : NULL;
}

char *
trawl_cli_json_quote (const char *text)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);

  json_node_set_string (node, valid);
  return json_to_string (node, FALSE);
}

int
trawl_cli_fail (GError **error)
{
  fprintf (stderr, "trawl: %s\n", (error && *error) ? (*error)->message : "failed");
  g_clear_error (error);
  return 1;
}

/* Arguments reach GOptionContext in the locale's encoding, and GLib
 * converts them to UTF-8 from it: without setlocale that is ASCII, and a
 * Chinese plate or a camera name with an accent is refused. Where the
 * user's locale is not UTF-8 at all (LANG unset: "C"), C.UTF-8 is the
 * honest reading of a modern terminal. Numbers stay in the C locale, so
 * tables and JSON always write a decimal point. */
static void
set_locale (void)
{
  const char *charset = NULL;

  setlocale (LC_ALL, "");
  if (!g_get_charset (&charset))
    setlocale (LC_CTYPE, "C.UTF-8");
  setlocale (LC_NUMERIC, "C");
}

int
main (int argc, char **argv)
{
  set_locale ();
  /* trawl reports bad media itself, per file and with the reason; FFmpeg's
   * own chatter (warnings about every damaged frame) only buries that.
   * TRAWL_FFMPEG_LOG=1 brings it back for debugging. */
  av_log_set_level (g_getenv ("TRAWL_FFMPEG_LOG") ? AV_LOG_INFO : AV_LOG_FATAL);
  /* TRAWL_CPU_LEVEL: restarts with OpenBLAS's kernels for it, or refuses */
  {
    g_autoptr(GError) error = NULL;
    if (!trawl_cpu_level_reexec (argv, &error))
      {
        fprintf (stderr, "trawl: %s\n", error->message);
        return 2;
      }
  }
  if (argc < 2)
    {
      print_usage (stderr);
      return 2;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
      strcmp (argv[1], "help") == 0)
    {
      print_usage (stdout);
      return 0;
    }
  if (strcmp (argv[1], "--version") == 0 || strcmp (argv[1], "version") == 0)
    {
      print_version ();
      return 0;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      {
        /* GOptionContext prints "Usage: <prgname> ..." */
        g_autofree char *prgname = g_strdup_printf ("trawl %s", commands[i].name);
        g_set_prgname (prgname);
        return commands[i].run (argc - 1, argv + 1);
      }
  fprintf (stderr, "trawl: unknown command '%s'\n", argv[1]);
  if (argv[1][0] == '-')
    fprintf (stderr, "trawl: options come after the command: trawl <command> %s\n", argv[1]);
  fprintf (stderr, "Run 'trawl --help' for the list of commands.\n");
  return 2;
}
