/* trawl/faces-post.h - what goes around face-api's networks: input
 * preparation, SSD anchors and box decoding, non-maximum suppression, and
 * mapping landmarks back to the image. Generic IoU/NMS serve plates too.
 *
 * The networks themselves are nn graphs (trawl_nn_load_faceapi, nn.h);
 * their inputs are [N,3,S,S] float RGB 0..255 with the normalisation inside
 * the graph. Every function here follows @vladmandic/face-api 1.7.15 so our
 * results match the reference.
 *
 * Example (detector):
 *   float *in = g_new (float, 3 * 512 * 512);
 *   trawl_faces_prepare_input (img, 0, 0, img->width, img->height, 512, FALSE, in);
 *   ... run the SSD plan: outputs enc [1,5118,4], logits [1,5118,3] ...
 *   GArray *dets = trawl_faces_ssd_detect (enc, logits, img->width, img->height,
 *                                          0.5f, 100);
 *
 * Threading: all functions are reentrant.
 */
#pragma once

#include <glib.h>
#include <trawl/image.h>

G_BEGIN_DECLS

/* An axis-aligned box by its corners; units are stated by each function. */
typedef struct {
  float x0, y0;   /* top-left */
  float x1, y1;   /* bottom-right */
} TrawlPostBox;

/* Intersection over union; 0 when either box is empty. Corners may come
 * in any order (they are sorted first, as face-api does). */
float trawl_post_iou (const TrawlPostBox *a, const TrawlPostBox *b);

/* Greedy NMS as face-api's SSD does it: boxes with score > score_threshold,
 * highest first (ties: lower index first), each kept unless its IoU with a
 * box already kept exceeds iou_threshold; at most max_out kept. Writes the
 * kept indices to keep[] (room for max_out) and returns their count. */
int   trawl_post_nms (const TrawlPostBox *boxes, const float *scores, int n,
                      float iou_threshold, float score_threshold, int max_out,
                      int *keep);

#define TRAWL_FACES_SSD_SIZE    512   /* px, the detector's input side */
#define TRAWL_FACES_SSD_ANCHORS 5118  /* 32²·3 + (16² + 8² + 4² + 2² + 1)·6 */
#define TRAWL_FACES_SSD_IOU     0.5f  /* face-api's NMS threshold */
#define TRAWL_FACES_LM_SIZE     112   /* px, landmark net input side */
#define TRAWL_FACES_REC_SIZE    150   /* px, recognition net input side */

/* Writes the SSD anchors, [5118][4] as (ymin, xmin, ymax, xmax) in 0..1 of
 * the input square: TF's SSD anchor generator for MobileNetV1 (6 layers,
 * scales 0.2..0.95, aspect ratios 1, 2, 1/2, 3, 1/3, 3 boxes in the first
 * layer), identical to the model's Output/extra_dim. */
void  trawl_faces_ssd_anchors (float *anchors);

/* Decodes n anchors: enc [n][4] (ty, tx, th, tw; variances 10, 10, 5, 5),
 * logits [n][3] -> boxes in 0..1 of the input square (x0 y0 x1 y1) and
 * scores = sigmoid(logits[i][1]). anchors as trawl_faces_ssd_anchors. */
void  trawl_faces_ssd_decode (const float *anchors, const float *enc,
                              const float *logits, int n,
                              TrawlPostBox *boxes, float *scores);

typedef struct {
  TrawlPostBox box;    /* px, in the image given to prepare_input */
  float        score;  /* 0..1 */
} TrawlFaceBox;

/* The whole SSD post-processing for one image of img_w x img_h px that was
 * prepared with center = FALSE: decode, NMS (IoU 0.5, score > min_score,
 * at most max_results), clamp to the image and scale to px as face-api
 * does. Returns a GArray of TrawlFaceBox, best first (free with
 * g_array_unref); never NULL. */
GArray *trawl_faces_ssd_detect (const float *enc, const float *logits,
                                int img_w, int img_h, float min_score,
                                int max_results);

/* The prefilter threshold for min_score: a face logit (logits[i][1])
 * that is not above it cannot give a score that trawl_faces_ssd_detect
 * keeps (score > min_score, the score computed in float), with margins
 * for float error (see ssd-post.c), so anchors at or below it can be
 * dropped before decoding without changing the result. -INFINITY means
 * keep every anchor: min_score <= 0 (or below 1e-30, where float scores
 * are too coarse to bound); +INFINITY means none can pass: min_score >= 1
 * or NaN. Used by the GPU face path (kernels/ssd-kernel.h) and its CPU
 * reference. */
float   trawl_faces_ssd_logit_min (float min_score);

/* trawl_faces_ssd_detect from the candidate anchors only: n anchors (at
 * most TRAWL_FACES_SSD_ANCHORS) with indices idx[k], strictly ascending,
 * and cand[5k .. 5k+4] their enc[4] and face logit, e.g. those whose
 * logit passes trawl_faces_ssd_logit_min (min_score) (the records of
 * kernels/ssd-kernel.h). When the candidates hold every anchor with
 * score > min_score, the result equals trawl_faces_ssd_detect's on the
 * full outputs bit for bit: the same float decoding per anchor, and NMS
 * on a subset in anchor order breaks ties as on all anchors. */
GArray *trawl_faces_ssd_detect_candidates (const int *idx, const float *cand, int n,
                                           int img_w, int img_h, float min_score,
                                           int max_results);

/* Prepares a network input from the region (x, y, w, h) px of img: padded
 * to a square with black (at the bottom/right, or split around it when
 * center is TRUE, as face-api's padToSquare), resized bilinearly to
 * size x size as tf.image.resizeBilinear without half-pixel centres, and
 * written planar (NCHW, one image) to out[3 * size * size] as 0..255
 * floats. Parts of the region outside the image are black. */
void  trawl_faces_prepare_input (const TrawlImage *img, int x, int y, int w, int h,
                                 int size, gboolean center, float *out);
/* Where a w x h region sits in its padded square: *off_x, *off_y px from
 * the square's corner (0, 0 unless center, as trawl_faces_prepare_input
 * pads). */
void  trawl_faces_pad_offsets (int w, int h, gboolean center, int *off_x, int *off_y);

/* Maps the landmark net's 136 outputs (0..1 of the padded input square)
 * for a face crop (x, y, w, h) px, prepared with center = TRUE, to image px
 * as face-api does: xy[2*i], xy[2*i+1] for the 68 points. */
void  trawl_faces_landmarks_map (const float *raw, float x, float y, float w, float h,
                                 float *xy);

G_END_DECLS
