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

G_END_DECLS
