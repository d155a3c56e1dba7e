/* trawl/eval.h - measuring the face and plate pipelines on labelled data laid
 * out like ../shared/data (faces/images, videos/people, plates/images,
 * plates/crops_us, plates/crops_cn, videos/plates; each with a labels.csv).
 *
 * Three layers, each usable alone:
 *   - a small RFC 4180 CSV reader that keeps line numbers, so a bad
 *     labels.csv line is reported as "file:line: why" and skipped;
 *   - metrics: leave-one-out top-1, TAR at a FAR and its threshold,
 *     character accuracy by edit distance;
 *   - the runner (trawl_eval_run) that walks a data folder, runs the
 *     pipelines and fills a report, printed as a table or as JSON.
 */
#pragma once

#include <glib.h>
#include <stdio.h>

G_BEGIN_DECLS

/* ---- CSV ---- */

typedef struct {
  int        line;    /* 1-based line where the record starts */
  GPtrArray *fields;  /* of char*, owned */
} TrawlCsvRow;

typedef struct {
  GPtrArray *header;   /* of char*: the first record */
  GPtrArray *rows;     /* of TrawlCsvRow*: records with as many fields as the header */
  GPtrArray *problems; /* of char*: "name:line: why" for each record skipped */
} TrawlCsv;

/* Parses CSV text (quoted fields with "" escapes and embedded commas or
 * newlines; CRLF or LF). name prefixes problem messages. Records whose
 * field count differs from the header's, or with a stray or unterminated
 * quote, go to problems and not to rows. NULL with error set only when
 * there is no header (empty text). Free with trawl_csv_free. */
TrawlCsv   *trawl_csv_parse (const char *text, gsize len, const char *name, GError **error);
/* Reads and parses a file; NULL with error set when it cannot be read. */
TrawlCsv   *trawl_csv_load (const char *path, GError **error);
void        trawl_csv_free (TrawlCsv *csv);
/* Index of a header column, or -1. */
int         trawl_csv_column (const TrawlCsv *csv, const char *name);
/* The field of row in column name; "" when the column is absent. Owned by csv. */
const char *trawl_csv_get (const TrawlCsv *csv, const TrawlCsvRow *row, const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlCsv, trawl_csv_free)

/* ---- metrics ---- */

/* Leave-one-out identification: for each item whose label occurs at least
 * twice, its nearest other item (Euclidean on dim-d vectors) must carry the
 * same label. Returns the number correct; *n_queries gets the number of
 * such items. labels are small integers. */
int    trawl_eval_top1_loo (const float *vectors, const int *labels, int n, int dim,
                            int *n_queries);

/* Verification at a false-accept rate: a pair is accepted when its
 * distance is below the threshold. The threshold is the smallest impostor
 * distance beyond the floor(far * n_impostor) allowed false accepts.
 * Returns the fraction of genuine pairs accepted (1 with no impostors, 0
 * with no genuine pairs); *threshold gets the threshold. */
double trawl_eval_tar_at_far (const float *genuine, int n_genuine,
                              const float *impostor, int n_impostor,
                              double far, float *threshold);

/* All pairwise distances of n dim-d vectors split by label equality into
 * newly allocated arrays (g_free). */
void   trawl_eval_pair_distances (const float *vectors, const int *labels, int n, int dim,
                                  float **genuine, int *n_genuine,
                                  float **impostor, int *n_impostor);

/* Finer verification figures than TAR at a FAR, for sets too small for
 * it (a few hundred impostor pairs put FAR 1e-3 at the best impostor).
 * (eval-verify.c) */
typedef struct {
  float  genuine_max;   /* the worst genuine distance (NAN with none) */
  float  impostor_min;  /* the best impostor distance (NAN with none) */
  float  margin;        /* impostor_min - genuine_max: > 0 when a threshold separates them */
  double tar_far0;      /* genuine pairs below impostor_min (1 with no impostors) */
  double eer;           /* equal error rate: min over thresholds t of max(FAR, FRR), a
                           pair accepted when its distance < t */
  double dprime;        /* decidability |mean_i - mean_g| / sqrt((var_g + var_i) / 2) */
} TrawlEvalSeparation;

void   trawl_eval_separation (const float *genuine, int n_genuine, const float *impostor,
                              int n_impostor, TrawlEvalSeparation *s);

/* Pooled galleries: k photos of an identity averaged into one template
 * (unit vectors summed and renormalised, as a search pools query photos).
 * Each identity's items in their order are J_0 .. J_{n_J - 1}; fold s
 * (0 .. largest n_J - 1) makes every identity's template from the window
 * J_{(s + t) mod n_J}, t < min(k, n_J); its queries are, for every
 * identity I with s < n_I and n_I > k, I's items outside its window. A
 * query is correct (*top1) when its own template is the nearest; its
 * distances to its own template are genuine, to the others impostor
 * (arrays g_free). k = 1 is a single-photo gallery. vectors are unit. */
void   trawl_eval_pooled (const float *vectors, const int *labels, int n, int dim, int k,
                          int *top1, int *n_queries, float **genuine, int *n_genuine,
                          float **impostor, int *n_impostor);

/* Characters of truth matched by read: max(0, len(truth) - edit distance),
 * in Unicode characters. */
int    trawl_eval_chars_correct (const char *truth, const char *read);

/* ---- report ---- */

typedef struct TrawlEvalReport TrawlEvalReport;

TrawlEvalReport *trawl_eval_report_new (const char *data_dir);
void             trawl_eval_report_free (TrawlEvalReport *r);

/* Starts a section (e.g. "faces/images"); later metrics and notes go to it. */
void   trawl_eval_report_section (TrawlEvalReport *r, const char *name);
/* A count metric num/den; key is a short id ("exact"), label for people,
 * target the goal as a fraction (< 0: none). */
void   trawl_eval_report_count (TrawlEvalReport *r, const char *key, const char *label,
                                int num, int den, double target);
/* A plain value (a threshold, a rate, seconds). */
void   trawl_eval_report_value (TrawlEvalReport *r, const char *key, const char *label,
                                double value);
void   trawl_eval_report_note (TrawlEvalReport *r, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
/* A per-item record for the JSON report's "items" of the current section:
 * pairs of (key, string value), NULL-terminated. */
void   trawl_eval_report_item (TrawlEvalReport *r, const char *first_key, ...) G_GNUC_NULL_TERMINATED;

/* The value of "section.key" (a count's fraction), or NAN when absent. */
double trawl_eval_report_get (const TrawlEvalReport *r, const char *section, const char *key);
/* Number of sections holding at least one metric. */
int    trawl_eval_report_n_sections (const TrawlEvalReport *r);

void   trawl_eval_report_print (const TrawlEvalReport *r, FILE *out);
/* Pretty JSON text; g_free. */
char  *trawl_eval_report_to_json (const TrawlEvalReport *r);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlEvalReport, trawl_eval_report_free)

/* ---- the runner ---- */

typedef struct {
  gboolean quick;      /* a sample of each set (for tests): every 4th plate crop,
                          fewer video frames */
  gboolean verbose;    /* one line per item on stderr */
  int      n_threads;  /* engine threads; 0 = one per core */
  const char *only;    /* comma-separated section names to run (NULL: all);
                          videos/people also needs faces/images */
  gboolean face_variants; /* faces/variants: the descriptor computed other ways
                             (alignment, padding, flip) on the faces faces/images
                             finds, with finer and pooled-gallery figures */
} TrawlEvalOptions;

/* Runs every evaluation whose folder exists under dir; a missing folder is
 * skipped with a note, a bad labels.csv line is noted with its line number.
 * Returns the report, or NULL with error set when dir is not a folder or
 * the models cannot be loaded. */
TrawlEvalReport *trawl_eval_run (const char *dir, const TrawlEvalOptions *opts,
                                 GError **error);

/* ---- plate confusions ---- */

/* The substitution-cost table src/plate compiles in (confusions.inc: C
 * rows { a, b, cost } under a comment naming source and the counts) from
 * labels and reads, two arrays of char* of the same length: each read is
 * aligned with its label by plain edit distance, both normalised with O
 * taken as 0; substituted pairs are counted; cost = -log of the smoothed
 * confusion rate (the a-priori classes as prior), scaled to 0.1..1, closed
 * under shortest paths. Returns a new string (g_free). */
char    *trawl_eval_plate_confusion_table (const GPtrArray *truths, const GPtrArray *reads,
                                           const char *source);
/* Reads plates/crops_us, plates/crops_cn, the labelled boxes of
 * plates/images and the frames of videos/plates (4 fps) under dir as
 * trawl_eval_run does (opts nullable: quick takes every 4th item; verbose
 * prints each read) and writes the table to out_path. Reads further from
 * their label than a third of its length are not counted (a read of
 * something else). An item that cannot be read is reported on stderr.
 * FALSE with error set when the models, a labels.csv or out_path fail. */
gboolean trawl_eval_plate_confusions (const char *dir, const TrawlEvalOptions *opts,
                                      const char *out_path, GError **error);

G_END_DECLS
