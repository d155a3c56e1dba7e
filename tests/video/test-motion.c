/* test-motion.c - the motion gate on synthetic frames: a still scene stays
 * still under sensor noise, codec-like block flicker and a change of
 * exposure; a moving block, even a small one, is motion; the periodic
 * frame comes when due; the reference follows the frames let through.
 * Frames are RGB images made here, so what each must give follows from
 * their construction. */
#include <math.h>
#include <string.h>

#include <trawl/image.h>
#include <trawl/video.h>

#define W 640
#define H 360

/* A textured background (gradients and stripes: a street, walls). */
static TrawlImage *
scene (void)
{
  TrawlImage *img = trawl_image_new (W, H);
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        guint8 *p = img->data + (gsize) y * img->stride + (gsize) x * 3;
        int v = 40 + (x * 120) / W + (y * 60) / H + (((x / 37) + (y / 23)) % 3) * 12;
        p[0] = (guint8) CLAMP (v + 5, 0, 255);
        p[1] = (guint8) CLAMP (v, 0, 255);
        p[2] = (guint8) CLAMP (v - 5, 0, 255);
      }
  return img;
}

/* Deterministic pseudo-random numbers (no dependence on GLib's generator). */
static guint32
lcg (guint32 *s)
{
  *s = *s * 1664525u + 1013904223u;
  return *s >> 8;
}

/* img with per-pixel noise of +-amp on every channel. */
static void
add_noise (TrawlImage *img, int amp, guint32 seed)
{
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W * 3; x++)
      {
        guint8 *p = img->data + (gsize) y * img->stride + x;
        int d = (int) (lcg (&seed) % (2 * amp + 1)) - amp;
        *p = (guint8) CLAMP (*p + d, 0, 255);
      }
}

/* Codec-like flicker: 8x8 blocks shifted by up to +-amp as a whole. */
static void
add_block_flicker (TrawlImage *img, int amp, guint32 seed)
{
  for (int by = 0; by < H; by += 8)
    for (int bx = 0; bx < W; bx += 8)
      {
        int d = (int) (lcg (&seed) % (2 * amp + 1)) - amp;
        for (int y = by; y < by + 8 && y < H; y++)
          for (int x = bx * 3; x < (bx + 8) * 3 && x < W * 3; x++)
            {
              guint8 *p = img->data + (gsize) y * img->stride + x;
              *p = (guint8) CLAMP (*p + d, 0, 255);
            }
      }
}

/* v -> gain * v + offset on every channel (auto exposure). */
static void
expose (TrawlImage *img, double gain, double offset)
{
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W * 3; x++)
      {
        guint8 *p = img->data + (gsize) y * img->stride + x;
        *p = (guint8) CLAMP (lround (gain * *p + offset), 0, 255);
      }
}

/* A gray patch of w x h px at x, y. */
static void
fill (TrawlImage *img, int x0, int y0, int w, int h, int v)
{
  for (int y = y0; y < y0 + h && y < H; y++)
    for (int x = x0; x < x0 + w && x < W; x++)
      memset (img->data + (gsize) y * img->stride + (gsize) x * 3, v, 3);
}

/* A dark block (a person, a car) of w x h px at x, y. */
static void
block (TrawlImage *img, int x0, int y0, int w, int h)
{
  fill (img, x0, y0, w, h, 25);
}

static TrawlMotionVerdict
judge (TrawlMotionGate *g, const TrawlImage *img, double pts, double *changed)
{
  guint8 t[TRAWL_VIDEO_THUMB_W * TRAWL_VIDEO_THUMB_H];
  trawl_video_thumb_from_image (img, t);
  return trawl_motion_gate_check (g, t, pts, changed);
}

static void
test_still (void)
{
  g_autoptr (TrawlMotionGate) g = trawl_motion_gate_new (NULL);
  g_autoptr (TrawlImage) img = scene ();
  double ch = -1;
  g_assert_cmpint (judge (g, img, 0.0, &ch), ==, TRAWL_MOTION_FIRST);
  g_assert_cmpfloat (ch, ==, 0.0);
  for (int i = 1; i < 10; i++)
    {
      g_assert_cmpint (judge (g, img, i * 0.5, &ch), ==, TRAWL_MOTION_STILL);
      g_assert_cmpfloat (ch, ==, 0.0);
    }
  /* No thumbnail: cannot judge, let through. */
  g_assert_cmpint (trawl_motion_gate_check (g, NULL, 5.0, NULL), ==, TRAWL_MOTION_FIRST);
}

/* Sensor noise of +-20 levels per pixel and block flicker of +-6: averaged
 * over a cell they stay well under the cell threshold. */
static void
test_noise_and_flicker (void)
{
  g_autoptr (TrawlMotionGate) g = trawl_motion_gate_new (NULL);
  g_autoptr (TrawlImage) ref = scene ();
  judge (g, ref, 0.0, NULL);
  for (int i = 1; i < 8; i++)
    {
      g_autoptr (TrawlImage) img = scene ();
      add_noise (img, 20, 1000u + i);
      add_block_flicker (img, 6, 77u * i);
      double ch = -1;
      g_assert_cmpint (judge (g, img, i * 0.5, &ch), ==, TRAWL_MOTION_STILL);
      g_assert_cmpfloat (ch, <, 0.002);
    }
}

/* Exposure changes (darker, brighter, a shift) are not motion; a moving
 * object under a changed exposure still is. */
static void
test_brightness (void)
{
  static const double change[][2] = { { 0.7, 0 }, { 1.3, 5 }, { 1.0, 25 }, { 0.85, -10 } };
  for (guint k = 0; k < G_N_ELEMENTS (change); k++)
    {
      g_autoptr (TrawlMotionGate) g = trawl_motion_gate_new (NULL);
      g_autoptr (TrawlImage) ref = scene ();
      judge (g, ref, 0.0, NULL);
      g_autoptr (TrawlImage) img = scene ();
      expose (img, change[k][0], change[k][1]);
      double ch = -1;
      TrawlMotionVerdict v = judge (g, img, 0.5, &ch);
      g_test_message ("exposure %.2f %+.0f: changed %.4f", change[k][0], change[k][1], ch);
      g_assert_cmpint (v, ==, TRAWL_MOTION_STILL);
      block (img, 300, 150, 40, 80);
      g_assert_cmpint (judge (g, img, 1.0, NULL), ==, TRAWL_MOTION_MOVED);
    }
  /* The control: without the fit, the plain difference would have been
   * motion everywhere (so the case above tests the fit). */
  g_autoptr (TrawlImage) a = scene (), b = scene ();
  expose (b, 1.0, 25);
  guint8 ta[TRAWL_VIDEO_THUMB_W * TRAWL_VIDEO_THUMB_H], tb[sizeof ta];
  trawl_video_thumb_from_image (a, ta);
  trawl_video_thumb_from_image (b, tb);
  int differ = 0;
  for (gsize i = 0; i < sizeof ta; i++)
    differ += abs ((int) ta[i] - (int) tb[i]) > 8;
  g_assert_cmpint (differ, >, (int) sizeof ta / 2);
}

/* A block walking through the scene is motion in every frame; once it
 * stops, the next frame is still (the reference followed it). */
static void
test_moving_block (void)
{
  g_autoptr (TrawlMotionGate) g = trawl_motion_gate_new (NULL);
  g_autoptr (TrawlImage) bg = scene ();
  judge (g, bg, 0.0, NULL);
  double pts = 0.5;
  for (int i = 0; i < 6; i++, pts += 0.5)
    {
      g_autoptr (TrawlImage) img = scene ();
      block (img, 40 + i * 90, 200, 30, 60);  /* person-sized at 640x360 */
      add_noise (img, 10, 5u + i);
      double ch = 0;
      g_assert_cmpint (judge (g, img, pts, &ch), ==, TRAWL_MOTION_MOVED);
      g_assert_cmpfloat (ch, >=, 0.002);
      g_assert_cmpfloat (ch, <, 0.1);
    }
  g_autoptr (TrawlImage) stopped = scene ();
  block (stopped, 40 + 5 * 90, 200, 30, 60);
  g_assert_cmpint (judge (g, stopped, pts, NULL), ==, TRAWL_MOTION_STILL);
  /* a small object (a plate-sized 24x12 block) appearing is motion too */
  block (stopped, 100, 60, 24, 12);
  g_assert_cmpint (judge (g, stopped, pts + 0.5, NULL), ==, TRAWL_MOTION_MOVED);
}

/* Still frames come through every max_interval_s of video time, and a
 * slow drift that never moves enough between two frames adds up against
 * the reference. */
static void
test_periodic_and_drift (void)
{
  TrawlMotionGateOptions o;
  trawl_motion_gate_options_init (&o);
  o.max_interval_s = 4.0;
  g_autoptr (TrawlMotionGate) g = trawl_motion_gate_new (&o);
  g_autoptr (TrawlImage) img = scene ();
  int through = 0;
  for (int i = 0; i <= 24; i++) {  /* 12 s at 2 frames/s */
    TrawlMotionVerdict v = judge (g, img, i * 0.5, NULL);
    if (v != TRAWL_MOTION_STILL)
      {
        through++;
        g_assert_true (i == 0 || v == TRAWL_MOTION_PERIODIC);
        g_assert_true (i % 8 == 0);
      }
  }
  g_assert_cmpint (through, ==, 4);  /* 0, 4, 8 and 12 s */

  /* A patch darkening by 3 levels a frame: no step alone is a change,
   * but against the reference it adds up within a few frames. */
  g_autoptr (TrawlMotionGate) g2 = trawl_motion_gate_new (NULL);
  int first_moved = -1;
  for (int i = 0; i < 10 && first_moved < 0; i++)
    {
      g_autoptr (TrawlImage) f = scene ();
      fill (f, 300, 150, 40, 80, 150 - 3 * i);
      if (judge (g2, f, i * 0.5, NULL) == TRAWL_MOTION_MOVED)
        first_moved = i;
    }
  g_assert_cmpint (first_moved, ==, 3);  /* 9 levels > 8 */
}

/* A burned-in clock (a small patch changing in every frame) stops counting
 * after a while, and motion elsewhere still counts; a large area changing
 * all the time (a busy road) is never ignored. */
static void
test_clock_mask (void)
{
  static const struct { int w, h; gboolean learnt; } cases[] = {
    { 60, 20, TRUE },    /* 6 x 2 cells */
    { 200, 100, FALSE }, /* 200 cells: 9% of the frame */
  };
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr (TrawlMotionGate) g = trawl_motion_gate_new (NULL);
      int first_still = -1;
      for (int i = 0; i < 120; i++)
        {
          g_autoptr (TrawlImage) f = scene ();
          fill (f, 20, 20, cases[k].w, cases[k].h, 60 + 30 * (i % 5));  /* the ticking digits */
          TrawlMotionVerdict v = judge (g, f, i * 0.5, NULL);
          if (i > 0 && v == TRAWL_MOTION_STILL && first_still < 0)
            first_still = i;
          if (i == 119 && cases[k].learnt)
            {
              /* now a person walks in elsewhere */
              block (f, 400, 200, 30, 60);
              g_assert_cmpint (judge (g, f, 60.0, NULL), ==, TRAWL_MOTION_MOVED);
            }
        }
      g_test_message ("%dx%d patch: first still frame %d", cases[k].w, cases[k].h, first_still);
      if (cases[k].learnt)
        {
          g_assert_cmpint (first_still, >, 10);   /* not at once: it was motion at first */
          g_assert_cmpint (first_still, <, 80);   /* within 40 s */
        }
      else
        {
          g_assert_cmpint (first_still, ==, -1);
        }
    }
}

/* The verdict names are what the indexer and eval print. */
static void
test_names (void)
{
  g_assert_cmpstr (trawl_motion_verdict_name (TRAWL_MOTION_STILL), ==, "still");
  g_assert_cmpstr (trawl_motion_verdict_name (TRAWL_MOTION_MOVED), ==, "moved");
  g_assert_cmpstr (trawl_motion_verdict_name (TRAWL_MOTION_PERIODIC), ==, "periodic");
  g_assert_cmpstr (trawl_motion_verdict_name (TRAWL_MOTION_FIRST), ==, "first");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/motion/still", test_still);
  g_test_add_func ("/motion/noise-and-flicker", test_noise_and_flicker);
  g_test_add_func ("/motion/brightness", test_brightness);
  g_test_add_func ("/motion/moving-block", test_moving_block);
  g_test_add_func ("/motion/periodic-and-drift", test_periodic_and_drift);
  g_test_add_func ("/motion/clock-mask", test_clock_mask);
  g_test_add_func ("/motion/names", test_names);
  return g_test_run ();
}
