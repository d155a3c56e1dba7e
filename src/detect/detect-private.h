/* detect-private.h - what the batched pipelines on frame sources
 * (face-batch.c, plate-batch.c; GPU NV12 frames or host RGB images, see
 * frame-source.h) share with the files of the public entries
 * (face-pipeline.c, plate-pipeline.c): the detector and reader structs, and the steps both
 * paths take the same way (tiling, box decoding and merging, plate
 * candidate choice and ranking, CTC reads), so the batched path differs
 * only in where its network inputs come from. Private to src/detect.
 */
#pragma once

#include "rules/ctc-steps.h"
#include "detect/frame-source.h"
#include "detect/warp-build.h"
#include "trawl/detect.h"
#include "trawl/nn.h"
#include "trawl/ocr.h"

#include <stdint.h>

G_BEGIN_DECLS

/* ---- faces ---- */

/* Batch sizes the per-face nets are planned for in batched runs: the
 * faces of a run's frames go through the smallest bucket that holds them
 * (unused items padded), at most the last per run. */
#define TRAWL_FACE_BUCKETS    6
#define TRAWL_FACE_MAX_BATCH  32

struct TrawlFaceDetector {
  TrawlFaceOptions opts;     /* defaults filled in */
  TrawlNnGraph    *ssd_g;    /* graphs, owned */
  TrawlNnGraph    *lm_g;
  TrawlNnGraph    *rec_g;    /* NULL with no_embedding */
  TrawlFaceTimings times;    /* seconds per stage, cumulative */
  /* Plans on the detector's backend (face-batch.c), the batch-1 ones made
   * at creation (ssd_batch[1] tells the backend), the others on first
   * use: */
  TrawlNnPlan     *ssd_batch[TRAWL_FACE_MAX_BATCH + 1];  /* [n,3,512,512], index n */
  TrawlNnPlan     *lm_batch[TRAWL_FACE_BUCKETS];         /* [1<<i,3,112,112] */
  TrawlNnPlan     *rec_batch[TRAWL_FACE_BUCKETS];        /* [1<<i,3,150,150] */
  float           *chip_host;  /* TRAWL_FACE_MAX_BATCH chips of 3*150*150 floats, read
                                  back from the plan's input for the quality measure */
  int              ssd_max_batch; /* regions per batched SSD run; 0 (the default):
                                     TRAWL_WARP_MAX_BATCH on the GPU, 1 on the CPU
                                     (each region holds 25 MB of arena in a CPU
                                     plan); tests set it to batch on the CPU */
  TrawlWarpScratch ssd_cand;   /* a GPU SSD run's candidate anchors on the device
                                  (TRAWL_FACE_SSD_MAX_CAND a region, laid out
                                  [counts | idx | cand] in 4-byte words) */
  void            *ssd_cand_host;  /* one SSD run's candidates in host memory, the same
                                      layout for TRAWL_WARP_MAX_BATCH regions */
};

/* Candidate anchors a region keeps for decoding in a batched SSD run
 * (face-batch.c); a region with more falls back to its full outputs. Faces
 * give tens, a crowd a few hundred at min_score 0.5. */
#define TRAWL_FACE_SSD_MAX_CAND 512

/* The CPU reference of kernels/ssd-kernel.h's prefilter, one item: in
 * ascending anchor order, each anchor i < n_anchors with trawl_ssd_keep
 * (logits[3i+1], logit_min) (ssd-kernel.h) becomes candidate k: idx[k] = i,
 * cand[5k .. 5k+4] = enc[4i .. 4i+3], logits[3i+1] (copied), for
 * k < max_cand. Returns the number of candidates, which may exceed
 * max_cand (then only max_cand were written: the caller falls back to the
 * full outputs). The GPU kernel's records equal these bit for bit. */
int     _trawl_ssd_candidates_ref (const float *enc, const float *logits, int n_anchors,
                                   float logit_min, int max_cand, int *idx, float *cand);

/* Loads a face-api net from the cache (graph into *g when *g is NULL) and
 * plans it for batch x 3 x size x size. */
TrawlNnPlan *_trawl_face_plan (TrawlFaceDetector *fd, TrawlNnGraph **g, const char *dest,
                               int batch, int size, GError **error);
/* The regions SSD runs on for a width x height frame: the whole frame,
 * then the tiles. A GArray of TrawlBox (integer px). */
GArray *_trawl_face_regions (const TrawlFaceDetector *fd, int width, int height);
/* Appends to out, for dets, region r's SSD detections
 * (TrawlFaceBox, region px, from trawl_faces_ssd_detect or
 * trawl_faces_ssd_detect_candidates): the boxes in frame px, small ones
 * dropped. */
void    _trawl_face_dets_append (const GArray *dets, const TrawlBox *r, GArray *out);
/* Merges the boxes of all regions (NMS, contained boxes) and keeps
 * max_faces. */
void    _trawl_face_merge (const TrawlFaceDetector *fd, GArray *boxes);
/* The integer region the landmark net sees for a face box. */
void    _trawl_face_lm_region (const TrawlBox *b, int *x, int *y, int *w, int *h);
/* trawl_face_quality with the chip's sharpness already measured (0..1):
 * for faces whose landmarks moved to another frame's px after the chip was
 * cut (a query photo run padded or rescaled, face-photo.c). */
void    _trawl_face_quality_with (const TrawlPoint landmarks[68], float sharpness,
                                  float det_score, TrawlFaceQuality *q);
/* Writes raw scaled to unit length into out (TRAWL_FACE_EMBED_DIM). */
void    _trawl_face_normalise (const float *raw, float *out);

/* Faces in n frames (sizes may differ), processed together: the SSD
 * regions of all frames in shared runs of up to TRAWL_WARP_MAX_BATCH, then
 * the landmarks, chips and embeddings of all their faces in runs of up to
 * TRAWL_FACE_MAX_BATCH. faces_out[f] receives frame f's faces (GArray of
 * TrawlFace, caller-owned): the faces of a run of that frame alone, in
 * the same order (values equal up to the rounding of nets run at another
 * batch size; bit for bit on the CPU backend). Every public face entry
 * (face-pipeline.c) runs this. GPU sources need a detector on the CUDA backend, host
 * images one on the CPU backend; TRAWL_ERROR_INVALID_ARG otherwise, for
 * n < 1, NULL arguments or an empty frame, before any work. On failure
 * FALSE with error set and every faces_out[f] NULL. Frames must stay valid
 * (GPU frames: unfreed, see gpu.h) until it returns; the GPU work reading
 * them has finished when it returns successfully. */
gboolean _trawl_face_detector_run_sources (TrawlFaceDetector *fd, const TrawlFrameSource *srcs,
                                           int n, GArray **faces_out, GError **error);
/* The stages after SSD alone: faces_out[f] receives the faces (landmarks,
 * quality, descriptor) at the boxes boxes[f] (GArray of TrawlScoredBox,
 * frame px; their scores kept) of frame f, in their order. As
 * _trawl_face_detector_run_sources otherwise (the same checks, failure
 * and ownership rules). For boxes given by hand (face-photo.c). */
gboolean _trawl_face_detector_describe_sources (TrawlFaceDetector *fd,
                                                const TrawlFrameSource *srcs, int n,
                                                GArray **boxes, GArray **faces_out,
                                                GError **error);
/* Frees what the batched runs keep besides plans (the SSD candidates'
 * buffers), after a failed run too. */
void     _trawl_face_batch_free (TrawlFaceDetector *fd);
/* Frees everything fd holds (plans, graphs, buffers) but fd itself;
 * trawl_face_detector_free calls it. */
void     _trawl_face_detector_clear (TrawlFaceDetector *fd);

/* ---- plates ---- */

#define TRAWL_PLATE_REC_H 48
#define TRAWL_PLATE_REC_W 320
#define TRAWL_PLATE_BUCKETS 6    /* rec batches of 1, 2, 4, .., 32 in batched runs */
/* Batched runs put at most this many det inputs of one size (frames of
 * one size, zoom crops of one det size) into one det run. */
#define TRAWL_PLATE_DET_MAX_BATCH 8

/* Text boxes that read like a plate are looked at again, small ones
 * closer: DB boxes of a plate a few dozen px wide often cut its first or
 * last character, and a sticker splits a line. Context of ZOOM_CONTEXT
 * box heights around the box, scaled so that the box is at least ZOOM_H
 * px high (at most ZOOM_MAX times), det again, the best region read. */
#define TRAWL_PLATE_ZOOM_H        48.0f
#define TRAWL_PLATE_ZOOM_MAX      4.0f
#define TRAWL_PLATE_ZOOM_CONTEXT  1.0f
/* Margins (box heights) of a scene box's reads: tight and wide; and of
 * the best region of a loose crop. */
#define TRAWL_PLATE_MARGIN_WIDE   0.3f
#define TRAWL_PLATE_MARGIN_REGION 0.15f

struct TrawlPlateReader {
  TrawlPlateOptions opts;      /* defaults filled in */
  TrawlNnGraph     *det_g;     /* owned */
  TrawlNnGraph     *rec_g;
  GHashTable       *det_plans; /* "WxH" -> TrawlNnPlan*: det input size varies */
  TrawlNnPlan      *rec;       /* [1,3,48,320] */
  float            *rec_in;    /* 3*48*320 */
  TrawlOcrDict     *dict;
  TrawlPlateTimings times;     /* seconds per stage, cumulative */
  /* Batched runs on frame sources (plate-batch.c), on the reader's backend,
   * made on first use (det plans of k > 1 inputs are in det_plans too,
   * "WxH*k"): */
  TrawlNnPlan      *rec_batch[TRAWL_PLATE_BUCKETS];  /* [1<<i,3,48,320] */
  int               det_max_batch; /* inputs per batched det run; 0 (the default):
                                      TRAWL_PLATE_DET_MAX_BATCH on the GPU, 1 on the
                                      CPU (a CPU plan's arena grows with its batch);
                                      tests set it to batch on the CPU */
  TrawlWarpScratch  zooms;     /* zoom crops (planar, 8-bit values) of a batch's
                                  boxes that read like plates, kept from their det to
                                  their read */
  TrawlWarpScratch  crops;     /* one rec run's crops: the first of its two warps */
  TrawlWarpScratch  ctc;       /* one rec run's CTC step records (TrawlCtcStep,
                                  counted in floats), where the run's output is */
  TrawlWarpScratch  dbmask;    /* one det run's bit-packed DB masks (uint32_t words,
                                  counted in floats), where the run's output is */
  float            *dbmap;     /* host copy of one GPU det run's maps, filled only
                                  where the DB boxes' scores read (g_malloc) */
  gsize             dbmap_cap; /* floats */
};

/* ---- plate-rules.c ---- */

/* rec's output probs [T, C] for a crop crop_w px wide that went in scaled
 * to rw columns: a plate with raw text, characters (their columns in crop
 * px) and no finished text yet. NULL with error set. */
TrawlPlate *_trawl_plate_from_probs (TrawlPlateReader *pr, const float *probs, int T, int C,
                                     int crop_w, int rw, GError **error);
/* The text, confidence and format of p from its characters; strict: 2
 * Latin only, else the one normalisation. */
void        _trawl_plate_finish_text (TrawlPlate *p, int strict);
/* How well a read fits a plate: plausible formats first, then confidence. */
double      _trawl_plate_read_rank (const TrawlPlate *p);
/* The det plan for a w x h input, made on first use. */
TrawlNnPlan *_trawl_plate_det_plan (TrawlPlateReader *pr, int w, int h, GError **error);
/* Does scene box b look like a line of plate text worth reading? Its width
 * and height (px) go to *w and *h. */
gboolean    _trawl_plate_box_wanted (const TrawlPlateReader *pr, const TrawlOcrBox *b,
                                     float *w, float *h);
/* Should a box also be read from det's best region of its neighbourhood
 * (zoomed when small), given its tight and wide reads? */
gboolean    _trawl_plate_wants_zoom (const TrawlPlate *tight, const TrawlPlate *wide);
/* The crop a box of height h is read zoomed from (before det looks at it
 * again). */
void        _trawl_plate_zoom_crop (const TrawlOcrBox *b, float h, TrawlWarpCrop *crop);
/* The read to keep of several of one box (NULLs skipped): an index, -1
 * when all are NULL. */
int         _trawl_plate_choose_read (TrawlPlate *const *reads, int n);
/* The index of the box a loose crop's read should use (the largest
 * score-weighted area wider than tall); -1 when none. */
int         _trawl_plate_best_box (const GArray *boxes);
/* A plate from rec's output reduced to T step records (ctc-steps.h) for a
 * crop crop_w px wide that went in scaled to rw columns (strict as
 * recognise in plate-pipeline.c; no ornament trimming). NULL with error
 * set. */
TrawlPlate *_trawl_plate_from_steps (TrawlPlateReader *pr, const TrawlCtcStep *steps, int T,
                                     int crop_w, int rw, int strict, GError **error);
/* Greedy CTC decode of T reduced steps (ctc-steps.h; from
 * _trawl_ctc_steps_ref or the GPU's trawl_cuda_ctc_steps), as
 * trawl_ocr_ctc_decode decodes the rows they came from (which it does
 * through this). NULL with error set (TRAWL_ERROR_INVALID_ARG) for T < 0
 * or a record naming a class outside the dictionary (garbage from a
 * device). */
TrawlOcrText *_trawl_ocr_ctc_decode_steps (const TrawlOcrDict *dict, const TrawlCtcStep *steps,
                                           int T, GError **error);
/* DB post-processing (trawl_ocr_db_boxes, ocr-post.c) in the steps the
 * GPU plate path splits between device and host: the map thresholded to a
 * bit mask (on the device: kernels/db-kernel.h), the components'
 * rectangles found from the mask alone, then only the regions their
 * scores read are needed of the map. trawl_ocr_db_boxes is the binary
 * mask, _trawl_ocr_db_rects and _trawl_ocr_db_finish; a NULL params
 * means PaddleOCR's defaults throughout. */

/* A component's minimum-area rectangle in map px, corners tl, tr, br, bl. */
typedef struct {
  TrawlOcrPoint c[4];
} TrawlOcrRect;

/* The CPU reference of trawl_cuda_db_mask, one map of n values: bit i % 32
 * of bits[i / 32] is set when prob[i] > thresh (so a NaN gives 0); the
 * (n + 31) / 32 words are overwritten, bits past n are 0. */
void    _trawl_ocr_db_mask_ref (const float *prob, gsize n, float thresh, uint32_t *bits);
/* bin[i] = bit i of bits (0 or 1), i < n. */
void    _trawl_ocr_db_unpack (const uint32_t *bits, gsize n, guint8 *bin);
/* The rectangles (TrawlOcrRect) of the 8-connected components of the
 * w x h binary map bin, in scan order of their first pixel: at most
 * max_candidates components looked at, those whose rectangle's shorter
 * side is below min_size dropped. The caller unrefs the array. */
GArray *_trawl_ocr_db_rects (const guint8 *bin, int w, int h, const TrawlOcrDbParams *p);
/* The region of a w x h map a rectangle's score reads: the bounding box of
 * its corners (floor / ceil), clamped to the map, inclusive. */
void    _trawl_ocr_db_rect_region (const TrawlOcrPoint c[4], int w, int h, int *x0, int *y0,
                                   int *x1, int *y1);
/* The boxes (TrawlOcrBox, img_w x img_h px, sorted as trawl_ocr_db_boxes
 * sorts) of rects (from _trawl_ocr_db_rects on prob's mask): scored on
 * prob, reading it only inside each rectangle's _trawl_ocr_db_rect_region,
 * faint ones dropped, grown, small ones dropped, scaled. The caller unrefs
 * the array. */
GArray *_trawl_ocr_db_finish (const float *prob, int w, int h, int img_w, int img_h,
                              const GArray *rects, const TrawlOcrDbParams *p);

/* Keeps p (taken) as box b's plate in plates unless it fails the scene
 * filter (confidence, grammar, a text already read): sets its box, quad
 * and det score. */
void        _trawl_plate_keep (TrawlPlateReader *pr, GPtrArray *plates, TrawlPlate *p,
                               const TrawlOcrBox *b);
/* Sorts a scene's plates, most confident first. */
void        _trawl_plate_sort (GPtrArray *plates);

/* Plates in n frames (sizes may differ), processed together: det of the
 * frames of one size in shared runs (up to TRAWL_PLATE_DET_MAX_BATCH),
 * then the tight and wide reads of every box of every frame through rec in
 * runs of up to 32, then det on the zoom crops of the plate-like boxes (shared
 * runs per det size) and their regions' reads. Every scene entry
 * (trawl_plate_reader_detect, _frames, _gpu, _gpu_batch) runs this. Every
 * net input is made as the classic CPU preprocessing made it (the test
 * reference tests/detect/plate-classic-ref.h): a rectified crop is first cut to
 * 8-bit values (the frame source's warp into a scratch buffer), then
 * resized from there (the planar warp), so with a host RGB source the
 * inputs equal the reference's up to float rounding. plates_out[f] receives
 * frame f's plates (GPtrArray of TrawlPlate, caller-owned, most confident
 * first): those of a run of that frame alone (values equal up to the
 * rounding of nets run at another batch size). GPU
 * sources need a reader on the CUDA backend, host images one on the CPU
 * backend; TRAWL_ERROR_INVALID_ARG otherwise, for n < 1, NULL arguments
 * or an empty frame, before any work. On failure FALSE with error set and
 * every plates_out[f] NULL. Frames must stay valid until it returns. */
gboolean    _trawl_plate_reader_detect_sources (TrawlPlateReader *pr,
                                                const TrawlFrameSource *srcs, int n,
                                                GPtrArray **plates_out, GError **error);
/* Frees what the batched runs keep besides plans (the scratch crops),
 * after a failed run too; trawl_plate_reader_free calls it. */
void        _trawl_plate_batch_free (TrawlPlateReader *pr);

G_END_DECLS
