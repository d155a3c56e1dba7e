/* evidence-private.h - what the files of src/evidence share:
 * evidence-case.c (the only place that knows the case's layout and runs
 * its read queries), evidence-sign.c (Ed25519 via libsodium),
 * evidence-manifest.c (times and JSON helpers), evidence-export.c,
 * evidence-verify.c. When the TrawlCase object lands (src/case), only
 * evidence-case.c changes.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <trawl/base.h>
#include <trawl/catalog.h>
#include <trawl/evidence.h>

#define TRAWL_EVIDENCE_FORMAT "trawl-evidence/1"
#define TRAWL_EVIDENCE_MANIFEST "manifest.json"
#define TRAWL_EVIDENCE_SIGNATURE "manifest.sig"
#define TRAWL_EVIDENCE_README "README.txt"
#define TRAWL_EVIDENCE_AUDIT_ACTION "export"
#define TRAWL_EVIDENCE_KEY_ALGORITHM "ed25519"

/* ---- evidence-case.c: case access ---- */

/* <case>/case.key (g_free). */
char    *_trawl_evidence_key_path (TrawlCatalog *cat);
/* <case>/exports/<subject>-<UTC now>, e.g. "track-42-20261207T163512Z",
 * for an export without an output folder (g_free). */
char    *_trawl_evidence_default_out (TrawlCatalog *cat, JsonNode *subject);
/* The case folder as an absolute path, for manifests and messages (g_free). */
char    *_trawl_evidence_case_dir (TrawlCatalog *cat);
/* The audit rows of action "export" whose details record manifest_sha256:
 * *id gets the last one's id, 0 when none. */
gboolean _trawl_evidence_find_export_row (TrawlCatalog *cat, const char *manifest_sha256,
                                          gint64 *id, GError **error);
/* The details (parsed JSON objects, new JsonNode*s) of the audit rows of
 * exports of track_id, oldest first; NULL with error set on a database error. */
GPtrArray *_trawl_evidence_exports_of_track (TrawlCatalog *cat, gint64 track_id,
                                             GError **error);
/* The camera of id (new record) or NULL with TRAWL_ERROR_NOT_FOUND. */
TrawlCamera *_trawl_evidence_get_camera (TrawlCatalog *cat, gint64 id, GError **error);
/* A video record, or NULL with TRAWL_ERROR_NOT_FOUND naming what refers to it. */
TrawlCatalogVideo *_trawl_evidence_get_video (TrawlCatalog *cat, gint64 id, GError **error);

/* ---- evidence-sign.c ---- */

/* Loads the case key, making it on first use; *secret gets the 64-byte
 * libsodium secret key (g_free after sodium_memzero), *public_hex the
 * public key in hex. */
gboolean _trawl_evidence_load_key (TrawlCatalog *cat, guint8 **secret, char **public_hex,
                                   GError **error);
/* Hex detached signature of data (g_free). */
char    *_trawl_evidence_sign (const guint8 *secret, const void *data, gsize len);
/* TRUE when sig_hex is a valid signature of data under public_hex; FALSE
 * with error saying why (malformed key/signature, or it does not hold). */
gboolean _trawl_evidence_check_signature (const char *public_hex, const char *sig_hex,
                                          const void *data, gsize len, GError **error);

/* ---- evidence-manifest.c ---- */

/* ISO 8601 UTC with milliseconds ("2026-12-07T15:59:42.123Z"), or NULL for NAN. */
char    *_trawl_evidence_iso_utc (double utc);
/* The same instant in this machine's local time with its offset, and the
 * offset alone ("+01:00"). NULL for NAN. */
char    *_trawl_evidence_iso_local (double utc);
char    *_trawl_evidence_local_offset (double utc);
/* Seconds since the epoch from ISO 8601 (a zone is required: "Z" or
 * "+01:00"); NAN when it does not parse. */
double   _trawl_evidence_parse_time (const char *text);
/* SHA-256 of bytes in memory, hex (g_free). */
char    *_trawl_evidence_sha256_bytes (const void *data, gsize len);
/* Adds "name": {"file", "sha256", "size"}-style members for a written file. */
void     _trawl_evidence_add_file_members (JsonBuilder *b, const char *file, const char *sha256,
                                           gint64 size);
/* Adds the models of the manifest in the model cache (or the source tree's)
 * as an array member "models": key, package, version, file, sha256. */
void     _trawl_evidence_add_models (JsonBuilder *b, TrawlKind kind);
