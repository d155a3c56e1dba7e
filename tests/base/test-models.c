/* test-models.c - the model manifest: parse, sha256 check, a corrupted or
 * missing file refused with a clear error, malformed manifests rejected. */
#include <trawl/base.h>

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <utime.h>

typedef struct {
  char *dir;       /* temp model cache */
  char *manifest;  /* temp manifest path */
} Fixture;

static const char payload[] = "pretend these are weights\n";

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, payload, -1);
  g_autofree char *sub = NULL;
  g_autofree char *file = NULL;
  g_autofree char *text = NULL;

  (void) data;
  f->dir = g_dir_make_tmp ("trawl-models-XXXXXX", NULL);
  sub = g_build_filename (f->dir, "pkg", NULL);
  g_mkdir (sub, 0755);
  file = g_build_filename (sub, "w.bin", NULL);
  g_assert_true (g_file_set_contents (file, payload, -1, NULL));
  text = g_strdup_printf ("[w]\npackage=@x/pkg\nversion=1.0.0\nfile=model/w.bin\n"
                          "dest=pkg/w.bin\nsha256=%s\nlicence=MIT\nrole=test weights\n", sum);
  f->manifest = g_build_filename (f->dir, "manifest.ini", NULL);
  g_assert_true (g_file_set_contents (f->manifest, text, -1, NULL));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autofree char *file = g_build_filename (f->dir, "pkg", "w.bin", NULL);
  g_autofree char *sub = g_build_filename (f->dir, "pkg", NULL);

  (void) data;
  g_remove (file);
  {
    g_autofree char *w2 = g_build_filename (f->dir, "pkg", "w2.bin", NULL);
    g_autofree char *verdicts = g_build_filename (f->dir, ".verified.ini", NULL);
    g_remove (w2);
    g_remove (verdicts);
  }
  g_rmdir (sub);
  g_remove (f->manifest);
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->manifest);
}

static void
test_parse_and_verify (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlModelManifest) m = trawl_model_manifest_load (f->manifest, &error);
  const TrawlModelEntry *e;

  (void) data;
  g_assert_no_error (error);
  g_assert_cmpuint (m->entries->len, ==, 1);
  e = m->entries->pdata[0];
  g_assert_cmpstr (e->package, ==, "@x/pkg");
  g_assert_cmpstr (e->dest, ==, "pkg/w.bin");
  g_assert_cmpstr (e->licence, ==, "MIT");
  g_assert_true (trawl_model_entry_verify (e, f->dir, &error));
  g_assert_no_error (error);
}

static void
test_corrupt_file_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlModelManifest) m = trawl_model_manifest_load (f->manifest, NULL);
  g_autofree char *file = g_build_filename (f->dir, "pkg", "w.bin", NULL);

  (void) data;
  g_assert_true (g_file_set_contents (file, "pretend these are weightz\n", -1, NULL));
  g_assert_false (trawl_model_entry_verify (m->entries->pdata[0], f->dir, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "refusing"));
}

static void
test_missing_file (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlModelManifest) m = trawl_model_manifest_load (f->manifest, NULL);
  g_autofree char *file = g_build_filename (f->dir, "pkg", "w.bin", NULL);

  (void) data;
  g_remove (file);
  g_assert_false (trawl_model_entry_verify (m->entries->pdata[0], f->dir, &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND);
}

static void
expect_bad_manifest (const char *text, const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("trawl-manifest-XXXXXX.ini", &path, NULL);
  TrawlModelManifest *m;

  g_assert_cmpint (fd, >=, 0);
  close (fd);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  m = trawl_model_manifest_load (path, &error);
  g_assert_null (m);
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, needle));
  g_remove (path);
}

static void
test_malformed_manifests (void)
{
  expect_bad_manifest ("", "no models");
  expect_bad_manifest ("not a key file {{{", "manifest");
  expect_bad_manifest ("[a]\npackage=p\nversion=1\nfile=f\ndest=d\n", "'sha256'");
  expect_bad_manifest ("[a]\npackage=p\nversion=1\nfile=f\ndest=d\nsha256=XYZ\n", "malformed sha256");
  expect_bad_manifest ("[a]\npackage=p\nversion=1\nfile=f\ndest=../../etc/passwd\n"
                       "sha256=0000000000000000000000000000000000000000000000000000000000000000\n",
                       "unsafe dest");
}

static void
test_missing_manifest (void)
{
  g_autoptr(GError) error = NULL;
  g_assert_null (trawl_model_manifest_load ("/nonexistent/manifest.ini", &error));
  g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_NOT_FOUND);
}

/* The repository's own manifest must parse and pin every model the design names. */
static void
test_project_manifest (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("TRAWL_SOURCE_ROOT"), "models",
                                            "manifest.ini", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TrawlModelManifest) m = trawl_model_manifest_load (path, &error);
  const char *keys[] = { "face-detector", "face-landmarks", "face-embedder",
                         "text-detector", "text-recognizer", "text-dictionary" };

  g_assert_no_error (error);
  for (gsize k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      gboolean found = FALSE;
      for (guint i = 0; i < m->entries->len; i++)
        found |= strcmp (((TrawlModelEntry *) m->entries->pdata[i])->key, keys[k]) == 0;
      g_assert_true (found);
    }
}

/* When the cache is filled (scripts/setup), every pinned file must verify. */
static void
test_cache_verifies (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("TRAWL_SOURCE_ROOT"), "models",
                                            "manifest.ini", NULL);
  g_autoptr(TrawlModelManifest) m = trawl_model_manifest_load (path, NULL);
  g_autofree char *first = g_build_filename (trawl_models_dir (), "face-api", NULL);

  if (!g_file_test (first, G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("model cache is empty: run scripts/setup");
      return;
    }
  for (guint i = 0; i < m->entries->len; i++)
    {
      g_autoptr(GError) error = NULL;
      trawl_model_entry_verify (m->entries->pdata[i], trawl_models_dir (), &error);
      g_assert_no_error (error);
    }
}

/* Writes text over path and moves its modification time, as any edit
 * does (set here so that two writes in one clock tick still differ). */
static void
rewrite (const char *path, const char *text, time_t mtime)
{
  struct utimbuf t = { mtime, mtime };
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_cmpint (g_utime (path, &t), ==, 0);
}

/* Issue 17: a model that fails its pinned sha256 is refused where it is
 * loaded (trawl_model_path), with its companion files; the verdict is
 * remembered beside the models. In a subprocess, since the model folder
 * (TRAWL_MODELS) is read once per process. */
static void
test_loaded_model_checked (Fixture *f, gconstpointer data)
{
  (void) data;
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *w = g_build_filename (f->dir, "pkg", "w.bin", NULL);
      g_autofree char *w2 = g_build_filename (f->dir, "pkg", "w2.bin", NULL);
      g_autofree char *verdicts = g_build_filename (f->dir, ".verified.ini", NULL);
      g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, payload, -1);
      g_autofree char *text = g_strdup_printf (
        "[w]\npackage=@x/pkg\nversion=1.0.0\nfile=model/w.bin\ndest=pkg/w.bin\nsha256=%s\n"
        "licence=MIT\nrole=test\n"
        "[w-weights]\npackage=@x/pkg\nversion=1.0.0\nfile=model/w2.bin\ndest=pkg/w2.bin\n"
        "sha256=%s\nlicence=MIT\nrole=test\n", sum, sum);
      char *path;
      time_t now = time (NULL);

      g_setenv ("TRAWL_MODELS", f->dir, TRUE);
      g_assert_true (g_file_set_contents (f->manifest, text, -1, NULL));
      rewrite (w2, payload, now - 50);
      path = trawl_model_path ("pkg/w.bin", &error);
      g_assert_no_error (error);
      g_assert_nonnull (path);
      g_free (path);
      /* one bit flipped in the model: same size, refused */
      rewrite (w, "pretend these are weightr\n", now - 40);
      path = trawl_model_path ("pkg/w.bin", &error);
      g_assert_null (path);
      g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT);
      g_test_message ("%s", error->message);
      g_clear_error (&error);
      /* the good verdict was remembered beside the models */
      g_assert_true (g_file_test (verdicts, G_FILE_TEST_IS_REGULAR));
      /* put back, then its weights file damaged: refused through it */
      rewrite (w, payload, now - 30);
      rewrite (w2, "pretend these are weightr\n", now - 20);
      path = trawl_model_path ("pkg/w.bin", &error);
      g_assert_null (path);
      g_assert_error (error, TRAWL_ERROR, TRAWL_ERROR_CORRUPT);
      g_assert_nonnull (strstr (error->message, "w2.bin"));
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/models/parse-and-verify", Fixture, NULL, fixture_set_up, test_parse_and_verify,
              fixture_tear_down);
  g_test_add ("/models/corrupt-file-refused", Fixture, NULL, fixture_set_up,
              test_corrupt_file_refused, fixture_tear_down);
  g_test_add ("/models/missing-file", Fixture, NULL, fixture_set_up, test_missing_file,
              fixture_tear_down);
  g_test_add ("/models/loaded-model-checked", Fixture, NULL, fixture_set_up,
              test_loaded_model_checked, fixture_tear_down);
  g_test_add_func ("/models/malformed-manifests", test_malformed_manifests);
  g_test_add_func ("/models/missing-manifest", test_missing_manifest);
  g_test_add_func ("/models/project-manifest", test_project_manifest);
  g_test_add_func ("/models/cache-verifies", test_cache_verifies);
  return g_test_run ();
}
