/* emulated-cudart.c - the few CUDA runtime calls the engine's CUDA backend
 * makes (src/nn/cuda), done on host memory, for test-cuda-ops-emulated.
 * Linked instead of cudart: the prototypes are the runtime header's, so
 * the compiler holds these to the real signatures.
 *
 * Everything is synchronous: a "stream" only has to exist. What this
 * checks is what the host code hands the runtime: copy directions against
 * where the pointers really live, sizes against the blocks, live streams
 * and events. cudaMalloc fills new blocks with NaN bytes so an output an
 * op forgets to write shows up as a mismatch, not as a lucky zero. */
#include "emulated-device.h"

#include <cuda_runtime_api.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  guint8 *base;
  gsize   size;
} Block;

static GArray *blocks;      /* Block: live fake device allocations */
static GHashTable *streams; /* live streams */
static GHashTable *events;  /* live events -> gint64 time of last record (us) */
static int n_violations;
static guint n_launches;

static void
init (void)
{
  if (blocks == NULL)
    {
      blocks = g_array_new (FALSE, FALSE, sizeof (Block));
      streams = g_hash_table_new (NULL, NULL);
      events = g_hash_table_new_full (NULL, NULL, NULL, g_free);
    }
}

void
emu_violation (const char *fmt, ...)
{
  va_list ap;
  char *msg;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  n_violations++;
  g_printerr ("emulated device: VIOLATION: %s\n", msg);
  g_free (msg);
}

int
emu_violations (void)
{
  return n_violations;
}

guint
emu_launches (void)
{
  return n_launches;
}

void
emu_count_launch (void)
{
  n_launches++;
}

gsize
emu_live_bytes (void)
{
  gsize n = 0;

  init ();
  for (guint i = 0; i < blocks->len; i++)
    n += g_array_index (blocks, Block, i).size;
  return n;
}

static const Block *
find_block (const void *p)
{
  init ();
  for (guint i = 0; i < blocks->len; i++)
    {
      const Block *b = &g_array_index (blocks, Block, i);

      if ((const guint8 *) p >= b->base && (const guint8 *) p < b->base + b->size)
        return b;
    }
  return NULL;
}

gboolean
emu_is_dev (const void *p)
{
  return p != NULL && find_block (p) != NULL;
}

gboolean
emu_dev_range (const void *p, int64_t lo, int64_t hi, const char *what)
{
  const Block *b;

  if (lo >= hi)
    return TRUE;
  b = p ? find_block ((const guint8 *) p + lo) : NULL;
  if (b == NULL)
    {
      emu_violation ("%s: %p%+" G_GINT64_FORMAT " is not device memory", what, p, lo);
      return FALSE;
    }
  if ((const guint8 *) p + hi > b->base + b->size)
    {
      emu_violation ("%s: bytes [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ") from %p run %"
                     G_GINT64_FORMAT " bytes past the end of its %zu-byte block", what, lo, hi, p,
                     (int64_t) (((const guint8 *) p + hi) - (b->base + b->size)), b->size);
      return FALSE;
    }
  return TRUE;
}

gboolean
emu_stream_ok (const void *s, const char *what)
{
  init ();
  if (s != NULL && g_hash_table_contains (streams, s))
    return TRUE;
  emu_violation ("%s: queued on %s", what, s ? "a stream that is not live" : "the legacy default stream (NULL)");
  return FALSE;
}

gboolean
emu_event_ok (const void *e, const char *what)
{
  const gint64 *t;

  init ();
  t = e != NULL ? g_hash_table_lookup (events, e) : NULL;
  if (t == NULL)
    emu_violation ("%s: an event that is not live", what);
  else if (*t == 0)
    emu_violation ("%s: an event that was never recorded", what);
  return t != NULL && *t != 0;
}

/* ---- memory ---- */

cudaError_t
cudaMalloc (void **devPtr, size_t size)
{
  Block b;

  init ();
  if (devPtr == NULL)
    return cudaErrorInvalidValue;
  /* 256-byte aligned like the real thing; NaN bytes until written */
  if (posix_memalign ((void **) &b.base, 256, MAX (size, 1)) != 0)
    return cudaErrorMemoryAllocation;
  b.size = MAX (size, 1);
  memset (b.base, 0xff, b.size);
  g_array_append_val (blocks, b);
  *devPtr = b.base;
  return cudaSuccess;
}

cudaError_t
cudaFree (void *devPtr)
{
  init ();
  if (devPtr == NULL)
    return cudaSuccess;
  for (guint i = 0; i < blocks->len; i++)
    if (g_array_index (blocks, Block, i).base == devPtr)
      {
        free (devPtr);
        g_array_remove_index_fast (blocks, i);
        return cudaSuccess;
      }
  emu_violation ("cudaFree of %p, which cudaMalloc did not return", devPtr);
  return cudaErrorInvalidValue;
}

static cudaError_t
copy (void *dst, const void *src, size_t count, enum cudaMemcpyKind kind, const char *what)
{
  gboolean dd = emu_is_dev (dst), sd = emu_is_dev (src);
  gboolean want_dd = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
  gboolean want_sd = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;

  if (count == 0)
    return cudaSuccess;
  if (dst == NULL || src == NULL)
    {
      emu_violation ("%s of %zu bytes with a NULL pointer", what, count);
      return cudaErrorInvalidValue;
    }
  if (kind != cudaMemcpyDefault && (dd != want_dd || sd != want_sd))
    {
      emu_violation ("%s kind %d: destination is %s memory, source %s memory", what, (int) kind,
                     dd ? "device" : "host", sd ? "device" : "host");
      return cudaErrorInvalidValue;
    }
  if ((dd && !emu_dev_range (dst, 0, (int64_t) count, what))
      || (sd && !emu_dev_range (src, 0, (int64_t) count, what)))
    return cudaErrorInvalidValue;
  if ((const guint8 *) dst < (const guint8 *) src + count
      && (const guint8 *) src < (const guint8 *) dst + count && dst != src)
    emu_violation ("%s: source and destination overlap", what);
  if (dd && sd)
    n_launches++;
  memmove (dst, src, count);
  return cudaSuccess;
}

cudaError_t
cudaMemcpy (void *dst, const void *src, size_t count, enum cudaMemcpyKind kind)
{
  return copy (dst, src, count, kind, "cudaMemcpy");
}

cudaError_t
cudaMemcpyAsync (void *dst, const void *src, size_t count, enum cudaMemcpyKind kind,
                 cudaStream_t stream)
{
  if (!emu_stream_ok (stream, "cudaMemcpyAsync"))
    return cudaErrorInvalidResourceHandle;
  return copy (dst, src, count, kind, "cudaMemcpyAsync");
}

cudaError_t
cudaMemsetAsync (void *devPtr, int value, size_t count, cudaStream_t stream)
{
  if (!emu_stream_ok (stream, "cudaMemsetAsync") || !emu_dev_range (devPtr, 0, (int64_t) count, "cudaMemsetAsync"))
    return cudaErrorInvalidValue;
  n_launches++;
  memset (devPtr, value, count);
  return cudaSuccess;
}

/* ---- device, streams, events, errors ---- */

cudaError_t
cudaGetDeviceCount (int *count)
{
  *count = 1;
  return cudaSuccess;
}

cudaError_t
cudaDriverGetVersion (int *version)
{
  *version = 13000;  /* the emulated device has a driver */
  return cudaSuccess;
}

cudaError_t
cudaDeviceSynchronize (void)
{
  return cudaSuccess;
}

cudaError_t
cudaGetLastError (void)
{
  return cudaSuccess;
}

cudaError_t
cudaStreamCreateWithFlags (cudaStream_t *pStream, unsigned int flags)
{
  (void) flags;
  init ();
  *pStream = (cudaStream_t) g_malloc0 (16);
  g_hash_table_add (streams, *pStream);
  return cudaSuccess;
}

cudaError_t
cudaStreamDestroy (cudaStream_t stream)
{
  init ();
  if (!g_hash_table_remove (streams, stream))
    {
      emu_violation ("cudaStreamDestroy of a stream that is not live");
      return cudaErrorInvalidResourceHandle;
    }
  g_free (stream);
  return cudaSuccess;
}

cudaError_t
cudaStreamSynchronize (cudaStream_t stream)
{
  return emu_stream_ok (stream, "cudaStreamSynchronize") ? cudaSuccess
                                                          : cudaErrorInvalidResourceHandle;
}

cudaError_t
cudaEventCreate (cudaEvent_t *event)
{
  init ();
  *event = (cudaEvent_t) g_new0 (gint64, 1);
  g_hash_table_insert (events, *event, *event);
  return cudaSuccess;
}

cudaError_t
cudaEventDestroy (cudaEvent_t event)
{
  init ();
  if (!g_hash_table_remove (events, event))
    {
      emu_violation ("cudaEventDestroy of an event that is not live");
      return cudaErrorInvalidResourceHandle;
    }
  return cudaSuccess;
}

cudaError_t
cudaEventRecord (cudaEvent_t event, cudaStream_t stream)
{
  init ();
  if (!emu_stream_ok (stream, "cudaEventRecord"))
    return cudaErrorInvalidResourceHandle;
  if (!g_hash_table_contains (events, event))
    {
      emu_violation ("cudaEventRecord of an event that is not live");
      return cudaErrorInvalidResourceHandle;
    }
  *(gint64 *) event = g_get_monotonic_time ();
  return cudaSuccess;
}

cudaError_t
cudaEventElapsedTime (float *ms, cudaEvent_t start, cudaEvent_t end)
{
  init ();
  if (!g_hash_table_contains (events, start) || !g_hash_table_contains (events, end))
    {
      emu_violation ("cudaEventElapsedTime of an event that is not live");
      return cudaErrorInvalidResourceHandle;
    }
  if (*(gint64 *) start == 0 || *(gint64 *) end == 0)
    return cudaErrorInvalidResourceHandle;   /* never recorded */
  /* never 0: callers may test that time was counted */
  *ms = MAX ((float) (*(gint64 *) end - *(gint64 *) start) / 1000.0f, 0.001f);
  return cudaSuccess;
}

const char *
cudaGetErrorString (cudaError_t error)
{
  switch (error)
    {
    case cudaSuccess: return "no error (emulated)";
    case cudaErrorInvalidValue: return "invalid argument (emulated)";
    case cudaErrorMemoryAllocation: return "out of memory (emulated)";
    case cudaErrorInvalidResourceHandle: return "invalid resource handle (emulated)";
    case cudaErrorIllegalAddress: return "an illegal memory access was encountered (emulated)";
    default: return "unknown error (emulated)";
    }
}
