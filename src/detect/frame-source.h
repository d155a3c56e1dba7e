/* frame-source.h - where the batched pipelines (face-gpu.c, plate-gpu.c)
 * cut their network inputs from: a frame on the GPU (NV12 surface, the
 * warp kernel writes into a CUDA plan's device buffer) or a frame in host
 * memory (RGB24, the warp rule's CPU reference writes into a CPU plan's
 * host buffer). The pipelines' logic is the same for both, so the CPU
 * source runs it in CI on machines without a GPU. Private to src/detect. */
#pragma once

#include "image/warp.h"
#include "trawl/gpu.h"
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

G_END_DECLS
