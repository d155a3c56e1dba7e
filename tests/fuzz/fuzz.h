/* fuzz.h - a small mutation fuzzer for trawl's parsers, GLib only (gcc or
 * clang, no libFuzzer needed): seeds from real files, mutated with a
 * seeded PRNG, each input fed to one parser's entry point. Errors are the
 * expected outcome; a crash, a sanitizer report or a hang (alarm) ends the
 * process, and the input that did it is on disk (see fuzz-main.c).
 *
 * fuzz-targets.c holds one target per parser; fuzz-mutate.c the mutator. */
#pragma once

#include <glib.h>

/* One seed: the bytes of a real (or generated) file and the base name the
 * parser should see it under (some entries go by name or extension). */
typedef struct {
  char   *name;
  GBytes *bytes;
} FuzzSeed;

typedef struct {
  const char *name;   /* "onnx", "faceapi-manifest", ... */
  const char *parser; /* the entry point fed, for people */
  /* Appends FuzzSeed* to seeds (free with fuzz_seed_free); work is a
   * scratch folder of the run. FALSE with error when no seed is found
   * (data or models absent). */
  gboolean (*collect) (GPtrArray *seeds, const char *work, GError **error);
  /* Feeds one input to the parser. path: where the input was written (under
   * work, named as the seed). Returns TRUE when the parser accepted it (for
   * the statistics only: rejecting is fine). */
  gboolean (*run) (const char *path, const guint8 *data, gsize len, const char *work);
  /* Where mutations land: 0 anywhere; else the first and last hot bytes
   * get most of them (big model files whose structure sits at the ends). */
  gsize hot_bytes;
  /* The input is JSON: half the mutants change its tree (values, members,
   * types) and stay parseable, to reach what reads the parsed values. */
  gboolean json;
} FuzzTarget;

void fuzz_seed_free (FuzzSeed *s);
FuzzSeed *fuzz_seed_new (const char *name, GBytes *bytes);
/* Reads path as a seed named by its base name; NULL when unreadable. */
FuzzSeed *fuzz_seed_from_file (const char *path);

const FuzzTarget *fuzz_targets (guint *n);

/* A mutant of seed (sometimes spliced with other, nullable): 1 to 4 of bit
 * flips, byte sets, interesting integers, inserts, deletes, duplicated runs,
 * truncation. g_byte_array_unref. */
GByteArray *fuzz_mutate (GRand *rng, GBytes *seed, GBytes *other, gsize hot_bytes);

/* A mutant of a JSON seed made on its tree (fuzz-mutate.c); NULL when the
 * seed does not parse. g_byte_array_unref. */
GByteArray *fuzz_mutate_json (GRand *rng, GBytes *seed);

/* The test data folder ($TRAWL_DATA, else ../shared/data beside the source
 * tree) and the models folder (trawl_models_dir). */
char *fuzz_data_dir (void);
