/* emulated-frames.c - the entry points of kernels/warp-kernel.h,
 * kernels/ctc-kernel.h, kernels/ssd-kernel.h and kernels/db-kernel.h, and the
 * kernels/trawl-kernels.h helpers the GPU
 * frame pipelines reach (device
 * query, error strings, events and stream waits), done on host memory
 * for test-pipelines-emulated, beside the emulated runtime and libraries
 * (emulated-cudart.c, emulated-libs.c, emulated-kernels.c).
 *
 * The warps run the CPU references of src/image/warp.c, which the real
 * kernel matches bit for bit (warp.cu is built without FMA contraction),
 * after the checks warp-kernel.h promises (bad parameters:
 * cudaErrorInvalidValue, nothing touched) and the emulated device's own:
 * a live stream, and every byte a warp reads (planes: the rows its
 * source size and pitches reach) or writes (n whole items) inside one
 * block of fake device memory. A failed memory check returns
 * cudaErrorIllegalAddress, as the launch would fail on a GPU. The CTC
 * step reduction likewise runs its CPU reference (_trawl_ctc_steps_ref,
 * which ctc.cu matches bit for bit) after its checks, and so does the
 * face SSD's candidate prefilter (_trawl_ssd_candidates_ref, ssd.cu) and
 * the DB threshold (_trawl_ocr_db_mask_ref, db.cu); the DB map's region
 * copies check that they read device memory and write host memory.
 *
 * A test may hand the NV12 warps of one frame an RGB image to read
 * instead of its planes (emu_frame_set_rgb), after the same checks, so
 * that the GPU path sees exactly the pixels the CPU path does. */
#include "ctc-kernel.h"
#include "db-kernel.h"
#include "detect/detect-private.h"   /* _trawl_ssd_candidates_ref, _trawl_ocr_db_mask_ref */
#include "emulated-device.h"
#include "ssd-kernel.h"
#include "trawl-kernels.h"
#include "warp-kernel.h"

#include <cuda_runtime_api.h>
#include <string.h>

#define INVALID ((int) cudaErrorInvalidValue)
#define ILLEGAL ((int) cudaErrorIllegalAddress)

static GHashTable *rgb_frames;   /* Y plane -> RgbFrame */
static guint n_waits;            /* stream waits on events queued */

guint
emu_event_waits (void)
{
  return n_waits;
}

typedef struct {
  const guint8 *rgb;
  int           stride;
} RgbFrame;

void
emu_frame_set_rgb (const void *y, const guint8 *rgb, int stride)
{
  if (rgb_frames == NULL)
    rgb_frames = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  if (rgb == NULL)
    g_hash_table_remove (rgb_frames, y);
  else
    {
      RgbFrame *f = g_new (RgbFrame, 1);

      f->rgb = rgb;
      f->stride = stride;
      g_hash_table_replace (rgb_frames, (gpointer) y, f);
    }
}

/* The host-side parameter checks of warp-kernel.h, one warp. */
static gboolean
params_ok (const TrawlWarpParams *p)
{
  return p->src_w > 0 && p->src_h > 0 && p->dst_w > 0 && p->dst_h > 0 && p->dst_h <= 524280
         && p->k >= 1 && p->k <= TRAWL_WARP_MAX_K && p->out_w > 0 && p->out_w <= p->dst_w;
}

/* The checks of a batch of n warps (same_src: all the same src_w/src_h,
 * one NV12 source; same_dst: all the same tensor size, one batch tensor). */
static gboolean
batch_ok (const TrawlWarpParams *p, int n, gboolean same_src, gboolean same_dst,
          const char *what)
{
  if (p == NULL || n < 1 || n > TRAWL_WARP_MAX_BATCH)
    {
      g_printerr ("emulated device: %s: %d warps refused\n", what, n);
      return FALSE;
    }
  for (int i = 0; i < n; i++)
    if (!params_ok (&p[i])
        || (same_dst && (p[i].dst_w != p[0].dst_w || p[i].dst_h != p[0].dst_h))
        || (same_src && (p[i].src_w != p[0].src_w || p[i].src_h != p[0].src_h)))
      {
        g_printerr ("emulated device: %s: warp %d's parameters refused\n", what, i);
        return FALSE;
      }
  return TRUE;
}

static int64_t
item_bytes (const TrawlWarpParams *p)
{
  return (int64_t) 3 * p->dst_h * p->dst_w * (int64_t) sizeof (float);
}

/* The NV12 plane checks: parameters, then the bytes the planes reach. */
static int
nv12_ok (const TrawlWarpParams *p, const uint8_t *y, int pitch_y, const uint8_t *uv,
         int pitch_uv, gboolean on_device, const char *what)
{
  int uv_w = (p->src_w + 1) & ~1, uv_h = (p->src_h + 1) / 2;

  if (y == NULL || uv == NULL || pitch_y < p->src_w || pitch_uv < uv_w)
    {
      g_printerr ("emulated device: %s: planes or pitches refused\n", what);
      return INVALID;
    }
  if (on_device
      && (!emu_dev_range (y, 0, (int64_t) (p->src_h - 1) * pitch_y + p->src_w, "warp Y plane")
          || !emu_dev_range (uv, 0, (int64_t) (uv_h - 1) * pitch_uv + uv_w, "warp UV plane")))
    return ILLEGAL;
  return 0;
}

int
trawl_cuda_warp_nv12_crops (const TrawlWarpParams *p, int n, const uint8_t *y, int pitch_y,
                            const uint8_t *uv, int pitch_uv, float *dst, const size_t *dst_off,
                            void *stream)
{
  const RgbFrame *rf;
  int rc;

  if (!batch_ok (p, n, TRUE, FALSE, "trawl_cuda_warp_nv12_crops") || dst == NULL
      || dst_off == NULL)
    return INVALID;
  if ((rc = nv12_ok (&p[0], y, pitch_y, uv, pitch_uv, TRUE, "trawl_cuda_warp_nv12_crops")) != 0)
    return rc;
  if (!emu_stream_ok (stream, "trawl_cuda_warp_nv12_crops"))
    return ILLEGAL;
  for (int i = 0; i < n; i++)
    {
      int64_t lo = (int64_t) dst_off[i] * (int64_t) sizeof (float);

      if (dst_off[i] >= ((size_t) 1 << 32))
        {
          g_printerr ("emulated device: crop %d: offset %zu refused\n", i, dst_off[i]);
          return INVALID;
        }
      if (!emu_dev_range (dst, lo, lo + item_bytes (&p[i]), "warp crop"))
        return ILLEGAL;
      /* a GPU's threads write in no order: overlapping crops race */
      for (int j = 0; j < i; j++)
        {
          int64_t lo_j = (int64_t) dst_off[j] * (int64_t) sizeof (float);

          if (lo < lo_j + item_bytes (&p[j]) && lo_j < lo + item_bytes (&p[i]))
            {
              emu_violation ("warp crops %d and %d overlap (a race on a GPU)", j, i);
              return ILLEGAL;
            }
        }
    }
  emu_count_launch ();
  rf = rgb_frames != NULL ? g_hash_table_lookup (rgb_frames, y) : NULL;
  for (int i = 0; i < n; i++)
    {
      if (rf != NULL)
        _trawl_warp_rgb_ref (&p[i], rf->rgb, rf->stride, dst + dst_off[i]);
      else
        _trawl_warp_nv12_ref (&p[i], y, pitch_y, uv, pitch_uv, dst + dst_off[i]);
    }
  return 0;
}

int
trawl_cuda_warp_nv12 (const TrawlWarpParams *p, const uint8_t *y, int pitch_y,
                      const uint8_t *uv, int pitch_uv, float *dst, void *stream)
{
  size_t zero = 0;

  return trawl_cuda_warp_nv12_crops (p, 1, y, pitch_y, uv, pitch_uv, dst, &zero, stream);
}

int
trawl_cuda_warp_nv12_host (const TrawlWarpParams *p, const uint8_t *y, int pitch_y,
                           const uint8_t *uv, int pitch_uv, float *dst)
{
  int rc;

  if (!batch_ok (p, 1, TRUE, TRUE, "trawl_cuda_warp_nv12_host") || dst == NULL)
    return INVALID;
  if ((rc = nv12_ok (p, y, pitch_y, uv, pitch_uv, FALSE, "trawl_cuda_warp_nv12_host")) != 0)
    return rc;
  if (emu_is_dev (y) || emu_is_dev (uv) || emu_is_dev (dst))
    {
      emu_violation ("trawl_cuda_warp_nv12_host: given device memory, wants host memory");
      return INVALID;
    }
  _trawl_warp_nv12_ref (p, y, pitch_y, uv, pitch_uv, dst);
  return 0;
}

int
trawl_cuda_warp_planar_batch (const TrawlWarpParams *p, int n, const float *src,
                              const size_t *src_off, float *dst, void *stream)
{
  if (!batch_ok (p, n, FALSE, TRUE, "trawl_cuda_warp_planar_batch") || src == NULL
      || src_off == NULL || dst == NULL)
    return INVALID;
  if (!emu_stream_ok (stream, "trawl_cuda_warp_planar_batch")
      || !emu_dev_range (dst, 0, n * item_bytes (&p[0]), "planar warp tensor"))
    return ILLEGAL;
  for (int i = 0; i < n; i++)
    {
      int64_t lo = (int64_t) src_off[i] * (int64_t) sizeof (float);

      if (src_off[i] >= ((size_t) 1 << 32))
        {
          g_printerr ("emulated device: planar warp %d: offset %zu refused\n", i, src_off[i]);
          return INVALID;
        }
      if (!emu_dev_range (src, lo, lo + (int64_t) 3 * p[i].src_h * p[i].src_w * 4,
                          "planar warp source"))
        return ILLEGAL;
      /* a GPU's threads read and write in no order: overlap is a race */
      if ((const guint8 *) src + lo < (const guint8 *) dst + n * item_bytes (&p[0])
          && (const guint8 *) dst < (const guint8 *) src + lo + (int64_t) 3 * p[i].src_h
                                                                  * p[i].src_w * 4)
        {
          emu_violation ("planar warp %d: source and tensor overlap (a race on a GPU)", i);
          return ILLEGAL;
        }
    }
  emu_count_launch ();
  for (int i = 0; i < n; i++)
    _trawl_warp_planar_ref (&p[i], src + src_off[i], p[i].src_w,
                            dst + (gsize) i * 3 * p[0].dst_h * p[0].dst_w);
  return 0;
}

/* ---- ctc-kernel.h ---- */

int
trawl_cuda_ctc_steps (const float *probs, int rows, int n_classes, TrawlCtcStep *steps,
                      void *stream)
{
  int64_t in_bytes = (int64_t) rows * n_classes * (int64_t) sizeof (float);
  int64_t out_bytes = (int64_t) rows * (int64_t) sizeof (TrawlCtcStep);

  if (probs == NULL || steps == NULL || rows < 1 || n_classes < 1 || n_classes > G_MAXINT - 256)
    {
      g_printerr ("emulated device: trawl_cuda_ctc_steps: %d rows of %d classes refused\n",
                  rows, n_classes);
      return INVALID;
    }
  if (!emu_stream_ok (stream, "trawl_cuda_ctc_steps")
      || !emu_dev_range (probs, 0, in_bytes, "CTC probabilities")
      || !emu_dev_range (steps, 0, out_bytes, "CTC step records"))
    return ILLEGAL;
  /* blocks read rows while others write records: overlap is a race */
  if ((const guint8 *) probs < (const guint8 *) steps + out_bytes
      && (const guint8 *) steps < (const guint8 *) probs + in_bytes)
    {
      emu_violation ("trawl_cuda_ctc_steps: probabilities and records overlap "
                     "(a race on a GPU)");
      return ILLEGAL;
    }
  emu_count_launch ();
  _trawl_ctc_steps_ref (probs, rows, n_classes, steps);
  return 0;
}

/* ---- db-kernel.h ---- */

int
trawl_cuda_db_mask (const float *prob, int items, int n_per_item, float thresh, uint32_t *bits,
                    void *stream)
{
  int64_t words = ((int64_t) n_per_item + 31) / 32;
  int64_t in_bytes = (int64_t) items * n_per_item * (int64_t) sizeof (float);
  int64_t out_bytes = (int64_t) items * words * (int64_t) sizeof (uint32_t);

  if (prob == NULL || bits == NULL || items < 1 || items > 65535 || n_per_item < 1
      || n_per_item > G_MAXINT - 255)
    {
      g_printerr ("emulated device: trawl_cuda_db_mask: %d items of %d values refused\n", items,
                  n_per_item);
      return INVALID;
    }
  if (!emu_stream_ok (stream, "trawl_cuda_db_mask")
      || !emu_dev_range (prob, 0, in_bytes, "DB probability maps")
      || !emu_dev_range (bits, 0, out_bytes, "DB masks"))
    return ILLEGAL;
  /* blocks read maps while others write words: overlap is a race */
  if ((const guint8 *) prob < (const guint8 *) bits + out_bytes
      && (const guint8 *) bits < (const guint8 *) prob + in_bytes)
    {
      emu_violation ("trawl_cuda_db_mask: maps and masks overlap (a race on a GPU)");
      return ILLEGAL;
    }
  emu_count_launch ();
  for (int i = 0; i < items; i++)
    _trawl_ocr_db_mask_ref (prob + (gsize) i * n_per_item, (gsize) n_per_item, thresh,
                            bits + (gsize) i * words);
  return 0;
}

/* The copy is done at once; the wait only has to be asked for. */
int
trawl_cuda_copy_rect_to_host (float *dst, int dst_pitch_floats, const float *src,
                              int src_pitch_floats, int width_floats, int rows, void *stream)
{
  if (dst == NULL || src == NULL || width_floats < 1 || rows < 1
      || dst_pitch_floats < width_floats || src_pitch_floats < width_floats)
    {
      g_printerr ("emulated device: trawl_cuda_copy_rect_to_host: %d rows of %d floats, "
                  "pitches %d and %d refused\n", rows, width_floats, src_pitch_floats,
                  dst_pitch_floats);
      return INVALID;
    }
  if (!emu_stream_ok (stream, "trawl_cuda_copy_rect_to_host")
      || !emu_dev_range (src, 0,
                         ((int64_t) (rows - 1) * src_pitch_floats + width_floats)
                           * (int64_t) sizeof (float), "DB map region"))
    return ILLEGAL;
  if (emu_is_dev (dst))
    {
      emu_violation ("trawl_cuda_copy_rect_to_host: given device memory, wants host memory");
      return INVALID;
    }
  for (int r = 0; r < rows; r++)
    memcpy (dst + (gsize) r * dst_pitch_floats, src + (gsize) r * src_pitch_floats,
            (gsize) width_floats * sizeof (float));
  return 0;
}

int
trawl_cuda_stream_wait (void *stream)
{
  return emu_stream_ok (stream, "trawl_cuda_stream_wait")
           ? 0 : (int) cudaErrorInvalidResourceHandle;
}

/* ---- ssd-kernel.h ---- */

int
trawl_cuda_ssd_candidates (const float *enc, const float *logits, int items, int n_anchors,
                           float logit_min, int max_cand, int *counts, int *idx, float *cand,
                           void *stream)
{
  int64_t enc_bytes = (int64_t) items * n_anchors * 4 * (int64_t) sizeof (float);
  int64_t logit_bytes = (int64_t) items * n_anchors * 3 * (int64_t) sizeof (float);
  int64_t rec = (int64_t) items * max_cand;

  if (enc == NULL || logits == NULL || counts == NULL || idx == NULL || cand == NULL
      || items < 1 || n_anchors < 1 || max_cand < 1)
    {
      g_printerr ("emulated device: trawl_cuda_ssd_candidates: %d items of %d anchors, "
                  "%d candidates refused\n", items, n_anchors, max_cand);
      return INVALID;
    }
  if (!emu_stream_ok (stream, "trawl_cuda_ssd_candidates")
      || !emu_dev_range (enc, 0, enc_bytes, "SSD box encodings")
      || !emu_dev_range (logits, 0, logit_bytes, "SSD class logits")
      || !emu_dev_range (counts, 0, items * (int64_t) sizeof (int), "SSD candidate counts")
      || !emu_dev_range (idx, 0, rec * (int64_t) sizeof (int), "SSD candidate indices")
      || !emu_dev_range (cand, 0, rec * 5 * (int64_t) sizeof (float), "SSD candidates"))
    return ILLEGAL;
  /* blocks read outputs while others write records: any overlap with an
   * output is a race */
  {
    const guint8 *lo[5] = { (const guint8 *) enc, (const guint8 *) logits,
                            (const guint8 *) counts, (const guint8 *) idx,
                            (const guint8 *) cand };
    int64_t len[5] = { enc_bytes, logit_bytes, items * (int64_t) sizeof (int),
                       rec * (int64_t) sizeof (int), rec * 5 * (int64_t) sizeof (float) };

    for (int a = 2; a < 5; a++)
      for (int b = 0; b < a; b++)
        if (lo[a] < lo[b] + len[b] && lo[b] < lo[a] + len[a])
          {
            emu_violation ("trawl_cuda_ssd_candidates: buffers %d and %d overlap "
                           "(a race on a GPU)", b, a);
            return ILLEGAL;
          }
  }
  emu_count_launch ();
  for (int i = 0; i < items; i++)
    counts[i] = _trawl_ssd_candidates_ref (enc + (gsize) i * n_anchors * 4,
                                           logits + (gsize) i * n_anchors * 3, n_anchors,
                                           logit_min, max_cand, idx + (gsize) i * max_cand,
                                           cand + (gsize) i * max_cand * 5);
  return 0;
}

int
trawl_cuda_malloc (void **ptr, size_t bytes)
{
  *ptr = NULL;
  return bytes == 0 ? 0 : (int) cudaMalloc (ptr, bytes);
}

int
trawl_cuda_free (void *ptr)
{
  return (int) cudaFree (ptr);
}

int
trawl_cuda_copy_to_host (void *dst, const void *src, size_t bytes, void *stream)
{
  if (bytes == 0)
    return 0;
  if (!emu_stream_ok (stream, "trawl_cuda_copy_to_host"))
    return (int) cudaErrorInvalidResourceHandle;
  return (int) cudaMemcpy (dst, src, bytes, cudaMemcpyDeviceToHost);
}

/* ---- trawl-kernels.h: the device, errors, events ---- */

int
trawl_cuda_query (TrawlCudaDeviceInfo *info)
{
  memset (info, 0, sizeof *info);
  info->device_count = 1;
  g_strlcpy (info->name, "emulated device (host memory)", sizeof info->name);
  info->cc_major = 9;
  info->memory_bytes = (size_t) 1 << 30;
  info->driver_version = info->runtime_version = CUDART_VERSION;
  return 0;
}

int
trawl_cuda_saxpy (int n, float a, const float *x, float *y)
{
  for (int i = 0; i < n; i++)
    y[i] += a * x[i];
  return 0;
}

const char *
trawl_cuda_error_string (int code)
{
  return cudaGetErrorString ((cudaError_t) code);
}

int
trawl_cuda_primary_context_prepare (void)
{
  return 0;
}

int
trawl_cuda_event_new (void **event)
{
  int rc = (int) cudaEventCreate ((cudaEvent_t *) event);

  if (rc != 0)
    *event = NULL;
  return rc;
}

int
trawl_cuda_event_record (void *event, void *stream)
{
  return (int) cudaEventRecord ((cudaEvent_t) event, (cudaStream_t) stream);
}

/* Everything is synchronous here: waiting only has to be asked right. */
int
trawl_cuda_stream_wait_event (void *stream, void *event)
{
  if (!emu_stream_ok (stream, "trawl_cuda_stream_wait_event")
      || !emu_event_ok (event, "trawl_cuda_stream_wait_event"))
    return (int) cudaErrorInvalidResourceHandle;
  n_waits++;
  return 0;
}

int
trawl_cuda_event_synchronize (void *event)
{
  return emu_event_ok (event, "trawl_cuda_event_synchronize")
           ? 0 : (int) cudaErrorInvalidResourceHandle;
}

void
trawl_cuda_event_free (void *event)
{
  if (event != NULL)
    (void) cudaEventDestroy ((cudaEvent_t) event);
}
