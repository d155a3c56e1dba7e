/* trawl/ocr.h - PP-OCR pre- and post-processing around the det and rec nets.
 *
 * The nets themselves run on the engine (nn.h). This header covers what
 * happens before and after, as PaddleOCR does it for PP-OCRv4:
 *
 *   det: image -> trawl_ocr_det_input() -> det net -> probability map
 *        -> trawl_ocr_db_boxes() -> rotated text boxes in image px
 *   rec: crop  -> trawl_ocr_rec_input() -> rec net -> [N, T, classes] probs
 *        -> trawl_ocr_ctc_decode() -> text, per-character probabilities and
 *           the top-k alternatives per character (for fuzzy plate search)
 *
 * Example (error handling left out):
 *
 *   int w, h;
 *   float *x = trawl_ocr_det_input (img, 960, &w, &h);   // [1,3,h,w]
 *   ... run det, get prob map p [1,1,h,w] ...
 *   GArray *boxes = trawl_ocr_db_boxes (p, w, h, img->width, img->height, NULL);
 *
 *   float in[3 * 48 * 320];
 *   trawl_ocr_rec_input (crop, 48, 320, in);
 *   ... run rec, get probs [1, T, C] ...
 *   TrawlOcrDict *dict = trawl_ocr_dict_load (path, &error);
 *   TrawlOcrText *t = trawl_ocr_ctc_decode (dict, probs, T, C, &error);
 *
 * All functions are reentrant; a TrawlOcrDict is read-only once loaded and
 * may be shared between threads.
 */
#pragma once

#include <glib.h>
#include <trawl/image.h>

G_BEGIN_DECLS

/* ---- detection (DB) ---- */

/* The det net's input for img: resized so that the long side is at most
 * limit_side px (no upscaling) and both sides are multiples of 32 (rounded
 * to the nearest, at least 32), then BGR planes normalised as PaddleOCR's
 * NormalizeImage does on its BGR array: plane c = (x/255 - mean[c]) / std[c]
 * with mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225), plane 0 = B.
 * Returns a g_malloc'd [1, 3, *height, *width] float tensor (g_free). */
float *trawl_ocr_det_input (const TrawlImage *img, int limit_side, int *width,
                            int *height);

typedef struct {
  float thresh;         /* binarisation of the prob map (0.3) */
  float box_thresh;     /* minimum mean probability inside a box (0.6) */
  float unclip_ratio;   /* box growth: distance = area * ratio / perimeter (1.5) */
  int   max_candidates; /* components looked at, at most (1000) */
  int   min_size;       /* shorter side, map px, below which a box is dropped (3) */
} TrawlOcrDbParams;

/* Fills p with PaddleOCR's DBPostProcess defaults (above). */
void trawl_ocr_db_params_init (TrawlOcrDbParams *p);

typedef struct {
  float x, y;
} TrawlOcrPoint;

/* A rotated text box: corners in image px (rounded, clamped to the image),
 * ordered top-left, top-right, bottom-right, bottom-left. */
typedef struct {
  TrawlOcrPoint pts[4];
  float         score;  /* mean probability inside the unexpanded box */
} TrawlOcrBox;

/* Text boxes from a det probability map prob[map_h * map_w] (row-major, the
 * net's [1,1,H,W] output): threshold, 8-connected components, minimum-area
 * rotated rectangle of each (convex hull + rotating calipers), mean score,
 * unclip, scale to an image of img_w x img_h px. params NULL means the
 * defaults. Returns a GArray of TrawlOcrBox sorted top to bottom, then left
 * to right (g_array_unref); never NULL. */
GArray *trawl_ocr_db_boxes (const float *prob, int map_w, int map_h, int img_w,
                            int img_h, const TrawlOcrDbParams *params);

/* The minimum-area rectangle enclosing pts[0..n) (n >= 1): corners written
 * to corners[4] in the order of TrawlOcrBox; returns the shorter side.
 * Exposed for tests. */
float trawl_ocr_min_area_rect (const TrawlOcrPoint *pts, int n, TrawlOcrPoint corners[4]);

/* ---- recognition (CTC) ---- */

/* Writes the rec net's input for crop into dst[3 * height * max_width]:
 * resized to height px and width ceil(height * w / h) capped at max_width,
 * BGR planes, (x/255 - 0.5) / 0.5, zero-padded on the right to max_width
 * (PaddleOCR's resize_norm_img; the padding matters for accuracy). Returns
 * the resized width in px. */
int trawl_ocr_rec_input (const TrawlImage *crop, int height, int max_width, float *dst);

typedef struct TrawlOcrDict TrawlOcrDict;

/* The character dictionary: class 0 is the CTC blank, classes 1..n are the
 * file's lines (UTF-8, one character each), and class n+1 is a space, as
 * PaddleOCR's use_space_char. NULL with error set (G_FILE_ERROR, or
 * TRAWL_ERROR_CORRUPT for a line that is empty or not UTF-8). */
TrawlOcrDict *trawl_ocr_dict_load (const char *path, GError **error);
/* The same from the lines given (for tests). */
TrawlOcrDict *trawl_ocr_dict_new (const char *const *lines, int n_lines);
void          trawl_ocr_dict_free (TrawlOcrDict *dict);
/* Number of classes including blank and space (6625 for ppocr_keys_v1). */
int           trawl_ocr_dict_n_classes (const TrawlOcrDict *dict);
/* The class's character (UTF-8, owned by dict; "" for the blank). */
const char   *trawl_ocr_dict_char (const TrawlOcrDict *dict, int cls);

#define TRAWL_OCR_TOPK 3

/* One emitted character. */
typedef struct {
  int   cls;                     /* class index */
  float prob;                    /* its probability (max over its run of steps) */
  int   step;                    /* time step where prob was taken */
  int   alt_cls[TRAWL_OCR_TOPK];  /* best non-blank classes at that step, best first */
  float alt_prob[TRAWL_OCR_TOPK]; /* (alt_cls[0] == cls) */
} TrawlOcrChar;

typedef struct {
  char         *text;     /* UTF-8, owned */
  int           n_chars;
  TrawlOcrChar *chars;    /* n_chars entries, owned */
  float         score;    /* mean of chars[].prob; 0 for empty text */
} TrawlOcrText;

/* Greedy CTC decode of probs[T * n_classes] (one sequence of the rec
 * output, already softmaxed): argmax per step, repeats collapsed, blanks
 * dropped. n_classes must equal the dictionary's. Returns a new
 * TrawlOcrText (trawl_ocr_text_free), or NULL with error set
 * (TRAWL_ERROR_INVALID_ARG) when the sizes do not fit. */
TrawlOcrText *trawl_ocr_ctc_decode (const TrawlOcrDict *dict, const float *probs,
                                    int T, int n_classes, GError **error);
void          trawl_ocr_text_free (TrawlOcrText *t);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlOcrDict, trawl_ocr_dict_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TrawlOcrText, trawl_ocr_text_free)

G_END_DECLS
