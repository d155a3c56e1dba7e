/* detect-private.h - what the GPU-frame pipelines (face-gpu.c,
 * plate-gpu.c) share with the CPU ones (face-pipeline.c,
 * plate-pipeline.c): the detector and reader structs, and the steps both
 * paths take the same way (tiling, box decoding and merging, plate
 * candidate choice and ranking, CTC reads), so the GPU path differs only in
 * where its network inputs come from. Private to src/detect.
 */
#pragma once

#include "detect/warp-build.h"
#include "trawl/detect.h"
#include "trawl/nn.h"
#include "trawl/ocr.h"

G_BEGIN_DECLS

/* ---- faces ---- */

/* Batch sizes the per-face nets are planned for on the GPU: a frame's
 * faces go through the smallest bucket that holds them (unused items
 * padded), at most the last per run. */
#define TRAWL_FACE_BUCKETS    6
#define TRAWL_FACE_MAX_BATCH  32

struct TrawlFaceDetector {
  TrawlFaceOptions opts;     /* defaults filled in */
  TrawlNnGraph    *ssd_g;    /* graphs, owned */
  TrawlNnGraph    *lm_g;
  TrawlNnGraph    *rec_g;    /* NULL with no_embedding */
  TrawlNnPlan     *ssd;      /* [1,3,512,512] plans, made at creation */
  TrawlNnPlan     *lm;       /* [1,3,112,112] */
  TrawlNnPlan     *rec;      /* [1,3,150,150] */
  float           *ssd_in;   /* input buffers, reused per frame */
  float           *lm_in;
  float           *rec_in;
  TrawlFaceTimings times;    /* seconds per stage, cumulative */
  /* GPU frames (face-gpu.c), made on first use: */
  TrawlNnPlan     *ssd_batch[TRAWL_FACE_MAX_BATCH + 1];  /* [n,3,512,512], index n */
  TrawlNnPlan     *lm_batch[TRAWL_FACE_BUCKETS];         /* [1<<i,3,112,112] */
  TrawlNnPlan     *rec_batch[TRAWL_FACE_BUCKETS];        /* [1<<i,3,150,150] */
  float           *chip_host;  /* 3*150*150 floats: a chip downloaded for quality */
};

/* Loads a face-api net from the cache (graph into *g when *g is NULL) and
 * plans it for batch x 3 x size x size. */
TrawlNnPlan *_trawl_face_plan (TrawlFaceDetector *fd, TrawlNnGraph **g, const char *dest,
                               int batch, int size, GError **error);
/* The regions SSD runs on for a width x height frame: the whole frame,
 * then the tiles. A GArray of TrawlBox (integer px). */
GArray *_trawl_face_regions (const TrawlFaceDetector *fd, int width, int height);
/* Decodes SSD's outputs for region r (frame px) and appends its boxes, as
 * TrawlScoredBox in frame px, to out. */
void    _trawl_face_ssd_append (const TrawlFaceDetector *fd, const float *enc,
                                const float *logits, const TrawlBox *r, GArray *out);
/* Merges the boxes of all regions (NMS, contained boxes) and keeps
 * max_faces. */
void    _trawl_face_merge (const TrawlFaceDetector *fd, GArray *boxes);
/* The integer region the landmark net sees for a face box. */
void    _trawl_face_lm_region (const TrawlBox *b, int *x, int *y, int *w, int *h);
/* Writes raw scaled to unit length into out (TRAWL_FACE_EMBED_DIM). */
void    _trawl_face_normalise (const float *raw, float *out);

/* ---- plates ---- */

#define TRAWL_PLATE_REC_H 48
#define TRAWL_PLATE_REC_W 320
#define TRAWL_PLATE_BUCKETS 6    /* rec batches of 1, 2, 4, .., 32 on the GPU */

/* Small text boxes are looked at again, closer: DB boxes of a plate a few
 * dozen px wide often cut its first or last character. Context of
 * ZOOM_CONTEXT box heights around the box, scaled so that the box is
 * ZOOM_H px high (at most ZOOM_MAX times), det again, the best region read. */
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
  /* GPU frames (plate-gpu.c), made on first use: */
  TrawlNnPlan      *rec_batch[TRAWL_PLATE_BUCKETS];  /* [1<<i,3,48,320] */
};

/* The det plan for a w x h input, made on first use. */
TrawlNnPlan *_trawl_plate_det_plan (TrawlPlateReader *pr, int w, int h, GError **error);
/* Does scene box b look like a line of plate text worth reading? Its width
 * and height (px) go to *w and *h. */
gboolean    _trawl_plate_box_wanted (const TrawlPlateReader *pr, const TrawlOcrBox *b,
                                     float *w, float *h);
/* Should a box of height h also be read zoomed, given its tight and wide
 * reads? */
gboolean    _trawl_plate_wants_zoom (float h, const TrawlPlate *tight, const TrawlPlate *wide);
/* The crop a box of height h is read zoomed from (before det looks at it
 * again). */
void        _trawl_plate_zoom_crop (const TrawlOcrBox *b, float h, TrawlWarpCrop *crop);
/* The read to keep of several of one box (NULLs skipped): an index, -1
 * when all are NULL. */
int         _trawl_plate_choose_read (TrawlPlate *const *reads, int n);
/* The index of the box a loose crop's read should use (the largest
 * score-weighted area wider than tall); -1 when none. */
int         _trawl_plate_best_box (const GArray *boxes);
/* A plate from rec's output probs [T, C] for a crop crop_w px wide that
 * went in scaled to rw columns (strict as recognise in plate-pipeline.c;
 * no ornament trimming). NULL with error set. */
TrawlPlate *_trawl_plate_from_probs (TrawlPlateReader *pr, const float *probs, int T, int C,
                                     int crop_w, int rw, int strict, GError **error);
/* Keeps p (taken) as box b's plate in plates unless it fails the scene
 * filter (confidence, grammar, a text already read): sets its box, quad
 * and det score. */
void        _trawl_plate_keep (TrawlPlateReader *pr, GPtrArray *plates, TrawlPlate *p,
                               const TrawlOcrBox *b);
/* Sorts a scene's plates, most confident first. */
void        _trawl_plate_sort (GPtrArray *plates);

G_END_DECLS
