/* nn-pool.c - the CPU backend's worker threads: a parallel-for where the
 * calling thread works too and chunks are claimed one at a time.
 *
 * Why not OpenMP: its fork/join ends in a barrier every thread must reach,
 * so on a busy two-core machine each op waited a whole scheduler slice for
 * a descheduled worker (PP-OCR rec went from 21 ms on one thread to 300 ms
 * on two). Here the caller claims chunks itself, a worker that wakes late
 * finds nothing left and goes back to sleep, and the caller only ever waits
 * for chunks a worker actually took. Workers spin briefly, then block.
 *
 * Threading: one dispatch at a time per pool (a plan runs on one thread).
 */
#include "nn/nn-private.h"

typedef struct {
  gatomicrefcount ref;
  TrawlNnTaskFunc fn;
  void           *arg;
  int64_t         n;        /* items */
  int64_t         chunk;    /* items per claim */
  int64_t         n_chunks;
  gint            next;     /* next chunk to claim */
  gint            done;     /* chunks finished */
} Job;

struct TrawlNnPool {
  int       n_threads;      /* workers + the caller */
  GThread **workers;
  GMutex    lock;
  GCond     wake;           /* workers wait here for a job */
  GCond     finished;       /* the caller waits here for the last chunk */
  Job      *job;            /* current job (a reference), or NULL */
  guint64   generation;     /* bumped per dispatch */
  gboolean  quit;
};

typedef struct {
  TrawlNnPool *pool;
  int          tid;
} WorkerArg;

static void
job_unref (Job *j)
{
  if (g_atomic_ref_count_dec (&j->ref))
    g_free (j);
}

/* Claims and runs chunks until none are left. */
static void
work (TrawlNnPool *pool, Job *j, int tid)
{
  int c;

  while ((c = g_atomic_int_add (&j->next, 1)) < j->n_chunks)
    {
      int64_t b = c * j->chunk, e = MIN (j->n, b + j->chunk);

      j->fn (j->arg, b, e, tid);
      if (g_atomic_int_add (&j->done, 1) + 1 == j->n_chunks)
        {
          g_mutex_lock (&pool->lock);
          g_cond_signal (&pool->finished);
          g_mutex_unlock (&pool->lock);
        }
    }
}

static gpointer
worker_main (gpointer data)
{
  WorkerArg *wa = data;
  TrawlNnPool *pool = wa->pool;
  guint64 seen = 0;

  for (;;)
    {
      Job *j = NULL;

      /* a short spin catches back-to-back ops without a futex round trip */
      for (int spin = 0; spin < 20000; spin++)
        if (g_atomic_pointer_get (&pool->job) != NULL || g_atomic_int_get (&pool->quit))
          break;
      g_mutex_lock (&pool->lock);
      while (!pool->quit && (pool->job == NULL || pool->generation == seen))
        g_cond_wait (&pool->wake, &pool->lock);
      if (pool->quit)
        {
          g_mutex_unlock (&pool->lock);
          break;
        }
      seen = pool->generation;
      j = pool->job;
      g_atomic_ref_count_inc (&j->ref);
      g_mutex_unlock (&pool->lock);
      work (pool, j, wa->tid);
      job_unref (j);
    }
  g_free (wa);
  return NULL;
}

TrawlNnPool *
_trawl_nn_pool_new (int n_threads)
{
  TrawlNnPool *pool = g_new0 (TrawlNnPool, 1);

  pool->n_threads = MAX (n_threads, 1);
  g_mutex_init (&pool->lock);
  g_cond_init (&pool->wake);
  g_cond_init (&pool->finished);
  pool->workers = g_new0 (GThread *, pool->n_threads);
  for (int i = 1; i < pool->n_threads; i++)
    {
      WorkerArg *wa = g_new (WorkerArg, 1);

      wa->pool = pool;
      wa->tid = i;
      pool->workers[i] = g_thread_new ("trawl-nn", worker_main, wa);
    }
  return pool;
}

void
_trawl_nn_pool_free (TrawlNnPool *pool)
{
  if (pool == NULL)
    return;
  g_mutex_lock (&pool->lock);
  pool->quit = TRUE;
  g_cond_broadcast (&pool->wake);
  g_mutex_unlock (&pool->lock);
  for (int i = 1; i < pool->n_threads; i++)
    g_thread_join (pool->workers[i]);
  g_free (pool->workers);
  g_mutex_clear (&pool->lock);
  g_cond_clear (&pool->wake);
  g_cond_clear (&pool->finished);
  g_free (pool);
}

int
_trawl_nn_pool_threads (const TrawlNnPool *pool)
{
  return pool ? pool->n_threads : 1;
}

void
_trawl_nn_parallel (TrawlNnPool *pool, int64_t n, int64_t min_chunk, TrawlNnTaskFunc fn,
                    void *arg)
{
  Job *j;
  int64_t chunk;

  if (n <= 0)
    return;
  min_chunk = MAX (min_chunk, 1);
  if (pool == NULL || pool->n_threads == 1 || n <= min_chunk)
    {
      fn (arg, 0, n, 0);
      return;
    }
  /* about four chunks per thread balances uneven progress */
  chunk = MAX (min_chunk, (n + 4 * pool->n_threads - 1) / (4 * pool->n_threads));
  j = g_new0 (Job, 1);
  g_atomic_ref_count_init (&j->ref);
  j->fn = fn;
  j->arg = arg;
  j->n = n;
  j->chunk = chunk;
  j->n_chunks = (n + chunk - 1) / chunk;
  g_mutex_lock (&pool->lock);
  g_atomic_ref_count_inc (&j->ref);   /* the pool's reference */
  pool->job = j;
  pool->generation++;
  g_cond_broadcast (&pool->wake);
  g_mutex_unlock (&pool->lock);

  work (pool, j, 0);

  /* wait only for chunks that workers took and are still running */
  for (int spin = 0; spin < 20000 && g_atomic_int_get (&j->done) < j->n_chunks; spin++)
    ;
  g_mutex_lock (&pool->lock);
  while (g_atomic_int_get (&j->done) < j->n_chunks)
    g_cond_wait (&pool->finished, &pool->lock);
  pool->job = NULL;
  g_mutex_unlock (&pool->lock);
  job_unref (j);   /* the pool's */
  job_unref (j);   /* ours */
}
