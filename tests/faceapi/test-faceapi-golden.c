/* test-faceapi-golden.c - our three face nets against face-api itself.
 *
 * For a few real photos we prepare each network's input tensor in C
 * (faces-post.h), run our graphs, write the very same tensors to files and
 * run face-api on tfjs-wasm (tests/reference/faceapi-run.mjs, one node
 * process for all jobs), then compare:
 *   SSD        decoded boxes and scores on the same 512² tensor (max abs);
 *   detection  the whole pipeline from the decoded photo, each side doing its
 *              own padding/resizing/NMS: same count, every IoU > 0.99;
 *   landmarks  on the same 112² face crop, max abs error in input px;
 *   descriptor on the same 150² face crop: cosine and max abs.
 * Skips (with the reason) when the models, node or face-api are missing.
 */
#include <trawl/base.h>
#include <trawl/faces-post.h>
#include <trawl/image.h>
#include <trawl/nn.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include "../common/trawl-test.h"

/* Tolerances: float32 engines doing the same maths in another order. */
#define TOL_SSD_BOX     1e-4    /* box corners, 0..1 of the square */
#define TOL_SSD_SCORE   1e-4
#define TOL_DET_IOU     0.99
#define TOL_LM_PX       0.01    /* px of the 112 px input */
#define TOL_DESC_COS    0.9999
#define TOL_DESC_ABS    1e-3
#define MAX_FACES       2       /* per photo, for landmarks and descriptors */

typedef enum { NET_SSD, NET_LM, NET_REC, N_NETS } Net;

static const struct {
  const char *manifest;
  int         size;
} nets[N_NETS] = {
  { "face-api/ssd_mobilenetv1_model-weights_manifest.json", TRAWL_FACES_SSD_SIZE },
  { "face-api/face_landmark_68_model-weights_manifest.json", TRAWL_FACES_LM_SIZE },
  { "face-api/face_recognition_model-weights_manifest.json", TRAWL_FACES_REC_SIZE },
};

/* One comparison to make once face-api has run. */
typedef enum { JOB_SSD, JOB_DETECT, JOB_LM, JOB_REC } JobKind;

typedef struct {
  JobKind kind;
  char   *label;   /* photo (and face) for messages */
  float  *ours;    /* our result, layout per kind (see compare_*) */
  int     n;       /* floats in ours */
} Job;

typedef struct {
  char        *tmp;
  TrawlNnPlan *plan[N_NETS];
  GPtrArray   *jobs;      /* Job*, same order as the jobs file */
  JsonBuilder *spec;      /* the jobs file being written */
  int          n_files;
} Ctx;

static void
job_free (gpointer p)
{
  Job *j = p;

  g_free (j->label);
  g_free (j->ours);
  g_free (j);
}

static const char *
source_root (void)
{
  const char *s = g_getenv ("TRAWL_SOURCE_ROOT");
  return s ? s : TRAWL_TEST_SRCDIR "/../..";
}

/* Runs one plan on a [1,3,S,S] input; returns a copy of output i. */
static float *
run_net (Ctx *c, Net net, const float *input, int n_out, int which, int *n)
{
  int s = nets[net].size;
  TrawlNnTensor in = { TRAWL_NN_F32, 4, { 1, 3, s, s }, (void *) input };
  TrawlNnTensor out[2];
  g_autoptr (GError) error = NULL;

  g_assert_true (trawl_nn_plan_run (c->plan[net], &in, 1, out, n_out, &error));
  g_assert_no_error (error);
  g_assert_cmpint (out[which].dtype, ==, TRAWL_NN_F32);
  *n = (int) trawl_nn_tensor_numel (&out[which]);
  return g_memdup2 (out[which].data, sizeof (float) * *n);
}

/* Writes a planar [3,S,S] tensor as HWC float32 for node; adds the job. */
static void
add_tensor_job (Ctx *c, const char *net, const float *nchw, int s)
{
  g_autofree float *hwc = g_new (float, 3 * s * s);
  g_autofree char *name = g_strdup_printf ("in%03d.f32", c->n_files++);
  g_autofree char *path = g_build_filename (c->tmp, name, NULL);
  g_autoptr (GError) error = NULL;

  for (int i = 0; i < s * s; i++)
    for (int ch = 0; ch < 3; ch++)
      hwc[3 * i + ch] = nchw[ch * s * s + i];
  g_assert_true (g_file_set_contents (path, (char *) hwc, sizeof (float) * 3 * s * s, &error));
  json_builder_begin_object (c->spec);
  json_builder_set_member_name (c->spec, "net");
  json_builder_add_string_value (c->spec, net);
  json_builder_set_member_name (c->spec, "input");
  json_builder_add_string_value (c->spec, path);
  json_builder_set_member_name (c->spec, "h");
  json_builder_add_int_value (c->spec, s);
  json_builder_set_member_name (c->spec, "w");
  json_builder_add_int_value (c->spec, s);
  json_builder_set_member_name (c->spec, "dtype");
  json_builder_add_string_value (c->spec, "float32");
  json_builder_end_object (c->spec);
}

/* Writes the photo as packed RGB for face-api's own pipeline. */
static void
add_image_job (Ctx *c, const TrawlImage *img)
{
  g_autofree guint8 *rgb = g_new (guint8, (gsize) 3 * img->width * img->height);
  g_autofree char *name = g_strdup_printf ("in%03d.rgb", c->n_files++);
  g_autofree char *path = g_build_filename (c->tmp, name, NULL);
  g_autoptr (GError) error = NULL;

  for (int y = 0; y < img->height; y++)
    memcpy (rgb + (gsize) 3 * img->width * y, img->data + (gsize) img->stride * y,
            (gsize) 3 * img->width);
  g_assert_true (g_file_set_contents (path, (char *) rgb,
                                      (gssize) 3 * img->width * img->height, &error));
  json_builder_begin_object (c->spec);
  json_builder_set_member_name (c->spec, "net");
  json_builder_add_string_value (c->spec, "ssd-detect");
  json_builder_set_member_name (c->spec, "input");
  json_builder_add_string_value (c->spec, path);
  json_builder_set_member_name (c->spec, "h");
  json_builder_add_int_value (c->spec, img->height);
  json_builder_set_member_name (c->spec, "w");
  json_builder_add_int_value (c->spec, img->width);
  json_builder_set_member_name (c->spec, "dtype");
  json_builder_add_string_value (c->spec, "uint8");
  json_builder_end_object (c->spec);
}

static void
push_job (Ctx *c, JobKind kind, char *label, float *ours, int n)
{
  Job *j = g_new0 (Job, 1);

  j->kind = kind;
  j->label = label;
  j->ours = ours;
  j->n = n;
  g_ptr_array_add (c->jobs, j);
}

/* Our side for one photo: SSD on the prepared square, detections, and the
 * landmark / descriptor nets on the first faces. */
static void
prepare_photo (Ctx *c, const char *path, const char *label)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TrawlImage) img = trawl_image_load (path, &error);
  const int S = TRAWL_FACES_SSD_SIZE;
  g_autofree float *in = g_new (float, 3 * S * S);
  g_autofree float *enc = NULL, *logits = NULL;
  g_autofree float *anchors = g_new (float, 4 * TRAWL_FACES_SSD_ANCHORS);
  g_autofree TrawlPostBox *boxes = g_new (TrawlPostBox, TRAWL_FACES_SSD_ANCHORS);
  float *ssd;
  GArray *dets;
  float *det_flat;
  int n_enc, n_log;

  g_assert_no_error (error);
  trawl_faces_prepare_input (img, 0, 0, img->width, img->height, S, FALSE, in);
  enc = run_net (c, NET_SSD, in, 2, 0, &n_enc);
  logits = run_net (c, NET_SSD, in, 2, 1, &n_log);
  g_assert_cmpint (n_enc, ==, 4 * TRAWL_FACES_SSD_ANCHORS);
  g_assert_cmpint (n_log, ==, 3 * TRAWL_FACES_SSD_ANCHORS);

  /* decoded boxes in face-api's layout (ymin xmin ymax xmax), then scores */
  ssd = g_new (float, 5 * TRAWL_FACES_SSD_ANCHORS);
  trawl_faces_ssd_anchors (anchors);
  trawl_faces_ssd_decode (anchors, enc, logits, TRAWL_FACES_SSD_ANCHORS, boxes,
                          ssd + 4 * TRAWL_FACES_SSD_ANCHORS);
  for (int i = 0; i < TRAWL_FACES_SSD_ANCHORS; i++)
    {
      ssd[4 * i] = boxes[i].y0;
      ssd[4 * i + 1] = boxes[i].x0;
      ssd[4 * i + 2] = boxes[i].y1;
      ssd[4 * i + 3] = boxes[i].x1;
    }
  add_tensor_job (c, "ssd", in, S);
  push_job (c, JOB_SSD, g_strdup (label), ssd, 5 * TRAWL_FACES_SSD_ANCHORS);

  dets = trawl_faces_ssd_detect (enc, logits, img->width, img->height, 0.5f, 100);
  det_flat = g_new (float, 5 * dets->len + 1);
  for (guint i = 0; i < dets->len; i++)
    {
      const TrawlFaceBox *f = &g_array_index (dets, TrawlFaceBox, i);
      float v[5] = { f->box.x0, f->box.y0, f->box.x1, f->box.y1, f->score };
      memcpy (det_flat + 5 * i, v, sizeof v);
    }
  add_image_job (c, img);
  push_job (c, JOB_DETECT, g_strdup (label), det_flat, 5 * (int) dets->len);
  g_test_message ("%s: %d x %d, %u faces", label, img->width, img->height, dets->len);

  for (guint i = 0; i < dets->len && i < MAX_FACES; i++)
    {
      const TrawlFaceBox *f = &g_array_index (dets, TrawlFaceBox, i);
      int x = (int) floorf (f->box.x0), y = (int) floorf (f->box.y0);
      int w = MAX ((int) ceilf (f->box.x1) - x, 1), h = MAX ((int) ceilf (f->box.y1) - y, 1);
      const int L = TRAWL_FACES_LM_SIZE, R = TRAWL_FACES_REC_SIZE;
      g_autofree float *lm_in = g_new (float, 3 * L * L);
      g_autofree float *rec_in = g_new (float, 3 * R * R);
      float *out;
      int n;

      trawl_faces_prepare_input (img, x, y, w, h, L, TRUE, lm_in);
      out = run_net (c, NET_LM, lm_in, 1, 0, &n);
      g_assert_cmpint (n, ==, 136);
      add_tensor_job (c, "landmarks", lm_in, L);
      push_job (c, JOB_LM, g_strdup_printf ("%s face %u", label, i), out, n);

      trawl_faces_prepare_input (img, x, y, w, h, R, TRUE, rec_in);
      out = run_net (c, NET_REC, rec_in, 1, 0, &n);
      g_assert_cmpint (n, ==, 128);
      add_tensor_job (c, "recognition", rec_in, R);
      push_job (c, JOB_REC, g_strdup_printf ("%s face %u", label, i), out, n);
    }
  g_array_unref (dets);
}

static float *
json_floats (JsonObject *o, const char *member, int *n)
{
  JsonArray *a = json_object_get_array_member (o, member);
  float *v;

  g_assert_nonnull (a);
  *n = (int) json_array_get_length (a);
  v = g_new (float, *n + 1);
  for (int i = 0; i < *n; i++)
    v[i] = (float) json_array_get_double_element (a, i);
  return v;
}

typedef struct {
  double ssd_box, ssd_score, lm_px, desc_abs, desc_cos, det_iou;
  int    faces;
} Worst;

static void
compare_job (const Job *j, JsonObject *r, Worst *worst)
{
  int n = 0;

  if (j->kind == JOB_SSD)
    {
      g_autofree float *b = json_floats (r, "boxes", &n);
      g_autofree float *s = NULL;
      double eb = 0, es = 0;
      g_assert_cmpint (n, ==, 4 * TRAWL_FACES_SSD_ANCHORS);
      s = json_floats (r, "scores", &n);
      g_assert_cmpint (n, ==, TRAWL_FACES_SSD_ANCHORS);
      for (int i = 0; i < 4 * TRAWL_FACES_SSD_ANCHORS; i++)
        eb = MAX (eb, fabs (j->ours[i] - b[i]));
      for (int i = 0; i < TRAWL_FACES_SSD_ANCHORS; i++)
        es = MAX (es, fabs (j->ours[4 * TRAWL_FACES_SSD_ANCHORS + i] - s[i]));
      g_test_message ("%s: SSD max abs error: boxes %.3g, scores %.3g", j->label, eb, es);
      worst->ssd_box = MAX (worst->ssd_box, eb);
      worst->ssd_score = MAX (worst->ssd_score, es);
      g_assert_cmpfloat (eb, <=, TOL_SSD_BOX);
      g_assert_cmpfloat (es, <=, TOL_SSD_SCORE);
    }
  else if (j->kind == JOB_DETECT)
    {
      JsonArray *a = json_object_get_array_member (r, "detections");
      g_assert_nonnull (a);
      g_test_message ("%s: detections ours %d, face-api %u", j->label, j->n / 5,
                      json_array_get_length (a));
      g_assert_cmpint (j->n / 5, ==, (int) json_array_get_length (a));
      for (int i = 0; i < j->n / 5; i++)
        {
          JsonObject *d = json_array_get_object_element (a, i);
          double x = json_object_get_double_member (d, "x");
          double y = json_object_get_double_member (d, "y");
          TrawlPostBox theirs = { x, y, x + json_object_get_double_member (d, "w"),
                                  y + json_object_get_double_member (d, "h") };
          TrawlPostBox ours = { j->ours[5 * i], j->ours[5 * i + 1], j->ours[5 * i + 2],
                                j->ours[5 * i + 3] };
          double iou = trawl_post_iou (&ours, &theirs);
          g_test_message ("  face %d: IoU %.5f, score %.4f vs %.4f", i, iou,
                          j->ours[5 * i + 4], json_object_get_double_member (d, "score"));
          worst->det_iou = MIN (worst->det_iou, iou);
          worst->faces++;
          g_assert_cmpfloat (iou, >, TOL_DET_IOU);
        }
    }
  else if (j->kind == JOB_LM)
    {
      g_autofree float *l = json_floats (r, "landmarks", &n);
      double e = 0;
      g_assert_cmpint (n, ==, 136);
      /* face-api's forward on a square input = raw output * 112 / 112 */
      for (int i = 0; i < 136; i++)
        e = MAX (e, fabs (j->ours[i] - l[i]) * TRAWL_FACES_LM_SIZE);
      g_test_message ("%s: landmarks max abs error %.3g px", j->label, e);
      worst->lm_px = MAX (worst->lm_px, e);
      g_assert_cmpfloat (e, <=, TOL_LM_PX);
    }
  else
    {
      g_autofree float *d = json_floats (r, "descriptor", &n);
      double dot = 0, na = 0, nb = 0, e = 0, cosv;
      g_assert_cmpint (n, ==, 128);
      for (int i = 0; i < 128; i++)
        {
          dot += (double) j->ours[i] * d[i];
          na += (double) j->ours[i] * j->ours[i];
          nb += (double) d[i] * d[i];
          e = MAX (e, fabs (j->ours[i] - d[i]));
        }
      cosv = dot / sqrt (na * nb);
      g_test_message ("%s: descriptor cosine %.7f, max abs %.3g", j->label, cosv, e);
      worst->desc_abs = MAX (worst->desc_abs, e);
      worst->desc_cos = MIN (worst->desc_cos, cosv);
      g_assert_cmpfloat (cosv, >=, TOL_DESC_COS);
      g_assert_cmpfloat (e, <=, TOL_DESC_ABS);
    }
}

/* Runs node on the jobs file; FALSE (test skipped) when face-api cannot
 * run here. */
static gboolean
run_reference (Ctx *c, const char *jobs, const char *out)
{
  g_autofree char *node = g_find_program_in_path ("node");
  g_autofree char *script = g_build_filename (source_root (), "tests", "reference",
                                              "faceapi-run.mjs", NULL);
  g_autofree char *mods = g_build_filename (source_root (), "tests", "reference",
                                            "node_modules", "@vladmandic", "face-api", NULL);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *err_text = NULL;

  (void) c;
  if (node == NULL || !g_file_test (mods, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("node or tests/reference/node_modules (face-api) missing: "
                   "run npm ci in tests/reference");
      return FALSE;
    }
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                           &error, node, script, jobs, out, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (proc, NULL, NULL, NULL, &err_text, &error));
  g_assert_no_error (error);
  if (g_subprocess_get_exit_status (proc) == 2)
    {
      g_test_skip_printf ("face-api cannot run: %s", err_text);
      return FALSE;
    }
  if (g_subprocess_get_exit_status (proc) != 0)
    g_error ("faceapi-run.mjs failed: %s", err_text);
  return TRUE;
}

static void
test_golden (void)
{
  Ctx c = { 0 };
  g_autofree char *ddir = trawl_test_data_dir ();
  g_autofree char *models = NULL;
  g_autofree char *jobs = NULL, *outp = NULL;
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonNode *root;
  JsonArray *results;
  Worst worst = { 0, 0, 0, 0, 1, 1, 0 };
  const char *photos[] = { "face-api/sample1.jpg", "face-api/sample2.jpg" };
  const char *shared[] = { "faces/images/fr_001.jpg", "faces/images/fr_010.jpg" };
  gint64 t0;

  for (int n = 0; n < N_NETS; n++)
    {
      g_autofree char *m = trawl_model_path (nets[n].manifest, &error);
      TrawlNnGraph *g;
      TrawlNnTensor shape = { TRAWL_NN_F32, 4, { 1, 3, nets[n].size, nets[n].size }, NULL };
      TrawlNnPlanOptions opts = { .backend = TRAWL_NN_BACKEND_CPU, .n_threads = 0 };

      if (m == NULL)
        {
          g_test_skip_printf ("face-api models missing (run scripts/setup): %s", error->message);
          goto out;
        }
      g = trawl_nn_load_faceapi (m, &error);
      g_assert_no_error (error);
      c.plan[n] = trawl_nn_plan_new (g, &shape, 1, &opts, &error);
      trawl_nn_graph_unref (g);
      g_assert_no_error (error);
      if (n == 0)
        models = g_path_get_dirname (m);
    }

  c.tmp = g_dir_make_tmp ("trawl-faceapi-golden-XXXXXX", &error);
  g_assert_no_error (error);
  c.jobs = g_ptr_array_new_with_free_func (job_free);
  c.spec = json_builder_new ();
  json_builder_begin_object (c.spec);
  json_builder_set_member_name (c.spec, "modelDir");
  json_builder_add_string_value (c.spec, models);
  json_builder_set_member_name (c.spec, "jobs");
  json_builder_begin_array (c.spec);

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < G_N_ELEMENTS (photos); i++)
    {
      g_autofree char *p = trawl_model_path (photos[i], NULL);
      if (p != NULL)
        prepare_photo (&c, p, photos[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (shared); i++)
    {
      g_autofree char *p = g_build_filename (ddir, shared[i], NULL);
      if (g_file_test (p, G_FILE_TEST_IS_REGULAR))
        prepare_photo (&c, p, shared[i]);
      else
        g_test_message ("%s absent: not compared", p);
    }
  g_test_message ("our side: %.1f s", (g_get_monotonic_time () - t0) / 1e6);
  g_assert_cmpuint (c.jobs->len, >, 0);

  json_builder_end_array (c.spec);
  json_builder_end_object (c.spec);
  root = json_builder_get_root (c.spec);
  json_generator_set_root (gen, root);
  json_node_unref (root);
  jobs = g_build_filename (c.tmp, "jobs.json", NULL);
  outp = g_build_filename (c.tmp, "out.json", NULL);
  g_assert_true (json_generator_to_file (gen, jobs, &error));

  t0 = g_get_monotonic_time ();
  if (!run_reference (&c, jobs, outp))
    goto out;
  g_test_message ("face-api side: %.1f s", (g_get_monotonic_time () - t0) / 1e6);
  g_assert_true (json_parser_load_from_file (parser, outp, &error));
  g_assert_no_error (error);
  results = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                          "results");
  g_assert_cmpuint (json_array_get_length (results), ==, c.jobs->len);
  for (guint i = 0; i < c.jobs->len; i++)
    compare_job (g_ptr_array_index (c.jobs, i), json_array_get_object_element (results, i),
                 &worst);
  g_test_message ("worst: SSD box %.3g, SSD score %.3g, detection IoU %.5f (%d faces), "
                  "landmarks %.3g px, descriptor cos %.7f / abs %.3g",
                  worst.ssd_box, worst.ssd_score, worst.det_iou, worst.faces, worst.lm_px,
                  worst.desc_cos, worst.desc_abs);

out:
  for (int n = 0; n < N_NETS; n++)
    trawl_nn_plan_free (c.plan[n]);
  g_clear_pointer (&c.jobs, g_ptr_array_unref);
  g_clear_object (&c.spec);
  if (c.tmp != NULL)
    {
      GDir *d = g_dir_open (c.tmp, 0, NULL);
      const char *name;
      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *p = g_build_filename (c.tmp, name, NULL);
          g_remove (p);
        }
      if (d != NULL)
        g_dir_close (d);
      g_rmdir (c.tmp);
      g_free (c.tmp);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/faceapi/golden/all", test_golden);
  return g_test_run ();
}
