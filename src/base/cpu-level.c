/* cpu-level.c - the CPU dispatch level (TRAWL_CPU_LEVEL): what this CPU
 * runs, which kernels OpenBLAS loaded, holding FFmpeg to the level, and the
 * restart that brings a forced level into effect (OpenBLAS picks its
 * kernels when it is loaded, from OPENBLAS_CORETYPE, so only a new process
 * can change them).
 *
 * The level is per process and read once; nothing here runs per frame.
 */
#include "trawl-config.h"

#include <trawl/base.h>

#include <errno.h>
#include <libavutil/cpu.h>
#include <string.h>
#include <unistd.h>

/* OpenBLAS's own; its cblas.h declares them too, repeated here so that
 * another BLAS fails to link rather than silently ignoring the level. */
char *openblas_get_corename (void);
char *openblas_get_config (void);

#define LEVEL_ENV "TRAWL_CPU_LEVEL"
#define CORE_ENV  "OPENBLAS_CORETYPE"

/* The OpenBLAS kernel set each level forces: Prescott is the lowest an
 * x86-64 DYNAMIC_ARCH build has (SSE3); AMD's AVX2 parts pick Zen, whose
 * sgemm gives Haswell's bytes (checked on OpenBLAS 0.3.21); CPUs with
 * AVX-512 BF16 pick Cooperlake, whose sgemm differs from SkylakeX's in
 * the last bits, so the avx512 level is the kernels every AVX-512 CPU can
 * run. */
static const char *const level_core[] = { "Prescott", "Haswell", "SkylakeX" };
static const char *const level_names[] = { "baseline", "avx2", "avx512" };

/* OpenBLAS kernel sets that use AVX2+FMA or AVX-512; every other one (SSE
 * generations, Sandybridge's AVX without FMA) counts as baseline. */
static const char *const avx2_cores[] = { "Haswell", "Zen", "Excavator", NULL };
static const char *const avx512_cores[] = { "SkylakeX", "Cooperlake", "SapphireRapids", NULL };

const char *
trawl_cpu_level_name (TrawlCpuLevel level)
{
  g_return_val_if_fail (level >= TRAWL_CPU_LEVEL_BASELINE && level <= TRAWL_CPU_LEVEL_AVX512,
                        "?");
  return level_names[level];
}

gboolean
trawl_cpu_level_parse (const char *name, TrawlCpuLevel *level, GError **error)
{
  for (int l = 0; l < (int) G_N_ELEMENTS (level_names); l++)
    if (name != NULL && g_ascii_strcasecmp (name, level_names[l]) == 0)
      {
        *level = (TrawlCpuLevel) l;
        return TRUE;
      }
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
               "unknown CPU level '%s': expected baseline, avx2 or avx512",
               name != NULL ? name : "");
  return FALSE;
}

TrawlCpuLevel
trawl_cpu_level_max (void)
{
#if defined(__x86_64__)
  /* libgcc's probe also checks (XGETBV) that the OS saves the AVX and
   * AVX-512 state, without which the instructions fault. */
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512bw")
      && __builtin_cpu_supports ("avx512dq") && __builtin_cpu_supports ("avx512vl"))
    return TRAWL_CPU_LEVEL_AVX512;
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    return TRAWL_CPU_LEVEL_AVX2;
#endif
  return TRAWL_CPU_LEVEL_BASELINE;
}

const char *
trawl_cpu_level_blas_core (void)
{
  const char *core = openblas_get_corename ();
  return core != NULL ? core : "unknown";
}

static gboolean
in_list (const char *core, const char *const *list)
{
  for (; *list != NULL; list++)
    if (g_ascii_strcasecmp (core, *list) == 0)
      return TRUE;
  return FALSE;
}

static TrawlCpuLevel
core_level (const char *core)
{
  if (in_list (core, avx512_cores))
    return TRAWL_CPU_LEVEL_AVX512;
  if (in_list (core, avx2_cores))
    return TRAWL_CPU_LEVEL_AVX2;
  return TRAWL_CPU_LEVEL_BASELINE;
}

/* The forced level: TRUE with *forced FALSE when none is asked for; FALSE
 * with error for a value that cannot be run here. */
static gboolean
requested (TrawlCpuLevel *level, gboolean *forced, GError **error)
{
  const char *env = g_getenv (LEVEL_ENV);

  *forced = FALSE;
  if (env == NULL || *env == '\0' || g_ascii_strcasecmp (env, "auto") == 0)
    return TRUE;
  if (!trawl_cpu_level_parse (env, level, NULL))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "%s=%s: unknown CPU level; expected baseline, avx2, avx512 or auto",
                   LEVEL_ENV, env);
      return FALSE;
    }
#if !defined(__x86_64__)
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
               "%s=%s: CPU levels are for x86-64 only; unset it", LEVEL_ENV, env);
  return FALSE;
#endif
  TrawlCpuLevel max = trawl_cpu_level_max ();
  if (*level > max)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG,
                   "%s=%s: this CPU lacks %s; it runs up to %s", LEVEL_ENV, env,
                   *level == TRAWL_CPU_LEVEL_AVX512 ? "AVX-512 (F, BW, DQ, VL)" : "AVX2 and FMA",
                   level_names[max]);
      return FALSE;
    }
  *forced = TRUE;
  return TRUE;
}

/* The FFmpeg flags of a level: baseline keeps the x86-64 base (MMX..SSE2),
 * avx2 drops AVX-512. Applied before any codec or scaler context exists,
 * since those pick their functions when made. */
static void
hold_ffmpeg (TrawlCpuLevel level)
{
  int flags = av_get_cpu_flags ();

#if defined(__x86_64__)
  if (level == TRAWL_CPU_LEVEL_BASELINE)
    flags &= AV_CPU_FLAG_MMX | AV_CPU_FLAG_MMXEXT | AV_CPU_FLAG_SSE | AV_CPU_FLAG_SSE2
             | AV_CPU_FLAG_CMOV;
  else if (level == TRAWL_CPU_LEVEL_AVX2)
    flags &= ~(AV_CPU_FLAG_AVX512 | AV_CPU_FLAG_AVX512ICL);
#endif
  av_force_cpu_flags (flags);
}

typedef struct {
  gboolean forced;    /* TRAWL_CPU_LEVEL asked for a level */
  GError  *error;     /* why the process cannot run it; NULL when fine */
} CheckState;

/* The variable read, checked against the loaded kernels and FFmpeg held to
 * it, on the first call; the same answer after that. */
static const CheckState *
check_state (void)
{
  static gsize once;  /* a CheckState *, made once, lives for the process */

  if (g_once_init_enter (&once))
    {
      CheckState *st = g_new0 (CheckState, 1);
      TrawlCpuLevel level = TRAWL_CPU_LEVEL_BASELINE;

      if (requested (&level, &st->forced, &st->error) && st->forced)
        {
          const char *core = trawl_cpu_level_blas_core ();
          if (g_ascii_strcasecmp (core, level_core[level]) != 0)
            g_set_error (&st->error, TRAWL_ERROR, TRAWL_ERROR_FAILED,
                         "%s=%s needs OpenBLAS's %s kernels, but %s's are loaded (%s): "
                         "start the process with %s=%s (the trawl command does this "
                         "itself)", LEVEL_ENV, level_names[level], level_core[level], core,
                         openblas_get_config (), CORE_ENV, level_core[level]);
          else
            hold_ffmpeg (level);
        }
      g_once_init_leave (&once, (gsize) st);
    }
  return (const CheckState *) once;
}

gboolean
trawl_cpu_level_check (GError **error)
{
  const CheckState *st = check_state ();

  if (st->error != NULL)
    {
      g_propagate_error (error, g_error_copy (st->error));
      return FALSE;
    }
  return TRUE;
}

TrawlCpuLevel
trawl_cpu_level_current (gboolean *forced)
{
  const CheckState *st = check_state ();

  /* forced only when in effect: then the kernels are the level's own */
  if (forced != NULL)
    *forced = st->forced && st->error == NULL;
  return core_level (trawl_cpu_level_blas_core ());
}

gboolean
trawl_cpu_level_reexec (char **argv, GError **error)
{
  TrawlCpuLevel level = TRAWL_CPU_LEVEL_BASELINE;
  gboolean forced;

  g_return_val_if_fail (argv != NULL && argv[0] != NULL, FALSE);
  if (!requested (&level, &forced, error))
    return FALSE;
  if (!forced || g_ascii_strcasecmp (trawl_cpu_level_blas_core (), level_core[level]) == 0)
    return trawl_cpu_level_check (error);
  /* Set already and still not in effect: a restart would change nothing */
  const char *core_env = g_getenv (CORE_ENV);
  if (core_env != NULL && g_ascii_strcasecmp (core_env, level_core[level]) == 0)
    return trawl_cpu_level_check (error);
  g_setenv (CORE_ENV, level_core[level], TRUE);
  execv ("/proc/self/exe", argv);
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED,
               "%s=%s: could not restart with %s=%s: %s", LEVEL_ENV, level_names[level],
               CORE_ENV, level_core[level], g_strerror (errno));
  return FALSE;
}
