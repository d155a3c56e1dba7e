/* motion-gate.c - tells a frame that shows something new from one that
 * shows what the detectors last saw (see "the motion gate" in
 * include/trawl/video.h).
 *
 * Works on 64x36 luma thumbnails: a cell is the mean of a box of pixels,
 * so sensor noise and codec flicker shrink by the square root of the box
 * area while anything the size of a face or a plate still moves whole
 * cells. The reference is fitted to the frame (gain and offset) before the
 * cells are compared, so a camera's auto exposure or a cloud is not
 * motion; the fit is made twice, the second time without the cells that
 * changed, so a large moving object does not bend it.
 *
 * Cells that change in every other frame for half a minute (a burned-in
 * clock, a flag, a screen) are left out of the count, as long as they are
 * few: a busy road is many cells, and there every change counts. */
#include <math.h>
#include <string.h>

#include <trawl/video.h>

#include "rules/thumb.h"

#define N_CELLS (TRAWL_VIDEO_THUMB_W * TRAWL_VIDEO_THUMB_H)
#define RATE_FRAMES 32          /* frames of memory of each cell's change rate */
#define RATE_MASK   0.5f        /* a cell changing this often is ignored ... */
#define MASK_MAX    (N_CELLS / 50) /* ... when at most this many (2%) do */

G_STATIC_ASSERT (TRAWL_VIDEO_THUMB_W == TRAWL_THUMB_W && TRAWL_VIDEO_THUMB_H == TRAWL_THUMB_H);

struct _TrawlMotionGate {
  TrawlMotionGateOptions opts;
  gboolean has_ref;
  double   ref_pts_s;      /* pts of the reference (the last frame let through) */
  guint8   ref[N_CELLS];
  gboolean moved[N_CELLS]; /* scratch: cells changed under the current fit */
  float    rate[N_CELLS];  /* how often each cell changed, recently (0..1) */
};

void
trawl_motion_gate_options_init (TrawlMotionGateOptions *opts)
{
  opts->cell_delta = 8.0;
  opts->min_changed = 0.002;
  opts->max_interval_s = 10.0;
}

TrawlMotionGate *
trawl_motion_gate_new (const TrawlMotionGateOptions *opts)
{
  TrawlMotionGate *g = g_new0 (TrawlMotionGate, 1);
  TrawlMotionGateOptions def;
  trawl_motion_gate_options_init (&def);
  if (opts != NULL)
    g->opts = *opts;
  else
    g->opts = def;
  if (g->opts.cell_delta <= 0)
    g->opts.cell_delta = def.cell_delta;
  if (g->opts.min_changed <= 0)
    g->opts.min_changed = def.min_changed;
  if (g->opts.max_interval_s <= 0)
    g->opts.max_interval_s = def.max_interval_s;
  return g;
}

void
trawl_motion_gate_free (TrawlMotionGate *g)
{
  g_free (g);
}

const char *
trawl_motion_verdict_name (TrawlMotionVerdict v)
{
  switch (v)
    {
    case TRAWL_MOTION_FIRST: return "first";
    case TRAWL_MOTION_MOVED: return "moved";
    case TRAWL_MOTION_PERIODIC: return "periodic";
    case TRAWL_MOTION_STILL: default: return "still";
    }
}

/* Least-squares gain and offset taking the reference to t over the cells
 * not marked moved (all of them when skip is FALSE). The gain is kept
 * within [0.5, 2]: beyond that the picture itself changed (lights on). */
static void
fit_brightness (const TrawlMotionGate *g, const guint8 *t, gboolean skip, double *a, double *b)
{
  double n = 0, sr = 0, st = 0, srr = 0, srt = 0;
  for (int i = 0; i < N_CELLS; i++)
    {
      if (skip && g->moved[i])
        continue;
      double r = g->ref[i], v = t[i];
      n++;
      sr += r;
      st += v;
      srr += r * r;
      srt += r * v;
    }
  *a = 1.0;
  *b = 0.0;
  if (n < 1)
    return;
  double var = n * srr - sr * sr;
  /* A flat reference (a black frame) says nothing about gain: offset only. */
  if (var > n * n * 4.0)
    *a = CLAMP ((n * srt - sr * st) / var, 0.5, 2.0);
  *b = (st - *a * sr) / n;
}

/* Marks the cells of t that differ from the fitted reference; returns
 * their count. The prediction clips like the sensor does: a brighter
 * exposure that saturates the sky is no motion. */
static int
mark_moved (TrawlMotionGate *g, const guint8 *t, double a, double b)
{
  int count = 0;
  for (int i = 0; i < N_CELLS; i++)
    {
      double want = CLAMP (a * g->ref[i] + b, 0.0, 255.0);
      g->moved[i] = fabs (t[i] - want) > g->opts.cell_delta;
      count += g->moved[i];
    }
  return count;
}

static void
take_reference (TrawlMotionGate *g, const guint8 *thumb, double pts_s)
{
  memcpy (g->ref, thumb, N_CELLS);
  g->ref_pts_s = pts_s;
  g->has_ref = TRUE;
}

/* The changed cells that count: all of them, less the few that always
 * change. Updates the change rates with this frame. */
static int
count_moved (TrawlMotionGate *g)
{
  int n_always = 0, count = 0, count_all = 0;
  for (int i = 0; i < N_CELLS; i++)
    n_always += g->rate[i] > RATE_MASK;
  gboolean mask = n_always <= MASK_MAX;
  for (int i = 0; i < N_CELLS; i++)
    {
      count_all += g->moved[i];
      count += g->moved[i] && !(mask && g->rate[i] > RATE_MASK);
      g->rate[i] += ((g->moved[i] ? 1.0f : 0.0f) - g->rate[i]) / RATE_FRAMES;
    }
  return mask ? count : count_all;
}

TrawlMotionVerdict
trawl_motion_gate_check (TrawlMotionGate *g, const guint8 *thumb, double pts_s, double *changed)
{
  double a, b;
  if (changed != NULL)
    *changed = 0;
  if (thumb == NULL)
    return TRAWL_MOTION_FIRST;
  if (!g->has_ref)
    {
      take_reference (g, thumb, pts_s);
      return TRAWL_MOTION_FIRST;
    }
  fit_brightness (g, thumb, FALSE, &a, &b);
  int count = mark_moved (g, thumb, a, b);
  /* Refit without the moving cells, unless nearly all moved (a cut). */
  if (count > 0 && count < N_CELLS / 2)
    {
      fit_brightness (g, thumb, TRUE, &a, &b);
      count = mark_moved (g, thumb, a, b);
    }
  count = count_moved (g);
  double frac = (double) count / N_CELLS;
  if (changed != NULL)
    *changed = frac;
  TrawlMotionVerdict v = TRAWL_MOTION_STILL;
  if (frac >= g->opts.min_changed)
    v = TRAWL_MOTION_MOVED;
  else if (pts_s - g->ref_pts_s >= g->opts.max_interval_s)
    v = TRAWL_MOTION_PERIODIC;
  if (v != TRAWL_MOTION_STILL)
    take_reference (g, thumb, pts_s);
  return v;
}

void
trawl_video_thumb_from_image (const TrawlImage *img, guint8 *out)
{
  for (int ty = 0; ty < TRAWL_THUMB_H; ty++)
    {
      int y0, y1;
      trawl_thumb_span (ty, TRAWL_THUMB_H, img->height, &y0, &y1);
      for (int tx = 0; tx < TRAWL_THUMB_W; tx++)
        {
          int x0, x1;
          guint32 sum = 0;
          trawl_thumb_span (tx, TRAWL_THUMB_W, img->width, &x0, &x1);
          for (int y = y0; y < y1; y++)
            {
              const guint8 *p = img->data + (gsize) y * img->stride + (gsize) x0 * 3;
              for (int x = x0; x < x1; x++, p += 3)
                sum += (77u * p[0] + 150u * p[1] + 29u * p[2] + 128u) >> 8;
            }
          out[ty * TRAWL_THUMB_W + tx] = trawl_thumb_mean (sum, (guint32) ((x1 - x0) * (y1 - y0)));
        }
    }
}
