/* test-progress.c - what `trawl index` and the GUI show while a run goes
 * (issue 17): the ETA estimator (a pure function) and face counts that
 * move during a file rather than only when it ends. */
#include <math.h>
#include <string.h>

#include <trawl/indexer.h>

#include "../common/trawl-test.h"

static void
test_eta_estimator (void)
{
  /* Not before TRAWL_INDEX_ETA_MIN_S of decoding: the first frames are
   * slow (file open, engine warm-up) and an early figure is far off. */
  g_assert_cmpfloat (trawl_index_estimate_eta (TRAWL_INDEX_ETA_MIN_S * 0.9, 10, 100), <, 0);
  g_assert_cmpfloat (trawl_index_estimate_eta (0, 0, 100), <, 0);
  /* Nothing decoded yet, or the footage left not known. */
  g_assert_cmpfloat (trawl_index_estimate_eta (10, 0, 100), <, 0);
  g_assert_cmpfloat (trawl_index_estimate_eta (10, 20, -1), <, 0);
  g_assert_cmpfloat (trawl_index_estimate_eta (10, 20, NAN), <, 0);
  g_assert_cmpfloat (trawl_index_estimate_eta (NAN, 20, 100), <, 0);
  /* 20 s of footage in 10 s of wall time: 2x real time, so 100 s left
   * takes 50 s; at 0.5x it takes 200 s; nothing left: 0. */
  g_assert_cmpfloat_with_epsilon (trawl_index_estimate_eta (10, 20, 100), 50, 1e-9);
  g_assert_cmpfloat_with_epsilon (trawl_index_estimate_eta (40, 20, 100), 200, 1e-9);
  g_assert_cmpfloat_with_epsilon (trawl_index_estimate_eta (10, 20, 0), 0, 1e-9);
  /* The case of issue 17: 45 s of footage indexed at 1x, 9 s in. The
   * byte-based estimate, charged with model loading, said 229 s; from the
   * decoding speed it is the 36 s really left. */
  g_assert_cmpfloat_with_epsilon (trawl_index_estimate_eta (9, 9, 36), 36, 1e-9);
}

typedef struct {
  guint64 faces_mid_file;   /* most faces reported while the first file ran */
  guint   reports_mid_file;
  gboolean eta_unknown_first; /* the report of the first analysed frame had no ETA */
  gboolean seen_frame;
} Seen;

static void
on_progress (const TrawlIndexProgress *p, gpointer data)
{
  Seen *s = data;

  if (p->current == NULL || p->files_done > 0)
    return;
  s->reports_mid_file++;
  s->faces_mid_file = MAX (s->faces_mid_file, p->faces);
  /* The first frame's report comes right after it is analysed: no
   * decoding time yet, whatever the machine's speed. */
  if (!s->seen_frame && p->frames_sampled > 0)
    {
      s->seen_frame = TRUE;
      s->eta_unknown_first = p->eta_s < 0;
    }
}

static void
test_faces_counted_during_file (void)
{
  g_autofree char *ham = trawl_test_need_data ("videos/people/short_hamilton_clip.mp4");
  g_autofree char *model = ham ? trawl_test_need_model ("face-api/ssd_mobilenetv1_model.bin")
                               : NULL;
  if (ham == NULL || model == NULL)
    return;
  g_autofree char *root = g_dir_make_tmp ("trawl-progress-XXXXXX", NULL);
  g_autofree char *dir = g_build_filename (root, "case", NULL);
  const char *inputs[] = { ham };
  TrawlIndexOptions o;
  Seen seen = { 0 };
  trawl_index_options_init (&o);
  o.sample_fps = 1.0;
  o.no_plates = TRUE;
  /* Report at every frame: the test must not depend on how fast it runs. */
  o.progress_interval_s = 1e-6;
  o.progress = on_progress;
  o.progress_data = &seen;
  TrawlIndexProgress p = { 0 };
  g_autoptr (GError) e = NULL;
  g_assert_true (trawl_index_run (dir, inputs, 1, &o, &p, &e));
  g_assert_no_error (e);
  g_ptr_array_unref (p.failures);
  g_test_message ("%u reports during the file, up to %" G_GUINT64_FORMAT " faces; %"
                  G_GUINT64_FORMAT " at the end", seen.reports_mid_file, seen.faces_mid_file,
                  p.faces);
  g_assert_cmpuint (p.faces, >, 0);
  /* The count moved while the file was still being read. */
  g_assert_cmpuint (seen.faces_mid_file, >, 0);
  g_assert_cmpuint (seen.faces_mid_file, <=, p.faces);
  /* And no ETA from the very first frame. */
  g_assert_true (seen.eta_unknown_first);
  trawl_test_remove_tree (root);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/indexer/progress/eta-estimator", test_eta_estimator);
  g_test_add_func ("/indexer/progress/faces-during-file", test_faces_counted_during_file);
  return g_test_run ();
}
