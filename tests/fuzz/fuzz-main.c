/* fuzz-main.c - the trawl-fuzz program: runs N mutated inputs through one
 * target (or all), in this process.
 *
 *   trawl-fuzz --target onnx --execs 20000 --seed 7 --work /tmp/f
 *   trawl-fuzz --list
 *   trawl-fuzz --target labels-csv --replay crash-input.csv
 *
 * A parser that rejects an input is fine. A crash, a sanitizer report or a
 * hang (no answer in --timeout seconds: SIGALRM ends the process) is a
 * failure: the process dies, and WORK/current names the input file (under
 * WORK) and its execution number, so a driver (scripts/fuzz) can save it
 * and carry on with another seed. Exit status: 0 done, 1 usage or no
 * seeds with --require-seeds, 77 no seeds (meson's "skipped").
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libavutil/log.h>
#include <trawl/base.h>

static char *opt_target, *opt_work, *opt_replay;
static gint64 opt_execs = 200;
static gint64 opt_seed = 1;
static int opt_timeout = 20;
static gboolean opt_list;

static const GOptionEntry entries[] = {
  { "target", 't', 0, G_OPTION_ARG_STRING, &opt_target, "Target to run ('all' for every one)", "NAME" },
  { "execs", 'n', 0, G_OPTION_ARG_INT64, &opt_execs, "Inputs per target (default 200)", "N" },
  { "seed", 's', 0, G_OPTION_ARG_INT64, &opt_seed, "PRNG seed (default 1)", "S" },
  { "work", 'w', 0, G_OPTION_ARG_FILENAME, &opt_work, "Scratch folder (default: a new one in /tmp, removed after)", "DIR" },
  { "timeout", 0, 0, G_OPTION_ARG_INT, &opt_timeout, "Seconds one input may take (default 20)", "S" },
  { "replay", 0, 0, G_OPTION_ARG_FILENAME, &opt_replay, "Run this one input (unmutated) through --target", "FILE" },
  { "list", 0, 0, G_OPTION_ARG_NONE, &opt_list, "List the targets", NULL },
  { NULL }
};

/* Which input runs now, for the driver to find after a crash. */
static void
mark_current (const char *work, const char *path, gint64 exec)
{
  g_autofree char *mark = g_build_filename (work, "current", NULL);
  g_autofree char *text = g_strdup_printf ("%s\n%" G_GINT64_FORMAT "\n", path, exec);

  g_file_set_contents (mark, text, -1, NULL);
}

static gboolean
feed (const FuzzTarget *t, const char *work, const char *name, const guint8 *data, gsize len,
      gint64 exec)
{
  g_autofree char *path = g_build_filename (work, name, NULL);

  if (!g_file_set_contents (path, (const char *) data, (gssize) len, NULL))
    {
      fprintf (stderr, "trawl-fuzz: cannot write %s\n", path);
      exit (1);
    }
  mark_current (work, path, exec);
  alarm (opt_timeout);
  gboolean ok = t->run (path, data, len, work);
  alarm (0);
  return ok;
}

/* Runs opt_execs mutants of t's seeds; prints one summary line. Returns
 * FALSE when t has no seeds. */
static gboolean
run_target (const FuzzTarget *t, const char *work)
{
  g_autoptr (GPtrArray) seeds = g_ptr_array_new_with_free_func ((GDestroyNotify) fuzz_seed_free);
  g_autoptr (GError) error = NULL;
  g_autoptr (GRand) rng = g_rand_new_with_seed ((guint32) opt_seed);
  gint64 accepted = 0;
  gint64 t0 = g_get_monotonic_time ();

  if (!t->collect (seeds, work, &error))
    {
      printf ("%s: skipped: %s\n", t->name, error->message);
      return FALSE;
    }
  /* The seeds themselves first: each must go through without a crash. */
  for (guint i = 0; i < seeds->len; i++)
    {
      FuzzSeed *s = seeds->pdata[i];
      gsize len;
      const guint8 *d = g_bytes_get_data (s->bytes, &len);
      feed (t, work, s->name, d, len, -1 - (gint64) i);
    }
  for (gint64 e = 0; e < opt_execs; e++)
    {
      FuzzSeed *s = seeds->pdata[g_rand_int_range (rng, 0, (gint32) seeds->len)];
      FuzzSeed *o = seeds->pdata[g_rand_int_range (rng, 0, (gint32) seeds->len)];
      g_autoptr (GByteArray) in = t->json && g_rand_boolean (rng)
                                    ? fuzz_mutate_json (rng, s->bytes) : NULL;
      if (in == NULL)
        in = fuzz_mutate (rng, s->bytes, o->bytes, t->hot_bytes);
      accepted += feed (t, work, s->name, in->data, in->len, e) ? 1 : 0;
    }
  printf ("%s: %" G_GINT64_FORMAT " executions, %" G_GINT64_FORMAT " accepted, %u seeds, "
          "%.1f s, 0 crashes (parser: %s)\n",
          t->name, opt_execs, accepted, seeds->len, (g_get_monotonic_time () - t0) / 1e6,
          t->parser);
  fflush (stdout);
  return TRUE;
}

static int
replay (const FuzzTarget *t, const char *work)
{
  g_autoptr (GPtrArray) seeds = g_ptr_array_new_with_free_func ((GDestroyNotify) fuzz_seed_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len;

  /* collect also sets up what the target needs beside the input. */
  if (!t->collect (seeds, work, &error) || !g_file_get_contents (opt_replay, &data, &len, &error))
    {
      fprintf (stderr, "trawl-fuzz: %s\n", error->message);
      return 1;
    }
  g_autofree char *base = g_path_get_basename (opt_replay);
  /* Some parsers go by the name: the input keeps its own where a seed has
   * it (a saved crash input is named as its seed), else takes the first
   * seed's. */
  const char *name = seeds->len ? ((FuzzSeed *) seeds->pdata[0])->name : base;
  for (guint i = 0; i < seeds->len; i++)
    if (g_str_has_suffix (base, ((FuzzSeed *) seeds->pdata[i])->name))
      name = ((FuzzSeed *) seeds->pdata[i])->name;
  gboolean ok = feed (t, work, name, (guint8 *) data, len, 0);
  printf ("%s: %s: %s, no crash\n", t->name, opt_replay, ok ? "accepted" : "rejected");
  return 0;
}

/* Warnings about damaged input are expected and dropped; a critical (a
 * g_return_if_fail reached from file data) is a bug, so it aborts. */
static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR))
    {
      g_log_writer_standard_streams (level, fields, n_fields, data);
      abort ();
    }
  return G_LOG_WRITER_HANDLED;
}

static void
remove_tree (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *n;

  while (d != NULL && (n = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, n, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_DIR) && !g_file_test (p, G_FILE_TEST_IS_SYMLINK))
        remove_tree (p);
      else
        g_unlink (p);
    }
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- mutation fuzzing of trawl's parsers");
  g_autoptr (GError) error = NULL;
  guint n;
  const FuzzTarget *targets = fuzz_targets (&n);
  int ran = 0, status = 0;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      fprintf (stderr, "trawl-fuzz: %s\n", error->message);
      return 1;
    }
  if (opt_list || opt_target == NULL)
    {
      for (guint i = 0; i < n; i++)
        printf ("%-18s %s\n", targets[i].name, targets[i].parser);
      return opt_list ? 0 : 1;
    }
  /* Quiet: damaged input makes FFmpeg and GLib talk; errors are expected. */
  g_log_set_writer_func (log_writer, NULL, NULL);
  av_log_set_level (AV_LOG_QUIET);
  gboolean own_work = opt_work == NULL;
  g_autofree char *work = own_work ? g_dir_make_tmp ("trawl-fuzz-XXXXXX", &error)
                                   : g_strdup (opt_work);
  if (work == NULL || g_mkdir_with_parents (work, 0700) != 0)
    {
      fprintf (stderr, "trawl-fuzz: no work folder: %s\n", error ? error->message : opt_work);
      return 1;
    }
  for (guint i = 0; i < n; i++)
    {
      if (g_strcmp0 (opt_target, "all") != 0 && g_strcmp0 (opt_target, targets[i].name) != 0)
        continue;
      g_autofree char *sub = g_build_filename (work, targets[i].name, NULL);
      g_mkdir_with_parents (sub, 0700);
      if (opt_replay != NULL)
        status = replay (&targets[i], sub);
      else
        ran += run_target (&targets[i], sub) ? 1 : 0;
      if (opt_replay == NULL && own_work)
        remove_tree (sub);
    }
  if (own_work)
    remove_tree (work);
  if (opt_replay != NULL)
    return status;
  return ran > 0 ? 0 : 77;
}
