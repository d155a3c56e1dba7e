/* db.cu - the DB threshold of src/detect/ocr-post.c on the GPU (see
 * db-kernel.h): each det probability map becomes a bit mask, 32 pixels a
 * word, and the host copies the plate path needs afterwards (regions of
 * the map, one wait for them all).
 *
 * One thread per pixel, 2-D grid: blockIdx.y is the item, so an item's
 * words start at a word boundary whatever n_per_item is. Each warp covers
 * 32 consecutive pixels (blocks are whole warps, and a block's first
 * pixel is a multiple of the block size), so one __ballot_sync gives the
 * word and its lane 0 stores it. Every thread, past the end or not, takes
 * part in the ballot (its vote is 0), so the full mask is always right
 * and the pad bits of the last word are 0. The comparison is the
 * reference's "prob > thresh": a NaN votes 0, and comparisons need no
 * flushing of subnormals (trawl_kernels_lib keeps --ftz=false).
 *
 * Parameters are checked here on the host; a bad one returns
 * cudaErrorInvalidValue before anything touches the device.
 */
#include "db-kernel.h"

#include <cuda_runtime.h>
#include <limits.h>

#define DB_THREADS 256   /* per block: 8 words */
#define DB_MAX_ITEMS 65535

static_assert (DB_THREADS % 32 == 0, "blocks must be whole warps");

static __global__ void __launch_bounds__ (DB_THREADS)
db_mask_f32 (const float *prob, int n, int words, float thresh, uint32_t *bits)
{
  const float *p = prob + (int64_t) blockIdx.y * n;
  uint32_t *b = bits + (int64_t) blockIdx.y * words;
  int i = (int) blockIdx.x * DB_THREADS + (int) threadIdx.x;
  bool on = i < n && p[i] > thresh;
  unsigned word = __ballot_sync (0xffffffffu, on);

  /* lane 0's pixel starts the word; past the end, so does the whole word */
  if ((threadIdx.x & 31) == 0 && i < n)
    b[i >> 5] = word;
}

extern "C" int
trawl_cuda_db_mask (const float *prob, int items, int n_per_item, float thresh,
                    uint32_t *bits, void *stream)
{
  if (prob == NULL || bits == NULL || items < 1 || items > DB_MAX_ITEMS || n_per_item < 1
      || n_per_item > INT_MAX - (DB_THREADS - 1))
    return (int) cudaErrorInvalidValue;
  int words = (int) (((int64_t) n_per_item + 31) / 32);
  dim3 grid ((unsigned) ((n_per_item + (DB_THREADS - 1)) / DB_THREADS), (unsigned) items);

  db_mask_f32<<<grid, DB_THREADS, 0, (cudaStream_t) stream>>> (prob, n_per_item, words, thresh,
                                                                bits);
  return (int) cudaGetLastError ();
}
