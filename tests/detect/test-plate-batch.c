/* test-plate-batch.c - the batched plate reader on frame sources
 * (_trawl_plate_reader_detect_sources, src/detect/plate-batch.c) with host
 * RGB images on a CPU reader: the same file that reads NV12 frames on the
 * GPU, its inputs cut by the warp rule's CPU reference instead of the
 * kernel. Held to the classic single-frame read (plate-classic-ref.h, a
 * test reference: trawl_plate_reader_detect itself now takes the batched
 * path) on labelled plate scenes, alone and in batches; and its argument
 * checks.
 *
 * Tolerances against the classic read: texts, raw reads and
 * formats identical, confidences within CONF_TOL, boxes within BOX_TOL px.
 * The batched path makes every net input in the CPU path's two steps (the
 * crop cut to 8 bits, then resized), so the inputs differ only where a
 * value lands within float rounding of a .5 and flips by one step (the
 * CPU path computes coordinates in doubles, the rule in floats). A batch
 * against single runs: the same texts and formats, values within float
 * noise (BATCH_*_TOL: the nets run at other batch sizes).
 *
 * Skips without the PP-OCR models or the shared data. 14 scenes, each
 * read three ways (CPU path, alone, in a batch): ~10-15 s on 2 cores. (All
 * 79 labelled scenes, EVERY 1, measured once: 115 plates, texts identical,
 * corners equal, confidences within 4.8e-4; batch of 80 as alone.)
 */
#include "trawl-config.h"

#include "detect/detect-private.h"
#include "detect/frame-source.h"
#include "trawl/base.h"
#include "trawl/eval.h"
#include "plate-classic-ref.h"

#include <math.h>
#include <string.h>
#include "../common/trawl-test.h"
#include "../common/trawl-test-detect.h"

/* confidence, batched path vs CPU path: a zoomed read (cut, det, cut again,
 * each step a possible one-step flip) wins more boxes since reads that fit
 * a national shape are preferred and every plate-like box is zoomed:
 * oalpr_eu_s005 differs by 1.2e-3 */
#define CONF_TOL 2e-3
#define BOX_TOL  0.5    /* px, box and quad corners, batched path vs CPU path */
/* A frame in a batch against the frame alone: the nets run at other batch
 * sizes (rec in a run of 32 instead of 2 or 4), and OpenBLAS's sgemm may
 * sum in another order for another row count: float noise only. */
#define BATCH_CONF_TOL 1e-5
#define BATCH_BOX_TOL  1e-3
#define EVERY    6      /* every EVERY-th labelled scene: 14 of 79 */

typedef struct {
  char       *name;
  TrawlImage *img;
  GPtrArray  *cpu;      /* the classic read's plates (plate-classic-ref.h) */
  GPtrArray  *single;   /* the batched path's, the scene alone */
} Scene;

static TrawlPlateReader *reader;
static GArray           *scenes;   /* of Scene, loaded on first use */
static gboolean          loaded;

static void
scene_clear (gpointer data)
{
  Scene *s = data;
  g_free (s->name);
  trawl_image_free (s->img);
  if (s->cpu)
    g_ptr_array_unref (s->cpu);
  if (s->single)
    g_ptr_array_unref (s->single);
}

/* The reader and the scenes, with their CPU-path plates; FALSE (skipped)
 * without models or data. */
static gboolean
setup (void)
{
  g_autofree char *rec = trawl_test_need_model ("ocr-models/ch_PP-OCRv4_rec_infer.onnx");
  if (rec == NULL)
    return FALSE;
  g_autofree char *labels = trawl_test_need_data ("plates/images/labels.csv");
  if (labels == NULL)
    return FALSE;
  if (loaded)
    return TRUE;
  g_autoptr (GError) error = NULL;
  reader = trawl_plate_reader_new (NULL, &error);
  g_assert_no_error (error);
  g_autoptr (TrawlCsv) csv = trawl_csv_load (labels, &error);
  g_assert_no_error (error);
  g_autofree char *dir = g_path_get_dirname (labels);
  scenes = g_array_new (FALSE, TRUE, sizeof (Scene));
  g_array_set_clear_func (scenes, scene_clear);
  for (guint i = 0; i < csv->rows->len; i += EVERY)
    {
      TrawlCsvRow *row = csv->rows->pdata[i];
      Scene s = { 0 };
      s.name = g_strdup (trawl_csv_get (csv, row, "file"));
      g_autofree char *path = g_build_filename (dir, s.name, NULL);
      s.img = trawl_image_load (path, &error);
      g_assert_no_error (error);
      s.cpu = plate_classic_detect (reader, s.img);
      g_array_append_val (scenes, s);
    }
  loaded = TRUE;
  return TRUE;
}

static void
source (TrawlFrameSource *src, const Scene *s)
{
  _trawl_frame_source_rgb (src, s->img);
}

/* a and b hold the same plates in the same order: texts, raw reads and
 * formats identical, confidences, det scores and corners within the
 * tolerances (0: equal). Returns the largest corner and confidence
 * differences. */
static void
assert_same (GPtrArray *a, GPtrArray *b, double conf_tol, double box_tol, const char *what,
             double *max_box, double *max_conf)
{
  if (a->len != b->len)
    {
      for (guint i = 0; i < a->len; i++)
        g_test_message ("%s: a %s", what, ((TrawlPlate *) a->pdata[i])->text);
      for (guint i = 0; i < b->len; i++)
        g_test_message ("%s: b %s", what, ((TrawlPlate *) b->pdata[i])->text);
    }
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      const TrawlPlate *p = a->pdata[i], *q = b->pdata[i];
      g_assert_cmpstr (p->text, ==, q->text);
      g_assert_cmpstr (p->raw, ==, q->raw);
      g_assert_cmpint (p->format, ==, q->format);
      double dc = fabs ((double) p->confidence - q->confidence);
      double db = MAX (MAX (fabs (p->box.x - q->box.x), fabs (p->box.y - q->box.y)),
                       MAX (fabs (p->box.w - q->box.w), fabs (p->box.h - q->box.h)));
      for (int k = 0; k < 4; k++)
        db = MAX (db, MAX (fabs (p->quad[k].x - q->quad[k].x), fabs (p->quad[k].y - q->quad[k].y)));
      g_assert_cmpfloat (dc, <=, conf_tol);
      g_assert_cmpfloat (fabs ((double) p->det_score - q->det_score), <=, conf_tol);
      g_assert_cmpfloat (db, <=, box_tol);
      g_assert_cmpuint (p->chars->len, ==, q->chars->len);
      *max_box = MAX (*max_box, db);
      *max_conf = MAX (*max_conf, dc);
    }
}

/* Each scene alone through the batched path = the CPU path. */
static void
test_single (void)
{
  if (!setup ())
    return;
  double max_box = 0, max_conf = 0;
  int n_plates = 0;
  gint64 t0 = g_get_monotonic_time ();
  for (guint i = 0; i < scenes->len; i++)
    {
      Scene *s = &g_array_index (scenes, Scene, i);
      g_autoptr (GError) error = NULL;
      TrawlFrameSource src;
      GPtrArray *out = NULL;
      source (&src, s);
      g_assert_true (_trawl_plate_reader_detect_sources (reader, &src, 1, &out, &error));
      g_assert_no_error (error);
      g_assert_nonnull (out);
      g_autofree char *tc = trawl_test_plate_texts (s->cpu), *tb = trawl_test_plate_texts (out);
      g_test_message ("%s %dx%d: CPU path [%s], batched path [%s]", s->name, s->img->width,
                      s->img->height, tc, tb);
      assert_same (s->cpu, out, CONF_TOL, BOX_TOL, s->name, &max_box, &max_conf);
      n_plates += (int) out->len;
      if (s->single == NULL)
        s->single = out;
      else
        g_ptr_array_unref (out);
    }
  g_test_message ("%u scenes alone, %d plates: texts identical to the CPU path; largest "
                  "differences: confidence %.2g, corner %.3g px; %.1f s",
                  scenes->len, n_plates, max_conf, max_box,
                  (g_get_monotonic_time () - t0) / 1e6);
}

/* The scenes' single results, computing what test_single has not. */
static void
need_single (void)
{
  for (guint i = 0; i < scenes->len; i++)
    {
      Scene *s = &g_array_index (scenes, Scene, i);
      if (s->single != NULL)
        continue;
      g_autoptr (GError) error = NULL;
      TrawlFrameSource src;
      source (&src, s);
      g_assert_true (_trawl_plate_reader_detect_sources (reader, &src, 1, &s->single, &error));
      g_assert_no_error (error);
    }
}

/* All scenes (and the first again, so two frames of its size share det)
 * in one call, in reverse order: each frame's plates are its single run's.
 * Seven of the scenes are 640x480: their det runs are shared. */
static void
test_batch (void)
{
  if (!setup ())
    return;
  need_single ();
  int n = (int) scenes->len + 1;
  g_autofree TrawlFrameSource *srcs = g_new0 (TrawlFrameSource, n);
  g_autofree GPtrArray **out = g_new0 (GPtrArray *, n);
  g_autofree int *which = g_new0 (int, n);
  for (int f = 0; f < n; f++)
    {
      which[f] = f < n - 1 ? n - 2 - f : n - 2;   /* reversed, then the last again */
      source (&srcs[f], &g_array_index (scenes, Scene, which[f]));
    }
  g_autoptr (GError) error = NULL;
  TrawlPlateTimings t0, t1;
  trawl_plate_reader_get_timings (reader, &t0);
  gint64 start = g_get_monotonic_time ();
  reader->det_max_batch = TRAWL_PLATE_DET_MAX_BATCH;   /* a CPU reader runs one unless told */
  g_assert_true (_trawl_plate_reader_detect_sources (reader, srcs, n, out, &error));
  reader->det_max_batch = 0;
  g_assert_no_error (error);
  double wall = (g_get_monotonic_time () - start) / 1e6;
  trawl_plate_reader_get_timings (reader, &t1);
  double max_box = 0, max_conf = 0;
  int n_plates = 0;
  for (int f = 0; f < n; f++)
    {
      Scene *s = &g_array_index (scenes, Scene, which[f]);
      g_assert_nonnull (out[f]);
      assert_same (s->single, out[f], BATCH_CONF_TOL, BATCH_BOX_TOL, s->name, &max_box,
                   &max_conf);
      /* and so the CPU path's too */
      double cpu_box = 0, cpu_conf = 0;
      assert_same (s->cpu, out[f], CONF_TOL, BOX_TOL, s->name, &cpu_box, &cpu_conf);
      n_plates += (int) out[f]->len;
      g_ptr_array_unref (out[f]);
    }
  g_test_message ("batch of %d frames: %d plates, each frame's as alone (largest "
                  "differences: confidence %.2g, corner %.3g px); %.1f s (det %.1f s, rec "
                  "%.1f s)", n, n_plates, max_conf, max_box, wall, t1.detect_s - t0.detect_s,
                  t1.read_s - t0.read_s);
}

/* Argument checks: nothing runs, nothing is returned. */
static void
test_errors (void)
{
  if (!setup ())
    return;
  Scene *s = &g_array_index (scenes, Scene, 0);
  TrawlFrameSource srcs[2];
  GPtrArray *out[2] = { (GPtrArray *) (gpointer) 1, (GPtrArray *) (gpointer) 1 };
  GError *error = NULL;

  source (&srcs[0], s);
  source (&srcs[1], s);
  /* n < 1, no sources, nowhere to put plates, no reader */
  g_assert_false (_trawl_plate_reader_detect_sources (reader, srcs, 0, out, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_clear_error (&error);
  g_assert_false (_trawl_plate_reader_detect_sources (reader, NULL, 1, out, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_assert_null (out[0]);
  g_clear_error (&error);
  g_assert_false (_trawl_plate_reader_detect_sources (reader, srcs, 1, NULL, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_clear_error (&error);
  g_assert_false (_trawl_plate_reader_detect_sources (NULL, srcs, 1, out, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_clear_error (&error);

  /* an empty image second: refused before any work, both slots NULL */
  out[0] = out[1] = (GPtrArray *) (gpointer) 1;
  srcs[1].rgb = NULL;
  g_assert_false (_trawl_plate_reader_detect_sources (reader, srcs, 2, out, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_assert_null (out[0]);
  g_assert_null (out[1]);
  g_clear_error (&error);

  /* a GPU frame on a CPU reader: refused before its planes are touched */
  TrawlGpuFrame frame = { (const guint8 *) "", (const guint8 *) "", 2, 2, 2, 2, NULL };
  _trawl_frame_source_gpu (&srcs[1], &frame);
  g_assert_false (_trawl_plate_reader_detect_sources (reader, srcs, 2, out, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_INVALID_ARG);
  g_clear_error (&error);

  /* the public GPU entry points on a CPU reader (or without CUDA) */
  const int refusal = TRAWL_HAVE_CUDA ? TRAWL_ERROR_INVALID_ARG : TRAWL_ERROR_NOT_BUILT;
  const TrawlGpuFrame *frames[1] = { &frame };
  out[0] = (GPtrArray *) (gpointer) 1;
  g_assert_false (trawl_plate_reader_detect_gpu_batch (reader, frames, 1, out, &error));
  g_assert_error (error, TRAWL_ERROR, refusal);
  g_assert_null (out[0]);
  g_clear_error (&error);
  g_assert_null (trawl_plate_reader_detect_gpu (reader, &frame, &error));
  g_assert_error (error, TRAWL_ERROR, refusal);
  g_clear_error (&error);
  g_assert_false (trawl_plate_reader_detect_gpu_batch (reader, frames, 0, out, &error));
  g_assert_error (error, TRAWL_ERROR, refusal);
  g_clear_error (&error);

  /* and the reader still works after all that, through the public entry
   * (the batched path: the plates of the scene alone, bit for bit) */
  g_autoptr (GPtrArray) again = trawl_plate_reader_detect (reader, s->img, &error);
  g_assert_no_error (error);
  double mb = 0, mc = 0;
  need_single ();
  assert_same (s->single, again, 0, 0, "public entry against the batched path", &mb, &mc);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/detect/plate-batch/single", test_single);
  g_test_add_func ("/detect/plate-batch/batch", test_batch);
  g_test_add_func ("/detect/plate-batch/errors", test_errors);
  int rc = g_test_run ();
  if (scenes)
    g_array_unref (scenes);
  trawl_plate_reader_free (reader);
  return rc;
}
