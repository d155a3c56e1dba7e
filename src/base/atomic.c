/* atomic.c - write a file in full or not at all (temp + fsync + rename +
 * fsync dir).
 *
 * Used for everything in a case directory that is not SQLite (SQLite has
 * its own journal): FAISS vector files, exported manifests. The system
 * calls go through a hook table (atomic-private.h) so tests can make write
 * or fsync fail and check that the target file is left as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <trawl/base.h>

#include "atomic-private.h"

static int
real_mkstemp (char *tmpl)
{
  return g_mkstemp_full (tmpl, O_RDWR | O_CLOEXEC, 0644);
}

static int
real_open_dir (const char *path)
{
  return open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static const TrawlAtomicHooks default_hooks = {
  real_mkstemp, write, fsync, close, rename, real_open_dir,
};
static TrawlAtomicHooks hooks = {
  real_mkstemp, write, fsync, close, rename, real_open_dir,
};

void
_trawl_atomic_set_hooks (const TrawlAtomicHooks *h)
{
  hooks = h != NULL ? *h : default_hooks;
}

const TrawlAtomicHooks *
_trawl_atomic_default_hooks (void)
{
  return &default_hooks;
}

struct _TrawlAtomicFile {
  char    *path;      /* target */
  char    *tmp_path;  /* the temporary file beside it */
  int      fd;        /* of tmp_path; -1 once closed */
  FILE    *stream;    /* fopencookie over fd, or NULL until asked for */
  GError  *poison;    /* first write error; commit fails with it */
};

static gboolean
set_errno_error (GError **error, int err, const char *what, const char *path)
{
  g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "%s: %s failed: %s", path, what,
               g_strerror (err));
  return FALSE;
}

TrawlAtomicFile *
trawl_atomic_file_new (const char *path, GError **error)
{
  TrawlAtomicFile *af;

  g_return_val_if_fail (path != NULL, NULL);
  af = g_new0 (TrawlAtomicFile, 1);
  af->path = g_strdup (path);
  af->tmp_path = g_strconcat (path, ".tmp-XXXXXX", NULL);
  af->fd = hooks.mkstemp (af->tmp_path);
  if (af->fd < 0)
    {
      set_errno_error (error, errno, "creating a temporary file", af->tmp_path);
      g_free (af->path);
      g_free (af->tmp_path);
      g_free (af);
      return NULL;
    }
  return af;
}

gboolean
trawl_atomic_file_write (TrawlAtomicFile *af, const void *data, gsize len, GError **error)
{
  const guint8 *p = data;

  g_return_val_if_fail (af != NULL && af->fd >= 0, FALSE);
  if (af->poison != NULL)
    {
      g_propagate_error (error, g_error_copy (af->poison));
      return FALSE;
    }
  while (len > 0)
    {
      ssize_t n = hooks.write (af->fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          set_errno_error (&af->poison, n < 0 ? errno : EIO, "write", af->path);
          g_propagate_error (error, g_error_copy (af->poison));
          return FALSE;
        }
      p += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static ssize_t
cookie_write (void *cookie, const char *buf, size_t size)
{
  TrawlAtomicFile *af = cookie;
  /* stdio treats 0 as an error; the reason is kept in af->poison */
  return trawl_atomic_file_write (af, buf, size, NULL) ? (ssize_t) size : 0;
}

FILE *
trawl_atomic_file_get_stream (TrawlAtomicFile *af)
{
  cookie_io_functions_t io = { NULL, cookie_write, NULL, NULL };

  g_return_val_if_fail (af != NULL && af->fd >= 0, NULL);
  if (af->stream == NULL)
    af->stream = fopencookie (af, "w", io);
  return af->stream;
}

/* Closes the stream and the fd, keeping the first error. */
static gboolean
close_all (TrawlAtomicFile *af, gboolean sync, GError **error)
{
  gboolean ok = TRUE;

  if (af->stream != NULL)
    {
      if (fclose (af->stream) != 0 && af->poison == NULL)
        set_errno_error (&af->poison, EIO, "write", af->path);
      af->stream = NULL;
    }
  if (af->poison != NULL)
    {
      g_propagate_error (error, g_error_copy (af->poison));
      ok = FALSE;
    }
  if (ok && sync && hooks.fsync (af->fd) != 0)
    ok = set_errno_error (error, errno, "fsync", af->path);
  if (af->fd >= 0 && hooks.close (af->fd) != 0 && ok)
    ok = set_errno_error (error, errno, "close", af->path);
  af->fd = -1;
  return ok;
}

static gboolean
sync_dir (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = hooks.open_dir (dir);
  int ret;

  if (fd < 0)
    return set_errno_error (error, errno, "opening the directory", dir);
  ret = hooks.fsync (fd);
  if (ret != 0)
    {
      int e = errno;
      hooks.close (fd);
      return set_errno_error (error, e, "fsync of the directory", dir);
    }
  hooks.close (fd);
  return TRUE;
}

gboolean
trawl_atomic_file_commit (TrawlAtomicFile *af, GError **error)
{
  gboolean ok;

  g_return_val_if_fail (af != NULL, FALSE);
  ok = close_all (af, TRUE, error);
  if (ok && hooks.rename (af->tmp_path, af->path) != 0)
    ok = set_errno_error (error, errno, "rename", af->path);
  if (ok)
    {
      g_clear_pointer (&af->tmp_path, g_free);  /* nothing left to remove */
      /* The rename is in place; a failed directory sync means it may not
       * survive a power cut, which the caller must hear about. */
      ok = sync_dir (af->path, error);
    }
  trawl_atomic_file_free (af);
  return ok;
}

void
trawl_atomic_file_free (TrawlAtomicFile *af)
{
  if (af == NULL)
    return;
  close_all (af, FALSE, NULL);
  if (af->tmp_path != NULL)
    g_unlink (af->tmp_path);
  g_clear_error (&af->poison);
  g_free (af->tmp_path);
  g_free (af->path);
  g_free (af);
}

gboolean
trawl_atomic_write_file (const char *path, const void *data, gsize len, GError **error)
{
  TrawlAtomicFile *af = trawl_atomic_file_new (path, error);

  if (af == NULL)
    return FALSE;
  if (!trawl_atomic_file_write (af, data, len, error))
    {
      trawl_atomic_file_free (af);
      return FALSE;
    }
  return trawl_atomic_file_commit (af, error);
}
