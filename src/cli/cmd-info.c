/* cmd-info.c - `trawl info`: without a case, this build (versions, GPU,
 * models); with CASE, the case summary (once the indexer exists). */
#include "trawl-config.h"
#include "cli.h"

#include <trawl/base.h>
#include <trawl/gpu.h>

#include <stdio.h>

static gboolean opt_json;

static const GOptionEntry info_entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print as JSON", NULL },
  { NULL }
};

static int
print_build_info (void)
{
  TrawlGpuInfo gpu;
  g_autoptr(GError) gpu_error = NULL;
  gboolean have_gpu = trawl_gpu_probe (&gpu, &gpu_error);
  const char *path = have_gpu ? "cuda" : "cpu";

  if (opt_json)
    {
      printf ("{\"version\":\"%s\",\"cuda_built\":%s,\"gpu\":%s,\"gpu_name\":\"%s\","
              "\"path\":\"%s\",\"models_dir\":\"%s\"}\n",
              trawl_version (), TRAWL_HAVE_CUDA ? "true" : "false",
              have_gpu ? "true" : "false", have_gpu ? gpu.name : "", path,
              trawl_models_dir ());
      return 0;
    }
  printf ("trawl %s\n", trawl_version ());
  printf ("CUDA in build: %s\n", TRAWL_HAVE_CUDA ? "yes" : "no");
  if (have_gpu)
    printf ("GPU: %s, compute %d.%d, %.1f GiB; driver %d, runtime %d, cuDNN %d\n",
            gpu.name, gpu.cc_major, gpu.cc_minor, gpu.memory_bytes / (1024.0 * 1024 * 1024),
            gpu.driver_version, gpu.runtime_version, gpu.cudnn_version);
  else
    printf ("GPU: none usable (%s)\n", gpu_error->message);
  printf ("Compute path: %s\n", path);
  printf ("Models: %s\n", trawl_models_dir ());
  return 0;
}

int
trawl_cmd_info (int argc, char **argv)
{
  g_autoptr(GOptionContext) ctx = g_option_context_new ("[CASE]");

  g_option_context_set_summary (ctx,
    "Without CASE: this build's versions, the GPU and compute path in use, the model cache.\n"
    "With CASE: a summary of the case directory.");
  g_option_context_add_main_entries (ctx, info_entries, NULL);
  if (!trawl_cli_parse (ctx, &argc, &argv))
    return 2;
  if (argc > 2)
    {
      fprintf (stderr, "trawl info: one case at a time\n");
      return 2;
    }
  if (argc == 2)
    return trawl_cli_not_built ("info", "summarising a case (the indexer)");
  return print_build_info ();
}
