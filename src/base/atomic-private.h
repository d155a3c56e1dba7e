/* atomic-private.h - the system calls behind TrawlAtomicFile, swappable so
 * tests can inject ENOSPC/EIO (as SQLite's os_unix.c does with aSyscall[]).
 * Not for production code: tests only.
 */
#pragma once

#include <sys/types.h>

typedef struct {
  int     (*mkstemp) (char *tmpl);                          /* create the temp file */
  ssize_t (*write) (int fd, const void *buf, size_t count); /* may write less than count */
  int     (*fsync) (int fd);
  int     (*close) (int fd);
  int     (*rename) (const char *from, const char *to);
  int     (*open_dir) (const char *path);                   /* fd of a directory, for fsync */
} TrawlAtomicHooks;

/* Replaces the hooks (copied); NULL restores the real system calls. Not
 * thread-safe: tests call it while no atomic file is in use. */
void _trawl_atomic_set_hooks (const TrawlAtomicHooks *hooks);
/* The real system calls, for tests that wrap only some of them. */
const TrawlAtomicHooks *_trawl_atomic_default_hooks (void);
