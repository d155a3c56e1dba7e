/* evidence-sign.c - the case's Ed25519 key (libsodium) and detached
 * signatures of manifests.
 *
 * The key is made on first use. Its private half is the 32-byte seed,
 * kept only in <case>/case.key (mode 0600, "trawl-case-key ed25519" and
 * the seed in hex); the public half goes into the catalog once and into
 * every signed export. A key file that disagrees with the catalog, or a
 * catalog key whose file is gone, is refused rather than replaced: a new
 * key would silently orphan the signatures made with the old one.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <sodium.h>

#include "evidence-private.h"

#define KEY_FILE_HEADER "trawl-case-key " TRAWL_EVIDENCE_KEY_ALGORITHM

static gboolean
sodium_ready (GError **error)
{
  if (sodium_init () < 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_FAILED, "libsodium failed to initialise");
      return FALSE;
    }
  return TRUE;
}

static char *
to_hex (const guint8 *bin, gsize len)
{
  char *hex = g_malloc (2 * len + 1);
  sodium_bin2hex (hex, 2 * len + 1, bin, len);
  return hex;
}

/* Exactly len bytes from hex; FALSE on anything else. */
static gboolean
from_hex (const char *hex, guint8 *bin, gsize len)
{
  size_t got = 0;

  if (hex == NULL || strlen (hex) != 2 * len)
    return FALSE;
  return sodium_hex2bin (bin, len, hex, 2 * len, NULL, &got, NULL) == 0 && got == len;
}

static gboolean
write_key_file (const char *path, const guint8 *seed, GError **error)
{
  g_autofree char *hex = to_hex (seed, crypto_sign_SEEDBYTES);
  g_autofree char *text = g_strdup_printf ("%s\n%s\n", KEY_FILE_HEADER, hex);
  gboolean ok;

  ok = g_file_set_contents_full (path, text, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, error);
  sodium_memzero (text, strlen (text));
  sodium_memzero (hex, strlen (hex));
  return ok;
}

static gboolean
read_key_file (const char *path, guint8 *seed, GError **error)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GStatBuf sb;
  gboolean ok;

  if (g_stat (path, &sb) == 0 && (sb.st_mode & 077) != 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "%s: the case's private signing key is readable by others (mode %03o); "
                   "run 'chmod 600 %s'", path, (unsigned) (sb.st_mode & 0777), path);
      return FALSE;
    }
  if (!g_file_get_contents (path, &text, NULL, error))
    return FALSE;
  lines = g_strsplit (text, "\n", 3);
  ok = lines[0] != NULL && strcmp (lines[0], KEY_FILE_HEADER) == 0 && lines[1] != NULL &&
       from_hex (lines[1], seed, crypto_sign_SEEDBYTES);
  sodium_memzero (text, strlen (text));
  for (int i = 0; lines[i] != NULL; i++)
    sodium_memzero (lines[i], strlen (lines[i]));
  if (!ok)
    g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                 "%s: not a trawl case key (expected '%s' and 64 hex digits)", path,
                 KEY_FILE_HEADER);
  return ok;
}

/* Makes a new key pair, writes the seed, records the public half. */
static gboolean
make_key (TrawlCatalog *cat, const char *path, guint8 *seed, GError **error)
{
  guint8 pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  g_autofree char *pk_hex = NULL;

  randombytes_buf (seed, crypto_sign_SEEDBYTES);
  crypto_sign_seed_keypair (pk, sk, seed);
  sodium_memzero (sk, sizeof sk);
  pk_hex = to_hex (pk, sizeof pk);
  if (!write_key_file (path, seed, error))
    return FALSE;
  if (!trawl_catalog_set_signing_key (cat, TRAWL_EVIDENCE_KEY_ALGORITHM, pk_hex, error))
    {
      g_unlink (path);  /* a key the catalog does not know would sign nothing checkable */
      return FALSE;
    }
  return TRUE;
}

gboolean
_trawl_evidence_load_key (TrawlCatalog *cat, guint8 **secret, char **public_hex,
                          GError **error)
{
  g_autofree char *path = _trawl_evidence_key_path (cat);
  g_autofree char *recorded = NULL;
  guint8 seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES];
  guint8 *sk;
  g_autofree char *pk_hex = NULL;
  gboolean have_file = g_file_test (path, G_FILE_TEST_EXISTS);

  if (!sodium_ready (error) ||
      !trawl_catalog_get_signing_key (cat, NULL, &recorded, error))
    return FALSE;
  if (!have_file && recorded != NULL)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "%s: the case's private signing key is missing, but the catalog records "
                   "public key %s: restore case.key from a backup (a new key would not match "
                   "earlier exports)", path, recorded);
      return FALSE;
    }
  if (!(have_file ? read_key_file (path, seed, error) : make_key (cat, path, seed, error)))
    return FALSE;
  sk = g_malloc (crypto_sign_SECRETKEYBYTES);
  crypto_sign_seed_keypair (pk, sk, seed);
  sodium_memzero (seed, sizeof seed);
  pk_hex = to_hex (pk, sizeof pk);
  if (have_file && recorded == NULL &&
      !trawl_catalog_set_signing_key (cat, TRAWL_EVIDENCE_KEY_ALGORITHM, pk_hex, error))
    goto fail;
  if (have_file && recorded != NULL && strcmp (recorded, pk_hex) != 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "%s: this key (public %s) is not the case's signing key recorded in the "
                   "catalog (%s)", path, pk_hex, recorded);
      goto fail;
    }
  *secret = sk;
  *public_hex = g_steal_pointer (&pk_hex);
  return TRUE;

fail:
  sodium_memzero (sk, crypto_sign_SECRETKEYBYTES);
  g_free (sk);
  return FALSE;
}

gboolean
trawl_evidence_case_key (TrawlCatalog *cat, char **public_hex, GError **error)
{
  guint8 *sk = NULL;

  g_return_val_if_fail (cat != NULL && public_hex != NULL, FALSE);
  if (!_trawl_evidence_load_key (cat, &sk, public_hex, error))
    return FALSE;
  sodium_memzero (sk, crypto_sign_SECRETKEYBYTES);
  g_free (sk);
  return TRUE;
}

char *
_trawl_evidence_sign (const guint8 *secret, const void *data, gsize len)
{
  guint8 sig[crypto_sign_BYTES];

  crypto_sign_detached (sig, NULL, data, len, secret);
  return to_hex (sig, sizeof sig);
}

gboolean
_trawl_evidence_check_signature (const char *public_hex, const char *sig_hex, const void *data,
                                 gsize len, GError **error)
{
  guint8 pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];

  if (!sodium_ready (error))
    return FALSE;
  if (!from_hex (public_hex, pk, sizeof pk))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "the public key is not %d hex digits", 2 * crypto_sign_PUBLICKEYBYTES);
      return FALSE;
    }
  if (!from_hex (sig_hex, sig, sizeof sig))
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "the signature is not %d hex digits", 2 * crypto_sign_BYTES);
      return FALSE;
    }
  if (crypto_sign_verify_detached (sig, data, len, pk) != 0)
    {
      g_set_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT,
                   "the signature does not match the manifest under key %.16s...", public_hex);
      return FALSE;
    }
  return TRUE;
}
