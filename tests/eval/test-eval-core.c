/* test-eval-core.c - the eval framework without models: CSV reading (quotes,
 * embedded commas and newlines, CRLF, malformed lines with their numbers),
 * metrics (leave-one-out top-1, TAR at FAR, characters by edit distance)
 * and the report (lookup, table, JSON that parses back).
 */
#include "trawl/eval.h"
#include "trawl/base.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

static void
test_csv_quotes (void)
{
  const char *text =
    "file,identity,n,notes\r\n"
    "a.jpg,x,1,single\r\n"
    "b.jpg,y,2,\"group; left-to-right y,x\"\r\n"
    "c.jpg,z,1,\"said \"\"hi\"\"\nover two lines\"\r\n"
    "\r\n"
    "d.jpg,,1,\r\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (TrawlCsv) csv = trawl_csv_parse (text, strlen (text), "labels.csv", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (csv->header->len, ==, 4);
  g_assert_cmpuint (csv->rows->len, ==, 4);
  g_assert_cmpuint (csv->problems->len, ==, 0);
  TrawlCsvRow *r1 = csv->rows->pdata[1], *r2 = csv->rows->pdata[2], *r3 = csv->rows->pdata[3];
  g_assert_cmpstr (trawl_csv_get (csv, r1, "notes"), ==, "group; left-to-right y,x");
  g_assert_cmpint (r1->line, ==, 3);
  g_assert_cmpstr (trawl_csv_get (csv, r2, "notes"), ==, "said \"hi\"\nover two lines");
  g_assert_cmpint (r2->line, ==, 4);
  g_assert_cmpint (r3->line, ==, 7);  /* after the two-line record and a blank line */
  g_assert_cmpstr (trawl_csv_get (csv, r3, "identity"), ==, "");
  g_assert_cmpstr (trawl_csv_get (csv, r3, "no-such-column"), ==, "");
  g_assert_cmpint (trawl_csv_column (csv, "n"), ==, 2);
  g_assert_cmpint (trawl_csv_column (csv, "zzz"), ==, -1);
}

static void
test_csv_malformed (void)
{
  const char *text =
    "file,plate_text,region\n"
    "ok1.png,ABC123,us\n"
    "short.png,ABC\n"                 /* line 3: too few fields */
    "long.png,A,B,C\n"                /* line 4: too many */
    "stray.png,AB\"C,us\n"            /* line 5: stray quote */
    "after.png,\"AB\"C,us\n"          /* line 6: text after a closing quote */
    "ok2.png,\"X,Y\",us\n"            /* line 7: fine */
    "open.png,\"never closed,us\n";   /* line 8: unterminated */
  g_autoptr (GError) error = NULL;
  g_autoptr (TrawlCsv) csv = trawl_csv_parse (text, strlen (text), "crops/labels.csv", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (csv->rows->len, ==, 2);
  g_assert_cmpstr (trawl_csv_get (csv, csv->rows->pdata[1], "plate_text"), ==, "X,Y");
  g_assert_cmpuint (csv->problems->len, ==, 5);
  const char *want[] = { "crops/labels.csv:3:", "crops/labels.csv:4:", "crops/labels.csv:5:",
                         "crops/labels.csv:6:", "crops/labels.csv:8:" };
  for (guint i = 0; i < 5; i++)
    g_assert_true (g_str_has_prefix (csv->problems->pdata[i], want[i]));
  g_assert_nonnull (strstr (csv->problems->pdata[0], "expected 3 fields, found 2"));
  g_assert_nonnull (strstr (csv->problems->pdata[4], "unterminated"));

  /* No header at all is an error; a BOM is skipped. */
  g_autoptr (TrawlCsv) none = trawl_csv_parse ("", 0, "empty.csv", &error);
  g_assert_null (none);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT);
  g_clear_error (&error);
  const char *bom = "\xEF\xBB\xBF" "a,b\n1,2";
  g_autoptr (TrawlCsv) b = trawl_csv_parse (bom, strlen (bom), "bom.csv", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (b->header->pdata[0], ==, "a");
  g_assert_cmpuint (b->rows->len, ==, 1);  /* last line without newline */
  g_assert_cmpstr (trawl_csv_get (b, b->rows->pdata[0], "b"), ==, "2");
}

static void
test_csv_load (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (TrawlCsv) csv = trawl_csv_load ("/nonexistent/labels.csv", &error);
  g_assert_null (csv);
  g_assert_nonnull (error);
}

static void
test_top1 (void)
{
  /* 2-d points: two tight clusters and one singleton. Item 2 sits in
   * cluster B though labelled A, so it and... only it is wrong. */
  float v[] = { 0, 0,   0.1f, 0,   5, 5.2f,   5, 5,   5.1f, 5,   9, 9 };
  int labels[] = { 0, 0, 0, 1, 1, 2 };
  int nq = 0;
  int ok = trawl_eval_top1_loo (v, labels, 6, 2, &nq);
  g_assert_cmpint (nq, ==, 5);   /* the singleton (label 2) is not a query */
  g_assert_cmpint (ok, ==, 4);   /* item 2's nearest is item 3 (label 1) */
}

static void
test_tar_far (void)
{
  float gen[] = { 0.1f, 0.2f, 0.3f, 0.7f };
  float imp[1000];
  for (int i = 0; i < 1000; i++)
    imp[i] = 0.5f + i * 0.001f;   /* 0.5 .. 1.499 */
  float t = 0;
  /* FAR 1e-3 of 1000 allows one false accept: threshold = 2nd smallest. */
  double tar = trawl_eval_tar_at_far (gen, 4, imp, 1000, 1e-3, &t);
  g_assert_cmpfloat_with_epsilon (t, 0.501f, 1e-6);
  g_assert_cmpfloat_with_epsilon (tar, 0.75, 1e-9);
  /* FAR 0: threshold = smallest impostor. */
  tar = trawl_eval_tar_at_far (gen, 4, imp, 1000, 0.0, &t);
  g_assert_cmpfloat_with_epsilon (t, 0.5f, 1e-6);
  /* No impostors: everything accepted. */
  tar = trawl_eval_tar_at_far (gen, 4, NULL, 0, 1e-3, &t);
  g_assert_true (isinf (t));
  g_assert_cmpfloat (tar, ==, 1.0);
  g_assert_cmpfloat (trawl_eval_tar_at_far (NULL, 0, imp, 10, 1e-3, &t), ==, 0.0);

  float v[] = { 0, 0, 3, 4, 0, 1 };
  int labels[] = { 7, 8, 7 };
  float *g = NULL, *im = NULL;
  int ng = 0, ni = 0;
  trawl_eval_pair_distances (v, labels, 3, 2, &g, &ng, &im, &ni);
  g_assert_cmpint (ng, ==, 1);
  g_assert_cmpint (ni, ==, 2);
  g_assert_cmpfloat_with_epsilon (g[0], 1.0f, 1e-6);
  g_assert_cmpfloat_with_epsilon (im[0], 5.0f, 1e-6);
  g_free (g);
  g_free (im);
}

static void
test_chars (void)
{
  g_assert_cmpint (trawl_eval_chars_correct ("ABC123", "ABC123"), ==, 6);
  g_assert_cmpint (trawl_eval_chars_correct ("ABC123", "A8C123"), ==, 5);
  g_assert_cmpint (trawl_eval_chars_correct ("ABC123", ""), ==, 0);
  g_assert_cmpint (trawl_eval_chars_correct ("AB", "XYZWVU"), ==, 0);  /* floored at 0 */
  g_assert_cmpint (trawl_eval_chars_correct ("京A12345", "A12345"), ==, 6);
}

static void
test_report (void)
{
  g_autoptr (TrawlEvalReport) r = trawl_eval_report_new ("/data");
  trawl_eval_report_section (r, "plates/crops_cn");
  trawl_eval_report_count (r, "exact", "exact reads", 190, 200, 0.95);
  trawl_eval_report_value (r, "seconds", "run time", 12.5);
  trawl_eval_report_note (r, "labels.csv:%d: bad", 7);
  trawl_eval_report_item (r, "file", "cn_1.jpg", "read", "京A12345", NULL);
  trawl_eval_report_section (r, "faces/images");
  trawl_eval_report_note (r, "skipped");
  g_assert_cmpfloat_with_epsilon (trawl_eval_report_get (r, "plates/crops_cn", "exact"), 0.95, 1e-12);
  g_assert_true (isnan (trawl_eval_report_get (r, "plates/crops_cn", "nope")));
  g_assert_true (isnan (trawl_eval_report_get (r, "nope", "exact")));
  g_assert_cmpint (trawl_eval_report_n_sections (r), ==, 1);

  g_autofree char *json = trawl_eval_report_to_json (r);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_data (p, json, -1, &error));
  JsonObject *root = json_node_get_object (json_parser_get_root (p));
  JsonArray *secs = json_object_get_array_member (root, "sections");
  g_assert_cmpuint (json_array_get_length (secs), ==, 2);
  JsonObject *s0 = json_array_get_object_element (secs, 0);
  JsonObject *exact = json_object_get_object_member (json_object_get_object_member (s0, "metrics"), "exact");
  g_assert_cmpint (json_object_get_int_member (exact, "num"), ==, 190);
  g_assert_cmpint (json_object_get_int_member (exact, "den"), ==, 200);
  JsonArray *items = json_object_get_array_member (s0, "items");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "read"),
                   ==, "京A12345");

  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream (&buf, &len);
  trawl_eval_report_print (r, mem);
  fclose (mem);
  g_assert_nonnull (strstr (buf, "190/200"));
  g_assert_nonnull (strstr (buf, "95.0%"));
  g_assert_nonnull (strstr (buf, "note: labels.csv:7: bad"));
  g_assert_nonnull (strstr (buf, "note: skipped"));
  free (buf);
}

/* The cost of pair {a, b} in a confusions table's text; 1 when absent. */
static double
table_cost (const char *table, gunichar a, gunichar b)
{
  g_auto (GStrv) lines = g_strsplit (table, "\n", -1);
  for (int i = 0; lines[i]; i++)
    {
      unsigned x, y;
      float c;
      if (sscanf (lines[i], "{ 0x%x, 0x%x, %ff }", &x, &y, &c) == 3 &&
          x == MIN (a, b) && y == MAX (a, b))
        return c;
    }
  return 1.0;
}

/* A made-up reader: B read as 8 ten times, K as X once, 粤 as 京 once; 5
 * and S as often as B, never confused; the other classes never seen. */
static void
test_confusion_table (void)
{
  g_autoptr (GPtrArray) truths = g_ptr_array_new ();
  g_autoptr (GPtrArray) reads = g_ptr_array_new ();
  for (int i = 0; i < 200; i++)
    {
      g_ptr_array_add (truths, (gpointer) "AB12KTH5S");
      g_ptr_array_add (reads, (gpointer) (i < 10 ? "A812KTH5S" : i == 10 ? "AB12XTH5S" : "ab-12 kth5s"));
    }
  g_ptr_array_add (truths, (gpointer) "粤B12345");
  g_ptr_array_add (reads, (gpointer) "京B12345");
  g_autofree char *t = trawl_eval_plate_confusion_table (truths, reads, "made-up reads");
  g_assert_nonnull (strstr (t, "made-up reads"));
  g_assert_nonnull (strstr (t, "201 reads"));
  double b8 = table_cost (t, 'B', '8'), kx = table_cost (t, 'K', 'X');
  double s5 = table_cost (t, 'S', '5'), ax = table_cost (t, 'A', 'X');
  g_test_message ("B/8 %.3f  K/X %.3f  S/5 %.3f  A/X %.3f", b8, kx, s5, ax);
  g_assert_cmpfloat (b8, <, s5);   /* observed < never, in as many characters */
  g_assert_cmpfloat (s5, <, 1.0);  /* the prior alone still gives a cost */
  g_assert_cmpfloat (kx, <, 1.0);  /* observed once */
  g_assert_cmpfloat (ax, ==, 1.0); /* never */
  g_assert_cmpfloat (table_cost (t, 0x7CA4, 0x4EAC), <, 1.0);  /* 粤 read as 京 */
  g_assert_cmpfloat (b8, >=, 0.1);
  /* closed under shortest paths: no pair dearer than a detour */
  const char abc[] = "0ODQ1IL2Z5S8B6GKX";
  for (const char *a = abc; *a; a++)
    for (const char *b = abc; *b; b++)
      for (const char *c = abc; *c; c++)
        if (*a != *c)
          g_assert_cmpfloat (table_cost (t, *a, *c), <=,
                             (*a == *b ? 0 : table_cost (t, *a, *b)) +
                             (*b == *c ? 0 : table_cost (t, *b, *c)) + 1e-3);
}

static void
test_separation (void)
{
  const float gen[] = { 0.2f, 0.4f, 0.6f }, imp[] = { 0.5f, 0.9f, 1.0f, 1.1f };
  TrawlEvalSeparation s;

  trawl_eval_separation (gen, 3, imp, 4, &s);
  g_assert_cmpfloat_with_epsilon (s.genuine_max, 0.6, 1e-6);
  g_assert_cmpfloat_with_epsilon (s.impostor_min, 0.5, 1e-6);
  g_assert_cmpfloat_with_epsilon (s.margin, -0.1, 1e-6);
  g_assert_cmpfloat_with_epsilon (s.tar_far0, 2.0 / 3, 1e-9);
  /* t just above 0.6: every genuine pair in, one impostor of four */
  g_assert_cmpfloat_with_epsilon (s.eer, 0.25, 1e-9);
  /* means 0.4 and 0.875, variances 0.08/3 and 0.0519 */
  g_assert_cmpfloat_with_epsilon (s.dprime, 2.39695, 1e-4);

  const float g2[] = { 0.1f, 0.2f }, i2[] = { 0.3f };
  trawl_eval_separation (g2, 2, i2, 1, &s);
  g_assert_cmpfloat_with_epsilon (s.margin, 0.1, 1e-6);
  g_assert_cmpfloat (s.tar_far0, ==, 1.0);
  g_assert_cmpfloat (s.eer, ==, 0.0);
}

/* Unit 2-d vectors at these angles (degrees). */
static void
unit_at (const double *deg, int n, float *v)
{
  for (int i = 0; i < n; i++)
    {
      v[2 * i] = (float) cos (deg[i] * G_PI / 180);
      v[2 * i + 1] = (float) sin (deg[i] * G_PI / 180);
    }
}

/* Two identities of three, by hand: a chord of angle a is 2 sin(a/2). */
static void
test_pooled (void)
{
  const double deg[] = { 0, 180, 20, 160, 100, 60 };
  const int labels[] = { 0, 1, 0, 1, 0, 1 };   /* A: 0 20 100, B: 180 160 60 */
  float v[12], *gen = NULL, *imp = NULL;
  int ok, nq, ng, ni;

  unit_at (deg, 6, v);
  /* k = 2. Fold 0: templates A 10, B 170; queries 100 (nearer B) and 60
   * (nearer A): both wrong. Fold 1: A 60, B 110; queries 0 and 180 right.
   * Fold 2: A 50, B 120; queries 20 and 160 right. */
  trawl_eval_pooled (v, labels, 6, 2, 2, &ok, &nq, &gen, &ng, &imp, &ni);
  g_assert_cmpint (nq, ==, 6);
  g_assert_cmpint (ok, ==, 4);
  g_assert_cmpint (ng, ==, 6);
  g_assert_cmpint (ni, ==, 6);
  const double want_g[] = { 90, 110, 60, 70, 30, 40 };   /* query to own template */
  const double want_i[] = { 70, 50, 110, 120, 100, 110 };
  for (int i = 0; i < 6; i++)
    {
      g_assert_cmpfloat_with_epsilon (gen[i], 2 * sin (want_g[i] * G_PI / 360), 1e-5);
      g_assert_cmpfloat_with_epsilon (imp[i], 2 * sin (want_i[i] * G_PI / 360), 1e-5);
    }
  g_free (gen);
  g_free (imp);

  /* k = 1, a single photo a gallery: only folds 0 and 1 get 20 and 160,
   * and 0 and 180, right */
  trawl_eval_pooled (v, labels, 6, 2, 1, &ok, &nq, &gen, &ng, &imp, &ni);
  g_assert_cmpint (nq, ==, 12);
  g_assert_cmpint (ok, ==, 4);
  g_free (gen);
  g_free (imp);

  /* k = 3 leaves no query outside the window */
  trawl_eval_pooled (v, labels, 6, 2, 3, &ok, &nq, &gen, &ng, &imp, &ni);
  g_assert_cmpint (nq, ==, 0);
  g_assert_cmpint (ng, ==, 0);
  g_free (gen);
  g_free (imp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/eval/csv/quotes", test_csv_quotes);
  g_test_add_func ("/eval/csv/malformed", test_csv_malformed);
  g_test_add_func ("/eval/csv/load", test_csv_load);
  g_test_add_func ("/eval/metrics/top1-loo", test_top1);
  g_test_add_func ("/eval/metrics/tar-far", test_tar_far);
  g_test_add_func ("/eval/metrics/separation", test_separation);
  g_test_add_func ("/eval/metrics/pooled", test_pooled);
  g_test_add_func ("/eval/metrics/chars", test_chars);
  g_test_add_func ("/eval/report", test_report);
  g_test_add_func ("/eval/plate-confusions", test_confusion_table);
  return g_test_run ();
}
