/* frame-source.h - src/detect's one door to the device. Where the batched
 * pipelines (face-batch.c, plate-batch.c) cut their network inputs from: a
 * frame on the GPU (NV12 surface, the warp kernel writes into a CUDA
 * plan's device buffer) or a frame in host memory (RGB24, the warp rule's
 * CPU reference writes into a CPU plan's host buffer); and how they bring
 * back what a plan's outputs reduce to (SSD candidates, CTC steps, DB
 * masks, map regions): a kernel where a GPU plan's outputs lie, the same
 * rule's CPU reference beside it for a CPU plan. The pipelines' logic is
 * the same for both, so the CPU side runs it in CI on machines without a
 * GPU. Only frame-source.c of src/detect includes kernels/ headers.
 * Private to src/detect. */
#pragma once

#include "rules/ctc-steps.h"
#include "rules/warp.h"
#include "trawl/gpu.h"
#include "trawl/detect.h"
#include "trawl/image.h"
#include "trawl/nn.h"

G_BEGIN_DECLS

typedef struct {
  int                  width, height;
  const TrawlGpuFrame *gpu;   /* NV12 in device memory, or NULL */
  const TrawlImage    *rgb;   /* RGB24 in host memory, used when gpu is NULL */
} TrawlFrameSource;

void _trawl_frame_source_gpu (TrawlFrameSource *s, const TrawlGpuFrame *frame);
/* The sources of n GPU frames for a pipeline whose plan `probe` tells its
 * backend (g_free the array). NULL with error: TRAWL_ERROR_NOT_BUILT
 * without CUDA, INVALID_ARG for n < 1, a NULL frame or a CPU plan (who
 * names the pipeline in the message). */
TrawlFrameSource *_trawl_frame_sources_gpu (const TrawlGpuFrame *const *frames, int n,
                                            TrawlNnPlan *probe, const char *who,
                                            GError **error);
void _trawl_frame_source_rgb (TrawlFrameSource *s, const TrawlImage *img);
/* The sources of n public detect frames, each its GPU frame when it has one,
 * else its host image (g_free the array; n >= 1). */
TrawlFrameSource *_trawl_frame_sources_of (const TrawlDetectFrame *frames, int n);

/* Writes n (1..TRAWL_WARP_MAX_BATCH) warps of src into input 0 of plan,
 * items first .. first + n - 1 (an item is 3 * dst_h * dst_w floats; all
 * p share src and dst sizes). A GPU source needs a plan on the device: the
 * plan's stream waits for the decoder, then the kernel is queued on it. A
 * host source needs a CPU plan. FALSE with error otherwise or on failure. */
gboolean _trawl_frame_warp_into (TrawlNnPlan *plan, const TrawlFrameSource *src,
                                 const TrawlWarpParams *p, int n, int first, GError **error);

/* Copies n_floats of plan's input 0 from offset (floats) into host dst,
 * after the work queued on the plan's stream (a device download and wait,
 * or a memcpy for a CPU plan). */
gboolean _trawl_plan_input_read (TrawlNnPlan *plan, gsize offset, float *dst, gsize n_floats,
                                 GError **error);

/* ---- scratch crops ----
 *
 * Where the CPU path cuts an 8-bit crop and then resizes it (PP-OCR's rec
 * and det inputs of rectified plate boxes), the batched path does the same
 * in two warps: the crop into a scratch buffer as planar float RGB
 * [3, h, w] (8-bit values, trawl_warp_build_crop), then the resize from
 * there into the plan's input (TRAWL_WARP_SRC_PLANAR). The scratch lives
 * where the source does: device memory for a GPU frame, host memory for a
 * host image. Warps into it are queued on a plan's stream; a caller must
 * not write a crop again before the plans that read it have run (their
 * runs wait for their streams). */
typedef struct {
  float   *data;       /* cap floats, device or host memory; NULL when empty */
  gsize    cap;        /* floats */
  gboolean on_device;  /* data is device memory (trawl_cuda_malloc) */
} TrawlWarpScratch;

/* Makes s hold at least n_floats where src's crops go (device memory for a
 * GPU source). Growing drops the contents; freeing device memory waits for
 * the device. FALSE with error when memory runs out (s is then empty). */
gboolean _trawl_warp_scratch_reserve (TrawlWarpScratch *s, const TrawlFrameSource *src,
                                      gsize n_floats, GError **error);
/* Frees s's buffer (after the device's work) and empties it. */
void     _trawl_warp_scratch_clear (TrawlWarpScratch *s);

/* Writes the n warps p[0 .. n) of src (each [3, dst_h, dst_w]: crops of
 * any size, n <= TRAWL_WARP_MAX_BATCH) into s at offsets off[i] (floats),
 * queued on plan's stream after the decoder's writes as one launch (GPU
 * source) or at once (host source). plan only lends its stream; it must
 * be on src's side. The crops must not overlap. */
gboolean _trawl_frame_warp_crops (TrawlNnPlan *plan, const TrawlFrameSource *src,
                                  const TrawlWarpParams *p, int n, TrawlWarpScratch *s,
                                  const gsize *off, GError **error);

/* Writes warp p of the crop at from + src_off (planar, p->src_w x
 * p->src_h) into to at dst_off: a crop of a crop (the zoomed read's
 * region). Queued on plan's stream. The two may not overlap. */
gboolean _trawl_scratch_warp_crop (TrawlNnPlan *plan, const TrawlWarpScratch *from,
                                   gsize src_off, const TrawlWarpParams *p, TrawlWarpScratch *to,
                                   gsize dst_off, GError **error);

/* Writes n (1..TRAWL_WARP_MAX_BATCH) warps into input 0 of plan, items
 * first .. first + n - 1 (all p share dst sizes), warp i from the crop at
 * s + src_off[i] (planar, p[i].src_w x p[i].src_h). Queued on plan's
 * stream; s must be on plan's side. */
gboolean _trawl_scratch_warp_into (TrawlNnPlan *plan, const TrawlWarpScratch *s,
                                   const gsize *src_off, const TrawlWarpParams *p, int n,
                                   int first, GError **error);

/* ---- what a plan's outputs reduce to ----
 *
 * Each reads outputs a run of plan left (device memory on a GPU plan,
 * valid until its next run; host memory on a CPU plan) and leaves in host
 * memory only what the host goes on with. On a GPU plan a kernel
 * (kernels/) reduces where the outputs lie, queued on plan's stream, into
 * dev (reserved there on the device), and one download waits for it; on a
 * CPU plan the kernel's CPU reference does the same at once (dev unused).
 * Both give the same bits. FALSE with error on failure or bad sizes. */

/* The face SSD's candidates (ssd-kernel.h; _trawl_ssd_candidates_ref) of
 * items regions' outputs enc (items x n_anchors x 4) and logits
 * (items x n_anchors x 3) into out, laid out
 * [counts (items) | idx (items x max_cand) | cand (items x max_cand x 5
 * floats)]: items * (1 + 6 * max_cand) 4-byte words. */
gboolean _trawl_plan_ssd_candidates (TrawlNnPlan *plan, const float *enc, const float *logits,
                                     int items, int n_anchors, float logit_min, int max_cand,
                                     TrawlWarpScratch *dev, void *out, GError **error);

/* rows rows of n_classes probabilities reduced to one CTC step record
 * each (ctc-kernel.h; _trawl_ctc_steps_ref) into steps[0 .. rows). */
gboolean _trawl_plan_ctc_steps (TrawlNnPlan *plan, const float *probs, int rows, int n_classes,
                                TrawlWarpScratch *dev, TrawlCtcStep *steps, GError **error);

/* items DB probability maps of n_per_item floats each thresholded to bit
 * masks (db-kernel.h; _trawl_ocr_db_mask_ref): item i's
 * (n_per_item + 31) / 32 words at bits + i * words. */
gboolean _trawl_plan_db_masks (TrawlNnPlan *plan, const float *maps, int items, int n_per_item,
                               float thresh, TrawlWarpScratch *dev, uint32_t *bits,
                               GError **error);

/* A rectangle of a map: rows rows of width floats from offset at, rows
 * pitch floats apart (the map's width). */
typedef struct {
  gsize at;
  int   width, rows;
} TrawlMapRegion;

/* Copies the n regions r of src (plan's outputs) into the same places of
 * host dst (pitch floats a row on both sides): on a GPU plan queued
 * copies and one wait (also after a failed copy: none is still writing
 * when this returns), on a CPU plan row memcpys. */
gboolean _trawl_plan_read_regions (TrawlNnPlan *plan, const float *src, float *dst, int pitch,
                                   const TrawlMapRegion *r, int n, GError **error);

/* Copies bytes of plan's outputs at src into host dst, after the work
 * queued on plan's stream. */
gboolean _trawl_plan_output_read (TrawlNnPlan *plan, const void *src, void *dst, gsize bytes,
                                  GError **error);

G_END_DECLS
